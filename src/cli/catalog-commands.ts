/**
 * The catalogue listings: `models list`, `model-servers list`, `model-server-versions list`,
 * `use-cases list` and `accelerators list`.
 */
import { CommandSpec, Flags, Io } from './args';
import {
  ANY_MODEL_SERVER, ANY_MODEL_SERVER_VERSION, AVERAGE_INPUT_TOKENS, AVERAGE_OUTPUT_TOKENS, KV_CACHE_DTYPE, MAX_MODEL_LENGTH, MODEL, MODEL_SERVER,
  MODEL_SERVER_VERSION, PRICING_MODEL, REGION, USE_CASE, WEIGHT_PRECISION, formatFlag, required,
} from './common-flags';
import { Column, Row } from './format';
import { emptyList, printList } from './list-output';
import {
  byText, evaluateCurve, noneMeets, pricingOf, profiledUseCase, requestedMaxModelLength, selectCurves, workloadCatalog,
} from './profile-query';
import { PROFILE_COLUMNS, byCostThenThroughput, profileRow } from './profile-rows';
import { Catalog } from '../catalog/catalog';
import { profileCurves } from '../performance/profiles';
import { useCaseWorkload } from '../resolver/workload';

const catalog = () => Catalog.EMBEDDED;

function print(io: Io, flags: Flags, rows: readonly Row[], columns: readonly Column[]): number {
  return printList(io, flags, rows, columns);
}

const MODELS_LIST: CommandSpec = {
  path: ['models', 'list'],
  summary: 'List the models in the catalog and how many profiles each has.',
  description: 'Lists every model of the embedded catalog with its number of profiles (latency-throughput curves), '
    + 'how many of them are measured, and whether Hugging Face gates it. Only models with profiles can be served.',
  flags: [formatFlag()],
  examples: ['models list', 'models list --format=json'],
  run: (flags, io) => {
    const curves = profileCurves(catalog());
    const rows = [...catalog().models].sort((a, b) => byText(a.id, b.id)).map((m): Row => {
      const mine = curves.filter((c) => c.model.toLowerCase() === m.id.toLowerCase());
      return {
        model: m.id,
        profiles: mine.length,
        measuredProfiles: mine.filter((c) => c.source === 'measured').length,
        gating: m.gating,
        parametersBillionsCount: m.paramsTotalB,
        maxContextLength: m.maxContext ?? null,
        modelSizeGb: m.checkpointWeightsGb,
      };
    });
    return print(io, flags, rows, [
      { key: 'model', header: 'Model' },
      { key: 'profiles', header: 'Profiles' },
      { key: 'measuredProfiles', header: 'Measured' },
      { key: 'gating', header: 'Gating' },
      { key: 'parametersBillionsCount', header: 'Parameters (B)', structuredOnly: true },
      { key: 'maxContextLength', header: 'Context', structuredOnly: true },
      { key: 'modelSizeGb', header: 'Weights (GB)', structuredOnly: true },
    ]);
  },
};

const MODEL_SERVERS_LIST: CommandSpec = {
  path: ['model-servers', 'list'],
  summary: 'List the model servers that have profiles for a model.',
  description: 'Lists the model servers with at least one profile for --model.',
  flags: [required(MODEL), formatFlag()],
  examples: ['model-servers list --model=google/gemma-2-27b-it'],
  run: (flags, io) => {
    const selected = selectCurves(catalog(), { model: flags.req('model'), everyVersion: true, allServers: true });
    // catalog order: the default server first
    const names = catalog().modelServers.map((srv) => srv.name).filter((n) => selected.some((s) => s.server.name === n));
    const rows = names.map((name): Row => ({ modelServer: name, profiles: selected.filter((s) => s.server.name === name).length }));
    return print(io, flags, rows, [{ key: 'modelServer', header: 'Model Server' }, { key: 'profiles', header: 'Profiles' }]);
  },
};

const MODEL_SERVER_VERSIONS_LIST: CommandSpec = {
  path: ['model-server-versions', 'list'],
  summary: 'List the versions of a model server that have profiles for a model, newest first.',
  description: 'Lists the versions of --model-server with at least one profile for --model, newest first, with the pinned image of each.',
  flags: [required(MODEL), required(MODEL_SERVER), formatFlag()],
  examples: ['model-server-versions list --model=google/gemma-2-27b-it --model-server=vllm'],
  run: (flags, io) => {
    const selected = selectCurves(catalog(), { model: flags.req('model'), modelServer: flags.req('model-server'), everyVersion: true });
    const server = selected[0].server;
    const rows = catalog().versionsNewestFirst(server)
      .map((v): Row => ({
        modelServerVersion: v.version,
        image: v.image,
        profiles: selected.filter((s) => s.curve.modelServerVersion === v.version).length,
      }))
      .filter((r) => (r.profiles as number) > 0);
    return print(io, flags, rows, [
      { key: 'modelServerVersion', header: 'Model Server Version' },
      { key: 'image', header: 'Image' },
      { key: 'profiles', header: 'Profiles' },
    ]);
  },
};

