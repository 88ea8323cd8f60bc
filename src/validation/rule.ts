import { ClusterMode } from './cluster-mode';
import { JsonObject, PodTemplate } from './manifest';
import type { NodeFitTarget } from './node-fit-rules';

/** Where a rule applies. */
export type RuleScope = 'all' | 'autopilot';

/**
 * Secure defaults a construct has been explicitly asked to drop, through its own props. The
 * best-practice rules read this intent instead of failing on what the user asked for; nothing else
 * turns them off.
 */
export interface SecurityOptOuts {
  /** A container may run privileged. */
  readonly privileged?: boolean;
  /** A container may gain more privileges than its parent (`allowPrivilegeEscalation`). */
  readonly privilegeEscalation?: boolean;
  /** Pods may run without the `RuntimeDefault` seccomp profile. */
  readonly unconfinedSeccomp?: boolean;
  /**
   * Containers (by name) that run without a memory limit because the upstream manifests they follow set none (the
   * Pathways leader containers of Google's multi-host TPU tutorial); they still request memory.
   */
  readonly memoryLimitExempt?: readonly string[];
}

/** What the rules see. */
export interface RuleContext {
  /** The synthesized objects of one construct (`ApiObject.toJson()` of each). */
  readonly objects: readonly JsonObject[];
  /** The pod templates of `objects`, computed once for all rules. */
  readonly templates: readonly PodTemplate[];
  readonly clusterMode: ClusterMode;
  /** GPU accelerator labels GKE Autopilot admits. */
  readonly autopilotAcceleratorTypes: readonly string[];
  readonly optOuts: SecurityOptOuts;
  /**
   * Whether an object exists elsewhere in the chart (for references that may leave the construct,
   * such as an HPA's scale target). Undefined when only `objects` may be searched.
   */
  readonly existsInChart?: (apiVersion: string | undefined, kind: string, name: string, namespace: string) => boolean;
  /** The node the construct's accelerator pods land on (its node pool); undefined when it has none. */
  readonly nodeFit?: NodeFitTarget;
}

/** One broken rule. */
export interface Violation {
  readonly ruleId: string;
  /** `Kind/name` of the offending object. */
  readonly object: string;
  /** JSON pointer into the object. */
  readonly path: string;
  /** What is wrong, with the offending and the allowed values. */
  readonly message: string;
  /** How to fix it, in terms of the construct's props where a prop controls it. */
  readonly fix: string;
}

/** Reports a violation of the rule being run. */
export type Report = (object: JsonObject, path: string, message: string, fix: string) => void;

/** One row of a rule table. */
export interface ManifestRule {
  /** `group/name`, e.g. `gke-autopilot/allowed-gpu-type`. */
  readonly id: string;
  readonly scope: RuleScope;
  /** What the rule enforces, one line. */
  readonly description: string;
  /** Where the rule comes from. */
  readonly source: string;
  readonly check: (ctx: RuleContext, report: Report) => void;
}
