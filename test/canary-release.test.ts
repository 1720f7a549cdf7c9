import { ApiObject, Testing } from 'cdk8s';
import {
  AffinityMode,
  CanaryMatch,
  CanaryRelease,
  CanaryReleaseProps,
  RedisSessionStore,
  RedisTopology,
  RiskCode,
  StatelessWebApp,
  StickyIngress,
  Warnings,
  IngressNginxRiskCode,
} from '../src';
import { lintViolations, podSecurityViolations } from './support/policy';
import { K8sObject, newChart, only, ofKind, schemaErrors, synth, synthYaml } from './support/synth';
import { ShopChart } from '../examples/canary/main';

const STABLE = 'ghcr.io/acme/shop:1.8.0';
const NEXT = 'ghcr.io/acme/shop:1.9.0';
/** The canary's objects are named for the release: `<stable>-canary-<first 6 hex digits of sha256(image)>`. */
const CANARY = 'shop-canary-984eeb';
const NGINX = 'nginx.ingress.kubernetes.io/';

function build(canary: Partial<CanaryReleaseProps> = {}, options: { sticky?: boolean; store?: boolean } = {}) {
  const chart = newChart('shop');
  const store = options.store ? new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL }) : undefined;
  const shop = new StatelessWebApp(chart, 'shop', {
    name: 'shop',
    image: STABLE,
    replicas: 4,
    env: { LOG_LEVEL: 'info', FEATURE_X: 'off' },
    healthCheckPath: '/healthz',
    sessionStore: store,
    host: options.sticky ? undefined : 'shop.example.com',
  });
  if (options.sticky) {
    new StickyIngress(chart, 'route', { service: shop.service, host: 'shop.example.com', mode: AffinityMode.BALANCED, justification: 'version stickiness' });
  }
  const release = new CanaryRelease(chart, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.weight(10)], ...canary });
  return { chart, shop, release, objects: synth(chart) };
}

function canaryAnnotations(objects: K8sObject[]): Record<string, string> {
  const ingress = ofKind(objects, 'Ingress').find((i) => i.metadata.annotations?.[`${NGINX}canary`] === 'true')!;
  return Object.fromEntries(Object.entries(ingress.metadata.annotations!).filter(([k]) => k.startsWith(NGINX)));
}

