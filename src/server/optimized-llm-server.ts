import { ApiObject, Names } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Annotations, GkeLabels } from './annotations';
import { createServerDisruptionBudget, wantsDisruptionBudget } from './disruption-budget';
import { HuggingFaceToken } from './hugging-face-token';
import { loraNotes } from './lora';
import { LWS_API_VERSION, LWS_KIND, LwsLabels, createLeaderWorkerSet, leaderSelector } from './multi-host';
import { ServerClients, checkAllowedClients, createServerNetworkPolicy } from './network-policy';
import { POD_CUSTOMIZATION_PROPS, customizePod } from './pod-customization';
import { secretCreateCommand } from './secret-command';
import { chartNamespace, checkServerProps } from './server-props';
import { tpuMetricsExporterMonitoring } from './tpu-metrics';
import { HPA_BEHAVIOR } from '../autoscaling/behavior';
import { Catalog } from '../catalog/catalog';
import { InferenceCatalog } from '../catalog/inference-catalog';
import { JETSTREAM, modelServerByName } from '../catalog/model-servers';
import { checkJetStreamProps, checkSingleHostJetStreamProps, jetstreamContainers, jetstreamNotes } from './servers/jetstream';
import { PathwaysContainers, createPathwaysLeaderWorkerSet, pathwaysNotes } from './servers/pathways';
import { serverInvocation } from './servers/server-container';
import { XlaCacheLocation, createXlaCacheWarmupJob, withReadOnlyXlaCache, xlaCacheLocation, xlaWarmupName } from './xla-cache';
import { PodMonitoring, PodMonitoringSpecEndpointsPort } from '../imports/monitoring.googleapis.com';
import { capacityPodSpec } from '../resolver/node-pool';
import { AutoscalingMetric, CacheMedium, Capacity, ModelLoadPath, Resolution, ResolveRequest, ResolvedNodePool } from '../resolver/resolution';
import { resolveCached } from '../resolver/resolution-cache';
import { parseBucketUri } from '../storage/bucket-uri';
import { CloudStorageFuseModel } from '../storage/cloud-storage-fuse';
import { bucketIamBindingCommand } from '../storage/iam';
import { printable } from '../util/input';
import { checkPinnedImage } from '../util/references';
import { escapeKubernetesExpansion, shellQuote } from '../util/shell-quote';
import { libraryVersion } from '../util/version';
import { ClusterMode, GkeAutopilot } from '../validation/cluster-mode';
import { addManifestValidation, validationOptionsFrom } from '../validation/runner';

/** Properties of an {@link OptimizedLlmServer}. */
export interface OptimizedLlmServerProps extends ResolveRequest {
  /**
   * Base name of the Kubernetes objects (Deployment, Service, PodMonitoring, HPA) and the value of
   * the immutable `app` selector label. Keep it stable once deployed.
   * @default - derived from the construct path (stable while the construct id and tree do not change)
   */
  readonly name?: string;
  /**
   * Fixed number of replicas. Only without a latency target: with one, the HPA manages replicas.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Fewest replicas the HPA keeps (with a latency target).
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * Most replicas the HPA creates (with a latency target).
   * @default 5
   */
  readonly maxReplicas?: number;
  /**
   * The Hugging Face token. Required for gated models; optional (the Secret may be absent) otherwise.
   * @default HuggingFaceToken.fromSecret('hf-secret', 'hf_api_token')
   */
  readonly huggingFaceToken?: HuggingFaceToken;
  /**
   * Container image, replacing the one the resolved server version pins. Must carry a tag other
   * than `latest` or a digest.
   * @default - the image of the resolved model server version, e.g. `vllm/vllm-openai:v0.7.2`
   */
  readonly image?: string;
  /**
   * The catalog to resolve against: the embedded one plus the models and benchmark points you add.
   * @default InferenceCatalog.embedded()
   */
  readonly catalog?: InferenceCatalog;
  /**
   * GKE version of the cluster. Cloud Storage FUSE options that need a newer GKE are left out, with a
   * note in `deploymentNotes`.
   * @default '1.33' (read as the oldest 1.33 build)
   */
  readonly gkeVersion?: string;
  /**
   * The kind of GKE cluster the manifests are for. Synth-time validation always applies the
   * Kubernetes, GKE and best-practice rules; `ClusterMode.AUTOPILOT` adds GKE Autopilot's admission
   * rules (allowed GPU types, requests == limits, no GPU init containers, no node-pool selector, no
   * privileged containers, verified per-GPU maxima), so that what synthesizes is admitted.
   * @default ClusterMode.STANDARD
   */
  readonly clusterMode?: ClusterMode;
  /**
   * GPU accelerator labels your Autopilot clusters admit (only read with `ClusterMode.AUTOPILOT`).
   * Autopilot's list grows with GKE versions; extend it when yours admits more, e.g. `nvidia-b200`.
   * @default GkeAutopilot.ALLOWED_GPU_TYPES (the list of 2025-05)
   */
  readonly autopilotAcceleratorTypes?: string[];
  /**
   * Fence the server with a NetworkPolicy that admits traffic to its port only from these sources and
   * from the Managed Prometheus collector (`gmp-system`). An empty list admits the collector alone.
   * Needs network policy enforcement in the cluster (GKE Dataplane V2, the default on Autopilot).
   * @default - no NetworkPolicy: every source in the cluster may reach the server
   */
  readonly allowedClients?: ServerClients[];
  /**
   * Create a PodDisruptionBudget that lets node drains and upgrades take one server pod at a time.
   * @default - created when more than one replica always runs (`replicas` > 1, or `minReplicas` > 1 with a latency target)
   */
  readonly disruptionBudget?: boolean;
  /**
   * Cloud Storage location of the XLA compilation cache of vLLM on TPU (GKE Inference Quickstart's
   * `storage_config.xla_cache_bucket_uri`), `gs://BUCKET[/PATH]`. Only valid on TPUs. The cache lives
   * in `<path>/<tpu-accelerator>-<topology>/<server version>`; a warm-up Job (`xlaCacheWarmupJob`) is
   * its only writer and the serving pods mount it read-only, so replicas and HPA scale-out never
   * write it concurrently. For JetStream on a multi-host slice it is instead the Pathways scratch
   * location (compilation cache and temporary files), by default `gs://<checkpoint bucket>/pathways-scratch/<name>`;
   * JetStream on one host has no shared cache and refuses it.
   * @default - vLLM on a TPU loading from a bucket: `<modelBucketUri>/xla-cache`; JetStream with Pathways: `gs://<checkpoint bucket>/pathways-scratch/<name>`; otherwise no cache
   */
  readonly xlaCacheBucketUri?: string;
  /**
   * Extra environment variables of the server container, as literal values (a `$` stays a `$`: no `$(VAR)` expansion).
   * Names the library sets (MODEL_ID, HF_TOKEN, ...) are refused.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Extra labels on the server's pods (not on the selector). The selector and GKE labels cannot be replaced.
   * @default - none
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Extra annotations on the server's pods. The Cloud Storage FUSE annotations cannot be replaced.
   * @default - none
   */
  readonly podAnnotations?: { [key: string]: string };
  /**
   * Extra node-selector labels (for example a node pool or a zone). The accelerator and capacity selectors the profile
   * and cost assume cannot be replaced.
   * @default - only the accelerator and capacity selectors
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * Extra tolerations of the server's pods (for example of a dedicated node pool's taint).
   * @default - only the capacity's (Spot) toleration
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Secrets with registry credentials for pulling the images (for example a private mirror of the vLLM image).
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * The PriorityClass of the server's pods.
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
  /**
   * Extra containers in the server's pods. They pass the same synth-time rules as the server: an image pinned to a tag or
   * digest, cpu and memory requests and a memory limit, and a security context without privilege escalation (requests
   * count towards the node fit).
   * @default - none
   */
  readonly sidecars?: k8s.Container[];
}

