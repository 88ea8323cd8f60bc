/**
 * Measured rates of the servers' MoE kernels on the expert GEMMs of the catalog's MoE models (`expert-kernels.generated.ts`,
 * from NVIDIA's aiconfigurator tables), and the lookup the performance model uses to cap its expert GEMM rate.
 */
import { EXPERT_KERNELS_PATH, EXPERT_KERNELS_REPOSITORY, EXPERT_KERNEL_ROWS } from './expert-kernels.generated';
import { WeightPrecision, shipsQuantized } from './precision';
import { AcceleratorRecord, ModelRecord } from '../catalog/types';

/** A serving kernel's best measured rate on one model's expert GEMMs. */
export interface ExpertKernelRate {
  /** Expert-GEMM TFLOPS per accelerator: the routed experts' gate, up and down projections over the fused layer's time. */
  readonly tflops: number;
  /** Tokens of the layer at which that rate was measured. */
  readonly tokens: number;
  /** The kernel, as aiconfigurator names it. */
  readonly kernel: string;
  /** The server release the table was measured on. */
  readonly serverVersion: string;
  /** The table: repository, commit and path (one fused MoE layer timed on one GPU, balanced routing, no expert parallelism). */
  readonly source: string;
}

/** The servers whose kernels are tabled, as the catalog and the benchmark data name them. */
export type ExpertKernelServer = 'vllm' | 'tensorrt-llm';

let index: Map<string, ExpertKernelRate> | undefined;

const keyOf = (server: string, accelerator: string, format: string, model: ModelRecord, tp: number) =>
  [server, accelerator, format, model.hiddenSize, model.intermediateSize, model.expertsPerToken, model.experts, tp].join('|');

/**
 * The format the tables name a model's expert weights in under a weight precision, or undefined when no table row is the
 * kernel a deployment runs: MXFP4, INT8 and INT4 are not tabled (their kernels differ by chip and backend), and FP8 on a
 * GPU without FP8 tensor cores runs weight-only (`computeFormat` is then not `fp8`).
 */
export function expertKernelFormat(model: ModelRecord, weights: WeightPrecision, computeFormat: string): string | undefined {
  // a block-scaled FP8 checkpoint (DeepSeek) stays block-scaled when FP8 is asked for
  if (model.checkpointFormat === 'fp8-block' && (weights === WeightPrecision.CHECKPOINT || weights === WeightPrecision.FP8)) {
    return computeFormat === 'fp8' ? 'fp8_block' : undefined;
  }
  if (weights === WeightPrecision.CHECKPOINT) {
    if (model.checkpointFormat === 'fp8' || model.checkpointFormat === 'fp8-experts') return computeFormat === 'fp8' ? 'fp8' : undefined;
    return model.checkpointFormat === 'mxfp4-experts' || shipsQuantized(model) ? undefined : 'bfloat16';
  }
  if (weights === WeightPrecision.FP8) return computeFormat === 'fp8' ? 'fp8' : undefined;
  if (weights === WeightPrecision.NVFP4) return 'nvfp4';
  return undefined;
}

/**
 * The best rate the server's MoE kernel was measured to reach on the model's expert GEMMs, per accelerator at a
 * tensor-parallel size, in a format (`expertKernelFormat`); undefined for dense models and combinations not tabled.
 */
export function measuredExpertRate(
  server: ExpertKernelServer, accelerator: AcceleratorRecord, format: string | undefined, model: ModelRecord, tensorParallelSize: number,
): ExpertKernelRate | undefined {
  if (format === undefined || !model.experts || !model.expertsPerToken) return undefined;
  if (!index) {
    index = new Map();
    for (const [s, version, system, acc, fmt, hidden, inter, topk, experts, tp, tflops, tokens, kernel] of EXPERT_KERNEL_ROWS) {
      const source = `${EXPERT_KERNELS_REPOSITORY}:${EXPERT_KERNELS_PATH}/${system}/moe/${s === 'vllm' ? 'vllm' : 'trtllm'}/${version}/moe_perf.parquet`;
      index.set([s, acc, fmt, hidden, inter, topk, experts, tp].join('|'), { tflops, tokens, kernel, serverVersion: version, source });
    }
  }
  return index.get(keyOf(server, accelerator.gkeLabel, format, model, tensorParallelSize));
}
