/**
 * Strict, offline validation of synthesized Kubernetes manifests (test support only).
 *
 * Layer 1 (schema): Ajv 8 over the vendored Kubernetes `definitions` for one minor version plus the
 * vendored CRD schemas, tightened with `additionalProperties: false` (kubeconform `--strict` style),
 * dispatched by apiVersion/kind. An apiVersion/kind with no schema is an error.
 * Layer 3 (semantic): the API server's Go validation rules that no schema expresses
 * (see /work/shared/reference/validation.md, sections 3 and 5).
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

/** The shared folder beside the repository (`/work/shared` locally, `../shared` in CI). */
export const SHARED_DIR = path.resolve(__dirname, '..', '..', '..', 'shared');
const SCHEMAS_DIR = path.join(SHARED_DIR, 'schemas');

export type K8sVersion = '1.28' | '1.33' | '1.35';

export interface ValidationIssue {
  /** index of the document in the validated list */
  index: number;
  kind: string;
  name: string;
  /** JSON pointer into the document */
  path: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------
// small helpers

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function asObj(v: unknown): Obj {
  return isObj(v) ? v : {};
}
function asArr(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}
function ptr(...segments: Array<string | number>): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
function docLabel(doc: unknown): { kind: string; name: string } {
  const o = asObj(doc);
  const meta = asObj(o.metadata);
  return {
    kind: typeof o.kind === 'string' ? o.kind : '<no kind>',
    name: typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '<no name>',
  };
}

// ---------------------------------------------------------------------------------------------
// schema preparation

/** The Kubernetes quantity pattern used by the CRDs (validation.md 3.4). */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
const QUANTITY_DEF = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const OBJECT_META_REF = 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * Returns a deep copy of `schema` in which every schema node that has `properties`, no
 * `additionalProperties` and no `x-kubernetes-preserve-unknown-fields: true` is closed with
 * `additionalProperties: false`. Only schema keywords are followed (`properties` values, `items`,
 * `additionalProperties` when a schema, `allOf`/`anyOf`/`oneOf` members, `definitions` values), never
 * a property-name map itself: JSONSchemaProps has properties literally named `anyOf`, `items`, ...
 * Also maps a bare `x-kubernetes-int-or-string: true` (no anyOf/oneOf) to `anyOf [integer, string]`.
 */
export function tightenSchema<T>(schema: T): T {
  const copy = structuredClone(schema);
  tightenInPlace(copy);
  return copy;
}

function tightenInPlace(node: unknown): void {
  if (!isObj(node)) return;
  if (node['x-kubernetes-int-or-string'] === true && !node.anyOf && !node.oneOf && !node.type) {
    node.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (isObj(node.properties)) {
    if (node.additionalProperties === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) {
      node.additionalProperties = false;
    }
    for (const child of Object.values(node.properties)) tightenInPlace(child);
  }
  if (Array.isArray(node.items)) node.items.forEach(tightenInPlace);
  else tightenInPlace(node.items);
  if (isObj(node.additionalProperties)) tightenInPlace(node.additionalProperties);
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(node[key])) node[key].forEach(tightenInPlace);
  }
  if (isObj(node.definitions)) {
    for (const child of Object.values(node.definitions)) tightenInPlace(child);
  }
}

interface SchemaEntry {
  /** Ajv key of the schema (`k8s#/definitions/...` or the `$id` of a CRD schema) */
  ref: string;
  scope?: 'Namespaced' | 'Cluster';
  /** for CRDs: the untightened openAPIV3Schema, added to Ajv on first use */
  crdSchema?: Obj;
}

interface CrdVersion {
  group: string;
  version: string;
  kind: string;
  scope: 'Namespaced' | 'Cluster';
  schema: Obj;
}

// Parsed once per process and shared by all versions (the LWS CRD alone takes ~0.6 s to parse);
// loaded only when a manifest's apiVersion/kind is not a native one.
let crdCache: CrdVersion[] | undefined;

function loadCrds(): CrdVersion[] {
  if (crdCache) return crdCache;
  const dir = path.join(SCHEMAS_DIR, 'crds');
  const out: CrdVersion[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, file);
    if (/\.ya?ml$/.test(file)) {
      for (const doc of parseYamlStream(fs.readFileSync(full, 'utf8'))) {
        const crd = asObj(doc);
        if (crd.kind !== 'CustomResourceDefinition') continue;
        const spec = asObj(crd.spec);
        for (const v of asArr(spec.versions)) {
          const schema = asObj(asObj(v.schema).openAPIV3Schema);
          if (v.served !== true || !isObj(schema.properties)) continue;
          out.push({ group: spec.group, version: v.name, kind: asObj(spec.names).kind, scope: spec.scope, schema });
        }
      }
    } else if (file === 'cloud.google.com_computeclass_v1.schema.json') {
      // a bare JSON Schema dumped from a live cluster, not a CRD (SOURCES.md)
      const schema = JSON.parse(fs.readFileSync(full, 'utf8'));
      out.push({ group: 'cloud.google.com', version: 'v1', kind: 'ComputeClass', scope: 'Cluster', schema });
    }
  }
  crdCache = out;
  return out;
}

/** Native kinds that are cluster-scoped (the definitions do not record scope). */
const CLUSTER_SCOPED_NATIVE = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass',
  'CustomResourceDefinition', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService',
  'CSIDriver', 'CSINode', 'RuntimeClass', 'IngressClass', 'VolumeAttachment', 'CertificateSigningRequest',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'FlowSchema', 'PriorityLevelConfiguration',
]);

