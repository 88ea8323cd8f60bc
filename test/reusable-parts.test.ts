import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import {
  AutoscalingMetric, CloudStorageFuseModel, HuggingFaceToken, InferenceResolver, LlmServerAutoscaler, LlmServerMonitoring, OptimizedLlmServer,
  ScaleTarget,
  XlaCompilationCache,
} from '../src';
import { expectValidManifests, parseQuantity } from './support/k8s-validator';
import { PodMonitoring, PodMonitoringSpecEndpointsPort } from '../src/imports/monitoring.googleapis.com';

// The parts OptimizedLlmServer is composed of, used on their own around workloads a user wrote. The expected metric names,
// types, ports and paths are GKE's published manifests (gke-inference-quickstart.md sections 2.4-2.8).

const chart = () => new Chart(Testing.app(), 'c', { namespace: 'llm' });
const byKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);

/** The pod template of a vLLM TPU Deployment written by hand, as in GKE's vLLM TPU tutorial. */
function userTemplate(name = 'my-vllm'): k8s.PodTemplateSpec {
  const q = (v: string) => k8s.Quantity.fromString(v);
  const amounts = { 'cpu': q('4'), 'memory': q('16Gi'), 'ephemeral-storage': q('50Gi'), 'google.com/tpu': q('8') };
  return {
    metadata: { labels: { app: name } },
    spec: {
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      automountServiceAccountToken: false,
      nodeSelector: { 'cloud.google.com/gke-tpu-accelerator': 'tpu-v6e-slice', 'cloud.google.com/gke-tpu-topology': '2x4' },
      containers: [{
        name: 'inference-server',
        image: 'vllm/vllm-tpu:v0.11.1',
        command: ['python3', '-m', 'vllm.entrypoints.openai.api_server'],
        args: ['--model=google/gemma-3-27b-it', '--port=8000'],
        ports: [{ name: 'http', containerPort: 8000 }],
        resources: { requests: amounts, limits: amounts },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      }],
    },
  };
}

function userDeployment(scope: Chart, name = 'my-vllm'): k8s.KubeDeployment {
  return new k8s.KubeDeployment(scope, 'UserDeployment', {
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: userTemplate(name) },
  });
}

