/**
 * The model names a server answers to behind the gateway: its base model and its LoRA adapters. GKE's body-based router
 * copies the OpenAI request's `model` into `X-Gateway-Model-Name`, and an adapter is requested by its name there like a
 * model ("A LoRA name is also provided as the model name in the request body"; "All model names, including base and
 * LoRA names must be unique in order to be able to understand what is the correct InferencePool that should receive the
 * request": site-src/guides/serving-multiple-inference-pools-latest.md of gateway-api-inference-extension @ v1.5.0), so
 * the server's HTTPRoute matches every one of its names and sends them all to its pool.
 */
import { HttpRouteSpecRulesMatches, HttpRouteSpecRulesMatchesHeadersType, HttpRouteSpecRulesMatchesPathType } from '../imports/gateway.networking.k8s.io';
import { Resolution } from '../resolver/resolution';

/** Matches per HTTPRoute rule (`spec.rules[].matches` maxItems 64, gateway.networking.k8s.io_httproutes.yaml). */
const MATCHES_PER_RULE = 64;
/** Matches per HTTPRoute: "the total number of matches across all rules in a route must be less than 128" (its CEL rule). */
const MATCHES_PER_ROUTE = 127;

/** A model name served, and what serves it. */
export interface ServedName {
  readonly name: string;
  /** `model` for the base model, else the adapter's name. */
  readonly kind: 'model' | 'adapter';
}

/** The base model's name, then each adapter's. */
export function servedNames(r: Resolution): ServedName[] {
  return [{ name: r.model, kind: 'model' }, ...(r.lora?.adapters ?? []).map((a) => ({ name: a.name, kind: 'adapter' as const }))];
}

/** How a message names a served name: `model 'x'` or `LoRA adapter 'y'`. */
export function describeName(n: ServedName): string {
  return n.kind === 'model' ? `model '${n.name}'` : `LoRA adapter '${n.name}'`;
}

/**
 * The match groups of a server's route: one rule per 64 names, each name an exact match on the model-name header.
 * @throws Error when the names exceed what one HTTPRoute holds
 */
export function modelNameMatches(names: readonly ServedName[], header: string, serverName: string): HttpRouteSpecRulesMatches[][] {
  if (names.length > MATCHES_PER_ROUTE) {
    throw new Error(`OptimizedLlmServer '${serverName}' answers to ${names.length} model names (its model and ${names.length - 1} LoRA adapters), `
      + `more than the ${MATCHES_PER_ROUTE} matches one HTTPRoute may hold: serve at most ${MATCHES_PER_ROUTE - 1} adapters on one server `
      + '(load more at run time with \'runtimeLoraUpdating\' and route them yourself).');
  }
  const groups: HttpRouteSpecRulesMatches[][] = [];
  for (let i = 0; i < names.length; i += MATCHES_PER_RULE) {
    groups.push(names.slice(i, i + MATCHES_PER_RULE).map((n) => ({
      path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: '/' },
      headers: [{ type: HttpRouteSpecRulesMatchesHeadersType.EXACT, name: header, value: n.name }],
    })));
  }
  return groups;
}
