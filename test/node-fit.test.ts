import { Chart, Testing } from 'cdk8s';
import { Capacity, InferenceResolver, OptimizedLlmServer, OptimizedLlmServerProps, PricingModel } from '../src';
import { DAEMONSETS, gkeAllocatable } from './support/gke-formulas';
import { Catalog } from '../src/catalog/catalog';
import { ClusterMode } from '../src/validation/cluster-mode';
import { checkManifests } from '../src/validation/runner';

/**
 * Every catalog model on every accelerator it resolves to, from Hugging Face and from a bucket: each pod on the
 * node pool fits one node's allocatable resources, computed here by hand from GKE's "Plan GKE Standard node sizes"
 * (memory 25/20/10/6/2% tiers + 100 MiB eviction, CPU 6/1/0.5/0.25% tiers, boot disk 10% eviction + min(50%, 6 GiB + 35%,
 * 100 GiB), local SSD 10% + 50/75/100 GiB), with the Cloud Storage FUSE sidecar as its webhook sizes it
 * (gcs-fuse-csi-driver pkg/webhook/config.go: a "0" limit without a request takes the default request 250m / 256Mi / 5Gi).
 */
const GIB = 1024 ** 3;
const catalog = Catalog.EMBEDDED;

// Compute Engine: local SSD disks bundled with these machine types (375 GB each)
const BUNDLED_SSDS: { [m: string]: number } = {
  'a2-ultragpu-1g': 1,
  'a2-ultragpu-2g': 2,
  'a2-ultragpu-4g': 4,
  'a2-ultragpu-8g': 8,
  'a3-highgpu-1g': 2,
  'a3-highgpu-2g': 4,
  'a3-highgpu-4g': 8,
  'a3-highgpu-8g': 16,
  'a3-edgegpu-8g': 16,
  'a3-megagpu-8g': 16,
  'a3-ultragpu-8g': 32,
  'a4-highgpu-8g': 32,
  'a4x-highgpu-4g': 32,
};
// GKE's system DaemonSets on an accelerator node: our estimate (0.5 CPU, 1 GiB), not a documented figure

function allocatable(machineType: string, bootDiskGb: number, onSsd: boolean): { cpu: number; memory: number; ephemeral: number } {
  const m = catalog.machineTypes.find((x) => x.name === machineType)!;
  const node = gkeAllocatable(m.ramGb, m.vcpu);
  let ephemeral: number;
  if (onSsd) {
    const n = BUNDLED_SSDS[machineType];
    ephemeral = n * 375 * 0.9 - (n === 1 ? 50 : n === 2 ? 75 : 100);
  } else {
    // 10% of the file system (98831908Ki on GKE's 100 GB example node) and min(50%, 6 GiB + 35%, 100 GiB) of the disk: the example
    // node's allocatable "47060071478" bytes
    const fs = (bootDiskGb * 98831908) / (100 * 1024 ** 2);
    ephemeral = fs * 0.9 - Math.min(0.5 * bootDiskGb, 6 + 0.35 * bootDiskGb, 100);
  }
  return { cpu: node.cpu - DAEMONSETS.cpu, memory: node.memoryGiB - DAEMONSETS.memory, ephemeral };
}

const QUANTITY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|m)?$/;
function q(v: unknown): number {
  if (v === undefined) return 0;
  const m = QUANTITY.exec(String(v));
  if (!m) throw new Error(`unparsed quantity ${String(v)}`);
  const mult: { [u: string]: number } = { Ki: 1024, Mi: 1024 ** 2, Gi: GIB, Ti: 1024 ** 4, m: 0.001 };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}

function sidecar(annotations: any, name: string, defReq: number): number {
  const req = annotations[`gke-gcsfuse/${name}-request`];
  const lim = annotations[`gke-gcsfuse/${name}-limit`];
  if (req !== undefined) return q(req);
  if (lim === undefined || q(lim) === 0) return defReq;
  return q(lim);
}

