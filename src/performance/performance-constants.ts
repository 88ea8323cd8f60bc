/**
 * The constants of the performance model, each with its source, in one place. Values marked
 * `reference` come from `../shared/reference/data/calibration.csv` (the measured Vidur layer timings,
 * the constants shipped with aiconfigurator, GenZ and llm-analysis, and what is derived from them) or
 * from the accelerator table; values marked `estimate` are this library's own engineering choices.
 * The efficiencies and fixed latencies below are the priors of the fit: the estimator uses the terms
 * `scripts/fit-serving-terms.ts` fits on public measurements (`serving-terms.generated.ts`), and the
 * measured points of a combination then correct its kernel time (see `calibration.ts`).
 */
import { SERVING_TERMS } from './serving-terms.generated';
import { SourcedConstant } from '../catalog/serving-constants';

const CALIBRATION_CSV = '../shared/reference/data/calibration.csv';
/** TensorRT-LLM's all-reduce timed by NVIDIA's aiconfigurator (an extract with its path: test/fixtures/aiconfigurator-allreduce.json). */
const AICONFIGURATOR_ALLREDUCE = 'ai-dynamo/aiconfigurator@095f58a5 aic-core/src/aiconfigurator_core/systems/data/<system>/comm/trtllm/1.3.0rc20/'
  + 'custom_allreduce_perf.parquet';

/** Where vLLM's default batch limits of the OpenAI-compatible server come from (four constants below). */
const VLLM_BATCH_DEFAULTS = 'vllm-project/vllm vllm/engine/arg_utils.py EngineArgs.get_batch_defaults (device_memory >= 70 * GiB_bytes '
  + 'and "a100" not in device_name: OPENAI_API_SERVER max_num_batched_tokens 8192 and max_num_seqs 1024; otherwise 2048 and 256)';

