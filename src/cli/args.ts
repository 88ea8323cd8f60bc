/**
 * A small command-line parser for the CLI: gcloud-style `--flag value` and `--flag=value`, typed
 * flags, required flags, defaults, and one-line usage errors with the closest flag names.
 */
import { closestMatches, editDistance } from '../util/closest';
import { printable } from '../util/input';

/** The executable's name, as installed by the package's `bin` entry. */
export const PROGRAM = 'cdk8s-gke-inference';

/** Where a command writes: standard output and standard error. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
}

/** A mistake in how the command was called (exit code 2), as opposed to a request that cannot be served (exit code 1). */
export class UsageError extends Error {}

/** `count`: a whole number of at least 1 (tokens, rows); `number`: any positive decimal. */
export type FlagKind = 'string' | 'number' | 'count' | 'choice';

/** One `--flag` of a command. */
export interface FlagSpec {
  /** Name without the leading dashes, e.g. `model-server`. */
  readonly name: string;
  readonly kind: FlagKind;
  /** One-line help. */
  readonly help: string;
  /** Allowed values of a `choice` flag. */
  readonly choices?: readonly string[];
  /** Alternative spellings of choices (gcloud's names), mapped to a choice. */
  readonly aliases?: { readonly [alias: string]: string };
  readonly required?: boolean;
  /** Default value, shown in the help. */
  readonly default?: string;
  /** A gcloud flag this offline tool cannot honour: passing it fails with this message. */
  readonly unsupported?: string;
}

/** One command: its words, help and handler. */
export interface CommandSpec {
  /** Command words, e.g. `['profiles', 'list']`. */
  readonly path: readonly string[];
  /** One line shown in the command list. */
  readonly summary: string;
  /** A paragraph shown in the command's help. */
  readonly description: string;
  readonly flags: readonly FlagSpec[];
  readonly examples: readonly string[];
  /** Runs the command; returns the exit code. Throws Error (exit 1) or UsageError (exit 2). */
  readonly run: (flags: Flags, io: Io) => number;
}

/** The parsed, validated flags of one invocation. */
export class Flags {
  constructor(private readonly values: ReadonlyMap<string, string>, private readonly explicit: ReadonlySet<string> = new Set(values.keys())) {}

  /** Whether the flag was given on the command line (not only defaulted). */
  public given(name: string): boolean {
    return this.explicit.has(name);
  }

  /** The flag's value (or its default), undefined when neither is set. */
  public str(name: string): string | undefined {
    return this.values.get(name);
  }

  /** A flag that is required or has a default. */
  public req(name: string): string {
    const v = this.values.get(name);
    if (v === undefined) throw new UsageError(`Missing required flag --${name}`);
    return v;
  }

  public num(name: string): number | undefined {
    const v = this.values.get(name);
    return v === undefined ? undefined : Number(v);
  }

  /** Whether the flag was given or has a default. */
  public has(name: string): boolean {
    return this.values.has(name);
  }
}

export const commandName = (c: CommandSpec) => c.path.join(' ');

/** Parses the arguments after the command words; throws UsageError with one line. */
export function parseFlags(command: CommandSpec, args: readonly string[]): Flags {
  const specs = new Map(command.flags.map((f) => [f.name, f]));
  const values = new Map<string, string>();
  const given = new Set<string>();
  const seeHelp = `run '${PROGRAM} ${commandName(command)} --help' for its flags`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      throw new UsageError(`Unexpected argument '${arg}': ${commandName(command)} takes only flags (${seeHelp})`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = specs.get(name);
    if (!spec) {
      const close = suggestion(name, command.flags.map((f) => f.name));
      const hint = close !== undefined ? `; did you mean --${close}?` : '';
      throw new UsageError(`Unknown flag --${name} for '${commandName(command)}'${hint} (${seeHelp})`);
    }
    let value: string;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      if (i + 1 >= args.length || args[i + 1].startsWith('--')) throw new UsageError(`Flag --${name} needs a value (${seeHelp})`);
      value = args[++i];
    }
    if (given.has(name)) throw new UsageError(`Flag --${name} is given more than once`);
    given.add(name);
    if (spec.unsupported !== undefined) throw new Error(`--${name} is not supported: ${spec.unsupported}`);
    values.set(name, checkValue(spec, value));
  }
  for (const spec of command.flags) {
    if (values.has(spec.name)) continue;
    if (spec.required) throw new UsageError(`Missing required flag --${spec.name} for '${commandName(command)}' (${seeHelp})`);
    if (spec.default !== undefined) values.set(spec.name, spec.default);
  }
  return new Flags(values, given);
}