/** What one pod template asks of its node: containers + sidecar init containers (or the largest init container), + the FUSE sidecar. */
function ask(template: any): { cpu: number; memory: number; ephemeral: number } {
  const spec = template.spec;
  const sum = { cpu: 0, memory: 0, ephemeral: 0 };
  const addC = (c: any, to: typeof sum) => {
    const r = c.resources?.requests ?? c.resources?.limits ?? {};
    to.cpu += q(r.cpu);
    to.memory += q(r.memory) / GIB;
    to.ephemeral += q(r['ephemeral-storage']) / GIB;
  };
  for (const c of spec.containers) addC(c, sum);
  const init = { cpu: 0, memory: 0, ephemeral: 0 };
  for (const c of spec.initContainers ?? []) {
    if (c.restartPolicy === 'Always') {addC(c, sum);} else {
      const one = { cpu: 0, memory: 0, ephemeral: 0 };
      addC(c, one);
      init.cpu = Math.max(init.cpu, one.cpu);
      init.memory = Math.max(init.memory, one.memory);
      init.ephemeral = Math.max(init.ephemeral, one.ephemeral);
    }
  }
  const a = template.metadata?.annotations ?? {};
  if (a['gke-gcsfuse/volumes'] === 'true') {
    sum.cpu += sidecar(a, 'cpu', 0.25);
    sum.memory += sidecar(a, 'memory', 256 * 1024 ** 2) / GIB;
    sum.ephemeral += sidecar(a, 'ephemeral-storage', 5 * GIB) / GIB;
    const prefetchLimit = a['gke-gcsfuse/metadata-prefetch-memory-limit'];
    if (prefetchLimit) sum.memory += q(prefetchLimit) / GIB;
  }
  return { cpu: Math.max(sum.cpu, init.cpu), memory: Math.max(sum.memory, init.memory), ephemeral: Math.max(sum.ephemeral, init.ephemeral) };
}

/** Pod templates of the synthesized objects that run on the accelerator node pool. */
function poolTemplates(objects: any[], selector: { [k: string]: string }): any[] {
  const out: any[] = [];
  for (const o of objects) {
    const ts = o.kind === 'LeaderWorkerSet'
      ? [o.spec.leaderWorkerTemplate.leaderTemplate, o.spec.leaderWorkerTemplate.workerTemplate].filter((x) => x)
      : o.spec?.template ? [o.spec.template] : [];
    for (const t of ts) {
      const sel = t.spec.nodeSelector ?? {};
      if (Object.entries(selector).every(([k, v]) => sel[k] === v)) out.push({ owner: `${o.kind}/${o.metadata.name}`, t });
    }
  }
  return out;
}

function synth(props: OptimizedLlmServerProps): { server: OptimizedLlmServer; objects: any[] } {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'server', props);
  return { server, objects: chart.toJson() };
}

