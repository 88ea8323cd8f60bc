/**
 * The performance model: a latency-throughput curve for (model architecture, weight and KV-cache
 * dtype, accelerator, tensor-parallel size, server release, workload) from first principles.
 *
 * A vLLM replica is modelled as a continuous-batching loop. One step reads the weights it needs
 * (all of them for a dense model; the experts the step's tokens route to for a MoE model) and the KV
 * cache of every running sequence (sliding-window layers read at most the window), and does
 * 2 x active parameters FLOPs per token plus attention; its time is the larger of the memory and the
 * compute time at the efficiencies of `performance-constants.ts`, plus the tensor-parallel
 * all-reduces (two per layer), a fixed latency per layer and a per-step overhead. Prompts are
 * prefilled in separate steps before vLLM's V1 engine and ride in the decode steps (chunked prefill)
 * from it. The running batch is capped by the KV cache that fits next to the weights, by `max_num_seqs` and
 * by the step's token budget, which decode tokens and prompt chunks share; past the cap, requests wait,
 * throughput stays flat and latency grows: the inflection.
 *
 * The load axis is the number of requests in the system (closed loop); every point satisfies
 * Little's law: requests in the system = output tokens/s x NTPOT.
 *
 * A multi-host replica (pipeline-parallel size P > 1) splits the layers and the weights into P stages
 * of one node each. vLLM runs P micro-batches (virtual engines) through the stages at once, so one
 * decode iteration of the running batch is P stage steps of a micro-batch of 1/P of the batch on 1/P
 * of the layers, each followed by a hop of the micro-batch's activations to the next node
 * (`pipelineHopMilliseconds` + bytes at `interNodeGBps`). The weights are read once per iteration, as
 * on one node; the KV cache spreads over P x TP accelerators. This part of the model is unmeasured.
 */
import { memoryBudget } from './feasibility';
import {
  ACCELERATOR_PERFORMANCE,
  DEFAULT_ACCELERATOR_PERFORMANCE,
  PERFORMANCE_CONSTANTS as C,
  VLLM_RELEASES,
} from './performance-constants';
import { SERVING_TERMS } from './serving-terms.generated';
import { weightSplit } from './weight-split';
import { compareReleases } from '../catalog/model-servers';
import { AcceleratorRecord, ModelRecord } from '../catalog/types';

const GB = 1e9;
const GIB = 1024 ** 3;

/** Mean tokens per request. */
export interface WorkloadShape {
  readonly meanInputTokens: number;
  readonly meanOutputTokens: number;
}

