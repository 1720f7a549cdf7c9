import { ApiObject, Duration, Testing, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AffinityMode,
  RedisSessionStore,
  RedisTopology,
  RiskCode,
  SameSite,
  StatelessWebApp,
  StatelessWebAppProps,
  StickyIngress,
  StickyIngressProps,
  TrafficProvider,
  Warnings,
  PathType,
  IngressNginxRiskCode,
} from '../src';
import { lintViolations, podSecurityViolations } from './support/policy';
import { captureStderr, newChart, only, ofKind, schemaErrors, synth, synthYaml } from './support/synth';

const IMAGE = 'ghcr.io/acme/cart:2.3.1';
const WHY = 'vendor cart servlet keeps the basket in HttpSession; SHOP-142 moves it to Redis';
const NGINX = 'nginx.ingress.kubernetes.io/';

function build(sticky: Partial<StickyIngressProps> = {}, app: Partial<StatelessWebAppProps> = {}) {
  const chart = newChart('shop');
  const web = new StatelessWebApp(chart, 'cart', { name: 'cart', image: IMAGE, replicas: 6, ...app });
  const ingress = new StickyIngress(chart, 'cart-sticky', {
    service: web.service,
    host: 'shop.example.com',
    mode: AffinityMode.BALANCED,
    justification: WHY,
    ...sticky,
  });
  return { chart, web, ingress, objects: synth(chart) };
}

function annotations(objects: any[]): Record<string, string> {
  return only(objects, 'Ingress').metadata.annotations!;
}

function nginxAnnotations(objects: any[]): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations(objects)).filter(([k]) => k.startsWith(NGINX)));
}

