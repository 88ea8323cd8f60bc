/**
 * Fits the serving terms of the performance model (memory-bandwidth efficiency, compute efficiency,
 * prefill efficiency, fixed per-step and per-layer latencies) on public measurements, reports the
 * leave-one-source-out error per metric and the per-GPU ranking of accelerators, and writes
 * src/performance/serving-terms.generated.ts.
 *
 *   npx ts-node --project scripts/tsconfig.json scripts/fit-serving-terms.ts [--check]
 *
 * Deterministic and offline: reads ../shared/reference/data/measured-serving-benchmarks.csv and the
 * embedded catalog's GIQ points; the optimiser is Nelder-Mead from a fixed start.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseCsv } from './csv';
import { ONLINE_SERVING_ROWS } from './trtllm-online-serving';
import { Catalog } from '../src/catalog/catalog';
import { ModelRecord } from '../src/catalog/types';
import { EstimateInput, PerformanceModel, ServingTerms, performanceModel } from '../src/performance/estimator';
import { ExpertKernelServer, expertKernelFormat, measuredExpertRate } from '../src/performance/expert-kernels';
import { KvCacheDtype, WeightPrecision, precisionPlan } from '../src/performance/precision';

export const BENCHMARKS_CSV = path.join(__dirname, '..', '..', 'shared', 'reference', 'data', 'measured-serving-benchmarks.csv');
const OUT = path.join(__dirname, '..', 'src', 'performance', 'serving-terms.generated.ts');

/** The metrics the fit is judged on. */
export type Metric = 'low-load ITL' | 'saturated throughput' | 'TTFT' | 'GIQ NTPOT';
export const METRICS: readonly Metric[] = ['low-load ITL', 'saturated throughput', 'TTFT', 'GIQ NTPOT'];

/** One measured figure and what the model needs to predict it. */
export interface FitCase {
  readonly metric: Metric;
  /** Publication the figure comes from (the unit left out by leave-one-source-out). */
  readonly source: string;
  readonly label: string;
  readonly input: EstimateInput;
  /** Requests in the system at the measurement; saturated cases are read far past the largest batch. */
  readonly concurrency: number;
  readonly measured: number;
  /** For the ranking check: model, precision and shape, and the accelerator and its count. */
  readonly group: string;
  readonly acceleratorType: string;
  readonly acceleratorCount: number;
  /** Requests of a finite offline run (saturated throughput = its output tokens / its duration), when the source publishes it. */
  readonly requests?: number;
}

const MODEL_IDS: Record<string, string> = {
  'Llama-3.1-8B': 'meta-llama/Llama-3.1-8B-Instruct',
  'Llama-3.1-8B-Instruct': 'meta-llama/Llama-3.1-8B-Instruct',
  'Llama-3.1-70B': 'meta-llama/Llama-3.1-70B-Instruct',
  'Llama-3.1-70B-Instruct': 'meta-llama/Llama-3.1-70B-Instruct',
  'Llama-3.3-70B-Instruct': 'meta-llama/Llama-3.3-70B-Instruct',
  'Llama-3.1-405B-Instruct': 'meta-llama/Llama-3.1-405B-Instruct',
  'Mistral-7B': 'mistralai/Mistral-7B-Instruct-v0.3',
  'Mixtral-8x7B': 'mistralai/Mixtral-8x7B-Instruct-v0.1',
  'Mixtral-8x22B': 'mistralai/Mixtral-8x22B-Instruct-v0.1',
  'gpt-oss-20b': 'openai/gpt-oss-20b',
  'gpt-oss-120b': 'openai/gpt-oss-120b',
  'Qwen3-30B-A3B': 'Qwen/Qwen3-30B-A3B',
  'Qwen3-235B-A22B': 'Qwen/Qwen3-235B-A22B',
  'Llama-4-Scout-17B-16E-Instruct': 'meta-llama/Llama-4-Scout-17B-16E-Instruct',
  'Llama-4-Maverick-17B-128E-Instruct': 'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8',
  'DeepSeek-R1-0528': 'deepseek-ai/DeepSeek-R1',
};

/** Short names of the sources (the CSV's source column up to the path), for the report. */
export function sourceName(source: string): string {
  if (source.includes('InferenceX')) return 'InferenceX';
  if (source.includes('v0.14.0')) return 'TensorRT-LLM perf overview v0.14.0';
  if (source.includes('TensorRT-LLM@00f37686')) return 'TensorRT-LLM perf overview v1.0';
  if (source.includes('TensorRT-LLM@03e27c7d')) return 'TensorRT-LLM perf overview (current)';
  if (source.includes('vllm-project.github.io')) return 'vLLM blog FP8 KV cache (2026-04)';
  if (source.includes('sgl-project/sglang')) return 'SGLang vs vLLM 0.6.0 (sglang repo)';
  if (source.includes('kubernetes-engine-samples') || source.includes('docs.cloud.google.com') || source.includes('GKE Inference Quickstart')) return 'GKE Inference Quickstart';
  return source.split('@')[0];
}

