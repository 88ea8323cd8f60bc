/**
 * The bench's hand-written cdk8s-plus-28 baseline must emit what the library emits, or the synth ratio it reports compares
 * unlike work. Keys are compared, not values: the two spell some values differently (77Gi against 78848Mi, a named port against
 * its number, 34 against 34000m).
 */
import * as YAML from 'yaml';
import { handConfigs, handWrittenApp, libraryApp } from '../scripts/bench';

type Doc = { kind: string; metadata: { name: string } };

function leafPaths(value: unknown, prefix: string, out: Set<string>): Set<string> {
  if (Array.isArray(value)) value.forEach((v, i) => leafPaths(v, `${prefix}/${i}`, out));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) leafPaths(v, `${prefix}/${k}`, out);
  else out.add(prefix);
  return out;
}

function byObject(yaml: string): Map<string, Set<string>> {
  const docs = YAML.parseAllDocuments(yaml).map((d) => d.toJSON() as Doc);
  return new Map(docs.map((d) => [`${d.kind}/${d.metadata.name}`, leafPaths(d, '', new Set())]));
}

/** Where cdk8s-plus-28 spells the same thing another way: its own selector label, and the protocol it leaves to the API server's default. */
const KPLUS_SPELLING = [/\/selector\/(matchLabels\/)?app$/, /\/template\/metadata\/labels\/app$/, /\/ports\/\d+\/protocol$/];

test('the hand-written baseline emits every field the library emits, for each of the bench\'s configurations', () => {
  const lib = byObject(libraryApp(3));
  const hand = byObject(handWrittenApp(3, handConfigs(), 'same'));
  expect([...hand.keys()].sort()).toEqual([...lib.keys()].sort());
  const missing: string[] = [];
  for (const [object, paths] of lib) {
    for (const p of paths) if (!hand.get(object)!.has(p) && !KPLUS_SPELLING.some((r) => r.test(p))) missing.push(`${object}${p}`);
  }
  expect(missing).toEqual([]);
});

test('the hand-written baseline requests the GPUs the library requests (a bare string patch once came out as null)', () => {
  const gpus = (yaml: string) => YAML.parseAllDocuments(yaml).map((d) => d.toJSON()).filter((d) => d.kind === 'Deployment')
    .map((d) => d.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']);
  expect(gpus(handWrittenApp(3, handConfigs(), 'same'))).toEqual(gpus(libraryApp(3)));
  expect(gpus(handWrittenApp(3, handConfigs(), 'lean'))).toEqual(['4', '1', '1']);
});
