/**
 * The resolver's entry point: checks a request, builds the workload's and precision's catalog, gathers the candidate curves
 * (single-host in candidates.ts, GPU multi-host in multi-host.ts, TPU slices in tpu-slices.ts), chooses (choice.ts) and
 * describes the choice (resolution-builder.ts).
 */
import { Candidate, profileCurves, evaluate } from './candidates';
import { choose, alternative } from './choice';
import { checkJetStreamRequest, tpuOnlyServer } from './jetstream';
import { planLora, resolvedLora, withLoraMemory, withResolvedLora } from './lora';
import { checkFitsSomewhere, multiHostCurves } from './multi-host';
import { capacityOf } from './node-pool';
import { nodesOf } from './pod-resources';
import { requireEnum, checkNumbers, requireModel, requireServer, requireRegion, requireAccelerator, chooseMaxModelLength } from './request-checks';
import { RESOLVE_REQUEST_PROPS } from './request-props';
import { Capacity, ClusterMode, ResolveRequest, Resolution, ResolvedAlternative } from './resolution';
import { ChoiceRanking, buildResolution } from './resolution-builder';
import { resolveCached } from './resolution-cache';
import { PROP_NAMES, requestedWorkload, requireWorkloadFits } from './workload';
import { AUTOPILOT_ACCELERATOR_CLASS_GKE_VERSION, autopilotGpuType, autopilotMinimumGkeVersion, autopilotQuantityRefusal } from '../catalog/autopilot-gpus';
import { Catalog } from '../catalog/catalog';
import { FLEX_START_MINIMUM_GKE_VERSION, FLEX_START_VERSION_SOURCE, consumptionOptionOf } from '../catalog/consumption-options';
import { preallocatesDecodeSlots } from '../catalog/model-length';
import { PricingModelName } from '../catalog/types';
import { LatencyTargets } from '../performance/curve';
import { curveKeyString } from '../performance/measured-curves';
import { KvCacheDtype, WeightPrecision, precisionPlan, requireServableFormat } from '../performance/precision';
import { modelledCurve } from '../performance/profiles';
import { parseBucketUri } from '../storage/bucket-uri';
import { DEFAULT_GKE_VERSION, atLeast } from '../storage/gke-version';
import { closestMatches } from '../util/closest';
import { checkProps, printable } from '../util/input';

// the resolver's parts, re-exported for the CLI and tests that read them from here
export type { Candidate } from './candidates';
export { evaluate, profileCurves } from './candidates';
export { uncertaintyAt } from './choice';
export { chooseMaxModelLength, requireAccelerator, requireModel, requireRegion, requireServer } from './request-checks';

export const DEFAULT_REGION = 'us-central1';
export const DEFAULT_RATIO = 4;

/**
 * Resolves a model and latency targets to a concrete serving profile: accelerator, machine,
 * tensor parallelism, operating point, cost and HPA threshold. Pure data in, data out; it reads
 * only the embedded catalog and never touches the network.
 */
export class InferenceResolver {
  /**
   * Resolve a request against the embedded catalog. The answer is remembered per request and shared, deeply frozen (read-only
   * fields on extensible objects under a jsii runtime; `deepLock`): copy it (for example with `structuredClone`) before changing it.
   *
   * @throws Error naming the offending field and what would work.
   */
  public static resolve(request: ResolveRequest): Resolution {
    checkProps(request, 'InferenceResolver.resolve request', RESOLVE_REQUEST_PROPS);
    // memoised per request (every caller shares the frozen or locked answer): a CLI sweep or a service asks the same questions again
    return resolveCached(Catalog.EMBEDDED, request);
  }

  private constructor() {}
}

