/**
 * Calibration of the performance model on measured points.
 *
 * The correction is one number per combination, a time scale τ: every latency of the raw curve is
 * multiplied by τ and every rate divided by it, so Little's law still holds and the running batch, queue
 * and KV-cache utilisation at a given load are unchanged. A measured point (X tokens/s at NTPOT t) has
 * X x t requests in the system; τ is the measured NTPOT over the raw NTPOT at that concurrency, so the
 * calibrated curve passes exactly through the point (within interpolation between grid points).
 *
 * A combination with measured points uses their τ (geometric mean). Any other combination uses a
 * weighted geometric mean of the τ of the same server's measured points, weighting those of the same
 * model (kernels, attention softcapping, quantisation formats) and of the same accelerator more. τ never
 * goes below `minTimeScale`, so a calibrated curve never beats the memory-bandwidth floor.
 *
 * The uncertainty band is cross-validated: leave-one-out over the measured points for combinations whose
 * model has measured points elsewhere, leave-one-model-out for models without any.
 */
import { CurveKey, ProfileCurve } from './curve';
import { EstimateInput, ModelPoint, PerformanceModel, performanceModel } from './estimator';
import { measuredCurves } from './measured-curves';
import { PERFORMANCE_CONSTANTS } from './performance-constants';
import { Catalog } from '../catalog/catalog';
import { ModelRecord } from '../catalog/types';

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
  /** Measured NTPOT / raw NTPOT at the same concurrency. */
  readonly timeScale: number;
  /** 1 / points of its curve, so a long user curve counts as much as a single published point. */
  readonly weight: number;
  readonly citation: string;
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
export function modelFor(catalog: Catalog, key: CurveKey): PerformanceModel | undefined {
  const input = estimateInput(catalog, key);
  return input ? performanceModel(input) : undefined;
}

export function estimateInput(catalog: Catalog, key: CurveKey): EstimateInput | undefined {
  const model = catalog.model(key.model);
  const accelerator = catalog.accelerator(key.acceleratorType);
  const server = catalog.modelServer(key.modelServer);
  const version = server ? catalog.modelServerVersion(server, key.modelServerVersion) : undefined;
  if (!model || !accelerator || !version || (version.acceleratorFamily ?? 'gpu') !== accelerator.family) return undefined;
  const pp = key.pipelineParallelSize ?? 1;
  return {
    model,
    accelerator,
    tensorParallelSize: key.acceleratorCount / pp,
    pipelineParallelSize: pp,
    serverRelease: version.baseRelease,
    workload: catalog.defaultWorkload,
  };
}

/** The anchors of a catalog: every measured point whose combination the model can evaluate. */
export function calibrationAnchors(catalog: Catalog, curves: readonly ProfileCurve[] = measuredCurves(catalog)): CalibrationAnchor[] {
  const anchors: CalibrationAnchor[] = [];
  for (const curve of curves) {
    const model = modelFor(catalog, curve);
    if (!model) continue;
    const points = curve.points.filter((p) => p.kind === 'measured');
    for (const p of points) {
      const concurrency = (p.outputTokensPerSecond * p.ntpotMilliseconds) / 1000;
      const raw = model.at(concurrency);
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
        timeScale: p.ntpotMilliseconds / raw.ntpotMilliseconds,
        weight: 1 / points.length,
        citation: curve.citation,
      });
    }
  }
  return anchors;
}

function geometricMean(values: ReadonlyArray<{ value: number; weight: number }>): number {
  const total = values.reduce((s, v) => s + v.weight, 0);
  return Math.exp(values.reduce((s, v) => s + v.weight * Math.log(v.value), 0) / total);
}

const clampScale = (t: number) => Math.max(PERFORMANCE_CONSTANTS.minTimeScale.value, t);
const fmt = (x: number) => x.toFixed(2);

/** The time scale for a combination from a set of anchors, and what it rests on (no band). */
export function predictTimeScale(anchors: readonly CalibrationAnchor[], key: CurveKey): { timeScale: number; basis: string; explanation: string } {
  const own = anchors.filter((a) => sameCombination(a, key));
  if (own.length > 0) {
    const timeScale = clampScale(geometricMean(own.map((a) => ({ value: a.timeScale, weight: a.weight }))));
    return {
      timeScale,
      basis: 'measured-combination',
      explanation: `time scale ${fmt(timeScale)} from ${own.length} measured point(s) of this combination`,
    };
  }
  const server = anchors.filter((a) => a.modelServer === key.modelServer);
  if (server.length === 0) return { timeScale: 1, basis: 'uncalibrated', explanation: `no measured point of ${key.modelServer} to calibrate on` };
  const weighted = server.map((a) => {
    const sameModel = a.model.toLowerCase() === key.model.toLowerCase();
    const sameAccelerator = a.acceleratorType === key.acceleratorType;
    return { a, value: a.timeScale, weight: a.weight * (1 + SAME_MODEL_WEIGHT * +sameModel + SAME_ACCELERATOR_WEIGHT * +sameAccelerator) };
  });
  const timeScale = clampScale(geometricMean(weighted));
  const sameModel = server.some((a) => a.model.toLowerCase() === key.model.toLowerCase());
  return {
    timeScale,
    basis: sameModel ? 'same-model' : 'same-server',
    explanation: `time scale ${fmt(timeScale)}: weighted geometric mean of ${server.length} measured ${key.modelServer} point(s) (`
      + weighted.map((w) => `${w.a.model} on ${w.a.acceleratorCount} x ${w.a.acceleratorType} ${fmt(w.value)} x${fmt(w.weight)}`).join('; ') + ')',
  };
}

