/**
 * Estimated curves for every combination the catalog can serve: each model on each GPU accelerator at
 * each valid tensor-parallel size whose memory holds the weights and a running sequence, for each
 * server version that serves the model. Curves come from the performance model, calibrated on the
 * measured points and marked `estimated` with their uncertainty band.
 */
import {
  Bands,
  CalibrationAnchor,
  CalibrationIndex,
  Correction,
  calibrationAnchors,
  calibrationIndex,
  correctionFor,
  crossValidatedBands,
  estimateInput,
} from './calibration';
import { CurveKey, CurvePoint, ProfileCurve } from './curve';
import { ModelPoint, PerformanceModel, loadGrid, performanceModel } from './estimator';
import { packedTensorParallelSizes, splitsKvHeads, validTensorParallelSizes } from './feasibility';
import { PERFORMANCE_CONSTANTS } from './performance-constants';
import { SERVING_TERMS_FIT } from './serving-terms.generated';
import { Catalog } from '../catalog/catalog';
import { acceleratorOnArmOnly } from '../catalog/machine-architecture';
import { versionReleasedFor, versionRunsOnArchitecture, versionServesAccelerator, versionServesModel } from '../catalog/model-servers';
import { ModelRecord } from '../catalog/types';

/** What caps the running batch, as the curve's note says it. */
const BATCH_LIMITS: Record<PerformanceModel['batchLimit'], string> = {
  'kv-cache': 'the KV cache',
  'max-num-seqs': 'max_num_seqs',
  'token-budget': 'the step token budget the prompts share',
};

/** What caps a curve's running batch: on a server that preallocates its decode slots (JetStream), the slots at the model length. */
function batchLimitText(catalog: Catalog, key: CurveKey, model: ModelRecord, pm: PerformanceModel): string {
  const server = catalog.modelServer(key.modelServer);
  if (pm.batchLimit === 'max-num-seqs' && server?.preallocatesDecodeSlots) {
    return 'the decode slots MaxText preallocates (per_device_batch_size x chips, each holding a KV cache of '
      + `${catalog.maxModelLengthFor(model, server)} tokens, maxModelLength)`;
  }
  return BATCH_LIMITS[pm.batchLimit];
}

const MODEL_CITATION = 'cdk8s-gke-inference performance model (src/performance/estimator.ts): roofline decode and prefill steps with the '
  + 'efficiencies of ../shared/reference/data/calibration.csv (src/performance/performance-constants.ts), KV-cache-capped continuous batching';

/** Everything needed to estimate curves for one catalog, computed once. */
export interface EstimationContext {
  readonly catalog: Catalog;
  readonly anchors: readonly CalibrationAnchor[];
  readonly index: CalibrationIndex;
  readonly bands: ReadonlyMap<string, Bands>;
  /** The measured loads of each combination (`sameCombination`), read exactly by its calibrated curve. */
  readonly measuredLoads: ReadonlyMap<string, readonly number[]>;
}

const combinationOf = (k: CurveKey) => [k.model.toLowerCase(), k.modelServer, k.acceleratorType, k.acceleratorCount].join('|');

export function estimationContext(catalog: Catalog, measured: readonly ProfileCurve[]): EstimationContext {
  const anchors = calibrationAnchors(catalog, measured);
  const index = calibrationIndex(anchors);
  const bands = new Map(catalog.modelServers.map((s) => [s.name, crossValidatedBands(catalog, anchors, s.name)]));
  const measuredLoads = new Map<string, number[]>();
  // only the loads measured on the workload the catalog's profiles are for
  for (const a of anchors.filter((x) => catalog.servesMeasuredOn(x.workload))) {
    const k = combinationOf(a);
    let loads = measuredLoads.get(k);
    if (!loads) measuredLoads.set(k, loads = []);
    loads.push(a.concurrency);
  }
  return { catalog, anchors, index, bands, measuredLoads };
}

