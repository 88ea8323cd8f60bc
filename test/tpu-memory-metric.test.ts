import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { AutoscalingMetric, ClusterMode, InferenceResolver, OptimizedLlmServer, Resolution } from '../src';
import { expectValidManifests } from './support/k8s-validator';
import { kubectlValidate, kubectlValidateAvailable } from './support/kubectl-validate';
import { Catalog } from '../src/catalog/catalog';

// The TPU HBM signal (autoscalingMetric 'tpu-memory-used'): an External metric read from GKE's TPU device-plugin exporter.

const catalog = Catalog.EMBEDDED;
const BUCKET = 'gs://ckpt-bucket/final/unscanned/llama3.1-8b/0/checkpoints/0/items';
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const base = { model: MODEL, modelServer: 'jetstream', acceleratorType: 'tpu-v6e-slice', modelBucketUri: BUCKET };
const tpuMemory = { ...base, autoscalingMetric: AutoscalingMetric.TPU_MEMORY_USED };
const MIB = 2 ** 20;
const EXTERNAL_NAME = 'prometheus.googleapis.com|memory_used|gauge';

// NTPOT targets that resolve for Llama 3.1 8B on v6e (found by trying them): 8 ms takes a 2x4 slice, 12 ms a 2x2 slice,
// 20 / 24 / 28 ms one chip below saturation (the operating point is interpolated on the curve) and 2000 ms one chip at saturation
const ONE_CHIP_TARGETS = [20, 24, 28, 2000];
const ALL_TARGETS = [8, 12, ...ONE_CHIP_TARGETS];

function synth(props: ConstructorParameters<typeof OptimizedLlmServer>[2]): { server: OptimizedLlmServer; objects: any[] } {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'srv', props);
  return { server, objects: Testing.synth(chart) };
}
const ofKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);
const exporterMonitorings = (objects: any[]) => ofKind(objects, 'PodMonitoring').filter((o) => o.metadata.name === 'tpu-metrics-exporter');
const resolveAt = (targetNtpotMilliseconds: number): Resolution => InferenceResolver.resolve({ ...tpuMemory, targetNtpotMilliseconds });

/**
 * Strict validation, the exporter scrape included: its selector picks GKE's TPU device-plugin DaemonSet pods in kube-system, which
 * the chart does not synthesize; the validator exempts exactly that scrape, so every other object must still select our pods.
 */
function expectValidWithExporter(objects: any[]): void {
  expectValidManifests(objects);
  const exporter = objects.find((o) => o.kind === 'PodMonitoring' && o.metadata.namespace === 'kube-system');
  // the exemption is that narrow: the same scrape in the servers' namespace is a dangling selector
  if (exporter) {
    const moved = objects.map((o) => (o === exporter ? { ...o, metadata: { ...o.metadata, namespace: 'llm' } } : o));
    expect(() => expectValidManifests(moved)).toThrow(/matches no pod template/);
  }
}

/** Bytes of HBM per replica at a running batch, computed from the resolution's memory figures and the catalog's workload. */
function hbmBytesAt(r: Resolution, runningBatch: number): number {
  const w = catalog.defaultWorkload;
  const kvBytesPerToken = r.memory.kvCacheKibPerToken * 1024;
  return (r.memory.weightsGb + r.memory.runtimeOverheadGb) * 1e9 + runningBatch * (w.meanInputTokens + w.meanOutputTokens / 2) * kvBytesPerToken;
}

