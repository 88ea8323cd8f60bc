/**
 * LoRA serving: the request's adapters checked against vLLM's rules, and the accelerator memory of vLLM's
 * adapter slots taken out of the KV cache.
 *
 * Memory. vLLM preallocates `--max-loras` slots of rank `--max-lora-rank` in every LoRA-wrapped layer when it
 * starts, before it profiles memory and sizes the KV cache (`LoRAModelManager._create_lora_modules` ->
 * `create_lora_weights` in vllm/lora/layers.py): for each linear slice a `lora_a_stacked` of
 * (max_loras, 1, max_lora_rank, input_size) and a `lora_b_stacked` of (max_loras, 1, output_size, max_lora_rank) in
 * the model's dtype (`lora_dtype` 'auto'). The wrapped layers are every module the architecture supports
 * (`qkv_proj`, `o_proj`, `gate_up_proj`, `down_proj`, `embed_tokens`, `lm_head` for Llama-style models), whatever
 * modules an adapter targets: an adapter on q,k,v,o only still occupies a full slot. Under tensor parallelism a
 * column-parallel layer (qkv, gate_up) keeps `lora_a` whole on each GPU and shards `lora_b`; a row-parallel layer
 * (o, down) shards `lora_a` and keeps `lora_b` whole (`lora_a_output_size_per_partition`, fully_sharded_loras off).
 * Not counted: the 256-token extra vocabulary tensors of the embedding and lm_head wrappers (removed in vLLM 0.12),
 * vocabulary padding, and the punica kernels' workspace.
 */
import { kvBytesPerToken } from './feasibility';
import { LoraAdapter, LoraAdapterSource, ResolvedLora, checkLoraAdapter } from './lora-adapter';
import { nodesOf } from './pod-resources';
import { Resolution, ResolveRequest } from './resolution';
import type { Candidate } from './resolver';
import { VLLM, ModelServerRecord } from '../catalog/model-servers';
import { AcceleratorRecord, ModelRecord } from '../catalog/types';
import { checkOptionalBoolean, checkOptionalInteger, describeValue } from '../util/input';

/**
 * `--max-lora-rank` values every vLLM release of the catalog accepts: `LoRAConfig.__post_init__`'s
 * `possible_max_ranks = (8, 16, 32, 64, 128, 256)` in the v0.7 line (vllm/config.py); later releases add 320 and 512
 * (and 1: `MaxLoRARanks` in vllm/config/lora.py), which v0.7.2 refuses.
 */
export const VLLM_MAX_LORA_RANKS: readonly number[] = [8, 16, 32, 64, 128, 256];
/** vLLM's `--max-lora-rank` default (`LoRAConfig.max_lora_rank = 16`). */
const DEFAULT_MAX_LORA_RANK = 16;
/** Bytes of a LoRA weight: the model's dtype (bf16), as `lora_dtype` 'auto' makes it. */
const LORA_BYTES = 2;
/** Most `maxLoras` accepted (slots are preallocated: far beyond this no accelerator holds them). */
const MAX_LORAS = 1024;
const GB = 1e9;

/** The LoRA settings of a request; undefined when it serves no adapters. */
export interface LoraPlan {
  readonly adapters: LoraAdapter[];
  readonly maxLoras: number;
  readonly maxLoraRank: number;
  readonly runtimeLoraUpdating: boolean;
}

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
 * lora_b whole on each GPU), plus the embedding and lm_head wrappers (rank x (vocabulary + hidden) each).
 */
export function loraSlotBytes(model: ModelRecord, rank: number, tp: number): number {
  const perLayer = loraLinearModules(model).reduce((sum, m) => sum + rank
    * (m.parallel === 'column' ? m.dIn * tp + m.dOut : m.dIn + m.dOut * tp), 0);
  const vocabulary = 2 * rank * (model.vocabSize + model.hiddenSize);
  return (perLayer * model.layers + vocabulary) * LORA_BYTES;
}

/**
 * The request's LoRA settings checked, or undefined when it serves no adapters.
 * @throws Error naming the prop, for what vLLM or the library would refuse
 */
