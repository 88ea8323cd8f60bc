import { Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import {
  CacheMedium, CloudStorageFuseModel, HuggingFaceToken, InferenceResolver, ModelLoadPath, ModelTransferJob, ModelTransferJobProps, OptimizedLlmServer,
  OptimizedLlmServerProps,
} from '../src';
import { expectValidManifests } from './support/k8s-validator';
import { Catalog } from '../src/catalog/catalog';
import { AcceleratorRecord } from '../src/catalog/types';
import { planModelLoading } from '../src/resolver/model-loading';
import { podResources } from '../src/resolver/pod-resources';

const catalog = Catalog.EMBEDDED;
const model = (id: string) => catalog.model(id)!;
const machine = (name: string) => catalog.machineTypes.find((m) => m.name === name)!;
const accelerator = (label: string) => catalog.accelerator(label)!;

function synth(props: OptimizedLlmServerProps) {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'server', { name: 'srv', ...props });
  return { server, objects: chart.toJson() as any[] };
}
const deployment = (objects: any[]) => objects.find((o) => o.kind === 'Deployment');
const csiVolume = (pod: any) => pod.volumes.find((v: any) => v.csi);

const GEMMA_BUCKET: OptimizedLlmServerProps = {
  model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', modelBucketUri: 'gs://my-models/google/gemma-2-27b-it',
};

test('bucket path: manifests validate strictly against Kubernetes 1.28, 1.33 and the CRDs', () => {
  expectValidManifests(synth(GEMMA_BUCKET).objects);
  expectValidManifests(synth({ ...GEMMA_BUCKET, acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 100 }).objects);
  expectValidManifests(synth({ ...GEMMA_BUCKET, gkeVersion: '1.30.2-gke.1394000' }).objects);
});

test('bucket path: the tuned Cloud Storage FUSE recipe', () => {
  const { server, objects } = synth(GEMMA_BUCKET);
  const pod = deployment(objects).spec.template;
  // sidecar injection and lifted sidecar limits
  expect(pod.metadata.annotations['gke-gcsfuse/volumes']).toBe('true');
  expect(pod.metadata.annotations['gke-gcsfuse/cpu-limit']).toBe('0');
  expect(pod.metadata.annotations['gke-gcsfuse/memory-limit']).toBe('0');
  const csi = csiVolume(pod.spec);
  expect(csi.csi.driver).toBe('gcsfuse.csi.storage.gke.io');
  expect(csi.csi.readOnly).toBe(true);
  expect(csi.csi.volumeAttributes.bucketName).toBe('my-models');
  expect(csi.csi.volumeAttributes.skipCSIBucketAccessCheck).toBe('true');
  expect(csi.csi.volumeAttributes.gcsfuseMetadataPrefetchOnMount).toBe('true');
  const options: string[] = csi.csi.volumeAttributes.mountOptions.split(',');
  expect(options).toEqual(expect.arrayContaining([
    'metadata-cache:ttl-secs:-1', 'metadata-cache:stat-cache-max-size-mb:-1', 'metadata-cache:type-cache-max-size-mb:-1',
    'metadata-cache:negative-ttl-secs:0', 'file-cache:cache-file-for-range-read:true', 'file-cache:enable-parallel-downloads:true',
    'file-system:kernel-list-cache-ttl-secs:-1', 'read_ahead_kb=1024',
  ]));
  // only-dir names the path and stays last; no spaces
  expect(options[options.length - 1]).toBe('only-dir=google/gemma-2-27b-it');
  // the flag form keeps a path with ':' or '=' whole (the config-file form split it at its last ':')
  expect(CloudStorageFuseModel.fromUri('gs://my-models/runs/date=2025-01-01/llama:v1').mountOptions.split(',').pop())
    .toBe('only-dir=runs/date=2025-01-01/llama:v1');
  expect(csi.csi.volumeAttributes.mountOptions).not.toMatch(/\s/);
  // the server reads the mount, answers to the model id, and never calls the hub
  const c = pod.spec.containers.find((x: any) => x.name === 'inference-server');
  expect(c.args).toEqual(expect.arrayContaining(['--model=/gcs', '--served-model-name=google/gemma-2-27b-it']));
  expect(c.volumeMounts).toContainEqual({ name: 'model-bucket', mountPath: '/gcs', readOnly: true });
  expect(c.env).toContainEqual({ name: 'HF_HUB_OFFLINE', value: '1' });
  expect(c.env.map((e: any) => e.name)).not.toContain('HF_TOKEN');
  // the weights are not written to the container's disk
  expect(c.resources.requests['ephemeral-storage']).toBe('10Gi');
  // parallel pre-fetch of the weights
  const prefetch = pod.spec.containers.find((x: any) => x.name === 'fetch-safetensors');
  // the mount path is the script's positional parameter, never spliced into it
  // the top level only, as vLLM globs the shards: a second copy under original/ would evict them from a cache sized for one
  expect(prefetch.args[0]).toMatch(/find "\$1" -maxdepth 1 -type f -name '\*\.safetensors' \| xargs -r -n 1 -P 15 cat/);
  expect(prefetch.args.slice(1)).toEqual(['fetch-safetensors', '/gcs']);
  expect(prefetch.image).toMatch(/:\d/);
  // then it idles until SIGTERM ends it: as its container's PID 1 an exec'd sleep would ignore the signal (pid_namespaces(7)) and
  // hold every pod for the whole grace period; the shell's trap exits at once (tried by hand under unshare --pid --fork)
  expect(prefetch.args[0]).not.toMatch(/exec sleep/);
  expect(prefetch.args[0]).toMatch(/trap 'exit 0' TERM; sleep \d+ & wait$/);
  // the pod runs as its own service account, which is emitted
  expect(pod.spec.serviceAccountName).toBe('srv');
  expect(objects.find((o) => o.kind === 'ServiceAccount').metadata.name).toBe('srv');
  // and the IAM command names that principal, read-only
  expect(server.deploymentNotes.join('\n')).toContain(
    'gcloud storage buckets add-iam-policy-binding gs://my-models --member principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/'
    + 'workloadIdentityPools/PROJECT_ID.svc.id.goog/subject/ns/llm/sa/srv --role roles/storage.objectViewer');
});

