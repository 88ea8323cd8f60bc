import { byCodePoint } from './compare';

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[t.length];
}

/**
 * The candidates closest to `input`, best first: a candidate whose name (or the part after the
 * last `/`) contains the input ranks first, then by edit distance to the whole id or to its name.
 */
export function closestMatches(input: string, candidates: readonly string[], limit = 3): string[] {
  const needle = input.toLowerCase();
  const shortName = (c: string) => c.slice(c.lastIndexOf('/') + 1).toLowerCase();
  const score = (c: string) => {
    const lc = c.toLowerCase();
    if (lc.includes(needle) || (needle.includes('/') ? false : needle.length >= 3 && shortName(c).includes(needle))) return -1;
    return Math.min(editDistance(needle, lc), editDistance(needle.slice(needle.lastIndexOf('/') + 1), shortName(c)));
  };
  return [...candidates]
    .map((c) => ({ c, s: score(c) }))
    .sort((x, y) => x.s - y.s || byCodePoint(x.c, y.c))
    .slice(0, limit)
    .map((x) => x.c);
}
