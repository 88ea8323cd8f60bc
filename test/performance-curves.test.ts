import { InferenceCatalog, InferenceResolver, KvCacheDtype, WeightPrecision } from '../src';
import { Catalog } from '../src/catalog/catalog';

const catalog = InferenceCatalog.embedded();
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

test('a whole estimated curve: every point with concurrency, output and input tokens/s, NTPOT, ITL, TTFT and its band', () => {
  const c = catalog.curve({ model: MODEL, acceleratorType: 'nvidia-h100-80gb', acceleratorCount: 1 });
  expect(c.source).toBe('estimated');
  expect([c.workload, c.meanInputTokens, c.meanOutputTokens]).toEqual(['ShareGPT', 226, 195]);
  expect(c.points.length).toBeGreaterThan(5);
  for (const p of c.points) {
    expect(p.source).toBe('estimated');
    // input tokens/s = requests/s x 226 and output tokens/s = requests/s x 195 on one estimated point
    expect(p.inputTokensPerSecond / p.outputTokensPerSecond).toBeCloseTo(226 / 195, 6);
    expect(p.outputTokensPerSecondLow!).toBeLessThan(p.outputTokensPerSecond);
    expect(p.outputTokensPerSecondHigh!).toBeGreaterThan(p.outputTokensPerSecond);
    expect(p.ttftMillisecondsLow!).toBeLessThan(p.ttftMilliseconds!);
    expect(p.itlMilliseconds).toBeGreaterThan(0);
  }
  // load rises along the curve, and so does throughput up to saturation
  expect(c.points.map((p) => p.concurrency)).toEqual([...c.points.map((p) => p.concurrency)].sort((a, b) => a - b));
  // the resolver reads its operating point off this very curve: the inflection point is one of its points
  const r = InferenceResolver.resolve({ model: MODEL, acceleratorType: 'nvidia-h100-80gb' });
  expect(c.points.map((p) => p.outputTokensPerSecond)).toContain(r.performance.outputTokensPerSecond);
});

test('measured curves are returned as measured, with Little\'s-law concurrency (output tokens/s x NTPOT)', () => {
  const point = Catalog.EMBEDDED.measuredPoints[0];
  const c = catalog.curve({
    model: point.model, acceleratorType: point.accelerator, acceleratorCount: point.acceleratorCount, modelServer: point.modelServer,
  });
  expect(c.source).toBe('measured');
  const same = c.points.find((p) => p.ntpotMilliseconds === point.ntpotMilliseconds && p.outputTokensPerSecond === point.outputTokensPerSecond)!;
  expect(same.source).toBe('measured');
  expect(same.concurrency).toBeCloseTo((point.outputTokensPerSecond * point.ntpotMilliseconds) / 1000, 9);
  expect(same.outputTokensPerSecondLow).toBeUndefined();
});

test('the workload and precision asked for: a longer prompt raises TTFT at the same load; an fp8 KV cache lets more sequences run', () => {
  const base = catalog.curve({ model: MODEL, acceleratorType: 'nvidia-h100-80gb', acceleratorCount: 1 });
  const rag = catalog.curve({ model: MODEL, acceleratorType: 'nvidia-h100-80gb', acceleratorCount: 1, averageInputTokens: 4000, averageOutputTokens: 195 });
  expect(rag.meanInputTokens).toBe(4000);
  const at = (curve: typeof base, n: number) => curve.points.find((p) => p.concurrency === n)!;
  expect(at(rag, 1).ttftMilliseconds!).toBeGreaterThan(at(base, 1).ttftMilliseconds!);
  const fp8 = catalog.curve({ model: MODEL, acceleratorType: 'nvidia-h100-80gb', acceleratorCount: 1, kvCacheDtype: KvCacheDtype.FP8 });
  expect(fp8.kvCacheDtype).toBe(KvCacheDtype.FP8);
  const peak = (curve: typeof base) => Math.max(...curve.points.map((p) => p.outputTokensPerSecond));
  expect(peak(fp8)).toBeGreaterThanOrEqual(peak(base));
});

