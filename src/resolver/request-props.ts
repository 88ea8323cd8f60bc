/**
 * The prop names of `ResolveRequest`, for the run-time check that names a misspelt prop (a test keeps
 * this list equal to the interface).
 */
export const RESOLVE_REQUEST_PROPS: readonly string[] = [
  'model', 'modelServer', 'modelServerVersion', 'acceleratorType', 'targetNtpotMilliseconds', 'targetTtftMilliseconds', 'pricingModel',
  'outputInputCostRatio', 'region', 'maxModelLength', 'modelBucketUri', 'autoscalingMetric', 'expectedRequestsPerSecond',
  'allowedAcceleratorTypes', 'useCase', 'averageInputTokens', 'averageOutputTokens', 'weightPrecision', 'kvCacheDtype', 'capacity', 'reservationName', 'clusterMode', 'gkeVersion',
  'loraAdapters', 'maxLoras', 'maxLoraRank', 'runtimeLoraUpdating',
];
