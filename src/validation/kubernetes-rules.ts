/**
 * Rules the Kubernetes API server enforces in its Go validation and that no schema expresses.
 * Source: the API server's validation (k8s.io/apimachinery `IsDNS1123Subdomain`, `IsDNS1035Label`,
 * `IsQualifiedName`, `IsValidPortName`; k8s.io/kubernetes `pkg/apis/*\/validation`), as summarized in
 * validation.md section 5 of the project's reference material.
 */
import {
  ContainerRef,
  JsonObject,
  PodTemplate,
  arr,
  containersOf,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isEmptySelector,
  isLabelValue,
  isPortName,
  isQualifiedName,
  isValidPort,
  namespaceOf,
  obj,
  parseQuantity,
  ptr,
  selectorMatches,
  show,
  str,
} from './manifest';
import { ManifestRule, Report, RuleContext } from './rule';

const API_SERVER = 'Kubernetes API server validation (k8s.io/apimachinery/pkg/util/validation, k8s.io/kubernetes/pkg/apis/*/validation)';
const PATCH_FIX = 'it is emitted by the construct: if you patched the object (addJsonPatch), fix the patch; otherwise report it as a bug';

function checkLabels(report: Report, o: JsonObject, path: string, labels: unknown): void {
  for (const [k, v] of Object.entries(obj(labels))) {
    if (!isQualifiedName(k)) {
      report(o, path + ptr(k), `label key "${k}" is not a qualified name (optional DNS-1123 prefix and "/", then at most 63 `
        + 'alphanumerics, "-", "_" or ".", alphanumeric at both ends)', PATCH_FIX);
    }
    if (!isLabelValue(v)) {
      report(o, path + ptr(k), `label value ${show(v)} is not a valid label value (at most 63 alphanumerics, "-", "_" or ".", `
        + 'alphanumeric at both ends)', 'use a label value of at most 63 characters');
    }
  }
}

/** metadata.name per kind, namespace, label keys and values, and the names inside pod specs. */
const names: ManifestRule = {
  id: 'kubernetes/names',
  scope: 'all',
  description: 'object names are DNS-1123 subdomains (Services: DNS-1035 labels); container and volume names DNS-1123 labels, '
    + 'unique in the pod; port names IANA service names; labels valid',
  source: `${API_SERVER}; validation.md section 5 "Names"`,
  check: (ctx, report) => {
    for (const o of ctx.objects) {
      const meta = obj(o.metadata);
      const name = str(meta.name);
      if (name === undefined) {
        report(o, '/metadata/name', 'metadata.name is missing', PATCH_FIX);
      } else if (o.kind === 'Service' ? !isDns1035Label(name) : o.kind === 'Namespace' ? !isDns1123Label(name) : !isDns1123Subdomain(name)) {
        const rule = o.kind === 'Service'
          ? 'a DNS-1035 label (at most 63 lower-case letters, digits and "-", starting with a letter)'
          : o.kind === 'Namespace' ? 'a DNS-1123 label' : 'a DNS-1123 subdomain (at most 253 lower-case letters, digits, "-" and ".")';
        report(o, '/metadata/name', `name "${name}" must be ${rule}`, 'set \'name\' to a DNS-1035 label such as "gemma-2-27b"');
      }
      const ns = str(meta.namespace);
      if (ns !== undefined && !isDns1123Label(ns)) {
        report(o, '/metadata/namespace', `namespace "${ns}" must be a DNS-1123 label`, 'give the chart a DNS-1123 label as its namespace');
      }
      checkLabels(report, o, '/metadata/labels', meta.labels);
    }
    for (const t of ctx.templates) {
      if (t.path) checkLabels(report, t.owner, `${t.path}/metadata/labels`, t.labels);
      const seen = new Set<string>();
      for (const c of containersOf(t)) {
        const cname = str(c.container.name) ?? '';
        if (!isDns1123Label(cname)) report(t.owner, `${c.path}/name`, `container name "${cname}" must be a DNS-1123 label`, PATCH_FIX);
        if (seen.has(cname)) report(t.owner, `${c.path}/name`, `container name "${cname}" is used twice in the pod`, PATCH_FIX);
        seen.add(cname);
        arr(c.container.ports).map(obj).forEach((p, i) => {
          const pname = str(p.name);
          if (pname !== undefined && !isPortName(pname)) {
            report(t.owner, `${c.path}/ports/${i}/name`, `port name "${pname}" must be an IANA service name (at most 15 lower-case `
              + 'letters, digits and "-", with a letter, no "--")', PATCH_FIX);
          }
        });
      }
      const volumes = new Set<string>();
      arr(t.spec.volumes).map(obj).forEach((v, i) => {
        const vname = str(v.name) ?? '';
        if (!isDns1123Label(vname)) report(t.owner, `${t.path}/spec/volumes/${i}/name`, `volume name "${vname}" must be a DNS-1123 label`, PATCH_FIX);
        if (volumes.has(vname)) report(t.owner, `${t.path}/spec/volumes/${i}/name`, `volume name "${vname}" is used twice in the pod`, PATCH_FIX);
        volumes.add(vname);
      });
      for (const c of containersOf(t)) {
        arr(c.container.volumeMounts).map(obj).forEach((m, i) => {
          const mname = str(m.name) ?? '';
          if (!volumes.has(mname)) {
            report(t.owner, `${c.path}/volumeMounts/${i}/name`, `volumeMount "${mname}" names no volume of the pod `
              + `(volumes: ${[...volumes].join(', ') || 'none'})`, PATCH_FIX);
          }
        });
      }
    }
  },
};

