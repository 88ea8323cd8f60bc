/**
 * Orders strings by UTF-16 code unit, the same on every host: `String.prototype.localeCompare` follows the process's ICU locale
 * (Czech sorts "ch" after "h"), so a sort with it could pick another machine or print other bytes on another CI host.
 */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