const HTTP_PORT_NAME = 'http';
const CONTAINER_NAME = 'inference-server';
const DEFAULT_MAX_REPLICAS = 5;
const HF_HOME_PATH = '/hf-home';

/**
 * An open LLM served on GKE accelerators, sized from an offline profile.
 *
 * The resolver picks the accelerator (or checks the one given), machine type, tensor parallelism and
 * operating point for the latency targets; this construct turns that {@link Resolution} into a
 * Deployment (a LeaderWorkerSet when one replica spans several nodes) running vLLM's OpenAI-compatible server, a ClusterIP Service, a Managed Prometheus
 * PodMonitoring and, when a latency target is given, an HPA on the server's KV-cache utilisation.
 * Every emitted number can be traced back through `resolution.decisions` and
 * `resolution.podResources.explanation`.
 *
 * @example
 * new OptimizedLlmServer(chart, 'gemma', {
 *   model: 'google/gemma-2-27b-it',
 *   acceleratorType: 'nvidia-l4',
 *   targetNtpotMilliseconds: 1100,
 * });
 */
export class OptimizedLlmServer extends Construct {
  /** What the resolver chose and why. */
  public readonly resolution: Resolution;
  /**
   * The node pool the server's pods need on a GKE Standard cluster: machine type, accelerators, boot disk, local SSD,
   * capacity, what one node leaves a pod, and the `gcloud container node-pools create` command (also in `deploymentNotes`).
   */
  public readonly nodePool: ResolvedNodePool;
  /** Base name of the emitted objects. */
  public readonly name: string;
  /** The Deployment; absent on a multi-host replica (`resolution.nodes` > 1), which is a `leaderWorkerSet`. */
  public readonly deployment?: k8s.KubeDeployment;
  /**
   * The LeaderWorkerSet (`leaderworkerset.x-k8s.io/v1`), present when one replica spans several nodes
   * (`resolution.nodes` > 1): a group of that many pods per replica, the leader serving HTTP.
   */
  public readonly leaderWorkerSet?: ApiObject;
  /** The ClusterIP Service on port 8000. */
  public readonly service: k8s.KubeService;
  /** The port the Service and the server listen on (the model server's, e.g. 8000 for vLLM). */
  public readonly port: number;
  /**
   * The server's in-cluster base URL, `http://<service>.<namespace>.svc.cluster.local:<port>` (vLLM's OpenAI-compatible
   * API is under `/v1`).
   */
  public readonly url: string;
  /** The Managed Prometheus PodMonitoring that scrapes `/metrics`. */
  public readonly podMonitoring: ApiObject;
  /** The Kubernetes service account the server runs as (the identity that reads the model bucket). */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The Cloud Storage FUSE mount, present when `modelBucketUri` is set. */
  public readonly modelBucket?: CloudStorageFuseModel;
  /** The HPA, present when a latency target was given. */
  public readonly horizontalPodAutoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /**
   * The PodMonitoring of GKE's TPU device-plugin exporter (`kube-system/tpu-metrics-exporter`, one per chart), present
   * when the HPA scales on TPU memory.
   */
  public readonly tpuMetricsMonitoring?: ApiObject;
  /** The NetworkPolicy, present when `allowedClients` is set. */
  public readonly networkPolicy?: k8s.KubeNetworkPolicy;
  /** The PodDisruptionBudget, present when more than one replica always runs or `disruptionBudget` is true. */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;
  /**
   * The Job that compiles the XLA cache once (the cache's only writer), present on TPUs with an XLA
   * cache. Run it to completion before scaling the server out.
   */
  public readonly xlaCacheWarmupJob?: k8s.KubeJob;
  /** The service account of `xlaCacheWarmupJob` (the identity that writes the cache). */
  public readonly xlaCacheWarmupServiceAccount?: k8s.KubeServiceAccount;
  /** Where the XLA compilation cache lives (`gs://...`), when there is one. */
  public readonly xlaCacheUri?: string;
  /** What must exist in the cluster for these manifests to work, one line each (for a pipeline to print). */
  public readonly deploymentNotes: string[];

