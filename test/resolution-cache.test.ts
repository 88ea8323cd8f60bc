import { Catalog } from '../src/catalog/catalog';
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
