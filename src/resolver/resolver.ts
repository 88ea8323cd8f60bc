import { autoscalingFor } from './autoscaling';
import { costAt, inputTokensPerSecond } from './cost';
import {
  kvCacheGbFor,
  memoryBudget,
  MemoryBudget,
  multiHostPlan,
  smallestFittingTensorParallelSize,
  validTensorParallelSizes,
} from './feasibility';
import { checkJetStreamRequest, pathwaysParallelism, pathwaysSlice, tpuOnlyServer } from './jetstream';
import { planLora, resolvedLora, withLoraMemory, withResolvedLora } from './lora';
import { planModelLoading } from './model-loading';
import { capacityOf, planNodePool } from './node-pool';
import { chooseMachine, hostMemoryFit, nodesOf, podResources } from './pod-resources';
import { RESOLVE_REQUEST_PROPS } from './request-props';
import {
  AutoscalingMetric,
  PricingModel,
  ProfileSource,
  ResolveRequest,
  Resolution,
  ResolvedAlternative,
  ResolvedCost,
  ResolvedPerformance,
  ResolvedUncertainty,
} from './resolution';
import { resolveCached } from './resolution-cache';
import { PROP_NAMES, requestedWorkload } from './workload';
import { Catalog } from '../catalog/catalog';
import {
  ModelServerRecord, ModelServerVersionRecord, PATHWAYS_INSTANCE_TYPES, VLLM, compareReleases, versionServesFamily, versionServesModel,
} from '../catalog/model-servers';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';
import { AcceleratorRecord, MachineTypeRecord, ModelRecord, PricingModelName } from '../catalog/types';
import { CurvePoint, LatencyTargets, ProfileCurve, isInfeasible, operatingPoint } from '../performance/curve';
import { curveKeyString } from '../performance/measured-curves';
import { KvCacheDtype, WeightPrecision, precisionPlan } from '../performance/precision';
import { profileCurves as allProfileCurves, modelledCurve } from '../performance/profiles';
import { parseBucketUri } from '../storage/bucket-uri';
import { closestMatches } from '../util/closest';
import {
  checkObject, checkOptionalInteger, checkOptionalMember, checkOptionalPositive, checkOptionalString, checkOptionalStringList, checkProps,
  describeValue, printable,
} from '../util/input';
import { isHuggingFaceId } from '../util/references';

/** Largest latency target accepted, ms (an hour per token or to the first token is a unit mistake, not a target). */
const MAX_LATENCY_MILLISECONDS = 3_600_000;

export const DEFAULT_REGION = 'us-central1';
export const DEFAULT_RATIO = 4;

/**
 * Resolves a model and latency targets to a concrete serving profile: accelerator, machine,
 * tensor parallelism, operating point, cost and HPA threshold. Pure data in, data out; it reads
 * only the embedded catalog and never touches the network.
 */
export class InferenceResolver {
  /**
   * Resolve a request against the embedded catalog.
   *
   * @throws Error naming the offending field and what would work.
   */
  public static resolve(request: ResolveRequest): Resolution {
    checkProps(request, 'InferenceResolver.resolve request', RESOLVE_REQUEST_PROPS);
    // memoised per request (each caller gets its own copy): a CLI sweep or a service asks the same questions again
    return resolveCached(Catalog.EMBEDDED, request);
  }

  private constructor() {}
}

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
  /** Why the candidate cannot serve the request; undefined when it can. */
  readonly rejection?: string;
}

/** Resolve against a given catalog. */
export function resolveWith(catalog: Catalog, request: ResolveRequest): Resolution {
  checkNumbers(request);
  const asShipped = requireModel(catalog, request.model);
  const server = requireServer(catalog, request.modelServer);
  const region = requireRegion(catalog, request.region ?? DEFAULT_REGION);
  // the capacity the pods select and the price of the cost figures come from one decision
  const { pricingModel } = capacityOf(request.capacity, request.pricingModel as string as PricingModelName | undefined, request.reservationName);
  const ratio = request.outputInputCostRatio ?? DEFAULT_RATIO;
  const accelerator = request.acceleratorType === undefined ? undefined : requireAccelerator(catalog, request.acceleratorType);
  if (request.modelServerVersion !== undefined && !catalog.modelServerVersion(server, request.modelServerVersion)) {
    throw new Error(`Unknown model server version '${printable(request.modelServerVersion)}' for '${server.name}' ('modelServerVersion'). `
      + `Known versions: ${server.versions.map((v) => v.version).join(', ')}.`);
  }
  const maxModelLength = chooseMaxModelLength(asShipped, request.maxModelLength);
  // the workload's catalog: profiles, cost, KV cache per request and autoscaling all follow its average lengths
  catalog = catalog.withWorkload(requestedWorkload(catalog, request, PROP_NAMES, maxModelLength));
  // and the precision's: weight bytes in the model records, compute peak and KV bytes per accelerator
  const weights = requireEnum('weightPrecision', request.weightPrecision, WeightPrecision, WeightPrecision.CHECKPOINT);
  const kvCache = requireEnum('kvCacheDtype', request.kvCacheDtype, KvCacheDtype, KvCacheDtype.AUTO);
  if ((weights !== WeightPrecision.CHECKPOINT || kvCache !== KvCacheDtype.AUTO) && server.name !== 'vllm') {
    throw new Error(`'weightPrecision' ${weights} / 'kvCacheDtype' ${kvCache}: the library configures quantized serving for vllm only, `
      + `not '${server.name}' ('modelServer').`);
  }
  if (accelerator) precisionPlan(asShipped, accelerator, weights, kvCache, catalog.accelerators);
  catalog = catalog.withPrecision(weights, kvCache);
  const model = catalog.model(asShipped.id)!;
  if (request.modelBucketUri !== undefined) parseBucketUri(request.modelBucketUri);
  checkJetStreamRequest(catalog, server, model, accelerator, maxModelLength, request);
  const lora = planLora(request, model, server, accelerator);
  // a GPU type none of whose machines holds the model: a multi-host replica (tensor parallel per node, pipeline parallel across nodes)
  const multiHost = multiHostCurves(catalog, model, server, request, accelerator, maxModelLength);
  if (accelerator && multiHost === undefined) checkFitsSomewhere(catalog, model, accelerator, maxModelLength);

  const targets: LatencyTargets = { ntpotMilliseconds: request.targetNtpotMilliseconds, ttftMilliseconds: request.targetTtftMilliseconds };
  const curves = multiHost ?? profileCurves(catalog, model, server, request, accelerator);
  const candidates = curves.map((c) => withLoraMemory(evaluate(
    catalog, c, server, model, maxModelLength, targets, region, pricingModel, ratio, request.modelBucketUri), lora, model, maxModelLength));

  const feasible = candidates.filter((c) => c.rejection === undefined);
  if (feasible.length === 0) {
    const lines = candidates.map((c) => `${curveKeyString(c.curve)} (${c.curve.source}): ${c.rejection}`);
    if (accelerator && candidates.length === 1) throw new Error(`${model.id} on ${accelerator.gkeLabel}: ${candidates[0].rejection}.`);
    throw new Error(`No profile for ${model.id} meets the request (relax 'targetNtpotMilliseconds', 'targetTtftMilliseconds' or 'maxModelLength'):\n  `
      + lines.join('\n  '));
  }
  const { chosen, passedOver } = choose(feasible);
  const alternatives: ResolvedAlternative[] = [
    ...passedOver.map((p) => alternative(p.candidate, p.reason)),
    ...candidates.filter((c) => c.rejection !== undefined).map((c) => alternative(c, c.rejection!)),
  ];
  const resolution = buildResolution(catalog, chosen, model, server, maxModelLength, targets, accelerator === undefined, alternatives, request);
  return lora === undefined ? resolution : withResolvedLora(resolution, resolvedLora(lora, model, chosen));
}