function toCurvePoint(p: ModelPoint, c: Correction): CurvePoint {
  const band = Math.exp(c.logBand);
  return {
    outputTokensPerSecond: p.outputTokensPerSecond,
    ntpotMilliseconds: p.ntpotMilliseconds,
    ttftMilliseconds: p.ttftMilliseconds,
    inputTokensPerSecond: p.inputTokensPerSecond,
    kind: 'estimated',
    concurrency: p.concurrency,
    requestsPerSecond: p.requestsPerSecond,
    itlMilliseconds: p.itlMilliseconds,
    runningBatchSize: p.runningBatchSize,
    waitingQueueSize: p.waitingQueueSize,
    kvCacheUtilization: p.kvCacheUtilization,
    outputTokensPerSecondLow: p.outputTokensPerSecond / band,
    outputTokensPerSecondHigh: p.outputTokensPerSecond * band,
    ntpotMillisecondsLow: p.ntpotMilliseconds / band,
    ntpotMillisecondsHigh: p.ntpotMilliseconds * band,
  };
}

const TPU_LOG_BAND = Math.log(PERFORMANCE_CONSTANTS.tpuUncalibratedBand.value);

/** The correction of a TPU combination without measured points: uncalibrated, with the wide TPU band. */
function uncalibratedOnTpu(c: Correction): Correction {
  return {
    timeScale: c.timeScale,
    basis: 'uncalibrated',
    explanation: `uncalibrated on TPU (no measured TPU point in the catalog): the ${c.explanation.replace(/^time scale/, 'vLLM GPU time scale')} `
      + `is carried over to the TPU roofline, with a band of a factor of ${PERFORMANCE_CONSTANTS.tpuUncalibratedBand.value} either way`,
    logBand: TPU_LOG_BAND,
    ttftLogBand: Math.max(TPU_LOG_BAND, c.ttftLogBand),
  };
}

const PIPELINE_LOG_WIDENING = Math.log(PERFORMANCE_CONSTANTS.pipelineParallelBandWidening.value);

/**
 * The correction of a multi-host combination (pipeline stages on GPUs, a multi-host TPU slice under Pathways): the same time
 * scale, the band widened (no multi-node point is measured).
 */
function widenedForMultiHost(c: Correction, what: string): Correction {
  return {
    ...c,
    explanation: `${c.explanation}; multi-host estimate (${what}, unmeasured): band widened by a factor of `
      + `${PERFORMANCE_CONSTANTS.pipelineParallelBandWidening.value}`,
    logBand: c.logBand + PIPELINE_LOG_WIDENING,
    ttftLogBand: c.ttftLogBand + PIPELINE_LOG_WIDENING,
  };
}

/** Fewer measured cases than this on an accelerator in the fit of the serving terms: its estimates rest on other accelerators. */
const THIN_DATA_CASES = 5;
const THIN_DATA_LOG_WIDENING = Math.log(PERFORMANCE_CONSTANTS.thinDataBandWidening.value);

const fittedCases = (accelerator: string): number => (SERVING_TERMS_FIT.casesPerAccelerator as Readonly<Record<string, number>>)[accelerator] ?? 0;

/** The correction of a GPU the public measurements barely cover: the band widened. */
function widenedForThinData(c: Correction, accelerator: string): Correction {
  const n = fittedCases(accelerator);
  return {
    ...c,
    explanation: `${c.explanation}; ${n} public measurement(s) of ${accelerator} in the fit of the serving terms: band widened by a factor of `
      + `${PERFORMANCE_CONSTANTS.thinDataBandWidening.value}`,
    logBand: c.logBand + THIN_DATA_LOG_WIDENING,
    ttftLogBand: c.ttftLogBand + THIN_DATA_LOG_WIDENING,
  };
}

