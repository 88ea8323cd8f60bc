import { ACCELERATORS } from './data/accelerators.generated';
import { ATTENTION_WINDOWS, EXTRA_MODELS, MIN_MODEL_SERVER_RELEASE, knownTiedEmbeddings } from './data/extra-models';
import { LARGE_MOE_MODELS, fp8CheckpointRecords } from './data/large-models';
import { MACHINE_TYPES } from './data/machine-types.generated';
import { MEASURED_POINTS } from './data/measured-profiles.generated';
import { MODELS } from './data/models.generated';
import { PRICES } from './data/prices.generated';
import { regionalPrices } from './data/regional-prices';
import { RUNTIME_MEMORY } from './data/runtime-memory';
import { TPU_CHIP_PRICES, TPU_TOPOLOGIES } from './data/tpu.generated';
import { SHAREGPT_DISTRIBUTION, USE_CASES } from './data/use-cases.generated';
import { defaultMaxModelLength, preallocatesDecodeSlots } from './model-length';
import { MODEL_SERVERS, ModelServerRecord, ModelServerVersionRecord, compareReleases } from './model-servers';
import {
  AcceleratorRecord,
  MachineTypeRecord,
  MeasuredPointRecord,
  LoraSlots,
  MeasuredWorkload,
  ModelRecord,
  PriceRecord,
  PricingModelName,
  TokenDistributionRecord,
  TpuChipPriceRecord,
  TpuTopologyRecord,
  UseCaseRecord,
} from './types';
import { KvCacheDtype, WeightPrecision, embeddingTablesGb, weightsGbFor } from './weight-formats';
import { byCodePoint } from '../util/compare';

/** The hourly price of one machine (a GPU VM, or a TPU VM priced per chip), with where it comes from. */
export interface MachinePrice {
  readonly usdPerHour: number;
  readonly snapshotDate?: string;
  readonly source: string;
  /** How the price was obtained, e.g. `whole-VM price` or `4 chips x $2.7/chip-hour`. */
  readonly basis: string;
}

/** The workload a profile is computed for: mean tokens per request. */
export interface Workload {
  readonly name: string;
  readonly meanInputTokens: number;
  readonly meanOutputTokens: number;
  readonly source: string;
  /** A measured run of ShareGPT with other means than GIQ's (`MeasuredWorkload.shareGpt`). */
  readonly shareGpt?: boolean;
}

/** What a catalog is built from. */
export interface CatalogData {
  readonly models: readonly ModelRecord[];
  readonly accelerators: readonly AcceleratorRecord[];
  readonly machineTypes: readonly MachineTypeRecord[];
  readonly prices: readonly PriceRecord[];
  readonly measuredPoints: readonly MeasuredPointRecord[];
  readonly modelServers: readonly ModelServerRecord[];
  readonly useCases: readonly UseCaseRecord[];
  readonly shareGpt: readonly TokenDistributionRecord[];
  readonly tpuTopologies: readonly TpuTopologyRecord[];
  readonly tpuChipPrices: readonly TpuChipPriceRecord[];
  /**
   * The workload profiles are computed for.
   * @default the workload the measured points were taken on (ShareGPT)
   */
  readonly workload?: Workload;
  /**
   * The weight format and KV-cache dtype profiles are computed for (the model records' weights follow it).
   * @default as the checkpoints ship, with a KV cache in the model's dtype
   */
  readonly precision?: { readonly weights: WeightPrecision; readonly kvCache: KvCacheDtype };
  /**
   * The catalog whose model records the measured points were taken with (a precision variant changes the records).
   * @default this catalog
   */
  readonly measurementBase?: Catalog;
  /**
   * The longest request profiles are computed for. Only the curves of a server that preallocates its decode slots at full length
   * (JetStream, `preallocatesDecodeSlots`) depend on it: it sets how many requests run at once.
   * @default each model's default for the workload (`defaultMaxModelLength`)
   */
  readonly maxModelLength?: number;
  /**
   * The LoRA adapter slots vLLM preallocates (`--max-loras` x `--max-lora-rank`): profiles are computed with the KV cache less
   * them, so every profile is the calibrated estimate (the measured points were taken without adapters).
   * @default no LoRA slots
   */
  readonly loraSlots?: LoraSlots;
}

/** How far a measured run's mean lengths may be from a workload's for its points to be served as measured on it. */
export const MEASURED_WORKLOAD_TOLERANCE = 0.05;

