import { parseAllDocuments } from 'yaml';
import { Capacity, InferenceResolver, PricingModel } from '../src';
import { cli, fails, ok, parseCsv, parseXml } from './support/cli';
import { Catalog } from '../src/catalog/catalog';
import { inflectionPoint } from '../src/performance/curve';
import { profileCurves } from '../src/performance/profiles';
import { profileCurves as resolverCurves } from '../src/resolver/resolver';

const GEMMA = 'google/gemma-2-27b-it';
const curvesOf = (model: string) => profileCurves(Catalog.EMBEDDED).filter((c) => c.model.toLowerCase() === model.toLowerCase());
const r0 = (x: number | undefined) => (x === undefined ? null : Math.round(x));
const r3 = (x: number | undefined) => (x === undefined ? null : Math.round(x * 1000) / 1000);

const GIQ_COLUMNS = ['instanceType', 'acceleratorType', 'acceleratorCount', 'costPerMillionInputTokens', 'costPerMillionOutputTokens', 'outputTokensPerSecond',
  'ntpotMilliseconds', 'ttftMilliseconds', 'modelServer', 'modelServerVersion', 'model', 'source'];

test('profiles list --format=json: one row per profile of the model at its inflection point, priced exactly as the resolver prices it', () => {
  const all = JSON.parse(ok(`profiles list --model=${GEMMA} --format=json`));
  // without --model-server, every server's profiles, as gcloud ("If not specified, this defaults to any model server")
  expect(new Set(all.map((r: any) => r.modelServer))).toEqual(new Set(['vllm', 'tgi', 'jetstream']));
  // one row per server, accelerator type and count (the curve the resolver would use), each of an existing curve
  const keys = all.map((r: any) => `${r.modelServer} ${r.acceleratorType} x${r.acceleratorCount}`);
  expect(new Set(keys).size).toBe(all.length);
  for (const r of all) {
    expect(curvesOf(GEMMA).some((c) => c.modelServer === r.modelServer && c.acceleratorType === r.acceleratorType
      && c.acceleratorCount === r.acceleratorCount && c.modelServerVersion === r.modelServerVersion && c.source === r.source)).toBe(true);
  }
  const rows = all.filter((r: any) => r.modelServer === 'vllm');
  expect(JSON.parse(ok(`profiles list --model=${GEMMA} --model-server=vllm --format=json`))).toEqual(rows);
  // GIVEN the published seed point (gemma-2-27b on one H100)
  const h100 = rows.find((r: any) => r.acceleratorType === 'nvidia-h100-80gb' && r.acceleratorCount === 1 && r.modelServerVersion === 'v0.7.2');
  expect(h100).toMatchObject({
    instanceType: 'a3-highgpu-1g',
    outputTokensPerSecond: 2050,
    ntpotMilliseconds: 67,
    ttftMilliseconds: null,
    modelServer: 'vllm',
    model: GEMMA,
    source: 'measured',
    operatingPoint: 'inflection',
    pointKind: 'measured',
    pricingModel: 'spot',
    region: 'us-central1',
  });
  // THEN every row the resolver would pick for its accelerator carries the resolver's numbers
  for (const acc of new Set<string>(rows.map((r: any) => r.acceleratorType))) {
    // (A4X, GB200's machine, comes only through reservations: the resolver needs one; unpriced either way)
    const reserved = acc === 'nvidia-gb200' ? { capacity: Capacity.RESERVATION, reservationName: 'gb200' } : {};
    const res = InferenceResolver.resolve({ model: GEMMA, acceleratorType: acc, ...reserved });
    const row = rows.find((r: any) => r.acceleratorType === acc && r.acceleratorCount === res.acceleratorCount
      && r.modelServerVersion === res.modelServerVersion);
    expect(row).toEqual({
      instanceType: res.instanceType,
      acceleratorType: acc,
      acceleratorCount: res.acceleratorCount,
      costPerMillionInputTokens: r3(res.cost.costPerMillionInputTokens),
      costPerMillionOutputTokens: r3(res.cost.costPerMillionOutputTokens),
      outputTokensPerSecond: Math.round(res.performance.outputTokensPerSecond),
      ntpotMilliseconds: Math.round(res.performance.ntpotMilliseconds),
      ttftMilliseconds: res.performance.ttftMilliseconds === undefined ? null : Math.round(res.performance.ttftMilliseconds),
      modelServer: 'vllm',
      modelServerVersion: res.modelServerVersion,
      model: GEMMA,
      source: res.source,
      // the band's factor, as the resolver's band gives it (x3.00 on TPUs), none for a measured profile
      band: res.uncertainty ? `x${(res.uncertainty.outputTokensPerSecondHigh! / res.performance.outputTokensPerSecond).toFixed(2)}` : null,
      operatingPoint: 'inflection',
      // the request length the row is for, the resolver's default
      maxModelLength: res.maxModelLength,
      pointKind: res.performance.pointKind,
      pricingModel: 'spot',
      region: 'us-central1',
      costPerHour: res.cost.costPerHour ?? null,
      podsPerNode: res.podsPerNode ?? 1,
      outputTokensPerSecondLow: r0(res.uncertainty?.outputTokensPerSecondLow),
      outputTokensPerSecondHigh: r0(res.uncertainty?.outputTokensPerSecondHigh),
      ntpotMillisecondsLow: r0(res.uncertainty?.ntpotMillisecondsLow),
      ntpotMillisecondsHigh: r0(res.uncertainty?.ntpotMillisecondsHigh),
      ttftMillisecondsLow: r0(res.uncertainty?.ttftMillisecondsLow),
      ttftMillisecondsHigh: r0(res.uncertainty?.ttftMillisecondsHigh),
      costPerMillionOutputTokensLow: r3(res.uncertainty?.costPerMillionOutputTokensLow),
      costPerMillionOutputTokensHigh: r3(res.uncertainty?.costPerMillionOutputTokensHigh),
    });
    // estimates carry their band, measured profiles none
    if (res.source === 'estimated') expect(row.outputTokensPerSecondLow).toBeLessThan(row.outputTokensPerSecond);
    else expect(row.outputTokensPerSecondLow).toBeNull();
  }
  // cheapest per million output tokens first, unpriced last
  const costs = rows.map((r: any) => r.costPerMillionOutputTokens);
  const priced = costs.filter((c: number | null) => c !== null);
  expect(costs.slice(0, priced.length)).toEqual([...priced].sort((a, b) => a - b));
});

