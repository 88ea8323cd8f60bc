/**
 * Node fit: every pod that runs on the server's node pool fits one node's allocatable resources with
 * everything the cluster adds to it. Sources:
 * - allocatable CPU, memory and ephemeral storage: src/catalog/node-allocatable.ts (GKE, Plan GKE Standard node sizes);
 * - the Cloud Storage FUSE sidecar the CSI driver's webhook injects with the `gke-gcsfuse/volumes` annotation, sized from
 *   the `gke-gcsfuse/{cpu,memory,ephemeral-storage}-{limit,request}` annotations exactly as its `populateResource` reads them
 *   (GoogleCloudPlatform/gcs-fuse-csi-driver pkg/webhook/config.go; defaults 250m/250m, 256Mi/256Mi, 5Gi/5Gi from
 *   cmd/webhook/main.go): no annotation takes the defaults, a `"0"` limit without a request takes the default request,
 *   a limit without a request is copied into the request, a request without a limit into the limit;
 * - a pod's effective request: the larger of its containers plus sidecar (restartable) init containers, and each
 *   other init container plus the sidecars started before it (Kubernetes, "Resource sharing within containers").
 */
import { ContainerRef, JsonObject, PodTemplate, arr, obj, parseQuantity, str } from './manifest';
import { ManifestRule, Report } from './rule';

const GIB = 1024 ** 3;
const ACCELERATOR_RESOURCES = ['nvidia.com/gpu', 'google.com/tpu'];

/** The node a construct's accelerator pods land on, as its node pool describes it. */
export interface NodeFitTarget {
  readonly machineType: string;
  /** Labels the node pool's nodes carry and its pods select. */
  readonly nodeSelector: { readonly [key: string]: string };
  readonly allocatableCpu: number;
  readonly allocatableMemoryGiB: number;
  readonly allocatableEphemeralStorageGiB: number;
  readonly bootDiskSizeGb: number;
  /** `local-ssd` or `boot-disk`. */
  readonly ephemeralStorageOn: string;
  /** Server pods one node holds (several replicas packed on one machine); absent: 1. */
  readonly podsPerNode?: number;
}

type Amounts = { cpu: number; memory: number; ephemeral: number };
const RESOURCES: ReadonlyArray<[keyof Amounts, string]> = [['cpu', 'cpu'], ['memory', 'memory'], ['ephemeral', 'ephemeral-storage']];

/** The Cloud Storage FUSE webhook's defaults (gcs-fuse-csi-driver cmd/webhook/main.go): request, limit. */
const GCSFUSE_DEFAULTS: { [K in keyof Amounts]: [number, number] } = {
  cpu: [0.25, 0.25],
  memory: [256 * 1024 ** 2, 256 * 1024 ** 2],
  ephemeral: [5 * GIB, 5 * GIB],
};

/** The request the webhook gives its sidecar for one resource, from the pod's annotations (populateResource). */
export function gcsfuseSidecarRequest(annotations: JsonObject, resource: keyof Amounts, prefix: string = 'gke-gcsfuse/'): number {
  const name = RESOURCES.find(([k]) => k === resource)![1];
  const reqRaw = str(annotations[`${prefix}${name}-request`]);
  const limRaw = str(annotations[`${prefix}${name}-limit`]);
  const [defReq] = GCSFUSE_DEFAULTS[resource];
  if (reqRaw !== undefined) return parseQuantity(reqRaw) ?? 0;
  if (limRaw === undefined) return defReq;
  const lim = parseQuantity(limRaw) ?? 0;
  return lim === 0 ? defReq : lim;
}

function requestsOf(c: ContainerRef): Amounts {
  const r = obj(obj(c.container.resources).requests);
  const l = obj(obj(c.container.resources).limits);
  // a container with a limit and no request requests its limit (Kubernetes defaulting)
  const get = (k: string) => parseQuantity(r[k]) ?? parseQuantity(l[k]) ?? 0;
  return { cpu: get('cpu'), memory: get('memory'), ephemeral: get('ephemeral-storage') };
}

