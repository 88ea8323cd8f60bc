/**
 * The parts of the LeaderWorkerSet API (leaderworkerset.x-k8s.io/v1, kubernetes-sigs/lws
 * `config/crd/bases/leaderworkerset.x-k8s.io_leaderworkersets.yaml`, vendored in ../shared/schemas/crds)
 * this library emits. The objects are plain ApiObjects whose pod templates are Kubernetes' own, so the
 * generated binding (5 MB of TypeScript for one class) is not shipped; the tests validate every emitted
 * LeaderWorkerSet against the CRD's schema.
 */

/** apiVersion and kind of a LeaderWorkerSet. */
export const LWS_GVK = { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet' } as const;

/** `spec.leaderWorkerTemplate.restartPolicy`: a failed pod recreates its whole group. */
export const LWS_RECREATE_GROUP_ON_POD_RESTART = 'RecreateGroupOnPodRestart';
