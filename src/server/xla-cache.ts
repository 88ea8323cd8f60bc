import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { BucketLocation, parseBucketUri } from '../storage/bucket-uri';
import { LOCAL_CACHE_GIB } from '../storage/cache-media';
import { GCSFUSE_SIDECAR_VOLUMES } from '../storage/cloud-storage-fuse';
import { DEFAULT_GKE_VERSION, GCSFUSE_GATES, atLeast } from '../storage/gke-version';
import { CONTENT_DIGEST_SUFFIX_LENGTH, contentName } from '../util/content-name';
import { escapeKubernetesExpansion } from '../util/shell-quote';

/** The Cloud Storage FUSE sidecar's volumes that may stage writes (gcs-fuse-csi-driver: its temp-dir sits on the buffer volume). */
const GCSFUSE_STAGING_VOLUMES: readonly string[] = [GCSFUSE_SIDECAR_VOLUMES.buffer, GCSFUSE_SIDECAR_VOLUMES.tmp];
/** Cloud Storage FUSE CSI driver (as in cloud-storage-fuse.ts). */
const DRIVER = 'gcsfuse.csi.storage.gke.io';
const VOLUME_NAME = 'xla-cache';
/** The volumes the cache adds to a pod: the shared Cloud Storage mount and the pod's own copy. */
export const XLA_CACHE_VOLUME_NAMES = { shared: 'xla-cache', local: 'xla-cache-local' } as const;
/** Where the cache directory appears in the server container; `VLLM_XLA_CACHE_PATH` points here. */
export const XLA_CACHE_MOUNT_PATH = '/xla-cache';
export const XLA_CACHE_ENV = 'VLLM_XLA_CACHE_PATH';
/** First compilation takes 10-30 min (gke-inference-quickstart.md section 6): the warm-up gets an hour beyond the load budget. */
export const COMPILE_ALLOWANCE_SECONDS = 3600;
/** Seconds between two health checks of the warm-up loop. */
const POLL_SECONDS = 10;
/** The warm-up script reads the health URL it polls from this variable (no value is spliced into the script). */
const HEALTH_URL_ENV = 'XLA_WARMUP_HEALTH_URL';

/** Where the XLA compilation cache of one server lives: one directory per TPU type, topology and server version. */
export interface XlaCacheLocation {
  /** The bucket's name. */
  readonly bucket: string;
  /** Path inside the bucket: `<bucket path>/<tpu-accelerator>-<topology>/<server version>`. */
  readonly path: string;
  /** `gs://bucket/path`. */
  readonly uri: string;
}

/**
 * The cache location for a TPU server: `<bucket path>/<accelerator>-<topology>/<version>` (JAX and XLA
 * cache keys include the platform and topology, so a cache only helps the same slice shape).
 * @param uri `xlaCacheBucketUri`, or `<modelBucketUri>/xla-cache`
 * @param version the server version, or the image tag when `image` replaces the version's image
 */
export function xlaCacheLocation(uri: string, prop: string, acceleratorType: string, topology: string, version: string): XlaCacheLocation {
  const base: BucketLocation = parseBucketUri(uri, prop);
  const segment = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[.-]+/, '') || 'unknown';
  const path = [base.path, segment(`${acceleratorType}-${topology}`), segment(version)].filter((p) => p).join('/');
  return { bucket: base.bucket, path, uri: `gs://${base.bucket}/${path}` };
}

