/**
 * The resolver's public input and output. Field names follow the GKE Inference Quickstart
 * (gkerecommender v1) API so a user can map one to the other.
 */
import { LoraAdapter, ResolvedLora } from './lora-adapter';
import { KvCacheDtype, WeightPrecision } from '../performance/precision';

/** How machine time is paid for; GIQ's `pricing_model` values. */
export enum PricingModel {
  /** Pay as you go. */
  ON_DEMAND = 'on-demand',
  /** Spot VMs (GIQ's default). */
  SPOT = 'spot',
  /** One-year committed-use discount. */
  ONE_YEAR_CUD = '1-year-cud',
  /** Three-year committed-use discount. */
  THREE_YEARS_CUD = '3-years-cud',
}

/**
 * Where a server's nodes come from. It sets the pods' node selectors and tolerations and the price of the
 * cost figures, so that the two always agree.
 */
export enum Capacity {
  /** On-demand VMs, priced on demand (or at a committed-use discount with `pricingModel`). */
  ON_DEMAND = 'on-demand',
  /**
   * Spot VMs, priced as Spot: pods select `cloud.google.com/gke-spot: "true"`, tolerate its taint, and get a
   * termination grace period within the 15 s GKE gives pods after a preemption notice.
   */
  SPOT = 'spot',
  /**
   * A named Compute Engine reservation (`reservationName`): pods select `cloud.google.com/reservation-name` and
   * `cloud.google.com/reservation-affinity: specific`; priced on demand (or at a committed-use discount).
   */
  RESERVATION = 'reservation',
  /**
   * Flex-start VMs (Dynamic Workload Scheduler, at most 7 days each): pods select
   * `cloud.google.com/gke-flex-start: "true"`. Priced at the on-demand rate, an upper bound: the catalog has
   * no flex-start prices.
   */
  FLEX_START = 'flex-start',
}

/**
 * The kind of GKE cluster the manifests are for. Synth-time validation applies GKE Autopilot's
 * admission rules (GKE Warden) only in `AUTOPILOT` mode; the Kubernetes, GKE and best-practice rules
 * apply in both. The resolver plans Autopilot's GPU shapes in `AUTOPILOT` mode.
 */
export enum ClusterMode {
  /**
   * GKE Standard: node pools you manage. GPU type, resource shape and node selection are not
   * policed by Autopilot's admission rules.
   */
  STANDARD = 'standard',
  /**
   * GKE Autopilot: the resolver plans only the GPU quantities per pod Autopilot admits for the type, one pod per GPU
   * node (no packing); validation additionally checks the GPU type against an allow-list, requests == limits for cpu,
   * memory and ephemeral storage, no GPU init containers, no `cloud.google.com/gke-nodepool` selector, no privileged
   * containers and the verified per-GPU resource maxima.
   */
  AUTOPILOT = 'autopilot',
}

/** Whether a profile's numbers were measured or estimated. */
export enum ProfileSource {
  /** Published benchmark measurements. */
  MEASURED = 'measured',
  /** Computed by the performance model, with an uncertainty band. */
  ESTIMATED = 'estimated',
}

/** Where the server reads the model weights from. */
export enum ModelLoadPath {
  /** Downloaded from the Hugging Face Hub at start-up. */
  HUGGING_FACE = 'hugging-face',
  /** Read from a Cloud Storage bucket through the Cloud Storage FUSE CSI driver. */
  CLOUD_STORAGE = 'cloud-storage',
}

/** Where a cache lives on the node. */
export enum CacheMedium {
  /** A memory-backed emptyDir (counts against the pod's memory). */
  MEMORY = 'memory',
  /** Node ephemeral storage on local SSD. */
  LOCAL_SSD = 'local-ssd',
  /** Node ephemeral storage on the boot disk, bounded. */
  BOOT_DISK = 'boot-disk',
}

