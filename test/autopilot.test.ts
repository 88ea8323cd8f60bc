/**
 * GKE Autopilot's GPU shapes, from GKE "Deploy GPU workloads in Autopilot" (https://cloud.google.com/kubernetes-engine/docs/how-to/autopilot-gpus,
 * 2026-04-10): "Supported GPU quantities" (B200, H200, H100 Mega: 8; H100, A100 80GB, RTX PRO 6000, L4: 1, 2, 4, 8; A100 40GB:
 * also 16; T4: 1, 2, 4), "If you omit this nodeSelector [gke-accelerator-count], Autopilot places one Pod on each GPU node",
 * and the versions of "Before you begin".
 */
import { Chart, Testing } from 'cdk8s';
import { ClusterMode, InferenceResolver, OptimizedLlmServer, OptimizedLlmServerProps } from '../src';
import { Catalog } from '../src/catalog/catalog';

const PAGE_QUANTITIES: { [type: string]: number[] } = {
  'nvidia-b200': [8],
  'nvidia-h200-141gb': [8],
  'nvidia-h100-mega-80gb': [8],
  'nvidia-h100-80gb': [1, 2, 4, 8],
  'nvidia-a100-80gb': [1, 2, 4, 8],
  'nvidia-tesla-a100': [1, 2, 4, 8, 16],
  'nvidia-rtx-pro-6000': [1, 2, 4, 8],
  'nvidia-l4': [1, 2, 4, 8],
  'nvidia-tesla-t4': [1, 2, 4],
};

function server(props: Partial<OptimizedLlmServerProps> & { model: string }): OptimizedLlmServer {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  return new OptimizedLlmServer(chart, 's', { name: 'srv', clusterMode: ClusterMode.AUTOPILOT, ...props });
}

test('the automatic choice on Autopilot takes a GPU quantity Autopilot admits, one pod per node, for every catalog model', () => {
  let checked = 0;
  for (const model of Catalog.EMBEDDED.models) {
    let s: OptimizedLlmServer;
    try {
      s = server({ model: model.id, huggingFaceToken: undefined });
    } catch (e) {
      // models that need a multi-host slice or no GPU of Autopilot's list holds are refused with a message, never a TypeError
      expect((e as Error).constructor).toBe(Error);
      continue;
    }
    const r = s.resolution;
    if (r.tpuTopology !== undefined) continue;
    const perPod = r.nodePool.acceleratorsPerNode;
    expect({ model: model.id, type: r.acceleratorType, allowed: PAGE_QUANTITIES[r.acceleratorType]?.includes(perPod) ?? false })
      .toEqual({ model: model.id, type: r.acceleratorType, allowed: true });
    expect({ model: model.id, podsPerNode: r.nodePool.podsPerNode ?? 1 }).toEqual({ model: model.id, podsPerNode: 1 });
    Testing.synth(s.node.scope as Chart);
    checked++;
  }
  expect(checked).toBeGreaterThanOrEqual(25);
});

