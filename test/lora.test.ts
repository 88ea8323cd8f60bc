import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { HuggingFaceToken, InferenceCatalog, InferenceGateway, InferenceResolver, LoraAdapter, OptimizedLlmServer, OptimizedLlmServerProps } from '../src';
import { expectValidManifests } from './support/k8s-validator';
import { kubectlValidate, kubectlValidateAvailable } from './support/kubectl-validate';
import { Catalog } from '../src/catalog/catalog';
import { loraAdapterBytes, loraSlotBytes } from '../src/resolver/lora';

const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';
const BASE: OptimizedLlmServerProps = { model: LLAMA, acceleratorType: 'nvidia-l4', name: 'llama' };
const SQL = () => LoraAdapter.fromHuggingFace('sql', 'my-org/llama-3.1-8b-sql-lora', 16);
const CHAT = () => LoraAdapter.fromHuggingFace('chat', 'my-org/llama-3.1-8b-chat-lora', 8);

function build(props: Partial<OptimizedLlmServerProps>, chart = new Chart(Testing.app(), 'test', { namespace: 'llm' })) {
  const server = new OptimizedLlmServer(chart, (props.name as string | undefined) ?? 'llama', { ...BASE, ...props } as OptimizedLlmServerProps);
  const objects = chart.toJson();
  const deployment = objects.find((o: any) => o.kind === 'Deployment' && o.metadata.name === server.name);
  return { chart, server, objects, container: deployment.spec.template.spec.containers[0] };
}

