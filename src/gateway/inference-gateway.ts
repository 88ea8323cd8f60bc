/**
 * GKE Inference Gateway in front of OptimizedLlmServers: a GKE Gateway (or an existing one), and per server
 * an InferencePool of its serving pods with its Endpoint Picker, an HTTPRoute for its model, GKE's
 * HealthCheckPolicy and GCPBackendPolicy for the pool, and an InferenceObjective per workload class.
 *
 * Sources: GKE "Deploy GKE Inference Gateway" and "Configure Body-Based Routing"
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/deploy-gke-inference-gateway,
 * https://cloud.google.com/kubernetes-engine/docs/how-to/configure-body-based-routing), and the
 * `inferencepool` Helm chart of kubernetes-sigs/gateway-api-inference-extension at tag v1.5.0, which that
 * guide installs (config/charts/inferencepool/templates/{inferencepool,gke,httproute,inferenceobjectives}.yaml).
 */
import { ApiObject, Chart, Duration, Names } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { createEndpointPicker, EPP_EXT_PROC_PORT, EPP_IMAGE, EPP_VLLM_METRICS, OBJECTIVE_GROUP, POOL_GROUP } from './endpoint-picker';
import { describeName, modelNameMatches, servedNames } from './model-names';
import { derivedRequestTimeout } from './request-timeout';
import { compareReleases, modelServerByName, VLLM } from '../catalog/model-servers';
import { Gateway, HttpRoute, HttpRouteSpecRulesMatchesPathType } from '../imports/gateway.networking.k8s.io';
import { InferencePool, InferencePoolSpecEndpointPickerRefFailureMode } from '../imports/inference.networking.k8s.io';
import { InferenceObjective } from '../imports/inference.networking.x-k8s.io';
import { GcpBackendPolicy, HealthCheckPolicy, HealthCheckPolicySpecDefaultConfigType } from '../imports/networking.gke.io';
import { VLLM_RELEASES } from '../performance/performance-constants';
import { Annotations } from '../server/annotations';
import { leaderSelector } from '../server/multi-host';
import { OptimizedLlmServer } from '../server/optimized-llm-server';
import { validateName } from '../server/server-checks';
import { chartNamespace } from '../server/server-props';
import { terminationGrace } from '../server/termination';
import { atLeast } from '../storage/gke-version';
import { checkedScope, checkObject, checkOptionalBoolean, checkOptionalInstance, checkOptionalInteger, checkOptionalString, checkProps, describeValue, printable } from '../util/input';
import { checkPinnedImage } from '../util/references';
import { shellQuote } from '../util/shell-quote';
import { addManifestValidation, validationOptionsFrom } from '../validation/runner';

/** The header GKE's body-based router sets from the OpenAI request's `model` field, and the routes match on. */
const MODEL_NAME_HEADER = 'X-Gateway-Model-Name';
/** The request header that names an InferenceObjective (`x-gateway-inference-objective`, pkg/epp/metadata/consts.go @ v1.5.0). */
const OBJECTIVE_HEADER = 'x-gateway-inference-objective';
/** The listener of a Gateway this construct creates (GKE's sample gateway.yaml: `http`, port 80, HTTP). */
const LISTENER = { name: 'http', port: 80, protocol: 'HTTP' };
/** The inference extension release the EPP, the CRDs and the body-based router come from. */
const GAIE_VERSION = 'v1.5.0';
/** GKE installs the Gateway API and Inference Extension CRDs itself from this version (GKE "Deploy GKE Inference Gateway"). */
const GKE_CRDS_VERSION = '1.34.0-gke.1626000';
/** The oldest GKE the Gateway controller programs an Inference Gateway on (GKE "Deploy GKE Inference Gateway": "GKE version 1.32.3"). */
const GKE_GATEWAY_MINIMUM_VERSION = '1.32.3';
const RELEASE_URL = `https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/${GAIE_VERSION}`;

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Where the gateway's routes attach: a GKE Gateway this construct creates (internal or external regional
 * Application Load Balancer), or a Gateway that already exists.
 */
export class GatewayFrontend {
  /**
   * A new Gateway of class `gke-l7-rilb`: a regional internal Application Load Balancer, reachable from the
   * VPC only. Needs a proxy-only subnet in the cluster's region.
   * @see https://cloud.google.com/kubernetes-engine/docs/concepts/gateway-api#gatewayclass
   */
  public static internalLoadBalancer(): GatewayFrontend {
    return new GatewayFrontend('gke-l7-rilb', undefined, undefined);
  }

  /**
   * A new Gateway of class `gke-l7-regional-external-managed`: a regional external Application Load
   * Balancer, reachable from the internet. Needs a proxy-only subnet in the cluster's region.
   */
  public static externalLoadBalancer(): GatewayFrontend {
    return new GatewayFrontend('gke-l7-regional-external-managed', undefined, undefined);
  }

