/**
 * A fixed app with several servers, synthesized to one YAML string. The determinism test runs it in the
 * test process and in a fresh node process (`node -r ts-node/register/transpile-only`) and compares bytes.
 */
import { App, Chart } from 'cdk8s';
import { ClusterMode, HuggingFaceToken, OptimizedLlmServer, PricingModel, ServerClients } from '../../src';

export function determinismAppYaml(): string {
  const app = new App();
  const chart = new Chart(app, 'inference', { namespace: 'llm' });
  new OptimizedLlmServer(chart, 'gemma', {
    model: 'google/gemma-2-27b-it',
    acceleratorType: 'nvidia-l4',
    targetNtpotMilliseconds: 1100,
    minReplicas: 2,
    maxReplicas: 4,
    allowedClients: [ServerClients.podLabels({ tier: 'frontend', app: 'chat' }), ServerClients.inNamespace('gateway')],
    clusterMode: ClusterMode.AUTOPILOT,
  });
  new OptimizedLlmServer(chart, 'gpt-oss', { model: 'openai/gpt-oss-20b', replicas: 3, huggingFaceToken: HuggingFaceToken.none(), pricingModel: PricingModel.ON_DEMAND });
  new OptimizedLlmServer(chart, 'deepseek', { model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', targetTtftMilliseconds: 400, allowedClients: [] });
  return app.synthYaml();
}

if (require.main === module) {
  process.stdout.write(determinismAppYaml());
}
