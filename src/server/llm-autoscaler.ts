/**
 * The HPA of an LLM server as a construct of its own: the metric (the server's queue, running batch or KV-cache gauge
 * through the Custom Metrics Stackdriver Adapter, or the TPU exporter's External metric), its target and the
 * library's scale-up / scale-down behaviour, for any vLLM, TGI or JetStream workload, including one the user wrote.
 * `OptimizedLlmServer` composes it from its resolution.
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkLabelMap } from './map-props';
import { LWS_API_VERSION, LWS_KIND } from './multi-host';
import { autoscalingNotes } from './server-notes';
import { chartNamespace } from './server-props';
import { tpuMetricsExporterMonitoring } from './tpu-metrics';
import { HPA_BEHAVIOR } from '../autoscaling/behavior';
import { MODEL_SERVERS, ModelServerRecord, ModelServerVersionRecord, VLLM, compareReleases, modelServerOfImages, vllmVersionOfImages } from '../catalog/model-servers';
import { PERFORMANCE_CONSTANTS } from '../performance/performance-constants';
import { GPU_DUTY_CYCLE_REFUSAL, TPU_MEMORY_USED, boundedMetricScaleUpLimit, maximumShareTarget } from '../resolver/autoscaling';
import { AutoscalingMetric, Resolution } from '../resolver/resolution';
import {
  checkedFor, checkedScope, checkObject, checkOptionalEnum, checkOptionalInstance, checkOptionalInteger, checkOptionalPositive, checkOptionalString,
  checkProps, checkRequiredString, describeValue, printable,
} from '../util/input';
import { isDns1123Subdomain } from '../validation/manifest';
import { ensureUniqueObjectNames } from '../validation/unique-names';

/** Built-in kinds that have no scale subresource (Deployment, ReplicaSet, StatefulSet and ReplicationController have one). */
const NOT_SCALABLE: readonly string[] = ['Service', 'ConfigMap', 'Secret', 'Pod', 'ServiceAccount', 'DaemonSet', 'Job', 'CronJob', 'Namespace',
  'NetworkPolicy', 'Ingress', 'PersistentVolumeClaim', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'ClusterRole',
  'ClusterRoleBinding'];

/** The object each `ScaleTarget.fromApiObject` target was made from, whose `spec.replicas` the autoscaler removes. */
const GIVEN_OBJECTS = new WeakMap<ScaleTarget, ApiObject>();

/**
 * The workload an HPA scales (its `scaleTargetRef`): a Deployment, a LeaderWorkerSet or any object with a scale
 * subresource.
 */
export class ScaleTarget {
  /** A Deployment (`apps/v1`) named `name` in the chart's namespace. */
  public static deployment(name: string): ScaleTarget {
    return ScaleTarget.checked('ScaleTarget.deployment', 'apps/v1', 'Deployment', name);
  }

  /** A LeaderWorkerSet (`leaderworkerset.x-k8s.io/v1`) named `name`: the HPA scales its groups. */
  public static leaderWorkerSet(name: string): ScaleTarget {
    return ScaleTarget.checked('ScaleTarget.leaderWorkerSet', LWS_API_VERSION, LWS_KIND, name);
  }

  /**
   * The object a cdk8s construct emits, e.g. a `k8s.KubeDeployment` or a cdk8s-plus Deployment's `apiObject`. The
   * autoscaler made with it removes the object's `spec.replicas` (the HPA owns the count; kept, every `kubectl apply` would
   * reset it) and says so in its `deploymentNotes`.
   * @param apiObject the object to scale; its kind must have a scale subresource
   */
  public static fromApiObject(apiObject: ApiObject): ScaleTarget {
    if (!(apiObject instanceof ApiObject)) {
      throw new Error(`ScaleTarget.fromApiObject: 'apiObject' must be a cdk8s ApiObject, got ${describeValue(apiObject)}.`);
    }
    // built-in kinds without a scale subresource: an HPA on them never scales (FailedGetScale)
    if (NOT_SCALABLE.includes(apiObject.kind)) {
      throw new Error(`ScaleTarget.fromApiObject: a ${apiObject.kind} has no scale subresource, so no HPA can scale it: give the Deployment, `
        + 'StatefulSet or LeaderWorkerSet that runs the server.');
    }
    const target = ScaleTarget.checked('ScaleTarget.fromApiObject', apiObject.apiVersion, apiObject.kind, apiObject.name);
    GIVEN_OBJECTS.set(target, apiObject);
    return target;
  }

