/**
 * The XLA compilation cache of vLLM on TPU as a construct of its own: a Cloud Storage directory per TPU type, topology and
 * server version, a warm-up Job that is its only writer, and `applyTo`, which gives serving pods a private copy of it.
 * `OptimizedLlmServer` composes it (GKE Inference Quickstart's `storage_config.xla_cache_bucket_uri`).
 */
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { xlaCacheNotes } from './server-notes';
import { typedPodTemplate } from './typed-values';
import {
  XLA_CACHE_VOLUME_NAMES, XlaCacheLocation, createXlaCacheWarmupJob, withReadOnlyXlaCache, xlaCacheLocation,
} from './xla-cache';
import { CloudStorageFuseModel } from '../storage/cloud-storage-fuse';
import { DEFAULT_GKE_VERSION, GCSFUSE_GATES, atLeast, parseGkeVersion } from '../storage/gke-version';
import { checkedScope, checkObject, checkOptionalInstance, checkOptionalInteger, checkOptionalString, checkProps, checkRequiredString, printable } from '../util/input';
import { checkPodTemplateShape } from '../util/pod-template-shape';
import { isDns1123Label } from '../validation/manifest';
import { TPU_RESOURCE } from '../validation/tpu-rules';

/** Properties of an {@link XlaCompilationCache}. */
export interface XlaCompilationCacheProps {
  /** Base name: the warm-up Job and its service account are `<name>-xla-warmup`. Usually the server's name. */
  readonly name: string;
  /** Cloud Storage location of the caches, `gs://BUCKET[/PATH]`; this cache lives in `<path>/<acceleratorType>-<tpuTopology>/<serverVersion>`. */
  readonly bucketUri: string;
  /** GKE TPU accelerator label of the serving nodes, e.g. `tpu-v6e-slice`. */
  readonly acceleratorType: string;
  /** TPU topology of the serving slice, e.g. `2x4`. */
  readonly tpuTopology: string;
  /** Server version (or image tag) the cache is compiled by, e.g. `v0.8.5`: another build gets its own directory. */
  readonly serverVersion: string;
  /**
   * The serving pods' template before the cache is added: the warm-up Job runs its server container with the cache mounted
   * read-write.
   */
  readonly servingTemplate: k8s.PodTemplateSpec;
  /**
   * Name of the vLLM container in `servingTemplate`.
   * @default 'inference-server'
   */
  readonly containerName?: string;
  /**
   * Port the server listens on (the warm-up polls its health endpoint there).
   * @default 8000
   */
  readonly port?: number;
  /**
   * vLLM's health endpoint, polled by the warm-up Job: an absolute URL path of letters, digits, dots and `_ ~ - /`.
   * @default '/health'
   */
  readonly healthPath?: string;
  /**
   * Seconds the server may take to load the model; the warm-up Job gets an hour more to compile.
   * @default 1800
   */
  readonly startupBudgetSeconds?: number;
  /**
   * The model bucket the server mounts, when it reads the model from Cloud Storage (the notes then grant the warm-up Job
   * read access to it).
   * @default - the model comes from Hugging Face
   */
  readonly modelBucket?: CloudStorageFuseModel;
  /**
   * The cluster's GKE version: the cache's Cloud Storage FUSE mount options follow what its driver takes
   * (`metadata-cache:negative-ttl-secs` from 1.32.1-gke.1357001, gcsfuse v2.8.0).
   * @default - the `modelBucket`'s, else '1.33'
   */
  readonly gkeVersion?: string;
}

const PROPS: readonly string[] = [
  'name', 'bucketUri', 'acceleratorType', 'tpuTopology', 'serverVersion', 'servingTemplate', 'containerName', 'port', 'healthPath',
  'startupBudgetSeconds', 'modelBucket', 'gkeVersion',
];

/**
 * The XLA compilation cache of a vLLM TPU server in Cloud Storage, with a single writer: a Job (one completion, one pod, no
 * retries) that starts the server with the cache mounted read-write, waits until it is healthy (every graph shape
 * compiled) and exits. Serving pods get the cache through `applyTo`: an init container copies it (mounted read-only) into
 * the pod's own emptyDir, which vLLM reads and writes, so replicas and HPA scale-out never write the shared cache.
 *
 * Works for a vLLM TPU Deployment you wrote yourself; the pods' service account needs read access to the bucket and the
 * warm-up Job's write access (see `deploymentNotes`). The cluster needs the Cloud Storage FUSE CSI driver.
 */
