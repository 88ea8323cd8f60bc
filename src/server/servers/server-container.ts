import { k8s } from 'cdk8s-plus-28';
import { JETSTREAM, TGI, VLLM, modelServerByName } from '../../catalog/model-servers';
import { PERFORMANCE_CONSTANTS } from '../../performance/performance-constants';
import { Resolution } from '../../resolver/resolution';
import { escapeKubernetesExpansion } from '../../util/shell-quote';
import { loraArgs, loraEnv } from '../lora';

/** What the server container needs beyond the resolution. */
export interface ServerContainerInputs {
  /** Where the model directory is mounted, when it is read from a bucket. */
  readonly modelPath?: string;
  /** Environment shared by every server (model id, token, cache placement). */
  readonly env: k8s.EnvVar[];
}

/** How one model server is started: entry point, arguments and its own environment. */
export interface ServerInvocation {
  readonly command?: string[];
  readonly args?: string[];
  readonly env: k8s.EnvVar[];
}

/** vLLM's OpenAI-compatible server, with the flags that exist in the resolved version. */
function vllm(r: Resolution, inputs: ServerContainerInputs): ServerInvocation {
  const version = VLLM.versions.find((v) => v.version === r.modelServerVersion)!;
  const tpu = r.tpuTopology !== undefined;
  return {
    command: [...VLLM.command!],
    args: [
      // from a bucket the server reads the mounted directory and still answers to the model's id
      // user-derived values are escaped from Kubernetes' $(VAR) expansion (a model id holding $(HF_TOKEN) would leak the token)
      ...(inputs.modelPath ? [`--model=${escapeKubernetesExpansion(inputs.modelPath)}`, `--served-model-name=${escapeKubernetesExpansion(r.model)}`]
        : [`--model=${escapeKubernetesExpansion(r.model)}`]),
      `--tensor-parallel-size=${r.tensorParallelSize}`,
      `--max-model-len=${r.maxModelLength}`,
      `--gpu-memory-utilization=${r.memory.gpuMemoryUtilization}`,
      ...r.precisionArgs,
      ...(r.lora ? loraArgs(r.lora, inputs.modelPath) : []),
      '--host=0.0.0.0',
      `--port=${VLLM.port}`,
      ...(version.disableRequestLogFlag ? [version.disableRequestLogFlag] : []),
      // the GKE TPU tutorial's batching limits (the performance model caps the running batch at the same 128)
      ...(tpu ? [`--max-num-batched-tokens=${PERFORMANCE_CONSTANTS.tpuMaxNumBatchedTokens.value}`, `--max-num-seqs=${PERFORMANCE_CONSTANTS.tpuMaxNumSeqs.value}`] : []),
    ],
    // the GKE TPU sample runs vLLM's V1 engine explicitly
    env: tpu ? [...inputs.env, { name: 'VLLM_USE_V1', value: '1' }] : [...inputs.env, ...loraEnv(r.lora)],
  };
}

/**
 * Text Generation Inference, configured through its launcher's environment as GKE's TGI samples do:
 * the image's entry point, the model id (or the mounted directory), one shard per GPU, the token
 * limits from maxModelLength, and the serving port.
 */
function tgi(r: Resolution, inputs: ServerContainerInputs): ServerInvocation {
  return {
    env: [
      ...inputs.env.map((e) => (e.name === 'MODEL_ID' && inputs.modelPath ? { name: 'MODEL_ID', value: escapeKubernetesExpansion(inputs.modelPath) } : e)),
      { name: 'NUM_SHARD', value: String(r.tensorParallelSize) },
      // a prompt may take the whole length but the one token it must generate (TGI requires max_input_tokens < max_total_tokens, and
      // its launcher defaults them so): half of it, as before, made TGI answer 422 to prompts the workload and profile count on
      // (router/src/validation.rs: "`inputs` must have less than {max_input_length} tokens")
      { name: 'MAX_INPUT_TOKENS', value: String(r.maxModelLength - 1) },
      { name: 'MAX_TOTAL_TOKENS', value: String(r.maxModelLength) },
      { name: 'CUDA_MEMORY_FRACTION', value: String(r.memory.gpuMemoryUtilization) },
      { name: 'PORT', value: String(TGI.port) },
      { name: 'MAX_CONCURRENT_REQUESTS', value: String(tgiMaxConcurrentRequests(r)) },
      // TGI sends anonymous usage statistics to huggingface.co by default (v3.0.1 launcher/src/main.rs usage_stats, "Default is
      // on"; router/src/usage_stats.rs TELEMETRY_URL): a serving cluster's traffic stays its own unless the user sets it
      { name: 'USAGE_STATS', value: 'off' },
    ],
  };
}

/**
 * TGI's launcher refuses a request with HTTP 429 once `max_concurrent_requests` (default 128) are in flight, queued or running
 * (text-generation-inference v3.0.1 launcher/src/main.rs; router/src/infer/mod.rs `try_acquire_owned`, `InferError::Overloaded`),
 * where the curves and the HPA expect requests to queue (`tgi_queue_size`). The limit is set to twice the operating point's
 * requests in flight, at least TGI's default: a burst the HPA has not answered yet waits in the queue the HPA reads.
 */
export function tgiMaxConcurrentRequests(r: Resolution): number {
  // (rounded to a millionth first: 1024.0000000000002 requests in flight are 1024)
  return Math.max(TGI_DEFAULT_MAX_CONCURRENT_REQUESTS, Math.ceil(Math.round(2 * r.performance.concurrentRequests * 1e6) / 1e6));
}

const TGI_DEFAULT_MAX_CONCURRENT_REQUESTS = 128;

/** The invocation of the resolved server. */
export function serverInvocation(r: Resolution, inputs: ServerContainerInputs): ServerInvocation {
  const server = modelServerByName(r.modelServer);
  // JetStream's two containers take their arguments from servers/jetstream.ts; the engine keeps the shared environment
  if (server === JETSTREAM) return { env: inputs.env };
  return server === TGI ? tgi(r, inputs) : vllm(r, inputs);
}
