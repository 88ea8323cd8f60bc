/** The Resolution of the chosen candidate: performance, cost, memory, loading, pod resources, node pool, autoscaling and every decision in words. */
import { autoscalingFor } from './autoscaling';
import { Candidate } from './candidates';
import { uncertaintyAt } from './choice';
import { inputTokensPerSecond } from './cost';
import { pathwaysParallelism, tpuOnlyServer } from './jetstream';
import { planModelLoading } from './model-loading';
import { capacityOf, planNodePool, priceLabel } from './node-pool';
import { nodesOf, podResources } from './pod-resources';
import { maxModelLengthReason } from './request-checks';
import { CacheMedium, ClusterMode, ProfileSource, ResolveRequest, Resolution, ResolvedAlternative, ResolvedPerformance } from './resolution';
import { Catalog } from '../catalog/catalog';
import { preallocatesDecodeSlots } from '../catalog/model-length';
import { ModelServerRecord } from '../catalog/model-servers';
import { ModelRecord, PricingModelName } from '../catalog/types';
import { LatencyTargets } from '../performance/curve';
import { kvCacheFitAt, kvCacheGbFor, packedTensorParallelSizes, validTensorParallelSizes } from '../performance/feasibility';
import { curveKeyString } from '../performance/measured-curves';
import { KvCacheDtype, WeightPrecision, precisionPlan } from '../performance/precision';

/** A size in GB as the decision lines print it: at most two decimals (134.200950784 GB of TPU HBM reads 134.2). */
const gb = (x: number) => Number(x.toFixed(2));

/** What the automatic choice ranked: the feasible shapes, those with a price, and a cheaper one the measured-first rule passed over. */
export interface ChoiceRanking {
  readonly considered: number;
  readonly priced: number;
  readonly cheaperPassedOver?: ResolvedAlternative;
}

