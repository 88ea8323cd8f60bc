/**
 * What the profile-reading commands share: choosing curves from `profileCurves(catalog)` by model,
 * server, version, accelerator and instance type (with errors that say what exists), checking the use
 * case, and evaluating a curve exactly as the resolver does (its `evaluate`).
 */
import { round } from './format';
import { Catalog } from '../catalog/catalog';
import { preallocatesDecodeSlots } from '../catalog/model-length';
import { ModelServerRecord } from '../catalog/model-servers';
import { ModelRecord, PricingModelName, UseCaseRecord } from '../catalog/types';
import { Infeasibility, LatencyTargets, ProfileCurve, isInfeasible, operatingPoint } from '../performance/curve';
import { holdsModelLength } from '../performance/feasibility';
import { curveKeyString } from '../performance/measured-curves';
import { KvCacheDtype, WeightPrecision } from '../performance/precision';
import { profileCurves } from '../performance/profiles';
import { chooseMachine } from '../resolver/pod-resources';
import { requireProfiledLength } from '../resolver/request-checks';
import { PricingModel } from '../resolver/resolution';
import {
  Candidate,
  DEFAULT_RATIO,
  DEFAULT_REGION,
  evaluate,
  profileCurves as resolverCurves,
  requireAccelerator,
  requireModel,
  requireRegion,
  requireServer,
} from '../resolver/resolver';
import { WorkloadNames, profiledUseCase as profiledUseCaseOf, requestedWorkload } from '../resolver/workload';
import { closestMatches } from '../util/closest';

/** Which curves a command reads. Every field is optional: no filter, every curve. */
export interface CurveFilter {
  readonly model?: string;
  readonly modelServer?: string;
  readonly modelServerVersion?: string;
  readonly acceleratorTypes?: readonly string[];
  readonly instanceType?: string;
  /** Every server version's curve instead of the one the resolver would use per accelerator type and count. */
  readonly everyVersion?: boolean;
  /** Every server's curves; otherwise, without `modelServer`, the default server (the first in the catalog with profiles), as the resolver does. */
  readonly allServers?: boolean;
  /**
   * The latency targets of the listing: as for the resolver, a measured curve that cannot meet them (no point as fast as the NTPOT
   * target, no TTFT under a TTFT target) gives way to the shape's estimate.
   */
  readonly targets?: LatencyTargets;
}

/** A curve with the catalog records it refers to. */
export interface SelectedCurve {
  readonly curve: ProfileCurve;
  readonly model: ModelRecord;
  readonly server: ModelServerRecord;
}

/** How costs are computed. */
export interface Pricing {
  readonly pricingModel: PricingModelName;
  readonly region: string;
}

export const PRICING_MODELS: readonly string[] = Object.values(PricingModel);
export const DEFAULT_PRICING_MODEL: string = PricingModel.SPOT;
export { DEFAULT_REGION };

const uniq = (xs: readonly string[]) => [...new Set(xs)];
const list = (xs: readonly string[]) => (xs.length ? uniq(xs).join(', ') : 'none');

/**
 * The curves matching a filter, one per model, server, accelerator type and count as the resolver picks them
 * (the measured curve where one exists, else the newest server version's; `modelServerVersion` pins the
 * version; `everyVersion` keeps them all), in a stable order. Throws one-line errors naming what does exist.
 */
