import { Duration, Testing, Chart } from 'cdk8s';
import {
  AffinityMode,
  CanaryMatch,
  CanaryRelease,
  RiskCode,
  SameSite,
  StatelessWebApp,
  StickyIngress,
  TrafficProvider,
  Warnings,
  IngressNginxRiskCode,
  GatewayApiRiskCode,
  PathType,
} from '../src';
import { lintViolations, podSecurityViolations } from './support/policy';
import { K8sObject, newChart, only, ofKind, schemaErrors, synth, synthYaml } from './support/synth';

const IMAGE = 'ghcr.io/acme/shop:1.8.0';
const NEXT = 'ghcr.io/acme/shop:1.9.0';
const GATEWAY = { gatewayName: 'public', gatewayNamespace: 'gateways', sectionName: 'https' };

function chartOnGateway(experimentalFields = false) {
  const chart = newChart('shop');
  TrafficProvider.useByDefault(chart, TrafficProvider.gatewayApi({ ...GATEWAY, experimentalFields }));
  return chart;
}

function routeOf(objects: K8sObject[]): K8sObject {
  return only(objects, 'HTTPRoute');
}

describe('StatelessWebApp on Gateway API', () => {
  const chart = chartOnGateway();
  new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, host: 'shop.example.com', path: '/store' });
  const objects = synth(chart);

  test('YAML snapshot', () => {
    expect(synthYaml(chart)).toMatchSnapshot();
  });

  test('an HTTPRoute: parentRefs, hostnames, a PathPrefix match, one backendRef, no session persistence; no Ingress', () => {
    const route = routeOf(objects);
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.metadata.name).toBe('shop');
    expect(route.spec).toEqual({
      parentRefs: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }],
      hostnames: ['shop.example.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/store' } }], backendRefs: [{ name: 'shop', port: 80 }] }],
    });
    expect(ofKind(objects, 'Ingress')).toEqual([]);
  });

  test('valid against the Gateway API and Kubernetes schemas, PSS restricted', () => {
    expect(schemaErrors(objects)).toEqual([]);
    expect(podSecurityViolations(objects)).toEqual([]);
    expect(lintViolations(objects)).toEqual([]);
  });
});

describe('choosing the provider', () => {
  test('per construct, or as the default of a chart or a whole app; a construct prop wins', () => {
    const app = Testing.app();
    TrafficProvider.useByDefault(app, TrafficProvider.gatewayApi({ gatewayName: 'public' }));
    const chart = new Chart(app, 'shop');
    new StatelessWebApp(chart, 'a', { name: 'a', image: IMAGE, host: 'a.example.com' });
    new StatelessWebApp(chart, 'b', { name: 'b', image: IMAGE, host: 'b.example.com', traffic: TrafficProvider.ingressNginx() });
    const objects = synth(chart);
    expect(ofKind(objects, 'HTTPRoute').map((o) => o.metadata.name)).toEqual(['a']);
    expect(ofKind(objects, 'Ingress').map((o) => o.metadata.name)).toEqual(['b']);
    expect(only(objects, 'HTTPRoute').spec.parentRefs).toEqual([{ name: 'public' }]);
  });

  test('the same host and path on two different Gateways is fine; on one Gateway it is an error', () => {
    const chart = newChart();
    new StatelessWebApp(chart, 'a', { name: 'a', image: IMAGE, host: 'x.example.com', traffic: TrafficProvider.gatewayApi({ gatewayName: 'public' }) });
    new StatelessWebApp(chart, 'b', { name: 'b', image: IMAGE, host: 'x.example.com', traffic: TrafficProvider.gatewayApi({ gatewayName: 'internal' }) });
    expect(() => new StatelessWebApp(chart, 'c', { name: 'c', image: IMAGE, host: 'x.example.com', traffic: TrafficProvider.gatewayApi({ gatewayName: 'public' }) })).toThrow(
      "StatelessWebApp 'test/c': 'host'/'path' is already routed by StatelessWebApp 'test/a' on the same gateway-api routes (two routes for one host and path conflict, and only one of them would apply), got x.example.com /. Give each app its own host or path, or route this one without host and path.",
    );
  });

  test('a regular-expression path is a RegularExpression match, warned as implementation-specific', () => {
    const chart = chartOnGateway();
    new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, path: '/items/[0-9]+', pathType: PathType.REGULAR_EXPRESSION });
    const route = routeOf(synth(chart));
    expect(route.spec.rules[0].matches[0].path).toEqual({ type: 'RegularExpression', value: '/items/[0-9]+' });
    const risk = Warnings.of(chart).risks.find((r) => r.code === GatewayApiRiskCode.GATEWAY_API_IMPLEMENTATION_SPECIFIC)!;
    // NGINX Gateway Fabric matches header regexes with JavaScript RegExp (njs), not PCRE
    expect(risk.message).toContain(
      "the regex dialect and its support differ between implementations (header matches: Go's regexp syntax in Envoy Gateway, Istio and " +
        "Traefik's Gateway provider, JavaScript RegExp in NGINX Gateway Fabric; see the support matrix in docs/migrating-to-gateway-api.md).",
    );
    expect(risk.message).not.toContain('PCRE');
    expect(route.metadata.annotations!['risks.stateless.cdk8s.io/gateway-api-implementation-specific']).toBeDefined();
  });
});