test('the HPA has one External metric: memory_used selected by container jetstream-http, a whole-byte AverageValue; manifests validate', () => {
  for (const clusterMode of [ClusterMode.STANDARD]) {
    const { server, objects } = synth({ ...tpuMemory, clusterMode, targetNtpotMilliseconds: 2000 });
    expectValidWithExporter(objects);
    const hpas = ofKind(objects, 'HorizontalPodAutoscaler');
    expect(hpas).toHaveLength(1);
    expect(hpas[0].spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: ofKind(objects, 'Deployment')[0].metadata.name });
    const metrics = hpas[0].spec.metrics;
    expect(metrics).toHaveLength(1);
    const [m] = metrics;
    expect(m.type).toBe('External');
    expect(m.pods).toBeUndefined();
    expect(m.external.metric.name).toBe(EXTERNAL_NAME);
    expect(m.external.metric.selector).toEqual({ matchLabels: { 'metric.labels.container': 'jetstream-http' } });
    expect(m.external.target.type).toBe('AverageValue');
    expect(m.external.target.value).toBeUndefined();
    const averageValue = m.external.target.averageValue;
    // bytes as a plain integer quantity: no milli suffix, no exponent, no decimal point
    expect(typeof averageValue).toBe('string');
    expect(averageValue).toMatch(/^[1-9]\d*$/);
    const a = server.resolution.autoscaling!;
    expect(Number(averageValue)).toBe(a.targetAverageValue);
    // more than a gigabyte: a model's weights, not a queue length or a share
    expect(Number(averageValue)).toBeGreaterThan(1e9);
    expect(a.metric).toBe(AutoscalingMetric.TPU_MEMORY_USED);
    expect(a.hpaMetricType).toBe('External');
    expect(server.horizontalPodAutoscaler).toBeDefined();
  }
});

const maybe = kubectlValidateAvailable() ? test : test.skip;
if (!kubectlValidateAvailable()) console.warn('kubectl is not on PATH: the kubectl cross-check of the TPU memory HPA is skipped on this machine');

maybe('kubectl accepts the External metric HPA with its selector and the kube-system exporter PodMonitoring', () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-tpu-memory-')) });
  const chart = new Chart(app, 'tpumem', { namespace: 'llm' });
  new OptimizedLlmServer(chart, 'a', { ...tpuMemory, name: 'llama-a', targetNtpotMilliseconds: 2000 });
  new OptimizedLlmServer(chart, 'b', { ...base, name: 'llama-b', targetNtpotMilliseconds: 20 });
  const objects = chart.toJson();
  expect(exporterMonitorings(objects)).toHaveLength(1);
  app.synth();
  const result = kubectlValidate([path.join(app.outdir, 'tpumem.k8s.yaml')])!;
  expect(result.output).toContain(`${objects.length} valid, 0 invalid`);
  expect(result.ok).toBe(true);
});

test('the target is physically sensible: between the weights and the slice\'s HBM, whole MiB, below the operating point\'s value', () => {
  for (const t of ALL_TARGETS) {
    const r = resolveAt(t);
    const a = r.autoscaling!;
    const target = a.targetAverageValue;
    const model = catalog.model(MODEL)!;
    const accelerator = catalog.accelerator(r.acceleratorType)!;
    const label = `${t} ms on ${r.acceleratorCount} x ${r.acceleratorType}`;
    expect({ label, family: accelerator.family }).toEqual({ label, family: 'tpu' });
    const weightsBytes = model.checkpointWeightsGb * 1e9;
    const sliceHbmBytes = accelerator.memoryGb * r.acceleratorCount * 1e9;
    expect({ label, atLeastWeights: target >= weightsBytes, atMostHbm: target <= sliceHbmBytes })
      .toEqual({ label, atLeastWeights: true, atMostHbm: true });
    // the HPA compares whole bytes: the target is rounded down to a MiB
    expect(Number.isInteger(target)).toBe(true);
    expect(target % MIB).toBe(0);
    // the headroom lowers the target below the value at the operating point
    expect(a.headroom).toBeGreaterThan(0);
    expect(a.headroom).toBeLessThan(1);
    expect(target).toBeLessThanOrEqual(a.valueAtOperatingPoint);
    // the weights and runtime reserve are resident even with no request running: the target is above that floor
    const floor = hbmBytesAt(r, 0);
    expect(target).toBeGreaterThan(floor - MIB);
    // at the operating point the running requests' KV cache fits in the share of HBM the server may use
    expect(a.valueAtOperatingPoint).toBeLessThanOrEqual(r.memory.acceleratorMemoryGb * r.memory.gpuMemoryUtilization * 1e9);
    // the running batch the target stands for: concurrency = throughput x time per token, and the time per token only grows with
    // load, so at headroom x the throughput the batch is at most headroom x the operating batch
    const rb = r.performance.runningBatchSize!;
    expect(rb).toBeGreaterThan(0);
    const batchAtTarget = (target - floor) / (hbmBytesAt(r, 1) - floor);
    expect(batchAtTarget).toBeGreaterThan(0);
    expect(batchAtTarget).toBeLessThanOrEqual(a.headroom * rb + 1e-6);
  }
});

