import * as fs from 'fs';
import * as path from 'path';
import { RE2JS } from '@bufbuild/re2';
import { ApiObject, App, Chart, Duration, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import {
  AffinityMode,
  CanaryMatch,
  CanaryRelease,
  PathType,
  RiskCode,
  SameSite,
  StatelessWebApp,
  StickyIngress,
  TraefikRiskCode,
  TrafficProvider,
  Warnings,
} from '../src';
import { lintViolations, podSecurityViolations } from './support/policy';
import { K8sObject, newChart, only, ofKind, schemaErrors, synth, synthYaml } from './support/synth';
import { ShopChart } from '../examples/canary/main';

const IMAGE = 'ghcr.io/acme/shop:1.8.0';
const NEXT = 'ghcr.io/acme/shop:1.9.0';
const RISKS = 'risks.stateless.cdk8s.io/';

function chartOnTraefik(entryPoints: string[] | null = ['websecure']) {
  const chart = newChart('shop');
  TrafficProvider.useByDefault(chart, TrafficProvider.traefik({ entryPoints: entryPoints ?? undefined }));
  return chart;
}

// ---------------------------------------------------------------------------------------------------------------
// A structural check against the real CRDs (../shared/crds/traefik, Traefik v3.7): types, enums, required fields,
// bounds, and no field the CRD does not have (controller-gen CRDs do not set additionalProperties: false, so an
// API server would silently prune an unknown field; here it is an error).
// ---------------------------------------------------------------------------------------------------------------
const CRD_DIR = path.join(__dirname, 'support', 'crds', 'traefik');
const CRDS = new Map<string, any>();
for (const file of fs.readdirSync(CRD_DIR)) {
  const crd = YAML.parse(fs.readFileSync(path.join(CRD_DIR, file), 'utf8'));
  for (const v of crd.spec.versions) CRDS.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, v.schema.openAPIV3Schema);
}

function crdErrors(objects: K8sObject[]): string[] {
  const out: string[] = [];
  for (const o of objects.filter((x) => x.apiVersion.startsWith('traefik.io/'))) {
    const schema = CRDS.get(`${o.apiVersion}/${o.kind}`);
    if (!schema) {
      out.push(`${o.kind}/${o.metadata.name}: no CRD for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    walk(schema, o, `${o.kind}/${o.metadata.name}`, out);
  }
  return out;
}

function walk(s: any, v: any, at: string, out: string[]): void {
  if (s['x-kubernetes-int-or-string']) {
    if (!(typeof v === 'string' || Number.isInteger(v))) out.push(`${at}: must be an integer or a string, got ${JSON.stringify(v)}`);
    return;
  }
  if (s.enum && !s.enum.includes(v)) out.push(`${at}: must be one of ${s.enum.join(', ')}, got ${JSON.stringify(v)}`);
  switch (s.type) {
    case 'object':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        out.push(`${at}: must be an object`);
        return;
      }
      for (const r of s.required ?? []) if (!(r in v)) out.push(`${at}: missing required field ${r}`);
      if (!s.properties && !s.additionalProperties) return; // e.g. metadata: free-form here
      for (const [k, child] of Object.entries(v)) {
        const ps = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
        if (!ps) out.push(`${at}: unknown field ${k}`);
        else walk(ps, child, `${at}.${k}`, out);
      }
      return;
    case 'array':
      if (!Array.isArray(v)) out.push(`${at}: must be an array`);
      else v.forEach((x, i) => walk(s.items, x, `${at}[${i}]`, out));
      return;
    case 'string':
      if (typeof v !== 'string') out.push(`${at}: must be a string, got ${JSON.stringify(v)}`);
      return;
    case 'integer':
      if (!Number.isInteger(v)) out.push(`${at}: must be an integer, got ${JSON.stringify(v)}`);
      else if ((s.minimum !== undefined && v < s.minimum) || (s.maximum !== undefined && v > s.maximum)) out.push(`${at}: out of range, got ${v}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') out.push(`${at}: must be a boolean, got ${JSON.stringify(v)}`);
      return;
    default:
      return;
  }
}

/** Both validators: @kubernetes-models (Traefik and Kubernetes models) and the CRD structure. */
function allSchemaErrors(objects: K8sObject[]): string[] {
  return [...schemaErrors(objects), ...crdErrors(objects)];
}

// ---------------------------------------------------------------------------------------------------------------
// Which request goes where: Traefik's router, for the matchers this provider writes, over the rendered objects.
// Semantics as in traefik/traefik pkg/muxer/http/matcher.go (Host: case-insensitive equality, as before v3.7.0, which
// added wildcards; HostRegexp on the lower-case host; Path: equality; PathPrefix: string prefix; PathRegexp,
// HeaderRegexp: Go's regexp, a match anywhere, here with RE2/J; Header: equality with one of the values) and mux.go
// (routes sorted by priority, highest first; priority 0 means len(rule), in bytes).
// ---------------------------------------------------------------------------------------------------------------
interface Req {
  host?: string;
  path: string;
  headers?: Record<string, string>;
}
type Matcher = (r: Req) => boolean;

function parseRule(rule: string): Matcher {
  const tokens = rule.match(/`[^`]*`|"(?:[^"\\]|\\.)*"|&&|\|\||[()!,]|[A-Za-z]+|\S/g)!;
  let i = 0;
  const peek = () => tokens[i];
  const take = (t?: string) => {
    const x = tokens[i++];
    if (t !== undefined && x !== t) throw new Error(`rule ${rule}: expected ${t}, got ${x}`);
    return x;
  };
  const str = (t: string) => (t.startsWith('`') ? t.slice(1, -1) : JSON.parse(t));
  const header = (r: Req, name: string) => Object.entries(r.headers ?? {}).filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
  const fns: Record<string, (a: string[]) => Matcher> = {
    Host: ([h]) => (r) => (r.host ?? '').toLowerCase() === h.toLowerCase(),
    HostRegexp: ([re]) => (r) => new RE2JS(re).test((r.host ?? '').toLowerCase()),
    Path: ([p]) => (r) => r.path === p,
    PathPrefix: ([p]) => (r) => r.path.startsWith(p),
    PathRegexp: ([re]) => (r) => new RE2JS(re).test(r.path),
    Header: ([n, v]) => (r) => header(r, n).includes(v),
    HeaderRegexp: ([n, re]) => (r) => header(r, n).some((v) => new RE2JS(re).test(v)),
  };
  const primary = (): Matcher => {
    if (peek() === '!') {
      take();
      const m = primary();
      return (r) => !m(r);
    }
    if (peek() === '(') {
      take('(');
      const m = or();
      take(')');
      return m;
    }
    const name = take();
    if (!fns[name]) throw new Error(`rule ${rule}: matcher ${name} is not modelled`);
    take('(');
    const args = [str(take())];
    while (peek() === ',') {
      take(',');
      args.push(str(take()));
    }
    take(')');
    return fns[name](args);
  };
  const and = (): Matcher => {
    let m = primary();
    while (peek() === '&&') {
      take();
      const [a, b] = [m, primary()];
      m = (r) => a(r) && b(r);
    }
    return m;
  };
  const or = (): Matcher => {
    let m = and();
    while (peek() === '||') {
      take();
      const [a, b] = [m, and()];
      m = (r) => a(r) || b(r);
    }
    return m;
  };
  const m = or();
  if (i !== tokens.length) throw new Error(`rule ${rule}: trailing ${tokens.slice(i).join(' ')}`);
  return m;
}

/**
 * `Service/<name>`, `TraefikService/<name>` or `404` for a request, over every IngressRoute rendered. Two matching
 * routes of the same (highest) priority that send to different services are an error: Traefik's sort.Sort is not
 * stable, so which one serves is undefined.
 */
function routeOf(objects: K8sObject[], req: Req): string {
  const routes = ofKind(objects, 'IngressRoute').flatMap((o) => o.spec.routes.map((r: any) => ({ ...r, priority: r.priority || Buffer.byteLength(r.match) })));
  const hits = routes.filter((r: any) => parseRule(r.match)(req));
  if (hits.length === 0) return '404';
  const top = Math.max(...hits.map((r: any) => r.priority));
  const targets = [...new Set(hits.filter((r: any) => r.priority === top).map((r: any) => `${r.services[0].kind}/${r.services[0].name}`))];
  if (targets.length > 1) throw new Error(`ambiguous: ${targets.join(' and ')} at priority ${top}`);
  return targets[0];
}

describe('the checks used below reject what they must', () => {
  test('the CRD check rejects an unknown field, a value outside an enum, a missing required field and a wrong type', () => {
    const bad: K8sObject = {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      metadata: { name: 'x' },
      spec: { routes: [{ match: 'PathPrefix(`/`)', priority: '1', services: [{ name: 's', port: 80, sticky: { cookie: { sameSite: 'lenient', expires: 5 } } }] }, { kind: 'Rule' }] },
    };
    expect(crdErrors([bad])).toEqual([
      'IngressRoute/x.spec.routes[0].priority: must be an integer, got "1"',
      'IngressRoute/x.spec.routes[0].services[0].sticky.cookie.sameSite: must be one of none, lax, strict, None, Lax, Strict, got "lenient"',
      'IngressRoute/x.spec.routes[0].services[0].sticky.cookie: unknown field expires',
      'IngressRoute/x.spec.routes[1]: missing required field match',
    ]);
  });

  test('@kubernetes-models/traefik rejects an object that breaks its schema', () => {
    const bad: K8sObject = { apiVersion: 'traefik.io/v1alpha1', kind: 'TraefikService', metadata: { name: 'x' }, spec: { weighted: { services: [{ name: 's', weight: -1 }] } } };
    expect(schemaErrors([bad])).toHaveLength(1);
  });

  test('the router model: priority order, Host, PathPrefix and Header', () => {
    const objects = [
      { apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'a' }, spec: { routes: [{ match: 'PathPrefix(`/`)', services: [{ kind: 'Service', name: 'low' }] }] } },
      { apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'b' }, spec: { routes: [{ match: 'Host(`a.b`) && Header(`x`, `1`)', priority: 1, services: [{ kind: 'Service', name: 'explicit-low' }] }] } },
    ];
    expect(routeOf(objects, { host: 'a.b', path: '/', headers: { X: '1' } })).toBe('Service/low');
    const tie = [objects[0], { ...objects[0], metadata: { name: 'c' }, spec: { routes: [{ match: 'PathPrefix(`/`)', services: [{ kind: 'Service', name: 'other' }] }] } }];
    expect(() => routeOf(tie, { path: '/' })).toThrow('ambiguous: Service/low and Service/other at priority 15');
    expect(routeOf(objects, { path: '/x', headers: {} })).toBe('Service/low');
    expect(parseRule('PathPrefix(`/`) && !Header(`x`, `1`)')({ path: '/', headers: { x: '1' } })).toBe(false);
  });
});

