import { LoraAdapter } from './lora-adapter';
import { Resolution, ResolveRequest } from './resolution';
import { resolveWith } from './resolver';
import { Catalog } from '../catalog/catalog';
import { deepLock } from '../util/deep-lock';

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
  'clusterMode',
  'gkeVersion',
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

/**
 * The key of a request: its fields in a fixed order; values JSON cannot represent (NaN, Infinity) keep their own spelling.
 * Strings are JSON-quoted (so no value can forge a separator); the common cases (absent, number, boolean) skip `JSON.stringify`,
 * which was a tenth of constructing a server.
 */
function keyOf(request: ResolveRequest): string | undefined {
  let key = '';
  for (const f of REQUEST_FIELDS) {
    const v: unknown = request[f];
    if (v === undefined) {
      key += '-';
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      key += String(v);
    } else if (typeof v === 'string') {
      key += JSON.stringify(v);
    } else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
      key += JSON.stringify(v);
    } else if (Array.isArray(v) && v.every((x) => x instanceof LoraAdapter)) {
      // the class is part of the key: a plain object with an adapter's fields is another request (the resolver refuses it)
      key += `LoraAdapter${JSON.stringify(v)}`;
    } else {
      // a value the resolver may refuse or read differently (a function, an object, a symbol, a bigint, a toJSON): not remembered,
      // so no answer is shared with a request whose key happens to match
      return undefined;
    }
    key += '\u0000';
  }
  return key;
}

/**
 * `resolveWith` memoized per catalog: the resolver is a pure function of the catalog (immutable) and the
 * request, and a chart often holds several servers with the same request (one per environment, region or
 * tenant). Every caller of one request gets the same deeply frozen answer (`deepLock`: under a jsii runtime read-only fields
 * on extensible objects, which its kernel can tag), so no caller can change another's resolution (a write throws in strict mode) and nothing is copied per server (a per-server deep copy was ~3% of
 * synthesizing 100 servers). A refusal is remembered too and thrown again, as a new Error with the same message.
 */
export function resolveCached(catalog: Catalog, request: ResolveRequest): Resolution {
  if (request === null || typeof request !== 'object') return resolveWith(catalog, request);
  const key = keyOf(request);
  if (key === undefined) return deepLock(resolveWith(catalog, request));
  let cache = caches.get(catalog);
  if (!cache) {
    cache = new Map();
    caches.set(catalog, cache);
  }
  let answer = cache.get(key);
  if (!answer) {
    try {
      answer = { resolution: deepLock(resolveWith(catalog, request)) };
    } catch (e) {
      // only the resolver's own refusals (Error with a message naming the prop); anything else propagates unremembered
      if (!(e instanceof Error) || e.constructor !== Error) throw e;
      answer = { refusal: e.message };
    }
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, answer);
  }
  if ('refusal' in answer) throw new Error(answer.refusal);
  return answer.resolution;
}
