import { spawn, spawnSync } from 'child_process';
import { Chart, Testing } from 'cdk8s';
import { InferenceGateway, OptimizedLlmServer, OptimizedLlmServerProps } from '../src';
import { expectValidManifests } from './support/k8s-validator';
import { VLLM } from '../src/catalog/model-servers';
import { preStopFor } from '../src/server/termination';

/**
 * How server pods stop. The inference extension's reference vLLM Deployment (kubernetes-sigs/gateway-api-inference-extension
 * v1.5.0 config/manifests/vllm/gpu-deployment.yaml) sleeps 30 s in preStop "to give upstream gateways a chance to take us out of
 * rotation", sets `enableServiceLinks: false`, and keeps its grace period "longer than the slowest request we expect to serve";
 * the cluster autoscaler waits at most 600 s (--max-graceful-termination-sec) when it removes a node.
 */
const ENGINE = 'us-docker.pkg.dev/my-project/inference/maxengine-server:maxtext-2024-10-09';
function synth(props: OptimizedLlmServerProps, gateway = false): { server: OptimizedLlmServer; objects: any[] } {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const server = new OptimizedLlmServer(chart, 'srv', props);
  if (gateway) new InferenceGateway(chart, 'gw', { servers: [server] });
  return { server, objects: Testing.synth(chart) };
}
const podsOf = (objects: any[]) => objects.flatMap((o) => (o.kind === 'Deployment' ? [o.spec.template.spec]
  : o.kind === 'LeaderWorkerSet' ? [o.spec.leaderWorkerTemplate.leaderTemplate.spec, o.spec.leaderWorkerTemplate.workerTemplate.spec] : []))
  .filter((p) => p.containers.some((c: any) => c.resources?.limits?.['nvidia.com/gpu'] || c.resources?.limits?.['google.com/tpu'] || c.name === 'jetstream-http'));

test('server pods pause 30 s in preStop, drain the requests in flight, outlast the longest request, and take no Service links', () => {
  const cases: OptimizedLlmServerProps[] = [
    { model: 'google/gemma-2-2b-it', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 20 },
    { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 200 },
    { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', modelServer: 'tgi', targetNtpotMilliseconds: 200 },
    // an engine built from a MaxText with the llama3.1-8b config (Google's v0.2.2 image predates it)
    { model: 'meta-llama/Llama-3.1-8B-Instruct', modelServer: 'jetstream', acceleratorType: 'tpu-v6e-slice', modelBucketUri: 'gs://ckpt-bucket/llama/items', image: ENGINE },
    { model: 'meta-llama/Llama-3.1-405B-Instruct', acceleratorType: 'nvidia-h100-80gb' },
  ];
  const graces: number[] = [];
  for (const props of cases) {
    const { server, objects } = synth(props);
    expectValidManifests(objects);
    const r = server.resolution;
    // the longest request: every token maxModelLength allows at the operating point's NTPOT (the high end of an estimate's band)
    const ntpot = r.uncertainty?.ntpotMillisecondsHigh ?? r.performance.ntpotMilliseconds;
    const ttft = r.uncertainty?.ttftMillisecondsHigh ?? r.performance.ttftMilliseconds ?? 0;
    const longest = Math.max(30, Math.ceil(1.5 * (ttft + r.maxModelLength * ntpot) / 1000));
    const pods = podsOf(objects);
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      expect(pod.enableServiceLinks).toBe(false);
      expect(pod.terminationGracePeriodSeconds).toBe(Math.min(600, 30 + longest));
      for (const c of pod.containers) {
        const command: string[] = c.lifecycle.preStop.exec.command;
        if (r.modelServer === 'jetstream') {
          expect(command).toEqual(['sleep', '30']);
        } else {
          // vLLM before 0.18 aborts in-flight requests on SIGTERM: the preStop waits them out, bounded by the grace period less 5 s
          const gauges = r.modelServer === 'tgi' ? 'tgi_queue_size,tgi_batch_current_size' : 'vllm:num_requests_waiting,vllm:num_requests_running';
          // vLLM's step counters end a drain whose gauges froze after aborts (vllm-project/vllm#22545); TGI has none
          const counters = r.modelServer === 'tgi' ? '' : 'vllm:generation_tokens_total,vllm:prompt_tokens_total';
          expect(command.slice(0, 2)).toEqual(['python3', '-c']);
          expect(command.slice(3)).toEqual(['8000', String(pod.terminationGracePeriodSeconds - 5), '120', gauges, counters]);
        }
      }
    }
    graces.push(pods[0].terminationGracePeriodSeconds);
    expect(server.deploymentNotes.join('\n')).toMatch(new RegExp(`Shutdown: each server pod pauses 30 s in preStop .*terminationGracePeriodSeconds of ${graces[graces.length - 1]} s`));
  }
  // a fast operating point stops sooner than a slow one, which the autoscaler's 600 s caps
  expect(Math.min(...graces)).toBeLessThan(600);
  expect(Math.max(...graces)).toBe(600);
});

