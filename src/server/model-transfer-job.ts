import { Chart, Names } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { HuggingFaceToken } from './hugging-face-token';
import { secretCreateCommand } from './secret-command';
import { validateName } from './server-checks';
import { chartNamespace, checkToken } from './server-props';
import { Catalog } from '../catalog/catalog';
import { HUB_SECOND_COPY, HUB_UNLOADED_WEIGHTS } from '../catalog/data/hub-downloads';
import { VLLM } from '../catalog/model-servers';
import { DEFAULT_BOOT_DISK_GIB, bootDiskEphemeralGiB, bootDiskFor } from '../catalog/node-allocatable';
import { parseBucketUri } from '../storage/bucket-uri';
import { GCSFUSE_SIDECAR_VOLUMES } from '../storage/cloud-storage-fuse';
import { DEFAULT_GKE_VERSION, MINIMUM_GCSFUSE_GKE_VERSION, atLeast, parseGkeVersion } from '../storage/gke-version';
import { bucketPrefixWriteBindingCommands } from '../storage/iam';
import { claimModelDirectory } from '../storage/model-directories';
import { contentName } from '../util/content-name';
import { checkedScope, checkOptionalInstance, checkOptionalInteger, checkOptionalString, checkProps, printable } from '../util/input';
import { checkHuggingFaceId, checkPinnedImage } from '../util/references';
import { escapeKubernetesExpansion, shellQuote } from '../util/shell-quote';
import { addManifestValidation, validationOptionsFrom } from '../validation/runner';

const TRANSFER_JOB_PROPS: readonly string[] = [
  'model', 'modelBucketUri', 'huggingFaceToken', 'revision', 'name', 'image', 'parallelDownloads', 'gkeVersion', 'activeDeadlineSeconds',
];

/** Properties of a {@link ModelTransferJob}. */
export interface ModelTransferJobProps {
  /** Hugging Face model id, `owner/name`. Catalog models get their size and gating from the catalog. */
  readonly model: string;
  /** Where to put the model: `gs://BUCKET/PATH`. Serve it with `OptimizedLlmServer`'s `modelBucketUri` set to the same URI. */
  readonly modelBucketUri: string;
  /**
   * The Hugging Face token.
   * @default HuggingFaceToken.fromSecret('hf-secret', 'hf_api_token')
   */
  readonly huggingFaceToken?: HuggingFaceToken;
  /**
   * Hugging Face revision (branch, tag or commit) to copy.
   * @default 'main'
   */
  readonly revision?: string;
  /**
   * Name of the Job and its service account.
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * Image with Python and `huggingface_hub`.
   * @default - the newest vLLM image in the catalog, which ships huggingface_hub
   */
  readonly image?: string;
  /**
   * Files downloaded in parallel. Each stages up to one 5 GiB shard on the node's disk before Cloud Storage FUSE uploads it,
   * so the pod's ephemeral-storage request grows by 5 GiB per download (`deploymentNotes` gives the boot disk it needs).
   * @default 4 - the pod's 40 GiB then fits a node with GKE's default 100 GB boot disk (43.8 GiB allocatable)
   */
  readonly parallelDownloads?: number;
  /**
   * GKE version of the cluster.
   * @default '1.33'
   */
  readonly gkeVersion?: string;
  /**
   * How long the copy may run before Kubernetes stops it, seconds (the Job's `activeDeadlineSeconds`, over all its retries).
   * @default - a catalog model's size at 0.05 GB/s plus 10 minutes; 4 hours for a model outside the catalog (about 690 GB at that rate)
   */
  readonly activeDeadlineSeconds?: number;
}

/** Largest safetensors shard Hugging Face checkpoints commonly use, GiB: one staged file per parallel download. */
const SHARD_GIB = 5;
/** Parallel downloads by default: their staging and the pod's own 10 GiB fit the 43.8 GiB a default 100 GB boot disk leaves allocatable. */
const DEFAULT_PARALLEL_DOWNLOADS = 4;
/** The transfer container's ephemeral storage (its writable layer and the 5 GiB /tmp for huggingface_hub), GiB. */
const CONTAINER_EPHEMERAL_GIB = 10;
/** Conservative copy rate for the deadline, GB/s (our estimate: half the hub rate used for start-up budgets). */
const COPY_GBPS = 0.05;
const MOUNT = '/bucket';
/** The copy's deadline for a model outside the catalog, whose size the library does not know (offline), s. */
const UNKNOWN_MODEL_DEADLINE_SECONDS = 4 * 3600;
/**
 * The label GKE puts on nodes that run the GKE metadata server (Workload Identity Federation for GKE), which the Cloud Storage FUSE
 * sidecar authenticates through: Google's transfer Jobs select it on Standard clusters (accelerated-platforms platforms/gke/base/
 * use-cases/inference-ref-arch/kubernetes-manifests/model-download/huggingface/set-compute-class.yaml). The Job does not select it
 * itself (whether Autopilot, whose nodes all run the server, admits a selector on it is not documented): the notes say when to.
 */
