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