test('the file-cache medium follows the machine: bounded RAM on G2 (never the boot disk), local SSD on A3', () => {
  const g2 = deployment(synth(GEMMA_BUCKET).objects).spec.template;
  const g2Options = csiVolume(g2.spec).csi.volumeAttributes.mountOptions;
  // 54.5 GB = 50.8 GiB of weights, +5%, rounded up: a 55 GiB RAM volume; GKE: "the underlying volume size must be larger than the
  // fileCacheCapacity", so the cache is 512 MiB less (56320 - 512 MiB)
  expect(g2Options).toContain('file-cache:max-size-mb:55808');
  const ramVolume = g2.spec.volumes.find((v: any) => v.name === 'gke-gcsfuse-cache').emptyDir.sizeLimit;
  expect(Number(/^(\d+)Gi$/.exec(ramVolume)![1]) * 1024).toBeGreaterThan(55808);
  // Google's recipe: "0" lifts the sidecar's limit; without a request annotation the webhook copies the limit
  // into the request (gcs-fuse-csi-driver pkg/webhook/config.go), so a sized limit would be asked of the node
  expect(g2.metadata.annotations['gke-gcsfuse/ephemeral-storage-limit']).toBe('0');
  expect(g2.metadata.annotations['gke-gcsfuse/ephemeral-storage-request']).toBeUndefined();
  expect(g2.spec.volumes).toContainEqual({ name: 'gke-gcsfuse-cache', emptyDir: { medium: 'Memory', sizeLimit: '55Gi' } });

  const a3 = deployment(synth({ ...GEMMA_BUCKET, acceleratorType: 'nvidia-h100-80gb' }).objects).spec.template;
  expect(csiVolume(a3.spec).csi.volumeAttributes.mountOptions).toContain('file-cache:max-size-mb:-1');
  expect(a3.metadata.annotations['gke-gcsfuse/ephemeral-storage-limit']).toBe('0');
});

test('TPUs cache in RAM; weights too large for the boot disk on a machine without local SSD do too', () => {
  const fakeTpu: AcceleratorRecord = { ...accelerator('tpu-v6e-slice') };
  const tpu = planModelLoading(model('google/gemma-2-27b-it'), fakeTpu, machine('ct6e-standard-8t'), 'gs://bkt/m');
  expect(tpu.fileCacheMedium).toBe(CacheMedium.MEMORY);
  expect(tpu.fileCacheSizeGiB).toBe(Math.ceil((54.5e9 / 1024 ** 3) * 1.05 + 1));
  const big = planModelLoading(model('mistralai/Mixtral-8x7B-Instruct-v0.1'), accelerator('nvidia-l4'), machine('g2-standard-96'), 'gs://bkt/m');
  expect(big.fileCacheMedium).toBe(CacheMedium.MEMORY);
  // the RAM cache is counted in the pod's memory
  const res = podResources(model('mistralai/Mixtral-8x7B-Instruct-v0.1'), machine('g2-standard-96'), 8, big);
  expect(res.memoryGiB).toBeGreaterThanOrEqual(big.fileCacheSizeGiB! + (93.4e9 * 1.2) / 1024 ** 3);
  // when the machine cannot hold the cache next to the loader, the error says so and what would work
  const huge = planModelLoading(model('meta-llama/Llama-3.3-70B-Instruct'), accelerator('nvidia-l4'), machine('g2-standard-96'), 'gs://bkt/m');
  expect(() => podResources(model('meta-llama/Llama-3.3-70B-Instruct'), machine('g2-standard-96'), 8, huge))
    .toThrow(/memory-backed model cache \(139 GiB\) plus the loader needs 321 GiB, more than 80% of the machine's 384 GB/);
  // a memory-backed cache on the recipe's cache volume
  const fuse = CloudStorageFuseModel.fromUri('gs://bkt/m', { fileCacheMedium: CacheMedium.MEMORY, fileCacheSizeGiB: 140 });
  expect(fuse.volumes()).toContainEqual({ name: 'gke-gcsfuse-cache', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('140Gi') } });
  expect(fuse.mountOptions).toContain('file-cache:max-size-mb:142848');
});

