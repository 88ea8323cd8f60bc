export * from './resolver/resolution';
export { InferenceResolver } from './resolver/resolver';
export * from './catalog/inference-catalog';
export * from './server/hugging-face-token';
export * from './server/optimized-llm-server';
export * from './server/model-transfer-job';
export * from './storage/cloud-storage-fuse';
export { ServerClients } from './server/network-policy';
export { ClusterMode, GkeAutopilot } from './validation/cluster-mode';
