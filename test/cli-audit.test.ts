import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { RELEASE, ShopChart, STABLE_IMAGE } from '../examples/canary/main';
import { Warnings } from '../src/warnings';
import { cli, FIXTURES, json, synthShop } from './support/audit-cli';
import { captureStderr } from './support/synth';

const foreign = (file: string) => path.join(FIXTURES, 'foreign', file);
const codesOf = (findings: any[], name: string) =>
  findings.filter((f) => f.object.name === name).map((f) => f.code).sort();

/** The text of the file from `line` (1-based) on. */
function linesFrom(file: string, line: number, count: number): string {
  return fs.readFileSync(file, 'utf8').split('\n').slice(line - 1, line - 1 + count).join('\n');
}

describe('foreign manifests: the mechanisms are detected and reported with the library\'s codes', () => {
  test('a hand-written sticky Ingress (persistent, Secure cookie, no TLS) behind a 3-replica Deployment', () => {
    const report = json([foreign('sticky-ingress.yaml')]);
    expect(codesOf(report.findings, 'cart')).toEqual([
      'AFFINITY_NO_SESSION_STORE',
      'AFFINITY_PERSISTENT_NO_REBALANCE',
      'AFFINITY_SECURE_COOKIE_WITHOUT_TLS',
      'AFFINITY_SESSION_LOSS',
      'AFFINITY_UNEVEN_LOAD',
      'INGRESS_NGINX_RETIRED',
    ]);
    const uneven = report.findings.find((f: any) => f.object.name === 'cart' && f.code === 'AFFINITY_UNEVEN_LOAD');
    // the numbers come from the Deployment in the same tree
    expect(uneven.message).toContain('Cookie affinity pins each user of cart to one of 3 pods');
    expect(uneven.origin).toBe('detected');
    expect(report.findings.find((f: any) => f.code === 'AFFINITY_PERSISTENT_NO_REBALANCE').message).toContain('scaling cart from 3 to 4 pods');
    expect(report.mechanisms.map((m: any) => m.description)).toContain('cookie affinity (ingress-nginx, persistent, cookie cart-route)');
  });

  test('its canary Ingress is paired with the stable one and gets the pinned-user risks of ingress-nginx', () => {
    const report = json([foreign('sticky-ingress.yaml')]);
    expect(codesOf(report.findings, 'cart-canary')).toEqual([
      'CANARY_OVERRIDE_IGNORED_WHEN_PINNED',
      'INGRESS_NGINX_CANARY_KEEPS_OVERRIDE_USERS',
      'INGRESS_NGINX_RETIRED',
    ]);
    const pinned = report.findings.find((f: any) => f.code === 'CANARY_OVERRIDE_IGNORED_WHEN_PINNED');
    expect(pinned.message).toContain('the affinity cookie cart-route who then sends the header x-canary');
    expect(report.mechanisms.find((m: any) => m.object.name === 'cart-canary').description).toBe(
      "canary (ingress-nginx) to Service cart-canary: CanaryMatch.header('x-canary'), CanaryMatch.weight(10) of 100, beside Ingress shop/cart, version-sticky",
    );
  });

  test('a hand-written ClientIP Service with an HPA, in a List: the HPA range and CPU target are in the texts', () => {
    const report = json([foreign('clientip-service.yaml')]);
    expect(codesOf(report.findings, 'legacy')).toEqual([
      'AFFINITY_CLIENT_IP_BEHIND_PROXY',
      'AFFINITY_CLIENT_IP_NAT',
      'AFFINITY_HPA_BLINDNESS',
      'AFFINITY_NO_SESSION_STORE',
      'AFFINITY_SESSION_LOSS',
      'AFFINITY_UNEVEN_LOAD',
    ]);
    const f = (code: string) => report.findings.find((x: any) => x.code === code);
    expect(f('AFFINITY_HPA_BLINDNESS').message).toContain('The HPA scales legacy on average CPU (target 70%) across 2-6 pods');
    // no sessionAffinityConfig: the Kubernetes default of 3 hours
    expect(f('AFFINITY_CLIENT_IP_NAT').message).toContain('lands on the same pod of legacy for 10800 s');
    expect(f('AFFINITY_CLIENT_IP_NAT').object.kind).toBe('Service');
  });

  test('a ClientIP Service routed by an Ingress names what the controller does with the Service', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-routed-'));
    const service = fs.readFileSync(foreign('sticky-ingress.yaml'), 'utf8').replace('  selector: { app: cart }', '  sessionAffinity: ClientIP\n  selector: { app: cart }');
    fs.writeFileSync(path.join(dir, 'app.yaml'), service);
    const report = json([dir]);
    const proxy = report.findings.find((x: any) => x.code === 'AFFINITY_CLIENT_IP_BEHIND_PROXY');
    expect(proxy.message).toContain('cart is also routed by ingress-nginx: ingress-nginx sends requests to the pod endpoints directly');
  });

  test('misspelt ingress-nginx values are read as ingress-nginx reads them: refused, so the defaults apply', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-misspelt-'));
    const yaml = fs
      .readFileSync(foreign('sticky-ingress.yaml'), 'utf8')
      // affinity-mode is checked case-sensitively and a cookie name may not hold "!": both refused, both defaulted
      .replace('affinity-mode: persistent', 'affinity-mode: Persistent')
      .replace('session-cookie-name: cart-route', 'session-cookie-name: "cart-route!"')
      // "10%" is not an integer (strconv.Atoi): no weight rule; affinity-canary-behavior is case-sensitive too: "Legacy" is refused (sticky)
      .replace('canary-weight: "10"', 'canary-weight: "10%"\n    nginx.ingress.kubernetes.io/affinity-canary-behavior: Legacy');
    fs.writeFileSync(path.join(dir, 'app.yaml'), yaml);
    const report = json([dir]);
    const described = report.mechanisms.map((m: any) => `${m.object.name}: ${m.description}`);
    expect(described).toContain('cart: cookie affinity (ingress-nginx, balanced, cookie INGRESSCOOKIE)');
    expect(described).toContain("cart-canary: canary (ingress-nginx) to Service cart-canary: CanaryMatch.header('x-canary'), beside Ingress shop/cart, version-sticky");
    // balanced affinity: no persistent-mode risk; the pinned-user texts name the cookie ingress-nginx really sets
    expect(codesOf(report.findings, 'cart')).not.toContain('AFFINITY_PERSISTENT_NO_REBALANCE');
    expect(report.findings.find((f: any) => f.code === 'CANARY_OVERRIDE_IGNORED_WHEN_PINNED').message).toContain('the affinity cookie INGRESSCOOKIE');
  });

  test('a hand-written HTTPRoute with sessionPersistence on a weighted rule', () => {
    const report = json([foreign('httproute-session.yaml')]);
    const codes = [...new Set(codesOf(report.findings, 'checkout'))];
    expect(codes).toEqual([
      'AFFINITY_NO_SESSION_STORE',
      'AFFINITY_PERSISTENT_NO_REBALANCE',
      'AFFINITY_SESSION_LOSS',
      'AFFINITY_UNEVEN_LOAD',
      'GATEWAY_API_EXPERIMENTAL',
    ]);
    expect(report.findings.find((f: any) => f.code === 'GATEWAY_API_EXPERIMENTAL').message).toContain('HTTPRoute shop/checkout uses HTTPRoute sessionPersistence');
    expect(report.mechanisms.map((m: any) => m.description)).toEqual([
      'session persistence (gateway-api, Cookie checkout-session) on rule 1',
      'weighted backends (gateway-api) on rule 1: checkout 90, checkout-next 10',
    ]);
  });

  test('a hand-written Traefik IngressRoute with a sticky cookie, and a weighted TraefikService', () => {
    const report = json([foreign('traefik-sticky.yaml')]);
    expect(codesOf(report.findings, 'profile')).toEqual([
      'AFFINITY_NO_SESSION_STORE',
      'AFFINITY_PERSISTENT_NO_REBALANCE',
      'AFFINITY_SESSION_LOSS',
      'AFFINITY_UNEVEN_LOAD',
    ]);
    expect(report.mechanisms.map((m: any) => m.description)).toEqual([
      'sticky cookie (traefik, cookie profile-pod) on Service profile of route 1',
      'weighted services (traefik): profile 95, profile-next 5; version-sticky (cookie profile-version)',
    ]);
  });

  test('an Ingress without affinity or canary annotations, and a Service without affinity, report nothing', () => {
    const plain = fs
      .readFileSync(foreign('sticky-ingress.yaml'), 'utf8')
      .split('\n---\n')
      .slice(0, 2)
      .join('\n---\n');
    const r = cli(['audit', '-'], plain);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 objects in 1 file; 0 risks (0 unacknowledged)');
  });

  test('the acknowledgement annotations acknowledge a detected risk on a hand-written object too', () => {
    const text = fs
      .readFileSync(foreign('clientip-service.yaml'), 'utf8')
      .replace(
        '    metadata:\n      name: legacy\n    spec:\n      selector: { app: legacy }',
        '    metadata:\n      name: legacy\n      annotations:\n' +
          '        risks.stateless.cdk8s.io/acknowledged: AFFINITY_CLIENT_IP_NAT,AFFINITY_UNEVEN_LOAD\n' +
          '    spec:\n      selector: { app: legacy }',
      );
    const r = cli(['audit', '-', '--format', 'json', '--fail-on', 'unacknowledged'], text);
    const report = JSON.parse(r.stdout);
    const acked = report.findings.filter((f: any) => f.acknowledged).map((f: any) => f.code).sort();
    expect(acked).toEqual(['AFFINITY_CLIENT_IP_NAT', 'AFFINITY_UNEVEN_LOAD']);
    expect(report.findings.find((f: any) => f.code === 'AFFINITY_CLIENT_IP_NAT').acknowledgedBy).toBe('risks.stateless.cdk8s.io/acknowledged');
    expect(report.summary.failing).toBe(4);
    expect(r.code).toBe(1);
  });
});

