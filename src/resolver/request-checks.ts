/** Checks of a resolve request's fields, each error naming the prop and what would work (callers from JavaScript can pass anything). */
import { AutoscalingMetric, ClusterMode, PricingModel, ResolveRequest } from './resolution';
import { Catalog } from '../catalog/catalog';
import { LengthWorkload, defaultLengthFor, defaultMaxModelLength } from '../catalog/model-length';
import { ModelServerRecord } from '../catalog/model-servers';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';
import { AcceleratorRecord, ModelRecord } from '../catalog/types';
import { parseGkeVersion } from '../storage/gke-version';
import { closestMatches } from '../util/closest';
import {
  checkObject,
  checkOptionalInteger,
  checkOptionalEnum,
  checkOptionalPositive,
  checkOptionalString,
  checkOptionalStringList,
  describeValue,
  printable,
} from '../util/input';
import { isHuggingFaceId } from '../util/references';

/** Largest latency target accepted, ms (an hour per token or to the first token is a unit mistake, not a target). */
export const MAX_LATENCY_MILLISECONDS = 3_600_000;

/** An enum prop's value, checked (callers from JavaScript can pass anything), or the fallback. */
export function requireEnum<T extends string>(name: string, value: T | undefined, values: Record<string, T>, enumName: string, fallback: T): T {
  checkOptionalEnum(name, value, values, enumName);
  return value ?? fallback;
}

export function checkNumbers(r: ResolveRequest): void {
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
  checkOptionalEnum('autoscalingMetric', r.autoscalingMetric, AutoscalingMetric, 'AutoscalingMetric');
  checkOptionalStringList('allowedAcceleratorTypes', r.allowedAcceleratorTypes);
  checkOptionalEnum('pricingModel', r.pricingModel, PricingModel, 'PricingModel');
  checkOptionalEnum('clusterMode', r.clusterMode, ClusterMode, 'ClusterMode');
  if (r.gkeVersion !== undefined) parseGkeVersion(r.gkeVersion);
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
  throw new Error(`Unknown model '${printable(id)}' ('model'). Closest catalog models: ${close()}.`);
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

/** Why `chosen` is the model length: as requested, the default, twice a long workload's average request, or the model's context. */
export function maxModelLengthReason(
  model: ModelRecord, requested: number | undefined, workload: LengthWorkload & { readonly name: string }, chosen: number,
  preallocated: boolean = false,
): string {
  if (requested !== undefined) return `maxModelLength ${chosen}: as requested`;
  const { fromWorkload, floor, wanted, promptBound } = defaultLengthFor(workload, preallocated);
  const fromAverage = fromWorkload > floor;
  const per = SERVING_CONSTANTS.maxModelLengthPerAverageRequest.value;
  const workloadReason = promptBound
    ? `${per} x the ${workload.name} workload's average prompt (${workload.meanInputTokens} tokens) in the half of the length JetStream gives `
      + 'prompts (max_prefill_predict_length), rounded up to 1024 tokens'
    : `${per} x the ${workload.name} workload's average request (${workload.meanInputTokens} + ${workload.meanOutputTokens} tokens), rounded up to 1024 tokens`;
  if (chosen < wanted) return `maxModelLength ${chosen}: the context length of ${model.id}, under the ${wanted} tokens of ${fromAverage ? workloadReason : 'the default'}`;
  return fromAverage ? `maxModelLength ${chosen}: ${workloadReason} (vLLM rejects a request longer than --max-model-len)`
    : preallocated
      ? `maxModelLength ${chosen}: the default for a server that preallocates every decode slot at full length (MaxText's `
        + 'max_target_length, as Google\'s jetstream-maxtext module sets it): the profiled requests\' length, since each longer slot '
        + `costs decode slots (the ${workload.name} workload's average request, ${workload.meanInputTokens + workload.meanOutputTokens} tokens, is under half of it)`
      : `maxModelLength ${chosen}: the default (the ${workload.name} workload's average request, `
        + `${workload.meanInputTokens + workload.meanOutputTokens} tokens, is under half of it)`;
}

/** Refuses a model length shorter than the profiled requests (any model: the listings check it before choosing profiles). */
export function requireProfiledLength(requested: number): void {
  const shortest = SERVING_CONSTANTS.minimumMaxModelLength.value;
  if (requested < shortest) {
    throw new Error(`'maxModelLength' (${requested}) is shorter than the ${shortest} tokens of the profiled requests (ShareGPT prompts and outputs `
      + `of up to 1024 tokens each): the operating point and HPA threshold would not hold. Use at least ${shortest}.`);
  }
}

/**
 * The longest request the server accepts (vLLM's `--max-model-len`): `requested`, checked against the profiled requests and the
 * model's context, or by default 8192 tokens (2048 on a server that preallocates its decode slots, see `defaultLengthFor`), or
 * twice the workload's average request when that is longer (rounded up to 1024 tokens; GIQ's Advanced Customer Support averages
 * 9,256 tokens, so 19,456), within the model's context.
 */
export function chooseMaxModelLength(
  model: ModelRecord, requested: number | undefined, workload?: LengthWorkload, preallocated: boolean = false,
): number {
  if (requested === undefined) return defaultMaxModelLength(model, workload, preallocated);
  requireProfiledLength(requested);
  if (model.maxContext !== undefined && requested > model.maxContext) {
    throw new Error(`'maxModelLength' (${requested}) exceeds the context length of ${model.id} (${model.maxContext} tokens).`);
  }
  return requested;
}
