/**
 * One synthesis of an App, so that its manifests are rendered once.
 *
 * cdk8s validates the whole App before it writes any manifest, and `app.synthYaml()` / `app.synth()` validate it once
 * more per chart (`chart.toJson()` validates the App again); each pass of a manifest validation renders the objects with
 * `ApiObject.toJson()`, and the output renders them once more. Between those passes only cdk8s runs: no user code can
 * change an object. So within one synthesis (from the outermost `app.synth()`, `app.synthYaml()` or `chart.toJson()` to its
 * return) each object of a validated construct is rendered once, and the validation pass, the next passes and the output
 * share that rendering; a construct's findings are computed once too. Outside a synthesis (an `apiObject.toJson()` or
 * `node.validate()` called directly) nothing is remembered: every call renders afresh, as cdk8s does.
 *
 * The scope is kept by wrapping `synth`, `synthYaml` and `toJson` on the App and on the charts above a validated construct
 * (own properties of those instances that call the class's method; nothing global is changed), and `toJson` on the
 * construct's ApiObjects.
 */
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

/** The state of one synthesis of an App: a fresh object per outermost call, discarded when it returns. */
export interface SynthScope {
  /** The rendering of each object so far. */
  readonly rendered: Map<ApiObject, unknown>;
}

interface ScopeState {
  depth: number;
  scope?: SynthScope;
}

const WRAPPED = Symbol.for('cdk8s-gke-inference.synth-scope');
const states = new WeakMap<IConstruct, ScopeState>();

/** The synthesis of `root`'s App under way, if any. */
export function activeSynthScope(root: IConstruct): SynthScope | undefined {
  return states.get(root)?.scope;
}

function stateOf(root: IConstruct): ScopeState {
  let state = states.get(root);
  if (!state) {
    state = { depth: 0 };
    states.set(root, state);
  }
  return state;
}

type Target = IConstruct & { [WRAPPED]?: true; [method: string]: unknown };

/** Replaces `methods` of `target` by own properties that run the original inside the synthesis scope of `root`. */
function wrapEntryPoints(target: Target, root: IConstruct, methods: readonly string[]): void {
  if (target[WRAPPED] || Object.isFrozen(target)) return;
  Object.defineProperty(target, WRAPPED, { value: true });
  const state = stateOf(root);
  for (const method of methods) {
    if (typeof target[method] !== 'function') continue;
    Object.defineProperty(target, method, {
      configurable: true,
      writable: true,
      value: function synthesisScope(this: unknown, ...args: unknown[]): unknown {
        if (state.depth++ === 0) state.scope = { rendered: new Map() };
        try {
          // the class's method, looked up at each call
          return (Object.getPrototypeOf(target)[method] as (...a: unknown[]) => unknown).apply(this, args);
        } finally {
          if (--state.depth === 0) {
            // the renderings are the caller's output now: nothing keeps them
            state.scope!.rendered.clear();
            state.scope = undefined;
          }
        }
      },
    });
  }
}

/** Makes the synthesis of `construct`'s App, through its App or any chart above it, a scope (once per App and chart). */
export function enableSynthScope(construct: IConstruct): void {
  const root = construct.node.root;
  for (const scope of construct.node.scopes) {
    if (scope === root) wrapEntryPoints(scope as unknown as Target, root, ['synth', 'synthYaml', 'toJson']);
    else if (Chart.isChart(scope)) wrapEntryPoints(scope as unknown as Target, root, ['toJson']);
  }
}

/** Has `o.toJson()` render once per synthesis of its App (and afresh outside one), for the validation and the output alike. */
export function renderOncePerSynth(o: ApiObject): void {
  const target = o as unknown as Target;
  if (target[WRAPPED] || Object.isFrozen(o)) return;
  Object.defineProperty(target, WRAPPED, { value: true });
  const root = o.node.root;
  // the class's own rendering, looked up at each call
  const original = (self: ApiObject): unknown => Object.getPrototypeOf(self).toJson.call(self);
  Object.defineProperty(target, 'toJson', {
    configurable: true,
    writable: true,
    value: function renderedOnce(this: ApiObject): unknown {
      const scope = activeSynthScope(root);
      if (!scope || this !== o) return original(this);
      let json = scope.rendered.get(o);
      if (json === undefined) {
        json = original(o);
        scope.rendered.set(o, json);
      }
      return json;
    },
  });
}