describe('StickyIngress on ingress-nginx', () => {
  test('defaults: exactly the controller annotations, all strings, and the justification', () => {
    const { chart, objects } = build();
    expect(synthYaml(chart)).toMatchSnapshot();
    expect(nginxAnnotations(objects)).toEqual({
      [`${NGINX}affinity`]: 'cookie',
      [`${NGINX}affinity-mode`]: 'balanced',
      [`${NGINX}session-cookie-name`]: 'INGRESSCOOKIE',
      [`${NGINX}session-cookie-samesite`]: 'Lax',
      [`${NGINX}session-cookie-secure`]: 'true',
      [`${NGINX}session-cookie-change-on-failure`]: 'true',
    });
    expect(annotations(objects)['stateless.cdk8s.io/affinity-justification']).toBe(WHY);
    const ingress = only(objects, 'Ingress');
    expect(ingress.metadata.name).toBe('cart');
    expect(ingress.spec.rules).toEqual([
      { host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'cart', port: { number: 80 } } } }] } },
    ]);
    // the Service itself stays without affinity: ingress-nginx routes to the endpoints
    expect(only(objects, 'Service').spec.sessionAffinity).toBeUndefined();
  });

  test('every cookie option becomes its annotation', () => {
    const { objects } = build({
      mode: AffinityMode.PERSISTENT,
      path: '/cart',
      cookie: {
        name: 'route',
        path: '/cart',
        domain: '.example.com',
        maxAge: Duration.hours(8),
        expires: Duration.days(1),
        secure: true,
        sameSite: SameSite.NONE,
        conditionalSameSiteNone: true,
        changeOnFailure: false,
      },
    });
    expect(nginxAnnotations(objects)).toEqual({
      [`${NGINX}affinity`]: 'cookie',
      [`${NGINX}affinity-mode`]: 'persistent',
      [`${NGINX}session-cookie-name`]: 'route',
      [`${NGINX}session-cookie-path`]: '/cart',
      [`${NGINX}session-cookie-domain`]: '.example.com',
      [`${NGINX}session-cookie-samesite`]: 'None',
      [`${NGINX}session-cookie-conditional-samesite-none`]: 'true',
      [`${NGINX}session-cookie-max-age`]: '28800',
      [`${NGINX}session-cookie-expires`]: '86400',
      [`${NGINX}session-cookie-secure`]: 'true',
      [`${NGINX}session-cookie-change-on-failure`]: 'false',
    });
    for (const value of Object.values(annotations(objects))) expect(typeof value).toBe('string');
  });

  test('SameSite Strict, secure false with Lax', () => {
    expect(nginxAnnotations(build({ cookie: { sameSite: SameSite.STRICT } }).objects)[`${NGINX}session-cookie-samesite`]).toBe('Strict');
    expect(nginxAnnotations(build({ cookie: { secure: false } }).objects)[`${NGINX}session-cookie-secure`]).toBe('false');
  });

  test('a regular-expression path: use-regex, ImplementationSpecific, and the cookie path', () => {
    const { objects } = build({ path: '/helloworld/(.*)', pathType: PathType.REGULAR_EXPRESSION, cookie: { path: '/helloworld/' } });
    const ingress = only(objects, 'Ingress');
    expect(ingress.spec.rules[0].http.paths[0]).toMatchObject({ path: '/helloworld/(.*)', pathType: 'ImplementationSpecific' });
    expect(annotations(objects)[`${NGINX}use-regex`]).toBe('true');
    expect(annotations(objects)[`${NGINX}session-cookie-path`]).toBe('/helloworld/');
  });

  test('port and TLS, ingress class', () => {
    const chart = newChart();
    const web = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, servicePort: 8081 });
    new StickyIngress(chart, 'sticky', {
      service: web.service,
      port: 8081,
      host: 'a.example.com',
      tlsSecretName: 'a-tls',
      traffic: TrafficProvider.ingressNginx({ ingressClassName: 'public' }),
      mode: AffinityMode.BALANCED,
      justification: WHY,
      acknowledgedRisks: [RiskCode.AFFINITY_UNEVEN_LOAD],
    });
    const ingress = only(synth(chart), 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('public');
    expect(ingress.spec.tls).toEqual([{ hosts: ['a.example.com'], secretName: 'a-tls' }]);
    expect(ingress.spec.rules[0].http.paths[0].backend.service.port.number).toBe(8081);
    expect(ingress.metadata.annotations!['risks.stateless.cdk8s.io/acknowledged']).toBe('AFFINITY_UNEVEN_LOAD');
  });

  test('on any cdk8s-plus Service (not a StatelessWebApp)', () => {
    const chart = newChart();
    const service = new kplus.Service(chart, 'legacy', { metadata: { name: 'legacy' }, ports: [{ port: 8080 }] });
    new StickyIngress(chart, 'sticky', { name: 'legacy', service, mode: AffinityMode.PERSISTENT, justification: WHY });
    const risks = Warnings.of(chart).risks.map((r) => r.code);
    expect(risks).toEqual(
      expect.arrayContaining([RiskCode.AFFINITY_UNEVEN_LOAD, RiskCode.AFFINITY_NO_SESSION_STORE, RiskCode.AFFINITY_PERSISTENT_NO_REBALANCE]),
    );
    const persistent = Warnings.of(chart).risks.find((r) => r.code === RiskCode.AFFINITY_PERSISTENT_NO_REBALANCE)!;
    expect(persistent.message).toContain('scaling Service legacy for example from 6 to 7 pods');
    expect(only(synth(chart), 'Ingress').spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'legacy', port: { number: 8080 } });
  });

  test('valid against the Kubernetes schema, PSS restricted and kube-linter checks', () => {
    const { objects } = build({ mode: AffinityMode.PERSISTENT });
    expect(schemaErrors(objects)).toEqual([]);
    expect(podSecurityViolations(objects)).toEqual([]);
    expect(lintViolations(objects)).toEqual([]);
  });
});

