/**
 * LoRA serving: the request's adapters checked against vLLM's rules, and the accelerator memory of vLLM's
 * adapter slots (`performance/lora-memory.ts`) taken out of the KV cache.
 */
import { LoraAdapter, LoraAdapterSource, ResolvedLora, checkLoraAdapter } from './lora-adapter';
import { loraHostMemoryGiB, nodesOf } from './pod-resources';
import { Resolution, ResolveRequest } from './resolution';
import type { Candidate } from './resolver';
import { VLLM, ModelServerRecord, ModelServerVersionRecord, compareReleases } from '../catalog/model-servers';
import { AcceleratorRecord, ModelRecord } from '../catalog/types';
import { kvBytesPerToken } from '../performance/feasibility';
import { LORA_ALL_MODULES, loraAdapterBytes, loraDownloadBytes, loraSlotBytes, loraWrapsEmbeddings } from '../performance/lora-memory';
import { checkOptionalBoolean, checkOptionalInteger, describeValue } from '../util/input';

/**
 * `--max-lora-rank` values every vLLM release of the catalog accepts: `LoRAConfig.__post_init__`'s
 * `possible_max_ranks = (8, 16, 32, 64, 128, 256)` in the v0.7 line (vllm/config.py); later releases add 320 and 512
 * (and 1: `MaxLoRARanks` in vllm/config/lora.py), which v0.7.2 refuses.
 */
export const VLLM_MAX_LORA_RANKS: readonly number[] = [8, 16, 32, 64, 128, 256];
/**
 * `--max-lora-rank` values of the catalog's vLLM releases after the v0.7 line (v0.10.0 on): `possible_max_ranks = (8, 16, 32,
 * 64, 128, 256, 320, 512)` ("Setting the maximum rank to 512 should be able to satisfy the vast majority of applications",
 * `LoRAConfig.__post_init__`), then the same values in `MaxLoRARanks` (vllm/config/lora.py).
 */
export const VLLM_MAX_LORA_RANKS_LATER: readonly number[] = [...VLLM_MAX_LORA_RANKS, 320, 512];
/** The first vLLM release of the catalog whose `--max-lora-rank` takes 320 and 512 (the v0.7 line refuses them). */
const HIGH_RANK_RELEASE = '0.8.0';
/** vLLM's `--max-lora-rank` default (`LoRAConfig.max_lora_rank = 16`). */
const DEFAULT_MAX_LORA_RANK = 16;
/** Most `maxLoras` accepted (slots are preallocated: far beyond this no accelerator holds them). */
const MAX_LORAS = 1024;
const GB = 1e9;

export { loraAdapterBytes, loraLinearModules, loraSlotBytes } from '../performance/lora-memory';

/** The LoRA settings of a request; undefined when it serves no adapters. */
export interface LoraPlan {
  readonly adapters: LoraAdapter[];
  readonly maxLoras: number;
  readonly maxLoraRank: number;
  readonly runtimeLoraUpdating: boolean;
  /** Host memory of the adapters one tensor-parallel worker keeps in vLLM's CPU cache, bytes (`LoraSlots.hostBytesPerWorker`). */
  readonly hostBytesPerWorker: number;
  /** Upper bound of the adapters a pod downloads from the Hugging Face Hub, bytes (`LoraSlots.downloadBytes`). */
  readonly downloadBytes: number;
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
  checkOptionalInteger('maxLoraRank', request.maxLoraRank, 1, Math.max(...VLLM_MAX_LORA_RANKS_LATER));
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
  // the v0.7 line takes ranks up to 256; a request that pins it is held to them, and the automatic choice passes over its profiles
  const version = request.modelServerVersion === undefined ? undefined : server.versions.find((v) => v.version === request.modelServerVersion);
  const ranks = version !== undefined && !takesHighRanks(version) ? VLLM_MAX_LORA_RANKS : VLLM_MAX_LORA_RANKS_LATER;
  const highest = Math.max(0, ...list.map((a) => a.rank));
  const maxLoraRank = request.maxLoraRank ?? ranks.find((r) => r >= Math.max(highest, DEFAULT_MAX_LORA_RANK));
  if (maxLoraRank === undefined || !ranks.includes(maxLoraRank)) {
    throw new Error(`'maxLoraRank' must be one of ${ranks.join(', ')} (the --max-lora-rank values vLLM `
      + `${version ? `${version.version} ('modelServerVersion')` : 'accepts'}${ranks === VLLM_MAX_LORA_RANKS ? '; later releases also take 320 and 512' : ''}), `
      + `got ${maxLoraRank ?? `an adapter of rank ${highest}`}.`);
  }
  const tooHigh = list.find((a) => a.rank > maxLoraRank);
  if (tooHigh) {
    throw new Error(`'loraAdapters' '${tooHigh.name}' has rank ${tooHigh.rank}, above 'maxLoraRank' ${maxLoraRank}: vLLM refuses to load it. `
      + `Raise 'maxLoraRank' to ${ranks.find((r) => r >= tooHigh.rank)} or more.`);
  }
  // more adapters than GPU slots: vLLM's LoRAConfig "max_loras: Max number of LoRAs in a single batch", "max_cpu_loras: Maximum
  // number of LoRAs to store in CPU memory. Must be >= than max_loras" (vllm/config/lora.py); the inference extension's reference
  // Deployment runs --max-loras 2 --max-cpu-loras 12 (config/manifests/vllm/gpu-deployment.yaml @ v1.5.0)
  const maxLoras = request.maxLoras ?? Math.max(1, list.length);
  // host memory: each tensor-parallel worker's LRUCacheWorkerLoRAManager loads an adapter whole on the CPU
  // (`LoRAModel.from_local_checkpoint(..., device="cpu", dtype=lora_config.lora_dtype)`, pinned: vllm/lora/worker_manager.py,
  // vllm/lora/models.py) and keeps up to max_cpu_loras of them (max(adapters, maxLoras) as resolvedLora sets it); an adapter's
  // modules are not known, so each is bounded on every linear module; run-time loads fill the rest of the cache at 'maxLoraRank'
  const cached = Math.max(list.length, maxLoras);
  const hostBytesPerWorker = list.reduce((sum, a) => sum + loraAdapterBytes(model, a.rank, LORA_ALL_MODULES), 0)
    + (runtime ? (cached - list.length) * loraAdapterBytes(model, maxLoraRank, LORA_ALL_MODULES) : 0);
  // the Hub download: vLLM's get_adapter_absolute_path fetches a repository with snapshot_download (no file filter) into HF_HOME
  const downloadBytes = list.filter((a) => a.source === LoraAdapterSource.HUGGING_FACE).reduce((sum, a) => sum + loraDownloadBytes(model, a.rank), 0);
  return { adapters: list, maxLoras, maxLoraRank, runtimeLoraUpdating: runtime, hostBytesPerWorker, downloadBytes };
}

