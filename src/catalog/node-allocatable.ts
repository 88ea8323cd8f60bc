/**
 * What a GKE Standard node of a catalog machine type offers to pods: its allocatable CPU, memory and
 * ephemeral storage after GKE's documented reservations, less what GKE's own DaemonSets take.
 *
 * Source of the formulas: GKE, "Plan GKE Standard node sizes" (About GKE node sizing),
 * https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes, sections "Memory and CPU
 * reservations" and "Local ephemeral storage reservation":
 * - memory: 25% of the first 4 GiB, 20% of the next 4 GiB, 10% of the next 8 GiB, 6% of the next 112 GiB,
 *   2% above 128 GiB (255 MiB on machines under 1 GiB), plus the 100 MiB kubelet eviction threshold;
 * - CPU: 6% of the first core, 1% of the next core, 0.5% of the next 2 cores, 0.25% above 4 cores;
 * - ephemeral storage on the boot disk: an eviction threshold of 10% of the boot disk's file system plus a
 *   system reservation of min(50% of the boot disk, 6 GiB + 35% of it, 100 GiB), a share of the disk's size (the --disk-size),
 *   not of the smaller file system: the doc's example node reports allocatable "47060071478" bytes beside its 98831908Ki
 *   file system, 0.9 x 98831908Ki - (6 + 0.35 x 100) GiB to 151 bytes (with the file system in the reservation it would be
 *   2 GiB more, and pods sized into that gap would stay Pending);
 * - ephemeral storage on local SSD: an eviction threshold of 10% of the local SSD capacity plus a system
 *   reservation of 50 GiB for one disk, 75 GiB for two, 100 GiB for three or more.
 * The doc's own example node (100 GB boot disk) reports an ephemeral-storage capacity of 98831908Ki: the file
 * system is that share of the disk (the rest holds the OS image partitions).
 */
import { MachineTypeRecord } from './types';

const MIB = 1 / 1024;

/** GKE's default boot disk, GB (Compute Engine disk sizes are binary: GiB). */
export const DEFAULT_BOOT_DISK_GIB = 100;

/** Share of the boot disk the node's file system reports as ephemeral-storage capacity (the doc's example: 98831908Ki of 100 GiB). */
export const BOOT_DISK_FILESYSTEM_SHARE = 98831908 / (100 * 1024 * 1024);

/** One local SSD disk, GiB (Compute Engine: 375 GB disks, counted as 375 GiB by GKE's local SSD ephemeral storage). */
export const LOCAL_SSD_DISK_GIB = 375;

/**
 * Local SSD disks bundled with the machine type (Compute Engine, GPU machine types: A2 Ultra 375 GB per GPU,
 * A3 High 2 per GPU, A3 Edge/Mega 16, A3 Ultra and A4 32 (12,000 GB), A4X 12,000 GB Titanium SSD).
 * https://cloud.google.com/compute/docs/accelerator-optimized-machines
 */
const BUNDLED_LOCAL_SSDS: { readonly [machine: string]: number } = {
  'a2-ultragpu-1g': 1,
  'a2-ultragpu-2g': 2,
  'a2-ultragpu-4g': 4,
  'a2-ultragpu-8g': 8,
  'a3-highgpu-1g': 2,
  'a3-highgpu-2g': 4,
  'a3-highgpu-4g': 8,
  'a3-highgpu-8g': 16,
  'a3-edgegpu-8g': 16,
  'a3-megagpu-8g': 16,
  'a3-ultragpu-8g': 32,
  'a4-highgpu-8g': 32,
  'a4x-highgpu-4g': 32,
};

/**
 * What GKE's own DaemonSets request on a GPU or TPU node (kube-proxy, fluentbit, gke-metadata-server, netd,
 * pdcsi-node, gcsfusecsi-node, the NVIDIA device plugin and DCGM exporter or the TPU device plugin and metrics
 * exporter). Our estimate, rounded up from their requests on GKE 1.33 nodes: the doc gives no figure.
 */
