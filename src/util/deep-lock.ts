/**
 * Locks plain data (objects, arrays, primitives: what jsii structs hold) and everything it holds, so that one value can be
 * shared by every caller without a copy and without any caller changing it for the others: every own property is made
 * read-only and non-configurable, and an array's `length` read-only (so `push` and `splice` throw in strict mode).
 * Returns the value itself.
 *
 * Not `Object.freeze`: a frozen object is not extensible, and the jsii kernel that serves the library to Python, Java, C# and Go
 * tags every object it hands across with a symbol property (`@jsii/kernel` lib/objects.js `tagObject`:
 * `managed[OBJID_SYMBOL] = objid`), which throws "object is not extensible" on a frozen one. A locked object stays extensible:
 * a new property changes none the library reads.
 */
export function deepLock<T>(value: T): T {
  if (typeof value !== 'object' || value === null || LOCKED.has(value)) return value;
  LOCKED.add(value);
  for (const k of Object.keys(value)) {
    deepLock((value as Record<string, unknown>)[k]);
    Object.defineProperty(value, k, { writable: false, configurable: false });
  }
  if (Array.isArray(value)) Object.defineProperty(value, 'length', { writable: false });
  return value;
}

/** Whether `value` was locked by `deepLock` (or is not an object). */
export function isDeepLocked(value: unknown): boolean {
  return typeof value !== 'object' || value === null || LOCKED.has(value);
}

const LOCKED = new WeakSet<object>();
