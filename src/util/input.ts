/**
 * Run-time checks of what a caller passes to a public entry point. TypeScript protects TypeScript
 * callers only: plain JavaScript, and Python or other jsii languages, can pass `null`, a string where a
 * number belongs, a plain object where a class instance belongs, or a misspelt prop. Every check throws
 * one `Error` whose message names the prop, says what arrived and what would work.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { closestMatches } from './closest';

/** Largest value of a Kubernetes int32 field (replicas, maxReplicas, ...). */
export const INT32_MAX = 2_147_483_647;

/** Hugging Face access tokens (`hf_` and a long alphanumeric tail): never echoed, never written to a manifest. */
const HF_TOKEN = /hf_[A-Za-z0-9]{30,}/g;

/**
 * A string safe to put in an error message, a note or a decision line: control characters (NUL,
 * ESC, newlines, ...) shown as `\u00XX`, anything that looks like a Hugging Face token redacted, and
 * at most `max` characters.
 */
export function printable(value: unknown, max = 120): string {
  let s: string;
  try {
    s = typeof value === 'string' ? value : String(value);
  } catch {
    s = Object.prototype.toString.call(value);
  }
  s = s.replace(HF_TOKEN, 'hf_<redacted>')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

/** A plain object (a literal, JSON, a jsii struct): not an array, not a class instance whose fields would be read as entries. */
export function isPlainObject(v: unknown): v is { [key: string]: unknown } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** How a value is named in a message: its type and a printable form (`string '3'`, `null`, `object {"a":1}`). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `string '${printable(value)}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (Array.isArray(value)) return `array ${printable(safeJson(value), 80)}`;
  const ctor = (value as object).constructor?.name;
  return `${ctor && ctor !== 'Object' ? `${ctor} ` : 'object '}${printable(safeJson(value), 80)}`;
}

function safeJson(v: unknown): string {
  try {
    // NaN, Infinity and undefined inside a list or map as themselves (JSON would print null, hiding what was passed)
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x === undefined ? 'undefined' : x))
      ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** True when `value` holds something that looks like a Hugging Face token. */
export function looksLikeHfToken(value: string): boolean {
  HF_TOKEN.lastIndex = 0;
  const found = HF_TOKEN.test(value);
  HF_TOKEN.lastIndex = 0;
  return found;
}

/**
 * Checks that a props argument is an object (not null, an array or a primitive) and that every key it
 * has is a known prop, naming the closest known one for a misspelt key.
 * @param props what the caller passed
 * @param what how the message names the argument, e.g. `OptimizedLlmServer props`
 * @param known every prop name the argument accepts
 * @param required whether the argument may be omitted
 */
export function checkProps(props: unknown, what: string, known: readonly string[], required = true): void {
  if (props === undefined && !required) return;
  if (props === null || props === undefined || typeof props !== 'object' || Array.isArray(props)) {
    throw new Error(`${what} must be an object of props, got ${describeValue(props)}.`);
  }
  const unknown = Object.keys(props).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    const k = unknown[0];
    const [close] = closestMatches(k, known, 1);
    throw new Error(`${what}: unknown prop '${printable(k, 60)}'${close ? `; did you mean '${close}'?` : ''} `
      + `(known props: ${[...known].sort().join(', ')}).`);
  }
}

/** Checks that an argument is an object (not null, an array or a primitive). */
export function checkObject(value: unknown, what: string): void {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${what} must be an object of props, got ${describeValue(value)}.`);
  }
}

/**
 * Runs a check on behalf of a caller the message should name (a factory method, a prop holding an instance): its
 * error, if any, is thrown again starting with `where: `.
 */
export function checkedFor<T>(where: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw e instanceof Error ? new Error(`${where}: ${e.message}`) : e;
  }
}

/** An optional string prop: undefined, or a string. */
export function checkOptionalString(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string') {
    throw new Error(`'${name}' must be a string, got ${describeValue(value)}.`);
  }
}

