import * as fc from 'fast-check';
import { Catalog } from '../src/catalog/catalog';
import { AcceleratorRecord, ModelRecord } from '../src/catalog/types';
import { scalePoint } from '../src/performance/calibration';
import { CurvePoint, ProfileCurve, inflectionPoint } from '../src/performance/curve';
import { EstimateInput, loadGrid, modelShape, performanceModel } from '../src/performance/estimator';
import { memoryBudget } from '../src/performance/feasibility';
import { PERFORMANCE_CONSTANTS } from '../src/performance/performance-constants';
import { profileCurves } from '../src/performance/profiles';
import { SERVING_TERMS } from '../src/performance/serving-terms.generated';

const catalog = Catalog.EMBEDDED;
const GPUS = catalog.accelerators.filter((a) => a.family === 'gpu');
// deterministic: the same cases on every run
const RUNS = { seed: 20260801, numRuns: 150 };

interface Arch {
  layers: number;
  hiddenSize: number;
  attentionHeads: number;
  kvHeads: number;
  headDim: number;
  paramsB: number;
  activeShare: number;
  experts?: number;
  expertsPerToken?: number;
  bytesPerParam: number;
  window?: number;
  windowShare: number;
}

const archArb: fc.Arbitrary<Arch> = fc.record({
  layers: fc.integer({ min: 2, max: 96 }),
  hiddenSize: fc.integer({ min: 4, max: 64 }).map((x) => x * 128),
  attentionHeads: fc.constantFrom(8, 16, 32, 64),
  kvHeadsDivisor: fc.constantFrom(1, 2, 4, 8),
  headDim: fc.constantFrom(64, 128, 256),
  paramsB: fc.double({ min: 0.3, max: 400, noNaN: true }),
  moe: fc.boolean(),
  experts: fc.constantFrom(8, 16, 32, 64, 128),
  expertsPerToken: fc.constantFrom(1, 2, 4, 8),
  activeShare: fc.double({ min: 0.02, max: 0.5, noNaN: true }),
  bytesPerParam: fc.constantFrom(2, 1, 0.55),
  window: fc.option(fc.constantFrom(128, 512, 1024, 4096), { nil: undefined }),
  windowShare: fc.double({ min: 0, max: 1, noNaN: true }),
}).map((r) => {
  const moe = r.moe && r.expertsPerToken < r.experts;
  return {
    layers: r.layers,
    hiddenSize: r.hiddenSize,
    attentionHeads: r.attentionHeads,
    kvHeads: r.attentionHeads / r.kvHeadsDivisor,
    headDim: r.headDim,
    paramsB: r.paramsB,
    activeShare: moe ? r.activeShare : 1,
    experts: moe ? r.experts : undefined,
    expertsPerToken: moe ? r.expertsPerToken : undefined,
    bytesPerParam: r.bytesPerParam,
    window: r.window,
    windowShare: r.windowShare,
  };
});

function record(a: Arch): ModelRecord {
  return {
    id: 'test/model',
    inGiqModelList: false,
    paramsTotalB: a.paramsB,
    paramsActiveB: a.paramsB * a.activeShare,
    layers: a.layers,
    hiddenSize: a.hiddenSize,
    attentionHeads: a.attentionHeads,
    kvHeads: a.kvHeads,
    headDim: a.headDim,
    intermediateSize: a.hiddenSize * 3,
    experts: a.experts,
    expertsPerToken: a.expertsPerToken,
    vocabSize: 128000,
    maxContext: 32768,
    bf16WeightsGb: a.paramsB * 2,
    checkpointWeightsGb: a.paramsB * a.bytesPerParam,
    checkpointWeightsNote: 'test',
    kvCacheKibPerTokenBf16: (2 * a.layers * a.kvHeads * a.headDim * 2) / 1024,
    attentionPattern: 'test',
    slidingWindowTokens: a.window,
    slidingWindowLayers: a.window === undefined ? undefined : Math.round(a.layers * a.windowShare),
    gating: 'not-gated',
    gatingNote: '',
    license: '',
    hubWeightFormat: '',
    notes: '',
    unverifiedFields: '',
    source: 'property test',
    trust: 'D',
  };
}

