/**
 * Record types of the embedded catalog. Every record carries where its figures come from
 * (`source`) and how far to trust them (`trust`, the scale of the reference data: A official,
 * A- measured by an academic tool, B tool data from official sources, C secondary, D derived).
 *
 * These are internal data shapes; the public API exposes what the resolver decides, not them.
 */

/** Where a figure comes from. */
export interface Provenance {
  /** Citation: repository at commit and path, or documentation URL. */
  readonly source: string;
  /** Trust grade of the source (A, A-, B, B-, C, D, or compound such as 'B (architecture); A (gating)'). */
  readonly trust: string;
}

/** Whether a Hugging Face repository needs a token. */
export type GatingState = 'gated' | 'not-gated' | 'unverified';

export interface ModelRecord extends Provenance {
  /** Hugging Face id, `owner/name`. */
  readonly id: string;
  readonly inGiqModelList: boolean;
  readonly paramsTotalB: number;
  readonly paramsActiveB: number;
  readonly layers: number;
  readonly hiddenSize: number;
  readonly attentionHeads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  /** MoE experts; undefined for dense models. */
  readonly experts?: number;
  readonly expertsPerToken?: number;
  readonly vocabSize: number;
  /** Native context length in tokens; undefined when the reference did not record it. */
  readonly maxContext?: number;
  /** Size of the weights in bf16, GB (1e9 bytes). Hypothetical for checkpoints that ship quantized. */
  readonly bf16WeightsGb: number;
  /** Size of the weights in the format the checkpoint ships in (what is loaded into accelerator memory), GB. */
  readonly checkpointWeightsGb: number;
  /** Where `checkpointWeightsGb` comes from when it differs from the bf16 size. */
  readonly checkpointWeightsNote: string;
  /** KV cache per token in bf16, KiB, assuming full attention on every layer. */
  readonly kvCacheKibPerTokenBf16: number;
  readonly attentionPattern: string;
  readonly gating: GatingState;
  /** The reference's gating text, verbatim. */
  readonly gatingNote: string;
  readonly license: string;
  readonly hubWeightFormat: string;
  readonly notes: string;
  /** Fields that rest only on a model card. */
  readonly unverifiedFields: string;
  /** Sliding-window attention: the window, tokens; undefined when every layer attends to the whole context. */
  readonly slidingWindowTokens?: number;
  /** How many of the layers use the sliding window (the others attend to the whole context). */
  readonly slidingWindowLayers?: number;
  /** The first vLLM release that serves the architecture; undefined when every release in the catalog does. */
  readonly minModelServerRelease?: string;
  /**
   * Multi-head latent attention (DeepSeek V2/V3/R1): the rank of the compressed KV latent (`kv_lora_rank`).
   * The KV cache then stores one latent of `kvLoraRank + qkRopeHeadDim` elements per token and layer, not per-head K and V.
   */
  readonly kvLoraRank?: number;
  /** Multi-head latent attention: the decoupled rope key dimension stored next to the latent (`qk_rope_head_dim`). */
  readonly qkRopeHeadDim?: number;
  /** MoE: experts every token uses besides the routed ones (`n_shared_experts`, Llama 4's shared expert); 0 or undefined when none. */
  readonly sharedExperts?: number;
  /** MoE: the leading layers that keep a dense MLP (`first_k_dense_replace`); undefined when every layer is MoE (or the model is dense). */
  readonly denseLeadingLayers?: number;
  /** MoE: one layer in this many is MoE, the others dense (Llama 4 `interleave_moe_layer_step`); undefined means every layer. */
  readonly moeLayerStep?: number;
  /** Chunked local attention (Llama 4 `attention_chunk_size`): a token attends only within its chunk of this many tokens. */
  readonly attentionChunkTokens?: number;
  /** How many layers use chunked attention (the others attend to the whole context). */
  readonly chunkedAttentionLayers?: number;
  /**
   * How the checkpoint stores its weights: `bf16`, `fp8` (FP8 E4M3 per tensor or channel on every linear layer), `fp8-block`
   * (FP8 E4M3 with 128x128 block scales on every linear layer), `fp8-experts` (FP8 routed experts, the rest bf16), `mxfp4-experts`.
   * Undefined: as `hubWeightFormat` says (bf16 for most).
   */
  readonly checkpointFormat?: CheckpointFormat;
  /**
   * Whether the output projection (lm_head) shares the input embedding's table (`tie_word_embeddings` in config.json). A tied
   * table is streamed and multiplied once per step as the output projection; an untied input table is only gathered from.
   * Undefined: untied, as most models above 3 B ship.
   */
  readonly tiedEmbeddings?: boolean;
}