/** The signal the HPA scales on. */
export enum AutoscalingMetric {
  /** Requests waiting for a batch slot (vLLM `num_requests_waiting`, TGI `tgi_queue_size`): throughput and cost. */
  QUEUE_SIZE = 'queue-size',
  /** Requests in the running batch (vLLM `num_requests_running`, TGI `tgi_batch_current_size`): tighter latency. */
  BATCH_SIZE = 'batch-size',
  /** Share of the KV cache in use (vLLM only). */
  KV_CACHE_UTILIZATION = 'kv-cache-utilization',
  /**
   * GPU duty cycle. Refused (kept for API stability): GKE advises against GPU utilisation, its DCGM series needs a relabelling
   * PodMonitoring and cannot be limited to one server's pods, and it nears 100% at a batch of a few requests, so no target lets
   * the HPA both scale up and track load. Use `BATCH_SIZE` or `QUEUE_SIZE`.
   */
  GPU_DUTY_CYCLE = 'gpu-duty-cycle',
  /**
   * TPU high-bandwidth memory in use, bytes per replica, from GKE's TPU device-plugin exporter (an External metric, JetStream
   * only). The resolver refuses it: MaxText preallocates the KV cache of every decode slot when it starts, so memory in use is
   * flat in load and no target can be derived. `LlmServerAutoscaler` accepts a target you measured above an idle replica's.
   */
  TPU_MEMORY_USED = 'tpu-memory-used',
}

