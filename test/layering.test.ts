/**
 * The pipeline's stages import one way: catalog -> performance model -> resolver -> constructs (server, gateway), the CLI and the
 * public API facades on top. A stage never reads a later one, so the resolver stays pure data (no cdk8s) and a reader can follow
 * any number from the catalog forward. This reads every import of src/ and holds the direction.
 */
import * as fs from 'fs';
import * as path from 'path';

const SRC = path.join(__dirname, '..', 'src');

/** What each stage must not import. */
const FORBIDDEN: { [stage: string]: readonly string[] } = {
  catalog: ['performance', 'resolver', 'server', 'gateway', 'cli', 'api', 'validation', 'storage', 'imports'],
  performance: ['resolver', 'server', 'gateway', 'cli', 'api', 'validation', 'storage', 'imports'],
  resolver: ['server', 'gateway', 'cli', 'api', 'imports'],
};

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name))
    : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** `stage/file -> stage/file` for every relative import of src/ that crosses into a stage the importer must not read. */
function backwardImports(): string[] {
  const out: string[] = [];
  for (const [stage, forbidden] of Object.entries(FORBIDDEN)) {
    for (const file of sources(path.join(SRC, stage))) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '(\.[^']+)'/gm)) {
        const target = path.relative(SRC, path.resolve(path.dirname(file), m[1]));
        if (forbidden.includes(target.split(path.sep)[0])) out.push(`${path.relative(SRC, file)} -> ${target}`);
      }
    }
  }
  return out;
}

test('catalog, performance model and resolver import only earlier stages', () => {
  expect(backwardImports()).toEqual([]);
});

test('the reading sees the imports it checks (multi-line ones included)', () => {
  // the resolver imports the performance model and the catalog, some across several lines: the same reading finds those edges
  const edges = sources(path.join(SRC, 'resolver')).flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/^import[^'"]*from '(\.[^']+)'/gm)]
    .map((m) => path.relative(SRC, path.resolve(path.dirname(f), m[1])).split(path.sep)[0]));
  expect(edges).toEqual(expect.arrayContaining(['catalog', 'performance']));
});
