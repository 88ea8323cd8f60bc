import { ModelRecord, Provenance } from './types';
import { imageRepository } from '../util/references';

/**
 * A model server version we know how to run: its image, the flags that changed between
 * versions, and the metric names it exports. Hand-written from the cited sources.
 */
export interface ModelServerVersionRecord extends Provenance {
  /** The version label as GKE Inference Quickstart names it (`v0.7.2`, `gptoss`). */
  readonly version: string;
  /**
   * The vLLM release the label corresponds to, for version comparisons. For labels that are
   * not releases (`gptoss`) this is the release the build was cut from.
   */
  readonly baseRelease: string;
  /** Pinned image. */
  readonly image: string;
  /**
   * Name of the KV-cache utilisation gauge (vLLM renamed it in 0.9.2 and removed the old name in 0.12);
   * undefined for servers that export none.
   */
  readonly kvCacheUsageMetric?: string;
  /**
   * Flag that turns off per-request logging, or undefined where logging is already off by default
   * (vLLM >= 0.10.2; `--disable-log-requests` was removed in 0.12).
   */
  readonly disableRequestLogFlag?: string;
  /** Model ids (lower case) a model-specific build is for; undefined for general releases. */
  readonly onlyForModels?: readonly string[];
  /** Model ids (lower case) this build is not known to serve. */
  readonly excludeModels?: readonly string[];
  /**
   * The accelerator family the image runs on: vLLM ships separate GPU (`vllm-openai`) and TPU
   * (`vllm-tpu`) images. Undefined means GPUs.
   */
  readonly acceleratorFamily?: 'gpu' | 'tpu';
  /**
   * Accelerator labels the image is known to run on, where its family has generations it does not serve (vLLM TPU v0.11.1
   * serves v5e and v6e, not v5p or TPU7x). Undefined means every accelerator of its family.
   */
  readonly onlyForAccelerators?: readonly string[];
  /**
   * CPU architectures the image is published for: Arm machines (A4X, whose GB200 GPUs sit beside Grace CPUs) need
   * `arm64`. Undefined means `amd64` only.
   */
  readonly imageArchitectures?: readonly ('amd64' | 'arm64')[];
  /**
   * Image of the HTTP front end that runs next to the engine, for servers split in two containers
   * (JetStream: `jetstream-http` in front of the MaxText engine's gRPC port); undefined for one-container servers.
   */
  readonly httpFrontEndImage?: string;
  /**
   * The MaxText `model_name` values the engine image accepts (MaxText's `pyconfig.validate_model_name` and its
   * `configs/models/` at the revision the image is built from), for a JetStream image whose MaxText predates some of
   * `MAXTEXT_MODELS`: another model needs an engine image of the user's own (`image`). Undefined: every one of them.
   */
  readonly maxTextModelNames?: readonly string[];
  /** The MaxText revision the engine image is built from, said when a model needs a newer one. */
  readonly maxTextRevision?: string;
  /**
   * The build serves multi-host TPU slices only (JetStream with Pathways): the resolver uses it when no
   * single-host slice holds the model, and never estimates it on a single host.
   * @default false
   */
  readonly multiHostOnly?: boolean;
  /** Image of the Pathways IFRT proxy server (multi-host builds). */
  readonly pathwaysProxyImage?: string;
  /** Image of the Pathways resource manager and workers (multi-host builds). */
  readonly pathwaysServerImage?: string;
  readonly notes: string;
}

