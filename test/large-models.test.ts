import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { InferenceCatalog, InferenceResolver, KvCacheDtype, OptimizedLlmServer, WeightPrecision } from '../src';
import { ok } from './support/cli';
import { SHARED_DIR, expectValidManifests } from './support/k8s-validator';
import { kubectlValidate, kubectlValidateAvailable } from './support/kubectl-validate';
import { Catalog } from '../src/catalog/catalog';
import { estimateInput } from '../src/performance/calibration';
import { modelShape, performanceModel } from '../src/performance/estimator';
import { memoryBudget, validTensorParallelSizes } from '../src/performance/feasibility';
import { precisionPlan } from '../src/performance/precision';

const catalog = Catalog.EMBEDDED;
const R1 = 'deepseek-ai/DeepSeek-R1';
const SCOUT = 'meta-llama/Llama-4-Scout-17B-16E-Instruct';
const MAVERICK = 'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8';
const GIB = 1024 ** 3;

// Hand-computed from the config.json figures (ai-dynamo/aiconfigurator @095f58a5 model_configs/deepseek-ai--DeepSeek-R1_config.json):
// hidden 7168, 61 layers, 128 heads, q_lora_rank 1536, kv_lora_rank 512, qk_nope 128, qk_rope 64, v_head 128, 256 routed experts of
// 2048 (8 per token), 1 shared expert, first_k_dense_replace 3 (dense MLP 18432), vocab 129280, untied.
const R1_MLA_PER_LAYER = 7168 * 1536 + 1536 * 128 * (128 + 64) + 7168 * (512 + 64) + 512 * 128 * (128 + 128) + 128 * 128 * 7168;
const R1_EXPERT = 3 * 7168 * 2048;
const R1_DENSE = 61 * R1_MLA_PER_LAYER + 3 * 3 * 7168 * 18432 + 58 * (R1_EXPERT + 256 * 7168) + 2 * 129280 * 7168;
const R1_TOTAL = R1_DENSE + 58 * 256 * R1_EXPERT;
const R1_ACTIVE = R1_DENSE + 58 * 8 * R1_EXPERT;

test('DeepSeek-R1: parameters from the config, KV cache of latent attention (61 layers x 576 x 2 bytes), FP8 block weights', () => {
  const m = catalog.model(R1)!;
  expect(m.inGiqModelList).toBe(true);
  expect(m.paramsTotalB).toBeCloseTo(R1_TOTAL / 1e9, 2);
  expect(m.paramsActiveB).toBeCloseTo(R1_ACTIVE / 1e9, 2);
  // the card: 671 B total, 37 B activated
  expect(Math.round(m.paramsTotalB)).toBe(671);
  expect(Math.floor(m.paramsActiveB)).toBe(37);
  // one latent of kv_lora_rank + qk_rope_head_dim per token and layer, in bf16
  expect(m.kvCacheKibPerTokenBf16 * 1024).toBe(61 * (512 + 64) * 2);
  expect(m.kvCacheKibPerTokenBf16 * 1024).toBe(70272);
  // per-head K and V (128 heads x 192) would be 85 times as much
  expect((2 * 61 * 128 * 192 * 2) / (m.kvCacheKibPerTokenBf16 * 1024)).toBeCloseTo(85.33, 1);
  // FP8 (1 byte) on every linear layer with an fp32 scale per 128 x 128 block; embedding, lm_head and routers in bf16
  const bf16Params = 2 * 129280 * 7168 + 58 * 256 * 7168;
  const fp8Params = R1_TOTAL - bf16Params;
  expect(m.checkpointWeightsGb).toBeCloseTo((fp8Params + 2 * bf16Params + (fp8Params / (128 * 128)) * 4) / 1e9, 0);
  expect(m.checkpointFormat).toBe('fp8-block');
  // the estimator: every layer's KV is one 576-element latent, and the expert split reproduces the routed expert size
  const s = modelShape(m);
  expect(s.kvBytesPerLayerToken).toBe(576 * 2);
  expect(s.latentAttention).toBe(true);
  expect(s.moeLayers).toBe(58);
  expect(s.bytesPerExpert * 256 / (58 * 256 * R1_EXPERT)).toBeCloseTo(m.checkpointWeightsGb / m.paramsTotalB, 2);
  // every tensor-parallel rank holds the whole latent: 8 x H200 keep (8 x 141 x 0.9 - weights - 8 x 3.5 GiB) / (8 x 70272) tokens
  const h200 = catalog.accelerator('nvidia-h200-141gb')!;
  const b = memoryBudget(m, h200, 8);
  expect(b.kvCacheReplicas).toBe(8);
  expect(b.maxFittingTokens).toBe(Math.floor(((8 * 141 * 0.9 - 673.1) * 1e9 - 8 * 3.5 * GIB) / (8 * 70272)));
});

