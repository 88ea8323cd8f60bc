import { hubDownloadGiB, weightsGiB } from './model-loading';
import { CacheMedium, ResolvedModelLoading, ResolvedPodResources } from './resolution';
import { Catalog } from '../catalog/catalog';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';
import { LoraSlots, MachineTypeRecord, ModelRecord } from '../catalog/types';
import { ProfileCurve } from '../performance/curve';
import { byCodePoint } from '../util/compare';

const GIB = 1024 ** 3;
const GB = 1e9;

/** Host memory one server pod needs; on a multi-host replica each of the `nodes` pods loads a 1/`nodes` share of the weights. */
export function hostMemoryNeedGiB(model: ModelRecord, shmGiB: number, nodes: number = 1): number {
  const loader = (model.checkpointWeightsGb * GB * SERVING_CONSTANTS.hostMemoryPerWeightByte.value) / GIB / nodes;
  return Math.ceil(loader + SERVING_CONSTANTS.hostMemoryBaseGiB.value + shmGiB);
}

export function sharedMemoryGiB(tensorParallelSize: number): number {
  return Math.min(16, SERVING_CONSTANTS.sharedMemoryGiBPerRank.value * tensorParallelSize);
}

/** Nodes of a curve's replica (its pipeline-parallel size, or the hosts of a multi-host TPU slice) and accelerators per node. */
export function nodesOf(curve: ProfileCurve): { nodes: number; perNode: number } {
  const nodes = curve.pipelineParallelSize ?? curve.tpuHosts ?? 1;
  return { nodes, perNode: curve.acceleratorCount / nodes };
}

/**
 * Server pods one node holds: on a single-node GPU replica whose machine carries more GPUs than the replica's
 * tensor-parallel size (packing, see `packedTensorParallelSizes`), floor(GPUs per machine / tensor-parallel size); else 1.
 */
export function podsPerNodeOf(machine: MachineTypeRecord, curve: ProfileCurve): number {
  const { nodes, perNode } = nodesOf(curve);
  if (nodes > 1 || machine.accelerator.startsWith('tpu') || machine.acceleratorsPerVm === undefined || machine.acceleratorsPerVm <= perNode) return 1;
  return Math.floor(machine.acceleratorsPerVm / perNode);
}

/** The share of a node's memory a pod may request, GiB: the allocatable share of the machine, split between the pods it holds. */
export function podMemoryCapGiB(machine: MachineTypeRecord, podsPerNode: number): number {
  return Math.floor((machine.ramGb * SERVING_CONSTANTS.nodeAllocatableShare.value) / podsPerNode);
}

/**
 * The measured machine type, or the smallest one with the accelerator count (per node, on a multi-host
 * replica) whose memory holds the loader and, with `ramCacheGiBOn`, the memory-backed model cache the loading plan puts on that
 * machine; when no machine type carries exactly that count (a GPU sold only as 8-GPU machines), the smallest one whose GPUs it
 * divides, which then holds several replicas (`podsPerNodeOf`).
 */
export function chooseMachine(
  catalog: Catalog, curve: ProfileCurve, model: ModelRecord, ramCacheGiBOn?: (machine: MachineTypeRecord) => number,
): MachineTypeRecord | undefined {
  if (curve.instanceType) return catalog.machineTypes.find((m) => m.name === curve.instanceType);
  const { nodes, perNode } = nodesOf(curve);
  const exact = catalog.machineTypesFor(curve.acceleratorType, perNode);
  const machines = exact.length > 0 || nodes > 1 ? exact : catalog.machineTypes
    .filter((m) => m.accelerator === curve.acceleratorType && m.acceleratorsPerVm !== undefined && m.acceleratorsPerVm > perNode
      && m.acceleratorsPerVm % perNode === 0)
    .sort((a, b) => a.acceleratorsPerVm! - b.acceleratorsPerVm! || a.vcpu - b.vcpu || a.ramGb - b.ramGb || byCodePoint(a.name, b.name));
  const need = hostMemoryNeedGiB(model, sharedMemoryGiB(perNode), nodes);
  // with a memory-backed model cache (the Cloud Storage FUSE file cache where a machine has no local SSD), the smallest machine
  // that holds it too: one L4 comes on g2-standard-4 to -32, and a bigger one costs less than a second GPU
  return machines.find((m) => podMemoryCapGiB(m, podsPerNodeOf(m, curve)) >= need + (ramCacheGiBOn?.(m) ?? 0)) ?? machines[machines.length - 1];
}

