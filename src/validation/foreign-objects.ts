/**
 * Synth-time checks over the whole App of what other constructs emit around a server's pods.
 *
 * A second scrape (`secondScrape`): a PodMonitoring of another construct on the pods of a server whose HPA reads its own scrape.
 *
 * A NetworkPolicy that another construct emits (cdk8s-plus `client.connections.allowTo(server)`
 * and `allowFrom(server)` put one on the server's pods by default, isolation "both sides") must not cut a server off from what it
 * needs. NetworkPolicies add up, and a pod any Ingress (Egress) policy selects admits only what one of them allows (Kubernetes,
 * "Network Policies": "The two sorts of pod isolation"), so a policy admitting a client on the serving port alone shuts out:
 * - the Managed Prometheus collector (gmp-system, gke-gmp-system): the PodMonitoring, and the HPA reading it, see nothing;
 * - on a multi-host group, the group's own pods on every port: the workers never reach the Ray head or the leader (NCCL, Pathways'
 *   resource manager), and the group never starts;
 * and an Egress policy shuts the server off DNS, the model download and the GKE metadata server.
 * The server's own policies (`allowedClients`, the gateway's) admit the collector and the group; this check leaves them out.
 */
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { JsonObject } from './manifest';
import { SynthScope, activeSynthScope, renderOncePerSynth } from './synth-scope';

/** The pods of a server, as a foreign policy would select them. */
export interface ServedPods {
  /** How errors name the server, e.g. `OptimizedLlmServer 'gemma'`. */
  readonly owner: string;
  readonly namespace: string;
  /** The labels of each kind of pod the server runs (a Deployment's; a LeaderWorkerSet's leaders and workers). */
  readonly podLabels: ReadonlyArray<{ readonly [key: string]: string }>;
  /** The port the collector scrapes. */
  readonly metricsPort: number;
  /** The names the pods give that port (a scrape may name it rather than number it). */
  readonly metricsPortNames: readonly string[];
  /** Whether the pods form multi-host groups, which talk to each other on every port. */
  readonly multiHost: boolean;
  /** The server-metric series an HPA reads from the server's own scrape (a Pods metric), when one does. */
  readonly hpaMetric?: string;
}

/** The Managed Prometheus collector: its namespaces and pod labels (GKE, Managed Service for Prometheus). */
const COLLECTOR = { namespaces: ['gke-gmp-system', 'gmp-system'], podLabels: { 'app.kubernetes.io/name': 'collector' } };
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

interface LabelSelector {
  readonly matchLabels?: { readonly [key: string]: string };
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values?: readonly string[] }>;
}

/** Whether a label selector selects a set of labels (an empty selector selects everything). */
export function selects(selector: LabelSelector | undefined, labels: { readonly [key: string]: string }): boolean {
  if (selector === undefined) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    const ok = e.operator === 'In' ? has && (e.values ?? []).includes(value)
      : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(value)
        : e.operator === 'Exists' ? has
          : e.operator === 'DoesNotExist' ? !has : false;
    if (!ok) return false;
  }
  return true;
}

interface Peer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: unknown;
}
interface Rule {
  readonly from?: readonly Peer[];
  readonly to?: readonly Peer[];
  readonly ports?: ReadonlyArray<{ readonly port?: number | string; readonly endPort?: number }>;
}

const allPorts = (r: Rule) => r.ports === undefined || r.ports.length === 0;
const coversPort = (r: Rule, port: number) => allPorts(r) || r.ports!.some((p) => p.port === undefined || typeof p.port === 'string'
  || (p.endPort !== undefined ? p.port <= port && port <= p.endPort : p.port === port));

/** Whether a rule's peers admit pods of these labels in namespace `ns` (no peers: everything). */
function admits(peers: readonly Peer[] | undefined, policyNamespace: string, ns: string, labels: { readonly [key: string]: string }): boolean {
  if (peers === undefined || peers.length === 0) return true;
  return peers.some((p) => p.ipBlock === undefined && selects(p.podSelector, labels)
    && (p.namespaceSelector === undefined ? ns === policyNamespace : selects(p.namespaceSelector, { [NAMESPACE_NAME_LABEL]: ns })));
}

