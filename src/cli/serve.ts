/**
 * `serve`: GKE Inference Quickstart's API, gkerecommender v1alpha1 (what `gcloud alpha container ai
 * profiles` calls), answered offline on 127.0.0.1 only, so the real gcloud can query this library.
 *
 * The contract (paths, query parameters, JSON field names) is the Cloud SDK's generated client,
 * lib/googlecloudsdk/generated_clients/apis/gkerecommender/v1alpha1/. Every answer comes from the CLI's
 * own pipeline: the listings run the same commands with --format=json (`models list`, `model-servers
 * list`, `model-server-versions list`, `model-and-server-combinations list`, `accelerators list`) and
 * optimizedManifest synthesizes through `OptimizedLlmServer` as `manifests create` does. Failures are
 * Google API errors, `{"error":{"code":400,"message":"...","status":"INVALID_ARGUMENT"}}`, with the
 * library's one-line message naming the query parameter instead of the flag.
 *
 * The generated client always sends its request defaults, so `ANY`, `LATEST` and
 * `performanceRequirements.maxNtpotMilliseconds=999999` mean "not given" (the CLI's defaults: the
 * default server, the resolver's version choice, the inflection point).
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { CommandSpec, FlagSpec, PROGRAM, UsageError, parseFlags } from './args';
import { CATALOG_COMMANDS } from './catalog-commands';
import { Row } from './format';
import { MANIFEST_COMMANDS, synthesizeManifests } from './manifests-command';
import { joinMessage } from './one-line';
import { INT32_MAX, printable } from '../util/input';

/** The only address `serve` listens on. */
export const LOOPBACK = '127.0.0.1';

/** One parameter of a method: its API name, and the CLI flag and library prop it stands for. */
interface Param {
  readonly name: string;
  readonly flag: string;
  /** The library prop its errors name, e.g. `('model')`. */
  readonly prop?: string;
  readonly required?: boolean;
  readonly int32?: boolean;
  /** The generated client's default, which it sends when the user gives nothing: it means "not given". */
  readonly unset?: string;
  /** The value when absent. */
  readonly default?: string;
}

/** The flag values of one request: flag name to value; unset parameters are absent. */
type Values = { readonly [flag: string]: string };

/** One method of the API. */
interface Method {
  /** The generated client's method id, e.g. `gkerecommender.models.list`. */
  readonly id: string;
  /** Its path as the generated client writes it, e.g. `v1alpha1/modelServers/{modelServerName}/versions`; `{...}` are `pathParams`, in order. */
  readonly path: string;
  readonly pathParams: readonly Param[];
  readonly queryParams: readonly Param[];
  readonly answer: (values: Values) => object;
}

/** An error as Google APIs return it. */
class ApiError extends Error {
  constructor(public readonly code: number, public readonly status: string, message: string) {
    super(message);
  }
}

// the API's parameters and the CLI flags they become
const MODEL_NAME: Param = { name: 'modelName', flag: 'model', prop: 'model', required: true };
const MODEL_SERVER_NAME: Param = { name: 'modelServerName', flag: 'model-server', prop: 'modelServer' };
const MODEL_SERVER_VERSION: Param = { name: 'modelServerVersion', flag: 'model-server-version', prop: 'modelServerVersion' };

/** Runs a listing of the CLI with --format=json and returns its rows (an unmet target is no rows, as in the CLI). */
function listing(path: string, values: Values): Row[] {
  const command = find([...CATALOG_COMMANDS], path);
  let out = '';
  command.run(parseFlags(command, [...argv(values), '--format=json']), { out: (s) => { out += s; }, err: () => undefined });
  return JSON.parse(out) as Row[];
}

/** A record of `accelerators list --format=json` (gcloud's AcceleratorOption shape plus the library's figures). */
interface AcceleratorRecord {
  readonly acceleratorType: string;
  readonly machineType: string | null;
  readonly modelAndModelServerInfo: { readonly modelName: string; readonly modelServerName: string; readonly modelServerVersion: string };
  readonly performanceStats: { readonly ntpotMilliseconds: number; readonly outputTokensPerSecond: number };
  readonly resourcesUsed: { readonly acceleratorCount: number };
}

function find(commands: readonly CommandSpec[], path: string): CommandSpec {
  const command = commands.find((c) => c.path.join(' ') === path);
  if (!command) throw new Error(`serve: no '${path}' command`);
  return command;
}

function argv(values: Values): string[] {
  return Object.entries(values).map(([flag, value]) => `--${flag}=${value}`);
}

/** proto3 JSON: an empty repeated field is left out. */
function repeated(field: string, items: readonly unknown[]): object {
  return items.length > 0 ? { [field]: items } : {};
}

const text = (cell: Row[string]) => String(cell);

