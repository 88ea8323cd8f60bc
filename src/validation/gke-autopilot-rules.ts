/**
 * GKE rules: what GKE Autopilot's admission controller (GKE Warden) rejects, and GKE facts that hold
 * on Standard clusters too (the accelerator-count selector, the Cloud Storage FUSE sidecar
 * annotation). Sources: gke-inference-quickstart.md section 8 and validation.md section 6 of the
 * project's reference material, source key S33 (GKE Autopilot documentation and rejection messages
 * quoted in GoogleCloudPlatform/ai-on-gke PR #983, rancher/dashboard #10564, ray-project/kuberay #1349,
 * argoproj/argo-workflows #13073) and S19 (GoogleCloudPlatform/gcs-fuse-csi-driver).
 */
import { ContainerRef, PodTemplate, arr, containersOf, obj, parseQuantity, ptr, show, str } from './manifest';
import { ManifestRule } from './rule';
import { AUTOPILOT_GPUS_SOURCE, autopilotQuantityRefusal } from '../catalog/autopilot-gpus';

export const ACCELERATOR_LABEL = 'cloud.google.com/gke-accelerator';
export const ACCELERATOR_COUNT_LABEL = 'cloud.google.com/gke-accelerator-count';
const COMPUTE_CLASS_LABEL = 'cloud.google.com/compute-class';
const NODEPOOL_LABEL = 'cloud.google.com/gke-nodepool';
const GPU = 'nvidia.com/gpu';
const GCSFUSE_DRIVER = 'gcsfuse.csi.storage.gke.io';
const GCSFUSE_ANNOTATION = 'gke-gcsfuse/volumes';
const STANDARD_FIX = 'or, on a GKE Standard cluster, set \'clusterMode\' to ClusterMode.STANDARD';

/** GPUs a container requests: its `nvidia.com/gpu` limit (requests must equal it). */
function gpus(c: ContainerRef): number {
  const r = obj(c.container.resources);
  return parseQuantity(obj(r.limits)[GPU]) ?? parseQuantity(obj(r.requests)[GPU]) ?? 0;
}

/** GPUs the pod's regular containers request together. */
function podGpus(t: PodTemplate): number {
  return containersOf(t).filter((c) => !c.init).reduce((sum, c) => sum + gpus(c), 0);
}

/** Keys of the node selector and of the required node-affinity terms, with their values. */
function nodeSelection(t: PodTemplate): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of Object.entries(obj(t.spec.nodeSelector))) out.set(k, [String(v)]);
  const required = obj(obj(obj(t.spec.affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution);
  for (const term of arr(required.nodeSelectorTerms).map(obj)) {
    for (const e of arr(term.matchExpressions).map(obj)) {
      const key = str(e.key);
      if (key !== undefined && e.operator === 'In') out.set(key, [...(out.get(key) ?? []), ...arr(e.values).map(String)]);
      else if (key !== undefined && !out.has(key)) out.set(key, []);
    }
  }
  return out;
}

/**
 * `cloud.google.com/gke-accelerator-count` is a quoted whole number, at least the pod's GPU limit: it is the node's GPU count
 * ("GPU_COUNT ... Must be greater than or equal to GPU_QUANTITY"; a node of count 4 "could accommodate up to four Pods that
 * request one GPU each", GKE "Deploy GPU workloads in Autopilot").
 */
const acceleratorCount: ManifestRule = {
  id: 'gke/accelerator-count',
  scope: 'all',
  description: `a ${ACCELERATOR_COUNT_LABEL} node selector is a string of at least the pod's ${GPU} limit`,
  source: `${AUTOPILOT_GPUS_SOURCE} (GPU_COUNT >= GPU_QUANTITY)`,
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      const raw = obj(t.spec.nodeSelector)[ACCELERATOR_COUNT_LABEL];
      if (raw === undefined) continue;
      const path = `${t.path}/spec/nodeSelector${ptr(ACCELERATOR_COUNT_LABEL)}`;
      const count = podGpus(t);
      if (typeof raw !== 'string' || !/^[1-9][0-9]*$/.test(raw)) {
        report(t.owner, path, `${ACCELERATOR_COUNT_LABEL} must be a quoted whole number such as "2" (got ${show(raw)})`, 'quote the count');
      } else if (Number(raw) < count) {
        report(t.owner, path, `${ACCELERATOR_COUNT_LABEL} "${raw}" is less than the pod's ${GPU} limit (${count}): a node of ${raw} GPUs cannot hold it`,
          `select nodes of at least ${count} GPUs`);
      }
    }
  },
};

