/**
 * How a server pod stops: a preStop pause while the Service endpoints, the gateway and the load balancer stop sending it new
 * requests, then time to finish the requests in flight before the kubelet kills it. Without it a scale-in, a rollout or a
 * node drain cuts every generation longer than the 30 s Kubernetes default.
 */
import { k8s } from 'cdk8s-plus-28';
import { ModelServerRecord } from '../catalog/model-servers';
import { derivedRequestTimeout } from '../gateway/request-timeout';
import { Resolution } from '../resolver/resolution';

/**
 * The preStop pause, s: the inference extension's reference vLLM Deployment sleeps 30 s in preStop "to give upstream gateways a
 * chance to take us out of rotation" (kubernetes-sigs/gateway-api-inference-extension v1.5.0
 * config/manifests/vllm/gpu-deployment.yaml; kubernetes-engine-samples ai-ml/infw-gw repeats it).
 */
export const PRE_STOP_SLEEP_SECONDS = 30;
/**
 * The longest grace period that helps, s: the cluster autoscaler waits at most `--max-graceful-termination-sec` for a node's pods
 * when it removes the node, 600 s by default (kubernetes/autoscaler cluster-autoscaler FAQ; kubernetes/kubernetes#94435: pods
 * with a 3-hour grace period killed 10 minutes in by the autoscaler's scale-down).
 */
export const MAX_GRACE_SECONDS = 600;

/** The pod's grace period and why. */
export interface TerminationGrace {
  readonly seconds: number;
  readonly explanation: string;
}

/**
 * `terminationGracePeriodSeconds`: the preStop pause plus the longest request at the operating point (the gateway's backend
 * timeout, `derivedRequestTimeout`: 1.5 x (TTFT + maxModelLength x NTPOT), at least 30 s), "longer than the slowest request we
 * expect to serve" as the reference Deployment puts it, at most what the cluster autoscaler honours.
 */
export function terminationGrace(r: Resolution): TerminationGrace {
  const request = derivedRequestTimeout(r);
  const wanted = PRE_STOP_SLEEP_SECONDS + request.seconds;
  const seconds = Math.min(MAX_GRACE_SECONDS, wanted);
  const drains = DRAINING_SERVERS.includes(r.modelServer);
  return {
    seconds,
    explanation: `Shutdown: each server pod pauses ${PRE_STOP_SLEEP_SECONDS} s in preStop while the Service, gateway and load balancer stop sending `
      + 'it new requests, '
      + (drains
        ? 'then waits in preStop until the server has no running or waiting request (python3 polling its /metrics; vLLM before 0.18 '
          + `aborts in-flight requests on SIGTERM), at most until ${seconds - DRAIN_MARGIN_SECONDS} s, of a terminationGracePeriodSeconds of ${seconds} s: `
        : `then gets SIGTERM (how ${r.modelServer} treats requests in flight then is not verified), within a terminationGracePeriodSeconds of ${seconds} s: `)
      + `${PRE_STOP_SLEEP_SECONDS} s + the longest request at the operating point, ${request.explanation}`
      + (wanted > MAX_GRACE_SECONDS ? `, capped at ${MAX_GRACE_SECONDS} s, what the cluster autoscaler waits when it removes a node (longer `
        + 'generations are cut on scale-in)' : '')
      + (r.nodePool.spotPreemptionGraceSeconds !== undefined
        ? `. A Spot preemption gives pods ${r.nodePool.spotPreemptionGraceSeconds} s whatever the grace period` : '')
      + '.',
  };
}

/**
 * The preStop pause of a server container: `sleep` run directly (no shell), which the vLLM, TGI and JetStream images carry; were an
 * image without it, the kubelet records FailedPreStopHook and goes on to stop the container, so the grace period still holds.
 */
export function preStopPause(): k8s.Lifecycle {
  return { preStop: { exec: { command: ['sleep', String(PRE_STOP_SLEEP_SECONDS)] } } };
}

/** Servers whose images carry python3 and whose /metrics count the requests in flight: their preStop drains (`preStopDrain`). */
const DRAINING_SERVERS: readonly string[] = ['vllm', 'tgi'];
/** Seconds between the end of the drain and the grace period's end: SIGTERM, then the kubelet's SIGKILL. */
const DRAIN_MARGIN_SECONDS = 5;

