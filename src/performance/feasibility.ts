import { stageWeightBytes } from './weight-split';
import { Catalog } from '../catalog/catalog';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';
import { AcceleratorRecord, ModelRecord } from '../catalog/types';

const GIB = 1024 ** 3;
const GB = 1e9;

/** Accelerator memory budget for one replica of `model` on `count` accelerators. */
export interface MemoryBudget {
  readonly acceleratorMemoryGb: number;
  readonly gpuMemoryUtilization: number;
  readonly weightsGb: number;
  readonly runtimeOverheadGb: number;
  readonly kvCacheCapacityGb: number;
  readonly kvCacheKibPerToken: number;
  /** How many copies of each token's KV the tensor-parallel ranks hold (see `kvCacheReplicas`). */
  readonly kvCacheReplicas: number;
  /** Longest context whose KV cache fits next to the weights (0 when the weights alone do not fit). */
  readonly maxFittingTokens: number;
  /** On a pipeline-parallel group: the stage whose free memory per layer sets every stage's KV cache. */
  readonly tightestStage?: PipelineStageFit;
}

/** A pipeline stage's memory: its layers, the weights it loads and what is left for its KV cache (its GPUs together). */
export interface PipelineStageFit {
  /** 0-based. */
  readonly index: number;
  readonly stages: number;
  readonly layers: number;
  readonly weightsGb: number;
  readonly freeGb: number;
}

export function kvBytesPerToken(model: ModelRecord): number {
  return model.kvCacheKibPerTokenBf16 * 1024;
}

/**
 * How many tensor-parallel ranks hold the same KV of a token. vLLM shards K and V by KV head; with fewer KV heads than
 * ranks it replicates each head on tp / kv_heads ranks ("Number of KV heads is less than TP size, so we replicate the KV
 * heads across multiple tensor parallel GPUs", vllm model_executor/models/*.py attention, e.g. deepseek_v2.py
 * DeepseekAttention). Multi-head latent attention caches one latent per token (`[num_blocks, block_size, 1,
 * kv_lora_rank + qk_rope_head_dim]`, https://docs.vllm.ai/en/v0.9.0/api/vllm/distributed/kv_transfer/kv_connector/utils.html),
 * which every rank of the tensor-parallel group holds whole.
 */
export function kvCacheReplicas(model: ModelRecord, tensorParallelSize: number): number {
  if (model.kvLoraRank !== undefined) return tensorParallelSize;
  return tensorParallelSize > model.kvHeads ? tensorParallelSize / model.kvHeads : 1;
}

/**
 * The memory of one replica on `count` accelerators, `tensorParallelSize` of them per pipeline stage (default: all of them,
 * one stage). The KV capacity is the memory left for the cache; the tokens that fit count each token's copies.
 */
export function memoryBudget(model: ModelRecord, accelerator: AcceleratorRecord, count: number, tensorParallelSize: number = count): MemoryBudget {
  const util = SERVING_CONSTANTS.gpuMemoryUtilization.value;
  // the runtime's usable figure where the catalog has one (TPU v6e: 33.55 GB as JAX reports it), else the datasheet's
  const acceleratorMemoryGb = (accelerator.runtimeMemoryGb ?? accelerator.memoryGb) * count;
  const runtimeOverheadGb = (SERVING_CONSTANTS.otherMemoryGiBPerAccelerator.value * GIB * count) / GB;
  const replicas = accelerator.family === 'gpu' ? kvCacheReplicas(model, tensorParallelSize) : 1;
  const pooled = acceleratorMemoryGb * util - model.checkpointWeightsGb - runtimeOverheadGb;
  const pp = count / tensorParallelSize;
  const tightest = accelerator.family === 'gpu' && Number.isInteger(pp) && pp > 1
    ? tightestStage(model, pp, (acceleratorMemoryGb * util - runtimeOverheadGb) / pp) : undefined;
  const kvCacheCapacityGb = tightest ? tightest.capacityGb : pooled;
  const maxFittingTokens = kvCacheCapacityGb > 0 ? Math.floor((kvCacheCapacityGb * GB) / (kvBytesPerToken(model) * replicas)) : 0;
  return {
    acceleratorMemoryGb,
    gpuMemoryUtilization: util,
    weightsGb: model.checkpointWeightsGb,
    runtimeOverheadGb,
    kvCacheCapacityGb,
    kvCacheKibPerToken: model.kvCacheKibPerTokenBf16,
    kvCacheReplicas: replicas,
    maxFittingTokens,
    ...(tightest ? { tightestStage: tightest.stage } : {}),
  };
}

