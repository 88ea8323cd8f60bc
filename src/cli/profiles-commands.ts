/**
 * The profile commands: `profiles list` (one row per profile at its operating point),
 * `benchmarks list` (every point of the curves) and `profiles plot` (an SVG of throughput vs NTPOT).
 */
import { CommandSpec, FlagSpec, UsageError } from './args';
import {
  ANY_MODEL_SERVER,
  ANY_MODEL_SERVER_VERSION,
  MODEL,
  MODEL_SERVER,
  MODEL_SERVER_VERSION,
  OUTPUT_PATH,
  PRICING_MODEL,
  REGION,
  SERVING_STACK,
  SERVING_STACK_VERSION,
  TARGET_NTPOT,
  TARGET_TTFT,
  TARGET_ITL,
  USE_CASE,
  AVERAGE_INPUT_TOKENS,
  AVERAGE_OUTPUT_TOKENS,
  KV_CACHE_DTYPE,
  MAX_MODEL_LENGTH,
  WEIGHT_PRECISION,
  formatFlag,
  required,
  targetsOf,
} from './common-flags';
import { Column, Row, round, roundOrNull } from './format';
import { emptyList, printList } from './list-output';
import { emit } from './output';
import {
  SelectedCurve,
  byText,
  workloadCatalog,
  evaluateCurve,
  instanceTypeOf,
  noneMeets,
  pricingOf,
  holdingLength,
  requestedMaxModelLength,
  selectCurves,
} from './profile-query';
import { BAND_COLUMNS, PROFILE_COLUMNS, bandCells, byCostThenThroughput, profileRow } from './profile-rows';
import { PlotSeries, PlotSpec, renderSvg } from './svg';
import { Catalog } from '../catalog/catalog';
import { CurvePoint, LatencyTargets, inflectionPoint } from '../performance/curve';
import { curveKeyString } from '../performance/measured-curves';
import { perPod } from '../resolver/candidates';
import { costAt, inputTokensPerSecond } from '../resolver/cost';
import { chooseMachine, podsPerNodeOf } from '../resolver/pod-resources';
import { DEFAULT_RATIO } from '../resolver/resolver';

const catalog = () => Catalog.EMBEDDED;

const COST_OUT: FlagSpec = {
  name: 'target-cost-per-million-output-tokens', kind: 'number', help: 'Keep profiles costing at most this many USD per million output tokens.',
};
const COST_IN: FlagSpec = {
  name: 'target-cost-per-million-input-tokens', kind: 'number', help: 'Keep profiles costing at most this many USD per million input tokens.',
};
const INSTANCE_TYPE: FlagSpec = { name: 'instance-type', kind: 'string', help: 'Only the profiles on this machine type, e.g. g2-standard-48.' };
const ACCELERATOR_TYPES: FlagSpec = {
  name: 'accelerator-type', kind: 'string', help: 'Only these accelerators, comma-separated, e.g. nvidia-l4,nvidia-h100-80gb.',
};

