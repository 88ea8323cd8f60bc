import { Chart, Testing } from 'cdk8s';
import { AutoscalingMetric, ClusterMode, GkeAutopilot, InferenceResolver, OptimizedLlmServer, OptimizedLlmServerProps } from '../src';
import { expectValidManifests } from './support/k8s-validator';
import { HPA_BEHAVIOR } from '../src/autoscaling/behavior';
import { compareAutoscaling } from '../src/autoscaling/compare';
import { HpaController } from '../src/autoscaling/hpa-algorithm';
import { burstTrace, diurnalTrace } from '../src/autoscaling/traces';
import { Catalog } from '../src/catalog/catalog';
import { JETSTREAM } from '../src/catalog/model-servers';
import { measuredCurves } from '../src/performance/measured-curves';
import { modelledCurve } from '../src/performance/profiles';
import { maximumShareTarget, signalsAt } from '../src/resolver/autoscaling';

const resolve = InferenceResolver.resolve;

function synth(props: OptimizedLlmServerProps) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'server', { name: 'srv', ...props });
  const objects = chart.toJson() as any[];
  return { server, objects, hpa: objects.find((o) => o.kind === 'HorizontalPodAutoscaler'), deployment: objects.find((o) => o.kind === 'Deployment') };
}

test.each([
  ['vLLM batch (default)', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 80 }],
  ['vLLM queue', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 80, autoscalingMetric: AutoscalingMetric.QUEUE_SIZE }],
  ['vLLM KV cache', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 67, autoscalingMetric: AutoscalingMetric.KV_CACHE_UTILIZATION }],
  ['TGI', { model: 'google/gemma-2-9b-it', modelServer: 'tgi', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 100 }],
] as Array<[string, OptimizedLlmServerProps]>)('%s: the HPA validates strictly and names a metric the adapter serves', (_, props) => {
  const { hpa, objects, server } = synth(props);
  expectValidManifests(objects);
  const m = hpa.spec.metrics[0];
  const name: string = m.type === 'External' ? m.external.metric.name : m.pods.metric.name;
  expect(name).toBe(server.resolution.autoscaling!.hpaMetricName);
  expect(name).toMatch(/^prometheus\.googleapis\.com\|[a-z0-9_:]+\|(gauge|unknown)$/);
  expect(name).toBe(name.toLowerCase());
  expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(300);
  expect(hpa.spec.behavior.scaleUp.policies.map((p: any) => p.type).sort()).toEqual(['Percent', 'Pods']);
});

test('metric names follow the server and its version', () => {
  const name = (props: OptimizedLlmServerProps) => synth(props).server.resolution.autoscaling!.hpaMetricName;
  expect(name({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 80, autoscalingMetric: AutoscalingMetric.KV_CACHE_UTILIZATION }))
    .toBe('prometheus.googleapis.com|vllm:gpu_cache_usage_perc|gauge');
  expect(name({
    model: 'google/gemma-2-27b-it',
    modelServerVersion: 'v0.12.0',
    acceleratorType: 'nvidia-h100-80gb',
    targetNtpotMilliseconds: 80,
    autoscalingMetric: AutoscalingMetric.KV_CACHE_UTILIZATION,
  })).toBe('prometheus.googleapis.com|vllm:kv_cache_usage_perc|gauge');
  expect(name({
    model: 'google/gemma-2-9b-it',
    modelServer: 'tgi',
    acceleratorType: 'nvidia-l4',
    targetNtpotMilliseconds: 100,
    autoscalingMetric: AutoscalingMetric.QUEUE_SIZE,
  })).toBe('prometheus.googleapis.com|tgi_queue_size|gauge');
  expect(name({ model: 'google/gemma-2-9b-it', modelServer: 'tgi', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 100 }))
    .toBe('prometheus.googleapis.com|tgi_batch_current_size|gauge');
  expect(name({
    model: 'google/gemma-2-9b-it',
    modelServer: 'tgi',
    acceleratorType: 'nvidia-l4',
    targetNtpotMilliseconds: 100,
    autoscalingMetric: AutoscalingMetric.BATCH_SIZE,
  })).toBe('prometheus.googleapis.com|tgi_batch_current_size|gauge');
  // the GPU duty cycle is refused (see the refusal test below), on the resolver and the construct alike
  expect(() => synth({ model: 'openai/gpt-oss-20b', targetNtpotMilliseconds: 100, autoscalingMetric: AutoscalingMetric.GPU_DUTY_CYCLE }))
    .toThrow(/'autoscalingMetric' 'gpu-duty-cycle' is refused: GKE advises against GPU utilisation.*use 'batch-size' or 'queue-size'/);
  expect(() => synth({
    model: 'google/gemma-2-9b-it',
    modelServer: 'tgi',
    acceleratorType: 'nvidia-l4',
    targetNtpotMilliseconds: 100,
    autoscalingMetric: AutoscalingMetric.KV_CACHE_UTILIZATION,
  })).toThrow(/'autoscalingMetric' kv-cache-utilization is not available: tgi 3\.0\.1 exports no KV-cache gauge/);
});