const USE_CASES_LIST: CommandSpec = {
  path: ['use-cases', 'list'],
  summary: 'List the use cases (workloads) with their average input and output lengths.',
  description: 'Lists GKE Inference Quickstart\'s use cases with the average input and output lengths in tokens the profiles are '
    + 'computed with (unknown lengths are N/A: pass --average-input-tokens and --average-output-tokens with them) and how many '
    + 'measured profiles each has. Chatbot (ShareGPT) uses the ShareGPT means every measured profile was taken on (GIQ publishes it as '
    + 'about 128/128; JSON and YAML carry the published figures); the other use cases get calibrated estimates (--use-case).',
  flags: [formatFlag()],
  examples: ['use-cases list', 'use-cases list --format=csv'],
  run: (flags, io) => {
    const c = catalog();
    const profiled = profiledUseCase(c);
    const measured = profileCurves(c).filter((x) => x.source === 'measured').length;
    const rows = c.useCases.map((u): Row => {
      const w = useCaseWorkload(c, u);
      return {
        useCase: u.name,
        averageInputLength: w?.meanInputTokens ?? null,
        averageOutputLength: w?.meanOutputTokens ?? null,
        profiles: u === profiled ? measured : 0,
        publishedAverageInputLength: u.averageInputTokens ?? null,
        publishedAverageOutputLength: u.averageOutputTokens ?? null,
        exact: u.exact,
      };
    });
    return print(io, flags, rows, [
      { key: 'useCase', header: 'Use Case' },
      { key: 'averageInputLength', header: 'Average Input Length' },
      { key: 'averageOutputLength', header: 'Average Output Length' },
      { key: 'profiles', header: 'Profiles' },
      { key: 'publishedAverageInputLength', header: 'Published Average Input Length', structuredOnly: true },
      { key: 'publishedAverageOutputLength', header: 'Published Average Output Length', structuredOnly: true },
      { key: 'exact', header: 'Exact', structuredOnly: true },
    ]);
  },
};

const MODEL_AND_SERVER_COMBINATIONS_LIST: CommandSpec = {
  path: ['model-and-server-combinations', 'list'],
  summary: 'List every model, model server and version combination that has profiles.',
  description: 'Lists one row per model, model server and model server version with at least one profile (gcloud alpha\'s '
    + 'model-and-server-combinations list), with how many profiles it has and how many are measured. --model, --model-server and '
    + '--model-server-version narrow the list.',
  flags: [MODEL, MODEL_SERVER, MODEL_SERVER_VERSION, formatFlag()],
  examples: ['model-and-server-combinations list', 'model-and-server-combinations list --model-server=jetstream --format=json'],
  run: (flags, io) => {
    const c = catalog();
    const model = flags.str('model')?.toLowerCase();
    const server = flags.str('model-server')?.toLowerCase();
    const version = flags.str('model-server-version');
    const groups = new Map<string, { model: string; modelServer: string; modelServerVersion: string; profiles: number; measured: number }>();
    for (const curve of profileCurves(c)) {
      if ((model !== undefined && curve.model.toLowerCase() !== model) || (server !== undefined && curve.modelServer !== server)
        || (version !== undefined && curve.modelServerVersion !== version)) continue;
      const key = [curve.model, curve.modelServer, curve.modelServerVersion].join('|');
      const g = groups.get(key)
        ?? { model: curve.model, modelServer: curve.modelServer, modelServerVersion: curve.modelServerVersion, profiles: 0, measured: 0 };
      g.profiles++;
      if (curve.source === 'measured') g.measured++;
      groups.set(key, g);
    }
    // versions newest first, as model-server-versions list orders them (by release: v0.12.0 before v0.11.2, not as text)
    const rank = (g: { modelServer: string; modelServerVersion: string }) => {
      const s = c.modelServer(g.modelServer);
      const i = s ? c.versionsNewestFirst(s).findIndex((v) => v.version === g.modelServerVersion) : -1;
      return i === -1 ? Number.MAX_SAFE_INTEGER : i;
    };
    const rows = [...groups.values()]
      .sort((a, b) => byText(a.model, b.model) || byText(a.modelServer, b.modelServer) || rank(a) - rank(b)
        || byText(a.modelServerVersion, b.modelServerVersion))
      .map((g): Row => ({
        model: g.model, modelServer: g.modelServer, modelServerVersion: g.modelServerVersion, profiles: g.profiles, measuredProfiles: g.measured,
      }));
    if (rows.length === 0) {
      return emptyList(io, flags, 'No model and server combination has profiles for that selection; run models list for the models with profiles.');
    }
    return print(io, flags, rows, [
      { key: 'model', header: 'Model' },
      { key: 'modelServer', header: 'Model Server' },
      { key: 'modelServerVersion', header: 'Model Server Version' },
      { key: 'profiles', header: 'Profiles' },
      { key: 'measuredProfiles', header: 'Measured' },
    ]);
  },
};

