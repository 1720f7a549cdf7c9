import { App, Chart, Duration, Size, Testing } from 'cdk8s';
import fc from 'fast-check';
import {
  AffinityMode,
  CanaryMatch,
  CanaryRelease,
  RedisSessionStore,
  RedisTopology,
  ServiceAffinity,
  SessionStore,
  StatelessErrors,
  StatelessWebApp,
  StickyIngress,
  TrafficProvider,
} from '../src';
import { invariantErrors } from './support/invariant';

/**
 * Every input is either a clear error or valid output.
 *
 * For every generated input to the public API, exactly one of:
 * - construction throws the library's ValidationError, whose message names the construct path (or the factory)
 *   and the prop, and the failed construct left nothing behind (not in the tree, and the chart synthesizes as
 *   it did without it);
 * - synthesis succeeds and `invariantErrors(objects)` is empty (schema, CRDs with CEL, API-server name rules,
 *   the YAML 1.1 re-read kubectl does).
 * Any other error (TypeError, RangeError, a cdk8s error, a late ValidationError at synth) fails the property, and
 * fast-check prints the shrunk counterexample.
 *
 * Fixed seed; bounded runs for CI (about 15 s on two cores). Many more locally: `npx projen property` (2000 runs per
 * property), or `PROPERTY_RUNS=<n> PROPERTY_SEED=<n> npx jest test/property.test.ts`.
 */

const SEED = Number(process.env.PROPERTY_SEED ?? 1313);
/** Runs per property: PROPERTY_RUNS, else 2000 with PROPERTY_LONG (`npx projen property`), else the bounded CI counts below. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? (process.env.PROPERTY_LONG ? 2000 : 0));
/** Runs per property: about 100 ms per run for the invariant, so the default keeps the file under a minute. */
function runs(ci: number): number {
  return RUNS > 0 ? RUNS : ci;
}
fc.configureGlobal({ seed: SEED, verbose: 1, endOnFailure: false });
jest.setTimeout(RUNS > 0 ? 24 * 3600_000 : 120_000);

const IMAGE = 'ghcr.io/acme/shop:1.9.0';

// ---- generators ----

/** What a plain-JS caller (or a jsii language) passes where a string/number/boolean/object is expected. */
const wrongType = fc.constantFrom<any>(null, 0, -1, 1.5, NaN, Infinity, '3', 'true', 'false', '', [], {}, ['a'], [null], true, false, { a: 1 });

const YAML_SPECIAL = ['yes', 'no', 'on', 'off', 'y', 'n', 'true', 'null', '0o644', '0644', '1e3', '0x1F', '0X1F', '0B1', '~', '&a', '*a', '---', '...', '-', ':', '#', '!x', '%x', '@x', '`x', '{}', '[]', '2001-12-14', '12:30', '.inf', '.nan', '1_000'];
const SHELL = ['$(id)', '`id`', '$HOME', 'a;b', 'a|b', 'a&&b', "a'b", 'a"b', 'a\\b', 'pa$$word', '${X}', '$(VAR)', '*', '?', '>x', '<x'];
const WEIRD = [' ', ' a', 'a ', 'a\n', '\n', '\t', 'a\tb', 'a\r\nb', '\u00a0', 'é', 'ａ', '\u200b', '\u2028', '\u0085', '\ufeff', '\u007f', '😀', 'a..b', 'a.-b', '-a', 'a-', 'A', 'a_b', 'a/b', 'a:b', '10.0.0.1', '::1', 'a#x', 'a?x', 'a%2Fb', '/api//v1', '/.well-known', '/v1.0'];

const dnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/);
const hostile: fc.Arbitrary<any> = fc.oneof(
  { arbitrary: fc.constantFrom(...YAML_SPECIAL, ...SHELL, ...WEIRD), weight: 4 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }), weight: 1 },
  { arbitrary: fc.oneof(fc.constant(63), fc.constant(64), fc.constant(253), fc.constant(254), fc.integer({ min: 200, max: 5000 })).map((n) => 'a'.repeat(n)), weight: 1 },
  { arbitrary: dnsLabel.map((l) => `${l}\n`), weight: 1 },
  { arbitrary: wrongType, weight: 2 },
);
/** Mostly valid, sometimes hostile: most runs reach synthesis. */
function mostly<T>(valid: fc.Arbitrary<T>, weight = 24): fc.Arbitrary<any> {
  return fc.oneof({ arbitrary: valid, weight }, { arbitrary: hostile, weight: 1 });
}
function opt(a: fc.Arbitrary<any>): fc.Arbitrary<any> {
  return fc.option(a, { nil: undefined, freq: 2 });
}
const boundaryInt = fc.constantFrom<any>(
  -1, 0, 1, 2, 3, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, 1.5, NaN, Infinity, -0,
);
function int(min: number, max: number): fc.Arbitrary<any> {
  return fc.oneof({ arbitrary: fc.integer({ min, max }), weight: 24 }, { arbitrary: boundaryInt, weight: 2 }, { arbitrary: wrongType, weight: 1 });
}
const duration: fc.Arbitrary<any> = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 600 }).map((s) => Duration.seconds(s)), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      Duration.millis(1500.5), Duration.seconds(NaN), Duration.seconds(0), Duration.millis(1),
      Duration.days(400), Duration.seconds(2 ** 40)),
    weight: 2,
  },
  { arbitrary: wrongType, weight: 1 },
);
const size: fc.Arbitrary<any> = fc.oneof(
  { arbitrary: fc.integer({ min: 64, max: 4096 }).map((n) => Size.mebibytes(n)), weight: 16 },
  { arbitrary: fc.integer({ min: 0, max: 4096 }).map((n) => Size.kibibytes(n)), weight: 1 },
  { arbitrary: fc.constantFrom(Size.gibibytes(1), Size.mebibytes(0), Size.mebibytes(0.5), Size.mebibytes(NaN), Size.kibibytes(512)), weight: 1 },
  { arbitrary: wrongType, weight: 1 },
);
const resources: fc.Arbitrary<any> = fc.oneof<any>(
  {
    arbitrary: fc.record({ memory: opt(fc.record({ request: opt(size), limit: opt(size) }, { requiredKeys: [] })) }, { requiredKeys: [] }),
    weight: 12,
  },
  { arbitrary: fc.constantFrom<any>({ memory: {} }, { cpu: {} }, { memory: { request: Size.kibibytes(512) } }, { memory: { request: Size.gibibytes(2), limit: Size.gibibytes(1) } }, null, 'x'), weight: 1 },
);
const image = fc.oneof(
  { arbitrary: fc.constantFrom(IMAGE, 'nginx:1.27', 'registry:5000/a/b@sha256:' + 'a'.repeat(64)), weight: 24 },
  { arbitrary: fc.constantFrom('nginx', 'nginx:latest', 'ghcr.io/acme/shop:1.9.0\n', 'Nginx:1', 'a b:1', 'https://ghcr.io/a:1', 'a:'), weight: 1 },
  { arbitrary: hostile, weight: 1 },
);
const envMap: fc.Arbitrary<any> = fc.oneof(
  { arbitrary: fc.dictionary(mostly(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/), 8), mostly(fc.stringMatching(/^[a-z0-9 ./:-]{0,16}$/), 5), { maxKeys: 3 }), weight: 6 },
  { arbitrary: wrongType, weight: 1 },
);
const hostName = mostly(fc.tuple(dnsLabel, fc.constantFrom('example.com', 'shop.test', 'io')).map(([a, b]) => `${a}.${b}`));
const path = mostly(fc.constantFrom('/', '/api', '/api/', '/shop/cart', '/v1', '/a-b_c'));
const acks = opt(fc.oneof(
  { arbitrary: fc.constant([]), weight: 24 },
  { arbitrary: fc.array(hostile, { minLength: 1, maxLength: 2 }), weight: 1 },
  { arbitrary: wrongType, weight: 1 },
));

