#!/usr/bin/env bash
# Checks the npm package as it would be published, after `npx projen compile` and `npx projen docgen`:
#   1. `npm pack` into a temporary directory outside the repository;
#   2. the tarball's contents: the compiled library with its types, the jsii assembly, API.md, LICENSE and
#      README.md; no tests, sources, examples (or their synthesized dist/), benchmark, CI or projen files;
#   3. the packaged package.json: name, version, engines.node, peer dependencies (cdk8s, cdk8s-plus-27,
#      constructs), runtime dependencies only bundled ones (shipped inside the tarball, as jsii requires for a
#      dependency that is not a jsii module: `yaml`, for the command line), stability, repository/homepage/bugs;
#      the `cdk8s-stateless` bin;
#   4. a scratch cdk8s app in another temporary directory installs the tarball and the peers at the lowest
#      versions the package accepts, from the npm registry (never from this repository), with
#      --engine-strict and --strict-peer-deps, compiles the README's quick start (extracted from README.md)
#      with TypeScript and synthesizes it; the YAML must hold the objects the quick start describes;
#   5. `npm publish --dry-run` of the tarball succeeds.
# Usage: bash .ci/package-check.sh   (about 30 s with a warm npm cache)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

fail() { echo "package-check: FAILED: $*" >&2; exit 1; }
note() { echo "package-check: $*"; }

[ -f .jsii ] && [ -f lib/index.js ] && [ -f lib/index.d.ts ] || fail "no compiled library: run 'npx projen compile' first"
[ -f API.md ] || fail "no API.md: run 'npx projen docgen' first"

work="$(mktemp -d -t cdk8s-stateless-pack.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/pack" "$work/app"

# 1. pack
npm pack --silent --json --pack-destination "$work/pack" > "$work/pack.json"
tarball="$work/pack/$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1]))[0].filename)' "$work/pack.json")"
[ -f "$tarball" ] || fail "npm pack wrote no tarball"
note "packed $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

# 2 and 3. contents and manifest, from the tarball itself
mkdir "$work/unpacked"
tar -xzf "$tarball" -C "$work/unpacked"
node - "$work/unpacked/package" "$repo/src" <<'EOF' || fail "tarball contents or manifest (above)"
const fs = require('fs');
const path = require('path');
const [root, srcDir] = process.argv.slice(2);
const problems = [];
const files = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p); else files.push(path.relative(root, p).split(path.sep).join('/'));
  }
})(root);
const has = (f) => files.includes(f);

for (const f of ['package.json', 'README.md', 'LICENSE', 'API.md', '.jsii', 'lib/index.js', 'lib/index.d.ts']) {
  if (!has(f)) problems.push(`missing ${f}`);
}
// every module compiled from src/ ships with its JavaScript and its type declarations
(function walkSrc(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { walkSrc(p); continue; }
    if (!e.name.endsWith('.ts') || e.name.endsWith('.d.ts')) continue;
    const rel = path.relative(srcDir, p).split(path.sep).join('/').replace(/\.ts$/, '');
    for (const ext of ['.js', '.d.ts']) if (!has(`lib/${rel}${ext}`)) problems.push(`missing lib/${rel}${ext} (from src/${rel}.ts)`);
  }
})(srcDir);
// runtime asset folders, if the library ever gets one, must ship too
if (fs.existsSync(path.join(srcDir, '..', 'assets')) && !files.some((f) => f.startsWith('assets/'))) problems.push('missing assets/');