test('Llama 4 Scout and Maverick: parameters from the config, chunked attention on 36 of 48 layers, Maverick MoE on every other layer', () => {
  const attention = 5120 * 40 * 128 * 2 + 5120 * 8 * 128 * 2;
  const expert = 3 * 5120 * 8192;
  const embed = 2 * 202048 * 5120;
  const scout = catalog.model(SCOUT)!;
  expect(scout.paramsTotalB).toBeCloseTo((48 * attention + 48 * (16 * expert + expert + 16 * 5120) + embed) / 1e9, 2);
  expect(scout.paramsActiveB).toBeCloseTo((48 * attention + 48 * (2 * expert + 16 * 5120) + embed) / 1e9, 2);
  const maverick = catalog.model(MAVERICK)!;
  const maverickTotal = 48 * attention + 24 * 3 * 5120 * 16384 + 24 * (128 * expert + expert + 128 * 5120) + embed;
  expect(maverick.paramsTotalB).toBeCloseTo(maverickTotal / 1e9, 2);
  expect(Math.round(maverick.paramsTotalB)).toBe(401);
  // FP8 routed experts (1 byte), the rest bf16
  expect(maverick.checkpointWeightsGb).toBeCloseTo((24 * 128 * expert + 2 * (maverickTotal - 24 * 128 * expert)) / 1e9, 0);
  for (const m of [scout, maverick]) {
    // GQA: 2 x 48 layers x 8 KV heads x 128 x 2 bytes
    expect(m.kvCacheKibPerTokenBf16).toBe((2 * 48 * 8 * 128 * 2) / 1024);
    expect([m.attentionChunkTokens, m.chunkedAttentionLayers]).toEqual([8192, 36]);
  }
  expect(modelShape(scout).moeLayers).toBe(48);
  expect(modelShape(maverick).moeLayers).toBe(24);
  // with vLLM's hybrid KV cache a long prompt holds one chunk on 36 layers and the whole context on 12
  const h100 = catalog.accelerator('nvidia-h100-80gb')!;
  const long = performanceModel({
    model: scout,
    accelerator: h100,
    tensorParallelSize: 8,
    serverRelease: '0.12.0',
    workload: { meanInputTokens: 100000, meanOutputTokens: 1000 },
  })!;
  const full = performanceModel({
    model: { ...scout, attentionChunkTokens: undefined, chunkedAttentionLayers: undefined },
    accelerator: h100,
    tensorParallelSize: 8,
    serverRelease: '0.12.0',
    workload: { meanInputTokens: 100000, meanOutputTokens: 1000 },
  })!;
  expect(long.kvBytesPerSequence / full.kvBytesPerSequence).toBeGreaterThan(12 / 48);
  expect(long.kvBytesPerSequence / full.kvBytesPerSequence).toBeLessThan(0.35);
});