export interface ModelServerRecord extends Provenance {
  /** Lower-case name as GIQ returns it, e.g. `vllm`. */
  readonly name: string;
  /** Value of the `ai.gke.io/inference-server` label GKE samples use. */
  readonly gkeLabel: string;
  /** Container entry point; undefined to keep the image's own. */
  readonly command?: readonly string[];
  readonly port: number;
  /** Gauge of requests waiting for a batch slot (the queue-size signal). */
  readonly queueSizeMetric: string;
  /** Gauge of requests in the running batch (the batch-size signal). */
  readonly batchSizeMetric: string;
  readonly healthPath: string;
  /**
   * Probe the serving port with a TCP connection instead of `GET healthPath`, for servers whose health
   * endpoint is not documented in the sources.
   * @default false
   */
  readonly tcpHealthCheck?: boolean;
  readonly metricsPath: string;
  /**
   * Port of the Prometheus endpoint when it is not the serving port (JetStream's `prometheus_port`).
   * @default - the serving port
   */
  readonly metricsPort?: number;
  /**
   * The batch-size signal is the share of decode slots in use (0..1, JetStream's
   * `jetstream_slots_used_percentage`) rather than a count of running requests.
   * @default false
   */
  readonly batchSizeMetricIsSlotShare?: boolean;
  /**
   * The server allocates the KV cache of every decode slot at the full model length when it starts (JetStream's MaxText engine:
   * maxengine.py `init_decode_state` zero-fills `per_device_batch_size` x chips caches of `max_target_length` tokens), so the
   * model length sets how many requests run at once (`jetstreamDecodeSlots`). A paged KV cache (vLLM, TGI) costs nothing until
   * a request uses it.
   * @default false
   */
  readonly preallocatesDecodeSlots?: boolean;
  /**
   * Whether tensor parallelism may exceed the KV heads, each head then replicated on several ranks (vLLM does). TGI splits
   * the KV heads across its shards and asserts the split (text-generation-inference v3.0.1 `flash_mixtral_modeling.py`
   * `_load_gqa`: `num_key_value_heads // process_group.size()`, and `num_heads // num_key_value_heads` in its attention), so
   * its shard count must divide the KV heads.
   * @default true
   */
  readonly replicatesKvHeads?: boolean;
  /**
   * Whether the KV cache holds only the window of a sliding-window layer (`EstimateInput.windowedKvCache`).
   * @default - vLLM's rule: from its hybrid allocator release on
   */
  readonly windowedKvCache?: boolean;
  /**
   * Whether the server applies a model's sliding window to every layer, global ones included, so that a model with windowed
   * layers (Gemma 2) attends to at most its window: its requests are limited to the window's length.
   * @default false
   */
  readonly windowsEveryLayer?: boolean;
  /**
   * Why the batch-size series' name is not certain for the server's images, when it is not: the HPA's automatic choice then
   * takes the queue (an HPA on a series that does not exist never scales), and an explicit batch-size HPA says what to check.
   * @default - the name is the one the images export
   */
  readonly batchSizeMetricUnverified?: string;
  /**
   * The TPU hardware signal GKE recommends for this server: the `container` label that selects its pods'
   * series of the TPU device-plugin exporter's `memory_used` gauge (HBM bytes per chip).
   * @default - the server has no TPU memory signal
   */
  readonly tpuMemoryMetricContainer?: string;
  /**
   * The engine restores its (converted) checkpoint from Cloud Storage itself, without a Cloud Storage FUSE
   * mount or a host cache (JetStream's `load_parameters_path`).
   * @default false
   */
  readonly readsCheckpointFromBucket?: boolean;
  /** Versions, oldest first. */
  readonly versions: readonly ModelServerVersionRecord[];
}

const VLLM_RENAME =
  'vllm-project/vllm PR #18354 (gpu_cache_usage_perc deprecated in 0.9.2 for kv_cache_usage_perc) and PR #30041 (removed in 0.12)';
/**
 * The GPUs an image built before Blackwell support runs on. Blackwell (B200 and GB200: compute capability 10.0; RTX PRO 6000:
 * 12.0, https://developer.nvidia.com/cuda-gpus) needs PyTorch 2.7 with CUDA 12.8 ("PyTorch 2.7 ... support for NVIDIA's new
 * Blackwell GPU architecture", https://pytorch.org/blog/pytorch-2-7/); earlier wheels list sm_50 to sm_90 and stop with "no kernel
 * image is available". vLLM v0.7.2 pins torch 2.5.1 (requirements-cuda.txt at v0.7.2); TGI 3.0.1 builds on torch 2.4.
 */
const PRE_BLACKWELL_GPUS: readonly string[] = [
  'nvidia-tesla-t4', 'nvidia-l4', 'nvidia-tesla-a100', 'nvidia-a100-80gb', 'nvidia-h100-80gb', 'nvidia-h100-mega-80gb', 'nvidia-h200-141gb',
];

/**
 * vLLM's release pipeline builds an arm64 image beside the amd64 one and publishes both under one multi-arch tag since
 * vllm-project/vllm#23210 (merged 2025-08-21: "adds builds for arm64 images, includes adding a manifest so that you can pull
 * amd64 and arm64 images from the same manifest"); releases before it (and the gptoss build) are amd64 only. Our reading of
 * the pipeline change for the releases after it; the registry's manifests were not read.
 */
