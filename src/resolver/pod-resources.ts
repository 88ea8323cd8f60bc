import { ResolvedPodResources } from './resolution';
import { Catalog } from '../catalog/catalog';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';
import { MachineTypeRecord, ModelRecord } from '../catalog/types';
import { ProfileCurve } from '../performance/curve';

const GIB = 1024 ** 3;
const GB = 1e9;

export function hostMemoryNeedGiB(model: ModelRecord, shmGiB: number): number {
  const loader = (model.checkpointWeightsGb * GB * SERVING_CONSTANTS.hostMemoryPerWeightByte.value) / GIB;
  return Math.ceil(loader + SERVING_CONSTANTS.hostMemoryBaseGiB.value + shmGiB);
}

export function sharedMemoryGiB(tensorParallelSize: number): number {
  return Math.min(16, SERVING_CONSTANTS.sharedMemoryGiBPerRank.value * tensorParallelSize);
}

/** The measured machine type, or the smallest one with the accelerator count whose memory holds the loader. */
export function chooseMachine(catalog: Catalog, curve: ProfileCurve, model: ModelRecord): MachineTypeRecord | undefined {
  if (curve.instanceType) return catalog.machineTypes.find((m) => m.name === curve.instanceType);
  const machines = catalog.machineTypesFor(curve.acceleratorType, curve.acceleratorCount);
  const need = hostMemoryNeedGiB(model, sharedMemoryGiB(curve.acceleratorCount));
  return machines.find((m) => Math.floor(m.ramGb * SERVING_CONSTANTS.nodeAllocatableShare.value) >= need) ?? machines[machines.length - 1];
}

export function podResources(model: ModelRecord, machine: MachineTypeRecord, tp: number): ResolvedPodResources {
  const C = SERVING_CONSTANTS;
  const share = C.nodeAllocatableShare.value;
  const shm = sharedMemoryGiB(tp);
  const cpu = Math.max(1, Math.min(Math.floor(machine.vcpu * share), C.cpuPerAccelerator.value * tp));
  const need = hostMemoryNeedGiB(model, shm);
  const nodeCap = Math.floor(machine.ramGb * share);
  const memoryGiB = Math.min(need, nodeCap);
  const weightsGiB = (model.checkpointWeightsGb * GB) / GIB;
  const ephemeralStorageGiB = Math.ceil(weightsGiB + C.ephemeralStorageMarginGiB.value);
  const weightsGb = model.checkpointWeightsGb;
  const loadSeconds = weightsGb / C.hubDownloadGBps.value + weightsGb / C.weightLoadGBps.value + C.serverInitSeconds.value;
  const startupBudgetSeconds = Math.ceil((loadSeconds * C.startupBudgetSafetyFactor.value) / 60) * 60;
  const explanation = [
    `cpu ${cpu}: ${C.cpuPerAccelerator.value} per accelerator x ${tp}, at most ${share * 100}% of ${machine.name}'s ${machine.vcpu} vCPU`,
    `memory ${memoryGiB}Gi: ${C.hostMemoryPerWeightByte.value} x ${weightsGiB.toFixed(1)} GiB of weights + ${C.hostMemoryBaseGiB.value} GiB base + ${shm} GiB /dev/shm`
      + (need > nodeCap ? `, capped at ${share * 100}% of the machine's ${machine.ramGb} GB (needs ${need} GiB: loading may be tight)` : ''),
    `ephemeral-storage ${ephemeralStorageGiB}Gi: the ${weightsGiB.toFixed(1)} GiB Hugging Face download + ${C.ephemeralStorageMarginGiB.value} GiB margin`
      + (ephemeralStorageGiB > 90 ? ' (more than the 90 GiB a default 100 GB boot disk leaves: use a larger boot disk or local SSD)' : ''),
    `/dev/shm ${shm}Gi: ${C.sharedMemoryGiBPerRank.value} GiB per tensor-parallel rank, at most 16`,
    `startup budget ${startupBudgetSeconds}s: ${C.startupBudgetSafetyFactor.value} x (download at ${C.hubDownloadGBps.value} GB/s + load at ${C.weightLoadGBps.value} GB/s `
      + `+ ${C.serverInitSeconds.value} s init) for ${model.checkpointWeightsGb} GB, rounded up to a minute`,
  ];
  return { cpu, memoryGiB, ephemeralStorageGiB, sharedMemoryGiB: shm, startupBudgetSeconds, explanation };
}