  /**
   * A cdk8s-plus workload (`kplus.Deployment`, `kplus.StatefulSet`): it is marked as autoscaled, so it leaves
   * `spec.replicas` to the HPA, as with a `kplus.HorizontalPodAutoscaler`.
   * @param scalable the workload to scale
   */
  public static fromScalable(scalable: kplus.IScalable): ScaleTarget {
    if (scalable === null || typeof scalable !== 'object' || typeof (scalable as kplus.IScalable).toScalingTarget !== 'function') {
      throw new Error(`ScaleTarget.fromScalable: 'scalable' must be a cdk8s-plus workload (kplus.IScalable), got ${describeValue(scalable)}.`);
    }
    const t = scalable.toScalingTarget();
    const target = ScaleTarget.checked('ScaleTarget.fromScalable', t.apiVersion, t.kind, t.name);
    scalable.markHasAutoscaler();
    return target;
  }

  /**
   * Any object with a scale subresource.
   * @param apiVersion e.g. `apps/v1`
   * @param kind e.g. `StatefulSet`
   * @param name the object's name
   */
  public static of(apiVersion: string, kind: string, name: string): ScaleTarget {
    return ScaleTarget.checked('ScaleTarget.of', apiVersion, kind, name);
  }

  /** A target whose fields are checked, refused naming the factory they were given to. */
  private static checked(where: string, apiVersion: string, kind: string, name: string): ScaleTarget {
    checkedFor(where, () => ScaleTarget.check(apiVersion, kind, name));
    return new ScaleTarget(apiVersion, kind, name);
  }

  private static check(apiVersion: string, kind: string, name: string): void {
    checkRequiredString('apiVersion', apiVersion, '\'apps/v1\'');
    checkRequiredString('kind', kind, '\'Deployment\'');
    checkRequiredString('name', name, '\'gemma-server\'');
    if (!isDns1123Subdomain(name)) throw new Error(`'name' '${printable(name)}' is not a Kubernetes object name (a DNS-1123 subdomain).`);
    // group/version (core: version alone) and an upper camel-case kind, as the API server's scaleTargetRef takes them
    if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion)) {
      throw new Error(`'apiVersion' '${printable(apiVersion)}' is not an API version such as 'apps/v1' or 'leaderworkerset.x-k8s.io/v1'.`);
    }
    if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) throw new Error(`'kind' '${printable(kind)}' is not a kind such as 'Deployment'.`);
  }

  private constructor(
    /** apiVersion of the scaled object. */
    public readonly apiVersion: string,
    /** Kind of the scaled object. */
    public readonly kind: string,
    /** Name of the scaled object. */
    public readonly name: string,
  ) {}
}