const trafficOptions: fc.Arbitrary<any> = fc.oneof(
  fc.record({ kind: fc.constant('ingressNginx'), options: opt(fc.record({ ingressClassName: opt(mostly(dnsLabel)) }, { requiredKeys: [] })) }),
  fc.record({
    kind: fc.constant('gatewayApi'),
    options: mostly(fc.record({
      gatewayName: mostly(dnsLabel),
      gatewayNamespace: opt(mostly(dnsLabel)),
      sectionName: opt(mostly(dnsLabel)),
      experimentalFields: opt(mostly(fc.boolean())),
    }, { requiredKeys: ['gatewayName'] })),
  }),
  fc.record({ kind: fc.constant('traefik'), options: opt(fc.record({ entryPoints: opt(mostly(fc.array(mostly(dnsLabel), { maxLength: 2 }))) }, { requiredKeys: [] })) }),
);
function provider(t: any) {
  return (TrafficProvider as any)[t.kind](t.options);
}

const scaling: fc.Arbitrary<any> = fc.oneof(
  { arbitrary: fc.record({ replicas: opt(int(1, 12)) }, { requiredKeys: [] }), weight: 6 },
  {
    arbitrary: fc.record({
      autoscaling: mostly(fc.record({ minReplicas: opt(int(2, 5)), maxReplicas: int(5, 12), targetCpuUtilizationPercent: opt(int(1, 100)) }, { requiredKeys: ['maxReplicas'] })),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ replicas: int(0, 12), autoscaling: fc.record({ maxReplicas: int(0, 12) }) }), weight: 1 },
);
const appProps: fc.Arbitrary<any> = fc.tuple(fc.record({
  image,
  name: opt(mostly(dnsLabel)),
  port: opt(int(1, 65535)),
  servicePort: opt(int(1, 65535)),
  resources: opt(resources),
  env: opt(envMap),
  healthCheckPath: opt(path),
  host: opt(hostName),
  path: opt(path),
  pathType: opt(mostly(fc.constantFrom('Prefix', 'Exact'))),
  runAsUser: opt(int(1, 70000)),
  acknowledgedRisks: acks,
}, { requiredKeys: ['image'] }), scaling, fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: mostly(dnsLabel), weight: 1 })).map(([props, scale, tlsSecretName]) => ({
  ...props,
  ...scale,
  // TLS needs a host: mostly set together
  ...(tlsSecretName !== undefined ? { tlsSecretName, host: props.host ?? 'tls.example.com' } : {}),
}));

// ---- the invariant ----

interface Attempt {
  /** The id of the construct under test in the chart (undefined for a factory call that fails before any construct). */
  readonly id?: string;
  /** Everything before the construct under test (a base the construct needs). */
  readonly base?: (chart: Chart) => any;
  /** Builds the construct under test (and the factories it calls). */
  readonly build: (chart: Chart, base: any) => void;
}

function newChart(): { app: App; chart: Chart } {
  const app = Testing.app();
  return { app, chart: new Chart(app, 'shop', { namespace: 'shop' }) };
}

function quietly<T>(f: () => T): T {
  const write = process.stderr.write;
  const log = console.error;
  const warn = console.warn;
  (process.stderr as any).write = () => true;
  console.error = () => undefined;
  console.warn = () => undefined;
  try {
    return f();
  } finally {
    (process.stderr as any).write = write;
    console.error = log;
    console.warn = warn;
  }
}

function synth(chart: Chart): any[] {
  return quietly(() => Testing.synth(chart));
}

/** The details of a clear error: the library's ValidationError naming a construct path or a factory, and a prop. */
function clearError(error: unknown) {
  if (!StatelessErrors.isValidationError(error)) {
    throw new Error(`not a ValidationError: ${(error as any)?.stack ?? String(error)}`);
  }
  const d = StatelessErrors.details(error)!;
  const where = /^\w+ 'shop\/[^']+'$/.test(d.where) || /^[A-Z]\w+\.\w+$/.test(d.where);
  if (!where || !d.message.startsWith(`${d.where}: '${d.prop}' `) || d.prop.trim() === '') {
    throw new Error(`ValidationError without a construct path or factory and a prop: ${d.message}`);
  }
  return d;
}