const MAX_NTPOT = { name: 'max-ntpot-milliseconds', kind: 'number' as const, help: 'Highest acceptable NTPOT, ms: rows at the operating point for it.' };

/**
 * The accelerators listing's fields and where each sits in JSON and YAML: gcloud's AcceleratorOption shape (what
 * `gcloud alpha container ai profiles accelerators list --format=yaml` prints: acceleratorType, machineType,
 * modelAndModelServerInfo, performanceStats, resourcesUsed), with the library's extra figures beside gcloud's.
 */
const ACCELERATOR_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['acceleratorType', 'acceleratorType'],
  ['acceleratorCount', 'resourcesUsed.acceleratorCount'],
  ['instanceType', 'machineType'],
  ['modelName', 'modelAndModelServerInfo.modelName'],
  ['outputTokensPerSecond', 'performanceStats.outputTokensPerSecond'],
  ['ntpotMilliseconds', 'performanceStats.ntpotMilliseconds'],
  ['ttftMilliseconds', 'performanceStats.ttftMilliseconds'],
  ['costPerMillionOutputTokens', 'performanceStats.costPerMillionOutputTokens'],
  ['modelServer', 'modelAndModelServerInfo.modelServerName'],
  ['modelServerVersion', 'modelAndModelServerInfo.modelServerVersion'],
  ['source', 'source'],
  ['band', 'band'],
  ['operatingPoint', 'operatingPoint'],
  ['pricingModel', 'pricingModel'],
  ['region', 'region'],
];

const ACCELERATORS_LIST: CommandSpec = {
  path: ['accelerators', 'list'],
  summary: 'List the accelerators that serve a model, with throughput and NTPOT at the inflection point.',
  description: 'Lists one row per accelerator type and count with a profile for --model (the measured profile where one exists, '
    + 'else the estimate for the newest server version, as the resolver picks; --model-server-version pins the version), at the '
    + 'inflection point, or with --max-ntpot-milliseconds at the highest-throughput point that meets it; cheapest per million output '
    + 'tokens first.',
  flags: [
    required(MODEL), ANY_MODEL_SERVER, ANY_MODEL_SERVER_VERSION, MAX_NTPOT, PRICING_MODEL, REGION, USE_CASE, AVERAGE_INPUT_TOKENS,
    AVERAGE_OUTPUT_TOKENS, MAX_MODEL_LENGTH, WEIGHT_PRECISION, KV_CACHE_DTYPE, formatFlag(),
  ],
  examples: [
    'accelerators list --model=google/gemma-2-27b-it',
    'accelerators list --model=google/gemma-2-27b-it --max-ntpot-milliseconds=100',
    'accelerators list --model=meta-llama/Llama-3.1-8B-Instruct --use-case=deep-research',
  ],
  run: (flags, io) => {
    const c = workloadCatalog(catalog(), flags);
    const pricing = pricingOf(c, flags.req('pricing-model'), flags.req('region'));
    const targets = { ntpotMilliseconds: flags.num('max-ntpot-milliseconds') };
    const selected = selectCurves(c, {
      model: flags.req('model'), modelServer: flags.str('model-server'), modelServerVersion: flags.str('model-server-version'), allServers: true, targets,
    });
    const maxModelLength = requestedMaxModelLength(flags);
    const candidates = selected.map((s) => evaluateCurve(c, s, targets, pricing, maxModelLength));
    const ok = candidates.filter((x) => x.rejection === undefined).sort(byCostThenThroughput);
    if (ok.length === 0) return emptyList(io, flags, noneMeets(selected[0].model.id, candidates, targets));
    const modelName = selected[0].model.id;
    const columns = ACCELERATOR_COLUMNS.map(([k, path]) => {
      const col = k === 'modelName' ? { key: k, header: 'Model Name', structuredOnly: true } : PROFILE_COLUMNS.find((x) => x.key === k)!;
      return { ...col, path, ...(k === 'acceleratorCount' ? { structuredOnly: false, header: 'Count' } : {}) };
    });
    return print(io, flags, ok.map((x) => ({ ...profileRow(x), modelName })), columns);
  },
};

export const CATALOG_COMMANDS: readonly CommandSpec[] = [
  MODELS_LIST, MODEL_SERVERS_LIST, MODEL_SERVER_VERSIONS_LIST, USE_CASES_LIST, MODEL_AND_SERVER_COMBINATIONS_LIST, ACCELERATORS_LIST,
];
