/**
 * Curves as data: the whole latency-throughput curve of one combination (model, server, version, accelerator, count,
 * precision, workload), as the resolver reads it, for callers that chart, compare or export curves themselves.
 * `InferenceCatalog.curve` is the public entry point; `benchmarks list` prints the same figures.
 */
import { Catalog } from '../catalog/catalog';
import { preallocatesDecodeSlots } from '../catalog/model-length';
import { VLLM } from '../catalog/model-servers';
import { CurvePoint, ProfileCurve } from '../performance/curve';
import { holdsModelLength, memoryBudget } from '../performance/feasibility';
import { KvCacheDtype, WeightPrecision, precisionPlan } from '../performance/precision';
import { profileCurves } from '../performance/profiles';
import { inputTokensPerSecond } from '../resolver/cost';
import { chooseMaxModelLength, requireAccelerator, requireModel, requireServer } from '../resolver/request-checks';
import { PROP_NAMES, requestedWorkload, requireWorkloadFits } from '../resolver/workload';
import { checkObject, checkOptionalEnum, checkOptionalInteger, checkOptionalString, checkRequiredString, printable } from '../util/input';

/** Which curve to read. */
export interface CurveQuery {
  /** Hugging Face id of a catalog model. */
  readonly model: string;
  /** GKE accelerator label, e.g. `nvidia-h100-80gb` or `tpu-v6e-slice`. */
  readonly acceleratorType: string;
  /**
   * Accelerators of one replica (tensor-parallel size x pipeline stages).
   * @default - the smallest count with a curve
   */
  readonly acceleratorCount?: number;
  /**
   * Model server.
   * @default 'vllm'
   */
  readonly modelServer?: string;
  /**
   * Model server version label.
   * @default - the version of a measured curve where one exists, else the newest version's estimate (as the resolver picks)
   */
  readonly modelServerVersion?: string;
  /**
   * Weight format served.
   * @default WeightPrecision.CHECKPOINT
   */
  readonly weightPrecision?: WeightPrecision;
  /**
   * KV-cache dtype.
   * @default KvCacheDtype.AUTO
   */
  readonly kvCacheDtype?: KvCacheDtype;
  /**
   * GKE Inference Quickstart use case (`use-cases list`) whose average lengths set the workload.
   * @default - Chatbot (ShareGPT)
   */
  readonly useCase?: string;
  /**
   * Average input tokens per request (overrides the use case's).
   * @default - the use case's, else ShareGPT's mean (226)
   */
  readonly averageInputTokens?: number;
  /**
   * Average output tokens per request (overrides the use case's).
   * @default - the use case's, else ShareGPT's mean (195)
   */
  readonly averageOutputTokens?: number;
  /**
   * Longest request (prompt + output), tokens. Only the curves of a server that preallocates its decode slots at this length
   * (JetStream) depend on it: a longer limit leaves fewer slots, so fewer requests run at once.
   * @default - the resolver's default for the model, workload and server (2048 for JetStream, as Google's module sets it)
   */
  readonly maxModelLength?: number;
}

/** One point of a curve, in increasing load. */
export interface PerformanceCurvePoint {
  /**
   * Requests in the system: the estimator's load for estimated points; for measured points output tokens/s x NTPOT
   * (Little's law), since benchmarks publish the request rate, not the concurrency.
   */
  readonly concurrency: number;
  /** Output tokens/s of one replica. */
  readonly outputTokensPerSecond: number;
  /** Published with the point, estimated with it, or output tokens/s x mean input / mean output tokens of the workload. */
  readonly inputTokensPerSecond: number;
  /** Normalized time per output token (request latency / output tokens), ms. */
  readonly ntpotMilliseconds: number;
  /**
   * Inter-token latency of a running request, ms.
   * @default - absent for measured points (not published)
   */
  readonly itlMilliseconds?: number;
  /**
   * Time to first token, ms.
   * @default - absent where the source published none
   */
  readonly ttftMilliseconds?: number;
  /** `measured`, `interpolated` or `estimated`. */
  readonly source: string;
  /**
   * Low and high ends of the uncertainty band (estimated points only).
   * @default - absent for measured points
   */
  readonly outputTokensPerSecondLow?: number;
  /** @default - absent for measured points */
  readonly outputTokensPerSecondHigh?: number;
  /** @default - absent for measured points */
  readonly ntpotMillisecondsLow?: number;
  /** @default - absent for measured points */
  readonly ntpotMillisecondsHigh?: number;
  /** @default - absent for measured points and points without a TTFT */
  readonly ttftMillisecondsLow?: number;
  /** @default - absent for measured points and points without a TTFT */
  readonly ttftMillisecondsHigh?: number;
}

