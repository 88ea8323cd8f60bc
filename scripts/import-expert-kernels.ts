/**
 * Generates src/performance/expert-kernels.generated.ts: the best rate each serving kernel reaches on the expert GEMMs of
 * the catalog's MoE models, per accelerator, weight format and tensor-parallel size, from the kernel measurements NVIDIA's
 * aiconfigurator publishes (ai-dynamo/aiconfigurator, `aic-core/src/aiconfigurator_core/systems/data/<system>/moe/<framework>/
 * <version>/moe_perf.parquet`: one fused MoE layer timed on one GPU at 1 to 16k tokens, balanced or skewed routing).
 *
 *   npm install --no-save hyparquet@1.33.0 hyparquet-compressors@1.1.2
 *   npx ts-node --project scripts/tsconfig.json scripts/import-expert-kernels.ts <aiconfigurator git dir>
 *
 * The git directory is a clone (bare or not) of ai-dynamo/aiconfigurator; the files are read at its HEAD with `git show`, and
 * the commit is written beside the figures. Offline and deterministic. Tests read only the generated module.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Catalog } from '../src/catalog/catalog';

const OUT = path.join(__dirname, '..', 'src', 'performance', 'expert-kernels.generated.ts');
const DATA = 'aic-core/src/aiconfigurator_core/systems/data';

/** The tables read: the server, aiconfigurator's system name, the GKE accelerators of that chip, the framework version. */
const TABLES: ReadonlyArray<{ server: 'vllm' | 'tensorrt-llm'; system: string; accelerators: readonly string[]; version: string }> = [
  // vLLM: the oldest table of each chip, the nearest to the releases the catalog serves (0.7-0.12); B200's oldest is 0.19. A100's
  // tables (vLLM 0.14.0, TensorRT-LLM 1.0.0) time only skewed (power-law) routing, so A100 has no row.
  { server: 'vllm', system: 'h100_sxm', accelerators: ['nvidia-h100-80gb', 'nvidia-h100-mega-80gb'], version: '0.14.0' },
  { server: 'vllm', system: 'h200_sxm', accelerators: ['nvidia-h200-141gb'], version: '0.14.0' },
  { server: 'vllm', system: 'b200_sxm', accelerators: ['nvidia-b200'], version: '0.19.0' },
  { server: 'vllm', system: 'gb200', accelerators: ['nvidia-gb200'], version: '0.14.0' },
  { server: 'vllm', system: 'rtx_pro_6000_server', accelerators: ['nvidia-rtx-pro-6000'], version: '0.14.0' },
  // TensorRT-LLM (PyTorch backend): the release whose tables cover every chip of its performance overview
  { server: 'tensorrt-llm', system: 'h100_sxm', accelerators: ['nvidia-h100-80gb', 'nvidia-h100-mega-80gb'], version: '1.3.0rc20' },
  { server: 'tensorrt-llm', system: 'h200_sxm', accelerators: ['nvidia-h200-141gb'], version: '1.3.0rc20' },
  { server: 'tensorrt-llm', system: 'b200_sxm', accelerators: ['nvidia-b200'], version: '1.3.0rc20' },
  { server: 'tensorrt-llm', system: 'gb200', accelerators: ['nvidia-gb200'], version: '1.3.0rc20' },
  { server: 'tensorrt-llm', system: 'rtx_pro_6000_server', accelerators: ['nvidia-rtx-pro-6000'], version: '1.3.0rc20' },
];

/**
 * The weight formats kept, as the tables name them. MXFP4 (gpt-oss) and INT4 are left out: their kernels differ by chip and
 * backend setting (TensorRT-LLM picks Triton on Hopper, TRTLLM-Gen on B200, CUTLASS elsewhere for gpt-oss), so no one row is
 * the kernel a given deployment runs.
 */
const FORMATS = ['bfloat16', 'fp8', 'fp8_block', 'nvfp4'];

/**
 * Kernel sources that are not what the server runs by default: TensorRT-LLM's min-latency flow is its TRTLLM-Gen MoE backend
 * (`moe_config.backend: TRTLLM`), which the performance overview does not select (its MoE options set CUTLASS or leave the
 * default, CUTLASS); the non-gated flow is for relu2 models, none of which the catalog holds.
 */
const SKIPPED_SOURCES = ['moe_torch_flow_min_latency', 'moe_torch_flow_nongated'];

const TENSOR_PARALLEL = [1, 2, 4, 8];

interface Row {
  readonly moe_dtype: string;
  readonly kernel_source: string;
  readonly num_tokens: number;
  readonly hidden_size: number;
  readonly inter_size: number;
  readonly topk: number;
  readonly num_experts: number;
  readonly moe_tp_size: number;
  readonly moe_ep_size: number;
  readonly distribution: string;
  readonly latency: number;
}

