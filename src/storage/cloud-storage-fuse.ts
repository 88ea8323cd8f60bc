import { k8s } from 'cdk8s-plus-28';
import { BucketLocation, parseBucketUri } from './bucket-uri';
import { DEFAULT_GKE_VERSION, GCSFUSE_GATES, TUNED_RECIPE_GKE_VERSIONS, atLeast, atLeastOnBranch, parseGkeVersion } from './gke-version';
import { bucketIamBindingCommand } from './iam';
import { CacheMedium } from '../resolver/resolution';
import {
  checkOptionalBoolean, checkOptionalInteger, checkOptionalEnum, checkOptionalString, checkProps, printable,
} from '../util/input';
import { checkPodTemplateShape } from '../util/pod-template-shape';
import { checkPinnedImage } from '../util/references';

const OPTION_NAMES: readonly string[] = ['gkeVersion', 'mountPath', 'fileCacheMedium', 'fileCacheSizeGiB', 'prefetchWeights', 'prefetchImage', 'implicitDirectories'];
/** An absolute path of plain segments: it is a mount path and a word of the pre-fetch command. */
const MOUNT_PATH = /^(\/[A-Za-z0-9._-]+)+$/;

/** Options of a {@link CloudStorageFuseModel}. */
export interface CloudStorageFuseModelOptions {
  /**
   * GKE version of the cluster; options that need a newer GKE are left out (see `notes`).
   * @default '1.33'
   */
  readonly gkeVersion?: string;
  /**
   * Where the model directory is mounted in the containers.
   * @default '/gcs'
   */
  readonly mountPath?: string;
  /**
   * Where the Cloud Storage FUSE file cache lives. The default suits a node pool whose ephemeral storage is local SSD
   * (`--ephemeral-storage-local-ssd`): on a node without it, the unbounded cache fills the boot disk and the pod is evicted, so
   * give `CacheMedium.BOOT_DISK` or `CacheMedium.MEMORY` with `fileCacheSizeGiB` there (`notes` says so when it is left out).
   * @default CacheMedium.LOCAL_SSD (node ephemeral storage, unbounded)
   */
  readonly fileCacheMedium?: CacheMedium;
  /**
   * Bound of the file cache, GiB: with `CacheMedium.MEMORY` the size of its RAM volume, the cache itself 512 MiB less (GKE: the
   * volume must be larger than the cache). Required for `CacheMedium.MEMORY` and `CacheMedium.BOOT_DISK`.
   * @default - unbounded (local SSD only)
   */
  readonly fileCacheSizeGiB?: number;
  /**
   * Add a container that reads every `*.safetensors` file in parallel at start-up, warming the file
   * cache while the server starts.
   * @default true
   */
  readonly prefetchWeights?: boolean;
  /**
   * Image of the pre-fetch container.
   * @default 'busybox:1.37.0'
   */
  readonly prefetchImage?: string;
  /**
   * Show directories that have no placeholder object (`implicit-dirs`). A flat-namespace bucket filled with `gcloud storage cp -r`
   * has none, so without it a subdirectory (a LoRA adapter beside the model) does not appear in the mount ("directories exist only
   * if a matching object ending in a slash exists": gcsfuse docs/semantics.md). GKE's tuned recipe leaves it out when metadata is
   * prefetched (it slows listing); the model's own files sit at the top of the mount and need no directory.
   * @default false (true before GKE 1.32.1-gke.1357001, where metadata is not prefetched)
   */
  readonly implicitDirectories?: boolean;
}

/** Cloud Storage FUSE CSI driver names (GoogleCloudPlatform/gcs-fuse-csi-driver @5fcdc04a pkg/util/util.go, pkg/webhook). */
const DRIVER = 'gcsfuse.csi.storage.gke.io';
/**
 * The sidecar's volumes a pod may declare itself (GKE, "Configure the Cloud Storage FUSE CSI driver sidecar container for GKE"):
 * its read cache, its temporary files (socket, config) and its write buffer, where it stages writes.
 */
export const GCSFUSE_SIDECAR_VOLUMES = { cache: 'gke-gcsfuse-cache', tmp: 'gke-gcsfuse-tmp', buffer: 'gke-gcsfuse-buffer' } as const;

/** RAM kept free in the memory-backed cache volume beyond the cache's own bound, MiB. */
const RAM_CACHE_HEADROOM_MIB = 512;
const VOLUME_NAME = 'model-bucket';
const PREFETCH_READERS = 15;