export class XlaCompilationCache extends Construct {
  /** Where the cache lives. */
  public readonly location: XlaCacheLocation;
  /** `gs://` URI of the cache directory. */
  public readonly uri: string;
  /** The warm-up Job, the cache's only writer. Run it to completion before scaling the server out. */
  public readonly warmupJob: k8s.KubeJob;
  /** The service account of the warm-up Job (the identity that writes the cache). */
  public readonly warmupServiceAccount: k8s.KubeServiceAccount;
  /** What must exist in the cluster for the cache to work (IAM bindings, running the Job), one line each. */
  public readonly deploymentNotes: string[];
  private readonly containerName: string;
  private readonly gkeVersion: string;
  /** The `name` prop (the warm-up Job's name is derived from it). */
  private readonly cacheName: string;

  constructor(scope: Construct, id: string, props: XlaCompilationCacheProps) {
    super(checkedScope(scope, id, 'XlaCompilationCache'), id);
    checkProps(props, 'XlaCompilationCache props', PROPS);
    checkRequiredString('name', props.name, '\'gemma-server\'');
    if (!isDns1123Label(props.name)) throw new Error(`'name' '${printable(props.name)}' is not a DNS-1123 label.`);
    checkRequiredString('bucketUri', props.bucketUri, '\'gs://my-bucket/xla-cache\'');
    checkRequiredString('acceleratorType', props.acceleratorType, '\'tpu-v6e-slice\'');
    checkRequiredString('tpuTopology', props.tpuTopology, '\'2x4\'');
    checkRequiredString('serverVersion', props.serverVersion, '\'v0.8.5\'');
    // they name the cache directory: a GKE TPU accelerator label, a topology such as 2x4, an image tag's characters
    if (!/^tpu[a-z0-9-]*$/.test(props.acceleratorType)) {
      throw new Error(`'acceleratorType' '${printable(props.acceleratorType)}' is not a GKE TPU accelerator label such as 'tpu-v6e-slice'.`);
    }
    if (!/^\d+x\d+(x\d+)?$/.test(props.tpuTopology)) throw new Error(`'tpuTopology' '${printable(props.tpuTopology)}' is not a TPU topology such as '2x4'.`);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(props.serverVersion)) {
      throw new Error(`'serverVersion' '${printable(props.serverVersion)}' is not a version or image tag such as 'v0.11.1' (letters, digits, '.', '_', '-').`);
    }
    checkObject(props.servingTemplate, '\'servingTemplate\'');
    checkOptionalString('containerName', props.containerName);
    checkOptionalString('healthPath', props.healthPath);
    // an absolute URL path of unreserved characters: it becomes the Job's health URL (an env value, where the kubelet expands $(VAR))
    if (props.healthPath !== undefined && !/^\/[A-Za-z0-9._~\/-]*$/.test(props.healthPath)) {
      throw new Error(`'healthPath' '${printable(props.healthPath)}' must be an absolute URL path of letters, digits and . _ ~ - /, such as '/health'.`);
    }
    checkOptionalInteger('port', props.port, 1, 65535);
    checkOptionalInteger('startupBudgetSeconds', props.startupBudgetSeconds, 1);
    checkOptionalInstance('modelBucket', props.modelBucket, (v) => v instanceof CloudStorageFuseModel, 'CloudStorageFuseModel.fromUri(\'gs://...\')');
    checkOptionalString('gkeVersion', props.gkeVersion);
    this.gkeVersion = props.gkeVersion ?? props.modelBucket?.gkeVersion ?? DEFAULT_GKE_VERSION;
    parseGkeVersion(this.gkeVersion);
    this.containerName = props.containerName ?? 'inference-server';
    this.cacheName = props.name;
    checkPodTemplateShape(props.servingTemplate, '\'servingTemplate\'', this.containerName, 'containerName');
    // a template from YAML or Python writes quantities as plain numbers and strings, which cdk8s would drop from the Job
    const servingTemplate = typedPodTemplate(props.servingTemplate, '\'servingTemplate\'');
    this.location = xlaCacheLocation(props.bucketUri, 'bucketUri', props.acceleratorType, props.tpuTopology, props.serverVersion);
    this.uri = this.location.uri;
    const server = servingTemplate.spec!.containers.find((c) => c.name === this.containerName)!;
    const chips = server.resources?.limits?.[TPU_RESOURCE] ?? server.resources?.requests?.[TPU_RESOURCE];
    if (chips === undefined) {
      throw new Error(`'servingTemplate': the container '${this.containerName}' requests no '${TPU_RESOURCE}': the warm-up Job compiles on the `
        + 'serving slice\'s chips, and without the request it would not tolerate the TPU nodes\' taint. Set resources.limits of the TPU chips '
        + 'per host (for example 8 on a v6e 2x4 slice).');
    }
    // the directory is named for the slice the Job compiles on: a template that selects another one would file its executables there
    const selectors = servingTemplate.spec!.nodeSelector ?? {};
    for (const [label, prop, value] of [
      ['cloud.google.com/gke-tpu-accelerator', 'acceleratorType', props.acceleratorType],
      ['cloud.google.com/gke-tpu-topology', 'tpuTopology', props.tpuTopology],
    ] as const) {
      const selected = selectors[label];
      if (selected !== undefined && selected !== value) {
        throw new Error(`'${prop}' '${printable(value)}' names the cache directory, but 'servingTemplate' selects ${label}: ${printable(String(selected))}, `
          + `where the warm-up Job compiles: set '${prop}' to '${printable(String(selected))}'.`);
      }
    }
    this.checkSingleWriter();
    const warmup = createXlaCacheWarmupJob(this, {
      name: props.name,
      location: this.location,
      servingTemplate,
      containerName: this.containerName,
      port: props.port ?? 8000,
      healthPath: props.healthPath ?? '/health',
      startupBudgetSeconds: props.startupBudgetSeconds ?? 1800,
      gkeVersion: this.gkeVersion,
    });
    this.warmupJob = warmup.job;
    this.warmupServiceAccount = warmup.serviceAccount;
    this.deploymentNotes = xlaCacheNotes(this.location, props.name, Chart.of(this).namespace ?? 'default', props.modelBucket, warmup.job.name);
    if (!atLeast(this.gkeVersion, GCSFUSE_GATES.negativeTtlSecs.minimumVersion)) {
      this.deploymentNotes.push(`XLA cache: ${GCSFUSE_GATES.negativeTtlSecs.feature} left out of its mounts: it needs GKE `
        + `${GCSFUSE_GATES.negativeTtlSecs.minimumVersion} or newer, the cluster is ${this.gkeVersion} (a serving pod that starts within a minute of `
        + 'the warm-up\'s first write may miss it and compile that graph itself).');
    }
  }

  /**
   * The serving pod template with the cache: an init container copies the shared cache (mounted read-only) into the pod's
   * own emptyDir, mounted at `/xla-cache` in the vLLM container with `VLLM_XLA_CACHE_PATH` pointing there (the container's
   * ephemeral-storage request and limit, when it sets them in Gi, grow by the copy's 20 GiB; other units are refused).
   * @param template the serving pod template
   * @param containerName the vLLM container
   * @default containerName - the `containerName` prop
   */
  public applyTo(template: k8s.PodTemplateSpec, containerName?: string): k8s.PodTemplateSpec {
    const name = containerName ?? this.containerName;
    checkPodTemplateShape(template, 'XlaCompilationCache.applyTo: \'template\'', name);
    if ((template.spec!.volumes ?? []).some((v) => v.name === XLA_CACHE_VOLUME_NAMES.shared || v.name === XLA_CACHE_VOLUME_NAMES.local)) {
      throw new Error('XlaCompilationCache.applyTo: the pod template already has an XLA cache volume: apply the cache once per pod template.');
    }
    return withReadOnlyXlaCache(typedPodTemplate(template, 'XlaCompilationCache.applyTo: \'template\''), name, this.location, this.gkeVersion);
  }

  /**
   * Two caches of one app must not share (or nest) a directory: each has its own warm-up Job, and two writers would race. Covers
   * the caches OptimizedLlmServer makes for itself (its `xlaCacheBucketUri`) and the ones made on their own.
   */
  private checkSingleWriter(): void {
    const nested = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
    const other = this.node.root.node.findAll().find((c): c is XlaCompilationCache => c !== this && c instanceof XlaCompilationCache
      && nested(c.uri, this.uri));
    if (!other) return;
    // a server's own cache is its child 'XlaCache' (the server, which this module cannot import, has an xlaCacheUri); its prop is
    // the server's xlaCacheBucketUri
    const describe = (c: XlaCompilationCache, cacheName: string) => {
      const parent = c.node.scope as unknown as { readonly xlaCacheUri?: string; readonly name?: string } | undefined;
      return parent !== undefined && c.node.id === 'XlaCache' && 'xlaCacheUri' in parent
        ? `OptimizedLlmServer '${parent.name ?? cacheName}' ('xlaCacheBucketUri', or by default in the bucket of its 'modelBucketUri')`
        : `XlaCompilationCache '${cacheName}' ('bucketUri')`;
    };
    throw new Error(`the XLA cache ${this.uri} of ${describe(this, this.cacheName)} is also the cache (or inside the cache) ${other.uri} of `
      + `${describe(other, other.cacheName)}: their two warm-up Jobs would write it concurrently. Give one of them a cache location of its own.`);
  }
}
