/**
 * The vLLM flags, environment and deployment notes of a server's LoRA adapters (vLLM docs "LoRA Adapters",
 * docs/features/lora.md: "Serving LoRA Adapters" and "Dynamically serving LoRA Adapters").
 */
import { k8s } from 'cdk8s-plus-28';
import { LoraAdapterSource, ResolvedLora } from '../resolver/lora-adapter';
import { escapeKubernetesExpansion } from '../util/shell-quote';

/** vLLM's switch for `/v1/load_lora_adapter` and `/v1/unload_lora_adapter` (vllm/envs.py; the docs set it to `True`). */
export const RUNTIME_LORA_UPDATING_ENV = 'VLLM_ALLOW_RUNTIME_LORA_UPDATING';

/**
 * Where vLLM reads an adapter: its Hugging Face id (vLLM's `get_adapter_absolute_path` downloads a path that is neither
 * absolute nor an existing directory with `huggingface_hub.snapshot_download`), or its directory under the model bucket's mount.
 */
export function loraAdapterPath(source: LoraAdapterSource, location: string, modelPath: string | undefined): string {
  if (source === LoraAdapterSource.HUGGING_FACE) return location;
  return `${modelPath!.replace(/\/+$/, '')}/${location.replace(/\/+$/, '')}`;
}

/**
 * vLLM's LoRA flags: `--enable-lora`, `--max-loras`, `--max-lora-rank`, and `--lora-modules` followed by one `name=path`
 * word per adapter (the flag takes `nargs='+'`, and repeating it would keep only the last list). Each word is an
 * argument of its own (no shell), with `$` escaped from Kubernetes' `$(VAR)` expansion.
 * @param lora the resolved adapters
 * @param modelPath where the model bucket is mounted, when the model is read from one
 */
export function loraArgs(lora: ResolvedLora, modelPath: string | undefined): string[] {
  const modules = lora.adapters.map((a) => escapeKubernetesExpansion(`${a.name}=${loraAdapterPath(a.source, a.location, modelPath)}`));
  return [
    '--enable-lora',
    `--max-loras=${lora.maxLoras}`,
    // every adapter stays in host memory when there are more adapters than GPU slots
    ...(lora.maxCpuLoras !== undefined ? [`--max-cpu-loras=${lora.maxCpuLoras}`] : []),
    `--max-lora-rank=${lora.maxLoraRank}`,
    ...(modules.length ? ['--lora-modules', ...modules] : []),
  ];
}

/** The environment that enables run-time adapter loading, when asked for. */
export function loraEnv(lora: ResolvedLora | undefined): k8s.EnvVar[] {
  return lora?.runtimeLoraUpdating ? [{ name: RUNTIME_LORA_UPDATING_ENV, value: 'True' }] : [];
}

/** What an operator must know about the adapters, one line each. */
export function loraNotes(lora: ResolvedLora | undefined, fenced: boolean, hasToken: boolean = true, fromBucket: boolean = false): string[] {
  if (lora === undefined) return [];
  const out = [`LoRA: ${lora.adapters.length} adapter${lora.adapters.length === 1 ? '' : 's'} at start-up `
    + `(${lora.adapters.map((a) => a.name).join(', ') || 'none'}), ${lora.maxLoras} GPU slot${lora.maxLoras === 1 ? '' : 's'} of rank ${lora.maxLoraRank} `
    + `(${lora.slotsMemoryGb.toFixed(2)} GB taken from the KV cache); clients pick an adapter with the request's "model".`];
  if (lora.maxCpuLoras !== undefined) {
    out.push(`LoRA: ${lora.adapters.length} adapters share ${lora.maxLoras} GPU slot${lora.maxLoras === 1 ? '' : 's'}: a batch holds at most `
      + `${lora.maxLoras} distinct adapter${lora.maxLoras === 1 ? '' : 's'}, and a request for another waits until a slot frees; vLLM keeps all `
      + `${lora.maxCpuLoras} in host memory (--max-cpu-loras).`);
  }
  if (lora.hostMemoryGiB > 0) {
    out.push(`LoRA: the pod's memory request includes ${lora.hostMemoryGiB} GiB for the adapters in host memory: every tensor-parallel worker `
      + 'loads each adapter whole into its own CPU cache (bounded as if each adapter covered every linear module).');
  }
  if (lora.adapters.some((a) => a.source === LoraAdapterSource.HUGGING_FACE)) {
    out.push((hasToken
      ? 'LoRA: adapters from Hugging Face are downloaded at start-up with the server\'s Hugging Face token; a private or gated adapter '
        + 'needs that token to have access to it.'
      : 'LoRA: adapters from Hugging Face are downloaded at start-up without a token (HuggingFaceToken.none()): only public adapters load, '
        + 'and the server stops at start-up on a private or gated one.')
      + ' vLLM downloads each adapter\'s whole repository: the ephemeral storage allows for the adapter weights in fp32, not for training '
      + 'checkpoints or other files kept beside them, so keep adapter repositories to adapter_config.json and the adapter weights.');
  }
  if (lora.adapters.some((a) => a.source === LoraAdapterSource.MODEL_BUCKET)) {
    out.push('LoRA: adapters from the model bucket are read through the model\'s Cloud Storage FUSE mount: stage each adapter directory '
      + '(adapter_config.json and adapter_model.safetensors) under modelBucketUri.');
  }
  if (lora.runtimeLoraUpdating) {
    out.push(`LoRA: ${RUNTIME_LORA_UPDATING_ENV}=True enables /v1/load_lora_adapter and /v1/unload_lora_adapter without authentication: `
      + (fromBucket
        // a server that reads its model from a bucket runs with HF_HUB_OFFLINE=1: run-time loads come from its mount only
        ? 'anyone who reaches the server can make it serve any adapter directory under its Cloud Storage FUSE mount (it runs with '
          + 'HF_HUB_OFFLINE=1, so adapters from the Hugging Face Hub do not load at run time), or unload the ones in use. The mount caches '
          + 'what it has read for the pod\'s life: load each new version of an adapter from a new directory (adapters/sql-v2), not over the old one. '
        : 'anyone who reaches the server can make it download and serve any adapter, or unload the ones in use; run-time downloads go to the '
          + 'container\'s ephemeral storage, which is sized for the adapters given at start-up only. ')
      + (fenced ? 'Keep \'allowedClients\' to the clients you trust with that.' : 'Fence the server with \'allowedClients\'.'));
  }
  return out;
}

/** Refuses the run-time loading switch in the `env` escape hatch: it opens an unauthenticated endpoint, so it has its own prop. */
export function checkLoraEnv(env: unknown): void {
  if (env !== null && typeof env === 'object' && Object.prototype.hasOwnProperty.call(env, RUNTIME_LORA_UPDATING_ENV)) {
    throw new Error(`'env' sets ${RUNTIME_LORA_UPDATING_ENV}, which opens vLLM's unauthenticated adapter loading endpoints: `
      + 'set \'runtimeLoraUpdating\' to true instead (it also turns LoRA on and notes what to fence).');
  }
}
