/**
 * `serve`: the offline gkerecommender v1alpha1 endpoint. Its JSON is checked against the CLI's own answers
 * over HTTP (in-process server on port 0); then the CLI's `serve` runs as a process, the installed gcloud
 * (when it is on PATH) queries it through a throwaway CLOUDSDK_CONFIG, and SIGINT and SIGTERM stop it.
 */
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { cli, fails, ok } from './support/cli';
import { Row, renderRows } from '../src/cli/format';
import { RunningServer, SERVED_METHODS, banner, startServer } from '../src/cli/serve';

/** The gcloud executable on PATH, if any. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter((d) => d)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

const GCLOUD = onPath('gcloud');

/** The installed Cloud SDK's generated gkerecommender v1alpha1 client: the API's contract. */
const CLIENT_DIR = GCLOUD === undefined ? undefined
  : path.join(path.dirname(fs.realpathSync(GCLOUD)), '..', 'lib', 'googlecloudsdk', 'generated_clients', 'apis', 'gkerecommender', 'v1alpha1');
const HAS_CLIENT = CLIENT_DIR !== undefined && fs.existsSync(path.join(CLIENT_DIR, 'gkerecommender_v1alpha1_client.py'));

/** Each message class of the generated messages module: field name to its kind (String, Integer, Message...) and message type. */
function messageFields(source: string): Map<string, Map<string, { kind: string; type?: string }>> {
  const classes = new Map<string, Map<string, { kind: string; type?: string }>>();
  const parts = source.split(/^class (\w+)\(_messages\.Message\):$/m);
  for (let i = 1; i < parts.length; i += 2) {
    const fields = new Map<string, { kind: string; type?: string }>();
    for (const f of parts[i + 1].matchAll(/^ {2}(\w+) = _messages\.(\w+)Field\((?:'(\w+)')?/gm)) fields.set(f[1], { kind: f[2], type: f[3] });
    classes.set(parts[i], fields);
  }
  return classes;
}

/** The client's methods: id, path, query parameters (JSON names) and response message. */
function clientMethods(client: string, messages: string): Array<{ id: string; path: string; queryParams: string[]; response: string }> {
  const jsonName = new Map([...messages.matchAll(/AddCustomJsonFieldMapping\(\s*\w+, '(\w+)', '([^']+)'\)/g)].map((m) => [m[1], m[2]]));
  const re = /method_id='([^']+)',[\s\S]*?query_params=\[([^\]]*)\],\s*relative_path='([^']+)',[\s\S]*?response_type_name='(\w+)'/g;
  return [...client.matchAll(re)].map((m) => ({
    id: m[1], path: m[3], queryParams: [...m[2].matchAll(/'(\w+)'/g)].map((q) => jsonName.get(q[1]) ?? q[1]), response: m[4],
  }));
}

/** The fields of a JSON answer that its message does not declare, or whose value does not fit the field's kind. */
function misfits(value: any, type: string, classes: ReturnType<typeof messageFields>, where = type): string[] {
  const declared = classes.get(type);
  if (declared === undefined) return [`${where}: no message ${type}`];
  return Object.entries(value).flatMap(([key, v]) => {
    const field = declared.get(key);
    if (field === undefined) return [`${where}.${key}: not a field of ${type}`];
    return (Array.isArray(v) ? v : [v]).flatMap((item): string[] => {
      if (field.kind === 'Message') return misfits(item, field.type!, classes, `${where}.${key}`);
      const fits = field.kind === 'String' ? typeof item === 'string' : field.kind === 'Integer' ? Number.isInteger(item) : true;
      return fits ? [] : [`${where}.${key}: ${JSON.stringify(item)} is not a ${field.kind}`];
    });
  });
}

const MODEL = 'google/gemma-2-27b-it';
const MANIFEST_FLAGS = `--model=${MODEL} --model-server=vllm --accelerator-type=nvidia-l4 --target-ntpot-milliseconds=1100`;

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  readonly json: any;
}

/** One HTTP request without keep-alive. */
function request(url: string, options: { method?: string; headers?: http.OutgoingHttpHeaders } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const query = (params: { [name: string]: string }) => new URLSearchParams(params).toString();
const lines = (text: string) => text.split('\n').filter((l) => l !== '');
/** The CLI's error line without its `ERROR: (command)` prefix. */
const cliError = (args: string) => fails(args).replace(/^ERROR: \([^)]*\) /, '');

/** What the accelerators endpoint answers for the CLI's `accelerators list --format=json` records: gcloud's fields of them. */
function acceleratorOptions(rows: any[]): object[] {
  return rows.map((r) => ({
    acceleratorType: r.acceleratorType,
    ...(r.machineType !== null ? { machineType: r.machineType } : {}),
    modelAndModelServerInfo: r.modelAndModelServerInfo,
    performanceStats: { ntpotMilliseconds: r.performanceStats.ntpotMilliseconds, outputTokensPerSecond: r.performanceStats.outputTokensPerSecond },
    resourcesUsed: r.resourcesUsed,
  }));
}

/** gcloud's manifests create rendering of an optimizedManifest answer: each manifest and `---`, then the `# ` comments. */
function gcloudManifestText(answer: { k8sManifests: Array<{ content: string }>; comments: string[] }): string {
  return `${answer.k8sManifests.map((m) => `${m.content}\n---\n`).join('')}${answer.comments.map((c) => `# ${c}`).join('\n')}\n`;
}

describe('the endpoint, in-process on port 0', () => {
  let server: RunningServer;
  const log: string[] = [];
  const get = (pathAndQuery: string) => request(`${server.url}${pathAndQuery}`);

  beforeAll(async () => {
    server = await startServer({ port: 0, log: (l) => log.push(l) });
  });
  afterAll(() => server.close());

  test('listens on 127.0.0.1 on the free port it picked, and says how to point gcloud at it', async () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(banner(server.url)).toContain(`gcloud config set api_endpoint_overrides/gkerecommender ${server.url}\n`);
    expect(banner(server.url)).toContain('gcloud config set auth/disable_credentials true\n');
    const r = await get('v1alpha1/models?alt=json');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(log).toContain('GET /v1alpha1/models?alt=json 200');
  });

  test('models: the models with profiles, as models list', async () => {
    const r = await get('v1alpha1/models?alt=json');
    expect(r.json).toEqual({ modelNames: lines(ok('models list --filter=profiles>0 --format=value(model)')) });
    expect(r.json.modelNames).toContain(MODEL);
  });

  test('modelServers and modelServers/{name}/versions: as model-servers list and model-server-versions list', async () => {
    const servers = await get(`v1alpha1/modelServers?${query({ alt: 'json', modelName: MODEL })}`);
    expect(servers.json).toEqual({ modelServerNames: lines(ok(`model-servers list --model=${MODEL} --format=value(modelServer)`)) });
    expect(servers.json.modelServerNames).toContain('vllm');
    const versions = await get(`v1alpha1/modelServers/vllm/versions?${query({ alt: 'json', modelName: MODEL })}`);
    expect(versions.json).toEqual({
      modelServerVersions: lines(ok(`model-server-versions list --model=${MODEL} --model-server=vllm --format=value(modelServerVersion)`)),
    });
  });

  test('modelsAndServers: ANY means every one, as model-and-server-combinations list', async () => {
    const info = (args: string) => (JSON.parse(ok(`model-and-server-combinations list ${args} --format=json`)) as Row[])
      .map((r) => ({ modelName: r.model, modelServerName: r.modelServer, modelServerVersion: r.modelServerVersion }));
    const all = await get(`v1alpha1/modelsAndServers?${query({ alt: 'json', modelName: 'ANY', modelServerName: 'ANY', modelServerVersion: 'ANY' })}`);
    expect(all.json).toEqual({ modelAndModelServerInfo: info('') });
    const some = await get(`v1alpha1/modelsAndServers?${query({ modelName: MODEL, modelServerName: 'vllm', modelServerVersion: 'ANY' })}`);
    expect(some.json).toEqual({ modelAndModelServerInfo: info(`--model=${MODEL} --model-server=vllm`) });
    expect(some.json.modelAndModelServerInfo.length).toBeLessThan(all.json.modelAndModelServerInfo.length);
  });

  test('accelerators: gcloud\'s defaults (ANY, LATEST, 999999) are the CLI\'s; a target is --max-ntpot-milliseconds', async () => {
    const rows = (args: string) => JSON.parse(ok(`accelerators list --model=${MODEL} ${args} --format=json`)) as Row[];
    const defaults = { 'alt': 'json', 'modelName': MODEL, 'modelServerName': 'ANY', 'modelServerVersion': 'LATEST', 'performanceRequirements.maxNtpotMilliseconds': '999999' };
    const all = await get(`v1alpha1/accelerators?${query(defaults)}`);
    expect(all.json).toEqual({ acceleratorOptions: acceleratorOptions(rows('')) });
    expect(all.json.acceleratorOptions.length).toBeGreaterThan(3);
    const target = await get(`v1alpha1/accelerators?${query({ ...defaults, 'modelServerName': 'vllm', 'performanceRequirements.maxNtpotMilliseconds': '60' })}`);
    expect(target.json).toEqual({ acceleratorOptions: acceleratorOptions(rows('--model-server=vllm --max-ntpot-milliseconds=60')) });
    for (const o of target.json.acceleratorOptions) expect(o.performanceStats.ntpotMilliseconds).toBeLessThanOrEqual(60);
    // the model's name as the catalog spells it
    const caseless = await get(`v1alpha1/accelerators?${query({ modelName: MODEL.toUpperCase() })}`);
    expect(caseless.json).toEqual(all.json);
    // an unmet target is an empty answer (proto3 JSON leaves the empty list out), as the CLI's empty list
    const unmet = await get(`v1alpha1/accelerators?${query({ ...defaults, 'performanceRequirements.maxNtpotMilliseconds': '1' })}`);
    expect({ status: unmet.status, json: unmet.json }).toEqual({ status: 200, json: {} });
    expect(cli(`accelerators list --model=${MODEL} --max-ntpot-milliseconds=1`)).toMatchObject({ code: 0, out: '', err: expect.stringMatching(/^Listed 0 items\./) });
  });

  test('optimizedManifest: synthesized through OptimizedLlmServer; gcloud\'s rendering of it is manifests create\'s output', async () => {
    const params = {
      'alt': 'json',
      'acceleratorType': 'nvidia-l4',
      'kubernetesNamespace': 'default',
      'targetNtpotMilliseconds': '1100',
      'modelAndModelServerInfo.modelName': MODEL,
      'modelAndModelServerInfo.modelServerName': 'vllm',
      'modelAndModelServerInfo.modelServerVersion': 'LATEST',
    };
    const r = await get(`v1alpha1/optimizedManifest?${query(params)}`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(['comments', 'k8sManifests']);
    expect(gcloudManifestText(r.json)).toBe(ok(`manifests create ${MANIFEST_FLAGS}`));
    for (const m of r.json.k8sManifests) {
      const object = parseAllDocuments(m.content).map((d) => d.toJS());
      expect(object).toHaveLength(1);
      expect({ apiVersion: m.apiVersion, kind: m.kind }).toEqual({ apiVersion: object[0].apiVersion, kind: object[0].kind });
    }
    expect(r.json.k8sManifests.map((m: { kind: string }) => m.kind)).toEqual(expect.arrayContaining(['Deployment', 'Service', 'HorizontalPodAutoscaler']));
    const elsewhere = await get(`v1alpha1/optimizedManifest?${query({ ...params, 'kubernetesNamespace': 'llm', 'storageConfig.modelBucketUri': 'gs://models/gemma' })}`);
    expect(gcloudManifestText(elsewhere.json)).toBe(ok(`manifests create ${MANIFEST_FLAGS} --namespace=llm --model-bucket-uri=gs://models/gemma`));
  });

  (HAS_CLIENT ? test : test.skip)('serves every method of the installed generated client, with its query parameters and only its message fields', async () => {
    const messages = fs.readFileSync(path.join(CLIENT_DIR!, 'gkerecommender_v1alpha1_messages.py'), 'utf8');
    const methods = clientMethods(fs.readFileSync(path.join(CLIENT_DIR!, 'gkerecommender_v1alpha1_client.py'), 'utf8'), messages);
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    expect(methods.map(({ id, path: p, queryParams }) => ({ id, path: p, queryParams: [...queryParams].sort() })).sort(byId))
      .toEqual(SERVED_METHODS.map(({ id, path: p, queryParams }) => ({ id, path: p, queryParams: [...queryParams].sort() })).sort(byId));
    const classes = messageFields(messages);
    const samples: { [id: string]: string } = {
      'gkerecommender.models.list': 'v1alpha1/models',
      'gkerecommender.modelServers.list': `v1alpha1/modelServers?${query({ modelName: MODEL })}`,
      'gkerecommender.modelServers.versions.list': `v1alpha1/modelServers/vllm/versions?${query({ modelName: MODEL })}`,
      'gkerecommender.modelsAndServers.list': 'v1alpha1/modelsAndServers',
      'gkerecommender.accelerators.list': `v1alpha1/accelerators?${query({ modelName: MODEL })}`,
      'gkerecommender.optimizedManifest': `v1alpha1/optimizedManifest?${query({
        'acceleratorType': 'nvidia-l4', 'modelAndModelServerInfo.modelName': MODEL, 'modelAndModelServerInfo.modelServerName': 'vllm', 'targetNtpotMilliseconds': '1100',
      })}`,
    };
    for (const m of methods) {
      const r = await get(samples[m.id]);
      expect({ id: m.id, status: r.status, keys: Object.keys(r.json).length > 0 }).toEqual({ id: m.id, status: 200, keys: true });
      expect(misfits(r.json, m.response, classes)).toEqual([]);
    }
  });

  test('answers are deterministic; prettyPrint=false is the same JSON on one line', async () => {
    const url = `v1alpha1/accelerators?${query({ 'modelName': MODEL, 'performanceRequirements.maxNtpotMilliseconds': '100' })}`;
    const [a, b] = [await get(url), await get(url)];
    expect(b.text).toBe(a.text);
    const compact = await get(`${url}&prettyPrint=false`);
    expect(compact.text.trimEnd()).not.toContain('\n');
    expect(compact.json).toEqual(a.json);
  });

  test('library errors are Google API errors: 400 INVALID_ARGUMENT with the CLI\'s one-line message, naming the parameter', async () => {
    const unknownModel = await get(`v1alpha1/accelerators?${query({ modelName: 'google/gemma-2-27b' })}`);
    expect(unknownModel.status).toBe(400);
    expect(unknownModel.json).toEqual({
      error: { code: 400, status: 'INVALID_ARGUMENT', message: cliError('accelerators list --model=google/gemma-2-27b').replace('(--model)', '(modelName)') },
    });
    expect(unknownModel.json.error.message).toMatch(/^Unknown model 'google\/gemma-2-27b' \(modelName\)\. Closest catalog models: google\/gemma-2-27b-it/);
    const manifest = await get(`v1alpha1/optimizedManifest?${query({
      'acceleratorType': 'nvidia-l5', 'modelAndModelServerInfo.modelName': MODEL, 'modelAndModelServerInfo.modelServerName': 'vllm',
    })}`);
    expect(manifest.status).toBe(400);
    expect(manifest.json.error.message).toBe(cliError(`manifests create --model=${MODEL} --model-server=vllm --accelerator-type=nvidia-l5`)
      .split('(--accelerator-type)').join('(acceleratorType)'));
    expect(manifest.json.error.message).toContain('(acceleratorType)');
    const namespace = await get(`v1alpha1/optimizedManifest?${query({
      'acceleratorType': 'nvidia-l4', 'kubernetesNamespace': 'Bad_NS', 'modelAndModelServerInfo.modelName': MODEL, 'modelAndModelServerInfo.modelServerName': 'vllm',
    })}`);
    expect(namespace.json.error).toEqual({ code: 400, status: 'INVALID_ARGUMENT', message: expect.stringMatching(/^kubernetesNamespace 'Bad_NS' must be a DNS-1123 label/) });
    const version = await get(`v1alpha1/accelerators?${query({ modelName: MODEL, modelServerName: 'vllm', modelServerVersion: 'v9' })}`);
    expect(version.json.error.message).toMatch(/^Unknown model server version 'v9' \(modelServerVersion\) for vllm\. Known versions: /);
  });

  test('request errors: missing, unknown, repeated and malformed parameters are 400; unknown paths and methods 404', async () => {
    const error = async (pathAndQuery: string, init: { method?: string; headers?: http.OutgoingHttpHeaders } = {}) => {
      const r = await request(`${server.url}${pathAndQuery}`, init);
      expect(Object.keys(r.json)).toEqual(['error']);
      expect(Object.keys(r.json.error)).toEqual(['code', 'message', 'status']);
      expect(r.json.error.code).toBe(r.status);
      expect(r.json.error.message).not.toMatch(/\n|\n\s+at /);
      return `${r.status} ${r.json.error.status}: ${r.json.error.message}`;
    };
    expect(await error('v1alpha1/modelServers')).toBe('400 INVALID_ARGUMENT: Missing required parameter \'modelName\'');
    expect(await error(`v1alpha1/models?${query({ modelName: MODEL })}`)).toBe('400 INVALID_ARGUMENT: Invalid JSON payload received. '
      + 'Unknown name "modelName": Cannot bind query parameter. Field \'modelName\' could not be found in request message.');
    expect(await error('v1alpha1/modelServers?modelName=a/b&modelName=c/d')).toBe('400 INVALID_ARGUMENT: Query parameter \'modelName\' is given more than once');
    for (const bad of ['fast', '1.5', '99999999999']) {
      expect(await error(`v1alpha1/accelerators?${query({ 'modelName': MODEL, 'performanceRequirements.maxNtpotMilliseconds': bad })}`))
        .toBe(`400 INVALID_ARGUMENT: Invalid value at 'performanceRequirements.maxNtpotMilliseconds' (TYPE_INT32), "${bad}"`);
    }
    expect(await error(`v1alpha1/accelerators?${query({ 'modelName': MODEL, 'performanceRequirements.maxNtpotMilliseconds': '0' })}`))
      .toBe('400 INVALID_ARGUMENT: Parameter \'performanceRequirements.maxNtpotMilliseconds\' must be a positive whole number of milliseconds, got 0');
    expect(await error(`v1alpha1/modelServers?${query({ modelName: 'a\u0001b' })}`)).toMatch(/^400 INVALID_ARGUMENT: Parameter 'modelName' holds control characters/);
    expect(await error('v1alpha1/models?alt=proto')).toMatch(/^400 INVALID_ARGUMENT: Invalid value at 'alt'/);
    expect(await error('v1alpha1/models?fields=modelNames')).toMatch(/^400 INVALID_ARGUMENT: The system parameter 'fields' is not supported/);
    expect(await error('v1alpha1/modelServers/%E0%A4%A/versions?modelName=a/b')).toMatch(/^400 INVALID_ARGUMENT: Invalid value at 'modelServerName'/);
    expect(await error('v1/models')).toMatch(/^404 NOT_FOUND: No method GET \/v1\/models in gkerecommender v1alpha1 \(this offline endpoint serves GET v1alpha1\/models, /);
    expect(await error('')).toMatch(/^404 NOT_FOUND: No method GET \/ /);
    expect(await error('v1alpha1/models', { method: 'POST' })).toMatch(/^404 NOT_FOUND: No method POST \/v1alpha1\/models /);
    // a page on another origin cannot reach it through DNS rebinding
    expect(await error('v1alpha1/models', { headers: { host: 'attacker.example:80' } })).toBe(`403 PERMISSION_DENIED: Host 'attacker.example:80' is not 127.0.0.1:${server.port} or localhost:${server.port}`);
    expect((await request(`${server.url}v1alpha1/models`, { headers: { host: `localhost:${server.port}` } })).status).toBe(200);
  });

  test('a port in use is an error that names it; --port is checked and serve has no --format', async () => {
    await expect(startServer({ port: server.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(fails('serve --port=70000', 2)).toBe('ERROR: (cdk8s-gke-inference serve) Flag --port must be a whole number from 0 to 65535 (0 picks a free port), got \'70000\'');
    expect(fails('serve --port=http', 2)).toMatch(/Flag --port must be a whole number/);
    expect(fails('serve --format=json', 2)).toMatch(/Unknown flag --format for 'serve'/);
  });
});

// ---- the CLI's serve as a process, and the installed gcloud against it

const TS_NODE = require.resolve('ts-node/dist/bin.js');
const MAIN = path.join(__dirname, '..', 'src', 'cli', 'main.ts');

interface ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly out: () => string;
  readonly err: () => string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `cdk8s-gke-inference serve --port=PORT` as a child process. */
function spawnServe(port: number): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [TS_NODE, '--transpile-only', '--project', path.join(__dirname, 'tsconfig.json'), MAIN, 'serve', `--port=${port}`]);
}

/** Runs a process to its end: exit code and output. */
function finished(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
  child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

/** Starts `cdk8s-gke-inference serve --port=0` and waits for the line that names its URL. */
function serveProcess(): Promise<ServeProcess> {
  const child = spawnServe(0);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
  child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 100 s: ${out}${err}`)), 100_000);
    const check = () => {
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/) /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], out: () => out, err: () => err, exit });
      }
    };
    child.stdout.on('data', check);
    void exit.then((e) => reject(new Error(`serve exited (${e.code ?? e.signal}) before listening: ${err}`)));
  });
}

const GCLOUD_SKIPPED = 'gcloud is not on PATH: the checks that run the real gcloud against serve were skipped';

test('the real gcloud runs against serve, or these tests say they skipped it', () => {
  if (GCLOUD === undefined) {
    console.warn(GCLOUD_SKIPPED);
    // CI that must run them sets CDK8S_GKE_INFERENCE_REQUIRE_GCLOUD=1
    expect(process.env.CDK8S_GKE_INFERENCE_REQUIRE_GCLOUD === '1' ? 'gcloud is required but not on PATH' : GCLOUD_SKIPPED).toBe(GCLOUD_SKIPPED);
  } else {
    expect(fs.statSync(GCLOUD).isFile()).toBe(true);
  }
});

/**
 * gcloud's environment: a throwaway configuration directory, no prompts, no update check or usage
 * reporting, and its are-we-on-GCE probe sent to a closed loopback port, so that it touches no network
 * but 127.0.0.1. The caller's CLOUDSDK_* settings and proxies are left out.
 */
function gcloudEnv(configDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^CLOUDSDK_|proxy$/i.test(k)) env[k] = v;
  return {
    ...env,
    CLOUDSDK_CONFIG: configDir,
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
    GCE_METADATA_ROOT: '127.0.0.1:1',
    NO_PROXY: '127.0.0.1,localhost',
  };
}

describe('cdk8s-gke-inference serve as a process', () => {
  let first: ServeProcess;
  let second: ServeProcess;
  let busy: { port: number; code: number | null; out: string; err: string };
  let configDir: string;

  const gcloud = (args: string) => {
    const r = spawnSync(GCLOUD!, args.split(' '), { encoding: 'utf8', timeout: 60_000, env: gcloudEnv(configDir) });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  /** Runs gcloud and expects success; returns its standard output. */
  const gcloudOk = (args: string) => {
    const r = gcloud(args);
    if (r.status !== 0) throw new Error(`gcloud ${args}: exit ${r.status}: ${r.stderr}`);
    return r.stdout;
  };
  const gtest = GCLOUD !== undefined ? test : test.skip;
  const profiles = 'alpha container ai profiles';

  beforeAll(async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const blocked = (blocker.address() as net.AddressInfo).port;
    let ended: Awaited<ReturnType<typeof finished>>;
    [first, second, ended] = await Promise.all([serveProcess(), serveProcess(), finished(spawnServe(blocked))]);
    busy = { port: blocked, ...ended };
    await new Promise((resolve) => blocker.close(resolve));
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-serve-gcloud-'));
    if (GCLOUD !== undefined) {
      // the two lines the README documents
      gcloudOk(`config set api_endpoint_overrides/gkerecommender ${first.url}`);
      gcloudOk('config set auth/disable_credentials true');
    }
  }, 240_000);

  afterAll(() => {
    for (const p of [first, second]) if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  });

  test('prints its URL and the gcloud configuration, and answers on it', async () => {
    expect(first.out()).toBe(banner(first.url));
    expect(second.url).not.toBe(first.url);
    const r = await request(`${first.url}v1alpha1/models`);
    expect(r.json).toEqual({ modelNames: lines(ok('models list --filter=profiles>0 --format=value(model)')) });
  });

  gtest('gcloud alpha container ai profiles models list, model-servers list and model-server-versions list print the CLI\'s lists', () => {
    const list = (title: string, items: string) => `${title}:\n${lines(items).map((i) => `-  ${i}\n`).join('')}`;
    expect(gcloudOk(`${profiles} models list`)).toBe(list('Supported models', ok('models list --filter=profiles>0 --format=value(model)')));
    expect(gcloudOk(`${profiles} model-servers list --model=${MODEL}`))
      .toBe(list('Supported model servers', ok(`model-servers list --model=${MODEL} --format=value(modelServer)`)));
    expect(gcloudOk(`${profiles} model-server-versions list --model=${MODEL} --model-server=vllm`))
      .toBe(list('Supported model server versions', ok(`model-server-versions list --model=${MODEL} --model-server=vllm --format=value(modelServerVersion)`)));
    // the deprecated recommender group calls the same API
    expect(gcloudOk('alpha container ai recommender models list')).toBe(gcloudOk(`${profiles} models list`));
  });

  gtest('gcloud ... accelerators list prints the CLI\'s accelerators: its table, and with --format=yaml the CLI\'s YAML without its extra figures', () => {
    const rows = JSON.parse(ok(`accelerators list --model=${MODEL} --format=json`)) as any[];
    const keys = ['acceleratorType', 'modelName', 'modelServer', 'modelServerVersion', 'acceleratorCount', 'outputTokensPerSecond', 'ntpotMilliseconds'];
    const headers = ['ACCELERATOR_TYPE', 'MODEL_NAME', 'MODEL_SERVER_NAME', 'MODEL_SERVER_VERSION', 'ACCELERATOR_COUNT', 'OUTPUT_TOKENS_PER_SECOND', 'NTPOT_MILLISECONDS'];
    const flat = rows.map((r): Row => ({
      acceleratorType: r.acceleratorType,
      modelName: MODEL,
      modelServer: r.modelAndModelServerInfo.modelServerName,
      modelServerVersion: r.modelAndModelServerInfo.modelServerVersion,
      acceleratorCount: r.resourcesUsed.acceleratorCount,
      outputTokensPerSecond: r.performanceStats.outputTokensPerSecond,
      ntpotMilliseconds: r.performanceStats.ntpotMilliseconds,
    }));
    expect(gcloudOk(`${profiles} accelerators list --model=${MODEL}`)).toBe(renderRows(flat, keys.map((key, i) => ({ key, header: headers[i] })), 'table'));

    const flags = `accelerators list --model=${MODEL} --model-server=vllm --max-ntpot-milliseconds=60 --format=yaml`;
    const ours = parseAllDocuments(ok(flags)).map((d) => d.toJS());
    const theirs = parseAllDocuments(gcloudOk(`${profiles} ${flags}`)).map((d) => d.toJS());
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs).toEqual(acceleratorOptions(ours));
    // the same nesting: every field gcloud prints sits at the same place in the CLI's document
    theirs.forEach((doc, i) => expect(ours[i]).toMatchObject(doc));
  });

  gtest('gcloud ... manifests create prints exactly what manifests create prints', () => {
    expect(gcloudOk(`${profiles} manifests create ${MANIFEST_FLAGS}`)).toBe(ok(`manifests create ${MANIFEST_FLAGS}`));
  });

  gtest('gcloud reports the endpoint\'s error with the library\'s message', () => {
    const r = gcloud(`${profiles} accelerators list --model=google/gemma-2-27b`);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: '' });
    const message = cliError('accelerators list --model=google/gemma-2-27b').replace('(--model)', '(modelName)');
    expect(r.stderr).toBe(`ERROR: (gcloud.alpha.container.ai.profiles.accelerators.list) INVALID_ARGUMENT: ${message}\n`);
  });

  test('a port in use: one line on standard error, exit 1', () => {
    expect(busy).toEqual({
      port: busy.port,
      code: 1,
      out: '',
      err: `ERROR: (cdk8s-gke-inference serve) port ${busy.port} is in use on 127.0.0.1: pass another --port, or --port=0 for a free one\n`,
    });
  });

  test('SIGINT and SIGTERM stop it cleanly: exit 0, one line on standard error, the port closed', async () => {
    const port = Number(new URL(first.url).port);
    first.child.kill('SIGINT');
    second.child.kill('SIGTERM');
    expect(await first.exit).toEqual({ code: 0, signal: null });
    expect(await second.exit).toEqual({ code: 0, signal: null });
    expect(lines(first.err()).pop()).toBe('Stopped on SIGINT.');
    expect(lines(second.err()).pop()).toBe('Stopped on SIGTERM.');
    expect(lines(first.err()).slice(0, -1).every((l) => /^GET \/v1alpha1\/\S+ \d{3}$/.test(l))).toBe(true);
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('connect', () => { socket.destroy(); resolve('connected'); });
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
