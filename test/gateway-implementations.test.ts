// Gateway API with a named implementation: the support matrix, the refusals it leads to, the sessionPersistence
// shapes of Gateway API v1.5/v1.6 and of gateway-api main, and the HTTPRoutes the CRD would reject.
import * as fs from 'fs';
import * as path from 'path';
import { RE2JS } from '@bufbuild/re2';
import { Chart, Duration, Testing } from 'cdk8s';
import {
  AffinityMode,
  CanaryMatch,
  CanaryRelease,
  GatewayApiCrdVersion,
  GatewayApiRiskCode,
  GatewayImplementation,
  StatelessWebApp,
  StickyIngress,
  TrafficProvider,
  Warnings,
} from '../src';
import { crdErrors } from './support/crd-validator';
import { K8sObject, newChart, only, synth } from './support/synth';
import { SUPPORT_MATRIX, supportMatrixMarkdown } from '../src/traffic/gateway-api-implementations';
import { goRegexpProblem } from '../src/traffic/regex-dialects';

const GATEWAY = { gatewayName: 'public', gatewayNamespace: 'gateways', sectionName: 'https' };

interface Setup {
  readonly implementation?: GatewayImplementation;
  readonly crdVersion?: GatewayApiCrdVersion;
  /** A StickyIngress on the stable app, with this cookie name. */
  readonly stickyCookie?: string;
  readonly matches?: CanaryMatch[];
  readonly versionStickiness?: boolean;
}

/** The shop on a Gateway, with an optional StickyIngress and CanaryRelease; the chart (not synthesized). */
function shop(o: Setup): Chart {
  const chart = newChart('shop');
  TrafficProvider.useByDefault(
    chart,
    TrafficProvider.gatewayApi({
      ...GATEWAY,
      experimentalFields: o.stickyCookie !== undefined,
      implementation: o.implementation,
      crdVersion: o.crdVersion,
    }),
  );
  const route = { host: 'shop.example.com', path: '/store' };
  const app = new StatelessWebApp(chart, 'shop', { name: 'shop', image: 'ghcr.io/acme/shop:1.8.0', replicas: 3, ...(o.stickyCookie === undefined ? route : {}) });
  if (o.stickyCookie !== undefined) {
    new StickyIngress(chart, 'sticky', {
      service: app.service,
      ...route,
      mode: AffinityMode.PERSISTENT,
      justification: 'legacy cart in HttpSession',
      cookie: { name: o.stickyCookie, maxAge: Duration.days(7) },
    });
  }
  if (o.matches) {
    new CanaryRelease(chart, 'canary', { stable: app, image: 'ghcr.io/acme/shop:1.9.0', match: o.matches, versionStickiness: o.versionStickiness ?? true });
  }
  return chart;
}

const refused = (o: Setup) => () => shop(o);

describe('the support matrix', () => {
  test('every cell names where it was read: a tag of the implementation, a conformance report, or that it is not established', () => {
    for (const [factory, row] of SUPPORT_MATRIX) {
      for (const cell of [row.backendRefFilters, row.headerRegex, row.sessionPersistence]) {
        expect([factory, cell.source]).toEqual([factory, expect.stringMatching(/ v?\d+\.\d+\.\d+[ -]|conformance\/reports\/v1\.\d\/|^not established/)]);
        if (cell.supported === false) expect([factory, cell.otherwise, cell.alternative]).toEqual([factory, expect.any(String), expect.any(String)]);
      }
    }
  });

  test('the migration guide carries the matrix as it is in the code', () => {
    const guide = fs.readFileSync(path.join(__dirname, '..', 'docs', 'migrating-to-gateway-api.md'), 'utf8');
    expect(guide).toContain(supportMatrixMarkdown());
  });

  test('implementation is a GatewayImplementation', () => {
    expect(() => TrafficProvider.gatewayApi({ gatewayName: 'public', implementation: 'envoy' as any })).toThrow(
      "TrafficProvider.gatewayApi: 'implementation' must be a GatewayImplementation, got \"envoy\". Pass e.g. GatewayImplementation.envoyGateway(), or leave it out for GatewayImplementation.unknown().",
    );
    expect(() => TrafficProvider.gatewayApi({ gatewayName: 'public', crdVersion: 'v2' as any })).toThrow(
      "TrafficProvider.gatewayApi: 'crdVersion' must be a GatewayApiCrdVersion, got \"v2\". Pass e.g. GatewayApiCrdVersion.V1_6, or leave it out for V1_5.",
    );
  });
});

