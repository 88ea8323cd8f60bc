/**
 * One model per Cloud Storage directory, across an app: vLLM and TGI read the `config.json` and every top-level `*.safetensors`
 * of the directory they are given, so a second model's files there (a server or a ModelTransferJob naming another model) make
 * a server load another architecture's config beside a mix of shards. The same model in one directory (a transfer Job and the
 * servers reading its copy) is the usual staging pattern.
 */
import { Construct } from 'constructs';
import { BucketLocation } from './bucket-uri';

const CLAIMS = new WeakMap<object, Map<string, { readonly model: string; readonly path: string }>>();

/** Records that `scope` puts or reads `model` at `location`; throws when another construct of the app names another model there. */
export function claimModelDirectory(scope: Construct, location: BucketLocation, model: string, prop = 'modelBucketUri'): void {
  const root = scope.node.root;
  let claims = CLAIMS.get(root);
  if (!claims) CLAIMS.set(root, claims = new Map());
  const key = `gs://${location.bucket}/${location.path}`;
  const held = claims.get(key);
  if (held !== undefined && held.model.toLowerCase() !== model.toLowerCase()) {
    throw new Error(`'${prop}' ${key} already holds ${held.model} for '${held.path}': one directory holds one model's files (the server reads the `
      + `config.json and every *.safetensors at its top, so ${model} there would load beside the other's): give ${model} a directory of its own, `
      + `e.g. gs://${location.bucket}/${location.path ? `${location.path}/` : ''}${model.split('/').pop()}.`);
  }
  if (held === undefined) claims.set(key, { model, path: scope.node.path });
}
