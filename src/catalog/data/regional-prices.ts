/**
 * The regional prices of `regional-prices.generated.ts` as price records: whole-VM rows for the regions the reference prices do
 * not hold, read from the same source by the same rule (see scripts/import-regional-prices.ts).
 */
import { REGIONAL_PRICE_ROWS, REGIONAL_PRICES_COMMIT, REGIONAL_PRICES_SNAPSHOT } from './regional-prices.generated';
import { MachineTypeRecord, PriceRecord, PricingModelName } from '../types';

const MODELS: readonly PricingModelName[] = ['on-demand', 'spot', '1-year-cud', '3-years-cud'];
const NOTES: { readonly [model: string]: string } = {
  'spot': 'spot prices can change up to daily',
  '1-year-cud': 'commitment price per 730-hour month divided by 730',
  '3-years-cud': 'commitment price per 730-hour month divided by 730',
};

/** One record per machine type, region and pricing model the rows price. */
export function regionalPrices(machineTypes: readonly MachineTypeRecord[]): PriceRecord[] {
  const byName = new Map(machineTypes.map((m) => [m.name, m]));
  const out: PriceRecord[] = [];
  for (const [machineType, region, ...figures] of REGIONAL_PRICE_ROWS) {
    const machine = byName.get(machineType);
    if (!machine || machine.acceleratorsPerVm === undefined) continue;
    figures.forEach((usdPerHour, i) => {
      if (usdPerHour === null) return;
      out.push({
        machineType,
        accelerator: machine.accelerator,
        acceleratorCount: machine.acceleratorsPerVm!,
        region,
        pricingModel: MODELS[i],
        usdPerHour,
        usdPerAcceleratorHour: Math.round((usdPerHour / machine.acceleratorsPerVm!) * 1e4) / 1e4,
        scope: 'whole-vm',
        snapshotDate: REGIONAL_PRICES_SNAPSHOT,
        notes: NOTES[MODELS[i]] ?? '',
        source: `Cyclenerd/google-cloud-pricing-cost-calculator pricing.yml @${REGIONAL_PRICES_COMMIT} (generated weekly from the Cloud Billing `
          + `Catalog API), compute.instance.${machineType}.cost.${region}`,
        trust: 'B',
      });
    });
  }
  return out;
}
