/**
 * Physical limits an imported benchmark point must respect, from the same roofline the performance
 * model uses: a decode step streams the active weights from accelerator memory, and a generated token
 * costs about two floating-point operations per active parameter. A point beyond these limits is a
 * unit mistake (NTPOT in seconds, latency in microseconds) or a wrong model or accelerator, and would
 * otherwise become a confident, absurd HPA threshold.
 *
 * The limits are generous on purpose, so that no real measurement is refused: weights as small as
 * 4 bits a parameter, perfect memory bandwidth, up to four tokens accepted per step (speculative
 * decoding), and twice the accelerator's densest peak.
 */
import { AcceleratorRecord, ModelRecord } from './types';

/** Smallest weight size assumed, bytes a parameter (int4 / fp4). */
const MIN_BYTES_PER_PARAMETER = 0.5;
/** Most tokens a decode step may yield (speculative decoding with a good draft). */
const MAX_TOKENS_PER_STEP = 4;
/** Margin over the densest dense peak (2:4 sparsity, clock boosts). */
const PEAK_MARGIN = 2;
/** Slowest NTPOT accepted, ms: a token a minute is a unit mistake, not a measurement. */
export const MAX_NTPOT_MILLISECONDS = 60_000;
/** Slowest TTFT accepted, ms (an hour). */
export const MAX_TTFT_MILLISECONDS = 3_600_000;

/** The physical limits of a model on `count` accelerators. */
export interface PhysicalLimits {
  /** No NTPOT can be below this, ms. */
  readonly ntpotFloorMilliseconds: number;
  /** No TTFT can be below this, ms: the prompt's forward pass reads the active weights at least once. */
  readonly ttftFloorMilliseconds: number;
  /** No replica can generate more output tokens per second than this. */
  readonly outputTokensPerSecondCeiling: number;
  /** How the limits were computed, for messages. */
  readonly basis: string;
}

/** The limits of `model` on `count` x `accelerator`. */
export function physicalLimits(model: ModelRecord, accelerator: AcceleratorRecord, count: number): PhysicalLimits {
  const activeBytes = model.paramsActiveB * 1e9 * MIN_BYTES_PER_PARAMETER;
  const bandwidth = accelerator.memoryBandwidthGBps * 1e9 * count;
  // one pass over the active weights; a decode step shares it among up to MAX_TOKENS_PER_STEP tokens
  const passMs = (activeBytes / bandwidth) * 1000;
  const peaks = [accelerator.bf16DenseTflops, accelerator.fp8DenseTflops, accelerator.fp4DenseTflops, accelerator.int8DenseTops]
    .filter((p): p is number => typeof p === 'number' && p > 0);
  const peakOps = Math.max(...peaks, 0) * 1e12 * count * PEAK_MARGIN;
  const ceiling = peakOps > 0 ? peakOps / (2 * model.paramsActiveB * 1e9) : Number.POSITIVE_INFINITY;
  return {
    ntpotFloorMilliseconds: passMs / MAX_TOKENS_PER_STEP,
    ttftFloorMilliseconds: passMs,
    outputTokensPerSecondCeiling: ceiling,
    basis: `${model.paramsActiveB}B active parameters at 4 bits through ${count} x ${accelerator.memoryBandwidthGBps} GB/s, up to `
      + `${MAX_TOKENS_PER_STEP} tokens a step; 2 operations a parameter a token at ${PEAK_MARGIN}x the densest peak`,
  };
}

/** Why a measured point cannot be real, or undefined when it is plausible. */
export function implausibility(
  model: ModelRecord, accelerator: AcceleratorRecord, count: number,
  point: {
    readonly ntpotMilliseconds: number;
    readonly outputTokensPerSecond: number;
    readonly ttftMilliseconds?: number;
    readonly inputTokensPerSecond?: number;
  },
): string | undefined {
  const limits = physicalLimits(model, accelerator, count);
  const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
  if (point.ntpotMilliseconds < limits.ntpotFloorMilliseconds) {
    const asSeconds = point.ntpotMilliseconds * 1000;
    return `NTPOT ${fmt(point.ntpotMilliseconds)} ms is faster than ${model.id} can run on ${count} x ${accelerator.gkeLabel} `
      + `(at least ${fmt(limits.ntpotFloorMilliseconds)} ms: ${limits.basis})`
      + (asSeconds >= limits.ntpotFloorMilliseconds && asSeconds <= MAX_NTPOT_MILLISECONDS
        ? `; was it given in seconds? ${point.ntpotMilliseconds} s is ${fmt(asSeconds)} ms` : '');
  }
  if (point.ntpotMilliseconds > MAX_NTPOT_MILLISECONDS) {
    return `NTPOT ${fmt(point.ntpotMilliseconds)} ms is over ${MAX_NTPOT_MILLISECONDS} ms a token: a unit mistake (milliseconds given where `
      + 'seconds belong, or microseconds)?';
  }
  if (point.outputTokensPerSecond > limits.outputTokensPerSecondCeiling) {
    return `${fmt(point.outputTokensPerSecond)} output tokens/s is more than ${count} x ${accelerator.gkeLabel} can compute for ${model.id} `
      + `(at most ${fmt(limits.outputTokensPerSecondCeiling)}: ${limits.basis})`;
  }
  // a prompt token costs the same 2 x active parameters FLOPs as an output token: the same compute ceiling bounds both
  if (point.inputTokensPerSecond !== undefined && point.inputTokensPerSecond > limits.outputTokensPerSecondCeiling) {
    return `${fmt(point.inputTokensPerSecond)} input tokens/s is more than ${count} x ${accelerator.gkeLabel} can compute for ${model.id} `
      + `(at most ${fmt(limits.outputTokensPerSecondCeiling)}: ${limits.basis})`;
  }
  if (point.ttftMilliseconds !== undefined && point.ttftMilliseconds < limits.ttftFloorMilliseconds) {
    const asSeconds = point.ttftMilliseconds * 1000;
    return `TTFT ${fmt(point.ttftMilliseconds)} ms is faster than one forward pass of ${model.id} on ${count} x ${accelerator.gkeLabel} (at least `
      + `${fmt(limits.ttftFloorMilliseconds)} ms: the prompt's pass reads the ${model.paramsActiveB}B active parameters, at 4 bits, once)`
      + (asSeconds >= limits.ttftFloorMilliseconds && asSeconds <= MAX_TTFT_MILLISECONDS
        ? `; was it given in seconds? ${point.ttftMilliseconds} s is ${fmt(asSeconds)} ms` : '');
  }
  if (point.ttftMilliseconds !== undefined && point.ttftMilliseconds > MAX_TTFT_MILLISECONDS) {
    return `TTFT ${fmt(point.ttftMilliseconds)} ms is over an hour: a unit mistake?`;
  }
  return undefined;
}
