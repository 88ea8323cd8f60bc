import { ApiObject, Names } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Annotations, GkeLabels, NodeSelectors } from './annotations';
import { HuggingFaceToken } from './hugging-face-token';
import { Catalog } from '../catalog/catalog';
import { VLLM } from '../catalog/model-servers';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';
import { PodMonitoring, PodMonitoringSpecEndpointsPort } from '../imports/monitoring.googleapis.com';
import { Resolution, ResolveRequest } from '../resolver/resolution';
import { resolveWith } from '../resolver/resolver';
import { libraryVersion } from '../util/version';

/** Properties of an {@link OptimizedLlmServer}. */
export interface OptimizedLlmServerProps extends ResolveRequest {
  /**
   * Base name of the Kubernetes objects (Deployment, Service, PodMonitoring, HPA) and the value of
   * the immutable `app` selector label. Keep it stable once deployed.
   * @default - derived from the construct path (stable while the construct id and tree do not change)
   */
  readonly name?: string;
  /**
   * Fixed number of replicas. Only without a latency target: with one, the HPA manages replicas.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Fewest replicas the HPA keeps (with a latency target).
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * Most replicas the HPA creates (with a latency target).
   * @default 5
   */
  readonly maxReplicas?: number;
  /**
   * The Hugging Face token. Required for gated models; optional (the Secret may be absent) otherwise.
   * @default HuggingFaceToken.fromSecret('hf-secret', 'hf_api_token')
   */
  readonly huggingFaceToken?: HuggingFaceToken;
  /**
   * Container image, replacing the one the resolved server version pins. Must carry a tag other
   * than `latest` or a digest.
   * @default - the image of the resolved model server version, e.g. `vllm/vllm-openai:v0.7.2`
   */
  readonly image?: string;
}

const HTTP_PORT_NAME = 'http';
const CONTAINER_NAME = 'inference-server';
const DEFAULT_MAX_REPLICAS = 5;

/**
 * An open LLM served on GKE accelerators, sized from an offline profile.
 *
 * The resolver picks the accelerator (or checks the one given), machine type, tensor parallelism and
 * operating point for the latency targets; this construct turns that {@link Resolution} into a
 * Deployment running vLLM's OpenAI-compatible server, a ClusterIP Service, a Managed Prometheus
 * PodMonitoring and, when a latency target is given, an HPA on the server's KV-cache utilisation.
 * Every emitted number can be traced back through `resolution.decisions` and
 * `resolution.podResources.explanation`.
 *
 * @example
 * new OptimizedLlmServer(chart, 'gemma', {
 *   model: 'google/gemma-2-27b-it',
 *   acceleratorType: 'nvidia-l4',
 *   targetNtpotMilliseconds: 1100,
 * });
 */
export class OptimizedLlmServer extends Construct {
  /** What the resolver chose and why. */
  public readonly resolution: Resolution;
  /** Base name of the emitted objects. */
  public readonly name: string;
  /** The Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** The ClusterIP Service on port 8000. */
  public readonly service: k8s.KubeService;
  /** The Managed Prometheus PodMonitoring that scrapes `/metrics`. */
  public readonly podMonitoring: ApiObject;
  /** The HPA, present when a latency target was given. */
  public readonly horizontalPodAutoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** What must exist in the cluster for these manifests to work, one line each (for a pipeline to print). */
  public readonly deploymentNotes: string[];

