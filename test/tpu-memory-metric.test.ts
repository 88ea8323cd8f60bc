import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { AutoscalingMetric, ClusterMode, InferenceResolver, LlmServerAutoscaler, OptimizedLlmServer, ScaleTarget } from '../src';
import { expectValidManifests } from './support/k8s-validator';
import { kubectlValidate, kubectlValidateAvailable } from './support/kubectl-validate';
import { Catalog } from '../src/catalog/catalog';
import { jetstreamDecodeSlotsFor } from '../src/performance/decode-slots';

// The TPU HBM signal (autoscalingMetric 'tpu-memory-used'): an External metric read from GKE's TPU device-plugin exporter.
// MaxText preallocates the KV cache of every decode slot when the engine starts (MaxText/maxengine.py init_decode_state), so
// memory in use is flat in load: the resolver refuses to derive a target; LlmServerAutoscaler takes a measured one.

const catalog = Catalog.EMBEDDED;
const BUCKET = 'gs://ckpt-bucket/final/unscanned/llama3.1-8b/0/checkpoints/0/items';
// Llama 3.1 needs a MaxText engine newer than Google's maxengine-server:v0.2.2 (MaxText jetstream-v0.2.2 predates its config):
// an image the user built from a later MaxText
const ENGINE = 'us-docker.pkg.dev/my-project/inference/maxengine-server:maxtext-2024-10-09';
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const base = { model: MODEL, modelServer: 'jetstream', acceleratorType: 'tpu-v6e-slice', modelBucketUri: BUCKET };
const tpuMemory = { ...base, autoscalingMetric: AutoscalingMetric.TPU_MEMORY_USED };
const EXTERNAL_NAME = 'prometheus.googleapis.com|memory_used|gauge';
const MEASURED = 30 * 2 ** 30;

function synth(props: ConstructorParameters<typeof OptimizedLlmServer>[2]): { server: OptimizedLlmServer; objects: any[] } {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  // every single-host JetStream server here runs an engine image built from a MaxText that has the model's config
  const server = new OptimizedLlmServer(chart, 'srv', props.modelServer === 'jetstream' && props.image === undefined ? { ...props, image: ENGINE } : props);
  return { server, objects: Testing.synth(chart) };
}
const ofKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);
const exporterMonitorings = (objects: any[]) => ofKind(objects, 'PodMonitoring').filter((o) => o.metadata.name === 'tpu-metrics-exporter');
const memoryHpa = (chart: Chart, id: string, name: string) => new LlmServerAutoscaler(chart, id, {
  target: ScaleTarget.deployment(name), modelServer: 'jetstream', metric: AutoscalingMetric.TPU_MEMORY_USED, targetAverageValue: MEASURED,
});

test('the resolver refuses tpu-memory-used for JetStream: MaxText preallocates the KV cache of every decode slot, so memory is flat', () => {
  for (const t of [20, 2000]) {
    const refuse = () => InferenceResolver.resolve({ ...tpuMemory, targetNtpotMilliseconds: t });
    expect(refuse).toThrow(/'autoscalingMetric' 'tpu-memory-used' cannot drive scaling for JetStream: MaxText preallocates the KV cache of all \d+ decode slots/);
    expect(refuse).toThrow(/use 'queue-size' \(jetstream_prefill_backlog_size\) or 'batch-size'/);
  }
  // the slot count it names is the one the engine is given (per_device_batch_size x chips)
  const r = InferenceResolver.resolve({ ...base, targetNtpotMilliseconds: 2000 });
  const slots = jetstreamDecodeSlotsFor(catalog.model(MODEL)!, catalog.accelerator(r.acceleratorType)!, r.acceleratorCount, r.maxModelLength);
  expect(() => InferenceResolver.resolve({ ...tpuMemory, targetNtpotMilliseconds: 2000 })).toThrow(new RegExp(`all ${slots} decode slots`));
  // the construct surfaces the same error, and its default metric needs no exporter scrape
  expect(() => synth({ ...tpuMemory, targetNtpotMilliseconds: 2000 })).toThrow(/preallocates/);
  const dflt = synth({ ...base, targetNtpotMilliseconds: 2000 });
  expectValidManifests(dflt.objects);
  expect(dflt.server.resolution.autoscaling!.metric).not.toBe(AutoscalingMetric.TPU_MEMORY_USED);
  expect(exporterMonitorings(dflt.objects)).toEqual([]);
  expect(dflt.server.tpuMetricsMonitoring).toBeUndefined();
  expect(dflt.server.deploymentNotes.some((n) => n.includes('metric.labels.container') || n.includes('preallocates'))).toBe(false);
});

