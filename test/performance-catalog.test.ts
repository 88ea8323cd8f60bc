import { Chart, Testing } from 'cdk8s';
import { HuggingFaceToken, InferenceCatalog, InferenceResolver, ModelArchitecture, OptimizedLlmServer, ProfileSource } from '../src';
import { llama8bArchitecture } from './support/architectures';
import { Catalog } from '../src/catalog/catalog';
import { ATTENTION_WINDOWS, EXTRA_MODELS, MIN_MODEL_SERVER_RELEASE } from '../src/catalog/data/extra-models';
import { profileCurves } from '../src/performance/profiles';

const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';

// columns as `gcloud container ai profiles list --format=csvprofile` documents them
const CSV = [
  'Instance Type,Accelerator,Cost/M Input Tokens,Cost/M Output Tokens,Output Tokens/s,NTPOT(ms),TTFT(ms),Model Server,Model Server Version,Model',
  `g2-standard-8,nvidia-l4,0.100,0.400,900,40,120,vllm,v0.11.2,${LLAMA}`,
  `g2-standard-8,nvidia-l4,0.080,0.320,1500,80,300,vllm,v0.11.2,${LLAMA}`,
  `g2-standard-8,nvidia-l4,0.078,0.310,1550,160,2000,vllm,v0.11.2,${LLAMA}`,
].join('\n');

const ACME: ModelArchitecture = llama8bArchitecture('acme/chat-8b');

test('imported benchmark CSV overrides the estimate for its combination', () => {
  // GIVEN Llama 3.1 8B on one L4: no published profile, so an estimate
  const before = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4' });
  expect(before.source).toBe(ProfileSource.ESTIMATED);
  expect(before.uncertainty).toBeDefined();
  // WHEN the user imports their own measured curve for it
  const catalog = InferenceCatalog.embedded().addBenchmarksFromCsv(CSV, { source: 'our run of 2026-08-01' });
  const after = catalog.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4' });
  // THEN the measured curve is used: its inflection (the lowest-latency point within 5% of the peak)
  expect(after.source).toBe(ProfileSource.MEASURED);
  expect(after.uncertainty).toBeUndefined();
  expect(after.acceleratorCount).toBe(1);
  expect(after.instanceType).toBe('g2-standard-8');
  expect(after.modelServerVersion).toBe('v0.11.2');
  expect(after.performance.outputTokensPerSecond).toBe(1500);
  expect(after.performance.ntpotMilliseconds).toBe(80);
  expect(after.performance.ttftMilliseconds).toBe(300);
  expect(after.profileCitation).toBe('our run of 2026-08-01');
  // a latency target interpolates between the imported points
  expect(catalog.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 60 }).performance.outputTokensPerSecond).toBeCloseTo(1200, 6);
  // the embedded catalog is unchanged
  expect(InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4' }).source).toBe(ProfileSource.ESTIMATED);
});

test('imported points calibrate the estimates of neighbouring combinations', () => {
  const catalog = InferenceCatalog.embedded().addBenchmarksFromCsv(CSV);
  const estimate = (c: InferenceCatalog) => profileCurves(c._catalog, LLAMA)
    .find((x) => x.acceleratorType === 'nvidia-l4' && x.acceleratorCount === 2 && x.modelServerVersion === 'v0.11.2')!;
  expect(estimate(InferenceCatalog.embedded()).estimate!.calibrationBasis).toBe('same-server');
  const after = estimate(catalog);
  expect(after.source).toBe('estimated');
  expect(after.estimate!.calibrationBasis).toBe('same-model');
  expect(after.estimate!.timeScale).not.toBeCloseTo(estimate(InferenceCatalog.embedded()).estimate!.timeScale, 3);
  expect(after.estimate!.calibration).toMatch(/meta-llama\/Llama-3\.1-8B-Instruct on 1 x nvidia-l4/);
});

test('imported points replace the published points of the same combination', () => {
  const csv = 'Model,Model Server Version,Accelerator,Instance Type,Output Tokens/s,NTPOT(ms)\ngoogle/gemma-2-27b-it,v0.7.2,nvidia-h100-80gb,a3-highgpu-1g,2500,60\n';
  const r = InferenceCatalog.embedded().addBenchmarksFromCsv(csv).resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb' });
  expect(r.source).toBe(ProfileSource.MEASURED);
  expect(r.performance.outputTokensPerSecond).toBe(2500);
  expect(r.profileCitation).toBe('imported benchmark');
});

