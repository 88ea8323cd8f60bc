/**
 * gcloud's list flags on every listing (--filter, --sort-by, --limit, --format projections), gcloud's empty-list
 * behaviour, and the alpha model-and-server-combinations list.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cli, fails, ok, parseCsv } from './support/cli';
import { Catalog } from '../src/catalog/catalog';
import { parseFilter } from '../src/cli/list-output';
import { profileCurves } from '../src/performance/profiles';

const GEMMA = 'google/gemma-2-27b-it';

test('--filter, --sort-by and --limit select rows as gcloud does', () => {
  const all = JSON.parse(ok(`benchmarks list --model=${GEMMA} --model-server=vllm --format=json`));
  const l4 = JSON.parse(ok(['benchmarks', 'list', `--model=${GEMMA}`, '--model-server=vllm', '--format=json', '--filter=acceleratorType=nvidia-l4 AND ntpotMilliseconds<200']));
  const expected = all.filter((r: any) => r.acceleratorType === 'nvidia-l4' && r.ntpotMilliseconds < 200);
  expect(expected.length).toBeGreaterThan(0);
  expect(l4).toEqual(expected);

  const notL4 = JSON.parse(ok(['benchmarks', 'list', `--model=${GEMMA}`, '--model-server=vllm', '--format=json', '--filter=NOT acceleratorType:nvidia-l4']));
  expect(notL4.length).toBe(all.length - all.filter((r: any) => r.acceleratorType === 'nvidia-l4').length);

  // key:* is "the key is defined" (gcloud topic filters), so the measured rows without a TTFT are not in it, and NOT key:* is the rest
  const withTtft = JSON.parse(ok(['benchmarks', 'list', `--model=${GEMMA}`, '--model-server=vllm', '--format=json', '--filter=ttftMilliseconds:*']));
  const noTtft = JSON.parse(ok(['benchmarks', 'list', `--model=${GEMMA}`, '--model-server=vllm', '--format=json', '--filter=NOT ttftMilliseconds:*']));
  expect(withTtft).toEqual(all.filter((r: any) => r.ttftMilliseconds !== null && r.ttftMilliseconds !== undefined));
  expect(noTtft.length).toBeGreaterThan(0);
  expect(withTtft.length + noTtft.length).toBe(all.length);

  const sorted = JSON.parse(ok(['benchmarks', 'list', `--model=${GEMMA}`, '--model-server=vllm', '--format=json', '--sort-by=~outputTokensPerSecond', '--limit=3']));
  const top = [...all].sort((a: any, b: any) => b.outputTokensPerSecond - a.outputTokensPerSecond).slice(0, 3);
  expect(sorted.map((r: any) => r.outputTokensPerSecond)).toEqual(top.map((r: any) => r.outputTokensPerSecond));
});

test('a --filter that leaves no row prints what gcloud prints for an empty list: no header, Listed 0 items. on standard error', () => {
  for (const format of ['table', 'csv', 'value(acceleratorType)']) {
    const r = cli(['accelerators', 'list', `--model=${GEMMA}`, '--filter=acceleratorType=nvidia-nothing', `--format=${format}`]);
    expect([r.code, r.out]).toEqual([0, '']);
    expect(r.err).toMatch(/^Listed 0 items\. No row matches --filter 'acceleratorType=nvidia-nothing'\.\n$/);
  }
  expect(cli(['models', 'list', '--filter=model=nothing', '--format=json']).out).toBe('[]\n');
  // benchmarks list too, to standard output and to --output-path
  const bench = cli(['benchmarks', 'list', `--model=${GEMMA}`, '--model-server=vllm', '--filter=acceleratorType=nvidia-nothing', '--format=csv']);
  expect([bench.code, bench.out]).toEqual([0, '']);
  expect(bench.err).toMatch(/^Listed 0 items\. No row matches --filter/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-empty-'));
  const target = path.join(dir, 'points.json');
  const written = cli(['benchmarks', 'list', `--model=${GEMMA}`, '--model-server=vllm', '--filter=acceleratorType=nvidia-nothing', '--format=json', `--output-path=${target}`]);
  expect([written.code, written.out, fs.readFileSync(target, 'utf8')]).toEqual([0, '', '[]\n']);
  expect(written.err).toMatch(/^Wrote .*points\.json\nListed 0 items\. No row matches --filter/);
  // a bad --format is a usage error whether or not the filter leaves a row
  expect(cli(['models', 'list', '--filter=model=nothing', '--format=bogus']).code).toBe(2);
});

test('gcloud\'s global --quiet (-q) is accepted anywhere and changes nothing (this tool never prompts)', () => {
  const plain = ok(['models', 'list', '--format=value(model)']);
  expect(ok(['models', 'list', '--quiet', '--format=value(model)'])).toBe(plain);
  expect(ok(['-q', 'models', 'list', '--format=value(model)'])).toBe(plain);
  expect(ok(['container', 'ai', 'profiles', 'models', 'list', '--format=value(model)', '-q'])).toBe(plain);
});

test('--format projections: value(...), csv[no-heading](...), table(...), json(...)', () => {
  const value = ok(['accelerators', 'list', `--model=${GEMMA}`, '--format=value(acceleratorType,acceleratorCount)']);
  const lines = value.trim().split('\n');
  expect(lines.length).toBeGreaterThan(1);
  for (const l of lines) expect(l).toMatch(/^[a-z0-9-]+\t\d+$/);
  // a separator in quotes (gcloud's value[separator=","]) or a bare comma: the comma inside is the separator, not an attribute break
  for (const f of ['value[separator=","](acceleratorType,acceleratorCount)', 'value[separator=,](acceleratorType,acceleratorCount)']) {
    expect(ok(['accelerators', 'list', `--model=${GEMMA}`, `--format=${f}`]).trim().split('\n')).toEqual(lines.map((l) => l.replace('\t', ',')));
  }
  const csv = ok(['models', 'list', '--format=csv[no-heading](model,profiles)']);
  expect(csv.split('\n')[0]).toMatch(/^[^,]+\/[^,]+,\d+$/);
  const withHeading = parseCsv(ok(['models', 'list', '--format=csv(model,gating)']));
  expect(Object.keys(withHeading[0])).toEqual(['model', 'gating']);
  const table = ok(['models', 'list', '--format=table(model)']);
  expect(table.split('\n')[0].trim()).toBe('MODEL');
  expect(JSON.parse(ok(['models', 'list', '--format=json(model)', '--limit=1']))).toEqual([{ model: expect.any(String) }]);
});

test('bad list flags are usage errors naming the flag and the keys', () => {
  expect(fails(['models', 'list', '--filter=modle=x'], 2)).toMatch(/--filter: unknown key 'modle'; did you mean 'model'\?/);
  expect(fails(['models', 'list', '--filter=model'], 2)).toMatch(/--filter: expected KEY OPERATOR VALUE/);
  expect(fails(['models', 'list', '--filter=(model=x'], 2)).toMatch(/--filter: a '\(' is not closed/);
  expect(fails(['models', 'list', '--sort-by=size'], 2)).toMatch(/--sort-by: unknown key 'size'/);
  expect(fails(['models', 'list', '--limit=1.5'], 2)).toMatch(/--limit must be a whole number of at least 1 such as 8192, got '1\.5'/);
  expect(fails(['models', 'list', '--limit=0'], 2)).toMatch(/--limit must be a whole number of at least 1/);
  expect(fails(['models', 'list', '--format=value'], 2)).toMatch(/--format=value needs the keys/);
  expect(fails(['models', 'list', '--format=value(nope)'], 2)).toMatch(/--format: unknown key 'nope'/);
});

test('the filter grammar: OR, parentheses, ~ regular expressions, : word match and wildcards', () => {
  const columns = [{ key: 'a', header: 'A' }, { key: 'n', header: 'N' }];
  const rows = [{ a: 'nvidia-l4', n: 1 }, { a: 'nvidia-h100-80gb', n: 8 }, { a: 'tpu-v6e-slice', n: 4 }];
  const run = (f: string) => rows.filter(parseFilter(f, columns)).map((r) => r.a);
  expect(run('a:nvidia-*')).toEqual(['nvidia-l4', 'nvidia-h100-80gb']);
  expect(run('a~^tpu OR n>=8')).toEqual(['nvidia-h100-80gb', 'tpu-v6e-slice']);
  expect(run('(a:l4 OR a:h100*) n<5')).toEqual(['nvidia-l4']);
  expect(run('-a:nvidia*')).toEqual(['tpu-v6e-slice']);
  expect(run('n!=4 AND a!~h100')).toEqual(['nvidia-l4']);
});

test('an unmet NTPOT on accelerators list is an empty list, exit 0, with the reason on standard error', () => {
  const r = cli(['accelerators', 'list', `--model=${GEMMA}`, '--max-ntpot-milliseconds=1', '--format=json']);
  expect(r.code).toBe(0);
  expect(r.out).toBe('[]\n');
  expect(r.err).toMatch(/^Listed 0 items\. No profile of google\/gemma-2-27b-it meets NTPOT <= 1 ms/);
});

test('model-and-server-combinations list counts the profiles of every combination', () => {
  const rows = JSON.parse(ok(['model-and-server-combinations', 'list', '--format=json']));
  const curves = profileCurves(Catalog.EMBEDDED);
  expect(rows.reduce((n: number, r: any) => n + r.profiles, 0)).toBe(curves.length);
  const gemma = rows.filter((r: any) => r.model === GEMMA && r.modelServer === 'vllm');
  for (const g of gemma) {
    const mine = curves.filter((c) => c.model === GEMMA && c.modelServer === 'vllm' && c.modelServerVersion === g.modelServerVersion);
    expect(g.profiles).toBe(mine.length);
    expect(g.measuredProfiles).toBe(mine.filter((c) => c.source === 'measured').length);
  }
  // versions newest first by release, as model-server-versions list orders them (as text v0.7.2 came before v0.12.0)
  expect(gemma.map((r: any) => r.modelServerVersion)).toEqual(['v0.12.0', 'v0.11.2', 'v0.11.1-tpu', 'v0.10.0', 'v0.7.2']);
  // gcloud's `profiles` prefix works too, and filters narrow it
  const jet = JSON.parse(ok(['profiles', 'model-and-server-combinations', 'list', '--model-server=jetstream', '--format=json']));
  expect(jet.length).toBeGreaterThan(0);
  expect(jet.every((r: any) => r.modelServer === 'jetstream')).toBe(true);
});
