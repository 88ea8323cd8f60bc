/**
 * The one hook for what no prop covers: the server's pod template, handed to user code before it is rendered. The hook's
 * result must keep what the construct relies on (the selector and GKE labels, the model server container and its serving
 * port, the accelerator node selectors), and every container it adds passes the rules a sidecar passes.
 */
import { k8s } from 'cdk8s-plus-28';
import { checkAddedContainer } from './pod-customization';
import { describeValue } from '../util/input';

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
  const result = hook.transformPodTemplate(copyTemplate(template), context);
  const fail = (why: string) => new Error(`'podTemplateHook' ${why}`);
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
    if (!before.has(c.name)) checkAddedContainer(c, 'podTemplateHook');
  }
  return result;
}
