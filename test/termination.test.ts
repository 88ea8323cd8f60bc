import { Chart, Testing } from 'cdk8s';
import { InferenceGateway, OptimizedLlmServer, OptimizedLlmServerProps } from '../src';
import { expectValidManifests } from './support/k8s-validator';

/**
 * How server pods stop. The inference extension's reference vLLM Deployment (kubernetes-sigs/gateway-api-inference-extension
 * v1.5.0 config/manifests/vllm/gpu-deployment.yaml) sleeps 30 s in preStop "to give upstream gateways a chance to take us out of
 * rotation", sets `enableServiceLinks: false`, and keeps its grace period "longer than the slowest request we expect to serve";
 * the cluster autoscaler waits at most 600 s (--max-graceful-termination-sec) when it removes a node.
 */
function synth(props: OptimizedLlmServerProps, gateway = false): { server: OptimizedLlmServer; objects: any[] } {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'srv', props);
  if (gateway) new InferenceGateway(chart, 'gw', { servers: [server] });
  return { server, objects: Testing.synth(chart) };
}
const podsOf = (objects: any[]) => objects.flatMap((o) => (o.kind === 'Deployment' ? [o.spec.template.spec]
  : o.kind === 'LeaderWorkerSet' ? [o.spec.leaderWorkerTemplate.leaderTemplate.spec, o.spec.leaderWorkerTemplate.workerTemplate.spec] : []))
  .filter((p) => p.containers.some((c: any) => c.resources?.limits?.['nvidia.com/gpu'] || c.resources?.limits?.['google.com/tpu'] || c.name === 'jetstream-http'));

test('server pods pause 30 s in preStop, outlast the longest request at the operating point, and take no Service links', () => {
  const cases: OptimizedLlmServerProps[] = [
    { model: 'google/gemma-2-2b-it', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 20 },
    { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 200 },
    { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', modelServer: 'tgi', targetNtpotMilliseconds: 200 },
    { model: 'meta-llama/Llama-3.1-8B-Instruct', modelServer: 'jetstream', acceleratorType: 'tpu-v6e-slice', modelBucketUri: 'gs://ckpt-bucket/llama/items' },
    { model: 'meta-llama/Llama-3.1-405B-Instruct', acceleratorType: 'nvidia-h100-80gb' },
  ];
  const graces: number[] = [];
  for (const props of cases) {
    const { server, objects } = synth(props);
    expectValidManifests(objects);
    const r = server.resolution;
    // the longest request: every token maxModelLength allows at the operating point's NTPOT (the high end of an estimate's band)
    const ntpot = r.uncertainty?.ntpotMillisecondsHigh ?? r.performance.ntpotMilliseconds;
    const ttft = r.uncertainty?.ttftMillisecondsHigh ?? r.performance.ttftMilliseconds ?? 0;
    const longest = Math.max(30, Math.ceil(1.5 * (ttft + r.maxModelLength * ntpot) / 1000));
    const pods = podsOf(objects);
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      expect(pod.enableServiceLinks).toBe(false);
      expect(pod.terminationGracePeriodSeconds).toBe(Math.min(600, 30 + longest));
      for (const c of pod.containers) expect(c.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '30'] } } });
    }
    graces.push(pods[0].terminationGracePeriodSeconds);
    expect(server.deploymentNotes.join('\n')).toMatch(new RegExp(`Shutdown: each server pod pauses 30 s in preStop .* until ${graces[graces.length - 1]} s`));
  }
  // a fast operating point stops sooner than a slow one, which the autoscaler's 600 s caps
  expect(Math.min(...graces)).toBeLessThan(600);
  expect(Math.max(...graces)).toBe(600);
});

test('behind a gateway the grace period covers the backend timeout the load balancer allows, up to the autoscaler\'s 600 s', () => {
  const { objects } = synth({ model: 'google/gemma-2-2b-it', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 20 }, true);
  const policy = objects.find((o) => o.kind === 'GCPBackendPolicy');
  const timeout = policy.spec.default.timeoutSec;
  const pod = podsOf(objects)[0];
  expect(timeout).toBeLessThan(570);
  expect(pod.terminationGracePeriodSeconds).toBe(30 + timeout);
});