function requestsAccelerator(t: PodTemplate): boolean {
  return t.containers.some((c) => ACCELERATOR_RESOURCES.some((k) => (parseQuantity(obj(obj(c.container.resources).limits)[k]) ?? 0) > 0
    || (parseQuantity(obj(obj(c.container.resources).requests)[k]) ?? 0) > 0));
}

/** What one pod asks of its node, with each part named. */
export interface PodAsk {
  readonly total: Amounts;
  readonly parts: ReadonlyArray<{ readonly name: string; readonly amounts: Amounts }>;
}

/** A pod's effective request with what the cluster adds (the Cloud Storage FUSE sidecar). */
export function podAsk(t: PodTemplate): PodAsk {
  const add = (a: Amounts, b: Amounts): Amounts => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory, ephemeral: a.ephemeral + b.ephemeral });
  const max = (a: Amounts, b: Amounts): Amounts => ({
    cpu: Math.max(a.cpu, b.cpu), memory: Math.max(a.memory, b.memory), ephemeral: Math.max(a.ephemeral, b.ephemeral),
  });
  const zero: Amounts = { cpu: 0, memory: 0, ephemeral: 0 };
  const parts: Array<{ name: string; amounts: Amounts }> = [];
  let sidecars = zero;
  let initPeak = zero;
  for (const c of t.containers.filter((x) => x.init)) {
    const a = requestsOf(c);
    if (c.container.restartPolicy === 'Always') {
      sidecars = add(sidecars, a);
      parts.push({ name: `init sidecar ${String(c.container.name)}`, amounts: a });
    } else {
      initPeak = max(initPeak, add(sidecars, a));
    }
  }
  let regular = sidecars;
  for (const c of t.containers.filter((x) => !x.init)) {
    const a = requestsOf(c);
    regular = add(regular, a);
    parts.push({ name: String(c.container.name), amounts: a });
  }
  const annotations = t.annotations;
  if (str(annotations['gke-gcsfuse/volumes']) === 'true') {
    const a: Amounts = {
      cpu: gcsfuseSidecarRequest(annotations, 'cpu'),
      memory: gcsfuseSidecarRequest(annotations, 'memory'),
      ephemeral: gcsfuseSidecarRequest(annotations, 'ephemeral'),
    };
    regular = add(regular, a);
    parts.push({ name: 'gke-gcsfuse-sidecar (injected by the Cloud Storage FUSE webhook)', amounts: a });
    const prefetch = arr(t.spec.volumes).some((v) => str(obj(obj(obj(v).csi).volumeAttributes).gcsfuseMetadataPrefetchOnMount) === 'true');
    if (prefetch) {
      // the metadata prefetch sidecar: only what its annotations state is counted (a limit without a request is copied into the request)
      const p: Amounts = { cpu: 0, memory: 0, ephemeral: 0 };
      for (const [k, name] of RESOURCES) {
        const raw = str(annotations[`gke-gcsfuse/metadata-prefetch-${name}-request`]) ?? str(annotations[`gke-gcsfuse/metadata-prefetch-${name}-limit`]);
        p[k] = raw === undefined ? 0 : parseQuantity(raw) ?? 0;
      }
      regular = add(regular, p);
      parts.push({ name: 'gke-gcsfuse-metadata-prefetch (injected)', amounts: p });
    }
  }
  return { total: max(regular, initPeak), parts };
}

function fmt(k: keyof Amounts, v: number): string {
  return k === 'cpu' ? `${Number(v.toFixed(3))}` : `${Number((v / GIB).toFixed(1))} GiB`;
}

function selects(t: PodTemplate, node: NodeFitTarget): boolean {
  const sel = obj(t.spec.nodeSelector);
  return Object.entries(node.nodeSelector).every(([k, v]) => sel[k] === v);
}