const VLLM_MULTI_ARCH = 'vllm-project/vllm#23210 (arm64 images under the release tag from 0.10.2)';
const VLLM_LOG_FLAG =
  'vllm-project/vllm PR #21739 (request logging off by default, --enable-log-requests) and PR #29402 (--disable-log-requests removed for 0.12)';

export const VLLM: ModelServerRecord = {
  name: 'vllm',
  gkeLabel: 'vllm',
  command: ['python3', '-m', 'vllm.entrypoints.openai.api_server'],
  port: 8000,
  queueSizeMetric: 'vllm:num_requests_waiting',
  batchSizeMetric: 'vllm:num_requests_running',
  healthPath: '/health',
  metricsPath: '/metrics',
  source:
    'GKE Inference Quickstart reference section 2.2 (container inference-server, vllm.entrypoints.openai.api_server, port 8000, /health); '
    + 'GoogleCloudPlatform/accelerated-platforms @9320f3b2 online-inference-gpu manifests',
  trust: 'A',
  versions: [
    {
      version: 'v0.7.2',
      baseRelease: '0.7.2',
      image: 'vllm/vllm-openai:v0.7.2',
      kvCacheUsageMetric: 'vllm:gpu_cache_usage_perc',
      disableRequestLogFlag: '--disable-log-requests',
      onlyForAccelerators: PRE_BLACKWELL_GPUS,
      notes: 'the vLLM version of the published 2025 GKE Inference Quickstart profiles',
      source: `GoogleCloudPlatform/kubernetes-engine-samples ai-ml/notebooks/giq_visualizations.ipynb @f2f7d1ae (version); ai-on-gke hf-gcs-transfer tutorial (image); ${VLLM_RENAME}; ${VLLM_LOG_FLAG}`,
      trust: 'A',
    },
    {
      version: 'v0.10.0',
      baseRelease: '0.10.0',
      image: 'vllm/vllm-openai:v0.10.0',
      kvCacheUsageMetric: 'vllm:kv_cache_usage_perc',
      disableRequestLogFlag: '--disable-log-requests',
      notes: 'the image of the GKE vLLM serving tutorials',
      source: `GoogleCloudPlatform/kubernetes-engine-samples ai-ml/llm-serving-gemma/vllm (deployment-shapes.csv); ${VLLM_RENAME}; ${VLLM_LOG_FLAG}`,
      trust: 'A',
    },
    {
      version: 'gptoss',
      baseRelease: '0.10.1',
      image: 'vllm/vllm-openai:gptoss',
      kvCacheUsageMetric: 'vllm:kv_cache_usage_perc',
      disableRequestLogFlag: '--disable-log-requests',
      onlyForModels: ['openai/gpt-oss-20b', 'openai/gpt-oss-120b'],
      notes: 'GIQ labels its gpt-oss profile with the version "gptoss", the tag vLLM published for the gpt-oss launch (built from the 0.10.1 line)',
      source: `GKE Inference Quickstart product documentation (gpt-oss-20b profile, version gptoss); ${VLLM_RENAME}; ${VLLM_LOG_FLAG}`,
      trust: 'B',
    },
    {
      version: 'v0.11.2',
      baseRelease: '0.11.2',
      image: 'vllm/vllm-openai:v0.11.2',
      kvCacheUsageMetric: 'vllm:kv_cache_usage_perc',
      imageArchitectures: ['amd64', 'arm64'],
      notes: 'the image of Google\'s accelerated-platforms manifests "based on the Inference Quickstart recommendations"',
      source: `GoogleCloudPlatform/accelerated-platforms @9320f3b2 online-inference-gpu/vllm; ${VLLM_RENAME}; ${VLLM_LOG_FLAG}; ${VLLM_MULTI_ARCH}`,
      trust: 'A',
    },
    {
      version: 'v0.11.1-tpu',
      baseRelease: '0.11.1',
      image: 'vllm/vllm-tpu:v0.11.1',
      kvCacheUsageMetric: 'vllm:kv_cache_usage_perc',
      acceleratorFamily: 'tpu',
      // "vLLM supports TPU v6e and v5e" (vllm-project/tpu-inference docs/getting_started/quickstart.md at v0.11.1); v5p is experimental
      // and TPU7x came in 2026 with its own build (tpu-inference v0.18.0), where each chip is two JAX devices
      onlyForAccelerators: ['tpu-v5-lite-podslice', 'tpu-v6e-slice'],
      // MXFP4 MoE checkpoints (gpt-oss) are not known to run on this TPU build
      excludeModels: ['openai/gpt-oss-20b', 'openai/gpt-oss-120b'],
      notes: 'vLLM for Cloud TPU, served single-host by this library (multi-host slices: JetStream with Pathways; GKE\'s multi-host vLLM tutorial runs it under KubeRay); the only pinned vllm-tpu tag '
        + 'in Google\'s manifests (the GKE tutorial uses :latest, GIQ\'s TPU versions are nightly tags). The GKE TPU sample sets VLLM_USE_V1=1, '
        + '--max-num-batched-tokens=512 and --max-num-seqs=128',
      source: 'GoogleCloudPlatform/accelerated-platforms @9320f3b2 online-inference-tpu/vllm (docker.io/vllm/vllm-tpu:v0.11.1); '
        + `GKE TPU vLLM tutorial (gke-inference-quickstart.md section 2.7); ${VLLM_RENAME}; ${VLLM_LOG_FLAG}`,
      trust: 'A',
    },
    {
      version: 'v0.12.0',
      baseRelease: '0.12.0',
      image: 'vllm/vllm-openai:v0.12.0',
      kvCacheUsageMetric: 'vllm:kv_cache_usage_perc',
      imageArchitectures: ['amd64', 'arm64'],
      notes: 'first release without vllm:gpu_cache_usage_perc and without --disable-log-requests',
      source: `Docker Hub vllm/vllm-openai:v0.12.0; ${VLLM_RENAME}; ${VLLM_LOG_FLAG}; ${VLLM_MULTI_ARCH}`,
      trust: 'B',
    },
  ],
};

