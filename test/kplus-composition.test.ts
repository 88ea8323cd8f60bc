import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { OptimizedLlmServer, ServerClients } from '../src';
import { expectValidManifests, selectorMatches } from './support/k8s-validator';
import { HttpRoute } from '../src/imports/gateway.networking.k8s.io';

// The seven compositions a cdk8s-plus user reaches for first (issue 17): each compiles, synthesizes, passes the strict
// schemas, and references exactly the server's Service name and port, its serving pods' labels or its ServiceAccount.

const NAMESPACE = 'llm';

function setup(props: Partial<ConstructorParameters<typeof OptimizedLlmServer>[2]> = {}) {
  const chart = new Chart(Testing.app(), 'c', { namespace: NAMESPACE });
  const server = new OptimizedLlmServer(chart, 'gemma', { model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', ...props });
  const client = new kplus.Deployment(chart, 'client', {
    containers: [{ name: 'app', image: 'registry.example/app:1.0', portNumber: 8080, securityContext: { user: 1000, group: 1000 } }],
  });
  return { chart, server, client };
}

const ofKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);
const serverDeployment = (objects: any[], server: OptimizedLlmServer) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === server.name);
const serverService = (objects: any[], server: OptimizedLlmServer) => objects.find((o) => o.kind === 'Service' && o.metadata.name === server.service.name);

/** Whether a NetworkPolicy peer's pod selector selects the server's serving pods (labels) in the server's namespace. */
function peerSelectsServer(peer: any, objects: any[], server: OptimizedLlmServer): boolean {
  const pods = serverDeployment(objects, server).spec.template.metadata.labels;
  const ns = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
  return selectorMatches(peer.podSelector, pods) && (ns === undefined || ns === NAMESPACE);
}

test('1. Ingress backend: kplus.IngressBackend.fromService(server.kplusService), and exposeViaIngress', () => {
  const { chart, server } = setup();
  new kplus.Ingress(chart, 'ingress', { defaultBackend: kplus.IngressBackend.fromService(server.kplusService) });
  server.kplusService.exposeViaIngress('/v1');
  const objects = Testing.synth(chart);
  const service = serverService(objects, server);
  const ingresses = ofKind(objects, 'Ingress');
  expect(ingresses).toHaveLength(2);
  const backends = [
    ingresses.find((i) => i.spec.defaultBackend).spec.defaultBackend,
    ingresses.find((i) => i.spec.rules).spec.rules[0].http.paths[0].backend,
  ];
  expect(ingresses.find((i) => i.spec.rules).spec.rules[0].http.paths[0].path).toBe('/v1');
  for (const b of backends) expect(b.service).toEqual({ name: service.metadata.name, port: { number: service.spec.ports[0].port } });
  expect(service.spec.ports[0].port).toBe(server.port);
  // the view emits no second Service
  expect(ofKind(objects, 'Service')).toHaveLength(1);
  expect(() => server.kplusService.bind(9000)).toThrow(/belongs to an OptimizedLlmServer/);
  expectValidManifests(objects);
});

test('2. Gateway API HTTPRoute backendRef: service.name and port', () => {
  const { chart, server } = setup();
  new HttpRoute(chart, 'route', {
    metadata: { name: 'llm' },
    spec: {
      parentRefs: [{ name: 'gateway' }],
      rules: [{ backendRefs: [{ name: server.service.name, port: server.port }] }],
    },
  });
  const objects = Testing.synth(chart);
  const route = ofKind(objects, 'HTTPRoute')[0];
  const service = serverService(objects, server);
  expect(route.spec.rules[0].backendRefs).toEqual([{ name: service.metadata.name, port: service.spec.ports[0].port }]);
  expectValidManifests(objects);
});

