/** Rounds to a number of decimals: the figures notes, annotations and listings print. */
export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
