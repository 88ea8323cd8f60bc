import { ReplicaModel } from './simulator';
import { Catalog } from '../catalog/catalog';
import { CurvePoint } from '../performance/curve';
import { modelledCurve } from '../performance/profiles';
import { AutoscalingMetric, Resolution } from '../resolver/resolution';

/** The value of an HPA metric at a curve point. */
export function metricAt(metric: AutoscalingMetric, p: CurvePoint): number {
  switch (metric) {
    case AutoscalingMetric.QUEUE_SIZE: return p.waitingQueueSize ?? 0;
    case AutoscalingMetric.BATCH_SIZE: return p.runningBatchSize ?? 0;
    case AutoscalingMetric.KV_CACHE_UTILIZATION: return p.kvCacheUtilization ?? 0;
    default: return 100 * (1 - Math.exp(-(p.runningBatchSize ?? 0)));
  }
}

/**
 * One replica of a resolved profile as the simulator sees it: the calibrated performance-model curve of
 * the combination (through its measured points), read by arrival rate up to saturation; load beyond
 * saturation queues in the simulator.
 */
export function replicaModelFor(catalog: Catalog, r: Resolution, metric: AutoscalingMetric): ReplicaModel {
  const curve = modelledCurve(catalog, {
    model: r.model,
    modelServer: r.modelServer,
    modelServerVersion: r.modelServerVersion,
    acceleratorType: r.acceleratorType,
    acceleratorCount: r.acceleratorCount,
  });
  const all = (curve?.points ?? []).filter((p) => p.requestsPerSecond !== undefined);
  if (all.length < 2) throw new Error(`no modelled curve for ${r.model} on ${r.acceleratorCount} x ${r.acceleratorType} to simulate`);
  // below saturation: requests/s still rising and nothing waiting
  const rising: CurvePoint[] = [];
  for (const p of all) {
    if ((p.waitingQueueSize ?? 0) > 0.5) break;
    if (rising.length && p.requestsPerSecond! <= rising[rising.length - 1].requestsPerSecond!) break;
    rising.push(p);
  }
  const pts = rising.length >= 2 ? rising : all.slice(0, 2);
  const capacity = pts[pts.length - 1].requestsPerSecond!;
  return {
    capacityRequestsPerSecond: capacity,
    meanOutputTokens: catalog.defaultWorkload.meanOutputTokens,
    metricPerWaitingRequest: metric === AutoscalingMetric.QUEUE_SIZE ? 1 : 0,
    state: (rps) => {
      const i = Math.max(1, pts.findIndex((p) => p.requestsPerSecond! >= rps));
      const hi = pts[i < 0 ? pts.length - 1 : i];
      const lo = pts[(i < 0 ? pts.length - 1 : i) - 1];
      const f = Math.min(1, Math.max(0, (rps - lo.requestsPerSecond!) / (hi.requestsPerSecond! - lo.requestsPerSecond!)));
      const mix = (a: number, b: number) => a + (b - a) * f;
      return {
        ntpotMilliseconds: mix(lo.ntpotMilliseconds, hi.ntpotMilliseconds),
        ttftMilliseconds: mix(lo.ttftMilliseconds ?? 0, hi.ttftMilliseconds ?? 0),
        metric: mix(metricAt(metric, lo), metricAt(metric, hi)),
      };
    },
  };
}