/** What to resolve: mirrors `gcloud container ai profiles manifests create`. */
export interface ResolveRequest {
  /** Hugging Face model id, `owner/name`, e.g. `google/gemma-2-27b-it`. */
  readonly model: string;
  /**
   * Model server, lower case: `vllm`, `tgi` or `jetstream` (`model-and-server-combinations list` shows which serve a model).
   * @default 'vllm'
   */
  readonly modelServer?: string;
  /**
   * Model server version label, e.g. `v0.7.2`.
   * @default - per accelerator, the version of a measured profile where one exists, else the newest version's estimate
   */
  readonly modelServerVersion?: string;
  /**
   * GKE accelerator label, e.g. `nvidia-l4`, `nvidia-h100-80gb`, or a TPU such as `tpu-v6e-slice`
   * (vLLM on TPU is single-host: the smallest single-host slice that fits is chosen). On a GPU type none of
   * whose machines holds the model, a multi-host replica is planned (see `Resolution.nodes`).
   * @default - the cheapest GPU per million output tokens that meets the targets (TPUs, whose estimates are uncalibrated, only when
   * listed in `allowedAcceleratorTypes`)
   */
  readonly acceleratorType?: string;
  /**
   * Target normalized time per output token (request latency / output tokens, P50), ms.
   * @default - no target: the profile's inflection point
   */
  readonly targetNtpotMilliseconds?: number;
  /**
   * Target time to first token (P50), ms.
   * @default - no target
   */
  readonly targetTtftMilliseconds?: number;
  /**
   * Pricing model for cost figures.
   * @default PricingModel.SPOT
   */
  readonly pricingModel?: PricingModel;
  /**
   * Where the nodes come from: on-demand, Spot, a named reservation or flex-start. It sets the pods' node
   * selectors and the price of the cost figures. Spot capacity needs `pricingModel` Spot (or unset); the
   * others need a non-Spot `pricingModel` (committed-use discounts apply to on-demand and reserved capacity).
   * @default - Capacity.SPOT, or Capacity.ON_DEMAND when `pricingModel` is not Spot
   */
  readonly capacity?: Capacity;
  /**
   * The kind of cluster: on GKE Autopilot only the GPU quantities per pod Autopilot admits for the type are planned
   * (8 x H200, B200 or H100 Mega; 1, 2, 4 or 8 x H100, L4, ...), one pod per GPU node (Autopilot places one GPU pod per node
   * without a `cloud.google.com/gke-accelerator-count` selector, so several replicas are not packed on one machine).
   * `OptimizedLlmServer` also applies GKE Autopilot's admission rules at synth time (allowed GPU types and quantities,
   * requests == limits, no GPU init containers, no node-pool selector, no privileged containers, verified per-GPU maxima);
   * the Kubernetes, GKE and best-practice rules apply in both modes.
   * @default ClusterMode.STANDARD
   */
  readonly clusterMode?: ClusterMode;
  /**
   * GKE version of the cluster. On Autopilot, GPU shapes Autopilot runs only from a later version are not planned (H200 from
   * 1.31.4-gke.1183000, H100's 1, 2 and 4 GPU shapes from 1.31.4-gke.1072000, RTX PRO 6000 from 1.34.1-gke.1829001); the
   * server also leaves out Cloud Storage FUSE options that need a newer GKE, with a note in `deploymentNotes`.
   * @default '1.33' (read as the oldest 1.33 build)
   */
  readonly gkeVersion?: string;
  /**
   * The Compute Engine reservation the nodes consume; only with `capacity` Capacity.RESERVATION.
   * @default - none (required with Capacity.RESERVATION)
   */
  readonly reservationName?: string;
  /**
   * How many times an output token costs an input token, in GIQ's cost formula.
   * @default 4
   */
  readonly outputInputCostRatio?: number;
  /**
   * Region whose prices are used.
   * @default 'us-central1'
   */
  readonly region?: string;
  /**
   * Longest context (prompt + output) the server accepts, tokens. JetStream preallocates every decode slot at this length, so
   * for it a longer limit means fewer requests at once (its curves and cost follow it).
   * @default - 8192 (2048 for JetStream, Google's max_target_length), or twice the workload's average request (input + output
   * tokens) when that is longer, rounded up to 1024 tokens; within the model's context length
   */
  readonly maxModelLength?: number;
  /**
   * Cloud Storage location of the model (`gs://BUCKET/PATH`, holding `config.json`, the tokenizer and
   * the weights), loaded through the tuned Cloud Storage FUSE recipe. GIQ's `storage_config.model_bucket_uri`.
   * @default - the model is downloaded from Hugging Face
   */
  readonly modelBucketUri?: string;
  /**
   * The signal the HPA scales on (with a latency target).
   * @default - queue size when the operating point already queues requests (a throughput and cost goal), batch size when the target
   * holds the server below saturation (a latency goal), following GKE's autoscaling guidance
   */
  readonly autoscalingMetric?: AutoscalingMetric;
  /**
   * Requests per second expected at first; sets the initial replicas (ceil of it over one replica's rate at the operating point).
   * @default - one replica
   */
  readonly expectedRequestsPerSecond?: number;
  /**
   * Accelerator labels the automatic choice may pick from when `acceleratorType` is omitted (for
   * example the GPU types a GKE Autopilot cluster admits).
   * @default - every GPU in the catalog (TPUs, whose estimates are uncalibrated, only when listed)
   */
  readonly allowedAcceleratorTypes?: string[];
  /**
   * GKE Inference Quickstart use case whose average input and output lengths set the workload the profiles are computed
   * for (`use-cases list`), matched case and punctuation aside: `Chatbot (ShareGPT)`, `chatbot`, `Deep Research`,
   * `text-summarization`, ... A measured profile is used as measured only for the workload it was measured on
   * (ShareGPT); for any other workload the calibrated estimate is used, and labelled estimated.
   * @default - Chatbot (ShareGPT): the ShareGPT means GKE Inference Quickstart benchmarks with (226 input / 195 output tokens)
   */
  readonly useCase?: string;
  /**
   * Average input (prompt) tokens per request: drives prefill cost, TTFT, the KV cache a request holds (so the batch
   * that fits), input tokens/s in the cost and the autoscaling threshold. Overrides the use case's.
   * @default - the use case's average, else ShareGPT's mean (226)
   */
  readonly averageInputTokens?: number;
  /**
   * Average output (generated) tokens per request. Overrides the use case's.
   * @default - the use case's average, else ShareGPT's mean (195)
   */
  readonly averageOutputTokens?: number;
  /**
   * Weight format to serve in. `FP8` on a bf16 checkpoint is quantized online by vLLM (`--quantization=fp8`); the other
   * formats must ship in the checkpoint (vLLM reads them from its config): asking one of a bf16 checkpoint, or another
   * format than a quantized checkpoint ships, is refused (register the quantized checkpoint with
   * `InferenceCatalog.addModel`). Weight bytes and the compute peak (the accelerator's fp8, fp4 or int8 figure where it
   * has one) follow; a format the accelerator cannot run is refused with the accelerators that can. Measured profiles are
   * served as measured only as the checkpoint ships.
   * @default WeightPrecision.CHECKPOINT
   */
  readonly weightPrecision?: WeightPrecision;
  /**
   * KV-cache dtype: `FP8` halves the KV bytes per token (`--kv-cache-dtype=fp8`), so about twice the running batch fits.
   * @default KvCacheDtype.AUTO
   */
  readonly kvCacheDtype?: KvCacheDtype;
  /**
   * LoRA adapters of the base model, each served under its own model name (vLLM `--enable-lora` and `--lora-modules`;
   * vLLM on GPUs, dense models). Their slots (`maxLoras` x `maxLoraRank`) are preallocated in accelerator memory and
   * come out of the KV cache.
   * @default - no adapters
   */
  readonly loraAdapters?: LoraAdapter[];
  /**
   * Adapters one batch can hold (`--max-loras`): each is a slot of accelerator memory, taken whether used or not. Fewer slots
   * than `loraAdapters` is allowed: vLLM keeps every adapter in host memory (`--max-cpu-loras`) and a request for one not in
   * a slot waits until a slot frees.
   * @default - the number of `loraAdapters` (at least 1)
   */
  readonly maxLoras?: number;
  /**
   * Rank of every adapter slot (`--max-lora-rank`): 8, 16, 32, 64, 128 or 256, at least each adapter's rank.
   * @default - the smallest of those that holds every adapter's rank, at least 16 (vLLM's default)
   */
  readonly maxLoraRank?: number;
  /**
   * Let clients load and unload adapters at run time through `/v1/load_lora_adapter` and `/v1/unload_lora_adapter`
   * (`VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`). Those endpoints are unauthenticated: anyone who reaches the server can
   * make it download and serve any adapter (vLLM calls enabling it in production risky). Turns LoRA on even without
   * `loraAdapters`.
   * @default false
   */
  readonly runtimeLoraUpdating?: boolean;
}