/** What a curve is estimated for. */
export interface EstimateInput {
  readonly model: ModelRecord;
  readonly accelerator: AcceleratorRecord;
  /** Tensor-parallel size = accelerators per replica (per node of a multi-host replica). */
  readonly tensorParallelSize: number;
  /**
   * Pipeline-parallel size: the nodes of a multi-host replica, each holding a contiguous share of the layers.
   * @default 1
   */
  readonly pipelineParallelSize?: number;
  /** The vLLM release the server version is built from (`ModelServerVersionRecord.baseRelease`). */
  readonly serverRelease: string;
  readonly workload: WorkloadShape;
  /**
   * KV-cache bytes per element.
   * @default PERFORMANCE_CONSTANTS.kvCacheBytesPerElement (bf16)
   */
  readonly kvCacheBytesPerElement?: number;
  /**
   * Peak dense throughput of the precision the steps compute in, TFLOPS per accelerator.
   * @default the accelerator's bf16 figure
   */
  readonly computeTflops?: number;
  /**
   * Largest running batch the server schedules.
   * @default vLLM's max_num_seqs for the accelerator and release
   */
  readonly maxNumSeqs?: number;
  /**
   * GB of accelerator memory (all the replica's accelerators) the server allocates before it sizes the KV cache, beyond the
   * weights and runtime: vLLM's LoRA adapter slots.
   * @default 0
   */
  readonly kvCacheReservedGb?: number;
  /**
   * Whether the scheduler admits a request only when the KV cache can hold its whole prompt and output: TensorRT-LLM's
   * default capacity policy, GUARANTEED_NO_EVICT ("a started request is never paused",
   * https://nvidia.github.io/TensorRT-LLM/performance/performance-tuning-guide/useful-runtime-flags.html), which reserves
   * the prompt plus the maximum output up front. vLLM admits on what a request holds so far and preempts when the cache
   * fills, so its running batch is set by the average held context. The library serves with vLLM; the calibration reads
   * TensorRT-LLM's published tables with this set.
   * @default false
   */
  readonly reservesWholeSequence?: boolean;
  /**
   * Whether the serving loop runs in C++: TensorRT-LLM's executor of built engines, before the Python PyExecutor of its
   * PyTorch backend ("available in version 0.17 and later", https://nvidia.github.io/TensorRT-LLM/torch.html). The per-request
   * host work of a step that `ServingTerms.sequenceOverheadMicroseconds` stands for (checking stop criteria, updating
   * responses, scheduling the next batch: the CPU tasks https://nvidia.github.io/TensorRT-LLM/features/overlap-scheduler.html
   * lists) is then not Python's, and the term does not apply. The library serves with vLLM (Python); the calibration reads
   * TensorRT-LLM 0.14's published table with this set.
   * @default false
   */
  readonly cppExecutor?: boolean;
  /**
   * Whether the KV cache holds only the window of a sliding-window or chunked-attention layer, so that a sequence on such a
   * layer takes at most a window's blocks. vLLM's hybrid allocator does (from `VLLM_RELEASES.hybridKvCache`); TensorRT-LLM's
   * KV cache manager sizes its pool "assuming all layers as full attention" and gives a window layer "as many blocks as full
   * attention" (NVIDIA/TensorRT-LLM@b35ac1b6 cpp/tensorrt_llm/batch_manager/kvCacheManager.cpp, `calculateWindowSizeToShare`
   * and the `BlockManager` constructor), so its capacity in sequences is that of a model without windows. The attention
   * kernels read the window either way. The library serves with vLLM; the calibration reads TensorRT-LLM's tables with this
   * set to false.
   * @default true from vLLM's hybrid allocator release on, false before
   */
  readonly windowedKvCache?: boolean;
  /**
   * The best rate, TFLOPS per accelerator, the server's MoE kernel reaches on this model's expert GEMMs at this tensor-parallel
   * size, measured (`expert-kernels.ts`): no step runs its expert GEMMs faster, whatever the precision's peak. Tiny experts
   * stay far below it (Qwen3-30B-A3B's NVFP4 experts on B200: 681 TFLOPS with TensorRT-LLM's CUTLASS kernel, 7% of the FP4
   * peak).
   * @default no measured rate: the experts run at `ServingTerms.expertComputeEfficiency` of the dense rate
   */
  readonly expertGemmTflops?: number;
  /**
   * What `expertGemmTflops` is (server release, kernel, table), for the curve's note; the model does not read it.
   * @default none
   */
  readonly expertGemmSource?: string;
  /**
   * Tokens one step schedules at most (decode tokens plus a chunk of a prompt).
   * @default vLLM's max_num_batched_tokens for the accelerator (OpenAI-compatible server)
   */
  readonly maxNumBatchedTokens?: number;
  /**
   * The serving terms (efficiencies and overheads).
   * @default SERVING_TERMS, fitted on public measurements (serving-terms.generated.ts)
   */
  readonly terms?: ServingTerms;
}

/**
 * The separate terms of a step's time, fitted on public measurements (`scripts/fit-serving-terms.ts`):
 * memory-bandwidth efficiency (decode streaming weights and KV), compute efficiency (saturated and
 * prefill-heavy steps, at the precision's peak), the efficiency of a prompt's prefill (TTFT), and the
 * fixed latencies that no calibration scales.
 */
export interface ServingTerms {
  /** Share of peak memory bandwidth the weight GEMMs of a decode step achieve streaming the weights. */
  readonly memoryBandwidthEfficiency: number;
  /** Share of peak memory bandwidth the attention kernels achieve reading the paged KV cache. */
  readonly kvBandwidthEfficiency: number;
  /** Share of the precision's peak dense throughput a compute-bound step achieves. */
  readonly computeEfficiency: number;
  /** Share of peak a prompt's prefill achieves, relative to `computeEfficiency` (TTFT). */
  readonly prefillEfficiency: number;
  /** Fixed time of every step (scheduling, sampling, launch), ms; never scaled by calibration. */
  readonly stepOverheadMilliseconds: number;
  /** Fixed time of one layer's kernels in a step, ms, dense layers. */
  readonly layerLatencyMilliseconds: number;
  /** Extra fixed time of one MoE layer (routing, expert kernels), ms. */
  readonly moeLayerLatencyMilliseconds: number;
  /**
   * Share of `computeEfficiency` the expert GEMMs of a MoE layer achieve: grouped GEMMs over many small experts,
   * plus the token permutation around them, run below a dense GEMM of the same FLOPs.
   */
  readonly expertComputeEfficiency: number;
  /**
   * Fixed time per sequence of a decode step, microseconds: sampling, logits processing and the scheduler's
   * per-request bookkeeping in a Python serving loop, which grow with the batch but not with the model (they bound
   * tiny-active MoE models); a C++ loop does not pay it (`EstimateInput.cppExecutor`).
   */
  readonly sequenceOverheadMicroseconds: number;
  /**
   * Extra fixed time of every step before vLLM's V1 engine, ms: the V0 engine's CPU work (scheduling, input
   * preparation, detokenization) on the critical path of each step, which V1 was re-architected to bring near zero
   * (https://blog.vllm.ai/2025/01/27/v1-alpha-release.html, "near-zero CPU overhead"); SGLang did the same in 0.4
   * (https://lmsys.org/blog/2024-12-04-sglang-v0-4/#zero-overhead-batch-scheduler).
   */
  readonly v0StepOverheadMilliseconds: number;
  /**
   * Fixed time from a request's arrival to its first token that no step accounts for, ms: the front end's request handling,
   * tokenization, and the first token's detokenization and streaming. It shows in the TTFT of short prompts at low load
   * (Llama 3.1 8B behind Triton at 17-24 ms where the prefill takes about 10); it is added to TTFT only (spread over a
   * request's output tokens it is a negligible share of NTPOT).
   */
  readonly requestOverheadMilliseconds: number;
}

