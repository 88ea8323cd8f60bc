/**
 * Readers for benchmark files a user brings: the CSV `gcloud container ai profiles benchmarks list`
 * prints (and `profiles list --format=csvprofile`), GKE Inference Quickstart's JSON (the
 * FetchBenchmarkingData / FetchProfiles responses, `--format=json`), and the result JSON of the
 * inference-benchmark tool (AI-Hypercomputer/inference-benchmark, formerly ai-on-gke's profile-generator).
 *
 * Column and key names are matched case-insensitively with punctuation removed, so `Output Tokens/s`,
 * `outputTokensPerSecond`, `performanceStats.outputTokensPerSecond` and `output_tokens_per_second`
 * all name output tokens per second. What a file does not say (typically the accelerator count, or the
 * model for a per-rate result file) comes from the import options.
 */
import { parseCsv } from '../util/csv';
import { printable } from '../util/input';

/** Trust grade of what a user registers or imports. */
export const USER_TRUST = 'user';

/** One point read from a file, before the import options and the catalog check it. */
export interface ParsedBenchmark {
  readonly model?: string;
  readonly modelServer?: string;
  readonly modelServerVersion?: string;
  readonly acceleratorType?: string;
  readonly acceleratorCount?: number;
  readonly instanceType?: string;
  readonly outputTokensPerSecond?: number;
  readonly ntpotMilliseconds?: number;
  readonly ttftMilliseconds?: number;
  readonly inputTokensPerSecond?: number;
  /** The use case the file names for the point (GKE Inference Quickstart's `Use Case` / `workloadSpec.useCase`). */
  readonly useCase?: string;
  /** Mean input tokens per request of the run, when the file says (`Average Input Length`, `avg_input_len`). */
  readonly averageInputTokens?: number;
  /** Mean output tokens per request of the run, when the file says (`Average Output Length`, `avg_output_len`). */
  readonly averageOutputTokens?: number;
  /**
   * What the file says the point is, when it says (`Source` or `Point Kind` of `benchmarks list` and `profiles list`):
   * `measured`, or `estimated` / `interpolated` for the library's own estimates, which are never imported as measurements.
   */
  readonly dataSource?: string;
  /** The kind of point the file says it is (`measured`, `interpolated`, `estimated`), when it says. */
  readonly pointKind?: string;
  /** Where in the file the point is, for error messages. */
  readonly where: string;
}

/** Lower case, letters and digits only: `NTPOT(ms)` -> `ntpotms`. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const CSV_COLUMNS: Record<keyof Omit<ParsedBenchmark, 'where'>, readonly string[]> = {
  model: ['model', 'modelname', 'modelserverinfomodel', 'modelid'],
  modelServer: ['modelserver', 'modelservername', 'modelserverinfomodelserver', 'server'],
  modelServerVersion: ['modelserverversion', 'modelserverinfomodelserverversion'],
  acceleratorType: ['accelerator', 'acceleratortype'],
  acceleratorCount: ['acceleratorcount', 'resourcesusedacceleratorcount', 'accelerators'],
  instanceType: ['instancetype', 'machinetype'],
  outputTokensPerSecond: ['outputtokenss', 'outputtokenspersecond', 'performancestatsoutputtokenspersecond', 'outputthroughput'],
  ntpotMilliseconds: ['ntpotms', 'ntpotmilliseconds', 'performancestatsntpotmilliseconds', 'ntpot'],
  ttftMilliseconds: ['ttftms', 'ttftmilliseconds', 'performancestatsttftmilliseconds', 'ttft'],
  inputTokensPerSecond: ['inputtokenss', 'inputtokenspersecond', 'performancestatsinputtokenspersecond', 'inputthroughput'],
  // gcloud's benchmarks list CSV (profiles_csv_printer.py): Use Case, Average Input Length, Average Output Length
  useCase: ['usecase', 'workloadspecusecase'],
  averageInputTokens: ['averageinputlength', 'workloadspecaverageinputlength', 'averageinputtokens'],
  averageOutputTokens: ['averageoutputlength', 'workloadspecaverageoutputlength', 'averageoutputtokens'],
  dataSource: ['source', 'datasource'],
  pointKind: ['pointkind'],
};

const NUMERIC = new Set([
  'acceleratorCount', 'outputTokensPerSecond', 'ntpotMilliseconds', 'ttftMilliseconds', 'inputTokensPerSecond', 'averageInputTokens', 'averageOutputTokens',
]);

/** A number from a cell or a JSON value; undefined for empty, `N/A` or `-`. */
function numberOf(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  if (text === '' || /^(n\/a|na|-|none|null)$/i.test(text)) return undefined;
  // plain decimal only: Number() would read '0x64' as 100, and '1e400' as Infinity
  const n = typeof value === 'number' ? value : /^\+?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n) || n < 0) throw new Error(`${what} is not a non-negative decimal number: '${printable(text, 40)}'`);
  return n;
}