/** Resolve against a given catalog. */
export function resolveWith(catalog: Catalog, request: ResolveRequest): Resolution {
  checkNumbers(request);
  const asShipped = requireModel(catalog, request.model);
  const server = requireServer(catalog, request.modelServer);
  const region = requireRegion(catalog, request.region ?? DEFAULT_REGION);
  // the capacity the pods select and the price of the cost figures come from one decision
  const { pricingModel, capacity } = capacityOf(
    request.capacity, request.pricingModel as string as PricingModelName | undefined, request.reservationName);
  const ratio = request.outputInputCostRatio ?? DEFAULT_RATIO;
  const accelerator = request.acceleratorType === undefined ? undefined : requireAccelerator(catalog, request.acceleratorType);
  checkAllowedAccelerators(catalog, request.allowedAcceleratorTypes, accelerator?.gkeLabel);
  if (request.modelServerVersion !== undefined && !catalog.modelServerVersion(server, request.modelServerVersion)) {
    throw new Error(`Unknown model server version '${printable(request.modelServerVersion)}' for '${server.name}' ('modelServerVersion'). `
      + `Known versions: ${server.versions.map((v) => v.version).join(', ')}.`);
  }
  // the longest request: as asked, or a default that holds the workload's requests (within the model's context)
  const workload = requestedWorkload(catalog, request, PROP_NAMES);
  // a server that applies the model's sliding window to every layer (TGI 3.0.1) attends to at most the window: longer requests
  // would be answered from their last window only, without an error
  const window = server.windowsEveryLayer === true ? asShipped.slidingWindowTokens : undefined;
  if (window !== undefined && request.maxModelLength !== undefined && request.maxModelLength > window) {
    throw new Error(`'maxModelLength' ${request.maxModelLength}: ${server.name} applies ${asShipped.id}'s ${window}-token sliding window to every `
      + `layer (text-generation-inference 3.0.1; fixed in 3.2.1), so it attends to at most ${window} tokens: set 'maxModelLength' to at most `
      + `${window}, or serve it with vllm ('modelServer').`);
  }
  const chosenLength = chooseMaxModelLength(asShipped, request.maxModelLength, workload, preallocatesDecodeSlots(server));
  const maxModelLength = window !== undefined ? Math.min(chosenLength, window) : chosenLength;
  const lengthReason = window !== undefined && maxModelLength === window && chosenLength > window
    ? `${server.name}'s limit for ${asShipped.id}: its ${window}-token sliding window, which text-generation-inference 3.0.1 applies to every `
      + `layer; vllm serves its ${chosenLength} tokens`
    : `the context length of ${asShipped.id}`;
  requireWorkloadFits(workload, maxModelLength, PROP_NAMES, request.maxModelLength === undefined ? lengthReason : undefined);
  // JetStream's prompts get half the length (max_prefill_predict_length) and a longer one loses its first tokens without an error
  // (AI-Hypercomputer/JetStream jetstream/engine/token_utils.py: "Take the last N tokens if we have too many")
  if (preallocatesDecodeSlots(server) && workload.meanInputTokens > Math.floor(maxModelLength / 2)) {
    throw new Error(`'maxModelLength' ${maxModelLength} gives ${server.name}'s prompts ${Math.floor(maxModelLength / 2)} tokens (max_prefill_predict_length, half `
      + `of it), under the workload's average prompt of ${workload.meanInputTokens}: JetStream would cut longer prompts to their last tokens without `
      + `an error. Set 'maxModelLength' to at least ${2 * workload.meanInputTokens}, or leave it unset.`);
  }
  // the workload's catalog: profiles, cost, KV cache per request and autoscaling all follow its average lengths
  catalog = catalog.withWorkload(workload);
  // and the precision's: weight bytes in the model records, compute peak and KV bytes per accelerator
  const weights = requireEnum('weightPrecision', request.weightPrecision, WeightPrecision, 'WeightPrecision', WeightPrecision.CHECKPOINT);
  const kvCache = requireEnum('kvCacheDtype', request.kvCacheDtype, KvCacheDtype, 'KvCacheDtype', KvCacheDtype.AUTO);
  const maxText = tpuOnlyServer(server);
  if ((weights !== WeightPrecision.CHECKPOINT || kvCache !== KvCacheDtype.AUTO) && server.name !== 'vllm' && !maxText) {
    throw new Error(`'weightPrecision' ${weights} / 'kvCacheDtype' ${kvCache}: the library configures quantized serving for vllm (and int8 for `
      + `jetstream on TPU) only, not '${server.name}' ('modelServer').`);
  }
  if (kvCache === KvCacheDtype.INT8 && !maxText) {
    throw new Error(`'kvCacheDtype' ${kvCache} is JetStream's int8 KV cache (MaxText quantize_kvcache) on TPU: set 'modelServer' 'jetstream', `
      + `or use '${KvCacheDtype.FP8}' with '${server.name}'.`);
  }
  if (accelerator) precisionPlan(asShipped, accelerator, weights, kvCache, catalog.accelerators, undefined, maxText);
  if (!maxText) requireServableFormat(asShipped, weights);
  catalog = catalog.withPrecision(weights, kvCache);
  // and, where the server preallocates its decode slots at full length (JetStream), the model length's: it sets the slots
  if (preallocatesDecodeSlots(server) && request.maxModelLength !== undefined) catalog = catalog.withMaxModelLength(maxModelLength);
  const model = catalog.model(asShipped.id)!;
  if (request.modelBucketUri !== undefined) parseBucketUri(request.modelBucketUri);
  checkJetStreamRequest(catalog, server, model, accelerator, maxModelLength, request);
  const lora = planLora(request, model, server, accelerator);
  // a GPU type none of whose machines holds the model: a multi-host replica (tensor parallel per node, pipeline parallel across nodes)
  const multiHost = multiHostCurves(catalog, model, server, request, accelerator, maxModelLength);
  if (accelerator && multiHost === undefined) checkFitsSomewhere(catalog, model, accelerator, maxModelLength);

  const targets: LatencyTargets = { ntpotMilliseconds: request.targetNtpotMilliseconds, ttftMilliseconds: request.targetTtftMilliseconds };
  const profiles = multiHost ?? profileCurves(catalog, model, server, request, accelerator);
  // vLLM preallocates the adapter slots before it sizes the KV cache: each profile's estimate with the cache less the slots (a
  // profile they leave no sequence keeps its curve, and withLoraMemory rejects it with the reason)
  if (lora !== undefined) catalog = catalog.withLoraSlots(lora);
  const curves = lora === undefined ? profiles : profiles.map((c) => modelledCurve(catalog, c) ?? c);
  const candidates = curves.map((c) => withConsumptionOption(withClusterShape(withLoraMemory(evaluate(
    catalog, c, server, model, maxModelLength, targets, region, pricingModel, ratio, request.modelBucketUri), lora, model, maxModelLength),
  request), capacity, request.capacity === undefined, request.gkeVersion));

  const feasible = candidates.filter((c) => c.rejection === undefined);
  if (feasible.length === 0) {
    const lines = candidates.map((c) => `${curveKeyString(c.curve)} (${c.curve.source}): ${c.rejection}`);
    // one reason for every shape (a single shape, or all of them refused alike): said once
    if (accelerator && new Set(candidates.map((c) => c.rejection)).size === 1) {
      const counts = candidates.length > 1 ? ` (${candidates.map((c) => c.curve.acceleratorCount).join(', ')} x)` : '';
      throw new Error(`${model.id} on ${accelerator.gkeLabel}${counts}: ${candidates[0].rejection}.`);
    }
    // the hint names the props the rejections are about (a latency target or the model length); the lines say the rest
    // the cluster's version first where most shapes are refused for it (a version gate is no target to relax)
    const byVersion = candidates.filter((c) => c.rejection!.includes('\'gkeVersion\'')).length;
    const relax = ['targetNtpotMilliseconds', 'targetTtftMilliseconds', 'maxModelLength']
      .filter((p) => candidates.some((c) => c.rejection!.includes(`'${p}'`) || (p !== 'maxModelLength' && /NTPOT|TTFT/.test(c.rejection!))));
    const hint = [
      ...(2 * byVersion > candidates.length ? ['a newer cluster (\'gkeVersion\')'] : []),
      ...(relax.length ? [`relax ${relax.map((p) => `'${p}'`).join(' or ')}`] : []),
    ].join('; or ');
    throw new Error(`No profile for ${model.id} meets the request${hint ? ` (${hint})` : ''}:\n  `
      + lines.join('\n  '));
  }
  const { chosen, passedOver } = choose(feasible);
  const alternatives: ResolvedAlternative[] = [
    ...passedOver.map((p) => alternative(p.candidate, p.reason)),
    ...candidates.filter((c) => c.rejection !== undefined).map((c) => alternative(c, c.rejection!)),
  ];
  // what the automatic choice's decision says of the ranking: priced and unpriced shapes, and a cheaper shape passed over by the
  // measured-first rule
  const costOf = (x: Candidate) => x.cost?.costPerMillionOutputTokens;
  const chosenCost = costOf(chosen);
  const cheaper = chosenCost === undefined ? undefined : passedOver.map((p) => p.candidate)
    .filter((x) => costOf(x) !== undefined && costOf(x)! < chosenCost * (1 - 1e-9)).sort((a, b) => costOf(a)! - costOf(b)!)[0];
  const ranking: ChoiceRanking = {
    considered: feasible.length,
    priced: feasible.filter((x) => costOf(x) !== undefined).length,
    ...(cheaper ? { cheaperPassedOver: alternative(cheaper, '') } : {}),
  };
  const resolution = buildResolution(
    catalog, chosen, model, server, maxModelLength, targets, accelerator === undefined, alternatives, request, ranking);
  return lora === undefined ? resolution : withResolvedLora(resolution, resolvedLora(lora, model, chosen));
}

