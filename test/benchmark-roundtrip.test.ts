/**
 * Honest imports: `benchmarks list` output fed back to the catalog changes nothing. Its estimated and interpolated rows stay
 * estimates (they are not imported), and its measured rows are the catalog's published points, which keep their source.
 */
import { InferenceCatalog } from '../src';
import { ok } from './support/cli';

const MODEL = 'google/gemma-2-27b-it';

test('benchmarks list -> addBenchmarksFromCsv changes no resolution and relabels nothing', () => {
  const csv = ok(['benchmarks', 'list', `--model=${MODEL}`, '--model-server=vllm', '--format=csv']);
  const lines = csv.trim().split('\n');
  // the file holds both kinds: measured points and many estimates
  expect(lines.filter((l) => /,estimated,/.test(l)).length).toBeGreaterThan(100);
  expect(lines.filter((l) => /,measured,/.test(l)).length).toBeGreaterThan(0);

  const embedded = InferenceCatalog.embedded();
  const again = embedded.addBenchmarksFromCsv(csv);
  expect(again.measuredPointCount).toBe(embedded.measuredPointCount);
  for (const request of [
    { model: MODEL },
    { model: MODEL, acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100 },
    { model: MODEL, acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 60 },
  ]) {
    const a = embedded.resolve(request);
    const b = again.resolve(request);
    expect(b.source).toBe(a.source);
    expect(b.performance).toEqual(a.performance);
    expect(b.profileCitation).toBe(a.profileCitation);
  }
});

test('a file of estimates only is refused, naming why', () => {
  const csv = ok(['benchmarks', 'list', `--model=${MODEL}`, '--model-server=vllm', '--format=csv']);
  const [header, ...rows] = csv.trim().split('\n');
  const estimates = [header, ...rows.filter((r) => /,estimated,/.test(r))].join('\n');
  expect(() => InferenceCatalog.embedded().addBenchmarksFromCsv(estimates)).toThrow(/every point of the file is labelled estimated or interpolated/);
});

test('a new measurement with a Source column of measured is imported as the user\'s', () => {
  const csv = [
    'Model,Model Server,Model Server Version,Accelerator,Accelerator Count,Output Tokens/s,NTPOT(ms),Source',
    `${MODEL},vllm,v0.7.2,nvidia-l4,4,321,47,measured`,
    `${MODEL},vllm,v0.7.2,nvidia-l4,4,999,140,measured`,
  ].join('\n');
  const catalog = InferenceCatalog.embedded().addBenchmarksFromCsv(csv, { source: 'our load test' });
  const r = catalog.resolve({ model: MODEL, acceleratorType: 'nvidia-l4', modelServerVersion: 'v0.7.2', targetNtpotMilliseconds: 140 });
  expect(r.source).toBe('measured');
  expect(r.profileCitation).toMatch(/our load test/);
});
