/**
 * JetStream (MaxText engine) specifics the resolver and the autoscaling need: the request checks
 * (TPU only, single host, a model MaxText serves) and the multi-host slice; its decode slots are in
 * `performance/decode-slots.ts`.
 */
import { ResolveRequest } from './resolution';
import { Catalog } from '../catalog/catalog';
import { MAXTEXT_MODELS, ModelServerRecord, PATHWAYS_INSTANCE_TYPES } from '../catalog/model-servers';
import { AcceleratorRecord, ModelRecord, TpuTopologyRecord } from '../catalog/types';
import { kvCacheGbFor, memoryBudget, smallestFittingTensorParallelSize } from '../performance/feasibility';
import { round } from '../util/round';

/** Whether every version of a server runs on TPUs only (JetStream): its profiles are all TPU estimates. */
export function tpuOnlyServer(server: ModelServerRecord): boolean {
  return server.versions.every((v) => v.acceleratorFamily === 'tpu');
}

/**
 * The multi-host slice for JetStream with Pathways: the smallest multi-host topology of a Pathways TPU type
 * (see `PATHWAYS_INSTANCE_TYPES`) whose HBM holds the weights and the KV cache MaxText preallocates, at least one decode
 * slot of `maxModelLength` tokens per chip (`per_device_batch_size` >= 1, see `jetstreamDecodeSlots`), with a MaxText
 * sharding that exists for the model. Undefined on other TPU types or when no slice fits.
 */
export function pathwaysSlice(
  catalog: Catalog, model: ModelRecord, accelerator: AcceleratorRecord, maxModelLength: number,
): TpuTopologyRecord | undefined {
  if (PATHWAYS_INSTANCE_TYPES[accelerator.gkeLabel] === undefined) return undefined;
  return catalog.tpuTopologiesFor(accelerator.gkeLabel).find((t) => t.gkeNodes > 1
    && pathwaysParallelism(model, t.chips) !== undefined && memoryBudget(model, accelerator, t.chips).maxFittingTokens >= maxModelLength * t.chips);
}

/** How MaxText shards a model over the chips of a slice. */
export interface MaxTextParallelism {
  /** `ici_tensor_parallelism`: the attention heads and KV heads are split this many ways. */
  readonly tensor: number;
  /** `ici_autoregressive_parallelism`: the rest of the chips split the decode batch and its KV cache. */
  readonly autoregressive: number;
}

/**
 * MaxText's sharding over `chips`: tensor parallel over the largest power of two that divides both the attention
 * heads and the KV heads (and the chips), autoregressive parallel over the rest, as GKE's Pathways tutorial shards
 * Llama 3.1 405B (8 KV heads) on 16 chips: ici_tensor_parallelism=8, ici_autoregressive_parallelism=2.
 */
export function pathwaysParallelism(model: ModelRecord, chips: number): MaxTextParallelism | undefined {
  let tensor = 1;
  while (tensor * 2 <= chips && chips % (tensor * 2) === 0 && model.attentionHeads % (tensor * 2) === 0 && model.kvHeads % (tensor * 2) === 0) {
    tensor *= 2;
  }
  return chips % tensor === 0 ? { tensor, autoregressive: chips / tensor } : undefined;
}

/**
 * Refuses JetStream requests this library cannot serve, naming the prop: GPU accelerators, models the
 * MaxText engine does not serve, and models that fit neither one TPU host nor a multi-host slice that
 * JetStream with Pathways is planned on (v6e).
 */
export function checkJetStreamRequest(
  catalog: Catalog, server: ModelServerRecord, model: ModelRecord, accelerator: AcceleratorRecord | undefined,
  maxModelLength: number, request: ResolveRequest,
): void {
  if (!tpuOnlyServer(server)) return;
  if (MAXTEXT_MODELS[model.id.toLowerCase()] === undefined) {
    throw new Error(`'modelServer' '${server.name}' (MaxText engine) does not serve ${model.id} ('model'); it serves `
      + `${Object.keys(MAXTEXT_MODELS).map((id) => catalog.model(id)?.id ?? id).join(', ')}. Use 'modelServer' 'vllm' for other models.`);
  }
  const tpus = (labels: string[]) => labels.map((l) => catalog.accelerator(l)).filter((a): a is AcceleratorRecord => a?.family === 'tpu'
    && catalog.singleHostTpuTopologies(a.gkeLabel).length > 0);
  if (accelerator && accelerator.family !== 'tpu') {
    throw new Error(`'modelServer' '${server.name}' runs on TPUs only, but 'acceleratorType' is the GPU '${accelerator.gkeLabel}': `
      + `set 'acceleratorType' to a TPU such as ${tpus(catalog.accelerators.map((a) => a.gkeLabel)).map((a) => `'${a.gkeLabel}'`).join(', ')}, or use 'vllm'.`);
  }
  const candidates = accelerator ? [accelerator] : tpus(request.allowedAcceleratorTypes ?? catalog.accelerators.map((a) => a.gkeLabel));
  if (candidates.length === 0) {
    throw new Error(`'modelServer' '${server.name}' runs on TPUs only, but 'allowedAcceleratorTypes' names none: add a TPU type such as 'tpu-v6e-slice'.`);
  }
  if (candidates.some((a) => smallestFittingTensorParallelSize(catalog, model, a, maxModelLength) !== undefined)) return;
  if (candidates.some((a) => pathwaysSlice(catalog, model, a, maxModelLength) !== undefined)) return;
  const names = candidates.map((a) => {
    const singles = catalog.singleHostTpuTopologies(a.gkeLabel);
    const largest = singles[singles.length - 1];
    const multi = catalog.tpuTopologiesFor(a.gkeLabel).filter((t) => t.scope === 'multi-host');
    const largestMulti = multi[multi.length - 1];
    return `${a.gkeLabel} (largest single-host slice ${largest.topology}, ${largest.chips} chips`
      + (PATHWAYS_INSTANCE_TYPES[a.gkeLabel] !== undefined && largestMulti ? `; largest multi-host slice ${largestMulti.topology}, ${largestMulti.chips} chips` : '')
      + ')';
  });
  const pathwaysTypes = Object.keys(PATHWAYS_INSTANCE_TYPES);
  throw new Error(`${model.id} with maxModelLength ${maxModelLength} does not fit ${names.join(', ')} ('acceleratorType'): `
    + `it needs ${round(model.checkpointWeightsGb, 2)} GB of weights + ${kvCacheGbFor(model, maxModelLength).toFixed(1)} GB of KV cache per request. `
    + `Multi-host JetStream (Pathways on a LeaderWorkerSet) is planned on ${pathwaysTypes.map((t) => `'${t}'`).join(', ')} only, the shape GKE documents: `
    + `set 'acceleratorType' to ${pathwaysTypes.map((t) => `'${t}'`).join(' or ')}, lower 'maxModelLength', or serve the model with 'vllm' on GPUs.`);
}
