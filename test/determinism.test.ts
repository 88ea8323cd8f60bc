// Same input, byte-identical YAML: within a process and across processes (fresh module state, another
// time zone and locale).
import { spawnSync } from 'child_process';
import * as path from 'path';
import { determinismAppYaml } from './support/determinism-app';

test('repeated synthesis in one process is byte-identical', () => {
  const first = determinismAppYaml();
  for (let i = 0; i < 3; i++) expect(determinismAppYaml()).toBe(first);
  // the app covers every kind the construct emits
  for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'PodMonitoring', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']) {
    expect(first).toContain(`kind: ${kind}\n`);
  }
});

test('a second node process produces the same bytes', () => {
  const root = path.join(__dirname, '..');
  const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'support', 'determinism-app.ts')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'test', 'tsconfig.json'), TZ: 'Pacific/Chatham', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  expect(child.stdout.length).toBeGreaterThan(1000);
  expect(child.stdout).toBe(determinismAppYaml());
});
