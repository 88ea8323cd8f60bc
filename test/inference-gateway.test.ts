import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import {
  GatewayFrontend, InferenceGateway, InferenceGatewayProps, InferenceResolver, OptimizedLlmServer, OptimizedLlmServerProps, ServerClients,
} from '../src';
import { expectValidManifests, selectorMatches } from './support/k8s-validator';
import { kubectlValidate, kubectlValidateAvailable } from './support/kubectl-validate';
import { derivedRequestTimeout } from '../src/gateway/request-timeout';

const GEMMA: OptimizedLlmServerProps = { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100, name: 'gemma' };
const DEEPSEEK: OptimizedLlmServerProps = { model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', acceleratorType: 'nvidia-tesla-a100', name: 'deepseek' };

interface Synth {
  chart: Chart;
  servers: OptimizedLlmServer[];
  gateway: InferenceGateway;
  objects: any[];
}

function synth(servers: OptimizedLlmServerProps[] = [GEMMA, DEEPSEEK], props: InferenceGatewayProps = {}, app = Testing.app()): Synth {
  const chart = new Chart(app, 'test', { namespace: 'llm' });
  const built = servers.map((p, i) => new OptimizedLlmServer(chart, `server${i}`, p));
  const gateway = new InferenceGateway(chart, 'gateway', { name: 'inference', servers: built, ...props });
  return { chart, servers: built, gateway, objects: chart.toJson() };
}

const byKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: any[], kind: string, name: string) => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0];
};

/** Every pod template in the objects, with the labels its pods carry (LeaderWorkerSet pods also get the set's name label). */
function podTemplates(objects: any[]): Array<{ owner: string; labels: { [k: string]: string } }> {
  const out: Array<{ owner: string; labels: { [k: string]: string } }> = [];
  for (const o of objects) {
    if (o.spec?.template?.metadata?.labels) out.push({ owner: `${o.kind}/${o.metadata.name}`, labels: o.spec.template.metadata.labels });
    const lws = o.spec?.leaderWorkerTemplate;
    if (lws) {
      const set = { 'leaderworkerset.sigs.k8s.io/name': o.metadata.name };
      out.push({ owner: `${o.kind}/${o.metadata.name} leader`, labels: { ...lws.leaderTemplate.metadata.labels, ...set } });
      out.push({ owner: `${o.kind}/${o.metadata.name} worker`, labels: { ...lws.workerTemplate.metadata.labels, ...set } });
    }
  }
  return out;
}

test('every manifest validates strictly against Kubernetes 1.28 and 1.33 and the CRDs', () => {
  const { objects } = synth(undefined, { workloadClasses: [{ name: 'interactive', priority: 10 }, { name: 'batch', priority: -5 }] });
  expectValidManifests(objects, ['1.28', '1.33']);
  const kinds = new Set(objects.map((o) => o.kind));
  for (const k of ['Gateway', 'HTTPRoute', 'InferencePool', 'InferenceObjective', 'HealthCheckPolicy', 'GCPBackendPolicy', 'Role', 'RoleBinding', 'ConfigMap']) {
    expect(kinds).toContain(k);
  }
});

const maybe = kubectlValidateAvailable() ? test : test.skip;
maybe('kubectl accepts the gateway manifests', () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gke-inference-gw-')) });
  const { objects } = synth(undefined, { workloadClasses: [{ name: 'interactive', priority: 10 }] }, app);
  app.synth();
  const result = kubectlValidate([path.join(app.outdir, 'test.k8s.yaml')], '1.33')!;
  expect(result.output).toContain(`${objects.length} valid, 0 invalid`);
  expect(result.ok).toBe(true);
});

test('a new internal Gateway by default, of class gke-l7-rilb, with one HTTP listener', () => {
  const { objects, gateway } = synth();
  const gw = named(objects, 'Gateway', 'inference');
  expect(gw.apiVersion).toBe('gateway.networking.k8s.io/v1');
  expect(gw.spec).toEqual({ gatewayClassName: 'gke-l7-rilb', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] });
  expect(gateway.gatewayName).toBe('inference');
  expect(gateway.deploymentNotes.join('\n')).toMatch(/proxy-only subnet/);
});

