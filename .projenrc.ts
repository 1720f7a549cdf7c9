import { cdk8s, javascript, JsonFile, release } from 'projen';

// ---- Releasing: metadata, versions from commits, hosted workflows, jsii targets. ----
// The package's own run-time needs are those of its peers (cdk8s and cdk8s-plus-27 declare node >= 16.20.0);
// `engines` says what this project tests: Node.js 20 (.ci/run on this machine) and 22 (the hosted workflows).
// Development (devDeps: kubernetes-models 5, commit-and-tag-version 13) declares node >= 22; see CONTRIBUTING.md.
const redisInstallStep = {
  name: 'Install redis-server and redis-sentinel (end-to-end tests)',
  run: 'sudo apt-get update -qq && sudo apt-get install -y -qq redis-server redis-sentinel',
};
const releaseOptions = {
  author: 'cdk8s-stateless',
  // An organisation URL instead of an email address (projen's JsiiProject accepts either for authorAddress).
  authorAddress: 'https://github.com/cdk8s-stateless',
  authorOrganization: true,
  homepage: 'https://github.com/cdk8s-stateless/cdk8s-stateless#readme',
  bugsUrl: 'https://github.com/cdk8s-stateless/cdk8s-stateless/issues',
  // experimental until 1.0: 0.x minor versions may break the API (see README "Compatibility and releases")
  stability: 'experimental',
  minNodeVersion: '20.0.0',
  workflowNodeVersion: '22.x',

  // Hosted CI (GitHub Actions, generated): build.yml on pull requests, release.yml on every push to main.
  // `.ci/run` stays the local gate (the same compile, docgen, tests and package check, plus the examples).
  github: true,
  buildWorkflow: true,
  release: true,
  releaseTrigger: release.ReleaseTrigger.continuous(),
  // The first release (no v* tag yet) is 0.1.0 instead of projen's 0.0.0; later versions come from
  // conventional commits (in 0.x: fix/feat -> patch, breaking -> minor).
  // (projen runs task steps in its own portable shell, whose `test` has no -n: hence node.)
  nextVersionCommand: 'node -e "if (!process.env.LATEST_TAG) console.log(\'0.1.0\')"',
  // npm publishes with provenance statements (the release job gets id-token: write; the token is the NPM_TOKEN secret).
  npmProvenance: true,
  // `npx projen build` runs `npm test`, whose end-to-end tests need redis-server and redis-sentinel (they fail
  // under CI=true without them). The hosted build fails on drifted generated files (as .ci/run does) instead of
  // pushing a fix-up commit; it also runs .ci/package-check.sh (added below the project).
  buildWorkflowOptions: { preBuildSteps: [redisInstallStep], mutableBuild: false },
  releaseWorkflowSetupSteps: [redisInstallStep],
  // Semantic pull-request titles keep the squashed commits conventional (the bump reads them).
  githubOptions: { pullRequestLint: true, mergify: false },
  // The pins in this file (TypeScript ~6.0, cdk8s 2.68.12, the unrs-resolver override) are deliberate.
  depsUpgrade: false,
  autoApproveUpgrades: false,

  // jsii targets: every language jsii supports. Published by release.yml; built locally by `npx projen package-all`
  // where the toolchain exists (see CONTRIBUTING.md for what this machine can build).
  publishToPypi: { distName: 'cdk8s-stateless', module: 'cdk8s_stateless' },
  publishToMaven: {
    javaPackage: 'io.github.cdk8s_stateless',
    mavenGroupId: 'io.github.cdk8s-stateless',
    mavenArtifactId: 'cdk8s-stateless',
  },
  publishToGo: { moduleName: 'github.com/cdk8s-stateless/cdk8s-stateless-go', packageName: 'cdk8sstateless' },
  publishToNuget: { dotNetNamespace: 'Cdk8sStateless', packageId: 'Cdk8sStateless' },
} satisfies Partial<cdk8s.ConstructLibraryCdk8sOptions>;
// Construct Hub lists a jsii package as a construct library when it depends on (or peers) `constructs` or `cdk8s`,
// or has one of the keywords cdk, aws-cdk, awscdk, cdk8s, cdktf (cdklabs/construct-hub,
// src/package-sources/npmjs/packument-processing.lambda-shared.ts: isConstructLibrary, CONSTRUCT_KEYWORDS);
// this package has both (peers below, keyword `cdk8s` in `keywords`), and .ci/package-check.sh checks them.
// ---- end of the release options ----

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-stateless',
  description:
    'cdk8s constructs for stateless web apps on Kubernetes: Redis session store by default, sticky sessions as a warned opt-in, canary releases.',
  repositoryUrl: 'https://github.com/cdk8s-stateless/cdk8s-stateless.git',
  license: 'Apache-2.0',
  keywords: ['cdk8s', 'kubernetes', 'session-affinity', 'sticky-sessions', 'redis', 'canary', 'gateway-api', 'ingress-nginx'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  ...releaseOptions,

  jsiiVersion: '~6.0.0',
  // cdk8s 2.68.11 is not on the registry; 2.68.12 is the lowest published release satisfying >= 2.68.11.
  cdk8sVersion: '2.68.12',
  constructsVersion: '10.3.0',
  peerDeps: ['cdk8s-plus-27@^2.9.5'],
  // The command line (`cdk8s-stateless import|audit`, src/cli/) reads manifests with line numbers; jsii packages
  // ship their non-jsii run-time dependencies bundled.
  bundledDeps: ['yaml@^2'],
  bin: { 'cdk8s-stateless': 'lib/cli/main.js' },

  devDeps: [
    // schema validation of every synthesized object (ESM-only packages, loaded in a child process)
    'kubernetes-models@^5',
    // the property-based test over the whole public API (test/property.test.ts)
    'fast-check@^4',
    '@kubernetes-models/gateway-api@^2',
    // Custom resources validated like the API server does (test/support/crd-validator.ts, issues 11/13/15/16):
    // the CRDs' CEL rules (x-kubernetes-validations) run on @bufbuild/cel, and the kubernetes-models
    // typings of the Traefik, Argo Rollouts and Prometheus Operator resources (no @kubernetes-models/flagger exists on npm).
    '@bufbuild/cel@^0.6.1',
    // RE2 (linear time, Go's regexp syntax) for the CRDs' `pattern`s and CEL `matches`, as the API server runs them
    '@bufbuild/re2@^0.6.1',
    '@kubernetes-models/traefik@^2',
    '@kubernetes-models/argo-rollouts@^2',
    '@kubernetes-models/prometheus-operator@^6',
    // the examples are real cdk8s apps
    'cdk8s-cli@^2',
    'tsconfig-paths@^4',
    // the reference session app (examples/session-app) and its end-to-end tests
    'ioredis@^5.9.3',
    // the NODE_REDIS Sentinel preset, proven with node-redis' createSentinel and connect-redis
    // (connect-redis 10 needs Node.js 22; 9 is the newest for Node.js 20)
    'redis@^6.3.1',
    'connect-redis@^9',
    'express-session@^1',
    '@types/express-session@^1',
    // PodMonitor and PrometheusRule schema validation (ESM-only, in test/support/validate-schema.mjs)
    '@kubernetes-models/prometheus-operator@^6',
    // TypeScript 7 (the native compiler) has no JS API for ts-node/ts-jest; jsii 6.0 builds with TypeScript 6.0.
    'typescript@~6.0.0',
    // StickyIngress takes a Service of the cdk8s-plus major a user has (cdk8s init scaffolds cdk8s-plus-33);
    // test/cdk8s-plus-33-interop.test.ts is a real app on it
    'cdk8s-plus-33@^2.5.57',
    // the affinity lab (lab/): its chart is rendered to SVG with Vega-Lite in Node.js
    'vega@^6',
    'vega-lite@^6',
    // `cdk8s-stateless audit --format sarif` is validated against the SARIF 2.1.0 JSON schema that Microsoft's
    // jest-sarif ships (lib/schemas/sarif-2.1.0-rtm.5.json, a draft-04 schema, hence ajv-draft-04 on ajv 8)
    '@microsoft/jest-sarif@1.0.0-beta.0',
    'ajv@^8',
    'ajv-draft-04@^1',
    'ajv-formats@^3',
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
      // tests read only files in the repository (a fresh clone has no folders beside it)
      setupFiles: ['<rootDir>/test/support/repository-boundary.js'],
    },
  },

  tsconfigDev: {
    include: ['../examples/**/*.ts', '../bench/**/*.ts', '../lab/**/*.ts'],
    // Jest (ts-jest) and ts-node transpile each file on its own, without type-checking it: `tsc -p
    // test/tsconfig.typecheck.json` checks every type once, before the tests, in every tier.
    compilerOptions: { isolatedModules: true },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench', 'lab', 'projenrc', '.projenrc.ts'],
    // `npm test` checks; it never rewrites sources.
    commandOptions: { fix: false },
  },
  gitignore: ['/examples/**/cdk8s.out/', '/bench-results/'],

});

