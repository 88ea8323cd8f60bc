/**
 * The pod template of a single-host server: the model server container (vLLM, TGI, or JetStream's engine and HTTP front
 * end) sized by the resolution, its probes, security context and memory-backed volumes, and the Cloud Storage FUSE model
 * mount when the weights come from a bucket. The multi-host LeaderWorkerSet (multi-host.ts) and the TPU XLA cache
 * (xla-cache.ts) start from it.
 */
import { k8s } from 'cdk8s-plus-28';
import { HuggingFaceToken } from './hugging-face-token';
import { jetstreamContainers } from './servers/jetstream';
import { serverInvocation } from './servers/server-container';
import { preStopFor, terminationGrace } from './termination';
import { modelServerByName } from '../catalog/model-servers';
import { capacityPodSpec } from '../resolver/node-pool';
import { CacheMedium, Resolution } from '../resolver/resolution';
import { CloudStorageFuseModel } from '../storage/cloud-storage-fuse';
import { escapeKubernetesExpansion } from '../util/shell-quote';

/** Name of the serving port (the Service's targetPort and the probes refer to it). */
export const HTTP_PORT_NAME = 'http';
/** Name of the model server container. */
export const CONTAINER_NAME = 'inference-server';
const HF_HOME_PATH = '/hf-home';

/** A label value: at most 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends. */
export function labelValue(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/**
 * The serving pod template of a resolution.
 * @param checkpointUri JetStream's MaxText checkpoint (`gs://`): the engine and HTTP front-end containers instead of one server
 */
export function podTemplate(
  r: Resolution, labels: { [key: string]: string }, image: string, token: HuggingFaceToken, tokenOptional: boolean,
  serviceAccountName: string, bucket: CloudStorageFuseModel | undefined, checkpointUri?: string,
): k8s.PodTemplateSpec {
  const res = r.podResources;
  const loading = r.modelLoading;
  const amounts = {
    'cpu': k8s.Quantity.fromString(String(res.cpu)),
    'memory': k8s.Quantity.fromString(`${res.memoryGiB}Gi`),
    'ephemeral-storage': k8s.Quantity.fromString(`${res.ephemeralStorageGiB}Gi`),
    // a TPU pod takes every chip of its VM (a single-host slice: all of the slice's chips)
    [r.tpuTopology !== undefined ? 'google.com/tpu' : 'nvidia.com/gpu']: k8s.Quantity.fromString(String(r.acceleratorCount / r.nodes)),
  };
  const tokenEnv: k8s.EnvVar[] = token.secretName === undefined ? [] : ['HUGGING_FACE_HUB_TOKEN', 'HF_TOKEN'].map((name) => ({
    name,
    valueFrom: { secretKeyRef: { name: token.secretName!, key: token.key!, optional: tokenOptional ? true : undefined } },
  }));
  const ramHfHome = loading.huggingFaceHomeMedium === CacheMedium.MEMORY;
  const env: k8s.EnvVar[] = [
    { name: 'MODEL_ID', value: escapeKubernetesExpansion(r.model) },
    ...(bucket ? [{ name: 'HF_HUB_OFFLINE', value: '1' }] : []),
    ...(ramHfHome ? [{ name: 'HF_HOME', value: HF_HOME_PATH }] : []),
    // a Hub download through hf_xet (huggingface_hub 0.32+) keeps a chunk cache beside the files, 10 GB by default in the 2025 builds
    // (xet-core DEFAULT_CHUNK_CACHE_CAPACITY): the ephemeral storage is sized for the files, so the cache is off
    ...(bucket ? [] : [{ name: 'HF_XET_CHUNK_CACHE_SIZE_BYTES', value: '0' }]),
    ...tokenEnv,
  ];
  const server = modelServerByName(r.modelServer);
  const invocation = serverInvocation(r, { modelPath: bucket?.mountPath, env });
  const health = { path: server.healthPath, port: k8s.IntOrString.fromString(HTTP_PORT_NAME) };
  const memoryVolume = (name: string, gib: number): k8s.Volume => ({ name, emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(`${gib}Gi`) } });
  const template: k8s.PodTemplateSpec = {
    metadata: { labels },
    spec: {
      serviceAccountName,
      automountServiceAccountToken: false,
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      // the accelerator and the capacity (Spot, a reservation, flex-start) the cost figures assume: r.nodePool
      nodeSelector: { ...r.nodePool.nodeSelector },
      ...capacityPodSpec(r.nodePool),
      // a Service named like a server's env prefix (vllm, tgi's master) would inject VLLM_PORT=tcp://... and crash the server
      // (the inference extension's vLLM Deployment sets it for this reason)
      enableServiceLinks: false,
      terminationGracePeriodSeconds: terminationGrace(r).seconds,
      containers: [{
        name: CONTAINER_NAME,
        image,
        imagePullPolicy: 'IfNotPresent',
        command: invocation.command,
        args: invocation.args,
        env: invocation.env,
        ports: [{ name: HTTP_PORT_NAME, containerPort: server.port, protocol: 'TCP' }],
        resources: { requests: amounts, limits: amounts },
        // the server may load for a long time: the startup probe allows the derived budget, and the other probes only start after it
        startupProbe: { httpGet: health, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: Math.ceil(res.startupBudgetSeconds / 10) },
        readinessProbe: { httpGet: health, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
        livenessProbe: { httpGet: health, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 4 },
        securityContext: { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } },
        lifecycle: preStopFor(server, terminationGrace(r).seconds),
        volumeMounts: [
          { name: 'dshm', mountPath: '/dev/shm' },
          ...(ramHfHome ? [{ name: 'hf-home', mountPath: HF_HOME_PATH }] : []),
        ],
      }],
      volumes: [
        memoryVolume('dshm', res.sharedMemoryGiB),
        ...(ramHfHome ? [memoryVolume('hf-home', loading.huggingFaceHomeSizeGiB!)] : []),
      ],
    },
  };
  if (checkpointUri !== undefined) {
    // JetStream: the MaxText engine (the TPU chips, /dev/shm) and the jetstream-http front end on the serving port
    const c = template.spec!.containers[0];
    return {
      ...template,
      spec: {
        ...template.spec!,
        containers: jetstreamContainers(r, {
          engineImage: image,
          checkpointUri,
          httpPortName: HTTP_PORT_NAME,
          engineResources: amounts,
          env: invocation.env,
          securityContext: c.securityContext!,
          startupBudgetSeconds: res.startupBudgetSeconds,
          volumeMounts: (c.volumeMounts ?? []).filter((m) => m.name === 'dshm'),
        }),
        volumes: (template.spec!.volumes ?? []).filter((v) => v.name === 'dshm'),
      },
    };
  }
  return bucket ? bucket.applyTo(template, CONTAINER_NAME) : template;
}