test('an external Gateway on request, and no Gateway when attaching to an existing one', () => {
  const ext = synth(undefined, { frontend: GatewayFrontend.externalLoadBalancer() });
  expect(named(ext.objects, 'Gateway', 'inference').spec.gatewayClassName).toBe('gke-l7-regional-external-managed');
  // a plain-HTTP listener on the internet in front of servers that ask no credentials: said, with what would close it
  expect(ext.gateway.deploymentNotes.join('\n')).toMatch(/external load balancer: its plain-HTTP listener \(port 80\) takes requests from the internet/);
  expect(synth().gateway.deploymentNotes.join('\n')).not.toMatch(/takes requests from the internet/);
  // GKE attaches one GCPBackendPolicy per backend (the oldest; "Configure Gateway resources using Policies"): IAP or Cloud Armor go
  // into the construct's own policies, which it exposes, not a second one the user writes, which would not attach
  expect(ext.gateway.deploymentNotes.join('\n')).toMatch(/set in the GCPBackendPolicies this construct creates \('backendPolicies'.*GKE attaches one GCPBackendPolicy per backend/);
  expect(ext.gateway.backendPolicies.map((p) => p.name).sort()).toEqual(['deepseek', 'gemma']);
  ext.gateway.backendPolicies[0].addJsonPatch(JsonPatch.add('/spec/default/securityPolicy', 'llm-allow-office'));
  expect(byKind(ext.chart.toJson(), 'GCPBackendPolicy').map((p) => p.spec.default.securityPolicy).filter((x) => x)).toEqual(['llm-allow-office']);
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'gemma', GEMMA);
  const gw = new InferenceGateway(chart, 'gateway', { servers: [server], frontend: GatewayFrontend.existingGateway('shared', 'infra') });
  const objects = chart.toJson();
  expect(byKind(objects, 'Gateway')).toHaveLength(0);
  expect(gw.gateway).toBeUndefined();
  expect(named(objects, 'HTTPRoute', 'gemma').spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'shared', namespace: 'infra' }]);
  expect(gw.deploymentNotes.join('\n')).toMatch(/existing Gateway infra\/shared .* namespace llm/);
});

test('each pool selects exactly its server\'s serving pods, on the server\'s port, and nothing else', () => {
  const { objects, servers } = synth();
  const templates = podTemplates(objects);
  for (const server of servers) {
    const pool = named(objects, 'InferencePool', server.name);
    expect(pool.apiVersion).toBe('inference.networking.k8s.io/v1');
    const deployment = named(objects, 'Deployment', server.name);
    expect(pool.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const selected = templates.filter((t) => selectorMatches(pool.spec.selector, t.labels)).map((t) => t.owner);
    expect(selected).toEqual([`Deployment/${server.name}`]);
    // the Service's target port is the container port named http: the pool targets the same number
    const port = deployment.spec.template.spec.containers[0].ports.find((p: any) => p.name === 'http').containerPort;
    expect(pool.spec.targetPorts).toEqual([{ number: port }]);
    expect(named(objects, 'Service', server.name).spec.ports[0].port).toBe(port);
  }
});

test('on a multi-host server the pool selects the LeaderWorkerSet\'s leaders, not its workers', () => {
  const { objects, servers } = synth([{ model: 'meta-llama/Llama-3.3-70B-Instruct', acceleratorType: 'nvidia-l4', name: 'llama' }]);
  expect(servers[0].resolution.nodes).toBeGreaterThan(1);
  const pool = named(objects, 'InferencePool', 'llama');
  const selected = podTemplates(objects).filter((t) => selectorMatches(pool.spec.selector, t.labels)).map((t) => t.owner);
  expect(selected).toEqual(['LeaderWorkerSet/llama leader']);
  expectValidManifests(objects, ['1.33']);
});

test('each route sends its model\'s requests to its pool, matched on the body-based router\'s header', () => {
  const { objects, servers } = synth();
  for (const server of servers) {
    const route = named(objects, 'HTTPRoute', server.name);
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'inference' }]);
    expect(route.spec.rules).toEqual([{
      matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'X-Gateway-Model-Name', value: server.resolution.model }] }],
      backendRefs: [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: server.name }],
    }]);
  }
});

