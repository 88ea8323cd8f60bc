import { InferenceCatalog, ProfileSource } from '../src';
import { Catalog } from '../src/catalog/catalog';
import { profileCurves } from '../src/performance/profiles';

const GEMMA = 'google/gemma-2-27b-it';
const QWEN = 'Qwen/Qwen3-8B';

/**
 * GKE Inference Quickstart's gemma-2-27b-it curves (vLLM v0.7.2) as GIQ serves them: 10-12 points from the first request rates to
 * saturation, digitised from the log-log "Throughput vs. Latency" chart of GoogleCloudPlatform/kubernetes-engine-samples
 * ai-ml/notebooks/giq_visualizations.ipynb @f2f7d1ae (cell 23); the inflection points are GIQ's published values exactly (cell 25).
 */
const GIQ_CURVES: Array<[string, number, Array<[number, number]>]> = [
  ['nvidia-h100-80gb', 1, [[175, 34], [867, 40], [1429, 47], [1804, 54], [2050, 67], [2095, 614], [2081, 1540], [2108, 2256], [2106, 2327], [2068, 2638]]],
  ['nvidia-tesla-a100', 2, [[175, 34], [572, 47], [807, 54], [1046, 58], [1243, 70], [1401, 155], [1403, 741], [1438, 1268], [1436, 1367],
    [1429, 2106], [1457, 2298], [1455, 2773]]],
  ['nvidia-l4', 4, [[148, 117], [237, 150], [368, 179], [393, 197], [425, 1085], [439, 2015], [445, 2721], [430, 3162], [444, 3388], [447, 5315]]],
];

function giqJson(curves = GIQ_CURVES, workloadSpec?: object): string {
  return JSON.stringify({
    profile: curves.map(([acceleratorType, acceleratorCount, points]) => ({
      modelServerInfo: { model: GEMMA, modelServer: 'vllm', modelServerVersion: 'v0.7.2' },
      acceleratorType,
      resourcesUsed: { acceleratorCount },
      ...(workloadSpec ? { workloadSpec } : {}),
      performanceStats: points.map(([outputTokensPerSecond, ntpotMilliseconds]) => ({ outputTokensPerSecond, ntpotMilliseconds })),
    })),
  });
}

const band = (catalog: InferenceCatalog, model: string, acceleratorType: string) => {
  const c = profileCurves(catalog._catalog, model).find((x) => x.acceleratorType === acceleratorType && x.source === 'estimated')!;
  return c.uncertainty!.throughputHighMultiplier;
};

describe('uncertainty bands from real curves', () => {
  test('a curve\'s low-load points (flat NTPOT, rising throughput) do not blow the bands up', () => {
    const embedded = InferenceCatalog.embedded();
    const imported = embedded.addBenchmarksFromJson(giqJson());
    expect(imported.measuredPointCount).toBe(embedded.measuredPointCount + 32 - 3);
    // before the throughput error was read only where it is well conditioned, these came out x7.7 (Llama on L4) and x16 (gemma)
    for (const [model, accelerator] of [['meta-llama/Llama-3.1-8B-Instruct', 'nvidia-l4'], [GEMMA, 'nvidia-rtx-pro-6000'], ['Qwen/Qwen3-32B', 'nvidia-h100-80gb']]) {
      expect({ model, band: band(imported, model, accelerator) < 2.5 }).toEqual({ model, band: true });
    }
    // and the automatic choice keeps the cheaper estimate while the measured curves stay measured
    const r = imported.resolve({ model: GEMMA, acceleratorType: 'nvidia-h100-80gb' });
    expect(r.source).toBe(ProfileSource.MEASURED);
    expect(r.performance.outputTokensPerSecond).toBe(2050);
  });

  test('measured points go by load: NTPOT first (a curve dips past saturation)', () => {
    const imported = InferenceCatalog.embedded().addBenchmarksFromJson(giqJson([GIQ_CURVES[0]]));
    const h100 = profileCurves(imported._catalog, GEMMA).find((c) => c.source === 'measured' && c.acceleratorType === 'nvidia-h100-80gb')!;
    const ntpots = h100.points.map((p) => p.ntpotMilliseconds);
    expect(ntpots).toEqual([...ntpots].sort((a, b) => a - b));
    // a 100 ms target reads between the 67 ms and the 614 ms point, its neighbours in load
    const r = imported.resolve({ model: GEMMA, acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 100 });
    expect(r.performance.outputTokensPerSecond).toBeGreaterThan(2050);
    expect(r.performance.outputTokensPerSecond).toBeLessThan(2095);
  });
});