test('an 8B model on H200: packed 1-GPU replicas on Standard, the whole 8-GPU machine on Autopilot, which admits 8 x H200 only', () => {
  const base = { model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-h200-141gb' };
  const standard = InferenceResolver.resolve(base);
  expect([standard.acceleratorCount, standard.nodePool.podsPerNode]).toEqual([1, 8]);
  const autopilot = InferenceResolver.resolve({ ...base, clusterMode: ClusterMode.AUTOPILOT });
  expect([autopilot.acceleratorCount, autopilot.nodePool.podsPerNode ?? 1]).toEqual([8, 1]);
  // the full machine is priced whole, not as an eighth of it
  expect(autopilot.cost.costPerHour).toBeCloseTo(standard.cost.costPerHour! * 8, 6);
  const reasons = autopilot.alternatives.filter((a) => a.acceleratorType === 'nvidia-h200-141gb').map((a) => a.reason).join('\n');
  expect(reasons).toMatch(/GKE Autopilot admits pods of 8 x nvidia-h200-141gb only, not 1/);
  // a type whose small shapes exist as machines of their own (a3-highgpu-1g) keeps them
  const h100 = InferenceResolver.resolve({ ...base, acceleratorType: 'nvidia-h100-80gb', clusterMode: ClusterMode.AUTOPILOT });
  expect([h100.acceleratorCount, h100.instanceType]).toEqual([1, 'a3-highgpu-1g']);
});

test('Autopilot notes give no node-pool command and no packing; they say what Autopilot provisions and bills', () => {
  const notes = server({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-h200-141gb' }).deploymentNotes.join('\n');
  expect(notes).toMatch(/Nodes \(GKE Autopilot\): no node pool to create; Autopilot provisions a node per replica from the pods' node selectors \(8 x nvidia-h200-141gb/);
  expect(notes).toMatch(/GKE 1\.31\.4-gke\.1183000 or later for 8 x nvidia-h200-141gb on Autopilot/);
  expect(notes).toMatch(/Autopilot bills the node's hardware plus an Autopilot premium/);
  expect(notes).not.toMatch(/node-pools create|Packing|compact placement/);
  const standard = server({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-h200-141gb', clusterMode: ClusterMode.STANDARD });
  expect(standard.deploymentNotes.join('\n')).toMatch(/Node pool \(GKE Standard\): a3-ultragpu-8g nodes holding 8 replicas each/);
});

test('the automatic choice on Autopilot leaves out GPU types Autopilot runs only on a newer GKE than the cluster\'s', () => {
  // RTX PRO 6000 on Autopilot from 1.34.1-gke.1829001: not at the assumed 1.33, nor at an explicit 1.33
  const model = 'meta-llama/Llama-3.1-8B-Instruct';
  expect(server({ model }).resolution.acceleratorType).not.toBe('nvidia-rtx-pro-6000');
  expect(server({ model, gkeVersion: '1.33.5-gke.1000000' }).resolution.acceleratorType).not.toBe('nvidia-rtx-pro-6000');
  const newer = server({ model, gkeVersion: '1.34.1-gke.1829001' }).resolution;
  const onStandard = InferenceResolver.resolve({ model, allowedAcceleratorTypes: ['nvidia-rtx-pro-6000', 'nvidia-l4', 'nvidia-h100-80gb'] });
  expect(onStandard.acceleratorType).toBe('nvidia-rtx-pro-6000');
  expect(newer.acceleratorType).toBe('nvidia-rtx-pro-6000');
});

test('a gkeVersion older than the one Autopilot needs for the shape is refused naming it', () => {
  expect(() => server({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-h200-141gb', gkeVersion: '1.30' }))
    .toThrow(/8 x nvidia-h200-141gb \(estimated\): GKE Autopilot runs 8 x nvidia-h200-141gb from 1\.31\.4-gke\.1183000 .*'gkeVersion' is 1\.30: /);
  // H100's 1, 2 and 4 GPU shapes need a later patch than the type itself: before it, the 8-GPU shape
  const early = server({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-h100-80gb', gkeVersion: '1.31.3-gke.1000000' }).resolution;
  expect(early.acceleratorCount).toBe(8);
  expect(early.alternatives.map((a) => a.reason).join('\n')).toMatch(/GKE Autopilot runs 1 x nvidia-h100-80gb from 1\.31\.4-gke\.1072000/);
  expect(server({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-h100-80gb', gkeVersion: '1.31.4-gke.1072000' }).resolution.acceleratorCount)
    .toBe(1);
  // unset is the documented default, 1.33: RTX PRO 6000 (from 1.34.1-gke.1829001) is refused there as at an explicit 1.33
  for (const gkeVersion of [undefined, '1.33']) {
    expect(() => server({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-rtx-pro-6000', gkeVersion }))
      .toThrow(/GKE Autopilot runs 1 x nvidia-rtx-pro-6000 from 1\.34\.1-gke\.1829001/);
  }
  // the automatic choice falls back to a shape the version runs, whatever the version (it threw at 1.30 and 1.31 on 1 x H100)
  for (const gkeVersion of ['1.29.4-gke.1427000', '1.30', '1.31', '1.33']) {
    const r = server({ model: 'meta-llama/Llama-3.1-8B-Instruct', gkeVersion }).resolution;
    expect(PAGE_QUANTITIES[r.acceleratorType]).toContain(r.acceleratorCount);
  }
  // the resolver alone plans the same (the construct and the resolver agree), and leaves GB200 (Preview) out unless asked for
  const alone = InferenceResolver.resolve({ model: 'meta-llama/Llama-3.1-8B-Instruct', clusterMode: ClusterMode.AUTOPILOT });
  expect(alone.acceleratorType).not.toMatch(/nvidia-rtx-pro-6000|nvidia-gb200/);
  expect(alone.alternatives.find((a) => a.acceleratorType === 'nvidia-gb200')?.reason).toMatch(/in Preview on GKE Autopilot/);
  // on Standard the version gate is Autopilot's only
  expect(server({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-h200-141gb', gkeVersion: '1.30', clusterMode: ClusterMode.STANDARD })
    .resolution.acceleratorType).toBe('nvidia-h200-141gb');
});

test('a model bucket on Autopilot: the notes say the FUSE sidecar\'s "0" limits and its GPU-node cap, which the RAM file cache exceeds', () => {
  const props = { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', modelBucketUri: 'gs://my-models/gemma-2-27b-it' };
  const s = server(props);
  const cache = s.resolution.modelLoading.fileCacheSizeGiB!;
  expect(cache).toBeGreaterThan(14);
  const notes = s.deploymentNotes.join('\n');
  expect(notes).toContain('Model bucket (Autopilot): the Cloud Storage FUSE driver\'s documentation says the sidecar\'s limits cannot be lifted with "0"');
  expect(notes).toContain(`at most 2 vCPU and 14 GiB (a known issue), less than this pod's ${cache} GiB RAM file cache`);
  expect(server({ ...props, clusterMode: ClusterMode.STANDARD }).deploymentNotes.join('\n')).not.toMatch(/Model bucket \(Autopilot\)/);
});

test('before 1.29.4-gke.1427000 Autopilot GPU pods need a compute-class selector or are billed by request: such a gkeVersion is refused', () => {
  // GKE, "Deploy GPU workloads in Autopilot": "Version 1.29.4-gke.1427000 and later: Request GPUs in your workload manifest"; earlier,
  // cloud.google.com/compute-class: Accelerator (from 1.28.9-gke.1069000), and before that "billed for the resource requests"
  for (const gkeVersion of ['1.28', '1.29.4-gke.1426999']) {
    expect(() => server({ model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', gkeVersion }))
      .toThrow(new RegExp(`from their GPU request alone from 1\\.29\\.4-gke\\.1427000 .*'gkeVersion' is ${gkeVersion.replace(/\./g, '\\.')}: .*upgrade the cluster`));
  }
  expect(server({ model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', gkeVersion: '1.29.4-gke.1427000' }).resolution.acceleratorType).toBe('nvidia-l4');
  // the automatic choice, every GPU shape refused for the version: the headline names the version first
  expect(() => server({ model: 'google/gemma-2-9b-it', gkeVersion: '1.28' })).toThrow(/^No profile for google\/gemma-2-9b-it meets the request \(a newer cluster \('gkeVersion'\)/);
  // Standard has no such floor here
  expect(server({ model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', gkeVersion: '1.28', clusterMode: ClusterMode.STANDARD }).resolution.acceleratorType)
    .toBe('nvidia-l4');
});

test('Autopilot GPU pods select the latest GPU driver, as Google\'s vLLM samples do; Standard names it on the node pool', () => {
  // GoogleCloudPlatform/kubernetes-engine-samples ai-ml/llm-serving-gemma/vllm/vllm-3-27b-it.yaml (run on Autopilot and Standard):
  // nodeSelector cloud.google.com/gke-gpu-driver-version: latest; without it Autopilot installs the version's default driver
  const auto = server({ model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4' });
  const pod = Testing.synth(auto.node.scope as Chart).find((o) => o.kind === 'Deployment')!.spec.template.spec;
  expect(pod.nodeSelector['cloud.google.com/gke-gpu-driver-version']).toBe('latest');
  expect(auto.resolution.nodePool.explanation.join('\n')).toMatch(/pods select cloud\.google\.com\/gke-gpu-driver-version=latest/);
  // Autopilot sizes the node's disk from the pods' requests: no boot-disk size or local SSD flag is the user's
  expect(auto.resolution.nodePool.explanation.join('\n')).toMatch(/ephemeral storage: the pod requests \d+ GiB, which Autopilot provisions/);
  expect(auto.resolution.nodePool.explanation.join('\n')).not.toMatch(/^boot disk \d+ GB|--ephemeral-storage-local-ssd/m);
  const std = server({ model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', clusterMode: ClusterMode.STANDARD });
  const stdPod = Testing.synth(std.node.scope as Chart).find((o) => o.kind === 'Deployment')!.spec.template.spec;
  expect(stdPod.nodeSelector['cloud.google.com/gke-gpu-driver-version']).toBeUndefined();
  expect(std.resolution.nodePool.gcloudCommand).toMatch(/gpu-driver-version=latest/);
  // TPU pods select no GPU driver
  const tpu = server({ model: 'google/gemma-2-9b-it', acceleratorType: 'tpu-v6e-slice' });
  expect(tpu.resolution.nodePool.nodeSelector['cloud.google.com/gke-gpu-driver-version']).toBeUndefined();
});

test('the GPU driver Autopilot pods select is the user\'s to change (default or latest), and nothing else', () => {
  const pod = (nodeSelector: { [k: string]: string }) => {
    const s = server({ model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', nodeSelector });
    return Testing.synth(s.node.scope as Chart).find((o) => o.kind === 'Deployment')!.spec.template.spec;
  };
  expect(pod({ 'cloud.google.com/gke-gpu-driver-version': 'default' }).nodeSelector['cloud.google.com/gke-gpu-driver-version']).toBe('default');
  expect(() => pod({ 'cloud.google.com/gke-gpu-driver-version': '550' }))
    .toThrow(/^'nodeSelector' 'cloud\.google\.com\/gke-gpu-driver-version: 550': GKE installs the default or latest driver/);
  // the accelerator stays the library's
  expect(() => pod({ 'cloud.google.com/gke-accelerator': 'nvidia-tesla-t4' })).toThrow(/'nodeSelector' cannot set 'cloud\.google\.com\/gke-accelerator'/);
});