/**
 * The KV cache a pipeline-parallel group holds, set by its tightest stage. Each stage loads its own layers on its own GPUs
 * (`stageWeightBytes`: vLLM's uneven split, the embedding on the first stage and the output projection on the last), and vLLM
 * gives every stage the blocks of the smallest ("Change the num_blocks of each rank to the smallest among all ranks",
 * vllm/v1/core/kv_cache_utils.py `get_kv_cache_configs`). Returned as the whole group's capacity in whole-model tokens: the
 * tightest stage's free memory over its share of the layers.
 */
function tightestStage(model: ModelRecord, pp: number, usablePerStageGb: number): { capacityGb: number; stage: PipelineStageFit } {
  const stages = stageWeightBytes(model, pp);
  let worst: PipelineStageFit | undefined;
  let capacityGb = Infinity;
  stages.forEach((s, index) => {
    const freeGb = usablePerStageGb - s.bytes / GB;
    const asWholeModel = freeGb * (model.layers / s.layers);
    if (asWholeModel < capacityGb) {
      capacityGb = asWholeModel;
      worst = { index, stages: pp, layers: s.layers, weightsGb: s.bytes / GB, freeGb };
    }
  });
  return { capacityGb, stage: worst! };
}

/** The KV cache a running batch holds, against what the memory budget leaves for it after the weights at the served precision. */
export interface KvCacheFit {
  /** KV cache of the running batch at the served KV dtype, GB. */
  readonly needGb: number;
  /** What the budget leaves for the KV cache, GB. */
  readonly capacityGb: number;
  readonly fits: boolean;
}

/**
 * Whether `runningBatchSize` sequences of `kvCachePerSequenceMb` each (the estimator's figure: the workload's held context
 * x KV bytes per token at the served KV dtype x the copies the tensor-parallel ranks hold) fit in the KV capacity of
 * `budget`, whose weights are those of the served precision (the precision catalog's model records).
 */
export function kvCacheFitAt(budget: MemoryBudget, runningBatchSize: number, kvCachePerSequenceMb: number): KvCacheFit {
  const needGb = (runningBatchSize * kvCachePerSequenceMb) / 1e3;
  // a part per million of slack: the estimator rounds its batch down from the same capacity
  return { needGb, capacityGb: budget.kvCacheCapacityGb, fits: needGb <= budget.kvCacheCapacityGb * (1 + 1e-6) };
}

export function kvCacheGbFor(model: ModelRecord, tokens: number): number {
  return (tokens * kvBytesPerToken(model)) / GB;
}

/**
 * Whether `tp` ranks split the model's KV heads: each rank a whole share of them, or (where the server replicates heads, as vLLM
 * does: `kvCacheReplicas`) a multiple of them. A model with latent attention has one latent "KV head" any size takes.
 */
export function splitsKvHeads(model: ModelRecord, tp: number, replicates: boolean): boolean {
  return model.kvLoraRank !== undefined || model.kvHeads % tp === 0 || (replicates && tp % model.kvHeads === 0);
}

/** The block of a block-quantized FP8 checkpoint (`weight_block_size` [128, 128] in DeepSeek's and Qwen3's FP8 configs). */
const FP8_BLOCK = 128;

/**
 * Whether `tp` ranks split a block-quantized FP8 checkpoint's weights along whole blocks: vLLM refuses a shard that is not a
 * multiple of the block when it creates the weights ("The output_size of gate's and up's weight = 192 is not divisible by weight
 * quantization block_n = 128", vllm/model_executor/layers/quantization/fp8.py `Fp8MoEMethod.create_weights`; dense layers:
 * `validate_fp8_block_shape` in quantization/utils/fp8_utils.py, each output partition and the input partition of a row-parallel
 * layer). Qwen3-235B-A22B-FP8's 1536-wide experts split 4 ways (384), not 8 (192). Other formats split anywhere.
 */
export function splitsQuantBlocks(model: ModelRecord, tp: number): boolean {
  if (model.checkpointFormat !== 'fp8-block') return true;
  const whole = (width: number) => width % tp === 0 && (width / tp) % FP8_BLOCK === 0;
  // the MLP (an expert's on MoE models) and the attention heads' projections
  return whole(model.intermediateSize) && (model.kvLoraRank !== undefined || whole(model.attentionHeads * model.headDim));
}

/**
 * Tensor-parallel sizes vLLM can use for the model on one machine of the accelerator type: powers
 * of two that divide the attention heads and that a machine type carries, and that divide the KV heads
 * or are a multiple of them (vLLM then replicates each KV head, `kvCacheReplicas`). A model with
 * latent attention has one latent "KV head" and any size that divides the attention heads.
 */
