// On Gateway API: version stickiness by a version cookie (standard channel only) and the cookie
// canary as a RegularExpression match on the Cookie header.
import { RE2JS } from '@bufbuild/re2';
import { ApiObject, Duration } from 'cdk8s';
import { AffinityMode, CanaryMatch, CanaryRelease, GatewayApiRiskCode, RiskCode, StatelessWebApp, StickyIngress, TrafficProvider, Warnings } from '../src';
import { crdErrors } from './support/crd-validator';
import { K8sObject, newChart, only, schemaErrors, synth } from './support/synth';

const IMAGE = 'ghcr.io/acme/shop:1.8.0';
const NEXT = 'ghcr.io/acme/shop:1.9.0';
const AFTER = 'ghcr.io/acme/shop:2.0.0';
const GATEWAY = { gatewayName: 'public', gatewayNamespace: 'gateways', sectionName: 'https' };

interface ReleaseOptions {
  readonly stableImage?: string;
  /** undefined: no CanaryRelease (before the release, or after promotion / rollback). */
  readonly canaryImage?: string;
  readonly matches?: CanaryMatch[];
  readonly versionStickiness?: boolean;
  readonly path?: string;
  readonly provider?: Parameters<typeof TrafficProvider.gatewayApi>[0];
}

/** The shop as a commit of its repository would synthesize it. */
function release(o: ReleaseOptions = {}) {
  const chart = newChart('shop');
  TrafficProvider.useByDefault(chart, TrafficProvider.gatewayApi(o.provider ?? GATEWAY));
  const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: o.stableImage ?? IMAGE, replicas: 4, host: 'shop.example.com', path: o.path });
  if (o.canaryImage) {
    new CanaryRelease(chart, 'canary', {
      stable: shop,
      image: o.canaryImage,
      match: o.matches ?? [CanaryMatch.weight(10)],
      versionStickiness: o.versionStickiness ?? true,
    });
  }
  const objects = synth(chart);
  return { chart, objects, route: only(objects, 'HTTPRoute') };
}

// ---------------------------------------------------------------------------------------------------------------
// A tiny HTTPRoute evaluator: which rule of one HTTPRoute takes a request.
// Precedence, from the HTTPRoute CRD (spec.rules[].matches description, v1.5.1 and v1.6.1 standard): "Across all
// rules specified on applicable Routes, precedence must be given to the match having: * "Exact" path match.
// * "Prefix" path match with largest number of characters. * Method match. * Largest number of header matches.
// * Largest number of query param matches." ... "If ties still exist within an HTTPRoute, matching precedence MUST
// be granted to the FIRST matching rule (in list order) with a match meeting the above criteria."
// Header names: "Name matching MUST be case-insensitive" (matches[].headers[].name).
// RegularExpression values are evaluated with RE2 (@bufbuild/re2), either as a full match (Envoy-based gateways:
// `re2::RE2::FullMatch`, envoyproxy/envoy source/common/common/regex.h) or as an unanchored search (NGINX-based).
// ---------------------------------------------------------------------------------------------------------------
type RegexSemantics = 'full' | 'search';
interface Request {
  readonly path: string;
  readonly headers?: { [name: string]: string };
}

function regexMatches(pattern: string, value: string, semantics: RegexSemantics): boolean {
  const re = RE2JS.compile(pattern); // throws on non-RE2 syntax (lookaround, backreferences)
  return semantics === 'full' ? re.matches(value) : re.test(value);
}

function pathMatches(path: { type: string; value: string }, requestPath: string): boolean {
  if (path.type === 'Exact') return requestPath === path.value;
  if (path.type === 'PathPrefix') {
    const prefix = path.value.replace(/\/+$/, '');
    return prefix === '' || requestPath === prefix || requestPath.startsWith(`${prefix}/`);
  }
  throw new Error(`path type ${path.type} is not modelled`);
}

