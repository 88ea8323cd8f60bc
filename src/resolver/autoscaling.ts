import { AutoscalingMetric, ModelLoadPath, ResolvedAutoscaling, ResolvedModelLoading, ResolvedPerformance } from './resolution';
import { Catalog } from '../catalog/catalog';
import { ModelServerRecord, ModelServerVersionRecord } from '../catalog/model-servers';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';
import { CurveKey, CurvePoint, ProfileCurve } from '../performance/curve';
import { jetstreamDecodeSlotsFor } from '../performance/decode-slots';
import { modelledCurve } from '../performance/profiles';

/** The server-side signals at one load. */
export interface Signals {
  readonly requestsPerSecond: number;
  readonly runningBatchSize: number;
  readonly waitingQueueSize: number;
  readonly kvCacheUtilization: number;
  /** `operating point` when the point carries them, `calibrated model` when read off the modelled curve at the same throughput. */
  readonly basis: string;
}

/**
 * Why `AutoscalingMetric.GPU_DUTY_CYCLE` is refused (the resolver's and `LlmServerAutoscaler`'s one-line error):
 * - GKE's GPU autoscaling best practices advise against GPU utilisation: a duty cycle, it does not measure work done
 *   (cloud.google.com/kubernetes-engine/docs/best-practices/machine-learning/inference/autoscaling; reference section 7.2).
 * - The DCGM series `prometheus.googleapis.com|dcgm_fi_dev_gpu_util|unknown` exists only with a second, relabelling PodMonitoring
 *   (GoogleCloudPlatform/ai-on-gke @8676d66d benchmarks/inference-server/text-generation-inference/hpa-templates/
 *   dcgm-podmonitoring.yaml.tftpl), and an External metric without a selector sums every series in the project
 *   (GoogleCloudPlatform/k8s-stackdriver @673c7dd8 custom-metrics-stackdriver-adapter/pkg/adapter/translator/query_builder.go,
 *   GetExternalMetricRequest); no label of the exporter names the serving Deployment's pods alone.
 * - In this library's model a GPU is busy whenever one request runs (busy share 1 - e^-batch): near 100% at a running batch of a
 *   few requests, so the per-GPU target the headroom asks for (99-100 in 1,045 of 1,095 catalog resolutions, audit 13) is above
 *   100 / 1.1, where the HPA can never scale up, and any target below it is reached far below the operating point. A correct HPA
 *   would also need the target x GPUs per replica (AverageValue divides the sum of per-GPU series by the replicas).
 */
export const GPU_DUTY_CYCLE_REFUSAL = '\'gpu-duty-cycle\' is refused: GKE advises against GPU utilisation (a duty cycle, not work done), its DCGM '
  + 'series exists only with a relabelling PodMonitoring and no selector limits it to this server\'s pods, and a GPU busy whenever a request '
  + 'runs is near 100% at a batch of a few requests, so no target both stays under 100 / 1.1 (needed to scale up) and tracks load; use '
  + '\'batch-size\' or \'queue-size\'.';

/**
 * HBM in use per TPU chip (bytes), as GKE's TPU device-plugin exporter (`kube-system`, port 2112) publishes it to
 * Managed Prometheus: an External metric `prometheus.googleapis.com|memory_used|gauge` (gke-inference-quickstart.md
 * sections 2.8 and 7.6).
 */
export const TPU_MEMORY_USED = 'memory_used';

function lerp(a: number, b: number, f: number): number {
  return a + (b - a) * f;
}

/** The points of a combination's calibrated performance-model curve that carry its signals. */
function modelledPoints(catalog: Catalog, key: CurveKey): { curve: ProfileCurve; pts: CurvePoint[] } {
  const curve = modelledCurve(catalog, key);
  const pts = (curve?.points ?? []).filter((p) => p.runningBatchSize !== undefined);
  if (!curve || pts.length === 0) {
    throw new Error(`no modelled curve for ${key.model} on ${key.acceleratorCount} x ${key.acceleratorType} to read autoscaling signals from`);
  }
  return { curve, pts };
}