test('Qwen3 MoE: 235B-A22B and 30B-A3B from the config; TP 8 over 4 KV heads replicates them', () => {
  const q = catalog.model('Qwen/Qwen3-235B-A22B')!;
  const attention = 4096 * 64 * 128 * 2 + 4096 * 4 * 128 * 2;
  const expert = 3 * 4096 * 1536;
  expect(q.paramsTotalB).toBeCloseTo((94 * (attention + 128 * expert + 128 * 4096) + 2 * 151936 * 4096) / 1e9, 2);
  expect(q.paramsActiveB).toBeCloseTo((94 * (attention + 8 * expert + 128 * 4096) + 2 * 151936 * 4096) / 1e9, 2);
  expect(q.kvCacheKibPerTokenBf16).toBe((2 * 94 * 4 * 128 * 2) / 1024);
  expect(validTensorParallelSizes(catalog, q, 'nvidia-h200-141gb')).toContain(8);
  expect(memoryBudget(q, catalog.accelerator('nvidia-h200-141gb')!, 8).kvCacheReplicas).toBe(2);
  const fp8 = catalog.model('Qwen/Qwen3-235B-A22B-FP8')!;
  expect(fp8.paramsTotalB).toBe(q.paramsTotalB);
  expect(fp8.checkpointWeightsGb / q.bf16WeightsGb).toBeCloseTo(0.5, 1);
  expect(catalog.model('Qwen/Qwen3-30B-A3B')!.paramsTotalB).toBeCloseTo(30.53, 2);
});

test('FP8 checkpoints: about half the bf16 bytes, the fp8 peak where the hardware has one, weight-only on Ampere, refused on T4 and TPU', () => {
  const pairs = [
    ['RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8', 'meta-llama/Llama-3.1-8B-Instruct'],
    ['RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8', 'meta-llama/Llama-3.1-70B-Instruct'],
    ['RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic', 'meta-llama/Llama-3.3-70B-Instruct'],
    ['Qwen/Qwen3-32B-FP8', 'Qwen/Qwen3-32B'],
  ];
  for (const [id, base] of pairs) {
    const m = catalog.model(id)!;
    const b = catalog.model(base)!;
    expect([m.layers, m.kvHeads, m.paramsTotalB]).toEqual([b.layers, b.kvHeads, b.paramsTotalB]);
    // linear layers in 1 byte, embedding and lm_head (2 x vocab x hidden) in 2
    const embed = (2 * b.vocabSize * b.hiddenSize) / 1e9;
    expect(m.checkpointWeightsGb).toBeCloseTo(b.paramsTotalB - embed + 2 * embed, 0);
  }
  const m = catalog.model('RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic')!;
  const plan = (label: string) => precisionPlan(m, catalog.accelerator(label)!, WeightPrecision.CHECKPOINT, KvCacheDtype.AUTO, catalog.accelerators);
  expect(plan('nvidia-h100-80gb')).toMatchObject({ computeFormat: 'fp8', computeTflops: catalog.accelerator('nvidia-h100-80gb')!.fp8DenseTflops, vllmArgs: [] });
  expect(plan('nvidia-a100-80gb').computeFormat).toBe('bf16');
  expect(() => plan('nvidia-tesla-t4')).toThrow(/ships in FP8.*compute capability 8\.0/);
  expect(() => plan('tpu-v6e-slice')).toThrow(/ships in FP8/);
  // the estimate computes at that peak: FP8 on H100 makes a compute-bound step faster than the bf16 checkpoint's
  const key = (model: string) => ({ model, modelServer: 'vllm', modelServerVersion: 'v0.12.0', acceleratorType: 'nvidia-h100-80gb', acceleratorCount: 2 });
  expect(estimateInput(catalog, key(m.id))!.computeTflops).toBe(catalog.accelerator('nvidia-h100-80gb')!.fp8DenseTflops);
  expect(estimateInput(catalog, key('meta-llama/Llama-3.3-70B-Instruct'))!.computeTflops).toBeUndefined();
});

