/**
 * The deployment notes of a server: what must exist in the cluster (IAM bindings, secrets, the node pool, controllers,
 * adapters) for its manifests to work, one line each, with the commands that create it.
 */
import { HuggingFaceToken } from './hugging-face-token';
import { secretCreateCommand } from './secret-command';
import { terminationGrace } from './termination';
import { COMPILE_ALLOWANCE_SECONDS, XlaCacheLocation, xlaWarmupName } from './xla-cache';
import { autopilotMinimumGkeVersion } from '../catalog/autopilot-gpus';
import { NodePoolSize, nodePoolCommand, nodesForReplicas } from '../resolver/node-pool';
import { AutoscalingMetric, CacheMedium, Capacity, ClusterMode, Resolution, ResolvedNodePool } from '../resolver/resolution';
import { CloudStorageFuseModel } from '../storage/cloud-storage-fuse';
import { bucketIamBindingCommand, bucketPrefixWriteBindingCommands } from '../storage/iam';
import { round } from '../util/round';
import { shellQuote } from '../util/shell-quote';

/** The replicas the server runs, which the node pool must hold. */
export interface ServerReplicas {
  /** Replicas created at first (the Deployment's or LeaderWorkerSet's `replicas`). */
  readonly initial: number;
  /** The HPA's bounds; absent without an HPA (a fixed replica count). */
  readonly min?: number;
  readonly max?: number;
  /** Whether an XLA cache warm-up Job runs beside the server, on a node of the pool like a replica's. */
  readonly warmupJob: boolean;
}

/**
 * The size of the node pool for the server's replicas: room for the initial replicas (and the warm-up Job), and the cluster
 * autoscaler's bounds for the HPA's (the Job's node is given back when it ends). A multi-host TPU slice is one node pool per
 * replica (GKE creates and scales such a pool as a whole slice): its pool holds one replica.
 */
export function nodePoolSize(pool: ResolvedNodePool, replicas: ServerReplicas): NodePoolSize {
  if (pool.tpuTopology !== undefined && pool.nodesPerReplica > 1) return { initialNodes: pool.nodesPerReplica };
  const job = replicas.warmupJob ? pool.nodesPerReplica : 0;
  const initialNodes = nodesForReplicas(pool, replicas.initial) + job;
  if (replicas.max === undefined && job === 0) return { initialNodes };
  return {
    initialNodes,
    minNodes: nodesForReplicas(pool, replicas.min ?? replicas.initial),
    maxNodes: nodesForReplicas(pool, replicas.max ?? replicas.initial) + job,
  };
}

