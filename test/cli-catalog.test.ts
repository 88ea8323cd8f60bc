import { parseAllDocuments } from 'yaml';
import { Capacity, InferenceResolver } from '../src';
import { cli, fails, ok, parseCsv } from './support/cli';
import { Catalog } from '../src/catalog/catalog';
import { profileCurves } from '../src/performance/profiles';

const GEMMA = 'google/gemma-2-27b-it';
const catalog = Catalog.EMBEDDED;
const r3 = (x: number | undefined) => (x === undefined ? null : Math.round(x * 1000) / 1000);
const curvesOf = (model: string) => profileCurves(catalog).filter((c) => c.model.toLowerCase() === model.toLowerCase());

test('models list: every catalog model, sorted, with its profile counts and gating', () => {
  const rows = JSON.parse(ok('models list --format=json'));
  expect(rows).toHaveLength(catalog.models.length);
  const ids = rows.map((r: any) => r.model.toLowerCase());
  expect(ids).toEqual([...ids].sort());
  const gemma = rows.find((r: any) => r.model === GEMMA);
  expect(gemma).toEqual({
    model: GEMMA,
    profiles: curvesOf(GEMMA).length,
    measuredProfiles: curvesOf(GEMMA).filter((c) => c.source === 'measured').length,
    gating: 'gated',
    parametersBillionsCount: catalog.model(GEMMA)!.paramsTotalB,
    maxContextLength: catalog.model(GEMMA)!.maxContext ?? null,
    modelSizeGb: catalog.model(GEMMA)!.checkpointWeightsGb,
  });
  expect(gemma.measuredProfiles).toBeGreaterThanOrEqual(3);
  const csv = parseCsv(ok('models list --format=csv'));
  expect(Object.keys(csv[0])).toEqual(['model', 'profiles', 'measuredProfiles', 'gating']);
  expect(csv.find((r) => r.model === 'openai/gpt-oss-20b')).toEqual({
    model: 'openai/gpt-oss-20b',
    profiles: String(curvesOf('openai/gpt-oss-20b').length),
    measuredProfiles: String(curvesOf('openai/gpt-oss-20b').filter((c) => c.source === 'measured').length),
    gating: 'not-gated',
  });
  expect(parseAllDocuments(ok('models list --format=yaml')).map((d) => d.toJS())).toEqual(rows);
  expect(ok('models list').split('\n')[0].split(/\s{2,}/)).toEqual(['MODEL', 'PROFILES', 'MEASURED', 'GATING']);
});

test('model-servers list and model-server-versions list: what has profiles for the model, newest version first', () => {
  const servers = JSON.parse(ok(`model-servers list --model=${GEMMA} --format=json`));
  expect(servers.map((x: any) => x.modelServer)).toEqual(['vllm', 'tgi', 'jetstream']);
  expect(servers.reduce((a: number, x: any) => a + x.profiles, 0)).toBe(curvesOf(GEMMA).length);
  const versions = JSON.parse(ok(`model-server-versions list --model=${GEMMA} --model-server=vllm --format=json`));
  expect(versions.find((v: any) => v.modelServerVersion === 'v0.7.2')).toEqual({
    modelServerVersion: 'v0.7.2', image: 'vllm/vllm-openai:v0.7.2', profiles: curvesOf(GEMMA).filter((c) => c.modelServerVersion === 'v0.7.2').length,
  });
  const newestFirst = catalog.versionsNewestFirst(catalog.modelServer('vllm')!).map((v) => v.version);
  expect(versions.map((v: any) => v.modelServerVersion)).toEqual(newestFirst.filter((v) => versions.some((x: any) => x.modelServerVersion === v)));
  for (const v of versions) expect(v.profiles).toBeGreaterThan(0);
  expect(JSON.parse(ok('model-server-versions list --model=openai/gpt-oss-20b --model-server=vllm --format=json'))
    .map((v: any) => v.modelServerVersion)).toContain('gptoss');
  // case-insensitive ids, as the Hub resolves them
  expect(ok(`model-servers list --model=${GEMMA.toUpperCase()}`)).toBe(ok(`model-servers list --model=${GEMMA}`));
});

test('fails for a model without profiles, a server without profiles, or an unknown version, naming what exists', () => {
  const noProfiles = catalog.models.find((m) => curvesOf(m.id).length === 0);
  if (noProfiles) expect(fails(`model-servers list --model=${noProfiles.id}`)).toMatch(/No profile for .* in this version\. Models with profiles: .*google\/gemma-2-27b-it/);
  expect(fails(`model-server-versions list --model=${GEMMA} --model-server=sglang`)).toMatch(/Unknown model server 'sglang' \(--model-server\)\. Known servers: vllm, tgi/);
  expect(fails(`accelerators list --model=${GEMMA} --model-server-version=v9`)).toMatch(/Unknown model server version 'v9' \(--model-server-version\).*Known versions: v0\.7\.2/);
});