const comboArb = fc.record({
  arch: archArb,
  accelerator: fc.constantFrom(...GPUS),
  tp: fc.constantFrom(1, 2, 4, 8),
  release: fc.constantFrom('0.7.2', '0.10.0', '0.12.0'),
  isl: fc.integer({ min: 16, max: 4096 }),
  osl: fc.integer({ min: 16, max: 2048 }),
});

function input(c: { arch: Arch; accelerator: AcceleratorRecord; tp: number; release: string; isl: number; osl: number }): EstimateInput {
  return {
    model: record(c.arch),
    accelerator: c.accelerator,
    tensorParallelSize: c.tp,
    serverRelease: c.release,
    workload: { meanInputTokens: c.isl, meanOutputTokens: c.osl },
  };
}

const le = (a: number, b: number) => a <= b * (1 + 1e-9);

/** The floor computed independently of the model: the share of the weights one token uses, streamed at peak bandwidth. */
function bandwidthFloorMs(model: ModelRecord, accelerator: AcceleratorRecord, tp: number): number {
  const bytes = model.checkpointWeightsGb * 1e9 * (model.paramsActiveB / model.paramsTotalB);
  return (bytes / tp / (accelerator.memoryBandwidthGBps * 1e9)) * 1000;
}

test('property: more memory bandwidth never makes decode slower', () => {
  fc.assert(fc.property(comboArb, fc.double({ min: 1, max: 4, noNaN: true }), (c, factor) => {
    const slow = performanceModel(input(c));
    if (!slow) return;
    const fastAccelerator = { ...c.accelerator, memoryBandwidthGBps: c.accelerator.memoryBandwidthGBps * factor };
    const fast = performanceModel({ ...input(c), accelerator: fastAccelerator })!;
    expect(fast.maxRunningBatch).toBe(slow.maxRunningBatch);
    for (const n of loadGrid(slow.maxRunningBatch)) {
      const [s, f] = [slow.at(n), fast.at(n)];
      expect(le(f.itlMilliseconds, s.itlMilliseconds)).toBe(true);
      expect(le(f.ntpotMilliseconds, s.ntpotMilliseconds)).toBe(true);
      expect(le(s.outputTokensPerSecond, f.outputTokensPerSecond)).toBe(true);
    }
  }), RUNS);
});

test('property: a larger model never fits more KV cache on the same memory', () => {
  const growth = fc.record({
    params: fc.double({ min: 1, max: 3, noNaN: true }),
    layers: fc.integer({ min: 0, max: 40 }),
    kvHeads: fc.constantFrom(1, 2),
    headDim: fc.constantFrom(1, 2),
  });
  fc.assert(fc.property(comboArb, growth, (c, g) => {
    const small = input(c);
    const kvHeads = Math.min(c.arch.attentionHeads, c.arch.kvHeads * g.kvHeads);
    const bigArch = { ...c.arch, paramsB: c.arch.paramsB * g.params, layers: c.arch.layers + g.layers, kvHeads, headDim: c.arch.headDim * g.headDim };
    const big = { ...small, model: record(bigArch) };
    const budget = (i: EstimateInput) => memoryBudget(i.model, i.accelerator, i.tensorParallelSize);
    expect(budget(big).maxFittingTokens).toBeLessThanOrEqual(budget(small).maxFittingTokens);
    expect(budget(big).kvCacheCapacityGb).toBeLessThanOrEqual(budget(small).kvCacheCapacityGb);
    expect(performanceModel(big)?.maxRunningBatch ?? 0).toBeLessThanOrEqual(performanceModel(small)?.maxRunningBatch ?? 0);
  }), RUNS);
});

/** Points of a curve in load order, up to and including its inflection point. */
function beforeInflection(curve: ProfileCurve): readonly CurvePoint[] {
  const inflection = inflectionPoint(curve);
  return curve.points.slice(0, curve.points.indexOf(inflection) + 1);
}

function nonDecreasing(points: readonly CurvePoint[]): boolean {
  return points.every((p, i) => i === 0 || le(points[i - 1].outputTokensPerSecond, p.outputTokensPerSecond));
}

