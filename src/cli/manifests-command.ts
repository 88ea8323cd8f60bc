/**
 * `manifests create`: synthesizes through the `OptimizedLlmServer` construct (a cdk8s App and a
 * Chart in `--namespace`) and prints it as gcloud does: each manifest followed by `---`, then the
 * comment lines prefixed with `# ` (what the cluster needs, then the provenance of every number).
 */
import { App, Chart, Yaml } from 'cdk8s';
import { CommandSpec, FlagSpec, Flags, PROGRAM, UsageError } from './args';
import {
  MODEL,
  MODEL_SERVER,
  MODEL_SERVER_VERSION,
  OUTPUT_PATH,
  PRICING_MODEL,
  REGION,
  SERVING_STACK,
  SERVING_STACK_VERSION,
  TARGET_ITL,
  TARGET_NTPOT,
  TARGET_TTFT,
  USE_CASE,
  AVERAGE_INPUT_TOKENS,
  AVERAGE_OUTPUT_TOKENS,
  KV_CACHE_DTYPE,
  MAX_MODEL_LENGTH,
  WEIGHT_PRECISION,
  required,
  targetsOf,
} from './common-flags';
import { oneLine } from './one-line';
import { emit } from './output';
import { workloadCatalog } from './profile-query';
import { Catalog } from '../catalog/catalog';
import { GatewayFrontend, InferenceGateway } from '../gateway/inference-gateway';
import { KvCacheDtype, WeightPrecision } from '../performance/precision';
import { capacityOf } from '../resolver/node-pool';
import { Capacity, ClusterMode, PricingModel } from '../resolver/resolution';
import { Annotations } from '../server/annotations';
import { OptimizedLlmServer } from '../server/optimized-llm-server';
import { printable } from '../util/input';
import { libraryVersion } from '../util/version';

const ACCELERATOR_TYPE: FlagSpec = { name: 'accelerator-type', kind: 'string', help: 'GKE accelerator label, e.g. nvidia-l4.' };
const NAMESPACE: FlagSpec = { name: 'namespace', kind: 'string', default: 'default', help: 'Kubernetes namespace of the manifests.' };
const OUTPUT: FlagSpec = {
  name: 'output',
  kind: 'choice',
  choices: ['manifest', 'comments', 'all'],
  default: 'all',
  help: 'What to print: the manifests, the comments, or both.',
};
const MODEL_BUCKET_URI: FlagSpec = {
  name: 'model-bucket-uri', kind: 'string', help: 'Load the model from gs://BUCKET/PATH through Cloud Storage FUSE instead of Hugging Face.',
};
const CAPACITY: FlagSpec = {
  name: 'capacity',
  kind: 'choice',
  choices: Object.values(Capacity),
  help: 'Where the nodes come from: the pods select it and the costs price it (flex-start at the on-demand rate, an upper bound) (default spot, '
    + 'or on-demand with a non-spot --pricing-model).',
};
const RESERVATION_NAME: FlagSpec = {
  name: 'reservation-name', kind: 'string', help: 'The Compute Engine reservation the nodes consume, with --capacity=reservation.',
};
const CLUSTER_MODE: FlagSpec = {
  name: 'cluster-mode',
  kind: 'choice',
  choices: Object.values(ClusterMode),
  default: ClusterMode.STANDARD,
  help: 'The kind of GKE cluster: autopilot plans only the GPU quantities Autopilot admits (one pod per node), applies its admission rules '
    + 'and gives no node-pool command (not a gcloud flag).',
};
const GKE_VERSION: FlagSpec = {
  name: 'gke-version',
  kind: 'string',
  help: 'GKE version of the cluster, e.g. 1.33 or 1.32.2-gke.1297001: Cloud Storage FUSE options and Autopilot GPU shapes it lacks are left '
    + 'out or refused (default 1.33; not a gcloud flag).',
};
const NAME: FlagSpec = {
  name: 'name', kind: 'string', help: 'Base name of the objects and their app label (not a gcloud flag).',
};
// not --serving-stack: in GIQ that names a benchmarked stack such as llm-d/0.3, whose profiles this catalog does not hold
const GATEWAY: FlagSpec = {
  name: 'gateway',
  kind: 'choice',
  choices: ['none', 'internal', 'external'],
  default: 'none',
  help: 'Also emit GKE Inference Gateway objects in front of the server: an internal (gke-l7-rilb) or external '
    + '(gke-l7-regional-external-managed) Gateway, the InferencePool, Endpoint Picker, HTTPRoute and GKE policies (not a gcloud flag).',
};

