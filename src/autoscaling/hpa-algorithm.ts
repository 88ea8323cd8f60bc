/**
 * The Kubernetes HorizontalPodAutoscaler algorithm for one `Pods` metric with an `AverageValue`
 * target, as documented for autoscaling/v2 (kubernetes.io "Horizontal Pod Autoscaling", algorithm
 * details, and the HorizontalPodAutoscalerBehavior API): desired = ceil(current x metric / target)
 * outside the tolerance band, pods that are not ready counted at 0 when scaling up, then the
 * stabilisation windows and the scaling policies.
 */

export interface ScalingPolicy {
  /** `Pods` (add or remove this many) or `Percent` (of the replicas at the start of the period). */
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}

export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly policies: readonly ScalingPolicy[];
  /** `Max` picks the policy that allows the most change, `Min` the least. */
  readonly selectPolicy: 'Max' | 'Min';
}

export interface HpaSpec {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetAverageValue: number;
  /** No scaling while |metric / target - 1| <= tolerance. */
  readonly tolerance: number;
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
}

/** Kubernetes defaults for `behavior` (HorizontalPodAutoscalerBehavior API documentation). */
export const KUBERNETES_DEFAULT_BEHAVIOR: { scaleUp: ScalingRules; scaleDown: ScalingRules } = {
  scaleUp: {
    stabilizationWindowSeconds: 0,
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }],
    selectPolicy: 'Max',
  },
  scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], selectPolicy: 'Max' },
};

/** The HPA controller's memory between syncs. */
export class HpaController {
  /** (time, recommendation) pairs inside the longest stabilisation window. */
  private readonly recommendations: Array<{ t: number; replicas: number }> = [];
  /** (time, replicas after the change) for the policies' periods. */
  private readonly changes: Array<{ t: number; from: number; to: number }> = [];

  constructor(private readonly spec: HpaSpec) {
    if (spec.minReplicas < 1 || spec.maxReplicas < spec.minReplicas) {
      throw new Error(`HPA replicas must satisfy 1 <= minReplicas (${spec.minReplicas}) <= maxReplicas (${spec.maxReplicas}).`);
    }
    if (!(spec.targetAverageValue > 0)) throw new Error(`HPA targetAverageValue must be positive, got ${spec.targetAverageValue}.`);
  }

  /**
   * One sync at time `t` (seconds).
   * @param current replicas the Deployment has (ready or not)
   * @param readyMetrics the metric of each ready pod
   * @returns the replica count to set
   */
  public sync(t: number, current: number, readyMetrics: readonly number[]): number {
    const raw = this.rawRecommendation(current, readyMetrics);
    const recommended = Math.min(this.spec.maxReplicas, Math.max(this.spec.minReplicas, raw));
    this.recommendations.push({ t, replicas: recommended });
    const horizon = Math.max(this.spec.scaleUp.stabilizationWindowSeconds, this.spec.scaleDown.stabilizationWindowSeconds);
    while (this.recommendations.length && this.recommendations[0].t < t - horizon) this.recommendations.shift();

    // stabilisation: scale up only to the lowest, down only to the highest recommendation in the window
    const within = (w: number) => this.recommendations.filter((r) => r.t >= t - w).map((r) => r.replicas);
    let desired = current;
    const upFloor = Math.min(...within(this.spec.scaleUp.stabilizationWindowSeconds));
    const downCeil = Math.max(...within(this.spec.scaleDown.stabilizationWindowSeconds));
    if (upFloor > current) desired = upFloor;
    else if (downCeil < current) desired = downCeil;
    if (desired === current) return current;

    const rules = desired > current ? this.spec.scaleUp : this.spec.scaleDown;
    const limit = this.policyLimit(t, current, rules, desired > current);
    const next = desired > current ? Math.min(desired, limit) : Math.max(desired, limit);
    const bounded = Math.min(this.spec.maxReplicas, Math.max(this.spec.minReplicas, next));
    if (bounded !== current) this.changes.push({ t, from: current, to: bounded });
    return bounded;
  }

  private rawRecommendation(current: number, readyMetrics: readonly number[]): number {
    if (readyMetrics.length === 0) return current;
    const target = this.spec.targetAverageValue;
    const sum = readyMetrics.reduce((a, b) => a + b, 0);
    const ratio = sum / readyMetrics.length / target;
    if (Math.abs(ratio - 1) <= this.spec.tolerance) return current;
    const unready = current - readyMetrics.length;
    if (ratio > 1 && unready > 0) {
      // when scaling up, pods that are not ready yet count as using 0 of the metric
      const pods = readyMetrics.length + unready;
      const adjusted = sum / pods / target;
      if (adjusted <= 1 + this.spec.tolerance) return current;
      return Math.ceil(adjusted * pods);
    }
    return Math.ceil(ratio * readyMetrics.length);
  }

  /** The furthest the policies let the replica count move from `current` at time `t`. */
  private policyLimit(t: number, current: number, rules: ScalingRules, up: boolean): number {
    const limits = rules.policies.map((p) => {
      // replicas at the start of the period: undo the changes made within it
      const inPeriod = this.changes.filter((c) => c.t > t - p.periodSeconds);
      const moved = inPeriod.reduce((a, c) => a + (c.to - c.from), 0);
      const base = current - moved;
      if (up) return p.type === 'Pods' ? base + p.value : Math.ceil(base * (1 + p.value / 100));
      return p.type === 'Pods' ? base - p.value : Math.floor(base * (1 - p.value / 100));
    });
    if (limits.length === 0) return current;
    const pickMost = rules.selectPolicy === 'Max';
    return up === pickMost ? Math.max(...limits) : Math.min(...limits);
  }
}
