/**
 * What GKE Autopilot admits of a GPU pod: the GPU types, the GPUs a pod may request of each, and the first GKE version
 * that runs them. Source (all rows): GKE, "Deploy GPU workloads in Autopilot",
 * https://cloud.google.com/kubernetes-engine/docs/how-to/autopilot-gpus (last updated 2026-04-10): "Supported GPU
 * quantities" ("If you request a GPU quantity that isn't supported for that type, Autopilot rejects your Pod"), the
 * GPU_TYPE values of "Request GPUs in your containers" and the versions of "Before you begin".
 *
 * The same page: "If you omit this nodeSelector [cloud.google.com/gke-accelerator-count], Autopilot places one Pod on each
 * GPU node", and GPU_COUNT "must be greater than or equal to GPU_QUANTITY".
 */

/** One GPU type on Autopilot. */
export interface AutopilotGpuType {
  /** The `cloud.google.com/gke-accelerator` value. */
  readonly accelerator: string;
  /** The GPUs a pod may request (`nvidia.com/gpu`). */
  readonly quantities: readonly number[];
  /** The first GKE version that runs the type on Autopilot; undefined when every supported version does. */
  readonly minimumGkeVersion?: string;
  /** Quantities that need a later version than the type, and that version (H100's 1, 2 and 4 GPU shapes). */
  readonly smallShapes?: { readonly quantities: readonly number[]; readonly minimumGkeVersion: string };
  /** Preview on Autopilot (not admitted unless the cluster opted in); left out of the default list. */
  readonly preview?: boolean;
}

/** The date of the page the rows were read from. */
export const AUTOPILOT_GPUS_DATE = '2026-04-10';

export const AUTOPILOT_GPUS_SOURCE = 'GKE "Deploy GPU workloads in Autopilot", https://cloud.google.com/kubernetes-engine/docs/how-to/autopilot-gpus '
  + `(last updated ${AUTOPILOT_GPUS_DATE}): supported GPU types, quantities and versions`;

export const AUTOPILOT_GPU_TYPES: readonly AutopilotGpuType[] = [
  { accelerator: 'nvidia-gb200', quantities: [], preview: true },
  { accelerator: 'nvidia-b200', quantities: [8], minimumGkeVersion: '1.32.2-gke.1422000' },
  { accelerator: 'nvidia-h200-141gb', quantities: [8], minimumGkeVersion: '1.31.4-gke.1183000' },
  // "1.28.9-gke.1250000 or later, and 1.29.4-gke.1542000 or later": the later patch of each minor
  { accelerator: 'nvidia-h100-mega-80gb', quantities: [8], minimumGkeVersion: '1.28.9-gke.1250000' },
  {
    accelerator: 'nvidia-h100-80gb',
    quantities: [1, 2, 4, 8],
    minimumGkeVersion: '1.28.6-gke.1369000',
    smallShapes: { quantities: [1, 2, 4], minimumGkeVersion: '1.31.4-gke.1072000' },
  },
  { accelerator: 'nvidia-a100-80gb', quantities: [1, 2, 4, 8] },
  { accelerator: 'nvidia-tesla-a100', quantities: [1, 2, 4, 8, 16] },
  { accelerator: 'nvidia-rtx-pro-6000', quantities: [1, 2, 4, 8], minimumGkeVersion: '1.34.1-gke.1829001' },
  { accelerator: 'nvidia-l4', quantities: [1, 2, 4, 8] },
  { accelerator: 'nvidia-tesla-t4', quantities: [1, 2, 4] },
];

/**
 * The first GKE version whose Autopilot runs GPU pods on the Accelerator compute class from the GPU request alone: "Version
 * 1.29.4-gke.1427000 and later: Request GPUs in your workload manifest"; before it a pod had to add `cloud.google.com/compute-class:
 * Accelerator` (from 1.28.9-gke.1069000), and earlier versions bill GPU pods by their requests ("Deploy GPU workloads in Autopilot",
 * About selecting accelerators in Pods). The manifests and the cost (the node, billed whole) follow the current rule only.
 */
export const AUTOPILOT_ACCELERATOR_CLASS_GKE_VERSION = '1.29.4-gke.1427000';

/** The Autopilot record of a GPU type, or undefined for a type the page does not list. */
export function autopilotGpuType(accelerator: string): AutopilotGpuType | undefined {
  return AUTOPILOT_GPU_TYPES.find((t) => t.accelerator === accelerator);
}

/**
 * Why Autopilot would reject a pod of `quantity` GPUs of `accelerator`, or undefined when it admits it (or the type is not
 * listed, so nothing is known: the type check is the validation's allow-list).
 */
export function autopilotQuantityRefusal(accelerator: string, quantity: number): string | undefined {
  const type = autopilotGpuType(accelerator);
  if (type === undefined || type.quantities.length === 0 || type.quantities.includes(quantity)) return undefined;
  return `GKE Autopilot admits pods of ${type.quantities.join(', ')} x ${accelerator} only, not ${quantity} (it rejects other quantities)`;
}

/** The first GKE version that runs `quantity` x `accelerator` on Autopilot, or undefined when every supported version does. */
export function autopilotMinimumGkeVersion(accelerator: string, quantity: number): string | undefined {
  const type = autopilotGpuType(accelerator);
  if (type?.smallShapes && type.smallShapes.quantities.includes(quantity)) return type.smallShapes.minimumGkeVersion;
  return type?.minimumGkeVersion;
}
