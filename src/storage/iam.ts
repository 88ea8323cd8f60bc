import { describeValue, printable } from '../util/input';
import { shellQuote } from '../util/shell-quote';
import { isDns1123Label, isDns1123Subdomain } from '../validation/manifest';


/**
 * `gcloud storage buckets add-iam-policy-binding` for a Kubernetes service account (GKE Workload Identity
 * Federation). Every value is shell-quoted; the namespace and service-account name must be Kubernetes names.
 */
export function bucketIamBindingCommand(bucket: string, namespace: string, serviceAccountName: string, write: boolean): string {
  if (typeof namespace !== 'string' || !isDns1123Label(namespace)) {
    throw new Error('\'namespace\' must be a Kubernetes namespace (a DNS-1123 label of at most 63 lower-case letters, digits and \'-\'), '
      + `got ${describeValue(namespace)}.`);
  }
  if (typeof serviceAccountName !== 'string' || !isDns1123Subdomain(serviceAccountName)) {
    throw new Error('\'serviceAccountName\' must be a Kubernetes service account name (lower-case letters, digits, \'-\' and \'.\'), '
      + `got ${describeValue(serviceAccountName)}.`);
  }
  // a truthy string ('false') must not grant write access
  if (typeof write !== 'boolean') throw new Error(`'write' must be true or false (write access, or read only), got ${describeValue(write)}.`);
  if (typeof bucket !== 'string' || !/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(bucket)) {
    throw new Error(`'bucket' '${printable(bucket)}' is not a Cloud Storage bucket name.`);
  }
  const member = 'principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/PROJECT_ID.svc.id.goog'
    + `/subject/ns/${namespace}/sa/${serviceAccountName}`;
  return ['gcloud', 'storage', 'buckets', 'add-iam-policy-binding', `gs://${bucket}`, '--member', member,
    '--role', write ? 'roles/storage.objectUser' : 'roles/storage.objectViewer'].map(shellQuote).join(' ');
}

/**
 * The bindings that let a Kubernetes service account read a bucket and write under one prefix of it only: roles/storage.objectViewer
 * on the bucket (listing is a bucket-level permission) and roles/storage.objectUser with an IAM condition on the objects' names
 * (Cloud Storage, "IAM Conditions": `resource.name.startsWith("projects/_/buckets/BUCKET/objects/PREFIX")`; conditions need uniform
 * bucket-level access on the bucket). With no prefix, write access to the bucket.
 */
export function bucketPrefixWriteBindingCommands(bucket: string, prefix: string, namespace: string, serviceAccountName: string): string[] {
  const path = prefix.replace(/^\/+|\/+$/g, '');
  if (path === '') return [bucketIamBindingCommand(bucket, namespace, serviceAccountName, true)];
  const viewer = bucketIamBindingCommand(bucket, namespace, serviceAccountName, false);
  // a CEL string literal: backslashes and double quotes escaped (object names may hold both; commas, which would split gcloud's
  // --condition dictionary, are refused in bucket paths)
  const literal = `projects/_/buckets/${bucket}/objects/${path}/`.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const writer = viewer.replace(shellQuote('roles/storage.objectViewer'), `${shellQuote('roles/storage.objectUser')} `
    + shellQuote(`--condition=expression=resource.name.startsWith("${literal}"),title=write-under-prefix`));
  return [viewer, writer];
}