/** A plain decimal number: digits with an optional fraction and exponent, no sign, no hex, no Infinity. */
const DECIMAL = /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function checkValue(spec: FlagSpec, raw: string): string {
  const value = raw.trim();
  if (value.length === 0) throw new UsageError(`Flag --${spec.name} needs a non-empty value`);
  if (spec.kind === 'number') {
    // plain decimal only: Number() would also read '0x64' as 100 and '1e400' as Infinity
    const n = DECIMAL.test(value) ? Number(value) : NaN;
    if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`Flag --${spec.name} must be a positive decimal number such as 200 or 0.5, got '${printable(raw)}'`);
  }
  if (spec.kind === 'count') {
    // digits only, so '1e3', '08.0' and '1.5' are refused rather than read; a whole number of tokens or rows
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(Number.isSafeInteger(n) && n >= 1)) throw new UsageError(`Flag --${spec.name} must be a whole number of at least 1 such as 8192, got '${printable(raw)}'`);
  }
  if (spec.kind !== 'choice' && /[\u0000-\u001f\u007f]/.test(value)) {
    throw new UsageError(`Flag --${spec.name} holds control characters: '${printable(raw)}'`);
  }
  if (spec.kind === 'choice') {
    const choice = spec.aliases?.[value] ?? value;
    if (!(spec.choices ?? []).includes(choice)) {
      throw new UsageError(`Flag --${spec.name} must be one of ${(spec.choices ?? []).join(', ')}, got '${printable(raw)}'`);
    }
    return choice;
  }
  return value;
}

/** The closest candidate when it is close enough to be a typo (or contains the input), else undefined. */
export function suggestion(input: string, candidates: readonly string[]): string | undefined {
  const best = closestMatches(input, candidates, 1)[0];
  if (best === undefined) return undefined;
  const close = best.toLowerCase().includes(input.toLowerCase()) || editDistance(input, best) <= Math.max(2, Math.floor(input.length / 3));
  return close ? best : undefined;
}

/** Splits a paragraph into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/** The help text of one command. */
export function commandHelp(command: CommandSpec): string {
  const flags = command.flags.filter((f) => f.unsupported === undefined).flatMap((f) => {
    const metavar = f.kind === 'choice' ? (f.choices ?? []).join('|') : f.name.toUpperCase().replace(/-/g, '_');
    const notes = [f.required ? 'Required.' : undefined, f.default !== undefined ? `Default: ${f.default}.` : undefined].filter((n) => n);
    return [`  --${f.name}=${metavar}`, ...wrap([f.help, ...notes].join(' '), 94).map((l) => `      ${l}`)];
  });
  const unsupported = command.flags.filter((f) => f.unsupported !== undefined).map((f) => `--${f.name}`);
  return [
    `Usage: ${PROGRAM} ${commandName(command)} [flags]`,
    '',
    ...wrap(command.description, 100),
    '',
    'Flags:',
    ...flags,
    '  -h, --help',
    '      Show this help.',
    ...(unsupported.length ? ['', ...wrap(`Accepted for gcloud compatibility but not supported offline: ${unsupported.join(', ')}.`, 100)] : []),
    '',
    'Examples:',
    ...command.examples.map((e) => `  ${PROGRAM} ${e}`),
    '',
  ].join('\n');
}