const METHODS: readonly Method[] = [
  {
    id: 'gkerecommender.models.list',
    path: 'v1alpha1/models',
    pathParams: [],
    queryParams: [],
    // the models that can be served: those with profiles
    answer: () => repeated('modelNames', listing('models list', {}).filter((r) => (r.profiles as number) > 0).map((r) => text(r.model))),
  },
  {
    id: 'gkerecommender.modelServers.list',
    path: 'v1alpha1/modelServers',
    pathParams: [],
    queryParams: [MODEL_NAME],
    answer: (v) => repeated('modelServerNames', listing('model-servers list', v).map((r) => text(r.modelServer))),
  },
  {
    id: 'gkerecommender.modelServers.versions.list',
    path: 'v1alpha1/modelServers/{modelServerName}/versions',
    pathParams: [{ ...MODEL_SERVER_NAME, required: true }],
    queryParams: [MODEL_NAME],
    answer: (v) => repeated('modelServerVersions', listing('model-server-versions list', v).map((r) => text(r.modelServerVersion))),
  },
  {
    id: 'gkerecommender.modelsAndServers.list',
    path: 'v1alpha1/modelsAndServers',
    pathParams: [],
    queryParams: [
      { ...MODEL_NAME, required: false, unset: 'ANY' }, { ...MODEL_SERVER_NAME, unset: 'ANY' }, { ...MODEL_SERVER_VERSION, unset: 'ANY' },
    ],
    answer: (v) => repeated('modelAndModelServerInfo', listing('model-and-server-combinations list', v).map((r) => ({
      modelName: r.model, modelServerName: r.modelServer, modelServerVersion: r.modelServerVersion,
    }))),
  },
  {
    id: 'gkerecommender.accelerators.list',
    path: 'v1alpha1/accelerators',
    pathParams: [],
    queryParams: [
      MODEL_NAME,
      { ...MODEL_SERVER_NAME, unset: 'ANY' },
      { ...MODEL_SERVER_VERSION, unset: 'LATEST' },
      { name: 'performanceRequirements.maxNtpotMilliseconds', flag: 'max-ntpot-milliseconds', int32: true, unset: '999999' },
    ],
    // the CLI's JSON records are already AcceleratorOptions in shape; the API's carry only its own fields
    answer: (v) => repeated('acceleratorOptions', (listing('accelerators list', v) as unknown as AcceleratorRecord[]).map((r) => ({
      acceleratorType: r.acceleratorType,
      ...(r.machineType !== null ? { machineType: r.machineType } : {}),
      modelAndModelServerInfo: r.modelAndModelServerInfo,
      performanceStats: { ntpotMilliseconds: r.performanceStats.ntpotMilliseconds, outputTokensPerSecond: r.performanceStats.outputTokensPerSecond },
      resourcesUsed: r.resourcesUsed,
    }))),
  },
  {
    id: 'gkerecommender.optimizedManifest',
    path: 'v1alpha1/optimizedManifest',
    pathParams: [],
    queryParams: [
      { name: 'acceleratorType', flag: 'accelerator-type', prop: 'acceleratorType', required: true },
      { name: 'kubernetesNamespace', flag: 'namespace', default: 'default' },
      { ...MODEL_NAME, name: 'modelAndModelServerInfo.modelName' },
      { ...MODEL_SERVER_NAME, name: 'modelAndModelServerInfo.modelServerName', required: true },
      { ...MODEL_SERVER_VERSION, name: 'modelAndModelServerInfo.modelServerVersion', unset: 'LATEST' },
      { name: 'storageConfig.modelBucketUri', flag: 'model-bucket-uri', prop: 'modelBucketUri' },
      { name: 'targetNtpotMilliseconds', flag: 'target-ntpot-milliseconds', prop: 'targetNtpotMilliseconds', int32: true },
    ],
    answer: (v) => {
      const command = find(MANIFEST_COMMANDS, 'manifests create');
      const { manifests, comments } = synthesizeManifests(parseFlags(command, argv(v)));
      return { ...repeated('comments', comments), ...repeated('k8sManifests', manifests.map((m) => ({ apiVersion: m.apiVersion, content: m.content, kind: m.kind }))) };
    },
  },
];

/** System parameters every Google API accepts that do not change this endpoint's answer. */
const IGNORED_SYSTEM_PARAMETERS = new Set(['prettyPrint', '$.xgafv', 'key', 'quotaUser', 'trace', 'access_token', 'oauth_token', 'uploadType', 'upload_protocol']);

const SERVED = METHODS.map((m) => `GET ${m.path}`).join(', ');

/** The methods served, as the generated client declares them: id, path and query parameters (JSON names). */
export const SERVED_METHODS: ReadonlyArray<{ readonly id: string; readonly path: string; readonly queryParams: readonly string[] }> = METHODS
  .map((m) => ({ id: m.id, path: m.path, queryParams: m.queryParams.map((p) => p.name) }));