/** Properties of an {@link LlmServerAutoscaler}. */
export interface LlmServerAutoscalerProps {
  /** The workload to scale, e.g. `ScaleTarget.deployment('my-vllm')`. */
  readonly target: ScaleTarget;
  /**
   * Name of the HorizontalPodAutoscaler.
   * @default - the target's name
   */
  readonly name?: string;
  /**
   * Labels of the HorizontalPodAutoscaler.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Fewest replicas the HPA keeps.
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * Most replicas the HPA creates.
   * @default - the larger of 5 and `minReplicas`
   */
  readonly maxReplicas?: number;
  /**
   * A resolution with autoscaling (resolved with a latency target, e.g. by `InferenceResolver`): its metric and target are
   * used, and `modelServer`, `modelServerVersion`, `metric` and `targetAverageValue` must be left out.
   * @default - the metric and target given by `modelServer`, `metric` and `targetAverageValue`
   */
  readonly resolution?: Resolution;
  /**
   * The model server the target runs: `vllm`, `tgi` or `jetstream` (the metric names differ). Only without `resolution`.
   * @default - the server the images of a target made with `ScaleTarget.fromApiObject` name (vLLM, TGI or JetStream images);
   * otherwise 'vllm'
   */
  readonly modelServer?: string;
  /**
   * Version label of the model server (only read for `AutoscalingMetric.KV_CACHE_UTILIZATION`, whose gauge vLLM renamed in
   * 0.9.2), e.g. `v0.7.2`. Only without `resolution`.
   * @default - for vLLM, the release of the `vllm/vllm-openai` or `vllm/vllm-tpu` image tag of a target made with
   * `ScaleTarget.fromApiObject`; otherwise the newest version in the catalog
   */
  readonly modelServerVersion?: string;
  /**
   * The signal to scale on. Only without `resolution`.
   * @default AutoscalingMetric.QUEUE_SIZE
   */
  readonly metric?: AutoscalingMetric;
  /**
   * Target average value per replica: waiting or running requests, a KV-cache or decode-slot share (at most 1 / 1.1, above which
   * the HPA can never scale up), or TPU HBM bytes per replica; a whole number of thousandths, as the HPA's averageValue holds it. Required without `resolution` (pick it with the resolver: `resolution.autoscaling` explains
   * how it derives one from the latency target).
   * @default - required without `resolution`
   */
  readonly targetAverageValue?: number;
}

const PROPS: readonly string[] = [
  'target', 'name', 'labels', 'minReplicas', 'maxReplicas', 'resolution', 'modelServer', 'modelServerVersion', 'metric', 'targetAverageValue',
];
const EXPLICIT: readonly string[] = ['modelServer', 'modelServerVersion', 'metric', 'targetAverageValue'];
const DEFAULT_MAX_REPLICAS = 5;

/** The metric of an HPA: its type, Cloud Monitoring name as the adapter serves it, selector and target. */
interface HpaMetric {
  readonly metric?: AutoscalingMetric;
  readonly type: string;
  readonly name: string;
  readonly selector?: { [key: string]: string };
  readonly targetAverageValue: number;
  /** The target's vLLM image whose release chose the KV-cache gauge, when it did. */
  readonly versionFromImage?: string;
}

/**
 * A HorizontalPodAutoscaler (`autoscaling/v2`) for an LLM server: one metric read through the Custom Metrics Stackdriver
 * Adapter from Google Cloud Managed Service for Prometheus, with fast scale-up (up to 4 pods or 100% a minute) and slow
 * scale-down (one pod per 2 minutes after a 5-minute stabilisation window). Works for a Deployment or LeaderWorkerSet you
 * wrote yourself: give the server kind, the metric and its target, or a resolution whose autoscaling the resolver derived
 * from a latency target. Scaling on TPU memory also scrapes GKE's TPU device-plugin exporter (`tpuMetricsMonitoring`).
 *
 * The cluster needs the Custom Metrics Stackdriver Adapter and the server's metrics scraped (see `LlmServerMonitoring`).
 *
 * @example
 * new LlmServerAutoscaler(chart, 'hpa', {
 *   target: ScaleTarget.deployment('my-vllm'),
 *   modelServer: 'vllm',
 *   metric: AutoscalingMetric.QUEUE_SIZE,
 *   targetAverageValue: 10,
 *   maxReplicas: 8,
 * });
 */