export const GKE_DAEMONSET_REQUESTS = {
  cpu: 0.75,
  memoryGiB: 1,
  source: 'our estimate: the requests of GKE\'s system DaemonSets on published accelerator nodes (fluentbit-gke 105m/230Mi, gke-metadata-server '
    + '100m/100Mi, gke-metrics-agent 21m/145Mi, kube-proxy 100m, netd 8m/65Mi, ip-masq-agent 10m/16Mi, pdcsi-node 10m/20Mi, the GMP collector '
    + '5m/36M, nvidia-gpu-device-plugin 150m/80Mi: 0.51 CPU, 0.67 GiB) with DCGM exporter, Dataplane V2 (anetd) and the gcsfuse node plugin '
    + 'on top, rounded up',
};

/**
 * The share of a machine's memory the kubelet reports as the node's capacity: the kernel's MemTotal, less than the machine type's
 * memory (the kernel keeps its own, the firmware some). A published n2-standard-4 node (16 GiB) reports capacity.memory 16380004Ki
 * and allocatable 13591652Ki, which GKE's tiers reproduce to 1 MiB from that capacity, not from 16 GiB; an e2-standard-4 reports
 * 16385492Ki. GKE's reservation applies to the capacity.
 */
export const NODE_MEMORY_CAPACITY_SHARE = 16380004 / (16 * 1024 * 1024);

/** Memory GKE reserves on a node of `ramGiB`, GiB, including the 100 MiB eviction threshold. */
export function gkeReservedMemoryGiB(ramGiB: number): number {
  if (ramGiB < 1) return 255 * MIB + 100 * MIB;
  return tiered(ramGiB, [[4, 0.25], [4, 0.2], [8, 0.1], [112, 0.06], [Infinity, 0.02]]) + 100 * MIB;
}

/** CPU GKE reserves on a node of `vcpu` cores, cores. */
export function gkeReservedCpu(vcpu: number): number {
  return tiered(vcpu, [[1, 0.06], [1, 0.01], [2, 0.005], [Infinity, 0.0025]]);
}

/** GKE's reservation tables: `share` of each successive `size` of the resource (the first size first). */
function tiered(amount: number, tiers: ReadonlyArray<readonly [number, number]>): number {
  let left = amount;
  let reserved = 0;
  for (const [size, share] of tiers) {
    const part = Math.min(left, size);
    reserved += part * share;
    left -= part;
    if (left <= 0) break;
  }
  return reserved;
}

/** Allocatable ephemeral storage of a boot disk of `diskGiB`, GiB. */
export function bootDiskEphemeralGiB(diskGiB: number): number {
  const fs = diskGiB * BOOT_DISK_FILESYSTEM_SHARE;
  return fs - 0.1 * fs - Math.min(0.5 * diskGiB, 6 + 0.35 * diskGiB, 100);
}

/** Allocatable ephemeral storage on `count` local SSD disks, GiB. */
export function localSsdEphemeralGiB(count: number): number {
  if (count <= 0) return 0;
  const capacity = count * LOCAL_SSD_DISK_GIB;
  return capacity - 0.1 * capacity - (count === 1 ? 50 : count === 2 ? 75 : 100);
}

/** The smallest boot disk, whole GiB, that leaves `needGiB` of allocatable ephemeral storage (at least GKE's default). */
export function bootDiskFor(needGiB: number): number {
  let d = DEFAULT_BOOT_DISK_GIB;
  while (bootDiskEphemeralGiB(d) < needGiB) d += 10;
  return d;
}

/** Local SSD disks bundled with a machine type (0 when none). */
export function bundledLocalSsds(machine: string): number {
  return BUNDLED_LOCAL_SSDS[machine] ?? 0;
}