/** The CSI volume of the cache directory: read-write for the single writer, read-only for serving. */
function cacheVolume(location: XlaCacheLocation, readOnly: boolean, gkeVersion: string, owner?: { uid: number; gid: number }): k8s.Volume {
  const mountOptions = [
    // the sidecar mounts as root with gcsfuse's 755/644 modes: a writer running as another user needs the mount to be its own
    // (GKE, "Mount Cloud Storage buckets as CSI ephemeral volumes": set the uid and gid mount flags for a non-root user or group)
    ...(owner !== undefined ? [`uid=${owner.uid}`, `gid=${owner.gid}`] : []),
    'implicit-dirs',
    // a cache entry written by the warm-up is visible at once, never hidden by a cached "not found" (gcsfuse v2.8.0 on: an older one
    // refuses the option and the mount; it then keeps "not found" for the default ttl-secs, 60 s)
    ...(atLeast(gkeVersion, GCSFUSE_GATES.negativeTtlSecs.minimumVersion) ? ['metadata-cache:negative-ttl-secs:0'] : []),
    // the flag form: the driver splits an option with '=' at its first '=', so a path with ':' or '=' survives (see cloud-storage-fuse.ts)
    `only-dir=${location.path}`,
  ].join(',');
  return {
    name: VOLUME_NAME,
    csi: { driver: DRIVER, ...(readOnly ? { readOnly: true } : {}), volumeAttributes: { bucketName: location.bucket, mountOptions } },
  };
}

/** Adds the cache volume, its mount and `VLLM_XLA_CACHE_PATH` to one container of a pod template. */
function withCache(
  template: k8s.PodTemplateSpec, containerName: string, location: XlaCacheLocation, readOnly: boolean, gkeVersion: string,
): k8s.PodTemplateSpec {
  const spec = template.spec!;
  // the user the writer runs as (container, then pod securityContext); undefined for root or an image's own user
  const container = spec.containers.find((c) => c.name === containerName);
  const uid = container?.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
  const gid = container?.securityContext?.runAsGroup ?? spec.securityContext?.runAsGroup ?? spec.securityContext?.fsGroup ?? uid;
  const owner = !readOnly && uid !== undefined && uid !== 0 ? { uid, gid: gid ?? uid } : undefined;
  const mount: k8s.VolumeMount = { name: VOLUME_NAME, mountPath: XLA_CACHE_MOUNT_PATH, ...(readOnly ? { readOnly: true } : {}) };
  return {
    ...template,
    // the Cloud Storage FUSE sidecar (already requested when the model comes from a bucket)
    metadata: {
      ...template.metadata,
      annotations: {
        'gke-gcsfuse/volumes': 'true',
        'gke-gcsfuse/cpu-limit': '0',
        'gke-gcsfuse/memory-limit': '0',
        'gke-gcsfuse/ephemeral-storage-limit': '0',
        ...template.metadata?.annotations,
      },
    },
    spec: {
      ...spec,
      containers: spec.containers.map((c) => (c.name !== containerName ? c : {
        ...c,
        env: [...(c.env ?? []).filter((e) => e.name !== XLA_CACHE_ENV), { name: XLA_CACHE_ENV, value: XLA_CACHE_MOUNT_PATH }],
        volumeMounts: [...(c.volumeMounts ?? []), mount],
      })),
      volumes: [...(spec.volumes ?? []), cacheVolume(location, readOnly, gkeVersion, owner)],
    },
  };
}

const LOCAL_VOLUME_NAME = 'xla-cache-local';
const SHARED_MOUNT_PATH = '/xla-cache-shared';

/**
 * The serving pod template: the shared cache is mounted read-only, and only in an init container that
 * copies it into the pod's own emptyDir; vLLM reads and writes that private copy. No serving pod can
 * write the shared cache, and vLLM never meets a read-only cache directory (nor fails when the warm-up
 * has not run yet: it then compiles into its copy).
 */
