/**
 * A small, dependency-free SVG chart of output throughput against NTPOT on log-log axes (the view of
 * GKE Inference Quickstart's notebook): one series per profile curve, measured points filled and
 * estimated points hollow (estimated curves dashed), the inflection point as a diamond, the operating
 * point for the target as a ring, and the NTPOT target as a dashed vertical line. Deterministic: the
 * same input gives the same bytes.
 */

export interface PlotPoint {
  /** NTPOT, ms. */
  readonly ntpotMilliseconds: number;
  /** Output tokens per second. */
  readonly outputTokensPerSecond: number;
  readonly kind: 'measured' | 'interpolated' | 'estimated';
  /** Uncertainty band of an estimated point: the point may lie between (ntpotLow, throughputHigh) and (ntpotHigh, throughputLow). */
  readonly ntpotMillisecondsLow?: number;
  readonly ntpotMillisecondsHigh?: number;
  readonly outputTokensPerSecondLow?: number;
  readonly outputTokensPerSecondHigh?: number;
}

export interface PlotSeries {
  /** Stable id of the curve (written to `data-curve`). */
  readonly id: string;
  /** First legend line. */
  readonly label: string;
  /** Second legend line. */
  readonly detail: string;
  readonly source: 'measured' | 'estimated';
  readonly points: readonly PlotPoint[];
  readonly inflection: PlotPoint;
  /** The operating point for the target; absent without a target or when the curve misses it. */
  readonly operatingPoint?: PlotPoint;
}

export interface PlotSpec {
  readonly title: string;
  readonly subtitle: string;
  readonly series: readonly PlotSeries[];
  readonly targetNtpotMilliseconds?: number;
}

const PALETTE = ['#1a73e8', '#d93025', '#188038', '#e37400', '#9334e6', '#007b83', '#b31412', '#5f6368'];
const INK = '#202124';
const WIDTH = 1040;
const LEFT = 80;
const TOP = 70;
const PLOT_W = 560;
const PLOT_H = 400;
const LEGEND_X = LEFT + PLOT_W + 30;

const f = (x: number) => {
  const s = x.toFixed(1);
  return s === '-0.0' ? '0.0' : s;
};

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The largest 1-2-5 step value at or below v. */
function niceFloor(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return [5, 2, 1].map((m) => m * p).find((x) => x <= v * (1 + 1e-9)) ?? p;
}

/** The smallest 1-2-5 step value at or above v. */
function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((x) => x >= v * (1 - 1e-9))!;
}

interface LogAxis {
  readonly lo: number;
  readonly hi: number;
  readonly ticks: number[];
}

function logAxis(values: readonly number[]): LogAxis {
  const lo = niceFloor(Math.min(...values) / 1.25);
  const hi = niceCeil(Math.max(...values) * 1.25);
  const steps = (ms: number[]) => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of ms) {
        const t = Number((m * 10 ** e).toPrecision(6));
        if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) out.push(t);
      }
    }
    return out;
  };
  const fine = steps([1, 2, 5]);
  return { lo, hi, ticks: fine.length <= 10 ? fine : steps([1]) };
}

function scale(axis: LogAxis, v: number, length: number): number {
  return ((Math.log10(v) - Math.log10(axis.lo)) / (Math.log10(axis.hi) - Math.log10(axis.lo))) * length;
}

function tickLabel(v: number): string {
  return v >= 1000 ? `${Number((v / 1000).toPrecision(6))}k` : String(Number(v.toPrecision(6)));
}