/** A whole latency-throughput curve with what it is for and where it comes from. */
export interface PerformanceCurve {
  /** Hugging Face id. */
  readonly model: string;
  /** Model server. */
  readonly modelServer: string;
  /** Model server version of the curve. */
  readonly modelServerVersion: string;
  /** GKE accelerator label. */
  readonly acceleratorType: string;
  /** Accelerators of one replica. */
  readonly acceleratorCount: number;
  /** Weight format the curve is for. */
  readonly weightPrecision: WeightPrecision;
  /** KV-cache dtype the curve is for. */
  readonly kvCacheDtype: KvCacheDtype;
  /** Longest request the curve is for, tokens (it sets JetStream's decode slots; other servers' curves do not depend on it). */
  readonly maxModelLength: number;
  /** Workload the curve is for: its name and average lengths. */
  readonly workload: string;
  /** Average input tokens per request of the workload. */
  readonly meanInputTokens: number;
  /** Average output tokens per request of the workload. */
  readonly meanOutputTokens: number;
  /** `measured` or `estimated`. */
  readonly source: string;
  /** Where the figures come from (the benchmark, or the performance model and its calibration). */
  readonly citation: string;
  /**
   * What the uncertainty band rests on.
   * @default - absent for measured curves
   */
  readonly uncertaintyBasis?: string;
  /** The points, in increasing load. */
  readonly points: PerformanceCurvePoint[];
}

const QUERY_PROPS = ['model', 'acceleratorType', 'acceleratorCount', 'modelServer', 'modelServerVersion', 'weightPrecision', 'kvCacheDtype',
  'useCase', 'averageInputTokens', 'averageOutputTokens', 'maxModelLength'];

/** The curve of a query against a catalog (see `InferenceCatalog.curve`). */
export function curveOf(base: Catalog, query: CurveQuery): PerformanceCurve {
  checkObject(query, 'the curve query');
  for (const k of Object.keys(query)) {
    if (!QUERY_PROPS.includes(k)) throw new Error(`Unknown curve query prop '${printable(k)}'. Known: ${QUERY_PROPS.join(', ')}.`);
  }
  for (const name of ['modelServer', 'modelServerVersion', 'useCase'] as const) checkOptionalString(name, query[name]);
  checkOptionalInteger('acceleratorCount', query.acceleratorCount, 1, 1024);
  checkOptionalInteger('maxModelLength', query.maxModelLength, 1, 10_000_000);
  const asShipped = requireModel(base, query.model);
  const server = requireServer(base, query.modelServer);
  // the curve is of one accelerator: required here, where the resolver would choose one
  checkRequiredString('acceleratorType', query.acceleratorType, '\'nvidia-l4\'');
  const accelerator = requireAccelerator(base, query.acceleratorType);
  // null is no format: 'resolve' and the server refuse it too
  if (query.weightPrecision === null || query.kvCacheDtype === null) {
    throw new Error(`'${query.weightPrecision === null ? 'weightPrecision' : 'kvCacheDtype'}' is null: leave it unset for the checkpoint's own format.`);
  }
  const weights = query.weightPrecision ?? WeightPrecision.CHECKPOINT;
  const kvCache = query.kvCacheDtype ?? KvCacheDtype.AUTO;
  checkOptionalEnum('weightPrecision', weights, WeightPrecision, 'WeightPrecision');
  checkOptionalEnum('kvCacheDtype', kvCache, KvCacheDtype, 'KvCacheDtype');
  if ((weights !== WeightPrecision.CHECKPOINT || kvCache !== KvCacheDtype.AUTO) && server.name !== VLLM.name) {
    throw new Error(`'weightPrecision' ${weights} / 'kvCacheDtype' ${kvCache}: quantized serving is configured for vllm only, not '${server.name}' ('modelServer').`);
  }
  // refuses, with what would work, a format the accelerator cannot run
  precisionPlan(asShipped, accelerator, weights, kvCache, base.accelerators);
  const workload = requestedWorkload(base, query, PROP_NAMES);
  // the resolver's checks and default; only a server that preallocates its decode slots (JetStream) has curves that follow it
  const maxModelLength = chooseMaxModelLength(asShipped, query.maxModelLength, workload, preallocatesDecodeSlots(server));
  requireWorkloadFits(workload, maxModelLength, PROP_NAMES, query.maxModelLength === undefined ? `the context length of ${asShipped.id}` : undefined);
  const forPrecision = base.withWorkload(workload).withPrecision(weights, kvCache);
  const catalog = preallocatesDecodeSlots(server) && query.maxModelLength !== undefined
    ? forPrecision.withMaxModelLength(maxModelLength) : forPrecision;
  const model = catalog.model(asShipped.id)!;
  const versions = catalog.versionsNewestFirst(server);
  const rank = (c: ProfileCurve) => (c.source === 'measured' ? 0 : 1e6) + versions.findIndex((v) => v.version === c.modelServerVersion);
  const candidates = profileCurves(catalog, model.id)
    .filter((c) => c.modelServer === server.name && c.acceleratorType === accelerator.gkeLabel && (c.pipelineParallelSize ?? 1) === 1
      && (c.tpuHosts ?? 1) === 1 && (query.modelServerVersion === undefined || c.modelServerVersion === query.modelServerVersion));
  const counts = [...new Set(candidates.map((c) => c.acceleratorCount))].sort((a, b) => a - b);
  const count = query.acceleratorCount ?? counts[0];
  const curve = candidates.filter((c) => c.acceleratorCount === count).sort((a, b) => rank(a) - rank(b))[0];
  if (!curve) {
    throw new Error(`No curve for ${model.id} on ${count ?? 'any number of'} x ${accelerator.gkeLabel} with ${server.name}`
      + `${query.modelServerVersion ? ` ${query.modelServerVersion}` : ''} ('acceleratorCount', 'modelServerVersion'). `
      + (counts.length ? `Accelerator counts with a curve: ${counts.join(', ')}.` : 'No count has one: the model does not fit next to a running request, '
        + 'or the server version does not serve it.'));
  }
  // a model length the combination cannot hold gives no curve that runs: vLLM refuses to start, JetStream's slots do not fit
  if (query.maxModelLength !== undefined && (curve.tpuHosts ?? 1) === 1
    && !holdsModelLength(model, accelerator, curve.acceleratorCount, maxModelLength, preallocatesDecodeSlots(server))) {
    throw new Error(`'maxModelLength' ${maxModelLength} does not fit ${curve.acceleratorCount} x ${accelerator.gkeLabel} for ${model.id} `
      + `('acceleratorCount'): its memory holds the weights and at most ${memoryBudget(model, accelerator, curve.acceleratorCount).maxFittingTokens} `
      + `tokens of KV cache${preallocatesDecodeSlots(server) ? ', and JetStream needs one full-length slot per chip' : ''}. Lower 'maxModelLength' `
      + 'or raise \'acceleratorCount\'.');
  }
  const u = curve.uncertainty;
  const w = catalog.defaultWorkload;
  return {
    model: curve.model,
    modelServer: curve.modelServer,
    modelServerVersion: curve.modelServerVersion,
    acceleratorType: curve.acceleratorType,
    acceleratorCount: curve.acceleratorCount,
    weightPrecision: weights,
    kvCacheDtype: kvCache,
    maxModelLength,
    workload: w.name,
    meanInputTokens: w.meanInputTokens,
    meanOutputTokens: w.meanOutputTokens,
    source: curve.source,
    citation: curve.citation,
    ...(u ? { uncertaintyBasis: u.basis } : {}),
    points: curve.points.map((p) => pointOf(catalog, p, curve)),
  };
}

