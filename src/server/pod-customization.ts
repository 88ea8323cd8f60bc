/**
 * The common customisations of a server's pods as props instead of JSON patches (a plain-string patch
 * value silently deletes a field: cdk8s-team/cdk8s#2172): environment variables, labels and annotations,
 * extra node selectors and tolerations, image pull secrets, a priority class and sidecar containers. The
 * library's own values win nothing silently: a customisation that would replace one is refused, naming
 * both. Sidecars pass the same synth-time rules as the server (a pinned image, cpu and memory requests
 * and a memory limit, no privilege escalation), so the rules tell what a sidecar must carry.
 */
import { k8s } from 'cdk8s-plus-28';
import { checkLabelMap, stringMap } from './map-props';
import { typedContainer } from './typed-values';
import { machineArchitecture } from '../catalog/machine-architecture';
import { GPU_DRIVER_VERSION_LABEL } from '../resolver/node-pool';
import { describeValue, printable } from '../util/input';
import { isPinnedImageReference } from '../util/references';
import { escapeKubernetesExpansion } from '../util/shell-quote';
import { isDns1123Subdomain, isLabelValue, isQualifiedName } from '../validation/manifest';

/**
 * Customisations of a server's pods that no library value depends on: what `OptimizedLlmServerProps` accepts besides the
 * request, the server's own props and `podTemplateHook`. None of them may replace a value the library sets.
 */
export interface PodCustomization {
  /**
   * Extra environment variables of the server container, as literal values (a `$` stays a `$`: no `$(VAR)` expansion), emitted in name order.
   * Names the library sets (MODEL_ID, HF_TOKEN, ...) are refused.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Extra labels on the server's pods (not on the selector). The selector and GKE labels cannot be replaced.
   * @default - none
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Extra annotations on the server's pods. The Cloud Storage FUSE annotations cannot be replaced.
   * @default - none
   */
  readonly podAnnotations?: { [key: string]: string };
  /**
   * Extra node-selector labels (for example a node pool or a zone). The accelerator and capacity selectors the profile
   * and cost assume cannot be replaced.
   * @default - only the accelerator and capacity selectors
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * Extra tolerations of the server's pods (for example of a dedicated node pool's taint).
   * @default - only the capacity's (Spot) toleration
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Secrets with registry credentials for pulling the images (for example a private mirror of the vLLM image).
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * The PriorityClass of the server's pods.
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
  /**
   * Extra containers in the server's pods. They pass the same synth-time rules as the server: an image pinned to a tag or
   * digest, cpu and memory requests and a memory limit, and a security context without privilege escalation (requests
   * count towards the node fit).
   * @default - none
   */
  readonly sidecars?: k8s.Container[];
}

/** The customisation prop names (part of the server's run-time prop list). */
export const POD_CUSTOMIZATION_PROPS: readonly string[] = [
  'env', 'podLabels', 'podAnnotations', 'nodeSelector', 'tolerations', 'imagePullSecrets', 'priorityClassName', 'sidecars',
];

const isEnvName = (v: string) => /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(v);

function noOverride(
  name: string, given: { [k: string]: string } | undefined, ours: { [k: string]: string } | undefined, why: string, sameValueOk = false,
): void {
  for (const [k, v] of Object.entries(given ?? {})) {
    // on a map merged by key, the same value is no override (GKE's Arm guide has users set kubernetes.io/arch: arm64, which the
    // library sets on GB200)
    if (ours && k in ours && !(sameValueOk && ours[k] === v)) throw new Error(`'${name}' cannot set '${k}': the library sets it (${why}).`);
  }
}