describe('refused with a named implementation, with the reason and the alternative', () => {
  test('the version cookie on NGINX Gateway Fabric: the whole weighted rule would answer 500', () => {
    expect(refused({ implementation: GatewayImplementation.nginxGatewayFabric(), matches: [CanaryMatch.weight(10)] })).toThrow(
      "CanaryRelease 'test/canary': 'versionStickiness' needs the version cookie on NGINX Gateway Fabric v2.6.7 without NGINX Plus, set by a " +
        "ResponseHeaderModifier filter on the weighted rule's backendRefs, and NGINX Gateway Fabric treats a backendRef with filters as invalid and " +
        'sends it to an upstream that answers 500; every backendRef of the weighted rule carries the filter, so the whole weighted rule answers 500 ' +
        '(nginx/nginx-gateway-fabric v2.6.7 internal/controller/state/graph/backend_refs.go validateRouteBackendRef), got true. Drop ' +
        'versionStickiness (users are then drawn by weight on every request), or add a StickyIngress to the stable app with ' +
        'GatewayImplementation.nginxGatewayFabric({ nginxPlus: true }) (its sessionPersistence keeps a user on the version they got).',
    );
  });

  test('the version cookie on Kong: the admission webhook would reject the HTTPRoute', () => {
    expect(refused({ implementation: GatewayImplementation.kong(), matches: [CanaryMatch.weight(10)] })).toThrow(
      "CanaryRelease 'test/canary': 'versionStickiness' needs the version cookie on Kong Ingress Controller v3.5.13, set by a ResponseHeaderModifier " +
        "filter on the weighted rule's backendRefs, and Kong's admission webhook rejects an HTTPRoute with filters on a backendRef (\"filters in " +
        'backendRef is unsupported") (Kong/kubernetes-ingress-controller v3.5.13 internal/admission/validation/gateway/httproute.go ' +
        'validateHTTPRouteFeatures), got true. Drop versionStickiness (users are then drawn by weight on every request), or send testers to the ' +
        'canary with CanaryMatch.header or CanaryMatch.cookie, which need no filter.',
    );
  });

  test('without version stickiness, a weighted canary on NGINX Gateway Fabric and Kong has no backendRef filter', () => {
    for (const implementation of [GatewayImplementation.nginxGatewayFabric(), GatewayImplementation.kong()]) {
      const route = only(synth(shop({ implementation, matches: [CanaryMatch.weight(10)], versionStickiness: false })), 'HTTPRoute');
      expect(route.spec.rules[0].backendRefs.map((b: any) => b.filters)).toEqual([undefined, undefined]);
    }
  });

  test('sessionPersistence on Traefik: its Gateway provider ignores the field', () => {
    expect(refused({ implementation: GatewayImplementation.traefik(), stickyCookie: 'shop-affinity' })).toThrow(
      "StickyIngress 'test/sticky': 'traffic' needs HTTPRoute sessionPersistence for cookie affinity, which Traefik v3.7.9 (Kubernetes Gateway " +
        "provider) does not implement: Traefik's Gateway provider ignores the field, so no request is sticky (traefik/traefik v3.7.9 " +
        'pkg/provider/kubernetes/gateway (no reader of SessionPersistence)), got "traefik". Route this app with TrafficProvider.traefik() ' +
        "(Traefik's IngressRoute with a sticky cookie), or remove the need for affinity with a RedisSessionStore.",
    );
  });

  test('sessionPersistence on NGINX Gateway Fabric without NGINX Plus: ignored', () => {
    expect(refused({ implementation: GatewayImplementation.nginxGatewayFabric(), stickyCookie: 'shop-affinity' })).toThrow(
      "StickyIngress 'test/sticky': 'traffic' needs HTTPRoute sessionPersistence for cookie affinity, which NGINX Gateway Fabric v2.6.7 without " +
        'NGINX Plus does not implement: NGINX Gateway Fabric ignores the field without NGINX Plus ("This configuration will be ignored"), so no ' +
        'request is sticky (nginx/nginx-gateway-fabric v2.6.7 internal/controller/state/graph/httproute.go (!featureFlags.Plus: Forbidden)), got ' +
        '"nginx-gateway-fabric". Pass GatewayImplementation.nginxGatewayFabric({ nginxPlus: true }) if the data plane is NGINX Plus; otherwise ' +
        'remove the need for affinity with a RedisSessionStore (NGINX Gateway Fabric offers client-IP affinity, ip_hash, through an ' +
        'UpstreamSettingsPolicy, which this library does not render).',
    );
  });

  test('sessionPersistence on Istio and Kong: ignored', () => {
    expect(refused({ implementation: GatewayImplementation.istio(), stickyCookie: 'shop-affinity' })).toThrow(
      "StickyIngress 'test/sticky': 'traffic' needs HTTPRoute sessionPersistence for cookie affinity, which Istio 1.30.3 does not implement: Istio " +
        'ignores the field, so no request is sticky (istio/istio 1.30.3 (no reader of HTTPRoute rule SessionPersistence; backend_policies.go: ' +
        '"unsupported", istio#55839)), got "istio". Remove the need for affinity with a RedisSessionStore, or route this app with a provider that ' +
        'has cookie affinity (TrafficProvider.ingressNginx() or TrafficProvider.traefik()).',
    );
    expect(refused({ implementation: GatewayImplementation.kong(), stickyCookie: 'shop-affinity' })).toThrow(
      "StickyIngress 'test/sticky': 'traffic' needs HTTPRoute sessionPersistence for cookie affinity, which Kong Ingress Controller v3.5.13 does " +
        'not implement: the Kong Ingress Controller ignores the field, so no request is sticky (Kong/kubernetes-ingress-controller v3.5.13 (no ' +
        'reader of SessionPersistence)), got "kong". Remove the need for affinity with a RedisSessionStore, or route this app with a provider ' +
        'that has cookie affinity (TrafficProvider.ingressNginx() or TrafficProvider.traefik()).',
    );
  });

  test('the main sessionPersistence shape on an implementation that reads the v1.5/v1.6 shape', () => {
    expect(refused({ implementation: GatewayImplementation.envoyGateway(), crdVersion: GatewayApiCrdVersion.MAIN_2026_08, stickyCookie: 'shop-affinity' })).toThrow(
      "StickyIngress 'test/sticky': 'traffic' renders sessionPersistence in the Gateway API main-2026-08 shape (cookie.name), and Envoy Gateway " +
        'v1.9.0 reads the v1.5/v1.6 shape (sessionName, cookieConfig) (envoyproxy/gateway v1.9.0 internal/gatewayapi/route.go ' +
        '(rule.SessionPersistence: SessionName, CookieConfig; go.mod gateway-api v1.6.1)), got "main-2026-08". Pass crdVersion: ' +
        "GatewayApiCrdVersion.V1_6 to TrafficProvider.gatewayApi() until your implementation's release reads the new shape.",
    );
  });

  test('header patterns are checked in the dialect of the implementation', () => {
    // a lookahead: JavaScript RegExp (NGINX Gateway Fabric) has it, Go's regexp (Envoy Gateway) does not
    const lookahead = [CanaryMatch.headerPattern('region', '^(?!never).*$')];
    const ngf = GatewayImplementation.nginxGatewayFabric();
    expect(() => synth(shop({ implementation: ngf, matches: lookahead, versionStickiness: false }))).not.toThrow();
    expect(refused({ implementation: GatewayImplementation.envoyGateway(), matches: lookahead, versionStickiness: false })).toThrow(
      "CanaryRelease 'test/canary': 'match.headerPattern' does not compile with Go's regexp (error parsing regexp: invalid or unsupported Perl syntax: `(?!`): Envoy Gateway v1.9.0 compiles header patterns with Go's regexp (RE2 syntax) (envoyproxy/gateway v1.9.0 " +
        'internal/utils/regex/regex.go Validate (Go regexp.Compile), then Envoy SafeRegex), got "^(?!never).*$". Fix the pattern in that dialect.',
    );
    // a repeat count over 1000: Go rejects it, JavaScript does not
    const repeat = [CanaryMatch.headerPattern('region', 'a{1001}')];
    expect(() => synth(shop({ implementation: ngf, matches: repeat, versionStickiness: false }))).not.toThrow();
    expect(refused({ implementation: GatewayImplementation.traefik(), matches: repeat, versionStickiness: false })).toThrow(
      "CanaryRelease 'test/canary': 'match.headerPattern' does not compile with Go's regexp (error parsing regexp: invalid repeat count: `{1001}`): Traefik v3.7.9 (Kubernetes Gateway provider) " +
        "compiles header patterns with Go's regexp (RE2 syntax) (traefik/traefik v3.7.9 pkg/muxer/http/matcher.go headerRegexp (Go " +
        'regexp.Compile)), got "a{1001}". Fix the pattern in that dialect.',
    );
  });
});

