/**
 * Checks of the map props (labels, selectors, annotations, environment) that plain-JavaScript and jsii callers may pass untyped.
 */
import { describeValue, isPlainObject, printable } from '../util/input';
import { isLabelValue, isQualifiedName } from '../validation/manifest';

/** A map of `keyWhat` to strings (checked by `key` and, when given, `val`), or undefined; throws naming the prop. */
export function stringMap(
  name: string, value: unknown, key: (k: string) => boolean, keyWhat: string, val?: (v: string) => boolean, valWhat?: string,
): { [k: string]: string } | undefined {
  if (value === undefined) return undefined;
  // a plain object: a class instance (a HuggingFaceToken, a Date) would give its fields, or nothing, as entries
  if (!isPlainObject(value)) {
    throw new Error(`'${name}' must be a map of ${keyWhat} to strings, got ${describeValue(value)}.`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (!key(k) || k.length > 253) throw new Error(`'${name}' key '${printable(k)}' is invalid: its keys must be ${keyWhat}.`);
    if (typeof v !== 'string') throw new Error(`'${name}' value of '${k}' must be a string, got ${describeValue(v)}.`);
    if (val && !val(v)) throw new Error(`'${name}' value '${printable(v)}' of '${printable(k)}' is invalid: it must be ${valWhat}.`);
  }
  return value as { [k: string]: string };
}

/** A Kubernetes label map (qualified-name keys, label values): labels of an object, or a label selector's matchLabels. */
export function checkLabelMap(name: string, value: unknown): { [k: string]: string } | undefined {
  return stringMap(name, value, isQualifiedName, 'label keys', isLabelValue, 'a label value (at most 63 letters, digits, \'-\', \'_\' and \'.\')');
}