/** An enum prop's value, checked (callers from JavaScript can pass anything). */
function requireEnum<T extends string>(name: string, value: T | undefined, values: Record<string, T>, fallback: T): T {
  if (value === undefined) return fallback;
  if (!Object.values(values).includes(value)) {
    throw new Error(`Unknown ${name} ${JSON.stringify(value)} ('${name}'). Known: ${Object.values(values).join(', ')}.`);
  }
  return value;
}

function checkNumbers(r: ResolveRequest): void {
  // callers from JavaScript (or other jsii languages) can pass anything: name the prop instead of failing deep inside
  checkObject(r, 'the resolve request');
  for (const name of ['modelServer', 'modelServerVersion', 'acceleratorType', 'region', 'modelBucketUri'] as const) {
    checkOptionalString(name, r[name]);
  }
  checkOptionalPositive('targetNtpotMilliseconds', r.targetNtpotMilliseconds, MAX_LATENCY_MILLISECONDS);
  checkOptionalPositive('targetTtftMilliseconds', r.targetTtftMilliseconds, MAX_LATENCY_MILLISECONDS);
  checkOptionalPositive('outputInputCostRatio', r.outputInputCostRatio, 1e6);
  checkOptionalPositive('expectedRequestsPerSecond', r.expectedRequestsPerSecond, 1e9);
  if (r.maxModelLength !== undefined && typeof r.maxModelLength === 'number' && Number.isFinite(r.maxModelLength) && r.maxModelLength > 0
    && !Number.isInteger(r.maxModelLength)) {
    throw new Error(`'maxModelLength' must be a whole number of tokens, got ${r.maxModelLength}.`);
  }
  checkOptionalInteger('maxModelLength', r.maxModelLength, 1, 10_000_000);
  checkOptionalMember('autoscalingMetric', r.autoscalingMetric, Object.values(AutoscalingMetric), 'AutoscalingMetric.QUEUE_SIZE, BATCH_SIZE, ...');
  checkOptionalStringList('allowedAcceleratorTypes', r.allowedAcceleratorTypes);
  if (r.pricingModel !== undefined && !Object.values(PricingModel).includes(r.pricingModel)) {
    throw new Error(`'pricingModel' must be one of ${Object.values(PricingModel).join(', ')}, got ${describeValue(r.pricingModel)}.`);
  }
  // autoscaling settings mean nothing without a latency target: refuse them rather than drop them silently
  if (r.targetNtpotMilliseconds === undefined && r.targetTtftMilliseconds === undefined) {
    for (const name of ['autoscalingMetric', 'expectedRequestsPerSecond'] as const) {
      if (r[name] !== undefined) {
        throw new Error(`'${name}' needs a latency target to autoscale on: set 'targetNtpotMilliseconds' or 'targetTtftMilliseconds', `
          + `or remove '${name}'.`);
      }
    }
  }
}

export function requireModel(catalog: Catalog, id: string): ModelRecord {
  if (typeof id !== 'string' || id.length === 0) {
    throw new Error(`'model' is required: a Hugging Face id such as google/gemma-2-27b-it, got ${describeValue(id)}.`);
  }
  const close = () => closestMatches(id, catalog.models.map((m) => m.id)).join(', ');
  if (!isHuggingFaceId(id)) {
    throw new Error(`Unknown model '${printable(id)}' ('model'): a model is named by its Hugging Face id 'owner/name' (letters, digits, '_', '.' `
      + `and '-'). Closest catalog models: ${close()}.`);
  }
  const model = catalog.model(id);
  if (model) return model;
  throw new Error(`Unknown model '${id}' ('model'). Closest catalog models: ${close()}.`);
}

export function requireServer(catalog: Catalog, name: string | undefined): ModelServerRecord {
  const server = name === undefined ? catalog.modelServers[0] : catalog.modelServer(name);
  if (server) return server;
  throw new Error(`Unknown model server '${printable(name)}' ('modelServer'). Known servers: ${catalog.modelServers.map((s) => s.name).join(', ')}.`);
}

export function requireRegion(catalog: Catalog, region: string): string {
  const regions = catalog.priceRegions();
  if (regions.includes(region)) return region;
  throw new Error(`No prices for region '${printable(region)}' ('region'). Regions with prices: ${regions.join(', ')}.`);
}

