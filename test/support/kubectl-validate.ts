/**
 * Optional cross-check with the real kubectl: runs `shared/tools/kubectl-validate/check.sh`, which
 * serves the vendored schemas from a loopback stand-in API server and runs
 * `kubectl apply --dry-run=client --validate=strict` on every YAML document.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { K8sVersion, SHARED_DIR } from './k8s-validator';

export const KUBECTL_VALIDATE_SCRIPT = path.join(SHARED_DIR, 'tools', 'kubectl-validate', 'check.sh');
const REPO_NODE_MODULES = path.resolve(__dirname, '..', '..', 'node_modules');

function onPath(binary: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, binary), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** True when `kubectl` is on PATH and check.sh exists. */
export function kubectlValidateAvailable(): boolean {
  return fs.existsSync(KUBECTL_VALIDATE_SCRIPT) && onPath('kubectl');
}

/**
 * Validates the YAML files with kubectl (definitions of `version`, default 1.33, plus the vendored CRDs).
 * Returns undefined when kubectl or the script is absent; otherwise `ok` is true only when check.sh exits 0
 * (exit 2, "could not run", is reported as not ok with its output).
 */
export function kubectlValidate(yamlFiles: string[], version: K8sVersion = '1.33'): { ok: boolean; output: string } | undefined {
  if (!kubectlValidateAvailable()) return undefined;
  const nodePath = [REPO_NODE_MODULES, process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
  const r = spawnSync('bash', [KUBECTL_VALIDATE_SCRIPT, ...yamlFiles], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NODE_PATH: nodePath, K8S_VERSION: `v${version}.0` },
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`.trim();
  return { ok: r.status === 0, output: `check.sh exit ${r.status ?? r.signal}\n${output}` };
}
