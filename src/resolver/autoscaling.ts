import { kvBytesPerToken, memoryBudget } from './feasibility';
import { jetstreamDecodeSlotsFor } from './jetstream';
import { AutoscalingMetric, ResolvedAutoscaling, ResolvedModelLoading, ResolvedPerformance } from './resolution';
import { Catalog } from '../catalog/catalog';
import { ModelServerRecord, ModelServerVersionRecord } from '../catalog/model-servers';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';
import { CurveKey, CurvePoint, ProfileCurve } from '../performance/curve';
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

/** DCGM's GPU utilisation as GKE's managed exporter publishes it to Managed Prometheus (External, lower case, `|unknown`). */
export const DCGM_GPU_UTILIZATION = 'dcgm_fi_dev_gpu_util';

/**
 * HBM in use per TPU chip (bytes), as GKE's TPU device-plugin exporter (`kube-system`, port 2112) publishes it to
 * Managed Prometheus: an External metric `prometheus.googleapis.com|memory_used|gauge` (gke-inference-quickstart.md
 * sections 2.8 and 7.6).
 */
export const TPU_MEMORY_USED = 'memory_used';

/**
 * HBM one replica holds at a running batch: the weights and runtime reserve (the memory budget's), plus the KV
 * cache of the running requests at the workload's mean context (the whole prompt and half the output).
 */
export function tpuMemoryBytesAt(catalog: Catalog, key: CurveKey, runningBatchSize: number): number {
  const model = catalog.model(key.model)!;
  const budget = memoryBudget(model, catalog.accelerator(key.acceleratorType)!, key.acceleratorCount);
  const w = catalog.defaultWorkload;
  const contextTokens = w.meanInputTokens + w.meanOutputTokens / 2;
  return (budget.weightsGb + budget.runtimeOverheadGb) * 1e9 + runningBatchSize * contextTokens * kvBytesPerToken(model);
}

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

