import { App, Chart, Duration, Testing } from 'cdk8s';
import {
  AffinityMode,
  ITrafficProvider,
  CanaryMatch,
  CanaryRelease,
  CanaryReleaseProps,
  EngineRiskCode,
  IReleaseEngine,
  RedisSessionStore,
  RedisTopology,
  ReleaseEngine,
  RiskCode,
  StatelessErrors,
  StatelessWebApp,
  StatelessWebAppProps,
  StickyIngress,
  TrafficProvider,
  Warnings,
} from '../src';
import { crdErrors } from './support/crd-validator';
import { engineGenerated } from './support/engine-objects';
import { invariantErrors } from './support/invariant';
import { lintViolations, podSecurityViolations } from './support/policy';
import { K8sObject, only, synth } from './support/synth';

/**
 * Issue 16: CanaryRelease on Argo Rollouts and Flagger. Which objects each engine gets, which objects of the app it
 * takes over (and the library therefore does not render), every engine object against its real CRD, and every
 * refusal with its exact message.
 */

const PROM = 'http://prometheus.monitoring:9090';
const GATEWAY = { gatewayName: 'public', gatewayNamespace: 'gateways' };

interface Setup {
  readonly gateway?: boolean;
  readonly traefik?: boolean;
  readonly sticky?: boolean;
  readonly app?: Partial<StatelessWebAppProps>;
}

/** The canary example's shop: 4 pods, a Sentinel store, routed by the app itself or by a StickyIngress. */
function shopChart(setup: Setup = {}): { app: App; chart: Chart; shop: StatelessWebApp } {
  const app = Testing.app();
  if (setup.gateway) TrafficProvider.useByDefault(app, TrafficProvider.gatewayApi({ ...GATEWAY, experimentalFields: setup.sticky }));
  if (setup.traefik) TrafficProvider.useByDefault(app, TrafficProvider.traefik({ entryPoints: ['websecure'] }));
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  const sessionStore = new RedisSessionStore(chart, 'sessions', { name: 'shop-sessions', topology: RedisTopology.SENTINEL });
  const shop = new StatelessWebApp(chart, 'shop', {
    name: 'shop',
    image: 'ghcr.io/acme/shop:1.8.0',
    replicas: 4,
    sessionStore,
    host: setup.sticky ? undefined : 'shop.example.com',
    ...setup.app,
  });
  if (setup.sticky) {
    new StickyIngress(chart, 'route', {
      service: shop.service,
      host: 'shop.example.com',
      mode: setup.gateway || setup.traefik ? AffinityMode.PERSISTENT : AffinityMode.BALANCED,
      justification: 'version stickiness',
      cookie: { name: 'shop-version', maxAge: Duration.hours(12) },
    });
  }
  return { app, chart, shop };
}

function release(chart: Chart, shop: StatelessWebApp, engine: IReleaseEngine, props: Partial<CanaryReleaseProps> = {}): CanaryRelease {
  return new CanaryRelease(chart, 'release', { stable: shop, image: 'ghcr.io/acme/shop:1.9.0', match: [], engine, ...props });
}