// a skipped end-to-end suite says why in the output of `npm test` (Jest's default reporter hides
// everything a fully skipped test file printed); test/e2e-skip-visible.test.ts runs Jest to show it.
project.jest?.addReporter(new javascript.JestReporter('<rootDir>/test/support/skipped-suite-reporter.js'));

// the README's code blocks, written and removed by test/readme-snippets.test.ts
project.gitignore.exclude('test/.readme-snippets/');

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
    include: ['../src/**/*.ts', '**/*.ts', '../examples/**/*.ts', '../bench/**/*.ts', '../lab/**/*.ts'],
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

// the session store's shell scripts are real files in assets/redis/ (read at synth, shipped in
// the npm package next to lib/); `npm test` checks them with shellcheck (Debian package `shellcheck`,
// installed by .ci/run). POSIX sh: the images run them with busybox/dash `sh`.
const shellcheck = project.addTask('shellcheck', {
  description: 'Check the session store shell scripts (assets/redis/*.sh) with shellcheck',
  exec: 'shellcheck --shell=sh --external-sources assets/redis/*.sh',
});

// Test tiers. `npm test` is the full suite (the README's test command, run by .ci/run); `npm run test:unit` runs
// no server (seconds, for the edit loop); `npm run test:e2e` runs only the suites that start real servers
// (redis-server/valkey-server, Sentinel, HAProxy, nginx, promtool). Type checks and lint run first in every tier,
// so a failing test cannot hide them. Jest's default on 2 cores is one worker; the end-to-end suites mostly wait
// on servers' timers (Sentinel's down-after-milliseconds, failover timeouts), so several run side by side.
const E2E_TEST_FILES = [
  '-e2e\\.test\\.ts$',
  '/redis-(acl|tls|faults|availability|operations)(-[a-z]+)?\\.test\\.ts$',
  '/affinity-lab\\.test\\.ts$',
  '/e2e-skip-visible\\.test\\.ts$',
];
const staticChecks = [
  { name: 'typecheck', exec: 'tsc -p test/tsconfig.typecheck.json' },
  { name: 'eslint', spawn: 'eslint' },
  { name: 'shellcheck', spawn: shellcheck.name },
];
project.testTask.reset();
for (const step of staticChecks) project.testTask.addSteps(step);
project.testTask.addSteps({ name: 'jest', exec: 'jest --passWithNoTests --ci --maxWorkers=6', receiveArgs: true });
const unitTests = project.addTask('test:unit', {
  description: 'Type checks, lint and every test that starts no server (the fast tier)',
});
for (const step of staticChecks) unitTests.addSteps(step);
unitTests.addSteps({
  name: 'jest',
  exec: `jest --passWithNoTests --ci --maxWorkers=2 ${E2E_TEST_FILES.map((p) => `--testPathIgnorePatterns='${p}'`).join(' ')}`,
  receiveArgs: true,
});
const e2eTests = project.addTask('test:e2e', {
  description: 'The end-to-end suites on real servers (redis-server, valkey-server, Sentinel, HAProxy, nginx, promtool)',
});
for (const step of staticChecks) e2eTests.addSteps(step);
e2eTests.addSteps({
  name: 'jest',
  exec: `jest --ci --maxWorkers=6 ${E2E_TEST_FILES.map((p) => `--testPathPatterns='${p}'`).join(' ')}`,
  receiveArgs: true,
});

