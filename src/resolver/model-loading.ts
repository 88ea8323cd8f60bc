import { CacheMedium, ModelLoadPath, ResolvedModelLoading } from './resolution';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';
import { AcceleratorRecord, MachineTypeRecord, ModelRecord } from '../catalog/types';
import { parseBucketUri } from '../storage/bucket-uri';
import { hasLocalSsd } from '../storage/cache-media';

const GIB = 1024 ** 3;
const GB = 1e9;

export function weightsGiB(model: ModelRecord): number {
  return (model.checkpointWeightsGb * GB) / GIB;
}

/**
 * Decides how the weights reach the accelerators: from a bucket through Cloud Storage FUSE (file
 * cache in RAM for TPUs, on local SSD where the machine has it, bounded on the boot disk otherwise,
 * or in RAM when the weights would not fit the boot disk), or from the Hugging Face Hub (`HF_HOME`
 * on the boot disk, or in RAM when the weights exceed what a default boot disk holds).
 */
export function planModelLoading(
  model: ModelRecord, accelerator: AcceleratorRecord, machine: MachineTypeRecord, modelBucketUri: string | undefined,
  readsCheckpointItself: boolean = false, nodes: number = 1,
): ResolvedModelLoading {
  const C = SERVING_CONSTANTS;
  const w = weightsGiB(model);
  const usable = C.bootDiskUsableGiB.value;
  const loadFromMemory = model.checkpointWeightsGb / C.weightLoadGBps.value + C.serverInitSeconds.value;
  if (readsCheckpointItself) {
    // JetStream's MaxText engine restores its checkpoint from gs:// itself: no FUSE mount, no file cache on the host;
    // across the hosts of a multi-host slice each reads its share in parallel
    const loc = modelBucketUri === undefined ? undefined : parseBucketUri(modelBucketUri);
    const estimatedLoadSeconds = model.checkpointWeightsGb / nodes / C.bucketReadGBps.value + loadFromMemory;
    return {
      loadPath: ModelLoadPath.CLOUD_STORAGE,
      bucket: loc?.bucket,
      bucketPath: loc?.path,
      estimatedLoadSeconds,
      explanation: [
        `the engine restores the converted checkpoint${loc ? ` at ${loc.uri}` : ' (modelBucketUri)'} directly from Cloud Storage: no Cloud Storage FUSE `
          + 'mount and no file cache on the host',
        `estimated load ${Math.round(estimatedLoadSeconds)} s: ${model.checkpointWeightsGb} GB${nodes > 1 ? ` over ${nodes} hosts` : ''} at `
          + `${C.bucketReadGBps.value} GB/s from the bucket + ${C.weightLoadGBps.value} GB/s into accelerator memory + ${C.serverInitSeconds.value} s init`,
      ],
    };
  }
  if (modelBucketUri !== undefined) {
    const loc = parseBucketUri(modelBucketUri);
    const bounded = Math.ceil(w * 1.05 + 1);
    const onDisk = bounded + C.ephemeralStorageMarginGiB.value <= usable;
    const medium = accelerator.family === 'tpu' ? CacheMedium.MEMORY
      : hasLocalSsd(machine) ? CacheMedium.LOCAL_SSD
        : onDisk ? CacheMedium.BOOT_DISK : CacheMedium.MEMORY;
    const why = {
      [CacheMedium.MEMORY]: accelerator.family === 'tpu'
        ? 'TPU hosts: the file cache goes in RAM (GKE guidance for TPUs, especially v6 and newer)'
        : `${w.toFixed(1)} GiB of weights would not fit the ${usable} GiB a default boot disk leaves and ${machine.name} has no local SSD: the file cache goes in RAM`,
      [CacheMedium.LOCAL_SSD]: `${machine.name} puts ephemeral storage on local SSD: the file cache goes there, unbounded`,
      [CacheMedium.BOOT_DISK]: `${machine.name} has no local SSD: the file cache goes on the boot disk, bounded to ${bounded} GiB (the weights + 5%)`,
    }[medium];
    const estimatedLoadSeconds = model.checkpointWeightsGb / C.bucketReadGBps.value + loadFromMemory;
    return {
      loadPath: ModelLoadPath.CLOUD_STORAGE,
      bucket: loc.bucket,
      bucketPath: loc.path,
      fileCacheMedium: medium,
      fileCacheSizeGiB: medium === CacheMedium.LOCAL_SSD ? undefined : bounded,
      estimatedLoadSeconds,
      explanation: [
        `weights from ${loc.uri} through Cloud Storage FUSE with the tuned recipe (parallel downloads into the file cache)`,
        why,
        `estimated load ${Math.round(estimatedLoadSeconds)} s: ${model.checkpointWeightsGb} GB at ${C.bucketReadGBps.value} GB/s from the bucket `
          + `+ ${C.weightLoadGBps.value} GB/s into accelerator memory + ${C.serverInitSeconds.value} s init`,
      ],
    };
  }
  const onDisk = Math.ceil(w + C.ephemeralStorageMarginGiB.value) <= usable;
  const estimatedLoadSeconds = model.checkpointWeightsGb / C.hubDownloadGBps.value + loadFromMemory;
  return {
    loadPath: ModelLoadPath.HUGGING_FACE,
    huggingFaceHomeMedium: onDisk ? CacheMedium.BOOT_DISK : CacheMedium.MEMORY,
    huggingFaceHomeSizeGiB: onDisk ? undefined : Math.ceil(w * 1.02 + 2),
    estimatedLoadSeconds,
    explanation: [
      'weights downloaded from Hugging Face at start-up (set modelBucketUri to load from Cloud Storage, which GKE finds over 7x faster)',
      onDisk
        ? `HF_HOME on ephemeral storage: ${w.toFixed(1)} GiB of weights + ${C.ephemeralStorageMarginGiB.value} GiB fit the ${usable} GiB a default boot disk leaves`
        : `HF_HOME on a memory-backed volume: ${w.toFixed(1)} GiB of weights exceed the ${usable} GiB a default 100 GB boot disk leaves`,
      `estimated load ${Math.round(estimatedLoadSeconds)} s: ${model.checkpointWeightsGb} GB at ${C.hubDownloadGBps.value} GB/s from the hub `
        + `+ ${C.weightLoadGBps.value} GB/s into accelerator memory + ${C.serverInitSeconds.value} s init`,
    ],
  };
}