/** The library's precision of a CSV `precision_weights` cell (fp16/bf16 and unstated: as the checkpoint ships). */
const PRECISIONS: Record<string, WeightPrecision> = {
  fp8: WeightPrecision.FP8, int8: WeightPrecision.INT8, nvfp4: WeightPrecision.NVFP4, mxfp4: WeightPrecision.MXFP4,
};
const precisionOf = (cell: string) => PRECISIONS[cell] ?? WeightPrecision.CHECKPOINT;

/**
 * trtllm-bench's largest batch in throughput mode: it sizes max_batch_size from the KV cache at isl + osl and caps it at 4096
 * (NVIDIA/TensorRT-LLM tensorrt_llm/bench/build/tuning.py, finetune_setting: `min(kv_cache_max_requests, 4096)`); the KV
 * cache bounds the batch below that through `reservesWholeSequence`.
 */
const TRTLLM_MAX_BATCH = 4096;
/**
 * trtllm-bench's step token budget: the same function sizes max_num_tokens to sustain that batch, `raw_bs x (1 + input_len /
 * output_len)`, capped at 32768 (`raw_token = min(raw_bs * (1 + input_len / output_len), 32768)`), so the cap is what binds.
 */
const TRTLLM_MAX_NUM_TOKENS = 32768;
/**
 * Requests of each offline run of trtllm-bench, per shape, as the performance-overview pages publish them ("For each input and
 * output sequence length combination, the table below details the $num_requests that were used", section "Preparing a
 * Dataset"): v0.14.0 read from arthurrasmusson/TensorRT-LLM@e00d4e65 docs/source/performance/perf-overview.md, v1.0 from
 * NVIDIA/TensorRT-LLM@00f37686 docs/source/performance/perf-overview.md (the same nine shapes and 1000/2000), the current
 * revision from NVIDIA/TensorRT-LLM@03e27c7d docs/source/developer-guide/perf-overview.md (which does not list 1000/1000: those
 * rows are read as a steady state). The pages size these "to guarantee that the system hit a steady state", but a run of
 * identical requests is a series of waves of the running batch (every request of a wave has the same lifetime, so the next
 * wave's requests enter together as it leaves), and its last wave runs only the remainder: 1500 requests of 128/4096 on a
 * batch of 682 are two full waves and one of 136, for as long as a full one.
 */
const V014_REQUESTS: Readonly<Record<string, number>> = {
  '128/128': 30000,
  '128/2048': 3000,
  '128/4096': 1500,
  '2048/128': 3000,
  '2048/2048': 1500,
  '5000/500': 1500,
  '1000/1000': 3000,
  '500/2000': 3000,
  '20000/2000': 1000,
};
/** The request counts above, per source of the fit. */
export const OFFLINE_RUN_REQUESTS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'TensorRT-LLM perf overview v0.14.0': V014_REQUESTS,
  // the same nine shapes and 1000/2000
  'TensorRT-LLM perf overview v1.0': { ...V014_REQUESTS, '1000/2000': 1500 },
  'TensorRT-LLM perf overview (current)': {
    '1024/1024': 3000, '8192/1024': 1500, '1024/8192': 1500, '32768/1024': 1000, '1024/32768': 1000,
  },
};

/**
 * Output tokens/s of a run of `requests` identical requests queued at once (trtllm-bench's offline mode reports its output
 * tokens over the run's duration): full waves of the running batch B at the steady-state rate, then the remainder r as one
 * wave, which lasts as many steps as a full one at the rate of a batch of r. With fewer requests than B, one wave of them.
 */
export function offlineRunThroughput(m: PerformanceModel, requests: number): number {
  const b = m.maxRunningBatch;
  const waves = Math.floor(requests / b);
  if (waves === 0) return m.at(requests).outputTokensPerSecond;
  const rest = requests - waves * b;
  const seconds = (waves * b) / m.at(b).outputTokensPerSecond + (rest > 0 ? rest / m.at(rest).outputTokensPerSecond : 0);
  return requests / seconds;
}

/** Synthetic short prompt for the ITL-intercept fits of the vLLM blog (ITL at context zero). */
const INTERCEPT_SHAPE = { meanInputTokens: 16, meanOutputTokens: 16 };
const VLLM_BLOG = 'vllm-project/vllm-project.github.io@c3a01c4a5807c8d900ae468897e45263373e534e:_posts (The State of FP8 KV-Cache and Attention Quantization, 2026-04-22), concurrency-1 ITL fits';
/** The short name of TensorRT-LLM 0.14's online-serving table (scripts/trtllm-online-serving.ts) as a source of the fit. */
export const ONLINE_SERVING = 'TensorRT-LLM 0.14 online serving (Triton)';

