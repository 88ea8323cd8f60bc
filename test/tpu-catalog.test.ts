import { Catalog } from '../src/catalog/catalog';

const catalog = Catalog.EMBEDDED;

test('topologies per TPU type, fewest chips first, with chips per VM, hosts and scope', () => {
  const v6e = catalog.tpuTopologiesFor('tpu-v6e-slice');
  expect(v6e.map((t) => t.topology)).toEqual(['1x1', '2x2', '2x4', '4x4', '4x8', '8x8', '8x16', '16x16']);
  expect(catalog.tpuTopology('tpu-v6e-slice', '4x4')).toMatchObject({ chips: 16, chipsPerVm: 4, gkeNodes: 4, scope: 'multi-host' });
  expect(catalog.singleHostTpuTopologies('tpu-v5-lite-podslice').map((t) => [t.topology, t.chips, t.machineType])).toEqual([
    ['1x1', 1, 'ct5lp-hightpu-1t'], ['2x2', 4, 'ct5lp-hightpu-4t'], ['2x4', 8, 'ct5lp-hightpu-8t'],
  ]);
  expect(catalog.singleHostTpuTopologies('tpu-v5p-slice').map((t) => t.topology)).toEqual(['2x2x1']);
  expect(catalog.singleHostTpuTopologies('tpu7x').map((t) => t.topology)).toEqual(['2x2x1']);
  expect(catalog.singleHostTpuTopology('tpu-v6e-slice', 8)?.topology).toBe('2x4');
  expect(catalog.singleHostTpuTopology('tpu-v6e-slice', 16)).toBeUndefined();
  expect(catalog.tpuTopologiesFor('nvidia-l4')).toEqual([]);
  // a TPU machine carries the chips of its single-VM slices
  expect(catalog.acceleratorCountsPerMachine('tpu-v6e-slice')).toEqual([1, 4, 8]);
  expect(catalog.acceleratorCountsPerMachine('tpu7x')).toEqual([4]);
});

test('TPU cost per hour = chips x per-chip price; a missing price is absent, never zero', () => {
  expect(catalog.tpuChipPrice('tpu-v6e-slice', 'us-central1', 'on-demand')?.usdPerChipHour).toBe(2.7);
  expect(catalog.tpuCostPerHour('tpu-v6e-slice', 8, 'us-central1', 'on-demand')).toBeCloseTo(21.6, 10);
  expect(catalog.tpuCostPerHour('tpu-v5-lite-podslice', 4, 'us-central1', 'spot')).toBeCloseTo(4 * 0.213, 10);
  expect(catalog.tpuCostPerHour('tpu7x', 4, 'us-central1', 'on-demand')).toBeUndefined();
  expect(catalog.tpuCostPerHour('tpu-v6e-slice', 8, 'us-central1', '1-year-cud')).toBeUndefined();
  expect(catalog.tpuCostPerHour('tpu-v6e-slice', 8, 'europe-west4', 'spot')).toBeUndefined();
  const vm = catalog.machinePrice('ct6e-standard-8t', 'us-central1', 'spot')!;
  expect(vm.usdPerHour).toBeCloseTo(8 * 0.6483, 10);
  expect(vm.basis).toMatch(/^8 chips x \$0.6483\/chip-hour/);
  expect(catalog.machinePrice('tpu7x-standard-4t', 'us-central1', 'spot')).toBeUndefined();
  // GPU machines keep their whole-VM price
  expect(catalog.machinePrice('a3-highgpu-1g', 'us-central1', 'spot')?.usdPerHour).toBe(catalog.wholeVmPrice('a3-highgpu-1g', 'us-central1', 'spot')!.usdPerHour);
});