/**
 * A model directory in Cloud Storage mounted read-only through the Cloud Storage FUSE CSI driver with
 * the tuned recipe GKE recommends for LLM serving (more than 7x faster pod start-up than a basic mount): sidecar limits
 * lifted, metadata, stat and type caches unbounded, a file cache with parallel downloads, `only-dir`
 * for the model path, the bucket access check skipped, and a parallel pre-fetch of the weights.
 *
 * Usable with any workload: `applyTo` adds the annotations, volumes, mount and pre-fetch container to
 * a pod template. The pod's service account needs read access to the bucket (see `iamBindingCommand`).
 *
 * @see https://docs.cloud.google.com/kubernetes-engine/docs/how-to/cloud-storage-fuse-csi-driver-perf
 */
export class CloudStorageFuseModel {
  /**
   * A model at `gs://BUCKET/PATH`.
   * @param uri the model directory (holding config.json, the tokenizer and the weights)
   */
  public static fromUri(uri: string, options: CloudStorageFuseModelOptions = {}): CloudStorageFuseModel {
    checkProps(options, 'CloudStorageFuseModel options', OPTION_NAMES, false);
    return new CloudStorageFuseModel(parseBucketUri(uri), options ?? {});
  }

  /** The bucket name. */
  public readonly bucket: string;
  /** Path inside the bucket (empty for the root). */
  public readonly path: string;
  /** Where the model directory appears in the containers. */
  public readonly mountPath: string;
  /** The comma-separated mount options, in the recipe's order. */
  public readonly mountOptions: string;
  /** Pod annotations the driver's webhook reads. */
  public readonly podAnnotations: { [key: string]: string };
  /** Options left out because the GKE version does not support them, one line each. */
  public readonly notes: string[];
  /** The GKE version the mount options were chosen for (`gkeVersion`, default '1.33'). */
  public readonly gkeVersion: string;
  private readonly options: CloudStorageFuseModelOptions;
  private readonly volumeAttributes: { [key: string]: string };