test('3. client.connections.allowTo(server): egress from the client on the server\'s port only; the server fenced by its own allowedClients', () => {
  // cdk8s-plus's default isolates both sides: its ingress policy on the server's pods admits the client alone, shutting out the
  // Managed Prometheus collector (the PodMonitoring and the HPA would see nothing): refused at synth time, naming the fix
  const both = setup();
  both.client.connections.allowTo(both.server);
  expect(() => Testing.synth(both.chart)).toThrow(new RegExp("\\[kubernetes/foreign-network-policy\\] NetworkPolicy llm/.* selects the server's pods and "
    + 'does not admit the Managed Prometheus collector \\(gke-gmp-system or gmp-system\\) on port 8000.*isolation: PodConnectionsIsolation.POD'));
  // the fix: the client's side only, and the server's own policy (allowedClients) admits the client and the collector
  const { chart, server, client } = setup({ allowedClients: [ServerClients.podLabels({ 'cdk8s.io/metadata.addr': 'c-client-c8f3ab10' })] });
  client.connections.allowTo(server, { isolation: kplus.PodConnectionsIsolation.POD });
  const objects = Testing.synth(chart);
  const policies = ofKind(objects, 'NetworkPolicy');
  const egress = policies.find((p) => p.spec.policyTypes?.includes('Egress'));
  expect(peerSelectsServer(egress.spec.egress[0].to[0], objects, server)).toBe(true);
  expect(egress.spec.egress[0].ports).toEqual([{ port: server.port, protocol: 'TCP' }]);
  // no policy but the server's own selects the server's pods
  const onServer = policies.filter((p) => selectorMatches(p.spec.podSelector, serverDeployment(objects, server).spec.template.metadata.labels));
  expect(onServer.map((p) => p.metadata.name)).toEqual([server.name]);
  expectValidManifests(objects);
});

test('4. client.connections.allowFrom(server): ingress to the client from the serving pods; an egress policy on the server is refused', () => {
  const both = setup();
  both.client.connections.allowFrom(both.server);
  expect(() => Testing.synth(both.chart)).toThrow(/does not admit egress to every destination: the server needs DNS, the model download/);
  const { chart, server, client } = setup();
  client.connections.allowFrom(server, { isolation: kplus.PodConnectionsIsolation.POD });
  const objects = Testing.synth(chart);
  const policies = ofKind(objects, 'NetworkPolicy');
  expect(policies).toHaveLength(1);
  expect(policies[0].spec.policyTypes).toEqual(['Ingress']);
  expect(peerSelectsServer(policies[0].spec.ingress[0].from[0], objects, server)).toBe(true);
  expectValidManifests(objects);
});

test('5. client.scheduling.colocate(server): a required pod affinity on the serving pods\' labels', () => {
  const { chart, server, client } = setup();
  client.scheduling.colocate(server);
  const objects = Testing.synth(chart);
  const term = objects.find((o) => o.kind === 'Deployment' && o.metadata.name !== server.name)
    .spec.template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
  expect(selectorMatches(term.labelSelector, serverDeployment(objects, server).spec.template.metadata.labels)).toBe(true);
  expect(term.labelSelector).toEqual({ matchLabels: server.podSelectorLabels });
  expect(term.topologyKey).toBe('kubernetes.io/hostname');
  expect(term.namespaces).toEqual([NAMESPACE]);
  expectValidManifests(objects);
});

test('6. client.scheduling.separate(server): a pod anti-affinity on the serving pods\' labels', () => {
  const { chart, server, client } = setup();
  client.scheduling.separate(server, { weight: 50 });
  const objects = Testing.synth(chart);
  const preferred = objects.find((o) => o.kind === 'Deployment' && o.metadata.name !== server.name)
    .spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0];
  expect(preferred.weight).toBe(50);
  expect(preferred.podAffinityTerm.labelSelector).toEqual({ matchLabels: server.podSelectorLabels });
  expectValidManifests(objects);
});

test('7. a kplus Deployment reuses the server\'s ServiceAccount', () => {
  const { chart, server } = setup();
  const app = new kplus.Deployment(chart, 'sidecar-app', {
    serviceAccount: server.kplusServiceAccount,
    automountServiceAccountToken: false,
    containers: [{ image: 'registry.example/app:1.0', securityContext: { user: 1000, group: 1000 } }],
  });
  const objects = Testing.synth(chart);
  const sa = ofKind(objects, 'ServiceAccount');
  expect(sa).toHaveLength(1);
  const other = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === app.name);
  expect(other.spec.template.spec.serviceAccountName).toBe(sa[0].metadata.name);
  expect(serverDeployment(objects, server).spec.template.spec.serviceAccountName).toBe(sa[0].metadata.name);
  expectValidManifests(objects);
});