/**
 * Rows left out as configuration artefacts, not chip measurements. measured-serving-benchmarks.md, source "TensorRT-LLM
 * performance overview, v1.0 revision": "a few GB200 values are well below B200 (for example Qwen3-30B-A3B 128/128),
 * which reflects configuration, not the chip". GB200 carries the B200 GPU (same HBM3e bandwidth and tensor cores, more
 * power), so a GB200 row of that table more than 20% below the B200 row of the same model, precision, shape and layout
 * is such an artefact. Only saturated-throughput rows of that table are concerned.
 */
export const GB200_ARTEFACT_RATIO = 0.8;

export function excludedRows(rows: ReadonlyArray<Record<string, string>>): Map<Record<string, string>, string> {
  const key = (r: Record<string, string>) => [r.source, r.model, r.precision_weights, r.isl, r.osl, r.tensor_parallel, r.accelerator_count, r.concurrency_or_rate].join('|');
  const b200 = new Map<string, number>();
  for (const r of rows) if (r.accelerator === 'nvidia-b200' && Number(r.output_tok_s_total) > 0) b200.set(key(r), Math.max(b200.get(key(r)) ?? 0, Number(r.output_tok_s_total)));
  const out = new Map<Record<string, string>, string>();
  for (const r of rows) {
    if (r.accelerator !== 'nvidia-gb200' || sourceName(r.source) !== 'TensorRT-LLM perf overview v1.0') continue;
    const ref = b200.get(key(r));
    if (ref && Number(r.output_tok_s_total) < GB200_ARTEFACT_RATIO * ref) {
      out.set(r, `GB200 at ${(Number(r.output_tok_s_total) / ref).toFixed(2)} x the B200 row: a configuration artefact (measured-serving-benchmarks.md)`);
    }
  }
  return out;
}