/** Throughput and latency at the operating point. */
export interface ResolvedPerformance {
  /** Output tokens per second for one replica. */
  readonly outputTokensPerSecond: number;
  /** Input tokens per second for one replica. */
  readonly inputTokensPerSecond: number;
  /** Where `inputTokensPerSecond` comes from: the measured point or the workload's input/output ratio. */
  readonly inputTokensPerSecondBasis: string;
  /** Normalized time per output token, ms. */
  readonly ntpotMilliseconds: number;
  /** Time to first token, ms; absent when the profile publishes none. */
  readonly ttftMilliseconds?: number;
  /** Requests per second: output tokens/s over the workload's mean output length. */
  readonly requestsPerSecond: number;
  /** Requests in flight (Little's law: output tokens/s x NTPOT). */
  readonly concurrentRequests: number;
  /** Whether this point is `measured`, `interpolated` between measured points, or `estimated`. */
  readonly pointKind: string;
  /** Time between two output tokens of a running request, ms; estimated profiles only. */
  readonly itlMilliseconds?: number;
  /** Sequences in the server's running batch (vLLM `num_requests_running`); estimated profiles only. */
  readonly runningBatchSize?: number;
  /** Requests waiting for a slot (vLLM `num_requests_waiting`); estimated profiles only. */
  readonly waitingQueueSize?: number;
  /** Share of the KV cache in use, 0-1 (vLLM `kv_cache_usage_perc`); estimated profiles only. */
  readonly kvCacheUtilization?: number;
}

/**
 * How far an estimated operating point is trusted: its band, cross-validated on the measured points
 * (leave-one-out for models with measured points, leave-one-model-out for the others).
 */