/** A method's path as a pattern over the URL's path: `{param}` is one segment. */
function pathPattern(method: Method): RegExp {
  return new RegExp(`^/${method.path.split(/\{\w+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('([^/]+)')}$`);
}

/** The answer to one request: HTTP status and JSON body. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: object;
}

/** Answers a request for `pathAndQuery` (e.g. `/v1alpha1/models?alt=json`) as the gkerecommender API would. */
export function answer(httpMethod: string, pathAndQuery: string): ApiAnswer {
  try {
    const url = new URL(pathAndQuery, `http://${LOOPBACK}`);
    const method = METHODS.find((m) => pathPattern(m).test(url.pathname));
    if (!method || httpMethod !== 'GET') {
      throw new ApiError(404, 'NOT_FOUND', `No method ${printable(httpMethod)} ${printable(url.pathname)} in gkerecommender v1alpha1 `
        + `(this offline endpoint serves ${SERVED})`);
    }
    const values = requestValues(method, url);
    try {
      return { status: 200, body: method.answer(values) };
    } catch (e) {
      throw libraryError(e, [...method.pathParams, ...method.queryParams]);
    }
  } catch (e) {
    const error = e instanceof ApiError ? e : new ApiError(500, 'INTERNAL', `Internal error: ${printable(e instanceof Error ? e.message : e, 300)}`);
    return { status: error.code, body: { error: { code: error.code, message: error.message, status: error.status } } };
  }
}

/** The flag values of a request, checked as the API checks its parameters. */
function requestValues(method: Method, url: URL): Values {
  const given = new Map<string, string>();
  const pathMatch = pathPattern(method).exec(url.pathname)!;
  method.pathParams.forEach((p, i) => {
    try {
      given.set(p.name, decodeURIComponent(pathMatch[i + 1]));
    } catch {
      throw new ApiError(400, 'INVALID_ARGUMENT', `Invalid value at '${p.name}': '${printable(pathMatch[i + 1])}' is not percent-encoded UTF-8`);
    }
  });
  for (const [name, value] of url.searchParams) {
    if (name === 'alt') {
      if (value !== 'json') throw new ApiError(400, 'INVALID_ARGUMENT', `Invalid value at 'alt': '${printable(value)}' (this offline endpoint answers only alt=json)`);
      continue;
    }
    if (IGNORED_SYSTEM_PARAMETERS.has(name)) continue;
    if (name === 'fields' || name === 'callback') {
      throw new ApiError(400, 'INVALID_ARGUMENT', `The system parameter '${name}' is not supported by this offline endpoint`);
    }
    if (!method.queryParams.some((p) => p.name === name)) {
      throw new ApiError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${printable(name)}": Cannot bind query parameter. `
        + `Field '${printable(name)}' could not be found in request message.`);
    }
    if (given.has(name)) throw new ApiError(400, 'INVALID_ARGUMENT', `Query parameter '${name}' is given more than once`);
    given.set(name, value);
  }
  const values: { [flag: string]: string } = {};
  for (const p of [...method.pathParams, ...method.queryParams]) {
    const value = given.get(p.name) ?? p.default;
    if (value === undefined || value === p.unset) {
      if (p.required) throw new ApiError(400, 'INVALID_ARGUMENT', `Missing required parameter '${p.name}'`);
      continue;
    }
    if (p.int32 && !(/^-?\d{1,10}$/.test(value) && Math.abs(Number(value)) <= INT32_MAX)) {
      throw new ApiError(400, 'INVALID_ARGUMENT', `Invalid value at '${p.name}' (TYPE_INT32), "${printable(value)}"`);
    }
    if (p.int32 && Number(value) <= 0) {
      throw new ApiError(400, 'INVALID_ARGUMENT', `Parameter '${p.name}' must be a positive whole number of milliseconds, got ${value}`);
    }
    values[p.flag] = value;
  }
  return values;
}

/** A library or flag error as a 400 with the library's one-line message, naming parameters instead of props and flags. */
function libraryError(e: unknown, params: readonly Param[]): ApiError {
  if (!(e instanceof Error) || !(e instanceof UsageError || e.constructor === Error)) {
    return new ApiError(500, 'INTERNAL', `Internal error: ${printable(e instanceof Error ? `${e.name}: ${e.message}` : e, 300)}`);
  }
  const byProp: { [prop: string]: string } = {};
  const byFlag = new Map<string, string>();
  for (const p of params) {
    if (p.prop !== undefined) byProp[p.prop] = p.name;
    byFlag.set(p.flag, p.name);
  }
  const message = joinMessage(e.message, byProp)
    .replace(/\bFlag --([a-z][-a-z]*)/g, (whole, flag: string) => (byFlag.has(flag) ? `Parameter '${byFlag.get(flag)}'` : whole))
    .replace(/--([a-z][-a-z]*)/g, (whole, flag: string) => byFlag.get(flag) ?? whole);
  return new ApiError(400, 'INVALID_ARGUMENT', message);
}