function headerMatches(h: { type?: string; name: string; value: string }, req: Request, semantics: RegexSemantics): boolean {
  const entry = Object.entries(req.headers ?? {}).find(([name]) => name.toLowerCase() === h.name.toLowerCase());
  if (!entry) return false;
  return (h.type ?? 'Exact') === 'Exact' ? entry[1] === h.value : regexMatches(h.value, entry[1], semantics);
}

/** The rule that takes the request (by the spec's precedence), or undefined (404). */
function ruleFor(route: K8sObject, req: Request, semantics: RegexSemantics = 'full'): any {
  const candidates: Array<{ rule: any; index: number; key: number[] }> = [];
  route.spec.rules.forEach((rule: any, index: number) => {
    for (const m of rule.matches ?? [{ path: { type: 'PathPrefix', value: '/' } }]) {
      if (m.method || m.queryParams) throw new Error('method and query matches are not modelled');
      const path = m.path ?? { type: 'PathPrefix', value: '/' };
      if (!pathMatches(path, req.path) || !(m.headers ?? []).every((h: any) => headerMatches(h, req, semantics))) continue;
      const key = [path.type === 'Exact' ? 1 : 0, path.type === 'PathPrefix' ? path.value.length : 0, 0, (m.headers ?? []).length, 0, -index];
      candidates.push({ rule, index, key });
    }
  });
  candidates.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return b.key[i] - a.key[i];
    return 0;
  });
  return candidates[0]?.rule;
}

/** Where a request goes: the backends it may reach (weight > 0), and the Set-Cookie each would add. */
function where(route: K8sObject, req: Request, semantics: RegexSemantics = 'full'): Array<{ backend: string; setCookie?: string }> {
  const rule = ruleFor(route, req, semantics);
  if (!rule) return [];
  return rule.backendRefs
    .filter((b: any) => (b.weight ?? 1) > 0)
    .map((b: any) => {
      const filter = (b.filters ?? []).find((f: any) => f.type === 'ResponseHeaderModifier');
      const setCookie = filter?.responseHeaderModifier.add?.find((h: any) => h.name.toLowerCase() === 'set-cookie')?.value;
      return setCookie ? { backend: b.name, setCookie } : { backend: b.name };
    });
}

/** The Cookie request header a browser sends back for a Set-Cookie (name=value only), among other cookies. */
function cookieHeaderFrom(setCookie: string): string {
  return `a=1; ${setCookie.split(';')[0]}; b=2`;
}

const CANARY = 'shop-canary-984eeb';
const SEMANTICS: RegexSemantics[] = ['full', 'search'];