describe('StatelessWebApp on Traefik', () => {
  const chart = chartOnTraefik();
  new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, host: 'shop.example.com', path: '/store', tlsSecretName: 'shop-example-com-tls' });
  const objects = synth(chart);

  test('YAML snapshot', () => {
    expect(synthYaml(chart)).toMatchSnapshot();
  });

  test('an IngressRoute: entry points, Host and the prefix as whole path elements, an explicit priority, the TLS Secret; no Ingress', () => {
    const route = only(objects, 'IngressRoute');
    expect(route.apiVersion).toBe('traefik.io/v1alpha1');
    const match = 'Host(`shop.example.com`) && (Path(`/store`) || PathPrefix(`/store/`))';
    expect(route.spec).toEqual({
      entryPoints: ['websecure'],
      // a host route (tier 2 x 10^8), a prefix of 6 bytes: 6 x 6 + 1
      routes: [{ kind: 'Rule', match, priority: 200_000_037, services: [{ kind: 'Service', name: 'shop', port: 80 }] }],
      tls: { secretName: 'shop-example-com-tls' },
    });
    expect(ofKind(objects, 'Ingress')).toEqual([]);
    expect(ofKind(objects, 'HTTPRoute')).toEqual([]);
  });

  test('which request goes where: /store and /store/x, not /storefront, not another host', () => {
    expect(routeOf(objects, { host: 'shop.example.com', path: '/store' })).toBe('Service/shop');
    expect(routeOf(objects, { host: 'SHOP.example.com', path: '/store/cart' })).toBe('Service/shop');
    expect(routeOf(objects, { host: 'shop.example.com', path: '/storefront' })).toBe('404');
    expect(routeOf(objects, { host: 'other.example.com', path: '/store' })).toBe('404');
  });

  test('valid against the Traefik CRDs and the Kubernetes schemas, PSS restricted', () => {
    expect(allSchemaErrors(objects)).toEqual([]);
    expect(podSecurityViolations(objects)).toEqual([]);
    expect(lintViolations(objects)).toEqual([]);
  });
});