/** Every case the catalog can model: GPU rows of catalog models with tensor parallelism over all their GPUs, and the GIQ points. */
export function fitCases(catalog: Catalog, csvText: string): FitCase[] {
  const cases: FitCase[] = [];
  const rows = parseCsv(csvText);
  const excluded = excludedRows(rows);
  for (const r of rows) {
    if (excluded.has(r)) continue;
    const id = MODEL_IDS[r.model];
    const base = id ? catalog.model(id) : undefined;
    const accelerator = catalog.accelerator(r.accelerator);
    const count = Number(r.accelerator_count);
    const tp = Number(r.tensor_parallel);
    const source = sourceName(r.source);
    if (!base || !accelerator || accelerator.family !== 'gpu' || !(count > 0) || tp !== count) continue;
    // speculative decoding (several tokens per step) and expert parallelism are layouts the model does not express
    if (/speculative|\bMTP\b|\bD?EP\d/.test(r.metric_notes)) continue;
    // The v1.0 revision ran every MoE model with expert parallelism and attention data parallelism ("For MoE models:
    // trtllm-bench --tp $tp_size --pp $pp_size --ep $ep_size ... enable_attention_dp: true"), without saying the sizes, under
    // tables labelled only "TPn": on more than one GPU the layout is not known (on one GPU both are trivial)
    if (source === 'TensorRT-LLM perf overview v1.0' && (base.experts ?? 0) > 0 && count > 1) continue;
    if (source === 'GKE Inference Quickstart') continue; // taken from the catalog below
    const precision = r.precision_weights;
    const quantized = precision === 'fp8' || precision === 'nvfp4' || precision === 'int8';
    const kvFp8 = r.precision_kv === 'fp8' || (r.server === 'tensorrt-llm' && quantized && r.precision_kv === '');
    // the library's own precision rules: weight bytes, the compute peak of the format on the accelerator, KV bytes
    const plan = precisionPlan(base, accelerator, precisionOf(precision), kvFp8 ? KvCacheDtype.FP8 : KvCacheDtype.AUTO);
    const model: ModelRecord = { ...base, checkpointWeightsGb: plan.weightsGb };
    const isl = Number(r.isl);
    const osl = Number(r.osl);
    const trt = r.server === 'tensorrt-llm';
    const sglangRepo = source.startsWith('SGLang');
    // vLLM before V1 runs the CPU work of a step on its critical path and prefills in separate steps: the pre-V1 loop
    const preOverlap = r.server === 'vllm' && r.server_version.startsWith('0.6');
    const release = preOverlap ? '0.6.0' : '0.10.0';
    const workload = isl > 0 && osl > 0 ? { meanInputTokens: isl, meanOutputTokens: osl } : catalog.defaultWorkload;
    // rows run on built TensorRT engines (the v0.14.0 table: "trtllm-bench --model $model_name build", then "throughput
    // --engine_dir") have a C++ in-flight batching loop: the PyTorch backend and its Python loop came with 0.17
    const cppExecutor = trt && /prebuilt TensorRT engine/.test(r.metric_notes);
    // the measured rate of the server's MoE kernel on these experts: TensorRT-LLM's PyTorch-backend kernels (not 0.14's engines),
    // vLLM's V1-era ones (not 0.6's); SGLang's are not tabled
    const kernels: ExpertKernelServer | undefined = trt
      ? (cppExecutor ? undefined : 'tensorrt-llm')
      : r.server === 'vllm' && !preOverlap ? 'vllm' : undefined;
    const expertFormat = expertKernelFormat(base, precisionOf(precision), plan.computeFormat);
    const expertRate = kernels && measuredExpertRate(kernels, accelerator, expertFormat, base, tp);
    const input: EstimateInput = {
      model,
      accelerator,
      tensorParallelSize: tp,
      serverRelease: release,
      workload,
      kvCacheBytesPerElement: plan.kvCacheBytesPerElement,
      computeTflops: plan.computeTflops,
      maxNumSeqs: trt ? TRTLLM_MAX_BATCH : undefined,
      maxNumBatchedTokens: trt ? TRTLLM_MAX_NUM_TOKENS : undefined,
      reservesWholeSequence: trt,
      cppExecutor,
      // TensorRT-LLM's KV cache manager counts every layer at full length, window layers included (EstimateInput.windowedKvCache)
      windowedKvCache: trt ? false : undefined,
      expertGemmTflops: expertRate?.tflops,
    };
    const common = {
      source,
      label: `${r.model} ${precision || 'bf16'} ${isl}/${osl} ${r.concurrency_or_rate} on ${count} x ${r.accelerator} (${r.server})`,
      input,
      group: `${id}|${precision}|${isl}/${osl}|${r.server}`,
      acceleratorType: r.accelerator,
      acceleratorCount: count,
    };
    const total = Number(r.output_tok_s_total);
    const tpot = Number(r.tpot_or_itl_ms);
    const ttft = Number(r.ttft_ms);
    const load = r.concurrency_or_rate;
    let concurrency: number | undefined;
    if (load.startsWith('c=')) concurrency = Number(load.slice(2));
    // Poisson rate: requests in the system by Little's law, from the measured latencies
    else if (load.startsWith('r=') && load !== 'r=inf' && tpot > 0) concurrency = Number(load.slice(2)) * ((ttft || 0) + workload.meanOutputTokens * tpot) / 1000;
    if ((load === 'offline-max' || load === 'r=inf') && total > 0) {
      const requests = load === 'offline-max' ? OFFLINE_RUN_REQUESTS[source]?.[`${isl}/${osl}`] : undefined;
      cases.push({ ...common, metric: 'saturated throughput', concurrency: Infinity, measured: total, requests });
    }
    if (concurrency !== undefined && concurrency <= 64 && tpot > 0) {
      cases.push({ ...common, metric: 'low-load ITL', concurrency, measured: tpot });
    }
    // vLLM 0.6.0 ran with --num-scheduler-steps 10 there: a new request waits for the ten-step batch, a TTFT the library never configures
    const multiStep = sglangRepo && r.server === 'vllm';
    // InferenceX starts all of a run's requests at once ("request rate inf at max concurrency") with lengths within 20% of each
    // other, so they finish and are replaced in waves: a median TTFT there is a prompt waiting behind the c prompts of its wave,
    // not the steady state of requests arriving one by one that the model describes (its TTFTs ran 3-15x the estimate)
    const waves = source === 'InferenceX';
    if (concurrency !== undefined && ttft > 0 && !multiStep && !waves) cases.push({ ...common, metric: 'TTFT', concurrency, measured: ttft });
  }
  // the vLLM blog's concurrency-1 ITL intercepts (the .md gives them as fits, not rows)
  const intercepts: Array<[string, string, string, number]> = [
    ['meta-llama/Llama-3.1-8B-Instruct', 'nvidia-h100-80gb', 'bf16', 6.44],
    ['meta-llama/Llama-3.1-8B-Instruct', 'nvidia-b200', 'bf16', 3.93],
    ['openai/gpt-oss-20b', 'nvidia-h100-80gb', 'mxfp4', 4.03],
    ['openai/gpt-oss-20b', 'nvidia-b200', 'mxfp4', 3.15],
  ];
  for (const [id, label, precision, ms] of intercepts) {
    const model = catalog.model(id)!;
    const accelerator = catalog.accelerator(label)!;
    cases.push({
      metric: 'low-load ITL',
      source: sourceName(VLLM_BLOG),
      label: `${id} ${precision} ITL intercept at c=1 on 1 x ${label} (vllm 0.19.1)`,
      input: {
        model,
        accelerator,
        tensorParallelSize: 1,
        serverRelease: '0.10.0',
        workload: INTERCEPT_SHAPE,
        computeTflops: precisionPlan(model, accelerator, precisionOf(precision), KvCacheDtype.AUTO).computeTflops,
      },
      concurrency: 1,
      measured: ms,
      group: `${id}|${precision}|intercept|vllm`,
      acceleratorType: label,
      acceleratorCount: 1,
    });
  }
  // TensorRT-LLM 0.14's online-serving table: mean ITL and TTFT at Poisson rates the server kept up with (achieved requests/s
  // within one of the offered rate, as the table rounds it; past that the queue grows through the run and its means are not a
  // steady state). Built engines under the C++ executor, as the offline table of the same page; the engines' batch and token
  // limits are not published, and at these loads (at most about 70 requests in flight) neither binds
  for (const r of ONLINE_SERVING_ROWS) {
    if (r.requestsPerSecond < r.qps - 1) continue;
    const model = catalog.model(r.model)!;
    const accelerator = catalog.accelerator(r.accelerator)!;
    const workload = { meanInputTokens: r.inputTokens, meanOutputTokens: r.outputTokens };
    // requests in the system by Little's law: the achieved rate (unrounded, from output tokens/s) x the mean request time
    const concurrency = (r.outputTokensPerSecond / r.outputTokens) * (r.meanTtftMilliseconds + r.outputTokens * r.meanItlMilliseconds) / 1000;
    const common = {
      source: ONLINE_SERVING,
      label: `${r.model} bf16 ${r.inputTokens}/${r.outputTokens} r=${r.qps} on ${r.tensorParallel} x ${r.accelerator} (tensorrt-llm 0.14 triton)`,
      input: {
        model,
        accelerator,
        tensorParallelSize: r.tensorParallel,
        serverRelease: '0.10.0',
        workload,
        reservesWholeSequence: true,
        cppExecutor: true,
        windowedKvCache: false,
      },
      concurrency,
      group: `${r.model}|bf16|${r.inputTokens}/${r.outputTokens}|tensorrt-llm-triton`,
      acceleratorType: r.accelerator,
      acceleratorCount: r.tensorParallel,
    };
    if (concurrency <= 64) cases.push({ ...common, metric: 'low-load ITL', measured: r.meanItlMilliseconds });
    cases.push({ ...common, metric: 'TTFT', measured: r.meanTtftMilliseconds });
  }
  // the GIQ points of the catalog: NTPOT at the measured load (ShareGPT)
  for (const p of catalog.measuredPoints) {
    const model = catalog.model(p.model);
    const accelerator = catalog.accelerator(p.accelerator);
    if (!model || !accelerator || accelerator.family !== 'gpu' || p.trust === 'user') continue;
    cases.push({
      metric: 'GIQ NTPOT',
      source: 'GKE Inference Quickstart',
      label: `${p.model} on ${p.acceleratorCount} x ${p.accelerator} (GIQ ${p.modelServerVersion})`,
      input: { model, accelerator, tensorParallelSize: p.acceleratorCount, serverRelease: p.modelServerVersion === 'v0.7.2' ? '0.7.2' : '0.10.0', workload: catalog.defaultWorkload },
      concurrency: (p.outputTokensPerSecond * p.ntpotMilliseconds) / 1000,
      measured: p.ntpotMilliseconds,
      group: `${p.model}|giq`,
      acceleratorType: p.accelerator,
      acceleratorCount: p.acceleratorCount,
    });
  }
  return cases;
}

