import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { captureStderr } from './support/synth';
import { buildOn, Target } from '../src/cli/import/build';
import { planImport } from '../src/cli/import/plan';
import { readInput } from '../src/cli/import/read-ingresses';
import { reportOn } from '../src/cli/import/report';
import { runCli } from '../src/cli/main';
import { ManifestObject, parseManifests, readManifests } from '../src/cli/manifests';
import { NGINX_ANNOTATION_RULES } from '../src/traffic/ingress-nginx';

// `cdk8s-stateless import` on a corpus written after the ingress-nginx documentation's examples
// (test/fixtures/ingress-nginx/README.md): the generated file compiles, runs, and synthesizes on ingress-nginx
// the same effective affinity and canary settings as its input; on Gateway API and Traefik the report is what
// the provider renders or refuses.

const ROOT = path.join(__dirname, '..');
const CORPUS = path.join(__dirname, 'fixtures', 'ingress-nginx');
const DIR = path.join(__dirname, '.cli-import');
const corpus = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();

/** Run `cdk8s-stateless import` in-process. */
function run(args: string[], stdin = ''): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runCli(['import', ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stdin: () => stdin });
  return { code, stdout, stderr };
}

/** The generated file with every fillIn answered by the stand-in the in-memory build uses. */
function filledIn(code: string): string {
  const body =
    "  if (/^why /.test(what)) return 'imported from ingress-nginx' as never;\n" +
    "  if (/canary image/.test(what)) return 'registry.example/fill-in-canary:0.0.0' as never;\n" +
    "  if (/image/.test(what)) return 'registry.example/fill-in:0.0.0' as never;\n" +
    '  if (/container port/.test(what)) return 8080 as never;\n' +
    '  throw new Error(what);\n';
  return code.replace(/(function fillIn\(what: string\): never \{\n)[\s\S]*?\n\}/, `$1${body}}`);
}

/** Run a generated file as `node main.js` would (app.synth() writes dist/), and read what it wrote. */
function runGenerated(file: string): ManifestObject[] {
  const outdir = fs.mkdtempSync(path.join(DIR, 'run-'));
  const cwd = process.cwd();
  process.chdir(outdir);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    captureStderr(() => jest.isolateModules(() => require(file)));
    return fs
      .readdirSync(path.join(outdir, 'dist'))
      .sort()
      .flatMap((f) => parseManifests(fs.readFileSync(path.join(outdir, 'dist', f), 'utf8'), f));
  } finally {
    process.chdir(cwd);
  }
}

/** Affinity and canary settings as ingress-nginx applies them (defaults for absent or refused values), per route. */
function effective(objects: ManifestObject[]): Array<{ [k: string]: string | undefined }> {
  const { ingresses } = readInput(objects.filter((o) => ['Ingress', 'Service', 'Deployment'].includes(o.object.kind)));
  const routeOf = (i: (typeof ingresses)[number]) => `${i.namespace}|${i.ingressClass}|${i.host}|${i.path}`;
  return ingresses
    .map((i) => {
      const stable = ingresses.find((s) => !s.isCanary && routeOf(s) === routeOf(i))!;
      const sticky = stable.get('affinity') === 'cookie';
      const e: { [k: string]: string | undefined } = { route: `${routeOf(i)}|${i.isCanary ? 'canary' : 'stable'}`, tls: i.tlsSecretName, regex: i.get('use-regex') };
      if (!i.isCanary && sticky) {
        for (const n of Object.keys(NGINX_ANNOTATION_RULES).filter((k) => NGINX_ANNOTATION_RULES[k].group === 'affinity' && k !== 'affinity-canary-behavior')) e[n] = i.get(n);
      }
      if (i.isCanary) {
        const header = i.get('canary-by-header');
        const value = header !== undefined ? i.get('canary-by-header-value') : undefined;
        e.header = header;
        e.value = value;
        e.pattern = header !== undefined && value === undefined ? i.get('canary-by-header-pattern') : undefined; // canary/main.go: the value wins
        e.cookie = i.get('canary-by-cookie');
        e.weight = i.get('canary-weight');
        e.total = e.weight === '0' ? undefined : i.get('canary-weight-total');
        e.behavior = sticky ? i.get('affinity-canary-behavior') : undefined;
      }
      return e;
    })
    .sort((a, b) => a.route!.localeCompare(b.route!));
}

