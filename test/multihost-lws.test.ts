import { Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { ClusterMode, OptimizedLlmServer, OptimizedLlmServerProps, ServerClients } from '../src';
import { expectValidManifests } from './support/k8s-validator';

const LLAMA_70B = 'meta-llama/Llama-3.3-70B-Instruct';

function synth(props: Partial<OptimizedLlmServerProps>): { server: OptimizedLlmServer; objects: any[] } {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'server', { model: LLAMA_70B, acceleratorType: 'nvidia-l4', name: 'llama', ...props });
  return { server, objects: chart.toJson() };
}
const one = (objects: any[], kind: string) => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
};

test('a model no single L4 machine holds is a LeaderWorkerSet of 2 nodes, TP 8 x PP 2 = 16 GPUs, valid for 1.28 and 1.33', () => {
  const { server, objects } = synth({ targetNtpotMilliseconds: 200, allowedClients: [ServerClients.inNamespace('apps')], disruptionBudget: true });
  expectValidManifests(objects, ['1.28', '1.33']);
  expect(objects.filter((o) => o.kind === 'Deployment')).toHaveLength(0);
  expect(server.deployment).toBeUndefined();
  const lws = one(objects, 'LeaderWorkerSet');
  expect(server.leaderWorkerSet).toBeDefined();
  expect(lws.apiVersion).toBe('leaderworkerset.x-k8s.io/v1');
  const t = lws.spec.leaderWorkerTemplate;
  expect(t.size).toBe(server.resolution.nodes);
  expect(t.size).toBe(2);
  expect(t.restartPolicy).toBe('RecreateGroupOnPodRestart');
  const leader = t.leaderTemplate.spec;
  const worker = t.workerTemplate.spec;
  expect(t.leaderTemplate.metadata.labels).toMatchObject({ app: 'llama', role: 'leader' });
  expect(t.workerTemplate.metadata.labels).toMatchObject({ app: 'llama', role: 'worker' });
  // GPUs: TP per pod, on nodes of the resolved accelerator and count; TP x PP = all GPUs of the group
  for (const spec of [leader, worker]) {
    expect(spec.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4', 'cloud.google.com/gke-accelerator-count': '8', 'cloud.google.com/gke-spot': 'true' });
    const c = spec.containers[0];
    expect(c.resources.limits['nvidia.com/gpu']).toBe('8');
    expect(c.resources.requests['nvidia.com/gpu']).toBe('8');
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext.seccompProfile.type).toBe('RuntimeDefault');
    expect(spec.volumes.find((v: any) => v.name === 'dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '16Gi' });
  }
  const gpus = Number(leader.containers[0].resources.limits['nvidia.com/gpu']) * t.size;
  expect(gpus).toBe(server.resolution.acceleratorCount);
  expect(server.resolution.tensorParallelSize * server.resolution.pipelineParallelSize).toBe(gpus);
  // the leader: Ray head, wait for the workers, then vLLM with TP and PP; the probes on the leader only
  const script: string = leader.containers[0].command[2];
  expect(leader.containers[0].command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
  expect(leader.containers[0].args).toBeUndefined();
  expect(script).toMatch(/^set -e\nray start --head --port=6379\n/);
  expect(script).toMatch(/LWS_GROUP_SIZE:-2/);
  expect(script).toMatch(/until python3 -c ".*ray\.nodes\(\).*"/);
  expect(script).toMatch(/\nexec python3 -m vllm\.entrypoints\.openai\.api_server --model=meta-llama\/Llama-3\.3-70B-Instruct --tensor-parallel-size=8 .*--pipeline-parallel-size=2 --distributed-executor-backend=ray$/);
  expect(leader.containers[0].readinessProbe.httpGet.path).toBe('/health');
  expect(leader.containers[0].startupProbe).toBeDefined();
  expect(leader.containers[0].livenessProbe).toBeDefined();
  // the worker joins the leader's Ray head and serves no HTTP
  const w = worker.containers[0];
  expect(w.command[2]).toMatch(/exec ray start --address=\$\(LWS_LEADER_ADDRESS\):6379 --block$/);
  expect(w.readinessProbe).toBeUndefined();
  expect(w.livenessProbe).toBeUndefined();
  expect(w.startupProbe).toBeUndefined();
  expect(w.ports).toBeUndefined();
  // the worker loads its stage's weights: same token and cache env as the leader
  expect(w.env).toEqual(leader.containers[0].env);
});

test('the Service and the PodMonitoring select the leaders; the HPA scales the LeaderWorkerSet; the NetworkPolicy admits the group', () => {
  const { objects } = synth({ targetNtpotMilliseconds: 200, allowedClients: [ServerClients.inNamespace('apps')] });
  const leaderOnly = { 'leaderworkerset.sigs.k8s.io/name': 'llama', 'role': 'leader' };
  expect(one(objects, 'Service').spec.selector).toEqual(leaderOnly);
  // the LWS controller creates the headless Service named after the LWS (the pods' DNS names, LWS_LEADER_ADDRESS) only when no
  // Service of that name exists: the client Service is named apart, as in Google's sample (LWS 'vllm', Service 'vllm-leader')
  expect(one(objects, 'LeaderWorkerSet').metadata.name).toBe('llama');
  expect(one(objects, 'Service').metadata.name).toBe('llama-leader');
  expect(one(objects, 'PodMonitoring').spec.selector).toEqual({ matchLabels: leaderOnly });
  const hpa = one(objects, 'HorizontalPodAutoscaler');
  expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'llama' });
  const policy = one(objects, 'NetworkPolicy');
  expect(policy.spec.ingress).toContainEqual({ from: [{ podSelector: { matchLabels: { 'leaderworkerset.sigs.k8s.io/name': 'llama' } } }] });
});

test('fixed replicas set the LeaderWorkerSet replicas; the notes name the LWS controller and the nodes per replica', () => {
  const { server, objects } = synth({ replicas: 2 });
  expectValidManifests(objects);
  expect(one(objects, 'LeaderWorkerSet').spec.replicas).toBe(2);
  expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toHaveLength(0);
  expect(server.deploymentNotes.join('\n')).toMatch(/2 g2-standard-96 nodes per replica \(8 x nvidia-l4.*4 nodes at first for 2 replicas .*--placement-type COMPACT.*--num-nodes 4\n.*LeaderWorkerSet controller/);
  // how to install it (kubernetes-sigs/lws v0.10.0 installation docs)
  expect(server.deploymentNotes.join('\n'))
    .toContain('kubectl apply --server-side -f https://github.com/kubernetes-sigs/lws/releases/download/v0.10.0/manifests.yaml');
});

test('the server URL names the leader Service; a Service of the LeaderWorkerSet\'s name elsewhere in the app is refused', () => {
  const { server } = synth({});
  expect(server.url).toBe('http://llama-leader.llm.svc.cluster.local:8000');
  const app = Testing.app();
  const chart = new Chart(app, 'c', { namespace: 'llm' });
  new OptimizedLlmServer(chart, 's', { model: LLAMA_70B, acceleratorType: 'nvidia-l4', name: 'llama' });
  new k8s.KubeService(chart, 'mine', { metadata: { name: 'llama' }, spec: { ports: [{ port: 80 }] } });
  expect(() => app.synth()).toThrow(/Service llm\/llama \(by .*\) takes the name of the LeaderWorkerSet of OptimizedLlmServer at c\/s, .*LWS_LEADER_ADDRESS never resolves/);
  // a chart without a namespace puts both in 'default', as a Service that says namespace: default does
  const app2 = Testing.app();
  const bare = new Chart(app2, 'bare');
  new OptimizedLlmServer(bare, 's', { model: LLAMA_70B, acceleratorType: 'nvidia-l4', name: 'llama' });
  new k8s.KubeService(bare, 'mine', { metadata: { name: 'llama', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
  expect(() => app2.synth()).toThrow(/Service llama \(by .*\) takes the name of the LeaderWorkerSet/);
});

test('Autopilot: the LeaderWorkerSet passes Autopilot\'s rules too', () => {
  const { objects } = synth({ clusterMode: ClusterMode.AUTOPILOT });
  expectValidManifests(objects);
});

test('errors stay clear for multi-host TPU', () => {
  expect(() => synth({ acceleratorType: 'tpu-v5-lite-podslice' })).toThrow(/This library serves vLLM on TPU single-host/);
});

test('a model that fits one node is still a Deployment', () => {
  const { server, objects } = synth({ model: 'google/gemma-2-27b-it' });
  expect(server.deployment).toBeDefined();
  expect(server.leaderWorkerSet).toBeUndefined();
  expect(objects.filter((o) => o.kind === 'LeaderWorkerSet')).toHaveLength(0);
  expect(one(objects, 'Service').spec.selector).toEqual({ app: 'llama' });
});

test('a multi-host vLLM group is fenced by default: Ray and NCCL ports admit only the group, the serving port any source', () => {
  // Ray "allows any clients to run arbitrary code" and "expects to run in a safe network environment"
  // (https://docs.ray.io/en/latest/ray-security/index.html): the leader's Ray head (6379) must not be open to the cluster
  const { server, objects } = synth({});
  const policy = one(objects, 'NetworkPolicy');
  const lws = one(objects, 'LeaderWorkerSet').spec.leaderWorkerTemplate;
  // it selects leaders and workers alike
  for (const t of [lws.leaderTemplate, lws.workerTemplate]) {
    expect(Object.entries(policy.spec.podSelector.matchLabels).every(([k, v]) => t.metadata.labels[k] === v)).toBe(true);
  }
  expect(policy.spec.policyTypes).toEqual(['Ingress']);
  const port = server.port;
  const rules = policy.spec.ingress as { from?: any[]; ports?: { port: number }[] }[];
  // the one rule without a port list admits the set's pods only (every group of this server: a policy cannot name a group)
  const allPorts = rules.filter((x) => x.ports === undefined);
  expect(allPorts).toHaveLength(1);
  expect(allPorts[0].from).toEqual([{ podSelector: { matchLabels: { 'leaderworkerset.sigs.k8s.io/name': 'llama' } } }]);
  // a rule from any source opens the serving port only, not 6379
  const open = rules.filter((x) => x.from === undefined);
  expect(open.map((x) => x.ports!.map((p) => p.port))).toEqual([[port]]);
  expect(rules.flatMap((x) => (x.ports ?? []).map((p) => p.port))).not.toContain(6379);
  expect(server.deploymentNotes.join('\n')).toMatch(/Network policy \(multi-host default\): the groups' Ray and NCCL ports admit only this server's pods/);
  expectValidManifests(objects, ['1.33']);
  // a single-host server keeps no policy unless asked
  const single = synth({ model: 'google/gemma-2-9b-it', name: 'gemma' });
  expect(single.objects.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
});

test('the pods of each multi-host group are kept in one zone, on Autopilot too, where a regional cluster would spread them', () => {
  // Autopilot clusters are regional (GKE, "Regional clusters"); the Standard pool pins a zone with --node-locations. Per group:
  // matchLabelKeys takes the pod's own group-key (kubernetes-sigs/lws GroupUniqueHashLabelKey), so groups may land in other zones
  for (const clusterMode of [ClusterMode.AUTOPILOT, ClusterMode.STANDARD]) {
    const { objects } = synth({ clusterMode });
    const t = one(objects, 'LeaderWorkerSet').spec.leaderWorkerTemplate;
    for (const spec of [t.leaderTemplate.spec, t.workerTemplate.spec]) {
      expect(spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([{
        labelSelector: { matchLabels: { 'leaderworkerset.sigs.k8s.io/name': 'llama' } },
        matchLabelKeys: ['leaderworkerset.sigs.k8s.io/group-key'],
        topologyKey: 'topology.kubernetes.io/zone',
      }]);
    }
    expectValidManifests(objects, ['1.33']);
  }
});