/** The model's value for a case with some terms; undefined when the case does not fit in memory. */
export function predict(c: FitCase, terms: ServingTerms): number | undefined {
  const m = performanceModel({ ...c.input, terms });
  if (!m) return undefined;
  if (c.metric === 'saturated throughput') {
    return c.requests === undefined ? m.at(m.maxRunningBatch * 4).outputTokensPerSecond : offlineRunThroughput(m, c.requests);
  }
  const p = m.at(c.concurrency);
  if (c.metric === 'low-load ITL') return p.itlMilliseconds;
  if (c.metric === 'TTFT') return p.ttftMilliseconds;
  return p.ntpotMilliseconds;
}

/** max(pred/meas, meas/pred); Infinity when the model cannot evaluate the case. */
export function factor(c: FitCase, terms: ServingTerms): number {
  const p = predict(c, terms);
  return p === undefined || !(p > 0) ? Infinity : Math.exp(Math.abs(Math.log(p / c.measured)));
}

const PARAMS: ReadonlyArray<keyof ServingTerms> = [
  'memoryBandwidthEfficiency', 'kvBandwidthEfficiency', 'computeEfficiency', 'prefillEfficiency', 'stepOverheadMilliseconds', 'layerLatencyMilliseconds', 'moeLayerLatencyMilliseconds',
  'expertComputeEfficiency', 'sequenceOverheadMicroseconds', 'v0StepOverheadMilliseconds', 'requestOverheadMilliseconds',
];
const LOWER: Record<keyof ServingTerms, number> = {
  memoryBandwidthEfficiency: 0.3,
  kvBandwidthEfficiency: 0.1,
  computeEfficiency: 0.1,
  prefillEfficiency: 0.2,
  stepOverheadMilliseconds: 0.05,
  layerLatencyMilliseconds: 0.001,
  moeLayerLatencyMilliseconds: 0.001,
  expertComputeEfficiency: 0.05,
  sequenceOverheadMicroseconds: 0.1,
  v0StepOverheadMilliseconds: 0.01,
  requestOverheadMilliseconds: 0.1,
};
const UPPER: Record<keyof ServingTerms, number> = {
  memoryBandwidthEfficiency: 0.95,
  kvBandwidthEfficiency: 0.95,
  computeEfficiency: 0.95,
  prefillEfficiency: 3,
  stepOverheadMilliseconds: 10,
  layerLatencyMilliseconds: 0.5,
  moeLayerLatencyMilliseconds: 1,
  expertComputeEfficiency: 1,
  sequenceOverheadMicroseconds: 100,
  v0StepOverheadMilliseconds: 10,
  requestOverheadMilliseconds: 50,
};
/** The start: the reference priors of performance-constants.ts. */
export const PRIOR: ServingTerms = {
  memoryBandwidthEfficiency: 0.8,
  kvBandwidthEfficiency: 0.6,
  computeEfficiency: 0.65,
  prefillEfficiency: 1,
  stepOverheadMilliseconds: 1,
  layerLatencyMilliseconds: 0.024,
  moeLayerLatencyMilliseconds: 0.02,
  // no published prior: grouped expert GEMMs as efficient as dense ones, and 5 us per sequence and step (weak pulls only)
  expertComputeEfficiency: 1,
  sequenceOverheadMicroseconds: 5,
  // the V1 blog gives no per-step figure: a weak pull at 1 ms
  v0StepOverheadMilliseconds: 1,
  // no published figure for a front end's per-request time: a weak pull at 2 ms
  requestOverheadMilliseconds: 2,
};

