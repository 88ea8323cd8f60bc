import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkLabelMap } from './map-props';
import { checkedFor, describeValue, printable } from '../util/input';

/**
 * Where Google Cloud Managed Service for Prometheus scrapes from: its collector DaemonSet, whose pods carry
 * the (immutable selector) label `app.kubernetes.io/name: collector`. Source: GoogleCloudPlatform/prometheus-engine
 * `manifests/operator.yaml` (collector DaemonSet, v0.13.0); GKE's managed collection deploys the same DaemonSet
 * in `gmp-system` on Standard and in `gke-gmp-system` on Autopilot (the inference extension's chart switches
 * to it on Autopilot, config/charts/epplib/templates/_gke.yaml at v1.5.0; an Autopilot cluster lists the collector
 * there), and the collectors run on the pod network (no hostNetwork). Both namespaces are admitted.
 */
export const MANAGED_PROMETHEUS_COLLECTOR = {
  namespaces: ['gke-gmp-system', 'gmp-system'],
  podLabels: { 'app.kubernetes.io/name': 'collector' },
} as const;

/** Label every namespace carries with its own name (Kubernetes >= 1.22). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/;

/** A CIDR's family, address as a number and prefix; undefined for an IPv6 spelling this does not read (an embedded IPv4 tail). */
function cidrRange(cidr: string): { family: 4 | 6; value: bigint; bits: number; prefix: number } | undefined {
  const [address, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (IPV4_CIDR.test(cidr)) {
    return { family: 4, value: address.split('.').reduce((v, o) => v * 256n + BigInt(Number(o)), 0n), bits: 32, prefix };
  }
  if (address.includes('.') || (address.match(/::/g) ?? []).length > 1) return undefined;
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return { family: 6, value: groups.reduce((v, g) => v * 65536n + BigInt(parseInt(g, 16)), 0n), bits: 128, prefix };
}

function checkNamespace(namespace: string, factory: string): void {
  if (typeof namespace !== 'string' || namespace.length > 63 || !DNS1123_LABEL.test(namespace)) {
    throw new Error(`ServerClients.${factory}: 'namespaceName' must be a namespace name (a DNS-1123 label), got ${describeValue(namespace)}.`);
  }
}

/** A factory's label selector: a non-empty label map, refused naming the factory and its 'labels' argument. */
function checkLabels(labels: { [key: string]: string }, factory: string): { [key: string]: string } {
  const where = `ServerClients.${factory}`;
  const checked = checkedFor(where, () => checkLabelMap('labels', labels));
  if (checked === undefined || Object.keys(checked).length === 0) {
    throw new Error(`${where}: 'labels' must be a non-empty map of label keys to values (an empty selector selects every pod), got ${describeValue(labels)}.`);
  }
  // sorted, so that the same labels always synthesize to the same YAML
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Sources allowed to reach an inference server when it is fenced by a NetworkPolicy. The Managed
 * Prometheus collector is always admitted on the server port, so metrics and the HPA keep working.
 *
 * Pod and namespace selection rests on labels, and a NetworkPolicy is only enforced on clusters with
 * network policy enforcement (GKE Dataplane V2, the default on Autopilot, or Calico on Standard).
 *
 * @example
 * new OptimizedLlmServer(chart, 'gemma', {
 *   model: 'google/gemma-2-27b-it',
 *   allowedClients: [ServerClients.inNamespace('gateway'), ServerClients.podLabels({ app: 'chat-frontend' })],
 * });
 */
export class ServerClients {
  /** Any source, in or outside the cluster; the policy still closes every other port of the pods. */
  public static any(): ServerClients {
    return new ServerClients(undefined, 'any source');
  }

  /**
   * Every pod of a namespace.
   * @param namespaceName name of the namespace
   */
  public static inNamespace(namespaceName: string): ServerClients {
    checkNamespace(namespaceName, 'inNamespace');
    return new ServerClients({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespaceName } } }, `namespace ${namespaceName}`);
  }

  /**
   * Every pod of the namespaces that carry all these labels.
   * @param labels namespace labels, all of which must match
   */
  public static namespaceLabels(labels: { [key: string]: string }): ServerClients {
    const matchLabels = checkLabels(labels, 'namespaceLabels');
    return new ServerClients({ namespaceSelector: { matchLabels } }, `namespaces labelled ${JSON.stringify(matchLabels)}`);
  }

  /**
   * Pods of the server's own namespace that carry all these labels.
   * @param labels pod labels, all of which must match
   */
  public static podLabels(labels: { [key: string]: string }): ServerClients {
    const matchLabels = checkLabels(labels, 'podLabels');
    return new ServerClients({ podSelector: { matchLabels } }, `pods labelled ${JSON.stringify(matchLabels)}`);
  }

  /**
   * Pods of another namespace that carry all these labels.
   * @param namespaceName name of the namespace
   * @param labels pod labels, all of which must match
   */
  public static podsInNamespace(namespaceName: string, labels: { [key: string]: string }): ServerClients {
    checkNamespace(namespaceName, 'podsInNamespace');
    const matchLabels = checkLabels(labels, 'podsInNamespace');
    return new ServerClients(
      { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespaceName } }, podSelector: { matchLabels } },
      `pods labelled ${JSON.stringify(matchLabels)} in namespace ${namespaceName}`,
    );
  }

  /**
   * An IP range, e.g. the proxy-only subnet of a GKE Gateway or internal load balancer.
   * @param cidr the range, e.g. `10.129.0.0/23`
   * @param exceptCidrs ranges inside `cidr` to leave out
   */
  public static ipBlock(cidr: string, exceptCidrs: string[] = []): ServerClients {
    const except = Array.isArray(exceptCidrs) ? exceptCidrs : [exceptCidrs];
    for (const [arg, c] of [['cidr', cidr], ...except.map((e) => ['exceptCidrs', e])] as Array<[string, unknown]>) {
      if (typeof c !== 'string' || !(IPV4_CIDR.test(c) || IPV6_CIDR.test(c))) {
        throw new Error(`ServerClients.ipBlock: '${arg}' must be CIDR ranges such as '10.0.0.0/8', got ${describeValue(c)}.`);
      }
    }
    // the API server: each except range "must be a strict subset of `cidr`" (pkg/apis/networking/validation ValidateIPBlock)
    const outer = cidrRange(cidr);
    for (const e of except as string[]) {
      const inner = cidrRange(e);
      if (outer === undefined || inner === undefined) continue;
      const block = 2n ** BigInt(outer.bits - outer.prefix);
      if (inner.family !== outer.family || inner.prefix <= outer.prefix || inner.value / block !== outer.value / block) {
        throw new Error(`ServerClients.ipBlock: 'exceptCidrs' '${printable(e)}' is not a strict subset of '${printable(cidr)}' (the API server refuses an `
          + 'except range outside the block, of the other IP family, or equal to it).');
      }
    }
    return new ServerClients({ ipBlock: { cidr, except: except.length ? [...except] : undefined } }, `IP range ${cidr}`);
  }

  private constructor(
    private readonly peer: k8s.NetworkPolicyPeer | undefined,
    /** The sources, in words (for deployment notes and messages). */
    public readonly description: string,
  ) {}

  /**
   * The NetworkPolicy peer, or undefined for any source.
   * @internal
   */
  public _peer(): k8s.NetworkPolicyPeer | undefined {
    return this.peer;
  }
}