function pointOf(catalog: Catalog, p: CurvePoint, curve: ProfileCurve): PerformanceCurvePoint {
  const u = curve.uncertainty;
  const band = p.kind === 'estimated' && u !== undefined;
  return {
    concurrency: p.concurrency ?? (p.outputTokensPerSecond * p.ntpotMilliseconds) / 1000,
    outputTokensPerSecond: p.outputTokensPerSecond,
    inputTokensPerSecond: inputTokensPerSecond(catalog, p).value,
    ntpotMilliseconds: p.ntpotMilliseconds,
    ...(p.itlMilliseconds !== undefined ? { itlMilliseconds: p.itlMilliseconds } : {}),
    ...(p.ttftMilliseconds !== undefined ? { ttftMilliseconds: p.ttftMilliseconds } : {}),
    source: p.kind,
    ...(band ? {
      outputTokensPerSecondLow: p.outputTokensPerSecondLow ?? p.outputTokensPerSecond * u.throughputLowMultiplier,
      outputTokensPerSecondHigh: p.outputTokensPerSecondHigh ?? p.outputTokensPerSecond * u.throughputHighMultiplier,
      ntpotMillisecondsLow: p.ntpotMillisecondsLow ?? p.ntpotMilliseconds * u.latencyLowMultiplier,
      ntpotMillisecondsHigh: p.ntpotMillisecondsHigh ?? p.ntpotMilliseconds * u.latencyHighMultiplier,
      ...(p.ttftMilliseconds !== undefined ? {
        ttftMillisecondsLow: p.ttftMilliseconds * u.ttftLowMultiplier,
        ttftMillisecondsHigh: p.ttftMilliseconds * u.ttftHighMultiplier,
      } : {}),
    } : {}),
  };
}