test('without body-based routing the single route takes every request, and a second server is refused', () => {
  const { objects } = synth([GEMMA], { bodyBasedRouting: false });
  expect(named(objects, 'HTTPRoute', 'gemma').spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
  expect(() => synth([GEMMA, DEEPSEEK], { bodyBasedRouting: false })).toThrow(/'bodyBasedRouting' is false.*'gemma' is already behind it/);
});

test('the EPP Service name and port are the pool\'s endpointPickerRef, and the Service selects the EPP pod', () => {
  const { objects, servers } = synth();
  for (const server of servers) {
    const ref = named(objects, 'InferencePool', server.name).spec.endpointPickerRef;
    const service = named(objects, 'Service', ref.name);
    expect(service.spec.ports).toContainEqual(expect.objectContaining({ name: 'grpc-ext-proc', port: ref.port.number }));
    expect(ref.failureMode).toBe('FailOpen');
    const epp = named(objects, 'Deployment', ref.name);
    expect(selectorMatches({ matchLabels: service.spec.selector }, epp.spec.template.metadata.labels)).toBe(true);
    const c = epp.spec.template.spec.containers[0];
    expect(c.image).toBe('registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0');
    expect(c.ports).toContainEqual(expect.objectContaining({ containerPort: ref.port.number }));
    // it watches this pool, in this namespace
    expect(c.args.join(' ')).toContain(`--pool-name ${server.name} --pool-namespace llm --pool-group inference.networking.k8s.io`);
    // the chart's sizing and probes
    expect(c.resources).toEqual({ requests: { cpu: '4', memory: '8Gi' }, limits: { memory: '16Gi' } });
    expect(c.readinessProbe).toEqual({ grpc: { port: 9003, service: 'inference-extension' }, periodSeconds: 2 });
    expect(c.livenessProbe).toEqual({ grpc: { port: 9003, service: 'inference-extension' }, initialDelaySeconds: 5, periodSeconds: 10 });
    // its service account may read pools, objectives and pods
    expect(epp.spec.template.spec.serviceAccountName).toBe(ref.name);
    expect(named(objects, 'RoleBinding', ref.name).subjects).toEqual([{ kind: 'ServiceAccount', name: ref.name, namespace: 'llm' }]);
    expect(named(objects, 'ConfigMap', ref.name).data['default-plugins.yaml']).toMatch(/kind: EndpointPickerConfig/);
    // Managed Prometheus scrapes the EPP's own metrics port
    const pm = named(objects, 'PodMonitoring', ref.name);
    expect(selectorMatches(pm.spec.selector, epp.spec.template.metadata.labels)).toBe(true);
    expect(pm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '10s' }]);
    expect(c.ports).toContainEqual({ name: 'metrics', containerPort: 9090, protocol: 'TCP' });
  }
});

test('the health check probes the server\'s health path on its port', () => {
  const { objects, servers } = synth();
  for (const server of servers) {
    const hc = named(objects, 'HealthCheckPolicy', server.name);
    expect(hc.spec.targetRef).toEqual({ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: server.name });
    const probe = named(objects, 'Deployment', server.name).spec.template.spec.containers[0].readinessProbe.httpGet;
    expect(hc.spec.default.config).toEqual({ type: 'HTTP', httpHealthCheck: { requestPath: probe.path, port: 8000 } });
  }
});

test('the backend timeout fits the longest generation at the operating point, and follows an override', () => {
  const { objects, servers } = synth();
  const timeouts = servers.map((s) => {
    const r = s.resolution;
    const policy = named(objects, 'GCPBackendPolicy', s.name);
    expect(policy.spec.targetRef).toEqual({ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: s.name });
    const ntpot = r.uncertainty?.ntpotMillisecondsHigh ?? r.performance.ntpotMilliseconds;
    const longest = (r.maxModelLength * ntpot) / 1000;
    expect(policy.spec.default.timeoutSec).toBeGreaterThanOrEqual(longest);
    expect(policy.spec.default.timeoutSec).toBeLessThanOrEqual(2 * longest + 30);
    expect(policy.metadata.annotations['cdk8s-gke-inference.io/request-timeout']).toMatch(/maxModelLength/);
    return policy.spec.default.timeoutSec;
  });
  // not one fixed number: a slower operating point waits longer
  expect(new Set(timeouts).size).toBe(2);
  const fixed = synth(undefined, { requestTimeout: Duration.minutes(20) });
  expect(byKind(fixed.objects, 'GCPBackendPolicy').map((p) => p.spec.default.timeoutSec)).toEqual([1200, 1200]);
});