/** One point of an estimated curve, before or after calibration. */
export interface ModelPoint {
  /** Requests in the system (running + waiting). */
  readonly concurrency: number;
  readonly requestsPerSecond: number;
  readonly outputTokensPerSecond: number;
  readonly inputTokensPerSecond: number;
  /** Request latency / output tokens (first token included), ms. */
  readonly ntpotMilliseconds: number;
  readonly ttftMilliseconds: number;
  /**
   * Time between two output tokens of a running request after its first, ms: (request latency - TTFT) / (output tokens - 1), the
   * harness's TPOT (GIQ's inference-benchmark, vLLM's bench), so other requests' prefill chunks count and its own prompt does not.
   */
  readonly itlMilliseconds: number;
  /** One step of the running batch, its share of new prompts' prefill included (the steady state behind the rates), ms. */
  readonly stepMilliseconds: number;
  /** Sequences in the running batch (vLLM's `num_requests_running`). */
  readonly runningBatchSize: number;
  /** Requests waiting for a slot (vLLM's `num_requests_waiting`). */
  readonly waitingQueueSize: number;
  /** Share of the KV cache in use (vLLM's `kv_cache_usage_perc`), 0-1. */
  readonly kvCacheUtilization: number;
}

/** The model's view of a combination, and its curve as a function of load. */
export interface PerformanceModel {
  /** Largest running batch: the KV cache after the weights, capped by max_num_seqs and by the step token budget. */
  readonly maxRunningBatch: number;
  /** What caps the running batch. */
  readonly batchLimit: 'kv-cache' | 'max-num-seqs' | 'token-budget';
  /** KV-cache bytes a running sequence holds on average (prompt + half the output, block-rounded), every replicated copy included. */
  readonly kvBytesPerSequence: number;
  /** KV cache available on the replica, bytes. */
  readonly kvCapacityBytes: number;
  /** The memory-bandwidth floor of NTPOT at concurrency 1: the weights one token reads / peak bandwidth, ms. */
  readonly bandwidthFloorMilliseconds: number;
  /** Whether prompts ride in decode steps (vLLM V1) or run in separate prefill steps (V0). */
  readonly chunkedPrefill: boolean;
  /**
   * The point at a concurrency (requests in the system). `timeScale` is the calibration: it multiplies the
   * kernel time of every step (memory, compute, communication), not the fixed overheads.
   */
  at(concurrency: number, timeScale?: number): ModelPoint;
}

/** Parameter and byte counts the step time needs, derived from a catalog model record. */
export interface ModelShape {
  readonly layers: number;
  readonly hiddenSize: number;
  readonly attentionHeads: number;
  readonly headDim: number;
  /** Parameters every token uses (all of a dense model). */
  readonly activeParams: number;
  /** The share of `activeParams` in the experts a token routes to (0 for a dense model). */
  readonly activeExpertParams: number;
  /** Weight bytes outside the experts (all of a dense model). */
  readonly denseBytes: number;
  readonly experts: number;
  readonly expertsPerToken: number;
  /** Weight bytes of one expert across all layers. */
  readonly bytesPerExpert: number;
  /** KV-cache bytes of one token in one layer. */
  readonly kvBytesPerLayerToken: number;
  /** Attention FLOPs per context token of one query token, all layers' heads of one layer. */
  readonly attentionFlopsPerContextToken: number;
  /** Whether the KV cache is one latent per token (multi-head latent attention) that every tensor-parallel rank holds whole. */
  readonly latentAttention: boolean;
  /** KV heads (the tensor-parallel ranks replicate them when fewer than the ranks). */
  readonly kvHeads: number;
  /** Layers with an MoE block (the others have a dense MLP). */
  readonly moeLayers: number;
  /** Sliding-window or chunked local attention: the tokens of KV a windowed layer keeps. */
  readonly slidingWindowTokens?: number;
  readonly slidingWindowLayers: number;
  /** Bytes of activations one token writes and reads between the kernels of all layers (bf16), split across tensor-parallel ranks. */
  readonly activationBytesPerToken: number;
  /** The part of `activationBytesPerToken` every tensor-parallel rank moves whole (hidden-size tensors: norms, residual adds). */
  readonly replicatedActivationBytesPerToken: number;
  /** Whether the KV cache (and so the attention matmuls) is FP8. */
  readonly fp8Attention: boolean;
  /** Parameters of an untied input embedding: a table the step gathers rows from, neither streamed whole nor multiplied (0 when tied). */
  readonly lookupParams: number;
  /** Bytes of that table (part of `denseBytes`, not streamed by a step). */
  readonly lookupBytes: number;
  /** Parameters of the output projection (lm_head), which only the tokens that sample (decode tokens) multiply. */
  readonly lmHeadParams: number;
}