/**
 * How far an imported run's mean lengths may be from ShareGPT's as GIQ benchmarks it and still be a ShareGPT run: the same dataset
 * counted with another tokenizer, filtered at other lengths, or sampled at a low rate moves the means by tens of percent, where
 * another use case moves them several-fold.
 */
export const SHAREGPT_RUN_TOLERANCE = 0.25;

/**
 * Whether points measured on `measured` are measurements of `workload`: both mean lengths within `tolerance` (by default
 * `MEASURED_WORKLOAD_TOLERANCE`: a run's means vary a little with the prompts it samples).
 */
export function measuredOn(
  measured: { meanInputTokens: number; meanOutputTokens: number }, workload: { meanInputTokens: number; meanOutputTokens: number },
  tolerance: number = MEASURED_WORKLOAD_TOLERANCE,
): boolean {
  const near = (a: number, b: number) => Math.abs(a / b - 1) <= tolerance;
  return near(measured.meanInputTokens, workload.meanInputTokens) && near(measured.meanOutputTokens, workload.meanOutputTokens);
}

/** Whether two workloads have the same mean lengths (names aside). */
export function sameWorkload(a: Workload, b: Workload): boolean {
  return a.meanInputTokens === b.meanInputTokens && a.meanOutputTokens === b.meanOutputTokens;
}

/** A generated or hand-written model record with the attention window and server release of the hand-written tables. */
function withPerformanceFacts(m: ModelRecord): ModelRecord {
  const window = ATTENTION_WINDOWS[m.id.toLowerCase()];
  const release = MIN_MODEL_SERVER_RELEASE[m.id.toLowerCase()];
  return {
    ...m,
    ...(window && m.slidingWindowTokens === undefined
      ? { slidingWindowTokens: window.slidingWindowTokens, slidingWindowLayers: window.slidingWindowLayers } : {}),
    ...(release && m.minModelServerRelease === undefined ? { minModelServerRelease: release.release } : {}),
    ...(m.tiedEmbeddings === undefined && knownTiedEmbeddings(m.id) ? { tiedEmbeddings: true } : {}),
    // models.csv's hub_weight_format names the format a quantized row ships in: gpt-oss's "MoE weights in MXFP4" (the
    // routed experts in MXFP4, attention, router and embeddings in bf16), so the record says it
    ...(m.checkpointFormat === undefined && /^MoE weights in MXFP4\b/.test(m.hubWeightFormat) ? { checkpointFormat: 'mxfp4-experts' as const } : {}),
  };
}

/** The whole-VM prices by machine type, region and pricing model (the first row of each), and the machine types with any. */
interface PriceIndex {
  /** Machine type, then region, then pricing model. */
  readonly wholeVm: Map<string, Map<string, Map<string, PriceRecord>>>;
  readonly priced: Set<string>;
}

/** Price indexes per price table: the catalogs derived from one (per workload, precision, model length) share its index. */
const PRICE_INDEXES = new WeakMap<readonly PriceRecord[], PriceIndex>();

function priceIndex(prices: readonly PriceRecord[]): PriceIndex {
  let index = PRICE_INDEXES.get(prices);
  if (index === undefined) {
    const wholeVm = new Map<string, Map<string, Map<string, PriceRecord>>>();
    for (const p of prices) {
      if (p.scope !== 'whole-vm' || p.machineType === undefined) continue;
      let byRegion = wholeVm.get(p.machineType);
      if (byRegion === undefined) wholeVm.set(p.machineType, byRegion = new Map());
      let byModel = byRegion.get(p.region);
      if (byModel === undefined) byRegion.set(p.region, byModel = new Map());
      if (!byModel.has(p.pricingModel)) byModel.set(p.pricingModel, p);
    }
    index = { wholeVm, priced: new Set(wholeVm.keys()) };
    PRICE_INDEXES.set(prices, index);
  }
  return index;
}

