// Every synth-time rule with an object that breaks it and one that passes (src/validation).
import { ClusterMode, GkeAutopilot } from '../src';
import { isPinnedImage } from '../src/validation/best-practice-rules';
import { JsonObject, parseQuantity, selectorMatches } from '../src/validation/manifest';
import { SecurityOptOuts, Violation } from '../src/validation/rule';
import { ALL_RULES, applicableRules, checkManifests, formatViolation, jsonEqual, validationOptionsFrom } from '../src/validation/runner';

type Mutable = Record<string, any>;

/** A GPU Deployment, Service, PodMonitoring, HPA, PDB and NetworkPolicy that pass every rule in both modes. */
function goodObjects(): Mutable[] {
  const labels = { app: 'srv' };
  const resources = { 'cpu': '8', 'memory': '27Gi', 'ephemeral-storage': '25Gi', 'nvidia.com/gpu': '1' };
  const health = { httpGet: { path: '/health', port: 'http' } };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'srv', namespace: 'llm', labels },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-tesla-a100', 'cloud.google.com/gke-accelerator-count': '1' },
            containers: [{
              name: 'inference-server',
              image: 'vllm/vllm-openai:v0.7.2',
              ports: [{ name: 'http', containerPort: 8000 }],
              env: [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-secret', key: 'hf_api_token' } } }],
              resources: { requests: { ...resources }, limits: { ...resources } },
              startupProbe: { ...health },
              readinessProbe: { ...health },
              livenessProbe: { ...health },
              securityContext: { allowPrivilegeEscalation: false, privileged: false },
              volumeMounts: [{ name: 'dshm', mountPath: '/dev/shm' }],
            }],
            volumes: [{ name: 'dshm', emptyDir: { medium: 'Memory' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'srv', namespace: 'llm' },
      spec: { selector: labels, ports: [{ name: 'http', port: 8000, targetPort: 'http' }] },
    },
    {
      apiVersion: 'monitoring.googleapis.com/v1',
      kind: 'PodMonitoring',
      metadata: { name: 'srv', namespace: 'llm' },
      spec: { selector: { matchLabels: labels }, endpoints: [{ port: 8000, path: '/metrics' }] },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'srv', namespace: 'llm' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'srv' }, minReplicas: 1, maxReplicas: 3 },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'srv', namespace: 'llm' },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'srv', namespace: 'llm' },
      spec: { podSelector: { matchLabels: labels }, policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 8000 }] }] },
    },
  ];
}

const byKind = (objects: Mutable[], kind: string): Mutable => objects.find((o) => o.kind === kind)!;
const pod = (objects: Mutable[]): Mutable => byKind(objects, 'Deployment').spec.template.spec;
const container = (objects: Mutable[]): Mutable => pod(objects).containers[0];

function check(objects: Mutable[], mode = ClusterMode.AUTOPILOT, optOuts: SecurityOptOuts = {}, autopilotAcceleratorTypes?: string[]): Violation[] {
  return checkManifests(objects as JsonObject[], {
    clusterMode: mode,
    autopilotAcceleratorTypes: autopilotAcceleratorTypes ?? GkeAutopilot.ALLOWED_GPU_TYPES,
    optOuts,
  });
}
const ids = (vs: Violation[]) => [...new Set(vs.map((v) => v.ruleId))];

test('the good objects pass every rule in both modes', () => {
  expect(check(goodObjects(), ClusterMode.AUTOPILOT)).toEqual([]);
  expect(check(goodObjects(), ClusterMode.STANDARD)).toEqual([]);
});

test('every rule in the table has an id, a description, a source and is exercised below', () => {
  const exercised = new Set(CASES.map(([id]) => id));
  for (const rule of ALL_RULES) {
    expect(rule.id).toMatch(/^(kubernetes|gke|gke-autopilot|gke-tpu|best-practice)\/[a-z-]+$/);
    expect(rule.description.length).toBeGreaterThan(20);
    expect(rule.source.length).toBeGreaterThan(10);
    // gke/node-fit needs the construct's node pool: test/node-fit.test.ts exercises it
    if (rule.id !== 'gke/node-fit') expect(exercised.has(rule.id)).toBe(true);
  }
  expect(new Set(ALL_RULES.map((r) => r.id)).size).toBe(ALL_RULES.length);
});

