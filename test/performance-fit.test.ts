import * as fs from 'fs';
import {
  BENCHMARKS_CSV,
  FitCase,
  factor,
  fitCases,
  fitTerms,
  leaveOneSourceOut,
  metricErrors,
  predict,
  rankingChecks,
} from '../scripts/fit-serving-terms';
import { Catalog } from '../src/catalog/catalog';
import { performanceModel } from '../src/performance/estimator';
import { profileCurves } from '../src/performance/profiles';
import { SERVING_TERMS, SERVING_TERMS_FIT } from '../src/performance/serving-terms.generated';

const catalog = Catalog.EMBEDDED;
const cases = fitCases(catalog, fs.readFileSync(BENCHMARKS_CSV, 'utf8'));
const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';

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
// 1.6: met for the medians of saturated throughput and TTFT and the worst TTFT; the low-load ITL median (1.31) and the
// worst saturated throughput (one GB200 row the data's own notes call a configuration artefact) miss them.
test('leave-one-source-out error per metric stays within what the README states', () => {
  const bounds: Record<string, { median: number; worst: number }> = {
    'low-load ITL': { median: 1.35, worst: 1.7 },
    'saturated throughput': { median: 1.2, worst: 6 },
    'TTFT': { median: 1.15, worst: 1.35 },
    'GIQ NTPOT': { median: 1.35, worst: 2.1 },
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
  const disagreeing = pairs.filter((p) => !p.agrees);
  // one pair disagrees: Qwen3-30B-A3B 128/128, RTX PRO 6000 measured above GB200 (a GB200 row the source calls a configuration artefact)
  expect(disagreeing.length).toBeLessThanOrEqual(1);
  for (const p of disagreeing) expect(p.group).toMatch(/Qwen3-30B-A3B/);
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
  // the catalog's estimated curves (B200 only as whole 8-GPU machines) still give B200 more output per GPU
  const curves = profileCurves(catalog, LLAMA_8B).filter((c) => c.source === 'estimated');
  const perGpu = (label: string) => Math.max(...curves.filter((c) => c.acceleratorType === label)
    .flatMap((c) => c.points.map((p) => p.outputTokensPerSecond / c.acceleratorCount)));
  expect(perGpu('nvidia-b200')).toBeGreaterThan(perGpu('nvidia-h100-80gb'));
});