/** The notes of the server itself: model bucket, token, node pool, multi-host, capacity, metrics and autoscaling. */
export function serverNotes(
  r: Resolution, token: HuggingFaceToken, name: string, namespace: string, bucket: CloudStorageFuseModel | undefined, replicas: ServerReplicas,
  clusterMode: ClusterMode = ClusterMode.STANDARD,
): string[] {
  const out: string[] = [];
  if (bucket) {
    out.push(`Model bucket: grant the server's service account read access: ${bucketIamBindingCommand(bucket.bucket, namespace, name, false)}`);
    out.push('Model bucket: the cluster needs Workload Identity Federation for GKE and the Cloud Storage FUSE CSI driver add-on; the bucket must hold '
      + 'config.json, the tokenizer and the weights before the pods start (stage it once with ModelTransferJob and wait for the Job to complete: the '
      + 'mount caches listings without expiry, so a pod started during the copy keeps a partial one until it is deleted).');
    for (const n of bucket.notes) out.push(`Model bucket: ${n}`);
    if (clusterMode === ClusterMode.AUTOPILOT) {
      // GoogleCloudPlatform/gcs-fuse-csi-driver docs/troubleshooting.md, "Sidecar container resource allocation": '"0" ... on Standard
      // clusters'; 'You cannot use value "0" ... on Autopilot clusters'; known issue: at most 2 vCPU and 14 GiB on Autopilot GPU nodes.
      // Not verified on a cluster: said, not enforced
      const ram = r.modelLoading.fileCacheMedium === CacheMedium.MEMORY ? r.modelLoading.fileCacheSizeGiB : undefined;
      out.push('Model bucket (Autopilot): the Cloud Storage FUSE driver\'s documentation says the sidecar\'s limits cannot be lifted with "0" '
        + 'on Autopilot (this manifest sets "0", as Google\'s tuned recipe does on Standard) and that on Autopilot GPU nodes the sidecar gets at '
        + `most 2 vCPU and 14 GiB (a known issue)${ram !== undefined ? `, less than this pod's ${ram} GiB RAM file cache, which the sidecar fills` : ''}: `
        + 'check the injected sidecar\'s resources on your cluster (kubectl get pod -o yaml), set gke-gcsfuse/* annotations with podAnnotations, '
        + 'or load the model from Hugging Face (omit \'modelBucketUri\').');
    }
  }
  if (token.secretName !== undefined) {
    out.push(`Hugging Face token: ${secretCreateCommand(token, namespace)}`);
  }
  const pool = r.nodePool;
  out.push(clusterMode === ClusterMode.AUTOPILOT ? autopilotNodesNote(r, replicas) : nodePoolNote(r, name, replicas));
  if ((pool.podsPerNode ?? 1) > 1) {
    out.push(`Packing: one ${pool.machineType} node holds ${pool.podsPerNode} server pods of ${r.tensorParallelSize} x ${pool.acceleratorType} (each `
      + `requests ${r.podResources.cpu} CPU and ${r.podResources.memoryGiB} GiB, at most 1/${pool.podsPerNode} of the node's); replicas and the HPA bounds `
      + 'count pods, and the cluster autoscaler adds a node when a pending pod finds no free GPU.');
    // the cost figures price a replica as its share of a full node; a node the replicas never fill costs the same whole
    const pods = pool.podsPerNode!;
    const most = replicas.max ?? replicas.initial;
    const cost = r.cost.costPerMillionOutputTokens;
    // n replicas take whole nodes: their cost per million output tokens with every replica busy
    const perToken = (n: number) => ({ nodes: Math.ceil(n / pods), perMillion: cost! * Math.ceil(n / pods) * pods / n });
    // the HPA's floor keeps whole nodes too: at minReplicas 1 of an 8-pod node, the node's full price for one replica's tokens
    const least = replicas.min;
    if (least !== undefined && least % pods !== 0 && cost !== undefined && r.cost.costPerHour !== undefined) {
      const { nodes, perMillion } = perToken(least);
      out.push(`Packing floor: at the HPA's minimum of ${least} replica${least === 1 ? '' : 's'} ${nodes === 1 ? 'a whole node runs' : `${nodes} whole nodes run`} `
        + `($${round(r.cost.costPerHour * pods * nodes, 4)}/h, not the figures' $${round(r.cost.costPerHour * least, 4)}/h for ${least} replica${least === 1 ? '' : 's'}): `
        + `$${perMillion.toFixed(3)}/M output tokens at the operating point with ${least === 1 ? 'it' : 'them'} busy (set minReplicas `
        + `to a multiple of ${pods} to pay the figures at the floor).`);
    }
    if (most % pods !== 0 && cost !== undefined) {
      const lastNode = most % pods;
      const { nodes, perMillion: effective } = perToken(most);
      out.push(`Packing cost: the cost figures ($${cost.toFixed(3)}/M output tokens at the operating point) price a replica as 1/${pods} of a full `
        + `node, but at ${most} replica${most === 1 ? '' : 's'} (the ${replicas.max !== undefined ? 'HPA\'s maximum' : 'replica count'}) `
        + `${nodes === 1 ? 'the node holds' : `the last of ${nodes} nodes holds`} ${lastNode} of ${pods}, and a node costs the same however full: `
        + `$${effective.toFixed(3)}/M at the operating point with every replica busy (${replicas.max !== undefined ? 'set maxReplicas' : 'run replicas'} `
        + `in multiples of ${pods} to pay the figures).`);
    }
  }
  if (replicas.warmupJob && r.cost.costPerHour !== undefined) {
    // the Job runs the server once on a slice of its own, beside the replicas: a one-off the per-token figures leave out
    const hours = (r.podResources.startupBudgetSeconds + COMPILE_ALLOWANCE_SECONDS) / 3600;
    out.push(`XLA cache warm-up cost: the Job holds one more ${r.tpuTopology ? `${r.tpuTopology} ` : ''}slice while it compiles, $${round(r.cost.costPerHour, 4)}/h at the `
      + `figures' price, up to $${(r.cost.costPerHour * hours).toFixed(2)} if it runs to its ${hours.toFixed(1)} h deadline (a one-off per `
      + 'model, image and slice, not in the per-token figures).');
  }
  if (r.nodes > 1) {
    // the install command and the controller's own node: kubernetes-sigs/lws v0.10.0 site/content/en/docs/installation/_index.md
    const install = 'Multi-host: the LeaderWorkerSet controller (leaderworkerset.x-k8s.io/v1) must be installed, e.g. v0.10.0: kubectl apply '
      + `--server-side -f ${LWS_RELEASE_MANIFESTS} (its controller Deployment in lws-system needs a node with at least 1 CPU and 1G of `
      + 'memory free, and GPU and TPU nodes\' taints keep it off them)';
    out.push(r.tpuTopology !== undefined || clusterMode === ClusterMode.AUTOPILOT
      ? `${install}.`
      : `${install}; the nodes of a group talk over the VPC (Ray, NCCL), so the node pool uses a compact placement policy.`);
    // kubectl apply does not delete what the manifests no longer hold: a Service <name> left by a single-host version of the server
    // takes the name of the LeaderWorkerSet's headless Service, which its controller then never creates (kubernetes-sigs/lws
    // CreateHeadlessServiceIfNotExists)
    out.push('Multi-host: if this server ran single-host before under this name (another accelerator, precision or model length), delete its '
      + `Deployment and Service first: ${['kubectl', 'delete', `deployment/${name}`, `service/${name}`, `--namespace=${namespace}`, '--ignore-not-found']
        .map(shellQuote).join(' ')}; a Service ${name} left behind takes the name of the LeaderWorkerSet's headless Service, and the group's `
      + 'pods never resolve their leader.');
  }
  if (pool.capacity === Capacity.SPOT) {
    out.push(`Capacity: Spot VMs${r.cost.costPerHour !== undefined ? ', as the cost figures assume' : ''}: Compute Engine may preempt a node at any time `
      + `(the pods get ${pool.spotPreemptionGraceSeconds} s to stop); `
      + 'for nodes that stay, choose on-demand or reserved capacity (\'capacity\' Capacity.ON_DEMAND or Capacity.RESERVATION).');
  }
  out.push(terminationGrace(r).explanation);
  out.push(MONITORING_NOTE);
  if (r.autoscaling) out.push(...autoscalingNotes(r.autoscaling));
  return out;
}