test('where they run: R1 on one 8 x H200 or 8 x B200 machine, on 2 x 8 H100 as Google\'s LeaderWorkerSet shape (TP 8 x PP 2)', () => {
  for (const acceleratorType of ['nvidia-h200-141gb', 'nvidia-b200']) {
    const r = InferenceResolver.resolve({ model: R1, acceleratorType });
    expect([r.acceleratorCount, r.nodes, r.tensorParallelSize]).toEqual([8, 1, 8]);
  }
  // kubernetes-engine-samples ai-ml/llm-multihost-gpus/vllm-deepseek-r1-A3.yaml: 2 x 8 H100, tensor 8, pipeline 2, max-model-len 4096
  const h100 = InferenceResolver.resolve({ model: R1, acceleratorType: 'nvidia-h100-80gb', maxModelLength: 4096 });
  expect([h100.acceleratorCount, h100.nodes, h100.tensorParallelSize, h100.pipelineParallelSize]).toEqual([16, 2, 8, 2]);
  expect(h100.decisions.join('\n')).toMatch(/each held 8 times: latent attention/);
  const chart = new Chart(Testing.app(), 'r1', { namespace: 'llm' });
  new OptimizedLlmServer(chart, 'r1', { model: R1, acceleratorType: 'nvidia-h100-80gb', maxModelLength: 4096 });
  const objects = chart.toJson();
  expectValidManifests(objects);
  const lws = objects.find((o: any) => o.kind === 'LeaderWorkerSet');
  expect(lws.spec.leaderWorkerTemplate.size).toBe(2);
  expect(lws.spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0].command[2])
    .toMatch(/--model=deepseek-ai\/DeepSeek-R1 --tensor-parallel-size=8 .*--pipeline-parallel-size=2/);
});

test('where they run: Llama 4 on one 8 x H100 machine at the context lengths of Google\'s samples', () => {
  // ai-ml/llm-serving-llama/vllm/: Scout --max-model-len=1310720, Maverick FP8 --max-model-len=524288, both tensor-parallel-size 8 on H100
  for (const [model, maxModelLength] of [[SCOUT, 1310720], [MAVERICK, 524288]] as const) {
    const r = InferenceResolver.resolve({ model, acceleratorType: 'nvidia-h100-80gb', maxModelLength });
    expect([r.acceleratorCount, r.nodes, r.tensorParallelSize, r.maxModelLength]).toEqual([8, 1, 8, maxModelLength]);
    expect(InferenceResolver.resolve({ model, acceleratorType: 'nvidia-h200-141gb', maxModelLength }).nodes).toBe(1);
  }
});

test('addModel describes latent attention, shared experts, dense leading layers, chunked attention and an FP8 checkpoint', () => {
  const r1 = catalog.model(R1)!;
  const c = InferenceCatalog.embedded().addModel({
    id: 'acme/latent-moe',
    source: 'https://huggingface.co/acme/latent-moe/blob/abc/config.json',
    parametersBillions: r1.paramsTotalB,
    activeParametersBillions: r1.paramsActiveB,
    numHiddenLayers: 61,
    hiddenSize: 7168,
    numAttentionHeads: 128,
    numKeyValueHeads: 128,
    headDim: 192,
    intermediateSize: 2048,
    vocabSize: 129280,
    maxPositionEmbeddings: 163840,
    numExperts: 256,
    numExpertsPerToken: 8,
    numSharedExperts: 1,
    firstKDenseReplace: 3,
    kvLoraRank: 512,
    qkRopeHeadDim: 64,
    weightFormat: WeightPrecision.FP8,
    weightsGb: 673.1,
    gated: false,
  });
  const m = c._catalog.model('acme/latent-moe')!;
  expect(m.kvCacheKibPerTokenBf16).toBe(r1.kvCacheKibPerTokenBf16);
  expect([m.checkpointFormat, m.denseLeadingLayers, m.sharedExperts]).toEqual(['fp8', 3, 1]);
  expect(modelShape(m).moeLayers).toBe(58);
  expect(c.resolve({ model: 'acme/latent-moe', acceleratorType: 'nvidia-h200-141gb' }).acceleratorCount).toBe(8);
  const base = {
    id: 'acme/x',
    source: 's',
    parametersBillions: 100,
    activeParametersBillions: 10,
    numHiddenLayers: 48,
    hiddenSize: 5120,
    numAttentionHeads: 40,
    numKeyValueHeads: 8,
    intermediateSize: 8192,
    vocabSize: 1000,
    maxPositionEmbeddings: 8192,
  };
  const add = (extra: object) => () => InferenceCatalog.embedded().addModel({ ...base, ...extra });
  expect(add({ kvLoraRank: 512 })).toThrow(/'kvLoraRank' and 'qkRopeHeadDim' .* go together/);
  expect(add({ firstKDenseReplace: 3 })).toThrow(/'firstKDenseReplace' .* set 'numExperts' too/);
  expect(add({ numExperts: 16, numExpertsPerToken: 1, firstKDenseReplace: 48 })).toThrow(/'firstKDenseReplace' of acme\/x must be a whole number from 0 to/);
  expect(add({ chunkedAttentionLayers: 36 })).toThrow(/'chunkedAttentionLayers' .* needs 'attentionChunkSize'/);
  expect(add({ weightFormat: WeightPrecision.FP8 })).toThrow(/'weightFormat' fp8 of acme\/x needs 'weightsGb'/);
  expect(add({ weightFormat: 'fp9' })).toThrow(/'weightFormat' must be one of 'checkpoint' \(WeightPrecision\.CHECKPOINT\), 'fp8' \(WeightPrecision\.FP8\).*, got string 'fp9'/);
  const chunked = InferenceCatalog.embedded()
    .addModel({ ...base, numExperts: 16, numExpertsPerToken: 1, attentionChunkSize: 8192, chunkedAttentionLayers: 36 });
  expect(chunked._catalog.model('acme/x')!.attentionPattern).toBe('chunked attention 8192 on 36 of 48 layers');
});