test('bad queries name the prop and what would work', () => {
  expect(() => catalog.curve({ model: MODEL, acceleratorType: 'nvidia-h100-80gb', acceleratorCount: 3 })).toThrow(/'acceleratorCount'.*counts with a curve: 1, 2, 4, 8/);
  expect(() => catalog.curve({ model: 'no/such', acceleratorType: 'nvidia-l4' })).toThrow(/'model'/);
  // what a plain-JavaScript caller can leave out or null: named, not 'Unknown accelerator 'undefined''
  expect(() => catalog.curve({ model: MODEL } as any)).toThrow(/'acceleratorType' is required: a string such as 'nvidia-l4', got undefined/);
  expect(() => catalog.curve({ model: MODEL, acceleratorType: 'nvidia-h100-80gb', kvCacheDtype: null } as any)).toThrow(/'kvCacheDtype' is null: leave it unset/);
  expect(() => catalog.curve({ model: MODEL, acceleratorType: 'nvidia-h100-80gb', weightPrecision: 'fp9' as WeightPrecision })).toThrow(/'weightPrecision'/);
  expect(() => catalog.curve({ model: MODEL, acceleratorType: 'nvidia-h100-80gb', color: 'red' } as any)).toThrow(/'color'/);
});

test('a tied embedding table is streamed every step, an untied input table only gathered from: the catalog fact and addModel agree', () => {
  const c = Catalog.EMBEDDED;
  // tie_word_embeddings in the models' config.json: true for Gemma 2, false for Llama 3.1 8B
  expect(c.model('google/gemma-2-2b-it')!.tiedEmbeddings).toBe(true);
  expect(c.model(MODEL)!.tiedEmbeddings).toBeUndefined();
  const gemma = c.model('google/gemma-2-2b-it')!;
  const architecture = {
    source: 'gemma-2-2b-it config.json, registered twice',
    parametersBillions: gemma.paramsTotalB,
    numHiddenLayers: gemma.layers,
    hiddenSize: gemma.hiddenSize,
    numAttentionHeads: gemma.attentionHeads,
    numKeyValueHeads: gemma.kvHeads,
    headDim: gemma.headDim,
    intermediateSize: gemma.intermediateSize,
    vocabSize: gemma.vocabSize,
    maxPositionEmbeddings: 8192,
    gated: false,
  };
  const withBoth = InferenceCatalog.embedded()
    .addModel({ ...architecture, id: 'acme/tied', tieWordEmbeddings: true })
    .addModel({ ...architecture, id: 'acme/untied', tieWordEmbeddings: false })
    .addModel({ ...architecture, id: 'google/gemma-2-2b-copy' });
  expect(withBoth._catalog.model('google/gemma-2-2b-copy')!.tiedEmbeddings).toBe(true);
  const itl = (model: string) => {
    const points = withBoth.curve({ model, acceleratorType: 'nvidia-l4', acceleratorCount: 1 }).points;
    return [...points].sort((a, b) => a.concurrency - b.concurrency)[0].itlMilliseconds!;
  };
  // the 256000 x 2304 bf16 table (1.18 GB) read once more per step: at least its time at the L4's peak 300 GB/s, and no more
  // than at a third of it
  const tableBytes = gemma.vocabSize * gemma.hiddenSize * 2;
  const extraMs = itl('acme/tied') - itl('acme/untied');
  expect(extraMs).toBeGreaterThan((tableBytes / 300e9) * 1e3);
  expect(extraMs).toBeLessThan((tableBytes / 100e9) * 1e3);
});

test('a curve at a maxModelLength its replica cannot hold is refused, naming the prop and the tokens that fit', () => {
  const embedded = InferenceCatalog.embedded();
  const query = { model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorType: 'nvidia-l4', acceleratorCount: 1 };
  expect(embedded.curve({ ...query, maxModelLength: 8192 }).maxModelLength).toBe(8192);
  expect(() => embedded.curve({ ...query, maxModelLength: 131072 }))
    .toThrow(/'maxModelLength' 131072 does not fit 1 x nvidia-l4 for meta-llama\/Llama-3.1-8B-Instruct .*at most \d+ tokens of KV cache/);
  expect(() => embedded.curve({ ...query, maxModelLength: 'long' as any })).toThrow(/'maxModelLength' must be a number, got string 'long'/);
});