/** Whether a vLLM version's `--max-lora-rank` takes 320 and 512 (after the v0.7 line). */
export function takesHighRanks(version: ModelServerVersionRecord): boolean {
  return compareReleases(version.baseRelease, HIGH_RANK_RELEASE) >= 0;
}

/** GB of a plan's slots on a curve's accelerators (per tensor-parallel group, all pipeline stages). */
function slotsGb(plan: LoraPlan, model: ModelRecord, candidate: Candidate): { gb: number; explanation: string } {
  const { perNode: tp } = nodesOf(candidate.curve);
  const slot = loraSlotBytes(model, plan.maxLoraRank, tp);
  const gb = (plan.maxLoras * slot) / GB;
  return {
    gb,
    explanation: `${plan.maxLoras} slot${plan.maxLoras === 1 ? '' : 's'} (--max-loras) x ${(slot / 1e6).toFixed(1)} MB (rank ${plan.maxLoraRank} `
      + `on q, k, v, o, gate, up and down of ${model.layers} layers${loraWrapsEmbeddings(model) ? ', embedding and lm_head' : ''}, bf16`
      + `${tp > 1 ? `, lora_a or lora_b whole on each of ${tp} GPUs` : ''}) `
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
  if (plan.maxLoraRank > Math.max(...VLLM_MAX_LORA_RANKS) && !takesHighRanks(c.version)) {
    return { ...c, rejection: `vLLM ${c.version.version} takes a --max-lora-rank of at most ${Math.max(...VLLM_MAX_LORA_RANKS)} ('maxLoraRank' ${plan.maxLoraRank})` };
  }
  const { gb } = slotsGb(plan, model, c);
  const kvCacheCapacityGb = c.budget.kvCacheCapacityGb - gb;
  // every copy counts: the tensor-parallel ranks replicate KV heads fewer than the ranks (MemoryBudget.kvCacheReplicas)
  const maxFittingTokens = kvCacheCapacityGb > 0 ? Math.floor((kvCacheCapacityGb * GB) / (kvBytesPerToken(model) * c.budget.kvCacheReplicas)) : 0;
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
    ...(plan.adapters.length > plan.maxLoras ? { maxCpuLoras: plan.adapters.length } : {}),
    maxLoraRank: plan.maxLoraRank,
    runtimeLoraUpdating: plan.runtimeLoraUpdating,
    slotsMemoryGb: gb,
    hostMemoryGiB: loraHostMemoryGiB(plan, nodesOf(chosen.curve).perNode),
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
      'LoRA: performance is the calibrated estimate with the KV cache less the slots, so fewer sequences run at once than without adapters '
        + '(measured profiles were taken without adapters); the per-step cost of vLLM\'s LoRA kernels on batches that use adapters is not modelled',
    ],
  };
}
