import { Provenance } from './types';

/**
 * A model server version we know how to run: its image, the flags that changed between
 * versions, and the metric names it exports. Hand-written from the cited sources.
 */
export interface ModelServerVersionRecord extends Provenance {
  /** The version label as GKE Inference Quickstart names it (`v0.7.2`, `gptoss`). */
  readonly version: string;
  /**
   * The vLLM release the label corresponds to, for version comparisons. For labels that are
   * not releases (`gptoss`) this is the release the build was cut from.
   */
  readonly baseRelease: string;
  /** Pinned image. */
  readonly image: string;
  /** Name of the KV-cache utilisation gauge (renamed in vLLM 0.9.2, the old name removed in 0.12). */
  readonly kvCacheUsageMetric: string;
  /**
   * Flag that turns off per-request logging, or undefined where logging is already off by default
   * (vLLM >= 0.10.2; `--disable-log-requests` was removed in 0.12).
   */
  readonly disableRequestLogFlag?: string;
  /** Model ids (lower case) a model-specific build is for; undefined for general releases. */
  readonly onlyForModels?: readonly string[];
  readonly notes: string;
}

export interface ModelServerRecord extends Provenance {
  /** Lower-case name as GIQ returns it, e.g. `vllm`. */
  readonly name: string;
  /** Container entry point. */
  readonly command: readonly string[];
  readonly port: number;
  readonly healthPath: string;
  readonly metricsPath: string;
  /** Versions, oldest first. */
  readonly versions: readonly ModelServerVersionRecord[];
}

const VLLM_RENAME =
  'vllm-project/vllm PR #18354 (gpu_cache_usage_perc deprecated in 0.9.2 for kv_cache_usage_perc) and PR #30041 (removed in 0.12)';
const VLLM_LOG_FLAG =
  'vllm-project/vllm PR #21739 (request logging off by default, --enable-log-requests) and PR #29402 (--disable-log-requests removed for 0.12)';

export const VLLM: ModelServerRecord = {
  name: 'vllm',
  command: ['python3', '-m', 'vllm.entrypoints.openai.api_server'],
  port: 8000,
  healthPath: '/health',
  metricsPath: '/metrics',
  source:
    'GKE Inference Quickstart reference section 2.2 (container inference-server, vllm.entrypoints.openai.api_server, port 8000, /health); '
    + 'GoogleCloudPlatform/accelerated-platforms @9320f3b2 online-inference-gpu manifests',
  trust: 'A',
  versions: [
    {
      version: 'v0.7.2',
      baseRelease: '0.7.2',
      image: 'vllm/vllm-openai:v0.7.2',
      kvCacheUsageMetric: 'vllm:gpu_cache_usage_perc',
      disableRequestLogFlag: '--disable-log-requests',
      notes: 'the vLLM version of the published 2025 GKE Inference Quickstart profiles',
      source: `GoogleCloudPlatform/kubernetes-engine-samples ai-ml/notebooks/giq_visualizations.ipynb @f2f7d1ae (version); ai-on-gke hf-gcs-transfer tutorial (image); ${VLLM_RENAME}; ${VLLM_LOG_FLAG}`,
      trust: 'A',
    },
    {
      version: 'v0.10.0',
      baseRelease: '0.10.0',
      image: 'vllm/vllm-openai:v0.10.0',
      kvCacheUsageMetric: 'vllm:kv_cache_usage_perc',
      disableRequestLogFlag: '--disable-log-requests',
      notes: 'the image of the GKE vLLM serving tutorials',
      source: `GoogleCloudPlatform/kubernetes-engine-samples ai-ml/llm-serving-gemma/vllm (deployment-shapes.csv); ${VLLM_RENAME}; ${VLLM_LOG_FLAG}`,
      trust: 'A',
    },
    {
      version: 'gptoss',
      baseRelease: '0.10.1',
      image: 'vllm/vllm-openai:gptoss',
      kvCacheUsageMetric: 'vllm:kv_cache_usage_perc',
      disableRequestLogFlag: '--disable-log-requests',
      onlyForModels: ['openai/gpt-oss-20b', 'openai/gpt-oss-120b'],
      notes: 'GIQ labels its gpt-oss profile with the version "gptoss", the tag vLLM published for the gpt-oss launch (built from the 0.10.1 line)',
      source: `GKE Inference Quickstart product documentation (gpt-oss-20b profile, version gptoss); ${VLLM_RENAME}; ${VLLM_LOG_FLAG}`,
      trust: 'B',
    },
    {
      version: 'v0.11.2',
      baseRelease: '0.11.2',
      image: 'vllm/vllm-openai:v0.11.2',
      kvCacheUsageMetric: 'vllm:kv_cache_usage_perc',
      notes: 'the image of Google\'s accelerated-platforms manifests "based on the Inference Quickstart recommendations"',
      source: `GoogleCloudPlatform/accelerated-platforms @9320f3b2 online-inference-gpu/vllm; ${VLLM_RENAME}; ${VLLM_LOG_FLAG}`,
      trust: 'A',
    },
    {
      version: 'v0.12.0',
      baseRelease: '0.12.0',
      image: 'vllm/vllm-openai:v0.12.0',
      kvCacheUsageMetric: 'vllm:kv_cache_usage_perc',
      notes: 'first release without vllm:gpu_cache_usage_perc and without --disable-log-requests',
      source: `Docker Hub vllm/vllm-openai:v0.12.0; ${VLLM_RENAME}; ${VLLM_LOG_FLAG}`,
      trust: 'B',
    },
  ],
};

/** Whether a version serves a model: general releases serve every model, model-specific builds only theirs. */
export function versionServesModel(version: ModelServerVersionRecord, modelId: string): boolean {
  return version.onlyForModels === undefined || version.onlyForModels.includes(modelId.toLowerCase());
}

/** Every model server in the catalog, the preferred one first. */
export const MODEL_SERVERS: readonly ModelServerRecord[] = [VLLM];

/** Compares two dotted release numbers (`0.10.1` < `0.12.0`). */
export function compareReleases(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
