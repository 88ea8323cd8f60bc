import { HpaController, HpaSpec } from '../src/autoscaling/hpa-algorithm';
import { ReplicaModel, simulate } from '../src/autoscaling/simulator';
import { burstTrace, diurnalTrace, steadyTrace, stepTrace } from '../src/autoscaling/traces';

// a replica that serves up to 10 req/s; NTPOT grows from 50 ms to 100 ms at capacity; the metric is the arrival rate
const LINEAR: ReplicaModel = {
  capacityRequestsPerSecond: 10,
  meanOutputTokens: 200,
  metricPerWaitingRequest: 1,
  state: (rps) => ({ ntpotMilliseconds: 50 + 5 * rps, ttftMilliseconds: 100, metric: rps }),
};

const HPA: HpaSpec = {
  minReplicas: 1,
  maxReplicas: 10,
  targetAverageValue: 8,
  tolerance: 0.1,
  scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] },
  scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
};

test('constant load below capacity never scales', () => {
  // 2 replicas at 15 req/s: 7.5 per pod, within 10% of the target 8
  const r = simulate({
    trace: steadyTrace(15, 60), replica: LINEAR, hpa: HPA, startupSeconds: 120, initialReplicas: 2, targetNtpotMilliseconds: 100,
  });
  expect(new Set(r.minutes.map((m) => m.readyReplicas))).toEqual(new Set([2]));
  expect(r.sloAttainment).toBe(1);
  expect(r.replicaHours).toBeCloseTo(2, 9);
  expect(r.minutes[0].p50NtpotMilliseconds).toBeCloseTo(50 + 5 * 7.5, 9);
});

test('a step above capacity scales up after the sync and the start-up delay', () => {
  // 5 req/s on one replica, then 25 req/s from minute 5: the first sync at or after 300 s sees 10 per pod plus the queue
  const r = simulate({
    trace: stepTrace(5, 25, 5, 30), replica: LINEAR, hpa: HPA, startupSeconds: 120, initialReplicas: 1, targetNtpotMilliseconds: 100,
  });
  const byMinute = (m: number) => r.minutes.find((x) => x.minute === m)!;
  expect(byMinute(4).readyReplicas).toBe(1);
  // decided at t = 300 s, ready at 420 s: minute 6 (360-419 s) still has one ready replica, minute 7 has more
  expect(byMinute(6).readyReplicas).toBe(1);
  expect(byMinute(6).desiredReplicas).toBeGreaterThan(1);
  expect(byMinute(7).readyReplicas).toBeGreaterThan(1);
  // overloaded minutes violate the SLO; once 4 replicas serve 25 req/s (6.25 each) it holds again
  expect(byMinute(6).meetsSlo).toBe(false);
  expect(r.minutes[r.minutes.length - 1].meetsSlo).toBe(true);
  expect(r.minutes[r.minutes.length - 1].readyReplicas).toBeGreaterThanOrEqual(3);
});

test('scale-down waits for the stabilisation window', () => {
  const r = simulate({
    trace: stepTrace(30, 5, 10, 40), replica: LINEAR, hpa: HPA, startupSeconds: 60, initialReplicas: 4, targetNtpotMilliseconds: 100,
  });
  const firstDrop = r.minutes.find((m) => m.minute >= 10 && m.readyReplicas < 4)!;
  // the load drops at 600 s; no replica goes before the 300 s window has seen only lower recommendations
  expect(firstDrop.minute).toBeGreaterThanOrEqual(15);
  expect(r.minutes[r.minutes.length - 1].readyReplicas).toBe(1);
});

test('the HPA algorithm: tolerance, ceil, unready pods at 0, policies', () => {
  const hpa = new HpaController(HPA);
  // 8.7 is within 10% of 8: no change
  expect(hpa.sync(0, 2, [8.7, 8.7])).toBe(2);
  // 12 per pod on 2 pods: ceil(2 x 1.5) = 3
  expect(hpa.sync(15, 2, [12, 12])).toBe(3);
  // one of 3 not ready counts as 0: (12 + 12 + 0) / 3 / 8 = 1.0, within tolerance
  expect(hpa.sync(30, 3, [12, 12])).toBe(3);
  // a huge ratio is capped by the Pods policy: 4 more per 60 s, counting the +1 made at 15 s
  const h2 = new HpaController(HPA);
  expect(h2.sync(0, 1, [80])).toBe(5);
  expect(h2.sync(15, 5, [80, 80, 80, 80, 80])).toBe(5);
  expect(h2.sync(60, 5, [80, 80, 80, 80, 80])).toBe(9);
  expect(() => new HpaController({ ...HPA, minReplicas: 0 })).toThrow(/1 <= minReplicas/);
});

test('traces: steady, step, diurnal, burst', () => {
  expect(steadyTrace(3, 1).rate(30)).toBe(3);
  expect(stepTrace(1, 9, 2, 4).rate(119)).toBe(1);
  expect(stepTrace(1, 9, 2, 4).rate(120)).toBe(9);
  const d = diurnalTrace(2, 10);
  expect(d.rate(0)).toBeCloseTo(2, 9);
  expect(d.rate(12 * 3600)).toBeCloseTo(10, 9);
  const b = burstTrace(2, 10, 60, 10, 30, 180);
  expect(b.rate(59 * 60)).toBe(2);
  expect(b.rate(65 * 60)).toBeCloseTo(11, 9);
  expect(b.rate(80 * 60)).toBe(20);
  expect(b.rate(170 * 60)).toBe(2);
});

test('deterministic: the same inputs give the same result', () => {
  const run = () => simulate({
    trace: burstTrace(5, 10, 10, 5, 20, 60), replica: LINEAR, hpa: HPA, startupSeconds: 180, initialReplicas: 1, targetNtpotMilliseconds: 100,
  });
  expect(JSON.stringify(run())).toBe(JSON.stringify(run()));
});
