import { CacheMedium, ModelLoadPath, ResolvedModelLoading } from './resolution';
import { HUB_SECOND_COPY, HUB_UNLOADED_WEIGHTS } from '../catalog/data/hub-downloads';
import { bootDiskEphemeralGiB, bootDiskFor, nodeAllocatable } from '../catalog/node-allocatable';
import { SERVING_CONSTANTS } from '../catalog/serving-constants';
import { AcceleratorRecord, LoraSlots, MachineTypeRecord, ModelRecord } from '../catalog/types';
import { parseBucketUri } from '../storage/bucket-uri';
import { hasLocalSsd } from '../storage/cache-media';
import { round } from '../util/round';

const GIB = 1024 ** 3;
const GB = 1e9;

export function weightsGiB(model: ModelRecord): number {
  return (model.checkpointWeightsGb * GB) / GIB;
}

/**
 * What a server downloads from the Hugging Face Hub into HF_HOME, GB: the weights, twice over for a repository with a second copy,
 * and the weights it ships but the server does not load (DeepSeek's multi-token-prediction module).
 */
export function hubDownloadGb(model: ModelRecord): number {
  return (HUB_SECOND_COPY[model.id] ? 2 : 1) * model.checkpointWeightsGb + (HUB_UNLOADED_WEIGHTS[model.id]?.gb ?? 0);
}

/** `hubDownloadGb` in GiB, what ephemeral storage is sized in. */
export function hubDownloadGiB(model: ModelRecord): number {
  return (hubDownloadGb(model) * GB) / GIB;
}

/**
 * Decides how the weights reach the accelerators: from a bucket through Cloud Storage FUSE (file
 * cache on local SSD where the machine has it, in RAM otherwise: never on the boot disk, which GKE's
 * Cloud Storage FUSE performance guide advises against), or from the Hugging Face Hub (`HF_HOME` on the
 * node's ephemeral storage, local SSD or a default boot disk, or in RAM when the weights exceed what it
 * leaves allocatable: see node-allocatable.ts).
 */
