import { Capacity, ResolvedNodePool } from './resolution';
import { FLEX_START_MINIMUM_GKE_VERSION } from '../catalog/consumption-options';
import { architectureSelector, machineArchitecture } from '../catalog/machine-architecture';
import { DEFAULT_BOOT_DISK_GIB, bootDiskFor, bundledLocalSsds, nodeAllocatable } from '../catalog/node-allocatable';
import { AcceleratorRecord, MachineTypeRecord, PricingModelName } from '../catalog/types';
import { LOCAL_CACHE_GIB, hasLocalSsd } from '../storage/cache-media';
import { checkOptionalEnum } from '../util/input';
import { shellQuote } from '../util/shell-quote';

/**
 * Node labels GKE sets and pods select, per capacity. Sources: GKE "Spot VMs" (cloud.google.com/gke-spot, the
 * cloud.google.com/gke-spot=true:NoSchedule taint on auto-provisioned Spot nodes, and the 30 s after a preemption
 * notice of which pods get the first 15 s), "Consuming reserved zonal resources" (cloud.google.com/reservation-name,
 * cloud.google.com/reservation-affinity), "About GPU obtainability with flex-start" (cloud.google.com/gke-flex-start). Google's own
 * B200 serving and fine-tuning samples select reserved nodes the same way (nodeSelector cloud.google.com/reservation-name:
 * $RESERVATION and cloud.google.com/reservation-affinity: "specific", beside cloud.google.com/gke-accelerator).
 */
export const CapacityLabels = {
  SPOT: 'cloud.google.com/gke-spot',
  RESERVATION_NAME: 'cloud.google.com/reservation-name',
  RESERVATION_AFFINITY: 'cloud.google.com/reservation-affinity',
  FLEX_START: 'cloud.google.com/gke-flex-start',
} as const;

/**
 * Seconds GKE gives non-system pods to stop after a Spot preemption notice on a Standard node pool: the first 15 s of the 30 s the
 * VM gets, the rest going to system pods (GKE "About Spot VMs", graceful termination; node system configuration can lengthen it on
 * GKE 1.35.0-gke.1171000 and later).
 */
export const SPOT_POD_GRACE_SECONDS = 15;
/**
 * Seconds an Autopilot Spot Pod gets after a preemption notice: "Spot Pods can request a termination grace period of up to 25 seconds"
 * (GKE "Run fault-tolerant workloads at lower costs in Spot Pods").
 */
export const AUTOPILOT_SPOT_POD_GRACE_SECONDS = 25;

/** The sidecar ephemeral-storage request the Cloud Storage FUSE webhook adds with a `"0"` limit: its default, 5Gi (cmd/webhook/main.go). */
export const GCSFUSE_SIDECAR_EPHEMERAL_REQUEST_GIB = 5;

const GPU_DRIVER_VERSION = 'latest';
/** The node label of the driver GKE installed (the pods' selector on Autopilot). */
export const GPU_DRIVER_VERSION_LABEL = 'cloud.google.com/gke-gpu-driver-version';