/** A required, non-empty string prop. */
export function checkRequiredString(name: string, value: unknown, example: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`'${name}' is required: a string such as ${example}, got ${describeValue(value)}.`);
  }
}

/** An optional boolean prop. */
export function checkOptionalBoolean(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new Error(`'${name}' must be true or false, got ${describeValue(value)}.`);
  }
}

/** An optional list of strings. */
export function checkOptionalStringList(name: string, value: unknown): void {
  if (value !== undefined && (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))) {
    throw new Error(`'${name}' must be a list of strings, got ${describeValue(value)}.`);
  }
}

/**
 * An optional whole number within `[min, max]` (int32 by default: the range of a Kubernetes integer field).
 */
export function checkOptionalInteger(name: string, value: unknown, min: number, max = INT32_MAX): void {
  if (value === undefined) return;
  if (typeof value !== 'number') throw new Error(`'${name}' must be a number, got ${describeValue(value)}.`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`'${name}' must be a whole number from ${min} to ${max}, got ${value}.`);
  }
}

/** An optional finite number greater than 0 (and at most `max`). */
export function checkOptionalPositive(name: string, value: unknown, max = Number.MAX_VALUE): void {
  if (value === undefined) return;
  if (typeof value !== 'number') throw new Error(`'${name}' must be a number, got ${describeValue(value)}.`);
  if (!(Number.isFinite(value) && value > 0 && value <= max)) {
    throw new Error(`'${name}' must be a positive number${max < Number.MAX_VALUE ? ` of at most ${max}` : ''}, got ${value}.`);
  }
}

/**
 * An optional value of a TypeScript enum, refused in one wording for every enum prop: each value with the name a
 * TypeScript, JavaScript or jsii caller writes for it (`'spot' (Capacity.SPOT)`), then what arrived.
 * @param values the enum object itself
 * @param enumName the enum's exported name, e.g. `Capacity`
 */
export function checkOptionalEnum(name: string, value: unknown, values: Record<string, string>, enumName: string): void {
  if (value !== undefined && !Object.values(values).includes(value as string)) {
    const known = Object.entries(values).map(([key, v]) => `'${v}' (${enumName}.${key})`).join(', ');
    throw new Error(`'${name}' must be one of ${known}, got ${describeValue(value)}.`);
  }
}

/**
 * An optional instance of a class: a plain object with the same fields is refused, because it skips
 * the factory's checks (`HuggingFaceToken.fromSecret`, `InferenceCatalog.embedded()`).
 * @param how how to make a proper one, e.g. `HuggingFaceToken.fromSecret('hf-secret')`
 */
export function checkOptionalInstance(name: string, value: unknown, isInstance: (v: unknown) => boolean, how: string): void {
  if (value !== undefined && !isInstance(value)) {
    throw new Error(`'${name}' must be made with ${how}, got ${describeValue(value)}.`);
  }
}

/**
 * The scope of a construct, checked before the `constructs` package sees it (it fails with a TypeError on a scope that is
 * not a construct or an id that is not a string); for `super(checkedScope(scope, id, 'X'), id)`.
 */
export function checkedScope<T>(scope: T, id: unknown, what: string): T {
  if (!Construct.isConstruct(scope)) throw new Error(`${what}: 'scope' must be a construct (a cdk8s Chart), got ${describeValue(scope)}.`);
  if (typeof id !== 'string' || id.length === 0) throw new Error(`${what}: 'id' must be a non-empty string, got ${describeValue(id)}.`);
  // cdk8s names and namespaces objects from their Chart ("cannot find a parent chart" otherwise, with no word of what to do)
  if (!scope.node.scopes.some((s) => Chart.isChart(s))) {
    throw new Error(`${what}: 'scope' must be a cdk8s Chart or a construct inside one, got ${scope.node.path ? `'${scope.node.path}'` : 'the App'}: `
      + `create a Chart (new Chart(app, 'llm', { namespace: 'llm' })) and the ${what} in it.`);
  }
  return scope;
}