describe('what the matrix shows supported is no longer reported as implementation-specific', () => {
  const risksOf = (implementation?: GatewayImplementation) => {
    const chart = shop({ implementation, matches: [CanaryMatch.headerPattern('region', '^east$'), CanaryMatch.weight(10)] });
    const route = only(synth(chart), 'HTTPRoute');
    return { codes: Warnings.of(chart).risks.map((r) => r.code), route };
  };

  test.each([['envoyGateway'], ['istio'], ['traefik']] as const)('%s: version cookie and header pattern without implementation-specific risks', (factory) => {
    const { codes, route } = risksOf(GatewayImplementation[factory]());
    expect(codes).not.toContain(GatewayApiRiskCode.GATEWAY_API_VERSION_COOKIE);
    expect(codes).not.toContain(GatewayApiRiskCode.GATEWAY_API_IMPLEMENTATION_SPECIFIC);
    // the same HTTPRoute as without a named implementation
    expect(route.spec).toEqual(risksOf().route.spec);
  });

  test.each([['unknown'], ['cilium'], ['kgateway']] as const)('%s: both risks stay', (factory) => {
    const { codes } = risksOf(GatewayImplementation[factory]());
    expect(codes).toContain(GatewayApiRiskCode.GATEWAY_API_VERSION_COOKIE);
    expect(codes).toContain(GatewayApiRiskCode.GATEWAY_API_IMPLEMENTATION_SPECIFIC);
  });

  test('sticky on Envoy Gateway and on NGINX Gateway Fabric with NGINX Plus: the experimental risk names the implementation that reads it', () => {
    for (const [implementation, title] of [
      [GatewayImplementation.envoyGateway(), 'Envoy Gateway v1.9.0'],
      [GatewayImplementation.nginxGatewayFabric({ nginxPlus: true }), 'NGINX Gateway Fabric v2.6.7 with NGINX Plus'],
    ] as const) {
      const chart = shop({ implementation, stickyCookie: 'shop-affinity', matches: [CanaryMatch.weight(10)] });
      synth(chart);
      const risk = Warnings.of(chart).risks.find((r) => r.code === GatewayApiRiskCode.GATEWAY_API_EXPERIMENTAL)!;
      expect(risk.message).toContain(`the field; ${title} implements it (`);
      expect(risk.remedy).toBe('Remove the need for affinity with a RedisSessionStore; until then, install the experimental CRDs.');
    }
  });

  test('unknown: the experimental risk says no conformance report shows SessionPersistence (the suite has no such feature up to v1.6.1)', () => {
    const chart = shop({ stickyCookie: 'shop-affinity' });
    synth(chart);
    const risk = Warnings.of(chart).risks.find((r) => r.code === GatewayApiRiskCode.GATEWAY_API_EXPERIMENTAL)!;
    expect(risk.message).toContain('the conformance suite has no SessionPersistence feature or test up to v1.6.1, so no conformance report shows it');
    expect(risk.remedy).not.toContain('conformance report for SessionPersistence');
  });
});

