/**
 * Makes plain data (objects, arrays, primitives: what jsii structs hold) and everything it holds unchangeable, so that one value
 * can be shared by every caller without a copy and without any caller changing it for the others. Returns the value itself.
 *
 * In Node, `Object.freeze`. Under a jsii kernel (the library used from Python, Java, C# or Go) a frozen object cannot be handed
 * across: the kernel tags every object it passes by reference with a symbol property (`@jsii/kernel` lib/objects.js `tagObject`:
 * `managed[OBJID_SYMBOL] = objid`), which throws "object is not extensible" on a frozen one. There every own property is made
 * read-only and non-configurable and every array's `length` read-only (writes, `push` and `splice` still throw in strict mode),
 * and the objects stay extensible. The jsii runtimes say they host the kernel through `JSII_AGENT` in its environment (the .NET
 * runtime's NodeProcess sets "DotNet/..."; @jsii/kernel's tests: "JSII_AGENT is undefined in node.js"). Locking costs several
 * times freezing, and leaves arrays in V8's slower dictionary mode, so plain Node keeps freezing.
 */
export function deepLock<T>(value: T): T {
  return underJsii() ? lockDeeply(value) : freezeDeeply(value);
}

/** Whether a jsii runtime hosts this process (it sets `JSII_AGENT`, e.g. `Python/3.12.1`). */
export function underJsii(): boolean {
  return typeof process !== 'undefined' && process.env.JSII_AGENT !== undefined;
}

function freezeDeeply<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const k of Object.keys(value)) freezeDeeply((value as Record<string, unknown>)[k]);
  return value;
}

function lockDeeply<T>(value: T): T {
  if (typeof value !== 'object' || value === null || LOCKED.has(value)) return value;
  LOCKED.add(value);
  for (const k of Object.keys(value)) {
    lockDeeply((value as Record<string, unknown>)[k]);
    Object.defineProperty(value, k, { writable: false, configurable: false });
  }
  if (Array.isArray(value)) Object.defineProperty(value, 'length', { writable: false });
  return value;
}

const LOCKED = new WeakSet<object>();