/** The running batch, queue and KV-cache share a fraction `f` of the way from curve point `lo` to `hi`. */
function signalsBetween(lo: CurvePoint, hi: CurvePoint, f: number): Pick<Signals, 'runningBatchSize' | 'waitingQueueSize' | 'kvCacheUtilization'> {
  return {
    runningBatchSize: lerp(lo.runningBatchSize!, hi.runningBatchSize!, f),
    waitingQueueSize: lerp(lo.waitingQueueSize ?? 0, hi.waitingQueueSize ?? 0, f),
    kvCacheUtilization: lerp(lo.kvCacheUtilization ?? 0, hi.kvCacheUtilization ?? 0, f),
  };
}

/**
 * The signals of a combination at an output throughput, read off its calibrated performance-model
 * curve (which passes through any measured point of the combination), interpolated between the two
 * points around that throughput.
 */
export function signalsAtThroughput(catalog: Catalog, key: CurveKey, outputTokensPerSecond: number, meanOutputTokens: number): Signals {
  const { curve, pts } = modelledPoints(catalog, key);
  // the first point at or above the throughput (curves rise with load), interpolated with the one before
  const found = pts.findIndex((p) => p.outputTokensPerSecond >= outputTokensPerSecond);
  const i = found < 0 ? pts.length - 1 : Math.max(1, found);
  const hi = pts[i];
  const lo = pts[Math.max(0, i - 1)];
  const span = hi.outputTokensPerSecond - lo.outputTokensPerSecond;
  const f = span > 0 ? Math.min(1, Math.max(0, (outputTokensPerSecond - lo.outputTokensPerSecond) / span)) : 1;
  return {
    requestsPerSecond: outputTokensPerSecond / meanOutputTokens,
    ...signalsBetween(lo, hi, f),
    basis: curve.source === 'measured' || key.modelServerVersion === undefined ? 'the calibrated performance model'
      : 'the calibrated performance model of this combination (through its measured points, if any)',
  };
}

/** Share of the saturated throughput within which a point counts as on the plateau (float rounding of a curve through it). */
const SATURATION_TOLERANCE = 1e-6;

/** The signals at the operating point: the point's own when it carries them (estimated curves), else read off the modelled curve. */
export function signalsAt(catalog: Catalog, key: CurveKey, point: CurvePoint, meanOutputTokens: number): Signals {
  if (point.runningBatchSize !== undefined && point.waitingQueueSize !== undefined && point.kvCacheUtilization !== undefined) {
    return {
      requestsPerSecond: point.requestsPerSecond ?? point.outputTokensPerSecond / meanOutputTokens,
      runningBatchSize: point.runningBatchSize,
      waitingQueueSize: point.waitingQueueSize,
      kvCacheUtilization: point.kvCacheUtilization,
      basis: 'the operating point',
    };
  }
  // Past saturation the throughput is flat, so it cannot say where on the curve a point is: a measured point read at its
  // throughput would land anywhere on the plateau (the last point when rounding puts it a hair above). There the latency
  // locates it: the modelled curve passes through the point's NTPOT at its own queue.
  const { pts } = modelledPoints(catalog, key);
  const plateau = Math.max(...pts.map((p) => p.outputTokensPerSecond));
  const i = pts.findIndex((p) => p.ntpotMilliseconds >= point.ntpotMilliseconds);
  if (point.outputTokensPerSecond >= plateau * (1 - SATURATION_TOLERANCE) && i > 0) {
    const lo = pts[i - 1];
    const hi = pts[i];
    const f = Math.min(1, Math.max(0, (point.ntpotMilliseconds - lo.ntpotMilliseconds) / (hi.ntpotMilliseconds - lo.ntpotMilliseconds)));
    return {
      requestsPerSecond: point.requestsPerSecond ?? point.outputTokensPerSecond / meanOutputTokens,
      ...signalsBetween(lo, hi, f),
      basis: 'the calibrated performance model of this combination at the point\'s NTPOT (past saturation its throughput is flat)',
    };
  }
  return signalsAtThroughput(catalog, key, point.outputTokensPerSecond, meanOutputTokens);
}

