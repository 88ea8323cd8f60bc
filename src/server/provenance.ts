/**
 * The provenance annotations of a server's workload: the profile, its source and citation, the operating point, the cost,
 * the uncertainty band of an estimate and the autoscaling target, so that every emitted number can be traced back.
 */
import { Annotations } from './annotations';
import { priceLabel } from '../resolver/node-pool';
import { Resolution } from '../resolver/resolution';
import { round } from '../util/round';
import { libraryVersion } from '../util/version';


/** How a packed replica's hourly price relates to the machine the node pool creates, which is billed whole. */
function packed(r: Resolution): string {
  const pods = r.podsPerNode ?? 1;
  return pods > 1 ? `each ${r.instanceType} node holds ${pods} replicas and is billed whole however many run` : '';
}

/** ` per replica, 1/N of <machine> at $X/h`, for a packed replica; nothing otherwise. */
function replicaShare(r: Resolution): string {
  const pods = r.podsPerNode ?? 1;
  if (pods === 1 || r.cost.costPerHour === undefined) return '';
  return ` per replica, 1/${pods} of ${r.instanceType} at $${round(r.cost.costPerHour * pods, 4)}/h: ${packed(r)}`;
}

/** The annotations of the Deployment or LeaderWorkerSet. */
export function provenance(r: Resolution): { [key: string]: string } {
  const p = r.performance;
  const a: { [key: string]: string } = {
    [Annotations.PROFILE]: `${r.model} / ${r.modelServer} ${r.modelServerVersion} / ${r.acceleratorCount} x ${r.acceleratorType} / ${r.instanceType}`,
    [Annotations.PROFILE_SOURCE]: r.source,
    [Annotations.PROFILE_CITATION]: r.profileCitation,
    [Annotations.OPERATING_POINT]: `${round(p.outputTokensPerSecond)} output tokens/s at ${round(p.ntpotMilliseconds, 1)} ms NTPOT`
      + (p.ttftMilliseconds !== undefined ? `, ${round(p.ttftMilliseconds, 1)} ms TTFT` : '')
      + ` (${r.operatingPointReason}, ${p.pointKind})`,
    [Annotations.COST]: r.cost.costPerMillionOutputTokens !== undefined
      ? `$${round(r.cost.costPerMillionOutputTokens, 3)}/M output tokens, $${round(r.cost.costPerMillionInputTokens!, 3)}/M input tokens `
        + `(${priceLabel(r.cost.pricingModel, r.nodePool.capacity, r.instanceType)}, ${r.cost.region}, $${r.cost.costPerHour}/h${replicaShare(r)}, `
        + `prices of ${r.cost.priceSnapshotDate ?? 'undated source'})`
      : `no price for ${r.instanceType} (${r.cost.pricingModel}, ${r.cost.region})${packed(r) ? `; ${packed(r)}` : ''}`,
    [Annotations.VERSION]: `cdk8s-gke-inference ${libraryVersion()}`,
  };
  if (r.uncertainty) {
    const u = r.uncertainty;
    a[Annotations.PROFILE_UNCERTAINTY] = `estimated: ${round(u.outputTokensPerSecondLow)}-${round(u.outputTokensPerSecondHigh)} output tokens/s, `
      + `${round(u.ntpotMillisecondsLow, 1)}-${round(u.ntpotMillisecondsHigh, 1)} ms NTPOT (x${round(u.throughputLowMultiplier, 2)}-x${round(u.throughputHighMultiplier, 2)}; `
      + `calibration ${u.calibrationBasis}, time scale ${round(u.calibrationTimeScale, 2)})`;
  }
  if (r.autoscaling) {
    a[Annotations.AUTOSCALING] = `${r.autoscaling.serverMetric} target ${r.autoscaling.targetAverageValue} `
      + `(value ${round(r.autoscaling.valueAtOperatingPoint, 3)} at the operating point)`;
    if (r.autoscaling.costPerMillionOutputTokensAtTarget !== undefined) {
      a[Annotations.COST_AT_HPA_TARGET] = `$${round(r.autoscaling.costPerMillionOutputTokensAtTarget, 3)}/M output tokens, `
        + `$${round(r.autoscaling.costPerMillionInputTokensAtTarget!, 3)}/M input tokens with replicas at the HPA target `
        + `(${round(r.autoscaling.utilizationAtTarget * 100)}% of the operating point's throughput; the accelerator choice minimises the operating-point cost)`;
    }
  }
  return a;
}
