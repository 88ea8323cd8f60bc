// Replays traces against the measured profiles under the derived HPA thresholds and the peers' rules of
// thumb, with the HPA behaviour the construct emits. `npm run autoscaling:report` prints the README table.
import { InferenceResolver } from '../src';
import { compareAutoscaling } from '../src/autoscaling/compare';
import { burstTrace, diurnalTrace } from '../src/autoscaling/traces';
import { Catalog } from '../src/catalog/catalog';

const MEASURED: Array<[string, string, number]> = [
  ['google/gemma-2-27b-it', 'nvidia-h100-80gb', 67],
  ['google/gemma-2-27b-it', 'nvidia-tesla-a100', 70],
  ['google/gemma-2-27b-it', 'nvidia-l4', 1085],
  ['openai/gpt-oss-20b', 'nvidia-h100-80gb', 67],
  ['deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 'nvidia-tesla-a100', 72],
  ['deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 'nvidia-h100-80gb', 30],
];

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