test('behind a gateway the grace period covers the backend timeout the load balancer allows, up to the autoscaler\'s 600 s', () => {
  const { objects } = synth({ model: 'google/gemma-2-2b-it', acceleratorType: 'nvidia-h100-80gb', targetNtpotMilliseconds: 20 }, true);
  const policy = objects.find((o) => o.kind === 'GCPBackendPolicy');
  const timeout = policy.spec.default.timeoutSec;
  const pod = podsOf(objects)[0];
  expect(timeout).toBeLessThan(570);
  expect(pod.terminationGracePeriodSeconds).toBe(30 + timeout);
});

test('the drain script waits while the server reports requests in flight and stops when none are left or the server is gone', () => {
  // run the emitted script (its 30 s pause shortened) against a stand-in /metrics endpoint, when python3 is on this machine
  if (spawnSync('python3', ['--version']).status !== 0) return;
  const command: string[] = preStopFor(VLLM, 600).preStop!.exec!.command!;
  const script = command[2].replace('time.sleep(30)', 'time.sleep(0)');
  const server = [
    'import http.server, sys, time',
    'start = time.time()',
    'class H(http.server.BaseHTTPRequestHandler):',
    '    def do_GET(self):',
    '        busy = 3 if time.time() - start < 2 else 0',
    '        body = ("vllm:num_requests_running{model_name=\\"m\\"} %d.0\\nvllm:num_requests_waiting{model_name=\\"m\\"} 0.0\\n" % busy).encode()',
    '        self.send_response(200); self.end_headers(); self.wfile.write(body)',
    '    def log_message(self, *a): pass',
    'http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()',
  ].join('\n');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const fake = spawn('python3', ['-c', server, String(port)]);
  try {
    spawnSync('python3', ['-c', 'import time; time.sleep(0.5)']);
    const started = Date.now();
    const run = spawnSync('python3', ['-c', script, String(port), '20', ...command.slice(5)], { timeout: 30_000 });
    expect(run.status).toBe(0);
    const waited = (Date.now() - started) / 1000;
    expect(waited).toBeGreaterThan(1);
    expect(waited).toBeLessThan(10);
  } finally {
    fake.kill();
  }
  // nothing answers: it returns at once
  const started = Date.now();
  expect(spawnSync('python3', ['-c', script, '1', '20', '120', 'x', ''], { timeout: 30_000 }).status).toBe(0);
  expect((Date.now() - started) / 1000).toBeLessThan(5);
});

test('the drain ends when vLLM\'s gauges froze after aborted requests (no step counted for the idle window), not while tokens flow', () => {
  // vllm-project/vllm#22545: "Stats don't update to zero when all requests are aborted"; the gauges keep their last values
  if (spawnSync('python3', ['--version']).status !== 0) return;
  const command: string[] = preStopFor(VLLM, 600).preStop!.exec!.command!;
  const script = command[2].replace('time.sleep(30)', 'time.sleep(0)');
  const fakeServer = (mode: 'frozen' | 'moving' | 'no counters') => [
    'import http.server, sys, time',
    'start = time.time()',
    'class H(http.server.BaseHTTPRequestHandler):',
    '    def do_GET(self):',
    `        tokens = ${mode === 'moving' ? 'int((time.time() - start) * 100)' : '5000'}`,
    '        body = "vllm:num_requests_running{model_name=\\"m\\"} 3.0\\nvllm:num_requests_waiting{model_name=\\"m\\"} 1.0\\n"',
    `        if ${mode === 'no counters' ? 'False' : 'True'}:`,
    '            body += "vllm:generation_tokens_total{model_name=\\"m\\"} %d.0\\nvllm:prompt_tokens_total{model_name=\\"m\\"} 900.0\\n" % tokens',
    '        self.send_response(200); self.end_headers(); self.wfile.write(body.encode())',
    '    def log_message(self, *a): pass',
    'http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()',
  ].join('\n');
  // frozen gauges and counters: the idle window ends it; tokens flowing, or counters the server does not export (a long decode
  // keeps the gauges steady): the limit does
  for (const mode of ['frozen', 'moving', 'no counters'] as const) {
    const moving = mode !== 'frozen';
    const port = 20000 + Math.floor(Math.random() * 20000);
    const fake = spawn('python3', ['-c', fakeServer(mode), String(port)]);
    try {
      spawnSync('python3', ['-c', 'import time; time.sleep(0.5)']);
      const started = Date.now();
      // an idle window of 3 s and a limit of 9 s: frozen gauges end it after the window; tokens still flowing hold it to the limit
      const run = spawnSync('python3', ['-c', script, String(port), '9', '3', ...command.slice(6)], { timeout: 30_000 });
      expect(run.status).toBe(0);
      const waited = (Date.now() - started) / 1000;
      if (moving) expect(waited).toBeGreaterThan(8);
      else expect(waited).toBeLessThan(7);
      expect(waited).toBeGreaterThan(2.5);
    } finally {
      fake.kill();
    }
  }
});
