/**
 * What the controllers really do (issue: say only what the controllers and clients do). Every refusal below is
 * an input the controller would accept and then silently ignore or reject; the character sets and mechanisms are
 * cited in src/traffic/ingress-nginx.ts and src/traffic/gateway-api.ts.
 */
import * as fs from 'fs';
import * as nodePath from 'path';
import { RE2JS } from '@bufbuild/re2';
import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import {
  AffinityMode,
  CanaryMatch,
  CanaryRelease,
  GatewayApiRiskCode,
  IngressNginxRiskCode,
  PathType,
  RedisSessionStore,
  RedisTopology,
  StatelessWebApp,
  StickyIngress,
  TrafficProvider,
  Warnings,
} from '../src';
import { K8sObject, ofKind, only, synth } from './support/synth';
import { ShopChart } from '../examples/canary/main';

const IMAGE = 'ghcr.io/acme/shop:1.8.0';
const NEXT = 'ghcr.io/acme/shop:1.9.0';
const WHY = 'legacy cart in HttpSession; SHOP-142 moves it to Redis';

function chart(gateway = false): Chart {
  const app = Testing.app();
  if (gateway) TrafficProvider.useByDefault(app, TrafficProvider.gatewayApi({ gatewayName: 'public', experimentalFields: true }));
  return new Chart(app, 'test', { namespace: 'shop' });
}

type CanaryOptions = { sticky?: boolean; versionStickiness?: boolean };
function canaryOn(c: Chart, match: CanaryMatch[], opts: CanaryOptions = {}): { shop: StatelessWebApp; objects: () => K8sObject[] } {
  const shop = new StatelessWebApp(c, 'shop', { name: 'shop', image: IMAGE, ...(opts.sticky ? {} : { host: 'shop.example.com' }) });
  if (opts.sticky) {
    new StickyIngress(c, 'sticky', { service: shop.service, host: 'shop.example.com', mode: AffinityMode.PERSISTENT, justification: WHY, cookie: { name: 'route' } });
  }
  new CanaryRelease(c, 'canary', { stable: shop, image: NEXT, match, versionStickiness: opts.versionStickiness });
  return { shop, objects: () => synth(c) };
}