/** Engines that already run the app (an earlier commit adopted them), so a release may carry a new image. */
const argo = (o: object = {}) => ReleaseEngine.argoRollouts({ prometheusAddress: PROM, adopted: true, ...o });
const flagger = (o: object = {}) => ReleaseEngine.flagger({ prometheusAddress: PROM, adopted: true, ...o });
const kinds = (objects: K8sObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
/** The objects of the engines' own API groups. */
const isEngineObject = (o: K8sObject) => /^(argoproj\.io|flagger\.app)\//.test(o.apiVersion);
const engineObjects = (objects: K8sObject[]) => objects.filter(isEngineObject);
const risksOf = (app: App) => Warnings.of(app).risks.filter((r) => r.path === 'shop/release').map((r) => r.code).sort();

/**
 * Every object valid: accepted by an API server (schemas, the engines' real CRDs with their CEL rules, name rules)
 * and read back unchanged (test/support/invariant.ts), and PSS restricted and kube-linter over what will exist.
 */
function expectValid(objects: K8sObject[]): void {
  expect(engineObjects(objects).length).toBeGreaterThanOrEqual(2);
  expect(invariantErrors(objects)).toEqual([]);
  const cluster = [...objects, ...engineGenerated(objects)];
  expect(podSecurityViolations(cluster)).toEqual([]);
  expect(lintViolations(cluster)).toEqual([]);
}

describe('the CRD validator (test/support/crd-validator.ts) rejects broken engine objects', () => {
  test('an unknown field in a Rollout, a Canary interval Flagger cannot parse', () => {
    const a = shopChart();
    release(a.chart, a.shop, argo());
    const rollout = JSON.parse(JSON.stringify(only(synth(a.chart), 'Rollout', 'shop')));
    expect(crdErrors([rollout])).toEqual([]);
    rollout.spec.strategy.canary.stepz = [];
    expect(crdErrors([rollout]).join('\n')).toMatch(/stepz/);
    const f = shopChart();
    release(f.chart, f.shop, flagger());
    const canary = JSON.parse(JSON.stringify(only(synth(f.chart), 'Canary', 'shop')));
    expect(crdErrors([canary])).toEqual([]);
    canary.spec.analysis.interval = '1 minute';
    expect(crdErrors([canary]).join('\n')).toMatch(/interval/);
  });
});

describe('Argo Rollouts on ingress-nginx', () => {
  const { app, chart, shop } = shopChart({ sticky: true });
  release(chart, shop, argo({ steps: [5, 20, 60], stepPause: Duration.minutes(10) }), { match: [CanaryMatch.header('region', 'east-us'), CanaryMatch.cookie('canary')], versionStickiness: true });
  const objects = synth(chart);
  const rollout = only(objects, 'Rollout', 'shop');
  const deployment = only(objects, 'Deployment', 'shop');

  test('renders a Rollout, an AnalysisTemplate and the canary Service; no canary Deployment and no canary Ingress (the controller creates its own)', () => {
    expect(kinds(objects.filter((o) => o.metadata.name.startsWith('shop') && !o.metadata.name.startsWith('shop-sessions')))).toEqual([
      'AnalysisTemplate/shop-canary',
      'Deployment/shop',
      'Ingress/shop',
      'PodDisruptionBudget/shop',
      'Rollout/shop',
      'Service/shop',
      'Service/shop-canary',
    ]);
    expect(objects.filter((o) => o.kind === 'Deployment')).toHaveLength(1);
    expect(objects.filter((o) => o.kind === 'Ingress')).toHaveLength(1);
  });

  test('workloadRef to the app Deployment, which renders 0 replicas once adopted and takes the new image', () => {
    expect(rollout.spec.workloadRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop', scaleDown: 'onsuccess' });
    expect(rollout.spec.replicas).toBe(4);
    expect(rollout.spec.template).toBeUndefined();
    // once adopted, the Deployment renders the 0 replicas Argo Rollouts scaled it to (scaleDown: onsuccess)
    expect(deployment.spec.replicas).toBe(0);
    expect(deployment.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/shop:1.9.0');
    // the Rollout selects the pods of the Deployment's template
    expect(rollout.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    for (const [k, v] of Object.entries(rollout.spec.selector.matchLabels)) expect(deployment.spec.template.metadata.labels[k]).toBe(v);
  });

  test('the pods the Rollout runs carry the session store client label that its NetworkPolicy admits', () => {
    const np = only(objects, 'NetworkPolicy', 'shop-sessions');
    const clientSelector = np.spec.ingress[0].from.map((f: any) => f.podSelector.matchLabels).find((m: any) => 'stateless.cdk8s.io/session-client' in m);
    const rs = only(engineGenerated(objects), 'ReplicaSet', 'shop');
    for (const [k, v] of Object.entries(clientSelector)) expect(rs.spec.template.metadata.labels[k]).toBe(v);
  });

  test('stable and canary Services, the stable Ingress, header, cookie and stickiness as canary annotations', () => {
    const canary = rollout.spec.strategy.canary;
    expect(canary.stableService).toBe('shop');
    expect(canary.canaryService).toBe('shop-canary');
    expect(canary.trafficRouting).toEqual({
      nginx: {
        stableIngress: 'shop',
        additionalIngressAnnotations: {
          'canary-by-header': 'region',
          'canary-by-header-value': 'east-us',
          'canary-by-cookie': 'canary',
          'affinity-canary-behavior': 'sticky',
        },
      },
    });
    expect(only(objects, 'Ingress', 'shop').spec.rules[0].http.paths[0].backend.service.name).toBe('shop');
    expect(only(objects, 'Service', 'shop-canary').spec.selector).toEqual(only(objects, 'Service', 'shop').spec.selector);
    expect(canary.steps).toEqual([
      { setWeight: 5 }, { pause: { duration: '10m' } },
      { setWeight: 20 }, { pause: { duration: '10m' } },
      { setWeight: 60 }, { pause: { duration: '10m' } },
    ]);
  });

  test('the analysis: ingress-nginx canary metrics, thresholds in the user\'s terms, rollback at the second failure', () => {
    const template = only(objects, 'AnalysisTemplate', 'shop-canary');
    expect(rollout.spec.strategy.canary.analysis).toEqual({
      templates: [{ templateName: 'shop-canary' }],
      args: [{ name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
    });
    const [success, latency] = template.spec.metrics;
    expect(success).toMatchObject({ name: 'success-rate', interval: '1m', failureLimit: 1, successCondition: 'result[0] >= 99' });
    expect(success.provider.prometheus.address).toBe(PROM);
    expect(success.provider.prometheus.query).toBe(
      '100 * sum(rate(nginx_ingress_controller_requests{namespace="{{args.namespace}}",canary="{{args.namespace}}-shop-canary-80",status!~"5.."}[1m])) / ' +
        'sum(rate(nginx_ingress_controller_requests{namespace="{{args.namespace}}",canary="{{args.namespace}}-shop-canary-80"}[1m]))',
    );
    expect(latency).toMatchObject({ name: 'latency-p99', successCondition: 'result[0] <= 500' });
    expect(latency.provider.prometheus.query).toBe(
      '1000 * histogram_quantile(0.99, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{namespace="{{args.namespace}}",canary="{{args.namespace}}-shop-canary-80"}[1m])))',
    );
  });

  test('risks: the engine owns the pods, the header is static on nginx, a pinned tester, the aggregate analysis, the retired controller', () => {
    expect(risksOf(app)).toEqual([
      'ARGO_NGINX_HEADER_ROUTE_STATIC',
      'CANARY_OVERRIDE_IGNORED_WHEN_PINNED',
      'CANARY_SHARED_SESSIONS',
      'CANARY_STICKY_DRIFT',
      'ENGINE_ANALYSIS_AGGREGATE',
      'ENGINE_OWNS_PODS',
      'INGRESS_NGINX_RETIRED',
    ]);
    const text = rollout.metadata.annotations!['risks.stateless.cdk8s.io/engine-analysis-aggregate'];
    // ceil(4 x 60 %) = 3 canary pods at the last step: one may fail 3 x 1 % = 3 %
    expect(text).toContain('all canary pods together (up to 3): with requests spread evenly, one of them can fail 3 % of its own requests while the aggregate still meets 99 %');
    expect(rollout.metadata.annotations!['risks.stateless.cdk8s.io/argo-nginx-header-route-static']).toContain('canary Ingress the Rollout creates (shop-shop-canary)');
    // one canary Service for every release: the engine's own drift text replaces the GitOps one
    expect(rollout.metadata.annotations!['risks.stateless.cdk8s.io/canary-sticky-drift']).toMatch(
      /^With version stickiness every user who reaches shop-canary is pinned to that Service, which the Rollout keeps for every release/,
    );
  });

  test('every object valid (engine objects against the v1.9.1 CRDs with CEL), PSS restricted and lint over what will run', () => {
    expectValid(objects);
  });
});

describe('Argo Rollouts with autoscaling', () => {
  test('the HPA targets the Rollout, which renders no replicas', () => {
    const { chart, shop } = shopChart({ app: { replicas: undefined, autoscaling: { minReplicas: 4, maxReplicas: 12 } } });
    release(chart, shop, argo());
    const objects = synth(chart);
    expect(only(objects, 'HorizontalPodAutoscaler', 'shop').spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'shop' });
    expect(only(objects, 'Rollout', 'shop').spec.replicas).toBeUndefined();
    expect(only(objects, 'Deployment', 'shop').spec.replicas).toBeUndefined();
    expect(crdErrors(engineObjects(objects))).toEqual([]);
  });
});

describe('Argo Rollouts on Gateway API', () => {
  const { app, chart, shop } = shopChart({ gateway: true, sticky: true });
  release(chart, shop, argo(), { match: [CanaryMatch.headerPattern('region', '^east-.*')], versionStickiness: true });
  const objects = synth(chart);
  const rollout = only(objects, 'Rollout', 'shop');

  test('the app HTTPRoute carries both backends (stable 100, canary 0) for the plugin, with its session persistence', () => {
    const route = only(objects, 'HTTPRoute', 'shop');
    expect(route.spec.rules).toHaveLength(1);
    expect(route.spec.rules[0].backendRefs).toEqual([
      { name: 'shop', port: 80, weight: 100 },
      { name: 'shop-canary', port: 80, weight: 0 },
    ]);
    expect(route.spec.rules[0].sessionPersistence.sessionName).toBe('shop-version');
    expect(route.metadata.annotations!['risks.stateless.cdk8s.io/engine-rewrites-rendered-fields']).toContain('.spec.rules[].backendRefs[].weight');
    expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Deployment')).toHaveLength(1);
  });

  test('the plugin reweights the HTTPRoute; the header is a managed setHeaderRoute at the first step', () => {
    const canary = rollout.spec.strategy.canary;
    expect(canary.trafficRouting).toEqual({
      managedRoutes: [{ name: 'canary-header' }],
      plugins: { 'argoproj-labs/gatewayAPI': { httpRoutes: [{ name: 'shop', useHeaderRoutes: true }] } },
    });
    expect(canary.steps.slice(0, 3)).toEqual([
      { setWeight: 10 },
      { setHeaderRoute: { name: 'canary-header', match: [{ headerName: 'region', headerValue: { regex: '^east-.*' } }] } },
      { pause: { duration: '5m' } },
    ]);
  });

  test('the analysis assumes Contour\'s Envoy metrics', () => {
    const [success, latency] = only(objects, 'AnalysisTemplate', 'shop-canary').spec.metrics;
    expect(success.provider.prometheus.query).toContain('envoy_cluster_upstream_rq{envoy_cluster_name=~"{{args.namespace}}_shop-canary_[0-9a-zA-Z-]+",envoy_response_code!~"5.*"}');
    expect(latency.provider.prometheus.query).toBe('histogram_quantile(0.99, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=~"{{args.namespace}}_shop-canary_[0-9a-zA-Z-]+"}[1m])))');
  });

  test('risks: rewritten weights, no nginx risks', () => {
    expect(risksOf(app)).toEqual(['CANARY_SHARED_SESSIONS', 'CANARY_STICKY_DRIFT', 'ENGINE_ANALYSIS_AGGREGATE', 'ENGINE_OWNS_PODS', 'ENGINE_REWRITES_RENDERED_FIELDS']);
  });

  test('every object valid', () => {
    expectValid(objects);
  });

  test('the p99 threshold as a Duration (the deprecated maxLatencyP99Ms says the same)', () => {
    const check = (analysis: object) => {
      const s = shopChart({ gateway: true });
      release(s.chart, s.shop, argo({ analysis }));
      return only(synth(s.chart), 'AnalysisTemplate', 'shop-canary').spec.metrics[1].successCondition;
    };
    expect(check({ maxLatencyP99: Duration.millis(250) })).toBe('result[0] <= 250');
    expect(check({ maxLatencyP99Ms: 250 })).toBe('result[0] <= 250');
  });

  test('custom queries replace the provider queries', () => {
    const s = shopChart({ gateway: true });
    release(s.chart, s.shop, argo({ analysis: { successRateQuery: 'my_success', latencyP99Query: 'my_p99', minSuccessRatePercent: 99.5, maxLatencyP99Ms: 250, rollbackAfterFailures: 3, interval: Duration.seconds(30) } }));
    const [success, latency] = only(synth(s.chart), 'AnalysisTemplate', 'shop-canary').spec.metrics;
    expect(success).toEqual({ name: 'success-rate', interval: '30s', failureLimit: 2, successCondition: 'result[0] >= 99.5', provider: { prometheus: { address: PROM, query: 'my_success' } } });
    expect(latency).toEqual({ name: 'latency-p99', interval: '30s', failureLimit: 2, successCondition: 'result[0] <= 250', provider: { prometheus: { address: PROM, query: 'my_p99' } } });
  });
});

describe('Flagger on ingress-nginx (A/B test by header)', () => {
  const { app, chart, shop } = shopChart();
  release(chart, shop, flagger({ iterations: 12 }), { match: [CanaryMatch.header('region', 'east-us')] });
  const objects = synth(chart);
  const canary = only(objects, 'Canary', 'shop');

  test('renders the Canary, two MetricTemplates and a PDB for the primary; not Service shop (Flagger\'s apex) nor any canary object', () => {
    expect(kinds(objects.filter((o) => o.metadata.name.startsWith('shop') && !o.metadata.name.startsWith('shop-sessions')))).toEqual([
      'Canary/shop',
      'Deployment/shop',
      'Ingress/shop',
      'MetricTemplate/shop-latency-p99',
      'MetricTemplate/shop-success-rate',
      'PodDisruptionBudget/shop',
      'PodDisruptionBudget/shop-primary',
    ]);
    expect(objects.filter((o) => o.kind === 'Service' && !o.metadata.name.startsWith('shop-sessions'))).toEqual([]);
  });

  test('targets the Deployment, reads the Ingress, A/B matches, analysis in the user\'s terms', () => {
    expect(canary.spec).toMatchObject({
      provider: 'nginx',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
      ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'shop' },
      revertOnDeletion: true,
      service: { port: 80, targetPort: 8080 },
    });
    expect(canary.spec.analysis).toEqual({
      interval: '1m',
      threshold: 2,
      iterations: 12,
      match: [{ headers: { region: { exact: 'east-us' } } }],
      metrics: [
        { name: 'success-rate', templateRef: { name: 'shop-success-rate' }, thresholdRange: { min: 99 }, interval: '1m' },
        { name: 'latency-p99', templateRef: { name: 'shop-latency-p99' }, thresholdRange: { max: 500 }, interval: '1m' },
      ],
    });
    expect(only(objects, 'MetricTemplate', 'shop-success-rate').spec).toEqual({
      provider: { type: 'prometheus', address: PROM },
      query:
        '100 * sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",canary="{{ namespace }}-{{ target }}-canary-80",status!~"5.."}[{{ interval }}])) / ' +
        'sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",canary="{{ namespace }}-{{ target }}-canary-80"}[{{ interval }}]))',
    });
  });

  test('the Deployment keeps its replicas (the primary copies them), takes the new image, spreads with a match expression Flagger rewrites', () => {
    const d = only(objects, 'Deployment', 'shop');
    expect(d.spec.replicas).toBe(4);
    expect(d.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/shop:1.9.0');
    for (const c of d.spec.template.spec.topologySpreadConstraints) {
      expect(c.labelSelector).toEqual({
        matchLabels: { 'app.kubernetes.io/component': 'web', 'stateless.cdk8s.io/track': 'stable' },
        matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['shop'] }],
      });
    }
  });

  test('what Flagger creates: the primary keeps the session client label (NetworkPolicy), the PDB selects it, the Ingress reaches its apex Service', () => {
    const generated = engineGenerated(objects);
    const primary = only(generated, 'Deployment', 'shop-primary');
    expect(primary.spec.template.metadata.labels['stateless.cdk8s.io/session-client']).toBe('shop-sessions');
    const pdb = only(objects, 'PodDisruptionBudget', 'shop-primary');
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) expect(primary.spec.template.metadata.labels[k]).toBe(v);
    // the app's own PDB does not cover the primary
    const appPdb = only(objects, 'PodDisruptionBudget', 'shop');
    expect(Object.entries(appPdb.spec.selector.matchLabels).every(([k, v]) => primary.spec.template.metadata.labels[k] === v)).toBe(false);
    expect(only(generated, 'Service', 'shop').spec.selector).toEqual({ 'app.kubernetes.io/name': 'shop-primary' });
  });

  test('risks', () => {
    expect(risksOf(app)).toEqual([
      'CANARY_SHARED_SESSIONS',
      'ENGINE_ANALYSIS_AGGREGATE',
      'ENGINE_OWNS_PODS',
      'ENGINE_REWRITES_RENDERED_FIELDS',
      'FLAGGER_PRIMARY_COPY',
      'INGRESS_NGINX_RETIRED',
    ]);
    expect(canary.metadata.annotations!['risks.stateless.cdk8s.io/flagger-primary-copy']).toContain('Service shop is Flagger\'s once it runs the app, so the library does not render it after the commit that adopts Flagger.');
  });

  test('every object valid (engine objects against the v1.44.0 CRD with CEL), PSS restricted and lint over what will run', () => {
    expectValid(objects);
  });

  test('a weighted release without matches: stepWeights; a cookie becomes Flagger\'s cookie header match', () => {
    const w = shopChart();
    release(w.chart, w.shop, flagger({ steps: [5, 50] }));
    expect(only(synth(w.chart), 'Canary', 'shop').spec.analysis).toMatchObject({ stepWeights: [5, 50] });
    const c = shopChart();
    release(c.chart, c.shop, flagger(), { match: [CanaryMatch.cookie('canary')] });
    const spec = only(synth(c.chart), 'Canary', 'shop').spec.analysis;
    expect(spec.match).toEqual([{ headers: { cookie: { exact: 'canary' } } }]);
    expect(spec.stepWeights).toBeUndefined();
  });
});

describe('Flagger on Gateway API (weighted, with its version cookie)', () => {
  const { app, chart, shop } = shopChart({ gateway: true, app: { replicas: undefined, autoscaling: { minReplicas: 4, maxReplicas: 12 } } });
  release(chart, shop, flagger({ steps: [10, 30] }), { versionStickiness: true });
  const objects = synth(chart);
  const canary = only(objects, 'Canary', 'shop');

  test('no HTTPRoute and no Service shop: Flagger generates both; the Canary takes the route\'s Gateway and host', () => {
    expect(objects.filter((o) => o.kind === 'HTTPRoute')).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Service' && o.metadata.name === 'shop')).toEqual([]);
    expect(canary.spec.provider).toBe('gatewayapi:v1');
    expect(canary.spec.service).toEqual({ port: 80, targetPort: 8080, hosts: ['shop.example.com'], gatewayRefs: [{ name: 'public', namespace: 'gateways' }] });
    expect(canary.spec.autoscalerRef).toEqual({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'shop' });
    expect(canary.spec.analysis).toMatchObject({ stepWeights: [10, 30], sessionAffinity: { cookieName: 'shop-version' } });
    expect(canary.spec.ingressRef).toBeUndefined();
  });

  test('risks: no replicas to fight over with an HPA', () => {
    expect(risksOf(app)).toEqual(['CANARY_SHARED_SESSIONS', 'CANARY_STICKY_DRIFT', 'ENGINE_ANALYSIS_AGGREGATE', 'ENGINE_OWNS_PODS', 'FLAGGER_PRIMARY_COPY']);
    // Flagger's version cookie drifts differently from an ingress affinity cookie: its own text replaces the GitOps one
    expect(canary.metadata.annotations!['risks.stateless.cdk8s.io/canary-sticky-drift']).toMatch(/^With Flagger's session affinity every user who reached the canary keeps its cookie shop-version/);
  });

  test('every object valid', () => {
    expectValid(objects);
  });
});

describe('ReleaseEngine.gitOps() is the default', () => {
  test('same objects as without an engine', () => {
    const a = shopChart();
    new CanaryRelease(a.chart, 'release', { stable: a.shop, image: 'ghcr.io/acme/shop:1.9.0', match: [CanaryMatch.weight(10)] });
    const b = shopChart();
    const r = new CanaryRelease(b.chart, 'release', { stable: b.shop, image: 'ghcr.io/acme/shop:1.9.0', match: [CanaryMatch.weight(10)], engine: ReleaseEngine.gitOps() });
    const objects = synth(b.chart);
    expect(objects).toEqual(synth(a.chart));
    expect(kinds(objects.filter((o) => o.metadata.name.startsWith('shop-canary')))).toEqual([
      `Deployment/${r.name}`,
      'Ingress/shop-canary',
      `Service/${r.name}`,
    ]);
    expect(r.name).toMatch(/^shop-canary-[0-9a-f]{6}$/);
    expect(r.engine?.name).toBe('GitOps (a commit per step)');
    expect(r.deployment).toBeDefined();
  });

  test('with an engine the release has no canary Deployment, and its route is the engine object', () => {
    const a = shopChart();
    const r = release(a.chart, a.shop, argo());
    expect(r.deployment).toBeUndefined();
    expect(r.service).toBeUndefined();
    expect(r.route.kind).toBe('Rollout');
  });
});

describe('refusals', () => {
  const fails = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(StatelessErrors.isValidationError(e)).toBe(true);
      return (e as Error).message;
    }
    throw new Error('expected a ValidationError');
  };

  test.each([
    [
      'a weight match with Argo Rollouts',
      () => {
        const s = shopChart();
        release(s.chart, s.shop, argo(), { match: [CanaryMatch.weight(10)] });
      },
      "CanaryRelease 'shop/release': 'match' may not hold a weight with Argo Rollouts (the Rollout moves the weight through steps), got \"CanaryMatch.weight(10)\". Remove CanaryMatch.weight(...) and set steps, e.g. [10, 25, 50].",
    ],
    [
      'canary replicas with an engine',
      () => {
        const s = shopChart();
        release(s.chart, s.shop, argo(), { replicas: 2 });
      },
      "CanaryRelease 'shop/release': 'replicas' has no meaning with Argo Rollouts (the Rollout runs ceil(replicas x weight) canary pods at each step and moves the weight itself), got \"replicas\". Remove it; size the app itself (replicas or autoscaling of the StatelessWebApp) and set the weights with steps.",
    ],
    [
      'version stickiness with Argo Rollouts on nginx without a sticky route',
      () => {
        const s = shopChart();
        release(s.chart, s.shop, argo(), { versionStickiness: true });
      },
      "CanaryRelease 'shop/release': 'versionStickiness' needs cookie affinity on the stable route with ingress-nginx (affinity-canary-behavior: sticky keeps a user on a version through the stable route's affinity cookie), and the route shop is not sticky, got true. Route the stable app with a StickyIngress (create it before the CanaryRelease), or drop versionStickiness.",
    ],
    [
      'a header without value with Argo Rollouts on Gateway API',
      () => {
        const s = shopChart({ gateway: true });
        release(s.chart, s.shop, argo(), { match: [CanaryMatch.header('x-canary')] });
      },
      "CanaryRelease 'shop/release': 'match' needs a header value with Argo Rollouts on Gateway API (a setHeaderRoute matches a value; the always/never convention is ingress-nginx's), got \"CanaryMatch.header('x-canary')\". Use CanaryMatch.header(\"x-canary\", \"<value>\").",
    ],
    [
      'a cookie match with Argo Rollouts on Gateway API',
      () => {
        const s = shopChart({ gateway: true });
        release(s.chart, s.shop, argo(), { match: [CanaryMatch.cookie('canary')] });
      },
      "CanaryRelease 'shop/release': 'match' has no Gateway API equivalent for a cookie match (HTTPRoute matches headers, not cookies), got \"CanaryMatch.cookie('canary')\". Use CanaryMatch.header(...) instead.",
    ],
    [
      'a sticky Gateway API route without version stickiness on Argo Rollouts (checked by the Gateway API provider)',
      () => {
        const s = shopChart({ gateway: true, sticky: true });
        release(s.chart, s.shop, argo());
      },
      "CanaryRelease 'shop/release': 'versionStickiness' must be true on Gateway API when the stable route is sticky (sessionPersistence covers every backend of the weighted rule, so a user always stays on the version they got), got false. Set versionStickiness: true.",
    ],
    [
      'two header matches',
      () => {
        const s = shopChart();
        release(s.chart, s.shop, flagger(), { match: [CanaryMatch.header('a', '1'), CanaryMatch.header('b', '2')] });
      },
      "CanaryRelease 'shop/release': 'match' may hold one header match (exact or pattern) with ingress-nginx, got [\"CanaryMatch.header('a', '1')\",\"CanaryMatch.header('b', '2')\",\"(the weight Flagger moves, from 0)\"]. An ingress-nginx canary has one header, one cookie and one weight annotation; combine different kinds, not two of one kind.",
    ],
    [
      'steps with an A/B test on Flagger',
      () => {
        const s = shopChart();
        release(s.chart, s.shop, flagger({ steps: [10] }), { match: [CanaryMatch.header('region', 'east-us')] });
      },
      "CanaryRelease 'shop/release': 'engine' sets steps, which Flagger ignores for a release with header or cookie matches (\"If Flagger finds a HTTP match condition, it will ignore the maxWeight and stepWeight settings\"), got [10]. Remove steps (the A/B test runs `iterations` intervals), or remove the header and cookie matches for a weighted release.",
    ],
    [
      'a header without value on Flagger',
      () => {
        const s = shopChart();
        release(s.chart, s.shop, flagger(), { match: [CanaryMatch.header('x-canary')] });
      },
      "CanaryRelease 'shop/release': 'match' needs a header value with Flagger (an A/B match compares a value; a header without one means always/never, which Flagger has no match for), got \"CanaryMatch.header('x-canary')\". Use CanaryMatch.header(\"x-canary\", \"<value>\").",
    ],
    [
      'version stickiness with matches on Flagger',
      () => {
        const s = shopChart({ gateway: true });
        release(s.chart, s.shop, flagger(), { match: [CanaryMatch.header('region', 'east-us')], versionStickiness: true });
      },
      "CanaryRelease 'shop/release': 'versionStickiness' cannot be combined with header or cookie matches on Flagger (its session affinity belongs to a weighted release, and an A/B test ignores weights), got true. Drop versionStickiness (header and cookie users stay on the new version for the whole A/B test), or drop the matches for a weighted release.",
    ],
    [
      'version stickiness on Flagger with ingress-nginx',
      () => {
        const s = shopChart();
        release(s.chart, s.shop, flagger(), { versionStickiness: true });
      },
      "CanaryRelease 'shop/release': 'versionStickiness' has no Flagger support on ingress-nginx (Flagger's Canary Release with Session Affinity runs on Istio and Gateway API only), got true. Drop versionStickiness, use a header or cookie match (an A/B test keeps those users on the new version), or route the app with Gateway API.",
    ],
    [
      'a sticky HTTPRoute with Flagger',
      () => {
        const s = shopChart({ gateway: true, sticky: true });
        release(s.chart, s.shop, flagger(), { versionStickiness: true });
      },
      "CanaryRelease 'shop/release': 'stable' is routed by a sticky HTTPRoute (StickyIngress 'shop/route'), but Flagger generates the HTTPRoute shop itself, without sessionPersistence, so the affinity would be lost, got \"shop\". Remove the StickyIngress and set versionStickiness: true (Flagger's sessionAffinity cookie keeps each user on the version they got).",
    ],
    [
      'a releaseId with an engine',
      () => {
        const s = shopChart();
        release(s.chart, s.shop, flagger(), { releaseId: 'v1-9' });
      },
      "CanaryRelease 'shop/release': 'releaseId' has no meaning with Flagger (the engine keeps one canary Service for every release), got \"v1-9\". Remove releaseId.",
    ],
    [
      'an engine that ReleaseEngine did not build',
      () => {
        const s = shopChart();
        release(s.chart, s.shop, { name: 'mine' });
      },
      "CanaryRelease 'shop/release': 'engine' must be built with ReleaseEngine.gitOps(), .argoRollouts({...}) or .flagger({...}), got {\"name\":\"mine\"}. Use a ReleaseEngine factory.",
    ],
  ])('%s', (_name, fn, message) => {
    expect(fails(fn)).toBe(message);
  });

  test.each([
    [() => argo({ prometheusAddress: 'prometheus:9090' }), "ReleaseEngine.argoRollouts: 'prometheusAddress' must be an http:// or https:// URL, got \"prometheus:9090\". Use e.g. \"http://prometheus.monitoring:9090\"."],
    [() => argo({ steps: [10, 10] }), "ReleaseEngine.argoRollouts: 'steps' must be whole percentages from 1 to 100, each above the one before, got [10,10]. Use e.g. [10, 25, 50]; the engine promotes after the last step."],
    [() => argo({ steps: [] }), "ReleaseEngine.argoRollouts: 'steps' must list at least one weight, got []. Use e.g. [10, 25, 50]."],
    [() => argo({ stepPause: Duration.millis(500) }), "ReleaseEngine.argoRollouts: 'stepPause' must be whole seconds, at least 1 s, got \"0.5s\". Use e.g. Duration.minutes(5)."],
    // a Duration cdk8s cannot convert is a validation error, not a crash inside cdk8s
    [() => argo({ stepPause: Duration.millis(1500.5) }), "ReleaseEngine.argoRollouts: 'stepPause' must be a whole number of milliseconds, got \"1500.5ms\". Use e.g. Duration.minutes(5)."],
    [() => argo({ analysis: { interval: Duration.seconds(NaN) } }), "ReleaseEngine.argoRollouts: 'analysis.interval' must be a whole number of milliseconds, got \"NaNms\". Use e.g. Duration.minutes(1): a query window shorter than the scrape interval sees no samples."],
    [() => flagger({ prometheusAddress: '' }), "ReleaseEngine.flagger: 'prometheusAddress' must not be empty, got \"\". Pass the Prometheus that scrapes your traffic controller, e.g. \"http://prometheus.monitoring:9090\"."],
    [() => flagger({ iterations: 0 }), "ReleaseEngine.flagger: 'iterations' must be an integer from 1 to 1000, got 0. Use e.g. 10 analysis intervals for an A/B test."],
    [() => flagger({ stepInterval: Duration.millis(1500) }), "ReleaseEngine.flagger: 'stepInterval' must be whole seconds, at least 1 s, got \"1.5s\". Use e.g. Duration.minutes(1)."],
    [() => flagger({ analysis: { minSuccessRatePercent: 120 } }), "ReleaseEngine.flagger: 'analysis.minSuccessRatePercent' must be a percentage above 0 and at most 100, got 120. Use e.g. 99 (at most 1% of canary requests may fail)."],
    [() => flagger({ analysis: { maxLatencyP99Ms: 0 } }), "ReleaseEngine.flagger: 'analysis.maxLatencyP99Ms' must be an integer from 1 to 600000, got 0. Use the p99 latency the new version must stay under, e.g. Duration.millis(500)."],
    [() => flagger({ analysis: { maxLatencyP99: Duration.millis(0) } }), "ReleaseEngine.flagger: 'analysis.maxLatencyP99' must be an integer from 1 to 600000, got 0. Use the p99 latency the new version must stay under, e.g. Duration.millis(500)."],
    [
      () => flagger({ analysis: { maxLatencyP99: Duration.millis(300), maxLatencyP99Ms: 300 } }),
      "ReleaseEngine.flagger: 'analysis.maxLatencyP99Ms' cannot be combined with analysis.maxLatencyP99 (they say the same thing), got 300. Keep maxLatencyP99 (a Duration) and remove maxLatencyP99Ms.",
    ],
    [() => flagger({ analysis: { rollbackAfterFailures: 0 } }), "ReleaseEngine.flagger: 'analysis.rollbackAfterFailures' must be an integer from 1 to 100, got 0. Use e.g. 2: the release rolls back at the second failed check."],
    [() => argo({ analysis: { interval: Duration.seconds(5) } }), "ReleaseEngine.argoRollouts: 'analysis.interval' must be whole seconds, at least 10 s, got \"5s\". Use e.g. Duration.minutes(1): a query window shorter than the scrape interval sees no samples."],
    [() => argo({ analysis: { successRateQuery: ' ' } }), "ReleaseEngine.argoRollouts: 'analysis.successRateQuery' must be a PromQL query, got \" \". Pass the query as a string, or leave it out for the query of the app's traffic provider."],
  ])('options: %#', (fn, message) => {
    expect(fails(fn)).toBe(message);
  });

  test('a failed release leaves the app as it was (its Service, replicas and image; no canary on its route)', () => {
    const s = shopChart({ gateway: true });
    expect(() => release(s.chart, s.shop, argo(), { match: [CanaryMatch.cookie('canary')] })).toThrow();
    const objects = synth(s.chart);
    expect(objects.filter(isEngineObject)).toEqual([]);
    expect(only(objects, 'HTTPRoute', 'shop').spec.rules[0].backendRefs).toEqual([{ name: 'shop', port: 80 }]);
    expect(only(objects, 'Deployment', 'shop').spec.replicas).toBe(4);
    expect(only(objects, 'Deployment', 'shop').spec.template.spec.containers[0].image).toBe('ghcr.io/acme/shop:1.8.0');
    const f = shopChart();
    expect(() => release(f.chart, f.shop, flagger(), { versionStickiness: true })).toThrow();
    expect(synth(f.chart).filter((o) => o.kind === 'Service' && o.metadata.name === 'shop')).toHaveLength(1);
  });

  test('risk codes of the engines can be acknowledged', () => {
    const s = shopChart();
    release(s.chart, s.shop, flagger(), { acknowledgedRisks: [EngineRiskCode.FLAGGER_PRIMARY_COPY, RiskCode.CANARY_SHARED_SESSIONS] });
    synth(s.chart);
    const open = Warnings.of(s.app).unacknowledged.filter((r) => r.path === 'shop/release').map((r) => r.code);
    expect(open).not.toContain('FLAGGER_PRIMARY_COPY');
    expect(open).toContain('ENGINE_OWNS_PODS');
  });
});

describe('engines go through the route seam: the provider validates their matches', () => {
  const fails = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(StatelessErrors.isValidationError(e)).toBe(true);
      return (e as Error).message;
    }
    throw new Error('expected a ValidationError');
  };

  test.each([['Argo Rollouts', argo], ['Flagger', flagger]])('a header name ingress-nginx drops (x_canary) is refused with %s as without an engine', (_name, engine) => {
    const s = shopChart();
    expect(fails(() => release(s.chart, s.shop, engine(), { match: [CanaryMatch.header('x_canary', 'yes')] }))).toBe(
      "CanaryRelease 'shop/release': 'match.header' must use only letters, digits and \"-\" with ingress-nginx (nginx drops request headers whose names contain \"_\" or \".\" by default, and reads the rest with \"-\" as \"_\"), got \"x_canary\". Rename the header, e.g. \"x-canary\".",
    );
    // nothing of the release is left behind
    expect(synth(s.chart).filter(isEngineObject)).toEqual([]);
  });

  test('a provider without an engine part refuses the engine, naming the provider', () => {
    const s = shopChart();
    const nginx = TrafficProvider.ingressNginx();
    const bare: ITrafficProvider = {
      name: 'my-controller',
      routeKey: (i) => nginx.routeKey(i),
      validate: (i) => nginx.validate(i),
      render: (i) => nginx.render(i),
      describeServiceAffinity: (i) => nginx.describeServiceAffinity(i),
    };
    const shop = new StatelessWebApp(s.chart, 'other', { name: 'other', image: 'ghcr.io/acme/shop:1.8.0', host: 'other.example.com', traffic: bare });
    expect(fails(() => new CanaryRelease(s.chart, 'release', { stable: shop, image: 'ghcr.io/acme/shop:1.9.0', match: [], engine: argo() }))).toBe(
      "CanaryRelease 'shop/release': 'engine' has no Argo Rollouts support in the app's traffic provider my-controller (it has no releaseEngines part), got \"my-controller\". Route the app with a provider that supports the engine, or use ReleaseEngine.gitOps().",
    );
  });
});

