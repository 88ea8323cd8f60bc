/** Single-host candidates: the curves that could serve a request, and each evaluated (machine, memory fit, operating point, cost). */
import { costAt } from './cost';
import { tpuOnlyServer } from './jetstream';
import { planModelLoading } from './model-loading';
import { chooseMachine, hostExtras, hostMemoryFit, nodesOf, podsPerNodeOf } from './pod-resources';
import { ResolveRequest, ResolvedCost } from './resolution';
import { Catalog } from '../catalog/catalog';
import { acceleratorOnArmOnly } from '../catalog/machine-architecture';
import {
  ModelServerRecord, ModelServerVersionRecord, versionReleasedFor, versionRunsOnArchitecture, versionServesAccelerator, versionServesFamily,
  versionServesModel,
} from '../catalog/model-servers';
import { AcceleratorRecord, MachineTypeRecord, ModelRecord, PricingModelName } from '../catalog/types';
import { CurvePoint, LatencyTargets, ProfileCurve, isInfeasible, operatingPoint } from '../performance/curve';
import { kvCacheFitAt, memoryBudget, MemoryBudget, packedTensorParallelSizes, splitsKvHeads, validTensorParallelSizes } from '../performance/feasibility';
import { profileCurves as allProfileCurves } from '../performance/profiles';
import { round } from '../util/round';

/** A candidate combination evaluated for a request. */
export interface Candidate {
  readonly curve: ProfileCurve;
  readonly version: ModelServerVersionRecord;
  readonly accelerator: AcceleratorRecord;
  readonly machine?: MachineTypeRecord;
  readonly budget: MemoryBudget;
  readonly point?: CurvePoint;
  readonly pointReason?: string;
  readonly cost?: ResolvedCost;
  /** Server pods one node holds (packing: several replicas of a small tensor-parallel size on one machine); 1 otherwise. */
  readonly podsPerNode: number;
  /** The longest request the candidate was evaluated for (its memory fit; JetStream's decode slots follow it). */
  readonly maxModelLength: number;
  /** Why the candidate cannot serve the request; undefined when it can. */
  readonly rejection?: string;
}

/**
 * The curves that could serve the request, one per accelerator type and count: a measured curve when one
 * exists (in any server version), otherwise the estimate for the newest server version.
 */
export function profileCurves(
  catalog: Catalog, model: ModelRecord, server: ModelServerRecord, request: ResolveRequest, accelerator: AcceleratorRecord | undefined,
): ProfileCurve[] {
  // the same for every request naming the same model, server, version and accelerators: remembered per catalog
  let memo = chosenCurves.get(catalog);
  if (!memo) chosenCurves.set(catalog, memo = new Map());
  const key = JSON.stringify([model.id, server.name, request.modelServerVersion ?? null, accelerator?.gkeLabel ?? null,
    accelerator === undefined ? request.allowedAcceleratorTypes ?? null : null, request.targetTtftMilliseconds ?? null,
    request.targetNtpotMilliseconds ?? null]);
  let curves = memo.get(key);
  if (!curves) {
    curves = profileCurvesUncached(catalog, model, server, request, accelerator);
    if (memo.size >= 4096) memo.delete(memo.keys().next().value!);
    memo.set(key, curves);
  }
  return [...curves];
}

const chosenCurves = new WeakMap<Catalog, Map<string, readonly ProfileCurve[]>>();

