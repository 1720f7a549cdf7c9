#!/usr/bin/env node
// Synthesizes every example with the cdk8s CLI (`cdk8s synth` in its folder) into its committed
// dist/, and lets each print the risks it reports. Exit code: non-zero if any synth fails.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = __dirname;
const cli = path.join(root, '..', 'node_modules', '.bin', 'cdk8s');
const examples = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'cdk8s.yaml'))).sort();
let failed = 0;
for (const example of examples) {
  const dir = path.join(root, example);
  process.stdout.write(`\n=== examples/${example}: cdk8s synth ===\n`);
  const result = spawnSync(cli, ['synth'], { cwd: dir, stdio: 'inherit', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  if (result.status !== 0) {
    failed++;
    process.stderr.write(`examples/${example}: cdk8s synth failed (exit ${result.status})\n`);
  }
}
process.stdout.write(`\n${examples.length - failed} of ${examples.length} examples synthesized into examples/*/dist/\n`);
process.exit(failed ? 1 : 0);
