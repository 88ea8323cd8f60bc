import { Testing } from 'cdk8s';
import { InferenceCatalog, InferenceResolver, OptimizedLlmServer, ProfileSource } from '../src';
import { Catalog } from '../src/catalog/catalog';
import { performanceModel } from '../src/performance/estimator';
import { profileCurves } from '../src/performance/profiles';

const GEMMA = 'google/gemma-2-27b-it';
const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';
const catalog = Catalog.EMBEDDED;

test('a longer prompt raises TTFT and lowers the batch that fits', () => {
  const model = (meanInputTokens: number) => performanceModel({
    model: catalog.model(LLAMA)!,
    accelerator: catalog.accelerator('nvidia-l4')!,
    tensorParallelSize: 1,
    serverRelease: '0.10.0',
    workload: { meanInputTokens, meanOutputTokens: 200 },
  })!;
  const short = model(200);
  const long = model(5000);
  expect(long.kvBytesPerSequence).toBeGreaterThan(10 * short.kvBytesPerSequence);
  expect(long.maxRunningBatch).toBeLessThan(short.maxRunningBatch / 5);
  expect(long.at(1).ttftMilliseconds).toBeGreaterThan(5 * short.at(1).ttftMilliseconds);
  // and the resolver sees it: the same accelerator, a longer TTFT and a smaller running batch at the operating point
  const chat = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4' });
  const rag = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4', averageInputTokens: 5000, averageOutputTokens: 200 });
  expect(rag.performance.ttftMilliseconds!).toBeGreaterThan(chat.performance.ttftMilliseconds!);
  expect(rag.performance.runningBatchSize!).toBeLessThan(chat.performance.runningBatchSize!);
});

test('a measured profile is served as measured only for the workload it was measured on', () => {
  // GIQ measured gemma-2-27b-it on one H100 at 2050 tokens/s and 67 ms NTPOT, on ShareGPT
  const chat = InferenceResolver.resolve({ model: GEMMA, acceleratorType: 'nvidia-h100-80gb' });
  expect(chat.source).toBe(ProfileSource.MEASURED);
  expect([chat.performance.outputTokensPerSecond, chat.performance.ntpotMilliseconds]).toEqual([2050, 67]);
  // naming the use case it was measured on changes nothing
  const named = InferenceResolver.resolve({ model: GEMMA, acceleratorType: 'nvidia-h100-80gb', useCase: 'Chatbot (ShareGPT)' });
  expect(named.source).toBe(ProfileSource.MEASURED);
  expect([named.performance.outputTokensPerSecond, named.performance.ntpotMilliseconds]).toEqual([2050, 67]);
  // another workload: the calibrated estimate of the same combination, labelled estimated, with a band
  const summarize = InferenceResolver.resolve({ model: GEMMA, acceleratorType: 'nvidia-h100-80gb', useCase: 'text-summarization' });
  expect(summarize.source).toBe(ProfileSource.ESTIMATED);
  expect(summarize.uncertainty).toBeDefined();
  const curve = profileCurves(catalog.withWorkload({ name: 'Text Summarization', meanInputTokens: 1000, meanOutputTokens: 128, source: 'test' }), GEMMA)
    .find((c) => c.acceleratorType === 'nvidia-h100-80gb' && c.acceleratorCount === 1 && c.modelServerVersion === 'v0.7.2')!;
  expect(curve.source).toBe('estimated');
  expect(curve.estimate!.calibrationBasis).toBe('measured-combination');
  expect([curve.estimate!.meanInputTokens, curve.estimate!.meanOutputTokens]).toEqual([1000, 128]);
});

test('use cases follow GIQ\'s average lengths; Chatbot (ShareGPT) is the ShareGPT means every measured profile was taken on', () => {
  const summarize = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4', useCase: 'Text Summarization' });
  // input tokens/s in the cost formula follow the workload: 1000 input per 128 output tokens
  expect(summarize.performance.inputTokensPerSecond! / summarize.performance.outputTokensPerSecond).toBeCloseTo(1000 / 128, 6);
  const chat = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4', useCase: 'chatbot' });
  expect(chat.performance.inputTokensPerSecond! / chat.performance.outputTokensPerSecond)
    .toBeCloseTo(catalog.measuredWorkload.meanInputTokens / catalog.measuredWorkload.meanOutputTokens, 6);
  // explicit lengths override the use case's
  const custom = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4', useCase: 'Text Summarization', averageOutputTokens: 500 });
  expect(custom.performance.inputTokensPerSecond! / custom.performance.outputTokensPerSecond).toBeCloseTo(1000 / 500, 6);
});

test('the autoscaling threshold follows the workload', () => {
  const chat = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 100 });
  const rag = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 100, averageInputTokens: 4000 });
  // the default metric is the running batch: a 4000-token prompt holds far more KV cache, so fewer requests run at the threshold
  expect(rag.autoscaling!.metric).toBe(chat.autoscaling!.metric);
  expect(rag.autoscaling!.targetAverageValue).toBeLessThan(chat.autoscaling!.targetAverageValue);
});