export class LlmServerAutoscaler extends Construct {
  /** The HorizontalPodAutoscaler. */
  public readonly horizontalPodAutoscaler: k8s.KubeHorizontalPodAutoscalerV2;
  /** The metric's name as the HPA reads it, e.g. `prometheus.googleapis.com|vllm:num_requests_waiting|gauge`. */
  public readonly metricName: string;
  /** The target average value per replica. */
  public readonly targetAverageValue: number;
  /**
   * The PodMonitoring of GKE's TPU device-plugin exporter (`kube-system/tpu-metrics-exporter`, one per chart), present when
   * the HPA scales on TPU memory.
   */
  public readonly tpuMetricsMonitoring?: ApiObject;
  /** What must exist in the cluster for the HPA to work (the Custom Metrics Stackdriver Adapter, ...), one line each. */
  public readonly deploymentNotes: string[];

  constructor(scope: Construct, id: string, props: LlmServerAutoscalerProps) {
    super(checkedScope(scope, id, 'LlmServerAutoscaler'), id);
    checkProps(props, 'LlmServerAutoscaler props', PROPS);
    checkOptionalInstance('target', props.target, (v) => v instanceof ScaleTarget, 'ScaleTarget.deployment(\'NAME\')');
    if (props.target === undefined) throw new Error('\'target\' is required: the workload to scale, e.g. ScaleTarget.deployment(\'my-vllm\').');
    checkOptionalString('name', props.name);
    checkOptionalInteger('minReplicas', props.minReplicas, 1);
    checkOptionalInteger('maxReplicas', props.maxReplicas, 1);
    const name = props.name ?? props.target.name;
    if (!isDns1123Subdomain(name)) throw new Error(`'name' '${printable(name)}' is not a Kubernetes object name (a DNS-1123 subdomain).`);
    checkLabelMap('labels', props.labels);
    const minReplicas = props.minReplicas ?? 1;
    const maxReplicas = props.maxReplicas ?? Math.max(DEFAULT_MAX_REPLICAS, minReplicas);
    if (minReplicas > maxReplicas) throw new Error(`'minReplicas' (${minReplicas}) must be less than or equal to 'maxReplicas' (${maxReplicas}).`);
    checkTargetNamespace(this, props.target);
    const rendered = renderedTarget(props.target);
    const metric = props.resolution !== undefined ? metricOfResolution(props)
      : explicitMetric(props, () => chartNamespace(this), rendered === undefined ? [] : containerImages(rendered));
    this.metricName = metric.name;
    this.targetAverageValue = metric.targetAverageValue;
    this.horizontalPodAutoscaler = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Resource', {
      metadata: { name, labels: props.labels },
      spec: {
        scaleTargetRef: { apiVersion: props.target.apiVersion, kind: props.target.kind, name: props.target.name },
        minReplicas,
        maxReplicas,
        metrics: [metricSpec(metric)],
        behavior: {
          scaleUp: { ...HPA_BEHAVIOR.scaleUp, policies: HPA_BEHAVIOR.scaleUp.policies.map((p) => ({ ...p })) },
          scaleDown: { ...HPA_BEHAVIOR.scaleDown, policies: HPA_BEHAVIOR.scaleDown.policies.map((p) => ({ ...p })) },
        },
      },
    });
    // the TPU memory signal comes from the TPU device plugin's exporter: Managed Prometheus must scrape it
    if (metric.name === tpuMemoryMetricName()) {
      // its series are told apart by container and namespace only (the selector above): two such HPAs in one namespace would each
      // count both servers' memory
      const namespace = chartNamespace(this);
      const other = this.node.root.node.findAll().find((c): c is LlmServerAutoscaler => c !== this && c instanceof LlmServerAutoscaler
        && c.metricName === tpuMemoryMetricName() && chartNamespace(c) === namespace);
      if (other) {
        throw new Error(`'metric' '${AutoscalingMetric.TPU_MEMORY_USED}': the HPA '${other.horizontalPodAutoscaler.name}' already scales on TPU memory `
          + `in namespace ${namespace}, and the exporter's series are told apart by container and namespace only, so both HPAs would count both `
          + `servers' memory. Scale '${name}' on '${AutoscalingMetric.QUEUE_SIZE}' or '${AutoscalingMetric.BATCH_SIZE}' instead, or put it in another namespace.`);
      }
      this.tpuMetricsMonitoring = tpuMetricsExporterMonitoring(this);
    }
    this.deploymentNotes = autoscalingNotes({
      hpaMetricName: metric.name, hpaMetricSelector: metric.selector, metric: metric.metric, targetAverageValue: metric.targetAverageValue,
    });
    if (metric.versionFromImage !== undefined) {
      this.deploymentNotes.push(`Autoscaling: ${metric.name} is the KV-cache gauge of the target's image ${metric.versionFromImage} (vLLM named it `
        + 'vllm:gpu_cache_usage_perc before 0.9.2 and dropped that name in 0.12); set \'modelServerVersion\' if the image changes.');
    }
    const replicas = removeReplicas(props.target, rendered);
    if (replicas !== undefined) {
      // Kubernetes, "Horizontal Pod Autoscaling", Migrating Deployments and StatefulSets to horizontal autoscaling
      this.deploymentNotes.push(`Autoscaling: spec.replicas (${replicas}) is removed from ${props.target.kind} ${props.target.name}, which the HPA `
        + 'scales: kept, every kubectl apply would reset the replicas the HPA set. On a live object that was applied with it, the first apply '
        + 'without it scales to 1 for a moment (Kubernetes\' default): first run kubectl apply edit-last-applied on it and delete the '
        + 'spec.replicas line, as Kubernetes\' HPA guide says.');
    }
    claimScaleTarget(this, props.target, name);
    ensureUniqueObjectNames(this);
  }
}