/** The weight formats catalog checkpoints ship in (see `ModelRecord.checkpointFormat`). */
export type CheckpointFormat = 'bf16' | 'fp8' | 'fp8-block' | 'fp8-experts' | 'mxfp4-experts' | 'mxfp4' | 'nvfp4' | 'int8' | 'int4-awq' | 'int4-gptq';

export type AcceleratorFamily = 'gpu' | 'tpu';

export interface AcceleratorRecord extends Provenance {
  /** GKE node label value, e.g. `nvidia-l4`, `tpu-v6e-slice`. */
  readonly gkeLabel: string;
  /** Node label key, `cloud.google.com/gke-accelerator` or `cloud.google.com/gke-tpu-accelerator`. */
  readonly labelKey: string;
  readonly family: AcceleratorFamily;
  readonly product: string;
  /** Memory per accelerator (chip), GB (1e9 bytes). */
  readonly memoryGb: number;
  /** Memory per chip the runtime reports usable, GB, where a primary source gives it (data/runtime-memory.ts); the budget uses it. */
  readonly runtimeMemoryGb?: number;
  readonly runtimeMemorySource?: string;
  readonly memoryType: string;
  /** Memory bandwidth per accelerator, GB/s. */
  readonly memoryBandwidthGBps: number;
  /** Dense throughputs; undefined where unknown, null where the hardware does not support the type (`n/a`). */
  readonly bf16DenseTflops?: number | null;
  readonly fp8DenseTflops?: number | null;
  readonly fp4DenseTflops?: number | null;
  readonly int8DenseTops?: number | null;
  readonly interconnect: string;
  readonly tdpW?: number;
  readonly listedUsCentral1: boolean;
  readonly listedUsEast5: boolean;
  readonly notes: string;
}

export interface MachineTypeRecord extends Provenance {
  /** Compute Engine machine type, e.g. `a3-highgpu-1g`. */
  readonly name: string;
  /** GKE accelerator label of the accelerators it carries. */
  readonly accelerator: string;
  /**
   * Accelerators per VM. Undefined for N1 machines, to which 1, 2 or 4 T4s are attached
   * (see `attachableAcceleratorCounts`).
   */
  readonly acceleratorsPerVm?: number;
  /** For machine families with attached GPUs (N1 + T4): the counts that can be attached. */
  readonly attachableAcceleratorCounts?: readonly number[];
  readonly vcpu: number;
  readonly ramGb: number;
  readonly notes: string;
}

export type PriceScope = 'whole-vm' | 'gpu-only' | 'host-only';
export type PricingModelName = 'on-demand' | 'spot' | '1-year-cud' | '3-years-cud';

export interface PriceRecord extends Provenance {
  /** Machine type; undefined for GPU-only rows that name no machine (T4). */
  readonly machineType?: string;
  readonly accelerator: string;
  readonly acceleratorCount: number;
  readonly region: string;
  readonly pricingModel: PricingModelName;
  readonly usdPerHour: number;
  readonly usdPerAcceleratorHour?: number;
  /** What the price covers: the whole VM, only its GPUs, or only the host. */
  readonly scope: PriceScope;
  /** Snapshot date of the source (YYYY-MM-DD); undefined when the source is undated. */
  readonly snapshotDate?: string;
  readonly notes: string;
}

export interface MeasuredPointRecord extends Provenance {
  readonly model: string;
  readonly modelServer: string;
  readonly modelServerVersion: string;
  readonly accelerator: string;
  readonly acceleratorCount: number;
  /** Machine type as published; undefined when the source does not state it. */
  readonly instanceType?: string;
  readonly outputTokensPerSecond: number;
  readonly ntpotMilliseconds: number;
  readonly ttftMilliseconds?: number;
  /** Input tokens per second, when the source publishes it (imported benchmarks). */
  readonly inputTokensPerSecond?: number;
  /**
   * The workload the point was measured on, when it is not ShareGPT as GKE Inference Quickstart benchmarks it (an imported run
   * on longer prompts or outputs): the point is served as measured only for requests of that workload (within 5%), and calibrates
   * the estimator on it.
   * @default the catalog's measured workload (ShareGPT)
   */
  readonly workload?: MeasuredWorkload;
  /** GIQ's published costs, at GIQ's prices of the day (kept as published facts, never used to tune our prices). */
  readonly publishedUsdPerMillionInputTokens?: number;
  readonly publishedUsdPerMillionOutputTokens?: number;
  readonly publishedPricingModel?: PricingModelName;
  /** The query that returned the point, e.g. `profiles fetch without latency target`. */
  readonly query: string;
  readonly notes: string;
}

