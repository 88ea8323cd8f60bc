/**
 * The run-time check of `OptimizedLlmServerProps`: what a JavaScript or Python caller can pass that
 * TypeScript would have refused (null props, misspelt props, strings for numbers, plain objects for
 * class instances), each refused with the prop's name and what would work.
 */
import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { HuggingFaceToken } from './hugging-face-token';
import { checkLoraEnv } from './lora';
import { POD_CUSTOMIZATION_PROPS, checkPodCustomization } from './pod-customization';
import { checkPodTemplateHook } from './pod-template-hook';
import { InferenceCatalog } from '../api/inference-catalog';
import { RESOLVE_REQUEST_PROPS } from '../resolver/request-props';
import {
  checkedFor, INT32_MAX, checkOptionalBoolean, checkOptionalInstance, checkOptionalInteger, checkOptionalString, checkOptionalStringList, checkProps,
  describeValue,
} from '../util/input';
import { isDns1123Label } from '../validation/manifest';

/** The props of `OptimizedLlmServerProps` beyond `ResolveRequest` (a test keeps this list equal to the interface). */
export const SERVER_OWN_PROPS: readonly string[] = [
  'name', 'replicas', 'minReplicas', 'maxReplicas', 'huggingFaceToken', 'image', 'catalog',
  'autopilotAcceleratorTypes', 'allowedClients', 'disruptionBudget', 'xlaCacheBucketUri', ...POD_CUSTOMIZATION_PROPS, 'podTemplateHook',
];

/** Every prop an `OptimizedLlmServer` accepts. */
export const SERVER_PROPS: readonly string[] = [...RESOLVE_REQUEST_PROPS, ...SERVER_OWN_PROPS];

/** Most replicas accepted: an int32 field, and far beyond any accelerator quota. */
const MAX_REPLICAS = INT32_MAX;

/** Checks the shape and types of the server's props; the resolver checks the request's values. */
export function checkServerProps(props: unknown): void {
  checkProps(props, 'OptimizedLlmServer props', SERVER_PROPS);
  const p = props as { [key: string]: unknown };
  checkOptionalString('name', p.name);
  checkOptionalString('image', p.image);
  checkOptionalString('gkeVersion', p.gkeVersion);
  checkOptionalString('xlaCacheBucketUri', p.xlaCacheBucketUri);
  checkOptionalInteger('replicas', p.replicas, 0, MAX_REPLICAS);
  checkOptionalInteger('minReplicas', p.minReplicas, 1, MAX_REPLICAS);
  checkOptionalInteger('maxReplicas', p.maxReplicas, 1, MAX_REPLICAS);
  checkOptionalBoolean('disruptionBudget', p.disruptionBudget);
  checkOptionalStringList('autopilotAcceleratorTypes', p.autopilotAcceleratorTypes);
  checkOptionalInstance('huggingFaceToken', p.huggingFaceToken, (v) => v instanceof HuggingFaceToken,
    `HuggingFaceToken.fromSecret('${HuggingFaceToken.DEFAULT_SECRET_NAME}', '${HuggingFaceToken.DEFAULT_KEY}') or HuggingFaceToken.none()`);
  checkOptionalInstance('catalog', p.catalog, (v) => v instanceof InferenceCatalog,
    'InferenceCatalog.embedded() (and its addModel / addBenchmark... methods, which return a new catalog)');
  checkToken(p.huggingFaceToken as HuggingFaceToken | undefined);
  checkPodCustomization(p);
  checkPodTemplateHook(p.podTemplateHook);
  checkLoraEnv(p.env);
}

/**
 * A token's fields checked again: JavaScript can reach the private constructor (`new HuggingFaceToken(...)`) and
 * skip `fromSecret`'s checks.
 */
export function checkToken(token: HuggingFaceToken | undefined): void {
  if (token === undefined) return;
  if (token.secretName !== undefined || token.key !== undefined) {
    checkedFor('\'huggingFaceToken\'', () => HuggingFaceToken.fromSecret(token.secretName!, token.key!));
  }
}

/**
 * The namespace of the construct's chart: a DNS-1123 label, checked when the construct is made (its `deploymentNotes` carry
 * the namespace in commands, and exist before synthesis would refuse the chart).
 */
export function chartNamespace(construct: IConstruct): string {
  const namespace = Chart.of(construct).namespace;
  if (namespace !== undefined && (typeof namespace !== 'string' || !isDns1123Label(namespace))) {
    throw new Error('The chart\'s \'namespace\' must be a Kubernetes namespace (a DNS-1123 label: at most 63 lower-case letters, digits and \'-\'), '
      + `got ${describeValue(namespace)}.`);
  }
  return namespace ?? 'default';
}
