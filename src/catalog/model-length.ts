/**
 * The default longest request (vLLM's `--max-model-len`, MaxText's `max_target_length`) of a model for a workload and server.
 * It lives with the catalog because the profiles depend on it where a server preallocates every decode slot at full length.
 */
import { ModelServerRecord } from './model-servers';
import { SERVING_CONSTANTS } from './serving-constants';
import { ModelRecord } from './types';

/** The average lengths a default model length is sized for. */
export interface LengthWorkload { readonly meanInputTokens: number; readonly meanOutputTokens: number }

/** Whether a server allocates every decode slot's KV cache at the full model length (`ModelServerRecord.preallocatesDecodeSlots`). */
export function preallocatesDecodeSlots(server: ModelServerRecord): boolean {
  return server.preallocatesDecodeSlots === true;
}

/** What a default model length is made of: the length the workload asks for, and the floor it is raised to. */
export interface DefaultLength {
  /** Twice the workload's average request, rounded up to 1024 tokens. */
  readonly fromWorkload: number;
  /** The floor: 8192 for a paged KV cache; for a preallocated one, the 2048 tokens of the profiled requests. */
  readonly floor: number;
  /** The larger of the two. */
  readonly wanted: number;
  /** Whether `fromWorkload` is set by the average prompt (JetStream's prompt half) rather than the average request. */
  readonly promptBound: boolean;
}

/**
 * The default model length for a workload: twice its average request rounded up to 1024 tokens (on JetStream also twice its average
 * prompt in the half of the length prompts get), at least 8192 on a server that
 * pages its KV cache (room for longer chats at no cost); on a server that preallocates its decode slots at full length (JetStream),
 * at least the 2048 tokens of the profiled requests (ShareGPT prompts and outputs of up to 1024 tokens), as Google's
 * jetstream-maxtext module sets `max_target_length=2048`: every 1024 tokens more costs decode slots.
 */
export function defaultLengthFor(workload: LengthWorkload | undefined, preallocated: boolean = false): DefaultLength {
  const average = workload === undefined ? 0 : workload.meanInputTokens + workload.meanOutputTokens;
  const perAverage = SERVING_CONSTANTS.maxModelLengthPerAverageRequest.value;
  // JetStream's prompts are at most half the length (max_prefill_predict_length, see jetstream.ts) and it keeps a longer prompt's
  // last tokens without an error: the half must hold twice the average prompt as the whole holds twice the average request
  const prompt = preallocated && workload !== undefined ? 2 * perAverage * workload.meanInputTokens : 0;
  const fromWorkload = Math.ceil(Math.max(perAverage * average, prompt) / 1024) * 1024;
  const promptBound = prompt > perAverage * average;
  const floor = preallocated ? SERVING_CONSTANTS.minimumMaxModelLength.value : SERVING_CONSTANTS.defaultMaxModelLength.value;
  return { fromWorkload, floor, wanted: Math.max(floor, fromWorkload), promptBound };
}

/** The default model length of a model: `defaultLengthFor` within the model's context length. */
export function defaultMaxModelLength(model: ModelRecord, workload: LengthWorkload | undefined, preallocated: boolean = false): number {
  const { wanted } = defaultLengthFor(workload, preallocated);
  return Math.min(model.maxContext ?? wanted, wanted);
}
