/**
 * The Endpoint Picker (EPP) of one InferencePool: the ext_proc service the GKE load balancer asks which
 * replica of the pool should take each request (queue depth, KV-cache utilisation and prefix-cache
 * affinity, read from the model servers' Prometheus metrics).
 *
 * Written after the `inferencepool` Helm chart of kubernetes-sigs/gateway-api-inference-extension at tag
 * v1.5.0 (config/charts/inferencepool and its library chart config/charts/epplib: _deployment.yaml,
 * _service.yaml, _config.yaml, _rbac.yaml, templates/rbac.yaml, values.yaml), the chart GKE's "Deploy GKE
 * Inference Gateway" installs: one replica, the same image, ports, probes, resources, flags, plugin
 * configuration and permissions. Our own code, not a copy of the templates.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PodMonitoring, PodMonitoringSpecEndpointsPort } from '../imports/monitoring.googleapis.com';

/** The EPP image of release v1.5.0 (values.yaml: registry.k8s.io/gateway-api-inference-extension/epp, tag v1.5.0). */
export const EPP_IMAGE = 'registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0';
/** The ext_proc (gRPC) port the load balancer calls: the pool's `endpointPickerRef.port` (values.yaml `extProcPort`). */
export const EPP_EXT_PROC_PORT = 9002;
/** The gRPC health port the probes use (_deployment.yaml). */
export const EPP_HEALTH_PORT = 9003;
/** The EPP's own Prometheus port (_deployment.yaml, _service.yaml `http-metrics`). */
export const EPP_METRICS_PORT = 9090;
/** The plugin configuration file, mounted from the ConfigMap at /config (values.yaml `pluginsConfigFile`). */
const CONFIG_FILE = 'default-plugins.yaml';
/** The API group of the InferencePool the EPP watches (`--pool-group`). */
export const POOL_GROUP = 'inference.networking.k8s.io';
/** The API group of the InferenceObjectives the v1.5.0 EPP reads (templates/rbac.yaml). */
export const OBJECTIVE_GROUP = 'inference.networking.x-k8s.io';

/** What the EPP of one pool is built from. */
export interface EndpointPickerInputs {
  /** Base name of the EPP objects, `<pool>-epp` as in the chart's `gateway-api-inference-extension.name`. */
  readonly name: string;
  readonly poolName: string;
  readonly namespace: string;
  readonly image: string;
  /** Path of the model servers' Prometheus endpoint, which the EPP scrapes. */
  readonly metricsPath: string;
  /** The KV-cache utilisation gauge the pool's vLLM exports (`vllm:gpu_cache_usage_perc` before 0.9.2). */
  readonly kvCacheUsageMetric: string;
  /** Whether the pool's vLLM caches prompt prefixes (the V1 engine does by default; V0, before 0.8, does not). */
  readonly prefixCaching: boolean;
  /** The longest grace period of the pool's pods: the EPP's is at least that (the chart's comment), and 130 s. */
  readonly poolGracePeriodSeconds: number;
}

/**
 * The v1.5.0 EPP's built-in vLLM metric names (core-metrics-extractor, pkg/epp/framework/plugins/datalayer/extractor/metrics/factories.go
 * `defaultEngineConfigs` at v1.5.0). A vLLM that exports another KV-cache gauge gets an engine config naming its own: one given for
 * `vllm` replaces the built-in one whole, so every spec is listed.
 */
export const EPP_VLLM_METRICS = {
  queuedRequestsSpec: 'vllm:num_requests_waiting',
  runningRequestsSpec: 'vllm:num_requests_running',
  kvUsageSpec: 'vllm:kv_cache_usage_perc',
  loraSpec: 'vllm:lora_requests_info',
  cacheInfoSpec: 'vllm:cache_config_info',
} as const;