/** Whether a version serves a model: general releases serve every model, model-specific builds only theirs. */
export function versionServesModel(version: ModelServerVersionRecord, modelId: string): boolean {
  const id = modelId.toLowerCase();
  return (version.onlyForModels === undefined || version.onlyForModels.includes(id)) && !(version.excludeModels ?? []).includes(id);
}

/** Whether a version's image is published for a CPU architecture (amd64 only unless the record says otherwise). */
export function versionRunsOnArchitecture(version: ModelServerVersionRecord, architecture: 'amd64' | 'arm64'): boolean {
  return (version.imageArchitectures ?? ['amd64']).includes(architecture);
}

/** Whether a version's image runs on an accelerator (every one of its family unless `onlyForAccelerators` says otherwise). */
export function versionServesAccelerator(
  version: ModelServerVersionRecord, accelerator: { readonly gkeLabel: string; readonly family: 'gpu' | 'tpu' },
): boolean {
  const only = version.onlyForAccelerators;
  return versionServesFamily(version, accelerator.family) && (only === undefined || only.includes(accelerator.gkeLabel));
}

/** Whether a version's image runs on an accelerator family (GPU images are the default). */
export function versionServesFamily(version: ModelServerVersionRecord, family: 'gpu' | 'tpu'): boolean {
  return (version.acceleratorFamily ?? 'gpu') === family;
}

/**
 * Hugging Face Text Generation Inference. GKE's TGI samples configure it through environment
 * variables and autoscale on `tgi_queue_size` or `tgi_batch_current_size`; it exports no KV-cache gauge.
 */