test('a looser NTPOT target (a bigger operating batch) never gives a smaller memory target on the same slice', () => {
  const rs = ONE_CHIP_TARGETS.map(resolveAt);
  // same slice for every target, or the per-replica HBM would not be comparable
  expect(new Set(rs.map((r) => `${r.acceleratorCount} x ${r.acceleratorType}`)).size).toBe(1);
  for (let i = 1; i < rs.length; i++) {
    const [tighter, looser] = [rs[i - 1], rs[i]];
    expect(looser.performance.runningBatchSize!).toBeGreaterThanOrEqual(tighter.performance.runningBatchSize!);
    expect(looser.autoscaling!.targetAverageValue).toBeGreaterThanOrEqual(tighter.autoscaling!.targetAverageValue);
    expect(looser.autoscaling!.valueAtOperatingPoint).toBeGreaterThanOrEqual(tighter.autoscaling!.valueAtOperatingPoint);
  }
  // and the tightest and loosest really differ (the test would pass vacuously on a flat target)
  expect(rs[rs.length - 1].autoscaling!.targetAverageValue).toBeGreaterThan(rs[0].autoscaling!.targetAverageValue + 100 * MIB);
});

test('the value at the operating point is weights + runtime reserve + the running batch\'s KV cache at the mean context', () => {
  for (const t of [28, 2000]) {
    const r = resolveAt(t);
    const rb = r.performance.runningBatchSize;
    expect(rb).toBeDefined();
    // the memory figures come from the catalog model
    const model = catalog.model(MODEL)!;
    expect(r.memory.weightsGb).toBeCloseTo(model.checkpointWeightsGb, 6);
    expect(r.memory.kvCacheKibPerToken).toBeCloseTo(model.kvCacheKibPerTokenBf16, 6);
    const w = catalog.defaultWorkload;
    const contextTokens = w.meanInputTokens + w.meanOutputTokens / 2;
    const expected = r.memory.weightsGb * 1e9 + r.memory.runtimeOverheadGb * 1e9 + rb! * contextTokens * r.memory.kvCacheKibPerToken * 1024;
    const value = r.autoscaling!.valueAtOperatingPoint;
    expect(Math.abs(value - expected) / expected).toBeLessThan(0.01);
    // the KV cache term is not negligible: a wrong batch or token count would move the value by more than the tolerance
    expect((expected - hbmBytesAt(r, 0)) / expected).toBeGreaterThan(0.05);
  }
});