export const PERFORMANCE_CONSTANTS = {
  /** Share of peak memory bandwidth a decode step achieves when it streams weights and KV cache. */
  memoryBandwidthEfficiency: {
    value: 0.8,
    unit: 'fraction',
    source: `${CALIBRATION_CSV}: aiconfigurator mem_bw_empirical_scaling_factor 0.8 (ai-dynamo/aiconfigurator @095f58a5 systems/*.yaml); `
      + 'the Vidur-derived achieved_weight_bandwidth_share is 0.72-0.77 and eta_bw 0.72-0.8',
    kind: 'reference',
  },
  /** Share of peak dense throughput a compute-bound step achieves. */
  computeEfficiency: {
    value: 0.65,
    unit: 'fraction',
    source: `${CALIBRATION_CSV}: Vidur-derived achieved_compute_share 0.65 (Llama-2-70B, H100, 4096 tokens); `
      + 'llm-analysis flops_efficiency_inference_max 0.7; eta_flops 0.6-0.7',
    kind: 'reference',
  },
  /**
   * Fixed latency of one layer's kernels in a step (launches and memory-bound small ops), ms. Derived from
   * the Vidur 1-token layer times minus weight streaming at 0.8 of peak bandwidth.
   */
  layerLatencyMilliseconds: {
    value: 0.024,
    unit: 'ms',
    source: `${CALIBRATION_CSV}: Vidur 1-token mlp_ms_per_layer on H100 at TP 8: Llama-2-70B 0.105 ms - 0.080 ms of streaming = 0.025 ms, `
      + 'Llama-2-7B 0.041 - 0.019 = 0.022 ms; about 8 memory-bound kernels x aiconfigurator mem_empirical_constant_latency 3 us',
    kind: 'reference',
  },
  /** Per-step overhead of the server outside the GPU kernels (scheduling, sampling, detokenization), ms. */
  stepOverheadMilliseconds: {
    value: 3,
    unit: 'ms',
    source: `${CALIBRATION_CSV}: derived per_step_overhead "a few ms" (Vidur layer-timing rows); 3 ms is our reading of "a few"`,
    kind: 'estimate',
  },
  /** Latency of one point-to-point transfer between GPUs, ms; an all-reduce costs two. */
  p2pLatencyMilliseconds: {
    value: 0.01,
    unit: 'ms',
    source: `${CALIBRATION_CSV}: aiconfigurator p2p_latency 10 us; two per all-reduce (one-shot all-reduce for small decode messages) is our assumption`,
    kind: 'reference',
  },
  /**
   * Share of an NVLink's bandwidth an all-reduce achieves (PCIe parts carry their own, `AcceleratorPerformance.interconnectEfficiency`).
   * Checked against TensorRT-LLM's all-reduce timed on 2, 4 and 8 GPUs (test/fixtures/aiconfigurator-allreduce.json): with the
   * model's two point-to-point latencies per all-reduce, the share that fits 1-64 MiB messages best is 0.76 on H100, 0.80 on
   * H200 and 0.64 on B200. A100's table (TensorRT-LLM 1.0.0) fits 0.51, but with it TensorRT-LLM 0.14's A100 throughputs,
   * already under-predicted, move further off (held out, its Mixtral 128/128 rows from 1.65x to 1.69x): A100 keeps 0.8.
   */
  interconnectEfficiency: {
    value: 0.8,
    unit: 'fraction',
    source: 'our estimate, the same derating as memory bandwidth (GenZ uses comm_efficiency 1, which is a lower bound on time); '
      + `within the range measured on NVLink by ${AICONFIGURATOR_ALLREDUCE}`,
    kind: 'estimate',
  },
  /** Bytes per activation element exchanged by tensor-parallel all-reduces (bf16 activations). */
  activationBytes: {
    value: 2,
    unit: 'bytes',
    source: `${CALIBRATION_CSV}: kv_bytes_per_token formula note (bf16: 2 bytes per element)`,
    kind: 'reference',
  },
  /** KV-cache bytes per element (vLLM's `--kv-cache-dtype auto` keeps the model's bf16). */
  kvCacheBytesPerElement: {
    value: 2,
    unit: 'bytes',
    source: `${CALIBRATION_CSV}: kv_bytes_per_token = 2 x layers x kv_heads x head_dim x bytes_per_element, bf16: 2 bytes; vLLM kv_cache_dtype default auto`,
    kind: 'reference',
  },
  /** vLLM's paged KV-cache block, tokens: a sequence wastes half a block on average. */
  kvCacheBlockTokens: {
    value: 16,
    unit: 'tokens',
    source: 'vLLM engine argument block_size default 16 on CUDA',
    kind: 'reference',
  },
  /** Largest running batch vLLM schedules by default (`--max-num-seqs`). */
  maxNumSeqs: {
    value: 256,
    unit: 'sequences',
    source: 'vLLM engine argument max_num_seqs default 256',
    kind: 'reference',
  },
  /**
   * The V1 engine's larger default running batch on GPUs with at least 70 GiB of memory other than A100
   * (vLLM EngineArgs._set_default_args).
   */
  maxNumSeqsLargeGpu: {
    value: 1024,
    unit: 'sequences',
    source: `${VLLM_BATCH_DEFAULTS}; corroborated by the gpt-oss-20b H100 point of measured-profiles.csv: 13335 tok/s x 67 ms NTPOT `
      + '= 893 requests in flight, more than 256',
    kind: 'reference',
  },
  /** GPU memory from which the V1 engine raises `max_num_seqs` and `max_num_batched_tokens`, GiB. */
  largeGpuMemoryGiB: {
    value: 70,
    unit: 'GiB',
    source: VLLM_BATCH_DEFAULTS,
    kind: 'reference',
  },
  /**
   * Tokens one step of the OpenAI-compatible server schedules by default (`--max-num-batched-tokens`): the decode
   * tokens plus a chunk of a prompt (chunked prefill).
   */
  maxNumBatchedTokens: {
    value: 2048,
    unit: 'tokens',
    source: VLLM_BATCH_DEFAULTS,
    kind: 'reference',
  },
  /** The same on GPUs with at least 70 GiB of memory other than A100. */
  maxNumBatchedTokensLargeGpu: {
    value: 8192,
    unit: 'tokens',
    source: VLLM_BATCH_DEFAULTS,
    kind: 'reference',
  },
  /**
   * The correction never makes a step faster than this share of the raw estimate, so a calibrated curve
   * stays above the memory-bandwidth floor (the raw decode step streams at `memoryBandwidthEfficiency`).
   */
  minTimeScale: {
    value: SERVING_TERMS.memoryBandwidthEfficiency,
    unit: 'ratio',
    source: 'equal to the fitted memoryBandwidthEfficiency (serving-terms.generated.ts): the kernels then stream at peak bandwidth',
    kind: 'reference',
  },
  /** Weight of a measured point of the same model when a combination's time scale is predicted (1 for any point of the server). */
  calibrationSameModelWeight: {
    value: 3,
    unit: 'ratio',
    source: 'our choice, made before cross-validation: model-specific kernels (attention softcapping, MoE and MXFP4 paths) move the '
      + 'time scale more than the accelerator does',
    kind: 'estimate',
  },
  /** Weight of a measured point on the same accelerator type when a combination's time scale is predicted. */
  calibrationSameAcceleratorWeight: {
    value: 1,
    unit: 'ratio',
    source: 'our choice, made before cross-validation',
    kind: 'estimate',
  },
  /** Uncertainty band, either way, when a server has fewer than two measured points to cross-validate on. */
  uncalibratedBand: {
    value: 2.5,
    unit: 'ratio',
    source: 'our choice: wider than the largest cross-validated error of the calibrated vllm estimates (a factor of 1.8)',
    kind: 'estimate',
  },
  /**
   * Band of every TPU estimate: the catalog has no measured TPU point, so TPU curves are the GPU-calibrated
   * roofline on the TPU's HBM bandwidth, bf16 FLOPs and ICI, unchecked against any TPU measurement.
   */
  tpuUncalibratedBand: {
    value: 3,
    unit: 'ratio',
    source: 'our choice: wider than the uncalibrated GPU band (2.5) because the XLA kernels, the paged-attention implementation and the '
      + 'scheduler of vLLM on TPU were never measured here',
    kind: 'estimate',
  },
  /**
   * Latency of one pipeline-parallel hop between nodes (the activations of a micro-batch sent from one stage to the next,
   * and from the last stage back to the leader's sampler), on top of the bytes at `interNodeGBps`.
   */
  pipelineHopMilliseconds: {
    value: 0.1,
    unit: 'ms',
    source: 'our assumption: ten times the intra-node p2p latency (a NCCL send over the data-centre network rather than NVLink/PCIe); '
      + 'no multi-node point is measured in the catalog',
    kind: 'estimate',
  },
  /** Bandwidth of the network between the nodes of a multi-host replica, for pipeline-parallel activations. */
  interNodeGBps: {
    value: 12.5,
    unit: 'GB/s',
    source: 'our assumption: 100 Gbps, the lower end of the GPU machine families\' network bandwidth (A3 with GPUDirect has far more)',
    kind: 'estimate',
  },
  /**
   * Factor by which the uncertainty band of a multi-host (pipeline-parallel) estimate is widened: the pipeline part of the
   * model (micro-batching, hops, stage imbalance) was never checked against a measurement.
   */
  pipelineParallelBandWidening: {
    value: 1.5,
    unit: 'ratio',
    source: 'our choice: no multi-node point is measured in the catalog, so the cross-validated band is widened by a factor of 1.5 either way',
    kind: 'estimate',
  },
  /**
   * Factor by which the band of a GPU estimate is widened when the public measurements the serving terms are fitted on
   * hold fewer than five points of that accelerator (L4, A100 40GB, T4, H100 Mega): its efficiencies are the other GPUs'.
   */
  thinDataBandWidening: {
    value: 1.25,
    unit: 'ratio',
    source: 'our choice: the leave-one-source-out median error of the fit (1.1-1.3, serving-terms.generated.ts), applied once more '
      + 'where no source measured the accelerator',
    kind: 'estimate',
  },
  /** The largest running batch of vLLM on TPU: the GKE TPU tutorial sets --max-num-seqs=128 (and the library emits it). */
  tpuMaxNumSeqs: {
    value: 128,
    unit: 'sequences',
    source: 'GKE TPU vLLM tutorial args --max-num-batched-tokens=512 --max-num-seqs=128 (gke-inference-quickstart.md section 2.7)',
    kind: 'reference',
  },
  /** The token budget of a vLLM step on TPU: the GKE TPU tutorial sets --max-num-batched-tokens=512 (and the library emits it). */
  tpuMaxNumBatchedTokens: {
    value: 512,
    unit: 'tokens',
    source: 'GKE TPU vLLM tutorial args --max-num-batched-tokens=512 --max-num-seqs=128 (gke-inference-quickstart.md section 2.7)',
    kind: 'reference',
  },
} satisfies Record<string, SourcedConstant>;

