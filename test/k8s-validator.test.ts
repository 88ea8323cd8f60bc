import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import {
  expectValidManifests,
  K8sVersion,
  ManifestValidator,
  parseQuantity,
  parseYamlStream,
  semanticIssues,
  SHARED_DIR,
  tightenSchema,
  ValidationIssue,
} from './support/k8s-validator';
import { kubectlValidate } from './support/kubectl-validate';

/* eslint-disable @typescript-eslint/no-explicit-any */

const VERSIONS: K8sVersion[] = ['1.28', '1.33'];
const [DEPLOYMENT, SERVICE, HPA, POD_MONITORING, LWS] = [0, 1, 2, 3, 4];
const CONTAINER = '/spec/template/spec/containers/0';

/** A small, valid serving stack; a fresh copy on every call so tests can mutate it. */
function validObjects(): any[] {
  const labels = { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': 'demo' };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'vllm', labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { ...labels } },
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-l4' },
            containers: [{
              name: 'vllm',
              image: 'vllm/vllm-openai:v0.10.1',
              imagePullPolicy: 'IfNotPresent',
              args: ['--model', 'google/gemma-3-1b-it', '--port', '8000'],
              ports: [{ name: 'http', containerPort: 8000, protocol: 'TCP' }],
              resources: {
                requests: { 'cpu': '4', 'memory': '16Gi', 'nvidia.com/gpu': '1' },
                limits: { 'memory': '16Gi', 'nvidia.com/gpu': 1 },
              },
              readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 5 },
              startupProbe: { httpGet: { path: '/health', port: 8000 }, failureThreshold: 120, periodSeconds: 10 },
              volumeMounts: [{ name: 'dshm', mountPath: '/dev/shm' }],
            }],
            volumes: [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'vllm', labels },
      spec: { type: 'ClusterIP', selector: { ...labels }, ports: [{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }] },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'vllm' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'vllm' },
        minReplicas: 1,
        maxReplicas: 4,
        metrics: [{
          type: 'Pods',
          pods: {
            metric: { name: 'prometheus.googleapis.com|vllm:num_requests_waiting|gauge' },
            target: { type: 'AverageValue', averageValue: '10' },
          },
        }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
      },
    },
    {
      apiVersion: 'monitoring.googleapis.com/v1',
      kind: 'PodMonitoring',
      metadata: { name: 'vllm', labels },
      spec: { selector: { matchLabels: { ...labels } }, endpoints: [{ port: 'http', path: '/metrics', interval: '15s' }] },
    },
    {
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: { name: 'vllm-multihost', labels },
      spec: {
        replicas: 1,
        leaderWorkerTemplate: {
          size: 2,
          leaderTemplate: {
            metadata: { labels: { role: 'leader' } },
            spec: { containers: [{ name: 'leader', image: 'vllm/vllm-openai:v0.10.1', ports: [{ name: 'http', containerPort: 8080 }] }] },
          },
          workerTemplate: { spec: { containers: [{ name: 'worker', image: 'vllm/vllm-openai:v0.10.1' }] } },
        },
      },
    },
  ];
}

function allIssues(objects: unknown[], version: K8sVersion): ValidationIssue[] {
  return [...ManifestValidator.forVersion(version).validate(objects), ...semanticIssues(objects)];
}

/**
 * Asserts that the one defect in `objects` is reported for every version, at `path` on document `index`,
 * with a message matching `message`, and that expectValidManifests throws for it.
 */
function expectRejected(objects: unknown[], index: number, issuePath: string, message: RegExp): void {
  for (const version of VERSIONS) {
    const issues = allIssues(objects, version);
    const hit = issues.some((i) => i.index === index && i.path === issuePath && message.test(i.message));
    if (!hit) {
      throw new Error(`k8s ${version}: expected an issue on doc #${index} at ${issuePath} matching ${message}; got:\n${JSON.stringify(issues, null, 1)}`);
    }
  }
  expect(() => expectValidManifests(objects)).toThrow(message);
}