  constructor(scope: Construct, id: string, props: OptimizedLlmServerProps) {
    super(scope, id);
    const catalog = Catalog.EMBEDDED;
    this.resolution = resolveWith(catalog, props);
    const r = this.resolution;
    const hasTarget = r.autoscaling !== undefined;
    this.name = props.name ?? Names.toDnsLabel(this);
    validateName(this.name);
    const replicas = checkReplicas(props, hasTarget);
    const token = props.huggingFaceToken ?? HuggingFaceToken.fromSecret(HuggingFaceToken.DEFAULT_SECRET_NAME);
    const model = catalog.model(r.model)!;
    if (token.secretName === undefined && model.gating !== 'not-gated') {
      throw new Error(`'huggingFaceToken' is HuggingFaceToken.none() but ${model.id} needs a token on Hugging Face `
        + `(${model.gatingNote}). Pass HuggingFaceToken.fromSecret('${HuggingFaceToken.DEFAULT_SECRET_NAME}', '${HuggingFaceToken.DEFAULT_KEY}').`);
    }
    const image = props.image ?? r.image;
    validateImage(image);

    const selector = { app: this.name };
    const podLabels = {
      ...selector,
      [GkeLabels.MODEL]: labelValue(r.model.slice(r.model.indexOf('/') + 1)),
      [GkeLabels.INFERENCE_SERVER]: r.modelServer,
    };

    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name: this.name, labels: podLabels, annotations: provenance(r) },
      spec: {
        replicas: hasTarget ? undefined : replicas,
        // a rollout must not hold two copies of the accelerators, and loading takes longer than the default 600 s
        strategy: { type: 'Recreate' },
        progressDeadlineSeconds: r.podResources.startupBudgetSeconds + 600,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: podLabels },
          spec: podSpec(r, image, token, model.gating === 'not-gated'),
        },
      },
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, labels: selector },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: HTTP_PORT_NAME, port: VLLM.port, targetPort: k8s.IntOrString.fromString(HTTP_PORT_NAME), protocol: 'TCP' }],
      },
    });

    this.podMonitoring = new PodMonitoring(this, 'PodMonitoring', {
      metadata: { name: this.name, labels: selector },
      spec: {
        selector: { matchLabels: selector },
        endpoints: [{ port: PodMonitoringSpecEndpointsPort.fromNumber(VLLM.port), path: VLLM.metricsPath, interval: '15s' }],
      },
    });

    if (r.autoscaling) {
      const minReplicas = props.minReplicas ?? 1;
      const maxReplicas = props.maxReplicas ?? Math.max(DEFAULT_MAX_REPLICAS, minReplicas);
      this.horizontalPodAutoscaler = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Hpa', {
        metadata: { name: this.name, labels: selector },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
          minReplicas,
          maxReplicas,
          metrics: [{
            type: 'Pods',
            pods: {
              metric: { name: r.autoscaling.hpaMetricName },
              target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(milli(r.autoscaling.targetAverageValue)) },
            },
          }],
          behavior: {
            scaleUp: {
              stabilizationWindowSeconds: 0,
              selectPolicy: 'Max',
              policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Percent', value: 100, periodSeconds: 60 }],
            },
            scaleDown: {
              stabilizationWindowSeconds: SERVING_CONSTANTS.scaleDownStabilizationSeconds.value,
              selectPolicy: 'Min',
              policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }],
            },
          },
        },
      });
    }
    this.deploymentNotes = notes(r, token, this.name);
  }
}

function checkReplicas(props: OptimizedLlmServerProps, hasTarget: boolean): number {
  const whole = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new Error(`'${name}' must be a whole number >= ${min}, got ${v}.`);
  };
  whole('replicas', props.replicas, 0);
  whole('minReplicas', props.minReplicas, 1);
  whole('maxReplicas', props.maxReplicas, 1);
  if (hasTarget && props.replicas !== undefined) {
    throw new Error('\'replicas\' cannot be set with a latency target: the HPA manages replicas. Set \'minReplicas\' and \'maxReplicas\' instead.');
  }
  if (!hasTarget && (props.minReplicas !== undefined || props.maxReplicas !== undefined)) {
    throw new Error('\'minReplicas\' and \'maxReplicas\' need a latency target (targetNtpotMilliseconds or targetTtftMilliseconds) to autoscale on; '
      + 'without one, set \'replicas\'.');
  }
  if (props.minReplicas !== undefined && props.maxReplicas !== undefined && props.minReplicas > props.maxReplicas) {
    throw new Error(`'minReplicas' (${props.minReplicas}) must be less than or equal to 'maxReplicas' (${props.maxReplicas}).`);
  }
  return props.replicas ?? 1;
}

function validateName(name: string): void {
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
    throw new Error(`'name' '${name}' must be a DNS-1035 label: at most 63 lower-case letters, digits and '-', starting with a letter.`);
  }
}

function validateImage(image: string): void {
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const pinned = image.includes('@sha256:') || (lastSegment.includes(':') && !lastSegment.endsWith(':latest'));
  if (!pinned) throw new Error(`'image' '${image}' must be pinned to a tag other than 'latest' or to a digest.`);
}