test('imported GKE Inference Quickstart JSON (FetchBenchmarkingData) overrides the estimate', () => {
  const json = JSON.stringify({
    profile: [{
      modelServerInfo: { model: 'Qwen/Qwen3-8B', modelServer: 'vllm', modelServerVersion: 'v0.11.2' },
      acceleratorType: 'nvidia-h100-80gb',
      instanceType: 'a3-highgpu-1g',
      resourcesUsed: { acceleratorCount: 1 },
      performanceStats: [
        { queriesPerSecond: 2, outputTokensPerSecond: 390, ntpotMilliseconds: 12, ttftMilliseconds: 30, inputTokensPerSecond: 452 },
        { queriesPerSecond: 40, outputTokensPerSecond: 7800, ntpotMilliseconds: 25, ttftMilliseconds: 60, inputTokensPerSecond: 9040 },
        { queriesPerSecond: 60, outputTokensPerSecond: 8000, ntpotMilliseconds: 90, ttftMilliseconds: 900, inputTokensPerSecond: 9270 },
      ],
    }],
  });
  const catalog = InferenceCatalog.embedded().addBenchmarksFromJson(json);
  expect(catalog.measuredPointCount).toBe(InferenceCatalog.embedded().measuredPointCount + 3);
  const r = catalog.resolve({ model: 'Qwen/Qwen3-8B', acceleratorType: 'nvidia-h100-80gb' });
  expect(r.source).toBe(ProfileSource.MEASURED);
  expect(r.performance.outputTokensPerSecond).toBe(7800);
  expect(r.performance.inputTokensPerSecond).toBe(9040);
  expect(r.performance.inputTokensPerSecondBasis).toBe('published with the point');
});

test('imported inference-benchmark results (one file per request rate) build one measured curve', () => {
  const result = (rate: number, throughput: number, ntpotMs: number, ttftMs: number) => JSON.stringify({
    metrics: { request_rate: rate, throughput, median_normalized_time_per_output_token_ms: ntpotMs, median_ttft_ms: ttftMs },
    dimensions: { model_id: 'Qwen/Qwen3-8B', backend: 'vllm' },
    config: { model: 'Qwen/Qwen3-8B', model_server: 'vllm' },
  });
  const options = { modelServerVersion: 'v0.11.2', acceleratorType: 'nvidia-l4', acceleratorCount: 1, source: 'inference-benchmark, 2026-08-01' };
  let catalog = InferenceCatalog.embedded();
  for (const [rate, x, ntpot, ttft] of [[1, 190, 60, 150], [4, 700, 75, 200], [6, 760, 300, 2500]]) {
    catalog = catalog.addBenchmarksFromJson(result(rate, x, ntpot, ttft), options);
  }
  const r = catalog.resolve({ model: 'Qwen/Qwen3-8B', acceleratorType: 'nvidia-l4' });
  expect(r.source).toBe(ProfileSource.MEASURED);
  expect(r.performance.outputTokensPerSecond).toBe(760);
  // the legacy key is seconds per output token
  const legacy = JSON.stringify({ metrics: { throughput: 500, avg_per_output_token_latency: 0.05 }, config: { model: 'Qwen/Qwen3-8B' } });
  const l = InferenceCatalog.embedded().addBenchmarksFromJson(legacy, options).resolve({ model: 'Qwen/Qwen3-8B', acceleratorType: 'nvidia-l4' });
  expect(l.performance.ntpotMilliseconds).toBeCloseTo(50, 9);
});

