/**
 * The escape hatches as props (issue 17): env, labels, annotations, node selectors, tolerations, pull secrets, priority
 * class and sidecars reach the pods, stay valid, never replace what the library sets, and sidecars pass the synth rules.
 */
import { Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Capacity, OptimizedLlmServer, OptimizedLlmServerProps } from '../src';
import { expectValidManifests } from './support/k8s-validator';
import { kubernetesExpand } from '../src/util/shell-quote';

const BASE: OptimizedLlmServerProps = { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', name: 'gemma' };

function synth(props: Partial<OptimizedLlmServerProps>): any[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  new OptimizedLlmServer(chart, 's', { ...BASE, ...props });
  return chart.toJson();
}
const podOf = (objects: any[]) => objects.find((o) => o.kind === 'Deployment').spec.template;

const SIDECAR = {
  name: 'log-shipper',
  image: 'fluent/fluent-bit:3.2.4',
  resources: {
    requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('64Mi') },
    limits: { memory: k8s.Quantity.fromString('64Mi') },
  },
  securityContext: { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } },
};

test('every customisation reaches the pod, valid against the schemas, with the library\'s values intact', () => {
  const objects = synth({
    env: { VLLM_LOGGING_LEVEL: 'DEBUG', PRICE: 'costs $(HF_TOKEN) dollars' },
    podLabels: { team: 'ml-platform' },
    podAnnotations: { 'example.com/owner': 'ml' },
    nodeSelector: { 'cloud.google.com/gke-nodepool': 'l4-pool' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'llm', effect: 'NoSchedule' }],
    imagePullSecrets: ['registry-creds'],
    priorityClassName: 'llm-serving',
    sidecars: [SIDECAR],
  });
  expectValidManifests(objects, ['1.33']);
  const pod = podOf(objects);
  const server = pod.spec.containers.find((c: any) => c.name === 'inference-server');
  const env = Object.fromEntries(server.env.map((e: any) => [e.name, e.value]));
  expect(env.VLLM_LOGGING_LEVEL).toBe('DEBUG');
  // a literal value: the kubelet's $(VAR) expansion leaves it as written, token or not
  expect(kubernetesExpand(env.PRICE, { HF_TOKEN: 'SECRET' })).toBe('costs $(HF_TOKEN) dollars');
  expect(env.MODEL_ID).toBe('google/gemma-2-27b-it');
  expect(pod.metadata.labels).toMatchObject({ app: 'gemma', team: 'ml-platform' });
  expect(pod.metadata.annotations).toEqual({ 'example.com/owner': 'ml' });
  expect(pod.spec.nodeSelector).toMatchObject({ 'cloud.google.com/gke-accelerator': 'nvidia-l4', 'cloud.google.com/gke-nodepool': 'l4-pool' });
  expect(pod.spec.tolerations).toContainEqual({ key: 'dedicated', operator: 'Equal', value: 'llm', effect: 'NoSchedule' });
  expect(pod.spec.imagePullSecrets).toEqual([{ name: 'registry-creds' }]);
  expect(pod.spec.priorityClassName).toBe('llm-serving');
  expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['inference-server', 'log-shipper']);
  // the selector is untouched
  expect(objects.find((o) => o.kind === 'Deployment').spec.selector).toEqual({ matchLabels: { app: 'gemma' } });
});

test('env is emitted in name order: the same map with its keys in another order is the same pod template', () => {
  const env = (e: { [k: string]: string }) => podOf(synth({ env: e })).spec.containers[0].env.map((x: any) => x.name);
  const forward = env({ B_VAR: '1', A_VAR: '2', C_VAR: '$(B_VAR)' });
  expect(env({ C_VAR: '$(B_VAR)', A_VAR: '2', B_VAR: '1' })).toEqual(forward);
  expect(forward.slice(-3)).toEqual(['A_VAR', 'B_VAR', 'C_VAR']);
});

