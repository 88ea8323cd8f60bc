import { CurveQuery, PerformanceCurve, curveOf } from './performance-curves';
import { ParsedBenchmark, USER_TRUST, isEstimatedPoint, parseBenchmarkCsv, parseBenchmarkJson } from '../catalog/benchmark-import';
import { implausibility } from '../catalog/benchmark-plausibility';
import { Catalog, SHAREGPT_RUN_TOLERANCE, measuredOn } from '../catalog/catalog';
import { knownTiedEmbeddings } from '../catalog/data/extra-models';
import { kvCacheKibPerTokenBf16 } from '../catalog/data/large-models';
import { VLLM, compareReleases } from '../catalog/model-servers';
import { CheckpointFormat, MeasuredPointRecord, MeasuredWorkload, ModelRecord } from '../catalog/types';
import { MIN_TIME_SCALE, pointTimeScale } from '../performance/calibration';
import { PerformanceModel } from '../performance/estimator';
import { packedTensorParallelSizes } from '../performance/feasibility';
import { WeightPrecision } from '../performance/precision';
import { RESOLVE_REQUEST_PROPS } from '../resolver/request-props';
import { Resolution, ResolveRequest } from '../resolver/resolution';
import { resolveWith } from '../resolver/resolver';
import { profiledUseCase, requireUseCase, useCaseWorkload } from '../resolver/workload';
import { closestMatches } from '../util/closest';
import { checkOptionalBoolean, checkOptionalEnum, checkOptionalString, checkProps, describeValue, printable } from '../util/input';
import { checkHuggingFaceId } from '../util/references';

const MODEL_ARCHITECTURE_PROPS: readonly string[] = [
  'id', 'source', 'parametersBillions', 'activeParametersBillions', 'numHiddenLayers', 'hiddenSize', 'numAttentionHeads', 'numKeyValueHeads',
  'headDim', 'intermediateSize', 'vocabSize', 'maxPositionEmbeddings', 'numExperts', 'numExpertsPerToken', 'weightsGb', 'slidingWindow',
  'slidingWindowLayers', 'gated', 'minModelServerRelease', 'license', 'kvLoraRank', 'qkRopeHeadDim', 'numSharedExperts', 'firstKDenseReplace',
  'interleaveMoeLayerStep', 'attentionChunkSize', 'chunkedAttentionLayers', 'weightFormat', 'quantizedExpertsOnly', 'tieWordEmbeddings',
];
const BENCHMARK_IMPORT_OPTION_PROPS: readonly string[] = [
  'model', 'modelServer', 'modelServerVersion', 'acceleratorType', 'acceleratorCount', 'instanceType', 'source', 'useCase',
  'averageInputTokens', 'averageOutputTokens',
];
const BENCHMARK_POINT_PROPS: readonly string[] = [
  'model', 'modelServer', 'modelServerVersion', 'acceleratorType', 'acceleratorCount', 'instanceType', 'outputTokensPerSecond',
  'ntpotMilliseconds', 'ttftMilliseconds', 'inputTokensPerSecond', 'source', 'useCase', 'averageInputTokens', 'averageOutputTokens',
];

/**
 * How much faster than the estimator's kernels at peak memory bandwidth (`MIN_TIME_SCALE`) an imported point may be before it is
 * refused as not one replica's measurement. Wide: the estimator's worst held-out error is 1.66x (README, calibration table), and its
 * running batch, which the KV cache bounds, may be smaller than a server reaches (a point above it reads as faster kernels); the
 * mistake it catches, a Service's total over several replicas, is many times over.
 */
const IMPOSSIBLE_SPEED_MARGIN = 3;

/** The longest one-line text (a benchmark's source) accepted. */
const MAX_ONE_LINE = 2000;

/** A text that lands in one line (a citation annotation, a message): not empty, no line breaks or control characters. */
function checkOneLine(name: string, value: string | undefined): void {
  // eslint-disable-next-line no-control-regex
  if (value !== undefined && (value.trim() === '' || /[\u0000-\u001f\u007f]/.test(value))) {
    throw new Error(`'${name}' must be one non-empty line of text, got ${describeValue(value)}.`);
  }
  // a source is copied into each served Deployment's provenance annotation, which the API server bounds (256 KiB in all)
  if (value !== undefined && value.length > MAX_ONE_LINE) {
    throw new Error(`'${name}' is ${value.length} characters: at most ${MAX_ONE_LINE} (it is copied into manifests' annotations); cite a URL instead.`);
  }
}

/** Checks the options of a benchmark import (they may come untyped from JavaScript) and returns them with the default. */
function importOptions(options: BenchmarkImportOptions | undefined): BenchmarkImportOptions {
  checkProps(options, 'benchmark import options', BENCHMARK_IMPORT_OPTION_PROPS, false);
  const o = options ?? {};
  for (const name of ['model', 'modelServer', 'modelServerVersion', 'acceleratorType', 'instanceType', 'source', 'useCase'] as const) {
    checkOptionalString(name, o[name]);
    checkOneLine(name, o[name]);
  }
  checkLengths(o);
  if (o.acceleratorCount !== undefined && (typeof o.acceleratorCount !== 'number' || !Number.isInteger(o.acceleratorCount) || o.acceleratorCount < 1)) {
    throw new Error(`'acceleratorCount' must be a whole number >= 1, got ${describeValue(o.acceleratorCount)}.`);
  }
  return o;
}

/** Checks the average lengths of a benchmark's workload (positive numbers of tokens; a run's means need not be whole). */
function checkLengths(o: { readonly averageInputTokens?: unknown; readonly averageOutputTokens?: unknown }): void {
  for (const name of ['averageInputTokens', 'averageOutputTokens'] as const) {
    const v = o[name];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 1 && v <= 10_000_000)) {
      throw new Error(`'${name}' must be the run's mean tokens per request, a number from 1 to 10000000, got ${describeValue(v)}.`);
    }
  }
}

/** Checks the text of a benchmark file. */
function importText(text: unknown, method: string): string {
  if (typeof text !== 'string') throw new Error(`${method}: 'text' must be the file's contents as a string, got ${describeValue(text)}.`);
  return text;
}

