import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { allCelRules, celEscape, crdErrors, CrdOptions, crdValidate } from './support/crd-validator';

/**
 * The CRD validator (test/support/crd-validator.ts) must behave like an API server with the CRDs installed:
 * each case below is a bad object it must reject, next to the valid object it must accept, so a check that
 * silently stopped working fails here.
 */

const VERSIONS = ['v1.5.1', 'v1.6.1'] as const;
const STANDARD: CrdOptions[] = VERSIONS.map((gatewayApi) => ({ gatewayApi, channel: 'standard' }));
const EXPERIMENTAL: CrdOptions[] = VERSIONS.map((gatewayApi) => ({ gatewayApi, channel: 'experimental' }));
const ALL = [...STANDARD, ...EXPERIMENTAL];

function route(mutate: (r: any) => void = () => {}): any {
  const r: any = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'shop', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'shop' } },
    spec: {
      parentRefs: [{ name: 'public', namespace: 'gateways' }],
      hostnames: ['shop.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'region', type: 'Exact', value: 'east-us' }] }],
          backendRefs: [{ name: 'shop-canary', port: 80 }],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [
            { name: 'shop', port: 80, weight: 80 },
            { name: 'shop-canary', port: 80, weight: 20 },
          ],
        },
      ],
    },
  };
  mutate(r);
  return r;
}

const sessionPersistence = { sessionName: 'shop-version', type: 'Cookie', absoluteTimeout: '12h', cookieConfig: { lifetimeType: 'Permanent' } };