/**
 * Weight of each metric in the objective. The GIQ points weigh a quarter: their load level and request lengths are not
 * published (measured-serving-benchmarks.md, "GKE Inference Quickstart points": "latency is NTPOT, load level and lengths
 * are not published"), so the load they are read at is inferred by Little's law and the ShareGPT means assumed; they
 * still pin the curves exactly through the per-combination calibration (calibration.ts), which needs no such guess.
 */
const METRIC_WEIGHT: Record<Metric, number> = { 'low-load ITL': 1, 'saturated throughput': 1, 'TTFT': 1, 'GIQ NTPOT': 0.25 };

/** Weight of the prior in the objective (per squared log of a term's ratio to its prior). */
const PRIOR_WEIGHT = 0.01;

function toTerms(x: readonly number[]): ServingTerms {
  const t: Partial<Record<keyof ServingTerms, number>> = {};
  PARAMS.forEach((p, i) => { t[p] = Math.min(UPPER[p], Math.max(LOWER[p], Math.exp(x[i]))); });
  return t as ServingTerms;
}

/** Mean squared log error, each source within a metric weighing the same and the metrics as METRIC_WEIGHT says; cases that do not fit count as a factor of 3. */
function objective(cases: readonly FitCase[], terms: ServingTerms): number {
  const bySource = new Map<string, { s: number; n: number; metric: Metric }>();
  for (const c of cases) {
    const raw = factor(c, terms);
    if (raw === Infinity) continue; // the memory budget refuses it: reported apart, not fitted
    const f = Math.min(3, raw);
    const k = `${c.metric}|${c.source}`;
    const e = bySource.get(k) ?? { s: 0, n: 0, metric: c.metric };
    e.s += Math.log(f) ** 2;
    e.n += 1;
    bySource.set(k, e);
  }
  const perMetric = new Map<Metric, number[]>();
  for (const e of bySource.values()) perMetric.set(e.metric, [...(perMetric.get(e.metric) ?? []), e.s / e.n]);
  let total = 0;
  for (const [metric, v] of perMetric) total += METRIC_WEIGHT[metric] * (v.reduce((s, x) => s + x, 0) / v.length);
  // a weak pull towards the reference priors keeps terms the data cannot separate physically plausible
  for (const p of PARAMS) total += PRIOR_WEIGHT * Math.log(terms[p] / PRIOR[p]) ** 2;
  return total;
}

