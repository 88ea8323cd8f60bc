import { Chart, Testing } from 'cdk8s';
import { ClusterMode, InferenceResolver, OptimizedLlmServer } from '../src';
import { expectValidManifests } from './support/k8s-validator';
import { Catalog } from '../src/catalog/catalog';
import { estimableKeys } from '../src/performance/estimated-curves';
import { profileCurves } from '../src/performance/profiles';
import { JsonObject } from '../src/validation/manifest';
import { checkManifests } from '../src/validation/runner';

const catalog = Catalog.EMBEDDED;
const TPUS = catalog.accelerators.filter((a) => a.family === 'tpu').map((a) => a.gkeLabel);

function synth(props: ConstructorParameters<typeof OptimizedLlmServer>[2]): { server: OptimizedLlmServer; objects: any[] } {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'srv', props);
  return { server, objects: Testing.synth(chart) };
}

const deploymentOf = (objects: any[]) => objects.find((o) => o.kind === 'Deployment');

test('every TPU profile in the catalog is vLLM\'s TPU image on the chips of one single-host slice', () => {
  // (JetStream's TPU profiles are tested in tpu-jetstream.test.ts)
  const tpuCurves = profileCurves(catalog).filter((c) => TPUS.includes(c.acceleratorType) && c.modelServer === 'vllm');
  expect(tpuCurves.length).toBeGreaterThan(20);
  for (const c of tpuCurves) {
    const key = `${c.model} ${c.acceleratorCount} x ${c.acceleratorType}`;
    const slice = catalog.singleHostTpuTopology(c.acceleratorType, c.acceleratorCount);
    expect({ key, singleHost: slice?.gkeNodes, chipsPerVm: slice?.chipsPerVm }).toEqual({ key, singleHost: 1, chipsPerVm: c.acceleratorCount });
    expect({ key, version: c.modelServerVersion, source: c.source }).toEqual({ key, version: 'v0.11.1-tpu', source: 'estimated' });
    // uncalibrated: there is no measured TPU point, and the band says so
    expect({ key, basis: c.estimate?.calibrationBasis, wide: c.uncertainty!.throughputHighMultiplier > 3 - 1e-9 })
      .toEqual({ key, basis: 'uncalibrated', wide: true });
  }
  // and no GPU image is ever put on a TPU, nor the TPU image on a GPU
  for (const c of profileCurves(catalog).filter((x) => x.modelServer === 'vllm')) {
    expect({ c: `${c.modelServerVersion} on ${c.acceleratorType}`, tpu: c.modelServerVersion.endsWith('-tpu') })
      .toEqual({ c: `${c.modelServerVersion} on ${c.acceleratorType}`, tpu: TPUS.includes(c.acceleratorType) });
  }
});

