/**
 * Prices beyond the reference's three regions, read from the same source by the same rule: Cyclenerd/google-cloud-pricing-cost-
 * calculator pricing.yml @fd66b26 (generated weekly from the Cloud Billing Catalog API), `hour`, `hour_spot` and `month_1y` /
 * `month_3y` over 730 of `compute.instance.<machine type>.cost.<region>`.
 */
import { InferenceResolver, PricingModel } from '../src';
import { Catalog } from '../src/catalog/catalog';
import { MACHINE_TYPES } from '../src/catalog/data/machine-types.generated';
import { PRICES } from '../src/catalog/data/prices.generated';
import { regionalPrices } from '../src/catalog/data/regional-prices';

const regional = regionalPrices(MACHINE_TYPES);

test('regional rows add regions only, for machine types whose reference rows come from the same file and commit', () => {
  expect(regional.length).toBeGreaterThan(500);
  const referenceKeys = new Set(PRICES.map((p) => `${p.machineType}|${p.region}`));
  const fromSameFile = new Set(PRICES.filter((p) => p.source.includes('pricing.yml @fd66b26ff84fee5cdd94f341ea89206e76c06b99')).map((p) => p.machineType));
  for (const p of regional) {
    expect(referenceKeys.has(`${p.machineType}|${p.region}`)).toBe(false);
    expect(fromSameFile.has(p.machineType)).toBe(true);
    expect(p.source).toContain(`compute.instance.${p.machineType}.cost.${p.region}`);
    expect(p.scope).toBe('whole-vm');
    expect(p.usdPerHour).toBeGreaterThan(0);
  }
  // per machine and region: Spot and commitments below on-demand
  const price = (m: string, r: string, model: string) =>
    regional.find((p) => p.machineType === m && p.region === r && p.pricingModel === model)?.usdPerHour;
  for (const p of regional.filter((x) => x.pricingModel !== 'on-demand')) {
    const onDemand = price(p.machineType!, p.region, 'on-demand');
    if (onDemand !== undefined) expect(p.usdPerHour).toBeLessThan(onDemand);
  }
  // the figures the cost audit read from pricing.yml @fd66b26: a3-highgpu-1g in asia-northeast1, $15.83/h on demand, $3.24/h Spot
  expect(price('a3-highgpu-1g', 'asia-northeast1', 'on-demand')).toBeCloseTo(15.83, 2);
  expect(price('a3-highgpu-1g', 'asia-northeast1', 'spot')).toBeCloseTo(3.24, 2);
  expect(price('g4-standard-48', 'us-east4', 'on-demand')).toBeCloseTo(4.49993, 3);
});

test('outside the reference regions the choice ranks every priced machine: us-east4 is no longer one family, Europe and Asia resolve', () => {
  // us-east4 held a3-megagpu-8g only: "the cheapest" was the one priced family (the G4 at $4.50/h is 25% cheaper per token)
  const east4 = InferenceResolver.resolve({ model: 'meta-llama/Llama-3.1-8B-Instruct', region: 'us-east4', pricingModel: PricingModel.ON_DEMAND });
  expect(east4.instanceType).toBe('g4-standard-48');
  expect(east4.cost.costPerHour).toBeCloseTo(4.4999, 4);
  for (const region of ['europe-west4', 'asia-northeast1']) {
    const r = InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', region });
    expect(r.cost.costPerMillionOutputTokens).toBeGreaterThan(0);
    expect(r.cost.region).toBe(region);
  }
  expect(Catalog.EMBEDDED.priceRegions().length).toBeGreaterThan(30);
  // a region no source prices is still refused, naming the priced ones
  expect(() => InferenceResolver.resolve({ model: 'google/gemma-2-27b-it', region: 'mars-north1' })).toThrow(/No prices for region 'mars-north1'/);
});