describe('StickyIngress on Gateway API', () => {
  function sticky(experimentalFields: boolean, props: Partial<ConstructorParameters<typeof StickyIngress>[2]> = {}) {
    const chart = chartOnGateway(experimentalFields);
    const app = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, replicas: 3 });
    new StickyIngress(chart, 'sticky', {
      service: app.service,
      host: 'shop.example.com',
      mode: AffinityMode.PERSISTENT,
      justification: 'legacy cart in HttpSession',
      cookie: { name: 'shop-affinity', maxAge: Duration.days(7) },
      ...props,
    });
    return { chart, objects: synth(chart) };
  }

  test('sessionPersistence: cookie type, the cookie name, absoluteTimeout from maxAge, a permanent cookie', () => {
    const { chart, objects } = sticky(true);
    expect(synthYaml(chart)).toMatchSnapshot();
    const rule = routeOf(objects).spec.rules[0];
    expect(rule.sessionPersistence).toEqual({
      sessionName: 'shop-affinity',
      type: 'Cookie',
      absoluteTimeout: '168h',
      cookieConfig: { lifetimeType: 'Permanent' },
    });
    expect(routeOf(objects).metadata.annotations!['stateless.cdk8s.io/affinity-justification']).toBe('legacy cart in HttpSession');
    const codes = Warnings.of(chart).risks.map((r) => r.code);
    expect(codes).toContain(GatewayApiRiskCode.GATEWAY_API_EXPERIMENTAL);
    expect(codes).not.toContain(IngressNginxRiskCode.INGRESS_NGINX_RETIRED);
    expect(codes).toContain(RiskCode.AFFINITY_PERSISTENT_NO_REBALANCE);
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('without maxAge: a session cookie and no absoluteTimeout', () => {
    const rule = routeOf(sticky(true, { cookie: { name: 'shop-affinity' } }).objects).spec.rules[0];
    expect(rule.sessionPersistence).toEqual({ sessionName: 'shop-affinity', type: 'Cookie', cookieConfig: { lifetimeType: 'Session' } });
  });

  test.each<[string, boolean, Partial<ConstructorParameters<typeof StickyIngress>[2]>, string]>([
    [
      'experimental fields without opt-in',
      false,
      {},
      "StickyIngress 'test/sticky': 'traffic' needs HTTPRoute sessionPersistence for cookie affinity, an experimental-channel field, but 'experimentalFields' of TrafficProvider.gatewayApi() is false, got false. Install the experimental Gateway API CRDs and pass experimentalFields: true, or route without affinity.",
    ],
    [
      'balanced',
      true,
      { mode: AffinityMode.BALANCED },
      "StickyIngress 'test/sticky': 'mode' AffinityMode.BALANCED has no Gateway API meaning (sessionPersistence keeps a session on its backend until the session ends or the backend goes away, and never rebalances on scale-up: that is AffinityMode.PERSISTENT), got \"balanced\". Use PERSISTENT (and read its risks), or stay on ingress-nginx for balanced.",
    ],
    ['a cookie path', true, { cookie: { name: 'a', path: '/cart' } }, "StickyIngress 'test/sticky': 'cookie.path' has no Gateway API field, got \"/cart\". The implementation scopes the cookie to the route; remove cookie.path."],
    ['a cookie domain', true, { cookie: { name: 'a', domain: '.example.com' } }, "StickyIngress 'test/sticky': 'cookie.domain' has no Gateway API field, got \".example.com\"."],
    ['cookie expires', true, { cookie: { name: 'a', expires: Duration.hours(1) } }, "StickyIngress 'test/sticky': 'cookie.expires' has no Gateway API field, got \"3600s\". Use cookie.maxAge: it becomes absoluteTimeout with a Permanent cookie."],
    ['insecure cookie', true, { cookie: { name: 'a', secure: false } }, "StickyIngress 'test/sticky': 'cookie.secure' has no Gateway API field, got false. Secure is set by the Gateway implementation; leave the default."],
    ['no change on failure', true, { cookie: { name: 'a', changeOnFailure: false } }, "StickyIngress 'test/sticky': 'cookie.changeOnFailure' has no Gateway API field, got false."],
    ['conditional SameSite=None', true, { cookie: { name: 'a', sameSite: SameSite.NONE, conditionalSameSiteNone: true } }, "StickyIngress 'test/sticky': 'cookie.conditionalSameSiteNone' has no Gateway API field, got true."],
    [
      'a cookie name over 128 characters',
      true,
      { cookie: { name: 'a'.repeat(129) } },
      "StickyIngress 'test/sticky': 'cookie.name' must be at most 128 characters on Gateway API (sessionName), got 129. Use a shorter name, e.g. \"route\".",
    ],
    ['SameSite Strict', true, { cookie: { name: 'a', sameSite: SameSite.STRICT } }, "StickyIngress 'test/sticky': 'cookie.sameSite' has no Gateway API field, got \"Strict\"."],
  ])('refused: %s', (_name, experimental, props, message) => {
    expect(() => sticky(experimental, props)).toThrow(message);
  });
});