/**
 * The largest waiting queue at which the modelled curve still meets the NTPOT target: past saturation,
 * throughput is flat and every waiting request adds latency, so this is the queue a queue-size HPA may
 * allow before the target is missed. 0 when the target is met only below saturation.
 */
export function queueAtTarget(catalog: Catalog, key: CurveKey, targetNtpotMilliseconds: number | undefined): number {
  if (targetNtpotMilliseconds === undefined) return 0;
  const pts = (modelledCurve(catalog, key)?.points ?? []).filter((p) => p.waitingQueueSize !== undefined);
  let best = 0;
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i];
    if (p.ntpotMilliseconds <= targetNtpotMilliseconds) {
      best = Math.max(best, p.waitingQueueSize!);
      const next = pts[i + 1];
      if (next && next.ntpotMilliseconds > targetNtpotMilliseconds) {
        const f = (targetNtpotMilliseconds - p.ntpotMilliseconds) / (next.ntpotMilliseconds - p.ntpotMilliseconds);
        best = Math.max(best, lerp(p.waitingQueueSize!, next.waitingQueueSize!, f));
      }
    }
  }
  return best;
}

/**
 * Margin kept between a share target and the highest target at which the HPA can still scale up. A share (slot share, KV
 * share) is at most 1, and the HPA acts only when value / target exceeds 1 + tolerance (Kubernetes' replica calculator, 0.1
 * by default), so a target above 1 / 1.1 = 0.909 can never scale up; 5% below that bound leaves room for a share that
 * averages a little under 1 while every slot is busy.
 */
const SHARE_SCALE_UP_MARGIN = 0.05;

/** Below this headroom the explanation says the start-up time dominates the HPA target (replicas run mostly below capacity). */
const LOW_HEADROOM = 0.3;

/** The largest target of a metric bounded by `maximum` at which its maximum still takes the HPA past its tolerance. */
export function boundedMetricScaleUpLimit(maximum: number): number {
  return maximum / (1 + SERVING_CONSTANTS.hpaTolerance.value);
}

/** The highest share target the resolver derives: the scale-up limit less the margin, in hundredths (0.86 for a share). */
export function maximumShareTarget(maximum: number = 1): number {
  return Math.floor((100 * boundedMetricScaleUpLimit(maximum)) / (1 + SHARE_SCALE_UP_MARGIN)) / 100;
}

/**
 * The least KV-cache share at the HPA's headroom point that the resolver scales on: below it one long prompt moves the
 * gauge more than the load does (a 4k-token prompt holds several per cent of a small cache).
 */
export const MINIMUM_USABLE_KV_SHARE = 0.05;

/** JetStream's decode slots for a combination (see jetstreamDecodeSlots). */
function decodeSlots(catalog: Catalog, key: CurveKey, maxModelLength: number | undefined): number {
  const model = catalog.model(key.model);
  const accelerator = catalog.accelerator(key.acceleratorType);
  if (!model || !accelerator || maxModelLength === undefined) {
    throw new Error(`no decode-slot count for ${key.model} on ${key.acceleratorCount} x ${key.acceleratorType}: the model, accelerator or maxModelLength is missing`);
  }
  return jetstreamDecodeSlotsFor(model, accelerator, key.acceleratorCount, maxModelLength);
}

/** Seconds from a scale-up decision until a new replica serves: GPU node, image pull, model load. */
export function replicaStartupSeconds(loading: ResolvedModelLoading): number {
  const C = SERVING_CONSTANTS;
  return C.gpuNodeProvisioningSeconds.value + C.imagePullSeconds.value + loading.estimatedLoadSeconds;
}

