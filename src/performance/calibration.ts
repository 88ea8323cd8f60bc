/**
 * Calibration of the performance model on measured points.
 *
 * The estimator's terms (bandwidth and compute efficiencies, prefill efficiency, fixed latencies) are
 * fitted once on public measurements (`scripts/fit-serving-terms.ts`, `serving-terms.generated.ts`).
 * On top of them the correction is one number per combination, a kernel time scale τ: the memory,
 * compute and communication time of every step is multiplied by it, the fixed per-step and per-layer
 * latencies are not. At a fixed load NTPOT is linear in τ, so τ is solved exactly from a measured point
 * (X tokens/s at NTPOT t has X x t requests in the system); Little's law still holds and the running
 * batch, queue and KV-cache utilisation at a given load are unchanged.
 *
 * A combination with measured points uses their τ (geometric mean). Any other combination uses a
 * weighted geometric mean of the τ of the same server's measured points, weighting those of the same
 * model (kernels, attention softcapping, quantisation formats) and of the same accelerator more. τ never
 * goes below `minTimeScale` (the kernels at peak bandwidth).
 *
 * The anchors are summed per server, model, accelerator and combination (`calibrationIndex`), so a
 * prediction costs a few look-ups however many points were imported. The uncertainty band is
 * cross-validated: leave-one-out over the measured points for combinations whose model has measured
 * points elsewhere, leave-one-model-out for models without any, on at most
 * `MAX_CROSS_VALIDATED_POINTS_PER_COMBINATION` evenly spaced points of each combination.
 */
import { CurveKey, ProfileCurve } from './curve';
import { jetstreamDecodeSlotsFor } from './decode-slots';
import { EstimateInput, ModelPoint, PerformanceModel, performanceModel } from './estimator';
import { expertKernelFormat, measuredExpertRate } from './expert-kernels';
import { loraSlotsGb } from './lora-memory';
import { measuredCurves } from './measured-curves';
import { PERFORMANCE_CONSTANTS } from './performance-constants';
import { KvCacheDtype, WeightPrecision, precisionPlan, shipsFp8 } from './precision';
import { Catalog, Workload } from '../catalog/catalog';
import { MeasuredPointRecord, ModelRecord } from '../catalog/types';

/**
 * The smallest kernel time scale: the kernels at the accelerator's peak memory bandwidth (the fitted terms stream at
 * `memoryBandwidthEfficiency` of it).
 */
export const MIN_TIME_SCALE = PERFORMANCE_CONSTANTS.minTimeScale.value;
const clampScale = (t: number) => (Number.isFinite(t) ? Math.max(MIN_TIME_SCALE, t) : MIN_TIME_SCALE);
const SAME_MODEL_WEIGHT = PERFORMANCE_CONSTANTS.calibrationSameModelWeight.value;
const SAME_ACCELERATOR_WEIGHT = PERFORMANCE_CONSTANTS.calibrationSameAcceleratorWeight.value;
/** Band half-width (natural log) when the server has fewer than two measured points to cross-validate. */
const UNCALIBRATED_LOG_BAND = Math.log(PERFORMANCE_CONSTANTS.uncalibratedBand.value);

/** A measured point the model is calibrated on. */
export interface CalibrationAnchor extends CurveKey {
  readonly outputTokensPerSecond: number;
  readonly ntpotMilliseconds: number;
  readonly ttftMilliseconds?: number;
  /** Requests in the system at the point (Little's law). */
  readonly concurrency: number;
  /** The raw model's point at that concurrency. */
  readonly raw: ModelPoint;
  /**
   * The kernel time scale that puts the model's NTPOT at the measured load on the measured NTPOT: it multiplies the
   * memory, compute and communication time of every step, not the fixed per-step and per-layer overheads.
   */
  readonly timeScale: number;
  /** 1 / points of its curve, so a long user curve counts as much as a single published point. */
  readonly weight: number;
  readonly citation: string;
  /** The workload the point was measured on (the model is evaluated on it). */
  readonly workload: Workload;
}

/** The correction applied to one combination and how far to trust it. */
export interface Correction {
  readonly timeScale: number;
  /** `measured-combination`, `same-model`, `same-server` or `uncalibrated`. */
  readonly basis: string;
  /** Anchors used and their weights, one line. */
  readonly explanation: string;
  /** Band half-width on throughput and latencies, natural log. */
  readonly logBand: number;
  /** Band half-width on TTFT, natural log (wider: few measured TTFTs). */
  readonly ttftLogBand: number;
}

