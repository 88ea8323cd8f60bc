import { ApiObject, Chart, Names } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { GkeLabels } from './annotations';
import { createServerDisruptionBudget, wantsDisruptionBudget } from './disruption-budget';
import { HuggingFaceToken } from './hugging-face-token';
import { ServiceView } from './kplus-interop';
import { LlmServerAutoscaler, ScaleTarget } from './llm-autoscaler';
import { LlmServerMonitoring } from './llm-monitoring';
import { loraNotes } from './lora';
import { LEADER_ROLE, LwsLabels, ROLE_LABEL, WORKER_ROLE, createLeaderWorkerSet, leaderSelector, leaderServiceName } from './multi-host';
import { ServerClients, checkAllowedClients, createServerNetworkPolicy } from './network-policy';
import { POD_CUSTOMIZATION_PROPS, PodCustomization, customizePod } from './pod-customization';
import { CONTAINER_NAME, HTTP_PORT_NAME, labelValue, podTemplate } from './pod-template';
import { IPodTemplateHook, applyPodTemplateHook } from './pod-template-hook';
import { provenance } from './provenance';
import {
  checkImageMatchesVersion, checkLeaderWorkerSetName, checkReplicas, clampInitialReplicas, validateImage, validateName,
} from './server-checks';
import { serverNotes } from './server-notes';
import { chartNamespace, checkServerProps } from './server-props';
import { checkEngineImageServes, checkJetStreamProps, checkSingleHostJetStreamProps, jetstreamNotes } from './servers/jetstream';
import { PathwaysContainers, createPathwaysLeaderWorkerSet, pathwaysNotes } from './servers/pathways';
import { pathwaysScratchUri, xlaCacheFor } from './tpu-cache';
import { withReadOnlyXlaCache } from './xla-cache';
import { XlaCompilationCache } from './xla-compilation-cache';
import { InferenceCatalog } from '../api/inference-catalog';
import { Catalog } from '../catalog/catalog';
import { JETSTREAM, modelServerByName } from '../catalog/model-servers';
import { LoraAdapterSource } from '../resolver/lora-adapter';
import { ModelLoadPath, Resolution, ResolveRequest, ResolvedNodePool } from '../resolver/resolution';
import { resolveCached } from '../resolver/resolution-cache';
import { parseBucketUri } from '../storage/bucket-uri';
import { CloudStorageFuseModel } from '../storage/cloud-storage-fuse';
import { bucketIamBindingCommand } from '../storage/iam';
import { claimModelDirectory } from '../storage/model-directories';
import { deepLock } from '../util/deep-lock';
import { checkedScope } from '../util/input';
import { shellQuote } from '../util/shell-quote';
import { ClusterMode, GkeAutopilot } from '../validation/cluster-mode';
import { addForeignPolicyCheck } from '../validation/foreign-objects';
import { addManifestValidation, validationOptionsFrom } from '../validation/runner';

