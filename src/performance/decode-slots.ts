/**
 * The decode slots of a server that preallocates them (JetStream's MaxText engine): how many requests it runs at once, which
 * caps the running batch of its curves (`estimateInput`) and sets the slot share its HPA reads.
 */
import { kvCacheGbFor, memoryBudget } from './feasibility';
import { PERFORMANCE_CONSTANTS } from './performance-constants';
import { AcceleratorRecord, ModelRecord } from '../catalog/types';

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