function splitApiVersion(apiVersion: string): { group: string; version: string } | undefined {
  const parts = apiVersion.split('/');
  if (parts.length === 1 && parts[0]) return { group: '', version: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { group: parts[0], version: parts[1] };
  return undefined;
}

const gvkKey = (group: string, version: string, kind: string) => `${group}/${version}/${kind}`;

// ---------------------------------------------------------------------------------------------
// formats

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** lenient Go / Prometheus duration (validation.md 3.6); `0` is accepted by both parsers */
const DURATION = /^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h|d|w|y))+)$/;

function addFormats(ajv: Ajv): void {
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('byte', BASE64);
  ajv.addFormat('date-time', RFC3339);
  ajv.addFormat('duration', DURATION);
  for (const f of ['date', 'uri', 'hostname', 'email', 'password', 'uuid', 'ipv4', 'ipv6', 'cidr', 'binary', 'int-or-string']) {
    ajv.addFormat(f, true);
  }
}

// ---------------------------------------------------------------------------------------------
// Ajv error formatting

function formatAjvErrors(errors: ErrorObject[]): Array<{ path: string; message: string }> {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  const out: Array<{ path: string; message: string }> = [];
  const seen = new Set<string>();
  const push = (p: string, message: string) => {
    const key = `${p}\0${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ path: p, message });
    }
  };
  for (const [instancePath, errs] of byPath) {
    const union = errs.some((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
    const types = errs.filter((e) => e.keyword === 'type');
    const others = errs.filter((e) => e.keyword !== 'type' && e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
    if (union && others.length === 0 && types.length > 0) {
      // e.g. IntOrString / Quantity given a boolean: one message instead of three
      push(instancePath, `must be ${types.map((t) => t.params.type).join(' or ')} (got ${show(types[0].data)})`);
      continue;
    }
    for (const e of union && others.length > 0 ? others : errs) {
      if (e.keyword === 'oneOf' || e.keyword === 'anyOf') {
        push(instancePath, `${e.message} (got ${show(e.data)})`);
      } else if (e.keyword === 'additionalProperties') {
        const prop = String(e.params.additionalProperty);
        push(instancePath + ptr(prop), `unknown field "${prop}"`);
      } else if (e.keyword === 'required') {
        push(instancePath + ptr(String(e.params.missingProperty)), `required field "${e.params.missingProperty}" is missing`);
      } else if (e.keyword === 'pattern' && e.params.pattern === QUANTITY_PATTERN) {
        push(instancePath, `${show(e.data)} is not a valid quantity (e.g. "16Gi", "500m", "2")`);
      } else if (e.keyword === 'enum') {
        push(instancePath, `must be one of ${asArr(e.params.allowedValues).map(show).join(', ')} (got ${show(e.data)})`);
      } else if (e.keyword === 'format' || e.keyword === 'type' || e.keyword === 'pattern') {
        push(instancePath, `${e.message} (got ${show(e.data)})`);
      } else {
        push(instancePath, e.message ?? e.keyword);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// the validator

/** Strict schema validation against one Kubernetes minor version plus the vendored CRDs. */
export class ManifestValidator {
  /** One validator per version per process (building one loads ~1 MB of definitions). */
  public static forVersion(version: K8sVersion): ManifestValidator {
    let v = ManifestValidator.cache.get(version);
    if (!v) {
      v = new ManifestValidator(version);
      ManifestValidator.cache.set(version, v);
    }
    return v;
  }

  private static readonly cache = new Map<K8sVersion, ManifestValidator>();

  public readonly version: K8sVersion;
  private readonly ajv: Ajv;
  private readonly native = new Map<string, SchemaEntry>();
  private crds: Map<string, SchemaEntry> | undefined;
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(version: K8sVersion) {
    this.version = version;
    const file = path.join(SCHEMAS_DIR, 'kubernetes', `v${version}.0.definitions.json`);
    // JSON.parse yields a fresh object, so tightening in place mutates nothing shared
    const definitions: Obj = JSON.parse(fs.readFileSync(file, 'utf8')).definitions;
    tightenInPlace({ definitions });
    const stringBranch = asArr(definitions[QUANTITY_DEF]?.oneOf).find((b) => b.type === 'string');
    if (!stringBranch) throw new Error(`${file}: ${QUANTITY_DEF} has no string branch`);
    stringBranch.pattern = QUANTITY_PATTERN;

    for (const [name, def] of Object.entries(definitions)) {
      for (const gvk of asArr(def['x-kubernetes-group-version-kind'])) {
        this.native.set(gvkKey(gvk.group, gvk.version, gvk.kind), {
          ref: `k8s#/definitions/${name}`,
          scope: CLUSTER_SCOPED_NATIVE.has(gvk.kind) ? 'Cluster' : 'Namespaced',
        });
      }
    }
    this.ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateSchema: false, useDefaults: true, code: { optimize: false } });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'k8s', definitions });
  }

  /** Schema issues (unknown apiVersion/kind, unknown fields, types, required, formats, patterns, scope). */
  public validate(objects: unknown[]): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    objects.forEach((doc, index) => {
      const { kind, name } = docLabel(doc);
      const add = (p: string, message: string) => issues.push({ index, kind, name, path: p, message });
      if (!isObj(doc)) {
        add('', `document must be an object (got ${show(doc)})`);
        return;
      }
      if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string' || !doc.apiVersion || !doc.kind) {
        if (typeof doc.apiVersion !== 'string' || !doc.apiVersion) add('/apiVersion', 'apiVersion is required');
        if (typeof doc.kind !== 'string' || !doc.kind) add('/kind', 'kind is required');
        return;
      }
      const entry = this.lookup(doc.apiVersion, doc.kind);
      if (!entry) {
        const known = this.apiVersionsOf(doc.kind);
        add('/apiVersion', `no schema for kind ${doc.kind} in apiVersion ${doc.apiVersion} (Kubernetes ${this.version} and vendored CRDs)`
          + (known.length ? `; known apiVersions for ${doc.kind}: ${known.join(', ')}` : `; unknown kind ${doc.kind}`));
        return;
      }
      const validateFn = this.validatorFor(entry);
      // validate a copy: `useDefaults` applies structural-schema defaults first, as the API server does for
      // CRDs (the ComputeClass schema requires `whenUnsatisfiable` but defaults it)
      if (!validateFn(structuredClone(doc))) {
        for (const e of formatAjvErrors(validateFn.errors ?? [])) add(e.path, e.message);
      }
      if (entry.scope === 'Cluster' && asObj(doc.metadata).namespace !== undefined) {
        add('/metadata/namespace', `${doc.kind} is cluster-scoped and must not set metadata.namespace`);
      }
    });
    return issues;
  }

  private lookup(apiVersion: string, kind: string): SchemaEntry | undefined {
    const gv = splitApiVersion(apiVersion);
    if (!gv) return undefined;
    const key = gvkKey(gv.group, gv.version, kind);
    return this.native.get(key) ?? this.crdEntries().get(key);
  }

  private apiVersionsOf(kind: string): string[] {
    const out = new Set<string>();
    for (const key of [...this.native.keys(), ...this.crdEntries().keys()]) {
      const [group, version, k] = key.split('/');
      if (k === kind) out.add(group ? `${group}/${version}` : version);
    }
    return [...out].sort();
  }

  private crdEntries(): Map<string, SchemaEntry> {
    if (!this.crds) {
      this.crds = new Map();
      for (const c of loadCrds()) {
        this.crds.set(gvkKey(c.group, c.version, c.kind), {
          ref: `crd-${c.group}-${c.version}-${c.kind}`,
          scope: c.scope,
          crdSchema: c.schema,
        });
      }
    }
    return this.crds;
  }

  private validatorFor(entry: SchemaEntry): ValidateFunction {
    let fn = this.compiled.get(entry.ref);
    if (!fn) {
      if (entry.crdSchema) {
        // the CRD's `metadata` only says `type: object`; the API server validates it as ObjectMeta
        const schema: Obj = { ...entry.crdSchema, properties: { ...entry.crdSchema.properties, metadata: { $ref: OBJECT_META_REF } } };
        const tight = tightenSchema(schema);
        delete tight.$schema;
        this.ajv.addSchema({ ...tight, $id: entry.ref });
      }
      fn = this.ajv.getSchema(entry.ref);
      if (!fn) throw new Error(`could not compile schema ${entry.ref}`);
      this.compiled.set(entry.ref, fn);
    }
    return fn;
  }
}

