import { Chart, Testing } from 'cdk8s';
import { Capacity, InferenceResolver, OptimizedLlmServer, PricingModel } from '../src';
import { DAEMONSETS, gkeAllocatable } from './support/gke-formulas';
import { Catalog } from '../src/catalog/catalog';
import { resolveWith } from '../src/resolver/resolver';
import { ClusterMode } from '../src/validation/cluster-mode';
import { checkNodeFit } from '../src/validation/node-fit-rules';

/**
 * Several servers per machine (issue 13): a small model on a GPU sold only as 8-GPU machines packs
 * floor(8 / tensor-parallel size) replicas on one node. The physics pinned here: a replica costs its share of
 * the machine's published price, packing lowers the cost per token of an 8B model against one replica over all
 * 8 GPUs, each pod requests tensor-parallel-size GPUs, and the pods a node holds fit its allocatable resources as
 * GKE's "Plan GKE Standard node sizes" computes them (memory 25/20/10/6/2% tiers + 100 MiB eviction, CPU
 * 6/1/0.5/0.25% tiers), over the node's memory capacity (the kernel's MemTotal), less GKE's system DaemonSets (0.75 CPU, 1 GiB: our estimate).
 */
const catalog = Catalog.EMBEDDED;
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

function allocatable(machineType: string): { cpu: number; memoryGiB: number } {
  const m = catalog.machineTypes.find((x) => x.name === machineType)!;
  const node = gkeAllocatable(m.ramGb, m.vcpu);
  return { cpu: node.cpu - DAEMONSETS.cpu, memoryGiB: node.memoryGiB - DAEMONSETS.memory };
}

const GIB = 1024 ** 3;
function quantity(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(Gi|Mi|m)?$/.exec(v)!;
  return Number(m[1]) * ({ Gi: GIB, Mi: 1024 ** 2, m: 0.001 } as { [k: string]: number })[m[2] ?? ''] || Number(m[1]);
}