/**
 * Counters that move on every engine step while requests run (vLLM: `vllm:generation_tokens_total` per decoded token,
 * `vllm:prompt_tokens_total` as prefills complete). vLLM's V1 engine refreshes its scheduler gauges only from engine steps, so when
 * the last requests are aborted (a client disconnects or times out) the gauges keep their last values until a new request arrives
 * (vllm-project/vllm#22545, "Stats don't update to zero when all requests are aborted"; #29928): a draining pod, which gets no new
 * request, would wait out the whole grace period. Where a server has such counters, the drain also ends when neither they nor the
 * gauges have moved for `DRAIN_IDLE_SECONDS`.
 */
const PROGRESS_COUNTERS: { readonly [server: string]: readonly string[] } = {
  vllm: ['vllm:generation_tokens_total', 'vllm:prompt_tokens_total'],
};
/**
 * Seconds without any step counted before a drain takes the gauges for stale. Decode steps move `generation_tokens_total` many
 * times a second, but V1 counts a prompt's tokens only when its whole prefill completes ("EngineCore does not stream outputs
 * for partially completed prefills", vllm/v1/metrics/stats.py), so with nothing else decoding the counters stand still for one
 * request's whole prefill: 120 s is over the longest the catalog's shapes estimate (about 40 s for a 60k-token prompt of a 70B
 * model on 2 x 8 L4).
 */
export const DRAIN_IDLE_SECONDS = 120;

/**
 * The drain, run by python3 with its parameters as arguments (no shell, nothing interpolated into the code): pause, then poll the
 * server's /metrics (the LeaderWorkerSet leader's on a multi-host group: LWS_LEADER_ADDRESS) until the queue and running-batch
 * gauges sum to 0, the endpoint stops answering, the time is up, or (with progress counters) nothing has moved for the idle window.
 */
const DRAIN_SCRIPT = [
  'import os, re, sys, time, urllib.request',
  'port, limit, idle = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])',
  'gauges, counters = sys.argv[4].split(","), [c for c in sys.argv[5].split(",") if c]',
  'end = time.time() + limit',
  `time.sleep(${PRE_STOP_SLEEP_SECONDS})`,
  'host = os.environ.get("LWS_LEADER_ADDRESS") or "127.0.0.1"',
  String.raw`series = lambda names: re.compile(r"^(?:" + "|".join(re.escape(n) for n in names) + r")(?:\{[^}]*\})? (\S+)$", re.M)`,
  'busy, moving = series(gauges), series(gauges + counters)',
  'counted = series(counters) if counters else None',
  'last, since = None, time.time()',
  'while time.time() < end:',
  '    try:',
  '        text = urllib.request.urlopen("http://%s:%s/metrics" % (host, port), timeout=5).read().decode()',
  '    except Exception:',
  '        break',
  '    found = busy.findall(text)',
  '    if not found:',
  '        print("drain: /metrics names none of %s; not waiting" % ", ".join(gauges), file=sys.stderr)',
  '        break',
  '    if sum(float(v) for v in found) == 0:',
  '        break',
  '    seen = moving.findall(text)',
  '    if seen != last:',
  '        last, since = seen, time.time()',
  '    elif counted and counted.findall(text) and time.time() - since >= idle:',
  '        break',
  '    time.sleep(2)',
].join('\n');

/**
 * The preStop of a server container: on vLLM and TGI a drain that waits for the requests in flight (vLLM before 0.18 aborts them on
 * SIGTERM: vllm-project/vllm#34730 and #36666 added `--shutdown-timeout`, "Previously, SIGTERM to the API server ... would cause
 * immediate process termination without coordinating request handling"), bounded by the grace period less a margin; elsewhere
 * the pause.
 */
export function preStopFor(server: ModelServerRecord, graceSeconds: number): k8s.Lifecycle {
  if (!DRAINING_SERVERS.includes(server.name)) return preStopPause();
  const limit = Math.max(PRE_STOP_SLEEP_SECONDS, graceSeconds - DRAIN_MARGIN_SECONDS);
  return {
    preStop: {
      exec: {
        command: ['python3', '-c', DRAIN_SCRIPT, String(server.port), String(limit), String(DRAIN_IDLE_SECONDS),
          `${server.queueSizeMetric},${server.batchSizeMetric}`, (PROGRESS_COUNTERS[server.name] ?? []).join(',')],
      },
    },
  };
}
