import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { AutoscalingMetric, ClusterMode, InferenceResolver, OptimizedLlmServer, ServerClients } from '../src';
import { expectValidManifests } from './support/k8s-validator';
import { kubectlValidate, kubectlValidateAvailable } from './support/kubectl-validate';
import { Catalog } from '../src/catalog/catalog';
import { JETSTREAM, PATHWAYS_PORTS } from '../src/catalog/model-servers';
import { modelledCurve, profileCurves } from '../src/performance/profiles';
import { pathwaysParallelism, pathwaysSlice } from '../src/resolver/jetstream';
import { JsonObject } from '../src/validation/manifest';
import { checkManifests } from '../src/validation/runner';

// Multi-host TPU slices: JetStream with Pathways on a LeaderWorkerSet (leader without chips + one worker per host).

const catalog = Catalog.EMBEDDED;
const MODEL = 'meta-llama/Llama-3.1-405B-Instruct';
const CHECKPOINT = 'gs://ckpt-bucket/maxtext/llama3.1-405b/unscanned/0/items';
// 8192-token requests (JetStream's default is Google's 2048, which fits a smaller slice: see the last test)
const base = { model: MODEL, modelServer: 'jetstream', acceleratorType: 'tpu-v6e-slice', modelBucketUri: CHECKPOINT, maxModelLength: 8192 };

function synth(props: ConstructorParameters<typeof OptimizedLlmServer>[2]): { server: OptimizedLlmServer; objects: any[] } {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'srv', props);
  return { server, objects: Testing.synth(chart) };
}
const ofKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);
const byName = (containers: any[], name: string) => containers.find((c: any) => c.name === name);

test('the slice is the smallest multi-host v6e topology whose HBM holds the weights and a full-length request', () => {
  const model = catalog.model(MODEL)!;
  const v6e = catalog.accelerator('tpu-v6e-slice')!;
  const r = InferenceResolver.resolve({ ...base, targetNtpotMilliseconds: 500 });
  const slice = catalog.tpuTopology('tpu-v6e-slice', r.tpuTopology!)!;
  expect(slice.scope).toBe('multi-host');
  expect({ chips: r.acceleratorCount, nodes: r.nodes, pp: r.pipelineParallelSize }).toEqual({ chips: slice.chips, nodes: slice.gkeNodes, pp: 1 });
  expect(r.instanceType).toBe(slice.machineType);
  // independently: the weights and one full-length decode slot per chip (MaxText's per_device_batch_size >= 1) fit the usable HBM
  // of this slice, and of no smaller one. Usable per chip: what the runtime reports on a v6e, 33,550,237,696 bytes (vLLM pull
  // request #16211's usage stats), not the datasheet's 32 GB
  expect(v6e.memoryGb).toBe(32);
  const usablePerChipGb = 33_550_237_696 / 1e9;
  const fits = (chips: number) => usablePerChipGb * chips * r.memory.gpuMemoryUtilization - model.checkpointWeightsGb
    - r.memory.runtimeOverheadGb / r.acceleratorCount * chips >= chips * r.memory.kvCachePerMaxLengthRequestGb;
  expect(fits(slice.chips)).toBe(true);
  for (const smaller of catalog.tpuTopologiesFor('tpu-v6e-slice').filter((t) => t.chips < slice.chips)) expect(fits(smaller.chips)).toBe(false);
  // 405B in bf16 (812 GB) with an 8192-token slot per chip (4.2 GB each): 32 chips leave 34 GB beside the weights, 64 chips
  expect(r.tpuTopology).toBe('8x8');
  expect(r.modelServerVersion).toBe('v0.2.0-pathways');
  expect(r.image).toBe('us-docker.pkg.dev/cloud-tpu-images/inference/jetstream-pathways:v0.2.0');
  expect(r.source).toBe('estimated');
  expect(r.uncertainty!.basis).toMatch(/a slice of 16 TPU hosts under Pathways/);
  expect(r.decisions.join('\n')).toMatch(/multi-host TPU slice: .* 8x8 slice \(64 chips on 16 ct6e-standard-4t hosts\)/);
  // cost is the slice: 16 hosts
  const host = catalog.machinePrice('ct6e-standard-4t', 'us-central1', 'spot')!;
  expect(r.cost.costPerHour).toBeCloseTo(host.usdPerHour * 16, 6);
  // a larger model context that needs more HBM moves to a larger slice, never a smaller one; at 131072 tokens a slot per chip
  // (67.6 GB each in bf16) fits no v6e slice
  expect(pathwaysSlice(catalog, model, v6e, 16384)!.chips).toBeGreaterThanOrEqual(slice.chips);
  expect(pathwaysSlice(catalog, model, v6e, 131072)).toBeUndefined();
});