describe('CanaryRelease on Gateway API', () => {
  function canary(matches: CanaryMatch[], options: { sticky?: boolean; weightTotal?: number } = {}) {
    const chart = chartOnGateway(options.sticky);
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, replicas: 4, host: options.sticky ? undefined : 'shop.example.com' });
    if (options.sticky) {
      new StickyIngress(chart, 'route', {
        service: shop.service,
        host: 'shop.example.com',
        mode: AffinityMode.PERSISTENT,
        justification: 'version stickiness',
        cookie: { name: 'shop-version', maxAge: Duration.hours(12) },
      });
    }
    new CanaryRelease(chart, 'canary', { stable: shop, image: NEXT, match: matches, weightTotal: options.weightTotal, versionStickiness: options.sticky });
    return { chart, objects: synth(chart) };
  }

  test('header (Exact) as a rule ahead of weighted backendRefs; one HTTPRoute, no canary Ingress', () => {
    const { chart, objects } = canary([CanaryMatch.header('region', 'east-us'), CanaryMatch.weight(20)]);
    expect(synthYaml(chart)).toMatchSnapshot();
    const route = routeOf(objects);
    expect(route.spec.rules).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'region', value: 'east-us' }] }],
        backendRefs: [{ name: 'shop-canary-984eeb', port: 80 }],
      },
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [
          { name: 'shop', port: 80, weight: 80 },
          { name: 'shop-canary-984eeb', port: 80, weight: 20 },
        ],
      },
    ]);
    const weights = route.spec.rules[1].backendRefs.map((b: any) => b.weight);
    expect(weights.reduce((a: number, b: number) => a + b, 0)).toBe(100);
    expect(only(objects, 'Service', 'shop-canary-984eeb').spec.selector['stateless.cdk8s.io/track']).toBe('canary');
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('weights out of a finer total sum to the total', () => {
    const route = routeOf(canary([CanaryMatch.weight(5)], { weightTotal: 1000 }).objects);
    expect(route.spec.rules).toEqual([
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'shop', port: 80, weight: 995 }, { name: 'shop-canary-984eeb', port: 80, weight: 5 }] },
    ]);
  });

  test('a header without a value keeps the always/never semantics', () => {
    const rules = routeOf(canary([CanaryMatch.header('x-canary')]).objects).spec.rules;
    expect(rules.map((r: any) => [r.matches[0].headers?.[0]?.value, r.backendRefs.map((b: any) => b.name)])).toEqual([
      ['always', ['shop-canary-984eeb']],
      ['never', ['shop']],
      [undefined, ['shop']],
    ]);
  });

  test('a header pattern is a RegularExpression match, warned as implementation-specific', () => {
    const { chart, objects } = canary([CanaryMatch.headerPattern('region', '^(east|west)-us$')]);
    expect(routeOf(objects).spec.rules[0].matches[0].headers).toEqual([{ type: 'RegularExpression', name: 'region', value: '^(east|west)-us$' }]);
    expect(Warnings.of(chart).risks.find((r) => r.code === GatewayApiRiskCode.GATEWAY_API_IMPLEMENTATION_SPECIFIC)!.message).toContain('the header pattern ^(east|west)-us$');
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('version stickiness: sessionPersistence on every rule of the sticky stable route', () => {
    const { objects, chart } = canary([CanaryMatch.weight(10)], { sticky: true });
    const rules = routeOf(objects).spec.rules;
    expect(rules).toHaveLength(1);
    expect(rules[0].sessionPersistence).toEqual({ sessionName: 'shop-version', type: 'Cookie', absoluteTimeout: '12h', cookieConfig: { lifetimeType: 'Permanent' } });
    expect(rules[0].backendRefs.map((b: any) => b.weight)).toEqual([90, 10]);
    expect(Warnings.of(chart).risks.map((r) => r.code)).toContain(RiskCode.CANARY_STICKY_DRIFT);
    expect(schemaErrors(objects)).toEqual([]);
  });

  // a cookie canary and version stickiness without a StickyIngress are no longer refused on Gateway API;
  // their rendering, CRD validation and refusals are in test/gateway-version-cookie.test.ts
  test('no version stickiness on a sticky stable route is refused', () => {
    const sticky = chartOnGateway(true);
    const app = new StatelessWebApp(sticky, 'shop', { name: 'shop', image: IMAGE });
    new StickyIngress(sticky, 'route', { service: app.service, mode: AffinityMode.PERSISTENT, justification: 'x' });
    expect(() => new CanaryRelease(sticky, 'canary', { stable: app, image: NEXT, match: [CanaryMatch.weight(1)] })).toThrow(
      "CanaryRelease 'test/canary': 'versionStickiness' must be true on Gateway API when the stable route is sticky (sessionPersistence covers every backend of the weighted rule, so a user always stays on the version they got), got false. Set versionStickiness: true.",
    );
  });

  test('a weight step changes only the two weights', () => {
    const at = (w: number) => routeOf(canary([CanaryMatch.weight(w)]).objects);
    const a = at(10);
    const b = at(25);
    expect(b.spec.rules[0].backendRefs.map((r: any) => r.weight)).toEqual([75, 25]);
    const withoutWeights = (r: any) => ({ ...r, backendRefs: r.backendRefs.map((x: any) => ({ ...x, weight: 0 })) });
    const strip = (o: K8sObject) => JSON.stringify({ ...o, spec: { ...o.spec, rules: o.spec.rules.map(withoutWeights) } });
    expect(strip(a)).toBe(strip(b));
  });
});

