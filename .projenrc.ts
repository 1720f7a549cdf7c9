import { cdk8s, javascript, JsonFile } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-stateless',
  description:
    'cdk8s constructs for stateless web apps on Kubernetes: Redis session store by default, sticky sessions as a warned opt-in, canary releases.',
  author: 'cdk8s-stateless maintainers',
  authorAddress: 'maintainers@users.noreply.h-seed-a38289a1.example',
  repositoryUrl: 'https://github.com/cdk8s-stateless/cdk8s-stateless.git',
  license: 'Apache-2.0',
  keywords: ['cdk8s', 'kubernetes', 'session-affinity', 'sticky-sessions', 'redis', 'canary', 'gateway-api', 'ingress-nginx'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // The project is checked by `.ci/run`, not by hosted workflows.
  github: false,

  jsiiVersion: '~6.0.0',
  // cdk8s 2.68.11 is not on the registry; 2.68.12 is the lowest published release satisfying >= 2.68.11.
  cdk8sVersion: '2.68.12',
  constructsVersion: '10.3.0',
  peerDeps: ['cdk8s-plus-27@^2.9.5'],

  devDeps: [
    // schema validation of every synthesized object (ESM-only packages, loaded in a child process)
    'kubernetes-models@^5',
    '@kubernetes-models/gateway-api@^2',
    'yaml@^2',
    // the examples are real cdk8s apps
    'cdk8s-cli@^2',
    'tsconfig-paths@^4',
    // the reference session app (examples/session-app) and its end-to-end tests
    'ioredis@^5.9.3',
    // TypeScript 7 (the native compiler) has no JS API for ts-node/ts-jest; jsii 6.0 builds with TypeScript 6.0.
    'typescript@~6.0.0',
  ],

  jestOptions: {
    // `npm test` must be able to fail on a stale snapshot: never write them.
    // `npm run test:update` is the deliberate command that rewrites them.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 30_000,
      collectCoverage: false,
      // examples import the library by its package name, as users do
      moduleNameMapper: { '^cdk8s-stateless$': '<rootDir>/src/index.ts' },
    },
  },

  tsconfigDev: {
    include: ['../examples/**/*.ts', '../bench/**/*.ts'],
    compilerOptions: {},
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench', 'projenrc', '.projenrc.ts'],
    // `npm test` checks; it never rewrites sources.
    commandOptions: { fix: false },
  },
  gitignore: ['/examples/**/cdk8s.out/', '/bench-results/'],

});

// Examples import the library by its package name (mapped to src/ by examples/tsconfig.json and jest).
project.eslint?.addOverride({
  files: ['examples/**/*.ts'],
  rules: { 'import/no-unresolved': ['error', { ignore: ['^cdk8s-stateless$'] }] },
});
// examples/session-app has its own package.json (for its Docker image); its cdk8s main.ts uses the repository's.
project.eslint?.addOverride({
  files: ['examples/session-app/*.ts'],
  rules: { 'import/no-extraneous-dependencies': 'off' },
});

// Type-checking beyond src/: jest transpiles tests without checking types, so `npm test` runs tsc over
// src, test, examples and bench first. Examples and the benchmark import the library by its package name.
const libraryPath = { 'cdk8s-stateless': ['../src/index.ts'] };
new JsonFile(project, 'test/tsconfig.typecheck.json', {
  obj: {
    extends: '../tsconfig.json',
    compilerOptions: { rootDir: '..', noEmit: true, paths: libraryPath },
    include: ['../src/**/*.ts', '**/*.ts', '../examples/**/*.ts', '../bench/**/*.ts'],
  },
});
new JsonFile(project, 'examples/tsconfig.json', {
  obj: {
    'extends': '../tsconfig.json',
    'compilerOptions': { rootDir: '..', noEmit: true, paths: libraryPath },
    'include': ['**/*.ts'],
    // `cdk8s synth` runs each example with ts-node, resolving the package name to ../src
    'ts-node': { transpileOnly: true, require: ['tsconfig-paths/register'] },
  },
});
new JsonFile(project, 'bench/tsconfig.json', {
  obj: {
    extends: '../tsconfig.json',
    compilerOptions: { rootDir: '..', noEmit: true },
    include: ['**/*.ts', '../src/**/*.ts'],
  },
});
project.testTask.prependExec('tsc -p test/tsconfig.typecheck.json', { name: 'typecheck' });

// Issue #10: the session store's shell scripts are real files in assets/redis/ (read at synth, shipped in
// the npm package next to lib/); `npm test` checks them with shellcheck (Debian package `shellcheck`,
// installed by .ci/run). POSIX sh: the images run them with busybox/dash `sh`.
const shellcheck = project.addTask('shellcheck', {
  description: 'Check the session store shell scripts (assets/redis/*.sh) with shellcheck',
  exec: 'shellcheck --shell=sh --external-sources assets/redis/*.sh',
});
project.testTask.spawn(shellcheck);

// The main job: synthesize every example with the cdk8s CLI and show the risks it reports.
project.addTask('examples', {
  description: 'Synthesize every example (cdk8s synth) into its committed dist/ and print the warnings',
  exec: 'node examples/synth-all.js',
});

// The registry this project installs from has no other-platform binaries of unrs-resolver 1.13.0
// (used by jest 30 and the eslint TypeScript resolver), so its package-lock.json could not be
// used by `npm ci`. 1.12.2 is complete there.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

for (const p of ['/examples/', '/.ci/', '/bench/', '/assets/redis/.shellcheckrc']) {
  project.npmignore?.exclude(p);
}

// The synthesis benchmark (not a timed test): library vs hand-written cdk8s-plus-27, see bench/run.ts.
project.addTask('bench', {
  description: 'Benchmark synthesis of N StatelessWebApps against the same objects written by hand',
  exec: 'ts-node --project test/tsconfig.json --transpile-only bench/run.ts',
});

project.synth();
