/**
 * Best-practice rules from kube-linter (`docs/generated/checks.md`) and polaris (`checks/*.yaml`), as
 * selected in validation.md section 7 of the project's reference material. The secure defaults can be
 * dropped only through a construct's explicit props, which reach the rules as `ctx.optOuts`.
 */
import { LONG_RUNNING_KINDS, arr, containersOf, obj, str } from './manifest';
import { ManifestRule } from './rule';
import { isPinnedImageReference } from '../util/references';

/** Whether an image reference is pinned: a digest, or a tag other than `latest`. */
export function isPinnedImage(image: string): boolean {
  return isPinnedImageReference(image);
}

/** Images carry a tag other than `latest`, or a digest. */
const pinnedImages: ManifestRule = {
  id: 'best-practice/pinned-image',
  scope: 'all',
  description: 'every image is pinned to a tag other than latest or to a digest',
  source: 'kube-linter latest-tag; polaris tagNotSpecified (validation.md section 7)',
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      for (const c of containersOf(t)) {
        const image = str(c.container.image) ?? '';
        if (!isPinnedImage(image)) {
          report(t.owner, `${c.path}/image`, `image "${image}" is not pinned: a rollout or restart could pull a different server`,
            'set \'image\' to a reference with a version tag (e.g. vllm/vllm-openai:v0.7.2) or a digest');
        }
      }
    }
  },
};

/** Long-running containers that serve ports have readiness and liveness probes (helpers without ports, e.g. a pre-fetcher, need none). */
const probes: ManifestRule = {
  id: 'best-practice/probes',
  scope: 'all',
  description: 'every container of a long-running workload that exposes a port has a readiness and a liveness probe',
  source: 'kube-linter no-readiness-probe, no-liveness-probe; polaris readinessProbeMissing, livenessProbeMissing (validation.md section 7)',
  check: (ctx, report) => {
    for (const t of ctx.templates.filter((x) => LONG_RUNNING_KINDS.includes(String(x.owner.kind)))) {
      const serving = containersOf(t).filter((x) => !x.init && Array.isArray(x.container.ports) && x.container.ports.length > 0);
      for (const c of serving) {
        for (const probe of ['readinessProbe', 'livenessProbe']) {
          if (c.container[probe] === undefined) {
            report(t.owner, `${c.path}/${probe}`, `container "${str(c.container.name)}" has no ${probe}`, `add a ${probe}`);
          }
        }
      }
    }
  },
};

/** cpu and memory requests and a memory limit. */
const resources: ManifestRule = {
  id: 'best-practice/resources',
  scope: 'all',
  description: 'every container requests cpu and memory and limits memory',
  source: 'kube-linter unset-cpu-requirements, unset-memory-requirements; polaris cpuRequestsMissing, memoryRequestsMissing, '
    + 'memoryLimitsMissing (validation.md section 7)',
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      for (const c of containersOf(t)) {
        const r = obj(c.container.resources);
        const missing = [
          obj(r.requests).cpu === undefined ? 'a cpu request' : undefined,
          obj(r.requests).memory === undefined ? 'a memory request' : undefined,
          obj(r.limits).memory === undefined && !(ctx.optOuts.memoryLimitExempt ?? []).includes(str(c.container.name) ?? '')
            ? 'a memory limit' : undefined,
        ].filter((m): m is string => m !== undefined);
        if (missing.length > 0) {
          report(t.owner, `${c.path}/resources`, `container "${str(c.container.name)}" has no ${missing.join(', ')}`, 'set the missing resources');
        }
      }
    }
  },
};