  /**
   * A Gateway that already exists: the routes attach to it and no Gateway is created. Its listeners must
   * admit HTTPRoutes from the chart's namespace.
   * @param name the Gateway's name
   * @param gatewayNamespace the Gateway's namespace
   * @default gatewayNamespace - the chart's namespace
   */
  public static existingGateway(name: string, gatewayNamespace?: string): GatewayFrontend {
    if (typeof name !== 'string' || !DNS_SUBDOMAIN.test(name) || name.length > 253) {
      throw new Error('GatewayFrontend.existingGateway: \'name\' must be the Gateway\'s name, a Kubernetes object name (lower-case letters, digits, \'-\' and \'.\'), '
        + `got ${describeValue(name)}.`);
    }
    if (gatewayNamespace !== undefined && (typeof gatewayNamespace !== 'string' || !DNS_LABEL.test(gatewayNamespace) || gatewayNamespace.length > 63)) {
      throw new Error('GatewayFrontend.existingGateway: \'gatewayNamespace\' must be a namespace name, a DNS-1123 label (at most 63 lower-case letters, digits and \'-\'), '
        + `got ${describeValue(gatewayNamespace)}.`);
    }
    return new GatewayFrontend(undefined, name, gatewayNamespace);
  }

  /** The GatewayClass of the Gateway to create; undefined for an existing Gateway. */
  public readonly gatewayClassName?: string;
  /** The name of the existing Gateway; undefined when one is created. */
  public readonly existingGatewayName?: string;
  /** The namespace of the existing Gateway, when it is not the chart's. */
  public readonly existingGatewayNamespace?: string;

  private constructor(gatewayClassName?: string, existingGatewayName?: string, existingGatewayNamespace?: string) {
    this.gatewayClassName = gatewayClassName;
    this.existingGatewayName = existingGatewayName;
    this.existingGatewayNamespace = existingGatewayNamespace;
  }
}

/** A workload class: requests that name it get its priority, which decides whether they are shed when the pool is saturated. */
export interface InferenceWorkloadClass {
  /**
   * The class's name (a DNS-1123 label). The InferenceObjective of a pool is named `<pool>-<name>`, and a
   * request selects it with the header `x-gateway-inference-objective: <pool>-<name>`.
   */
  readonly name: string;
  /**
   * Priority under saturation. A negative priority makes the class sheddable: while the pool is saturated (by the picker's default thresholds, a
   * queue of 5 requests or a KV cache 80% full) the Endpoint Picker drops its requests with HTTP 429; zero and above are always admitted, as are
   * requests that name no objective (priority 0). The v1.5.0 picker's legacy admission (pkg/epp/requestcontrol/admission.go) does
   * not order admitted requests by priority: that needs its experimental flow control, which is not enabled.
   * @default 0
   */
  readonly priority?: number;
}

/** Properties of an {@link InferenceGateway}. */
export interface InferenceGatewayProps {
  /**
   * The servers behind the gateway; one model each. Add more with `addServer`.
   * @default - none
   */
  readonly servers?: OptimizedLlmServer[];
  /**
   * Name of the Gateway this construct creates.
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * Where the routes attach.
   * @default GatewayFrontend.internalLoadBalancer()
   */
  readonly frontend?: GatewayFrontend;
  /**
   * Route each request by the `model` field of its OpenAI body (GKE's body-based router copies it into the
   * `X-Gateway-Model-Name` header, which each server's HTTPRoute matches). Without it the gateway fronts
   * one server and its route takes every request. With it, a request whose body names no model (`GET /v1/models`, `/health`, a
   * body without `model`) matches no route and gets 404 from the load balancer: one server behind a gateway needs no router.
   * @default true
   */
  readonly bodyBasedRouting?: boolean;
  /**
   * Workload classes, each an InferenceObjective (with its priority) on every pool.
   * @default - none: every request has priority 0
   */
  readonly workloadClasses?: InferenceWorkloadClass[];
  /**
   * The load balancer's backend timeout, for every server.
   * @default - per server, 1.5 x (TTFT + maxModelLength x NTPOT) at its operating point, at least 30 s
   */
  readonly requestTimeout?: Duration;
  /**
   * IPv4 range of the proxy-only subnet of the load balancer's region and VPC, e.g. `10.129.0.0/23`. Needed
   * when a server is fenced by `allowedClients`: the gateway then adds a NetworkPolicy that admits the
   * load balancer's proxies (this range), its health-check probes (35.191.0.0/16, 130.211.0.0/22) and the
   * Endpoint Picker to the server's port.
   * @see https://cloud.google.com/load-balancing/docs/firewall-rules
   * @default - no NetworkPolicy is added; a server with `allowedClients` is refused
   */
  readonly proxyOnlySubnetCidr?: string;
  /**
   * The Endpoint Picker image. Must carry a tag other than `latest` or a digest.
   * @default 'registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0'
   */
  readonly endpointPickerImage?: string;
}

const KNOWN_PROPS = [
  'servers', 'name', 'frontend', 'bodyBasedRouting', 'workloadClasses', 'requestTimeout', 'proxyOnlySubnetCidr', 'endpointPickerImage',
];
/**
 * Where a regional Application Load Balancer's health-check probes come from (its proxies come from the proxy-only subnet):
 * https://cloud.google.com/load-balancing/docs/firewall-rules, regional internal and external Application Load Balancers.
 */
const HEALTH_CHECK_RANGES = ['35.191.0.0/16', '130.211.0.0/22'];
/** Which gateway fronts a server: one InferencePool (and Endpoint Picker) per server. */
const FRONTED_BY = new WeakMap<OptimizedLlmServer, InferenceGateway>();
const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$/;