describe('Gateway API HTTPRoute CRDs (v1.5.1 and v1.6.1, standard and experimental)', () => {
  test.each(ALL)('the base route is valid on %o, and its CEL rules really ran', (options) => {
    const r = crdValidate(route(), options);
    expect(r.errors).toEqual([]);
    expect(r.crd).toMatch(/^gateway\.networking\.k8s\.io\/v1, Kind=HTTPRoute/);
    expect(r.celEvaluated).toBeGreaterThan(20);
    expect(r.transitionRulesSkipped).toBe(0);
  });

  test.each(ALL)('unknown field rejected (Strict field validation) on %o', (options) => {
    expect(crdErrors([route((r) => (r.spec.rules[0].backendRefs[0].wieght = 10))], options)).toEqual([
      expect.stringContaining('unknown field "spec.rules[0].backendRefs[0].wieght"'),
    ]);
    expect(crdErrors([route((r) => (r.metadata.labelz = {}))], options)).toEqual([expect.stringContaining('unknown field "metadata.labelz"')]);
  });

  test.each(ALL)('weight over 1,000,000 rejected on %o', (options) => {
    expect(crdErrors([route((r) => (r.spec.rules[1].backendRefs[0].weight = 1_000_000))], options)).toEqual([]);
    expect(crdErrors([route((r) => (r.spec.rules[1].backendRefs[0].weight = 1_000_001))], options)).toEqual([
      expect.stringContaining('spec.rules[1].backendRefs[0].weight: Invalid value: 1000001: spec.rules[1].backendRefs[0].weight in body should be less than or equal to 1000000'),
    ]);
  });

  test.each(ALL)('more than 16 rules rejected on %o', (options) => {
    const rules = (n: number) => route((r) => (r.spec.rules = Array.from({ length: n }, (_, i) => ({ matches: [{ path: { type: 'PathPrefix', value: `/p${i}` } }], backendRefs: [{ name: 'shop', port: 80 }] }))));
    expect(crdErrors([rules(16)], options)).toEqual([]);
    expect(crdErrors([rules(17)], options)).toEqual([expect.stringContaining('spec.rules: Too many: 17: must have at most 16 items')]);
  });

  test.each(STANDARD)('sessionPersistence is an unknown field on the standard channel (%o), accepted on experimental', (options) => {
    const sticky = route((r) => (r.spec.rules[0].sessionPersistence = sessionPersistence));
    expect(crdErrors([sticky], options)).toEqual([
      'HTTPRoute/shop [Gateway API ' + options.gatewayApi + ' standard]: unknown field "spec.rules[0].sessionPersistence"',
    ]);
    expect(crdErrors([sticky], { ...options, channel: 'experimental' })).toEqual([]);
  });

  test.each(EXPERIMENTAL)('absoluteTimeout of 6 digits rejected on %o (the pattern allows 1 to 5 digits per unit)', (options) => {
    const timeout = (t: string) => route((r) => (r.spec.rules[0].sessionPersistence = { ...sessionPersistence, absoluteTimeout: t }));
    expect(crdErrors([timeout('99999h')], options)).toEqual([]);
    expect(crdErrors([timeout('100000h')], options)).toEqual([
      expect.stringContaining("spec.rules[0].sessionPersistence.absoluteTimeout: Invalid value: \"100000h\": spec.rules[0].sessionPersistence.absoluteTimeout in body should match '^([0-9]{1,5}(h|m|s|ms)){1,4}$'"),
    ]);
  });

  test.each(EXPERIMENTAL)('CEL on %o: a Permanent cookie without absoluteTimeout violates a sessionPersistence rule', (options) => {
    const { absoluteTimeout: _, ...withoutTimeout } = sessionPersistence;
    expect(crdErrors([route((r) => (r.spec.rules[0].sessionPersistence = withoutTimeout))], options)).toEqual([
      expect.stringContaining('spec.rules[0].sessionPersistence: Invalid value: "object": AbsoluteTimeout must be specified when cookie lifetimeType is Permanent'),
    ]);
  });

  test.each(ALL)('CEL path rules on %o: //x, /a/../b, /a"b, a path not starting with /', (options) => {
    const withPath = (value: string) => route((r) => (r.spec.rules[1].matches[0].path.value = value));
    expect(crdErrors([withPath('/x')], options)).toEqual([]);
    expect(crdErrors([withPath('//x')], options)).toEqual([expect.stringContaining("spec.rules[1].matches[0].path: Invalid value: \"object\": must not contain '//' when type one of ['Exact', 'PathPrefix']")]);
    expect(crdErrors([withPath('/a/../b')], options)).toEqual([expect.stringContaining("must not contain '/../' when type one of ['Exact', 'PathPrefix']")]);
    expect(crdErrors([withPath('/a"b')], options)).toEqual([expect.stringContaining("must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']")]);
    expect(crdErrors([withPath('x')], options)).toEqual([expect.stringContaining("value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']")]);
  });

  test.each(ALL)('CEL on %o: the defaulted path type (PathPrefix) is what the path rules see', (options) => {
    // path.type is omitted: the schema default PathPrefix must be applied before CEL, or the rule would not fire.
    expect(crdErrors([route((r) => (r.spec.rules[1].matches[0].path = { value: '//x' }))], options)).toEqual([expect.stringContaining("must not contain '//'")]);
    // backendRefs[].kind defaults to Service: without the default, the "must have port" rule could not read self.kind.
    expect(crdErrors([route((r) => delete r.spec.rules[1].backendRefs[0].port)], options)).toEqual([
      expect.stringContaining('spec.rules[1].backendRefs[0]: Invalid value: "object": Must have port for Service reference'),
    ]);
  });

  test.each(ALL)('CEL on %o: ReplacePrefixMatch needs exactly one PathPrefix match', (options) => {
    const rewrite = (matches: any[]) => route((r) => {
      r.spec.rules[1].matches = matches;
      r.spec.rules[1].filters = [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } }];
    });
    expect(crdErrors([rewrite([{ path: { type: 'PathPrefix', value: '/v1' } }])], options)).toEqual([]);
    expect(crdErrors([rewrite([{ path: { type: 'Exact', value: '/v1' } }])], options)).toEqual([
      expect.stringContaining('spec.rules[1]: Invalid value: "object": When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified'),
    ]);
  });

  test.each(ALL)('header name over 256 characters or with a space rejected on %o', (options) => {
    const header = (name: string) => route((r) => (r.spec.rules[0].matches[0].headers[0].name = name));
    expect(crdErrors([header('x'.repeat(256))], options)).toEqual([]);
    expect(crdErrors([header('x'.repeat(257))], options)).toEqual([expect.stringContaining('spec.rules[0].matches[0].headers[0].name: Too long: may not be more than 256 characters, got 257')]);
    expect(crdErrors([header('x canary')], options)).toEqual([expect.stringContaining('spec.rules[0].matches[0].headers[0].name in body should match')]);
  });

  test.each(STANDARD)('header value with a leading or doubled space: NOT rejected by the standard channel (%o)', (options) => {
    // Recorded fact, not a gap in the validator: on the standard channel HTTPHeaderMatch.value has only
    // minLength 1 / maxLength 4096, so an API server stores " east-us" and "east  us"; the library must refuse
    // them itself. This test fails if a CRD update starts rejecting them.
    expect(crdErrors([route((r) => (r.spec.rules[0].matches[0].headers[0].value = ' east-us'))], options)).toEqual([]);
    expect(crdErrors([route((r) => (r.spec.rules[0].matches[0].headers[0].value = 'east  us'))], options)).toEqual([]);
    expect(crdErrors([route((r) => (r.spec.rules[0].matches[0].headers[0].value = ''))], options)).toEqual([expect.stringContaining('should be at least 1 chars long')]);
  });

  test.each(EXPERIMENTAL)('header value with a leading or doubled space rejected by the experimental channel (%o)', (options) => {
    // The experimental CRDs add `pattern: ^[!-~]+([\t ]?[!-~]+)*$` to header values: printable ASCII words
    // separated by single spaces or tabs.
    const value = (v: string) => route((r) => (r.spec.rules[0].matches[0].headers[0].value = v));
    expect(crdErrors([value('east us')], options)).toEqual([]);
    for (const bad of [' east-us', 'east  us', 'east-us ', 'é']) {
      expect(crdErrors([value(bad)], options)).toEqual([
        expect.stringContaining(`spec.rules[0].matches[0].headers[0].value: Invalid value: ${JSON.stringify(bad)}: spec.rules[0].matches[0].headers[0].value in body should match '^[!-~]+([\\t ]?[!-~]+)*$'`),
      ]);
    }
  });

  test('wrong types, enums and missing required fields', () => {
    expect(crdErrors([route((r) => (r.spec.rules[1].backendRefs[0].weight = '80'))])).toEqual([expect.stringContaining('weight in body must be of type integer: "string"')]);
    expect(crdErrors([route((r) => (r.spec.rules[1].matches[0].path.type = 'Prefix'))])).toEqual([expect.stringContaining('spec.rules[1].matches[0].path.type: Unsupported value: "Prefix"')]);
    expect(crdErrors([route((r) => delete r.spec.parentRefs[0].name)])).toEqual([expect.stringContaining('spec.parentRefs[0].name: Required value')]);
  });

  test('an unknown API version or kind of a CRD group is an error, built-in kinds are not checked here', () => {
    expect(crdErrors([route((r) => (r.apiVersion = 'gateway.networking.k8s.io/v9'))])).toEqual([expect.stringContaining('no matches for kind "HTTPRoute" in version "gateway.networking.k8s.io/v9" (the CRD serves v1, v1beta1)')]);
    expect(crdValidate({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { bogus: 1 } }).crd).toBeUndefined();
  });
});

