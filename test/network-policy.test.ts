import { Chart, Testing } from 'cdk8s';
import { HuggingFaceToken, OptimizedLlmServer, OptimizedLlmServerProps, ServerClients } from '../src';
import { expectValidManifests } from './support/k8s-validator';

function synth(props: Partial<OptimizedLlmServerProps>): { server: OptimizedLlmServer; objects: any[] } {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'server', { model: 'openai/gpt-oss-20b', name: 'gpt-oss', ...props });
  return { server, objects: chart.toJson() };
}

const policyOf = (objects: any[]) => objects.find((o) => o.kind === 'NetworkPolicy');
// Managed Prometheus's collector: gmp-system on Standard, gke-gmp-system on Autopilot (the inference extension's chart switches to it there)
const COLLECTOR = {
  namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['gke-gmp-system', 'gmp-system'] }] },
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'collector' } },
};
const PORTS = [{ protocol: 'TCP', port: 8000 }];

test('no allowedClients, no NetworkPolicy', () => {
  const { server, objects } = synth({});
  expect(policyOf(objects)).toBeUndefined();
  expect(server.networkPolicy).toBeUndefined();
});

test('admits the chosen clients and the Managed Prometheus collector on the server port only', () => {
  // GIVEN
  const allowedClients = [
    ServerClients.inNamespace('gateway'),
    ServerClients.podLabels({ app: 'chat-frontend' }),
    ServerClients.podsInNamespace('batch', { 'app.kubernetes.io/name': 'evaluator' }),
    ServerClients.namespaceLabels({ team: 'ml' }),
    ServerClients.ipBlock('10.129.0.0/23'),
    ServerClients.inNamespace('gateway'),
  ];
  // WHEN
  const { server, objects } = synth({ allowedClients });
  // THEN
  const np = policyOf(objects);
  expect(server.networkPolicy).toBeDefined();
  expect(np.apiVersion).toBe('networking.k8s.io/v1');
  expect(np.metadata).toEqual({ name: 'gpt-oss', namespace: 'llm', labels: { app: 'gpt-oss' } });
  expect(np.spec).toEqual({
    podSelector: { matchLabels: { app: 'gpt-oss' } },
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway' } } },
          { podSelector: { matchLabels: { app: 'chat-frontend' } } },
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'evaluator' } },
          },
          { namespaceSelector: { matchLabels: { team: 'ml' } } },
          { ipBlock: { cidr: '10.129.0.0/23' } },
        ],
        ports: PORTS,
      },
      { from: [COLLECTOR], ports: PORTS },
    ],
  });
  expectValidManifests(objects, ['1.28', '1.33']);
  expect(server.deploymentNotes.join('\n')).toMatch(/Network policy: only namespace gateway, .*the Managed Prometheus collector \(gmp-system, or gke-gmp-system on Autopilot\) may reach port 8000/);
});

test('an empty list admits the metrics collector alone; any() opens the server port to every source', () => {
  expect(policyOf(synth({ allowedClients: [] }).objects).spec.ingress).toEqual([{ from: [COLLECTOR], ports: PORTS }]);
  const open = policyOf(synth({ allowedClients: [ServerClients.podLabels({ a: 'b' }), ServerClients.any()] }).objects);
  expect(open.spec.ingress).toEqual([{ ports: PORTS }, { from: [COLLECTOR], ports: PORTS }]);
  expectValidManifests(synth({ allowedClients: [] }).objects, ['1.28']);
});

test('labels are emitted in a stable order', () => {
  const a = policyOf(synth({ allowedClients: [ServerClients.podLabels({ b: '2', a: '1' })] }).objects);
  expect(Object.keys(a.spec.ingress[0].from[0].podSelector.matchLabels)).toEqual(['a', 'b']);
  expect(ServerClients.ipBlock('10.0.0.0/8', ['10.1.0.0/16']).description).toBe('IP range 10.0.0.0/8');
  expect(ServerClients.ipBlock('fd00::/8').description).toBe('IP range fd00::/8');
});

test('fails: invalid clients name the prop', () => {
  expect(() => ServerClients.inNamespace('Gateway')).toThrow(/ServerClients\.inNamespace: 'namespaceName' must be a namespace name \(a DNS-1123 label\), got string 'Gateway'/);
  expect(() => ServerClients.inNamespace(undefined as any)).toThrow(/'namespaceName' must be a namespace name \(a DNS-1123 label\), got undefined\.$/);
  expect(() => ServerClients.podLabels({})).toThrow(/^ServerClients\.podLabels: 'labels' must be a non-empty map .*got object \{\}\.$/);
  expect(() => ServerClients.podLabels({ 'bad key!': 'x' })).toThrow(/^ServerClients\.podLabels: 'labels' key 'bad key!' is invalid: its keys must be label keys/);
  expect(() => ServerClients.namespaceLabels({ team: 'x'.repeat(64) })).toThrow(/^ServerClients\.namespaceLabels: 'labels' value 'x{64}' of 'team' is invalid: it must be a label value/);
  expect(() => ServerClients.podsInNamespace('ns', { 'example.com/': 'x' })).toThrow(/^ServerClients\.podsInNamespace: 'labels' key 'example\.com\/' is invalid: its keys must be label keys/);
  expect(() => (ServerClients as any).podLabels(HuggingFaceToken.none())).toThrow(/^ServerClients\.podLabels: 'labels' must be a map of label keys to strings, got HuggingFaceToken/);
  expect(() => ServerClients.ipBlock('10.0.0.0')).toThrow(/ServerClients.ipBlock: 'cidr' must be CIDR ranges such as '10.0.0.0\/8', got string '10.0.0.0'/);
  expect(() => ServerClients.ipBlock('10.0.0.0/8', ['300.0.0.0/16'])).toThrow(/ServerClients.ipBlock: 'exceptCidrs' must be CIDR ranges .*got string '300.0.0.0\/16'/);
  expect(() => synth({ allowedClients: [{ namespace: 'x' } as unknown as ServerClients] })).toThrow(/'allowedClients' must be a list of ServerClients/);
  expect(() => synth({ allowedClients: ServerClients.any() as unknown as ServerClients[] })).toThrow(/'allowedClients' must be a list/);
});