/** Host memory of one pod: what the loader, /dev/shm, a memory-backed model cache and LoRA adapters need, against what the node offers. */
export interface HostMemoryFit {
  /** Memory-backed cache (HF_HOME or the FUSE file cache), GiB; 0 when the cache is on disk. */
  readonly ramCacheGiB: number;
  /** LoRA adapters in vLLM's CPU cache, one copy per tensor-parallel worker of the pod, GiB; 0 without adapters. */
  readonly loraAdaptersGiB: number;
  readonly needGiB: number;
  /** The share of the machine's memory a pod may request, GiB. */
  readonly capGiB: number;
  /**
   * False only when a memory-backed cache does not fit next to the loader, or LoRA adapters do not fit once the server runs (vLLM
   * loads them after the weights, so they need not fit next to the loader's peak).
   */
  readonly fits: boolean;
}

/** Host memory of the LoRA adapters a pod of `perNode` tensor-parallel workers keeps (each worker its own copy), GiB. */
export function loraHostMemoryGiB(lora: LoraSlots | undefined, perNode: number): number {
  return Math.ceil((perNode * (lora?.hostBytesPerWorker ?? 0)) / GIB);
}

export function hostMemoryFit(
  model: ModelRecord, machine: MachineTypeRecord, perNode: number, nodes: number, loading: ResolvedModelLoading, podsPerNode: number = 1,
  lora?: LoraSlots,
): HostMemoryFit {
  // memory-backed caches (HF_HOME or the FUSE file cache) are charged to the pod's memory
  const ramCacheGiB = loading.huggingFaceHomeMedium === CacheMedium.MEMORY ? loading.huggingFaceHomeSizeGiB ?? 0
    : loading.fileCacheMedium === CacheMedium.MEMORY ? loading.fileCacheSizeGiB ?? 0 : 0;
  const loraAdaptersGiB = loraHostMemoryGiB(lora, perNode);
  const shm = sharedMemoryGiB(perNode);
  const loaderGiB = hostMemoryNeedGiB(model, shm, nodes);
  const needGiB = loaderGiB + ramCacheGiB + loraAdaptersGiB;
  const capGiB = podMemoryCapGiB(machine, podsPerNode);
  const running = SERVING_CONSTANTS.hostMemoryBaseGiB.value + shm + ramCacheGiB + loraAdaptersGiB;
  const fits = (ramCacheGiB === 0 || loaderGiB + ramCacheGiB <= capGiB) && (loraAdaptersGiB === 0 || running <= capGiB);
  return { ramCacheGiB, loraAdaptersGiB, needGiB, capGiB, fits };
}

