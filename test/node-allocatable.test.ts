import { Catalog } from '../src/catalog/catalog';
import {
  bootDiskEphemeralGiB, bootDiskFor, gkeReservedCpu, gkeReservedMemoryGiB, localSsdEphemeralAutomatic, localSsdEphemeralGiB, nodeAllocatable,
} from '../src/catalog/node-allocatable';

// Figures computed by hand from GKE's "Plan GKE Standard node sizes" (memory and CPU reservation tables,
// local ephemeral storage reservation), not from the code.
const machine = (name: string) => Catalog.EMBEDDED.machineTypes.find((m) => m.name === name)!;

test('CPU reservation: the doc\'s example 4-vCPU node has 3920m allocatable', () => {
  // 6% of the first core + 1% of the second + 0.5% of cores 3-4 = 0.06 + 0.01 + 0.01
  expect(4 - gkeReservedCpu(4)).toBeCloseTo(3.92, 6);
  // g2-standard-48: + 0.25% of the 44 cores above 4 = 0.19
  expect(gkeReservedCpu(48)).toBeCloseTo(0.06 + 0.01 + 0.01 + 44 * 0.0025, 6);
});

test('memory reservation: 25/20/10/6/2% tiers plus the 100 MiB eviction threshold', () => {
  // n1-standard-4, 15 GiB: 25% of 4 + 20% of 4 + 10% of 7 = 2.5 GiB, + 100 MiB
  expect(gkeReservedMemoryGiB(15)).toBeCloseTo(2.5 + 100 / 1024, 6);
  // g2-standard-48, 192 GiB: 1 + 0.8 + 0.8 + 6.72 + 2% of 64 = 10.6 GiB, + 100 MiB
  expect(gkeReservedMemoryGiB(192)).toBeCloseTo(10.6 + 100 / 1024, 6);
  // a published n2-standard-4 node: capacity.memory 16380004Ki (the kernel's MemTotal, not 16 GiB), allocatable 13591652Ki; the tiers
  // over that capacity give the allocatable to 1 MiB
  const capacity = 16380004 / 1024 ** 2;
  expect(Math.abs(capacity - gkeReservedMemoryGiB(capacity) - 13591652 / 1024 ** 2)).toBeLessThan(1 / 1024);
  const node = nodeAllocatable(machine('g2-standard-48'));
  // g2-standard-48's node: 192 GiB x that share of capacity, less its tiers, less GKE's DaemonSets (1 GiB, 0.75 core, our estimate)
  const g2 = 192 * (16380004 / (16 * 1024 ** 2));
  expect(node.memoryGiB).toBeCloseTo(g2 - gkeReservedMemoryGiB(g2) - 1, 6);
  expect(node.memoryGiB).toBeLessThan(192 - gkeReservedMemoryGiB(192) - 1 - 4);
  expect(node.cpu).toBeCloseTo(48 - 0.19 - 0.75, 6);
});

test('boot disk ephemeral storage: a default 100 GB disk leaves 43.8 GiB, GKE\'s example node to the byte', () => {
  // the doc's example node (100 GB boot disk) reports ephemeral-storage capacity 98831908Ki and allocatable "47060071478"
  // ("Plan GKE Standard node sizes"; three published nodes show the same pair)
  const fs = 98831908 / 1024 ** 2;
  expect(bootDiskEphemeralGiB(100) * 1024 ** 3).toBeCloseTo(47060071478, -3);
  // 10% of the file system for eviction + min(50%, 6 GiB + 35%, 100 GiB) of the disk's size for the system
  expect(bootDiskEphemeralGiB(100)).toBeCloseTo(fs * 0.9 - (6 + 0.35 * 100), 6);
  // a 500 GB disk: the 100 GiB cap of the system reservation applies above (100-6)/0.35 = 269 GB of disk
  const fs500 = fs * 5;
  expect(bootDiskEphemeralGiB(500)).toBeCloseTo(fs500 * 0.9 - 100, 6);
  // the smallest disk for 61 GiB is found in steps of 10 GB and really leaves it
  const d = bootDiskFor(61);
  expect(bootDiskEphemeralGiB(d)).toBeGreaterThanOrEqual(61);
  expect(bootDiskEphemeralGiB(d - 10)).toBeLessThan(61);
});

test('local SSD ephemeral storage: 10% eviction and 50/75/100 GiB system reservation', () => {
  expect(localSsdEphemeralGiB(1)).toBeCloseTo(375 * 0.9 - 50, 6);
  expect(localSsdEphemeralGiB(2)).toBeCloseTo(750 * 0.9 - 75, 6);
  expect(localSsdEphemeralGiB(16)).toBeCloseTo(6000 * 0.9 - 100, 6);
  // A3 and newer put ephemeral storage on local SSD automatically; A2 Ultra bundles local SSD but needs the node-pool flag
  expect(localSsdEphemeralAutomatic('a3-highgpu-8g')).toBe(true);
  expect(localSsdEphemeralAutomatic('a2-ultragpu-1g')).toBe(false);
  expect(localSsdEphemeralAutomatic('g2-standard-48')).toBe(false);
  expect(nodeAllocatable(machine('a2-ultragpu-1g')).ephemeralStorageOn).toBe('boot-disk');
  expect(nodeAllocatable(machine('a2-ultragpu-1g'), 100, true).ephemeralStorageGiB).toBeCloseTo(375 * 0.9 - 50, 6);
});

test('every catalog machine type has a node model with positive allocatable resources', () => {
  for (const m of Catalog.EMBEDDED.machineTypes) {
    const n = nodeAllocatable(m);
    expect(n.cpu).toBeGreaterThan(0);
    expect(n.memoryGiB).toBeGreaterThan(0);
    expect(n.memoryGiB).toBeLessThan(m.ramGb);
    expect(n.ephemeralStorageGiB).toBeGreaterThan(40);
  }
});