/** A server release from which a behaviour applies. */
export interface SourcedRelease {
  /** Dotted release, compared with `compareReleases`. */
  readonly release: string;
  readonly source: string;
}

/** Releases of vLLM at which the scheduling and KV-cache behaviour the model depends on changed. */
export const VLLM_RELEASES = {
  /** First release whose default engine is V1: chunked prefill, prompts ride in decode steps. */
  v1Engine: {
    release: '0.8.0',
    source: 'vLLM 0.8.0 release notes: V1 engine on by default (recalled, not re-verified offline); earlier releases run prefill in separate steps',
  },
  /** First release whose KV-cache manager keeps only the window for sliding-window layers (hybrid allocator). */
  hybridKvCache: {
    release: '0.10.0',
    source: 'vLLM hybrid memory allocator, released with 0.10.0 (recalled, not re-verified offline); earlier releases allocate '
      + 'full-length KV for every layer',
  },
} satisfies Record<string, SourcedRelease>;

/** Interconnect and compute figures of a GPU the catalog records only as text. */
export interface AcceleratorPerformance {
  /** Tensor-parallel link bandwidth per direction per GPU, GB/s. */
  readonly interconnectGBps: number;
  /** Dense throughput used for compute-bound steps when the accelerator has no bf16 figure, TFLOPS. */
  readonly fallbackDenseTflops?: number;
  /**
   * Share of the link's bandwidth an all-reduce achieves over it.
   * @default PERFORMANCE_CONSTANTS.interconnectEfficiency (NVLink)
   */
  readonly interconnectEfficiency?: number;
  readonly source: string;
}

