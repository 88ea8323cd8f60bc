import * as fs from 'fs';
import * as path from 'path';

let cached: string | undefined;

/** This library's version, from its package.json (src/ and lib/ are both one level below the package root). */
export function libraryVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    cached = String(pkg.version);
  }
  return cached;
}