describe('line numbers point at the object', () => {
  test.each([
    ['sticky-ingress.yaml', 'cart', 'Ingress'],
    ['sticky-ingress.yaml', 'cart-canary', 'Ingress'],
    ['clientip-service.yaml', 'legacy', 'Service'],
    ['httproute-session.yaml', 'checkout', 'HTTPRoute'],
    ['traefik-sticky.yaml', 'profile', 'IngressRoute'],
  ])('%s: %s %s starts at the reported line', (file, name, kind) => {
    const report = json([foreign(file)]);
    const findings = report.findings.filter((f: any) => f.object.name === name && f.object.kind === kind);
    expect(findings.length).toBeGreaterThan(0);
    const line = findings[0].location.line;
    expect(findings.every((f: any) => f.location.line === line && f.location.file === foreign(file))).toBe(true);
    // the object's first line is its apiVersion (a document, or an item of a List), followed by its kind and name
    const head = linesFrom(foreign(file), line, 4);
    expect(head).toMatch(/^(\s*- )?apiVersion: /);
    expect(head).toContain(`kind: ${kind}`);
    expect(head).toContain(`name: ${name}`);
  });

  test('in a synthesized file, each annotated risk is located at its object', () => {
    const dir = synthShop(RELEASE);
    const file = path.join(dir, 'shop.k8s.yaml');
    const report = json([dir]);
    expect(report.findings.length).toBeGreaterThan(0);
    for (const f of report.findings) {
      const head = linesFrom(file, f.location.line, 3);
      expect(head).toMatch(/^apiVersion: /);
      expect(head).toContain(`kind: ${f.object.kind}`);
    }
  });
});

