/**
 * A synth-time rule over the whole App: no two objects share `(API group, kind, namespace, name)`.
 * Kubernetes keeps one object per such key, so `kubectl apply` of duplicates silently keeps the last
 * one; and two constructs sharing a ServiceAccount share its grants (a serving pod would inherit a
 * transfer Job's write access to the model bucket).
 */
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { SynthScope, activeSynthScope } from './synth-scope';

/** The id of the rule, as it appears in messages. */
export const UNIQUE_NAMES_RULE_ID = 'kubernetes/unique-object-names';

/** API group of LeaderWorkerSet. */
const LWS_GROUP = 'leaderworkerset.x-k8s.io';

const REGISTERED = Symbol.for('cdk8s-gke-inference.unique-object-names');
const SHARED = Symbol.for('cdk8s-gke-inference.shared-cluster-object');

/**
 * Marks an object every chart that needs it emits identically, one per cluster (GKE's TPU exporter scrape in kube-system): two
 * identical copies in two charts are one object applied twice, not a conflict.
 */
export function markSharedClusterObject(o: ApiObject): void {
  (o as ApiObject & { [SHARED]?: boolean })[SHARED] = true;
}

const isShared = (o: ApiObject) => (o as ApiObject & { [SHARED]?: boolean })[SHARED] === true;

/** What a shared object is, without the labels and annotations each chart adds to its objects (cdk8s `ChartProps.labels`). */
function sharedContent(o: ApiObject): string {
  const { metadata, ...rest } = o.toJson();
  return JSON.stringify({ ...rest, name: metadata?.name, namespace: metadata?.namespace });
}

/** The construct that owns an object: the nearest ancestor that is not a bare ApiObject (a construct of this library or the user's). */
function owner(o: ApiObject): string {
  const scope = o.node.scope;
  return scope ? `${scope.constructor.name} at ${scope.node.path || '/'}` : o.node.path;
}

/** `group/kind`: objects of one kind in two API versions are the same resource. */
function resourceKey(o: ApiObject): string {
  const slash = o.apiVersion.indexOf('/');
  return `${slash < 0 ? '' : o.apiVersion.slice(0, slash)}/${o.kind}`;
}

/** The duplicate-name findings over every ApiObject under `root`. */
export function duplicateObjectNames(root: IConstruct): string[] {
  const seen = new Map<string, ApiObject>();
  const out: string[] = [];
  for (const c of root.node.findAll()) {
    if (!ApiObject.isApiObject(c)) continue;
    const o = c as ApiObject;
    // cdk8s fills metadata.namespace from the chart when the object does not set one; an object without one is applied to 'default'
    // (kubectl's default context namespace), as one that says so is (a cluster-scoped kind never has one, so its objects all key alike)
    const namespace = o.metadata.namespace;
    const key = `${resourceKey(o)}|${namespace ?? 'default'}|${o.name}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, o);
      continue;
    }
    if (isShared(first) && isShared(o)) {
      // one cluster object each chart that needs it emits: the same content, whatever labels each chart puts on its objects
      if (sharedContent(first) === sharedContent(o)) continue;
      out.push(`[${UNIQUE_NAMES_RULE_ID}] ${o.kind} ${namespace ? `${namespace}/` : ''}${o.name}, one cluster object that ${owner(first)} and `
        + `${owner(o)} both emit, differs between them beyond its labels and annotations: keep the two constructs on the same version of this library.`);
      continue;
    }
    const unset = (first.metadata.namespace === undefined) !== (namespace === undefined)
      ? ' (one of them sets no namespace: kubectl applies it to \'default\')' : '';
    out.push(`[${UNIQUE_NAMES_RULE_ID}] ${o.kind} ${namespace ? `${namespace}/` : ''}${o.name} is emitted twice: by ${owner(first)} and by `
      + `${owner(o)}${unset}; Kubernetes keeps one object per name, so one would silently replace the other (and a shared ServiceAccount shares `
      + 'its grants). Fix: give one of the constructs another \'name\' (or another namespace).');
  }
  // a LeaderWorkerSet's controller names the headless Service its pods' DNS names and LWS_LEADER_ADDRESS rest on after the LWS, and
  // creates it only when no Service of that name exists (kubernetes-sigs/lws pkg/utils/controller CreateHeadlessServiceIfNotExists)
  for (const [key, lws] of seen) {
    if (!key.startsWith(`${LWS_GROUP}/LeaderWorkerSet|`)) continue;
    // (the keys count an object without a namespace as in 'default', where it lands)
    const shadow = seen.get(`/Service|${lws.metadata.namespace ?? 'default'}|${lws.name}`);
    if (shadow === undefined) continue;
    out.push(`[${UNIQUE_NAMES_RULE_ID}] Service ${lws.metadata.namespace ? `${lws.metadata.namespace}/` : ''}${lws.name} (by ${owner(shadow)}) `
      + `takes the name of the LeaderWorkerSet of ${owner(lws)}, whose controller then creates no headless Service: the group's pods get `
      + 'no DNS names and LWS_LEADER_ADDRESS never resolves. Fix: give the Service another name (the server names its own <name>-leader).');
  }
  return out;
}

/** Adds the rule to the App (the root of `construct`'s tree) once, however many constructs ask for it. */
export function ensureUniqueObjectNames(construct: Construct): void {
  const root = construct.node.root as Construct & { [REGISTERED]?: boolean };
  if (root[REGISTERED]) return;
  root[REGISTERED] = true;
  // cdk8s validates the App once more per chart within one synthesis, and nothing changes in between: check once per synthesis
  let last: { readonly scope: SynthScope; readonly findings: readonly string[] } | undefined;
  root.node.addValidation({
    validate: () => {
      const scope = activeSynthScope(root);
      if (scope && last?.scope === scope) return [...last.findings];
      const findings = duplicateObjectNames(root);
      last = scope ? { scope, findings } : undefined;
      return findings;
    },
  });
}