test('MaxText sharding: tensor parallel over the largest power of two dividing both head counts, autoregressive over the rest', () => {
  const model = catalog.model(MODEL)!;
  // GKE's tutorial shards 405B (128 heads, 8 KV heads) on 16 chips as tensor 8 x autoregressive 2
  expect(pathwaysParallelism(model, 16)).toEqual({ tensor: 8, autoregressive: 2 });
  expect(pathwaysParallelism(model, 64)).toEqual({ tensor: 8, autoregressive: 8 });
  const gemma = catalog.model('google/gemma-2-27b-it')!; // 32 heads, 16 KV heads
  expect(pathwaysParallelism(gemma, 64)).toEqual({ tensor: 16, autoregressive: 4 });
});

test('one LeaderWorkerSet group per replica: leader without chips, one Pathways worker per host; manifests validate strictly', () => {
  const { server, objects } = synth({ ...base, name: 'llama-405b', targetNtpotMilliseconds: 500, allowedClients: [ServerClients.inNamespace('web')] });
  expectValidManifests(objects);
  const r = server.resolution;
  expect(server.deployment).toBeUndefined();
  const [lws] = ofKind(objects, 'LeaderWorkerSet');
  expect(lws.apiVersion).toBe('leaderworkerset.x-k8s.io/v1');
  expect(lws.metadata.annotations['leaderworkerset.sigs.k8s.io/exclusive-topology']).toBe('cloud.google.com/gke-nodepool');
  const t = lws.spec.leaderWorkerTemplate;
  expect(t.size).toBe(r.nodes + 1);
  expect(t.restartPolicy).toBe('RecreateGroupOnPodRestart');
  const slice = catalog.tpuTopology('tpu-v6e-slice', r.tpuTopology!)!;
  for (const pod of [t.leaderTemplate.spec, t.workerTemplate.spec]) {
    // Spot capacity by default, as the cost figures assume: its selector and the toleration of its taint
    expect(pod.nodeSelector).toEqual({ 'cloud.google.com/gke-tpu-accelerator': 'tpu-v6e-slice', 'cloud.google.com/gke-tpu-topology': '8x8', 'cloud.google.com/gke-spot': 'true' });
    expect(pod.tolerations).toEqual([{ key: 'google.com/tpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    // time to finish in-flight requests on scale-in (the preStop pause plus the longest request, at most 600 s)
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(30);
    expect(pod.terminationGracePeriodSeconds).toBeLessThanOrEqual(600);
    expect(pod.enableServiceLinks).toBe(false);
    // JetStream's images are not known to carry python3 for the drain: the pause
    for (const c of pod.containers) expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '30']);
    expect(pod.securityContext.seccompProfile.type).toBe('RuntimeDefault');
    for (const c of pod.containers) {
      expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
      expect(c.image).toMatch(/:[^:]+$/);
      expect(c.image).not.toMatch(/:latest$/);
    }
  }
  // the leader holds no chips; each worker takes every chip of its host
  const leader = t.leaderTemplate.spec.containers;
  expect(leader.map((c: any) => c.name)).toEqual(['pathways-proxy', 'pathways-rm', 'jax-tpu', 'jetstream-http']);
  for (const c of leader) expect(c.resources.limits['google.com/tpu']).toBeUndefined();
  const [worker] = t.workerTemplate.spec.containers;
  expect(t.workerTemplate.spec.containers).toHaveLength(1);
  expect(worker.resources.requests['google.com/tpu']).toBe(String(slice.chipsPerVm));
  expect(worker.resources.limits['google.com/tpu']).toBe(String(slice.chipsPerVm));
  expect(slice.chipsPerVm * (t.size - 1)).toBe(r.acceleratorCount);
  // everyone reaches the resource manager on the leader; the resource manager asks for this slice
  const rmAddress = `--resource_manager_address=$(LWS_LEADER_ADDRESS):${PATHWAYS_PORTS.resourceManager}`;
  expect(worker.args).toEqual(expect.arrayContaining([rmAddress, `--server_port=${PATHWAYS_PORTS.worker}`]));
  expect(byName(leader, 'pathways-proxy').args).toEqual(expect.arrayContaining([rmAddress, `--server_port=${PATHWAYS_PORTS.proxy}`]));
  const rm = byName(leader, 'pathways-rm');
  expect(rm.args).toEqual(expect.arrayContaining(['--node_type=resource_manager', '--instance_count=1', '--instance_type=tpuv6e:8x8',
    `--server_port=${PATHWAYS_PORTS.resourceManager}`]));
  expect(rm.env).toEqual(expect.arrayContaining([{ name: 'TPU_SKIP_MDS_QUERY', value: 'true' }, { name: 'HOST_ADDRESS', value: '$(LWS_LEADER_ADDRESS)' }]));
  // one scratch location for the group
  const scratch = [worker, byName(leader, 'pathways-proxy'), rm].map((c: any) => c.args.find((a: string) => a.startsWith('--gcs_scratch_location=')));
  expect(new Set(scratch)).toEqual(new Set(['--gcs_scratch_location=gs://ckpt-bucket/pathways-scratch/llama-405b']));
  // the engine: the single controller, sharded over every chip of the slice
  const engine = byName(leader, 'jax-tpu');
  const arg = (name: string) => engine.args.find((a: string) => a.startsWith(`${name}=`))?.split('=')[1];
  expect(engine.image).toBe(r.image);
  // the inference config Google's tutorial starts 405B from (its sharding rules), the slice's sharding as overrides
  expect(engine.args[0]).toBe('MaxText/configs/v5e/inference/llama3_405b_v5e-64.yml');
  expect(arg('enable_single_controller')).toBe('true');
  expect(arg('model_name')).toBe('llama3.1-405b');
  expect(arg('load_parameters_path')).toBe(CHECKPOINT);
  expect(Number(arg('ici_tensor_parallelism')) * Number(arg('ici_autoregressive_parallelism'))).toBe(r.acceleratorCount);
  expect(Number(arg('ici_tensor_parallelism'))).toBe(r.tensorParallelSize);
  expect(Number(arg('max_target_length'))).toBe(r.maxModelLength);
  const slots = Number(arg('per_device_batch_size')) * r.acceleratorCount;
  expect(slots * r.memory.kvCachePerMaxLengthRequestGb).toBeLessThanOrEqual(r.memory.kvCacheCapacityGb);
  expect(engine.startupProbe.tcpSocket).toEqual({ port: 'grpc' });
  expect(engine.startupProbe.periodSeconds * engine.startupProbe.failureThreshold).toBeGreaterThanOrEqual(r.podResources.startupBudgetSeconds);
  const http = byName(leader, 'jetstream-http');
  // the tutorial's health check: jetstream-http's /healthcheck, which answers once the engine serves
  for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(http[probe].httpGet).toEqual({ path: '/healthcheck', port: 'http' });
  expect(http.startupProbe.periodSeconds * http.startupProbe.failureThreshold).toBeGreaterThanOrEqual(r.podResources.startupBudgetSeconds);
  expect(http.image).toBe(JETSTREAM.versions.find((v) => v.version === r.modelServerVersion)!.httpFrontEndImage);
  expect(http.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
  // the leader and a worker share a host: together they fit its allocatable share
  const machine = catalog.machineTypes.find((m) => m.name === r.instanceType)!;
  const gi = (q: string) => Number(q.replace(/Gi$/, ''));
  // Google's tutorial sets no memory limits on the leader containers: they request memory and are not capped
  for (const c of leader.filter((x: any) => x.name !== 'jetstream-http')) expect(c.resources.limits.memory).toBeUndefined();
  // the start-up budget is near the ~3 h Google's tutorial allows
  expect(r.podResources.startupBudgetSeconds).toBeGreaterThanOrEqual(3 * 3600);
  const leaderMemory = leader.reduce((s: number, c: any) => s + gi(c.resources.requests.memory), 0);
  const leaderCpu = leader.reduce((s: number, c: any) => s + Number(c.resources.requests.cpu), 0);
  expect(leaderMemory + gi(worker.resources.limits.memory)).toBeLessThanOrEqual(machine.ramGb * 0.8);
  expect(leaderCpu + Number(worker.resources.limits.cpu)).toBeLessThanOrEqual(machine.vcpu * 0.8);

  // Service and PodMonitoring select the leaders; the HPA scales groups
  const [svc] = ofKind(objects, 'Service');
  expect(svc.spec.selector).toEqual({ 'leaderworkerset.sigs.k8s.io/name': 'llama-405b', 'role': 'leader' });
  expect(svc.metadata.name).toBe('llama-405b-leader');
  const [pm] = ofKind(objects, 'PodMonitoring');
  expect(pm.spec.selector.matchLabels).toEqual(svc.spec.selector);
  expect(pm.spec.endpoints[0].port).toBe(Number(arg('prometheus_port')));
  const [hpa] = ofKind(objects, 'HorizontalPodAutoscaler');
  expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'llama-405b' });
  expect(hpa.spec.metrics[0].pods.metric.name).toMatch(/^prometheus\.googleapis\.com\|jetstream_/);
  // group peers reach each other on every port (the workers call the resource manager)
  const [np] = ofKind(objects, 'NetworkPolicy');
  expect(JSON.stringify(np.spec.ingress)).toContain('"leaderworkerset.sigs.k8s.io/name":"llama-405b"');
  // no JetStream single-host objects, no FUSE
  expect(ofKind(objects, 'Deployment')).toEqual([]);
  expect(JSON.stringify(lws)).not.toContain('gcsfuse');
  const notes = server.deploymentNotes.join('\n');
  expect(notes).toMatch(/Pathways: one replica is a 8x8 tpu-v6e-slice slice \(16 ct6e-standard-4t nodes/);
  // one node pool per slice (the exclusive-topology annotation gives each group a pool of its own): the HPA's minimum at their size,
  // the rest from zero, which the cluster autoscaler grows a whole slice at a time; each command carries what the Pathways notes
  // require (the workers act as the node's service account, which writes the scratch location: gke-default scopes read Cloud Storage only)
  const [hpaMax, hpaMin] = [hpa.spec.maxReplicas, hpa.spec.minReplicas];
  expect(hpaMax).toBeGreaterThan(hpaMin);
  const commands = /create \d+ pools, .*?: (gcloud container node-pools create .*)$/m.exec(notes)![1].split('; ');
  expect(commands.map((c) => /node-pools create (\S+)/.exec(c)![1])).toEqual(Array.from({ length: hpaMax }, (_, i) => `llama-405b-${i}`));
  for (const [i, c] of commands.entries()) {
    expect(c).toMatch(/--machine-type ct6e-standard-4t --tpu-topology 8x8 .*--placement-type COMPACT --workload-metadata GCE_METADATA --scopes cloud-platform/);
    expect(c).toMatch(i < hpaMin ? / --num-nodes 16$/ : /--enable-autoscaling --total-min-nodes 0 --total-max-nodes 16 --num-nodes 0$/);
  }
  expect(notes).not.toMatch(/e\.g\. gcloud container node-pools create/);
  expect(notes).toMatch(/roles\/storage\.objectUser on the scratch location \(gs:\/\/ckpt-bucket\/pathways-scratch\/llama-405b\)/);
});

test('the multi-host rule: a group whose pods with chips do not number the slice\'s VMs is reported', () => {
  const { objects } = synth(base);
  const options = { clusterMode: ClusterMode.STANDARD, autopilotAcceleratorTypes: [], optOuts: {} };
  const tpuViolations = (objs: any[]) => checkManifests(objs as JsonObject[], options).filter((v) => v.ruleId.startsWith('gke-tpu/'));
  expect(tpuViolations(objects)).toEqual([]);
  const short = JSON.parse(JSON.stringify(objects));
  ofKind(short, 'LeaderWorkerSet')[0].spec.leaderWorkerTemplate.size = 16; // the leader takes no chips: 15 workers for 16 VMs
  expect(tpuViolations(short).map((v) => [v.ruleId, v.message])).toEqual([['gke-tpu/multi-host-group',
    'the group has 15 pods with chips (size 16) on the 8x8 tpu-v6e-slice slice (16 VMs of 4 chips): every VM of the slice needs one']]);
});

test('xlaCacheBucketUri is the Pathways scratch location; on one host JetStream still refuses it', () => {
  const { objects } = synth({ ...base, xlaCacheBucketUri: 'gs://pathways-scratch-bucket/tmp/' });
  const lws = ofKind(objects, 'LeaderWorkerSet')[0];
  expect(JSON.stringify(lws)).toContain('--gcs_scratch_location=gs://pathways-scratch-bucket/tmp"');
  expect(() => synth({ ...base, model: 'meta-llama/Llama-3.1-8B-Instruct', xlaCacheBucketUri: 'gs://x/cache' }))
    .toThrow(/'xlaCacheBucketUri' is used by vLLM on TPU and by JetStream with Pathways/);
});

test('clear errors: Autopilot, non-Pathways TPU types, vLLM on TPU, TPU memory on a multi-host slice', () => {
  expect(() => synth({ ...base, clusterMode: ClusterMode.AUTOPILOT }))
    .toThrow(/JetStream with Pathways, which GKE documents for Standard clusters only.*'clusterMode'/);
  // v5e multi-host is not a shape this library plans: the error names the Pathways TPU type
  expect(() => InferenceResolver.resolve({ ...base, acceleratorType: 'tpu-v5-lite-podslice' }))
    .toThrow(/does not fit tpu-v5-lite-podslice .*planned on 'tpu-v6e-slice' only.*set 'acceleratorType' to 'tpu-v6e-slice'/);
  expect(() => InferenceResolver.resolve({ model: 'meta-llama/Llama-3.1-70B-Instruct', modelServer: 'jetstream', acceleratorType: 'tpu-v5-lite-podslice' }))
    .toThrow(/planned on 'tpu-v6e-slice' only/);
  // vLLM on TPU stays single-host and points at JetStream with Pathways
  expect(() => InferenceResolver.resolve({ model: MODEL, acceleratorType: 'tpu-v6e-slice' }))
    .toThrow(/This library serves vLLM on TPU single-host.*JetStream with Pathways \('modelServer' 'jetstream' on 'tpu-v6e-slice'/);
  expect(() => InferenceResolver.resolve({ ...base, targetNtpotMilliseconds: 500, autoscalingMetric: AutoscalingMetric.TPU_MEMORY_USED }))
    .toThrow(/'autoscalingMetric' 'tpu-memory-used' is not available on a multi-host slice/);
  // the single-host build cannot serve a multi-host slice
  expect(() => InferenceResolver.resolve({ ...base, modelServerVersion: 'v0.2.2' })).toThrow(/set 'modelServerVersion' to 'v0.2.0-pathways'/);
});

test('the Pathways build is never estimated on a single host, and single-host JetStream never picks it', () => {
  const small = InferenceResolver.resolve({ ...base, model: 'meta-llama/Llama-3.1-8B-Instruct' });
  expect(small.modelServerVersion).toBe('v0.2.2');
  expect(small.nodes).toBe(1);
  // no profile of any model or slice uses a multi-host-only build
  const multiHostOnly = new Set(JETSTREAM.versions.filter((v) => v.multiHostOnly).map((v) => v.version));
  expect(multiHostOnly.size).toBeGreaterThan(0);
  const jetstreamProfiles = profileCurves(catalog).filter((c) => c.modelServer === 'jetstream');
  expect(jetstreamProfiles.length).toBeGreaterThan(0);
  expect(jetstreamProfiles.filter((c) => multiHostOnly.has(c.modelServerVersion))).toEqual([]);
});

const maybe = kubectlValidateAvailable() ? test : test.skip;
maybe('kubectl accepts the Pathways LeaderWorkerSet, Service, PodMonitoring and HPA', () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-pathways-')) });
  const chart = new Chart(app, 'pathways', { namespace: 'llm' });
  new OptimizedLlmServer(chart, 'srv', { ...base, name: 'llama-405b', targetNtpotMilliseconds: 500 });
  const objects = chart.toJson();
  app.synth();
  const result = kubectlValidate([path.join(app.outdir, 'pathways.k8s.yaml')])!;
  expect(result.output).toContain(`${objects.length} valid, 0 invalid`);
  expect(result.ok).toBe(true);
});

test('at JetStream\'s default model length (Google\'s 2048 tokens) 405B takes the smaller slice, and its curve runs no more requests than its slots', () => {
  const byDefault = { ...base, maxModelLength: undefined };
  const r = InferenceResolver.resolve({ ...byDefault, targetNtpotMilliseconds: 500 });
  expect(r.maxModelLength).toBe(2048);
  expect(r.decisions.join('\n')).toMatch(/maxModelLength 2048: the default for a server that preallocates every decode slot at full length/);
  // a quarter of the KV cache a slot: 32 chips leave enough beside 812 GB of bf16 weights for a 2048-token slot per chip
  expect(r.tpuTopology).toBe('4x8');
  expect(r.memory.kvCacheCapacityGb).toBeGreaterThanOrEqual(r.acceleratorCount * r.memory.kvCachePerMaxLengthRequestGb);
  const longer = InferenceResolver.resolve({ ...base, targetNtpotMilliseconds: 500 });
  expect(longer.memory.kvCacheCapacityGb).toBeGreaterThan(longer.acceleratorCount * longer.memory.kvCachePerMaxLengthRequestGb);
  expect(r.memory.kvCacheCapacityGb).toBeLessThan(r.acceleratorCount * 4 * r.memory.kvCachePerMaxLengthRequestGb);
  // the emitted per_device_batch_size x chips is the most the curve runs at once
  const { objects } = synth({ ...byDefault, name: 'llama-405b', targetNtpotMilliseconds: 500 });
  const lws = objects.find((o) => o.kind === 'LeaderWorkerSet');
  const args: string[] = JSON.stringify(lws).match(/per_device_batch_size=(\d+)/)!.slice(1);
  const slots = Number(args[0]) * r.acceleratorCount;
  const curve = modelledCurve(catalog, r)!;
  expect(Math.max(...curve.points.map((p) => p.runningBatchSize!))).toBe(slots);
});