test('a customisation that would replace the library\'s value is refused, naming both', () => {
  expect(() => synth({ podLabels: { app: 'other' } })).toThrow(/'podLabels' cannot set 'app': the library sets it/);
  // a multi-host group's pods are role=leader / role=worker, which its Service selects; a single-host pod keeps the user's role
  const multiHost = { model: 'meta-llama/Llama-3.3-70B-Instruct', acceleratorType: 'nvidia-l4', podLabels: { role: 'inference' } };
  expect(() => synth(multiHost)).toThrow(/'podLabels' cannot set 'role' on a multi-host server \(2 nodes per replica\).*role=leader and role=worker/);
  expect(podOf(synth({ podLabels: { role: 'inference' } })).metadata.labels.role).toBe('inference');
  expect(() => synth({ nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-h100-80gb' } }))
    .toThrow(/'nodeSelector' cannot set 'cloud.google.com\/gke-accelerator'/);
  expect(() => synth({ env: { HF_TOKEN: 'x' } })).toThrow(/'env' cannot set 'HF_TOKEN'/);
  expect(() => synth({ sidecars: [{ ...SIDECAR, name: 'inference-server' }] })).toThrow(/'sidecars' container 'inference-server' has the name/);
  expect(() => synth({ modelBucketUri: 'gs://my-b/m', podAnnotations: { 'gke-gcsfuse/volumes': 'false' } }))
    .toThrow(/'podAnnotations' cannot set 'gke-gcsfuse\/volumes'/);
});

test('a node selector that contradicts the planned machine or capacity is refused: no node would match', () => {
  // Gemma 2 27B on L4 resolves to g2-standard-48 (x86) in us-central1, on Spot capacity
  const contradictions: Array<[string, string]> = [
    ['kubernetes.io/arch', 'arm64'],
    ['node.kubernetes.io/instance-type', 'a3-highgpu-8g'],
    ['cloud.google.com/machine-family', 'a3'],
    ['cloud.google.com/gke-tpu-topology', '2x2'],
    ['cloud.google.com/reservation-name', 'my-res'],
    ['cloud.google.com/gke-provisioning', 'standard'],
  ];
  for (const [k, v] of contradictions) {
    expect(() => synth({ nodeSelector: { [k]: v } })).toThrow(new RegExp(`'nodeSelector' '${k.replace(/[./]/g, '\\$&')}: ${v}' contradicts the machine `
      + 'the profile and cost were planned for \\(g2-standard-48 in us-central1.*no node would match'));
  }
  // values that agree with the plan, and labels that only narrow it (a node pool, a zone of the region), are kept
  const agreeing = {
    'kubernetes.io/arch': 'amd64',
    'node.kubernetes.io/instance-type': 'g2-standard-48',
    'cloud.google.com/machine-family': 'g2',
    // a zone or region is the user's: 'region' prices the plan, the cluster may run elsewhere
    'topology.kubernetes.io/zone': 'europe-west4-a',
    'cloud.google.com/gke-nodepool': 'l4-pool',
  };
  expect(podOf(synth({ nodeSelector: agreeing })).spec.nodeSelector).toMatchObject(agreeing);
});

test('a system priority class is refused: Kubernetes admits it only in kube-system', () => {
  for (const name of ['system-node-critical', 'system-cluster-critical']) {
    expect(() => synth({ priorityClassName: name })).toThrow(/'priorityClassName' 'system-.*' is a system class: .*only in kube-system/);
  }
  expect(podOf(synth({ priorityClassName: 'llm-high' })).spec.priorityClassName).toBe('llm-high');
});

test('wrong shapes from JavaScript are refused with the prop\'s name', () => {
  expect(() => synth({ env: 'A=1' as any })).toThrow(/'env' must be a map of environment variable names to strings, got string 'A=1'/);
  expect(() => synth({ env: { 'A B': '1' } })).toThrow(/'env' key 'A B' is invalid: its keys must be environment variable names/);
  expect(() => synth({ podLabels: { team: 'x'.repeat(64) } })).toThrow(/'podLabels' value .* is invalid: it must be a label value/);
  expect(() => synth({ imagePullSecrets: 'creds' as any })).toThrow(/'imagePullSecrets' must be a list of Secret names/);
  expect(() => synth({ priorityClassName: 'High Priority' })).toThrow(/'priorityClassName' must be the name of a PriorityClass/);
  expect(() => synth({ tolerations: {} as any })).toThrow(/'tolerations' must be a list of objects/);
  // the API server's Toleration rules, checked before they become YAML it rejects
  expect(() => synth({ tolerations: [{ key: 'dedicated', value: 5 as any }] })).toThrow(/'tolerations' entry .*: 'value' must be a label value/);
  expect(() => synth({ tolerations: [{ key: 'dedicated', value: 'llm', effect: 'Whatever' }] })).toThrow(/'effect' must be 'NoSchedule', 'PreferNoSchedule' or 'NoExecute'/);
  expect(() => synth({ tolerations: [{ key: 'dedicated', operator: 'Exists', value: 'llm' }] })).toThrow(/'value' must be empty with 'operator' 'Exists'/);
  expect(() => synth({ tolerations: [{ value: 'llm' }] })).toThrow(/without a 'key', 'operator' must be 'Exists'/);
  expect(() => synth({ tolerations: [{ key: 'd', effect: 'NoSchedule', tolerationSeconds: 30 }] })).toThrow(/'tolerationSeconds' .* with 'effect' 'NoExecute'/);
  expect(() => synth({ tolerations: [{ operator: 'Exists' }, { key: 'd', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }] })).not.toThrow();
  expect(() => synth({ tolerations: [{ key: 'd', operator: 'Exists', rank: 1 } as any] })).toThrow(/rank is no Toleration field \(key, operator, value, effect, tolerationSeconds\)/);
});

test('a sidecar that breaks the rules is refused when the server is made, with everything it lacks and why', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  expect(() => new OptimizedLlmServer(chart, 's', { ...BASE, sidecars: [{ name: 'bad', image: 'busybox' }] })).toThrow(new RegExp(
    '\'sidecars\' container \'bad\' lacks a pinned image \\(got string \'busybox\'\\), a cpu request, a memory request, a memory limit, '
    + 'securityContext.allowPrivilegeEscalation: false: every container in the server\'s pods carries .*node fit.*For example'));
  const privileged = { ...SIDECAR, securityContext: { allowPrivilegeEscalation: false, privileged: true } };
  expect(() => synth({ sidecars: [privileged] })).toThrow(/'sidecars' container 'log-shipper' lacks privileged unset or false/);
  // the Pod Security Standards' restricted profile: no unconfined seccomp or AppArmor, no capability added back but NET_BIND_SERVICE
  const unconfined = { ...SIDECAR, securityContext: { ...SIDECAR.securityContext, seccompProfile: { type: 'Unconfined' } } };
  expect(() => synth({ sidecars: [unconfined] })).toThrow(/'sidecars' container 'log-shipper' lacks a seccomp profile other than Unconfined/);
  const apparmor = { ...SIDECAR, securityContext: { ...SIDECAR.securityContext, appArmorProfile: { type: 'Unconfined' } } as any };
  expect(() => synth({ sidecars: [apparmor] })).toThrow(/lacks an AppArmor profile other than Unconfined/);
  const admin = { ...SIDECAR, securityContext: { ...SIDECAR.securityContext, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN', 'NET_ADMIN'] } } };
  expect(() => synth({ sidecars: [admin] })).toThrow(/lacks no added capabilities but NET_BIND_SERVICE \(got SYS_ADMIN, NET_ADMIN\)/);
  const bind = { ...SIDECAR, securityContext: { ...SIDECAR.securityContext, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } };
  expect(() => synth({ sidecars: [bind] })).not.toThrow();
  // nor may an annotation lift the pods' confinement
  expect(() => synth({ podAnnotations: { 'container.apparmor.security.beta.kubernetes.io/inference-server': 'unconfined' } }))
    .toThrow(/'podAnnotations' 'container.apparmor.security.beta.kubernetes.io\/inference-server': 'unconfined' would lift the containers' AppArmor confinement/);
  expect(() => synth({ podAnnotations: { 'container.apparmor.security.beta.kubernetes.io/inference-server': 'runtime/default' } })).not.toThrow();
});

test('port and url say where clients reach the server, as the Service does', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 's', BASE);
  const service = chart.toJson().find((o: any) => o.kind === 'Service');
  expect(server.port).toBe(service.spec.ports[0].port);
  expect(server.url).toBe(`http://${service.metadata.name}.llm.svc.cluster.local:${service.spec.ports[0].port}`);
});

test('a selector the library already sets, at the same value, is no override (GKE\'s Arm guide sets kubernetes.io/arch: arm64)', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 's', {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    acceleratorType: 'nvidia-gb200',
    capacity: Capacity.RESERVATION,
    reservationName: 'gb200',
    nodeSelector: { 'kubernetes.io/arch': 'arm64' },
  });
  expect(server.resolution.instanceType).toMatch(/^a4x-/);
  expect(podOf(chart.toJson()).spec.nodeSelector['kubernetes.io/arch']).toBe('arm64');
  expect(() => synth({ nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-l4' } })).not.toThrow();
});
