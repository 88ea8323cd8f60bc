/**
 * GKE TPU rules: a pod that requests `google.com/tpu` selects its TPU type and slice topology, and
 * requests exactly the chips of one VM of that slice. Sources: gke-inference-quickstart.md sections 2.7
 * and 8 (TPU selectors; `google.com/tpu` request = limit = chips per VM) and data/tpu-topologies.csv.
 */
import { ContainerRef, PodTemplate, containersOf, obj, parseQuantity, ptr, show } from './manifest';
import { ManifestRule } from './rule';
import { Catalog } from '../catalog/catalog';

export const TPU_ACCELERATOR_LABEL = 'cloud.google.com/gke-tpu-accelerator';
export const TPU_TOPOLOGY_LABEL = 'cloud.google.com/gke-tpu-topology';
export const TPU_RESOURCE = 'google.com/tpu';
const SOURCE = 'gke-inference-quickstart.md sections 2.7 and 8 (TPU selectors, google.com/tpu = chips per VM); ../shared/reference/data/tpu-topologies.csv';

function tpuAmounts(c: ContainerRef): { request?: number; limit?: number } {
  const r = obj(c.container.resources);
  return { request: parseQuantity(obj(r.requests)[TPU_RESOURCE]), limit: parseQuantity(obj(r.limits)[TPU_RESOURCE]) };
}

function requestsTpu(t: PodTemplate): boolean {
  return containersOf(t).some((c) => {
    const a = tpuAmounts(c);
    return (a.request ?? 0) > 0 || (a.limit ?? 0) > 0;
  });
}

/** A TPU pod selects both its TPU type and its slice topology. */
const tpuSelectors: ManifestRule = {
  id: 'gke-tpu/selectors',
  scope: 'all',
  description: `a pod requesting ${TPU_RESOURCE} sets the node selectors ${TPU_ACCELERATOR_LABEL} and ${TPU_TOPOLOGY_LABEL}`,
  source: SOURCE,
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      if (!requestsTpu(t)) continue;
      const selector = obj(t.spec.nodeSelector);
      for (const key of [TPU_ACCELERATOR_LABEL, TPU_TOPOLOGY_LABEL]) {
        if (typeof selector[key] !== 'string' || selector[key] === '') {
          report(t.owner, `${t.path}/spec/nodeSelector`, `the pod requests ${TPU_RESOURCE} without a ${key} node selector: `
            + 'GKE cannot place it on a TPU slice of the right type and shape', `set the ${key} node selector (the construct does this from 'acceleratorType')`);
        }
      }
    }
  },
};

/** Each TPU container requests = limits = the chips of one VM of the selected slice. */
const tpuChipsPerVm: ManifestRule = {
  id: 'gke-tpu/chips-per-vm',
  scope: 'all',
  description: `${TPU_RESOURCE} requests = limits = the chips per VM of the ${TPU_TOPOLOGY_LABEL} slice of the ${TPU_ACCELERATOR_LABEL}`,
  source: SOURCE,
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      if (!requestsTpu(t)) continue;
      const selector = obj(t.spec.nodeSelector);
      const accelerator = selector[TPU_ACCELERATOR_LABEL];
      const topology = selector[TPU_TOPOLOGY_LABEL];
      if (typeof accelerator !== 'string' || typeof topology !== 'string') continue; // reported by gke-tpu/selectors
      const slice = Catalog.EMBEDDED.tpuTopology(accelerator, topology);
      if (!slice) {
        const known = Catalog.EMBEDDED.tpuTopologiesFor(accelerator).map((s) => s.topology);
        report(t.owner, `${t.path}/spec/nodeSelector${ptr(TPU_TOPOLOGY_LABEL)}`, `${show(topology)} is not a topology of ${show(accelerator)} `
          + `(known: ${known.length ? known.join(', ') : 'none: not a TPU type of the catalog'})`, `choose one of the topologies of ${accelerator}`);
        continue;
      }
      for (const c of containersOf(t)) {
        const { request, limit } = tpuAmounts(c);
        if (request === undefined && limit === undefined) continue;
        if (request !== slice.chipsPerVm || limit !== slice.chipsPerVm) {
          report(t.owner, `${c.path}/resources`, `${TPU_RESOURCE} requests ${show(request)} and limits ${show(limit)}, but a ${topology} slice of `
            + `${accelerator} has ${slice.chipsPerVm} chips per VM (${slice.machineType}): each pod must take all of its VM's chips`,
          `request and limit ${slice.chipsPerVm} ${TPU_RESOURCE}`);
        }
      }
    }
  },
};

/**
 * A multi-host slice is one group of pods that together take every host's chips: a LeaderWorkerSet whose pods with
 * chips number the slice's VMs (a Deployment's pods are independent and cannot form a slice).
 */
const tpuMultiHostGroup: ManifestRule = {
  id: 'gke-tpu/multi-host-group',
  scope: 'all',
  description: 'a pod on a multi-host TPU slice belongs to a LeaderWorkerSet whose pods with chips number the slice\'s VMs',
  source: `${SOURCE}; validation.md section 8 (a multi-host topology needs a LeaderWorkerSet whose group size matches the VMs)`,
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      if (!requestsTpu(t)) continue;
      const selector = obj(t.spec.nodeSelector);
      const slice = Catalog.EMBEDDED.tpuTopology(String(selector[TPU_ACCELERATOR_LABEL]), String(selector[TPU_TOPOLOGY_LABEL]));
      if (!slice || slice.gkeNodes <= 1) continue;
      const where = `${slice.topology} ${slice.accelerator} slice (${slice.gkeNodes} VMs of ${slice.chipsPerVm} chips)`;
      if (t.owner.kind !== 'LeaderWorkerSet') {
        report(t.owner, `${t.path}/spec/nodeSelector`, `a ${String(t.owner.kind)} pod selects the multi-host ${where}: independent pods `
          + 'cannot hold one slice', 'serve a multi-host slice from a LeaderWorkerSet (the construct does this when the model needs one)');
        continue;
      }
      if (!t.path.endsWith('/workerTemplate')) continue;
      const group = obj(obj(t.owner.spec).leaderWorkerTemplate);
      const size = typeof group.size === 'number' ? group.size : 1;
      const leader = ctx.templates.find((x) => x.owner === t.owner && x.path.endsWith('/leaderTemplate'));
      const withChips = size - 1 + (leader && requestsTpu(leader) ? 1 : 0);
      if (withChips !== slice.gkeNodes) {
        report(t.owner, '/spec/leaderWorkerTemplate/size', `the group has ${withChips} pods with chips (size ${size}) on the ${where}: `
          + 'every VM of the slice needs one', `set the size so that ${slice.gkeNodes} pods take chips`);
      }
    }
  },
};

export const TPU_RULES: readonly ManifestRule[] = [tpuSelectors, tpuChipsPerVm, tpuMultiHostGroup];