/** The capacity and pricing model a request resolves to, checked against each other. */
export function capacityOf(capacity: Capacity | undefined, pricingModel: PricingModelName | undefined, reservationName: string | undefined):
{ capacity: Capacity; pricingModel: PricingModelName; reservationName?: string } {
  checkOptionalEnum('capacity', capacity, Capacity, 'Capacity');
  const c = capacity ?? (pricingModel !== undefined && pricingModel !== 'spot' ? Capacity.ON_DEMAND : Capacity.SPOT);
  if (c === Capacity.SPOT && pricingModel !== undefined && pricingModel !== 'spot') {
    throw new Error(`'pricingModel' ${pricingModel} does not price Spot capacity: with 'capacity' Capacity.SPOT leave 'pricingModel' unset or set it to `
      + 'PricingModel.SPOT, or choose Capacity.ON_DEMAND or Capacity.RESERVATION for on-demand or committed-use prices.');
  }
  if (c !== Capacity.SPOT && pricingModel === 'spot') {
    throw new Error(`'pricingModel' spot prices Spot VMs, but 'capacity' is ${c}: set 'capacity' to Capacity.SPOT, or 'pricingModel' to `
      + 'on-demand or a committed-use discount.');
  }
  // flex-start VMs bill Dynamic Workload Scheduler prices, not a commitment's: "committed-use discounts apply to on-demand and reserved
  // capacity" (see ResolveRequest.capacity)
  if (c === Capacity.FLEX_START && pricingModel !== undefined && pricingModel !== 'on-demand') {
    throw new Error(`'pricingModel' ${pricingModel} does not price flex-start capacity, which bills Dynamic Workload Scheduler prices: with 'capacity' `
      + 'Capacity.FLEX_START leave \'pricingModel\' unset (the on-demand rate, an upper bound), or choose Capacity.ON_DEMAND or Capacity.RESERVATION '
      + 'for committed-use prices.');
  }
  if (c === Capacity.RESERVATION) {
    if (typeof reservationName !== 'string' || !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(reservationName)) {
      throw new Error('\'reservationName\' must name the Compute Engine reservation to consume with \'capacity\' Capacity.RESERVATION '
        + `(lower-case letters, digits and '-', at most 63), got ${reservationName === undefined ? 'none' : JSON.stringify(reservationName)}.`);
    }
  } else if (reservationName !== undefined) {
    throw new Error(`'reservationName' is only used with 'capacity' Capacity.RESERVATION, but 'capacity' is ${c}: remove it or set 'capacity'.`);
  }
  const pm: PricingModelName = pricingModel ?? (c === Capacity.SPOT ? 'spot' : 'on-demand');
  return { capacity: c, pricingModel: pm, reservationName: c === Capacity.RESERVATION ? reservationName : undefined };
}

/** What the node pool needs to know about the server. */
export interface NodePoolInput {
  readonly machine: MachineTypeRecord;
  readonly accelerator: AcceleratorRecord;
  readonly acceleratorsPerNode: number;
  readonly nodesPerReplica: number;
  /** Server pods one node holds (packing), default 1. */
  readonly podsPerNode?: number;
  readonly tpuTopology?: string;
  /** Ephemeral storage the server pod asks for, GiB (the main containers). */
  readonly podEphemeralStorageGiB: number;
  /** Whether the pod mounts a bucket through Cloud Storage FUSE (its sidecar asks for ephemeral storage too). */
  readonly cloudStorageFuse: boolean;
  /**
   * Whether the server may keep an XLA compilation cache (vLLM on TPU): its pods then mount the cache bucket through Cloud Storage
   * FUSE and keep a private copy of it. JetStream reads its checkpoint from Cloud Storage itself and has none.
   * @default false
   */
  readonly xlaCache?: boolean;
  readonly capacity: Capacity;
  readonly reservationName?: string;
  /**
   * Whether the pods run on GKE Autopilot (a Spot preemption then gives them 25 s rather than 15 s).
   * @default false
   */
  readonly autopilot?: boolean;
}

/** The node labels a server's pods select for their capacity. */
export function capacitySelector(capacity: Capacity, reservationName: string | undefined): { [key: string]: string } {
  switch (capacity) {
    case Capacity.SPOT: return { [CapacityLabels.SPOT]: 'true' };
    case Capacity.RESERVATION: return { [CapacityLabels.RESERVATION_NAME]: reservationName!, [CapacityLabels.RESERVATION_AFFINITY]: 'specific' };
    case Capacity.FLEX_START: return { [CapacityLabels.FLEX_START]: 'true' };
    default: return {};
  }
}

