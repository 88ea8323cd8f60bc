/**
 * How a server pod stops: a preStop pause while the Service endpoints, the gateway and the load balancer stop sending it new
 * requests, then time to finish the requests in flight before the kubelet kills it. Without it a scale-in, a rollout or a
 * node drain cuts every generation longer than the 30 s Kubernetes default.
 */
import { k8s } from 'cdk8s-plus-28';
import { derivedRequestTimeout } from '../gateway/request-timeout';
import { SPOT_POD_GRACE_SECONDS } from '../resolver/node-pool';
import { Capacity, Resolution } from '../resolver/resolution';

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
  return {
    seconds,
    explanation: `Shutdown: each server pod pauses ${PRE_STOP_SLEEP_SECONDS} s in preStop while the Service, gateway and load balancer stop sending `
      + `it new requests, then has until ${seconds} s (terminationGracePeriodSeconds) to finish those in flight: ${PRE_STOP_SLEEP_SECONDS} s + the `
      + `longest request at the operating point, ${request.explanation}`
      + (wanted > MAX_GRACE_SECONDS ? `, capped at ${MAX_GRACE_SECONDS} s, what the cluster autoscaler waits when it removes a node (longer `
        + 'generations are cut on scale-in)' : '')
      + (r.nodePool.capacity === Capacity.SPOT ? `. A Spot preemption gives pods ${SPOT_POD_GRACE_SECONDS} s whatever the grace period` : '')
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