test('every catalog model on every accelerator it resolves to fits its node, from Hugging Face and from a bucket', () => {
  let checked = 0;
  const failures: string[] = [];
  for (const model of catalog.models) {
    for (const accelerator of catalog.accelerators) {
      let resolvable = true;
      try {
        InferenceResolver.resolve({ model: model.id, acceleratorType: accelerator.gkeLabel });
      } catch {
        resolvable = false;
      }
      if (!resolvable) continue;
      for (const bucket of [undefined, `gs://models-bkt/${model.id}`]) {
        const props: OptimizedLlmServerProps = { model: model.id, acceleratorType: accelerator.gkeLabel, modelBucketUri: bucket };
        let result: { server: OptimizedLlmServer; objects: any[] };
        try {
          result = synth(props);
        } catch (e) {
          const msg = (e as Error).message;
          // acceptable failures are actionable: the node-fit rule, or a file cache in RAM that no machine of the type holds
          // (with what would work: local SSD, more memory, or Hugging Face onto a sized boot disk)
          const actionable = /\[gke\/node-fit\].*allocatable.*Fix: /s.test(msg)
            || /cannot hold the memory-backed model cache .*local SSD for the file cache.*omit 'modelBucketUri'/s.test(msg);
          expect(bucket !== undefined || /node-fit/.test(msg)).toBe(true);
          if (!actionable) failures.push(`${model.id} on ${accelerator.gkeLabel}${bucket ? ' (bucket)' : ''}: ${msg.split('\n')[0]}`);
          continue;
        }
        const pool = result.server.resolution.nodePool;
        const node = allocatable(pool.machineType, pool.bootDiskSizeGb, pool.ephemeralStorageOn === 'local-ssd');
        const templates = poolTemplates(result.objects, pool.nodeSelector);
        expect(templates.length).toBeGreaterThan(0);
        const accelerated = templates.filter(({ t }) => t.spec.containers.some((c: any) => c.resources?.limits?.['nvidia.com/gpu'] || c.resources?.limits?.['google.com/tpu']));
        const biggest = Math.max(...accelerated.map(({ t }) => ask(t).memory));
        for (const { owner, t } of templates) {
          const a = ask(t);
          // a chip-less pod on the pool (a Pathways leader) shares a node with the largest accelerator pod
          const colocated = accelerated.some((x) => x.t === t)
            ? { cpu: 0, memory: 0, ephemeral: 0 }
            : ask(accelerated.find(({ t: x }) => ask(x).memory === biggest)!.t);
          const where = `${model.id} on ${accelerator.gkeLabel}${bucket ? ' (bucket)' : ''}: ${owner} on ${pool.machineType}`;
          if (a.cpu + colocated.cpu > node.cpu + 1e-9) failures.push(`${where}: cpu ${a.cpu + colocated.cpu} > ${node.cpu}`);
          if (a.memory + colocated.memory > node.memory + 1e-9) failures.push(`${where}: memory ${a.memory + colocated.memory} > ${node.memory}`);
          if (a.ephemeral + colocated.ephemeral > node.ephemeral + 1e-9) failures.push(`${where}: ephemeral ${a.ephemeral + colocated.ephemeral} > ${node.ephemeral}`);
        }
        checked++;
      }
    }
  }
  expect(failures).toEqual([]);
  expect(checked).toBeGreaterThan(50);
});

