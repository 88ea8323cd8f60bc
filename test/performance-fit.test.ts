import * as fs from 'fs';
import * as path from 'path';
import {
  BENCHMARKS_CSV,
  FitCase,
  ONLINE_SERVING,
  excludedRows,
  factor,
  fitCases,
  fitTerms,
  leaveOneSourceOut,
  metricErrors,
  offlineRunThroughput,
  predict,
  rankingChecks,
} from '../scripts/fit-serving-terms';
import { ONLINE_SERVING_ROWS } from '../scripts/trtllm-online-serving';
import { Catalog } from '../src/catalog/catalog';
import { EstimateInput, performanceModel } from '../src/performance/estimator';
import { profileCurves } from '../src/performance/profiles';
import { SERVING_TERMS, SERVING_TERMS_FIT } from '../src/performance/serving-terms.generated';
import { parseCsv } from '../src/util/csv';

const catalog = Catalog.EMBEDDED;
const cases = fitCases(catalog, fs.readFileSync(BENCHMARKS_CSV, 'utf8'));
const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';

/** Median factor of cases against their measurements with the generated terms, their inputs changed as given. */
function medianFactor(cs: readonly FitCase[], change: Partial<EstimateInput> = {}): number {
  const fs_ = cs.map((c) => factor({ ...c, input: { ...c.input, ...change } }, SERVING_TERMS)).sort((a, b) => a - b);
  return fs_[Math.floor(fs_.length / 2)];
}

test('the fit reads public measurements from several sources for every metric', () => {
  const sources = new Set(cases.map((c) => c.source));
  expect(sources.size).toBeGreaterThanOrEqual(6);
  for (const metric of ['low-load ITL', 'saturated throughput', 'TTFT', 'GIQ NTPOT']) {
    expect(cases.filter((c) => c.metric === metric).length).toBeGreaterThan(5);
  }
});

test('the generated terms are the deterministic fit of the data, and its leave-one-source-out table is reproduced', () => {
  const terms = fitTerms(cases);
  for (const [k, v] of Object.entries(SERVING_TERMS)) expect(terms[k as keyof typeof terms]).toBeCloseTo(v, 3);
  const loso = leaveOneSourceOut(cases).errors;
  for (const e of loso) {
    const generated = SERVING_TERMS_FIT.leaveOneSourceOut.find((g) => g.metric === e.metric)!;
    expect(e.medianFactor).toBeCloseTo(generated.medianFactor, 2);
    expect(e.worstFactor).toBeCloseTo(generated.worstFactor, 2);
  }
}, 180_000);

// What the fit achieves held out by source (the README quotes it). Targets were a median factor of 1.25 and a worst of
// 1.6: met for every median and for the worst low-load ITL and TTFT; the worst saturated throughput (TensorRT-LLM 0.14's
// Mixtral 8x7B fp16 at 128/128 on 2 x A100, x1.66 too low) and GIQ NTPOT held out miss them.
test('leave-one-source-out error per metric stays within what the README states', () => {
  const bounds: Record<string, { median: number; worst: number }> = {
    'low-load ITL': { median: 1.25, worst: 1.6 },
    'saturated throughput': { median: 1.25, worst: 1.7 },
    'TTFT': { median: 1.15, worst: 1.5 },
    'GIQ NTPOT': { median: 1.3, worst: 1.95 },
  };
  for (const e of SERVING_TERMS_FIT.leaveOneSourceOut) {
    expect(e.medianFactor).toBeLessThanOrEqual(bounds[e.metric].median);
    expect(e.worstFactor).toBeLessThanOrEqual(bounds[e.metric].worst);
  }
  // in sample, with the generated terms, every metric's median is within the target
  for (const e of metricErrors(cases, new Map(cases.map((c): [FitCase, number] => [c, factor(c, SERVING_TERMS)])))) {
    expect(e.medianFactor).toBeLessThanOrEqual(1.25);
  }
});