describe('the sessionPersistence shapes, each valid against its CRD with its CEL rules', () => {
  const rulesOf = (crdVersion?: GatewayApiCrdVersion) => {
    const chart = shop({ crdVersion, stickyCookie: 'shop-affinity', matches: [CanaryMatch.header('region', 'east'), CanaryMatch.weight(10)] });
    const objects = Testing.synth(chart) as K8sObject[];
    return { chart, route: only(objects, 'HTTPRoute') };
  };

  test('v1.5/v1.6 (the default): sessionName and cookieConfig; valid on v1.5.1 and v1.6.1 experimental, rejected by main', () => {
    for (const crdVersion of [undefined, GatewayApiCrdVersion.V1_5, GatewayApiCrdVersion.V1_6]) {
      const { route } = rulesOf(crdVersion);
      expect(route.spec.rules.map((r: any) => r.sessionPersistence)).toEqual([
        { sessionName: 'shop-affinity-h1', type: 'Cookie', absoluteTimeout: '168h', cookieConfig: { lifetimeType: 'Permanent' } },
        { sessionName: 'shop-affinity', type: 'Cookie', absoluteTimeout: '168h', cookieConfig: { lifetimeType: 'Permanent' } },
      ]);
      expect(crdErrors([route], { gatewayApi: 'v1.5.1', channel: 'experimental' })).toEqual([]);
      expect(crdErrors([route], { gatewayApi: 'v1.6.1', channel: 'experimental' })).toEqual([]);
      expect(crdErrors([route], { gatewayApi: 'main-2026-08', channel: 'experimental' }).join('\n')).toContain('cookie must be specified for Cookie type');
    }
  });

  test('main (2026-08): cookie.name, cookie.lifetimeType and the route path as cookie.path; valid on main experimental, rejected by v1.6.1', () => {
    const { route } = rulesOf(GatewayApiCrdVersion.MAIN_2026_08);
    expect(route.spec.rules.map((r: any) => r.sessionPersistence)).toEqual([
      { type: 'Cookie', absoluteTimeout: '168h', cookie: { name: 'shop-affinity-h1', lifetimeType: 'Permanent', path: '/store' } },
      { type: 'Cookie', absoluteTimeout: '168h', cookie: { name: 'shop-affinity', lifetimeType: 'Permanent', path: '/store' } },
    ]);
    expect(crdErrors([route], { gatewayApi: 'main-2026-08', channel: 'experimental' })).toEqual([]);
    expect(crdErrors([route], { gatewayApi: 'v1.6.1', channel: 'experimental' })).not.toEqual([]);
  });

  test('main, without a cookie name or maxAge: cookie is still there (the CRD requires it for type Cookie)', () => {
    const chart = newChart('shop');
    const main = GatewayApiCrdVersion.MAIN_2026_08;
    TrafficProvider.useByDefault(chart, TrafficProvider.gatewayApi({ ...GATEWAY, experimentalFields: true, crdVersion: main }));
    const app = new StatelessWebApp(chart, 'shop', { name: 'shop', image: 'ghcr.io/acme/shop:1.8.0', replicas: 3 });
    new StickyIngress(chart, 'sticky', { service: app.service, host: 'shop.example.com', mode: AffinityMode.PERSISTENT, justification: 'x' });
    const route = only(Testing.synth(chart) as K8sObject[], 'HTTPRoute');
    expect(route.spec.rules[0].sessionPersistence).toEqual({ type: 'Cookie', cookie: { lifetimeType: 'Session', path: '/' } });
    expect(crdErrors([route], { gatewayApi: 'main-2026-08', channel: 'experimental' })).toEqual([]);
  });

  test('the per-rule risk says, for main, that each cookie is scoped to the route path instead of the default "/"', () => {
    const { chart } = rulesOf(GatewayApiCrdVersion.MAIN_2026_08);
    const risk = Warnings.of(chart).risks.find((r) => r.code === GatewayApiRiskCode.GATEWAY_API_SESSION_PER_RULE)!;
    expect(risk.message).toBe(
      'Session persistence holds per HTTPRoute rule (GEP-1619): a user the header rule sent to ' +
        `${(only(Testing.synth(chart) as K8sObject[], 'HTTPRoute').spec.rules[0].backendRefs[0] as any).name} stays there only while ` +
        'their requests keep matching that rule (they keep sending the header); a request without the header goes through the weighted rule, ' +
        "which has a session of its own and may answer from the other version. Each rule's cookie has a name of its own and cookie.path /store: " +
        'the CRD\'s default path "/" would send every cookie with every request to the host, where a rule of another HTTPRoute with the same ' +
        'cookie name would overwrite it.',
    );
  });
});