// ---------------------------------------------------------------------------------------------
// quantities

const QUANTITY_RE = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?[0-9]+)|([numkMGTPE]))?$/;
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const FRACTION: Record<string, number> = { n: 1e9, u: 1e6, m: 1e3 };

/** Parses a Kubernetes quantity (`500m`, `16Gi`, `1k`, `2`, `1e3`, or a number); undefined when invalid. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = QUANTITY_RE.exec(q);
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * BINARY[m[2]];
  if (m[3]) return base * 10 ** Number(m[3]);
  if (m[4]) return m[4] in FRACTION ? base / FRACTION[m[4]] : base * DECIMAL[m[4]];
  return base;
}

// ---------------------------------------------------------------------------------------------
// semantic rules (validation.md section 5)

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function dns1123LabelError(v: string): string | undefined {
  if (v.length > 63) return `must be no more than 63 characters (has ${v.length})`;
  if (!DNS1123_LABEL.test(v)) return 'must be a DNS-1123 label (lowercase alphanumerics and "-", starting and ending with an alphanumeric)';
  return undefined;
}
function dns1123SubdomainError(v: string): string | undefined {
  if (v.length > 253) return `must be no more than 253 characters (has ${v.length})`;
  if (!DNS1123_SUBDOMAIN.test(v)) return 'must be a DNS-1123 subdomain (lowercase alphanumerics, "-" and ".", starting and ending with an alphanumeric)';
  return undefined;
}
function dns1035LabelError(v: string): string | undefined {
  if (v.length > 63) return `must be no more than 63 characters (has ${v.length})`;
  if (!DNS1035_LABEL.test(v)) return 'must be a DNS-1035 label (lowercase alphanumerics and "-", starting with a letter and ending with an alphanumeric)';
  return undefined;
}
function qualifiedNameError(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'a qualified name may contain at most one "/"';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined) {
    if (!prefix) return 'prefix part must be non-empty';
    const e = dns1123SubdomainError(prefix);
    if (e) return `prefix part ${e}`;
  }
  if (!name) return 'name part must be non-empty';
  if (name.length > 63) return `name part must be no more than 63 characters (has ${name.length})`;
  if (!QUALIFIED_NAME.test(name)) return 'name part must consist of alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric';
  return undefined;
}
function labelValueError(v: unknown): string | undefined {
  if (typeof v !== 'string') return `label value must be a string (got ${show(v)})`;
  if (v.length > 63) return `must be no more than 63 characters (has ${v.length})`;
  if (!LABEL_VALUE.test(v)) return 'must be empty or consist of alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric';
  return undefined;
}
function ianaSvcNameError(v: string): string | undefined {
  if (v.length > 15) return `must be no more than 15 characters (has ${v.length})`;
  if (!IANA_SVC_NAME.test(v)) return 'must contain only lowercase alphanumerics and "-", starting and ending with an alphanumeric';
  if (v.includes('--')) return 'must not contain consecutive hyphens';
  if (!/[a-z]/.test(v)) return 'must contain at least one letter';
  return undefined;
}
const validPort = (p: unknown): boolean => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;

interface LabelSelector {
  matchLabels?: Obj;
  matchExpressions?: Obj[];
}

/** Kubernetes label-selector semantics; an empty selector matches everything. */
export function selectorMatches(selector: LabelSelector, labels: Obj): boolean {
  for (const [k, v] of Object.entries(asObj(selector.matchLabels))) {
    if (labels[k] !== v) return false;
  }
  for (const e of asArr(selector.matchExpressions)) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = asArr(e.values);
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

interface PodTemplate {
  index: number;
  kind: string;
  name: string;
  namespace: string;
  path: string;
  labels: Obj;
  annotations: Obj;
  spec: Obj;
}

/** Pod templates of the workloads in a set: Deployment-like `spec.template`, CronJob, LeaderWorkerSet, bare Pods. */
function podTemplates(objects: unknown[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  objects.forEach((doc, index) => {
    if (!isObj(doc)) return;
    const { kind, name } = docLabel(doc);
    const namespace = String(asObj(doc.metadata).namespace ?? '');
    const spec = asObj(doc.spec);
    const add = (tpl: unknown, p: string, extraLabels: Obj = {}) => {
      if (!isObj(tpl)) return;
      const meta = asObj(tpl.metadata);
      const labels = { ...asObj(meta.labels), ...extraLabels };
      out.push({ index, kind, name, namespace, path: p, labels, annotations: asObj(meta.annotations), spec: asObj(tpl.spec) });
    };
    switch (kind) {
      case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job':
        add(spec.template, '/spec/template');
        break;
      case 'CronJob':
        add(asObj(asObj(spec.jobTemplate).spec).template, '/spec/jobTemplate/spec/template');
        break;
      case 'LeaderWorkerSet': {
        const lwt = asObj(spec.leaderWorkerTemplate);
        // the LWS controller adds leaderworkerset.sigs.k8s.io/name to every pod of the set (what a leader Service selects on)
        const extra = { 'leaderworkerset.sigs.k8s.io/name': name };
        add(lwt.leaderTemplate, '/spec/leaderWorkerTemplate/leaderTemplate', extra);
        add(lwt.workerTemplate, '/spec/leaderWorkerTemplate/workerTemplate', extra);
        break;
      }
      case 'Pod':
        add(doc, '');
        break;
      default:
    }
  });
  return out;
}

const IMAGE_PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
const STRATEGY_TYPES = ['RollingUpdate', 'Recreate'];
const METRIC_SOURCES: Record<string, string> = {
  Resource: 'resource', Pods: 'pods', Object: 'object', External: 'external', ContainerResource: 'containerResource',
};
const TARGET_VALUE_FIELDS: Record<string, string> = { Utilization: 'averageUtilization', Value: 'value', AverageValue: 'averageValue' };
const PROBE_SCHEMES = ['HTTP', 'HTTPS'];
const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
const COMPARED_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];
const isExtendedResource = (r: string) => r.includes('/') && !r.includes('kubernetes.io/') && !r.startsWith('requests.');

type Add = (p: string, message: string) => void;

function checkEnum(add: Add, p: string, value: unknown, allowed: string[], what: string): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    add(p, `${what} must be one of ${allowed.map((a) => `"${a}"`).join(', ')} (got ${show(value)})`);
  }
}