/** The node pool to create on GKE Standard, sized for the replicas (and the XLA warm-up Job), with its gcloud command. */
function nodePoolNote(r: Resolution, name: string, replicas: ServerReplicas): string {
  const pool = r.nodePool;
  const size = nodePoolSize(pool, replicas);
  const slicePerReplica = pool.tpuTopology !== undefined && pool.nodesPerReplica > 1;
  const sizing = slicePerReplica
    ? `one such node pool per replica (a multi-host TPU slice is created and scaled as a whole): ${replicas.max ?? replicas.initial} at most`
    // a flex-start pool is created empty and scaled from zero (its command: --total-min-nodes 0 --num-nodes 0)
    : pool.capacity === Capacity.FLEX_START
      ? `no node at first: the cluster autoscaler provisions 0 to ${size.maxNodes ?? size.initialNodes} flex-start nodes as the pods `
        + `(${replicas.initial} replica${replicas.initial === 1 ? '' : 's'} at first${replicas.warmupJob ? ' and the XLA cache warm-up Job' : ''}) wait for them`
      : `${size.initialNodes} node${size.initialNodes === 1 ? '' : 's'} at first for ${replicas.initial} replica${replicas.initial === 1 ? '' : 's'}`
        + (replicas.warmupJob ? ' and the XLA cache warm-up Job' : '')
        + (size.maxNodes !== undefined
          ? `, the cluster autoscaler keeping ${size.minNodes} to ${size.maxNodes} nodes`
            + (replicas.max !== undefined ? ` for the HPA's ${replicas.min ?? replicas.initial} to ${replicas.max} replicas` : '')
            + (replicas.warmupJob ? ' (and the Job\'s while it runs)' : '')
          : '');
  return `Node pool (GKE Standard): ${pool.nodesPerReplica > 1 ? `${pool.nodesPerReplica} ` : ''}${pool.machineType} nodes `
    + `${(pool.podsPerNode ?? 1) > 1 ? `holding ${pool.podsPerNode} replicas each ` : 'per replica '}`
    + `(${pool.acceleratorsPerNode} x ${pool.acceleratorType}${pool.tpuTopology ? `, topology ${pool.tpuTopology}` : ''}, ${pool.capacity} capacity; `
    + `${(pool.podsPerNode ?? 1) > 1 ? `its ${pool.podsPerNode} pods together may request` : 'a pod may request'} ${pool.allocatableCpu} CPU, ${pool.allocatableMemoryGiB} GiB of memory and ${pool.allocatableEphemeralStorageGiB} GiB of `
    + `ephemeral storage on ${pool.ephemeralStorageOn === 'local-ssd' ? 'local SSD' : `a ${pool.bootDiskSizeGb} GB boot disk`}) and quota for them; `
    // gcloud: --num-nodes counts nodes in each of the pool's zones, --total-*-nodes the whole pool
    + `${sizing} (--num-nodes counts per zone: on a regional cluster add --node-locations ZONE); `
    + (slicePerReplica && (replicas.max ?? replicas.initial) > 1 ? slicePoolCommands(r, name, replicas)
      : `create it with: ${nodePoolCommand(pool, size).replace('NODE_POOL_NAME', shellQuote(name))}`);
}

