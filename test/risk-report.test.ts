import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import {
  AffinityMode,
  IngressNginxRiskCode,
  RedisSessionStore,
  RedisTopology,
  RiskCode,
  SessionStore,
  StatelessErrors,
  StatelessWebApp,
  StickyIngress,
  TrafficProvider,
  Warnings,
} from '../src';
import { captureStderr, K8sObject, only } from './support/synth';

// the report names its App, lists the prerequisites, refuses acknowledgements that match
// nothing, takes scope-wide acknowledgements with a reason, and is written as JSON for CI.

const IMAGE = 'ghcr.io/acme/web:1.4.2';
const WHY = 'the legacy servlet keeps the cart in HttpSession until SHOP-142 moves it to Redis';

/** Synthesize an App (validation included) and return its objects and what it printed; rethrows a synth error. */
function synthApp(app: App): { objects: K8sObject[]; stderr: string } {
  let objects: K8sObject[] = [];
  const stderr = captureStderr(() => {
    objects = app.charts.flatMap((c) => c.toJson() as K8sObject[]);
  });
  return { objects, stderr };
}

function synthError(app: App): string {
  try {
    synthApp(app);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the synth did not fail');
}

describe('the report names its App', () => {
  test('by its outdir and its charts', () => {
    const app = new App({ outdir: 'dist' });
    new StatelessWebApp(new Chart(app, 'shop'), 'web', { name: 'web', image: IMAGE, replicas: 1 });
    new Chart(app, 'billing');
    expect(Warnings.of(app).appName).toBe('dist (charts: shop, billing)');
    expect(synthApp(app).stderr.split('\n')[0]).toBe('cdk8s-stateless, App dist (charts: shop, billing): 1 unacknowledged risk');
  });

  test('an outdir outside the working directory is shown as an absolute path', () => {
    const outdir = path.join(os.tmpdir(), 'elsewhere');
    const app = new App({ outdir });
    new Chart(app, 'shop');
    expect(Warnings.of(app).appName).toBe(`${outdir} (chart: shop)`);
  });
});

describe('an acknowledgement that matches no risk of its construct fails the synth', () => {
  test('a StatelessWebApp with 2 replicas acknowledging APP_SINGLE_REPLICA', () => {
    const app = Testing.app();
    new StatelessWebApp(new Chart(app, 'shop'), 'web', { name: 'web', image: IMAGE, acknowledgedRisks: [RiskCode.APP_SINGLE_REPLICA] });
    expect(synthError(app)).toContain(
      "[shop/web] StatelessWebApp 'shop/web': 'acknowledgedRisks' lists APP_SINGLE_REPLICA, which this construct does not report (it reports no risk). " +
        'Remove the code: an acknowledgement that matches nothing would silently hide that risk if it appeared later.',
    );
  });

  test('an ingress-nginx code on a StickyIngress routed by Gateway API', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop');
    const web = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, sessionStore: SessionStore.external({ host: 'r.example.com', passwordSecretName: 'r-auth' }) });
    new StickyIngress(chart, 'sticky', {
      service: web.service,
      mode: AffinityMode.PERSISTENT,
      justification: WHY,
      traffic: TrafficProvider.gatewayApi({ gatewayName: 'public', experimentalFields: true }),
      acknowledgedRisks: [IngressNginxRiskCode.INGRESS_NGINX_RETIRED],
    });
    expect(synthError(app)).toContain(
      "[shop/sticky] StickyIngress 'shop/sticky': 'acknowledgedRisks' lists INGRESS_NGINX_RETIRED, which this construct does not report " +
        '(it reports AFFINITY_PERSISTENT_NO_REBALANCE, AFFINITY_UNEVEN_LOAD, GATEWAY_API_EXPERIMENTAL).',
    );
  });

  test('a code the provider reports only when the route is rendered is matched', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop');
    const web = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE });
    new StickyIngress(chart, 'sticky', {
      service: web.service,
      mode: AffinityMode.BALANCED,
      justification: WHY,
      acknowledgedRisks: [IngressNginxRiskCode.INGRESS_NGINX_RETIRED, RiskCode.AFFINITY_SECURE_COOKIE_WITHOUT_TLS],
    });
    const { objects } = synthApp(app);
    expect(only(objects, 'Ingress').metadata.annotations!['risks.stateless.cdk8s.io/acknowledged']).toBe('AFFINITY_SECURE_COOKIE_WITHOUT_TLS,INGRESS_NGINX_RETIRED');
  });
});