/** The node pool a server needs, with the command that creates it. */
export function planNodePool(input: NodePoolInput): ResolvedNodePool {
  const { machine, accelerator } = input;
  const tpu = accelerator.family === 'tpu';
  // ephemeral storage: local SSD where the machine has it (A2 Ultra through the node-pool flag), else a boot disk sized from the need
  const onSsd = hasLocalSsd(machine) && bundledLocalSsds(machine.name) > 0;
  // a Cloud Storage FUSE mount brings the sidecar's ephemeral request: the model bucket, or the XLA cache bucket of a vLLM TPU
  // server, whose serving pods also keep a private copy of the cache (xla-cache.ts)
  const xlaCache = input.xlaCache === true;
  const fuse = input.cloudStorageFuse || xlaCache;
  const pods = input.podsPerNode ?? 1;
  // every pod a node holds asks for its ephemeral storage
  const need = pods * (input.podEphemeralStorageGiB + (fuse ? GCSFUSE_SIDECAR_EPHEMERAL_REQUEST_GIB + 1 : 0) + (xlaCache ? LOCAL_CACHE_GIB : 0));
  const disk = onSsd ? DEFAULT_BOOT_DISK_GIB : bootDiskFor(need);
  const node = nodeAllocatable(machine, disk, onSsd);
  // the flag on every machine with bundled local SSD: GKE says A3 and newer set it up on their own, and Google's A3 node-pool
  // commands pass it anyway (--ephemeral-storage-local-ssd=count=16 on a3-highgpu-8g and a3-megagpu-8g); the API counts an unset
  // count as the machine's bundled disks only inside that config (EphemeralStorageLocalSsdConfig.local_ssd_count), so naming the
  // count leaves nothing to a default
  const flagSsds = onSsd ? bundledLocalSsds(machine.name) : 0;
  const acceleratorSelector: { [key: string]: string } = tpu
    ? { [accelerator.labelKey]: accelerator.gkeLabel, 'cloud.google.com/gke-tpu-topology': input.tpuTopology! }
    // a packed node's pods each request fewer GPUs than the node has: the count label (equal to a pod's GPUs) is left out
    : pods > 1 ? { [accelerator.labelKey]: accelerator.gkeLabel }
      : { [accelerator.labelKey]: accelerator.gkeLabel, 'cloud.google.com/gke-accelerator-count': String(input.acceleratorsPerNode) };
  // on Arm machines (A4X's Grace CPUs) the pods select the architecture, which also gets them GKE's toleration of its Arm taint
  const nodeSelector = {
    ...acceleratorSelector,
    // Autopilot has no node pool to name the driver on: the pods select it, as Google's vLLM samples for Autopilot and Standard
    // do (GoogleCloudPlatform/kubernetes-engine-samples ai-ml/llm-serving-gemma/vllm/*.yaml: cloud.google.com/gke-gpu-driver-version:
    // latest); without it Autopilot installs the version's default driver, older than current vLLM images' CUDA builds need
    // (vllm-project/vllm#31700: "the provided PTX was compiled with an unsupported toolchain" on driver 550)
    ...(input.autopilot && !tpu ? { [GPU_DRIVER_VERSION_LABEL]: GPU_DRIVER_VERSION } : {}),
    ...architectureSelector(machine.name),
    ...capacitySelector(input.capacity, input.reservationName),
  };

  const gcloudCommand = nodePoolCommand({
    machineType: machine.name,
    acceleratorType: accelerator.gkeLabel,
    acceleratorsPerNode: input.acceleratorsPerNode,
    tpuTopology: tpu ? input.tpuTopology : undefined,
    bootDiskSizeGb: disk,
    localSsdCount: flagSsds,
    nodesPerReplica: input.nodesPerReplica,
    capacity: input.capacity,
    reservationName: input.reservationName,
  }, { initialNodes: input.nodesPerReplica });

  const spotGrace = input.autopilot ? AUTOPILOT_SPOT_POD_GRACE_SECONDS : SPOT_POD_GRACE_SECONDS;
  const explanation = [
    `${machine.name}: ${input.acceleratorsPerNode} x ${accelerator.gkeLabel} per node`
      + (input.nodesPerReplica > 1 ? `, ${input.nodesPerReplica} nodes per replica` : '') + (tpu ? `, TPU topology ${input.tpuTopology}` : '')
      + (pods > 1 ? `; each node holds ${pods} server pods of ${input.acceleratorsPerNode / pods} x ${accelerator.gkeLabel} (packing): `
        + `--num-nodes ${input.capacity === Capacity.FLEX_START ? 0 : input.nodesPerReplica} starts room for ${pods} replicas, and the cluster autoscaler `
        + `adds a node when a pod finds no free ${accelerator.gkeLabel}` : ''),
    input.autopilot
      // Autopilot provisions the node from the pods' requests: no disk size or local SSD flag is the user's to set
      ? `ephemeral storage: ${pods > 1 ? `the ${pods} pods request` : 'the pod requests'} ${need.toFixed(0)} GiB, which Autopilot provisions the node's `
        + 'disk for (the boot disk and local SSD flags of a Standard node pool do not apply)'
      : onSsd
        ? `ephemeral storage on ${bundledLocalSsds(machine.name)} local SSD (--ephemeral-storage-local-ssd count=${flagSsds}, the machine's bundled disks)`
        : `boot disk ${disk} GB: GKE leaves ${node.ephemeralStorageGiB.toFixed(1)} GiB of it allocatable, for ${pods > 1 ? `the ${pods} pods'` : 'the pod\'s'} ${need.toFixed(0)} GiB`
        + (fuse ? ` (with the Cloud Storage FUSE sidecar's ${GCSFUSE_SIDECAR_EPHEMERAL_REQUEST_GIB} GiB default request`
          + `${xlaCache ? ` and ${LOCAL_CACHE_GIB} GiB for a copy of the XLA compilation cache, room kept for a vLLM TPU server's cache` : ''})` : ''),
    ...node.explanation,
    ...(input.autopilot && !tpu ? [`GPU driver: the pods select ${GPU_DRIVER_VERSION_LABEL}=${GPU_DRIVER_VERSION} (on Autopilot the pod chooses it; `
      + 'without the selector GKE installs its default driver)'] : []),
    ...(machineArchitecture(machine.name) === 'arm64'
      ? ['Arm CPUs: pods select kubernetes.io/arch=arm64, for which GKE adds the toleration of the kubernetes.io/arch=arm64:NoSchedule taint it puts on every Arm node; the server image must include linux/arm64']
      : []),
    {
      [Capacity.SPOT]: `Spot VMs: pods select cloud.google.com/gke-spot and stop within the ${spotGrace} s GKE gives them after a preemption notice`
        + (input.autopilot ? ' on Autopilot' : ''),
      [Capacity.ON_DEMAND]: 'on-demand VMs',
      [Capacity.RESERVATION]: `the reservation ${input.reservationName}: pods select it by name (cloud.google.com/reservation-name)`,
      [Capacity.FLEX_START]: 'flex-start VMs (Dynamic Workload Scheduler): scaled from zero, each kept at most 7 days; GKE provisions them for '
        + `${tpu ? 'TPUs' : 'GPUs'} from ${FLEX_START_MINIMUM_GKE_VERSION[tpu ? 'tpu' : 'gpu']}`,
    }[input.capacity],
  ];
  return {
    machineType: machine.name,
    acceleratorType: accelerator.gkeLabel,
    acceleratorsPerNode: input.acceleratorsPerNode,
    ...(pods > 1 ? { podsPerNode: pods } : {}),
    gpuDriverVersion: tpu ? undefined : GPU_DRIVER_VERSION,
    tpuTopology: tpu ? input.tpuTopology : undefined,
    nodesPerReplica: input.nodesPerReplica,
    bootDiskSizeGb: disk,
    localSsdCount: flagSsds,
    ephemeralStorageOn: node.ephemeralStorageOn,
    capacity: input.capacity,
    reservationName: input.reservationName,
    ...(input.capacity === Capacity.SPOT ? { spotPreemptionGraceSeconds: spotGrace } : {}),
    allocatableCpu: Math.floor(node.cpu * 1000) / 1000,
    allocatableMemoryGiB: Math.floor(node.memoryGiB * 100) / 100,
    allocatableEphemeralStorageGiB: Math.floor(node.ephemeralStorageGiB * 100) / 100,
    nodeSelector,
    gcloudCommand,
    explanation,
  };
}

