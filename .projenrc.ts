import { cdk8s, javascript, release } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-gke-inference',
  description:
    'Typed, offline cdk8s constructs that serve open LLMs on GKE with the expertise of GKE Inference Quickstart: '
    + 'catalog, performance model, resolver and validated manifests.',
  author: 'cdk8s-gke-inference authors',
  authorAddress: 'maintainers@cdk8s-gke-inference.invalid',
  repositoryUrl: 'https://github.com/cdk8s-gke-inference/cdk8s-gke-inference.git',
  defaultReleaseBranch: 'main',
  keywords: ['cdk8s', 'gke', 'llm', 'inference', 'vllm', 'kubernetes', 'gpu', 'tpu'],
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  // cdk8s 2.x with constructs 10.x; cdk8s-plus-28 gives the low-level k8s bindings and value types.
  // The peer ranges start at the oldest releases the packed library was verified with (the README's
  // "Peer versions"): cdk8s 2.68.12, constructs 10.3.0 and cdk8s-plus-28 2.0.3 (whose own peers are
  // cdk8s ^2.68.11 and constructs ^10.3.0). Development and CI run the newest, pinned in devDeps; jsii prints a JSII6
  // warning for each (it would compile against the minimums; the warnings do not fail --fail-on-warnings), and
  // test/peer-minimums.test.ts installs the packed library beside the minimums instead: an app using the whole API
  // type-checks there and synthesizes the same YAML as with the newest.
  cdk8sVersion: '2.68.12',
  constructsVersion: '10.3.0',
  peerDependencyOptions: { pinnedDevDependency: false },
  jsiiVersion: '~6.0.0',
  // TS 7 breaks ts-jest; keep the compiler used for tests and type checks on 6.0.
  // (typescriptVersion would also pin @types/node@ts6.0, a tag the registry does not have)
  peerDeps: ['cdk8s-plus-28@^2.0.3'],
  devDeps: [
    'cdk8s@2.70.106', 'constructs@10.8.1', 'cdk8s-plus-28@2.5.6',
    'typescript@~6.0.3', '@types/node@^20', 'cdk8s-cli@^2', 'ajv@^8', 'yaml@^2', 'protobufjs@^8', 'fast-check@^4',
  ],

  // the CLI (a later issue) is published under this name
  bin: { 'cdk8s-gke-inference': 'lib/cli/main.js' },

  // release-ready: `npx projen release` bumps the version from the commit history (the first release is 0.1.0), writes
  // CHANGELOG.md, tags the commit and packs dist/ for npm and PyPI; pushing and publishing happen elsewhere (no GitHub
  // workflow here, and no git push)
  github: false,
  release: true,
  releaseTrigger: release.ReleaseTrigger.manual({ changelogPath: 'CHANGELOG.md', gitPushCommand: '' }),
  majorVersion: 0,
  // no tag yet: the first release is 0.1.0; afterwards the commits decide
  nextVersionCommand: 'node -e "process.stdout.write(process.env.LATEST_TAG ? \'\' : \'0.1.0\')"',
  // Python as a jsii target (the README's "Python" says what was verified here)
  publishToPypi: { distName: 'cdk8s-gke-inference', module: 'cdk8s_gke_inference' },
  depsUpgrade: false,
  pullRequestTemplate: false,

  jestOptions: {
    // never rewrite snapshots in CI or in the test task: a changed snapshot must fail
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      // validation tests compile large schemas once per worker; 2 cores here
      testTimeout: 60_000,
      // the tests read ../shared: without it, one clear error before any test
      globalSetup: '<rootDir>/test/support/require-shared.js',
    },
    extraCliOptions: ['--json', '--outputFile=test-reports/jest-results.json'],
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'scripts'],
    ignorePatterns: ['src/imports/**'],
  },
  gitignore: ['/examples/dist/', '/.tmp/'],
});

// a lean package: source maps as separate files without the sources (stack traces still point at src/*.ts lines), instead of
// jsii's default of inlining every map and every source into the .js files (about half of the package)
project.tsconfig?.file.addOverride('compilerOptions.inlineSourceMap', false);
project.tsconfig?.file.addOverride('compilerOptions.inlineSources', false);
project.tsconfig?.file.addOverride('compilerOptions.sourceMap', true);
project.addPackageIgnore('/API.md');


// jsii's warnings (reserved words in Python/C#/Java, ...) make bindings in other languages awkward: fail on any of them,
// instead of projen's default of silencing the reserved-word ones
project.compileTask.reset('jsii --fail-on-warnings');
project.watchTask.reset('jsii -w');

// ts-jest does not type-check across files reliably; type-check src, tests, examples and scripts first.
project.testTask.prependExec('tsc --noEmit -p test/tsconfig.json && tsc --noEmit -p examples/tsconfig.json');

// the main job a newcomer runs: synthesize the example app to YAML on disk
project.addTask('synth:example', {
  description: 'Synthesize the example app in examples/ to examples/dist/*.k8s.yaml',
  exec: 'ts-node --project examples/tsconfig.json examples/main.ts',
});

// performance budget: not part of the test suite (timing tests are flaky on shared CI machines)
project.addTask('bench', {
  description: 'Measure synth time, resolver throughput and import time; prints the table the README reports',
  exec: 'ts-node --project scripts/tsconfig.json scripts/bench.ts',
});

// the performance model's calibration and cross-validation report (the README quotes it)
project.addTask('perf:report', {
  description: 'Print the performance model calibration factors and leave-one-out errors',
  exec: 'ts-node --project scripts/tsconfig.json scripts/perf-model-report.ts',
});

// the autoscaling simulator's comparison of derived thresholds with rules of thumb (the README quotes it)
project.addTask('autoscaling:report', {
  description: 'Simulate the measured profiles under the derived HPA thresholds and the rules of thumb',
  exec: 'ts-node --project scripts/tsconfig.json scripts/autoscaling-report.ts',
});

// regenerate the catalog data modules from the reference CSVs in ../shared/reference/data
project.addTask('import:reference-data', {
  description: 'Regenerate src/catalog/data/*.generated.ts from ../shared/reference/data/*.csv',
  exec: 'ts-node --project scripts/tsconfig.json scripts/import-reference-data.ts',
});

// regenerate the typed PodMonitoring binding from the vendored CRD (works offline)
project.addTask('import:crds', {
  description: 'Regenerate src/imports from the CRDs in ../shared/schemas/crds',
  // one file per API group with only the version the library emits (see the script); the LeaderWorkerSet binding is not regenerated here
  exec: 'ts-node --project scripts/tsconfig.json scripts/import-crds.ts',
});

for (const p of ['/examples/', '/scripts/', '/.ci/', '/.tmp/']) {
  project.addPackageIgnore(p);
}

project.synth();
