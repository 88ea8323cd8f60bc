/**
 * gcloud's list flags on every listing: `--filter` (a subset of gcloud's filter expressions), `--sort-by`,
 * `--limit`, and `--format` with projections (`value(a,b)`, `csv(a,b)`, `csv[no-heading](a)`,
 * `table(a,b)`, `json`, `yaml`), as `gcloud topic filters`, `gcloud topic formats` and
 * `gcloud topic projections` describe them. Keys are the field names of JSON output, matched without
 * case; an unknown key, operator or format is a usage error naming the flag and what would work.
 */
import { FlagSpec, Flags, Io, UsageError } from './args';
import { Cell, Column, GCLOUD_FORMAT_ALIASES, LIST_FORMATS, ListFormat, Row, renderRows } from './format';
import { oneLine } from './one-line';
import { closestMatches } from '../util/closest';
import { byCodePoint } from '../util/compare';
import { printable } from '../util/input';

export const FILTER: FlagSpec = {
  name: 'filter',
  kind: 'string',
  help: 'Only rows matching a gcloud filter expression, e.g. \'acceleratorType:nvidia-l4 AND ntpotMilliseconds<100\' '
    + '(operators = != : ~ !~ < <= > >=, AND, OR, NOT, parentheses; keys are the JSON field names).',
};
export const SORT_BY: FlagSpec = {
  name: 'sort-by', kind: 'string', help: 'Sort by these comma-separated JSON field names; ~ before a name sorts it descending.',
};
export const LIMIT: FlagSpec = { name: 'limit', kind: 'count', help: 'Print at most this many rows (after --filter and --sort-by).' };

/** The list flags every listing takes besides `--format`. */
export const LIST_FLAGS: readonly FlagSpec[] = [FILTER, SORT_BY, LIMIT];

/** A parsed `--format`: a base format and an optional projection of keys. */
interface ParsedFormat {
  readonly name: ListFormat | 'value';
  readonly keys?: readonly string[];
  readonly heading: boolean;
  readonly separator: string;
}

/**
 * The attributes of a format (`no-heading,separator=","`), split on the commas outside quotes; `separator=,` (a bare comma) is a
 * comma separator, as in gcloud's `value[separator=,]`.
 */
function formatAttributes(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if (ch === '"' || ch === '\'') {
      quote = ch;
      current += ch;
    } else if (ch === ',') {
      if (current.trim() === 'separator=') {
        current += ch;
        continue;
      }
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out.map((a) => a.trim()).filter((a) => a);
}

/** Parses `--format`: `table`, `csv`, `json`, `yaml` (gcloud's `profile`, `csvprofile` too), or `NAME[attrs](key,...)`. */
export function parseFormat(text: string, columns: readonly Column[]): ParsedFormat {
  const m = /^([a-z]+)(?:\[([^\]]*)\])?(?:\((.*)\))?$/.exec(text.trim());
  const aliases: { [alias: string]: string } = GCLOUD_FORMAT_ALIASES;
  const name = m ? (aliases[m[1]] ?? m[1]) : undefined;
  if (!m || !name || ![...LIST_FORMATS, 'value'].includes(name)) {
    throw new UsageError(`Flag --format must be one of ${LIST_FORMATS.join(', ')}, or a projection such as 'value(acceleratorType,ntpotMilliseconds)', `
      + `'csv[no-heading](model)' or 'table(model,source)', got '${printable(text)}'`);
  }
  const attrs = formatAttributes(m[2] ?? '');
  let heading = name !== 'value';
  let separator = name === 'csv' ? ',' : '\t';
  for (const a of attrs) {
    const sep = /^separator=(["']?)(.*)\1$/.exec(a);
    if (a === 'no-heading') heading = false;
    else if (sep) separator = sep[2].replace(/\\t/g, '\t');
    else throw new UsageError(`Flag --format: unknown attribute '[${printable(a)}]' (no-heading and separator=X are supported)`);
  }
  const keys = m[3] === undefined ? undefined : m[3].split(',').map((k) => resolveKey(k.trim(), columns, '--format'));
  if (name === 'value' && keys === undefined) throw new UsageError('Flag --format=value needs the keys to print, e.g. value(acceleratorType,ntpotMilliseconds)');
  return { name: name as ListFormat | 'value', keys, heading, separator };
}

function resolveKey(key: string, columns: readonly Column[], flag: string): string {
  const wanted = key.toLowerCase();
  const found = columns.find((c) => c.key.toLowerCase() === wanted || c.path?.toLowerCase() === wanted);
  if (found) return found.key;
  const [close] = closestMatches(key, columns.map((c) => c.key), 1);
  throw new UsageError(`Flag ${flag}: unknown key '${printable(key)}'${close ? `; did you mean '${close}'?` : ''} `
    + `(keys: ${columns.map((c) => c.key).join(', ')})`);
}

// --filter: expression := or; or := and (OR and)*; and := unary ([AND] unary)*; unary := (NOT | -) unary | ( expr ) | term
type Predicate = (row: Row) => boolean;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(\(|\)|"(?:[^"\\]|\\.)*"|'[^']*'|!=|!~|<=|>=|[=:~<>]|[^\s()=:~<>!"']+|!)/y;
  let m: RegExpExecArray | null;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    m = re.exec(text);
    if (!m) {
      if (/^\s*$/.test(text.slice(i))) break;
      throw new UsageError(`Flag --filter: cannot read '${printable(text.slice(i), 30)}'`);
    }
    tokens.push(m[1]);
    i = re.lastIndex;
  }
  return tokens;
}