  constructor(scope: Construct, id: string, props: OptimizedLlmServerProps) {
    super(scope, id);
    checkServerProps(props);
    const namespace = chartNamespace(this);
    // the name first: every later message names the server
    this.name = props.name ?? Names.toDnsLabel(this);
    validateName(this.name);
    checkJetStreamProps(props);
    const catalog = props.catalog?._catalog ?? Catalog.EMBEDDED;
    // on Autopilot, the automatic choice stays within the GPU types Autopilot admits
    const autopilotChoice = props.clusterMode === ClusterMode.AUTOPILOT && props.acceleratorType === undefined
      && props.allowedAcceleratorTypes === undefined;
    this.resolution = resolveCached(catalog, autopilotChoice
      ? { ...props, allowedAcceleratorTypes: [...GkeAutopilot.ALLOWED_GPU_TYPES, ...(props.autopilotAcceleratorTypes ?? [])] }
      : props);
    const r = this.resolution;
    this.nodePool = r.nodePool;
    if (r.autoscaling?.metric === AutoscalingMetric.TPU_MEMORY_USED) {
      if (props.clusterMode === ClusterMode.AUTOPILOT) {
        throw new Error(`'autoscalingMetric' '${AutoscalingMetric.TPU_MEMORY_USED}' needs a PodMonitoring of GKE's TPU device-plugin exporter in `
          + 'kube-system, and Autopilot denies creating objects in its managed kube-system namespace ("GKE Warden authz [denied by '
          + `managed-namespaces-limitation]"): on Autopilot scale on '${AutoscalingMetric.BATCH_SIZE}' or '${AutoscalingMetric.QUEUE_SIZE}'.`);
      }
      checkSingleTpuMemoryServer(this);
    }
    const hasTarget = r.autoscaling !== undefined;
    const replicas = checkReplicas(props, hasTarget);
    const minReplicas = props.minReplicas ?? 1;
    const maxReplicas = props.maxReplicas ?? Math.max(DEFAULT_MAX_REPLICAS, minReplicas);
    // the initial replicas (from expectedRequestsPerSecond) stay within the HPA's bounds: the cluster would otherwise provision
    // them all before the HPA scales down
    const initialReplicas = hasTarget ? clampInitialReplicas(this, r.autoscaling!.initialReplicas, minReplicas, maxReplicas) : replicas;
    const fromBucket = r.modelLoading.loadPath === ModelLoadPath.CLOUD_STORAGE;
    // from a bucket the hub is not contacted, so no token unless the user asks for one
    const token = props.huggingFaceToken
      ?? (fromBucket ? HuggingFaceToken.none() : HuggingFaceToken.fromSecret(HuggingFaceToken.DEFAULT_SECRET_NAME));
    const model = catalog.model(r.model)!;
    if (!fromBucket && token.secretName === undefined && model.gating !== 'not-gated') {
      throw new Error(`'huggingFaceToken' is HuggingFaceToken.none() but ${model.id} needs a token on Hugging Face `
        + `(${model.gatingNote}). Pass HuggingFaceToken.fromSecret('${HuggingFaceToken.DEFAULT_SECRET_NAME}', '${HuggingFaceToken.DEFAULT_KEY}').`);
    }
    const image = props.image ?? r.image;
    validateImage(image);
    if (props.gkeVersion !== undefined && !fromBucket) parseGkeVersionProp(props.gkeVersion);
    // JetStream reads its MaxText checkpoint from gs:// itself (load_parameters_path): no FUSE mount
    const checkpointUri = r.modelServer === JETSTREAM.name ? props.modelBucketUri!.replace(/\/+$/, '') : undefined;
    this.modelBucket = fromBucket && checkpointUri === undefined
      ? CloudStorageFuseModel.fromUri(props.modelBucketUri!, {
        gkeVersion: props.gkeVersion,
        fileCacheMedium: r.modelLoading.fileCacheMedium,
        fileCacheSizeGiB: r.modelLoading.fileCacheSizeGiB,
      })
      : undefined;

    // JetStream on a multi-host slice runs under Pathways, whose components share a Cloud Storage scratch location
    const pathways = checkpointUri !== undefined && r.nodes > 1;
    if (checkpointUri !== undefined && !pathways) checkSingleHostJetStreamProps(props);
    if (pathways && props.clusterMode === ClusterMode.AUTOPILOT) {
      throw new Error(`${r.model} needs a multi-host ${r.acceleratorType} slice (${r.tpuTopology}) served by JetStream with Pathways, which GKE `
        + 'documents for Standard clusters only (node pools with --workload-metadata=GCE_METADATA): use \'clusterMode\' ClusterMode.STANDARD.');
    }
    const pathwaysScratch = pathways ? pathwaysScratchUri(props, checkpointUri!, this.name) : undefined;
    const xlaCache = checkpointUri === undefined ? xlaCacheFor(props, r, image, fromBucket) : undefined;
    this.xlaCacheUri = xlaCache?.uri;
    if (xlaCache) checkSingleCacheWriter(this, xlaCache.uri);
    const server = modelServerByName(r.modelServer);
    const selector = { app: this.name };
    const podLabels = {
      ...selector,
      [GkeLabels.MODEL]: labelValue(r.model.slice(r.model.indexOf('/') + 1)),
      [GkeLabels.INFERENCE_SERVER]: server.gkeLabel,
    };

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.name, labels: selector },
      automountServiceAccountToken: false,
    });

    const customized = POD_CUSTOMIZATION_PROPS.some((k) => (props as unknown as { [key: string]: unknown })[k] !== undefined);
    if (customized && pathways) {
      throw new Error(`${POD_CUSTOMIZATION_PROPS.filter((k) => (props as unknown as { [key: string]: unknown })[k] !== undefined).join(', ')}: not `
        + 'supported on a JetStream with Pathways slice, whose leader and worker pods follow Google\'s tutorial; remove them.');
    }
    const servingTemplate = customizePod(podTemplate(r, podLabels, image, token, model.gating === 'not-gated', this.name, this.modelBucket, checkpointUri),
      props, CONTAINER_NAME);
    // a model no single machine holds: one LeaderWorkerSet group of `nodes` pods per replica, and only the leaders serve HTTP
    const multiHost = r.nodes > 1;
    const served = multiHost ? leaderSelector(this.name) : selector;
    const groupReplicas = hasTarget ? (initialReplicas > 1 ? initialReplicas : undefined) : replicas;
    if (multiHost) checkLeaderWorkerSetName(this.name, hasTarget ? maxReplicas : replicas);
    if (pathways) {
      const engine = servingTemplate.spec!.containers[0];
      this.leaderWorkerSet = createPathwaysLeaderWorkerSet(this, 'Resource', r, {
        name: this.name,
        labels: podLabels,
        annotations: provenance(r),
        replicas: groupReplicas,
        serviceAccountName: this.name,
        engineImage: image,
        checkpointUri: checkpointUri!,
        scratchUri: pathwaysScratch!,
        httpPortName: HTTP_PORT_NAME,
        workerResources: engine.resources!.requests!,
        env: engine.env ?? [],
        securityContext: engine.securityContext!,
        startupBudgetSeconds: r.podResources.startupBudgetSeconds,
      });
    } else if (multiHost) {
      this.leaderWorkerSet = createLeaderWorkerSet(this, 'Resource', r, {
        name: this.name,
        labels: podLabels,
        annotations: provenance(r),
        servingTemplate,
        containerName: CONTAINER_NAME,
        replicas: groupReplicas,
      });
    }
    this.deployment = multiHost ? undefined : new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name: this.name, labels: podLabels, annotations: provenance(r) },
      spec: {
        // with an HPA the Deployment starts at the initial replicas (omitted at 1, so a re-apply does not reset the HPA's count)
        replicas: groupReplicas,
        // a rollout must not hold two copies of the accelerators, and loading takes longer than the default 600 s
        strategy: { type: 'Recreate' },
        progressDeadlineSeconds: r.podResources.startupBudgetSeconds + 600,
        selector: { matchLabels: selector },
        // with an XLA cache, serving pods only read it: the warm-up Job below is its single writer
        template: xlaCache ? withReadOnlyXlaCache(servingTemplate, CONTAINER_NAME, xlaCache) : servingTemplate,
      },
    });

    this.port = server.port;
    this.url = `http://${this.name}.${namespace}.svc.cluster.local:${server.port}`;
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, labels: selector },
      spec: {
        type: 'ClusterIP',
        selector: served,
        ports: [{ name: HTTP_PORT_NAME, port: server.port, targetPort: k8s.IntOrString.fromString(HTTP_PORT_NAME), protocol: 'TCP' }],
      },
    });

    this.podMonitoring = new PodMonitoring(this, 'PodMonitoring', {
      metadata: { name: this.name, labels: selector },
      spec: {
        selector: { matchLabels: served },
        endpoints: [{ port: PodMonitoringSpecEndpointsPort.fromNumber(server.metricsPort ?? server.port), path: server.metricsPath, interval: '15s' }],
      },
    });

    if (r.autoscaling) {
      this.horizontalPodAutoscaler = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Hpa', {
        metadata: { name: this.name, labels: selector },
        spec: {
          scaleTargetRef: multiHost ? { apiVersion: LWS_API_VERSION, kind: LWS_KIND, name: this.name }
            : { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
          minReplicas,
          maxReplicas,
          metrics: [hpaMetric(r)],
          behavior: {
            scaleUp: { ...HPA_BEHAVIOR.scaleUp, policies: HPA_BEHAVIOR.scaleUp.policies.map((p) => ({ ...p })) },
            scaleDown: { ...HPA_BEHAVIOR.scaleDown, policies: HPA_BEHAVIOR.scaleDown.policies.map((p) => ({ ...p })) },
          },
        },
      });
    }
    // the TPU memory signal comes from the TPU device plugin's exporter: Managed Prometheus must scrape it
    if (r.autoscaling?.metric === AutoscalingMetric.TPU_MEMORY_USED) this.tpuMetricsMonitoring = tpuMetricsExporterMonitoring(this);
    const clients = checkAllowedClients(props.allowedClients);
    if (clients) {
      this.networkPolicy = createServerNetworkPolicy(this, 'NetworkPolicy', {
        name: this.name,
        labels: selector,
        selector,
        port: server.port,
        metricsPort: server.metricsPort,
        clients,
        groupPeers: multiHost ? { [LwsLabels.NAME]: this.name } : undefined,
      });
    }
    if (wantsDisruptionBudget(props, hasTarget)) {
      this.podDisruptionBudget = createServerDisruptionBudget(this, 'DisruptionBudget', { name: this.name, labels: selector, selector });
    }
    if (xlaCache) {
      const warmup = createXlaCacheWarmupJob(this, {
        name: this.name,
        location: xlaCache,
        servingTemplate,
        containerName: CONTAINER_NAME,
        port: server.port,
        healthPath: server.healthPath,
        startupBudgetSeconds: r.podResources.startupBudgetSeconds,
      });
      this.xlaCacheWarmupJob = warmup.job;
      this.xlaCacheWarmupServiceAccount = warmup.serviceAccount;
    }
    // Autopilot sizes its own nodes: the node pool is checked on Standard clusters
    // the Pathways leader containers run without a memory limit, as in Google's tutorial
    const validation = validationOptionsFrom(props, `OptimizedLlmServer '${this.name}'`, pathways
      ? { memoryLimitExempt: [PathwaysContainers.PROXY, PathwaysContainers.RESOURCE_MANAGER, PathwaysContainers.ENGINE] } : {});
    addManifestValidation(this, validation.clusterMode === ClusterMode.STANDARD ? { ...validation, nodeFit: this.nodePool } : validation);
    this.deploymentNotes = notes(r, token, this.name, namespace, this.modelBucket);
    if (pathways) {
      this.deploymentNotes.push(...pathwaysNotes(r, pathwaysScratch!, checkpointUri!));
    } else if (checkpointUri !== undefined) {
      this.deploymentNotes.push(...jetstreamNotes(checkpointUri,
        bucketIamBindingCommand(parseBucketUri(checkpointUri).bucket, namespace, this.name, false)));
    }
    if (xlaCache) this.deploymentNotes.push(...xlaCacheNotes(xlaCache, this.name, namespace, this.modelBucket));
    this.deploymentNotes.push(...loraNotes(r.lora, clients !== undefined));
    if (clients) {
      this.deploymentNotes.push(`Network policy: only ${[...clients.map((c) => c.description), 'the Managed Prometheus collector (gmp-system)'].join(', ')} `
        + `may reach port ${server.port}; it is enforced only with network policy enforcement (GKE Dataplane V2, the default on Autopilot).`);
    }
  }
}