describe('ingress-nginx: inputs the controller would silently drop are refused, with its rule', () => {
  const refused = (match: CanaryMatch[]) => () => canaryOn(chart(), match);
  test.each([
    ['1.2.3+build'],
    ['user@example.com'],
    ['a,b'],
    ['v2 (beta)'],
    ['é'],
  ])('header value %j (BasicCharsRegex)', (value) => {
    expect(refused([CanaryMatch.header('region', value)])).toThrow(
      `CanaryRelease 'test/canary': 'match.header value' must use only letters, digits, spaces and "-._~/:" with ingress-nginx, got ${JSON.stringify(value)}. ` +
        'The controller ignores any other value of canary-by-header-value and treats the header as always/never; use such a value, or CanaryMatch.headerPattern.',
    );
  });
  test.each([['^\\d{2,3}$'], ['^(?!never).*$'], ['^[a-z]+ [a-z]+$'], ['^(?<r>east)$']])('header pattern %j (IsValidRegex)', (pattern) => {
    expect(refused([CanaryMatch.headerPattern('region', pattern)])).toThrow(
      `'match.headerPattern' must use only letters, digits, "-._~/:" and "^$[](){}*+?|&=\\" (no spaces, commas, "!" or "<>") with ingress-nginx, got ${JSON.stringify(pattern)}.`,
    );
  });
  test.each([['x+canary'], ['X-Canary!'], ["x'canary"], ['x|canary'], ['x_canary'], ['x.canary']])('header name %j (nginx drops or rewrites it)', (name) => {
    expect(refused([CanaryMatch.header(name)])).toThrow(
      `'match.header' must use only letters, digits and "-" with ingress-nginx (nginx drops request headers whose names contain "_" or "." by default, and reads the rest with "-" as "_"), got ${JSON.stringify(name)}.`,
    );
  });
  test.each([['canary!'], ['can%ary']])('cookie canary name %j', (name) => {
    expect(refused([CanaryMatch.cookie(name)])).toThrow(`'match.cookie' must use only letters, digits, ".", "_", "~" or "-" with ingress-nginx, got ${JSON.stringify(name)}.`);
  });
  test.each([['/a%20b/'], ['/a;b'], ['/@user'], ['/a!b'], ['/a(b']])('session-cookie-path %j (URLIsValidRegex)', (path) => {
    const c = chart();
    const app = new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE });
    expect(() => new StickyIngress(c, 'sticky', { service: app.service, mode: AffinityMode.BALANCED, justification: WHY, cookie: { path } })).toThrow(
      `StickyIngress 'test/sticky': 'cookie.path' must use only letters, digits and "-._~/:,?&=" with ingress-nginx, got ${JSON.stringify(path)}. ` +
        'The controller ignores any other value of session-cookie-path and uses the location path instead',
    );
  });
  test.each([['/a%20b'], ['/~user'], ['/a:b'], ['/c++/']])('Prefix path %j (strict-validate-path-type at the admission webhook)', (path) => {
    expect(() => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, path })).toThrow(
      `StatelessWebApp 'test/web': 'path' must use only letters, digits, ".", "_", "-" and "/" for pathType Prefix on ingress-nginx (its admission webhook rejects other characters under the default strict-validate-path-type), got ${JSON.stringify(path)}.`,
    );
  });
  test('"." is allowed in Prefix paths since controller 1.14 (and the 1.12.6 / 1.13.2 backports)', () => {
    for (const path of ['/.well-known', '/v1.0']) {
      expect(only(synth((() => { const c = chart(); new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE, path }); return c; })()), 'Ingress').spec.rules[0].http.paths[0].path).toBe(path);
    }
  });
  test('accepted, as the controller accepts them: a header value with spaces (validated without them, used trimmed), a cookie path with commas', () => {
    const c = chart();
    const { objects } = canaryOn(c, [CanaryMatch.header('x-group', 'beta tester')]);
    expect(only(objects(), 'Ingress', 'shop-canary').metadata.annotations!['nginx.ingress.kubernetes.io/canary-by-header-value']).toBe('beta tester');
    const c2 = chart();
    const app = new StatelessWebApp(c2, 'web', { name: 'web', image: IMAGE });
    new StickyIngress(c2, 'sticky', { service: app.service, mode: AffinityMode.BALANCED, justification: WHY, cookie: { path: '/a,b/' } });
    expect(only(synth(c2), 'Ingress').metadata.annotations!['nginx.ingress.kubernetes.io/session-cookie-path']).toBe('/a,b/');
  });

  test('a header value of spaces only is refused: the controller trims it to "", which it ignores', () => {
    expect(refused([CanaryMatch.header('x-group', '   ')])).toThrow('\'match.header value\' must use only letters, digits, spaces and "-._~/:" with ingress-nginx, got "   ".');
  });

  test('PCRE option settings compile: (?i) is honoured by the balancer (ngx.re.match), so it is not refused', () => {
    for (const pattern of ['(?i)^beta$', '^(?i:beta)$', '(?im-sx)^beta$']) {
      const c = chart();
      canaryOn(c, [CanaryMatch.headerPattern('x-group', pattern)]).objects();
    }
    expect(refused([CanaryMatch.headerPattern('x-group', '(?i)^(beta$')])).toThrow(
      '\'match.headerPattern\' must be a regular expression that compiles (Invalid regular expression: /^(beta$/: Unterminated group), got "(?i)^(beta$".',
    );
  });

  test.each([
    ['/api//', "must not contain '//'"],
    ['/api/.', "cannot end with '/.'"],
    ['/api/..', "cannot end with '/..'"],
    ['/a/./b', "must not contain '/./'"],
  ])('Prefix and Exact path %j: refused as the API server refuses it', (path, problem) => {
    for (const pathType of [PathType.PREFIX, PathType.EXACT]) {
      expect(() => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, path, pathType })).toThrow(
        `StatelessWebApp 'test/web': 'path' ${problem} for pathType ${pathType} (the API server refuses such an Ingress path), got ${JSON.stringify(path)}. ` +
          'Write the path without empty, "." or ".." segments and without an encoded "/", e.g. "/api/".',
      );
    }
  });

  test("Exact and Prefix paths: accepted exactly when controller-v1.15.1's admission rule and the API server accept them", () => {
    // internal/ingress/inspector/rules.go at controller-v1.15.1, compiled as Go compiles it (RE2/J)
    const admission = new RE2JS(String.raw`(?i)^/[[:alnum:]._\-/]*$`);
    const apiServer = (p: string) => !['//', '/./', '/../', '%2f', '%2F'].some((x) => p.includes(x)) && !p.endsWith('/..') && !p.endsWith('/.');
    const chars = ['/', '.', 'a', 'Z', '0', '-', '_', '~', '%', ':', 'é', '+'];
    const disagree: string[] = [];
    const counts: Record<string, number> = { true: 0, false: 0 };
    let seed = 5;
    for (let i = 0; i < 600; i++) {
      let p = '/';
      for (let j = (seed = (seed * 1103515245 + 12345) % 2147483648) % 7; j > 0; j--) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        p += chars[seed % chars.length];
      }
      const expected = admission.testExact(p) && apiServer(p);
      let accepted = true;
      try {
        new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, path: p, pathType: PathType.EXACT });
      } catch {
        accepted = false;
      }
      if (accepted !== expected) disagree.push(`${p}: library ${accepted}, controller and API server ${expected}`);
      counts[String(expected)]++;
    }
    expect(disagree).toEqual([]);
    expect(Math.min(counts.true, counts.false)).toBeGreaterThan(100);
    expect(admission.testExact('/v1.0') && admission.testExact('/.well-known/acme-challenge')).toBe(true);
  });

  test('the library never suggests %20 for a space', () => {
    expect(() => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, path: '/a b' })).not.toThrow(/%20/);
  });
});

