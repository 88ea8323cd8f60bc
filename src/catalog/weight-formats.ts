/**
 * The weight formats and KV-cache dtypes a checkpoint is stored or served in, and what each costs in bytes: catalog facts (a model
 * record says the format its checkpoint ships in), read by the performance model, the resolver and the catalog's precision views.
 * The compute each format runs at on an accelerator, and the server flags, are the performance model's (performance/precision.ts).
 */
import { ModelRecord } from './types';

/** How the weights are stored and multiplied. */
export enum WeightPrecision {
  /** As the checkpoint ships (bf16 for most; MXFP4 experts for gpt-oss). */
  CHECKPOINT = 'checkpoint',
  /** FP8 E4M3: W8A8 on Ada, Hopper and Blackwell; weight-only (Marlin) on Ampere. vLLM quantizes a bf16 checkpoint online. */
  FP8 = 'fp8',
  /** INT8 W8A8 (a pre-quantized compressed-tensors checkpoint), on the int8 tensor cores. */
  INT8 = 'int8',
  /** 4-bit AWQ, weight-only (bf16/fp16 activations), from a pre-quantized checkpoint. */
  INT4_AWQ = 'int4-awq',
  /** 4-bit GPTQ, weight-only, from a pre-quantized checkpoint. */
  INT4_GPTQ = 'int4-gptq',
  /** OCP MXFP4 (4-bit, one 8-bit scale per 32): W4A8 on Blackwell, weight-only elsewhere. */
  MXFP4 = 'mxfp4',
  /** NVIDIA NVFP4 (4-bit, one FP8 scale per 16), Blackwell only. */
  NVFP4 = 'nvfp4',
}

/** The KV cache's element type. */
export enum KvCacheDtype {
  /** The model's dtype (bf16): vLLM's `--kv-cache-dtype=auto`. */
  AUTO = 'auto',
  /** FP8 E4M3: half the bytes per token, so about twice the running batch. */
  FP8 = 'fp8',
  /**
   * INT8, on TPU with JetStream (MaxText `quantize_kvcache=true`), as GKE's multi-host Pathways tutorial serves Llama 3.1 405B.
   * vLLM's quantized KV cache is `fp8`.
   */
  INT8 = 'int8',
}

/** Bits per weight of each format, scales included. */
const BITS_PER_WEIGHT: Readonly<Record<WeightPrecision, number>> = {
  [WeightPrecision.CHECKPOINT]: 16,
  [WeightPrecision.FP8]: 8,
  [WeightPrecision.INT8]: 8,
  // 4 bits + an fp16 scale and zero point per group of 128
  [WeightPrecision.INT4_AWQ]: 4.25,
  [WeightPrecision.INT4_GPTQ]: 4.25,
  // 4 bits + an 8-bit exponent per block of 32
  [WeightPrecision.MXFP4]: 4.25,
  // 4 bits + an FP8 scale per block of 16
  [WeightPrecision.NVFP4]: 4.5,
};

/** Whether the checkpoint ships its linear layers (or its experts) in FP8: its config names the format, vLLM reads it. */
export function shipsFp8(model: ModelRecord): boolean {
  return model.checkpointFormat === 'fp8' || model.checkpointFormat === 'fp8-block' || model.checkpointFormat === 'fp8-experts';
}

/** Whether a checkpoint ships quantized (smaller than its bf16 size). */
export function shipsQuantized(model: ModelRecord): boolean {
  return model.checkpointWeightsGb < 0.99 * model.bf16WeightsGb;
}

/**
 * The bf16 bytes of the token embedding table and, when the model does not tie it, of the output projection (lm_head), GB.
 * The weight formats leave them in bf16: vLLM's FP8 config quantizes linear layers (`Fp8Config.get_quant_method` returns a quantized
 * method for `LinearBase` and `FusedMoE` only, vllm/model_executor/layers/quantization/fp8.py, and `ParallelLMHead` is a
 * `VocabParallelEmbedding`), quantized checkpoints say "Only the weights of the linear operators within transformers blocks are
 * quantized" (RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16 model card), and MaxText's int8 "do[es] not quantize the
 * logits matmul" (AI-Hypercomputer/maxtext src/maxtext/layers/decoders.py).
 */
export function embeddingTablesGb(model: ModelRecord): number {
  return (model.vocabSize * model.hiddenSize * (model.tiedEmbeddings ? 1 : 2) * 2) / 1e9;
}

/** The weight format a checkpoint ships in, as `WeightPrecision`; undefined for a quantized checkpoint whose format is not recorded. */
export function shippedPrecision(model: ModelRecord): WeightPrecision | undefined {
  switch (model.checkpointFormat) {
    case 'fp8': case 'fp8-block': case 'fp8-experts': return WeightPrecision.FP8;
    case 'mxfp4': case 'mxfp4-experts': return WeightPrecision.MXFP4;
    case 'nvfp4': return WeightPrecision.NVFP4;
    case 'int8': return WeightPrecision.INT8;
    case 'int4-awq': return WeightPrecision.INT4_AWQ;
    case 'int4-gptq': return WeightPrecision.INT4_GPTQ;
    case 'bf16': return WeightPrecision.CHECKPOINT;
    default: return shipsQuantized(model) ? undefined : WeightPrecision.CHECKPOINT;
  }
}

/**
 * Weights loaded into accelerator memory, GB, in a format: the linear layers at the format's bits (scales included), the
 * embedding tables in bf16 (`embeddingTablesGb`); a checkpoint that already ships in 4 bits keeps its own size.
 */
export function weightsGbFor(model: ModelRecord, weights: WeightPrecision): number {
  if (weights === WeightPrecision.CHECKPOINT || (weights === WeightPrecision.MXFP4 && shipsQuantized(model))) return model.checkpointWeightsGb;
  const tables = embeddingTablesGb(model);
  return tables + ((model.bf16WeightsGb - tables) * BITS_PER_WEIGHT[weights]) / 16;
}