export function modelShape(model: ModelRecord, kvBytesPerElement: number = C.kvCacheBytesPerElement.value): ModelShape {
  const active = model.paramsActiveB * GB;
  const experts = model.experts ?? 0;
  const perToken = model.expertsPerToken ?? 0;
  const { denseParams, denseBytes, bytesPerExpert, activeExpertParams } = weightSplit(model);
  const latent = model.kvLoraRank !== undefined;
  // MLA decodes with the up-projections absorbed (vLLM's default): each head's query meets the latent and rope key
  // (kv_lora_rank + qk_rope_head_dim) and its output is a kv_lora_rank-wide sum over the latents
  const latentWidth = (model.kvLoraRank ?? 0) + (model.qkRopeHeadDim ?? 0);
  const attentionFlopsPerContextToken = latent
    ? 2 * model.attentionHeads * (latentWidth + (model.kvLoraRank ?? 0))
    : 4 * model.attentionHeads * model.headDim;
  const moeLayers = bytesPerExpert > 0
    ? Math.floor((model.layers - (model.denseLeadingLayers ?? 0)) / (model.moeLayerStep ?? 1))
    : 0;
  // chunked local attention (Llama 4) keeps at most one chunk of KV on its layers, as a sliding window does
  const windowTokens = model.slidingWindowTokens ?? model.attentionChunkTokens;
  const windowLayers = model.slidingWindowTokens !== undefined ? model.slidingWindowLayers : model.chunkedAttentionLayers;
  // Activation traffic (bf16, written once and read once by the next kernel): per layer, the hidden-size tensors (two norms' outputs,
  // the attention output projection's and the MLP's outputs, two residual adds) on every rank, and the sharded ones: q/k/v, the
  // attention output, the MLP's gate/up output and its activation; a MoE layer moves k routed copies of the token (permute, the
  // experts' gate/up and activation at the expert width, the k down-projection outputs before the weighted sum).
  const h = model.hiddenSize;
  const qkv = (model.attentionHeads + 2 * model.kvHeads) * model.headDim + model.attentionHeads * model.headDim;
  const k = bytesPerExpert > 0 ? perToken : 0;
  const mlp = k > 0 ? k * (2 * h + 3 * model.intermediateSize) + (model.sharedExperts ?? 0) * 3 * model.intermediateSize : 3 * model.intermediateSize;
  const denseMlp = 3 * model.intermediateSize;
  const replicatedPerLayer = 6 * h;
  const actBytes = 2 * 2;
  const shardedElements = model.layers * qkv + moeLayers * mlp + (model.layers - moeLayers) * denseMlp;
  // the input embedding is a gather of the step's rows (vLLM's VocabParallelEmbedding), not a GEMM: an untied table is neither
  // streamed nor multiplied; a tied one is streamed and multiplied once, as the output projection. The prompt tokens but the last
  // skip the output projection (vLLM computes logits only where a token is sampled).
  const table = model.vocabSize * model.hiddenSize;
  const tied = model.tiedEmbeddings === true;
  // (bounded by the dense part, which holds both tables, so that inconsistent facts cannot make a step cheaper than nothing)
  const lookupParams = tied ? 0 : Math.min(table, denseParams / 2);
  return {
    lookupParams,
    lookupBytes: denseParams > 0 ? (lookupParams / denseParams) * denseBytes : 0,
    lmHeadParams: Math.min(table, denseParams - lookupParams),
    activationBytesPerToken: actBytes * (shardedElements + model.layers * replicatedPerLayer),
    replicatedActivationBytesPerToken: actBytes * model.layers * replicatedPerLayer,
    fp8Attention: kvBytesPerElement === 1,
    layers: model.layers,
    hiddenSize: model.hiddenSize,
    attentionHeads: model.attentionHeads,
    headDim: model.headDim,
    activeParams: active,
    activeExpertParams: bytesPerExpert > 0 ? activeExpertParams : 0,
    denseBytes,
    experts: bytesPerExpert > 0 ? experts : 0,
    expertsPerToken: bytesPerExpert > 0 ? perToken : 0,
    bytesPerExpert,
    kvBytesPerLayerToken: latent ? latentWidth * kvBytesPerElement : 2 * model.kvHeads * model.headDim * kvBytesPerElement,
    attentionFlopsPerContextToken,
    latentAttention: latent,
    kvHeads: model.kvHeads,
    moeLayers,
    slidingWindowTokens: windowTokens,
    slidingWindowLayers: windowTokens === undefined ? 0 : Math.min(model.layers, windowLayers ?? model.layers),
  };
}