export function buildResolution(
  catalog: Catalog, c: Candidate, model: ModelRecord, server: ModelServerRecord, maxModelLength: number,
  targets: LatencyTargets, chose: boolean, alternatives: ResolvedAlternative[], request: ResolveRequest, ranking?: ChoiceRanking,
): Resolution {
  const machine = c.machine!;
  const point = c.point!;
  const { nodes, perNode: tp } = nodesOf(c.curve);
  const pods = c.podsPerNode;
  const loading = planModelLoading(model, c.accelerator, machine, request.modelBucketUri, server.readsCheckpointFromBucket === true, nodes,
    catalog.loraSlots);
  const packed = packedTensorParallelSizes(catalog, model, c.accelerator.gkeLabel);
  // a multi-host TPU slice (JetStream with Pathways): the slice's topology and MaxText's sharding over all of its chips
  const multiHostSlice = (c.curve.tpuHosts ?? 1) > 1;
  const pathways = multiHostSlice ? pathwaysParallelism(model, c.curve.acceleratorCount) : undefined;
  const topology = c.accelerator.family !== 'tpu' ? undefined
    : multiHostSlice ? catalog.tpuTopologiesFor(c.accelerator.gkeLabel).find((t) => t.chips === c.curve.acceleratorCount && t.gkeNodes === nodes)
      : catalog.singleHostTpuTopology(c.accelerator.gkeLabel, tp);
  const input = inputTokensPerSecond(catalog, point);
  const w = catalog.defaultWorkload;
  const performance: ResolvedPerformance = {
    outputTokensPerSecond: point.outputTokensPerSecond,
    inputTokensPerSecond: input.value,
    inputTokensPerSecondBasis: input.basis,
    ntpotMilliseconds: point.ntpotMilliseconds,
    ttftMilliseconds: point.ttftMilliseconds,
    requestsPerSecond: point.requestsPerSecond ?? point.outputTokensPerSecond / w.meanOutputTokens,
    concurrentRequests: (point.outputTokensPerSecond * point.ntpotMilliseconds) / 1000,
    pointKind: point.kind,
    itlMilliseconds: point.itlMilliseconds,
    runningBatchSize: point.runningBatchSize,
    waitingQueueSize: point.waitingQueueSize,
    kvCacheUtilization: point.kvCacheUtilization,
  };
  const uncertainty = uncertaintyAt(c);
  const estimated = c.curve.source === 'estimated';
  const hasTargets = targets.ntpotMilliseconds !== undefined || targets.ttftMilliseconds !== undefined;
  const cost = c.cost!;
  const capacity = capacityOf(request.capacity, request.pricingModel as string as PricingModelName | undefined, request.reservationName);
  const decisions = [
    `model ${model.id}: ${Number(model.checkpointWeightsGb.toFixed(2))} GB of weights (${model.checkpointWeightsNote}), ${model.kvCacheKibPerTokenBf16} KiB of KV cache per token`,
    chose
      ? `accelerator ${c.accelerator.gkeLabel}: `
        // without a price for the region and pricing model nothing is "cheapest": the ranking falls back to throughput (choice.ts byCost)
        + (cost.costPerMillionOutputTokens === undefined
          ? `none of the ${ranking?.considered ?? alternatives.length + 1} feasible profiles has a price for ${cost.pricingModel} in ${cost.region}, so the highest output `
            + 'throughput was taken, not the lowest cost (a region with prices ranks by cost; see the catalog\'s priced regions) '
          : rankingWords(alternatives.length + 1, ranking))
        + '(per accelerator, a measured profile takes precedence over estimates'
        + (tpuOnlyServer(server) ? `; ${server.name} runs on TPUs only, whose profiles are uncalibrated)`
          : '; TPUs, whose profiles are uncalibrated, only when asked for through acceleratorType or allowedAcceleratorTypes)')
      : `accelerator ${c.accelerator.gkeLabel}: as requested`,
    `server ${server.name} ${c.version.version} (${c.version.image}): `
      + (request.modelServerVersion !== undefined ? 'as requested (\'modelServerVersion\')'
        : estimated ? 'the newest version that serves the model (no measured profile for this combination)' : 'the version of the measured profile'),
    `profile ${curveKeyString(c.curve)}: ${c.curve.source} (${c.curve.citation})`,
    ...(uncertainty ? [`uncertainty: ${Math.round(uncertainty.outputTokensPerSecondLow)}-${Math.round(uncertainty.outputTokensPerSecondHigh)} output tokens/s, `
      + `${uncertainty.ntpotMillisecondsLow.toFixed(1)}-${uncertainty.ntpotMillisecondsHigh.toFixed(1)} ms NTPOT (${c.curve.uncertainty!.basis})`] : []),
    `instance type ${machine.name}${pods > 1 ? ` (chosen: no machine type carries ${tp} x ${c.accelerator.gkeLabel}; the smallest whose `
      + `${tp * pods} GPUs a replica of ${tp} divides, holding ${pods} replicas)`
      : estimated ? ' (chosen: the smallest machine type with this accelerator count whose memory holds the model loader'
        + `${loading.fileCacheMedium === CacheMedium.MEMORY ? ` and the ${loading.fileCacheSizeGiB} GiB Cloud Storage FUSE file cache kept in memory` : ''})`
        : c.curve.instanceTypeInferred ? ' (inferred: the only machine type with this accelerator count; the source does not state it)' : ' (as published)'}`,
    nodes > 1 && pathways
      ? `multi-host TPU slice: no single host of ${c.accelerator.gkeLabel} holds ${gb(model.checkpointWeightsGb)} GB of weights + `
        + `${kvCacheGbFor(model, maxModelLength).toFixed(1)} GB of KV cache for maxModelLength ${maxModelLength}, so one replica is the `
        + `${topology!.topology} slice (${c.curve.acceleratorCount} chips on ${nodes} ${machine.name} hosts) served by JetStream with Pathways: a `
        + 'LeaderWorkerSet group of a leader (Pathways proxy and resource manager, the MaxText engine as single controller, jetstream-http; no chips) '
        + `and ${nodes} Pathways workers (${tp} chips each); MaxText ici_tensor_parallelism ${pathways.tensor} (the largest power of two `
        + `dividing ${model.attentionHeads} attention and ${model.kvHeads} KV heads) x ici_autoregressive_parallelism ${pathways.autoregressive}; `
        + 'performance estimated as one replica over every chip of the slice, the uncertainty band widened (no multi-host TPU point is measured)'
      : nodes > 1
        ? `multi-host: no single machine of ${c.accelerator.gkeLabel} holds ${gb(model.checkpointWeightsGb)} GB of weights + `
        + `${kvCacheGbFor(model, maxModelLength).toFixed(1)} GB of KV cache for maxModelLength ${maxModelLength}, so one replica is a LeaderWorkerSet group of `
        + `${nodes} ${machine.name} nodes: tensor-parallel size ${tp} (the accelerators of the largest machine) x pipeline-parallel size ${nodes} `
        + `(the fewest nodes whose memory holds it; ${model.layers} layers, at least one per stage) = ${tp * nodes} x ${c.accelerator.gkeLabel}; `
        + 'performance estimated with pipeline stages (per-stage steps and inter-node hops, weights split across stages) and the uncertainty band '
        + 'widened, since no multi-node point is measured'
        : `tensor-parallel size ${tp}: ${estimated ? 'the cheapest per million output tokens of the sizes that fit, the smallest on ties'
          : 'the measured profile\'s accelerator count'}; valid sizes here: ${validTensorParallelSizes(catalog, model, c.accelerator.gkeLabel).join(', ') || 'none on a whole machine'}`
          + (pods > 1 ? `; packed on one machine: ${packed.join(', ')}` : ''),
    ...(pods > 1 ? [`packing: one ${machine.name} node holds ${pods} server pods of ${tp} x ${c.accelerator.gkeLabel} each (floor(${tp * pods} / ${tp})); `
      + 'each pod requests its own GPUs and at most 1/' + `${pods} of the node's CPU and memory, replicas and HPA bounds count pods, and a replica costs `
      + `1/${pods} of the machine (estimated as ${pods} independent replicas: the pods share the host's CPU, PCIe and network, not their GPUs)`] : []),
    server.windowsEveryLayer === true && request.maxModelLength === undefined && model.slidingWindowTokens === maxModelLength
      ? `maxModelLength ${maxModelLength}: ${server.name} applies ${model.id}'s ${maxModelLength}-token sliding window to every layer `
        + '(text-generation-inference 3.0.1, fixed in 3.2.1), so it attends to at most that many tokens; serve it with vllm for its whole context'
      : maxModelLengthReason(model, request.maxModelLength, catalog.defaultWorkload, maxModelLength, preallocatesDecodeSlots(server)),
    `memory${nodes > 1 ? ` (across the ${nodes} nodes)` : ''}: ${gb(c.budget.acceleratorMemoryGb)} GB x ${c.budget.gpuMemoryUtilization} - ${gb(model.checkpointWeightsGb)} GB weights - ${c.budget.runtimeOverheadGb.toFixed(1)} GB runtime `
      + (c.budget.tightestStage ? `= ${(c.budget.acceleratorMemoryGb * c.budget.gpuMemoryUtilization - model.checkpointWeightsGb - c.budget.runtimeOverheadGb).toFixed(1)} GB `
        + 'pooled, but each pipeline stage loads its own layers and vLLM gives every stage the KV blocks of the tightest (get_kv_cache_configs): '
        + `stage ${c.budget.tightestStage.index + 1} of ${c.budget.tightestStage.stages} (${c.budget.tightestStage.layers} of ${model.layers} layers, `
        + `${c.budget.tightestStage.weightsGb.toFixed(1)} GB of weights, ${c.budget.tightestStage.freeGb.toFixed(1)} GB left on its ${tp} GPUs) sets it at `
        + `${c.budget.kvCacheCapacityGb.toFixed(1)} GB for the group` : `= ${c.budget.kvCacheCapacityGb.toFixed(1)} GB KV cache`)
      + ` (${c.budget.maxFittingTokens} tokens${c.budget.kvCacheReplicas > 1
        ? `, each held ${c.budget.kvCacheReplicas} times: ${model.kvLoraRank !== undefined ? 'latent attention, every tensor-parallel rank holds the whole latent'
          : 'fewer KV heads than tensor-parallel ranks, vLLM replicates them'}` : ''}); maxModelLength ${maxModelLength} fits`,
    hasTargets
      ? `operating point: the highest-throughput ${point.kind} point meeting ${[
        targets.ntpotMilliseconds !== undefined ? `NTPOT <= ${targets.ntpotMilliseconds} ms` : undefined,
        targets.ttftMilliseconds !== undefined ? `TTFT <= ${targets.ttftMilliseconds} ms` : undefined,
      ].filter((s) => s).join(' and ')}`
      : 'operating point: the inflection point (no latency target given)',
    cost.costPerHour !== undefined
      ? `cost: ${nodes > 1 ? `${nodes} x ` : ''}${machine.name} at $${pods > 1 ? `${cost.costPerHour * pods}/h, a replica's 1/${pods} share $${cost.costPerHour}`
        : cost.costPerHour}/h${nodes > 1 ? ' in all' : ''} (${priceLabel(cost.pricingModel, capacity.capacity, machine.name)}, ${cost.region}, snapshot ${cost.priceSnapshotDate ?? 'undated'}); `
        + `$/output token = $/s / (input tok/s / ${cost.outputInputCostRatio} + output tok/s)`
      : `cost: no whole-VM price for ${machine.name} (${cost.pricingModel}, ${cost.region}) in the catalog, so no cost figures`,
  ];
  if (topology && !multiHostSlice) {
    decisions.push(`TPU slice ${topology.topology}: ${topology.chips} chips on one ${topology.machineType} (${topology.scope}), `
      + `tensor parallel over all of them; the smallest single-host slice of ${c.accelerator.gkeLabel} that fits (this library serves vLLM on TPU single-host)`);
  }
  decisions.push(...loading.explanation.map((l) => `model loading: ${l}`));
  const autoscaled = hasTargets
    ? autoscalingFor(catalog, server, c.version, c.curve, point, performance, loading, request.autoscalingMetric, request.expectedRequestsPerSecond,
      targets.ntpotMilliseconds, maxModelLength)
    : undefined;
  // what an autoscaled deployment pays per token: replicas run at the HPA target, not at the operating point
  const autoscaling = autoscaled && cost.costPerMillionOutputTokens !== undefined
    ? {
      ...autoscaled,
      costPerMillionOutputTokensAtTarget: cost.costPerMillionOutputTokens / autoscaled.utilizationAtTarget,
      costPerMillionInputTokensAtTarget: cost.costPerMillionInputTokens! / autoscaled.utilizationAtTarget,
    }
    : autoscaled;
  if (autoscaling) decisions.push(`autoscaling: ${autoscaling.hpaMetricName} target ${autoscaling.targetAverageValue} (${autoscaling.metricReason})`);
  const shipped = catalog.measurementCatalog.model(model.id) ?? model;
  const precision = precisionPlan(shipped, c.accelerator, catalog.weightPrecision, catalog.kvCacheDtype, [], undefined, tpuOnlyServer(server));
  if (catalog.weightPrecision !== WeightPrecision.CHECKPOINT || catalog.kvCacheDtype !== KvCacheDtype.AUTO) {
    const flags = [...precision.vllmArgs, ...precision.maxTextArgs];
    decisions.push(`precision: ${precision.description}${flags.length ? `; server flags ${flags.join(' ')}` : ''}`);
  }
  if (autoscaling?.costPerMillionOutputTokensAtTarget !== undefined) {
    decisions.push(`cost at the HPA target: $${autoscaling.costPerMillionOutputTokensAtTarget.toFixed(3)}/M output tokens with replicas at `
      + `${(autoscaling.utilizationAtTarget * 100).toFixed(0)}% of the operating point's throughput ($${cost.costPerMillionOutputTokens!.toFixed(3)} at the `
      + 'operating point, which the automatic accelerator choice minimises)');
  }
  const resources = podResources(model, machine, tp, loading, nodes, pods, catalog.loraSlots);
  const nodePool = planNodePool({
    machine,
    accelerator: c.accelerator,
    acceleratorsPerNode: tp * pods,
    nodesPerReplica: nodes,
    podsPerNode: pods,
    tpuTopology: topology?.topology,
    podEphemeralStorageGiB: resources.ephemeralStorageGiB,
    cloudStorageFuse: loading.fileCacheMedium !== undefined,
    // vLLM on TPU may keep an XLA cache (from a bucket, or with xlaCacheBucketUri); JetStream has none
    xlaCache: c.accelerator.family === 'tpu' && !tpuOnlyServer(server),
    capacity: capacity.capacity,
    reservationName: capacity.reservationName,
    autopilot: request.clusterMode === ClusterMode.AUTOPILOT,
  });
  decisions.push(...nodePool.explanation.map((l) => `node pool: ${l}`));
  return {
    model: model.id,
    modelServer: server.name,
    modelServerVersion: c.version.version,
    weightPrecision: catalog.weightPrecision,
    kvCacheDtype: catalog.kvCacheDtype,
    precisionArgs: [...precision.vllmArgs, ...precision.maxTextArgs],
    image: c.version.image,
    acceleratorType: c.accelerator.gkeLabel,
    instanceType: machine.name,
    instanceTypeInferred: c.curve.instanceTypeInferred,
    instanceVcpu: machine.vcpu,
    instanceMemoryGb: machine.ramGb,
    acceleratorCount: c.curve.acceleratorCount,
    nodes,
    ...(pods > 1 ? { podsPerNode: pods } : {}),
    pipelineParallelSize: c.curve.pipelineParallelSize ?? 1,
    tpuTopology: topology?.topology,
    tensorParallelSize: pathways?.tensor ?? tp,
    validTensorParallelSizes: validTensorParallelSizes(catalog, model, c.accelerator.gkeLabel),
    maxModelLength,
    ...(request.gkeVersion !== undefined ? { gkeVersion: request.gkeVersion } : {}),
    source: c.curve.source === 'measured' ? ProfileSource.MEASURED : ProfileSource.ESTIMATED,
    profileCitation: c.curve.citation,
    operatingPointReason: c.pointReason!,
    performance,
    uncertainty,
    // a copy: the candidate (and its cost) is remembered for the next request
    cost: { ...cost },
    memory: {
      acceleratorMemoryGb: c.budget.acceleratorMemoryGb,
      gpuMemoryUtilization: c.budget.gpuMemoryUtilization,
      weightsGb: c.budget.weightsGb,
      runtimeOverheadGb: c.budget.runtimeOverheadGb,
      kvCacheCapacityGb: c.budget.kvCacheCapacityGb,
      kvCachePerMaxLengthRequestGb: kvCacheGbFor(model, maxModelLength),
      kvCacheKibPerToken: c.budget.kvCacheKibPerToken,
      ...(point.runningBatchSize !== undefined && c.curve.estimate
        ? { kvCacheAtOperatingPointGb: kvCacheFitAt(c.budget, point.runningBatchSize, c.curve.estimate.kvCachePerSequenceMb).needGb } : {}),
    },
    modelLoading: loading,
    podResources: resources,
    nodePool,
    autoscaling,
    alternatives,
    decisions,
  };
}

/**
 * How the automatic choice ranked the priced shapes: the cheapest, or (when the measured-first rule kept a measured profile over an
 * estimate cheaper only within its band, or an estimate on a type with a measured profile) the cheapest it could trust, naming the
 * cheaper one; unpriced shapes rank after every priced one and are counted apart.
 */
function rankingWords(considered: number, ranking: ChoiceRanking | undefined): string {
  if (ranking === undefined) return `the cheapest per million output tokens of ${considered} profiles considered `;
  const unpriced = ranking.considered - ranking.priced;
  const of = unpriced > 0
    ? `of ${ranking.priced} priced profiles (${unpriced} more without a price for the region and pricing model rank after them)`
    : `of ${ranking.considered} feasible profiles`;
  const cheaper = ranking.cheaperPassedOver;
  if (cheaper === undefined) return `the cheapest per million output tokens ${of} `;
  return `the cheapest per million output tokens it could trust ${of}, not the cheapest shown: ${cheaper.acceleratorCount} x `
    + `${cheaper.acceleratorType} (${cheaper.source}) shows $${cheaper.costPerMillionOutputTokens!.toFixed(3)}, passed over by the measured-first rule `
    + '(see alternatives) ';
}