test('one InferenceObjective per workload class and pool, with its priority', () => {
  const { objects } = synth(undefined, { workloadClasses: [{ name: 'interactive', priority: 10 }, { name: 'batch' }] });
  const objectives = byKind(objects, 'InferenceObjective');
  expect(objectives.map((o) => [o.apiVersion, o.metadata.name, o.spec.priority, o.spec.poolRef.name])).toEqual([
    ['inference.networking.x-k8s.io/v1alpha2', 'gemma-interactive', 10, 'gemma'],
    ['inference.networking.x-k8s.io/v1alpha2', 'gemma-batch', 0, 'gemma'],
    ['inference.networking.x-k8s.io/v1alpha2', 'deepseek-interactive', 10, 'deepseek'],
    ['inference.networking.x-k8s.io/v1alpha2', 'deepseek-batch', 0, 'deepseek'],
  ]);
});

test('object names are unique across two servers', () => {
  const { objects } = synth();
  const keys = objects.map((o) => `${o.apiVersion.split('/')[0]}/${o.kind}/${o.metadata.name}`);
  expect(new Set(keys).size).toBe(keys.length);
  expect(byKind(objects, 'InferencePool')).toHaveLength(2);
  expect(byKind(objects, 'HTTPRoute')).toHaveLength(2);
});

test('deployment notes name the prerequisites, every command shell-quoted', () => {
  const { gateway } = synth(undefined, { workloadClasses: [{ name: 'interactive', priority: 1 }] });
  const notes = gateway.deploymentNotes.join('\n');
  expect(notes).toMatch(/1\.34\.0-gke\.1626000/);
  expect(notes).toContain('kubectl apply -f https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/v1.5.0/v1-manifests.yaml');
  expect(notes).toContain('experimental-manifests.yaml');
  expect(notes).toContain('--purpose=REGIONAL_MANAGED_PROXY');
  expect(notes).toContain('helm install body-based-router oci://registry.k8s.io/gateway-api-inference-extension/charts/body-based-routing');
  expect(notes).toContain('inferenceGateway.name=inference');
  // the router copies a body's model into the header the routes match: a request naming none (GET /v1/models) matches no route
  expect(notes).toMatch(/GET \/v1\/models, \/health and bodies without "model" match no route and get 404 from the load balancer/);
  // without body-based routing the route takes every request, and nothing of the router is said
  const single = synth([GEMMA], { bodyBasedRouting: false }).gateway.deploymentNotes.join('\n');
  expect(single).not.toMatch(/helm install body-based-router|match no route/);
  expect(notes).toContain('x-gateway-inference-objective');
  expect(notes).toContain('workload classes: gemma-interactive (priority 1).');
});

test('fails when two servers claim one model name', () => {
  expect(() => synth([GEMMA, { ...GEMMA, name: 'gemma-two', acceleratorType: 'nvidia-h100-80gb' }]))
    .toThrow(/'gemma-two' and OptimizedLlmServer 'gemma' both serve model 'google\/gemma-2-27b-it'/);
});

test('fails when one server is added twice', () => {
  const { gateway, servers } = synth([GEMMA]);
  expect(() => gateway.addServer(servers[0])).toThrow(/'gemma' was added twice/);
});

