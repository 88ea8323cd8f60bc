/**
 * The load balancer's backend timeout for one server: long enough for the longest generation the server
 * accepts at its operating point. GKE's GCPBackendPolicy `timeoutSec` is the backend service timeout, which
 * for an Application Load Balancer bounds the whole response (a streamed completion included); the
 * inferencepool chart sets a fixed 300 s "adjust as needed" (config/charts/inferencepool/templates/gke.yaml @
 * v1.5.0), which cuts off long generations of slow operating points and is needlessly long for fast ones.
 */
import { Resolution } from '../resolver/resolution';

/** Headroom over the derived worst case: the operating point is a mean, and load varies around it. */
export const TIMEOUT_MARGIN = 1.5;
/** Never below the backend service default (30 s): the health of a short request is not the timeout's business. */
export const MIN_TIMEOUT_SECONDS = 30;
/** The CRD's maximum for `timeoutSec` (int32). */
export const MAX_TIMEOUT_SECONDS = 2_147_483_647;

/** The derived timeout and how it was reached. */
export interface DerivedTimeout {
  readonly seconds: number;
  readonly explanation: string;
}

/**
 * `TIMEOUT_MARGIN x (TTFT + maxModelLength x NTPOT)`, at the high end of an estimated profile's band: a
 * request may ask for as many output tokens as the context holds, and each costs NTPOT at the operating
 * point (NTPOT already spreads prefill and queueing over the output tokens, so it over- rather than
 * under-states a long decode).
 */
export function derivedRequestTimeout(r: Resolution): DerivedTimeout {
  const p = r.performance;
  const ntpot = r.uncertainty?.ntpotMillisecondsHigh ?? p.ntpotMilliseconds;
  // a measured profile without a TTFT column (GIQ's points): NTPOT already carries the prefill, so nothing is added for it
  const knownTtft = r.uncertainty?.ttftMillisecondsHigh ?? p.ttftMilliseconds;
  const ttft = knownTtft ?? 0;
  const worstSeconds = (ttft + r.maxModelLength * ntpot) / 1000;
  const seconds = Math.min(MAX_TIMEOUT_SECONDS, Math.max(MIN_TIMEOUT_SECONDS, Math.ceil(TIMEOUT_MARGIN * worstSeconds)));
  const band = r.uncertainty ? ' (high end of the estimate)' : '';
  return {
    seconds,
    explanation: `${seconds} s = ${TIMEOUT_MARGIN} x (${knownTtft === undefined ? 'no TTFT measured' : `${Math.round(ttft)} ms TTFT`} + `
      + `${r.maxModelLength} tokens (maxModelLength) x `
      + `${Math.round(ntpot * 10) / 10} ms NTPOT${band})${seconds === MIN_TIMEOUT_SECONDS ? `, at least ${MIN_TIMEOUT_SECONDS} s` : ''}`,
  };
}
