// Synth-time validation of what OptimizedLlmServer emits (cdk8s Node.addValidation).
import { App, Chart, JsonPatch, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { ClusterMode, OptimizedLlmServer, OptimizedLlmServerProps } from '../src';
import { Catalog } from '../src/catalog/catalog';
import { profileCurves } from '../src/performance/profiles';

function chartWith(props: Partial<OptimizedLlmServerProps>): { chart: Chart; server: OptimizedLlmServer } {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'server', { model: 'openai/gpt-oss-20b', name: 'gpt-oss', ...props });
  return { chart, server };
}

const measured = profileCurves(Catalog.EMBEDDED).filter((c) => c.source === 'measured');

test.each(measured.map((c) => [c.model, c.acceleratorType] as const))('%s on %s passes every rule, Autopilot\'s included', (model, acceleratorType) => {
  for (const clusterMode of [ClusterMode.AUTOPILOT, ClusterMode.STANDARD]) {
    const { chart } = chartWith({ model, acceleratorType, clusterMode, name: undefined, replicas: 2 });
    expect(() => chart.toJson()).not.toThrow();
  }
});

test('fails: a patched object is caught at synth, naming the construct, the rule, the path and the fix', () => {
  // GIVEN
  const { chart, server } = chartWith({});
  server.deployment!.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/securityContext/privileged', true));
  // THEN
  expect(() => chart.toJson()).toThrow(new RegExp([
    'Validation failed with the following errors:\\n',
    '  \\[test/server\\] OptimizedLlmServer \'gpt-oss\': \\[best-practice/security-context\\] Deployment/gpt-oss ',
    'at /spec/template/spec/containers/0/securityContext/privileged: container "inference-server" runs privileged\\. ',
    'Fix: remove privileged: true\\.',
  ].join('')));
});

test('fails: validation reads the synthesized JSON, not the props', () => {
  const { chart, server } = chartWith({});
  server.deployment!.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/ports/0/name', 'web'));
  expect(() => chart.toJson()).toThrow(/\[kubernetes\/ports\] Service\/gpt-oss at \/spec\/ports\/0\/targetPort: port "http" is not the name of a container port/);
  expect(() => chart.toJson()).toThrow(/\[kubernetes\/probe-ports\] Deployment\/gpt-oss at \/spec\/template\/spec\/containers\/0\/startupProbe/);
  expect(() => Testing.app().synth()).not.toThrow();
});

test('AUTOPILOT mode checks the GPU type against a configurable list', () => {
  const { chart } = chartWith({ acceleratorType: 'nvidia-h100-80gb', clusterMode: ClusterMode.AUTOPILOT, autopilotAcceleratorTypes: ['nvidia-l4'] });
  expect(() => chart.toJson()).toThrow(/\[gke-autopilot\/allowed-gpu-type\] Deployment\/gpt-oss .*'nvidia-h100-80gb' is not a GPU type GKE Autopilot admits \(allowed: nvidia-l4\)\. Fix: .*'autopilotAcceleratorTypes'/);
  // Standard clusters are not held to Autopilot's list
  expect(() => chartWith({ acceleratorType: 'nvidia-h100-80gb', clusterMode: ClusterMode.STANDARD, autopilotAcceleratorTypes: ['nvidia-l4'] }).chart.toJson())
    .not.toThrow();
});

test('an HPA may target a Deployment elsewhere in the chart, never a missing one', () => {
  const { chart, server } = chartWith({ targetNtpotMilliseconds: 100 });
  new k8s.KubeDeployment(chart, 'other', {
    metadata: { name: 'other' },
    spec: { selector: { matchLabels: { app: 'other' } }, template: { metadata: { labels: { app: 'other' } } } },
  });
  server.horizontalPodAutoscaler!.addJsonPatch(JsonPatch.replace('/spec/scaleTargetRef/name', 'other'));
  expect(() => chart.toJson()).not.toThrow();
  server.horizontalPodAutoscaler!.addJsonPatch(JsonPatch.replace('/spec/scaleTargetRef/name', 'missing'));
  expect(() => chart.toJson()).toThrow(/\[kubernetes\/hpa\] HorizontalPodAutoscaler\/gpt-oss .* names no object of the chart/);
});

test('every server of an app is validated, each naming itself', () => {
  const app = new App();
  const chart = new Chart(app, 'c');
  const a = new OptimizedLlmServer(chart, 'a', { model: 'openai/gpt-oss-20b', name: 'a' });
  const b = new OptimizedLlmServer(chart, 'b', { model: 'openai/gpt-oss-20b', name: 'b' });
  a.deployment!.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/image', 'vllm/vllm-openai'));
  b.deployment!.addJsonPatch(JsonPatch.remove('/spec/template/spec/containers/0/livenessProbe'));
  expect(() => app.synthYaml()).toThrow(/OptimizedLlmServer 'a': \[best-practice\/pinned-image\][^]*OptimizedLlmServer 'b': \[best-practice\/probes\]/);
});

test('fails: an unknown clusterMode is rejected eagerly', () => {
  expect(() => chartWith({ clusterMode: 'gke' as ClusterMode })).toThrow(/'clusterMode' must be one of 'standard' \(ClusterMode\.STANDARD\), 'autopilot'/);
});
