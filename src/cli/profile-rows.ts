/**
 * One listing row per evaluated profile, with GKE Inference Quickstart's columns (instance type,
 * accelerator, cost per million input and output tokens, output tokens/s, NTPOT, TTFT, server,
 * version, model) plus whether the profile is measured or estimated.
 */
import { Column, Row, round, roundOrNull } from './format';
import { CurvePoint } from '../performance/curve';
import { Candidate, uncertaintyAt } from '../resolver/resolver';

/** The uncertainty band of an estimated point (null for measured ones), only in JSON and YAML. */
export const BAND_COLUMNS: readonly Column[] = [
  { key: 'outputTokensPerSecondLow', header: 'Output Tokens/s Low', structuredOnly: true },
  { key: 'outputTokensPerSecondHigh', header: 'Output Tokens/s High', structuredOnly: true },
  { key: 'ntpotMillisecondsLow', header: 'NTPOT(ms) Low', structuredOnly: true },
  { key: 'ntpotMillisecondsHigh', header: 'NTPOT(ms) High', structuredOnly: true },
];

/** The band fields of a point, rounded to `digits` decimals (a listing's whole units by default). */
export function bandCells(p: CurvePoint, digits = 0): Row {
  return {
    outputTokensPerSecondLow: roundOrNull(p.outputTokensPerSecondLow, digits),
    outputTokensPerSecondHigh: roundOrNull(p.outputTokensPerSecondHigh, digits),
    ntpotMillisecondsLow: roundOrNull(p.ntpotMillisecondsLow, digits),
    ntpotMillisecondsHigh: roundOrNull(p.ntpotMillisecondsHigh, digits),
  };
}

export const PROFILE_COLUMNS: readonly Column[] = [
  { key: 'instanceType', header: 'Instance Type' },
  { key: 'acceleratorType', header: 'Accelerator' },
  // not a column of gcloud's profiles table, which a packed machine (1, 2, 4 or 8 of an a3-ultragpu-8g's GPUs) makes ambiguous without
  // it, in CSV too (gcloud's accelerators list shows resourcesUsed.acceleratorCount)
  { key: 'acceleratorCount', header: 'Count' },
  { key: 'costPerMillionInputTokens', header: 'Cost/M Input Tokens', decimals: 3 },
  { key: 'costPerMillionOutputTokens', header: 'Cost/M Output Tokens', decimals: 3 },
  { key: 'outputTokensPerSecond', header: 'Output Tokens/s' },
  { key: 'ntpotMilliseconds', header: 'NTPOT(ms)' },
  { key: 'ttftMilliseconds', header: 'TTFT(ms)' },
  { key: 'modelServer', header: 'Model Server' },
  { key: 'modelServerVersion', header: 'Model Server Version' },
  { key: 'model', header: 'Model' },
  { key: 'source', header: 'Source' },
  // an estimate's uncertainty factor beside its source (x3.00 for TPU estimates, none measured): a row ranked cheapest on an
  // uncalibrated estimate says so; CSV keeps GIQ's columns
  { key: 'band', header: 'Band', notInCsv: true },
  { key: 'operatingPoint', header: 'Operating Point', structuredOnly: true },
  { key: 'maxModelLength', header: 'Max Model Length', structuredOnly: true },
  { key: 'pointKind', header: 'Point Kind', structuredOnly: true },
  { key: 'pricingModel', header: 'Pricing Model', structuredOnly: true },
  { key: 'region', header: 'Region', structuredOnly: true },
  { key: 'costPerHour', header: 'Cost/h', structuredOnly: true },
  // a replica packed with others on one machine costs its share of it (costPerHour); the machine is billed whole
  { key: 'podsPerNode', header: 'Pods/Node', structuredOnly: true },
  ...BAND_COLUMNS,
  { key: 'ttftMillisecondsLow', header: 'TTFT(ms) Low', structuredOnly: true },
  { key: 'ttftMillisecondsHigh', header: 'TTFT(ms) High', structuredOnly: true },
  { key: 'costPerMillionOutputTokensLow', header: 'Cost/M Output Tokens Low', structuredOnly: true },
  { key: 'costPerMillionOutputTokensHigh', header: 'Cost/M Output Tokens High', structuredOnly: true },
];

/** The row of a candidate that has an operating point. */
export function profileRow(c: Candidate): Row {
  const p = c.point!;
  const u = uncertaintyAt(c);
  return {
    instanceType: c.machine?.name ?? null,
    acceleratorType: c.curve.acceleratorType,
    acceleratorCount: c.curve.acceleratorCount,
    costPerMillionInputTokens: roundOrNull(c.cost?.costPerMillionInputTokens, 3),
    costPerMillionOutputTokens: roundOrNull(c.cost?.costPerMillionOutputTokens, 3),
    outputTokensPerSecond: round(p.outputTokensPerSecond),
    ntpotMilliseconds: round(p.ntpotMilliseconds),
    ttftMilliseconds: roundOrNull(p.ttftMilliseconds),
    modelServer: c.curve.modelServer,
    modelServerVersion: c.curve.modelServerVersion,
    model: c.curve.model,
    source: c.curve.source,
    // the longest request the row is for: JetStream's rows default to 2048 tokens, vLLM's to 8192 (a row to compare like with like)
    maxModelLength: c.maxModelLength,
    // the throughput factor either way of the estimate's band (its high multiplier), null for a measured profile
    band: u ? `x${c.curve.uncertainty!.throughputHighMultiplier.toFixed(2)}` : null,
    operatingPoint: c.pointReason ?? null,
    pointKind: p.kind,
    pricingModel: c.cost?.pricingModel ?? null,
    region: c.cost?.region ?? null,
    costPerHour: c.cost?.costPerHour ?? null,
    podsPerNode: c.podsPerNode,
    // the resolver's band of an estimated operating point (null for measured profiles)
    outputTokensPerSecondLow: roundOrNull(u?.outputTokensPerSecondLow),
    outputTokensPerSecondHigh: roundOrNull(u?.outputTokensPerSecondHigh),
    ntpotMillisecondsLow: roundOrNull(u?.ntpotMillisecondsLow),
    ntpotMillisecondsHigh: roundOrNull(u?.ntpotMillisecondsHigh),
    ttftMillisecondsLow: roundOrNull(u?.ttftMillisecondsLow),
    ttftMillisecondsHigh: roundOrNull(u?.ttftMillisecondsHigh),
    costPerMillionOutputTokensLow: roundOrNull(u?.costPerMillionOutputTokensLow, 3),
    costPerMillionOutputTokensHigh: roundOrNull(u?.costPerMillionOutputTokensHigh, 3),
  };
}

/** Cheapest per million output tokens first (unpriced last), then the highest throughput. */
export function byCostThenThroughput(a: Candidate, b: Candidate): number {
  const ca = a.cost?.costPerMillionOutputTokens;
  const cb = b.cost?.costPerMillionOutputTokens;
  if (ca !== undefined && cb !== undefined && ca !== cb) return ca - cb;
  if (ca !== undefined && cb === undefined) return -1;
  if (ca === undefined && cb !== undefined) return 1;
  return (b.point?.outputTokensPerSecond ?? 0) - (a.point?.outputTokensPerSecond ?? 0);
}