/**
 * [rule id, what breaks it, mutation, other rules the mutation necessarily breaks too]; each mutation must
 * make exactly those rules fail (in AUTOPILOT mode).
 */
const CASES: Array<[string, string, (o: Mutable[]) => void, string[]?]> = [
  ['kubernetes/names', 'a name with upper case', (o) => { byKind(o, 'Deployment').metadata.name = 'Srv'; byKind(o, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'Srv'; }],
  ['kubernetes/names', 'a Service name that starts with a digit', (o) => { byKind(o, 'Service').metadata.name = '1srv'; }],
  ['kubernetes/names', 'a 64-character name', (o) => { byKind(o, 'PodMonitoring').metadata.name = 'a'.repeat(254); }],
  ['kubernetes/names', 'an invalid namespace', (o) => { for (const x of o) x.metadata.namespace = 'LLM'; }],
  ['kubernetes/names', 'an invalid label value', (o) => { byKind(o, 'Service').metadata.labels = { app: '-bad-' }; }],
  ['kubernetes/names', 'an invalid label key', (o) => { byKind(o, 'Service').metadata.labels = { 'a/b/c': 'x' }; }],
  ['kubernetes/names', 'a duplicate container name', (o) => { pod(o).containers.push({ ...container(o) }); },
    ['gke/accelerator-count']],
  ['kubernetes/names', 'a container name with underscores', (o) => { container(o).name = 'inference_server'; }],
  ['kubernetes/names', 'a port name of 16 characters', (o) => { container(o).ports[0].name = 'h'.repeat(16); }, ['kubernetes/ports', 'kubernetes/probe-ports']],
  ['kubernetes/names', 'a mount of an undeclared volume', (o) => { container(o).volumeMounts[0].name = 'cache'; }],
  ['kubernetes/names', 'a duplicate volume', (o) => { pod(o).volumes.push({ name: 'dshm', emptyDir: {} }); }],
  ['kubernetes/selectors', 'a selector that misses the template', (o) => { byKind(o, 'Deployment').spec.selector.matchLabels = { app: 'other' }; }],
  ['kubernetes/selectors', 'an empty workload selector', (o) => { byKind(o, 'Deployment').spec.selector = {}; }],
  ['kubernetes/selectors', 'a dangling Service', (o) => { byKind(o, 'Service').spec.selector = { app: 'nothing' }; }],
  ['kubernetes/selectors', 'a PodMonitoring that selects nothing', (o) => { byKind(o, 'PodMonitoring').spec.selector.matchLabels = { app: 'x' }; }],
  ['kubernetes/selectors', 'a PDB in another namespace', (o) => { byKind(o, 'PodDisruptionBudget').metadata.namespace = 'other'; }],
  ['kubernetes/selectors', 'a NetworkPolicy that fences nothing', (o) => { byKind(o, 'NetworkPolicy').spec.podSelector.matchLabels = { app: 'x' }; }],
  ['kubernetes/ports', 'a container port of 0', (o) => { container(o).ports[0].containerPort = 0; }],
  ['kubernetes/ports', 'a Service port of 70000', (o) => { byKind(o, 'Service').spec.ports[0].port = 70000; }],
  ['kubernetes/ports', 'a target port name no container has', (o) => { byKind(o, 'Service').spec.ports[0].targetPort = 'grpc'; }],
  ['kubernetes/ports', 'a PodMonitoring port out of range', (o) => { byKind(o, 'PodMonitoring').spec.endpoints[0].port = 65536; }],
  ['kubernetes/ports', 'a NetworkPolicy port name no container has', (o) => { byKind(o, 'NetworkPolicy').spec.ingress[0].ports[0].port = 'metrics'; }],
  ['kubernetes/probe-ports', 'a probe on a port the container lacks', (o) => { container(o).readinessProbe = { httpGet: { path: '/health', port: 'web' } }; }],
  ['kubernetes/probe-ports', 'a probe on port 0', (o) => { container(o).livenessProbe = { tcpSocket: { port: 0 } }; }],
  ['kubernetes/resources', 'a request above its limit', (o) => { container(o).resources.limits.cpu = '4'; container(o).resources.requests.cpu = '4500m'; },
    ['gke-autopilot/requests-equal-limits']],
  ['kubernetes/resources', 'an unparsable quantity', (o) => { container(o).resources.requests.memory = '27 GB'; container(o).resources.limits.memory = '27 GB'; }],
  ['kubernetes/resources', 'a fractional GPU', (o) => { container(o).resources.requests['nvidia.com/gpu'] = '0.5'; container(o).resources.limits['nvidia.com/gpu'] = '0.5'; },
    ['gke-autopilot/gpu-quantity']],
  ['kubernetes/resources', 'a GPU request without a limit', (o) => { delete container(o).resources.limits['nvidia.com/gpu']; }],
  ['kubernetes/hpa', 'minReplicas above maxReplicas', (o) => { byKind(o, 'HorizontalPodAutoscaler').spec.minReplicas = 4; }],
  ['kubernetes/hpa', 'minReplicas 0', (o) => { byKind(o, 'HorizontalPodAutoscaler').spec.minReplicas = 0; }],
  ['kubernetes/hpa', 'no maxReplicas', (o) => { delete byKind(o, 'HorizontalPodAutoscaler').spec.maxReplicas; }],
  ['kubernetes/hpa', 'a scale target that does not exist', (o) => { byKind(o, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'gone'; }],
  ['kubernetes/hpa', 'a scale target of the wrong apiVersion', (o) => { byKind(o, 'HorizontalPodAutoscaler').spec.scaleTargetRef.apiVersion = 'apps/v1beta1'; }],
  ['kubernetes/disruption-budget', 'both minAvailable and maxUnavailable', (o) => { byKind(o, 'PodDisruptionBudget').spec.minAvailable = 1; }],
  ['kubernetes/disruption-budget', 'an empty PDB selector', (o) => { byKind(o, 'PodDisruptionBudget').spec.selector = {}; }],
  ['gke-tpu/selectors', 'a TPU pod without TPU node selectors', (o) => {
    const r = container(o).resources;
    for (const k of ['requests', 'limits']) { delete r[k]['nvidia.com/gpu']; r[k]['google.com/tpu'] = '4'; }
    pod(o).nodeSelector = {};
  }],
  ['gke-tpu/chips-per-vm', 'a TPU pod that takes half of its VM\'s chips', (o) => {
    const r = container(o).resources;
    for (const k of ['requests', 'limits']) { delete r[k]['nvidia.com/gpu']; r[k]['google.com/tpu'] = '4'; }
    pod(o).nodeSelector = { 'cloud.google.com/gke-tpu-accelerator': 'tpu-v6e-slice', 'cloud.google.com/gke-tpu-topology': '2x4' };
  }],
  ['gke-tpu/multi-host-group', 'a Deployment pod on a multi-host slice', (o) => {
    const r = container(o).resources;
    for (const k of ['requests', 'limits']) { delete r[k]['nvidia.com/gpu']; r[k]['google.com/tpu'] = '4'; }
    pod(o).nodeSelector = { 'cloud.google.com/gke-tpu-accelerator': 'tpu-v6e-slice', 'cloud.google.com/gke-tpu-topology': '4x4' };
  }],
  // GPU_COUNT >= GPU_QUANTITY (GKE "Deploy GPU workloads in Autopilot"): a node of 1 GPU cannot hold a pod of 2
  ['gke/accelerator-count', 'a count below the GPU limit', (o) => {
    container(o).resources.requests['nvidia.com/gpu'] = '2'; container(o).resources.limits['nvidia.com/gpu'] = '2';
  }],
  ['gke/accelerator-count', 'an unquoted count', (o) => { pod(o).nodeSelector['cloud.google.com/gke-accelerator-count'] = 1; }],
  ['gke/gcsfuse', 'a Cloud Storage FUSE volume without the sidecar annotation', (o) => {
    pod(o).volumes.push({ name: 'model', csi: { driver: 'gcsfuse.csi.storage.gke.io', volumeAttributes: { bucketName: 'b' } } });
  }],
  ['gke/gcsfuse', 'a mount option the driver refuses', (o) => {
    byKind(o, 'Deployment').spec.template.metadata.annotations = { 'gke-gcsfuse/volumes': 'true' };
    pod(o).volumes.push({ name: 'model', csi: { driver: 'gcsfuse.csi.storage.gke.io', volumeAttributes: { bucketName: 'b', mountOptions: 'implicit-dirs,temp-dir=/x' } } });
  }],
  ['gke-autopilot/gpu-selector', 'a GPU pod without an accelerator selector', (o) => { pod(o).nodeSelector = {}; }],
  ['gke-autopilot/allowed-gpu-type', 'a GPU type Autopilot does not admit', (o) => { pod(o).nodeSelector['cloud.google.com/gke-accelerator'] = 'nvidia-h100'; }],
  ['gke-autopilot/allowed-gpu-type', 'a GPU type in a required node affinity', (o) => {
    delete pod(o).nodeSelector['cloud.google.com/gke-accelerator'];
    pod(o).affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{
            matchExpressions: [
              { key: 'cloud.google.com/gke-accelerator', operator: 'In', values: ['nvidia-tesla-v100'] },
            ],
          }],
        },
      },
    };
  }],
  // "Supported GPU quantities": 8 for H200, B200 and H100 Mega
  ['gke-autopilot/gpu-quantity', 'one H200 in a pod', (o) => { pod(o).nodeSelector['cloud.google.com/gke-accelerator'] = 'nvidia-h200-141gb'; }],
  ['gke-autopilot/gpu-quantity', 'three A100 40GB in a pod', (o) => {
    container(o).resources.requests['nvidia.com/gpu'] = '3'; container(o).resources.limits['nvidia.com/gpu'] = '3';
    pod(o).nodeSelector['cloud.google.com/gke-accelerator-count'] = '4';
  }],
  ['gke-autopilot/no-gpu-init-containers', 'a GPU init container', (o) => {
    const { startupProbe, readinessProbe, livenessProbe, ...init } = container(o);
    pod(o).initContainers = [{ ...init, name: 'warmup', ports: [], volumeMounts: [] }];
  }],
  ['gke-autopilot/requests-equal-limits', 'a memory request below its limit', (o) => { container(o).resources.requests.memory = '20Gi'; }],
  ['gke-autopilot/no-nodepool-selector', 'a node-pool selector', (o) => { pod(o).nodeSelector['cloud.google.com/gke-nodepool'] = 'gpu-pool'; }],
  ['gke-autopilot/gpu-shape-maxima', 'more than 11 cpu on 1 x A100 40GB', (o) => { container(o).resources.requests.cpu = '12'; container(o).resources.limits.cpu = '12'; }],
  ['gke-autopilot/gpu-shape-maxima', 'more than 74Gi on 1 x A100 40GB', (o) => { container(o).resources.requests.memory = '80Gi'; container(o).resources.limits.memory = '80Gi'; }],
  ['gke-autopilot/no-privileged', 'a privileged container', (o) => { container(o).securityContext.privileged = true; }, ['best-practice/security-context']],
  ['best-practice/pinned-image', 'an untagged image', (o) => { container(o).image = 'vllm/vllm-openai'; }],
  ['best-practice/pinned-image', 'the latest tag', (o) => { container(o).image = 'vllm/vllm-openai:latest'; }],
  ['best-practice/probes', 'no liveness probe', (o) => { delete container(o).livenessProbe; }],
  ['best-practice/probes', 'no readiness probe', (o) => { delete container(o).readinessProbe; }],
  ['best-practice/resources', 'no resources', (o) => {
    pod(o).containers.push({ name: 'sidecar', image: 'busybox:1.36', readinessProbe: {}, livenessProbe: {}, securityContext: { allowPrivilegeEscalation: false } });
  }],
  ['best-practice/security-context', 'privilege escalation left on', (o) => { delete container(o).securityContext.allowPrivilegeEscalation; }],
  ['best-practice/security-context', 'an unconfined seccomp profile', (o) => { pod(o).securityContext.seccompProfile.type = 'Unconfined'; }],
  ['best-practice/security-context', 'no seccomp profile', (o) => { delete pod(o).securityContext; }],
  ['best-practice/secret-env', 'a literal token', (o) => { container(o).env = [{ name: 'HF_TOKEN', value: 'hf_abc' }]; }],
  ['best-practice/no-secret-expansion', 'an arg that expands the Secret-backed token', (o) => {
    container(o).env = [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-secret', key: 'hf_api_token' } } }];
    container(o).args = ['--served-model-name=acme/$(HF_TOKEN)'];
  }],
];

