/**
 * A deep copy of plain data (objects, arrays, primitives: what jsii structs hold), own enumerable keys in their order,
 * `undefined` values kept, as `structuredClone` would give for such data but several times faster (the resolver's
 * memoised answers are copied for every caller).
 */
export function plainCopy<T>(value: T): T {
  return copy(value) as T;
}

function copy(x: unknown): unknown {
  if (typeof x !== 'object' || x === null) return x;
  if (Array.isArray(x)) {
    const n = x.length;
    const a = new Array<unknown>(n);
    for (let i = 0; i < n; i++) a[i] = copy(x[i]);
    return a;
  }
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(x)) o[k] = copy((x as Record<string, unknown>)[k]);
  return o;
}
