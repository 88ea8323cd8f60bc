/**
 * Flags several commands share, named and defaulted as gcloud names and defaults them.
 */
import { FlagSpec, Flags } from './args';
import { LIST_FORMATS, ListFormat } from './format';
import { DEFAULT_PRICING_MODEL, DEFAULT_REGION, PRICING_MODELS } from './profile-query';
import { LatencyTargets } from '../performance/curve';
import { KvCacheDtype, WeightPrecision } from '../performance/precision';

export const MODEL: FlagSpec = {
  name: 'model', kind: 'string', help: 'Hugging Face model id, e.g. google/gemma-2-27b-it.',
};
export const MODEL_SERVER: FlagSpec = {
  name: 'model-server', kind: 'string', help: 'Model server, e.g. vllm.',
};
/** `--model-server` on the listings: gcloud's "If not specified, this defaults to any model server". */
export const ANY_MODEL_SERVER: FlagSpec = {
  ...MODEL_SERVER, help: 'Model server, e.g. vllm. Default: every model server (as gcloud\'s "defaults to any model server").',
};
export const MODEL_SERVER_VERSION: FlagSpec = {
  name: 'model-server-version', kind: 'string', help: 'Model server version, e.g. v0.7.2.',
};
/** `--model-server-version` on the listings, which also take gcloud's `all`. */
export const ANY_MODEL_SERVER_VERSION: FlagSpec = {
  ...MODEL_SERVER_VERSION, help: 'Model server version, e.g. v0.7.2, or all for every version\'s profiles (as gcloud).',
};
export const TARGET_NTPOT: FlagSpec = {
  name: 'target-ntpot-milliseconds', kind: 'number', help: 'Target normalized time per output token (P50), ms.',
};
export const TARGET_TTFT: FlagSpec = {
  name: 'target-ttft-milliseconds', kind: 'number', help: 'Target time to first token (P50), ms.',
};
export const TARGET_ITL: FlagSpec = {
  name: 'target-itl-milliseconds',
  kind: 'string',
  help: 'Target inter-token latency, ms.',
  unsupported: 'ITL targets are not supported yet: the measured (GKE Inference Quickstart) profiles publish no inter-token latency to '
    + 'check one on, though every estimated point carries its own (benchmarks list\'s itlMilliseconds); use --target-ntpot-milliseconds',
};
export const PRICING_MODEL: FlagSpec = {
  name: 'pricing-model', kind: 'choice', choices: PRICING_MODELS, default: DEFAULT_PRICING_MODEL, help: 'Pricing model of the cost figures.',
};
export const REGION: FlagSpec = {
  name: 'region', kind: 'string', default: DEFAULT_REGION, help: 'Region whose machine prices are used.',
};
export const USE_CASE: FlagSpec = {
  name: 'use-case',
  kind: 'string',
  help: 'Workload, e.g. \'Chatbot (ShareGPT)\', \'Deep Research\' (see use-cases list): its average input and output lengths set the '
    + 'profiles; measured profiles stay measured only for Chatbot (ShareGPT), the workload they were measured on.',
};
export const WEIGHT_PRECISION: FlagSpec = {
  name: 'weight-precision',
  kind: 'choice',
  choices: Object.values(WeightPrecision),
  help: 'Weight format: checkpoint (as it ships), fp8 (vLLM quantizes a bf16 checkpoint online), or a format the checkpoint ships in; '
    + 'accelerators that cannot run it are left out.',
};
export const KV_CACHE_DTYPE: FlagSpec = {
  name: 'kv-cache-dtype', kind: 'choice', choices: Object.values(KvCacheDtype), help: 'KV-cache dtype (fp8 halves its bytes per token).',
};
export const AVERAGE_INPUT_TOKENS: FlagSpec = {
  name: 'average-input-tokens', kind: 'count', help: 'Average input (prompt) tokens per request; overrides the use case\'s.',
};
export const AVERAGE_OUTPUT_TOKENS: FlagSpec = {
  name: 'average-output-tokens', kind: 'count', help: 'Average output tokens per request; overrides the use case\'s.',
};
export const MAX_MODEL_LENGTH: FlagSpec = {
  name: 'max-model-length',
  kind: 'count',
  help: 'Longest request (prompt and output) the server accepts, tokens, vLLM\'s --max-model-len (not a gcloud flag); profiles whose memory '
    + 'or model context cannot hold it are left out; JetStream\'s curves follow it (its decode slots). Default: 8192 (2048 for JetStream, Google\'s '
    + 'max_target_length), or twice a longer workload\'s average request, within the model\'s context.',
};
export const SERVING_STACK: FlagSpec = {
  name: 'serving-stack', kind: 'string', help: 'Serving stack.', unsupported: 'serving stacks (e.g. llm-d) are not in the catalog',
};
export const SERVING_STACK_VERSION: FlagSpec = {
  name: 'serving-stack-version', kind: 'string', help: 'Serving stack version.', unsupported: 'serving stacks (e.g. llm-d) are not in the catalog',
};
export const OUTPUT_PATH: FlagSpec = {
  name: 'output-path', kind: 'string', help: 'Write the output to this file instead of standard output.',
};

export function formatFlag(defaultFormat: ListFormat = 'table'): FlagSpec {
  // checked when the list is rendered (src/cli/list-output.ts): projections such as value(a,b) are open-ended
  return {
    name: 'format',
    kind: 'string',
    default: defaultFormat,
    help: `Output format: ${LIST_FORMATS.join(', ')} (gcloud's profile and csvprofile are accepted for table and csv), or a projection `
      + 'such as value(acceleratorType,ntpotMilliseconds), csv[no-heading](model) or table(model,source).',
  };
}

export function required(flag: FlagSpec): FlagSpec {
  return { ...flag, required: true };
}

export function targetsOf(flags: Flags): LatencyTargets {
  return { ntpotMilliseconds: flags.num(TARGET_NTPOT.name), ttftMilliseconds: flags.num(TARGET_TTFT.name) };
}
