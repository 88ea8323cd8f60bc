import { InferenceResolver, ProfileSource } from '../src';
import { Catalog } from '../src/catalog/catalog';
import { performanceModel } from '../src/performance/estimator';
import { pipelineLayerPartition, stageWeightBytes } from '../src/performance/weight-split';

const LLAMA_70B = 'meta-llama/Llama-3.3-70B-Instruct';
const MIXTRAL_8X22B = 'mistralai/Mixtral-8x22B-Instruct-v0.1';

test('a model no single L4 machine holds resolves to 2 nodes of 8 x nvidia-l4 (TP 8 x PP 2)', () => {
  const r = InferenceResolver.resolve({ model: LLAMA_70B, acceleratorType: 'nvidia-l4' });
  expect(r.nodes).toBe(2);
  expect(r.pipelineParallelSize).toBe(2);
  expect(r.tensorParallelSize).toBe(8);
  expect(r.acceleratorCount).toBe(r.tensorParallelSize * r.pipelineParallelSize);
  expect(r.instanceType).toBe('g2-standard-96');
  expect(r.source).toBe(ProfileSource.ESTIMATED);
  // the plan is explained: why multi-host, TP x PP, the widened band
  const plan = r.decisions.find((d) => d.startsWith('multi-host:'))!;
  expect(plan).toMatch(/no single machine of nvidia-l4 holds 141\.1 GB of weights/);
  expect(plan).toMatch(/LeaderWorkerSet group of 2 g2-standard-96 nodes: tensor-parallel size 8 .* x pipeline-parallel size 2 .* = 16 x nvidia-l4/);
  expect(plan).toMatch(/uncertainty band widened/);
  expect(r.uncertainty!.basis).toMatch(/multi-host \(pipeline-parallel size 2\): the band widened by a factor of 1\.5/);
  // memory across both nodes holds weights + one max-length request
  expect(r.memory.acceleratorMemoryGb).toBe(16 * 24);
  expect(r.memory.kvCacheCapacityGb).toBeGreaterThan(r.memory.kvCachePerMaxLengthRequestGb);
  // pod resources are per node: /dev/shm for TP 8, a half share of the weights in the loader
  expect(r.podResources.sharedMemoryGiB).toBe(16);
  expect(r.podResources.explanation.join('\n')).toMatch(/\/ 2 nodes \(each holds its share\)/);
});

test('cost = nodes x machine price', () => {
  const r = InferenceResolver.resolve({ model: LLAMA_70B, acceleratorType: 'nvidia-l4', region: 'us-central1' });
  const price = Catalog.EMBEDDED.machinePrice('g2-standard-96', 'us-central1', 'spot')!.usdPerHour;
  expect(r.cost.costPerHour).toBeCloseTo(2 * price, 9);
  expect(r.decisions.find((d) => d.startsWith('cost:'))).toMatch(/^cost: 2 x g2-standard-96 at \$[\d.]+\/h in all/);
  const single = InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4' });
  expect([single.nodes, single.pipelineParallelSize]).toEqual([1, 1]);
  // $/M output tokens follows GIQ's formula with the price of both nodes
  const input = r.performance.inputTokensPerSecond;
  const expected = (r.cost.costPerHour! / 3600 / (input / r.cost.outputInputCostRatio + r.performance.outputTokensPerSecond)) * 1e6;
  expect(r.cost.costPerMillionOutputTokens).toBeCloseTo(expected, 6);
});