export function podResources(
  model: ModelRecord, machine: MachineTypeRecord, tp: number, loading: ResolvedModelLoading, nodes: number = 1, podsPerNode: number = 1,
  lora?: LoraSlots,
): ResolvedPodResources {
  const C = SERVING_CONSTANTS;
  const share = C.nodeAllocatableShare.value;
  const shm = sharedMemoryGiB(tp);
  // a packed node's pods split its share: together they fit what the node offers (the gke/node-fit rule checks the sum)
  const cpu = Math.max(1, Math.min(Math.floor((machine.vcpu * share) / podsPerNode), C.cpuPerAccelerator.value * tp));
  const { ramCacheGiB: ramCache, loraAdaptersGiB: adapters, needGiB: need, capGiB: nodeCap, fits } = hostMemoryFit(
    model, machine, tp, nodes, loading, podsPerNode, lora);
  const ofMachine = podsPerNode > 1 ? `1/${podsPerNode} of ${share * 100}% of the machine's` : `${share * 100}% of the machine's`;
  if (!fits) {
    throw new Error(`${model.id} on ${machine.name}: ${hostExtras(ramCache, adapters)} plus the loader needs ${need} GiB, `
      + `more than ${ofMachine} ${machine.ramGb} GB. Choose another 'acceleratorType' (a machine with more memory or local SSD).`);
  }
  const memoryGiB = Math.min(need, nodeCap);
  const w = weightsGiB(model);
  const download = hubDownloadGiB(model);
  const downloadsToDisk = loading.huggingFaceHomeMedium === CacheMedium.BOOT_DISK || loading.huggingFaceHomeMedium === CacheMedium.LOCAL_SSD;
  const adapterDownload = downloadsToDisk ? loading.loraDownloadGiB ?? 0 : 0;
  const ephemeralStorageGiB = Math.ceil((downloadsToDisk ? download : 0) + adapterDownload + C.ephemeralStorageMarginGiB.value);
  // TPUs: the first XLA compile (10-30 min) runs while the shared cache may still be empty; a multi-host Pathways slice gets
  // the few hours Google's tutorial allows
  const tpu = machine.accelerator.startsWith('tpu');
  const coldCompile = tpu ? C.xlaColdCompileSeconds.value : 0;
  const derived = Math.ceil((loading.estimatedLoadSeconds * C.startupBudgetSafetyFactor.value + coldCompile) / 60) * 60;
  const startupBudgetSeconds = tpu && nodes > 1 ? Math.max(derived, C.pathwaysStartupSeconds.value) : derived;
  const explanation = [
    `cpu ${cpu}: ${C.cpuPerAccelerator.value} per accelerator x ${tp}, at most ${podsPerNode > 1 ? `1/${podsPerNode} (the pods a node holds) of ` : ''}`
      + `${share * 100}% of ${machine.name}'s ${machine.vcpu} vCPU`,
    `memory ${memoryGiB}Gi: ${C.hostMemoryPerWeightByte.value} x ${w.toFixed(1)} GiB of weights${nodes > 1 ? ` / ${nodes} nodes (each holds its share)` : ''} + ${C.hostMemoryBaseGiB.value} GiB base + ${shm} GiB /dev/shm`
      + (ramCache ? ` + ${ramCache} GiB memory-backed model cache` : '')
      + (adapters ? ` + ${adapters} GiB of LoRA adapters (vLLM's CPU adapter cache: each of the ${tp} tensor-parallel workers keeps every adapter `
        + 'whole in pinned host memory, bounded on every linear module)' : '')
      + (need > nodeCap ? `, capped at ${ofMachine} ${machine.ramGb} GB (needs ${need} GiB: loading may be tight)` : ''),
    downloadsToDisk
      ? `ephemeral-storage ${ephemeralStorageGiB}Gi: the ${download.toFixed(1)} GiB Hugging Face download`
        + `${download > 1.5 * w ? ' (two copies of the weights: the repository holds a second one, which the servers download too)'
          : download > w ? ' (with weights the repository ships and the servers download but do not load)' : ''} + `
        + (adapterDownload ? `at most ${adapterDownload.toFixed(1)} GiB of LoRA adapters from Hugging Face (fp32 on every linear module) + ` : '')
        + `${C.ephemeralStorageMarginGiB.value} GiB margin`
      : `ephemeral-storage ${ephemeralStorageGiB}Gi: logs and compile caches only (the weights are not written to the container's disk)`,
    `/dev/shm ${shm}Gi: ${C.sharedMemoryGiBPerRank.value} GiB per tensor-parallel rank, at most 16`,
    `startup budget ${startupBudgetSeconds}s: ${C.startupBudgetSafetyFactor.value} x the estimated ${Math.round(loading.estimatedLoadSeconds)} s load `
      + `(${loading.loadPath})${tpu ? ` + ${coldCompile} s for a cold XLA compile (the shared cache may still be empty)` : ''}, rounded up to a minute`
      + (tpu && nodes > 1 && startupBudgetSeconds > derived ? `; at least ${C.pathwaysStartupSeconds.value} s for a multi-host Pathways slice` : ''),
  ];
  return { cpu, memoryGiB, ephemeralStorageGiB, sharedMemoryGiB: shm, startupBudgetSeconds, explanation };
}

/** What a pod keeps in host memory beside the loader, in words: a memory-backed model cache and LoRA adapters. */
export function hostExtras(ramCacheGiB: number, loraAdaptersGiB: number): string {
  return [
    ...(ramCacheGiB ? [`the memory-backed model cache (${ramCacheGiB} GiB)`] : []),
    ...(loraAdaptersGiB ? [`the LoRA adapters in host memory (${loraAdaptersGiB} GiB)`] : []),
  ].join(' and ');
}
