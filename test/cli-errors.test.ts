import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cli, fails, ok } from './support/cli';
import { COMMANDS, oneLine } from '../src/cli/run';

test.each(COMMANDS.map((c) => [c.path.join(' ')]))('%s --help documents every flag and exits 0', (name) => {
  const command = COMMANDS.find((c) => c.path.join(' ') === name)!;
  const help = ok(`${name} --help`);
  expect(help.startsWith(`Usage: cdk8s-gke-inference ${name} [flags]\n`)).toBe(true);
  for (const f of command.flags.filter((x) => x.unsupported === undefined)) expect(help).toContain(`--${f.name}=`);
  for (const f of command.flags.filter((x) => x.required)) expect(help).toMatch(new RegExp(`--${f.name}=\\S+\\n(      .*\\n)*      .*Required\\.`));
  expect(help).toContain('Examples:\n  cdk8s-gke-inference ');
  expect(ok(`${name} -h`)).toBe(help);
  // help wins over missing or unknown flags
  expect(ok(`${name} --bogus --help`)).toBe(help);
});

test('every example in the help runs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-examples-'));
  // serve keeps listening until a signal: test/cli-serve.test.ts runs it
  for (const c of COMMANDS.filter((x) => x.path[0] !== 'serve')) {
    for (const example of c.examples) {
      // a shell redirect is the shell's business; --output-path goes to a scratch directory
      const argv = example.split(' >')[0].split(' ').map((a) => a.replace(/^--output-path=/, `--output-path=${dir}/`));
      const r = cli(argv);
      expect(`${example}: exit ${r.code} ${r.err.startsWith('ERROR') ? r.err : ''}`).toBe(`${example}: exit 0 `);
    }
  }
});

test('the top-level help lists every command; --version prints the library version', () => {
  const help = ok('--help');
  for (const c of COMMANDS) expect(help).toContain(`  ${c.path.join(' ')} `);
  expect(ok('profiles --help')).toMatch(/profiles list .*\n {2}profiles plot /);
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
  expect(ok('--version')).toBe(`${pkg.version}\n`);
});

