/** `gcloud storage buckets add-iam-policy-binding` for a Kubernetes service account (GKE Workload Identity Federation). */
export function bucketIamBindingCommand(bucket: string, namespace: string, serviceAccountName: string, write: boolean): string {
  const member = 'principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/PROJECT_ID.svc.id.goog'
    + `/subject/ns/${namespace}/sa/${serviceAccountName}`;
  return `gcloud storage buckets add-iam-policy-binding gs://${bucket} --member "${member}" `
    + `--role ${write ? 'roles/storage.objectUser' : 'roles/storage.objectViewer'}`;
}
