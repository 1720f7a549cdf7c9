import { App, Chart, Testing } from 'cdk8s';
import {
  AffinityMode,
  CanaryMatch,
  CanaryRelease,
  GatewayApiRiskCode,
  PathType,
  RedisSessionStore,
  RiskCode,
  StatelessErrors,
  StatelessWebApp,
  StickyIngress,
  TrafficProvider,
  Warnings,
} from '../src';
import { K8sObject, only, synth } from './support/synth';

const IMAGE = 'ghcr.io/acme/shop:1.8.0';
const WHY = 'legacy cart in HttpSession; SHOP-142 moves it to Redis';
const RISKS = 'risks.stateless.cdk8s.io/';

function gatewayChart(): Chart {
  const app = Testing.app();
  TrafficProvider.useByDefault(app, TrafficProvider.gatewayApi({ gatewayName: 'public', experimentalFields: true }));
  return new Chart(app, 'test', { namespace: 'shop' });
}

describe('every contributor keeps its risks and acknowledgements in the YAML (regression: a canary overwrote the app\'s)', () => {
  test('Gateway API: the app acknowledges its regex path, the canary reports its header pattern: both on the one HTTPRoute', () => {
    const chart = gatewayChart();
    const shop = new StatelessWebApp(chart, 'shop', {
      name: 'shop',
      image: IMAGE,
      host: 'shop.example.com',
      path: '/items/[0-9]+',
      pathType: PathType.REGULAR_EXPRESSION,
      acknowledgedRisks: [GatewayApiRiskCode.GATEWAY_API_IMPLEMENTATION_SPECIFIC],
    });
    new CanaryRelease(chart, 'canary', { stable: shop, image: 'ghcr.io/acme/shop:1.9.0', match: [CanaryMatch.headerPattern('region', '^east-.*$'), CanaryMatch.weight(10)] });
    const route = only(synth(chart), 'HTTPRoute');
    const annotations = route.metadata.annotations!;
    const text = annotations[`${RISKS}gateway-api-implementation-specific`];
    expect(text).toContain("StatelessWebApp 'test/shop' matches the path /items/[0-9]+ with a RegularExpression");
    expect(text).toContain("CanaryRelease 'test/canary' matches the header pattern ^east-.*$ with a RegularExpression");
    // the app's acknowledgement is there, and says whose it is; the canary acknowledged nothing
    expect(annotations[`${RISKS}acknowledged`]).toBe('GATEWAY_API_IMPLEMENTATION_SPECIFIC (test/shop)');
    const report = Warnings.of(chart).risks.filter((r) => r.code === GatewayApiRiskCode.GATEWAY_API_IMPLEMENTATION_SPECIFIC);
    expect(report.map((r) => [r.path, r.acknowledged])).toEqual([
      ['test/canary', false],
      ['test/shop', true],
    ]);
  });

  test('ingress-nginx: the sticky route and the canary Ingress each carry the risks and acknowledgements of their own contributor', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const sessions = new RedisSessionStore(chart, 'sessions', { name: 'sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, replicas: 4, sessionStore: sessions });
    new StickyIngress(chart, 'sticky', {
      service: shop.service,
      host: 'shop.example.com',
      mode: AffinityMode.BALANCED,
      justification: WHY,
      acknowledgedRisks: [RiskCode.AFFINITY_UNEVEN_LOAD],
    });
    new CanaryRelease(chart, 'canary', {
      stable: shop,
      image: 'ghcr.io/acme/shop:1.9.0',
      match: [CanaryMatch.weight(10)],
      versionStickiness: true,
      acknowledgedRisks: [RiskCode.CANARY_SHARED_SESSIONS],
    });
    const objects = synth(chart);
    const stable = only(objects, 'Ingress', 'shop').metadata.annotations!;
    const canary = only(objects, 'Ingress', 'shop-canary').metadata.annotations!;
    expect(stable[`${RISKS}acknowledged`]).toBe('AFFINITY_UNEVEN_LOAD');
    expect(stable[`${RISKS}affinity-uneven-load`]).toContain('Cookie affinity pins each user of shop');
    expect(stable[`${RISKS}canary-shared-sessions`]).toBeUndefined();
    expect(canary[`${RISKS}acknowledged`]).toBe('CANARY_SHARED_SESSIONS');
    expect(canary[`${RISKS}canary-shared-sessions`]).toContain('share the session store');
    expect(canary[`${RISKS}affinity-uneven-load`]).toBeUndefined();
  });
});

describe('order cannot change the output, or it fails loudly', () => {
  test('useByDefault after a construct took its default is an error naming it', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test');
    new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, host: 'a.example.com' });
    let error: unknown;
    try {
      TrafficProvider.useByDefault(app, TrafficProvider.gatewayApi({ gatewayName: 'public' }));
    } catch (e) {
      error = e;
    }
    expect(StatelessErrors.isValidationError(error)).toBe(true);
    expect((error as Error).message).toBe(
      "TrafficProvider.useByDefault: 'scope' is called after StatelessWebApp 'test/web' below it already took the default provider, which would stay as it is, got \"(the App)\". " +
        'Call TrafficProvider.useByDefault right after creating the App or Chart, before the constructs below it.',
    );
  });

  test('attaching to a route after its objects were read is an error, not a silently incomplete route', () => {
    const chart = new Chart(Testing.app(), 'test');
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, host: 'a.example.com' });
    expect(shop.route!.kind).toBe('Ingress');
    expect(() => new CanaryRelease(chart, 'canary', { stable: shop, image: 'ghcr.io/acme/shop:1.9.0', match: [CanaryMatch.weight(5)] })).toThrow(
      "CanaryRelease 'test/canary': 'stable' attaches to the route of shop, which was already rendered (its objects were read through a construct's 'route', or the App was synthesized), got \"shop\". " +
        "Create every StickyIngress and CanaryRelease of an app before reading 'route' of any of them.",
    );
  });

  test('the YAML is the same whether the canary is created before or after reading nothing: rendering waits for synth', () => {
    const build = (): K8sObject[] => {
      const chart = new Chart(new App({ outdir: Testing.app().outdir }), 'test');
      const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, host: 'a.example.com' });
      new CanaryRelease(chart, 'canary', { stable: shop, image: 'ghcr.io/acme/shop:1.9.0', match: [CanaryMatch.weight(5)] });
      return synth(chart);
    };
    expect(build()).toEqual(build());
  });

  test('a failed CanaryRelease leaves the stable route as it was (nothing of the split is rendered)', () => {
    const chart = gatewayChart();
    const sessions = new RedisSessionStore(chart, 'sessions', { name: 'sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, host: 'a.example.com', sessionStore: sessions });
    // the canary's env clashes with the session binding, found while its pods are built, after the split was attached
    expect(() => new CanaryRelease(chart, 'canary', { stable: shop, image: 'ghcr.io/acme/shop:1.9.0', match: [CanaryMatch.weight(5)], env: { REDIS_URL: 'redis://elsewhere:6379' } })).toThrow(
      /'env.REDIS_URL' is set by the session store binding/,
    );
    expect(chart.node.tryFindChild('canary')).toBeUndefined();
    const route = only(synth(chart), 'HTTPRoute');
    expect(route.spec.rules).toHaveLength(1);
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'shop', port: 80 }]);
  });
});

test('/api and /api/ on one host are one route (a prefix matches the same paths with or without its trailing slash)', () => {
  const chart = new Chart(Testing.app(), 'test');
  new StatelessWebApp(chart, 'a', { name: 'a', image: IMAGE, host: 'shop.example.com', path: '/api' });
  expect(() => new StatelessWebApp(chart, 'b', { name: 'b', image: IMAGE, host: 'shop.example.com', path: '/api/' })).toThrow(
    "StatelessWebApp 'test/b': 'host'/'path' is already routed by StatelessWebApp 'test/a' on the same ingress-nginx routes",
  );
});
