/**
 * Generates the embedded catalog data modules in `src/catalog/data/*.generated.ts` from the reference
 * CSVs in `../shared/reference/data` (relative to the repository root).
 *
 *     npx ts-node --project examples/tsconfig.json scripts/import-reference-data.ts
 *
 * The CSV-to-record conversion lives here and only here: `test/catalog-data.test.ts` imports the
 * converters to prove the generated modules equal the CSVs. Importing this module has no side effects;
 * it writes files only when run as the main module.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseCsv } from './csv';
import type {
  AcceleratorRecord,
  GatingState,
  MachineTypeRecord,
  MeasuredPointRecord,
  ModelRecord,
  PriceRecord,
  PriceScope,
  PricingModelName,
  TokenDistributionRecord,
  TpuChipPriceRecord,
  TpuTopologyRecord,
  TpuTopologyScope,
  UseCaseRecord,
} from '../src/catalog/types';

/** A CSV row keyed by header name. */
export type CsvRow = Record<string, string>;

/** Where the reference CSVs live: `../shared/reference/data` from the repository root. */
export const REFERENCE_DATA_DIR = path.join(__dirname, '..', '..', 'shared', 'reference', 'data');

/** Where the generated modules are written. */
export const GENERATED_DATA_DIR = path.join(__dirname, '..', 'src', 'catalog', 'data');

/** The script's path as named in the generated headers. */
const SCRIPT_NAME = 'scripts/import-reference-data.ts';

/** Node label key of Cloud TPU accelerators. */
const TPU_LABEL_KEY = 'cloud.google.com/gke-tpu-accelerator';

/** Compute Engine attaches 1, 2 or 4 T4 GPUs to an N1 VM (https://cloud.google.com/compute/docs/gpus). */
const N1_T4_ATTACHABLE_COUNTS: readonly number[] = [1, 2, 4];
const N1_T4_COMMENT = 'Compute Engine attaches 1, 2 or 4 T4 GPUs to an N1 VM: https://cloud.google.com/compute/docs/gpus';

const PRICING_MODELS: readonly PricingModelName[] = ['on-demand', 'spot', '1-year-cud', '3-years-cud'];
const PRICE_SCOPES: readonly PriceScope[] = ['whole-vm', 'gpu-only', 'host-only'];
const TPU_SCOPES: readonly TpuTopologyScope[] = ['sub-host', 'single-host', 'multi-host'];
const DIRECTIONS: readonly TokenDistributionRecord['direction'][] = ['input', 'output'];
const STATISTICS: readonly TokenDistributionRecord['statistic'][] = ['min', 'median', 'mean', 'p90', 'p99', 'max'];

/** Quantized weight formats; a checkpoint ships quantized when its main format clause names one of them. */
const QUANTIZED_FORMAT = /\b(MXFP4|NVFP4|FP8|FP4|INT8|INT4|AWQ|GPTQ)\b/i;
/** The last number before `GB on disk`, e.g. 65 in `about 61-65 GB on disk`. */
const ON_DISK_SIZE = /(\d+(?:\.\d+)?)\s*GB on disk/gi;

// ---------------------------------------------------------------------------------------------------
// Cell readers. Each takes the row, the column and a description of the row for error messages.
// ---------------------------------------------------------------------------------------------------

function cell(row: CsvRow, column: string): string {
  const value = row[column];
  if (value === undefined) {
    throw new Error(`column '${column}' is missing (columns: ${Object.keys(row).join(', ')})`);
  }
  return value.trim();
}

function requiredString(row: CsvRow, column: string): string {
  const value = cell(row, column);
  if (value === '') {
    throw new Error(`column '${column}' is empty but required`);
  }
  return value;
}

/** A free-text column; empty stays ''. */
function text(row: CsvRow, column: string): string {
  return cell(row, column);
}

function optionalString(row: CsvRow, column: string): string | undefined {
  const value = cell(row, column);
  return value === '' ? undefined : value;
}

function parseNumber(value: string, column: string): number {
  if (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value)) {
    throw new Error(`column '${column}' is not a number: '${value}'`);
  }
  return Number(value);
}