export interface ResolvedUncertainty {
  /** Low end of the output tokens/s band. */
  readonly outputTokensPerSecondLow: number;
  /** High end of the output tokens/s band. */
  readonly outputTokensPerSecondHigh: number;
  /** Low end of the NTPOT band, ms. */
  readonly ntpotMillisecondsLow: number;
  /** High end of the NTPOT band, ms. */
  readonly ntpotMillisecondsHigh: number;
  /** Low end of the TTFT band, ms; absent without a TTFT. */
  readonly ttftMillisecondsLow?: number;
  /** High end of the TTFT band, ms; absent without a TTFT. */
  readonly ttftMillisecondsHigh?: number;
  /** Low end of the cost band, USD per million output tokens; absent without a price. */
  readonly costPerMillionOutputTokensLow?: number;
  /** High end of the cost band, USD per million output tokens; absent without a price. */
  readonly costPerMillionOutputTokensHigh?: number;
  /** Multiplier of output tokens/s at the low end of the band (below 1). */
  readonly throughputLowMultiplier: number;
  /** Multiplier of output tokens/s at the high end of the band (above 1). */
  readonly throughputHighMultiplier: number;
  /** Multiplier of NTPOT and ITL at the low end of the band. */
  readonly latencyLowMultiplier: number;
  /** Multiplier of NTPOT and ITL at the high end of the band. */
  readonly latencyHighMultiplier: number;
  /** Multiplier of TTFT at the low end of the band (wider: few measured TTFTs). */
  readonly ttftLowMultiplier: number;
  /** Multiplier of TTFT at the high end of the band. */
  readonly ttftHighMultiplier: number;
  /** The calibration's time scale: the raw model's latencies are multiplied, its rates divided, by it. */
  readonly calibrationTimeScale: number;
  /** What the calibration rests on: `measured-combination`, `same-model`, `same-server` or `uncalibrated`. */
  readonly calibrationBasis: string;
  /** How the band and the calibration were derived, in one line. */
  readonly basis: string;
}

/** What the operating point costs. */
export interface ResolvedCost {
  /** The pricing model used. */
  readonly pricingModel: string;
  /** Region of the price. */
  readonly region: string;
  /**
   * Price of one replica in USD per hour: its machine's, times the nodes of a multi-host replica, or its share of the machine when
   * `podsPerNode` replicas are packed on one (the machine is billed whole however many of them run); absent when the catalog has
   * no price (never zero).
   */
  readonly costPerHour?: number;
  /** USD per million output tokens (GIQ's formula); absent without a price. */
  readonly costPerMillionOutputTokens?: number;
  /** USD per million input tokens (output cost / ratio); absent without a price. */
  readonly costPerMillionInputTokens?: number;
  /** The output/input cost ratio used. */
  readonly outputInputCostRatio: number;
  /** Snapshot date of the price. */
  readonly priceSnapshotDate?: string;
  /** Citation of the price. */
  readonly priceSource?: string;
  /** GIQ's published cost per million output tokens for this point, at GIQ's prices of the day. */
  readonly publishedCostPerMillionOutputTokens?: number;
  /** GIQ's published cost per million input tokens for this point. */
  readonly publishedCostPerMillionInputTokens?: number;
  /** Pricing model of GIQ's published costs. */
  readonly publishedPricingModel?: string;
}

/** Accelerator memory budget per replica, GB. */
export interface ResolvedMemory {
  /** Accelerator memory across the tensor-parallel group. */
  readonly acceleratorMemoryGb: number;
  /** Share vLLM may use (`--gpu-memory-utilization`). */
  readonly gpuMemoryUtilization: number;
  /** Weights in the checkpoint's format. */
  readonly weightsGb: number;
  /** Reserved for activations, CUDA graphs and NCCL across the group. */
  readonly runtimeOverheadGb: number;
  /** What is left for the KV cache. */
  readonly kvCacheCapacityGb: number;
  /** KV cache one request of `maxModelLength` tokens needs. */
  readonly kvCachePerMaxLengthRequestGb: number;
  /** KV-cache bytes per token, KiB (bf16). */
  readonly kvCacheKibPerToken: number;
  /**
   * KV cache the operating point's running batch holds, GB: running sequences x the workload's held context (prompt, half
   * the output, half a block) x KV bytes per token at the served KV dtype (fp8: half of bf16); at most `kvCacheCapacityGb`,
   * which is what is left after the weights at the served precision.
   *
   * @default - absent for measured operating points (no running batch published)
   */
  readonly kvCacheAtOperatingPointGb?: number;
}

