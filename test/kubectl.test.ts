import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { ModelTransferJob, OptimizedLlmServer } from '../src';
import { kubectlValidate, kubectlValidateAvailable } from './support/kubectl-validate';

// The real kubectl validates what we synthesize, strictly and offline, against the vendored schemas.
const maybe = kubectlValidateAvailable() ? test : test.skip;
if (!kubectlValidateAvailable()) console.warn('kubectl is not on PATH: the kubectl cross-check is skipped on this machine');

maybe.each(['1.28', '1.33'] as const)('kubectl %s accepts the synthesized manifests', (version) => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gke-inference-')) });
  const chart = new Chart(app, 'kubectl', { namespace: 'llm' });
  new OptimizedLlmServer(chart, 'gemma', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100 });
  new OptimizedLlmServer(chart, 'gptoss', { model: 'openai/gpt-oss-20b', targetTtftMilliseconds: 300 });
  new OptimizedLlmServer(chart, 'deepseek', { model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', replicas: 2 });
  new OptimizedLlmServer(chart, 'bucket', { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-h100-80gb', modelBucketUri: 'gs://models/gemma' });
  new ModelTransferJob(chart, 'transfer', { model: 'google/gemma-2-27b-it', modelBucketUri: 'gs://models/gemma' });
  const expected = chart.toJson().length;
  app.synth();
  const file = path.join(app.outdir, 'kubectl.k8s.yaml');
  const result = kubectlValidate([file], version)!;
  expect(result.output).toContain(`${expected} valid, 0 invalid`);
  expect(expected).toBeGreaterThanOrEqual(20);
  expect(result.ok).toBe(true);
});