test('use-cases list: gcloud\'s columns, unknown lengths N/A, and which use case has profiles', () => {
  const csv = parseCsv(ok('use-cases list --format=csv'));
  expect(Object.keys(csv[0])).toEqual(['useCase', 'averageInputLength', 'averageOutputLength', 'profiles']);
  expect(csv).toHaveLength(catalog.useCases.length);
  expect(csv.find((r) => r.useCase === 'Deep Research')).toEqual({ useCase: 'Deep Research', averageInputLength: '256', averageOutputLength: '4096', profiles: '0' });
  // measured profiles exist for the workload they were measured on only; Chatbot (ShareGPT) is the ShareGPT means the profiles use
  expect(csv.find((r) => r.useCase === 'Chatbot (ShareGPT)')).toEqual({
    useCase: 'Chatbot (ShareGPT)',
    averageInputLength: String(catalog.measuredWorkload.meanInputTokens),
    averageOutputLength: String(catalog.measuredWorkload.meanOutputTokens),
    profiles: String(profileCurves(catalog).filter((c) => c.source === 'measured').length),
  });
  expect(csv.find((r) => r.useCase === 'Code Generation')).toMatchObject({ averageInputLength: '', averageOutputLength: '' });
  const json = JSON.parse(ok('use-cases list --format=json'));
  expect(json.find((r: any) => r.useCase === 'Deep Research')).toEqual({
    useCase: 'Deep Research',
    averageInputLength: 256,
    averageOutputLength: 4096,
    profiles: 0,
    publishedAverageInputLength: 256,
    publishedAverageOutputLength: 4096,
    exact: true,
  });
  // GIQ's published chatbot figure stays in the structured output
  expect(json.find((r: any) => r.useCase === 'Chatbot (ShareGPT)')).toMatchObject({ publishedAverageInputLength: 128, averageInputLength: 226 });
  expect(ok('use-cases list').split('\n').find((l) => l.startsWith('Code Generation'))!.split(/\s{2,}/)).toEqual(['Code Generation', 'N/A', 'N/A', '0']);
});

test('accelerators list: one row per accelerator at its inflection point, as the resolver sees it, cheapest first', () => {
  // JSON and YAML records nest as gcloud's AcceleratorOption does (what `gcloud alpha container ai profiles accelerators list
  // --format=yaml` prints), with the library's figures beside gcloud's
  const all = JSON.parse(ok(`accelerators list --model=${GEMMA} --format=json`));
  // without --model-server, every server's, as gcloud's "defaults to any model server"
  expect(new Set(all.map((r: any) => r.modelAndModelServerInfo.modelServerName))).toEqual(new Set(['vllm', 'tgi', 'jetstream']));
  expect(new Set(all.map((r: any) => `${r.modelAndModelServerInfo.modelServerName} ${r.acceleratorType} x${r.resourcesUsed.acceleratorCount}`)).size)
    .toBe(all.length);
  const rows = all.filter((r: any) => r.modelAndModelServerInfo.modelServerName === 'vllm');
  const keys = new Set(curvesOf(GEMMA).map((c) => `${c.acceleratorType} x${c.acceleratorCount}`));
  const rowKeys = rows.map((r: any) => `${r.acceleratorType} x${r.resourcesUsed.acceleratorCount}`);
  expect(new Set(rowKeys).size).toBe(rows.length);
  for (const k of rowKeys) expect(keys.has(k)).toBe(true);
  for (const acc of new Set<string>(rows.map((r: any) => r.acceleratorType))) {
    // (A4X, GB200's machine, comes only through reservations: the resolver needs one; unpriced either way)
    const reserved = acc === 'nvidia-gb200' ? { capacity: Capacity.RESERVATION, reservationName: 'gb200' } : {};
    const res = InferenceResolver.resolve({ model: GEMMA, acceleratorType: acc, ...reserved });
    const row = rows.find((r: any) => r.acceleratorType === acc && r.resourcesUsed.acceleratorCount === res.acceleratorCount);
    expect(row).toEqual({
      acceleratorType: acc,
      resourcesUsed: { acceleratorCount: res.acceleratorCount },
      machineType: res.instanceType,
      modelAndModelServerInfo: { modelName: GEMMA, modelServerName: 'vllm', modelServerVersion: res.modelServerVersion },
      performanceStats: {
        outputTokensPerSecond: Math.round(res.performance.outputTokensPerSecond),
        ntpotMilliseconds: Math.round(res.performance.ntpotMilliseconds),
        ttftMilliseconds: res.performance.ttftMilliseconds === undefined ? null : Math.round(res.performance.ttftMilliseconds),
        costPerMillionOutputTokens: r3(res.cost.costPerMillionOutputTokens),
      },
      source: res.source,
      band: res.uncertainty ? `x${(res.uncertainty.outputTokensPerSecondHigh! / res.performance.outputTokensPerSecond).toFixed(2)}` : null,
      operatingPoint: 'inflection',
      pricingModel: 'spot',
      region: 'us-central1',
    });
  }
  // YAML: the same records, one document each as gcloud prints a listing
  expect(parseAllDocuments(ok(`accelerators list --model=${GEMMA} --model-server=vllm --format=yaml`)).map((d) => d.toJS())).toEqual(rows);
  // gcloud's dotted keys work in --filter, --sort-by and projections, as the flat names do
  expect(ok(`accelerators list --model=${GEMMA} --model-server=vllm --filter=resourcesUsed.acceleratorCount=4 --sort-by=~performanceStats.ntpotMilliseconds `
    + '--format=value(machineType,ntpotMilliseconds)')).toBe(rows.filter((r: any) => r.resourcesUsed.acceleratorCount === 4)
    .sort((a: any, b: any) => b.performanceStats.ntpotMilliseconds - a.performanceStats.ntpotMilliseconds)
    .map((r: any) => `${r.machineType}\t${r.performanceStats.ntpotMilliseconds}\n`).join(''));
  const costs = rows.map((r: any) => r.performanceStats.costPerMillionOutputTokens);
  const priced = costs.filter((c: number | null) => c !== null);
  expect(costs.slice(0, priced.length)).toEqual([...priced].sort((a, b) => a - b));
  const table = ok(`accelerators list --model=${GEMMA} --model-server=vllm`).split('\n');
  expect(table[0].split(/\s{2,}/)).toEqual(['ACCELERATOR', 'COUNT', 'INSTANCE TYPE', 'OUTPUT TOKENS/S', 'NTPOT(MS)', 'TTFT(MS)', 'COST/M OUTPUT TOKENS',
    'MODEL SERVER', 'MODEL SERVER VERSION', 'SOURCE', 'BAND']);
  // the published L4 point takes precedence over the estimate for 4 x L4
  expect(table.find((l) => /^nvidia-l4\s+4\s/.test(l))!.split(/\s{2,}/).slice(0, 5)).toEqual(['nvidia-l4', '4', 'g2-standard-48', '425', '1085']);
});