/** What a foreign NetworkPolicy selecting the server's pods fails to admit; nothing when it does not select them or admits it all. */
export function foreignPolicyGaps(policy: JsonObject, pods: ServedPods): string[] {
  const spec = (policy.spec ?? {}) as { podSelector?: LabelSelector; policyTypes?: string[]; ingress?: Rule[]; egress?: Rule[] };
  const namespace = ((policy.metadata ?? {}) as { namespace?: string }).namespace ?? 'default';
  if (namespace !== pods.namespace) return [];
  const selected = pods.podLabels.filter((l) => selects(spec.podSelector, l));
  if (selected.length === 0) return [];
  const types = spec.policyTypes ?? ['Ingress', ...(spec.egress ? ['Egress'] : [])];
  const gaps: string[] = [];
  if (types.includes('Ingress')) {
    const ingress = spec.ingress ?? [];
    const collector = COLLECTOR.namespaces.some((ns) => ingress.some((r) => coversPort(r, pods.metricsPort)
      && admits(r.from, namespace, ns, COLLECTOR.podLabels)));
    if (!collector) gaps.push(`the Managed Prometheus collector (${COLLECTOR.namespaces.join(' or ')}) on port ${pods.metricsPort}: the PodMonitoring and an HPA reading it would see nothing`);
    if (pods.multiHost && !ingress.some((r) => allPorts(r) && pods.podLabels.every((l) => admits(r.from, namespace, namespace, l)))) {
      gaps.push('the pods of the same multi-host group on every port: the workers would never reach the leader (Ray, NCCL, Pathways), and the group never starts');
    }
  }
  if (types.includes('Egress') && !(spec.egress ?? []).some((r) => allPorts(r) && (r.to === undefined || r.to.length === 0))) {
    gaps.push('egress to every destination: the server needs DNS, the model download (Hugging Face or Cloud Storage), the GKE metadata server'
      + `${pods.multiHost ? ' and its group\'s pods' : ''}`);
  }
  return gaps;
}

/**
 * Whether a PodMonitoring (or ClusterPodMonitoring) of another construct scrapes the server's metrics a second time. Each scrape target
 * is a series of its own in Cloud Monitoring, and the Custom Metrics Stackdriver Adapter adds up a Pods metric's series per pod
 * (k8s-stackdriver custom-metrics-stackdriver-adapter translator: one quantity per namespace:pod, summed), so an HPA reading the
 * server's own scrape would see twice the load and hold twice the replicas.
 */
export function secondScrape(monitoring: JsonObject, pods: ServedPods): boolean {
  if (pods.hpaMetric === undefined) return false;
  const namespace = ((monitoring.metadata ?? {}) as { namespace?: string }).namespace ?? 'default';
  if (monitoring.kind === 'PodMonitoring' && namespace !== pods.namespace) return false;
  const spec = (monitoring.spec ?? {}) as { selector?: LabelSelector; endpoints?: Array<{ port?: number | string }> };
  if (!pods.podLabels.some((l) => selects(spec.selector, l))) return false;
  // another port of the same pods (a sidecar's exporter) is another series, not a second one of the server's
  return (spec.endpoints ?? []).some((e) => e.port === pods.metricsPort || (typeof e.port === 'string' && pods.metricsPortNames.includes(e.port)));
}

/** A NetworkPolicy or PodMonitoring of the App, rendered, with the server whose tree holds it (if any). */
interface Around {
  readonly object: ApiObject;
  readonly json: JsonObject;
  readonly owner?: IConstruct;
}

/** The servers that registered the check: an object in one of their trees is that server's own. */
const SERVERS = new WeakSet<IConstruct>();

/** The labels a server's pods are found by: a selector naming one of them (with its value) can only select that server's pods. */
const NAME_LABELS = ['app', 'leaderworkerset.sigs.k8s.io/name'];

/** `namespace|name`: the namespace (`*` for a ClusterPodMonitoring) and the server name the selector names (`*` when none). */
function indexKeys(json: JsonObject): string {
  const metadata = (json.metadata ?? {}) as { namespace?: string };
  const namespace = json.kind === 'ClusterPodMonitoring' ? '*' : metadata.namespace ?? 'default';
  const spec = (json.spec ?? {}) as { podSelector?: LabelSelector; selector?: LabelSelector };
  const labels = (spec.podSelector ?? spec.selector)?.matchLabels ?? {};
  const named = NAME_LABELS.map((k) => labels[k]).find((v) => v !== undefined);
  return `${namespace}|${named ?? '*'}`;
}