test('property: throughput never decreases with load before the inflection', () => {
  fc.assert(fc.property(comboArb, fc.double({ min: PERFORMANCE_CONSTANTS.minTimeScale.value, max: 3, noNaN: true }), (c, timeScale) => {
    const model = performanceModel(input(c));
    if (!model) return;
    const points = loadGrid(model.maxRunningBatch).map((n) => {
      const p = scalePoint(model.at(n), timeScale);
      return { ...p, kind: 'estimated' as const };
    });
    const curve = { points } as unknown as ProfileCurve;
    expect(nonDecreasing(beforeInflection(curve))).toBe(true);
    // and latency never falls as load grows
    expect(points.every((p, i) => i === 0 || le(points[i - 1].ntpotMilliseconds, p.ntpotMilliseconds))).toBe(true);
  }), RUNS);
});

test('throughput never decreases with load before the inflection on every estimated catalog curve', () => {
  const estimated = profileCurves(catalog).filter((c) => c.source === 'estimated');
  expect(estimated.length).toBeGreaterThan(1000);
  for (const curve of estimated) {
    const loads = curve.points.map((p) => p.concurrency!);
    expect(loads).toEqual([...loads].sort((a, b) => a - b));
    expect(nonDecreasing(beforeInflection(curve))).toBe(true);
  }
});

test('property: NTPOT at concurrency 1 is never below the memory-bandwidth floor', () => {
  fc.assert(fc.property(comboArb, fc.double({ min: 0, max: 3, noNaN: true }), (c, requestedScale) => {
    const model = performanceModel(input(c));
    if (!model) return;
    // the calibration never scales below minTimeScale
    const timeScale = Math.max(PERFORMANCE_CONSTANTS.minTimeScale.value, requestedScale);
    const first = scalePoint(model.at(1), timeScale);
    const m = record(c.arch);
    expect(first.ntpotMilliseconds).toBeGreaterThanOrEqual(bandwidthFloorMs(m, c.accelerator, c.tp));
    expect(first.ntpotMilliseconds).toBeGreaterThanOrEqual(model.bandwidthFloorMilliseconds);
  }), RUNS);
});

test('NTPOT at concurrency 1 of every estimated catalog curve is above its memory-bandwidth floor', () => {
  for (const curve of profileCurves(catalog).filter((c) => c.source === 'estimated')) {
    const first = curve.points[0];
    expect(first.concurrency).toBe(1);
    const floor = bandwidthFloorMs(catalog.model(curve.model)!, catalog.accelerator(curve.acceleratorType)!, curve.acceleratorCount);
    expect(first.ntpotMilliseconds).toBeGreaterThanOrEqual(floor);
    expect(first.ntpotMilliseconds).toBeGreaterThanOrEqual(curve.estimate!.bandwidthFloorMilliseconds);
  }
});

test('every estimated point obeys Little\'s law and carries the server-side signals', () => {
  for (const curve of profileCurves(catalog, 'google/gemma-2-27b-it').filter((c) => c.source === 'estimated' && c.modelServerVersion === 'v0.12.0')) {
    for (const p of curve.points) {
      expect((p.outputTokensPerSecond * p.ntpotMilliseconds) / 1000).toBeCloseTo(p.concurrency!, 6);
      expect(p.runningBatchSize! + p.waitingQueueSize!).toBeCloseTo(p.concurrency!, 9);
      expect(p.runningBatchSize!).toBeLessThanOrEqual(curve.estimate!.maxRunningBatch);
      expect(p.kvCacheUtilization!).toBeGreaterThan(0);
      expect(p.kvCacheUtilization!).toBeLessThanOrEqual(1);
      expect(p.requestsPerSecond! * curve.estimate!.meanOutputTokens).toBeCloseTo(p.outputTokensPerSecond, 6);
      expect(p.outputTokensPerSecondLow!).toBeLessThan(p.outputTokensPerSecond);
      expect(p.ntpotMillisecondsHigh!).toBeGreaterThan(p.ntpotMilliseconds);
    }
    // past the cap, requests wait and throughput stays flat
    const saturated = curve.points.filter((p) => p.waitingQueueSize! > 0);
    expect(saturated.length).toBeGreaterThan(0);
    for (const p of saturated) expect(p.outputTokensPerSecond).toBeCloseTo(saturated[0].outputTokensPerSecond, 6);
  }
});