function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  return text === '' || /^(n\/a|-)$/i.test(text) ? undefined : text;
}

/** Points of a CSV file, one per record. */
export function parseBenchmarkCsv(text: string): ParsedBenchmark[] {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(text);
  } catch (e) {
    throw new Error(`addBenchmarksFromCsv: ${(e as Error).message}`);
  }
  if (rows.length === 0) throw new Error('addBenchmarksFromCsv: the CSV has a header but no records');
  const header = Object.keys(rows[0]);
  const columnOf = new Map<string, string>();
  for (const [field, aliases] of Object.entries(CSV_COLUMNS)) {
    const column = header.find((h) => aliases.includes(normalizeKey(h)));
    if (column !== undefined) columnOf.set(field, column);
  }
  for (const required of ['outputTokensPerSecond', 'ntpotMilliseconds']) {
    if (!columnOf.has(required)) {
      throw new Error(`addBenchmarksFromCsv: no column for ${required} (accepted headers: ${CSV_COLUMNS[required as 'ntpotMilliseconds'].join(', ')}, `
        + `matched without case and punctuation); the header is: ${header.join(', ')}`);
    }
  }
  return rows.map((row, i) => {
    const where = `CSV record ${i + 2}`;
    const point: Record<string, unknown> = { where };
    for (const [field, column] of columnOf) {
      point[field] = NUMERIC.has(field) ? numberOf(row[column], `${where}, column '${column}'`) : textOf(row[column]);
    }
    return point as unknown as ParsedBenchmark;
  });
}

/** The value at a path of keys, each matched by `normalizeKey`. */
function at(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    const entry = Object.entries(cur as Record<string, unknown>).find(([k]) => normalizeKey(k) === normalizeKey(key));
    cur = entry?.[1];
  }
  return cur;
}