/** Renders the chart. Throws when there is no series to draw. */
export function renderSvg(spec: PlotSpec): string {
  if (spec.series.length === 0) throw new Error('nothing to plot: no profile curve was selected');
  const all = spec.series.flatMap((s) => [...s.points, s.inflection, ...(s.operatingPoint ? [s.operatingPoint] : [])]);
  const banded = spec.series.filter((s) => band(s) !== undefined);
  const edgePoints = banded.flatMap((s) => [...band(s)!.upper, ...band(s)!.lower]);
  const xAxis = logAxis([...all.map((p) => p.ntpotMilliseconds), ...edgePoints.map(([n]) => n),
    ...(spec.targetNtpotMilliseconds ? [spec.targetNtpotMilliseconds] : [])]);
  const yAxis = logAxis([...all.map((p) => p.outputTokensPerSecond), ...edgePoints.map(([, t]) => t)]);
  const x = (v: number) => LEFT + scale(xAxis, v, PLOT_W);
  const y = (v: number) => TOP + PLOT_H - scale(yAxis, v, PLOT_H);
  const legendHeight = 40 + spec.series.length * 40 + 6 * 22;
  const height = Math.max(TOP + PLOT_H + 70, TOP + legendHeight);
  const out: string[] = [];
  const add = (s: string) => out.push(s);

  add(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" `
    + 'font-family="Helvetica, Arial, sans-serif" font-size="12">');
  add(`  <title>${escapeXml(spec.title)}</title>`);
  add(`  <desc>${escapeXml(spec.subtitle)}</desc>`);
  add(`  <rect class="background" x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  add(`  <text class="title" x="${LEFT}" y="30" font-size="16" font-weight="bold" fill="${INK}">${escapeXml(spec.title)}</text>`);
  add(`  <text class="subtitle" x="${LEFT}" y="50" fill="#5f6368">${escapeXml(spec.subtitle)}</text>`);

  // grid, axes and ticks
  add('  <g class="grid" stroke="#e8eaed" stroke-width="1">');
  for (const t of xAxis.ticks) add(`    <line x1="${f(x(t))}" y1="${TOP}" x2="${f(x(t))}" y2="${TOP + PLOT_H}"/>`);
  for (const t of yAxis.ticks) add(`    <line x1="${LEFT}" y1="${f(y(t))}" x2="${LEFT + PLOT_W}" y2="${f(y(t))}"/>`);
  add('  </g>');
  add(`  <g class="axes" fill="${INK}">`);
  add(`    <rect x="${LEFT}" y="${TOP}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="${INK}"/>`);
  for (const t of xAxis.ticks) {
    add(`    <text class="tick x" x="${f(x(t))}" y="${TOP + PLOT_H + 18}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  for (const t of yAxis.ticks) {
    add(`    <text class="tick y" x="${LEFT - 8}" y="${f(y(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`);
  }
  add(`    <text class="axis-label x" x="${LEFT + PLOT_W / 2}" y="${TOP + PLOT_H + 45}" text-anchor="middle">`
    + 'NTPOT, normalized time per output token (ms, log scale)</text>');
  add(`    <text class="axis-label y" x="${LEFT - 55}" y="${TOP + PLOT_H / 2}" text-anchor="middle" `
    + `transform="rotate(-90 ${LEFT - 55} ${TOP + PLOT_H / 2})">Output tokens/s (log scale)</text>`);
  add('  </g>');

  if (spec.targetNtpotMilliseconds !== undefined) {
    const tx = f(x(spec.targetNtpotMilliseconds));
    add(`  <g class="target ntpot" data-ntpot="${spec.targetNtpotMilliseconds}">`);
    add(`    <line x1="${tx}" y1="${TOP}" x2="${tx}" y2="${TOP + PLOT_H}" stroke="${INK}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
    // the label sits on the side of the line with more room
    const right = x(spec.targetNtpotMilliseconds) < LEFT + PLOT_W / 2;
    add(`    <text x="${f(x(spec.targetNtpotMilliseconds) + (right ? 4 : -4))}" y="${TOP + 14}" text-anchor="${right ? 'start' : 'end'}" `
      + `fill="${INK}">target NTPOT ${spec.targetNtpotMilliseconds} ms</text>`);
    add('  </g>');
  }

  spec.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const dash = s.source === 'estimated' ? ' stroke-dasharray="5 3"' : '';
    add(`  <g class="series" data-curve="${escapeXml(s.id)}" data-source="${s.source}">`);
    const edges = band(s);
    if (edges) {
      const corners = [...edges.upper, ...[...edges.lower].reverse()].map(([n, t]) => `${f(x(n))},${f(y(t))}`);
      add(`    <polygon class="band" points="${corners.join(' ')}" fill="${color}" fill-opacity="0.08" stroke="none"/>`);
    }
    const line = [...s.points].sort((a, b) => a.ntpotMilliseconds - b.ntpotMilliseconds);
    if (line.length > 1) {
      add(`    <polyline class="curve" points="${line.map((p) => `${f(x(p.ntpotMilliseconds))},${f(y(p.outputTokensPerSecond))}`).join(' ')}" `
        + `fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    }
    for (const p of s.points) {
      const measured = p.kind === 'measured';
      add(`    <circle class="point ${measured ? 'measured' : 'estimated'}" ${data(p)} cx="${f(x(p.ntpotMilliseconds))}" `
        + `cy="${f(y(p.outputTokensPerSecond))}" r="4" fill="${measured ? color : '#ffffff'}" stroke="${color}" stroke-width="1.5"/>`);
    }
    const ix = x(s.inflection.ntpotMilliseconds);
    const iy = y(s.inflection.outputTokensPerSecond);
    add(`    <path class="marker inflection" ${data(s.inflection)} d="M ${f(ix)} ${f(iy - 8)} L ${f(ix + 8)} ${f(iy)} L ${f(ix)} ${f(iy + 8)} `
      + `L ${f(ix - 8)} ${f(iy)} Z" fill="none" stroke="${INK}" stroke-width="1.5"/>`);
    if (s.operatingPoint) {
      add(`    <circle class="marker operating-point" ${data(s.operatingPoint)} cx="${f(x(s.operatingPoint.ntpotMilliseconds))}" `
        + `cy="${f(y(s.operatingPoint.outputTokensPerSecond))}" r="11" fill="none" stroke="${color}" stroke-width="2.5"/>`);
    }
    add('  </g>');
  });

  // legend: one entry per series, then the marker key
  add(`  <g class="legend" fill="${INK}">`);
  add(`    <text x="${LEGEND_X}" y="${TOP + 4}" font-weight="bold">Profiles</text>`);
  spec.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const ly = TOP + 26 + i * 40;
    const dash = s.source === 'estimated' ? ' stroke-dasharray="5 3"' : '';
    add(`    <line x1="${LEGEND_X}" y1="${ly - 4}" x2="${LEGEND_X + 22}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dash}/>`);
    add(`    <circle cx="${LEGEND_X + 11}" cy="${ly - 4}" r="4" fill="${s.source === 'measured' ? color : '#ffffff'}" stroke="${color}" stroke-width="1.5"/>`);
    add(`    <text class="legend-label" x="${LEGEND_X + 30}" y="${ly}">${escapeXml(s.label)}</text>`);
    add(`    <text class="legend-detail" x="${LEGEND_X + 30}" y="${ly + 15}" font-size="11" fill="#5f6368">${escapeXml(s.detail)}</text>`);
  });
  const ky = TOP + 26 + spec.series.length * 40 + 6;
  const keys: Array<[string, string]> = [
    [`<circle cx="${LEGEND_X + 11}" cy="${ky - 4}" r="4" fill="${INK}"/>`, 'measured point'],
    [`<circle cx="${LEGEND_X + 11}" cy="${ky + 18}" r="4" fill="#ffffff" stroke="${INK}" stroke-width="1.5"/>`, 'estimated point (dashed curve)'],
    [`<path d="M ${LEGEND_X + 11} ${ky + 32} L ${LEGEND_X + 19} ${ky + 40} L ${LEGEND_X + 11} ${ky + 48} L ${LEGEND_X + 3} ${ky + 40} Z" `
      + `fill="none" stroke="${INK}" stroke-width="1.5"/>`, 'inflection point'],
    [`<circle cx="${LEGEND_X + 11}" cy="${ky + 62}" r="9" fill="none" stroke="${INK}" stroke-width="2.5"/>`, 'operating point for the target'],
    ...(banded.length > 0
      ? [[`<rect x="${LEGEND_X + 1}" y="${ky + 80}" width="20" height="10" fill="${INK}" fill-opacity="0.15"/>`, 'uncertainty band of an estimate'] as [string, string]]
      : []),
  ];
  keys.forEach(([shape, label], k) => {
    add(`    ${shape}`);
    add(`    <text x="${LEGEND_X + 30}" y="${ky + k * 22}">${label}</text>`);
  });
  add('  </g>');
  add('</svg>');
  return `${out.join('\n')}\n`;
}

/** The band's upper (fast, high-throughput) and lower edges, when every point of an estimated series has one. */
function band(s: PlotSeries): { upper: Array<[number, number]>; lower: Array<[number, number]> } | undefined {
  if (s.source !== 'estimated' || s.points.length < 2) return undefined;
  const pts = [...s.points].sort((a, b) => a.outputTokensPerSecond - b.outputTokensPerSecond);
  const complete = (p: PlotPoint) => p.ntpotMillisecondsLow && p.ntpotMillisecondsHigh && p.outputTokensPerSecondLow && p.outputTokensPerSecondHigh;
  if (!pts.every(complete)) return undefined;
  return {
    upper: pts.map((p) => [p.ntpotMillisecondsLow!, p.outputTokensPerSecondHigh!]),
    lower: pts.map((p) => [p.ntpotMillisecondsHigh!, p.outputTokensPerSecondLow!]),
  };
}

function data(p: PlotPoint): string {
  return `data-ntpot="${Number(p.ntpotMilliseconds.toFixed(1))}" data-throughput="${Number(p.outputTokensPerSecond.toFixed(1))}" data-kind="${p.kind}"`;
}