describe("the library's own objects: the audit reads the risk and acknowledgement annotations", () => {
  test('every risk of the synth is reported, with the same text and acknowledgement', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-lib-'));
    const app = new App({ outdir });
    const chart = new ShopChart(app, 'shop', { namespace: 'shop', stableImage: STABLE_IMAGE, release: RELEASE });
    captureStderr(() => app.synth());
    const report = json([outdir]);
    const risks = Warnings.of(chart).risks;
    expect(risks.length).toBeGreaterThan(5);
    for (const risk of risks) {
      const found = report.findings.filter((f: any) => f.code === risk.code && f.message === risk.message && f.remedy === risk.remedy);
      expect({ code: risk.code, found: found.length > 0 }).toEqual({ code: risk.code, found: true });
      expect(found.every((f: any) => f.acknowledged === risk.acknowledged && f.origin === 'annotation')).toBe(true);
    }
    // and nothing else: the audit adds no detected risk on top of the library's annotations
    expect(new Set(report.findings.map((f: any) => f.code))).toEqual(new Set(risks.map((r) => r.code)));
    expect(report.findings.find((f: any) => f.code === 'AFFINITY_BALANCED_REPIN').acknowledgedBy).toBe('risks.stateless.cdk8s.io/acknowledged');
  });

  test("a scope acknowledgement's reason is read from the acknowledged-reasons annotation", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-reason-'));
    const app = new App({ outdir });
    const chart = new ShopChart(app, 'shop', { namespace: 'shop', stableImage: STABLE_IMAGE, release: RELEASE });
    Warnings.of(chart).acknowledge('INGRESS_NGINX_RETIRED', 'The move to Gateway API is planned for Q3');
    captureStderr(() => app.synth());
    const retired = json([outdir]).findings.filter((f: any) => f.code === 'INGRESS_NGINX_RETIRED');
    expect(retired.length).toBe(2);
    for (const f of retired) {
      expect(f).toMatchObject({ acknowledged: true, reason: 'The move to Gateway API is planned for Q3', acknowledgedBy: "Warnings.of('shop')" });
    }
  });

  test('the ingress-nginx annotation names the audit reads are those the provider writes (the mechanisms of the example read back)', () => {
    const report = json([synthShop(RELEASE)]);
    const described = report.mechanisms.map((m: any) => `${m.object.kind} ${m.object.name}: ${m.description}`);
    expect(described).toContain('Ingress shop: cookie affinity (ingress-nginx, balanced, cookie shop-version)');
    expect(described.find((d: string) => d.startsWith('Ingress shop-canary'))).toMatch(
      /^Ingress shop-canary: canary \(ingress-nginx\) to Service shop-canary-[0-9a-f]+: CanaryMatch\.header\('region', 'east-us'\), CanaryMatch\.weight\(20\) of 100, beside Ingress shop\/shop, version-sticky$/,
    );
  });

  test('the library objects with their risk annotations removed: the audit detects the affinity and controller risks itself', () => {
    const dir = synthShop(RELEASE);
    const file = path.join(dir, 'shop.k8s.yaml');
    const library = json([dir]);
    // a "foreign" copy: no risk annotation, no justification
    const stripped = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => !/^\s+(risks\.stateless\.cdk8s\.io\/|stateless\.cdk8s\.io\/affinity-justification)/.test(l))
      .join('\n');
    const detected = JSON.parse(cli(['audit', '-', '--format', 'json'], stripped).stdout);
    const stable = (r: any) => r.findings.filter((f: any) => f.object.kind === 'Ingress' && f.object.name === 'shop');
    expect(stable(detected).map((f: any) => f.code).sort()).toEqual(stable(library).map((f: any) => f.code).sort());
    // the catalogue texts are the same: the workload's numbers and its session store are read from the tree
    const text = (r: any, code: string) => stable(r).find((f: any) => f.code === code).message;
    expect(text(detected, 'AFFINITY_UNEVEN_LOAD')).toBe(text(library, 'AFFINITY_UNEVEN_LOAD'));
    expect(text(detected, 'AFFINITY_BALANCED_REPIN')).toBe(text(library, 'AFFINITY_BALANCED_REPIN'));
    // the controller's risks name the object instead of the construct
    expect(text(detected, 'INGRESS_NGINX_RETIRED')).toContain('Ingress shop/shop relies on ingress-nginx cookie-affinity annotations');
    const canary = (r: any) => r.findings.filter((f: any) => f.object.name === 'shop-canary' && f.object.kind === 'Ingress').map((f: any) => f.code).sort();
    expect(canary(detected)).toEqual(['CANARY_OVERRIDE_IGNORED_WHEN_PINNED', 'INGRESS_NGINX_BALANCED_ROLLBACK_KEEPS_COOKIE', 'INGRESS_NGINX_CANARY_KEEPS_OVERRIDE_USERS', 'INGRESS_NGINX_RETIRED']);
    // the release's own risks (a shared store, the drift of version stickiness) need the CanaryRelease: not detected
    expect(canary(library)).toEqual([...canary(detected), 'CANARY_SHARED_SESSIONS', 'CANARY_STICKY_DRIFT'].sort());
  });
});