/** Throws (so fast-check shrinks and prints) when the input breaks the invariant. */
function holds(attempt: Attempt): void {
  const { chart } = newChart();
  let base: any;
  try {
    base = quietly(() => attempt.base?.(chart));
  } catch (e) {
    // the base itself got a generated input (e.g. the stable app's traffic provider): a clear error is fine
    const d = clearError(e);
    refused(d);
    return;
  }
  let error: unknown;
  try {
    quietly(() => attempt.build(chart, base));
  } catch (e) {
    error = e;
  }
  if (error !== undefined) {
    const d = clearError(error);
    refused(d);
    if (attempt.id && chart.node.tryFindChild(attempt.id)) {
      throw new Error(`the failed construct '${attempt.id}' is still in the tree after: ${d.message}`);
    }
    const after = synth(chart);
    const { chart: clean } = newChart();
    attempt.base?.(clean);
    const expected = synth(clean);
    expect(after).toEqual(expected);
    return;
  }
  const objects = synth(chart);
  outcomes.synthesized++;
  const errors = invariantErrors(objects);
  if (errors.length > 0) throw new Error(`synthesized output that a cluster rejects or misreads:\n${errors.join('\n')}`);
}

/** What the runs of one property did: a property whose inputs are all refused checks no output. */
const outcomes = { synthesized: 0, refused: new Map<string, number>(), examples: new Map<string, string>() };
function refused(d: { prop: string; message: string }) {
  outcomes.refused.set(d.prop, (outcomes.refused.get(d.prop) ?? 0) + 1);
  const key = `${d.prop}: ${d.message.slice(0, 120)}`;
  if (!outcomes.examples.has(key)) outcomes.examples.set(key, d.message);
}

function property<T>(arb: fc.Arbitrary<T>, attempt: (input: T) => Attempt, numRuns: number) {
  outcomes.synthesized = 0;
  outcomes.refused.clear();
  outcomes.examples.clear();
  fc.assert(fc.property(arb, (input) => holds(attempt(input))), { numRuns: runs(numRuns) });
  if (process.env.PROPERTY_STATS) {
    console.log(`${expect.getState().currentTestName}: ${outcomes.synthesized} synthesized, refused by prop: ${JSON.stringify(Object.fromEntries(outcomes.refused))}\n${[...outcomes.examples.values()].join('\n')}`);
  }
  // at least a third of the runs reach synthesis and the full invariant
  expect(outcomes.synthesized).toBeGreaterThanOrEqual(Math.ceil(runs(numRuns) / 3));
}

// ---- the properties ----