test('gke/node-fit: the issue\'s pod (61Gi on a default 100 GB boot disk, a 60Gi FUSE limit copied into the request) fails with the options', () => {
  const { server, objects } = synth({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4' });
  const pool = server.nodePool;
  expect(pool).toBe(server.resolution.nodePool);
  // the pool is sized for the download: a 140 GB boot disk (0.9 x 0.9425 D - 6 - 0.35 D >= 61 GiB)
  expect(pool.bootDiskSizeGb).toBe(140);
  expect(pool.gcloudCommand).toContain('--disk-size 140');
  const deployment = objects.find((o) => o.kind === 'Deployment');
  expect(deployment.spec.template.spec.containers[0].resources.requests['ephemeral-storage']).toBe('61Gi');
  // the same pod on a default node: 43.8 GiB allocatable
  const defaultNode = { ...pool, bootDiskSizeGb: 100, allocatableEphemeralStorageGiB: allocatable(pool.machineType, 100, false).ephemeral };
  const options = { clusterMode: ClusterMode.STANDARD, autopilotAcceleratorTypes: [], optOuts: {}, nodeFit: defaultNode };
  const run = (objs: any[]) => checkManifests(objs, options)
    .filter((v) => v.ruleId === 'gke/node-fit');
  const [v] = run(objects);
  expect(v.message).toMatch(/asks for 61 GiB of ephemeral-storage \(inference-server 61 GiB\), but one g2-standard-48 node \(100 GB boot disk\) has 43\.8 GiB allocatable/);
  expect(v.fix).toMatch(/a bigger boot disk.*local SSD.*file cache in RAM.*larger machine/);
  // a sidecar ephemeral-storage limit without a request: the webhook copies it into the request
  const patched = JSON.parse(JSON.stringify(objects));
  const t = patched.find((o: any) => o.kind === 'Deployment').spec.template;
  t.spec.containers[0].resources.requests['ephemeral-storage'] = '10Gi';
  t.spec.containers[0].resources.limits['ephemeral-storage'] = '10Gi';
  t.metadata.annotations = { 'gke-gcsfuse/volumes': 'true', 'gke-gcsfuse/ephemeral-storage-limit': '60Gi' };
  expect(run(patched)[0].message).toMatch(/asks for 70 GiB of ephemeral-storage \(inference-server 10 GiB, gke-gcsfuse-sidecar .* 60 GiB\)/);
  // Google's recipe: "0" lifts the limit, and the request falls back to the webhook's 5Gi default
  t.metadata.annotations['gke-gcsfuse/ephemeral-storage-limit'] = '0';
  expect(run(patched)).toEqual([]);
});

test('capacity: Spot, on-demand and reservation variants select their nodes and price the cost alike', () => {
  const base: OptimizedLlmServerProps = { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4' };
  const price = (model: string) => catalog.machinePrice('g2-standard-48', 'us-central1', model as any)!.usdPerHour;
  const variants: Array<[Partial<OptimizedLlmServerProps>, { [k: string]: string }, string, string]> = [
    [{}, { 'cloud.google.com/gke-spot': 'true' }, 'spot', '--spot'],
    [{ capacity: Capacity.SPOT }, { 'cloud.google.com/gke-spot': 'true' }, 'spot', '--spot'],
    [{ capacity: Capacity.ON_DEMAND }, {}, 'on-demand', ''],
    [{ pricingModel: PricingModel.ONE_YEAR_CUD }, {}, '1-year-cud', ''],
    [{ capacity: Capacity.RESERVATION, reservationName: 'l4-res' },
      { 'cloud.google.com/reservation-name': 'l4-res', 'cloud.google.com/reservation-affinity': 'specific' }, 'on-demand',
      '--reservation-affinity specific --reservation l4-res'],
    [{ capacity: Capacity.FLEX_START }, { 'cloud.google.com/gke-flex-start': 'true' }, 'on-demand', '--flex-start'],
  ];
  for (const [extra, selector, pricingModel, flag] of variants) {
    const { server, objects } = synth({ ...base, ...extra });
    const pod = objects.find((o) => o.kind === 'Deployment').spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4', 'cloud.google.com/gke-accelerator-count': '4', ...selector });
    const r = server.resolution;
    expect(r.cost.pricingModel).toBe(pricingModel);
    expect(r.cost.costPerHour).toBe(price(pricingModel));
    const notes = server.deploymentNotes.join('\n');
    if (flag) expect(notes).toContain(flag);
    if (pricingModel !== 'spot') expect(notes).not.toContain('--spot');
    // the grace period is for scale-in and rollouts, the same on every capacity (a Spot preemption gives 15 s whatever it is)
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(30);
    expect(notes).toContain(pricingModel === 'spot' ? 'A Spot preemption gives pods 15 s whatever the grace period' : 'Shutdown: ');
    expect(pod.tolerations).toEqual(pricingModel === 'spot' ? [{ key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' }] : undefined);
  }
  expect(price('spot')).toBeLessThan(price('on-demand'));
  expect(() => synth({ ...base, capacity: Capacity.SPOT, pricingModel: PricingModel.ON_DEMAND })).toThrow(/'pricingModel' on-demand does not price Spot capacity/);
  expect(() => synth({ ...base, capacity: Capacity.ON_DEMAND, pricingModel: PricingModel.SPOT })).toThrow(/'pricingModel' spot prices Spot VMs, but 'capacity' is on-demand/);
  expect(() => synth({ ...base, capacity: Capacity.RESERVATION })).toThrow(/'reservationName' must name the Compute Engine reservation/);
  expect(() => synth({ ...base, reservationName: 'x' })).toThrow(/'reservationName' is only used with 'capacity' Capacity.RESERVATION/);
  // every value of the command is shell-quoted: a hostile pool name cannot escape
  const { server } = synth({ ...base, name: 'srv' });
  expect(server.deploymentNotes.join('\n')).toContain('gcloud container node-pools create srv --cluster CLUSTER_NAME --location LOCATION '
    + '--machine-type g2-standard-48 --accelerator type=nvidia-l4,count=4,gpu-driver-version=latest --disk-size 140 --spot --num-nodes 1');
});

test('a Spot preemption gives pods 15 s on Standard and 25 s on Autopilot (GKE\'s Spot VMs and Autopilot Spot Pods pages)', () => {
  const base = { model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', capacity: Capacity.SPOT };
  const standard = InferenceResolver.resolve(base);
  const autopilot = InferenceResolver.resolve({ ...base, clusterMode: ClusterMode.AUTOPILOT });
  expect([standard.nodePool.spotPreemptionGraceSeconds, autopilot.nodePool.spotPreemptionGraceSeconds]).toEqual([15, 25]);
  expect(autopilot.decisions.join('\n')).toContain('stop within the 25 s GKE gives them after a preemption notice on Autopilot');
  expect(InferenceResolver.resolve({ ...base, capacity: Capacity.ON_DEMAND }).nodePool.spotPreemptionGraceSeconds).toBeUndefined();
  const { server } = synth({ ...base, clusterMode: ClusterMode.AUTOPILOT });
  expect(server.deploymentNotes.join('\n')).toContain('A Spot preemption gives pods 25 s whatever the grace period');
});

test('TPU serving pods\' start-up budget covers a cold XLA compile (up to 30 min) on top of twice the load', () => {
  const tpu = InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'tpu-v6e-slice' });
  const load = tpu.modelLoading.estimatedLoadSeconds;
  expect(tpu.podResources.startupBudgetSeconds).toBe(Math.ceil((2 * load + 30 * 60) / 60) * 60);
  const gpu = InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4' });
  expect(gpu.podResources.startupBudgetSeconds).toBe(Math.ceil((2 * gpu.modelLoading.estimatedLoadSeconds) / 60) * 60);
});

test('machines with bundled local SSD get it as ephemeral storage through the node-pool flag, naming their disks (as Google\'s A3 commands do)', () => {
  const a2 = InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-a100-80gb', modelBucketUri: 'gs://my-models/gemma' });
  expect(a2.instanceType).toMatch(/^a2-ultragpu-(\d)g$/);
  const disks = Number(/^a2-ultragpu-(\d)g$/.exec(a2.instanceType)![1]);
  expect(a2.nodePool.localSsdCount).toBe(disks);
  expect(a2.nodePool.gcloudCommand).toContain(`--ephemeral-storage-local-ssd count=${disks}`);
  expect(a2.modelLoading.fileCacheMedium).toBe('local-ssd');
  const a3 = InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb', modelBucketUri: 'gs://my-models/gemma' });
  expect(a3.nodePool.ephemeralStorageOn).toBe('local-ssd');
  // a3-highgpu-Ng bundles 2N local SSD (Compute Engine's A3 storage table); kubernetes-engine-samples pass count=16 on a3-highgpu-8g
  const gpus = Number(/^a3-highgpu-(\d)g$/.exec(a3.instanceType)![1]);
  expect(a3.nodePool.gcloudCommand).toContain(`--ephemeral-storage-local-ssd count=${2 * gpus}`);
});

test('GB200 (A4X, Grace CPUs): pods select kubernetes.io/arch=arm64 and run an image published for arm64; x86 machines select no architecture', () => {
  // GKE taints every Arm node kubernetes.io/arch=arm64:NoSchedule and adds the toleration only to pods that select arm64
  // ("Prepare an Arm workload for deployment"); without the selector a GB200 pod stays Pending
  const gb200 = synth({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-gb200', capacity: Capacity.RESERVATION, reservationName: 'gb200' });
  const pool = gb200.server.resolution.nodePool;
  expect(pool.machineType).toBe('a4x-highgpu-4g');
  const [deployment] = gb200.objects.filter((o) => o.kind === 'Deployment');
  expect(deployment.spec.template.spec.nodeSelector).toEqual(expect.objectContaining({ 'kubernetes.io/arch': 'arm64', 'cloud.google.com/gke-accelerator': 'nvidia-gb200' }));
  // vLLM publishes arm64 images from 0.10.2 (vllm-project/vllm#23210); the resolver picks one of those
  expect(deployment.spec.template.spec.containers[0].image).toMatch(/^vllm\/vllm-openai:v0\.1[1-9]\./);
  expect(pool.explanation.join('\n')).toMatch(/Arm CPUs: pods select kubernetes\.io\/arch=arm64/);
  for (const accelerator of ['nvidia-h100-80gb', 'nvidia-b200', 'nvidia-l4']) {
    const x86 = InferenceResolver.resolve({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: accelerator });
    expect(x86.nodePool.nodeSelector['kubernetes.io/arch']).toBeUndefined();
  }
  // an image published for amd64 only cannot run there: refused with the versions that can
  expect(() => InferenceResolver.resolve({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-gb200', modelServerVersion: 'v0.7.2' }))
    .toThrow(/nvidia-gb200 runs on Arm machines only \(a4x-highgpu-4g\), and vllm v0\.7\.2's image vllm\/vllm-openai:v0\.7\.2 is published for linux\/amd64 only; versions with an arm64 image: v0\.11\.2, v0\.12\.0\./);
  expect(() => InferenceResolver.resolve({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-gb200', modelServer: 'tgi' }))
    .toThrow(/no tgi image of the catalog is published for linux\/arm64/);
});

test('the node pool holds the replicas the manifests ask for: fixed replicas at creation, the HPA\'s bounds through the cluster autoscaler', () => {
  const poolNote = (props: OptimizedLlmServerProps) => synth(props).server.deploymentNotes.find((n) => n.startsWith('Node pool'))!;
  const gemmaL4 = { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4' };
  // an HPA between 2 and 6 replicas, one per node: the autoscaler may add the nodes for 6 (gcloud's --total-*-nodes bound the pool)
  expect(poolNote({ ...gemmaL4, targetNtpotMilliseconds: 130, minReplicas: 2, maxReplicas: 6 }))
    .toMatch(/2 nodes at first for 2 replicas, the cluster autoscaler keeping 2 to 6 nodes for the HPA's 2 to 6 replicas \(--num-nodes counts per zone: on a regional cluster add --node-locations ZONE\); .* --spot --enable-autoscaling --total-min-nodes 2 --total-max-nodes 6 --num-nodes 2$/);
  // three fixed replicas: three nodes, no autoscaling (one node left two replicas Pending)
  expect(poolNote({ ...gemmaL4, replicas: 3 })).toMatch(/3 nodes at first for 3 replicas \(--num-nodes counts per zone.*\); create it with: .* --spot --num-nodes 3$/);
  // flex-start scales from zero up to the HPA's maximum
  expect(poolNote({ ...gemmaL4, capacity: Capacity.FLEX_START, targetNtpotMilliseconds: 130, maxReplicas: 4 }))
    .toMatch(/--flex-start --enable-autoscaling --total-min-nodes 0 --total-max-nodes 4 .*--num-nodes 0$/);
  // and the note says what the command does (no "keeping N to M nodes" beside --total-min-nodes 0)
  const flex = poolNote({ ...gemmaL4, capacity: Capacity.FLEX_START, targetNtpotMilliseconds: 130, minReplicas: 2, maxReplicas: 4 });
  expect(flex).toContain('no node at first: the cluster autoscaler provisions 0 to 4 flex-start nodes as the pods (2 replicas at first) wait for them');
  expect(flex).not.toMatch(/keeping \d+ to \d+ nodes/);
  // packing: 8 replicas of one GPU to an H200 node, so 20 replicas need 3 nodes
  const packed = synth({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-h200-141gb', targetNtpotMilliseconds: 30, maxReplicas: 20 });
  expect(packed.server.resolution.nodePool.podsPerNode).toBe(8);
  expect(packed.server.deploymentNotes.find((n) => n.startsWith('Node pool'))).toMatch(/--total-min-nodes 1 --total-max-nodes 3 --num-nodes 1$/);
  // a packed node's allocatable is what its pods share, not what one pod may ask
  expect(packed.server.deploymentNotes.find((n) => n.startsWith('Node pool')))
    .toMatch(/a3-ultragpu-8g nodes holding 8 replicas each \(8 x nvidia-h200-141gb, spot capacity; its 8 pods together may request /);
  // a TPU server from a bucket: its XLA warm-up Job needs a slice of its own while it runs, which the autoscaler gives back
  expect(poolNote({ model: 'google/gemma-2-27b-it', acceleratorType: 'tpu-v6e-slice', modelBucketUri: 'gs://my-models/gemma', targetNtpotMilliseconds: 100 }))
    .toMatch(/2 nodes at first for 1 replica and the XLA cache warm-up Job, the cluster autoscaler keeping 1 to 6 nodes .*--enable-autoscaling --total-min-nodes 1 --total-max-nodes 6 --num-nodes 2$/);
});

test('a chart without a namespace: the notes say their commands assume default; decision lines round sizes', () => {
  const server = new OptimizedLlmServer(new Chart(Testing.app(), 'c'), 's', { model: 'google/gemma-2-27b-it', acceleratorType: 'tpu-v6e-slice' });
  expect(server.deploymentNotes.join('\n')).toMatch(/Hugging Face token: .*--namespace=default/);
  expect(server.deploymentNotes[server.deploymentNotes.length - 1])
    .toMatch(/^Namespace: the chart sets none, so the objects go to the namespace you apply them to, while the commands above assume 'default'/);
  const named = new OptimizedLlmServer(new Chart(Testing.app(), 'c', { namespace: 'llm' }), 's', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4' });
  expect(named.deploymentNotes.some((n) => n.startsWith('Namespace:'))).toBe(false);
  // TPU HBM in GB has many digits (134.200950784): the decision prints two decimals at most
  expect(server.resolution.decisions.find((d) => d.startsWith('memory:'))).toMatch(/^memory: 134\.2 GB x 0\.9 - 54\.5 GB weights/);
});

test('the boot disk counts a Cloud Storage FUSE sidecar and an XLA cache copy only for servers that have them', () => {
  const bootLine = (modelServer: string) => InferenceResolver.resolve({
    model: 'google/gemma-2-27b-it', modelServer, acceleratorType: 'tpu-v6e-slice', modelBucketUri: 'gs://my-models/gemma',
  }).decisions.find((d) => d.startsWith('node pool: boot disk'))!;
  // JetStream reads its checkpoint from Cloud Storage itself: no sidecar, no XLA cache (its pods request 10 GiB)
  expect(bootLine('jetstream')).toBe('node pool: boot disk 100 GB: GKE leaves 43.8 GiB of it allocatable, for the pod\'s 10 GiB');
  expect(bootLine('vllm')).toMatch(/for the pod's 36 GiB \(with the Cloud Storage FUSE sidecar's 5 GiB default request and 20 GiB for a copy of the XLA compilation cache/);
});

test('flex-start from the GKE version that provisions it: GPUs 1.32.2-gke.1652000, TPUs 1.33.0-gke.1712000 (GKE, "About flex-start provisioning mode")', () => {
  const gpu = { model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', capacity: Capacity.FLEX_START };
  expect(() => InferenceResolver.resolve({ ...gpu, gkeVersion: '1.32.2-gke.1651999' }))
    .toThrow(/flex-start provisions GPUs from GKE 1\.32\.2-gke\.1652000 .*'gkeVersion' is 1\.32\.2-gke\.1651999: upgrade the cluster, or set 'capacity'/);
  expect(InferenceResolver.resolve({ ...gpu, gkeVersion: '1.32.2-gke.1652000' }).nodePool.nodeSelector['cloud.google.com/gke-flex-start']).toBe('true');
  const tpu = { model: 'google/gemma-2-9b-it', acceleratorType: 'tpu-v6e-slice', capacity: Capacity.FLEX_START };
  expect(() => InferenceResolver.resolve({ ...tpu, gkeVersion: '1.32.5-gke.1000000' })).toThrow(/flex-start provisions TPUs from GKE 1\.33\.0-gke\.1712000/);
  // unset: the default (the oldest 1.33 build) is not held against TPUs; the node-pool decision gives the minimum
  const unset = InferenceResolver.resolve(tpu);
  expect(unset.nodePool.explanation.join('\n')).toMatch(/flex-start VMs .*GKE provisions them for TPUs from 1\.33\.0-gke\.1712000/);
  // the automatic choice leaves out what the version cannot provision, with the reason among the alternatives
  const auto = InferenceResolver.resolve({
    model: 'google/gemma-2-9b-it',
    capacity: Capacity.FLEX_START,
    gkeVersion: '1.32.5-gke.1000000',
    allowedAcceleratorTypes: ['nvidia-l4', 'tpu-v6e-slice'],
  });
  expect(auto.acceleratorType).toBe('nvidia-l4');
  const tpuAlternatives = auto.alternatives.filter((a) => a.acceleratorType === 'tpu-v6e-slice');
  expect(tpuAlternatives.length).toBeGreaterThan(0);
  for (const a of tpuAlternatives) expect(a.reason).toMatch(/flex-start provisions TPUs from GKE/);
});
