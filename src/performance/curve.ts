/**
 * Latency-throughput curves and how an operating point is read off them. A curve is one
 * (model, server, version, accelerator, count) combination at increasing load; its points come
 * from measurements or from the performance model (`estimator.ts`, calibrated by `calibration.ts`),
 * and say which. Estimated curves carry an uncertainty band.
 */
import type { MeasuredWorkload } from '../catalog/types';

/** Whether a number was measured or estimated. */
export type DataSource = 'measured' | 'estimated';

export interface CurvePoint {
  readonly outputTokensPerSecond: number;
  readonly ntpotMilliseconds: number;
  /** Undefined when the source did not publish a TTFT for this point. */
  readonly ttftMilliseconds?: number;
  /** Undefined when the source did not publish input throughput. */
  readonly inputTokensPerSecond?: number;
  /** `measured` for published points; `interpolated` for points read between two measured points of one curve. */
  readonly kind: 'measured' | 'interpolated' | 'estimated';
  /** Requests in the system (running + waiting); estimated points only. */
  readonly concurrency?: number;
  /** Requests per second; estimated points only (measured points: output tokens/s over the workload's output length). */
  readonly requestsPerSecond?: number;
  /** Time between output tokens of a running request, ms; estimated points only. */
  readonly itlMilliseconds?: number;
  /** Sequences in the running batch (vLLM `num_requests_running`); estimated points only. */
  readonly runningBatchSize?: number;
  /** Requests waiting for a slot (vLLM `num_requests_waiting`); estimated points only. */
  readonly waitingQueueSize?: number;
  /** Share of the KV cache in use, 0-1 (vLLM `kv_cache_usage_perc`); estimated points only. */
  readonly kvCacheUtilization?: number;
  /** Low and high ends of the uncertainty band of output tokens/s; estimated points only. */
  readonly outputTokensPerSecondLow?: number;
  readonly outputTokensPerSecondHigh?: number;
  /** Low and high ends of the uncertainty band of NTPOT, ms; estimated points only. */
  readonly ntpotMillisecondsLow?: number;
  readonly ntpotMillisecondsHigh?: number;
}

/**
 * How far an estimated curve is trusted: multipliers of its values that bound the band, cross-validated
 * on the measured points (see `calibration.ts`).
 */
export interface CurveUncertainty {
  readonly throughputLowMultiplier: number;
  readonly throughputHighMultiplier: number;
  /** For NTPOT and ITL. */
  readonly latencyLowMultiplier: number;
  readonly latencyHighMultiplier: number;
  readonly ttftLowMultiplier: number;
  readonly ttftHighMultiplier: number;
  /** What the band rests on, one line. */
  readonly basis: string;
}

/** What the performance model assumed for an estimated curve. */
export interface CurveEstimate {
  /** The calibration's time scale (latencies x, rates / it). */
  readonly timeScale: number;
  /** `measured-combination`, `same-model`, `same-server` or `uncalibrated`. */
  readonly calibrationBasis: string;
  /** The calibration, one line. */
  readonly calibration: string;
  /** Largest running batch and what caps it (`kv-cache`, `max-num-seqs` or `token-budget`). */
  readonly maxRunningBatch: number;
  readonly batchLimit: string;
  /** KV-cache capacity of the replica, GB, and what a running sequence holds on average, MB. */
  readonly kvCacheCapacityGb: number;
  readonly kvCachePerSequenceMb: number;
  /** Whether prompts ride in decode steps (vLLM V1 chunked prefill). */
  readonly chunkedPrefill: boolean;
  /** NTPOT floor at concurrency 1: the bytes one token reads over peak memory bandwidth, ms. */
  readonly bandwidthFloorMilliseconds: number;
  /** Workload the curve is for: mean input and output tokens. */
  readonly meanInputTokens: number;
  readonly meanOutputTokens: number;
}

export interface CurveKey {
  readonly model: string;
  readonly modelServer: string;
  readonly modelServerVersion: string;
  readonly acceleratorType: string;
  /** Accelerators of one replica: tensor-parallel size x pipeline-parallel size. */
  readonly acceleratorCount: number;
  /** Pipeline stages of a multi-host replica (one node each); absent or 1 on a single node. */
  readonly pipelineParallelSize?: number;
  /**
   * TPU VMs (nodes) of a multi-host TPU slice, whose chips serve one program over the inter-chip interconnect
   * (JetStream with Pathways); absent or 1 on a single host.
   */
  readonly tpuHosts?: number;
}