test('the default metric: the queue only when it tolerates the queue that builds while a replica starts', () => {
  // gemma on one H100 held to its published inflection NTPOT: about 27 requests may wait, but a replica takes minutes to start
  const r = resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 67 }).autoscaling!;
  expect(r.metric).toBe(AutoscalingMetric.BATCH_SIZE);
  expect(r.metricReason).toMatch(/the target allows [\d.]+ requests to wait, but [\d.]+ would pile up while a replica starts/);
  // on request, the queue threshold is the queue the target tolerates at saturation, with the headroom
  const q = resolve({
    model: 'google/gemma-2-27b-it',
    acceleratorType: 'nvidia-h100-80gb',
    targetNtpotMilliseconds: 67,
    autoscalingMetric: AutoscalingMetric.QUEUE_SIZE,
  }).autoscaling!;
  expect(q.valueAtOperatingPoint).toBeGreaterThan(3);
  expect(q.targetAverageValue).toBeLessThan(q.valueAtOperatingPoint * 0.9);
  expect(q.explanation).toMatch(/less the [\d.]+ that pile up while a replica starts/);
  // a tighter target leaves no queue at all
  const tight = resolve({ model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 60, autoscalingMetric: AutoscalingMetric.QUEUE_SIZE });
  expect(tight.autoscaling!.valueAtOperatingPoint).toBeLessThan(q.valueAtOperatingPoint);
  // a TTFT-only target sets no NTPOT, so the queue is the operating point's, and the text says so
  const ttft = resolve({
    model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb', targetTtftMilliseconds: 2000, autoscalingMetric: AutoscalingMetric.QUEUE_SIZE,
  }).autoscaling!;
  expect(ttft.explanation).not.toMatch(/NTPOT target/);
  expect(ttft.explanation).toMatch(/[Tt]he queue at the operating point \([\d.]+\)/);
  const ttftDefault = resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb', targetTtftMilliseconds: 2000 }).autoscaling!;
  expect(ttftDefault.metricReason).toMatch(/the operating point has [\d.]+ requests waiting/);
});

test('the threshold leaves room for tolerance and for load growth while a replica starts', () => {
  const hub = resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 80 }).autoscaling!;
  const bucket = resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 80, modelBucketUri: 'gs://models/gemma' })
    .autoscaling!;
  // loading from the bucket starts replicas sooner, so less headroom is needed and the target is higher
  expect(bucket.replicaStartupSeconds).toBeLessThan(hub.replicaStartupSeconds);
  expect(bucket.headroom).toBeGreaterThan(hub.headroom);
  expect(bucket.targetAverageValue).toBeGreaterThan(hub.targetAverageValue);
  expect(hub.explanation).toMatch(/300 s node \+ 120 s image \+ \d+ s model load/);
});

test('initial replicas come from expectedRequestsPerSecond', () => {
  const { server, deployment, hpa } = synth({
    model: 'openai/gpt-oss-20b',
    acceleratorType: 'nvidia-h100-80gb',
    targetNtpotMilliseconds: 100,
    expectedRequestsPerSecond: 200,
    maxReplicas: 10,
  });
  const a = server.resolution.autoscaling!;
  expect(a.initialReplicas).toBe(Math.ceil(200 / (a.requestsPerSecondPerReplica * a.headroom)));
  expect(a.initialReplicas).toBeGreaterThan(1);
  // the Deployment leaves spec.replicas to the HPA (a re-apply would reset the HPA's count, Kubernetes' HPA docs); the initial
  // replicas are a one-time kubectl scale in the notes
  expect(deployment.spec.replicas).toBeUndefined();
  expect(server.deploymentNotes.join('\n')).toContain(`kubectl scale deployment/${deployment.metadata.name} --namespace llm --replicas ${a.initialReplicas}`);
  // a start that only minReplicas sets needs no scale: the HPA holds it
  const held = synth({ model: 'openai/gpt-oss-20b', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 100, minReplicas: 2 }).server;
  expect(held.deploymentNotes.join('\n')).not.toMatch(/Initial replicas:/);
  expect(hpa.spec.minReplicas).toBe(1);
  expect(synth({ model: 'openai/gpt-oss-20b', targetNtpotMilliseconds: 100 }).deployment!.spec.replicas).toBeUndefined();
  expect(() => resolve({ model: 'openai/gpt-oss-20b', targetNtpotMilliseconds: 100, expectedRequestsPerSecond: -1 })).toThrow(/'expectedRequestsPerSecond' must be a positive/);
});

