import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { BEST_PRACTICE_RULES } from './best-practice-rules';
import { ClusterMode, GkeAutopilot } from './cluster-mode';
import { GKE_RULES } from './gke-autopilot-rules';
import { KUBERNETES_RULES } from './kubernetes-rules';
import { JsonObject, describe, podTemplates } from './manifest';
import { NodeFitTarget, nodeFit } from './node-fit-rules';
import { ManifestRule, RuleContext, SecurityOptOuts, Violation } from './rule';
import { SynthScope, activeSynthScope, enableSynthScope, renderOncePerSynth } from './synth-scope';
import { TPU_RULES } from './tpu-rules';
import { ensureUniqueObjectNames } from './unique-names';
import { checkOptionalEnum } from '../util/input';

/** Every rule, in the order they are reported: Kubernetes, GKE (and Autopilot), best practice. */
export const ALL_RULES: readonly ManifestRule[] = [...KUBERNETES_RULES, ...GKE_RULES, ...TPU_RULES, nodeFit, ...BEST_PRACTICE_RULES];

/** How a construct's manifests are validated. */
export interface ValidationOptions {
  /** How errors name the construct, e.g. `OptimizedLlmServer 'gemma'`. */
  readonly owner: string;
  readonly clusterMode: ClusterMode;
  readonly autopilotAcceleratorTypes: readonly string[];
  readonly optOuts: SecurityOptOuts;
  /** The rule table. */
  readonly rules?: readonly ManifestRule[];
  /** The node pool the construct's accelerator pods need, checked by gke/node-fit. */
  readonly nodeFit?: NodeFitTarget;
}

/** The props every validated construct shares. */
export interface ValidationProps {
  readonly clusterMode?: ClusterMode;
  readonly autopilotAcceleratorTypes?: string[];
}

/** Checks the validation props eagerly (they may come from JavaScript untyped) and fills in the defaults. */
export function validationOptionsFrom(props: ValidationProps, owner: string, optOuts: SecurityOptOuts = {}): ValidationOptions {
  checkOptionalEnum('clusterMode', props.clusterMode, ClusterMode, 'ClusterMode');
  const types = props.autopilotAcceleratorTypes;
  if (types !== undefined && (!Array.isArray(types) || types.some((t) => typeof t !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(t)))) {
    throw new Error(`'autopilotAcceleratorTypes' must be a list of GKE accelerator labels such as 'nvidia-l4', got ${JSON.stringify(types)}.`);
  }
  return {
    owner,
    clusterMode: props.clusterMode ?? ClusterMode.STANDARD,
    autopilotAcceleratorTypes: [...(types ?? GkeAutopilot.ALLOWED_GPU_TYPES)],
    optOuts,
  };
}

/** The rules that apply in a cluster mode. */
export function applicableRules(options: Pick<ValidationOptions, 'clusterMode' | 'rules'>): ManifestRule[] {
  return (options.rules ?? ALL_RULES).filter((r) => r.scope === 'all' || options.clusterMode === ClusterMode.AUTOPILOT);
}

/** Runs the applicable rules over synthesized objects. */
export function checkManifests(
  objects: readonly JsonObject[],
  options: Omit<ValidationOptions, 'owner'>,
  existsInChart?: RuleContext['existsInChart'],
): Violation[] {
  const ctx: RuleContext = {
    objects,
    templates: podTemplates(objects),
    clusterMode: options.clusterMode,
    autopilotAcceleratorTypes: options.autopilotAcceleratorTypes,
    optOuts: options.optOuts,
    existsInChart,
    nodeFit: options.nodeFit,
  };
  const out: Violation[] = [];
  for (const rule of applicableRules(options)) {
    rule.check(ctx, (object, path, message, fix) => out.push({ ruleId: rule.id, object: describe(object), path, message, fix }));
  }
  return out;
}

/** One line per violation: the construct, the rule, the object and path, what is wrong and how to fix it. */
export function formatViolation(owner: string, v: Violation): string {
  return `${owner}: [${v.ruleId}] ${v.object} at ${v.path || '/'}: ${v.message}. Fix: ${v.fix}.`;
}

/** Deep equality of two JSON values (objects compared key by key, whatever the key order). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], bb[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || !jsonEqual((a as JsonObject)[k], (b as JsonObject)[k])) return false;
  }
  return true;
}

/**
 * Validates, at synth time, what a construct actually emits: the `toJson()` of every ApiObject under
 * it. cdk8s runs the validation before it writes any manifest (`app.synth()`, `chart.toJson()`), and
 * `app.synth()` / `app.synthYaml()` run it twice (once for the app, once more per chart). Within one
 * synthesis (see synth-scope.ts) each object is rendered once, for the validation and the output
 * alike, and the rules run once. Outside one (`node.validate()` called directly), when the emitted
 * JSON is unchanged since the previous run and no rule had to look outside the construct, the
 * previous findings are returned without running the rules again.
 */
export function addManifestValidation(construct: Construct, options: ValidationOptions): void {
  // names must also be unique across the whole App, whoever emits them
  ensureUniqueObjectNames(construct);
  enableSynthScope(construct);
  const root = construct.node.root;
  let previous: { readonly objects: readonly JsonObject[]; readonly findings: readonly string[] } | undefined;
  let inScope: { readonly scope: SynthScope; readonly findings: readonly string[] } | undefined;
  construct.node.addValidation({
    validate: () => {
      const scope = activeSynthScope(root);
      if (scope && inScope?.scope === scope) return [...inScope.findings];
      const objects = construct.node.findAll().filter(ApiObject.isApiObject).map((o) => {
        renderOncePerSynth(o);
        return o.toJson() as JsonObject;
      });
      if (!scope && previous && jsonEqual(previous.objects, objects)) return [...previous.findings];
      let lookedOutside = false;
      const existsInChart = (apiVersion: string | undefined, kind: string, name: string, namespace: string) => {
        lookedOutside = true;
        return Chart.of(construct).node.findAll().filter(ApiObject.isApiObject).some((o) => o.kind === kind && o.name === name
          && (apiVersion === undefined || o.apiVersion === apiVersion) && (o.metadata.namespace ?? '') === namespace);
      };
      const findings = checkManifests(objects, options, existsInChart).map((v) => formatViolation(options.owner, v));
      // within a synthesis nothing changes between passes, not even outside the construct
      inScope = scope ? { scope, findings } : undefined;
      // the objects of a synthesis are its output, which the caller may change: they are not kept beyond it
      previous = scope || lookedOutside ? undefined : { objects, findings };
      return [...findings];
    },
  });
}