/**
 * One node pool per multi-host TPU slice (the LeaderWorkerSet's exclusive-topology annotation puts each group on a pool of its own):
 * the slices the replicas always need at their size, the others from zero, which GKE's cluster autoscaler grows to a whole slice
 * at once when the HPA adds a group (GKE "About TPUs in GKE", atomicity: a multi-host slice node pool scales between 0 and its size).
 */
function slicePoolCommands(r: Resolution, name: string, replicas: ServerReplicas): string {
  const pool = r.nodePool;
  const slices = replicas.max ?? replicas.initial;
  const always = replicas.min ?? replicas.initial;
  const commands = Array.from({ length: slices }, (_, i) => nodePoolCommand(pool, i < always
    ? { initialNodes: pool.nodesPerReplica }
    : { initialNodes: 0, minNodes: 0, maxNodes: pool.nodesPerReplica }).replace('NODE_POOL_NAME', shellQuote(`${name}-${i}`)));
  return `create ${slices} pools, ${always} with their ${pool.nodesPerReplica} nodes and ${slices - always} from zero (an empty one costs nothing `
    + `until the HPA adds a group): ${commands.join('; ')}`;
}

/**
 * On GKE Autopilot there is no node pool to create: Autopilot provisions a node per GPU pod (or a TPU slice) from the pods'
 * selectors. GKE, "Deploy GPU workloads in Autopilot": node-based billing (the hardware plus an Autopilot premium) from
 * 1.29.4-gke.1427000, one GPU pod per node without a gke-accelerator-count selector, the versions per GPU type.
 */