/** Properties of an {@link OptimizedLlmServer}. */
export interface OptimizedLlmServerProps extends ResolveRequest, PodCustomization {
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
   * @default - 5, or when several replicas share a machine (packing) the next multiple of the replicas a node holds (8 for one GPU
   * of an 8-GPU machine), since a node costs the same however full; at least `minReplicas`
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
   * GPU accelerator labels your Autopilot clusters admit (only read with `ClusterMode.AUTOPILOT`).
   * Autopilot's list grows with GKE versions; extend it when yours admits more, e.g. the Preview `nvidia-gb200`.
   * @default GkeAutopilot.ALLOWED_GPU_TYPES (GKE's list of 2026-04-10, `GkeAutopilot.ALLOWED_GPU_TYPES_DATE`)
   */
  readonly autopilotAcceleratorTypes?: string[];
  /**
   * Fence the server with a NetworkPolicy that admits traffic to its port only from these sources and
   * from the Managed Prometheus collector (`gmp-system`, or `gke-gmp-system` on Autopilot). An empty list admits the collector alone.
   * Needs network policy enforcement in the cluster (GKE Dataplane V2, the default on Autopilot).
   * @default - no NetworkPolicy: every source in the cluster may reach the server; a multi-host vLLM server gets one that admits
   * any source on the serving port and only the pods of its own groups on their Ray and NCCL ports
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
   * Edits the server's pod template before it is rendered, for what no prop covers (a volume, an init container, a probe, a
   * topology spread constraint). It receives the template with the `PodCustomization` props applied and returns the one to render; the
   * result must keep the library's pod labels, the model server container with its \`http\` port and the accelerator and
   * capacity node selectors, every container it adds must carry what a sidecar carries, and it passes the synth-time
   * validation. On a multi-host LeaderWorkerSet the leader and worker templates are derived from its result.
   * @default - none
   */
  readonly podTemplateHook?: IPodTemplateHook;
}

const DEFAULT_MAX_REPLICAS = 5;

/**
 * An open LLM served on GKE accelerators, sized from an offline profile.
 *
 * The resolver picks the accelerator (or checks the one given), machine type, tensor parallelism and
 * operating point for the latency targets; this construct turns that {@link Resolution} into a
 * Deployment (a LeaderWorkerSet when one replica spans several nodes) running vLLM's OpenAI-compatible server, a ClusterIP Service, a Managed Prometheus
 * PodMonitoring and, when a latency target is given, an HPA on the signal the resolver picks (the queue or the running batch,
 * or `autoscalingMetric`).
 * Every emitted number can be traced back through `resolution.decisions` and
 * `resolution.podResources.explanation`.
 *
 * It composes with cdk8s-plus: it is a pod selector and a network-policy peer (`pod.connections.allowTo(server, { isolation:
 * PodConnectionsIsolation.POD })`: a policy on the server's own pods is refused unless it admits the metrics collector, a multi-host
 * group's pods and the server's egress; `pod.scheduling.colocate(server)`), `kplusService` is its Service for `kplus.IngressBackend.fromService`, and
 * `kplusServiceAccount` its ServiceAccount for a cdk8s-plus workload.
 *
 * @example
 * new OptimizedLlmServer(chart, 'gemma', {
 *   model: 'google/gemma-2-27b-it',
 *   acceleratorType: 'nvidia-l4',
 *   targetNtpotMilliseconds: 1100,
 * });
 */
export class OptimizedLlmServer extends Construct implements kplus.IPodSelector, kplus.INetworkPolicyPeer {
  /** What the resolver chose and why (shared with other servers of the same request, and frozen; read-only fields under jsii). */
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
  /** The ClusterIP Service on `port`, its port named `http`. For cdk8s-plus APIs that take a `kplus.Service`, use `kplusService`. */
  public readonly service: k8s.KubeService;
  /**
   * Labels of the pods that serve HTTP, the Service's selector (on a multi-host LeaderWorkerSet, its leaders): what
   * network-policy peers and pod affinities built from this server select.
   */
  public readonly podSelectorLabels: { [key: string]: string };
  /** The port the Service and the server listen on (the model server's, e.g. 8000 for vLLM). */
  public readonly port: number;
  /**
   * The server's in-cluster base URL, `http://<service>.<namespace>.svc.cluster.local:<port>` (vLLM's OpenAI-compatible
   * API is under `/v1`).
   */
  public readonly url: string;
  /** The Managed Prometheus PodMonitoring that scrapes the server's metrics (`monitoring.podMonitoring`). */
  public readonly podMonitoring: ApiObject;
  /** The scrape of the server's metrics, a reusable part. */
  public readonly monitoring: LlmServerMonitoring;
  /** The HPA with its metric and behaviour, a reusable part; present when a latency target was given. */
  public readonly autoscaler?: LlmServerAutoscaler;
  /** The XLA compilation cache of vLLM on TPU with its warm-up Job, a reusable part; present on TPUs with an XLA cache. */
  public readonly xlaCache?: XlaCompilationCache;
  /** The Kubernetes service account the server runs as (the identity that reads the model bucket). */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The Cloud Storage FUSE mount, present when `modelBucketUri` is set. */
  public readonly modelBucket?: CloudStorageFuseModel;
  /** The HPA, present when a latency target was given. */
  public readonly horizontalPodAutoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /**
   * The PodMonitoring of GKE's TPU device-plugin exporter (`kube-system/tpu-metrics-exporter`), present when the HPA scales on
   * TPU memory. Always absent since the resolver refuses `AutoscalingMetric.TPU_MEMORY_USED` (MaxText preallocates its KV cache,
   * so memory does not follow load); kept for API stability. `LlmServerAutoscaler` still emits it for a measured target.
   */
  public readonly tpuMetricsMonitoring?: ApiObject;
  /** The NetworkPolicy, present when `allowedClients` is set, and on a multi-host vLLM group (its Ray ports fenced to the group). */
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
  private readonly servingContainer: { readonly name: string; readonly image: string };