/** Checks each pod on the node pool, and each chip-less pod that shares a node with the largest accelerator pod (a Pathways leader). */
export function checkNodeFit(templates: readonly PodTemplate[], node: NodeFitTarget, report: Report): void {
  const onPool = templates.filter((t) => selects(t, node));
  const accelerated = onPool.filter(requestsAccelerator);
  const companions = onPool.filter((t) => !requestsAccelerator(t));
  // a packed node holds `podsPerNode` copies of each server pod: together they must fit it
  const pods = node.podsPerNode ?? 1;
  const times = (ask: PodAsk): PodAsk => (pods === 1 ? ask : {
    total: { cpu: ask.total.cpu * pods, memory: ask.total.memory * pods, ephemeral: ask.total.ephemeral * pods },
    parts: ask.parts.map((p) => ({
      name: `${pods} x ${p.name}`,
      amounts: { cpu: p.amounts.cpu * pods, memory: p.amounts.memory * pods, ephemeral: p.amounts.ephemeral * pods },
    })),
  });
  const largest = accelerated.map((t) => ({ t, ask: times(podAsk(t)) })).sort((a, b) => b.ask.total.memory - a.ask.total.memory)[0];
  const allocatable: Amounts = {
    cpu: node.allocatableCpu, memory: node.allocatableMemoryGiB * GIB, ephemeral: node.allocatableEphemeralStorageGiB * GIB,
  };
  const options: { [K in keyof Amounts]: string } = {
    cpu: 'a machine type with more vCPU (another \'acceleratorType\') or fewer CPUs in the containers',
    memory: 'a machine type with more memory (another \'acceleratorType\'), or the model cache off RAM: a bucket on a machine with local SSD',
    ephemeral: node.ephemeralStorageOn === 'local-ssd'
      ? 'a machine type with more local SSD, or the model cache in RAM'
      : `a bigger boot disk (--disk-size above ${node.bootDiskSizeGb} GB), local SSD (--ephemeral-storage-local-ssd), the Cloud Storage FUSE file `
        + 'cache in RAM (gke-gcsfuse-cache emptyDir medium Memory, sidecar limit annotations "0"), or a larger machine',
  };
  const check = (t: PodTemplate, ask: PodAsk, with_?: { t: PodTemplate; ask: PodAsk }) => {
    for (const [k, name] of RESOURCES) {
      const total = ask.total[k] + (with_ ? with_.ask.total[k] : 0);
      if (total <= allocatable[k] + 1e-6) continue;
      const parts = [...ask.parts, ...(with_ ? with_.ask.parts.map((p) => ({ ...p, name: `${p.name} (co-located ${String(obj(with_.t.owner.metadata).name)})` })) : [])]
        .filter((p) => p.amounts[k] > 0).map((p) => `${p.name} ${fmt(k, p.amounts[k])}`).join(', ');
      report(t.owner, `${t.path}/spec`, `${pods > 1 && requestsAccelerator(t) ? `the ${pods} pods a node holds ask` : 'the pod asks'} for ${fmt(k, total)} of ${name} (${parts}), but one ${node.machineType} node `
        + `${k === 'ephemeral' ? `(${node.ephemeralStorageOn === 'local-ssd' ? 'local SSD' : `${node.bootDiskSizeGb} GB boot disk`}) ` : ''}has `
        + `${fmt(k, allocatable[k])} allocatable after GKE's reservations and DaemonSets: it would stay Pending with "Insufficient ${name}"`,
      options[k]);
    }
  };
  for (const t of accelerated) check(t, times(podAsk(t)));
  if (largest) for (const t of companions) check(t, podAsk(t), largest);
}

/** The rule, when the construct passes its node pool (see runner.ts). */
export const nodeFit: ManifestRule = {
  id: 'gke/node-fit',
  scope: 'all',
  description: 'every pod on the server\'s node pool fits one node\'s allocatable CPU, memory and ephemeral storage, '
    + 'with the Cloud Storage FUSE sidecar and init containers',
  source: 'GKE Plan GKE Standard node sizes; gcs-fuse-csi-driver pkg/webhook/config.go and cmd/webhook/main.go',
  check: (ctx, report) => {
    if (ctx.nodeFit) checkNodeFit(ctx.templates, ctx.nodeFit, report);
  },
};