/** GKE Inference Quickstart's model list (`models:fetch`, 2025), as the reference records it in §9.1. */
const GIQ_MODELS = [
  'Qwen/Qwen3-32B', 'deepseek-ai/DeepSeek-R1', 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 'google/gemma-2-27b-it', 'google/gemma-2-2b-it',
  'google/gemma-3-27b-it', 'google/gemma-3-4b-it', 'meta-llama/Llama-3.2-1B-Instruct', 'meta-llama/Llama-3.3-70B-Instruct',
  'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8', 'meta-llama/Llama-4-Scout-17B-16E-Instruct', 'meta-llama/Meta-Llama-3-8B',
  'mistralai/Mistral-Small-24B-Instruct-2501', 'mistralai/Mixtral-8x22B-Instruct-v0.1', 'mistralai/Mixtral-8x7B-Instruct-v0.1',
  'openai/gpt-oss-120b', 'openai/gpt-oss-20b',
];

test('the GIQ list: the reference names 17 models and the catalog flags exactly those', () => {
  const doc = path.join(SHARED_DIR, 'reference', 'gke-inference-quickstart.md');
  if (fs.existsSync(doc)) {
    const text = fs.readFileSync(doc, 'utf8');
    const section = text.slice(text.indexOf('### 9.1'), text.indexOf('(17 models)'));
    const ids = [...section.matchAll(/`([\w.-]+\/[\w.-]+)`/g)].map((x) => x[1]);
    expect(ids.sort()).toEqual([...GIQ_MODELS].sort());
  }
  expect(catalog.models.filter((m) => m.inGiqModelList).map((m) => m.id).sort()).toEqual([...GIQ_MODELS].sort());
});

test('every GIQ model resolves on at least one accelerator with manifests that validate (schemas, and the real kubectl when present)', () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'giq-models-')) });
  const chart = new Chart(app, 'giq', { namespace: 'llm' });
  GIQ_MODELS.forEach((model, i) => {
    const server = new OptimizedLlmServer(chart, `m${i}`, { model, name: `giq-${i}` });
    expect(server.resolution.acceleratorCount).toBeGreaterThanOrEqual(1);
  });
  const objects = chart.toJson();
  expectValidManifests(objects);
  if (!kubectlValidateAvailable()) return;
  app.synth();
  const result = kubectlValidate([path.join(app.outdir, 'giq.k8s.yaml')])!;
  expect(result.output).toContain(`${objects.length} valid, 0 invalid`);
  expect(result.ok).toBe(true);
});