/** The HPA metric and threshold derived from the operating point. */
export interface ResolvedAutoscaling {
  /** The signal chosen. */
  readonly metric: AutoscalingMetric;
  /** Why it was chosen. */
  readonly metricReason: string;
  /** Server or exporter metric, e.g. `vllm:num_requests_running`. */
  readonly serverMetric: string;
  /** HPA metric type: `Pods` for server metrics, `External` for the hardware exporters (DCGM, TPU device plugin). */
  readonly hpaMetricType: string;
  /** HPA metric name as the Custom Metrics Stackdriver Adapter serves it (lower case). */
  readonly hpaMetricName: string;
  /**
   * Label selector of an External metric (`metric.labels.*` keys), as the adapter filters the series.
   * @default - no selector
   */
  readonly hpaMetricSelector?: { [key: string]: string };
  /** Target average value per pod. */
  readonly targetAverageValue: number;
  /** The metric's value at the operating point, before headroom. */
  readonly valueAtOperatingPoint: number;
  /** Multiplier applied to that value: HPA tolerance and the load growth expected while a new replica starts. */
  readonly headroom: number;
  /** Estimated seconds from a scale-up decision until the new replica serves (node + image + model load). */
  readonly replicaStartupSeconds: number;
  /** Requests per second one replica serves at the operating point. */
  readonly requestsPerSecondPerReplica: number;
  /** Initial replicas, from `expectedRequestsPerSecond`. */
  readonly initialReplicas: number;
  /**
   * Share of the operating point's throughput each replica serves when the HPA holds the metric at its target
   * (the target is the metric's value at `headroom` x the operating throughput).
   */
  readonly utilizationAtTarget: number;
  /**
   * USD per million output tokens when replicas run at the HPA target: the operating-point cost / `utilizationAtTarget`.
   * What an autoscaled deployment pays; the automatic accelerator choice minimises the operating-point cost (GIQ's figure).
   * Absent without a price.
   */
  readonly costPerMillionOutputTokensAtTarget?: number;
  /** USD per million input tokens at the HPA target; absent without a price. */
  readonly costPerMillionInputTokensAtTarget?: number;
  /** How the target was derived, in one paragraph. */
  readonly explanation: string;
}

/** How the weights get into the pod, and where they are cached. */
export interface ResolvedModelLoading {
  /** `hugging-face` or `cloud-storage`. */
  readonly loadPath: ModelLoadPath;
  /** Bucket of `modelBucketUri`. */
  readonly bucket?: string;
  /** Path inside the bucket (empty for the root). */
  readonly bucketPath?: string;
  /** Where the Cloud Storage FUSE file cache lives (bucket path only). */
  readonly fileCacheMedium?: CacheMedium;
  /** Bound of the file cache, GiB; absent when unbounded (local SSD). */
  readonly fileCacheSizeGiB?: number;
  /** Where `HF_HOME` (the Hugging Face download) lives (hub path only). */
  readonly huggingFaceHomeMedium?: CacheMedium;
  /** Size of a memory-backed `HF_HOME` volume, GiB (hub path with large weights only). */
  readonly huggingFaceHomeSizeGiB?: number;
  /**
   * Upper bound of the LoRA adapters downloaded from Hugging Face into `HF_HOME` next to the weights, GiB (hub path with
   * adapters from Hugging Face only).
   */
  readonly loraDownloadGiB?: number;
  /** Estimated time from container start to serving, seconds (estimate; the startup budget is a multiple of it). */
  readonly estimatedLoadSeconds: number;
  /** How each choice was made, one line each. */
  readonly explanation: string[];
}

/** What one server pod requests, sized from the model and the machine. */
export interface ResolvedPodResources {
  /** CPU cores requested (= limit). */
  readonly cpu: number;
  /** Memory requested (= limit), GiB, including the memory-backed /dev/shm. */
  readonly memoryGiB: number;
  /** Ephemeral storage requested (= limit) for the Hugging Face cache, GiB. */
  readonly ephemeralStorageGiB: number;
  /** Size of the memory-backed /dev/shm volume, GiB. */
  readonly sharedMemoryGiB: number;
  /** How long the startup probe lets the server load before it is restarted, seconds. */
  readonly startupBudgetSeconds: number;
  /** How each number was derived, one line each. */
  readonly explanation: string[];
}