test('topology, chips per host and selectors agree for every TPU shape a profile uses; manifests validate strictly', () => {
  // one synthesized server per (TPU type, chips) profile shape, with the smallest model that resolves to it
  const shapes = new Map<string, { model: string; accelerator: string; chips: number }>();
  const bySize = [...catalog.models].sort((a, b) => a.checkpointWeightsGb - b.checkpointWeightsGb);
  for (const model of bySize) {
    for (const c of profileCurves(catalog, model.id).filter((x) => TPUS.includes(x.acceleratorType) && x.modelServer === 'vllm')) {
      const key = `${c.acceleratorType}|${c.acceleratorCount}`;
      if (shapes.has(key)) continue;
      // the resolver picks the smallest single-host slice that fits: keep the model whose smallest fit is this shape
      const r = InferenceResolver.resolve({ model: model.id, acceleratorType: c.acceleratorType });
      if (r.acceleratorCount === c.acceleratorCount) shapes.set(key, { model: model.id, accelerator: c.acceleratorType, chips: c.acceleratorCount });
    }
  }
  // v5e and v6e (vLLM TPU v0.11.1's generations) at 1, 4 and 8 chips
  expect(shapes.size).toBeGreaterThanOrEqual(6);
  for (const { model, accelerator } of shapes.values()) {
    const { server, objects } = synth({ model, acceleratorType: accelerator, targetNtpotMilliseconds: 2000 });
    const r = server.resolution;
    const slice = catalog.tpuTopology(accelerator, r.tpuTopology!)!;
    const d = deploymentOf(objects);
    const pod = d.spec.template.spec;
    const container = pod.containers[0];
    const where = `${model} on ${accelerator}`;
    expect({ where, selector: pod.nodeSelector }).toEqual({
      where,
      selector: { 'cloud.google.com/gke-tpu-accelerator': accelerator, 'cloud.google.com/gke-tpu-topology': slice.topology, 'cloud.google.com/gke-spot': 'true' },
    });
    expect({ where, requests: container.resources.requests['google.com/tpu'], limits: container.resources.limits['google.com/tpu'] })
      .toEqual({ where, requests: String(slice.chipsPerVm), limits: String(slice.chipsPerVm) });
    expect({ where, gpu: 'nvidia.com/gpu' in container.resources.limits, singleHost: slice.gkeNodes }).toEqual({ where, gpu: false, singleHost: 1 });
    expect(r.tensorParallelSize).toBe(slice.chips);
    expect(container.image).toBe('vllm/vllm-tpu:v0.11.1');
    expect(container.args).toEqual(expect.arrayContaining([`--tensor-parallel-size=${slice.chips}`, '--max-num-seqs=128', '--max-num-batched-tokens=512']));
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'VLLM_USE_V1', value: '1' }]));
    expect(container.readinessProbe.httpGet.path).toBe('/health');
    expect(r.instanceType).toBe(slice.machineType);
    // a single-host pool takes its topology from the machine type: GKE refuses --tpu-topology there (xpk #822's 400, "TPU topology
    // can't be specified with single-host TPU slice pool"); Google's single-host tutorials create the pool with the machine type alone
    expect(r.nodePool.gcloudCommand).toContain(`--machine-type ${slice.machineType}`);
    expect(r.nodePool.gcloudCommand).not.toContain('--tpu-topology');
    expectValidManifests(objects);
  }
});

test('the smallest single-host slice that fits is chosen, priced per chip, and explained', () => {
  const r = InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'tpu-v6e-slice' });
  expect([r.tpuTopology, r.acceleratorCount, r.instanceType]).toEqual(['2x2', 4, 'ct6e-standard-4t']);
  expect(r.cost.costPerHour).toBeCloseTo(4 * 0.6483, 10);
  expect(r.decisions.join('\n')).toMatch(/TPU slice 2x2: 4 chips on one ct6e-standard-4t \(sub-host\).*smallest single-host slice/);
  expect(r.uncertainty!.basis).toMatch(/no measured TPU point/);
  // gemma-2-27b needs all 8 chips of a v5e host
  expect(InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'tpu-v5-lite-podslice' }).tpuTopology).toBe('2x4');
});

test('vLLM TPU v0.11.1 runs on v5e and v6e only: v5p and TPU7x are refused naming the generations it serves', () => {
  // "vLLM supports TPU v6e and v5e" (vllm-project/tpu-inference quickstart at v0.11.1); TPU7x needs a 2026 build
  for (const acceleratorType of ['tpu7x', 'tpu-v5p-slice']) {
    expect(() => InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType }))
      .toThrow(new RegExp(`No vllm image of the catalog runs on ${acceleratorType}: v0\\.11\\.1-tpu \\(vllm/vllm-tpu:v0\\.11\\.1\\) runs on tpu-v5-lite-podslice, tpu-v6e-slice only`));
  }
  // nor does any JetStream image on TPU7x (v0.2.2 and the Pathways build predate it)
  expect(() => InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'tpu7x', modelServer: 'jetstream' }))
    .toThrow(/No jetstream image of the catalog runs on tpu7x: v0\.2\.2 .*runs on tpu-v5-lite-podslice, tpu-v5p-slice, tpu-v6e-slice only/);
  // the listings agree: no TPU7x or v5p vLLM profile is offered
  const keys = estimableKeys(Catalog.EMBEDDED).filter((k) => k.modelServer === 'vllm');
  expect(keys.some((k) => k.acceleratorType === 'tpu7x' || k.acceleratorType === 'tpu-v5p-slice')).toBe(false);
  expect(keys.some((k) => k.acceleratorType === 'tpu-v6e-slice')).toBe(true);
});

