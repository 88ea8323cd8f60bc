/**
 * Names for objects whose content Kubernetes will not let change: a Job's pod template is immutable (kubernetes/kubernetes
 * pkg/apis/batch/validation ValidateJobSpecUpdate: `spec.template` "field is immutable"), so a Job re-applied with another
 * template under the same name is refused. Suffixing the name with a digest of the template makes every apply valid: an
 * unchanged Job keeps its name (a no-op), a changed one is a new Job.
 */
import { createHash } from 'crypto';

/** Hex characters of the digest in the name. */
const DIGEST_LENGTH = 8;
/** Characters the digest adds to a name: '-' and the digest. */
export const CONTENT_DIGEST_SUFFIX_LENGTH = DIGEST_LENGTH + 1;

/** `<base>-<digest of content>`, within a DNS label's 63 characters (the base is shortened, never the digest). */
export function contentName(base: string, content: unknown): string {
  const digest = createHash('sha256').update(stableJson(content)).digest('hex').slice(0, DIGEST_LENGTH);
  return `${base.slice(0, 63 - DIGEST_LENGTH - 1).replace(/-+$/, '')}-${digest}`;
}

/** JSON with object keys sorted, so that the digest depends on the content only. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as { [k: string]: unknown }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v));
}
