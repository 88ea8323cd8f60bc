/**
 * The one hook for anything else (issue 17): the pod template handed to user code before it is rendered. What it adds
 * reaches every workload derived from the template and stays valid; what the construct relies on cannot be taken away; a
 * container it adds carries what a sidecar carries.
 */
import { Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { IPodTemplateHook, OptimizedLlmServer, OptimizedLlmServerProps, PodTemplateHookContext } from '../src';
import { expectValidManifests } from './support/k8s-validator';

const BASE: OptimizedLlmServerProps = { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', name: 'gemma' };
const q = (v: string) => k8s.Quantity.fromString(v);

function synth(props: Partial<OptimizedLlmServerProps>): any[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  new OptimizedLlmServer(chart, 's', { ...BASE, ...props });
  return chart.toJson();
}

/** A hook as a user writes one: a ConfigMap of chat templates mounted into the server, and spread over zones. */
const chatTemplates: IPodTemplateHook = {
  transformPodTemplate(template: k8s.PodTemplateSpec, context: PodTemplateHookContext): k8s.PodTemplateSpec {
    const spec = template.spec!;
    return {
      ...template,
      spec: {
        ...spec,
        volumes: [...(spec.volumes ?? []), { name: 'chat-templates', configMap: { name: 'chat-templates' } }],
        containers: spec.containers.map((c) => (c.name !== context.containerName ? c : {
          ...c,
          volumeMounts: [...(c.volumeMounts ?? []), { name: 'chat-templates', mountPath: '/templates', readOnly: true }],
        })),
        topologySpreadConstraints: [{
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { app: context.serverName } },
        }],
      },
    };
  },
};

test('what the hook adds reaches the Deployment, valid against the schemas; the context names the server', () => {
  const seen: PodTemplateHookContext[] = [];
  const objects = synth({
    podTemplateHook: { transformPodTemplate: (t, c) => { seen.push(c); return chatTemplates.transformPodTemplate(t, c); } },
  });
  expect(seen).toEqual([{ serverName: 'gemma', containerName: 'inference-server', modelServer: 'vllm', workloadKind: 'Deployment' }]);
  expectValidManifests(objects);
  const pod = objects.find((o) => o.kind === 'Deployment').spec.template;
  expect(pod.spec.volumes).toContainEqual({ name: 'chat-templates', configMap: { name: 'chat-templates' } });
  expect(pod.spec.containers[0].volumeMounts).toContainEqual({ name: 'chat-templates', mountPath: '/templates', readOnly: true });
  expect(pod.spec.topologySpreadConstraints[0].labelSelector).toEqual({ matchLabels: { app: 'gemma' } });
});

test('a hook that edits the template in place changes only the pods, not the library\'s other objects', () => {
  const objects = synth({
    podTemplateHook: {
      transformPodTemplate: (t) => {
        t.metadata!.labels!.tier = 'gold';
        t.spec!.nodeSelector!['cloud.google.com/gke-nodepool'] = 'l4-gold';
        return t;
      },
    },
  });
  const deployment = objects.find((o) => o.kind === 'Deployment');
  expect(deployment.spec.template.metadata.labels.tier).toBe('gold');
  expect(deployment.spec.template.spec.nodeSelector['cloud.google.com/gke-nodepool']).toBe('l4-gold');
  // the Deployment's own labels and selector, and the next server's node selector, are the library's
  expect(deployment.metadata.labels.tier).toBeUndefined();
  expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'gemma' } });
  const other = synth({});
  expect(other.find((o) => o.kind === 'Deployment').spec.template.spec.nodeSelector['cloud.google.com/gke-nodepool']).toBeUndefined();
});

test('multi-host: the leader and worker templates both derive from the hook\'s result', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  let kind = '';
  new OptimizedLlmServer(chart, 's', {
    model: 'meta-llama/Llama-3.1-405B-Instruct',
    acceleratorType: 'nvidia-h100-80gb',
    podTemplateHook: { transformPodTemplate: (t, c) => { kind = c.workloadKind; return chatTemplates.transformPodTemplate(t, c); } },
  });
  const lws = chart.toJson().find((o: any) => o.kind === 'LeaderWorkerSet');
  expect(kind).toBe('LeaderWorkerSet');
  for (const t of [lws.spec.leaderWorkerTemplate.leaderTemplate, lws.spec.leaderWorkerTemplate.workerTemplate]) {
    expect(t.spec.volumes).toContainEqual({ name: 'chat-templates', configMap: { name: 'chat-templates' } });
  }
});