function checkLabels(add: Add, p: string, labels: unknown): void {
  for (const [k, v] of Object.entries(asObj(labels))) {
    const ke = qualifiedNameError(k);
    if (ke) add(p + ptr(k), `invalid label key "${k}": ${ke}`);
    const ve = labelValueError(v);
    if (ve) add(p + ptr(k), `invalid label value ${show(v)}: ${ve}`);
  }
}

function checkAnnotations(add: Add, p: string, annotations: unknown): void {
  for (const k of Object.keys(asObj(annotations))) {
    const ke = qualifiedNameError(k.toLowerCase());
    if (ke) add(p + ptr(k), `invalid annotation key "${k}": ${ke}`);
  }
}

function checkSelector(add: Add, p: string, selector: unknown): void {
  const sel = asObj(selector);
  checkLabels(add, `${p}/matchLabels`, sel.matchLabels);
  asArr(sel.matchExpressions).forEach((e, i) => {
    const ep = `${p}/matchExpressions/${i}`;
    const ke = typeof e?.key === 'string' ? qualifiedNameError(e.key) : 'key is required';
    if (ke) add(`${ep}/key`, `invalid selector key ${show(e?.key)}: ${ke}`);
    checkEnum(add, `${ep}/operator`, e?.operator, SELECTOR_OPERATORS, 'operator');
    const n = asArr(e?.values).length;
    if ((e?.operator === 'In' || e?.operator === 'NotIn') && n === 0) add(`${ep}/values`, `operator ${e.operator} needs at least one value`);
    if ((e?.operator === 'Exists' || e?.operator === 'DoesNotExist') && n > 0) add(`${ep}/values`, `operator ${e.operator} must not have values`);
  });
}

