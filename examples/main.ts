// The example app: Gemma 2 27B on L4 GPUs held to a latency target and loaded from Cloud Storage
// (staged once by a ModelTransferJob) with one LoRA adapter, a DeepSeek distill from Hugging Face on the accelerator
// the resolver picks, both behind one GKE Inference Gateway (routed by the request's `model`), and
// Llama 3.1 405B on a multi-host TPU v6e slice (JetStream with Pathways).
// `npm run synth:example` writes examples/dist/*.k8s.yaml.
import { App, Chart } from 'cdk8s';
import { InferenceGateway, LoraAdapter, ModelTransferJob, OptimizedLlmServer } from '../src';

const app = new App({ outdir: `${__dirname}/dist` });
const BUCKET = 'gs://my-models/google/gemma-2-27b-it';

// run once: copies the weights from Hugging Face into the bucket
const staging = new Chart(app, 'staging', { namespace: 'llm' });
const transfer = new ModelTransferJob(staging, 'gemma-transfer', {
  name: 'gemma-2-27b-transfer',
  model: 'google/gemma-2-27b-it',
  modelBucketUri: BUCKET,
});

const serving = new Chart(app, 'inference', { namespace: 'llm' });
const gemma = new OptimizedLlmServer(serving, 'gemma', {
  name: 'gemma-2-27b',
  model: 'google/gemma-2-27b-it',
  acceleratorType: 'nvidia-l4',
  targetNtpotMilliseconds: 1100,
  maxReplicas: 4,
  modelBucketUri: BUCKET,
  // a LoRA adapter of your own, staged under the bucket (adapter_config.json and adapter_model.safetensors), served as
  // model 'gemma-support' next to the base model and routed by the gateway to the same pool
  loraAdapters: [LoraAdapter.fromModelBucket('gemma-support', 'adapters/support', 16)],
});
const deepseek = new OptimizedLlmServer(serving, 'deepseek', {
  name: 'deepseek-r1-distill-7b',
  model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
});
// one internal load balancer for both models: each request goes to the pool of its `model`, and within the pool to the
// replica the Endpoint Picker chooses by queue, KV cache and prefix cache; batch requests (a negative priority) are shed while the
// pools are saturated, interactive ones never
const gateway = new InferenceGateway(serving, 'gateway', {
  name: 'inference-gateway',
  servers: [gemma, deepseek],
  workloadClasses: [{ name: 'interactive', priority: 10 }, { name: 'batch', priority: -10 }],
});

// a model no single TPU host holds: one replica is a multi-host v6e slice, a LeaderWorkerSet of Pathways workers
const tpu = new Chart(app, 'tpu-multihost', { namespace: 'llm' });
const llama = new OptimizedLlmServer(tpu, 'llama', {
  name: 'llama-3-1-405b',
  model: 'meta-llama/Llama-3.1-405B-Instruct',
  modelServer: 'jetstream',
  acceleratorType: 'tpu-v6e-slice',
  targetNtpotMilliseconds: 200,
  maxReplicas: 2,
  // a converted, unscanned MaxText checkpoint
  modelBucketUri: 'gs://my-models/maxtext/llama3.1-405b/unscanned/checkpoints/0/items',
});

app.synth();

for (const note of transfer.deploymentNotes) console.log(`# ${note}`);
for (const server of [gemma, deepseek, llama]) {
  const r = server.resolution;
  console.log(`${server.name}: ${r.acceleratorCount} x ${r.acceleratorType} on ${r.instanceType}, `
    + `${Math.round(r.performance.outputTokensPerSecond)} output tok/s at ${r.performance.ntpotMilliseconds.toFixed(1)} ms NTPOT (${r.source}), `
    + `$${r.cost.costPerMillionOutputTokens?.toFixed(3)}/M output tokens (${r.cost.pricingModel})`);
  for (const note of server.deploymentNotes) console.log(`  # ${note}`);
}
console.log(`${gateway.gatewayName}: ${gateway.inferencePools.map((p) => p.name).join(', ')}`);
for (const note of gateway.deploymentNotes) console.log(`  # ${note}`);
console.log(`wrote ${app.outdir}/staging.k8s.yaml, ${app.outdir}/inference.k8s.yaml and ${app.outdir}/tpu-multihost.k8s.yaml`);