describe('CanaryRelease on ingress-nginx', () => {
  const { chart, objects } = build({ match: [CanaryMatch.header('region', 'east-us'), CanaryMatch.weight(20)], env: { FEATURE_X: 'on' } }, { store: true });

  test('YAML snapshot', () => {
    expect(synthYaml(chart)).toMatchSnapshot();
  });

  test('a canary Deployment running the stable pod spec with the canary image and env', () => {
    const stable = only(objects, 'Deployment', 'shop').spec.template.spec;
    const canary = only(objects, 'Deployment', CANARY).spec.template.spec;
    expect(canary.containers[0].image).toBe(NEXT);
    expect(stable.containers[0].image).toBe(STABLE);
    const env = (c: any) => Object.fromEntries(c.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env(canary)).toEqual({ ...env(stable), FEATURE_X: 'on' });
    // everything else is the stable pod spec
    const strip = (spec: any) => ({
      ...spec,
      containers: spec.containers.map((c: any) => ({ ...c, image: undefined, env: undefined })),
      topologySpreadConstraints: undefined,
    });
    expect(strip(canary)).toEqual(strip(stable));
    expect(only(objects, 'Deployment', CANARY).spec.replicas).toBe(1);
  });

  test('the stable Service selects only stable pods, the canary Service only canary pods; both keep the app labels', () => {
    const stablePods = only(objects, 'Deployment', 'shop').spec.template.metadata.labels;
    const canaryPods = only(objects, 'Deployment', CANARY).spec.template.metadata.labels;
    expect(only(objects, 'Service', 'shop').spec.selector).toEqual({ 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/component': 'web', 'stateless.cdk8s.io/track': 'stable' });
    expect(only(objects, 'Service', CANARY).spec.selector).toEqual({ 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/component': 'web', 'stateless.cdk8s.io/track': 'canary' });
    const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(matches(only(objects, 'Service', 'shop').spec.selector, canaryPods)).toBe(false);
    expect(matches(only(objects, 'Service', CANARY).spec.selector, stablePods)).toBe(false);
    // the PDB and the session store's NetworkPolicy cover both
    const pdb = only(objects, 'PodDisruptionBudget', 'shop').spec.selector.matchLabels;
    expect(matches(pdb, stablePods) && matches(pdb, canaryPods)).toBe(true);
    const client = { 'stateless.cdk8s.io/session-client': 'sessions' };
    expect(matches(client, stablePods) && matches(client, canaryPods)).toBe(true);
  });

  test('bound to the stable session store', () => {
    const env = only(objects, 'Deployment', CANARY).spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'REDIS_SENTINELS').value).toContain('sessions-sentinel-0.sessions-sentinel-headless.shop.svc.cluster.local:26379');
    expect(env.find((e: any) => e.name === 'REDIS_PASSWORD').valueFrom).toEqual({ secretKeyRef: { name: 'sessions.shop.shop', key: 'password' } });
    const risk = Warnings.of(chart).risks.find((r) => r.code === RiskCode.CANARY_SHARED_SESSIONS)!;
    expect(risk.message).toBe(
      `shop (${STABLE}) and ${CANARY} (${NEXT}) share the session store sessions-sentinel.shop.svc.cluster.local: a user who crosses versions ` +
        '(an unpinned request, a rollback, the promotion) keeps the session only if each version reads what the other wrote.',
    );
  });

  test('a second Ingress for the same host, path and class with exactly the canary annotations', () => {
    const stable = only(objects, 'Ingress', 'shop');
    const canary = only(objects, 'Ingress', 'shop-canary');
    expect(canary.spec.ingressClassName).toBe(stable.spec.ingressClassName);
    expect(canary.spec.rules[0].host).toBe(stable.spec.rules[0].host);
    const canaryBackend = { service: { name: CANARY, port: { number: 80 } } };
    expect(canary.spec.rules[0].http.paths[0]).toEqual({ ...stable.spec.rules[0].http.paths[0], backend: canaryBackend });
    expect(canaryAnnotations(objects)).toEqual({
      [`${NGINX}canary`]: 'true',
      [`${NGINX}canary-by-header`]: 'region',
      [`${NGINX}canary-by-header-value`]: 'east-us',
      [`${NGINX}canary-weight`]: '20',
      [`${NGINX}canary-weight-total`]: '100',
    });
    // the stable Ingress is untouched
    expect(Object.keys(stable.metadata.annotations ?? {})).toEqual([]);
  });

  test('valid against the schema, PSS restricted and kube-linter checks', () => {
    expect(schemaErrors(objects)).toEqual([]);
    expect(podSecurityViolations(objects)).toEqual([]);
    expect(lintViolations(objects)).toEqual([]);
  });
});

describe('canary matches', () => {
  test('header without a value: always/never semantics', () => {
    expect(canaryAnnotations(build({ match: [CanaryMatch.header('x-canary')] }).objects)).toEqual({
      [`${NGINX}canary`]: 'true',
      [`${NGINX}canary-by-header`]: 'x-canary',
    });
  });

  test('header pattern, cookie and weight with a finer total', () => {
    expect(
      canaryAnnotations(
        build({ match: [CanaryMatch.headerPattern('region', '^(east|west)-us$'), CanaryMatch.cookie('canary'), CanaryMatch.weight(5)], weightTotal: 1000 }).objects,
      ),
    ).toEqual({
      [`${NGINX}canary`]: 'true',
      [`${NGINX}canary-by-header`]: 'region',
      [`${NGINX}canary-by-header-pattern`]: '^(east|west)-us$',
      [`${NGINX}canary-by-cookie`]: 'canary',
      [`${NGINX}canary-weight`]: '5',
      [`${NGINX}canary-weight-total`]: '1000',
    });
  });

  test('weight 0 and weight 100 are allowed', () => {
    expect(canaryAnnotations(build({ match: [CanaryMatch.weight(0)] }).objects)[`${NGINX}canary-weight`]).toBe('0');
    expect(canaryAnnotations(build({ match: [CanaryMatch.weight(100)] }).objects)[`${NGINX}canary-weight`]).toBe('100');
  });

  test('replicas and autoscaling of the canary', () => {
    const { objects } = build({ replicas: undefined, autoscaling: { minReplicas: 1, maxReplicas: 3 } });
    expect(only(objects, 'Deployment', CANARY).spec.replicas).toBeUndefined();
    expect(only(objects, 'HorizontalPodAutoscaler', CANARY).spec).toMatchObject({ minReplicas: 1, maxReplicas: 3, scaleTargetRef: { name: CANARY } });
  });
});

describe('version stickiness', () => {
  test('needs a sticky stable route with ingress-nginx: the error says so with the fix', () => {
    const chart = newChart();
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: STABLE, host: 'shop.example.com' });
    const before = chart.node.findAll().filter((c) => c instanceof ApiObject).length;
    expect(() => new CanaryRelease(chart, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.weight(10)], versionStickiness: true })).toThrow(
      "CanaryRelease 'test/canary': 'versionStickiness' needs cookie affinity on the stable route with ingress-nginx (affinity-canary-behavior: sticky keeps a user on a version through the stable route's affinity cookie), and the route shop is not sticky, got true. Route the stable app with a StickyIngress (create it before the CanaryRelease), or drop versionStickiness.",
    );
    expect(chart.node.findAll().filter((c) => c instanceof ApiObject).length).toBe(before);
  });

  test('sticky stable route: affinity-canary-behavior sticky on the canary, drift and override warnings with numbers', () => {
    const { chart, objects } = build({ match: [CanaryMatch.header('region', 'east-us'), CanaryMatch.weight(20)], versionStickiness: true }, { sticky: true });
    expect(canaryAnnotations(objects)[`${NGINX}affinity-canary-behavior`]).toBe('sticky');
    // the canary route follows the sticky route's name, host and path
    expect(only(objects, 'Ingress', 'shop-canary').spec.rules[0].host).toBe('shop.example.com');
    const risks = Warnings.of(chart).risks.filter((r) => r.path === 'test/canary');
    const msg = (code: string) => risks.find((r) => r.code === code)!.message;
    // drift comes from the mechanism: the cookie pins the version's Service, not a pod (no claim about pod restarts)
    expect(msg(RiskCode.CANARY_STICKY_DRIFT)).not.toMatch(/restart|scale-in/);
    expect(msg(RiskCode.CANARY_STICKY_DRIFT)).toBe(
      "With version stickiness shop-canary-984eeb keeps the users it gets while their pin holds: the affinity cookie pins a user to the version's Service, not to a pod, " +
        "so the canary's real share of users is not the configured weight: users who hold the affinity cookie from before the release are pinned to stable and, " +
        'where the controller checks that cookie before the split, never reach it, so the share starts below the weight; lowering the weight ' +
        'moves none of its users back while the weight stays above 0 (at 0, a controller that leaves the canary out of its split sends them back). ' +
        'They leave the canary when the browser session ends (the affinity cookie has no max-age) or the CanaryRelease is removed.',
    );
    expect(msg(IngressNginxRiskCode.INGRESS_NGINX_CANARY_KEEPS_OVERRIDE_USERS)).toContain('A user who reached the canary with the header region gets the canary\'s own affinity cookie INGRESSCOOKIE');
    expect(msg(IngressNginxRiskCode.CANARY_OVERRIDE_IGNORED_WHEN_PINNED)).toBe(
      'A user already pinned to shop by the affinity cookie INGRESSCOOKIE who then sends the header region: east-us still reaches shop: ' +
        'ingress-nginx checks the affinity cookie before any canary rule (balancer.lua route_to_alternative_balancer).',
    );
    expect(risks.map((r) => r.code)).not.toContain(IngressNginxRiskCode.INGRESS_NGINX_CANARY_FIRST_REQUESTS_ONLY);
    // annotated on the canary Ingress for the reviewer
    expect(only(objects, 'Ingress', 'shop-canary').metadata.annotations!['risks.stateless.cdk8s.io/canary-sticky-drift']).toContain('so the share starts below the weight');
  });

  test('a sticky stable route without version stickiness: legacy, and the risks it has on ingress-nginx (first requests only; header testers pinned to stable)', () => {
    const { objects, chart } = build({ match: [CanaryMatch.header('x-canary'), CanaryMatch.weight(20)] }, { sticky: true });
    expect(canaryAnnotations(objects)[`${NGINX}affinity-canary-behavior`]).toBe('legacy');
    const risks = Warnings.of(chart).risks.filter((r) => r.path === 'test/canary');
    expect(risks.map((r) => r.code)).not.toContain(RiskCode.CANARY_STICKY_DRIFT);
    const first = risks.find((r) => r.code === IngressNginxRiskCode.INGRESS_NGINX_CANARY_FIRST_REQUESTS_ONLY)!;
    expect(first.message).toContain('the canary sets no cookie');
    expect(first.message).toContain('the first stable answer pins them to shop for good');
    expect(risks.find((r) => r.code === IngressNginxRiskCode.CANARY_OVERRIDE_IGNORED_WHEN_PINNED)!.message).toContain('who then sends the header x-canary still reaches shop');
  });
});