test('fails on hostile or malformed input, naming the prop', () => {
  expect(() => synth(undefined, { name: 'Bad Name; rm -rf /' })).toThrow(/'name' 'Bad Name; rm -rf \/' must be a DNS-1035 label/);
  expect(() => synth(undefined, { name: 'x\u001b[31m' })).toThrow(/\\u001b/);
  expect(() => synth(undefined, { workloadClasses: [{ name: '$(whoami)', priority: 1 }] })).toThrow(/'workloadClasses\[0\]\.name' must be a DNS-1035 label/);
  expect(() => synth(undefined, { workloadClasses: [{ name: 'a', priority: 1.5 }] })).toThrow(/'workloadClasses\[0\]\.priority' must be a whole number/);
  expect(() => synth(undefined, { workloadClasses: [{ name: 'a' }, { name: 'a' }] })).toThrow(/names 'a' twice/);
  expect(() => synth(undefined, { workloadClasses: [{ name: 'a', prio: 1 } as any] })).toThrow(/unknown prop 'prio'; did you mean 'priority'/);
  expect(() => synth(undefined, { serverz: [] } as any)).toThrow(/unknown prop 'serverz'; did you mean 'servers'/);
  expect(() => synth(undefined, { frontend: { gatewayClassName: 'x' } as any })).toThrow(/'frontend' must be made with GatewayFrontend/);
  expect(() => synth(undefined, { requestTimeout: 300 as any })).toThrow(/'requestTimeout' must be made with Duration/);
  expect(() => synth(undefined, { requestTimeout: Duration.millis(1500) })).toThrow(/'requestTimeout' must be a whole number of seconds/);
  expect(() => synth(undefined, { endpointPickerImage: 'registry.k8s.io/gateway-api-inference-extension/epp:latest' })).toThrow(/endpointPickerImage/);
  expect(() => GatewayFrontend.existingGateway('shared gw')).toThrow(/^GatewayFrontend\.existingGateway: 'name' must be the Gateway's name, a Kubernetes object name/);
  expect(() => GatewayFrontend.existingGateway('shared', 'Infra;')).toThrow(/^GatewayFrontend\.existingGateway: 'gatewayNamespace' must be a namespace name, a DNS-1123 label/);
  expect(() => synth([GEMMA], { frontend: GatewayFrontend.existingGateway('shared') })).toThrow(/'name' \('inference'\) names a Gateway to create/);
  const { gateway } = synth([GEMMA]);
  expect(() => gateway.addServer({ name: 'x', resolution: {} } as any)).toThrow(/addServer takes an OptimizedLlmServer/);
});

test('fails for a server whose name leaves no room for the Endpoint Picker\'s', () => {
  const long = 'a'.repeat(60);
  expect(() => synth([{ ...GEMMA, name: long }])).toThrow(/give the server a 'name' of at most 59 characters/);
});

test('fails for a server in another namespace', () => {
  const app = Testing.app();
  const other = new Chart(app, 'other', { namespace: 'elsewhere' });
  const server = new OptimizedLlmServer(other, 'gemma', GEMMA);
  const chart = new Chart(app, 'test', { namespace: 'llm' });
  expect(() => new InferenceGateway(chart, 'gateway', { servers: [server] })).toThrow(/namespace 'llm' but OptimizedLlmServer 'gemma' is in 'elsewhere'/);
});

test('a server fenced by allowedClients gets a NetworkPolicy admitting the proxies, health checks and Endpoint Picker on its port', () => {
  const fenced = { ...GEMMA, allowedClients: [ServerClients.inNamespace('apps')] };
  const { objects } = synth([fenced, DEEPSEEK], { proxyOnlySubnetCidr: '10.129.0.0/23' });
  expectValidManifests(objects, ['1.33']);
  const policy = named(objects, 'NetworkPolicy', 'gemma-gateway');
  expect(selectorMatches(policy.spec.podSelector, named(objects, 'Deployment', 'gemma').spec.template.metadata.labels)).toBe(true);
  const epp = named(objects, 'Deployment', 'gemma-epp');
  expect(policy.spec.ingress).toHaveLength(1);
  const [rule] = policy.spec.ingress;
  expect(rule.ports).toEqual([{ protocol: 'TCP', port: 8000 }]);
  expect(selectorMatches(rule.from[0].podSelector, epp.spec.template.metadata.labels)).toBe(true);
  expect(rule.from.slice(1).map((p: any) => p.ipBlock.cidr)).toEqual(['10.129.0.0/23', '35.191.0.0/16', '130.211.0.0/22']);
  // the unfenced server needs none
  expect(byKind(objects, 'NetworkPolicy').map((o) => o.metadata.name).sort()).toEqual(['gemma', 'gemma-gateway']);
  // NetworkPolicies add up: the gateway's notes say what it admits beside the server's allowedClients
  expect(synth([fenced, DEEPSEEK], { proxyOnlySubnetCidr: '10.129.0.0/23' }).gateway.deploymentNotes.join('\n'))
    .toMatch(/NetworkPolicy gemma-gateway also admits to gemma's port 8000, beside its 'allowedClients', the load balancer's proxy-only subnet 10\.129\.0\.0\/23/);
  expect(() => synth([fenced])).toThrow(/'gemma' is fenced by 'allowedClients'.*set 'proxyOnlySubnetCidr'/);
  // a policy that admits any source already admits the load balancer's proxies
  expect(() => synth([{ ...GEMMA, allowedClients: [ServerClients.any()] }])).not.toThrow();
  expect(() => synth([GEMMA], { proxyOnlySubnetCidr: '10.129.0.0/33' })).toThrow(/'proxyOnlySubnetCidr' must be an IPv4 range/);
  expect(() => synth([GEMMA], { proxyOnlySubnetCidr: '0.0.0.0/0; curl x' })).toThrow(/'proxyOnlySubnetCidr' must be an IPv4 range/);
});

test('fails when a server is put behind a second gateway', () => {
  const { chart, servers } = synth([GEMMA]);
  expect(() => new InferenceGateway(chart, 'second', { servers, bodyBasedRouting: false })).toThrow(/'gemma' is already behind InferenceGateway 'inference'/);
});

test('one Gateway per namespace routes by the model: the body-based router\'s chart has fixed object names', () => {
  const { chart } = synth([GEMMA]);
  expect(() => new InferenceGateway(chart, 'second', { name: 'second' }))
    .toThrow(/^InferenceGateway 'second': the Gateway llm\/inference of InferenceGateway 'test\/gateway' already routes by the request's model in namespace 'llm'/);
  // a second InferenceGateway on that same Gateway shares its router (one release attached to the Gateway): a team's servers beside the first
  // (a fresh app: the refused gateway above stays in its construct tree)
  const fresh = synth([GEMMA]).chart;
  const team = new OptimizedLlmServer(fresh, 'team', { ...DEEPSEEK, name: 'team-model' });
  expect(() => new InferenceGateway(fresh, 'shared', { servers: [team], frontend: GatewayFrontend.existingGateway('inference') })).not.toThrow();
  // one server behind a second gateway needs no router; another namespace has its own
  expect(() => new InferenceGateway(chart, 'third', { name: 'third', bodyBasedRouting: false })).not.toThrow();
  expect(() => new InferenceGateway(new Chart(chart.node.root as App, 'other', { namespace: 'other' }), 'g', { name: 'g' })).not.toThrow();
});

test('the run-time prop list equals InferenceGatewayProps (a new prop is never refused as unknown)', () => {
  const source = fs.readFileSync(path.join(__dirname, '..', 'src/gateway/inference-gateway.ts'), 'utf8');
  const listed = [.../const KNOWN_PROPS = \[([^\]]*)\]/.exec(source)![1].matchAll(/'(\w+)'/g)].map((m) => m[1]).sort();
  const body = /export interface InferenceGatewayProps \{([\s\S]*?)\n\}/.exec(source)![1];
  const declared = [...body.matchAll(/^ {2}readonly (\w+)\?:/gm)].map((m) => m[1]).sort();
  expect(listed).toEqual(declared);
  expect(declared.length).toBeGreaterThan(5);
});

test('the derived timeout says when a measured profile has no TTFT instead of printing 0 ms', () => {
  // GIQ's measured gemma-2-27b points on L4 carry no TTFT column; a modelled estimate always has one
  const measured = InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100 });
  expect(measured.performance.ttftMilliseconds).toBeUndefined();
  const m = derivedRequestTimeout(measured);
  expect(m.explanation).toContain('no TTFT measured + 8192 tokens (maxModelLength)');
  expect(m.explanation).not.toContain('0 ms TTFT');
  expect(m.seconds).toBe(Math.ceil(1.5 * (measured.maxModelLength * measured.performance.ntpotMilliseconds) / 1000));
  const estimated = InferenceResolver.resolve({ model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 200 });
  const ttft = estimated.uncertainty!.ttftMillisecondsHigh!;
  expect(ttft).toBeGreaterThan(0);
  expect(derivedRequestTimeout(estimated).explanation).toContain(`${Math.round(ttft)} ms TTFT + `);
});

