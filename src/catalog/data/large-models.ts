// Hand-written (not generated): the large mixture-of-experts models GKE Inference Quickstart lists and users deploy
// now (DeepSeek-R1, Llama 4 Scout and Maverick, Qwen3 235B), and the common pre-quantized FP8 checkpoints of the
// catalog's dense models. Every architecture figure is read from the model's config.json as the aiconfigurator
// repository vendors it (ai-dynamo/aiconfigurator @095f58a5, aic-core/src/aiconfigurator_core/model_configs/), the
// same commit the models.csv rows cite. Parameter counts are computed from those figures (see COUNTING); weight sizes
// follow from the checkpoint's quantization_config (see each checkpointWeightsNote).

import { CheckpointFormat, ModelRecord } from '../types';

/** Where the architecture figures come from: the model configs the aiconfigurator repository vendors. */
export const AIC_CONFIGS = 'ai-dynamo/aiconfigurator @095f58a5 aic-core/src/aiconfigurator_core/model_configs/';
const AIC = AIC_CONFIGS;
const COUNTING = 'parameters computed from the config: attention + dense MLPs (3 x hidden x intermediate) + routed experts (3 x hidden x '
  + 'moe_intermediate each) + shared experts + routers + embedding and lm_head (untied); norms left out';
const LLAMA4_LAYERS = 'huggingface/transformers models/llama4/configuration_llama4.py: no_rope_layer_interval defaults to 4 (every 4th layer '
  + 'is NoPE with full attention) and the RoPE layers use chunked attention of attention_chunk_size tokens, so 36 of 48 layers are chunked; '
  + 'vLLM v1 keeps one chunk of KV for them (vllm/v1/kv_cache_interface.py ChunkedLocalAttentionSpec)';
const LLAMA4_SAMPLES = 'GoogleCloudPlatform/kubernetes-engine-samples @2b503651 ai-ml/llm-serving-llama/vllm/ (vLLM v0.10.0, 8 x nvidia-h100-80gb, '
  + 'tensor-parallel-size 8)';
const LLAMA_GATING = 'gated: Hugging Face token plus acceptance of the Llama 4 Community License';
const QWEN3_RELEASE = 'Qwen3 was released on 2025-04-29; vLLM 0.8.5 added it (recalled)';

/** KV cache per token in bf16, KiB: per-head K and V on every layer, or one latent of (kv_lora_rank + qk_rope_head_dim) with MLA. */
export function kvCacheKibPerTokenBf16(m: Pick<ModelRecord, 'layers' | 'kvHeads' | 'headDim' | 'kvLoraRank' | 'qkRopeHeadDim'>): number {
  const perLayer = m.kvLoraRank !== undefined ? m.kvLoraRank + (m.qkRopeHeadDim ?? 0) : 2 * m.kvHeads * m.headDim;
  return (m.layers * perLayer * 2) / 1024;
}

type Facts = Omit<ModelRecord, 'bf16WeightsGb' | 'kvCacheKibPerTokenBf16' | 'checkpointWeightsGb' | 'checkpointWeightsNote' | 'hubWeightFormat'>;

/** A record whose checkpoint ships in `format` at `weightsGb` (undefined: bf16, parameters x 2). */
function record(fields: Facts, format: CheckpointFormat, weightsGb: number | undefined, weightsNote: string, bf16WeightsGb?: number): ModelRecord {
  const bf16 = bf16WeightsGb ?? Math.round(fields.paramsTotalB * 2 * 10) / 10;
  return {
    ...fields,
    bf16WeightsGb: bf16,
    checkpointWeightsGb: weightsGb ?? bf16,
    checkpointWeightsNote: weightsNote,
    kvCacheKibPerTokenBf16: kvCacheKibPerTokenBf16(fields),
    hubWeightFormat: format === 'bf16' ? 'bf16 safetensors' : `${format} safetensors`,
    checkpointFormat: format,
  };
}

/** The same architecture as `base`, shipped as an FP8 checkpoint of `weightsGb`. */
function fp8Variant(base: ModelRecord, id: string, format: CheckpointFormat, weightsGb: number, weightsNote: string, source: string,
  gating: Pick<ModelRecord, 'gating' | 'gatingNote'>): ModelRecord {
  return {
    ...base,
    ...gating,
    id,
    inGiqModelList: false,
    checkpointWeightsGb: weightsGb,
    checkpointWeightsNote: weightsNote,
    hubWeightFormat: `${format} safetensors`,
    checkpointFormat: format,
    notes: `FP8 checkpoint of ${base.id} (same architecture); vLLM reads the format from its config, no --quantization flag`,
    unverifiedFields: gating.gating === 'unverified' ? 'gating' : '',
    source,
    trust: 'B (architecture); C (weights, computed)',
  };
}

