import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/** The replica settings that decide whether a server gets a PodDisruptionBudget. */
export interface DisruptionBudgetProps {
  readonly disruptionBudget?: boolean;
  readonly replicas?: number;
  readonly minReplicas?: number;
}

/**
 * Whether to create a PodDisruptionBudget: as asked, or, by default, when more than one replica
 * runs at all times (`replicas` > 1 without a latency target, `minReplicas` > 1 with one).
 */
export function wantsDisruptionBudget(props: DisruptionBudgetProps, autoscaled: boolean): boolean {
  if (props.disruptionBudget !== undefined && typeof props.disruptionBudget !== 'boolean') {
    throw new Error(`'disruptionBudget' must be true or false, got ${JSON.stringify(props.disruptionBudget)}.`);
  }
  return props.disruptionBudget ?? ((autoscaled ? props.minReplicas : props.replicas) ?? 1) > 1;
}

/** What a server's PodDisruptionBudget covers. */
export interface ServerDisruptionBudgetOptions {
  readonly name: string;
  readonly labels: { [key: string]: string };
  readonly selector: { [key: string]: string };
}

/**
 * A PodDisruptionBudget that lets voluntary disruptions (node drains, upgrades) take one server pod at
 * a time, so the others keep serving while it reloads its weights elsewhere. Pods that are not ready
 * (still loading, or crash-looping) may always be evicted (`unhealthyPodEvictionPolicy: AlwaysAllow`),
 * so a broken pod never blocks a drain.
 */
export function createServerDisruptionBudget(scope: Construct, id: string, options: ServerDisruptionBudgetOptions): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: options.name, labels: options.labels },
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      selector: { matchLabels: options.selector },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}
