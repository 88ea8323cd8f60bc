// Hand-written (not generated): the accelerator memory the runtime reports usable per chip, where a primary source gives it.
// The datasheet figure (accelerators.csv `memoryGb`) stays the record's; the memory budget uses this one where present.
// GPUs are left out on purpose: the performance model's KV-cache capacity and its calibration were fitted on the datasheet
// figures x vLLM's 0.9 (serving-constants.ts gpuMemoryUtilization), so a runtime figure there would promise batches the
// calibrated curves never saw. No TPU point is measured, so nothing was fitted on the TPU figures.

/** Usable memory per chip as the runtime reports it. */
export interface RuntimeMemory {
  /** Bytes. */
  readonly bytes: number;
  readonly source: string;
}

/** By GKE accelerator label. */
export const RUNTIME_MEMORY: Readonly<Record<string, RuntimeMemory>> = {
  'tpu-v6e-slice': {
    bytes: 33_550_237_696,
    source: 'vllm-project/vllm pull request #16211 (merged 2025-04; usage stats logged on one TPU v6e): gpu_memory_per_device '
      + '33550237696 (31.25 GiB, what JAX reports as the device\'s bytes_limit); the datasheet figure is 32 GB',
  },
};
