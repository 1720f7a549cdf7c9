import { Chart, Testing } from 'cdk8s';
import { PathType, RedisSessionStore, RiskCode, StatelessWebApp, Warnings } from '../src';
import { captureStderr, only, synth } from './support/synth';

const IMAGE = 'ghcr.io/acme/web:1.4.2';

function chartWithRisks(acknowledge = false) {
  const app = Testing.app();
  const chart = new Chart(app, 'test');
  new RedisSessionStore(chart, 'sessions', { name: 'sessions', acknowledgedRisks: acknowledge ? [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] : [] });
  new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, replicas: 1, acknowledgedRisks: acknowledge ? [RiskCode.APP_SINGLE_REPLICA] : [] });
  return { app, chart };
}

describe('Warnings', () => {
  test('every risk is listable in tests, with code, path, kind, message and remedy', () => {
    const { chart } = chartWithRisks();
    expect(Warnings.of(chart).risks.map((r) => [r.code, r.path, r.constructKind, r.acknowledged])).toEqual([
      [RiskCode.STORE_SINGLE_POINT_OF_FAILURE, 'test/sessions', 'RedisSessionStore', false],
      [RiskCode.APP_SINGLE_REPLICA, 'test/web', 'StatelessWebApp', false],
    ]);
    const single = Warnings.of(chart).risks.find((r) => r.code === RiskCode.APP_SINGLE_REPLICA)!;
    expect(single.message).toBe(
      'web runs 1 replica: a node drain, an eviction or a crash takes the app down until a new pod is ready, and no PodDisruptionBudget can protect a single pod.',
    );
    expect(single.remedy).toBe('Set replicas to 2 or more (or autoscaling with minReplicas >= 2).');
  });

  test('printed once per synth to stderr, even with several charts', () => {
    const { app } = chartWithRisks();
    new Chart(app, 'second');
    const err = captureStderr(() => app.synthYaml());
    expect(err.match(/cdk8s-stateless, App .* \(charts: test, second\): 2 unacknowledged risks/g)).toHaveLength(1);
    expect(err).toContain("[APP_SINGLE_REPLICA] StatelessWebApp 'test/web': web runs 1 replica");
    expect(err).toContain('Instead: Set replicas to 2 or more');
    expect(err).toContain("[STORE_SINGLE_POINT_OF_FAILURE] RedisSessionStore 'test/sessions': sessions is a standalone Redis");
  });

  test('and printed again by the next synth', async () => {
    const { app } = chartWithRisks();
    expect(captureStderr(() => app.synthYaml())).toContain('2 unacknowledged risks');
    await Promise.resolve();
    expect(captureStderr(() => app.synthYaml())).toContain('2 unacknowledged risks');
  });

  test('written into the YAML as annotations on the objects concerned', () => {
    const { chart } = chartWithRisks();
    const objects = synth(chart);
    expect(only(objects, 'Deployment').metadata.annotations).toEqual({
      'risks.stateless.cdk8s.io/app-single-replica':
        'web runs 1 replica: a node drain, an eviction or a crash takes the app down until a new pod is ready, and no PodDisruptionBudget can protect a single pod. ' +
        'Instead: Set replicas to 2 or more (or autoscaling with minReplicas >= 2).',
    });
    expect(Object.keys(only(objects, 'StatefulSet').metadata.annotations!)).toEqual(['risks.stateless.cdk8s.io/store-single-point-of-failure']);
  });

  test('acknowledged risks are not printed but stay annotated, with the acknowledgement', () => {
    const { app, chart } = chartWithRisks(true);
    const err = captureStderr(() => app.synthYaml());
    expect(err).toContain('no unacknowledged risks (2 acknowledged, not shown)');
    expect(err).not.toContain('[APP_SINGLE_REPLICA]');
    const annotations = only(synth(chart), 'Deployment').metadata.annotations!;
    expect(annotations['risks.stateless.cdk8s.io/app-single-replica']).toMatch(/^web runs 1 replica/);
    expect(annotations['risks.stateless.cdk8s.io/acknowledged']).toBe('APP_SINGLE_REPLICA');
    expect(Warnings.of(chart).unacknowledged).toEqual([]);
  });

  test('the report says how many were acknowledged', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test');
    new RedisSessionStore(chart, 'sessions', { name: 'sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
    new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, replicas: 1 });
    expect(Warnings.of(app).formatReport().split('\n')[0]).toBe(`cdk8s-stateless, App ${Warnings.of(app).appName}: 1 unacknowledged risk (1 acknowledged, not shown)`);
  });

  test('strict mode turns unacknowledged risks into synth errors', () => {
    const { app } = chartWithRisks();
    Warnings.of(app).strict = true;
    let error: Error | undefined;
    captureStderr(() => {
      try {
        app.synthYaml();
      } catch (e) {
        error = e as Error;
      }
    });
    expect(error?.message).toContain(
      "[test/web] strict mode: unacknowledged risk APP_SINGLE_REPLICA (StatelessWebApp). Fix the cause, or add APP_SINGLE_REPLICA to its 'acknowledgedRisks' " +
        '(or Warnings.of(scope).acknowledge(code, reason) for a chart or the App).',
    );
    expect(error?.message).toContain('[test/sessions] strict mode: unacknowledged risk STORE_SINGLE_POINT_OF_FAILURE (RedisSessionStore)');
  });

  test('strict mode from the environment (CDK8S_STATELESS_STRICT=true), satisfied by acknowledging', () => {
    process.env.CDK8S_STATELESS_STRICT = 'true';
    try {
      const failing = chartWithRisks();
      expect(() => captureStderr(() => failing.app.synthYaml())).toThrow(/strict mode: unacknowledged risk/);
      const ok = chartWithRisks(true);
      expect(() => captureStderr(() => ok.app.synthYaml())).not.toThrow();
    } finally {
      delete process.env.CDK8S_STATELESS_STRICT;
    }
  });

  test('one report per App, seen from any scope in it', () => {
    const a = chartWithRisks();
    const b = chartWithRisks();
    expect(Warnings.of(a.chart).risks).toEqual(Warnings.of(a.app).risks);
    Warnings.of(a.chart).strict = true;
    expect(Warnings.of(a.app).strict).toBe(true);
    expect(Warnings.of(b.app).strict).toBe(false);
    expect(Warnings.of(a.chart)).toBe(Warnings.of(a.chart));
  });
});