test('no HPA when the target cannot be met: the construct refuses with the achievable range', () => {
  expect(() => synth({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1 })).toThrow(/achievable NTPOT/);
});

test('TGI runs through its launcher\'s environment with one shard per GPU', () => {
  const { deployment, server } = synth({ model: 'google/gemma-2-9b-it', modelServer: 'tgi', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 100 });
  const c = deployment.spec.template.spec.containers[0];
  expect(c.image).toBe('ghcr.io/huggingface/text-generation-inference:3.0.1');
  expect(c.command).toBeUndefined();
  const env = Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
  expect(env).toMatchObject({
    MODEL_ID: 'google/gemma-2-9b-it',
    NUM_SHARD: String(server.resolution.tensorParallelSize),
    PORT: '8000',
    MAX_TOTAL_TOKENS: String(server.resolution.maxModelLength),
  });
  // a prompt may take the whole length but the one token it generates (TGI requires input < total); half of it made TGI answer 422
  // to long prompts of the workload (router/src/validation.rs)
  expect(Number(env.MAX_INPUT_TOKENS)).toBe(Number(env.MAX_TOTAL_TOKENS) - 1);
  const longPrompts = new OptimizedLlmServer(new Chart(Testing.app(), 'c', { namespace: 'llm' }), 's', {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    modelServer: 'tgi',
    acceleratorType: 'nvidia-l4',
    averageInputTokens: 6000,
    averageOutputTokens: 200,
    maxModelLength: 8192,
  });
  const tgiEnv = longPrompts.deployment!.toJson().spec.template.spec.containers[0].env;
  expect(tgiEnv.find((e: any) => e.name === 'MAX_INPUT_TOKENS').value).toBe('8191');
  expect(deployment.spec.template.metadata.labels['ai.gke.io/inference-server']).toBe('text-generation-inference');
  expect(() => resolve({ model: 'google/gemma-3-27b-it', modelServer: 'tgi' })).toThrow(/No profile/);
});

// the measured profiles, loaded from a bucket (the recommended path), held to their published NTPOT
const MEASURED: Array<[string, string, number]> = measuredCurves(Catalog.EMBEDDED)
  .map((c) => [c.model, c.acceleratorType, c.points[0].ntpotMilliseconds] as [string, string, number]);

test.each(MEASURED)('simulation: %s on %s holds the target on a 10x burst with fewer replica-hours than queue size 5', (model, acc, target) => {
  const r = resolve({ model, acceleratorType: acc, targetNtpotMilliseconds: target, modelBucketUri: 'gs://models/m' });
  expect(r.source).toBe('measured');
  // half of one replica's capacity, ramping to 10x over two hours, held an hour, back down over two; one day
  const capacity = r.autoscaling!.requestsPerSecondPerReplica;
  const trace = burstTrace(capacity * 0.5, 10, 120, 120, 60, 24 * 60);
  const [ours, queue5] = compareAutoscaling(Catalog.EMBEDDED, r, trace, { targetNtpotMilliseconds: target });
  expect(ours.result.sloAttainment).toBeGreaterThanOrEqual(0.99);
  expect(ours.result.replicaHours).toBeLessThan(queue5.result.replicaHours);
  expect(queue5.rule.name).toBe('queue size 5');
});