function checkProbe(add: Add, p: string, probe: unknown, container: Obj, kind: string): void {
  if (!isObj(probe)) return;
  const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((h) => probe[h] !== undefined);
  if (handlers.length === 0) add(p, 'must specify a handler (exec, httpGet, tcpSocket or grpc)');
  if (handlers.length > 1) add(p, `may not specify more than one handler (has ${handlers.join(', ')})`);
  if ((kind === 'livenessProbe' || kind === 'startupProbe') && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    add(`${p}/successThreshold`, `must be 1 for a ${kind} (got ${show(probe.successThreshold)})`);
  }
  const ports = asArr(container.ports);
  for (const h of ['httpGet', 'tcpSocket', 'grpc']) {
    if (!isObj(probe[h])) continue;
    const port = probe[h].port;
    const pp = `${p}/${h}/port`;
    if (typeof port === 'number') {
      if (!validPort(port)) {add(pp, `must be between 1 and 65535 (got ${port})`);} else if (!ports.some((cp) => cp?.containerPort === port)) {
        add(pp, `probe port ${port} is not among the container's ports (${ports.map((cp) => cp?.containerPort).join(', ') || 'none'})`);
      }
    } else if (typeof port === 'string') {
      const e = /^[0-9]+$/.test(port) ? 'a numeric port must be an integer, not a string' : ianaSvcNameError(port);
      if (e) {add(pp, `invalid port ${show(port)}: ${e}`);} else if (!ports.some((cp) => cp?.name === port)) {
        add(pp, `probe port "${port}" is not the name of a container port (${ports.map((cp) => cp?.name).filter(Boolean).join(', ') || 'none named'})`);
      }
    }
  }
  if (isObj(probe.httpGet)) checkEnum(add, `${p}/httpGet/scheme`, probe.httpGet.scheme, PROBE_SCHEMES, 'scheme');
}

function checkResources(add: Add, p: string, resources: unknown): void {
  const r = asObj(resources);
  const requests = asObj(r.requests);
  const limits = asObj(r.limits);
  for (const res of COMPARED_RESOURCES) {
    if (requests[res] === undefined || limits[res] === undefined) continue;
    const req = parseQuantity(requests[res]);
    const lim = parseQuantity(limits[res]);
    if (req !== undefined && lim !== undefined && req > lim) {
      add(`${p}/requests/${res}`, `request ${show(requests[res])} must be less than or equal to the ${res} limit ${show(limits[res])}`);
    }
  }
  for (const [where, map] of [['requests', requests], ['limits', limits]] as const) {
    for (const [res, value] of Object.entries(map)) {
      if (!isExtendedResource(res)) continue;
      const q = parseQuantity(value);
      if (q !== undefined && !Number.isInteger(q)) add(`${p}/${where}${ptr(res)}`, `extended resource ${res} must be a whole number (got ${show(value)})`);
    }
  }
  for (const [res, value] of Object.entries(requests)) {
    if (!isExtendedResource(res)) continue;
    if (limits[res] === undefined) {
      add(`${p}/limits${ptr(res)}`, `extended resource ${res} is requested (${show(value)}) and must also be set in limits`);
    } else if (parseQuantity(value) !== parseQuantity(limits[res])) {
      add(`${p}/requests${ptr(res)}`, `extended resource ${res}: request ${show(value)} must equal limit ${show(limits[res])}`);
    }
  }
}

function checkPodSpec(add: Add, base: string, spec: Obj, ownerKind: string): void {
  const volumes = asArr(spec.volumes);
  const volumeNames = new Set<string>();
  volumes.forEach((v, i) => {
    const name = v?.name;
    if (typeof name !== 'string') return;
    const e = dns1123LabelError(name);
    if (e) add(`${base}/volumes/${i}/name`, `invalid volume name "${name}": ${e}`);
    if (volumeNames.has(name)) add(`${base}/volumes/${i}/name`, `duplicate volume name "${name}"`);
    volumeNames.add(name);
  });

  checkEnum(add, `${base}/restartPolicy`, spec.restartPolicy, RESTART_POLICIES, 'restartPolicy');
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'LeaderWorkerSet'].includes(ownerKind)
    && spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always') {
    add(`${base}/restartPolicy`, `a ${ownerKind} pod template only supports restartPolicy "Always" (got ${show(spec.restartPolicy)})`);
  }
  if ((ownerKind === 'Job' || ownerKind === 'CronJob') && spec.restartPolicy !== 'OnFailure' && spec.restartPolicy !== 'Never') {
    add(`${base}/restartPolicy`, `a ${ownerKind} pod template needs restartPolicy "OnFailure" or "Never" (got ${show(spec.restartPolicy)})`);
  }

  const containerNames = new Set<string>();
  const lists: Array<[string, any[]]> = [['containers', asArr(spec.containers)], ['initContainers', asArr(spec.initContainers)]];
  for (const [field, containers] of lists) {
    containers.forEach((c, ci) => {
      if (!isObj(c)) return;
      const cp = `${base}/${field}/${ci}`;
      if (typeof c.name === 'string') {
        const e = dns1123LabelError(c.name);
        if (e) add(`${cp}/name`, `invalid container name "${c.name}": ${e}`);
        if (containerNames.has(c.name)) add(`${cp}/name`, `duplicate container name "${c.name}"`);
        containerNames.add(c.name);
      }
      checkEnum(add, `${cp}/imagePullPolicy`, c.imagePullPolicy, IMAGE_PULL_POLICIES, 'imagePullPolicy');
      if (c.restartPolicy !== undefined) {
        if (field !== 'initContainers') add(`${cp}/restartPolicy`, 'a container restartPolicy is only allowed on init containers (sidecars)');
        else if (c.restartPolicy !== 'Always') add(`${cp}/restartPolicy`, `must be "Always" (got ${show(c.restartPolicy)})`);
      }

      const portNames = new Set<string>();
      asArr(c.ports).forEach((port, pi) => {
        const pp = `${cp}/ports/${pi}`;
        if (port?.containerPort !== undefined && !validPort(port.containerPort)) {
          add(`${pp}/containerPort`, `must be between 1 and 65535 (got ${show(port.containerPort)})`);
        }
        if (port?.hostPort !== undefined && port.hostPort !== 0 && !validPort(port.hostPort)) {
          add(`${pp}/hostPort`, `must be between 1 and 65535 (got ${show(port.hostPort)})`);
        }
        if (typeof port?.name === 'string') {
          const e = ianaSvcNameError(port.name);
          if (e) add(`${pp}/name`, `invalid port name "${port.name}": ${e}`);
          if (portNames.has(port.name)) add(`${pp}/name`, `duplicate port name "${port.name}"`);
          portNames.add(port.name);
        }
        checkEnum(add, `${pp}/protocol`, port?.protocol, PROTOCOLS, 'protocol');
      });

      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) checkProbe(add, `${cp}/${probe}`, c[probe], c, probe);

      const mountPaths = new Set<string>();
      asArr(c.volumeMounts).forEach((m, mi) => {
        if (typeof m?.name === 'string' && !volumeNames.has(m.name)) {
          add(`${cp}/volumeMounts/${mi}/name`, `volumeMount refers to undeclared volume "${m.name}" (volumes: ${[...volumeNames].join(', ') || 'none'})`);
        }
        if (typeof m?.mountPath === 'string') {
          if (mountPaths.has(m.mountPath)) add(`${cp}/volumeMounts/${mi}/mountPath`, `duplicate mountPath "${m.mountPath}"`);
          mountPaths.add(m.mountPath);
        }
      });

      checkResources(add, `${cp}/resources`, c.resources);
    });
  }
}