describe('the workload a benchmark ran', () => {
  // gcloud container ai profiles benchmarks list's CSV header (google-cloud-sdk profiles_csv_printer.py)
  const HEADER = 'Instance Type,Accelerator Type,Model Name,Model Server Name,Model Server Version,Output Tokens/s,NTPOT (ms),TTFT (ms),ITL (ms),QPS,'
    + 'Cost/M Input Tokens,Cost/M Output Tokens,Use Case,Average Input Length,Average Output Length,Serving Stack,Serving Stack Version';
  const row = (useCase: string, input: number, output: number, tps = 410, ntpot = 100) =>
    `a3-highgpu-2g,nvidia-h100-80gb,${QWEN},vllm,v0.11.2,${tps},${ntpot},900,40,0.1,,,${useCase},${input},${output},,`;

  test('a point measured on another use case is served as measured for that use case only', () => {
    const catalog = InferenceCatalog.embedded().addBenchmarksFromCsv([HEADER, row('Deep Research', 256, 4096)].join('\n'));
    const deep = catalog.resolve({ model: QWEN, acceleratorType: 'nvidia-h100-80gb', useCase: 'Deep Research' });
    expect(deep.source).toBe(ProfileSource.MEASURED);
    expect(deep.performance.outputTokensPerSecond).toBe(410);
    // the chatbot workload keeps its estimate
    const chat = catalog.resolve({ model: QWEN, acceleratorType: 'nvidia-h100-80gb' });
    expect(chat.source).toBe(ProfileSource.ESTIMATED);
    expect(chat.performance.outputTokensPerSecond).toBeGreaterThan(1000);
  });

  test('GIQ\'s Chatbot (ShareGPT) use case is ShareGPT whatever lengths GIQ lists with it; lengths near ShareGPT\'s means are too', () => {
    // GIQ lists the chatbot case as ~128/128 and benchmarks ShareGPT (use-cases.csv)
    const gcloud = InferenceCatalog.embedded().addBenchmarksFromCsv([HEADER, row('Chatbot (ShareGPT)', 128, 128, 6000, 40)].join('\n'));
    expect(gcloud.resolve({ model: QWEN, acceleratorType: 'nvidia-h100-80gb' }).source).toBe(ProfileSource.MEASURED);
    const spec = InferenceCatalog.embedded().addBenchmarksFromJson(giqJson([GIQ_CURVES[0]], { useCase: 'chatbot', averageInputLength: 128, averageOutputLength: 128 }));
    expect(spec.resolve({ model: GEMMA, acceleratorType: 'nvidia-h100-80gb' }).source).toBe(ProfileSource.MEASURED);
    // ShareGPT counted with another tokenizer or filter moves its means by tens of percent: still ShareGPT (within 25%)
    for (const [input, output] of [[231, 190], [270, 160]]) {
      const near = InferenceCatalog.embedded().addBenchmark({
        model: QWEN,
        modelServerVersion: 'v0.11.2',
        acceleratorType: 'nvidia-h100-80gb',
        acceleratorCount: 1,
        outputTokensPerSecond: 6000,
        ntpotMilliseconds: 40,
        averageInputTokens: input,
        averageOutputTokens: output,
      });
      expect(near.resolve({ model: QWEN, acceleratorType: 'nvidia-h100-80gb' }).source).toBe(ProfileSource.MEASURED);
      // and for a request at the run's own lengths
      const own = near.resolve({ model: QWEN, acceleratorType: 'nvidia-h100-80gb', averageInputTokens: input, averageOutputTokens: output });
      expect(own.source).toBe(ProfileSource.MEASURED);
      expect(own.performance.outputTokensPerSecond).toBe(6000);
    }
    // the alias of the file's use case is no contradiction; another use case, or other lengths, are
    const csv = [HEADER, row('Chatbot (ShareGPT)', 128, 128, 6000, 40)].join('\n');
    expect(() => InferenceCatalog.embedded().addBenchmarksFromCsv(csv, { useCase: 'chatbot' })).not.toThrow();
    expect(() => InferenceCatalog.embedded().addBenchmarksFromCsv(csv, { useCase: 'Deep Research' }))
      .toThrow(/'useCase' option \(Deep Research\) contradicts the file \(Chatbot \(ShareGPT\)\)/);
    expect(() => InferenceCatalog.embedded().addBenchmarksFromCsv(csv, { averageInputTokens: 2000, averageOutputTokens: 128 }))
      .toThrow(/'averageInputTokens' option \(2000\) contradicts the file \(128\)/);
  });

  test('a long-prompt measurement (vLLM\'s 20k / 2k run) does not become the chatbot profile', () => {
    // vllm-project/vllm-project.github.io _posts/2026-04-22-fp8-kvcache.md, Llama-3.1-8B on 1 x H100, ~20k in / ~2k out, c=8:
    // 450.3 tok/s, median ITL 15.18 ms, median TTFT 763.6 ms; NTPOT = (763.6 + 1999 x 15.18) / 2000 = 15.55 ms
    const point = {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      modelServerVersion: 'v0.12.0',
      acceleratorType: 'nvidia-h100-80gb',
      acceleratorCount: 1,
      outputTokensPerSecond: 450.3,
      ntpotMilliseconds: 15.55,
      ttftMilliseconds: 763.6,
      averageInputTokens: 20000,
      averageOutputTokens: 2000,
    };
    const catalog = InferenceCatalog.embedded().addBenchmark(point);
    const chat = catalog.resolve({ model: point.model, acceleratorType: 'nvidia-h100-80gb' });
    expect(chat.source).toBe(ProfileSource.ESTIMATED);
    expect(chat.performance.outputTokensPerSecond).toBeGreaterThan(3000);
    const long = catalog.resolve({ model: point.model, acceleratorType: 'nvidia-h100-80gb', averageInputTokens: 20000, averageOutputTokens: 2000 });
    expect(long.source).toBe(ProfileSource.MEASURED);
    expect(long.performance.outputTokensPerSecond).toBe(450.3);
    // two runs near the request: the nearer one is served, whatever the import order
    const other = { ...point, outputTokensPerSecond: 400, averageInputTokens: 20_900, averageOutputTokens: 2000 };
    for (const c of [catalog.addBenchmark(other), InferenceCatalog.embedded().addBenchmark(other).addBenchmark(point)]) {
      expect(c.resolve({ model: point.model, acceleratorType: 'nvidia-h100-80gb', averageInputTokens: 20000, averageOutputTokens: 2000 })
        .performance.outputTokensPerSecond).toBe(450.3);
    }
    // its lengths come in pairs, or from a use case that publishes them
    expect(() => InferenceCatalog.embedded().addBenchmark({ ...point, averageOutputTokens: undefined })).toThrow(/give both 'averageInputTokens' and 'averageOutputTokens'/);
    expect(() => InferenceCatalog.embedded().addBenchmark({ ...point, averageInputTokens: undefined, averageOutputTokens: undefined, useCase: 'Code Generation' }))
      .toThrow(/use case 'Code Generation' has no published average lengths/);
  });
});

