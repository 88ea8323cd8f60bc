import { Chart, Testing } from 'cdk8s';
import { OptimizedLlmServer, OptimizedLlmServerProps } from '../src';
import { expectValidManifests } from './support/k8s-validator';

function synth(props: Partial<OptimizedLlmServerProps>): { server: OptimizedLlmServer; objects: any[] } {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'server', { model: 'openai/gpt-oss-20b', name: 'gpt-oss', ...props });
  return { server, objects: chart.toJson() };
}

const pdbOf = (objects: any[]) => objects.find((o) => o.kind === 'PodDisruptionBudget');

test('more than one fixed replica: one pod at a time may be disrupted', () => {
  const { server, objects } = synth({ replicas: 3 });
  const pdb = pdbOf(objects);
  expect(server.podDisruptionBudget).toBeDefined();
  expect(pdb.apiVersion).toBe('policy/v1');
  expect(pdb.metadata).toEqual({ name: 'gpt-oss', namespace: 'llm', labels: { app: 'gpt-oss' } });
  expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { app: 'gpt-oss' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  expectValidManifests(objects, ['1.28', '1.33']);
});

test('with autoscaling, minReplicas decides', () => {
  expect(pdbOf(synth({ targetNtpotMilliseconds: 100, minReplicas: 2, maxReplicas: 4 }).objects)).toBeDefined();
  expect(pdbOf(synth({ targetNtpotMilliseconds: 100, maxReplicas: 4 }).objects)).toBeUndefined();
});

test('a single replica gets none unless asked; asking wins both ways', () => {
  expect(pdbOf(synth({}).objects)).toBeUndefined();
  expect(pdbOf(synth({ replicas: 0 }).objects)).toBeUndefined();
  expect(pdbOf(synth({ disruptionBudget: true }).objects)).toBeDefined();
  expect(pdbOf(synth({ replicas: 3, disruptionBudget: false }).objects)).toBeUndefined();
});

test('fails: a disruptionBudget that is not a boolean', () => {
  expect(() => synth({ disruptionBudget: 'yes' as unknown as boolean })).toThrow(/'disruptionBudget' must be true or false/);
});
