import { CurveKey, ProfileCurve } from './curve';
import { EstimationContext, estimableKeys, estimatedCurve, estimationContext, keyString } from './estimated-curves';
import { measuredCurves } from './measured-curves';
import { Catalog } from '../catalog/catalog';

interface CatalogCurves {
  readonly measured: readonly ProfileCurve[];
  readonly context: EstimationContext;
  readonly measuredKeys: ReadonlySet<string>;
  readonly byModel: Map<string, readonly ProfileCurve[]>;
  /** `modelledCurve` per combination (the resolver reads the same few curves for every request). */
  readonly modelled: Map<string, ProfileCurve | undefined>;
  all?: readonly ProfileCurve[];
}

const cache = new WeakMap<Catalog, CatalogCurves>();

function curvesOf(catalog: Catalog): CatalogCurves {
  let c = cache.get(catalog);
  if (!c) {
    // measured points calibrate every workload's estimates, but are served as measured only for the workload they were measured on
    const all = measuredCurves(catalog);
    // of a combination measured on several workloads near the catalog's, the nearest (which runs form one curve may still follow the order they were imported in)
    const distance = (m: ProfileCurve) => {
      const w = catalog.workloadOf({ workload: m.measuredWorkload });
      const d = catalog.defaultWorkload;
      return Math.abs(Math.log(w.meanInputTokens / d.meanInputTokens)) + Math.abs(Math.log(w.meanOutputTokens / d.meanOutputTokens));
    };
    const nearest = new Map<string, ProfileCurve>();
    for (const m of all.filter((x) => catalog.servesMeasuredOn(catalog.workloadOf({ workload: x.measuredWorkload })))) {
      const prev = nearest.get(keyString(m));
      if (!prev || distance(m) < distance(prev)) nearest.set(keyString(m), m);
    }
    const measured = all.filter((m) => nearest.get(keyString(m)) === m);
    c = {
      measured, context: estimationContext(catalog, all), measuredKeys: new Set(measured.map(keyString)), byModel: new Map(), modelled: new Map(),
    };
    cache.set(catalog, c);
  }
  return c;
}

function estimatedFor(c: CatalogCurves, model: string): readonly ProfileCurve[] {
  const id = model.toLowerCase();
  let curves = c.byModel.get(id);
  if (!curves) {
    curves = estimableKeys(c.context.catalog)
      .filter((k) => k.model.toLowerCase() === id && !c.measuredKeys.has(keyString(k)))
      .map((k) => estimatedCurve(c.context, k))
      .filter((x): x is ProfileCurve => x !== undefined);
    c.byModel.set(id, curves);
  }
  return curves;
}

/**
 * Every profile curve the library knows for a catalog: the one entry point the resolver and the CLI
 * read curves from. Measured curves (published and imported points) first, then an estimated curve for
 * every other model x server version x GPU accelerator x valid tensor-parallel size whose memory holds
 * the weights and a running sequence; a measured curve takes precedence over the estimate of its
 * combination. Pure and deterministic; computed once per catalog (and per model when `model` is given).
 *
 * @param model only the curves of this Hugging Face id (case-insensitive), which is much cheaper than all of them
 */
export function profileCurves(catalog: Catalog, model?: string): ProfileCurve[] {
  const c = curvesOf(catalog);
  if (model !== undefined) {
    const id = model.toLowerCase();
    return [...c.measured.filter((m) => m.model.toLowerCase() === id), ...estimatedFor(c, id)];
  }
  if (!c.all) c.all = [...c.measured, ...catalog.models.flatMap((m) => estimatedFor(c, m.id))];
  return [...c.all];
}

/**
 * The calibrated performance-model curve of a combination, whether or not it is measured: for a
 * measured combination it passes through the measured points, so it supplies what the measurement
 * did not publish (running batch, waiting queue, KV-cache use at each load) for autoscaling.
 */
export function modelledCurve(catalog: Catalog, key: CurveKey): ProfileCurve | undefined {
  const c = curvesOf(catalog);
  const k = `${keyString(key)}|${key.pipelineParallelSize ?? 1}|${key.tpuHosts ?? 1}`;
  if (c.modelled.has(k)) return c.modelled.get(k);
  // the key's own fields only (a caller may pass a whole curve), so that equal keys give the same curve
  const pure: CurveKey = {
    model: key.model,
    modelServer: key.modelServer,
    modelServerVersion: key.modelServerVersion,
    acceleratorType: key.acceleratorType,
    acceleratorCount: key.acceleratorCount,
    ...(key.pipelineParallelSize !== undefined ? { pipelineParallelSize: key.pipelineParallelSize } : {}),
    ...(key.tpuHosts !== undefined ? { tpuHosts: key.tpuHosts } : {}),
  };
  const curve = estimatedCurve(c.context, pure);
  c.modelled.set(k, curve);
  return curve;
}