/** An HPA scales a workload of its own namespace only (scaleTargetRef has no namespace): a given object elsewhere is refused. */
function checkTargetNamespace(autoscaler: Construct, target: ScaleTarget): void {
  const given = GIVEN_OBJECTS.get(target);
  if (given === undefined) return;
  const namespace = chartNamespace(autoscaler);
  const theirs = given.metadata.namespace ?? chartNamespace(given);
  if (theirs !== namespace) {
    throw new Error(`'target': ${target.kind} ${target.name} is in namespace '${theirs}' and this HPA in '${namespace}'; an HPA scales a workload of its `
      + 'own namespace only: create the autoscaler in a chart of that namespace.');
  }
}

/** The HPA that scales each workload, per app: `namespace|group|kind|name` -> HPA name. */
const SCALED = new WeakMap<object, Map<string, string>>();

/**
 * Refuses a second HPA on a workload: the HPA controller stops every HPA whose target another HPA also scales
 * (kubernetes/kubernetes#112011, "AmbiguousSelector"), so neither would scale. An OptimizedLlmServer with a latency target
 * already has one.
 */
function claimScaleTarget(autoscaler: Construct, target: ScaleTarget, hpaName: string): void {
  const root = autoscaler.node.root;
  let claimed = SCALED.get(root);
  if (!claimed) {
    claimed = new Map();
    SCALED.set(root, claimed);
  }
  const namespace = chartNamespace(autoscaler);
  const group = target.apiVersion.includes('/') ? target.apiVersion.split('/')[0] : '';
  const key = `${namespace}|${group}|${target.kind}|${target.name}`;
  const other = claimed.get(key);
  if (other !== undefined) {
    throw new Error(`'target': ${target.kind} ${target.name} is already scaled by the HPA '${other}' in this app; a second HPA on one workload `
      + 'makes the HPA controller stop both (kubernetes/kubernetes#112011). Scale it with one HPA: remove this one, or give the server no '
      + 'latency target (targetNtpotMilliseconds / targetTtftMilliseconds) if you scale it yourself.');
  }
  claimed.set(key, hpaName);
}