/** The calibrated, estimated curve of one combination, or undefined when the model cannot evaluate it (missing records, does not fit). */
export function estimatedCurve(ctx: EstimationContext, key: CurveKey): ProfileCurve | undefined {
  const model = ctx.catalog.model(key.model);
  const input = estimateInput(ctx.catalog, key);
  const pm = input && performanceModel(input);
  if (!model || !input || !pm) return undefined;
  const bands = ctx.bands.get(key.modelServer) ?? crossValidatedBands(ctx.catalog, ctx.anchors, key.modelServer);
  const calibrated = correctionFor(ctx.index, bands, key, model);
  const onTpu = ctx.catalog.accelerator(key.acceleratorType)?.family === 'tpu';
  // no measured TPU point exists: the GPU-calibrated time scale is carried over, but the band is the wide uncalibrated one
  const singleHost = onTpu && calibrated.basis !== 'measured-combination' ? uncalibratedOnTpu(calibrated) : calibrated;
  const pp = key.pipelineParallelSize ?? 1;
  const hosts = key.tpuHosts ?? 1;
  const multiHost = pp > 1 ? `pipeline-parallel size ${pp}` : hosts > 1 ? `a slice of ${hosts} TPU hosts under Pathways` : undefined;
  const wide = multiHost ? widenedForMultiHost(singleHost, multiHost) : singleHost;
  const thin = !onTpu && fittedCases(key.acceleratorType) < THIN_DATA_CASES;
  const correction = thin ? widenedForThinData(wide, key.acceleratorType) : wide;
  // the measured loads of the combination itself are read exactly, so the curve passes through its measured points
  // (only for the workload they were measured on)
  const own = ctx.measuredLoads.get(combinationOf(key)) ?? [];
  const grid = [...new Set([...loadGrid(pm.maxRunningBatch), ...own])].sort((a, b) => a - b);
  const points = grid.map((n) => toCurvePoint(pm.at(n, correction.timeScale), correction));
  const band = Math.exp(correction.logBand);
  const ttftBand = Math.exp(correction.ttftLogBand);
  const w = ctx.catalog.defaultWorkload;
  return {
    ...key,
    instanceType: undefined,
    instanceTypeInferred: true,
    source: 'estimated',
    points,
    citation: `${MODEL_CITATION}; calibrated: ${correction.explanation}`,
    note: `estimated for the ${w.name} workload (${w.meanInputTokens} input / ${w.meanOutputTokens} output tokens); `
      + (own.length === 0 && correction.basis === 'measured-combination'
        ? 'calibrated on this combination\'s points measured on another workload or precision, which stay measured only for their own; ' : '')
      + (ctx.catalog.weightPrecision !== 'checkpoint' || ctx.catalog.kvCacheDtype !== 'auto'
        ? `${ctx.catalog.weightPrecision} weights, ${ctx.catalog.kvCacheDtype} KV cache; ` : '')
      + (input.kvCacheReservedGb !== undefined && ctx.catalog.loraSlots
        ? `KV cache less ${ctx.catalog.loraSlots.maxLoras} LoRA slot(s) of rank ${ctx.catalog.loraSlots.maxLoraRank} `
          + `(${input.kvCacheReservedGb.toFixed(2)} GB, preallocated by vLLM); ` : '')
      + `running batch capped at ${pm.maxRunningBatch} by ${batchLimitText(ctx.catalog, key, model, pm)}`
      + (input.expertGemmTflops !== undefined
        ? `; expert GEMMs at most ${input.expertGemmTflops} TFLOPS per GPU, the measured rate of ${input.expertGemmSource}` : ''),
    uncertainty: {
      throughputLowMultiplier: 1 / band,
      throughputHighMultiplier: band,
      latencyLowMultiplier: 1 / band,
      latencyHighMultiplier: band,
      ttftLowMultiplier: 1 / ttftBand,
      ttftHighMultiplier: ttftBand,
      basis: (thin ? `few public measurements of ${key.acceleratorType}: the band widened by a factor of `
        + `${PERFORMANCE_CONSTANTS.thinDataBandWidening.value}; ` : '')
        + (multiHost ? `multi-host (${multiHost}): the band widened by a factor of `
        + `${PERFORMANCE_CONSTANTS.pipelineParallelBandWidening.value} (no multi-node point measured); ` : '')
        + (onTpu && correction.basis === 'uncalibrated'
          ? `no measured TPU point: an uncalibrated TPU estimate, a factor of ${band.toFixed(1)} either way`
          : correction.basis === 'uncalibrated'
            ? `no measured ${key.modelServer} point to cross-validate on: a factor of ${band.toFixed(1)} either way`
            : `cross-validated on the measured ${key.modelServer} points (${correction.basis === 'same-server'
              ? 'leave-one-model-out: no measured point of this model' : 'leave-one-out: the model has measured points'}); `
          + 'TTFT band from the measured TTFTs'),
    },
    estimate: {
      timeScale: correction.timeScale,
      calibrationBasis: correction.basis,
      calibration: correction.explanation,
      maxRunningBatch: pm.maxRunningBatch,
      batchLimit: pm.batchLimit,
      kvCacheCapacityGb: pm.kvCapacityBytes / 1e9,
      kvCachePerSequenceMb: pm.kvBytesPerSequence / 1e6,
      chunkedPrefill: pm.chunkedPrefill,
      bandwidthFloorMilliseconds: pm.bandwidthFloorMilliseconds,
      meanInputTokens: w.meanInputTokens,
      meanOutputTokens: w.meanOutputTokens,
    },
  };
}

