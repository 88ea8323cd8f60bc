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