export function withReadOnlyXlaCache(
  template: k8s.PodTemplateSpec, containerName: string, location: XlaCacheLocation, gkeVersion: string = DEFAULT_GKE_VERSION,
): k8s.PodTemplateSpec {
  const shared = withCache(template, containerName, location, true, gkeVersion);
  const spec = shared.spec!;
  const small = {
    'cpu': k8s.Quantity.fromString('500m'),
    'memory': k8s.Quantity.fromString('256Mi'),
    'ephemeral-storage': k8s.Quantity.fromString('100Mi'),
  };
  const seed: k8s.Container = {
    name: 'xla-cache-seed',
    image: 'busybox:1.37.0',
    imagePullPolicy: 'IfNotPresent',
    // the cache's URI is a positional parameter ($1), never part of the script; its '$' are escaped from Kubernetes' $(VAR) expansion
    command: ['sh', '-c', `cp -a ${SHARED_MOUNT_PATH}/. ${XLA_CACHE_MOUNT_PATH}/ && echo "XLA cache seeded from $1"`,
      'xla-cache-seed', escapeKubernetesExpansion(location.uri)],
    resources: { requests: small, limits: small },
    securityContext: { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } },
    volumeMounts: [
      { name: VOLUME_NAME, mountPath: SHARED_MOUNT_PATH, readOnly: true },
      { name: LOCAL_VOLUME_NAME, mountPath: XLA_CACHE_MOUNT_PATH },
    ],
  };
  return {
    ...shared,
    spec: {
      ...spec,
      initContainers: [...(spec.initContainers ?? []), seed],
      containers: spec.containers.map((c) => (c.name !== containerName ? c : {
        ...c,
        // the private copy, not the shared mount
        volumeMounts: (c.volumeMounts ?? []).map((m) => (m.name === VOLUME_NAME ? { name: LOCAL_VOLUME_NAME, mountPath: XLA_CACHE_MOUNT_PATH } : m)),
        resources: withMoreEphemeralStorage(c.resources, LOCAL_CACHE_GIB),
      })),
      volumes: [...(spec.volumes ?? []), { name: LOCAL_VOLUME_NAME, emptyDir: { sizeLimit: k8s.Quantity.fromString(`${LOCAL_CACHE_GIB}Gi`) } }],
    },
  };
}

/** Adds GiB to a container's ephemeral-storage request and limit (the private cache copy counts against them). */
function withMoreEphemeralStorage(resources: k8s.ResourceRequirements | undefined, gib: number): k8s.ResourceRequirements | undefined {
  const bump = (amounts: { [key: string]: k8s.Quantity } | undefined) => {
    if (!amounts || !amounts['ephemeral-storage']) return amounts;
    const current = String(amounts['ephemeral-storage'].value);
    const m = /^(\d+)Gi$/.exec(current);
    if (!m) throw new Error(`ephemeral-storage '${current}' is not in Gi: cannot add the XLA cache copy`);
    return { ...amounts, 'ephemeral-storage': k8s.Quantity.fromString(`${Number(m[1]) + gib}Gi`) };
  };
  return resources ? { ...resources, requests: bump(resources.requests), limits: bump(resources.limits) } : resources;
}

/** What the warm-up Job is built from. */
export interface XlaCacheWarmupInputs {
  readonly name: string;
  readonly location: XlaCacheLocation;
  /** The serving pod template before the read-only cache is added. */
  readonly servingTemplate: k8s.PodTemplateSpec;
  readonly containerName: string;
  readonly port: number;
  readonly healthPath: string;
  readonly startupBudgetSeconds: number;
  /** The cluster's GKE version (the mount options it takes). */
  readonly gkeVersion: string;
}

/**
 * The name of the warm-up Job's service account and the base of the Job's: `<name>-xla-warmup`, within a DNS label's 63 characters (the
 * Job is `<name>-xla-warmup-<digest of its pod template>`).
 */