describe('paths and hosts', () => {
  function ruleOf(props: Partial<ConstructorParameters<typeof StatelessWebApp>[2]>, entryPoints: string[] | null = ['websecure']) {
    const chart = chartOnTraefik(entryPoints);
    new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, ...props });
    const objects = synth(chart);
    expect(allSchemaErrors(objects)).toEqual([]);
    return only(objects, 'IngressRoute');
  }

  test.each<[string, Partial<ConstructorParameters<typeof StatelessWebApp>[2]>, string]>([
    ['every host, the root', { path: '/' }, 'PathPrefix(`/`)'],
    ['a trailing slash is the same prefix', { path: '/api/' }, '(Path(`/api`) || PathPrefix(`/api/`))'],
    ['exact', { path: '/health', pathType: PathType.EXACT }, 'Path(`/health`)'],
    ['a regular expression, anchored at the start', { host: 'a.example.com', path: '/items/[0-9]+$', pathType: PathType.REGULAR_EXPRESSION }, 'Host(`a.example.com`) && PathRegexp(`^/items/[0-9]+$`)'],
  ])('%s', (_name, props, match) => {
    expect(ruleOf(props).spec.routes[0].match).toBe(match);
  });

  test('without entryPoints the route binds to every entry point (no field)', () => {
    expect(ruleOf({ host: 'a.example.com' }, null).spec.entryPoints).toBeUndefined();
  });

  test('a regular-expression path is anchored at the start and warned as Go regexp', () => {
    const chart = chartOnTraefik();
    new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, path: '/items/[0-9]+', pathType: PathType.REGULAR_EXPRESSION });
    const route = only(synth(chart), 'IngressRoute');
    const risk = Warnings.of(chart).risks.find((r) => r.code === TraefikRiskCode.TRAEFIK_REGEX_DIALECT)!;
    expect(risk.message).toBe(
      "StatelessWebApp 'test/shop' matches the path /items/[0-9]+ (as ^/items/[0-9]+) with Go's regexp on Traefik (RE2 syntax: no lookaround or backreferences, case-sensitive unless (?i)), " +
        'which finds a match anywhere in the value: the expression is not anchored at both ends (^...$), so values that merely contain a match also match.',
    );
    expect(route.metadata.annotations![`${RISKS}traefik-regex-dialect`]).toContain('Go\'s regexp');
    expect(routeOf([route], { path: '/items/12/reviews' })).toBe('Service/shop');
    expect(routeOf([route], { path: '/v2/items/12' })).toBe('404');
  });

  test('the same host and path on the same entry points is an error; on other entry points it is fine', () => {
    const chart = newChart();
    new StatelessWebApp(chart, 'a', { name: 'a', image: IMAGE, host: 'x.example.com', traffic: TrafficProvider.traefik({ entryPoints: ['web'] }) });
    new StatelessWebApp(chart, 'b', { name: 'b', image: IMAGE, host: 'x.example.com', traffic: TrafficProvider.traefik({ entryPoints: ['websecure'] }) });
    expect(() => new StatelessWebApp(chart, 'c', { name: 'c', image: IMAGE, host: 'x.example.com', traffic: TrafficProvider.traefik({ entryPoints: ['web'] }) })).toThrow(
      "StatelessWebApp 'test/c': 'host'/'path' is already routed by StatelessWebApp 'test/a' on the same traefik routes",
    );
  });
});

describe('route order across every app of a host: Kubernetes path precedence', () => {
  /** The Kubernetes winner: the longest matching path (a prefix without its trailing "/"), Exact before Prefix on a tie. */
  function kubernetesWinner(apps: Array<{ name: string; path: string; exact: boolean }>, requestPath: string): string {
    const matching = apps.filter((a) => {
      if (a.exact) return requestPath === a.path;
      const prefix = a.path.replace(/\/+$/, '');
      return prefix === '' || requestPath === prefix || requestPath.startsWith(`${prefix}/`);
    });
    if (matching.length === 0) return '404';
    const rank = (a: { path: string; exact: boolean }) => Buffer.byteLength(a.exact ? a.path : a.path.replace(/\/+$/, '')) * 2 + (a.exact ? 1 : 0);
    return `Service/${matching.sort((x, y) => rank(y) - rank(x))[0].name}`;
  }

  test('Exact beats Prefix, a longer prefix beats a shorter one, "/" comes last', () => {
    const chart = chartOnTraefik();
    const host = 'shop.example.com';
    new StatelessWebApp(chart, 'api', { name: 'api', image: IMAGE, host, path: '/api' });
    new StatelessWebApp(chart, 'health', { name: 'health', image: IMAGE, host, path: '/api/health', pathType: PathType.EXACT });
    new StatelessWebApp(chart, 'api-exact', { name: 'api-exact', image: IMAGE, host, path: '/api', pathType: PathType.EXACT });
    new StatelessWebApp(chart, 'root', { name: 'root', image: IMAGE, host, path: '/' });
    new StatelessWebApp(chart, 'login', { name: 'login', image: IMAGE, host, path: '/login' });
    const objects = synth(chart);
    expect(routeOf(objects, { host, path: '/api/health' })).toBe('Service/health');
    expect(routeOf(objects, { host, path: '/api' })).toBe('Service/api-exact');
    expect(routeOf(objects, { host, path: '/api/' })).toBe('Service/api');
    expect(routeOf(objects, { host, path: '/api/health/x' })).toBe('Service/api');
    expect(routeOf(objects, { host, path: '/login' })).toBe('Service/login');
    expect(routeOf(objects, { host, path: '/loginx' })).toBe('Service/root');
    expect(allSchemaErrors(objects)).toEqual([]);
  });

  test('100 apps on one host: every request goes where Kubernetes sends it, and no two matching routes tie', () => {
    const chart = chartOnTraefik();
    const host = 'shop.example.com';
    const segments = ['api', 'v1', 'v2', 'health', 'login', 'café', 'a', 'ab', 'static', 'x'];
    let seed = 11;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const apps: Array<{ name: string; path: string; exact: boolean }> = [{ name: 'app0', path: '/', exact: false }];
    const keys = new Set(['Prefix:/']);
    while (apps.length < 100) {
      const depth = 1 + next(3);
      const appPath = '/' + Array.from({ length: depth }, () => segments[next(segments.length)]).join('/') + (next(5) === 0 ? '/' : '');
      const exact = next(3) === 0;
      const key = `${exact ? 'Exact' : 'Prefix'}:${exact ? appPath : appPath.replace(/\/+$/, '')}`;
      if (keys.has(key)) continue;
      keys.add(key);
      apps.push({ name: `app${apps.length}`, path: appPath, exact });
    }
    for (const a of apps) {
      new StatelessWebApp(chart, a.name, { name: a.name, image: IMAGE, host, path: a.path, pathType: a.exact ? PathType.EXACT : PathType.PREFIX });
    }
    const objects = synth(chart);
    const requests = new Set<string>();
    for (const a of apps) {
      for (const suffix of ['', '/', '/x', 'x', '/health']) {
        const request = a.path.replace(/\/$/, '') + suffix;
        requests.add(request.startsWith('/') ? request : `/${request}`);
      }
    }
    const wrong: string[] = [];
    for (const request of requests) {
      const expected = kubernetesWinner(apps, request);
      const got = routeOf(objects, { host, path: request });
      if (got !== expected) wrong.push(`${request}: ${got}, Kubernetes ${expected}`);
    }
    expect(wrong).toEqual([]);
    expect(requests.size).toBeGreaterThan(300);
  });

  test('a path is counted in bytes, as Go counts the rule: /café is 6 bytes', () => {
    const chart = chartOnTraefik();
    new StatelessWebApp(chart, 'cafe', { name: 'cafe', image: IMAGE, host: 'shop.example.com', path: '/café' });
    expect(only(synth(chart), 'IngressRoute').spec.routes[0].priority).toBe(200_000_000 + 6 * 6 + 1);
  });

  test("a host's own routes serve it before a wildcard host's, and those before routes of every host", () => {
    const chart = chartOnTraefik();
    new StatelessWebApp(chart, 'exact', { name: 'exact', image: IMAGE, host: 'a.example.com' });
    new StatelessWebApp(chart, 'wild', { name: 'wild', image: IMAGE, host: '*.example.com', path: '/deep/er' });
    new StatelessWebApp(chart, 'any', { name: 'any', image: IMAGE, path: '/deep/er/still' });
    const objects = synth(chart);
    expect(routeOf(objects, { host: 'a.example.com', path: '/deep/er/still' })).toBe('Service/exact');
    expect(routeOf(objects, { host: 'b.example.com', path: '/deep/er/still' })).toBe('Service/wild');
    expect(routeOf(objects, { host: 'example.org', path: '/deep/er/still' })).toBe('Service/any');
  });

  test('two regular expressions of one length on one host would tie: refused, naming both constructs', () => {
    const chart = chartOnTraefik();
    const host = 'shop.example.com';
    new StatelessWebApp(chart, 'a', { name: 'a', image: IMAGE, host, path: '/é[0-9]+', pathType: PathType.REGULAR_EXPRESSION });
    // 9 bytes as well ("é" is 2 bytes): one priority
    expect(() => new StatelessWebApp(chart, 'b', { name: 'b', image: IMAGE, host, path: '/ab[0-9]+', pathType: PathType.REGULAR_EXPRESSION })).toThrow(
      "StatelessWebApp 'test/b': 'host'/'path' is already routed by StatelessWebApp 'test/a' on the same traefik routes",
    );
    // another length is another priority
    new StatelessWebApp(chart, 'c', { name: 'c', image: IMAGE, host, path: '/abc[0-9]+', pathType: PathType.REGULAR_EXPRESSION });
  });
});