describe('version stickiness on Gateway API by a version cookie (standard channel)', () => {
  const { chart, objects, route } = release({ canaryImage: NEXT });

  test('the rendered HTTPRoute: two Cookie rules ahead of the weighted rule, whose backendRefs add the version cookie', () => {
    const path = { type: 'PathPrefix', value: '/' };
    const cookie = (track: string) => `shop-version=${track}; Max-Age=86400; Path=/; Secure; HttpOnly; SameSite=Lax`;
    expect(route.spec.rules).toEqual([
      {
        matches: [{ path, headers: [{ type: 'RegularExpression', name: 'Cookie', value: '^(.*;)?\\s*shop-version=shop-canary-984eeb(;.*)?$' }] }],
        backendRefs: [{ name: CANARY, port: 80 }],
      },
      {
        matches: [{ path, headers: [{ type: 'RegularExpression', name: 'Cookie', value: '^(.*;)?\\s*shop-version=stable\\.shop-canary-984eeb(;.*)?$' }] }],
        backendRefs: [{ name: 'shop', port: 80 }],
      },
      {
        matches: [{ path }],
        backendRefs: [
          { name: 'shop', port: 80, weight: 90, filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'Set-Cookie', value: cookie(`stable.${CANARY}`) }] } }] },
          { name: CANARY, port: 80, weight: 10, filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'Set-Cookie', value: cookie(CANARY) }] } }] },
        ],
      },
    ]);
    // no session persistence anywhere, and no field of the experimental channel
    expect(JSON.stringify(route.spec)).not.toContain('sessionPersistence');
  });

  test.each(SEMANTICS)('which request goes where (%s regex semantics): drawn by weight once, then kept on that version only', (semantics) => {
    // a first request: the weighted rule, which may answer from either version and sets the cookie naming it
    const first = where(route, { path: '/cart' }, semantics);
    expect(first.map((x) => x.backend)).toEqual(['shop', CANARY]);
    for (const drawn of first) {
      const cookie = cookieHeaderFrom(drawn.setCookie!);
      // later requests with the cookie among others go to that version only, on every path of the route
      for (const p of ['/', '/cart', '/a/b']) {
        expect(where(route, { path: p, headers: { Cookie: cookie } }, semantics)).toEqual([{ backend: drawn.backend }]);
        expect(where(route, { path: p, headers: { cookie } }, semantics)).toEqual([{ backend: drawn.backend }]);
      }
    }
    expect(cookieHeaderFrom(first[1].setCookie!)).toBe(`a=1; shop-version=${CANARY}; b=2`);
    // the cookie alone, or first, or last
    for (const cookie of [`shop-version=${CANARY}`, `shop-version=${CANARY}; a=1`, `a=1;shop-version=${CANARY}`]) {
      expect(where(route, { path: '/', headers: { Cookie: cookie } }, semantics)).toEqual([{ backend: CANARY }]);
    }
    // look-alikes match no version rule: drawn by weight again
    for (const cookie of [
      `xshop-version=${CANARY}`,
      `shop-version=${CANARY}x`,
      `shop-version=x${CANARY}`,
      `a=shop-version=${CANARY}x`,
      'shop-version=stable',
      'shop-version=shop',
      'shop-version=stableXshop-canary-984eeb', // the "." of the stable value is escaped
      'other=1',
    ]) {
      expect(where(route, { path: '/', headers: { Cookie: cookie } }, semantics).map((x) => x.backend)).toEqual(['shop', CANARY]);
    }
  });

  test('the Cookie patterns are RE2 (no lookaround, no backreference) and mean the same as a full match and as a search', () => {
    const patterns = route.spec.rules.flatMap((r: any) => (r.matches[0].headers ?? []).map((h: any) => h.value));
    expect(patterns).toHaveLength(2);
    for (const p of patterns) {
      expect(() => RE2JS.compile(p)).not.toThrow();
      expect(p).not.toMatch(/\(\?[=!<]|\\[1-9]/);
    }
    // the evaluator's RE2 does reject what RE2 rejects
    expect(() => RE2JS.compile('(?!x)shop-version=a')).toThrow('invalid or unsupported Perl syntax');
  });

  test('the risk says which parts are Core, Extended and Implementation-specific, and that the cookie expires by Max-Age', () => {
    const risk = Warnings.of(chart).risks.find((r) => r.code === GatewayApiRiskCode.GATEWAY_API_VERSION_COOKIE)!;
    expect(risk.message).toBe(
      "CanaryRelease 'test/canary' keeps each user on the version the weighted rule drew them for with the version cookie shop-version, on standard-channel fields only " +
        '(no sessionPersistence). Support levels (HTTPRoute CRD, Gateway API v1.5.1 and v1.6.1): the path matches, Exact header matches and ' +
        'backendRef weights are Core; the ResponseHeaderModifier filter that sets the cookie is Extended, and filters on a backendRef are ' +
        'Implementation-specific ("For broader support of filters, use the Filters field in HTTPRouteRule"); the RegularExpression match on the ' +
        'Cookie header that reads it is Implementation-specific (the regex dialect, and how a repeated header is represented). What an ' +
        'implementation does with a part it does not support is its own: NGINX Gateway Fabric (v2.6.7) treats a backendRef with filters as ' +
        'invalid and the whole weighted rule answers 500; the admission webhook of the Kong Ingress Controller (v3.5.13) rejects the HTTPRoute. ' +
        'The cookie is not renewed: it expires 86400 s (Max-Age) after the ' +
        'response that set it, then the user is drawn again; it is Secure, so a browser sends it over HTTPS only.',
    );
    // users are not "drawn by weight" where a part is unsupported: NGINX Gateway Fabric answers 500, Kong rejects the route
    expect(risk.message).not.toContain('drawn by weight on every request');
    expect(route.metadata.annotations!['risks.stateless.cdk8s.io/gateway-api-version-cookie']).toBeDefined();
    // the core drift risk names the version cookie's expiry, not a browser session
    const drift = Warnings.of(chart).risks.find((r) => r.code === RiskCode.CANARY_STICKY_DRIFT)!;
    expect(drift.message).toContain('They leave the canary when the version cookie that pins them expires or the CanaryRelease is removed.');
    expect(Warnings.of(chart).risks.map((r) => r.code)).not.toContain(GatewayApiRiskCode.GATEWAY_API_EXPERIMENTAL);
  });

  test.each(['v1.5.1', 'v1.6.1'] as const)('valid against the %s standard-channel HTTPRoute CRD (with CEL), and the Kubernetes schemas', (gatewayApi) => {
    expect(crdErrors([route], { gatewayApi, channel: 'standard' })).toEqual([]);
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('the validator rejects what the standard channel lacks: sessionPersistence, and a repeated ResponseHeaderModifier', () => {
    const withPersistence = JSON.parse(JSON.stringify(route));
    withPersistence.spec.rules[2].sessionPersistence = { type: 'Cookie' };
    expect(crdErrors([withPersistence], { gatewayApi: 'v1.6.1', channel: 'standard' }).join('\n')).toContain('sessionPersistence');
    const twice = JSON.parse(JSON.stringify(route));
    const ref = twice.spec.rules[2].backendRefs[0];
    ref.filters = [ref.filters[0], ref.filters[0]];
    expect(crdErrors([twice], { gatewayApi: 'v1.5.1', channel: 'standard' }).join('\n')).toContain('ResponseHeaderModifier filter cannot be repeated');
  });

  test('the provider option names the cookie and sets its Max-Age; the Path is the route path', () => {
    const { route: r, chart: c } = release({ canaryImage: NEXT, path: '/store/', provider: { ...GATEWAY, versionCookie: { name: 'v', maxAge: Duration.hours(2) } } });
    const cookies = r.spec.rules[2].backendRefs.map((b: any) => b.filters[0].responseHeaderModifier.add[0].value);
    expect(cookies).toEqual([
      `v=stable.${CANARY}; Max-Age=7200; Path=/store; Secure; HttpOnly; SameSite=Lax`,
      `v=${CANARY}; Max-Age=7200; Path=/store; Secure; HttpOnly; SameSite=Lax`,
    ]);
    expect(where(r, { path: '/store/x', headers: { Cookie: `v=${CANARY}` } })).toEqual([{ backend: CANARY }]);
    expect(Warnings.of(c).risks.find((x) => x.code === GatewayApiRiskCode.GATEWAY_API_VERSION_COOKIE)!.message).toContain('it expires 7200 s (Max-Age)');
    expect(crdErrors([r], { gatewayApi: 'v1.6.1', channel: 'standard' })).toEqual([]);
    // the experimental channel (its header-value pattern) accepts the same route
    expect(crdErrors([r], { gatewayApi: 'v1.6.1', channel: 'experimental' })).toEqual([]);
  });

  test('header matches come first: a tester header still wins over the version a user was drawn for', () => {
    const { route: r } = release({ canaryImage: NEXT, matches: [CanaryMatch.header('x-canary'), CanaryMatch.weight(10)] });
    const stableCookie = `shop-version=stable.${CANARY}`;
    expect(where(r, { path: '/', headers: { 'x-canary': 'always', 'Cookie': stableCookie } })).toEqual([{ backend: CANARY }]);
    expect(where(r, { path: '/', headers: { 'x-canary': 'never', 'Cookie': `shop-version=${CANARY}` } })).toEqual([{ backend: 'shop' }]);
    expect(where(r, { path: '/', headers: { Cookie: stableCookie } })).toEqual([{ backend: 'shop' }]);
    expect(crdErrors([r], { gatewayApi: 'v1.5.1', channel: 'standard' })).toEqual([]);
  });

  test('with a sticky stable route (StickyIngress), version stickiness stays on sessionPersistence: no version cookie', () => {
    const sticky = newChart('shop');
    TrafficProvider.useByDefault(sticky, TrafficProvider.gatewayApi({ ...GATEWAY, experimentalFields: true }));
    const shop = new StatelessWebApp(sticky, 'shop', { name: 'shop', image: IMAGE, replicas: 4 });
    new StickyIngress(sticky, 'route', { service: shop.service, host: 'shop.example.com', mode: AffinityMode.PERSISTENT, justification: 'cart', cookie: { name: 'shop-affinity' } });
    new CanaryRelease(sticky, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.weight(10)], versionStickiness: true });
    const r = only(synth(sticky), 'HTTPRoute');
    expect(r.spec.rules).toHaveLength(1);
    expect(r.spec.rules[0].sessionPersistence).toEqual({ sessionName: 'shop-affinity', type: 'Cookie', cookieConfig: { lifetimeType: 'Session' } });
    expect(JSON.stringify(r)).not.toContain('Set-Cookie');
    expect(Warnings.of(sticky).risks.map((x) => x.code)).not.toContain(GatewayApiRiskCode.GATEWAY_API_VERSION_COOKIE);
  });

  test('without versionStickiness: no cookie rules and no filters', () => {
    const { route: r } = release({ canaryImage: NEXT, versionStickiness: false });
    expect(r.spec.rules).toEqual([
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'shop', port: 80, weight: 90 }, { name: CANARY, port: 80, weight: 10 }] },
    ]);
  });
});