/**
 * The Cloud Storage scratch location of a Pathways group (compilation cache and temporary files): `xlaCacheBucketUri`,
 * or `pathways-scratch/<name>` in the checkpoint's bucket.
 */
function pathwaysScratchUri(props: OptimizedLlmServerProps, checkpointUri: string, name: string): string {
  if (props.xlaCacheBucketUri !== undefined) return parseBucketUri(props.xlaCacheBucketUri, 'xlaCacheBucketUri').uri.replace(/\/+$/, '');
  return `gs://${parseBucketUri(checkpointUri).bucket}/pathways-scratch/${name}`;
}

/** The XLA cache location of a TPU server, or undefined when it has none; refuses `xlaCacheBucketUri` off TPUs. */
function xlaCacheFor(props: OptimizedLlmServerProps, r: Resolution, image: string, fromBucket: boolean): XlaCacheLocation | undefined {
  if (r.tpuTopology === undefined) {
    if (props.xlaCacheBucketUri !== undefined) {
      throw new Error(`'xlaCacheBucketUri' is only valid on TPUs (the XLA compilation cache of vLLM on TPU), but ${r.model} resolved to `
        + `${r.acceleratorType}: remove 'xlaCacheBucketUri' or set 'acceleratorType' to a TPU such as 'tpu-v6e-slice'.`);
    }
    return undefined;
  }
  const uri = props.xlaCacheBucketUri ?? (fromBucket ? `${props.modelBucketUri!.replace(/\/+$/, '')}/xla-cache` : undefined);
  if (uri === undefined) return undefined;
  // a replaced image is another server build: its cache gets its own directory, named after the image's tag or digest
  const version = image === r.image ? r.modelServerVersion : image.slice(Math.max(image.lastIndexOf('@'), image.lastIndexOf(':')) + 1);
  return xlaCacheLocation(uri, props.xlaCacheBucketUri !== undefined ? 'xlaCacheBucketUri' : 'modelBucketUri', r.acceleratorType, r.tpuTopology, version);
}

