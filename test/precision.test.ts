import { Testing } from 'cdk8s';
import { InferenceCatalog, InferenceResolver, OptimizedLlmServer, ProfileSource } from '../src';
import { llama8bArchitecture } from './support/architectures';
import { Catalog } from '../src/catalog/catalog';
import { performanceModel } from '../src/performance/estimator';
import { KvCacheDtype, WeightPrecision, precisionPlan } from '../src/performance/precision';

const catalog = Catalog.EMBEDDED;
const LLAMA = catalog.model('meta-llama/Llama-3.1-8B-Instruct')!;
const GPT_OSS = catalog.model('openai/gpt-oss-20b')!;
const acc = (label: string) => catalog.accelerator(label)!;
/** An 8B architecture as a user registers a quantized checkpoint of it. */
const NVFP4_8B = llama8bArchitecture('acme/chat-8b-nvfp4');
const plan = (label: string, w: WeightPrecision, kv = KvCacheDtype.AUTO, model = LLAMA) =>
  precisionPlan(model, acc(label), w, kv, catalog.accelerators);

test('fp8 halves the bytes of the linear layers, keeps the embedding tables in bf16, and raises the compute peak where the hardware has fp8', () => {
  const bf16 = plan('nvidia-h100-80gb', WeightPrecision.CHECKPOINT);
  const fp8 = plan('nvidia-h100-80gb', WeightPrecision.FP8);
  // Llama 3.1 8B: 8.03 B parameters, of which the untied embedding and lm_head are 2 x 128256 x 4096 = 1.05 B; vLLM quantizes only
  // the linear layers, so 6.98 GB of fp8 + 2.10 GB of bf16 tables, not half of 16.1 GB
  expect(fp8.weightsGb).toBeCloseTo(6.98 + 2.1, 1);
  expect(fp8.weightsGb).toBeGreaterThan(bf16.weightsGb / 2 + 1);
  expect(fp8.computeTflops).toBe(acc('nvidia-h100-80gb').fp8DenseTflops);
  expect(fp8.computeTflops).toBeGreaterThan(1.9 * bf16.computeTflops);
  // Ampere has no fp8 tensor cores (n/a): weight-only fp8 (Marlin), computing at the bf16 peak, the same bytes
  const a100 = plan('nvidia-a100-80gb', WeightPrecision.FP8);
  expect(a100.weightsGb).toBe(fp8.weightsGb);
  expect([a100.computeFormat, a100.computeTflops]).toEqual(['bf16', acc('nvidia-a100-80gb').bf16DenseTflops]);
  // vLLM quantizes the bf16 checkpoint online
  expect(fp8.vllmArgs).toEqual(['--quantization=fp8']);
  // 4-bit formats: a quarter of the linear bytes (4.25 bits with the group scales), the tables still in bf16
  expect(plan('nvidia-l4', WeightPrecision.INT4_AWQ).weightsGb).toBeCloseTo((2 * 6.98 * 4.25) / 16 + 2.1, 1);
});

test('quantizing a bf16 model online loads what its published FP8 checkpoint weighs', () => {
  // the catalog's FP8 checkpoints of the same architectures (large-models.ts FP8_CHECKPOINTS): RedHatAI's compressed-tensors
  // checkpoints and Qwen's block-quantized one keep the embedding and lm_head in bf16; a public model table lists
  // RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic at 72.7 GB
  const pairs: Array<[string, string]> = [
    ['meta-llama/Llama-3.1-8B-Instruct', 'RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8'],
    ['meta-llama/Llama-3.1-70B-Instruct', 'RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8'],
    ['meta-llama/Llama-3.3-70B-Instruct', 'RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic'],
    ['Qwen/Qwen3-32B', 'Qwen/Qwen3-32B-FP8'],
  ];
  for (const [base, checkpoint] of pairs) {
    const online = precisionPlan(catalog.model(base)!, acc('nvidia-h100-80gb'), WeightPrecision.FP8, KvCacheDtype.AUTO).weightsGb;
    expect([checkpoint, Math.abs(online - catalog.model(checkpoint)!.checkpointWeightsGb) <= 0.05]).toEqual([checkpoint, true]);
  }
  expect(precisionPlan(catalog.model('meta-llama/Llama-3.3-70B-Instruct')!, acc('nvidia-h100-80gb'), WeightPrecision.FP8, KvCacheDtype.AUTO).weightsGb)
    .toBeCloseTo(72.7, 1);
});