export function requireAccelerator(catalog: Catalog, label: string): AcceleratorRecord {
  const acc = catalog.accelerator(label);
  const gpus = catalog.accelerators.filter((a) => a.family === 'gpu').map((a) => a.gkeLabel);
  const tpus = catalog.accelerators.filter((a) => a.family === 'tpu' && catalog.singleHostTpuTopologies(a.gkeLabel).length > 0).map((a) => a.gkeLabel);
  if (!acc) {
    throw new Error(`Unknown accelerator '${printable(label)}' ('acceleratorType'). Closest: ${closestMatches(String(label), catalog.accelerators.map((a) => a.gkeLabel)).join(', ')}; `
      + `GPU accelerators: ${gpus.join(', ')}; TPU accelerators: ${tpus.join(', ')}.`);
  }
  if (acc.family === 'tpu') {
    if (!tpus.includes(label)) {
      throw new Error(`Accelerator '${label}' ('acceleratorType') is a TPU without a single-host topology in the catalog; TPU accelerators: ${tpus.join(', ')}.`);
    }
    return acc;
  }
  if (catalog.machineTypes.every((m) => m.accelerator !== label)) {
    throw new Error(`Accelerator '${label}' ('acceleratorType') has no machine type in the catalog; GPU accelerators with machine types: `
      + `${gpus.filter((g) => catalog.machineTypes.some((m) => m.accelerator === g)).join(', ')}.`);
  }
  return acc;
}

export function chooseMaxModelLength(model: ModelRecord, requested: number | undefined): number {
  const cap = SERVING_CONSTANTS.defaultMaxModelLength.value;
  if (requested === undefined) return Math.min(model.maxContext ?? cap, cap);
  const shortest = SERVING_CONSTANTS.minimumMaxModelLength.value;
  if (requested < shortest) {
    throw new Error(`'maxModelLength' (${requested}) is shorter than the ${shortest} tokens of the profiled requests (ShareGPT prompts and outputs `
      + `of up to 1024 tokens each): the operating point and HPA threshold would not hold. Use at least ${shortest}.`);
  }
  if (model.maxContext !== undefined && requested > model.maxContext) {
    throw new Error(`'maxModelLength' (${requested}) exceeds the context length of ${model.id} (${model.maxContext} tokens).`);
  }
  return requested;
}

/** Fails early, with the shapes that would work, when the model cannot fit any machine of the accelerator. */
function checkFitsSomewhere(catalog: Catalog, model: ModelRecord, accelerator: AcceleratorRecord, maxModelLength: number): void {
  if (smallestFittingTensorParallelSize(catalog, model, accelerator, maxModelLength) !== undefined) return;
  if (accelerator.family === 'tpu') refuseMultiHostTpu(catalog, model, accelerator, maxModelLength);
  const sizes = validTensorParallelSizes(catalog, model, accelerator.gkeLabel);
  const largest = sizes[sizes.length - 1];
  const budget = largest === undefined ? undefined : memoryBudget(model, accelerator, largest);
  const fitting = catalog.accelerators
    .filter((a) => a.family === 'gpu' && smallestFittingTensorParallelSize(catalog, model, a, maxModelLength) !== undefined)
    .map((a) => `${a.gkeLabel} (tensorParallelSize ${smallestFittingTensorParallelSize(catalog, model, a, maxModelLength)})`);
  const needs = `${model.checkpointWeightsGb} GB of weights + ${kvCacheGbFor(model, maxModelLength).toFixed(1)} GB of KV cache for maxModelLength ${maxModelLength}`;
  const detail = budget === undefined
    ? `no valid tensor-parallel size (powers of two dividing ${model.attentionHeads} heads and ${model.kvHeads} KV heads) exists on ${accelerator.gkeLabel} machines`
    : budget.maxFittingTokens > 0
      ? `on ${largest} x ${accelerator.gkeLabel} only ${budget.maxFittingTokens} tokens of KV cache fit next to the weights: lower 'maxModelLength' to at most ${budget.maxFittingTokens}`
      : `${largest} x ${accelerator.gkeLabel} (the largest valid tensor-parallel size, of ${sizes.join(', ')}) holds ${(budget.acceleratorMemoryGb * budget.gpuMemoryUtilization - budget.runtimeOverheadGb).toFixed(1)} GB usable`;
  throw new Error(`${model.id} does not fit on '${accelerator.gkeLabel}' ('acceleratorType'): it needs ${needs}; ${detail}. `
    + `Accelerators that fit: ${fitting.length ? fitting.join(', ') : 'none in the catalog'}.`);
}

/**
 * vLLM on TPU is single-host on GKE: a model that needs more chips than the largest single-host slice
 * of a TPU type is refused, naming the multi-host alternative (JetStream on a multi-host slice).
 */
function refuseMultiHostTpu(catalog: Catalog, model: ModelRecord, accelerator: AcceleratorRecord, maxModelLength: number): never {
  const singles = catalog.singleHostTpuTopologies(accelerator.gkeLabel);
  const largest = singles[singles.length - 1];
  const budget = memoryBudget(model, accelerator, largest.chips);
  const needs = `${model.checkpointWeightsGb} GB of weights + ${kvCacheGbFor(model, maxModelLength).toFixed(1)} GB of KV cache for maxModelLength ${maxModelLength}`;
  const usable = (budget.acceleratorMemoryGb * budget.gpuMemoryUtilization - budget.runtimeOverheadGb).toFixed(1);
  const valid = validTensorParallelSizes(catalog, model, accelerator.gkeLabel);
  const detail = !valid.includes(largest.chips)
    ? `no single-host slice of ${accelerator.gkeLabel} has a chip count that divides the ${model.attentionHeads} attention and ${model.kvHeads} KV heads`
    : budget.maxFittingTokens > 0
      ? `on the largest single-host slice (${largest.topology}, ${largest.chips} chips) only ${budget.maxFittingTokens} tokens of KV cache fit: `
        + `lower 'maxModelLength' to at most ${budget.maxFittingTokens}`
      : `the largest single-host slice (${largest.topology}, ${largest.chips} chips, ${largest.machineType}) holds ${usable} GB usable`;
  const multi = catalog.tpuTopologiesFor(accelerator.gkeLabel).filter((t) => t.scope === 'multi-host').map((t) => t.topology);
  throw new Error(`${model.id} does not fit one host of '${accelerator.gkeLabel}' ('acceleratorType'): it needs ${needs}; ${detail}. `
    + 'vLLM on TPU is single-host on GKE; a model this size needs a multi-host TPU slice'
    + (multi.length ? ` (${accelerator.gkeLabel} ${multi.join(', ')})` : '')
    + ` served by JetStream with Pathways ('modelServer' 'jetstream' on ${Object.keys(PATHWAYS_INSTANCE_TYPES).map((t) => `'${t}'`).join(', ')}, `
    + 'for the models MaxText serves), or a GPU type: leave \'acceleratorType\' unset to choose one.');
}