describe('acknowledgements take any registered code as a string, with a hint for a mistyped one', () => {
  test.each([
    ['INGRESS_NGINX_RETIRD', 'INGRESS_NGINX_RETIRED'],
    ['ingress-nginx-retired', 'INGRESS_NGINX_RETIRED'],
    ['APP_SINGLE_REPLIKA', 'APP_SINGLE_REPLICA'],
  ])('%s: did you mean %s', (typed, meant) => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, acknowledgedRisks: [typed] })).toThrow(
      `StatelessWebApp 'test/web': 'acknowledgedRisks' must list risk codes of cdk8s-stateless, got "${typed}". Did you mean "${meant}"? Use a registered code (`,
    );
  });

  test('a code far from every registered one gets the list only', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, acknowledgedRisks: ['NOPE'] })).toThrow(
      /got "NOPE"\. Use a registered code \(AFFINITY_/,
    );
  });

  test('a provider\'s code and a core code go in one list of strings (the session store too)', () => {
    const chart = new Chart(Testing.app(), 'test');
    new RedisSessionStore(chart, 'sessions', { name: 'sessions', acknowledgedRisks: ['STORE_SINGLE_POINT_OF_FAILURE'] });
    new StatelessWebApp(chart, 'web', {
      name: 'web',
      image: IMAGE,
      replicas: 1,
      host: 'web.example.com',
      path: '/items/[0-9]+',
      pathType: PathType.REGULAR_EXPRESSION,
      acknowledgedRisks: [RiskCode.APP_SINGLE_REPLICA, 'INGRESS_NGINX_REGEX_PATH'],
    });
    synth(chart);
    expect(Warnings.of(chart).unacknowledged.map((r) => r.code)).toEqual([]);
  });
});

describe('a literal value in an env variable named as a secret is reported', () => {
  test.each([['DB_PASSWORD', true], ['STRIPE_API_KEY', true], ['auth-token', true], ['PASSWORD_MIN_LENGTH', false], ['SECRET_KEY_BASE', true], ['TOKENIZER_MODE', false], ['LOG_LEVEL', false]])(
    '%s: %s',
    (name, reported) => {
      const chart = new Chart(Testing.app(), 'test');
      new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, env: { [name]: 'x' } });
      const risk = Warnings.of(chart).risks.find((r) => r.code === 'ENV_SECRET_LITERAL');
      expect(risk !== undefined).toBe(reported);
      if (risk) {
        expect(risk.message).toBe(
          `web sets ${name} to a literal value in env: the value is written into the synthesized YAML, so it is in the GitOps repository and readable by anyone who can read the Deployment.`,
        );
      }
    },
  );
});