const base: EstimateInput = {
  model: catalog.model('meta-llama/Llama-3.1-8B-Instruct')!,
  accelerator: catalog.accelerator('nvidia-h100-80gb')!,
  tensorParallelSize: 1,
  serverRelease: '0.12.0',
  workload: { meanInputTokens: 226, meanOutputTokens: 195 },
};

test('mixture of experts: decode reads and computes the active parameters, not all of them', () => {
  const dense = performanceModel(base)!;
  const moe = performanceModel({ ...base, model: { ...base.model, experts: 8, expertsPerToken: 2, paramsActiveB: 2.6 } })!;
  // same weights in memory, so the same KV capacity; far fewer bytes read per token
  expect(moe.kvCapacityBytes).toBe(dense.kvCapacityBytes);
  expect(moe.bandwidthFloorMilliseconds).toBeLessThan(dense.bandwidthFloorMilliseconds / 2);
  expect(moe.at(1).itlMilliseconds).toBeLessThan(dense.at(1).itlMilliseconds);
  const shape = modelShape(catalog.model('openai/gpt-oss-20b')!);
  // gpt-oss ships MXFP4 experts and a bf16 dense part: 13 GB in all
  expect(shape.denseBytes + shape.experts * shape.bytesPerExpert).toBeCloseTo(13e9, -6);
  expect(shape.bytesPerExpert / ((20.91e9 - 4.19e9) / 28)).toBeLessThan(0.6);
});

test('mixture of experts: the expert GEMMs run below dense efficiency, which slows compute-bound steps only', () => {
  const moeModel = { ...base.model, experts: 8, expertsPerToken: 2, paramsActiveB: 2.6 };
  const shape = modelShape(moeModel);
  // the routed experts' share of the active parameters: total = dense + 8 e, active = dense + 2 e
  const expert = ((8.03 - 2.6) * 1e9) / 6;
  expect(shape.activeExpertParams).toBeCloseTo(2 * expert, -6);
  expect(modelShape(base.model).activeExpertParams).toBe(0);
  const terms = { ...SERVING_TERMS, expertComputeEfficiency: 1 };
  const dense = performanceModel({ ...base, model: moeModel, terms })!;
  const grouped = performanceModel({ ...base, model: moeModel, terms: { ...terms, expertComputeEfficiency: 0.5 } })!;
  // a single sequence streams weights (memory-bound): unchanged; a saturated batch computes: slower
  expect(grouped.at(1).itlMilliseconds).toBeCloseTo(dense.at(1).itlMilliseconds, 6);
  const sat = (m: typeof dense) => m.at(4 * m.maxRunningBatch).outputTokensPerSecond;
  expect(sat(grouped)).toBeLessThan(0.9 * sat(dense));
});

test('per-sequence step overhead grows with the batch, not with the model; the pre-V1 engine adds a per-step CPU overhead', () => {
  const without = performanceModel({ ...base, terms: { ...SERVING_TERMS, sequenceOverheadMicroseconds: 0 } })!;
  const withIt = performanceModel(base)!;
  for (const b of [1, 16, 64]) {
    expect(withIt.at(b).stepMilliseconds - without.at(b).stepMilliseconds).toBeCloseTo((b * SERVING_TERMS.sequenceOverheadMicroseconds) / 1000, 6);
  }
  // vLLM before V1 (and SGLang before 0.4) ran the step's CPU work on its critical path: V1 blog, "near-zero CPU overhead"
  const shortPrompt = { meanInputTokens: 16, meanOutputTokens: 16 };
  const v0 = performanceModel({ ...base, serverRelease: '0.6.0', workload: shortPrompt })!;
  const v1 = performanceModel({ ...base, workload: shortPrompt })!;
  expect(SERVING_TERMS.v0StepOverheadMilliseconds).toBeGreaterThan(0.2);
  expect(v0.at(1).itlMilliseconds - v1.at(1).itlMilliseconds).toBeGreaterThan(0.9 * SERVING_TERMS.v0StepOverheadMilliseconds);
});