test('simulation: a diurnal day keeps the SLO and scales back down at night', () => {
  const r = resolve({
    model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
    acceleratorType: 'nvidia-tesla-a100',
    targetNtpotMilliseconds: 72,
    modelBucketUri: 'gs://models/m',
  });
  const cap = r.autoscaling!.requestsPerSecondPerReplica;
  const [ours] = compareAutoscaling(Catalog.EMBEDDED, r, diurnalTrace(cap * 0.3, cap * 6), { targetNtpotMilliseconds: 72 });
  expect(ours.result.sloAttainment).toBeGreaterThanOrEqual(0.99);
  const night = ours.result.minutes.filter((m) => m.minute < 60);
  const noon = ours.result.minutes.filter((m) => m.minute >= 700 && m.minute < 740);
  expect(Math.max(...night.map((m) => m.readyReplicas))).toBeLessThan(Math.min(...noon.map((m) => m.readyReplicas)));
});

test('on Autopilot the automatic choice stays within the GPU types Autopilot admits', () => {
  const free = resolve({ model: 'google/gemma-2-9b-it' });
  const { server, objects } = synth({ model: 'google/gemma-2-9b-it', clusterMode: ClusterMode.AUTOPILOT });
  expect(GkeAutopilot.ALLOWED_GPU_TYPES).toContain(server.resolution.acceleratorType);
  expectValidManifests(objects);
  // the unrestricted choice may be a type Autopilot refuses (the point of the filter)
  expect(typeof free.acceleratorType).toBe('string');
  const only = resolve({ model: 'google/gemma-2-9b-it', allowedAcceleratorTypes: ['nvidia-l4'] });
  expect(only.acceleratorType).toBe('nvidia-l4');
  expect(() => resolve({ model: 'google/gemma-2-9b-it', allowedAcceleratorTypes: ['nvidia-tesla-t4x'] })).toThrow(/'allowedAcceleratorTypes'/);
});

test('a measured point past saturation reads its signals at its NTPOT: the flat throughput there cannot locate it', () => {
  // GIQ's Gemma 2 27B on 4 x L4: 425 output tokens/s at 1085 ms NTPOT, 461 requests in flight by Little's law, past the
  // running batch the KV cache holds. Read at its throughput, the point fell anywhere on the plateau (the last grid point,
  // 2,025 waiting, when rounding put it a hair above), which flipped the HPA metric to a queue the target cannot tolerate.
  const catalog = Catalog.EMBEDDED;
  const curve = measuredCurves(catalog).find((c) => c.model === 'google/gemma-2-27b-it' && c.acceleratorType === 'nvidia-l4')!;
  const point = curve.points[0];
  const inFlight = (point.outputTokensPerSecond * point.ntpotMilliseconds) / 1000;
  const model = modelledCurve(catalog, curve)!;
  const batch = Math.max(...model.points.map((p) => p.runningBatchSize!));
  expect(inFlight).toBeGreaterThan(batch);
  for (const nudge of [1 - 1e-9, 1, 1 + 1e-9]) {
    const s = signalsAt(catalog, curve, { ...point, outputTokensPerSecond: point.outputTokensPerSecond * nudge }, 195);
    expect(s.runningBatchSize).toBeCloseTo(batch, 6);
    expect(s.waitingQueueSize).toBeCloseTo(inFlight - batch, 3);
  }
  // so the derived metric is the running batch: the 326 requests the target lets wait are fewer than pile up during a start-up
  const r = InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1085 });
  expect(r.autoscaling!.metric).toBe(AutoscalingMetric.BATCH_SIZE);
});

// ---- bounded signals, floors and clamps (audit 13, F2-F5) ----

/** Replicas after `minutes` of the library's HPA (its behaviour, Kubernetes' tolerance) with every pod reading `reading`. */
function replicasAfter(target: number, reading: number, minutes: number): number {
  const hpa = new HpaController({ minReplicas: 1, maxReplicas: 20, targetAverageValue: target, tolerance: 0.1, ...HPA_BEHAVIOR });
  let replicas = 1;
  for (let t = 0; t <= minutes * 60; t += 15) replicas = hpa.sync(t, replicas, Array.from({ length: replicas }, () => reading));
  return replicas;
}

const JETSTREAM_V5E = { model: 'google/gemma-2-9b-it', modelServer: 'jetstream', acceleratorType: 'tpu-v5-lite-podslice', targetNtpotMilliseconds: 67 };