test('no-secret-expansion: an escaped $$(HF_TOKEN) and references to other variables pass', () => {
  const objects = goodObjects();
  container(objects).env = [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-secret', key: 'hf_api_token' } } }, { name: 'PORT', value: '8000' }];
  container(objects).args = ['--served-model-name=acme/$$(HF_TOKEN)', '--port=$(PORT)'];
  expect(check(objects, ClusterMode.STANDARD)).toEqual([]);
});

test.each(CASES)('fails: %s on %s', (id, _what, mutate, also = []) => {
  const objects = goodObjects();
  mutate(objects);
  const violations = check(objects, ClusterMode.AUTOPILOT);
  expect(ids(violations).sort()).toEqual([id, ...also].sort());
  for (const v of violations) {
    expect(v.message.length).toBeGreaterThan(10);
    expect(v.fix.length).toBeGreaterThan(5);
    expect(v.object).toMatch(/^[A-Za-z]+\//);
  }
});

test('Autopilot-only rules do not apply on Standard clusters', () => {
  const autopilotOnly = new Set(ALL_RULES.filter((r) => r.scope === 'autopilot').map((r) => r.id));
  expect([...autopilotOnly].sort()).toEqual([
    'gke-autopilot/allowed-gpu-type', 'gke-autopilot/gpu-quantity', 'gke-autopilot/gpu-selector', 'gke-autopilot/gpu-shape-maxima', 'gke-autopilot/no-gpu-init-containers',
    'gke-autopilot/no-nodepool-selector', 'gke-autopilot/no-privileged', 'gke-autopilot/requests-equal-limits',
  ]);
  expect(applicableRules({ clusterMode: ClusterMode.STANDARD }).some((r) => autopilotOnly.has(r.id))).toBe(false);
  for (const [id, , mutate] of CASES.filter(([x]) => autopilotOnly.has(x))) {
    const objects = goodObjects();
    mutate(objects);
    expect(check(objects, ClusterMode.STANDARD).map((v) => v.ruleId)).not.toContain(id);
  }
});

test('the allowed GPU types are configurable', () => {
  const objects = goodObjects();
  pod(objects).nodeSelector['cloud.google.com/gke-accelerator'] = 'nvidia-tesla-v100';
  const [v] = check(objects, ClusterMode.AUTOPILOT);
  expect(v.ruleId).toBe('gke-autopilot/allowed-gpu-type');
  expect(v.fix).toMatch(/'autopilotAcceleratorTypes'/);
  expect(v.fix).toMatch(/'clusterMode'/);
  expect(check(objects, ClusterMode.AUTOPILOT, {}, [...GkeAutopilot.ALLOWED_GPU_TYPES, 'nvidia-tesla-v100'])).toEqual([]);
  // the published list is dated, sourced and cannot be changed by accident; it is GKE's page of 2026-04-10 (B200 and RTX PRO 6000
  // admitted, GB200 in Preview left out, P100, P4 and V100 gone)
  expect(GkeAutopilot.ALLOWED_GPU_TYPES_DATE).toBe('2026-04-10');
  expect(GkeAutopilot.ALLOWED_GPU_TYPES_SOURCE).toMatch(/cloud\.google\.com\/kubernetes-engine\/docs\/how-to\/autopilot-gpus/);
  expect([...GkeAutopilot.ALLOWED_GPU_TYPES].sort()).toEqual(['nvidia-a100-80gb', 'nvidia-b200', 'nvidia-h100-80gb', 'nvidia-h100-mega-80gb',
    'nvidia-h200-141gb', 'nvidia-l4', 'nvidia-rtx-pro-6000', 'nvidia-tesla-a100', 'nvidia-tesla-t4']);
  expect(GkeAutopilot.ALLOWED_GPU_TYPES).not.toContain('nvidia-h100');
  expect(() => (GkeAutopilot.ALLOWED_GPU_TYPES as string[]).push('x')).toThrow(TypeError);
});

test('privileged: a best-practice error unless opted out through props; on Autopilot always an error', () => {
  const objects = goodObjects();
  container(objects).securityContext.privileged = true;
  expect(ids(check(objects, ClusterMode.STANDARD))).toEqual(['best-practice/security-context']);
  expect(check(objects, ClusterMode.STANDARD, { privileged: true })).toEqual([]);
  expect(ids(check(objects, ClusterMode.AUTOPILOT, { privileged: true }))).toEqual(['gke-autopilot/no-privileged']);
});

test('the other secure defaults read the props\' intent', () => {
  const escalation = goodObjects();
  container(escalation).securityContext.allowPrivilegeEscalation = true;
  expect(check(escalation, ClusterMode.STANDARD, { privilegeEscalation: true })).toEqual([]);
  const unconfined = goodObjects();
  pod(unconfined).securityContext.seccompProfile.type = 'Unconfined';
  expect(check(unconfined, ClusterMode.STANDARD, { unconfinedSeccomp: true })).toEqual([]);
  // a container-level Localhost profile counts as confined
  const localhost = goodObjects();
  delete pod(localhost).securityContext;
  container(localhost).securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'vllm.json' };
  expect(check(localhost)).toEqual([]);
});

test('passes: what the rules must not flag', () => {
  // a Service of type ExternalName selects nothing, and a construct without pods has no dangling Service
  const svc = byKind(goodObjects(), 'Service');
  expect(check([{ ...svc, spec: { type: 'ExternalName', externalName: 'x.example.com' } }])).toEqual([]);
  expect(check([svc])).toEqual([]);
  // an HPA whose target lives elsewhere in the chart
  const hpa = byKind(goodObjects(), 'HorizontalPodAutoscaler');
  hpa.spec.scaleTargetRef.name = 'elsewhere';
  expect(ids(check([hpa]))).toEqual(['kubernetes/hpa']);
  const inChart = checkManifests([hpa], { clusterMode: ClusterMode.STANDARD, autopilotAcceleratorTypes: [], optOuts: {} },
    (apiVersion, kind, name, namespace) => apiVersion === 'apps/v1' && kind === 'Deployment' && name === 'elsewhere' && namespace === 'llm');
  expect(inChart).toEqual([]);
  // a Cloud Storage FUSE volume with the annotation; a digest-pinned image; numeric probe and target ports
  const o = goodObjects();
  byKind(o, 'Deployment').spec.template.metadata.annotations = { 'gke-gcsfuse/volumes': 'true' };
  pod(o).volumes.push({ name: 'model', csi: { driver: 'gcsfuse.csi.storage.gke.io', volumeAttributes: { bucketName: 'b', mountOptions: 'implicit-dirs' } } });
  container(o).image = `vllm/vllm-openai@sha256:${'a'.repeat(64)}`;
  container(o).livenessProbe = { tcpSocket: { port: 8000 } };
  byKind(o, 'Service').spec.ports[0].targetPort = 8000;
  // CPU-only pods need no accelerator selector; a TPU pod's extended resource follows the same equality rule
  expect(check(o)).toEqual([]);
  const cpuOnly = goodObjects();
  pod(cpuOnly).nodeSelector = {};
  for (const r of [container(cpuOnly).resources.requests, container(cpuOnly).resources.limits]) delete r['nvidia.com/gpu'];
  expect(check(cpuOnly)).toEqual([]);
  // a helper container that serves no port (e.g. a weight pre-fetcher) needs no probes
  const helper = goodObjects();
  pod(helper).containers.push({
    name: 'fetch',
    image: 'busybox:1.37.0',
    resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
    securityContext: { allowPrivilegeEscalation: false },
  });
  expect(check(helper)).toEqual([]);
  // Jobs run to completion: no probes needed
  const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'load', namespace: 'llm' }, spec: { template: byKind(goodObjects(), 'Deployment').spec.template } };
  delete job.spec.template.spec.containers[0].livenessProbe;
  delete job.spec.template.spec.containers[0].readinessProbe;
  expect(check([job])).toEqual([]);
});

