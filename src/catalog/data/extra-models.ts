// Hand-written (not generated): models users ask for beyond the reference table, and the attention
// and server-support facts the performance model needs for every catalog model. Every figure names its
// source. Parameter counts and weight sizes are computed from the config values with the same decoder
// arithmetic that reproduces models.csv (Llama-3.3-70B: 70.55 B): attention (q, k, v, o) + 3 x hidden x
// intermediate per layer, plus the embedding table once when tied and twice when not; norms and biases
// are left out (under 0.1%). KV cache KiB per token = 2 x layers x kv_heads x head_dim x 2 bytes / 1024.

import { AIC_CONFIGS, QWEN3_MOE_COMMON } from './large-models';
import { MODELS } from './models.generated';
import { ModelRecord } from '../types';

const RECALLED = 'config.json values as published in the model\'s Hugging Face repository, recalled (this build is offline and could not re-fetch them)';
const GEMMA_GATING = 'gated: accept the Gemma terms of use on Hugging Face';
const GEMMA_TOOLS = 'GKE serving tutorials (for example https://docs.cloud.google.com/kubernetes-engine/docs/tutorials/serve-vllm-tpu)';

/** Sliding-window attention of the catalog models, from models.csv's `attention_pattern` column. */
export interface AttentionWindow {
  readonly slidingWindowTokens: number;
  readonly slidingWindowLayers: number;
  readonly source: string;
}

const ALTERNATE = 'models.csv attention_pattern: sliding window on alternate layers (half of the layers)';
const GEMMA3_PATTERN = 'models.csv attention_pattern: 5 local layers (window 1024) per 1 global layer; global layers = floor(layers / 6)';

/**
 * Catalog models whose output projection shares the input embedding's table (`tie_word_embeddings: true` in their config.json):
 * Gemma 2 and 3 (google/gemma-2-*, google/gemma-3-* config.json) and Llama 3.2 1B/3B (meta-llama/Llama-3.2-1B config.json). Every
 * other catalog model (Llama 3.x 8B+, Qwen2.5 7B+, Qwen3 8B+, Mistral, Mixtral, gpt-oss, DeepSeek, Llama 4) ships an untied lm_head.
 */
const TIED_EMBEDDING_MODEL_PREFIXES: readonly string[] = ['google/gemma-', 'meta-llama/Llama-3.2-'];

/** Whether a model of this id ships tied embeddings, as far as the catalog knows (its families above). */
export function knownTiedEmbeddings(id: string): boolean {
  return TIED_EMBEDDING_MODEL_PREFIXES.some((x) => id.startsWith(x));
}

/** By Hugging Face id (lower case). Models absent here attend to the whole context on every layer. */
export const ATTENTION_WINDOWS: Readonly<Record<string, AttentionWindow>> = {
  'google/gemma-2-2b-it': { slidingWindowTokens: 4096, slidingWindowLayers: 13, source: `${ALTERNATE}; 26 layers` },
  'google/gemma-2-9b-it': { slidingWindowTokens: 4096, slidingWindowLayers: 21, source: `${ALTERNATE}; 42 layers` },
  'google/gemma-2-27b-it': { slidingWindowTokens: 4096, slidingWindowLayers: 23, source: `${ALTERNATE}; 46 layers` },
  'google/gemma-3-4b-it': { slidingWindowTokens: 1024, slidingWindowLayers: 29, source: `${GEMMA3_PATTERN}; 34 layers` },
  'google/gemma-3-27b-it': { slidingWindowTokens: 1024, slidingWindowLayers: 52, source: `${GEMMA3_PATTERN}; 62 layers` },
  'openai/gpt-oss-20b': { slidingWindowTokens: 128, slidingWindowLayers: 12, source: `${ALTERNATE} (window 128); 24 layers` },
  'openai/gpt-oss-120b': { slidingWindowTokens: 128, slidingWindowLayers: 18, source: `${ALTERNATE} (window 128); 36 layers` },
};