/**
 * Whether GKE puts the node's ephemeral storage on the bundled local SSD without a node-pool flag:
 * "A3 and newer set it up automatically" (GKE, Manually optimize Cloud Storage FUSE CSI driver for performance,
 * file-cache medium). A2 Ultra bundles local SSD too, but GKE documents no automatic setup for it: its node
 * pool needs `--ephemeral-storage-local-ssd count=N` (GKE, Provision and use Local SSD-backed ephemeral storage).
 */
export function localSsdEphemeralAutomatic(machine: string): boolean {
  return bundledLocalSsds(machine) > 0 && /^(a3|a4|a4x)-/.test(machine);
}

/** What a node offers to one pod. */
export interface NodeAllocatable {
  readonly machineType: string;
  /** Cores a pod may request: allocatable less GKE's DaemonSets. */
  readonly cpu: number;
  /** GiB a pod may request: allocatable less GKE's DaemonSets. */
  readonly memoryGiB: number;
  /** GiB of ephemeral storage a pod may request. */
  readonly ephemeralStorageGiB: number;
  /** Where the ephemeral storage is. */
  readonly ephemeralStorageOn: 'boot-disk' | 'local-ssd';
  readonly bootDiskGiB: number;
  /** Local SSD disks backing ephemeral storage (0 when it is on the boot disk). */
  readonly localSsdCount: number;
  /** One line on how each figure was derived. */
  readonly explanation: string[];
}

/**
 * The node a pod sees, for a machine type with a boot disk of `bootDiskGiB` and, when `localSsdEphemeral`,
 * ephemeral storage on its bundled local SSD.
 */
export function nodeAllocatable(
  machine: MachineTypeRecord, bootDiskGiB: number = DEFAULT_BOOT_DISK_GIB, localSsdEphemeral?: boolean,
): NodeAllocatable {
  const ssds = bundledLocalSsds(machine.name);
  const onSsd = (localSsdEphemeral ?? localSsdEphemeralAutomatic(machine.name)) && ssds > 0;
  const capacity = machine.ramGb * NODE_MEMORY_CAPACITY_SHARE;
  const memReserved = gkeReservedMemoryGiB(capacity);
  const cpuReserved = gkeReservedCpu(machine.vcpu);
  const D = GKE_DAEMONSET_REQUESTS;
  const ephemeral = onSsd ? localSsdEphemeralGiB(ssds) : bootDiskEphemeralGiB(bootDiskGiB);
  return {
    machineType: machine.name,
    cpu: machine.vcpu - cpuReserved - D.cpu,
    memoryGiB: capacity - memReserved - D.memoryGiB,
    ephemeralStorageGiB: ephemeral,
    ephemeralStorageOn: onSsd ? 'local-ssd' : 'boot-disk',
    bootDiskGiB,
    localSsdCount: onSsd ? ssds : 0,
    explanation: [
      `cpu ${(machine.vcpu - cpuReserved - D.cpu).toFixed(2)}: ${machine.vcpu} vCPU less GKE's ${cpuReserved.toFixed(3)} reserved and ${D.cpu} for its DaemonSets`,
      `memory ${(capacity - memReserved - D.memoryGiB).toFixed(1)} GiB: the node's capacity (${capacity.toFixed(1)} of the machine's ${machine.ramGb} GiB, the `
        + `kernel's MemTotal) less GKE's ${memReserved.toFixed(2)} GiB reserved `
        + `(with the 100 MiB eviction threshold) and ${D.memoryGiB} GiB for its DaemonSets`,
      onSsd
        ? `ephemeral storage ${ephemeral.toFixed(1)} GiB on ${ssds} local SSD (${ssds * LOCAL_SSD_DISK_GIB} GiB less 10% eviction and GKE's system reservation)`
        : `ephemeral storage ${ephemeral.toFixed(1)} GiB on a ${bootDiskGiB} GB boot disk `
          + '(its file system less 10% eviction and GKE\'s system reservation)',
    ],
  };
}