function profileCurvesUncached(
  catalog: Catalog, model: ModelRecord, server: ModelServerRecord, request: ResolveRequest, accelerator: AcceleratorRecord | undefined,
): ProfileCurve[] {
  const forModel = allProfileCurves(catalog, model.id).filter((c) => c.modelServer === server.name);
  const allowed = accelerator === undefined ? request.allowedAcceleratorTypes : undefined;
  const wanted = forModel.filter((c) => (request.modelServerVersion === undefined || c.modelServerVersion === request.modelServerVersion)
    && (accelerator === undefined || c.acceleratorType === accelerator.gkeLabel)
    && (allowed === undefined || allowed.includes(c.acceleratorType))
    // TPU profiles are uncalibrated estimates (no measured TPU point): the automatic choice considers TPUs only when
    // they are asked for (acceleratorType or allowedAcceleratorTypes), so an uncertain estimate never beats a calibrated one
    // (a TPU-only server such as JetStream has no calibrated alternative: its TPU profiles are always considered)
    && (accelerator !== undefined || allowed !== undefined || tpuOnlyServer(server) || catalog.accelerator(c.acceleratorType)?.family !== 'tpu'));
  if (wanted.length === 0) {
    const asked = [
      `model ${model.id}`,
      `server ${server.name}`,
      request.modelServerVersion ? `version ${request.modelServerVersion}` : undefined,
      accelerator ? `accelerator ${accelerator.gkeLabel}` : undefined,
      allowed ? `accelerators among ${allowed.join(', ')}` : undefined,
    ].filter((s) => s).join(', ');
    const uniq = (xs: string[]) => [...new Set(xs)].join(', ');
    const version = request.modelServerVersion === undefined ? undefined : catalog.modelServerVersion(server, request.modelServerVersion);
    // a server whose versions are not known to serve the model (TGI 3.0.1's architectures) says so, not that the model fits nowhere
    const servingVersions = (version ? [version] : server.versions).filter((v) => versionServesModel(v, model.id));
    const existing = forModel.length
      ? `Profiles for this model exist for versions ${uniq(forModel.map((c) => c.modelServerVersion))} `
        + `on ${uniq(forModel.map((c) => c.acceleratorType))}.`
      : servingVersions.length === 0
        ? `${version ? `${server.name} ${version.version} is` : `No ${server.name} version of the catalog is`} known to serve ${model.id} `
          + `(${version ? 'its' : 'their'} model list: ${uniq((version ? [version] : server.versions).flatMap((v) => v.onlyForModels ?? []))}); `
          + 'serve it with vllm (\'modelServer\').'
        : `${model.id} fits no GPU accelerator of the catalog next to a running request, so no estimate exists either.`;
    const tooOld = version && !versionReleasedFor(server, version, model)
      ? ` ${server.name} ${version.version} (release ${version.baseRelease}) predates ${model.id}, which needs ${model.minModelServerRelease} or newer.`
      : '';
    // GB200 sits on Arm machines only: an amd64-only image cannot run there
    const armVersions = server.versions.filter((v) => versionRunsOnArchitecture(v, 'arm64') && versionServesModel(v, model.id)).map((v) => v.version);
    const noArmImage = accelerator && acceleratorOnArmOnly(catalog.machineTypes, accelerator.gkeLabel)
      && (version ? !versionRunsOnArchitecture(version, 'arm64') : armVersions.length === 0)
      ? ` ${accelerator.gkeLabel} runs on Arm machines only (${catalog.machineTypes.filter((m) => m.accelerator === accelerator.gkeLabel).map((m) => m.name).join(', ')}), `
        + `and ${version ? `${server.name} ${version.version}'s image ${version.image} is` : `no ${server.name} image of the catalog is`} published for ${version ? 'linux/amd64 only' : 'linux/arm64'}`
        + (armVersions.length ? `; versions with an arm64 image: ${armVersions.join(', ')}.` : '.')
      : '';
    // an image that serves some generations of its family only (vLLM TPU v0.11.1: v5e and v6e)
    const onFamily = (version ? [version] : server.versions).filter((v) => accelerator && versionServesFamily(v, accelerator.family));
    const notThisGeneration = accelerator && onFamily.length > 0 && !onFamily.some((v) => versionServesAccelerator(v, accelerator))
      ? ` ${version ? `${server.name} ${version.version} does not run` : `No ${server.name} image of the catalog runs`} on ${accelerator.gkeLabel}: `
        + `${onFamily.map((v) => `${v.version} (${v.image}) runs on ${(v.onlyForAccelerators ?? []).join(', ')} only`).join('; ')}.`
      : '';
    const props = [request.modelServerVersion ? '\'modelServerVersion\'' : undefined, accelerator ? '\'acceleratorType\'' : undefined,
      allowed ? '\'allowedAcceleratorTypes\'' : undefined, '\'model\''];
    throw new Error(`No profile for ${asked}: neither measured nor estimated.${tooOld}${noArmImage}${notThisGeneration} ${existing} `
      + `Change ${props.filter((x) => x).join(' or ')} to a combination that exists.`);
  }
  // measured first (a measured curve takes precedence in whatever version it was measured), then the newest version; under a
  // TTFT target a measured profile that publishes no TTFT (GIQ's 2025 profiles have none), or none as fast, cannot meet it, so the
  // shape's estimate, which can, comes first rather than the shape dropping out
  const rank = new Map(catalog.versionsNewestFirst(server).map((v, i) => [v.version, i]));
  const ttftTarget = request.targetTtftMilliseconds;
  // likewise a measured curve none of whose points is as fast as a target (GIQ publishes one point, its inflection): the shape's
  // estimate reaches the lighter loads the measurement did not, and comes first rather than the shape dropping out
  const checkable = (c: ProfileCurve) => ttftTarget === undefined
    || c.points.some((p) => p.ttftMilliseconds !== undefined && p.ttftMilliseconds <= ttftTarget);
  const ntpotTarget = request.targetNtpotMilliseconds;
  const reaches = (c: ProfileCurve) => ntpotTarget === undefined || c.points.some((p) => p.ntpotMilliseconds <= ntpotTarget);
  const order = (c: ProfileCurve) => (c.source === 'measured' ? (checkable(c) && reaches(c) ? 0 : 2e6) : 1e6)
    + (rank.get(c.modelServerVersion) ?? 1e5);
  const byAccelerator = new Map<string, ProfileCurve>();
  for (const c of wanted) {
    const key = `${c.acceleratorType}|${c.acceleratorCount}`;
    const prev = byAccelerator.get(key);
    if (!prev || order(c) < order(prev)) byAccelerator.set(key, c);
  }
  return [...byAccelerator.values()];
}

