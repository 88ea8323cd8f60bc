/**
 * How Compute Engine provisions each machine series: the consumption options (on-demand, Spot, flex-start, reservation) a node pool
 * of it can use. Most series offer all four; the exceptions are listed.
 *
 * A4X (GB200) is offered through future reservations only: AI Hypercomputer, "Consumption options", comparison table: Flex-start and
 * Spot on "Any GPU machine except A4X", future reservations on "A4X, A4, or A3 Ultra"
 * (https://cloud.google.com/ai-hypercomputer/docs/consumption-models); Compute Engine, "About VMs that use the reservation-bound
 * model": "The reservation-bound provisioning model lets you create A4X, A4, or A3 Ultra VMs by using reserved capacity"
 * (https://cloud.google.com/compute/docs/instances/about-reservation-bound-vms). G4 (RTX PRO 6000) has no flex-start VMs: "Flex-start
 * VMs support all accelerator-optimized machine types (except A4X and G4)"
 * (https://cloud.google.com/compute/docs/instances/about-flex-start-vms).
 */

/** The consumption options, spelled as the `Capacity` values. */
export type ConsumptionOption = 'on-demand' | 'spot' | 'reservation' | 'flex-start';

/** Machine series (the machine type's first word) whose VMs come only from some consumption options. */
const LIMITED_SERIES: { readonly [series: string]: { readonly options: readonly ConsumptionOption[]; readonly source: string } } = {
  a4x: {
    options: ['reservation'],
    source: 'AI Hypercomputer "Consumption options": Spot and flex-start on "any GPU machine except A4X", A4X through future reservations',
  },
  g4: {
    options: ['on-demand', 'spot', 'reservation'],
    source: 'Compute Engine "About flex-start VMs": "Flex-start VMs support all accelerator-optimized machine types (except A4X and G4)"',
  },
};

/** Whether a machine type's VMs come through a consumption option; when not, the options they come through and the source. */
export interface ConsumptionOptionFit {
  readonly offered: boolean;
  readonly options?: readonly ConsumptionOption[];
  readonly source?: string;
}

/** Whether a machine type's VMs can be had through a consumption option, and the options they can when not. */
export function consumptionOptionOf(machineType: string, option: string): ConsumptionOptionFit {
  // (the resolver asks for every candidate: no allocation on the common path)
  for (const series of SERIES) {
    if (!machineType.startsWith(series) || machineType.charCodeAt(series.length) !== DASH) continue;
    const limited = LIMITED_SERIES[series];
    if ((limited.options as readonly string[]).includes(option)) return OFFERED;
    return { offered: false, options: limited.options, source: limited.source };
  }
  return OFFERED;
}

const SERIES = Object.keys(LIMITED_SERIES);
const DASH = '-'.charCodeAt(0);
const OFFERED: ConsumptionOptionFit = Object.freeze({ offered: true });

/**
 * The first GKE version that provisions flex-start VMs for each accelerator family. GPUs: GKE, "About flex-start provisioning mode"
 * (https://cloud.google.com/kubernetes-engine/docs/concepts/dws): "To use flex-start in GKE, your cluster must use version
 * 1.32.2-gke.1652000 or later"; TPUs: the same page as it now reads (concepts/provisioning-model): "To run TPUs, use GKE version
 * 1.33.0-gke.1712000 or later". On an older cluster no node carries `cloud.google.com/gke-flex-start`, so the pods stay Pending.
 */
export const FLEX_START_MINIMUM_GKE_VERSION: { readonly gpu: string; readonly tpu: string } = {
  gpu: '1.32.2-gke.1652000',
  tpu: '1.33.0-gke.1712000',
};

export const FLEX_START_VERSION_SOURCE = 'GKE, "About flex-start provisioning mode" (kubernetes-engine/docs/concepts/dws and concepts/provisioning-model)';