describe('ingress-nginx: what the risks say is the mechanism', () => {
  test('a regular-expression path: case-insensitive, and for every path of the host', () => {
    const c = chart();
    new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE, host: 'a.example.com', path: '/items/[0-9]+', pathType: PathType.REGULAR_EXPRESSION });
    const ingress = only(synth(c), 'Ingress');
    expect(ingress.metadata.annotations!['nginx.ingress.kubernetes.io/use-regex']).toBe('true');
    const risk = Warnings.of(c).risks.find((r) => r.code === IngressNginxRiskCode.INGRESS_NGINX_REGEX_PATH)!;
    expect(risk.message).toContain('writes every path of the host a.example.com, from every Ingress, as a case-insensitive expression anchored at the start only');
  });

  test('an unanchored header pattern is searched anywhere in the value; an anchored one is not reported', () => {
    const c1 = chart();
    canaryOn(c1, [CanaryMatch.headerPattern('region', 'east')]).objects();
    expect(Warnings.of(c1).risks.find((r) => r.code === IngressNginxRiskCode.INGRESS_NGINX_PATTERN_UNANCHORED)!.message).toContain(
      'ingress-nginx searches the canary-by-header-pattern east anywhere in the value of region, case-sensitively',
    );
    const c2 = chart();
    canaryOn(c2, [CanaryMatch.headerPattern('region', '^east$')]).objects();
    expect(Warnings.of(c2).risks.map((r) => r.code)).not.toContain(IngressNginxRiskCode.INGRESS_NGINX_PATTERN_UNANCHORED);
  });

  test('with version stickiness, header users stay on the canary (ingress-nginx), said by the provider, not by the core drift risk', () => {
    const c = chart();
    canaryOn(c, [CanaryMatch.header('region', 'east-us'), CanaryMatch.weight(20)], { sticky: true, versionStickiness: true }).objects();
    const codes = Warnings.of(c).risks.map((r) => r.code);
    expect(codes).toContain(IngressNginxRiskCode.INGRESS_NGINX_CANARY_KEEPS_OVERRIDE_USERS);
    expect(Warnings.of(c).risks.find((r) => r.code === 'CANARY_STICKY_DRIFT')!.message).not.toContain('header');
  });

  test('balanced mode: a canary user keeps the cookie after a rollback (sticky.lua rewrites it only when its key finds no pod); persistent mode is re-pinned, so no risk', () => {
    const risk = (mode: AffinityMode) => {
      const c = chart();
      const shop = new StatelessWebApp(c, 'shop', { name: 'shop', image: IMAGE });
      new StickyIngress(c, 'sticky', { service: shop.service, host: 'shop.example.com', mode, justification: WHY, cookie: { name: 'route' } });
      new CanaryRelease(c, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.weight(20)], versionStickiness: true });
      synth(c);
      return Warnings.of(c).risks.find((r) => r.code === IngressNginxRiskCode.INGRESS_NGINX_BALANCED_ROLLBACK_KEEPS_COOKIE);
    };
    expect(risk(AffinityMode.BALANCED)!.message).toBe(
      'In balanced mode a user who reached the canary keeps its cookie route after the CanaryRelease is removed (a rollback or the promotion): ' +
        'ingress-nginx rewrites the cookie only when its key finds no pod or a request failed (sticky.lua balance), and a balanced key always finds a stable pod. ' +
        "The cookie still names the removed canary's backend, so it pins the user to no version: they reach shop while no canary exists, " +
        'and during the next release they go through the split on every request, switching versions, until the cookie expires.',
    );
    expect(risk(AffinityMode.PERSISTENT)).toBeUndefined();
  });

  test('persistent mode after a full restart: users are pinned to the pods up when they return, not "the first pod keeps most of the load"', () => {
    const c = chart();
    const app = new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE, replicas: 3 });
    new StickyIngress(c, 'sticky', { service: app.service, mode: AffinityMode.PERSISTENT, justification: WHY });
    synth(c);
    expect(Warnings.of(c).risks.find((r) => r.code === 'AFFINITY_PERSISTENT_NO_REBALANCE')!.message).toBe(
      'persistent mode never moves existing users: scaling web from 3 to 4 pods adds 1 pod that only receives new users, while an overloaded pod keeps every user it has. ' +
        'After a full restart each returning user is pinned to a pod that is already up when they return, and stays: ' +
        'the pods that start first keep the users who return early (all of them, if every user returns before a second pod is ready).',
    );
  });

  test('the README and the canary example promise only what the mechanism holds', () => {
    const readme = fs.readFileSync(nodePath.join(__dirname, '..', 'README.md'), 'utf8').replace(/\s+/g, ' ');
    // sticky.lua is_affinitized compares the backend key, not a pod: a restart moves no one between versions
    expect(readme).not.toContain('re-rolls');
    expect(readme).toContain('a stable pod restart or scale-in moves no user between versions');
    expect(readme).toContain('users who hold the stable affinity cookie from before the release never reach the split');
    expect(readme).not.toContain('every user stays on the version they first got');
    const app = Testing.app();
    new ShopChart(app, 'shop', { namespace: 'shop', stableImage: IMAGE, release: { image: NEXT, weight: 20 } });
    const route = only(Testing.synth(Chart.of(app.node.findChild('shop'))) as K8sObject[], 'Ingress', 'shop');
    expect(route.metadata.annotations!['stateless.cdk8s.io/affinity-justification']).toBe(
      'Version stickiness for canary releases: a user the split sends to a version stays on it for the release. Sessions live in Redis (shop-sessions), so a lost pin costs no session.',
    );
  });

  test('each release gets its own canary Service: a rolled-back canary\'s cookie does not pin users to the next one', () => {
    const names = (image: string, releaseId?: string) => {
      const c = chart();
      const shop = new StatelessWebApp(c, 'shop', { name: 'shop', image: IMAGE, host: 'shop.example.com' });
      new CanaryRelease(c, 'canary', { stable: shop, image, releaseId, match: [CanaryMatch.weight(10)] });
      return ofKind(synth(c), 'Service').map((s) => s.metadata.name).filter((n) => n !== 'shop');
    };
    expect(names(NEXT)).toEqual(['shop-canary-984eeb']);
    expect(names('ghcr.io/acme/shop:1.9.1')).not.toEqual(names(NEXT));
    expect(names(NEXT, 'v1-9-0')).toEqual(['shop-canary-v1-9-0']);
    expect(() => names(NEXT, 'V1.9.0')).toThrow(
      "CanaryRelease 'test/canary': 'releaseId' must be 1 to 8 lower-case letters, digits or \"-\" (not at either end), got \"V1.9.0\". Use e.g. \"v1-9-0\", or leave it out to derive it from the image.",
    );
  });
});

