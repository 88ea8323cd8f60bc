/** TPU slices beyond one host: vLLM's refusal, and JetStream with Pathways on multi-host slices. */
import { pathwaysSlice } from './jetstream';
import { ResolveRequest } from './resolution';
import { Catalog } from '../catalog/catalog';
import { ModelServerRecord, PATHWAYS_INSTANCE_TYPES, versionServesModel } from '../catalog/model-servers';
import { AcceleratorRecord, ModelRecord } from '../catalog/types';
import { ProfileCurve } from '../performance/curve';
import { kvCacheGbFor, memoryBudget, smallestFittingTensorParallelSize, validTensorParallelSizes } from '../performance/feasibility';
import { modelledCurve } from '../performance/profiles';
import { round } from '../util/round';

/**
 * vLLM on TPU is served single-host here: a model that needs more chips than the largest single-host slice
 * of a TPU type is refused, naming the multi-host alternative (JetStream on a multi-host slice).
 */
export function refuseMultiHostTpu(catalog: Catalog, model: ModelRecord, accelerator: AcceleratorRecord, maxModelLength: number): never {
  const singles = catalog.singleHostTpuTopologies(accelerator.gkeLabel);
  const largest = singles[singles.length - 1];
  const budget = memoryBudget(model, accelerator, largest.chips);
  const needs = `${round(model.checkpointWeightsGb, 2)} GB of weights + ${kvCacheGbFor(model, maxModelLength).toFixed(1)} GB of KV cache for maxModelLength ${maxModelLength}`;
  const usable = (budget.acceleratorMemoryGb * budget.gpuMemoryUtilization - budget.runtimeOverheadGb).toFixed(1);
  const valid = validTensorParallelSizes(catalog, model, accelerator.gkeLabel);
  const detail = !valid.includes(largest.chips)
    ? `no single-host slice of ${accelerator.gkeLabel} has a chip count that divides the ${model.attentionHeads} attention and ${model.kvHeads} KV heads`
    : budget.maxFittingTokens > 0
      ? `on the largest single-host slice (${largest.topology}, ${largest.chips} chips) only ${budget.maxFittingTokens} tokens of KV cache fit: `
        + `lower 'maxModelLength' to at most ${budget.maxFittingTokens}`
      : `the largest single-host slice (${largest.topology}, ${largest.chips} chips, ${largest.machineType}) holds ${usable} GB usable`;
  // only the slices of a TPU type JetStream with Pathways is planned on are offered
  const pathwaysHere = Object.keys(PATHWAYS_INSTANCE_TYPES).includes(accelerator.gkeLabel);
  const multi = pathwaysHere ? catalog.tpuTopologiesFor(accelerator.gkeLabel).filter((t) => t.scope === 'multi-host').map((t) => t.topology) : [];
  throw new Error(`${model.id} does not fit one host of '${accelerator.gkeLabel}' ('acceleratorType'): it needs ${needs}; ${detail}. `
    + 'This library serves vLLM on TPU single-host (GKE\'s multi-host vLLM tutorial runs it under KubeRay and Ray Serve, outside it); a model this size needs a multi-host TPU slice'
    + (multi.length ? ` (${accelerator.gkeLabel} ${multi.join(', ')})` : '')
    + ` served by JetStream with Pathways ('modelServer' 'jetstream' on ${Object.keys(PATHWAYS_INSTANCE_TYPES).map((t) => `'${t}'`).join(', ')}, `
    + 'for the models MaxText serves), or a GPU type (the resolver picks the cheapest that fits when '
    + '\'acceleratorType\' is unset; the CLI lists them with accelerators list).');
}

/**
 * Estimated curves of JetStream with Pathways on multi-host TPU slices (`tpuHosts` > 1), or undefined when a single
 * host of an allowed TPU type holds the model: on each allowed Pathways TPU type, the smallest multi-host slice that
 * fits (see `pathwaysSlice`), with the multi-host build of the server.
 */
export function pathwaysCurves(
  catalog: Catalog, model: ModelRecord, server: ModelServerRecord, request: ResolveRequest, accelerator: AcceleratorRecord | undefined,
  maxModelLength: number,
): ProfileCurve[] | undefined {
  const allowed = request.allowedAcceleratorTypes;
  const considered = (accelerator ? [accelerator] : catalog.accelerators.filter((a) => allowed === undefined || allowed.includes(a.gkeLabel)))
    .filter((a) => a.family === 'tpu' && catalog.singleHostTpuTopologies(a.gkeLabel).length > 0);
  if (considered.some((a) => smallestFittingTensorParallelSize(catalog, model, a, maxModelLength) !== undefined)) return undefined;
  const version = catalog.versionsNewestFirst(server).find((v) => v.multiHostOnly && versionServesModel(v, model.id)
    && (request.modelServerVersion === undefined || v.version === request.modelServerVersion));
  if (version === undefined) {
    if (request.modelServerVersion === undefined) return undefined;
    throw new Error(`${model.id} needs a multi-host TPU slice, which '${server.name}' serves only with its Pathways build: `
      + `set 'modelServerVersion' to ${server.versions.filter((v) => v.multiHostOnly).map((v) => `'${v.version}'`).join(' or ')} or leave it unset.`);
  }
  const curves = considered.map((a) => ({ a, slice: pathwaysSlice(catalog, model, a, maxModelLength) }))
    .filter((p) => p.slice !== undefined)
    .map((p) => modelledCurve(catalog, {
      model: model.id,
      modelServer: server.name,
      modelServerVersion: version.version,
      acceleratorType: p.a.gkeLabel,
      acceleratorCount: p.slice!.chips,
      tpuHosts: p.slice!.gkeNodes,
    }))
    .filter((c): c is ProfileCurve => c !== undefined);
  return curves.length ? curves : undefined;
}
