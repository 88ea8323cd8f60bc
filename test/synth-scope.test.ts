// One rendering per object and synthesis (src/validation/synth-scope.ts): the validation passes and the output share it,
// and nothing of it survives the synthesis.
import { ApiObject, App, Chart, JsonPatch, Testing, Yaml } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { OptimizedLlmServer } from '../src';

function appWith(n = 1): { app: App; chart: Chart; servers: OptimizedLlmServer[] } {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'llm' });
  const servers = Array.from({ length: n }, (_, i) => new OptimizedLlmServer(chart, `s${i}`, {
    model: 'openai/gpt-oss-20b', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 100, name: `gpt-oss-${i}`,
  }));
  return { app, chart, servers };
}

/** How many times each prototype `toJson` of cdk8s runs during `f`. */
function renderings(f: () => unknown): number {
  const spy = jest.spyOn(ApiObject.prototype, 'toJson');
  try {
    f();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

function objectsOf(server: OptimizedLlmServer): ApiObject[] {
  return server.node.findAll().filter(ApiObject.isApiObject);
}

test('app.synthYaml() validates twice and writes once, but renders each object of the servers once', () => {
  const { app, servers } = appWith(3);
  const objects = servers.flatMap(objectsOf).length;
  // cdk8s-plus-28's k8s classes call ApiObject.prototype.toJson through super.toJson()
  expect(renderings(() => app.synthYaml())).toBe(objects);
  expect(renderings(() => app.synthYaml())).toBe(objects);
});

test('chart.toJson() (Testing.synth) and app.synth() render each object once too', () => {
  const { app, chart, servers } = appWith(2);
  const objects = servers.flatMap(objectsOf).length;
  expect(renderings(() => Testing.synth(chart))).toBe(objects);
  expect(renderings(() => chart.toJson())).toBe(objects);
  expect(renderings(() => app.synth())).toBe(objects);
});

test('the output is what a fresh rendering of each object gives, in every synthesis path', () => {
  const { app, chart, servers } = appWith(2);
  const fresh = servers.flatMap(objectsOf).map((o) => o.toJson());
  expect(chart.toJson()).toEqual(fresh);
  expect(app.synthYaml()).toBe(Yaml.stringify(...fresh));
});

test('a change between two syntheses is rendered and validated: nothing is remembered from the first', () => {
  const { chart, servers } = appWith(1);
  const deployment = servers[0].deployment!;
  expect(() => chart.toJson()).not.toThrow();
  deployment.metadata.addAnnotation('example.com/note', 'second');
  expect(chart.toJson().find((o: { kind: string }) => o.kind === 'Deployment').metadata.annotations['example.com/note']).toBe('second');
  deployment.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/securityContext/privileged', true));
  expect(() => chart.toJson()).toThrow(/\[best-practice\/security-context\] Deployment\/gpt-oss-0 .*runs privileged/);
  // and after a failed synthesis too
  expect(() => chart.toJson()).toThrow(/runs privileged/);
});

test('a caller that edits the returned manifests changes neither the next synthesis nor its validation', () => {
  const { chart } = appWith(1);
  const first = chart.toJson();
  const deployment = first.find((o: { kind: string }) => o.kind === 'Deployment');
  deployment.spec.template.spec.containers[0].securityContext.privileged = true;
  deployment.metadata.name = 'edited';
  const second = chart.toJson();
  expect(second.find((o: { kind: string }) => o.kind === 'Deployment').metadata.name).toBe('gpt-oss-0');
  expect(second).not.toEqual(first);
});

test('outside a synthesis, toJson() renders afresh on every call', () => {
  const { chart, servers } = appWith(1);
  chart.toJson();
  const service = servers[0].service;
  const a = service.toJson();
  service.metadata.addLabel('example.com/tier', 'gold');
  const b = service.toJson();
  expect(a).not.toBe(b);
  expect(a.metadata.labels['example.com/tier']).toBeUndefined();
  expect(b.metadata.labels['example.com/tier']).toBe('gold');
});

test('objects outside the servers render as cdk8s renders them, once per pass', () => {
  const { chart } = appWith(1);
  const own = new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'plain' }, data: { a: 'b' } });
  const spy = jest.spyOn(own, 'toJson');
  chart.toJson();
  // cdk8s renders it once for the output; no validation of the library looks at it
  expect(spy).toHaveBeenCalledTimes(1);
});
