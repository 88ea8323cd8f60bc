/**
 * Construct-time checks of a server's own props (name, image, GKE version, replica counts) and of the multi-host
 * LeaderWorkerSet's name, each refusing bad input with the prop's name and what would work.
 */
import { VLLM, modelServerOfImages, vllmVersionOfImages } from '../catalog/model-servers';
import { Resolution } from '../resolver/resolution';
import { printable } from '../util/input';
import { checkPinnedImage, imageRepository } from '../util/references';

/** The replica props of a server. */
export interface ReplicaProps {
  readonly replicas?: number;
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
}

export function checkReplicas(props: ReplicaProps, hasTarget: boolean): number {
  const whole = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new Error(`'${name}' must be a whole number >= ${min}, got ${v}.`);
  };
  whole('replicas', props.replicas, 0);
  whole('minReplicas', props.minReplicas, 1);
  whole('maxReplicas', props.maxReplicas, 1);
  if (hasTarget && props.replicas !== undefined) {
    throw new Error('\'replicas\' cannot be set with a latency target: the HPA manages replicas. Set \'minReplicas\' and \'maxReplicas\' instead.');
  }
  if (!hasTarget && (props.minReplicas !== undefined || props.maxReplicas !== undefined)) {
    throw new Error('\'minReplicas\' and \'maxReplicas\' need a latency target (targetNtpotMilliseconds or targetTtftMilliseconds) to autoscale on; '
      + 'without one, set \'replicas\'.');
  }
  if (props.minReplicas !== undefined && props.maxReplicas !== undefined && props.minReplicas > props.maxReplicas) {
    throw new Error(`'minReplicas' (${props.minReplicas}) must be less than or equal to 'maxReplicas' (${props.maxReplicas}).`);
  }
  return props.replicas ?? 1;
}

/**
 * The initial replicas within `[minReplicas, maxReplicas]`, and the decision line that records a clamp (for the
 * resolution's decisions), if any.
 */
export function clampInitialReplicas(wanted: number, minReplicas: number, maxReplicas: number): { initial: number; decision?: string } {
  const initial = Math.min(Math.max(wanted, minReplicas), maxReplicas);
  if (initial === wanted) return { initial };
  return {
    initial,
    decision: `initial replicas ${initial}: the ${wanted} that 'expectedRequestsPerSecond' asks for clamped to `
      + `[minReplicas ${minReplicas}, maxReplicas ${maxReplicas}]`,
  };
}

/**
 * LeaderWorkerSet names its worker StatefulSets `<name>-<group index>`, and each StatefulSet's pods carry the label
 * `controller-revision-hash: <statefulset>-<10-character hash>`, which must fit a label value's 63 characters: longer
 * names create no pods (kubernetes/kubernetes#64023, kubernetes-sigs/lws#410).
 */
export function checkLeaderWorkerSetName(name: string, groups: number): void {
  const indexDigits = String(Math.max(groups - 1, 0)).length;
  const longest = 63 - '-'.length - 10 - '-'.length - indexDigits;
  if (name.length > longest) {
    throw new Error(`'name' '${name}' is ${name.length} characters, but a LeaderWorkerSet of up to ${groups} groups must be named in at most `
      + `${longest}: its worker pods' controller-revision-hash label (<name>-<group>-<10-character hash>) must fit 63 characters. `
      + 'Set a shorter \'name\'.');
  }
}

export function validateName(name: string, derivedFrom?: string): void {
  if (!isDns1035Label(name)) {
    throw new Error(derivedFrom !== undefined
      ? `'name' is unset, and the name derived from the construct path '${printable(derivedFrom)}', '${printable(name)}', is not a DNS-1035 label `
        + '(at most 63 lower-case letters, digits and \'-\', starting with a letter): pass \'name\', or give the Chart and construct ids of '
        + 'lower-case letters, digits and \'-\'.'
      : `'name' '${printable(name)}' must be a DNS-1035 label: at most 63 lower-case letters, digits and '-', starting with a letter.`);
  }
}