/**
 * The TPU memory series carry no label of the server they belong to (the External metric selects them by container name
 * alone), so two servers scaling on it would each count the other's memory: one per app.
 */
function checkSingleTpuMemoryServer(self: OptimizedLlmServer): void {
  const other = self.node.root.node.findAll().find((c): c is OptimizedLlmServer => c !== self && c instanceof OptimizedLlmServer
    && c.resolution?.autoscaling?.metric === AutoscalingMetric.TPU_MEMORY_USED);
  if (other) {
    throw new Error(`'autoscalingMetric' '${AutoscalingMetric.TPU_MEMORY_USED}': OptimizedLlmServer '${other.name}' already scales on TPU memory, `
      + `and the exporter's series carry no label of their server, so both HPAs would count both servers' memory. Scale '${self.name}' `
      + `on '${AutoscalingMetric.QUEUE_SIZE}' or '${AutoscalingMetric.BATCH_SIZE}' instead.`);
  }
}

/** Two servers of one app must not share (or nest) a cache directory: each has its own warm-up Job, and two writers would race. */
function checkSingleCacheWriter(self: OptimizedLlmServer, uri: string): void {
  const nested = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
  const other = self.node.root.node.findAll().find((c): c is OptimizedLlmServer => c !== self && c instanceof OptimizedLlmServer
    && c.xlaCacheUri !== undefined && nested(c.xlaCacheUri, uri));
  if (other) {
    throw new Error(`'xlaCacheBucketUri': the XLA cache ${uri} of OptimizedLlmServer '${self.name}' is also the cache (or inside the cache) `
      + `${other.xlaCacheUri} of OptimizedLlmServer '${other.name}': their two warm-up Jobs would write it concurrently. `
      + 'Give one of them its own xlaCacheBucketUri.');
  }
}