/** Checks the customisation props (they may come untyped from JavaScript). */
export function checkPodCustomization(c: PodCustomization): void {
  stringMap('env', c.env, isEnvName, 'environment variable names');
  // the container runtime execs the server with these: Go's exec refuses a string holding NUL (EINVAL), and execve(2) refuses one string
  // over MAX_ARG_STRLEN, 32 pages (128 KiB, E2BIG), so the container would never start
  for (const [k, v] of Object.entries(c.env ?? {})) {
    if (v.includes('\u0000')) throw new Error(`'env' '${printable(k)}': a value may not hold a NUL character (the container runtime refuses to start it).`);
    if (Buffer.byteLength(`${k}=${v}`, 'utf8') >= 128 * 1024) {
      throw new Error(`'env' '${printable(k)}': a variable of ${Buffer.byteLength(v, 'utf8')} bytes is over the 128 KiB a process environment `
        + 'string may hold (execve MAX_ARG_STRLEN); mount larger data from a ConfigMap or Secret volume.');
    }
  }
  checkLabelMap('podLabels', c.podLabels);
  stringMap('podAnnotations', c.podAnnotations, isQualifiedName, 'annotation keys');
  // the API server refuses an object whose annotations total more than 256 KiB (apimachinery TotalAnnotationSizeLimitB); the
  // library's own provenance annotations take a few KiB of it
  const annotationBytes = Object.entries(c.podAnnotations ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (annotationBytes > 240 * 1024) {
    throw new Error(`'podAnnotations' total ${annotationBytes} bytes: the API server refuses a pod whose annotations exceed 256 KiB (the `
      + 'library\'s own provenance annotations need some of it); keep them under 240 KiB, and put larger data in a ConfigMap.');
  }
  // the annotations that would lift a container's confinement (Pod Security Standards, baseline: AppArmor runtime/default or localhost/*
  // only, no unconfined seccomp)
  for (const [k, v] of Object.entries(c.podAnnotations ?? {})) {
    const appArmor = k.startsWith('container.apparmor.security.beta.kubernetes.io/') && !(v === 'runtime/default' || v.startsWith('localhost/'));
    const seccomp = /^(seccomp\.security\.alpha\.kubernetes\.io\/pod|container\.seccomp\.security\.alpha\.kubernetes\.io\/.+)$/.test(k) && v === 'unconfined';
    if (appArmor || seccomp) {
      throw new Error(`'podAnnotations' '${printable(k)}': '${printable(v)}' would lift the containers' ${appArmor ? 'AppArmor' : 'seccomp'} confinement; `
        + `the server's pods run confined (${appArmor ? 'runtime/default or a localhost/ profile' : 'seccomp RuntimeDefault'}).`);
    }
  }
  stringMap('nodeSelector', c.nodeSelector, isQualifiedName, 'label keys', isLabelValue, 'a label value');
  if (c.imagePullSecrets !== undefined && (!Array.isArray(c.imagePullSecrets)
    || c.imagePullSecrets.some((s) => typeof s !== 'string' || !isDns1123Subdomain(s)))) {
    throw new Error(`'imagePullSecrets' must be a list of Secret names, got ${describeValue(c.imagePullSecrets)}.`);
  }
  if (c.priorityClassName !== undefined && (typeof c.priorityClassName !== 'string' || !isDns1123Subdomain(c.priorityClassName))) {
    throw new Error(`'priorityClassName' must be the name of a PriorityClass, got ${describeValue(c.priorityClassName)}.`);
  }
  // Kubernetes reserves system- names for its own classes and, by default, limits system-node-critical and system-cluster-critical to
  // kube-system with a ResourceQuota (GKE's gcp-critical-pods): elsewhere the ReplicaSet fails "insufficient quota to match these scopes"
  if (c.priorityClassName?.startsWith('system-')) {
    throw new Error(`'priorityClassName' '${c.priorityClassName}' is a system class: Kubernetes admits system-node-critical and system-cluster-critical `
      + 'only in kube-system (a ResourceQuota on GKE), so the pods would never be created; create a PriorityClass of your own and name it.');
  }
  for (const [name, list] of [['tolerations', c.tolerations], ['sidecars', c.sidecars]] as const) {
    if (list !== undefined && (!Array.isArray(list) || list.some((x) => x === null || typeof x !== 'object' || Array.isArray(x)))) {
      throw new Error(`'${name}' must be a list of objects (k8s.${name === 'sidecars' ? 'Container' : 'Toleration'}), got ${describeValue(list)}.`);
    }
  }
  // the API server's Toleration rules: a key is a qualified name (or empty with Exists), Exists takes no value, the effect is one of three
  for (const t of c.tolerations ?? []) {
    const where = `'tolerations' entry ${describeValue(t)}`;
    const unknown = Object.keys(t).filter((k) => !['key', 'operator', 'value', 'effect', 'tolerationSeconds'].includes(k));
    if (unknown.length > 0) throw new Error(`${where}: ${unknown.join(', ')} is no Toleration field (key, operator, value, effect, tolerationSeconds).`);
    if (t.key !== undefined && (typeof t.key !== 'string' || !isQualifiedName(t.key))) throw new Error(`${where}: 'key' must be a label key.`);
    if (t.operator !== undefined && t.operator !== 'Equal' && t.operator !== 'Exists') throw new Error(`${where}: 'operator' must be 'Equal' or 'Exists'.`);
    if (t.value !== undefined && (typeof t.value !== 'string' || !isLabelValue(t.value))) {
      throw new Error(`${where}: 'value' must be a label value (a string of at most 63 letters, digits, '-', '_' and '.').`);
    }
    if (t.operator === 'Exists' && t.value !== undefined && t.value !== '') throw new Error(`${where}: 'value' must be empty with 'operator' 'Exists'.`);
    if (t.key === undefined && t.operator !== 'Exists') throw new Error(`${where}: without a 'key', 'operator' must be 'Exists' (tolerate every taint).`);
    if (t.effect !== undefined && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) {
      throw new Error(`${where}: 'effect' must be 'NoSchedule', 'PreferNoSchedule' or 'NoExecute'.`);
    }
    if (t.tolerationSeconds !== undefined && (!Number.isInteger(t.tolerationSeconds) || t.effect !== 'NoExecute')) {
      throw new Error(`${where}: 'tolerationSeconds' must be a whole number of seconds, with 'effect' 'NoExecute'.`);
    }
  }
  for (const s of c.sidecars ?? []) {
    if (typeof s.name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s.name)) {
      throw new Error(`'sidecars' container name ${describeValue(s.name)} is not a DNS-1123 label.`);
    }
    // the API server: "spec.containers[1].restartPolicy: Forbidden: may not be set for non-init containers"
    if ((s as { restartPolicy?: unknown }).restartPolicy !== undefined) {
      throw new Error(`'sidecars' container '${s.name}': 'restartPolicy' is for native sidecars (init containers) only, and the API server refuses it on `
        + 'a regular container; these sidecars run beside the server as regular containers: remove it.');
    }
  }
}

