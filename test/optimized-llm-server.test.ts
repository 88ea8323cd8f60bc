import { App, Chart, Testing } from 'cdk8s';
import { AutoscalingMetric, HuggingFaceToken, OptimizedLlmServer, OptimizedLlmServerProps } from '../src';
import { expectValidManifests } from './support/k8s-validator';

function synth(props: OptimizedLlmServerProps, namespace = 'llm'): { server: OptimizedLlmServer; objects: any[] } {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace });
  const server = new OptimizedLlmServer(chart, 'server', props);
  return { server, objects: chart.toJson() };
}

const byKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);
const one = (objects: any[], kind: string) => {
  const found = byKind(objects, kind);
  expect(found).toHaveLength(1);
  return found[0];
};

const CASES: Array<[string, OptimizedLlmServerProps]> = [
  ['gemma on L4 with a target', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100 }],
  ['gemma, accelerator chosen', { model: 'google/gemma-2-27b-it' }],
  ['gpt-oss on H100 with TTFT target', { model: 'openai/gpt-oss-20b', targetTtftMilliseconds: 300, minReplicas: 2, maxReplicas: 8 }],
  ['deepseek on A100, 3 replicas', { model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', acceleratorType: 'nvidia-tesla-a100', replicas: 3 }],
];

test.each(CASES)('%s: every manifest validates strictly against Kubernetes 1.28 and 1.33 and the CRDs', (_, props) => {
  const { objects } = synth(props);
  expect(objects.length).toBeGreaterThanOrEqual(3);
  expectValidManifests(objects, ['1.28', '1.33']);
});

test('the Deployment carries what GKE needs to schedule and run vLLM on GPUs', () => {
  const { server, objects } = synth({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100 });
  const r = server.resolution;
  const d = one(objects, 'Deployment');
  expect(d.metadata.namespace).toBe('llm');
  expect(d.spec.strategy).toEqual({ type: 'Recreate' });
  // the HPA owns the replica count
  expect(d.spec.replicas).toBeUndefined();
  const pod = d.spec.template.spec;
  // Spot capacity by default, as the cost figures assume
  expect(pod.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4', 'cloud.google.com/gke-accelerator-count': '4', 'cloud.google.com/gke-spot': 'true' });
  const c = pod.containers[0];
  expect(c.name).toBe('inference-server');
  expect(c.image).toBe('vllm/vllm-openai:v0.7.2');
  expect(c.command).toEqual(['python3', '-m', 'vllm.entrypoints.openai.api_server']);
  expect(c.args).toEqual(expect.arrayContaining([
    '--model=google/gemma-2-27b-it', '--tensor-parallel-size=4', '--max-model-len=8192', '--gpu-memory-utilization=0.9', '--port=8000',
    '--disable-log-requests',
  ]));
  expect(c.resources.limits['nvidia.com/gpu']).toBe('4');
  expect(c.resources.requests).toEqual(c.resources.limits);
  expect(c.resources.limits.cpu).toBe(String(r.podResources.cpu));
  expect(c.resources.limits.memory).toBe(`${r.podResources.memoryGiB}Gi`);
  expect(c.resources.limits['ephemeral-storage']).toBe(`${r.podResources.ephemeralStorageGiB}Gi`);
  // /dev/shm is memory-backed and sized for TP 4
  expect(pod.volumes).toEqual([{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } }]);
  expect(c.volumeMounts).toEqual([{ name: 'dshm', mountPath: '/dev/shm' }]);
  // a slow load is not killed: the startup probe allows the derived budget
  expect(c.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
  expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(r.podResources.startupBudgetSeconds);
  expect(c.readinessProbe.httpGet.path).toBe('/health');
  expect(c.livenessProbe.httpGet.path).toBe('/health');
  expect(d.spec.progressDeadlineSeconds).toBeGreaterThan(r.podResources.startupBudgetSeconds);
  // the token only by reference; gemma is gated, so the Secret is required
  const tokenEnv = c.env.find((e: any) => e.name === 'HUGGING_FACE_HUB_TOKEN');
  expect(tokenEnv.valueFrom.secretKeyRef).toEqual({ name: 'hf-secret', key: 'hf_api_token' });
  expect(c.env.every((e: any) => e.value === undefined || !/hf_/i.test(e.value))).toBe(true);
});

test('secure by default: no privilege, seccomp RuntimeDefault, no API token', () => {
  const { objects } = synth({ model: 'openai/gpt-oss-20b' });
  const pod = one(objects, 'Deployment').spec.template.spec;
  expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  expect(pod.automountServiceAccountToken).toBe(false);
  for (const c of pod.containers) {
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
  }
  // gpt-oss is not gated: the token Secret is optional so the pod starts without it
  const env = pod.containers[0].env.find((e: any) => e.name === 'HF_TOKEN');
  expect(env.valueFrom.secretKeyRef.optional).toBe(true);
  // vLLM 0.12 logs no requests by default and removed the old flag (PR #29402); the gptoss build still accepts it
  const v012 = one(synth({ model: 'openai/gpt-oss-20b', acceleratorType: 'nvidia-h100-80gb', modelServerVersion: 'v0.12.0' }).objects, 'Deployment');
  expect(v012.spec.template.spec.containers[0].image).toMatch(/v0\.12\.0/);
  expect(v012.spec.template.spec.containers[0].args).not.toContain('--disable-log-requests');
  const h100 = one(synth({ model: 'openai/gpt-oss-20b', acceleratorType: 'nvidia-h100-80gb' }).objects, 'Deployment').spec.template.spec;
  expect(h100.containers[0].args).toContain('--disable-log-requests');
});

test('Service and PodMonitoring select exactly the server pods on port 8000', () => {
  const { objects } = synth({ model: 'openai/gpt-oss-20b', name: 'gpt-oss' });
  const d = one(objects, 'Deployment');
  const svc = one(objects, 'Service');
  const pm = one(objects, 'PodMonitoring');
  expect(d.spec.selector.matchLabels).toEqual({ app: 'gpt-oss' });
  expect(svc.spec).toEqual({ type: 'ClusterIP', selector: { app: 'gpt-oss' }, ports: [{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }] });
  expect(pm.apiVersion).toBe('monitoring.googleapis.com/v1');
  expect(pm.spec).toEqual({
    selector: { matchLabels: { app: 'gpt-oss' } },
    // vLLM's LoRA info gauge is not ingested (a series per adapter combination)
    endpoints: [{ port: 8000, path: '/metrics', interval: '15s', metricRelabeling: [{ action: 'drop', sourceLabels: ['__name__'], regex: 'vllm:lora_requests_info' }] }],
  });
  for (const o of objects) expect(o.metadata.name).toBe('gpt-oss');
});

test('HPA: autoscaling/v2 on the version-aware KV-cache metric with the derived target', () => {
  const { server, objects } = synth({
    model: 'google/gemma-2-27b-it',
    modelServerVersion: 'v0.12.0',
    acceleratorType: 'nvidia-h100-80gb',
    targetNtpotMilliseconds: 80,
    maxReplicas: 6,
    autoscalingMetric: AutoscalingMetric.KV_CACHE_UTILIZATION,
  });
  // gpt-oss-20b on its roomy cache uses about 1% of it at the headroom point: too little to scale on, refused with the reason
  expect(() => synth({ model: 'openai/gpt-oss-20b', targetNtpotMilliseconds: 100, autoscalingMetric: AutoscalingMetric.KV_CACHE_UTILIZATION }))
    .toThrow(/'autoscalingMetric' 'kv-cache-utilization' is not a usable signal for openai\/gpt-oss-20b/);
  const hpa = one(objects, 'HorizontalPodAutoscaler');
  const a = server.resolution.autoscaling!;
  expect(hpa.apiVersion).toBe('autoscaling/v2');
  expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: one(objects, 'Deployment').metadata.name });
  expect(hpa.spec.minReplicas).toBe(1);
  expect(hpa.spec.maxReplicas).toBe(6);
  expect(hpa.spec.metrics).toEqual([{
    type: 'Pods',
    pods: {
      metric: { name: 'prometheus.googleapis.com|vllm:kv_cache_usage_perc|gauge' },
      target: { type: 'AverageValue', averageValue: `${Math.round(a.targetAverageValue * 1000)}m` },
    },
  }]);
  expect(hpa.spec.metrics[0].pods.metric.name).toBe(hpa.spec.metrics[0].pods.metric.name.toLowerCase());
  expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(300);
  expect(hpa.spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
  // no target, no HPA
  expect(byKind(synth({ model: 'openai/gpt-oss-20b' }).objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
});

test('an image of a vLLM release with another KV-cache gauge than the planned version is refused, naming the version that matches', () => {
  // vLLM 0.8.5 exports vllm:gpu_cache_usage_perc only (renamed in 0.9.2): the gateway's endpoint picker and a KV HPA would read nothing
  const base: OptimizedLlmServerProps = { model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-l4' };
  expect(() => synth({ ...base, image: 'vllm/vllm-openai:v0.8.5' })).toThrow(
    /^'image' vllm\/vllm-openai:v0\.8\.5 is a vLLM release that exports vllm:gpu_cache_usage_perc .*planned for vLLM v0\.12\.0, whose gauge is vllm:kv_cache_usage_perc .*set 'modelServerVersion' 'v0\.7\.2'/);
  // that version with that image, or an image of the same era (or with no release in its tag), is accepted
  expect(synth({ ...base, modelServerVersion: 'v0.7.2', image: 'vllm/vllm-openai:v0.8.5' }).objects.find((o) => o.kind === 'Deployment')
    .spec.template.spec.containers[0].image).toBe('vllm/vllm-openai:v0.8.5');
  expect(() => synth({ ...base, image: 'vllm/vllm-openai:v0.10.1' })).not.toThrow();
  // on TPU no catalog version shares an old image's metrics: the message names the releases that work
  expect(() => synth({ model: 'google/gemma-2-27b-it', acceleratorType: 'tpu-v6e-slice', image: 'vllm/vllm-tpu:v0.9.0' }))
    .toThrow(/planned for vLLM v0\.11\.1-tpu.*: use an image of vLLM 0\.11\.1 or another release from 0\.9\.2 on\.$/);
  expect(() => synth({ ...base, image: `registry.example.com/vllm@sha256:${'0123456789abcdef'.repeat(4)}` })).not.toThrow();
});

test('an image of another server, or vLLM\'s build for the other accelerator family, is refused', () => {
  // vllm/vllm-openai is the CUDA build; vllm/vllm-tpu is built with VLLM_TARGET_DEVICE="tpu" (vllm-project/tpu-inference docker/Dockerfile)
  const tpu: OptimizedLlmServerProps = { model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'tpu-v6e-slice' };
  const gpu: OptimizedLlmServerProps = { model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-l4' };
  expect(() => synth({ ...tpu, image: 'vllm/vllm-openai:v0.11.2' })).toThrow(/^'image' vllm\/vllm-openai:v0\.11\.2 is vLLM's CUDA build, which does not run on tpu-v6e-slice \(a TPU\): use vLLM's TPU build \(vllm\/vllm-tpu/);
  expect(() => synth({ ...gpu, image: 'vllm/vllm-tpu:v0.11.1' })).toThrow(/^'image' vllm\/vllm-tpu:v0\.11\.1 is vLLM's TPU build, which does not run on nvidia-l4 \(a GPU\)/);
  expect(() => synth({ ...gpu, image: 'ghcr.io/huggingface/text-generation-inference:3.0.1' }))
    .toThrow(/^'image' ghcr\.io\/huggingface\/text-generation-inference:3\.0\.1 is a tgi image, but the server resolved to vllm: .*set 'modelServer' to 'tgi'/);
  expect(() => synth({ ...tpu, image: 'us-docker.pkg.dev/cloud-tpu-images/inference/maxengine-server:v0.2.2' })).toThrow(/is a jetstream image, but the server resolved to vllm/);
  // a build of the user's own is taken as it is
  expect(() => synth({ ...gpu, image: 'registry.example.com/team/my-vllm:2026-12-01' })).not.toThrow();
});

test('provenance annotations name the profile, its source and the operating point', () => {
  const { objects } = synth({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb' });
  const a = one(objects, 'Deployment').metadata.annotations;
  expect(a['cdk8s-gke-inference.io/profile']).toBe('google/gemma-2-27b-it / vllm v0.7.2 / 1 x nvidia-h100-80gb / a3-highgpu-1g');
  expect(a['cdk8s-gke-inference.io/profile-source']).toBe('measured');
  expect(a['cdk8s-gke-inference.io/operating-point']).toBe('2050 output tokens/s at 67 ms NTPOT (inflection, measured)');
  expect(a['cdk8s-gke-inference.io/version']).toMatch(/^cdk8s-gke-inference \d+\.\d+\.\d+/);
  expect(a['cdk8s-gke-inference.io/cost']).toMatch(/^\$0\.665\/M output tokens/);
});

test('names are stable and come from the construct path unless given', () => {
  const a = synth({ model: 'openai/gpt-oss-20b' }).objects;
  const b = synth({ model: 'openai/gpt-oss-20b', targetNtpotMilliseconds: 100 }).objects;
  // a target changes the operating point, never the selector
  expect(one(a, 'Deployment').spec.selector).toEqual(one(b, 'Deployment').spec.selector);
  expect(one(a, 'Deployment').metadata.name).toMatch(/^test-server-[a-z0-9]+$/);
});

test('same input, byte-identical YAML', () => {
  const yaml = () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    new OptimizedLlmServer(chart, 's', { model: 'google/gemma-2-27b-it', targetNtpotMilliseconds: 100 });
    return app.synthYaml();
  };
  expect(yaml()).toBe(yaml());
});

test('fails: gated model without a token secret', () => {
  expect(() => synth({ model: 'google/gemma-2-27b-it', huggingFaceToken: HuggingFaceToken.none() }))
    .toThrow(/'huggingFaceToken' is HuggingFaceToken.none\(\) but google\/gemma-2-27b-it needs a token/);
  // not gated: no token is fine and no token env is emitted
  const { objects } = synth({ model: 'openai/gpt-oss-20b', acceleratorType: 'nvidia-h100-80gb', huggingFaceToken: HuggingFaceToken.none() });
  // (and the Hub download keeps no hf_xet chunk cache, 10 GB by default in 2025 builds, beside the files the ephemeral storage is sized for)
  expect(one(objects, 'Deployment').spec.template.spec.containers[0].env).toEqual([
    { name: 'MODEL_ID', value: 'openai/gpt-oss-20b' }, { name: 'HF_XET_CHUNK_CACHE_SIZE_BYTES', value: '0' },
  ]);
  // a custom secret is referenced as given
  const custom = synth({ model: 'google/gemma-2-27b-it', huggingFaceToken: HuggingFaceToken.fromSecret('my-hf', 'token') }).objects;
  expect(one(custom, 'Deployment').spec.template.spec.containers[0].env.find((e: any) => e.name === 'HF_TOKEN').valueFrom.secretKeyRef)
    .toEqual({ name: 'my-hf', key: 'token' });
  expect(() => HuggingFaceToken.fromSecret('Bad_Name')).toThrow(/^HuggingFaceToken\.fromSecret: 'secretName' must be a Kubernetes Secret name .* got string 'Bad_Name'/);
});

test('fails: contradictory or invalid construct props name the prop', () => {
  expect(() => synth({ model: 'openai/gpt-oss-20b', targetNtpotMilliseconds: 100, replicas: 2 })).toThrow(/'replicas' cannot be set with a latency target/);
  expect(() => synth({ model: 'openai/gpt-oss-20b', maxReplicas: 3 })).toThrow(/need a latency target/);
  expect(() => synth({ model: 'openai/gpt-oss-20b', targetNtpotMilliseconds: 100, minReplicas: 5, maxReplicas: 3 }))
    .toThrow(/'minReplicas' \(5\) must be less than or equal to 'maxReplicas' \(3\)/);
  expect(() => synth({ model: 'openai/gpt-oss-20b', name: 'Bad_Name' })).toThrow(/'name' 'Bad_Name' must be a DNS-1035 label/);
  expect(() => synth({ model: 'openai/gpt-oss-20b', image: 'vllm/vllm-openai:latest' })).toThrow(/'image' .* must be pinned/);
  expect(() => synth({ model: 'openai/gpt-oss-20b', image: 'vllm/vllm-openai' })).toThrow(/must be pinned/);
  // a digest is a full sha256 (64 hex digits); a registry with a port is a valid domain
  expect(synth({ model: 'openai/gpt-oss-20b', image: `registry.local:5000/vllm@sha256:${'ab'.repeat(32)}` }).server.resolution.model).toBe('openai/gpt-oss-20b');
  expect(() => synth({ model: 'openai/gpt-oss-20b', image: 'registry.local:5000/vllm@sha256:abc' })).toThrow(/'image' must be a container image reference/);
});

test('deployment notes say what the cluster needs', () => {
  const { server } = synth({ model: 'google/gemma-2-27b-it', targetNtpotMilliseconds: 100 });
  const notes = server.deploymentNotes.join('\n');
  expect(notes).toContain('kubectl create secret generic hf-secret --namespace=llm --from-literal=hf_api_token="$HF_TOKEN"');
  expect(notes).toMatch(/Custom Metrics Stackdriver Adapter, which needs Workload Identity Federation for GKE/);
  // the commands GKE's autoscaling how-tos give: the adapter's manifest, and its reader role on Cloud Monitoring
  expect(notes).toContain('kubectl apply -f https://raw.githubusercontent.com/GoogleCloudPlatform/k8s-stackdriver/master/custom-metrics-stackdriver-adapter/'
    + 'deploy/production/adapter_new_resource_model.yaml');
  expect(notes).toMatch(/gcloud projects add-iam-policy-binding projects\/PROJECT_ID --role roles\/monitoring\.viewer --member principal:\/\/iam\.googleapis\.com\/.*\/subject\/ns\/custom-metrics\/sa\/custom-metrics-stackdriver-adapter/);
});