export const TGI: ModelServerRecord = {
  name: 'tgi',
  gkeLabel: 'text-generation-inference',
  port: 8000,
  healthPath: '/health',
  metricsPath: '/metrics',
  queueSizeMetric: 'tgi_queue_size',
  batchSizeMetric: 'tgi_batch_current_size',
  replicatesKvHeads: false,
  // one window for the whole model, the full context on every layer (v3.0.1 flash_causal_lm.py set_sliding_window; per-layer
  // windows came with #3112 in v3.2.1)
  windowedKvCache: false,
  // and that one window on every layer: the prefill stores only a prompt's last `sliding_window` tokens
  // (flash_causal_lm.py `prefill_cache_indices`: input_length - sliding_window onwards) and the decode passes the window to
  // flashinfer for all layers (`window_left=self.sliding_window`); flash_gemma2_modeling.py's decode passes no per-layer window.
  // Fixed in v3.2.1 ("Bug Fix: Sliding Window Attention (#3112)", a35fbdb9)
  windowsEveryLayer: true,
  source: 'GKE Inference Quickstart reference section 2.6 (GKE TGI manifests: env MODEL_ID, NUM_SHARD, MAX_INPUT_LENGTH, MAX_TOTAL_TOKENS, '
    + 'hf-secret; label text-generation-inference; HPA on tgi_queue_size / tgi_batch_current_size) and GKE autoscaling best practices (S22, S24)',
  trust: 'A',
  versions: [
    {
      version: '3.0.1',
      baseRelease: '3.0.1',
      image: 'ghcr.io/huggingface/text-generation-inference:3.0.1',
      // built on CUDA 12.4 and PyTorch 2.4 with its custom kernels for compute capabilities 8.0, 8.6 and 9.0 (the v3.0.1 Dockerfile:
      // nvidia/cuda:12.4.1, PYTORCH_VERSION=2.4.0, TORCH_CUDA_ARCH_LIST="8.0;8.6;9.0+PTX"): no Blackwell, see PRE_BLACKWELL_GPUS. T4
      // (7.5) runs without them, on TGI's paged-attention fallback ("TGI optimized models are supported on NVIDIA H100, A100, A10G
      // and T4", docs/source/installation_nvidia.md at v3.0.1)
      onlyForAccelerators: PRE_BLACKWELL_GPUS,
      // architectures TGI 3.0.1 (December 2024) serves: Llama, Gemma 2, Mistral, Mixtral, Qwen2; later families are not supported
      onlyForModels: [
        'meta-llama/llama-3.1-8b-instruct', 'meta-llama/meta-llama-3-8b', 'meta-llama/llama-3.3-70b-instruct', 'meta-llama/llama-3.2-1b-instruct',
        'google/gemma-2-2b-it', 'google/gemma-2-9b-it', 'google/gemma-2-27b-it',
        'mistralai/mistral-7b-instruct-v0.3', 'mistralai/mixtral-8x7b-instruct-v0.1', 'mistralai/mixtral-8x22b-instruct-v0.1',
        'qwen/qwen2.5-7b-instruct', 'deepseek-ai/deepseek-r1-distill-qwen-7b',
      ],
      notes: 'TGI 3.x: MAX_INPUT_TOKENS and MAX_TOTAL_TOKENS, PORT, NUM_SHARD; /health and /metrics on the serving port',
      source: 'huggingface/text-generation-inference releases (image ghcr.io/huggingface/text-generation-inference:3.0.1); launcher environment variables',
      trust: 'B',
    },
  ],
};

/** How MaxText names a catalog model: its `model_name` config and the tokenizer asset shipped in the maxengine-server image. */
export interface MaxTextModel {
  readonly modelName: string;
  readonly tokenizerPath: string;
  /**
   * MaxText config the engine starts from on a multi-host slice (Pathways): a model-specific inference config
   * where Google's tutorial names one (its sharding rules), else MaxText's base config.
   * @default 'MaxText/configs/base.yml'
   */
  readonly pathwaysConfig?: string;
}

/**
 * Catalog models JetStream's MaxText engine serves, by lower-case Hugging Face id. Google's JetStream
 * samples use the `gemma-7b`, `llama2-7b` and `llama2-13b` configs (none of them in this catalog);
 * these are the catalog's Llama 3 / 3.1 and Gemma 2 models, whose MaxText configs (`MaxText/configs/models/`)
 * and tokenizer assets (`assets/tokenizer_llama3.tiktoken`, `assets/tokenizer.gemma`) exist in
 * AI-Hypercomputer/maxtext (llama3-8b 2024-06-20, gemma2-9b 2024-08-02, gemma2-2b/27b 2024-08-09, llama3.1-* 2024-10-09:
 * `git log --diff-filter=A` of each config). The single-host engine image Google publishes, maxengine-server:v0.2.2, is
 * built from MaxText jetstream-v0.2.2 (2024-06-05), which has none of them (its `maxTextModelNames`): on one host these
 * models need an engine image built from a later MaxText, given as `image`. Llama 3.2/3.3 and Gemma 3 are left out.
 */