describe('Gateway API and Traefik: the library objects without their annotations get the library\'s codes', () => {
  /** Per object, the set of codes. */
  const codesByObject = (report: any) => {
    const out: { [object: string]: string[] } = {};
    for (const f of report.findings) {
      const key = `${f.object.kind} ${f.object.name}`;
      out[key] = [...new Set([...(out[key] ?? []), f.code])].sort();
    }
    return out;
  };
  test.each(['gateway-api', 'traefik'] as const)('%s', (provider) => {
    const dir = synthShop(RELEASE, provider);
    const library = codesByObject(json([dir]));
    const stripped = fs
      .readFileSync(path.join(dir, 'shop.k8s.yaml'), 'utf8')
      .split('\n')
      .filter((l) => !/^\s+risks\.stateless\.cdk8s\.io\//.test(l))
      .join('\n');
    const detected = codesByObject(JSON.parse(cli(['audit', '-', '--format', 'json'], stripped).stdout));
    // the release's own risks (a shared store, the drift of version stickiness) need the CanaryRelease: not detected
    const releaseOnly = new Set(['CANARY_SHARED_SESSIONS', 'CANARY_STICKY_DRIFT']);
    const expected = Object.fromEntries(
      Object.entries(library)
        .map(([object, codes]) => [object, codes.filter((c) => !releaseOnly.has(c))])
        .filter(([, codes]) => codes.length > 0),
    );
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(detected).toEqual(expected);
  });
});

describe('bad input: a clear message and exit code 2', () => {
  test('unreadable YAML names the file and line', () => {
    const r = cli(['audit', path.join(FIXTURES, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^cdk8s-stateless audit: test\/fixtures\/audit\/bad\/not-yaml\.yaml:6: not valid YAML: /);
  });

  test('a directory with no manifests', () => {
    const r = cli(['audit', path.join(FIXTURES, 'no-manifests')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'cdk8s-stateless audit: test/fixtures/audit/no-manifests: no Kubernetes objects found (no .yaml, .yml or .json file) in the tree to audit\n',
    );
  });

  test('an unknown option, a bad --format or --fail-on, a missing value, a missing path, no input', () => {
    const err = (args: string[]) => {
      const r = cli(['audit', ...args]);
      expect(r.code).toBe(2);
      return r.stderr;
    };
    expect(err([foreign('clientip-service.yaml'), '--strict'])).toBe(
      'cdk8s-stateless audit: unknown option --strict (options: --base, --fail-on, --format, --output, --help)\n',
    );
    expect(err([foreign('clientip-service.yaml'), '--format', 'xml'])).toBe("cdk8s-stateless audit: --format must be one of text, json, sarif, got 'xml'\n");
    expect(err([foreign('clientip-service.yaml'), '--fail-on=new'])).toBe(
      "cdk8s-stateless audit: --fail-on must be one of new-unacknowledged, unacknowledged, any, none, got 'new'\n",
    );
    expect(err([foreign('clientip-service.yaml'), '--base'])).toBe('cdk8s-stateless audit: --base needs a value (see --help)\n');
    expect(err(['does/not/exist'])).toBe('cdk8s-stateless audit: does/not/exist: no such file or directory\n');
    expect(err([foreign('clientip-service.yaml'), '--base', 'does/not/exist'])).toBe('cdk8s-stateless audit: does/not/exist: no such file or directory\n');
    expect(err([])).toBe('cdk8s-stateless audit: name the manifests to audit: a file, a directory or - for stdin (see --help)\n');
  });

  test('--help prints the usage and exits 0; the top-level usage lists audit', () => {
    const r = cli(['audit', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: cdk8s-stateless audit <file or directory>... [options]');
    expect(cli(['--help']).stdout).toMatch(/\n {2}audit {4}report stickiness and canary risks/);
  });
});

describe('exit codes and --fail-on', () => {
  test('risks found: 1 under unacknowledged and any, 0 under none', () => {
    const file = foreign('traefik-sticky.yaml');
    expect(cli(['audit', file]).code).toBe(1);
    expect(cli(['audit', file, '--fail-on', 'any']).code).toBe(1);
    expect(cli(['audit', file, '--fail-on', 'none']).code).toBe(0);
  });

  test('only acknowledged risks: 0 under unacknowledged, 1 under any', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-acked-'));
    const app = new App({ outdir });
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    new ShopChart(app, 'other', { namespace: 'other', stableImage: STABLE_IMAGE });
    for (const code of ['AFFINITY_UNEVEN_LOAD', 'AFFINITY_SECURE_COOKIE_WITHOUT_TLS', 'INGRESS_NGINX_RETIRED']) {
      Warnings.of(app).acknowledge(code, 'Accepted for the version pin during releases');
    }
    void chart;
    captureStderr(() => app.synth());
    const report = json([outdir, '--fail-on', 'unacknowledged']);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.every((f: any) => f.acknowledged)).toBe(true);
    expect(cli(['audit', outdir, '--fail-on', 'unacknowledged']).code).toBe(0);
    expect(cli(['audit', outdir, '--fail-on', 'any']).code).toBe(1);
  });

  test('--output writes the report to the file and a summary to stderr', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'audit-out-')), 'sub', 'audit.json');
    const r = cli(['audit', foreign('traefik-sticky.yaml'), '--format=json', `--output=${out}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`cdk8s-stateless audit: 4 risk(s), 4 failing (--fail-on new-unacknowledged); json report written to ${out}\n`);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).findings.length).toBe(4);
  });
});

describe('odd but parseable objects do not crash the audit', () => {
  test('fields of the wrong type are skipped; the objects are counted', () => {
    const odd = [
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: a, annotations: { nginx.ingress.kubernetes.io/affinity: cookie } }\nspec: { rules: 5 }',
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: b, annotations: { nginx.ingress.kubernetes.io/canary: "true" } }\n' +
        'spec: { rules: [ { http: { paths: [ { backend: { service: { name: c } } } ] } } ] }',
      'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: { name: c }\nspec: { rules: [ { backendRefs: 3, sessionPersistence: true }, null ] }',
      'apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata: { name: d }\nspec: { routes: [ { services: [ { name: s, sticky: { cookie: {} } } ] } ] }',
      'apiVersion: traefik.io/v1alpha1\nkind: TraefikService\nmetadata: { name: e }\nspec: { weighted: { services: [ {}, { name: x } ] } }',
      'apiVersion: v1\nkind: Service\nmetadata: { name: f }\nspec: { sessionAffinity: ClientIP, sessionAffinityConfig: { clientIP: "x" } }',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: g }\nspec: { replicas: "three", template: 4 }',
    ].join('\n---\n');
    const r = cli(['audit', '-', '--format', 'json', '--fail-on', 'none'], odd);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.head.objects).toBe(7);
    // the ClientIP Service still gets its risks, with the default timeout
    expect(report.findings.find((f: any) => f.object.name === 'f' && f.code === 'AFFINITY_CLIENT_IP_NAT').message).toContain('for 10800 s');
    // a canary Ingress without a stable one in the tree is still listed
    expect(report.mechanisms.find((m: any) => m.object.name === 'b').description).toContain('no stable Ingress for its host and path in this tree');
  });
});