const ACCELERATORS_CSV = '../shared/reference/data/accelerators.csv interconnect column';

/**
 * PCIe all-reduce: the share of one GPU's PCIe link (per direction) TensorRT-LLM's all-reduce reaches on RTX PRO 6000 servers
 * (PCIe Gen5, no NVLink), fitted with the model's latency on 1-64 MiB messages over 2, 4 and 8 GPUs; NCCL 2.29.2's on the same
 * servers fits 0.43 (what vLLM runs there on more than two GPUs: "Custom allreduce is disabled because it's not supported on
 * more than two PCIe-only GPUs", vllm-project/vllm vllm/distributed/device_communicators/custom_all_reduce.py). The other
 * PCIe parts have no such table and take it as theirs.
 */
const PCIE_ALLREDUCE_EFFICIENCY = 0.42;
const PCIE_ALLREDUCE_SOURCE = `${AICONFIGURATOR_ALLREDUCE}, system rtx_pro_6000_server (NCCL 2.29.2's comm/nccl table agrees)`;

/** Per GKE accelerator label. */
export const ACCELERATOR_PERFORMANCE: Readonly<Record<string, AcceleratorPerformance>> = {
  'nvidia-tesla-t4': {
    interconnectGBps: 15.75,
    fallbackDenseTflops: 65,
    interconnectEfficiency: PCIE_ALLREDUCE_EFFICIENCY,
    source: `${ACCELERATORS_CSV} (PCIe Gen3 x16: 15.75 GB/s per direction by the PCIe specification); `
      + 'accelerators.csv notes: no bf16, about 65 TFLOPS fp16 (NVIDIA T4 datasheet, unverified); vLLM serves bf16 models in fp16 there; '
      + `all-reduce share: ${PCIE_ALLREDUCE_SOURCE}`,
  },
  'nvidia-l4': {
    interconnectGBps: 32,
    interconnectEfficiency: PCIE_ALLREDUCE_EFFICIENCY,
    source: `${ACCELERATORS_CSV} (PCIe Gen4 x16, 32 GB/s per direction); all-reduce share: ${PCIE_ALLREDUCE_SOURCE}`,
  },
  'nvidia-tesla-a100': { interconnectGBps: 300, source: `${ACCELERATORS_CSV} (NVLink3 600 GB/s bidirectional, 300 per direction)` },
  'nvidia-a100-80gb': { interconnectGBps: 300, source: `${ACCELERATORS_CSV} (NVLink3 300 GB/s per direction)` },
  'nvidia-h100-80gb': { interconnectGBps: 450, source: `${ACCELERATORS_CSV} (NVLink4 450 GB/s per direction)` },
  'nvidia-h100-mega-80gb': { interconnectGBps: 450, source: `${ACCELERATORS_CSV} (NVLink4, as nvidia-h100-80gb)` },
  'nvidia-h200-141gb': { interconnectGBps: 450, source: `${ACCELERATORS_CSV} (NVLink4 450 GB/s per direction)` },
  'nvidia-b200': { interconnectGBps: 900, source: `${ACCELERATORS_CSV} (NVLink5 900 GB/s per direction)` },
  'nvidia-gb200': { interconnectGBps: 900, source: `${ACCELERATORS_CSV} (NVLink5 900 GB/s per direction)` },
  'nvidia-rtx-pro-6000': {
    interconnectGBps: 64,
    interconnectEfficiency: PCIE_ALLREDUCE_EFFICIENCY,
    source: `${ACCELERATORS_CSV} (PCIe Gen5 x16, 64 GB/s per direction; no NVLink); all-reduce share: ${PCIE_ALLREDUCE_SOURCE}`,
  },
  // TPU chips: ICI bandwidth per chip, halved to a per-direction figure as for NVLink (our reading of the published totals)
  'tpu-v5-lite-podslice': {
    interconnectGBps: 200,
    source: 'docs.cloud.google.com/tpu/docs/v5e ("Bidirectional inter-chip interconnect (ICI) bandwidth (per chip) | 400 GBps", the basis of the v6e '
      + 'and v5p rows), 200 per direction',
  },
  'tpu-v5p-slice': { interconnectGBps: 600, source: `${ACCELERATORS_CSV} (ICI 1200 GB/s bidirectional per chip, 600 per direction)` },
  'tpu-v6e-slice': { interconnectGBps: 400, source: `${ACCELERATORS_CSV} (ICI 800 GB/s bidirectional per chip, 400 per direction)` },
  'tpu7x': { interconnectGBps: 600, source: `${ACCELERATORS_CSV} (ICI 1200 GB/s bidirectional per chip, 600 per direction)` },
};

/** Fallback for a GPU without an entry: PCIe Gen4 x16. */
export const DEFAULT_ACCELERATOR_PERFORMANCE: AcceleratorPerformance = {
  interconnectGBps: 32,
  interconnectEfficiency: PCIE_ALLREDUCE_EFFICIENCY,
  source: `our fallback for a GPU without an entry: PCIe Gen4 x16 (32 GB/s per direction); all-reduce share: ${PCIE_ALLREDUCE_SOURCE}`,
};
