#!/usr/bin/env node
/**
 * The `cdk8s-gke-inference` executable (package.json `bin`): runs the CLI on the process's arguments.
 *
 * Output errors never print a stack trace: a reader that goes away (`| head -1`, EPIPE) ends the
 * program quietly with the command's own exit code, and any other write error (a full disk, ENOSPC)
 * is one line on standard error and exit code 1.
 */
import { run } from './run';

function writeFailed(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') {
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  }
  try {
    process.stderr.write(`ERROR: (cdk8s-gke-inference) cannot write the output: ${e.code ?? e.message}\n`);
  } catch {
    // standard error is gone too: the exit code says it
  }
  process.exit(1);
}

process.stdout.on('error', writeFailed);
process.stderr.on('error', () => process.exit(1));

const write = (stream: NodeJS.WriteStream) => (s: string) => {
  try {
    stream.write(s);
  } catch (e) {
    writeFailed(e as NodeJS.ErrnoException);
  }
};

process.exitCode = run(process.argv.slice(2), { out: write(process.stdout), err: write(process.stderr) });