export const MAXTEXT_MODELS: { readonly [modelId: string]: MaxTextModel } = {
  'meta-llama/meta-llama-3-8b': { modelName: 'llama3-8b', tokenizerPath: 'assets/tokenizer_llama3.tiktoken' },
  'meta-llama/llama-3.1-8b-instruct': { modelName: 'llama3.1-8b', tokenizerPath: 'assets/tokenizer_llama3.tiktoken' },
  'meta-llama/llama-3.1-70b-instruct': { modelName: 'llama3.1-70b', tokenizerPath: 'assets/tokenizer_llama3.tiktoken' },
  'google/gemma-2-2b-it': { modelName: 'gemma2-2b', tokenizerPath: 'assets/tokenizer.gemma' },
  'google/gemma-2-9b-it': { modelName: 'gemma2-9b', tokenizerPath: 'assets/tokenizer.gemma' },
  'google/gemma-2-27b-it': { modelName: 'gemma2-27b', tokenizerPath: 'assets/tokenizer.gemma' },
  // model_name as GKE's multi-host JetStream Pathways tutorial passes it
  'meta-llama/llama-3.1-405b-instruct': {
    modelName: 'llama3.1-405b',
    tokenizerPath: 'assets/tokenizer_llama3.tiktoken',
    pathwaysConfig: 'MaxText/configs/v5e/inference/llama3_405b_v5e-64.yml',
  },
};

/** Where GKE's multi-host JetStream tutorial is documented from. */
export const PATHWAYS_SOURCE = 'GKE tutorial "Serve LLMs using multi-host TPUs on GKE with JetStream and Pathways" '
  + '(docs.cloud.google.com/kubernetes-engine/docs/tutorials/serve-multihost-tpu-jetstream, last updated 2026-04-10): LeaderWorkerSet '
  + 'jetstream-pathways with the exclusive-topology annotation, leader containers pathways-proxy, pathways-rm, jax-tpu and jetstream-http, '
  + 'workers on the Pathways server image with google.com/tpu 4';

/** Ports of the Pathways components (any free ports work if every component agrees; these are the tutorial's). */
export const PATHWAYS_PORTS = {
  resourceManager: 38677,
  worker: 38679,
  proxy: 38681,
} as const;

/**
 * TPU types on which this library plans multi-host JetStream with Pathways, with the Pathways instance-type
 * prefix (`--instance_type=<prefix>:<topology>`). Only v6e: the shape GKE's tutorial documents.
 */
export const PATHWAYS_INSTANCE_TYPES: { readonly [acceleratorType: string]: string } = {
  'tpu-v6e-slice': 'tpuv6e',
};

/** Port of the MaxText engine's gRPC server (JetStream), which jetstream-http forwards to. */
export const JETSTREAM_GRPC_PORT = 9000;

/** Name of JetStream's HTTP front-end container, on one host and under Pathways (the TPU memory selector names it). */
export const JETSTREAM_HTTP_CONTAINER = 'jetstream-http';

/**
 * JetStream with the MaxText engine on a single-host TPU slice: the `maxengine-server` container
 * (gRPC on 9000, Prometheus metrics on `prometheus_port`) and the `jetstream-http` front end on 8000.
 * It loads a converted, unscanned MaxText checkpoint from Cloud Storage (`load_parameters_path`).
 * Multi-host JetStream needs Pathways, which this library does not generate.
 */