/**
 * Estimated multi-host curves (`pipelineParallelSize` > 1), or undefined when a single machine serves the
 * request. With an `acceleratorType`: its multi-host plan when no machine of it holds the model. Without
 * one: a plan for every allowed GPU type, only when no allowed accelerator holds the model on one machine
 * (the automatic choice prefers single-node replicas).
 */
function multiHostCurves(
  catalog: Catalog, model: ModelRecord, server: ModelServerRecord, request: ResolveRequest, accelerator: AcceleratorRecord | undefined,
  maxModelLength: number,
): ProfileCurve[] | undefined {
  const allowed = request.allowedAcceleratorTypes;
  if (tpuOnlyServer(server)) return pathwaysCurves(catalog, model, server, request, accelerator, maxModelLength);
  const considered = accelerator ? [accelerator] : catalog.accelerators.filter((a) => allowed === undefined || allowed.includes(a.gkeLabel));
  if (considered.some((a) => smallestFittingTensorParallelSize(catalog, model, a, maxModelLength) !== undefined)) return undefined;
  const plans = considered.filter((a) => catalog.machineTypes.some((m) => m.accelerator === a.gkeLabel))
    .map((a) => ({ accelerator: a, plan: multiHostPlan(catalog, model, a, maxModelLength) }))
    .filter((p) => p.plan !== undefined);
  if (plans.length === 0) return undefined;
  const where = plans.map((p) => `${p.plan!.pipelineParallelSize} nodes of ${p.plan!.tensorParallelSize} x ${p.accelerator.gkeLabel}`).join(', ');
  if (server.name !== VLLM.name) {
    // another server's own multi-host path (JetStream on multi-host TPU slices) is not this one
    if (accelerator === undefined) return undefined;
    throw new Error(`${model.id} does not fit one machine${accelerator ? ` of '${accelerator.gkeLabel}' ('acceleratorType')` : ''} and needs a `
      + `multi-host replica (${where}); multi-host serving (pipeline parallelism over a LeaderWorkerSet) is only supported with ${VLLM.name}, `
      + `not '${server.name}' ('modelServer'). Leave 'modelServer' unset or choose an 'acceleratorType' whose machines hold the model.`);
  }
  const versions = catalog.versionsNewestFirst(server).filter((v) => versionServesFamily(v, 'gpu') && versionServesModel(v, model.id)
    && (model.minModelServerRelease === undefined || compareReleases(v.baseRelease, model.minModelServerRelease) >= 0)
    && (request.modelServerVersion === undefined || v.version === request.modelServerVersion));
  if (versions.length === 0) return undefined;
  const curves = plans.map((p) => modelledCurve(catalog, {
    model: model.id,
    modelServer: server.name,
    modelServerVersion: versions[0].version,
    acceleratorType: p.accelerator.gkeLabel,
    acceleratorCount: p.plan!.tensorParallelSize * p.plan!.pipelineParallelSize,
    pipelineParallelSize: p.plan!.pipelineParallelSize,
  })).filter((c): c is ProfileCurve => c !== undefined);
  return curves.length ? curves : undefined;
}

/**
 * Estimated curves of JetStream with Pathways on multi-host TPU slices (`tpuHosts` > 1), or undefined when a single
 * host of an allowed TPU type holds the model: on each allowed Pathways TPU type, the smallest multi-host slice that
 * fits (see `pathwaysSlice`), with the multi-host build of the server.
 */
function pathwaysCurves(
  catalog: Catalog, model: ModelRecord, server: ModelServerRecord, request: ResolveRequest, accelerator: AcceleratorRecord | undefined,
  maxModelLength: number,
): ProfileCurve[] | undefined {
  const allowed = request.allowedAcceleratorTypes;
  const considered = (accelerator ? [accelerator] : catalog.accelerators.filter((a) => allowed === undefined || allowed.includes(a.gkeLabel)))
    .filter((a) => a.family === 'tpu' && catalog.singleHostTpuTopologies(a.gkeLabel).length > 0);
  if (considered.some((a) => smallestFittingTensorParallelSize(catalog, model, a, maxModelLength) !== undefined)) return undefined;
  const version = catalog.versionsNewestFirst(server).find((v) => v.multiHostOnly && versionServesModel(v, model.id)
    && (request.modelServerVersion === undefined || v.version === request.modelServerVersion));
  if (version === undefined) {
    if (request.modelServerVersion === undefined) return undefined;
    throw new Error(`${model.id} needs a multi-host TPU slice, which '${server.name}' serves only with its Pathways build: `
      + `set 'modelServerVersion' to ${server.versions.filter((v) => v.multiHostOnly).map((v) => `'${v.version}'`).join(' or ')} or leave it unset.`);
  }
  const curves = considered.map((a) => ({ a, slice: pathwaysSlice(catalog, model, a, maxModelLength) }))
    .filter((p) => p.slice !== undefined)
    .map((p) => modelledCurve(catalog, {
      model: model.id,
      modelServer: server.name,
      modelServerVersion: version.version,
      acceleratorType: p.a.gkeLabel,
      acceleratorCount: p.slice!.chips,
      tpuHosts: p.slice!.gkeNodes,
    }))
    .filter((c): c is ProfileCurve => c !== undefined);
  return curves.length ? curves : undefined;
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
    accelerator === undefined ? request.allowedAcceleratorTypes ?? null : null]);
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
    const existing = forModel.length
      ? `Profiles for this model exist for versions ${uniq(forModel.map((c) => c.modelServerVersion))} `
        + `on ${uniq(forModel.map((c) => c.acceleratorType))}.`
      : `${model.id} fits no GPU accelerator of the catalog next to a running request, so no estimate exists either.`;
    const version = request.modelServerVersion === undefined ? undefined : catalog.modelServerVersion(server, request.modelServerVersion);
    const tooOld = version && model.minModelServerRelease !== undefined && compareReleases(version.baseRelease, model.minModelServerRelease) < 0
      ? ` ${server.name} ${version.version} (release ${version.baseRelease}) predates ${model.id}, which needs ${model.minModelServerRelease} or newer.`
      : '';
    const props = [request.modelServerVersion ? '\'modelServerVersion\'' : undefined, accelerator ? '\'acceleratorType\'' : undefined,
      allowed ? '\'allowedAcceleratorTypes\'' : undefined, '\'model\''];
    throw new Error(`No profile for ${asked}: neither measured nor estimated.${tooOld} ${existing} `
      + `Change ${props.filter((x) => x).join(' or ')} to a combination that exists.`);
  }
  // measured first (a measured curve takes precedence in whatever version it was measured), then the newest version
  const rank = new Map(catalog.versionsNewestFirst(server).map((v, i) => [v.version, i]));
  const order = (c: ProfileCurve) => (c.source === 'measured' ? 0 : 1e6) + (rank.get(c.modelServerVersion) ?? 1e5);
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
  return withLoadingCheck(evaluateOperatingPoint(catalog, curve, server, model, maxModelLength, targets, region, pricingModel, ratio), model,
    modelBucketUri, server.readsCheckpointFromBucket === true);
}