/**
 * A model architecture to register, in the terms of its Hugging Face `config.json` (camelCase). These
 * are the facts the feasibility check and the performance model need.
 */
export interface ModelArchitecture {
  /** Hugging Face id, `owner/name`. Registering an id the catalog has replaces the catalog's record. */
  readonly id: string;
  /** Where the figures come from (a config.json URL at a revision, a model card), recorded with every estimate. */
  readonly source: string;
  /** Total parameters, billions. */
  readonly parametersBillions: number;
  /**
   * Parameters each token uses, billions (MoE models: shared parameters + experts per token x expert size).
   * @default - parametersBillions (a dense model); required when `numExperts` is set
   */
  readonly activeParametersBillions?: number;
  /** `num_hidden_layers`. */
  readonly numHiddenLayers: number;
  /** `hidden_size`. */
  readonly hiddenSize: number;
  /** `num_attention_heads`. */
  readonly numAttentionHeads: number;
  /** `num_key_value_heads` (grouped-query attention; equal to the attention heads without it). */
  readonly numKeyValueHeads: number;
  /**
   * `head_dim`.
   * @default - hiddenSize / numAttentionHeads
   */
  readonly headDim?: number;
  /** `intermediate_size` (for MoE models, the size of one expert, e.g. `moe_intermediate_size`). */
  readonly intermediateSize: number;
  /** `vocab_size`. */
  readonly vocabSize: number;
  /** `max_position_embeddings`: the longest context the model serves, tokens. */
  readonly maxPositionEmbeddings: number;
  /**
   * Experts of a mixture-of-experts model (`num_experts`, `num_local_experts`).
   * @default - a dense model
   */
  readonly numExperts?: number;
  /**
   * Experts each token routes to (`num_experts_per_tok`).
   * @default - a dense model
   */
  readonly numExpertsPerToken?: number;
  /**
   * Size of the checkpoint's weights as loaded into accelerator memory, GB (1e9 bytes): set it for
   * quantized checkpoints (FP8, INT4, MXFP4).
   * @default - parametersBillions x 2 (bf16)
   */
  readonly weightsGb?: number;
  /**
   * Sliding-window attention: the window, tokens (`sliding_window`).
   * @default - every layer attends to the whole context
   */
  readonly slidingWindow?: number;
  /**
   * How many layers use the sliding window (Gemma 2: half, Gemma 3: five of six).
   * @default - numHiddenLayers (every layer) when slidingWindow is set
   */
  readonly slidingWindowLayers?: number;
  /**
   * Whether the Hugging Face repository is gated (a token Secret is then required).
   * @default true
   */
  readonly gated?: boolean;
  /**
   * First vLLM release that serves the architecture, e.g. `0.8.5`; estimates are only made for versions from it.
   * @default - every server version in the catalog
   */
  readonly minModelServerRelease?: string;
  /**
   * Licence name, for the record.
   * @default 'unknown'
   */
  readonly license?: string;
  /**
   * Multi-head latent attention (DeepSeek V2/V3/R1): the rank of the compressed KV latent, `kv_lora_rank`. The KV cache then
   * holds `kvLoraRank + qkRopeHeadDim` elements per token and layer (one latent, not per-head K and V), and every
   * tensor-parallel rank holds it whole.
   * @default - per-head K and V (numKeyValueHeads x headDim each)
   */
  readonly kvLoraRank?: number;
  /**
   * Multi-head latent attention: the decoupled rope key dimension cached next to the latent, `qk_rope_head_dim`.
   * @default - required with kvLoraRank
   */
  readonly qkRopeHeadDim?: number;
  /**
   * MoE: experts every token uses besides the routed ones (`n_shared_experts`; 1 for Llama 4). Their parameters are part
   * of `activeParametersBillions`.
   * @default 0
   */
  readonly numSharedExperts?: number;
  /**
   * MoE: leading layers that keep a dense MLP (`first_k_dense_replace`; 3 for DeepSeek-V3/R1).
   * @default 0
   */
  readonly firstKDenseReplace?: number;
  /**
   * MoE: one layer in this many has an MoE block, the others a dense MLP (Llama 4 `interleave_moe_layer_step`; 2 for Maverick).
   * @default 1
   */
  readonly interleaveMoeLayerStep?: number;
  /**
   * Chunked local attention (Llama 4 `attention_chunk_size`): a token attends only within its chunk of this many tokens.
   * @default - every layer attends to the whole context
   */
  readonly attentionChunkSize?: number;
  /**
   * How many layers use chunked attention (Llama 4: 3 of every 4).
   * @default - numHiddenLayers when attentionChunkSize is set
   */
  readonly chunkedAttentionLayers?: number;
  /**
   * The format the checkpoint ships its weights in, as its config's `quantization_config` says: `CHECKPOINT` for bf16,
   * `FP8` for FP8 linear layers (computed at the fp8 peak where the hardware has one), or `INT8`, `INT4_AWQ`, `INT4_GPTQ`,
   * `MXFP4`, `NVFP4`. Set `weightsGb` with it. The model is then served as it ships: a request for another quantized
   * format is refused. Without it, a `weightsGb` below the architecture's bf16 size is a quantized checkpoint in a format
   * the catalog does not know, served only as it ships (any `weightPrecision` but `CHECKPOINT` is refused).
   * @default WeightPrecision.CHECKPOINT (bf16), unless weightsGb is below the bf16 size
   */
  readonly weightFormat?: WeightPrecision;
  /**
   * Whether only the routed experts are quantized, the rest in bf16 (Llama 4 Maverick FP8, gpt-oss MXFP4).
   * @default false
   */
  readonly quantizedExpertsOnly?: boolean;
  /**
   * Whether the output projection shares the input embedding's table (`tie_word_embeddings` in config.json: Gemma 2 and 3,
   * Llama 3.2 1B/3B, small Qwen models). The performance model streams and multiplies a tied table once per step, and only
   * gathers rows from an untied input table.
   * @default - true for the ids the catalog knows to be tied (google/gemma-*, meta-llama/Llama-3.2-*), false otherwise
   */
  readonly tieWordEmbeddings?: boolean;
}

