import { Chart, Testing } from 'cdk8s';
import { AutoscalingMetric, OptimizedLlmServer, OptimizedLlmServerProps } from '../src';

function synth(props: OptimizedLlmServerProps): { server: OptimizedLlmServer; objects: any[] } {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'server', props);
  return { server, objects: chart.toJson() };
}

test('cost at the HPA target: replicas held at headroom x the operating throughput cost 1/headroom more per token', () => {
  const { server, objects } = synth({
    model: 'google/gemma-2-27b-it',
    acceleratorType: 'nvidia-l4',
    targetNtpotMilliseconds: 1100,
    autoscalingMetric: AutoscalingMetric.BATCH_SIZE,
  });
  const r = server.resolution;
  const a = r.autoscaling!;
  // headroom = (1 - 0.1 HPA tolerance) / (1 + 5%/min x the replica start-up in minutes)
  expect(a.utilizationAtTarget).toBeCloseTo(0.9 / (1 + (0.05 * a.replicaStartupSeconds) / 60), 9);
  expect(a.utilizationAtTarget).toBeLessThan(0.9);
  // $/token = $/h / tokens/h: at a fraction u of the throughput, 1/u as much
  expect(a.costPerMillionOutputTokensAtTarget).toBeCloseTo(r.cost.costPerMillionOutputTokens! / a.utilizationAtTarget, 9);
  expect(a.costPerMillionInputTokensAtTarget).toBeCloseTo(r.cost.costPerMillionInputTokens! / a.utilizationAtTarget, 9);
  const annotations = objects.find((o) => o.kind === 'Deployment').metadata.annotations;
  expect(annotations['cdk8s-gke-inference.io/cost-at-hpa-target']).toMatch(/^\$[\d.]+\/M output tokens, \$[\d.]+\/M input tokens with replicas at the HPA target \(\d+% of the operating point's throughput; the accelerator choice minimises the operating-point cost\)$/);
  expect(r.decisions.join('\n')).toMatch(/cost at the HPA target: .* which the automatic accelerator choice minimises/);
  // on the queue, replicas run at saturation: the operating point's cost
  const queue = synth({
    model: 'google/gemma-2-27b-it',
    acceleratorType: 'nvidia-l4',
    targetNtpotMilliseconds: 1100,
    autoscalingMetric: AutoscalingMetric.QUEUE_SIZE,
  }).server.resolution;
  expect(queue.autoscaling!.utilizationAtTarget).toBe(1);
  expect(queue.autoscaling!.costPerMillionOutputTokensAtTarget).toBeCloseTo(queue.cost.costPerMillionOutputTokens!, 9);
});