function autopilotNodesNote(r: Resolution, replicas: ServerReplicas): string {
  const pool = r.nodePool;
  const minimum = pool.tpuTopology === undefined ? autopilotMinimumGkeVersion(pool.acceleratorType, pool.acceleratorsPerNode) : undefined;
  const most = replicas.max ?? replicas.initial;
  return `Nodes (GKE Autopilot): no node pool to create; Autopilot provisions ${pool.nodesPerReplica > 1 ? `${pool.nodesPerReplica} nodes` : 'a node'} `
    + `per replica from the pods' node selectors (${pool.acceleratorsPerNode} x ${pool.acceleratorType}`
    + `${pool.tpuTopology ? `, topology ${pool.tpuTopology}` : ''}, ${pool.capacity} capacity), up to ${most * pool.nodesPerReplica} `
    + `for ${most} replica${most === 1 ? '' : 's'}; the project needs the quota for them`
    + (minimum ? `, and the cluster GKE ${minimum} or later for ${pool.acceleratorsPerNode} x ${pool.acceleratorType} on Autopilot` : '')
    + `. The cost figures price ${pool.machineType} at its Compute Engine rate; Autopilot bills the node's hardware plus an Autopilot premium `
    + 'for GPU and TPU pods, which they leave out'
    // GKE "Committed use discounts" (kubernetes-engine/cud): Autopilot clusters take spend-based commitments, Compute flexible CUDs (28% off
    // for one year, 46% for three) on eligible SKUs; Standard clusters Compute Engine's resource-based ones, whose rates the catalog has
    + (r.cost.pricingModel.endsWith('-cud')
      ? `; the ${r.cost.pricingModel} rate is Compute Engine's resource-based commitment, which Standard clusters buy: Autopilot takes spend-based `
        + 'commitments (Compute flexible CUDs, 28% off for one year and 46% for three on eligible SKUs, GKE "Committed use discounts"), so the '
        + 'figures are lower than the bill.'
      : '.');
}

/** What a PodMonitoring needs in the cluster. */
export const MONITORING_NOTE = 'Metrics: Google Cloud Managed Service for Prometheus must be enabled on the cluster for the PodMonitoring to be scraped.';

/** What an HPA on a server or exporter metric needs in the cluster, and the caveats of its metric. */
export interface AutoscalingNoteInputs {
  readonly hpaMetricName: string;
  readonly hpaMetricSelector?: { [key: string]: string };
  readonly metric?: AutoscalingMetric;
  readonly targetAverageValue: number;
}

/** The LeaderWorkerSet release manifests the multi-host note installs (kubernetes-sigs/lws v0.10.0, 2026-08-11). */
const LWS_RELEASE_MANIFESTS = 'https://github.com/kubernetes-sigs/lws/releases/download/v0.10.0/manifests.yaml';

/** The notes of an HPA: the Custom Metrics Stackdriver Adapter, an External metric's selector, the TPU memory caveat. */
export function autoscalingNotes(a: AutoscalingNoteInputs): string[] {
  // the adapter's manifest and its reader role: GKE's autoscaling how-tos (reference section 7.5, S17); the principal needs Workload
  // Identity Federation for GKE on the cluster (on by default on Autopilot); the cluster-admin step: GoogleCloudPlatform/k8s-stackdriver
  // @673c7dd8 custom-metrics-stackdriver-adapter/README.md ("On GKE, you need cluster-admin permissions on your cluster")
  const out = [`Autoscaling: the HPA reads ${a.hpaMetricName} through the Custom Metrics Stackdriver Adapter, which needs Workload Identity `
    + 'Federation for GKE on the cluster; its manifest binds cluster roles, which needs cluster-admin (the adapter\'s README: kubectl create '
    + 'clusterrolebinding cluster-admin-binding --clusterrole cluster-admin --user ACCOUNT, ACCOUNT being what gcloud config get-value account prints); '
    + 'install it with: kubectl apply -f https://raw.githubusercontent.com/GoogleCloudPlatform/k8s-stackdriver/'
    + 'master/custom-metrics-stackdriver-adapter/deploy/production/adapter_new_resource_model.yaml and grant it read access to Cloud Monitoring: '
    + 'gcloud projects add-iam-policy-binding projects/PROJECT_ID --role roles/monitoring.viewer --member principal://iam.googleapis.com/projects/'
    + 'PROJECT_NUMBER/locations/global/workloadIdentityPools/PROJECT_ID.svc.id.goog/subject/ns/custom-metrics/sa/custom-metrics-stackdriver-adapter'];
  if (a.hpaMetricSelector) {
    const labels = Object.entries(a.hpaMetricSelector).map(([k, v]) => `${k}=${v}`).join(', ');
    out.push(`Autoscaling: ${a.hpaMetricName} is an External metric selected only by ${labels}: every such series the adapter `
      + 'sees in the project counts, so keep one server of this kind per project (or per Cloud Monitoring scope).');
  }
  if (a.metric === AutoscalingMetric.TPU_MEMORY_USED) {
    // MaxText zero-fills the KV cache of every decode slot when the engine starts (MaxText/maxengine.py init_decode_state)
    out.push('Autoscaling: MaxText preallocates the KV cache of every decode slot when it starts, so memory_used stays near an idle '
      + `replica's value whatever the load: the target (${(a.targetAverageValue / 2 ** 30).toFixed(1)} GiB per replica) must come from measuring `
      + 'an idle and a saturated replica (kubectl get --raw the External metric, or Metrics Explorer); at or below the idle value the HPA '
      + `scales to maxReplicas. '${AutoscalingMetric.QUEUE_SIZE}' (jetstream_prefill_backlog_size) follows load.`);
  }
  return out;
}