export const JETSTREAM: ModelServerRecord = {
  name: 'jetstream',
  gkeLabel: 'jetstream',
  port: 8000,
  // the reference names no health endpoint for jetstream-http (only jetstream-pytorch's /healthcheck): TCP on 8000
  healthPath: '/',
  tcpHealthCheck: true,
  metricsPath: '/',
  metricsPort: 9100,
  queueSizeMetric: 'jetstream_prefill_backlog_size',
  batchSizeMetric: 'jetstream_slots_used_percentage',
  batchSizeMetricIsSlotShare: true,
  preallocatesDecodeSlots: true,
  // AI-Hypercomputer/JetStream CHANGELOG, v0.3 (2024-12-18): "Change `jetstream_slots_available_percentage` to
  // `jetstream_slots_used_percentage`" (PR #102), after v0.2.2, whose jetstream/core/metrics/prometheus.py defines the
  // available share; Google's jetstream-maxtext module (ai-on-gke modules/jetstream-maxtext-deployment/variables.tf) names the
  // used share with the v0.2.2 images. Not checked on an image
  batchSizeMetricUnverified: 'JetStream renamed jetstream_slots_available_percentage to jetstream_slots_used_percentage in v0.3 (JetStream pull '
    + 'request #102), after the v0.2.2 release the catalog\'s images are tagged with, while Google\'s jetstream-maxtext module scales them on the '
    + 'new name; which one the image exports is not verified (curl its metrics port, 9100), and an HPA cannot scale up on the available share, '
    + 'which falls as load rises',
  // GKE's TPU autoscaling guidance names HBM usage as JetStream's hardware signal; Google's module selects the exporter's series
  // with metric.labels.container: jetstream-http (gke-inference-quickstart.md section 2.8, from ai-on-gke @8676d66d)
  tpuMemoryMetricContainer: JETSTREAM_HTTP_CONTAINER,
  readsCheckpointFromBucket: true,
  source: 'GKE Inference Quickstart reference section 2.8 (GoogleCloudPlatform/ai-on-gke modules/jetstream-maxtext-deployment: containers '
    + 'maxengine-server and jetstream-http, ports 9000/8000, prometheus_port 9100, PodMonitoring path /; HPA on jetstream_prefill_backlog_size '
    + 'or jetstream_slots_used_percentage) and section 7.3/7.6 (GKE TPU autoscaling best practices); AI-Hypercomputer/JetStream '
    + 'docs/observability-prometheus-metrics-in-jetstream-server.md (slots_used_percentage is a share, e.g. 0.0417)',
  trust: 'A',
  versions: [
    {
      version: 'v0.2.2',
      baseRelease: '0.2.2',
      image: 'us-docker.pkg.dev/cloud-tpu-images/inference/maxengine-server:v0.2.2',
      httpFrontEndImage: 'us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-http:v0.2.2',
      acceleratorFamily: 'tpu',
      // TPU7x (Ironwood, announced 2025-04) postdates this image: our reading, no source states which TPUs v0.2.2 runs on
      onlyForAccelerators: ['tpu-v5-lite-podslice', 'tpu-v5p-slice', 'tpu-v6e-slice'],
      onlyForModels: Object.keys(MAXTEXT_MODELS),
      // AI-Hypercomputer/maxtext jetstream-v0.2.2 (2a6154f2) MaxText/pyconfig.py validate_model_name and MaxText/configs/models/
      maxTextModelNames: ['default', 'llama2-7b', 'llama2-13b', 'llama2-70b', 'mistral-7b', 'mixtral-8x7b', 'gemma-7b', 'gemma-2b',
        'gpt3-175b', 'gpt3-22b', 'gpt3-6b', 'gpt3-52k'],
      maxTextRevision: 'MaxText jetstream-v0.2.2 (2024-06-05)',
      notes: 'JetStream MaxText engine and HTTP front end as Google\'s module pins them; single-host slices only (multi-host needs Pathways); '
        + 'reads a converted unscanned MaxText checkpoint from Cloud Storage; no KV-cache gauge; the engine\'s MaxText predates the '
        + 'Llama 3 and Gemma 2 configs, so those models need an engine image of your own',
      source: 'GoogleCloudPlatform/ai-on-gke @8676d66d modules/jetstream-maxtext-deployment (variables.tf defaults; gke-inference-quickstart.md section 2.8); '
        + 'ai-on-gke tutorials-and-examples/inference-servers/jetstream/maxtext/maxengine-server/Dockerfile (MAXTEXT_VERSION=jetstream-v0.2.2); '
        + 'AI-Hypercomputer/maxtext jetstream-v0.2.2 MaxText/pyconfig.py validate_model_name',
      trust: 'A',
    },
    {
      version: 'v0.2.0-pathways',
      baseRelease: '0.2.0',
      image: 'us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-pathways:v0.2.0',
      httpFrontEndImage: 'us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-http:v0.2.3',
      pathwaysProxyImage: 'us-docker.pkg.dev/cloud-tpu-v2-images/pathways/proxy_server:jax-0.5.3',
      pathwaysServerImage: 'us-docker.pkg.dev/cloud-tpu-v2-images/pathways/server:jax-0.5.3',
      acceleratorFamily: 'tpu',
      // the TPU types whose Pathways machines the catalog knows (Google's tutorial uses v6e)
      onlyForAccelerators: Object.keys(PATHWAYS_INSTANCE_TYPES),
      multiHostOnly: true,
      onlyForModels: Object.keys(MAXTEXT_MODELS),
      notes: 'JetStream MaxText engine as a Pathways single controller (enable_single_controller=true) over a multi-host TPU slice, '
        + 'with the Pathways proxy, resource manager and workers; the Pathways images are allowlisted (Artifact Registry access needed)',
      source: PATHWAYS_SOURCE,
      trust: 'A',
    },
  ],
};