describe('accepts every HTTPRoute the examples synthesize (examples/*/dist/gateway-api)', () => {
  const dir = path.join(__dirname, '..', 'examples');
  const routes: Array<[string, any]> = [];
  for (const example of fs.readdirSync(dir)) {
    const gw = path.join(dir, example, 'dist', 'gateway-api');
    if (!fs.existsSync(gw)) continue;
    for (const f of fs.readdirSync(gw, { recursive: true }).map(String).filter((x) => x.endsWith('.yaml'))) {
      for (const d of parseAllDocuments(fs.readFileSync(path.join(gw, f), 'utf8'))) {
        const o = d.toJSON();
        if (o?.kind === 'HTTPRoute') routes.push([`${example}/${f} ${o.metadata.name}`, o]);
      }
    }
  }

  test('there are HTTPRoutes with and without sessionPersistence', () => {
    expect(routes.filter(([, o]) => JSON.stringify(o).includes('sessionPersistence')).length).toBeGreaterThan(0);
    expect(routes.filter(([, o]) => !JSON.stringify(o).includes('sessionPersistence')).length).toBeGreaterThan(0);
  });

  test.each(routes)('%s', (_name, o) => {
    const sticky = JSON.stringify(o).includes('sessionPersistence');
    for (const gatewayApi of VERSIONS) {
      const options: CrdOptions = { gatewayApi, channel: sticky ? 'experimental' : 'standard' };
      const r = crdValidate(o, options);
      expect({ options, errors: r.errors }).toEqual({ options, errors: [] });
      expect(r.celEvaluated).toBeGreaterThan(0);
      if (sticky) expect(crdErrors([o], { gatewayApi, channel: 'standard' })).toEqual([expect.stringContaining('unknown field "spec.rules[0].sessionPersistence"')]);
    }
  });
});