test('sliding-window attention: fewer KV bytes per sequence once the hybrid allocator keeps only the window', () => {
  const gptOss = { ...base, model: catalog.model('openai/gpt-oss-20b')! };
  const hybrid = performanceModel({ ...gptOss, serverRelease: '0.12.0' })!;
  const full = performanceModel({ ...gptOss, model: { ...gptOss.model, slidingWindowTokens: undefined } })!;
  expect(hybrid.kvBytesPerSequence).toBeLessThan(full.kvBytesPerSequence);
  // a release before the hybrid allocator holds full-length KV for every layer, but still reads only the window
  const v0 = performanceModel({ ...gptOss, serverRelease: '0.7.2' })!;
  expect(v0.kvBytesPerSequence).toBeCloseTo(performanceModel({ ...gptOss, serverRelease: '0.7.2', model: { ...gptOss.model, slidingWindowTokens: undefined } })!
    .kvBytesPerSequence, 6);
});

test('TensorRT-LLM\'s KV cache holds a window layer at full length: the capacity of the model without windows, the reads still windowed', () => {
  // kvCacheManager.cpp (NVIDIA/TensorRT-LLM@b35ac1b6): the pool is sized "assuming all layers as full attention" and a window layer
  // takes "as many blocks as full attention"; vLLM's hybrid allocator keeps only the window
  const gptOss = { ...base, model: catalog.model('openai/gpt-oss-20b')!, workload: { meanInputTokens: 1024, meanOutputTokens: 1024 } };
  const vllm = performanceModel(gptOss)!;
  const trt = performanceModel({ ...gptOss, windowedKvCache: false })!;
  const noWindows = performanceModel({ ...gptOss, model: { ...gptOss.model, slidingWindowTokens: undefined } })!;
  expect(trt.kvBytesPerSequence).toBe(noWindows.kvBytesPerSequence);
  expect(trt.maxRunningBatch).toBe(noWindows.maxRunningBatch);
  expect(trt.maxRunningBatch).toBeLessThan(vllm.maxRunningBatch);
  // the attention kernels read only the window either way: at the same batch the step is vLLM's, and faster than without windows
  expect(trt.at(8).itlMilliseconds).toBeCloseTo(vllm.at(8).itlMilliseconds, 9);
  expect(trt.at(8).itlMilliseconds).toBeLessThan(noWindows.at(8).itlMilliseconds);
});

test('a measured expert-kernel rate caps the expert GEMMs: each expert FLOP of a compute-bound step costs 1 / rate, a memory-bound step is unchanged', () => {
  const qwen: EstimateInput = {
    ...base,
    model: catalog.model('Qwen/Qwen3-30B-A3B')!,
    accelerator: catalog.accelerator('nvidia-b200')!,
    workload: { meanInputTokens: 2048, meanOutputTokens: 128 },
  };
  const rate = 200; // TFLOPS per GPU, below the dense-derived expert rate of a B200 at bf16
  const free = performanceModel(qwen)!;
  const capped = performanceModel({ ...qwen, expertGemmTflops: rate })!;
  expect(capped.maxRunningBatch).toBe(free.maxRunningBatch);
  // saturated, every step carries b decode tokens and b x 2048 / 128 prompt tokens, and the GEMMs are compute-bound
  const b = free.maxRunningBatch;
  const tokens = b + (b * 2048) / 128;
  const experts = modelShape(qwen.model).activeExpertParams;
  const peak = qwen.accelerator.bf16DenseTflops! * 1e12;
  const e = SERVING_TERMS.expertComputeEfficiency;
  const before = (2 * experts * b) / (peak * SERVING_TERMS.computeEfficiency * e)
    + (2 * experts * (tokens - b)) / (peak * Math.min(1, SERVING_TERMS.computeEfficiency * SERVING_TERMS.prefillEfficiency) * e);
  const after = (2 * experts * tokens) / (rate * 1e12);
  expect(capped.at(b).stepMilliseconds - free.at(b).stepMilliseconds).toBeCloseTo((after - before) * 1000, 6);
  // one sequence with a short prompt streams the weights: the GEMMs are memory-bound and the rate does not show
  const short = { meanInputTokens: 16, meanOutputTokens: 16 };
  expect(performanceModel({ ...qwen, workload: short, expertGemmTflops: rate })!.at(1).itlMilliseconds)
    .toBeCloseTo(performanceModel({ ...qwen, workload: short })!.at(1).itlMilliseconds, 9);
  // a rate above the dense-derived one changes nothing
  expect(performanceModel({ ...qwen, expertGemmTflops: 1e6 })!.at(b).itlMilliseconds).toBeCloseTo(free.at(b).itlMilliseconds, 9);
});