describe('TrafficProvider.gatewayApi bad input', () => {
  test.each([
    [
      { gatewayName: '' },
      "TrafficProvider.gatewayApi: 'gatewayName' must name the parent Gateway (a lower-case DNS subdomain), got \"\". " +
        'Pass the Gateway your platform team runs, e.g. TrafficProvider.gatewayApi({ gatewayName: "public", gatewayNamespace: "gateways" }).',
    ],
    [{}, "TrafficProvider.gatewayApi: 'gatewayName' must name the parent Gateway (a lower-case DNS subdomain), got (nothing). Pass the Gateway your platform team runs, e.g. TrafficProvider.gatewayApi({ gatewayName: \"public\", gatewayNamespace: \"gateways\" })."],
    [{ gatewayName: 'Public' }, "TrafficProvider.gatewayApi: 'gatewayName' must name the parent Gateway (a lower-case DNS subdomain), got \"Public\"."],
    [{ gatewayName: 'public', gatewayNamespace: 'Gateways' }, "TrafficProvider.gatewayApi: 'gatewayNamespace' must be a namespace name (DNS label), got \"Gateways\". Use e.g. \"gateways\"."],
    [{ gatewayName: 'public', sectionName: 'HTTPS' }, "TrafficProvider.gatewayApi: 'sectionName' must be a listener name (DNS subdomain), got \"HTTPS\". Use e.g. \"https\"."],
  ])('%j', (options, message) => {
    expect(() => TrafficProvider.gatewayApi(options as any)).toThrow(message);
  });

  test('TLS belongs to the Gateway listener', () => {
    expect(() => new StatelessWebApp(chartOnGateway(), 'shop', { name: 'shop', image: IMAGE, host: 'a.example.com', tlsSecretName: 'tls' })).toThrow(
      "StatelessWebApp 'test/shop': 'tlsSecretName' has no place on an HTTPRoute, got \"tls\". With Gateway API, TLS terminates on a listener of the Gateway public (certificateRefs); remove tlsSecretName.",
    );
  });
});