/** Nelder-Mead on the log of the terms, from the prior; deterministic. */
export function fitTerms(cases: readonly FitCase[], iterations = 400): ServingTerms {
  const f = (x: number[]) => objective(cases, toTerms(x));
  const n = PARAMS.length;
  let simplex = [PARAMS.map((p) => Math.log(PRIOR[p]))];
  for (let i = 0; i < n; i++) simplex.push(simplex[0].map((v, j) => (j === i ? v + 0.4 : v)));
  let values = simplex.map(f);
  for (let it = 0; it < iterations; it++) {
    const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
    simplex = order.map((i) => simplex[i]);
    values = order.map((i) => values[i]);
    const centroid = simplex[0].map((_, j) => simplex.slice(0, n).reduce((s, x) => s + x[j], 0) / n);
    const along = (t: number) => centroid.map((c, j) => c + t * (simplex[n][j] - c));
    const reflected = along(-1);
    const fr = f(reflected);
    if (fr < values[0]) {
      const expanded = along(-2);
      const fe = f(expanded);
      if (fe < fr) { simplex[n] = expanded; values[n] = fe; } else { simplex[n] = reflected; values[n] = fr; }
    } else if (fr < values[n - 1]) {
      simplex[n] = reflected; values[n] = fr;
    } else {
      const contracted = along(0.5);
      const fc = f(contracted);
      if (fc < values[n]) { simplex[n] = contracted; values[n] = fc; } else {
        for (let i = 1; i <= n; i++) { simplex[i] = simplex[i].map((v, j) => simplex[0][j] + 0.5 * (v - simplex[0][j])); values[i] = f(simplex[i]); }
      }
    }
  }
  const best = values.indexOf(Math.min(...values));
  return toTerms(simplex[best]);
}

export interface MetricError {
  readonly metric: Metric;
  /** Cases the model evaluates (the others do not fit the library's memory budget). */
  readonly cases: number;
  /** Measured cases the library's memory budget refuses (a configuration that ran, which the budget says cannot). */
  readonly refused: number;
  readonly sources: number;
  readonly medianFactor: number;
  /** 90th percentile (nearest rank). */
  readonly p90Factor: number;
  readonly worstFactor: number;
  readonly worstCase: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Per metric, the error of each case predicted by the terms fitted without its source. */
export function leaveOneSourceOut(cases: readonly FitCase[], iterations = 400): { errors: MetricError[]; factors: Map<FitCase, number> } {
  const factors = new Map<FitCase, number>();
  for (const source of [...new Set(cases.map((c) => c.source))].sort()) {
    const terms = fitTerms(cases.filter((c) => c.source !== source), iterations);
    for (const c of cases.filter((x) => x.source === source)) factors.set(c, factor(c, terms));
  }
  return { errors: metricErrors(cases, factors), factors };
}

export function metricErrors(cases: readonly FitCase[], factors: ReadonlyMap<FitCase, number>): MetricError[] {
  return METRICS.map((metric) => {
    const all = cases.filter((c) => c.metric === metric);
    const mine = all.filter((c) => factors.get(c)! < Infinity);
    const fs_ = mine.map((c) => factors.get(c)!);
    const worst = Math.max(...fs_);
    return {
      metric,
      cases: mine.length,
      refused: all.length - mine.length,
      sources: new Set(mine.map((c) => c.source)).size,
      medianFactor: median(fs_),
      p90Factor: [...fs_].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.9 * fs_.length) - 1)],
      worstFactor: worst,
      worstCase: mine[fs_.indexOf(worst)]?.label ?? '',
    };
  });
}

/**
 * Pairs of accelerators measured on the same model, precision, shape and server (saturated throughput per GPU), and
 * whether the estimate ranks them as the measurement does.
 */
export interface RankingCheck {
  readonly group: string;
  readonly better: string;
  readonly worse: string;
  readonly agrees: boolean;
  readonly measuredRatio: number;
  readonly predictedRatio: number;
}

export function rankingChecks(cases: readonly FitCase[], terms: ServingTerms): RankingCheck[] {
  const sat = cases.filter((c) => c.metric === 'saturated throughput');
  const out: RankingCheck[] = [];
  const groups = new Map<string, FitCase[]>();
  for (const c of sat) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  for (const [group, list] of groups) {
    // the best measured per-GPU figure of each accelerator in the group, and the estimate at that count
    const best = new Map<string, { measured: number; predicted: number }>();
    for (const c of list) {
      const p = predict(c, terms);
      if (p === undefined) continue;
      const m = c.measured / c.acceleratorCount;
      const cur = best.get(c.acceleratorType);
      if (!cur || m > cur.measured) best.set(c.acceleratorType, { measured: m, predicted: p / c.acceleratorCount });
    }
    const accs = [...best.keys()].sort();
    for (let i = 0; i < accs.length; i++) {
      for (let j = i + 1; j < accs.length; j++) {
        const a = best.get(accs[i])!;
        const b = best.get(accs[j])!;
        // B200 and GB200 are the same GPU (the .md: GB200 rows below B200 reflect configuration, not the chip)
        if (new Set([accs[i], accs[j]]).size === 2 && [accs[i], accs[j]].every((x) => x === 'nvidia-b200' || x === 'nvidia-gb200')) continue;
        // ties within 10% are not a ranking
        if (Math.abs(Math.log(a.measured / b.measured)) < Math.log(1.1)) continue;
        const [better, worse] = a.measured > b.measured ? [accs[i], accs[j]] : [accs[j], accs[i]];
        const hi = best.get(better)!;
        const lo = best.get(worse)!;
        out.push({
          group,
          better,
          worse,
          agrees: hi.predicted > lo.predicted,
          measuredRatio: hi.measured / lo.measured,
          predictedRatio: hi.predicted / lo.predicted,
        });
      }
    }
  }
  return out;
}