describe('LlmServerAutoscaler', () => {
  test('a target\'s images name its server: a TGI or JetStream workload is scaled on its own series, and a contradicting modelServer is refused', () => {
    const metricOf = (image: string, props: { modelServer?: string } = {}) => {
      const c = chart();
      const deployment = new k8s.KubeDeployment(c, 'D', {
        metadata: { name: 'srv' },
        spec: { selector: { matchLabels: { app: 'srv' } }, template: { metadata: { labels: { app: 'srv' } }, spec: { containers: [{ name: 's', image }] } } },
      });
      new LlmServerAutoscaler(c, 'Hpa', { target: ScaleTarget.fromApiObject(deployment), metric: AutoscalingMetric.QUEUE_SIZE, targetAverageValue: 5, ...props });
      return byKind(Testing.synth(c), 'HorizontalPodAutoscaler')[0].spec.metrics[0].pods.metric.name;
    };
    // TGI exports tgi_queue_size (text-generation-inference v3.0.1 backends/v3/src/queue.rs), never vllm:num_requests_waiting
    expect(metricOf('ghcr.io/huggingface/text-generation-inference:3.0.1')).toBe('prometheus.googleapis.com|tgi_queue_size|gauge');
    // from a private registry with a port, and by digest
    expect(metricOf('registry.local:5000/huggingface/text-generation-inference:3.0.1')).toBe('prometheus.googleapis.com|tgi_queue_size|gauge');
    expect(metricOf('registry.local:5000/huggingface/text-generation-inference@sha256:0123')).toBe('prometheus.googleapis.com|tgi_queue_size|gauge');
    expect(metricOf('us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-http:v0.2.2'))
      .toBe('prometheus.googleapis.com|jetstream_prefill_backlog_size|gauge');
    expect(metricOf('vllm/vllm-openai:v0.12.0')).toBe('prometheus.googleapis.com|vllm:num_requests_waiting|gauge');
    // an image the library does not know keeps the vLLM default
    expect(metricOf('example.com/my-server:1')).toBe('prometheus.googleapis.com|vllm:num_requests_waiting|gauge');
    expect(() => metricOf('ghcr.io/huggingface/text-generation-inference:3.0.1', { modelServer: 'vllm' }))
      .toThrow(/^'modelServer' 'vllm' contradicts the target's images \(ghcr\.io\/huggingface\/text-generation-inference:3\.0\.1\), which run tgi/);
  });

  test('one HPA per workload: a second autoscaler on a target, or one on a server that has its own, is refused (the controller would stop both)', () => {
    const c = chart();
    const deployment = userDeployment(c);
    new LlmServerAutoscaler(c, 'Hpa', { target: ScaleTarget.fromApiObject(deployment), metric: AutoscalingMetric.QUEUE_SIZE, targetAverageValue: 10 });
    expect(() => new LlmServerAutoscaler(c, 'Hpa2', {
      name: 'other', target: ScaleTarget.deployment('my-vllm'), metric: AutoscalingMetric.BATCH_SIZE, targetAverageValue: 8,
    })).toThrow(/^'target': Deployment my-vllm is already scaled by the HPA 'my-vllm' in this app; .*kubernetes\/kubernetes#112011/);
    // the same name in another namespace, or another kind of that name, is another workload
    const other = new Chart(c.node.scope as App, 'other', { namespace: 'elsewhere' });
    expect(() => new LlmServerAutoscaler(other, 'Hpa', { target: ScaleTarget.deployment('my-vllm'), metric: AutoscalingMetric.QUEUE_SIZE, targetAverageValue: 10 }))
      .not.toThrow();
    expect(() => new LlmServerAutoscaler(c, 'Lws', { name: 'lws', target: ScaleTarget.leaderWorkerSet('my-vllm'), metric: AutoscalingMetric.QUEUE_SIZE, targetAverageValue: 10 }))
      .not.toThrow();
    // a server with a latency target has its HPA already
    const s = chart();
    const server = new OptimizedLlmServer(s, 'srv', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100 });
    expect(() => new LlmServerAutoscaler(s, 'Extra', {
      name: 'extra', target: ScaleTarget.deployment(server.name), metric: AutoscalingMetric.QUEUE_SIZE, targetAverageValue: 10,
    })).toThrow(new RegExp(`^'target': Deployment ${server.name} is already scaled by the HPA '${server.name}'`));
  });

  test('fromApiObject: an object without a scale subresource, or in another namespace, is refused (the HPA could never scale it)', () => {
    const c = chart();
    const service = new k8s.KubeService(c, 'Svc', { metadata: { name: 'my-vllm' }, spec: { ports: [{ port: 8000 }] } });
    expect(() => ScaleTarget.fromApiObject(service)).toThrow(/^ScaleTarget\.fromApiObject: a Service has no scale subresource/);
    const elsewhere = new Chart(c.node.scope as App, 'other', { namespace: 'elsewhere' });
    const deployment = userDeployment(elsewhere);
    expect(() => new LlmServerAutoscaler(c, 'Hpa', { target: ScaleTarget.fromApiObject(deployment), metric: AutoscalingMetric.QUEUE_SIZE, targetAverageValue: 10 }))
      .toThrow(/^'target': Deployment my-vllm is in namespace 'elsewhere' and this HPA in 'llm'/);
    expect(() => new LlmServerAutoscaler(elsewhere, 'Hpa', { target: ScaleTarget.fromApiObject(deployment), metric: AutoscalingMetric.QUEUE_SIZE, targetAverageValue: 10 }))
      .not.toThrow();
  });

  test('takes spec.replicas off the object it scales, which every kubectl apply would otherwise reset (Kubernetes HPA guide)', () => {
    const c = chart();
    const deployment = new k8s.KubeDeployment(c, 'UserDeployment', {
      metadata: { name: 'my-vllm' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'my-vllm' } }, template: userTemplate('my-vllm') },
    });
    const hpa = new LlmServerAutoscaler(c, 'Hpa', {
      target: ScaleTarget.fromApiObject(deployment), metric: AutoscalingMetric.QUEUE_SIZE, targetAverageValue: 10,
    });
    const [d] = byKind(Testing.synth(c), 'Deployment');
    expect(d.spec).not.toHaveProperty('replicas');
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'my-vllm' } });
    const note = hpa.deploymentNotes.find((n) => n.includes('spec.replicas'));
    expect(note).toContain('spec.replicas (3) is removed from Deployment my-vllm');
    expect(note).toContain('kubectl apply edit-last-applied');

    // without spec.replicas nothing is patched or said; an object of a kind without spec still renders
    const c2 = chart();
    const plain = userDeployment(c2);
    const quiet = new LlmServerAutoscaler(c2, 'Hpa', {
      target: ScaleTarget.fromApiObject(plain), metric: AutoscalingMetric.QUEUE_SIZE, targetAverageValue: 10,
    });
    expect(quiet.deploymentNotes.some((n) => n.includes('spec.replicas'))).toBe(false);
    expect(byKind(Testing.synth(c2), 'Deployment')[0].spec).not.toHaveProperty('replicas');
    // a target named by hand is not touched: the object may live elsewhere
    const c3 = chart();
    const own = new k8s.KubeDeployment(c3, 'UserDeployment', {
      metadata: { name: 'my-vllm' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'my-vllm' } }, template: userTemplate('my-vllm') },
    });
    new LlmServerAutoscaler(c3, 'Hpa', { target: ScaleTarget.deployment(own.name), metric: AutoscalingMetric.QUEUE_SIZE, targetAverageValue: 10 });
    expect(byKind(Testing.synth(c3), 'Deployment')[0].spec.replicas).toBe(2);
  });

  test('scales a hand-written vLLM Deployment on the queue, as GKE\'s vLLM TPU sample does (AverageValue 10, 1..2 replicas)', () => {
    const c = chart();
    const deployment = userDeployment(c);
    const hpa = new LlmServerAutoscaler(c, 'Hpa', {
      target: ScaleTarget.fromApiObject(deployment), metric: AutoscalingMetric.QUEUE_SIZE, targetAverageValue: 10, maxReplicas: 2,
    });
    const objects = Testing.synth(c);
    const [h] = byKind(objects, 'HorizontalPodAutoscaler');
    expect(h.apiVersion).toBe('autoscaling/v2');
    expect(h.metadata.name).toBe('my-vllm');
    expect(h.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'my-vllm' });
    expect([h.spec.minReplicas, h.spec.maxReplicas]).toEqual([1, 2]);
    expect(h.spec.metrics).toEqual([{
      type: 'Pods',
      pods: { metric: { name: 'prometheus.googleapis.com|vllm:num_requests_waiting|gauge' }, target: { type: 'AverageValue', averageValue: expect.any(String) } },
    }]);
    expect(parseQuantity(h.spec.metrics[0].pods.target.averageValue)).toBe(10);
    expect(hpa.metricName).toBe('prometheus.googleapis.com|vllm:num_requests_waiting|gauge');
    // fast up, slow down: no scale-up window; at least 5 minutes before scaling down (Kubernetes' default scale-down window)
    expect(h.spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(h.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(300);
    expectValidManifests(objects);
  });

  test.each([
    ['tgi', AutoscalingMetric.QUEUE_SIZE, 'Pods', 'prometheus.googleapis.com|tgi_queue_size|gauge'],
    ['tgi', AutoscalingMetric.BATCH_SIZE, 'Pods', 'prometheus.googleapis.com|tgi_batch_current_size|gauge'],
    ['jetstream', AutoscalingMetric.QUEUE_SIZE, 'Pods', 'prometheus.googleapis.com|jetstream_prefill_backlog_size|gauge'],
  ])('%s on %s reads %s %s (GKE\'s manifests)', (modelServer, metric, type, name) => {
    const c = chart();
    new LlmServerAutoscaler(c, 'Hpa', { target: ScaleTarget.deployment('srv'), modelServer, metric, targetAverageValue: metric === AutoscalingMetric.BATCH_SIZE ? 0.5 : 5 });
    const [h] = byKind(Testing.synth(c), 'HorizontalPodAutoscaler');
    expect(h.spec.metrics[0].type).toBe(type);
    expect((h.spec.metrics[0].pods ?? h.spec.metrics[0].external).metric.name).toBe(name);
  });

  test('JetStream on TPU memory: External memory_used selected by container jetstream-http and namespace, and the kube-system exporter scrape', () => {
    const c = chart();
    const hpa = new LlmServerAutoscaler(c, 'Hpa', {
      target: ScaleTarget.deployment('maxengine-server'), modelServer: 'jetstream', metric: AutoscalingMetric.TPU_MEMORY_USED, targetAverageValue: 30 * 2 ** 30,
    });
    const objects = Testing.synth(c);
    const [h] = byKind(objects, 'HorizontalPodAutoscaler');
    expect(h.spec.metrics[0].external.metric).toEqual({
      name: 'prometheus.googleapis.com|memory_used|gauge',
      selector: { matchLabels: { 'metric.labels.container': 'jetstream-http', 'metric.labels.exported_namespace': 'llm' } },
    });
    expect(h.spec.metrics[0].external.target.averageValue).toBe(String(30 * 2 ** 30));
    const exporter = byKind(objects, 'PodMonitoring').find((o) => o.metadata.namespace === 'kube-system');
    expect(exporter.spec).toEqual({ selector: { matchLabels: { 'k8s-app': 'tpu-device-plugin' } }, endpoints: [{ port: 2112, interval: '15s' }] });
    expect(hpa.tpuMetricsMonitoring).toBeDefined();
    // the notes: the adapter, the External selector's caveat, and the TPU memory caveat with the target in GiB
    expect(hpa.deploymentNotes[0]).toMatch(/reads prometheus.googleapis.com\|memory_used\|gauge through the Custom Metrics Stackdriver Adapter/);
    expect(hpa.deploymentNotes.join('\n')).toMatch(/selected only by metric.labels.container=jetstream-http, metric.labels.exported_namespace=llm/);
    expect(hpa.deploymentNotes.join('\n')).toMatch(/MaxText preallocates the KV cache of every decode slot.*the target \(30.0 GiB per replica\) must come from measuring/);
    // a second HPA on the same unlabelled series, on its own or a server's, in either order, is refused
    const tpuHpa = { modelServer: 'jetstream', metric: AutoscalingMetric.TPU_MEMORY_USED, targetAverageValue: 30 * 2 ** 30 };
    expect(() => new LlmServerAutoscaler(c, 'Hpa2', { ...tpuHpa, target: ScaleTarget.deployment('other') }))
      .toThrow(/the HPA 'maxengine-server' already scales on TPU memory.*Scale 'other' on 'queue-size' or 'batch-size' instead/);
  });

  test('from a resolution: the same HPA the server emits; a LeaderWorkerSet target', () => {
    const props = { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100 };
    const c = chart();
    const server = new OptimizedLlmServer(c, 'srv', { ...props, name: 'srv' });
    const resolution = InferenceResolver.resolve(props);
    // beside a hand-written Deployment of that name in another app (one workload takes one HPA)
    const own = chart();
    new LlmServerAutoscaler(own, 'Mine', { target: ScaleTarget.deployment('srv'), name: 'mine', resolution, labels: { app: 'srv' } });
    new LlmServerAutoscaler(c, 'Lws', { target: ScaleTarget.leaderWorkerSet('group'), resolution });
    const hpas = [...byKind(Testing.synth(c), 'HorizontalPodAutoscaler'), ...byKind(Testing.synth(own), 'HorizontalPodAutoscaler')];
    const [ours, mine, lws] = ['srv', 'mine', 'group'].map((n) => hpas.find((h) => h.metadata.name === n));
    expect(mine.spec).toEqual(ours.spec);
    expect(server.autoscaler!.metricName).toBe(resolution.autoscaling!.hpaMetricName);
    // the server's notes carry its autoscaler's
    expect(server.autoscaler!.deploymentNotes.every((n) => server.deploymentNotes.includes(n))).toBe(true);
    expect(lws.spec.scaleTargetRef).toEqual({ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'group' });
  });

  test('bad input names the prop and what works', () => {
    const make = (p: any) => () => new LlmServerAutoscaler(chart(), 'Hpa', p);
    expect(make({ metric: AutoscalingMetric.QUEUE_SIZE, targetAverageValue: 5 })).toThrow(/'target' is required/);
    expect(make({ target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' }, targetAverageValue: 5 })).toThrow(/'target' must be made with ScaleTarget/);
    expect(make({ target: ScaleTarget.deployment('x') })).toThrow(/'targetAverageValue' is required without 'resolution'/);
    expect(make({ target: ScaleTarget.deployment('x'), modelServer: 'triton', targetAverageValue: 5 })).toThrow(/'modelServer' 'triton'.*'vllm', 'tgi', 'jetstream'/);
    expect(make({ target: ScaleTarget.deployment('x'), modelServer: 'tgi', metric: AutoscalingMetric.KV_CACHE_UTILIZATION, targetAverageValue: 0.5 }))
      .toThrow(/exports no KV-cache gauge/);
    expect(make({ target: ScaleTarget.deployment('x'), metric: AutoscalingMetric.TPU_MEMORY_USED, targetAverageValue: 5 })).toThrow(/JetStream/);
    expect(make({ target: ScaleTarget.deployment('x'), minReplicas: 4, maxReplicas: 2, targetAverageValue: 5 })).toThrow(/'minReplicas' \(4\)/);
    const resolution = InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4' });
    expect(make({ target: ScaleTarget.deployment('x'), resolution })).toThrow(/'resolution' has no autoscaling/);
    expect(make({ target: ScaleTarget.deployment('x'), resolution, targetAverageValue: 3 })).toThrow(/'targetAverageValue' cannot be set with 'resolution'/);
    expect(() => ScaleTarget.deployment('Not_A_Name')).toThrow(/DNS-1123/);
    // what a plain-JavaScript caller can pass, refused before it becomes YAML the API server rejects
    const x = ScaleTarget.deployment('x');
    expect(make({ target: x, targetAverageValue: 5, labels: { a: 5 } })).toThrow(/'labels' value of 'a' must be a string, got number 5/);
    expect(make({ target: x, targetAverageValue: 0.0004 })).toThrow(/'targetAverageValue' 0.0004 is below 0.001/);
    // a target the HPA's thousandths would round (0.0015 was emitted as 2m while the part reported 0.0015)
    expect(make({ target: x, targetAverageValue: 0.0015 })).toThrow(/'targetAverageValue' 0.0015 is not a whole number of thousandths.*written 2m = 0.002/);
    expect(make({ target: x, targetAverageValue: 2.3456 })).toThrow(/give e.g. 2.346/);
    // whole bytes of a million or more are written as they are
    expect(make({ target: x, modelServer: 'jetstream', metric: AutoscalingMetric.TPU_MEMORY_USED, targetAverageValue: 1234567 })).not.toThrow();
    // a bounded share above 1 / 1.1 can never scale up (a full share reads at most 1 / target <= 1.1): refused, naming the prop
    expect(make({ target: x, modelServer: 'jetstream', metric: AutoscalingMetric.BATCH_SIZE, targetAverageValue: 0.95 }))
      .toThrow(/'targetAverageValue' 0.95: jetstream's jetstream_slots_used_percentage .* is at most 1 .* above 0.909 can never scale up; use at most 0.86/);
    expect(make({ target: x, metric: AutoscalingMetric.KV_CACHE_UTILIZATION, targetAverageValue: 0.95 })).toThrow(/the KV-cache utilisation is at most 1/);
    expect(make({ target: x, metric: AutoscalingMetric.KV_CACHE_UTILIZATION, targetAverageValue: 0.9 })).not.toThrow();
    // vLLM's running batch never exceeds --max-num-seqs (1024 at most by default): a target above it never scales up
    expect(make({ target: x, metric: AutoscalingMetric.BATCH_SIZE, targetAverageValue: 100000 }))
      .toThrow(/^'targetAverageValue' 100000: vllm:num_requests_running is at most vLLM's --max-num-seqs \(256 by default, 1024 on GPUs of 70 GiB or more\)/);
    expect(make({ target: x, metric: AutoscalingMetric.BATCH_SIZE, targetAverageValue: 64 })).not.toThrow();
    // the GPU duty cycle is refused with the reason and what to use
    expect(make({ target: x, metric: AutoscalingMetric.GPU_DUTY_CYCLE, targetAverageValue: 50 }))
      .toThrow(/^'metric' 'gpu-duty-cycle' is refused: .*use 'batch-size' or 'queue-size'\.$/);
    expect(make({ target: x, targetAverageValue: 1e30 })).toThrow(/'targetAverageValue'/);
    // a class instance is no label map (a HuggingFaceToken gave its fields as labels)
    expect(make({ target: x, targetAverageValue: 5, labels: HuggingFaceToken.fromSecret('hf-secret') })).toThrow(/'labels' must be a map of label keys to strings, got HuggingFaceToken/);
    expect(make({ target: x, resolution: null })).toThrow(/'resolution' \(from InferenceResolver.resolve\) must be an object/);
    const targeted = InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 200 });
    const reloaded = JSON.parse(JSON.stringify(targeted));
    delete reloaded.autoscaling.targetAverageValue;
    expect(make({ target: x, resolution: reloaded })).toThrow(/'resolution'.autoscaling lacks its hpaMetricName, hpaMetricType or a positive targetAverageValue/);
    expect(() => ScaleTarget.of('not a version', 'Deployment', 'x')).toThrow(/^ScaleTarget\.of: 'apiVersion' 'not a version' is not an API version/);
    expect(() => ScaleTarget.of('apps/v1', 'Bad Kind;', 'x')).toThrow(/^ScaleTarget\.of: 'kind' 'Bad Kind;' is not a kind/);
    expect(() => (ScaleTarget as any).deployment(1)).toThrow(/^ScaleTarget\.deployment: 'name' is required: a string such as 'gemma-server', got number 1\.$/);
    expect(() => ScaleTarget.leaderWorkerSet('Bad_Name')).toThrow(/^ScaleTarget\.leaderWorkerSet: 'name' 'Bad_Name' is not a Kubernetes object name/);
    expect(ScaleTarget.of('v1', 'ReplicationController', 'x').apiVersion).toBe('v1');
  });

  test('the KV-cache gauge follows vLLM\'s rename (0.9.2): vllm:gpu_cache_usage_perc before, vllm:kv_cache_usage_perc after', () => {
    const name = (modelServerVersion?: string) => new LlmServerAutoscaler(chart(), 'Hpa', {
      target: ScaleTarget.deployment('x'), metric: AutoscalingMetric.KV_CACHE_UTILIZATION, targetAverageValue: 0.5, modelServerVersion,
    }).metricName;
    expect(name('v0.7.2')).toBe('prometheus.googleapis.com|vllm:gpu_cache_usage_perc|gauge');
    expect(name()).toBe('prometheus.googleapis.com|vllm:kv_cache_usage_perc|gauge');
  });

  test('a target given as its object: the KV-cache gauge is the one its vLLM image\'s release exports', () => {
    // vLLM 0.9.0 and 0.9.1 export only vllm:gpu_cache_usage_perc (renamed in 0.9.2, vllm-project/vllm#18354); 0.12 only the new name
    const made = (image: string, modelServerVersion?: string) => {
      const c = chart();
      const template = userTemplate('my-vllm');
      template.spec!.containers[0] = { ...template.spec!.containers[0], image };
      const d = new k8s.KubeDeployment(c, 'UserDeployment', {
        metadata: { name: 'my-vllm' }, spec: { selector: { matchLabels: { app: 'my-vllm' } }, template },
      });
      return new LlmServerAutoscaler(c, 'Hpa', {
        target: ScaleTarget.fromApiObject(d), metric: AutoscalingMetric.KV_CACHE_UTILIZATION, targetAverageValue: 0.5, modelServerVersion,
      });
    };
    const gauge = (a: LlmServerAutoscaler) => /\|(vllm:[a-z_]+)\|/.exec(a.metricName)![1];
    expect(gauge(made('vllm/vllm-openai:v0.9.1'))).toBe('vllm:gpu_cache_usage_perc');
    expect(gauge(made('docker.io/vllm/vllm-openai:v0.8.5'))).toBe('vllm:gpu_cache_usage_perc');
    expect(gauge(made('vllm/vllm-openai:v0.6.3'))).toBe('vllm:gpu_cache_usage_perc');
    expect(gauge(made('vllm/vllm-openai:v0.10.2'))).toBe('vllm:kv_cache_usage_perc');
    expect(gauge(made('vllm/vllm-tpu:v0.11.1'))).toBe('vllm:kv_cache_usage_perc');
    const old = made('vllm/vllm-openai:v0.8.5');
    expect(old.deploymentNotes.join('\n')).toMatch(/KV-cache gauge of the target's image docker\.io\/vllm\/vllm-openai:v0\.8\.5|KV-cache gauge of the target's image vllm\/vllm-openai:v0\.8\.5/);
    // no release in the tag: the newest name, and nothing said; an explicit version wins over the image
    const latest = made('vllm/vllm-openai:latest');
    expect(gauge(latest)).toBe('vllm:kv_cache_usage_perc');
    expect(latest.deploymentNotes.some((n) => n.includes('KV-cache gauge of the target'))).toBe(false);
    expect(gauge(made('vllm/vllm-openai:v0.8.5', 'v0.12.0'))).toBe('vllm:kv_cache_usage_perc');
  });
});

describe('LlmServerMonitoring', () => {
  test.each([
    ['vllm', 8000, '/metrics'],
    ['tgi', 8000, '/metrics'],
    ['jetstream', 9100, '/'],
  ])('%s: scrapes port %d path %s every 15 s (GKE\'s PodMonitorings)', (modelServer, port, path) => {
    const c = chart();
    new LlmServerMonitoring(c, 'M', { name: 'srv', selector: { app: 'srv' }, modelServer });
    const [pm] = byKind(Testing.synth(c), 'PodMonitoring');
    expect(pm.apiVersion).toBe('monitoring.googleapis.com/v1');
    // vLLM's LoRA info gauge grows a series per adapter combination and never drops them (vllm/v1/metrics/loggers.py): not ingested
    const drop = modelServer === 'vllm' ? { metricRelabeling: [{ action: 'drop', sourceLabels: ['__name__'], regex: 'vllm:lora_requests_info' }] } : {};
    expect(pm.spec).toEqual({ selector: { matchLabels: { app: 'srv' } }, endpoints: [{ port, path, interval: '15s', ...drop }] });
  });

  test('the server composes it; the TPU exporter scrape once per chart; bad input refused', () => {
    const c = chart();
    const server = new OptimizedLlmServer(c, 'srv', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4' });
    expect(server.podMonitoring).toBe(server.monitoring.podMonitoring);
    expect(server.monitoring.deploymentNotes.every((n) => server.deploymentNotes.includes(n))).toBe(true);
    const a = new LlmServerMonitoring(c, 'A', { name: 'a', selector: { app: 'a' }, tpuMetrics: true });
    const b = new LlmServerMonitoring(c, 'B', { name: 'b', selector: { app: 'b' }, tpuMetrics: true });
    expect(a.tpuMetricsMonitoring).toBe(b.tpuMetricsMonitoring);
    expect(byKind(Testing.synth(c), 'PodMonitoring').filter((o) => o.metadata.namespace === 'kube-system')).toHaveLength(1);
    expect(() => new LlmServerMonitoring(chart(), 'M', { name: 'x', selector: {} })).toThrow(/'selector' must name at least one label/);
    expect(() => new LlmServerMonitoring(chart(), 'M', { name: 'x', selector: { app: 'x' }, port: 70000 })).toThrow(/'port'/);
    const L: any = LlmServerMonitoring;
    expect(() => new L(chart(), 'M', { name: 'x', selector: { app: 5 } })).toThrow(/'selector' value of 'app' must be a string/);
    expect(() => new L(chart(), 'M', { name: 'x', selector: { app: 'x' }, labels: { 'bad key!': 'v' } })).toThrow(/'labels' key 'bad key!' is invalid: its keys must be label keys/);
    expect(() => new L(chart(), 'M', { name: 'x', selector: { app: 'x' }, interval: 'every minute' })).toThrow(/'interval' 'every minute' is not a duration/);
    expect(new LlmServerMonitoring(chart(), 'M', { name: 'x', selector: { app: 'x' }, interval: '1m30s' }).podMonitoring).toBeDefined();
  });

  test('a second scrape of a server whose HPA reads its own scrape fails synthesis: the adapter would add both series up', () => {
    const scaled = chart();
    const server = new OptimizedLlmServer(scaled, 'srv', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 60 });
    expect(server.horizontalPodAutoscaler).toBeDefined();
    new LlmServerMonitoring(scaled, 'Extra', { name: 'srv-fast', selector: { app: server.name }, interval: '5s' });
    expect(() => Testing.synth(scaled)).toThrow(/\[gke\/second-scrape\] PodMonitoring llm\/srv-fast .*scrapes the server's pods on port 8000 .*twice the replicas/);
    // a scrape that names the server's port is the same second scrape; one of another named port (a sidecar's exporter) is not
    const byName = (portName: string) => {
      const c = chart();
      const s = new OptimizedLlmServer(c, 'srv', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 60 });
      new PodMonitoring(c, 'Named', {
        metadata: { name: 'srv-named' },
        spec: { selector: { matchLabels: { app: s.name } }, endpoints: [{ port: PodMonitoringSpecEndpointsPort.fromString(portName), interval: '30s' }] },
      });
      return () => Testing.synth(c);
    };
    expect(byName('http')).toThrow(/\[gke\/second-scrape\] PodMonitoring llm\/srv-named /);
    expect(byName('sidecar-metrics')).not.toThrow();
    // other pods, or a server without an HPA, are no concern
    const other = chart();
    new OptimizedLlmServer(other, 'srv', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 60 });
    new LlmServerMonitoring(other, 'Extra', { name: 'other', selector: { app: 'other' } });
    expect(() => Testing.synth(other)).not.toThrow();
    const fixed = chart();
    const plain = new OptimizedLlmServer(fixed, 'srv', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4' });
    new LlmServerMonitoring(fixed, 'Extra', { name: 'srv-fast', selector: { app: plain.name } });
    expect(() => Testing.synth(fixed)).not.toThrow();
  });

  test('two scrapes of one name fail synthesis; the TPU exporter scrape, one per chart, is one object applied twice', () => {
    const c = chart();
    new LlmServerMonitoring(c, 'A', { name: 'x', selector: { app: 'a' } });
    new LlmServerMonitoring(c, 'B', { name: 'x', selector: { app: 'b' } });
    expect(() => Testing.synth(c)).toThrow(/\[kubernetes\/unique-object-names\] PodMonitoring llm\/x is emitted twice/);
    // the exporter's scrape in two charts of one app, beside a server: identical, so each chart applies on its own
    const app = Testing.app();
    const one = new Chart(app, 'one', { namespace: 'a' });
    const two = new Chart(app, 'two', { namespace: 'b' });
    new LlmServerMonitoring(one, 'M', { name: 'm', selector: { app: 'm' }, tpuMetrics: true });
    new LlmServerMonitoring(two, 'M', { name: 'm', selector: { app: 'm' }, tpuMetrics: true });
    new OptimizedLlmServer(one, 'srv', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4' });
    expect(() => app.synth()).not.toThrow();
    for (const ch of [one, two]) expect(byKind(ch.toJson(), 'PodMonitoring').filter((o) => o.metadata.namespace === 'kube-system')).toHaveLength(1);
  });
});

describe('XlaCompilationCache', () => {
  test('on a hand-written vLLM TPU Deployment: one writer Job, serving pods copy the cache read-only', () => {
    const c = chart();
    userDeployment(c);
    const cache = new XlaCompilationCache(c, 'Cache', {
      name: 'my-vllm',
      bucketUri: 'gs://caches/xla',
      acceleratorType: 'tpu-v6e-slice',
      tpuTopology: '2x4',
      serverVersion: 'v0.11.1',
      servingTemplate: userTemplate(),
    });
    expect(cache.uri).toBe('gs://caches/xla/tpu-v6e-slice-2x4/v0.11.1');
    const served = cache.applyTo(userTemplate());
    const server = served.spec!.containers[0];
    expect(server.env).toContainEqual({ name: 'VLLM_XLA_CACHE_PATH', value: '/xla-cache' });
    expect(served.spec!.initContainers!.map((i) => i.name)).toEqual(['xla-cache-seed']);
    const sharedVolume = served.spec!.volumes!.find((v) => v.csi?.driver === 'gcsfuse.csi.storage.gke.io')!;
    expect(sharedVolume.csi!.readOnly).toBe(true);
    const objects = Testing.synth(c);
    const [job] = byKind(objects, 'Job');
    expect(job.metadata.name).toMatch(/^my-vllm-xla-warmup-[0-9a-f]{8}$/);
    expect([job.spec.completions, job.spec.parallelism, job.spec.backoffLimit]).toEqual([1, 1, 0]);
    expect(job.spec.template.spec.serviceAccountName).toBe('my-vllm-xla-warmup');
    const writable = job.spec.template.spec.volumes.find((v: any) => v.csi?.driver === 'gcsfuse.csi.storage.gke.io');
    expect(writable.csi.readOnly).toBeUndefined();
    expect(cache.deploymentNotes.join('\n')).toMatch(/roles\/storage.objectUser|objectAdmin|objectCreator/);
    expectValidManifests(objects);
  });

  test('a non-root server owns the writer\'s mount (uid/gid); a container without its command is refused (the warm-up runs it)', () => {
    const props = { bucketUri: 'gs://caches/xla', acceleratorType: 'tpu-v6e-slice', tpuTopology: '2x4', serverVersion: 'v0.11.1' };
    const plain = userTemplate();
    const securityContext = { ...plain.spec!.securityContext, runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000 };
    const nonRoot = { ...plain, spec: { ...plain.spec!, securityContext } };
    const c = chart();
    const cache = new XlaCompilationCache(c, 'Cache', { ...props, name: 'my-vllm', servingTemplate: nonRoot });
    const [job] = byKind(Testing.synth(c), 'Job');
    // GKE: "if your container image uses a non-root user or group, you must set the uid and gid mount flags" (the sidecar mounts as root, 755)
    const options = job.spec.template.spec.volumes.find((v: any) => v.csi?.driver === 'gcsfuse.csi.storage.gke.io').csi.volumeAttributes.mountOptions.split(',');
    expect(options).toEqual(expect.arrayContaining(['uid=1000', 'gid=2000']));
    // the serving pods read it read-only, as any user may
    const served = cache.applyTo(nonRoot).spec!.volumes!.find((v) => v.csi?.driver === 'gcsfuse.csi.storage.gke.io')!;
    expect(served.csi!.volumeAttributes!.mountOptions).not.toMatch(/uid=/);
    // as root (the vLLM images' user) nothing is added
    const rootJob = byKind(Testing.synth((() => {
      const r = chart();
      new XlaCompilationCache(r, 'Cache', { ...props, name: 'my-vllm', servingTemplate: userTemplate() });
      return r;
    })()), 'Job')[0];
    expect(JSON.stringify(rootJob.spec.template.spec.volumes)).not.toMatch(/uid=/);
    // args alone leave the command to the image's entrypoint, which the warm-up's shell cannot run
    const full = userTemplate();
    const { command, ...withoutCommand } = full.spec!.containers[0];
    expect(command).toBeDefined();
    const argsOnly = { ...full, spec: { ...full.spec!, containers: [withoutCommand] } };
    expect(() => new XlaCompilationCache(chart(), 'Cache', { ...props, name: 'my-vllm', servingTemplate: argsOnly }))
      .toThrow(/^XlaCompilationCache: the container 'inference-server' of 'servingTemplate' has no 'command'/);
  });

  test('a template loaded from YAML (plain numbers and strings) keeps its TPU request in the warm-up Job; one without TPU chips is refused', () => {
    // the shape of Google's ai-ml/vllm-tpu sample as JSON.parse / a YAML loader gives it: quantities are plain values
    const fromYaml: any = JSON.parse(JSON.stringify(userTemplate(), (_k, v) => (v instanceof k8s.Quantity ? v.value : v)));
    fromYaml.spec.containers[0].resources = { requests: { 'google.com/tpu': 8, 'ephemeral-storage': '40Gi' }, limits: { 'google.com/tpu': 8, 'ephemeral-storage': '40Gi' } };
    const props = { name: 'my-vllm', bucketUri: 'gs://caches/xla', acceleratorType: 'tpu-v6e-slice', tpuTopology: '2x4', serverVersion: 'v0.11.1' };
    const c = chart();
    const cache = new XlaCompilationCache(c, 'Cache', { ...props, servingTemplate: fromYaml });
    const [job] = byKind(Testing.synth(c), 'Job');
    const resources = job.spec.template.spec.containers[0].resources;
    expect(resources.limits['google.com/tpu']).toBe(8);
    expect(resources.requests['google.com/tpu']).toBe(8);
    // applyTo grows the plain '40Gi' by the private copy's 20 GiB
    expect(cache.applyTo(fromYaml).spec!.containers[0].resources!.limits!['ephemeral-storage'].value).toBe('60Gi');
    const noChips = JSON.parse(JSON.stringify(fromYaml));
    noChips.spec.containers[0].resources = { limits: { cpu: 8 } };
    expect(() => new XlaCompilationCache(chart(), 'Cache', { ...props, servingTemplate: noChips }))
      .toThrow(/'servingTemplate': the container 'inference-server' requests no 'google\.com\/tpu'/);
    // the directory is named for the slice the template selects, where the Job compiles
    const selecting = { ...fromYaml, spec: { ...fromYaml.spec, nodeSelector: { 'cloud.google.com/gke-tpu-accelerator': 'tpu-v6e-slice', 'cloud.google.com/gke-tpu-topology': '2x4' } } };
    expect(() => new XlaCompilationCache(chart(), 'Cache', { ...props, servingTemplate: selecting })).not.toThrow();
    expect(() => new XlaCompilationCache(chart(), 'Cache', { ...props, acceleratorType: 'tpu-v5-lite-podslice', servingTemplate: selecting }))
      .toThrow(/'acceleratorType' 'tpu-v5-lite-podslice' names the cache directory, but 'servingTemplate' selects cloud\.google\.com\/gke-tpu-accelerator: tpu-v6e-slice/);
    expect(() => new XlaCompilationCache(chart(), 'Cache', { ...props, tpuTopology: '1x1', servingTemplate: selecting })).toThrow(/set 'tpuTopology' to '2x4'/);
    // the cluster's version comes with the model bucket: a 1.31 mount drops negative-ttl-secs (gcsfuse before v2.8.0 refuses the key)
    const old = chart();
    new XlaCompilationCache(old, 'Cache', { ...props, servingTemplate: fromYaml, modelBucket: CloudStorageFuseModel.fromUri('gs://my-models/m', { gkeVersion: '1.31' }) });
    const [oldJob] = byKind(Testing.synth(old), 'Job');
    const cacheMount = oldJob.spec.template.spec.volumes.find((v: any) => v.name === 'xla-cache');
    expect(cacheMount.csi.volumeAttributes.mountOptions).not.toContain('negative-ttl-secs');
  });

  test('the server composes it; bad input names the prop', () => {
    const server = new OptimizedLlmServer(chart(), 'srv', { model: 'google/gemma-2-27b-it', acceleratorType: 'tpu-v6e-slice', xlaCacheBucketUri: 'gs://xla-caches/c' });
    expect(server.xlaCache!.warmupJob).toBe(server.xlaCacheWarmupJob);
    expect(server.xlaCache!.uri).toBe(server.xlaCacheUri);
    const base = { name: 'x', bucketUri: 'gs://bucket', acceleratorType: 'tpu-v6e-slice', tpuTopology: '2x4', serverVersion: 'v1', servingTemplate: { spec: { containers: [{ name: 'vllm', image: 'i:1' }] } } };
    expect(() => new XlaCompilationCache(chart(), 'C', base)).toThrow(/no container 'inference-server': set 'containerName'/);
    expect(() => new XlaCompilationCache(chart(), 'C', { ...base, containerName: 'vllm', bucketUri: 'http://b' })).toThrow(/'bucketUri'/);
  });

  test('applyTo: a template that is none, a container that is not there, or a second application are refused', () => {
    const c = chart();
    const cache = new XlaCompilationCache(c, 'Cache', {
      name: 'my-vllm', bucketUri: 'gs://caches/xla', acceleratorType: 'tpu-v6e-slice', tpuTopology: '2x4', serverVersion: 'v0.11.1', servingTemplate: userTemplate(),
    });
    const X: any = cache;
    expect(() => X.applyTo(null)).toThrow(/XlaCompilationCache.applyTo: 'template' must be a pod template \(k8s.PodTemplateSpec\), got null\./);
    // fields of the wrong kind are named, not met with a TypeError deep inside (found by fuzzing the public API)
    const broken = (spec: any) => ({ ...userTemplate(), spec: { ...userTemplate().spec, ...spec } });
    expect(() => X.applyTo(broken({ volumes: {} }))).toThrow(/'template': 'spec.volumes' must be a list of objects, got object \{\}/);
    expect(() => X.applyTo(broken({ initContainers: {} }))).toThrow(/'spec.initContainers' must be a list of objects/);
    expect(() => X.applyTo(broken({ containers: [{ ...userTemplate().spec!.containers[0], env: 'x' }] }))).toThrow(/container 'inference-server': 'env' must be a list of objects/);
    expect(() => X.applyTo(broken({ containers: [{ ...userTemplate().spec!.containers[0], args: 'xyz' }] }))).toThrow(/'args' must be a list of strings/);
    expect(() => X.applyTo(broken({ containers: [{ ...userTemplate().spec!.containers[0], resources: { requests: { cpu: NaN } } }] })))
      .toThrow(/'resources.requests' must map resource names to quantities/);
    expect(() => X.applyTo({ ...userTemplate(), metadata: 'ab' })).toThrow(/'template': 'metadata' must be an object, got string 'ab'/);
    expect(() => X.applyTo({ ...userTemplate(), metadata: { annotations: 'ab' } })).toThrow(/'metadata.annotations' must be a map of strings/);
    expect(() => cache.applyTo(userTemplate(), 'nope')).toThrow(/XlaCompilationCache.applyTo: 'template' has no container 'nope'/);
    const once = cache.applyTo(userTemplate());
    expect(() => cache.applyTo(once)).toThrow(/already has an XLA cache volume: apply the cache once per pod template/);
    const make: any = XlaCompilationCache;
    expect(() => new make(chart(), 'C', {
      name: 'x',
      bucketUri: 'gs://caches/xla',
      acceleratorType: 'tpu-v6e-slice',
      tpuTopology: '2x4',
      serverVersion: 'v1',
      servingTemplate: { spec: { containers: 'x' } },
    })).toThrow(/'servingTemplate' must be a pod template \(k8s.PodTemplateSpec\) with a list of containers/);
    // a model bucket applied twice would repeat its volumes
    const bucket = CloudStorageFuseModel.fromUri('gs://my-models/gemma');
    const mounted = bucket.applyTo(userTemplate(), 'inference-server');
    expect(() => bucket.applyTo(mounted, 'inference-server')).toThrow(/CloudStorageFuseModel.applyTo: the pod template already has the volumes? .*model-bucket/);
    const B: any = bucket;
    expect(() => B.applyTo({ ...userTemplate(), spec: { containers: [null] } }, 'inference-server')).toThrow(/'spec.containers' must be a list of objects/);
    // write access only for a real true: a truthy string must not grant it
    expect(() => B.iamBindingCommand('llm', 'reader', 'false')).toThrow(/'write' must be true or false .*got string 'false'/);
    expect(bucket.iamBindingCommand('llm', 'reader')).toMatch(/roles\/storage\.objectViewer$/);
    // the cache directory's name parts are checked, not silently rewritten
    const cacheProps = { name: 'x', bucketUri: 'gs://caches/xla', acceleratorType: 'tpu-v6e-slice', tpuTopology: '2x4', serverVersion: 'v1', servingTemplate: userTemplate() };
    const C: any = XlaCompilationCache;
    expect(() => new C(chart(), 'C', { ...cacheProps, tpuTopology: 'a\nb' })).toThrow(/'tpuTopology' 'a\\u000ab' is not a TPU topology such as '2x4'/);
    expect(() => new C(chart(), 'C', { ...cacheProps, acceleratorType: '3' })).toThrow(/'acceleratorType' '3' is not a GKE TPU accelerator label/);
    expect(() => new C(chart(), 'C', { ...cacheProps, serverVersion: 'v 1' })).toThrow(/'serverVersion' 'v 1' is not a version or image tag/);
  });

  test('one writer per cache directory: a cache of its own may not share or nest a server\'s, in either order', () => {
    const serverProps = { name: 's', model: 'google/gemma-2-9b-it', acceleratorType: 'tpu-v6e-slice', modelBucketUri: 'gs://my-models/g9' };
    // a one-chip v6e template, as the server's slice
    const oneChip = userTemplate();
    const template = { ...oneChip, spec: { ...oneChip.spec!, nodeSelector: { ...oneChip.spec!.nodeSelector, 'cloud.google.com/gke-tpu-topology': '1x1' } } };
    const cacheProps = (bucketUri: string) => ({
      name: 'mine', bucketUri, acceleratorType: 'tpu-v6e-slice', tpuTopology: '1x1', serverVersion: 'v0.11.1-tpu', servingTemplate: template,
    });
    // the server's own cache: gs://my-models/g9/xla-cache/<type>-<topology>/<version>
    const c1 = chart();
    const server = new OptimizedLlmServer(c1, 's', serverProps);
    expect(server.xlaCacheUri).toBe('gs://my-models/g9/xla-cache/tpu-v6e-slice-1x1/v0.11.1-tpu');
    expect(() => new XlaCompilationCache(c1, 'Mine', cacheProps('gs://my-models/g9/xla-cache')))
      .toThrow(/the XLA cache gs:\/\/my-models\/g9\/xla-cache\/tpu-v6e-slice-1x1\/v0\.11\.1-tpu of XlaCompilationCache 'mine' \('bucketUri'\) is also the cache .* of OptimizedLlmServer 's' \('xlaCacheBucketUri', or by default in the bucket of its 'modelBucketUri'\): their two warm-up Jobs would write it concurrently/);
    // the other order: the server's cache is refused
    const c2 = chart();
    new XlaCompilationCache(c2, 'Mine', cacheProps('gs://my-models/g9/xla-cache'));
    expect(() => new OptimizedLlmServer(c2, 's', serverProps)).toThrow(/of OptimizedLlmServer 's' \('xlaCacheBucketUri', or by default in the bucket of its 'modelBucketUri'\) is also the cache .* of XlaCompilationCache 'mine'/);
    // a cache elsewhere is fine
    const c3 = chart();
    new OptimizedLlmServer(c3, 's', serverProps);
    expect(new XlaCompilationCache(c3, 'Mine', cacheProps('gs://other-caches/xla')).uri).toBe('gs://other-caches/xla/tpu-v6e-slice-1x1/v0.11.1-tpu');
  });
});

test('the README\'s composition: a cdk8s-plus Deployment scaled and scraped by the parts', () => {
  const c = chart();
  const deployment = new kplus.Deployment(c, 'my-vllm', {
    metadata: { name: 'my-vllm' },
    containers: [{ name: 'inference-server', image: 'vllm/vllm-openai:v0.7.2', portNumber: 8000 }],
  });
  new LlmServerAutoscaler(c, 'hpa', {
    target: ScaleTarget.fromScalable(deployment),
    modelServer: 'vllm',
    metric: AutoscalingMetric.QUEUE_SIZE,
    targetAverageValue: 10,
    maxReplicas: 4,
  });
  new LlmServerMonitoring(c, 'metrics', { name: 'my-vllm', selector: deployment.matchLabels, modelServer: 'vllm' });
  const objects = Testing.synth(c);
  const [d] = byKind(objects, 'Deployment');
  const [h] = byKind(objects, 'HorizontalPodAutoscaler');
  const [pm] = byKind(objects, 'PodMonitoring');
  expect(h.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name });
  // the HPA owns the replica count (a re-apply does not reset it)
  expect(d.spec.replicas).toBeUndefined();
  // the PodMonitoring selects exactly the Deployment's pods
  expect(pm.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
  for (const [k, v] of Object.entries(pm.spec.selector.matchLabels)) expect(d.spec.template.metadata.labels[k]).toBe(v);
});