export interface ProfileCurve extends CurveKey {
  /** Machine type as the source states it, or inferred from the accelerator count. */
  readonly instanceType?: string;
  readonly instanceTypeInferred: boolean;
  readonly source: DataSource;
  /** Points by increasing load: NTPOT ascending, and throughput too up to saturation (a measured curve may dip past it). */
  readonly points: readonly CurvePoint[];
  /** Citations of the points. */
  readonly citation: string;
  /** What the source says of the point (e.g. GIQ's query), for provenance. */
  readonly note: string;
  /** The band of an estimated curve; undefined for measured curves. */
  readonly uncertainty?: CurveUncertainty;
  /** The performance model's assumptions for an estimated curve; undefined for measured curves. */
  readonly estimate?: CurveEstimate;
  /**
   * The workload a measured curve's points were taken on, when it is not the catalog's measured workload (ShareGPT): an imported
   * run on other mean lengths. Undefined for estimated curves and ShareGPT measurements.
   */
  readonly measuredWorkload?: MeasuredWorkload;
  /** GIQ's own cost figures for the point, at GIQ's prices of the day, when published. */
  readonly published?: {
    readonly costPerMillionOutputTokens?: number;
    readonly costPerMillionInputTokens?: number;
    readonly pricingModel?: string;
  };
}

export interface LatencyTargets {
  readonly ntpotMilliseconds?: number;
  readonly ttftMilliseconds?: number;
}

export type OperatingPointReason = 'inflection' | 'targets';

export interface OperatingPoint {
  readonly point: CurvePoint;
  readonly reason: OperatingPointReason;
}

/** Why no point of a curve meets the targets, with the range the curve does reach. */
export interface Infeasibility {
  readonly minNtpotMilliseconds: number;
  readonly maxNtpotMilliseconds: number;
  readonly minTtftMilliseconds?: number;
  readonly maxTtftMilliseconds?: number;
  /** One line: which target fails and what would work. */
  readonly reason: string;
}

/** Share of the curve's peak throughput at which it counts as saturated (GIQ's inflection point). */
export const INFLECTION_THROUGHPUT_SHARE = 0.95;

/**
 * The inflection point: the lowest-latency point that reaches 95% of the curve's peak throughput,
 * i.e. where throughput stops rising and latency starts climbing. A one-point curve (a published
 * GIQ inflection point) is its own inflection.
 */
export function inflectionPoint(curve: ProfileCurve): CurvePoint {
  const peak = Math.max(...curve.points.map((p) => p.outputTokensPerSecond));
  const saturated = curve.points.filter((p) => p.outputTokensPerSecond >= INFLECTION_THROUGHPUT_SHARE * peak);
  return saturated.reduce((best, p) => (p.ntpotMilliseconds < best.ntpotMilliseconds ? p : best));
}

function meets(p: CurvePoint, t: LatencyTargets): boolean {
  if (t.ntpotMilliseconds !== undefined && p.ntpotMilliseconds > t.ntpotMilliseconds) return false;
  if (t.ttftMilliseconds !== undefined && (p.ttftMilliseconds === undefined || p.ttftMilliseconds > t.ttftMilliseconds)) return false;
  return true;
}

function lerp(a: number, b: number, f: number): number {
  return a + (b - a) * f;
}

/**
 * Points on the segment between two adjacent points of a curve where NTPOT equals the target.
 * Only between points of one curve; never beyond its ends.
 */
function interpolateAtNtpot(a: CurvePoint, b: CurvePoint, ntpot: number): CurvePoint | undefined {
  const lo = Math.min(a.ntpotMilliseconds, b.ntpotMilliseconds);
  const hi = Math.max(a.ntpotMilliseconds, b.ntpotMilliseconds);
  if (ntpot <= lo || ntpot >= hi) return undefined;
  const f = (ntpot - a.ntpotMilliseconds) / (b.ntpotMilliseconds - a.ntpotMilliseconds);
  const both = (x?: number, y?: number) => (x !== undefined && y !== undefined ? lerp(x, y, f) : undefined);
  const point: CurvePoint = {
    outputTokensPerSecond: lerp(a.outputTokensPerSecond, b.outputTokensPerSecond, f),
    ntpotMilliseconds: ntpot,
    ttftMilliseconds: both(a.ttftMilliseconds, b.ttftMilliseconds),
    inputTokensPerSecond: both(a.inputTokensPerSecond, b.inputTokensPerSecond),
    kind: a.kind === 'estimated' || b.kind === 'estimated' ? 'estimated' : 'interpolated',
  };
  if (point.kind !== 'estimated') return point;
  return {
    ...point,
    concurrency: both(a.concurrency, b.concurrency),
    requestsPerSecond: both(a.requestsPerSecond, b.requestsPerSecond),
    itlMilliseconds: both(a.itlMilliseconds, b.itlMilliseconds),
    runningBatchSize: both(a.runningBatchSize, b.runningBatchSize),
    waitingQueueSize: both(a.waitingQueueSize, b.waitingQueueSize),
    kvCacheUtilization: both(a.kvCacheUtilization, b.kvCacheUtilization),
    outputTokensPerSecondLow: both(a.outputTokensPerSecondLow, b.outputTokensPerSecondLow),
    outputTokensPerSecondHigh: both(a.outputTokensPerSecondHigh, b.outputTokensPerSecondHigh),
    ntpotMillisecondsLow: both(a.ntpotMillisecondsLow, b.ntpotMillisecondsLow),
    ntpotMillisecondsHigh: both(a.ntpotMillisecondsHigh, b.ntpotMillisecondsHigh),
  };
}

