/**
 * The accelerator memory of vLLM's LoRA adapter slots.
 *
 * vLLM preallocates `--max-loras` slots of rank `--max-lora-rank` in every LoRA-wrapped layer when it
 * starts, before it profiles memory and sizes the KV cache (`LoRAModelManager._create_lora_modules` ->
 * `create_lora_weights` in vllm/lora/layers.py): for each linear slice a `lora_a_stacked` of
 * (max_loras, 1, max_lora_rank, input_size) and a `lora_b_stacked` of (max_loras, 1, output_size, max_lora_rank) in
 * the model's dtype (`lora_dtype` 'auto'). The wrapped layers are every module the architecture supports
 * (`qkv_proj`, `o_proj`, `gate_up_proj`, `down_proj`, `embed_tokens`, `lm_head` for Llama-style models), whatever
 * modules an adapter targets: an adapter on q,k,v,o only still occupies a full slot. Under tensor parallelism a
 * column-parallel layer (qkv, gate_up) keeps `lora_a` whole on each GPU and shards `lora_b`; a row-parallel layer
 * (o, down) shards `lora_a` and keeps `lora_b` whole (`lora_a_output_size_per_partition`, fully_sharded_loras off).
 * The embedding and lm_head wrappers (for the families that have them, `loraWrapsEmbeddings`) are whole on every GPU: `VocabParallelEmbeddingWithLoRA` allocates `lora_a_stacked` of
 * (max_loras, org_vocab_size, max_lora_rank) and `lora_b_stacked` of (max_loras, 1, embedding_dim, max_lora_rank) on each rank
 * (vllm/lora/layers/vocal_parallel_embedding.py), and `LogitsProcessorWithLoRA` a (max_loras, 1, vocab_size, max_lora_rank)
 * `lora_b_stacked` (vllm/lora/layers/logits_processor.py).
 * Not counted: the 256-token extra vocabulary tensors of the embedding and lm_head wrappers (removed in vLLM 0.12),
 * vocabulary padding, and the punica kernels' workspace.
 */
import { LoraSlots, ModelRecord } from '../catalog/types';

export type { LoraSlots };

/** Bytes of a LoRA weight: the model's dtype (bf16), as `lora_dtype` 'auto' makes it. */
export const LORA_BYTES = 2;

/** A linear module LoRA wraps: its input and output sizes, and whether tensor parallelism shards its output (column) or input (row). */
interface LoraModule {
  readonly name: string;
  readonly dIn: number;
  readonly dOut: number;
  readonly parallel: 'column' | 'row';
}

/** The per-layer linear modules of a dense decoder layer, as vLLM slices them (q, k, v of qkv_proj; gate, up of gate_up_proj). */
export function loraLinearModules(model: ModelRecord): LoraModule[] {
  const h = model.hiddenSize;
  const q = model.attentionHeads * model.headDim;
  const kv = model.kvHeads * model.headDim;
  const i = model.intermediateSize;
  return [
    { name: 'q_proj', dIn: h, dOut: q, parallel: 'column' },
    { name: 'k_proj', dIn: h, dOut: kv, parallel: 'column' },
    { name: 'v_proj', dIn: h, dOut: kv, parallel: 'column' },
    { name: 'o_proj', dIn: q, dOut: h, parallel: 'row' },
    { name: 'gate_proj', dIn: h, dOut: i, parallel: 'column' },
    { name: 'up_proj', dIn: h, dOut: i, parallel: 'column' },
    { name: 'down_proj', dIn: i, dOut: h, parallel: 'row' },
  ];
}

/**
 * Bytes of one adapter's own weights on the given modules (names as in `loraLinearModules`): rank x (d_in + d_out)
 * x bytes per module and layer, as PEFT stores A (rank x d_in) and B (d_out x rank).
 */
export function loraAdapterBytes(model: ModelRecord, rank: number, modules: readonly string[]): number {
  const chosen = loraLinearModules(model).filter((m) => modules.includes(m.name));
  return chosen.reduce((sum, m) => sum + rank * (m.dIn + m.dOut), 0) * model.layers * LORA_BYTES;
}

/**
 * Bytes of one vLLM adapter slot of rank `rank` across a tensor-parallel group of `tp` accelerators (all its
 * pipeline stages together): every linear module of every layer (column-parallel: lora_a whole on each GPU; row-parallel:
 * lora_b whole on each GPU), plus the embedding and lm_head wrappers (rank x (vocabulary + hidden) each, whole on each GPU).
 */
export function loraSlotBytes(model: ModelRecord, rank: number, tp: number): number {
  const perLayer = loraLinearModules(model).reduce((sum, m) => sum + rank
    * (m.parallel === 'column' ? m.dIn * tp + m.dOut : m.dIn + m.dOut * tp), 0);
  const vocabulary = loraWrapsEmbeddings(model) ? 2 * rank * (model.vocabSize + model.hiddenSize) * tp : 0;
  return (perLayer * model.layers + vocabulary) * LORA_BYTES;
}

/**
 * Whether vLLM wraps the model's embedding and lm_head with LoRA: only when its class declares `embedding_modules`
 * (`get_supported_lora_modules`, vllm/lora/utils.py). Llama's does (Mistral is served by it); Gemma's say "Gemma does not apply LoRA
 * to the embedding layer. embedding_modules = {}" (gemma2.py, gemma3.py) and Qwen2's is empty (qwen2.py; Qwen3 and the
 * DeepSeek-R1 Qwen distills share it). A model of another family is counted with them, the larger figure.
 */
export function loraWrapsEmbeddings(model: ModelRecord): boolean {
  return !/gemma|qwen/i.test(model.id);
}

/** Every linear module an adapter may target: the bound of an adapter whose modules the library is not told. */
export const LORA_ALL_MODULES: readonly string[] = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

/**
 * Bytes of the files an adapter repository holds at most, for the download: PEFT often saves adapters in fp32 (its LoRA
 * weights are fp32 unless trained under autocast), so twice `loraAdapterBytes` on every linear module. Not bounded: extra
 * files in the repository (training checkpoints, `modules_to_save` copies of embeddings), which vLLM's
 * `snapshot_download` fetches too.
 */
export function loraDownloadBytes(model: ModelRecord, rank: number): number {
  return 2 * loraAdapterBytes(model, rank, LORA_ALL_MODULES);
}


/** GB of `--max-loras` slots of `--max-lora-rank` across a tensor-parallel group of `tp` accelerators (all pipeline stages). */
export function loraSlotsGb(model: ModelRecord, slots: LoraSlots, tp: number): number {
  return (slots.maxLoras * loraSlotBytes(model, slots.maxLoraRank, tp)) / 1e9;
}
