/**
 * Weight and KV-cache precision: what each format costs in bytes, which peak the steps compute at on
 * an accelerator (`accelerators.csv` bf16/fp8/fp4/int8 columns; `n/a` means the hardware cannot), the
 * vLLM flags that select it, and which combinations no hardware path runs.
 */
import { AcceleratorRecord, ModelRecord } from '../catalog/types';
import {
  KvCacheDtype, WeightPrecision, embeddingTablesGb, shippedPrecision, shipsFp8, shipsQuantized, weightsGbFor,
} from '../catalog/weight-formats';
import { round } from '../util/round';

// the formats are catalog facts; re-exported for the stages that read them here
export { KvCacheDtype, WeightPrecision, embeddingTablesGb, shippedPrecision, shipsFp8, shipsQuantized, weightsGbFor };

/** What a precision means for one model on one accelerator. */
export interface PrecisionPlan {
  /** Weights loaded into accelerator memory, GB. */
  readonly weightsGb: number;
  /** Peak dense TFLOPS (or TOPS) the matrix multiplications run at. */
  readonly computeTflops: number;
  /** What the peak is: `bf16`, `fp8`, `fp4`, `int8` (or `fp16` on T4). */
  readonly computeFormat: string;
  readonly kvCacheBytesPerElement: number;
  /** vLLM flags that select it (none for a checkpoint whose config names its quantization). */
  readonly vllmArgs: readonly string[];
  /**
   * MaxText (JetStream) arguments that select it: `quantization=int8 checkpoint_is_quantized=true` for an int8 checkpoint and
   * `quantize_kvcache=true` for an int8 KV cache, as GoogleCloudPlatform/kubernetes-engine-samples
   * ai-ml/llm-serving-tpus-jetstream/pathways/jetstream-pathways-llama-3-1-405b-4x4.yaml sets them.
   */
  readonly maxTextArgs: readonly string[];
  /** One line: what runs. */
  readonly description: string;
}

/**
 * Refuses serving `model` with vLLM in a weight format vLLM would not give it. vLLM quantizes a bf16 checkpoint online only
 * to FP8 (`--quantization=fp8`) and reads every other format from the checkpoint's `quantization_config`: a bf16 checkpoint
 * asked for in INT8, INT4 AWQ/GPTQ, MXFP4 or NVFP4, or a quantized checkpoint asked for in another format than it ships,
 * would be served as it ships while the memory and performance figures counted the format asked. A quantized checkpoint
 * whose format is not recorded (registered with a `weightsGb` below its bf16 size and no `weightFormat`) is served only as it
 * ships: the library cannot tell which format that is, and `--quantization=fp8` on it would not start.
 */
export function requireServableFormat(model: ModelRecord, weights: WeightPrecision): void {
  const shipped = shippedPrecision(model);
  if (weights === WeightPrecision.CHECKPOINT || weights === shipped) return;
  if (shipped === undefined) {
    throw new Error(`Weight precision ('weightPrecision') '${weights}' for ${model.id}: its checkpoint (${round(model.checkpointWeightsGb, 2)} GB, below the `
      + `${model.bf16WeightsGb} GB of its bf16 weights) ships quantized in a format the catalog does not record, and vLLM serves it as it `
      + `ships, so the figures could not count ${weights}. Use '${WeightPrecision.CHECKPOINT}', or record the format with `
      + 'the \'weightFormat\' of InferenceCatalog.addModel.');
  }
  if (shipped === WeightPrecision.CHECKPOINT) {
    if (weights === WeightPrecision.FP8) return;
    throw new Error(`Weight precision ('weightPrecision') '${weights}' for ${model.id}: vLLM reads ${weights} from the checkpoint's `
      + `quantization_config and quantizes online only to ${WeightPrecision.FP8}, and ${model.id} ships bf16 weights, so the manifests would serve `
      + `bf16 while the figures counted ${weights}. Serve a checkpoint that ships in ${weights} as it ships (register it with `
      + `InferenceCatalog.addModel and its 'weightFormat' and 'weightsGb'), or use '${WeightPrecision.FP8}' (quantized online).`);
  }
  throw new Error(`Weight precision ('weightPrecision') '${weights}' for ${model.id}: the checkpoint ships ${shipped} weights, which vLLM `
    + `serves as they ship (it does not convert one quantized format into another); use '${WeightPrecision.CHECKPOINT}' or '${shipped}', `
    + `or a checkpoint that ships in ${weights}.`);
}

const gpusWith = (accelerators: readonly AcceleratorRecord[], has: (a: AcceleratorRecord) => boolean) =>
  accelerators.filter((a) => a.family === 'gpu' && has(a)).map((a) => a.gkeLabel).join(', ');

