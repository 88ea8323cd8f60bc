import { Resolution, ResolveRequest } from './resolution';
import { resolveWith } from './resolver';
import { Catalog } from '../catalog/catalog';
import { plainCopy } from '../util/plain-copy';

/**
 * Every field of a ResolveRequest: the whole input of the resolver besides the catalog. The check below
 * fails to compile when ResolveRequest gains a field that is not listed here, so the key can never
 * ignore an input.
 */
const REQUEST_FIELDS = [
  'model',
  'modelServer',
  'modelServerVersion',
  'acceleratorType',
  'targetNtpotMilliseconds',
  'targetTtftMilliseconds',
  'pricingModel',
  'capacity',
  'reservationName',
  'outputInputCostRatio',
  'region',
  'maxModelLength',
  'modelBucketUri',
  'autoscalingMetric',
  'expectedRequestsPerSecond',
  'allowedAcceleratorTypes',
  'useCase',
  'averageInputTokens',
  'averageOutputTokens',
  'weightPrecision',
  'kvCacheDtype',
  'loraAdapters',
  'maxLoras',
  'maxLoraRank',
  'runtimeLoraUpdating',
] as const satisfies ReadonlyArray<keyof ResolveRequest>;
type Unlisted = Exclude<keyof ResolveRequest, (typeof REQUEST_FIELDS)[number]>;
const EVERY_FIELD_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;
void EVERY_FIELD_LISTED;

/**
 * Distinct requests remembered per catalog; the oldest is forgotten first. Enough for every model x accelerator x a few
 * targets of the embedded catalog (what a CLI sweep or an HTTP endpoint asks), a few MB.
 */
const MAX_ENTRIES = 2048;

/** A remembered answer: the resolution, or the message of the refusal. */
type Answer = { readonly resolution: Resolution } | { readonly refusal: string };

const caches = new WeakMap<Catalog, Map<string, Answer>>();

/** The key of a request: its fields in a fixed order; values JSON cannot represent (NaN, Infinity) keep their own spelling. */
function keyOf(request: ResolveRequest): string {
  return REQUEST_FIELDS.map((f) => {
    const v: unknown = request[f];
    return typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v) ?? '-';
  }).join('\u0000');
}

/**
 * `resolveWith` memoized per catalog: the resolver is a pure function of the catalog (immutable) and the
 * request, and a chart often holds several servers with the same request (one per environment, region or
 * tenant). Each caller gets its own deep copy, so no caller can change another's resolution. A refusal is
 * remembered too and thrown again, as a new Error with the same message.
 */
export function resolveCached(catalog: Catalog, request: ResolveRequest): Resolution {
  if (request === null || typeof request !== 'object') return resolveWith(catalog, request);
  const key = keyOf(request);
  let cache = caches.get(catalog);
  if (!cache) {
    cache = new Map();
    caches.set(catalog, cache);
  }
  let answer = cache.get(key);
  if (!answer) {
    try {
      answer = { resolution: resolveWith(catalog, request) };
    } catch (e) {
      // only the resolver's own refusals (Error with a message naming the prop); anything else propagates unremembered
      if (!(e instanceof Error) || e.constructor !== Error) throw e;
      answer = { refusal: e.message };
    }
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, answer);
  }
  if ('refusal' in answer) throw new Error(answer.refusal);
  return plainCopy(answer.resolution);
}
