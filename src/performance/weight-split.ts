/**
 * How a checkpoint's bytes divide between its dense part (attention, dense MLPs, shared experts, norms, embedding tables) and
 * its routed experts, and how its layers fall on pipeline stages: the facts both the step-time model (`modelShape`) and the
 * per-stage memory budget (`memoryBudget`) rest on.
 */
import { ModelRecord } from '../catalog/types';
import { embeddingTablesGb } from '../catalog/weight-formats';

const GB = 1e9;

/** The dense and expert bytes of a checkpoint. */
export interface WeightSplit {
  /** Parameters outside the routed experts. */
  readonly denseParams: number;
  /** Bytes of the dense part in the checkpoint's format. */
  readonly denseBytes: number;
  /** Bytes of one routed expert summed over the MoE layers; 0 for dense models. */
  readonly bytesPerExpert: number;
  /** Parameters of the experts a token is routed to (all MoE layers). */
  readonly activeExpertParams: number;
}

export function weightSplit(model: ModelRecord): WeightSplit {
  const total = model.paramsTotalB * GB;
  const active = model.paramsActiveB * GB;
  const weights = model.checkpointWeightsGb * GB;
  const experts = model.experts ?? 0;
  const perToken = model.expertsPerToken ?? 0;
  if (!(experts > perToken && perToken > 0 && total > active)) {
    return { denseParams: total, denseBytes: weights, bytesPerExpert: 0, activeExpertParams: 0 };
  }
  // total = dense + E x expert, active = dense + k x expert
  const expertParams = (total - active) / (experts - perToken);
  // an architecture whose active share cannot come from its experts alone has no dense part left
  const denseParams = Math.max(0, total - experts * expertParams);
  const quantized = weights < 0.99 * model.bf16WeightsGb * GB;
  // a checkpoint quantized on every linear layer (FP8 block or channel) shrinks its dense part in proportion; one whose
  // experts alone are quantized (gpt-oss: MXFP4 experts; Llama 4 Maverick FP8) keeps its dense part in bf16
  const expertsOnly = model.checkpointFormat === 'fp8-experts' || model.checkpointFormat === 'mxfp4-experts'
    || (model.checkpointFormat === undefined && quantized && 2 * denseParams < weights);
  const denseBytes = quantized && expertsOnly && 2 * denseParams < weights ? 2 * denseParams : (denseParams / total) * weights;
  return {
    denseParams,
    denseBytes,
    bytesPerExpert: (weights - denseBytes) / experts,
    activeExpertParams: Math.min(active, perToken * expertParams),
  };
}

/** Whether layer `i` (0-based) routes to experts: after the dense leading layers, every `moeLayerStep`-th (Llama 4: 1, 3, 5, ...). */
export function isMoeLayer(model: ModelRecord, i: number): boolean {
  const lead = model.denseLeadingLayers ?? 0;
  return i >= lead && (i - lead + 1) % (model.moeLayerStep ?? 1) === 0;
}

/**
 * vLLM's split of the layers over `pp` pipeline stages (vllm/distributed/utils.py `get_pp_indices`): `layers // pp` each, and the
 * remainder one more each on the stages before the last, from the second-to-last backwards ("the remaining layers are evenly
 * distributed across all but the last partition").
 */
export function pipelineLayerPartition(layers: number, pp: number): number[] {
  const base = Math.floor(layers / pp);
  const parts = new Array<number>(pp).fill(base);
  for (let i = 2; i < (layers % pp) + 2; i++) parts[pp - i] += 1;
  return parts;
}

/**
 * The weight bytes each pipeline stage loads: its layers (a MoE layer with its share of the experts), the input embedding on the
 * first stage and the output projection on the last (vLLM builds `embed_tokens` on the first rank, and on the last too when the
 * embeddings are tied, for `lm_head`), tables in bf16.
 */
export function stageWeightBytes(model: ModelRecord, pp: number): readonly { readonly layers: number; readonly bytes: number }[] {
  // a pure function of the record and the stage count, asked for by every budget of a multi-host plan: computed once
  let perModel = STAGES.get(model);
  if (perModel === undefined) STAGES.set(model, perModel = new Map());
  let stages = perModel.get(pp);
  if (stages === undefined) perModel.set(pp, stages = Object.freeze(computeStageWeightBytes(model, pp)));
  return stages;
}

const STAGES = new WeakMap<ModelRecord, Map<number, readonly { readonly layers: number; readonly bytes: number }[]>>();

function computeStageWeightBytes(model: ModelRecord, pp: number): { layers: number; bytes: number }[] {
  const split = weightSplit(model);
  const moeLayers = split.bytesPerExpert > 0 ? Array.from({ length: model.layers }, (_, i) => isMoeLayer(model, i)) : [];
  const moeCount = moeLayers.filter((x) => x).length;
  const expertBytesPerMoeLayer = moeCount > 0 ? (split.bytesPerExpert * (model.experts ?? 0)) / moeCount : 0;
  // the checkpoint's tables (one when tied), bounded by the dense part that holds them; a stage holds one
  const tablesInCheckpoint = Math.min(embeddingTablesGb(model) * GB, split.denseBytes);
  const table = model.tiedEmbeddings === true ? tablesInCheckpoint : tablesInCheckpoint / 2;
  const densePerLayer = Math.max(0, split.denseBytes - tablesInCheckpoint) / model.layers;
  const parts = pipelineLayerPartition(model.layers, pp);
  let first = 0;
  return parts.map((n, stage) => {
    let bytes = 0;
    for (let i = first; i < first + n; i++) bytes += densePerLayer + (moeLayers[i] ? expertBytesPerMoeLayer : 0);
    first += n;
    if (stage === 0) bytes += table;
    if (stage === pp - 1) bytes += table;
    return { layers: n, bytes };
  });
}