/**
 * GKE Inference Gateway in front of one or more {@link OptimizedLlmServer}s.
 *
 * A ClusterIP Service spreads connections over the replicas, whatever their queues and KV caches hold. The
 * gateway instead sends each request through the Endpoint Picker of the model's InferencePool, which picks
 * the replica by queue depth, KV-cache utilisation and prefix-cache affinity, and serves several models
 * behind one address, routed by the request's `model`. `server.service` stays for in-cluster clients.
 *
 * Per server: an `InferencePool` (inference.networking.k8s.io/v1) of exactly its serving pods and port, its
 * Endpoint Picker (Deployment, Service, ServiceAccount, Role and RoleBinding, ConfigMap), an `HTTPRoute`
 * for its model, a `HealthCheckPolicy` on its health endpoint, a `GCPBackendPolicy` with a timeout that
 * fits its longest generation, and an `InferenceObjective` per workload class.
 *
 * @see https://cloud.google.com/kubernetes-engine/docs/how-to/deploy-gke-inference-gateway
 * @example
 * const gateway = new InferenceGateway(chart, 'gateway', {
 *   servers: [gemma, deepseek],
 *   workloadClasses: [{ name: 'interactive', priority: 10 }],
 * });
 */
export class InferenceGateway extends Construct {
  /** Name of the Gateway the routes attach to (created here, or the existing one). */
  public readonly gatewayName: string;
  /** The Gateway (gateway.networking.k8s.io/v1), absent when attaching to an existing one. */
  public readonly gateway?: ApiObject;
  /** The InferencePools, one per server, in the order the servers were added. */
  public readonly inferencePools: ApiObject[] = [];
  /** The HTTPRoutes, one per server. */
  public readonly httpRoutes: ApiObject[] = [];
  /**
   * The GCPBackendPolicies, one per server's pool: GKE attaches only one to a backend, so add to these (e.g. `iap` with
   * `addJsonPatch`) rather than writing another.
   */
  public readonly backendPolicies: ApiObject[] = [];
  /** What must exist in the cluster for these manifests to work, one line each. */
  public readonly deploymentNotes: string[] = [];

  private readonly namespace: string;
  private readonly frontend: GatewayFrontend;
  private readonly bodyBasedRouting: boolean;
  private readonly workloadClasses: InferenceWorkloadClass[];
  private readonly requestTimeout?: Duration;
  private readonly image: string;
  private readonly proxyOnlySubnetCidr?: string;
  private readonly models = new Map<string, OptimizedLlmServer>();

  constructor(scope: Construct, id: string, props: InferenceGatewayProps = {}) {
    super(checkedScope(scope, id, 'InferenceGateway'), id);
    checkProps(props, 'InferenceGateway props', KNOWN_PROPS, false);
    checkOptionalString('name', props.name);
    checkOptionalBoolean('bodyBasedRouting', props.bodyBasedRouting);
    checkOptionalInstance('frontend', props.frontend, (v) => v instanceof GatewayFrontend,
      'GatewayFrontend.internalLoadBalancer(), GatewayFrontend.externalLoadBalancer() or GatewayFrontend.existingGateway(name)');
    checkOptionalInstance('requestTimeout', props.requestTimeout, (v) => v instanceof Duration, 'Duration.minutes(10) (from cdk8s)');
    if (props.servers !== undefined && !Array.isArray(props.servers)) {
      throw new Error(`'servers' must be a list of OptimizedLlmServer, got ${describeValue(props.servers)}.`);
    }
    this.namespace = chartNamespace(this);
    // the Endpoint Picker names its pool's namespace (--pool-namespace) and its RoleBinding its ServiceAccount's: objects without a
    // namespace, applied elsewhere, would leave it looking in 'default' without permissions there
    if (Chart.of(this).namespace === undefined) {
      throw new Error(`InferenceGateway '${props.name ?? id}': the chart has no 'namespace', but the Endpoint Picker must name the namespace of its `
        + 'InferencePool and of its ServiceAccount: give the Chart a namespace (new Chart(app, \'llm\', { namespace: \'llm\' }), or \'default\').');
    }
    this.frontend = props.frontend ?? GatewayFrontend.internalLoadBalancer();
    this.bodyBasedRouting = props.bodyBasedRouting ?? true;
    this.workloadClasses = checkWorkloadClasses(props.workloadClasses);
    checkOptionalString('proxyOnlySubnetCidr', props.proxyOnlySubnetCidr);
    if (props.proxyOnlySubnetCidr !== undefined && !IPV4_CIDR.test(props.proxyOnlySubnetCidr)) {
      throw new Error('\'proxyOnlySubnetCidr\' must be an IPv4 range such as \'10.129.0.0/23\' (the proxy-only subnet\'s), '
        + `got ${describeValue(props.proxyOnlySubnetCidr)}.`);
    }
    if (props.proxyOnlySubnetCidr !== undefined) checkProxyOnlySubnet(props.proxyOnlySubnetCidr);
    this.proxyOnlySubnetCidr = props.proxyOnlySubnetCidr;
    this.image = props.endpointPickerImage === undefined ? EPP_IMAGE : checkPinnedImage(props.endpointPickerImage, 'endpointPickerImage');
    if (props.requestTimeout !== undefined) {
      const s = props.requestTimeout.toSeconds({ integral: false });
      if (!Number.isInteger(s) || s < 1 || s > 2_147_483_647) {
        throw new Error(`'requestTimeout' must be a whole number of seconds from 1 to 2147483647 (GCPBackendPolicy timeoutSec), got ${s} s.`);
      }
      this.requestTimeout = props.requestTimeout;
    }

    if (this.frontend.existingGatewayName !== undefined) {
      if (props.name !== undefined) {
        throw new Error(`'name' ('${printable(props.name)}') names a Gateway to create, but 'frontend' is the existing Gateway `
          + `'${this.frontend.existingGatewayName}': remove 'name', or use GatewayFrontend.internalLoadBalancer().`);
      }
      this.gatewayName = this.frontend.existingGatewayName;
    } else {
      this.gatewayName = props.name ?? Names.toDnsLabel(this);
      validateName(this.gatewayName, props.name === undefined ? this.node.path : undefined);
      this.gateway = new Gateway(this, 'Resource', {
        metadata: { name: this.gatewayName },
        spec: { gatewayClassName: this.frontend.gatewayClassName!, listeners: [{ ...LISTENER }] },
      });
    }
    // the body-based router's chart installs objects of fixed names (body-based-router, bbr-healthcheck) in the Gateway's namespace and
    // attaches to one Gateway (inferenceGateway.name): routes of several InferenceGateways on one Gateway share its release, but a
    // second Gateway in that namespace would need a second release, which fails (GAIE v1.5.0 config/charts/body-based-routing)
    if (this.bodyBasedRouting) {
      const ns = this.frontend.existingGatewayNamespace ?? this.namespace;
      const ref = this.gatewayRef();
      const other = this.node.root.node.findAll().find((c): c is InferenceGateway => c !== this && c instanceof InferenceGateway
        && c.bodyBasedRouting && (c.frontend.existingGatewayNamespace ?? c.namespace) === ns && c.gatewayRef() !== ref);
      if (other) {
        throw new Error(`InferenceGateway '${this.gatewayName}': the Gateway ${other.gatewayRef()} of InferenceGateway '${other.node.path}' already routes `
          + `by the request's model in namespace '${ns}', and the body-based router's chart installs objects of fixed names there for one Gateway, `
          + 'so a second release for this Gateway fails. Attach both to one Gateway (GatewayFrontend.existingGateway), set \'bodyBasedRouting\' '
          + 'to false (one server behind it), or put this Gateway in another namespace.');
      }
    }
    addManifestValidation(this, validationOptionsFrom({}, `InferenceGateway '${this.gatewayName}'`));
    this.deploymentNotes.push(...this.gatewayNotes());
    for (const server of props.servers ?? []) this.addServer(server);
  }