/** Mount options the Cloud Storage FUSE CSI driver refuses (S19 `pkg/csi_driver/utils.go`). */
const GCSFUSE_DISALLOWED_FLAGS = ['app-name', 'temp-dir', 'foreground', 'log-file', 'log-format', 'key-file', 'token-url', 'reuse-token-from-url'];

/** A Cloud Storage FUSE CSI volume needs the sidecar annotation; its mount options avoid the flags the driver refuses. */
const gcsFuse: ManifestRule = {
  id: 'gke/gcsfuse',
  scope: 'all',
  description: `a pod with a ${GCSFUSE_DRIVER} CSI volume carries the annotation ${GCSFUSE_ANNOTATION}: "true" and no mount option the driver refuses`,
  source: 'gke-inference-quickstart.md sections 3 and 8, validation.md section 6 (S19 gcs-fuse-csi-driver webhook and utils.go; '
    + 'https://cloud.google.com/kubernetes-engine/docs/how-to/cloud-storage-fuse-csi-driver-ephemeral)',
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      arr(t.spec.volumes).map(obj).forEach((v, i) => {
        const csi = obj(v.csi);
        if (csi.driver !== GCSFUSE_DRIVER) return;
        if (t.annotations[GCSFUSE_ANNOTATION] !== 'true') {
          report(t.owner, `${t.path}/metadata/annotations`, `volume "${str(v.name)}" uses ${GCSFUSE_DRIVER} but the pod template lacks `
            + `the annotation ${GCSFUSE_ANNOTATION}: "true", so GKE injects no FUSE sidecar and the mount fails`,
          `add ${GCSFUSE_ANNOTATION}: "true" to the pod template annotations`);
        }
        const options = String(obj(csi.volumeAttributes).mountOptions ?? '').split(',').map((o) => o.trim().split(/[=:]/)[0]);
        for (const flag of options.filter((o) => GCSFUSE_DISALLOWED_FLAGS.includes(o))) {
          report(t.owner, `${t.path}/spec/volumes/${i}/csi/volumeAttributes/mountOptions`, `mount option "${flag}" is refused by the `
            + `Cloud Storage FUSE CSI driver (refused: ${GCSFUSE_DISALLOWED_FLAGS.join(', ')})`, `remove "${flag}"`);
        }
      });
    }
  },
};

/** A GPU pod selects its accelerator (or a compute class). */
const gpuSelector: ManifestRule = {
  id: 'gke-autopilot/gpu-selector',
  scope: 'autopilot',
  description: `a pod requesting ${GPU} sets the node selector ${ACCELERATOR_LABEL} (or ${COMPUTE_CLASS_LABEL})`,
  source: 'GKE Warden autogke-gpu-limitation (S33: ai-on-gke PR #983, 2025-02); gke-inference-quickstart.md section 8',
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      const selection = nodeSelection(t);
      if (podGpus(t) > 0 && !selection.has(ACCELERATOR_LABEL) && !selection.has(COMPUTE_CLASS_LABEL)) {
        report(t.owner, `${t.path}/spec/nodeSelector`, `the pod requests ${GPU} without a ${ACCELERATOR_LABEL} or ${COMPUTE_CLASS_LABEL} `
          + 'node selector, which Autopilot rejects', `select the accelerator with ${ACCELERATOR_LABEL}, ${STANDARD_FIX}`);
      }
    }
  },
};

