import { Catalog } from '../src/catalog/catalog';
import { kvCacheFitAt, memoryBudget } from '../src/performance/feasibility';
import { KvCacheDtype, WeightPrecision } from '../src/performance/precision';
import { resolveWith } from '../src/resolver/resolver';

/**
 * The KV cache of the operating point's running batch fits the memory left after the weights at the precision
 * served. Hand-computed for Llama 3.1 8B (config.json: 32 layers, 8 KV heads of 128 dims; 16.1 GB of bf16 weights) on
 * one H100 (80 GB) with the ShareGPT workload (226 input / 195 output tokens on average):
 * - KV per token in bf16: 32 layers x 8 heads x 128 dims x 2 (K and V) x 2 bytes = 131,072 B (128 KiB); fp8: half;
 * - a running sequence holds its prompt, half its output and half a 16-token block: 226 + 97.5 + 8 = 331.5 tokens;
 * - left for the KV cache: 80 GB x 0.9 (--gpu-memory-utilization) - 16.1 GB - 3.5 GiB runtime = 52.1419 GB.
 */
const catalog = Catalog.EMBEDDED;
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const PER_SEQUENCE_BF16 = 331.5 * 32 * 8 * 128 * 2 * 2;
const CAPACITY_GB = 80 * 0.9 - 16.1 - (3.5 * 1024 ** 3) / 1e9;

test('bf16: the running batch at the operating point holds batch x 331.5 tokens x 128 KiB, within what the weights leave', () => {
  const r = resolveWith(catalog, { model: MODEL, acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 100 });
  expect(r.acceleratorCount).toBe(1);
  expect(r.memory.kvCacheCapacityGb).toBeCloseTo(CAPACITY_GB, 9);
  const batch = r.performance.runningBatchSize!;
  expect(r.memory.kvCacheAtOperatingPointGb).toBeCloseTo((batch * PER_SEQUENCE_BF16) / 1e9, 6);
  expect(r.memory.kvCacheAtOperatingPointGb!).toBeLessThanOrEqual(r.memory.kvCacheCapacityGb);
  // the estimator's own KV-cache use at that point says the same
  expect(r.performance.kvCacheUtilization).toBeCloseTo(r.memory.kvCacheAtOperatingPointGb! / r.memory.kvCacheCapacityGb, 6);
});

test('an fp8 KV cache halves the bytes a running sequence holds; fp8 weights leave more memory for it', () => {
  const fp8Kv = resolveWith(catalog, { model: MODEL, acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 100, kvCacheDtype: KvCacheDtype.FP8 });
  expect(fp8Kv.memory.kvCacheAtOperatingPointGb).toBeCloseTo((fp8Kv.performance.runningBatchSize! * PER_SEQUENCE_BF16) / 2 / 1e9, 6);
  const fp8 = resolveWith(catalog, { model: MODEL, acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 100, weightPrecision: WeightPrecision.FP8 });
  expect(fp8.memory.kvCacheCapacityGb).toBeGreaterThan(CAPACITY_GB);
  expect(fp8.memory.kvCacheCapacityGb).toBeCloseTo(80 * 0.9 - fp8.memory.weightsGb - (3.5 * 1024 ** 3) / 1e9, 9);
  expect(fp8.memory.kvCacheAtOperatingPointGb!).toBeLessThanOrEqual(fp8.memory.kvCacheCapacityGb);
});

test('kvCacheFitAt refuses a batch whose KV cache exceeds what the weights leave (1,200 bf16 sequences: 52.1 GB < 52.14 GB < 1,201)', () => {
  const budget = memoryBudget(catalog.model(MODEL)!, catalog.accelerator('nvidia-h100-80gb')!, 1);
  const perSequenceMb = PER_SEQUENCE_BF16 / 1e6;
  const largest = Math.floor((CAPACITY_GB * 1e3) / perSequenceMb);
  expect(largest).toBe(1200);
  expect(kvCacheFitAt(budget, largest, perSequenceMb).fits).toBe(true);
  const over = kvCacheFitAt(budget, largest + 1, perSequenceMb);
  expect(over.fits).toBe(false);
  expect(over.needGb).toBeCloseTo(((largest + 1) * PER_SEQUENCE_BF16) / 1e9, 9);
});

test('the memory budget against a vLLM start-up log: Qwen3-235B-A22B-FP8 on 4 x H100 within 10% of the KV cache vLLM allocated', () => {
  // vllm-project/vllm issue #21348 (2025-07-22): `vllm serve Qwen3-235B-A22B-FP8 --tensor-parallel-size 4` on 4 x H100 with the
  // default gpu_memory_utilization logged "Available KV cache memory: 8.11 GiB" (per GPU) and "GPU KV cache size: 178,880 tokens"
  const budget = memoryBudget(catalog.model('Qwen/Qwen3-235B-A22B-FP8')!, catalog.accelerator('nvidia-h100-80gb')!, 4);
  const perGpuGiB = (budget.kvCacheCapacityGb * 1e9) / 4 / 1024 ** 3;
  expect(perGpuGiB / 8.11).toBeGreaterThan(1 / 1.1);
  expect(perGpuGiB / 8.11).toBeLessThan(1.1);
  expect(budget.maxFittingTokens / 178_880).toBeGreaterThan(1 / 1.1);
  expect(budget.maxFittingTokens / 178_880).toBeLessThan(1.1);
});