test('a memory-backed file cache moves one L4 to a bigger G2 machine instead of a second L4 (G2 sells one L4 as g2-standard-4 to -32)', () => {
  const hub = synth({ model: 'google/gemma-3-4b-it', acceleratorType: 'nvidia-l4' }).server.resolution;
  const { server, objects } = synth({ model: 'google/gemma-3-4b-it', acceleratorType: 'nvidia-l4', modelBucketUri: 'gs://my-models/gemma-3-4b-it' });
  const r = server.resolution;
  expect([hub.acceleratorCount, hub.instanceType]).toEqual([1, 'g2-standard-8']);
  // the 9 GiB cache in memory next to the loader does not fit g2-standard-8's 32 GB; g2-standard-12 (48 GB) holds it
  expect(r.modelLoading.fileCacheMedium).toBe(CacheMedium.MEMORY);
  expect([r.acceleratorCount, r.instanceType]).toEqual([1, 'g2-standard-12']);
  expect(r.decisions.join('\n')).toContain(`whose memory holds the model loader and the ${r.modelLoading.fileCacheSizeGiB} GiB Cloud Storage FUSE file cache kept in memory`);
  // priced as that machine: less per hour and per token than two L4s on g2-standard-24
  const price = (m: string) => catalog.machinePrice(m, 'us-central1', 'spot')!.usdPerHour;
  expect(r.cost.costPerHour).toBe(price('g2-standard-12'));
  expect(r.cost.costPerHour!).toBeLessThan(price('g2-standard-24'));
  const pod = deployment(objects).spec.template.spec;
  expect(pod.nodeSelector['cloud.google.com/gke-accelerator-count']).toBe('1');
  const memoryGiB = parseInt(pod.containers[0].resources.requests.memory, 10);
  expect(memoryGiB).toBeGreaterThanOrEqual(r.modelLoading.fileCacheSizeGiB!);
  expect(memoryGiB).toBeLessThanOrEqual(r.nodePool.allocatableMemoryGiB);
});