/**
 * `allowedAcceleratorTypes`: not empty, every label one the catalog knows, and containing `acceleratorType` when both are given (the
 * list would otherwise be ignored without a word).
 */
function checkAllowedAccelerators(catalog: Catalog, allowed: readonly string[] | undefined, chosen: string | undefined): void {
  if (allowed === undefined) return;
  if (allowed.length === 0) {
    throw new Error('\'allowedAcceleratorTypes\' is empty: omit it (every GPU of the catalog) or name at least one accelerator, e.g. \'nvidia-l4\'.');
  }
  const labels = catalog.accelerators.map((a) => a.gkeLabel);
  for (const t of allowed) {
    if (catalog.accelerator(t) === undefined) {
      throw new Error(`Unknown accelerator '${printable(t)}' in 'allowedAcceleratorTypes'. Closest: ${closestMatches(t, labels).join(', ')}.`);
    }
  }
  if (chosen !== undefined && !allowed.includes(chosen)) {
    throw new Error(`'acceleratorType' '${chosen}' is not among 'allowedAcceleratorTypes' (${allowed.join(', ')}): the list only limits the `
      + 'automatic choice; remove one of the two, or add it to the list.');
  }
}

/**
 * A machine Compute Engine does not provision through the requested capacity (A4X: reservations only) is no candidate: its node pool
 * would never get a node, and the pods would stay Pending.
 */