function checkDeployment(add: Add, doc: Obj): void {
  const spec = asObj(doc.spec);
  const selector = asObj(spec.selector);
  const labels = asObj(asObj(asObj(spec.template).metadata).labels);
  if (Object.keys(asObj(selector.matchLabels)).length === 0 && asArr(selector.matchExpressions).length === 0) {
    add('/spec/selector', 'an empty selector is invalid for a Deployment');
  } else if (!selectorMatches(selector, labels)) {
    add('/spec/selector', `selector ${show(selector)} does not match template labels ${show(labels)}`);
  }
  if (spec.replicas !== undefined && !(Number.isInteger(spec.replicas) && spec.replicas >= 0)) {
    add('/spec/replicas', `must be a non-negative integer (got ${show(spec.replicas)})`);
  }
  const strategy = asObj(spec.strategy);
  checkEnum(add, '/spec/strategy/type', strategy.type, STRATEGY_TYPES, 'strategy type');
  if (strategy.type === 'Recreate' && strategy.rollingUpdate !== undefined) {
    add('/spec/strategy/rollingUpdate', 'may not be specified when strategy type is "Recreate"');
  }
  const ru = asObj(strategy.rollingUpdate);
  const isZero = (v: unknown) => v === 0 || v === '0%' || v === '0';
  if (ru.maxSurge !== undefined && ru.maxUnavailable !== undefined && isZero(ru.maxSurge) && isZero(ru.maxUnavailable)) {
    add('/spec/strategy/rollingUpdate', 'maxSurge and maxUnavailable may not both be 0');
  }
}

function checkService(add: Add, doc: Obj, templates: PodTemplate[]): void {
  const spec = asObj(doc.spec);
  const type = spec.type ?? 'ClusterIP';
  checkEnum(add, '/spec/type', spec.type, SERVICE_TYPES, 'Service type');
  const ports = asArr(spec.ports);
  if (type !== 'ExternalName' && spec.clusterIP !== 'None' && ports.length === 0) add('/spec/ports', 'a Service needs at least one port');
  if (type === 'ExternalName' && !spec.externalName) add('/spec/externalName', 'required for type ExternalName');

  const selector = asObj(spec.selector);
  checkLabels(add, '/spec/selector', selector);
  const namespace = String(asObj(doc.metadata).namespace ?? '');
  const selected = Object.keys(selector).length === 0
    ? []
    : templates.filter((t) => t.namespace === namespace && selectorMatches({ matchLabels: selector }, t.labels));
  if (Object.keys(selector).length > 0 && type !== 'ExternalName' && selected.length === 0) {
    add('/spec/selector', `selector ${show(selector)} matches no pod template in the synthesized set (dangling Service)`);
  }

  const names = new Set<string>();
  const portProto = new Set<string>();
  ports.forEach((port, i) => {
    const pp = `/spec/ports/${i}`;
    if (!isObj(port)) return;
    if (!validPort(port.port)) add(`${pp}/port`, `must be between 1 and 65535 (got ${show(port.port)})`);
    checkEnum(add, `${pp}/protocol`, port.protocol, PROTOCOLS, 'protocol');
    if (ports.length > 1 && !port.name) add(`${pp}/name`, 'a name is required when a Service has more than one port');
    if (typeof port.name === 'string') {
      const e = dns1123LabelError(port.name);
      if (e) add(`${pp}/name`, `invalid port name "${port.name}": ${e}`);
      if (names.has(port.name)) add(`${pp}/name`, `duplicate port name "${port.name}"`);
      names.add(port.name);
    }
    const pk = `${port.port}/${port.protocol ?? 'TCP'}`;
    if (portProto.has(pk)) add(`${pp}/port`, `duplicate port ${pk}`);
    portProto.add(pk);
    if (port.nodePort !== undefined) {
      if (type === 'ClusterIP') add(`${pp}/nodePort`, 'may not be set when type is "ClusterIP"');
      else if (port.nodePort !== 0 && !validPort(port.nodePort)) add(`${pp}/nodePort`, `must be between 1 and 65535 (got ${show(port.nodePort)})`);
    }
    const tp = port.targetPort;
    if (typeof tp === 'number' && !validPort(tp)) add(`${pp}/targetPort`, `must be between 1 and 65535 (got ${tp})`);
    if (typeof tp === 'string') {
      const e = ianaSvcNameError(tp);
      if (e) {
        add(`${pp}/targetPort`, `invalid targetPort ${show(tp)}: ${e}`);
      } else if (selected.length > 0 && !selected.some((t) => templateHasPortName(t, tp))) {
        add(`${pp}/targetPort`, `targetPort "${tp}" is not the name of a container port in the selected pods`);
      }
    }
  });
}

