/** Label and annotation keys this library writes. */
export const ANNOTATION_PREFIX = 'cdk8s-gke-inference.io';

export const Annotations = {
  PROFILE: `${ANNOTATION_PREFIX}/profile`,
  PROFILE_SOURCE: `${ANNOTATION_PREFIX}/profile-source`,
  PROFILE_CITATION: `${ANNOTATION_PREFIX}/profile-citation`,
  PROFILE_UNCERTAINTY: `${ANNOTATION_PREFIX}/profile-uncertainty`,
  OPERATING_POINT: `${ANNOTATION_PREFIX}/operating-point`,
  COST: `${ANNOTATION_PREFIX}/cost`,
  AUTOSCALING: `${ANNOTATION_PREFIX}/autoscaling`,
  COST_AT_HPA_TARGET: `${ANNOTATION_PREFIX}/cost-at-hpa-target`,
  VERSION: `${ANNOTATION_PREFIX}/version`,
  /** How an InferenceGateway's GCPBackendPolicy timeout was derived. */
  REQUEST_TIMEOUT: `${ANNOTATION_PREFIX}/request-timeout`,
} as const;

/** Labels GKE samples put on inference pods. */
export const GkeLabels = {
  MODEL: 'ai.gke.io/model',
  INFERENCE_SERVER: 'ai.gke.io/inference-server',
} as const;

/** Node selector keys GKE reads. */
export const NodeSelectors = {
  ACCELERATOR: 'cloud.google.com/gke-accelerator',
  ACCELERATOR_COUNT: 'cloud.google.com/gke-accelerator-count',
  TPU_ACCELERATOR: 'cloud.google.com/gke-tpu-accelerator',
  TPU_TOPOLOGY: 'cloud.google.com/gke-tpu-topology',
} as const;
