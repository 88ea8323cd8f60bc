import { CurveKey, CurvePoint, ProfileCurve } from './curve';
import { Catalog, measuredOn } from '../catalog/catalog';
import { MeasuredWorkload } from '../catalog/types';

/** How far the mean lengths of one sweep's runs (one per load) may differ and still form one curve. */
const RUN_GROUPING_TOLERANCE = 0.15;

function keyOf(k: CurveKey, w: MeasuredWorkload | undefined): string {
  return [k.model.toLowerCase(), k.modelServer, k.modelServerVersion, k.acceleratorType, k.acceleratorCount,
    w === undefined ? '' : `${w.meanInputTokens}/${w.meanOutputTokens}`].join('|');
}

/**
 * Curves built from the catalog's measured points only: points of one combination and workload form one curve;
 * nothing is invented. The instance type is taken from the source, or inferred as the only machine
 * type with that accelerator count (and marked inferred). Points go by increasing load: NTPOT, then
 * throughput (past saturation a real curve's throughput dips while its latency keeps rising).
 */
export function measuredCurves(catalog: Catalog): ProfileCurve[] {
  // points gathered per combination first, sorted once: a large import stays linear
  const groups = new Map<string, Omit<ProfileCurve, 'points' | 'citation'> & { points: CurvePoint[]; citation: string; sources: Set<string> }>();
  const workloadsOf = new Map<string, MeasuredWorkload[]>();
  for (const m of catalog.measuredPoints) {
    const key: CurveKey = {
      model: m.model,
      modelServer: m.modelServer,
      modelServerVersion: m.modelServerVersion,
      acceleratorType: m.accelerator,
      acceleratorCount: m.acceleratorCount,
    };
    const point = {
      outputTokensPerSecond: m.outputTokensPerSecond,
      ntpotMilliseconds: m.ntpotMilliseconds,
      ttftMilliseconds: m.ttftMilliseconds,
      inputTokensPerSecond: m.inputTokensPerSecond,
      kind: 'measured' as const,
    };
    // the runs of one workload at several loads have somewhat different means: a point joins the first curve within 15% of its own;
    // the ShareGPT runs, as GIQ counted them or with their own means, form one curve, of GIQ's workload once any run is
    const base = keyOf(key, undefined);
    let workload = m.workload;
    let group = base;
    if (workload === undefined || workload.shareGpt === true) {
      const family = groups.get(base);
      if (family !== undefined && family.measuredWorkload !== undefined && workload === undefined) {
        (family as { measuredWorkload?: MeasuredWorkload }).measuredWorkload = undefined;
      }
    } else {
      const known = workloadsOf.get(base) ?? [];
      const near = known.find((w) => measuredOn(workload!, w, RUN_GROUPING_TOLERANCE));
      if (near) workload = near;
      else workloadsOf.set(base, [...known, workload]);
      group = keyOf(key, workload);
    }
    const existing = groups.get(group);
    if (existing) {
      existing.points.push(point);
      if (!existing.sources.has(m.source)) {
        existing.sources.add(m.source);
        existing.citation = `${existing.citation}; ${m.source}`;
      }
      continue;
    }
    const machines = catalog.machineTypesFor(m.accelerator, m.acceleratorCount);
    const inferred = m.instanceType === undefined && machines.length === 1 ? machines[0].name : undefined;
    groups.set(group, {
      ...key,
      ...(workload ? { measuredWorkload: workload } : {}),
      instanceType: m.instanceType ?? inferred,
      instanceTypeInferred: m.instanceType === undefined,
      source: 'measured',
      points: [point],
      sources: new Set([m.source]),
      citation: m.source,
      note: [m.query, m.notes].filter((s) => s).join('; '),
      published: m.publishedUsdPerMillionOutputTokens !== undefined || m.publishedUsdPerMillionInputTokens !== undefined
        ? {
          costPerMillionOutputTokens: m.publishedUsdPerMillionOutputTokens,
          costPerMillionInputTokens: m.publishedUsdPerMillionInputTokens,
          pricingModel: m.publishedPricingModel,
        }
        : undefined,
    });
  }
  return [...groups.values()].map(({ sources, ...curve }) => ({
    ...curve,
    points: curve.points.sort((a, b) => a.ntpotMilliseconds - b.ntpotMilliseconds || a.outputTokensPerSecond - b.outputTokensPerSecond),
  }));
}

export function curveKeyString(k: CurveKey): string {
  return `${k.model} / ${k.modelServer} ${k.modelServerVersion} / ${k.acceleratorCount} x ${k.acceleratorType}`;
}