/**
 * One curve as a candidate for a request: machine, memory fit, operating point for the targets, cost,
 * and whether the machine holds the model loader (with `modelBucketUri`'s cache placement), or why not.
 * The resolver and the CLI both evaluate curves through this.
 */
export function evaluate(
  catalog: Catalog, curve: ProfileCurve, server: ModelServerRecord, model: ModelRecord, maxModelLength: number,
  targets: LatencyTargets, region: string, pricingModel: PricingModelName, ratio: number, modelBucketUri: string | undefined,
): Candidate {
  // a pure function of its arguments over immutable records: remembered per catalog and curve (the resolver evaluates the
  // same few curves for every request of a model); callers never change a candidate
  let perCurve = evaluated.get(catalog);
  if (!perCurve) evaluated.set(catalog, perCurve = new WeakMap());
  let byArgs = perCurve.get(curve);
  if (!byArgs) perCurve.set(curve, byArgs = new Map());
  const key = `${server.name}\u0000${model.id}\u0000${maxModelLength}\u0000${targets.ntpotMilliseconds}\u0000${targets.ttftMilliseconds}`
    + `\u0000${region}\u0000${pricingModel}\u0000${ratio}\u0000${modelBucketUri}`;
  let candidate = byArgs.get(key);
  if (!candidate) {
    candidate = evaluateUncached(catalog, curve, server, model, maxModelLength, targets, region, pricingModel, ratio, modelBucketUri);
    if (byArgs.size >= MAX_EVALUATIONS_PER_CURVE) byArgs.delete(byArgs.keys().next().value!);
    byArgs.set(key, candidate);
  }
  return candidate;
}

/** Distinct argument sets remembered per curve; the oldest is forgotten first. */
const MAX_EVALUATIONS_PER_CURVE = 64;

const evaluated = new WeakMap<Catalog, WeakMap<ProfileCurve, Map<string, Candidate>>>();

function evaluateUncached(
  catalog: Catalog, curve: ProfileCurve, server: ModelServerRecord, model: ModelRecord, maxModelLength: number,
  targets: LatencyTargets, region: string, pricingModel: PricingModelName, ratio: number, modelBucketUri: string | undefined,
): Candidate {
  const readsCheckpointItself = server.readsCheckpointFromBucket === true;
  return withLoadingCheck(catalog, evaluateOperatingPoint(catalog, curve, server, model, maxModelLength, targets, region, pricingModel, ratio,
    modelBucketUri, readsCheckpointItself), model, modelBucketUri, readsCheckpointItself);
}