test('a measured target on LlmServerAutoscaler: External memory_used selected by container and namespace, whole bytes, one exporter scrape', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const a = memoryHpa(chart, 'a', 'llama-a');
  const objects = Testing.synth(chart);
  const [hpa] = ofKind(objects, 'HorizontalPodAutoscaler');
  const [m] = hpa.spec.metrics;
  expect(m.type).toBe('External');
  expect(m.external.metric.name).toBe(EXTERNAL_NAME);
  // Google's module selects the container and the serving pods' namespace (GMP's exported_namespace): ai-on-gke @8676d66d
  expect(m.external.metric.selector).toEqual({ matchLabels: { 'metric.labels.container': 'jetstream-http', 'metric.labels.exported_namespace': 'llm' } });
  expect(m.external.target).toEqual({ type: 'AverageValue', averageValue: String(MEASURED) });
  expect(a.targetAverageValue).toBe(MEASURED);
  // the chart without a namespace: the objects go to 'default', and so does the selector
  const bare = new Chart(Testing.app(), 'bare');
  memoryHpa(bare, 'a', 'llama-a');
  expect(ofKind(Testing.synth(bare), 'HorizontalPodAutoscaler')[0].spec.metrics[0].external.metric.selector.matchLabels['metric.labels.exported_namespace'])
    .toBe('default');
  // one scrape of GKE's exporter, in kube-system
  const exporters = exporterMonitorings(objects);
  expect(exporters).toHaveLength(1);
  expect(exporters[0].metadata.namespace).toBe('kube-system');
  expect(exporters[0].spec.selector).toEqual({ matchLabels: { 'k8s-app': 'tpu-device-plugin' } });
  expect(exporters[0].spec.endpoints[0].port).toBe(2112);
  // a second TPU-memory HPA in the app is refused
  expect(() => memoryHpa(chart, 'b', 'llama-b')).toThrow(/already scales on TPU memory in namespace llm/);
  // another namespace's series are apart (the selector names the namespace): accepted in the same app
  const elsewhere = new Chart(chart.node.scope as App, 'other', { namespace: 'team-b' });
  memoryHpa(elsewhere, 'b', 'llama-b');
  expect(() => (chart.node.scope as App).synth()).not.toThrow();
  expect(ofKind(Testing.synth(elsewhere), 'HorizontalPodAutoscaler')[0].spec.metrics[0].external.metric.selector.matchLabels['metric.labels.exported_namespace'])
    .toBe('team-b');
  // the notes state the preallocation (not "if"), the measured target in GiB, and the way out
  const caveat = a.deploymentNotes.filter((n) => n.includes('preallocates'));
  expect(caveat).toHaveLength(1);
  expect(caveat[0]).toMatch(/MaxText preallocates the KV cache of every decode slot/);
  expect(caveat[0]).not.toMatch(/If the engine/);
  expect(caveat[0]).toContain('(30.0 GiB per replica)');
  expect(caveat[0]).toMatch(/'queue-size' \(jetstream_prefill_backlog_size\) follows load/);
  expect(a.deploymentNotes.some((n) => n.includes('metric.labels.exported_namespace=llm'))).toBe(true);
});

const maybe = kubectlValidateAvailable() ? test : test.skip;
if (!kubectlValidateAvailable()) console.warn('kubectl is not on PATH: the kubectl cross-check of the TPU memory HPA is skipped on this machine');

maybe('kubectl accepts the External metric HPA with its selector and the kube-system exporter PodMonitoring', () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-tpu-memory-')) });
  const chart = new Chart(app, 'tpumem', { namespace: 'llm' });
  memoryHpa(chart, 'a', 'llama-a');
  const objects = chart.toJson();
  expect(exporterMonitorings(objects)).toHaveLength(1);
  app.synth();
  const result = kubectlValidate([path.join(app.outdir, 'tpumem.k8s.yaml')])!;
  expect(result.output).toContain(`${objects.length} valid, 0 invalid`);
  expect(result.ok).toBe(true);
});

test('tpu-memory-used is refused off JetStream and off TPUs, naming the prop; the GPU duty cycle is refused everywhere', () => {
  const vllmTpu = { model: 'google/gemma-2-9b-it', acceleratorType: 'tpu-v6e-slice', targetNtpotMilliseconds: 100 };
  const vllmGpu = { model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 100 };
  const onVllmTpu = () => InferenceResolver.resolve({ ...vllmTpu, autoscalingMetric: AutoscalingMetric.TPU_MEMORY_USED });
  expect(onVllmTpu).toThrow(/'autoscalingMetric' 'tpu-memory-used'.*jetstream/i);
  expect(onVllmTpu).not.toThrow(/gpu-duty-cycle/);
  expect(() => synth({ ...vllmTpu, autoscalingMetric: AutoscalingMetric.TPU_MEMORY_USED })).toThrow(/'autoscalingMetric' 'tpu-memory-used'/);
  const onGpu = () => InferenceResolver.resolve({ ...vllmGpu, autoscalingMetric: AutoscalingMetric.TPU_MEMORY_USED });
  expect(onGpu).toThrow(/'autoscalingMetric' 'tpu-memory-used'.*set 'modelServer' 'jetstream'/);
  // the duty cycle is no alternative: refused on a JetStream TPU server and on vLLM on TPU alike
  for (const req of [{ ...base, targetNtpotMilliseconds: 2000 }, vllmTpu, vllmGpu]) {
    expect(() => InferenceResolver.resolve({ ...req, autoscalingMetric: AutoscalingMetric.GPU_DUTY_CYCLE }))
      .toThrow(/'autoscalingMetric' 'gpu-duty-cycle' is refused/);
  }
  // on Autopilot the server metrics stay available
  expect(() => synth({ ...base, clusterMode: ClusterMode.AUTOPILOT, targetNtpotMilliseconds: 2000 })).not.toThrow();
});