/** Pod templates in the construct that a namespaced selector in `o` selects. */
function selected(ctx: RuleContext, o: JsonObject, selector: JsonObject): PodTemplate[] {
  return ctx.templates.filter((t) => namespaceOf(t.owner) === namespaceOf(o) && selectorMatches(selector, t.labels));
}

/** A PodMonitoring of GKE's TPU device-plugin exporter: its pods are a DaemonSet GKE runs in kube-system, not ours. */
function scrapesGkeManagedPods(o: JsonObject): boolean {
  return o.kind === 'PodMonitoring' && obj(o.metadata).namespace === 'kube-system'
    && obj(obj(obj(o.spec).selector).matchLabels)['k8s-app'] === 'tpu-device-plugin';
}

/** Workload selectors match their template; Service, PodMonitoring, PodDisruptionBudget and NetworkPolicy selectors match our pods. */
const selectors: ManifestRule = {
  id: 'kubernetes/selectors',
  scope: 'all',
  description: 'a workload\'s selector matches its template labels; Service, PodMonitoring, PodDisruptionBudget and NetworkPolicy '
    + 'selectors select the construct\'s pods',
  source: `${API_SERVER}; validation.md sections 5 "Selectors" and 7 (kube-linter mismatching-selector, dangling-service)`,
  check: (ctx, report) => {
    const templates = ctx.templates;
    for (const t of templates) {
      // a Job's selector is generated by the API server
      if (t.path !== '/spec/template' || t.owner.kind === 'Job') continue;
      const selector = obj(obj(t.owner.spec).selector);
      if (isEmptySelector(selector)) {
        report(t.owner, '/spec/selector', 'the selector is empty', PATCH_FIX);
      } else if (!selectorMatches(selector, t.labels)) {
        report(t.owner, '/spec/selector', `selector ${show(selector)} does not match the template labels ${show(t.labels)}`, PATCH_FIX);
      }
    }
    if (templates.length === 0) return;
    for (const o of ctx.objects) {
      const spec = obj(o.spec);
      let selector: JsonObject | undefined;
      let path = '/spec/selector';
      if (o.kind === 'Service' && spec.type !== 'ExternalName' && spec.selector !== undefined) {
        selector = { matchLabels: obj(spec.selector) };
      } else if ((o.kind === 'PodMonitoring' || o.kind === 'PodDisruptionBudget') && spec.selector !== undefined && !scrapesGkeManagedPods(o)) {
        selector = obj(spec.selector);
      } else if (o.kind === 'NetworkPolicy' && !isEmptySelector(obj(spec.podSelector))) {
        selector = obj(spec.podSelector);
        path = '/spec/podSelector';
      }
      if (selector !== undefined && selected(ctx, o, selector).length === 0) {
        report(o, path, `selector ${show(selector)} selects none of the construct's pods (labels: `
          + `${templates.map((t) => show(t.labels)).join(', ')})`, PATCH_FIX);
      }
    }
  },
};

function containerPortNames(templates: PodTemplate[]): Set<string> {
  const out = new Set<string>();
  for (const t of templates) {
    for (const c of containersOf(t)) for (const p of arr(c.container.ports).map(obj)) if (str(p.name)) out.add(str(p.name)!);
  }
  return out;
}