/** The node pool a server needs: what to create, and what its nodes leave a pod. */
export interface ResolvedNodePool {
  /** Compute Engine machine type. */
  readonly machineType: string;
  /** GKE accelerator label. */
  readonly acceleratorType: string;
  /** Accelerators (GPUs or TPU chips) per node. */
  readonly acceleratorsPerNode: number;
  /**
   * Server pods one node holds when several replicas share it (packing); the node-fit rule checks that all of them fit.
   *
   * @default - absent: one server pod per node
   */
  readonly podsPerNode?: number;
  /** GPU driver GKE installs (`--accelerator gpu-driver-version`); absent on TPUs. */
  readonly gpuDriverVersion?: string;
  /** TPU slice topology (`--tpu-topology`); absent on GPUs. */
  readonly tpuTopology?: string;
  /** Nodes one replica spans (a multi-host replica: all of them in one placement group or TPU slice). */
  readonly nodesPerReplica: number;
  /** Boot disk, GB, sized from what the pod writes to it (at least GKE's default 100). */
  readonly bootDiskSizeGb: number;
  /** Local SSD disks backing ephemeral storage (`--ephemeral-storage-local-ssd count=N`); 0 when GKE sets it up automatically or there is none. */
  readonly localSsdCount: number;
  /** `local-ssd` or `boot-disk`: where pods' ephemeral storage lives. */
  readonly ephemeralStorageOn: string;
  /** Where the nodes come from. */
  readonly capacity: Capacity;
  /** The reservation consumed, with Capacity.RESERVATION. */
  readonly reservationName?: string;
  /** With Capacity.SPOT: seconds a preemption notice gives the pods whatever their grace period (15 on Standard, 25 on Autopilot). */
  readonly spotPreemptionGraceSeconds?: number;
  /** CPU a pod may request on one node (allocatable less GKE's DaemonSets), cores. */
  readonly allocatableCpu: number;
  /** Memory a pod may request on one node (allocatable less GKE's DaemonSets), GiB. */
  readonly allocatableMemoryGiB: number;
  /** Ephemeral storage a pod may request on one node, GiB. */
  readonly allocatableEphemeralStorageGiB: number;
  /** Node labels the pods select. */
  readonly nodeSelector: { [key: string]: string };
  /**
   * The `gcloud container node-pools create` command for one replica, every value shell-quoted (CLUSTER_NAME and LOCATION to fill in);
   * OptimizedLlmServer's `deploymentNotes` size it for its replicas and the HPA's bounds.
   */
  readonly gcloudCommand: string;
  /** How each figure was derived, one line each. */
  readonly explanation: string[];
}

/** A combination considered and not chosen, with why. */
export interface ResolvedAlternative {
  /** Accelerator label. */
  readonly acceleratorType: string;
  /** Accelerators per replica. */
  readonly acceleratorCount: number;
  /** Machine type, when known. */
  readonly instanceType?: string;
  /**
   * Replicas one machine holds when the shape packs several on it (tensor-parallel size below the machine's GPUs, e.g.
   * 8 x 1 GPU on an a4-highgpu-8g); its cost is its share of the machine.
   *
   * @default - absent: one replica per machine (or per group of machines)
   */
  readonly podsPerNode?: number;
  /** Output tokens/s at its operating point, when it has one. */
  readonly outputTokensPerSecond?: number;
  /** NTPOT at its operating point, ms. */
  readonly ntpotMilliseconds?: number;
  /** USD per million output tokens, when priced. */
  readonly costPerMillionOutputTokens?: number;
  /** `measured` or `estimated`, when it has a profile. */
  readonly source?: string;
  /** Why it was not chosen. */
  readonly reason: string;
}