test('JetStream\'s slot share reads the decode slots MaxText allocates, and its target leaves the HPA room to scale up (F2)', () => {
  const r = resolve({ ...JETSTREAM_V5E, autoscalingMetric: AutoscalingMetric.BATCH_SIZE });
  const a = r.autoscaling!;
  expect(a.serverMetric).toBe('jetstream_slots_used_percentage');
  // the slots by hand: Gemma 2 9B holds 42 layers x 8 KV heads x 256 x 2 (K and V) x 2 bytes = 336 KiB a token, so a 2048-token
  // slot (the default for JetStream, Google's max_target_length) is 0.705 GB; what the 4-chip slice leaves beside the weights
  // and the runtime holds 34 of them, rounded down to 8 a chip
  expect(r.maxModelLength).toBe(2048);
  const perSlotGb = (42 * 8 * 256 * 2 * 2 * 2048) / 1e9;
  const fit = Math.floor(r.memory.kvCacheCapacityGb / perSlotGb);
  expect(fit).toBe(34);
  const slots = Math.floor(fit / r.acceleratorCount) * r.acceleratorCount;
  expect(slots).toBe(32);
  // the curve runs at most that many requests: the slot share reaches 1 at saturation, never more
  const curve = modelledCurve(Catalog.EMBEDDED, r)!;
  expect(Math.max(...curve.points.map((p) => p.runningBatchSize!))).toBe(slots);
  expect(a.explanation).toMatch(new RegExp(`over the ${slots} decode slots = ${a.targetAverageValue}`));
  // below the share the HPA can act on (1 / 1.1), and every slot busy for ten minutes adds replicas
  expect(a.targetAverageValue).toBeLessThan(1 / 1.1);
  expect(a.targetAverageValue).toBeLessThanOrEqual(maximumShareTarget());
  expect(replicasAfter(a.targetAverageValue, 1, 10)).toBeGreaterThan(1);
  expect(replicasAfter(0.95, 1, 10)).toBe(1);
});

test('JetStream scales on the prefill backlog by default: the slot gauge was renamed after the release its images are tagged with', () => {
  // AI-Hypercomputer/JetStream v0.3 changelog: "Change `jetstream_slots_available_percentage` to `jetstream_slots_used_percentage`"
  // (PR #102); the catalog's JetStream images are v0.2.2 (and the Pathways build v0.2.0)
  expect(JETSTREAM.versions.map((v) => v.version)).toEqual(['v0.2.2', 'v0.2.0-pathways']);
  const byDefault = resolve(JETSTREAM_V5E).autoscaling!;
  expect(byDefault.metric).toBe(AutoscalingMetric.QUEUE_SIZE);
  expect(byDefault.serverMetric).toBe('jetstream_prefill_backlog_size');
  expect(byDefault.metricReason).toMatch(/not certain to exist: JetStream renamed jetstream_slots_available_percentage to jetstream_slots_used_percentage in v0\.3/);
  // asked for, the slot share is served, with what to check
  const asked = resolve({ ...JETSTREAM_V5E, autoscalingMetric: AutoscalingMetric.BATCH_SIZE }).autoscaling!;
  expect(asked.serverMetric).toBe('jetstream_slots_used_percentage');
  expect(asked.metricReason).toMatch(/as requested \(check that the image exports jetstream_slots_used_percentage: .*curl its metrics port, 9100/);
  // vLLM's series names are pinned per version: its default stays the running batch
  expect(resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 200 }).autoscaling!.metric)
    .toBe(AutoscalingMetric.BATCH_SIZE);
});