test('the per-GPU ranking of accelerators matches the measured ranking where the data has the same model and precision on both', () => {
  const pairs = rankingChecks(cases, SERVING_TERMS);
  expect(pairs.length).toBeGreaterThan(100);
  // every pair agrees once the GB200 configuration artefacts are left out (RTX PRO 6000 above GB200 was one of them)
  expect(pairs.filter((p) => !p.agrees)).toEqual([]);
  // H200 (more memory and bandwidth) beats H100 per GPU for the 70B model in fp8, as measured
  const h200 = pairs.filter((p) => p.group.startsWith('meta-llama/Llama-3.1-70B-Instruct|fp8') && p.better === 'nvidia-h200-141gb');
  expect(h200.length).toBeGreaterThan(3);
  expect(h200.every((p) => p.agrees)).toBe(true);
});

test('the fixed overhead is not scaled and stays below the measured 8B ITL on H100 (vLLM blog: 6.44 ms at concurrency 1)', () => {
  const m = performanceModel({
    model: catalog.model(LLAMA_8B)!,
    accelerator: catalog.accelerator('nvidia-h100-80gb')!,
    tensorParallelSize: 1,
    serverRelease: '0.10.0',
    workload: { meanInputTokens: 16, meanOutputTokens: 16 },
  })!;
  const fixedOnly = m.at(1, 0).itlMilliseconds;
  expect(fixedOnly).toBeLessThan(6.44 / 2);
  // doubling the kernel time scale doubles only the kernel part
  const one = m.at(1, 1).itlMilliseconds;
  expect(m.at(1, 2).itlMilliseconds - fixedOnly).toBeCloseTo(2 * (one - fixedOnly), 9);
  // and the estimate lands within the fit's error of the measurement
  const intercept = cases.find((c) => c.label.includes('ITL intercept') && c.label.includes('Llama') && c.acceleratorType === 'nvidia-h100-80gb')!;
  expect(Math.max(predict(intercept, SERVING_TERMS)! / 6.44, 6.44 / predict(intercept, SERVING_TERMS)!)).toBeLessThan(1.6);
});

test('B200 serves the 8B model faster per GPU than H100, as public results show', () => {
  // one replica per GPU (TP 1), the shape a node packed with replicas runs
  const at = (label: string) => performanceModel({
    model: catalog.model(LLAMA_8B)!,
    accelerator: catalog.accelerator(label)!,
    tensorParallelSize: 1,
    serverRelease: '0.10.0',
    workload: catalog.defaultWorkload,
  })!;
  const b200 = at('nvidia-b200');
  const h100 = at('nvidia-h100-80gb');
  const saturated = (m: typeof b200) => m.at(4 * m.maxRunningBatch).outputTokensPerSecond;
  expect(saturated(b200)).toBeGreaterThan(1.5 * saturated(h100));
  // and at low load B200's higher bandwidth gives a lower ITL
  expect(b200.at(1).itlMilliseconds).toBeLessThan(h100.at(1).itlMilliseconds);
  // the catalog's estimated curves (B200 only as whole 8-GPU machines) give B200 more output per GPU than H100 at the same
  // tensor-parallel size (one 8B replica over 8 GPUs is bound by per-sequence overheads; packing replicas is what pays there)
  const curves = profileCurves(catalog, LLAMA_8B).filter((c) => c.source === 'estimated');
  const perGpu = (label: string, count: number) => Math.max(...curves.filter((c) => c.acceleratorType === label && c.acceleratorCount === count)
    .flatMap((c) => c.points.map((p) => p.outputTokensPerSecond / c.acceleratorCount)));
  expect(perGpu('nvidia-b200', 8)).toBeGreaterThan(perGpu('nvidia-h100-80gb', 8));
});