export function validTensorParallelSizes(catalog: Catalog, model: ModelRecord, acceleratorType: string): number[] {
  const perMachine = new Set(catalog.acceleratorCountsPerMachine(acceleratorType));
  const sizes: number[] = [];
  for (let tp = 1; tp <= 16; tp *= 2) {
    const kvSplits = splitsKvHeads(model, tp, true);
    if (model.attentionHeads % tp === 0 && kvSplits && splitsQuantBlocks(model, tp) && perMachine.has(tp)) sizes.push(tp);
  }
  return sizes;
}

/**
 * Tensor-parallel sizes served by packing several replicas on one machine: sizes vLLM can use (as in
 * `validTensorParallelSizes`) that no machine type of the GPU carries exactly, but that divide the GPUs of one that
 * does: eight tensor-parallel-1 replicas of an 8B model on one a4-highgpu-8g, the normal way to run a small model on
 * GPUs sold only as 8-GPU machines (B200, H200, H100 Mega). Each pod requests its GPUs (`nvidia.com/gpu`), and the
 * kubelet's device plugin gives each its own (Kubernetes, Schedule GPUs: GPUs are not shared between containers).
 * Empty on TPUs and where machine types carry every size.
 */
export function packedTensorParallelSizes(catalog: Catalog, model: ModelRecord, acceleratorType: string): number[] {
  if (catalog.accelerator(acceleratorType)?.family !== 'gpu') return [];
  const perMachine = catalog.acceleratorCountsPerMachine(acceleratorType);
  const sizes: number[] = [];
  for (let tp = 1; tp <= 16; tp *= 2) {
    const kvSplits = splitsKvHeads(model, tp, true);
    const splits = model.attentionHeads % tp === 0 && kvSplits && splitsQuantBlocks(model, tp);
    if (splits && !perMachine.includes(tp) && perMachine.some((n) => n > tp && n % tp === 0)) sizes.push(tp);
  }
  return sizes;
}

/**
 * Whether a replica of `count` accelerators (one node, pipeline stages aside) holds the weights and one request of `maxModelLength`
 * tokens, or on a server that preallocates its decode slots (JetStream) one such slot per chip.
 */
export function holdsModelLength(
  model: ModelRecord, accelerator: AcceleratorRecord, count: number, maxModelLength: number, preallocated: boolean,
): boolean {
  const slots = preallocated ? count : 1;
  return memoryBudget(model, accelerator, count).maxFittingTokens >= maxModelLength * slots
    && (model.maxContext === undefined || maxModelLength <= model.maxContext);
}

/**
 * The smallest tensor-parallel size one machine serves (a machine's whole count, or a share of a larger machine's: see
 * `packedTensorParallelSizes`) whose memory holds the weights and one request of `maxModelLength`.
 */
export function smallestFittingTensorParallelSize(
  catalog: Catalog, model: ModelRecord, accelerator: AcceleratorRecord, maxModelLength: number,
): number | undefined {
  return [...validTensorParallelSizes(catalog, model, accelerator.gkeLabel), ...packedTensorParallelSizes(catalog, model, accelerator.gkeLabel)]
    .sort((a, b) => a - b)
    .find((tp) => memoryBudget(model, accelerator, tp).maxFittingTokens >= maxModelLength);
}

/** A multi-host replica: `pipelineParallelSize` nodes of `tensorParallelSize` accelerators each. */
export interface MultiHostPlan {
  readonly tensorParallelSize: number;
  readonly pipelineParallelSize: number;
  /** The memory budget across all the replica's accelerators. */
  readonly budget: MemoryBudget;
}

/**
 * The multi-host plan of a GPU type on which no single machine holds the model: tensor parallel over the
 * accelerators of the largest machine (the largest valid tensor-parallel size), pipeline parallel over the
 * fewest nodes whose memory holds the weights and one request of `maxModelLength` (vLLM needs at least one
 * layer per stage). Undefined on TPUs, when a single machine fits, or when no plan fits.
 */
export function multiHostPlan(
  catalog: Catalog, model: ModelRecord, accelerator: AcceleratorRecord, maxModelLength: number,
): MultiHostPlan | undefined {
  if (accelerator.family !== 'gpu' || smallestFittingTensorParallelSize(catalog, model, accelerator, maxModelLength) !== undefined) return undefined;
  const sizes = validTensorParallelSizes(catalog, model, accelerator.gkeLabel);
  const tp = sizes[sizes.length - 1];
  if (tp === undefined) return undefined;
  for (let pp = 2; pp <= model.layers; pp++) {
    const budget = memoryBudget(model, accelerator, tp * pp, tp);
    if (budget.maxFittingTokens >= maxModelLength) return { tensorParallelSize: tp, pipelineParallelSize: pp, budget };
  }
  return undefined;
}