function evaluateOperatingPoint(
  catalog: Catalog, curve: ProfileCurve, server: ModelServerRecord, model: ModelRecord, maxModelLength: number,
  targets: LatencyTargets, region: string, pricingModel: PricingModelName, ratio: number,
): Candidate {
  const accelerator = catalog.accelerator(curve.acceleratorType)!;
  const version = catalog.modelServerVersion(server, curve.modelServerVersion);
  const { nodes, perNode } = nodesOf(curve);
  const budget = memoryBudget(model, accelerator, curve.acceleratorCount, perNode);
  const machine = chooseMachine(catalog, curve, model);
  const base = { curve, accelerator, budget, machine, version: version! };
  if (!version) return { ...base, rejection: `server version ${curve.modelServerVersion} is not in the catalog's version table` };
  if (!machine) return { ...base, rejection: `no machine type carries ${perNode} x ${curve.acceleratorType}` };
  if (!validTensorParallelSizes(catalog, model, accelerator.gkeLabel).includes(perNode)) {
    return { ...base, rejection: `tensor-parallel size ${perNode} does not divide the ${model.attentionHeads} attention and ${model.kvHeads} KV heads` };
  }
  if (budget.maxFittingTokens < maxModelLength) {
    return {
      ...base,
      rejection: budget.maxFittingTokens > 0
        ? `'maxModelLength' (${maxModelLength}) does not fit: at most ${budget.maxFittingTokens} tokens of KV cache fit next to the weights`
        : `the weights (${model.checkpointWeightsGb} GB) do not fit in ${budget.acceleratorMemoryGb} GB`,
    };
  }
  const op = operatingPoint(curve, targets);
  if (isInfeasible(op)) return { ...base, rejection: op.reason };
  const cost = perNodes(costAt(catalog, curve, machine, op.point, region, pricingModel, ratio), nodes);
  return { ...base, point: op.point, pointReason: op.reason, cost };
}

/** The cost of a replica of `nodes` machines: the machine price and the per-token costs times the nodes. */
function perNodes(cost: ResolvedCost, nodes: number): ResolvedCost {
  if (nodes === 1 || cost.costPerHour === undefined) return cost;
  return {
    ...cost,
    costPerHour: cost.costPerHour * nodes,
    costPerMillionOutputTokens: cost.costPerMillionOutputTokens! * nodes,
    costPerMillionInputTokens: cost.costPerMillionInputTokens! * nodes,
  };
}

/** Priced candidates first, cheapest per million output tokens; unpriced ones by throughput. */
function byCost(a: Candidate, b: Candidate): number {
  const ca = a.cost?.costPerMillionOutputTokens;
  const cb = b.cost?.costPerMillionOutputTokens;
  if (ca !== undefined && cb !== undefined) return ca - cb;
  if (ca !== undefined) return -1;
  if (cb !== undefined) return 1;
  return (b.point?.outputTokensPerSecond ?? 0) - (a.point?.outputTokensPerSecond ?? 0);
}

/**
 * Rejects a candidate whose machine cannot hold a memory-backed model cache next to the loader (the
 * condition `podResources` throws on), so that the automatic choice passes over it instead of failing.
 */
function withLoadingCheck(c: Candidate, model: ModelRecord, modelBucketUri: string | undefined, readsCheckpointItself: boolean): Candidate {
  if (c.rejection !== undefined || !c.machine) return c;
  const { nodes, perNode } = nodesOf(c.curve);
  const loading = planModelLoading(model, c.accelerator, c.machine, modelBucketUri, readsCheckpointItself, nodes);
  const fit = hostMemoryFit(model, c.machine, perNode, nodes, loading);
  if (fit.fits) return c;
  // the RAM cache is the Cloud Storage FUSE file cache (GKE advises against it on the boot disk); Hugging Face downloads go to a sized boot disk
  const rejection = `${c.machine.name} cannot hold the memory-backed model cache (${fit.ramCacheGiB} GiB) next to the loader (${fit.needGiB} GiB in all, `
    + `more than ${fit.capGiB} GiB): choose an 'acceleratorType' whose machines have local SSD for the file cache (A2 Ultra, A3 and newer) or more memory, `
    + 'or load from Hugging Face (omit \'modelBucketUri\'): its download goes to a boot disk sized for it';
  return { ...c, rejection };
}

/** Within one accelerator type: cheapest first, the smaller tensor-parallel size on ties or without prices. */
function byCostThenSize(a: Candidate, b: Candidate): number {
  const ca = a.cost?.costPerMillionOutputTokens;
  const cb = b.cost?.costPerMillionOutputTokens;
  if (ca !== undefined && cb !== undefined && Math.abs(ca - cb) > 1e-9 * Math.max(ca, cb)) return ca - cb;
  if (ca !== undefined && cb === undefined) return -1;
  if (cb !== undefined && ca === undefined) return 1;
  return a.curve.acceleratorCount - b.curve.acceleratorCount;
}

/**
 * The feasible candidate to deploy, and the others with why they were passed over. Per accelerator type,
 * a measured profile takes precedence over estimates; among estimates the cheapest tensor-parallel size
 * per million output tokens wins, the smallest on ties. Across accelerator types, the cheapest wins
 * (measured before estimated on ties).
 */
