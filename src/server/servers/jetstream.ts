import { k8s } from 'cdk8s-plus-28';
import { JETSTREAM, JETSTREAM_GRPC_PORT, JETSTREAM_HTTP_CONTAINER, MAXTEXT_MODELS, MaxTextModel } from '../../catalog/model-servers';
import { jetstreamDecodeSlots } from '../../performance/decode-slots';
import { Resolution } from '../../resolver/resolution';
import { escapeKubernetesExpansion, shellQuote } from '../../util/shell-quote';
import { preStopPause } from '../termination';

/** Name of the MaxText engine container (the one that takes the TPU chips). */
export const JETSTREAM_ENGINE_CONTAINER = 'maxengine-server';

/** What a JetStream engine and its HTTP front end need beyond the resolution, on one host or under Pathways. */
export interface JetStreamEngineInputs {
  /** The engine image (the resolved one, or the `image` prop). */
  readonly engineImage: string;
  /** `gs://` location of the unscanned MaxText checkpoint (`load_parameters_path`). */
  readonly checkpointUri: string;
  /** Name of the serving port on jetstream-http (the Service targets it by name). */
  readonly httpPortName: string;
  readonly env: k8s.EnvVar[];
  readonly securityContext: k8s.SecurityContext;
  readonly startupBudgetSeconds: number;
}

/** What the two containers of a single-host JetStream pod need. */
export interface JetStreamContainerInputs extends JetStreamEngineInputs {
  /** Resources of the engine container, `google.com/tpu` included. */
  readonly engineResources: { [name: string]: k8s.Quantity };
  readonly volumeMounts: k8s.VolumeMount[];
}

/** The front end only proxies HTTP to the engine's gRPC port: a small, fixed slice of the node. */
const HTTP_RESOURCES = {
  'cpu': k8s.Quantity.fromString('500m'),
  'memory': k8s.Quantity.fromString('1Gi'),
  'ephemeral-storage': k8s.Quantity.fromString('1Gi'),
};

/** How MaxText names a model (its config and tokenizer); throws for models JetStream does not serve. */
export function maxTextModel(model: string): MaxTextModel {
  const maxText = MAXTEXT_MODELS[model.toLowerCase()];
  if (!maxText) throw new Error(`'model' ${model} has no MaxText config: JetStream serves ${Object.keys(MAXTEXT_MODELS).join(', ')}.`);
  return maxText;
}

/**
 * MaxText's arguments for the resolved slice: unscanned bf16 weights and prompts of up to half the context as Google's
 * jetstream-maxtext module passes them, tensor parallel over every chip of the host (the module shards over the autoregressive axis
 * instead, `ici_autoregressive_parallelism=-1 ici_tensor_parallelism=1`; both are valid MaxText meshes, and the slices the resolver
 * picks keep tensor parallelism within the KV heads), and as many decode slots as full-length KV caches fit (see `jetstreamDecodeSlots`).
 * @param userImage whether the engine image is the user's own: a tiktoken tokenizer then gets `tokenizer_type=tiktoken`, which
 *   MaxText asserts for `tokenizer_llama3.tiktoken` from 2025-04-02 (pyconfig.py, maxtext 941473996) and does not know before
 *   2025-02-13 (maxtext 3fdd18f63 added the key); the catalog's images predate it
 */
export function maxEngineArgs(r: Resolution, checkpointUri: string, userImage: boolean = false): string[] {
  const maxText = maxTextModel(r.model);
  const chips = r.acceleratorCount;
  const slots = jetstreamDecodeSlots(r.memory.kvCacheCapacityGb, r.memory.kvCachePerMaxLengthRequestGb, chips);
  return [
    `model_name=${maxText.modelName}`,
    `tokenizer_path=${maxText.tokenizerPath}`,
    ...(userImage && maxText.tokenizerPath.endsWith('.tiktoken') ? ['tokenizer_type=tiktoken'] : []),
    `per_device_batch_size=${slots / chips}`,
    `max_prefill_predict_length=${Math.floor(r.maxModelLength / 2)}`,
    `max_target_length=${r.maxModelLength}`,
    'async_checkpointing=false',
    'ici_fsdp_parallelism=1',
    'ici_autoregressive_parallelism=1',
    `ici_tensor_parallelism=${chips}`,
    'scan_layers=false',
    'weight_dtype=bfloat16',
    // int8: quantization=int8, quantize_kvcache=true, checkpoint_is_quantized=true (see precision.ts maxTextArgs)
    ...r.precisionArgs,
    `load_parameters_path=${escapeKubernetesExpansion(checkpointUri)}`,
    `prometheus_port=${JETSTREAM.metricsPort}`,
  ];
}

