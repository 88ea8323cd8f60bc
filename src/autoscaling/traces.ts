import { Trace } from './simulator';

/** Constant load. */
export function steadyTrace(requestsPerSecond: number, minutes: number): Trace {
  return { name: `steady ${requestsPerSecond} req/s`, durationSeconds: minutes * 60, rate: () => requestsPerSecond };
}

/** A step from `base` to `high` at `atMinute`. */
export function stepTrace(base: number, high: number, atMinute: number, minutes: number): Trace {
  return { name: `step ${base} -> ${high} req/s at minute ${atMinute}`, durationSeconds: minutes * 60, rate: (t) => (t < atMinute * 60 ? base : high) };
}

/** One day of load between `low` and `high`, lowest at midnight and highest at noon (a cosine). */
export function diurnalTrace(low: number, high: number, minutes = 24 * 60): Trace {
  const period = 24 * 3600;
  return {
    name: `diurnal ${low}-${high} req/s`,
    durationSeconds: minutes * 60,
    rate: (t) => low + ((high - low) * (1 - Math.cos((2 * Math.PI * t) / period))) / 2,
  };
}

/**
 * `base` load with a burst to `factor` x base: a linear ramp over `rampMinutes` starting at
 * `startMinute`, held for `holdMinutes`, and a ramp back down.
 */
export function burstTrace(base: number, factor: number, startMinute: number, rampMinutes: number, holdMinutes: number, minutes: number): Trace {
  const s = startMinute * 60;
  const r = Math.max(1, rampMinutes * 60);
  const h = holdMinutes * 60;
  const peak = base * factor;
  return {
    name: `${factor}x burst from ${base} req/s (ramp ${rampMinutes} min, hold ${holdMinutes} min)`,
    durationSeconds: minutes * 60,
    rate: (t) => {
      if (t < s) return base;
      if (t < s + r) return base + ((peak - base) * (t - s)) / r;
      if (t < s + r + h) return peak;
      if (t < s + 2 * r + h) return peak - ((peak - base) * (t - s - r - h)) / r;
      return base;
    },
  };
}
