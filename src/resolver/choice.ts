/** The choice among feasible candidates, and the alternatives with why each was passed over. */
import { Candidate } from './candidates';
import { ResolvedAlternative, ResolvedUncertainty } from './resolution';

/** Priced candidates first, cheapest per million output tokens; unpriced ones by throughput. */
export function byCost(a: Candidate, b: Candidate): number {
  const ca = a.cost?.costPerMillionOutputTokens;
  const cb = b.cost?.costPerMillionOutputTokens;
  if (ca !== undefined && cb !== undefined) return ca - cb;
  if (ca !== undefined) return -1;
  if (cb !== undefined) return 1;
  return (b.point?.outputTokensPerSecond ?? 0) - (a.point?.outputTokensPerSecond ?? 0);
}

/** Within one accelerator type: cheapest first, the smaller tensor-parallel size on ties or without prices. */
function byCostThenSize(a: Candidate, b: Candidate): number {
  const ca = a.cost?.costPerMillionOutputTokens;
  const cb = b.cost?.costPerMillionOutputTokens;
  if (ca !== undefined && cb !== undefined && Math.abs(ca - cb) > 1e-9 * Math.max(ca, cb)) return ca - cb;
  if (ca !== undefined && cb === undefined) return -1;
  if (cb !== undefined && ca === undefined) return 1;
  return a.curve.acceleratorCount - b.curve.acceleratorCount;
}

/**
 * The feasible candidate to deploy, and the others with why they were passed over. Per accelerator type,
 * a measured profile takes precedence over estimates; among estimates the cheapest tensor-parallel size
 * per million output tokens wins, the smallest on ties. Across accelerator types, the cheapest wins
 * (measured before estimated on ties).
 */
export function choose(feasible: Candidate[]): { chosen: Candidate; passedOver: Array<{ candidate: Candidate; reason: string }> } {
  const labels = [...new Set(feasible.map((c) => c.accelerator.gkeLabel))];
  const representatives: Candidate[] = [];
  const passedOver: Array<{ candidate: Candidate; reason: string }> = [];
  for (const label of labels) {
    const group = feasible.filter((c) => c.accelerator.gkeLabel === label);
    const measured = group.filter((c) => c.curve.source === 'measured');
    // on a TPU: the smallest single-host slice that fits (and meets the targets)
    const tpu = group[0].accelerator.family === 'tpu';
    const best = tpu && measured.length === 0
      ? [...group].sort((a, b) => a.curve.acceleratorCount - b.curve.acceleratorCount)[0]
      : [...(measured.length ? measured : group)].sort(byCostThenSize)[0];
    representatives.push(best);
    for (const c of [...group].sort(byCostThenSize)) {
      if (c === best) continue;
      passedOver.push({
        candidate: c,
        reason: best.curve.source === 'measured' && c.curve.source === 'estimated'
          ? `the measured profile on ${best.curve.acceleratorCount} x ${label} takes precedence over estimates on ${label}`
          : tpu ? `${best.curve.acceleratorCount} x ${label} is the smallest single-host slice of ${label} that fits and meets the targets`
            : c.cost?.costPerMillionOutputTokens === undefined && best.cost?.costPerMillionOutputTokens === undefined
              ? `${unpriced(c)}; of the unpriced ${label} shapes the one with the fewest accelerators is kept, ${best.curve.acceleratorCount} x ${label}`
              : c.cost?.costPerMillionOutputTokens === undefined ? unpriced(c)
                : `${best.curve.acceleratorCount} x ${label} costs less per million output tokens, or as much with fewer accelerators`,
      });
    }
  }
  const sorted = representatives.sort((a, b) => byCost(a, b) || (a.curve.source === b.curve.source ? 0 : a.curve.source === 'measured' ? -1 : 1));
  // an estimate wins over the cheapest measured profile only if it is cheaper even at the pessimistic end of its band
  const costOf = (c: Candidate) => c.cost?.costPerMillionOutputTokens;
  const pessimisticOf = (c: Candidate) => uncertaintyAt(c)?.costPerMillionOutputTokensHigh ?? costOf(c);
  const measured = sorted.find((c) => c.curve.source === 'measured' && costOf(c) !== undefined);
  const winsAtItsWorst = (c: Candidate) => c.curve.source === 'measured' || measured === undefined
    || (pessimisticOf(c) !== undefined && pessimisticOf(c)! < costOf(measured)!);
  const chosen = sorted.find(winsAtItsWorst) ?? sorted[0];
  const others = sorted.filter((c) => c !== chosen).map((c) => ({
    candidate: c,
    reason: measured && c.curve.source === 'estimated' && costOf(c) !== undefined && costOf(c)! < costOf(measured)! && !winsAtItsWorst(c)
      ? `an estimate cheaper than the measured ${measured.curve.acceleratorCount} x ${measured.accelerator.gkeLabel} only within its uncertainty band `
        + `(up to $${pessimisticOf(c)!.toFixed(3)}/M output tokens at its pessimistic end): `
        + (chosen === measured ? 'the measured profile is preferred' : `${chosen.curve.acceleratorCount} x ${chosen.accelerator.gkeLabel} wins even at its pessimistic end`)
      : costOf(c) === undefined ? unpriced(c)
        : `costs more per million output tokens than ${chosen.curve.acceleratorCount} x ${chosen.accelerator.gkeLabel}`,
  }));
  return { chosen, passedOver: [...others, ...passedOver] };
}

