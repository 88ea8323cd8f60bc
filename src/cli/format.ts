/**
 * Renders rows of a listing as gcloud does: an aligned table with upper-case headers (the default),
 * CSV with the field names as headers, or JSON / YAML records. Output is byte-identical for the same rows.
 */
import { Yaml } from 'cdk8s';
import { round } from '../util/round';

export { round };

export type Cell = string | number | boolean | null;
export type Row = { readonly [key: string]: Cell };

/** One field of a listing. */
export interface Column {
  /** Field name in CSV headers, JSON and YAML (GIQ's API names where it has one). */
  readonly key: string;
  /** Table header. */
  readonly header: string;
  /** Digits after the decimal point in the table and CSV (costs: 3, as gcloud prints them). */
  readonly decimals?: number;
  /** Only in JSON and YAML, not in the table and CSV. */
  readonly structuredOnly?: boolean;
  /** In the table, JSON and YAML, not in CSV (whose columns stay GIQ's). */
  readonly notInCsv?: boolean;
  /**
   * Where the field sits in JSON and YAML records when the listing nests as gcloud does (a dotted path such as
   * `performanceStats.ntpotMilliseconds`); `--filter`, `--sort-by` and projections accept it as well as `key`.
   * @default key
   */
  readonly path?: string;
}

export const LIST_FORMATS = ['table', 'csv', 'json', 'yaml'] as const;
export type ListFormat = typeof LIST_FORMATS[number];
/** gcloud's format names for `profiles list`. */
export const GCLOUD_FORMAT_ALIASES = { profile: 'table', csvprofile: 'csv' };

/** Renders rows in a format; `table` prints `N/A` for unknown values, CSV an empty cell, JSON and YAML null. */
export function renderRows(rows: readonly Row[], columns: readonly Column[], format: ListFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(rows.map((r) => record(r, columns)), undefined, 2)}\n`;
    case 'yaml':
      // gcloud prints a listing as one YAML document per resource, each after `---`
      return rows.map((r) => `---\n${Yaml.stringify(record(r, columns))}`).join('');
    case 'csv': {
      const shown = columns.filter((c) => !c.structuredOnly && !c.notInCsv);
      const lines = [shown.map((c) => csvCell(c.key)), ...rows.map((r) => shown.map((c) => csvCell(text(r[c.key], c, ''))))];
      return lines.map((l) => `${l.join(',')}\n`).join('');
    }
    case 'table': {
      const shown = columns.filter((c) => !c.structuredOnly);
      const cells = [shown.map((c) => c.header.toUpperCase()), ...rows.map((r) => shown.map((c) => text(r[c.key], c, 'N/A')))];
      const widths = shown.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
      return cells.map((line) => `${line.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()}\n`).join('');
    }
  }
}

/** A row as a JSON / YAML record: each column at its `path` (nested objects for dotted paths), unknown values null. */
export function record(row: Row, columns: readonly Column[]): object {
  const out: { [key: string]: unknown } = {};
  for (const c of columns) {
    const parts = (c.path ?? c.key).split('.');
    let at = out;
    for (const part of parts.slice(0, -1)) at = (at[part] ??= {}) as { [key: string]: unknown };
    at[parts[parts.length - 1]] = row[c.key] ?? null;
  }
  return out;
}

function text(value: Cell | undefined, column: Column, missing: string): string {
  if (value === null || value === undefined) return missing;
  if (typeof value === 'number' && column.decimals !== undefined) return value.toFixed(column.decimals);
  return String(value);
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}


/** Rounds when defined; null otherwise (an absent figure is never zero). */
export function roundOrNull(x: number | undefined, digits = 0): number | null {
  return x === undefined ? null : round(x, digits);
}
