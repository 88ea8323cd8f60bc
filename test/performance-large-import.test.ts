import { GENERATED_MODEL, generatedBenchmarkCsv } from '../scripts/generated-benchmarks';
import { InferenceCatalog, ProfileSource } from '../src';
import {
  MAX_CROSS_VALIDATED_POINTS_PER_COMBINATION,
  calibrationAnchors,
  calibrationIndex,
  leaveOneOut,
  predictTimeScale,
  sampledAnchors,
} from '../src/performance/calibration';
import { profileCurves } from '../src/performance/profiles';

const LLAMA = GENERATED_MODEL;
const generatedCsv = generatedBenchmarkCsv;

// Not a timing test: before the calibration index, 20k points took over two minutes (an explanation over every anchor
// per curve, and leave-one-out predictions that each scanned every anchor); the timeout only catches a return to that.
test('20,000 imported points import and resolve', () => {
  const catalog = InferenceCatalog.embedded().addBenchmarksFromCsv(generatedCsv(20_000), { source: 'generated sweep' });
  expect(catalog.measuredPointCount).toBeGreaterThanOrEqual(20_000);
  const r = catalog.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4' });
  expect(r.source).toBe(ProfileSource.MEASURED);
  // another model's estimate is calibrated on the imported points without enumerating them
  const other = catalog.resolve({ model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4' });
  expect(other.source).toBe(ProfileSource.ESTIMATED);
  const curve = profileCurves(catalog._catalog, 'google/gemma-2-9b-it').find((c) => c.source === 'estimated')!;
  expect(curve.estimate!.calibration.length).toBeLessThan(2_000);
  expect(curve.estimate!.calibration).toMatch(/and \d+ more combination|points\)/);
}, 120_000);

test('the bands are cross-validated on a bounded sample of each combination, the predictions on every point', () => {
  const catalog = InferenceCatalog.embedded().addBenchmarksFromCsv(generatedCsv(5_000))._catalog;
  const anchors = calibrationAnchors(catalog);
  const sample = sampledAnchors(anchors);
  // five imported combinations of 1,000 points, each sampled down; the published points are all kept
  expect(sample.length).toBeLessThanOrEqual(catalog.measuredPoints.length - 5_000 + 5 * MAX_CROSS_VALIDATED_POINTS_PER_COMBINATION);
  expect(sample.length).toBeGreaterThan(5 * MAX_CROSS_VALIDATED_POINTS_PER_COMBINATION);
  // the sample spans each curve: its lowest and highest loads are kept
  const l4 = anchors.filter((a) => a.acceleratorType === 'nvidia-l4' && a.acceleratorCount === 1 && a.model === LLAMA);
  const loads = l4.map((a) => a.concurrency);
  const sampled = sample.filter((a) => l4.includes(a)).map((a) => a.concurrency);
  expect(Math.min(...sampled)).toBe(Math.min(...loads));
  expect(Math.max(...sampled)).toBe(Math.max(...loads));
  // the index gives the same time scale as the weighted geometric mean written out over every anchor
  const key = { model: 'google/gemma-2-9b-it', modelServer: 'vllm', modelServerVersion: 'v0.11.2', acceleratorType: 'nvidia-l4', acceleratorCount: 1 };
  const vllm = anchors.filter((a) => a.modelServer === 'vllm');
  const w = vllm.map((a) => a.weight
    * (1 + 3 * +(a.model.toLowerCase() === key.model.toLowerCase()) + 1 * +(a.acceleratorType === key.acceleratorType)));
  const direct = Math.exp(vllm.reduce((s, a, i) => s + w[i] * Math.log(a.timeScale), 0) / w.reduce((s, x) => s + x, 0));
  expect(predictTimeScale(calibrationIndex(anchors), key).timeScale).toBeCloseTo(Math.max(0.8, direct), 9);
});

test('leave-one-out through the index equals predicting each point from the others', () => {
  const catalog = InferenceCatalog.embedded()._catalog;
  const anchors = calibrationAnchors(catalog);
  for (const v of leaveOneOut(catalog, anchors)) {
    const others = anchors.filter((a) => a !== v.anchor);
    expect(v.predictedTimeScale).toBeCloseTo(predictTimeScale(others, v.anchor).timeScale, 9);
  }
});
