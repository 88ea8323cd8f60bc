import { autoscalingFor } from './autoscaling';
import { costAt, inputTokensPerSecond } from './cost';
import {
  kvCacheGbFor,
  memoryBudget,
  MemoryBudget,
  smallestFittingTensorParallelSize,
  validTensorParallelSizes,
} from './feasibility';
import { chooseMachine, podResources } from './pod-resources';
import {
  PricingModel,
  ProfileSource,
  ResolveRequest,
  Resolution,
  ResolvedAlternative,
  ResolvedCost,
  ResolvedPerformance,
} from './resolution';
import { Catalog } from '../catalog/catalog';
import { ModelServerRecord, ModelServerVersionRecord } from '../catalog/model-servers';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';
import { AcceleratorRecord, MachineTypeRecord, ModelRecord, PricingModelName } from '../catalog/types';
import { CurvePoint, LatencyTargets, ProfileCurve, isInfeasible, operatingPoint } from '../performance/curve';
import { curveKeyString } from '../performance/measured-curves';
import { profileCurves as allProfileCurves } from '../performance/profiles';
import { closestMatches } from '../util/closest';

const DEFAULT_REGION = 'us-central1';
const DEFAULT_RATIO = 4;

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
    return resolveWith(Catalog.EMBEDDED, request);
  }

  private constructor() {}
}

/** A candidate combination evaluated for a request. */
interface Candidate {
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
  const model = requireModel(catalog, request.model);
  const server = requireServer(catalog, request.modelServer);
  const region = requireRegion(catalog, request.region ?? DEFAULT_REGION);
  const pricingModel = (request.pricingModel ?? PricingModel.SPOT) as string as PricingModelName;
  const ratio = request.outputInputCostRatio ?? DEFAULT_RATIO;
  const accelerator = request.acceleratorType === undefined ? undefined : requireAccelerator(catalog, request.acceleratorType);
  if (request.modelServerVersion !== undefined && !catalog.modelServerVersion(server, request.modelServerVersion)) {
    throw new Error(`Unknown model server version '${request.modelServerVersion}' for '${server.name}' ('modelServerVersion'). `
      + `Known versions: ${server.versions.map((v) => v.version).join(', ')}.`);
  }
  const maxModelLength = chooseMaxModelLength(model, request.maxModelLength);
  if (accelerator) checkFitsSomewhere(catalog, model, accelerator, maxModelLength);

  const targets: LatencyTargets = { ntpotMilliseconds: request.targetNtpotMilliseconds, ttftMilliseconds: request.targetTtftMilliseconds };
  const curves = profileCurves(catalog, model, server, request, accelerator);
  const candidates = curves.map((c) => evaluate(catalog, c, server, model, maxModelLength, targets, region, pricingModel, ratio));

  const feasible = candidates.filter((c) => c.rejection === undefined).sort(byCost);
  if (feasible.length === 0) {
    const lines = candidates.map((c) => `${curveKeyString(c.curve)}: ${c.rejection}`);
    if (accelerator && candidates.length === 1) throw new Error(`${model.id} on ${accelerator.gkeLabel}: ${candidates[0].rejection}.`);
    throw new Error(`No profile for ${model.id} meets the request:\n  ${lines.join('\n  ')}`);
  }
  const chosen = feasible[0];
  const alternatives: ResolvedAlternative[] = [
    ...feasible.slice(1).map((c) => alternative(c, `costs more per million output tokens than ${chosen.accelerator.gkeLabel}`)),
    ...candidates.filter((c) => c.rejection !== undefined).map((c) => alternative(c, c.rejection!)),
  ];
  return buildResolution(catalog, chosen, model, server, maxModelLength, targets, accelerator === undefined, alternatives);
}