/** Every model server in the catalog, the preferred one first (the default for a model is the first that serves it). */
export const MODEL_SERVERS: readonly ModelServerRecord[] = [VLLM, TGI, JETSTREAM];

/** The server record by name; throws for names outside the catalog (the resolver validates names first). */
export function modelServerByName(name: string): ModelServerRecord {
  const s = MODEL_SERVERS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown model server '${name}'`);
  return s;
}

/**
 * The vLLM version record whose KV-cache gauge an image exports, from a release tag (`vllm/vllm-openai:v0.8.5`, `vllm/vllm-tpu:v0.11.1`,
 * with or without a registry): the newest catalog version at or below the release (the catalog records each rename), the oldest for
 * an older release. Undefined when no container runs a vLLM image with a release tag (`:latest`, a digest, another server).
 */
export function vllmVersionOfImages(images: readonly string[]): { version: ModelServerVersionRecord; image: string } | undefined {
  const tagged = images.map((image) => ({ image, m: /^(?:[\w.-]+(?::\d+)?\/)*vllm\/vllm-(?:openai|tpu):v?(\d+\.\d+(?:\.\d+)?)(?:[-.+]\w*)*$/.exec(image) }))
    .filter((x) => x.m !== null);
  // two vLLM images of different releases in one workload: which one serves is not clear, so none is taken
  const releases = new Set(tagged.map((x) => x.m![1]));
  if (releases.size !== 1) return undefined;
  const release = tagged[0].m![1];
  const general = VLLM.versions.filter((v) => v.onlyForModels === undefined)
    .sort((a, b) => compareReleases(a.baseRelease, b.baseRelease));
  const atOrBelow = general.filter((v) => compareReleases(v.baseRelease, release) <= 0);
  return { version: atOrBelow.length > 0 ? atOrBelow[atOrBelow.length - 1] : general[0], image: tagged[0].image };
}

/**
 * The catalog's model server whose images a workload runs, from the images' repository names: `vllm/vllm-openai` and
 * `vllm/vllm-tpu` (vLLM), `text-generation-inference` (TGI: ghcr.io/huggingface/text-generation-inference, Google's
 * huggingface-text-generation-inference DLC), `maxengine-server`, `jetstream-http` and `jetstream-pathways` (JetStream). Undefined
 * when no image names one, or images name several.
 */
export function modelServerOfImages(images: readonly string[]): ModelServerRecord | undefined {
  const found = new Set<ModelServerRecord>();
  for (const image of images) {
    const repository = imageRepository(image);
    if (/(^|\/)vllm\/vllm-(openai|tpu)$/.test(repository)) found.add(VLLM);
    else if (/text-generation-inference/.test(repository)) found.add(TGI);
    else if (/(^|\/)(maxengine-server|jetstream-http|jetstream-pathways)$/.test(repository)) found.add(JETSTREAM);
  }
  return found.size === 1 ? [...found][0] : undefined;
}

/** Compares two dotted release numbers (`0.10.1` < `0.12.0`). */
export function compareReleases(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Whether a server version is new enough for a model's architecture. `minModelServerRelease` names a vLLM release, so it
 * bounds vLLM's versions only (vLLM's TPU image included); TGI and JetStream list the models they serve (`onlyForModels`).
 */
export function versionReleasedFor(server: ModelServerRecord, version: ModelServerVersionRecord, model: ModelRecord): boolean {
  const wanted = model.minModelServerRelease;
  return server.name !== VLLM.name || wanted === undefined || compareReleases(version.baseRelease, wanted) >= 0;
}
