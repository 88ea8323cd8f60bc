/**
 * The Cloud Storage locations of a TPU server: the XLA compilation cache of vLLM on TPU, and the scratch location of
 * JetStream with Pathways on a multi-host slice (both from `xlaCacheBucketUri`).
 */
import { XlaCacheLocation, xlaCacheLocation } from './xla-cache';
import { Resolution } from '../resolver/resolution';
import { parseBucketUri } from '../storage/bucket-uri';
import { INIT_CONTAINER_GCSFUSE_GKE_VERSION, atLeast } from '../storage/gke-version';

/** The props of a server these locations come from. */
export interface TpuCacheProps {
  readonly xlaCacheBucketUri?: string;
  readonly modelBucketUri?: string;
  readonly gkeVersion?: string;
}

/**
 * The Cloud Storage scratch location of a Pathways group (compilation cache and temporary files): `xlaCacheBucketUri`,
 * or `pathways-scratch/<name>` in the checkpoint's bucket.
 */
export function pathwaysScratchUri(props: TpuCacheProps, checkpointUri: string, name: string): string {
  if (props.xlaCacheBucketUri !== undefined) return parseBucketUri(props.xlaCacheBucketUri, 'xlaCacheBucketUri').uri.replace(/\/+$/, '');
  return `gs://${parseBucketUri(checkpointUri).bucket}/pathways-scratch/${name}`;
}

/** Where a TPU server's XLA cache goes: the base location, the prop it came from and the server version it is compiled by. */
export interface XlaCacheSource {
  readonly bucketUri: string;
  readonly prop: string;
  readonly serverVersion: string;
  readonly location: XlaCacheLocation;
}

/** The XLA cache of a TPU server, or undefined when it has none; refuses `xlaCacheBucketUri` off TPUs. */
export function xlaCacheFor(props: TpuCacheProps, r: Resolution, image: string, fromBucket: boolean): XlaCacheSource | undefined {
  if (r.tpuTopology === undefined) {
    if (props.xlaCacheBucketUri !== undefined) {
      throw new Error(`'xlaCacheBucketUri' is only valid on TPUs (the XLA compilation cache of vLLM on TPU), but ${r.model} resolved to `
        + `${r.acceleratorType}: remove 'xlaCacheBucketUri' or set 'acceleratorType' to a TPU such as 'tpu-v6e-slice'.`);
    }
    return undefined;
  }
  const uri = props.xlaCacheBucketUri ?? (fromBucket ? `${props.modelBucketUri!.replace(/\/+$/, '')}/xla-cache` : undefined);
  if (uri === undefined) return undefined;
  // the cache's seed copy is an init container on a Cloud Storage FUSE volume (the model's own mount is checked by CloudStorageFuseModel)
  if (props.gkeVersion !== undefined && !atLeast(props.gkeVersion, INIT_CONTAINER_GCSFUSE_GKE_VERSION)) {
    throw new Error(`'gkeVersion' ${props.gkeVersion} is older than ${INIT_CONTAINER_GCSFUSE_GKE_VERSION}, the first GKE version that mounts Cloud `
      + 'Storage FUSE volumes in init containers (gcs-fuse-csi-driver releases.md), which the XLA cache\'s seed copy needs; upgrade the cluster or '
      + 'leave the XLA cache out (no \'xlaCacheBucketUri\' or \'modelBucketUri\').');
  }
  // a replaced image is another server build: its cache gets its own directory, named after the image's tag or digest
  const version = image === r.image ? r.modelServerVersion : image.slice(Math.max(image.lastIndexOf('@'), image.lastIndexOf(':')) + 1);
  const prop = props.xlaCacheBucketUri !== undefined ? 'xlaCacheBucketUri' : 'modelBucketUri';
  return { bucketUri: uri, prop, serverVersion: version, location: xlaCacheLocation(uri, prop, r.acceleratorType, r.tpuTopology, version) };
}