  /**
   * Puts a server behind the gateway: its InferencePool, Endpoint Picker, HTTPRoute, health-check and
   * backend policies and workload-class objectives.
   */
  public addServer(server: OptimizedLlmServer): void {
    if (!(server instanceof OptimizedLlmServer)) {
      throw new Error(`InferenceGateway '${this.gatewayName}': addServer takes an OptimizedLlmServer, got ${describeValue(server)}.`);
    }
    const r = server.resolution;
    const name = server.name;
    if (r.modelServer !== VLLM.name) {
      throw new Error(`InferenceGateway '${this.gatewayName}': OptimizedLlmServer '${name}' runs ${r.modelServer}, but the ${GAIE_VERSION} `
        + 'Endpoint Picker reads vLLM\'s metrics (queue, KV cache, prefix cache) to pick a replica: put only vLLM servers behind the gateway, '
        + 'and reach this one through its Service.');
    }
    if (r.gkeVersion !== undefined && !atLeast(r.gkeVersion, GKE_GATEWAY_MINIMUM_VERSION)) {
      throw new Error(`InferenceGateway '${this.gatewayName}': OptimizedLlmServer '${name}' is planned for GKE ${r.gkeVersion} ('gkeVersion'), but `
        + `GKE's Gateway controller programs an Inference Gateway from ${GKE_GATEWAY_MINIMUM_VERSION} ("Deploy GKE Inference Gateway"): `
        + 'upgrade the cluster, or reach the server through its Service.');
    }
    // vLLM's adapter endpoints take no authentication: behind the load balancer every one of its clients could load code-bearing
    // adapters into the server (the HTTPRoute matches every path, and the body-based router copies 'model' from any JSON body)
    if (r.lora?.runtimeLoraUpdating) {
      throw new Error(`InferenceGateway '${this.gatewayName}': OptimizedLlmServer '${name}' sets 'runtimeLoraUpdating', which opens vLLM's `
        + '/v1/load_lora_adapter and /v1/unload_lora_adapter without authentication; behind the gateway every client of the load balancer could '
        + 'call them. List the adapters in \'loraAdapters\' (served by name through the gateway) and remove \'runtimeLoraUpdating\', or keep '
        + 'this server off the gateway and reach it through its Service from the clients in \'allowedClients\'.');
    }
    const fronting = FRONTED_BY.get(server);
    if (fronting !== undefined && fronting !== this) {
      throw new Error(`InferenceGateway '${this.gatewayName}': OptimizedLlmServer '${name}' is already behind InferenceGateway `
        + `'${fronting.gatewayName}'; its InferencePool and Endpoint Picker would be emitted twice. Attach both gateways' routes to one `
        + 'pool: create one InferenceGateway for the server and use GatewayFrontend.existingGateway(...) for the other address.');
    }
    const other = this.models.get(r.model);
    if (other === server) throw new Error(`InferenceGateway '${this.gatewayName}': OptimizedLlmServer '${name}' was added twice.`);
    if (other !== undefined && other.resolution.model === r.model) {
      throw new Error(`InferenceGateway '${this.gatewayName}': OptimizedLlmServer '${name}' and OptimizedLlmServer '${other.name}' both serve `
        + `model '${r.model}', and requests are routed by the model name, so one of the two would never be reached. Put one model per server `
        + 'behind a gateway (scale one server with minReplicas/maxReplicas instead of adding a second).');
    }
    const names = servedNames(r);
    for (const n of names) {
      const holder = this.models.get(n.name);
      if (holder === undefined) continue;
      const theirs = servedNames(holder.resolution).find((x) => x.name === n.name)!;
      throw new Error(`InferenceGateway '${this.gatewayName}': the ${describeName(n)} of OptimizedLlmServer '${name}' has the name of the `
        + `${describeName(theirs)} of OptimizedLlmServer '${holder.name}'; requests are routed by the model name, so every model and adapter `
        + 'behind one gateway needs a name of its own: rename the adapter.');
    }
    // every InferenceGateway of the app whose routes attach to the same Gateway: identical matches go to the oldest route only
    const gatewayRef = this.gatewayRef();
    for (const sharing of this.node.root.node.findAll()) {
      if (sharing === this || !(sharing instanceof InferenceGateway) || sharing.gatewayRef() !== gatewayRef || sharing.models.size === 0) continue;
      if (!this.bodyBasedRouting && !sharing.bodyBasedRouting) {
        throw new Error(`InferenceGateway '${this.gatewayName}' and InferenceGateway '${sharing.gatewayName}' both route every request on the Gateway `
          + `${gatewayRef} (no 'bodyBasedRouting'): two identical routes, of which the Gateway API sends every request to the older, so `
          + `'${name}' or '${[...sharing.models.values()][0].name}' would never be reached. Put both servers behind one gateway with 'bodyBasedRouting'.`);
      }
      const taken = names.find((n) => sharing.models.has(n.name));
      if (taken !== undefined) {
        throw new Error(`InferenceGateway '${this.gatewayName}': the ${describeName(taken)} of OptimizedLlmServer '${name}' is also routed by `
          + `InferenceGateway '${sharing.gatewayName}' on the same Gateway ${gatewayRef}: one of the two routes would never be matched; give it a name `
          + 'of its own or put both servers behind one gateway.');
      }
    }
    if (!this.bodyBasedRouting && this.models.size > 0) {
      throw new Error(`InferenceGateway '${this.gatewayName}': 'bodyBasedRouting' is false, so the gateway routes every request to one server, `
        + `but '${[...this.models.values()][0].name}' is already behind it: set 'bodyBasedRouting' to true to add '${name}'.`);
    }
    if (Chart.of(server).namespace === undefined) {
      throw new Error(`InferenceGateway '${this.gatewayName}': OptimizedLlmServer '${name}' is in a chart without a namespace, so its objects `
        + `land wherever they are applied while its InferencePool and Endpoint Picker look in '${this.namespace}': give its chart the `
        + `namespace '${this.namespace}'.`);
    }
    const serverNamespace = chartNamespace(server);
    if (serverNamespace !== this.namespace) {
      throw new Error(`InferenceGateway '${this.gatewayName}' is in namespace '${this.namespace}' but OptimizedLlmServer '${name}' is in `
        + `'${serverNamespace}': an InferencePool selects pods of its own namespace. Put both in one chart namespace.`);
    }
    const eppName = `${name}-epp`;
    if (eppName.length > 63) {
      throw new Error(`InferenceGateway '${this.gatewayName}': the Endpoint Picker Service of OptimizedLlmServer '${name}' would be named `
        + `'${eppName}' (${eppName.length} characters), longer than a Service name's 63: give the server a 'name' of at most 59 characters.`);
    }
    for (const c of this.workloadClasses) {
      if (name.length + 1 + c.name.length > 253) {
        throw new Error(`'workloadClasses' '${c.name}': the InferenceObjective '${name}-${c.name}' is longer than an object name's 253 characters.`);
      }
    }
    // a policy with a rule from any source (ServerClients.any()) already admits the proxies on the server port
    const admitsAny = (server.networkPolicy?.toJson().spec?.ingress ?? []).some((rule: { from?: unknown[] }) => rule.from === undefined);
    if (server.networkPolicy !== undefined && !admitsAny && this.proxyOnlySubnetCidr === undefined) {
      throw new Error(`InferenceGateway '${this.gatewayName}': OptimizedLlmServer '${name}' is fenced by 'allowedClients', so the load balancer's `
        + 'proxies could not reach it: set \'proxyOnlySubnetCidr\' to the range of the proxy-only subnet (gcloud compute networks subnets '
        + 'list --filter=purpose=REGIONAL_MANAGED_PROXY) and the gateway admits its proxies, health checks and Endpoint Picker.');
    }
    const matches = this.bodyBasedRouting ? modelNameMatches(names, MODEL_NAME_HEADER, name) : undefined;
    for (const n of names) this.models.set(n.name, server);
    FRONTED_BY.set(server, this);

    const scope = new Construct(this, name);
    const modelServer = modelServerByName(r.modelServer);
    const labels = { 'app.kubernetes.io/name': name };
    // the pods that serve HTTP: the Deployment's (selector app=<name>), or a LeaderWorkerSet's leaders only
    const selector = r.nodes > 1 ? leaderSelector(name) : { app: name };
    // the gauge of the server's own vLLM release (renamed in 0.9.2), which the Endpoint Picker must be told
    const version = modelServer.versions.find((v) => v.version === r.modelServerVersion);
    const epp = createEndpointPicker(scope, {
      name: eppName,
      poolName: name,
      namespace: this.namespace,
      image: this.image,
      metricsPath: modelServer.metricsPath,
      kvCacheUsageMetric: version?.kvCacheUsageMetric ?? EPP_VLLM_METRICS.kvUsageSpec,
      // vLLM's V1 engine caches prefixes by default; the V0 engine (before 0.8) runs without unless asked
      prefixCaching: version === undefined || compareReleases(version.baseRelease, VLLM_RELEASES.v1Engine.release) >= 0,
      poolGracePeriodSeconds: terminationGrace(r).seconds,
    });

    const pool = new InferencePool(scope, 'InferencePool', {
      metadata: { name, labels },
      spec: {
        selector: { matchLabels: selector },
        targetPorts: [{ number: modelServer.port }],
        // appProtocol left out: HTTP/1.1 is its default (the CRD's description), and the field only came with the v1.4.0 CRD, which a
        // cluster whose CRD GKE installed earlier may not have (strict field validation would refuse the pool)
        endpointPickerRef: {
          name: eppName,
          port: { number: EPP_EXT_PROC_PORT },
          // the chart's default: should the EPP be down, the load balancer still forwards to some replica
          failureMode: InferencePoolSpecEndpointPickerRefFailureMode.FAIL_OPEN,
        },
      },
    });
    pool.node.addDependency(epp.service);
    this.inferencePools.push(pool);

    const poolRef = { group: POOL_GROUP, kind: 'InferencePool', name };
    const route = new HttpRoute(scope, 'HttpRoute', {
      metadata: { name, labels },
      spec: {
        parentRefs: [{
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: this.gatewayName,
          namespace: this.frontend.existingGatewayNamespace,
        }],
        // with body-based routing, the model's name and each of its LoRA adapters' (model-names.ts); without, every request
        rules: (matches ?? [[{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: '/' } }]]).map((m) => ({
          matches: m,
          backendRefs: [{ ...poolRef }],
        })),
      },
    });
    this.httpRoutes.push(route);

