/**
 * The one hook for what no prop covers: the server's pod template, handed to user code before it is rendered. The hook's
 * result must keep what the construct relies on (the selector and GKE labels, the model server container and its serving
 * port, the accelerator node selectors), and every container it adds passes the rules a sidecar passes.
 */
import { k8s } from 'cdk8s-plus-28';
import { checkAddedContainer } from './pod-customization';
import { typedContainer, typedVolumes } from './typed-values';
import { describeValue, printable } from '../util/input';

/** What a pod template hook is told about the template it edits. */
export interface PodTemplateHookContext {
  /** The server's name: its objects' name and the value of its `app` selector label. */
  readonly serverName: string;
  /** The model server container (`inference-server`; JetStream's engine container on JetStream). */
  readonly containerName: string;
  /** The model server, e.g. `vllm`, `tgi` or `jetstream`. */
  readonly modelServer: string;
  /**
   * The workload the template is rendered into: `Deployment`, or `LeaderWorkerSet` (its leader and worker templates are
   * derived from this one).
   */
  readonly workloadKind: string;
}

/**
 * Edits the server's pod template before it is rendered, for anything no prop covers (a volume and its mount, an init
 * container, a changed probe, a `topologySpreadConstraints`). Implement it in TypeScript as an object with a
 * `transformPodTemplate` method, or in Python with `@jsii.implements(IPodTemplateHook)`.
 *
 * The template given is the server's own copy (with the customisation props applied): change it or return a new one. The
 * result must keep the library's pod labels, the model server container with its `http` port and the accelerator and
 * capacity node selectors, or the construct refuses it; every container it adds (in `containers` or `initContainers`)
 * must carry what a sidecar carries (a pinned image, cpu and memory requests and a memory limit, and
 * `allowPrivilegeEscalation: false` without `privileged`); and the result passes the synth-time validation.
 */
export interface IPodTemplateHook {
  /**
   * The pod template to render.
   * @param template the library's pod template, with the customisation props applied
   * @param context which server and workload the template is for
   */
  transformPodTemplate(template: k8s.PodTemplateSpec, context: PodTemplateHookContext): k8s.PodTemplateSpec;
}

/**
 * A copy of a pod template whose plain objects and arrays are new (the hook may change them in place without reaching the
 * library's shared values); class instances (`k8s.Quantity`, `k8s.IntOrString`) are immutable and kept.
 */
function copyTemplate<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyTemplate) as unknown as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, copyTemplate(v)])) as T;
  }
  return value;
}

/** Checks a hook given from JavaScript or Python. */
export function checkPodTemplateHook(hook: unknown): void {
  if (hook === undefined) return;
  if (hook === null || typeof hook !== 'object' || typeof (hook as IPodTemplateHook).transformPodTemplate !== 'function') {
    throw new Error('\'podTemplateHook\' must be an object with a transformPodTemplate(template, context) method that returns the pod '
      + `template (IPodTemplateHook), got ${describeValue(hook)}.`);
  }
}

/** The template after the hook, checked; the template itself without one. */
export function applyPodTemplateHook(
  template: k8s.PodTemplateSpec, hook: IPodTemplateHook | undefined, context: PodTemplateHookContext, httpPortName: string,
): k8s.PodTemplateSpec {
  if (hook === undefined) return template;
  const fail = (why: string) => new Error(`'podTemplateHook' ${why}`);
  let result: k8s.PodTemplateSpec;
  try {
    result = hook.transformPodTemplate(copyTemplate(template), context);
  } catch (e) {
    // the user's own error, said to come from the hook
    throw fail(`threw: ${e instanceof Error ? e.message : describeValue(e)}`);
  }
  if (result === null || typeof result !== 'object' || result.spec === null || typeof result.spec !== 'object'
    || !Array.isArray(result.spec.containers)) {
    throw fail(`must return a pod template (k8s.PodTemplateSpec with spec.containers), got ${describeValue(result)}.`);
  }
  const labels = result.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(template.metadata?.labels ?? {})) {
    if (labels[k] !== v) {
      throw fail(`removed or changed the pod label '${k}: ${v}': the Service, PodMonitoring, HPA and policies select the pods by the library's `
        + 'labels. Add labels of your own instead (or use \'podLabels\').');
    }
  }
  const server = result.spec.containers.some((c) => c?.name === context.containerName);
  const serving = result.spec.containers.some((c) => (c?.ports ?? []).some((p) => p?.name === httpPortName));
  if (!server || !serving) {
    throw fail(`removed the model server container '${context.containerName}' or the '${httpPortName}' port the Service targets: `
      + 'keep both (change the container in place).');
  }
  const nodeSelector = result.spec.nodeSelector ?? {};
  for (const [k, v] of Object.entries(template.spec?.nodeSelector ?? {})) {
    if (nodeSelector[k] !== v) {
      throw fail(`removed or changed the node selector '${k}: ${v}': the profile, node fit and cost assume that accelerator and capacity. `
        + 'Add selectors of your own instead (or use \'nodeSelector\').');
    }
  }
  const before = new Set([...template.spec!.containers, ...(template.spec!.initContainers ?? [])].map((c) => c.name));
  const names = new Set<string>();
  for (const c of [...result.spec.containers, ...(result.spec.initContainers ?? [])]) {
    if (c === null || typeof c !== 'object' || typeof c.name !== 'string') {
      throw fail(`returned a container that is not a k8s.Container with a name: ${describeValue(c)}.`);
    }
    if (names.has(c.name)) throw fail(`returned two containers named '${c.name}': container names must be unique in a pod.`);
    names.add(c.name);
  }
  // quantities and ports written as plain strings and numbers (JavaScript, Python) become the typed values cdk8s serializes
  const typed: k8s.PodTemplateSpec = {
    ...result,
    spec: {
      ...result.spec,
      containers: result.spec.containers.map((c) => typedContainer(c, `'podTemplateHook' container '${printable(c.name)}'`)),
      ...(result.spec.initContainers ? { initContainers: result.spec.initContainers.map((c) => typedContainer(c, `'podTemplateHook' init container '${printable(c.name)}'`)) } : {}),
      ...(result.spec.volumes ? { volumes: typedVolumes(result.spec.volumes, '\'podTemplateHook\' volumes') } : {}),
    },
  };
  for (const c of [...typed.spec!.containers, ...(typed.spec!.initContainers ?? [])]) {
    if (!before.has(c.name)) checkAddedContainer(c, 'podTemplateHook');
  }
  checkPodConfinement(typed, fail);
  return typed;
}

