/**
 * TensorRT-LLM 0.14's online-serving measurements, transcribed from its performance overview: Llama 3.1 8B (TP1) and 70B (TP4)
 * behind the Triton TensorRT-LLM backend on H100 and H200, three request shapes, Poisson arrivals at 2-32 requests/s and
 * unbounded, mean TTFT and mean inter-token latency. The table is not in ../shared/reference/data/measured-serving-benchmarks.csv
 * (which carries the same page's offline throughput table); the fit reads it as a source of its own.
 */

/** Where the table is: the page, its section and what it says of the runs. */
export const ONLINE_SERVING_SOURCE = 'arthurrasmusson/TensorRT-LLM@e00d4e6564921307dd264b61fe1d46f116095e0e:docs/source/performance/perf-overview.md '
  + '("Online Serving Measurements": "The TensorRT-LLM backend [Triton] is used to measure the performance of TensorRT-LLM for online serving ... '
  + 'All data in the table below was generated using version 0.14.0, with 500 requests and BF16 precision.")';

/** One row: the catalog model, the GKE accelerator, TP, input and output tokens, the offered and achieved rates and the latencies. */
export interface OnlineServingRow {
  readonly model: string;
  readonly accelerator: string;
  readonly tensorParallel: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Offered Poisson rate, requests/s (the table's QPS; `INF` rows are left out: their engine limits are not published). */
  readonly qps: number;
  /** Achieved requests/s, as the table rounds it. */
  readonly requestsPerSecond: number;
  readonly meanTtftMilliseconds: number;
  readonly meanItlMilliseconds: number;
  /** Output tokens/s, the table's unrounded throughput (requests/s = this / output tokens). */
  readonly outputTokensPerSecond: number;
}

const L70 = 'meta-llama/Llama-3.1-70B-Instruct';
const L8 = 'meta-llama/Llama-3.1-8B-Instruct';
const H100 = 'nvidia-h100-80gb';
const H200 = 'nvidia-h200-141gb'; // the page's "H200 131GB HBM3"

// model, accelerator, TP, input, output, then per rate: QPS, Tput(req/s), Mean TTFT(ms), Mean ITL(ms), Output Tput (tok/s)
const TABLE: ReadonlyArray<[string, string, number, number, number, ReadonlyArray<readonly [number, number, number, number, number]>]> = [
  [L70, H100, 4, 467, 256, [[2, 2, 62, 21, 498], [4, 4, 68, 24, 973], [8, 7, 92, 32, 1860], [16, 12, 175, 66, 3164], [32, 16, 1229, 86, 4083]]],
  [L70, H100, 4, 467, 16, [[2, 2, 53, 18, 28], [4, 4, 58, 20, 63], [8, 8, 71, 24, 126], [16, 16, 109, 38, 248], [32, 28, 1197, 482, 452]]],
  [L70, H100, 4, 202, 214, [[2, 2, 48, 20, 401], [4, 4, 51, 22, 771], [8, 7, 57, 25, 1390], [16, 11, 74, 32, 2245], [32, 14, 116, 42, 3003]]],
  [L8, H100, 1, 467, 256, [[2, 2, 23, 8, 504], [4, 4, 24, 9, 929], [8, 8, 26, 9, 1959], [16, 15, 30, 11, 3765], [32, 26, 50, 19, 6774]]],
  [L8, H100, 1, 467, 16, [[2, 2, 19, 7, 32], [4, 4, 20, 7, 63], [8, 8, 22, 7, 126], [16, 16, 24, 8, 251], [32, 31, 29, 10, 493]]],
  [L8, H100, 1, 202, 214, [[2, 2, 19, 7, 416], [4, 4, 20, 8, 816], [8, 7, 21, 9, 1568], [16, 13, 23, 10, 2879], [32, 23, 27, 11, 4825]]],
  [L70, H200, 4, 467, 256, [[2, 2, 58, 18, 499], [4, 4, 63, 20, 980], [8, 7, 84, 27, 1886], [16, 13, 165, 60, 3264], [32, 16, 1279, 83, 4176]]],
  [L70, H200, 4, 467, 16, [[2, 2, 50, 15, 32], [4, 4, 55, 16, 63], [8, 8, 67, 20, 126], [16, 16, 103, 33, 248], [32, 28, 1259, 485, 450]]],
  [L70, H200, 4, 202, 214, [[2, 2, 43, 17, 408], [4, 4, 46, 18, 784], [8, 7, 51, 21, 1438], [16, 11, 67, 28, 2386], [32, 15, 112, 39, 3235]]],
  [L8, H200, 1, 467, 256, [[2, 2, 21, 6, 504], [4, 4, 23, 7, 1001], [8, 8, 24, 7, 1971], [16, 15, 27, 9, 3809], [32, 27, 44, 16, 7025]]],
  [L8, H200, 1, 467, 16, [[2, 2, 18, 5, 32], [4, 4, 19, 6, 63], [8, 8, 20, 6, 126], [16, 16, 22, 7, 250], [32, 31, 27, 9, 494]]],
  [L8, H200, 1, 202, 214, [[2, 2, 17, 6, 418], [4, 4, 18, 6, 822], [8, 7, 19, 7, 1589], [16, 14, 20, 8, 2969], [32, 24, 24, 9, 5109]]],
];

export const ONLINE_SERVING_ROWS: readonly OnlineServingRow[] = TABLE.flatMap(([model, accelerator, tp, inputTokens, outputTokens, rates]) =>
  rates.map(([qps, requestsPerSecond, ttft, itl, outputTokensPerSecond]) => ({
    model,
    accelerator,
    tensorParallel: tp,
    inputTokens,
    outputTokens,
    qps,
    requestsPerSecond,
    meanTtftMilliseconds: ttft,
    meanItlMilliseconds: itl,
    outputTokensPerSecond,
  })));
