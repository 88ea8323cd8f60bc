/**
 * Library messages as one line: the CLI's error lines and `serve`'s API errors share this.
 */

/**
 * Joins a multi-line message into one line (`a:` + `b` is `a: b`, other lines are joined with `; `) and
 * renames the props it names, `('model')`, quoted camel-case props (`'maxModelLength'`) and the bare latency-target
 * props, with `names` (flags, or an API's query parameters); props `names` lacks are kept.
 */
export function joinMessage(message: string, names: { readonly [prop: string]: string }): string {
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const joined = lines.reduce((acc, l) => (acc === '' ? l : /[:;]$/.test(acc) ? `${acc} ${l}` : `${acc}; ${l}`), '');
  return joined.replace(/\('(\w+)'\)/g, (whole, name: string) => (names[name] ? `(${names[name]})` : whole))
    // a quoted camel-case prop elsewhere in the text ('averageInputTokens' + 'averageOutputTokens', set 'maxModelLength' to ...)
    .replace(/'([a-z]+[A-Z]\w*)'/g, (whole, name: string) => names[name] ?? whole)
    .replace(/\b(targetNtpotMilliseconds|targetTtftMilliseconds)\b/g, (name: string) => names[name] ?? name);
}