/**
 * Removes `spec.replicas` from the object given to `ScaleTarget.fromApiObject` (the HPA owns the replica count; see
 * kubernetes.io "Horizontal Pod Autoscaling", Migrating Deployments and StatefulSets to horizontal autoscaling). Returns the
 * value it had, undefined when it had none (or the object does not render yet).
 */
function removeReplicas(target: ScaleTarget, rendered: any): unknown {
  const spec = rendered?.spec;
  if (spec === null || typeof spec !== 'object' || spec.replicas === undefined) return undefined;
  GIVEN_OBJECTS.get(target)!.addJsonPatch(JsonPatch.remove('/spec/replicas'));
  return spec.replicas;
}

/** The object given to `ScaleTarget.fromApiObject`, rendered as it stands; undefined for other targets or one that does not render yet. */
function renderedTarget(target: ScaleTarget): any {
  const apiObject = GIVEN_OBJECTS.get(target);
  if (apiObject === undefined) return undefined;
  try {
    return apiObject.toJson();
  } catch {
    return undefined;
  }
}

/** The images of every container (and init container) anywhere in a rendered workload: a Deployment's, a LeaderWorkerSet's templates. */
function containerImages(json: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 12 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((x) => walk(x, depth + 1));
      return;
    }
    for (const [k, x] of Object.entries(v as { [key: string]: unknown })) {
      if ((k === 'containers' || k === 'initContainers') && Array.isArray(x)) {
        for (const c of x) if (c !== null && typeof c === 'object' && typeof (c as { image?: unknown }).image === 'string') out.push((c as { image: string }).image);
      } else {
        walk(x, depth + 1);
      }
    }
  };
  walk(json, 0);
  return out;
}


function tpuMemoryMetricName(): string {
  return `prometheus.googleapis.com|${TPU_MEMORY_USED}|gauge`;
}

function metricOfResolution(props: LlmServerAutoscalerProps): HpaMetric {
  const given = EXPLICIT.filter((k) => (props as unknown as { [key: string]: unknown })[k] !== undefined);
  if (given.length > 0) {
    throw new Error(`${given.map((k) => `'${k}'`).join(', ')} cannot be set with 'resolution', whose autoscaling decides them: remove them, `
      + 'or remove \'resolution\'.');
  }
  checkObject(props.resolution, '\'resolution\' (from InferenceResolver.resolve)');
  const a = props.resolution!.autoscaling;
  if (a === undefined || a === null) {
    throw new Error('\'resolution\' has no autoscaling: resolve with a latency target (targetNtpotMilliseconds or targetTtftMilliseconds), '
      + 'or give \'metric\' and \'targetAverageValue\' instead.');
  }
  // a resolution rebuilt by hand or from JSON: the fields the HPA is made of must be there
  if (typeof a.hpaMetricName !== 'string' || !(typeof a.targetAverageValue === 'number' && Number.isFinite(a.targetAverageValue) && a.targetAverageValue > 0)
    || (a.hpaMetricType !== 'Pods' && a.hpaMetricType !== 'External')) {
    throw new Error('\'resolution\'.autoscaling lacks its hpaMetricName, hpaMetricType or a positive targetAverageValue: pass the resolution '
      + 'InferenceResolver.resolve returned, or give \'metric\' and \'targetAverageValue\' instead.');
  }
  return { metric: a.metric, type: a.hpaMetricType, name: a.hpaMetricName, selector: a.hpaMetricSelector, targetAverageValue: a.targetAverageValue };
}