function checkNumbers(r: ResolveRequest): void {
  const positive: Array<[string, number | undefined]> = [
    ['targetNtpotMilliseconds', r.targetNtpotMilliseconds],
    ['targetTtftMilliseconds', r.targetTtftMilliseconds],
    ['outputInputCostRatio', r.outputInputCostRatio],
    ['maxModelLength', r.maxModelLength],
  ];
  for (const [name, v] of positive) {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
      throw new Error(`'${name}' must be a positive number, got ${v}.`);
    }
  }
  if (r.maxModelLength !== undefined && !Number.isInteger(r.maxModelLength)) {
    throw new Error(`'maxModelLength' must be a whole number of tokens, got ${r.maxModelLength}.`);
  }
  if (r.pricingModel !== undefined && !Object.values(PricingModel).includes(r.pricingModel)) {
    throw new Error(`'pricingModel' must be one of ${Object.values(PricingModel).join(', ')}, got '${r.pricingModel}'.`);
  }
}

function requireModel(catalog: Catalog, id: string): ModelRecord {
  if (typeof id !== 'string' || id.length === 0) throw new Error('\'model\' is required: a Hugging Face id such as google/gemma-2-27b-it.');
  const model = catalog.model(id);
  if (model) return model;
  const close = closestMatches(id, catalog.models.map((m) => m.id));
  throw new Error(`Unknown model '${id}' ('model'). Closest catalog models: ${close.join(', ')}.`);
}

function requireServer(catalog: Catalog, name: string | undefined): ModelServerRecord {
  const server = name === undefined ? catalog.modelServers[0] : catalog.modelServer(name);
  if (server) return server;
  throw new Error(`Unknown model server '${name}' ('modelServer'). Known servers: ${catalog.modelServers.map((s) => s.name).join(', ')}.`);
}

function requireRegion(catalog: Catalog, region: string): string {
  const regions = catalog.priceRegions();
  if (regions.includes(region)) return region;
  throw new Error(`No prices for region '${region}' ('region'). Regions with prices: ${regions.join(', ')}.`);
}

function requireAccelerator(catalog: Catalog, label: string): AcceleratorRecord {
  const acc = catalog.accelerator(label);
  const gpus = catalog.accelerators.filter((a) => a.family === 'gpu').map((a) => a.gkeLabel);
  if (!acc) {
    throw new Error(`Unknown accelerator '${label}' ('acceleratorType'). Closest: ${closestMatches(label, catalog.accelerators.map((a) => a.gkeLabel)).join(', ')}; `
      + `GPU accelerators: ${gpus.join(', ')}.`);
  }
  if (acc.family !== 'gpu') {
    throw new Error(`Accelerator '${label}' ('acceleratorType') is a TPU; this version serves on GPUs only: ${gpus.join(', ')}.`);
  }
  if (catalog.machineTypes.every((m) => m.accelerator !== label)) {
    throw new Error(`Accelerator '${label}' ('acceleratorType') has no machine type in the catalog; GPU accelerators with machine types: `
      + `${gpus.filter((g) => catalog.machineTypes.some((m) => m.accelerator === g)).join(', ')}.`);
  }
  return acc;
}

function chooseMaxModelLength(model: ModelRecord, requested: number | undefined): number {
  const cap = SERVING_CONSTANTS.defaultMaxModelLength.value;
  if (requested === undefined) return Math.min(model.maxContext ?? cap, cap);
  if (model.maxContext !== undefined && requested > model.maxContext) {
    throw new Error(`'maxModelLength' (${requested}) exceeds the context length of ${model.id} (${model.maxContext} tokens).`);
  }
  return requested;
}

