/**
 * Performance-model report: how the efficiency constants reproduce Vidur's measured layer timings, the
 * calibration factor (time scale) of every measured point, the leave-one-out and leave-one-model-out
 * errors of the calibrated estimator on the measured points, and the uncertainty bands they give.
 *
 *   npx ts-node --project scripts/tsconfig.json scripts/perf-model-report.ts
 *
 * Deterministic and offline: reads the embedded catalog and ../shared/reference/data/calibration.csv.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseCsv } from './csv';
import { Catalog } from '../src/catalog/catalog';
import {
  CrossValidation,
  calibrationAnchors,
  crossValidatedBands,
  leaveModelOut,
  leaveOneOut,
} from '../src/performance/calibration';
import { PERFORMANCE_CONSTANTS as C } from '../src/performance/performance-constants';

/** The bound the test suite enforces on cross-validated errors: a factor of 2 either way. */
export const CROSS_VALIDATION_BOUND = Math.log(2);

const CALIBRATION_CSV = path.join(__dirname, '..', '..', 'shared', 'reference', 'data', 'calibration.csv');

/** Llama architectures of the Vidur profiles (public config.json values): hidden, intermediate, heads, KV heads. */
const VIDUR_MODELS: Record<string, { hidden: number; intermediate: number; heads: number; kvHeads: number }> = {
  'Llama-2-7b': { hidden: 4096, intermediate: 11008, heads: 32, kvHeads: 32 },
  'Llama-2-70b': { hidden: 8192, intermediate: 28672, heads: 64, kvHeads: 8 },
  'Meta-Llama-3-8B': { hidden: 4096, intermediate: 14336, heads: 32, kvHeads: 8 },
  'Meta-Llama-3-70B': { hidden: 8192, intermediate: 28672, heads: 64, kvHeads: 8 },
};

/** Vidur's `a100` is taken as the 80 GB SXM part, as calibration.csv's derived rows do. */
const VIDUR_GPUS: Record<string, string> = { h100: 'nvidia-h100-80gb', a100: 'nvidia-a100-80gb' };

export interface LayerCheck {
  readonly gpu: string;
  readonly model: string;
  readonly tp: number;
  readonly tokens: number;
  readonly measuredMs: number;
  readonly estimatedMs: number;
}