/** The highest slot-share target: at 1 every slot is busy and the HPA could not see more load. */
const MAX_SLOT_SHARE = 0.95;

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
 * replica is asked for early enough to be serving before the load passes the point.
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
  const h = signalsAtThroughput(catalog, key, point.outputTokensPerSecond * headroom, w.meanOutputTokens);

  const queue = Math.max(s.waitingQueueSize, queueAtTarget(catalog, key, targetNtpotMilliseconds));
  // a queue only grows once the server saturates; while a new replica starts, load growing at the planned rate
  // piles up capacity x growth x t^2 / 2 waiting requests (t in minutes) - the queue must tolerate that
  const startupMinutes = startup / 60;
  const queueDuringStartup = s.requestsPerSecond * 60 * growth * startupMinutes * startupMinutes / 2;
  let metric = requested;
  let metricReason: string;
  if (metric === undefined) {
    if ((queue - queueDuringStartup) * (1 - tolerance) >= queueMinimum) {
      metric = AutoscalingMetric.QUEUE_SIZE;
      metricReason = `queue size: the target is still met with ${queue.toFixed(1)} requests waiting at saturation, more than the `
        + `${queueDuringStartup.toFixed(1)} that pile up while a replica starts (a throughput and cost goal, where GKE recommends the queue)`;
    } else {
      metric = AutoscalingMetric.BATCH_SIZE;
      metricReason = `batch size: the target allows ${queue.toFixed(1)} requests to wait, but ${queueDuringStartup.toFixed(1)} would pile up `
        + `while a replica starts (${startupMinutes.toFixed(1)} min at ${growth * 100}% load growth per minute), so the queue would signal too late; `
        + 'the running batch rises before saturation (GKE recommends it for latency goals)';
    }
  } else {
    metricReason = `${metric}: as requested`;
  }
  if (metric === AutoscalingMetric.KV_CACHE_UTILIZATION && version.kvCacheUsageMetric === undefined) {
    throw new Error(`'autoscalingMetric' ${metric} is not available: ${server.name} ${version.version} exports no KV-cache gauge; `
      + `use ${AutoscalingMetric.QUEUE_SIZE} or ${AutoscalingMetric.BATCH_SIZE}.`);
  }

  let serverMetric: string;
  let value: number;
  let target: number;
  let hpaMetricType = 'Pods';
  let hpaMetricName: string;
  let hpaMetricSelector: { [key: string]: string } | undefined;
  const tpu = catalog.accelerator(key.acceleratorType)?.family === 'tpu';
  switch (metric) {
    case AutoscalingMetric.QUEUE_SIZE:
      serverMetric = server.queueSizeMetric;
      value = queue;
      // leave room for the queue that builds while the new replica starts, and for the tolerance
      target = Math.max(1, Math.round(Math.max(0, queue - queueDuringStartup) * (1 - tolerance) * 10) / 10);
      hpaMetricName = `prometheus.googleapis.com|${serverMetric}|gauge`;
      break;
    case AutoscalingMetric.BATCH_SIZE:
      serverMetric = server.batchSizeMetric;
      if (server.batchSizeMetricIsSlotShare) {
        // JetStream exports the share of decode slots in use (0..1): the running batch over the slots the engine allocates
        const slots = decodeSlots(catalog, key, maxModelLength);
        value = Math.min(1, s.runningBatchSize / slots);
        target = Math.max(0.01, Math.floor(Math.min(MAX_SLOT_SHARE, h.runningBatchSize / slots) * 100) / 100);
      } else {
        value = s.runningBatchSize;
        target = Math.max(1, Math.floor(h.runningBatchSize));
      }
      hpaMetricName = `prometheus.googleapis.com|${serverMetric}|gauge`;
      break;
    case AutoscalingMetric.KV_CACHE_UTILIZATION:
      serverMetric = version.kvCacheUsageMetric!;
      value = s.kvCacheUtilization;
      target = Math.max(0.01, Math.floor(h.kvCacheUtilization * 1000) / 1000);
      hpaMetricName = `prometheus.googleapis.com|${serverMetric}|gauge`;
      break;
    case AutoscalingMetric.GPU_DUTY_CYCLE:
      if (tpu) {
        throw new Error(`'autoscalingMetric' '${metric}' reads the NVIDIA DCGM exporter, which ${key.acceleratorType} nodes do not run: `
          + `use '${AutoscalingMetric.QUEUE_SIZE}', '${AutoscalingMetric.BATCH_SIZE}' or '${AutoscalingMetric.KV_CACHE_UTILIZATION}' on TPUs`
          + `${server.tpuMemoryMetricContainer ? `, or '${AutoscalingMetric.TPU_MEMORY_USED}'` : ''}.`);
      }
      serverMetric = DCGM_GPU_UTILIZATION;
      // continuous batching keeps the GPU busy whenever a request runs: busy share = 1 - P(no request in flight)
      value = 100 * (1 - Math.exp(-s.runningBatchSize));
      target = Math.max(1, Math.floor(100 * (1 - Math.exp(-h.runningBatchSize))));
      hpaMetricType = 'External';
      hpaMetricName = `prometheus.googleapis.com|${serverMetric}|unknown`;
      break;
    case AutoscalingMetric.TPU_MEMORY_USED:
      if (!tpu || server.tpuMemoryMetricContainer === undefined) {
        throw new Error(`'autoscalingMetric' '${metric}' is the TPU memory signal GKE documents for JetStream; ${server.name} on `
          + `${key.acceleratorType} has none: use '${AutoscalingMetric.QUEUE_SIZE}' or '${AutoscalingMetric.BATCH_SIZE}'`
          + `${tpu ? '' : ` (or '${AutoscalingMetric.GPU_DUTY_CYCLE}' on GPUs)`}, or set 'modelServer' 'jetstream' and a TPU 'acceleratorType'.`);
      }
      if ((key.pipelineParallelSize ?? 1) > 1 || (key.tpuHosts ?? 1) > 1) {
        throw new Error(`'autoscalingMetric' '${metric}' is not available on a multi-host slice: its chips belong to the Pathways workers, `
          + `whose exporter series no documented selector picks out; use '${AutoscalingMetric.QUEUE_SIZE}' or '${AutoscalingMetric.BATCH_SIZE}'.`);
      }
      serverMetric = TPU_MEMORY_USED;
      // External AverageValue: the adapter's series (one per chip) are summed and divided by the replicas, so the target is HBM per replica
      value = tpuMemoryBytesAt(catalog, key, s.runningBatchSize);
      target = Math.floor(tpuMemoryBytesAt(catalog, key, h.runningBatchSize) / 2 ** 20) * 2 ** 20;
      hpaMetricType = 'External';
      hpaMetricName = `prometheus.googleapis.com|${serverMetric}|gauge`;
      hpaMetricSelector = { 'metric.labels.container': server.tpuMemoryMetricContainer };
      break;
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
  const explanation = `${metricReason}. At the operating point (${perf.outputTokensPerSecond.toFixed(0)} output tokens/s, `
    + `${perf.ntpotMilliseconds.toFixed(1)} ms NTPOT, ${perReplica.toFixed(2)} requests/s per replica) ${serverMetric} is ${value.toFixed(3)} `
    + `(from ${s.basis}). Headroom ${headroom.toFixed(3)} = ${(1 - tolerance).toFixed(1)} for the HPA tolerance of ${tolerance} `
    + `/ (1 + ${growth} per minute x ${(startup / 60).toFixed(1)} min) for the load growth while a new replica starts `
    + `(${C.gpuNodeProvisioningSeconds.value} s node + ${C.imagePullSeconds.value} s image + ${Math.round(loading.estimatedLoadSeconds)} s model load). `
    + (metric === AutoscalingMetric.QUEUE_SIZE
      ? `The target is the queue the NTPOT target allows less the ${queueDuringStartup.toFixed(1)} that pile up while a replica starts, `
        + `x ${(1 - tolerance).toFixed(1)} for the tolerance = ${target}.`
      : 'The metric grows faster than load near saturation, so the target is its value at headroom x the operating throughput '
        + `(${(point.outputTokensPerSecond * headroom).toFixed(0)} output tokens/s) = ${target}.`)
    + (metric === AutoscalingMetric.GPU_DUTY_CYCLE ? ' Duty cycle saturates near 100% at small batches, so it scales late; prefer a server metric.' : '')
    + (metric === AutoscalingMetric.TPU_MEMORY_USED
      ? ` HBM per replica = ${(tpuMemoryBytesAt(catalog, key, 0) / 1e9).toFixed(1)} GB of weights and runtime reserve `
        + `+ the KV cache of the running requests at ${catalog.defaultWorkload.meanInputTokens} + ${catalog.defaultWorkload.meanOutputTokens} / 2 tokens each `
        + '(unmeasured: if the engine preallocates its decode state, the exporter reports a flat figure and this signal cannot see load; '
        + 'prefer the server metrics).' : '')
    + (expectedRequestsPerSecond !== undefined
      ? ` Initial replicas ${initialReplicas}: ${expectedRequestsPerSecond} requests/s over ${(perReplica * headroom).toFixed(2)} per replica at the target.` : '');
  return {
    metric,
    metricReason,
    serverMetric,
    hpaMetricType,
    hpaMetricName: hpaMetricName.toLowerCase(),
    hpaMetricSelector,
    targetAverageValue: target,
    valueAtOperatingPoint: value,
    headroom,
    // a queue forms only at saturation, so on the queue the HPA holds replicas at the operating point; on the other
    // signals at headroom x its throughput
    utilizationAtTarget: metric === AutoscalingMetric.QUEUE_SIZE ? 1 : headroom,
    replicaStartupSeconds: startup,
    requestsPerSecondPerReplica: perReplica,
    initialReplicas,
    explanation,
  };
}