  private constructor(location: BucketLocation, options: CloudStorageFuseModelOptions) {
    this.options = options;
    this.bucket = location.bucket;
    this.path = location.path;
    checkOptionalString('mountPath', options.mountPath);
    checkOptionalString('gkeVersion', options.gkeVersion);
    checkOptionalEnum('fileCacheMedium', options.fileCacheMedium, CacheMedium, 'CacheMedium');
    checkOptionalInteger('fileCacheSizeGiB', options.fileCacheSizeGiB, 1, 1_000_000);
    checkOptionalBoolean('prefetchWeights', options.prefetchWeights);
    checkOptionalBoolean('implicitDirectories', options.implicitDirectories);
    if (options.prefetchImage !== undefined) checkPinnedImage(options.prefetchImage, 'prefetchImage');
    this.mountPath = options.mountPath ?? '/gcs';
    if (!MOUNT_PATH.test(this.mountPath) || this.mountPath.split('/').some((seg) => seg === '.' || seg === '..')) {
      throw new Error(`'mountPath' '${printable(this.mountPath)}' must be an absolute path other than '/' made of segments of letters, `
        + 'digits, \'.\', \'_\' and \'-\' (no \'.\' or \'..\' segments), e.g. \'/gcs\'.');
    }
    const version = options.gkeVersion ?? DEFAULT_GKE_VERSION;
    this.gkeVersion = version;
    parseGkeVersion(version);
    if (!atLeastOnBranch(version, TUNED_RECIPE_GKE_VERSIONS)) {
      throw new Error(`'gkeVersion' ${version} is older than the tuned Cloud Storage FUSE recipe needs for its file cache, pre-fetch and parallel `
        + `downloads (GKE ${TUNED_RECIPE_GKE_VERSIONS.join(' on its minor, ')} on its minor, or a later minor); upgrade the cluster, set 'gkeVersion' `
        + 'to its full version if it is newer, or load the model from Hugging Face (omit \'modelBucketUri\').');
    }
    const medium = options.fileCacheMedium ?? CacheMedium.LOCAL_SSD;
    const size = options.fileCacheSizeGiB;
    if (medium === CacheMedium.LOCAL_SSD && size !== undefined) {
      throw new Error(`'fileCacheSizeGiB' ${size} has no effect on ${CacheMedium.LOCAL_SSD} (the file cache there is unbounded, the node's local SSD `
        + 'ephemeral storage): leave it unset, or set \'fileCacheMedium\' to CacheMedium.MEMORY or CacheMedium.BOOT_DISK to bound the cache.');
    }
    if (medium !== CacheMedium.LOCAL_SSD && (size === undefined || !(Number.isInteger(size) && size > 0))) {
      throw new Error(`'fileCacheSizeGiB' must be a positive whole number of GiB when the file cache is on ${medium}, got ${size}.`);
    }
    this.notes = [];
    if (options.fileCacheMedium === undefined) {
      // OptimizedLlmServer always names the medium its machine has; a template of the user's own may land on any node
      this.notes.push('the file cache is unbounded on the node\'s ephemeral storage (fileCacheMedium defaults to CacheMedium.LOCAL_SSD): schedule '
        + 'the pods on nodes whose ephemeral storage is local SSD (--ephemeral-storage-local-ssd), or give fileCacheMedium CacheMedium.BOOT_DISK '
        + 'or CacheMedium.MEMORY with fileCacheSizeGiB, or the model fills the boot disk and the pod is evicted');
    }
    const gate = (g: { feature: string; minimumVersion: string }) => {
      const ok = atLeast(version, g.minimumVersion);
      if (!ok) this.notes.push(`${g.feature} left out: it needs GKE ${g.minimumVersion} or newer, the cluster is ${version}`);
      return ok;
    };
    const prefetchMetadata = gate(GCSFUSE_GATES.metadataPrefetchOnMount);
    const readAhead = gate(GCSFUSE_GATES.readAheadKb);
    const skipCheck = gate(GCSFUSE_GATES.skipCsiBucketAccessCheck);
    // older gcsfuse keeps "not found" under ttl-secs; the model directory is immutable, so only a file added later would wait
    const negativeTtl = gate(GCSFUSE_GATES.negativeTtlSecs);

    const opts = [
      'metadata-cache:ttl-secs:-1',
      'metadata-cache:stat-cache-max-size-mb:-1',
      'metadata-cache:type-cache-max-size-mb:-1',
      ...(negativeTtl ? ['metadata-cache:negative-ttl-secs:0'] : []),
      // "If a custom cache volume is used, the underlying volume size must be larger than the fileCacheCapacity" (GKE, "Manually optimize
      // Cloud Storage FUSE CSI driver for performance"): the RAM volume is the bound, the cache 512 MiB less (evicted files still open,
      // file-system overhead); a boot-disk cache shares the sidecar's ephemeral limit, which already adds room
      `file-cache:max-size-mb:${medium === CacheMedium.LOCAL_SSD ? -1 : medium === CacheMedium.MEMORY ? size! * 1024 - RAM_CACHE_HEADROOM_MIB : size! * 1024}`,
      'file-cache:cache-file-for-range-read:true',
      'file-cache:enable-parallel-downloads:true',
      // GKE: avoid implicit-dirs when the list cache is on and metadata is prefetched, unless subdirectories must be seen
      ...(prefetchMetadata && options.implicitDirectories !== true ? [] : ['implicit-dirs']),
      'file-system:kernel-list-cache-ttl-secs:-1',
      ...(readAhead ? ['read_ahead_kb=1024'] : []),
      // only-dir stays last, as in the recipe, in the flag form GKE documents ("only-dir=relative/path/to/the/bucket/root"): the
      // driver passes an option with '=' on as a flag split at its first '=', but splits one without at its last ':' into the config
      // file, which broke paths such as llama:v1 or runs/date=2025-01-01 (gcs-fuse-csi-driver pkg/sidecar_mounter prepareMountArgs)
      ...(this.path ? [`only-dir=${this.path}`] : []),
    ];
    this.mountOptions = opts.join(',');
    this.volumeAttributes = {
      bucketName: this.bucket,
      mountOptions: this.mountOptions,
      ...(skipCheck ? { skipCSIBucketAccessCheck: 'true' } : {}),
      ...(prefetchMetadata ? { gcsfuseMetadataPrefetchOnMount: 'true' } : {}),
    };
    // "0" lifts a sidecar limit (Google's recipe). The driver's webhook copies a limit annotation without a request
    // annotation into the request (gcs-fuse-csi-driver pkg/webhook/config.go), so a cache on the boot disk, which
    // GKE advises against, states its request explicitly: the pod then asks the node for it, visibly.
    const bootDiskLimit = `${size! + 5}Gi`;
    this.podAnnotations = {
      'gke-gcsfuse/volumes': 'true',
      'gke-gcsfuse/cpu-limit': '0',
      'gke-gcsfuse/memory-limit': '0',
      'gke-gcsfuse/ephemeral-storage-limit': medium === CacheMedium.BOOT_DISK ? bootDiskLimit : '0',
      ...(medium === CacheMedium.BOOT_DISK ? { 'gke-gcsfuse/ephemeral-storage-request': bootDiskLimit } : {}),
      ...(prefetchMetadata ? { 'gke-gcsfuse/metadata-prefetch-memory-limit': '512Mi' } : {}),
    };
  }

