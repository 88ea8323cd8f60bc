import { Chart, Testing } from 'cdk8s';
import { AutoscalingMetric, ClusterMode, InferenceCatalog, InferenceResolver, OptimizedLlmServer, ServerClients } from '../src';
import { expectValidManifests } from './support/k8s-validator';
import { Catalog } from '../src/catalog/catalog';
import { JETSTREAM, MAXTEXT_MODELS } from '../src/catalog/model-servers';
import { kvCacheGbFor, memoryBudget } from '../src/performance/feasibility';
import { profileCurves } from '../src/performance/profiles';

const BUCKET = 'gs://ckpt-bucket/final/unscanned/llama3.1-8b/0/checkpoints/0/items';
// Llama 3.1 needs a MaxText engine newer than Google's maxengine-server:v0.2.2 (MaxText jetstream-v0.2.2 predates its config):
// an image the user built from a later MaxText
const ENGINE = 'us-docker.pkg.dev/my-project/inference/maxengine-server:maxtext-2024-10-09';

function synth(props: ConstructorParameters<typeof OptimizedLlmServer>[2]): { server: OptimizedLlmServer; objects: any[] } {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  // every single-host JetStream server here runs an engine image built from a MaxText that has the model's config
  const server = new OptimizedLlmServer(chart, 'srv', props.modelServer === 'jetstream' && props.image === undefined ? { ...props, image: ENGINE } : props);
  return { server, objects: Testing.synth(chart) };
}
const ofKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);

const base = { model: 'meta-llama/Llama-3.1-8B-Instruct', modelServer: 'jetstream', acceleratorType: 'tpu-v6e-slice', modelBucketUri: BUCKET };

test('JetStream profiles exist only on TPUs, for the MaxText models, uncalibrated', () => {
  const curves = profileCurves(Catalog.EMBEDDED).filter((c) => c.modelServer === 'jetstream');
  expect(curves.length).toBeGreaterThan(5);
  for (const c of curves) {
    expect(Catalog.EMBEDDED.accelerator(c.acceleratorType)!.family).toBe('tpu');
    expect(Object.keys(MAXTEXT_MODELS)).toContain(c.model.toLowerCase());
    expect({ source: c.source, basis: c.estimate?.calibrationBasis }).toEqual({ source: 'estimated', basis: 'uncalibrated' });
    // single-host profiles only: the Pathways build is planned by the resolver for multi-host slices
    expect(c.modelServerVersion).toBe('v0.2.2');
  }
  expect(JETSTREAM.versions.map((v) => [v.image, v.httpFrontEndImage])).toEqual([[
    'us-docker.pkg.dev/cloud-tpu-images/inference/maxengine-server:v0.2.2',
    'us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-http:v0.2.2',
  ], [
    'us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-pathways:v0.2.0',
    'us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-http:v0.2.3',
  ]]);
});