/**
 * Defaults and overrides for benchmark points read from a file. A value given here fills what the
 * file does not say; a value that contradicts the file is an error.
 */
export interface BenchmarkImportOptions {
  /**
   * Hugging Face id of the model benchmarked (it must be in the catalog: register it first with `addModel`).
   * @default - the file's model column or field
   */
  readonly model?: string;
  /**
   * Model server, lower case.
   * @default - the file's, else 'vllm'
   */
  readonly modelServer?: string;
  /**
   * Model server version label of the catalog, e.g. `v0.11.2`.
   * @default - the file's model server version
   */
  readonly modelServerVersion?: string;
  /**
   * GKE accelerator label, e.g. `nvidia-l4`.
   * @default - the file's, else the accelerator of `instanceType`
   */
  readonly acceleratorType?: string;
  /**
   * Accelerators per replica (the tensor-parallel size).
   * @default - the file's, else the accelerator count of `instanceType`
   */
  readonly acceleratorCount?: number;
  /**
   * Machine type the benchmark ran on.
   * @default - the file's, else inferred from the accelerator and count
   */
  readonly instanceType?: string;
  /**
   * Citation recorded with the points (file name, date, who ran it).
   * @default 'imported benchmark'
   */
  readonly source?: string;
  /**
   * The GKE Inference Quickstart use case the benchmark ran (`Chatbot (ShareGPT)`, `Deep Research`, ...): its average lengths are the
   * workload of the points, which are served as measured only for requests of that workload.
   * @default - the file's `Use Case` column or `workloadSpec.useCase`, else the lengths; without either, ShareGPT as GIQ benchmarks it
   */
  readonly useCase?: string;
  /**
   * Mean input tokens per request of the benchmark run (with `averageOutputTokens`).
   * @default - the file's (`Average Input Length`, `workloadSpec.averageInputLength`, `avg_input_len`), else the use case's
   */
  readonly averageInputTokens?: number;
  /**
   * Mean output tokens per request of the benchmark run (with `averageInputTokens`).
   * @default - the file's (`Average Output Length`, `workloadSpec.averageOutputLength`, `avg_output_len`), else the use case's
   */
  readonly averageOutputTokens?: number;
}

/** One measured point to add. */
export interface BenchmarkPoint {
  /** Hugging Face id of the model (it must be in the catalog). */
  readonly model: string;
  /**
   * Model server, lower case.
   * @default 'vllm'
   */
  readonly modelServer?: string;
  /** Model server version label of the catalog, e.g. `v0.11.2`. */
  readonly modelServerVersion: string;
  /** GKE accelerator label. */
  readonly acceleratorType: string;
  /**
   * Accelerators per replica (the tensor-parallel size).
   * @default - the accelerator count of `instanceType`
   */
  readonly acceleratorCount?: number;
  /**
   * Machine type the benchmark ran on.
   * @default - inferred from the accelerator and count
   */
  readonly instanceType?: string;
  /** Output tokens per second of the replica. */
  readonly outputTokensPerSecond: number;
  /** Normalized time per output token (request latency / output tokens, P50), ms. */
  readonly ntpotMilliseconds: number;
  /**
   * Time to first token (P50), ms.
   * @default - not measured
   */
  readonly ttftMilliseconds?: number;
  /**
   * Input tokens per second of the replica.
   * @default - derived from the workload's input/output ratio
   */
  readonly inputTokensPerSecond?: number;
  /**
   * Citation of the point.
   * @default 'imported benchmark'
   */
  readonly source?: string;
  /**
   * The GKE Inference Quickstart use case the point was measured on: the point is served as measured only for requests of its workload.
   * @default - ShareGPT as GIQ benchmarks it (`Chatbot (ShareGPT)`), unless `averageInputTokens` and `averageOutputTokens` say otherwise
   */
  readonly useCase?: string;
  /**
   * Mean input tokens per request of the run the point was measured in.
   * @default - the use case's
   */
  readonly averageInputTokens?: number;
  /**
   * Mean output tokens per request of the run the point was measured in.
   * @default - the use case's
   */
  readonly averageOutputTokens?: number;
}

/**
 * The data the resolver decides with: the embedded, sourced catalog plus the model architectures and
 * measured benchmark points a user adds. Immutable: every `add...` method returns a new catalog.
 *
 * Imported points become measured profiles: they take precedence over the estimate of their
 * combination (and over the embedded points of the same combination), and they calibrate the estimates
 * of neighbouring combinations of the same server.
 *
 * @example
 * const catalog = InferenceCatalog.embedded()
 *   .addModel({ id: 'acme/chat-8b', source: 'https://huggingface.co/acme/chat-8b/blob/abc123/config.json', parametersBillions: 8.0,
 *     numHiddenLayers: 32, hiddenSize: 4096, numAttentionHeads: 32, numKeyValueHeads: 8, intermediateSize: 14336,
 *     vocabSize: 128256, maxPositionEmbeddings: 8192, gated: false })
 *   .addBenchmarksFromCsv(fs.readFileSync('benchmarks.csv', 'utf8'), { modelServerVersion: 'v0.11.2', acceleratorCount: 1 });
 * new OptimizedLlmServer(chart, 'chat', { model: 'acme/chat-8b', catalog });
 */
export class InferenceCatalog {
  /** The catalog embedded in this package. */
  public static embedded(): InferenceCatalog {
    return new InferenceCatalog(Catalog.EMBEDDED);
  }

  /** @internal */
  public readonly _catalog: Catalog;

  private constructor(catalog: Catalog) {
    this._catalog = catalog;
  }

  /** Hugging Face ids of the catalog's models, in catalog order. */
  public get modelIds(): string[] {
    return this._catalog.models.map((m) => m.id);
  }

  /** How many measured benchmark points the catalog holds (published and imported). */
  public get measuredPointCount(): number {
    return this._catalog.measuredPoints.length;
  }