const DEEPSEEK_R1 = record({
  id: 'deepseek-ai/DeepSeek-R1',
  inGiqModelList: true,
  paramsTotalB: 671.03,
  paramsActiveB: 37.55,
  layers: 61,
  hiddenSize: 7168,
  attentionHeads: 128,
  kvHeads: 128,
  headDim: 192,
  intermediateSize: 2048,
  experts: 256,
  expertsPerToken: 8,
  sharedExperts: 1,
  denseLeadingLayers: 3,
  kvLoraRank: 512,
  qkRopeHeadDim: 64,
  vocabSize: 129280,
  maxContext: 163840,
  attentionPattern: 'multi-head latent attention (kv_lora_rank 512 + qk_rope_head_dim 64 per token and layer)',
  minModelServerRelease: '0.7.1',
  gating: 'not-gated',
  gatingNote: 'not gated',
  license: 'MIT',
  notes: 'MoE: 256 routed experts (moe_intermediate_size 2048, 8 per token) + 1 shared expert on 58 layers, dense MLP '
    + '(intermediate_size 18432) on the first 3 (first_k_dense_replace); MLA with q_lora_rank 1536, qk_nope_head_dim 128, '
    + 'qk_rope_head_dim 64, v_head_dim 128 (headDim 192 is the query/key head); the computed 671.03 B total and 37.55 B active match '
    + 'the card\'s 671 B and 37 B; the multi-token-prediction layer (num_nextn_predict_layers 1) is not loaded by vLLM without speculative '
    + 'decoding (vllm model_executor/models/deepseek_v2.py load_weights: "skip spec decode layers for main model")',
  unverifiedFields: 'license; minModelServerRelease (DeepSeek-V3 architecture in vLLM from 0.7.1, recalled)',
  source: `${AIC}deepseek-ai--DeepSeek-R1_config.json (num_hidden_layers 61, hidden_size 7168, num_attention_heads 128, `
    + 'kv_lora_rank 512, qk_rope_head_dim 64, n_routed_experts 256, n_shared_experts 1, num_experts_per_tok 8, moe_intermediate_size 2048, '
    + 'intermediate_size 18432, first_k_dense_replace 3, vocab_size 129280, max_position_embeddings 163840, quantization_config fp8 e4m3 '
    + `weight_block_size [128, 128]); ${COUNTING}; GoogleCloudPlatform/kubernetes-engine-samples @2b503651 `
    + 'ai-ml/llm-multihost-gpus/vllm-deepseek-r1-A3.yaml (2 x 8 nvidia-h100-80gb, tensor 8 x pipeline 2, max-model-len 4096)',
  trust: 'B',
}, 'fp8-block', 673.1, 'computed: every linear layer in FP8 (1 byte) with an fp32 scale per 128x128 block; embedding, lm_head and routers '
  + 'in bf16 (config quantization_config fp8, weight_block_size [128, 128])');

const LLAMA4_COMMON = {
  inGiqModelList: true,
  hiddenSize: 5120,
  attentionHeads: 40,
  kvHeads: 8,
  headDim: 128,
  intermediateSize: 8192,
  expertsPerToken: 1,
  sharedExperts: 1,
  vocabSize: 202048,
  attentionChunkTokens: 8192,
  chunkedAttentionLayers: 36,
  attentionPattern: 'chunked attention (8192 tokens) on 3 of 4 layers, full attention (NoPE) on every 4th',
  minModelServerRelease: '0.8.3',
  gating: 'gated' as const,
  gatingNote: LLAMA_GATING,
  license: 'Llama 4 Community License',
  trust: 'B (architecture); C (weights)',
};

const LLAMA4_SCOUT = record({
  ...LLAMA4_COMMON,
  id: 'meta-llama/Llama-4-Scout-17B-16E-Instruct',
  paramsTotalB: 107.77,
  paramsActiveB: 17.17,
  layers: 48,
  experts: 16,
  maxContext: 10485760,
  notes: 'MoE on every layer (interleave_moe_layer_step 1): 16 routed experts of 8192, 1 per token, plus a shared expert; the text '
    + 'model computes to 107.77 B total and 17.17 B active (card: 109 B total with the vision encoder, 17 B active); the weights loaded '
    + 'are the card\'s 109 B in bf16 (218 GB), vision encoder included',
  unverifiedFields: 'minModelServerRelease (Llama 4 in vLLM from 0.8.3, recalled); vision encoder size (card total)',
  source: `${AIC}meta-llama--Llama-4-Scout-17B-16E-Instruct_config.json text_config (num_hidden_layers 48, hidden_size 5120, `
    + 'num_attention_heads 40, num_key_value_heads 8, head_dim 128, intermediate_size 8192, intermediate_size_mlp 16384, num_local_experts 16, '
    + 'num_experts_per_tok 1, interleave_moe_layer_step 1, attention_chunk_size 8192, vocab_size 202048, max_position_embeddings 10485760); '
    + `${COUNTING}; ${LLAMA4_LAYERS}; ${LLAMA4_SAMPLES} vllm-llama4-scout-17b-16e-instruct.yaml (max-model-len 1310720)`,
}, 'bf16', undefined, 'Hugging Face model card: 109 B parameters (vision encoder included) x 2 bytes', 218.0);