const f2 = (x: number) => x.toFixed(2);
/** A string or number as the project's lint rules want it in generated source. */
const lit = (v: string | number) => (typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "\\'")}'`);
const f4 = (x: number) => Number(x.toPrecision(4));

function main(): void {
  const check = process.argv.includes('--check');
  const catalog = Catalog.EMBEDDED;
  const cases = fitCases(catalog, fs.readFileSync(BENCHMARKS_CSV, 'utf8'));
  const terms = fitTerms(cases);
  const inSample = metricErrors(cases, new Map(cases.map((c) => [c, factor(c, terms)])));
  const loso = leaveOneSourceOut(cases);
  const ranking = rankingChecks(cases, terms);
  const out: string[] = [`${cases.length} cases from ${new Set(cases.map((c) => c.source)).size} sources`, '', 'Fitted terms:'];
  for (const p of PARAMS) out.push(`  ${p}: ${f4(terms[p])}`);
  const table = (title: string, errors: MetricError[]) => {
    out.push('', title, '  | metric | cases | refused | sources | median factor | 90th percentile | worst factor | worst case |', '  |---|---:|---:|---:|---:|---:|---:|---|');
    // rounded from the four significant digits the generated file keeps, so the printed table is the one the README carries
    const r2 = (x: number) => f2(f4(x));
    for (const e of errors) out.push(`  | ${e.metric} | ${e.cases} | ${e.refused} | ${e.sources} | ${r2(e.medianFactor)} | ${r2(e.p90Factor)} | ${r2(e.worstFactor)} | ${e.worstCase} |`);
  };
  table('In-sample error:', inSample);
  table('Leave-one-source-out error:', loso.errors);
  out.push('', `Per-GPU ranking (saturated throughput, same model, precision, shape and server): ${ranking.filter((r) => r.agrees).length} of ${ranking.length} pairs agree`);
  for (const r of ranking.filter((x) => !x.agrees)) out.push(`  disagrees: ${r.group}: ${r.better} > ${r.worse} measured x${f2(r.measuredRatio)}, estimated x${f2(r.predictedRatio)}`);
  console.log(out.join('\n'));
  if (check) return;
  const body = [
    '// Generated by scripts/fit-serving-terms.ts from ../shared/reference/data/measured-serving-benchmarks.csv and the',
    '// GKE Inference Quickstart points of the catalog. Do not edit by hand: run the script.',
    "import type { ServingTerms } from './estimator';",
    '',
    '/** The serving terms fitted on public measurements (Nelder-Mead on the log error, every metric and source weighing the same). */',
    'export const SERVING_TERMS: ServingTerms = {',
    ...PARAMS.map((p) => `  ${p}: ${f4(terms[p])},`),
    '};',
    '',
    '/** What the fit rests on and how well it predicts sources it did not see. */',
    'export const SERVING_TERMS_FIT = {',
    `  cases: ${cases.length},`,
    '  sources: [',
    ...[...new Set(cases.map((c) => c.source))].sort().map((x) => `    ${lit(x)},`),
    '  ],',
    '  /** Leave-one-source-out: each source predicted by the terms fitted on all the others; factor = max(pred/meas, meas/pred). */',
    '  leaveOneSourceOut: [',
    ...loso.errors.map((e) => `    { metric: '${e.metric}', cases: ${e.cases}, refused: ${e.refused}, sources: ${e.sources}, medianFactor: ${f4(e.medianFactor)}, p90Factor: ${f4(e.p90Factor)}, worstFactor: ${f4(e.worstFactor)} },`),
    '  ],',
    '  inSample: [',
    ...inSample.map((e) => `    { metric: '${e.metric}', cases: ${e.cases}, refused: ${e.refused}, sources: ${e.sources}, medianFactor: ${f4(e.medianFactor)}, p90Factor: ${f4(e.p90Factor)}, worstFactor: ${f4(e.worstFactor)} },`),
    '  ],',
    '  /** Measured cases per accelerator: where there are none, the estimate rests on the other accelerators only. */',
    '  casesPerAccelerator: {',
    ...[...new Set(cases.map((c) => c.acceleratorType))].sort()
      .map((a) => `    ${lit(a)}: ${cases.filter((c) => c.acceleratorType === a).length},`),
    '  },',
    `  rankingPairs: ${ranking.length},`,
    `  rankingPairsAgreeing: ${ranking.filter((r) => r.agrees).length},`,
    '} as const;',
    '',
  ].join('\n');
  fs.writeFileSync(OUT, body);
}

if (require.main === module) main();