describe('StickyIngress risks, with the app numbers', () => {
  function risks(sticky: Partial<StickyIngressProps> = {}, app: Partial<StatelessWebAppProps> = {}) {
    const { chart, objects } = build(sticky, app);
    return { list: Warnings.of(chart).risks, objects, chart };
  }

  test('balanced, 6 fixed replicas, no store', () => {
    const { list, objects } = risks();
    expect(list.map((r) => r.code)).toEqual([
      RiskCode.AFFINITY_BALANCED_REPIN,
      RiskCode.AFFINITY_NO_SESSION_STORE,
      RiskCode.AFFINITY_SECURE_COOKIE_WITHOUT_TLS,
      RiskCode.AFFINITY_SESSION_LOSS,
      RiskCode.AFFINITY_UNEVEN_LOAD,
      IngressNginxRiskCode.INGRESS_NGINX_RETIRED,
    ]);
    const msg = (code: string) => list.find((r) => r.code === code)!.message;
    expect(msg(RiskCode.AFFINITY_UNEVEN_LOAD)).toContain('pins each user of cart to one of 6 pods');
    expect(msg(RiskCode.AFFINITY_UNEVEN_LOAD)).toContain('92% vs 24% CPU and p99 was 4,800 ms on the hot pod vs 1,200 ms');
    expect(msg(RiskCode.AFFINITY_SESSION_LOSS)).toContain('about 1/6 = 17% of the sessions');
    expect(msg(RiskCode.AFFINITY_SESSION_LOSS)).toMatch(/pod restart .* node restart, an eviction, a rollout/);
    expect(msg(RiskCode.AFFINITY_BALANCED_REPIN)).toContain('scaling cart from 6 to 7 pods re-pins about (7-6)/7 = 14% of users');
    expect(msg(IngressNginxRiskCode.INGRESS_NGINX_RETIRED)).toContain('retired in March 2026');
    expect(list.find((r) => r.code === IngressNginxRiskCode.INGRESS_NGINX_RETIRED)!.remedy).toContain('Gateway API');
    for (const r of list) expect(r.remedy.length).toBeGreaterThan(20);
    // every risk is annotated on the Ingress
    const keys = Object.keys(annotations(objects)).filter((k) => k.startsWith('risks.stateless.cdk8s.io/'));
    expect(keys).toEqual(list.map((r) => `risks.stateless.cdk8s.io/${r.code.toLowerCase().replace(/_/g, '-')}`).sort());
  });

  test('balanced on an autoscaled app: re-pin from the HPA range, and HPA blindness', () => {
    const { list } = risks({}, { replicas: undefined, autoscaling: { minReplicas: 6, maxReplicas: 20, targetCpuUtilizationPercent: 70 } });
    const msg = (code: string) => list.find((r) => r.code === code)?.message;
    expect(msg(RiskCode.AFFINITY_BALANCED_REPIN)).toContain('scaling cart from 6 to 20 pods re-pins about (20-6)/20 = 70% of users');
    expect(msg(RiskCode.AFFINITY_HPA_BLINDNESS)).toContain('average CPU (target 70%) across 6-20 pods');
    expect(msg(RiskCode.AFFINITY_HPA_BLINDNESS)).toContain('hottest pod hit 95% and dropped requests while the average was 53%');
    expect(msg(RiskCode.AFFINITY_SESSION_LOSS)).toContain('an HPA scale-in');
  });

  test('persistent: never rebalances', () => {
    const { list } = risks({ mode: AffinityMode.PERSISTENT }, { replicas: undefined, autoscaling: { minReplicas: 3, maxReplicas: 9 } });
    expect(list.map((r) => r.code)).toContain(RiskCode.AFFINITY_PERSISTENT_NO_REBALANCE);
    expect(list.map((r) => r.code)).not.toContain(RiskCode.AFFINITY_BALANCED_REPIN);
    expect(list.find((r) => r.code === RiskCode.AFFINITY_PERSISTENT_NO_REBALANCE)!.message).toContain('scaling cart from 3 to 9 pods adds 6 pods that only receive new users');
  });

  test('with a session store bound, no session-loss or no-store risk', () => {
    const chart = newChart('shop');
    const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
    const web = new StatelessWebApp(chart, 'cart', { name: 'cart', image: IMAGE, sessionStore: store });
    new StickyIngress(chart, 'sticky', { service: web.service, mode: AffinityMode.BALANCED, justification: WHY });
    const codes = Warnings.of(chart).risks.map((r) => r.code);
    expect(codes).not.toContain(RiskCode.AFFINITY_SESSION_LOSS);
    expect(codes).not.toContain(RiskCode.AFFINITY_NO_SESSION_STORE);
    expect(codes).toContain(RiskCode.AFFINITY_UNEVEN_LOAD);
  });

  test('printed once per synth, annotated, acknowledged ones only annotated, strict mode fails', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop');
    const web = new StatelessWebApp(chart, 'cart', { name: 'cart', image: IMAGE });
    new StickyIngress(chart, 'sticky', {
      service: web.service,
      mode: AffinityMode.PERSISTENT,
      justification: WHY,
      acknowledgedRisks: [IngressNginxRiskCode.INGRESS_NGINX_RETIRED, RiskCode.AFFINITY_UNEVEN_LOAD],
    });
    const err = captureStderr(() => app.synthYaml());
    expect(err).toContain("[AFFINITY_PERSISTENT_NO_REBALANCE] StickyIngress 'shop/sticky'");
    expect(err).not.toContain('[INGRESS_NGINX_RETIRED]');
    expect(err).toContain('(2 acknowledged, not shown)');
    Warnings.of(app).strict = true;
    expect(() => captureStderr(() => app.synthYaml())).toThrow('[shop/sticky] strict mode: unacknowledged risk AFFINITY_NO_SESSION_STORE (StickyIngress)');
  });
});