function withConsumptionOption(c: Candidate, capacity: Capacity, defaulted: boolean, gkeVersion: string | undefined): Candidate {
  if (c.rejection !== undefined || c.machine === undefined) return c;
  // flex-start from the version GKE provisions it for the family: checked against a version the user gave (the default, the oldest
  // 1.33 build, would refuse TPUs on every 1.33 cluster; the notes give the minimum instead)
  const family = c.accelerator.family === 'tpu' ? 'tpu' : 'gpu';
  if (capacity === Capacity.FLEX_START && gkeVersion !== undefined && !atLeast(gkeVersion, FLEX_START_MINIMUM_GKE_VERSION[family])) {
    const flexMinimum = FLEX_START_MINIMUM_GKE_VERSION[family];
    return {
      ...c,
      rejection: `flex-start provisions ${family === 'tpu' ? 'TPUs' : 'GPUs'} from GKE ${flexMinimum} (${FLEX_START_VERSION_SOURCE}), and 'gkeVersion' is `
        + `${gkeVersion}: upgrade the cluster, or set 'capacity' to Capacity.SPOT, Capacity.ON_DEMAND or Capacity.RESERVATION`,
    };
  }
  const option = consumptionOptionOf(c.machine.name, capacity);
  if (option.offered) return c;
  return {
    ...c,
    rejection: `${c.machine.name} VMs come only as ${option.options!.join(' or ')} capacity (${option.source}), and 'capacity' is `
      + `${capacity}${defaulted ? ' (the default)' : ''}: set 'capacity' to ${option.options!.map((o) => `Capacity.${capacityName(o)}`).join(' or ')}`
      + (option.options!.includes('reservation') ? ' with \'reservationName\'' : ''),
  };
}

