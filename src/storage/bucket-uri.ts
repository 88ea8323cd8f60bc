import { describeValue, printable } from '../util/input';

/** A Cloud Storage location `gs://bucket[/path]`. */
export interface BucketLocation {
  readonly bucket: string;
  /** Path inside the bucket without leading or trailing `/`; empty for the bucket root. */
  readonly path: string;
  readonly uri: string;
}

const BUCKET_CHARS = /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/;

/**
 * Why `bucket` is not a valid Cloud Storage bucket name, or undefined when it is. The rules of
 * https://cloud.google.com/storage/docs/buckets#naming: lower-case letters, digits, `-`, `_` and `.`,
 * starting and ending with a letter or digit; 3-63 characters, or up to 222 with dots where each
 * dot-separated part is at most 63; not an IP address in dotted-decimal notation; not beginning with
 * `goog`; not containing `google` or close misspellings such as `g00gle`.
 */
export function bucketNameProblem(bucket: string): string | undefined {
  // the length first: a one- or two-character name of valid characters fails the pattern too, and should be told why
  if (bucket.length < 3) return 'is shorter than 3 characters';
  if (!BUCKET_CHARS.test(bucket)) return 'must use lower-case letters, digits, \'-\', \'_\' and \'.\' and start and end with a letter or digit';
  if (bucket.includes('.') ? bucket.length > 222 : bucket.length > 63) return 'is longer than 63 characters (222 with dots)';
  if (bucket.split('.').some((p) => p.length === 0 || p.length > 63)) return 'has an empty dot-separated part or one longer than 63 characters';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) return 'is an IP address';
  if (bucket.startsWith('goog')) return 'begins with \'goog\'';
  if (/g[o0][o0]g[l1]e/.test(bucket)) return 'contains \'google\' or a close misspelling';
  return undefined;
}

/**
 * Parses `gs://bucket/path`. Bucket names follow Cloud Storage's naming rules (see `bucketNameProblem`);
 * the path may hold any character Cloud Storage allows in an object name except control characters,
 * commas and whitespace (which the FUSE mount options cannot carry), and no `.`/`..` or empty segments.
 * Paths reach manifests only as environment values, quoted words or Kubernetes-escaped arguments.
 */
export function parseBucketUri(uri: string, prop = 'modelBucketUri'): BucketLocation {
  if (typeof uri !== 'string') {
    throw new Error(`'${prop}' must be a gs:// URI string such as gs://my-models/gemma-2-27b-it, got ${describeValue(uri)}.`);
  }
  const m = /^gs:\/\/([^/]+)(?:\/(.*))?$/s.exec(uri);
  const fail = (why: string) => new Error(`'${prop}' '${printable(uri)}' ${why}; expected gs://BUCKET/PATH/TO/MODEL, e.g. gs://my-models/gemma-2-27b-it.`);
  if (!m) throw fail('is not a gs:// URI');
  const bucket = m[1];
  const problem = bucketNameProblem(bucket);
  if (problem) throw fail(`names an invalid bucket '${printable(bucket)}' (a Cloud Storage bucket name ${problem})`);
  const path = (m[2] ?? '').replace(/\/+$/, '');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw fail('has control characters in its path');
  if (path.split('/').some((seg) => seg === '..' || seg === '.') || path.includes('//') || /[,\s]/.test(path) || path.length > 1024) {
    throw fail(`has a path '${printable(path)}' that cannot be mounted (no '.', '..', empty segments, commas or spaces; at most 1024 characters)`);
  }
  return { bucket, path, uri: `gs://${bucket}${path ? `/${path}` : ''}` };
}
