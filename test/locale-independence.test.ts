/**
 * Same input, same bytes on every host: string order never follows the process's locale. `localeCompare` (and `Intl.Collator`) sort by
 * the ICU default locale, where Czech puts "ch" after "h", so a machine-type tie or a `--sort-by` listing could differ between two CI
 * hosts; the library orders strings by code unit (`byCodePoint`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { byCodePoint } from '../src/util/compare';

const SRC = path.join(__dirname, '..', 'src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name))
    : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

test('no source file orders strings by the locale', () => {
  const uses = sources(SRC).filter((f) => !f.endsWith(path.join('util', 'compare.ts')))
    .filter((f) => /\.localeCompare\(|Intl\.Collator|toLocale(Lower|Upper)Case\(/.test(fs.readFileSync(f, 'utf8')))
    .map((f) => path.relative(SRC, f));
  expect(uses).toEqual([]);
});

test('byCodePoint orders as code units, whatever the locale says', () => {
  const words = ['Code Completion', 'Chatbot (ShareGPT)', 'chatbot', 'a3-highgpu-8g', 'a3-highgpu-1g', 'Qwen/Qwen3-8B', 'deepseek-ai/DeepSeek-R1'];
  expect([...words].sort(byCodePoint)).toEqual(['Chatbot (ShareGPT)', 'Code Completion', 'Qwen/Qwen3-8B', 'a3-highgpu-1g', 'a3-highgpu-8g',
    'chatbot', 'deepseek-ai/DeepSeek-R1']);
  // in a Czech process the locale puts "ch" after "h": the library's order does not move
  const czech = spawnSync(process.execPath, ['-e', `console.log(JSON.stringify(${JSON.stringify(words)}.sort((a, b) => a.localeCompare(b))))`], {
    env: { ...process.env, LC_ALL: 'cs_CZ.UTF-8', LANG: 'cs_CZ.UTF-8' }, encoding: 'utf8',
  });
  const localeOrder = JSON.parse(czech.stdout) as string[];
  expect(localeOrder).not.toEqual([...words].sort(byCodePoint));
});
