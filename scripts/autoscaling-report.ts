// Replays traces against the measured profiles under the derived HPA thresholds and the peers' rules of
// thumb, with the HPA behaviour the construct emits. `npm run autoscaling:report` prints the README table.
import { InferenceResolver } from '../src';
import { compareAutoscaling } from '../src/autoscaling/compare';
import { burstTrace, diurnalTrace } from '../src/autoscaling/traces';
import { Catalog } from '../src/catalog/catalog';
import { measuredCurves } from '../src/performance/measured-curves';

// every measured profile, held to its published NTPOT
const MEASURED: Array<[string, string, number]> = measuredCurves(Catalog.EMBEDDED)
  .map((c) => [c.model, c.acceleratorType, c.points[0].ntpotMilliseconds] as [string, string, number]);

console.log('| profile (NTPOT target) | loading | trace | derived threshold | SLO minutes, replica-hours | queue size 5 | KV cache 0.5 |');
console.log('|---|---|---|---|---|---|---|');
for (const bucket of [true, false]) {
  for (const [model, acc, target] of MEASURED) {
    const r = InferenceResolver.resolve({ model, acceleratorType: acc, targetNtpotMilliseconds: target, modelBucketUri: bucket ? 'gs://models/m' : undefined });
    const cap = r.autoscaling!.requestsPerSecondPerReplica;
    const traces = [burstTrace(cap * 0.5, 10, 120, 120, 60, 24 * 60), diurnalTrace(cap * 0.3, cap * 6)];
    for (const trace of traces) {
      const [ours, q5, kv] = compareAutoscaling(Catalog.EMBEDDED, r, trace, { targetNtpotMilliseconds: target });
      const cell = (o: typeof ours) => `${(o.result.sloAttainment * 100).toFixed(1)}%, ${o.result.replicaHours.toFixed(0)} h`;
      console.log(`| ${model.split('/')[1]} on ${r.acceleratorCount} x ${acc} (${target} ms) | ${bucket ? 'bucket' : 'hub'} | `
        + `${trace.name.startsWith('diurnal') ? 'diurnal' : '10x burst'} | ${r.autoscaling!.metric} ${r.autoscaling!.targetAverageValue} | ${cell(ours)} | ${cell(q5)} | ${cell(kv)} |`);
    }
  }
}
