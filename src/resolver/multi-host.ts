/** GPU multi-host replicas (tensor parallel per node, pipeline parallel across nodes, a LeaderWorkerSet group) and the fit check that leads to them. */
import { tpuOnlyServer } from './jetstream';
import { ResolveRequest } from './resolution';
import { refuseMultiHostTpu, pathwaysCurves } from './tpu-slices';
import { Catalog } from '../catalog/catalog';
import { ModelServerRecord, VLLM, versionServesFamily, versionServesModel, versionReleasedFor } from '../catalog/model-servers';
import { AcceleratorRecord, ModelRecord } from '../catalog/types';
import { ProfileCurve } from '../performance/curve';
import { kvCacheGbFor, memoryBudget, multiHostPlan, smallestFittingTensorParallelSize, validTensorParallelSizes } from '../performance/feasibility';
import { modelledCurve } from '../performance/profiles';
import { round } from '../util/round';

/** Fails early, with the shapes that would work, when the model cannot fit any machine of the accelerator. */
export function checkFitsSomewhere(catalog: Catalog, model: ModelRecord, accelerator: AcceleratorRecord, maxModelLength: number): void {
  if (smallestFittingTensorParallelSize(catalog, model, accelerator, maxModelLength) !== undefined) return;
  if (accelerator.family === 'tpu') refuseMultiHostTpu(catalog, model, accelerator, maxModelLength);
  const sizes = validTensorParallelSizes(catalog, model, accelerator.gkeLabel);
  const largest = sizes[sizes.length - 1];
  const budget = largest === undefined ? undefined : memoryBudget(model, accelerator, largest);
  const fitting = catalog.accelerators
    .filter((a) => a.family === 'gpu' && smallestFittingTensorParallelSize(catalog, model, a, maxModelLength) !== undefined)
    .map((a) => `${a.gkeLabel} (tensorParallelSize ${smallestFittingTensorParallelSize(catalog, model, a, maxModelLength)})`);
  const needs = `${round(model.checkpointWeightsGb, 2)} GB of weights + ${kvCacheGbFor(model, maxModelLength).toFixed(1)} GB of KV cache for maxModelLength ${maxModelLength}`;
  const detail = budget === undefined
    ? `no valid tensor-parallel size (powers of two dividing ${model.attentionHeads} heads and ${model.kvHeads} KV heads) exists on ${accelerator.gkeLabel} machines`
    : budget.maxFittingTokens > 0
      ? `on ${largest} x ${accelerator.gkeLabel} only ${budget.maxFittingTokens} tokens of KV cache fit next to the weights: lower 'maxModelLength' to at most ${budget.maxFittingTokens}`
      : `${largest} x ${accelerator.gkeLabel} (the largest valid tensor-parallel size, of ${sizes.join(', ')}) holds ${(budget.acceleratorMemoryGb * budget.gpuMemoryUtilization - budget.runtimeOverheadGb).toFixed(1)} GB usable`;
  throw new Error(`${model.id} does not fit on '${accelerator.gkeLabel}' ('acceleratorType'): it needs ${needs}; ${detail}. `
    + `Accelerators that fit: ${fitting.length ? fitting.join(', ') : 'none in the catalog'}.`);
}

/**
 * Estimated multi-host curves (`pipelineParallelSize` > 1), or undefined when a single machine serves the
 * request. With an `acceleratorType`: its multi-host plan when no machine of it holds the model. Without
 * one: a plan for every allowed GPU type, only when no allowed accelerator holds the model on one machine
 * (the automatic choice prefers single-node replicas).
 */
export function multiHostCurves(
  catalog: Catalog, model: ModelRecord, server: ModelServerRecord, request: ResolveRequest, accelerator: AcceleratorRecord | undefined,
  maxModelLength: number,
): ProfileCurve[] | undefined {
  const allowed = request.allowedAcceleratorTypes;
  if (tpuOnlyServer(server)) return pathwaysCurves(catalog, model, server, request, accelerator, maxModelLength);
  const considered = accelerator ? [accelerator] : catalog.accelerators.filter((a) => allowed === undefined || allowed.includes(a.gkeLabel));
  if (considered.some((a) => smallestFittingTensorParallelSize(catalog, model, a, maxModelLength) !== undefined)) return undefined;
  const plans = considered.filter((a) => catalog.machineTypes.some((m) => m.accelerator === a.gkeLabel))
    .map((a) => ({ accelerator: a, plan: multiHostPlan(catalog, model, a, maxModelLength) }))
    .filter((p) => p.plan !== undefined);
  if (plans.length === 0) return undefined;
  const where = plans.map((p) => `${p.plan!.pipelineParallelSize} nodes of ${p.plan!.tensorParallelSize} x ${p.accelerator.gkeLabel}`).join(', ');
  if (server.name !== VLLM.name) {
    // another server's own multi-host path (JetStream on multi-host TPU slices) is not this one
    if (accelerator === undefined) return undefined;
    throw new Error(`${model.id} does not fit one machine${accelerator ? ` of '${accelerator.gkeLabel}' ('acceleratorType')` : ''} and needs a `
      + `multi-host replica (${where}); multi-host serving (pipeline parallelism over a LeaderWorkerSet) is only supported with ${VLLM.name}, `
      + `not '${server.name}' ('modelServer'). Leave 'modelServer' unset or choose an 'acceleratorType' whose machines hold the model.`);
  }
  const versions = catalog.versionsNewestFirst(server).filter((v) => versionServesFamily(v, 'gpu') && versionServesModel(v, model.id)
    && versionReleasedFor(server, v, model)
    && (request.modelServerVersion === undefined || v.version === request.modelServerVersion));
  if (versions.length === 0) return undefined;
  const curves = plans.map((p) => modelledCurve(catalog, {
    model: model.id,
    modelServer: server.name,
    modelServerVersion: versions[0].version,
    acceleratorType: p.accelerator.gkeLabel,
    acceleratorCount: p.plan!.tensorParallelSize * p.plan!.pipelineParallelSize,
    pipelineParallelSize: p.plan!.pipelineParallelSize,
  })).filter((c): c is ProfileCurve => c !== undefined);
  return curves.length ? curves : undefined;
}