const forbidden = [
  [/^test\//, 'tests'], [/\.test\.(js|ts|d\.ts)$/, 'tests'], [/__snapshots__|\.snap$/, 'snapshots'],
  [/^src\//, 'TypeScript sources'], [/^examples\//, 'examples'], [/(^|\/)dist\//, "examples' synthesized output (dist/)"],
  [/cdk8s\.out\//, 'synthesized output (cdk8s.out/)'], [/^bench\//, 'the benchmark'], [/^\.ci\//, 'CI scripts'],
  [/^\.github\//, 'workflows'], [/^\.projen|^projenrc\/|^\.projenrc/, 'projen files'], [/^coverage\/|^test-reports\//, 'test reports'],
  [/^tsconfig/, 'tsconfig'], [/^CONTRIBUTING\.md$/, 'contributor documentation'], [/\.tgz$/, 'nested tarballs'],
];
for (const f of files) {
  if (f.startsWith('node_modules/')) continue; // a bundled dependency's own files (checked below)
  for (const [re, what] of forbidden) if (re.test(f)) problems.push(`must not ship ${what}: ${f}`);
}

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
if (pkg.name !== 'cdk8s-stateless') problems.push(`name is ${pkg.name}`);
if (!pkg.engines || !pkg.engines.node) problems.push('no engines.node');
const peers = pkg.peerDependencies || {};
for (const p of ['cdk8s', 'cdk8s-plus-27', 'constructs']) if (!peers[p]) problems.push(`no peer dependency on ${p}`);
// A runtime dependency must be bundled (inside the tarball), so it is never resolved against the user's own copy.
const bundled = pkg.bundledDependencies || pkg.bundleDependencies || [];
for (const d of Object.keys(pkg.dependencies || {})) {
  if (!bundled.includes(d)) problems.push(`runtime dependency ${d} is not bundled: it would be installed next to the user's`);
}
for (const d of bundled) if (!has(`node_modules/${d}/package.json`)) problems.push(`bundled dependency ${d} is not in the tarball`);
// node_modules may hold only the bundled dependencies (and their own files)
for (const f of files) {
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
  if (m && !bundled.some((d) => m[1] === d)) problems.push(`must not ship node_modules other than the bundled dependencies: ${f}`);
  if (!m && /(^|\/)node_modules\//.test(f)) problems.push(`must not ship node_modules: ${f}`);
}
if (!pkg.bin || pkg.bin['cdk8s-stateless'] !== 'lib/cli/main.js' || !has('lib/cli/main.js')) problems.push(`bin cdk8s-stateless -> lib/cli/main.js missing (${JSON.stringify(pkg.bin)})`);
if (pkg.stability !== 'experimental' && !/^[1-9]/.test(pkg.version)) problems.push(`stability is ${pkg.stability} before 1.0`);
for (const f of ['repository', 'homepage', 'bugs', 'author', 'license']) if (!pkg[f]) problems.push(`no ${f}`);
if (pkg.author && pkg.author.email && /example$|noreply/.test(pkg.author.email)) problems.push(`placeholder author email ${pkg.author.email}`);
if (pkg.types !== 'lib/index.d.ts' || pkg.main !== 'lib/index.js') problems.push(`main/types are ${pkg.main}/${pkg.types}`);
if (!pkg.jsii || !pkg.jsii.targets || !pkg.jsii.targets.python) problems.push('no jsii targets');
// what Construct Hub needs to list the package as a cdk8s construct library (see .projenrc.ts)
if (!(pkg.keywords || []).includes('cdk8s')) problems.push('no keyword cdk8s');

if (problems.length > 0) {
  console.error(problems.map((p) => `  - ${p}`).join('\n'));
  process.exit(1);
}
console.log(`package-check: ${files.length} files; engines.node ${pkg.engines.node}; peers ${Object.entries(peers).map(([n, v]) => `${n}@${v}`).join(', ')}`);
// the lowest version each peer range accepts: what the scratch app installs
fs.writeFileSync(path.join(root, '..', 'peer-floors.txt'),
  Object.entries(peers).map(([n, v]) => `${n}@${v.replace(/^[\^~>=\s]+/, '').split(/\s/)[0]}`).join('\n') + '\n');
EOF

# 4. a scratch cdk8s app: the tarball plus its peers from the registry; the quick start from README.md
cd "$work/app"
cat > package.json <<'EOF'
{ "name": "quickstart-app", "version": "1.0.0", "private": true }
EOF
typescript_range="$(node -p 'require(process.argv[1]).devDependencies.typescript' "$repo/package.json")"
# shellcheck disable=SC2046
npm install --silent --no-audit --no-fund --prefer-offline --engine-strict --strict-peer-deps \
  "$tarball" $(cat "$work/unpacked/peer-floors.txt") "typescript@$typescript_range" \
  || fail "npm install of the tarball with its peers ($(tr '\n' ' ' < "$work/unpacked/peer-floors.txt")) failed"
note "installed into a scratch app: $(node -e 'for (const n of process.argv.slice(1)) process.stdout.write(`${n}@${require(`./node_modules/${n}/package.json`).version} `)' cdk8s-stateless cdk8s cdk8s-plus-27 constructs typescript)"

# the first ```ts block under "## Quick start", as a user would paste it
node - "$repo/README.md" > main.ts <<'EOF' || fail "no quick start in README.md"
const text = require('fs').readFileSync(process.argv[2], 'utf8');
const section = text.split(/^## /m).find((s) => s.startsWith('Quick start'));
if (!section) { console.error('README.md has no "## Quick start" section'); process.exit(1); }
const m = section.match(/```ts\n([\s\S]*?)```/);
if (!m) { console.error('the Quick start section has no ```ts block'); process.exit(1); }
process.stdout.write(m[1]);
EOF
grep -q "from 'cdk8s-stateless'" main.ts || fail "the README quick start does not import 'cdk8s-stateless'"
cat > tsconfig.json <<'EOF'
{ "compilerOptions": { "target": "ES2022", "lib": ["es2022"], "module": "node16", "moduleResolution": "node16",
  "strict": true, "skipLibCheck": true, "types": [], "outDir": "out" }, "files": ["main.ts"] }
EOF
npx --no-install tsc -p tsconfig.json || fail "the README quick start does not compile against the packed library"
node out/main.js > synth.log 2>&1 || { cat synth.log; fail "the README quick start does not synthesize"; }
yaml_files=(dist/*.k8s.yaml)
[ -f "${yaml_files[0]}" ] || fail "the quick start wrote no dist/*.k8s.yaml"
# what the quick start describes: every name, namespace and image it spells out, the workload, its Service and
# the store's StatefulSet, an HPA when it autoscales and a route when it has a host or path
node - main.ts "${yaml_files[@]}" <<'EOF' || fail "the synthesized quick start lacks what the snippet describes (above)"
const fs = require('fs');
const [snippetFile, ...yamlFiles] = process.argv.slice(2);
const snippet = fs.readFileSync(snippetFile, 'utf8');
const lines = yamlFiles.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n')).map((l) => l.trim().replace(/^- /, ''));
const expected = ['kind: Deployment', 'kind: Service', 'kind: StatefulSet'];
for (const [, key, value] of snippet.matchAll(/\b(name|namespace|image): '([^']+)'/g)) expected.push(`${key}: ${value}`);
if (/\bautoscaling:/.test(snippet)) expected.push('kind: HorizontalPodAutoscaler');
const missing = expected.filter((e) => !lines.includes(e));
if (/\b(host|path):/.test(snippet) && !lines.includes('kind: Ingress') && !lines.includes('kind: HTTPRoute')) missing.push('a route (kind: Ingress or HTTPRoute)');
if (missing.length > 0) { console.error(`missing from the YAML: ${missing.join('; ')}`); process.exit(1); }
console.log(`package-check: the YAML has ${expected.join('; ')}`);
EOF
note "quick start synthesized from the packed library: ${yaml_files[*]} ($(grep -c '^kind:' "${yaml_files[@]}" | awk -F: '{s+=$NF} END {print s}') objects)"

# 4b. the command line from the tarball: `npx cdk8s-stateless audit` in the scratch app, on the quick start's YAML
# and on a hand-written sticky Ingress; exit codes 1 (risks), 0 (--fail-on none) and 2 (no manifests)
mkdir -p audit-foreign audit-empty
cat > audit-foreign/sticky.yaml <<'EOF2'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: cart
  annotations:
    nginx.ingress.kubernetes.io/affinity: cookie
spec:
  rules:
    - http:
        paths:
          - { path: /, pathType: Prefix, backend: { service: { name: cart, port: { number: 80 } } } }
EOF2
set +e
npx --no-install cdk8s-stateless audit dist audit-foreign --format json --output audit.json 2> audit.log; audit_rc=$?
npx --no-install cdk8s-stateless audit dist audit-foreign --format sarif --fail-on none > audit.sarif 2>> audit.log; sarif_rc=$?
npx --no-install cdk8s-stateless audit audit-empty > /dev/null 2>> audit.log; empty_rc=$?
set -e
[ "$audit_rc" = 1 ] && [ "$sarif_rc" = 0 ] && [ "$empty_rc" = 2 ] \
  || { cat audit.log; fail "cdk8s-stateless audit from the tarball: exit codes $audit_rc/$sarif_rc/$empty_rc, expected 1/0/2"; }
node - audit.json audit.sarif <<'EOF2' || fail "cdk8s-stateless audit from the tarball: unexpected report (above)"
const fs = require('fs');
const [jsonFile, sarifFile] = process.argv.slice(2);
const report = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
const sarif = JSON.parse(fs.readFileSync(sarifFile, 'utf8'));
const detected = report.findings.filter((f) => f.origin === 'detected' && f.object.name === 'cart').map((f) => f.code);
const problems = [];
if (report.schemaVersion !== 1) problems.push(`schemaVersion ${report.schemaVersion}`);
if (!detected.includes('AFFINITY_UNEVEN_LOAD') || !detected.includes('INGRESS_NGINX_RETIRED')) problems.push(`detected on the sticky Ingress: ${detected.join(', ')}`);
if (sarif.version !== '2.1.0' || sarif.runs[0].results.length !== report.findings.length) problems.push('SARIF run');
if (!sarif.runs[0].results.every((r) => r.locations[0].physicalLocation.region.startLine >= 1)) problems.push('SARIF lines');
if (problems.length > 0) { console.error(problems.join('\n')); process.exit(1); }
console.log(`package-check: cdk8s-stateless audit: ${report.findings.length} risks (${detected.length} detected on a hand-written sticky Ingress), SARIF ${sarif.version}`);
EOF2

# 4c. the command-line tool from the tarball: `npx cdk8s-stateless import` on a small sticky Ingress, in the scratch
#     app; the file it writes compiles against the packed library (its fillIn calls stay: it is not run)
cat > ingress.yaml <<'EOF'
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/affinity: "cookie"
    nginx.ingress.kubernetes.io/session-cookie-name: "route"
spec:
  ingressClassName: nginx
  rules:
    - host: web.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
EOF
npx --no-install cdk8s-stateless import --out imported.ts ingress.yaml > import-report.txt \
  || fail "npx cdk8s-stateless import failed from the packed library"
grep -q "new StickyIngress(this, 'web', {" imported.ts || fail "the import wrote no StickyIngress for the Ingress web"
grep -q '^== traefik' import-report.txt || fail "the import printed no report for traefik"
cat > tsconfig.import.json <<'EOF'
{ "extends": "./tsconfig.json", "compilerOptions": { "noEmit": true }, "files": ["imported.ts"] }
EOF
npx --no-install tsc -p tsconfig.import.json || fail "the file written by cdk8s-stateless import does not compile against the packed library"
note "npx cdk8s-stateless import: ran from the tarball; its file compiles"

# 5. npm publish --dry-run of the tarball (no registry write)
cd "$work/pack"
npm publish --dry-run "$tarball" > "$work/publish.log" 2>&1 || { cat "$work/publish.log"; fail "npm publish --dry-run failed"; }
note "npm publish --dry-run: ok"
note "passed"