describe('the release as commits on Gateway API', () => {
  const readsCookie = (r: K8sObject) => r.spec.rules.filter((rule: any) => (rule.matches ?? []).some((m: any) => (m.headers ?? []).some((h: any) => h.name.toLowerCase() === 'cookie')));
  const hasFilters = (r: K8sObject) => r.spec.rules.some((rule: any) => rule.backendRefs.some((b: any) => b.filters));

  test('weight steps change only the weights', () => {
    const steps = [10, 25, 50].map((w) => release({ canaryImage: NEXT, matches: [CanaryMatch.weight(w)] }).route);
    expect(steps.map((r) => r.spec.rules[2].backendRefs.map((b: any) => b.weight))).toEqual([
      [90, 10],
      [75, 25],
      [50, 50],
    ]);
    const unweighted = (rule: any) => ({ ...rule, backendRefs: rule.backendRefs.map((b: any) => ({ ...b, weight: 0 })) });
    const withoutWeights = (r: K8sObject) => JSON.stringify({ ...r, spec: { ...r.spec, rules: r.spec.rules.map(unweighted) } });
    expect(withoutWeights(steps[1])).toBe(withoutWeights(steps[0]));
    expect(withoutWeights(steps[2])).toBe(withoutWeights(steps[0]));
  });

  test('promotion and rollback remove every rule that reads the version cookie; the route is as before the release', () => {
    const before = release().route;
    const during = release({ canaryImage: NEXT }).route;
    const promoted = release({ stableImage: NEXT }).route;
    const rolledBack = release().route;
    expect(readsCookie(during)).toHaveLength(2);
    for (const r of [promoted, rolledBack]) {
      expect(readsCookie(r)).toEqual([]);
      expect(hasFilters(r)).toBe(false);
      expect(r).toEqual(before);
      // a user who still holds a cookie of the finished release is routed as everyone else
      for (const cookie of [`shop-version=${CANARY}`, `shop-version=stable.${CANARY}`]) {
        expect(where(r, { path: '/', headers: { Cookie: cookie } })).toEqual([{ backend: 'shop' }]);
      }
    }
  });

  test('the next release: the cookies of the previous one (either track) match no rule, users are drawn again', () => {
    const next = release({ stableImage: NEXT, canaryImage: AFTER }).route;
    const nextCanary = next.spec.rules[2].backendRefs[1].name;
    expect(nextCanary).not.toBe(CANARY);
    expect(nextCanary).toMatch(/^shop-canary-[0-9a-f]{6}$/);
    for (const cookie of [`a=1; shop-version=${CANARY}; b=2`, `a=1; shop-version=stable.${CANARY}; b=2`]) {
      expect(where(next, { path: '/', headers: { Cookie: cookie } }).map((x) => x.backend)).toEqual(['shop', nextCanary]);
    }
    expect(where(next, { path: '/', headers: { Cookie: `shop-version=${nextCanary}` } })).toEqual([{ backend: nextCanary }]);
  });
});

