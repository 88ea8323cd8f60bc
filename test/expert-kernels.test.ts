import { Catalog } from '../src/catalog/catalog';
import { expertKernelFormat, measuredExpertRate } from '../src/performance/expert-kernels';
import { EXPERT_KERNEL_ROWS } from '../src/performance/expert-kernels.generated';
import { WeightPrecision } from '../src/performance/precision';
import { profileCurves } from '../src/performance/profiles';

const catalog = Catalog.EMBEDDED;

test('every measured expert-kernel rate is below the accelerator\'s dense peak for its format and names its table', () => {
  const peak: Record<string, 'bf16DenseTflops' | 'fp8DenseTflops' | 'fp4DenseTflops'> = {
    bfloat16: 'bf16DenseTflops', fp8: 'fp8DenseTflops', fp8_block: 'fp8DenseTflops', nvfp4: 'fp4DenseTflops',
  };
  expect(EXPERT_KERNEL_ROWS.length).toBeGreaterThan(500);
  for (const [, , , label, format, , , , , tp, tflops, tokens] of EXPERT_KERNEL_ROWS) {
    const accelerator = catalog.accelerator(label)!;
    const limit = accelerator[peak[format]];
    // a rate per GPU above the datasheet would mean the FLOPs were not split over the tensor-parallel ranks
    expect(limit).toBeGreaterThan(0);
    expect(tflops).toBeGreaterThan(0);
    expect(tflops).toBeLessThan(limit!);
    expect([1, 2, 4, 8]).toContain(tp);
    expect(tokens).toBeGreaterThanOrEqual(1);
  }
  const rate = measuredExpertRate('vllm', catalog.accelerator('nvidia-h100-80gb')!, 'bfloat16', catalog.model('Qwen/Qwen3-30B-A3B')!, 1)!;
  expect(rate.source).toMatch(/^ai-dynamo\/aiconfigurator@[0-9a-f]{40}:aic-core\/src\/aiconfigurator_core\/systems\/data\/h100_sxm\/moe\/vllm\/0\.14\.0\/moe_perf\.parquet$/);
  expect(rate.kernel).toBe('vllm_fused_moe');
});

test('every MoE model of the catalog but gpt-oss has a measured rate on H100, and dense models have none', () => {
  const h100 = catalog.accelerator('nvidia-h100-80gb')!;
  const tabled = (m: (typeof catalog.models)[number]) => (['vllm', 'tensorrt-llm'] as const)
    .some((server) => ['bfloat16', 'fp8', 'fp8_block'].some((f) => measuredExpertRate(server, h100, f, m, 1) !== undefined));
  for (const m of catalog.models) {
    // gpt-oss's MXFP4 kernels are left out (see expertKernelFormat)
    expect(tabled(m)).toBe(m.experts !== undefined && !m.id.startsWith('openai/gpt-oss'));
  }
  // vLLM's own rows cover Mixtral, Qwen3 and DeepSeek-R1 on H100 (its 0.14.0 table times no Llama 4 shape on Hopper)
  for (const id of ['mistralai/Mixtral-8x7B-Instruct-v0.1', 'Qwen/Qwen3-30B-A3B', 'deepseek-ai/DeepSeek-R1']) {
    expect(measuredExpertRate('vllm', h100, 'bfloat16', catalog.model(id)!, 1)?.tflops).toBeGreaterThan(0);
  }
});

test('the tabled format follows what the deployment computes in; formats whose kernel varies by backend are not tabled', () => {
  const model = (id: string) => catalog.model(id)!;
  // DeepSeek-R1 ships block-scaled FP8: on FP8 tensor cores vLLM runs its block-scaled kernel
  expect(expertKernelFormat(model('deepseek-ai/DeepSeek-R1'), WeightPrecision.CHECKPOINT, 'fp8')).toBe('fp8_block');
  expect(expertKernelFormat(model('deepseek-ai/DeepSeek-R1'), WeightPrecision.FP8, 'fp8')).toBe('fp8_block');
  expect(expertKernelFormat(model('Qwen/Qwen3-30B-A3B'), WeightPrecision.CHECKPOINT, 'bf16')).toBe('bfloat16');
  expect(expertKernelFormat(model('Qwen/Qwen3-30B-A3B'), WeightPrecision.FP8, 'fp8')).toBe('fp8');
  // FP8 on A100 runs weight-only (Marlin), not the FP8 kernel the tables time
  expect(expertKernelFormat(model('Qwen/Qwen3-30B-A3B'), WeightPrecision.FP8, 'bf16')).toBeUndefined();
  expect(expertKernelFormat(model('Qwen/Qwen3-30B-A3B'), WeightPrecision.NVFP4, 'fp4')).toBe('nvfp4');
  // gpt-oss's MXFP4 experts: Triton on Hopper, TRTLLM-Gen on B200, CUTLASS elsewhere (aiconfigurator collect_moe.py)
  expect(expertKernelFormat(model('openai/gpt-oss-120b'), WeightPrecision.CHECKPOINT, 'bf16')).toBeUndefined();
  expect(expertKernelFormat(model('Qwen/Qwen3-30B-A3B'), WeightPrecision.INT8, 'int8')).toBeUndefined();
});

test('an estimated vLLM curve of a MoE model says the measured expert-kernel rate it is held to; a dense model\'s does not', () => {
  const curves = profileCurves(catalog).filter((c) => c.source === 'estimated' && c.modelServer === 'vllm' && c.modelServerVersion === 'v0.12.0'
    && c.acceleratorType === 'nvidia-h100-80gb');
  const qwen = curves.find((c) => c.model === 'Qwen/Qwen3-30B-A3B' && c.acceleratorCount === 1)!;
  const rate = measuredExpertRate('vllm', catalog.accelerator('nvidia-h100-80gb')!, 'bfloat16', catalog.model('Qwen/Qwen3-30B-A3B')!, 1)!;
  expect(qwen.note).toContain(`expert GEMMs at most ${rate.tflops} TFLOPS per GPU, the measured rate of vLLM 0.14.0's vllm_fused_moe`);
  expect(qwen.note).toContain(rate.source);
  const llama = curves.find((c) => c.model === 'meta-llama/Llama-3.1-8B-Instruct' && c.acceleratorCount === 1)!;
  expect(llama.note).not.toContain('expert GEMMs');
});
