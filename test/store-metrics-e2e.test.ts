import { Chart, Testing } from 'cdk8s';
import { RedisSessionStore, RedisTopology } from '../src';
import { ExporterProcess, metricsToolsAvailable, promtool, Sample } from './support/metrics-tools';
import { freePort, StoreHarness, describeOnFlavours, Flavour } from './support/redis-harness';
import { only, synth } from './support/synth';

/**
 * The store's metrics and alerts on real tools: the store's Redis servers (real redis-server and redis-sentinel, the harness), an
 * exporter per Redis pod (Debian's prometheus-redis-exporter, run with the sidecar's environment, REDIS_ADDR
 * rewritten to the pod's loopback port), and the synthesized PrometheusRule evaluated by `promtool test rules`
 * on what the exporters really exported, labelled `namespace` and `pod` as a PodMonitor scrape is.
 * Each fault is real: a frozen replica (SIGSTOP), evictions, a lost replica, a second primary, every server down.
 */
const PASSWORD = 'metr1cs "pass" word';
/** The monitor user's own password (the Secret's monitor-password key): what the exporter logs in with. */
const MONITOR_PASSWORD = 'monit0r "scrape" pa55';
const tools = metricsToolsAvailable();
const e2e = (name: string, body: (flavour: Flavour) => void) => describeOnFlavours(name, body, tools);

jest.setTimeout(180_000);

/** The alerts' series, as `promtool` input: one line per sample, constant over the test window. */
type Scrape = Array<Sample & { pod: string }>;