/** What every container added to the server's pods must carry, for the error that lists what one lacks. */
export const ADDED_CONTAINER_RULES = 'every container in the server\'s pods carries what the server\'s own do: an image pinned to a tag '
  + 'other than latest or to a digest (a restart must not pull other code); a cpu request, a memory request and a memory limit (they '
  + 'count towards the node fit the profile was sized for; on Autopilot requests equal limits); and a securityContext with '
  + 'allowPrivilegeEscalation: false and without privileged: true (the library\'s containers never gain privileges, and GKE '
  + 'Autopilot refuses privileged containers; the pod runs under seccomp RuntimeDefault), adding no capability but NET_BIND_SERVICE and '
  + 'no Unconfined seccomp or AppArmor profile (the Pod Security Standards\' restricted profile). '
  + 'For example: { name: \'log-shipper\', image: \'fluent/fluent-bit:3.2.4\', resources: { requests: { cpu: 100m, memory: 64Mi }, '
  + 'limits: { memory: 64Mi } }, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } } }';

/**
 * Checks a container added to the server's pods (a sidecar, or one a pod template hook adds) against the rules the
 * library's own containers follow, naming everything it lacks at once.
 * @param prop the prop it came from, `sidecars` or `podTemplateHook`
 */
export function checkAddedContainer(c: k8s.Container, prop: string): void {
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  const sc = c.securityContext;
  const missing = [
    isPinnedImageReference(c.image) ? undefined : `a pinned image (got ${describeValue(c.image)})`,
    requests.cpu === undefined ? 'a cpu request' : undefined,
    requests.memory === undefined ? 'a memory request' : undefined,
    limits.memory === undefined ? 'a memory limit' : undefined,
    sc?.allowPrivilegeEscalation === false ? undefined : 'securityContext.allowPrivilegeEscalation: false',
    sc?.privileged === true ? 'privileged unset or false' : undefined,
    // the Pod Security Standards' restricted profile: no capability added back but NET_BIND_SERVICE, no unconfined seccomp or AppArmor
    // (https://kubernetes.io/docs/concepts/security/pod-security-standards/)
    (sc?.capabilities?.add ?? []).some((cap) => String(cap).toUpperCase().replace(/^CAP_/, '') !== 'NET_BIND_SERVICE')
      ? `no added capabilities but NET_BIND_SERVICE (got ${(sc?.capabilities?.add ?? []).map((x) => printable(String(x))).join(', ')})` : undefined,
    sc?.seccompProfile?.type === 'Unconfined' ? 'a seccomp profile other than Unconfined' : undefined,
    // k8s 1.28's types predate securityContext.appArmorProfile (1.30): read it untyped
    (sc as { appArmorProfile?: { type?: string } } | undefined)?.appArmorProfile?.type === 'Unconfined' ? 'an AppArmor profile other than Unconfined' : undefined,
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) {
    throw new Error(`'${prop}' container '${printable(c.name)}' lacks ${missing.join(', ')}: ${ADDED_CONTAINER_RULES}. `
      + 'See the README section "Sidecars and the pod template hook".');
  }
}