describe('routes across constructs', () => {
  test('two routes for the same host and path is an error', () => {
    const chart = newChart();
    new StatelessWebApp(chart, 'a', { name: 'a', image: IMAGE, host: 'shop.example.com', path: '/' });
    expect(() => new StatelessWebApp(chart, 'b', { name: 'b', image: IMAGE, host: 'shop.example.com' })).toThrow(
      "StatelessWebApp 'test/b': 'host'/'path' is already routed by StatelessWebApp 'test/a' on the same ingress-nginx routes (two routes for one host and path conflict, and only one of them would apply), got shop.example.com /. Give each app its own host or path, or route this one without host and path.",
    );
  });

  test('a StickyIngress for a host and path another app routes is an error', () => {
    const chart = newChart();
    new StatelessWebApp(chart, 'a', { name: 'a', image: IMAGE, host: 'shop.example.com' });
    const b = new StatelessWebApp(chart, 'b', { name: 'b', image: IMAGE });
    expect(() => new StickyIngress(chart, 'sticky', { service: b.service, host: 'shop.example.com', mode: AffinityMode.BALANCED, justification: WHY })).toThrow(
      "StickyIngress 'test/sticky': 'host'/'path' is already routed by StatelessWebApp 'test/a' on the same ingress-nginx routes (two routes for one host and path conflict, and only one of them would apply), got shop.example.com /. Keep one route per host and path: route the app with its own host and path, and leave them out of the StickyIngress.",
    );
  });

  test('the same host and path in two Apps is fine', () => {
    for (let i = 0; i < 2; i++) {
      new StatelessWebApp(newChart(), 'a', { name: 'a', image: IMAGE, host: 'shop.example.com' });
    }
  });

  test('a StickyIngress on an app that has its own non-sticky route is an error with the fix', () => {
    const chart = newChart();
    const web = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, host: 'shop.example.com', path: '/' });
    expect(() => new StickyIngress(chart, 'sticky', { service: web.service, host: 'www.example.com', mode: AffinityMode.BALANCED, justification: WHY })).toThrow(
      "StickyIngress 'test/sticky': 'service' is already routed by StatelessWebApp 'test/web', and an app has one route (so that its stickiness and its canaries apply to every user), got \"web\". Give the app one route: to make the app's own route sticky, leave host, path, pathType, tlsSecretName and name out of the StickyIngress.",
    );
  });
});

describe('one way to route an app: the app routes itself, a StickyIngress makes that route sticky', () => {
  test('a StickyIngress without host and path attaches its cookie affinity to the app\'s own route', () => {
    const chart = newChart();
    const web = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, host: 'shop.example.com', replicas: 3 });
    const sticky = new StickyIngress(chart, 'sticky', { serviceRef: { name: 'web', port: 80 }, mode: AffinityMode.BALANCED, justification: WHY });
    const objects = synth(chart);
    const ingress = only(objects, 'Ingress', 'web');
    expect(ingress.spec.rules[0].host).toBe('shop.example.com');
    expect(ingress.metadata.annotations![`${NGINX}affinity`]).toBe('cookie');
    expect(ingress.metadata.annotations!['stateless.cdk8s.io/affinity-justification']).toBe(WHY);
    expect(sticky.route).toBe(web.route);
    expect(Warnings.of(chart).risks.filter((r) => r.path === 'test/sticky').map((r) => r.code)).toContain(RiskCode.AFFINITY_UNEVEN_LOAD);
  });

  test('a second StickyIngress on that route is refused', () => {
    const chart = newChart();
    new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, host: 'shop.example.com' });
    new StickyIngress(chart, 'first', { serviceRef: { name: 'web', port: 80 }, mode: AffinityMode.BALANCED, justification: WHY });
    expect(() => new StickyIngress(chart, 'second', { serviceRef: { name: 'web', port: 80 }, mode: AffinityMode.BALANCED, justification: WHY })).toThrow(
      "StickyIngress 'test/second': 'service' is already made sticky by StickyIngress 'test/first', and a route has one cookie affinity, got \"web\". Keep one StickyIngress per app.",
    );
    // the failed one left nothing: the route keeps the first one's cookie
    expect(only(synth(chart), 'Ingress', 'web').metadata.annotations![`${NGINX}affinity-mode`]).toBe('balanced');
  });
});

