/**
 * Freezes plain data (objects, arrays, primitives: what jsii structs hold) and everything it holds, so that one value can be
 * shared by every caller without a copy and without any caller changing it for the others. Returns the value itself.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const k of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[k]);
  return value;
}