describe('Warnings.of(scope).acknowledge(code, reason)', () => {
  function twoCharts() {
    const app = Testing.app();
    const jobs = new Chart(app, 'jobs', { namespace: 'jobs' });
    const shop = new Chart(app, 'shop', { namespace: 'shop' });
    new StatelessWebApp(jobs, 'worker', { name: 'worker', image: IMAGE, replicas: 1 });
    new StatelessWebApp(shop, 'web', { name: 'web', image: IMAGE, replicas: 1 });
    return { app, jobs, shop };
  }

  test('acknowledges the risk below the scope only, with the reason in the report and in the YAML', () => {
    const { app, jobs } = twoCharts();
    Warnings.of(jobs).acknowledge(RiskCode.APP_SINGLE_REPLICA, 'a queue worker: one pod is enough, a restart only delays jobs');
    const { objects, stderr } = synthApp(app);
    const [worker, web] = Warnings.of(app).risks;
    expect(worker).toMatchObject({
      path: 'jobs/worker',
      acknowledged: true,
      acknowledgedBy: "Warnings.of('jobs')",
      reason: 'a queue worker: one pod is enough, a restart only delays jobs',
    });
    expect(web).toMatchObject({ path: 'shop/web', acknowledged: false });
    expect(web.reason).toBeUndefined();
    expect(stderr).toContain("[APP_SINGLE_REPLICA] StatelessWebApp 'shop/web'");
    expect(stderr).not.toContain("'jobs/worker'");
    expect(only(objects, 'Deployment', 'worker').metadata.annotations!['risks.stateless.cdk8s.io/acknowledged-reasons']).toBe(
      "APP_SINGLE_REPLICA: a queue worker: one pod is enough, a restart only delays jobs (Warnings.of('jobs'))",
    );
    expect(only(objects, 'Deployment', 'web').metadata.annotations!['risks.stateless.cdk8s.io/acknowledged-reasons']).toBeUndefined();
  });

  test('for the whole App, it satisfies strict mode', () => {
    const { app } = twoCharts();
    Warnings.of(app).strict = true;
    expect(() => synthApp(app)).toThrow(/strict mode: unacknowledged risk APP_SINGLE_REPLICA/);
    Warnings.of(app).acknowledge(RiskCode.APP_SINGLE_REPLICA, 'staging: one pod per app');
    expect(() => synthApp(app)).not.toThrow();
    expect(Warnings.of(app).unacknowledged).toEqual([]);
  });

  test('one that matches no risk below its scope fails the synth', () => {
    const { app, shop } = twoCharts();
    Warnings.of(shop).acknowledge(RiskCode.STORE_WITHOUT_TLS, 'the cache is in the same VPC');
    expect(synthError(app)).toContain(
      "Warnings.of('shop').acknowledge: STORE_WITHOUT_TLS matches no risk reported below 'shop'. " +
        'Remove the acknowledgement: one that matches nothing would silently hide that risk if it appeared later.',
    );
  });

  test.each([
    [
      'an unknown code',
      () => Warnings.of(new Chart(Testing.app(), 'shop')).acknowledge('APP_SINGLE_REPLIKA', 'typo'),
      "Warnings.of('shop').acknowledge: 'code' must be a risk code of cdk8s-stateless, got \"APP_SINGLE_REPLIKA\". Did you mean \"APP_SINGLE_REPLICA\"? Use a registered code (",
    ],
    [
      'a blank reason',
      () => Warnings.of(new Chart(Testing.app(), 'shop')).acknowledge(RiskCode.APP_SINGLE_REPLICA, ' '),
      "Warnings.of('shop').acknowledge: 'reason' must not be empty, got \" \". Write why the risk is accepted (e.g. \"TLS ends at the cloud load balancer; users only reach https://\"); it is written into the YAML.",
    ],
    [
      'a reason on two lines',
      () => Warnings.of(new Chart(Testing.app(), 'shop')).acknowledge(RiskCode.APP_SINGLE_REPLICA, 'one\ntwo'),
      "Warnings.of('shop').acknowledge: 'reason' must be one line, got \"one\\ntwo\". Write the reason on one line.",
    ],
  ])('refuses %s', (_name, call, message) => {
    expect(call).toThrow(message);
    try {
      call();
    } catch (e) {
      expect(StatelessErrors.isValidationError(e)).toBe(true);
    }
  });
});