/** Everything the resolver knows, indexed. Pure data: no cdk8s, no I/O. */
export class Catalog {
  /** The catalog embedded in this package. */
  public static readonly EMBEDDED = new Catalog({
    models: [...MODELS, ...EXTRA_MODELS, ...LARGE_MOE_MODELS, ...fp8CheckpointRecords([...MODELS, ...EXTRA_MODELS])].map(withPerformanceFacts),
    accelerators: ACCELERATORS.map((a) => (RUNTIME_MEMORY[a.gkeLabel]
      ? { ...a, runtimeMemoryGb: RUNTIME_MEMORY[a.gkeLabel].bytes / 1e9, runtimeMemorySource: RUNTIME_MEMORY[a.gkeLabel].source } : a)),
    machineTypes: MACHINE_TYPES,
    // the reference rows, then the same source's figures for the regions they do not hold
    prices: [...PRICES, ...regionalPrices(MACHINE_TYPES)],
    measuredPoints: MEASURED_POINTS,
    modelServers: MODEL_SERVERS,
    useCases: USE_CASES,
    shareGpt: SHAREGPT_DISTRIBUTION,
    tpuTopologies: TPU_TOPOLOGIES,
    tpuChipPrices: TPU_CHIP_PRICES,
  });

  public readonly models: readonly ModelRecord[];
  public readonly accelerators: readonly AcceleratorRecord[];
  public readonly machineTypes: readonly MachineTypeRecord[];
  public readonly prices: readonly PriceRecord[];
  public readonly measuredPoints: readonly MeasuredPointRecord[];
  public readonly modelServers: readonly ModelServerRecord[];
  public readonly useCases: readonly UseCaseRecord[];
  public readonly tpuTopologies: readonly TpuTopologyRecord[];
  public readonly tpuChipPrices: readonly TpuChipPriceRecord[];
  /**
   * The workload profiles are computed for: ShareGPT as GIQ benchmarks it (its published means) unless the catalog was
   * made for another with `withWorkload`.
   */
  public readonly defaultWorkload: Workload;
  /** The workload the measured (published and imported) points were taken on: ShareGPT, as GIQ benchmarks it. */
  public readonly measuredWorkload: Workload;
  /** Whether profiles are for the workload the measured points were taken on. */
  public readonly workloadIsMeasured: boolean;
  /** The weight format profiles are computed for. */
  public readonly weightPrecision: WeightPrecision;
  /** The KV-cache dtype profiles are computed for. */
  public readonly kvCacheDtype: KvCacheDtype;
  /** The LoRA adapter slots profiles are computed with (`withLoraSlots`), or undefined. */
  public readonly loraSlots?: LoraSlots;
  /** The catalog with the model records the measured points were taken with (itself unless this is a precision variant). */
  public readonly measurementCatalog: Catalog;
  /** Whether profiles are for the precision measured points are taken at (as the checkpoint ships, no LoRA slots). */
  public readonly servesMeasuredPrecision: boolean;
  private readonly precisionCatalogs = new Map<string, Catalog>();
  /** Workload, model-length and LoRA variants of this catalog (`variant`). */
  private readonly variants = new Map<string, Catalog>();
  /** Sorted and filtered views of the (immutable) records, computed once; callers get copies. */
  private readonly views = new Map<string, readonly unknown[]>();

  private readonly modelsById: Map<string, ModelRecord>;
  private readonly acceleratorsByLabel: Map<string, AcceleratorRecord>;
  /** Machine types with a whole-VM price in any region and pricing model. */
  private readonly pricedMachineTypes: Set<string>;

  private readonly data: CatalogData;

  constructor(data: CatalogData) {
    this.data = data;
    this.models = data.models;
    this.accelerators = data.accelerators;
    this.machineTypes = data.machineTypes;
    this.prices = data.prices;
    this.measuredPoints = data.measuredPoints;
    this.modelServers = data.modelServers;
    this.useCases = data.useCases;
    this.tpuTopologies = data.tpuTopologies;
    this.tpuChipPrices = data.tpuChipPrices;
    this.modelsById = new Map(data.models.map((m) => [m.id.toLowerCase(), m]));
    this.acceleratorsByLabel = new Map(data.accelerators.map((a) => [a.gkeLabel, a]));
    this.pricedMachineTypes = priceIndex(data.prices).priced;
    const mean = (direction: 'input' | 'output') => {
      const row = data.shareGpt.find((r) => r.direction === direction && r.statistic === 'mean');
      if (!row) throw new Error(`catalog: the ShareGPT distribution has no ${direction} mean`);
      return row;
    };
    const input = mean('input');
    const output = mean('output');
    this.measuredWorkload = {
      name: 'ShareGPT',
      meanInputTokens: input.tokens,
      meanOutputTokens: output.tokens,
      source: input.source,
    };
    this.defaultWorkload = data.workload ?? this.measuredWorkload;
    this.workloadIsMeasured = sameWorkload(this.defaultWorkload, this.measuredWorkload);
    this.weightPrecision = data.precision?.weights ?? WeightPrecision.CHECKPOINT;
    this.kvCacheDtype = data.precision?.kvCache ?? KvCacheDtype.AUTO;
    this.measurementCatalog = data.measurementBase ?? this;
    this.loraSlots = data.loraSlots;
    this.servesMeasuredPrecision = this.weightPrecision === WeightPrecision.CHECKPOINT && this.kvCacheDtype === KvCacheDtype.AUTO
      && this.loraSlots === undefined;
  }