export function selectCurves(catalog: Catalog, filter: CurveFilter): SelectedCurve[] {
  let selected: SelectedCurve[] = [];
  for (const curve of profileCurves(catalog, filter.model)) {
    const model = catalog.model(curve.model);
    const server = catalog.modelServer(curve.modelServer);
    if (model && server) selected.push({ curve, model, server });
  }
  const modelsWithProfiles = () => list(catalog.models.filter((m) => profileCurves(catalog, m.id).length > 0).map((m) => m.id).sort(byText));

  let what = 'any model';
  if (filter.model !== undefined) {
    const model = requireModel(catalog, filter.model);
    selected = selected.filter((s) => s.model === model);
    what = model.id;
    if (selected.length === 0) throw new Error(`No profile for ${model.id} in this version. Models with profiles: ${modelsWithProfiles()}.`);
  }
  if (filter.modelServer === undefined && !filter.allServers) {
    const first = catalog.modelServers.find((srv) => selected.some((s) => s.server === srv));
    if (first) selected = selected.filter((s) => s.server === first);
  }
  if (filter.modelServer !== undefined) {
    const server = requireServer(catalog, filter.modelServer);
    const before = selected;
    selected = selected.filter((s) => s.server === server);
    if (selected.length === 0) {
      throw new Error(`No profile for ${what} on model server ${server.name}. Servers with profiles: ${list(before.map((s) => s.server.name))}.`);
    }
    what += ` on ${server.name}`;
  }
  // gcloud's `--model-server-version=all` ("all which returns all versions"): every version's curve
  const allVersions = filter.modelServerVersion?.toLowerCase() === 'all';
  if (filter.modelServerVersion !== undefined && !allVersions) {
    const version = filter.modelServerVersion;
    const servers = uniq(selected.map((s) => s.server.name)).map((n) => catalog.modelServer(n)!);
    if (!servers.some((s) => catalog.modelServerVersion(s, version))) {
      throw new Error(`Unknown model server version '${version}' ('modelServerVersion') for ${servers.map((s) => s.name).join(', ')}. `
        + `Known versions: ${list(servers.flatMap((s) => s.versions.map((v) => v.version)))}.`);
    }
    const before = selected;
    selected = selected.filter((s) => s.curve.modelServerVersion === version);
    if (selected.length === 0) {
      throw new Error(`No profile for ${what} at version ${version}. Versions with profiles: ${list(before.map((s) => s.curve.modelServerVersion))}.`);
    }
    what += ` ${version}`;
  }
  if (filter.acceleratorTypes !== undefined && filter.acceleratorTypes.length > 0) {
    const labels = filter.acceleratorTypes.map((a) => requireAccelerator(catalog, a).gkeLabel);
    const before = selected;
    selected = selected.filter((s) => labels.includes(s.curve.acceleratorType));
    if (selected.length === 0) {
      throw new Error(`No profile for ${what} on ${labels.join(', ')}. Accelerators with profiles: ${list(before.map((s) => s.curve.acceleratorType))}.`);
    }
  }
  if (filter.instanceType !== undefined) {
    const wanted = filter.instanceType;
    if (!catalog.machineTypes.some((m) => m.name === wanted)) {
      throw new Error(`Unknown instance type '${wanted}' ('instanceType'). Closest: ${closestMatches(wanted, catalog.machineTypes.map((m) => m.name)).join(', ')}.`);
    }
    const before = selected;
    selected = selected.filter((s) => instanceTypeOf(catalog, s) === wanted);
    if (selected.length === 0) {
      throw new Error(`No profile for ${what} on ${wanted}. Instance types with profiles: `
        + `${list(before.map((s) => instanceTypeOf(catalog, s) ?? '').filter((n) => n).sort(byText))}.`);
    }
  }
  if (!filter.everyVersion && !allVersions) selected = resolverChoice(catalog, selected, filter.modelServerVersion, filter.targets);
  return selected.sort((a, b) => byText(a.model.id, b.model.id) || byText(a.server.name, b.server.name)
    || byText(a.curve.acceleratorType, b.curve.acceleratorType) || a.curve.acceleratorCount - b.curve.acceleratorCount
    || versionRank(catalog, a) - versionRank(catalog, b) || byText(curveKeyString(a.curve), curveKeyString(b.curve)));
}

/** Case-insensitive, locale-independent text order. */
export function byText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function versionRank(catalog: Catalog, s: SelectedCurve): number {
  const i = catalog.versionsNewestFirst(s.server).findIndex((v) => v.version === s.curve.modelServerVersion);
  return i === -1 ? Number.MAX_SAFE_INTEGER : i;
}

/**
 * Keeps the curves the resolver would consider (its `profileCurves`), one per model, server, accelerator and count, for the
 * accelerators listed: as if they were asked for (`allowedAcceleratorTypes`), so TPU profiles, which the automatic choice
 * leaves out unless TPUs are asked for, are listed like the GPU ones (and a TPU server version can be listed).
 */