/** Fails early, with the shapes that would work, when the model cannot fit any machine of the accelerator. */
function checkFitsSomewhere(catalog: Catalog, model: ModelRecord, accelerator: AcceleratorRecord, maxModelLength: number): void {
  if (smallestFittingTensorParallelSize(catalog, model, accelerator, maxModelLength) !== undefined) return;
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

/** The measured curves that could serve the request, newest server version per accelerator. */
function profileCurves(
  catalog: Catalog, model: ModelRecord, server: ModelServerRecord, request: ResolveRequest, accelerator: AcceleratorRecord | undefined,
): ProfileCurve[] {
  const forModel = allProfileCurves(catalog).filter((c) => c.model.toLowerCase() === model.id.toLowerCase() && c.modelServer === server.name);
  const wanted = forModel.filter((c) => (request.modelServerVersion === undefined || c.modelServerVersion === request.modelServerVersion)
    && (accelerator === undefined || c.acceleratorType === accelerator.gkeLabel));
  if (wanted.length === 0) {
    const asked = [
      `model ${model.id}`,
      `server ${server.name}`,
      request.modelServerVersion ? `version ${request.modelServerVersion}` : undefined,
      accelerator ? `accelerator ${accelerator.gkeLabel}` : undefined,
    ].filter((s) => s).join(', ');
    const existing = forModel.length
      ? `Profiles that exist for this model: ${forModel.map(curveKeyString).join('; ')}.`
      : `No profile exists for this model; models with profiles: ${[...new Set(allProfileCurves(catalog).map((c) => c.model))].join(', ')}.`;
    throw new Error(`No profile for ${asked} (measured profiles only; estimated curves are not in this version). ${existing}`);
  }
  const rank = new Map(catalog.versionsNewestFirst(server).map((v, i) => [v.version, i]));
  const byAccelerator = new Map<string, ProfileCurve>();
  for (const c of wanted) {
    const key = `${c.acceleratorType}|${c.acceleratorCount}`;
    const prev = byAccelerator.get(key);
    if (!prev || (rank.get(c.modelServerVersion) ?? 1e9) < (rank.get(prev.modelServerVersion) ?? 1e9)) byAccelerator.set(key, c);
  }
  return [...byAccelerator.values()];
}

function evaluate(
  catalog: Catalog, curve: ProfileCurve, server: ModelServerRecord, model: ModelRecord, maxModelLength: number,
  targets: LatencyTargets, region: string, pricingModel: PricingModelName, ratio: number,
): Candidate {
  const accelerator = catalog.accelerator(curve.acceleratorType)!;
  const version = catalog.modelServerVersion(server, curve.modelServerVersion);
  const budget = memoryBudget(model, accelerator, curve.acceleratorCount);
  const machine = chooseMachine(catalog, curve, model);
  const base = { curve, accelerator, budget, machine, version: version! };
  if (!version) return { ...base, rejection: `server version ${curve.modelServerVersion} is not in the catalog's version table` };
  if (!machine) return { ...base, rejection: `no machine type carries ${curve.acceleratorCount} x ${curve.acceleratorType}` };
  if (!validTensorParallelSizes(catalog, model, accelerator.gkeLabel).includes(curve.acceleratorCount)) {
    return { ...base, rejection: `tensor-parallel size ${curve.acceleratorCount} does not divide the ${model.attentionHeads} attention and ${model.kvHeads} KV heads` };
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
  const cost = costAt(catalog, curve, machine, op.point, region, pricingModel, ratio);
  return { ...base, point: op.point, pointReason: op.reason, cost };
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

function buildResolution(
  catalog: Catalog, c: Candidate, model: ModelRecord, server: ModelServerRecord, maxModelLength: number,
  targets: LatencyTargets, chose: boolean, alternatives: ResolvedAlternative[],
): Resolution {
  const machine = c.machine!;
  const point = c.point!;
  const tp = c.curve.acceleratorCount;
  const input = inputTokensPerSecond(catalog, point);
  const w = catalog.defaultWorkload;
  const performance: ResolvedPerformance = {
    outputTokensPerSecond: point.outputTokensPerSecond,
    inputTokensPerSecond: input.value,
    inputTokensPerSecondBasis: input.basis,
    ntpotMilliseconds: point.ntpotMilliseconds,
    ttftMilliseconds: point.ttftMilliseconds,
    requestsPerSecond: point.outputTokensPerSecond / w.meanOutputTokens,
    concurrentRequests: (point.outputTokensPerSecond * point.ntpotMilliseconds) / 1000,
    pointKind: point.kind,
  };
  const hasTargets = targets.ntpotMilliseconds !== undefined || targets.ttftMilliseconds !== undefined;
  const cost = c.cost!;
  const decisions = [
    `model ${model.id}: ${model.checkpointWeightsGb} GB of weights (${model.checkpointWeightsNote}), ${model.kvCacheKibPerTokenBf16} KiB of KV cache per token`,
    chose
      ? `accelerator ${c.accelerator.gkeLabel}: the cheapest per million output tokens of ${alternatives.length + 1} profiles considered`
      : `accelerator ${c.accelerator.gkeLabel}: as requested`,
    `server ${server.name} ${c.version.version} (${c.version.image}): the newest version with a profile for this combination`,
    `profile ${curveKeyString(c.curve)}: ${c.curve.source} (${c.curve.citation})`,
    `instance type ${machine.name}${c.curve.instanceTypeInferred ? ' (inferred: the only machine type with this accelerator count; the source does not state it)' : ' (as published)'}`,
    `tensor-parallel size ${tp}: the profile's accelerator count; valid sizes here: ${validTensorParallelSizes(catalog, model, c.accelerator.gkeLabel).join(', ')}`,
    `memory: ${c.budget.acceleratorMemoryGb} GB x ${c.budget.gpuMemoryUtilization} - ${model.checkpointWeightsGb} GB weights - ${c.budget.runtimeOverheadGb.toFixed(1)} GB runtime `
      + `= ${c.budget.kvCacheCapacityGb.toFixed(1)} GB KV cache (${c.budget.maxFittingTokens} tokens); maxModelLength ${maxModelLength} fits`,
    hasTargets
      ? `operating point: the highest-throughput ${point.kind} point meeting ${[
        targets.ntpotMilliseconds !== undefined ? `NTPOT <= ${targets.ntpotMilliseconds} ms` : undefined,
        targets.ttftMilliseconds !== undefined ? `TTFT <= ${targets.ttftMilliseconds} ms` : undefined,
      ].filter((s) => s).join(' and ')}`
      : 'operating point: the inflection point (no latency target given)',
    cost.costPerHour !== undefined
      ? `cost: ${machine.name} at $${cost.costPerHour}/h (${cost.pricingModel}, ${cost.region}, snapshot ${cost.priceSnapshotDate ?? 'undated'}); `
        + `$/output token = $/s / (input tok/s / ${cost.outputInputCostRatio} + output tok/s)`
      : `cost: no whole-VM price for ${machine.name} (${cost.pricingModel}, ${cost.region}) in the catalog, so no cost figures`,
  ];
  const autoscaling = hasTargets ? autoscalingFor(catalog, model, c.version, c.budget, performance) : undefined;
  if (autoscaling) decisions.push(`autoscaling: ${autoscaling.hpaMetricName} target ${autoscaling.targetAverageValue}`);
  return {
    model: model.id,
    modelServer: server.name,
    modelServerVersion: c.version.version,
    image: c.version.image,
    acceleratorType: c.accelerator.gkeLabel,
    instanceType: machine.name,
    instanceTypeInferred: c.curve.instanceTypeInferred,
    instanceVcpu: machine.vcpu,
    instanceMemoryGb: machine.ramGb,
    acceleratorCount: c.curve.acceleratorCount,
    tensorParallelSize: tp,
    validTensorParallelSizes: validTensorParallelSizes(catalog, model, c.accelerator.gkeLabel),
    maxModelLength,
    source: c.curve.source === 'measured' ? ProfileSource.MEASURED : ProfileSource.ESTIMATED,
    profileCitation: c.curve.citation,
    operatingPointReason: c.pointReason!,
    performance,
    cost,
    memory: {
      acceleratorMemoryGb: c.budget.acceleratorMemoryGb,
      gpuMemoryUtilization: c.budget.gpuMemoryUtilization,
      weightsGb: c.budget.weightsGb,
      runtimeOverheadGb: c.budget.runtimeOverheadGb,
      kvCacheCapacityGb: c.budget.kvCacheCapacityGb,
      kvCachePerMaxLengthRequestGb: kvCacheGbFor(model, maxModelLength),
      kvCacheKibPerToken: c.budget.kvCacheKibPerToken,
    },
    podResources: podResources(model, machine, tp),
    autoscaling,
    alternatives,
    decisions,
  };
}