/** The EPP objects of one pool. */
export interface EndpointPicker {
  readonly deployment: k8s.KubeDeployment;
  readonly service: k8s.KubeService;
  readonly serviceAccount: k8s.KubeServiceAccount;
  readonly role: k8s.KubeRole;
  readonly roleBinding: k8s.KubeRoleBinding;
  readonly config: k8s.KubeConfigMap;
  /** The Managed Prometheus PodMonitoring of the EPP's own metrics (scheduling latency, pool and request metrics). */
  readonly podMonitoring: PodMonitoring;
  /** The labels that select the EPP pod (the chart's `inferencepool: <name>`). */
  readonly selector: { [key: string]: string };
}

/**
 * The EPP's plugin configuration for vLLM over HTTP: the scorers and weights of the chart's default
 * scheduling profile (queue 2, KV-cache utilisation 2, prefix cache 3) and the metrics data source
 * (_config.yaml @ v1.5.0 with `modelServerType: vllm`, `modelServerProtocol: http`, no latency predictor). Without prefix caching
 * on the servers (vLLM's V0 engine, before 0.8, runs with it off unless `--enable-prefix-caching`), the prefix-cache scorer, which
 * sends requests of one prefix to the replica it sent them to before, would concentrate load for no cache hit: it is left out.
 */
