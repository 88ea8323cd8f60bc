import { Chart, Testing } from 'cdk8s';
import { InferenceResolver, OptimizedLlmServer } from '../src';
import { Catalog } from '../src/catalog/catalog';
import { LoraAdapter } from '../src/resolver/lora-adapter';
import { resolveCached } from '../src/resolver/resolution-cache';
import { resolveWith } from '../src/resolver/resolver';

test('a cached resolution equals a fresh one, is shared, and no caller can change it for the others', () => {
  const request = { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100 };
  const a = resolveCached(Catalog.EMBEDDED, request);
  const b = resolveCached(Catalog.EMBEDDED, { targetNtpotMilliseconds: 1100, acceleratorType: 'nvidia-l4', model: 'google/gemma-2-27b-it' });
  expect(a).toEqual(resolveWith(Catalog.EMBEDDED, request));
  expect(b).toEqual(a);
  expect(b).toBe(a);
  // test files compile to strict mode: writes to the shared answer throw instead of leaking to other callers
  expect(() => a.decisions.push('changed by one caller')).toThrow(TypeError);
  expect(() => { (a.podResources as { cpu: number }).cpu = 1; }).toThrow(TypeError);
  expect(() => { (a as { acceleratorCount: number }).acceleratorCount = 99; }).toThrow(TypeError);
  expect(resolveCached(Catalog.EMBEDDED, request)).toEqual(resolveWith(Catalog.EMBEDDED, request));
});

test('every field of the request is part of the key; failures are not cached', () => {
  const base = resolveCached(Catalog.EMBEDDED, { model: 'openai/gpt-oss-20b' });
  const other = resolveCached(Catalog.EMBEDDED, { model: 'openai/gpt-oss-20b', targetNtpotMilliseconds: 100 });
  expect(other.autoscaling).toBeDefined();
  expect(base.autoscaling).toBeUndefined();
  expect(() => resolveCached(Catalog.EMBEDDED, { model: 'no/such-model' })).toThrow(/Unknown model 'no\/such-model'/);
  expect(() => resolveCached(Catalog.EMBEDDED, { model: 'no/such-model' })).toThrow(/Unknown model/);
  expect(() => resolveCached(Catalog.EMBEDDED, { model: 'openai/gpt-oss-20b', targetNtpotMilliseconds: NaN })).toThrow(/'targetNtpotMilliseconds'/);
  expect(() => resolveCached(Catalog.EMBEDDED, { model: 'openai/gpt-oss-20b', targetNtpotMilliseconds: Infinity })).toThrow(/'targetNtpotMilliseconds'/);
});

test('fields outside the request (construct props) do not split the cache', () => {
  const a = resolveCached(Catalog.EMBEDDED, { model: 'openai/gpt-oss-20b', name: 'a', replicas: 2 } as never);
  const b = resolveCached(Catalog.EMBEDDED, { model: 'openai/gpt-oss-20b', name: 'b' } as never);
  expect(b).toEqual(a);
});

test('values a plain-JS caller may pass that JSON would key like another request are not remembered: no answer leaks between them', () => {
  // each test file has its own module registry, so its own cache of the embedded catalog
  const fresh = Catalog.EMBEDDED;
  const valid = { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4' };
  // a function serializes to nothing, the key of an absent prop: the refusal must not be handed to the valid request after it
  expect(() => resolveCached(fresh, { ...valid, averageInputTokens: (() => 5) as unknown as number })).toThrow(/'averageInputTokens'/);
  expect(resolveCached(fresh, valid).acceleratorType).toBe('nvidia-l4');
  // a toJSON object is not the number it prints as
  expect(() => resolveCached(fresh, { ...valid, maxModelLength: { toJSON: () => 4096 } as unknown as number })).toThrow(/'maxModelLength'/);
  // an adapter is a LoraAdapter, not a plain object with its fields, whichever comes first
  const real = LoraAdapter.fromHuggingFace('sql', 'org/gemma-sql-lora', 16);
  const duck = JSON.parse(JSON.stringify(real));
  expect(() => resolveCached(fresh, { ...valid, loraAdapters: [duck] })).toThrow(/'loraAdapters\[0\]'/);
  expect(resolveCached(fresh, { ...valid, loraAdapters: [real] }).lora?.adapters).toHaveLength(1);
  expect(() => resolveCached(fresh, { ...valid, loraAdapters: [duck] })).toThrow(/'loraAdapters\[0\]'/);
});

/**
 * What the jsii kernel does to every object it hands to Python, Java, C# or Go (@jsii/kernel 1.140.0 lib/objects.js `tagObject`):
 * `managed[OBJID_SYMBOL] = objid; managed[IFACES_SYMBOL] = interfaces`. On a frozen object that throws "object is not extensible",
 * and `server.resolution` could not be read from Python.
 */
function tagAsJsiiKernelDoes(value: unknown, seen = new Set<unknown>()): number {
  if (typeof value !== 'object' || value === null || seen.has(value)) return 0;
  seen.add(value);
  const managed = value as Record<symbol, unknown>;
  managed[Symbol.for('$__jsii__objid__$')] = `obj@${seen.size}`;
  managed[Symbol.for('$__jsii__interfaces__$')] = undefined;
  let n = 1;
  for (const v of Object.values(value)) n += tagAsJsiiKernelDoes(v, seen);
  return n;
}

test('under a jsii runtime a shared resolution can be handed across (the kernel tags each object) and still cannot be changed', () => {
  // the jsii runtimes start the kernel with JSII_AGENT set (e.g. "Python/3.12.1"); a request no other test resolves, so this
  // answer is made here
  const request = { model: 'google/gemma-2-9b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 101 };
  const before = process.env.JSII_AGENT;
  process.env.JSII_AGENT = 'Python/3.12.1/test';
  try {
    const chart = new Chart(Testing.app(), 'c');
    const server = new OptimizedLlmServer(chart, 's', request);
    for (const shared of [InferenceResolver.resolve(request), server.resolution, server.nodePool]) {
      expect(tagAsJsiiKernelDoes(shared)).toBeGreaterThan(1);
      expect(() => { (shared as unknown as { acceleratorType: string }).acceleratorType = 'changed'; }).toThrow(TypeError);
    }
    const r = InferenceResolver.resolve(request);
    expect(() => r.alternatives.push(r.alternatives[0])).toThrow(TypeError);
    expect(() => { (r.cost as { costPerMillionOutputTokens: number }).costPerMillionOutputTokens = 0; }).toThrow(TypeError);
    // the tags are the kernel's (symbols: no JSON field); the fields are the fresh answer's
    expect(JSON.stringify(InferenceResolver.resolve(request))).toBe(JSON.stringify(resolveWith(Catalog.EMBEDDED, request)));
  } finally {
    if (before === undefined) delete process.env.JSII_AGENT;
    else process.env.JSII_AGENT = before;
  }
  // in plain Node the shared answer is frozen (faster to make and to read), which the kernel could not tag
  const plain = InferenceResolver.resolve({ ...request, targetNtpotMilliseconds: 102 });
  expect(Object.isFrozen(plain) && Object.isFrozen(plain.alternatives)).toBe(true);
});