test('one kube-system/tpu-metrics-exporter PodMonitoring for the TPU-memory server; a second TPU-memory server in the app is refused', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const a = new OptimizedLlmServer(chart, 'a', { ...tpuMemory, name: 'llama-a', targetNtpotMilliseconds: 2000 });
  // the exporter's series carry no label of their server: a second HPA on them would count both servers' memory
  expect(() => new OptimizedLlmServer(chart, 'b', { ...tpuMemory, name: 'llama-b', targetNtpotMilliseconds: 20 }))
    .toThrow(/'autoscalingMetric' 'tpu-memory-used': OptimizedLlmServer 'llama-a' already scales on TPU memory/);
  const other = new Chart(chart.node.scope as any, 'd', { namespace: 'other' });
  expect(() => new OptimizedLlmServer(other, 'b', { ...tpuMemory, name: 'llama-b', targetNtpotMilliseconds: 20 })).toThrow(/already scales on TPU memory/);
  const objects = Testing.synth(chart);
  expectValidWithExporter(objects);
  expect(ofKind(objects, 'HorizontalPodAutoscaler').map((h) => h.spec.metrics[0].external.metric.name)).toEqual([EXTERNAL_NAME]);
  const exporters = ofKind(objects, 'PodMonitoring').filter((o) => o.metadata.namespace === 'kube-system');
  expect(exporters).toHaveLength(1);
  const [pm] = exporters;
  expect(pm.apiVersion).toBe('monitoring.googleapis.com/v1');
  expect(pm.metadata.name).toBe('tpu-metrics-exporter');
  expect(pm.spec.selector).toEqual({ matchLabels: { 'k8s-app': 'tpu-device-plugin' } });
  expect(pm.spec.endpoints).toHaveLength(1);
  expect(pm.spec.endpoints[0].port).toBe(2112);
  // the server's own PodMonitoring stays in its namespace
  expect(ofKind(objects, 'PodMonitoring').filter((o) => o.metadata.namespace === 'llm')).toHaveLength(1);
  expect(a.tpuMetricsMonitoring!.metadata.namespace).toBe('kube-system');

  // the default metric of the same server needs no exporter scrape
  const dflt = synth({ ...base, targetNtpotMilliseconds: 2000 });
  expectValidManifests(dflt.objects);
  expect(dflt.server.resolution.autoscaling!.metric).not.toBe(AutoscalingMetric.TPU_MEMORY_USED);
  expect(ofKind(dflt.objects, 'HorizontalPodAutoscaler')).toHaveLength(1);
  expect(ofKind(dflt.objects, 'PodMonitoring').filter((o) => o.metadata.namespace === 'kube-system')).toEqual([]);
  expect(exporterMonitorings(dflt.objects)).toEqual([]);
  expect(dflt.server.tpuMetricsMonitoring).toBeUndefined();
  // nor does the JetStream queue metric, nor a server without an HPA
  const queue = synth({ ...base, targetNtpotMilliseconds: 2000, autoscalingMetric: AutoscalingMetric.QUEUE_SIZE });
  expect(exporterMonitorings(queue.objects)).toEqual([]);
  const noHpa = synth(base);
  expect(ofKind(noHpa.objects, 'HorizontalPodAutoscaler')).toEqual([]);
  expect(exporterMonitorings(noHpa.objects)).toEqual([]);
});

test('a chart mixing a TPU-memory server with a default-metric server still has exactly one exporter scrape', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  new OptimizedLlmServer(chart, 'queue', { ...base, name: 'llama-queue', targetNtpotMilliseconds: 2000 });
  new OptimizedLlmServer(chart, 'mem', { ...tpuMemory, name: 'llama-mem', targetNtpotMilliseconds: 2000 });
  const objects = Testing.synth(chart);
  expectValidWithExporter(objects);
  expect(exporterMonitorings(objects)).toHaveLength(1);
  const types = ofKind(objects, 'HorizontalPodAutoscaler').map((h) => h.spec.metrics[0].type).sort();
  expect(types).toEqual(['External', 'Pods']);
});