const PROFILES_LIST: CommandSpec = {
  path: ['profiles', 'list'],
  summary: 'List profiles at their operating point, with cost, that meet the targets.',
  description: 'Lists one row per profile (latency-throughput curve) of the selected model, server and version that meets the '
    + 'targets. Per accelerator type and count the profile is the one the resolver uses: the measured one where it exists, else the '
    + 'estimate for the newest server version (--model-server-version pins the version). Each row is at the profile\'s operating point: '
    + 'the inflection point without a latency target, else the highest-throughput point that meets every target. Cost targets filter '
    + 'the rows. Costs use GIQ\'s formula over the embedded, dated price table (N/A where the catalog has no price); the Source column '
    + 'says whether the profile is measured or estimated, and JSON and YAML add the uncertainty band of estimates. Rows: by model, '
    + 'cheapest per million output tokens first.',
  flags: [
    MODEL, ANY_MODEL_SERVER, ANY_MODEL_SERVER_VERSION, TARGET_NTPOT, TARGET_TTFT, TARGET_ITL, COST_OUT, COST_IN, PRICING_MODEL, USE_CASE,
    AVERAGE_INPUT_TOKENS, AVERAGE_OUTPUT_TOKENS, MAX_MODEL_LENGTH, WEIGHT_PRECISION, KV_CACHE_DTYPE, REGION,
    formatFlag(), SERVING_STACK, SERVING_STACK_VERSION,
  ],
  examples: [
    'profiles list --model=google/gemma-2-27b-it',
    'profiles list --model=google/gemma-2-27b-it --target-ntpot-milliseconds=100 --format=csv',
    'profiles list --target-cost-per-million-output-tokens=1 --pricing-model=on-demand --format=json',
  ],
  run: (flags, io) => {
    const c = workloadCatalog(catalog(), flags);
    const pricing = pricingOf(c, flags.req('pricing-model'), flags.req('region'));
    const targets = targetsOf(flags);
    const selected = selectCurves(c, {
      model: flags.str('model'), modelServer: flags.str('model-server'), modelServerVersion: flags.str('model-server-version'), allServers: true, targets,
    });
    const maxModelLength = requestedMaxModelLength(flags);
    const candidates = selected.map((s) => evaluateCurve(c, s, targets, pricing, maxModelLength));
    const feasible = candidates.filter((x) => x.rejection === undefined);
    const what = flags.str('model') !== undefined ? selected[0].model.id : 'any model';
    // as gcloud: an unmet target is an empty list (exit 0) with the reason on standard error
    if (feasible.length === 0) return emptyList(io, flags, noneMeets(what, candidates, targets));

    const maxOut = flags.num(COST_OUT.name);
    const maxIn = flags.num(COST_IN.name);
    // compared at the precision the listing prints (3 decimals): a target equal to a row's printed cost keeps the row, as --filter does
    const shown = (cost: number | undefined) => (cost === undefined ? Infinity : Number(cost.toFixed(3)));
    const rows = feasible.filter((x) => (maxOut === undefined || shown(x.cost?.costPerMillionOutputTokens) <= maxOut)
      && (maxIn === undefined || shown(x.cost?.costPerMillionInputTokens) <= maxIn));
    if (rows.length === 0) {
      const priced = feasible.filter((x) => x.cost?.costPerMillionOutputTokens !== undefined).sort(byCostThenThroughput);
      const wanted = [maxOut !== undefined ? `$${maxOut}/M output tokens` : undefined, maxIn !== undefined ? `$${maxIn}/M input tokens` : undefined]
        .filter((s) => s).join(' and ');
      const cheapest = priced.length === 0
        ? `none of the ${feasible.length} profiles meeting the latency targets has a ${pricing.pricingModel} price in ${pricing.region}`
        : `the cheapest of the ${feasible.length} profiles meeting the latency targets is ${priced[0].machine!.name} `
          + `(${priced[0].curve.acceleratorCount} x ${priced[0].curve.acceleratorType}) at $${priced[0].cost!.costPerMillionOutputTokens!.toFixed(3)}/M output `
          + `and $${priced[0].cost!.costPerMillionInputTokens!.toFixed(3)}/M input tokens`;
      return emptyList(io, flags, `No profile of ${what} costs at most ${wanted} (${pricing.pricingModel}, ${pricing.region}): ${cheapest}.`);
    }
    rows.sort((a, b) => byText(a.curve.model, b.curve.model) || byCostThenThroughput(a, b));
    return printList(io, flags, rows.map(profileRow), PROFILE_COLUMNS);
  },
};

const BENCHMARK_COLUMNS: readonly Column[] = [
  { key: 'model', header: 'Model' },
  { key: 'modelServer', header: 'Model Server' },
  { key: 'modelServerVersion', header: 'Model Server Version' },
  { key: 'acceleratorType', header: 'Accelerator' },
  { key: 'acceleratorCount', header: 'Accelerator Count' },
  { key: 'instanceType', header: 'Instance Type' },
  { key: 'outputTokensPerSecond', header: 'Output Tokens/s' },
  { key: 'inputTokensPerSecond', header: 'Input Tokens/s' },
  { key: 'ntpotMilliseconds', header: 'NTPOT(ms)' },
  { key: 'ttftMilliseconds', header: 'TTFT(ms)' },
  { key: 'costPerMillionInputTokens', header: 'Cost/M Input Tokens', decimals: 3 },
  { key: 'costPerMillionOutputTokens', header: 'Cost/M Output Tokens', decimals: 3 },
  { key: 'pricingModel', header: 'Pricing Model' },
  { key: 'source', header: 'Source' },
  { key: 'pointKind', header: 'Point Kind' },
  { key: 'inflection', header: 'Inflection' },
  // the curve's own figures beyond GIQ's columns (InferenceCatalog.curve's points): requests in flight (a measured point's by Little's
  // law), inter-token latency (estimated points; a measured point publishes none: empty) and the band, in CSV too
  { key: 'concurrency', header: 'Concurrency' },
  { key: 'itlMilliseconds', header: 'ITL(ms)' },
  ...BAND_COLUMNS.map((c) => ({ ...c, structuredOnly: false })),
];

