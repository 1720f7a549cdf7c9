import { Chart, Testing } from 'cdk8s';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { RedisSessionStore, RedisTopology, SessionEnvPreset, StatelessWebApp } from '../src';
import { HaproxyProcess, haproxyAvailable, loopbackHaproxyConfig } from './support/haproxy';
import { freePort, StoreHarness, describeOnFlavours, Flavour } from './support/redis-harness';
import { only, synth } from './support/synth';

/**
 * the primary endpoint on real servers. The store's Redis and Sentinel pods run on real
 * redis-server / redis-sentinel (the harness), and the synthesized haproxy.cfg runs on the real `haproxy`
 * (Debian 12: 2.6), rewritten only for loopback addresses and ports, with the environment of the
 * synthesized HAProxy container (the password from the Secret, the namespace from the downward API).
 */
const PASSWORD = 'correct horse "battery" \\ staple';
/** The monitor user's own password (the Secret's monitor-password key): what HAProxy's health checks log in with. */
const MONITOR_PASSWORD = 'monit0r "check" \\ pa55';
const tools = haproxyAvailable();
const e2e = (name: string, body: (flavour: Flavour) => void) => describeOnFlavours(name, body, tools);

jest.setTimeout(150_000);

e2e('primary endpoint: the synthesized HAProxy in front of the real Sentinel topology', (flavour) => {
  const chart = new Chart(Testing.app(), 'hello', { namespace: 'hello' });
  const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL, primaryEndpoint: {} });
  new StatelessWebApp(chart, 'app', { name: 'plain-app', image: 'registry.example.com/plain-app:1.0.0', sessionStore: store });
  new StatelessWebApp(chart, 'node-app', {
    name: 'node-app', image: 'registry.example.com/node-app:1.0.0', sessionStore: store, sessionEnvPreset: SessionEnvPreset.NODE_REDIS,
  });
  const objects = synth(chart);
  // the store's password, and each app's own ACL user's (the Secret the store names for the app: <store>.<namespace>.<app>)
  const harness = new StoreHarness(objects, {
    'sessions-auth': { 'password': PASSWORD, 'monitor-password': MONITOR_PASSWORD },
    'sessions.hello.plain-app': { password: 'plain-app pa55' },
    'sessions.hello.node-app': { password: 'node-app pa55' },
  }, flavour);
  const redisPods = ['sessions-0', 'sessions-1', 'sessions-2'];
  const sentinelPods = ['sessions-sentinel-0', 'sessions-sentinel-1', 'sessions-sentinel-2'];
  let haproxy: HaproxyProcess | undefined;
  let client: Redis | undefined;
  let nodeClient: ReturnType<typeof createClient> | undefined;
  const ports = { redis: 0, health: 0 };

  const masterOf = (sentinel: string) =>
    harness.cli(harness.pod(sentinel).port, ['SENTINEL', 'get-master-addr-by-name', 'mymaster'], PASSWORD).split('\n').join(':');
  /** The port of the Redis server a fresh connection through HAProxy reaches. */
  const reachedPort = () => harness.cli(ports.redis, ['CONFIG', 'GET', 'port'], PASSWORD).split('\n')[1];
  const health = async () => (await fetch(`http://127.0.0.1:${ports.health}/healthz`)).status;

  beforeAll(async () => {
    await harness.allocate();
    for (const pod of redisPods) await harness.start(pod);
    await Promise.all(sentinelPods.map((p) => harness.start(p)));
    await harness.waitFor(
      () => ['sessions-1', 'sessions-2'].every((p) => /master_link_status:up/.test(harness.cli(harness.pod(p).port, ['INFO', 'replication'], PASSWORD))),
      30_000,
      'both replicas in sync',
    );
    ports.redis = await freePort();
    ports.health = await freePort();
    const cfg = only(objects, 'ConfigMap', 'sessions-primary').data['haproxy.cfg'] as string;
    const deployment = only(objects, 'Deployment', 'sessions-primary');
    const container = deployment.spec.template.spec.containers[0];
    // the container's environment as the kubelet resolves it (secretKeyRef); POD_NAMESPACE from the downward API
    const env = harness.clientEnvironment({ env: container.env.filter((e: any) => !e.valueFrom?.fieldRef) }, 'hello');
    expect(container.env.find((e: any) => e.name === 'POD_NAMESPACE').valueFrom.fieldRef.fieldPath).toBe('metadata.namespace');
    env.POD_NAMESPACE = 'hello';
    haproxy = new HaproxyProcess(loopbackHaproxyConfig(cfg, ports, (pod) => harness.pod(pod).port), env);
  });
  afterAll(async () => {
    client?.disconnect();
    await nodeClient?.destroy();
    await haproxy?.close();
    await harness.close();
  });

  test('the synthesized haproxy.cfg passes `haproxy -c` unchanged (apart from loopback), and the real one starts', async () => {
    const checked = haproxy!.check();
    expect(checked.output).toContain('Configuration file is valid');
    expect(checked.ok).toBe(true);
    haproxy!.start();
    await harness.waitFor(() => reachedPort() === String(harness.pod('sessions-0').port), 15_000, `HAProxy to route to the primary\n${haproxy!.log}`);
    expect(await health()).toBe(200);
    // the two replicas fail the ROLE check at once (no timeout) and are marked down
    const down = () => new Set(haproxy!.log.match(/primary\/redis-\d is DOWN/g) ?? []);
    await harness.waitFor(() => down().size === 2, 10_000, `both replicas marked down\n${haproxy!.log}`);
    expect([...down()].sort()).toEqual(['primary/redis-1 is DOWN', 'primary/redis-2 is DOWN']);
    expect(haproxy!.log).toContain('role-is-master');
    expect(haproxy!.log).not.toMatch(/redis-0 is DOWN/);
  });

  test('writes through the endpoint reach the primary, with the password from the Secret (spaces, quotes, backslash)', () => {
    expect(harness.cli(ports.redis, ['SET', 'sess:via-haproxy', '{"lang":"fr"}'])).toMatch(/NOAUTH/);
    expect(harness.cli(ports.redis, ['SET', 'sess:via-haproxy', '{"lang":"fr"}', 'EX', '3600'], PASSWORD)).toBe('OK');
    expect(harness.cli(ports.redis, ['ROLE'], PASSWORD).split('\n')[0]).toBe('master');
    expect(harness.cli(harness.pod('sessions-0').port, ['GET', 'sess:via-haproxy'], PASSWORD)).toBe('{"lang":"fr"}');
  });

  test('clients built from the GENERIC and NODE_REDIS presets\' REDIS_URL (ioredis, node-redis createClient: no Sentinel) keep working across a failover', async () => {
    const app = only(objects, 'Deployment', 'plain-app').spec.template.spec.containers[0];
    const appEnv = harness.clientEnvironment(app, 'hello');
    expect(appEnv.REDIS_URL).toBe('redis://sessions-primary.hello.svc.cluster.local:6379');
    expect(appEnv.REDIS_HOST).toBe('sessions-primary.hello.svc.cluster.local');
    expect(appEnv.REDIS_PORT).toBe('6379');
    // REDIS_URL names the ClusterIP Service <store>-primary; on loopback it is HAProxy's frontend
    client = new Redis(`redis://127.0.0.1:${ports.redis}`, { username: appEnv.REDIS_USERNAME, password: appEnv.REDIS_PASSWORD, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    client.on('error', () => undefined);
    expect(await client.set('hello.plain-app:sess:client', 'before')).toBe('OK');
    // and node-redis (createClient, no Sentinel) from the NODE_REDIS preset's REDIS_URL
    const nodeEnv = harness.clientEnvironment(only(objects, 'Deployment', 'node-app').spec.template.spec.containers[0], 'hello');
    expect(nodeEnv.REDIS_URL).toBe('redis://sessions-primary.hello.svc.cluster.local:6379');
    nodeClient = createClient({ url: `redis://127.0.0.1:${ports.redis}`, username: nodeEnv.REDIS_USERNAME, password: nodeEnv.REDIS_PASSWORD });
    nodeClient.on('error', () => undefined);
    await nodeClient.connect();
    expect(await nodeClient.set('hello.node-app:sess:node-client', 'before')).toBe('OK');

    const oldPrimaryPort = harness.pod('sessions-0').port;
    expect(harness.cli(oldPrimaryPort, ['GET', 'hello.plain-app:sess:client'], PASSWORD)).toBe('before');
    // acknowledged by both replicas before the fault, so the failover cannot lose it
    expect(harness.cli(oldPrimaryPort, [], PASSWORD, 'SET sess:acked yes\nWAIT 2 5000\n').split('\n')).toEqual(['OK', '2']);
    const killedAt = Date.now();
    await harness.kill('sessions-0');

    const failures: string[] = [];
    let firstWrite = -1;
    let n = 0;
    while (Date.now() - killedAt < 60_000) {
      try {
        await client.set('hello.plain-app:sess:client', `after-${++n}`);
        firstWrite = Date.now() - killedAt;
        break;
      } catch (e) {
        failures.push((e as Error).message);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const newPrimary = masterOf('sessions-sentinel-1');
    const newPrimaryPort = Number(newPrimary.split(':')[1]);
    // eslint-disable-next-line no-console
    console.log(
      `primary endpoint failover: sessions-0 killed; Sentinels promoted ${newPrimary}; the first write through HAProxy succeeded after ${firstWrite} ms ` +
        `(${failures.length} failed attempts meanwhile, distinct: ${[...new Set(failures)].join(' | ')})\n` +
        `HAProxy state changes:\n  ${haproxy!.log.split('\n').filter((l) => /is (UP|DOWN)/.test(l) && !l.startsWith('[')).join('\n  ')}`,
    );
    expect(firstWrite).toBeGreaterThanOrEqual(0);
    // detection (sentinelDownAfter 5 s) + election + HAProxy's check (every second, rise 1)
    expect(firstWrite).toBeLessThan(30_000);
    expect(newPrimaryPort).not.toBe(oldPrimaryPort);
    // the write is on the promoted replica, and so is what was acknowledged before
    expect(harness.cli(newPrimaryPort, ['GET', 'hello.plain-app:sess:client'], PASSWORD)).toBe(`after-${n}`);
    expect(harness.cli(newPrimaryPort, ['GET', 'sess:acked'], PASSWORD)).toBe('yes');
    // node-redis reconnects through the endpoint too (its connection to the dead primary was closed)
    const nodeStarted = Date.now();
    let nodeOk = false;
    while (!nodeOk && Date.now() - nodeStarted < 20_000) {
      nodeOk = await nodeClient.set('hello.node-app:sess:node-client', 'after').then((r) => r === 'OK', () => false);
      if (!nodeOk) await new Promise((r) => setTimeout(r, 200));
    }
    expect(nodeOk).toBe(true);
    expect(harness.cli(newPrimaryPort, ['GET', 'hello.node-app:sess:node-client'], PASSWORD)).toBe('after');
    expect(reachedPort()).toBe(String(newPrimaryPort));
    expect(await health()).toBe(200);
  });

  test('the old primary restarts as a replica and the endpoint stays on the new primary', async () => {
    const current = Number(masterOf('sessions-sentinel-1').split(':')[1]);
    await harness.start('sessions-0');
    await harness.waitFor(() => harness.cli(harness.pod('sessions-0').port, ['ROLE'], PASSWORD).split('\n')[0] === 'slave', 30_000, 'sessions-0 to rejoin as a replica');
    await new Promise((r) => setTimeout(r, 2500)); // more than two check intervals
    expect(reachedPort()).toBe(String(current));
    expect(await client!.set('hello.plain-app:sess:client', 'later')).toBe('OK');
    expect(harness.cli(current, ['GET', 'hello.plain-app:sess:client'], PASSWORD)).toBe('later');
  });

  test('with every Redis server down the health endpoint answers 503 (the pod is not ready) and connections are refused', async () => {
    const before = haproxy!.log.length;
    for (const pod of redisPods) await harness.kill(pod);
    await harness.waitFor(() => /redis-\d is DOWN.*0 active and 0 backup servers left/.test(haproxy!.log.slice(before)), 10_000, `every server down\n${haproxy!.log}`);
    expect(await health()).toBe(503);
    expect(harness.cli(ports.redis, ['PING'], PASSWORD)).not.toBe('PONG');
  });
});