describe('what the files say, in their units', () => {
  const options = { modelServerVersion: 'v0.11.2', acceleratorType: 'nvidia-l4', acceleratorCount: 1 };
  const resolveQwen = (c: InferenceCatalog) => c.resolve({ model: QWEN, acceleratorType: 'nvidia-l4' });

  test('legacy profile-generator results: per-output-token latency in milliseconds, TTFT in seconds, input tokens per minute', () => {
    // ai-on-gke benchmark_serving.py: get_stats_for_set("per_output_token_latency", "milliseconds/output_token ...", [1000 * latency / output_len
    // ...]); "Time to First Token (s)"; benchmark_result['input_tokens_per_min']
    const legacy = JSON.stringify({
      metrics: {
        request_rate: 4,
        throughput: 700,
        avg_per_output_token_latency: 80.5,
        median_per_output_token_latency: 75,
        median_TTFT: 0.2,
        input_tokens_per_min: 60 * 812,
        avg_input_len: 226,
        avg_output_len: 195,
      },
      dimensions: { model_id: QWEN, backend: 'vllm' },
    });
    const r = resolveQwen(InferenceCatalog.embedded().addBenchmarksFromJson(legacy, options));
    expect(r.source).toBe(ProfileSource.MEASURED);
    expect(r.performance.ntpotMilliseconds).toBe(75);
    // before 2024-09-30 'throughput' was requests/s (ai-on-gke #839): output_tokens_per_min, in every profile-generator version, is read first
    const early = JSON.stringify({
      metrics: { throughput: 5, output_tokens_per_min: 60 * 975, median_per_output_token_latency: 75, avg_input_len: 226, avg_output_len: 195 },
      dimensions: { model_id: QWEN, backend: 'vllm' },
    });
    expect(resolveQwen(InferenceCatalog.embedded().addBenchmarksFromJson(early, options)).performance.outputTokensPerSecond).toBeCloseTo(975, 9);
    expect(r.performance.ttftMilliseconds).toBeCloseTo(200, 9);
    expect(r.performance.inputTokensPerSecond).toBeCloseTo(812, 9);
  });

  test('inference-benchmark\'s input_tokens_per_sec, and an unthrottled run\'s "request_rate": Infinity', () => {
    const text = '{"metrics": {"request_rate": Infinity, "throughput": 760, "median_normalized_time_per_output_token_ms": 300, '
      + '"input_tokens_per_sec": 3200, "avg_input_len": 226, "avg_output_len": 195}, "dimensions": {"model_id": "Qwen/Qwen3-8B", "backend": "vllm"}}';
    const r = resolveQwen(InferenceCatalog.embedded().addBenchmarksFromJson(text, options));
    expect(r.performance.inputTokensPerSecond).toBe(3200);
  });

  test('vllm bench serve results: NTPOT from the per-request times when saved, else the mean latency over the mean output', () => {
    const base = {
      model_id: QWEN, completed: 4, duration: 10, total_input_tokens: 904, total_output_tokens: 780, output_throughput: 78, median_ttft_ms: 150,
    };
    // per request: ttft + inter-token gaps over its output tokens (s): (0.1 + 195 x 0.05) / 195 ms ... the median of four
    const detailed = {
      ...base, output_lens: [195, 195, 195, 195], ttfts: [0.1, 0.1, 0.2, 0.2], itls: [0, 0, 0, 0].map(() => Array(194).fill(0.05)),
    };
    const d = resolveQwen(InferenceCatalog.embedded().addBenchmarksFromJson(JSON.stringify(detailed), options));
    expect(d.performance.ntpotMilliseconds).toBeCloseTo(((0.15 + 194 * 0.05) * 1000) / 195, 9);
    const approx = resolveQwen(InferenceCatalog.embedded().addBenchmarksFromJson(JSON.stringify({ ...base, mean_e2el_ms: 10_000 }), options));
    expect(approx.performance.ntpotMilliseconds).toBeCloseTo(10_000 / 195, 9);
    expect(approx.performance.inputTokensPerSecond).toBeCloseTo(90.4, 9);
    // the default --percentile-metrics save no e2el: a mean request is its TTFT and 194 TPOTs
    const defaults = JSON.stringify({ ...base, mean_ttft_ms: 200, mean_tpot_ms: 50 });
    const plain = resolveQwen(InferenceCatalog.embedded().addBenchmarksFromJson(defaults, options));
    expect(plain.performance.ntpotMilliseconds).toBeCloseTo((200 + 194 * 50) / 195, 9);
  });

  test('gcloud\'s Model Server Name column is the server', () => {
    const csv = 'Instance Type,Accelerator Type,Model Name,Model Server Name,Model Server Version,Output Tokens/s,NTPOT (ms)\n'
      + `g2-standard-8,nvidia-l4,${QWEN},sglang,v0.4.0,600,80`;
    expect(() => InferenceCatalog.embedded().addBenchmarksFromCsv(csv)).toThrow(/unknown model server 'sglang' \('modelServer'\)/);
  });

  test('the total of several replicas is refused: faster than the kernels at peak memory bandwidth', () => {
    // GIQ's one H100 serves gemma-2-27b at 2050 tok/s @ 67 ms; 8x that through a Service is not one replica
    const point = { model: GEMMA, modelServerVersion: 'v0.7.2', acceleratorType: 'nvidia-h100-80gb', acceleratorCount: 1, ntpotMilliseconds: 67 };
    expect(() => InferenceCatalog.embedded().addBenchmark({ ...point, outputTokensPerSecond: 16_400 }))
      .toThrow(/16400 output tokens\/s at 67 ms NTPOT is more than 3x faster than 1 x nvidia-h100-80gb can serve .*total of several replicas/);
    expect(() => InferenceCatalog.embedded().addBenchmark({ ...point, outputTokensPerSecond: 60_000 })).toThrow(/total of several replicas/);
    expect(() => InferenceCatalog.embedded().addBenchmark({ ...point, outputTokensPerSecond: 2600 })).not.toThrow();
  });

  test('a packed replica (1 x H200 on an 8-GPU machine) imports, as the resolver plans it', () => {
    const catalog = InferenceCatalog.embedded().addBenchmark({
      model: QWEN, modelServerVersion: 'v0.11.2', acceleratorType: 'nvidia-h200-141gb', acceleratorCount: 1, outputTokensPerSecond: 7000, ntpotMilliseconds: 30,
    });
    const curve = profileCurves(catalog._catalog, QWEN).find((c) => c.acceleratorType === 'nvidia-h200-141gb' && c.acceleratorCount === 1)!;
    expect(curve.source).toBe('measured');
    // as benchmarks list prints it, with the machine it packs on
    expect(() => InferenceCatalog.embedded().addBenchmark({
      model: QWEN,
      modelServerVersion: 'v0.11.2',
      acceleratorType: 'nvidia-h200-141gb',
      acceleratorCount: 1,
      instanceType: 'a3-ultragpu-8g',
      outputTokensPerSecond: 7000,
      ntpotMilliseconds: 30,
    })).not.toThrow();
    expect(() => InferenceCatalog.embedded().addBenchmark({
      model: QWEN, modelServerVersion: 'v0.11.2', acceleratorType: 'nvidia-h200-141gb', acceleratorCount: 3, outputTokensPerSecond: 7000, ntpotMilliseconds: 30,
    })).toThrow(/'acceleratorCount' \(3\) is not a count a nvidia-h200-141gb machine carries \(8\) nor one of its replicas packed on a machine/);
  });

  test('GIQ\'s whole-millisecond NTPOTs: two points at one NTPOT import; the same file twice adds its points once', () => {
    const twoAt30 = giqJson([['nvidia-h100-80gb', 1, [[195, 30], [390, 30], [2050, 67]]]]);
    const once = InferenceCatalog.embedded().addBenchmarksFromJson(twoAt30);
    const twice = once.addBenchmarksFromJson(twoAt30);
    expect(twice.measuredPointCount).toBe(once.measuredPointCount);
    const points = (c: InferenceCatalog) => c._catalog.measuredPoints.filter((p) => p.model === GEMMA && p.accelerator === 'nvidia-h100-80gb');
    const pairs = points(twice).map((p) => [p.outputTokensPerSecond, p.ntpotMilliseconds]).sort((a, b) => a[0] - b[0]);
    expect(pairs).toEqual([[195, 30], [390, 30], [2050, 67]]);
    expect(Catalog.EMBEDDED.measuredPoints.length).toBe(InferenceCatalog.embedded().measuredPointCount);
  });
});