function xlaCacheNotes(cache: XlaCacheLocation, name: string, namespace: string, modelBucket: CloudStorageFuseModel | undefined): string[] {
  const writer = xlaWarmupName(name);
  const out = [
    `XLA cache: ${shellQuote(cache.uri)} has a single writer, the Job ${writer} (1 completion, 1 pod, no retries); grant its service account write access: `
      + bucketIamBindingCommand(cache.bucket, namespace, writer, true),
  ];
  if (modelBucket && modelBucket.bucket !== cache.bucket) {
    out.push(`XLA cache: the Job ${writer} also reads the model: ${bucketIamBindingCommand(modelBucket.bucket, namespace, writer, false)}`);
  }
  if (!modelBucket || modelBucket.bucket !== cache.bucket) {
    out.push(`XLA cache: the server's service account reads the cache: ${bucketIamBindingCommand(cache.bucket, namespace, name, false)}`);
  }
  out.push('XLA cache: the server\'s service account keeps roles/storage.objectViewer; each serving pod copies the shared cache (mounted '
    + 'read-only, in an init container) into its own emptyDir and vLLM writes only that copy, so replicas and HPA scale-out never write the '
    + 'shared cache (concurrent writers fail with "RuntimeError: filesystem error: cannot create directories").');
  out.push('XLA cache: run the Job once so new pods start from a compiled cache: '
    + `${['kubectl', 'wait', '--for=condition=complete', `job/${writer}`, `--namespace=${namespace}`, '--timeout=2h'].map(shellQuote).join(' ')}; re-run it (delete and re-apply) after changing the model, image or slice. Pods started before it `
    + 'completes compile into their own copy.');
  return out;
}

function parseGkeVersionProp(v: string): void {
  if (!/^\d+\.\d+(\.\d+(-gke\.\d+)?)?$/.test(v)) {
    throw new Error(`'gkeVersion' '${v}' is not a GKE version: use MAJOR.MINOR or MAJOR.MINOR.PATCH-gke.BUILD, e.g. '1.33'.`);
  }
}

function hpaMetric(r: Resolution): k8s.MetricSpecV2 {
  const a = r.autoscaling!;
  // byte counts (TPU memory) as whole numbers; queue, batch and shares in thousandths
  const value = a.targetAverageValue >= 1e6 && Number.isInteger(a.targetAverageValue) ? String(a.targetAverageValue) : milli(a.targetAverageValue);
  const target = { type: 'AverageValue', averageValue: k8s.Quantity.fromString(value) };
  if (a.hpaMetricType === 'External') {
    const selector = a.hpaMetricSelector ? { matchLabels: { ...a.hpaMetricSelector } } : undefined;
    return { type: 'External', external: { metric: { name: a.hpaMetricName, selector }, target } };
  }
  return { type: 'Pods', pods: { metric: { name: a.hpaMetricName }, target } };
}

function checkReplicas(props: OptimizedLlmServerProps, hasTarget: boolean): number {
  const whole = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new Error(`'${name}' must be a whole number >= ${min}, got ${v}.`);
  };
  whole('replicas', props.replicas, 0);
  whole('minReplicas', props.minReplicas, 1);
  whole('maxReplicas', props.maxReplicas, 1);
  if (hasTarget && props.replicas !== undefined) {
    throw new Error('\'replicas\' cannot be set with a latency target: the HPA manages replicas. Set \'minReplicas\' and \'maxReplicas\' instead.');
  }
  if (!hasTarget && (props.minReplicas !== undefined || props.maxReplicas !== undefined)) {
    throw new Error('\'minReplicas\' and \'maxReplicas\' need a latency target (targetNtpotMilliseconds or targetTtftMilliseconds) to autoscale on; '
      + 'without one, set \'replicas\'.');
  }
  if (props.minReplicas !== undefined && props.maxReplicas !== undefined && props.minReplicas > props.maxReplicas) {
    throw new Error(`'minReplicas' (${props.minReplicas}) must be less than or equal to 'maxReplicas' (${props.maxReplicas}).`);
  }
  return props.replicas ?? 1;
}

/**
 * The initial replicas within `[minReplicas, maxReplicas]`; a clamp is recorded in the resolution's decisions and in
 * `deploymentNotes` (added by the caller through `initialReplicasNote`).
 */
function clampInitialReplicas(self: OptimizedLlmServer, wanted: number, minReplicas: number, maxReplicas: number): number {
  const initial = Math.min(Math.max(wanted, minReplicas), maxReplicas);
  if (initial !== wanted) {
    const line = `initial replicas ${initial}: the ${wanted} that 'expectedRequestsPerSecond' asks for clamped to `
      + `[minReplicas ${minReplicas}, maxReplicas ${maxReplicas}]`;
    (self as { resolution: Resolution }).resolution = { ...self.resolution, decisions: [...self.resolution.decisions, line] };
  }
  return initial;
}

/**
 * LeaderWorkerSet names its worker StatefulSets `<name>-<group index>`, and each StatefulSet's pods carry the label
 * `controller-revision-hash: <statefulset>-<10-character hash>`, which must fit a label value's 63 characters: longer
 * names create no pods (kubernetes/kubernetes#64023, kubernetes-sigs/lws#410).
 */
function checkLeaderWorkerSetName(name: string, groups: number): void {
  const indexDigits = String(Math.max(groups - 1, 0)).length;
  const longest = 63 - '-'.length - 10 - '-'.length - indexDigits;
  if (name.length > longest) {
    throw new Error(`'name' '${name}' is ${name.length} characters, but a LeaderWorkerSet of up to ${groups} groups must be named in at most `
      + `${longest}: its worker pods' controller-revision-hash label (<name>-<group>-<10-character hash>) must fit 63 characters. `
      + 'Set a shorter \'name\'.');
  }
}

function validateName(name: string): void {
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
    throw new Error(`'name' '${printable(name)}' must be a DNS-1035 label: at most 63 lower-case letters, digits and '-', starting with a letter.`);
  }
}

function validateImage(image: string): void {
  checkPinnedImage(image, 'image');
}