const METADATA_SERVER_NODE_LABEL = 'iam.gke.io/gke-metadata-server-enabled';

/**
 * A batch Job that copies a Hugging Face model into a Cloud Storage bucket once, so that every
 * server replica loads it from the bucket through Cloud Storage FUSE instead of from the hub.
 *
 * The download runs `huggingface_hub.snapshot_download` with parallel workers straight into a
 * read-write Cloud Storage FUSE mount of the bucket; files are staged in a bounded scratch volume
 * before upload. The Job runs as its own Kubernetes service account, which needs write access to the
 * bucket (see `deploymentNotes`).
 *
 * @example
 * new ModelTransferJob(chart, 'stage', { model: 'google/gemma-2-27b-it', modelBucketUri: 'gs://models/gemma-2-27b-it' });
 */
export class ModelTransferJob extends Construct {
  /** The Job. */
  public readonly job: k8s.KubeJob;
  /** The service account the Job runs as. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** Base name of the emitted objects. */
  public readonly name: string;
  /** What must exist in the cluster, one line each. */
  public readonly deploymentNotes: string[];

  constructor(scope: Construct, id: string, props: ModelTransferJobProps) {
    super(checkedScope(scope, id, 'ModelTransferJob'), id);
    checkProps(props, 'ModelTransferJob props', TRANSFER_JOB_PROPS);
    chartNamespace(this);
    checkHuggingFaceId(props.model, 'model');
    for (const name of ['revision', 'name', 'image', 'gkeVersion'] as const) checkOptionalString(name, props[name]);
    checkOptionalInteger('parallelDownloads', props.parallelDownloads, 1, 64);
    checkOptionalInteger('activeDeadlineSeconds', props.activeDeadlineSeconds, 600);
    checkOptionalInstance('huggingFaceToken', props.huggingFaceToken, (v) => v instanceof HuggingFaceToken,
      `HuggingFaceToken.fromSecret('${HuggingFaceToken.DEFAULT_SECRET_NAME}', '${HuggingFaceToken.DEFAULT_KEY}') or HuggingFaceToken.none()`);
    checkToken(props.huggingFaceToken);
    const location = parseBucketUri(props.modelBucketUri);
    claimModelDirectory(this, location, props.model);
    const gkeVersion = props.gkeVersion ?? DEFAULT_GKE_VERSION;
    parseGkeVersion(gkeVersion);
    if (!atLeast(gkeVersion, MINIMUM_GCSFUSE_GKE_VERSION)) {
      throw new Error(`'gkeVersion' ${gkeVersion} is older than ${MINIMUM_GCSFUSE_GKE_VERSION}, which the Cloud Storage FUSE mount needs.`);
    }
    const workers = props.parallelDownloads ?? DEFAULT_PARALLEL_DOWNLOADS;
    const revision = props.revision ?? 'main';
    // a git ref name: no '..', no leading '-' or '/', no control characters (git check-ref-format)
    if (!/^[\w][\w./-]{0,254}$/.test(revision) || revision.includes('..') || revision.endsWith('/') || revision.endsWith('.lock')) {
      throw new Error(`'revision' '${printable(revision)}' is not a branch, tag or commit (letters, digits, '_', '.', '/' and '-', e.g. 'main').`);
    }
    this.name = props.name ?? Names.toDnsLabel(this);
    validateName(this.name, props.name === undefined ? this.node.path : undefined);
    const known = Catalog.EMBEDDED.model(props.model);
    const token = props.huggingFaceToken ?? HuggingFaceToken.fromSecret(HuggingFaceToken.DEFAULT_SECRET_NAME);
    if (token.secretName === undefined && known?.gating !== 'not-gated') {
      throw new Error(`'huggingFaceToken' is HuggingFaceToken.none() but ${props.model} `
        + `${known ? `needs a token on Hugging Face (${known.gatingNote})` : 'is not in the catalog, so it may be gated'}. `
        + `Pass HuggingFaceToken.fromSecret('${HuggingFaceToken.DEFAULT_SECRET_NAME}', '${HuggingFaceToken.DEFAULT_KEY}').`);
    }
    const image = checkPinnedImage(props.image ?? [...VLLM.versions].pop()!.image, 'image');

    const stagingGiB = SHARD_GIB * workers + 5;
    // the sidecar's limit covers the staging emptyDir (the kubelet counts emptyDirs against the pod's limits); its request is
    // set to the same figure rather than left for the webhook to copy, so the pod's request is stated here
    const sidecarGiB = stagingGiB + 5;
    const podEphemeralGiB = sidecarGiB + CONTAINER_EPHEMERAL_GIB;
    const bootDiskGb = bootDiskFor(podEphemeralGiB);
    // what the Job copies: the weights, and the ones the repository ships but the servers do not load (a second copy is left out)
    const copiedGb = known ? known.checkpointWeightsGb + (HUB_UNLOADED_WEIGHTS[known.id]?.gb ?? 0) : undefined;
    const deadlineSeconds = props.activeDeadlineSeconds
      ?? (copiedGb !== undefined ? Math.ceil((copiedGb / COPY_GBPS + 600) / 60) * 60 : UNKNOWN_MODEL_DEADLINE_SECONDS);
    const labels = { app: this.name };
    const target = location.path ? `${MOUNT}/${location.path}` : MOUNT;
    // only what vLLM loads: huggingface_hub matches the patterns with fnmatch, whose '*' crosses '/', so '*.safetensors' alone
    // also copied the second checkpoint some repositories ship under original/ or metal/ (gpt-oss: original/model.safetensors,
    // 13.8 GB), which vLLM does not load from a local directory (it reads the index's shards) and the Job's deadline does not count
    // (vLLM's own ignore pattern, "original/**/*", misses files directly under original/: vllm-project/vllm#30537)
    // nor a top-level second copy the catalog knows of (Mistral v0.3's consolidated.safetensors, 14.5 GB): with the index beside
    // the shards, vLLM loads the index's files only (model_loader/weight_utils.py filter_duplicate_safetensors_files)
    const second = HUB_SECOND_COPY[props.model]?.files;
    const ignorePatterns = ['original/*', 'metal/*', ...(second !== undefined && !second.includes('/') ? [second] : [])];
    const script = [
      'import os',
      'from huggingface_hub import snapshot_download',
      'snapshot_download(repo_id=os.environ["MODEL_ID"], revision=os.environ["REVISION"], local_dir=os.environ["TARGET_DIR"],',
      `                  max_workers=${workers}, allow_patterns=["*.json", "*.safetensors", "*.model", "*.txt", "*.jinja", "*.tiktoken"],`,
      `                  ignore_patterns=${JSON.stringify(ignorePatterns)})`,
      'print("copied", os.environ["MODEL_ID"], "to", os.environ["TARGET_URI"])',
    ].join('\n');
    const amounts = {
      'cpu': k8s.Quantity.fromString('4'),
      'memory': k8s.Quantity.fromString('16Gi'),
      'ephemeral-storage': k8s.Quantity.fromString(`${CONTAINER_EPHEMERAL_GIB}Gi`),
    };
    const tokenEnv: k8s.EnvVar[] = token.secretName === undefined ? [] : ['HUGGING_FACE_HUB_TOKEN', 'HF_TOKEN'].map((n) => ({
      name: n,
      valueFrom: { secretKeyRef: { name: token.secretName!, key: token.key!, optional: known?.gating === 'not-gated' ? true : undefined } },
    }));

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.name, labels },
      automountServiceAccountToken: false,
    });
    const template: k8s.PodTemplateSpec = {
      metadata: {
        labels,
        annotations: {
          'gke-gcsfuse/volumes': 'true',
          'gke-gcsfuse/cpu-limit': '0',
          'gke-gcsfuse/memory-limit': '0',
          'gke-gcsfuse/ephemeral-storage-limit': `${sidecarGiB}Gi`,
          'gke-gcsfuse/ephemeral-storage-request': `${sidecarGiB}Gi`,
        },
      },
      spec: {
        restartPolicy: 'Never',
        serviceAccountName: this.name,
        automountServiceAccountToken: false,
        securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          name: 'transfer',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['python3', '-c', script],
          env: [
            // env values go through Kubernetes' $(VAR) expansion too: user values are escaped
            { name: 'MODEL_ID', value: escapeKubernetesExpansion(props.model) },
            { name: 'REVISION', value: escapeKubernetesExpansion(revision) },
            { name: 'TARGET_DIR', value: escapeKubernetesExpansion(target) },
            { name: 'TARGET_URI', value: escapeKubernetesExpansion(location.uri) },
            { name: 'HF_HOME', value: '/tmp/hf-home' },
            // no hf_xet chunk cache (10 GB by default in 2025 builds, xet-core DEFAULT_CHUNK_CACHE_CAPACITY) in the bounded /tmp
            { name: 'HF_XET_CHUNK_CACHE_SIZE_BYTES', value: '0' },
            ...tokenEnv,
          ],
          resources: { requests: amounts, limits: amounts },
          securityContext: { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } },
          volumeMounts: [{ name: 'model-bucket', mountPath: MOUNT }, { name: 'tmp', mountPath: '/tmp' }],
        }],
        volumes: [
          {
            name: 'model-bucket',
            csi: {
              driver: 'gcsfuse.csi.storage.gke.io',
              volumeAttributes: { bucketName: location.bucket, mountOptions: 'implicit-dirs' },
            },
          },
          // bounded staging for files on their way to the bucket, one shard per parallel download: the sidecar stages writes on its
          // gke-gcsfuse-buffer volume (GKE, "Configure the Cloud Storage FUSE CSI driver sidecar container for GKE": custom write buffer); gke-gcsfuse-tmp holds
          // only its socket and config
          { name: GCSFUSE_SIDECAR_VOLUMES.buffer, emptyDir: { sizeLimit: k8s.Quantity.fromString(`${stagingGiB}Gi`) } },
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('5Gi') } },
        ],
      },
    };
    // a Job's pod template is immutable once applied: the Job's name carries a digest of it, so re-applying the same manifests leaves a
    // finished copy as it is and a changed model, revision, bucket or image is a new Job; no TTL, so a finished Job is kept and the next
    // apply does not copy the model again
    this.job = new k8s.KubeJob(this, 'Resource', {
      metadata: { name: contentName(this.name, template), labels },
      spec: {
        backoffLimit: 3,
        completions: 1,
        parallelism: 1,
        activeDeadlineSeconds: deadlineSeconds,
        template,
      },
    });
    const namespace = Chart.of(this).namespace ?? 'default';
    // the same synth-time rules as the servers (pinned image, security context, names, resources)
    addManifestValidation(this, validationOptionsFrom({}, `ModelTransferJob '${this.name}'`));
    this.deploymentNotes = [
      // least privilege: read the bucket, write under the model's directory only (an IAM condition on the object name, as the XLA
      // cache's writer gets), so the Job's identity cannot touch the other models beside it
      `Model bucket: grant the transfer Job read access to the bucket and write access under ${shellQuote(location.uri)} only`
        + `${location.path ? ' (the IAM condition needs uniform bucket-level access on the bucket)' : ''}: `
        + `${bucketPrefixWriteBindingCommands(location.bucket, location.path, namespace, this.name).join(' and ')}`,
      ...(token.secretName ? [`Hugging Face token: ${secretCreateCommand(token, namespace)}`] : []),
      'Cluster: the Job writes through the Cloud Storage FUSE CSI driver add-on as its Kubernetes service account, which needs Workload '
        + 'Identity Federation for GKE and a node running the GKE metadata server (every Autopilot node; on Standard, a pool created or '
        + `updated with --workload-metadata=GKE_METADATA, whose nodes carry ${METADATA_SERVER_NODE_LABEL}=true: on a cluster with older pools, `
        + 'select that label, as Google\'s transfer Jobs do).',
      `The Job copies ${props.model}@${shellQuote(revision)} to ${shellQuote(location.uri)}; serve it with modelBucketUri: ${shellQuote(location.uri)} `
        + '(vLLM or TGI; JetStream reads a converted MaxText checkpoint instead).',
      // the server's mount caches metadata and listings without expiry (metadata-cache:ttl-secs:-1, kernel-list-cache-ttl-secs:-1):
      // GKE, "Manually optimize Cloud Storage FUSE CSI driver for performance": with unlimited TTLs "Out-of-band changes are not visible locally"
      `Order: let the copy finish before a server reads the bucket: kubectl wait --for=condition=complete ${shellQuote(`job/${this.job.name}`)} `
        + `--namespace ${shellQuote(namespace)} --timeout=${deadlineSeconds}s. A server pod started during the copy caches a partial listing for the `
        + 'life of its mount (the tuned mount never expires metadata) and must be deleted once the Job completes.',
      `Node: the Job's pod requests 4.25 CPU, 16.25 GiB of memory (with the Cloud Storage FUSE sidecar's default 250m and 256Mi) and ${podEphemeralGiB} GiB of ephemeral storage (${workers} parallel downloads `
        + `staging up to ${SHARD_GIB} GiB each, the Cloud Storage FUSE sidecar's ${sidecarGiB} GiB and the container's ${CONTAINER_EPHEMERAL_GIB} GiB): `
        + (bootDiskGb === DEFAULT_BOOT_DISK_GIB
          ? `a node with GKE's default ${DEFAULT_BOOT_DISK_GIB} GB boot disk leaves ${bootDiskEphemeralGiB(DEFAULT_BOOT_DISK_GIB).toFixed(1)} GiB allocatable, enough.`
          : `it needs a node with a boot disk of at least ${bootDiskGb} GB (GKE leaves ${bootDiskEphemeralGiB(DEFAULT_BOOT_DISK_GIB).toFixed(1)} GiB of the `
            + `default ${DEFAULT_BOOT_DISK_GIB} GB allocatable), or fewer parallelDownloads.`),
    ];
  }
}