test('gkeVersion gates the options newer GKE versions need, leaving them out with a note', () => {
  const at = (gkeVersion: string) => CloudStorageFuseModel.fromUri('gs://bkt/m', { gkeVersion, fileCacheMedium: CacheMedium.LOCAL_SSD });
  const current = at('1.33');
  expect(current.notes).toEqual([]);
  // left to its default, the unbounded cache's medium is said: a template of the user's own may land on a node without local SSD
  expect(CloudStorageFuseModel.fromUri('gs://bkt/m').notes).toEqual([expect.stringMatching(
    /^the file cache is unbounded on the node's ephemeral storage .*--ephemeral-storage-local-ssd.*CacheMedium\.BOOT_DISK or CacheMedium\.MEMORY with fileCacheSizeGiB/)]);
  expect(current.mountOptions).not.toContain('implicit-dirs');
  // 1.32.1-gke.1357001 brings metadata prefetch; 1.32.2-gke.1297001 read_ahead_kb
  const v1321 = at('1.32.1-gke.1357001');
  expect(v1321.mountOptions).not.toContain('read_ahead_kb');
  expect(v1321.notes.join('\n')).toMatch(/read_ahead_kb left out: it needs GKE 1\.32\.2-gke\.1297001/);
  expect(v1321.podAnnotations['gke-gcsfuse/metadata-prefetch-memory-limit']).toBe('512Mi');
  expect(v1321.mountOptions).toContain('metadata-cache:negative-ttl-secs:0');
  const v131 = at('1.31');
  expect(v131.mountOptions).toContain('implicit-dirs');
  // negative-ttl-secs is a gcsfuse v2.8.0 key (GKE 1.32.1-gke.1357001 on, gcs-fuse-csi-driver releases.md); older gcsfuse refuses a
  // config file with a key it does not know, and with it the whole mount
  for (const older of [v131, at('1.32.1-gke.1357000'), at('1.29.6-gke.1254000')]) {
    expect(older.mountOptions).not.toContain('negative-ttl-secs');
    expect(older.notes.join('\n')).toMatch(/metadata-cache:negative-ttl-secs left out: it needs GKE 1\.32\.1-gke\.1357001/);
  }
  expect(v131.podAnnotations['gke-gcsfuse/metadata-prefetch-memory-limit']).toBeUndefined();
  const vols = (f: CloudStorageFuseModel) => (f.volumes()[0].csi as any).volumeAttributes;
  expect(vols(v131).gcsfuseMetadataPrefetchOnMount).toBeUndefined();
  expect(vols(v131).skipCSIBucketAccessCheck).toBe('true');
  // skipCSIBucketAccessCheck needs 1.29.9-gke.1251000
  const v1295 = at('1.29.6-gke.1254000');
  expect(vols(v1295).skipCSIBucketAccessCheck).toBeUndefined();
  expect(v1295.notes.join('\n')).toMatch(/skipCSIBucketAccessCheck left out/);
  // the notes reach the construct's deploymentNotes
  expect(synth({ ...GEMMA_BUCKET, gkeVersion: '1.31' }).server.deploymentNotes.join('\n')).toMatch(/Model bucket: .*left out/);
  // the recipe's parallel downloads: "1.29.6-gke.1254000, 1.30.2-gke.1394000, or later" (gcs-fuse-csi-driver releases.md) - per minor
  for (const old of ['1.28', '1.29.5-gke.1000', '1.30', '1.30.2-gke.1000']) {
    expect(() => at(old)).toThrow(new RegExp(`'gkeVersion' ${old.replace(/\./g, '\\.')} is older than the tuned Cloud Storage FUSE recipe needs .*1\\.29\\.6-gke\\.1254000 on its minor, 1\\.30\\.2-gke\\.1394000`));
  }
  for (const ok of ['1.29.6-gke.1254000', '1.30.2-gke.1394000', '1.30.5-gke.1', '1.31']) expect(at(ok).mountOptions).toContain('file-cache:enable-parallel-downloads:true');
  expect(() => at('latest')).toThrow(/'gkeVersion' 'latest' is not a GKE version/);
});

test('fails: bad bucket URIs name the prop and the expected form', () => {
  expect(() => synth({ ...GEMMA_BUCKET, modelBucketUri: 's3://x/y' })).toThrow(/'modelBucketUri' 's3:\/\/x\/y' is not a gs:\/\/ URI; expected gs:\/\/BUCKET/);
  expect(() => synth({ ...GEMMA_BUCKET, modelBucketUri: 'gs://UPPER/y' })).toThrow(/invalid bucket 'UPPER'/);
  expect(() => synth({ ...GEMMA_BUCKET, modelBucketUri: 'gs://bkt/a,b' })).toThrow(/cannot be mounted/);
  expect(CloudStorageFuseModel.fromUri('gs://bucket').mountOptions).not.toContain('only-dir');
  // a short name of valid characters is told its length, not a character rule it meets
  expect(() => synth({ ...GEMMA_BUCKET, modelBucketUri: 'gs://ab/m' })).toThrow(/invalid bucket 'ab' \(a Cloud Storage bucket name is shorter than 3 characters\)/);
  // a size on local SSD was ignored (the cache there is unbounded): refused with what would bound it
  expect(() => CloudStorageFuseModel.fromUri('gs://bkt/m', { fileCacheSizeGiB: 100 }))
    .toThrow(/^'fileCacheSizeGiB' 100 has no effect on local-ssd .*set 'fileCacheMedium' to CacheMedium\.MEMORY or CacheMedium\.BOOT_DISK/);
});

test('hub path: HF_HOME on the node\'s ephemeral storage, the boot disk sized so that GKE leaves the download allocatable', () => {
  // a default 100 GB boot disk: its file system is 98831908Ki (GKE's example node); GKE keeps 10% of it for eviction and
  // min(50%, 6 GiB + 35%, 100 GiB) of the disk for the system: 94.25 - 9.43 - 41 = 43.8 GiB allocatable (the example node's
  // 47060071478 bytes), less than 50.8 GiB + 10
  const fs = 98831908 / 1024 ** 2;
  const allocatable = fs - 0.1 * fs - (6 + 0.35 * 100);
  expect(allocatable * 1024 ** 3).toBeCloseTo(47060071478, -3);
  const gemma = planModelLoading(model('google/gemma-2-27b-it'), accelerator('nvidia-l4'), machine('g2-standard-48'), undefined);
  expect(gemma.loadPath).toBe(ModelLoadPath.HUGGING_FACE);
  expect(gemma.huggingFaceHomeMedium).toBe(CacheMedium.BOOT_DISK);
  const gemmaRes = podResources(model('google/gemma-2-27b-it'), machine('g2-standard-48'), 4, gemma);
  expect(gemmaRes.ephemeralStorageGiB).toBe(61);
  // 61 GiB needs a disk D with 0.9 x 0.9426 D - (6 + 0.35 D) >= 61: D >= 134.5, so 140 GB in 10 GB steps
  const share = 98831908 / (100 * 1024 ** 2);
  expect(0.9 * share * 140 - (6 + 0.35 * 140)).toBeGreaterThanOrEqual(61);
  expect(0.9 * share * 130 - (6 + 0.35 * 130)).toBeLessThan(61);
  expect(gemma.explanation.join('\n')).toContain('need a 140 GB boot disk');
  // 8B: 16.1 GB = 15 GiB + 10 fit the boot disk
  const small = planModelLoading(model('meta-llama/Llama-3.1-8B-Instruct'), accelerator('nvidia-l4'), machine('g2-standard-16'), undefined);
  expect(small.huggingFaceHomeMedium).toBe(CacheMedium.BOOT_DISK);
  const smallRes = podResources(model('meta-llama/Llama-3.1-8B-Instruct'), machine('g2-standard-16'), 1, small);
  expect(smallRes.ephemeralStorageGiB).toBe(Math.ceil(model('meta-llama/Llama-3.1-8B-Instruct').checkpointWeightsGb * 1e9 / 1024 ** 3 + 10));
  expect(smallRes.ephemeralStorageGiB).toBeLessThanOrEqual(allocatable);
  // A3 nodes put ephemeral storage on their 16 local SSDs: 6000 GiB - 10% - 100 GiB; the download goes there
  for (const id of ['meta-llama/Llama-3.3-70B-Instruct', 'mistralai/Mixtral-8x22B-Instruct-v0.1']) {
    const plan = planModelLoading(model(id), accelerator('nvidia-h100-80gb'), machine('a3-highgpu-8g'), undefined);
    expect(plan.huggingFaceHomeMedium).toBe(CacheMedium.LOCAL_SSD);
    const weightsGiB = (model(id).checkpointWeightsGb * 1e9) / 1024 ** 3;
    const res = podResources(model(id), machine('a3-highgpu-8g'), 8, plan);
    expect(res.ephemeralStorageGiB).toBe(Math.ceil(weightsGiB + 10));
    expect(res.ephemeralStorageGiB).toBeLessThanOrEqual(6000 * 0.9 - 100);
  }
});

test('a repository with a second copy of the weights is downloaded twice over: the pod\'s ephemeral storage holds both', () => {
  // vLLM up to v0.12.0 fetches gpt-oss's original/model.safetensors beside the shards (vllm-project/vllm#30537), and Mistral v0.3's
  // consolidated.safetensors (vllm-project/vllm#7523); TGI 3.0.1 fetches every top-level *.safetensors
  for (const [id, acceleratorType] of [['openai/gpt-oss-20b', 'nvidia-h100-80gb'], ['mistralai/Mistral-7B-Instruct-v0.3', 'nvidia-l4']]) {
    const r = synth({ model: id, acceleratorType }).server.resolution;
    const copy = (catalog.model(id)!.checkpointWeightsGb * 1e9) / 1024 ** 3;
    expect(r.podResources.ephemeralStorageGiB).toBe(Math.ceil(2 * copy + 10));
    expect(r.podResources.explanation.join('\n')).toContain('two copies of the weights');
    expect(r.podResources.ephemeralStorageGiB).toBeLessThanOrEqual(r.nodePool.allocatableEphemeralStorageGiB);
  }
  // a repository with one copy counts one
  const gemma = synth({ model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4' }).server.resolution;
  expect(gemma.podResources.ephemeralStorageGiB).toBe(Math.ceil((catalog.model('google/gemma-2-9b-it')!.checkpointWeightsGb * 1e9) / 1024 ** 3 + 10));
});

test('DeepSeek-R1 from Hugging Face: the download holds the multi-token-prediction module vLLM does not load', () => {
  // the repository's safetensors are 685B parameters, "671B of the Main Model weights and 14B of the Multi-Token Prediction (MTP) Module
  // weights" (deepseek-ai/DeepSeek-V3 README, the R1 layout); 688,586,727,753 bytes = 641.3 GiB, more than the 626.9 GiB main model
  const r = InferenceResolver.resolve({ model: 'deepseek-ai/DeepSeek-R1', acceleratorType: 'nvidia-h200-141gb' });
  expect(r.podResources.ephemeralStorageGiB).toBeGreaterThanOrEqual(Math.ceil(688_586_727_753 / 1024 ** 3 + 10) - 1);
  expect(r.podResources.ephemeralStorageGiB).toBeGreaterThan(Math.ceil((catalog.model('deepseek-ai/DeepSeek-R1')!.checkpointWeightsGb * 1e9) / 1024 ** 3 + 10));
  expect(r.modelLoading.explanation.join('\n')).toMatch(/multi-token-prediction module \(model\.layers\.61\), which the servers download but do not load/);
  expect(r.podResources.ephemeralStorageGiB).toBeLessThanOrEqual(r.nodePool.allocatableEphemeralStorageGiB);
});

test('startup budgets follow the model bytes and the load path', () => {
  const hub = synth({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4' }).server.resolution;
  const bucket = synth(GEMMA_BUCKET).server.resolution;
  // 54.5 GB at 0.1 GB/s from the hub vs 0.7 GB/s from the bucket, then 1 GB/s into the GPUs and 240 s init
  expect(hub.modelLoading.estimatedLoadSeconds).toBeCloseTo(545 + 54.5 + 240, 6);
  expect(bucket.modelLoading.estimatedLoadSeconds).toBeCloseTo(54.5 / 0.7 + 54.5 + 240, 6);
  expect(hub.podResources.startupBudgetSeconds).toBe(Math.ceil((2 * (545 + 54.5 + 240)) / 60) * 60);
  expect(bucket.podResources.startupBudgetSeconds).toBeLessThan(hub.podResources.startupBudgetSeconds);
  const small = synth({ model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', acceleratorType: 'nvidia-tesla-a100' }).server.resolution;
  expect(small.podResources.startupBudgetSeconds).toBeLessThan(hub.podResources.startupBudgetSeconds);
});

test('the Jobs are named for their pod template, which Kubernetes will not let change: same manifests, same Job; a change, a new Job', () => {
  // ValidateJobSpecUpdate refuses a changed spec.template under an existing Job's name; a TTL would delete a finished Job and let the
  // next apply copy the model (or compile the XLA cache) again
  const transfer = (props: Partial<ModelTransferJobProps>) => {
    const chart = new Chart(Testing.app(), 'stage', { namespace: 'models' });
    new ModelTransferJob(chart, 'copy', { name: 'copy-gemma', model: 'google/gemma-2-27b-it', modelBucketUri: 'gs://my-models/gemma', ...props });
    return (chart.toJson() as any[]).find((o) => o.kind === 'Job');
  };
  const first = transfer({});
  expect(transfer({}).metadata.name).toBe(first.metadata.name);
  expect(first.spec.ttlSecondsAfterFinished).toBeUndefined();
  expect(transfer({ revision: 'v1.0' }).metadata.name).not.toBe(first.metadata.name);
  expect(transfer({ parallelDownloads: 2 }).metadata.name).not.toBe(first.metadata.name);
  const tpu: OptimizedLlmServerProps = { model: 'google/gemma-2-27b-it', acceleratorType: 'tpu-v6e-slice', modelBucketUri: 'gs://my-models/gemma' };
  const warmup = (props: Partial<OptimizedLlmServerProps>) => synth({ ...tpu, ...props }).objects.find((o) => o.kind === 'Job');
  const cache = warmup({});
  expect(cache.metadata.name).toMatch(/^srv-xla-warmup-[0-9a-f]{8}$/);
  expect(warmup({}).metadata.name).toBe(cache.metadata.name);
  expect(cache.spec.ttlSecondsAfterFinished).toBeUndefined();
  expect(warmup({ maxModelLength: 4096 }).metadata.name).not.toBe(cache.metadata.name);
});

test('one model per bucket directory across the app: a server or transfer Job naming another model there is refused', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const token = HuggingFaceToken.fromSecret('hf-secret');
  new ModelTransferJob(chart, 'copy', { name: 'copy-gemma', model: 'google/gemma-2-27b-it', modelBucketUri: 'gs://my-models/prod/' });
  // the staging pattern: the servers read the copy of the same model
  new OptimizedLlmServer(chart, 'gemma', { name: 'gemma', model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', modelBucketUri: 'gs://my-models/prod' });
  new OptimizedLlmServer(chart, 'gemma2', { name: 'gemma-b', model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', modelBucketUri: 'gs://my-models/prod' });
  // another model in that directory: the servers would read its config.json beside a mix of shards
  expect(() => new OptimizedLlmServer(chart, 'llama', {
    name: 'llama', model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-l4', huggingFaceToken: token, modelBucketUri: 'gs://my-models/prod',
  })).toThrow(/^'modelBucketUri' gs:\/\/my-models\/prod already holds google\/gemma-2-27b-it for 'c\/copy': one directory holds one model's files.*gs:\/\/my-models\/prod\/Llama-3\.1-8B-Instruct/);
  expect(() => new ModelTransferJob(chart, 'copy2', { name: 'copy-llama', model: 'meta-llama/Llama-3.1-8B-Instruct', huggingFaceToken: token, modelBucketUri: 'gs://my-models/prod' }))
    .toThrow(/^'modelBucketUri' gs:\/\/my-models\/prod already holds google\/gemma-2-27b-it/);
  // a directory beside it is another directory
  expect(() => new ModelTransferJob(chart, 'copy3', { name: 'copy-llama-b', model: 'meta-llama/Llama-3.1-8B-Instruct', huggingFaceToken: token, modelBucketUri: 'gs://my-models/prod/llama' }))
    .not.toThrow();
});

test('ModelTransferJob stages a model into the bucket with a bounded scratch space and write access', () => {
  const chart = new Chart(Testing.app(), 'stage', { namespace: 'models' });
  const job = new ModelTransferJob(chart, 'copy', { name: 'copy-gemma', model: 'google/gemma-2-27b-it', modelBucketUri: 'gs://my-models/gemma' });
  const objects = chart.toJson() as any[];
  expectValidManifests(objects);
  const j = objects.find((o) => o.kind === 'Job');
  const pod = j.spec.template.spec;
  expect(pod.restartPolicy).toBe('Never');
  expect(pod.serviceAccountName).toBe('copy-gemma');
  const c = pod.containers[0];
  expect(c.command[2]).toContain('snapshot_download');
  expect(c.command[2]).toContain('max_workers=4');
  // huggingface_hub filters with fnmatch (a '*' also matches '/'): the shards vLLM loads are copied, a second checkpoint is not
  const patterns = (name: string) => JSON.parse(new RegExp(`${name}=(\\[[^\\]]*\\])`).exec(c.command[2])![1]) as string[];
  const fnmatch = (file: string, p: string) => new RegExp(`^${p.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(file);
  const copied = (file: string) => patterns('allow_patterns').some((p) => fnmatch(file, p)) && !patterns('ignore_patterns').some((p) => fnmatch(file, p));
  expect(['model-00001-of-00003.safetensors', 'model.safetensors.index.json', 'config.json', 'tokenizer.json', 'chat_template.jinja'].every(copied)).toBe(true);
  // gpt-oss ships its weights again under original/ (13.8 GB for 20b) and metal/; vLLM ignores original/**/* (vllm/config/load.py)
  expect(['original/model.safetensors', 'original/config.json', 'metal/model.bin', 'README.md'].some(copied)).toBe(false);
  expect(copied('consolidated.safetensors')).toBe(true); // gemma has none; another repository's file of that name is not dropped
  // Mistral v0.3 ships its weights again as consolidated.safetensors (vllm-project/vllm#5005): not copied, the shards are
  const mistral = new ModelTransferJob(chart, 'mistral', { model: 'mistralai/Mistral-7B-Instruct-v0.3', modelBucketUri: 'gs://my-models/mistral' });
  const mistralScript = mistral.job.toJson().spec.template.spec.containers[0].command[2] as string;
  const mistralIgnored = JSON.parse(/ignore_patterns=(\[[^\]]*\])/.exec(mistralScript)![1]) as string[];
  expect(mistralIgnored.some((p) => fnmatch('consolidated.safetensors', p))).toBe(true);
  expect(mistralIgnored.some((p) => fnmatch('model-00001-of-00003.safetensors', p))).toBe(false);
  expect(c.env).toContainEqual({ name: 'TARGET_DIR', value: '/bucket/gemma' });
  expect(c.env.find((e: any) => e.name === 'HF_TOKEN').valueFrom.secretKeyRef).toEqual({ name: 'hf-secret', key: 'hf_api_token' });
  expect(c.resources.requests).toEqual(c.resources.limits);
  const csi = pod.volumes.find((v: any) => v.csi);
  expect(csi.csi.volumeAttributes.bucketName).toBe('my-models');
  expect(csi.csi.readOnly).toBeUndefined();
  expect(pod.volumes.find((v: any) => v.name === 'gke-gcsfuse-buffer').emptyDir.sizeLimit).toBe('25Gi');
  const annotations = j.spec.template.metadata.annotations;
  expect(annotations['gke-gcsfuse/volumes']).toBe('true');
  // the pod's ephemeral request (container + the sidecar's, stated rather than left to the webhook to copy from the limit) fits a
  // node with GKE's default 100 GB boot disk, by "Plan GKE Standard node sizes": the file system (98831908Ki of 100 GiB)
  // less 10% of it for eviction and min(50%, 6 GiB + 35%, 100 GiB) of the disk reserved (the example node's 47060071478 bytes)
  const fsGiB = 98831908 / 1024 ** 2;
  const allocatableGiB = fsGiB - 0.1 * fsGiB - Math.min(0.5 * 100, 6 + 0.35 * 100, 100);
  expect(allocatableGiB).toBeCloseTo(43.8, 1);
  const gi = (q: string) => Number(/^(\d+)Gi$/.exec(q)![1]);
  expect(annotations['gke-gcsfuse/ephemeral-storage-request']).toBe(annotations['gke-gcsfuse/ephemeral-storage-limit']);
  const podRequest = gi(c.resources.requests['ephemeral-storage']) + gi(annotations['gke-gcsfuse/ephemeral-storage-request']);
  expect(podRequest).toBeLessThanOrEqual(allocatableGiB);
  expect(podRequest).toBeGreaterThan(gi(pod.volumes.find((v: any) => v.name === 'gke-gcsfuse-buffer').emptyDir.sizeLimit));
  expect(job.deploymentNotes.join('\n')).toMatch(/40 GiB of ephemeral storage .*default 100 GB boot disk leaves 43\.8 GiB allocatable, enough/);
  // the server's mount never expires metadata: the copy must finish first (the wait outlasts no deadline of the Job's own)
  const deadline = objects.find((o) => o.kind === 'Job').spec.activeDeadlineSeconds;
  expect(j.metadata.name).toMatch(/^copy-gemma-[0-9a-f]{8}$/);
  expect(job.deploymentNotes.join('\n')).toContain(`kubectl wait --for=condition=complete job/${j.metadata.name} --namespace models --timeout=${deadline}s`);
  // more parallel downloads stage more: the notes name the boot disk that holds them
  const wide = new ModelTransferJob(chart, 'wide', { name: 'copy-wide', model: 'google/gemma-2-27b-it', modelBucketUri: 'gs://my-models/gemma', parallelDownloads: 8 });
  expect(wide.deploymentNotes.join('\n')).toMatch(/60 GiB of ephemeral storage .*a boot disk of at least 140 GB .*or fewer parallelDownloads/);
  // 54.5 GB at a conservative 0.05 GB/s + 10 min
  expect(j.spec.activeDeadlineSeconds).toBe(Math.ceil((54.5 / 0.05 + 600) / 60) * 60);
  // the FUSE sidecar authenticates through the GKE metadata server: the notes say which nodes run it (Google's transfer Jobs select
  // them; whether Autopilot admits that selector is undocumented, so the Job does not set it)
  expect(j.spec.template.spec.nodeSelector).toBeUndefined();
  expect(job.deploymentNotes.join('\n')).toMatch(/Workload Identity Federation for GKE and a node running the GKE metadata server .*iam\.gke\.io\/gke-metadata-server-enabled=true/);
  // a model outside the catalog: 4 h, or what the user sets
  const mine = (extra: object) => new ModelTransferJob(new Chart(Testing.app(), 'c', { namespace: 'models' }), 'mine',
    { model: 'my-org/my-model', modelBucketUri: 'gs://my-models/mine', ...extra }).job.toJson().spec.activeDeadlineSeconds;
  expect(mine({})).toBe(4 * 3600);
  expect(mine({ activeDeadlineSeconds: 8 * 3600 })).toBe(8 * 3600);
  expect(() => mine({ activeDeadlineSeconds: 60 })).toThrow(/'activeDeadlineSeconds' must be a whole number from 600/);
  // DeepSeek-R1's copy includes its multi-token-prediction module: 673.1 + 15.5 GB
  expect(new ModelTransferJob(new Chart(Testing.app(), 'c', { namespace: 'models' }), 'r1', { model: 'deepseek-ai/DeepSeek-R1', modelBucketUri: 'gs://my-models/r1' })
    .job.toJson().spec.activeDeadlineSeconds).toBe(Math.ceil(((673.1 + 15.5) / 0.05 + 600) / 60) * 60);
  // read on the bucket, write only under the model's directory (an IAM condition on the object name): not the other models beside it
  expect(job.deploymentNotes[0]).toMatch(/sa\/copy-gemma --role roles\/storage\.objectViewer and .*sa\/copy-gemma --role roles\/storage\.objectUser /);
  expect(job.deploymentNotes[0]).toContain('resource.name.startsWith("projects/_/buckets/my-models/objects/gemma/")');
  expect(job.deploymentNotes.join('\n')).toMatch(/JetStream reads a converted MaxText checkpoint instead/);
  expect(() => new ModelTransferJob(chart, 'gated', { model: 'google/gemma-2-27b-it', modelBucketUri: 'gs://bkt/m', huggingFaceToken: HuggingFaceToken.none() }))
    .toThrow(/'huggingFaceToken' is HuggingFaceToken.none\(\)/);
  expect(() => new ModelTransferJob(chart, 'bad', { model: 'gemma', modelBucketUri: 'gs://bkt/m' })).toThrow(/'model' must be a Hugging Face model id 'owner\/name'.*got string 'gemma'/);
  expect(() => new ModelTransferJob(chart, 'bad2', { model: 'a/b', modelBucketUri: 'gs://bkt/m', parallelDownloads: 0 })).toThrow(/'parallelDownloads'/);
});

test('CloudStorageFuseModel applies to any pod template', () => {
  const fuse = CloudStorageFuseModel.fromUri('gs://bucket/path', { mountPath: '/models', prefetchWeights: false });
  const t = fuse.applyTo({ spec: { containers: [{ name: 'app', image: 'x:1' }] } }, 'app');
  expect(t.metadata!.annotations!['gke-gcsfuse/volumes']).toBe('true');
  expect(t.spec!.containers).toHaveLength(1);
  expect(t.spec!.containers[0].volumeMounts).toEqual([{ name: 'model-bucket', mountPath: '/models', readOnly: true }]);
  expect(() => fuse.applyTo({ spec: { containers: [{ name: 'other' }] } }, 'app')).toThrow(/no container 'app'/);
  expect(fuse.iamBindingCommand('ns', 'sa', true)).toMatch(/subject\/ns\/ns\/sa\/sa --role roles\/storage\.objectUser$/);
});