test('the Endpoint Picker reads the KV-cache gauge of the pool\'s vLLM release; a chart without a namespace is refused', () => {
  const yaml = (objects: any[], name: string) => named(objects, 'ConfigMap', `${name}-epp`).data['default-plugins.yaml'] as string;
  // vLLM before 0.9.2 exports vllm:gpu_cache_usage_perc only; the v1.5.0 picker's built-in vLLM mapping reads vllm:kv_cache_usage_perc
  const old = synth([{ ...GEMMA, modelServerVersion: 'v0.7.2' }]);
  expect(old.servers[0].resolution.modelServerVersion).toBe('v0.7.2');
  expect(yaml(old.objects, 'gemma')).toContain([
    '- type: core-metrics-extractor',
    '  parameters:',
    '    engineConfigs:',
    '    - name: vllm',
    '      queuedRequestsSpec: "vllm:num_requests_waiting"',
    '      runningRequestsSpec: "vllm:num_requests_running"',
    '      kvUsageSpec: "vllm:gpu_cache_usage_perc"',
    '      loraSpec: "vllm:lora_requests_info"',
    '      cacheInfoSpec: "vllm:cache_config_info"',
  ].join('\n'));
  // a release that exports the gauge the picker reads by default keeps its default configuration
  const current = synth([{ ...GEMMA, modelServerVersion: 'v0.12.0' }]);
  expect(yaml(current.objects, 'gemma')).not.toContain('engineConfigs');
  expect(yaml(current.objects, 'gemma')).toMatch(/- type: core-metrics-extractor\nschedulingProfiles:/);
  expectValidManifests(old.objects);
  // the picker names its pool's namespace and its ServiceAccount's: without the chart's, applied elsewhere, it would look in 'default'
  const chart = new Chart(Testing.app(), 'nons');
  const server = new OptimizedLlmServer(chart, 's', GEMMA);
  expect(() => new InferenceGateway(chart, 'g', { name: 'inference', servers: [server] }))
    .toThrow(/InferenceGateway 'inference': the chart has no 'namespace', but the Endpoint Picker must name the namespace of its InferencePool/);
});