/** Cross-validation of the calibration on one measured point. */
export interface CrossValidation {
  readonly anchor: CalibrationAnchor;
  /** Which anchors predicted it: `leave-one-out` or `leave-model-out`. */
  readonly method: string;
  readonly predictedTimeScale: number;
  /** Estimated output tokens/s at the measured NTPOT, over the measured output tokens/s, minus 1. */
  readonly throughputError: number;
  /**
   * Whether the throughput error is well conditioned: the anchor runs at 80% of the estimate's saturated throughput or more. Below,
   * NTPOT barely moves while throughput rises several-fold (a real curve's first request rates), so a small latency error reads as a
   * large throughput error; the anchor's NTPOT error at its measured load stands for it in the band.
   */
  readonly throughputConditioned: boolean;
  /** Estimated NTPOT at the measured concurrency over the measured NTPOT, minus 1. */
  readonly ntpotError: number;
  /** Estimated TTFT at the measured concurrency over the measured TTFT, minus 1; undefined without a measured TTFT. */
  readonly ttftError?: number;
}

export function sameCombination(a: CurveKey, b: CurveKey): boolean {
  return a.model.toLowerCase() === b.model.toLowerCase() && a.modelServer === b.modelServer
    && a.acceleratorType === b.acceleratorType && a.acceleratorCount === b.acceleratorCount;
}

/** The raw performance model of a curve key in a catalog, or undefined when the key's records are missing or it does not fit. */
export function modelFor(catalog: Catalog, key: CurveKey, workload: Workload = catalog.defaultWorkload): PerformanceModel | undefined {
  const input = estimateInput(catalog, key, workload);
  return input ? performanceModel(input) : undefined;
}

/** What the performance model needs for a curve key, for a workload (by default the one the catalog's profiles are for). */
export function estimateInput(catalog: Catalog, key: CurveKey, workload: Workload = catalog.defaultWorkload): EstimateInput | undefined {
  const model = catalog.model(key.model);
  const accelerator = catalog.accelerator(key.acceleratorType);
  const server = catalog.modelServer(key.modelServer);
  const version = server ? catalog.modelServerVersion(server, key.modelServerVersion) : undefined;
  if (!model || !accelerator || !version || (version.acceleratorFamily ?? 'gpu') !== accelerator.family) return undefined;
  const pp = key.pipelineParallelSize ?? 1;
  // a precision variant: the format's compute peak on this accelerator and the KV bytes; combinations the hardware refuses have no curve
  let precision: { computeTflops?: number; kvCacheBytesPerElement?: number } = {};
  let computeFormat = 'bf16';
  if (catalog.weightPrecision !== WeightPrecision.CHECKPOINT || catalog.kvCacheDtype !== KvCacheDtype.AUTO || shipsFp8(model)) {
    try {
      const maxText = server!.versions.every((v) => v.acceleratorFamily === 'tpu');
      const plan = precisionPlan(model, accelerator, catalog.weightPrecision, catalog.kvCacheDtype, [], undefined, maxText);
      precision = { computeTflops: plan.computeTflops, kvCacheBytesPerElement: plan.kvCacheBytesPerElement };
      computeFormat = plan.computeFormat;
    } catch {
      return undefined;
    }
  }
  const tp = key.acceleratorCount / pp;
  // vLLM's MoE kernel, as measured on this chip, caps the expert GEMM rate (expert-kernels.ts); other servers' kernels are not tabled
  const rate = server!.name === 'vllm' && accelerator.family === 'gpu'
    ? measuredExpertRate('vllm', accelerator, expertKernelFormat(model, catalog.weightPrecision, computeFormat), model, tp)
    : undefined;
  // a server that preallocates its decode slots at full length (JetStream) runs at most that many requests at once
  const slots = server!.preallocatesDecodeSlots
    ? jetstreamDecodeSlotsFor(model, accelerator, key.acceleratorCount, catalog.maxModelLengthFor(model, server!)) : undefined;
  return {
    model,
    accelerator,
    tensorParallelSize: tp,
    pipelineParallelSize: pp,
    serverRelease: version.baseRelease,
    ...(server!.windowedKvCache !== undefined ? { windowedKvCache: server!.windowedKvCache } : {}),
    workload,
    ...(slots !== undefined ? { maxNumSeqs: slots } : {}),
    // vLLM's LoRA adapter slots, preallocated before the KV cache is sized
    ...(catalog.loraSlots ? { kvCacheReservedGb: loraSlotsGb(model, catalog.loraSlots, tp) } : {}),
    ...precision,
    ...(rate ? {
      expertGemmTflops: rate.tflops,
      expertGemmSource: `vLLM ${rate.serverVersion}'s ${rate.kernel}, its best, reached at ${rate.tokens} tokens a layer (${rate.source})`,
    } : {}),
  };
}