describe('every input is either a clear error or valid output', () => {
  test('StatelessWebApp, with a traffic provider and ClientIP affinity', () => {
    const input = fc.record({
      props: appProps,
      traffic: opt(trafficOptions),
      clientIp: opt(mostly(fc.record({ justification: mostly(fc.constantFrom('legacy app keeps state in memory', 'x')), timeoutSeconds: opt(int(1, 86400)), acknowledgedRisks: acks }, { requiredKeys: ['justification'] }))),
    });
    property(input, (i) => ({
      id: 'web',
      build: (chart) => {
        const traffic = i.traffic ? provider(i.traffic) : undefined;
        const serviceAffinity = i.clientIp !== undefined ? ServiceAffinity.clientIp(i.clientIp) : undefined;
        new StatelessWebApp(chart, 'web', { ...i.props, traffic, serviceAffinity });
      },
    }), 150);
  });

  test('RedisSessionStore (standalone and Sentinel) used by an app', () => {
    const input = fc.record({
      name: opt(mostly(dnsLabel)),
      masterName: opt(mostly(fc.constantFrom('mymaster', 'sessions', 'a-b'))),
      sentinelDownAfter: opt(duration),
      failoverTimeout: opt(duration),
      passwordSecretName: opt(mostly(dnsLabel)),
      passwordSecretKey: opt(mostly(fc.constantFrom('password', 'auth-token', 'a.b_c'))),
      image: opt(fc.oneof({ arbitrary: fc.constant('docker.io/valkey/valkey:9.1.1'), weight: 12 }, { arbitrary: image, weight: 1 })),
      storageSize: opt(size),
      storageClassName: opt(mostly(dnsLabel)),
      resources: opt(resources),
      maxmemoryPolicy: opt(mostly(fc.constantFrom('noeviction', 'allkeys-lru', 'volatile-lru'))),
      clusterDomain: opt(mostly(fc.constantFrom('cluster.local', 'k8s.example'))),
      tlsSecretName: opt(mostly(dnsLabel)),
      acknowledgedRisks: acks,
    }, { requiredKeys: [] });
    const topology = fc.oneof(
      {
        arbitrary: fc.record({ topology: opt(fc.constant(RedisTopology.STANDALONE)), replicas: opt(mostly(fc.constant(1))) }, { requiredKeys: [] }),
        weight: 3,
      },
      { arbitrary: fc.record({ topology: fc.constant(RedisTopology.SENTINEL), replicas: opt(int(2, 5)), sentinels: opt(mostly(fc.constantFrom(3, 5, 7))) }, { requiredKeys: ['topology'] }), weight: 3 },
      { arbitrary: fc.record({ topology: mostly(fc.constantFrom('sentinel', 'standalone')), replicas: opt(int(0, 9)), sentinels: opt(fc.oneof(int(0, 9), fc.constantFrom(2 ** 31 - 1, 2 ** 32 + 1))) }), weight: 1 },
    );
    property(fc.tuple(input, topology).map(([p, t]) => ({ ...p, ...t })), (props) => ({
      id: 'sessions',
      build: (chart) => {
        const store = new RedisSessionStore(chart, 'sessions', props as any);
        new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, sessionStore: store });
      },
    }), 60);
  });

  test('SessionStore.external used by an app', () => {
    const input = fc.record({
      host: hostName,
      port: opt(int(1, 65535)),
      tls: opt(mostly(fc.boolean())),
      passwordSecretName: mostly(dnsLabel),
      passwordSecretKey: opt(mostly(fc.constantFrom('password', 'token'))),
      sentinelMasterName: opt(mostly(fc.constantFrom('mymaster', 'sessions'))),
    }, { requiredKeys: ['host', 'passwordSecretName'] });
    property(input, (props) => ({
      id: 'web',
      build: (chart) => {
        const store = SessionStore.external(props as any);
        new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, sessionStore: store });
      },
    }), 60);
  });

  test('StickyIngress on an app', () => {
    const input = fc.record({
      props: fc.record({
        host: opt(hostName),
        path: opt(path),
        port: opt(mostly(fc.constant(80))),
        pathType: opt(mostly(fc.constantFrom('Prefix', 'Exact'))),
        tlsSecretName: opt(mostly(dnsLabel)),
        name: opt(mostly(dnsLabel)),
        mode: mostly(fc.constantFrom(AffinityMode.BALANCED, AffinityMode.PERSISTENT)),
        justification: mostly(fc.constantFrom('vendor servlet keeps the basket in HttpSession', 'x')),
        cookie: opt(mostly(fc.record({
          name: opt(mostly(fc.constantFrom('route', 'SESSION_ROUTE', 'a-b'))),
          path: opt(path),
          domain: opt(hostName),
          maxAge: opt(duration),
          expires: opt(duration),
          secure: opt(mostly(fc.boolean())),
          sameSite: opt(mostly(fc.constantFrom('Lax', 'Strict', 'None'))),
          conditionalSameSiteNone: opt(mostly(fc.boolean())),
          changeOnFailure: opt(mostly(fc.boolean())),
        }, { requiredKeys: [] }))),
        acknowledgedRisks: acks,
      }, { requiredKeys: ['mode', 'justification'] }),
      traffic: opt(trafficOptions),
    });
    property(input, (i) => ({
      id: 'sticky',
      base: (chart) => new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, replicas: 3 }),
      build: (chart, web: StatelessWebApp) => {
        const traffic = i.traffic ? provider(i.traffic) : undefined;
        new StickyIngress(chart, 'sticky', { service: web.service, traffic, ...i.props });
      },
    }), 80);
  });

  test('CanaryRelease (matches, weights, releaseId) on an app', () => {
    const match: fc.Arbitrary<any> = fc.oneof(
      { arbitrary: int(0, 100).map((p) => ({ f: 'weight', args: [p] })), weight: 12 },
      { arbitrary: fc.tuple(mostly(fc.constantFrom('X-Canary', 'x-beta')), opt(mostly(fc.constantFrom('always', 'yes', 'v2')))).map((args) => ({ f: 'header', args })), weight: 2 },
      { arbitrary: fc.tuple(mostly(fc.constantFrom('X-Canary', 'x-beta')), mostly(fc.constantFrom('^v2$', 'beta.*', '(', 'a|b'))).map((args) => ({ f: 'headerPattern', args })), weight: 1 },
      { arbitrary: mostly(fc.constantFrom('canary', 'beta_user')).map((n) => ({ f: 'cookie', args: [n] })), weight: 1 },
      { arbitrary: wrongType.map((v) => ({ raw: v })), weight: 1 },
    );
    const input = fc.record({
      image,
      env: opt(envMap),
      replicas: opt(int(1, 6)),
      match: fc.oneof(
        // two matches of one kind are refused by every provider: mostly one of each kind
        { arbitrary: fc.array(match, { minLength: 1, maxLength: 2 }).filter((m) => m.length === 1 || m[0].f !== m[1].f), weight: 16 },
        { arbitrary: fc.array(match, { minLength: 0, maxLength: 3 }), weight: 1 },
        { arbitrary: wrongType, weight: 1 },
      ),
      weightTotal: opt(fc.oneof({ arbitrary: fc.constantFrom(100, 1000, 10000), weight: 8 }, { arbitrary: int(1, 1000000), weight: 1 })),
      versionStickiness: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 12 },
        { arbitrary: fc.constant(false), weight: 2 },
        { arbitrary: fc.constant(true), weight: 1 },
        { arbitrary: hostile, weight: 1 },
      ),
      releaseId: opt(mostly(fc.constantFrom('v2', 'r1', 'v1-10-0', '1'))),
      acknowledgedRisks: acks,
      traffic: opt(trafficOptions),
    });
    property(input, (i) => ({
      id: 'canary',
      base: (chart) => new StatelessWebApp(chart, 'web', {
        name: 'web', image: IMAGE, host: 'shop.example.com', replicas: 3, traffic: i.traffic ? provider(i.traffic) : undefined,
      }),
      build: (chart, stable: StatelessWebApp) => {
        const matches = Array.isArray(i.match)
          ? i.match.map((m: any) => (m === null || typeof m !== 'object' || 'raw' in m || !('f' in m) ? (m?.raw ?? m) : (CanaryMatch as any)[m.f](...m.args)))
          : i.match;
        const { traffic, ...props } = i;
        new CanaryRelease(chart, 'canary', { ...props, stable, match: matches });
      },
    }), 80);
  });

  test('object names are unique per kind and namespace across the App', () => {
    const names = fc.constantFrom('web', 'sessions', 'web-canary', 'shop', 'web-sticky');
    const input = fc.record({ first: names, second: names, store: names, secondIsStore: fc.boolean() });
    property(input, (i) => ({
      id: 'second',
      base: (chart) => new StatelessWebApp(chart, 'first', { name: i.first, image: IMAGE, host: 'shop.example.com' }),
      build: (chart) => {
        if (i.secondIsStore) new RedisSessionStore(chart, 'second', { name: i.store });
        else new StatelessWebApp(chart, 'second', { name: i.second, image: IMAGE, host: 'other.example.com' });
      },
    }), 30);
  });
});