/**
 * The NetworkPolicies and PodMonitorings of an App, found and rendered once per synthesis for all its servers, indexed by namespace
 * and the server name their selector names: each server looks at the few that can select it (an App of 1000 servers walks once).
 */
const aroundServers = new WeakMap<IConstruct, { readonly scope: SynthScope; readonly index: ReadonlyMap<string, readonly Around[]> }>();

function aroundIndex(root: IConstruct): ReadonlyMap<string, readonly Around[]> {
  const scope = activeSynthScope(root);
  const known = aroundServers.get(root);
  if (scope && known?.scope === scope) return known.index;
  const index = new Map<string, Around[]>();
  for (const c of root.node.findAll()) {
    if (!ApiObject.isApiObject(c) || !(c.kind === 'NetworkPolicy' || c.kind === 'PodMonitoring' || c.kind === 'ClusterPodMonitoring')) continue;
    // rendered once per synthesis, for this check and the output alike
    renderOncePerSynth(c);
    const json = c.toJson() as JsonObject;
    const entry: Around = { object: c, json, owner: c.node.scopes.find((s) => SERVERS.has(s)) };
    const key = indexKeys(json);
    const same = index.get(key);
    if (same) same.push(entry);
    else index.set(key, [entry]);
  }
  if (scope) aroundServers.set(root, { scope, index });
  return index;
}

/**
 * Adds the check for one server's pods to the server construct: every NetworkPolicy of the App outside the server's tree that selects
 * them. `describe` gives the server's pods from what it emits (called at synth time).
 */
export function addForeignPolicyCheck(server: IConstruct, describe: () => ServedPods): void {
  SERVERS.add(server);
  const root = server.node.root;
  let last: { readonly scope: SynthScope; readonly findings: readonly string[] } | undefined;
  server.node.addValidation({
    validate: () => {
      const scope = activeSynthScope(root);
      if (scope && last?.scope === scope) return [...last.findings];
      const pods = describe();
      const findings: string[] = [];
      const index = aroundIndex(root);
      const name = pods.podLabels.map((l) => NAME_LABELS.map((k) => l[k]).find((v) => v !== undefined)).find((v) => v !== undefined) ?? '*';
      const candidates = [pods.namespace, '*'].flatMap((ns) => [...new Set([name, '*'])].flatMap((n) => index.get(`${ns}|${n}`) ?? []));
      for (const { object: c, json, owner } of candidates) {
        // the server's own objects (its allowedClients and gateway policies, its PodMonitoring) are not foreign
        if (owner === server) continue;
        if ((c.kind === 'PodMonitoring' || c.kind === 'ClusterPodMonitoring') && secondScrape(json, pods)) {
          findings.push(`${pods.owner}: [gke/second-scrape] ${c.kind} ${c.metadata.namespace ? `${c.metadata.namespace}/` : ''}${c.name} `
            + `(${c.node.path}) scrapes the server's pods on port ${pods.metricsPort} beside the server's own PodMonitoring: the HPA reads `
            + `${pods.hpaMetric} per pod, and the metrics adapter adds up both scrapes' series, so it would see twice the load and hold `
            + 'twice the replicas. Fix: drop that PodMonitoring (the server\'s own one scrapes every metric of its pods), or select other pods.');
          continue;
        }
        if (c.kind !== 'NetworkPolicy') continue;
        const gaps = foreignPolicyGaps(json, pods);
        if (gaps.length === 0) continue;
        findings.push(`${pods.owner}: [kubernetes/foreign-network-policy] NetworkPolicy ${pods.namespace}/${c.name} (${c.node.path}) selects the server's `
          + `pods and does not admit ${gaps.join('; nor ')}. Fix: with cdk8s-plus pass { isolation: PodConnectionsIsolation.POD } to `
          + 'connections.allowTo/allowFrom (a policy on the client\'s side only), and fence the server with its \'allowedClients\', which '
          + 'admits the collector and the group; or admit them in that policy.');
      }
      last = scope ? { scope, findings } : undefined;
      return findings;
    },
  });
}
