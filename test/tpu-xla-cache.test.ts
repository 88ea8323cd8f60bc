import { App, Chart, Testing } from 'cdk8s';
import { OptimizedLlmServer } from '../src';
import { expectValidManifests } from './support/k8s-validator';

type Props = ConstructorParameters<typeof OptimizedLlmServer>[2];
const TPU_BUCKET: Props = { model: 'google/gemma-2-27b-it', acceleratorType: 'tpu-v6e-slice', modelBucketUri: 'gs://models/gemma-2-27b-it' };

function synth(...servers: Props[]): { servers: OptimizedLlmServer[]; objects: any[] } {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const out = servers.map((p, i) => new OptimizedLlmServer(chart, `srv${i}`, p));
  return { servers: out, objects: Testing.synth(chart) };
}

/** Every pod template of the synthesized objects, with its owner. */
function podTemplates(objects: any[]): { owner: any; template: any }[] {
  return objects.filter((o) => o.spec?.template?.spec?.containers).map((o) => ({ owner: o, template: o.spec.template }));
}

/**
 * Every Cloud Storage FUSE path a pod template mounts, `bucket/only-dir`, and whether any container can
 * write it: a mount writes unless the CSI volume or the mount is read-only.
 */
function fuseMounts(template: any): { path: string; writes: boolean }[] {
  const spec = template.spec;
  const containers = [...(spec.initContainers ?? []), ...spec.containers];
  return (spec.volumes ?? []).filter((v: any) => v.csi?.driver === 'gcsfuse.csi.storage.gke.io').map((v: any) => {
    const a = v.csi.volumeAttributes;
    const onlyDir = String(a.mountOptions ?? '').split(',').find((o: string) => o.startsWith('only-dir='))?.slice('only-dir='.length) ?? '';
    const mounts = containers.flatMap((c: any) => (c.volumeMounts ?? []).filter((m: any) => m.name === v.name));
    return { path: `${a.bucketName}/${onlyDir}`, writes: v.csi.readOnly !== true && mounts.some((m: any) => m.readOnly !== true) };
  });
}

