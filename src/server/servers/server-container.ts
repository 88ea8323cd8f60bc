import { k8s } from 'cdk8s-plus-28';
import { TGI, VLLM, modelServerByName } from '../../catalog/model-servers';
import { Resolution } from '../../resolver/resolution';

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
  return {
    command: [...VLLM.command!],
    args: [
      // from a bucket the server reads the mounted directory and still answers to the model's id
      ...(inputs.modelPath ? [`--model=${inputs.modelPath}`, `--served-model-name=${r.model}`] : [`--model=${r.model}`]),
      `--tensor-parallel-size=${r.tensorParallelSize}`,
      `--max-model-len=${r.maxModelLength}`,
      `--gpu-memory-utilization=${r.memory.gpuMemoryUtilization}`,
      '--host=0.0.0.0',
      `--port=${VLLM.port}`,
      ...(version.disableRequestLogFlag ? [version.disableRequestLogFlag] : []),
    ],
    env: inputs.env,
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
      ...inputs.env.map((e) => (e.name === 'MODEL_ID' && inputs.modelPath ? { name: 'MODEL_ID', value: inputs.modelPath } : e)),
      { name: 'NUM_SHARD', value: String(r.tensorParallelSize) },
      { name: 'MAX_INPUT_TOKENS', value: String(Math.floor(r.maxModelLength / 2)) },
      { name: 'MAX_TOTAL_TOKENS', value: String(r.maxModelLength) },
      { name: 'CUDA_MEMORY_FRACTION', value: String(r.memory.gpuMemoryUtilization) },
      { name: 'PORT', value: String(TGI.port) },
    ],
  };
}

/** The invocation of the resolved server. */
export function serverInvocation(r: Resolution, inputs: ServerContainerInputs): ServerInvocation {
  const server = modelServerByName(r.modelServer);
  return server === TGI ? tgi(r, inputs) : vllm(r, inputs);
}
