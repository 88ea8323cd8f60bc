import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { ClusterMode, OptimizedLlmServer, OptimizedLlmServerProps } from '../src';
import { cli, fails, ok } from './support/cli';
import { expectValidManifests, parseYamlStream } from './support/k8s-validator';
import { oneLine } from '../src/cli/one-line';

const L4_TARGET = 'manifests create --model=google/gemma-2-27b-it --model-server=vllm --accelerator-type=nvidia-l4 --target-ntpot-milliseconds=1100';

/** What the construct synthesizes directly for the same request, and its notes. */
function direct(props: OptimizedLlmServerProps, namespace = 'default'): { objects: any[]; server: OptimizedLlmServer } {
  const app = new App();
  const chart = new Chart(app, 'direct', { namespace });
  const server = new OptimizedLlmServer(chart, 'server', props);
  return { objects: chart.toJson(), server };
}

/** Splits gcloud's rendering: manifests each followed by a `---` line, then `# ` comment lines. */
function split(text: string): { manifests: string[]; comments: string[] } {
  const lines = text.split('\n');
  expect(lines.pop()).toBe('');
  const firstComment = lines.findIndex((l) => l.startsWith('# '));
  const body = firstComment === -1 ? lines : lines.slice(0, firstComment);
  const comments = firstComment === -1 ? [] : lines.slice(firstComment);
  for (const c of comments) expect(c).toMatch(/^# \S/);
  const manifests: string[] = [];
  let current: string[] = [];
  for (const l of body) {
    if (l === '---') {
      manifests.push(current.join('\n'));
      current = [];
    } else {
      current.push(l);
    }
  }
  expect(current).toEqual([]);
  return { manifests, comments: comments.map((c) => c.slice(2)) };
}

test('manifests create prints each manifest followed by ---, then # comments; it parses as YAML and validates strictly', () => {
  const out = ok(L4_TARGET);
  const { manifests, comments } = split(out);
  const objects = parseYamlStream(out) as any[];
  expect(objects).toHaveLength(manifests.length);
  expectValidManifests(objects, ['1.28', '1.33']);
  expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['Deployment', 'Service', 'PodMonitoring', 'HorizontalPodAutoscaler']));
  for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe('default');
  const d = objects.find((o) => o.kind === 'Deployment');
  expect(d.metadata.name).toBe('gemma-2-27b-it-vllm');
  expect(d.spec.template.spec.nodeSelector['cloud.google.com/gke-accelerator']).toBe('nvidia-l4');
  expect(['measured', 'estimated']).toContain(d.metadata.annotations['cdk8s-gke-inference.io/profile-source']);
  expect(comments.length).toBeGreaterThan(5);
});

test('manifests create synthesizes through OptimizedLlmServer: the same objects and notes as the construct', () => {
  const props: OptimizedLlmServerProps = {
    name: 'gemma-2-27b-it-vllm', model: 'google/gemma-2-27b-it', modelServer: 'vllm', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100,
  };
  const { objects, server } = direct(props);
  const out = ok(L4_TARGET);
  expect(parseYamlStream(out)).toEqual(objects);
  const { comments } = split(out);
  // the construct's notes first (the Secret, the node pool, Managed Prometheus, the adapter and its IAM binding)
  expect(comments.slice(0, server.deploymentNotes.length)).toEqual(server.deploymentNotes.map(oneLine));
  expect(comments.some((c) => /Custom Metrics Stackdriver Adapter.*roles\/monitoring\.viewer/.test(c))).toBe(true);
  // then the provenance: which profile, measured or estimated, the operating point, the cost basis, every decision
  const r = server.resolution;
  const annotations = objects.find((o) => o.kind === 'Deployment').metadata.annotations;
  expect(comments).toContain(`Profile: ${r.model} / vllm ${r.modelServerVersion} / ${r.acceleratorCount} x nvidia-l4 / ${r.instanceType} (${r.source}): `
    + r.profileCitation);
  expect(comments).toContain(`Operating point: ${annotations['cdk8s-gke-inference.io/operating-point']}`);
  expect(comments.find((c) => c.startsWith('Operating point: ')))
    .toMatch(/^Operating point: \d+ output tokens\/s at [\d.]+ ms NTPOT(, [\d.]+ ms TTFT)? \(targets, (measured|interpolated|estimated)\)$/);
  expect(comments.find((c) => c.startsWith('Cost: '))).toMatch(/^Cost: \$\d+\.\d+\/M output tokens, .*\(spot, us-central1, \$\d+(\.\d+)?\/h, prices of \d{4}-\d{2}-\d{2}\)$/);
  for (const decision of r.decisions) expect(comments).toContain(`Decision: ${decision}`);
  expect(comments[comments.length - 1]).toMatch(/^Generated offline by cdk8s-gke-inference \S+ from its embedded catalog\.$/);
});