test('TTFT carries the fixed per-request time once, on top of the wait and the prompt\'s step; the decode steps do not', () => {
  const without = performanceModel({ ...base, terms: { ...SERVING_TERMS, requestOverheadMilliseconds: 0 } })!;
  const withIt = performanceModel({ ...base, terms: { ...SERVING_TERMS, requestOverheadMilliseconds: 7 } })!;
  for (const n of [1, 16, 4 * withIt.maxRunningBatch]) {
    expect(withIt.at(n).ttftMilliseconds - without.at(n).ttftMilliseconds).toBeCloseTo(7, 9);
    expect(withIt.at(n).itlMilliseconds).toBe(without.at(n).itlMilliseconds);
    expect(withIt.at(n).outputTokensPerSecond).toBe(without.at(n).outputTokensPerSecond);
  }
});

test('grouped-query attention: fewer KV heads fit a larger running batch', () => {
  const workload = { meanInputTokens: 2000, meanOutputTokens: 1000 };
  const gqa = performanceModel({ ...base, workload })!;
  const mha = performanceModel({ ...base, workload, model: { ...base.model, kvHeads: 32 } })!;
  expect(gqa.kvBytesPerSequence * 4).toBeCloseTo(mha.kvBytesPerSequence, 0);
  expect(gqa.maxRunningBatch).toBeGreaterThan(mha.maxRunningBatch);
});

test('tensor parallelism splits the weights but pays for all-reduces, more over PCIe than over NVLink', () => {
  const gemma = { ...base, model: catalog.model('google/gemma-2-27b-it')! };
  const h100 = (tp: number) => performanceModel({ ...gemma, tensorParallelSize: tp })!.at(1).itlMilliseconds;
  expect(h100(2)).toBeLessThan(h100(1));
  expect(h100(2)).toBeGreaterThan(h100(1) / 2);
  // the same GPU behind PCIe only: the all-reduces cost more
  const pcie = { ...catalog.accelerator('nvidia-h100-80gb')!, gkeLabel: 'pcie-only-test-gpu' };
  expect(performanceModel({ ...gemma, accelerator: pcie, tensorParallelSize: 4 })!.at(64).itlMilliseconds)
    .toBeGreaterThan(performanceModel({ ...gemma, tensorParallelSize: 4 })!.at(64).itlMilliseconds);
});

test('the running batch is capped by the KV cache after the weights and by max_num_seqs', () => {
  const gemmaOnH100 = performanceModel({ ...base, model: catalog.model('google/gemma-2-27b-it')! })!;
  expect(gemmaOnH100.batchLimit).toBe('kv-cache');
  expect(gemmaOnH100.maxRunningBatch).toBe(Math.floor(gemmaOnH100.kvCapacityBytes / gemmaOnH100.kvBytesPerSequence));
  const small = performanceModel({ ...base, model: catalog.model('meta-llama/Llama-3.2-1B-Instruct')! })!;
  expect(small.batchLimit).toBe('max-num-seqs');
  // the V1 engine on an 80 GB H100 schedules up to 1024 sequences, on an A100 (and before V1) 256
  expect(small.maxRunningBatch).toBe(1024);
  expect(performanceModel({ ...base, model: catalog.model('meta-llama/Llama-3.2-1B-Instruct')!, serverRelease: '0.7.2' })!.maxRunningBatch).toBe(256);
  expect(performanceModel({ ...base, model: catalog.model('meta-llama/Llama-3.2-1B-Instruct')!, accelerator: catalog.accelerator('nvidia-a100-80gb')! })!
    .maxRunningBatch).toBe(256);
  // weights that do not fit give no model at all
  expect(performanceModel({ ...base, model: catalog.model('meta-llama/Llama-3.3-70B-Instruct')! })).toBeUndefined();
});