test('helpers: quantities, selectors and image pinning', () => {
  expect(parseQuantity('500m')).toBe(0.5);
  expect(parseQuantity('16Gi')).toBe(16 * 2 ** 30);
  expect(parseQuantity('1e3')).toBe(1000);
  expect(parseQuantity('2k')).toBe(2000);
  expect(parseQuantity(3)).toBe(3);
  expect(parseQuantity('3 Gi')).toBeUndefined();
  expect(parseQuantity({})).toBeUndefined();
  expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }, { a: '1' })).toBe(true);
  expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, { a: '1' })).toBe(false);
  expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, {})).toBe(false);
  expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, {})).toBe(true);
  expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }, { a: '1' })).toBe(false);
  expect(isPinnedImage('vllm/vllm-openai:v0.7.2')).toBe(true);
  expect(isPinnedImage('registry.local:5000/vllm')).toBe(false);
  expect(isPinnedImage('registry.local:5000/vllm:v1')).toBe(true);
  expect(isPinnedImage('vllm:')).toBe(false);
  // a digest is a whole sha256: 64 hex digits (distribution/reference)
  expect(isPinnedImage(`vllm@sha256:${'a1'.repeat(32)}`)).toBe(true);
  expect(isPinnedImage('vllm@sha256:abc123')).toBe(false);
  expect(isPinnedImage('VLLM/Vllm:v1')).toBe(false);
});