describe('wildcard hosts', () => {
  test('*.example.com is a HostRegexp of one label (Host matches it only from Traefik v3.7.0)', () => {
    const chart = chartOnTraefik();
    new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, host: '*.example.com', path: '/store' });
    const objects = synth(chart);
    const route = only(objects, 'IngressRoute');
    expect(route.spec.routes[0].match).toBe('HostRegexp(`^[^.]+\\.example\\.com\\.?$`) && (Path(`/store`) || PathPrefix(`/store/`))');
    expect(routeOf(objects, { host: 'a.example.com', path: '/store' })).toBe('Service/shop');
    expect(routeOf(objects, { host: 'A.Example.com', path: '/store/x' })).toBe('Service/shop');
    expect(routeOf(objects, { host: 'b.a.example.com', path: '/store' })).toBe('404');
    expect(routeOf(objects, { host: 'example.com', path: '/store' })).toBe('404');
    expect(routeOf(objects, { host: 'aexample.com', path: '/store' })).toBe('404');
    expect(allSchemaErrors(objects)).toEqual([]);
  });
});

describe("Go's regexp syntax on Traefik", () => {
  test('accepted: (?i) and named groups, which Go compiles (the regex risk text itself recommends (?i))', () => {
    const chart = chartOnTraefik();
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, host: 'shop.example.com' });
    new CanaryRelease(chart, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.headerPattern('x-group', '(?i)^beta$')] });
    new StatelessWebApp(chart, 'items', { name: 'items', image: IMAGE, host: 'shop.example.com', path: '/items/(?P<id>[0-9]+)$', pathType: PathType.REGULAR_EXPRESSION });
    const objects = synth(chart);
    expect(routeOf(objects, { host: 'shop.example.com', path: '/', headers: { 'x-group': 'BETA' } })).toBe('Service/shop-canary-984eeb');
    expect(routeOf(objects, { host: 'shop.example.com', path: '/items/12' })).toBe('Service/items');
  });

  test.each([
    ['\\u00e9', 'invalid escape sequence: `\\u`'],
    ['\\cA', 'invalid escape sequence: `\\c`'],
    ['^beta\\Z', 'invalid escape sequence: `\\Z`'],
  ])('refused: %s, which JavaScript compiles and Go does not', (pattern, goMessage) => {
    const chart = chartOnTraefik();
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, host: 'shop.example.com' });
    expect(() => new CanaryRelease(chart, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.headerPattern('x-group', pattern)] })).toThrow(
      `CanaryRelease 'test/canary': 'match.headerPattern' must compile with Go's regexp, which Traefik's HeaderRegexp uses (error parsing regexp: ${goMessage}); ` +
        `Traefik drops a router whose rule does not build, got ${JSON.stringify(pattern)}.`,
    );
  });
});