test('accelerators list --max-ntpot-milliseconds keeps the accelerators that reach it, at the operating point for it', () => {
  const rows = JSON.parse(ok(`accelerators list --model=${GEMMA} --max-ntpot-milliseconds=68 --format=json`));
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) {
    expect(r.performanceStats.ntpotMilliseconds).toBeLessThanOrEqual(68);
    expect(r.operatingPoint).toBe('targets');
  }
  expect(rows.map((r: any) => r.acceleratorType)).toContain('nvidia-h100-80gb');
  const none = cli(`accelerators list --model=${GEMMA} --max-ntpot-milliseconds=5`);
  expect(none).toMatchObject({ code: 0, out: '' });
  expect(none.err).toMatch(/^Listed 0 items\. .*meets NTPOT <= 5 ms .*achievable NTPOT \d/);
});

test('gcloud command lines pasted as they are: the release track, use-case list, --model-server-version=all, --target-itl-milliseconds', () => {
  // GA gcloud names the group use-case (lib/surface/container/ai/profiles/use_case); accelerators list exists in alpha only
  expect(ok('alpha container ai profiles use-case list --format=csv')).toBe(ok('use-cases list --format=csv'));
  expect(ok(`alpha container ai profiles accelerators list --model=${GEMMA} --format=csv`)).toBe(ok(`accelerators list --model=${GEMMA} --format=csv`));
  // "Other options include ... all which returns all versions": every version's profile, where the default keeps the resolver's one
  const every = JSON.parse(ok(`profiles list --model=${GEMMA} --model-server=vllm --model-server-version=all --format=json`));
  const chosen = JSON.parse(ok(`profiles list --model=${GEMMA} --model-server=vllm --format=json`));
  expect(every.length).toBeGreaterThan(chosen.length);
  expect(new Set(every.map((r: any) => r.modelServerVersion)).size).toBeGreaterThan(1);
  // the catalog publishes no inter-token latency: the flag is refused as manifests create refuses it, not as unknown
  expect(fails(`profiles list --model=${GEMMA} --target-itl-milliseconds=20`)).toMatch(/--target-itl-milliseconds is not supported: .*use --target-ntpot-milliseconds/);
});

test('manifests create comments name the flags, not the construct\'s props and enum members', () => {
  const out = ok('manifests create --model=google/gemma-2-27b-it --model-server=vllm --accelerator-type=nvidia-l4 --output=comments');
  expect(out).toContain('choose on-demand or reserved capacity (--capacity on-demand or reservation)');
  expect(out).not.toMatch(/Capacity\.ON_DEMAND|'capacity'/);
});

test('curves at --max-model-length are only those a replica can hold, as the profile listings keep only those', () => {
  const at = (length: number) => new Set(JSON.parse(ok('benchmarks list --model=meta-llama/Llama-3.1-8B-Instruct --model-server=vllm '
    + `--max-model-length=${length} --format=json`)).map((r: any) => `${r.acceleratorType} x${r.acceleratorCount}`));
  // one L4 holds 16 GB of weights and ~13k tokens of KV cache: no 131072-token request
  expect(at(8192).has('nvidia-l4 x1')).toBe(true);
  expect(at(131072).has('nvidia-l4 x1')).toBe(false);
  expect(at(131072).has('nvidia-h100-80gb x1')).toBe(true);
  // manifests create takes no 'all' version (its help says so by omission)
  expect(ok('manifests create --help')).not.toMatch(/or all for every version/);
  expect(ok('profiles list --help')).toMatch(/or all for every version/);
});
