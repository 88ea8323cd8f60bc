/**
 * Containers and volumes given from JavaScript or Python (a sidecar, a pod template hook's result) write quantities and ports as
 * plain strings and numbers; cdk8s's serializer keeps only `k8s.Quantity` and `k8s.IntOrString` instances there and drops the
 * rest silently (a probe without its port, a memory-backed volume without its size limit). This converts them, or refuses a
 * value that is neither, naming where it is.
 */
import { k8s } from 'cdk8s-plus-28';
import { describeValue, printable } from '../util/input';
import { parseQuantity } from '../validation/manifest';

type Plain = { [key: string]: unknown };

const isPlain = (v: unknown): v is Plain => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

/** A quantity as cdk8s serializes it: an instance is kept, a string or number that Kubernetes reads as a quantity is converted. */
/**
 * A value built by another copy of cdk8s-plus or `cdk8s import` (its own `Quantity` / `IntOrString` class), or one a hook copied
 * with `JSON.parse(JSON.stringify(...))` (`{ value: '4' }`): cdk8s serializes any of them by their `value`.
 */
function wrapped(v: unknown): unknown {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'value' in v ? (v as { value: unknown }).value : undefined;
}

function quantity(v: unknown, where: string): unknown {
  if (v === undefined || v instanceof k8s.Quantity) return v;
  const inner = wrapped(v);
  if ((typeof inner === 'string' || typeof inner === 'number') && parseQuantity(inner) !== undefined) return v;
  if ((typeof v === 'string' || typeof v === 'number') && parseQuantity(v) !== undefined) {
    return typeof v === 'number' ? k8s.Quantity.fromNumber(v) : k8s.Quantity.fromString(v);
  }
  throw new Error(`${where} must be a Kubernetes quantity (k8s.Quantity.fromString('500m'), '64Mi', 2), got ${describeValue(v)}.`);
}

/** A port as cdk8s serializes it: an instance is kept, a number or a port name is converted. */
function port(v: unknown, where: string): unknown {
  if (v === undefined || v instanceof k8s.IntOrString) return v;
  const inner = wrapped(v);
  if ((typeof inner === 'number' && Number.isInteger(inner) && inner >= 1 && inner <= 65535) || typeof inner === 'string') return v;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535) return k8s.IntOrString.fromNumber(v);
  if (typeof v === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) && v.length <= 15) return k8s.IntOrString.fromString(v);
  throw new Error(`${where} must be a port number (1-65535) or a port name (k8s.IntOrString.fromNumber(8080) or .fromString('http')), `
    + `got ${describeValue(v)}.`);
}

function quantities(map: unknown, where: string): unknown {
  if (!isPlain(map)) return map;
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, quantity(v, `${where}.${printable(k)}`)]));
}

/** A probe or lifecycle handler with its httpGet / tcpSocket port typed. */
function handler(h: unknown, where: string): unknown {
  if (!isPlain(h)) return h;
  const out: Plain = { ...h };
  for (const kind of ['httpGet', 'tcpSocket'] as const) {
    const action = h[kind];
    // the port is required (HTTPGetAction, TCPSocketAction)
    if (isPlain(action)) out[kind] = { ...action, port: port(action.port ?? null, `${where}.${kind}.port`) };
  }
  return out;
}

/** A container with its resources, probe ports and lifecycle ports typed. */
export function typedContainer<T extends k8s.Container>(c: T, where: string): T {
  if (!isPlain(c)) return c;
  const out: Plain = { ...c };
  if (isPlain(c.resources)) {
    out.resources = {
      ...c.resources,
      ...(c.resources.requests !== undefined ? { requests: quantities(c.resources.requests, `${where}.resources.requests`) } : {}),
      ...(c.resources.limits !== undefined ? { limits: quantities(c.resources.limits, `${where}.resources.limits`) } : {}),
    };
  }
  for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
    if (c[probe] !== undefined) out[probe] = handler(c[probe], `${where}.${probe}`);
  }
  if (isPlain(c.lifecycle)) {
    const lifecycle = c.lifecycle as Plain;
    out.lifecycle = Object.fromEntries(Object.entries(lifecycle).map(([k, v]) => [k, handler(v, `${where}.lifecycle.${k}`)]));
  }
  return out as unknown as T;
}

/** Volumes with their emptyDir size limits typed. */
export function typedVolumes(volumes: k8s.Volume[] | undefined, where: string): k8s.Volume[] | undefined {
  return volumes?.map((v, i) => (isPlain(v) && isPlain(v.emptyDir)
    ? { ...v, emptyDir: { ...v.emptyDir, sizeLimit: quantity(v.emptyDir.sizeLimit, `${where}[${i}].emptyDir.sizeLimit`) as k8s.Quantity | undefined } }
    : v));
}

/**
 * A pod template of the user's own (a YAML file loaded in JavaScript, a Python dict) with its containers', init containers' and
 * volumes' quantities and ports typed: without it cdk8s would write `google.com/tpu: null` for a plain `8`.
 */
export function typedPodTemplate(template: k8s.PodTemplateSpec, where: string): k8s.PodTemplateSpec {
  const spec = template.spec;
  if (!isPlain(spec)) return template;
  return {
    ...template,
    spec: {
      ...spec,
      containers: spec.containers.map((c, i) => typedContainer(c, `${where} containers[${i}]`)),
      ...(spec.initContainers ? { initContainers: spec.initContainers.map((c, i) => typedContainer(c, `${where} initContainers[${i}]`)) } : {}),
      ...(spec.volumes ? { volumes: typedVolumes(spec.volumes, `${where} volumes`) } : {}),
    },
  };
}