describe('StickyIngress on Traefik', () => {
  function sticky(props: Partial<ConstructorParameters<typeof StickyIngress>[2]> = {}) {
    const chart = chartOnTraefik();
    const app = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, replicas: 3 });
    new StickyIngress(chart, 'sticky', {
      service: app.service,
      host: 'shop.example.com',
      mode: AffinityMode.PERSISTENT,
      justification: 'legacy cart in HttpSession',
      cookie: { name: 'shop-affinity', maxAge: Duration.days(7), path: '/', domain: '.example.com', sameSite: SameSite.STRICT },
      ...props,
    });
    return { chart, objects: synth(chart) };
  }

  test('the sticky cookie of the Service: name, secure, httpOnly, sameSite, maxAge, path, domain', () => {
    const { chart, objects } = sticky();
    expect(synthYaml(chart)).toMatchSnapshot();
    const route = only(objects, 'IngressRoute');
    expect(route.spec.routes[0].services).toEqual([
      {
        kind: 'Service',
        name: 'shop',
        port: 80,
        // the pods as servers, whatever the provider's nativeLBByDefault: a cookie on the ClusterIP pins everyone to it
        nativeLB: false,
        sticky: { cookie: { name: 'shop-affinity', secure: true, httpOnly: true, sameSite: 'Strict', maxAge: 604800, path: '/', domain: '.example.com' } },
      },
    ]);
    expect(route.metadata.annotations!['stateless.cdk8s.io/affinity-justification']).toBe('legacy cart in HttpSession');
    expect(Warnings.of(chart).risks.map((r) => r.code)).toContain(RiskCode.AFFINITY_PERSISTENT_NO_REBALANCE);
    expect(allSchemaErrors(objects)).toEqual([]);
  });

  test("without a name, path or maxAge: Traefik's generated name, its default path /, a session cookie", () => {
    const route = only(sticky({ cookie: {} }).objects, 'IngressRoute');
    expect(route.spec.routes[0].services[0].sticky).toEqual({ cookie: { secure: true, httpOnly: true, sameSite: 'Lax' } });
  });

  test('ServiceAffinity behind Traefik: the provider says it bypasses the Service', () => {
    expect(TrafficProvider.traefik().describeServiceAffinity(undefined as any)).toBe(
      "Traefik sends requests to the pod addresses of the Service's EndpointSlices directly, skipping the Service and its sessionAffinity (unless the service reference sets nativeLB: true)",
    );
  });

  test.each<[string, Partial<ConstructorParameters<typeof StickyIngress>[2]>, string]>([
    [
      'balanced',
      { mode: AffinityMode.BALANCED },
      "StickyIngress 'test/sticky': 'mode' AffinityMode.BALANCED has no Traefik meaning (Traefik's sticky cookie keeps a user on their pod for as long as that pod is in the healthy set, so new pods only get new users: that is AffinityMode.PERSISTENT), got \"balanced\". Use PERSISTENT (and read its risks), or remove the need for affinity with a RedisSessionStore.",
    ],
    [
      'cookie expires',
      { cookie: { expires: Duration.hours(1) } },
      "StickyIngress 'test/sticky': 'cookie.expires' has no Traefik field (the sticky cookie has name, secure, httpOnly, sameSite, maxAge, path and domain), got \"3600s\". Use cookie.maxAge.",
    ],
    [
      'conditional SameSite=None',
      { cookie: { sameSite: SameSite.NONE, conditionalSameSiteNone: true } },
      "StickyIngress 'test/sticky': 'cookie.conditionalSameSiteNone' has no Traefik field (Traefik writes SameSite as configured, for every user agent), got true. Remove it.",
    ],
    [
      'no change on failure',
      { cookie: { changeOnFailure: false } },
      "StickyIngress 'test/sticky': 'cookie.changeOnFailure' cannot be false on Traefik (a user whose pod leaves the healthy set is always re-pinned to another pod), got false. Leave the default (true).",
    ],
    [
      'a regular-expression path that Go cannot compile',
      { path: '/(?=a)', pathType: PathType.REGULAR_EXPRESSION, cookie: { path: '/' } },
      "StickyIngress 'test/sticky': 'path' must compile with Go's regexp, which Traefik's PathRegexp uses (error parsing regexp: invalid or unsupported Perl syntax: `(?=`); Traefik drops a router whose rule does not build, got \"/(?=a)\". Write the expression in Go's RE2 syntax, e.g. \"/items/[0-9]+\" (no lookaround, backreferences, \\Z, \\u or \\c escapes).",
    ],
  ])('refused: %s', (_name, props, message) => {
    expect(() => sticky(props)).toThrow(message);
  });
});

