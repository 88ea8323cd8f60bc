/**
 * JetStream with Pathways on a multi-host TPU slice, as one LeaderWorkerSet group per replica. The leader
 * runs no TPU chips: the Pathways proxy and resource manager, the MaxText engine as the single JAX
 * controller (`enable_single_controller=true`) and jetstream-http; one Pathways worker per host of the slice
 * takes that host's chips. The shape follows GKE's multi-host JetStream tutorial (PATHWAYS_SOURCE): the
 * exclusive-topology annotation keeps a group on one node pool (one slice), the leader tolerates the TPU
 * taint to share a host with a worker, and every component finds the resource manager at
 * `$(LWS_LEADER_ADDRESS)`, which the LeaderWorkerSet controller sets in each container.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { JetStreamEngineInputs, maxTextModel } from './jetstream';
import { JETSTREAM, JETSTREAM_GRPC_PORT, JETSTREAM_HTTP_CONTAINER, PATHWAYS_INSTANCE_TYPES, PATHWAYS_PORTS } from '../../catalog/model-servers';
import { SERVING_CONSTANTS } from '../../catalog/serving-constants';
import { jetstreamDecodeSlots } from '../../performance/decode-slots';
import { capacityPodSpec } from '../../resolver/node-pool';
import { Resolution } from '../../resolver/resolution';
import { escapeKubernetesExpansion, shellQuote } from '../../util/shell-quote';
import { LWS_RECREATE_GROUP_ON_POD_RESTART } from '../lws-api';
import { LEADER_ROLE, LWS_API_VERSION, LWS_KIND, ROLE_LABEL, WORKER_ROLE } from '../multi-host';
import { preStopPause, terminationGrace } from '../termination';

/** Container names of a Pathways group. */
export const PathwaysContainers = {
  PROXY: 'pathways-proxy',
  RESOURCE_MANAGER: 'pathways-rm',
  /** The MaxText engine (JetStream) as the Pathways single controller. */
  ENGINE: 'jax-tpu',
  HTTP: JETSTREAM_HTTP_CONTAINER,
  WORKER: 'pathways-worker',
} as const;

/** The LWS annotation that gives each group a node pool of its own (a TPU slice is one node pool). */
export const EXCLUSIVE_TOPOLOGY_ANNOTATION = 'leaderworkerset.sigs.k8s.io/exclusive-topology';
const NODE_POOL_TOPOLOGY = 'cloud.google.com/gke-nodepool';

/** The resource manager's address, as every component of the group reaches it. */
const RESOURCE_MANAGER_ADDRESS = `$(LWS_LEADER_ADDRESS):${PATHWAYS_PORTS.resourceManager}`;

/** What a Pathways group is built from, beyond the resolution. */
export interface PathwaysInputs extends JetStreamEngineInputs {
  readonly name: string;
  readonly labels: { [key: string]: string };
  readonly annotations: { [key: string]: string };
  /** Replicas (groups = slices); undefined leaves it to the HPA (or the default of 1). */
  readonly replicas?: number;
  readonly serviceAccountName: string;
  /** `gs://` scratch location of the Pathways components (compilation cache and temporary files). */
  readonly scratchUri: string;
  /** A worker's resources: the host's chips (`google.com/tpu`), CPU, memory and ephemeral storage. */
  readonly workerResources: { [name: string]: k8s.Quantity };
}

/**
 * The engine's MaxText arguments for the slice: the model's inference config (or MaxText's base config) with overrides, the
 * sharding of `pathwaysParallelism` over every chip of the slice, the single controller, and as many decode
 * slots as full-length KV caches fit.
 */
export function pathwaysEngineArgs(r: Resolution, checkpointUri: string): string[] {
  const maxText = maxTextModel(r.model);
  const chips = r.acceleratorCount;
  const slots = jetstreamDecodeSlots(r.memory.kvCacheCapacityGb, r.memory.kvCachePerMaxLengthRequestGb, chips);
  return [
    maxText.pathwaysConfig ?? 'MaxText/configs/base.yml',
    `model_name=${maxText.modelName}`,
    `tokenizer_path=${maxText.tokenizerPath}`,
    `load_parameters_path=${escapeKubernetesExpansion(checkpointUri)}`,
    `max_prefill_predict_length=${Math.floor(r.maxModelLength / 2)}`,
    `max_target_length=${r.maxModelLength}`,
    `per_device_batch_size=${slots / chips}`,
    'async_checkpointing=false',
    'steps=1',
    'ici_fsdp_parallelism=1',
    `ici_autoregressive_parallelism=${chips / r.tensorParallelSize}`,
    `ici_tensor_parallelism=${r.tensorParallelSize}`,
    'scan_layers=false',
    'weight_dtype=bfloat16',
    'enable_single_controller=true',
    // int8: quantization=int8, quantize_kvcache=true, checkpoint_is_quantized=true, as Google's 405B 4x4 sample sets them
    ...r.precisionArgs,
    'enable_model_warmup=true',
    `prometheus_port=${JETSTREAM.metricsPort}`,
  ];
}