/** A label value: at most 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends. */
function labelValue(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

function milli(x: number): string {
  return `${Math.round(x * 1000)}m`;
}

function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function provenance(r: Resolution): { [key: string]: string } {
  const p = r.performance;
  const a: { [key: string]: string } = {
    [Annotations.PROFILE]: `${r.model} / ${r.modelServer} ${r.modelServerVersion} / ${r.acceleratorCount} x ${r.acceleratorType} / ${r.instanceType}`,
    [Annotations.PROFILE_SOURCE]: r.source,
    [Annotations.PROFILE_CITATION]: r.profileCitation,
    [Annotations.OPERATING_POINT]: `${round(p.outputTokensPerSecond)} output tokens/s at ${round(p.ntpotMilliseconds, 1)} ms NTPOT`
      + (p.ttftMilliseconds !== undefined ? `, ${round(p.ttftMilliseconds, 1)} ms TTFT` : '')
      + ` (${r.operatingPointReason}, ${p.pointKind})`,
    [Annotations.COST]: r.cost.costPerMillionOutputTokens !== undefined
      ? `$${round(r.cost.costPerMillionOutputTokens, 3)}/M output tokens, $${round(r.cost.costPerMillionInputTokens!, 3)}/M input tokens `
        + `(${r.cost.pricingModel}, ${r.cost.region}, $${r.cost.costPerHour}/h, prices of ${r.cost.priceSnapshotDate ?? 'undated source'})`
      : `no price for ${r.instanceType} (${r.cost.pricingModel}, ${r.cost.region})`,
    [Annotations.VERSION]: `cdk8s-gke-inference ${libraryVersion()}`,
  };
  if (r.autoscaling) {
    a[Annotations.AUTOSCALING] = `${r.autoscaling.serverMetric} target ${r.autoscaling.targetAverageValue} `
      + `(value ${round(r.autoscaling.valueAtOperatingPoint, 3)} at the operating point)`;
  }
  return a;
}

function vllmArgs(r: Resolution): string[] {
  const version = VLLM.versions.find((v) => v.version === r.modelServerVersion)!;
  return [
    `--model=${r.model}`,
    `--tensor-parallel-size=${r.tensorParallelSize}`,
    `--max-model-len=${r.maxModelLength}`,
    `--gpu-memory-utilization=${r.memory.gpuMemoryUtilization}`,
    '--host=0.0.0.0',
    `--port=${VLLM.port}`,
    ...(version.disableRequestLogFlag ? [version.disableRequestLogFlag] : []),
  ];
}

function podSpec(r: Resolution, image: string, token: HuggingFaceToken, tokenOptional: boolean): k8s.PodSpec {
  const res = r.podResources;
  const amounts = {
    'cpu': k8s.Quantity.fromString(String(res.cpu)),
    'memory': k8s.Quantity.fromString(`${res.memoryGiB}Gi`),
    'ephemeral-storage': k8s.Quantity.fromString(`${res.ephemeralStorageGiB}Gi`),
    'nvidia.com/gpu': k8s.Quantity.fromString(String(r.acceleratorCount)),
  };
  const tokenEnv: k8s.EnvVar[] = token.secretName === undefined ? [] : ['HUGGING_FACE_HUB_TOKEN', 'HF_TOKEN'].map((name) => ({
    name,
    valueFrom: { secretKeyRef: { name: token.secretName!, key: token.key!, optional: tokenOptional ? true : undefined } },
  }));
  const health = { path: VLLM.healthPath, port: k8s.IntOrString.fromString(HTTP_PORT_NAME) };
  return {
    automountServiceAccountToken: false,
    securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
    nodeSelector: {
      [NodeSelectors.ACCELERATOR]: r.acceleratorType,
      [NodeSelectors.ACCELERATOR_COUNT]: String(r.acceleratorCount),
    },
    containers: [{
      name: CONTAINER_NAME,
      image,
      imagePullPolicy: 'IfNotPresent',
      command: [...VLLM.command],
      args: vllmArgs(r),
      env: [{ name: 'MODEL_ID', value: r.model }, ...tokenEnv],
      ports: [{ name: HTTP_PORT_NAME, containerPort: VLLM.port, protocol: 'TCP' }],
      resources: { requests: amounts, limits: amounts },
      // the server may load for a long time: the startup probe allows the derived budget, and the other probes only start after it
      startupProbe: { httpGet: health, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: Math.ceil(res.startupBudgetSeconds / 10) },
      readinessProbe: { httpGet: health, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      livenessProbe: { httpGet: health, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 4 },
      securityContext: { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } },
      volumeMounts: [{ name: 'dshm', mountPath: '/dev/shm' }],
    }],
    volumes: [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(`${res.sharedMemoryGiB}Gi`) } }],
  };
}

function notes(r: Resolution, token: HuggingFaceToken, name: string): string[] {
  const out: string[] = [];
  if (token.secretName !== undefined) {
    out.push(`Hugging Face token: kubectl create secret generic ${token.secretName} --from-literal=${token.key}=$HF_TOKEN `
      + '(in the namespace of the chart)');
  }
  out.push(`Accelerators: a node pool (or Autopilot) with ${r.instanceType} nodes (${r.acceleratorCount} x ${r.acceleratorType}) and quota for them.`);
  out.push('Metrics: Google Cloud Managed Service for Prometheus must be enabled on the cluster for the PodMonitoring to be scraped.');
  if (r.autoscaling) {
    out.push(`Autoscaling: the HPA reads ${r.autoscaling.hpaMetricName} through the Custom Metrics Stackdriver Adapter; install it and grant `
      + 'roles/monitoring.viewer to principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/'
      + 'PROJECT_ID.svc.id.goog/subject/ns/custom-metrics/sa/custom-metrics-stackdriver-adapter.');
  }
  if (r.cost.pricingModel === 'spot') {
    out.push(`Cost figures assume Spot VMs; ${name} does not select Spot nodes, so on-demand nodes cost more.`);
  }
  return out;
}
