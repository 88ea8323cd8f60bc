import { ModelArchitecture } from '../../src';

/**
 * Llama 3.1 8B's config.json figures (32 layers, hidden 4096, 32 heads, 8 KV heads, intermediate 14336, vocabulary 128256),
 * registered under another id, as a user registers a checkpoint of that architecture with `InferenceCatalog.addModel`.
 */
export function llama8bArchitecture(id: string): ModelArchitecture {
  return {
    id,
    source: `https://huggingface.co/${id}/blob/0123abc/config.json`,
    parametersBillions: 8.03,
    numHiddenLayers: 32,
    hiddenSize: 4096,
    numAttentionHeads: 32,
    numKeyValueHeads: 8,
    intermediateSize: 14336,
    vocabSize: 128256,
    maxPositionEmbeddings: 8192,
    gated: false,
  };
}