const quantities = (cpu: number, memoryGiB: number): { [name: string]: k8s.Quantity } => ({
  'cpu': k8s.Quantity.fromString(String(cpu)),
  'memory': k8s.Quantity.fromString(`${memoryGiB}Gi`),
  'ephemeral-storage': k8s.Quantity.fromString('2Gi'),
});

/**
 * A leader container's limits: its CPU and ephemeral storage, but no memory limit. Google's tutorial sets no resources on
 * the leader containers, and an OOM-killed proxy surfaces only as "Stream removed" on the client; the memory request
 * still reserves what the node-fit rule counts.
 */
function noMemoryLimit(q: { [name: string]: k8s.Quantity }): { [name: string]: k8s.Quantity } {
  const { memory, ...rest } = q;
  void memory;
  return rest;
}

/** The leader and worker pod templates of one group. */
export function pathwaysTemplates(r: Resolution, inputs: PathwaysInputs): { leader: k8s.PodTemplateSpec; worker: k8s.PodTemplateSpec } {
  const version = JETSTREAM.versions.find((v) => v.version === r.modelServerVersion);
  if (!version?.pathwaysProxyImage || !version.pathwaysServerImage || !version.httpFrontEndImage) {
    throw new Error(`${r.modelServer} ${r.modelServerVersion} is not a Pathways build: a multi-host TPU slice needs one `
      + `(${JETSTREAM.versions.filter((v) => v.multiHostOnly).map((v) => v.version).join(', ')}).`);
  }
  const instanceType = PATHWAYS_INSTANCE_TYPES[r.acceleratorType];
  const scratch = `--gcs_scratch_location=${escapeKubernetesExpansion(inputs.scratchUri)}`;
  const C = SERVING_CONSTANTS;
  const small = quantities(C.pathwaysLeaderCpu.value, C.pathwaysLeaderMemoryGiB.value);
  const proxy = quantities(C.pathwaysLeaderCpu.value, C.pathwaysProxyMemoryGiB.value);
  const tiny = quantities(0.5, 1);
  const sc = inputs.securityContext;
  const pod = (role: string, containers: k8s.Container[]): k8s.PodTemplateSpec => ({
    metadata: { labels: { ...inputs.labels, [ROLE_LABEL]: role } },
    spec: {
      serviceAccountName: inputs.serviceAccountName,
      automountServiceAccountToken: false,
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      nodeSelector: { ...r.nodePool.nodeSelector },
      // the leader takes no chips, so GKE does not add the TPU taint's toleration for it: it shares a host of the slice with a worker
      tolerations: [{ key: 'google.com/tpu', operator: 'Exists', effect: 'NoSchedule' }, ...(capacityPodSpec(r.nodePool).tolerations ?? [])],
      enableServiceLinks: false,
      terminationGracePeriodSeconds: terminationGrace(r).seconds,
      // every container stays up through the pause: the engine needs the proxy and the resource manager to finish in-flight requests
      containers: containers.map((c) => ({ ...c, lifecycle: preStopPause() })),
    },
  });
  const healthcheck = { path: '/healthcheck', port: k8s.IntOrString.fromString(inputs.httpPortName) };
  // the Pathways components and the engine document no health endpoint: TCP on their server ports, after the start-up budget
  const tcpProbes = (port: string): Pick<k8s.Container, 'startupProbe' | 'readinessProbe' | 'livenessProbe'> => ({
    startupProbe: {
      tcpSocket: { port: k8s.IntOrString.fromString(port) },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: Math.ceil(inputs.startupBudgetSeconds / 10),
    },
    readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromString(port) }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString(port) }, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 4 },
  });
  const leader = pod(LEADER_ROLE, [
    {
      name: PathwaysContainers.PROXY,
      image: version.pathwaysProxyImage,
      imagePullPolicy: 'IfNotPresent',
      args: [`--resource_manager_address=${RESOURCE_MANAGER_ADDRESS}`, `--server_port=${PATHWAYS_PORTS.proxy}`, scratch],
      ports: [{ name: 'proxy', containerPort: PATHWAYS_PORTS.proxy, protocol: 'TCP' }],
      ...tcpProbes('proxy'),
      resources: { requests: proxy, limits: noMemoryLimit(proxy) },
      securityContext: sc,
    },
    {
      name: PathwaysContainers.RESOURCE_MANAGER,
      image: version.pathwaysServerImage,
      imagePullPolicy: 'IfNotPresent',
      env: [{ name: 'HOST_ADDRESS', value: '$(LWS_LEADER_ADDRESS)' }, { name: 'TPU_SKIP_MDS_QUERY', value: 'true' }],
      args: [
        `--server_port=${PATHWAYS_PORTS.resourceManager}`, scratch, '--node_type=resource_manager', '--instance_count=1',
        `--instance_type=${instanceType}:${r.tpuTopology}`,
      ],
      ports: [{ name: 'rm', containerPort: PATHWAYS_PORTS.resourceManager, protocol: 'TCP' }],
      ...tcpProbes('rm'),
      resources: { requests: small, limits: noMemoryLimit(small) },
      securityContext: sc,
    },
    {
      name: PathwaysContainers.ENGINE,
      image: inputs.engineImage,
      imagePullPolicy: 'IfNotPresent',
      args: pathwaysEngineArgs(r, inputs.checkpointUri),
      env: inputs.env,
      ports: [
        { name: 'grpc', containerPort: JETSTREAM_GRPC_PORT, protocol: 'TCP' },
        { name: 'metrics', containerPort: JETSTREAM.metricsPort!, protocol: 'TCP' },
      ],
      resources: { requests: small, limits: noMemoryLimit(small) },
      // the gRPC port opens when the engine serves (restore and warm-up take long)
      ...tcpProbes('grpc'),
      securityContext: sc,
    },
    {
      name: PathwaysContainers.HTTP,
      image: version.httpFrontEndImage,
      imagePullPolicy: 'IfNotPresent',
      ports: [{ name: inputs.httpPortName, containerPort: JETSTREAM.port, protocol: 'TCP' }],
      resources: { requests: tiny, limits: tiny },
      // the tutorial's probes: jetstream-http's /healthcheck answers once the engine behind it serves
      startupProbe: { httpGet: healthcheck, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: Math.ceil(inputs.startupBudgetSeconds / 10) },
      readinessProbe: { httpGet: healthcheck, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      livenessProbe: { httpGet: healthcheck, periodSeconds: 60, timeoutSeconds: 10, failureThreshold: 10 },
      securityContext: sc,
    },
  ]);
  const worker = pod(WORKER_ROLE, [{
    name: PathwaysContainers.WORKER,
    image: version.pathwaysServerImage,
    imagePullPolicy: 'IfNotPresent',
    args: [`--server_port=${PATHWAYS_PORTS.worker}`, `--resource_manager_address=${RESOURCE_MANAGER_ADDRESS}`, scratch],
    ports: [{ name: 'worker', containerPort: PATHWAYS_PORTS.worker, protocol: 'TCP' }],
    ...tcpProbes('worker'),
    resources: { requests: inputs.workerResources, limits: inputs.workerResources },
    securityContext: sc,
  }]);
  return { leader, worker };
}