test('what the construct relies on cannot be taken away, and an added container carries what a sidecar carries', () => {
  const hook = (f: (t: k8s.PodTemplateSpec) => k8s.PodTemplateSpec | undefined): Partial<OptimizedLlmServerProps> => ({
    podTemplateHook: { transformPodTemplate: (t) => f(t) as k8s.PodTemplateSpec },
  });
  expect(() => synth(hook(() => undefined))).toThrow(/'podTemplateHook' must return a pod template \(k8s.PodTemplateSpec with spec.containers\), got undefined/);
  expect(() => synth(hook((t) => ({ ...t, metadata: { labels: { app: 'other' } } }))))
    .toThrow(/'podTemplateHook' removed or changed the pod label 'app: gemma': the Service, PodMonitoring, HPA and policies select/);
  expect(() => synth(hook((t) => ({ ...t, spec: { ...t.spec!, containers: t.spec!.containers.map((c) => ({ ...c, ports: [] })) } }))))
    .toThrow(/'podTemplateHook' removed the model server container 'inference-server' or the 'http' port the Service targets/);
  expect(() => synth(hook((t) => ({ ...t, spec: { ...t.spec!, nodeSelector: {} } }))))
    .toThrow(/'podTemplateHook' removed or changed the node selector 'cloud.google.com\/gke-accelerator: nvidia-l4'/);
  const init: k8s.Container = { name: 'fetch-templates', image: 'busybox:1.37.0', command: ['true'] };
  expect(() => synth(hook((t) => ({ ...t, spec: { ...t.spec!, initContainers: [init] } }))))
    .toThrow(/'podTemplateHook' container 'fetch-templates' lacks a cpu request, a memory request, a memory limit, securityContext.allowPrivilegeEscalation: false: every container/);
  const ok: k8s.Container = {
    ...init,
    resources: { requests: { cpu: q('100m'), memory: q('64Mi') }, limits: { memory: q('64Mi') } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  };
  expectValidManifests(synth(hook((t) => ({ ...t, spec: { ...t.spec!, initContainers: [ok] } }))));
  expect(() => synth(hook((t) => ({ ...t, spec: { ...t.spec!, containers: [...t.spec!.containers, t.spec!.containers[0]] } }))))
    .toThrow(/'podTemplateHook' returned two containers named 'inference-server'/);
});

test('a hook from JavaScript without the method is refused, naming the prop; not on a Pathways slice', () => {
  expect(() => synth({ podTemplateHook: ((t: any) => t) as any })).toThrow(/'podTemplateHook' must be an object with a transformPodTemplate/);
  expect(() => new OptimizedLlmServer(new Chart(Testing.app(), 'c'), 's', {
    model: 'meta-llama/Llama-3.1-405B-Instruct',
    modelServer: 'jetstream',
    acceleratorType: 'tpu-v6e-slice',
    modelBucketUri: 'gs://ckpt-bucket/maxtext/llama3.1-405b/unscanned/0/items',
    podTemplateHook: chatTemplates,
  })).toThrow(/podTemplateHook: not supported on a JetStream with Pathways slice/);
});

test('a hook may not open the pod to the host or give a container privileges, the library\'s own included', () => {
  const hook = (change: (spec: any) => void): IPodTemplateHook => ({
    transformPodTemplate(template: k8s.PodTemplateSpec) {
      change(template.spec);
      return template;
    },
  });
  const refusals: Array<[(spec: any) => void, RegExp]> = [
    [(s) => { s.hostNetwork = true; }, /'podTemplateHook' set hostNetwork: the server's pods share no host namespace/],
    [(s) => { s.hostPid = true; }, /set hostPid/],
    [(s) => { s.volumes.push({ name: 'root', hostPath: { path: '/' } }); }, /added the hostPath volume\(s\) 'root'/],
    [(s) => { s.containers[0].securityContext = { ...s.containers[0].securityContext, capabilities: { add: ['SYS_ADMIN'] } }; },
      /gave the container 'inference-server' the capabilities SYS_ADMIN/],
    [(s) => { s.containers[0].securityContext = { ...s.containers[0].securityContext, allowPrivilegeEscalation: true }; },
      /gave the container 'inference-server' allowPrivilegeEscalation: true/],
    [(s) => { s.securityContext = { seccompProfile: { type: 'Unconfined' } }; }, /seccomp profile to Unconfined/],
    [(s) => { s.containers[0].ports = [...s.containers[0].ports, { containerPort: 9000, hostPort: 9000 }]; },
      /bound the host port\(s\) inference-server:9000/],
    [(s) => { s.securityContext = { ...s.securityContext, sysctls: [{ name: 'kernel.msgmax', value: '65536' }] }; },
      /set the sysctls kernel\.msgmax: only the safe set may be set/],
  ];
  for (const [change, message] of refusals) expect(() => synth({ podTemplateHook: hook(change) })).toThrow(message);
});

test('quantities and ports written as plain strings and numbers (JavaScript, Python) reach the manifest', () => {
  // what a JavaScript caller writes: no k8s.Quantity or k8s.IntOrString; cdk8s would drop these values silently
  const sidecar: any = {
    name: 'envoy',
    image: 'envoyproxy/envoy:v1.31.2',
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: 128 * 1024 * 1024 } },
    ports: [{ name: 'admin', containerPort: 9901 }],
    readinessProbe: { httpGet: { path: '/ready', port: 9901 } },
    livenessProbe: { tcpSocket: { port: 'admin' } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  };
  const hook: IPodTemplateHook = {
    transformPodTemplate(template: k8s.PodTemplateSpec) {
      const spec: any = template.spec;
      spec.volumes.push({ name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '4Gi' } });
      spec.containers[0].startupProbe = { ...spec.containers[0].startupProbe, httpGet: { path: '/health', port: 'http' } };
      return template;
    },
  };
  const objects = synth({ sidecars: [sidecar], podTemplateHook: hook });
  expectValidManifests(objects);
  const pod = objects.find((o) => o.kind === 'Deployment').spec.template.spec;
  const envoy = pod.containers.find((c: any) => c.name === 'envoy');
  expect(envoy.resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: 134217728 } });
  expect(envoy.readinessProbe.httpGet.port).toBe(9901);
  expect(pod.containers[0].startupProbe.httpGet.port).toBe('http');
  expect(pod.volumes.find((v: any) => v.name === 'scratch').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '4Gi' });
  // a value another copy of cdk8s-plus built, or a hook's JSON copy of the template ({ value: ... }), serializes by its value
  const cloning: IPodTemplateHook = { transformPodTemplate(template: k8s.PodTemplateSpec) { return JSON.parse(JSON.stringify(template)); } };
  const cloned = synth({ podTemplateHook: cloning });
  expect(cloned.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].resources)
    .toEqual(synth({}).find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].resources);
  // a value that is neither is refused where it is, with the factory to use
  expect(() => synth({ sidecars: [{ ...sidecar, resources: { requests: { cpu: 'lots', memory: '64Mi' }, limits: { memory: '64Mi' } } }] }))
    .toThrow(/'sidecars'\[0\] 'envoy'\.resources\.requests\.cpu must be a Kubernetes quantity \(k8s\.Quantity\.fromString/);
  expect(() => synth({ sidecars: [{ ...sidecar, readinessProbe: { httpGet: { path: '/', port: 70000 } } }] }))
    .toThrow(/readinessProbe\.httpGet\.port must be a port number \(1-65535\) or a port name/);
  expect(() => synth({ sidecars: [{ ...sidecar, readinessProbe: { tcpSocket: {} } }] })).toThrow(/readinessProbe\.tcpSocket\.port must be a port number/);
});

test('an error the hook throws is said to come from the hook', () => {
  const hook: IPodTemplateHook = { transformPodTemplate() { throw new TypeError('boom'); } };
  expect(() => synth({ podTemplateHook: hook })).toThrow(/^'podTemplateHook' threw: boom$/);
});