// The main job: synthesize every example with the cdk8s CLI and show the risks it reports.
project.addTask('examples', {
  description: 'Synthesize every example (cdk8s synth) into its committed dist/ and print the warnings',
  exec: 'node examples/synth-all.js',
});

// The registry this project installs from has no other-platform binaries of unrs-resolver 1.13.0
// (used by jest 30 and the eslint TypeScript resolver), so its package-lock.json could not be
// used by `npm ci`. 1.12.2 is complete there.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

for (const p of ['/examples/', '/.ci/', '/bench/', '/bench-results/', '/assets/redis/.shellcheckrc']) {
  project.npmignore?.exclude(p);
}

// The synthesis benchmark (not a timed test): library vs hand-written cdk8s-plus-27, see bench/run.ts.
project.addTask('bench', {
  description: 'Benchmark synthesis of N StatelessWebApps against the same objects written by hand',
  exec: 'ts-node --project test/tsconfig.json --transpile-only bench/run.ts',
});
// The regression guard .ci/run runs after the tests (bench/guard.ts): ratios within one run, well under a minute;
// and the README's performance section, generated from the last `npm run bench` (bench-results/bench.json).
project.addTask('bench:guard', {
  description: 'Fail when synthesis time grows faster than the number of apps, or the library costs 1.25x hand-written',
  exec: 'node --expose-gc -r ts-node/register bench/guard.ts',
  env: { TS_NODE_PROJECT: 'test/tsconfig.json', TS_NODE_TRANSPILE_ONLY: 'true' },
});
project.addTask('bench:docs', {
  description: 'Rewrite docs/performance.md (its generated part) from bench-results/bench.json',
  exec: 'ts-node --project test/tsconfig.json --transpile-only bench/docs.ts',
});