test('the valid stack validates cleanly against 1.28, 1.33 and 1.35, schema and semantics', () => {
  const objects = validObjects();
  for (const version of ['1.28', '1.33', '1.35'] as K8sVersion[]) {
    expect(ManifestValidator.forVersion(version).validate(objects)).toEqual([]);
  }
  expect(semanticIssues(objects)).toEqual([]);
  expect(() => expectValidManifests(objects, ['1.28', '1.33', '1.35'])).not.toThrow();
  // a YAML round trip parses back to the same objects
  expect(parseYamlStream(objects.map((o) => stringify(o)).join('---\n'))).toEqual(objects);
});

test('each valid object also validates on its own (schema)', () => {
  for (const obj of validObjects()) {
    for (const version of VERSIONS) expect(ManifestValidator.forVersion(version).validate([obj])).toEqual([]);
  }
});

test('rejects an unknown field in a container (resource: instead of resources:)', () => {
  const objects = validObjects();
  const c = objects[DEPLOYMENT].spec.template.spec.containers[0];
  c.resource = c.resources;
  delete c.resources;
  expectRejected(objects, DEPLOYMENT, `${CONTAINER}/resource`, /unknown field "resource"/);
});

test('rejects replicas: "two"', () => {
  const objects = validObjects();
  objects[DEPLOYMENT].spec.replicas = 'two';
  expectRejected(objects, DEPLOYMENT, '/spec/replicas', /must be integer/);
});

test('rejects containerPort: "8000"', () => {
  const objects = validObjects();
  objects[DEPLOYMENT].spec.template.spec.containers[0].ports[0].containerPort = '8000';
  expectRejected(objects, DEPLOYMENT, `${CONTAINER}/ports/0/containerPort`, /must be integer/);
});

test('rejects an averageValu typo in an HPA target', () => {
  const objects = validObjects();
  objects[HPA].spec.metrics[0].pods.target = { type: 'AverageValue', averageValu: '10' };
  expectRejected(objects, HPA, '/spec/metrics/0/pods/target/averageValu', /unknown field "averageValu"/);
  expectRejected(objects, HPA, '/spec/metrics/0/pods/target/averageValue', /requires averageValue/);
});

test('rejects an autoscaling/v2beta2 HPA: no schema is an error', () => {
  const objects = validObjects();
  objects[HPA].apiVersion = 'autoscaling/v2beta2';
  expectRejected(objects, HPA, '/apiVersion', /no schema for kind HorizontalPodAutoscaler in apiVersion autoscaling\/v2beta2.*autoscaling\/v2/);
});

test('rejects a misspelt apiVersion', () => {
  const objects = validObjects();
  objects[DEPLOYMENT].apiVersion = 'app/v1';
  expectRejected(objects, DEPLOYMENT, '/apiVersion', /no schema for kind Deployment in apiVersion app\/v1/);
  const crd = validObjects();
  crd[POD_MONITORING].apiVersion = 'monitoring.googleapis.com/v2';
  expectRejected(crd, POD_MONITORING, '/apiVersion', /no schema for kind PodMonitoring/);
});

test('rejects an unknown PodMonitoring field and interval: fifteen', () => {
  const unknown = validObjects();
  unknown[POD_MONITORING].spec.endpoints[0].scrapeInterval = '15s';
  expectRejected(unknown, POD_MONITORING, '/spec/endpoints/0/scrapeInterval', /unknown field "scrapeInterval"/);
  const interval = validObjects();
  interval[POD_MONITORING].spec.endpoints[0].interval = 'fifteen';
  expectRejected(interval, POD_MONITORING, '/spec/endpoints/0/interval', /must match format "duration"/);
});

test('rejects memory: 16 GB', () => {
  const objects = validObjects();
  objects[DEPLOYMENT].spec.template.spec.containers[0].resources.limits.memory = '16 GB';
  expectRejected(objects, DEPLOYMENT, `${CONTAINER}/resources/limits/memory`, /"16 GB" is not a valid quantity/);
});

