/**
 * Text Generation Inference 3.0.1 as its own source and image build it (huggingface/text-generation-inference at v3.0.1):
 * kernels for compute capabilities 8.0, 8.6 and 9.0 on PyTorch 2.4 (Dockerfile; T4 on its fallback paths, as its docs list it),
 * KV heads split across shards, never
 * replicated (flash_mixtral_modeling.py `_load_gqa`), one sliding window for the whole model (flash_causal_lm.py), and HTTP 429
 * once `max_concurrent_requests` (default 128) requests are in flight (launcher/src/main.rs, router/src/infer/mod.rs).
 */
import { Chart, Testing } from 'cdk8s';
import { InferenceResolver, OptimizedLlmServer } from '../src';
import { Catalog } from '../src/catalog/catalog';
import { estimateInput, modelFor } from '../src/performance/calibration';
import { profileCurves } from '../src/performance/profiles';

const BLACKWELL = ['nvidia-b200', 'nvidia-gb200', 'nvidia-rtx-pro-6000'];

test('TGI 3.0.1 and vLLM v0.7.2 (PyTorch before 2.7) are never planned on Blackwell GPUs, and say why when asked', () => {
  for (const model of ['google/gemma-2-9b-it', 'meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Llama-3.3-70B-Instruct']) {
    const r = InferenceResolver.resolve({ model, modelServer: 'tgi' });
    expect(BLACKWELL).not.toContain(r.acceleratorType);
    for (const a of r.alternatives) expect(BLACKWELL).not.toContain(a.acceleratorType);
  }
  expect(() => InferenceResolver.resolve({ model: 'google/gemma-2-9b-it', modelServer: 'tgi', acceleratorType: 'nvidia-rtx-pro-6000' }))
    .toThrow(/No tgi image of the catalog runs on nvidia-rtx-pro-6000: 3\.0\.1 .* runs on .*nvidia-h200-141gb only/);
  expect(() => InferenceResolver.resolve({ model: 'meta-llama/Llama-3.1-8B-Instruct', modelServerVersion: 'v0.7.2', acceleratorType: 'nvidia-b200' }))
    .toThrow(/vllm v0\.7\.2 does not run on nvidia-b200/);
  // newer vLLM builds do run there
  expect(InferenceResolver.resolve({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-b200' }).acceleratorType).toBe('nvidia-b200');
  expect(profileCurves(Catalog.EMBEDDED).filter((k) => k.modelServer === 'tgi' && BLACKWELL.includes(k.acceleratorType))).toEqual([]);
});

test('TGI shards divide the KV heads: no 16-way Mixtral on a2-megagpu-16g, where vLLM would replicate the 8 heads', () => {
  const keys = profileCurves(Catalog.EMBEDDED).filter((k) => k.modelServer === 'tgi');
  expect(keys.length).toBeGreaterThan(0);
  for (const k of keys) {
    const model = Catalog.EMBEDDED.model(k.model)!;
    expect(model.kvHeads % k.acceleratorCount).toBe(0);
  }
  // 281 GB of weights need 16 x A100 40GB, which TGI cannot shard: refused, naming where TGI serves it
  expect(() => InferenceResolver.resolve({ model: 'mistralai/Mixtral-8x22B-Instruct-v0.1', modelServer: 'tgi', acceleratorType: 'nvidia-tesla-a100' }))
    .toThrow(/server tgi, accelerator nvidia-tesla-a100: neither measured nor estimated\. Profiles for this model exist for versions 3\.0\.1 on nvidia-a100-80gb/);
  expect(InferenceResolver.resolve({ model: 'google/gemma-2-9b-it', modelServer: 'tgi', acceleratorType: 'nvidia-tesla-a100', targetNtpotMilliseconds: 15 })
    .tensorParallelSize).toBeLessThanOrEqual(8);
  // vLLM keeps the 16-way shape (it replicates the KV heads)
  expect(profileCurves(Catalog.EMBEDDED, 'mistralai/Mixtral-8x22B-Instruct-v0.1')
    .some((k) => k.modelServer === 'vllm' && k.acceleratorCount === 16)).toBe(true);
});

test('TGI admits twice the operating point\'s requests in flight (at least its default 128), so a burst queues instead of a 429', () => {
  for (const props of [
    { model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 50 },
    { model: 'google/gemma-2-2b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 20 },
  ]) {
    const chart = new Chart(Testing.app(), 'c');
    const server = new OptimizedLlmServer(chart, 's', { ...props, modelServer: 'tgi' });
    const env = Testing.synth(chart).find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env as { name: string; value: string }[];
    const limit = Number(env.find((e) => e.name === 'MAX_CONCURRENT_REQUESTS')!.value);
    const inFlight = server.resolution.performance.concurrentRequests;
    expect(limit).toBe(Math.max(128, Math.ceil(2 * inFlight - 1e-6)));
    expect(limit).toBeGreaterThanOrEqual(inFlight);
    // no usage statistics to huggingface.co (TGI's default is on)
    expect(env.find((e) => e.name === 'USAGE_STATS')!.value).toBe('off');
  }
});

test('a model no TGI version is known to serve is refused for that reason, not for memory', () => {
  expect(() => InferenceResolver.resolve({ model: 'meta-llama/Llama-3.1-70B-Instruct', modelServer: 'tgi', acceleratorType: 'nvidia-h100-80gb' }))
    .toThrow(/No tgi version of the catalog is known to serve meta-llama\/Llama-3\.1-70B-Instruct \(their model list: .*\); serve it with vllm/);
});

test('TGI 3.0.1 keeps the whole context on Gemma 2\'s sliding-window layers: fewer long requests fit than on vLLM\'s hybrid allocator', () => {
  const workload = { name: 'long prompts', meanInputTokens: 6000, meanOutputTokens: 500, source: 'test' };
  const key = { model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-h100-80gb', acceleratorCount: 1 };
  const tgi = modelFor(Catalog.EMBEDDED, { ...key, modelServer: 'tgi', modelServerVersion: '3.0.1' }, workload)!;
  const vllm = modelFor(Catalog.EMBEDDED, { ...key, modelServer: 'vllm', modelServerVersion: 'v0.12.0' }, workload)!;
  expect(estimateInput(Catalog.EMBEDDED, { ...key, modelServer: 'tgi', modelServerVersion: '3.0.1' }, workload)!.windowedKvCache).toBe(false);
  // both KV-limited here; the windowed cache keeps at most 4096 tokens on half of Gemma 2's layers
  expect(tgi.maxRunningBatch).toBeGreaterThan(0);
  expect(tgi.maxRunningBatch).toBeLessThan(vllm.maxRunningBatch);
  expect(vllm.maxRunningBatch).toBeLessThan(256);
});

test('Gemma 2 on TGI 3.0.1 is limited to its 4096-token window, which that version applies to every layer (fixed in 3.2.1)', () => {
  // v3.0.1 flash_causal_lm.py: set_sliding_window(config.sliding_window) for the whole model, a prompt's KV stored from
  // input_length - sliding_window on, flashinfer's window_left on every layer; flash_gemma2_modeling.py's decode passes no window
  const chart = new Chart(Testing.app(), 'c');
  const server = new OptimizedLlmServer(chart, 's', { model: 'google/gemma-2-9b-it', modelServer: 'tgi', acceleratorType: 'nvidia-l4' });
  expect(server.resolution.maxModelLength).toBe(4096);
  expect(server.resolution.decisions.join('\n')).toMatch(/maxModelLength 4096: tgi applies google\/gemma-2-9b-it's 4096-token sliding window to every layer/);
  const env = Testing.synth(chart).find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env as { name: string; value: string }[];
  expect(env.find((e) => e.name === 'MAX_TOTAL_TOKENS')!.value).toBe('4096');
  // a workload longer than the window is refused for the window, not for the model's 8192-token context
  expect(() => InferenceResolver.resolve({ model: 'google/gemma-2-9b-it', modelServer: 'tgi', averageInputTokens: 3000, averageOutputTokens: 2000 }))
    .toThrow(/model length of 4096 tokens \(tgi's limit for google\/gemma-2-9b-it: its 4096-token sliding window, .*vllm serves its 8192 tokens\)/);
  expect(() => InferenceResolver.resolve({ model: 'google/gemma-2-9b-it', modelServer: 'tgi', maxModelLength: 8192 }))
    .toThrow(/^'maxModelLength' 8192: tgi applies google\/gemma-2-9b-it's 4096-token sliding window to every layer .*or serve it with vllm/);
  // vLLM keeps Gemma 2's whole 8192-token context; models without windows keep theirs on TGI
  expect(InferenceResolver.resolve({ model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4' }).maxModelLength).toBe(8192);
  expect(InferenceResolver.resolve({ model: 'meta-llama/Llama-3.1-8B-Instruct', modelServer: 'tgi', acceleratorType: 'nvidia-l4' }).maxModelLength)
    .toBeGreaterThan(4096);
});