/** Why an unpriced candidate is passed over: not for its cost, which nobody knows ("missing prices are absent, never zero"). */
function unpriced(c: Candidate): string {
  return `${c.machine?.name ?? 'its machine'} has no price in the catalog for this region and pricing model: shapes without a price `
    + 'rank after every priced one';
}

export function alternative(c: Candidate, reason: string): ResolvedAlternative {
  return {
    acceleratorType: c.accelerator.gkeLabel,
    acceleratorCount: c.curve.acceleratorCount,
    instanceType: c.machine?.name,
    ...(c.podsPerNode > 1 ? { podsPerNode: c.podsPerNode } : {}),
    outputTokensPerSecond: c.point?.outputTokensPerSecond,
    ntpotMilliseconds: c.point?.ntpotMilliseconds,
    costPerMillionOutputTokens: c.cost?.costPerMillionOutputTokens,
    source: c.curve.source,
    reason,
  };
}

/** The band of an estimated operating point; undefined for measured profiles. */
export function uncertaintyAt(c: Candidate): ResolvedUncertainty | undefined {
  const u = c.curve.uncertainty;
  const e = c.curve.estimate;
  if (!u || !e) return undefined;
  const p = c.point!;
  const cost = c.cost?.costPerMillionOutputTokens;
  return {
    outputTokensPerSecondLow: p.outputTokensPerSecond * u.throughputLowMultiplier,
    outputTokensPerSecondHigh: p.outputTokensPerSecond * u.throughputHighMultiplier,
    ntpotMillisecondsLow: p.ntpotMilliseconds * u.latencyLowMultiplier,
    ntpotMillisecondsHigh: p.ntpotMilliseconds * u.latencyHighMultiplier,
    ttftMillisecondsLow: p.ttftMilliseconds === undefined ? undefined : p.ttftMilliseconds * u.ttftLowMultiplier,
    ttftMillisecondsHigh: p.ttftMilliseconds === undefined ? undefined : p.ttftMilliseconds * u.ttftHighMultiplier,
    // cost per token is inversely proportional to throughput
    costPerMillionOutputTokensLow: cost === undefined ? undefined : cost / u.throughputHighMultiplier,
    costPerMillionOutputTokensHigh: cost === undefined ? undefined : cost / u.throughputLowMultiplier,
    throughputLowMultiplier: u.throughputLowMultiplier,
    throughputHighMultiplier: u.throughputHighMultiplier,
    latencyLowMultiplier: u.latencyLowMultiplier,
    latencyHighMultiplier: u.latencyHighMultiplier,
    ttftLowMultiplier: u.ttftLowMultiplier,
    ttftHighMultiplier: u.ttftHighMultiplier,
    calibrationTimeScale: e.timeScale,
    calibrationBasis: e.calibrationBasis,
    basis: `${u.basis}; ${e.calibration}`,
  };
}