const LLAMA4_MAVERICK_FP8 = record({
  ...LLAMA4_COMMON,
  id: 'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8',
  paramsTotalB: 400.71,
  paramsActiveB: 17.18,
  layers: 48,
  experts: 128,
  moeLayerStep: 2,
  maxContext: 1048576,
  notes: 'MoE on every other layer (interleave_moe_layer_step 2): 128 routed experts of 8192, 1 per token, plus a shared expert; the '
    + 'other 24 layers have a dense MLP of intermediate_size_mlp 16384; the computed 400.71 B total and 17.18 B active match the card\'s '
    + '400 B and 17 B (text model; the vision encoder is left out)',
  unverifiedFields: 'minModelServerRelease (recalled); which modules the FP8 checkpoint quantizes (routed experts assumed, the rest bf16)',
  source: `${AIC}meta-llama--Llama-4-Maverick-17B-128E-Instruct_config.json text_config (the FP8 repository ships the same architecture: `
    + 'num_hidden_layers 48, hidden_size 5120, num_attention_heads 40, num_key_value_heads 8, head_dim 128, intermediate_size 8192, '
    + 'intermediate_size_mlp 16384, num_local_experts 128, num_experts_per_tok 1, interleave_moe_layer_step 2, attention_chunk_size 8192, '
    + `vocab_size 202048, max_position_embeddings 1048576); ${COUNTING}; ${LLAMA4_LAYERS}; ${LLAMA4_SAMPLES} `
    + 'vllm-llama4-maverick-17b-128e-instruct-fp8.yaml (max-model-len 524288)',
}, 'fp8-experts', 414.9, 'computed: the 386.55 B routed-expert parameters in FP8 (1 byte), the other 14.16 B in bf16; the checkpoint\'s '
  + 'quantization_config was not read (unverified)');

/** What the Qwen3 MoE models share (their config.json files, and the Qwen3 release). */
export const QWEN3_MOE_COMMON = {
  inGiqModelList: false,
  headDim: 128,
  experts: 128,
  expertsPerToken: 8,
  vocabSize: 151936,
  maxContext: 40960,
  attentionPattern: 'full attention',
  minModelServerRelease: '0.8.5',
  gating: 'not-gated' as const,
  gatingNote: 'not gated',
  license: 'Apache-2.0',
  trust: 'B',
};

const QWEN3_235B = record({
  ...QWEN3_MOE_COMMON,
  id: 'Qwen/Qwen3-235B-A22B',
  paramsTotalB: 235.09,
  paramsActiveB: 22.19,
  layers: 94,
  hiddenSize: 4096,
  attentionHeads: 64,
  kvHeads: 4,
  intermediateSize: 1536,
  notes: 'MoE on every layer: 128 experts of moe_intermediate_size 1536, 8 per token, no shared expert; the computed 235.09 B total and '
    + '22.19 B active match the card\'s 235 B and 22 B; native context 32768/40960, extendable to 131072 with YaRN',
  unverifiedFields: 'license; minModelServerRelease (recalled)',
  source: `${AIC}Qwen--Qwen3-235B-A22B_config.json (num_hidden_layers 94, hidden_size 4096, num_attention_heads 64, num_key_value_heads 4, `
    + 'head_dim 128, moe_intermediate_size 1536, num_experts 128, num_experts_per_tok 8, vocab_size 151936, max_position_embeddings 40960, '
    + `tie_word_embeddings false); ${COUNTING}; server release: ${QWEN3_RELEASE}`,
}, 'bf16', undefined, 'computed: parameters x 2 bytes (bf16 checkpoint)');

/** Large MoE models beyond models.csv (DeepSeek-R1 and the Llama 4 models are in GIQ's model list). */
export const LARGE_MOE_MODELS: readonly ModelRecord[] = [
  DEEPSEEK_R1,
  LLAMA4_SCOUT,
  LLAMA4_MAVERICK_FP8,
  QWEN3_235B,
  fp8Variant(QWEN3_235B, 'Qwen/Qwen3-235B-A22B-FP8', 'fp8-block', 236.4,
    'computed: linear layers in FP8 with 128x128 block scales; embedding, lm_head and the routers (modules_to_not_convert) in bf16',
    `${AIC}Qwen--Qwen3-235B-A22B-FP8_config.json (the architecture of Qwen3-235B-A22B; quantization_config fp8 e4m3, weight_block_size `
      + '[128, 128], modules_to_not_convert lm_head, norms and mlp.gate)', { gating: 'not-gated', gatingNote: 'not gated' }),
];

