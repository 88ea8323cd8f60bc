// The example app: one chart with a Gemma 2 27B server on L4 GPUs held to a latency target, and a
// DeepSeek distill on the accelerator the resolver picks. `npm run synth:example` writes
// examples/dist/*.k8s.yaml.
import { App, Chart } from 'cdk8s';
import { OptimizedLlmServer } from '../src';

const app = new App({ outdir: `${__dirname}/dist` });
const chart = new Chart(app, 'inference', { namespace: 'llm' });

const gemma = new OptimizedLlmServer(chart, 'gemma', {
  name: 'gemma-2-27b',
  model: 'google/gemma-2-27b-it',
  acceleratorType: 'nvidia-l4',
  targetNtpotMilliseconds: 1100,
  maxReplicas: 4,
});

const deepseek = new OptimizedLlmServer(chart, 'deepseek', {
  name: 'deepseek-r1-distill-7b',
  model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
});

app.synth();

for (const server of [gemma, deepseek]) {
  const r = server.resolution;
  console.log(`${server.name}: ${r.acceleratorCount} x ${r.acceleratorType} on ${r.instanceType}, `
    + `${Math.round(r.performance.outputTokensPerSecond)} output tok/s at ${r.performance.ntpotMilliseconds} ms NTPOT (${r.source}), `
    + `$${r.cost.costPerMillionOutputTokens?.toFixed(3)}/M output tokens (${r.cost.pricingModel})`);
  for (const note of server.deploymentNotes) console.log(`  # ${note}`);
}
console.log(`wrote ${app.outdir}/inference.k8s.yaml`);