test('profiles list: CSV, YAML and the table carry the same rows; CSV shows GIQ\'s columns plus the source, the table also the count', () => {
  const json = JSON.parse(ok(`profiles list --model=${GEMMA} --format=json`));
  const csv = parseCsv(ok(`profiles list --model=${GEMMA} --format=csv`));
  expect(csv).toHaveLength(json.length);
  expect(Object.keys(csv[0])).toEqual(GIQ_COLUMNS);
  csv.forEach((row, i) => {
    for (const key of GIQ_COLUMNS) {
      const v = json[i][key];
      const expected = v === null ? '' : key.startsWith('cost') ? v.toFixed(3) : String(v);
      expect(`${key}=${row[key]}`).toBe(`${key}=${expected}`);
    }
  });
  expect(parseAllDocuments(ok(`profiles list --model=${GEMMA} --format=yaml`)).map((d) => d.toJS())).toEqual(json);

  const table = ok(`profiles list --model=${GEMMA}`).trimEnd().split('\n');
  // the count tells apart the rows of one packed machine (1, 2, 4 or 8 GPUs of an 8-GPU machine)
  expect(table[0].split(/\s{2,}/)).toEqual(['INSTANCE TYPE', 'ACCELERATOR', 'COUNT', 'COST/M INPUT TOKENS', 'COST/M OUTPUT TOKENS', 'OUTPUT TOKENS/S',
    'NTPOT(MS)', 'TTFT(MS)', 'MODEL SERVER', 'MODEL SERVER VERSION', 'MODEL', 'SOURCE', 'BAND']);
  expect(table).toHaveLength(json.length + 1);
  const l4 = table.find((l) => l.includes('g2-standard-48'))!.split(/\s{2,}/);
  const l4Json = json.find((r: any) => r.instanceType === 'g2-standard-48');
  expect(l4).toEqual(['g2-standard-48', 'nvidia-l4', String(l4Json.acceleratorCount), l4Json.costPerMillionInputTokens.toFixed(3), l4Json.costPerMillionOutputTokens.toFixed(3),
    String(l4Json.outputTokensPerSecond), String(l4Json.ntpotMilliseconds), l4Json.ttftMilliseconds === null ? 'N/A' : String(l4Json.ttftMilliseconds),
    l4Json.modelServer, l4Json.modelServerVersion, GEMMA, l4Json.source, l4Json.band ?? 'N/A']);
});