test('tpu-memory-used is refused off JetStream and off TPUs, naming the prop; the DCGM error on JetStream offers it', () => {
  const vllmTpu = { model: 'google/gemma-2-9b-it', acceleratorType: 'tpu-v6e-slice', targetNtpotMilliseconds: 100 };
  const vllmGpu = { model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 100 };
  const TPU_MEMORY_USED = AutoscalingMetric.TPU_MEMORY_USED;
  const GPU_DUTY_CYCLE = AutoscalingMetric.GPU_DUTY_CYCLE;
  // vLLM on a TPU: no documented TPU memory signal for it
  const onVllmTpu = () => InferenceResolver.resolve({ ...vllmTpu, autoscalingMetric: TPU_MEMORY_USED });
  expect(onVllmTpu).toThrow(/'autoscalingMetric' 'tpu-memory-used'.*jetstream/i);
  // (the TPU message does not suggest the GPU metric)
  expect(onVllmTpu).not.toThrow(/gpu-duty-cycle/);
  // the construct surfaces the same error
  expect(() => synth({ ...vllmTpu, autoscalingMetric: TPU_MEMORY_USED })).toThrow(/'autoscalingMetric' 'tpu-memory-used'/);
  // a GPU: the hardware signal there is the DCGM duty cycle
  const onGpu = () => InferenceResolver.resolve({ ...vllmGpu, autoscalingMetric: TPU_MEMORY_USED });
  expect(onGpu).toThrow(/'autoscalingMetric' 'tpu-memory-used'/);
  expect(onGpu).toThrow(/'gpu-duty-cycle'/);
  // DCGM on a JetStream TPU server: refused, with the TPU memory signal as an alternative
  const dcgm = () => InferenceResolver.resolve({ ...base, targetNtpotMilliseconds: 2000, autoscalingMetric: GPU_DUTY_CYCLE });
  expect(dcgm).toThrow(/'autoscalingMetric' 'gpu-duty-cycle' reads the NVIDIA DCGM exporter/);
  expect(dcgm).toThrow(/'tpu-memory-used'/);
  // DCGM on vLLM on TPU is refused too, without offering a signal vLLM does not have
  const dcgmVllm = () => InferenceResolver.resolve({ ...vllmTpu, autoscalingMetric: GPU_DUTY_CYCLE });
  expect(dcgmVllm).toThrow(/'autoscalingMetric' 'gpu-duty-cycle' reads the NVIDIA DCGM exporter/);
  expect(dcgmVllm).not.toThrow(/tpu-memory-used/);
});

test('on Autopilot the signal is refused: its exporter scrape would go in the managed kube-system namespace', () => {
  expect(() => synth({ ...tpuMemory, clusterMode: ClusterMode.AUTOPILOT, targetNtpotMilliseconds: 2000 }))
    .toThrow(/'autoscalingMetric' 'tpu-memory-used' needs a PodMonitoring .* kube-system.*managed-namespaces-limitation.*'batch-size' or 'queue-size'/);
  // the server metrics stay available on Autopilot
  expect(() => synth({ ...base, clusterMode: ClusterMode.AUTOPILOT, targetNtpotMilliseconds: 2000 })).not.toThrow();
});

test('deployment notes name the External metric\'s selector, only when the HPA scales on TPU memory', () => {
  const { server } = synth({ ...tpuMemory, targetNtpotMilliseconds: 2000 });
  const lines = server.deploymentNotes.filter((n) => n.includes('metric.labels.container=jetstream-http'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(EXTERNAL_NAME);
  expect(lines[0]).toMatch(/External metric/);
  // the preallocation caveat names the target in GiB and the way out
  const caveat = server.deploymentNotes.filter((n) => n.includes('preallocates'));
  expect(caveat).toHaveLength(1);
  const gib = Number(/\(([\d.]+) GiB per replica\)/.exec(caveat[0])![1]);
  expect(gib).toBeCloseTo(server.resolution.autoscaling!.targetAverageValue / 2 ** 30, 1);
  expect(caveat[0]).toMatch(/scale on 'batch-size' or 'queue-size' instead/);
  const dflt = synth({ ...base, targetNtpotMilliseconds: 2000 });
  expect(dflt.server.deploymentNotes.some((n) => n.includes('metric.labels.container') || n.includes('preallocates'))).toBe(false);
});