/**
 * The plan of a weight precision and KV-cache dtype for a model on an accelerator; throws, naming `what`
 * and what would work, when the hardware cannot run it. `accelerators` lists the alternatives.
 */
export function precisionPlan(
  model: ModelRecord, accelerator: AcceleratorRecord, weights: WeightPrecision, kv: KvCacheDtype,
  accelerators: readonly AcceleratorRecord[] = [], what: { weights: string; kv: string } = { weights: "Weight precision ('weightPrecision')", kv: "KV-cache dtype ('kvCacheDtype')" },
  maxText: boolean = false,
): PrecisionPlan {
  const bf16 = accelerator.bf16DenseTflops ?? undefined;
  const fp8 = accelerator.fp8DenseTflops ?? undefined;
  const fp4 = accelerator.fp4DenseTflops ?? undefined;
  const int8 = accelerator.int8DenseTops ?? undefined;
  const label = accelerator.gkeLabel;
  if (accelerator.family === 'tpu' && shipsFp8(model)) {
    throw new Error(`Model ${model.id} ('model') ships in FP8 (${model.checkpointFormat}) and the library serves TPUs ('acceleratorType' ${label}) `
      + 'only with bf16 checkpoints; use a GPU with FP8 support (Hopper, Ada, Blackwell) or the bf16 checkpoint of the model.');
  }
  if (kv === KvCacheDtype.INT8 && !(maxText && accelerator.family === 'tpu')) {
    throw new Error(`${what.kv} '${kv}' is JetStream's int8 KV cache (MaxText quantize_kvcache) on TPU: use modelServer 'jetstream' on a TPU, `
      + `or '${KvCacheDtype.FP8}' with vLLM on a GPU.`);
  }
  if (accelerator.family === 'tpu' && maxText) {
    if (weights !== WeightPrecision.CHECKPOINT && weights !== WeightPrecision.INT8) {
      throw new Error(`${what.weights} ${weights} on ${label}: JetStream (MaxText) serves bf16 or int8 checkpoints (quantization=int8); `
        + `use '${WeightPrecision.CHECKPOINT}' or '${WeightPrecision.INT8}'.`);
    }
    if (kv === KvCacheDtype.FP8) {
      throw new Error(`${what.kv} ${kv} on ${label}: JetStream (MaxText) quantizes the KV cache to int8; use '${KvCacheDtype.INT8}' or '${KvCacheDtype.AUTO}'.`);
    }
    const int8Weights = weights === WeightPrecision.INT8;
    const peak = int8Weights ? accelerator.int8DenseTops ?? undefined : accelerator.bf16DenseTflops ?? undefined;
    if (peak === undefined) throw new Error(`${label} has no dense throughput figure for ${weights}`);
    const weightsGb = weightsGbFor(model, weights);
    return {
      weightsGb,
      computeTflops: peak,
      computeFormat: int8Weights ? 'int8' : 'bf16',
      kvCacheBytesPerElement: kv === KvCacheDtype.INT8 ? 1 : 2,
      vllmArgs: [],
      maxTextArgs: [
        ...(int8Weights ? ['quantization=int8'] : []),
        ...(kv === KvCacheDtype.INT8 ? ['quantize_kvcache=true'] : []),
        ...(int8Weights ? ['checkpoint_is_quantized=true'] : []),
      ],
      description: `${weights} weights (${weightsGb.toFixed(1)} GB${int8Weights ? ', a pre-quantized MaxText int8 checkpoint' : ''}) computing at the `
        + `${int8Weights ? 'int8' : 'bf16'} peak of ${label} (${peak} TFLOPS), ${kv} KV cache`,
    };
  }
  if (accelerator.family === 'tpu' && (weights !== WeightPrecision.CHECKPOINT || kv !== KvCacheDtype.AUTO)) {
    throw new Error(`${what.weights} ${weights} / ${what.kv} ${kv} on ${label}: the library serves TPUs only as the checkpoint ships with vLLM `
      + `(${WeightPrecision.CHECKPOINT}, ${KvCacheDtype.AUTO}); use modelServer 'jetstream' for int8 on TPU, or a GPU for quantized serving.`);
  }
  // Turing (T4): no bf16, no fp8: vLLM's fp8 and fp4 kernels need compute capability 8.0 or more
  const turing = accelerator.family === 'gpu' && bf16 === undefined && fp8 === undefined;
  const refuse = (reason: string, alternatives: string) => {
    throw new Error(`${what.weights} '${weights}' cannot run on ${label}: ${reason}. It runs on ${alternatives || 'no accelerator in the catalog'}.`);
  };
  const halfPeak = bf16 ?? (turing ? int8 === undefined ? undefined : int8 / 2 : undefined);
  let computeTflops: number | undefined = halfPeak;
  let computeFormat = bf16 !== undefined ? 'bf16' : 'fp16';
  switch (weights) {
    case WeightPrecision.FP8:
      if (turing) refuse('vLLM\'s FP8 kernels need compute capability 8.0 or more', gpusWith(accelerators, (a) => a.bf16DenseTflops != null));
      if (fp8 !== undefined) { computeTflops = fp8; computeFormat = 'fp8'; }
      break;
    case WeightPrecision.INT8:
      if (int8 === undefined || turing) refuse('no int8 tensor-core path (W8A8) in vLLM for it', gpusWith(accelerators, (a) => a.int8DenseTops != null && a.bf16DenseTflops != null));
      computeTflops = int8;
      computeFormat = 'int8';
      break;
    case WeightPrecision.MXFP4:
      if (turing) refuse('vLLM\'s MXFP4 kernels need compute capability 8.0 or more', gpusWith(accelerators, (a) => a.bf16DenseTflops != null));
      if (fp4 !== undefined && fp8 !== undefined) { computeTflops = fp8; computeFormat = 'fp8'; }
      break;
    case WeightPrecision.NVFP4:
      if (fp4 === undefined) refuse('NVFP4 needs Blackwell\'s FP4 tensor cores (accelerators.csv fp4 n/a)', gpusWith(accelerators, (a) => a.fp4DenseTflops != null));
      computeTflops = fp4;
      computeFormat = 'fp4';
      break;
    default:
      // an FP8 checkpoint as it ships: W8A8 at the fp8 peak where the hardware has it, weight-only (Marlin) on Ampere
      if (shipsFp8(model)) {
        if (turing) {
          throw new Error(`'model' ${model.id} ships in FP8 and cannot run on ${label} ('acceleratorType'): vLLM's FP8 kernels need compute capability `
            + `8.0 or more. It runs on ${gpusWith(accelerators, (a) => a.bf16DenseTflops != null) || 'no accelerator in the catalog'}.`);
        }
        if (fp8 !== undefined) { computeTflops = fp8; computeFormat = 'fp8'; }
      }
      break;
  }
  // vLLM's `fp8` KV cache is e4m3, whose Triton kernels compile only on compute capability 8.9 or more: on Ampere (bf16 but no fp8
  // tensor cores) the V1 engine fails at start, "type fp8e4nv not supported in this architecture" (vllm-project/vllm#26431 on an
  // RTX 3090, #54219 on an A100; #50882 keeps e4m3 refused below SM89)
  if (kv === KvCacheDtype.FP8 && (turing || fp8 === undefined)) {
    throw new Error(`${what.kv} '${kv}' cannot run on ${label}: vLLM's FP8 KV cache is e4m3, whose kernels need compute capability 8.9 or more `
      + '("type fp8e4nv not supported in this architecture" on Ampere, vllm-project/vllm#54219). It runs on '
      + `${gpusWith(accelerators, (a) => a.fp8DenseTflops != null)}; use '${KvCacheDtype.AUTO}' on ${label}.`);
  }
  if (computeTflops === undefined) throw new Error(`${label} has no dense throughput figure for ${weights}`);
  // a checkpoint that already ships in a 4-bit format keeps its own size (gpt-oss: bf16 attention, MXFP4 experts)
  const weightsGb = weightsGbFor(model, weights);
  const vllmArgs = [
    // a GPU without bf16 (Turing) computes in fp16: vLLM before 0.9 refuses a bf16 checkpoint there rather than cast it ("Bfloat16
    // is only supported on GPUs with compute capability of at least 8.0"; the automatic fallback came with vllm-project/vllm#17265)
    ...(turing ? ['--dtype=half'] : []),
    // vLLM quantizes a bf16 checkpoint to FP8 online; every other format must ship in the checkpoint, whose config names it
    ...(weights === WeightPrecision.FP8 && !shipsQuantized(model) ? ['--quantization=fp8'] : []),
    ...(kv === KvCacheDtype.FP8 ? ['--kv-cache-dtype=fp8'] : []),
  ];
  return {
    weightsGb,
    computeTflops,
    computeFormat,
    kvCacheBytesPerElement: kv === KvCacheDtype.FP8 ? 1 : 2,
    vllmArgs,
    maxTextArgs: [],
    description: `${weights} weights (${weightsGb.toFixed(1)} GB) computing at the ${computeFormat} peak of ${label} (${computeTflops} TFLOPS), `
      + `${kv} KV cache`,
  };
}