/** Two paths overlap when one is the other or lies inside it. */
const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b.replace(/\/$/, '')}/`) || b.startsWith(`${a.replace(/\/$/, '')}/`);

/** The single-writer property over all objects; returns the cache paths read by Deployments. */
function expectSingleWriters(objects: any[]): string[] {
  const writers: { owner: any; path: string }[] = [];
  const deploymentCachePaths: string[] = [];
  for (const { owner, template } of podTemplates(objects)) {
    for (const m of fuseMounts(template)) {
      if (m.writes) writers.push({ owner, path: m.path });
      if (owner.kind === 'Deployment') {
        // a Deployment (replicas, HPA) never writes a bucket path
        const where = { deployment: owner.metadata.name, path: m.path };
        expect({ ...where, writes: m.writes }).toEqual({ ...where, writes: false });
        if (m.path.includes('xla-cache')) deploymentCachePaths.push(m.path);
      }
    }
  }
  for (const w of writers) {
    // every writer is a Job that runs exactly one pod, once
    const spec = w.owner.spec;
    expect({ path: w.path, kind: w.owner.kind, completions: spec.completions, parallelism: spec.parallelism, backoffLimit: spec.backoffLimit })
      .toEqual({ path: w.path, kind: 'Job', completions: 1, parallelism: 1, backoffLimit: 0 });
    // a pod lost to a disruption (Spot preemption, drain) is replaced, not counted as the failure that ends the Job; the replacement
    // starts only once the lost pod is terminal (Kubernetes: with a podFailurePolicy, podReplacementPolicy is Failed)
    expect(spec.podFailurePolicy).toEqual({ rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] });
    expect(spec.podReplacementPolicy ?? 'Failed').toBe('Failed');
    expect(w.owner.spec.template.spec.restartPolicy).toBe('Never');
    // and the only writer of its path (or any path inside or around it)
    expect(writers.filter((x) => overlaps(x.path, w.path)).map((x) => x.owner.metadata.name)).toEqual([w.owner.metadata.name]);
  }
  // every cache path a Deployment reads is written by exactly one Job
  for (const p of deploymentCachePaths) expect(writers.filter((w) => w.path === p)).toHaveLength(1);
  return deploymentCachePaths;
}

const deploymentOf = (objects: any[]) => objects.find((o) => o.kind === 'Deployment');
const jobOf = (objects: any[]) => objects.find((o) => o.kind === 'Job');
const env = (container: any, name: string) => container.env.find((e: any) => e.name === name)?.value;

test('a TPU server from a bucket gets a per-topology, per-version cache: one warm-up Job writes it, the Deployment reads it', () => {
  const { servers: [server], objects } = synth({ ...TPU_BUCKET, replicas: 3 });
  expectValidManifests(objects);
  const path = 'models/gemma-2-27b-it/xla-cache/tpu-v6e-slice-2x2/v0.11.1-tpu';
  expect(server.xlaCacheUri).toBe(`gs://${path}`);
  expect(expectSingleWriters(objects)).toEqual([path]);

  const d = deploymentOf(objects);
  expect(d.spec.replicas).toBe(3);
  const serving = d.spec.template.spec.containers[0];
  expect(env(serving, 'VLLM_XLA_CACHE_PATH')).toBe('/xla-cache');
  // vLLM works on the pod's private copy; the shared cache is mounted read-only, and only by the init container that seeds the copy
  expect(serving.volumeMounts).toContainEqual({ name: 'xla-cache-local', mountPath: '/xla-cache' });
  expect(serving.volumeMounts.map((m: any) => m.name)).not.toContain('xla-cache');
  expect(d.spec.template.spec.volumes.find((v: any) => v.name === 'xla-cache-local').emptyDir.sizeLimit).toBe('20Gi');
  const seed = d.spec.template.spec.initContainers.find((c: any) => c.name === 'xla-cache-seed');
  expect(seed.volumeMounts).toContainEqual({ name: 'xla-cache', mountPath: '/xla-cache-shared', readOnly: true });
  expect(seed.command[2]).toMatch(/^cp -a \/xla-cache-shared\/\. \/xla-cache\//);
  expect(seed.resources.limits['google.com/tpu']).toBeUndefined();
  expect(d.spec.template.spec.volumes.find((v: any) => v.name === 'xla-cache').csi.readOnly).toBe(true);
  // the private copy counts against the server's ephemeral storage
  expect(parseInt(serving.resources.limits['ephemeral-storage'], 10)).toBe(server.resolution.podResources.ephemeralStorageGiB + 20);

  const job = jobOf(objects);
  expect(server.xlaCacheWarmupJob).toBeDefined();
  // the Job's name ends in a digest of its pod template (immutable once applied); its service account keeps the base name
  expect(job.metadata.name).toMatch(new RegExp(`^${server.name}-xla-warmup-[0-9a-f]{8}$`));
  expect(job.spec.template.spec.serviceAccountName).toBe(`${server.name}-xla-warmup`);
  const pod = job.spec.template.spec;
  // the same server, on the same slice, as its own identity, and never behind the server's Service
  expect(pod.nodeSelector).toEqual(d.spec.template.spec.nodeSelector);
  expect(pod.containers).toHaveLength(1);
  const warm = pod.containers[0];
  expect(warm.image).toBe(serving.image);
  expect({ ...warm.resources.limits, 'ephemeral-storage': undefined }).toEqual({ ...serving.resources.limits, 'ephemeral-storage': undefined });
  expect(warm.resources.limits['google.com/tpu']).toBe('4');
  expect(warm.command.slice(4)).toEqual([...serving.command, ...serving.args]);
  expect(warm.command[2]).toMatch(/urlopen\(os\.environ\["XLA_WARMUP_HEALTH_URL"\]/);
  expect(env(warm, 'XLA_WARMUP_HEALTH_URL')).toBe('http://127.0.0.1:8000/health');
  expect(warm.command[2]).toMatch(/exit 0$/);
  expect(env(warm, 'VLLM_XLA_CACHE_PATH')).toBe('/xla-cache');
  expect(warm.volumeMounts).toContainEqual({ name: 'xla-cache', mountPath: '/xla-cache' });
  expect(pod.restartPolicy).toBe('Never');
  // the serving pods' FUSE write staging is 1 GiB in RAM (their mounts are read-only); the Job writes the cache through the sidecar,
  // so it keeps the webhook's default staging volume on disk instead
  expect(d.spec.template.spec.volumes.find((v: any) => v.name === 'gke-gcsfuse-buffer').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Gi' });
  expect(pod.volumes.map((v: any) => v.name)).not.toContain('gke-gcsfuse-buffer');
  expect(pod.volumes.map((v: any) => v.name)).not.toContain('gke-gcsfuse-tmp');
  expect(pod.serviceAccountName).toBe(`${server.name}-xla-warmup`);
  expect(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name).sort()).toEqual([server.name, `${server.name}-xla-warmup`].sort());
  const service = objects.find((o) => o.kind === 'Service');
  expect(Object.entries(service.spec.selector).every(([k, v]) => job.spec.template.metadata.labels[k] === v)).toBe(false);

  const notes = server.deploymentNotes.join('\n');
  // the writer reads the bucket and writes under the cache's directory only, not over the weights beside it
  const member = 'principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/'
    + `PROJECT_ID.svc.id.goog/subject/ns/llm/sa/${server.name}-xla-warmup`;
  expect(notes).toContain(`gs://models --member ${member} --role roles/storage.objectViewer`);
  expect(notes).toContain(`gs://models --member ${member} --role roles/storage.objectUser `
    + `'--condition=expression=resource.name.startsWith("projects/_/buckets/models/objects/${path.slice('models/'.length)}/"),title=write-under-prefix'`);
  expect(notes).not.toMatch(new RegExp(`sa/${server.name}-xla-warmup --role roles/storage\\.objectUser(?! '--condition)`));
  expect(notes).toContain(`subject/ns/llm/sa/${server.name} --role roles/storage.objectViewer`);
  expect(notes).not.toContain(`sa/${server.name} --role roles/storage.objectUser`);
  expect(notes).toMatch(/kubectl wait --for=condition=complete job\/.*-xla-warmup/);
  // the Job's slice is a one-off cost beside the replicas, priced for its deadline
  const hours = job.spec.activeDeadlineSeconds / 3600;
  expect(notes).toContain(`XLA cache warm-up cost: the Job holds one more 2x2 slice while it compiles, $${server.resolution.cost.costPerHour}/h at the `
    + `figures' price, up to $${(server.resolution.cost.costPerHour! * hours).toFixed(2)} if it runs to its ${hours.toFixed(1)} h deadline`);
  expect(notes).toMatch(/cannot create directories/);
});