/** First vLLM release that serves an architecture, for the models that are newer than some catalog versions. */
export const MIN_MODEL_SERVER_RELEASE: Readonly<Record<string, { readonly release: string; readonly source: string }>> = {
  'openai/gpt-oss-20b': { release: '0.10.1', source: 'model-servers.ts: the gptoss image GKE Inference Quickstart profiles gpt-oss with is built from the 0.10.1 line' },
  'openai/gpt-oss-120b': { release: '0.10.1', source: 'model-servers.ts: the gptoss image GKE Inference Quickstart profiles gpt-oss with is built from the 0.10.1 line' },
  'google/gemma-3-4b-it': { release: '0.8.0', source: 'Gemma 3 was released on 2025-03-12, after vLLM 0.7.x; vLLM 0.8.0 added it (recalled)' },
  'google/gemma-3-27b-it': { release: '0.8.0', source: 'Gemma 3 was released on 2025-03-12, after vLLM 0.7.x; vLLM 0.8.0 added it (recalled)' },
  'qwen/qwen3-8b': { release: '0.8.5', source: 'Qwen3 was released on 2025-04-29; vLLM 0.8.5 added it (recalled)' },
  'qwen/qwen3-32b': { release: '0.8.5', source: 'Qwen3 was released on 2025-04-29; vLLM 0.8.5 added it (recalled)' },
};

/** A model whose architecture (and gating, licence, context) is that of a models.csv row, read from it so the two cannot drift. */
function sameArchitectureAs(baseId: string, fields: Pick<ModelRecord, 'id' | 'notes' | 'source'>): ModelRecord {
  const base = MODELS.find((m) => m.id === baseId);
  if (!base) throw new Error(`extra-models: ${baseId} is not in models.csv`);
  return { ...base, inGiqModelList: false, ...fields };
}

function model(
  fields: Omit<ModelRecord, 'bf16WeightsGb' | 'checkpointWeightsGb' | 'checkpointWeightsNote' | 'kvCacheKibPerTokenBf16' | 'hubWeightFormat'>,
): ModelRecord {
  const bf16 = Math.round(fields.paramsTotalB * 2 * 10) / 10;
  return {
    ...fields,
    bf16WeightsGb: bf16,
    checkpointWeightsGb: bf16,
    checkpointWeightsNote: 'computed: parameters x 2 bytes (bf16 checkpoint)',
    kvCacheKibPerTokenBf16: (2 * fields.layers * fields.kvHeads * fields.headDim * 2) / 1024,
    hubWeightFormat: 'bf16 safetensors',
  };
}