test('fails with exit 2 and one line for usage mistakes, naming the closest command or flag', () => {
  expect(fails([], 2)).toBe('ERROR: (cdk8s-gke-inference) No command given (run \'cdk8s-gke-inference --help\' for the commands)');
  expect(fails('profile list', 2)).toMatch(/Unknown command 'profile list'; did you mean 'profiles list'\?/);
  expect(fails('modles list', 2)).toMatch(/did you mean 'models list'\?/);
  expect(fails('deploy now', 2)).toBe('ERROR: (cdk8s-gke-inference) Unknown command \'deploy now\' (run \'cdk8s-gke-inference --help\' for the commands)');
  expect(fails('profiles list --colour=red', 2)).toMatch(/Unknown flag --colour for 'profiles list' \(run/);
  expect(fails('profiles', 2)).toMatch(/Command group 'profiles' needs a subcommand: list, plot/);
  expect(fails('profiles list --modle=google/gemma-2-27b-it', 2))
    .toBe('ERROR: (cdk8s-gke-inference profiles list) Unknown flag --modle for \'profiles list\'; did you mean --model? '
      + '(run \'cdk8s-gke-inference profiles list --help\' for its flags)');
  expect(fails('profiles list --model', 2)).toMatch(/Flag --model needs a value/);
  expect(fails('profiles list --model=a --model=b', 2)).toMatch(/Flag --model is given more than once/);
  expect(fails('profiles list --target-ntpot-milliseconds=fast', 2)).toMatch(/Flag --target-ntpot-milliseconds must be a positive decimal number such as 200 or 0.5, got 'fast'/);
  expect(fails('profiles list --target-ntpot-milliseconds=-5', 2)).toMatch(/must be a positive decimal number such as 200 or 0.5, got '-5'/);
  expect(fails('profiles list --format=xml', 2)).toMatch(/Flag --format must be one of table, csv, json, yaml, or a projection such as .* got 'xml'/);
  expect(fails('profiles list --pricing-model=cheap', 2)).toMatch(/must be one of on-demand, spot, 1-year-cud, 3-years-cud/);
  expect(fails('profiles list google/gemma-2-27b-it', 2)).toMatch(/Unexpected argument 'google\/gemma-2-27b-it': profiles list takes only flags/);
  expect(fails('model-servers list', 2)).toMatch(/Missing required flag --model for 'model-servers list'/);
});

test('fails with exit 1 and one line when the request cannot be served', () => {
  expect(fails('profiles list --model=google/gemma-2-27b')).toMatch(
    /^ERROR: \(cdk8s-gke-inference profiles list\) Unknown model 'google\/gemma-2-27b' \(--model\)\. Closest catalog models: google\/gemma-2-27b-it/);
  expect(fails('profiles list --region=mars-north1')).toMatch(/No prices for region 'mars-north1' \(--region\)\. Regions with prices: .*us-central1/);
  // an unmet target is not an error: gcloud prints an empty list (see cli-list-flags.test.ts)
  expect(cli('profiles list --model=google/gemma-2-27b-it --target-ntpot-milliseconds=2')).toMatchObject({ code: 0, out: '', err: expect.stringMatching(/^Listed 0 items\. .*achievable NTPOT/) });
  expect(fails('benchmarks list --model=google/gemma-2-27b-it --model-server=vllm --serving-stack=llm-d')).toMatch(/--serving-stack is not supported/);
});

test('gcloud command lines work: the container ai and profiles prefixes, and gcloud\'s format names', () => {
  expect(ok('container ai profiles models list')).toBe(ok('models list'));
  expect(ok('profiles use-cases list')).toBe(ok('use-cases list'));
  expect(ok('container ai profiles list --model=google/gemma-2-27b-it --format=csvprofile'))
    .toBe(ok('profiles list --model=google/gemma-2-27b-it --format=csv'));
  expect(ok('profiles list --model google/gemma-2-27b-it --format profile')).toBe(ok('profiles list --model=google/gemma-2-27b-it'));
  expect(ok('profiles benchmarks list --model=google/gemma-2-27b-it --model-server=vllm'))
    .toBe(ok('benchmarks list --model=google/gemma-2-27b-it --model-server=vllm'));
});

test('oneLine joins a multi-line library message and names flags instead of props', () => {
  expect(oneLine('No profile for x meets the request:\n  a: too slow\n  b: too big')).toBe('No profile for x meets the request: a: too slow; b: too big');
  expect(oneLine('Unknown model \'m\' (\'model\'). targetNtpotMilliseconds (3) is low')).toBe('Unknown model \'m\' (--model). --target-ntpot-milliseconds (3) is low');
  // quoted camel-case props elsewhere in the text name their flags too; unknown ones stay
  expect(oneLine('The workload (\'averageInputTokens\' + \'averageOutputTokens\'): set \'maxModelLength\' to 9256 or \'someProp\''))
    .toBe('The workload (--average-input-tokens + --average-output-tokens): set --max-model-length to 9256 or \'someProp\'');
  // enum members as the flag values that choose them
  expect(oneLine('with \'capacity\' Capacity.SPOT set \'pricingModel\' to PricingModel.ONE_YEAR_CUD'))
    .toBe('with --capacity spot set --pricing-model to 1-year-cud');
  // one-word props in a list of what to change; a quoted value that is no prop stays
  expect(oneLine('Change \'modelServerVersion\' or \'acceleratorType\' or \'model\' to a combination that exists; model \'gemma\' or \'other\''))
    .toBe('Change --model-server-version or --accelerator-type or --model to a combination that exists; model \'gemma\' or \'other\'');
  expect(cli('models list').err).toBe('');
});

test('the executable starts with a node shebang, runs the CLI and sets the exit code', () => {
  const main = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
  expect(fs.readFileSync(main, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  const tsNode = require.resolve('ts-node/dist/bin.js');
  const args = [tsNode, '--transpile-only', '--project', path.join(__dirname, 'tsconfig.json'), main];
  const good = spawnSync(process.execPath, [...args, 'use-cases', 'list', '--format=csv'], { encoding: 'utf8' });
  expect({ status: good.status, stderr: good.stderr }).toEqual({ status: 0, stderr: '' });
  expect(good.stdout).toBe(ok('use-cases list --format=csv'));
  const bad = spawnSync(process.execPath, [...args, 'profiles', 'list', '--modle=x'], { encoding: 'utf8' });
  expect(bad.status).toBe(2);
  expect(bad.stdout).toBe('');
  expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
});