/**
 * The kernel time scale a measured point would calibrate to before clamping (`CalibrationAnchor.timeScale`), or undefined when the
 * model cannot evaluate its combination. Below `MIN_TIME_SCALE` the point is faster than the kernels at peak memory bandwidth.
 * @param models performance models already built, by combination and workload (an import builds each once)
 */
export function pointTimeScale(
  catalog: Catalog, point: MeasuredPointRecord, models: Map<string, PerformanceModel | undefined> = new Map(),
): number | undefined {
  const workload = catalog.workloadOf(point);
  const key: CurveKey = {
    model: point.model,
    modelServer: point.modelServer,
    modelServerVersion: point.modelServerVersion,
    acceleratorType: point.accelerator,
    acceleratorCount: point.acceleratorCount,
  };
  const k = [point.model, point.modelServer, point.modelServerVersion, point.accelerator, point.acceleratorCount,
    workload.meanInputTokens, workload.meanOutputTokens].join('|');
  if (!models.has(k)) models.set(k, modelFor(catalog.measurementCatalog, key, workload));
  const model = models.get(k);
  if (!model) return undefined;
  const concurrency = (point.outputTokensPerSecond * point.ntpotMilliseconds) / 1000;
  const fixedOnly = model.at(concurrency, 0).ntpotMilliseconds;
  return (point.ntpotMilliseconds - fixedOnly) / (model.at(concurrency).ntpotMilliseconds - fixedOnly);
}

/** The anchors of a catalog: every measured point whose combination the model can evaluate. */
export function calibrationAnchors(catalog: Catalog, curves: readonly ProfileCurve[] = measuredCurves(catalog)): CalibrationAnchor[] {
  const anchors: CalibrationAnchor[] = [];
  for (const curve of curves) {
    // a measured point is evaluated on the workload it was measured on, whatever the profiles are for
    const workload = catalog.workloadOf({ workload: curve.measuredWorkload });
    const model = modelFor(catalog.measurementCatalog, curve, workload);
    if (!model) continue;
    const points = curve.points.filter((p) => p.kind === 'measured');
    for (const p of points) {
      const concurrency = (p.outputTokensPerSecond * p.ntpotMilliseconds) / 1000;
      const raw = model.at(concurrency);
      // NTPOT at a fixed load is linear in the kernel time scale: fixed overheads + τ x kernel time
      const fixedOnly = model.at(concurrency, 0).ntpotMilliseconds;
      anchors.push({
        model: curve.model,
        modelServer: curve.modelServer,
        modelServerVersion: curve.modelServerVersion,
        acceleratorType: curve.acceleratorType,
        acceleratorCount: curve.acceleratorCount,
        outputTokensPerSecond: p.outputTokensPerSecond,
        ntpotMilliseconds: p.ntpotMilliseconds,
        ttftMilliseconds: p.ttftMilliseconds,
        concurrency,
        raw,
        timeScale: clampScale((p.ntpotMilliseconds - fixedOnly) / (raw.ntpotMilliseconds - fixedOnly)),
        weight: 1 / points.length,
        citation: curve.citation,
        workload,
      });
    }
  }
  return anchors;
}

/** Σ weight x log τ, Σ weight and the number of anchors of a group. */
interface LogSum {
  lw: number;
  w: number;
  n: number;
}

const emptySum = (): LogSum => ({ lw: 0, w: 0, n: 0 });