    // a policy that admits any source on the serving port (a multi-host group's default) needs nothing more for the gateway
    if (server.networkPolicy !== undefined && !admitsAny) {
      // NetworkPolicies add up: this one admits, next to the server's own allowedClients, what the gateway needs on the serving port.
      // It sits in the server's tree: it fences the server's pods, and the server's synth-time validation sees them
      new k8s.KubeNetworkPolicy(server, 'GatewayNetworkPolicy', {
        metadata: { name: `${name}-gateway`, labels },
        spec: {
          podSelector: { matchLabels: { app: name } },
          policyTypes: ['Ingress'],
          ingress: [{
            from: [
              // the Endpoint Picker scrapes the servers' metrics on the serving port
              { podSelector: { matchLabels: { ...epp.selector } } },
              ...[this.proxyOnlySubnetCidr!, ...HEALTH_CHECK_RANGES].map((cidr) => ({ ipBlock: { cidr } })),
            ],
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(modelServer.port) }],
          }],
        },
      });
      // the server's own note names its allowedClients only: say what this one adds
      this.deploymentNotes.push(`Inference Gateway: NetworkPolicy ${name}-gateway also admits to ${name}'s port ${modelServer.port}, beside its `
        + `'allowedClients', the load balancer's proxy-only subnet ${this.proxyOnlySubnetCidr}, its health-check probes `
        + `(${HEALTH_CHECK_RANGES.join(', ')}) and the Endpoint Picker ${eppName}.`);
    }
    // the chart's GKE health check (templates/gke.yaml): HTTP on the serving port and health path, every 2 s with a 2 s timeout
    new HealthCheckPolicy(scope, 'HealthCheckPolicy', {
      metadata: { name, labels },
      spec: {
        targetRef: { ...poolRef },
        default: {
          timeoutSec: 2,
          checkIntervalSec: 2,
          config: {
            type: HealthCheckPolicySpecDefaultConfigType.HTTP,
            httpHealthCheck: { requestPath: modelServer.healthPath, port: modelServer.port },
          },
        },
      },
    });
    const timeout = this.requestTimeout !== undefined
      ? { seconds: this.requestTimeout.toSeconds(), explanation: `${this.requestTimeout.toSeconds()} s ('requestTimeout')` }
      : derivedRequestTimeout(r);
    this.backendPolicies.push(new GcpBackendPolicy(scope, 'GcpBackendPolicy', {
      metadata: { name, labels, annotations: { [Annotations.REQUEST_TIMEOUT]: timeout.explanation } },
      spec: {
        targetRef: { ...poolRef },
        default: { timeoutSec: timeout.seconds, logging: { enabled: true } },
      },
    }));
    for (const c of this.workloadClasses) {
      new InferenceObjective(scope, `Objective-${c.name}`, {
        metadata: { name: `${name}-${c.name}`, labels },
        spec: { priority: c.priority ?? 0, poolRef: { group: POOL_GROUP, kind: 'InferencePool', name } },
      });
    }
    const adapters = names.filter((n) => n.kind === 'adapter').map((n) => n.name);
    const withAdapters = adapters.length === 0 ? '' : ` and its LoRA adapter${adapters.length === 1 ? '' : 's'} ${adapters.join(', ')}`;
    this.deploymentNotes.push(`Inference Gateway: ${r.model}${withAdapters} ${adapters.length ? 'are' : 'is'} served by the InferencePool ${name} (port ${modelServer.port}, Endpoint Picker `
      + `${eppName}:${EPP_EXT_PROC_PORT}); the load balancer's backend timeout is ${timeout.explanation}`
      + (this.workloadClasses.length > 0
        ? `; workload classes: ${this.workloadClasses.map((c) => `${name}-${c.name} (priority ${c.priority ?? 0})`).join(', ')}.`
        : '.'));

  }

  /** The Gateway this gateway's routes attach to, `namespace/name`. */
  private gatewayRef(): string {
    return `${this.frontend.existingGatewayNamespace ?? this.namespace}/${this.gatewayName}`;
  }

  private gatewayNotes(): string[] {
    const ns = this.frontend.existingGatewayNamespace ?? this.namespace;
    const out = [
      `Inference Gateway: GKE ${GKE_CRDS_VERSION} or later installs the Gateway API and InferencePool (v1) CRDs; on an older cluster install `
        + `the InferencePool CRD: ${kubectlApply(`${RELEASE_URL}/v1-manifests.yaml`)}`,
      // GKE's Gateway controller: VPC-native clusters with the HttpLoadBalancing add-on; the Gateway API is on by default on Autopilot
      'Inference Gateway: the cluster must be VPC-native with the HttpLoadBalancing add-on (on by default), and on GKE Standard have the Gateway '
        + `API enabled (Autopilot has it by default): ${['gcloud', 'container', 'clusters', 'update', 'CLUSTER_NAME', '--location=REGION',
          '--gateway-api=standard'].map(shellQuote).join(' ')}`,
      // GKE's "Deploy GKE Inference Gateway": "Enable the Compute Engine API, the Network Services API ... if needed"; the Endpoint
      // Picker is attached as a Service Extension and the body-based router as a GCPRoutingExtension (Network Services resources)
      'Inference Gateway: the project needs the Compute Engine and Network Services APIs (the Endpoint Picker and body-based router attach '
        + `as Service Extensions): ${['gcloud', 'services', 'enable', 'compute.googleapis.com', 'networkservices.googleapis.com'].map(shellQuote).join(' ')}`,
      // the chart's sizing (values.yaml inferenceExtension.resources @ v1.5.0); GKE taints accelerator nodes, and the EPP tolerates no taint
      'Inference Gateway: each server\'s Endpoint Picker (<server>-epp) requests 4 CPU and 8 GiB and runs on nodes without accelerators '
        + '(it tolerates no GPU or TPU taint): on GKE Standard the cluster needs a CPU node pool with room for one per server behind the '
        + 'gateway (an e2-standard-8 node holds one; the default e2-medium pool holds none), e.g. '
        + `${['gcloud', 'container', 'node-pools', 'create', 'inference-gateway-cpu', '--cluster=CLUSTER_NAME', '--location=REGION',
          '--machine-type=e2-standard-8', '--num-nodes=1', '--enable-autoscaling', '--total-min-nodes=1', '--total-max-nodes=4'].map(shellQuote).join(' ')}; `
        + 'a picker that cannot schedule leaves the load balancer routing without it (failureMode FailOpen).',
    ];
    if (this.frontend.gatewayClassName === 'gke-l7-regional-external-managed') {
      // the listener is plain HTTP on port 80, and vLLM's OpenAI API has no authentication unless --api-key is set
      out.push(`Inference Gateway: the Gateway ${this.gatewayName} is an external load balancer: its plain-HTTP listener (port 80) takes requests from `
        + 'the internet, and the servers behind it ask no credentials; put an authenticating layer in front: Identity-Aware Proxy or a '
        + 'Cloud Armor security policy where GKE\'s GatewayClass capabilities table supports it on this class, set in the GCPBackendPolicies '
        + 'this construct creates (\'backendPolicies\', e.g. with addJsonPatch; GKE attaches one GCPBackendPolicy per backend, the oldest, so a '
        + 'second one written beside them is not attached: check its status), or use GatewayFrontend.internalLoadBalancer().');
    }
    if (this.frontend.gatewayClassName !== undefined) {
      out.push(`Inference Gateway: the Gateway ${this.gatewayName} (${this.frontend.gatewayClassName}) is a regional Envoy-based load balancer and `
        + 'needs a proxy-only subnet in the cluster\'s region and VPC: '
        + ['gcloud', 'compute', 'networks', 'subnets', 'create', 'PROXY_ONLY_SUBNET', '--purpose=REGIONAL_MANAGED_PROXY', '--role=ACTIVE',
          '--region=REGION', '--network=VPC_NETWORK', '--range=CIDR_RANGE'].map(shellQuote).join(' '));
    } else {
      out.push(`Inference Gateway: the existing Gateway ${ns}/${this.gatewayName} must be of a GKE Inference Gateway class (gke-l7-rilb or `
        + `gke-l7-regional-external-managed) and its listeners must admit HTTPRoutes from namespace ${this.namespace}.`);
    }
    // "This chart should only be deployed once per Gateway" (config/charts/body-based-routing/README.md @ v1.5.0): an InferenceGateway made
    // earlier on the same Gateway already gives the command
    const first = this.node.root.node.findAll().find((c): c is InferenceGateway => c instanceof InferenceGateway && c !== this
      && c.bodyBasedRouting && c.gatewayRef() === this.gatewayRef());
    if (this.bodyBasedRouting && first !== undefined) {
      out.push(`Inference Gateway: the body-based router of the Gateway ${this.gatewayRef()} is installed once, with the command in the notes of `
        + `InferenceGateway '${first.node.path}'; it routes this gateway's models too.`);
    } else if (this.bodyBasedRouting) {
      // the body-based-routing chart with provider gke attaches a GCPRoutingExtension to the Gateway named by inferenceGateway.name, in the
      // release's namespace (config/charts/body-based-routing/templates/gke.yaml @ v1.5.0); released charts are published under
      // oci://registry.k8s.io/gateway-api-inference-extension/charts with the release tag as version (site-src/_includes/epp.md @ v1.5.0)
      out.push('Inference Gateway: routing by the request\'s model needs GKE\'s body-based router on the Gateway (it sets the '
        + `${MODEL_NAME_HEADER} header the HTTPRoutes match): ${['helm', 'install', 'body-based-router',
          'oci://registry.k8s.io/gateway-api-inference-extension/charts/body-based-routing', `--version=${GAIE_VERSION}`,
          `--namespace=${ns}`, '--set', 'provider.name=gke', '--set', `inferenceGateway.name=${this.gatewayName}`].map(shellQuote).join(' ')}. `
        // the router sets the header only when the body has a model field (GAIE v1.5.0 pkg/bbr base_model_to_header.go: "If model
        // field is not present, skip"), and a request no HTTPRoute matches gets 404 (Gateway API)
        + 'Only requests whose JSON body names a served model are routed: GET /v1/models, /health and bodies without "model" match no '
        + 'route and get 404 from the load balancer (a gateway in front of one server needs no router: \'bodyBasedRouting\' false routes every request to it).');
    }
    if (this.workloadClasses.length > 0) {
      // the release splits its CRDs: v1-manifests.yaml (InferencePool v1) and experimental-manifests.yaml (the x-k8s.io ones);
      // Makefile target artifacts @ v1.5.0
      // the v1.5.0 EPP looks for the CRD once, when it starts (pkg/epp/server/controller_config.go gvkExists)
      out.push(`Inference Gateway: the InferenceObjective CRD (${OBJECTIVE_GROUP}/v1alpha2) is not installed by GKE; apply it before these `
        + 'manifests (the Endpoint Picker looks for it once, when it starts: restart the <server>-epp Deployments if it came later): '
        + kubectlApply(`${RELEASE_URL}/experimental-manifests.yaml`));
      out.push(`Inference Gateway: a request picks its workload class with the header ${OBJECTIVE_HEADER} naming an InferenceObjective `
        + '<pool>-<class> (listed per pool below); requests that name none have priority 0.');
    }
    return out;
  }
}

