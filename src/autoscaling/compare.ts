import { HPA_BEHAVIOR } from './behavior';
import { HpaSpec } from './hpa-algorithm';
import { replicaModelFor } from './replica-model';
import { SimulationResult, Trace, simulate } from './simulator';
import { Catalog } from '../catalog/catalog';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';
import { AutoscalingMetric, Resolution } from '../resolver/resolution';

/** An HPA rule to simulate: a metric and a target. */
export interface AutoscalingRule {
  readonly name: string;
  readonly metric: AutoscalingMetric;
  readonly target: number;
}

/** The fixed rules of thumb peers use: 5 waiting requests, or half the KV cache. */
export const RULES_OF_THUMB: readonly AutoscalingRule[] = [
  { name: 'queue size 5', metric: AutoscalingMetric.QUEUE_SIZE, target: 5 },
  { name: 'KV cache 0.5', metric: AutoscalingMetric.KV_CACHE_UTILIZATION, target: 0.5 },
];

export interface RuleOutcome {
  readonly rule: AutoscalingRule;
  readonly result: SimulationResult;
}

/**
 * Replays `trace` against the resolution's profile under our derived threshold and under each rule of
 * thumb, with the same HPA behaviour, replica start-up time and replica bounds.
 */
export function compareAutoscaling(
  catalog: Catalog, r: Resolution, trace: Trace, options: { maxReplicas?: number; initialReplicas?: number; targetNtpotMilliseconds?: number } = {},
): RuleOutcome[] {
  const a = r.autoscaling;
  if (!a) throw new Error('compareAutoscaling needs a resolution with a latency target (and so an HPA)');
  // the SLO: the user's target, or (stricter) the operating point's own NTPOT
  const target = options.targetNtpotMilliseconds ?? r.performance.ntpotMilliseconds;
  const ours: AutoscalingRule = { name: `derived ${a.metric} ${a.targetAverageValue}`, metric: a.metric, target: a.targetAverageValue };
  return [ours, ...RULES_OF_THUMB].map((rule) => {
    const hpa: HpaSpec = {
      minReplicas: 1,
      maxReplicas: options.maxReplicas ?? 40,
      targetAverageValue: rule.target,
      tolerance: SERVING_CONSTANTS.hpaTolerance.value,
      ...HPA_BEHAVIOR,
    };
    const result = simulate({
      trace,
      replica: replicaModelFor(catalog, r, rule.metric),
      hpa,
      startupSeconds: a.replicaStartupSeconds,
      initialReplicas: options.initialReplicas ?? 1,
      targetNtpotMilliseconds: target,
    });
    return { rule, result };
  });
}