  /** The workload a measured point was taken on: its own, or the catalog's measured workload (ShareGPT). */
  public workloadOf(point: { readonly workload?: MeasuredWorkload }): Workload {
    const w = point.workload;
    return w === undefined ? this.measuredWorkload : { ...w, source: 'the imported benchmark\'s own mean lengths' };
  }

  /** Whether points measured on a workload are served as measured by this catalog (its precision, and its workload within 5%). */
  public servesMeasuredOn(workload: { meanInputTokens: number; meanOutputTokens: number; shareGpt?: boolean }): boolean {
    return this.servesMeasuredPrecision && (measuredOn(workload, this.defaultWorkload) || (workload.shareGpt === true && this.workloadIsMeasured));
  }

  /**
   * This catalog with profiles computed for a weight format and KV-cache dtype: the model records carry the format's
   * weight bytes; the compute peak and what the hardware refuses follow per accelerator (`precision.ts`). Cached.
   */
  public withPrecision(weights: WeightPrecision, kvCache: KvCacheDtype): Catalog {
    if (weights === this.weightPrecision && kvCache === this.kvCacheDtype) return this;
    const key = `${weights}|${kvCache}`;
    let c = this.precisionCatalogs.get(key);
    if (!c) {
      const base = this.measurementCatalog;
      c = new Catalog({
        ...base.data,
        workload: this.data.workload,
        maxModelLength: this.data.maxModelLength,
        loraSlots: this.data.loraSlots,
        precision: { weights, kvCache },
        measurementBase: base,
        // a one-byte KV cache (vLLM's --kv-cache-dtype=fp8, JetStream's int8 quantize_kvcache) holds half the bf16 bytes per
        // token: the memory budget (the tokens that fit next to the weights, so the 'maxModelLength' check) counts that; the
        // estimator sizes the KV from the architecture and the precision plan's bytes per element
        models: base.models.map((m) => {
          const weightsGb = weightsGbFor(m, weights);
          return {
            ...m,
            checkpointWeightsGb: weightsGb,
            ...(weightsGb === m.checkpointWeightsGb ? {} : {
              checkpointWeightsNote: `${weights}: the linear layers of the bf16 weights in ${weights}, the embedding tables (${embeddingTablesGb(m).toFixed(2)} GB) in bf16`,
            }),
            ...(kvCache === KvCacheDtype.INT8 || kvCache === KvCacheDtype.FP8 ? { kvCacheKibPerTokenBf16: m.kvCacheKibPerTokenBf16 / 2 } : {}),
          };
        }),
      });
      this.precisionCatalogs.set(key, c);
    }
    return c;
  }

  /**
   * This catalog with profiles computed for another workload (the same records and measured points); the same
   * catalog when the workload is the one profiles are already for. Cached, so curves computed for it are reused.
   */
  public withWorkload(workload: Workload): Catalog {
    if (sameWorkload(workload, this.defaultWorkload)) return this;
    return this.variant(`workload|${workload.meanInputTokens}|${workload.meanOutputTokens}|${workload.name}`, { workload });
  }

  /**
   * This catalog with profiles computed for requests of up to `maxModelLength` tokens: only a server that preallocates its decode
   * slots at full length (JetStream) runs fewer requests at once for a longer limit. Cached.
   */
  public withMaxModelLength(maxModelLength: number): Catalog {
    if (maxModelLength === this.data.maxModelLength) return this;
    return this.variant(`length|${maxModelLength}`, { maxModelLength });
  }