e2e('store alerts, evaluated by promtool on real exporter scrapes of the real Sentinel topology', (flavour) => {
  const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
  new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL, metrics: { podMonitor: true, prometheusRule: true } });
  const objects = synth(chart);
  const harness = new StoreHarness(objects, { 'sessions-auth': { 'password': PASSWORD, 'monitor-password': MONITOR_PASSWORD } }, flavour);
  const redisPods = ['sessions-0', 'sessions-1', 'sessions-2'];
  const sentinelPods = ['sessions-sentinel-0', 'sessions-sentinel-1', 'sessions-sentinel-2'];
  const exporters = new Map<string, ExporterProcess>();
  const rule = only(objects, 'PrometheusRule', 'sessions');
  const rulesFile = JSON.stringify({ groups: rule.spec.groups }); // YAML is a superset of JSON
  const rules = rule.spec.groups[0].rules as Array<{ alert: string; labels: Record<string, string>; annotations: Record<string, string> }>;
  const alertNames = rules.map((r) => r.alert);
  const cli = (pod: string, args: string[]) => harness.cli(harness.pod(pod).port, args, PASSWORD);

  async function scrapeAll(): Promise<Scrape> {
    const out: Scrape = [];
    for (const [pod, exporter] of exporters) for (const s of await exporter.scrape()) out.push({ ...s, pod });
    return out;
  }

  /** promtool input series: every redis_* sample, with the labels a PodMonitor scrape adds. Two scrapes: before, then after. */
  function inputSeries(before: Scrape, after: Scrape = before): string {
    const key = (s: Sample & { pod: string }) => `${s.name}{${[s.labels, 'namespace="shop"', `pod="${s.pod}"`].filter((l) => l !== '').join(',')}}`;
    const series = new Map<string, [number | undefined, number | undefined]>();
    for (const s of before.filter((x) => x.name.startsWith('redis_'))) series.set(key(s), [s.value, undefined]);
    for (const s of after.filter((x) => x.name.startsWith('redis_'))) series.set(key(s), [series.get(key(s))?.[0], s.value]);
    // 0m-5m: the first scrape, 6m-15m: the second (missing: "_")
    const values = ([a, b]: [number | undefined, number | undefined]) =>
      [...Array(6).fill(a === undefined ? '_' : String(a)), ...Array(10).fill(b === undefined ? '_' : String(b))].join(' ');
    return [...series].map(([k, v]) => `      - series: '${k}'\n        values: '${values(v)}'`).join('\n');
  }

  /** Run promtool test rules: which of the store's alerts fire at `at` (the second scrape starts at 6m), with which labels. */
  function expectAlerts(before: Scrape, after: Scrape | undefined, firing: Record<string, Array<Record<string, string>>>, at = '15m'): void {
    const ruleOf = (name: string) => rules.find((r) => r.alert === name)!;
    const tests = alertNames
      .map((name) => {
        const expLabels = (labels: Record<string, string>) => ({ severity: ruleOf(name).labels.severity, ...labels });
        const alerts = (firing[name] ?? []).map((labels) => ({ exp_labels: expLabels(labels), exp_annotations: ruleOf(name).annotations }));
        return `      - eval_time: ${at}\n        alertname: ${name}\n        exp_alerts: ${JSON.stringify(alerts)}`;
      })
      .join('\n');
    const testFile = `rule_files: [rules.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n${inputSeries(before, after)}\n    alert_rule_test:\n${tests}\n`;
    const result = promtool(['test', 'rules', 'test.yaml'], { 'rules.yaml': rulesFile, 'test.yaml': testFile });
    if (!result.ok) throw new Error(`promtool test rules failed:\n${result.output}`);
  }

  beforeAll(async () => {
    await harness.allocate();
    for (const pod of redisPods) await harness.start(pod);
    await Promise.all(sentinelPods.map((p) => harness.start(p)));
    await harness.waitFor(
      () => ['sessions-1', 'sessions-2'].every((p) => /master_link_status:up/.test(cli(p, ['INFO', 'replication']))),
      30_000,
      'both replicas in sync',
    );
    const sidecar = only(objects, 'StatefulSet', 'sessions').spec.template.spec.containers.find((c: any) => c.name === 'metrics');
    for (const pod of redisPods) {
      const env = harness.clientEnvironment(sidecar, 'shop');
      expect(env.REDIS_ADDR).toBe('redis://localhost:6379');
      env.REDIS_ADDR = `redis://127.0.0.1:${harness.pod(pod).port}`; // localhost:6379 in the pod is its own Redis
      const exporter = new ExporterProcess(env, await freePort());
      exporters.set(pod, exporter);
      await exporter.start();
    }
  });
  afterAll(async () => {
    for (const pod of redisPods) harness.pod(pod).process?.kill('SIGCONT');
    for (const e of exporters.values()) await e.close();
    await harness.close();
  });

  test('promtool accepts the synthesized rules', () => {
    const checked = promtool(['check', 'rules', 'rules.yaml'], { 'rules.yaml': rulesFile });
    expect(checked.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(checked.ok).toBe(true);
  });

  test('a healthy store: every series the alerts use is exported, and no alert fires', async () => {
    const scrape = await scrapeAll();
    const find = (pod: string, name: string) => scrape.filter((s) => s.pod === pod && s.name === name);
    expect(find('sessions-0', 'redis_instance_info')[0].labels).toContain('role="master"');
    expect(find('sessions-1', 'redis_instance_info')[0].labels).toContain('role="slave"');
    expect(find('sessions-0', 'redis_connected_slaves')[0].value).toBe(2);
    expect(find('sessions-0', 'redis_connected_slave_lag_seconds')).toHaveLength(2);
    expect(find('sessions-0', 'redis_memory_max_bytes')[0].value).toBe(Math.floor(512 * 0.7) * 1024 * 1024);
    expect(find('sessions-0', 'redis_memory_used_bytes')[0].value).toBeGreaterThan(0);
    expect(find('sessions-0', 'redis_evicted_keys_total')[0].value).toBe(0);
    expectAlerts(scrape, undefined, {});
  });

  test('a frozen replica (SIGSTOP 7 s): SessionStoreReplicaLagging fires for it', async () => {
    const frozen = harness.pod('sessions-2');
    frozen.process!.kill('SIGSTOP');
    try {
      await new Promise((r) => setTimeout(r, 7000));
      const scrape = await scrapeAll();
      const lag = scrape.find((s) => s.pod === 'sessions-0' && s.name === 'redis_connected_slave_lag_seconds' && s.labels.includes(`slave_port="${frozen.port}"`))!;
      // eslint-disable-next-line no-console
      console.log(`frozen replica: the primary reports lag ${lag.value} s for it`);
      expect(lag.value).toBeGreaterThan(5);
      expectAlerts(scrape, undefined, {
        SessionStoreReplicaLagging: [{ alertname: 'SessionStoreReplicaLagging', pod: 'sessions-0', slave_ip: '127.0.0.1', slave_port: String(frozen.port) }],
      });
    } finally {
      frozen.process!.kill('SIGCONT');
    }
    // caught up: the primary sees both replicas acknowledge again (lag 0 or 1 s)
    await harness.waitFor(() => (cli('sessions-0', ['INFO', 'replication']).match(/state=online,offset=\d+,lag=[01]\b/g) ?? []).length === 2, 30_000, 'sessions-2 to catch up');
  });

  test('memory near maxmemory, then evictions: SessionStoreMemoryNearMax and SessionStoreSessionsEvicted fire', async () => {
    // a smaller maxmemory on the primary, so that a few MB of sessions reach it (the store sets 70% of the limit)
    const used = Number(/used_memory:(\d+)/.exec(cli('sessions-0', ['INFO', 'memory']))![1]);
    expect(cli('sessions-0', ['CONFIG', 'SET', 'maxmemory', String(used + 4 * 1024 * 1024)])).toBe('OK');
    try {
      const before = await scrapeAll();
      const value = 'x'.repeat(10_000);
      const sets = Array.from({ length: 1000 }, (_, i) => `SET sess:${i} ${value} EX 3600`).join('\n');
      harness.cli(harness.pod('sessions-0').port, [], PASSWORD, `${sets}\n`);
      const after = await scrapeAll();
      const evicted = after.find((s) => s.pod === 'sessions-0' && s.name === 'redis_evicted_keys_total')!.value;
      // eslint-disable-next-line no-console
      console.log(`evictions: ${evicted} sessions evicted on the primary`);
      expect(evicted).toBeGreaterThan(0);
      // the evictions happened at 6m: increase(...[5m]) sees them until 10m; memory has been high for 5m at 11m
      expectAlerts(before, after, { SessionStoreSessionsEvicted: [{ alertname: 'SessionStoreSessionsEvicted', namespace: 'shop', pod: 'sessions-0' }] }, '8m');
      expectAlerts(before, after, { SessionStoreMemoryNearMax: [{ alertname: 'SessionStoreMemoryNearMax', namespace: 'shop', pod: 'sessions-0' }] }, '15m');
    } finally {
      cli('sessions-0', ['FLUSHALL']);
      expect(cli('sessions-0', ['CONFIG', 'SET', 'maxmemory', String(Math.floor(512 * 0.7) * 1024 * 1024)])).toBe('OK');
    }
  });

  test('a replica lost: SessionStoreReplicaMissing fires; a second primary: SessionStoreMultiplePrimaries fires', async () => {
    await harness.kill('sessions-2');
    await harness.waitFor(() => /connected_slaves:1/.test(cli('sessions-0', ['INFO', 'replication'])), 10_000, 'the primary to count one replica');
    // sessions-1 promoted by hand, behind the Sentinels' back (an operator error, or a partition heal gone wrong)
    expect(cli('sessions-1', ['REPLICAOF', 'NO', 'ONE'])).toBe('OK');
    const scrape = (await scrapeAll()).filter((s) => s.pod !== 'sessions-2' || s.name === 'redis_up');
    expect(scrape.filter((s) => s.name === 'redis_instance_info' && s.labels.includes('role="master"')).map((s) => s.pod).sort()).toEqual(['sessions-0', 'sessions-1']);
    expectAlerts(scrape, undefined, {
      SessionStoreReplicaMissing: [{ alertname: 'SessionStoreReplicaMissing' }],
      SessionStoreMultiplePrimaries: [{ alertname: 'SessionStoreMultiplePrimaries' }],
    });
  });

  test('every Redis server down: SessionStoreNoPrimary fires (the exporters answer, with redis_up 0)', async () => {
    for (const pod of redisPods) await harness.kill(pod);
    const scrape = await scrapeAll();
    expect(scrape.filter((s) => s.name === 'redis_up').map((s) => s.value)).toEqual([0, 0, 0]);
    expect(scrape.filter((s) => s.name === 'redis_instance_info')).toEqual([]);
    expectAlerts(scrape, undefined, { SessionStoreNoPrimary: [{ alertname: 'SessionStoreNoPrimary', namespace: 'shop', role: 'master' }] });
  });
});
