/** A Cloud Storage location `gs://bucket[/path]`. */
export interface BucketLocation {
  readonly bucket: string;
  /** Path inside the bucket without leading or trailing `/`; empty for the bucket root. */
  readonly path: string;
  readonly uri: string;
}

const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/**
 * Parses `gs://bucket/path`. Bucket names follow Cloud Storage's rules (lower-case letters, digits,
 * `-`, `_`, `.`; 3-63 characters per dot-separated part).
 */
export function parseBucketUri(uri: string, prop = 'modelBucketUri'): BucketLocation {
  const m = /^gs:\/\/([^/]+)(?:\/(.*))?$/.exec(uri ?? '');
  const fail = (why: string) => new Error(`'${prop}' '${uri}' ${why}; expected gs://BUCKET/PATH/TO/MODEL, e.g. gs://my-models/gemma-2-27b-it.`);
  if (!m) return thrower(fail('is not a gs:// URI'));
  const bucket = m[1];
  if (!BUCKET.test(bucket) || bucket.split('.').some((p) => p.length > 63 || p.length === 0) || bucket.startsWith('goog')) {
    return thrower(fail(`names an invalid bucket '${bucket}'`));
  }
  const path = (m[2] ?? '').replace(/\/+$/, '');
  if (path.split('/').some((seg) => seg === '..' || seg === '.') || path.includes('//') || /[,\s]/.test(path)) {
    return thrower(fail(`has a path '${path}' that cannot be mounted (no '.', '..', empty segments, commas or spaces)`));
  }
  return { bucket, path, uri: `gs://${bucket}${path ? `/${path}` : ''}` };
}

function thrower(e: Error): never {
  throw e;
}
