/**
 * Library messages as one line: the CLI's error lines and `serve`'s API errors share this.
 */
import { Capacity, ClusterMode, PricingModel } from '../resolver/resolution';

/**
 * Joins a multi-line message into one line (`a:` + `b` is `a: b`, other lines are joined with `; `) and
 * renames the props it names, `('model')`, quoted camel-case props (`'maxModelLength'`) and the bare latency-target
 * props, with `names` (flags, or an API's query parameters); props `names` lacks are kept.
 */
export function joinMessage(message: string, names: { readonly [prop: string]: string }): string {
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const joined = lines.reduce((acc, l) => (acc === '' ? l : /[:;]$/.test(acc) ? `${acc} ${l}` : `${acc}; ${l}`), '');
  // own names only: a quoted value such as 'constructor' or 'toString' must not read the object's prototype
  const flag = (name: string): string | undefined => (Object.prototype.hasOwnProperty.call(names, name) ? names[name] : undefined);
  return joined.replace(/\('(\w+)'\)/g, (whole, name: string) => (flag(name) ? `(${flag(name)})` : whole))
    // a quoted prop elsewhere in the text ('averageInputTokens' + 'averageOutputTokens', set 'maxModelLength' to ..., or 'model');
    // quoted values that are no prop stay
    .replace(/'([a-z]\w*)'/g, (whole, name: string) => flag(name) ?? whole)
    // the enum members a message suggests, as the flag values that choose them (Capacity.ON_DEMAND: on-demand)
    .replace(/\b(Capacity|PricingModel|ClusterMode)\.([A-Z_]+)\b/g, (whole, type: string, member: string) => ENUM_VALUES[type]?.[member] ?? whole)
    .replace(/\b(targetNtpotMilliseconds|targetTtftMilliseconds)\b/g, (name: string) => flag(name) ?? name);
}

/** The values of the enums library messages name (`Capacity.ON_DEMAND`), as flags take them. */
const ENUM_VALUES: { readonly [type: string]: { readonly [member: string]: string } } = {
  Capacity: Object.fromEntries(Object.entries(Capacity)),
  PricingModel: Object.fromEntries(Object.entries(PricingModel)),
  ClusterMode: Object.fromEntries(Object.entries(ClusterMode)),
};

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
  capacity: '--capacity',
  reservationName: '--reservation-name',
  region: '--region',
  useCase: '--use-case',
  averageInputTokens: '--average-input-tokens',
  averageOutputTokens: '--average-output-tokens',
  maxModelLength: '--max-model-length',
  weightPrecision: '--weight-precision',
  kvCacheDtype: '--kv-cache-dtype',
  modelBucketUri: '--model-bucket-uri',
  name: '--name',
  clusterMode: '--cluster-mode',
  gkeVersion: '--gke-version',
};

/** Joins a multi-line library message into one line and names the CLI's flags instead of props. */
export function oneLine(message: string): string {
  return joinMessage(message, CLI_FLAG_NAMES);
}