test('a second StickyIngress for the same app is an error', () => {
  const chart = newChart();
  const web = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE });
  new StickyIngress(chart, 'first', { service: web.service, host: 'a.example.com', mode: AffinityMode.BALANCED, justification: WHY });
  expect(() => new StickyIngress(chart, 'second', { service: web.service, host: 'b.example.com', mode: AffinityMode.BALANCED, justification: WHY })).toThrow(
    "StickyIngress 'test/second': 'service' is already routed by StickyIngress 'test/first', and an app has one route (so that its stickiness and its canaries apply to every user), got \"web\". Give the app one route: to make the app's own route sticky, leave host, path, pathType, tlsSecretName and name out of the StickyIngress.",
  );
});

test('the ingress-nginx provider refuses a cookie domain the controller would reject (its validate, called directly)', () => {
  const chart = newChart();
  const contributor = { where: "MyConstruct 'x'", scope: chart };
  expect(() =>
    TrafficProvider.ingressNginx().validate({
      name: 'web',
      path: '/',
      pathType: PathType.PREFIX,
      backend: { serviceName: 'web', port: 80 },
      labels: {},
      contributor,
      stickiness: {
        contributor,
        mode: AffinityMode.BALANCED,
        justification: WHY,
        cookieName: 'route',
        cookieDomain: 'example.com;evil',
        secure: true,
        sameSite: SameSite.LAX,
        conditionalSameSiteNone: false,
        changeOnFailure: true,
      },
    }),
  ).toThrow(
    "MyConstruct 'x': 'cookie.domain' must use only letters, digits, \".\", \"_\", \"~\" or \"-\" with ingress-nginx, got \"example.com;evil\". The controller ignores any other value of session-cookie-domain and sets no Domain; pass a bare domain such as \".example.com\".",
  );
});

test('TrafficProvider.ingressNginx refuses an ingress class name the API server would reject', () => {
  expect(() => TrafficProvider.ingressNginx({ ingressClassName: 'Public Nginx' })).toThrow(
    "TrafficProvider.ingressNginx: 'ingressClassName' must be an object name (a lower-case DNS subdomain), got \"Public Nginx\". Use e.g. \"nginx\".",
  );
});