test('HPA scale-out (maxReplicas 5) and fixed replicas (3) never give two pods write access to one cache path', () => {
  const { objects } = synth(
    { ...TPU_BUCKET, targetNtpotMilliseconds: 2000, minReplicas: 2, maxReplicas: 5 },
    { ...TPU_BUCKET, acceleratorType: 'tpu-v5-lite-podslice', replicas: 3 },
    { ...TPU_BUCKET, model: 'google/gemma-2-9b-it', modelBucketUri: 'gs://models/gemma-2-9b-it', xlaCacheBucketUri: 'gs://xla-caches/shared', replicas: 3 },
  );
  expectValidManifests(objects);
  const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler');
  expect(hpa.spec.maxReplicas).toBe(5);
  expect(hpa.spec.scaleTargetRef.kind).toBe('Deployment');
  const paths = expectSingleWriters(objects);
  expect(paths).toHaveLength(3);
  expect(new Set(paths).size).toBe(3);
  expect(objects.filter((o) => o.kind === 'Job')).toHaveLength(3);
});

test('the cache path differs per topology and per server version', () => {
  const v6e = synth(TPU_BUCKET).servers[0];
  const v5e = synth({ ...TPU_BUCKET, acceleratorType: 'tpu-v5-lite-podslice' }).servers[0];
  expect([v6e.resolution.tpuTopology, v5e.resolution.tpuTopology]).toEqual(['2x2', '2x4']);
  expect(v6e.xlaCacheUri).toBe('gs://models/gemma-2-27b-it/xla-cache/tpu-v6e-slice-2x2/v0.11.1-tpu');
  expect(v5e.xlaCacheUri).toBe('gs://models/gemma-2-27b-it/xla-cache/tpu-v5-lite-podslice-2x4/v0.11.1-tpu');
  // a replaced image is another build: its own directory
  expect(synth({ ...TPU_BUCKET, image: 'vllm/vllm-tpu:v0.12.0' }).servers[0].xlaCacheUri)
    .toBe('gs://models/gemma-2-27b-it/xla-cache/tpu-v6e-slice-2x2/v0.12.0');
  // an explicit location, in another bucket: both service accounts get the bindings they need there
  const other = synth({ ...TPU_BUCKET, xlaCacheBucketUri: 'gs://xla-caches' }).servers[0];
  expect(other.xlaCacheUri).toBe('gs://xla-caches/tpu-v6e-slice-2x2/v0.11.1-tpu');
  const notes = other.deploymentNotes.join('\n');
  expect(notes).toMatch(new RegExp(`gs://xla-caches .*sa/${other.name}-xla-warmup --role roles/storage.objectUser '--condition=expression=resource\\.name\\.startsWith\\("projects/_/buckets/xla-caches/objects/tpu-v6e-slice-2x2/v0\\.11\\.1-tpu/"\\)`));
  expect(notes).toMatch(new RegExp(`gs://models .*sa/${other.name}-xla-warmup --role roles/storage.objectViewer`));
  expect(notes).toMatch(new RegExp(`gs://xla-caches .*sa/${other.name} --role roles/storage.objectViewer`));
});