  constructor(scope: Construct, id: string, props: OptimizedLlmServerProps) {
    super(checkedScope(scope, id, 'OptimizedLlmServer'), id);
    checkServerProps(props);
    const namespace = chartNamespace(this);
    // the name first: every later message names the server
    this.name = props.name ?? Names.toDnsLabel(this);
    validateName(this.name, props.name === undefined ? this.node.path : undefined);
    checkJetStreamProps(props);
    const catalog = props.catalog?._catalog ?? Catalog.EMBEDDED;
    // on Autopilot, the automatic choice stays within the GPU types Autopilot admits (the resolver leaves out the shapes it rejects or
    // runs only from a later 'gkeVersion')
    const autopilotChoice = props.clusterMode === ClusterMode.AUTOPILOT && props.acceleratorType === undefined
      && props.allowedAcceleratorTypes === undefined;
    this.resolution = resolveCached(catalog, autopilotChoice
      // (a type the catalog does not know cannot be chosen: it only widens the synth-time rule for hand-written workloads)
      ? {
        ...props,
        allowedAcceleratorTypes: [...GkeAutopilot.ALLOWED_GPU_TYPES, ...(props.autopilotAcceleratorTypes ?? [])]
          .filter((t) => catalog.accelerator(t) !== undefined),
      }
      : props);
    const r = this.resolution;
    this.nodePool = r.nodePool;
    const hasTarget = r.autoscaling !== undefined;
    const replicas = checkReplicas(props, hasTarget);
    const minReplicas = props.minReplicas ?? 1;
    // packed replicas fill whole nodes by default: a part-filled node costs what a full one does
    const perNode = r.nodePool.podsPerNode ?? 1;
    const maxReplicas = props.maxReplicas ?? Math.max(Math.ceil(DEFAULT_MAX_REPLICAS / perNode) * perNode, minReplicas);
    // the initial replicas (from expectedRequestsPerSecond) stay within the HPA's bounds: the cluster would otherwise provision
    // them all before the HPA scales down
    const clamp = hasTarget ? clampInitialReplicas(r.autoscaling!.initialReplicas, minReplicas, maxReplicas) : undefined;
    if (clamp?.decision !== undefined) this.resolution = deepLock({ ...r, decisions: [...r.decisions, clamp.decision] });
    const initialReplicas = clamp?.initial ?? replicas;
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
    checkImageMatchesVersion(r, props.image);
    // JetStream reads its MaxText checkpoint from gs:// itself (load_parameters_path): no FUSE mount
    const checkpointUri = r.modelServer === JETSTREAM.name ? props.modelBucketUri!.replace(/\/+$/, '') : undefined;
    this.modelBucket = fromBucket && checkpointUri === undefined
      ? CloudStorageFuseModel.fromUri(props.modelBucketUri!, {
        gkeVersion: props.gkeVersion,
        fileCacheMedium: r.modelLoading.fileCacheMedium,
        fileCacheSizeGiB: r.modelLoading.fileCacheSizeGiB,
        // adapters staged beside the model (or loaded at run time from the mount) are subdirectories, which a bucket filled with
        // gcloud storage cp -r shows only with implicit-dirs
        implicitDirectories: r.lora?.runtimeLoraUpdating === true
          || (r.lora?.adapters ?? []).some((a) => a.source === LoraAdapterSource.MODEL_BUCKET) ? true : undefined,
      })
      : undefined;

    // JetStream on a multi-host slice runs under Pathways, whose components share a Cloud Storage scratch location
    const pathways = checkpointUri !== undefined && r.nodes > 1;
    if (checkpointUri !== undefined && !pathways) checkSingleHostJetStreamProps(props);
    const engineImageNotes = checkEngineImageServes(r, props.image);
    if (fromBucket) claimModelDirectory(this, parseBucketUri(props.modelBucketUri!), r.model);
    if (pathways && props.clusterMode === ClusterMode.AUTOPILOT) {
      throw new Error(`${r.model} needs a multi-host ${r.acceleratorType} slice (${r.tpuTopology}) served by JetStream with Pathways, which GKE `
        + 'documents for Standard clusters only (node pools with --workload-metadata=GCE_METADATA): use \'clusterMode\' ClusterMode.STANDARD.');
    }
    const pathwaysScratch = pathways ? pathwaysScratchUri(props, checkpointUri!, this.name) : undefined;
    const xlaCacheSource = checkpointUri === undefined ? xlaCacheFor(props, r, image, fromBucket) : undefined;
    const xlaCache = xlaCacheSource?.location;
    this.xlaCacheUri = xlaCache?.uri;
    // one writer per cache directory: XlaCompilationCache checks it against every other cache of the app (servers' and its own)
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

    const podProps = [...POD_CUSTOMIZATION_PROPS, 'podTemplateHook'];
    const customized = podProps.filter((k) => (props as unknown as { [key: string]: unknown })[k] !== undefined);
    // a multi-host group's pods carry role=leader and role=worker (the leader Service selects role: leader): a user's role would be lost
    if (r.nodes > 1 && props.podLabels !== undefined && ROLE_LABEL in props.podLabels) {
      throw new Error(`'podLabels' cannot set '${ROLE_LABEL}' on a multi-host server (${r.nodes} nodes per replica): the library labels its `
        + `LeaderWorkerSet pods ${ROLE_LABEL}=${LEADER_ROLE} and ${ROLE_LABEL}=${WORKER_ROLE}, and its Service selects the leaders by it; use another key.`);
    }
    if (customized.length > 0 && pathways) {
      throw new Error(`${customized.join(', ')}: not supported on a JetStream with Pathways slice, whose leader and worker pods follow `
        + 'Google\'s tutorial; remove them.');
    }
    // a model no single machine holds: one LeaderWorkerSet group of `nodes` pods per replica, and only the leaders serve HTTP
    const multiHost = r.nodes > 1;
    const libraryTemplate = customizePod(podTemplate(r, podLabels, image, token, model.gating === 'not-gated', this.name, this.modelBucket, checkpointUri),
      props, CONTAINER_NAME, { machineType: r.instanceType, region: r.cost.region });
    const servingTemplate = applyPodTemplateHook(libraryTemplate, props.podTemplateHook, {
      serverName: this.name,
      containerName: libraryTemplate.spec!.containers[0].name,
      modelServer: r.modelServer,
      workloadKind: multiHost ? 'LeaderWorkerSet' : 'Deployment',
    }, HTTP_PORT_NAME);
    const served = multiHost ? leaderSelector(this.name) : selector;
    // with an HPA the workload leaves spec.replicas to it: "any time a change to that object is applied ... this will instruct
    // Kubernetes to scale the current number of Pods to the value of the spec.replicas key" (Kubernetes, HorizontalPodAutoscaler,
    // "Migrating Deployments and StatefulSets to horizontal autoscaling"); the initial replicas are a one-time kubectl scale (notes)
    const groupReplicas = hasTarget ? undefined : replicas;
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
        replicas: groupReplicas,
        // a rollout must not hold two copies of the accelerators, and loading takes longer than the default 600 s
        strategy: { type: 'Recreate' },
        progressDeadlineSeconds: r.podResources.startupBudgetSeconds + 600,
        selector: { matchLabels: selector },
        // with an XLA cache, serving pods only read it: the warm-up Job below is its single writer
        template: xlaCache ? withReadOnlyXlaCache(servingTemplate, CONTAINER_NAME, xlaCache, props.gkeVersion) : servingTemplate,
      },
    });

    this.port = server.port;
    this.podSelectorLabels = { ...served };
    const containers = servingTemplate.spec!.containers;
    const http = containers.find((c) => (c.ports ?? []).some((p) => p.name === HTTP_PORT_NAME)) ?? containers[0];
    this.servingContainer = { name: http.name, image: http.image! };
    // a LeaderWorkerSet's controller creates the headless Service its pods' DNS names (and LWS_LEADER_ADDRESS) rest on, named
    // after the LWS, only if no Service of that name exists (kubernetes-sigs/lws pkg/utils/controller CreateHeadlessServiceIfNotExists):
    // the client Service takes another name, as Google's multi-host samples do (LWS 'vllm', Service 'vllm-leader';
    // kubernetes-engine-samples ai-ml/llm-multihost-gpus/vllm-llama3-405b-A3.yaml)
    const serviceName = multiHost ? leaderServiceName(this.name) : this.name;
    this.url = `http://${serviceName}.${namespace}.svc.cluster.local:${server.port}`;
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: serviceName, labels: selector },
      spec: {
        type: 'ClusterIP',
        selector: served,
        ports: [{ name: HTTP_PORT_NAME, port: server.port, targetPort: k8s.IntOrString.fromString(HTTP_PORT_NAME), protocol: 'TCP' }],
      },
    });

    this.monitoring = new LlmServerMonitoring(this, 'Monitoring', { name: this.name, labels: selector, selector: served, modelServer: server.name });
    this.podMonitoring = this.monitoring.podMonitoring;

    if (r.autoscaling) {
      this.autoscaler = new LlmServerAutoscaler(this, 'Autoscaler', {
        target: multiHost ? ScaleTarget.leaderWorkerSet(this.name) : ScaleTarget.deployment(this.name),
        name: this.name,
        labels: selector,
        minReplicas,
        maxReplicas,
        resolution: r,
      });
      this.horizontalPodAutoscaler = this.autoscaler.horizontalPodAutoscaler;
      // the TPU memory signal comes from the TPU device plugin's exporter, which the autoscaler has Managed Prometheus scrape
      this.tpuMetricsMonitoring = this.autoscaler.tpuMetricsMonitoring;
    }
    const asked = checkAllowedClients(props.allowedClients);
    // a multi-host vLLM group runs an unauthenticated Ray cluster, which "allows any clients to run arbitrary code" and "expects to
    // run in a safe network environment" (https://docs.ray.io/en/latest/ray-security/index.html; vLLM's parallelism_scaling.md,
    // "Network security"): fenced by default to the group's own pods, the serving port open to any source
    const rayGroup = multiHost && r.modelServer === 'vllm';
    const clients = asked ?? (rayGroup ? [ServerClients.any()] : undefined);
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
    if (xlaCacheSource) {
      this.xlaCache = new XlaCompilationCache(this, 'XlaCache', {
        name: this.name,
        bucketUri: xlaCacheSource.bucketUri,
        acceleratorType: r.acceleratorType,
        tpuTopology: r.tpuTopology!,
        serverVersion: xlaCacheSource.serverVersion,
        servingTemplate,
        containerName: CONTAINER_NAME,
        port: server.port,
        healthPath: server.healthPath,
        startupBudgetSeconds: r.podResources.startupBudgetSeconds,
        modelBucket: this.modelBucket,
        gkeVersion: props.gkeVersion,
      });
      this.xlaCacheWarmupJob = this.xlaCache.warmupJob;
      this.xlaCacheWarmupServiceAccount = this.xlaCache.warmupServiceAccount;
    }
    // Autopilot sizes its own nodes: the node pool is checked on Standard clusters
    // the Pathways leader containers run without a memory limit, as in Google's tutorial
    const validation = validationOptionsFrom(props, `OptimizedLlmServer '${this.name}'`, pathways
      ? { memoryLimitExempt: [PathwaysContainers.PROXY, PathwaysContainers.RESOURCE_MANAGER, PathwaysContainers.ENGINE] } : {});
    addManifestValidation(this, validation.clusterMode === ClusterMode.STANDARD ? { ...validation, nodeFit: this.nodePool } : validation);
    // a NetworkPolicy another construct puts on the server's pods (cdk8s-plus allowTo/allowFrom isolate both sides by default) must
    // leave them the collector, their group and their egress
    // (the labels as built, not a rendering of the workload: each object renders once per synthesis, synth-scope.ts)
    const baseLabels = pathways ? podLabels : servingTemplate.metadata?.labels ?? podLabels;
    const servedLabels = multiHost
      ? [LEADER_ROLE, WORKER_ROLE].map((role) => ({ ...baseLabels, [ROLE_LABEL]: role, [LwsLabels.NAME]: this.name }))
      : [{ ...baseLabels }];
    addForeignPolicyCheck(this, () => ({
      owner: `OptimizedLlmServer '${this.name}'`,
      namespace,
      podLabels: servedLabels,
      metricsPort: server.metricsPort ?? server.port,
      metricsPortNames: servingTemplate.spec!.containers.flatMap((c) => (c.ports ?? [])
        .filter((p) => p.containerPort === (server.metricsPort ?? server.port) && p.name !== undefined).map((p) => p.name!)),
      multiHost,
      hpaMetric: r.autoscaling?.hpaMetricType === 'Pods' ? r.autoscaling.serverMetric : undefined,
    }));
    this.deploymentNotes = serverNotes(r, token, this.name, namespace, this.modelBucket, {
      initial: initialReplicas,
      min: hasTarget ? minReplicas : undefined,
      max: hasTarget ? maxReplicas : undefined,
      warmupJob: this.xlaCache !== undefined,
    }, validation.clusterMode);
    // the HPA keeps minReplicas itself; a start above it (from expectedRequestsPerSecond) is a one-time scale
    if (hasTarget && initialReplicas > minReplicas) {
      const kind = multiHost ? 'leaderworkerset' : 'deployment';
      this.deploymentNotes.push(`Initial replicas: ${initialReplicas} for 'expectedRequestsPerSecond', but the ${multiHost ? 'LeaderWorkerSet' : 'Deployment'} `
        + 'leaves spec.replicas to the HPA (a re-apply would otherwise reset the HPA\'s count); start at them once after the first apply: '
        + `kubectl scale ${shellQuote(`${kind}/${this.name}`)} --namespace ${shellQuote(namespace)} --replicas ${initialReplicas}`);
    }
    if (pathways) {
      this.deploymentNotes.push(...pathwaysNotes(r, pathwaysScratch!, checkpointUri!));
    } else if (checkpointUri !== undefined) {
      this.deploymentNotes.push(...engineImageNotes, ...jetstreamNotes(checkpointUri,
        bucketIamBindingCommand(parseBucketUri(checkpointUri).bucket, namespace, this.name, false), r.maxModelLength));
    }
    if (this.xlaCache) this.deploymentNotes.push(...this.xlaCache.deploymentNotes);
    this.deploymentNotes.push(...loraNotes(r.lora, asked !== undefined, token.secretName !== undefined, this.modelBucket !== undefined));
    if (rayGroup && asked === undefined) {
      this.deploymentNotes.push('Network policy (multi-host default): the groups\' Ray and NCCL ports admit only this server\'s pods (Ray runs code for '
        + `any client that reaches it, and the pods hold the Hugging Face token); port ${server.port} admits any source and the Managed Prometheus `
        + 'collector scrapes it; fence the serving port with \'allowedClients\'. Enforced only with network policy enforcement (GKE Dataplane V2, '
        + 'the default on Autopilot).');
    } else if (clients) {
      this.deploymentNotes.push(`Network policy: only ${[...clients.map((c) => c.description), 'the Managed Prometheus collector (gmp-system, or gke-gmp-system on Autopilot)'].join(', ')} `
        + `may reach port ${server.port}; it is enforced only with network policy enforcement (GKE Dataplane V2, the default on Autopilot).`);
    }
    // objects without a namespace go to the one kubectl applies them to: the commands above name 'default'
    if (Chart.of(this).namespace === undefined) {
      this.deploymentNotes.push('Namespace: the chart sets none, so the objects go to the namespace you apply them to, while the commands above '
        + 'assume \'default\' (the Secret\'s --namespace, the IAM principals\' ns/default): applying elsewhere, use that namespace in them, '
        + 'or give the Chart a namespace.');
    }
  }

  /**
   * The server's Service as a cdk8s-plus Service, for the cdk8s-plus APIs that take one: `kplus.IngressBackend.fromService`
   * (an Ingress backend on `port`) or `exposeViaIngress`. It names the Service in `service` and emits nothing itself;
   * changing its ports or selector is refused.
   */
  public get kplusService(): kplus.Service {
    const existing = this.node.tryFindChild('KplusService');
    if (existing) return existing as kplus.Service;
    return new ServiceView(this, 'KplusService', { name: this.service.name, port: this.port, portName: HTTP_PORT_NAME, selector: this });
  }

  /**
   * The server's ServiceAccount as a cdk8s-plus `IServiceAccount` (`serviceAccount` of a `kplus.Deployment`, a role binding's
   * subject). A workload that runs as it also gets its grants, such as the model bucket's read access.
   */
  public get kplusServiceAccount(): kplus.IServiceAccount {
    const existing = this.node.tryFindChild('KplusServiceAccount');
    if (existing) return existing as unknown as kplus.IServiceAccount;
    return kplus.ServiceAccount.fromServiceAccountName(this, 'KplusServiceAccount', this.serviceAccount.name);
  }

  /**
   * The serving container as cdk8s-plus describes a peer's containers (its name, image and serving port):
   * `pod.connections.allowTo(server)` reads it to open only the serving port. A view: the manifests come from the server's
   * own pod template.
   */
  public get containers(): kplus.Container[] {
    return [new kplus.Container({
      name: this.servingContainer.name,
      image: this.servingContainer.image,
      ports: [{ number: this.port, name: HTTP_PORT_NAME, protocol: kplus.Protocol.TCP }],
    })];
  }

  /**
   * The pods that serve HTTP, as a cdk8s-plus pod selector (`pod.scheduling.colocate(server)`, `separate(server)`, network
   * policies): `podSelectorLabels` in the chart's namespace.
   */
  public toPodSelectorConfig(): kplus.PodSelectorConfig {
    const namespace = Chart.of(this).namespace;
    return {
      labelSelector: kplus.LabelSelector.of({ labels: { ...this.podSelectorLabels } }),
      namespaces: namespace ? { names: [namespace] } : undefined,
    };
  }

  /**
   * The server's serving pods as a network-policy peer (`pod.connections.allowTo(server, { isolation: PodConnectionsIsolation.POD })`,
   * `allowFrom`): cdk8s-plus's default isolation also puts a policy on the server's pods, which synthesis refuses unless it admits the
   * metrics collector, the group and the egress the server needs; fence the server with `allowedClients`.
   */
  public toNetworkPolicyPeerConfig(): kplus.NetworkPolicyPeerConfig {
    return { podSelector: this.toPodSelectorConfig() };
  }

  /** This server: its serving pods are the peer. */
  public toPodSelector(): kplus.IPodSelector | undefined {
    return this;
  }
}