// the catalog has a whole-VM price for a3-ultragpu-8g; for a4-highgpu-8g only the GPUs' part (no cost figures), so on B200 the
// comparison is output tokens/s per GPU, which cost per token is inversely proportional to at one machine price
describe.each([
  ['nvidia-h200-141gb', 'a3-ultragpu-8g', true],
  ['nvidia-b200', 'a4-highgpu-8g', false],
])('an 8B model on %s (%s, 8 GPUs per machine)', (accelerator, machineType, priced) => {
  const request = {
    model: MODEL,
    acceleratorType: accelerator,
    targetNtpotMilliseconds: 100,
    capacity: Capacity.ON_DEMAND,
    pricingModel: PricingModel.ON_DEMAND,
  };
  const r = InferenceResolver.resolve(request);

  test('packs eight tensor-parallel-1 replicas on one machine, each costing 1/8 of its published price', () => {
    expect(r.instanceType).toBe(machineType);
    expect(r.tensorParallelSize).toBe(1);
    expect(r.acceleratorCount).toBe(1);
    expect(r.podsPerNode).toBe(8);
    expect(r.nodePool.podsPerNode).toBe(8);
    // the node pool is the whole machine: the gcloud command asks for all 8 GPUs, --num-nodes 1 holds 8 replicas
    expect(r.nodePool.acceleratorsPerNode).toBe(8);
    expect(r.nodePool.gcloudCommand).toContain(`--accelerator type=${accelerator},count=8,`);
    expect(r.nodePool.gcloudCommand).toContain('--num-nodes 1');
    // no accelerator-count selector: a pod's GPU limit (1) is not the node's count (8)
    expect(r.nodePool.nodeSelector['cloud.google.com/gke-accelerator-count']).toBeUndefined();
    expect(r.decisions.some((d) => d.startsWith(`packing: one ${machineType} node holds 8 server pods`))).toBe(true);
    if (!priced) return;
    const price = catalog.machinePrice(machineType, 'us-central1', 'on-demand')!;
    expect(r.cost.costPerHour).toBeCloseTo(price.usdPerHour / 8, 9);
    // GIQ's cost formula on the replica's share: $/s / (input tok/s / ratio + output tok/s)
    const p = r.performance;
    const perToken = price.usdPerHour / 8 / 3600 / (p.inputTokensPerSecond / 4 + p.outputTokensPerSecond);
    expect(r.cost.costPerMillionOutputTokens).toBeCloseTo(perToken * 1e6, 9);
  });

  test('packing lowers the cost per token against one replica over the whole machine, which stays among the alternatives', () => {
    const whole = r.alternatives.find((a) => a.acceleratorType === accelerator && a.acceleratorCount === 8)!;
    expect(whole.podsPerNode).toBeUndefined();
    expect(whole.instanceType).toBe(machineType);
    // eight replicas of one GPU serve more than one replica over eight (tensor parallelism does not scale linearly)
    expect(8 * r.performance.outputTokensPerSecond).toBeGreaterThan(whole.outputTokensPerSecond!);
    if (priced) expect(r.cost.costPerMillionOutputTokens!).toBeLessThan(whole.costPerMillionOutputTokens!);
    // the packed shapes of 2 and 4 GPUs are compared too
    expect(r.alternatives.filter((a) => a.acceleratorType === accelerator && a.podsPerNode !== undefined)
      .map((a) => [a.acceleratorCount, a.podsPerNode])).toEqual([[2, 4], [4, 2]]);
  });

  test('the synthesized pod requests 1 GPU, and the 8 pods a node holds fit its allocatable CPU and memory', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test', { namespace: 'llm' });
    const server = new OptimizedLlmServer(chart, 'server', { ...request, name: 'llama', clusterMode: ClusterMode.STANDARD });
    const deployment = chart.toJson().find((o: any) => o.kind === 'Deployment');
    const containers: any[] = deployment.spec.template.spec.containers;
    const gpus = containers.reduce((n, c) => n + Number(c.resources?.limits?.['nvidia.com/gpu'] ?? 0), 0);
    expect(gpus).toBe(1);
    const cpu = containers.reduce((n, c) => n + quantity(String(c.resources?.requests?.cpu ?? '0')), 0);
    const memory = containers.reduce((n, c) => n + quantity(String(c.resources?.requests?.memory ?? '0')), 0) / GIB;
    const node = allocatable(machineType);
    expect(8 * cpu).toBeLessThanOrEqual(node.cpu);
    expect(8 * memory).toBeLessThanOrEqual(node.memoryGiB);
    expect(deployment.spec.template.spec.nodeSelector['cloud.google.com/gke-accelerator']).toBe(accelerator);
    expect(server.deploymentNotes.some((n) => n.startsWith(`Packing: one ${machineType} node holds 8 server pods of 1 x ${accelerator}`))).toBe(true);
    // the cost annotation (what cost tooling reads in the cluster) says the hourly price is a share of a machine billed whole
    const cost = deployment.metadata.annotations['cdk8s-gke-inference.io/cost'];
    const billedWhole = `each ${machineType} node holds 8 replicas and is billed whole however many run`;
    if (priced) {
      const price = catalog.machinePrice(machineType, 'us-central1', 'on-demand')!.usdPerHour;
      expect(cost).toContain(`$${r.cost.costPerHour}/h per replica, 1/8 of ${machineType} at $${price}/h: ${billedWhole}`);
    } else {
      expect(cost).toBe(`no price for ${machineType} (on-demand, us-central1); ${billedWhole}`);
    }
  });
});

test('the node-fit rule counts every pod a packed node holds', () => {
  const r = InferenceResolver.resolve({ model: MODEL, acceleratorType: 'nvidia-h200-141gb' });

  const cpu = r.nodePool.allocatableCpu / 8 + 1; // one pod fits, eight do not
  const template: any = {
    labels: {},
    owner: { metadata: { name: 'x' } },
    path: '/spec/template',
    annotations: {},
    spec: { nodeSelector: r.nodePool.nodeSelector },
    containers: [{ init: false, path: '/spec/template/spec/containers/0', container: { name: 'server', resources: { requests: { 'cpu': String(cpu), 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } } } }],
  };
  const reports: string[] = [];
  checkNodeFit([template], r.nodePool, (_o: unknown, _p: string, message: string) => reports.push(message));
  expect(reports.join('\n')).toMatch(/the 8 pods a node holds ask for .* of cpu/);
  checkNodeFit([template], { ...r.nodePool, podsPerNode: undefined }, (_o: unknown, _p: string, message: string) => reports.push(`single: ${message}`));
  expect(reports.filter((m) => m.startsWith('single:'))).toEqual([]);
});

test('where a machine type carries the tensor-parallel size, nothing is packed (a3-highgpu-1g for an 8B model on H100)', () => {
  const r = resolveWith(catalog, { model: MODEL, acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 100 });
  expect(r.podsPerNode).toBeUndefined();
  expect(r.nodePool.podsPerNode).toBeUndefined();
  expect(r.alternatives.every((a) => a.podsPerNode === undefined)).toBe(true);
  expect(r.nodePool.nodeSelector['cloud.google.com/gke-accelerator-count']).toBe(String(r.tensorParallelSize));
});

