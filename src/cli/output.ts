/**
 * Where a command's result goes: standard output, or the file of `--output-path`.
 */
import * as fs from 'fs';
import { Flags, Io } from './args';

/** Writes `text` to `--output-path` when given (and says so on standard error, as gcloud does), else to standard output. */
export function emit(io: Io, flags: Flags, text: string): number {
  const target = flags.str('output-path');
  if (target === undefined) {
    io.out(text);
    return 0;
  }
  try {
    fs.writeFileSync(target, text, 'utf8');
  } catch (e) {
    throw new Error(`Cannot write --output-path '${target}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
  io.err(`Wrote ${target}\n`);
  return 0;
}