/** The mean lengths of the requests of a benchmark run. */
export interface MeasuredWorkload {
  /** The use case or a description of the lengths, e.g. `Deep Research` or `20000/2000 tokens`. */
  readonly name: string;
  readonly meanInputTokens: number;
  readonly meanOutputTokens: number;
  /**
   * A ShareGPT run whose means differ from GIQ's (another tokenizer or filter): served as measured for the ShareGPT workload too,
   * and evaluated on its own lengths.
   * @default false
   */
  readonly shareGpt?: boolean;
}

export interface UseCaseRecord extends Provenance {
  readonly name: string;
  readonly averageInputTokens?: number;
  readonly averageOutputTokens?: number;
  readonly exact: boolean;
  readonly listedInGcloudHelp: boolean;
  readonly notes: string;
}

export interface TokenDistributionRecord {
  readonly direction: 'input' | 'output';
  readonly statistic: 'min' | 'median' | 'mean' | 'p90' | 'p99' | 'max';
  readonly tokens: number;
  readonly notes: string;
  readonly source: string;
}

/** How a TPU slice relates to one VM: part of a host, exactly one host, or several hosts. */
export type TpuTopologyScope = 'sub-host' | 'single-host' | 'multi-host';

/** A TPU slice shape GKE can provision: its topology, chips, VM type and node count. */
export interface TpuTopologyRecord extends Provenance {
  /** TPU generation as Cloud TPU names it, e.g. `v5e`, `v6e`, `tpu7x`. */
  readonly tpu: string;
  /** GKE node label value (`cloud.google.com/gke-tpu-accelerator`), e.g. `tpu-v6e-slice`. */
  readonly accelerator: string;
  /** `cloud.google.com/gke-tpu-topology` value, e.g. `2x4`, `2x2x1`. */
  readonly topology: string;
  /** Chips in the slice. */
  readonly chips: number;
  /** The slice in 8-chip Cloud TPU hosts (v5e, v6e); undefined where the reference does not state it. */
  readonly cloudTpuHosts8Chip?: number;
  /** Compute Engine machine type of each node of the slice. */
  readonly machineType: string;
  /** Chips per VM (the `google.com/tpu` request of each pod). */
  readonly chipsPerVm: number;
  /** GKE nodes in the slice (chips / chips per VM). */
  readonly gkeNodes: number;
  readonly scope: TpuTopologyScope;
  readonly notes: string;
}

/** The hourly price of one TPU chip per region and pricing model (Cloud TPU prices are per chip-hour). */
export interface TpuChipPriceRecord extends Provenance {
  readonly tpu: string;
  /** GKE node label value of the TPU. */
  readonly accelerator: string;
  readonly region: string;
  readonly pricingModel: PricingModelName;
  readonly usdPerChipHour: number;
  /** How the per-chip price was derived from the source's slice price. */
  readonly derivation: string;
  /** Snapshot date of the source (YYYY-MM-DD); undefined when the source is undated. */
  readonly snapshotDate?: string;
  readonly notes: string;
}

/** LoRA adapter slots a server preallocates (vLLM `--max-loras` of `--max-lora-rank`): the catalog's LoRA view is keyed by them. */
export interface LoraSlots {
  readonly maxLoras: number;
  readonly maxLoraRank: number;
  /**
   * Host memory of the adapters one tensor-parallel worker keeps in vLLM's CPU cache (`--max-cpu-loras` entries), bytes: each
   * worker loads every adapter whole, in the model's dtype, into pinned host memory.
   * @default 0
   */
  readonly hostBytesPerWorker?: number;
  /**
   * Upper bound of what a pod downloads from the Hugging Face Hub for its adapters, bytes (fp32 weights on every linear module).
   * @default 0
   */
  readonly downloadBytes?: number;
}