test('formats the hardware cannot run are refused with what would work', () => {
  expect(() => plan('nvidia-h100-80gb', WeightPrecision.NVFP4)).toThrow(/Weight precision \('weightPrecision'\) 'nvfp4' cannot run on nvidia-h100-80gb: .*fp4 n\/a.*runs on nvidia-b200, nvidia-gb200, nvidia-rtx-pro-6000/);
  const b200 = plan('nvidia-b200', WeightPrecision.NVFP4);
  expect([b200.computeFormat, b200.computeTflops]).toEqual(['fp4', acc('nvidia-b200').fp4DenseTflops]);
  expect(() => plan('nvidia-tesla-t4', WeightPrecision.FP8)).toThrow(/cannot run on nvidia-tesla-t4: .*compute capability 8\.0/);
  expect(() => plan('nvidia-tesla-t4', WeightPrecision.CHECKPOINT, KvCacheDtype.FP8)).toThrow(/KV-cache dtype \('kvCacheDtype'\) 'fp8' cannot run on nvidia-tesla-t4/);
  expect(() => plan('tpu-v6e-slice', WeightPrecision.FP8)).toThrow(/serves TPUs only as the checkpoint ships/);
  expect(plan('tpu-v6e-slice', WeightPrecision.CHECKPOINT).vllmArgs).toEqual([]);
});

test('an fp8 KV cache halves the bytes per token, so about twice the running batch fits', () => {
  const model = (kv: KvCacheDtype) => {
    const p = plan('nvidia-l4', WeightPrecision.CHECKPOINT, kv);
    return performanceModel({
      model: { ...LLAMA, checkpointWeightsGb: p.weightsGb },
      accelerator: acc('nvidia-l4'),
      tensorParallelSize: 1,
      serverRelease: '0.10.0',
      workload: { meanInputTokens: 2000, meanOutputTokens: 200 },
      kvCacheBytesPerElement: p.kvCacheBytesPerElement,
      computeTflops: p.computeTflops,
    })!;
  };
  const auto = model(KvCacheDtype.AUTO);
  const fp8 = model(KvCacheDtype.FP8);
  expect(fp8.kvBytesPerSequence).toBeCloseTo(auto.kvBytesPerSequence / 2, 6);
  expect(fp8.maxRunningBatch).toBeGreaterThanOrEqual(2 * auto.maxRunningBatch - 1);
  expect(plan('nvidia-l4', WeightPrecision.CHECKPOINT, KvCacheDtype.FP8).vllmArgs).toEqual(['--kv-cache-dtype=fp8']);
});

// TensorRT-LLM v0.14 (measured-serving-benchmarks.csv): Llama-3.1-8B at 1000/1000 on one H100, FP8 14,108 vs FP16 7,055 tok/s (2.0x)
test('fp8 raises the 8B model\'s saturated throughput on H100 about as much as measured', () => {
  const saturated = (w: WeightPrecision) => {
    const p = plan('nvidia-h100-80gb', w, w === WeightPrecision.FP8 ? KvCacheDtype.FP8 : KvCacheDtype.AUTO);
    const m = performanceModel({
      model: { ...LLAMA, checkpointWeightsGb: p.weightsGb },
      accelerator: acc('nvidia-h100-80gb'),
      tensorParallelSize: 1,
      serverRelease: '0.10.0',
      workload: { meanInputTokens: 1000, meanOutputTokens: 1000 },
      kvCacheBytesPerElement: p.kvCacheBytesPerElement,
      computeTflops: p.computeTflops,
      maxNumSeqs: 2048,
    })!;
    return m.at(4 * m.maxRunningBatch).outputTokensPerSecond;
  };
  const ratio = saturated(WeightPrecision.FP8) / saturated(WeightPrecision.CHECKPOINT);
  expect(ratio).toBeGreaterThan(2 / 1.6);
  expect(ratio).toBeLessThan(2 * 1.6);
});

test('a checkpoint that ships in MXFP4 keeps its size and needs no flag', () => {
  const p = plan('nvidia-h100-80gb', WeightPrecision.MXFP4, KvCacheDtype.AUTO, GPT_OSS);
  expect(p.weightsGb).toBe(GPT_OSS.checkpointWeightsGb);
  expect(p.vllmArgs).toEqual([]);
  // W4A8 on Blackwell, weight-only on Hopper
  expect(p.computeFormat).toBe('bf16');
  expect(plan('nvidia-b200', WeightPrecision.MXFP4, KvCacheDtype.AUTO, GPT_OSS).computeFormat).toBe('fp8');
});

