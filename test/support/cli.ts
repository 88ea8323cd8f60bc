/**
 * Helpers for the CLI tests: run the CLI in-process, parse CSV, and check that XML is well formed.
 */
import { run } from '../../src/cli/run';

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs the CLI with a command line split on spaces (no quoting), or with an argv array. */
export function cli(args: string | string[]): CliResult {
  const argv = Array.isArray(args) ? args : args.split(' ').filter((a) => a.length > 0);
  let out = '';
  let err = '';
  const code = run(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

/** Runs and expects success with nothing on standard error. */
export function ok(args: string | string[]): string {
  const r = cli(args);
  if (r.code !== 0 || r.err !== '') throw new Error(`expected success, got exit ${r.code}: ${r.err}`);
  return r.out;
}

/** Runs and expects a failure: one line on standard error, nothing on standard output. */
export function fails(args: string | string[], code = 1): string {
  const r = cli(args);
  expect({ code: r.code, out: r.out }).toEqual({ code, out: '' });
  expect(r.err.endsWith('\n')).toBe(true);
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  expect(r.err).toMatch(/^ERROR: \(cdk8s-gke-inference[^)]*\) \S/);
  expect(r.err).not.toMatch(/\n\s+at |Error: /);
  return r.err.trimEnd();
}

/** Parses RFC 4180 CSV into records keyed by the header row. */
export function parseCsv(text: string): Array<{ [key: string]: string }> {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else {
      cell += ch;
    }
  }
  if (quoted) throw new Error('CSV: unterminated quoted cell');
  if (cell !== '' || row.length > 0) throw new Error('CSV: the last line has no line break');
  const [header, ...body] = rows;
  for (const r of body) if (r.length !== header.length) throw new Error(`CSV: ${r.length} cells in a row of a ${header.length}-column table`);
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

/** An element of a parsed XML document: name, attributes, children. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: { [name: string]: string };
  readonly children: XmlElement[];
  text: string;
}

const NAME = '[A-Za-z_][-A-Za-z0-9_.:]*';
const ENTITY = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;

/**
 * A small XML well-formedness checker: balanced and properly nested tags, one root element, quoted
 * attributes without duplicates, and no bare `<` or `&` in text or attribute values. Throws on the
 * first problem; returns the element tree.
 */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const checkText = (s: string, where: string) => {
    if (s.replace(ENTITY, '').includes('&')) throw new Error(`XML: bare '&' in ${where}`);
    if (s.includes('<')) throw new Error(`XML: bare '<' in ${where}`);
  };
  if (text.startsWith('<?xml')) i = text.indexOf('?>') + 2;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = lt === -1 ? text.slice(i) : text.slice(i, lt);
    if (stack.length === 0 && chunk.trim() !== '') throw new Error(`XML: text outside the root element: '${chunk.trim().slice(0, 20)}'`);
    checkText(chunk, 'text');
    if (stack.length > 0) stack[stack.length - 1].text += chunk;
    if (lt === -1) break;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt);
      if (end === -1) throw new Error('XML: unterminated comment');
      i = end + 3;
      continue;
    }
    const gt = text.indexOf('>', lt);
    if (gt === -1) throw new Error('XML: unterminated tag');
    const tag = text.slice(lt + 1, gt);
    i = gt + 1;
    const close = new RegExp(`^/(${NAME})\\s*$`).exec(tag);
    if (close) {
      const open = stack.pop();
      if (!open || open.name !== close[1]) throw new Error(`XML: </${close[1]}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    const m = new RegExp(`^(${NAME})((?:\\s+${NAME}\\s*=\\s*"[^"]*")*)\\s*(/?)$`).exec(tag);
    if (!m) throw new Error(`XML: malformed tag <${tag.slice(0, 60)}>`);
    const attributes: { [name: string]: string } = {};
    for (const a of m[2].matchAll(new RegExp(`(${NAME})\\s*=\\s*"([^"]*)"`, 'g'))) {
      if (a[1] in attributes) throw new Error(`XML: duplicate attribute ${a[1]} on <${m[1]}>`);
      checkText(a[2], `attribute ${a[1]}`);
      attributes[a[1]] = a[2];
    }
    const element: XmlElement = { name: m[1], attributes, children: [], text: '' };
    if (stack.length > 0) {
      stack[stack.length - 1].children.push(element);
    } else {
      if (root) throw new Error('XML: more than one root element');
      root = element;
    }
    if (m[3] !== '/') stack.push(element);
  }
  if (stack.length > 0) throw new Error(`XML: <${stack[stack.length - 1].name}> is never closed`);
  if (!root) throw new Error('XML: no root element');
  return root;
}

/** Every element of a tree, depth first. */
export function allElements(e: XmlElement): XmlElement[] {
  return [e, ...e.children.flatMap(allElements)];
}

/** Elements whose class attribute has every given class. */
export function byClass(root: XmlElement, ...classes: string[]): XmlElement[] {
  return allElements(root).filter((e) => {
    const own = (e.attributes.class ?? '').split(/\s+/);
    return classes.every((c) => own.includes(c));
  });
}