describe('memory of the adapter slots', () => {
  const llama = Catalog.EMBEDDED.model(LLAMA)!;

  test('Llama 3.1 8B shapes from its config.json', () => {
    // hidden 4096, 32 heads and 8 KV heads of 128, intermediate 14336, 32 layers, vocabulary 128256
    expect([llama.hiddenSize, llama.attentionHeads, llama.kvHeads, llama.headDim, llama.intermediateSize, llama.layers, llama.vocabSize])
      .toEqual([4096, 32, 8, 128, 14336, 32, 128256]);
  });

  test('a rank-16 adapter on q, k, v, o: rank x (d_in + d_out) x 2 bytes x 32 layers', () => {
    // q 4096->4096, k 4096->1024, v 4096->1024, o 4096->4096: 16 x (8192 + 5120 + 5120 + 8192) = 425,984 per layer
    expect(loraAdapterBytes(llama, 16, ['q_proj', 'k_proj', 'v_proj', 'o_proj'])).toBe(425_984 * 32 * 2);
    expect(loraAdapterBytes(llama, 16, ['q_proj', 'k_proj', 'v_proj', 'o_proj'])).toBe(27_262_976);
  });

  test('a vLLM slot covers every LoRA-capable module, whatever the adapter targets', () => {
    // per layer at rank 16: attention 16 x 26,624 = 425,984; MLP gate, up 4096->14336 and down 14336->4096: 16 x 3 x 18,432 = 884,736
    const linear = (425_984 + 884_736) * 32 * 2;
    // embedding and lm_head: 16 x (128,256 + 4,096) each
    const vocabulary = 2 * 16 * (128_256 + 4_096) * 2;
    expect(loraSlotBytes(llama, 16, 1)).toBe(linear + vocabulary);
    expect(loraSlotBytes(llama, 16, 1)).toBe(92_356_608);
  });

  test('under tensor parallelism the unsharded half is held by every GPU', () => {
    // TP 2: q 16 x (4096 x 2 + 4096), k and v 16 x (8192 + 1024), o 16 x (4096 + 4096 x 2), gate and up 16 x (8192 + 14336),
    // down 16 x (14336 + 8192)
    const perLayer = 16 * (12_288 + 9_216 * 2 + 12_288 + 22_528 * 3);
    // the embedding and lm_head wrappers are whole on each of the 2 GPUs: VocabParallelEmbeddingWithLoRA's lora_a_stacked is
    // (max_loras, org_vocab_size, rank) and LogitsProcessorWithLoRA's lora_b_stacked (max_loras, 1, vocab_size, rank) on every rank
    // (vllm/lora/layers/vocal_parallel_embedding.py, logits_processor.py)
    expect(loraSlotBytes(llama, 16, 2)).toBe(perLayer * 32 * 2 + 2 * 16 * (128_256 + 4_096) * 2 * 2);
  });

  test('Gemma and Qwen have no embedding or lm_head LoRA in vLLM: their slots are the linear modules only', () => {
    // vllm gemma2.py: "Gemma does not apply LoRA to the embedding layer. embedding_modules = {}"; qwen2.py: embedding_modules = {}
    const gemma = Catalog.EMBEDDED.model('google/gemma-2-9b-it')!;
    // hidden 3584, 16 heads and 8 KV heads of 256, intermediate 14336, 42 layers (config.json)
    expect([gemma.hiddenSize, gemma.attentionHeads, gemma.kvHeads, gemma.headDim, gemma.intermediateSize, gemma.layers])
      .toEqual([3584, 16, 8, 256, 14336, 42]);
    // q 3584+4096, k and v 3584+2048, o 4096+3584, gate and up 3584+14336, down 14336+3584 = 80,384 per unit of rank and layer
    expect(loraSlotBytes(gemma, 16, 1)).toBe(80_384 * 16 * 42 * 2);
    // Qwen3 8B: hidden 4096, 32 heads and 8 KV heads of 128, intermediate 12288, 36 layers (config.json); q and o 4096+4096, k and v
    // 4096+1024, gate, up and down 4096+12288 = 75,776 per unit of rank and layer
    const qwen = Catalog.EMBEDDED.model('Qwen/Qwen3-8B')!;
    expect([qwen.hiddenSize, qwen.attentionHeads, qwen.kvHeads, qwen.headDim, qwen.intermediateSize, qwen.layers])
      .toEqual([4096, 32, 8, 128, 12288, 36]);
    expect(loraSlotBytes(qwen, 16, 1)).toBe(75_776 * 16 * 36 * 2);
    expect(loraSlotBytes(qwen, 16, 2)).toBeGreaterThan(loraSlotBytes(qwen, 16, 1));
  });

  test('the slots come out of the KV cache of the same replica shape', () => {
    const plain = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4' });
    const lora = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4', loraAdapters: [SQL(), CHAT()], maxLoras: 4 });
    expect(lora.acceleratorCount).toBe(plain.acceleratorCount);
    const slots = (4 * loraSlotBytes(llama, 16, plain.tensorParallelSize)) / 1e9;
    expect(lora.lora!.slotsMemoryGb).toBeCloseTo(slots, 9);
    expect(plain.memory.kvCacheCapacityGb - lora.memory.kvCacheCapacityGb).toBeCloseTo(slots, 9);
    expect(lora.memory.runtimeOverheadGb - plain.memory.runtimeOverheadGb).toBeCloseTo(slots, 9);
    expect(lora.decisions.some((d) => d.startsWith('LoRA: adapters sql (rank 16') && d.includes('4 slots (--max-loras)'))).toBe(true);
  });

  test('the operating point runs only the sequences the KV cache left beside the slots holds (F2)', () => {
    // Gemma 2 9B on 2 x L4 at 4096 tokens: eight rank-64 slots take 4.5 GB of the 17.2 GB KV cache (no embedding LoRA on Gemma)
    const request = { model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 200, maxModelLength: 4096 };
    const adapters = Array.from({ length: 8 }, (_, i) => LoraAdapter.fromHuggingFace(`a${i}`, `my-org/gemma-a${i}`, 64));
    const plain = InferenceResolver.resolve(request);
    const lora = InferenceResolver.resolve({ ...request, loraAdapters: adapters, maxLoraRank: 64 });
    expect(lora.acceleratorCount).toBe(plain.acceleratorCount);
    expect(lora.memory.kvCacheCapacityGb).toBeCloseTo(plain.memory.kvCacheCapacityGb - lora.lora!.slotsMemoryGb, 9);
    // without adapters the point holds more KV than the slots leave: vLLM could not run that batch
    expect(plain.memory.kvCacheAtOperatingPointGb!).toBeGreaterThan(lora.memory.kvCacheCapacityGb);
    expect(lora.memory.kvCacheAtOperatingPointGb!).toBeLessThanOrEqual(lora.memory.kvCacheCapacityGb);
    expect(lora.performance.outputTokensPerSecond).toBeLessThan(plain.performance.outputTokensPerSecond);
    expect(lora.cost.costPerMillionOutputTokens!).toBeGreaterThan(plain.cost.costPerMillionOutputTokens!);
    expect(lora.decisions.join('\n')).toMatch(/LoRA: performance is the calibrated estimate with the KV cache less the slots/);
    // a profile measured without adapters is not served as measured with them
    const measured = InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb' });
    expect(measured.source).toBe('measured');
    expect(InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb', loraAdapters: [SQL()] }).source)
      .toBe('estimated');
  });

  test('tokens beside the slots count every copy of a KV head the tensor-parallel ranks replicate (F1)', () => {
    // 2 KV heads on 4 T4s: each rank holds one, so every token's KV is held twice (vLLM replicates KV heads fewer than the ranks)
    const catalog = InferenceCatalog.embedded().addModel({
      id: 'THUDM/glm-4-9b-chat-1m',
      source: 'https://huggingface.co/THUDM/glm-4-9b-chat-1m/blob/main/config.json',
      parametersBillions: 9.4,
      numHiddenLayers: 40,
      hiddenSize: 4096,
      numAttentionHeads: 32,
      numKeyValueHeads: 2,
      intermediateSize: 13696,
      vocabSize: 151552,
      maxPositionEmbeddings: 1048576,
      gated: false,
    });
    const adapters = [1, 2, 3, 4].map((i) => LoraAdapter.fromHuggingFace(`a${i}`, `my-org/a${i}`, 64));
    const request = { model: 'THUDM/glm-4-9b-chat-1m', acceleratorType: 'nvidia-tesla-t4', loraAdapters: adapters, maxLoraRank: 64 };
    const r = catalog.resolve({ ...request, maxModelLength: 131072 });
    expect(r.tensorParallelSize).toBe(4);
    // by hand: 40 layers x 2 KV heads x 128 x 2 (K and V) x 2 bytes = 40 KiB a token, held twice
    const tokens = Math.floor((r.memory.kvCacheCapacityGb * 1e9) / (40 * 2 * 128 * 2 * 2 * 2));
    expect(r.decisions.join('\n')).toContain(`(${tokens} tokens, each held 2 times`);
    expect(() => catalog.resolve({ ...request, maxModelLength: tokens + 1024 })).toThrow(/does not fit next to the LoRA slots/);
  });

  test('slots that leave no room for maxModelLength are refused, naming the props', () => {
    expect(() => InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4', loraAdapters: [SQL()], maxLoras: 1024, maxLoraRank: 256 }))
      .toThrow(/does not fit next to the LoRA slots .*'maxLoras' 1024 at 'maxLoraRank' 256.*lower 'maxLoras', 'maxLoraRank' or 'maxModelLength'/);
  });
});

describe('host memory and disk of the adapters', () => {
  // per layer and unit of rank, every linear module: Llama 3.1 8B q 4096+4096, k and v 4096+1024, o 4096+4096, gate and up
  // 4096+14336, down 14336+4096 = 81,920 over 32 layers; Llama 3.3 70B q 8192+8192, k and v 8192+1024, o 8192+8192, gate, up and
  // down 8192+28672 = 161,792 over 80 layers (their config.json)
  const adapterBytes8b = (rank: number, bytes: number) => 81_920 * rank * 32 * bytes;
  const adapterBytes70b = (rank: number, bytes: number) => 161_792 * rank * 80 * bytes;
  const GIB = 1024 ** 3;
  const many = (n: number, rank: number) => Array.from({ length: n }, (_, i) => LoraAdapter.fromHuggingFace(`a${i}`, `my-org/a${i}`, rank));

  test('adapters from Hugging Face widen the ephemeral storage and the boot disk by their fp32 size (vLLM snapshot_downloads each repository)', () => {
    const plain = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4' });
    const lora = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4', loraAdapters: many(16, 128), maxLoras: 4 });
    expect(lora.acceleratorCount).toBe(plain.acceleratorCount);
    const adapters = (16 * adapterBytes8b(128, 4)) / GIB;
    expect(adapters).toBe(20);
    expect(lora.podResources.ephemeralStorageGiB - plain.podResources.ephemeralStorageGiB).toBe(adapters);
    expect(lora.modelLoading.loraDownloadGiB).toBe(adapters);
    // vLLM downloads them before it serves: the load estimate, and so the startup probe's budget, carry them at the hub rate (0.1 GB/s)
    const downloadSeconds = (16 * adapterBytes8b(128, 4)) / 1e9 / 0.1;
    expect(lora.modelLoading.estimatedLoadSeconds - plain.modelLoading.estimatedLoadSeconds).toBeCloseTo(downloadSeconds, 6);
    expect(lora.podResources.startupBudgetSeconds).toBeGreaterThan(plain.podResources.startupBudgetSeconds);
    // GKE's default 100 GB boot disk leaves 43.8 GiB allocatable: the pool asks for a larger one that holds the pod's 45 GiB
    expect(plain.nodePool.bootDiskSizeGb).toBe(100);
    expect(lora.nodePool.bootDiskSizeGb).toBeGreaterThan(100);
    expect(lora.nodePool.allocatableEphemeralStorageGiB).toBeGreaterThanOrEqual(lora.podResources.ephemeralStorageGiB);
    expect(lora.podResources.explanation.join('\n')).toMatch(/at most 20\.0 GiB of LoRA adapters from Hugging Face \(fp32 on every linear module\)/);
    // from the model bucket nothing is downloaded
    const bucket = InferenceResolver.resolve({
      model: LLAMA, acceleratorType: 'nvidia-l4', modelBucketUri: 'gs://my-models/llama', loraAdapters: [LoraAdapter.fromModelBucket('sql', 'adapters/sql', 128)],
    });
    expect(bucket.modelLoading.loraDownloadGiB).toBeUndefined();
  });

  test('every tensor-parallel worker keeps each adapter whole in host memory: the pod\'s memory request counts tp x adapters', () => {
    const request = { model: 'meta-llama/Llama-3.3-70B-Instruct', acceleratorType: 'nvidia-h100-80gb' };
    const plain = InferenceResolver.resolve(request);
    const lora = InferenceResolver.resolve({ ...request, loraAdapters: many(16, 128), maxLoras: 4 });
    expect([plain.tensorParallelSize, lora.tensorParallelSize]).toEqual([4, 4]);
    // LRUCacheWorkerLoRAManager per worker, LoRAModel.from_local_checkpoint(device="cpu", dtype=lora_dtype) pinned (vllm/lora/worker_manager.py, models.py)
    const host = Math.ceil((4 * 16 * adapterBytes70b(128, 2)) / GIB);
    expect(host).toBe(198);
    expect(lora.lora!.hostMemoryGiB).toBe(host);
    expect(lora.podResources.memoryGiB - plain.podResources.memoryGiB).toBe(host);
    expect(lora.podResources.memoryGiB).toBeLessThanOrEqual(Math.floor(lora.nodePool.allocatableMemoryGiB));
  });

  test('a machine that cannot hold the adapters in host memory is passed over', () => {
    // Gemma 2 2B on one L4: per layer and unit of rank q 2304+2048, k and v 2304+1024, o 2048+2304, gate and up 2304+9216, down
    // 9216+2304 = 49,920 over 26 layers; sixteen rank-256 adapters are 9.9 GiB of pinned host memory
    const request = { model: 'google/gemma-2-2b-it', acceleratorType: 'nvidia-l4', maxModelLength: 4096 };
    const plain = InferenceResolver.resolve(request);
    const lora = InferenceResolver.resolve({ ...request, loraAdapters: many(16, 256), maxLoras: 1 });
    expect([plain.tensorParallelSize, lora.tensorParallelSize]).toEqual([1, 1]);
    expect(lora.lora!.hostMemoryGiB).toBe(Math.ceil((16 * 49_920 * 256 * 26 * 2) / GIB));
    expect(lora.lora!.hostMemoryGiB).toBe(10);
    const ram = (name: string) => Catalog.EMBEDDED.machineTypes.find((m) => m.name === name)!.ramGb;
    expect(ram(lora.nodePool.machineType)).toBeGreaterThan(ram(plain.nodePool.machineType));
    expect(lora.podResources.memoryGiB).toBeLessThanOrEqual(Math.floor(lora.nodePool.allocatableMemoryGiB));
  });

  test('the notes say what the memory request holds for adapters, what a repository download takes, and how to reload from a bucket', () => {
    const { server } = build({ loraAdapters: [SQL(), CHAT()], maxLoras: 1 });
    const notes = server.deploymentNotes.join('\n');
    expect(notes).toMatch(/memory request includes \d+ GiB for the adapters in host memory/);
    expect(notes).toMatch(/vLLM downloads each adapter's whole repository/);
    const bucket = build({ modelBucketUri: 'gs://my-models/llama', runtimeLoraUpdating: true }).server.deploymentNotes.join('\n');
    expect(bucket).toMatch(/load each new version of an adapter from a new directory/);
  });
});

describe('vLLM flags', () => {
  test('adapters from Hugging Face: --enable-lora, --max-loras, --max-lora-rank and one name=path word each', () => {
    const { container } = build({ loraAdapters: [SQL(), CHAT()] });
    const args: string[] = container.args;
    const at = args.indexOf('--enable-lora');
    expect(args.slice(at, at + 6)).toEqual([
      '--enable-lora', '--max-loras=2', '--max-lora-rank=16', '--lora-modules',
      'sql=my-org/llama-3.1-8b-sql-lora', 'chat=my-org/llama-3.1-8b-chat-lora',
    ]);
    // the next word is an option, so argparse's nargs='+' stops there
    expect(args[at + 6].startsWith('--')).toBe(true);
    expect(container.env.map((e: any) => e.name)).not.toContain('VLLM_ALLOW_RUNTIME_LORA_UPDATING');
  });

  test('the smallest accepted rank holding every adapter, and explicit settings as given', () => {
    const wide = build({ loraAdapters: [LoraAdapter.fromHuggingFace('wide', 'my-org/wide-lora', 48)] }).container.args;
    expect(wide).toContain('--max-lora-rank=64');
    const given = build({ loraAdapters: [SQL()], maxLoras: 3, maxLoraRank: 32 }).container.args;
    expect(given).toEqual(expect.arrayContaining(['--max-loras=3', '--max-lora-rank=32']));
  });

  test('adapters from the model bucket are read under its mount', () => {
    const { container, server } = build({
      acceleratorType: 'nvidia-h100-80gb',
      modelBucketUri: 'gs://models/llama-3.1-8b',
      loraAdapters: [LoraAdapter.fromModelBucket('sql', 'adapters/sql', 16)],
    });
    expect(server.modelBucket!.mountPath).toBe('/gcs');
    expect(container.args).toEqual(expect.arrayContaining(['--lora-modules', 'sql=/gcs/adapters/sql']));
    expect(server.deploymentNotes.some((n) => n.startsWith('LoRA: adapters from the model bucket'))).toBe(true);
    // an adapter uploaded with gcloud storage cp -r has no directory placeholder object: the mount shows its directory only with
    // implicit-dirs (gcsfuse docs/semantics.md), which the tuned recipe otherwise leaves out when it prefetches metadata
    expect(server.modelBucket!.mountOptions.split(',')).toContain('implicit-dirs');
    expect(build({ acceleratorType: 'nvidia-h100-80gb', modelBucketUri: 'gs://models/llama-3.1-8b' }).server.modelBucket!.mountOptions.split(','))
      .not.toContain('implicit-dirs');
  });

  test('run-time loading sets VLLM_ALLOW_RUNTIME_LORA_UPDATING and warns that its endpoint is unauthenticated', () => {
    const { container, server } = build({ runtimeLoraUpdating: true });
    expect(container.args).toEqual(expect.arrayContaining(['--enable-lora', '--max-loras=1', '--max-lora-rank=16']));
    expect(container.args).not.toContain('--lora-modules');
    expect(container.env).toContainEqual({ name: 'VLLM_ALLOW_RUNTIME_LORA_UPDATING', value: 'True' });
    expect(server.deploymentNotes.some((n) => /without authentication/.test(n) && /allowedClients/.test(n))).toBe(true);
    expect(server.deploymentNotes.join('\n')).toContain('can make it download and serve any adapter');
    // from a bucket the pods run with HF_HUB_OFFLINE=1: run-time loads come from the mount only, and the note says so
    const fromBucket = build({ runtimeLoraUpdating: true, modelBucketUri: 'gs://my-models/llama' });
    expect(fromBucket.container.env).toContainEqual({ name: 'HF_HUB_OFFLINE', value: '1' });
    expect(fromBucket.server.deploymentNotes.join('\n')).toContain('serve any adapter directory under its Cloud Storage FUSE mount (it runs with HF_HUB_OFFLINE=1');
  });

  test('no LoRA flag without adapters', () => {
    const { container, server } = build({});
    expect(container.args.filter((a: string) => a.includes('lora'))).toEqual([]);
    expect(server.resolution.lora).toBeUndefined();
  });
});

describe('bad input', () => {
  const fails = (props: Partial<OptimizedLlmServerProps>, message: RegExp) => expect(() => build(props)).toThrow(message);

  test('adapter names: label-safe, unique, not the base model', () => {
    for (const name of ['my adapter', 'a=b', '$(HF_TOKEN)', '-x', '', 'a'.repeat(64), 'org/name']) {
      expect(() => LoraAdapter.fromHuggingFace(name, 'my-org/x', 8)).toThrow(/^LoraAdapter\.fromHuggingFace: 'name' must be 1-63 letters/);
    }
    fails({ loraAdapters: [SQL(), LoraAdapter.fromHuggingFace('sql', 'my-org/other', 8)] }, /'loraAdapters\[1\]' is named 'sql' like 'loraAdapters\[0\]'/);
  });

  test('sources: Hugging Face ids and bucket paths', () => {
    expect(() => LoraAdapter.fromHuggingFace('x', 'not an id', 8)).toThrow(/^LoraAdapter\.fromHuggingFace 'x': 'repoId' must be a Hugging Face repository id/);
    expect(() => LoraAdapter.fromHuggingFace('x', 'org/$(HF_TOKEN)', 8)).toThrow(/'repoId' must be a Hugging Face repository id/);
    for (const p of ['/abs', '../up', 'a/../b', 'a b', 'a=b', 'x,y', '$(HF_TOKEN)']) {
      expect(() => LoraAdapter.fromModelBucket('x', p, 8)).toThrow(/^LoraAdapter\.fromModelBucket 'x': 'path' must be a directory relative to 'modelBucketUri'/);
    }
    fails({ loraAdapters: [LoraAdapter.fromModelBucket('sql', 'adapters/sql', 16)] }, /read from the model bucket, but 'modelBucketUri' is not set/);
    fails({ acceleratorType: 'nvidia-h100-80gb', modelBucketUri: 'gs://models/llama', loraAdapters: [SQL()] },
      /comes from Hugging Face, but the server reads the model from 'modelBucketUri'.*LoraAdapter.fromModelBucket\('sql', 'adapters\/sql', 16\)/);
  });

  test('ranks and slots within what vLLM accepts', () => {
    expect(() => LoraAdapter.fromHuggingFace('x', 'my-org/x', 600)).toThrow(/'rank' must be a whole number from 1 to 512/);
    expect(() => LoraAdapter.fromHuggingFace('x', 'my-org/x', 0)).toThrow(/'rank' must be a whole number/);
    fails({ loraAdapters: [SQL()], maxLoraRank: 24 }, /'maxLoraRank' must be one of 8, 16, 32, 64, 128, 256, 320, 512/);
    fails({ loraAdapters: [SQL()], maxLoraRank: 8 }, /'sql' has rank 16, above 'maxLoraRank' 8.*Raise 'maxLoraRank' to 16/);
    fails({ loraAdapters: [SQL()], maxLoras: 0 }, /'maxLoras' must be a whole number from 1/);
    fails({ maxLoras: 2 }, /'maxLoras' sizes LoRA adapter slots, but no adapter is served/);
  });

  test('ranks 320 and 512 on the releases after the v0.7 line; v0.7.2 takes 256 at most', () => {
    // LoRAConfig.__post_init__: possible_max_ranks = (8, 16, 32, 64, 128, 256) in v0.7.x, (..., 256, 320, 512) later
    const wide = [LoraAdapter.fromHuggingFace('wide', 'my-org/llama-wide', 400)];
    const r = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4', loraAdapters: wide });
    expect(r.lora!.maxLoraRank).toBe(512);
    expect(r.modelServerVersion).not.toBe('v0.7.2');
    const r320 = [LoraAdapter.fromHuggingFace('r320', 'my-org/llama-r320', 320)];
    expect(InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4', loraAdapters: r320 }).lora!.maxLoraRank).toBe(320);
    fails({ loraAdapters: wide, modelServerVersion: 'v0.7.2' }, /'maxLoraRank' must be one of 8, 16, 32, 64, 128, 256 \(the --max-lora-rank values vLLM v0.7.2/);
    fails({ loraAdapters: [SQL()], maxLoraRank: 512, modelServerVersion: 'v0.7.2' }, /later releases also take 320 and 512/);
    // a rank-256 adapter still runs on v0.7.2
    expect(InferenceResolver.resolve({
      model: LLAMA, acceleratorType: 'nvidia-l4', modelServerVersion: 'v0.7.2', loraAdapters: [LoraAdapter.fromHuggingFace('r', 'my-org/r', 256)],
    }).lora!.maxLoraRank).toBe(256);
  });

  test('more adapters than slots: vLLM keeps them all in host memory and a request for one not in a slot waits (--max-cpu-loras)', () => {
    const { container, server } = build({ loraAdapters: [SQL(), CHAT()], maxLoras: 1 });
    const args: string[] = container.args;
    expect(args).toContain('--max-loras=1');
    expect(args).toContain('--max-cpu-loras=2');
    expect(server.resolution.lora!.maxCpuLoras).toBe(2);
    expect(server.deploymentNotes.join('\n')).toMatch(/2 adapters share 1 GPU slot: a batch holds at most 1 distinct adapter/);
    // one slot's memory, not two
    const oneSlot = loraSlotBytes(Catalog.EMBEDDED.model(LLAMA)!, 16, server.resolution.tensorParallelSize) / 1e9;
    expect(server.resolution.lora!.slotsMemoryGb).toBeCloseTo(oneSlot, 9);
    expect(build({ loraAdapters: [SQL(), CHAT()] }).container.args.some((a: string) => a.startsWith('--max-cpu-loras'))).toBe(false);
  });

  test('without a Hugging Face token the notes say only public adapters load', () => {
    const { server } = build({
      model: 'Qwen/Qwen3-8B',
      loraAdapters: [LoraAdapter.fromHuggingFace('sql', 'my-org/qwen3-8b-sql-lora', 16)],
      huggingFaceToken: HuggingFaceToken.none(),
    });
    expect(server.deploymentNotes.join('\n')).toMatch(/downloaded at start-up without a token \(HuggingFaceToken\.none\(\)\): only public adapters load/);
  });

  test('what JavaScript can pass', () => {
    fails({ loraAdapters: 'sql' as any }, /'loraAdapters' must be a list of LoraAdapter/);
    fails({ loraAdapters: [{ name: 'sql', source: 'hugging-face', location: 'my-org/x', rank: 8 }] as any },
      /'loraAdapters\[0\]' must be made with LoraAdapter.fromHuggingFace/);
    fails({ runtimeLoraUpdating: 'yes' as any }, /'runtimeLoraUpdating' must be true or false/);
    fails({ loraAdapters: [SQL()], env: { VLLM_ALLOW_RUNTIME_LORA_UPDATING: 'True' } }, /'env' sets VLLM_ALLOW_RUNTIME_LORA_UPDATING.*'runtimeLoraUpdating'/);
  });

  test('servers and accelerators the library serves LoRA on', () => {
    fails({ modelServer: 'tgi', acceleratorType: 'nvidia-l4', loraAdapters: [SQL()] }, /LoRA adapters with vLLM only.*not 'tgi'/);
    fails({ acceleratorType: 'tpu-v6e-slice', loraAdapters: [SQL()] }, /served on GPUs only, and 'tpu-v6e-slice'/);
    fails({ model: 'Qwen/Qwen3-30B-A3B', acceleratorType: undefined, loraAdapters: [SQL()] }, /mixture-of-experts model/);
  });
});

describe('behind the gateway', () => {
  function gateway(second: Partial<OptimizedLlmServerProps>) {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
    const llama = new OptimizedLlmServer(chart, 'llama', { ...BASE, loraAdapters: [SQL(), CHAT()] });
    const other = new OptimizedLlmServer(chart, 'other', {
      model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
      acceleratorType: 'nvidia-tesla-a100',
      name: 'deepseek',
      ...second,
    } as OptimizedLlmServerProps);
    const gw = new InferenceGateway(chart, 'gateway', { name: 'inference', servers: [llama, other] });
    return { chart, gw };
  }

  test('the route of a server matches its model and each adapter, all to its pool', () => {
    const { chart, gw } = gateway({});
    const objects = chart.toJson();
    const route = objects.find((o: any) => o.kind === 'HTTPRoute' && o.metadata.name === 'llama');
    expect(route.spec.rules).toHaveLength(1);
    const rule = route.spec.rules[0];
    expect(rule.matches.map((m: any) => m.headers[0])).toEqual([LLAMA, 'sql', 'chat']
      .map((value) => ({ type: 'Exact', name: 'X-Gateway-Model-Name', value })));
    expect(rule.backendRefs).toEqual([{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama' }]);
    const other = objects.find((o: any) => o.kind === 'HTTPRoute' && o.metadata.name === 'deepseek');
    expect(other.spec.rules[0].matches.map((m: any) => m.headers[0].value)).toEqual(['deepseek-ai/DeepSeek-R1-Distill-Qwen-7B']);
    expect(gw.deploymentNotes.some((n) => n.includes(`${LLAMA} and its LoRA adapters sql, chat are served by the InferencePool llama`))).toBe(true);
    expectValidManifests(objects, ['1.28', '1.33']);
  });

  test('an adapter named like another server\'s adapter is refused', () => {
    expect(() => gateway({ loraAdapters: [LoraAdapter.fromHuggingFace('sql', 'my-org/qwen-sql', 16)] }))
      .toThrow(/LoRA adapter 'sql' of OptimizedLlmServer 'deepseek' has the name of the LoRA adapter 'sql' of OptimizedLlmServer 'llama'/);
  });

  test('more names than one HTTPRoute holds are refused; 64 per rule', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => LoraAdapter.fromHuggingFace(`a${i}`, `my-org/a${i}`, 8));
    const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
    const server = new OptimizedLlmServer(chart, 'llama', { ...BASE, loraAdapters: many(100), maxLoras: 100, maxLoraRank: 8 });
    new InferenceGateway(chart, 'gateway', { name: 'inference', servers: [server] });
    const route = chart.toJson().find((o: any) => o.kind === 'HTTPRoute');
    expect(route.spec.rules.map((r: any) => r.matches.length)).toEqual([64, 37]);
    expectValidManifests(chart.toJson(), ['1.33']);
    const chart2 = new Chart(Testing.app(), 'test', { namespace: 'llm' });
    const big = new OptimizedLlmServer(chart2, 'llama', { ...BASE, loraAdapters: many(127), maxLoras: 127, maxLoraRank: 8 });
    expect(() => new InferenceGateway(chart2, 'gateway', { name: 'inference', servers: [big] })).toThrow(/128 model names .*more than the 127 matches/);
  });
});

test('run-time adapter loading is refused behind a gateway: its endpoints take no authentication, and every client of the load balancer would reach them', () => {
  const chart = new Chart(Testing.app(), 'lora', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'llama', { ...BASE, loraAdapters: [SQL()], runtimeLoraUpdating: true });
  expect(() => new InferenceGateway(chart, 'gateway', { name: 'inference', servers: [server] }))
    .toThrow(/'runtimeLoraUpdating', which opens vLLM's \/v1\/load_lora_adapter and \/v1\/unload_lora_adapter without authentication; behind the gateway/);
});

const maybe = kubectlValidateAvailable() ? test : test.skip;
maybe('kubectl accepts a LoRA server behind the gateway', () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gke-inference-lora-')) });
  const chart = new Chart(app, 'lora', { namespace: 'llm' });
  const hf = new OptimizedLlmServer(chart, 'llama', { ...BASE, loraAdapters: [SQL(), CHAT()], allowedClients: [] });
  const bucket = new OptimizedLlmServer(chart, 'bucket', {
    model: 'google/gemma-2-9b-it',
    acceleratorType: 'nvidia-h100-80gb',
    name: 'gemma',
    modelBucketUri: 'gs://models/gemma-2-9b-it',
    loraAdapters: [LoraAdapter.fromModelBucket('summarize', 'adapters/summarize', 32)],
  });
  new InferenceGateway(chart, 'gateway', { name: 'inference', servers: [hf, bucket], proxyOnlySubnetCidr: '10.129.0.0/23' });
  const expected = chart.toJson().length;
  app.synth();
  const result = kubectlValidate([path.join(app.outdir, 'lora.k8s.yaml')], '1.33')!;
  expect(result.output).toContain(`${expected} valid, 0 invalid`);
  expect(result.ok).toBe(true);
});
