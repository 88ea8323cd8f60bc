/**
 * The consumer path, as a new user takes it: pack the library, install the tarball with its peers into a
 * fresh app (from the npm cache the project's own install filled; the registry only for what is missing),
 * and run the README's `main.ts` and `cdk8s.yaml` through the cdk8s CLI. Uses the compiled `lib/` (the
 * build compiles it before the tests run).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const ROOT = path.join(__dirname, '..');
const version = (pkg: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version as string;

/** The fenced blocks of one README section, by language. */
function readmeBlocks(heading: string): { [lang: string]: string[] } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`## ${heading}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const out: { [lang: string]: string[] } = {};
  for (const m of section.matchAll(/```(\w+)\n([\s\S]*?)```/g)) (out[m[1]] ??= []).push(m[2]);
  return out;
}

/** The build compiles lib/ before the tests; `npm test` alone may not have: compile when lib/ is missing or older than src/. */
function ensureCompiled(): void {
  const newest = (dir: string): number => Math.max(0, ...fs.readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory()
    ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs)));
  const lib = path.join(ROOT, 'lib', 'index.js');
  if (!fs.existsSync(lib) || fs.statSync(lib).mtimeMs < newest(path.join(ROOT, 'src'))) {
    execFileSync('npx', ['projen', 'compile'], { cwd: ROOT, stdio: 'ignore' });
  }
}

jest.setTimeout(300_000);

test('the README\'s app synthesizes with cdk8s synth against the packed tarball', () => {
  ensureCompiled();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-'));
  try {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))[0];
    // the package stays small: no 5 MB of generated CRD bindings (issue 17: at most half of the 8.7 MB it was)
    expect(packed.unpackedSize).toBeLessThan(4_350_000);
    expect(packed.files.map((f: any) => f.path)).not.toContain('lib/imports/leaderworkerset.x-k8s.io.js');

    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    // (--check-upgrade=false: synthesis itself is offline; the CLI's upgrade check is not)
    // the peers of the README's install line, at the versions this project is tested with, and what `cdk8s init typescript-app` brings
    const blocks = readmeBlocks('Use it in your cdk8s app');
    const install = blocks.sh.find((b) => b.includes('npm install cdk8s-gke-inference'))!;
    for (const peer of ['cdk8s', 'constructs', 'cdk8s-plus-28']) {
      expect(install).toMatch(new RegExp(` ${peer}@\\^${version(peer).replace(/\./g, '\\.')}\\b`));
    }
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
      name: 'consumer-app',
      private: true,
      dependencies: {
        'cdk8s-gke-inference': `file:${path.join(dir, packed.filename)}`,
        'cdk8s': version('cdk8s'),
        'constructs': version('constructs'),
        'cdk8s-plus-28': version('cdk8s-plus-28'),
      },
      devDependencies: { 'typescript': version('typescript'), 'ts-node': version('ts-node'), '@types/node': version('@types/node') },
    }, undefined, 2));
    const installed = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, encoding: 'utf8' });
    expect(installed.stderr).not.toMatch(/ERESOLVE|npm error/);
    expect(installed.status).toBe(0);

    fs.writeFileSync(path.join(app, 'cdk8s.yaml'), blocks.yaml[0].replace(/^#.*\n/, ''));
    fs.writeFileSync(path.join(app, 'main.ts'), blocks.ts[0]);
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, types: ['node'] } }));
    const synth = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', '--check-upgrade=false'], { cwd: app, encoding: 'utf8' });
    expect(synth.stderr).not.toMatch(/Error|error TS/);
    expect(synth.status).toBe(0);

    const docs = parseAllDocuments(fs.readFileSync(path.join(app, 'dist', 'llm.k8s.yaml'), 'utf8')).map((d) => d.toJSON());
    const kinds = docs.map((d) => d.kind).sort();
    expect(kinds).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodMonitoring', 'Service', 'ServiceAccount']);
    const service = docs.find((d) => d.kind === 'Service');
    expect(docs.find((d) => d.kind === 'ConfigMap').data.OPENAI_BASE_URL).toBe(`http://${service.metadata.name}.llm.svc.cluster.local:8000/v1`);
    expect(docs.find((d) => d.kind === 'Deployment').spec.template.spec.containers[0].image).toMatch(/^vllm\/vllm-openai:/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