test('a pool on vLLM\'s V0 engine (v0.7.2: no prefix cache by default) is scored without prefix affinity; V1 pools keep it', () => {
  const yaml = (objects: any[]) => named(objects, 'ConfigMap', 'gemma-epp').data['default-plugins.yaml'] as string;
  const v0 = yaml(synth([{ ...GEMMA, modelServerVersion: 'v0.7.2' }]).objects);
  expect(v0).not.toContain('prefix-cache-scorer');
  expect(v0).toContain('  - pluginRef: queue-scorer\n    weight: 2\n  - pluginRef: kv-cache-utilization-scorer\n    weight: 2\n');
  const v1 = yaml(synth([{ ...GEMMA, modelServerVersion: 'v0.12.0' }]).objects);
  expect(v1).toContain('- type: prefix-cache-scorer');
  expect(v1).toContain('  - pluginRef: prefix-cache-scorer\n    weight: 3');
});

test('the Endpoint Picker serves no profiling endpoints and outlasts its pool\'s pods when it stops', () => {
  const { objects } = synth([GEMMA]);
  const server = named(objects, 'Deployment', 'gemma').spec.template.spec;
  const epp = named(objects, 'Deployment', 'gemma-epp').spec.template.spec;
  expect(epp.containers[0].args).toContain('--enable-pprof=false');
  expect(epp.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(server.terminationGracePeriodSeconds);
  expect(epp.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(130);
});

test('a server in a chart without a namespace is refused: its pool would look in the gateway\'s', () => {
  const app = Testing.app();
  const plain = new Chart(app, 'plain');
  const server = new OptimizedLlmServer(plain, 's', GEMMA);
  const chart = new Chart(app, 'gw', { namespace: 'default' });
  expect(() => new InferenceGateway(chart, 'g', { name: 'inference', servers: [server] }))
    .toThrow(/OptimizedLlmServer 'gemma' is in a chart without a namespace.*give its chart the namespace 'default'/);
});

test('gateways sharing one Gateway may not both route every request, nor claim one model name', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'c', { namespace: 'llm' });
  const gemma = new OptimizedLlmServer(chart, 'gemma', GEMMA);
  const deepseek = new OptimizedLlmServer(chart, 'deepseek', DEEPSEEK);
  new InferenceGateway(chart, 'a', { frontend: GatewayFrontend.existingGateway('shared'), bodyBasedRouting: false, servers: [gemma] });
  expect(() => new InferenceGateway(chart, 'b', { frontend: GatewayFrontend.existingGateway('shared'), bodyBasedRouting: false, servers: [deepseek] }))
    .toThrow(/both route every request on the Gateway llm\/shared .* the Gateway API sends every request to the older/);
  // a body-routed gateway beside it routes its own models (the header match wins over the catch-all)
  const chart2 = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const g2 = new OptimizedLlmServer(chart2, 'gemma', GEMMA);
  const d2 = new OptimizedLlmServer(chart2, 'deepseek', DEEPSEEK);
  new InferenceGateway(chart2, 'a', { frontend: GatewayFrontend.existingGateway('shared'), bodyBasedRouting: false, servers: [g2] });
  expect(() => new InferenceGateway(chart2, 'b', { frontend: GatewayFrontend.existingGateway('shared'), servers: [d2] })).not.toThrow();
  // two body-routed gateways on one Gateway: the router is installed once ("This chart should only be deployed once per Gateway")
  const chart3 = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const one = new InferenceGateway(chart3, 'one', { frontend: GatewayFrontend.existingGateway('shared'), servers: [new OptimizedLlmServer(chart3, 'gemma', GEMMA)] });
  const two = new InferenceGateway(chart3, 'two', { frontend: GatewayFrontend.existingGateway('shared'), servers: [new OptimizedLlmServer(chart3, 'deepseek', DEEPSEEK)] });
  expect(one.deploymentNotes.join('\n')).toContain('helm install body-based-router');
  expect(two.deploymentNotes.join('\n')).not.toContain('helm install body-based-router');
  expect(two.deploymentNotes.join('\n')).toMatch(/body-based router of the Gateway llm\/shared is installed once, with the command in the notes of InferenceGateway 'c\/one'/);
});

