/**
 * The peer ranges hold at both ends: the packed library is installed beside the oldest releases its `peerDependencies`
 * allow and beside the versions this project develops with; an app using the whole public surface (test/support/peer-app.ts.txt)
 * type-checks against each (the library's .d.ts included) and synthesizes the same YAML. The old releases come from the npm
 * cache (`--offline`): where they are not cached the test says so and checks nothing.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const installed = (name: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version as string;
const PEERS = ['cdk8s', 'constructs', 'cdk8s-plus-28'];

jest.setTimeout(300_000);

/** Installs the tarball and the peers at `versions` into a new app; false when npm cannot do it offline. */
function install(dir: string, tarball: string, versions: { [name: string]: string }): boolean {
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'peer-app',
    private: true,
    dependencies: { 'cdk8s-gke-inference': `file:${tarball}`, ...versions, '@types/node': installed('@types/node') },
  }));
  const r = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, encoding: 'utf8' });
  return r.status === 0;
}

/** Type-checks and runs the app with the project's TypeScript; returns the YAML. */
function synth(dir: string): string {
  fs.copyFileSync(path.join(__dirname, 'support', 'peer-app.ts.txt'), path.join(dir, 'main.ts'));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, types: ['node'], outDir: 'out-js', skipLibCheck: false },
    files: ['main.ts'],
  }));
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  execFileSync(process.execPath, [path.join(dir, 'out-js', 'main.js'), path.join(dir, 'dist')], { cwd: dir, stdio: 'pipe' });
  return fs.readFileSync(path.join(dir, 'dist', 'llm.k8s.yaml'), 'utf8');
}

test('the oldest and the newest peers the package allows: the same app type-checks and synthesizes the same YAML', () => {
  const minimum = Object.fromEntries(PEERS.map((p) => [p, String(pkg.peerDependencies[p]).replace(/^\^/, '')]));
  const newest = Object.fromEntries(PEERS.map((p) => [p, installed(p)]));
  for (const p of PEERS) expect(pkg.peerDependencies[p]).toBe(`^${minimum[p]}`);
  if (!fs.existsSync(path.join(ROOT, 'lib', 'index.js'))) execFileSync('npx', ['projen', 'compile'], { cwd: ROOT, stdio: 'ignore' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peers-'));
  try {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))[0];
    const tarball = path.join(dir, packed.filename);
    if (!install(path.join(dir, 'oldest'), tarball, minimum)) {
      console.warn(`skipped: ${PEERS.map((p) => `${p}@${minimum[p]}`).join(', ')} are not all in the npm cache (npm install --offline failed)`);
      return;
    }
    expect(install(path.join(dir, 'newest'), tarball, newest)).toBe(true);
    for (const p of PEERS) {
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'oldest', 'node_modules', p, 'package.json'), 'utf8')).version).toBe(minimum[p]);
    }
    const oldYaml = synth(path.join(dir, 'oldest'));
    const newYaml = synth(path.join(dir, 'newest'));
    expect(oldYaml).toContain('kind: LeaderWorkerSet');
    expect(oldYaml).toContain('kind: NetworkPolicy');
    expect(oldYaml).toBe(newYaml);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