/** A label value: at most 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends. */
function labelValue(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

function milli(x: number): string {
  return `${Math.round(x * 1000)}m`;
}

function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function provenance(r: Resolution): { [key: string]: string } {
  const p = r.performance;
  const a: { [key: string]: string } = {
    [Annotations.PROFILE]: `${r.model} / ${r.modelServer} ${r.modelServerVersion} / ${r.acceleratorCount} x ${r.acceleratorType} / ${r.instanceType}`,
    [Annotations.PROFILE_SOURCE]: r.source,
    [Annotations.PROFILE_CITATION]: r.profileCitation,
    [Annotations.OPERATING_POINT]: `${round(p.outputTokensPerSecond)} output tokens/s at ${round(p.ntpotMilliseconds, 1)} ms NTPOT`
      + (p.ttftMilliseconds !== undefined ? `, ${round(p.ttftMilliseconds, 1)} ms TTFT` : '')
      + ` (${r.operatingPointReason}, ${p.pointKind})`,
    [Annotations.COST]: r.cost.costPerMillionOutputTokens !== undefined
      ? `$${round(r.cost.costPerMillionOutputTokens, 3)}/M output tokens, $${round(r.cost.costPerMillionInputTokens!, 3)}/M input tokens `
        + `(${r.cost.pricingModel}, ${r.cost.region}, $${r.cost.costPerHour}/h, prices of ${r.cost.priceSnapshotDate ?? 'undated source'})`
      : `no price for ${r.instanceType} (${r.cost.pricingModel}, ${r.cost.region})`,
    [Annotations.VERSION]: `cdk8s-gke-inference ${libraryVersion()}`,
  };
  if (r.uncertainty) {
    const u = r.uncertainty;
    a[Annotations.PROFILE_UNCERTAINTY] = `estimated: ${round(u.outputTokensPerSecondLow)}-${round(u.outputTokensPerSecondHigh)} output tokens/s, `
      + `${round(u.ntpotMillisecondsLow, 1)}-${round(u.ntpotMillisecondsHigh, 1)} ms NTPOT (x${round(u.throughputLowMultiplier, 2)}-x${round(u.throughputHighMultiplier, 2)}; `
      + `calibration ${u.calibrationBasis}, time scale ${round(u.calibrationTimeScale, 2)})`;
  }
  if (r.autoscaling) {
    a[Annotations.AUTOSCALING] = `${r.autoscaling.serverMetric} target ${r.autoscaling.targetAverageValue} `
      + `(value ${round(r.autoscaling.valueAtOperatingPoint, 3)} at the operating point)`;
    if (r.autoscaling.costPerMillionOutputTokensAtTarget !== undefined) {
      a[Annotations.COST_AT_HPA_TARGET] = `$${round(r.autoscaling.costPerMillionOutputTokensAtTarget, 3)}/M output tokens, `
        + `$${round(r.autoscaling.costPerMillionInputTokensAtTarget!, 3)}/M input tokens with replicas at the HPA target `
        + `(${round(r.autoscaling.utilizationAtTarget * 100)}% of the operating point's throughput; the accelerator choice minimises the operating-point cost)`;
    }
  }
  return a;
}

function podTemplate(
  r: Resolution, labels: { [key: string]: string }, image: string, token: HuggingFaceToken, tokenOptional: boolean,
  serviceAccountName: string, bucket: CloudStorageFuseModel | undefined, checkpointUri?: string,
): k8s.PodTemplateSpec {
  const res = r.podResources;
  const loading = r.modelLoading;
  const amounts = {
    'cpu': k8s.Quantity.fromString(String(res.cpu)),
    'memory': k8s.Quantity.fromString(`${res.memoryGiB}Gi`),
    'ephemeral-storage': k8s.Quantity.fromString(`${res.ephemeralStorageGiB}Gi`),
    // a TPU pod takes every chip of its VM (a single-host slice: all of the slice's chips)
    [r.tpuTopology !== undefined ? 'google.com/tpu' : 'nvidia.com/gpu']: k8s.Quantity.fromString(String(r.acceleratorCount / r.nodes)),
  };
  const tokenEnv: k8s.EnvVar[] = token.secretName === undefined ? [] : ['HUGGING_FACE_HUB_TOKEN', 'HF_TOKEN'].map((name) => ({
    name,
    valueFrom: { secretKeyRef: { name: token.secretName!, key: token.key!, optional: tokenOptional ? true : undefined } },
  }));
  const ramHfHome = loading.huggingFaceHomeMedium === CacheMedium.MEMORY;
  const env: k8s.EnvVar[] = [
    { name: 'MODEL_ID', value: escapeKubernetesExpansion(r.model) },
    ...(bucket ? [{ name: 'HF_HUB_OFFLINE', value: '1' }] : []),
    ...(ramHfHome ? [{ name: 'HF_HOME', value: HF_HOME_PATH }] : []),
    ...tokenEnv,
  ];
  const server = modelServerByName(r.modelServer);
  const invocation = serverInvocation(r, { modelPath: bucket?.mountPath, env });
  const health = { path: server.healthPath, port: k8s.IntOrString.fromString(HTTP_PORT_NAME) };
  const memoryVolume = (name: string, gib: number): k8s.Volume => ({ name, emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(`${gib}Gi`) } });
  const template: k8s.PodTemplateSpec = {
    metadata: { labels },
    spec: {
      serviceAccountName,
      automountServiceAccountToken: false,
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      // the accelerator and the capacity (Spot, a reservation, flex-start) the cost figures assume: r.nodePool
      nodeSelector: { ...r.nodePool.nodeSelector },
      ...capacityPodSpec(r.nodePool),
      containers: [{
        name: CONTAINER_NAME,
        image,
        imagePullPolicy: 'IfNotPresent',
        command: invocation.command,
        args: invocation.args,
        env: invocation.env,
        ports: [{ name: HTTP_PORT_NAME, containerPort: server.port, protocol: 'TCP' }],
        resources: { requests: amounts, limits: amounts },
        // the server may load for a long time: the startup probe allows the derived budget, and the other probes only start after it
        startupProbe: { httpGet: health, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: Math.ceil(res.startupBudgetSeconds / 10) },
        readinessProbe: { httpGet: health, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
        livenessProbe: { httpGet: health, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 4 },
        securityContext: { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } },
        volumeMounts: [
          { name: 'dshm', mountPath: '/dev/shm' },
          ...(ramHfHome ? [{ name: 'hf-home', mountPath: HF_HOME_PATH }] : []),
        ],
      }],
      volumes: [
        memoryVolume('dshm', res.sharedMemoryGiB),
        ...(ramHfHome ? [memoryVolume('hf-home', loading.huggingFaceHomeSizeGiB!)] : []),
      ],
    },
  };
  if (checkpointUri !== undefined) {
    // JetStream: the MaxText engine (the TPU chips, /dev/shm) and the jetstream-http front end on the serving port
    const c = template.spec!.containers[0];
    return {
      ...template,
      spec: {
        ...template.spec!,
        containers: jetstreamContainers(r, {
          engineImage: image,
          checkpointUri,
          httpPortName: HTTP_PORT_NAME,
          engineResources: amounts,
          env: invocation.env,
          securityContext: c.securityContext!,
          startupBudgetSeconds: res.startupBudgetSeconds,
          volumeMounts: (c.volumeMounts ?? []).filter((m) => m.name === 'dshm'),
        }),
        volumes: (template.spec!.volumes ?? []).filter((v) => v.name === 'dshm'),
      },
    };
  }
  return bucket ? bucket.applyTo(template, CONTAINER_NAME) : template;
}