function capacityName(value: string): string {
  return Object.entries(Capacity).find(([, v]) => v === value)![0];
}

/**
 * On GKE Autopilot a GPU pod requests a quantity Autopilot admits for its type, and takes a node of its own: without a
 * `cloud.google.com/gke-accelerator-count` selector "Autopilot places one Pod on each GPU node" (GKE, "Deploy GPU workloads
 * in Autopilot"), so a replica packed with others on one machine (and priced as its share) is not what Autopilot runs.
 */
function withClusterShape(c: Candidate, request: ResolveRequest): Candidate {
  if (request.clusterMode !== ClusterMode.AUTOPILOT || c.rejection !== undefined || c.accelerator.family !== 'gpu') return c;
  const type = c.accelerator.gkeLabel;
  const perPod = nodesOf(c.curve).perNode;
  // a type in Preview on Autopilot (GB200) only when asked for by name
  const asked = request.acceleratorType === type || (request.allowedAcceleratorTypes ?? []).includes(type);
  if (autopilotGpuType(type)?.preview && !asked) {
    return { ...c, rejection: `${type} is in Preview on GKE Autopilot: planned only when asked for ('acceleratorType' or 'allowedAcceleratorTypes')` };
  }
  if (request.gkeVersion !== undefined && !atLeast(request.gkeVersion, AUTOPILOT_ACCELERATOR_CLASS_GKE_VERSION)) {
    return {
      ...c,
      rejection: `GKE Autopilot runs GPU pods on the Accelerator compute class from their GPU request alone from ${AUTOPILOT_ACCELERATOR_CLASS_GKE_VERSION} `
        + `(GKE, "Deploy GPU workloads in Autopilot"), and 'gkeVersion' is ${request.gkeVersion}: earlier versions need a compute-class selector `
        + 'or bill the pods by their requests, which these manifests and costs do not plan; upgrade the cluster',
    };
  }
  const refusal = autopilotQuantityRefusal(type, perPod);
  if (refusal !== undefined) return { ...c, rejection: `${refusal}; 'clusterMode' ClusterMode.AUTOPILOT` };
  const version = request.gkeVersion ?? DEFAULT_GKE_VERSION;
  const minimum = autopilotMinimumGkeVersion(type, perPod);
  if (minimum !== undefined && !atLeast(version, minimum)) {
    return {
      ...c,
      rejection: `GKE Autopilot runs ${perPod} x ${type} from ${minimum} (GKE, "Deploy GPU workloads in Autopilot"), and 'gkeVersion' is ${version}`
        + `${request.gkeVersion === undefined ? ' (the default)' : ''}: set 'gkeVersion' to your cluster's version if it is newer`,
    };
  }
  if (c.podsPerNode > 1) {
    return {
      ...c,
      rejection: `${c.podsPerNode} replicas of ${perPod} x ${c.accelerator.gkeLabel} packed on one ${c.machine!.name}: GKE Autopilot places one GPU pod `
        + 'per node (\'clusterMode\' ClusterMode.AUTOPILOT)',
    };
  }
  return c;
}