function requiredNumber(row: CsvRow, column: string): number {
  return parseNumber(requiredString(row, column), column);
}

function optionalNumber(row: CsvRow, column: string): number | undefined {
  const value = cell(row, column);
  return value === '' ? undefined : parseNumber(value, column);
}

/** Empty -> undefined (unknown); `n/a` -> null (not supported by the hardware); otherwise a number. */
function optionalNumberOrNa(row: CsvRow, column: string): number | null | undefined {
  const value = cell(row, column);
  if (value === '') {
    return undefined;
  }
  if (value.toLowerCase() === 'n/a') {
    return null;
  }
  return parseNumber(value, column);
}

/** `yes` -> true, `no` -> false; empty -> `emptyAs` when given, otherwise an error. */
function yesNo(row: CsvRow, column: string, emptyAs?: boolean): boolean {
  const value = cell(row, column).toLowerCase();
  if (value === 'yes') {
    return true;
  }
  if (value === 'no') {
    return false;
  }
  if (value === '' && emptyAs !== undefined) {
    return emptyAs;
  }
  throw new Error(`column '${column}' must be yes or no, got '${value}'`);
}

function oneOf<T extends string>(value: string, allowed: readonly T[], column: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`column '${column}' must be one of ${allowed.join(', ')}, got '${value}'`);
  }
  return value as T;
}

function optionalDate(row: CsvRow, column: string): string | undefined {
  const value = optionalString(row, column);
  if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    throw new Error(`column '${column}' must be a YYYY-MM-DD date, got '${value}'`);
  }
  return value;
}

/** Drops properties whose value is undefined, keeping the order of the others. */
function compact<T extends object>(record: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value !== undefined) {
      out[key] = value;
    }
  }
  return out as T;
}