  /**
   * A catalog with this model architecture added (or replacing the record of the same id).
   *
   * @throws Error naming the prop when a figure is missing, not positive or inconsistent
   */
  public addModel(model: ModelArchitecture): InferenceCatalog {
    checkProps(model, 'addModel model', MODEL_ARCHITECTURE_PROPS);
    const record = toModelRecord(model);
    checkReleaseExists(this._catalog, record);
    const others = this._catalog.models.filter((m) => m.id.toLowerCase() !== record.id.toLowerCase());
    return new InferenceCatalog(this._catalog.withData({ models: [...others, record] }));
  }

  /** A catalog with one measured point added. */
  public addBenchmark(point: BenchmarkPoint): InferenceCatalog {
    checkProps(point, 'addBenchmark point', BENCHMARK_POINT_PROPS);
    for (const name of ['model', 'modelServer', 'modelServerVersion', 'acceleratorType', 'instanceType', 'source', 'useCase'] as const) {
      checkOptionalString(name, point[name]);
      checkOneLine(name, point[name]);
    }
    for (const name of ['acceleratorCount', 'outputTokensPerSecond', 'ntpotMilliseconds', 'ttftMilliseconds', 'inputTokensPerSecond'] as const) {
      if (point[name] !== undefined && typeof point[name] !== 'number') throw new Error(`addBenchmark: '${name}' must be a number, got ${describeValue(point[name])}.`);
    }
    checkLengths(point);
    const record = this.toPointRecord({ ...point, where: 'addBenchmark' }, {
      source: point.source, useCase: point.useCase, averageInputTokens: point.averageInputTokens, averageOutputTokens: point.averageOutputTokens,
    });
    return this.withPoints([record]);
  }

  /**
   * A catalog with the points of a CSV file added: the output of `gcloud container ai profiles benchmarks
   * list` (or `profiles list --format=csvprofile`). Columns are matched by name, case and punctuation
   * aside: `Output Tokens/s` and `NTPOT(ms)` are required; `Model` (`Model Name`), `Model Server` (`Model Server Name`),
   * `Model Server Version`, `Accelerator` (`Accelerator Type`), `Accelerator Count`, `Instance Type`, `TTFT(ms)`, `Input Tokens/s`,
   * `Use Case`, `Average Input Length` and `Average Output Length` are read when present.
   */
  public addBenchmarksFromCsv(text: string, options: BenchmarkImportOptions = {}): InferenceCatalog {
    const o = importOptions(options);
    const models = new Map<string, PerformanceModel | undefined>();
    return this.withPoints(measuredOnly(parseBenchmarkCsv(importText(text, 'addBenchmarksFromCsv')), 'addBenchmarksFromCsv')
      .map((p) => this.toPointRecord(p, o, models)));
  }

  /**
   * A catalog with the points of a JSON file added: a GKE Inference Quickstart response or profile list
   * (`profile[].performanceStats[]` with `outputTokensPerSecond`, `ntpotMilliseconds`, `ttftMilliseconds`,
   * `inputTokensPerSecond`; the workload from `workloadSpec`), one or more inference-benchmark results (`metrics.throughput` in
   * output tokens/s; NTPOT from `metrics.median_normalized_time_per_output_token_ms`,
   * `metrics.avg_normalized_time_per_output_token_ms` or the legacy `metrics.median_per_output_token_latency` /
   * `avg_per_output_token_latency` in milliseconds (seconds below 1); TTFT from `metrics.median_ttft_ms`, `metrics.avg_ttft_ms` or
   * the legacy `median_TTFT` / `avg_TTFT` in seconds; input tokens/s from `input_tokens_per_sec` or `input_tokens_per_min`; the
   * workload from `avg_input_len` and `avg_output_len`; the model from `dimensions.model_id` or `config.model`), or
   * `vllm bench serve --save-result` output (`output_throughput`, NTPOT from the per-request `ttfts`, `itls` and `output_lens` when
   * saved, else `mean_e2el_ms` over the mean output length). Python's bare `Infinity` and `NaN` are read as null.
   */
  public addBenchmarksFromJson(text: string, options: BenchmarkImportOptions = {}): InferenceCatalog {
    const o = importOptions(options);
    const models = new Map<string, PerformanceModel | undefined>();
    return this.withPoints(measuredOnly(parseBenchmarkJson(importText(text, 'addBenchmarksFromJson')), 'addBenchmarksFromJson')
      .map((p) => this.toPointRecord(p, o, models)));
  }

  /**
   * Resolve a request against this catalog.
   *
   * @throws Error naming the offending field and what would work.
   */
  public resolve(request: ResolveRequest): Resolution {
    checkProps(request, 'InferenceCatalog.resolve request', RESOLVE_REQUEST_PROPS);
    return resolveWith(this._catalog, request);
  }

  /**
   * The whole latency-throughput curve of one combination, as the resolver reads it: every point with its concurrency,
   * output and input tokens/s, NTPOT, ITL, TTFT, source and (estimated points) uncertainty band, for the workload and
   * precision asked for. Where both exist, the measured curve is returned (measured only on the workload and precision
   * it was measured on); otherwise the calibrated estimate of the newest server version.
   *
   * @throws Error naming the prop when the model, server, accelerator, count, precision or workload does not exist or fit
   */
  public curve(query: CurveQuery): PerformanceCurve {
    return curveOf(this._catalog, query);
  }

