#!/usr/bin/env bash
# cdk8s synth end to end, through the real cdk8s CLI (node_modules/.bin/cdk8s), on a generated repository of N
# apps (default 1,000; one chart, as bench/workload.ts's one-chart shape): how much of the time is TypeScript
# (ts-node type-checking, or tsc) and how much is synthesis, for the ways a cdk8s app can be run:
#   ts-node        app: npx ts-node main.ts              (what `cdk8s init typescript-app` writes)
#   transpile-only app: npx ts-node --transpile-only main.ts
#   swc            app: npx ts-node --swc main.ts         (needs @swc/core; skipped when it cannot be installed)
#   precompiled    tsc, then app: node main.js
# The library is used as a user gets it: compiled to JavaScript and .d.ts (tsc -p tsconfig.json), in the
# generated repository's node_modules. Writes a Markdown table to bench-results/cli.md (npx projen bench:docs
# puts it in docs/performance.md). Usage: bash bench/cli.sh [N] [runs per variant, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
n="${1:-1000}"
runs="${2:-3}"
repo="$root/bench-results/cli-repo"
export CDK8S_CHECK_UPGRADE=false CDK8S_STATELESS_STRICT=''

rm -rf "$repo"
mkdir -p "$repo"
printf '{ "name": "cli-repo", "private": true }\n' > "$repo/package.json"
swc=false
# (before the library is put into node_modules: npm would prune it as extraneous)
if (cd "$repo" && npm install --no-save --no-audit --no-fund --silent @swc/core @swc/helpers >/dev/null 2>&1); then swc=true; fi
mkdir -p "$repo/node_modules/cdk8s-stateless"
npx tsc -p tsconfig.json --outDir "$repo/node_modules/cdk8s-stateless/lib" --inlineSourceMap false --inlineSources false
cp -r assets "$repo/node_modules/cdk8s-stateless/assets"
printf '{ "name": "cdk8s-stateless", "version": "0.0.0", "main": "lib/index.js", "types": "lib/index.d.ts" }\n' > "$repo/node_modules/cdk8s-stateless/package.json"
# cdk8s, cdk8s-plus-27, constructs and ts-node resolve from the project's node_modules, one directory up the tree
# (TypeScript 6 includes no @types by default: the template's tsconfig gets "types": ["node"] for process.hrtime)
node -e 'const t = require("./node_modules/cdk8s-cli/templates/typescript-app/tsconfig.json"); t.compilerOptions.types = ["node"];
  require("fs").writeFileSync(process.argv[1], JSON.stringify(t, undefined, 2))' "$repo/tsconfig.json"
cat > "$repo/main.ts" <<EOF
import { App, Chart } from 'cdk8s';
import { RedisSessionStore, RiskCode, StatelessWebApp } from 'cdk8s-stateless';