function choose(feasible: Candidate[]): { chosen: Candidate; passedOver: Array<{ candidate: Candidate; reason: string }> } {
  const labels = [...new Set(feasible.map((c) => c.accelerator.gkeLabel))];
  const representatives: Candidate[] = [];
  const passedOver: Array<{ candidate: Candidate; reason: string }> = [];
  for (const label of labels) {
    const group = feasible.filter((c) => c.accelerator.gkeLabel === label);
    const measured = group.filter((c) => c.curve.source === 'measured');
    // on a TPU: the smallest single-host slice that fits (and meets the targets)
    const tpu = group[0].accelerator.family === 'tpu';
    const best = tpu && measured.length === 0
      ? [...group].sort((a, b) => a.curve.acceleratorCount - b.curve.acceleratorCount)[0]
      : [...(measured.length ? measured : group)].sort(byCostThenSize)[0];
    representatives.push(best);
    for (const c of [...group].sort(byCostThenSize)) {
      if (c === best) continue;
      passedOver.push({
        candidate: c,
        reason: best.curve.source === 'measured' && c.curve.source === 'estimated'
          ? `the measured profile on ${best.curve.acceleratorCount} x ${label} takes precedence over estimates on ${label}`
          : tpu ? `${best.curve.acceleratorCount} x ${label} is the smallest single-host slice of ${label} that fits and meets the targets`
            : `${best.curve.acceleratorCount} x ${label} costs less per million output tokens, or as much with fewer accelerators`,
      });
    }
  }
  const sorted = representatives.sort((a, b) => byCost(a, b) || (a.curve.source === b.curve.source ? 0 : a.curve.source === 'measured' ? -1 : 1));
  // an estimate wins over the cheapest measured profile only if it is cheaper even at the pessimistic end of its band
  const costOf = (c: Candidate) => c.cost?.costPerMillionOutputTokens;
  const pessimisticOf = (c: Candidate) => uncertaintyAt(c)?.costPerMillionOutputTokensHigh ?? costOf(c);
  const measured = sorted.find((c) => c.curve.source === 'measured' && costOf(c) !== undefined);
  const winsAtItsWorst = (c: Candidate) => c.curve.source === 'measured' || measured === undefined
    || (pessimisticOf(c) !== undefined && pessimisticOf(c)! < costOf(measured)!);
  const chosen = sorted.find(winsAtItsWorst) ?? sorted[0];
  const others = sorted.filter((c) => c !== chosen).map((c) => ({
    candidate: c,
    reason: measured && c.curve.source === 'estimated' && costOf(c) !== undefined && costOf(c)! < costOf(measured)! && !winsAtItsWorst(c)
      ? `an estimate cheaper than the measured ${measured.curve.acceleratorCount} x ${measured.accelerator.gkeLabel} only within its uncertainty band `
        + `(up to $${pessimisticOf(c)!.toFixed(3)}/M output tokens at its pessimistic end): `
        + (chosen === measured ? 'the measured profile is preferred' : `${chosen.curve.acceleratorCount} x ${chosen.accelerator.gkeLabel} wins even at its pessimistic end`)
      : `costs more per million output tokens than ${chosen.curve.acceleratorCount} x ${chosen.accelerator.gkeLabel}`,
  }));
  return { chosen, passedOver: [...others, ...passedOver] };
}

function alternative(c: Candidate, reason: string): ResolvedAlternative {
  return {
    acceleratorType: c.accelerator.gkeLabel,
    acceleratorCount: c.curve.acceleratorCount,
    instanceType: c.machine?.name,
    outputTokensPerSecond: c.point?.outputTokensPerSecond,
    ntpotMilliseconds: c.point?.ntpotMilliseconds,
    costPerMillionOutputTokens: c.cost?.costPerMillionOutputTokens,
    source: c.curve.source,
    reason,
  };
}

/** The band of an estimated operating point; undefined for measured profiles. */
export function uncertaintyAt(c: Candidate): ResolvedUncertainty | undefined {
  const u = c.curve.uncertainty;
  const e = c.curve.estimate;
  if (!u || !e) return undefined;
  const p = c.point!;
  const cost = c.cost?.costPerMillionOutputTokens;
  return {
    outputTokensPerSecondLow: p.outputTokensPerSecond * u.throughputLowMultiplier,
    outputTokensPerSecondHigh: p.outputTokensPerSecond * u.throughputHighMultiplier,
    ntpotMillisecondsLow: p.ntpotMilliseconds * u.latencyLowMultiplier,
    ntpotMillisecondsHigh: p.ntpotMilliseconds * u.latencyHighMultiplier,
    ttftMillisecondsLow: p.ttftMilliseconds === undefined ? undefined : p.ttftMilliseconds * u.ttftLowMultiplier,
    ttftMillisecondsHigh: p.ttftMilliseconds === undefined ? undefined : p.ttftMilliseconds * u.ttftHighMultiplier,
    // cost per token is inversely proportional to throughput
    costPerMillionOutputTokensLow: cost === undefined ? undefined : cost / u.throughputHighMultiplier,
    costPerMillionOutputTokensHigh: cost === undefined ? undefined : cost / u.throughputLowMultiplier,
    throughputLowMultiplier: u.throughputLowMultiplier,
    throughputHighMultiplier: u.throughputHighMultiplier,
    latencyLowMultiplier: u.latencyLowMultiplier,
    latencyHighMultiplier: u.latencyHighMultiplier,
    ttftLowMultiplier: u.ttftLowMultiplier,
    ttftHighMultiplier: u.ttftHighMultiplier,
    calibrationTimeScale: e.timeScale,
    calibrationBasis: e.calibrationBasis,
    basis: `${u.basis}; ${e.calibration}`,
  };
}