  /**
   * This catalog with profiles computed for a vLLM server with LoRA adapter slots: vLLM preallocates them before it sizes the KV
   * cache, so fewer sequences run at once. Cached.
   */
  public withLoraSlots(slots: LoraSlots): Catalog {
    const current = this.data.loraSlots;
    const own: LoraSlots = {
      maxLoras: slots.maxLoras,
      maxLoraRank: slots.maxLoraRank,
      hostBytesPerWorker: slots.hostBytesPerWorker ?? 0,
      downloadBytes: slots.downloadBytes ?? 0,
    };
    if (current && current.maxLoras === own.maxLoras && current.maxLoraRank === own.maxLoraRank
      && current.hostBytesPerWorker === own.hostBytesPerWorker && current.downloadBytes === own.downloadBytes) return this;
    return this.variant(`lora|${own.maxLoras}|${own.maxLoraRank}|${own.hostBytesPerWorker}|${own.downloadBytes}`, { loraSlots: own });
  }

  /** This catalog with some of the data replaced, the same measured points and model records, made once per key. */
  private variant(key: string, changes: Partial<CatalogData>): Catalog {
    let c = this.variants.get(key);
    if (!c) {
      c = new Catalog({ ...this.data, ...changes, measurementBase: this.measurementCatalog });
      this.variants.set(key, c);
    }
    return c;
  }

  /**
   * The longest request the profiles of a model on a server are computed for: the catalog's `maxModelLength`, else the model's
   * default for the catalog's workload on that server (`defaultMaxModelLength`).
   */
  public maxModelLengthFor(model: ModelRecord, server: ModelServerRecord): number {
    return this.data.maxModelLength ?? defaultMaxModelLength(model, this.defaultWorkload, preallocatesDecodeSlots(server));
  }

  /** A new catalog with some of the data replaced. */
  public withData(changes: Partial<CatalogData>): Catalog {
    return new Catalog({ ...this.data, ...changes });
  }

  /**
   * A view of the records computed once per key; a copy is returned, so a caller cannot change the next caller's. `owner`, when
   * given, is the array the view is derived from: a server record passed in from outside the catalog is not remembered.
   */
  private view<T>(key: string, compute: () => T[], owner?: readonly unknown[]): T[] {
    if (owner !== undefined && !this.modelServers.some((s) => s.versions === owner)) return compute();
    let v = this.views.get(key) as T[] | undefined;
    if (!v) this.views.set(key, v = compute());
    return [...v];
  }

  /** A model by its Hugging Face id (case-insensitive, as the Hub resolves ids). */
  public model(id: string): ModelRecord | undefined {
    return this.modelsById.get(id.toLowerCase());
  }

  public accelerator(label: string): AcceleratorRecord | undefined {
    return this.acceleratorsByLabel.get(label);
  }

  public modelServer(name: string): ModelServerRecord | undefined {
    return this.modelServers.find((s) => s.name === name.toLowerCase());
  }

  /** A server's version record, or undefined. */
  public modelServerVersion(server: ModelServerRecord, version: string): ModelServerVersionRecord | undefined {
    return server.versions.find((v) => v.version === version);
  }

  /** Versions of a server, newest first. */
  public versionsNewestFirst(server: ModelServerRecord): ModelServerVersionRecord[] {
    return this.view(`versions|${server.name}|${server.versions.length}`, () => [...server.versions].sort((a, b) => compareReleases(b.baseRelease, a.baseRelease)),
      server.versions);
  }

  /**
   * Machine types that carry `count` accelerators of a type, smallest first; among equal sizes, the
   * ones the price table covers come first (a3-highgpu-8g before the unpriced a3-edgegpu-8g).
   */
  public machineTypesFor(accelerator: string, count: number): MachineTypeRecord[] {
    const priced = (m: MachineTypeRecord) => (this.pricedMachineTypes.has(m.name) ? 0 : 1);
    return this.view(`machines|${accelerator}|${count}`, () => this.machineTypes
      .filter((m) => m.accelerator === accelerator
        && (m.acceleratorsPerVm === count || (m.acceleratorsPerVm === undefined && (m.attachableAcceleratorCounts ?? []).includes(count))))
      .sort((a, b) => a.vcpu - b.vcpu || a.ramGb - b.ramGb || priced(a) - priced(b) || byCodePoint(a.name, b.name)));
  }

  /**
   * Accelerator counts a single machine of this accelerator type can carry, ascending. For a TPU: the
   * chips of its single-VM slices (sub-host and single-host topologies), since a TPU VM is provisioned
   * as a slice with a topology.
   */
  public acceleratorCountsPerMachine(accelerator: string): number[] {
    return this.view(`counts|${accelerator}`, () => this.acceleratorCountsPerMachineUncached(accelerator));
  }