/**
 * The HPA metric and target for the operating point. The target is the metric's value there times a
 * headroom of (1 - HPA tolerance) / (1 + expected load growth x replica start-up time), so that a new
 * replica is asked for early enough to be serving before the load passes the point. Every clamp or floor on the
 * way is said in the explanation.
 */
export function autoscalingFor(
  catalog: Catalog, server: ModelServerRecord, version: ModelServerVersionRecord, key: CurveKey, point: CurvePoint,
  perf: ResolvedPerformance, loading: ResolvedModelLoading, requested: AutoscalingMetric | undefined, expectedRequestsPerSecond: number | undefined,
  targetNtpotMilliseconds: number | undefined, maxModelLength?: number,
): ResolvedAutoscaling {
  const C = SERVING_CONSTANTS;
  const w = catalog.defaultWorkload;
  const s = signalsAt(catalog, key, point, w.meanOutputTokens);
  const tolerance = C.hpaTolerance.value;
  const startup = replicaStartupSeconds(loading);
  const growth = C.loadGrowthPerMinute.value;
  const headroom = (1 - tolerance) / (1 + (growth * startup) / 60);
  const queueMinimum = C.minimumQueueThreshold.value;
  // batch, KV and duty cycle grow faster than linearly with load near saturation, so the headroom is taken in load:
  // the target is the metric's value at headroom x the operating point's throughput
  const headroomTokens = point.outputTokensPerSecond * headroom;
  const h = signalsAtThroughput(catalog, key, headroomTokens, w.meanOutputTokens);

  const queue = Math.max(s.waitingQueueSize, queueAtTarget(catalog, key, targetNtpotMilliseconds));
  // a TTFT-only target sets the operating point alone: the queue is the point's, not one an NTPOT target allows past it
  const queueSource = targetNtpotMilliseconds !== undefined ? 'the queue the NTPOT target allows' : 'the queue at the operating point';
  // a queue only grows once the server saturates; while a new replica starts, load growing at the planned rate
  // piles up capacity x growth x t^2 / 2 waiting requests (t in minutes) - the queue must tolerate that
  const startupMinutes = startup / 60;
  const queueDuringStartup = s.requestsPerSecond * 60 * growth * startupMinutes * startupMinutes / 2;
  const queueDerived = (queue - queueDuringStartup) * (1 - tolerance);
  // a share (JetStream's slot share, the KV share) is at most 1: a target above this cannot scale up
  const shareCap = maximumShareTarget();
  const shareCapText = `${shareCap}, the highest share target that leaves the HPA room to scale up (a share is at most 1 and the HPA acts only `
    + `above ${1 + tolerance} x its target, so at most 1 / ${1 + tolerance} = ${boundedMetricScaleUpLimit(1).toFixed(3)}, less ${SHARE_SCALE_UP_MARGIN * 100}%)`;
  // JetStream's batch signal is the share of its decode slots in use (see jetstreamDecodeSlots)
  const slots = server.batchSizeMetricIsSlotShare ? decodeSlots(catalog, key, maxModelLength) : undefined;
  const slotShareAtHeadroom = slots !== undefined ? Math.min(1, h.runningBatchSize / slots) : undefined;

  let metric = requested;
  let metricReason: string;
  if (metric === undefined) {
    // the queue is never the default where the running batch can be read: a queue HPA sees 0 below saturation and scales to
    // minReplicas, then, while replicas start (10-20 min on GPUs), the queue grows and it runs to maxReplicas (the Kubernetes
    // algorithm, desired = ceil(current x metric / target); the simulator's 10x burst: 97% of minutes at target for 132
    // replica-hours with queue 5, 100% for 52 with the derived batch target); asked for, it is built as GKE documents it
    if (server.batchSizeMetricUnverified !== undefined) {
      // an HPA on a series the image may not export never scales: the queue's series exists under one name
      metric = AutoscalingMetric.QUEUE_SIZE;
      metricReason = `queue size (${server.queueSizeMetric}): the batch signal (${server.batchSizeMetric}) is not certain to exist: `
        + `${server.batchSizeMetricUnverified}; '${AutoscalingMetric.BATCH_SIZE}' scales on it once you have checked`;
    } else {
      metric = AutoscalingMetric.BATCH_SIZE;
      metricReason = `batch size: ${targetNtpotMilliseconds !== undefined ? `the target allows ${queue.toFixed(1)} requests to wait`
        : `the operating point has ${queue.toFixed(1)} requests waiting`}, but ${queueDuringStartup.toFixed(1)} would pile up `
        + `while a replica starts (${startupMinutes.toFixed(1)} min at ${growth * 100}% load growth per minute), so the queue would signal too late; `
        + 'the running batch rises before saturation (GKE recommends it for latency goals)';
    }
  } else {
    metricReason = `${metric}: as requested`
      + (metric === AutoscalingMetric.BATCH_SIZE && server.batchSizeMetricUnverified !== undefined
        ? ` (check that the image exports ${server.batchSizeMetric}: ${server.batchSizeMetricUnverified})` : '');
  }
  if (metric === AutoscalingMetric.KV_CACHE_UTILIZATION && version.kvCacheUsageMetric === undefined) {
    throw new Error(`'autoscalingMetric' ${metric} is not available: ${server.name} ${version.version} exports no KV-cache gauge; `
      + `use ${AutoscalingMetric.QUEUE_SIZE} or ${AutoscalingMetric.BATCH_SIZE}.`);
  }

  let serverMetric: string;
  let value: number;
  let target: number;
  let targetText: string;
  const hpaMetricType = 'Pods';
  const headroomText = `its value at headroom x the operating throughput (${headroomTokens.toFixed(0)} output tokens/s)`;
  const tpu = catalog.accelerator(key.acceleratorType)?.family === 'tpu';
  switch (metric) {
    case AutoscalingMetric.QUEUE_SIZE:
      serverMetric = server.queueSizeMetric;
      value = queue;
      if (queueDerived >= 1) {
        // leave room for the queue that builds while the new replica starts, and for the tolerance
        target = Math.round(queueDerived * 10) / 10;
        targetText = `The target is ${queueSource} (${queue.toFixed(1)}) less the ${queueDuringStartup.toFixed(1)} that pile up `
          + `while a replica starts, x ${(1 - tolerance).toFixed(1)} for the tolerance = ${target}.`;
      } else {
        // no queue-based threshold exists: GKE's documented starting value (start between 3 and 5, then tune under load)
        target = queueMinimum;
        targetText = `${queueSource[0].toUpperCase()}${queueSource.slice(1)} (${queue.toFixed(1)}) less the ${queueDuringStartup.toFixed(1)} that pile up while a replica `
          + `starts, x ${(1 - tolerance).toFixed(1)} for the tolerance, is ${queueDerived.toFixed(1)}, ${queueDerived < 0 ? 'negative' : 'under one request'}: `
          + `the derivation gives no threshold, so the target is GKE's documented starting value of ${queueMinimum} (start between 3 and 5 and `
          + 'raise it under load until requests meet the latency target; below 10 scale-up must be fast, as this HPA\'s behaviour is).';
      }
      break;
    case AutoscalingMetric.BATCH_SIZE:
      serverMetric = server.batchSizeMetric;
      if (slots !== undefined) {
        // JetStream exports the share of decode slots in use (0..1): the running batch over the slots the engine allocates
        value = Math.min(1, s.runningBatchSize / slots);
        const raw = Math.floor(slotShareAtHeadroom! * 100) / 100;
        if (raw > shareCap) {
          target = shareCap;
          targetText = `The target would be ${headroomText}, a slot share of ${raw} (of ${slots} decode slots), above ${shareCapText}: it is clamped to `
            + `${target}, so the HPA scales up once more than ${(target * (1 + tolerance)).toFixed(2)} of the slots are busy but cannot tell how far `
            + `past saturation the load is ('${AutoscalingMetric.QUEUE_SIZE}', the prefill backlog, can).`;
        } else if (raw < 0.01) {
          target = 0.01;
          targetText = `The target would be ${headroomText}, a slot share of ${slotShareAtHeadroom!.toFixed(4)} (of ${slots} decode slots), under the `
            + `hundredths the slot-share target is written in: it is floored to ${target} (the operating point reads ${value.toFixed(4)}).`;
        } else {
          target = raw;
          targetText = `The metric grows faster than load near saturation, so the target is ${headroomText} over the ${slots} decode slots = ${target}.`;
        }
      } else {
        value = s.runningBatchSize;
        const raw = Math.floor(h.runningBatchSize);
        target = Math.max(1, raw);
        targetText = raw >= 1
          ? `The metric grows faster than load near saturation, so the target is ${headroomText}, rounded down = ${target}.`
          : `The target would be ${headroomText}, ${h.runningBatchSize.toFixed(2)} requests, under one: it is floored to 1, the smallest running `
            + `batch the HPA can hold (the operating point runs ${value.toFixed(2)}).`;
      }
      break;
    case AutoscalingMetric.KV_CACHE_UTILIZATION: {
      serverMetric = version.kvCacheUsageMetric!;
      value = s.kvCacheUtilization;
      if (h.kvCacheUtilization < MINIMUM_USABLE_KV_SHARE) {
        throw new Error(`'autoscalingMetric' '${metric}' is not a usable signal for ${key.model} on ${key.acceleratorCount} x ${key.acceleratorType}: `
          + `the KV cache is ${(h.kvCacheUtilization * 100).toFixed(1)}% used at the HPA's headroom point (${(value * 100).toFixed(1)}% at the operating `
          + `point), under the ${MINIMUM_USABLE_KV_SHARE * 100}% below which one long prompt moves it more than load does; use `
          + `'${AutoscalingMetric.BATCH_SIZE}' or '${AutoscalingMetric.QUEUE_SIZE}'.`);
      }
      const raw = Math.floor(h.kvCacheUtilization * 1000) / 1000;
      if (raw > shareCap) {
        target = shareCap;
        targetText = `The target would be ${headroomText}, ${raw}, above ${shareCapText}: it is clamped to ${target}.`;
      } else {
        target = raw;
        targetText = `The metric grows faster than load near saturation, so the target is ${headroomText} = ${target}.`;
      }
      break;
    }
    case AutoscalingMetric.GPU_DUTY_CYCLE:
      throw new Error(`'autoscalingMetric' ${GPU_DUTY_CYCLE_REFUSAL}`);
    case AutoscalingMetric.TPU_MEMORY_USED:
      if (!tpu || server.tpuMemoryMetricContainer === undefined) {
        throw new Error(`'autoscalingMetric' '${metric}' is the TPU memory signal GKE documents for JetStream; ${server.name} on `
          + `${key.acceleratorType} has none: use '${AutoscalingMetric.QUEUE_SIZE}' or '${AutoscalingMetric.BATCH_SIZE}'`
          + `${tpu ? '' : ', or set \'modelServer\' \'jetstream\' and a TPU \'acceleratorType\''}.`);
      }
      if ((key.pipelineParallelSize ?? 1) > 1 || (key.tpuHosts ?? 1) > 1) {
        throw new Error(`'autoscalingMetric' '${metric}' is not available on a multi-host slice: its chips belong to the Pathways workers, `
          + `whose exporter series no documented selector picks out; use '${AutoscalingMetric.QUEUE_SIZE}' or '${AutoscalingMetric.BATCH_SIZE}'.`);
      }
      // MaxText allocates its whole decode state - the KV cache of per_device_batch_size x chips slots of max_target_length
      // tokens - once, when the engine starts (AI-Hypercomputer/maxtext MaxText/maxengine.py: init_decode_state zero-fills the
      // cache for per_device_batch_size * jax.device_count() sequences, and generate donates and reuses it), so HBM in use
      // does not follow the running batch: no target separates an idle replica from a busy one
      throw new Error(`'autoscalingMetric' '${metric}' cannot drive scaling for JetStream: MaxText preallocates the KV cache of all `
        + `${slots ?? decodeSlots(catalog, key, maxModelLength)} decode slots when it starts (maxengine.py init_decode_state), so memory_used stays flat `
        + `whatever the load; use '${AutoscalingMetric.QUEUE_SIZE}' (${server.queueSizeMetric}) or '${AutoscalingMetric.BATCH_SIZE}'.`);
    default:
      throw new Error(`'autoscalingMetric' must be one of ${Object.values(AutoscalingMetric).join(', ')}, got '${metric}'.`);
  }
  const perReplica = s.requestsPerSecond;
  let initialReplicas = 1;
  if (expectedRequestsPerSecond !== undefined) {
    if (!(Number.isFinite(expectedRequestsPerSecond) && expectedRequestsPerSecond > 0)) {
      throw new Error(`'expectedRequestsPerSecond' must be a positive number, got ${expectedRequestsPerSecond}.`);
    }
    initialReplicas = Math.max(1, Math.ceil(expectedRequestsPerSecond / (perReplica * headroom)));
  }
  // a queue forms only at saturation, so on the queue the HPA holds replicas at the operating point; on the other
  // signals at headroom x its throughput
  const utilizationAtTarget = metric === AutoscalingMetric.QUEUE_SIZE ? 1 : headroom;
  const explanation = `${metricReason}. At the operating point (${perf.outputTokensPerSecond.toFixed(0)} output tokens/s, `
    + `${perf.ntpotMilliseconds.toFixed(1)} ms NTPOT, ${perReplica.toFixed(2)} requests/s per replica) ${serverMetric} is ${value.toFixed(3)} `
    + `(from ${s.basis}). Headroom ${headroom.toFixed(3)} = ${(1 - tolerance).toFixed(1)} for the HPA tolerance of ${tolerance} `
    + `/ (1 + ${growth} per minute x ${(startup / 60).toFixed(1)} min) for the load growth while a new replica starts `
    + `(${C.gpuNodeProvisioningSeconds.value} s node + ${C.imagePullSeconds.value} s image + ${Math.round(loading.estimatedLoadSeconds)} s model load). `
    + targetText
    + (utilizationAtTarget < LOW_HEADROOM
      ? ` The start-up leaves a low headroom: the HPA adds replicas at ${(utilizationAtTarget * 100).toFixed(0)}% of a replica's operating throughput, `
        + `so replicas run mostly below it and the cost per token at the target is ${(1 / utilizationAtTarget).toFixed(1)}x the operating point's; a faster start (`
        + `${loading.loadPath === ModelLoadPath.CLOUD_STORAGE ? 'a smaller model or a warm node' : '\'modelBucketUri\' instead of the hub download'}) or a higher `
        + '\'minReplicas\' for the expected load costs less.'
      : '')
    + (expectedRequestsPerSecond !== undefined
      ? ` Initial replicas ${initialReplicas}: ${expectedRequestsPerSecond} requests/s over ${(perReplica * headroom).toFixed(2)} per replica at the target.` : '');
  return {
    metric,
    metricReason,
    serverMetric,
    hpaMetricType,
    hpaMetricName: `prometheus.googleapis.com|${serverMetric}|gauge`.toLowerCase(),
    targetAverageValue: target,
    valueAtOperatingPoint: value,
    headroom,
    utilizationAtTarget,
    replicaStartupSeconds: startup,
    requestsPerSecondPerReplica: perReplica,
    initialReplicas,
    explanation,
  };
}