beforeAll(() => {
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
});
afterAll(() => fs.rmSync(DIR, { recursive: true, force: true }));

describe.each(corpus)('the corpus file %s', (name) => {
  const fixture = path.join(CORPUS, name);
  const out = path.join(DIR, `${name.replace(/\.yaml$/, '')}.ts`);
  const input = () => readManifests([fixture]);

  test('imports: the file is written, the report goes to stdout', () => {
    const r = run(['--out', out, fixture]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('== ingress-nginx');
    expect(r.stdout).toContain('== gateway-api');
    expect(r.stdout).toContain('== traefik');
    fs.writeFileSync(out, filledIn(fs.readFileSync(out, 'utf8')));
  });

  test('round trip: the generated file synthesizes on ingress-nginx the effective settings of its input', () => {
    const synthesized = runGenerated(out);
    const expected = effective(input()).map((e) => {
      // the one reported change: no SameSite attribute becomes the library's SameSite=Lax
      return 'affinity' in e && e['session-cookie-samesite'] === undefined ? { ...e, 'session-cookie-samesite': 'lax' } : e;
    });
    expect(effective(synthesized)).toEqual(expected);
  });

  test('the in-memory build the report reads is what the generated file synthesizes', () => {
    const synthesized = runGenerated(out).map((m) => m.object);
    const built = buildOn(planImport(input()), 'ingress-nginx').objects;
    const key = (o: any) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    expect(synthesized.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(built.sort((a, b) => key(a).localeCompare(key(b))));
  });

  test.each(['gateway-api', 'traefik'] as Target[])('on %s, the report is what the provider renders or refuses', (target) => {
    const plan = planImport(input());
    const report = reportOn(input(), plan, target);
    const code = fs.readFileSync(out, 'utf8').replace(
      /TrafficProvider\.ingressNginx\(\{ ingressClassName: '[^']*' \}\)/g,
      target === 'gateway-api' ? "TrafficProvider.gatewayApi({ gatewayName: 'gateway', experimentalFields: true })" : 'TrafficProvider.traefik()',
    );
    const file = path.join(DIR, `${name.replace(/\.yaml$/, '')}-${target}.ts`);
    fs.writeFileSync(file, code);
    if (report.baseline.refusals.length > 0) {
      // the file as imported stops at the first refusal the report lists, with its exact message
      expect(() => runGenerated(file)).toThrow(report.baseline.refusals[0].message);
    } else {
      const key = (o: any) => `${o.kind}/${o.metadata.name}`;
      expect(runGenerated(file).map((m) => m.object).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
        report.baseline.objects.sort((a, b) => key(a).localeCompare(key(b))),
      );
    }
    // every line of "becomes" is a leaf of the rendered objects
    for (const e of report.entries.filter((x) => x.outcome === 'becomes')) {
      for (const d of e.detail.filter((x) => /^[A-Za-z]+\/[^ ]+\.[a-z]/.test(x) && !x.includes(' (instead of') && !x.includes('not rendered'))) {
        const [object, rest] = [d.slice(0, d.indexOf('.')), d.slice(d.indexOf('.') + 1)];
        const o = report.baseline.objects.find((x) => `${x.kind}/${x.metadata.name}` === object);
        expect([d, o !== undefined]).toEqual([d, true]);
        void rest;
      }
    }
  });
});

test('every generated file type-checks against the library, as a user compiles it (strict, no unused locals)', () => {
  const files = corpus.map((n) => path.join(DIR, `${n.replace(/\.yaml$/, '')}.ts`)).filter((f) => fs.existsSync(f));
  expect(files).toHaveLength(corpus.length);
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const base = ts.parseJsonConfigFileContent(config.config ?? {}, ts.sys, ROOT).options;
  const program = ts.createProgram(files, {
    ...base,
    noEmit: true,
    rootDir: ROOT,
    strict: true,
    noUnusedLocals: true,
    paths: { 'cdk8s-stateless': [path.join(ROOT, 'src', 'index.ts')] },
  });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  expect(errors).toEqual([]);
}, 180_000);
