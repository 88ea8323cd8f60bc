import { MachineTypeRecord } from '../catalog/types';

/**
 * Machine families whose GKE nodes put ephemeral storage on local SSD: A2 Ultra bundles local SSD
 * (machine-types.csv notes), and "A3 and newer set it up automatically" (GKE, Manually optimize Cloud
 * Storage FUSE CSI driver for performance, section on the file-cache medium).
 */
export const LOCAL_SSD_MACHINE_PREFIXES: readonly string[] = ['a2-ultragpu-', 'a3-', 'a4-', 'a4x-'];

export function hasLocalSsd(machine: MachineTypeRecord): boolean {
  return LOCAL_SSD_MACHINE_PREFIXES.some((p) => machine.name.startsWith(p)) || /local SSD/i.test(machine.notes);
}