/** What a server's NetworkPolicy fences. */
export interface ServerNetworkPolicyOptions {
  readonly name: string;
  readonly labels: { [key: string]: string };
  readonly selector: { [key: string]: string };
  readonly port: number;
  /** Port the collector scrapes when the metrics are not served on `port` (JetStream's 9100). */
  readonly metricsPort?: number;
  readonly clients: readonly ServerClients[];
  /**
   * Labels of the pods of the same multi-host group (LeaderWorkerSet), admitted on every port: Ray and the
   * NCCL collectives run between them.
   */
  readonly groupPeers?: { [key: string]: string };
}

/** Checks an untyped `allowedClients` value (it may come from JavaScript). */
export function checkAllowedClients(clients: unknown): readonly ServerClients[] | undefined {
  if (clients === undefined) return undefined;
  if (!Array.isArray(clients) || clients.some((c) => !(c instanceof ServerClients))) {
    throw new Error('\'allowedClients\' must be a list of ServerClients (ServerClients.inNamespace(...), ServerClients.podLabels(...), '
      + 'ServerClients.any(), ...).');
  }
  return clients;
}

/**
 * A NetworkPolicy that admits ingress to the server pods only on the server port, from the given
 * clients and from the Managed Prometheus collector. An empty client list admits the collector alone.
 */
export function createServerNetworkPolicy(scope: Construct, id: string, options: ServerNetworkPolicyOptions): k8s.KubeNetworkPolicy {
  const ports = [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(options.port) }];
  const collector: k8s.NetworkPolicyPeer = {
    namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [...MANAGED_PROMETHEUS_COLLECTOR.namespaces] }] },
    podSelector: { matchLabels: { ...MANAGED_PROMETHEUS_COLLECTOR.podLabels } },
  };
  const ingress: k8s.NetworkPolicyIngressRule[] = [];
  if (options.clients.length > 0) {
    const peers = options.clients.map((c) => c._peer());
    if (peers.some((p) => p === undefined)) {
      ingress.push({ ports });
    } else {
      const unique = new Map(peers.map((p) => [JSON.stringify(p), p!]));
      ingress.push({ from: [...unique.values()], ports });
    }
  }
  const collectorPorts = options.metricsPort !== undefined && options.metricsPort !== options.port
    ? [...ports, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(options.metricsPort) }] : ports;
  ingress.push({ from: [collector], ports: collectorPorts });
  if (options.groupPeers) ingress.push({ from: [{ podSelector: { matchLabels: { ...options.groupPeers } } }] });
  return new k8s.KubeNetworkPolicy(scope, id, {
    metadata: { name: options.name, labels: options.labels },
    spec: {
      podSelector: { matchLabels: options.selector },
      policyTypes: ['Ingress'],
      ingress,
    },
  });
}