test('the catalog\'s engine image (MaxText jetstream-v0.2.2) is refused for a model whose config it lacks; an image of your own is noted', () => {
  // maxengine-server:v0.2.2 is built from MaxText jetstream-v0.2.2 (ai-on-gke maxengine-server/Dockerfile), whose
  // pyconfig.validate_model_name accepts llama2-*, gemma-7b/2b, mistral-7b, mixtral-8x7b and gpt3-* only: llama3.1-8b would
  // raise ValueError at start and restart forever
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  expect(() => new OptimizedLlmServer(chart, 'srv', { ...base, targetNtpotMilliseconds: 2000 })).toThrow(
    /^'image': the catalog's engine image us-docker\.pkg\.dev\/cloud-tpu-images\/inference\/maxengine-server:v0\.2\.2 is built from MaxText jetstream-v0\.2\.2 .*refuses model_name=llama3\.1-8b .*accepts llama2-7b, .*gemma-7b.*pass it as 'image'.*or serve the model with vLLM on TPU/);
  for (const model of Object.keys(MAXTEXT_MODELS).filter((m) => !m.includes('405b'))) {
    const r = InferenceResolver.resolve({ model, modelServer: 'jetstream', modelBucketUri: BUCKET, targetNtpotMilliseconds: 2000 });
    if (r.nodes > 1) continue;
    expect(() => new OptimizedLlmServer(new Chart(Testing.app(), 'c', { namespace: 'llm' }), 'srv', {
      model, modelServer: 'jetstream', modelBucketUri: BUCKET, acceleratorType: r.acceleratorType, targetNtpotMilliseconds: 2000,
    })).toThrow(/^'image': /);
  }
  const { server } = synth({ ...base, targetNtpotMilliseconds: 2000 });
  // the checkpoint URI is the Orbax item directory (GKE's tutorial: .../checkpoints/0/items); a root is said to be suspect
  expect(server.deploymentNotes.join('\n')).not.toMatch(/does not end in \/items/);
  const root = synth({ ...base, modelBucketUri: 'gs://ckpt-bucket/final/unscanned/llama3.1-8b', targetNtpotMilliseconds: 2000 }).server;
  expect(root.deploymentNotes.join('\n')).toMatch(/ending in \/checkpoints\/0\/items .*gs:\/\/ckpt-bucket\/final\/unscanned\/llama3\.1-8b does not end in \/items/);
  expect(server.deploymentNotes).toContain(`JetStream: the engine image ${ENGINE} must be built from a MaxText with `
    + 'MaxText/configs/models/llama3.1-8b.yml and assets/tokenizer_llama3.tiktoken (MaxText checks model_name=llama3.1-8b when it starts). '
    + 'The engine is given tokenizer_type=tiktoken, which MaxText requires with this tokenizer from 2025-04-02 and does not know before '
    + '2025-02-13: build from a MaxText of 2025-02-13 or later.');
  // MaxText's pyconfig asserts tokenizer_type == "tiktoken" for tokenizer_llama3.tiktoken (maxtext 941473996, 2025-04-02), as its Llama 3.1
  // end-to-end scripts pass both
  const engine = (s: OptimizedLlmServer) => (s.deployment!.toJson().spec.template.spec.containers[0].args as string[]);
  expect(engine(server)).toEqual(expect.arrayContaining(['tokenizer_path=assets/tokenizer_llama3.tiktoken', 'tokenizer_type=tiktoken']));
});

test('two containers, only the engine takes the TPU chips, selectors, Service, PodMonitoring; manifests validate strictly', () => {
  for (const clusterMode of [ClusterMode.STANDARD, ClusterMode.AUTOPILOT]) {
    const { server, objects } = synth({ ...base, clusterMode, targetNtpotMilliseconds: 2000, allowedClients: [ServerClients.inNamespace('web')] });
    expectValidManifests(objects);
    const r = server.resolution;
    expect(r.modelServer).toBe('jetstream');
    const d = ofKind(objects, 'Deployment')[0];
    const pod = d.spec.template.spec;
    expect(d.spec.template.metadata.labels['ai.gke.io/inference-server']).toBe('jetstream');
    // Spot capacity by default, as the cost figures assume
    expect(pod.nodeSelector).toEqual({ 'cloud.google.com/gke-tpu-accelerator': 'tpu-v6e-slice', 'cloud.google.com/gke-tpu-topology': r.tpuTopology, 'cloud.google.com/gke-spot': 'true' });
    expect(pod.containers.map((c: any) => c.name)).toEqual(['maxengine-server', 'jetstream-http']);
    const [engine, http] = pod.containers;
    expect(engine.image).toBe(ENGINE);
    expect(http.image).toBe('us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-http:v0.2.2');
    expect(engine.resources.requests['google.com/tpu']).toBe(String(r.acceleratorCount));
    expect(engine.resources.limits['google.com/tpu']).toBe(String(r.acceleratorCount));
    expect(http.resources.requests['google.com/tpu']).toBeUndefined();
    expect(http.resources.limits['google.com/tpu']).toBeUndefined();
    for (const c of pod.containers) expect(c.securityContext.privileged).toBe(false);
    expect(engine.args).toEqual(expect.arrayContaining([
      'model_name=llama3.1-8b', 'tokenizer_path=assets/tokenizer_llama3.tiktoken', `ici_tensor_parallelism=${r.acceleratorCount}`,
      'scan_layers=false', 'weight_dtype=bfloat16', `load_parameters_path=${BUCKET}`, 'prometheus_port=9100',
      `max_target_length=${r.maxModelLength}`, `max_prefill_predict_length=${r.maxModelLength / 2}`,
    ]));
    const pdbs = Number(engine.args.find((a: string) => a.startsWith('per_device_batch_size=')).split('=')[1]);
    expect(Number.isInteger(pdbs) && pdbs >= 1).toBe(true);
    expect(engine.ports.map((p: any) => p.containerPort)).toEqual([9000, 9100]);
    expect(http.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(http.readinessProbe.tcpSocket.port).toBe('http');
    // no FUSE mount and no XLA cache Job: the engine reads gs:// itself
    expect(d.spec.template.metadata.annotations?.['gke-gcsfuse/volumes']).toBeUndefined();
    expect(ofKind(objects, 'Job')).toEqual([]);
    const svc = ofKind(objects, 'Service')[0];
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual(d.spec.selector.matchLabels);
    const pm = ofKind(objects, 'PodMonitoring')[0];
    expect(pm.spec.endpoints).toEqual([{ port: 9100, path: '/', interval: '15s' }]);
    const np = ofKind(objects, 'NetworkPolicy')[0];
    expect(np.spec.ingress[1].ports.map((p: any) => p.port)).toEqual([8000, 9100]);
    expect(server.deploymentNotes.some((n) => n.includes('roles/storage.objectViewer') && n.includes('ckpt-bucket'))).toBe(true);
  }
});

test('HPA on the JetStream metrics: prefill backlog (queue) and slots used (a share of slots)', () => {
  const queue = synth({ ...base, targetNtpotMilliseconds: 2000, autoscalingMetric: AutoscalingMetric.QUEUE_SIZE });
  expectValidManifests(queue.objects);
  const qm = ofKind(queue.objects, 'HorizontalPodAutoscaler')[0].spec.metrics[0];
  expect(qm.type).toBe('Pods');
  expect(qm.pods.metric.name).toBe('prometheus.googleapis.com|jetstream_prefill_backlog_size|gauge');

  const batch = synth({ ...base, targetNtpotMilliseconds: 2000, autoscalingMetric: AutoscalingMetric.BATCH_SIZE });
  expectValidManifests(batch.objects);
  const bm = ofKind(batch.objects, 'HorizontalPodAutoscaler')[0].spec.metrics[0];
  expect(bm.type).toBe('Pods');
  expect(bm.pods.metric.name).toBe('prometheus.googleapis.com|jetstream_slots_used_percentage|gauge');
  const share = batch.server.resolution.autoscaling!.targetAverageValue;
  expect(share).toBeGreaterThan(0);
  expect(share).toBeLessThanOrEqual(0.95);
});

test('the automatic TPU choice says what it ranked by: cost where TPUs are priced, throughput (not "the cheapest") where none is', () => {
  const request = { model: base.model, modelServer: 'jetstream', modelBucketUri: BUCKET };
  const priced = InferenceResolver.resolve(request);
  expect(priced.cost.costPerMillionOutputTokens).toBeDefined();
  expect(priced.decisions[1]).toMatch(/^accelerator tpu-[a-z0-9-]+: the cheapest per million output tokens of \d+ (feasible|priced) profiles.*jetstream runs on TPUs only/);
  expect(priced.decisions[1]).not.toMatch(/only when asked for/);
  // tpu-chip-prices.csv has no us-east4 row
  const unpriced = InferenceResolver.resolve({ ...request, region: 'us-east4' });
  expect(unpriced.cost.costPerMillionOutputTokens).toBeUndefined();
  expect(unpriced.decisions[1]).toMatch(/none of the \d+ feasible profiles has a price for spot in us-east4, so the highest output throughput was taken, not the lowest cost/);
  expect(unpriced.decisions[1]).not.toMatch(/cheapest/);
});

test('KV-cache autoscaling is refused: JetStream exports no KV-cache gauge', () => {
  expect(() => synth({ ...base, targetNtpotMilliseconds: 2000, autoscalingMetric: AutoscalingMetric.KV_CACHE_UTILIZATION }))
    .toThrow(/kv-cache-utilization is not available: jetstream v0\.2\.2 exports no KV-cache gauge/);
});

test('modelBucketUri is required, and naming it is the error', () => {
  expect(() => synth({ model: base.model, modelServer: 'jetstream', acceleratorType: 'tpu-v6e-slice' }))
    .toThrow(/'modelBucketUri' is required with 'modelServer' 'jetstream'/);
  expect(() => synth({ ...base, xlaCacheBucketUri: 'gs://x/cache' })).toThrow(/'xlaCacheBucketUri' is used by vLLM on TPU and by JetStream with Pathways .*JetStream on one host .* remove 'xlaCacheBucketUri'/);
});

test('multi-host JetStream off v6e is refused, naming the Pathways TPU type; GPUs and non-MaxText models too', () => {
  // Llama 3.1 70B does not fit one v5e host (8 x 16 GB), and Pathways slices are planned on v6e only (tpu-pathways.test.ts)
  expect(() => InferenceResolver.resolve({
    model: 'meta-llama/Llama-3.1-70B-Instruct', modelServer: 'jetstream', acceleratorType: 'tpu-v5-lite-podslice', modelBucketUri: BUCKET,
  })).toThrow(/does not fit tpu-v5-lite-podslice \(largest single-host slice 2x4, 8 chips\).*Multi-host JetStream \(Pathways on a LeaderWorkerSet\) is planned on 'tpu-v6e-slice' only/);
  expect(() => InferenceResolver.resolve({ ...base, acceleratorType: 'nvidia-l4' })).toThrow(/runs on TPUs only/);
  expect(() => InferenceResolver.resolve({ ...base, model: 'google/gemma-3-27b-it' })).toThrow(/does not serve google\/gemma-3-27b-it/);
});

test('without acceleratorType, JetStream resolves to a TPU (its only family)', () => {
  const r = InferenceResolver.resolve({ model: 'google/gemma-2-9b-it', modelServer: 'jetstream', modelBucketUri: BUCKET });
  expect(Catalog.EMBEDDED.accelerator(r.acceleratorType)!.family).toBe('tpu');
  expect(r.tpuTopology).toBeDefined();
});

test('a single-host slice must hold a full-length KV cache per chip: MaxText preallocates every decode slot, at least one per chip', () => {
  const catalog = Catalog.EMBEDDED;
  const model70 = catalog.model('meta-llama/Llama-3.1-70B-Instruct')!;
  const v6e = catalog.accelerator('tpu-v6e-slice')!;
  // 8 chips x 32768 tokens of Llama 70B's KV cache do not fit next to its weights on the largest single v6e host (2x4)
  const budget = memoryBudget(model70, v6e, 8);
  expect(8 * kvCacheGbFor(model70, 32768)).toBeGreaterThan(budget.kvCacheCapacityGb);
  expect(() => InferenceResolver.resolve({ ...base, model: model70.id, maxModelLength: 32768 }))
    .toThrow(/'maxModelLength' \(32768\) x 8 decode slots .*preallocated at full length by MaxText.*at most \d+ tokens per request on this slice/);
  // where it fits, the slots the engine gets hold that many full-length requests
  const ok = InferenceResolver.resolve({ ...base, model: model70.id, maxModelLength: 16384 });
  expect(ok.tpuTopology).toBe('2x4');
  expect(8 * kvCacheGbFor(model70, 16384)).toBeLessThanOrEqual(budget.kvCacheCapacityGb);
  // a small model moves to a larger slice instead of overfilling a small one
  const small = InferenceResolver.resolve({ ...base, acceleratorType: 'tpu-v5-lite-podslice', maxModelLength: 65536 });
  const chips = small.acceleratorCount;
  expect(chips * kvCacheGbFor(catalog.model(base.model)!, 65536))
    .toBeLessThanOrEqual(memoryBudget(catalog.model(base.model)!, catalog.accelerator('tpu-v5-lite-podslice')!, chips).kvCacheCapacityGb);
});

test('JetStream\'s default model length is Google\'s max_target_length of 2048: MaxText preallocates every slot at that length', () => {
  const r = InferenceResolver.resolve({ ...base, targetNtpotMilliseconds: 200 });
  expect(r.maxModelLength).toBe(2048);
  expect(r.decisions.join('\n')).toMatch(/maxModelLength 2048: the default for a server that preallocates every decode slot at full length/);
  // vLLM pages its KV cache: its default stays 8192 for the same model
  expect(InferenceResolver.resolve({ model: base.model, acceleratorType: 'nvidia-l4' }).maxModelLength).toBe(8192);
  // a long workload still gets twice its average request
  expect(InferenceResolver.resolve({ ...base, useCase: 'deep-research', targetNtpotMilliseconds: 2000 }).maxModelLength).toBeGreaterThan(8192);
});

test('a JetStream curve runs at most the decode slots the manifest allocates: a longer maxModelLength leaves fewer and costs more', () => {
  const at = (maxModelLength: number | undefined) => {
    const { server, objects } = synth({ ...base, maxModelLength, targetNtpotMilliseconds: 200 });
    const engine = ofKind(objects, 'Deployment')[0].spec.template.spec.containers[0];
    const perChip = Number(engine.args.find((a: string) => a.startsWith('per_device_batch_size=')).split('=')[1]);
    const r = server.resolution;
    const curve = InferenceCatalog.embedded().curve({ model: r.model, modelServer: 'jetstream', acceleratorType: r.acceleratorType, acceleratorCount: r.acceleratorCount, maxModelLength });
    return { r, slots: perChip * r.acceleratorCount, curve };
  };
  const short = at(undefined);
  const long = at(8192);
  expect(short.r.acceleratorCount).toBe(1);
  // by hand: Llama 3.1 8B holds 32 layers x 8 KV heads x 128 x 2 x 2 bytes = 128 KiB a token; one v6e chip leaves 10.3 GB beside
  // the weights and the runtime: 38 slots of 2048 tokens (0.27 GB each), 9 of 8192 (1.07 GB)
  const kvGbPerToken = (32 * 8 * 128 * 2 * 2) / 1e9;
  expect(short.slots).toBe(Math.floor(short.r.memory.kvCacheCapacityGb / (kvGbPerToken * 2048)));
  expect(long.slots).toBe(Math.floor(long.r.memory.kvCacheCapacityGb / (kvGbPerToken * 8192)));
  expect([short.slots, long.slots]).toEqual([38, 9]);
  for (const { slots, curve } of [short, long]) {
    // throughput stops growing once every slot is busy: from the point at the slots on, more load only queues
    const peak = Math.max(...curve.points.map((p) => p.outputTokensPerSecond));
    expect(curve.points.some((p) => p.concurrency === slots)).toBe(true);
    for (const p of curve.points.filter((x) => x.concurrency >= slots)) expect(p.outputTokensPerSecond).toBeCloseTo(peak, 6);
    expect(curve.points.filter((x) => x.concurrency < slots).every((p) => p.outputTokensPerSecond < peak)).toBe(true);
    expect(curve.maxModelLength).toBe(curve === short.curve ? 2048 : 8192);
  }
  expect(long.r.performance.outputTokensPerSecond).toBeLessThan(short.r.performance.outputTokensPerSecond / 2);
  expect(long.r.cost.costPerMillionOutputTokens).toBeGreaterThan(2 * short.r.cost.costPerMillionOutputTokens!);
});

test('JetStream\'s prompts get half the model length: the default holds twice the average prompt there, and a shorter length is refused', () => {
  // JetStream keeps a longer prompt's last tokens without an error (jetstream/engine/token_utils.py: "Take the last N tokens if we
  // have too many"); max_prefill_predict_length is half of max_target_length
  const summarization = InferenceResolver.resolve({ ...base, useCase: 'text-summarization', targetNtpotMilliseconds: 2000 });
  // GIQ's Text Summarization: 1000 input / 128 output tokens; twice the request (2256) would give prompts 1536 tokens
  expect(summarization.maxModelLength).toBe(4096);
  expect(summarization.decisions.join('\n')).toMatch(/2 x the Text Summarization workload's average prompt \(1000 tokens\) in the half/);
  const { server, objects } = synth({ ...base, useCase: 'text-summarization', targetNtpotMilliseconds: 2000 });
  expect(ofKind(objects, 'Deployment')[0].spec.template.spec.containers[0].args).toContain('max_prefill_predict_length=2048');
  expect(server.deploymentNotes.join('\n')).toMatch(/JetStream: prompts are at most 2048 tokens .* keeps a longer prompt's last tokens without an error/);
  expect(() => InferenceResolver.resolve({ ...base, averageInputTokens: 1900, averageOutputTokens: 100, maxModelLength: 2048 }))
    .toThrow(/'maxModelLength' 2048 gives jetstream's prompts 1024 tokens .* under the workload's average prompt of 1900.*at least 3800/);
  // vLLM takes prompts up to the whole length: its default follows the request
  expect(InferenceResolver.resolve({ model: base.model, acceleratorType: 'nvidia-l4', useCase: 'text-summarization' }).maxModelLength).toBe(8192);
});