/** A DNS-1035 label: what Services (and so the server's objects, named alike) must be named. */
export function isDns1035Label(name: string): boolean {
  return /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) && name.length <= 63;
}

export function validateImage(image: string): void {
  checkPinnedImage(image, 'image');
}

/**
 * Refuses an `image` of a known repository that cannot run the resolved server: another server's image (TGI's for vLLM, the MaxText
 * engine's for vLLM), or vLLM's build for the other accelerator family (`vllm/vllm-openai` is the CUDA build, `vllm/vllm-tpu` the
 * TPU build: vllm-project/tpu-inference docker/Dockerfile builds with VLLM_TARGET_DEVICE="tpu"). An image of another repository (a
 * build of the user's own) is taken as it is.
 */
export function checkImageMatchesServer(r: Resolution, image: string): void {
  const ofImage = modelServerOfImages([image]);
  const onTpu = r.tpuTopology !== undefined || r.acceleratorType.startsWith('tpu');
  if (ofImage !== undefined && ofImage.name !== r.modelServer) {
    throw new Error(`'image' ${printable(image)} is a ${ofImage.name} image, but the server resolved to ${r.modelServer}: use a ${r.modelServer} image, `
      + `or set 'modelServer' to '${ofImage.name}'.`);
  }
  const repository = imageRepository(image);
  if (r.modelServer === VLLM.name && /(^|\/)vllm\/vllm-openai$/.test(repository) && onTpu) {
    throw new Error(`'image' ${printable(image)} is vLLM's CUDA build, which does not run on ${r.acceleratorType} (a TPU): use vLLM's TPU build `
      + `(vllm/vllm-tpu, as ${r.image}), or leave 'image' unset.`);
  }
  if (r.modelServer === VLLM.name && /(^|\/)vllm\/vllm-tpu$/.test(repository) && !onTpu) {
    throw new Error(`'image' ${printable(image)} is vLLM's TPU build, which does not run on ${r.acceleratorType} (a GPU): use vLLM's CUDA build `
      + `(vllm/vllm-openai, as ${r.image}), or leave 'image' unset.`);
  }
}

/**
 * An `image` of another vLLM release than the resolved version: refused when that release exports another KV-cache gauge
 * (vllm:gpu_cache_usage_perc before 0.9.2, vllm:kv_cache_usage_perc after; the gauge the endpoint picker's KV scorer and
 * saturation check read, and a KV-cache HPA), naming the catalog version whose metrics the image shares.
 */
export function checkImageMatchesVersion(r: Resolution, image: string | undefined): void {
  if (image === undefined) return;
  checkImageMatchesServer(r, image);
  if (r.modelServer !== VLLM.name) return;
  const ofImage = vllmVersionOfImages([image]);
  const resolved = VLLM.versions.find((v) => v.version === r.modelServerVersion);
  if (ofImage === undefined || resolved === undefined || ofImage.version.kvCacheUsageMetric === resolved.kvCacheUsageMetric) return;
  throw new Error(`'image' ${printable(image)} is a vLLM release that exports ${ofImage.version.kvCacheUsageMetric} as its KV-cache gauge, but `
    + `the server is planned for vLLM ${r.modelServerVersion}, whose gauge is ${resolved.kvCacheUsageMetric} (read by the Inference Gateway's `
    + 'endpoint picker and a KV-cache HPA; vLLM renamed it in 0.9.2): '
    // a version of the catalog for the same accelerator family shares the image's metrics; a TPU image older than the catalog's has none
    + ((ofImage.version.acceleratorFamily ?? 'gpu') === (resolved.acceleratorFamily ?? 'gpu')
      ? `set 'modelServerVersion' '${ofImage.version.version}', the catalog version whose metrics and flags that image shares, or use an image of `
        + 'the planned version.'
      : `use an image of vLLM ${resolved.baseRelease} or another release from 0.9.2 on.`));
}
