import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { byClass, cli, fails, ok, parseXml } from './support/cli';
import { Catalog } from '../src/catalog/catalog';
import { PlotPoint, renderSvg } from '../src/cli/svg';
import { inflectionPoint, isInfeasible, operatingPoint } from '../src/performance/curve';
import { profileCurves } from '../src/performance/profiles';
import { profileCurves as resolverCurves } from '../src/resolver/resolver';

const GEMMA = 'google/gemma-2-27b-it';
/** The example chart committed under docs/ and shown in the README. */
const DOCS_CHART = path.join(__dirname, '..', 'docs', 'throughput-vs-ntpot.svg');
const DOCS_COMMAND = `profiles plot --model=${GEMMA} --accelerator-type=nvidia-l4,nvidia-h100-80gb --target-ntpot-milliseconds=100`;

/** The curves the resolver would use for gemma on these accelerators, one per accelerator type and count. */
function resolverCurvesOn(accelerators: string[]) {
  const c = Catalog.EMBEDDED;
  return resolverCurves(c, c.model(GEMMA)!, c.modelServer('vllm')!, { model: GEMMA }, undefined)
    .filter((x) => accelerators.includes(x.acceleratorType));
}

test('profiles plot draws well-formed SVG: one series per curve, every point, the inflection, the operating point and the target', () => {
  const svg = parseXml(ok(DOCS_COMMAND));
  expect(svg.name).toBe('svg');
  expect(svg.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
  const series = byClass(svg, 'series');
  const curves = resolverCurvesOn(['nvidia-l4', 'nvidia-h100-80gb']);
  expect(series).toHaveLength(curves.length);
  for (const c of curves) {
    const g = series.find((s) => s.attributes['data-curve'] === `${c.model} / vllm ${c.modelServerVersion} / ${c.acceleratorCount} x ${c.acceleratorType}`)!;
    expect(g.attributes['data-source']).toBe(c.source);
    // every point, filled when measured and hollow when estimated
    expect(byClass(g, 'point')).toHaveLength(c.points.length);
    expect(byClass(g, 'point', c.source === 'measured' ? 'measured' : 'estimated')).toHaveLength(c.points.filter((p) => p.kind === c.source).length);
    const inflection = byClass(g, 'marker', 'inflection');
    expect(inflection).toHaveLength(1);
    expect(Number(inflection[0].attributes['data-ntpot'])).toBeCloseTo(inflectionPoint(c).ntpotMilliseconds, 1);
    // an operating point exactly where the curve reaches NTPOT <= 100 ms, at or below the target
    const op = byClass(g, 'marker', 'operating-point');
    const reachable = !isInfeasible(operatingPoint(c, { ntpotMilliseconds: 100 }));
    expect(op).toHaveLength(reachable ? 1 : 0);
    if (reachable) expect(Number(op[0].attributes['data-ntpot'])).toBeLessThanOrEqual(100);
    // estimates carry their uncertainty band
    expect(byClass(g, 'band')).toHaveLength(c.source === 'estimated' && c.points.length > 1 ? 1 : 0);
  }
  // the published L4 point (425 tok/s at 1085 ms) misses a 100 ms target: no ring, and the legend says so
  const l4 = series.find((s) => s.attributes['data-curve'] === `${GEMMA} / vllm v0.7.2 / 4 x nvidia-l4`)!;
  expect(byClass(l4, 'point', 'measured')[0].attributes).toMatchObject({ 'data-ntpot': '1085', 'data-throughput': '425', 'data-kind': 'measured' });
  expect(byClass(l4, 'marker', 'operating-point')).toHaveLength(0);
  expect(byClass(svg, 'legend-detail').map((e) => e.text)).toContain('vllm v0.7.2, measured; misses the target');
  expect(byClass(svg, 'marker', 'operating-point').length).toBeGreaterThan(0);
  expect(byClass(svg, 'target', 'ntpot')[0].attributes['data-ntpot']).toBe('100');
  const legend = byClass(svg, 'legend')[0];
  expect(byClass(legend, 'legend-label').map((e) => e.text)).toContain('4 x nvidia-l4 (g2-standard-48)');
  const keys = legend.children.filter((e) => e.name === 'text').map((e) => e.text);
  expect(keys).toEqual(expect.arrayContaining(['measured point', 'estimated point (dashed curve)', 'inflection point', 'operating point for the target']));
});

test('the chart committed under docs/ is what the CLI draws now', () => {
  const now = ok(DOCS_COMMAND);
  if (fs.readFileSync(DOCS_CHART, 'utf8') !== now) {
    throw new Error(`docs/throughput-vs-ntpot.svg is stale; regenerate it with: npx ts-node src/cli/main.ts ${DOCS_COMMAND} --output-path=docs/throughput-vs-ntpot.svg`);
  }
});

test('without a target: inflection points only, no target line; filters by accelerator; writes --output-path', () => {
  const svg = parseXml(ok(`profiles plot --model=${GEMMA} --accelerator-type=nvidia-l4,nvidia-h100-80gb`));
  const series = byClass(svg, 'series');
  expect(new Set(series.map((s) => s.attributes['data-curve'].split(' x ')[1]))).toEqual(new Set(['nvidia-l4', 'nvidia-h100-80gb']));
  expect(byClass(svg, 'marker', 'inflection')).toHaveLength(series.length);
  expect(byClass(svg, 'marker', 'operating-point')).toHaveLength(0);
  expect(byClass(svg, 'target')).toHaveLength(0);

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-plot-')), 'chart.svg');
  expect(cli(`${DOCS_COMMAND} --output-path=${file}`)).toEqual({ code: 0, out: '', err: `Wrote ${file}\n` });
  expect(fs.readFileSync(file, 'utf8')).toBe(ok(DOCS_COMMAND));
});

test('renderSvg: measured points filled on a solid curve, estimated points hollow on a dashed one; text is escaped', () => {
  const p = (ntpot: number, tps: number, kind: PlotPoint['kind']): PlotPoint => ({ ntpotMilliseconds: ntpot, outputTokensPerSecond: tps, kind });
  const e = (ntpot: number, tps: number): PlotPoint => ({
    ...p(ntpot, tps, 'estimated'), ntpotMillisecondsLow: ntpot / 2, ntpotMillisecondsHigh: ntpot * 2, outputTokensPerSecondLow: tps / 2, outputTokensPerSecondHigh: tps * 2,
  });
  const spec = {
    title: 'A <chart> & "quotes"',
    subtitle: 'it\'s',
    targetNtpotMilliseconds: 100,
    series: [
      {
        id: 'm',
        label: 'measured curve',
        detail: 'x',
        source: 'measured' as const,
        points: [p(30, 500, 'measured'), p(67, 2000, 'measured'), p(300, 2050, 'measured')],
        inflection: p(67, 2000, 'measured'),
        operatingPoint: p(100, 2010, 'interpolated'),
      },
      {
        id: 'e',
        label: 'estimated curve',
        detail: 'y',
        source: 'estimated' as const,
        points: [e(120, 100), e(200, 440), e(6000, 460)],
        inflection: e(200, 440),
      },
    ],
  };
  const text = renderSvg(spec);
  expect(renderSvg(JSON.parse(JSON.stringify(spec)))).toBe(text);
  const svg = parseXml(text);
  expect(byClass(svg, 'title')[0].text).toBe('A &lt;chart&gt; &amp; &quot;quotes&quot;');
  const [measured, estimated] = byClass(svg, 'series');
  const line = (g: typeof measured) => g.children.find((x) => x.name === 'polyline')!;
  expect(line(measured).attributes['stroke-dasharray']).toBeUndefined();
  expect(line(measured).attributes.points.split(' ')).toHaveLength(3);
  expect(line(estimated).attributes['stroke-dasharray']).toBe('5 3');
  for (const c of byClass(measured, 'point', 'measured')) expect(c.attributes.fill).not.toBe('#ffffff');
  expect(byClass(estimated, 'point', 'estimated')).toHaveLength(3);
  for (const c of byClass(estimated, 'point', 'estimated')) expect(c.attributes.fill).toBe('#ffffff');
  expect(byClass(measured, 'marker', 'operating-point')[0].attributes['data-kind']).toBe('interpolated');
  expect(byClass(estimated, 'marker', 'operating-point')).toHaveLength(0);
  // the band runs from the fast, high-throughput edge to the slow, low-throughput one: 3 points each
  expect(byClass(estimated, 'band')[0].attributes.points.split(' ')).toHaveLength(6);
  expect(byClass(measured, 'band')).toHaveLength(0);
  expect(svg.children.find((x) => x.attributes.class === 'legend')!.children.map((x) => x.text)).toContain('uncertainty band of an estimate');
  // the x axis spans the points, the bands (up to 2 x 6000 ms) and the target on a log scale with 1-2-5 ticks
  const ticks = byClass(svg, 'tick', 'x').map((x) => x.text);
  expect(ticks).toEqual(['20', '50', '100', '200', '500', '1k', '2k', '5k', '10k', '20k']);
  expect(() => renderSvg({ title: '', subtitle: '', series: [] })).toThrow(/nothing to plot/);
});

test('the XML checker rejects what is not well formed', () => {
  expect(() => parseXml('<a><b></a></b>')).toThrow(/closes/);
  expect(() => parseXml('<a>x & y</a>')).toThrow(/bare '&'/);
  expect(() => parseXml('<a x="1" x="2"/>')).toThrow(/duplicate attribute/);
  expect(() => parseXml('<a/><b/>')).toThrow(/more than one root/);
  expect(() => parseXml('<a>')).toThrow(/never closed/);
  expect(() => parseXml('<a x=1/>')).toThrow(/malformed tag/);
});

test('profiles plot fails in one line for an unknown model, an accelerator without a profile, or a missing --model', () => {
  expect(fails('profiles plot --model=google/gemma-27b')).toMatch(/Unknown model 'google\/gemma-27b' \(--model\)\. Closest catalog models: /);
  const withProfiles = new Set(profileCurves(Catalog.EMBEDDED).filter((c) => c.model === GEMMA).map((c) => c.acceleratorType));
  const without = Catalog.EMBEDDED.accelerators.find((a) => a.family === 'gpu' && !withProfiles.has(a.gkeLabel)
    && Catalog.EMBEDDED.machineTypes.some((m) => m.accelerator === a.gkeLabel));
  if (without) {
    expect(fails(`profiles plot --model=${GEMMA} --accelerator-type=${without.gkeLabel}`))
      .toMatch(new RegExp(`No profile for google/gemma-2-27b-it on ${without.gkeLabel}\\. Accelerators with profiles: `));
  }
  expect(fails('profiles plot', 2)).toMatch(/Missing required flag --model for 'profiles plot'/);
});