const BENCHMARKS_LIST: CommandSpec = {
  path: ['benchmarks', 'list'],
  summary: 'List every point of the latency-throughput curves (CSV by default).',
  description: 'Lists every point of every profile curve of --model on --model-server (per accelerator type and count, the curve the '
    + 'resolver would use; optionally one version and one instance type), '
    + 'with input throughput (published, or from the ShareGPT means), cost at that point, whether the curve is measured or estimated, '
    + 'and which point is the inflection point. --format=svg draws the curves instead (see profiles plot).',
  flags: [
    required(MODEL), required(MODEL_SERVER), ANY_MODEL_SERVER_VERSION, INSTANCE_TYPE, PRICING_MODEL, REGION, USE_CASE, AVERAGE_INPUT_TOKENS,
    AVERAGE_OUTPUT_TOKENS, MAX_MODEL_LENGTH, WEIGHT_PRECISION, KV_CACHE_DTYPE,
    { ...formatFlag('csv'), help: `${formatFlag('csv').help} svg: a chart of throughput vs NTPOT.` },
    OUTPUT_PATH, SERVING_STACK, SERVING_STACK_VERSION,
  ],
  examples: [
    'benchmarks list --model=google/gemma-2-27b-it --model-server=vllm',
    'benchmarks list --model=google/gemma-2-27b-it --model-server=vllm --instance-type=g2-standard-48 --pricing-model=on-demand',
  ],
  run: (flags, io) => {
    const c = workloadCatalog(catalog(), flags);
    const pricing = pricingOf(c, flags.req('pricing-model'), flags.req('region'));
    const selected = holdingLength(c, selectCurves(c, {
      model: flags.req('model'),
      modelServer: flags.req('model-server'),
      modelServerVersion: flags.str('model-server-version'),
      instanceType: flags.str('instance-type'),
    }), requestedMaxModelLength(flags));
    if (flags.req('format') === 'svg') return emit(io, flags, renderSvg(plotSpec(c, selected, {})));
    const rows: Row[] = [];
    for (const s of selected) {
      const machine = chooseMachine(c, s.curve, s.model);
      const inflection = inflectionPoint(s.curve);
      for (const p of s.curve.points) {
        // a replica packed with others on one machine (packing) costs its share, as the resolver prices it
        const cost = machine
          ? perPod(costAt(c, s.curve, machine, p, pricing.region, pricing.pricingModel, DEFAULT_RATIO), podsPerNodeOf(machine, s.curve)) : undefined;
        rows.push({
          model: s.curve.model,
          modelServer: s.curve.modelServer,
          modelServerVersion: s.curve.modelServerVersion,
          acceleratorType: s.curve.acceleratorType,
          acceleratorCount: s.curve.acceleratorCount,
          instanceType: machine?.name ?? null,
          // the curve's own figures, unrounded (to a millionth, below float noise), as GIQ's benchmarking data carries them
          outputTokensPerSecond: round(p.outputTokensPerSecond, 6),
          inputTokensPerSecond: round(inputTokensPerSecond(c, p).value, 6),
          ntpotMilliseconds: round(p.ntpotMilliseconds, 6),
          ttftMilliseconds: roundOrNull(p.ttftMilliseconds, 6),
          // a measured point's by Little's law, as InferenceCatalog.curve gives it (benchmarks publish the rate, not the concurrency)
          concurrency: round(p.concurrency ?? (p.outputTokensPerSecond * p.ntpotMilliseconds) / 1000, 6),
          itlMilliseconds: roundOrNull(p.itlMilliseconds, 6),
          costPerMillionInputTokens: roundOrNull(cost?.costPerMillionInputTokens, 3),
          costPerMillionOutputTokens: roundOrNull(cost?.costPerMillionOutputTokens, 3),
          pricingModel: pricing.pricingModel,
          source: s.curve.source,
          pointKind: p.kind,
          inflection: p === inflection,
          // the band unrounded too (the listings' tables round it)
          ...bandCells(p, 6),
        });
      }
    }
    return printList(io, flags, rows, BENCHMARK_COLUMNS, (text) => emit(io, flags, text));
  },
};