function resolverChoice(
  catalog: Catalog, selected: readonly SelectedCurve[], modelServerVersion: string | undefined, targets: LatencyTargets = {},
): SelectedCurve[] {
  const chosen = new Set<string>();
  const groups = new Map<string, SelectedCurve[]>();
  for (const s of selected) groups.set(`${s.model.id}|${s.server.name}`, [...(groups.get(`${s.model.id}|${s.server.name}`) ?? []), s]);
  for (const g of groups.values()) {
    const allowedAcceleratorTypes = uniq(g.map((s) => s.curve.acceleratorType));
    const request = {
      model: g[0].model.id,
      modelServerVersion,
      allowedAcceleratorTypes,
      targetNtpotMilliseconds: targets.ntpotMilliseconds,
      targetTtftMilliseconds: targets.ttftMilliseconds,
    };
    for (const c of resolverCurves(catalog, g[0].model, g[0].server, request, undefined)) chosen.add(identity(c));
  }
  return selected.filter((s) => chosen.has(identity(s.curve)));
}

function identity(c: ProfileCurve): string {
  return `${curveKeyString(c)} (${c.source})`;
}

/** The machine type a curve runs on (the resolver's choice), when one carries it. */
export function instanceTypeOf(catalog: Catalog, s: SelectedCurve): string | undefined {
  return chooseMachine(catalog, s.curve, s.model)?.name;
}

/**
 * Evaluates a curve for targets and prices exactly as the resolver does (its `evaluate` and its per-candidate
 * checks, for weights loaded from Hugging Face): operating point, machine, cost, or why not; at `maxModelLength` (--max-model-length)
 * or the resolver's default for the catalog's workload.
 */
export function evaluateCurve(catalog: Catalog, s: SelectedCurve, targets: LatencyTargets, pricing: Pricing, maxModelLength?: number): Candidate {
  maxModelLength ??= catalog.maxModelLengthFor(s.model, s.server);
  return evaluate(catalog, s.curve, s.server, s.model, maxModelLength, targets, pricing.region, pricing.pricingModel, DEFAULT_RATIO, undefined);
}

/**
 * The curves a replica can run at `--max-model-length` (every curve without it): the curve commands list only those, as the
 * profile listings leave out the profiles that cannot hold it.
 */
export function holdingLength(catalog: Catalog, selected: SelectedCurve[], maxModelLength: number | undefined): SelectedCurve[] {
  if (maxModelLength === undefined) return selected;
  const kept = selected.filter((s) => (s.curve.pipelineParallelSize ?? 1) > 1 || (s.curve.tpuHosts ?? 1) > 1
    || holdsModelLength(s.model, catalog.accelerator(s.curve.acceleratorType)!, s.curve.acceleratorCount, maxModelLength,
      preallocatesDecodeSlots(s.server)));
  if (kept.length === 0) {
    throw new Error(`No profile holds 'maxModelLength' ${maxModelLength}: each accelerator count's memory is too small for the weights and one `
      + 'request that long. Lower it, or leave it unset.');
  }
  return kept;
}

/** --max-model-length, checked against the profiled requests (the per-model checks reject profiles). */
export function requestedMaxModelLength(flags: { num(name: string): number | undefined }): number | undefined {
  const requested = flags.num('max-model-length');
  // a whole number of at least 1: the flag parser checks it
  if (requested !== undefined) requireProfiledLength(requested);
  return requested;
}

/** Checks the region has prices; the pricing model was checked by the flag parser. */
export function pricingOf(catalog: Catalog, pricingModel: string, region: string): Pricing {
  return { pricingModel: pricingModel as PricingModelName, region: requireRegion(catalog, region) };
}

/** The use case the catalog's measured profiles were taken on (Chatbot (ShareGPT)). */
export function profiledUseCase(catalog: Catalog): UseCaseRecord | undefined {
  return profiledUseCaseOf(catalog);
}