/** Converts every row, naming the CSV and row in any error. */
function convertRows<T>(csv: string, rows: readonly CsvRow[], convert: (row: CsvRow) => T): T[] {
  return rows.map((row, index) => {
    try {
      return convert(row);
    } catch (e) {
      throw new Error(`${csv} data row ${index + 1}: ${(e as Error).message}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Conversion rules, one function per CSV.
// ---------------------------------------------------------------------------------------------------

/** `gated` / `not-gated` from the start of the hf_gating text, `unverified` otherwise. */
export function gatingState(hfGating: string): GatingState {
  const value = hfGating.trim().toLowerCase();
  if (value.startsWith('not gated')) {
    return 'not-gated';
  }
  if (value.startsWith('gated')) {
    return 'gated';
  }
  return 'unverified';
}

/**
 * Size of the weights as the checkpoint ships them. A checkpoint ships quantized when the main clause
 * of hub_weight_format (the text before any parenthesis) names a quantized format; its size is then
 * the last number before `GB on disk` (the upper bound of a range, to keep memory-fit checks
 * conservative). Otherwise it is the bf16 size. Throws when a quantized checkpoint states no size.
 */
export function checkpointWeights(hubWeightFormat: string, bf16WeightsGb: number): { gb: number; note: string } {
  const mainClause = hubWeightFormat.split('(')[0];
  const format = QUANTIZED_FORMAT.exec(mainClause);
  if (!format) {
    return { gb: bf16WeightsGb, note: 'bf16_weights_gb of models.csv' };
  }
  const sizes = [...hubWeightFormat.matchAll(ON_DISK_SIZE)];
  if (sizes.length === 0) {
    throw new Error(
      `hub_weight_format says the checkpoint ships in ${format[1]} but gives no size ('N GB on disk'): '${hubWeightFormat}'`,
    );
  }
  const last = sizes[sizes.length - 1];
  const isRange = /\d\s*[-\u2013]\s*$/.test(hubWeightFormat.slice(0, last.index));
  return {
    gb: Number(last[1]),
    note: `hub_weight_format of models.csv: ${hubWeightFormat}${isRange ? '; upper bound of the range taken' : ''}`,
  };
}

export function toModelRecord(row: CsvRow): ModelRecord {
  const bf16WeightsGb = requiredNumber(row, 'bf16_weights_gb');
  const hubWeightFormat = text(row, 'hub_weight_format');
  const checkpoint = checkpointWeights(hubWeightFormat, bf16WeightsGb);
  const hfGating = text(row, 'hf_gating');
  return compact<ModelRecord>({
    id: requiredString(row, 'model'),
    inGiqModelList: yesNo(row, 'in_giq_model_list_2025'),
    paramsTotalB: requiredNumber(row, 'params_total_b'),
    paramsActiveB: requiredNumber(row, 'params_active_b'),
    layers: requiredNumber(row, 'layers'),
    hiddenSize: requiredNumber(row, 'hidden_size'),
    attentionHeads: requiredNumber(row, 'attention_heads'),
    kvHeads: requiredNumber(row, 'kv_heads'),
    headDim: requiredNumber(row, 'head_dim'),
    intermediateSize: requiredNumber(row, 'intermediate_size'),
    experts: optionalNumber(row, 'experts'),
    expertsPerToken: optionalNumber(row, 'experts_per_token'),
    vocabSize: requiredNumber(row, 'vocab_size'),
    maxContext: optionalNumber(row, 'max_context'),
    bf16WeightsGb,
    checkpointWeightsGb: checkpoint.gb,
    checkpointWeightsNote: checkpoint.note,
    kvCacheKibPerTokenBf16: requiredNumber(row, 'kv_cache_kib_per_token_bf16'),
    attentionPattern: text(row, 'attention_pattern'),
    gating: gatingState(hfGating),
    gatingNote: hfGating,
    license: text(row, 'license'),
    hubWeightFormat,
    notes: text(row, 'notes'),
    unverifiedFields: text(row, 'unverified_fields'),
    source: requiredString(row, 'source'),
    trust: requiredString(row, 'trust'),
  });
}

export function toAcceleratorRecord(row: CsvRow): AcceleratorRecord {
  const labelKey = requiredString(row, 'label_key');
  return compact<AcceleratorRecord>({
    gkeLabel: requiredString(row, 'gke_label'),
    labelKey,
    family: labelKey === TPU_LABEL_KEY ? 'tpu' : 'gpu',
    product: requiredString(row, 'product'),
    memoryGb: requiredNumber(row, 'memory_gb'),
    memoryType: text(row, 'memory_type'),
    memoryBandwidthGBps: requiredNumber(row, 'memory_bandwidth_gbps'),
    bf16DenseTflops: optionalNumberOrNa(row, 'bf16_dense_tflops'),
    fp8DenseTflops: optionalNumberOrNa(row, 'fp8_dense_tflops'),
    fp4DenseTflops: optionalNumberOrNa(row, 'fp4_dense_tflops'),
    int8DenseTops: optionalNumberOrNa(row, 'int8_dense_tops'),
    interconnect: text(row, 'interconnect'),
    tdpW: optionalNumber(row, 'tdp_w'),
    listedUsCentral1: yesNo(row, 'listed_us_central1', false),
    listedUsEast5: yesNo(row, 'listed_us_east5', false),
    notes: text(row, 'notes'),
    source: requiredString(row, 'source'),
    trust: requiredString(row, 'trust'),
  });
}

export function toMachineTypeRecord(row: CsvRow): MachineTypeRecord {
  const name = requiredString(row, 'machine_type');
  const accelerator = requiredString(row, 'accelerator');
  const acceleratorsPerVm = optionalNumber(row, 'accelerators_per_vm');
  let attachableAcceleratorCounts: readonly number[] | undefined;
  if (acceleratorsPerVm === undefined) {
    // Only N1 + T4 rows leave the count empty: the GPUs are attached, 1, 2 or 4 of them.
    if (!name.startsWith('n1-') || accelerator !== 'nvidia-tesla-t4') {
      throw new Error(`accelerators_per_vm is empty for ${name} (${accelerator}); only N1 + T4 rows may leave it empty`);
    }
    attachableAcceleratorCounts = N1_T4_ATTACHABLE_COUNTS;
  }
  return compact<MachineTypeRecord>({
    name,
    accelerator,
    acceleratorsPerVm,
    attachableAcceleratorCounts: attachableAcceleratorCounts ? [...attachableAcceleratorCounts] : undefined,
    vcpu: requiredNumber(row, 'vcpu'),
    ramGb: requiredNumber(row, 'ram_gb'),
    notes: text(row, 'notes'),
    source: requiredString(row, 'source'),
    trust: requiredString(row, 'trust'),
  });
}

export function toPriceRecord(row: CsvRow): PriceRecord {
  return compact<PriceRecord>({
    machineType: optionalString(row, 'machine_type'),
    accelerator: requiredString(row, 'accelerator'),
    acceleratorCount: requiredNumber(row, 'accelerator_count'),
    region: requiredString(row, 'region'),
    pricingModel: oneOf(requiredString(row, 'pricing_model'), PRICING_MODELS, 'pricing_model'),
    usdPerHour: requiredNumber(row, 'usd_per_hour'),
    usdPerAcceleratorHour: optionalNumber(row, 'usd_per_accelerator_hour'),
    scope: oneOf(requiredString(row, 'price_scope'), PRICE_SCOPES, 'price_scope'),
    snapshotDate: optionalDate(row, 'snapshot_date'),
    notes: text(row, 'notes'),
    source: requiredString(row, 'source'),
    trust: requiredString(row, 'trust'),
  });
}

export function toMeasuredPointRecord(row: CsvRow): MeasuredPointRecord {
  const pricingModel = optionalString(row, 'pricing_model');
  return compact<MeasuredPointRecord>({
    model: requiredString(row, 'model'),
    modelServer: requiredString(row, 'model_server'),
    modelServerVersion: text(row, 'model_server_version'),
    accelerator: requiredString(row, 'accelerator'),
    acceleratorCount: requiredNumber(row, 'accelerator_count'),
    instanceType: optionalString(row, 'instance_type'),
    outputTokensPerSecond: requiredNumber(row, 'output_tokens_per_s'),
    ntpotMilliseconds: requiredNumber(row, 'ntpot_ms'),
    ttftMilliseconds: optionalNumber(row, 'ttft_ms'),
    publishedUsdPerMillionInputTokens: optionalNumber(row, 'usd_per_m_input_tokens'),
    publishedUsdPerMillionOutputTokens: optionalNumber(row, 'usd_per_m_output_tokens'),
    publishedPricingModel: pricingModel === undefined ? undefined : oneOf(pricingModel, PRICING_MODELS, 'pricing_model'),
    query: text(row, 'query'),
    notes: text(row, 'notes'),
    source: requiredString(row, 'source'),
    trust: requiredString(row, 'trust'),
  });
}

export function toUseCaseRecord(row: CsvRow): UseCaseRecord {
  return compact<UseCaseRecord>({
    name: requiredString(row, 'use_case'),
    averageInputTokens: optionalNumber(row, 'avg_input_tokens'),
    averageOutputTokens: optionalNumber(row, 'avg_output_tokens'),
    exact: cell(row, 'exact').toLowerCase() === 'yes',
    listedInGcloudHelp: yesNo(row, 'listed_in_gcloud_use_case_help'),
    notes: text(row, 'notes'),
    source: requiredString(row, 'source'),
    trust: requiredString(row, 'trust'),
  });
}

export function toTokenDistributionRecord(row: CsvRow): TokenDistributionRecord {
  return compact<TokenDistributionRecord>({
    direction: oneOf(requiredString(row, 'direction'), DIRECTIONS, 'direction'),
    statistic: oneOf(requiredString(row, 'statistic'), STATISTICS, 'statistic'),
    tokens: requiredNumber(row, 'tokens'),
    notes: text(row, 'notes'),
    source: requiredString(row, 'source'),
  });
}

export function toTpuTopologyRecord(row: CsvRow): TpuTopologyRecord {
  const chips = requiredNumber(row, 'chips');
  const chipsPerVm = requiredNumber(row, 'chips_per_vm');
  const gkeNodes = requiredNumber(row, 'gke_nodes');
  const scope = oneOf(requiredString(row, 'scope'), TPU_SCOPES, 'scope');
  const topology = requiredString(row, 'topology');
  if (!/^\d+(x\d+)+$/.test(topology)) {
    throw new Error(`column 'topology' must look like 2x4 or 2x2x1, got '${topology}'`);
  }
  const product = topology.split('x').map(Number).reduce((a, b) => a * b, 1);
  if (product !== chips) {
    throw new Error(`topology ${topology} has ${product} chips but column 'chips' says ${chips}`);
  }
  // a sub-host slice is one VM carrying the whole slice; otherwise the slice is gke_nodes VMs of chips_per_vm chips
  if (scope === 'sub-host' ? chipsPerVm !== chips || gkeNodes !== 1 : chipsPerVm * gkeNodes !== chips) {
    throw new Error(`${topology}: chips (${chips}), chips_per_vm (${chipsPerVm}) and gke_nodes (${gkeNodes}) disagree for scope ${scope}`);
  }
  if ((scope === 'multi-host') !== (gkeNodes > 1)) {
    throw new Error(`${topology}: scope ${scope} but gke_nodes is ${gkeNodes}`);
  }
  return compact<TpuTopologyRecord>({
    tpu: requiredString(row, 'tpu'),
    accelerator: requiredString(row, 'gke_tpu_accelerator'),
    topology,
    chips,
    cloudTpuHosts8Chip: optionalNumber(row, 'cloud_tpu_hosts_8chip'),
    machineType: requiredString(row, 'machine_type'),
    chipsPerVm,
    gkeNodes,
    scope,
    notes: text(row, 'notes'),
    source: requiredString(row, 'source'),
    trust: requiredString(row, 'trust'),
  });
}

export function toTpuChipPriceRecord(row: CsvRow): TpuChipPriceRecord {
  const usdPerChipHour = requiredNumber(row, 'usd_per_chip_hour');
  if (!(usdPerChipHour > 0)) {
    throw new Error(`column 'usd_per_chip_hour' must be positive (a missing price is a missing row, never zero), got ${usdPerChipHour}`);
  }
  return compact<TpuChipPriceRecord>({
    tpu: requiredString(row, 'tpu'),
    accelerator: requiredString(row, 'gke_tpu_accelerator'),
    region: requiredString(row, 'region'),
    pricingModel: oneOf(requiredString(row, 'pricing_model'), PRICING_MODELS, 'pricing_model'),
    usdPerChipHour,
    derivation: text(row, 'derivation'),
    snapshotDate: optionalDate(row, 'snapshot_date'),
    notes: text(row, 'notes'),
    source: requiredString(row, 'source'),
    trust: requiredString(row, 'trust'),
  });
}

export function convertModels(rows: readonly CsvRow[]): ModelRecord[] {
  return convertRows('models.csv', rows, toModelRecord);
}
export function convertAccelerators(rows: readonly CsvRow[]): AcceleratorRecord[] {
  return convertRows('accelerators.csv', rows, toAcceleratorRecord);
}
export function convertMachineTypes(rows: readonly CsvRow[]): MachineTypeRecord[] {
  return convertRows('machine-types.csv', rows, toMachineTypeRecord);
}
export function convertPrices(rows: readonly CsvRow[]): PriceRecord[] {
  return convertRows('prices.csv', rows, toPriceRecord);
}
export function convertMeasuredPoints(rows: readonly CsvRow[]): MeasuredPointRecord[] {
  return convertRows('measured-profiles.csv', rows, toMeasuredPointRecord);
}
export function convertUseCases(rows: readonly CsvRow[]): UseCaseRecord[] {
  return convertRows('use-cases.csv', rows, toUseCaseRecord);
}
export function convertTpuTopologies(rows: readonly CsvRow[]): TpuTopologyRecord[] {
  return convertRows('tpu-topologies.csv', rows, toTpuTopologyRecord);
}
export function convertTpuChipPrices(rows: readonly CsvRow[]): TpuChipPriceRecord[] {
  return convertRows('tpu-chip-prices.csv', rows, toTpuChipPriceRecord);
}
export function convertTokenDistribution(rows: readonly CsvRow[]): TokenDistributionRecord[] {
  return convertRows('sharegpt-distribution.csv', rows, toTokenDistributionRecord);
}

/** Reads and parses one reference CSV. */
export function readReferenceCsv(fileName: string, dataDir: string = REFERENCE_DATA_DIR): CsvRow[] {
  return parseCsv(fs.readFileSync(path.join(dataDir, fileName), 'utf8'));
}

// ---------------------------------------------------------------------------------------------------
// Rendering: deterministic, pretty TypeScript that passes the repository's eslint rules.
// ---------------------------------------------------------------------------------------------------

/** Comments to put above a property, keyed by property name. */
type PropertyComments = Readonly<Record<string, string>>;

function quote(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  return `'${escaped}'`;
}

function renderScalar(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new Error(`cannot render a non-finite number: ${value}`);
      }
      return String(value);
    case 'boolean':
      return String(value);
    default:
      throw new Error(`cannot render a value of type ${typeof value}`);
  }
}

function renderValue(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(renderScalar).join(', ')}]`;
  }
  return renderScalar(value);
}

function renderRecord(record: object, comments: PropertyComments): string {
  const lines = ['  {'];
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) {
      continue;
    }
    if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) {
      throw new Error(`property name is not an identifier: ${key}`);
    }
    if (comments[key]) {
      lines.push(`    // ${comments[key]}`);
    }
    lines.push(`    ${key}: ${renderValue(value)},`);
  }
  lines.push('  },');
  return lines.join('\n');
}