describe('the cookie canary on Gateway API', () => {
  const { chart, route, objects } = release({ canaryImage: NEXT, matches: [CanaryMatch.cookie('canary'), CanaryMatch.weight(5)], versionStickiness: false });

  test.each(SEMANTICS)('\'always\' to the canary, \'never\' to stable, anything else by weight (%s regex semantics)', (semantics) => {
    const to = (cookie: string) => where(route, { path: '/', headers: { Cookie: cookie } }, semantics).map((x) => x.backend);
    expect(to('canary=always')).toEqual([CANARY]);
    expect(to('a=1; canary=always; b=2')).toEqual([CANARY]);
    expect(to('a=1; canary=never')).toEqual(['shop']);
    for (const other of ['canary=alwaysx', 'xcanary=always', 'canary=sometimes', 'a=canary=always2', 'canary=Always']) {
      expect(to(other)).toEqual(['shop', CANARY]);
    }
    expect(where(route, { path: '/' }, semantics).map((x) => x.backend)).toEqual(['shop', CANARY]);
  });

  test('rendered as two RegularExpression matches on the Cookie header, warned as implementation-specific; valid on both standard CRDs', () => {
    expect(route.spec.rules.slice(0, 2).map((r: any) => r.matches[0].headers)).toEqual([
      [{ type: 'RegularExpression', name: 'Cookie', value: '^(.*;)?\\s*canary=always(;.*)?$' }],
      [{ type: 'RegularExpression', name: 'Cookie', value: '^(.*;)?\\s*canary=never(;.*)?$' }],
    ]);
    const risk = Warnings.of(chart).risks.find((r) => r.code === GatewayApiRiskCode.GATEWAY_API_IMPLEMENTATION_SPECIFIC)!;
    expect(risk.message).toBe(
      "CanaryRelease 'test/canary' matches the Cookie header for the cookie canary with a RegularExpression, which Gateway API leaves implementation-specific: " +
        "the regex dialect and its support differ between implementations (header matches: Go's regexp syntax in Envoy Gateway, Istio and " +
        "Traefik's Gateway provider, JavaScript RegExp in NGINX Gateway Fabric; see the support matrix in docs/migrating-to-gateway-api.md).",
    );
    expect(crdErrors([route], { gatewayApi: 'v1.5.1', channel: 'standard' })).toEqual([]);
    expect(crdErrors([route], { gatewayApi: 'v1.6.1', channel: 'standard' })).toEqual([]);
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('a cookie name with RE2 metacharacters is matched literally', () => {
    const { route: r } = release({ canaryImage: NEXT, matches: [CanaryMatch.cookie('a.b|c')], versionStickiness: false });
    expect(r.spec.rules[0].matches[0].headers[0].value).toBe('^(.*;)?\\s*a\\.b\\|c=always(;.*)?$');
    expect(where(r, { path: '/', headers: { Cookie: 'a.b|c=always' } })).toEqual([{ backend: CANARY }]);
    expect(where(r, { path: '/', headers: { Cookie: 'aXb|c=always' } })).toEqual([{ backend: 'shop' }]);
  });
});

describe('refused on Gateway API, with construct, prop, value and fix', () => {
  test.each<[string, () => unknown, string]>([
    [
      'a version cookie name that is not a token',
      () => TrafficProvider.gatewayApi({ ...GATEWAY, versionCookie: { name: 'shop version' } }),
      "TrafficProvider.gatewayApi: 'versionCookie.name' must be a cookie name (an RFC 6265 token, at most 256 characters), got \"shop version\". Use e.g. \"shop-version\".",
    ],
    [
      'a version cookie Max-Age under a second',
      () => TrafficProvider.gatewayApi({ ...GATEWAY, versionCookie: { maxAge: Duration.millis(500) } }),
      "TrafficProvider.gatewayApi: 'versionCookie.maxAge' must be a whole number of seconds, at least 1 second, got \"500ms\". Use e.g. Duration.hours(24).",
    ],
    [
      'a version cookie Max-Age in fractions of a second',
      () => TrafficProvider.gatewayApi({ ...GATEWAY, versionCookie: { maxAge: Duration.millis(1500) } }),
      "TrafficProvider.gatewayApi: 'versionCookie.maxAge' must be a whole number of seconds, at least 1 second, got \"1500ms\". Use e.g. Duration.hours(24).",
    ],
    [
      'a cookie canary named like the version cookie',
      () => release({ canaryImage: NEXT, matches: [CanaryMatch.cookie('shop-version'), CanaryMatch.weight(10)] }),
      "CanaryRelease 'test/canary': 'match.cookie' is the name of the version cookie of the route on Gateway API (shop-version), which the weighted rule sets, got \"shop-version\". Use another cookie name for the canary match, or name the version cookie with versionCookie.name of TrafficProvider.gatewayApi().",
    ],
    [
      'version stickiness without a weight',
      () => release({ canaryImage: NEXT, matches: [CanaryMatch.header('x-canary')] }),
      "CanaryRelease 'test/canary': 'versionStickiness' has nothing to pin on Gateway API without a CanaryMatch.weight: only the weighted rule draws users and sets the version cookie (shop-version), got true. Add CanaryMatch.weight(...), or drop versionStickiness (header and cookie matches already send the same user to the same version).",
    ],
    [
      'more than 16 rules with the version cookie rules',
      () =>
        release({
          canaryImage: NEXT,
          matches: [...Array.from({ length: 7 }, (_, i) => CanaryMatch.cookie(`c${i}`)), CanaryMatch.weight(10)],
        }),
      "CanaryRelease 'test/canary': 'match' needs 17 HTTPRoute rules, and an HTTPRoute holds at most 16, got 8. Use fewer header matches (a header pattern can cover several values).",
    ],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(message);
  });

  test('a refused CanaryRelease leaves nothing half-built', () => {
    const chart = newChart('shop');
    TrafficProvider.useByDefault(chart, TrafficProvider.gatewayApi(GATEWAY));
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, host: 'shop.example.com' });
    const before = chart.node.findAll().filter((c) => c instanceof ApiObject).length;
    expect(() => new CanaryRelease(chart, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.header('x')], versionStickiness: true })).toThrow("'versionStickiness' has nothing to pin");
    expect(chart.node.findAll().filter((c) => c instanceof ApiObject).length).toBe(before);
  });
});
