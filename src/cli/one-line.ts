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
    // a one-word prop in a list of what to change ("Change 'modelServerVersion' or 'model' to ...")
    .replace(/\b(Change|set|or|and) '([a-z]+)'/g, (whole, verb: string, name: string) => (names[name] ? `${verb} ${names[name]}` : whole))
    .replace(/\b(targetNtpotMilliseconds|targetTtftMilliseconds)\b/g, (name: string) => names[name] ?? name);
}

/** Resource names in library errors, and the flags that set them. */
export const CLI_FLAG_NAMES: { [name: string]: string } = {
  model: '--model',
  modelServer: '--model-server',
  modelServerVersion: '--model-server-version',
  acceleratorType: '--accelerator-type',
  instanceType: '--instance-type',
  targetNtpotMilliseconds: '--target-ntpot-milliseconds',
  targetTtftMilliseconds: '--target-ttft-milliseconds',
  pricingModel: '--pricing-model',
  region: '--region',
  useCase: '--use-case',
  averageInputTokens: '--average-input-tokens',
  averageOutputTokens: '--average-output-tokens',
  maxModelLength: '--max-model-length',
  weightPrecision: '--weight-precision',
  kvCacheDtype: '--kv-cache-dtype',
  modelBucketUri: '--model-bucket-uri',
  name: '--name',
};

/** Joins a multi-line library message into one line and names the CLI's flags instead of props. */
export function oneLine(message: string): string {
  return joinMessage(message, CLI_FLAG_NAMES);
}
