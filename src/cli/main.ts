#!/usr/bin/env node
/**
 * The `cdk8s-gke-inference` executable (package.json `bin`): runs the CLI on the process's arguments.
 */
import { run } from './run';

process.exitCode = run(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
});