/** Sum over layers of the context each layer attends to (sliding-window layers at most the window). */
function layerContext(s: ModelShape, context: number, windowExtra = 0): number {
  const full = s.layers - s.slidingWindowLayers;
  const windowed = s.slidingWindowTokens === undefined ? 0 : s.slidingWindowLayers * Math.min(context, s.slidingWindowTokens + windowExtra);
  return full * context + windowed;
}

/** Expected distinct experts a step's tokens route to (uniform routing). */
function expertsTouched(s: ModelShape, tokens: number): number {
  if (s.experts === 0) return 0;
  return s.experts * (1 - Math.pow(1 - s.expertsPerToken / s.experts, tokens));
}

/** Bandwidth a tensor-parallel all-reduce achieves over the accelerator's link, bytes/s: the link per direction times its all-reduce share. */
export function allReduceLinkBytesPerSecond(accelerator: AcceleratorRecord): number {
  const perf = ACCELERATOR_PERFORMANCE[accelerator.gkeLabel] ?? DEFAULT_ACCELERATOR_PERFORMANCE;
  return perf.interconnectGBps * GB * (perf.interconnectEfficiency ?? C.interconnectEfficiency.value);
}

/**
 * Time of one all-reduce of `bytes` over `tp` GPUs, seconds: two point-to-point latencies, and a ring's 2 (tp - 1) / tp of the
 * bytes over the link at its all-reduce bandwidth.
 */
export function allReduceSeconds(linkBytesPerSecond: number, tp: number, bytes: number): number {
  return (2 * C.p2pLatencyMilliseconds.value) / 1000 + ((2 * (tp - 1)) / tp) * bytes / linkBytesPerSecond;
}

interface Hardware {
  readonly bandwidth: number;
  /** Achieved bandwidth of the attention kernels reading the paged KV cache. */
  readonly kvBandwidth: number;
  readonly flops: number;
  /** Achieved FLOP/s of a prompt's prefill. */
  readonly prefillFlops: number;
  /** Achieved FLOP/s of the expert GEMMs of a MoE layer in decode steps and in a prompt's prefill. */
  readonly expertFlops: number;
  readonly expertPrefillFlops: number;
  /** Achieved FLOP/s of the attention matmuls (QK and score x V) in decode steps and in a prompt's prefill. */
  readonly attentionFlops: number;
  readonly attentionPrefillFlops: number;
  readonly link: number;
  readonly tp: number;
  readonly terms: ServingTerms;
}

function hardware(
  accelerator: AcceleratorRecord, tp: number, terms: ServingTerms, computeTflops: number | undefined, fp8Attention: boolean,
  expertGemmTflops: number | undefined,
): Hardware {
  const perf = ACCELERATOR_PERFORMANCE[accelerator.gkeLabel] ?? DEFAULT_ACCELERATOR_PERFORMANCE;
  const bf16 = accelerator.bf16DenseTflops ?? perf.fallbackDenseTflops;
  const tflops = computeTflops ?? bf16;
  if (tflops === undefined || bf16 === undefined) throw new Error(`${accelerator.gkeLabel} has no dense throughput figure for the performance model`);
  // The attention matmuls take the activations (queries) and the KV cache, never the weights: they run at the KV cache's dtype, FP8
  // with an FP8 KV cache ("--kv-cache-dtype fp8 ... runs the entire attention computation (the QK and ScoreV matrix multiplications)
  // in FP8", https://vllm.ai/blog/fp8-kvcache, 2026-04-22) and bf16 otherwise, whatever the weight format (an FP4 or INT8 peak does
  // not reach them).
  const attentionTflops = Math.min(tflops, fp8Attention ? (accelerator.fp8DenseTflops ?? bf16) : bf16);
  const flops = tflops * 1e12 * terms.computeEfficiency;
  const prefillFlops = tflops * 1e12 * Math.min(1, terms.computeEfficiency * terms.prefillEfficiency);
  // expert GEMMs at the grouped-GEMM share of the dense rate, and never above what the server's kernel was measured to reach
  const expertCeiling = expertGemmTflops === undefined ? Infinity : expertGemmTflops * 1e12;
  return {
    expertFlops: Math.min(expertCeiling, flops * terms.expertComputeEfficiency),
    expertPrefillFlops: Math.min(expertCeiling, prefillFlops * terms.expertComputeEfficiency),
    attentionFlops: attentionTflops * 1e12 * terms.computeEfficiency,
    attentionPrefillFlops: attentionTflops * 1e12 * Math.min(1, terms.computeEfficiency * terms.prefillEfficiency),
    bandwidth: accelerator.memoryBandwidthGBps * GB * terms.memoryBandwidthEfficiency,
    kvBandwidth: accelerator.memoryBandwidthGBps * GB * terms.kvBandwidthEfficiency,
    flops,
    prefillFlops,
    link: allReduceLinkBytesPerSecond(accelerator),
    tp,
    terms,
  };
}