/** The accelerator is one Autopilot admits. */
const allowedGpuType: ManifestRule = {
  id: 'gke-autopilot/allowed-gpu-type',
  scope: 'autopilot',
  description: `the ${ACCELERATOR_LABEL} value is in the configurable list of GPU types Autopilot admits`,
  source: `${AUTOPILOT_GPUS_SOURCE} (GPU_TYPE values); GKE Warden autogke-gpu-limitation (S33: ai-on-gke PR #983)`,
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      for (const value of nodeSelection(t).get(ACCELERATOR_LABEL) ?? []) {
        if (ctx.autopilotAcceleratorTypes.includes(value)) continue;
        report(t.owner, `${t.path}/spec/nodeSelector${ptr(ACCELERATOR_LABEL)}`, `'${value}' is not a GPU type GKE Autopilot admits `
          + `(allowed: ${ctx.autopilotAcceleratorTypes.join(', ')})`, 'choose another \'acceleratorType\'; if your cluster\'s GKE version '
          + `admits ${value}, add it to 'autopilotAcceleratorTypes'; ${STANDARD_FIX}`);
      }
    }
  },
};

/** The pod requests a GPU quantity Autopilot admits for its type, on the GKE version that runs it. */
const gpuQuantity: ManifestRule = {
  id: 'gke-autopilot/gpu-quantity',
  scope: 'autopilot',
  description: `a pod's ${GPU} is a quantity Autopilot admits for its ${ACCELERATOR_LABEL} (8 for B200, H200 and H100 Mega)`,
  source: AUTOPILOT_GPUS_SOURCE,
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      const count = podGpus(t);
      if (count === 0) continue;
      for (const value of nodeSelection(t).get(ACCELERATOR_LABEL) ?? []) {
        const refusal = autopilotQuantityRefusal(value, count);
        if (refusal === undefined) continue;
        report(t.owner, `${t.path}/spec/containers`, refusal, `choose an 'acceleratorType' or model whose replica takes an admitted quantity, ${STANDARD_FIX}`);
      }
    }
  },
};

/** No init container uses GPUs. */
const noGpuInitContainers: ManifestRule = {
  id: 'gke-autopilot/no-gpu-init-containers',
  scope: 'autopilot',
  description: `no init container requests ${GPU}`,
  source: 'S33: ray-project/kuberay #1349; gke-inference-quickstart.md section 8',
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      for (const c of containersOf(t).filter((x) => x.init && gpus(x) > 0)) {
        report(t.owner, `${c.path}/resources`, `init container "${str(c.container.name)}" requests ${GPU}; Autopilot does not support GPU init containers`,
          `move the GPU work into a regular container, ${STANDARD_FIX}`);
      }
    }
  },
};

const AUTOPILOT_EQUAL_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

/** requests == limits for cpu, memory and ephemeral storage (extended resources: kubernetes/resources). */
const requestsEqualLimits: ManifestRule = {
  id: 'gke-autopilot/requests-equal-limits',
  scope: 'autopilot',
  description: 'cpu, memory and ephemeral-storage requests equal their limits where both are set',
  source: 'S33 (Warden "does not have resource==limits"; autopilot-resource-requests page); gke-inference-quickstart.md section 8',
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      for (const c of containersOf(t)) {
        const r = obj(c.container.resources);
        const requests = obj(r.requests);
        const limits = obj(r.limits);
        for (const name of AUTOPILOT_EQUAL_RESOURCES.filter((n) => requests[n] !== undefined && limits[n] !== undefined)) {
          if (parseQuantity(requests[name]) !== parseQuantity(limits[name])) {
            report(t.owner, `${c.path}/resources/requests${ptr(name)}`, `${name} request ${show(requests[name])} differs from its limit `
              + `${show(limits[name])}; Autopilot needs them equal`, `set the ${name} request equal to the limit, ${STANDARD_FIX}`);
          }
        }
      }
    }
  },
};

/** No node-pool selection on Autopilot. */
const noNodePoolSelector: ManifestRule = {
  id: 'gke-autopilot/no-nodepool-selector',
  scope: 'autopilot',
  description: `no ${NODEPOOL_LABEL} node selector or node affinity`,
  source: 'GKE Warden autogke-node-affinity-selector-limitation (S33: rancher/dashboard #10564); gke-inference-quickstart.md section 8',
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      if (nodeSelection(t).has(NODEPOOL_LABEL)) {
        report(t.owner, `${t.path}/spec`, `the pod selects ${NODEPOOL_LABEL}, which Autopilot rejects (it manages the node pools)`,
          `remove the ${NODEPOOL_LABEL} selector, ${STANDARD_FIX}`);
      }
    }
  },
};