function checkWorkloadClasses(value: unknown): InferenceWorkloadClass[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new Error(`'workloadClasses' must be a list of { name, priority }, got ${describeValue(value)}.`);
  }
  const seen = new Set<string>();
  return value.map((c, i) => {
    checkObject(c, `'workloadClasses[${i}]'`);
    checkProps(c, `'workloadClasses[${i}]'`, ['name', 'priority']);
    const { name, priority } = c as InferenceWorkloadClass;
    if (typeof name !== 'string' || !DNS_LABEL.test(name) || name.length > 63) {
      throw new Error(`'workloadClasses[${i}].name' must be a DNS-1035 label such as 'interactive' (lower-case letters, digits and '-', `
        + `starting with a letter), got ${describeValue(name)}.`);
    }
    if (seen.has(name)) throw new Error(`'workloadClasses' names '${name}' twice: give each class its own name.`);
    seen.add(name);
    checkOptionalInteger(`workloadClasses[${i}].priority`, priority, -2_147_483_648);
    return { name, priority };
  });
}

/**
 * A proxy-only subnet is one regional subnet, /26 at the smallest and /23 recommended (Cloud Load Balancing, "Proxy-only subnets for
 * Envoy-based load balancers"): a wider range in 'proxyOnlySubnetCidr' (0.0.0.0/0, a /8 over the pod range) would admit far more than
 * the proxies to a server fenced by 'allowedClients', and a range with host bits set is not the subnet's own.
 */