function renderArray(name: string, type: string, records: readonly object[], comments: PropertyComments = {}): string {
  return [`export const ${name}: readonly ${type}[] = [`, ...records.map((r) => renderRecord(r, comments)), '];'].join('\n');
}

interface ArrayExport {
  readonly name: string;
  readonly type: string;
  readonly records: readonly object[];
  readonly doc: string;
  readonly comments?: PropertyComments;
}

/** Renders one generated module. */
export function renderModule(csvFiles: readonly string[], headerNotes: readonly string[], exports: readonly ArrayExport[]): string {
  const types = [...new Set(exports.map((e) => e.type))].sort();
  const csvs = csvFiles.map((f) => `../shared/reference/data/${f}`).join(' and ');
  const header = [
    `// Generated by ${SCRIPT_NAME} from ${csvs}.`,
    '// Do not edit by hand: change the CSV (or the conversion rules in the script) and run',
    `//   npx ts-node --project examples/tsconfig.json ${SCRIPT_NAME}`,
    ...headerNotes.map((n) => `// ${n}`),
  ];
  const body = exports.map((e) => `/** ${e.doc} */\n${renderArray(e.name, e.type, e.records, e.comments)}`);
  return `${header.join('\n')}\n\nimport { ${types.join(', ')} } from '../types';\n\n${body.join('\n\n')}\n`;
}