/** A per-GPU-shape Autopilot maximum that the reference marks verified. */
interface GpuShapeMaximum {
  readonly accelerator: string;
  readonly count: number;
  readonly maxCpu: number;
  readonly maxMemoryGiB: number;
  readonly source: string;
}

/**
 * Only the shapes whose maxima were verified from a real rejection; the other values in the
 * reference are unconfirmed and deliberately not encoded.
 */
export const AUTOPILOT_GPU_MAXIMA: readonly GpuShapeMaximum[] = [
  { accelerator: 'nvidia-tesla-a100', count: 1, maxCpu: 11, maxMemoryGiB: 74, source: 'argoproj/argo-workflows #13073 (Warden rejection)' },
];

function podTotal(t: PodTemplate, resource: string): number {
  return containersOf(t).filter((c) => !c.init).reduce((sum, c) => {
    const r = obj(c.container.resources);
    return sum + (parseQuantity(obj(r.requests)[resource]) ?? parseQuantity(obj(r.limits)[resource]) ?? 0);
  }, 0);
}

/** Pod cpu and memory within the verified maxima of its GPU shape. */
const gpuShapeMaxima: ManifestRule = {
  id: 'gke-autopilot/gpu-shape-maxima',
  scope: 'autopilot',
  description: 'pod cpu and memory requests stay within the Autopilot maxima of the GPU shape, where verified',
  source: 'S33: autopilot-resource-requests page ("requests above the maximum are rejected"); values per shape in AUTOPILOT_GPU_MAXIMA',
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      const count = podGpus(t);
      for (const accelerator of nodeSelection(t).get(ACCELERATOR_LABEL) ?? []) {
        const max = AUTOPILOT_GPU_MAXIMA.find((m) => m.accelerator === accelerator && m.count === count);
        if (!max) continue;
        const cpu = podTotal(t, 'cpu');
        const memoryGiB = podTotal(t, 'memory') / 2 ** 30;
        const shape = `${count} x ${accelerator}`;
        if (cpu > max.maxCpu) {
          report(t.owner, `${t.path}/spec/containers`, `the pod requests ${cpu} cpu; Autopilot rejects more than ${max.maxCpu} on ${shape} (${max.source})`,
            `lower the cpu request to at most ${max.maxCpu}, ${STANDARD_FIX}`);
        }
        if (memoryGiB > max.maxMemoryGiB) {
          report(t.owner, `${t.path}/spec/containers`, `the pod requests ${+memoryGiB.toFixed(2)}Gi of memory; Autopilot rejects more than `
            + `${max.maxMemoryGiB}Gi on ${shape} (${max.source})`, `lower the memory request to at most ${max.maxMemoryGiB}Gi, ${STANDARD_FIX}`);
        }
      }
    }
  },
};

/** No privileged container, whatever the construct was asked. */
const noPrivileged: ManifestRule = {
  id: 'gke-autopilot/no-privileged',
  scope: 'autopilot',
  description: 'no privileged container (Autopilot rejects them without an allowlist exemption)',
  source: 'GKE Autopilot security constraint autogke-disallow-privilege (S33); gke-inference-quickstart.md section 8',
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      for (const c of containersOf(t).filter((x) => obj(x.container.securityContext).privileged === true)) {
        report(t.owner, `${c.path}/securityContext/privileged`, `container "${str(c.container.name)}" is privileged, which Autopilot rejects`,
          `run it unprivileged, ${STANDARD_FIX}`);
      }
    }
  },
};

/** The GKE rule table: GKE-wide rules, then Autopilot's admission rules. */
export const GKE_RULES: readonly ManifestRule[] = [
  acceleratorCount,
  gcsFuse,
  gpuSelector,
  allowedGpuType,
  gpuQuantity,
  noGpuInitContainers,
  requestsEqualLimits,
  noNodePoolSelector,
  gpuShapeMaxima,
  noPrivileged,
];