test('rejects a metadata typo inside CRD objects (validated as ObjectMeta)', () => {
  const lws = validObjects();
  lws[LWS].metadata.lables = lws[LWS].metadata.labels;
  delete lws[LWS].metadata.labels;
  expectRejected(lws, LWS, '/metadata/lables', /unknown field "lables"/);
  const pm = validObjects();
  pm[POD_MONITORING].metadata.lables = { a: 'b' };
  expectRejected(pm, POD_MONITORING, '/metadata/lables', /unknown field "lables"/);
});

test('rejects an unknown field deep inside the LeaderWorkerSet pod template', () => {
  const objects = validObjects();
  objects[LWS].spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].imagePullPolcy = 'Always';
  expectRejected(objects, LWS, '/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/imagePullPolcy', /unknown field/);
});

test('rejects a Deployment selector that does not match the template labels', () => {
  const objects = validObjects();
  objects[DEPLOYMENT].spec.selector.matchLabels['app.kubernetes.io/name'] = 'other';
  expectRejected(objects, DEPLOYMENT, '/spec/selector', /does not match template labels/);
});

test('rejects a Service that selects no pod template', () => {
  const objects = validObjects();
  objects[SERVICE].spec.selector = { app: 'nothing' };
  expectRejected(objects, SERVICE, '/spec/selector', /matches no pod template/);
});

test('rejects a PodMonitoring whose selector matches no pod template', () => {
  const objects = validObjects();
  objects[POD_MONITORING].spec.selector.matchLabels = { app: 'nothing' };
  expectRejected(objects, POD_MONITORING, '/spec/selector', /matches no pod template/);
});