test('a queue target whose derivation goes negative is GKE\'s starting value, and the explanation says so (F5)', () => {
  const a = resolve({
    model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 67, autoscalingMetric: AutoscalingMetric.QUEUE_SIZE,
  }).autoscaling!;
  const derived = Number(/x 0\.9 for the tolerance, is (-?[\d.]+)/.exec(a.explanation)![1]);
  expect(derived).toBeLessThan(0);
  expect(a.explanation).toMatch(/negative: the derivation gives no threshold, so the target is GKE's documented starting value of 3/);
  expect(a.targetAverageValue).toBe(3);
  // GKE: start between 3 and 5
  expect(a.targetAverageValue).toBeGreaterThanOrEqual(3);
  expect(a.targetAverageValue).toBeLessThanOrEqual(5);
});

test('a KV-cache target never exceeds the operating point\'s value, is refused when the cache barely moves, and is capped below 1 / 1.1 (F4)', () => {
  // Llama 3.3 70B on 8 x A100 at 30 ms uses under 1% of its cache: a 0.01 floor sat above the operating point's 0.008
  expect(() => resolve({
    model: 'meta-llama/Llama-3.3-70B-Instruct',
    acceleratorType: 'nvidia-a100-80gb',
    targetNtpotMilliseconds: 30,
    autoscalingMetric: AutoscalingMetric.KV_CACHE_UTILIZATION,
  })).toThrow(/'autoscalingMetric' 'kv-cache-utilization' is not a usable signal .* under the 5%/);
  let checked = 0;
  for (const [model, acc, ntpot] of [['google/gemma-2-27b-it', 'nvidia-h100-80gb', 67], ['google/gemma-2-27b-it', 'nvidia-l4', 100],
    ['openai/gpt-oss-20b', 'nvidia-h100-80gb', 30], ['deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 'nvidia-tesla-a100', 72]] as const) {
    let a;
    try {
      const kv = AutoscalingMetric.KV_CACHE_UTILIZATION;
      a = resolve({ model, acceleratorType: acc, targetNtpotMilliseconds: ntpot, autoscalingMetric: kv }).autoscaling!;
    } catch (e) {
      expect((e as Error).message).toMatch(/not a usable signal|cannot be met|NTPOT/);
      continue;
    }
    checked++;
    expect(a.targetAverageValue).toBeLessThanOrEqual(a.valueAtOperatingPoint);
    expect(a.targetAverageValue).toBeGreaterThanOrEqual(0.049);
    expect(a.targetAverageValue).toBeLessThanOrEqual(maximumShareTarget());
    // a full cache takes the HPA past its tolerance
    expect(replicasAfter(a.targetAverageValue, 1, 10)).toBeGreaterThan(1);
  }
  expect(checked).toBeGreaterThan(0);
});

test('a headroom the start-up leaves low is said, with its cost and what would raise it', () => {
  // DeepSeek-R1 on 2 x 8 H100 downloaded from the hub starts in over two hours: the HPA acts at about a tenth of capacity
  const r = resolve({ model: 'deepseek-ai/DeepSeek-R1', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 200 });
  const hub = r.autoscaling!;
  expect(hub.headroom).toBeLessThan(0.3);
  expect(hub.explanation).toContain(`the HPA adds replicas at ${(hub.headroom * 100).toFixed(0)}% of a replica's operating throughput`);
  // the multiple is the resolution's own two cost figures' ratio
  const multiple = hub.costPerMillionOutputTokensAtTarget! / r.cost.costPerMillionOutputTokens!;
  expect(multiple).toBeGreaterThan(3);
  expect(hub.explanation).toContain(`the cost per token at the target is ${multiple.toFixed(1)}x the operating point's`);
  // on the queue the HPA holds replicas at the operating point: no low-headroom claim, whatever the start-up
  const queued = resolve({
    model: 'deepseek-ai/DeepSeek-R1',
    acceleratorType: 'nvidia-h100-80gb',
    targetNtpotMilliseconds: 200,
    autoscalingMetric: AutoscalingMetric.QUEUE_SIZE,
  }).autoscaling!;
  expect(queued.headroom).toBeLessThan(0.3);
  expect(queued.explanation).not.toMatch(/low headroom/);
  expect(hub.explanation).toMatch(/'modelBucketUri' instead of the hub download/);
  // a fast-starting replica says nothing of it
  const fast = resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100, modelBucketUri: 'gs://my-models/g' }).autoscaling!;
  expect(fast.headroom).toBeGreaterThan(0.3);
  expect(fast.explanation).not.toMatch(/low headroom/);
});

test('the running batch is the default metric at any target on GPUs: a queue HPA idles at minReplicas, then overshoots while replicas start', () => {
  // gpt-oss-20b on H100 at 1.1 s NTPOT tolerated a long queue and used to default to it
  for (const target of [1100, 1500, 3000]) {
    const r = resolve({ model: 'openai/gpt-oss-20b', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: target });
    expect(r.autoscaling!.metric).toBe(AutoscalingMetric.BATCH_SIZE);
  }
  // asked for, the queue HPA is still built
  const queue = resolve({ model: 'openai/gpt-oss-20b', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 1100, autoscalingMetric: AutoscalingMetric.QUEUE_SIZE });
  expect(queue.autoscaling!.metric).toBe(AutoscalingMetric.QUEUE_SIZE);
});