test('profiles list without --model lists every profile in the catalog, grouped by model', () => {
  const rows = JSON.parse(ok('profiles list --format=json'));
  const models = rows.map((r: any) => r.model.toLowerCase());
  expect(models).toEqual([...models].sort());
  // the same rows as per-model listings, model by model
  for (const model of [GEMMA, 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B']) {
    expect(rows.filter((r: any) => r.model === model)).toEqual(JSON.parse(ok(`profiles list --model=${model} --format=json`)));
  }
  const withProfiles = Catalog.EMBEDDED.models.filter((m) => profileCurves(Catalog.EMBEDDED, m.id).length > 0);
  expect(new Set(rows.map((r: any) => r.model)).size).toBe(withProfiles.length);
  const gptOss = rows.find((r: any) => r.model === 'openai/gpt-oss-20b' && r.acceleratorType === 'nvidia-h100-80gb' && r.acceleratorCount === 1);
  expect(gptOss).toMatchObject({ modelServerVersion: 'gptoss', outputTokensPerSecond: 13335, ntpotMilliseconds: 67, ttftMilliseconds: 297 });
});

test('profiles list with a latency target: rows at the operating point for the target, profiles that miss it left out', () => {
  const rows = JSON.parse(ok(`profiles list --model=${GEMMA} --target-ntpot-milliseconds=100 --format=json`));
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) {
    expect(r.ntpotMilliseconds).toBeLessThanOrEqual(100);
    expect(r.operatingPoint).toBe('targets');
  }
  expect(rows.find((r: any) => r.acceleratorType === 'nvidia-l4' && r.acceleratorCount === 4 && r.modelServerVersion === 'v0.7.2')).toBeUndefined();
  const res = InferenceResolver.resolve({ model: GEMMA, acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 100 });
  const h100 = rows.find((r: any) => r.acceleratorType === 'nvidia-h100-80gb' && r.acceleratorCount === res.acceleratorCount
    && r.modelServerVersion === res.modelServerVersion);
  expect(h100.outputTokensPerSecond).toBe(Math.round(res.performance.outputTokensPerSecond));
  expect(h100.costPerMillionOutputTokens).toBe(r3(res.cost.costPerMillionOutputTokens));
});