function checkProxyOnlySubnet(cidr: string): void {
  const [address, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (prefix > 26) {
    // "the primary IP address range ... must be /26 or larger" (Google Cloud, "Proxy-only subnets for Envoy-based load balancers")
    throw new Error(`'proxyOnlySubnetCidr' '${cidr}' is a /${prefix}: a proxy-only subnet is at least a /26 (a /23 is recommended); give the `
      + 'subnet\'s own range (gcloud compute networks subnets list --filter=purpose=REGIONAL_MANAGED_PROXY).');
  }
  if (prefix < 16) {
    throw new Error(`'proxyOnlySubnetCidr' '${cidr}' is a /${prefix}: a proxy-only subnet is one regional subnet (a /23 is recommended, /26 at the `
      + 'smallest), and a wider range would admit more than the load balancer\'s proxies to the fenced servers; give the subnet\'s own range '
      + '(gcloud compute networks subnets list --filter=purpose=REGIONAL_MANAGED_PROXY).');
  }
  const value = address.split('.').reduce((v, octet) => v * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefix);
  if (value % size !== 0) {
    const base = value - (value % size);
    const canonical = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join('.');
    throw new Error(`'proxyOnlySubnetCidr' '${cidr}' has host bits set: the subnet's range is '${canonical}/${prefix}'.`);
  }
}

function kubectlApply(url: string): string {
  return ['kubectl', 'apply', '-f', url].map(shellQuote).join(' ');
}