const MANIFESTS_CREATE: CommandSpec = {
  path: ['manifests', 'create'],
  summary: 'Generate the Kubernetes manifests for a model on an accelerator.',
  description: 'Synthesizes the OptimizedLlmServer construct for --model on --model-server and --accelerator-type: a Deployment '
    + '(a LeaderWorkerSet when a replica spans hosts), Service, PodMonitoring and, with a latency target, an HPA, and prints each manifest followed by ---, then comment lines '
    + 'prefixed with # (what the cluster needs, the profile and whether it is measured or estimated, the operating point, the cost '
    + 'basis and every decision). With --gateway, also a GKE Inference Gateway in front of the server. The --name, --gateway, --max-model-length, '
    + '--pricing-model, --region, --capacity, --reservation-name, --cluster-mode and --gke-version flags are this tool\'s additions to gcloud\'s.',
  flags: [
    required(MODEL), required(MODEL_SERVER), required(ACCELERATOR_TYPE), MODEL_SERVER_VERSION, NAMESPACE, TARGET_NTPOT, TARGET_TTFT,
    MODEL_BUCKET_URI, OUTPUT, OUTPUT_PATH, USE_CASE, AVERAGE_INPUT_TOKENS, AVERAGE_OUTPUT_TOKENS, MAX_MODEL_LENGTH, WEIGHT_PRECISION, KV_CACHE_DTYPE,
    NAME, GATEWAY, PRICING_MODEL, REGION, TARGET_ITL, CAPACITY, RESERVATION_NAME, CLUSTER_MODE, GKE_VERSION,
    SERVING_STACK, SERVING_STACK_VERSION,
  ],
  examples: [
    'manifests create --model=google/gemma-2-27b-it --model-server=vllm --accelerator-type=nvidia-l4 --target-ntpot-milliseconds=1100',
    'manifests create --model=openai/gpt-oss-20b --model-server=vllm --accelerator-type=nvidia-h100-80gb --namespace=llm --output-path=gpt-oss.yaml',
    'manifests create --model=openai/gpt-oss-20b --model-server=vllm --accelerator-type=nvidia-h100-80gb --gateway=internal',
  ],
  run: (flags, io) => {
    const { manifests, comments } = synthesizeManifests(flags);
    const output = flags.req('output');
    const text = (output === 'comments' ? '' : manifests.map((m) => `${m.content}\n---\n`).join(''))
      + (output === 'manifest' ? '' : comments.map((l) => `# ${l}\n`).join(''));
    return emit(io, flags, text);
  },
};

/** One synthesized object as gkerecommender's K8SManifest carries it: its YAML (no trailing newline), apiVersion and kind. */
export interface ManifestText {
  readonly apiVersion: string;
  readonly kind: string;
  readonly content: string;
}

/**
 * What `manifests create` prints, before rendering: the objects `OptimizedLlmServer` synthesizes for the
 * command's flags, and the comment lines (what the cluster needs, then where every number comes from).
 * `serve` answers gkerecommender's optimizedManifest with the same function.
 */
