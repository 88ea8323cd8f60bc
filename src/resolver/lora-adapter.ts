/**
 * LoRA adapters of a served base model: what a user names (`LoraAdapter`) and what the resolver settles
 * (`ResolvedLora`). vLLM serves them with `--enable-lora`, `--max-loras`, `--max-lora-rank` and
 * `--lora-modules name=path` (vLLM docs "LoRA Adapters", docs/features/lora.md; `LoRAParserAction` in
 * vllm/entrypoints/openai/cli_args.py splits each `name=path` item on its `=`).
 */
import { describeValue, printable } from '../util/input';
import { isHuggingFaceId } from '../util/references';

/** Where an adapter's weights come from. */
export enum LoraAdapterSource {
  /** A Hugging Face repository, downloaded by vLLM at start-up (`huggingface_hub.snapshot_download`). */
  HUGGING_FACE = 'hugging-face',
  /** A directory of the model bucket, read through the server's Cloud Storage FUSE mount. */
  MODEL_BUCKET = 'model-bucket',
}

/**
 * An adapter name: what clients put in the OpenAI request's `model`, what vLLM's `--lora-modules` item and the
 * gateway's `X-Gateway-Model-Name` header match carry. A Kubernetes label value (1-63 letters, digits, `-`, `_`, `.`,
 * alphanumeric at both ends): no `=` (vLLM splits `name=path` on it), no `$`, no whitespace or `/`.
 */
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A directory inside the model bucket's mount: segments of letters, digits, `.`, `_` and `-`, no `.` or `..`. */
const BUCKET_PATH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
/**
 * Largest rank accepted for an adapter: the largest `--max-lora-rank` a vLLM release of the catalog accepts (512 from the releases
 * after the v0.7 line, which takes 256: `VLLM_MAX_LORA_RANKS_LATER` in lora.ts).
 */
export const MAX_ADAPTER_RANK = 512;

/**
 * A LoRA adapter of the server's base model, served under its own model name next to the base model.
 *
 * @example
 * LoraAdapter.fromHuggingFace('sql', 'my-org/llama-3.1-8b-sql-lora', 16)
 */
export class LoraAdapter {
  /**
   * An adapter on Hugging Face, which vLLM downloads at start-up with the server's Hugging Face token.
   * @param name the model name clients request it by (a label value: letters, digits, '-', '_', '.'; at most 63)
   * @param repoId the Hugging Face repository, `owner/name`
   * @param rank the adapter's LoRA rank (`r` in its adapter_config.json)
   */
  public static fromHuggingFace(name: string, repoId: string, rank: number): LoraAdapter {
    return new LoraAdapter(name, LoraAdapterSource.HUGGING_FACE, repoId, rank);
  }

  /**
   * An adapter in the model bucket (`modelBucketUri`), read through the same Cloud Storage FUSE mount as the base model.
   * @param name the model name clients request it by (a label value: letters, digits, '-', '_', '.'; at most 63)
   * @param path the adapter's directory relative to `modelBucketUri`, e.g. `adapters/sql` for `gs://BUCKET/MODEL/adapters/sql`
   * @param rank the adapter's LoRA rank (`r` in its adapter_config.json)
   */
  public static fromModelBucket(name: string, path: string, rank: number): LoraAdapter {
    return new LoraAdapter(name, LoraAdapterSource.MODEL_BUCKET, path, rank);
  }

  /** The model name clients request the adapter by. */
  public readonly name: string;
  /** Where its weights come from. */
  public readonly source: LoraAdapterSource;
  /** The Hugging Face repository id, or the directory relative to `modelBucketUri`. */
  public readonly location: string;
  /** The adapter's LoRA rank. */
  public readonly rank: number;

  private constructor(name: string, source: LoraAdapterSource, location: string, rank: number) {
    checkLoraAdapter({ name, source, location, rank }, source === LoraAdapterSource.HUGGING_FACE ? 'LoraAdapter.fromHuggingFace' : 'LoraAdapter.fromModelBucket');
    this.name = name;
    this.source = source;
    this.location = location;
    this.rank = rank;
  }
}

