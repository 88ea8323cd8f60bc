import { ResolvedCost } from './resolution';
import { Catalog } from '../catalog/catalog';
import { MachineTypeRecord, PricingModelName } from '../catalog/types';
import { CurvePoint, ProfileCurve } from '../performance/curve';

export function inputTokensPerSecond(catalog: Catalog, point: CurvePoint): { value: number; basis: string } {
  if (point.inputTokensPerSecond !== undefined) {
    return {
      value: point.inputTokensPerSecond,
      basis: point.kind === 'estimated' ? 'estimated with the point (requests/s x mean input tokens of the workload)' : 'published with the point',
    };
  }
  const w = catalog.defaultWorkload;
  return {
    value: (point.outputTokensPerSecond * w.meanInputTokens) / w.meanOutputTokens,
    basis: `output tokens/s x ${w.meanInputTokens}/${w.meanOutputTokens} (mean input/output tokens of the ${w.name} workload)`,
  };
}

export function costAt(
  catalog: Catalog, curve: ProfileCurve, machine: MachineTypeRecord, point: CurvePoint,
  region: string, pricingModel: PricingModelName, ratio: number,
): ResolvedCost {
  // GPU machines: the whole-VM price; TPU machines: chips per VM x the per-chip price
  const price = catalog.machinePrice(machine.name, region, pricingModel);
  const published = {
    publishedCostPerMillionOutputTokens: curve.published?.costPerMillionOutputTokens,
    publishedCostPerMillionInputTokens: curve.published?.costPerMillionInputTokens,
    publishedPricingModel: curve.published?.pricingModel,
  };
  if (!price) return { pricingModel, region, outputInputCostRatio: ratio, ...published };
  const input = inputTokensPerSecond(catalog, point).value;
  // GIQ's formula: $/output token = machine $/s / (input tok/s / ratio + output tok/s); $/input token = that / ratio
  const perOutputToken = price.usdPerHour / 3600 / (input / ratio + point.outputTokensPerSecond);
  return {
    pricingModel,
    region,
    costPerHour: price.usdPerHour,
    costPerMillionOutputTokens: perOutputToken * 1e6,
    costPerMillionInputTokens: (perOutputToken / ratio) * 1e6,
    outputInputCostRatio: ratio,
    priceSnapshotDate: price.snapshotDate,
    priceSource: price.source,
    ...published,
  };
}