/**
 * What Spot capacity adds to a pod spec: the toleration of GKE's Spot taint. (A preemption gives the pods 15 s, 25 s on Autopilot,
 * whatever their grace period, `ResolvedNodePool.spotPreemptionGraceSeconds`; their grace period is for scale-in and rollouts, see
 * server/termination.ts.)
 */
export function capacityPodSpec(pool: ResolvedNodePool): {
  tolerations?: Array<{ key: string; operator: string; value: string; effect: string }>;
} {
  if (pool.capacity !== Capacity.SPOT) return {};
  return { tolerations: [{ key: CapacityLabels.SPOT, operator: 'Equal', value: 'true', effect: 'NoSchedule' }] };
}

/** How many nodes a node pool starts with and, when an HPA scales the server, the bounds the cluster autoscaler keeps. */
export interface NodePoolSize {
  /** Nodes created with the pool (`--num-nodes`; flex-start pools start at 0 and scale up). */
  readonly initialNodes: number;
  /** The cluster autoscaler's bounds (`--enable-autoscaling --total-min-nodes --total-max-nodes`); absent: a fixed-size pool. */
  readonly minNodes?: number;
  readonly maxNodes?: number;
}

/** What the node-pool command is built from: a resolved pool's own fields. */
export type NodePoolShape = Pick<ResolvedNodePool, 'machineType' | 'acceleratorType' | 'acceleratorsPerNode' | 'tpuTopology' | 'bootDiskSizeGb'
| 'localSsdCount' | 'nodesPerReplica' | 'capacity' | 'reservationName'>;

