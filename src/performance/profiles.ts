import { Catalog } from '../catalog/catalog';
import { ProfileCurve } from './curve';
import { measuredCurves } from './measured-curves';

/**
 * Every profile curve the library knows for a catalog: the one entry point the resolver and the CLI
 * read curves from. Measured curves today; the performance model adds estimated curves for the
 * combinations without measurements.
 */
export function profileCurves(catalog: Catalog): ProfileCurve[] {
  return measuredCurves(catalog);
}