  /** The volumes to add to the pod: the CSI volume and the sidecar's memory-backed volumes. */
  public volumes(): k8s.Volume[] {
    const medium = this.options.fileCacheMedium ?? CacheMedium.LOCAL_SSD;
    const memory = (name: string, gib: number): k8s.Volume => ({ name, emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(`${gib}Gi`) } });
    return [
      { name: VOLUME_NAME, csi: { driver: DRIVER, readOnly: true, volumeAttributes: this.volumeAttributes } },
      ...(medium === CacheMedium.MEMORY ? [memory(GCSFUSE_SIDECAR_VOLUMES.cache, this.options.fileCacheSizeGiB!)] : []),
      // the mount is read-only, so the sidecar's write staging stays small
      memory(GCSFUSE_SIDECAR_VOLUMES.tmp, 1),
      memory(GCSFUSE_SIDECAR_VOLUMES.buffer, 1),
    ];
  }

  /** The read-only mount of the model directory. */
  public volumeMount(): k8s.VolumeMount {
    return { name: VOLUME_NAME, mountPath: this.mountPath, readOnly: true };
  }

  /** The pre-fetch container, or undefined when `prefetchWeights` is false. */
  public prefetchContainer(): k8s.Container | undefined {
    if (this.options.prefetchWeights === false) return undefined;
    const small = {
      'cpu': k8s.Quantity.fromString('250m'),
      'memory': k8s.Quantity.fromString('128Mi'),
      'ephemeral-storage': k8s.Quantity.fromString('100Mi'),
    };
    return {
      name: 'fetch-safetensors',
      image: this.options.prefetchImage ?? 'busybox:1.37.0',
      imagePullPolicy: 'IfNotPresent',
      // the mount path is the script's positional parameter $1, never part of the script
      command: ['sh', '-c'],
      args: [
        // the model directory's own shards, as vLLM globs them (not a copy under original/, which would evict them from a cache sized
        // for one copy); Google's tuned recipe reads the top level too (find /gcs/MODEL/*safetensors)
        `find "$1" -maxdepth 1 -type f -name '*.safetensors' | xargs -r -n 1 -P ${PREFETCH_READERS} cat > /dev/null; `
        // then idle until the pod stops: as its container's PID 1, a bare (exec'd) sleep would ignore SIGTERM (pid_namespaces(7): PID 1
        // gets only the signals it handles) and hold every pod for the whole grace period; the shell's trap ends it at once
        + 'echo "weights pre-fetched into the file cache"; trap \'exit 0\' TERM; sleep 2147483647 & wait',
        'fetch-safetensors',
        this.mountPath,
      ],
      resources: { requests: small, limits: small },
      securityContext: { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } },
      volumeMounts: [this.volumeMount()],
    };
  }

  /**
   * The pod template with the recipe applied: annotations, volumes, the read-only mount in the named
   * container, and the pre-fetch container.
   * @param template the pod template
   * @param containerName the container that reads the model
   */
  public applyTo(template: k8s.PodTemplateSpec, containerName: string): k8s.PodTemplateSpec {
    checkPodTemplateShape(template, 'CloudStorageFuseModel.applyTo: \'template\'', containerName);
    const spec = template.spec!;
    // a second model bucket (or the same one twice) would repeat the volume and container names, which the API server refuses
    const ours = this.volumes().map((v) => v.name);
    const taken = (spec.volumes ?? []).filter((v) => ours.includes(v.name)).map((v) => v.name);
    if (taken.length > 0) {
      throw new Error(`CloudStorageFuseModel.applyTo: the pod template already has the volume${taken.length > 1 ? 's' : ''} ${taken.join(', ')}: `
        + 'apply one model bucket once per pod template.');
    }
    const prefetch = this.prefetchContainer();
    return {
      ...template,
      metadata: { ...template.metadata, annotations: { ...template.metadata?.annotations, ...this.podAnnotations } },
      spec: {
        ...spec,
        containers: [
          ...spec.containers.map((c) => (c.name === containerName ? { ...c, volumeMounts: [...(c.volumeMounts ?? []), this.volumeMount()] } : c)),
          ...(prefetch ? [prefetch] : []),
        ],
        volumes: [...(spec.volumes ?? []), ...this.volumes()],
      },
    };
  }

  /**
   * The `gcloud` command that lets a Kubernetes service account read (or, with `write`, also write)
   * the bucket through Workload Identity Federation.
   * @param namespaceName the service account's namespace
   * @param serviceAccountName the Kubernetes service account
   * @param write grant roles/storage.objectUser instead of roles/storage.objectViewer
   */
  public iamBindingCommand(namespaceName: string, serviceAccountName: string, write: boolean = false): string {
    return bucketIamBindingCommand(this.bucket, namespaceName, serviceAccountName, write);
  }
}
