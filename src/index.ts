export * from './resolver/resolution';
export { InferenceResolver } from './resolver/resolver';
export * from './server/hugging-face-token';
export * from './server/optimized-llm-server';
