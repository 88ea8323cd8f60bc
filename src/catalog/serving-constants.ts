/**
 * Constants the resolver and the constructs size things with. Each carries its source; the ones
 * marked `estimate` are this library's own engineering choices, stated so a user can see what a
 * decision rests on.
 */
export interface SourcedConstant {
  readonly value: number;
  readonly unit: string;
  readonly source: string;
  /** `reference` when taken from a cited source, `estimate` when it is our own choice. */
  readonly kind: 'reference' | 'estimate';
}

export const SERVING_CONSTANTS = {
  /**
   * Share of accelerator memory vLLM may use (its `--gpu-memory-utilization` default). Google's A100/H100 manifests pass
   * 0.95; this library keeps vLLM's 0.9 on every GPU on purpose: the performance model's KV-cache capacity and its
   * calibration (calibration.csv, max_batch_from_kv = mem x 0.9) are fitted at 0.9, so 0.95 would promise batches the
   * calibrated curves never saw, and the 5% it leaves covers CUDA graphs and NCCL buffers at tensor-parallel 4-8 that
   * `otherMemoryGiBPerAccelerator` only estimates.
   */
  gpuMemoryUtilization: {
    value: 0.9,
    unit: 'fraction',
    source: 'vLLM engine argument default gpu_memory_utilization=0.9; calibration.csv max_batch_from_kv formula (mem x 0.9); '
      + 'Google\'s A100/H100 manifests use 0.95 (not followed: see the comment)',
    kind: 'reference',
  },
  /** Non-weight, non-KV memory reserved per accelerator (activations, CUDA graphs, NCCL buffers). */
  otherMemoryGiBPerAccelerator: {
    value: 3.5,
    unit: 'GiB',
    source: 'calibration.csv: aiconfigurator other_mem 3.5 GiB per GPU (ai-dynamo/aiconfigurator @095f58a5 systems/*.yaml)',
    kind: 'reference',
  },
  /** Default HPA tolerance: no scaling while the metric is within 10% of the target. */
  hpaTolerance: {
    value: 0.1,
    unit: 'fraction',
    source: 'Kubernetes HPA documentation (horizontal-pod-autoscale, tolerance 0.1); GKE autoscaling best practices',
    kind: 'reference',
  },
  /** Time GKE takes to provision a GPU node (VM, drivers, device plugin) before the pod can start, s. */
  gpuNodeProvisioningSeconds: {
    value: 300,
    unit: 's',
    source: 'our estimate for cluster-autoscaler or node auto-provisioning of a GPU node with driver installation; failure-modes.md F7',
    kind: 'estimate',
  },
  /** Time to pull a model-server image (vLLM and TGI images are about 5-10 GB), s. */
  imagePullSeconds: {
    value: 120,
    unit: 's',
    source: 'our estimate; GKE image streaming shortens it',
    kind: 'estimate',
  },
  /** Load growth the HPA threshold leaves room for while a replica starts, per minute. */
  loadGrowthPerMinute: {
    value: 0.05,
    unit: 'fraction/min',
    source: 'our design choice, checked by the simulator (src/autoscaling): a load rising 10x over two hours grows up to 7.5%/min at its start; '
      + 'with 5%/min of headroom the derived thresholds hold the NTPOT target for over 99% of minutes on that burst (2%/min did not)',
    kind: 'estimate',
  },
  /** GKE: a queue threshold under about 3 needs an aggressive scale-up policy; below this queue the batch signal is used. */
  minimumQueueThreshold: {
    value: 3,
    unit: 'requests',
    source: 'GKE "Best practices for autoscaling LLM inference workloads with GPUs" (queue threshold: start between 3 and 5)',
    kind: 'reference',
  },
  /** Scale-down stabilisation window. */
  scaleDownStabilizationSeconds: {
    value: 300,
    unit: 's',
    source: 'Kubernetes HPA default scale-down stabilisation (5 min); GKE autoscaling best practices',
    kind: 'reference',
  },
  /** Host memory for loading weights: page cache plus the loader's copy, as a multiple of the weights a pod loads. */
  hostMemoryPerWeightByte: {
    value: 1.2,
    unit: 'ratio',
    source: 'failure-modes.md F1 (host OOM while loading safetensors: the page cache and the loader count against the limit); margin is our choice',
    kind: 'estimate',
  },
  /** Fixed host memory for the server process (Python, tokenizer, CUDA context), GiB. */
  hostMemoryBaseGiB: {
    value: 8,
    unit: 'GiB',
    source: 'our estimate; GIQ-derived manifests request 128G for gpt-oss-20b on one H100 (accelerated-platforms @9320f3b2)',
    kind: 'estimate',
  },
  /** CPU cores per accelerator for the server (tokenization, scheduling, one process per rank). */
  cpuPerAccelerator: {
    value: 8,
    unit: 'cores',
    source: 'our estimate; GIQ-derived manifests request 10 CPUs for one H100 and 64 for four (accelerated-platforms @9320f3b2)',
    kind: 'estimate',
  },
  /** Memory-backed /dev/shm per tensor-parallel rank, GiB (NCCL and vLLM worker IPC), capped at 16 GiB. */
  sharedMemoryGiBPerRank: {
    value: 2,
    unit: 'GiB',
    source: 'failure-modes.md F4 (the container default of 64 MiB breaks NCCL); GKE multi-host sample uses 15Gi for TP 8; our sizing',
    kind: 'estimate',
  },
  /** Share of a node's vCPU and memory the server pod requests (the node is dedicated to it; the rest is for GKE daemons and reservations). */
  nodeAllocatableShare: {
    value: 0.8,
    unit: 'fraction',
    source: 'our estimate from GKE allocatable reservations (about 5-17% of memory on these machine sizes) plus system daemonsets',
    kind: 'estimate',
  },
  /** Margin on the Hugging Face cache written to the container's ephemeral storage, GiB. */
  ephemeralStorageMarginGiB: {
    value: 10,
    unit: 'GiB',
    source: 'failure-modes.md F5 (ephemeral-storage eviction); margin is our choice',
    kind: 'estimate',
  },
  /** Conservative Hugging Face download rate for the startup budget, GB/s. */
  hubDownloadGBps: {
    value: 0.1,
    unit: 'GB/s',
    source: 'our conservative estimate; failure-modes.md F6/F7 report 10-20+ min to Ready',
    kind: 'estimate',
  },
  /** Rate at which weights are read into accelerator memory once on local disk, GB/s. */
  weightLoadGBps: {
    value: 1,
    unit: 'GB/s',
    source: 'our conservative estimate',
    kind: 'estimate',
  },
  /** Cloud Storage FUSE read rate with parallel downloads into the file cache, GB/s, for the startup budget. */
  bucketReadGBps: {
    value: 0.7,
    unit: 'GB/s',
    source: 'our estimate, not a measurement: no Google source compares it with a Hub download; GKE\'s ">7x faster Pod startup" compares the '
      + 'tuned Cloud Storage FUSE recipe with a basic FUSE mount (accelerated-platforms AchievingFasterPodStartup.md: "more than 7x less '
      + 'latency compared to a basic setup"; gkerecommender StorageConfig.model_bucket_uri)',
    kind: 'estimate',
  },
  /**
   * First XLA compilation of a TPU server while the shared compilation cache is still empty, s: the upper end of the
   * 10-30 min reported, added to TPU serving pods' start-up budget so that pods started before the warm-up Job has filled
   * the cache are not killed mid-compile.
   */
  xlaColdCompileSeconds: {
    value: 1800,
    unit: 's',
    source: 'failure-modes.md F8 (vllm-project/vllm PR #7533: first start 10-30 min, later 1-3 min with a persisted cache)',
    kind: 'reference',
  },
  /**
   * Start-up budget of a multi-host JetStream + Pathways replica, s: the Pathways engine restores the checkpoint across
   * the slice and compiles before serving.
   */
  pathwaysStartupSeconds: {
    value: 10800,
    unit: 's',
    source: 'about 3 h, the wait Google\'s GKE tutorial for Llama 3.1 405B on multi-host TPUs with Pathways allows (as issue 14 reports it; '
      + 'not re-verified against the tutorial here)',
    kind: 'reference',
  },
  /** Fixed start-up time: engine init, CUDA graph capture, torch.compile, s. */
  serverInitSeconds: {
    value: 240,
    unit: 's',
    source: 'failure-modes.md F7 (166 s of torch.compile in a reported boot); rounded up, our estimate',
    kind: 'estimate',
  },
  /** The startup budget is this multiple of the estimated load time, so that a slow load is not killed. */
  startupBudgetSafetyFactor: {
    value: 2,
    unit: 'ratio',
    source: 'our choice; failure-modes.md F6 (probes kill slow-loading pods)',
    kind: 'estimate',
  },
  /** Default longest context when the user does not set one (capped by the model's own). */
  defaultMaxModelLength: {
    value: 8192,
    unit: 'tokens',
    source: 'our choice: covers the ShareGPT workload (inputs and outputs capped at 1024 tokens) with room for longer chats',
    kind: 'estimate',
  },
  /**
   * Default longest context as a multiple of the workload's average request (input + output tokens), when that is longer
   * than `defaultMaxModelLength`: vLLM refuses a request longer than `--max-model-len`, and requests vary around the
   * average, so a length of twice the average serves the requests up to twice its length (rounded up to 1024 tokens,
   * capped by the model's context).
   */
  maxModelLengthPerAverageRequest: {
    value: 2,
    unit: 'ratio',
    source: "our choice; vLLM rejects a prompt longer than max_model_len (vllm/v1/engine/processor.py: 'The decoder prompt (length ...) is longer than the maximum model length')",
    kind: 'estimate',
  },
  /**
   * Shortest `maxModelLength` accepted: every profile is computed for ShareGPT requests whose prompt and output are each capped at
   * 1024 tokens, so a shorter context would truncate the profiled requests while the operating point and HPA threshold stayed as computed.
   */
  minimumMaxModelLength: {
    value: 2048,
    unit: 'tokens',
    source: 'gke-inference-quickstart.md (benchmark methodology: ShareGPT, inputs and outputs capped at 1024 tokens)',
    kind: 'estimate',
  },
  /**
   * Host memory of the Pathways proxy (IFRT proxy server) on the leader, GiB: it stages host-to-device transfers
   * for the single controller.
   */
  pathwaysProxyMemoryGiB: {
    value: 64,
    unit: 'GiB',
    source: 'our estimate; Google\'s tutorial sets no resources; AI-Hypercomputer xpk caps the proxy sidecar at 100G (an OOM-killed proxy '
      + 'surfaces as "Stream removed" on the client)',
    kind: 'estimate',
  },
  /** CPU of each leader container of a Pathways group (proxy, resource manager, engine), cores. */
  pathwaysLeaderCpu: {
    value: 4,
    unit: 'cores',
    source: 'our estimate (Google\'s tutorial sets no resources for the leader containers)',
    kind: 'estimate',
  },
  /** Host memory of the resource manager and of the engine (the JAX single controller) on the leader, GiB each. */
  pathwaysLeaderMemoryGiB: {
    value: 16,
    unit: 'GiB',
    source: 'our estimate (Google\'s tutorial sets no resources for the leader containers)',
    kind: 'estimate',
  },
} satisfies Record<string, SourcedConstant>;