/** The notes of an XLA compilation cache: its single writer's IAM binding, the readers', and running the warm-up. */
export function xlaCacheNotes(
  cache: XlaCacheLocation, name: string, namespace: string, modelBucket: CloudStorageFuseModel | undefined, jobName: string,
): string[] {
  // the Job's service account keeps the base name; the Job's own name carries a digest of its pod template
  const writer = xlaWarmupName(name);
  const out = [
    `XLA cache: ${shellQuote(cache.uri)} has a single writer, the Job ${jobName} (1 completion, 1 pod at a time; a failed compile is not retried, a pod lost to a preemption or drain is replaced); grant its service account ${writer} `
      + 'read access to the bucket and write access under the cache\'s directory only (not the model\'s weights beside it; the IAM condition '
      + `needs uniform bucket-level access on the bucket): ${bucketPrefixWriteBindingCommands(cache.bucket, cache.path, namespace, writer).join(' and ')}`,
  ];
  if (modelBucket && modelBucket.bucket !== cache.bucket) {
    out.push(`XLA cache: the Job ${jobName} also reads the model: ${bucketIamBindingCommand(modelBucket.bucket, namespace, writer, false)}`);
  }
  if (!modelBucket || modelBucket.bucket !== cache.bucket) {
    out.push(`XLA cache: the server's service account reads the cache: ${bucketIamBindingCommand(cache.bucket, namespace, name, false)}`);
  }
  out.push('XLA cache: the server\'s service account keeps roles/storage.objectViewer; each serving pod copies the shared cache (mounted '
    + 'read-only, in an init container) into its own emptyDir and vLLM writes only that copy, so replicas and HPA scale-out never write the '
    + 'shared cache (concurrent writers fail with "RuntimeError: filesystem error: cannot create directories").');
  out.push('XLA cache: run the Job once so new pods start from a compiled cache: '
    + `${['kubectl', 'wait', '--for=condition=complete', `job/${jobName}`, `--namespace=${namespace}`, '--timeout=2h'].map(shellQuote).join(' ')}. `
    + 'Its name ends in a digest of its pod template (Kubernetes refuses a changed template under an existing Job\'s name): re-applying the same '
    + 'manifests leaves a finished Job as it is, and a change of model, image, slice or server arguments is a new Job that compiles again; '
    + `delete the finished Jobs of earlier digests (label app=${writer}). Pods started before it completes compile into their own copy. `
      + 'If it failed (a compile error, or its deadline passed), re-applying leaves the failed Job: delete it '
      + `(${['kubectl', 'delete', `job/${jobName}`, `--namespace=${namespace}`].map(shellQuote).join(' ')}) and apply again.`);
  return out;
}