/** The sysctls the Pod Security Standards' baseline allows (namespaced and isolated from the node). */
const SAFE_SYSCTLS: readonly string[] = [
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
];

/**
 * The Pod Security Standards' rules for the whole pod a hook returns (the library's containers included,
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/): the baseline profile's (no host namespaces, hostPath
 * volumes, host ports, privileged containers or unsafe sysctls) and, as for every container the library emits, the restricted
 * profile's on privileges (no capability added but NET_BIND_SERVICE, no privilege escalation, no unconfined seccomp). GKE
 * Autopilot refuses most of them too ("Security capabilities in Autopilot").
 */
function checkPodConfinement(t: k8s.PodTemplateSpec, fail: (why: string) => Error): void {
  const spec = t.spec!;
  // cdk8s spells them hostPid and hostIpc (hostPID and hostIPC in the manifest): either, from JavaScript
  const flags = spec as unknown as { [key: string]: unknown };
  const host = ['hostNetwork', 'hostPid', 'hostIpc', 'hostPID', 'hostIPC'].filter((k) => flags[k] === true);
  if (host.length > 0) throw fail(`set ${host.join(', ')}: the server's pods share no host namespace (Pod Security Standards, baseline; Autopilot refuses it).`);
  const hostPaths = (spec.volumes ?? []).filter((v) => v?.hostPath !== undefined).map((v) => v.name);
  if (hostPaths.length > 0) {
    throw fail(`added the hostPath volume(s) ${hostPaths.map((n) => `'${printable(String(n))}'`).join(', ')}: the server's pods mount no node path `
      + '(Pod Security Standards, baseline; Autopilot refuses writable ones); use an emptyDir or a CSI volume.');
  }
  if (spec.securityContext?.seccompProfile?.type === 'Unconfined') throw fail('set the pod\'s seccomp profile to Unconfined: the pods run under RuntimeDefault.');
  const unsafe = (spec.securityContext?.sysctls ?? []).map((x) => String(x?.name)).filter((n) => !SAFE_SYSCTLS.includes(n));
  if (unsafe.length > 0) {
    throw fail(`set the sysctls ${unsafe.map((n) => printable(n)).join(', ')}: only the safe set may be set (Pod Security Standards, baseline: `
      + `${SAFE_SYSCTLS.join(', ')}).`);
  }
  const hostPorts = [...spec.containers, ...(spec.initContainers ?? [])]
    .flatMap((c) => (c.ports ?? []).filter((p) => p?.hostPort !== undefined && p.hostPort !== 0).map((p) => `${printable(c.name)}:${p.hostPort}`));
  if (hostPorts.length > 0) {
    throw fail(`bound the host port(s) ${hostPorts.join(', ')}: the server's pods take no host port (Pod Security Standards, baseline); `
      + 'expose a port through a Service instead.');
  }
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    const sc = c.securityContext;
    const added = (sc?.capabilities?.add ?? []).map((x) => String(x).toUpperCase().replace(/^CAP_/, '')).filter((x) => x !== 'NET_BIND_SERVICE');
    const wrong = [
      sc?.privileged === true ? 'privileged: true' : undefined,
      sc?.allowPrivilegeEscalation === true ? 'allowPrivilegeEscalation: true' : undefined,
      added.length > 0 ? `the capabilities ${added.map((x) => printable(x)).join(', ')}` : undefined,
      sc?.seccompProfile?.type === 'Unconfined' ? 'an Unconfined seccomp profile' : undefined,
    ].filter((x): x is string => x !== undefined);
    if (wrong.length > 0) {
      throw fail(`gave the container '${printable(c.name)}' ${wrong.join(', ')}: the server's containers never gain privileges (Pod Security Standards; `
        + 'Autopilot refuses privileged containers and added capabilities).');
    }
  }
}