test('messages name the construct, the rule, the object, the path and the fix', () => {
  const objects = goodObjects();
  container(objects).image = 'vllm/vllm-openai:latest';
  const [v] = check(objects);
  expect(formatViolation('OptimizedLlmServer \'srv\'', v)).toBe(
    'OptimizedLlmServer \'srv\': [best-practice/pinned-image] Deployment/srv at /spec/template/spec/containers/0/image: '
    + 'image "vllm/vllm-openai:latest" is not pinned: a rollout or restart could pull a different server. '
    + 'Fix: set \'image\' to a reference with a version tag (e.g. vllm/vllm-openai:v0.7.2) or a digest.',
  );
});

test('fails: invalid validation props name the prop', () => {
  expect(() => validationOptionsFrom({ clusterMode: 'serverless' as ClusterMode }, 'x')).toThrow(/^'clusterMode' must be one of 'standard' \(ClusterMode\.STANDARD\), 'autopilot' \(ClusterMode\.AUTOPILOT\), got string 'serverless'\.$/);
  expect(() => validationOptionsFrom({ autopilotAcceleratorTypes: ['NVIDIA L4'] }, 'x')).toThrow(/'autopilotAcceleratorTypes'/);
  expect(() => validationOptionsFrom({ autopilotAcceleratorTypes: 'nvidia-l4' as unknown as string[] }, 'x')).toThrow(/'autopilotAcceleratorTypes'/);
  const defaults = validationOptionsFrom({}, 'x');
  expect(defaults.clusterMode).toBe(ClusterMode.STANDARD);
  expect(defaults.autopilotAcceleratorTypes).toEqual(GkeAutopilot.ALLOWED_GPU_TYPES);
});

test('jsonEqual: deep, key-order-insensitive equality of JSON values', () => {
  expect(jsonEqual({ a: [1, { b: 'x' }], c: null }, { c: null, a: [1, { b: 'x' }] })).toBe(true);
  expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
  expect(jsonEqual([], {})).toBe(false);
  expect(jsonEqual('1', 1)).toBe(false);
});