function first(obj: unknown, paths: string[][]): unknown {
  for (const p of paths) {
    const v = at(obj, ...p);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

/** Points of a GKE Inference Quickstart profile: one per entry of `performanceStats`. */
function giqProfile(profile: unknown, where: string): ParsedBenchmark[] {
  const stats = at(profile, 'performanceStats');
  const list = Array.isArray(stats) ? stats : [stats];
  const common = {
    model: textOf(at(profile, 'modelServerInfo', 'model')),
    modelServer: textOf(at(profile, 'modelServerInfo', 'modelServer')),
    modelServerVersion: textOf(at(profile, 'modelServerInfo', 'modelServerVersion')),
    acceleratorType: textOf(at(profile, 'acceleratorType')),
    acceleratorCount: numberOf(at(profile, 'resourcesUsed', 'acceleratorCount'), `${where} resourcesUsed.acceleratorCount`),
    instanceType: textOf(at(profile, 'instanceType')),
    // the REST response's workloadSpec {useCase, averageInputLength, averageOutputLength}
    useCase: textOf(at(profile, 'workloadSpec', 'useCase')),
    averageInputTokens: numberOf(at(profile, 'workloadSpec', 'averageInputLength'), `${where} workloadSpec.averageInputLength`),
    averageOutputTokens: numberOf(at(profile, 'workloadSpec', 'averageOutputLength'), `${where} workloadSpec.averageOutputLength`),
  };
  return list.map((s, i) => {
    const w = `${where} performanceStats[${i}]`;
    return {
      ...common,
      outputTokensPerSecond: numberOf(at(s, 'outputTokensPerSecond'), `${w}.outputTokensPerSecond`),
      ntpotMilliseconds: numberOf(at(s, 'ntpotMilliseconds'), `${w}.ntpotMilliseconds`),
      ttftMilliseconds: numberOf(at(s, 'ttftMilliseconds'), `${w}.ttftMilliseconds`),
      inputTokensPerSecond: numberOf(at(s, 'inputTokensPerSecond'), `${w}.inputTokensPerSecond`),
      where: w,
    };
  });
}

/**
 * The point of one inference-benchmark result (one request rate). NTPOT is the P50 normalized time per
 * output token when the file has it (GIQ's targets are P50), else the mean. The legacy keys of ai-on-gke's
 * profile-generator (before AI-Hypercomputer/inference-benchmark renamed them in 2025-04): `*_per_output_token_latency` in
 * milliseconds ("milliseconds/output_token", from 2024-09-26; seconds for the three weeks before, read as such below
 * 1, which no server reaches in milliseconds), `*_TTFT` in seconds ("Time to First Token (s)") and `input_tokens_per_min`.
 */
function inferenceBenchmarkResult(result: unknown, where: string): ParsedBenchmark {
  const m = at(result, 'metrics');
  const ms = (paths: string[][], scale: number, what: string) => {
    const v = numberOf(first(m, paths), `${where} metrics.${what}`);
    return v === undefined ? undefined : v * scale;
  };
  const legacyNtpot = ms([['median_per_output_token_latency'], ['avg_per_output_token_latency']], 1, 'per_output_token_latency');
  return {
    model: textOf(first(result, [['dimensions', 'model_id'], ['config', 'model']])),
    modelServer: textOf(first(result, [['config', 'model_server'], ['dimensions', 'backend']]))?.toLowerCase(),
    // output_tokens_per_min is in every profile-generator version (the current tool writes only 'throughput'); 'throughput' was
    // requests/s before 2024-09-30 (ai-on-gke #839, "Fix throughput to be in output tokens per second")
    outputTokensPerSecond: ms([['output_tokens_per_min']], 1 / 60, 'output_tokens_per_min')
      ?? ms([['throughput'], ['output_tokens_per_second'], ['output_throughput']], 1, 'throughput'),
    ntpotMilliseconds: ms([['median_normalized_time_per_output_token_ms'], ['avg_normalized_time_per_output_token_ms']], 1, 'normalized_time_per_output_token_ms')
      ?? (legacyNtpot === undefined ? undefined : legacyNtpot < 1 ? legacyNtpot * 1000 : legacyNtpot),
    ttftMilliseconds: ms([['median_ttft_ms'], ['avg_ttft_ms']], 1, 'ttft_ms') ?? ms([['median_TTFT'], ['avg_TTFT']], 1000, 'TTFT'),
    inputTokensPerSecond: ms([['input_tokens_per_second'], ['input_tokens_per_sec'], ['input_throughput']], 1, 'input_tokens_per_sec')
      ?? ms([['input_tokens_per_min']], 1 / 60, 'input_tokens_per_min'),
    averageInputTokens: ms([['avg_input_len']], 1, 'avg_input_len'),
    averageOutputTokens: ms([['avg_output_len']], 1, 'avg_output_len'),
    where,
  };
}

/**
 * The point of a `vllm bench serve --save-result` file (vllm/benchmarks/serve.py): `output_throughput`, and NTPOT as the median over
 * requests of (TTFT + inter-token gaps) / output tokens when the file keeps them per request (`ttfts`, `itls`, `output_lens`, in
 * seconds, with `--save-detailed`), else the mean end-to-end latency over the mean output length (`mean_e2el_ms`,
 * `total_output_tokens / completed`), which equals it when outputs are of one length.
 */
function vllmBenchResult(result: unknown, where: string): ParsedBenchmark {
  const num = (key: string) => numberOf(at(result, key), `${where} ${key}`);
  const completed = num('completed');
  const outputs = num('total_output_tokens');
  const inputs = num('total_input_tokens');
  const lens = at(result, 'output_lens');
  const ttfts = at(result, 'ttfts');
  const itls = at(result, 'itls');
  let ntpot: number | undefined;
  const perRequestLists = Array.isArray(lens) && Array.isArray(ttfts) && Array.isArray(itls);
  if (perRequestLists && lens.length > 0 && lens.length === ttfts.length && lens.length === itls.length) {
    const perRequest = lens.map((n, i) => {
      const gaps = itls[i];
      const seconds = Number(ttfts[i]) + (Array.isArray(gaps) ? gaps.reduce((a: number, b: unknown) => a + Number(b), 0) : 0);
      return (1000 * seconds) / Number(n);
    }).filter((v) => Number.isFinite(v) && v > 0).sort((a, b) => a - b);
    if (perRequest.length > 0) {
      const mid = Math.floor(perRequest.length / 2);
      ntpot = perRequest.length % 2 ? perRequest[mid] : (perRequest[mid - 1] + perRequest[mid]) / 2;
    }
  }
  const meanLatency = num('mean_e2el_ms');
  if (ntpot === undefined && meanLatency !== undefined && completed && outputs) ntpot = meanLatency / (outputs / completed);
  // the default --percentile-metrics (ttft,tpot,itl) save no end-to-end latency: a mean request is its TTFT and (output - 1) TPOTs
  const meanTtft = num('mean_ttft_ms');
  const meanTpot = num('mean_tpot_ms');
  if (ntpot === undefined && meanTtft !== undefined && meanTpot !== undefined && completed && outputs) {
    const mean = outputs / completed;
    ntpot = (meanTtft + Math.max(0, mean - 1) * meanTpot) / mean;
  }
  return {
    model: textOf(at(result, 'model_id')),
    outputTokensPerSecond: num('output_throughput'),
    ntpotMilliseconds: ntpot,
    ttftMilliseconds: num('median_ttft_ms') ?? num('mean_ttft_ms'),
    inputTokensPerSecond: inputs !== undefined && num('duration') ? inputs / num('duration')! : undefined,
    averageInputTokens: inputs !== undefined && completed ? inputs / completed : undefined,
    averageOutputTokens: outputs !== undefined && completed ? outputs / completed : undefined,
    where,
  };
}

/**
 * JSON as Python's json.dump writes it for a float infinity or NaN (`"request_rate": Infinity` for inference-benchmark's unthrottled
 * rate): those bare words are not JSON, and the fields they hold are not read, so they become null.
 */
function pythonJson(text: string): string {
  return text.replace(/([:\[,]\s*)-?(?:Infinity|NaN)(?=\s*[,}\]])/g, '$1null');
}

/** Points of a JSON file: a GIQ response or profile list, or one or more inference-benchmark results. */
export function parseBenchmarkJson(text: string): ParsedBenchmark[] {
  let root: unknown;
  try {
    root = JSON.parse(pythonJson(text));
  } catch (e) {
    throw new Error(`addBenchmarksFromJson: not JSON: ${(e as Error).message}`);
  }
  const profiles = at(root, 'profile') ?? at(root, 'profiles');
  const items: unknown[] = Array.isArray(root) ? root : Array.isArray(profiles) ? profiles : [root];
  const points: ParsedBenchmark[] = [];
  items.forEach((item, i) => {
    if (at(item, 'performanceStats') !== undefined) {
      points.push(...giqProfile(item, `JSON profile ${i}`));
    } else if (at(item, 'metrics') !== undefined) {
      points.push(inferenceBenchmarkResult(item, `JSON result ${i}`));
    } else if (at(item, 'output_throughput') !== undefined && at(item, 'completed') !== undefined) {
      points.push(vllmBenchResult(item, `JSON result ${i}`));
    } else {
      throw new Error(`addBenchmarksFromJson: item ${i} is neither a GKE Inference Quickstart profile (with performanceStats), `
        + 'an inference-benchmark result (with metrics) nor a vllm bench serve result (with output_throughput and completed)');
    }
  });
  if (points.length === 0) throw new Error('addBenchmarksFromJson: the file holds no benchmark point');
  return points;
}

/** True for a point the file labels as an estimate (the library's `estimated` or `interpolated` points). */
export function isEstimatedPoint(p: ParsedBenchmark): boolean {
  return [p.dataSource, p.pointKind].some((v) => v !== undefined && /^(estimated|interpolated)$/i.test(v.trim()));
}