/** The roofline of one layer's non-attention ops with the model's constants, against Vidur's measured times. */
export function vidurLayerChecks(catalog: Catalog, csvText: string): LayerCheck[] {
  const rows = parseCsv(csvText).filter((r) => r.record_type === 'layer-timing' && r.parameter === 'mlp_ms_per_layer');
  return rows.flatMap((r) => {
    const m = VIDUR_MODELS[r.model];
    const gpu = catalog.accelerator(VIDUR_GPUS[r.gpu] ?? '');
    if (!m || !gpu) return [];
    const tp = Number(r.tp);
    const tokens = Number(r.batch_tokens);
    const headDim = m.hidden / m.heads;
    const params = 2 * m.hidden * m.hidden + 2 * m.hidden * m.kvHeads * headDim + 3 * m.hidden * m.intermediate;
    const memory = (2 * params) / tp / (gpu.memoryBandwidthGBps * 1e9 * C.memoryBandwidthEfficiency.value);
    const compute = (2 * params * tokens) / tp / ((gpu.bf16DenseTflops ?? 0) * 1e12 * C.computeEfficiency.value);
    return [{
      gpu: r.gpu,
      model: r.model,
      tp,
      tokens,
      measuredMs: Number(r.value),
      estimatedMs: Math.max(memory, compute) * 1000 + C.layerLatencyMilliseconds.value,
    }];
  });
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const logAbs = (x: number) => Math.abs(Math.log(1 + x));

function summary(label: string, errors: number[]): string {
  const abs = errors.map(logAbs).sort((a, b) => a - b);
  const median = abs.length % 2 ? abs[(abs.length - 1) / 2] : (abs[abs.length / 2 - 1] + abs[abs.length / 2]) / 2;
  const rms = Math.sqrt(abs.reduce((s, x) => s + x * x, 0) / abs.length);
  return `${label}: max factor ${Math.exp(abs[abs.length - 1]).toFixed(2)}, median factor ${Math.exp(median).toFixed(2)}, `
    + `RMS log error ${rms.toFixed(3)} (bound: factor ${Math.exp(CROSS_VALIDATION_BOUND).toFixed(1)})`;
}

function table(rows: readonly CrossValidation[]): string[] {
  return rows.map((v) => `  ${v.anchor.model} / ${v.anchor.modelServerVersion} / ${v.anchor.acceleratorCount} x ${v.anchor.acceleratorType}: `
    + `time scale ${v.anchor.timeScale.toFixed(3)}, predicted ${v.predictedTimeScale.toFixed(3)}; `
    + `throughput at the measured NTPOT ${pct(v.throughputError)}, NTPOT at the measured load ${pct(v.ntpotError)}`
    + (v.ttftError === undefined ? '' : `, TTFT ${pct(v.ttftError)}`));
}

function main(): void {
  const catalog = Catalog.EMBEDDED;
  const out: string[] = [];
  if (fs.existsSync(CALIBRATION_CSV)) {
    const checks = vidurLayerChecks(catalog, fs.readFileSync(CALIBRATION_CSV, 'utf8'));
    const errors = checks.map((c) => c.estimatedMs / c.measuredMs - 1);
    out.push(`Efficiency constants vs Vidur's measured layer timings (${checks.length} rows of calibration.csv):`);
    out.push(`  ${summary('per-layer time', errors)}`);
    for (const regime of [[1, 128], [256, 4096]]) {
      const sub = checks.filter((c) => c.tokens >= regime[0] && c.tokens <= regime[1]).map((c) => c.estimatedMs / c.measuredMs - 1);
      out.push(`  ${regime[0]}-${regime[1]} tokens per step: mean ${pct(sub.reduce((s, x) => s + x, 0) / sub.length)}, `
        + `range ${pct(Math.min(...sub))} to ${pct(Math.max(...sub))}`);
    }
  }
  const anchors = calibrationAnchors(catalog);
  out.push('', 'Calibration factors (time scale = measured NTPOT / raw NTPOT at the measured load):');
  for (const a of anchors) {
    out.push(`  ${a.model} / ${a.modelServer} ${a.modelServerVersion} / ${a.acceleratorCount} x ${a.acceleratorType}: ${a.outputTokensPerSecond} tok/s at `
      + `${a.ntpotMilliseconds} ms = ${a.concurrency.toFixed(0)} requests in flight; raw ${a.raw.outputTokensPerSecond.toFixed(0)} tok/s at `
      + `${a.raw.ntpotMilliseconds.toFixed(1)} ms (running ${a.raw.runningBatchSize.toFixed(0)}, waiting ${a.raw.waitingQueueSize.toFixed(0)}): time scale ${a.timeScale.toFixed(3)}`);
  }
  const loo = leaveOneOut(catalog, anchors);
  const lmo = leaveModelOut(catalog, anchors);
  out.push('', 'Leave-one-out (each point predicted from all the others):', ...table(loo));
  out.push(`  ${summary('throughput', loo.map((v) => v.throughputError))}`, `  ${summary('NTPOT', loo.map((v) => v.ntpotError))}`);
  out.push('', 'Leave-one-model-out (each point predicted without any point of its model):', ...table(lmo));
  out.push(`  ${summary('throughput', lmo.map((v) => v.throughputError))}`, `  ${summary('NTPOT', lmo.map((v) => v.ntpotError))}`);
  for (const server of catalog.modelServers) {
    const b = crossValidatedBands(catalog, anchors, server.name);
    out.push('', `Uncertainty bands for ${server.name} (multipliers either way): models with measured points x${Math.exp(b.sameModel).toFixed(2)}, `
      + `other models x${Math.exp(b.otherModel).toFixed(2)}, TTFT x${Math.exp(b.ttft).toFixed(2)}`);
  }
  console.log(out.join('\n'));
}

if (require.main === module) main();