/**
 * Curve keys of every combination the catalog can serve (before the fit check), in catalog order: GPUs
 * with a machine type, and TPUs at the chips of each single-host slice, each with the server versions
 * whose image runs on that accelerator family (vLLM's TPU image on TPUs) and on its machines' CPUs (arm64 images on A4X).
 */
export function estimableKeys(catalog: Catalog): CurveKey[] {
  const keys: CurveKey[] = [];
  const accelerators = catalog.accelerators.filter((a) => (a.family === 'gpu'
    ? catalog.machineTypes.some((m) => m.accelerator === a.gkeLabel)
    : catalog.singleHostTpuTopologies(a.gkeLabel).length > 0));
  for (const model of catalog.models) {
    for (const server of catalog.modelServers) {
      // multi-host builds (JetStream with Pathways) are estimated only where the resolver plans a multi-host slice
      const versions = server.versions.filter((v) => !v.multiHostOnly && versionServesModel(v, model.id) && versionReleasedFor(server, v, model));
      for (const accelerator of accelerators) {
        // GPUs on Arm machines only (GB200 on A4X's Grace CPUs) take images published for arm64
        const arm = acceleratorOnArmOnly(catalog.machineTypes, accelerator.gkeLabel);
        const onFamily = versions.filter((v) => versionServesAccelerator(v, accelerator) && (!arm || versionRunsOnArchitecture(v, 'arm64')));
        if (onFamily.length === 0) continue;
        // with the sizes served by packing several replicas on one machine (packedTensorParallelSizes)
        const label = accelerator.gkeLabel;
        const sizes = [...validTensorParallelSizes(catalog, model, label), ...packedTensorParallelSizes(catalog, model, label)].sort((a, b) => a - b);
        for (const tp of sizes) {
          // a server that cannot replicate KV heads (TGI) takes only sizes that divide them
          if (!splitsKvHeads(model, tp, server.replicatesKvHeads !== false)) continue;
          for (const version of onFamily) {
            keys.push({
              model: model.id,
              modelServer: server.name,
              modelServerVersion: version.version,
              acceleratorType: accelerator.gkeLabel,
              acceleratorCount: tp,
            });
          }
        }
      }
    }
  }
  return keys;
}

/** Estimated curves for every combination without a measured curve of its own. */
export function estimatedCurves(catalog: Catalog, measured: readonly ProfileCurve[]): ProfileCurve[] {
  const ctx = estimationContext(catalog, measured);
  const measuredKeys = new Set(measured.filter((m) => catalog.servesMeasuredOn(catalog.workloadOf({ workload: m.measuredWorkload }))).map(keyString));
  const curves: ProfileCurve[] = [];
  for (const key of estimableKeys(catalog)) {
    if (measuredKeys.has(keyString(key))) continue;
    const curve = estimatedCurve(ctx, key);
    if (curve) curves.push(curve);
  }
  return curves;
}

export function keyString(k: CurveKey): string {
  return [k.model.toLowerCase(), k.modelServer, k.modelServerVersion, k.acceleratorType, k.acceleratorCount].join('|');
}