test('profiles list cost targets filter the rows; pricing model and region change the costs', () => {
  const all = JSON.parse(ok(`profiles list --model=${GEMMA} --format=json`));
  const outCosts = all.map((r: any) => r.costPerMillionOutputTokens).filter((c: number | null) => c !== null).sort((a: number, b: number) => a - b);
  const maxOut = outCosts[Math.floor(outCosts.length / 2)] + 0.0005;
  const cheap = JSON.parse(ok(`profiles list --model=${GEMMA} --target-cost-per-million-output-tokens=${maxOut} --format=json`));
  expect(cheap).toHaveLength(all.filter((r: any) => r.costPerMillionOutputTokens !== null && r.costPerMillionOutputTokens <= maxOut).length);
  expect(cheap.length).toBeLessThan(all.length);
  for (const r of cheap) expect(r.costPerMillionOutputTokens).toBeLessThanOrEqual(maxOut);
  // a target equal to a row's printed cost keeps that row (compared at the 3 decimals printed, as --filter compares)
  const median = outCosts[Math.floor(outCosts.length / 2)];
  const atPrinted = JSON.parse(ok(`profiles list --model=${GEMMA} --target-cost-per-million-output-tokens=${median} --format=json`));
  const byFilter = JSON.parse(ok(['profiles', 'list', `--model=${GEMMA}`, `--filter=costPerMillionOutputTokens<=${median}`, '--format=json']));
  expect(atPrinted).toEqual(byFilter);
  expect(atPrinted.some((r: any) => r.costPerMillionOutputTokens === median)).toBe(true);
  const maxIn = Math.min(...all.filter((r: any) => r.costPerMillionInputTokens !== null).map((r: any) => r.costPerMillionInputTokens)) + 0.0005;
  const cheapIn = JSON.parse(ok(`profiles list --model=${GEMMA} --target-cost-per-million-input-tokens=${maxIn} --format=json`));
  for (const r of cheapIn) expect(r.costPerMillionInputTokens).toBeLessThanOrEqual(maxIn);
  expect(cheapIn.length).toBeGreaterThan(0);

  const onDemand = JSON.parse(ok(`profiles list --model=${GEMMA} --pricing-model=on-demand --region=us-east5 --format=json`));
  const res = InferenceResolver.resolve({ model: GEMMA, acceleratorType: 'nvidia-h100-80gb', pricingModel: PricingModel.ON_DEMAND, region: 'us-east5' });
  const h100 = onDemand.find((r: any) => r.acceleratorType === 'nvidia-h100-80gb' && r.acceleratorCount === res.acceleratorCount
    && r.modelServerVersion === res.modelServerVersion);
  expect(h100).toMatchObject({ pricingModel: 'on-demand', region: 'us-east5', costPerHour: res.cost.costPerHour ?? null });
  expect(h100.costPerMillionOutputTokens).toBe(r3(res.cost.costPerMillionOutputTokens));
});

/** As gcloud: an empty list on standard output, exit 0, and `Listed 0 items.` with the reason on standard error. */
function empty(args: string): string {
  const r = cli(args);
  expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: args.includes('--format=json') ? '[]\n' : '' });
  expect(r.err).toMatch(/^Listed 0 items\. /);
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  return r.err.trimEnd();
}

test('an empty list with the cheapest cost when no profile meets a cost target', () => {
  const err = empty(`profiles list --model=${GEMMA} --target-cost-per-million-output-tokens=0.001`);
  expect(empty(`profiles list --model=${GEMMA} --target-cost-per-million-output-tokens=0.001 --format=json`)).toBe(err);
  expect(err).toMatch(/No profile of google\/gemma-2-27b-it costs at most \$0\.001\/M output tokens \(spot, us-central1\): the cheapest of the \d+ profiles .* at \$\d+\.\d{3}\/M output/);
});

test('an empty list with the achievable range when no profile meets a latency target', () => {
  expect(empty(`profiles list --model=${GEMMA} --target-ntpot-milliseconds=1`))
    .toMatch(/No profile of google\/gemma-2-27b-it meets NTPOT <= 1 ms \(\d+ profiles\): achievable NTPOT \d+(\.\d)?-\d+(\.\d)? ms\.$/);
  expect(empty('profiles list --model=openai/gpt-oss-20b --target-ttft-milliseconds=1'))
    .toMatch(/meets TTFT <= 1 ms \(\d+ profiles\): achievable NTPOT [\d.]+-[\d.]+ ms; achievable TTFT [\d.]+-[\d.]+ ms \(\d+ of \d+ profiles publish TTFT\)\.$/);
});