test('the pipeline estimate: same weights read per token as one node, per-stage latency and hops on top; its band is widened', () => {
  const model = Catalog.EMBEDDED.model(LLAMA_70B)!;
  const accelerator = Catalog.EMBEDDED.accelerator('nvidia-l4')!;
  const base = { model, accelerator, serverRelease: '0.12.0', workload: Catalog.EMBEDDED.defaultWorkload };
  const pipeline = performanceModel({ ...base, tensorParallelSize: 8, pipelineParallelSize: 2 })!;
  const flat = performanceModel({ ...base, tensorParallelSize: 16 })!;
  // the same 16 accelerators hold the same KV cache; pipeline stages do not cut the latency of one token as tensor parallelism does
  expect(pipeline.kvCapacityBytes).toBeCloseTo(flat.kvCapacityBytes, 0);
  expect(pipeline.at(1).itlMilliseconds).toBeGreaterThan(flat.at(1).itlMilliseconds);
  // at a large batch the micro-batches keep every stage busy: throughput grows with load
  expect(pipeline.at(64).outputTokensPerSecond).toBeGreaterThan(8 * pipeline.at(1).outputTokensPerSecond);
  const multi = InferenceResolver.resolve({ model: LLAMA_70B, acceleratorType: 'nvidia-l4' });
  const single = InferenceResolver.resolve({ model: LLAMA_70B, acceleratorType: 'nvidia-a100-80gb' });
  expect(single.nodes).toBe(1);
  // x1.5 for the pipeline, and x1.25 because L4 has a single public measurement in the fit of the serving terms (A100 80GB has many)
  expect(multi.uncertainty!.throughputHighMultiplier).toBeCloseTo(single.uncertainty!.throughputHighMultiplier * 1.5 * 1.25, 6);
  expect(multi.uncertainty!.latencyLowMultiplier).toBeCloseTo(single.uncertainty!.latencyLowMultiplier / 1.5 / 1.25, 6);
});

test('Mixtral-8x22B on A100 40GB: one 16-GPU machine (vLLM replicates its 8 KV heads over 16 ranks); on L4 the download goes to a boot disk', () => {
  // 48 attention heads divide by 16 and 16 is a multiple of the 8 KV heads: vLLM replicates each KV head on 2 ranks
  // (vllm model_executor/models attention: "Number of KV heads is less than TP size, so we replicate the KV heads"), so the
  // a2-megagpu-16g holds it at tensor-parallel size 16 without a second node
  const a100 = InferenceResolver.resolve({ model: MIXTRAL_8X22B, acceleratorType: 'nvidia-tesla-a100' });
  expect([a100.tensorParallelSize, a100.pipelineParallelSize, a100.nodes, a100.instanceType]).toEqual([16, 1, 1, 'a2-megagpu-16g']);
  expect(a100.decisions.join('\n')).toMatch(/each held 2 times: fewer KV heads than tensor-parallel ranks/);
  const l4 = InferenceResolver.resolve({ model: MIXTRAL_8X22B, acceleratorType: 'nvidia-l4' });
  expect(l4.instanceType).toBe('g2-standard-96');
  // GKE keeps 10% of the boot disk's file system (98831908Ki per 100 GB) for eviction and at most 100 GiB for the system
  const fs = (l4.nodePool.bootDiskSizeGb * 98831908) / (100 * 1024 ** 2);
  expect(fs * 0.9 - Math.min(fs * 0.5, 6 + 0.35 * fs, 100)).toBeGreaterThanOrEqual(l4.podResources.ephemeralStorageGiB);
  expect(l4.podResources.ephemeralStorageGiB).toBeGreaterThan(262);
});

test('the automatic choice keeps single-node replicas when one fits somewhere', () => {
  const r = InferenceResolver.resolve({ model: MIXTRAL_8X22B });
  expect(r.nodes).toBe(1);
  expect(r.pipelineParallelSize).toBe(1);
  const l4Only = () => InferenceResolver.resolve({ model: LLAMA_70B, allowedAcceleratorTypes: ['nvidia-l4'] });
  // only L4 allowed, and no L4 machine holds it: multi-host on L4
  expect(l4Only().nodes).toBe(2);
});

test('errors: multi-host TPU stays refused, naming JetStream; a server without multi-host support is named', () => {
  expect(() => InferenceResolver.resolve({ model: LLAMA_70B, acceleratorType: 'tpu-v5-lite-podslice' }))
    .toThrow(/does not fit one host of 'tpu-v5-lite-podslice'.*This library serves vLLM on TPU single-host.*JetStream/);
  expect(() => InferenceResolver.resolve({ model: LLAMA_70B, acceleratorType: 'nvidia-l4', modelServer: 'tgi' }))
    .toThrow(/needs a multi-host replica \(2 nodes of 8 x nvidia-l4\); multi-host serving .* is only supported with vllm, not 'tgi'/);
});