test('proxyOnlySubnetCidr is one subnet\'s range: nothing wider than a /16, no host bits', () => {
  const fenced = { ...GEMMA, allowedClients: [ServerClients.inNamespace('web')] };
  expect(() => synth([fenced], { proxyOnlySubnetCidr: '0.0.0.0/0' })).toThrow(/'proxyOnlySubnetCidr' '0\.0\.0\.0\/0' is a \/0: a proxy-only subnet is one regional subnet/);
  expect(() => synth([fenced], { proxyOnlySubnetCidr: '10.0.0.0/8' })).toThrow(/is a \/8/);
  expect(() => synth([fenced], { proxyOnlySubnetCidr: '10.129.0.5/23' })).toThrow(/has host bits set: the subnet's range is '10\.129\.0\.0\/23'/);
  expect(() => synth([fenced], { proxyOnlySubnetCidr: '10.129.0.0/23' })).not.toThrow();
});

test('the notes say what the Endpoint Picker needs: the Network Services API and a CPU node pool with room for it', () => {
  const { gateway, objects } = synth([GEMMA]);
  const epp = named(objects, 'Deployment', 'gemma-epp').spec.template.spec;
  expect(epp.containers[0].resources.requests).toEqual({ cpu: '4', memory: '8Gi' });
  expect(epp.tolerations).toBeUndefined();
  const notes = gateway.deploymentNotes.join('\n');
  expect(notes).toContain('gcloud services enable compute.googleapis.com networkservices.googleapis.com');
  expect(notes).toMatch(/Endpoint Picker \(<server>-epp\) requests 4 CPU and 8 GiB .* --machine-type=e2-standard-8 /);
});

test('a server planned for a GKE older than the Gateway controller\'s 1.32.3 is refused behind the gateway', () => {
  expect(() => synth([{ ...GEMMA, gkeVersion: '1.31.5-gke.1023000' }]))
    .toThrow(/planned for GKE 1\.31\.5-gke\.1023000 \('gkeVersion'\), but GKE's Gateway controller programs an Inference Gateway from 1\.32\.3/);
  expect(() => synth([{ ...GEMMA, gkeVersion: '1.32.3-gke.1170000' }])).not.toThrow();
  expect(synth([{ ...GEMMA, gkeVersion: '1.33' }]).servers[0].resolution.gkeVersion).toBe('1.33');
});