test('the request serves a precision: weights, batch, flags; measured profiles stay measured only as the checkpoint ships', () => {
  const base = { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb' };
  const shipped = InferenceResolver.resolve(base);
  expect(shipped.source).toBe(ProfileSource.MEASURED);
  expect([shipped.weightPrecision, shipped.kvCacheDtype, shipped.precisionArgs]).toEqual([WeightPrecision.CHECKPOINT, KvCacheDtype.AUTO, []]);
  const fp8 = InferenceResolver.resolve({ ...base, weightPrecision: WeightPrecision.FP8, kvCacheDtype: KvCacheDtype.FP8 });
  expect(fp8.source).toBe(ProfileSource.ESTIMATED);
  expect(fp8.precisionArgs).toEqual(['--quantization=fp8', '--kv-cache-dtype=fp8']);
  // 52.1 GB of linear layers in fp8 + Gemma 2's tied 256000 x 4608 embedding table in bf16 (2.36 GB)
  expect(fp8.decisions.join('\n')).toMatch(/precision: fp8 weights \(28\.4 GB\) computing at the fp8 peak of nvidia-h100-80gb/);
  // the estimate of the same combination in bf16 vs fp8: half the weights leave more KV cache, which holds twice the tokens
  const bf16 = InferenceResolver.resolve({ ...base, useCase: 'Text Summarization' });
  const fp8Summaries = InferenceResolver.resolve({ ...base, useCase: 'Text Summarization', weightPrecision: WeightPrecision.FP8, kvCacheDtype: KvCacheDtype.FP8 });
  // (fp8 fits the model on fewer H100s, so the comparison is per accelerator: 28.4 GB of weights on one instead of 54.5 over
  // two leave about as many GB per H100, and each GB holds twice the fp8 tokens)
  const perAccelerator = (r: typeof bf16, x: number) => x / r.acceleratorCount;
  const tokens = (r: typeof bf16) => (r.memory.kvCacheCapacityGb * 1e9) / (r.memory.kvCacheKibPerToken * 1024);
  expect(fp8Summaries.acceleratorCount).toBeLessThanOrEqual(bf16.acceleratorCount);
  expect(perAccelerator(fp8Summaries, tokens(fp8Summaries))).toBeGreaterThan(1.8 * perAccelerator(bf16, tokens(bf16)));
  expect(perAccelerator(fp8Summaries, fp8Summaries.performance.outputTokensPerSecond))
    .toBeGreaterThan(perAccelerator(bf16, bf16.performance.outputTokensPerSecond));
  // the manifests carry the flags
  const chart = Testing.chart();
  new OptimizedLlmServer(chart, 's', { ...base, weightPrecision: WeightPrecision.FP8 });
  const args = JSON.stringify(Testing.synth(chart));
  expect(args).toContain('--quantization=fp8');
  // refused where the hardware cannot, naming the prop and what would work
  expect(() => InferenceResolver.resolve({ ...base, weightPrecision: WeightPrecision.NVFP4 }))
    .toThrow(/Weight precision \('weightPrecision'\) 'nvfp4' cannot run on nvidia-h100-80gb: .* It runs on nvidia-b200/);
  expect(() => InferenceResolver.resolve({ ...base, weightPrecision: 'fp9' as WeightPrecision })).toThrow(/'weightPrecision' must be one of 'checkpoint' \(WeightPrecision\.CHECKPOINT\), 'fp8' \(WeightPrecision\.FP8\).*, got string 'fp9'\./);
  // the automatic choice skips accelerators that cannot run the format (an NVFP4 checkpoint: vLLM reads the format from it)
  const nvfp4 = InferenceCatalog.embedded().addModel({ ...NVFP4_8B, weightFormat: WeightPrecision.NVFP4, weightsGb: 5.7 });
  const auto = nvfp4.resolve({ model: NVFP4_8B.id, weightPrecision: WeightPrecision.NVFP4 });
  expect(acc(auto.acceleratorType).fp4DenseTflops).toBeDefined();
  expect(acc(auto.acceleratorType).fp4DenseTflops).not.toBeNull();
  expect(auto.precisionArgs).toEqual([]);
});

test('a format vLLM only reads from a checkpoint is refused on a bf16 checkpoint, where the manifests would serve bf16', () => {
  // vLLM quantizes online only to FP8 (--quantization=fp8); AWQ, GPTQ, INT8 (W8A8), MXFP4 and NVFP4 come from the checkpoint's
  // quantization_config, so Llama 3.1 8B's bf16 repository asked for in int4-awq would load 16.1 GB of bf16 weights
  for (const w of [WeightPrecision.INT4_AWQ, WeightPrecision.INT4_GPTQ, WeightPrecision.INT8, WeightPrecision.MXFP4, WeightPrecision.NVFP4]) {
    const request = { model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-b200', weightPrecision: w };
    expect(() => InferenceResolver.resolve(request)).toThrow(new RegExp(
      `Weight precision \\('weightPrecision'\\) '${w}' for meta-llama/Llama-3.1-8B-Instruct: .*ships bf16 weights.*register it with InferenceCatalog\\.addModel.*or use 'fp8'`));
    expect(() => new OptimizedLlmServer(Testing.chart(), 's', request)).toThrow(/'weightPrecision'/);
  }
  // the same format from a checkpoint that ships it: served as it ships, no flag, 4-bit bytes counted (5.8 GB from the architecture)
  const awq = InferenceCatalog.embedded().addModel({ ...NVFP4_8B, id: 'acme/chat-8b-awq', weightFormat: WeightPrecision.INT4_AWQ, weightsGb: 5.7 });
  const r = awq.resolve({ model: 'acme/chat-8b-awq', acceleratorType: 'nvidia-l4', weightPrecision: WeightPrecision.INT4_AWQ });
  expect(r.precisionArgs).toEqual([]);
  expect(r.memory.weightsGb).toBeLessThan(6);
  // a quantized checkpoint is served as it ships: another format asked of it is refused (vLLM does not convert between them)
  expect(() => awq.resolve({ model: 'acme/chat-8b-awq', acceleratorType: 'nvidia-b200', weightPrecision: WeightPrecision.NVFP4 }))
    .toThrow(/'weightPrecision'\) 'nvfp4' for acme\/chat-8b-awq: the checkpoint ships int4-awq weights.*use 'checkpoint' or 'int4-awq'/);
  expect(() => awq.resolve({ model: 'acme/chat-8b-awq', acceleratorType: 'nvidia-l4', weightPrecision: WeightPrecision.FP8 }))
    .toThrow(/ships int4-awq weights/);
  expect(() => InferenceResolver.resolve({ model: 'deepseek-ai/DeepSeek-R1', weightPrecision: WeightPrecision.MXFP4 }))
    .toThrow(/deepseek-ai\/DeepSeek-R1: the checkpoint ships fp8 weights/);
  // gpt-oss ships its experts in MXFP4 (models.csv hub_weight_format): FP8 of it would serve MXFP4 while counting FP8
  expect(() => InferenceResolver.resolve({ model: 'openai/gpt-oss-20b', acceleratorType: 'nvidia-h100-80gb', weightPrecision: WeightPrecision.FP8 }))
    .toThrow(/openai\/gpt-oss-20b: the checkpoint ships mxfp4 weights/);
  expect(InferenceResolver.resolve({ model: 'openai/gpt-oss-20b', acceleratorType: 'nvidia-h100-80gb', weightPrecision: WeightPrecision.MXFP4 })
    .precisionArgs).toEqual([]);
  expect(awq.resolve({ model: 'acme/chat-8b-awq', acceleratorType: 'nvidia-l4' }).memory.weightsGb).toBe(5.7);
  // registered by size alone (5.7 GB of an 8B architecture whose bf16 weights are 16.1 GB): quantized in a format the catalog does
  // not know, so it is served only as it ships; FP8 would add --quantization=fp8 to a quantized checkpoint, which vLLM refuses
  const unknown = InferenceCatalog.embedded().addModel({ ...NVFP4_8B, id: 'acme/chat-8b-q', weightsGb: 5.7 });
  for (const w of [WeightPrecision.FP8, WeightPrecision.NVFP4, WeightPrecision.INT4_AWQ]) {
    expect(() => unknown.resolve({ model: 'acme/chat-8b-q', acceleratorType: 'nvidia-b200', weightPrecision: w })).toThrow(new RegExp(
      `'weightPrecision'\\) '${w}' for acme/chat-8b-q: its checkpoint \\(5\\.7 GB.*does not record.*Use 'checkpoint', or record the format with the 'weightFormat' of InferenceCatalog\\.addModel`));
  }
  const asShipped = unknown.resolve({ model: 'acme/chat-8b-q', acceleratorType: 'nvidia-b200' });
  expect(asShipped.precisionArgs).toEqual([]);
  expect(asShipped.memory.weightsGb).toBe(5.7);
  // FP8 asked of an FP8 checkpoint is the checkpoint as it ships (no flag)
  expect(InferenceResolver.resolve({ model: 'RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8', acceleratorType: 'nvidia-h100-80gb', weightPrecision: WeightPrecision.FP8 })
    .precisionArgs).toEqual([]);
  // FP8 stays available on the bf16 checkpoint: vLLM quantizes it online
  expect(InferenceResolver.resolve({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-b200', weightPrecision: WeightPrecision.FP8 })
    .precisionArgs).toEqual(['--quantization=fp8']);
});

test('the maxModelLength check sizes the KV cache at the served dtype: FP8 KV admits on one L4 a context bf16 refuses there', () => {
  // by hand: an L4 has 24 GB (accelerators.csv); vLLM may use 0.9 of it, less 3.5 GiB of runtime memory and Llama 3.1 8B's
  // 16.1 GB of bf16 weights; its KV cache holds 2 (K and V) x 32 layers x 8 KV heads x 128 dims per token
  const left = 24e9 * 0.9 - 16.1e9 - 3.5 * 1024 ** 3;
  const bf16Tokens = Math.floor(left / (2 * 32 * 8 * 128 * 2));
  const fp8Tokens = Math.floor(left / (2 * 32 * 8 * 128 * 1));
  expect(bf16Tokens).toBe(13289);
  const request = { model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-l4', maxModelLength: 20000 };
  type Alternatives = { alternatives: ReadonlyArray<{ acceleratorCount: number; reason: string }> };
  const oneL4 = (r: Alternatives) => r.alternatives.find((a) => a.acceleratorCount === 1)!;
  const bf16 = InferenceResolver.resolve(request);
  expect(oneL4(bf16).reason).toBe(`'maxModelLength' (20000) does not fit: at most ${bf16Tokens} tokens of KV cache fit next to the weights`);
  const fp8 = InferenceResolver.resolve({ ...request, kvCacheDtype: KvCacheDtype.FP8 });
  expect(fp8.memory.kvCacheKibPerToken).toBe(bf16.memory.kvCacheKibPerToken / 2);
  expect(oneL4(fp8).reason).not.toMatch(/does not fit/);
  // and past what fp8 holds on one L4, it is refused there too, with the fp8 figure
  const longer = InferenceResolver.resolve({ ...request, maxModelLength: fp8Tokens + 1, kvCacheDtype: KvCacheDtype.FP8 });
  expect(oneL4(longer).reason).toBe(`'maxModelLength' (${fp8Tokens + 1}) does not fit: at most ${fp8Tokens} tokens of KV cache fit next to the weights`);
});

test('Ampere refuses the e4m3 FP8 KV cache (vLLM\'s kernels need compute capability 8.9); Turing computes in fp16 (--dtype=half)', () => {
  // "type fp8e4nv not supported in this architecture" on A100 (vllm-project/vllm#54219)
  for (const label of ['nvidia-tesla-a100', 'nvidia-a100-80gb']) {
    expect(() => plan(label, WeightPrecision.CHECKPOINT, KvCacheDtype.FP8))
      .toThrow(new RegExp(`KV-cache dtype \\('kvCacheDtype'\\) 'fp8' cannot run on ${label}: vLLM's FP8 KV cache is e4m3, whose kernels need compute capability 8.9.*It runs on .*nvidia-l4.*use 'auto'`));
  }
  expect(plan('nvidia-l4', WeightPrecision.CHECKPOINT, KvCacheDtype.FP8).vllmArgs).toEqual(['--kv-cache-dtype=fp8']);
  // a bf16 checkpoint on T4: vLLM before 0.9 refuses bf16 below compute capability 8.0 rather than cast it
  expect(plan('nvidia-tesla-t4', WeightPrecision.CHECKPOINT).vllmArgs).toEqual(['--dtype=half']);
  const t4 = new OptimizedLlmServer(Testing.chart(), 's', { model: LLAMA.id, acceleratorType: 'nvidia-tesla-t4', modelServerVersion: 'v0.7.2' });
  expect(t4.deployment!.toJson().spec.template.spec.containers[0].args).toContain('--dtype=half');
  expect(plan('nvidia-l4', WeightPrecision.CHECKPOINT).vllmArgs).toEqual([]);
});