describe('an engine derives the new version from the stable app as a GitOps canary does', () => {
  test.each([['Argo Rollouts', argo], ['Flagger', flagger]])('env values are written literally with %s (k$$y reaches the container as k$$y)', (_name, engine) => {
    const s = shopChart();
    release(s.chart, s.shop, engine(), { env: { GREETING: 'k$$y', PLAIN: 'a$(HOME)' } });
    const env = only(synth(s.chart), 'Deployment', 'shop').spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>;
    expect(env.find((e) => e.name === 'GREETING')!.value).toBe('k$$$$y');
    expect(env.find((e) => e.name === 'PLAIN')!.value).toBe('a$$(HOME)');
  });

  test.each([
    ['Argo Rollouts', argo, 'REDIS_SENTINELS'],
    ['Flagger', flagger, 'REDIS_PASSWORD'],
  ])('the session store connection cannot be replaced through the release env with %s', (_name, engine, variable) => {
    const s = shopChart();
    expect(() => release(s.chart, s.shop, engine(), { env: { [variable]: 'x' } })).toThrow(
      `CanaryRelease 'shop/release': 'env.${variable}' is set by the session store binding (preset generic), got "x". Remove it from env, or bind a different sessionEnvPreset; the store connection is injected for you.`,
    );
    const deployment = only(synth(s.chart), 'Deployment', 'shop');
    expect(deployment.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/shop:1.8.0');
  });

  test('a literal secret in the release env is reported (ENV_SECRET_LITERAL), on the engine path too', () => {
    const s = shopChart();
    release(s.chart, s.shop, argo(), { env: { STRIPE_API_KEY: 'sk_live_1' } });
    synth(s.chart);
    const risk = Warnings.of(s.app).risks.find((r) => r.path === 'shop/release' && r.code === 'ENV_SECRET_LITERAL');
    expect(risk?.message).toBe(
      'shop-canary sets STRIPE_API_KEY to a literal value in env: the value is written into the synthesized YAML, so it is in the GitOps repository and readable by anyone who can read the Deployment.',
    );
  });
});

describe('engine objects join the duplicate-object check', () => {
  test('Argo Rollouts\' canary Service collides with an app named shop-canary', () => {
    const s = shopChart();
    new StatelessWebApp(s.chart, 'other', { name: 'shop-canary', image: 'ghcr.io/acme/other:1.0.0' });
    expect(() => release(s.chart, s.shop, argo())).toThrow(
      "CanaryRelease 'shop/release': 'stable' gives the Service \"shop-canary\" in namespace \"shop\", which StatelessWebApp 'shop/other' also writes (one would overwrite the other on the cluster), got \"shop-canary\". Rename the other construct, or the stable app.",
    );
    // the failed release changed nothing of the app
    expect(only(synth(s.chart), 'Deployment', 'shop').spec.replicas).toBe(4);
  });
});

describe('Argo Rollouts on Traefik', () => {
  const { app, chart, shop } = shopChart({ traefik: true, sticky: true });
  release(chart, shop, argo(), { match: [CanaryMatch.header('region', 'east-us')], versionStickiness: true });
  const objects = synth(chart);
  const rollout = only(objects, 'Rollout', 'shop');

  test('the Rollout reweights the provider\'s weighted TraefikService, which starts at stable 100, canary 0', () => {
    expect(rollout.spec.strategy.canary.trafficRouting).toEqual({ traefik: { weightedTraefikServiceName: 'shop-split' } });
    const split = only(objects, 'TraefikService', 'shop-split');
    expect(split.spec.weighted.services.map((x: any) => [x.name, x.weight])).toEqual([['shop', 100], ['shop-canary', 0]]);
    expect(rollout.spec.strategy.canary.steps.some((step: any) => step.setHeaderRoute)).toBe(false);
  });

  test('the header match is a static route of the canary IngressRoute; the risks say so', () => {
    const canaryRoute = only(objects, 'IngressRoute', 'shop-canary');
    expect(canaryRoute.spec.routes[0].match).toContain('Header(`region`, `east-us`)');
    expect(canaryRoute.spec.routes[0].services[0].name).toBe('shop-canary');
    expect(risksOf(app)).toEqual(expect.arrayContaining(['ARGO_TRAEFIK_HEADER_ROUTE_STATIC', 'ENGINE_REWRITES_RENDERED_FIELDS']));
  });

  test('the version cookie drift says what Traefik does at weight 0 (it re-draws the canary\'s users)', () => {
    const drift = Warnings.of(app).risks.filter((r) => r.path === 'shop/release' && r.code === 'CANARY_STICKY_DRIFT');
    expect(drift).toHaveLength(1);
    expect(drift[0].message).toMatch(/^With version stickiness on Traefik .* at weight 0 .* Traefik skips the canary and re-draws every user pinned to it by weight/);
  });

  test('the analysis reads Traefik\'s service metrics', () => {
    const template = only(objects, 'AnalysisTemplate', 'shop-canary');
    expect(template.spec.metrics[0].provider.prometheus.query).toContain('traefik_service_request_duration_seconds_bucket{service=~"{{args.namespace}}-shop-canary-80@kubernetescrd"');
  });
});

describe('Flagger on Traefik', () => {
  test('the IngressRoute goes to the TraefikService Flagger generates once adopted, to the app\'s Service while adopting', () => {
    const s = shopChart({ traefik: true });
    release(s.chart, s.shop, flagger());
    const objects = synth(s.chart);
    expect(only(objects, 'Canary', 'shop').spec.provider).toBe('traefik');
    expect(only(objects, 'IngressRoute', 'shop').spec.routes[0].services).toEqual([{ kind: 'TraefikService', name: 'shop' }]);
    expect(objects.filter((o) => o.kind === 'TraefikService')).toEqual([]);
    const a = shopChart({ traefik: true });
    release(a.chart, a.shop, flagger({ adopted: false }), { image: 'ghcr.io/acme/shop:1.8.0' });
    const adopting = synth(a.chart);
    expect(only(adopting, 'IngressRoute', 'shop').spec.routes[0].services[0]).toMatchObject({ kind: 'Service', name: 'shop' });
    expect(only(adopting, 'Service', 'shop').metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': 'Prune=false' });
  });

  test.each([
    [
      { match: [CanaryMatch.header('region', 'east-us')] },
      "CanaryRelease 'shop/release': 'match' has no Flagger support on Traefik (Flagger's Traefik router only sets the weights of its TraefikService (pkg/router/traefik.go SetRoutes)), got \"CanaryMatch.header('region', 'east-us')\". Remove the header and cookie matches for a weighted release, or use Argo Rollouts, which keeps them as static routes.",
    ],
    [
      { versionStickiness: true },
      "CanaryRelease 'shop/release': 'versionStickiness' has no Flagger support on Traefik (Flagger's Traefik router only sets the weights of its TraefikService (pkg/router/traefik.go SetRoutes); its session affinity is Istio's and Gateway API's), got true. Drop versionStickiness, or use Argo Rollouts on Traefik.",
    ],
  ])('refused: %j', (props, message) => {
    const s = shopChart({ traefik: true });
    expect(() => release(s.chart, s.shop, flagger(), props)).toThrow(message);
  });
});

describe('adopting an engine is a commit of its own with the running version', () => {
  test.each([
    [
      'Argo Rollouts',
      () => ReleaseEngine.argoRollouts({ prometheusAddress: PROM }),
      "CanaryRelease 'shop/release': 'image' must be the image the app runs (ghcr.io/acme/shop:1.8.0) in the commit that adopts Argo Rollouts: Argo Rollouts promotes the first pod template a Rollout sees at once, without steps or analysis (rollout/sync.go shouldFullPromote: \"Initial deploy\"), got \"ghcr.io/acme/shop:1.9.0\". Adopt Argo Rollouts with image \"ghcr.io/acme/shop:1.8.0\", wait until `kubectl argo rollouts status shop` reports Healthy and Deployment shop runs 0 pods, then pass adopted: true to the engine and set the new version; if Argo Rollouts already runs the app, pass adopted: true.",
    ],
    [
      'Flagger',
      () => ReleaseEngine.flagger({ prometheusAddress: PROM }),
      "CanaryRelease 'shop/release': 'image' must be the image the app runs (ghcr.io/acme/shop:1.8.0) in the commit that adopts Flagger: Flagger copies Deployment shop as it is into shop-primary and marks the Canary Initialized without analysis (pkg/controller/scheduler.go advanceCanary), got \"ghcr.io/acme/shop:1.9.0\". Adopt Flagger with image \"ghcr.io/acme/shop:1.8.0\", wait until the Canary shop is Initialized, then pass adopted: true to the engine and set the new version; if Flagger already runs the app, pass adopted: true.",
    ],
  ])('a new image in the commit that adopts %s is refused', (_name, engine, message) => {
    const s = shopChart();
    expect(() => release(s.chart, s.shop, engine())).toThrow(message);
  });

  test('env in the adopting commit is refused (it changes the pod template the engine sees first)', () => {
    const s = shopChart();
    expect(() => release(s.chart, s.shop, ReleaseEngine.argoRollouts({ prometheusAddress: PROM }), { image: 'ghcr.io/acme/shop:1.8.0', env: { A: 'b' } })).toThrow(
      "CanaryRelease 'shop/release': 'env' must not change the pod template in the commit that adopts Argo Rollouts",
    );
  });

  test('Argo Rollouts: the adopting commit keeps the Deployment\'s replicas and says what comes next; no CANARY_SAME_IMAGE', () => {
    const s = shopChart();
    release(s.chart, s.shop, ReleaseEngine.argoRollouts({ prometheusAddress: PROM }), { image: 'ghcr.io/acme/shop:1.8.0' });
    expect(only(synth(s.chart), 'Deployment', 'shop').spec.replicas).toBe(4);
    expect(risksOf(s.app)).toContain('ENGINE_ADOPTION_IN_PROGRESS');
    expect(risksOf(s.app)).not.toContain('CANARY_SAME_IMAGE');
  });

  test('Flagger on Gateway API: the adopting commit keeps Service shop and HTTPRoute shop (Flagger takes them over), marked not to be pruned', () => {
    const s = shopChart({ gateway: true });
    release(s.chart, s.shop, ReleaseEngine.flagger({ prometheusAddress: PROM }), { image: 'ghcr.io/acme/shop:1.8.0' });
    const objects = synth(s.chart);
    const noPrune = { 'argocd.argoproj.io/sync-options': 'Prune=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };
    expect(only(objects, 'Service', 'shop').metadata.annotations).toMatchObject(noPrune);
    const route = only(objects, 'HTTPRoute', 'shop');
    expect(route.metadata.annotations).toMatchObject(noPrune);
    expect(route.spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'shop', port: 80 }] }]);
    // the next commit (adopted: true) renders neither
    const next = shopChart({ gateway: true });
    release(next.chart, next.shop, flagger());
    const after = synth(next.chart);
    expect(after.filter((o) => (o.kind === 'Service' || o.kind === 'HTTPRoute') && o.metadata.name === 'shop')).toEqual([]);
  });

  test('adopted must be a boolean', () => {
    expect(() => ReleaseEngine.flagger({ prometheusAddress: PROM, adopted: 'yes' as any })).toThrow(
      "ReleaseEngine.flagger: 'adopted' must be true or false, got \"yes\". Pass adopted: true or adopted: false (a boolean, not a string).",
    );
  });
});