function addTo(map: Map<string, LogSum>, key: string, a: CalibrationAnchor): void {
  let s = map.get(key);
  if (!s) map.set(key, s = emptySum());
  s.lw += a.weight * Math.log(a.timeScale);
  s.w += a.weight;
  s.n += 1;
}

/** A group minus some of its anchors (counts decide emptiness, so rounding in the sums never matters). */
function minus(s: LogSum | undefined, r: LogSum | undefined): LogSum {
  const base = s ?? emptySum();
  if (!r) return base;
  return { lw: base.lw - r.lw, w: base.w - r.w, n: base.n - r.n };
}

const single = (a: CalibrationAnchor): LogSum => ({ lw: a.weight * Math.log(a.timeScale), w: a.weight, n: 1 });

/** A combination's anchors within a server, for explanations. */
interface CombinationGroup extends LogSum {
  readonly model: string;
  readonly acceleratorType: string;
  readonly acceleratorCount: number;
}

/** The anchors of one server, summed per model, accelerator and both. */
interface ServerSums {
  readonly all: LogSum;
  readonly byModel: Map<string, LogSum>;
  readonly byAccelerator: Map<string, LogSum>;
  readonly byModelAccelerator: Map<string, LogSum>;
  readonly combinations: Map<string, CombinationGroup>;
}

/**
 * The anchors summed per server, model, accelerator and combination, so a time scale, and its
 * leave-one-out and leave-one-model-out variants, costs a few map look-ups however many points were
 * imported (the weighted geometric mean is a ratio of sums).
 */
export interface CalibrationIndex {
  readonly anchors: readonly CalibrationAnchor[];
  readonly servers: ReadonlyMap<string, ServerSums>;
}

const modelKey = (m: string) => m.toLowerCase();
const combinationKey = (k: CurveKey) => [k.model.toLowerCase(), k.modelServer, k.acceleratorType, k.acceleratorCount].join('|');
const modelAcceleratorKey = (k: CurveKey) => `${k.model.toLowerCase()}|${k.acceleratorType}`;

const indexes = new WeakMap<readonly CalibrationAnchor[], CalibrationIndex>();

/** The index of a set of anchors (computed once per array). */
export function calibrationIndex(anchors: readonly CalibrationAnchor[]): CalibrationIndex {
  let index = indexes.get(anchors);
  if (index) return index;
  const servers = new Map<string, ServerSums>();
  for (const a of anchors) {
    let s = servers.get(a.modelServer);
    if (!s) {
      servers.set(a.modelServer, s = {
        all: emptySum(), byModel: new Map(), byAccelerator: new Map(), byModelAccelerator: new Map(), combinations: new Map(),
      });
    }
    const one = single(a);
    s.all.lw += one.lw;
    s.all.w += one.w;
    s.all.n += 1;
    addTo(s.byModel, modelKey(a.model), a);
    addTo(s.byAccelerator, a.acceleratorType, a);
    addTo(s.byModelAccelerator, modelAcceleratorKey(a), a);
    const ck = combinationKey(a);
    let g = s.combinations.get(ck);
    if (!g) {
      s.combinations.set(ck, g = { model: a.model, acceleratorType: a.acceleratorType, acceleratorCount: a.acceleratorCount, ...emptySum() });
    }
    g.lw += one.lw;
    g.w += one.w;
    g.n += 1;
  }
  index = { anchors, servers };
  indexes.set(anchors, index);
  return index;
}

const fmt = (x: number) => x.toFixed(2);
/** Combinations named in an explanation; the rest are counted. */
const EXPLAINED_COMBINATIONS = 8;

/** What to leave out of a prediction: one anchor (leave-one-out) or every anchor of a model (leave-one-model-out). */
interface Exclusion {
  readonly anchor?: CalibrationAnchor;
  readonly model?: string;
}

interface Prediction {
  readonly timeScale: number;
  readonly basis: string;
  /** Anchors of the combination itself, or of the server, that the prediction rests on. */
  readonly count: number;
}

