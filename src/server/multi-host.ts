/**
 * A multi-host replica as a LeaderWorkerSet (leaderworkerset.x-k8s.io/v1): one group of `nodes` pods per
 * replica, one pod per node. The leader starts the Ray head, waits until every worker has joined and then
 * runs vLLM with tensor parallelism inside a node and pipeline parallelism across the nodes; the workers
 * join the leader's Ray cluster and hold their pipeline stages. The shape follows GKE's multi-host GPU
 * sample (gke-inference-quickstart.md section 2.9); the shell commands are this library's own.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { LWS_GVK, LWS_RECREATE_GROUP_ON_POD_RESTART } from './lws-api';
import { Resolution } from '../resolver/resolution';
import { shellQuote } from '../util/shell-quote';

/** The well-known zone label of a node. */
const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** Labels the LeaderWorkerSet controller puts on every pod of a set (the LWS API's `leaderworkerset.sigs.k8s.io/*` keys). */
export const LwsLabels = {
  /** The LeaderWorkerSet's name. */
  NAME: 'leaderworkerset.sigs.k8s.io/name',
  /** A hash the pods of one group share (`GroupUniqueHashLabelKey`, kubernetes-sigs/lws api/leaderworkerset/v1). */
  GROUP_KEY: 'leaderworkerset.sigs.k8s.io/group-key',
} as const;

/** The label this library puts on the leader and worker templates (as GKE's sample does) to tell them apart. */
export const ROLE_LABEL = 'role';
export const LEADER_ROLE = 'leader';
export const WORKER_ROLE = 'worker';

/** The Ray head's port on the leader. */
export const RAY_PORT = 6379;

/** apiVersion and kind of a LeaderWorkerSet, for an HPA's `scaleTargetRef`. */
export const LWS_API_VERSION = LWS_GVK.apiVersion;
export const LWS_KIND = LWS_GVK.kind;

/** Labels that select the leader pods of the LeaderWorkerSet `name` (the only pods that serve HTTP). */
export function leaderSelector(name: string): { [key: string]: string } {
  return { [LwsLabels.NAME]: name, [ROLE_LABEL]: LEADER_ROLE };
}

/**
 * The name of the client Service of the LeaderWorkerSet `name`: not `name` itself, which the LWS controller gives the
 * headless Service its pods' DNS names rest on (and creates only when no Service of that name exists).
 */
export function leaderServiceName(name: string): string {
  return `${name}-leader`;
}

/**
 * The leader's script: the Ray head, a wait until the Ray cluster has `LWS_GROUP_SIZE` live nodes (the
 * leader and every worker), then vLLM in the foreground (exec, so it receives the pod's signals).
 */
export function leaderScript(serverCommand: readonly string[], pipelineParallelSize: number, groupSize: number): string {
  const vllm = [...serverCommand, `--pipeline-parallel-size=${pipelineParallelSize}`, '--distributed-executor-backend=ray'];
  const joined = 'import os, ray; ray.init(address=\'auto\', logging_level=\'ERROR\'); '
    + 'raise SystemExit(0 if sum(1 for n in ray.nodes() if n[\'Alive\']) >= int(os.environ[\'GROUP_SIZE\']) else 1)';
  return [
    'set -e',
    `ray start --head --port=${RAY_PORT}`,
    // LWS injects LWS_GROUP_SIZE into every pod of the group; the resolved size stands in should it be missing
    `export GROUP_SIZE=\${LWS_GROUP_SIZE:-${groupSize}}`,
    `until python3 -c "${joined}" >/dev/null 2>&1; do echo "waiting for $GROUP_SIZE Ray nodes"; sleep 5; done`,
    `exec ${vllm.map(shellQuote).join(' ')}`,
  ].join('\n');
}

/**
 * The worker's script: wait until the leader's Ray head answers (workers may start first; a failed worker
 * would restart the whole group), then join it and stay in the foreground.
 */
export function workerScript(): string {
  return [
    `until ray health-check --address=$(LWS_LEADER_ADDRESS):${RAY_PORT} >/dev/null 2>&1; do echo "waiting for the Ray head"; sleep 5; done`,
    `exec ray start --address=$(LWS_LEADER_ADDRESS):${RAY_PORT} --block`,
  ].join('\n');
}

/** What the LeaderWorkerSet is built from. */
export interface LeaderWorkerSetInputs {
  readonly name: string;
  readonly labels: { [key: string]: string };
  readonly annotations: { [key: string]: string };
  /** Replicas (groups); undefined leaves it to the HPA (or the default of 1). */
  readonly replicas?: number;
  /** The single-node serving template: its server container runs vLLM with the probes, resources and volumes. */
  readonly servingTemplate: k8s.PodTemplateSpec;
  readonly containerName: string;
}

/** The leader and worker templates derived from the serving template. */
export function groupTemplates(r: Resolution, inputs: LeaderWorkerSetInputs): { leader: k8s.PodTemplateSpec; worker: k8s.PodTemplateSpec } {
  const base = inputs.servingTemplate;
  const withRole = (role: string) => ({ ...base.metadata, labels: { ...base.metadata?.labels, [ROLE_LABEL]: role } });
  // one zone for the pods of a group: Ray and the pipeline's activations cross between its nodes, which the estimate takes for
  // one zone's network (on Standard the node pool pins one zone, --node-locations; a regional Autopilot cluster would otherwise
  // place each pod in any zone). Per group: matchLabelKeys adds the pod's own group-key label to the selector (the LWS
  // controller labels every pod of a group with it, leaderworkerset.sigs.k8s.io/group-key), so each group takes the zone its
  // first pod lands in and the groups spread. MatchLabelKeysInPodAffinity is on by default from Kubernetes 1.31 (beta); before,
  // the API server drops the field and every pod of the set shares one zone, as on the Standard pool. The first pod matches its
  // own term, so it schedules anywhere (Kubernetes, "Inter-pod affinity and anti-affinity")
  // (cdk8s-plus-28's Kubernetes 1.28 types have no matchLabelKeys: createLeaderWorkerSet adds it to the rendered term)
  const groupTerm: k8s.PodAffinityTerm = { labelSelector: { matchLabels: { [LwsLabels.NAME]: inputs.name } }, topologyKey: ZONE_LABEL };
  const sameZone: k8s.Affinity = {
    ...base.spec!.affinity,
    podAffinity: {
      ...base.spec!.affinity?.podAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: [
        ...(base.spec!.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
        groupTerm,
      ],
    },
  };
  const mapServer = (f: (c: k8s.Container) => k8s.Container): k8s.PodSpec => ({
    ...base.spec!,
    affinity: sameZone,
    containers: base.spec!.containers.map((c) => (c.name === inputs.containerName ? f(c) : c)),
  });
  const leader: k8s.PodTemplateSpec = {
    metadata: withRole(LEADER_ROLE),
    spec: mapServer((c) => ({
      ...c,
      command: ['/bin/sh', '-c', leaderScript([...(c.command ?? []), ...(c.args ?? [])], r.pipelineParallelSize, r.nodes)],
      args: undefined,
      ports: [...(c.ports ?? []), { name: 'ray', containerPort: RAY_PORT, protocol: 'TCP' }],
    })),
  };
  // the worker holds its stages' weights (same env, volumes and accelerators) but serves no HTTP: no server port, no probes
  const worker: k8s.PodTemplateSpec = {
    metadata: withRole(WORKER_ROLE),
    spec: mapServer((c) => ({
      ...c,
      command: ['/bin/sh', '-c', workerScript()],
      args: undefined,
      ports: undefined,
      startupProbe: undefined,
      readinessProbe: undefined,
      livenessProbe: undefined,
    })),
  };
  return { leader, worker };
}

/**
 * A rendered group template whose one-zone term (`groupTemplates`) takes the pod's own group: `matchLabelKeys`, a field of
 * Kubernetes 1.29+ the 1.28 types drop when they render.
 */
function withGroupKey(template: { [key: string]: any } | undefined, name: string): { [key: string]: any } | undefined {
  const terms: Array<{ [key: string]: any }> = template?.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  for (const t of terms) {
    if (t.topologyKey === ZONE_LABEL && t.labelSelector?.matchLabels?.[LwsLabels.NAME] === name && t.matchLabelKeys === undefined) {
      t.matchLabelKeys = [LwsLabels.GROUP_KEY];
    }
  }
  return template;
}

/** The LeaderWorkerSet of a multi-host resolution. */
export function createLeaderWorkerSet(scope: Construct, id: string, r: Resolution, inputs: LeaderWorkerSetInputs): ApiObject {
  const { leader, worker } = groupTemplates(r, inputs);
  // a plain ApiObject: the pod templates are Kubernetes' own types (a generated CRD class would re-serialize them through its
  // own types on synthesis and drop the quantities)
  const lws = new ApiObject(scope, id, {
    apiVersion: LWS_API_VERSION,
    kind: LWS_KIND,
    metadata: { name: inputs.name, labels: inputs.labels, annotations: inputs.annotations },
    spec: {
      replicas: inputs.replicas,
      leaderWorkerTemplate: {
        size: r.nodes,
        // a failed pod takes its whole group down and back: a pipeline stage cannot rejoin a running vLLM
        restartPolicy: LWS_RECREATE_GROUP_ON_POD_RESTART,
        leaderTemplate: withGroupKey(k8s.toJson_PodTemplateSpec(leader), inputs.name),
        workerTemplate: withGroupKey(k8s.toJson_PodTemplateSpec(worker), inputs.name),
      },
    },
  });
  return lws;
}