/**
 * The `gcloud container node-pools create` command of a pool, every value shell-quoted (NODE_POOL_NAME, CLUSTER_NAME and LOCATION
 * to fill in), sized to `size`. gcloud: `--total-min-nodes` / `--total-max-nodes` bound the whole pool (all zones) for the
 * cluster autoscaler; flex-start pools scale from zero (GKE, "About GPU obtainability with flex-start").
 */
export function nodePoolCommand(pool: NodePoolShape, size: NodePoolSize): string {
  const q = shellQuote;
  const tpu = pool.tpuTopology !== undefined;
  const flags: string[] = ['--cluster CLUSTER_NAME', '--location LOCATION', `--machine-type ${q(pool.machineType)}`];
  if (tpu) {
    // a single-host slice takes its topology from the machine type: GKE refuses the flag ("TPU topology can't be specified with
    // single-host TPU slice pool", quoted in AI-Hypercomputer/xpk #822, whose nodepool.py sets it only when a slice spans VMs), and
    // Google's single-host tutorials pass none (ai-on-gke jetstream/maxtext/single-host-inference: ct5lp-hightpu-8t alone); the
    // node is still labelled cloud.google.com/gke-tpu-topology, which the pods select
    if (pool.nodesPerReplica > 1) flags.push(`--tpu-topology ${q(pool.tpuTopology!)}`);
  } else {
    flags.push(`--accelerator ${q(`type=${pool.acceleratorType},count=${pool.acceleratorsPerNode},gpu-driver-version=${GPU_DRIVER_VERSION}`)}`);
  }
  if (pool.bootDiskSizeGb !== DEFAULT_BOOT_DISK_GIB) flags.push(`--disk-size ${q(String(pool.bootDiskSizeGb))}`);
  if (pool.localSsdCount > 0) flags.push(`--ephemeral-storage-local-ssd ${q(`count=${pool.localSsdCount}`)}`);
  if (!tpu && pool.nodesPerReplica > 1) flags.push('--placement-type COMPACT');
  // a multi-host TPU slice is served by JetStream with Pathways only (vLLM on TPU is single-host here), whose workers authenticate
  // as the node's service account: Google's recipes create the pool with GCE_METADATA, write-capable scopes (the default
  // gke-default scopes read Cloud Storage only, and Pathways writes its scratch location) and compact placement
  // (GKE "Serve LLMs using multi-host TPUs on GKE with JetStream and Pathways"; AI-Hypercomputer/tpu-recipes JetStream-MaxText
  // NODE_POOL_ARGUMENTS "--scopes cloud-platform --workload-metadata=GCE_METADATA --placement-type=COMPACT")
  if (tpu && pool.nodesPerReplica > 1) flags.push('--placement-type COMPACT', '--workload-metadata GCE_METADATA', '--scopes cloud-platform');
  const maxNodes = size.maxNodes ?? size.initialNodes;
  switch (pool.capacity) {
    case Capacity.SPOT: flags.push('--spot'); break;
    case Capacity.RESERVATION: flags.push('--reservation-affinity specific', `--reservation ${q(pool.reservationName!)}`); break;
    case Capacity.FLEX_START:
      flags.push('--flex-start', '--enable-autoscaling', '--total-min-nodes 0', `--total-max-nodes ${q(String(maxNodes))}`,
        '--location-policy ANY', '--reservation-affinity none', '--no-enable-autorepair');
      break;
    default: break;
  }
  if (pool.capacity !== Capacity.FLEX_START && size.maxNodes !== undefined) {
    flags.push('--enable-autoscaling', `--total-min-nodes ${q(String(size.minNodes ?? size.initialNodes))}`, `--total-max-nodes ${q(String(size.maxNodes))}`);
  }
  flags.push(`--num-nodes ${q(String(pool.capacity === Capacity.FLEX_START ? 0 : size.initialNodes))}`);
  return `gcloud container node-pools create NODE_POOL_NAME ${flags.join(' ')}`;
}