test('multi-host: peers and affinities select the LeaderWorkerSet\'s leaders, which serve HTTP', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: NAMESPACE });
  const server = new OptimizedLlmServer(chart, 'big', { model: 'meta-llama/Llama-3.1-405B-Instruct', acceleratorType: 'nvidia-h100-80gb' });
  const client = new kplus.Deployment(chart, 'client', { containers: [{ image: 'registry.example/app:1.0', securityContext: { user: 1000 } }] });
  client.connections.allowTo(server);
  // cdk8s-plus's default ingress policy on the leaders would shut the workers out of the Ray head: refused
  expect(() => Testing.synth(chart)).toThrow(/nor the pods of the same multi-host group on every port: the workers would never reach the leader/);
  const chart2 = new Chart(Testing.app(), 'c', { namespace: NAMESPACE });
  const server2 = new OptimizedLlmServer(chart2, 'big', { model: 'meta-llama/Llama-3.1-405B-Instruct', acceleratorType: 'nvidia-h100-80gb' });
  const client2 = new kplus.Deployment(chart2, 'client', { containers: [{ image: 'registry.example/app:1.0', securityContext: { user: 1000 } }] });
  client2.connections.allowTo(server2, { isolation: kplus.PodConnectionsIsolation.POD });
  const objects = Testing.synth(chart2);
  const lws = objects.find((o) => o.kind === 'LeaderWorkerSet');
  const service = serverService(objects, server2);
  expect(server2.podSelectorLabels).toEqual(service.spec.selector);
  const leaderLabels = { ...lws.spec.leaderWorkerTemplate.leaderTemplate.metadata.labels, 'leaderworkerset.sigs.k8s.io/name': server2.name };
  const workerLabels = { ...lws.spec.leaderWorkerTemplate.workerTemplate.metadata.labels, 'leaderworkerset.sigs.k8s.io/name': server2.name };
  // the client may reach the leaders, which serve HTTP, and not the workers
  const egress = ofKind(objects, 'NetworkPolicy').find((p) => p.spec.policyTypes?.includes('Egress'));
  expect(selectorMatches(egress.spec.egress[0].to[0].podSelector, leaderLabels)).toBe(true);
  expect(selectorMatches(egress.spec.egress[0].to[0].podSelector, workerLabels)).toBe(false);
});

test('a NetworkPolicy of the user\'s that admits the collector and the group is accepted; one in another namespace is not the server\'s', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: NAMESPACE });
  const server = new OptimizedLlmServer(chart, 'big', { model: 'meta-llama/Llama-3.1-405B-Instruct', acceleratorType: 'nvidia-h100-80gb' });
  const policy = (namespace: string, ingress: any[]) => new kplus.k8s.KubeNetworkPolicy(chart, `p-${namespace}-${ingress.length}`, {
    metadata: { namespace },
    spec: { podSelector: { matchLabels: { app: server.name } }, policyTypes: ['Ingress'], ingress },
  });
  policy('other', [{ ports: [{ port: kplus.k8s.IntOrString.fromNumber(8000) }] }]);
  policy(NAMESPACE, [
    { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gmp-system' } } }], ports: [{ port: kplus.k8s.IntOrString.fromNumber(8000) }] },
    { from: [{ podSelector: { matchLabels: { 'leaderworkerset.sigs.k8s.io/name': server.name } } }] },
  ]);
  expect(() => Testing.synth(chart)).not.toThrow();
  // without the group's rule, the workers lose the leader
  policy(NAMESPACE, [{ from: [{ namespaceSelector: {} }], ports: [{ port: kplus.k8s.IntOrString.fromNumber(8000) }] }]);
  expect(() => Testing.synth(chart)).toThrow(/\(c\/p-llm-1\) selects the server's pods and does not admit the pods of the same multi-host group on every port/);
});