describe('Traefik, Argo Rollouts and Flagger CRDs', () => {
  const ns = { namespace: 'shop' };
  const podTemplate = { metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'shop', image: 'ghcr.io/acme/shop:1.9.0' }] } };
  const valid: Array<[string, any, (o: any) => void, string]> = [
    [
      'Traefik IngressRoute',
      { apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'shop', ...ns }, spec: { routes: [{ match: 'Host(`shop.example.com`)', kind: 'Rule', services: [{ name: 'shop', port: 80 }] }] } },
      (o) => (o.spec.routes[0].services[0].wieght = 1),
      'spec.routes[0].services[0].wieght',
    ],
    [
      'Traefik TraefikService',
      { apiVersion: 'traefik.io/v1alpha1', kind: 'TraefikService', metadata: { name: 'shop-split', ...ns }, spec: { weighted: { services: [{ name: 'shop', port: 80, weight: 80 }, { name: 'shop-canary', port: 80, weight: 20 }] } } },
      (o) => (o.spec.weighted.sticky = { cookie: { name: 'v', sameSite: 'lax', bogus: true } }),
      'spec.weighted.sticky.cookie.bogus',
    ],
    [
      'Traefik Middleware',
      { apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'prefix', ...ns }, spec: { addPrefix: { prefix: '/api' } } },
      (o) => (o.spec.addPrefix.prefx = '/x'),
      'spec.addPrefix.prefx',
    ],
    [
      'Argo Rollouts Rollout',
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'shop', ...ns },
        spec: { replicas: 3, selector: { matchLabels: { app: 'shop' } }, template: podTemplate, strategy: { canary: { steps: [{ setWeight: 20 }, { pause: { duration: '10m' } }] } } },
      },
      (o) => (o.spec.strategy.canary.stepz = []),
      'spec.strategy.canary.stepz',
    ],
    [
      'Argo Rollouts AnalysisTemplate',
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AnalysisTemplate',
        metadata: { name: 'success-rate', ...ns },
        spec: { metrics: [{ name: 'success-rate', successCondition: 'result[0] >= 0.95', provider: { prometheus: { address: 'http://prometheus:9090', query: 'sum(rate(x[5m]))' } } }] },
      },
      (o) => (o.spec.metrics[0].provider.prometheus.adress = 'x'),
      'spec.metrics[0].provider.prometheus.adress',
    ],
    [
      'Flagger Canary',
      {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        metadata: { name: 'shop', ...ns },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
          service: { port: 80 },
          analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }] },
        },
      },
      (o) => (o.spec.analysis.stepWieght = 10),
      'spec.analysis.stepWieght',
    ],
    [
      'Flagger MetricTemplate',
      { apiVersion: 'flagger.app/v1beta1', kind: 'MetricTemplate', metadata: { name: 'error-rate', ...ns }, spec: { provider: { type: 'prometheus', address: 'http://prometheus:9090' }, query: 'sum(rate(x[5m]))' } },
      (o) => (o.spec.provider.typo = 'x'),
      'spec.provider.typo',
    ],
  ];

  test.each(valid)('%s: valid object accepted, unknown field rejected', (_name, object, addUnknown, field) => {
    expect(crdErrors([object])).toEqual([]);
    const bad = structuredClone(object);
    addUnknown(bad);
    expect(crdErrors([bad])).toEqual([`${object.kind}/${object.metadata.name}: unknown field "${field}"`]);
  });

  test('Traefik Middleware addPrefix CEL rule: the prefix must start with /', () => {
    const mw = structuredClone(valid[2][1]);
    mw.spec.addPrefix.prefix = 'api';
    expect(crdErrors([mw])).toEqual(["Middleware/prefix: spec.addPrefix.prefix: Invalid value: \"string\": must start with a '/'"]);
  });

  test('Argo Rollouts: the selector immutability rule reads oldSelf, so it only runs on update and is skipped and counted', () => {
    const r = crdValidate(valid[3][1]);
    expect(r.errors).toEqual([]);
    expect(r.transitionRulesSkipped).toBe(1);
  });

  test('x-kubernetes-int-or-string: maxSurge takes 1 or "25%", not a boolean', () => {
    const withSurge = (v: unknown) => {
      const r = structuredClone(valid[3][1]);
      r.spec.strategy.canary.maxSurge = v;
      return r;
    };
    expect(crdErrors([withSurge(1), withSurge('25%')])).toEqual([]);
    expect(crdErrors([withSurge(true)])).toEqual(['Rollout/shop: spec.strategy.canary.maxSurge: Invalid value: "boolean": spec.strategy.canary.maxSurge in body must be of type integer or string: "boolean"']);
  });

  test('x-kubernetes-preserve-unknown-fields: trafficRouting.plugins keeps any plugin configuration (the API server checks none of it)', () => {
    const r = structuredClone(valid[3][1]);
    r.spec.strategy.canary.trafficRouting = { plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'shop', namespace: 'shop', anyTypo: 1 } } };
    expect(crdErrors([r])).toEqual([]);
    r.spec.strategy.canary.trafficRouting.pluginz = {};
    expect(crdErrors([r])).toEqual(['Rollout/shop: unknown field "spec.strategy.canary.trafficRouting.pluginz"']);
  });

  test('x-kubernetes-list-type: map: two containers with one name are rejected', () => {
    const r = structuredClone(valid[3][1]);
    r.spec.template.spec.containers.push({ name: 'shop', image: 'ghcr.io/acme/sidecar:1.0.0' });
    expect(crdErrors([r])).toEqual(['Rollout/shop: spec.template.spec.containers[1]: Duplicate value: map[name:shop]']);
  });

  test('Argo Rollouts: wrong types at the top and deep in the pod template are rejected', () => {
    const rollout = structuredClone(valid[3][1]);
    rollout.spec.replicas = 'three';
    rollout.spec.template.spec.containers[0].ports = [{ containerPort: '8080' }];
    expect(crdErrors([rollout])).toEqual([
      'Rollout/shop: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"; ' +
        'spec.template.spec.containers[0].ports[0].containerPort: Invalid value: "string": spec.template.spec.containers[0].ports[0].containerPort in body must be of type integer: "string"',
    ]);
  });
});