function templateHasPortName(t: PodTemplate, name: string): boolean {
  return asArr(t.spec.containers).concat(asArr(t.spec.initContainers)).some((c) => asArr(c?.ports).some((p) => p?.name === name));
}

function checkPodMonitoring(add: Add, doc: Obj, templates: PodTemplate[], clusterScoped: boolean): void {
  const spec = asObj(doc.spec);
  checkSelector(add, '/spec/selector', spec.selector);
  const namespace = String(asObj(doc.metadata).namespace ?? '');
  const selected = templates.filter((t) => (clusterScoped || t.namespace === namespace) && selectorMatches(asObj(spec.selector), t.labels));
  // GKE's TPU device plugin (a DaemonSet GKE runs in kube-system) is scraped for its exporter, not synthesized
  const gkeManaged = namespace === 'kube-system' && asObj(asObj(spec.selector).matchLabels)['k8s-app'] === 'tpu-device-plugin';
  if (selected.length === 0 && !gkeManaged) {
    add('/spec/selector', `selector ${show(spec.selector)} matches no pod template in the synthesized set`);
    return;
  }
  asArr(spec.endpoints).forEach((e, i) => {
    if (typeof e?.port === 'string' && !selected.some((t) => templateHasPortName(t, e.port))) {
      add(`/spec/endpoints/${i}/port`, `port "${e.port}" is not the name of a container port in the selected pods`);
    }
  });
}

function checkMetricTarget(add: Add, p: string, target: unknown, allowed: string[]): void {
  if (!isObj(target)) {
    add(p, 'a metric target is required');
    return;
  }
  checkEnum(add, `${p}/type`, target.type, Object.keys(TARGET_VALUE_FIELDS), 'target type');
  const field = TARGET_VALUE_FIELDS[target.type];
  if (!field) return;
  if (!allowed.includes(target.type)) add(`${p}/type`, `target type must be ${allowed.join(' or ')} for this metric (got "${target.type}")`);
  if (target[field] === undefined) add(`${p}/${field}`, `target type ${target.type} requires ${field}`);
  for (const other of Object.values(TARGET_VALUE_FIELDS)) {
    if (other !== field && target[other] !== undefined) add(`${p}/${other}`, `${other} does not belong to a target of type ${target.type}`);
  }
  if (field === 'averageUtilization' && !(Number.isInteger(target[field]) && target[field] > 0)) {
    add(`${p}/averageUtilization`, `must be greater than 0 (got ${show(target[field])})`);
  }
  if (field !== 'averageUtilization' && target[field] !== undefined) {
    const q = parseQuantity(target[field]);
    if (q !== undefined && q <= 0) add(`${p}/${field}`, `must be positive (got ${show(target[field])})`);
  }
}

function checkHpa(add: Add, doc: Obj, objects: unknown[]): void {
  const spec = asObj(doc.spec);
  const ref = asObj(spec.scaleTargetRef);
  const namespace = String(asObj(doc.metadata).namespace ?? '');
  const target = objects.find((o) => isObj(o) && o.kind === ref.kind && asObj(o.metadata).name === ref.name
    && String(asObj(o.metadata).namespace ?? '') === namespace && (ref.apiVersion === undefined || o.apiVersion === ref.apiVersion));
  if (!target) {
    add('/spec/scaleTargetRef', `scaleTargetRef ${ref.apiVersion ?? ''} ${ref.kind}/${ref.name} names no object in the synthesized set`);
  }
  const min = spec.minReplicas ?? 1;
  const max = spec.maxReplicas;
  if (!(Number.isInteger(min) && min >= 1)) add('/spec/minReplicas', `must be at least 1 (got ${show(min)})`);
  if (!(Number.isInteger(max) && max >= 1)) add('/spec/maxReplicas', `must be at least 1 (got ${show(max)})`);
  else if (Number.isInteger(min) && min > max) add('/spec/minReplicas', `minReplicas (${min}) must be less than or equal to maxReplicas (${max})`);

  if (doc.apiVersion === 'autoscaling/v1') {
    const t = spec.targetCPUUtilizationPercentage;
    if (t !== undefined && !(Number.isInteger(t) && t >= 1)) add('/spec/targetCPUUtilizationPercentage', `must be at least 1 (got ${show(t)})`);
    return;
  }

  asArr(spec.metrics).forEach((m, i) => {
    const mp = `/spec/metrics/${i}`;
    if (!isObj(m)) return;
    checkEnum(add, `${mp}/type`, m.type, Object.keys(METRIC_SOURCES), 'metric type');
    const field = METRIC_SOURCES[m.type];
    if (!field) return;
    if (!isObj(m[field])) {
      add(`${mp}/${field}`, `metric type ${m.type} requires a "${field}" block`);
      return;
    }
    for (const other of Object.values(METRIC_SOURCES)) {
      if (other !== field && m[other] !== undefined) add(`${mp}/${other}`, `must not be set for metric type ${m.type}`);
    }
    const src = m[field];
    const allowed = m.type === 'Pods' ? ['AverageValue']
      : m.type === 'Resource' || m.type === 'ContainerResource' ? ['Utilization', 'AverageValue']
        : ['Value', 'AverageValue'];
    checkMetricTarget(add, `${mp}/${field}/target`, src.target, allowed);
  });

  const behavior = asObj(spec.behavior);
  for (const dir of ['scaleUp', 'scaleDown']) {
    if (!isObj(behavior[dir])) continue;
    const b = behavior[dir];
    const bp = `/spec/behavior/${dir}`;
    const w = b.stabilizationWindowSeconds;
    if (w !== undefined && !(Number.isInteger(w) && w >= 0 && w <= 3600)) add(`${bp}/stabilizationWindowSeconds`, `must be between 0 and 3600 (got ${show(w)})`);
    checkEnum(add, `${bp}/selectPolicy`, b.selectPolicy, ['Max', 'Min', 'Disabled'], 'selectPolicy');
    asArr(b.policies).forEach((pol, i) => {
      const pp = `${bp}/policies/${i}`;
      checkEnum(add, `${pp}/type`, pol?.type, ['Pods', 'Percent'], 'policy type');
      if (!(Number.isInteger(pol?.value) && pol.value > 0)) add(`${pp}/value`, `must be greater than 0 (got ${show(pol?.value)})`);
      const ps = pol?.periodSeconds;
      if (!(Number.isInteger(ps) && ps >= 1 && ps <= 1800)) add(`${pp}/periodSeconds`, `must be between 1 and 1800 (got ${show(ps)})`);
    });
  }
}