function predictFromIndex(index: CalibrationIndex, key: CurveKey, exclude: Exclusion = {}): Prediction {
  const s = index.servers.get(key.modelServer);
  if (!s) return { timeScale: 1, basis: 'uncalibrated', count: 0 };
  const a = exclude.anchor;
  const xModel = exclude.model === undefined ? undefined : modelKey(exclude.model);
  const km = modelKey(key.model);
  const own = minus(s.combinations.get(combinationKey(key)),
    a && combinationKey(a) === combinationKey(key) ? single(a) : xModel === km ? s.combinations.get(combinationKey(key)) : undefined);
  if (own.n > 0) return { timeScale: clampScale(Math.exp(own.lw / own.w)), basis: 'measured-combination', count: own.n };
  const removedAll = a ? single(a) : xModel !== undefined ? s.byModel.get(xModel) : undefined;
  const all = minus(s.all, removedAll);
  if (all.n <= 0) return { timeScale: 1, basis: 'uncalibrated', count: 0 };
  const sameModel = minus(s.byModel.get(km),
    a && modelKey(a.model) === km ? single(a) : xModel === km ? s.byModel.get(km) : undefined);
  const sameAccelerator = minus(s.byAccelerator.get(key.acceleratorType),
    a && a.acceleratorType === key.acceleratorType ? single(a)
      : xModel !== undefined ? s.byModelAccelerator.get(`${xModel}|${key.acceleratorType}`) : undefined);
  const m = sameModel.n > 0 ? sameModel : emptySum();
  const acc = sameAccelerator.n > 0 ? sameAccelerator : emptySum();
  const lw = all.lw + SAME_MODEL_WEIGHT * m.lw + SAME_ACCELERATOR_WEIGHT * acc.lw;
  const w = all.w + SAME_MODEL_WEIGHT * m.w + SAME_ACCELERATOR_WEIGHT * acc.w;
  return { timeScale: clampScale(Math.exp(lw / w)), basis: m.n > 0 ? 'same-model' : 'same-server', count: all.n };
}

/** The time scale for a combination from a set of anchors, and what it rests on (no band). */
export function predictTimeScale(
  anchors: readonly CalibrationAnchor[] | CalibrationIndex, key: CurveKey,
): { timeScale: number; basis: string; explanation: string } {
  const index = Array.isArray(anchors) ? calibrationIndex(anchors as readonly CalibrationAnchor[]) : anchors as CalibrationIndex;
  const p = predictFromIndex(index, key);
  if (p.basis === 'uncalibrated') return { ...p, explanation: `no measured point of ${key.modelServer} to calibrate on` };
  if (p.basis === 'measured-combination') {
    return { ...p, explanation: `time scale ${fmt(p.timeScale)} from ${p.count} measured point(s) of this combination` };
  }
  // the explanation names the combinations that weigh most (one entry per combination, however many points it has)
  const s = index.servers.get(key.modelServer)!;
  const groups = [...s.combinations.values()].map((g) => {
    const multiplier = 1 + SAME_MODEL_WEIGHT * +(modelKey(g.model) === modelKey(key.model))
      + SAME_ACCELERATOR_WEIGHT * +(g.acceleratorType === key.acceleratorType);
    return { g, value: Math.exp(g.lw / g.w), weight: g.w * multiplier };
  }).sort((x, y) => y.weight - x.weight);
  const named = groups.slice(0, EXPLAINED_COMBINATIONS)
    .map((x) => `${x.g.model} on ${x.g.acceleratorCount} x ${x.g.acceleratorType} ${fmt(x.value)} x${fmt(x.weight)}`
      + (x.g.n > 1 ? ` (${x.g.n} points)` : ''));
  const rest = groups.length - named.length;
  return {
    timeScale: p.timeScale,
    basis: p.basis,
    explanation: `time scale ${fmt(p.timeScale)}: weighted geometric mean of ${p.count} measured ${key.modelServer} point(s) (`
      + named.join('; ') + (rest > 0 ? `; and ${rest} more combination(s)` : '') + ')',
  };
}

/**
 * Every latency x τ and every rate / τ, server signals unchanged: the uniform scaling of a point (Little's law holds).
 * The calibration itself scales only the kernel time (`PerformanceModel.at(n, τ)`), not the fixed overheads.
 */
export function scalePoint(p: ModelPoint, timeScale: number): ModelPoint {
  return {
    ...p,
    requestsPerSecond: p.requestsPerSecond / timeScale,
    outputTokensPerSecond: p.outputTokensPerSecond / timeScale,
    inputTokensPerSecond: p.inputTokensPerSecond / timeScale,
    ntpotMilliseconds: p.ntpotMilliseconds * timeScale,
    ttftMilliseconds: p.ttftMilliseconds * timeScale,
    itlMilliseconds: p.itlMilliseconds * timeScale,
    stepMilliseconds: p.stepMilliseconds * timeScale,
  };
}