export function planLora(
  request: ResolveRequest, model: ModelRecord, server: ModelServerRecord, accelerator: AcceleratorRecord | undefined,
): LoraPlan | undefined {
  const raw: unknown = request.loraAdapters;
  if (raw !== undefined && !Array.isArray(raw)) {
    throw new Error('\'loraAdapters\' must be a list of LoraAdapter (LoraAdapter.fromHuggingFace(...) or LoraAdapter.fromModelBucket(...)), '
      + `got ${describeValue(raw)}.`);
  }
  const adapters = (raw ?? []) as unknown[];
  adapters.forEach((a, i) => {
    if (!(a instanceof LoraAdapter)) {
      throw new Error(`'loraAdapters[${i}]' must be made with LoraAdapter.fromHuggingFace(name, repoId, rank) or `
        + `LoraAdapter.fromModelBucket(name, path, rank), got ${describeValue(a)}.`);
    }
    // JavaScript can reach the private constructor: the fields are checked again
    checkLoraAdapter(a, `'loraAdapters[${i}]'`);
  });
  checkOptionalInteger('maxLoras', request.maxLoras, 1, MAX_LORAS);
  checkOptionalInteger('maxLoraRank', request.maxLoraRank, 1, Math.max(...VLLM_MAX_LORA_RANKS));
  checkOptionalBoolean('runtimeLoraUpdating', request.runtimeLoraUpdating);
  const list = adapters as LoraAdapter[];
  const runtime = request.runtimeLoraUpdating === true;
  if (list.length === 0 && !runtime) {
    for (const name of ['maxLoras', 'maxLoraRank'] as const) {
      if (request[name] !== undefined) {
        throw new Error(`'${name}' sizes LoRA adapter slots, but no adapter is served: add 'loraAdapters', set 'runtimeLoraUpdating' `
          + `to load adapters at run time, or remove '${name}'.`);
      }
    }
    return undefined;
  }
  const what = `'loraAdapters'${runtime ? ' / \'runtimeLoraUpdating\'' : ''}`;
  if (server.name !== VLLM.name) {
    throw new Error(`${what}: the library serves LoRA adapters with vLLM only (--enable-lora), not '${server.name}' ('modelServer'). `
      + 'Leave \'modelServer\' unset or set it to \'vllm\'.');
  }
  if (accelerator?.family === 'tpu') {
    throw new Error(`${what}: LoRA adapters are served on GPUs only, and '${accelerator.gkeLabel}' ('acceleratorType') is a TPU: `
      + 'choose a GPU accelerator or leave \'acceleratorType\' unset.');
  }
  if (model.experts !== undefined) {
    throw new Error(`${what}: ${model.id} is a mixture-of-experts model; the library's LoRA memory model covers dense models only `
      + '(vLLM wraps fused MoE experts with LoRA only in recent releases). Serve adapters of a dense model.');
  }
  const seen = new Map<string, number>();
  list.forEach((a, i) => {
    const before = seen.get(a.name);
    if (before !== undefined) {
      throw new Error(`'loraAdapters[${i}]' is named '${a.name}' like 'loraAdapters[${before}]': each adapter needs its own name `
        + '(requests pick an adapter by it).');
    }
    seen.set(a.name, i);
    if (a.name.toLowerCase() === model.id.toLowerCase()) {
      throw new Error(`'loraAdapters[${i}]' is named like the base model '${model.id}': requests for it would reach the base model. Rename it.`);
    }
    if (a.source === LoraAdapterSource.MODEL_BUCKET && request.modelBucketUri === undefined) {
      throw new Error(`'loraAdapters[${i}]' '${a.name}' is read from the model bucket, but 'modelBucketUri' is not set: set it, or use `
        + 'LoraAdapter.fromHuggingFace(...).');
    }
    if (a.source === LoraAdapterSource.HUGGING_FACE && request.modelBucketUri !== undefined) {
      throw new Error(`'loraAdapters[${i}]' '${a.name}' comes from Hugging Face, but the server reads the model from 'modelBucketUri' with `
        + 'the Hub switched off (HF_HUB_OFFLINE=1): stage the adapter into the bucket next to the model and use '
        + `LoraAdapter.fromModelBucket('${a.name}', 'adapters/${a.name}', ${a.rank}).`);
    }
  });
  const highest = Math.max(0, ...list.map((a) => a.rank));
  const maxLoraRank = request.maxLoraRank ?? VLLM_MAX_LORA_RANKS.find((r) => r >= Math.max(highest, DEFAULT_MAX_LORA_RANK))!;
  if (!VLLM_MAX_LORA_RANKS.includes(maxLoraRank)) {
    throw new Error(`'maxLoraRank' must be one of ${VLLM_MAX_LORA_RANKS.join(', ')} (the --max-lora-rank values every vLLM release `
      + `of the catalog accepts), got ${maxLoraRank}.`);
  }
  const tooHigh = list.find((a) => a.rank > maxLoraRank);
  if (tooHigh) {
    throw new Error(`'loraAdapters' '${tooHigh.name}' has rank ${tooHigh.rank}, above 'maxLoraRank' ${maxLoraRank}: vLLM refuses to load it. `
      + `Raise 'maxLoraRank' to ${VLLM_MAX_LORA_RANKS.find((r) => r >= tooHigh.rank)} or more.`);
  }
  const maxLoras = request.maxLoras ?? Math.max(1, list.length);
  if (list.length > maxLoras) {
    throw new Error(`'loraAdapters' lists ${list.length} adapters but 'maxLoras' is ${maxLoras}: one batch could hold only ${maxLoras} of `
      + `them, and requests for the others would wait for a slot. Set 'maxLoras' to ${list.length} or more, or serve fewer adapters.`);
  }
  return { adapters: list, maxLoras, maxLoraRank, runtimeLoraUpdating: runtime };
}

