import { Catalog } from '../src/catalog/catalog';
import { resolveCached } from '../src/resolver/resolution-cache';
import { resolveWith } from '../src/resolver/resolver';

test('a cached resolution equals a fresh one and is the caller\'s own copy', () => {
  const request = { model: 'google/gemma-2-27b-it', acceleratorType: 'nvidia-l4', targetNtpotMilliseconds: 1100 };
  const a = resolveCached(Catalog.EMBEDDED, request);
  const b = resolveCached(Catalog.EMBEDDED, { targetNtpotMilliseconds: 1100, acceleratorType: 'nvidia-l4', model: 'google/gemma-2-27b-it' });
  expect(a).toEqual(resolveWith(Catalog.EMBEDDED, request));
  expect(b).toEqual(a);
  expect(b).not.toBe(a);
  a.decisions.push('changed by one caller');
  expect(resolveCached(Catalog.EMBEDDED, request).decisions).not.toContain('changed by one caller');
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