test('--use-case accepts the catalog\'s names and sets the workload; measured profiles stay measured only for their own', () => {
  const plain = ok(`profiles list --model=${GEMMA} --format=json`);
  expect(ok(['profiles', 'list', `--model=${GEMMA}`, '--format=json', '--use-case=Chatbot (ShareGPT)'])).toBe(plain);
  expect(ok(`profiles list --model=${GEMMA} --format=json --use-case=chatbot`)).toBe(plain);
  const chat = JSON.parse(plain);
  const research = JSON.parse(ok(`profiles list --model=${GEMMA} --format=json --use-case=deep-research`));
  expect(chat.some((r: any) => r.source === 'measured')).toBe(true);
  expect(research.every((r: any) => r.source === 'estimated')).toBe(true);
  // Deep Research writes 4096 tokens per request: output per request is 20x ShareGPT's, so the same replica serves far fewer requests
  expect(research.length).toBeGreaterThan(0);
  // explicit lengths, also on benchmarks list and accelerators list
  const rag = parseCsv(ok(`benchmarks list --model=${GEMMA} --model-server=vllm --average-input-tokens=4000 --average-output-tokens=200`));
  expect(rag.every((r) => r.source === 'estimated')).toBe(true);
  const sum = (k: string) => rag.reduce((t, r) => t + Number(r[k]), 0);
  expect(sum('inputTokensPerSecond') / sum('outputTokensPerSecond')).toBeCloseTo(20, 1);
  expect(JSON.parse(ok(`accelerators list --model=${GEMMA} --use-case=text-summarization --format=json`)).every((r: any) => r.source === 'estimated'))
    .toBe(true);
  expect(fails(`profiles list --model=${GEMMA} --use-case=poetry`)).toMatch(/Unknown use case 'poetry' \(--use-case\)\. Use cases: Advanced Customer Support, /);
  expect(fails(`profiles list --model=${GEMMA} --use-case=code-generation`))
    .toMatch(/Use case 'Code Generation' has no published average lengths \(--use-case\): give --average-input-tokens and --average-output-tokens/);
  expect(fails(`profiles list --model=${GEMMA} --average-input-tokens=0`, 2)).toMatch(/Flag --average-input-tokens must be a whole number of at least 1 such as 8192, got '0'/);
  expect(fails(`profiles list --model=${GEMMA} --average-input-tokens=2.5`, 2)).toMatch(/Flag --average-input-tokens must be a whole number of at least 1 such as 8192, got '2\.5'/);
});

const exact = (x: number) => Math.round(x * 1e6) / 1e6;

test('the listings show TPU profiles beside GPU ones, and a TPU server version lists its profiles', () => {
  // what manifests create serves on a TPU when asked is listed (it was left out, and --model-server-version=v0.11.1-tpu failed)
  const accelerators = JSON.parse(ok(`accelerators list --model=${GEMMA} --format=json`));
  const v6e = accelerators.find((r: any) => r.acceleratorType === 'tpu-v6e-slice' && r.resourcesUsed.acceleratorCount === 4);
  expect(v6e.modelAndModelServerInfo.modelServerVersion).toBe('v0.11.1-tpu');
  expect(v6e.source).toBe('estimated');
  const served = JSON.parse(ok(`profiles list --model=${GEMMA} --model-server-version=v0.11.1-tpu --format=json`));
  expect(served.length).toBeGreaterThan(0);
  expect(served.every((r: any) => r.acceleratorType.startsWith('tpu'))).toBe(true);
  expect(ok(`benchmarks list --model=${GEMMA} --model-server=vllm --model-server-version=v0.11.1-tpu`)).toMatch(/tpu-v6e-slice/);
});