test('from Hugging Face on a TPU there is no cache unless xlaCacheBucketUri is set', () => {
  const none = synth({ model: 'google/gemma-2-27b-it', acceleratorType: 'tpu-v6e-slice' });
  expect(none.servers[0].xlaCacheWarmupJob).toBeUndefined();
  expect(none.objects.some((o) => o.kind === 'Job')).toBe(false);
  expect(JSON.stringify(none.objects)).not.toContain('VLLM_XLA_CACHE_PATH');

  const hub = synth({ model: 'google/gemma-2-27b-it', acceleratorType: 'tpu-v6e-slice', xlaCacheBucketUri: 'gs://xla-caches/gemma' });
  expectValidManifests(hub.objects);
  expect(hub.servers[0].xlaCacheUri).toBe('gs://xla-caches/gemma/tpu-v6e-slice-2x2/v0.11.1-tpu');
  expectSingleWriters(hub.objects);
  // the FUSE sidecar is requested even though the model does not come from a bucket
  for (const { template } of podTemplates(hub.objects)) expect(template.metadata.annotations['gke-gcsfuse/volumes']).toBe('true');
  // the seed copy mounts the cache in an init container: GKE 1.29.3-gke.1093000 or later (gcs-fuse-csi-driver releases.md)
  const hubAt = (gkeVersion: string) => synth({ model: 'google/gemma-2-27b-it', acceleratorType: 'tpu-v6e-slice', xlaCacheBucketUri: 'gs://xla-caches/gemma', gkeVersion });
  expect(() => hubAt('1.27')).toThrow(/'gkeVersion' 1\.27 is older than 1\.29\.3-gke\.1093000, .*init containers/);
  expect(hubAt('1.29.3-gke.1093000').servers[0].xlaCacheUri).toBe('gs://xla-caches/gemma/tpu-v6e-slice-2x2/v0.11.1-tpu');
});