/** Calibrated estimate at a concurrency: latencies x τ, rates / τ, server signals unchanged. */
export function scalePoint(p: ModelPoint, timeScale: number): ModelPoint {
  return {
    ...p,
    requestsPerSecond: p.requestsPerSecond / timeScale,
    outputTokensPerSecond: p.outputTokensPerSecond / timeScale,
    inputTokensPerSecond: p.inputTokensPerSecond / timeScale,
    ntpotMilliseconds: p.ntpotMilliseconds * timeScale,
    ttftMilliseconds: p.ttftMilliseconds * timeScale,
    itlMilliseconds: p.itlMilliseconds * timeScale,
  };
}

/** The calibrated model's output tokens/s where its NTPOT equals `ntpot` (bisection on the load); undefined below the curve's fastest NTPOT. */
export function throughputAtNtpot(model: PerformanceModel, timeScale: number, ntpot: number): number | undefined {
  const at = (n: number) => scalePoint(model.at(n), timeScale);
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

function crossValidate(catalog: Catalog, anchor: CalibrationAnchor, others: readonly CalibrationAnchor[], method: string): CrossValidation {
  const { timeScale } = predictTimeScale(others, anchor);
  const model = modelFor(catalog, anchor)!;
  const atMeasuredLoad = scalePoint(anchor.raw, timeScale);
  // below the fastest NTPOT the estimate reaches, compare with its fastest point
  const x = throughputAtNtpot(model, timeScale, anchor.ntpotMilliseconds) ?? scalePoint(model.at(1), timeScale).outputTokensPerSecond;
  return {
    anchor,
    method,
    predictedTimeScale: timeScale,
    throughputError: x / anchor.outputTokensPerSecond - 1,
    ntpotError: atMeasuredLoad.ntpotMilliseconds / anchor.ntpotMilliseconds - 1,
    ttftError: anchor.ttftMilliseconds === undefined ? undefined : atMeasuredLoad.ttftMilliseconds / anchor.ttftMilliseconds - 1,
  };
}

/** Leave-one-out: each measured point predicted from all the others (its own combination's other points included). */
export function leaveOneOut(catalog: Catalog, anchors: readonly CalibrationAnchor[] = calibrationAnchors(catalog)): CrossValidation[] {
  return anchors.map((a) => crossValidate(catalog, a, anchors.filter((o) => o !== a), 'leave-one-out'));
}

/** Leave-one-model-out: each measured point predicted without any point of its model (the situation of an unmeasured model). */
export function leaveModelOut(catalog: Catalog, anchors: readonly CalibrationAnchor[] = calibrationAnchors(catalog)): CrossValidation[] {
  return anchors.map((a) => crossValidate(catalog, a, anchors.filter((o) => o.model.toLowerCase() !== a.model.toLowerCase()), 'leave-model-out'));
}

/** Largest |log error| of a cross-validation on throughput and NTPOT. */
function logError(v: CrossValidation): number {
  return Math.max(Math.abs(Math.log(1 + v.throughputError)), Math.abs(Math.log(1 + v.ntpotError)));
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
  const own = anchors.filter((a) => a.modelServer === server);
  if (own.length < 2) return { sameModel: UNCALIBRATED_LOG_BAND, otherModel: UNCALIBRATED_LOG_BAND, ttft: UNCALIBRATED_LOG_BAND };
  const hasSibling = (a: CalibrationAnchor) => own.some((o) => o !== a && o.model.toLowerCase() === a.model.toLowerCase());
  const loo = leaveOneOut(catalog, own).filter((v) => hasSibling(v.anchor));
  const lmo = leaveModelOut(catalog, own).filter((v) => own.some((o) => o.model.toLowerCase() !== v.anchor.model.toLowerCase()));
  const max = (xs: number[]) => (xs.length ? Math.max(...xs) : UNCALIBRATED_LOG_BAND);
  const otherModel = max(lmo.map(logError));
  const sameModel = loo.length ? max(loo.map(logError)) : otherModel;
  const ttftErrors = [...loo, ...lmo].filter((v) => v.ttftError !== undefined).map((v) => Math.abs(Math.log(1 + v.ttftError!)));
  return { sameModel, otherModel, ttft: Math.max(otherModel, ...ttftErrors) };
}

/** The correction for a combination, with its band. */
export function correctionFor(
  anchors: readonly CalibrationAnchor[], bands: Bands, key: CurveKey, model: ModelRecord,
): Correction {
  const p = predictTimeScale(anchors, key);
  const sameModel = anchors.some((a) => a.modelServer === key.modelServer && a.model.toLowerCase() === model.id.toLowerCase());
  const logBand = p.basis === 'uncalibrated' ? UNCALIBRATED_LOG_BAND : sameModel ? bands.sameModel : bands.otherModel;
  return { ...p, logBand, ttftLogBand: Math.max(logBand, bands.ttft) };
}
