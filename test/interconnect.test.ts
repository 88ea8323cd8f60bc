import * as fs from 'fs';
import * as path from 'path';
import { Catalog } from '../src/catalog/catalog';
import { allReduceLinkBytesPerSecond, allReduceSeconds } from '../src/performance/estimator';
import { ACCELERATOR_PERFORMANCE, PERFORMANCE_CONSTANTS } from '../src/performance/performance-constants';

/**
 * The tensor-parallel all-reduce of the performance model held against TensorRT-LLM's all-reduce as NVIDIA's aiconfigurator
 * timed it on 2, 4 and 8 GPUs (an extract of its tables, with their path, in fixtures/aiconfigurator-allreduce.json).
 */
interface AllReduceTable {
  readonly source: string;
  readonly systems: Record<string, { readonly system: string; readonly points: Array<[number, number, number]> }>;
}
interface Fixture extends AllReduceTable {
  /** NCCL's all-reduce on the PCIe server, what vLLM uses on more than two PCIe-only GPUs. */
  readonly nccl: AllReduceTable;
}
const TABLE: Fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'aiconfigurator-allreduce.json'), 'utf8'));
const catalog = Catalog.EMBEDDED;

/** The messages of serving steps: 64 to 4096 tokens of an 8192-wide model, 1 to 64 MiB of bf16 (512Ki to 32Mi elements). */
const servingPoints = (label: string, table: AllReduceTable = TABLE) =>
  table.systems[label].points.filter(([, elements]) => elements >= 512 * 1024 && elements <= 32 * 1024 * 1024);

/** Root-mean-square log error of the model's all-reduce time, as a factor, at a link bandwidth. */
function rmsFactor(label: string, linkBytesPerSecond: number, table: AllReduceTable = TABLE): number {
  const points = servingPoints(label, table);
  const sq = points.reduce((s, [gpus, elements, us]) => s + Math.log((allReduceSeconds(linkBytesPerSecond, gpus, elements * 2) * 1e6) / us) ** 2, 0);
  return Math.exp(Math.sqrt(sq / points.length));
}

/** The all-reduce share of the link that fits the measured times best (grid of 0.005). */
function bestShare(label: string, table: AllReduceTable = TABLE): number {
  const link = ACCELERATOR_PERFORMANCE[label].interconnectGBps * 1e9;
  let best = { share: 0, error: Infinity };
  for (let share = 0.1; share <= 1.0001; share += 0.005) {
    const error = rmsFactor(label, link * share, table);
    if (error < best.error) best = { share, error };
  }
  return best.share;
}

describe('tensor-parallel all-reduce against measured times', () => {
  test('the fixture is the aiconfigurator extract the constants cite, 2, 4 and 8 GPUs for every system', () => {
    expect(TABLE.source).toContain('ai-dynamo/aiconfigurator@095f58a5');
    expect(TABLE.nccl.source).toContain('comm/nccl/2.29.2/nccl_perf.parquet');
    expect(PERFORMANCE_CONSTANTS.interconnectEfficiency.source).toContain('custom_allreduce_perf.parquet');
    for (const [label, t] of Object.entries(TABLE.systems)) {
      expect(catalog.accelerator(label)).toBeDefined();
      expect(new Set(t.points.map(([gpus]) => gpus))).toEqual(new Set([2, 4, 8]));
      expect(servingPoints(label).length).toBeGreaterThanOrEqual(18);
    }
  });

  test('a PCIe link carries an all-reduce at about 0.42 of its bandwidth, half what NVLink reaches', () => {
    // the library's share on the PCIe server, held to what TensorRT-LLM's all-reduce and NCCL's (what vLLM runs on more than two
    // PCIe-only GPUs) fit
    const rtx = catalog.accelerator('nvidia-rtx-pro-6000')!;
    const link = allReduceLinkBytesPerSecond(rtx);
    const share = link / (ACCELERATOR_PERFORMANCE['nvidia-rtx-pro-6000'].interconnectGBps * 1e9);
    expect(Math.abs(bestShare('nvidia-rtx-pro-6000') - share)).toBeLessThanOrEqual(0.03);
    expect(Math.abs(bestShare('nvidia-rtx-pro-6000', TABLE.nccl) - share)).toBeLessThanOrEqual(0.03);
    expect(servingPoints('nvidia-rtx-pro-6000', TABLE.nccl).length).toBeGreaterThanOrEqual(18);
    expect(rmsFactor('nvidia-rtx-pro-6000', link)).toBeLessThan(1.3);
    expect(rmsFactor('nvidia-rtx-pro-6000', link, TABLE.nccl)).toBeLessThan(1.3);
    // at the NVLink share the model would take the PCIe all-reduce for nearly twice as fast as it runs
    expect(rmsFactor('nvidia-rtx-pro-6000', 64e9 * PERFORMANCE_CONSTANTS.interconnectEfficiency.value)).toBeGreaterThan(1.6);
  });

  test('the other PCIe parts (L4, T4) and an unknown GPU take the share measured over PCIe', () => {
    const measured = bestShare('nvidia-rtx-pro-6000', TABLE.nccl);
    const shareOf = (accelerator: ReturnType<typeof catalog.accelerator> & object, gbps: number) =>
      allReduceLinkBytesPerSecond(accelerator) / (gbps * 1e9);
    for (const label of ['nvidia-l4', 'nvidia-tesla-t4']) {
      const share = shareOf(catalog.accelerator(label)!, ACCELERATOR_PERFORMANCE[label].interconnectGBps);
      expect(Math.abs(share - measured)).toBeLessThanOrEqual(0.03);
    }
    // a GPU the library does not know is taken as PCIe Gen4 x16 (32 GB/s per direction), at the same share
    const unknown = { ...catalog.accelerator('nvidia-l4')!, gkeLabel: 'nvidia-future-gpu' };
    expect(Math.abs(shareOf(unknown, 32) - measured)).toBeLessThanOrEqual(0.03);
  });

  test('on NVLink the model\'s share lies within the range the H100, H200 and B200 tables fit best', () => {
    const shares = ['nvidia-h100-80gb', 'nvidia-h200-141gb', 'nvidia-b200'].map((label) => bestShare(label));
    const constant = PERFORMANCE_CONSTANTS.interconnectEfficiency.value;
    expect(Math.min(...shares)).toBeLessThanOrEqual(constant + 0.005);
    expect(Math.max(...shares)).toBeGreaterThanOrEqual(constant - 0.005);
    for (const label of ['nvidia-h100-80gb', 'nvidia-h200-141gb', 'nvidia-b200']) {
      const accelerator = catalog.accelerator(label)!;
      expect(rmsFactor(label, allReduceLinkBytesPerSecond(accelerator))).toBeLessThan(1.7);
    }
  });
});