/** One generated file: its name and its content. */
export interface GeneratedFile {
  readonly fileName: string;
  readonly content: string;
}

/** Reads the CSVs and renders every generated module (without writing anything). */
export function generateFiles(dataDir: string = REFERENCE_DATA_DIR): GeneratedFile[] {
  const read = (f: string) => readReferenceCsv(f, dataDir);
  return [
    {
      fileName: 'models.generated.ts',
      content: renderModule(['models.csv'], [
        'checkpointWeightsGb is bf16_weights_gb, except for checkpoints whose hub_weight_format names a quantized',
        "format (MXFP4, FP8, ...): then it is the last number before 'GB on disk' (the upper bound of a range).",
      ], [{
        name: 'MODELS',
        type: 'ModelRecord',
        records: convertModels(read('models.csv')),
        doc: 'Architecture facts, gating and weight sizes of the catalog models, one per row of models.csv.',
      }]),
    },
    {
      fileName: 'accelerators.generated.ts',
      content: renderModule(['accelerators.csv'], [
        "family is 'tpu' when label_key is cloud.google.com/gke-tpu-accelerator, else 'gpu'; 'n/a' throughputs are null.",
      ], [{
        name: 'ACCELERATORS',
        type: 'AcceleratorRecord',
        records: convertAccelerators(read('accelerators.csv')),
        doc: 'GKE accelerators (GPUs and TPU chips), one per row of accelerators.csv.',
      }]),
    },
    {
      fileName: 'machine-types.generated.ts',
      content: renderModule(['machine-types.csv'], [
        'N1 rows carry no accelerators_per_vm: T4 GPUs are attached to N1 VMs, 1, 2 or 4 of them',
        '(attachableAcceleratorCounts; see https://cloud.google.com/compute/docs/gpus).',
      ], [{
        name: 'MACHINE_TYPES',
        type: 'MachineTypeRecord',
        records: convertMachineTypes(read('machine-types.csv')),
        doc: 'Compute Engine machine types with their accelerators, one per row of machine-types.csv.',
        comments: { attachableAcceleratorCounts: N1_T4_COMMENT },
      }]),
    },
    {
      fileName: 'prices.generated.ts',
      content: renderModule(['prices.csv'], [
        'Includes gpu-only and host-only rows: check scope before treating usdPerHour as the price of a whole VM.',
      ], [{
        name: 'PRICES',
        type: 'PriceRecord',
        records: convertPrices(read('prices.csv')),
        doc: 'Hourly prices per machine type, region and pricing model, one per row of prices.csv.',
      }]),
    },
    {
      fileName: 'tpu.generated.ts',
      content: renderModule(['tpu-topologies.csv', 'tpu-chip-prices.csv'], [
        'Checked on import: topology dimensions multiply to chips; chips = chips_per_vm x gke_nodes; multi-host iff gke_nodes > 1.',
        'Prices are per chip-hour; a slice costs chips x usdPerChipHour. A TPU without a row has no price (never zero).',
      ], [
        {
          name: 'TPU_TOPOLOGIES',
          type: 'TpuTopologyRecord',
          records: convertTpuTopologies(read('tpu-topologies.csv')),
          doc: 'TPU slice shapes (topology, chips, VM type, nodes), one per row of tpu-topologies.csv.',
        },
        {
          name: 'TPU_CHIP_PRICES',
          type: 'TpuChipPriceRecord',
          records: convertTpuChipPrices(read('tpu-chip-prices.csv')),
          doc: 'Hourly prices per TPU chip, region and pricing model, one per row of tpu-chip-prices.csv.',
        },
      ]),
    },
    {
      fileName: 'measured-profiles.generated.ts',
      content: renderModule(['measured-profiles.csv'], [
        'instanceType is kept as published (undefined when the source does not state it); it is not inferred here.',
      ], [{
        name: 'MEASURED_POINTS',
        type: 'MeasuredPointRecord',
        records: convertMeasuredPoints(read('measured-profiles.csv')),
        doc: 'Published GKE Inference Quickstart performance points, one per row of measured-profiles.csv.',
      }]),
    },
    {
      fileName: 'use-cases.generated.ts',
      content: renderModule(['use-cases.csv', 'sharegpt-distribution.csv'], [], [
        {
          name: 'USE_CASES',
          type: 'UseCaseRecord',
          records: convertUseCases(read('use-cases.csv')),
          doc: 'GKE Inference Quickstart use cases with their average token lengths, one per row of use-cases.csv.',
        },
        {
          name: 'SHAREGPT_DISTRIBUTION',
          type: 'TokenDistributionRecord',
          records: convertTokenDistribution(read('sharegpt-distribution.csv')),
          doc: 'Token-count statistics of the ShareGPT benchmark set, one per row of sharegpt-distribution.csv.',
        },
      ]),
    },
  ];
}

/** Writes every generated module into `outDir`. */
export function writeGeneratedFiles(outDir: string = GENERATED_DATA_DIR, dataDir: string = REFERENCE_DATA_DIR): string[] {
  const files = generateFiles(dataDir);
  fs.mkdirSync(outDir, { recursive: true });
  return files.map((file) => {
    const target = path.join(outDir, file.fileName);
    fs.writeFileSync(target, file.content);
    return target;
  });
}

if (require.main === module) {
  for (const written of writeGeneratedFiles()) {
    console.log(`wrote ${path.relative(process.cwd(), written)}`);
  }
}