/** The calibrated model's output tokens/s where its NTPOT equals `ntpot` (bisection on the load); undefined below the curve's fastest NTPOT. */
export function throughputAtNtpot(model: PerformanceModel, timeScale: number, ntpot: number): number | undefined {
  const at = (n: number) => model.at(n, timeScale);
  if (at(1).ntpotMilliseconds > ntpot) return undefined;
  let lo = 1;
  let hi = Math.max(2, model.maxRunningBatch);
  while (at(hi).ntpotMilliseconds < ntpot) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid).ntpotMilliseconds < ntpot) lo = mid; else hi = mid;
  }
  return at((lo + hi) / 2).outputTokensPerSecond;
}

/** Raw performance models per curve key, built once per cross-validation. */
type ModelCache = Map<string, PerformanceModel | undefined>;

function cachedModel(catalog: Catalog, cache: ModelCache, anchor: CalibrationAnchor): PerformanceModel | undefined {
  const k = [anchor.model.toLowerCase(), anchor.modelServer, anchor.modelServerVersion, anchor.acceleratorType, anchor.acceleratorCount,
    anchor.pipelineParallelSize ?? 1, anchor.workload.meanInputTokens, anchor.workload.meanOutputTokens].join('|');
  if (!cache.has(k)) cache.set(k, modelFor(catalog.measurementCatalog, anchor, anchor.workload));
  return cache.get(k);
}

function crossValidate(
  catalog: Catalog, cache: ModelCache, anchor: CalibrationAnchor, index: CalibrationIndex, exclude: Exclusion, method: string,
): CrossValidation {
  const { timeScale } = predictFromIndex(index, anchor, exclude);
  const model = cachedModel(catalog, cache, anchor)!;
  const atMeasuredLoad = model.at(anchor.concurrency, timeScale);
  // below the fastest NTPOT the estimate reaches, compare with its fastest point
  const x = throughputAtNtpot(model, timeScale, anchor.ntpotMilliseconds) ?? model.at(1, timeScale).outputTokensPerSecond;
  const saturated = model.at(model.maxRunningBatch, timeScale).outputTokensPerSecond;
  return {
    anchor,
    method,
    predictedTimeScale: timeScale,
    throughputError: x / anchor.outputTokensPerSecond - 1,
    throughputConditioned: anchor.outputTokensPerSecond >= CONDITIONED_THROUGHPUT_SHARE * saturated,
    ntpotError: atMeasuredLoad.ntpotMilliseconds / anchor.ntpotMilliseconds - 1,
    ttftError: anchor.ttftMilliseconds === undefined ? undefined : atMeasuredLoad.ttftMilliseconds / anchor.ttftMilliseconds - 1,
  };
}

/** Leave-one-out: each measured point predicted from all the others (its own combination's other points included). */
export function leaveOneOut(catalog: Catalog, anchors: readonly CalibrationAnchor[] = calibrationAnchors(catalog)): CrossValidation[] {
  const index = calibrationIndex(anchors);
  const cache: ModelCache = new Map();
  return anchors.map((a) => crossValidate(catalog, cache, a, index, { anchor: a }, 'leave-one-out'));
}

/** Leave-one-model-out: each measured point predicted without any point of its model (the situation of an unmeasured model). */
export function leaveModelOut(catalog: Catalog, anchors: readonly CalibrationAnchor[] = calibrationAnchors(catalog)): CrossValidation[] {
  const index = calibrationIndex(anchors);
  const cache: ModelCache = new Map();
  return anchors.map((a) => crossValidate(catalog, cache, a, index, { model: a.model }, 'leave-model-out'));
}

/**
 * Most points of one combination that the bands are cross-validated on: a long imported curve is
 * sampled at evenly spaced loads (deterministically), so the bands cost the same for 100 or 100,000
 * imported points while every combination still counts.
 */
export const MAX_CROSS_VALIDATED_POINTS_PER_COMBINATION = 24;