/** The values the GPU driver label takes (`--accelerator gpu-driver-version`: default, latest). */
const GPU_DRIVER_VERSIONS: readonly string[] = ['default', 'latest'];

/**
 * The machine a pod was planned for: what a node selector must not contradict. (Not the region: `region` prices the plan, and the
 * cluster may run anywhere, so a zone or region selector is the user's to choose.)
 */
export interface PlannedMachine {
  readonly machineType: string;
  readonly region: string;
}

/**
 * Node labels that say which machine, accelerator, capacity or place a node is (GKE's and Kubernetes' well-known labels). A pod
 * that selects a value other than the planned machine's never schedules: the value each must have, or undefined where the
 * library sets the label itself when it applies (accelerator, TPU and capacity labels), so any other value contradicts the plan.
 */
function plannedLabelValue(key: string, m: PlannedMachine): ((v: string) => boolean) | 'library' | undefined {
  switch (key) {
    case 'kubernetes.io/arch': case 'beta.kubernetes.io/arch': return (v) => v === machineArchitecture(m.machineType);
    case 'node.kubernetes.io/instance-type': case 'beta.kubernetes.io/instance-type': return (v) => v === m.machineType;
    case 'cloud.google.com/machine-family': return (v) => v === m.machineType.split('-')[0];
    case 'cloud.google.com/gke-accelerator': case 'cloud.google.com/gke-accelerator-count': case 'cloud.google.com/gke-tpu-accelerator':
    case 'cloud.google.com/gke-tpu-topology': case 'cloud.google.com/gke-spot': case 'cloud.google.com/gke-preemptible':
    case 'cloud.google.com/gke-provisioning': case 'cloud.google.com/reservation-name': case 'cloud.google.com/reservation-affinity':
    case 'cloud.google.com/gke-flex-start':
      return 'library';
    default: return undefined;
  }
}

/** Refuses a node selector that contradicts the planned machine, accelerator, capacity or region. */
function checkPlannedMachine(given: { [k: string]: string } | undefined, ours: { [k: string]: string } | undefined, m: PlannedMachine): void {
  for (const [k, v] of Object.entries(given ?? {})) {
    if (ours && k in ours) continue; // refused by noOverride, with its own reason
    const planned = plannedLabelValue(k, m);
    if (planned === undefined || (planned !== 'library' && planned(v))) continue;
    throw new Error(`'nodeSelector' '${printable(k)}: ${printable(v)}' contradicts the machine the profile and cost were planned for (${m.machineType} `
      + `in ${m.region}${planned === 'library' ? ', with the accelerator and capacity selectors the library sets' : ''}): no node would match. `
      + 'Leave it out, and change the machine with \'acceleratorType\', \'capacity\' or \'region\'.');
  }
}