describe('Gateway API: what the CRD and GEP-1619 say', () => {
  test('every rule has its own session name, and the annotation says what holds', () => {
    const c = chart(true);
    const { objects } = canaryOn(c, [CanaryMatch.header('region', 'east-us'), CanaryMatch.weight(20)], { sticky: true, versionStickiness: true });
    const route = only(objects(), 'HTTPRoute');
    const names = route.spec.rules.map((r: any) => r.sessionPersistence.sessionName);
    expect(names).toEqual(['route-h1', 'route']);
    expect(new Set(names).size).toBe(names.length);
    expect(route.metadata.annotations!['risks.stateless.cdk8s.io/gateway-api-session-per-rule']).toContain('stays there only while their requests keep matching that rule');
    expect(Warnings.of(c).risks.map((r) => r.code)).toContain(GatewayApiRiskCode.GATEWAY_API_SESSION_PER_RULE);
  });

  test('the experimental risk says what a standard-channel cluster does and what GEP-4894 really says', () => {
    const c = chart(true);
    canaryOn(c, [CanaryMatch.weight(20)], { sticky: true, versionStickiness: true }).objects();
    const text = Warnings.of(c).risks.find((r) => r.code === GatewayApiRiskCode.GATEWAY_API_EXPERIMENTAL)!.message;
    expect(text).toContain('on a cluster with the standard-channel HTTPRoute CRD the field is not in the schema');
    expect(text).toContain('GEP-4894 lists session persistence among the features that follow-on GEPs may move to a Backend resource');
    expect(text).not.toMatch(/replace|remov/);
  });

  test.each([
    ['//x', "must not contain '//'"],
    ['/a/../b', "must not contain '/../'"],
    ['/a"b', 'must only contain the characters'],
    ['/a%2Fb', "must not contain '%2f' or '%2F'"],
    ['/a#b', "must not contain '#'"],
  ])('path %j is refused as the CRD would', (path, problem) => {
    expect(() => new StatelessWebApp(chart(true), 'web', { name: 'web', image: IMAGE, path })).toThrow(
      `StatelessWebApp 'test/web': 'path' ${problem}`,
    );
  });

  test('header values with doubled or leading spaces, header names over 256 characters, maxAge over 99999 h, more than 16 rules', () => {
    expect(() => canaryOn(chart(true), [CanaryMatch.header('region', ' east')])).toThrow("'match.header value' must be visible ASCII with single inner spaces on Gateway API");
    expect(() => canaryOn(chart(true), [CanaryMatch.header('region', 'east  us')])).toThrow("'match.header value' must be visible ASCII with single inner spaces");
    expect(() => canaryOn(chart(true), [CanaryMatch.header('x'.repeat(257), 'a')])).toThrow("'match.header' must be at most 256 characters on Gateway API, got \"257 characters\".");
    const many = Array.from({ length: 16 }, (_, i) => CanaryMatch.header(`h${i}`, 'v'));
    expect(() => canaryOn(chart(true), many)).toThrow("CanaryRelease 'test/canary': 'match' needs 17 HTTPRoute rules, and an HTTPRoute holds at most 16, got 16.");
    const c = chart(true);
    const app = new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE });
    expect(
      () => new StickyIngress(c, 'sticky', { service: app.service, mode: AffinityMode.PERSISTENT, justification: WHY, cookie: { maxAge: Duration.hours(100_000) } }),
    ).toThrow("StickyIngress 'test/sticky': 'cookie.maxAge' must be at most 99999 hours on Gateway API (absoluteTimeout allows 5 digits per unit), got \"360000000s\".");
  });

  test('weightTotal above 1,000,000 is refused (backendRefs weight maximum)', () => {
    const c = chart(true);
    const shop = new StatelessWebApp(c, 'shop', { name: 'shop', image: IMAGE, host: 'a.example.com' });
    expect(() => new CanaryRelease(c, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.weight(1)], weightTotal: 2_000_000 })).toThrow(
      "CanaryRelease 'test/canary': 'weightTotal' must be an integer from 1 to 1000000, got 2000000.",
    );
  });
});