/** The LeaderWorkerSet of a JetStream-with-Pathways resolution: a leader and one worker per host of the slice. */
export function createPathwaysLeaderWorkerSet(scope: Construct, id: string, r: Resolution, inputs: PathwaysInputs): ApiObject {
  const { leader, worker } = pathwaysTemplates(r, inputs);
  return new ApiObject(scope, id, {
    apiVersion: LWS_API_VERSION,
    kind: LWS_KIND,
    metadata: {
      name: inputs.name,
      labels: inputs.labels,
      annotations: { ...inputs.annotations, [EXCLUSIVE_TOPOLOGY_ANNOTATION]: NODE_POOL_TOPOLOGY },
    },
    spec: {
      replicas: inputs.replicas,
      leaderWorkerTemplate: {
        size: r.nodes + 1,
        // the single controller holds the whole slice: a failed component takes the group down and back
        restartPolicy: LWS_RECREATE_GROUP_ON_POD_RESTART,
        leaderTemplate: k8s.toJson_PodTemplateSpec(leader),
        workerTemplate: k8s.toJson_PodTemplateSpec(worker),
      },
    },
  });
}

/** What must exist for a Pathways group (added to `deploymentNotes`). */
export function pathwaysNotes(r: Resolution, scratchUri: string, checkpointUri: string): string[] {
  return [
    `Pathways: one replica is a ${r.tpuTopology} ${r.acceleratorType} slice (${r.nodes} ${r.instanceType} nodes in one node pool, the Node pool `
      + 'command above); the exclusive-topology annotation puts each replica on a node pool of its '
      + 'own, so every replica the HPA adds needs another such node pool (or node auto-provisioning).',
    'Pathways: Google\'s tutorial runs the TPU node pool with --workload-metadata GCE_METADATA and --scopes cloud-platform, as the command above '
      + 'does (Workload Identity Federation off for Pathways with JetStream): grant the node pool\'s service account roles/storage.objectViewer on the checkpoint '
      + `(${shellQuote(checkpointUri)}) and roles/storage.objectUser on the scratch location (${shellQuote(scratchUri)}).`,
    'Pathways: the Pathways images are allowlisted: the project needs Artifact Registry access to us-docker.pkg.dev/cloud-tpu-v2-images/pathways.',
    `Pathways: the engine runs as the single controller on the leader (no chips), with MaxText ici_tensor_parallelism ${r.tensorParallelSize} x `
      + `ici_autoregressive_parallelism ${r.acceleratorCount / r.tensorParallelSize} over the slice's ${r.acceleratorCount} chips; `
      + (r.weightPrecision === 'int8'
        ? 'the checkpoint must be an unscanned MaxText checkpoint of the model quantized to int8 (quantization=int8 checkpoint_is_quantized=true).'
        : 'the checkpoint must be an unscanned MaxText checkpoint of the model (bf16: weight_dtype=bfloat16).'),
  ];
}
