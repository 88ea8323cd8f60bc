/**
 * Hugging Face repositories that hold a second copy of the weights beside the Transformers shards, which the servers download
 * too when they fetch the model at start-up:
 * - vLLM (through v0.12.0, every version of the catalog) fetches `*.safetensors` with huggingface_hub, whose fnmatch `*` crosses
 *   `/`, and its default ignore pattern `original/**\/*` needs a second `/`, so `original/model.safetensors` is fetched; the
 *   index-based filter came after v0.12.0 (vllm-project/vllm#30537, "I noticed when running `vllm serve openai/gpt-oss-20b` ...
 *   it not only downloaded the base model files, but also included the `original/` directory": original/model.safetensors,
 *   13.8 GB, after the 13.8 GB of shards). It also fetches Mistral's `consolidated.safetensors` beside the shards
 *   (vllm-project/vllm#7523: "`vllm serve mistralai/Mistral-7B-Instruct-v0.3` downloads both").
 * - TGI 3.0.1 downloads every top-level `*.safetensors` (server/text_generation_server/utils/hub.py `_weight_hub_files_from_model_info`).
 * The second copy is as large as the first (the same weights in the original layout), so the download is twice the checkpoint.
 * ModelTransferJob leaves it out of the bucket (its `ignore_patterns`), so a replica loading from the bucket reads one copy.
 */
export const HUB_SECOND_COPY: { readonly [model: string]: { readonly files: string; readonly source: string } } = {
  'openai/gpt-oss-20b': { files: 'original/model.safetensors', source: 'vllm-project/vllm#30537 (download log: 13.8 GB under original/)' },
  'openai/gpt-oss-120b': { files: 'original/*.safetensors', source: 'vllm-project/vllm#30537 (the same original/ layout as gpt-oss-20b)' },
  'mistralai/Mistral-7B-Instruct-v0.3': {
    files: 'consolidated.safetensors',
    source: 'vllm-project/vllm#7523 (both downloaded); vllm-project/vllm#5005 ("Mistral v0.3 has multiple copies of the safetensors file")',
  },
};

/**
 * Weights a repository ships that the servers download (`*.safetensors`) but do not load, GB: DeepSeek's multi-token-prediction
 * module (`model.layers.61`), which vLLM skips without speculative decoding (the model record counts the main model only). The
 * Hub download, the transfer Job's copy and the ephemeral storage for them count these bytes too.
 */
export const HUB_UNLOADED_WEIGHTS: { readonly [model: string]: { readonly gb: number; readonly files: string; readonly source: string } } = {
  'deepseek-ai/DeepSeek-R1': {
    gb: 15.5,
    files: 'the multi-token-prediction module (model.layers.61)',
    source: 'deepseek-ai/DeepSeek-V3 README ("The total size of DeepSeek-V3 models on Hugging Face is 685B, which includes 671B of the Main '
      + 'Model weights and 14B of the Multi-Token Prediction (MTP) Module weights"; R1 has the same layout) and README_WEIGHTS.md (MTP: 11.5B '
      + 'unique FP8 parameters plus copies of the 0.9B embedding and 0.9B output head); 688,586,727,753 bytes of safetensors in the '
      + 'deepseek-ai/DeepSeek-V3 repository @afb92e1f (a public model ledger), 15.5 GB over the 673.1 GB main model computed here',
  },
};