/** What `startServer` needs. */
export interface ServeOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Called with one line (no line break) per request: method, path and status. */
  readonly log?: (line: string) => void;
}

/** A listening endpoint. */
export interface RunningServer {
  /** `http://127.0.0.1:PORT/`: the value of gcloud's `api_endpoint_overrides/gkerecommender`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and closes every connection (gcloud keeps them alive). */
  close(): Promise<void>;
}

/** Starts the endpoint on 127.0.0.1; rejects when it cannot listen (EADDRINUSE, EACCES). */
export function startServer(options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? (() => undefined);
  let port = options.port;
  const server = http.createServer((req, res) => {
    req.resume();
    const { status, body } = hostAllowed(req.headers.host, port)
      ? answer(req.method ?? '', req.url ?? '/')
      : { status: 403, body: { error: { code: 403, message: `Host '${printable(req.headers.host)}' is not ${LOOPBACK}:${port} or localhost:${port}`, status: 'PERMISSION_DENIED' } } };
    const pretty = !/[?&]prettyPrint=false(&|$)/.test(req.url ?? '');
    const json = `${JSON.stringify(body, undefined, pretty ? 2 : undefined)}\n`;
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=UTF-8',
      'Content-Length': Buffer.byteLength(json),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : json);
    log(`${printable(req.method)} ${printable(req.url, 300)} ${status}`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: LOOPBACK, exclusive: true }, () => {
      server.removeListener('error', reject);
      port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${LOOPBACK}:${port}/`,
        port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

/** Only requests addressed to the loopback name (or with no Host): a web page cannot reach the endpoint through DNS rebinding. */
function hostAllowed(host: string | undefined, port: number): boolean {
  return host === undefined || host === `${LOOPBACK}:${port}` || host === `localhost:${port}`;
}

const PORT: FlagSpec = {
  name: 'port', kind: 'string', default: '8080', help: 'TCP port on 127.0.0.1 to listen on; 0 picks a free port (the first line printed names it).',
};

/** The port flag: a whole number from 0 to 65535. */
export function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new UsageError(`Flag --port must be a whole number from 0 to 65535 (0 picks a free port), got '${printable(value)}'`);
  }
  return Number(value);
}

/** What `serve` prints once it listens: the URL, then the gcloud configuration that points at it. */
export function banner(url: string): string {
  return [
    `Serving the gkerecommender v1alpha1 API offline at ${url} (127.0.0.1 only; Ctrl-C stops it).`,
    'Point gcloud at it (with CLOUDSDK_CONFIG set to a scratch directory, your own gcloud configuration is left alone):',
    `  gcloud config set api_endpoint_overrides/gkerecommender ${url}`,
    '  gcloud config set auth/disable_credentials true',
    'then, e.g.: gcloud alpha container ai profiles models list',
    '',
  ].join('\n');
}

export const SERVE_COMMAND: CommandSpec = {
  path: ['serve'],
  summary: 'Answer the gkerecommender API (what gcloud alpha container ai profiles calls) offline on 127.0.0.1.',
  description: 'Serves GKE Inference Quickstart\'s API, gkerecommender v1alpha1, on 127.0.0.1 only, from the same catalog, resolver and '
    + 'OptimizedLlmServer as the other commands, so the real gcloud can query it: models, model servers and versions, model and server '
    + 'combinations, accelerators and optimized manifests. Prints the URL and the gcloud configuration that points at it, then one line '
    + 'per request on standard error; SIGINT (Ctrl-C) or SIGTERM stops it and exits 0.',
  flags: [PORT],
  examples: ['serve', 'serve --port=0'],
  run: (flags, io) => {
    const port = parsePort(flags.req('port'));
    startServer({ port, log: (line) => io.err(`${line}\n`) }).then((server) => {
      io.out(banner(server.url));
      const stop = (signal: NodeJS.Signals) => {
        process.removeListener('SIGINT', stop);
        process.removeListener('SIGTERM', stop);
        void server.close().then(() => io.err(`Stopped on ${signal}.\n`));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    }, (e: NodeJS.ErrnoException) => {
      const why = e.code === 'EADDRINUSE' ? `port ${port} is in use on ${LOOPBACK}: pass another --port, or --port=0 for a free one`
        : `cannot listen on ${LOOPBACK}:${port}: ${e.code ?? e.message}`;
      io.err(`ERROR: (${PROGRAM} serve) ${why}\n`);
      process.exitCode = 1;
    });
    return 0;
  },
};