test('rejects a probe on a port the container does not have', () => {
  const byNumber = validObjects();
  byNumber[DEPLOYMENT].spec.template.spec.containers[0].startupProbe.httpGet.port = 9000;
  expectRejected(byNumber, DEPLOYMENT, `${CONTAINER}/startupProbe/httpGet/port`, /probe port 9000 is not among the container's ports/);
  const byName = validObjects();
  byName[DEPLOYMENT].spec.template.spec.containers[0].readinessProbe.httpGet.port = 'metrics';
  expectRejected(byName, DEPLOYMENT, `${CONTAINER}/readinessProbe/httpGet/port`, /"metrics" is not the name of a container port/);
});

test('rejects GPU requests that differ from limits', () => {
  const objects = validObjects();
  objects[DEPLOYMENT].spec.template.spec.containers[0].resources.requests['nvidia.com/gpu'] = '2';
  expectRejected(objects, DEPLOYMENT, `${CONTAINER}/resources/requests/nvidia.com~1gpu`, /request "2" must equal limit 1/);
  const missing = validObjects();
  delete missing[DEPLOYMENT].spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'];
  expectRejected(missing, DEPLOYMENT, `${CONTAINER}/resources/limits/nvidia.com~1gpu`, /must also be set in limits/);
  const fraction = validObjects();
  fraction[DEPLOYMENT].spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'] = '500m';
  expectRejected(fraction, DEPLOYMENT, `${CONTAINER}/resources/limits/nvidia.com~1gpu`, /whole number/);
});

test('rejects requests greater than limits', () => {
  const memory = validObjects();
  memory[DEPLOYMENT].spec.template.spec.containers[0].resources.requests.memory = '17Gi';
  expectRejected(memory, DEPLOYMENT, `${CONTAINER}/resources/requests/memory`, /must be less than or equal to the memory limit/);
  const cpu = validObjects();
  cpu[DEPLOYMENT].spec.template.spec.containers[0].resources.limits.cpu = '3500m';
  expectRejected(cpu, DEPLOYMENT, `${CONTAINER}/resources/requests/cpu`, /must be less than or equal to the cpu limit/);
});

test('rejects the name Vllm_Bad', () => {
  const objects = validObjects();
  objects[DEPLOYMENT].metadata.name = 'Vllm_Bad';
  objects[HPA].spec.scaleTargetRef.name = 'Vllm_Bad';
  expectRejected(objects, DEPLOYMENT, '/metadata/name', /invalid name "Vllm_Bad": must be a DNS-1123 subdomain/);
  const svc = validObjects();
  svc[SERVICE].metadata.name = '1vllm';
  expectRejected(svc, SERVICE, '/metadata/name', /DNS-1035 label/);
});

test('rejects an HPA with minReplicas > maxReplicas, a dangling scaleTargetRef or an incoherent metric', () => {
  const minMax = validObjects();
  minMax[HPA].spec.minReplicas = 5;
  expectRejected(minMax, HPA, '/spec/minReplicas', /minReplicas \(5\) must be less than or equal to maxReplicas \(4\)/);
  const dangling = validObjects();
  dangling[HPA].spec.scaleTargetRef.name = 'vllm-typo';
  expectRejected(dangling, HPA, '/spec/scaleTargetRef', /names no object in the synthesized set/);
  const external = validObjects();
  external[HPA].spec.metrics[0].type = 'External';
  expectRejected(external, HPA, '/spec/metrics/0/external', /requires a "external" block/);
  const period = validObjects();
  period[HPA].spec.behavior.scaleDown.policies[0].periodSeconds = 3600;
  expectRejected(period, HPA, '/spec/behavior/scaleDown/policies/0/periodSeconds', /between 1 and 1800/);
});

test('rejects enum values the definitions do not constrain, and other semantic defects', () => {
  const pull = validObjects();
  pull[DEPLOYMENT].spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
  expectRejected(pull, DEPLOYMENT, `${CONTAINER}/imagePullPolicy`, /imagePullPolicy must be one of/);
  const recreate = validObjects();
  recreate[DEPLOYMENT].spec.strategy.rollingUpdate = { maxSurge: 1 };
  expectRejected(recreate, DEPLOYMENT, '/spec/strategy/rollingUpdate', /Recreate/);
  const mount = validObjects();
  mount[DEPLOYMENT].spec.template.spec.containers[0].volumeMounts[0].name = 'cache';
  expectRejected(mount, DEPLOYMENT, `${CONTAINER}/volumeMounts/0/name`, /undeclared volume "cache"/);
  const port = validObjects();
  port[SERVICE].spec.ports[0].port = 70000;
  expectRejected(port, SERVICE, '/spec/ports/0/port', /between 1 and 65535/);
  const portName = validObjects();
  portName[DEPLOYMENT].spec.template.spec.containers[0].ports[0].name = 'http-openai-compatible';
  expectRejected(portName, DEPLOYMENT, `${CONTAINER}/ports/0/name`, /no more than 15 characters/);
  const label = validObjects();
  label[DEPLOYMENT].metadata.labels = { 'bad key!': 'x' };
  expectRejected(label, DEPLOYMENT, '/metadata/labels/bad key!', /invalid label key/);
});

test('rejects metadata.namespace on a cluster-scoped CRD kind (ComputeClass)', () => {
  // whenUnsatisfiable is required but has a default, applied before validation as the API server does
  const cc = { apiVersion: 'cloud.google.com/v1', kind: 'ComputeClass', metadata: { name: 'l4' }, spec: { priorities: [{ gpu: { type: 'nvidia-l4', count: 1 } }] } };
  for (const version of VERSIONS) expect(ManifestValidator.forVersion(version).validate([cc])).toEqual([]);
  expect(cc.spec).toEqual({ priorities: [{ gpu: { type: 'nvidia-l4', count: 1 } }] }); // the input is not mutated
  const badEnum = { ...cc, spec: { ...cc.spec, whenUnsatisfiable: 'Whatever' } };
  expect(ManifestValidator.forVersion('1.33').validate([badEnum])).toEqual([
    expect.objectContaining({ path: '/spec/whenUnsatisfiable', message: 'must be one of "ScaleUpAnyway", "DoNotScaleUp" (got "Whatever")' }),
  ]);
  const namespaced = { ...cc, metadata: { name: 'l4', namespace: 'default' } };
  expect(ManifestValidator.forVersion('1.33').validate([namespaced])).toEqual([
    expect.objectContaining({ path: '/metadata/namespace', message: expect.stringMatching(/cluster-scoped/) }),
  ]);
  const typo = { ...cc, spec: { ...cc.spec, priorites: [] } };
  expect(ManifestValidator.forVersion('1.33').validate([typo])).toEqual([
    expect.objectContaining({ path: '/spec/priorites', message: 'unknown field "priorites"' }),
  ]);
});

test('tightening walks schema keywords only: the vendored CRDs validate as CustomResourceDefinitions', () => {
  const crds = parseYamlStream(fs.readFileSync(path.join(SHARED_DIR, 'schemas', 'crds', 'monitoring.googleapis.com_podmonitorings.yaml'), 'utf8'));
  for (const version of VERSIONS) expect(ManifestValidator.forVersion(version).validate(crds)).toEqual([]);
  const bad: any = structuredClone(crds[0]);
  bad.spec.versions[0].schema.openAPIV3Schema.propertees = {};
  expect(ManifestValidator.forVersion('1.33').validate([bad])).toEqual([
    expect.objectContaining({ path: '/spec/versions/0/schema/openAPIV3Schema/propertees' }),
  ]);
  // property-name maps are left alone; free-form objects stay open
  const t = tightenSchema({ type: 'object', properties: { anyOf: { type: 'array' }, raw: { type: 'object' } } });
  expect(t).toEqual({ type: 'object', additionalProperties: false, properties: { anyOf: { type: 'array' }, raw: { type: 'object' } } });
});

test('expectValidManifests lists every issue readably', () => {
  const objects = validObjects();
  objects[DEPLOYMENT].spec.replicas = 'two';
  objects[HPA].spec.minReplicas = 9;
  let message = '';
  try {
    expectValidManifests(objects);
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).toContain('[k8s 1.28] doc #0 Deployment/vllm at /spec/replicas: must be integer (got "two")');
  expect(message).toContain('[k8s 1.33] doc #0 Deployment/vllm at /spec/replicas: must be integer (got "two")');
  expect(message).toContain('[semantic] doc #2 HorizontalPodAutoscaler/vllm at /spec/minReplicas: minReplicas (9) must be less than or equal to maxReplicas (4)');
});

test('parseYamlStream rejects duplicate keys and parse errors, and drops empty documents', () => {
  expect(parseYamlStream('a: 1\n---\n---\nb: 2\n')).toEqual([{ a: 1 }, { b: 2 }]);
  expect(() => parseYamlStream('metadata:\n  labels:\n    app: a\n    app: b\n')).toThrow(/unique/i);
  expect(() => parseYamlStream('a: [1, 2\n')).toThrow(/YAML document #0/);
});

test('parseQuantity understands the Kubernetes suffixes', () => {
  expect(parseQuantity('500m')).toBe(0.5);
  expect(parseQuantity('16Gi')).toBe(16 * 2 ** 30);
  expect(parseQuantity('1k')).toBe(1000);
  expect(parseQuantity('2M')).toBe(2e6);
  expect(parseQuantity('1E')).toBe(1e18);
  expect(parseQuantity('1e3')).toBe(1000);
  expect(parseQuantity(2)).toBe(2);
  expect(parseQuantity('16 GB')).toBeUndefined();
});

test('kubectl (client-side strict validation against the vendored schemas) accepts the valid stack', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-validator-'));
  try {
    const valid = path.join(dir, 'valid.yaml');
    fs.writeFileSync(valid, validObjects().map((o) => stringify(o)).join('---\n'));
    const result = kubectlValidate([valid]);
    if (result === undefined) {
      // eslint-disable-next-line no-console
      console.log('kubectl is not on PATH (or shared/tools/kubectl-validate is missing): kubectl cross-check skipped');
      return;
    }
    expect({ ok: result.ok, output: result.output }).toEqual({ ok: true, output: expect.stringContaining('5 valid, 0 invalid') });
    // and it is really validating: an unknown container field is rejected
    const invalid = path.join(dir, 'invalid.yaml');
    const objects = validObjects();
    objects[DEPLOYMENT].spec.template.spec.containers[0].resource = {};
    fs.writeFileSync(invalid, stringify(objects[DEPLOYMENT]));
    const bad = kubectlValidate([invalid]);
    expect(bad?.ok).toBe(false);
    expect(bad?.output).toMatch(/unknown field "resource"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);
