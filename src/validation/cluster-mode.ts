/**
 * The kind of GKE cluster the manifests are for. Synth-time validation applies GKE Autopilot's
 * admission rules (GKE Warden) only in `AUTOPILOT` mode; the Kubernetes, GKE and best-practice rules
 * apply in both.
 */
export enum ClusterMode {
  /**
   * GKE Standard: node pools you manage. GPU type, resource shape and node selection are not
   * policed by Autopilot's admission rules.
   */
  STANDARD = 'standard',
  /**
   * GKE Autopilot: additionally checks the GPU type against an allow-list, requests == limits for
   * cpu, memory and ephemeral storage, no GPU init containers, no `cloud.google.com/gke-nodepool`
   * selector, no privileged containers and the verified per-GPU resource maxima.
   */
  AUTOPILOT = 'autopilot',
}

/**
 * GKE Autopilot facts the validation uses, dated and sourced. Autopilot's lists change with GKE
 * versions: pass your own through the construct's props when your cluster admits more.
 */
export class GkeAutopilot {
  /**
   * GPU accelerator labels GKE Autopilot admitted for `cloud.google.com/gke-accelerator` in 2025-05
   * (Warden's `autogke-gpu-limitation` rejection message quoted in GoogleCloudPlatform/ai-on-gke
   * PR #983). Newer clusters add others (e.g. `nvidia-b200`); `nvidia-h100` without `-80gb` is rejected.
   */
  public static readonly ALLOWED_GPU_TYPES: string[] = Object.freeze([
    'nvidia-a100-80gb',
    'nvidia-h100-80gb',
    'nvidia-h100-mega-80gb',
    'nvidia-h200-141gb',
    'nvidia-l4',
    'nvidia-tesla-a100',
    'nvidia-tesla-p100',
    'nvidia-tesla-p4',
    'nvidia-tesla-t4',
    'nvidia-tesla-v100',
  ]) as string[];

  /** Date of {@link GkeAutopilot.ALLOWED_GPU_TYPES} (YYYY-MM). */
  public static readonly ALLOWED_GPU_TYPES_DATE = '2025-05';

  /** Source of {@link GkeAutopilot.ALLOWED_GPU_TYPES}. */
  public static readonly ALLOWED_GPU_TYPES_SOURCE =
    'GKE Warden autogke-gpu-limitation message quoted in GoogleCloudPlatform/ai-on-gke PR #983 (2025-05); '
    + 'https://cloud.google.com/kubernetes-engine/docs/how-to/autopilot-gpus';

  private constructor() {}
}