test('rows left out of the fit are only the GB200 rows the data\'s notes call configuration artefacts, each with its reason', () => {
  const rows = parseCsv(fs.readFileSync(BENCHMARKS_CSV, 'utf8'));
  const excluded = excludedRows(rows);
  expect(excluded.size).toBeGreaterThan(0);
  expect(excluded.size).toBeLessThanOrEqual(8);
  for (const [r, why] of excluded) {
    expect(r.accelerator).toBe('nvidia-gb200');
    expect(r.concurrency_or_rate).toBe('offline-max');
    expect(why).toMatch(/configuration artefact \(measured-serving-benchmarks\.md\)/);
    // the B200 row of the same model, precision, shape and layout is more than 25% above it (same GPU)
    const b200 = rows.find((x) => x.accelerator === 'nvidia-b200' && x.source === r.source && x.model === r.model && x.isl === r.isl
      && x.osl === r.osl && x.tensor_parallel === r.tensor_parallel && x.precision_weights === r.precision_weights)!;
    expect(Number(b200.output_tok_s_total)).toBeGreaterThan(1.25 * Number(r.output_tok_s_total));
  }
  // the example the notes give is among them
  expect([...excluded.keys()].some((r) => r.model === 'Qwen3-30B-A3B' && r.isl === '128' && r.osl === '128')).toBe(true);
  expect(cases.some((c) => c.label.startsWith('Qwen3-30B-A3B nvfp4 128/128') && c.acceleratorType === 'nvidia-gb200')).toBe(false);
});

test('the TensorRT-LLM v1.0 rows of MoE models on several GPUs are left out: that revision ran MoE models expert- and attention-data-parallel', () => {
  const rows = parseCsv(fs.readFileSync(BENCHMARKS_CSV, 'utf8')).filter((r) => r.source.includes('TensorRT-LLM@00f37686'));
  const fitted = new Set(cases.filter((c) => c.source === 'TensorRT-LLM perf overview v1.0').map((c) => c.label.split(' offline-max')[0] + '|' + c.acceleratorType + '|' + c.acceleratorCount));
  const key = (r: Record<string, string>) => `${r.model} ${r.precision_weights || 'bf16'} ${r.isl}/${r.osl}|${r.accelerator}|${r.accelerator_count}`;
  const moe = /Maverick|Scout|Qwen3-30B-A3B|Qwen3-235B-A22B/;
  // Llama 4 Maverick on 8 x H200 and 8 x B200, Qwen3-235B-A22B on 8 GPUs, Scout on 4 x H100/H200, Qwen3-30B-A3B on 2-8 RTX PRO 6000
  const multi = rows.filter((r) => moe.test(r.model) && Number(r.accelerator_count) > 1);
  expect(multi.length).toBeGreaterThan(60);
  expect(multi.filter((r) => fitted.has(key(r)))).toEqual([]);
  // the same models on one GPU (no expert or attention split to know) and the dense models on several GPUs stay in
  const single = rows.filter((r) => moe.test(r.model) && r.accelerator_count === '1' && r.accelerator !== 'nvidia-gb200');
  expect(single.length).toBeGreaterThan(20);
  expect(single.every((r) => fitted.has(key(r)))).toBe(true);
  expect(rows.some((r) => r.model === 'Llama-3.1-405B-Instruct' && r.accelerator_count === '8' && fitted.has(key(r)))).toBe(true);
});

test('rows run on built TensorRT engines drop the per-sequence Python host time, and that brings them closer to their measurements', () => {
  const rows = parseCsv(fs.readFileSync(BENCHMARKS_CSV, 'utf8'));
  const engineRows = rows.filter((r) => /prebuilt TensorRT engine/.test(r.metric_notes));
  // the data says which rows ran built engines (TensorRT-LLM 0.14's table), and only those carry the C++ loop
  expect(engineRows.length).toBeGreaterThan(300);
  expect(engineRows.every((r) => r.source.includes('v0.14.0'))).toBe(true);
  const flagged = cases.filter((c) => c.input.cppExecutor);
  // (and the same release's online-serving table, engines behind Triton: scripts/trtllm-online-serving.ts)
  expect(new Set(flagged.map((c) => c.source))).toEqual(new Set(['TensorRT-LLM perf overview v0.14.0', ONLINE_SERVING]));
  expect(cases.filter((c) => c.source === 'TensorRT-LLM perf overview v0.14.0').every((c) => c.input.cppExecutor)).toBe(true);
  // held against the published throughputs: with the Python term charged to them, the same terms miss those rows by more
  const sat = flagged.filter((c) => c.metric === 'saturated throughput' && predict(c, SERVING_TERMS) !== undefined);
  const withLoop = medianFactor(sat);
  const charged = medianFactor(sat, { cppExecutor: false });
  expect(withLoop).toBeLessThan(charged);
  expect(withLoop).toBeLessThan(1.25);
});