function notes(r: Resolution, token: HuggingFaceToken, name: string, namespace: string, bucket: CloudStorageFuseModel | undefined): string[] {
  const out: string[] = [];
  if (bucket) {
    out.push(`Model bucket: grant the server's service account read access: ${bucketIamBindingCommand(bucket.bucket, namespace, name, false)}`);
    out.push('Model bucket: the cluster needs Workload Identity Federation for GKE and the Cloud Storage FUSE CSI driver add-on; the bucket must hold '
      + 'config.json, the tokenizer and the weights (stage it once with ModelTransferJob).');
    for (const n of bucket.notes) out.push(`Model bucket: ${n}`);
  }
  if (token.secretName !== undefined) {
    out.push(`Hugging Face token: ${secretCreateCommand(token, namespace)}`);
  }
  const pool = r.nodePool;
  out.push(`Node pool (GKE Standard; Autopilot provisions from the pods' node selectors): ${pool.nodesPerReplica > 1 ? `${pool.nodesPerReplica} ` : ''}${pool.machineType} nodes per replica `
    + `(${pool.acceleratorsPerNode} x ${pool.acceleratorType}${pool.tpuTopology ? `, topology ${pool.tpuTopology}` : ''}, ${pool.capacity} capacity; `
    + `a pod may request ${pool.allocatableCpu} CPU, ${pool.allocatableMemoryGiB} GiB of memory and ${pool.allocatableEphemeralStorageGiB} GiB of `
    + `ephemeral storage on ${pool.ephemeralStorageOn === 'local-ssd' ? 'local SSD' : `a ${pool.bootDiskSizeGb} GB boot disk`}) and quota for them; `
    + `create it with: ${pool.gcloudCommand.replace('NODE_POOL_NAME', shellQuote(name))}`);
  if (r.nodes > 1) {
    out.push(r.tpuTopology !== undefined
      ? 'Multi-host: the LeaderWorkerSet controller (leaderworkerset.x-k8s.io/v1) must be installed.'
      : 'Multi-host: the LeaderWorkerSet controller (leaderworkerset.x-k8s.io/v1) must be installed; the nodes of a group talk over the VPC '
        + '(Ray, NCCL), so the node pool uses a compact placement policy.');
  }
  if (pool.capacity === Capacity.SPOT) {
    out.push('Capacity: Spot VMs, as the cost figures assume: Compute Engine may preempt a node at any time (the pods get 15 s to stop); '
      + 'set \'capacity\' to Capacity.ON_DEMAND or Capacity.RESERVATION for nodes that stay.');
  }
  out.push('Metrics: Google Cloud Managed Service for Prometheus must be enabled on the cluster for the PodMonitoring to be scraped.');
  if (r.autoscaling) {
    out.push(`Autoscaling: the HPA reads ${r.autoscaling.hpaMetricName} through the Custom Metrics Stackdriver Adapter; install it and grant `
      + 'roles/monitoring.viewer to principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/'
      + 'PROJECT_ID.svc.id.goog/subject/ns/custom-metrics/sa/custom-metrics-stackdriver-adapter.');
    if (r.autoscaling.hpaMetricSelector) {
      const labels = Object.entries(r.autoscaling.hpaMetricSelector).map(([k, v]) => `${k}=${v}`).join(', ');
      out.push(`Autoscaling: ${r.autoscaling.hpaMetricName} is an External metric selected only by ${labels}: every such series the adapter `
        + 'sees in the project counts, so keep one server of this kind per project (or per Cloud Monitoring scope).');
    }
    if (r.autoscaling.metric === AutoscalingMetric.TPU_MEMORY_USED) {
      out.push(`Autoscaling: the TPU memory target (${(r.autoscaling.targetAverageValue / 2 ** 30).toFixed(1)} GiB per replica) assumes HBM in use `
        + 'grows with the KV cache of running requests. If the engine preallocates its decode state, memory_used stays flat: check it on an '
        + 'idle replica (kubectl get --raw the External metric, or Metrics Explorer); at or above the target the HPA would scale to '
        + `maxReplicas, below it never. Then scale on '${AutoscalingMetric.BATCH_SIZE}' or '${AutoscalingMetric.QUEUE_SIZE}' instead.`);
    }
  }
  return out;
}