describe('Flagger\'s Canary as its CRD and its routers read it', () => {
  test('an interval of an hour is written in minutes (the CRD pattern ^[0-9]+(m|s) refuses 1h)', () => {
    const s = shopChart();
    release(s.chart, s.shop, flagger({ stepInterval: Duration.hours(1), analysis: { interval: Duration.hours(2) } }));
    const canary = only(synth(s.chart), 'Canary', 'shop');
    expect(canary.spec.analysis.interval).toBe('60m');
    expect(canary.spec.analysis.metrics.map((m: any) => m.interval)).toEqual(['120m', '120m']);
    expect(crdErrors([canary])).toEqual([]);
  });

  test('the version cookie has the route\'s Path, Secure, HttpOnly and SameSite=Lax (Flagger writes only the attributes set)', () => {
    const s = shopChart({ gateway: true, app: { path: '/shop/' } });
    release(s.chart, s.shop, flagger(), { versionStickiness: true });
    const canary = only(synth(s.chart), 'Canary', 'shop');
    expect(canary.spec.analysis.sessionAffinity).toEqual({ cookieName: 'shop-version', path: '/shop', secure: true, httpOnly: true, sameSite: 'Lax' });
  });

  test.each([
    [undefined, '/api', [{ uri: { prefix: '/api' } }]],
    ['Exact', '/checkout', [{ uri: { exact: '/checkout' } }]],
    [undefined, '/', undefined],
  ])('on Gateway API the route\'s path reaches Flagger\'s HTTPRoute through service.match (%s %s)', (pathType, path, match) => {
    const s = shopChart({ gateway: true, app: { path, pathType: pathType as any } });
    release(s.chart, s.shop, flagger());
    expect(only(synth(s.chart), 'Canary', 'shop').spec.service.match).toEqual(match);
  });
});