test('a node the replicas never fill costs the same: the notes give the cost at the HPA\'s maximum when it is no multiple of the pods a node holds', () => {
  const note = (maxReplicas: number) => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    const server = new OptimizedLlmServer(chart, 's', { model: MODEL, acceleratorType: 'nvidia-h200-141gb', targetNtpotMilliseconds: 30, maxReplicas });
    return { server, line: server.deploymentNotes.find((n) => n.startsWith('Packing cost:')) };
  };
  const five = note(5);
  expect(five.server.resolution.nodePool.podsPerNode).toBe(8);
  const cost = five.server.resolution.cost.costPerMillionOutputTokens!;
  // 5 replicas on one 8-pod node pay the whole node: 8/5 of the figure
  expect(five.line).toContain(`$${(cost * 8 / 5).toFixed(3)}/M at the operating point`);
  expect(five.line).toMatch(/at 5 replicas \(the HPA's maximum\) the node holds 5 of 8/);
  // 12 replicas: two nodes for 12 pods, 16/12 of the figure
  expect(note(12).line).toContain(`$${(cost * 16 / 12).toFixed(3)}/M`);
  // full nodes pay the figure: no note
  expect(note(16).line).toBeUndefined();
  // by default the HPA's maximum fills whole nodes: 8 replicas of one GPU on an 8-GPU machine, not 5
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const byDefault = new OptimizedLlmServer(chart, 's', { model: MODEL, acceleratorType: 'nvidia-h200-141gb', targetNtpotMilliseconds: 30 });
  expect(byDefault.horizontalPodAutoscaler!.toJson().spec.maxReplicas).toBe(8);
  expect(byDefault.deploymentNotes.some((n) => n.startsWith('Packing cost:'))).toBe(false);
  // but the HPA's floor (minReplicas 1) keeps a whole node: its price for one replica's tokens, 8 x the figure
  const floor = byDefault.deploymentNotes.find((n) => n.startsWith('Packing floor:'))!;
  const perHour = byDefault.resolution.cost.costPerHour!;
  expect(floor).toContain(`a whole node runs ($${Math.round(perHour * 8 * 10000) / 10000}/h, not the figures' $${perHour}/h for 1 replica)`);
  expect(floor).toContain(`$${(byDefault.resolution.cost.costPerMillionOutputTokens! * 8).toFixed(3)}/M output tokens at the operating point`);
  const chart8 = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const atEight = new OptimizedLlmServer(chart8, 's', { model: MODEL, acceleratorType: 'nvidia-h200-141gb', targetNtpotMilliseconds: 30, minReplicas: 8 });
  expect(atEight.deploymentNotes.some((n) => n.startsWith('Packing floor:'))).toBe(false);
});

test('a model no whole 8-GPU machine can split (28 heads) is served packed on it, as the listings offer it', () => {
  // DeepSeek-R1-Distill-Qwen-7B: 28 attention and 4 KV heads, so tensor parallel 8 does not divide them; H200, B200 and H100 Mega
  // come only as 8-GPU machines, where 1, 2 and 4 GPUs per replica pack
  const model = catalog.model('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B')!;
  expect([model.attentionHeads, model.kvHeads]).toEqual([28, 4]);
  for (const acceleratorType of ['nvidia-h200-141gb', 'nvidia-b200', 'nvidia-h100-mega-80gb']) {
    expect(catalog.acceleratorCountsPerMachine(acceleratorType)).toEqual([8]);
    const r = InferenceResolver.resolve({ model: model.id, acceleratorType });
    expect([1, 2, 4]).toContain(r.tensorParallelSize);
    expect(r.nodePool.podsPerNode).toBe(8 / r.tensorParallelSize);
    expect(r.decisions.join('\n')).toMatch(/valid sizes here: none on a whole machine; packed on one machine: 1, 2, 4/);
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    new OptimizedLlmServer(chart, 'qwen', { model: model.id, acceleratorType });
    const pod = chart.toJson().find((o: any) => o.kind === 'Deployment').spec.template.spec;
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(String(r.tensorParallelSize));
    // the pods a node holds fit its allocatable CPU and memory (GKE's formulas)
    const node = allocatable(r.instanceType!);
    const requests = pod.containers.map((c: any) => c.resources.requests ?? {});
    const sum = (k: string) => requests.reduce((t: number, q: any) => t + (q[k] ? quantity(q[k]) : 0), 0);
    expect(sum('cpu') * r.nodePool.podsPerNode!).toBeLessThanOrEqual(node.cpu);
    expect((sum('memory') / GIB) * r.nodePool.podsPerNode!).toBeLessThanOrEqual(node.memoryGiB);
  }
});
