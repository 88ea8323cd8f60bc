import { kvCacheGbFor, MemoryBudget } from './feasibility';
import { ResolvedAutoscaling, ResolvedPerformance } from './resolution';
import { Catalog } from '../catalog/catalog';
import { ModelServerVersionRecord } from '../catalog/model-servers';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';
import { ModelRecord } from '../catalog/types';

export function autoscalingFor(
  catalog: Catalog, model: ModelRecord, version: ModelServerVersionRecord, budget: MemoryBudget, perf: ResolvedPerformance,
): ResolvedAutoscaling {
  const w = catalog.defaultWorkload;
  // a running request holds its prompt plus, on average, half its output in the KV cache
  const tokensPerRequest = w.meanInputTokens + w.meanOutputTokens / 2;
  const kvGb = kvCacheGbFor(model, tokensPerRequest) * perf.concurrentRequests;
  // an estimated point carries the utilisation the performance model computes (running batch only, sliding windows counted)
  const little = Math.min(1, kvGb / budget.kvCacheCapacityGb);
  const value = perf.kvCacheUtilization ?? little;
  const tolerance = SERVING_CONSTANTS.hpaTolerance.value;
  const target = Math.max(0.05, Math.floor(value * (1 - tolerance) * 1000) / 1000);
  const metric = version.kvCacheUsageMetric;
  return {
    serverMetric: metric,
    hpaMetricName: `prometheus.googleapis.com|${metric}|gauge`,
    targetAverageValue: target,
    valueAtOperatingPoint: value,
    explanation: `At the operating point ${perf.concurrentRequests.toFixed(1)} requests are in flight (Little's law: `
      + `${perf.outputTokensPerSecond.toFixed(0)} output tokens/s x ${perf.ntpotMilliseconds} ms NTPOT). Each holds about ${tokensPerRequest} tokens `
      + `of KV cache (${w.meanInputTokens} input + half of ${w.meanOutputTokens} output, ${w.name}) at ${model.kvCacheKibPerTokenBf16} KiB per token, `
      + `${kvGb.toFixed(1)} GB of the ${budget.kvCacheCapacityGb.toFixed(1)} GB KV cache: utilisation ${little.toFixed(3)}`
      + `${little >= 1 ? ' (capped: the cache is full, requests queue)' : ''}`
      + (perf.kvCacheUtilization === undefined ? '' : `; the performance model puts it at ${value.toFixed(3)} (${perf.runningBatchSize?.toFixed(0)} running, `
        + `${perf.waitingQueueSize?.toFixed(0)} waiting, sliding windows and blocks counted), which is used`)
      + `. The target is ${(1 - tolerance).toFixed(1)} x that (HPA tolerance ${tolerance}) `
      + `so a replica is added before the point is passed; ${metric} is the name vLLM ${version.version} exports.`,
  };
}
