/**
 * The CPU architecture of a Compute Engine machine type, and what GKE needs of a pod to run on an Arm node.
 *
 * Arm series: A4X (NVIDIA Grace, beside its GB200 GPUs; machine-types.csv: "4 GPUs per VM with 2 Grace CPUs"), C4A (Google
 * Axion), N4A (Axion) and T2A (Ampere Altra); Compute Engine, "Arm VMs on Compute Engine",
 * https://cloud.google.com/compute/docs/instances/arm-on-compute, and "Accelerator-optimized machine family" (A4X).
 *
 * GKE places the taint `kubernetes.io/arch=arm64:NoSchedule` on all Arm nodes, and a pod that selects
 * `kubernetes.io/arch: arm64` with a node selector gets the matching toleration added by GKE; a pod without it never
 * schedules there. GKE, "Prepare an Arm workload for deployment",
 * https://cloud.google.com/kubernetes-engine/docs/how-to/prepare-arm-workloads-for-deployment.
 */

/** The node label GKE sets to the node's CPU architecture (the Kubernetes well-known label). */
export const ARCH_LABEL = 'kubernetes.io/arch';

const ARM_SERIES: readonly string[] = ['a4x', 'c4a', 'n4a', 't2a'];

/** `arm64` for the machine series above, else `amd64`. */
export function machineArchitecture(machineType: string): 'arm64' | 'amd64' {
  return ARM_SERIES.includes(machineType.split('-')[0]) ? 'arm64' : 'amd64';
}

/** The node selector a pod needs on this machine type: `kubernetes.io/arch: arm64` on Arm, nothing on x86 (GKE's default). */
export function architectureSelector(machineType: string): { [key: string]: string } {
  return machineArchitecture(machineType) === 'arm64' ? { [ARCH_LABEL]: 'arm64' } : {};
}

/** Whether every machine type carrying the accelerator is Arm (GB200: A4X only), so its pods need arm64 images. */
export function acceleratorOnArmOnly(
  machineTypes: ReadonlyArray<{ readonly name: string; readonly accelerator: string }>, acceleratorType: string,
): boolean {
  const machines = machineTypes.filter((m) => m.accelerator === acceleratorType);
  return machines.length > 0 && machines.every((m) => machineArchitecture(m.name) === 'arm64');
}