/**
 * Time of one step, seconds: `decode` running sequences at `context` tokens each, plus `prefill` prompt
 * tokens whose average causal context is `prefillContext`. `kernelScale` (the calibration) multiplies the
 * memory, compute and communication time, not the fixed per-step and per-layer latencies.
 */
export function stepSeconds(
  s: ModelShape, hw: Hardware, decode: number, context: number, prefill: number, prefillContext: number, kernelScale: number = 1,
): number {
  const tokens = decode + prefill;
  const weightBytes = s.denseBytes - s.lookupBytes + expertsTouched(s, tokens) * s.bytesPerExpert;
  // each rank reads its share of the KV heads, or the whole latent (MLA). A GQA model with fewer KV heads than ranks also reads
  // its replicated heads (tp / kv_heads copies), which the fitted serving terms do not include yet: left to the next re-fit
  const kvReplicas = s.latentAttention ? hw.tp : 1;
  const kvBytes = decode * layerContext(s, context) * s.kvBytesPerLayerToken * kvReplicas;
  const attentionFlopsPerContextToken = s.attentionFlopsPerContextToken;
  // the weight GEMMs and the attention kernels run one after the other, each bound by memory or compute
  // expert FLOPs run at the expert rate (Hardware.expertFlops), the rest at the dense rate
  const denseParams = s.activeParams - s.lookupParams - s.activeExpertParams;
  const experts = s.activeExpertParams;
  const gemm = Math.max(
    weightBytes / hw.tp / hw.bandwidth,
    (2 * denseParams * decode) / hw.tp / hw.flops + (2 * (denseParams - s.lmHeadParams) * prefill) / hw.tp / hw.prefillFlops
      + (2 * experts * decode) / hw.tp / hw.expertFlops + (2 * experts * prefill) / hw.tp / hw.expertPrefillFlops,
  );
  const attention = Math.max(
    kvBytes / hw.tp / hw.kvBandwidth,
    (attentionFlopsPerContextToken * decode * layerContext(s, context)) / hw.tp / hw.attentionFlops
      + (attentionFlopsPerContextToken * prefill * layerContext(s, prefillContext)) / hw.tp / hw.attentionPrefillFlops,
  );
  // the activations every token writes and reads between kernels (norms, rope, the MLP's activation function, the MoE permutation
  // and the weighted sum of the experts' outputs): memory-bound traffic that no weight format shrinks, and the cost that bounds
  // tiny-active MoE models at FP4, whose GEMMs are fast (Qwen3-30B-A3B NVFP4 on B200)
  const replicated = s.replicatedActivationBytesPerToken;
  const activations = (tokens * ((s.activationBytesPerToken - replicated) / hw.tp + replicated)) / hw.bandwidth;
  let communication = 0;
  if (hw.tp > 1) {
    const bytes = tokens * s.hiddenSize * C.activationBytes.value;
    communication = 2 * s.layers * allReduceSeconds(hw.link, hw.tp, bytes);
  }
  const t = hw.terms;
  const fixed = (s.layers * t.layerLatencyMilliseconds + s.moeLayers * t.moeLayerLatencyMilliseconds + t.stepOverheadMilliseconds) / 1000;
  return kernelScale * (gemm + attention + activations + communication) + fixed + (decode * t.sequenceOverheadMicroseconds) / 1e6;
}

/** One pipeline stage of `pp`: a 1/pp share of the layers and of the weights (the KV bytes per layer and token are unchanged). */
function stageShape(s: ModelShape, pp: number): ModelShape {
  return {
    ...s,
    layers: s.layers / pp,
    activeParams: s.activeParams / pp,
    lookupParams: s.lookupParams / pp,
    lookupBytes: s.lookupBytes / pp,
    lmHeadParams: s.lmHeadParams / pp,
    activeExpertParams: s.activeExpertParams / pp,
    denseBytes: s.denseBytes / pp,
    bytesPerExpert: s.bytesPerExpert / pp,
    slidingWindowLayers: s.slidingWindowLayers / pp,
    moeLayers: s.moeLayers / pp,
  };
}

/** Whether vLLM takes its larger batch defaults on the accelerator: at least 70 GiB and not an A100. */
function largeGpu(accelerator: AcceleratorRecord): boolean {
  return (accelerator.memoryGb * GB) / GIB >= C.largeGpuMemoryGiB.value && !accelerator.gkeLabel.includes('a100');
}

/** The V1 engine raises max_num_seqs on large GPUs other than A100; on TPU the library sets the GKE tutorial's 128. */
function maxNumSeqs(accelerator: AcceleratorRecord, v1: boolean): number {
  if (accelerator.family === 'tpu') return C.tpuMaxNumSeqs.value;
  return v1 && largeGpu(accelerator) ? C.maxNumSeqsLargeGpu.value : C.maxNumSeqs.value;
}