/** Port numbers in 1..65535 and named ports that exist. */
const ports: ManifestRule = {
  id: 'kubernetes/ports',
  scope: 'all',
  description: 'container, Service, PodMonitoring and NetworkPolicy ports are 1..65535; named target ports exist in the selected pods',
  source: `${API_SERVER}; validation.md section 5 "Ports"`,
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      for (const c of containersOf(t)) {
        arr(c.container.ports).map(obj).forEach((p, i) => {
          if (!isValidPort(p.containerPort)) report(t.owner, `${c.path}/ports/${i}/containerPort`, `port ${show(p.containerPort)} is not in 1..65535`, PATCH_FIX);
        });
      }
    }
    const checkRef = (o: JsonObject, path: string, port: unknown, sel: JsonObject | undefined) => {
      if (typeof port === 'number') {
        if (!isValidPort(port)) report(o, path, `port ${port} is not in 1..65535`, PATCH_FIX);
      } else if (typeof port === 'string' && sel !== undefined) {
        const pods = selected(ctx, o, sel);
        if (pods.length > 0 && !containerPortNames(pods).has(port)) {
          report(o, path, `port "${port}" is not the name of a container port of the selected pods (ports: ${[...containerPortNames(pods)].join(', ') || 'none'})`,
            PATCH_FIX);
        }
      }
    };
    for (const o of ctx.objects) {
      const spec = obj(o.spec);
      if (o.kind === 'Service') {
        const sel = spec.selector === undefined ? undefined : { matchLabels: obj(spec.selector) };
        arr(spec.ports).map(obj).forEach((p, i) => {
          if (!isValidPort(p.port)) report(o, `/spec/ports/${i}/port`, `port ${show(p.port)} is not in 1..65535`, PATCH_FIX);
          checkRef(o, `/spec/ports/${i}/targetPort`, p.targetPort, sel);
        });
      } else if (o.kind === 'PodMonitoring') {
        arr(spec.endpoints).map(obj).forEach((e, i) => checkRef(o, `/spec/endpoints/${i}/port`, e.port, obj(spec.selector)));
      } else if (o.kind === 'NetworkPolicy') {
        arr(spec.ingress).map(obj).forEach((rule, i) => arr(rule.ports).map(obj).forEach((p, j) => {
          checkRef(o, `/spec/ingress/${i}/ports/${j}/port`, p.port, obj(spec.podSelector));
        }));
      }
    }
  },
};

function probePort(probe: JsonObject): unknown {
  return obj(probe.httpGet).port ?? obj(probe.tcpSocket).port ?? obj(probe.grpc).port;
}

/** Probe ports exist among the container's ports. */
const probePorts: ManifestRule = {
  id: 'kubernetes/probe-ports',
  scope: 'all',
  description: 'liveness, readiness and startup probe ports are in 1..65535 and named probe ports exist among the container\'s ports',
  source: `${API_SERVER}; kube-linter liveness-port, readiness-port (validation.md section 7)`,
  check: (ctx, report) => {
    for (const t of ctx.templates) {
      for (const c of containersOf(t)) {
        const portNames = new Set(arr(c.container.ports).map((p) => str(obj(p).name)).filter((n): n is string => n !== undefined));
        for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
          const probe = c.container[kind];
          if (probe === undefined) continue;
          const port = probePort(obj(probe));
          const path = `${c.path}/${kind}`;
          if (typeof port === 'number' && !isValidPort(port)) report(t.owner, path, `${kind} port ${port} is not in 1..65535`, PATCH_FIX);
          if (typeof port === 'string' && !portNames.has(port)) {
            report(t.owner, path, `${kind} port "${port}" is not a port of container "${str(c.container.name)}" (ports: ${[...portNames].join(', ') || 'none'})`,
              PATCH_FIX);
          }
        }
      }
    }
  },
};

/** Resources that are not cpu, memory, ephemeral-storage or hugepages: `nvidia.com/gpu`, `google.com/tpu`. */
export function isExtendedResource(name: string): boolean {
  return name.includes('/') && !name.includes('kubernetes.io/');
}

function checkContainerResources(report: Report, owner: JsonObject, c: ContainerRef): void {
  const resources = obj(c.container.resources);
  const requests = obj(resources.requests);
  const limits = obj(resources.limits);
  const path = `${c.path}/resources`;
  for (const [name, raw] of [...Object.entries(requests), ...Object.entries(limits)]) {
    if (parseQuantity(raw) === undefined) report(owner, path, `${name} ${show(raw)} is not a Kubernetes quantity`, PATCH_FIX);
  }
  for (const [name, raw] of Object.entries(requests)) {
    const request = parseQuantity(raw);
    const limit = parseQuantity(limits[name]);
    if (request !== undefined && limit !== undefined && request > limit) {
      report(owner, `${path}/requests${ptr(name)}`, `the ${name} request ${show(raw)} exceeds its limit ${show(limits[name])}`, PATCH_FIX);
    }
  }
  for (const name of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    if (!isExtendedResource(name)) continue;
    const request = parseQuantity(requests[name]);
    const limit = parseQuantity(limits[name]);
    for (const [field, v] of [['requests', request], ['limits', limit]] as const) {
      if (v !== undefined && !Number.isInteger(v)) report(owner, `${path}/${field}${ptr(name)}`, `${name} must be a whole number (got ${v})`, PATCH_FIX);
    }
    if (limits[name] === undefined) {
      report(owner, `${path}/limits`, `extended resource ${name} is requested but not limited: it must appear in limits`, PATCH_FIX);
    } else if (request !== undefined && request !== limit) {
      report(owner, `${path}/requests${ptr(name)}`, `extended resource ${name}: request ${show(requests[name])} must equal limit ${show(limits[name])}`,
        PATCH_FIX);
    }
  }
}