/** Evenly spaced anchors of each combination, at most `perCombination` of each, in their original order. */
export function sampledAnchors(
  anchors: readonly CalibrationAnchor[], perCombination: number = MAX_CROSS_VALIDATED_POINTS_PER_COMBINATION,
): CalibrationAnchor[] {
  const groups = new Map<string, CalibrationAnchor[]>();
  for (const a of anchors) {
    const k = `${a.modelServer}|${combinationKey(a)}`;
    let g = groups.get(k);
    if (!g) groups.set(k, g = []);
    g.push(a);
  }
  const kept = new Set<CalibrationAnchor>();
  for (const g of groups.values()) {
    if (g.length <= perCombination) {
      g.forEach((a) => kept.add(a));
      continue;
    }
    const sorted = [...g].sort((x, y) => x.concurrency - y.concurrency);
    for (let i = 0; i < perCombination; i++) kept.add(sorted[Math.round((i * (sorted.length - 1)) / (perCombination - 1))]);
  }
  return anchors.filter((a) => kept.has(a));
}

/** Largest |log error| of a cross-validation on throughput and NTPOT. */
/** The share of the estimate's saturated throughput from which an anchor's throughput error counts in the band (`throughputConditioned`). */
export const CONDITIONED_THROUGHPUT_SHARE = 0.8;

function logError(v: CrossValidation): number {
  return Math.max(v.throughputConditioned ? Math.abs(Math.log(1 + v.throughputError)) : 0, Math.abs(Math.log(1 + v.ntpotError)));
}

/** Band half-widths (natural log) from cross-validation, per server. */
export interface Bands {
  /** For combinations whose model has measured points of the server (leave-one-out over such points). */
  readonly sameModel: number;
  /** For models without measured points (leave-one-model-out over all points). */
  readonly otherModel: number;
  /** For TTFT (the largest of the above and the TTFT errors seen). */
  readonly ttft: number;
}

export function crossValidatedBands(catalog: Catalog, anchors: readonly CalibrationAnchor[], server: string): Bands {
  const index = calibrationIndex(anchors);
  const s = index.servers.get(server);
  if (!s || s.all.n < 2) return { sameModel: UNCALIBRATED_LOG_BAND, otherModel: UNCALIBRATED_LOG_BAND, ttft: UNCALIBRATED_LOG_BAND };
  // predictions use every anchor; the errors are read on a bounded, evenly spaced sample of each combination's anchors
  const own = sampledAnchors(anchors.filter((a) => a.modelServer === server));
  const cache: ModelCache = new Map();
  const modelCount = (a: CalibrationAnchor) => s.byModel.get(modelKey(a.model))?.n ?? 0;
  const loo = own.filter((a) => modelCount(a) > 1).map((a) => crossValidate(catalog, cache, a, index, { anchor: a }, 'leave-one-out'));
  const lmo = own.filter((a) => s.all.n - modelCount(a) > 0).map((a) => crossValidate(catalog, cache, a, index, { model: a.model }, 'leave-model-out'));
  let otherModel = UNCALIBRATED_LOG_BAND;
  if (lmo.length) otherModel = lmo.reduce((m, v) => Math.max(m, logError(v)), 0);
  const sameModel = loo.length ? loo.reduce((m, v) => Math.max(m, logError(v)), 0) : otherModel;
  const ttft = [...loo, ...lmo].reduce((m, v) => (v.ttftError === undefined ? m : Math.max(m, Math.abs(Math.log(1 + v.ttftError)))), otherModel);
  return { sameModel, otherModel, ttft };
}

/** The correction for a combination, with its band. */
export function correctionFor(
  anchors: readonly CalibrationAnchor[] | CalibrationIndex, bands: Bands, key: CurveKey, model: ModelRecord,
): Correction {
  const index = Array.isArray(anchors) ? calibrationIndex(anchors as readonly CalibrationAnchor[]) : anchors as CalibrationIndex;
  const p = predictTimeScale(index, key);
  const sameModel = (index.servers.get(key.modelServer)?.byModel.get(modelKey(model.id))?.n ?? 0) > 0;
  const logBand = p.basis === 'uncalibrated' ? UNCALIBRATED_LOG_BAND : sameModel ? bands.sameModel : bands.otherModel;
  return { ...p, logBand, ttftLogBand: Math.max(logBand, bands.ttft) };
}