test('TensorRT-LLM rows hold window layers at full length (its KV cache manager), and that brings gpt-oss\'s rows closer to their measurements', () => {
  const isTrt = (c: FitCase) => c.label.includes('(tensorrt-llm');
  const trt = cases.filter(isTrt);
  expect(trt.every((c) => c.input.windowedKvCache === false)).toBe(true);
  expect(cases.filter((c) => !isTrt(c)).every((c) => c.input.windowedKvCache === undefined)).toBe(true);
  // gpt-oss alternates full and 128-token sliding-window layers; held against the published throughputs
  const gptOss = trt.filter((c) => c.metric === 'saturated throughput' && c.label.startsWith('gpt-oss-'));
  expect(gptOss.length).toBeGreaterThan(20);
  const full = medianFactor(gptOss);
  const windowed = medianFactor(gptOss, { windowedKvCache: true });
  expect(full).toBeLessThan(windowed);
});

test('rows of the tabled kernels are timed no faster than the measured expert-kernel rate, and the Qwen3-30B-A3B NVFP4 rows come closer with it', () => {
  const timed = cases.filter((c) => c.input.expertGemmTflops !== undefined);
  // TensorRT-LLM's PyTorch-backend kernels (not 0.14's built engines) and vLLM's; no SGLang table
  expect(timed.length).toBeGreaterThan(60);
  expect(timed.some((c) => c.source === 'TensorRT-LLM perf overview v0.14.0' || c.label.endsWith('(sglang)'))).toBe(false);
  // held against the published throughputs: one B200 runs Qwen3-30B-A3B's NVFP4 experts with TensorRT-LLM's CUTLASS kernel at
  // about 681 TFLOPS, 7% of the FP4 peak (below its bf16 rate), far under what the fitted expert efficiency gives
  const qwen = timed.filter((c) => c.metric === 'saturated throughput' && c.label.startsWith('Qwen3-30B-A3B nvfp4'));
  expect(qwen.length).toBeGreaterThan(30);
  const held = medianFactor(qwen);
  const free = medianFactor(qwen, { expertGemmTflops: undefined });
  expect(held).toBeLessThan(free);
  expect(held).toBeLessThan(1.25);
});

test('TensorRT-LLM 0.14\'s online-serving table is read where the server kept up, its columns agree, and its TTFTs need the per-request time', () => {
  // the table's two throughput columns agree (achieved requests/s, rounded, against output tokens/s over the output length):
  // a transcription check
  expect(ONLINE_SERVING_ROWS).toHaveLength(60);
  for (const r of ONLINE_SERVING_ROWS) expect(Math.abs(r.outputTokensPerSecond / r.outputTokens - r.requestsPerSecond)).toBeLessThan(1);
  const online = cases.filter((c) => c.source === ONLINE_SERVING);
  // 44 of the 60 rates kept up with (within one request/s of the offered rate); past that the queue grows through the run
  expect(online.filter((c) => c.metric === 'TTFT')).toHaveLength(44);
  expect(online.every((c) => c.metric === 'TTFT' || c.metric === 'low-load ITL')).toBe(true);
  expect(online.some((c) => / r=32 on 4 x /.test(c.label))).toBe(false);
  // held against the measurements: without the fixed per-request time the shortest prompts' TTFTs (Llama 3.1 8B, 202 tokens,
  // 17-21 ms measured) come out about 0.6x, and the worst TTFT of every source grows
  const ttft = cases.filter((c) => c.metric === 'TTFT');
  const worst = (terms: typeof SERVING_TERMS) => Math.max(...ttft.map((c) => factor(c, terms)));
  expect(SERVING_TERMS.requestOverheadMilliseconds).toBeGreaterThan(0.5);
  expect(worst(SERVING_TERMS)).toBeLessThan(1.4);
  expect(worst({ ...SERVING_TERMS, requestOverheadMilliseconds: 0 })).toBeGreaterThan(1.5);
});