  /** Imported points replace the embedded (published) points of their combination and add to earlier imports. */
  private withPoints(imports: MeasuredPointRecord[]): InferenceCatalog {
    // the published points are ShareGPT measurements: only an import on that workload replaces them
    const key = (p: MeasuredPointRecord) => [p.model.toLowerCase(), p.modelServer, p.modelServerVersion, p.accelerator, p.acceleratorCount,
      p.workload === undefined || p.workload.shareGpt === true ? '' : 'own-workload'].join('|');
    // a point the catalog already publishes (the round trip of `benchmarks list`, rounded to whole numbers) keeps its record and source
    const published = new Map<string, MeasuredPointRecord[]>();
    for (const p of this._catalog.measuredPoints) {
      if (p.trust !== USER_TRUST) published.set(key(p), [...(published.get(key(p)) ?? []), p]);
    }
    const same = (a: number, b: number) => Math.abs(a - b) <= Math.max(0.5, 0.001 * Math.abs(b));
    const matched = new Set<MeasuredPointRecord>();
    const added: MeasuredPointRecord[] = [];
    // a point already imported (the same file twice, or a row repeated) is kept once
    const identity = (p: MeasuredPointRecord) => [key(p), p.ntpotMilliseconds, p.outputTokensPerSecond, p.ttftMilliseconds,
      p.workload?.meanInputTokens, p.workload?.meanOutputTokens].join('|');
    const seen = new Set(this._catalog.measuredPoints.filter((p) => p.trust === USER_TRUST).map(identity));
    for (const p of imports) {
      const existing = (published.get(key(p)) ?? []).find((e) => same(p.ntpotMilliseconds, e.ntpotMilliseconds)
        && same(p.outputTokensPerSecond, e.outputTokensPerSecond));
      if (existing) {
        matched.add(existing);
      } else if (!seen.has(identity(p))) {
        seen.add(identity(p));
        added.push(p);
      }
    }
    // new measurements replace the published points of their combination (except those the file repeats) and add to earlier imports
    const replaced = new Set(added.map(key));
    const kept = this._catalog.measuredPoints.filter((p) => p.trust === USER_TRUST || !replaced.has(key(p)) || matched.has(p));
    if (added.length === 0) return this;
    return new InferenceCatalog(this._catalog.withData({ measuredPoints: [...kept, ...added] }));
  }

  private toPointRecord(
    p: ParsedBenchmark, options: BenchmarkImportOptions, models: Map<string, PerformanceModel | undefined> = new Map(),
  ): MeasuredPointRecord {
    const c = this._catalog;
    const where = p.where;
    type Field = keyof BenchmarkImportOptions & keyof ParsedBenchmark;
    const pick = <T>(name: Field, fromFile: T | undefined, fromOptions: T | undefined): T | undefined => {
      if (fromFile !== undefined && fromOptions !== undefined && String(fromFile).toLowerCase() !== String(fromOptions).toLowerCase()) {
        throw new Error(`${where}: '${name}' option (${fromOptions}) contradicts the file (${fromFile})`);
      }
      return fromFile ?? fromOptions;
    };
    const modelId = pick('model', p.model, options.model);
    if (modelId === undefined) throw new Error(`${where}: no model: pass the 'model' option`);
    const model = c.model(modelId);
    if (!model) {
      throw new Error(`${where}: unknown model '${modelId}' ('model'); register it first with addModel. `
        + `Closest catalog models: ${closestMatches(modelId, c.models.map((m) => m.id)).join(', ')}.`);
    }
    const serverName = pick('modelServer', p.modelServer, options.modelServer) ?? 'vllm';
    const server = c.modelServer(serverName);
    if (!server) throw new Error(`${where}: unknown model server '${serverName}' ('modelServer'). Known servers: ${c.modelServers.map((s) => s.name).join(', ')}.`);
    const version = pick('modelServerVersion', p.modelServerVersion, options.modelServerVersion);
    const known = server.versions.map((v) => v.version).join(', ');
    if (version === undefined) throw new Error(`${where}: no model server version: pass the 'modelServerVersion' option (one of ${known})`);
    if (!c.modelServerVersion(server, version)) {
      throw new Error(`${where}: unknown model server version '${version}' for ${server.name} ('modelServerVersion'). Known versions: ${known}.`);
    }
    const instanceType = pick('instanceType', p.instanceType, options.instanceType);
    const machine = instanceType === undefined ? undefined : c.machineTypes.find((m) => m.name === instanceType);
    if (instanceType !== undefined && !machine) {
      throw new Error(`${where}: unknown instance type '${instanceType}' ('instanceType'). Closest: `
        + `${closestMatches(instanceType, c.machineTypes.map((m) => m.name)).join(', ')}.`);
    }
    const acceleratorType = pick('acceleratorType', p.acceleratorType, options.acceleratorType) ?? machine?.accelerator;
    if (acceleratorType === undefined) throw new Error(`${where}: no accelerator: pass the 'acceleratorType' option`);
    const accelerator = c.accelerator(acceleratorType);
    if (!accelerator || accelerator.family !== 'gpu') {
      throw new Error(`${where}: '${acceleratorType}' ('acceleratorType') is not a GPU accelerator of the catalog: `
        + `${c.accelerators.filter((a) => a.family === 'gpu').map((a) => a.gkeLabel).join(', ')}.`);
    }
    if (machine && machine.accelerator !== accelerator.gkeLabel) {
      throw new Error(`${where}: instance type ${machine.name} ('instanceType') carries ${machine.accelerator}, not ${accelerator.gkeLabel}`);
    }
    const count = pick('acceleratorCount', p.acceleratorCount, options.acceleratorCount) ?? machine?.acceleratorsPerVm;
    if (count === undefined) throw new Error(`${where}: no accelerator count: pass the 'acceleratorCount' option or an 'instanceType'`);
    const counts = c.acceleratorCountsPerMachine(accelerator.gkeLabel);
    // a replica may share a larger machine with others (packing: 1 x H200 on an a3-ultragpu-8g), as the resolver plans it
    const packed = packedTensorParallelSizes(c, model, accelerator.gkeLabel);
    const packedOn = (m: typeof machine) => packed.includes(count) && (m === undefined || (m.acceleratorsPerVm ?? 0) % count === 0);
    if (!counts.includes(count) && !packedOn(machine)) {
      throw new Error(`${where}: 'acceleratorCount' (${count}) is not a count a ${accelerator.gkeLabel} machine carries (${counts.join(', ')}) `
        + `${packed.length ? `nor one of its replicas packed on a machine (${packed.join(', ')})` : 'nor a packed replica of this model'}`);
    }
    const positive = (name: string, v: number | undefined, required: boolean) => {
      if (v === undefined ? required : !(Number.isFinite(v) && v > 0)) throw new Error(`${where}: '${name}' must be a positive number, got ${v}`);
    };
    positive('outputTokensPerSecond', p.outputTokensPerSecond, true);
    positive('ntpotMilliseconds', p.ntpotMilliseconds, true);
    positive('ttftMilliseconds', p.ttftMilliseconds, false);
    positive('inputTokensPerSecond', p.inputTokensPerSecond, false);
    const implausible = implausibility(model, accelerator, count, {
      ntpotMilliseconds: p.ntpotMilliseconds!,
      outputTokensPerSecond: p.outputTokensPerSecond!,
      ttftMilliseconds: p.ttftMilliseconds,
      inputTokensPerSecond: p.inputTokensPerSecond,
    });
    if (implausible) throw new Error(`${where}: ${implausible}. Fix the file or its units; the point was not imported`);
    const workload = this.pointWorkload(p, options, where);
    const record: MeasuredPointRecord = {
      model: model.id,
      modelServer: server.name,
      modelServerVersion: version,
      accelerator: accelerator.gkeLabel,
      acceleratorCount: count,
      instanceType: machine?.name,
      outputTokensPerSecond: p.outputTokensPerSecond!,
      ntpotMilliseconds: p.ntpotMilliseconds!,
      ttftMilliseconds: p.ttftMilliseconds,
      inputTokensPerSecond: p.inputTokensPerSecond,
      ...(workload ? { workload } : {}),
      query: 'imported benchmark',
      notes: `imported (${where})`,
      source: options.source ?? 'imported benchmark',
      trust: USER_TRUST,
    };
    // faster than the kernels at the accelerators' peak memory bandwidth by half again: not one replica's measurement (a benchmark
    // through a Service reports every replica's tokens together)
    const tau = pointTimeScale(c, record, models);
    if (tau !== undefined && tau < MIN_TIME_SCALE / IMPOSSIBLE_SPEED_MARGIN) {
      const w = c.workloadOf(record);
      throw new Error(`${where}: ${p.outputTokensPerSecond} output tokens/s at ${p.ntpotMilliseconds} ms NTPOT is more than ${IMPOSSIBLE_SPEED_MARGIN}x `
        + `faster than ${count} x ${accelerator.gkeLabel} can serve ${model.id} on ${w.name} requests (${Math.round(w.meanInputTokens)} input / `
        + `${Math.round(w.meanOutputTokens)} output tokens) with its kernels at peak memory bandwidth. Is it the total of several replicas (a `
        + 'benchmark through a Service)? Divide it by the replica count; the point was not imported');
    }
    return record;
  }