test('fails: imported benchmarks that do not match the catalog name the option or column', () => {
  const e = InferenceCatalog.embedded();
  expect(() => e.addBenchmarksFromCsv(CSV.replace(/meta-llama\/Llama-3\.1-8B-Instruct/g, 'acme/unknown-7b')))
    .toThrow(/CSV record 2: unknown model 'acme\/unknown-7b' \('model'\); register it first with addModel/);
  expect(() => e.addBenchmarksFromCsv(CSV, { acceleratorType: 'nvidia-h100-80gb' })).toThrow(/'acceleratorType' option \(nvidia-h100-80gb\) contradicts the file \(nvidia-l4\)/);
  expect(() => e.addBenchmarksFromCsv('Model,Output Tokens/s\nx/y,1\n')).toThrow(/no column for ntpotMilliseconds/);
  expect(() => e.addBenchmarksFromCsv(CSV.replace(/v0\.11\.2/g, 'v0.9.9'))).toThrow(/unknown model server version 'v0.9.9' for vllm \('modelServerVersion'\)\. Known versions: v0\.7\.2/);
  expect(() => e.addBenchmarksFromCsv(`Model,Accelerator,Output Tokens/s,NTPOT(ms)\n${LLAMA},nvidia-l4,100,50\n`))
    .toThrow(/no model server version: pass the 'modelServerVersion' option/);
  expect(() => e.addBenchmarksFromCsv(`Model,Accelerator,Output Tokens/s,NTPOT(ms)\n${LLAMA},nvidia-l4,100,50\n`, { modelServerVersion: 'v0.11.2' }))
    .toThrow(/no accelerator count: pass the 'acceleratorCount' option or an 'instanceType'/);
  expect(() => e.addBenchmarksFromCsv(`Model,Accelerator,Output Tokens/s,NTPOT(ms)\n${LLAMA},nvidia-l4,100,50\n`, { modelServerVersion: 'v0.11.2', acceleratorCount: 3 }))
    .toThrow(/'acceleratorCount' \(3\) is not a count a nvidia-l4 machine carries \(1, 2, 4, 8\)/);
  expect(() => e.addBenchmarksFromCsv(`Model,Accelerator,Output Tokens/s,NTPOT(ms)\n${LLAMA},tpu-v6e-slice,100,50\n`, { modelServerVersion: 'v0.11.2' }))
    .toThrow(/'tpu-v6e-slice' \('acceleratorType'\) is not a GPU accelerator/);
  expect(() => e.addBenchmarksFromCsv(CSV.replace(',900,', ',fast,'))).toThrow(/CSV record 2, column 'Output Tokens\/s' is not a non-negative decimal number: 'fast'/);
  expect(() => e.addBenchmarksFromJson('{"items": []}')).toThrow(/neither a GKE Inference Quickstart profile/);
  expect(() => e.addBenchmarksFromJson('not json')).toThrow(/not JSON/);
  expect(() => e.addBenchmark({ model: LLAMA, modelServerVersion: 'v0.11.2', acceleratorType: 'nvidia-l4', acceleratorCount: 1, outputTokensPerSecond: 0, ntpotMilliseconds: 50 }))
    .toThrow(/'outputTokensPerSecond' must be a positive number, got 0/);
});

test('a registered model architecture is served with an estimated profile', () => {
  const catalog = InferenceCatalog.embedded().addModel(ACME);
  expect(catalog.modelIds).toContain('acme/chat-8b');
  const r = catalog.resolve({ model: 'acme/chat-8b' });
  expect(r.source).toBe(ProfileSource.ESTIMATED);
  // TPU estimates compete in the automatic choice; they are uncalibrated (no measured TPU point), GPU ones calibrated
  expect(r.uncertainty!.calibrationBasis).toBe(r.acceleratorType.startsWith('tpu') ? 'uncalibrated' : 'same-server');
  expect(r.memory.kvCacheKibPerToken).toBe(128);
  expect(r.maxModelLength).toBe(8192);
  // and through the construct, with the catalog prop; not gated, so no token is needed
  const chart = new Chart(Testing.app(), 'c');
  const server = new OptimizedLlmServer(chart, 'acme', { model: 'acme/chat-8b', catalog, huggingFaceToken: HuggingFaceToken.none() });
  const deployment = chart.toJson().find((o: any) => o.kind === 'Deployment');
  expect(deployment.metadata.annotations['cdk8s-gke-inference.io/profile-source']).toBe('estimated');
  expect(deployment.metadata.annotations['cdk8s-gke-inference.io/profile-uncertainty'])
    .toMatch(/^estimated: \d+-\d+ output tokens\/s, [\d.]+-[\d.]+ ms NTPOT \(x0\.\d+-x\d(\.\d+)?; calibration (same-server|uncalibrated), time scale [\d.]+\)$/);
  expect(server.resolution.model).toBe('acme/chat-8b');
  // MoE and sliding-window architectures are accepted with their extra facts
  const moe = catalog.addModel({
    ...ACME,
    id: 'acme/moe-30b',
    parametersBillions: 30.5,
    activeParametersBillions: 3.3,
    numExperts: 128,
    numExpertsPerToken: 8,
    intermediateSize: 768,
    slidingWindow: 4096,
    slidingWindowLayers: 16,
  });
  expect(moe.resolve({ model: 'acme/moe-30b' }).source).toBe(ProfileSource.ESTIMATED);
});