describe('a release as a sequence of commits', () => {
  type Step = { stableImage: string; release?: { image: string; weight: number } };
  function objectsOf(step: Step): Map<string, K8sObject> {
    const app = Testing.app();
    const chart = new ShopChart(app, 'shop', { namespace: 'shop', ...step });
    return new Map(synth(chart).map((o) => [`${o.kind}/${o.metadata.name}`, o]));
  }
  /** The paths (a/b/c) whose values differ between two objects. */
  function changedPaths(a: any, b: any, prefix = ''): string[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return [prefix];
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}/${k}` : k));
  }
  function diff(from: Step, to: Step) {
    const a = objectsOf(from);
    const b = objectsOf(to);
    const removed = [...a.keys()].filter((k) => !b.has(k)).sort();
    const added = [...b.keys()].filter((k) => !a.has(k)).sort();
    const changed: Record<string, string[]> = {};
    for (const [k, o] of a) {
      if (b.has(k)) {
        const paths = changedPaths(o, b.get(k));
        if (paths.length) changed[k] = paths;
      }
    }
    return { removed, added, changed };
  }
  const STABLE_ONLY: Step = { stableImage: STABLE };
  const at = (weight: number): Step => ({ stableImage: STABLE, release: { image: NEXT, weight } });
  const CANARY_OBJECTS = [`Deployment/${CANARY}`, 'Ingress/shop-canary', `Service/${CANARY}`];

  test('start: adding the CanaryRelease adds the canary objects and changes nothing of the stable app', () => {
    expect(diff(STABLE_ONLY, at(10))).toEqual({ removed: [], added: CANARY_OBJECTS, changed: {} });
  });

  test.each([
    [10, 25],
    [25, 50],
    [50, 100],
  ])('weight %i -> %i changes only the canary-weight annotation', (from, to) => {
    const d = diff(at(from), at(to));
    expect(d).toEqual({ removed: [], added: [], changed: { 'Ingress/shop-canary': ['metadata/annotations/nginx.ingress.kubernetes.io/canary-weight'] } });
    expect(objectsOf(at(to)).get('Ingress/shop-canary')!.metadata.annotations![`${NGINX}canary-weight`]).toBe(String(to));
  });

  test('promote: the stable image becomes the canary image and the canary objects go', () => {
    const promoted: Step = { stableImage: NEXT };
    expect(diff(at(100), promoted)).toEqual({
      removed: CANARY_OBJECTS,
      added: [],
      changed: { 'Deployment/shop': ['spec/template/spec/containers/0/image'] },
    });
  });

  test('roll back: removing the CanaryRelease removes exactly the canary objects', () => {
    expect(diff(at(25), STABLE_ONLY)).toEqual({ removed: CANARY_OBJECTS, added: [], changed: {} });
  });
});

describe('limits and bad input', () => {
  test('one canary per stable app', () => {
    const chart = newChart();
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: STABLE, host: 'shop.example.com' });
    new CanaryRelease(chart, 'first', { stable: shop, image: NEXT, match: [CanaryMatch.weight(10)] });
    expect(() => new CanaryRelease(chart, 'second', { stable: shop, image: 'ghcr.io/acme/shop:2.0.0', match: [CanaryMatch.weight(5)] })).toThrow(
      "CanaryRelease 'test/second': 'stable' already has a canary (CanaryRelease 'test/first'), and a route splits to one canary at a time, got \"shop\". Release one version at a time, or combine the matches in one CanaryRelease.",
    );
  });

  test('a stable app without a route', () => {
    const chart = newChart();
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: STABLE });
    expect(() => new CanaryRelease(chart, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.weight(10)] })).toThrow(
      "CanaryRelease 'test/canary': 'stable' needs a route to split: StatelessWebApp 'test/shop' has no host or path and no StickyIngress routes to it, got \"shop\". " +
        'Give the stable app a host or path, or create its StickyIngress before the CanaryRelease.',
    );
  });

  test('the same image as stable is a warning', () => {
    const { chart } = build({ image: STABLE });
    const risk = Warnings.of(chart).risks.find((r) => r.code === RiskCode.CANARY_SAME_IMAGE)!;
    expect(risk.message).toBe(`shop-canary-7bb9a4 runs the same image as shop (${STABLE}): the release compares the version with itself.`);
    expect(risk.remedy).toBe('Set image to the new version, or remove the CanaryRelease.');
  });

  const cases: Array<[string, Partial<CanaryReleaseProps>, string]> = [
    ['weight above the total', { match: [CanaryMatch.weight(120)] }, "CanaryRelease 'test/canary': 'match.weight' must be a whole number from 0 to weightTotal (100), got 120. Use e.g. CanaryMatch.weight(10), or raise weightTotal for finer steps."],
    ['negative weight', { match: [CanaryMatch.weight(-5)] }, "CanaryRelease 'test/canary': 'match.weight' must be a whole number from 0 to weightTotal (100), got -5."],
    ['fractional weight', { match: [CanaryMatch.weight(2.5)] }, "CanaryRelease 'test/canary': 'match.weight' must be a whole number from 0 to weightTotal (100), got 2.5."],
    [
      'weightTotal below 100',
      { weightTotal: 50 },
      "CanaryRelease 'test/canary': 'weightTotal' must be at least 100 with ingress-nginx (it ignores a smaller total and divides by 100), got 50. Use 100 for 1% steps, 1000 for 0.1% steps.",
    ],
    ['fractional weightTotal', { weightTotal: 150.5 }, "CanaryRelease 'test/canary': 'weightTotal' must be an integer from 1 to 1000000, got 150.5."],
    [
      'header name not an HTTP token',
      { match: [CanaryMatch.header('x canary', 'yes')] },
      "CanaryRelease 'test/canary': 'match.header' must be an HTTP header name (an RFC 9110 token: letters, digits and !#$%&'*+-.^_`|~), got \"x canary\". Use e.g. \"region\" or \"x-canary\".",
    ],
    ['header name with a colon', { match: [CanaryMatch.header('region:', 'x')] }, "CanaryRelease 'test/canary': 'match.header' must be an HTTP header name"],
    [
      'regex that does not compile',
      { match: [CanaryMatch.headerPattern('region', '^(east|west-us$')] },
      "CanaryRelease 'test/canary': 'match.headerPattern' must be a regular expression that compiles (Invalid regular expression: /^(east|west-us$/: Unterminated group), got \"^(east|west-us$\". Fix the expression, e.g. \"^(east|west)-us$\".",
    ],
    [
      'always as an exact header value',
      { match: [CanaryMatch.header('x-canary', 'always')] },
      "CanaryRelease 'test/canary': 'match.header value' must not be \"always\" for an exact match: with a value the header is compared literally, and \"never\" would send requests TO the canary, got \"always\". Use CanaryMatch.header(\"x-canary\") without a value for the always/never semantics.",
    ],
    ['never as an exact header value', { match: [CanaryMatch.header('x-canary', 'never')] }, "CanaryRelease 'test/canary': 'match.header value' must not be \"never\" for an exact match"],
    ['empty exact header value', { match: [CanaryMatch.header('region', '')] }, "CanaryRelease 'test/canary': 'match.header value' must be a non-empty header value (visible characters, spaces and tabs; no line breaks or control characters), got \"\". Use e.g. CanaryMatch.header(\"region\", \"east-us\")."],
    ['empty header pattern', { match: [CanaryMatch.headerPattern('region', '')] }, "CanaryRelease 'test/canary': 'match.headerPattern' must be a non-empty single-line regular expression, got \"\". Pass a regular expression, e.g. \"^(east|west)-us$\"."],
    ['stable that is not a StatelessWebApp', { stable: {} as any }, "CanaryRelease 'test/canary': 'stable' must be a StatelessWebApp, got {}. Pass the StatelessWebApp being released."],
    ['bad cookie name', { match: [CanaryMatch.cookie('my cookie')] }, "CanaryRelease 'test/canary': 'match.cookie' must be a cookie name (an RFC 6265 token), got \"my cookie\". Use e.g. \"canary\"."],
    [
      'two header matches',
      { match: [CanaryMatch.header('a', 'b'), CanaryMatch.headerPattern('c', 'd')] },
      "CanaryRelease 'test/canary': 'match' may hold one header match (exact or pattern) with ingress-nginx, got [\"CanaryMatch.header('a', 'b')\",\"CanaryMatch.headerPattern('c', 'd')\"]. An ingress-nginx canary has one header, one cookie and one weight annotation; combine different kinds, not two of one kind.",
    ],
    ['two weights', { match: [CanaryMatch.weight(1), CanaryMatch.weight(2)] }, "CanaryRelease 'test/canary': 'match' may hold one weight match with ingress-nginx, got [\"CanaryMatch.weight(1)\",\"CanaryMatch.weight(2)\"]."],
    ['no match', { match: [] }, "CanaryRelease 'test/canary': 'match' must list at least one CanaryMatch, got []. Use e.g. [CanaryMatch.header(\"region\", \"east-us\"), CanaryMatch.weight(20)]."],
    ['empty image', { image: '' }, "CanaryRelease 'test/canary': 'image' must not be empty, got \"\"."],
    ['replicas 0', { replicas: 0 }, "CanaryRelease 'test/canary': 'replicas' must be an integer from 1 to 1000, got 0."],
    ['unknown risk code', { acknowledgedRisks: ['DRIFT' as RiskCode] }, "CanaryRelease 'test/canary': 'acknowledgedRisks' must list risk codes of cdk8s-stateless, got \"DRIFT\"."],
  ];

  test.each(cases)('%s', (_name, props, message) => {
    const chart = newChart();
    const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: STABLE, host: 'shop.example.com' });
    const before = chart.node.findAll().filter((c) => c instanceof ApiObject).length;
    expect(() => new CanaryRelease(chart, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.weight(10)], ...props })).toThrow(message);
    expect(chart.node.findAll().filter((c) => c instanceof ApiObject).length).toBe(before);
  });
});