function evaluateOperatingPoint(
  catalog: Catalog, curve: ProfileCurve, server: ModelServerRecord, model: ModelRecord, maxModelLength: number,
  targets: LatencyTargets, region: string, pricingModel: PricingModelName, ratio: number, modelBucketUri: string | undefined,
  readsCheckpointItself: boolean,
): Candidate {
  const accelerator = catalog.accelerator(curve.acceleratorType)!;
  const version = catalog.modelServerVersion(server, curve.modelServerVersion);
  const { nodes, perNode } = nodesOf(curve);
  const budget = memoryBudget(model, accelerator, curve.acceleratorCount, perNode);
  // the machine holds the model loader, the memory-backed cache the loading plan puts on it and the LoRA adapters vLLM keeps in
  // host memory (withLoadingCheck's condition)
  const lora = catalog.loraSlots;
  const extraGiBOn = (m: MachineTypeRecord) => {
    const fit = hostMemoryFit(model, m, perNode, nodes, planModelLoading(model, accelerator, m, modelBucketUri, readsCheckpointItself, nodes, lora),
      podsPerNodeOf(m, curve), lora);
    return fit.ramCacheGiB + fit.loraAdaptersGiB;
  };
  const machine = chooseMachine(catalog, curve, model, modelBucketUri === undefined && !lora?.hostBytesPerWorker ? undefined : extraGiBOn);
  const podsPerNode = machine ? podsPerNodeOf(machine, curve) : 1;
  const base = { curve, accelerator, budget, machine, version: version!, podsPerNode, maxModelLength };
  if (!version) return { ...base, rejection: `server version ${curve.modelServerVersion} is not in the catalog's version table` };
  if (!machine) return { ...base, rejection: `no machine type carries ${perNode} x ${curve.acceleratorType}` };
  if (!validTensorParallelSizes(catalog, model, accelerator.gkeLabel).includes(perNode)
    && !(podsPerNode > 1 && packedTensorParallelSizes(catalog, model, accelerator.gkeLabel).includes(perNode))) {
    return { ...base, rejection: `tensor-parallel size ${perNode} does not divide the ${model.attentionHeads} attention and ${model.kvHeads} KV heads` };
  }
  if (!splitsKvHeads(model, perNode, server.replicatesKvHeads !== false)) {
    return { ...base, rejection: `${server.name} shards the ${model.kvHeads} KV heads without replicating them, so ${perNode} shards do not divide them` };
  }
  if (model.maxContext !== undefined && maxModelLength > model.maxContext) {
    // the resolver refuses this up front; a listing with a requested length reaches here for every model
    return { ...base, rejection: `'maxModelLength' (${maxModelLength}) exceeds the context length of ${model.id} (${model.maxContext} tokens)` };
  }
  const workload = catalog.defaultWorkload;
  const averageRequest = workload.meanInputTokens + workload.meanOutputTokens;
  if (averageRequest > maxModelLength) {
    // the resolver refuses such a request up front; listings reach here with the model's own context as the limit
    return { ...base, rejection: `the ${workload.name} workload's average request (${averageRequest} tokens) is longer than the model length of ${maxModelLength} tokens` };
  }
  if (budget.maxFittingTokens < maxModelLength) {
    return {
      ...base,
      rejection: budget.maxFittingTokens > 0
        ? `'maxModelLength' (${maxModelLength}) does not fit: at most ${budget.maxFittingTokens} tokens of KV cache fit next to the weights`
        : `the weights (${round(model.checkpointWeightsGb, 2)} GB) do not fit in ${budget.acceleratorMemoryGb} GB`,
    };
  }
  // MaxText preallocates a KV cache of max_target_length tokens for every decode slot, and JetStream runs at least one slot per
  // chip (per_device_batch_size >= 1, see jetstreamDecodeSlots; AI-Hypercomputer/maxtext maxengine.py init_decode_state): the
  // slice must hold chips x maxModelLength tokens, as the multi-host Pathways slice does (pathwaysSlice)
  if (tpuOnlyServer(server) && nodes === 1 && budget.maxFittingTokens < maxModelLength * curve.acceleratorCount) {
    const longest = Math.floor(budget.maxFittingTokens / curve.acceleratorCount);
    return {
      ...base,
      rejection: `'maxModelLength' (${maxModelLength}) x ${curve.acceleratorCount} decode slots (at least one per chip, each preallocated at full length `
        + `by MaxText) is ${maxModelLength * curve.acceleratorCount} tokens of KV cache; ${budget.maxFittingTokens} fit next to the weights `
        + `(at most ${longest} tokens per request on this slice)`,
    };
  }
  const op = operatingPoint(curve, targets);
  if (isInfeasible(op)) return { ...base, rejection: op.reason };
  // the running batch of an estimated operating point holds its KV cache next to the weights at the served precision
  const kv = op.point.runningBatchSize !== undefined && curve.estimate
    ? kvCacheFitAt(budget, op.point.runningBatchSize, curve.estimate.kvCachePerSequenceMb) : undefined;
  if (kv && !kv.fits) {
    return {
      ...base,
      rejection: `at the operating point ${op.point.runningBatchSize!.toFixed(1)} running sequences hold ${kv.needGb.toFixed(1)} GB of KV cache, more than `
        + `the ${kv.capacityGb.toFixed(1)} GB left next to ${round(model.checkpointWeightsGb, 2)} GB of weights`,
    };
  }
  const cost = perPod(perNodes(costAt(catalog, curve, machine, op.point, region, pricingModel, ratio), nodes), podsPerNode);
  return { ...base, point: op.point, pointReason: op.reason, cost };
}

