/**
 * Read-only helpers over synthesized manifests (plain JSON, as `ApiObject.toJson()` returns it).
 * The rules never trust a shape: every accessor tolerates missing or mistyped fields.
 */

/** A JSON object. */
export interface JsonObject {
  readonly [key: string]: unknown;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What `obj` and `arr` return for a missing or mistyped field: shared and frozen, so that reading one allocates nothing. */
const NO_OBJECT: JsonObject = Object.freeze({});
const NO_ARRAY: readonly unknown[] = Object.freeze([]);

export function obj(v: unknown): JsonObject {
  return isObject(v) ? v : NO_OBJECT;
}

export function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : NO_ARRAY;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** JSON pointer segment escaping (RFC 6901). */
export function ptr(...segments: Array<string | number>): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Short JSON rendering of a value for messages. */
export function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** `Kind/name` of a manifest. */
export function describe(o: JsonObject): string {
  return `${str(o.kind) ?? '<no kind>'}/${str(obj(o.metadata).name) ?? '<no name>'}`;
}

export function namespaceOf(o: JsonObject): string {
  return str(obj(o.metadata).namespace) ?? '';
}

/** A pod template found in a workload, with the JSON pointer of its pod spec. */
export interface PodTemplate {
  readonly owner: JsonObject;
  /** Pointer of the template (`/spec/template`), or '' for a bare Pod. */
  readonly path: string;
  readonly labels: JsonObject;
  readonly annotations: JsonObject;
  readonly spec: JsonObject;
  /** Init containers, then containers. */
  readonly containers: readonly ContainerRef[];
}

/** The label the LeaderWorkerSet controller puts on every pod of a set, with the set's name. */
export const LWS_NAME_LABEL = 'leaderworkerset.sigs.k8s.io/name';

/** Kinds whose pods run until stopped (probes matter); Jobs and CronJobs run to completion. */
export const LONG_RUNNING_KINDS: readonly string[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod', 'LeaderWorkerSet'];

export function podTemplates(objects: readonly JsonObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    const spec = obj(o.spec);
    const add = (tpl: unknown, path: string, controllerLabels: JsonObject = {}) => {
      if (!isObject(tpl)) return;
      const meta = obj(tpl.metadata);
      const podSpec = obj(tpl.spec);
      const containers = containerRefs(podSpec, path);
      const labels = { ...obj(meta.labels), ...controllerLabels };
      out.push({ owner: o, path, labels, annotations: obj(meta.annotations), spec: podSpec, containers });
    };
    switch (o.kind) {
      case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job':
        add(spec.template, '/spec/template');
        break;
      case 'CronJob':
        add(obj(obj(spec.jobTemplate).spec).template, '/spec/jobTemplate/spec/template');
        break;
      case 'LeaderWorkerSet': {
        // the LWS controller labels every pod of the set with the set's name (what a leader Service selects on)
        const lws = { [LWS_NAME_LABEL]: obj(o.metadata).name };
        add(obj(spec.leaderWorkerTemplate).leaderTemplate, '/spec/leaderWorkerTemplate/leaderTemplate', lws);
        add(obj(spec.leaderWorkerTemplate).workerTemplate, '/spec/leaderWorkerTemplate/workerTemplate', lws);
        break;
      }
      case 'Pod':
        add(o, '');
        break;
      default:
    }
  }
  return out;
}

/** A container of a pod spec with its JSON pointer. */
export interface ContainerRef {
  readonly container: JsonObject;
  readonly path: string;
  readonly init: boolean;
}

function containerRefs(spec: JsonObject, path: string): ContainerRef[] {
  const list = (field: 'containers' | 'initContainers') => arr(spec[field]).map((c, i) => ({
    container: obj(c),
    path: `${path}/spec/${field}/${i}`,
    init: field === 'initContainers',
  }));
  return [...list('initContainers'), ...list('containers')];
}

/** The init containers, then the containers, of a pod template. */
export function containersOf(t: PodTemplate): readonly ContainerRef[] {
  return t.containers;
}

/** Kubernetes label-selector semantics (`matchLabels` and `matchExpressions`); an empty selector matches everything. */
export function selectorMatches(selector: JsonObject, labels: JsonObject): boolean {
  for (const [k, v] of Object.entries(obj(selector.matchLabels))) {
    if (labels[k] !== v) return false;
  }
  for (const e of arr(selector.matchExpressions).map(obj)) {
    const key = str(e.key) ?? '';
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    const values = arr(e.values);
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

export function isEmptySelector(selector: JsonObject): boolean {
  return Object.keys(obj(selector.matchLabels)).length === 0 && arr(selector.matchExpressions).length === 0;
}

const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?[0-9]+)|([numkMGTPE]))?$/;
const BINARY: { readonly [suffix: string]: number } = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: { readonly [suffix: string]: number } = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity (`500m`, `16Gi`, `2`, `1e3`, or a number) as a number; undefined when it is not one. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  if (QUANTITY_MEMO.has(q)) return QUANTITY_MEMO.get(q);
  const v = parseQuantityString(q);
  if (QUANTITY_MEMO.size < 4096) QUANTITY_MEMO.set(q, v);
  return v;
}

/** The few distinct quantities of a synthesis ('4', '77Gi', ...) recur in every server. */
const QUANTITY_MEMO = new Map<string, number | undefined>();

function parseQuantityString(q: string): number | undefined {
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * BINARY[m[2]];
  if (m[3]) return base * 10 ** Number(m[3]);
  if (m[4]) return base * DECIMAL[m[4]];
  return base;
}

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Remembers the answers of a string predicate: the same label keys, values and names recur in every
 * object of every server of a synthesis.
 */
function remembered(test: (v: string) => boolean): (v: string) => boolean {
  const answers = new Map<string, boolean>();
  return (v) => {
    let answer = answers.get(v);
    if (answer === undefined) {
      answer = test(v);
      if (answers.size < 8192) answers.set(v, answer);
    }
    return answer;
  };
}

export function isDns1123Label(v: string): boolean {
  return v.length <= 63 && DNS1123_LABEL.test(v);
}

export const isDns1123Subdomain: (v: string) => boolean = remembered((v) => v.length <= 253 && DNS1123_SUBDOMAIN.test(v));

export function isDns1035Label(v: string): boolean {
  return v.length <= 63 && DNS1035_LABEL.test(v);
}

/** A label or annotation key: optional DNS-1123 subdomain prefix and `/`, then a name of at most 63 characters. */
export const isQualifiedName: (key: string) => boolean = remembered((key) => {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return false;
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name);
});

const isLabelValueString = remembered((v) => v.length <= 63 && LABEL_VALUE.test(v));

export function isLabelValue(v: unknown): boolean {
  return typeof v === 'string' && isLabelValueString(v);
}

/** An IANA service name, the format of container port names: at most 15 characters, a letter, no `--`. */
export const isPortName: (v: string) => boolean = remembered((v) => v.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(v)
  && !v.includes('--') && /[a-z]/.test(v));

export function isValidPort(p: unknown): boolean {
  return Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
}