/** The API server's Go validation rules that the schemas cannot express (validation.md section 5). */
export function semanticIssues(objects: unknown[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const templates = podTemplates(objects);
  objects.forEach((doc, index) => {
    if (!isObj(doc)) return;
    const { kind, name } = docLabel(doc);
    const add: Add = (p, message) => issues.push({ index, kind, name, path: p, message });
    const meta = asObj(doc.metadata);

    if (typeof meta.name === 'string') {
      const e = kind === 'Service' ? dns1035LabelError(meta.name)
        : kind === 'Namespace' ? dns1123LabelError(meta.name) : dns1123SubdomainError(meta.name);
      if (e) add('/metadata/name', `invalid name "${meta.name}": ${e}`);
    } else if (typeof meta.generateName !== 'string') {
      add('/metadata/name', 'metadata.name is required');
    }
    if (typeof meta.namespace === 'string') {
      const e = dns1123LabelError(meta.namespace);
      if (e) add('/metadata/namespace', `invalid namespace "${meta.namespace}": ${e}`);
    }
    checkLabels(add, '/metadata/labels', meta.labels);
    checkAnnotations(add, '/metadata/annotations', meta.annotations);

    for (const t of templates.filter((x) => x.index === index)) {
      if (t.path) {
        checkLabels(add, `${t.path}/metadata/labels`, t.labels);
        checkAnnotations(add, `${t.path}/metadata/annotations`, t.annotations);
      }
      checkPodSpec(add, `${t.path}/spec`, t.spec, kind);
    }

    switch (kind) {
      case 'Deployment':
        checkSelector(add, '/spec/selector', asObj(doc.spec).selector);
        checkDeployment(add, doc);
        break;
      case 'Service':
        checkService(add, doc, templates);
        break;
      case 'PodMonitoring':
      case 'ClusterPodMonitoring':
        if (String(doc.apiVersion).startsWith('monitoring.googleapis.com/')) checkPodMonitoring(add, doc, templates, kind === 'ClusterPodMonitoring');
        break;
      case 'HorizontalPodAutoscaler':
        checkHpa(add, doc, objects);
        break;
      case 'LeaderWorkerSet': {
        const size = asObj(asObj(doc.spec).leaderWorkerTemplate).size;
        if (size !== undefined && !(Number.isInteger(size) && size >= 1)) add('/spec/leaderWorkerTemplate/size', `must be at least 1 (got ${show(size)})`);
        break;
      }
      default:
    }
  });
  return issues;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

// ---------------------------------------------------------------------------------------------
// test helpers

export function formatIssue(i: ValidationIssue): string {
  return `doc #${i.index} ${i.kind}/${i.name} at ${i.path || '/'}: ${i.message}`;
}

/**
 * Jest helper: schema validation for each version plus the semantic rules; throws one error that
 * lists every issue (`doc #i Kind/name at /path: message`).
 */
export function expectValidManifests(objects: unknown[], versions: K8sVersion[] = ['1.28', '1.33']): void {
  const lines: string[] = [];
  for (const version of versions) {
    for (const i of ManifestValidator.forVersion(version).validate(objects)) lines.push(`[k8s ${version}] ${formatIssue(i)}`);
  }
  for (const i of semanticIssues(objects)) lines.push(`[semantic] ${formatIssue(i)}`);
  if (lines.length > 0) {
    throw new Error(`${lines.length} manifest issue(s) in ${objects.length} object(s):\n  ${lines.join('\n  ')}`);
  }
}

/** Parses a multi-document YAML stream; duplicate keys and any parse error throw. Empty documents are dropped. */
export function parseYamlStream(text: string): unknown[] {
  const out: unknown[] = [];
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  docs.forEach((doc, i) => {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) {
      throw new Error(`YAML document #${i}: ${problems.map((e) => e.message.split('\n')[0]).join('; ')}`);
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  });
  return out;
}