test('prompts share the step\'s token budget: a prompt-heavy workload runs the batch the budget sustains, budget x osl / (isl + osl)', () => {
  // 1024-token prompts, 16-token answers: each step decodes one token per running sequence and takes b / 16 new prompts of 1024
  // tokens, 65 b tokens; vLLM's default budget on an 80 GB H100 is 8192 tokens a step, so the steady state holds 8192 / 65 = 126
  const workload = { meanInputTokens: 1024, meanOutputTokens: 16 };
  const m = performanceModel({ ...base, workload })!;
  expect(m.batchLimit).toBe('token-budget');
  expect(m.maxRunningBatch).toBe(Math.floor((8192 * 16) / (1024 + 16)));
  // the KV cache would hold more (1,040 tokens a sequence), and a budget twice as large runs twice the batch
  expect(Math.floor(m.kvCapacityBytes / m.kvBytesPerSequence)).toBeGreaterThan(2 * m.maxRunningBatch);
  expect(performanceModel({ ...base, workload, maxNumBatchedTokens: 16384 })!.maxRunningBatch).toBe(Math.floor((16384 * 16) / 1040));
  // the estimated curve of a V1 server says what caps it (before V1 prompts run in steps of their own)
  const curve = profileCurves(catalog.withWorkload({ name: 'prompt-heavy', ...workload, source: 'test' }), 'meta-llama/Llama-3.1-8B-Instruct')
    .find((c) => c.source === 'estimated' && c.modelServerVersion === 'v0.12.0' && c.acceleratorType === 'nvidia-h100-80gb' && c.acceleratorCount === 1);
  expect(curve?.note).toMatch(/running batch capped at \d+ by the step token budget/);
});

test('a C++ serving loop (TensorRT-LLM\'s engine executor) carries no per-sequence Python host time: exactly b x the fitted term less per step', () => {
  const python = performanceModel(base)!;
  const cpp = performanceModel({ ...base, cppExecutor: true })!;
  expect(cpp.maxRunningBatch).toBe(python.maxRunningBatch);
  for (const b of [1, 16, python.maxRunningBatch]) {
    expect(python.at(b).stepMilliseconds - cpp.at(b).stepMilliseconds).toBeCloseTo((b * SERVING_TERMS.sequenceOverheadMicroseconds) / 1000, 9);
  }
});

test('a scheduler that reserves a request\'s whole prompt and output (TensorRT-LLM\'s GUARANTEED_NO_EVICT) runs a smaller batch than vLLM', () => {
  // Llama 3.1 8B config.json: 32 layers, 8 KV heads of 128; a bf16 KV cache holds 2 x 8 x 128 x 2 = 4096 bytes per token and layer.
  // vLLM counts what a sequence holds on average (the prompt and half the output), TensorRT-LLM reserves prompt + output up front;
  // both round to half a 16-token block
  const oneToOne: EstimateInput = { ...base, workload: { meanInputTokens: 1000, meanOutputTokens: 1000 }, maxNumSeqs: 100_000 };
  const vllm = performanceModel(oneToOne)!;
  const trt = performanceModel({ ...oneToOne, reservesWholeSequence: true })!;
  const perLayerToken = 2 * 8 * 128 * 2;
  expect(vllm.batchLimit).toBe('kv-cache');
  expect(vllm.maxRunningBatch).toBe(Math.floor(vllm.kvCapacityBytes / (32 * (1000 + 500 + 8) * perLayerToken)));
  expect(trt.maxRunningBatch).toBe(Math.floor(trt.kvCapacityBytes / (32 * (1000 + 1000 + 8) * perLayerToken)));
  // the same cache, the same steps: the throughput at saturation falls with the batch (by less: this 8B model is compute-bound at both batches)
  const sat = (m: typeof vllm) => m.at(4 * m.maxRunningBatch).outputTokensPerSecond;
  expect(trt.maxRunningBatch).toBeLessThan(0.8 * vllm.maxRunningBatch);
  expect(sat(trt)).toBeLessThan(sat(vllm));
});