describe('HTTPRoutes the CRD would reject are refused before synthesis', () => {
  test('a sticky cookie name of 126 characters with a header rule: the session name "<name>-h1" would be 129', () => {
    const matches = [CanaryMatch.header('region', 'east'), CanaryMatch.weight(10)];
    expect(refused({ stickyCookie: 'a'.repeat(126), matches })).toThrow(
      "StickyIngress 'test/sticky': 'cookie.name' must be at most 125 characters on Gateway API with the 1 header rule of the canary: header rule " +
        'i gets the session name "<name>-h<i>" (up to "<name>-h1"), and sessionName holds at most 128 characters, got 126. Use a shorter name, ' +
        'e.g. "route".',
    );
    const route = only(synth(shop({ stickyCookie: 'a'.repeat(125), matches })), 'HTTPRoute');
    expect(route.spec.rules[0].sessionPersistence.sessionName).toHaveLength(128);
  });

  test('a sticky cookie name of 125 characters with ten header rules: "<name>-h10" would be 129', () => {
    const matches = [...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map((v) => CanaryMatch.header('region', v)), CanaryMatch.weight(10)];
    expect(refused({ stickyCookie: 'a'.repeat(125), matches })).toThrow(
      "StickyIngress 'test/sticky': 'cookie.name' must be at most 124 characters on Gateway API with the 10 header rules of the canary: header " +
        'rule i gets the session name "<name>-h<i>" (up to "<name>-h10"), and sessionName holds at most 128 characters, got 125. Use a shorter ' +
        'name, e.g. "route".',
    );
  });

  test('main shape: cookie.name holds 256 characters, so 253 with one header rule', () => {
    const matches = [CanaryMatch.header('region', 'east'), CanaryMatch.weight(10)];
    expect(refused({ crdVersion: GatewayApiCrdVersion.MAIN_2026_08, stickyCookie: 'a'.repeat(254), matches })).toThrow(
      "StickyIngress 'test/sticky': 'cookie.name' must be at most 253 characters on Gateway API with the 1 header rule of the canary: header rule " +
        'i gets the session name "<name>-h<i>" (up to "<name>-h1"), and cookie.name holds at most 256 characters, got 254. Use a shorter name, ' +
        'e.g. "route".',
    );
    const route = only(Testing.synth(shop({ crdVersion: GatewayApiCrdVersion.MAIN_2026_08, stickyCookie: 'a'.repeat(253), matches })) as K8sObject[], 'HTTPRoute');
    expect(route.spec.rules[0].sessionPersistence.cookie.name).toHaveLength(256);
    expect(crdErrors([route], { gatewayApi: 'main-2026-08', channel: 'experimental' })).toEqual([]);
  });

  test.each([[' '], ['ü+']])('header pattern %j: the experimental CRD pattern on headers[].value', (pattern) => {
    expect(refused({ matches: [CanaryMatch.headerPattern('region', pattern)] })).toThrow(
      'CanaryRelease \'test/canary\': \'match.headerPattern\' must be visible ASCII with single inner spaces on Gateway API (the experimental ' +
        `HTTPRoute CRD, which sticky routes need, enforces ^[!-~]+([\\t ]?[!-~]+)*$ on headers[].value), got ${JSON.stringify(pattern)}. ` +
        'Write spaces and non-ASCII characters as escapes, e.g. \\x20 for a space.',
    );
  });

  test('header pattern "[": compiles in no dialect', () => {
    expect(refused({ matches: [CanaryMatch.headerPattern('region', '[')] })).toThrow(
      "CanaryRelease 'test/canary': 'match.headerPattern' does not compile as a JavaScript RegExp (Invalid regular expression: /[/: Unterminated " +
        "character class); with no implementation named, a header pattern must compile in both Go's regexp (RE2 syntax) and JavaScript RegExp, " +
        'the dialects of the implementations whose source was read, got "[". Fix the pattern, or name your implementation with implementation ' +
        'of TrafficProvider.gatewayApi() (e.g. GatewayImplementation.envoyGateway()) to check it in that dialect only.',
    );
  });

  test('header pattern "a{1001}": Go\'s regexp rejects it, so with no implementation named it is refused', () => {
    expect(refused({ matches: [CanaryMatch.headerPattern('region', 'a{1001}')] })).toThrow(
      "CanaryRelease 'test/canary': 'match.headerPattern' does not compile with Go's regexp (error parsing regexp: invalid repeat count: `{1001}`); with no implementation named, a header pattern " +
        "must compile in both Go's regexp (RE2 syntax) and JavaScript RegExp, the dialects of the implementations whose source was read, got " +
        '"a{1001}". Fix the pattern, or name your implementation with implementation of TrafficProvider.gatewayApi() (e.g. ' +
        'GatewayImplementation.envoyGateway()) to check it in that dialect only.',
    );
  });

  test('an Exact header value over 4,096 characters (headers[].value maxLength)', () => {
    expect(refused({ matches: [CanaryMatch.header('region', 'a'.repeat(4097))] })).toThrow(
      "CanaryRelease 'test/canary': 'match.header value' must be at most 4096 characters on Gateway API (the HTTPRoute CRD's headers[].value), " +
        'got "4097 characters". Use a shorter value, or a header pattern.',
    );
    const route = only(synth(shop({ matches: [CanaryMatch.header('region', 'a'.repeat(4096))], versionStickiness: false })), 'HTTPRoute');
    expect(route.spec.rules[0].matches[0].headers[0].value).toHaveLength(4096);
  });
});

