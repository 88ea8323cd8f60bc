/**
 * Regenerates src/imports from the CRDs in ../shared/schemas/crds (`npx projen import:crds`).
 *
 * `cdk8s import` writes one file per API group and overwrites it per invocation, and it imports every
 * version a CRD serves. This script keeps only the version the library emits of each CRD (Gateway API
 * v1 instead of v1 and v1beta1: half the size) and puts the CRDs of one group into one multi-document
 * file, so that the Gateway and HTTPRoute bindings land in one gateway.networking.k8s.io.ts.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments, stringify } from 'yaml';

const CRDS = join(__dirname, '..', '..', 'shared', 'schemas', 'crds');
const OUT = join(__dirname, '..', 'src', 'imports');

/** group -> [CRD file, version kept] */
const IMPORTS: { [group: string]: Array<[string, string]> } = {
  'monitoring.googleapis.com': [['monitoring.googleapis.com_podmonitorings.yaml', 'v1']],
  'gateway.networking.k8s.io': [['gateway.networking.k8s.io_gateways.yaml', 'v1'], ['gateway.networking.k8s.io_httproutes.yaml', 'v1']],
  'inference.networking.k8s.io': [['inference.networking.k8s.io_inferencepools.yaml', 'v1']],
  // InferenceObjective exists in two groups (../shared/schemas/SOURCES.md). GKE's "Deploy GKE Inference Gateway" installs the
  // v1.5.0 `inferencepool` Helm chart, whose endpoint picker reads inference.networking.x-k8s.io/v1alpha2 (its Role,
  // config/charts/inferencepool/templates/rbac.yaml @ v1.5.0, grants exactly that group; its inferenceobjectives.yaml
  // template emits it). llm-d.ai is read only by llm-d's router, which GKE's guide does not install.
  'inference.networking.x-k8s.io': [['inference.networking.x-k8s.io_inferenceobjectives.yaml', 'v1alpha2']],
  'networking.gke.io': [['networking.gke.io_healthcheckpolicies.yaml', 'v1'], ['networking.gke.io_gcpbackendpolicies.yaml', 'v1']],
};

const work = mkdtempSync(join(tmpdir(), 'crds-'));
const only = process.argv.slice(2);
for (const [group, files] of Object.entries(IMPORTS)) {
  if (only.length > 0 && !only.includes(group)) continue;
  const docs = files.map(([file, version]) => {
    const crd = parseAllDocuments(readFileSync(join(CRDS, file), 'utf8'))[0].toJS();
    const versions = (crd.spec.versions as Array<{ name: string }>).filter((v) => v.name === version);
    if (versions.length !== 1) throw new Error(`${file} serves no version ${version}`);
    return stringify({ ...crd, spec: { ...crd.spec, versions } });
  });
  const combined = join(work, `${group}.yaml`);
  writeFileSync(combined, docs.join('---\n'));
  execFileSync('cdk8s', ['import', combined, '--language', 'typescript', '--output', OUT], { stdio: 'inherit' });
}