// the hosted build also checks the npm package as it would be published (as .ci/run does).
project.buildWorkflow?.addPostBuildSteps({ name: 'Check the npm package as published', run: 'bash .ci/package-check.sh' });
// Contributor documentation is for the repository, not for the package's users.
project.npmignore?.exclude('/CONTRIBUTING.md');
// The affinity lab: sticky vs stateless on real nginx, HAProxy and Redis, see lab/run.ts and
// docs/affinity-lab.md. Not part of the package; `npm run lab -- --help` lists its options.
for (const p of ['/lab/', '/lab-results/']) {
  project.npmignore?.exclude(p);
}
new JsonFile(project, 'lab/tsconfig.json', {
  obj: {
    extends: '../tsconfig.json',
    compilerOptions: { rootDir: '..', noEmit: true },
    include: ['**/*.ts', '../src/**/*.ts', '../test/support/**/*.ts'],
  },
});
project.addTask('lab', {
  description: 'Run the affinity lab (sticky-balanced, sticky-persistent, stateless) and write lab-results/latest.json and docs/affinity-lab.md',
  exec: 'ts-node --project test/tsconfig.json --transpile-only lab/run.ts',
  receiveArgs: true,
});

// the property-based test with many more runs than `npm test` makes (PROPERTY_RUNS per property,
// PROPERTY_SEED for another seed), e.g. `PROPERTY_SEED=42 npx projen property`.
project.addTask('property', {
  description: 'Run the property-based test over the public API with 2000 runs per property (PROPERTY_RUNS and PROPERTY_SEED override)',
  env: { PROPERTY_LONG: '1' },
  exec: 'jest --ci test/property.test.ts',
  receiveArgs: true,
});

project.synth();