test('a block-FP8 checkpoint is split along whole 128-wide blocks: Qwen3-235B-A22B-FP8 takes TP 4, never 8 or 16 (vLLM refuses 192 and 96)', () => {
  // vllm fp8.py Fp8MoEMethod.create_weights: "The output_size of gate's and up's weight = 192 is not divisible by weight quantization
  // block_n = 128" (moe_intermediate_size 1536 at TP 8)
  const model = Catalog.EMBEDDED.model('Qwen/Qwen3-235B-A22B-FP8')!;
  expect(model.intermediateSize).toBe(1536);
  for (const acceleratorType of ['nvidia-l4', 'nvidia-tesla-a100', 'nvidia-h100-80gb']) {
    const r = InferenceResolver.resolve({ model: model.id, acceleratorType });
    expect((model.intermediateSize / r.tensorParallelSize) % 128).toBe(0);
    expect(r.tensorParallelSize).toBeLessThanOrEqual(4);
  }
  // L4: 4 nodes of 4 (g2-standard-48) instead of 2 of 8
  const l4 = InferenceResolver.resolve({ model: model.id, acceleratorType: 'nvidia-l4' });
  expect([l4.tensorParallelSize, l4.pipelineParallelSize, l4.instanceType]).toEqual([4, l4.nodes, 'g2-standard-48']);
  // the bf16 checkpoint of the same architecture has no blocks to keep whole
  expect(InferenceResolver.resolve({ model: 'Qwen/Qwen3-235B-A22B', acceleratorType: 'nvidia-l4' }).tensorParallelSize).toBe(8);
});

test('pipeline stages as vLLM splits them: uneven layers, the tables on the end stages, and the tightest stage sets every stage\'s KV cache', () => {
  // vllm/distributed/utils.py get_pp_indices: layers // pp each, the remainder on the stages before the last, second-to-last first
  expect(pipelineLayerPartition(61, 5)).toEqual([12, 12, 12, 13, 12]);
  expect(pipelineLayerPartition(126, 20)).toEqual([...Array(13).fill(6), ...Array(6).fill(7), 6]);
  expect(pipelineLayerPartition(80, 2)).toEqual([40, 40]);
  // every stage of every multi-host plan holds its own weights; the KV cache is the tightest stage's, in whole-model tokens
  const GB = 1e9;
  for (const [model, acceleratorType] of [['deepseek-ai/DeepSeek-R1', 'nvidia-l4'], ['meta-llama/Llama-3.1-405B-Instruct', 'nvidia-tesla-t4'],
    ['meta-llama/Llama-3.1-405B-Instruct', 'nvidia-l4'], [LLAMA_70B, 'nvidia-l4']]) {
    const r = InferenceResolver.resolve({ model, acceleratorType });
    const m = Catalog.EMBEDDED.model(model)!;
    const accelerator = Catalog.EMBEDDED.accelerator(acceleratorType)!;
    const stages = stageWeightBytes(m, r.pipelineParallelSize);
    expect(stages.reduce((n, s) => n + s.layers, 0)).toBe(m.layers);
    // the budget's own figures per GPU: memory x utilisation - runtime
    const runtimePerGpu = r.memory.runtimeOverheadGb / (r.tensorParallelSize * r.pipelineParallelSize);
    const usable = r.tensorParallelSize * (accelerator.memoryGb * r.memory.gpuMemoryUtilization - runtimePerGpu);
    const free = stages.map((s) => usable - s.bytes / GB);
    for (const f of free) expect(f).toBeGreaterThan(0);
    const kvPerLayerToken = (m.kvCacheKibPerTokenBf16 * 1024) / m.layers;
    const tokens = Math.min(...stages.map((s, i) => (free[i] * GB) / (s.layers * kvPerLayerToken)));
    expect(r.memory.kvCacheCapacityGb).toBeCloseTo((tokens * m.kvCacheKibPerTokenBf16 * 1024) / GB, 6);
  }
  // DeepSeek-R1 on L4: five stages left its fourth 0.9 GB short per GPU (13 of 61 layers); six hold it
  expect(InferenceResolver.resolve({ model: 'deepseek-ai/DeepSeek-R1', acceleratorType: 'nvidia-l4' }).pipelineParallelSize).toBe(6);
  // Llama 3.1 405B on L4: the first stage (the embedding beside 21 layers) leaves 62% of the pooled KV cache
  const l4 = InferenceResolver.resolve({ model: 'meta-llama/Llama-3.1-405B-Instruct', acceleratorType: 'nvidia-l4' });
  expect(l4.decisions.find((d) => d.startsWith('memory'))).toMatch(/pooled, but each pipeline stage loads its own layers .*: stage 1 of 6 \(21 of 126 layers/);
});