test('a registered model replaces the catalog record of the same id', () => {
  const catalog = InferenceCatalog.embedded().addModel({ ...ACME, id: LLAMA, weightsGb: 9 });
  expect(catalog.modelIds.filter((id) => id === LLAMA)).toHaveLength(1);
  expect(catalog.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4' }).memory.weightsGb).toBe(9);
});

test('fails: a registered architecture with a missing or inconsistent figure names the prop', () => {
  const e = InferenceCatalog.embedded();
  expect(() => e.addModel({ ...ACME, id: 'chat-8b' })).toThrow(/'id' must be a Hugging Face model id 'owner\/name'.*got string 'chat-8b'/);
  expect(() => e.addModel({ ...ACME, source: ' ' })).toThrow(/'source' of acme\/chat-8b is required/);
  expect(() => e.addModel({ ...ACME, numHiddenLayers: 0 })).toThrow(/'numHiddenLayers' of acme\/chat-8b must be a positive whole number, got number 0/);
  expect(() => e.addModel({ ...ACME, numKeyValueHeads: 5 })).toThrow(/'numAttentionHeads' \(32\) of acme\/chat-8b must be a multiple of 'numKeyValueHeads' \(5\)/);
  expect(() => e.addModel({ ...ACME, numExperts: 8 })).toThrow(/'numExperts' and 'numExpertsPerToken' of acme\/chat-8b go together/);
  expect(() => e.addModel({ ...ACME, numExperts: 8, numExpertsPerToken: 2 })).toThrow(/'activeParametersBillions' of acme\/chat-8b is required/);
  expect(() => e.addModel({ ...ACME, activeParametersBillions: 9 })).toThrow(/'activeParametersBillions' \(9\) of acme\/chat-8b exceeds/);
  expect(() => e.addModel({ ...ACME, slidingWindowLayers: 4 })).toThrow(/'slidingWindowLayers' \(4\) of acme\/chat-8b needs 'slidingWindow'/);
  expect(() => e.addModel({ ...ACME, hiddenSize: 4100 })).toThrow(/'headDim' of acme\/chat-8b is required/);
  expect(() => e.addModel({ ...ACME, weightsGb: -1 })).toThrow(/'weightsGb' of acme\/chat-8b must be a positive number, got number -1/);
  expect(() => e.addModel({ ...ACME, minModelServerRelease: 'latest' })).toThrow(/'minModelServerRelease' of acme\/chat-8b must be a dotted release/);
  // a vLLM release: one newer than the catalog's newest vLLM (0.12.0) left the model with no server, reported later as "fits no GPU"
  expect(() => e.addModel({ ...ACME, minModelServerRelease: '3' }))
    .toThrow(/'minModelServerRelease' 3 of acme\/chat-8b is newer than every vLLM release the catalog has \(newest 0\.12\.0, vllm v0\.12\.0\).*0\.12\.0 or older/);
  const newest = e.addModel({ ...ACME, minModelServerRelease: '0.12' });
  expect(newest.resolve({ model: 'acme/chat-8b', acceleratorType: 'nvidia-l4' }).modelServerVersion).toBe('v0.12.0');
  expect(() => newest.resolve({ model: 'acme/chat-8b', acceleratorType: 'nvidia-l4', modelServerVersion: 'v0.11.2' }))
    .toThrow(/vllm v0\.11\.2 \(release 0\.11\.2\) predates acme\/chat-8b, which needs 0\.12 or newer/);
  // gated unless said otherwise: the token is then required
  const gated = e.addModel({ ...ACME, gated: undefined });
  expect(() => new OptimizedLlmServer(new Chart(Testing.app(), 'c'), 's', { model: 'acme/chat-8b', catalog: gated, huggingFaceToken: HuggingFaceToken.none() }))
    .toThrow(/needs a token/);
});

test('hand-written models: every figure has a source and the parameter counts follow from the config values', () => {
  for (const m of EXTRA_MODELS) {
    expect(m.source.trim()).not.toBe('');
    expect(m.trust.trim()).not.toBe('');
    const attention = 2 * m.hiddenSize * m.attentionHeads * m.headDim + 2 * m.hiddenSize * m.kvHeads * m.headDim;
    const mlp = 3 * m.hiddenSize * m.intermediateSize;
    const tied = m.id.startsWith('google/');
    const embeddings = m.vocabSize * m.hiddenSize * (tied ? 1 : 2);
    const total = m.experts === undefined ? (attention + mlp) * m.layers + embeddings
      : (attention + m.hiddenSize * m.experts + m.experts * mlp) * m.layers + embeddings;
    expect(Math.abs(total / 1e9 / m.paramsTotalB - 1)).toBeLessThan(0.005);
    expect(m.kvCacheKibPerTokenBf16).toBe((2 * m.layers * m.kvHeads * m.headDim * 2) / 1024);
    expect(m.attentionHeads % m.kvHeads).toBe(0);
    // and the catalog serves them
    expect(Catalog.EMBEDDED.model(m.id)).toBeDefined();
  }
  // the attention and server-release tables name catalog models only
  for (const id of [...Object.keys(ATTENTION_WINDOWS), ...Object.keys(MIN_MODEL_SERVER_RELEASE)]) expect(Catalog.EMBEDDED.model(id)).toBeDefined();
  const gemma2 = Catalog.EMBEDDED.model('google/gemma-2-27b-it')!;
  expect([gemma2.slidingWindowTokens, gemma2.slidingWindowLayers]).toEqual([4096, 23]);
  expect(Catalog.EMBEDDED.model('openai/gpt-oss-20b')!.minModelServerRelease).toBe('0.10.1');
});
