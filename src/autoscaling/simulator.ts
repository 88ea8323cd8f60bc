import { HpaController, HpaSpec } from './hpa-algorithm';

/** What one replica does at a steady arrival rate, below its capacity. */
export interface ReplicaState {
  /** P50 normalized time per output token, ms. */
  readonly ntpotMilliseconds: number;
  /** P50 time to first token, ms. */
  readonly ttftMilliseconds: number;
  /** The value of the HPA's metric on this pod (queue size, running batch, KV-cache fraction, ...). */
  readonly metric: number;
}

/** A model of one replica of a serving profile. */
export interface ReplicaModel {
  /** Highest arrival rate one replica sustains, requests/s (the saturation point). */
  readonly capacityRequestsPerSecond: number;
  /** Mean output tokens per request (turns waiting time into NTPOT). */
  readonly meanOutputTokens: number;
  /** How the HPA metric grows with requests waiting beyond capacity (1 for a queue-size metric, 0 for a saturated batch or KV cache). */
  readonly metricPerWaitingRequest: number;
  /** Steady state at `requestsPerSecond` <= capacity. */
  state(requestsPerSecond: number): ReplicaState;
}

/** Arrival rate over time. */
export interface Trace {
  readonly name: string;
  readonly durationSeconds: number;
  /** Total requests/s arriving at second `t`. */
  rate(t: number): number;
}

export interface SimulationOptions {
  readonly trace: Trace;
  readonly replica: ReplicaModel;
  readonly hpa: HpaSpec;
  /** Seconds from a scale-up decision until the new pod serves (node provisioning + image pull + model load). */
  readonly startupSeconds: number;
  /** Replicas serving at t = 0. */
  readonly initialReplicas: number;
  /** The P50 NTPOT target the SLO is measured against, ms. */
  readonly targetNtpotMilliseconds: number;
  /** HPA sync period (the controller's --horizontal-pod-autoscaler-sync-period). @default 15 */
  readonly syncSeconds?: number;
  /** Simulation step. @default 5 */
  readonly stepSeconds?: number;
}

export interface MinuteSample {
  readonly minute: number;
  readonly requestsPerSecond: number;
  readonly readyReplicas: number;
  readonly desiredReplicas: number;
  readonly p50NtpotMilliseconds: number;
  readonly p50TtftMilliseconds: number;
  readonly metric: number;
  readonly meetsSlo: boolean;
}

export interface SimulationResult {
  readonly trace: string;
  readonly minutes: MinuteSample[];
  /** Share of minutes whose P50 NTPOT meets the target. */
  readonly sloAttainment: number;
  /** Replica-hours paid for (ready or starting). */
  readonly replicaHours: number;
  readonly maxReplicas: number;
}

/**
 * Replays a trace against N replicas of a profile and the Kubernetes HPA algorithm. Deterministic:
 * a fluid model (load spread evenly over ready replicas; load beyond capacity waits in a queue that
 * drains at capacity), no randomness.
 */
export function simulate(o: SimulationOptions): SimulationResult {
  const step = o.stepSeconds ?? 5;
  const sync = o.syncSeconds ?? 15;
  if (sync % step !== 0) throw new Error(`syncSeconds (${sync}) must be a multiple of stepSeconds (${step}).`);
  const hpa = new HpaController(o.hpa);
  const r = o.replica;
  let ready = o.initialReplicas;
  const starting: number[] = []; // ready times of pods that are starting
  let desired = ready;
  let waiting = 0; // requests queued across the deployment
  let replicaSeconds = 0;
  let maxReplicas = ready;
  const perStep: Array<{ t: number; rate: number; ntpot: number; ttft: number; metric: number; weight: number }> = [];
  const minutes: MinuteSample[] = [];

  for (let t = 0; t < o.trace.durationSeconds; t += step) {
    while (starting.length && starting[0] <= t) {
      starting.shift();
      ready++;
    }
    const rate = o.trace.rate(t);
    const capacity = ready * r.capacityRequestsPerSecond;
    const served = Math.min(capacity, rate + waiting / step);
    waiting = Math.max(0, waiting + (rate - served) * step);
    const perReplica = ready > 0 ? Math.min(r.capacityRequestsPerSecond, served / ready) : 0;
    const s = r.state(perReplica);
    const waitSeconds = capacity > 0 ? waiting / capacity : Number.POSITIVE_INFINITY;
    const ntpot = s.ntpotMilliseconds + (waitSeconds * 1000) / r.meanOutputTokens;
    const ttft = s.ttftMilliseconds + waitSeconds * 1000;
    const metric = s.metric + (ready > 0 ? (waiting / ready) * r.metricPerWaitingRequest : 0);
    perStep.push({ t, rate, ntpot, ttft, metric, weight: rate });

    if (t % sync === 0) {
      const total = ready + starting.length;
      desired = hpa.sync(t, total, Array.from({ length: ready }, () => metric));
      if (desired > total) {
        for (let i = 0; i < desired - total; i++) starting.push(t + o.startupSeconds);
      } else if (desired < total) {
        // remove starting pods first, then ready ones
        let remove = total - desired;
        while (remove > 0 && starting.length) {
          starting.pop();
          remove--;
        }
        ready -= remove;
      }
    }
    replicaSeconds += (ready + starting.length) * step;
    maxReplicas = Math.max(maxReplicas, ready + starting.length);

    if ((t + step) % 60 === 0) {
      const window = perStep.splice(0);
      const p50 = (key: 'ntpot' | 'ttft') => weightedMedian(window.map((w) => ({ value: w[key], weight: Math.max(w.weight, 1e-9) })));
      const ntpotP50 = p50('ntpot');
      minutes.push({
        minute: (t + step) / 60 - 1,
        requestsPerSecond: mean(window.map((w) => w.rate)),
        readyReplicas: ready,
        desiredReplicas: desired,
        p50NtpotMilliseconds: ntpotP50,
        p50TtftMilliseconds: p50('ttft'),
        metric: mean(window.map((w) => w.metric)),
        meetsSlo: ntpotP50 <= o.targetNtpotMilliseconds,
      });
    }
  }
  return {
    trace: o.trace.name,
    minutes,
    sloAttainment: minutes.filter((m) => m.meetsSlo).length / Math.max(1, minutes.length),
    replicaHours: replicaSeconds / 3600,
    maxReplicas,
  };
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

function weightedMedian(xs: Array<{ value: number; weight: number }>): number {
  const sorted = [...xs].sort((a, b) => a.value - b.value);
  const half = sorted.reduce((a, b) => a + b.weight, 0) / 2;
  let acc = 0;
  for (const x of sorted) {
    acc += x.weight;
    if (acc >= half) return x.value;
  }
  return sorted.length ? sorted[sorted.length - 1].value : 0;
}