/** vLLM's per-step token budget of the OpenAI-compatible server on the accelerator; on TPU the library emits the GKE tutorial's 512. */
function maxNumBatchedTokens(accelerator: AcceleratorRecord): number {
  if (accelerator.family === 'tpu') return C.tpuMaxNumBatchedTokens.value;
  return largeGpu(accelerator) ? C.maxNumBatchedTokensLargeGpu.value : C.maxNumBatchedTokens.value;
}

/**
 * The performance model of a combination, or undefined when not one sequence of the workload fits
 * next to the weights.
 */
export function performanceModel(input: EstimateInput): PerformanceModel | undefined {
  const { model, accelerator, workload } = input;
  const tp = input.tensorParallelSize;
  const pp = input.pipelineParallelSize ?? 1;
  const s = modelShape(model, input.kvCacheBytesPerElement);
  const stage = pp === 1 ? s : stageShape(s, pp);
  const v1 = compareReleases(input.serverRelease, VLLM_RELEASES.v1Engine.release) >= 0;
  const terms = input.terms ?? SERVING_TERMS;
  const loopTerms = v1 ? terms : { ...terms, stepOverheadMilliseconds: terms.stepOverheadMilliseconds + terms.v0StepOverheadMilliseconds };
  const stepTerms = input.cppExecutor ? { ...loopTerms, sequenceOverheadMicroseconds: 0 } : loopTerms;
  const hw = hardware(accelerator, tp, stepTerms, input.computeTflops, s.fp8Attention, input.expertGemmTflops);
  const isl = workload.meanInputTokens;
  const osl = workload.meanOutputTokens;
  const hybrid = input.windowedKvCache ?? compareReleases(input.serverRelease, VLLM_RELEASES.hybridKvCache.release) >= 0;

  // KV capacity: accelerator memory x utilisation - weights - runtime memory (the feasibility budget)
  const budget = memoryBudget(model, accelerator, tp * pp, tp);
  const kvCapacityBytes = Math.max(0, budget.kvCacheCapacityGb - (input.kvCacheReservedGb ?? 0)) * GB;
  const block = C.kvCacheBlockTokens.value;
  const heldContext = isl + osl / 2 + block / 2;
  // every copy counts: the tensor-parallel ranks replicate a latent (MLA) or KV heads fewer than the ranks
  const sequenceBytes = (context: number) =>
    (hybrid ? layerContext(s, context, block) : s.layers * context) * s.kvBytesPerLayerToken * budget.kvCacheReplicas;
  const kvBytesPerSequence = sequenceBytes(heldContext);
  // what admission counts a sequence as: what it holds on average, or its whole prompt and output reserved up front
  const admittedBytes = input.reservesWholeSequence ? sequenceBytes(isl + osl + block / 2) : kvBytesPerSequence;
  const kvLimit = kvCapacityBytes > 0 ? Math.floor(kvCapacityBytes / admittedBytes) : 0;
  const seqLimit = input.maxNumSeqs ?? maxNumSeqs(accelerator, v1);
  const tokenBudget = input.maxNumBatchedTokens ?? maxNumBatchedTokens(accelerator);
  // With prompts riding in the decode steps, a step holds at most the token budget (vLLM's max_num_batched_tokens, "Maximum
  // number of tokens to be processed in a single iteration", SchedulerConfig). In the steady state every running sequence decodes
  // one token a step and b / osl new prompts of isl tokens arrive, b x (1 + isl / osl) tokens a step, so the budget sustains a
  // running batch of budget x osl / (isl + osl); trtllm-bench sizes its max_num_tokens by the same sum
  // (tensorrt_llm/bench/build/tuning.py, finetune_setting: `raw_bs * (1 + input_len / output_len)`). A pipeline of P stages keeps P
  // batches in flight, each scheduled within the budget (vLLM's max_concurrent_batches: "PP requires PP-size concurrent batches
  // to fill the pipeline", vllm/config/vllm.py).
  const budgetLimit = v1 ? Math.max(1, Math.floor((pp * tokenBudget * osl) / (isl + osl))) : Infinity;
  const maxRunningBatch = Math.min(kvLimit, seqLimit, budgetLimit);
  if (maxRunningBatch < 1) return undefined;

  const decodeContext = isl + osl / 2;
  const prefillContext = isl / 2;
  /** One iteration over the whole pipeline: P stage steps of a micro-batch of 1/P of the work, each with its hop to the next node. */
  const step = (decode: number, context: number, prefill: number, prefillCtx: number, k: number): number => {
    if (pp === 1) return stepSeconds(s, hw, decode, context, prefill, prefillCtx, k);
    const hopBytes = ((decode + prefill) / pp) * s.hiddenSize * C.activationBytes.value;
    const hop = C.pipelineHopMilliseconds.value / 1000 + hopBytes / (C.interNodeGBps.value * GB);
    return pp * (stepSeconds(stage, hw, decode / pp, context, prefill / pp, prefillCtx, k) + k * hop);
  };
  /** Time between two output tokens of the running batch and the time of the step that carries a new prompt. */
  const loop = (b: number, k: number): { itl: number; promptStep: number } => {
    if (v1) {
      // Prompts ride in the decode steps as chunks of up to the step's token budget beside the decode tokens. In the steady state
      // b / osl prompts arrive per step (b x isl / osl prompt tokens); when that is less than a chunk, a share of the steps carries
      // a whole chunk and the rest decode alone. The time is the same for costs linear in tokens, but a MoE step reads the experts
      // its tokens route to: a decode-only step of a few sequences reads a few experts, a step with a chunk nearly all of them.
      const promptTokens = (b * isl) / osl;
      const chunk = Math.max(1, Math.min(isl, tokenBudget - b));
      const share = promptTokens / chunk;
      const itl = share >= 1
        ? step(b, decodeContext, promptTokens, prefillContext, k)
        : (1 - share) * step(b, decodeContext, 0, 0, k) + share * step(b, decodeContext, chunk, prefillContext, k);
      return { itl, promptStep: 0.5 * itl + step(b, decodeContext, promptTokens + isl, prefillContext, k) };
    }
    const decode = step(b, decodeContext, 0, 0, k);
    const promptsPerStep = Math.max(1, b / osl);
    const prefill = step(0, 0, promptsPerStep * isl, prefillContext, k);
    return { itl: decode + ((b / osl) / promptsPerStep) * prefill, promptStep: 0.5 * decode + prefill };
  };

  const at = (concurrency: number, timeScale: number = 1): ModelPoint => {
    const n = Math.max(1, concurrency);
    const b = Math.min(n, maxRunningBatch);
    const { itl, promptStep } = loop(b, timeScale);
    const tokensPerSecond = b / itl;
    const requestsPerSecond = tokensPerSecond / osl;
    const waiting = n - b;
    const ntpotMilliseconds = (n / tokensPerSecond) * 1000;
    const firstToken = (waiting / requestsPerSecond + promptStep) * 1000;
    const ttftMilliseconds = firstToken + terms.requestOverheadMilliseconds;
    // the decode gaps of one request: its latency less its first token over the tokens after the first (the step time spreads its
    // own prompt over its decode steps, which a request's gaps do not carry); the per-request overhead is in neither
    const gaps = osl > 1 ? (osl * ntpotMilliseconds - firstToken) / (osl - 1) : Number.NaN;
    // no gap is shorter than a decode step of the running batch without any prompt (the weights are streamed every step), nor longer
    // than the step with every prompt: short outputs after long prompts would otherwise read below the bandwidth floor
    const decodeOnly = step(b, decodeContext, 0, 0, timeScale) * 1000;
    const itlMilliseconds = Number.isFinite(gaps) ? Math.min(itl * 1000, Math.max(decodeOnly, gaps)) : decodeOnly;
    return {
      concurrency: n,
      requestsPerSecond,
      outputTokensPerSecond: tokensPerSecond,
      inputTokensPerSecond: requestsPerSecond * isl,
      ntpotMilliseconds,
      ttftMilliseconds,
      itlMilliseconds,
      stepMilliseconds: itl * 1000,
      runningBatchSize: b,
      waitingQueueSize: waiting,
      kvCacheUtilization: Math.min(1, (b * kvBytesPerSequence) / kvCapacityBytes),
    };
  };

  return {
    at,
    maxRunningBatch,
    batchLimit: maxRunningBatch === kvLimit ? 'kv-cache' : maxRunningBatch === seqLimit ? 'max-num-seqs' : 'token-budget',
    kvBytesPerSequence,
    kvCapacityBytes,
    bandwidthFloorMilliseconds:
      ((s.denseBytes - s.lookupBytes + expertsTouched(s, 1) * s.bytesPerExpert) / tp / (accelerator.memoryBandwidthGBps * GB)) * 1000,
    chunkedPrefill: v1,
  };
}

/** Multiples of the largest running batch at which saturated points are read (queueing past the inflection). */
const SATURATION_MULTIPLES = [1.1, 1.25, 1.5, 2, 3, 4, 6, 8, 12, 16];

/** Concurrencies a curve is read at: geometric steps up to the largest running batch, then saturation. */
export function loadGrid(maxRunningBatch: number): number[] {
  const grid = new Set<number>();
  for (let n = 1; n < maxRunningBatch; n = Math.max(n + 1, Math.round(n * 1.25))) grid.add(n);
  grid.add(maxRunningBatch);
  for (const m of SATURATION_MULTIPLES) grid.add(Math.round(maxRunningBatch * m));
  return [...grid].sort((a, b) => a - b);
}