/** The cost of a replica of `nodes` machines: the machine price and the per-token costs times the nodes. */
export function perNodes(cost: ResolvedCost, nodes: number): ResolvedCost {
  if (nodes === 1 || cost.costPerHour === undefined) return cost;
  return {
    ...cost,
    costPerHour: cost.costPerHour * nodes,
    costPerMillionOutputTokens: cost.costPerMillionOutputTokens! * nodes,
    costPerMillionInputTokens: cost.costPerMillionInputTokens! * nodes,
  };
}

/**
 * The cost of a replica that shares its machine with `podsPerNode - 1` others (packing): its share of the machine price,
 * and so of the per-token costs.
 */
export function perPod(cost: ResolvedCost, podsPerNode: number): ResolvedCost {
  if (podsPerNode === 1 || cost.costPerHour === undefined) return cost;
  return {
    ...cost,
    costPerHour: cost.costPerHour / podsPerNode,
    costPerMillionOutputTokens: cost.costPerMillionOutputTokens! / podsPerNode,
    costPerMillionInputTokens: cost.costPerMillionInputTokens! / podsPerNode,
  };
}

/**
 * Rejects a candidate whose machine cannot hold a memory-backed model cache or the LoRA adapters next to the loader (the
 * condition `podResources` throws on), so that the automatic choice passes over it instead of failing.
 */
function withLoadingCheck(
  catalog: Catalog, c: Candidate, model: ModelRecord, modelBucketUri: string | undefined, readsCheckpointItself: boolean,
): Candidate {
  if (c.rejection !== undefined || !c.machine) return c;
  const { nodes, perNode } = nodesOf(c.curve);
  const loading = planModelLoading(model, c.accelerator, c.machine, modelBucketUri, readsCheckpointItself, nodes, catalog.loraSlots);
  const fit = hostMemoryFit(model, c.machine, perNode, nodes, loading, c.podsPerNode, catalog.loraSlots);
  if (fit.fits) return c;
  // the RAM cache is the Cloud Storage FUSE file cache (GKE advises against it on the boot disk); Hugging Face downloads go to a sized boot disk
  const rejection = `${c.machine.name} cannot hold ${hostExtras(fit.ramCacheGiB, fit.loraAdaptersGiB)} next to the loader (${fit.needGiB} GiB in all, `
    + `more than ${fit.capGiB} GiB): `
    + (fit.ramCacheGiB > 0
      ? 'choose an \'acceleratorType\' whose machines have local SSD for the file cache (A2 Ultra, A3 and newer) or more memory, '
        + 'or load from Hugging Face (omit \'modelBucketUri\'): its download goes to a boot disk sized for it'
      : 'serve fewer or lower-rank adapters (\'loraAdapters\', \'maxLoras\' with \'runtimeLoraUpdating\'), or choose an \'acceleratorType\' '
        + 'whose machines have more memory');
  return { ...c, rejection };
}