test('--output manifest and --output comments print one part each; all is manifests then comments', () => {
  const all = ok(L4_TARGET);
  const manifest = ok(`${L4_TARGET} --output=manifest`);
  const comments = ok(`${L4_TARGET} --output=comments`);
  expect(manifest + comments).toBe(all);
  expect(manifest).not.toMatch(/^# /m);
  expect(comments.split('\n').filter((l) => l).every((l) => l.startsWith('# '))).toBe(true);
  expect(manifest.endsWith('\n---\n')).toBe(true);
});

test('--namespace, --name, --pricing-model and a TTFT target reach the construct; output is deterministic', () => {
  const args = 'manifests create --model=openai/gpt-oss-20b --model-server=vllm --accelerator-type=nvidia-h100-80gb --namespace=llm --name=gpt --target-ttft-milliseconds=300'
    + ' --pricing-model=on-demand';
  const out = ok(args);
  expect(ok(args)).toBe(out);
  const objects = parseYamlStream(out) as any[];
  expectValidManifests(objects, ['1.28', '1.33']);
  const { objects: expected } = direct({
    name: 'gpt',
    model: 'openai/gpt-oss-20b',
    modelServer: 'vllm',
    acceleratorType: 'nvidia-h100-80gb',
    targetTtftMilliseconds: 300,
    pricingModel: 'on-demand' as any,
  }, 'llm');
  expect(objects).toEqual(expected);
  expect(objects.find((o) => o.kind === 'HorizontalPodAutoscaler').metadata).toMatchObject({ name: 'gpt', namespace: 'llm' });
  expect(split(out).comments.find((c) => c.startsWith('Cost: '))).toMatch(/\(on-demand, us-central1,/);
});

test('--model-bucket-uri loads the model from Cloud Storage through the construct', () => {
  const args = 'manifests create --model=openai/gpt-oss-20b --model-server=vllm --accelerator-type=nvidia-h100-80gb --model-bucket-uri=gs://models-bucket/gpt-oss-20b';
  const out = ok(args);
  const objects = parseYamlStream(out) as any[];
  expectValidManifests(objects, ['1.28', '1.33']);
  const { objects: expected, server } = direct({
    name: 'gpt-oss-20b-vllm',
    model: 'openai/gpt-oss-20b',
    modelServer: 'vllm',
    acceleratorType: 'nvidia-h100-80gb',
    modelBucketUri: 'gs://models-bucket/gpt-oss-20b',
  });
  expect(objects).toEqual(expected);
  expect(JSON.stringify(objects)).toContain('models-bucket');
  expect(split(out).comments.slice(0, server.deploymentNotes.length)).toEqual(server.deploymentNotes.map(oneLine));
  expect(fails(`${args.replace('gs://models-bucket', 'https://models-bucket')}`)).toMatch(/gs:\/\//);
});

test('--cluster-mode and --gke-version reach the construct: Autopilot shapes, notes and version gates, with flag-named errors', () => {
  const args = 'manifests create --model=meta-llama/Llama-3.1-8B-Instruct --model-server=vllm --accelerator-type=nvidia-h200-141gb --cluster-mode=autopilot';
  const out = ok(args);
  const objects = parseYamlStream(out) as any[];
  const { objects: expected, server } = direct({
    name: 'llama-3-1-8b-instruct-vllm',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    modelServer: 'vllm',
    acceleratorType: 'nvidia-h200-141gb',
    clusterMode: ClusterMode.AUTOPILOT,
  });
  expect(objects).toEqual(expected);
  // Autopilot admits 8 x H200 per pod only: the whole machine, and no node-pool command
  const pod = objects.find((o) => o.kind === 'Deployment').spec.template.spec;
  expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe('8');
  expect(split(out).comments.join('\n')).toMatch(/Nodes \(GKE Autopilot\)/);
  expect(split(out).comments.join('\n')).not.toMatch(/node-pools create/);
  expect(server.resolution.acceleratorCount).toBe(8);
  expect(fails(`${args} --gke-version=1.30`)).toMatch(/GKE Autopilot runs 8 x nvidia-h200-141gb from 1\.31\.4-gke\.1183000 .*and --gke-version is 1\.30: set --gke-version/);
  expect(fails(`${args.replace('autopilot', 'serverless')}`, 2)).toMatch(/--cluster-mode must be one of standard, autopilot/);
});

test('a multi-host replica (LeaderWorkerSet) keeps its profile, operating point and cost comment lines', () => {
  const out = ok('manifests create --model=deepseek-ai/DeepSeek-R1 --model-server=vllm --accelerator-type=nvidia-h100-80gb --target-ntpot-milliseconds=200 '
    + '--output=comments');
  expect(out).toMatch(/^# Profile: deepseek-ai\/DeepSeek-R1 \/ vllm \S+ \/ 16 x nvidia-h100-80gb \/ a3-highgpu-8g/m);
  expect(out).toMatch(/^# Operating point: \d+ output tokens\/s/m);
  expect(out).toMatch(/^# Cost: \$[\d.]+\/M output tokens/m);
  expect(out).toMatch(/^# Cost at the HPA target: /m);
});

test('--output-path writes the same text to a file and says so on standard error', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-manifests-'));
  const file = path.join(dir, 'gemma.yaml');
  const r = cli(`${L4_TARGET} --output-path=${file}`);
  expect(r).toEqual({ code: 0, out: '', err: `Wrote ${file}\n` });
  expect(fs.readFileSync(file, 'utf8')).toBe(ok(L4_TARGET));
  expect(fails(`${L4_TARGET} --output-path=${path.join(dir, 'missing', 'x.yaml')}`)).toMatch(/Cannot write --output-path .*ENOENT/);
});

test('fails in one line: infeasible target with the achievable range, unknown accelerator, missing flag, unsupported flags', () => {
  expect(fails('manifests create --model=google/gemma-2-27b-it --model-server=vllm --accelerator-type=nvidia-l4 --target-ntpot-milliseconds=1'))
    .toMatch(/google\/gemma-2-27b-it.* --target-ntpot-milliseconds \(1\) is below the fastest NTPOT this profile reaches; achievable NTPOT: \d/);
  expect(fails('manifests create --model=google/gemma-2-27b-it --model-server=vllm --accelerator-type=nvidia-l5'))
    .toMatch(/Unknown accelerator 'nvidia-l5' \(--accelerator-type\)\. Closest: nvidia-l4/);
  expect(fails('manifests create --model=google/gemma-2-27b-it --model-server=vllm', 2)).toMatch(/Missing required flag --accelerator-type for 'manifests create'/);
  expect(fails(`${L4_TARGET} --target-itl-milliseconds=20`)).toMatch(/--target-itl-milliseconds is not supported: ITL targets are not supported yet: the measured .* profiles publish no inter-token latency/);
  expect(fails(`${L4_TARGET} --serving-stack=llm-d`)).toMatch(/--serving-stack is not supported/);
  expect(fails(`${L4_TARGET} --namespace=Not_A_Label`, 2)).toMatch(/--namespace 'Not_A_Label' must be a DNS-1123 label/);
  expect(fails(`${L4_TARGET} --use-case=code-generation`)).toMatch(/Use case 'Code Generation' has no published average lengths \(--use-case\)/);
  expect(fails(`${L4_TARGET} --average-output-tokens=1.5`, 2)).toBe('ERROR: (cdk8s-gke-inference manifests create) Flag --average-output-tokens must be a whole number of at least 1 such as 8192, got \'1.5\'');
  expect(fails(`${L4_TARGET} --max-model-length=1e4`, 2)).toMatch(/Flag --max-model-length must be a whole number of at least 1 such as 8192, got '1e4'/);
});

test('--gateway emits GKE Inference Gateway objects in front of the server, valid and wired to it, with their notes', () => {
  const out = ok(`${L4_TARGET} --gateway=external --namespace=llm`);
  const { comments } = split(out);
  const objects = parseYamlStream(out) as any[];
  expectValidManifests(objects, ['1.33']);
  const gateway = objects.find((o) => o.kind === 'Gateway');
  expect(gateway.metadata.name).toBe('gemma-2-27b-it-vllm-gateway');
  expect(gateway.spec.gatewayClassName).toBe('gke-l7-regional-external-managed');
  const pool = objects.find((o) => o.kind === 'InferencePool');
  expect(pool.spec.selector.matchLabels).toEqual({ app: 'gemma-2-27b-it-vllm' });
  const route = objects.find((o) => o.kind === 'HTTPRoute');
  expect(route.spec.rules[0].backendRefs).toEqual([{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'gemma-2-27b-it-vllm' }]);
  // one model: no body-based router needed
  expect(route.spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
  expect(comments.join('\n')).toMatch(/proxy-only subnet/);
  expect(comments.join('\n')).not.toMatch(/body-based-router/);
  // the comments still read the server's Deployment, not the Endpoint Picker's
  expect(comments.join('\n')).toMatch(/^Profile: google\/gemma-2-27b-it \/ vllm/m);
  // without the flag, nothing of the gateway
  expect((parseYamlStream(ok(L4_TARGET)) as any[]).filter((o) => ['Gateway', 'InferencePool', 'HTTPRoute'].includes(o.kind))).toEqual([]);
  expect(fails(`${L4_TARGET} --gateway=public`, 2)).toMatch(/--gateway/);
});

test('--capacity sets the pods\' nodes and the price; the comments give the node pool command and the cost at the HPA target', () => {
  const spot = ok(`${L4_TARGET} --output=comments`);
  expect(spot).toMatch(/# Node pool .*gcloud container node-pools create .* --spot/);
  expect(spot).toMatch(/# Cost: .*\(spot, us-central1/);
  expect(spot).toMatch(/# Cost at the HPA target: \$[\d.]+\/M output tokens/);
  const reserved = ok(`${L4_TARGET} --capacity=reservation --reservation-name=l4-res`);
  expect(reserved).toContain('cloud.google.com/reservation-name: l4-res');
  expect(reserved).toMatch(/# Cost: .*\(on-demand, us-central1/);
  expect(reserved).toContain('--reservation-affinity specific --reservation l4-res');
  expect(reserved).not.toContain('cloud.google.com/gke-spot');
  expect(ok(`${L4_TARGET} --capacity=on-demand --pricing-model=1-year-cud --output=comments`)).toMatch(/# Cost: .*\(1-year-cud, us-central1/);
  // contradictory capacity flags are usage mistakes (exit 2) that name the flags and the values they take
  expect(fails(`${L4_TARGET} --capacity=reservation`, 2))
    .toMatch(/--reservation-name must name the Compute Engine reservation to consume with --capacity reservation .*, got none\.$/);
  expect(fails(`${L4_TARGET} --reservation-name=abc`, 2)).toMatch(/--reservation-name is only used with --capacity reservation, but --capacity is spot/);
  expect(fails(`${L4_TARGET} --capacity=spot --pricing-model=on-demand`, 2))
    .toMatch(/--pricing-model on-demand does not price Spot capacity: with --capacity spot leave --pricing-model unset or set it to spot/);
  // a spot --pricing-model given with another capacity is refused, not silently priced on demand; left at its default it gives way
  expect(fails(`${L4_TARGET} --capacity=flex-start --pricing-model=spot`, 2)).toMatch(/--pricing-model spot prices Spot VMs, but --capacity is flex-start/);
  // flex-start bills Dynamic Workload Scheduler prices on A2, A3 and A4 (Compute Engine, "About flex-start VMs": "For A4, A3, A2, and
  // H4D machine types, you obtain vCPUs, memory, and any attached GPUs at a discounted price"): there the on-demand rate is an upper
  // bound; G2 bills it; and a commitment's rate, which flex-start VMs do not get, is refused
  expect(ok(`${L4_TARGET} --capacity=flex-start --output=comments`))
    .toMatch(/# Cost: .*\(on-demand rate, which flex-start bills on G2 \(Dynamic Workload Scheduler discounts A2, A3 and A4 only\), us-central1/);
  expect(ok('manifests create --model=google/gemma-2-27b-it --model-server=vllm --accelerator-type=nvidia-a100-80gb --capacity=flex-start --output=comments'))
    .toMatch(/# Cost: .*\(on-demand rate, an upper bound for flex-start, whose Dynamic Workload Scheduler prices on A2 are lower \(up to 53% on GPUs\), us-central1/);
  // TPU VMs have flex-start prices of their own too
  expect(ok('manifests create --model=google/gemma-2-27b-it --model-server=vllm --accelerator-type=tpu-v6e-slice --capacity=flex-start --output=comments'))
    .toMatch(/# Cost: .*\(on-demand rate, an upper bound for flex-start, whose Dynamic Workload Scheduler prices on CT6E are lower/);
  // G4 has no flex-start VMs ("except A4X and G4")
  expect(fails('manifests create --model=google/gemma-2-27b-it --model-server=vllm --accelerator-type=nvidia-rtx-pro-6000 --capacity=flex-start'))
    .toMatch(/g4-standard-\d+ VMs come only as on-demand or spot or reservation capacity .*\(except A4X and G4\)/);
  // a reservation of A3 Ultra bills at a commitment's or calendar mode's rate: the on-demand figure is an upper bound
  expect(ok('manifests create --model=meta-llama/Llama-3.1-8B-Instruct --model-server=vllm --accelerator-type=nvidia-h200-141gb --capacity=reservation '
    + '--reservation-name=h200-res --output=comments'))
    .toMatch(/# Cost: .*\(on-demand rate, an upper bound: reservations of this machine bill at a committed-use or calendar-mode/);
  expect(fails(`${L4_TARGET} --capacity=flex-start --pricing-model=1-year-cud`, 2)).toMatch(/--pricing-model 1-year-cud does not price flex-start capacity/);
});

test('manifests create holds a long use case\'s requests by default, and --max-model-length sets the limit with errors naming it', () => {
  // GIQ's Advanced Customer Support averages 9000 + 256 tokens: more than the 8192-token default, which left no way through the CLI
  const base = 'manifests create --model=meta-llama/Llama-3.1-8B-Instruct --model-server=vllm --accelerator-type=nvidia-h100-80gb --use-case=advanced-customer-support';
  expect(ok(`${base} --output=manifest`)).toContain('- --max-model-len=19456');
  expect(ok(`${base} --max-model-length=16384 --output=manifest`)).toContain('- --max-model-len=16384');
  expect(fails(`${base} --max-model-length=8192`))
    .toMatch(/exceeds the model length of 8192 tokens \(--max-model-length\): an average request would not fit; set --max-model-length to at least 9256/);
  expect(fails(`${base} --max-model-length=200000`)).toMatch(/--max-model-length.*exceeds the context length of meta-llama\/Llama-3.1-8B-Instruct \(131072 tokens\)/);
  // the listings agree with the manifests: Gemma 2 (an 8192-token context) has no profile for requests that long, and says why
  const listed = cli('profiles list --model=google/gemma-2-27b-it --use-case=advanced-customer-support');
  expect(listed.out).toBe('');
  expect(listed.err).toMatch(/Listed 0 items\. .*average request \(9256 tokens\) is longer than the model length of 8192 tokens/);
  // one reason shared by every profile is said once, with how many profiles it rejects
  expect(listed.err).toMatch(/rejected: \d\d profiles \(google\/gemma-2-27b-it \/ \w+ \S+ \/ \d x \S+, .*, \.\.\.\): the Advanced Customer Support/);
  expect(listed.err.split('is longer than the model length')).toHaveLength(2);
});

test('the listings take --max-model-length: profiles whose memory or model context cannot hold it are left out, saying why', () => {
  const accelerators = (extra: string) => ok(`accelerators list --model=meta-llama/Llama-3.1-8B-Instruct --format=value(acceleratorType,acceleratorCount) ${extra}`)
    .trim().split('\n').sort();
  const all = accelerators('');
  // a whole 128k context: one L4 holds about 13k tokens of KV cache next to the 8B weights, so it drops out, two L4s stay
  const long = accelerators('--max-model-length=131072');
  expect(all).toContain('nvidia-l4\t1');
  expect(long).not.toContain('nvidia-l4\t1');
  expect(long).toContain('nvidia-l4\t2');
  expect(long.every((l) => all.includes(l))).toBe(true);
  // longer than the model's context: every profile of it is rejected, with the flag named
  const gemma = cli('profiles list --model=google/gemma-2-27b-it --max-model-length=131072');
  expect(gemma.out).toBe('');
  expect(gemma.err).toMatch(/^Listed 0 items\. .*: --max-model-length \(131072\) exceeds the context length of google\/gemma-2-27b-it \(8192 tokens\)\.$/m);
  expect(fails('accelerators list --model=meta-llama/Llama-3.1-8B-Instruct --max-model-length=1.5', 2)).toMatch(/Flag --max-model-length must be a whole number of at least 1 such as 8192, got '1\.5'/);
  expect(fails('accelerators list --model=meta-llama/Llama-3.1-8B-Instruct --max-model-length=1000')).toMatch(/--max-model-length \(1000\) is shorter than the 2048 tokens/);
});