test('xlaCacheBucketUri is refused off TPUs, malformed, or shared by two servers of one app', () => {
  expect(() => synth({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', xlaCacheBucketUri: 'gs://xla-caches' }))
    .toThrow(/'xlaCacheBucketUri' is only valid on TPUs .* resolved to nvidia-l4/);
  // a GPU server from a bucket gets no cache and no Job
  const gpu = synth({ model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', modelBucketUri: 'gs://models/gemma' });
  expect(gpu.servers[0].xlaCacheUri).toBeUndefined();
  expect(gpu.objects.some((o) => o.kind === 'Job')).toBe(false);
  expect(() => synth({ ...TPU_BUCKET, xlaCacheBucketUri: 'https://storage.googleapis.com/x' })).toThrow(/'xlaCacheBucketUri' .* is not a gs:\/\/ URI/);
  expect(() => synth(TPU_BUCKET, { ...TPU_BUCKET, name: 'second' })).toThrow(/the XLA cache .* of OptimizedLlmServer 'second' \('xlaCacheBucketUri', or by default in the bucket of its 'modelBucketUri'\) is also the cache .* would write it concurrently/);
  expect(() => synth(TPU_BUCKET, { ...TPU_BUCKET, name: 'nested', xlaCacheBucketUri: 'gs://models/gemma-2-27b-it/xla-cache/tpu-v6e-slice-2x2/v0.11.1-tpu' }))
    .toThrow(/the XLA cache .* of OptimizedLlmServer 'nested' \('xlaCacheBucketUri', or by default in the bucket of its 'modelBucketUri'\) is also the cache \(or inside the cache\)/);
  // across charts of one app too
  const app = new App();
  new OptimizedLlmServer(new Chart(app, 'a'), 's', TPU_BUCKET);
  expect(() => new OptimizedLlmServer(new Chart(app, 'b'), 's', TPU_BUCKET)).toThrow(/would write it concurrently/);
});

test('a long server name still gives a DNS-label Job name', () => {
  const name = `s${'x'.repeat(62)}`;
  const { objects } = synth({ ...TPU_BUCKET, name });
  expectValidManifests(objects);
  const job = jobOf(objects);
  expect(job.metadata.name.length).toBeLessThanOrEqual(63);
  expect(job.metadata.name).toMatch(/^sx+-xla-warmup-[0-9a-f]{8}$/);
});

test('the cache mounts leave metadata-cache:negative-ttl-secs out before GKE 1.32.1-gke.1357001 (older gcsfuse refuses the unknown key, and with it the mount)', () => {
  const cacheOptions = (gkeVersion?: string) => {
    const { objects } = synth({ ...TPU_BUCKET, ...(gkeVersion ? { gkeVersion } : {}) });
    return podTemplates(objects).flatMap(({ template }) => (template.spec.volumes ?? []))
      .filter((v: any) => v.csi?.driver === 'gcsfuse.csi.storage.gke.io' && String(v.csi.volumeAttributes.mountOptions).includes('xla'))
      .map((v: any) => String(v.csi.volumeAttributes.mountOptions));
  };
  // the Deployment's read-only copy and the warm-up Job's writer
  expect(cacheOptions()).toHaveLength(2);
  for (const o of cacheOptions()) expect(o).toContain('metadata-cache:negative-ttl-secs:0');
  for (const o of cacheOptions('1.32.1-gke.1357001')) expect(o).toContain('metadata-cache:negative-ttl-secs:0');
  const older = cacheOptions('1.31.6-gke.1020000');
  expect(older).toHaveLength(2);
  for (const o of older) expect(o).not.toContain('negative-ttl-secs');
  const { servers } = synth({ ...TPU_BUCKET, gkeVersion: '1.31.6-gke.1020000' });
  expect(servers[0].deploymentNotes.join('\n')).toMatch(/XLA cache: mount option metadata-cache:negative-ttl-secs left out of its mounts/);
});
