/**
 * The workload a request asks for: a GKE Inference Quickstart use case (its average input and output
 * lengths, `use-cases.csv`) and/or explicit average lengths. Chatbot (ShareGPT) is the ShareGPT
 * distribution's means, the workload GIQ's (and so the catalog's measured) profiles were taken on.
 */
import { Catalog, Workload } from '../catalog/catalog';
import { UseCaseRecord } from '../catalog/types';
import { describeValue, printable } from '../util/input';

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The use case the catalog's measured profiles were taken on: the one named after the measured workload (Chatbot (ShareGPT)). */
export function profiledUseCase(catalog: Catalog): UseCaseRecord | undefined {
  return catalog.useCases.find((u) => u.name.toLowerCase().includes(`(${catalog.measuredWorkload.name.toLowerCase()})`));
}

/** A use case by name, case and punctuation aside, with or without its parenthesised dataset (`chatbot`); fails naming `what`. */
export function requireUseCase(catalog: Catalog, name: string, what: string): UseCaseRecord {
  const found = catalog.useCases.find((u) => norm(u.name) === norm(name) || norm(u.name.replace(/\s*\(.*\)\s*$/, '')) === norm(name));
  if (!found) throw new Error(`Unknown use case '${printable(String(name))}' (${what}). Use cases: ${catalog.useCases.map((u) => u.name).join(', ')}.`);
  return found;
}

/** The average lengths of a use case as the library computes with them: Chatbot (ShareGPT) is the ShareGPT means. */
export function useCaseWorkload(catalog: Catalog, useCase: UseCaseRecord): Workload | undefined {
  if (useCase === profiledUseCase(catalog)) return { ...catalog.measuredWorkload, name: useCase.name };
  if (useCase.averageInputTokens === undefined || useCase.averageOutputTokens === undefined) return undefined;
  return { name: useCase.name, meanInputTokens: useCase.averageInputTokens, meanOutputTokens: useCase.averageOutputTokens, source: useCase.source };
}

/** Names of the props or flags a workload is given by, for error messages. */
export interface WorkloadNames {
  readonly useCase: string;
  readonly averageInputTokens: string;
  readonly averageOutputTokens: string;
  readonly maxModelLength: string;
}

export const PROP_NAMES: WorkloadNames = {
  useCase: "'useCase'", averageInputTokens: "'averageInputTokens'", averageOutputTokens: "'averageOutputTokens'", maxModelLength: "'maxModelLength'",
};

/** The source of a workload whose lengths came with the request (`requestedWorkload`). */
const GIVEN = 'given with the request';

/**
 * The workload of a use case and/or explicit average lengths (the lengths override the use case's); the catalog's
 * measured workload when none is given. Fails, naming the prop or flag, for unknown use cases, use cases without
 * published lengths and lengths that are not whole numbers of at least one token.
 */
export function requestedWorkload(
  catalog: Catalog,
  request: { readonly useCase?: unknown; readonly averageInputTokens?: unknown; readonly averageOutputTokens?: unknown },
  names: WorkloadNames = PROP_NAMES,
): Workload {
  if (request.useCase !== undefined && typeof request.useCase !== 'string') {
    throw new Error(`${names.useCase} must be a string, got ${typeof request.useCase} ${JSON.stringify(request.useCase)}.`);
  }
  const lengths: Array<[string, unknown]> = [
    [names.averageInputTokens, request.averageInputTokens],
    [names.averageOutputTokens, request.averageOutputTokens],
  ];
  for (const [name, v] of lengths) {
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 1 || !Number.isInteger(v)) {
      throw new Error(`${name} must be a whole number of tokens, at least 1, got ${typeof v === 'number' ? v : describeValue(v)}.`);
    }
  }
  const input = request.averageInputTokens as number | undefined;
  const output = request.averageOutputTokens as number | undefined;
  let base = catalog.measuredWorkload;
  if (request.useCase !== undefined) {
    const useCase = requireUseCase(catalog, request.useCase, names.useCase);
    const w = useCaseWorkload(catalog, useCase);
    if (!w && (input === undefined || output === undefined)) {
      throw new Error(`Use case '${useCase.name}' has no published average lengths (${names.useCase}): `
        + `give ${names.averageInputTokens} and ${names.averageOutputTokens}.`);
    }
    base = w ?? { name: useCase.name, meanInputTokens: input!, meanOutputTokens: output!, source: useCase.source };
  }
  const workload: Workload = input === undefined && output === undefined ? base : {
    name: request.useCase === undefined ? 'custom' : `${base.name}, custom lengths`,
    meanInputTokens: input ?? base.meanInputTokens,
    meanOutputTokens: output ?? base.meanOutputTokens,
    source: GIVEN,
  };
  return workload;
}

/**
 * Fails, naming the prop or flag, when the workload's average request exceeds `maxLength`: the requested `maxModelLength`,
 * or `maxLengthLimit` when the limit is the model's own context.
 */
export function requireWorkloadFits(workload: Workload, maxLength: number, names: WorkloadNames = PROP_NAMES, maxLengthLimit?: string): void {
  const total = workload.meanInputTokens + workload.meanOutputTokens;
  if (total > maxLength) {
    const given = workload.source === GIVEN ? `${names.averageInputTokens} + ${names.averageOutputTokens}` : `use case '${workload.name}'`;
    const fix = maxLengthLimit === undefined
      ? `set ${names.maxModelLength} to at least ${total}, or leave it unset (the default is twice a long workload's average request)`
      : 'serve a model with a longer context, or shorter requests';
    throw new Error(`The ${workload.name} workload (${given}: ${workload.meanInputTokens} + ${workload.meanOutputTokens} tokens) exceeds `
      + `the model length of ${maxLength} tokens (${maxLengthLimit ?? names.maxModelLength}): an average request would not fit; ${fix}.`);
  }
}