const PROFILES_PLOT: CommandSpec = {
  path: ['profiles', 'plot'],
  summary: 'Draw throughput against NTPOT as an SVG chart, with the inflection and operating points marked.',
  description: 'Draws one series per profile curve of --model (per accelerator type and count: the measured curve where one exists, '
    + 'else the newest server version\'s estimate; --model-server-version pins the version) on log-log axes: output tokens/s against NTPOT. Measured points are filled, estimated ones hollow on a dashed curve; '
    + 'a diamond marks each inflection point and, with a target, a ring marks the operating point the resolver would pick and a '
    + 'dashed line the NTPOT target. Writes SVG to standard output or --output-path.',
  flags: [
    required(MODEL), MODEL_SERVER, MODEL_SERVER_VERSION, ACCELERATOR_TYPES, TARGET_NTPOT, TARGET_TTFT, USE_CASE, AVERAGE_INPUT_TOKENS,
    AVERAGE_OUTPUT_TOKENS, MAX_MODEL_LENGTH, WEIGHT_PRECISION, KV_CACHE_DTYPE, OUTPUT_PATH,
  ],
  examples: [
    'profiles plot --model=google/gemma-2-27b-it --target-ntpot-milliseconds=1100 --output-path=gemma.svg',
    'profiles plot --model=google/gemma-2-27b-it --accelerator-type=nvidia-l4,nvidia-h100-80gb > gemma.svg',
  ],
  run: (flags, io) => {
    const c = workloadCatalog(catalog(), flags);
    const accelerators = flags.str('accelerator-type')?.split(',').map((a) => a.trim()).filter((a) => a);
    if (accelerators !== undefined && accelerators.length === 0) {
      throw new UsageError('Flag --accelerator-type names no accelerator: give one or more labels, comma-separated, e.g. nvidia-l4,nvidia-h100-80gb');
    }
    const selected = holdingLength(c, selectCurves(c, {
      model: flags.req('model'),
      modelServer: flags.str('model-server'),
      modelServerVersion: flags.str('model-server-version'),
      acceleratorTypes: accelerators,
    }), requestedMaxModelLength(flags));
    return emit(io, flags, renderSvg(plotSpec(c, selected, targetsOf(flags))));
  },
};

function plotSpec(c: Catalog, selected: readonly SelectedCurve[], targets: LatencyTargets): PlotSpec {
  const hasTargets = targets.ntpotMilliseconds !== undefined || targets.ttftMilliseconds !== undefined;
  const pricing = pricingOf(c, PRICING_MODEL.default!, REGION.default!);
  const series = selected.map((s): PlotSeries => {
    const evaluated = hasTargets ? evaluateCurve(c, s, targets, pricing) : undefined;
    const op = evaluated?.point;
    const at = (label: string, p: CurvePoint) => `${label}: ${round(p.outputTokensPerSecond)} tok/s, ${round(p.ntpotMilliseconds)} ms`;
    const status = !hasTargets ? at('inflection', inflectionPoint(s.curve)) : op ? at('operating point', op) : 'misses the target';
    return {
      id: curveKeyString(s.curve),
      label: `${s.curve.acceleratorCount} x ${s.curve.acceleratorType} (${instanceTypeOf(c, s) ?? 'no machine type'})`,
      detail: `${s.curve.modelServer} ${s.curve.modelServerVersion}, ${s.curve.source}; ${status}`,
      source: s.curve.source,
      points: s.curve.points,
      inflection: inflectionPoint(s.curve),
      operatingPoint: op,
    };
  });
  const models = [...new Set(selected.map((s) => s.model.id))];
  const servers = [...new Set(selected.map((s) => s.server.name))];
  const wanted = [
    targets.ntpotMilliseconds !== undefined ? `NTPOT <= ${targets.ntpotMilliseconds} ms` : undefined,
    targets.ttftMilliseconds !== undefined ? `TTFT <= ${targets.ttftMilliseconds} ms` : undefined,
  ].filter((x) => x).join(' and ');
  const w = c.defaultWorkload;
  return {
    title: `Throughput vs NTPOT: ${models.join(', ')} on ${servers.join(', ')}`,
    subtitle: `${w.name} workload (${w.meanInputTokens} in / ${w.meanOutputTokens} out tokens); `
      + (wanted ? `operating points for ${wanted}` : 'no target: the operating point is the inflection point'),
    series,
    targetNtpotMilliseconds: targets.ntpotMilliseconds,
  };
}

export const PROFILE_COMMANDS: readonly CommandSpec[] = [PROFILES_LIST, BENCHMARKS_LIST, PROFILES_PLOT];