/**
 * The two containers of a JetStream pod: the MaxText engine, which alone requests the TPU chips, and
 * jetstream-http on the serving port. Both run unprivileged: the TPU device plugin hands the chips
 * (`/dev/accel*` / `/dev/vfio`) to the container that requests `google.com/tpu`, so no privileged mode
 * is needed for TPU access on GKE (Google's module sets `privileged: true`, which Autopilot rejects).
 */
export function jetstreamContainers(r: Resolution, inputs: JetStreamContainerInputs): k8s.Container[] {
  const version = JETSTREAM.versions.find((v) => v.version === r.modelServerVersion)!;
  const tcp = { port: k8s.IntOrString.fromString(inputs.httpPortName) };
  const grpc = { port: k8s.IntOrString.fromString('grpc') };
  return [
    {
      name: JETSTREAM_ENGINE_CONTAINER,
      image: inputs.engineImage,
      imagePullPolicy: 'IfNotPresent',
      args: maxEngineArgs(r, inputs.checkpointUri, inputs.engineImage !== version.image),
      env: inputs.env,
      ports: [
        { name: 'grpc', containerPort: JETSTREAM_GRPC_PORT, protocol: 'TCP' },
        { name: 'metrics', containerPort: JETSTREAM.metricsPort!, protocol: 'TCP' },
      ],
      resources: { requests: inputs.engineResources, limits: inputs.engineResources },
      // the engine loads and compiles for a long time: the gRPC port opens when it serves
      startupProbe: { tcpSocket: grpc, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: Math.ceil(inputs.startupBudgetSeconds / 10) },
      // the pod is ready only when the engine is (jetstream-http opens its port before the engine serves)
      readinessProbe: { tcpSocket: grpc, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      livenessProbe: { tcpSocket: grpc, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 4 },
      securityContext: inputs.securityContext,
      lifecycle: preStopPause(),
      volumeMounts: inputs.volumeMounts,
    },
    {
      name: JETSTREAM_HTTP_CONTAINER,
      image: version.httpFrontEndImage!,
      imagePullPolicy: 'IfNotPresent',
      ports: [{ name: inputs.httpPortName, containerPort: JETSTREAM.port, protocol: 'TCP' }],
      resources: { requests: HTTP_RESOURCES, limits: HTTP_RESOURCES },
      // jetstream-http's health endpoint is not documented in the reference: TCP on 8000 (readiness), with the engine's probes above
      readinessProbe: { tcpSocket: tcp, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      livenessProbe: { tcpSocket: tcp, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 4 },
      securityContext: inputs.securityContext,
      lifecycle: preStopPause(),
    },
  ];
}

/**
 * Refuses the catalog's engine image for a model its MaxText does not know: MaxText validates `model_name` when the engine
 * starts (pyconfig.validate_model_name raises ValueError), so the pod would restart forever. With an `image` of the user's
 * own, the note says what it must carry.
 */
export function checkEngineImageServes(r: Resolution, userImage: string | undefined): string[] {
  const version = JETSTREAM.versions.find((v) => v.version === r.modelServerVersion);
  const names = version?.maxTextModelNames;
  if (r.modelServer !== JETSTREAM.name || names === undefined) return [];
  const maxText = maxTextModel(r.model);
  const tiktoken = maxText.tokenizerPath.endsWith('.tiktoken')
    ? ' The engine is given tokenizer_type=tiktoken, which MaxText requires with this tokenizer from 2025-04-02 and does not know before '
      + '2025-02-13: build from a MaxText of 2025-02-13 or later.'
    : '';
  if (names.includes(maxText.modelName)) {
    return userImage !== undefined && tiktoken ? [`JetStream: the engine image ${userImage} is your own.${tiktoken}`] : [];
  }
  const needs = `a MaxText with MaxText/configs/models/${maxText.modelName}.yml and ${maxText.tokenizerPath}`;
  if (userImage !== undefined) {
    return [`JetStream: the engine image ${userImage} must be built from ${needs} (MaxText checks model_name=${maxText.modelName} when it starts).${tiktoken}`];
  }
  throw new Error(`'image': the catalog's engine image ${version!.image} is built from ${version!.maxTextRevision}, whose MaxText refuses `
    + `model_name=${maxText.modelName} for ${r.model} when it starts (pyconfig.validate_model_name accepts ${names.filter((n) => n !== 'default').join(', ')}), `
    + `so the pod would restart forever. Build the engine image from ${needs} (GoogleCloudPlatform/ai-on-gke `
    + 'tutorials-and-examples/inference-servers/jetstream/maxtext/maxengine-server/Dockerfile, MAXTEXT_VERSION set to such a commit), push '
    + 'it to your registry and pass it as \'image\' (pinned by tag or digest), or serve the model with vLLM on TPU (\'modelServer\' \'vllm\').');
}

/** The props JetStream needs or cannot use, checked before resolving so the error names the prop. */
export function checkJetStreamProps(props: { modelServer?: string; modelBucketUri?: string; xlaCacheBucketUri?: string }): void {
  if (typeof props.modelServer !== 'string' || props.modelServer.toLowerCase() !== JETSTREAM.name) return;
  if (props.modelBucketUri === undefined) {
    throw new Error('\'modelBucketUri\' is required with \'modelServer\' \'jetstream\': the MaxText engine loads a converted, unscanned MaxText '
      + 'checkpoint from Cloud Storage (load_parameters_path), not Hugging Face weights. Convert the checkpoint with MaxText\'s conversion '
      + 'scripts and set \'modelBucketUri\' to its gs://BUCKET/PATH (the checkpoint\'s items directory), e.g. '
      + 'gs://BUCKET/final/unscanned/gemma_7b-it/0/checkpoints/0/items.');
  }
}

/** JetStream on one host compiles at start-up and keeps no shared cache: `xlaCacheBucketUri` is for vLLM and for Pathways' scratch only. */
export function checkSingleHostJetStreamProps(props: { xlaCacheBucketUri?: string }): void {
  if (props.xlaCacheBucketUri !== undefined) {
    throw new Error('\'xlaCacheBucketUri\' is used by vLLM on TPU and by JetStream with Pathways (multi-host slices) only; JetStream on one host '
      + 'compiles its programs at start-up and has no shared XLA cache: remove \'xlaCacheBucketUri\'.');
  }
}

/** What must exist for a JetStream deployment (added to `deploymentNotes`). */
export function jetstreamNotes(checkpointUri: string, bucketCommand: string, maxModelLength?: number): string[] {
  return [
    ...(maxModelLength !== undefined ? [`JetStream: prompts are at most ${Math.floor(maxModelLength / 2)} tokens (max_prefill_predict_length, half of `
      + `maxModelLength ${maxModelLength}) and requests at most ${maxModelLength}; JetStream keeps a longer prompt's last tokens without an `
      + 'error (jetstream/engine/token_utils.py), so size maxModelLength for your longest prompts.'] : []),
    `JetStream: the engine reads the MaxText checkpoint at ${shellQuote(checkpointUri)} directly from Cloud Storage (no Cloud Storage FUSE mount); `
      + `grant the server's service account read access: ${bucketCommand}`,
    'JetStream: the checkpoint must be an unscanned MaxText checkpoint (converted from the Hugging Face or Meta weights with MaxText\'s '
      + 'conversion scripts, then generate_param_only_checkpoint with force_unroll=true), matching model_name in the engine\'s args'
      // Orbax restores from the item directory: Google's tutorial passes gs://BUCKET/final/unscanned/gemma_7b-it/0/checkpoints/0/items
      + (/\/items$/.test(checkpointUri) ? '.' : '; load_parameters_path is the directory generate_param_only_checkpoint writes the item to, '
        + 'ending in /checkpoints/0/items (GKE\'s JetStream tutorial: gs://BUCKET/final/unscanned/gemma_7b-it/0/checkpoints/0/items), and '
        + `${checkpointUri} does not end in /items: check it points there, not at the checkpoint's root.`),
    'JetStream: both containers run unprivileged (Google\'s module sets privileged: true, which Autopilot rejects); the TPU device plugin '
      + 'gives the chips to the maxengine-server container that requests google.com/tpu.',
    `JetStream: metrics are scraped from maxengine-server's prometheus_port ${JETSTREAM.metricsPort} (path ${JETSTREAM.metricsPath}); `
      + 'clients call jetstream-http on port 8000; gRPC stays on 9000 inside the pod.',
  ];
}