test('benchmarks list prints every point of every curve as CSV, with the cost at each point and the inflection marked', () => {
  const rows = parseCsv(ok(`benchmarks list --model=${GEMMA} --model-server=vllm`));
  const vllm = Catalog.EMBEDDED.modelServer('vllm')!;
  // every accelerator listed, as if asked for: the resolver's curve per accelerator and count, TPUs included (the automatic
  // choice leaves TPU estimates out unless TPUs are asked for; a listing shows them)
  const allowedAcceleratorTypes = Catalog.EMBEDDED.accelerators.map((a) => a.gkeLabel);
  const curves = resolverCurves(Catalog.EMBEDDED, Catalog.EMBEDDED.model(GEMMA)!, vllm, { model: GEMMA, allowedAcceleratorTypes }, undefined);
  expect(curves.some((c) => c.acceleratorType === 'tpu-v6e-slice')).toBe(true);
  expect(rows).toHaveLength(curves.reduce((n, c) => n + c.points.length, 0));
  expect(Object.keys(rows[0])).toEqual(['model', 'modelServer', 'modelServerVersion', 'acceleratorType', 'acceleratorCount', 'instanceType',
    'outputTokensPerSecond', 'inputTokensPerSecond', 'ntpotMilliseconds', 'ttftMilliseconds', 'costPerMillionInputTokens',
    'costPerMillionOutputTokens', 'pricingModel', 'source', 'pointKind', 'inflection', 'concurrency', 'itlMilliseconds',
    'outputTokensPerSecondLow', 'outputTokensPerSecondHigh', 'ntpotMillisecondsLow', 'ntpotMillisecondsHigh']);
  const profiles = JSON.parse(ok(`profiles list --model=${GEMMA} --format=json`));
  for (const c of curves) {
    const mine = rows.filter((r) => r.acceleratorType === c.acceleratorType && r.acceleratorCount === String(c.acceleratorCount)
      && r.modelServerVersion === c.modelServerVersion);
    // unrounded, as GIQ's benchmarking data (to a millionth)
    expect(mine.map((r) => Number(r.outputTokensPerSecond))).toEqual(c.points.map((p) => exact(p.outputTokensPerSecond)));
    // the curve's own figures too: requests in flight, inter-token latency and the band, empty where a measured point has none
    const cell = (x: number | undefined) => (x === undefined ? '' : String(exact(x)));
    expect(mine.map((r) => [r.concurrency, r.itlMilliseconds, r.outputTokensPerSecondLow, r.ntpotMillisecondsHigh]))
      .toEqual(c.points.map((p) => [cell(p.concurrency ?? (p.outputTokensPerSecond * p.ntpotMilliseconds) / 1000), cell(p.itlMilliseconds),
        cell(p.outputTokensPerSecondLow), cell(p.ntpotMillisecondsHigh)]));
    // exactly one inflection per curve, and its cost is the profile's at the inflection
    const inflections = mine.filter((r) => r.inflection === 'true');
    expect(inflections).toHaveLength(1);
    expect(Number(inflections[0].ntpotMilliseconds)).toBe(exact(inflectionPoint(c).ntpotMilliseconds));
    const p = profiles.find((x: any) => x.acceleratorType === c.acceleratorType && x.acceleratorCount === c.acceleratorCount
      && x.modelServerVersion === c.modelServerVersion);
    if (p) {
      expect(inflections[0].costPerMillionOutputTokens).toBe(p.costPerMillionOutputTokens === null ? '' : p.costPerMillionOutputTokens.toFixed(3));
      expect(inflections[0].instanceType).toBe(p.instanceType);
    }
  }
  const l4 = rows.find((r) => r.instanceType === 'g2-standard-48' && r.modelServerVersion === 'v0.7.2')!;
  expect(l4).toMatchObject({ outputTokensPerSecond: '425', ntpotMilliseconds: '1085', ttftMilliseconds: '', pricingModel: 'spot', source: 'measured' });
  // input tokens/s from the ShareGPT means when the point publishes none: 425 x 226 / 195
  expect(l4.inputTokensPerSecond).toBe(String(exact((425 * 226) / 195)));
});

test('benchmarks list filters by instance type and prices by pricing model; JSON and SVG formats', () => {
  const rows = JSON.parse(ok(`benchmarks list --model=${GEMMA} --model-server=vllm --instance-type=g2-standard-48 --pricing-model=on-demand --format=json`));
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) expect(r).toMatchObject({ instanceType: 'g2-standard-48', acceleratorType: 'nvidia-l4', pricingModel: 'on-demand' });
  const svg = parseXml(ok(`benchmarks list --model=${GEMMA} --model-server=vllm --format=svg`));
  expect(svg.name).toBe('svg');
  expect(fails(`benchmarks list --model=${GEMMA} --model-server=vllm --instance-type=g2-standard-4`))
    .toMatch(/No profile for google\/gemma-2-27b-it on vllm on g2-standard-4\. Instance types with profiles: .*g2-standard-48/);
  expect(fails(`benchmarks list --model=${GEMMA} --model-server=vllm --instance-type=g2-standrd-48`)).toMatch(/Unknown instance type 'g2-standrd-48'.*Closest: g2-standard-48/);
});

