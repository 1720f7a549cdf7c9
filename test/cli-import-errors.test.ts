import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../src/cli/main';

// Bad input to `cdk8s-stateless import`: a message with the file and line, exit code 2, and nothing written.

const DIR = path.join(__dirname, '.cli-import-errors');
const OUT = path.join(DIR, 'main.ts');
const CORPUS = path.join(__dirname, 'fixtures', 'ingress-nginx');

function run(args: string[], stdin = ''): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runCli(['import', ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stdin: () => stdin });
  return { code, stdout, stderr };
}

/** Write `text` as an input file and import it with --out; the output file must not exist afterwards. */
function importText(name: string, text: string, extra: string[] = []): { code: number; stdout: string; stderr: string } {
  const file = path.join(DIR, name);
  fs.writeFileSync(file, text);
  const r = run(['--out', OUT, ...extra, file]);
  expect(fs.existsSync(OUT)).toBe(false);
  return { ...r, stderr: r.stderr.split(DIR + path.sep).join('') };
}

const ingress = (name: string, annotations: string, backend = 'web', extraPaths = '') => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  annotations:
${annotations || '    {}'}
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
                name: ${backend}
                port:
                  number: 80
${extraPaths}`;

beforeEach(() => {
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
});
afterAll(() => fs.rmSync(DIR, { recursive: true, force: true }));

test('bad YAML: the file and line, exit 2, nothing written', () => {
  const r = importText('bad.yaml', `${ingress('web', '    nginx.ingress.kubernetes.io/affinity: cookie')}---\nkind: [unclosed\n`);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^cdk8s-stateless import: bad\.yaml:22: not valid YAML: /);
});

test('an object import does not read: the file and line, what it reads instead', () => {
  const r = importText('cm.yaml', `${ingress('web', '    nginx.ingress.kubernetes.io/affinity: cookie')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n`);
  expect([r.code, r.stderr]).toEqual([
    2,
    'cdk8s-stateless import: cm.yaml:21: ConfigMap settings (v1) is not supported: import reads networking.k8s.io/v1 Ingresses and the v1 Services and apps/v1 Deployments behind them (e.g. kubectl get ingress,service,deployment -o yaml)\n',
  ]);
});

test('an Ingress with two paths', () => {
  const second = '          - path: /api\n            pathType: Prefix\n            backend:\n              service:\n                name: api\n                port:\n                  number: 80\n';
  const r = importText('two.yaml', ingress('web', '    nginx.ingress.kubernetes.io/affinity: cookie', 'web', second));
  expect([r.code, r.stderr]).toEqual([
    2,
    'cdk8s-stateless import: two.yaml:1: Ingress web: has 2 paths; import reads Ingresses with exactly one host rule and one path (split the Ingress, one per path, and import again)\n',
  ]);
});

test('a canary Ingress without its stable Ingress', () => {
  const r = importText('canary.yaml', ingress('web-canary', '    nginx.ingress.kubernetes.io/canary: "true"\n    nginx.ingress.kubernetes.io/canary-weight: "10"', 'web-next'));
  expect([r.code, r.stderr]).toEqual([
    2,
    'cdk8s-stateless import: canary.yaml:1: canary Ingress web-canary has no stable Ingress with the same class, host, path and pathType (nginx, web.example.com, /, Prefix) in the input\n',
  ]);
});

test('two canaries of one route (ingress-nginx applies one)', () => {
  const text = [
    ingress('web', '    nginx.ingress.kubernetes.io/affinity: cookie'),
    ingress('web-canary', '    nginx.ingress.kubernetes.io/canary: "true"', 'web-next'),
    ingress('web-canary2', '    nginx.ingress.kubernetes.io/canary: "true"', 'web-next2'),
  ].join('---\n');
  const r = importText('canaries.yaml', text);
  expect([r.code, r.stderr]).toEqual([
    2,
    'cdk8s-stateless import: canaries.yaml:41: canary Ingress web-canary2 is the second canary of Ingress web; ingress-nginx applies one canary per route\n',
  ]);
});

test('canary annotations without canary: "true" make a second Ingress for the route', () => {
  const text = [ingress('web', '    nginx.ingress.kubernetes.io/affinity: cookie'), ingress('web-canary', '    nginx.ingress.kubernetes.io/canary-weight: "10"', 'web-next')].join('---\n');
  const r = importText('notcanary.yaml', text);
  expect([r.code, r.stderr]).toEqual([
    2,
    'cdk8s-stateless import: notcanary.yaml:21: Ingresses web and web-canary route the same class, host and path; import one of them (canary annotations take effect only with nginx.ingress.kubernetes.io/canary: "true")\n',
  ]);
});

test('what cdk8s-stateless refuses on ingress-nginx is refused by the import, with the Ingress and the library\'s message', () => {
  // nginx drops request headers with "_" by default (ignore_invalid_headers), so the library refuses the canary
  const text = [
    ingress('web', '    nginx.ingress.kubernetes.io/affinity: cookie'),
    ingress('web-canary', '    nginx.ingress.kubernetes.io/canary: "true"\n    nginx.ingress.kubernetes.io/canary-by-header: x_canary', 'web-next'),
  ].join('---\n');
  const r = importText('header.yaml', text);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(
    "cdk8s-stateless import: header.yaml:21: the import of this Ingress is refused by cdk8s-stateless on ingress-nginx: CanaryRelease 'default/web-canary': 'match.header' must use only letters, digits and \"-\" with ingress-nginx (nginx drops request headers whose names contain \"_\" or \".\" by default, and reads the rest with \"-\" as \"_\"), got \"x_canary\". Rename the header, e.g. \"x-canary\".\n",
  );
});

test('a plain Ingress without its Deployment: nothing to import, and why', () => {
  const r = importText('plain.yaml', ingress('web', ''));
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('plain.yaml:1: Ingress default/web was not imported: it has neither cookie affinity nor a canary');
});

test('options: an unknown target, an unknown option, no input', () => {
  expect(run(['--target', 'haproxy', 'x.yaml'])).toEqual({ code: 2, stdout: '', stderr: 'cdk8s-stateless import: --target must be one of ingress-nginx, gateway-api, traefik, got "haproxy"\n' });
  expect(run(['--frobnicate', 'x.yaml']).stderr).toMatch(/^cdk8s-stateless import: unknown option --frobnicate\n/);
  expect(run([]).stderr).toMatch(/^cdk8s-stateless import: no input: name files or directories, or - for standard input\n/);
  expect(run(['--out']).code).toBe(2);
});

test('--help prints the usage and exits 0; the command is listed in the main usage', () => {
  const r = run(['--help']);
  expect([r.code, r.stdout.split('\n')[0]]).toEqual([0, 'Usage: cdk8s-stateless import [options] <files, directories or -> ...']);
  let usage = '';
  runCli(['--help'], { stdout: (t) => (usage += t), stderr: () => undefined, stdin: () => '' });
  expect(usage).toMatch(/^ {2}import {3}turn ingress-nginx Ingresses into cdk8s-stateless constructs/m);
});

test('- reads standard input; without --out the file goes to stdout and the report to stderr, for the targets asked', () => {
  const text = fs.readFileSync(path.join(CORPUS, 'affinity-cookie.yaml'), 'utf8');
  const r = run(['--target', 'traefik', '-'], text);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^\/\/ Generated by `cdk8s-stateless import` from -\./);
  expect(r.stdout).toContain("new StickyIngress(this, 'nginx-test', {");
  expect(r.stderr).toMatch(/^== traefik /);
  expect(r.stderr).not.toContain('== gateway-api');
  expect(r.stderr).toContain('Ingress shop/nginx-test (-:2)');
});

test('an unknown annotation is listed on every target, a long value shortened to 80 characters', () => {
  const long = JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', annotations: { a: 'x'.repeat(200) } } });
  const text = ingress('web', `    nginx.ingress.kubernetes.io/affinity: cookie\n    kubectl.kubernetes.io/last-applied-configuration: '${long}'`);
  const r = run(['-'], text);
  expect(r.code).toBe(0);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('  kubectl.kubernetes.io/last-applied-configuration: '));
  expect(lines).toHaveLength(3);
  for (const l of lines) {
    expect(l).toBe(`  kubectl.kubernetes.io/last-applied-configuration: ${JSON.stringify(long).slice(0, 77)}...  [not imported]`);
  }
});