describe('prerequisites: the Secrets to create before applying', () => {
  function shop() {
    const app = new App({ outdir: 'dist' });
    const data = new Chart(app, 'data', { namespace: 'data' });
    const store = new RedisSessionStore(data, 'sessions', { name: 'shop-sessions', topology: RedisTopology.SENTINEL });
    const web = new Chart(app, 'web', { namespace: 'shop' });
    new StatelessWebApp(web, 'shop', { name: 'shop', image: IMAGE, sessionStore: store, host: 'shop.example.com', tlsSecretName: 'shop-example-com-tls' });
    return app;
  }

  test('per namespace, with the keys and the objects that read them', () => {
    expect(Warnings.of(shop()).prerequisites).toEqual([
      { kind: 'Secret', namespace: 'data', name: 'shop-sessions-auth', keys: ['password'], usedBy: ['StatefulSet shop-sessions', 'StatefulSet shop-sessions-sentinel'] },
      { kind: 'Secret', namespace: 'shop', name: 'shop-example-com-tls', keys: ['tls.crt', 'tls.key'], usedBy: ['Ingress shop'] },
      { kind: 'Secret', namespace: 'shop', name: 'shop-sessions.shop.shop', keys: ['password'], usedBy: ['Deployment shop'] },
    ]);
  });

  test('printed with the risk report', () => {
    const lines = synthApp(shop()).stderr.split('\n');
    const start = lines.indexOf('  Prerequisites: create these before applying the YAML (the library never writes a secret into it):');
    expect(start).toBeGreaterThan(0);
    expect(lines.slice(start + 1, start + 4)).toEqual([
      '    Secret data/shop-sessions-auth: key "password" (used by StatefulSet shop-sessions, StatefulSet shop-sessions-sentinel)',
      '    Secret shop/shop-example-com-tls: keys "tls.crt", "tls.key" (used by Ingress shop)',
      '    Secret shop/shop-sessions.shop.shop: key "password" (used by Deployment shop)',
    ]);
  });

  test('a Secret the App defines itself is no prerequisite; an optional reference neither', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const web = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, sessionStore: SessionStore.external({ host: 'r.example.com', passwordSecretName: 'r-auth' }) });
    new ApiObject(chart, 'secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'r-auth' } });
    web.container.env.addVariable('FEATURE_FLAGS', { valueFrom: { secretKeyRef: { name: 'flags', key: 'json', optional: true } } } as never);
    expect(Warnings.of(app).prerequisites).toEqual([]);
  });
});

describe('the JSON report', () => {
  function app(outdir: string) {
    const a = new App({ outdir });
    const chart = new Chart(a, 'shop', { namespace: 'shop' });
    new RedisSessionStore(chart, 'sessions', { name: 'shop-sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
    new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, replicas: 1 });
    return a;
  }
  const expected = (name: string) => ({
    app: `${name} (chart: shop)`,
    outdir: name,
    charts: ['shop'],
    strictMode: false,
    risks: [
      expect.objectContaining({ code: 'STORE_SINGLE_POINT_OF_FAILURE', path: 'shop/sessions', acknowledged: true, acknowledgedBy: 'acknowledgedRisks of shop/sessions' }),
      expect.objectContaining({ code: 'APP_SINGLE_REPLICA', path: 'shop/web', acknowledged: false, constructKind: 'StatelessWebApp' }),
    ],
    prerequisites: [{ kind: 'Secret', namespace: 'shop', name: 'shop-sessions-auth', keys: ['password'], usedBy: ['StatefulSet shop-sessions'] }],
  });

  test('Warnings.of(app).writeJsonReport(path): every risk, acknowledged or not, and the prerequisites', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
    try {
      const a = app('dist');
      synthApp(a);
      const file = path.join(dir, 'ci', 'risks.json');
      Warnings.of(a).writeJsonReport(file);
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ apps: [expected('dist')] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('CDK8S_STATELESS_REPORT=<file>: every synth writes it, one entry per App of the process', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
    const file = path.join(dir, 'risks.json');
    process.env.CDK8S_STATELESS_REPORT = file;
    try {
      synthApp(app('dist-a'));
      synthApp(app('dist-b'));
      expect(JSON.parse(fs.readFileSync(file, 'utf8')).apps).toEqual(expect.arrayContaining([expected('dist-a'), expected('dist-b')]));
    } finally {
      delete process.env.CDK8S_STATELESS_REPORT;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a stateful store named after its construct path', () => {
  test('is reported: a refactor renames the StatefulSet and its volume claims', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const store = new RedisSessionStore(chart, 'sessions', { acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
    const risk = Warnings.of(app).risks.find((r) => r.code === RiskCode.STORE_NAME_FROM_CONSTRUCT_PATH)!;
    expect(risk.path).toBe('shop/sessions');
    expect(risk.message).toBe(
      `The name ${store.name} is derived from the construct path shop/sessions: moving or renaming the construct renames the StatefulSet ` +
        `and its volume claims (data-${store.name}-0, ...), so a GitOps prune deletes the old ones and the store comes back empty; ` +
        `the Secret to create is ${store.name}-auth.`,
    );
    expect(risk.remedy).toBe(`Set name explicitly (name: '${store.name}' keeps the objects you have now).`);
    expect(synthApp(app).stderr).toContain('[STORE_NAME_FROM_CONSTRUCT_PATH] RedisSessionStore \'shop/sessions\'');
  });

  test('not with an explicit name', () => {
    const app = Testing.app();
    new RedisSessionStore(new Chart(app, 'shop'), 'sessions', { name: 'shop-sessions' });
    expect(Warnings.of(app).risks.map((r) => r.code)).not.toContain(RiskCode.STORE_NAME_FROM_CONSTRUCT_PATH);
  });
});