test('--weight-precision and --kv-cache-dtype: profiles only where the hardware runs the format, flags in the manifests', () => {
  const llama = 'meta-llama/Llama-3.1-8B-Instruct';
  const rows = JSON.parse(ok(`profiles list --model=${llama} --weight-precision=nvfp4 --format=json`));
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) {
    expect(Catalog.EMBEDDED.accelerator(r.acceleratorType)!.fp4DenseTflops ?? undefined).toBeDefined();
    expect(r.source).toBe('estimated');
  }
  const yaml = ok(`manifests create --model=${GEMMA} --model-server=vllm --accelerator-type=nvidia-h100-80gb --weight-precision=fp8 --kv-cache-dtype=fp8`);
  expect(yaml).toContain('--quantization=fp8');
  expect(yaml).toContain('--kv-cache-dtype=fp8');
  expect(fails(`manifests create --model=${GEMMA} --model-server=vllm --accelerator-type=nvidia-l4 --weight-precision=nvfp4`))
    .toMatch(/Weight precision \(--weight-precision\) 'nvfp4' cannot run on nvidia-l4: .* It runs on nvidia-b200/);
  expect(fails(`profiles list --model=${GEMMA} --weight-precision=fp9`, 2)).toMatch(/--weight-precision/);
  // a format vLLM reads only from a checkpoint, on a bf16 checkpoint: no manifests that would serve bf16
  expect(fails(`manifests create --model=${llama} --model-server=vllm --accelerator-type=nvidia-l4 --weight-precision=int4-awq`))
    .toMatch(/Weight precision \(--weight-precision\) 'int4-awq' for meta-llama\/Llama-3.1-8B-Instruct: .*ships bf16 weights/);
});

test('a listing over every server says the request length each row is for: JetStream\'s 2048 beside vLLM\'s 8192', () => {
  const rows = JSON.parse(ok('profiles list --model=meta-llama/Llama-3.1-8B-Instruct --format=json'));
  const lengths = (server: string) => new Set(rows.filter((r: any) => r.modelServer === server).map((r: any) => r.maxModelLength));
  expect(lengths('jetstream')).toEqual(new Set([2048]));
  expect(lengths('vllm')).toEqual(new Set([8192]));
  // asked for, one length for every row
  const at = JSON.parse(ok('profiles list --model=meta-llama/Llama-3.1-8B-Instruct --max-model-length=4096 --format=json'));
  expect(new Set(at.map((r: any) => r.maxModelLength))).toEqual(new Set([4096]));
});

test('listings follow the resolver: under a target its one measured point cannot meet, a shape is listed with its estimate', () => {
  // GIQ's one measured 4 x L4 point is at 1085 ms; at 1084 ms the measurement cannot meet the target, the shape's estimate can
  const rows = JSON.parse(ok(`profiles list --model=${GEMMA} --target-ntpot-milliseconds=1084 --format=json`));
  const l4 = rows.filter((r: any) => r.acceleratorType === 'nvidia-l4' && r.acceleratorCount === 4 && r.modelServer === 'vllm');
  expect(l4.map((r: any) => r.source)).toEqual(['estimated']);
  const resolved = InferenceResolver.resolve({ model: GEMMA, acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1084 });
  expect(resolved.source).toBe('estimated');
  // at a target it meets, the measurement is listed
  const at1100 = JSON.parse(ok(`profiles list --model=${GEMMA} --target-ntpot-milliseconds=1100 --format=json`));
  expect(at1100.filter((r: any) => r.acceleratorType === 'nvidia-l4' && r.acceleratorCount === 4 && r.modelServer === 'vllm').map((r: any) => r.source))
    .toEqual(['measured']);
});