export function synthesizeManifests(flags: Flags): { manifests: ManifestText[]; comments: string[] } {
  const catalog = Catalog.EMBEDDED;
  // checked here so errors name the flags; the construct gets the same workload through its props
  workloadCatalog(catalog, flags);
  const model = flags.req('model');
  const modelServer = flags.req('model-server');
  const namespace = flags.req('namespace');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace) || namespace.length > 63) {
    throw new UsageError(`--namespace '${printable(namespace)}' must be a DNS-1123 label: at most 63 lower-case letters, digits and '-'`);
  }
  const name = flags.str('name');
  if (name !== undefined && (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63)) {
    throw new UsageError(`--name '${printable(name)}' must be a DNS-1035 label: at most 63 lower-case letters, digits and '-', starting with a letter`);
  }
  const targets = targetsOf(flags);
  const capacity = flags.str('capacity') as Capacity | undefined;
  // --pricing-model defaults to spot (GIQ's default): with a non-Spot --capacity that default gives way to on-demand prices, while a
  // spot given explicitly contradicts it
  const pricingModel = capacity !== undefined && capacity !== Capacity.SPOT && !flags.given('pricing-model')
    ? undefined : flags.req('pricing-model') as PricingModel;
  const reservationName = flags.str('reservation-name');
  // contradictory capacity flags are usage mistakes (exit 2), named as flags
  try {
    capacityOf(capacity, pricingModel, reservationName);
  } catch (e) {
    throw new UsageError(oneLine((e as Error).message));
  }
  const app = new App();
  const chart = new Chart(app, 'manifests', { namespace });
  const server = new OptimizedLlmServer(chart, 'server', {
    name: name ?? defaultName(model, modelServer),
    model,
    modelServer,
    modelServerVersion: flags.str('model-server-version'),
    acceleratorType: flags.req('accelerator-type'),
    useCase: flags.str('use-case'),
    averageInputTokens: flags.num('average-input-tokens'),
    averageOutputTokens: flags.num('average-output-tokens'),
    maxModelLength: flags.num('max-model-length'),
    weightPrecision: flags.str('weight-precision') as WeightPrecision | undefined,
    kvCacheDtype: flags.str('kv-cache-dtype') as KvCacheDtype | undefined,
    targetNtpotMilliseconds: targets.ntpotMilliseconds,
    targetTtftMilliseconds: targets.ttftMilliseconds,
    pricingModel,
    capacity,
    reservationName,
    region: flags.req('region'),
    modelBucketUri: flags.str('model-bucket-uri'),
    clusterMode: flags.req('cluster-mode') as ClusterMode,
    gkeVersion: flags.str('gke-version'),
  });
  const gateway = flags.str('gateway') ?? 'none';
  const inferenceGateway = gateway === 'none' ? undefined : new InferenceGateway(chart, 'gateway', {
    name: `${server.name.slice(0, 55).replace(/-+$/, '')}-gateway`,
    servers: [server],
    frontend: gateway === 'external' ? GatewayFrontend.externalLoadBalancer() : GatewayFrontend.internalLoadBalancer(),
    // one model: its route takes every request, and the cluster needs no body-based router
    bodyBasedRouting: false,
  });
  const objects: Array<{ apiVersion: string; kind: string; metadata: { name: string; annotations?: { [key: string]: string } } }> = chart.toJson();
  const manifests = objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, content: Yaml.stringify(o).replace(/\n+$/, '') }));
  // the provenance annotations sit on the workload: a Deployment, or a LeaderWorkerSet when a replica spans nodes
  const workload = objects.find((o) => (o.kind === 'Deployment' || o.kind === 'LeaderWorkerSet') && o.metadata.name === server.name);
  const comments = commentLines(server, workload?.metadata.annotations ?? {}, inferenceGateway);
  return { manifests, comments };
}

/** `<model name>-<server>` as a DNS-1035 label, e.g. `gemma-2-27b-it-vllm`. */
export function defaultName(model: string, modelServer: string): string {
  const suffix = `-${modelServer.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const base = model.slice(model.indexOf('/') + 1).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^[^a-z]+/, '');
  return `${base.slice(0, 63 - suffix.length).replace(/-+$/, '') || 'model'}${suffix}`.replace(/-+$/, '');
}

/** What the cluster needs (the construct's notes), then where every number comes from (the Deployment's annotations and the decisions). */
function commentLines(server: OptimizedLlmServer, annotations: { [key: string]: string }, gateway?: InferenceGateway): string[] {
  const a = (key: string) => annotations[key];
  const r = server.resolution;
  return [
    ...server.deploymentNotes,
    ...(gateway?.deploymentNotes ?? []),
    `Profile: ${a(Annotations.PROFILE) ?? r.model} (${r.source}): ${r.profileCitation}`,
    ...(a(Annotations.OPERATING_POINT) ? [`Operating point: ${a(Annotations.OPERATING_POINT)}`] : []),
    ...(a(Annotations.COST) ? [`Cost: ${a(Annotations.COST)}`] : []),
    ...(a(Annotations.AUTOSCALING) ? [`Autoscaling: ${a(Annotations.AUTOSCALING)}`] : []),
    ...(a(Annotations.COST_AT_HPA_TARGET) ? [`Cost at the HPA target: ${a(Annotations.COST_AT_HPA_TARGET)}`] : []),
    ...r.decisions.map((d) => `Decision: ${d}`),
    `Generated offline by ${PROGRAM} ${libraryVersion()} from its embedded catalog.`,
    // the props and enum members the library's notes name, as the flags and values that set them
  ].flatMap((l) => l.split('\n')).map((l) => (l.trim() === '' ? l : oneLine(l)));
}

export const MANIFEST_COMMANDS: readonly CommandSpec[] = [MANIFESTS_CREATE];
