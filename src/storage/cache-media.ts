import { MachineTypeRecord } from '../catalog/types';

/**
 * Machine families whose GKE nodes put ephemeral storage on local SSD in the node pools this library
 * describes: "A3 and newer set it up automatically" (GKE, Manually optimize Cloud Storage FUSE CSI driver
 * for performance, section on the file-cache medium). A2 Ultra bundles local SSD (machine-types.csv notes)
 * but GKE documents no automatic setup for it: its node pool is created with
 * `--ephemeral-storage-local-ssd count=N` (see node-allocatable.ts and the node pool's gcloud command).
 */
export const LOCAL_SSD_MACHINE_PREFIXES: readonly string[] = ['a2-ultragpu-', 'a3-', 'a4-', 'a4x-'];

export function hasLocalSsd(machine: MachineTypeRecord): boolean {
  return LOCAL_SSD_MACHINE_PREFIXES.some((p) => machine.name.startsWith(p)) || /local SSD/i.test(machine.notes);
}

/**
 * Size of each serving pod's private copy of an XLA compilation cache, GiB (XLA caches of these models are a few GB at most): the
 * node pool keeps room for it on vLLM TPU servers (resolver/node-pool.ts), the pod template asks for it (server/xla-cache.ts).
 */
export const LOCAL_CACHE_GIB = 20;