describe('CEL environment', () => {
  test('property names are escaped as the API server does (k8s.io/apiserver pkg/cel/escaping.go)', () => {
    expect(celEscape('namespace')).toBe('__namespace__');
    expect(celEscape('x-kubernetes')).toBe('x__dash__kubernetes');
    expect(celEscape('a.b/c')).toBe('a__dot__b__slash__c');
    expect(celEscape('a__b')).toBe('a__underscores__b');
    expect(celEscape('1a')).toBeUndefined();
  });

  test('every function the CRDs\' rules call is one the evaluator implements (a new one fails here, not silently)', () => {
    const rules = allCelRules();
    expect(rules.length).toBeGreaterThan(200);
    const called = new Set<string>();
    for (const { rule } of rules) {
      const code = rule.replace(/r?"""[\s\S]*?"""|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
      for (const m of code.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) called.add(m[1]);
    }
    // CEL standard library and macros (cel-spec langdef "Standard Definitions"), all implemented by @bufbuild/cel.
    expect([...called].sort()).toEqual(['all', 'contains', 'duration', 'endsWith', 'exists', 'exists_one', 'filter', 'has', 'matches', 'size', 'startsWith']);
  });
});

describe('regular expressions run in linear time (RE2), as on the API server', () => {
  test('a 4096-character header value that fails the experimental pattern at its last character is rejected at once', () => {
    // A backtracking engine needs exponential time for ^[!-~]+([\t ]?[!-~]+)*$ on such a string.
    const value = `${'a'.repeat(4095)}é`;
    const start = Date.now();
    expect(crdErrors([route((r) => (r.spec.rules[0].matches[0].headers[0].value = value))], { gatewayApi: 'v1.6.1', channel: 'experimental' })).toEqual([
      expect.stringContaining("spec.rules[0].matches[0].headers[0].value in body should match '^[!-~]+([\\t ]?[!-~]+)*$'"),
    ]);
    expect(Date.now() - start).toBeLessThan(1_000);
  });

  test('CEL matches() on a long path value', () => {
    const start = Date.now();
    expect(crdErrors([route((r) => (r.spec.rules[1].matches[0].path.value = `/${'a'.repeat(1000)}"`))])).toEqual([expect.stringContaining('must only contain valid characters')]);
    expect(Date.now() - start).toBeLessThan(1_000);
  });
});