type ReadObjects = (options: { file: ArrayBuffer; compressors: unknown }) => Promise<Array<Record<string, unknown>>>;

async function main(): Promise<void> {
  const gitDir = process.argv[2];
  if (!gitDir) throw new Error('usage: import-expert-kernels.ts <aiconfigurator git dir>');
  // pure-JS parquet readers, installed only to run this script (see the header); Node 20.19+ loads their ES modules with require
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parquetReadObjects } = require('hyparquet') as { parquetReadObjects: ReadObjects };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { compressors } = require('hyparquet-compressors') as { compressors: unknown };
  const git = (...args: string[]) => execFileSync('git', ['--git-dir', gitDir, ...args], { maxBuffer: 1024 * 1024 * 1024 });
  const commit = git('rev-parse', 'HEAD').toString().trim();

  // the expert shapes of the catalog's MoE models
  const shapes = new Map<string, string[]>();
  for (const m of Catalog.EMBEDDED.models) {
    if (!m.experts || !m.expertsPerToken) continue;
    const k = [m.hiddenSize, m.intermediateSize, m.expertsPerToken, m.experts].join('|');
    shapes.set(k, [...(shapes.get(k) ?? []), m.id]);
  }

  const lines: string[] = [];
  for (const t of TABLES) {
    const file = `${DATA}/${t.system}/moe/${t.server === 'vllm' ? 'vllm' : 'trtllm'}/${t.version}/moe_perf.parquet`;
    const buf = git('show', `${commit}:${file}`);
    const rows = (await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), compressors }))
      .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])) as unknown as Row);
    // best per-GPU rate of each (format, shape, TP) over the token counts, balanced routing, no expert parallelism
    const best = new Map<string, { tflops: number; tokens: number; source: string }>();
    for (const r of rows) {
      if (r.distribution !== 'balanced' || r.moe_ep_size !== 1 || !TENSOR_PARALLEL.includes(r.moe_tp_size)) continue;
      if (!FORMATS.includes(r.moe_dtype) || SKIPPED_SOURCES.includes(r.kernel_source)) continue;
      const shape = [r.hidden_size, r.inter_size, r.topk, r.num_experts].join('|');
      if (!shapes.has(shape)) continue;
      // gate, up and down projections of the k routed experts of every token, the intermediate split over the TP ranks
      const flops = 2 * 3 * r.hidden_size * (r.inter_size / r.moe_tp_size) * r.topk * r.num_tokens;
      const tflops = flops / (r.latency / 1000) / 1e12;
      const key = [r.moe_dtype, shape, r.moe_tp_size].join('|');
      const cur = best.get(key);
      if (cur && cur.source !== r.kernel_source) throw new Error(`${file}: two kernels for ${key}: ${cur.source} and ${r.kernel_source}`);
      if (!cur || tflops > cur.tflops) best.set(key, { tflops, tokens: r.num_tokens, source: r.kernel_source });
    }
    for (const [key, b] of [...best].sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0))) {
      const [format, hidden, inter, topk, experts, tp] = key.split('|');
      for (const accelerator of t.accelerators) {
        lines.push(`  ['${t.server}', '${t.version}', '${t.system}', '${accelerator}', '${format}', ${hidden}, ${inter}, ${topk}, ${experts}, ${tp}, ${Number(b.tflops.toPrecision(4))}, ${b.tokens}, '${b.source}'],`);
      }
    }
  }
  const body = [
    '// Generated by scripts/import-expert-kernels.ts from NVIDIA\'s aiconfigurator kernel tables. Do not edit by hand: run the script.',
    '',
    '/** Where the figures come from: the repository and the commit read; a table is `<system>/moe/<vllm|trtllm>/<version>/moe_perf.parquet` under the path. */',
    `export const EXPERT_KERNELS_REPOSITORY = 'ai-dynamo/aiconfigurator@${commit}';`,
    `export const EXPERT_KERNELS_PATH = '${DATA}';`,
    '',
    '/**',
    ' * Per row: server, its version the table was measured on, aiconfigurator\'s system name, GKE accelerator, weight format as the table names it, hidden size,',
    ' * expert intermediate size, experts per token, experts, tensor-parallel size, the best expert-GEMM rate per GPU in TFLOPS',
    ' * (gate, up and down projections of the routed experts, over the time of the whole fused layer), the tokens it was reached at,',
    ' * and the kernel.',
    ' */',
    'type Row = readonly [string, string, string, string, string, number, number, number, number, number, number, number, string];',
    'export const EXPERT_KERNEL_ROWS: readonly Row[] = [',
    ...lines,
    '];',
    '',
  ].join('\n');
  fs.writeFileSync(OUT, body);
  console.log(`${lines.length} rows from ${TABLES.length} tables at ${commit}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