function buildResolution(
  catalog: Catalog, c: Candidate, model: ModelRecord, server: ModelServerRecord, maxModelLength: number,
  targets: LatencyTargets, chose: boolean, alternatives: ResolvedAlternative[], request: ResolveRequest,
): Resolution {
  const machine = c.machine!;
  const point = c.point!;
  const { nodes, perNode: tp } = nodesOf(c.curve);
  // a multi-host TPU slice (JetStream with Pathways): the slice's topology and MaxText's sharding over all of its chips
  const multiHostSlice = (c.curve.tpuHosts ?? 1) > 1;
  const pathways = multiHostSlice ? pathwaysParallelism(model, c.curve.acceleratorCount) : undefined;
  const topology = c.accelerator.family !== 'tpu' ? undefined
    : multiHostSlice ? catalog.tpuTopologiesFor(c.accelerator.gkeLabel).find((t) => t.chips === c.curve.acceleratorCount && t.gkeNodes === nodes)
      : catalog.singleHostTpuTopology(c.accelerator.gkeLabel, tp);
  const input = inputTokensPerSecond(catalog, point);
  const w = catalog.defaultWorkload;
  const performance: ResolvedPerformance = {
    outputTokensPerSecond: point.outputTokensPerSecond,
    inputTokensPerSecond: input.value,
    inputTokensPerSecondBasis: input.basis,
    ntpotMilliseconds: point.ntpotMilliseconds,
    ttftMilliseconds: point.ttftMilliseconds,
    requestsPerSecond: point.requestsPerSecond ?? point.outputTokensPerSecond / w.meanOutputTokens,
    concurrentRequests: (point.outputTokensPerSecond * point.ntpotMilliseconds) / 1000,
    pointKind: point.kind,
    itlMilliseconds: point.itlMilliseconds,
    runningBatchSize: point.runningBatchSize,
    waitingQueueSize: point.waitingQueueSize,
    kvCacheUtilization: point.kvCacheUtilization,
  };
  const uncertainty = uncertaintyAt(c);
  const estimated = c.curve.source === 'estimated';
  const hasTargets = targets.ntpotMilliseconds !== undefined || targets.ttftMilliseconds !== undefined;
  const cost = c.cost!;
  const decisions = [
    `model ${model.id}: ${model.checkpointWeightsGb} GB of weights (${model.checkpointWeightsNote}), ${model.kvCacheKibPerTokenBf16} KiB of KV cache per token`,
    chose
      ? `accelerator ${c.accelerator.gkeLabel}: the cheapest per million output tokens of ${alternatives.length + 1} profiles considered `
        + '(per accelerator, a measured profile takes precedence over estimates; TPUs, whose profiles are uncalibrated, '
        + 'only when asked for through acceleratorType or allowedAcceleratorTypes)'
      : `accelerator ${c.accelerator.gkeLabel}: as requested`,
    `server ${server.name} ${c.version.version} (${c.version.image}): `
      + (estimated ? 'the newest version that serves the model (no measured profile for this combination)' : 'the version of the measured profile'),
    `profile ${curveKeyString(c.curve)}: ${c.curve.source} (${c.curve.citation})`,
    ...(uncertainty ? [`uncertainty: ${Math.round(uncertainty.outputTokensPerSecondLow)}-${Math.round(uncertainty.outputTokensPerSecondHigh)} output tokens/s, `
      + `${uncertainty.ntpotMillisecondsLow.toFixed(1)}-${uncertainty.ntpotMillisecondsHigh.toFixed(1)} ms NTPOT (${c.curve.uncertainty!.basis})`] : []),
    `instance type ${machine.name}${estimated ? ' (chosen: the smallest machine type with this accelerator count whose memory holds the model loader)'
      : c.curve.instanceTypeInferred ? ' (inferred: the only machine type with this accelerator count; the source does not state it)' : ' (as published)'}`,
    nodes > 1 && pathways
      ? `multi-host TPU slice: no single host of ${c.accelerator.gkeLabel} holds ${model.checkpointWeightsGb} GB of weights + `
        + `${kvCacheGbFor(model, maxModelLength).toFixed(1)} GB of KV cache for maxModelLength ${maxModelLength}, so one replica is the `
        + `${topology!.topology} slice (${c.curve.acceleratorCount} chips on ${nodes} ${machine.name} hosts) served by JetStream with Pathways: a `
        + 'LeaderWorkerSet group of a leader (Pathways proxy and resource manager, the MaxText engine as single controller, jetstream-http; no chips) '
        + `and ${nodes} Pathways workers (${tp} chips each); MaxText ici_tensor_parallelism ${pathways.tensor} (the largest power of two `
        + `dividing ${model.attentionHeads} attention and ${model.kvHeads} KV heads) x ici_autoregressive_parallelism ${pathways.autoregressive}; `
        + 'performance estimated as one replica over every chip of the slice, the uncertainty band widened (no multi-host TPU point is measured)'
      : nodes > 1
        ? `multi-host: no single machine of ${c.accelerator.gkeLabel} holds ${model.checkpointWeightsGb} GB of weights + `
        + `${kvCacheGbFor(model, maxModelLength).toFixed(1)} GB of KV cache for maxModelLength ${maxModelLength}, so one replica is a LeaderWorkerSet group of `
        + `${nodes} ${machine.name} nodes: tensor-parallel size ${tp} (the accelerators of the largest machine) x pipeline-parallel size ${nodes} `
        + `(the fewest nodes whose memory holds it; ${model.layers} layers, at least one per stage) = ${tp * nodes} x ${c.accelerator.gkeLabel}; `
        + 'performance estimated with pipeline stages (per-stage steps and inter-node hops, weights split across stages) and the uncertainty band '
        + 'widened, since no multi-node point is measured'
        : `tensor-parallel size ${tp}: ${estimated ? 'the cheapest per million output tokens of the sizes that fit, the smallest on ties'
          : 'the measured profile\'s accelerator count'}; valid sizes here: ${validTensorParallelSizes(catalog, model, c.accelerator.gkeLabel).join(', ')}`,
    `memory${nodes > 1 ? ` (across the ${nodes} nodes)` : ''}: ${c.budget.acceleratorMemoryGb} GB x ${c.budget.gpuMemoryUtilization} - ${model.checkpointWeightsGb} GB weights - ${c.budget.runtimeOverheadGb.toFixed(1)} GB runtime `
      + `= ${c.budget.kvCacheCapacityGb.toFixed(1)} GB KV cache (${c.budget.maxFittingTokens} tokens${c.budget.kvCacheReplicas > 1
        ? `, each held ${c.budget.kvCacheReplicas} times: ${model.kvLoraRank !== undefined ? 'latent attention, every tensor-parallel rank holds the whole latent'
          : 'fewer KV heads than tensor-parallel ranks, vLLM replicates them'}` : ''}); maxModelLength ${maxModelLength} fits`,
    hasTargets
      ? `operating point: the highest-throughput ${point.kind} point meeting ${[
        targets.ntpotMilliseconds !== undefined ? `NTPOT <= ${targets.ntpotMilliseconds} ms` : undefined,
        targets.ttftMilliseconds !== undefined ? `TTFT <= ${targets.ttftMilliseconds} ms` : undefined,
      ].filter((s) => s).join(' and ')}`
      : 'operating point: the inflection point (no latency target given)',
    cost.costPerHour !== undefined
      ? `cost: ${nodes > 1 ? `${nodes} x ` : ''}${machine.name} at $${cost.costPerHour}/h${nodes > 1 ? ' in all' : ''} (${cost.pricingModel}, ${cost.region}, snapshot ${cost.priceSnapshotDate ?? 'undated'}); `
        + `$/output token = $/s / (input tok/s / ${cost.outputInputCostRatio} + output tok/s)`
      : `cost: no whole-VM price for ${machine.name} (${cost.pricingModel}, ${cost.region}) in the catalog, so no cost figures`,
  ];
  if (topology && !multiHostSlice) {
    decisions.push(`TPU slice ${topology.topology}: ${topology.chips} chips on one ${topology.machineType} (${topology.scope}), `
      + `tensor parallel over all of them; the smallest single-host slice of ${c.accelerator.gkeLabel} that fits (vLLM on TPU is single-host on GKE)`);
  }
  const loading = planModelLoading(model, c.accelerator, machine, request.modelBucketUri, server.readsCheckpointFromBucket === true, nodes);
  decisions.push(...loading.explanation.map((l) => `model loading: ${l}`));
  const autoscaled = hasTargets
    ? autoscalingFor(catalog, server, c.version, c.curve, point, performance, loading, request.autoscalingMetric, request.expectedRequestsPerSecond,
      targets.ntpotMilliseconds, maxModelLength)
    : undefined;
  // what an autoscaled deployment pays per token: replicas run at the HPA target, not at the operating point
  const autoscaling = autoscaled && cost.costPerMillionOutputTokens !== undefined
    ? {
      ...autoscaled,
      costPerMillionOutputTokensAtTarget: cost.costPerMillionOutputTokens / autoscaled.utilizationAtTarget,
      costPerMillionInputTokensAtTarget: cost.costPerMillionInputTokens! / autoscaled.utilizationAtTarget,
    }
    : autoscaled;
  if (autoscaling) decisions.push(`autoscaling: ${autoscaling.hpaMetricName} target ${autoscaling.targetAverageValue} (${autoscaling.metricReason})`);
  const shipped = catalog.measurementCatalog.model(model.id) ?? model;
  const precision = precisionPlan(shipped, c.accelerator, catalog.weightPrecision, catalog.kvCacheDtype);
  if (catalog.weightPrecision !== WeightPrecision.CHECKPOINT || catalog.kvCacheDtype !== KvCacheDtype.AUTO) {
    decisions.push(`precision: ${precision.description}${precision.vllmArgs.length ? `; server flags ${precision.vllmArgs.join(' ')}` : ''}`);
  }
  if (autoscaling?.costPerMillionOutputTokensAtTarget !== undefined) {
    decisions.push(`cost at the HPA target: $${autoscaling.costPerMillionOutputTokensAtTarget.toFixed(3)}/M output tokens with replicas at `
      + `${(autoscaling.utilizationAtTarget * 100).toFixed(0)}% of the operating point's throughput ($${cost.costPerMillionOutputTokens!.toFixed(3)} at the `
      + 'operating point, which the automatic accelerator choice minimises)');
  }
  const resources = podResources(model, machine, tp, loading, nodes);
  const capacity = capacityOf(request.capacity, request.pricingModel as string as PricingModelName | undefined, request.reservationName);
  const nodePool = planNodePool({
    machine,
    accelerator: c.accelerator,
    acceleratorsPerNode: tp,
    nodesPerReplica: nodes,
    tpuTopology: topology?.topology,
    podEphemeralStorageGiB: resources.ephemeralStorageGiB,
    cloudStorageFuse: loading.fileCacheMedium !== undefined,
    capacity: capacity.capacity,
    reservationName: capacity.reservationName,
  });
  decisions.push(...nodePool.explanation.map((l) => `node pool: ${l}`));
  return {
    model: model.id,
    modelServer: server.name,
    modelServerVersion: c.version.version,
    weightPrecision: catalog.weightPrecision,
    kvCacheDtype: catalog.kvCacheDtype,
    precisionArgs: [...precision.vllmArgs],
    image: c.version.image,
    acceleratorType: c.accelerator.gkeLabel,
    instanceType: machine.name,
    instanceTypeInferred: c.curve.instanceTypeInferred,
    instanceVcpu: machine.vcpu,
    instanceMemoryGb: machine.ramGb,
    acceleratorCount: c.curve.acceleratorCount,
    nodes,
    pipelineParallelSize: c.curve.pipelineParallelSize ?? 1,
    tpuTopology: topology?.topology,
    tensorParallelSize: pathways?.tensor ?? tp,
    validTensorParallelSizes: validTensorParallelSizes(catalog, model, c.accelerator.gkeLabel),
    maxModelLength,
    source: c.curve.source === 'measured' ? ProfileSource.MEASURED : ProfileSource.ESTIMATED,
    profileCitation: c.curve.citation,
    operatingPointReason: c.pointReason!,
    performance,
    uncertainty,
    // a copy: the candidate (and its cost) is remembered for the next request
    cost: { ...cost },
    memory: {
      acceleratorMemoryGb: c.budget.acceleratorMemoryGb,
      gpuMemoryUtilization: c.budget.gpuMemoryUtilization,
      weightsGb: c.budget.weightsGb,
      runtimeOverheadGb: c.budget.runtimeOverheadGb,
      kvCacheCapacityGb: c.budget.kvCacheCapacityGb,
      kvCachePerMaxLengthRequestGb: kvCacheGbFor(model, maxModelLength),
      kvCacheKibPerToken: c.budget.kvCacheKibPerToken,
    },
    modelLoading: loading,
    podResources: resources,
    nodePool,
    autoscaling,
    alternatives,
    decisions,
  };
}