  private acceleratorCountsPerMachineUncached(accelerator: string): number[] {
    if (this.accelerator(accelerator)?.family === 'tpu') {
      return [...new Set(this.singleHostTpuTopologies(accelerator).map((t) => t.chips))].sort((a, b) => a - b);
    }
    const counts = new Set<number>();
    for (const m of this.machineTypes.filter((x) => x.accelerator === accelerator)) {
      if (m.acceleratorsPerVm !== undefined) counts.add(m.acceleratorsPerVm);
      for (const c of m.attachableAcceleratorCounts ?? []) counts.add(c);
    }
    return [...counts].sort((a, b) => a - b);
  }

  /** The whole-VM price of a machine type, or undefined when the catalog has none (never zero). */
  public wholeVmPrice(machineType: string, region: string, pricingModel: PricingModelName): PriceRecord | undefined {
    return priceIndex(this.prices).wholeVm.get(machineType)?.get(region)?.get(pricingModel);
  }

  /** Regions that have any price. */
  public priceRegions(): string[] {
    return this.view('regions', () => [...new Set([...this.prices.map((p) => p.region), ...this.tpuChipPrices.map((p) => p.region)])].sort());
  }

  /** The slice shapes of a TPU type, fewest chips first (undefined-free: empty for GPUs and unknown labels). */
  public tpuTopologiesFor(accelerator: string): TpuTopologyRecord[] {
    return this.view(`tpu|${accelerator}`,
      () => this.tpuTopologies.filter((t) => t.accelerator === accelerator).sort((a, b) => a.chips - b.chips || a.gkeNodes - b.gkeNodes));
  }

  /** One slice shape of a TPU type by its topology value (`2x4`), or undefined. */
  public tpuTopology(accelerator: string, topology: string): TpuTopologyRecord | undefined {
    return this.tpuTopologies.find((t) => t.accelerator === accelerator && t.topology === topology);
  }

  /** The slices of a TPU type that run on one VM (sub-host and single-host scope), fewest chips first. */
  public singleHostTpuTopologies(accelerator: string): TpuTopologyRecord[] {
    return this.view(`tpu1|${accelerator}`, () => this.tpuTopologiesFor(accelerator).filter((t) => t.gkeNodes === 1));
  }

  /** The single-VM slice of a TPU type with exactly `chips` chips, or undefined. */
  public singleHostTpuTopology(accelerator: string, chips: number): TpuTopologyRecord | undefined {
    return this.singleHostTpuTopologies(accelerator).find((t) => t.chips === chips);
  }

  /** The per-chip price of a TPU type, or undefined when the catalog has none (never zero). */
  public tpuChipPrice(accelerator: string, region: string, pricingModel: PricingModelName): TpuChipPriceRecord | undefined {
    return this.tpuChipPrices.find((p) => p.accelerator === accelerator && p.region === region && p.pricingModel === pricingModel);
  }

  /**
   * The hourly cost of `chips` TPU chips (one VM: its chips per VM; a slice: all its chips) = chips x the
   * per-chip price; undefined when the catalog has no per-chip price (never zero).
   */
  public tpuCostPerHour(accelerator: string, chips: number, region: string, pricingModel: PricingModelName): number | undefined {
    const price = this.tpuChipPrice(accelerator, region, pricingModel);
    return price === undefined ? undefined : chips * price.usdPerChipHour;
  }

  /**
   * The hourly price of one machine: the whole-VM price of a GPU machine, or chips per VM x the per-chip
   * price of a TPU machine; undefined when the catalog has none (never zero).
   */
  public machinePrice(machineType: string, region: string, pricingModel: PricingModelName): MachinePrice | undefined {
    const machine = this.machineTypes.find((m) => m.name === machineType);
    if (machine && this.accelerator(machine.accelerator)?.family === 'tpu') {
      const price = this.tpuChipPrice(machine.accelerator, region, pricingModel);
      const chips = machine.acceleratorsPerVm;
      if (!price || chips === undefined) return undefined;
      return {
        usdPerHour: chips * price.usdPerChipHour,
        snapshotDate: price.snapshotDate,
        source: price.source,
        basis: `${chips} chips x $${price.usdPerChipHour}/chip-hour (${price.derivation})`,
      };
    }
    const vm = this.wholeVmPrice(machineType, region, pricingModel);
    return vm ? { usdPerHour: vm.usdPerHour, snapshotDate: vm.snapshotDate, source: vm.source, basis: 'whole-VM price' } : undefined;
  }
}