function explicitMetric(props: LlmServerAutoscalerProps, namespace: () => string, targetImages: string[]): HpaMetric {
  checkOptionalString('modelServer', props.modelServer);
  checkOptionalString('modelServerVersion', props.modelServerVersion);
  checkOptionalEnum('metric', props.metric, AutoscalingMetric, 'AutoscalingMetric');
  // at most a petabyte of TPU memory or a quadrillion requests: beyond, a target no replica reaches (1e30 came out as 1e+30)
  checkOptionalPositive('targetAverageValue', props.targetAverageValue, 1e15);
  if (props.targetAverageValue === undefined) {
    throw new Error('\'targetAverageValue\' is required without \'resolution\': the target per replica of the metric (e.g. 10 waiting requests '
      + 'for AutoscalingMetric.QUEUE_SIZE), or pass a \'resolution\' resolved with a latency target.');
  }
  // the HPA's target is written in thousandths (averageValue: 500m) unless it is a whole number of at least a million (bytes):
  // a value those do not hold exactly would be emitted as another number than targetAverageValue reports
  const v = props.targetAverageValue;
  if (Math.round(v * 1000) < 1) {
    throw new Error(`'targetAverageValue' ${v} is below 0.001, the smallest target the HPA's averageValue holds here.`);
  }
  if (!(v >= 1e6 && Number.isInteger(v)) && Math.abs(Math.round(v * 1000) - v * 1000) > 1e-6 * Math.max(1, v * 1000)) {
    throw new Error(`'targetAverageValue' ${v} is not a whole number of thousandths, the HPA's averageValue unit here (it would be written `
      + `${Math.round(v * 1000)}m = ${Math.round(v * 1000) / 1000}): give e.g. ${Math.round(v * 1000) / 1000}.`);
  }
  // the server the target's images name (ScaleTarget.fromApiObject): its metric names, unless 'modelServer' says otherwise
  const imaged = modelServerOfImages(targetImages);
  const server = MODEL_SERVERS.find((s) => s.name === (props.modelServer ?? imaged?.name ?? 'vllm'));
  if (!server) {
    throw new Error(`'modelServer' '${printable(props.modelServer)}' is not a model server the library knows: use one of `
      + `${MODEL_SERVERS.map((s) => `'${s.name}'`).join(', ')}.`);
  }
  if (imaged !== undefined && imaged !== server) {
    throw new Error(`'modelServer' '${server.name}' contradicts the target's images (${targetImages.join(', ')}), which run ${imaged.name}: the HPA `
      + `would wait for ${server.name}'s series, which ${imaged.name} never exports; set 'modelServer' to '${imaged.name}' or leave it out.`);
  }
  const metric = props.metric ?? AutoscalingMetric.QUEUE_SIZE;
  const value = props.targetAverageValue;
  const pods = (serverMetric: string): HpaMetric => ({
    metric, type: 'Pods', name: `prometheus.googleapis.com|${serverMetric}|gauge`.toLowerCase(), targetAverageValue: value,
  });
  // a share is at most 1, and the HPA scales up only when value / target exceeds 1 + tolerance: above 1 / 1.1 it never can
  const checkShare = (what: string): void => {
    if (value > 1) throw new Error(`'targetAverageValue' ${value}: ${what} is a share (0..1).`);
    if (value > boundedMetricScaleUpLimit(1)) {
      throw new Error(`'targetAverageValue' ${value}: ${what} is at most 1 and the HPA scales up only above 1.1 x its target, so a target above `
        + `${boundedMetricScaleUpLimit(1).toFixed(3)} can never scale up; use at most ${maximumShareTarget()}.`);
    }
  };
  switch (metric) {
    case AutoscalingMetric.QUEUE_SIZE:
      return pods(server.queueSizeMetric);
    case AutoscalingMetric.BATCH_SIZE:
      if (server.batchSizeMetricIsSlotShare) checkShare(`${server.name}'s ${server.batchSizeMetric} (the share of decode slots in use)`);
      // vLLM runs at most --max-num-seqs requests at once (1024 at most by default): a per-replica average above it is never reached
      if (server.name === VLLM.name && value > PERFORMANCE_CONSTANTS.maxNumSeqsLargeGpu.value) {
        throw new Error(`'targetAverageValue' ${value}: ${server.batchSizeMetric} is at most vLLM's --max-num-seqs (${PERFORMANCE_CONSTANTS.maxNumSeqs.value} `
          + `by default, ${PERFORMANCE_CONSTANTS.maxNumSeqsLargeGpu.value} on GPUs of 70 GiB or more), so a target above it never scales up; give at `
          + 'most the running batch a replica serves at your latency goal.');
      }
      return pods(server.batchSizeMetric);
    case AutoscalingMetric.KV_CACHE_UTILIZATION: {
      // the gauge's name follows the release: a target given as its object says which image it runs
      const fromImage = props.modelServerVersion === undefined && server.name === VLLM.name ? vllmVersionOfImages(targetImages) : undefined;
      const version = fromImage?.version ?? serverVersion(server, props.modelServerVersion);
      if (version.kvCacheUsageMetric === undefined) {
        throw new Error(`'metric' ${metric} is not available: ${server.name} ${version.version} exports no KV-cache gauge; `
          + `use ${AutoscalingMetric.QUEUE_SIZE} or ${AutoscalingMetric.BATCH_SIZE}.`);
      }
      checkShare('the KV-cache utilisation');
      return { ...pods(version.kvCacheUsageMetric), versionFromImage: fromImage?.image };
    }
    case AutoscalingMetric.GPU_DUTY_CYCLE:
      throw new Error(`'metric' ${GPU_DUTY_CYCLE_REFUSAL}`);
    case AutoscalingMetric.TPU_MEMORY_USED:
      if (server.tpuMemoryMetricContainer === undefined) {
        throw new Error(`'metric' '${metric}' is the TPU memory signal GKE documents for JetStream; ${server.name} has none: `
          + `use '${AutoscalingMetric.QUEUE_SIZE}' or '${AutoscalingMetric.BATCH_SIZE}'.`);
      }
      return {
        metric,
        type: 'External',
        name: tpuMemoryMetricName(),
        // the exporter's series carry the serving pod's container and namespace (GMP renames the exporter's own `namespace`
        // label to exported_namespace, the PodMonitoring's being kube-system); Google's module selects both:
        // GoogleCloudPlatform/ai-on-gke @8676d66d modules/jetstream-maxtext-deployment/templates/custom-metrics-stackdriver-adapter/
        // hpa.jetstream.yaml.tftpl (metric.labels.container: jetstream-http, metric.labels.exported_namespace: default)
        selector: { 'metric.labels.container': server.tpuMemoryMetricContainer, 'metric.labels.exported_namespace': namespace() },
        targetAverageValue: value,
      };
    default:
      throw new Error(`'metric' must be one of ${Object.values(AutoscalingMetric).join(', ')}, got '${metric}'.`);
  }
}