const OPERATORS = ['=', '!=', ':', '~', '!~', '<', '<=', '>', '>='];

/** Parses a filter expression into a predicate over rows. */
export function parseFilter(text: string, columns: readonly Column[]): Predicate {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const orExpr = (): Predicate => {
    let left = andExpr();
    while (peek() === 'OR') {
      next();
      const l = left;
      const r = andExpr();
      left = (row) => l(row) || r(row);
    }
    return left;
  };
  const andExpr = (): Predicate => {
    let left = unary();
    while (peek() !== undefined && peek() !== ')' && peek() !== 'OR') {
      if (peek() === 'AND') next();
      const l = left;
      const r = unary();
      left = (row) => l(row) && r(row);
    }
    return left;
  };
  const unary = (): Predicate => {
    const t = peek();
    if (t !== undefined && t.length > 1 && t.startsWith('-') && !/^-[\d.]/.test(t)) {
      // '-key:value' is gcloud's short form of NOT
      tokens[pos] = t.slice(1);
      const inner = unary();
      return (row) => !inner(row);
    }
    if (t === 'NOT' || t === '-') {
      next();
      const inner = unary();
      return (row) => !inner(row);
    }
    if (t === '(') {
      next();
      const inner = orExpr();
      if (next() !== ')') throw new UsageError('Flag --filter: a \'(\' is not closed');
      return inner;
    }
    return term();
  };
  const term = (): Predicate => {
    const keyToken = next();
    const op = next();
    const valueToken = next();
    if (keyToken === undefined || op === undefined || valueToken === undefined || !OPERATORS.includes(op)) {
      throw new UsageError(`Flag --filter: expected KEY OPERATOR VALUE (operators ${OPERATORS.join(' ')}), e.g. 'acceleratorType=nvidia-l4', `
        + `got '${printable(text, 60)}'`);
    }
    const key = resolveKey(keyToken, columns, '--filter');
    const value = unquote(valueToken);
    return comparator(key, op, value);
  };
  const predicate = orExpr();
  if (pos < tokens.length) throw new UsageError(`Flag --filter: unexpected '${printable(tokens[pos])}'`);
  return predicate;
}

function unquote(token: string): string {
  if (token.startsWith('"')) return token.slice(1, -1).replace(/\\(.)/g, '$1');
  if (token.startsWith('\'')) return token.slice(1, -1);
  return token;
}

function comparator(key: string, op: string, value: string): Predicate {
  const number = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value) ? Number(value) : undefined;
  const cellText = (c: Cell) => (c === null || c === undefined ? '' : String(c));
  const compare = (c: Cell): number | undefined => {
    if (number !== undefined && typeof c === 'number') return c - number;
    if (c === null || c === undefined) return undefined;
    const a = cellText(c).toLowerCase();
    const b = value.toLowerCase();
    return a < b ? -1 : a > b ? 1 : 0;
  };
  // gcloud's ':' is "has": a case-insensitive match of the whole value or a word of it; '*' is a wildcard
  const has = (c: Cell) => {
    // key:* tests that the key is defined (gcloud topic filters: "Use key:* to test if key is defined and -key:* to test if key is
    // undefined"): a null or empty cell has no value
    if (value === '*') return cellText(c) !== '';
    const glob = new RegExp(`(^|\\b)${value.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}(\\b|$)`, 'i');
    return glob.test(cellText(c));
  };
  let regex: RegExp | undefined;
  if (op === '~' || op === '!~') {
    try {
      regex = new RegExp(value);
    } catch {
      throw new UsageError(`Flag --filter: '${printable(value)}' is not a regular expression`);
    }
  }
  switch (op) {
    case '=': return (row) => compare(row[key]) === 0;
    case '!=': return (row) => compare(row[key]) !== 0;
    case ':': return (row) => has(row[key]);
    case '~': return (row) => regex!.test(cellText(row[key]));
    case '!~': return (row) => !regex!.test(cellText(row[key]));
    case '<': return (row) => (compare(row[key]) ?? 0) < 0 && row[key] !== null;
    case '<=': return (row) => (compare(row[key]) ?? 1) <= 0 && row[key] !== null;
    case '>': return (row) => (compare(row[key]) ?? 0) > 0;
    default: return (row) => (compare(row[key]) ?? -1) >= 0;
  }
}