/** One adapter the server serves, as resolved. */
export interface ResolvedLoraAdapter {
  /** The model name clients request it by. */
  readonly name: string;
  /** Where its weights come from: `hugging-face` or `model-bucket`. */
  readonly source: LoraAdapterSource;
  /** The Hugging Face repository id, or the directory relative to `modelBucketUri`. */
  readonly location: string;
  /** Its LoRA rank. */
  readonly rank: number;
}

/** How the server serves LoRA adapters, and what they take from accelerator memory. */
export interface ResolvedLora {
  /** Adapters registered at start-up (`--lora-modules`). */
  readonly adapters: ResolvedLoraAdapter[];
  /** Adapters one batch can hold, each in its own preallocated GPU slot (`--max-loras`). */
  readonly maxLoras: number;
  /**
   * Adapters vLLM keeps in host memory (`--max-cpu-loras`), when there are more adapters than GPU slots.
   * @default - vLLM's default, `maxLoras` (every adapter has a slot)
   */
  readonly maxCpuLoras?: number;
  /** Rank of every slot (`--max-lora-rank`); each adapter's rank is at most this. */
  readonly maxLoraRank: number;
  /** Whether `/v1/load_lora_adapter` and `/v1/unload_lora_adapter` are enabled (`VLLM_ALLOW_RUNTIME_LORA_UPDATING`). */
  readonly runtimeLoraUpdating: boolean;
  /** Accelerator memory of the `maxLoras` slots across the replica's accelerators, GB. */
  readonly slotsMemoryGb: number;
  /**
   * Host memory one server pod gives the adapters vLLM keeps in its CPU cache, GiB (each tensor-parallel worker keeps every
   * adapter whole; counted in `podResources.memoryGiB`).
   */
  readonly hostMemoryGiB: number;
  /** How `slotsMemoryGb` was computed. */
  readonly memoryExplanation: string;
}

/**
 * An adapter's fields checked: the factories call it, and so does the resolver, since JavaScript can reach the private
 * constructor or pass a plain object.
 */
export function checkLoraAdapter(a: { name: unknown; source: unknown; location: unknown; rank: unknown }, prop: string): void {
  if (typeof a.name !== 'string' || !NAME.test(a.name)) {
    throw new Error(`${prop}: 'name' must be 1-63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit `
      + `(it is the request's model name and a label value), e.g. 'sql-assistant'; got ${describeValue(a.name)}.`);
  }
  if (a.source === LoraAdapterSource.HUGGING_FACE) {
    if (!isHuggingFaceId(a.location)) {
      throw new Error(`${prop} '${a.name}': 'repoId' must be a Hugging Face repository id 'owner/name' (letters, digits, '_', '.' and '-', `
        + `no '--' or '..'), e.g. 'my-org/llama-3.1-8b-sql-lora'; got ${describeValue(a.location)}.`);
    }
  } else if (a.source === LoraAdapterSource.MODEL_BUCKET) {
    const segments = typeof a.location === 'string' ? a.location.replace(/\/+$/, '').split('/') : [];
    if (typeof a.location !== 'string' || a.location.length > 512 || segments.some((s) => !BUCKET_PATH_SEGMENT.test(s) || s === '..')) {
      throw new Error(`${prop} '${a.name}': 'path' must be a directory relative to 'modelBucketUri', made of segments of letters, `
        + `digits, '.', '_' and '-' (no '.' or '..' segments, no leading '/'), e.g. 'adapters/sql'; got ${describeValue(a.location)}.`);
    }
  } else {
    throw new Error(`${prop} '${printable(a.name)}': make adapters with LoraAdapter.fromHuggingFace(...) or LoraAdapter.fromModelBucket(...), `
      + `got source ${describeValue(a.source)}.`);
  }
  if (typeof a.rank !== 'number' || !Number.isInteger(a.rank) || a.rank < 1 || a.rank > MAX_ADAPTER_RANK) {
    throw new Error(`${prop} '${a.name}': 'rank' must be a whole number from 1 to ${MAX_ADAPTER_RANK} (the largest --max-lora-rank `
      + `of the catalog's vLLM releases; v0.7.2 takes 256), got ${describeValue(a.rank)}.`);
  }
}