describe("the Go regexp check agrees with an RE2 port (Go's regexp syntax)", () => {
  const corpus = [
    '[', 'a{1001}', 'a{1000}', 'ü+', ' ', '(?=a)', '\\1', '(?>a)', 'a*+', 'a**', '\\u00e9', '\\cA', '\\Z', '\\z', '\\C', '(?i)beta',
    '(?P<n>x)', '(?<n>x)', '\\x{41}', '\\Q.\\E', '\\pL', '\\p{Greek}', '[[:alpha:]]', '\\0', '\\08', '\\8', 'x{2,1}', '(?s).', '\\e',
    '\\_', '\\-', 'a{,3}', '(?U)a*', '\\v', '\\h', '[a-\\d]', '[\\d-z]', '\\b', '\\G', '(a)(?#c)', 'a{1,1001}', '(((a{100}){100}){100})',
    '((a{10}){100})', '((a{10}){101})', '^*', '(?i)*', '*', 'a|*', '()', 'a{2}{3}', 'a*?', 'a*??', 'a{2}?', '[]a]', '[^]a]', '[a-]',
    '[z-a]', '[\\b]', '(?P<>a)', '(?-i)a', '(?i-)a', '(?:a)', '(?i:a)*', 'a)', '(a', '\\x4', '\\x41', '\\x{110000}',
    '[[:foo:]]', '[[:^alpha:]]', '\\12', '\\18', 'a{1,}', 'a{1001,}', '(a{500}|b{3}){2}', '(a{500}b{3}){3}', 'x{0}{5}', '\\',
    '[\\x{41}-\\x{5a}]', '[\\Q]\\E]', '\\Qa', '\\p{^Greek}', '\\pZ', '\\p', '[:alpha:]', 'x{1,2}{3}', '(?P=n)', "(?'n'x)", 'a++', '\\k<n>',
    '^(.*;)?\\s*shop-version=canary\\-abc(;.*)?$', '^(east|west)-us$', '^\\d{2,3}$',
  ];
  test.each(corpus.map((p) => [p]))('%j', (pattern) => {
    let re2: string | undefined;
    try {
      RE2JS.compile(pattern);
    } catch (e) {
      re2 = (e as Error).message;
    }
    expect([pattern, goRegexpProblem(pattern) === undefined]).toEqual([pattern, re2 === undefined]);
  });
  // Where the two differ: Go's parser keeps no table of group names (golang/go src/regexp/syntax/parse.go, type
  // parser: no names field, no duplicate-name error code), so regexp.Compile accepts a repeated name; RE2/J refuses it.
  test('a repeated group name: Go accepts it, RE2/J does not', () => {
    expect(goRegexpProblem('(?P<n>a)(?P<n>b)')).toBeUndefined();
    expect(() => RE2JS.compile('(?P<n>a)(?P<n>b)')).toThrow();
  });
});
