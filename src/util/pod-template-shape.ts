/**
 * The shape of a pod template a caller hands a part (`applyTo`, `servingTemplate`): plain-JavaScript and jsii callers may pass
 * anything, and a field of the wrong kind would fail deep inside with a TypeError or come out split into characters.
 */
import { describeValue, isPlainObject, printable } from './input';

function listOfObjects(v: unknown, where: string): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || v.some((x) => !isPlainObject(x))) throw new Error(`${where} must be a list of objects, got ${describeValue(v)}.`);
}

function stringMap(v: unknown, where: string): void {
  if (v === undefined) return;
  if (!isPlainObject(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw new Error(`${where} must be a map of strings, got ${describeValue(v)}.`);
  }
}

function checkContainer(c: { [key: string]: unknown }, where: string): void {
  if (typeof c.name !== 'string' || c.name.length === 0) throw new Error(`${where} has a container without a name: ${describeValue(c)}.`);
  const at = `${where} container '${printable(c.name)}'`;
  for (const field of ['command', 'args']) {
    const v = c[field];
    if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) {
      throw new Error(`${at}: '${field}' must be a list of strings, got ${describeValue(v)}.`);
    }
  }
  listOfObjects(c.env, `${at}: 'env'`);
  listOfObjects(c.volumeMounts, `${at}: 'volumeMounts'`);
  listOfObjects(c.ports, `${at}: 'ports'`);
  if (c.resources !== undefined) {
    if (!isPlainObject(c.resources)) throw new Error(`${at}: 'resources' must be an object, got ${describeValue(c.resources)}.`);
    for (const kind of ['requests', 'limits']) {
      const amounts = c.resources[kind];
      if (amounts === undefined) continue;
      // k8s.Quantity objects or plain strings and numbers; NaN and Infinity are no quantity
      if (!isPlainObject(amounts) || Object.values(amounts).some((q) => q === null || q === undefined
        || (typeof q === 'number' && !Number.isFinite(q)) || (typeof q !== 'number' && typeof q !== 'string' && typeof q !== 'object'))) {
        throw new Error(`${at}: 'resources.${kind}' must map resource names to quantities, got ${describeValue(amounts)}.`);
      }
    }
  }
}

/**
 * Checks a pod template's shape: an object, its metadata's labels and annotations maps of strings, a spec with a list of named
 * containers (command and args lists of strings, env, volume mounts and ports lists of objects), and lists of objects for
 * volumes and init containers; `containerName`, when given, must be one of the containers. Errors start with `what`.
 */
export function checkPodTemplateShape(template: unknown, what: string, containerName?: string, containerProp?: string): void {
  if (!isPlainObject(template)) throw new Error(`${what} must be a pod template (k8s.PodTemplateSpec), got ${describeValue(template)}.`);
  if (template.metadata !== undefined) {
    if (!isPlainObject(template.metadata)) throw new Error(`${what}: 'metadata' must be an object, got ${describeValue(template.metadata)}.`);
    stringMap(template.metadata.labels, `${what}: 'metadata.labels'`);
    stringMap(template.metadata.annotations, `${what}: 'metadata.annotations'`);
  }
  const spec = template.spec;
  if (!isPlainObject(spec) || !Array.isArray(spec.containers) || spec.containers.length === 0) {
    throw new Error(`${what} must be a pod template (k8s.PodTemplateSpec) with a list of containers, got ${describeValue(template)}.`);
  }
  listOfObjects(spec.containers, `${what}: 'spec.containers'`);
  for (const c of spec.containers as Array<{ [key: string]: unknown }>) checkContainer(c, what);
  listOfObjects(spec.initContainers, `${what}: 'spec.initContainers'`);
  for (const c of (spec.initContainers ?? []) as Array<{ [key: string]: unknown }>) checkContainer(c, what);
  listOfObjects(spec.volumes, `${what}: 'spec.volumes'`);
  if (containerName !== undefined && !(spec.containers as Array<{ name?: unknown }>).some((c) => c.name === containerName)) {
    throw new Error(`${what} has no container '${printable(containerName)}'${containerProp ? `: set '${containerProp}' to the vLLM container's name` : ''}.`);
  }
}