describe('StickyIngress bad input', () => {
  const cases: Array<[string, Partial<StickyIngressProps>, string]> = [
    ['blank justification', { justification: '   ' }, "StickyIngress 'test/sticky': 'justification' must not be empty, got \"   \". Write down why this app needs affinity"],
    ['no justification', { justification: undefined }, "StickyIngress 'test/sticky': 'justification' must not be empty, got (nothing)."],
    [
      'no mode',
      { mode: undefined },
      "StickyIngress 'test/sticky': 'mode' is required and must be AffinityMode.BALANCED or AffinityMode.PERSISTENT (no default: choose knowingly), got \"(nothing)\". " +
        'BALANCED spreads users onto new pods when scaling up (re-pinning some); PERSISTENT never moves a user.',
    ],
    ['unknown mode', { mode: 'sticky' as AffinityMode }, "StickyIngress 'test/sticky': 'mode' is required and must be AffinityMode.BALANCED or AffinityMode.PERSISTENT (no default: choose knowingly), got \"sticky\"."],
    [
      'cookie name not an RFC 6265 token',
      { cookie: { name: 'my cookie' } },
      "StickyIngress 'test/sticky': 'cookie.name' must be an RFC 6265 token (visible ASCII, no spaces, no separators such as ()<>@,;:\\\"/[]?={}), got \"my cookie\". Use e.g. \"route\" or \"SERVERID\".",
    ],
    ['cookie name with a separator', { cookie: { name: 'route;x' } }, "StickyIngress 'test/sticky': 'cookie.name' must be an RFC 6265 token"],
    [
      'cookie name ingress-nginx rejects',
      { cookie: { name: 'route!' } },
      "StickyIngress 'test/sticky': 'cookie.name' must use only letters, digits, \".\", \"_\", \"~\" or \"-\" with ingress-nginx, got \"route!\". " +
        'The controller ignores any other value of session-cookie-name and falls back to its default cookie INGRESSCOOKIE; rename the cookie, e.g. "route".',
    ],
    [
      'maxAge 0',
      { cookie: { maxAge: Duration.seconds(0) } },
      "StickyIngress 'test/sticky': 'cookie.maxAge' must be a whole number of seconds, at least 1 second, got \"0ms\". Use e.g. Duration.hours(8), or leave it out for a session cookie.",
    ],
    ['maxAge 500ms', { cookie: { maxAge: Duration.millis(500) } }, "StickyIngress 'test/sticky': 'cookie.maxAge' must be a whole number of seconds, at least 1 second, got \"500ms\"."],
    ['expires 0', { cookie: { expires: Duration.seconds(0) } }, "StickyIngress 'test/sticky': 'cookie.expires' must be a whole number of seconds, at least 1 second, got \"0ms\"."],
    [
      'SameSite None without Secure',
      { cookie: { sameSite: SameSite.NONE, secure: false } },
      "StickyIngress 'test/sticky': 'cookie.secure' must be true with sameSite: SameSite.NONE (browsers reject SameSite=None cookies without Secure), got false. Set cookie.secure to true, or use SameSite.LAX.",
    ],
    [
      'conditionalSameSiteNone without None',
      { cookie: { conditionalSameSiteNone: true } },
      "StickyIngress 'test/sticky': 'cookie.conditionalSameSiteNone' only applies with sameSite: SameSite.NONE, got true. Remove it, or set cookie.sameSite to SameSite.NONE.",
    ],
    [
      'regex path without cookie path',
      { path: '/helloworld/(.*)', pathType: PathType.REGULAR_EXPRESSION },
      "StickyIngress 'test/sticky': 'cookie.path' is required when 'path' is a regular expression (/helloworld/(.*)): ingress-nginx sets the cookie's Path to the location, which would be the expression itself, got (nothing). Set cookie.path to the literal prefix the expression matches, e.g. \"/helloworld/\".",
    ],
    ['a prefix path with regular-expression characters', { path: '/a/(.*)', cookie: { path: '/a/' } }, "StickyIngress 'test/sticky': 'path' must use only letters, digits, \".\", \"_\", \"-\" and \"/\" for pathType Prefix on ingress-nginx (its admission webhook rejects other characters under the default strict-validate-path-type), got \"/a/(.*)\". Use a path of those characters; for a regular expression set pathType: PathType.REGULAR_EXPRESSION."],
    ['path without /', { path: 'cart' }, "StickyIngress 'test/sticky': 'path' must start with \"/\", got \"cart\". Use \"/cart\"."],
    ['bad host', { host: 'shop.example.com:443' }, "StickyIngress 'test/sticky': 'host' must be a DNS name"],
    ['cookie path without /', { cookie: { path: 'cart' } }, "StickyIngress 'test/sticky': 'cookie.path' must start with \"/\", got \"cart\". Use \"/cart\"."],
    ['no service', { service: undefined }, "StickyIngress 'test/sticky': 'service' is required, got (nothing). Pass service (a cdk8s-plus-27 Service, e.g. app.service of a StatelessWebApp created without host and path) or serviceRef (ServiceReferences.of(yourService), or { name, port })."],
    ['bad cookie domain', { cookie: { domain: 'https://example.com' } }, "StickyIngress 'test/sticky': 'cookie.domain' must be a DNS domain, optionally with a leading \".\", got \"https://example.com\"."],
    ['port not on the Service', { port: 443 }, "StickyIngress 'test/sticky': 'port' must be a port of Service web (80), got 443. Pass one of the Service ports, or leave it out for the first."],
    ['lower-case SameSite string', { cookie: { sameSite: 'lax' as SameSite } }, "StickyIngress 'test/sticky': 'cookie.sameSite' must be one of SameSite.LAX, SameSite.STRICT, SameSite.NONE, got \"lax\". Use a SameSite value, e.g. SameSite.LAX."],
    ['unknown risk code', { acknowledgedRisks: ['UNEVEN_LOAD' as RiskCode] }, "StickyIngress 'test/sticky': 'acknowledgedRisks' must list risk codes of cdk8s-stateless, got \"UNEVEN_LOAD\"."],
  ];

  test.each(cases)('%s', (_name, props, message) => {
    const chart = newChart();
    const web = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE });
    const before = chart.node.findAll().filter((c) => c instanceof ApiObject).length;
    expect(
      () => new StickyIngress(chart, 'sticky', { service: web.service, mode: AffinityMode.BALANCED, justification: WHY, ...props } as StickyIngressProps),
    ).toThrow(message);
    expect(chart.node.findAll().filter((c) => c instanceof ApiObject).length).toBe(before);
    expect(ofKind(synth(chart), 'Ingress')).toEqual([]);
  });
});