  /**
   * The workload a point was measured on, or undefined for ShareGPT as GIQ benchmarks it (the catalog's measured workload): the
   * use case and mean lengths of the file or the options. The Chatbot (ShareGPT) use case is that workload whatever lengths GIQ
   * lists with it (GIQ states ~128/128 and benchmarks ShareGPT); lengths within 5% of ShareGPT's means are too, and lengths within
   * 25% (ShareGPT counted with another tokenizer or filter) are kept as the run's own, marked as ShareGPT.
   */
  private pointWorkload(p: ParsedBenchmark, options: BenchmarkImportOptions, where: string): MeasuredWorkload | undefined {
    const c = this._catalog;
    const fileCase = p.useCase === undefined ? undefined : requireUseCase(c, p.useCase, `${where} 'useCase'`);
    const optionCase = options.useCase === undefined ? undefined : requireUseCase(c, options.useCase, '\'useCase\'');
    if (fileCase !== undefined && optionCase !== undefined && fileCase !== optionCase) {
      throw new Error(`${where}: 'useCase' option (${optionCase.name}) contradicts the file (${fileCase.name})`);
    }
    for (const [name, fromFile, fromOptions] of [
      ['averageInputTokens', p.averageInputTokens, options.averageInputTokens],
      ['averageOutputTokens', p.averageOutputTokens, options.averageOutputTokens],
    ] as const) {
      if (fromFile !== undefined && fromOptions !== undefined && Math.abs(fromFile / fromOptions - 1) > 0.01) {
        throw new Error(`${where}: '${name}' option (${fromOptions}) contradicts the file (${fromFile})`);
      }
    }
    const useCaseName = fileCase?.name ?? optionCase?.name;
    const input = p.averageInputTokens ?? options.averageInputTokens;
    const output = p.averageOutputTokens ?? options.averageOutputTokens;
    if ((input === undefined) !== (output === undefined)) {
      throw new Error(`${where}: give both 'averageInputTokens' and 'averageOutputTokens' (the run's mean lengths), or neither`);
    }
    const useCase = useCaseName === undefined ? undefined : requireUseCase(c, useCaseName, `${where} 'useCase'`);
    if (useCase !== undefined && useCase === profiledUseCase(c)) return undefined;
    const lengths = input !== undefined && output !== undefined ? { meanInputTokens: input, meanOutputTokens: output }
      : useCase !== undefined ? useCaseWorkload(c, useCase) : undefined;
    if (lengths === undefined) {
      if (useCase === undefined) return undefined;
      throw new Error(`${where}: use case '${useCase.name}' has no published average lengths: pass 'averageInputTokens' and 'averageOutputTokens'`);
    }
    if (measuredOn(lengths, c.measuredWorkload)) return undefined;
    const lengthsName = `${Math.round(lengths.meanInputTokens)}/${Math.round(lengths.meanOutputTokens)} tokens`;
    // ShareGPT counted otherwise: the published points' workload, measured on its own lengths
    if (useCase === undefined && measuredOn(lengths, c.measuredWorkload, SHAREGPT_RUN_TOLERANCE)) {
      return { name: `${c.measuredWorkload.name} (${lengthsName})`, meanInputTokens: lengths.meanInputTokens, meanOutputTokens: lengths.meanOutputTokens, shareGpt: true };
    }
    const name = useCase?.name ?? lengthsName;
    return { name, meanInputTokens: lengths.meanInputTokens, meanOutputTokens: lengths.meanOutputTokens };
  }
}

