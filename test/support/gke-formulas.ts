/**
 * GKE's reservation tables as the docs state them, written independently of src/catalog/node-allocatable.ts so the tests
 * hold the library against the documented formula (https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes):
 * `share` of each successive `size` of the resource.
 */
export function tiers(x: number, t: Array<[number, number]>): number {
  let left = x;
  let out = 0;
  for (const [size, share] of t) {
    const part = Math.min(left, size);
    out += part * share;
    left -= part;
  }
  return out;
}

/**
 * The kubelet's memory capacity as a share of the machine's memory (the kernel's MemTotal): a published n2-standard-4 node
 * (16 GiB) reports capacity.memory 16380004Ki.
 */
export const MEMORY_CAPACITY_SHARE = 16380004 / (16 * 1024 ** 2);

/** What GKE's system DaemonSets request on an accelerator node, as the library assumes it (CPU cores, memory GiB). */
export const DAEMONSETS = { cpu: 0.75, memory: 1 };

/** Allocatable memory and CPU of a node before DaemonSets, by GKE's tiers over the node's capacity. */
export function gkeAllocatable(ramGb: number, vcpu: number): { cpu: number; memoryGiB: number } {
  const capacity = ramGb * MEMORY_CAPACITY_SHARE;
  const memReserved = tiers(capacity, [[4, 0.25], [4, 0.2], [8, 0.1], [112, 0.06], [Infinity, 0.02]]) + 100 / 1024;
  const cpuReserved = tiers(vcpu, [[1, 0.06], [1, 0.01], [2, 0.005], [Infinity, 0.0025]]);
  return { cpu: vcpu - cpuReserved, memoryGiB: capacity - memReserved };
}