/** Nodes that hold `replicas` server replicas: packed `podsPerNode` to a node, each spanning `nodesPerReplica`. */
export function nodesForReplicas(pool: Pick<ResolvedNodePool, 'podsPerNode' | 'nodesPerReplica'>, replicas: number): number {
  return Math.ceil(replicas / (pool.podsPerNode ?? 1)) * pool.nodesPerReplica;
}

/**
 * What the cost figures' price is, in words: the pricing model, or for flex-start the on-demand rate as an upper bound. GKE,
 * "About flex-start provisioning mode": flex-start is billed at Dynamic Workload Scheduler pricing, "discounts (up to 53%) on vCPU,
 * GPU and TPU"; Compute Engine, "About Flex-start VMs": A4, A3 and A2 machines at a discounted price. The catalog has no DWS prices.
 */
export function priceLabel(pricingModel: string, capacity: Capacity, machineType: string): string {
  const series = machineType.split('-')[0];
  if (capacity === Capacity.FLEX_START) {
    // "For A4, A3, A2, and H4D machine types, you obtain vCPUs, memory, and any attached GPUs at a discounted price" (Compute
    // Engine, "About flex-start VMs", https://cloud.google.com/compute/docs/instances/about-flex-start-vms): other series bill
    // flex-start at their on-demand rate
    // TPU VMs (ct5lp, ct6e, ...) get flex-start's own, discounted price too (Cloud TPU, "Request Cloud TPUs using Flex-start")
    return DWS_DISCOUNTED_SERIES.includes(series) || machineType.startsWith('ct')
      ? `${pricingModel} rate, an upper bound for flex-start, whose Dynamic Workload Scheduler prices on ${series.toUpperCase()} are lower (up to 53% on GPUs)`
      : `${pricingModel} rate, which flex-start bills on ${series.toUpperCase()} (Dynamic Workload Scheduler discounts A2, A3 and A4 only)`;
  }
  if (capacity === Capacity.RESERVATION && pricingModel === 'on-demand' && RESERVATION_BOUND.some((p) => machineType.startsWith(p))) {
    // TPUs: "You can only use a reservation for TPUs if you have a committed use discount (CUD)" (Cloud TPU, "Consumption
    // options"); A3 Ultra, A4 and A4X: reservation-bound VMs from a future reservation in calendar mode (Dynamic Workload
    // Scheduler prices, "up to 53%" off) or with a resource-based commitment (Compute Engine, "About reservation-bound VMs";
    // Cluster Director, "Choose a consumption option")
    return 'on-demand rate, an upper bound: reservations of this machine bill at a committed-use or calendar-mode (Dynamic Workload Scheduler) rate';
  }
  return pricingModel;
}

/** Machine series whose flex-start VMs bill Dynamic Workload Scheduler's discounted prices. */
const DWS_DISCOUNTED_SERIES = ['a2', 'a3', 'a4', 'h4d'];
/** Machine types reserved only with a commitment or in calendar mode: TPU VMs, A3 Ultra, A4 and A4X. */
const RESERVATION_BOUND = ['ct', 'a3-ultragpu', 'a4-', 'a4x-'];