/** No privilege, no privilege escalation, seccomp RuntimeDefault; unless the props asked otherwise. */
const securityContext: ManifestRule = {
  id: 'best-practice/security-context',
  scope: 'all',
  description: 'containers are not privileged and set allowPrivilegeEscalation: false; pods run under the RuntimeDefault (or a Localhost) '
    + 'seccomp profile; each unless explicitly opted out through props',
  source: 'kube-linter privileged-container, privilege-escalation-container; Pod Security Standards "restricted" (seccomp) '
    + '(validation.md section 7)',
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      const podSeccomp = str(obj(obj(t.spec.securityContext).seccompProfile).type);
      for (const c of containersOf(t)) {
        const sc = obj(c.container.securityContext);
        const name = str(c.container.name);
        if (sc.privileged === true && !ctx.optOuts.privileged) {
          report(t.owner, `${c.path}/securityContext/privileged`, `container "${name}" runs privileged`, 'remove privileged: true');
        }
        if (sc.allowPrivilegeEscalation !== false && !ctx.optOuts.privilegeEscalation) {
          report(t.owner, `${c.path}/securityContext/allowPrivilegeEscalation`, `container "${name}" does not set allowPrivilegeEscalation: false`,
            'set allowPrivilegeEscalation: false');
        }
        const seccomp = str(obj(sc.seccompProfile).type) ?? podSeccomp;
        if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost' && !ctx.optOuts.unconfinedSeccomp) {
          report(t.owner, `${c.path}/securityContext`, `container "${name}" runs with seccomp profile ${seccomp ?? 'unset (Unconfined)'}`,
            'set seccompProfile.type RuntimeDefault on the pod');
        }
      }
    }
  },
};

const SECRET_LIKE_ENV = /(TOKEN|SECRET|PASSWORD|API_?KEY|CREDENTIALS?)$/i;

/** Secrets come from Secrets, never from literal env values. */
const secretEnv: ManifestRule = {
  id: 'best-practice/secret-env',
  scope: 'all',
  description: 'environment variables named like credentials (HF_TOKEN, *_API_KEY, ...) come from a secretKeyRef, not a literal value',
  source: 'kube-linter env-var-secret (validation.md section 7: HF_TOKEN belongs in secretKeyRef)',
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      for (const c of containersOf(t)) {
        arr(c.container.env).map(obj).forEach((e, i) => {
          const name = str(e.name) ?? '';
          if (SECRET_LIKE_ENV.test(name) && typeof e.value === 'string' && e.value.length > 0) {
            report(t.owner, `${c.path}/env/${i}/value`, `env var ${name} holds a literal value: the credential would be stored in the manifest`,
              'read it from a Secret (\'huggingFaceToken\': HuggingFaceToken.fromSecret(...))');
          }
        });
      }
    }
  },
};

/** The best-practice rule table. */
/**
 * No `$(VAR)` in a container's command, args or env values names a variable that holds a Secret: Kubernetes expands it before the
 * program starts, so the secret's value would become a command-line word (visible in process listings and logs, and in vLLM's
 * `/v1/models` when it is the served model name).
 */
const secretExpansion: ManifestRule = {
  id: 'best-practice/no-secret-expansion',
  scope: 'all',
  description: 'no $(VAR) reference in command, args or env values expands a Secret-backed variable',
  source: 'Kubernetes "Define dependent environment variables" ($(VAR) expansion in command, args and env); audits/hostile-input-2026-12.md case 2',
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      for (const c of containersOf(t)) {
        const env = arr(c.container.env).map(obj);
        const secret = new Set(env.filter((e) => obj(e.valueFrom).secretKeyRef !== undefined).map((e) => str(e.name)));
        if (secret.size === 0) continue;
        // paths are built only for a finding: the rules run on every object of every synthesis
        const scan = (text: unknown, path: () => string) => {
          if (typeof text !== 'string' || !text.includes('$(')) return;
          // $$ is the escape for a literal '$': drop escaped dollars, then look for references
          for (const m of text.replace(/\$\$/g, '').matchAll(/\$\(([^)]*)\)/g)) {
            if (secret.has(m[1])) {
              report(t.owner, path(), `"$(${m[1]})" expands the Secret-backed variable ${m[1]} into the container's command line`,
                'write a literal $ as $$ (or remove the reference)');
            }
          }
        };
        arr(c.container.command).forEach((v, i) => scan(v, () => `${c.path}/command/${i}`));
        arr(c.container.args).forEach((v, i) => scan(v, () => `${c.path}/args/${i}`));
        env.forEach((e, i) => scan(e.value, () => `${c.path}/env/${i}/value`));
      }
    }
  },
};

export const BEST_PRACTICE_RULES: readonly ManifestRule[] = [pinnedImages, probes, resources, securityContext, secretEnv, secretExpansion];