function toModelRecord(a: ModelArchitecture): ModelRecord {
  checkHuggingFaceId(a.id, 'id');
  if (typeof a.source !== 'string' || a.source.trim() === '') throw new Error(`'source' of ${a.id} is required: where the figures come from`);
  const whole = (name: keyof ModelArchitecture, v: unknown, required = true) => {
    if (v === undefined ? required : !(typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 2 ** 31 - 1)) {
      throw new Error(`'${name}' of ${a.id} must be a positive whole number, got ${describeValue(v)}`);
    }
  };
  const positive = (name: keyof ModelArchitecture, v: unknown) => {
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 1e6)) {
      throw new Error(`'${name}' of ${a.id} must be a positive number, got ${describeValue(v)}`);
    }
  };
  checkOptionalBoolean('gated', a.gated);
  checkOptionalString('license', a.license);
  checkOptionalString('minModelServerRelease', a.minModelServerRelease);
  for (const name of ['numHiddenLayers', 'hiddenSize', 'numAttentionHeads', 'numKeyValueHeads', 'intermediateSize', 'vocabSize', 'maxPositionEmbeddings'] as const) {
    whole(name, a[name]);
  }
  for (const name of ['headDim', 'numExperts', 'numExpertsPerToken', 'slidingWindow', 'slidingWindowLayers', 'kvLoraRank', 'qkRopeHeadDim',
    'interleaveMoeLayerStep', 'attentionChunkSize', 'chunkedAttentionLayers'] as const) whole(name, a[name], false);
  for (const name of ['numSharedExperts', 'firstKDenseReplace'] as const) {
    const v = a[name];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < a.numHiddenLayers)) {
      throw new Error(`'${name}' of ${a.id} must be a whole number from 0 to numHiddenLayers - 1 (${a.numHiddenLayers - 1}), got ${describeValue(v)}`);
    }
  }
  checkOptionalBoolean('quantizedExpertsOnly', a.quantizedExpertsOnly);
  checkOptionalBoolean('tieWordEmbeddings', a.tieWordEmbeddings);
  checkOptionalEnum('weightFormat', a.weightFormat, WeightPrecision, 'WeightPrecision');
  if (a.parametersBillions === undefined) throw new Error(`'parametersBillions' of ${a.id} is required`);
  positive('parametersBillions', a.parametersBillions);
  positive('activeParametersBillions', a.activeParametersBillions);
  positive('weightsGb', a.weightsGb);
  if (a.numAttentionHeads % a.numKeyValueHeads !== 0) {
    throw new Error(`'numAttentionHeads' (${a.numAttentionHeads}) of ${a.id} must be a multiple of 'numKeyValueHeads' (${a.numKeyValueHeads})`);
  }
  const headDim = a.headDim ?? a.hiddenSize / a.numAttentionHeads;
  if (!Number.isInteger(headDim)) throw new Error(`'headDim' of ${a.id} is required: hiddenSize / numAttentionHeads (${headDim}) is not whole`);
  if ((a.numExperts === undefined) !== (a.numExpertsPerToken === undefined)) {
    throw new Error(`'numExperts' and 'numExpertsPerToken' of ${a.id} go together: set both for a mixture-of-experts model, neither for a dense one`);
  }
  if (a.numExperts !== undefined && !(a.numExpertsPerToken! < a.numExperts)) {
    throw new Error(`'numExpertsPerToken' (${a.numExpertsPerToken}) of ${a.id} must be less than 'numExperts' (${a.numExperts})`);
  }
  if (a.numExperts !== undefined && a.activeParametersBillions === undefined) {
    throw new Error(`'activeParametersBillions' of ${a.id} is required for a mixture-of-experts model`);
  }
  const active = a.activeParametersBillions ?? a.parametersBillions;
  if (active > a.parametersBillions) {
    throw new Error(`'activeParametersBillions' (${active}) of ${a.id} exceeds 'parametersBillions' (${a.parametersBillions})`);
  }
  if (a.slidingWindowLayers !== undefined && (a.slidingWindow === undefined || a.slidingWindowLayers > a.numHiddenLayers)) {
    throw new Error(`'slidingWindowLayers' (${a.slidingWindowLayers}) of ${a.id} needs 'slidingWindow' and at most 'numHiddenLayers' (${a.numHiddenLayers}) layers`);
  }
  if ((a.kvLoraRank === undefined) !== (a.qkRopeHeadDim === undefined)) {
    throw new Error(`'kvLoraRank' and 'qkRopeHeadDim' of ${a.id} go together: set both for multi-head latent attention, neither otherwise`);
  }
  const moeOnly = ['numSharedExperts', 'firstKDenseReplace', 'interleaveMoeLayerStep', 'quantizedExpertsOnly'] as const;
  for (const name of moeOnly) {
    if (a[name] !== undefined && a.numExperts === undefined) throw new Error(`'${name}' of ${a.id} describes a mixture-of-experts model: set 'numExperts' too`);
  }
  if (a.interleaveMoeLayerStep !== undefined && a.interleaveMoeLayerStep > a.numHiddenLayers) {
    throw new Error(`'interleaveMoeLayerStep' (${a.interleaveMoeLayerStep}) of ${a.id} exceeds 'numHiddenLayers' (${a.numHiddenLayers})`);
  }
  if (a.chunkedAttentionLayers !== undefined && (a.attentionChunkSize === undefined || a.chunkedAttentionLayers > a.numHiddenLayers)) {
    throw new Error(`'chunkedAttentionLayers' (${a.chunkedAttentionLayers}) of ${a.id} needs 'attentionChunkSize' and at most 'numHiddenLayers' `
      + `(${a.numHiddenLayers}) layers`);
  }
  if (a.attentionChunkSize !== undefined && a.slidingWindow !== undefined) {
    throw new Error(`'attentionChunkSize' and 'slidingWindow' of ${a.id}: set one of them (the library models one kind of local attention per model)`);
  }
  if (a.weightFormat !== undefined && a.weightFormat !== WeightPrecision.CHECKPOINT && a.weightsGb === undefined) {
    throw new Error(`'weightFormat' ${a.weightFormat} of ${a.id} needs 'weightsGb': the size of the quantized checkpoint`);
  }
  if (a.minModelServerRelease !== undefined && !/^\d+(\.\d+)*$/.test(a.minModelServerRelease)) {
    throw new Error(`'minModelServerRelease' of ${a.id} must be a dotted release such as 0.8.5, got '${a.minModelServerRelease}'`);
  }
  const bf16 = a.parametersBillions * 2;
  const slidingLayers = a.slidingWindow === undefined ? undefined : a.slidingWindowLayers ?? a.numHiddenLayers;
  const chunkedLayers = a.attentionChunkSize === undefined ? undefined : a.chunkedAttentionLayers ?? a.numHiddenLayers;
  const format = checkpointFormatOf(a.weightFormat, a.quantizedExpertsOnly === true);
  return {
    id: a.id,
    inGiqModelList: false,
    paramsTotalB: a.parametersBillions,
    paramsActiveB: active,
    layers: a.numHiddenLayers,
    hiddenSize: a.hiddenSize,
    attentionHeads: a.numAttentionHeads,
    kvHeads: a.numKeyValueHeads,
    headDim,
    intermediateSize: a.intermediateSize,
    experts: a.numExperts,
    expertsPerToken: a.numExpertsPerToken,
    vocabSize: a.vocabSize,
    maxContext: a.maxPositionEmbeddings,
    bf16WeightsGb: bf16,
    checkpointWeightsGb: a.weightsGb ?? bf16,
    checkpointWeightsNote: a.weightsGb === undefined ? 'registered model: parameters x 2 bytes (bf16)' : 'registered model: weightsGb as given',
    kvCacheKibPerTokenBf16: kvCacheKibPerTokenBf16({
      layers: a.numHiddenLayers, kvHeads: a.numKeyValueHeads, headDim, kvLoraRank: a.kvLoraRank, qkRopeHeadDim: a.qkRopeHeadDim,
    }),
    attentionPattern: [
      a.kvLoraRank !== undefined ? `multi-head latent attention (${a.kvLoraRank} + ${a.qkRopeHeadDim} per token and layer)` : undefined,
      a.slidingWindow !== undefined ? `sliding window ${a.slidingWindow} on ${slidingLayers} of ${a.numHiddenLayers} layers` : undefined,
      a.attentionChunkSize !== undefined ? `chunked attention ${a.attentionChunkSize} on ${chunkedLayers} of ${a.numHiddenLayers} layers` : undefined,
    ].filter((x) => x !== undefined).join('; ') || 'full attention',
    slidingWindowTokens: a.slidingWindow,
    slidingWindowLayers: slidingLayers,
    kvLoraRank: a.kvLoraRank,
    qkRopeHeadDim: a.qkRopeHeadDim,
    sharedExperts: a.numSharedExperts,
    denseLeadingLayers: a.firstKDenseReplace,
    moeLayerStep: a.interleaveMoeLayerStep,
    attentionChunkTokens: a.attentionChunkSize,
    chunkedAttentionLayers: chunkedLayers,
    checkpointFormat: format,
    tiedEmbeddings: (a.tieWordEmbeddings ?? knownTiedEmbeddings(a.id)) ? true : undefined,
    minModelServerRelease: a.minModelServerRelease,
    gating: a.gated === false ? 'not-gated' : 'gated',
    gatingNote: a.gated === false ? 'registered as not gated' : 'registered as gated (the default): a Hugging Face token is required',
    license: a.license ?? 'unknown',
    hubWeightFormat: format !== undefined ? `${format} (registered)` : a.weightsGb === undefined ? 'bf16 (assumed)' : 'as registered',
    notes: 'registered by the user with InferenceCatalog.addModel',
    unverifiedFields: 'all (user-supplied)',
    source: printable(a.source, 500),
    trust: USER_TRUST,
  };
}

