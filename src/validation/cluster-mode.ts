import { AUTOPILOT_GPUS_DATE, AUTOPILOT_GPUS_SOURCE, AUTOPILOT_GPU_TYPES } from '../catalog/autopilot-gpus';

export { ClusterMode } from '../resolver/resolution';

/**
 * GKE Autopilot facts the validation uses, dated and sourced. Autopilot's lists change with GKE
 * versions: pass your own through the construct's props when your cluster admits more.
 */
export class GkeAutopilot {
  /**
   * GPU accelerator labels GKE Autopilot admits for `cloud.google.com/gke-accelerator` (the page's GPU_TYPE values, Preview
   * types left out: `nvidia-gb200`). Some need a minimum GKE version (B200 1.32.2-gke.1422000, RTX PRO 6000
   * 1.34.1-gke.1829001); `nvidia-h100` without `-80gb` is rejected.
   */
  public static readonly ALLOWED_GPU_TYPES: string[] = Object.freeze(
    AUTOPILOT_GPU_TYPES.filter((t) => !t.preview).map((t) => t.accelerator),
  ) as string[];

  /** Date of {@link GkeAutopilot.ALLOWED_GPU_TYPES} (YYYY-MM-DD). */
  public static readonly ALLOWED_GPU_TYPES_DATE = AUTOPILOT_GPUS_DATE;

  /** Source of {@link GkeAutopilot.ALLOWED_GPU_TYPES}. */
  public static readonly ALLOWED_GPU_TYPES_SOURCE = AUTOPILOT_GPUS_SOURCE;

  private constructor() {}
}