/** What the resolver chose and why. */
export interface Resolution {
  /** Hugging Face model id as the catalog spells it. */
  readonly model: string;
  /** Model server. */
  readonly modelServer: string;
  /** Model server version label. */
  readonly modelServerVersion: string;
  /** Weight format served. */
  readonly weightPrecision: WeightPrecision;
  /** KV-cache dtype served. */
  readonly kvCacheDtype: KvCacheDtype;
  /** Server flags that select them (`--quantization=fp8`, `--kv-cache-dtype=fp8`); empty as the checkpoint ships. */
  readonly precisionArgs: string[];
  /** The LoRA adapters served and their slots; absent without adapters. */
  readonly lora?: ResolvedLora;
  /** Container image for that version. */
  readonly image: string;
  /** GKE accelerator label. */
  readonly acceleratorType: string;
  /** Machine type. */
  readonly instanceType: string;
  /** True when the source did not state the machine type and it was inferred from the accelerator count. */
  readonly instanceTypeInferred: boolean;
  /** vCPUs of the machine type. */
  readonly instanceVcpu: number;
  /** Memory of the machine type, GB. */
  readonly instanceMemoryGb: number;
  /**
   * Accelerators per replica (GIQ's `resources_used.accelerator_count`): on a multi-host GPU replica, across
   * all its nodes (`tensorParallelSize` x `pipelineParallelSize`); on a multi-host TPU slice, every chip of the slice.
   */
  readonly acceleratorCount: number;
  /**
   * Nodes (machines of `instanceType`) of one replica: 1, or more for a model that no single machine
   * holds. On GPUs: a LeaderWorkerSet group of this size (one vLLM pod per node). On a multi-host TPU slice
   * (JetStream with Pathways): the slice's hosts, each running a Pathways worker, plus a leader pod without chips.
   */
  readonly nodes: number;
  /**
   * Server pods one node holds, when several replicas share a machine (packing): floor(accelerators per machine /
   * tensor-parallel size), each pod requesting its `tensorParallelSize` GPUs and at most 1/`podsPerNode` of the node's CPU and
   * memory; `cost` is one replica's share of the machine. Replicas and HPA bounds count pods, not nodes.
   *
   * @default - absent: one server pod per node
   */
  readonly podsPerNode?: number;
  /**
   * vLLM's pipeline-parallel size: one stage per node (`nodes`) on a multi-host GPU replica; 1 on a single node
   * and on a TPU slice (whose chips serve one program over the inter-chip interconnect).
   */
  readonly pipelineParallelSize: number;
  /**
   * The `cloud.google.com/gke-tpu-topology` of the slice on a TPU, e.g. `2x4` (single-host: its chips are
   * `acceleratorCount`, all on one VM; multi-host: `acceleratorCount` chips over `nodes` VMs).
   * @default - undefined on GPUs
   */
  readonly tpuTopology?: string;
  /**
   * Tensor-parallel size: the accelerators of one node (of one pod); on a multi-host TPU slice, MaxText's
   * `ici_tensor_parallelism` over the whole slice.
   */
  readonly tensorParallelSize: number;
  /** Tensor-parallel sizes that would be valid for this model on this machine family. */
  readonly validTensorParallelSizes: number[];
  /** Longest context the server accepts, tokens. */
  readonly maxModelLength: number;
  /**
   * The cluster's GKE version the resolution was checked against (the request's `gkeVersion`).
   * @default - not given: version gates assume a current cluster
   */
  readonly gkeVersion?: string;
  /** `measured` or `estimated`: what the performance numbers rest on. */
  readonly source: ProfileSource;
  /** Citation of the profile. */
  readonly profileCitation: string;
  /** `inflection` (no target) or `targets`. */
  readonly operatingPointReason: string;
  /** Throughput and latency at the operating point. */
  readonly performance: ResolvedPerformance;
  /** The uncertainty band of an estimated profile; absent for measured profiles. */
  readonly uncertainty?: ResolvedUncertainty;
  /** Cost at the operating point. */
  readonly cost: ResolvedCost;
  /** Accelerator memory budget. */
  readonly memory: ResolvedMemory;
  /** How the weights are loaded and cached. */
  readonly modelLoading: ResolvedModelLoading;
  /** Pod resources and startup budget. */
  readonly podResources: ResolvedPodResources;
  /** The node pool each server pod needs, with what its nodes leave allocatable and the command that creates it. */
  readonly nodePool: ResolvedNodePool;
  /** HPA derivation; absent when no latency target was given. */
  readonly autoscaling?: ResolvedAutoscaling;
  /** Other combinations considered, best first. */
  readonly alternatives: ResolvedAlternative[];
  /** Every decision, in order, in one line each. */
  readonly decisions: string[];
}