test('a model that needs more than one TPU host is refused, naming JetStream and multi-host slices', () => {
  expect(() => InferenceResolver.resolve({ model: 'meta-llama/Llama-3.3-70B-Instruct', acceleratorType: 'tpu-v5-lite-podslice' }))
    .toThrow(/does not fit one host of 'tpu-v5-lite-podslice' \('acceleratorType'\).*largest single-host slice \(2x4, 8 chips.*This library serves vLLM on TPU single-host.*multi-host TPU slice served by JetStream with Pathways \('modelServer' 'jetstream' on 'tpu-v6e-slice'/);
  // the same model fits one v6e host (8 x 32 GB)
  expect(InferenceResolver.resolve({ model: 'meta-llama/Llama-3.3-70B-Instruct', acceleratorType: 'tpu-v6e-slice' }).tpuTopology).toBe('2x4');
  // the DCGM duty cycle does not exist on TPU nodes
  expect(() => InferenceResolver.resolve({
    model: 'google/gemma-2-27b-it',
    acceleratorType: 'tpu-v6e-slice',
    targetNtpotMilliseconds: 500,
    autoscalingMetric: 'gpu-duty-cycle' as any,
  })).toThrow(/'autoscalingMetric' 'gpu-duty-cycle' is refused/);
});

test('TPU validation rules: selectors present and google.com/tpu equal to the topology\'s chips per VM', () => {
  const { objects } = synth({ model: 'google/gemma-2-27b-it', acceleratorType: 'tpu-v6e-slice' });
  const options = { clusterMode: ClusterMode.STANDARD, autopilotAcceleratorTypes: [], optOuts: {} };
  const tpuViolations = (objs: any[]) => checkManifests(objs as JsonObject[], options).filter((v) => v.ruleId.startsWith('gke-tpu/'));
  expect(tpuViolations(objects)).toEqual([]);

  const wrongChips = JSON.parse(JSON.stringify(objects));
  const c = deploymentOf(wrongChips).spec.template.spec.containers[0];
  c.resources.requests['google.com/tpu'] = '8';
  c.resources.limits['google.com/tpu'] = '8';
  expect(tpuViolations(wrongChips).map((v) => [v.ruleId, v.message])).toEqual([[
    'gke-tpu/chips-per-vm',
    'google.com/tpu requests 8 and limits 8, but a 2x2 slice of tpu-v6e-slice has 4 chips per VM (ct6e-standard-4t): each pod must take all of its VM\'s chips',
  ]]);

  const noTopology = JSON.parse(JSON.stringify(objects));
  delete deploymentOf(noTopology).spec.template.spec.nodeSelector['cloud.google.com/gke-tpu-topology'];
  expect(tpuViolations(noTopology).map((v) => v.ruleId)).toEqual(['gke-tpu/selectors']);

  const unknownTopology = JSON.parse(JSON.stringify(objects));
  deploymentOf(unknownTopology).spec.template.spec.nodeSelector['cloud.google.com/gke-tpu-topology'] = '3x3';
  expect(tpuViolations(unknownTopology)[0].message).toMatch(/"3x3" is not a topology of "tpu-v6e-slice" \(known: 1x1, 2x2, 2x4, 4x4/);
});