const started = process.hrtime.bigint();
const app = new App();
const chart = new Chart(app, 'apps', { namespace: 'apps' });
const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
for (let i = 0; i < $n; i++) {
  new StatelessWebApp(chart, \`app-\${i}\`, {
    name: \`app-\${i}\`,
    image: \`registry.example.com/team/app-\${i}:1.0.0\`,
    host: \`app-\${i}.example.com\`,
    path: '/',
    healthCheckPath: '/healthz',
    autoscaling: { minReplicas: 2, maxReplicas: 10, targetCpuUtilizationPercent: 70 },
    sessionStore: store,
  });
}
app.synth();
process.stderr.write(\`BENCH synth-ms \${Number(process.hrtime.bigint() - started) / 1e6}\n\`);
EOF
printf 'language: typescript\napp: npx ts-node main.ts\n' > "$repo/cdk8s.yaml"

# run VARIANT APP-COMMAND [TSC-TIMES]: one line per run: wall and CPU (user + system, every process of the run)
# seconds of the CLI run, the App's own synth milliseconds (from its stderr), and the same two times of tsc
TIMEFORMAT='%R %U %S'
run() {
  local times synth
  times="$( { time (cd "$repo" && "$root/node_modules/.bin/cdk8s" synth --app "$2" > /dev/null 2> "$repo/stderr.txt"); } 2>&1 )"
  synth="$(sed -n 's/^BENCH synth-ms \([0-9.]*\)$/\1/p' "$repo/stderr.txt" | tail -1)"
  test -n "$synth" || { cat "$repo/stderr.txt" >&2; exit 1; }
  test "$(grep -c '^kind: Deployment$' "$repo/dist/apps.k8s.yaml")" = "$n" || { echo "$1: expected $n Deployments" >&2; exit 1; }
  echo "$1 $times ${synth%.*} ${3:-0 0 0}"
}

results="$repo/results.txt"
: > "$results"
for i in $(seq 1 "$runs"); do
  run ts-node 'npx ts-node main.ts' >> "$results"
  run transpile-only 'npx ts-node --transpile-only main.ts' >> "$results"
  if $swc; then run swc 'npx ts-node --swc main.ts' >> "$results"; fi
  rm -f "$repo/main.js"
  tsc_times="$( { time (cd "$repo" && "$root/node_modules/.bin/tsc" -p tsconfig.json); } 2>&1 )"
  run precompiled 'node main.js' "$tsc_times" >> "$results"
done

node - "$results" "$n" "$runs" "$swc" > "$root/bench-results/cli.md" <<'EOF'
const [file, n, runs, swc] = process.argv.slice(2);
// VARIANT wall user sys app-ms tsc-wall tsc-user tsc-sys
const rows = require('fs').readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' ').map((x, i) => (i === 0 ? x : Number(x))));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const os = require('os');
const s = (sec) => `${sec.toFixed(1)} s`;
const out = [
  `\`bash bench/cli.sh ${n} ${runs}\`: \`cdk8s synth\` (cdk8s-cli ${require('cdk8s-cli/package.json').version}) on a generated repository of ` +
    `${Number(n).toLocaleString('en-US')} apps in one chart, medians of ${runs} runs, ${os.cpus().length} x ${os.cpus()[0].model}, Node.js ${process.version}, ` +
    `TypeScript ${require('typescript/package.json').version}, ts-node ${require('ts-node/package.json').version}` +
    (swc === 'true' ? '' : ' (swc could not be installed: not measured)') + '. CPU is user + system time of every process of the step ' +
    '(on a shared machine, wall time also counts the waits for a CPU).',
  '',
  '| how the app runs | tsc before the synth: wall (CPU) | `cdk8s synth`: wall (CPU) | of which the App: constructs and synth (wall) | total wall (CPU) |',
  '|---|---:|---:|---:|---:|',
];
const label = { 'ts-node': '`npx ts-node main.ts` (what `cdk8s init` writes)', 'transpile-only': '`npx ts-node --transpile-only main.ts`', swc: '`npx ts-node --swc main.ts`', precompiled: '`tsc`, then `node main.js`' };
for (const v of ['ts-node', 'transpile-only', 'swc', 'precompiled']) {
  const r = rows.filter((x) => x[0] === v);
  if (r.length === 0) continue;
  const wall = median(r.map((x) => x[1])), cpu = median(r.map((x) => x[2] + x[3])), app = median(r.map((x) => x[4])) / 1000;
  const tscWall = median(r.map((x) => x[5])), tscCpu = median(r.map((x) => x[6] + x[7]));
  out.push(`| ${label[v]} | ${tscWall ? `${s(tscWall)} (${s(tscCpu)})` : '-'} | ${s(wall)} (${s(cpu)}) | ${s(app)} | ${s(wall + tscWall)} (${s(cpu + tscCpu)}) |`);
}
process.stdout.write(out.join('\n') + '\n');
EOF
cat "$root/bench-results/cli.md"