describe('CanaryRelease on Traefik', () => {
  function canary(matches: CanaryMatch[], options: { sticky?: boolean; versionStickiness?: boolean; weightTotal?: number; tls?: boolean } = {}) {
    const chart = chartOnTraefik();
    const shop = new StatelessWebApp(chart, 'shop', {
      name: 'shop',
      image: IMAGE,
      replicas: 4,
      host: options.sticky ? undefined : 'shop.example.com',
      tlsSecretName: options.tls && !options.sticky ? 'shop-tls' : undefined,
    });
    if (options.sticky) {
      new StickyIngress(chart, 'route', {
        service: shop.service,
        host: 'shop.example.com',
        mode: AffinityMode.PERSISTENT,
        justification: 'version stickiness',
        cookie: { name: 'shop-pod', maxAge: Duration.hours(12) },
      });
    }
    new CanaryRelease(chart, 'canary', { stable: shop, image: NEXT, match: matches, weightTotal: options.weightTotal, versionStickiness: options.versionStickiness ?? options.sticky });
    return { chart, objects: synth(chart) };
  }
  const HOST_PATH = 'Host(`shop.example.com`) && PathPrefix(`/`)';
  // a host route, the prefix "/" (0 bytes without its trailing "/")
  const STABLE_PRIORITY = 200_000_001;
  const at = (urlPath = '/', headers: Record<string, string> = {}) => ({ host: 'shop.example.com', path: urlPath, headers });

  test('header and weight: a header route and a weighted route in the canary IngressRoute, the weights in a TraefikService; the stable IngressRoute as before', () => {
    const { chart, objects } = canary([CanaryMatch.header('region', 'east-us'), CanaryMatch.weight(20)], { tls: true });
    expect(synthYaml(chart)).toMatchSnapshot();
    expect(only(objects, 'IngressRoute', 'shop').spec.routes).toEqual([
      { kind: 'Rule', match: HOST_PATH, priority: STABLE_PRIORITY, services: [{ kind: 'Service', name: 'shop', port: 80 }] },
    ]);
    const canaryRoute = only(objects, 'IngressRoute', 'shop-canary');
    expect(canaryRoute.spec).toEqual({
      entryPoints: ['websecure'],
      routes: [
        { kind: 'Rule', match: `${HOST_PATH} && Header(\`region\`, \`east-us\`)`, priority: STABLE_PRIORITY + 1, services: [{ kind: 'Service', name: 'shop-canary-984eeb', port: 80 }] },
        { kind: 'Rule', match: `${HOST_PATH} && !Header(\`region\`, \`east-us\`)`, priority: STABLE_PRIORITY + 1, services: [{ kind: 'TraefikService', name: 'shop-split' }] },
      ],
      tls: { secretName: 'shop-tls' },
    });
    const split = only(objects, 'TraefikService', 'shop-split');
    expect(split.spec).toEqual({
      weighted: {
        services: [
          { kind: 'Service', name: 'shop', port: 80, weight: 80 },
          { kind: 'Service', name: 'shop-canary-984eeb', port: 80, weight: 20 },
        ],
      },
    });
    // which request goes where
    expect(routeOf(objects, at('/cart', { Region: 'east-us' }))).toBe('Service/shop-canary-984eeb');
    expect(routeOf(objects, at('/cart', { region: 'west-us' }))).toBe('TraefikService/shop-split');
    expect(routeOf(objects, at('/cart'))).toBe('TraefikService/shop-split');
    expect(allSchemaErrors(objects)).toEqual([]);
    expect(podSecurityViolations(objects)).toEqual([]);
  });

  test('priorities: every canary route at stable + 1, made exclusive with NOT so that the given order decides between matches', () => {
    const { objects } = canary([CanaryMatch.header('x-canary'), CanaryMatch.headerPattern('region', '^(east|west)-us$'), CanaryMatch.cookie('canary'), CanaryMatch.weight(5)]);
    const routes = only(objects, 'IngressRoute', 'shop-canary').spec.routes;
    expect(routes.map((r: any) => [r.priority - STABLE_PRIORITY, r.services[0].name])).toEqual([
      [1, 'shop-canary-984eeb'],
      [1, 'shop'],
      [1, 'shop-canary-984eeb'],
      [1, 'shop-canary-984eeb'],
      [1, 'shop'],
      [1, 'shop-split'],
    ]);
    const always = 'Header(`x-canary`, `always`)';
    const never = 'Header(`x-canary`, `never`)';
    const pattern = 'HeaderRegexp(`region`, `^(east|west)-us$`)';
    const cookieAlways = 'HeaderRegexp(`Cookie`, `(^|;\\s*)canary=always(;|$)`)';
    const cookieNever = 'HeaderRegexp(`Cookie`, `(^|;\\s*)canary=never(;|$)`)';
    expect(routes.map((r: any) => r.match)).toEqual([
      `${HOST_PATH} && ${always}`,
      `${HOST_PATH} && ${never} && !${always}`,
      `${HOST_PATH} && ${pattern} && !${always} && !${never}`,
      `${HOST_PATH} && ${cookieAlways} && !${always} && !${never} && !${pattern}`,
      `${HOST_PATH} && ${cookieNever} && !${always} && !${never} && !${pattern} && !${cookieAlways}`,
      `${HOST_PATH} && !${always} && !${never} && !${pattern} && !${cookieAlways} && !${cookieNever}`,
    ]);
    expect(routeOf(objects, at('/', { 'X-Canary': 'always' }))).toBe('Service/shop-canary-984eeb');
    expect(routeOf(objects, at('/', { 'x-canary': 'never', 'region': 'east-us' }))).toBe('Service/shop');
    expect(routeOf(objects, at('/', { region: 'east-us' }))).toBe('Service/shop-canary-984eeb');
    expect(routeOf(objects, at('/', { region: 'north-east-us' }))).toBe('TraefikService/shop-split');
    expect(routeOf(objects, at('/', { cookie: 'a=1; canary=always; b=2' }))).toBe('Service/shop-canary-984eeb');
    expect(routeOf(objects, at('/', { cookie: 'canary=never' }))).toBe('Service/shop');
    expect(routeOf(objects, at('/', { cookie: 'xcanary=always; canary=alwaysx' }))).toBe('TraefikService/shop-split');
    expect(routeOf(objects, at('/', { 'x-canary': 'never', 'cookie': 'canary=always' }))).toBe('Service/shop');
    expect(allSchemaErrors(objects)).toEqual([]);
  });

  test('a sub-path routed by another app outranks every canary route, as it outranks the stable route', () => {
    const chart = chartOnTraefik();
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, host: 'shop.example.com', path: '/store' });
    new StatelessWebApp(chart, 'admin', { name: 'admin', image: IMAGE, host: 'shop.example.com', path: '/store/a' });
    new CanaryRelease(chart, 'canary', {
      stable: shop,
      image: NEXT,
      match: [CanaryMatch.header('x-canary'), CanaryMatch.cookie('canary'), CanaryMatch.header('region', 'east-us'), CanaryMatch.weight(50)],
    });
    const objects = synth(chart);
    const host = 'shop.example.com';
    expect(routeOf(objects, { host, path: '/store/a/x', headers: { 'x-canary': 'always', 'region': 'east-us', 'cookie': 'canary=always' } })).toBe('Service/admin');
    expect(routeOf(objects, { host, path: '/store/b', headers: { region: 'east-us' } })).toBe('Service/shop-canary-984eeb');
    expect(routeOf(objects, { host, path: '/store/b' })).toBe('TraefikService/shop-split');
  });

  test('a header-only canary has no TraefikService', () => {
    const { objects } = canary([CanaryMatch.header('region', 'east-us')]);
    expect(ofKind(objects, 'TraefikService')).toEqual([]);
    expect(routeOf(objects, at('/'))).toBe('Service/shop');
  });

  test('weights out of a finer total sum to the total; at 0 the canary child gets nothing', () => {
    const weights = (w: number, total?: number) => only(canary([CanaryMatch.weight(w)], { weightTotal: total }).objects, 'TraefikService').spec.weighted.services.map((s: any) => s.weight);
    expect(weights(5, 1000)).toEqual([995, 5]);
    expect(weights(0)).toEqual([100, 0]);
  });

  test('header values and cookie names are written as Go string literals', () => {
    const { objects } = canary([CanaryMatch.header('x-tag', 'a`b'), CanaryMatch.cookie('a.b')]);
    const routes = only(objects, 'IngressRoute', 'shop-canary').spec.routes;
    expect(routes[0].match).toBe(`${HOST_PATH} && Header(\`x-tag\`, "a\`b")`);
    expect(routes[1].match).toBe(`${HOST_PATH} && HeaderRegexp(\`Cookie\`, \`(^|;\\s*)a\\.b=always(;|$)\`) && !Header(\`x-tag\`, "a\`b")`);
    expect(routeOf(objects, at('/', { 'X-Tag': 'a`b' }))).toBe('Service/shop-canary-984eeb');
    expect(routeOf(objects, at('/', { cookie: 'aXb=always' }))).toBe('Service/shop');
  });

  test("Traefik's own risks: the regex dialect of a header pattern, the cookie match on the Cookie header", () => {
    const { chart, objects } = canary([CanaryMatch.headerPattern('region', 'east'), CanaryMatch.cookie('canary')]);
    const byCode = new Map(Warnings.of(chart).risks.map((r) => [r.code, r]));
    expect(byCode.get(TraefikRiskCode.TRAEFIK_REGEX_DIALECT)!.message).toContain("CanaryRelease 'test/canary' matches the header pattern east with Go's regexp");
    expect(byCode.get(TraefikRiskCode.TRAEFIK_COOKIE_MATCH_ON_HEADER)!.message).toBe(
      "CanaryRelease 'test/canary' matches the cookie canary with a HeaderRegexp on the Cookie header (Traefik v3 has no cookie matcher): " +
        'the rule sees the raw header, so a request that carries canary twice (set for two paths or domains) reaches the canary if any of them is "always".',
    );
    const annotations = only(objects, 'IngressRoute', 'shop-canary').metadata.annotations!;
    expect(annotations[`${RISKS}traefik-cookie-match-on-header`]).toBeDefined();
    // the unanchored pattern: "east" also matches "north-east-1"
    expect(routeOf(objects, at('/', { region: 'north-east-1' }))).toBe('Service/shop-canary-984eeb');
  });

  test('version stickiness without a StickyIngress: the version cookie on the TraefikService; pods stay load-balanced', () => {
    const { chart, objects } = canary([CanaryMatch.weight(10)], { versionStickiness: true });
    const split = only(objects, 'TraefikService').spec.weighted;
    expect(split.sticky).toEqual({ cookie: { name: 'shop-track', httpOnly: true, secure: true, sameSite: 'Lax' } });
    expect(split.services.map((s: any) => s.sticky)).toEqual([undefined, undefined]);
    // the cookie's value hashes the weighted child's name, and each release has a canary Service of its own
    // (CanaryRelease releaseId), so a cookie from a past release names no child of the next split
    expect(split.services.map((x: any) => x.name)).toEqual(['shop', 'shop-canary-984eeb']);
    expect(Warnings.of(chart).risks.map((r) => r.code)).toContain(RiskCode.CANARY_STICKY_DRIFT);
    expect(allSchemaErrors(objects)).toEqual([]);
  });

  test('version stickiness with a StickyIngress: the pod cookie on every Service reference, the version cookie (another name, the same attributes) on the split', () => {
    const { objects } = canary([CanaryMatch.header('region', 'east-us'), CanaryMatch.weight(10)], { sticky: true });
    const pod = { cookie: { name: 'shop-pod', httpOnly: true, secure: true, sameSite: 'Lax', maxAge: 43200 } };
    expect(only(objects, 'IngressRoute', 'shop').spec.routes[0].services[0].sticky).toEqual(pod);
    expect(only(objects, 'IngressRoute', 'shop-canary').spec.routes[0].services[0].sticky).toEqual(pod);
    const split = only(objects, 'TraefikService').spec.weighted;
    expect(split.services.map((s: any) => s.sticky)).toEqual([pod, pod]);
    expect(split.sticky).toEqual({ cookie: { ...pod.cookie, name: 'shop-track' } });
    expect(allSchemaErrors(objects)).toEqual([]);
  });

  test.each<[string, CanaryMatch[], { sticky?: boolean; versionStickiness?: boolean }, string]>([
    [
      'a sticky stable route without version stickiness',
      [CanaryMatch.weight(10)],
      { sticky: true, versionStickiness: false },
      "CanaryRelease 'test/canary': 'versionStickiness' must be true on Traefik when the stable route is sticky: without the version cookie the weighted split runs on every request, and each request it sends to the other version re-pins the user's pod cookie there, got false. Set versionStickiness: true.",
    ],
    [
      'two weights',
      [CanaryMatch.weight(10), CanaryMatch.weight(20)],
      {},
      "CanaryRelease 'test/canary': 'match' may hold one weight match, got [\"CanaryMatch.weight(10)\",\"CanaryMatch.weight(20)\"]. Keep one CanaryMatch.weight(...).",
    ],
    [
      'two cookies',
      [CanaryMatch.cookie('a'), CanaryMatch.cookie('b')],
      {},
      "CanaryRelease 'test/canary': 'match' may hold one cookie match on Traefik, got [\"CanaryMatch.cookie('a')\",\"CanaryMatch.cookie('b')\"]. Keep one CanaryMatch.cookie(...).",
    ],
    [
      'a header pattern with a backreference',
      [CanaryMatch.headerPattern('region', '^(a)\\1$')],
      {},
      "CanaryRelease 'test/canary': 'match.headerPattern' must compile with Go's regexp, which Traefik's HeaderRegexp uses (error parsing regexp: invalid escape sequence: `\\1`); Traefik drops a router whose rule does not build, got \"^(a)\\\\1$\". Write the expression in Go's RE2 syntax, e.g. \"^(east|west)-us$\" or \"(?i)^beta$\" (no lookaround, backreferences, \\Z, \\u or \\c escapes).",
    ],
    [
      'a header pattern that does not compile',
      [CanaryMatch.headerPattern('region', '^(east')],
      {},
      "CanaryRelease 'test/canary': 'match.headerPattern' must compile with Go's regexp, which Traefik's HeaderRegexp uses (error parsing regexp: missing closing ): `^(east`); Traefik drops a router whose rule does not build, got \"^(east\". Write the expression in Go's RE2 syntax, e.g. \"^(east|west)-us$\" or \"(?i)^beta$\" (no lookaround, backreferences, \\Z, \\u or \\c escapes).",
    ],
  ])('refused: %s', (_name, matches, options, message) => {
    expect(() => canary(matches, options)).toThrow(message);
  });

  test("the constructs' route escape hatches: the StickyIngress's stable IngressRoute, the CanaryRelease's own IngressRoute", () => {
    const chart = chartOnTraefik();
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE });
    const sticky = new StickyIngress(chart, 'route', { service: shop.service, mode: AffinityMode.PERSISTENT, justification: 'x' });
    const release = new CanaryRelease(chart, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.weight(1)], versionStickiness: true });
    expect([sticky.route.kind, sticky.route.name]).toEqual(['IngressRoute', 'shop']);
    expect([release.route.kind, release.route.name]).toEqual(['IngressRoute', 'shop-canary']);
  });

  test('an affinity cookie named like the version cookie is refused', () => {
    const chart = chartOnTraefik();
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE });
    new StickyIngress(chart, 'route', { service: shop.service, mode: AffinityMode.PERSISTENT, justification: 'x', cookie: { name: 'shop-track' } });
    const before = chart.node.findAll().filter((c) => c instanceof ApiObject).length;
    expect(() => new CanaryRelease(chart, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.weight(1)], versionStickiness: true })).toThrow(
      "StickyIngress 'test/route': 'cookie.name' is the name of the version cookie of the route on Traefik (shop-track), got \"shop-track\". Name the affinity cookie differently, e.g. \"route\".",
    );
    expect(chart.node.findAll().filter((c) => c instanceof ApiObject).length).toBe(before);
  });
});

