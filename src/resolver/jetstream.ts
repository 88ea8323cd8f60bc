/**
 * JetStream (MaxText engine) specifics the resolver and the autoscaling need: the request checks
 * (TPU only, single host, a model MaxText serves) and the number of decode slots.
 */
import { kvCacheGbFor, memoryBudget, smallestFittingTensorParallelSize } from './feasibility';
import { ResolveRequest } from './resolution';
import { Catalog } from '../catalog/catalog';
import { MAXTEXT_MODELS, ModelServerRecord } from '../catalog/model-servers';
import { AcceleratorRecord, ModelRecord } from '../catalog/types';
import { PERFORMANCE_CONSTANTS } from '../performance/performance-constants';

/** Whether every version of a server runs on TPUs only (JetStream): its profiles are all TPU estimates. */
export function tpuOnlyServer(server: ModelServerRecord): boolean {
  return server.versions.every((v) => v.acceleratorFamily === 'tpu');
}

/**
 * JetStream decode slots (`per_device_batch_size` x chips): MaxText preallocates a KV cache of
 * `max_target_length` tokens per slot, so the slots are the full-length requests whose KV cache fits
 * next to the weights, at most the 128-sequence batch of the TPU performance model, rounded down to
 * a whole number per chip (at least one per chip).
 */
export function jetstreamDecodeSlots(kvCacheCapacityGb: number, kvCachePerMaxLengthRequestGb: number, chips: number): number {
  const fit = kvCachePerMaxLengthRequestGb > 0 ? Math.floor(kvCacheCapacityGb / kvCachePerMaxLengthRequestGb) : 0;
  const slots = Math.min(PERFORMANCE_CONSTANTS.tpuMaxNumSeqs.value, fit);
  return Math.max(1, Math.floor(slots / chips)) * chips;
}

/** The decode slots of a model on a slice, from the same memory budget the resolver reports. */
export function jetstreamDecodeSlotsFor(model: ModelRecord, accelerator: AcceleratorRecord, chips: number, maxModelLength: number): number {
  return jetstreamDecodeSlots(memoryBudget(model, accelerator, chips).kvCacheCapacityGb, kvCacheGbFor(model, maxModelLength), chips);
}

/**
 * Refuses JetStream requests this library cannot serve, naming the prop: GPU accelerators, models the
 * MaxText engine does not serve, and models that need more than one TPU host (multi-host JetStream
 * needs Pathways, which is out of scope).
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
  const names = candidates.map((a) => {
    const singles = catalog.singleHostTpuTopologies(a.gkeLabel);
    const largest = singles[singles.length - 1];
    return `${a.gkeLabel} (largest single-host slice ${largest.topology}, ${largest.chips} chips)`;
  });
  throw new Error(`${model.id} with maxModelLength ${maxModelLength} does not fit one host of ${names.join(', ')} ('acceleratorType'): `
    + `it needs ${model.checkpointWeightsGb} GB of weights + ${kvCacheGbFor(model, maxModelLength).toFixed(1)} GB of KV cache per request. `
    + 'Multi-host JetStream needs Pathways (a LeaderWorkerSet of Pathways proxy, server and workers), which this library does not generate: '
    + 'choose a TPU type with more memory per host, lower \'maxModelLength\', or serve the model with \'vllm\' on GPUs.');
}