test('impossible workloads fail naming the prop', () => {
  const base = { model: LLAMA, acceleratorType: 'nvidia-l4' };
  expect(() => InferenceResolver.resolve({ ...base, useCase: 'poetry' })).toThrow(/Unknown use case 'poetry' \('useCase'\)\. Use cases: .*Deep Research/);
  expect(() => InferenceResolver.resolve({ ...base, useCase: 'Code Generation' })).toThrow(/no published average lengths.*'averageInputTokens' and 'averageOutputTokens'/);
  expect(InferenceResolver.resolve({ ...base, useCase: 'Code Generation', averageInputTokens: 300, averageOutputTokens: 600 }).source).toBe(ProfileSource.ESTIMATED);
  expect(() => InferenceResolver.resolve({ ...base, averageInputTokens: 0 })).toThrow(/'averageInputTokens' must be a whole number of tokens, at least 1, got 0/);
  expect(() => InferenceResolver.resolve({ ...base, averageOutputTokens: 2.5 })).toThrow(/'averageOutputTokens' must be a whole number/);
  expect(() => InferenceResolver.resolve({ ...base, averageOutputTokens: '100' as never })).toThrow(/'averageOutputTokens' must be a whole number.*string '100'/);
  expect(() => InferenceResolver.resolve({ ...base, useCase: 5 as never })).toThrow(/'useCase' must be a string/);
  expect(() => InferenceResolver.resolve({ ...base, maxModelLength: 4096, averageInputTokens: 4000, averageOutputTokens: 500 }))
    .toThrow(/exceeds the model length of 4096 tokens \('maxModelLength'\)/);
});

test('the default model length holds a long workload\'s requests: twice the average request, within the model\'s context', () => {
  // GIQ's Advanced Customer Support averages 9000 + 256 tokens, more than the 8192-token default: vLLM would reject every request
  // longer than --max-model-len, so by default the server accepts twice the average request, rounded up to 1024 tokens
  const support = InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-h100-80gb', useCase: 'Advanced Customer Support' });
  expect(support.maxModelLength).toBe(19456);
  expect(support.maxModelLength).toBeGreaterThanOrEqual(2 * (9000 + 256));
  // a workload whose requests stay under half the default keeps it; Deep Research (256 + 4096) is just over half: 9216
  expect(InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-h100-80gb' }).maxModelLength).toBe(8192);
  expect(InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-h100-80gb', useCase: 'Deep Research' }).maxModelLength).toBe(9216);
  // within the model's context (Llama 3.1: 131072), and the manifests carry it
  expect(InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-h200-141gb', averageInputTokens: 100000, averageOutputTokens: 1000 })
    .maxModelLength).toBe(131072);
  const server = new OptimizedLlmServer(Testing.chart(), 's', { model: LLAMA, acceleratorType: 'nvidia-h100-80gb', useCase: 'Advanced Customer Support' });
  expect(server.resolution.maxModelLength).toBe(19456);
  // the decisions say where the length came from
  expect(support.decisions).toContain('maxModelLength 19456: 2 x the Advanced Customer Support workload\'s average request (9000 + 256 tokens), '
    + 'rounded up to 1024 tokens (vLLM rejects a request longer than --max-model-len)');
  expect(InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-h100-80gb' }).decisions.join('\n'))
    .toMatch(/^maxModelLength 8192: the default \(the \S+ workload's average request, 421 tokens, is under half of it\)$/m);
  expect(InferenceResolver.resolve({ model: 'google/gemma-2-2b-it', acceleratorType: 'nvidia-l4', averageInputTokens: 3000, averageOutputTokens: 1500 })
    .decisions).toContain('maxModelLength 8192: the context length of google/gemma-2-2b-it, under the 9216 tokens of 2 x the custom workload\'s '
      + 'average request (3000 + 1500 tokens), rounded up to 1024 tokens');
  expect(InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-h100-80gb', maxModelLength: 4096 }).decisions).toContain('maxModelLength 4096: as requested');
  // a requested length shorter than the average request, or a model whose context is, is refused with what would work
  expect(() => InferenceResolver.resolve({ model: LLAMA, acceleratorType: 'nvidia-h100-80gb', useCase: 'Advanced Customer Support', maxModelLength: 8192 }))
    .toThrow(/9000 \+ 256 tokens\) exceeds the model length of 8192 tokens \('maxModelLength'\).*set 'maxModelLength' to at least 9256, or leave it unset/);
  expect(() => InferenceResolver.resolve({ model: GEMMA, acceleratorType: 'nvidia-h100-80gb', useCase: 'Advanced Customer Support' }))
    .toThrow(/exceeds the model length of 8192 tokens \(the context length of google\/gemma-2-27b-it\).*serve a model with a longer context/);
});

test('an imported catalog resolves other workloads from its calibrated estimates', () => {
  const csv = `Model,Model Server Version,Accelerator,Instance Type,Output Tokens/s,NTPOT(ms)\n${LLAMA},v0.11.2,nvidia-l4,g2-standard-8,1500,80\n`;
  const c = InferenceCatalog.embedded().addBenchmarksFromCsv(csv);
  expect(c.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4' }).source).toBe(ProfileSource.MEASURED);
  expect(c.resolve({ model: LLAMA, acceleratorType: 'nvidia-l4', useCase: 'Deep Research' }).source).toBe(ProfileSource.ESTIMATED);
});

test('OptimizedLlmServer takes the workload in its props, with errors naming them', () => {
  const chart = Testing.chart();
  const server = new OptimizedLlmServer(chart, 'server', { model: GEMMA, acceleratorType: 'nvidia-h100-80gb', useCase: 'Deep Research' });
  expect(server.resolution.source).toBe(ProfileSource.ESTIMATED);
  const measured = new OptimizedLlmServer(chart, 'measured', { model: GEMMA, acceleratorType: 'nvidia-h100-80gb' });
  expect(measured.resolution.source).toBe(ProfileSource.MEASURED);
  expect(() => new OptimizedLlmServer(Testing.chart(), 'bad', { model: GEMMA, averageInputTokens: -1 }))
    .toThrow(/'averageInputTokens' must be a whole number of tokens, at least 1, got -1/);
});