/**
 * The operating point: with no target, the inflection point; with targets, the highest-throughput
 * point that meets every target, interpolated between adjacent points of the curve. Returns an
 * `Infeasibility` with the curve's reachable range when no point meets the targets.
 */
export function operatingPoint(curve: ProfileCurve, targets: LatencyTargets): OperatingPoint | Infeasibility {
  if (targets.ntpotMilliseconds === undefined && targets.ttftMilliseconds === undefined) {
    return { point: inflectionPoint(curve), reason: 'inflection' };
  }
  const candidates: CurvePoint[] = curve.points.filter((p) => meets(p, targets));
  if (targets.ntpotMilliseconds !== undefined) {
    for (let i = 0; i + 1 < curve.points.length; i++) {
      const p = interpolateAtNtpot(curve.points[i], curve.points[i + 1], targets.ntpotMilliseconds);
      if (p && meets(p, targets)) candidates.push(p);
    }
  }
  if (candidates.length > 0) {
    const best = candidates.reduce((a, b) => (b.outputTokensPerSecond > a.outputTokensPerSecond ? b : a));
    return { point: best, reason: 'targets' };
  }
  return infeasibility(curve, targets);
}

function infeasibility(curve: ProfileCurve, targets: LatencyTargets): Infeasibility {
  const ntpots = curve.points.map((p) => p.ntpotMilliseconds);
  const ttfts = curve.points.map((p) => p.ttftMilliseconds).filter((x): x is number => x !== undefined);
  const range = {
    minNtpotMilliseconds: Math.min(...ntpots),
    maxNtpotMilliseconds: Math.max(...ntpots),
    minTtftMilliseconds: ttfts.length ? Math.min(...ttfts) : undefined,
    maxTtftMilliseconds: ttfts.length ? Math.max(...ttfts) : undefined,
  };
  const fmt = (lo: number, hi: number) => (lo === hi ? `${round(lo)} ms` : `${round(lo)}-${round(hi)} ms`);
  const parts: string[] = [];
  if (targets.ntpotMilliseconds !== undefined && targets.ntpotMilliseconds < range.minNtpotMilliseconds) {
    parts.push(`'targetNtpotMilliseconds' (${targets.ntpotMilliseconds}) is below the fastest NTPOT this profile reaches; `
      + `achievable NTPOT: ${fmt(range.minNtpotMilliseconds, range.maxNtpotMilliseconds)}`);
  }
  if (targets.ttftMilliseconds !== undefined) {
    if (range.minTtftMilliseconds === undefined || range.maxTtftMilliseconds === undefined) {
      parts.push(`'targetTtftMilliseconds' (${targets.ttftMilliseconds}) cannot be checked: this profile publishes no TTFT`);
    } else if (targets.ttftMilliseconds < range.minTtftMilliseconds) {
      parts.push(`'targetTtftMilliseconds' (${targets.ttftMilliseconds}) is below the fastest TTFT this profile reaches; `
        + `achievable TTFT: ${fmt(range.minTtftMilliseconds, range.maxTtftMilliseconds)}`);
    }
  }
  if (parts.length === 0) {
    parts.push('no point of this profile meets targetNtpotMilliseconds and targetTtftMilliseconds together; '
      + `achievable NTPOT: ${fmt(range.minNtpotMilliseconds, range.maxNtpotMilliseconds)}`);
  }
  return { ...range, reason: parts.join('; ') };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

export function isInfeasible(x: OperatingPoint | Infeasibility): x is Infeasibility {
  return (x as Infeasibility).reason !== undefined && (x as OperatingPoint).point === undefined;
}