/** `--sort-by`: comma-separated keys, `~key` descending; nulls last; stable. */
function sorter(text: string, columns: readonly Column[]): (a: Row, b: Row) => number {
  const keys = text.split(',').map((k) => k.trim()).filter((k) => k).map((k) => ({
    key: resolveKey(k.replace(/^~/, ''), columns, '--sort-by'),
    descending: k.startsWith('~'),
  }));
  return (a, b) => {
    for (const { key, descending } of keys) {
      const x = a[key];
      const y = b[key];
      if (x === y) continue;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : byCodePoint(String(x), String(y));
      if (c !== 0) return descending ? -c : c;
    }
    return 0;
  };
}

/** Rows after `--filter`, `--sort-by` and `--limit`. */
export function selectRows(rows: readonly Row[], columns: readonly Column[], flags: Flags): Row[] {
  let out = [...rows];
  const filter = flags.str('filter');
  if (filter !== undefined) {
    const predicate = parseFilter(filter, columns);
    out = out.filter(predicate);
  }
  const sortBy = flags.str('sort-by');
  if (sortBy !== undefined) {
    const compare = sorter(sortBy, columns);
    out = out.map((r, i) => ({ r, i })).sort((a, b) => compare(a.r, b.r) || a.i - b.i).map((x) => x.r);
  }
  const limit = flags.num('limit');
  // a whole number of at least 1: the flag parser checks it
  if (limit !== undefined) out = out.slice(0, limit);
  return out;
}

/**
 * What gcloud does when a listing is empty: nothing (`[]` for JSON) on standard output, `Listed 0 items.` on
 * standard error, exit 0. The reason (what would have to change for rows to appear) follows on the same line.
 */
export function emptyList(io: Io, flags: Flags, reason: string, write: ListWriter = toStdout(io)): number {
  const format = flags.str('format') ?? 'table';
  const code = write(/^json\b/.test(format) ? '[]\n' : '');
  io.err(`Listed 0 items. ${oneLine(reason)}\n`);
  return code;
}

/** Where a listing's text goes (standard output, or `--output-path` through `emit`); returns the exit code. */
export type ListWriter = (text: string) => number;

function toStdout(io: Io): ListWriter {
  return (text) => {
    io.out(text);
    return 0;
  };
}

/**
 * Prints a listing to standard output, or, when `--filter` leaves no row of a non-empty list, what gcloud prints for an empty
 * listing (`Listed 0 items.` on standard error, no header). Returns the exit code.
 */
export function printList(io: Io, flags: Flags, rows: readonly Row[], columns: readonly Column[],
  write: ListWriter = toStdout(io)): number {
  // the format is checked first: a bad --format is a usage error whether or not a row is left
  const format = parseFormat(flags.req('format'), columns);
  const selected = selectRows(rows, columns, flags);
  if (rows.length > 0 && selected.length === 0 && flags.str('filter') !== undefined) {
    return emptyList(io, flags, `No row matches --filter '${flags.str('filter')}'.`, write);
  }
  return write(renderSelected(selected, columns, format));
}

/** The selected rows in the parsed format, with its projection. */
function renderSelected(selected: readonly Row[], columns: readonly Column[], format: ParsedFormat): string {
  const projected = format.keys === undefined ? columns
    : format.keys.map((k) => ({ ...columns.find((c) => c.key === k)!, structuredOnly: false }));
  if (format.name === 'value' || (format.name === 'csv' && (format.separator !== ',' || !format.heading))) {
    const shown = projected.filter((c) => !c.structuredOnly);
    const cell = (v: Cell, c: Column) => (v === null || v === undefined ? ''
      : typeof v === 'number' && c.decimals !== undefined ? v.toFixed(c.decimals) : String(v));
    const lines = [
      ...(format.heading ? [shown.map((c) => c.key).join(format.separator)] : []),
      ...selected.map((r) => shown.map((c) => cell(r[c.key], c)).join(format.separator)),
    ];
    return lines.map((l) => `${l}\n`).join('');
  }
  if (format.name === 'table' && !format.heading) {
    return renderRows(selected, projected, 'table').split('\n').slice(1).join('\n');
  }
  return renderRows(selected, projected, format.name as ListFormat);
}