export function planModelLoading(
  model: ModelRecord, accelerator: AcceleratorRecord, machine: MachineTypeRecord, modelBucketUri: string | undefined,
  readsCheckpointItself: boolean = false, nodes: number = 1, lora?: LoraSlots,
): ResolvedModelLoading {
  const C = SERVING_CONSTANTS;
  const w = weightsGiB(model);
  // what the node leaves a pod: GKE's default 100 GB boot disk, or the machine's local SSD
  const node = nodeAllocatable(machine, undefined, hasLocalSsd(machine));
  const usable = Math.floor(node.ephemeralStorageGiB);
  const where = node.ephemeralStorageOn === 'local-ssd'
    ? `${machine.name}'s local SSD`
    : `a default ${node.bootDiskGiB} GB boot disk`;
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
        `estimated load ${Math.round(estimatedLoadSeconds)} s: ${round(model.checkpointWeightsGb, 2)} GB${nodes > 1 ? ` over ${nodes} hosts` : ''} at `
          + `${C.bucketReadGBps.value} GB/s from the bucket + ${C.weightLoadGBps.value} GB/s into accelerator memory + ${C.serverInitSeconds.value} s init`,
      ],
    };
  }
  if (modelBucketUri !== undefined) {
    const loc = parseBucketUri(modelBucketUri);
    const bounded = Math.ceil(w * 1.05 + 1);
    // GKE's Cloud Storage FUSE performance guide: the file cache on local SSD where the machine has it, in RAM
    // for TPUs and for machines without local SSD; not on the boot disk (slower than RAM, and evictions)
    const medium = accelerator.family !== 'tpu' && node.ephemeralStorageOn === 'local-ssd' ? CacheMedium.LOCAL_SSD : CacheMedium.MEMORY;
    const why = medium === CacheMedium.LOCAL_SSD
      ? `${machine.name} puts ephemeral storage on local SSD: the file cache goes there, unbounded`
      : accelerator.family === 'tpu'
        ? 'TPU hosts: the file cache goes in RAM (GKE guidance for TPUs, especially v6 and newer)'
        : `${machine.name} has no local SSD: the file cache goes in RAM, a ${bounded} GiB volume (the weights + 5%) holding a cache 512 MiB smaller; `
          + 'GKE advises against a file cache on the boot disk';
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
        `estimated load ${Math.round(estimatedLoadSeconds)} s: ${round(model.checkpointWeightsGb, 2)} GB at ${C.bucketReadGBps.value} GB/s from the bucket `
          + `+ ${C.weightLoadGBps.value} GB/s into accelerator memory + ${C.serverInitSeconds.value} s init`,
      ],
    };
  }
  // HF_HOME stays on the node's ephemeral storage: the machine's local SSD, or the boot disk, which the node pool
  // sizes so that GKE leaves the download allocatable (a default 100 GB disk leaves 43.8 GiB: node-allocatable.ts); a repository
  // with a second copy of the weights is downloaded twice over (hub-downloads.ts)
  const second = HUB_SECOND_COPY[model.id];
  const download = hubDownloadGiB(model);
  // vLLM downloads each Hugging Face adapter's repository into HF_HOME too, at every start (lora.ts bounds its size)
  const adapters = (lora?.downloadBytes ?? 0) / GIB;
  const need = Math.ceil(download + adapters + C.ephemeralStorageMarginGiB.value);
  const onSsd = node.ephemeralStorageOn === 'local-ssd';
  const disk = onSsd ? node.bootDiskGiB : bootDiskFor(need);
  // vLLM downloads the adapters before it serves: their bound is downloaded too
  const estimatedLoadSeconds = (hubDownloadGb(model) + (lora?.downloadBytes ?? 0) / GB) / C.hubDownloadGBps.value + loadFromMemory;
  const unloaded = HUB_UNLOADED_WEIGHTS[model.id];
  const what = (second ? `${download.toFixed(1)} GiB of weights (the servers also download the repository's ${second.files}, a second copy)`
    : unloaded ? `${download.toFixed(1)} GiB of weights (with ${unloaded.files}, which the servers download but do not load)`
      : `${w.toFixed(1)} GiB of weights`) + (adapters > 0 ? ` + at most ${adapters.toFixed(1)} GiB of LoRA adapters` : '');
  return {
    loadPath: ModelLoadPath.HUGGING_FACE,
    huggingFaceHomeMedium: onSsd ? CacheMedium.LOCAL_SSD : CacheMedium.BOOT_DISK,
    ...(adapters > 0 ? { loraDownloadGiB: adapters } : {}),
    estimatedLoadSeconds,
    explanation: [
      'weights downloaded from Hugging Face at start-up (set modelBucketUri to load from Cloud Storage through the tuned Cloud Storage FUSE recipe, '
        + 'which GKE measured over 7x faster than a basic FUSE mount)',
      onSsd || need <= usable
        ? `HF_HOME on ephemeral storage: ${what} + ${C.ephemeralStorageMarginGiB.value} GiB fit the ${usable} GiB allocatable on ${where}`
        : `HF_HOME on ephemeral storage: ${what} + ${C.ephemeralStorageMarginGiB.value} GiB need a ${disk} GB boot disk `
            + `(GKE leaves ${Math.floor(bootDiskEphemeralGiB(disk))} GiB of it allocatable; ${where} leaves ${usable} GiB)`,
      `estimated load ${Math.round(estimatedLoadSeconds)} s: ${round(hubDownloadGb(model), 2)} GB${adapters > 0 ? ' and up to '
        + `${round((lora?.downloadBytes ?? 0) / GB, 2)} GB of LoRA adapters` : ''} at ${C.hubDownloadGBps.value} GB/s from the hub `
        + `+ ${C.weightLoadGBps.value} GB/s into accelerator memory + ${C.serverInitSeconds.value} s init`,
    ],
  };
}