/** A pre-quantized checkpoint of a catalog model's architecture. */
export interface Fp8Checkpoint {
  /** The catalog model whose architecture it ships. */
  readonly baseId: string;
  readonly id: string;
  readonly format: CheckpointFormat;
  readonly weightsGb: number;
  readonly weightsNote: string;
  readonly source: string;
  readonly gating: Pick<ModelRecord, 'gating' | 'gatingNote'>;
}

/**
 * FP8 checkpoints of catalog models, by the id of the model whose architecture they share. RedHatAI repositories are
 * LLM Compressor `compressed-tensors` checkpoints; Qwen's are block-quantized FP8.
 */
export const FP8_CHECKPOINTS: readonly Fp8Checkpoint[] = [
  {
    baseId: 'meta-llama/Llama-3.1-8B-Instruct',
    id: 'RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8',
    format: 'fp8',
    weightsGb: 9.1,
    weightsNote: 'computed: linear layers in FP8 (6.98 B parameters, 1 byte), embedding and lm_head (1.05 B) in bf16',
    source: 'vllm-project/vllm tests (tests/compile: RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8 served with tensor-parallel-size 2); architecture: '
      + 'models.csv row of meta-llama/Llama-3.1-8B-Instruct (ai-dynamo/aiconfigurator @095f58a5 meta-llama--Meta-Llama-3.1-8B_config.json)',
    gating: { gating: 'unverified', gatingNote: 'unverified (RedHatAI republishes the Llama 3.1 weights under the Llama 3.1 Community License)' },
  },
  {
    baseId: 'meta-llama/Llama-3.1-70B-Instruct',
    id: 'RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8',
    format: 'fp8',
    weightsGb: 72.7,
    weightsNote: 'computed: linear layers in FP8 (68.45 B parameters, 1 byte), embedding and lm_head (2.10 B) in bf16',
    source: 'public vLLM benchmark write-ups naming RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8 as an LLM Compressor compressed-tensors FP8 '
      + 'checkpoint; architecture: ai-dynamo/aiconfigurator @095f58a5 nvidia--Llama-3.1-70B-Instruct-FP8_config.json (hidden_size 8192, '
      + '80 layers, 64 heads, 8 KV heads, intermediate_size 28672)',
    gating: { gating: 'unverified', gatingNote: 'unverified (RedHatAI republishes the Llama 3.1 weights under the Llama 3.1 Community License)' },
  },
  {
    baseId: 'meta-llama/Llama-3.3-70B-Instruct',
    id: 'RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic',
    format: 'fp8',
    weightsGb: 72.7,
    weightsNote: 'computed: linear layers in FP8 per output channel (68.45 B parameters, 1 byte), embedding and lm_head (2.10 B) in bf16; '
      + 'a public model table lists the repository at 72.7 GB (compressed-tensors)',
    source: 'public deployment notes naming RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic (compressed-tensors FP8 E4M3 per-output-channel '
      + 'weights, dynamic per-token FP8 activations, 72.7 GB); architecture: models.csv row of meta-llama/Llama-3.3-70B-Instruct',
    gating: { gating: 'unverified', gatingNote: 'unverified (RedHatAI republishes the Llama 3.3 weights under the Llama 3.3 Community License)' },
  },
  {
    baseId: 'Qwen/Qwen3-32B',
    id: 'Qwen/Qwen3-32B-FP8',
    format: 'fp8-block',
    weightsGb: 34.3,
    weightsNote: 'computed: linear layers in FP8 with 128x128 block scales (31.21 B parameters), embedding and lm_head (1.56 B) in bf16',
    source: `${AIC}Qwen--Qwen3-32B-FP8_config.json (hidden_size 5120, 64 layers, 64 heads, 8 KV heads, head_dim 128, intermediate_size `
      + '25600; quantization_config fp8 e4m3, weight_block_size [128, 128])',
    gating: { gating: 'not-gated', gatingNote: 'not gated' },
  },
];

/** The FP8 checkpoint records, each with the architecture of its base record. */
export function fp8CheckpointRecords(bases: readonly ModelRecord[]): ModelRecord[] {
  return FP8_CHECKPOINTS.map((c) => {
    const base = bases.find((m) => m.id === c.baseId);
    if (!base) throw new Error(`large-models: ${c.baseId} is not in the catalog`);
    return fp8Variant(base, c.id, c.format, c.weightsGb, c.weightsNote, c.source, c.gating);
  });
}