/** requests <= limits; extended resources whole, limited, and requests == limits. */
const resources: ManifestRule = {
  id: 'kubernetes/resources',
  scope: 'all',
  description: 'quantities parse; requests <= limits; extended resources (nvidia.com/gpu, google.com/tpu) are whole numbers, '
    + 'appear in limits, and requests == limits',
  source: `${API_SERVER} (ValidateResourceRequirements); validation.md section 5 "Resources"`,
  check: (ctx, report) => {
    for (const t of ctx.templates) for (const c of containersOf(t)) checkContainerResources(report, t.owner, c);
  },
};

/** minReplicas >= 1, <= maxReplicas; the scale target exists. */
const hpa: ManifestRule = {
  id: 'kubernetes/hpa',
  scope: 'all',
  description: 'an HPA has 1 <= minReplicas <= maxReplicas and its scaleTargetRef names an object of the chart',
  source: `${API_SERVER} (ValidateHorizontalPodAutoscalerSpec); kube-linter dangling-hpa (validation.md sections 5 and 7)`,
  check: (ctx, report) => {
    for (const o of ctx.objects.filter((x) => x.kind === 'HorizontalPodAutoscaler')) {
      const spec = obj(o.spec);
      const min = spec.minReplicas ?? 1;
      const max = spec.maxReplicas;
      if (!(Number.isInteger(min) && (min as number) >= 1)) {
        report(o, '/spec/minReplicas', `minReplicas ${show(min)} must be a whole number >= 1`, 'set \'minReplicas\' to 1 or more');
      }
      if (!(Number.isInteger(max) && (max as number) >= 1)) {
        report(o, '/spec/maxReplicas', `maxReplicas ${show(max)} must be a whole number >= 1`, 'set \'maxReplicas\' to 1 or more');
      } else if (Number.isInteger(min) && (min as number) > (max as number)) {
        report(o, '/spec/minReplicas', `minReplicas (${min}) must be less than or equal to maxReplicas (${max})`,
          'set \'minReplicas\' <= \'maxReplicas\'');
      }
      const ref = obj(spec.scaleTargetRef);
      const kind = str(ref.kind) ?? '';
      const name = str(ref.name) ?? '';
      const apiVersion = str(ref.apiVersion);
      const ns = namespaceOf(o);
      const own = ctx.objects.some((x) => x.kind === kind && str(obj(x.metadata).name) === name && namespaceOf(x) === ns
        && (apiVersion === undefined || x.apiVersion === apiVersion));
      if (!own && !(ctx.existsInChart?.(apiVersion, kind, name, ns) ?? false)) {
        report(o, '/spec/scaleTargetRef', `scaleTargetRef ${apiVersion ?? ''} ${kind}/${name} names no object of the chart`, PATCH_FIX);
      }
    }
  },
};

/** Exactly one of minAvailable and maxUnavailable. */
const disruptionBudget: ManifestRule = {
  id: 'kubernetes/disruption-budget',
  scope: 'all',
  description: 'a PodDisruptionBudget sets exactly one of minAvailable and maxUnavailable, with a non-empty selector',
  source: `${API_SERVER} (ValidatePodDisruptionBudgetSpec)`,
  check: (ctx, report) => {
    for (const o of ctx.objects.filter((x) => x.kind === 'PodDisruptionBudget')) {
      const spec = obj(o.spec);
      if ((spec.minAvailable === undefined) === (spec.maxUnavailable === undefined)) {
        report(o, '/spec', 'exactly one of minAvailable and maxUnavailable must be set', PATCH_FIX);
      }
      if (isEmptySelector(obj(spec.selector))) report(o, '/spec/selector', 'an empty selector would cover every pod of the namespace', PATCH_FIX);
    }
  },
};

/** The Kubernetes rule table. */
export const KUBERNETES_RULES: readonly ManifestRule[] = [names, selectors, ports, probePorts, resources, hpa, disruptionBudget];