describe('remedies never contradict what the construct needs', () => {
  test('a sticky route kept for version stickiness, on an app with a session store: no remedy says only "remove the affinity"', () => {
    const c = chart();
    const sessions = new RedisSessionStore(c, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
    const shop = new StatelessWebApp(c, 'shop', { name: 'shop', image: IMAGE, replicas: 4, sessionStore: sessions });
    new StickyIngress(c, 'sticky', { service: shop.service, host: 'shop.example.com', tlsSecretName: 'shop-tls', mode: AffinityMode.BALANCED, justification: WHY });
    new CanaryRelease(c, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.weight(20)], versionStickiness: true });
    synth(c);
    const sticky = Warnings.of(c).risks.filter((r) => r.path === 'test/sticky' && r.code.startsWith('AFFINITY_'));
    expect(sticky.length).toBeGreaterThan(0);
    for (const r of sticky) {
      expect(r.remedy).toContain('keep it for the release if you need that');
      expect(r.remedy).not.toMatch(/^shop already keeps its sessions in a session store: route it without affinity\.$/);
    }
  });
});

test('every HTTPRoute a test synthesizes is validated against the real CRDs with CEL: the test helper rejects a bad one', () => {
  const c = chart();
  new ApiObject(c, 'bad', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'bad' },
    spec: { parentRefs: [{ name: 'public' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '//x' } }], backendRefs: [{ name: 'web', port: 80 }] }] },
  });
  expect(() => synth(c)).toThrow(/synthesized custom resources the API server would reject:\n {2}HTTPRoute\/bad \[Gateway API v1\.5\.1 standard\]/);
});

test('pathType from a plain-JS caller must be a PathType value', () => {
  expect(() => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, path: '/a', pathType: 'regex' as PathType })).toThrow(
    "StatelessWebApp 'test/web': 'pathType' must be one of PathType.PREFIX, PathType.EXACT, PathType.REGULAR_EXPRESSION, got \"regex\". Use a PathType value, e.g. PathType.PREFIX.",
  );
  const c = chart();
  const app = new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE });
  expect(() => new StickyIngress(c, 'sticky', { service: app.service, mode: AffinityMode.BALANCED, justification: WHY, pathType: 'Prefix ' as PathType })).toThrow(
    "StickyIngress 'test/sticky': 'pathType' must be one of PathType.PREFIX, PathType.EXACT, PathType.REGULAR_EXPRESSION, got \"Prefix \".",
  );
});