/** Models beyond models.csv, hand-written with the source of every figure. */
export const EXTRA_MODELS: readonly ModelRecord[] = [
  sameArchitectureAs('meta-llama/Llama-3.3-70B-Instruct', {
    id: 'meta-llama/Llama-3.1-70B-Instruct',
    notes: 'same architecture as Llama-3.3-70B-Instruct (models.csv notes); every architecture figure is taken from that row',
    source: 'models.csv row of meta-llama/Llama-3.3-70B-Instruct ("same architecture as Llama-3.1-70B"; ai-dynamo/aiconfigurator @095f58a5 '
      + 'model_configs/meta-llama--Meta-Llama-3.1-70B_config.json)',
  }),
  model({
    id: 'meta-llama/Llama-3.1-405B-Instruct',
    inGiqModelList: false,
    paramsTotalB: 405.85,
    paramsActiveB: 405.85,
    layers: 126,
    hiddenSize: 16384,
    attentionHeads: 128,
    kvHeads: 8,
    headDim: 128,
    intermediateSize: 53248,
    vocabSize: 128256,
    maxContext: 131072,
    attentionPattern: 'full attention (GQA)',
    gating: 'gated',
    gatingNote: 'gated: accept the Llama 3.1 Community License on Hugging Face',
    license: 'Llama 3.1 Community License',
    notes: 'untied embeddings; the computed 405.85 B matches the card\'s 405 B; the hub also ships an FP8 variant (not this record); '
      + 'served across hosts: GKE\'s multi-host JetStream Pathways tutorial and the kubernetes-engine-samples Pathways shapes',
    unverifiedFields: 'license',
    source: `${AIC_CONFIGS}meta-llama--Meta-Llama-3.1-405B_config.json (the base model's config; the Instruct model shares its `
      + 'architecture): hidden_size 16384, num_hidden_layers 126, num_attention_heads 128, num_key_value_heads 8, intermediate_size 53248, '
      + 'vocab_size 128256, max_position_embeddings 131072, tie_word_embeddings false; deployment-shapes.csv '
      + '(Llama-3.1-405B on tpu-v6e-slice 4x4 with JetStream Pathways)',
    trust: 'B',
  }),
  model({
    id: 'google/gemma-3-1b-it',
    inGiqModelList: false,
    paramsTotalB: 1.0,
    paramsActiveB: 1.0,
    layers: 26,
    hiddenSize: 1152,
    attentionHeads: 4,
    kvHeads: 1,
    headDim: 256,
    intermediateSize: 6912,
    vocabSize: 262144,
    maxContext: 32768,
    attentionPattern: '5 local layers (window 512) per 1 global layer',
    slidingWindowTokens: 512,
    slidingWindowLayers: 22,
    minModelServerRelease: '0.8.0',
    gating: 'gated',
    gatingNote: GEMMA_GATING,
    license: 'Gemma terms of use',
    notes: 'text-only model (Gemma3ForCausalLM); tied embeddings; 0.9998 B parameters computed from the config',
    unverifiedFields: 'all architecture fields (recalled config.json)',
    source: `${RECALLED} (google/gemma-3-1b-it: hidden_size 1152, num_hidden_layers 26, num_attention_heads 4, num_key_value_heads 1, `
      + `head_dim 256, intermediate_size 6912, vocab_size 262144, max_position_embeddings 32768, sliding_window 512, pattern 6); ${GEMMA_TOOLS}`,
    trust: 'C',
  }),
  model({
    id: 'google/gemma-3-12b-it',
    inGiqModelList: false,
    paramsTotalB: 11.77,
    paramsActiveB: 11.77,
    layers: 48,
    hiddenSize: 3840,
    attentionHeads: 16,
    kvHeads: 8,
    headDim: 256,
    intermediateSize: 15360,
    vocabSize: 262208,
    maxContext: 131072,
    attentionPattern: '5 local layers (window 1024) per 1 global layer',
    slidingWindowTokens: 1024,
    slidingWindowLayers: 40,
    minModelServerRelease: '0.8.0',
    gating: 'gated',
    gatingNote: GEMMA_GATING,
    license: 'Gemma terms of use',
    notes: 'text tower only, as the gemma-3 rows of models.csv (the vision tower adds about 0.4 B parameters); tied embeddings',
    unverifiedFields: 'all architecture fields (recalled config.json)',
    source: `${RECALLED} (google/gemma-3-12b-it text_config: hidden_size 3840, num_hidden_layers 48, num_attention_heads 16, `
      + `num_key_value_heads 8, head_dim 256, intermediate_size 15360, sliding_window 1024); vocabulary and context as the gemma-3 rows of models.csv; ${GEMMA_TOOLS}`,
    trust: 'C',
  }),
  model({
    id: 'Qwen/Qwen2.5-14B-Instruct',
    inGiqModelList: false,
    paramsTotalB: 14.77,
    paramsActiveB: 14.77,
    layers: 48,
    hiddenSize: 5120,
    attentionHeads: 40,
    kvHeads: 8,
    headDim: 128,
    intermediateSize: 13824,
    vocabSize: 152064,
    maxContext: 32768,
    attentionPattern: 'full attention (qkv bias)',
    gating: 'not-gated',
    gatingNote: 'not gated',
    license: 'Apache-2.0',
    notes: 'native context 32768, extendable to 131072 with YaRN; the computed 14.77 B matches the card\'s 14.7 B',
    unverifiedFields: 'all architecture fields (recalled config.json); license',
    source: `${RECALLED} (Qwen/Qwen2.5-14B-Instruct); Hugging Face model card (14.7 B parameters, 13.1 B non-embedding)`,
    trust: 'C',
  }),
  model({
    id: 'Qwen/Qwen2.5-32B-Instruct',
    inGiqModelList: false,
    paramsTotalB: 32.51,
    paramsActiveB: 32.51,
    layers: 64,
    hiddenSize: 5120,
    attentionHeads: 40,
    kvHeads: 8,
    headDim: 128,
    intermediateSize: 27392,
    vocabSize: 152064,
    maxContext: 32768,
    attentionPattern: 'full attention (qkv bias)',
    gating: 'not-gated',
    gatingNote: 'not gated',
    license: 'Apache-2.0',
    notes: 'native context 32768, extendable to 131072 with YaRN; the computed 32.51 B matches the card\'s 32.5 B (31.0 B non-embedding)',
    unverifiedFields: 'all architecture fields (recalled config.json); license',
    source: `${RECALLED} (Qwen/Qwen2.5-32B-Instruct); Hugging Face model card (32.5 B parameters, 31.0 B non-embedding)`,
    trust: 'C',
  }),
  model({
    id: 'Qwen/Qwen2.5-72B-Instruct',
    inGiqModelList: false,
    paramsTotalB: 72.7,
    paramsActiveB: 72.7,
    layers: 80,
    hiddenSize: 8192,
    attentionHeads: 64,
    kvHeads: 8,
    headDim: 128,
    intermediateSize: 29568,
    vocabSize: 152064,
    maxContext: 32768,
    attentionPattern: 'full attention (qkv bias)',
    gating: 'unverified',
    gatingNote: 'unverified (the 72B model is under the Qwen license rather than Apache-2.0)',
    license: 'Qwen license',
    notes: 'native context 32768, extendable to 131072 with YaRN; the computed 72.70 B matches the card\'s 72.7 B (70.0 B non-embedding)',
    unverifiedFields: 'all architecture fields (recalled config.json); license; gating',
    source: `${RECALLED} (Qwen/Qwen2.5-72B-Instruct); Hugging Face model card (72.7 B parameters, 70.0 B non-embedding)`,
    trust: 'C',
  }),
  model({
    id: 'Qwen/Qwen3-14B',
    inGiqModelList: false,
    paramsTotalB: 14.77,
    paramsActiveB: 14.77,
    layers: 40,
    hiddenSize: 5120,
    attentionHeads: 40,
    kvHeads: 8,
    headDim: 128,
    intermediateSize: 17408,
    vocabSize: 151936,
    maxContext: 40960,
    attentionPattern: 'full attention',
    minModelServerRelease: '0.8.5',
    gating: 'not-gated',
    gatingNote: 'not gated',
    license: 'Apache-2.0',
    notes: 'native context 32768/40960, extendable to 131072 with YaRN; the computed 14.77 B matches the card\'s 14.8 B (13.2 B non-embedding)',
    unverifiedFields: 'all architecture fields (recalled config.json); license',
    source: `${RECALLED} (Qwen/Qwen3-14B); Hugging Face model card (14.8 B parameters, 13.2 B non-embedding); `
      + 'server release: Qwen3 was released on 2025-04-29, vLLM 0.8.5 added it (recalled)',
    trust: 'C',
  }),
  model({
    ...QWEN3_MOE_COMMON,
    id: 'Qwen/Qwen3-30B-A3B',
    paramsTotalB: 30.53,
    paramsActiveB: 3.35,
    layers: 48,
    hiddenSize: 2048,
    attentionHeads: 32,
    kvHeads: 4,
    intermediateSize: 768,
    notes: 'MoE on every layer: 128 experts of moe_intermediate_size 768, 8 per token, no shared expert; router included; the computed '
      + '30.53 B total and 3.35 B active match the card\'s 30.5 B and 3.3 B',
    unverifiedFields: 'license; minModelServerRelease (recalled)',
    source: `${AIC_CONFIGS}Qwen--Qwen3-30B-A3B_config.json (num_hidden_layers 48, hidden_size 2048, num_attention_heads 32, `
      + 'num_key_value_heads 4, head_dim 128, moe_intermediate_size 768, num_experts 128, num_experts_per_tok 8, vocab_size 151936, '
      + 'max_position_embeddings 40960, tie_word_embeddings false); Hugging Face model card (30.5 B parameters, 3.3 B activated); '
      + 'server release: Qwen3 was released on 2025-04-29, vLLM 0.8.5 added it (recalled)',
  }),
];