/**
 * The pod template with the customisations applied to the pod and to the server container `containerName`.
 * @param machine the machine the pod was planned for: a node selector that contradicts it is refused
 */
export function customizePod(
  template: k8s.PodTemplateSpec, c: PodCustomization, containerName: string, machine?: PlannedMachine,
): k8s.PodTemplateSpec {
  if (POD_CUSTOMIZATION_PROPS.every((k) => (c as { [key: string]: unknown })[k] === undefined)) return template;
  const spec = template.spec!;
  // JetStream's engine container has its own name: the first container is the server's
  const serverName = spec.containers.some((x) => x.name === containerName) ? containerName : spec.containers[0].name;
  const labels = template.metadata?.labels ?? {};
  noOverride('podLabels', c.podLabels, labels, 'selector and GKE labels', true);
  noOverride('podAnnotations', c.podAnnotations, template.metadata?.annotations, 'Cloud Storage FUSE or provenance');
  // the GPU driver the library selects on Autopilot (latest) is the user's to change: GKE installs either
  const driver = c.nodeSelector?.[GPU_DRIVER_VERSION_LABEL];
  if (driver !== undefined && !GPU_DRIVER_VERSIONS.includes(driver)) {
    throw new Error(`'nodeSelector' '${GPU_DRIVER_VERSION_LABEL}: ${printable(driver)}': GKE installs the ${GPU_DRIVER_VERSIONS.join(' or ')} driver; `
      + 'use one of those.');
  }
  const ourSelector = driver === undefined || spec.nodeSelector === undefined ? spec.nodeSelector
    : Object.fromEntries(Object.entries(spec.nodeSelector).filter(([k]) => k !== GPU_DRIVER_VERSION_LABEL));
  noOverride('nodeSelector', c.nodeSelector, ourSelector, 'the accelerator and capacity the profile and cost assume', true);
  if (machine) checkPlannedMachine(c.nodeSelector, ourSelector, machine);
  const server = spec.containers.find((x) => x.name === serverName)!;
  const ours = Object.fromEntries((server.env ?? []).map((e) => [e.name, '']));
  noOverride('env', c.env, ours, 'the server needs it');
  const names = new Set([...spec.containers, ...(spec.initContainers ?? [])].map((x) => x.name));
  // quantities and ports written as plain strings and numbers (JavaScript, Python) become the typed values cdk8s serializes
  const sidecars = (c.sidecars ?? []).map((x, i) => typedContainer(x, `'sidecars'[${i}] '${printable(String(x.name))}'`));
  for (const s of sidecars) {
    if (names.has(s.name)) throw new Error(`'sidecars' container '${s.name}' has the name of a container the library emits: rename it.`);
    names.add(s.name);
    checkAddedContainer(s, 'sidecars');
  }
  // sorted by name: values are escaped (no $(VAR) refers to another), so their order means nothing, and a map whose keys come in another
  // order (merged, or read from JSON) must not change the pod template (a Recreate rollout restarts every replica)
  const env = Object.entries(c.env ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ name, value: escapeKubernetesExpansion(value) }));
  return {
    ...template,
    metadata: {
      ...template.metadata,
      labels: { ...labels, ...c.podLabels },
      ...(c.podAnnotations || template.metadata?.annotations ? { annotations: { ...template.metadata?.annotations, ...c.podAnnotations } } : {}),
    },
    spec: {
      ...spec,
      nodeSelector: c.nodeSelector ? { ...spec.nodeSelector, ...c.nodeSelector } : spec.nodeSelector,
      tolerations: c.tolerations?.length ? [...(spec.tolerations ?? []), ...c.tolerations] : spec.tolerations,
      imagePullSecrets: c.imagePullSecrets?.length ? c.imagePullSecrets.map((name) => ({ name })) : spec.imagePullSecrets,
      priorityClassName: c.priorityClassName ?? spec.priorityClassName,
      containers: [
        ...spec.containers.map((x) => (x.name === serverName && env.length ? { ...x, env: [...(x.env ?? []), ...env] } : x)),
        ...sidecars,
      ],
    },
  };
}