test('trtllm-bench\'s offline runs are read as the finite runs the pages publish: a last partial wave lowers the throughput, and the long-output rows come closer', () => {
  const offline = cases.filter((c) => c.metric === 'saturated throughput' && c.source.startsWith('TensorRT-LLM perf overview'));
  // every row of 0.14's and 1.0's tables has a listed shape; the current page lists its shapes but 1000/1000
  for (const source of ['TensorRT-LLM perf overview v0.14.0', 'TensorRT-LLM perf overview v1.0']) {
    expect(offline.filter((c) => c.source === source).every((c) => c.requests !== undefined)).toBe(true);
  }
  expect(offline.filter((c) => c.requests === undefined).every((c) => / 1000\/1000 /.test(c.label))).toBe(true);
  const fp8 = offline.find((c) => c.label === 'Llama-3.1-70B fp8 128/4096 offline-max on 8 x nvidia-h100-80gb (tensorrt-llm)')!;
  expect(fp8.requests).toBe(1500);
  const m = performanceModel({ ...fp8.input, terms: SERVING_TERMS })!;
  const b = m.maxRunningBatch;
  const steady = m.at(4 * b).outputTokensPerSecond;
  // whole waves run at the steady state; 1500 requests on a batch of several hundred leave a last wave of a few, for as long as a
  // full one: the run is slower than the steady state, but faster than if every wave were that small
  expect(b).toBeGreaterThan(500);
  expect(b).toBeLessThan(1500);
  expect(offlineRunThroughput(m, 3 * b)).toBeCloseTo(steady, 6);
  expect(offlineRunThroughput(m, 1500)).toBeLessThan(0.95 * steady);
  expect(offlineRunThroughput(m, 1500)).toBeGreaterThan(m.at(1500 % b).outputTokensPerSecond);
  // fewer requests than the batch: one wave of them
  expect(offlineRunThroughput(m, 40)).toBeCloseTo(m.at(40).outputTokensPerSecond, 6);
  // held against the published throughputs: the 128/4096 rows (1500 requests, the largest batches) were the most over-predicted
  const long = offline.filter((c) => / 128\/4096 /.test(c.label) && predict(c, SERVING_TERMS) !== undefined);
  expect(long.length).toBeGreaterThan(30);
  const steadyOnly = long.map((c) => ({ ...c, requests: undefined }));
  const worst = (cs: readonly FitCase[]) => Math.max(...cs.map((c) => factor(c, SERVING_TERMS)));
  expect(medianFactor(long)).toBeLessThan(medianFactor(steadyOnly));
  expect(worst(long)).toBeLessThan(worst(steadyOnly));
  expect(worst(long)).toBeLessThan(1.65);
});

test('fine-grained MoE models ran below the dense-efficiency estimate: the fitted expert GEMM efficiency is below 1 and closes that gap', () => {
  expect(SERVING_TERMS.expertComputeEfficiency).toBeLessThan(0.95);
  // gpt-oss-120b and Qwen3-30B-A3B (128 experts each) at saturation on TensorRT-LLM
  const moe = cases.filter((c) => c.metric === 'saturated throughput' && /^(gpt-oss-120b|Qwen3-30B-A3B) /.test(c.label));
  expect(moe.length).toBeGreaterThan(20);
  const bias = (t: typeof SERVING_TERMS) => moe.reduce((s, c) => s + Math.log(predict(c, t)! / c.measured), 0) / moe.length;
  expect(bias({ ...SERVING_TERMS, expertComputeEfficiency: 1 })).toBeGreaterThan(bias(SERVING_TERMS));
});