const FLAG_NAMES: WorkloadNames = {
  useCase: '--use-case', averageInputTokens: '--average-input-tokens', averageOutputTokens: '--average-output-tokens', maxModelLength: '--max-model-length',
};

/**
 * The catalog for the workload of `--use-case` and `--average-input-tokens`/`--average-output-tokens` (a use case by its
 * catalog name, case and punctuation aside: `chatbot`, `Chatbot (ShareGPT)`, `deep-research`); the catalog itself without
 * them. Measured profiles are listed as measured only for the workload they were measured on (Chatbot (ShareGPT)). With
 * `--max-model-length`, the curves of a server that preallocates its decode slots at that length (JetStream) follow it.
 */
export function workloadCatalog(catalog: Catalog, flags: { str(name: string): string | undefined; num(name: string): number | undefined }): Catalog {
  const forWorkload = catalog.withWorkload(requestedWorkload(catalog, {
    useCase: flags.str('use-case'),
    averageInputTokens: flags.num('average-input-tokens'),
    averageOutputTokens: flags.num('average-output-tokens'),
  }, FLAG_NAMES)).withPrecision(
    (flags.str('weight-precision') ?? WeightPrecision.CHECKPOINT) as WeightPrecision,
    (flags.str('kv-cache-dtype') ?? KvCacheDtype.AUTO) as KvCacheDtype,
  );
  // --max-model-length sets the decode slots of a server that preallocates them (JetStream), so its curves
  const maxModelLength = requestedMaxModelLength(flags);
  return maxModelLength === undefined ? forWorkload : forWorkload.withMaxModelLength(maxModelLength);
}

/** One line saying why no curve meets the targets, with the latency range the curves do reach. */
export function noneMeets(what: string, candidates: readonly Candidate[], targets: LatencyTargets): string {
  if (candidates.length === 1) return `${curveKeyString(candidates[0].curve)}: ${candidates[0].rejection}.`;
  const wanted = [
    targets.ntpotMilliseconds !== undefined ? `NTPOT <= ${targets.ntpotMilliseconds} ms` : undefined,
    targets.ttftMilliseconds !== undefined ? `TTFT <= ${targets.ttftMilliseconds} ms` : undefined,
  ].filter((s) => s).join(' and ');
  const ranges: Infeasibility[] = [];
  // the profiles rejected for each reason, in order: one reason shared by many profiles is said once
  const byReason = new Map<string, string[]>();
  for (const c of candidates) {
    const op = operatingPoint(c.curve, targets);
    if (isInfeasible(op) && op.reason === c.rejection) ranges.push(op);
    else byReason.set(c.rejection!, [...(byReason.get(c.rejection!) ?? []), curveKeyString(c.curve)]);
  }
  const others = [...byReason].map(([reason, keys]) => (keys.length <= 2 ? keys.map((k) => `${k}: ${reason}`).join('; ')
    : `${keys.length} profiles (${keys[0]}, ${keys[1]}, ...): ${reason}`));
  const span = (lo: number[], hi: number[]) => {
    const a = round(Math.min(...lo), 1);
    const b = round(Math.max(...hi), 1);
    return a === b ? `${a} ms` : `${a}-${b} ms`;
  };
  const parts: string[] = [];
  if (ranges.length > 0) {
    parts.push(`achievable NTPOT ${span(ranges.map((r) => r.minNtpotMilliseconds), ranges.map((r) => r.maxNtpotMilliseconds))}`);
    const withTtft = ranges.filter((r) => r.minTtftMilliseconds !== undefined);
    if (targets.ttftMilliseconds !== undefined) {
      parts.push(withTtft.length
        ? `achievable TTFT ${span(withTtft.map((r) => r.minTtftMilliseconds!), withTtft.map((r) => r.maxTtftMilliseconds!))} `
          + `(${withTtft.length} of ${ranges.length} profiles publish TTFT)`
        : `none of the ${ranges.length} profiles publishes TTFT`);
    }
  }
  if (others.length > 0) parts.push(`rejected: ${others.join('; ')}`);
  return `No profile of ${what} meets ${wanted || 'the request'} (${candidates.length} profiles): ${parts.join('; ')}.`;
}