test('the new models appear in models list, profiles list (labelled estimated) and the plot', () => {
  const added = ['deepseek-ai/DeepSeek-R1', SCOUT, MAVERICK, 'Qwen/Qwen3-235B-A22B', 'Qwen/Qwen3-235B-A22B-FP8', 'Qwen/Qwen3-30B-A3B',
    'RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8', 'RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8', 'RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic',
    'Qwen/Qwen3-32B-FP8'];
  const models = ok('models list --format=csv').split('\n').map((l) => l.split(',')[0]);
  for (const model of added) {
    expect(models).toContain(model);
    const rows = ok(`profiles list --model=${model} --format=csv`).trim().split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/,estimated$/);
    expect(ok(`profiles plot --model=${model}`)).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  }
  // DeepSeek-R1 fits one machine only on H200 and B200
  const r1 = ok('profiles list --model=deepseek-ai/DeepSeek-R1 --format=csv').trim().split('\n').slice(1).map((r) => r.split(',')[1]).sort();
  expect(r1).toEqual(['nvidia-b200', 'nvidia-h200-141gb']);
});

test('the README model table lists every catalog model and says which are measured and which estimated', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  for (const m of catalog.models) {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${m.id}\` |`));
    expect(row).toBeDefined();
    const points = catalog.measuredPoints.filter((p) => p.model.toLowerCase() === m.id.toLowerCase());
    const measured = [...new Set(points.map((p) => p.accelerator))].sort();
    expect(row).toContain(measured.length > 0 ? `measured on ${measured.join(', ')}; estimated elsewhere` : '| estimated |');
    expect(row).toContain(`| ${m.inGiqModelList ? 'yes' : ''} |`);
    expect(row).toContain(`| ${m.checkpointWeightsGb} |`);
  }
});

/** Llama 3.1 405B with JetStream on v6e from a MaxText checkpoint, as Google's Pathways tutorial serves it. */
const PATHWAYS_405B = {
  model: 'meta-llama/Llama-3.1-405B-Instruct',
  modelServer: 'jetstream',
  acceleratorType: 'tpu-v6e-slice',
  modelBucketUri: 'gs://ckpt-bucket/maxtext/llama3.1-405b-int8/unscanned/0/items',
};