// issue 12, item 9: a Secure cookie on a route without TLS is not sent back over plain HTTP
describe('Secure affinity cookie without TLS', () => {
  const codes = (chart: Chart) => Warnings.of(chart).risks.map((r) => r.code);

  test('reported, with the mechanism, on the Ingress and in the report', () => {
    const { chart, objects } = build();
    const risk = Warnings.of(chart).risks.find((r) => r.code === RiskCode.AFFINITY_SECURE_COOKIE_WITHOUT_TLS)!;
    expect(risk.path).toBe('test/cart-sticky');
    expect(risk.message).toBe(
      'The affinity cookie of cart is Secure (cookie.secure, true by default) and the Ingress cart has no TLS (no tlsSecretName): ' +
        'a browser sends a Secure cookie back only over HTTPS, so a user who reaches shop.example.com over plain HTTP gets no pin, ' +
        'every request is balanced afresh, and stickiness silently does nothing.',
    );
    expect(risk.remedy).toBe(
      'Set tlsSecretName so the route serves HTTPS. If TLS ends in front of the controller (a cloud load balancer) and users only reach https://, ' +
        'acknowledge this risk. To keep the pin over plain HTTP as well, set cookie.secure to false: ingress-nginx then marks the cookie Secure ' +
        'exactly when the request reached it over HTTPS.',
    );
    expect(annotations(objects)['risks.stateless.cdk8s.io/affinity-secure-cookie-without-tls']).toBe(`${risk.message} Instead: ${risk.remedy}`);
  });

  test('not reported with TLS on the route', () => {
    const { chart, objects } = build({ tlsSecretName: 'shop-example-com-tls' });
    expect(codes(chart)).not.toContain(RiskCode.AFFINITY_SECURE_COOKIE_WITHOUT_TLS);
    expect(only(objects, 'Ingress').spec.tls).toEqual([{ hosts: ['shop.example.com'], secretName: 'shop-example-com-tls' }]);
  });

  test('not reported with cookie.secure false (ingress-nginx then follows the scheme)', () => {
    const { chart, objects } = build({ cookie: { secure: false } });
    expect(codes(chart)).not.toContain(RiskCode.AFFINITY_SECURE_COOKIE_WITHOUT_TLS);
    expect(nginxAnnotations(objects)[`${NGINX}session-cookie-secure`]).toBe('false');
  });

  test('not reported with Gateway API (TLS ends on the Gateway listener, not on the route)', () => {
    const { chart } = build({ mode: AffinityMode.PERSISTENT, traffic: TrafficProvider.gatewayApi({ gatewayName: 'public', experimentalFields: true }) });
    expect(codes(chart)).not.toContain(RiskCode.AFFINITY_SECURE_COOKIE_WITHOUT_TLS);
  });

  test('acknowledged: annotated as such, not printed', () => {
    const { chart, objects } = build({ acknowledgedRisks: [RiskCode.AFFINITY_SECURE_COOKIE_WITHOUT_TLS] });
    expect(Warnings.of(chart).risks.find((r) => r.code === RiskCode.AFFINITY_SECURE_COOKIE_WITHOUT_TLS)!.acknowledged).toBe(true);
    expect(annotations(objects)['risks.stateless.cdk8s.io/acknowledged']).toBe('AFFINITY_SECURE_COOKIE_WITHOUT_TLS');
  });
});