test('the README\'s leave-one-source-out table is the generated one, as the script prints it', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const f2 = (x: number) => x.toFixed(2);
  for (const e of SERVING_TERMS_FIT.leaveOneSourceOut) {
    expect(readme).toContain(`| ${e.metric} | ${e.cases} | ${e.refused} | ${e.sources} | ${f2(e.medianFactor)} | ${f2(e.p90Factor)} | ${f2(e.worstFactor)} |`);
  }
  expect(readme).toContain(`of ${SERVING_TERMS_FIT.rankingPairs} pairs`);
  expect(readme).toContain(`all ${SERVING_TERMS_FIT.rankingPairsAgreeing} are ranked`);
});

test('the input embedding is gathered, not streamed: the 8B bandwidth floor reads the weights but the embedding table', () => {
  // Llama 3.1 8B config.json: vocab_size 128256, hidden_size 4096, tie_word_embeddings false; 16.1 GB of bf16 weights (models.csv)
  const h100 = catalog.accelerator('nvidia-h100-80gb')!;
  const m = performanceModel({
    model: catalog.model(LLAMA_8B)!, accelerator: h100, tensorParallelSize: 1, serverRelease: '0.10.0', workload: catalog.defaultWorkload,
  })!;
  const table = (128256 * 4096 * 2) / 1e9;
  // (to 0.005 ms: the catalog's rounded 16.1 GB for 8.03 B parameters carries 2.005 bytes per parameter)
  expect(m.bandwidthFloorMilliseconds).toBeCloseTo(((16.1 - table) / h100.memoryBandwidthGBps) * 1000, 2);
  expect(m.bandwidthFloorMilliseconds).toBeLessThan((16.1 / h100.memoryBandwidthGBps) * 1000 - 0.3);
  // a tied table (Gemma 2: tie_word_embeddings true) is the output projection too, so it is streamed
  const gemma = catalog.model('google/gemma-2-9b-it')!;
  const g = performanceModel({ model: gemma, accelerator: h100, tensorParallelSize: 1, serverRelease: '0.10.0', workload: catalog.defaultWorkload })!;
  expect(g.bandwidthFloorMilliseconds).toBeCloseTo((gemma.checkpointWeightsGb / h100.memoryBandwidthGBps) * 1000, 6);
});

test('activation traffic bounds a tiny-active MoE at FP4: Qwen3-30B-A3B NVFP4 2048/128 on B200 lands within 1.7x of the measurement', () => {
  // TensorRT-LLM perf overview v1.0: 6,251 output tokens/s on one B200 (trtllm-bench, 2048/128); without the activation traffic
  // the estimate was 2.55x too high, because the FP4 GEMMs of 3.3 B active parameters are fast and the rest is not
  const c = cases.find((x) => x.label === 'Qwen3-30B-A3B nvfp4 2048/128 offline-max on 1 x nvidia-b200 (tensorrt-llm)')!;
  expect(c.measured).toBe(6251);
  expect(factor(c, SERVING_TERMS)).toBeLessThan(1.7);
});

test('DeepSeek-R1 with 8192-token prompts at concurrency 4: the ITL is within 1.4x of InferenceX\'s four tensor-parallel runs', () => {
  // spread evenly over the decode steps, the prompts made every step of a few sequences read about a third of the experts: the
  // estimate was 2.0-2.5x too high; in whole chunks of vLLM's token budget most steps read only the decode tokens' experts
  const r1 = cases.filter((c) => c.metric === 'low-load ITL' && c.label.startsWith('DeepSeek-R1-0528') && c.label.includes('8192/1024 c=4 '));
  expect(r1.map((c) => c.measured).sort((a, b) => a - b)).toEqual([8.04, 9.13, 10.98, 14.93]);
  for (const c of r1) expect(factor(c, SERVING_TERMS)).toBeLessThan(1.4);
});