describe('a release as a sequence of commits (examples/canary ShopChart on Traefik)', () => {
  type Step = { stableImage: string; release?: { image: string; weight: number } };
  function objectsOf(step: Step): Map<string, K8sObject> {
    const app = Testing.app();
    TrafficProvider.useByDefault(app, TrafficProvider.traefik({ entryPoints: ['websecure'] }));
    const chart = new ShopChart(app, 'shop', { namespace: 'shop', stickyMode: AffinityMode.PERSISTENT, ...step });
    return new Map(synth(chart).map((o) => [`${o.kind}/${o.metadata.name}`, o]));
  }
  function changedPaths(a: any, b: any, prefix = ''): string[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return [prefix];
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}/${k}` : k));
  }
  function diff(from: Step, to: Step) {
    const a = objectsOf(from);
    const b = objectsOf(to);
    const changed: Record<string, string[]> = {};
    for (const [k, o] of a) {
      if (b.has(k)) {
        const paths = changedPaths(o, b.get(k));
        if (paths.length) changed[k] = paths;
      }
    }
    return { removed: [...a.keys()].filter((k) => !b.has(k)).sort(), added: [...b.keys()].filter((k) => !a.has(k)).sort(), changed };
  }
  const STABLE_ONLY: Step = { stableImage: IMAGE };
  const at = (weight: number): Step => ({ stableImage: IMAGE, release: { image: NEXT, weight } });
  const CANARY_OBJECTS = ['Deployment/shop-canary-984eeb', 'IngressRoute/shop-canary', 'Service/shop-canary-984eeb', 'TraefikService/shop-split'];

  test('start: adding the CanaryRelease adds the canary objects and changes nothing of the stable app', () => {
    expect(diff(STABLE_ONLY, at(10))).toEqual({ removed: [], added: CANARY_OBJECTS, changed: {} });
  });

  test.each([
    [10, 25],
    [25, 50],
    [50, 100],
  ])('weight %i -> %i changes only the two weights', (from, to) => {
    expect(diff(at(from), at(to))).toEqual({
      removed: [],
      added: [],
      changed: { 'TraefikService/shop-split': ['spec/weighted/services/0/weight', 'spec/weighted/services/1/weight'] },
    });
    expect(objectsOf(at(to)).get('TraefikService/shop-split')!.spec.weighted.services.map((s: any) => s.weight)).toEqual([100 - to, to]);
  });

  test('promote: the stable image becomes the canary image and the canary objects go', () => {
    expect(diff(at(100), { stableImage: NEXT })).toEqual({ removed: CANARY_OBJECTS, added: [], changed: { 'Deployment/shop': ['spec/template/spec/containers/0/image'] } });
  });

  test('roll back: removing the CanaryRelease removes exactly the canary objects, and with them every rule that reads the version cookie', () => {
    expect(diff(at(25), STABLE_ONLY)).toEqual({ removed: CANARY_OBJECTS, added: [], changed: {} });
    const stable = [...objectsOf(STABLE_ONLY).values()];
    expect(JSON.stringify(stable)).not.toContain('shop-track');
  });

  test('every object of every step is valid against the Traefik CRDs', () => {
    for (const step of [STABLE_ONLY, at(10), at(100)]) expect(allSchemaErrors([...objectsOf(step).values()])).toEqual([]);
  });
});

describe('TrafficProvider.traefik bad input and the seam', () => {
  test.each([
    [{ entryPoints: [] }, "TrafficProvider.traefik: 'entryPoints' must list distinct entry point names (no white space, \"@\", quotes or backticks), got []. Name the entry points of your Traefik static configuration, e.g. [\"websecure\"], or leave entryPoints out for all of them."],
    [{ entryPoints: ['web secure'] }, "TrafficProvider.traefik: 'entryPoints' must list distinct entry point names (no white space, \"@\", quotes or backticks), got [\"web secure\"]."],
    [{ entryPoints: ['web', 'web'] }, "TrafficProvider.traefik: 'entryPoints' must list distinct entry point names (no white space, \"@\", quotes or backticks), got [\"web\",\"web\"]."],
    [{ entryPoints: ['websecure@file'] }, "TrafficProvider.traefik: 'entryPoints' must list distinct entry point names (no white space, \"@\", quotes or backticks), got [\"websecure@file\"]."],
  ])('%j', (options, message) => {
    expect(() => TrafficProvider.traefik(options as any)).toThrow(message);
  });

  test('the risk codes are registered: a construct may acknowledge them', () => {
    const chart = chartOnTraefik();
    new StatelessWebApp(chart, 'shop', {
      name: 'shop',
      image: IMAGE,
      path: '/items/[0-9]+$',
      pathType: PathType.REGULAR_EXPRESSION,
      acknowledgedRisks: [TraefikRiskCode.TRAEFIK_REGEX_DIALECT],
    });
    synth(chart);
    expect(Warnings.of(chart).risks.find((r) => r.code === TraefikRiskCode.TRAEFIK_REGEX_DIALECT)!.acknowledged).toBe(true);
  });

  test('outside src/traffic, Traefik is named only by the index and the command line (grep -ril traefik src)', () => {
    // src/traffic holds the provider, its engine part, its reader and the factory line, and Traefik's Gateway API
    // implementation in the Gateway API support matrix; the index exports the options, the command line offers
    // the provider by name (--target) and reads Traefik objects through the reader
    const src = path.join(__dirname, '..', 'src');
    const files = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const mentions = files(src)
      .filter((f) => /traefik/i.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(src, f).split(path.sep).join('/'))
      .sort();
    expect(mentions.filter((f) => !f.startsWith('traffic/') && !f.startsWith('cli/'))).toEqual(['index.ts']);
    expect(mentions.filter((f) => f.startsWith('traffic/'))).toEqual(expect.arrayContaining(['traffic/factory.ts', 'traffic/traefik-engines.ts', 'traffic/traefik-reader.ts', 'traffic/traefik.ts']));
  });

  test('a whole app on Traefik by default', () => {
    const app = new App();
    TrafficProvider.useByDefault(app, TrafficProvider.traefik());
    const chart = new Chart(app, 'shop');
    new StatelessWebApp(chart, 'a', { name: 'a', image: IMAGE, host: 'a.example.com' });
    expect(ofKind(synth(chart), 'IngressRoute').map((o) => o.metadata.name)).toEqual(['a']);
  });
});

describe('every example also synthesizes a Traefik variant (examples/*/dist/traefik, committed)', () => {
  const EXAMPLES = path.join(__dirname, '..', 'examples');
  const traefikObjects = (name: string): K8sObject[] => {
    const dir = path.join(EXAMPLES, name, 'dist', 'traefik');
    return fs
      .readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.k8s.yaml'))
      .sort()
      .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJSON() as K8sObject));
  };

  test.each(['canary', 'legacy-servlet', 'rider-api', 'session-app'])('%s: IngressRoutes only, valid against the Traefik CRDs', (name) => {
    const objects = traefikObjects(name);
    expect(ofKind(objects, 'IngressRoute').length).toBeGreaterThan(0);
    expect(objects.filter((o) => o.kind === 'Ingress' || o.kind === 'HTTPRoute')).toEqual([]);
    expect(allSchemaErrors(objects)).toEqual([]);
  });

  test('canary: east-us to the canary, everyone else through the sticky split, 80/20', () => {
    const objects = traefikObjects('canary');
    expect(routeOf(objects, { host: 'shop.example.com', path: '/', headers: { region: 'east-us' } })).toBe('Service/shop-canary-984eeb');
    expect(routeOf(objects, { host: 'shop.example.com', path: '/' })).toBe('TraefikService/shop-split');
    const split = only(objects, 'TraefikService', 'shop-split').spec.weighted;
    expect(split.services.map((s: any) => [s.name, s.weight])).toEqual([
      ['shop', 80],
      ['shop-canary-984eeb', 20],
    ]);
    expect(split.sticky.cookie.name).toBe('shop-track');
  });
});