/** GB of a plan's slots on a curve's accelerators (per tensor-parallel group, all pipeline stages). */
function slotsGb(plan: LoraPlan, model: ModelRecord, candidate: Candidate): { gb: number; explanation: string } {
  const { perNode: tp } = nodesOf(candidate.curve);
  const slot = loraSlotBytes(model, plan.maxLoraRank, tp);
  const gb = (plan.maxLoras * slot) / GB;
  return {
    gb,
    explanation: `${plan.maxLoras} slot${plan.maxLoras === 1 ? '' : 's'} (--max-loras) x ${(slot / 1e6).toFixed(1)} MB (rank ${plan.maxLoraRank} `
      + `on q, k, v, o, gate, up and down of ${model.layers} layers, embedding and lm_head, bf16${tp > 1 ? `, lora_a or lora_b whole on each of ${tp} GPUs` : ''}) `
      + `= ${gb.toFixed(2)} GB, preallocated before the KV cache is sized`,
  };
}

/**
 * A candidate with the LoRA slots taken from its KV cache (counted as runtime overhead), rejected when
 * `maxModelLength` no longer fits or the accelerator is a TPU; unchanged without a plan.
 */
export function withLoraMemory(c: Candidate, plan: LoraPlan | undefined, model: ModelRecord, maxModelLength: number): Candidate {
  if (plan === undefined || c.rejection !== undefined) return c;
  if (c.accelerator.family === 'tpu') return { ...c, rejection: 'LoRA adapters are served on GPUs only' };
  const { gb } = slotsGb(plan, model, c);
  const kvCacheCapacityGb = c.budget.kvCacheCapacityGb - gb;
  const maxFittingTokens = kvCacheCapacityGb > 0 ? Math.floor((kvCacheCapacityGb * GB) / kvBytesPerToken(model)) : 0;
  const budget = { ...c.budget, runtimeOverheadGb: c.budget.runtimeOverheadGb + gb, kvCacheCapacityGb, maxFittingTokens };
  if (maxFittingTokens < maxModelLength) {
    return {
      ...c,
      budget,
      rejection: `'maxModelLength' (${maxModelLength}) does not fit next to the LoRA slots (${gb.toFixed(2)} GB for 'maxLoras' ${plan.maxLoras} `
        + `at 'maxLoraRank' ${plan.maxLoraRank}): at most ${maxFittingTokens} tokens of KV cache fit; lower 'maxLoras', 'maxLoraRank' or 'maxModelLength'`,
    };
  }
  return { ...c, budget };
}

/** The resolved LoRA settings of the chosen candidate. */
export function resolvedLora(plan: LoraPlan, model: ModelRecord, chosen: Candidate): ResolvedLora {
  const { gb, explanation } = slotsGb(plan, model, chosen);
  return {
    adapters: plan.adapters.map((a) => ({ name: a.name, source: a.source, location: a.location, rank: a.rank })),
    maxLoras: plan.maxLoras,
    maxLoraRank: plan.maxLoraRank,
    runtimeLoraUpdating: plan.runtimeLoraUpdating,
    slotsMemoryGb: gb,
    memoryExplanation: explanation,
  };
}

/** A resolution with its LoRA settings and the decisions that explain them. */
export function withResolvedLora(r: Resolution, lora: ResolvedLora): Resolution {
  const names = lora.adapters.map((a) => `${a.name} (rank ${a.rank}, ${a.source === LoraAdapterSource.HUGGING_FACE ? 'Hugging Face' : 'model bucket'} `
    + `${a.location})`);
  return {
    ...r,
    lora,
    decisions: [
      ...r.decisions,
      `LoRA: ${names.length ? `adapters ${names.join(', ')}` : 'no adapter at start-up'}${lora.runtimeLoraUpdating ? '; adapters may be loaded at run '
        + 'time (VLLM_ALLOW_RUNTIME_LORA_UPDATING: an unauthenticated endpoint)' : ''}; memory: ${lora.memoryExplanation} `
        + '(counted in the runtime overhead of the memory line)',
      'LoRA: performance is the base model\'s profile; the per-step cost of vLLM\'s LoRA kernels on batches that use adapters is not modelled',
    ],
  };
}