export function xlaWarmupName(name: string): string {
  const suffix = '-xla-warmup';
  return `${name.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/**
 * The single writer of the cache: a Job (one completion, one pod at a time, no retries) running the
 * server container with the cache mounted read-write. It starts vLLM, which compiles every graph
 * shape before it reports healthy, waits for `/health`, stops the server and exits 0.
 */
export function createXlaCacheWarmupJob(
  scope: Construct, inputs: XlaCacheWarmupInputs,
): { job: k8s.KubeJob; serviceAccount: k8s.KubeServiceAccount } {
  const name = xlaWarmupName(inputs.name);
  const labels = { app: name };
  const serviceAccount = new k8s.KubeServiceAccount(scope, 'XlaCacheWarmupServiceAccount', {
    metadata: { name, labels },
    automountServiceAccountToken: false,
  });
  const base = inputs.servingTemplate;
  const server = base.spec!.containers.find((c) => c.name === inputs.containerName)!;
  // the warm-up runs the server's own command line under a shell: with args alone (the image's entrypoint) "$@" would run the
  // first argument as a program
  if (server.command === undefined || server.command.length === 0) {
    throw new Error(`XlaCompilationCache: the container '${inputs.containerName}' of 'servingTemplate' has no 'command' (only the image's entrypoint): `
      + 'the warm-up Job runs the server\'s command line itself; give the container its command, e.g. [\'vllm\', \'serve\'].');
  }
  const url = `http://127.0.0.1:${inputs.port}${inputs.healthPath}`;
  // "$@" is the server's own command line; python3 is in every vLLM image (curl is not guaranteed). The health URL reaches
  // the script as an environment variable, never spliced into it
  const script = [
    '"$@" &',
    'pid=$!',
    `until python3 -c 'import os, urllib.request; urllib.request.urlopen(os.environ["${HEALTH_URL_ENV}"], timeout=5)' >/dev/null 2>&1; do`,
    '  if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; echo "the server exited before it was healthy: the XLA cache is incomplete" >&2; exit 1; fi',
    `  sleep ${POLL_SECONDS}`,
    'done',
    `echo "the server is healthy: XLA cache written to $${XLA_CACHE_ENV}"`,
    'kill -TERM "$pid"; wait "$pid"',
    'exit 0',
  ].join('\n');
  // the Job is not a Service endpoint and is not probed: it ends when the server is healthy
  const { args, ports, startupProbe, readinessProbe, livenessProbe, ...rest } = server;
  const warmupContainer: k8s.Container = {
    ...rest,
    command: ['/bin/sh', '-c', script, 'xla-cache-warmup', ...(server.command ?? []), ...(args ?? [])],
    env: [...(rest.env ?? []).filter((e) => e.name !== HEALTH_URL_ENV), { name: HEALTH_URL_ENV, value: url }],
  };
  const template = withCache({
    metadata: { labels, annotations: base.metadata?.annotations },
    spec: {
      ...base.spec!,
      // the Job writes the cache through the FUSE sidecar, which stages writes on its gke-gcsfuse-buffer volume (older drivers on
      // gke-gcsfuse-tmp): not the serving template's 1 GiB in RAM (sized for read-only mounts), which a larger cache entry would fill;
      // the webhook's defaults are on disk
      volumes: (base.spec!.volumes ?? []).filter((v) => !GCSFUSE_STAGING_VOLUMES.includes(v.name)),
      serviceAccountName: name,
      restartPolicy: 'Never',
      // the weight pre-fetcher runs forever and would keep the Job from completing
      containers: [warmupContainer],
    },
  }, inputs.containerName, inputs.location, false, inputs.gkeVersion);
  // the Job's pod template is immutable once applied: its name carries a digest of it, so a re-applied unchanged Job is left as it is
  // and a changed one (model, image, slice, server arguments) is a new Job; no TTL, so a finished Job is kept and not run again by the
  // next apply
  const job = new k8s.KubeJob(scope, 'XlaCacheWarmup', {
    metadata: { name: contentName(xlaWarmupName(inputs.name.slice(0, 63 - '-xla-warmup'.length - CONTENT_DIGEST_SUFFIX_LENGTH)), template), labels },
    spec: {
      // one pod at a time: no parallel pods; a failure of the compile is not retried, but a pod evicted by a disruption (a Spot
      // preemption, a node drain: the DisruptionTarget condition) is replaced without counting against backoffLimit, and only once
      // it is terminal (with a podFailurePolicy the replacement policy is Failed), so two writers never overlap (Kubernetes, "Jobs":
      // Pod failure policy, "Handling retriable and non-retriable pod failures"; GKE gracefully shuts Spot, GPU and TPU nodes down)
      completions: 1,
      parallelism: 1,
      backoffLimit: 0,
      podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
      activeDeadlineSeconds: inputs.startupBudgetSeconds + COMPILE_ALLOWANCE_SECONDS,
      template,
    },
  });
  return { job, serviceAccount };
}