export function endpointPickerConfig(
  metricsPath: string, kvCacheUsageMetric: string = EPP_VLLM_METRICS.kvUsageSpec, prefixCaching: boolean = true,
): string {
  // vLLM before 0.9.2 exports vllm:gpu_cache_usage_perc only: without its name the KV-cache scorer and saturation check read nothing
  const engine = kvCacheUsageMetric === EPP_VLLM_METRICS.kvUsageSpec ? [] : [
    '  parameters:',
    '    engineConfigs:',
    '    - name: vllm',
    ...Object.entries({ ...EPP_VLLM_METRICS, kvUsageSpec: kvCacheUsageMetric }).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`),
  ];
  return [
    'apiVersion: inference.networking.x-k8s.io/v1alpha1',
    'kind: EndpointPickerConfig',
    'plugins:',
    '- type: queue-scorer',
    '- type: kv-cache-utilization-scorer',
    ...(prefixCaching ? ['- type: prefix-cache-scorer'] : []),
    '- type: metrics-data-source',
    '  parameters:',
    '    scheme: "http"',
    `    path: ${JSON.stringify(metricsPath)}`,
    '    insecureSkipVerify: true',
    '- type: core-metrics-extractor',
    ...engine,
    'schedulingProfiles:',
    '- name: default',
    '  plugins:',
    '  - pluginRef: queue-scorer',
    '    weight: 2',
    '  - pluginRef: kv-cache-utilization-scorer',
    '    weight: 2',
    ...(prefixCaching ? ['  - pluginRef: prefix-cache-scorer', '    weight: 3'] : []),
    '',
  ].join('\n');
}

/** The EPP of one pool: ServiceAccount, Role and RoleBinding, ConfigMap, Deployment and Service. */
export function createEndpointPicker(scope: Construct, inputs: EndpointPickerInputs): EndpointPicker {
  const { name } = inputs;
  const labels = { 'app.kubernetes.io/name': name };
  const selector = { inferencepool: name };
  const serviceAccount = new k8s.KubeServiceAccount(scope, 'EppServiceAccount', { metadata: { name, labels } });
  // the chart's two Roles (templates/rbac.yaml: InferenceObjectives, InferenceModelRewrites and InferencePools; epplib _rbac.yaml:
  // pods) as one: read-only, in the pool's namespace
  const role = new k8s.KubeRole(scope, 'EppRole', {
    metadata: { name, labels },
    rules: [
      { apiGroups: [OBJECTIVE_GROUP], resources: ['inferenceobjectives', 'inferencemodelrewrites'], verbs: ['get', 'watch', 'list'] },
      { apiGroups: [POOL_GROUP], resources: ['inferencepools'], verbs: ['get', 'watch', 'list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list'] },
    ],
  });
  const roleBinding = new k8s.KubeRoleBinding(scope, 'EppRoleBinding', {
    metadata: { name, labels },
    subjects: [{ kind: 'ServiceAccount', name, namespace: inputs.namespace }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
  });
  const config = new k8s.KubeConfigMap(scope, 'EppConfig', {
    metadata: { name, labels },
    data: { [CONFIG_FILE]: endpointPickerConfig(inputs.metricsPath, inputs.kvCacheUsageMetric, inputs.prefixCaching) },
  });
  const grpcProbe = (extra: Partial<k8s.Probe>): k8s.Probe => ({ grpc: { port: EPP_HEALTH_PORT, service: 'inference-extension' }, ...extra });
  const deployment = new k8s.KubeDeployment(scope, 'EppDeployment', {
    metadata: { name, labels: { ...labels, 'inference.networking.k8s.io/igw-mode': 'inferencepool' } },
    spec: {
      // one active replica: the prefix-cache scorer keeps its state in memory; Recreate lets a new replica take over at once
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...selector, 'inference.networking.k8s.io/igw-mode': 'inferencepool' } },
        spec: {
          serviceAccountName: name,
          // the chart's 130 s, and "at least the longest grace period of the pool's pods" (see server/termination.ts)
          terminationGracePeriodSeconds: Math.max(130, inputs.poolGracePeriodSeconds),
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'epp',
            image: inputs.image,
            imagePullPolicy: 'IfNotPresent',
            args: [
              '--pool-name', inputs.poolName,
              '--pool-namespace', inputs.namespace,
              '--pool-group', POOL_GROUP,
              '--zap-encoder', 'json',
              '--config-file', `/config/${CONFIG_FILE}`,
              '--v', '1',
              '--tracing=false',
              // the PodMonitoring scrapes without a bearer token (the chart's default needs a token Secret and a ClusterRole)
              '--metrics-endpoint-auth=false',
              // the metrics server also serves /debug/pprof (heap, goroutines) whatever the auth, on by default (pkg/epp/server/options.go
              // EnablePprof @ v1.5.0): off, since it is now unauthenticated
              '--enable-pprof=false',
            ],
            // the chart's sizing, validated upstream at high QPS (p90 scheduling within 100 ms); no CPU limit, to burst
            resources: {
              requests: { cpu: k8s.Quantity.fromString('4'), memory: k8s.Quantity.fromString('8Gi') },
              limits: { memory: k8s.Quantity.fromString('16Gi') },
            },
            ports: [
              { name: 'grpc', containerPort: EPP_EXT_PROC_PORT, protocol: 'TCP' },
              { name: 'grpc-health', containerPort: EPP_HEALTH_PORT, protocol: 'TCP' },
              { name: 'metrics', containerPort: EPP_METRICS_PORT, protocol: 'TCP' },
            ],
            livenessProbe: grpcProbe({ initialDelaySeconds: 5, periodSeconds: 10 }),
            readinessProbe: grpcProbe({ periodSeconds: 2 }),
            env: [
              { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
            securityContext: { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } },
            volumeMounts: [{ name: 'plugins-config-volume', mountPath: '/config' }],
          }],
          volumes: [{ name: 'plugins-config-volume', configMap: { name } }],
        },
      },
    },
  });
  const service = new k8s.KubeService(scope, 'EppService', {
    metadata: { name, labels },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [
        { name: 'grpc-ext-proc', protocol: 'TCP', port: EPP_EXT_PROC_PORT },
        { name: 'http-metrics', protocol: 'TCP', port: EPP_METRICS_PORT },
      ],
    },
  });
  // the chart's GKE PodMonitoring (epplib _gke.yaml: port metrics, /metrics, every 10 s), without its bearer token: the EPP
  // runs with --metrics-endpoint-auth=false
  const podMonitoring = new PodMonitoring(scope, 'EppPodMonitoring', {
    metadata: { name, labels },
    spec: {
      selector: { matchLabels: selector },
      endpoints: [{ port: PodMonitoringSpecEndpointsPort.fromString('metrics'), path: '/metrics', interval: '10s' }],
    },
  });
  return { deployment, service, serviceAccount, role, roleBinding, config, podMonitoring, selector };
}