function serverVersion(server: ModelServerRecord, label: string | undefined): ModelServerVersionRecord {
  if (label === undefined) {
    const general = server.versions.filter((v) => v.onlyForModels === undefined);
    return [...(general.length > 0 ? general : server.versions)].sort((a, b) => compareReleases(a.baseRelease, b.baseRelease)).pop()!;
  }
  const version = server.versions.find((v) => v.version === label);
  if (!version) {
    throw new Error(`'modelServerVersion' '${printable(label)}' is not a ${server.name} version the library knows: use one of `
      + `${server.versions.map((v) => `'${v.version}'`).join(', ')}.`);
  }
  return version;
}

/** The HPA's metric spec: byte counts (TPU memory) as whole numbers; queue, batch and shares in thousandths. */
function metricSpec(m: HpaMetric): k8s.MetricSpecV2 {
  const value = m.targetAverageValue >= 1e6 && Number.isInteger(m.targetAverageValue)
    ? String(m.targetAverageValue) : `${Math.round(m.targetAverageValue * 1000)}m`;
  const target = { type: 'AverageValue', averageValue: k8s.Quantity.fromString(value) };
  if (m.type === 'External') {
    const selector = m.selector ? { matchLabels: { ...m.selector } } : undefined;
    return { type: 'External', external: { metric: { name: m.name, selector }, target } };
  }
  return { type: 'Pods', pods: { metric: { name: m.name }, target } };
}