test('prompts ride in whole chunks of the step\'s token budget: a MoE decode step of a few sequences reads only their experts', () => {
  const h200 = catalog.accelerator('nvidia-h200-141gb')!;
  const long = { meanInputTokens: 8192, meanOutputTokens: 1024 };
  const b = 4;
  // in the steady state b / osl prompts arrive per step: 32 prompt tokens. A budget of b + 32 tokens makes every step carry a
  // 32-token sliver; vLLM's default on an H200 (8192) carries whole 8188-token chunks in one step of about 250 and none in the others
  const sliver = b + (b * long.meanInputTokens) / long.meanOutputTokens;
  const itl = (on: EstimateInput, budget?: number) =>
    performanceModel({ ...on, workload: long, maxNumBatchedTokens: budget })!.at(b).itlMilliseconds;
  // dense: a whole chunk can no longer hide its compute under the weight streaming of the decode tokens
  const dense: EstimateInput = { ...base, accelerator: h200 };
  expect(itl(dense)).toBeGreaterThanOrEqual(itl(dense, sliver));
  expect(itl(dense)).toBeLessThan(1.5 * itl(dense, sliver));
  // DeepSeek-R1 (256 experts, 8 per token): 36 tokens per step touch about 1 in 3 experts of every layer, 4 tokens 1 in 8
  const r1: EstimateInput = { ...base, model: catalog.model('deepseek-ai/DeepSeek-R1')!, accelerator: h200, tensorParallelSize: 8 };
  expect(itl(r1)).toBeLessThan(0.7 * itl(r1, sliver));
});

test('on TPU the estimate schedules the token budget the manifest emits (--max-num-batched-tokens=512), not a GPU default', () => {
  // the GKE TPU vLLM tutorial's 512 is what the library passes to vLLM on TPU (test/tpu-vllm.test.ts checks the arg)
  const v6e = catalog.accelerator('tpu-v6e-slice')!;
  const gemma = catalog.model('google/gemma-2-27b-it')!;
  const workload = { meanInputTokens: 2048, meanOutputTokens: 512 };
  const tpu: EstimateInput = { ...base, model: gemma, accelerator: v6e, tensorParallelSize: 4, workload };
  const itl = (budget?: number) => performanceModel({ ...tpu, maxNumBatchedTokens: budget })!.at(4).itlMilliseconds;
  expect(itl()).toBeCloseTo(itl(512), 9);
  expect(Math.abs(itl() / itl(2048) - 1)).toBeGreaterThan(0.001);
});

test('ITL is a request\'s decode gaps, as the harnesses compute TPOT: its own prompt is in its TTFT, not between its tokens', () => {
  // GIQ's inference-benchmark and vLLM's bench: TPOT = (latency - TTFT) / (output tokens - 1). One request of 8,000 prompt tokens and
  // 64 output tokens alone on the server (GIQ's Multi Agent Large Document Summarization lengths): its prompt runs before its first
  // token, so its gaps are decode steps only, well under its NTPOT, which spreads the prompt over the 64 tokens
  const long = performanceModel({ ...base, workload: { meanInputTokens: 8000, meanOutputTokens: 64 } })!;
  const alone = long.at(1);
  expect(alone.itlMilliseconds).toBeLessThan(0.8 * alone.ntpotMilliseconds);
  // a request with the same output after a short prompt decodes at about the same pace (its KV cache is shorter: a little faster)
  const short = performanceModel({ ...base, workload: { meanInputTokens: 16, meanOutputTokens: 64 } })!.at(1);
  expect(short.itlMilliseconds).toBeLessThanOrEqual(alone.itlMilliseconds);
  expect(short.itlMilliseconds).toBeGreaterThan(0.8 * alone.itlMilliseconds);
  // never below a decode step's weight streaming (the bandwidth floor), however short the output after a long prompt
  const tiny = performanceModel({ ...base, workload: { meanInputTokens: 2000, meanOutputTokens: 4 } })!;
  expect(tiny.at(1).itlMilliseconds).toBeGreaterThanOrEqual(tiny.bandwidthFloorMilliseconds);
  // on ShareGPT's lengths the three latencies add up to the request: TTFT + 194 gaps = 195 x NTPOT, plus the front end's fixed time,
  // which NTPOT leaves out
  const chat = base.workload.meanOutputTokens;
  const p = performanceModel(base)!.at(8);
  expect(p.ttftMilliseconds + (chat - 1) * p.itlMilliseconds).toBeCloseTo(chat * p.ntpotMilliseconds + SERVING_TERMS.requestOverheadMilliseconds, 6);
  // at load, other requests' prompt chunks do land between a request's tokens
  expect(long.at(32).itlMilliseconds).toBeGreaterThan(long.at(32).stepMilliseconds * 0.5);
});