test('int8 on TPU with JetStream and Pathways: the tutorial\'s MaxText flags, half the weight bytes, half the chips of bf16', () => {
  // GoogleCloudPlatform/kubernetes-engine-samples ai-ml/llm-serving-tpus-jetstream/pathways/jetstream-pathways-llama-3-1-405b-4x4.yaml
  // serves Llama 3.1 405B with quantization=int8, quantize_kvcache=true, checkpoint_is_quantized=true
  const base = PATHWAYS_405B;
  const bf16 = InferenceResolver.resolve(base);
  const int8 = InferenceResolver.resolve({ ...base, weightPrecision: WeightPrecision.INT8, kvCacheDtype: KvCacheDtype.INT8 });
  expect(int8.precisionArgs).toEqual(['quantization=int8', 'quantize_kvcache=true', 'checkpoint_is_quantized=true']);
  // MaxText's int8 quantizes the matmuls of the layers, not the embedding lookup and not the logits ("We do not quantize the
  // logits matmul", AI-Hypercomputer/maxtext src/maxtext/layers/decoders.py): 2 x 128256 x 16384 parameters stay in bf16 (8.4 GB)
  expect(int8.memory.weightsGb).toBeCloseTo((bf16.memory.weightsGb - 8.4) / 2 + 8.4, 1);
  expect(int8.memory.kvCacheKibPerToken).toBe(bf16.memory.kvCacheKibPerToken / 2);
  expect(int8.acceleratorCount).toBeLessThanOrEqual(bf16.acceleratorCount / 2);
  expect(int8.cost.costPerHour!).toBeLessThan(bf16.cost.costPerHour! / 1.9);
  expect(int8.decisions.join('\n')).toMatch(/int8 weights .* int8 peak of tpu-v6e-slice \(1836 TFLOPS\), int8 KV cache/);
  const chart = new Chart(Testing.app(), 'int8', { namespace: 'llm' });
  new OptimizedLlmServer(chart, 'llama', { ...base, weightPrecision: WeightPrecision.INT8, kvCacheDtype: KvCacheDtype.INT8 });
  const objects = chart.toJson();
  expectValidManifests(objects);
  const engine = objects.find((o: any) => o.kind === 'LeaderWorkerSet').spec.leaderWorkerTemplate.leaderTemplate.spec.containers
    .find((c: any) => (c.args ?? []).some((a: string) => a.startsWith('model_name=')));
  for (const flag of int8.precisionArgs) expect(engine.args).toContain(flag);
  // single host too, and a clear refusal elsewhere
  expect(InferenceResolver.resolve({
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    modelServer: 'jetstream',
    weightPrecision: WeightPrecision.INT8,
    modelBucketUri: 'gs://ckpt-bucket/maxtext/llama3.1-8b/0/items',
  }).precisionArgs).toEqual(['quantization=int8', 'checkpoint_is_quantized=true']);
  expect(() => InferenceResolver.resolve({ model: 'meta-llama/Llama-3.1-8B-Instruct', kvCacheDtype: KvCacheDtype.INT8 }))
    .toThrow(/'kvCacheDtype' int8 is JetStream's int8 KV cache .* set 'modelServer' 'jetstream'/);
  expect(() => InferenceResolver.resolve({ ...base, weightPrecision: WeightPrecision.FP8 })).toThrow(/JetStream \(MaxText\) serves bf16 or int8 checkpoints/);
});

test('at the tutorial\'s context length, int8 405B lands on the tutorial\'s 4x4 slice', () => {
  // jetstream-pathways-llama-3-1-405b-4x4.yaml (kubernetes-engine-samples): tpu-v6e-slice 4x4, quantization=int8,
  // quantize_kvcache=true, max_target_length=2048, per_device_batch_size=6 (96 slots of 2048 tokens)
  const int8 = { weightPrecision: WeightPrecision.INT8, kvCacheDtype: KvCacheDtype.INT8 };
  const r = InferenceResolver.resolve({ ...PATHWAYS_405B, ...int8, maxModelLength: 2048 });
  expect([r.tpuTopology, r.acceleratorCount, r.nodes]).toEqual(['4x4', 16, 4]);
  // by hand: 16 chips x 33.55 GB usable (what the runtime reports on a v6e) x 0.9 - 16 x 3.5 GiB - 410.05 GB of weights (401.65
  // GB of int8 layers, 8.4 GB of bf16 embedding and logits tables) leaves 12.9 GB, and one 2048-token slot per chip of int8 KV
  // (126 layers x 8 KV heads x 128 x 2 x 1 byte) takes 8.5 GB
  const left = 16 * 33.550237696 * 0.9 - 16 * 3.5 * 1024 ** 3 / 1e9 - ((811.7 - 8.4) / 2 + 8.4);
  const slotGb = 2048 * 126 * 8 * 128 * 2 / 1e9;
  expect(r.memory.kvCacheCapacityGb).toBeCloseTo(left, 1);
  expect(r.memory.kvCachePerMaxLengthRequestGb).toBeCloseTo(slotGb, 2);
  // the engine's decode slots (per_device_batch_size x 16 chips) fit that budget; the tutorial's 6 per chip (96 slots, 51 GB of
  // KV) do not: the library keeps vLLM's 10% and 3.5 GiB per chip in reserve
  const chart = new Chart(Testing.app(), 'tutorial', { namespace: 'llm' });
  new OptimizedLlmServer(chart, 'llama', { ...PATHWAYS_405B, ...int8, maxModelLength: 2048 });
  const engine = chart.toJson().find((o: any) => o.kind === 'LeaderWorkerSet').spec.leaderWorkerTemplate.leaderTemplate.spec.containers
    .find((c: any) => (c.args ?? []).some((a: string) => a.startsWith('model_name=')));
  const perDevice = Number(engine.args.find((a: string) => a.startsWith('per_device_batch_size=')).split('=')[1]);
  expect(perDevice).toBeGreaterThanOrEqual(1);
  expect(perDevice * 16 * slotGb).toBeLessThanOrEqual(left);
  expect(perDevice).toBeLessThan(6);
});