/** The record's checkpoint format for a registered weight format (undefined: as `weightsGb` implies). */
function checkpointFormatOf(format: WeightPrecision | undefined, expertsOnly: boolean): CheckpointFormat | undefined {
  switch (format) {
    case undefined: return undefined;
    case WeightPrecision.CHECKPOINT: return 'bf16';
    case WeightPrecision.FP8: return expertsOnly ? 'fp8-experts' : 'fp8';
    case WeightPrecision.MXFP4: return expertsOnly ? 'mxfp4-experts' : 'mxfp4';
    // expert-only quantization is recorded for FP8 and MXFP4 (Llama 4 Maverick, gpt-oss); other formats say only what they are
    case WeightPrecision.NVFP4: return expertsOnly ? undefined : 'nvfp4';
    case WeightPrecision.INT8: return expertsOnly ? undefined : 'int8';
    case WeightPrecision.INT4_AWQ: return expertsOnly ? undefined : 'int4-awq';
    case WeightPrecision.INT4_GPTQ: return expertsOnly ? undefined : 'int4-gptq';
    default: return undefined;
  }
}

/**
 * The measured points of a file: points it labels `estimated` or `interpolated` (the library's own estimates, as `benchmarks list`
 * prints them) are left out, so an estimate never becomes a measurement; a file holding only estimates is refused.
 */
function measuredOnly(points: ParsedBenchmark[], method: string): ParsedBenchmark[] {
  const measured = points.filter((p) => !isEstimatedPoint(p));
  if (measured.length === 0) {
    throw new Error(`${method}: every point of the file is labelled estimated or interpolated (its Source or Point Kind column): those are `
      + 'estimates, not measurements, and are not imported. Import measured points (a benchmark run, or the measured rows of benchmarks list).');
  }
  return measured;
}

/**
 * `minModelServerRelease` names a vLLM release: one newer than every vLLM version of the catalog would leave the model
 * with no server at all, which the resolver could only report later as "fits no accelerator".
 */
function checkReleaseExists(catalog: Catalog, model: ModelRecord): void {
  const wanted = model.minModelServerRelease;
  if (wanted === undefined) return;
  const server = catalog.modelServer(VLLM.name);
  if (server === undefined) return;
  const newest = catalog.versionsNewestFirst(server)[0];
  if (newest !== undefined && compareReleases(newest.baseRelease, wanted) < 0) {
    throw new Error(`'minModelServerRelease' ${wanted} of ${model.id} is newer than every vLLM release the catalog has (newest ${newest.baseRelease}, `
      + `${VLLM.name} ${newest.version}), so no server would serve it. Give the vLLM release that first supports the architecture, `
      + `${newest.baseRelease} or older, or leave it unset.`);
  }
}
