import { RedisSessionStore, RedisTopology, RiskCode, StatelessWebApp } from '../src';
import { StoreHarness, describeOnFlavours, Flavour } from './support/redis-harness';
import { newChart, synth } from './support/synth';
import { PRESTOP_BUDGET_SECONDS } from '../src/session/redis-session-store';

/**
 * The Redis and Sentinel configuration exactly as the library synthesizes it, booted on real
 * redis-server / redis-sentinel (Debian packages; `.ci/run` installs them).
 */
const PASSWORD = 'correct horse "battery" \\ staple';
const SECRETS = { 'sessions-auth': { password: PASSWORD } };
const e2e = (name: string, body: (flavour: Flavour) => void) => describeOnFlavours(name, body);

jest.setTimeout(120_000);

e2e('standalone store on a real redis-server', (flavour) => {
  const objects = synth(
    (() => {
      const chart = newChart('shop');
      new RedisSessionStore(chart, 'sessions', { name: 'sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
      return chart;
    })(),
  );
  const harness = new StoreHarness(objects, SECRETS, flavour);

  beforeAll(async () => {
    await harness.allocate();
    await harness.start('sessions-0');
  });
  afterAll(() => harness.close());

  test('auth is required: an unauthenticated command is refused, the password from the Secret works', () => {
    const port = harness.pod('sessions-0').port;
    expect(harness.cli(port, ['SET', 'session:anon', 'x'])).toMatch(/NOAUTH Authentication required/);
    expect(harness.cli(port, ['SET', 'session:anon', 'x'], 'wrong')).toMatch(/WRONGPASS/);
    expect(harness.cli(port, ['PING'], PASSWORD)).toBe('PONG');
  });

  test('AOF persistence: a key written survives a crash (SIGKILL) and restart on the same data directory', async () => {
    const port = harness.pod('sessions-0').port;
    expect(harness.cli(port, ['CONFIG', 'GET', 'appendonly'], PASSWORD)).toBe('appendonly\nyes');
    expect(harness.cli(port, ['SET', 'session:abc', '{"lang":"fr"}', 'EX', '3600'], PASSWORD)).toBe('OK');
    await new Promise((r) => setTimeout(r, 1500)); // appendfsync everysec
    await harness.kill('sessions-0');
    await harness.start('sessions-0');
    expect(harness.cli(port, ['GET', 'session:abc'], PASSWORD)).toBe('{"lang":"fr"}');
  });
});

e2e('Sentinel store on real redis-server and redis-sentinel', (flavour) => {
  const objects = synth(
    (() => {
      const chart = newChart('shop');
      new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
      return chart;
    })(),
  );
  const harness = new StoreHarness(objects, SECRETS, flavour);
  const redisPods = ['sessions-0', 'sessions-1', 'sessions-2'];
  const sentinelPods = ['sessions-sentinel-0', 'sessions-sentinel-1', 'sessions-sentinel-2'];
  const role = (pod: string) => harness.cli(harness.pod(pod).port, ['ROLE'], PASSWORD).split('\n')[0];
  const masterOf = (sentinel: string) =>
    harness.cli(harness.pod(sentinel).port, ['SENTINEL', 'get-master-addr-by-name', 'mymaster'], PASSWORD).split('\n').join(':');

  beforeAll(async () => {
    await harness.allocate();
    // a StatefulSet with OrderedReady starts pod n+1 when pod n is ready; Sentinels start in parallel
    for (const pod of redisPods) await harness.start(pod);
    await Promise.all(sentinelPods.map((pod) => harness.start(pod)));
  });
  afterAll(() => harness.close());

  test('one primary, two replicas, three Sentinels that agree on the primary', async () => {
    const primary = `127.0.0.1:${harness.pod('sessions-0').port}`;
    expect(redisPods.map(role)).toEqual(['master', 'slave', 'slave']);
    // replicas finish their first full sync (diskless, after Redis' 5 s batching delay)
    await harness.waitFor(
      () => ['sessions-1', 'sessions-2'].every((p) => /master_link_status:up/.test(harness.cli(harness.pod(p).port, ['INFO', 'replication'], PASSWORD))),
      30_000,
      'both replicas to be in sync',
    );
    await harness.waitFor(() => sentinelPods.every((s) => masterOf(s) === primary), 20_000, 'the Sentinels to agree');
    // each Sentinel found the two replicas and the two other Sentinels
    await harness.waitFor(
      () => {
        const info = harness.cli(harness.pod('sessions-sentinel-0').port, ['SENTINEL', 'master', 'mymaster'], PASSWORD).split('\n');
        const field = (k: string) => info[info.indexOf(k) + 1];
        return field('num-slaves') === '2' && field('num-other-sentinels') === '2' && field('quorum') === '2';
      },
      30_000,
      'Sentinel to see 2 replicas and 2 other Sentinels',
    );
  });

  test('the Sentinels themselves require the password', () => {
    expect(harness.cli(harness.pod('sessions-sentinel-1').port, ['SENTINEL', 'masters'])).toMatch(/NOAUTH/);
  });

  test('failover: a session acknowledged by the replicas survives; the old primary rejoins as a replica', async () => {
    const oldPrimary = harness.pod('sessions-0');
    // write a session and wait until both replicas acknowledge it (one connection: SET then WAIT)
    const reply = harness.cli(oldPrimary.port, [], PASSWORD, "SET session:rider-42 '{\"lang\":\"de\"}'\nWAIT 2 5000\n");
    expect(reply.split('\n')).toEqual(['OK', '2']);

    await harness.kill('sessions-0');
    const downAfterMs = 5000;
    const failoverTimeoutMs = 60000;
    const elapsed = await harness.waitFor(
      () => {
        const m = masterOf('sessions-sentinel-1');
        return m !== '' && m !== `127.0.0.1:${oldPrimary.port}` && !m.includes('ERR');
      },
      downAfterMs + failoverTimeoutMs,
      'a replica to be promoted',
    );
    const newPrimaryPort = Number(masterOf('sessions-sentinel-1').split(':')[1]);
    const newPrimary = redisPods.find((p) => harness.pod(p).port === newPrimaryPort)!;
    expect(['sessions-1', 'sessions-2']).toContain(newPrimary);
    // Sentinels name the promoted replica as soon as they pick it; it answers as master a moment later
    await harness.waitFor(() => role(newPrimary) === 'master', 10_000, `${newPrimary} to act as primary`);
    // eslint-disable-next-line no-console
    console.log(`failover: ${newPrimary} promoted ${elapsed} ms after the primary was killed`);
    expect(harness.cli(newPrimaryPort, ['GET', 'session:rider-42'], PASSWORD)).toBe('{"lang":"de"}');

    // the old primary restarts (same data directory) and must not come back as a second primary
    await harness.start('sessions-0');
    expect(harness.pod('sessions-0').log).toContain(`Sentinels report the primary 127.0.0.1:${newPrimaryPort}`);
    await harness.waitFor(() => role('sessions-0') === 'slave', 30_000, 'sessions-0 to be a replica');
    await harness.waitFor(
      () => harness.cli(harness.pod('sessions-0').port, ['GET', 'session:rider-42'], PASSWORD) === '{"lang":"de"}',
      30_000,
      'sessions-0 to replicate the session',
    );
    // the Sentinels reconfigure the other replica to follow the new primary: both replicas come back online
    await harness.waitFor(
      () => (harness.cli(newPrimaryPort, ['INFO', 'replication'], PASSWORD).match(/state=online/g) ?? []).length === 2,
      30_000,
      `${newPrimary} to have two online replicas`,
    );
    // and a write on the new primary reaches all replicas again
    expect(harness.cli(newPrimaryPort, [], PASSWORD, "SET session:after '{\"lang\":\"it\"}'\nWAIT 2 5000\n").split('\n')).toEqual(['OK', '2']);
  });

  test('a restarted Sentinel learns the current primary from its peers', async () => {
    const current = masterOf('sessions-sentinel-1');
    await harness.kill('sessions-sentinel-0');
    await harness.start('sessions-sentinel-0');
    expect(harness.pod('sessions-sentinel-0').log).toContain(`monitoring primary ${current}`);
    await harness.waitFor(() => masterOf('sessions-sentinel-0') === current, 10_000, 'the restarted Sentinel to agree');
    // and it finds its peers and the replicas again (hello messages every 2 s, INFO every 10 s)
    await harness.waitFor(
      () => {
        const info = harness.cli(harness.pod('sessions-sentinel-0').port, ['SENTINEL', 'master', 'mymaster'], PASSWORD).split('\n');
        const field = (k: string) => info[info.indexOf(k) + 1];
        return field('num-slaves') === '2' && field('num-other-sentinels') === '2';
      },
      30_000,
      'the restarted Sentinel to see 2 replicas and 2 other Sentinels',
    );
  });

  test('a graceful stop of the primary (its preStop hook) pauses writes, waits for the replicas, hands over, and the session survives', async () => {
    const primaryAddress = masterOf('sessions-sentinel-1');
    const primary = redisPods.find((p) => `127.0.0.1:${harness.pod(p).port}` === primaryAddress)!;
    const preStop = harness.container(primary).lifecycle.preStop.exec.command as string[];
    expect(preStop).toEqual(['sh', '/etc/redis/prestop-redis.sh']);
    const port = harness.pod(primary).port;
    expect(harness.cli(port, [], PASSWORD, "SET session:graceful '{\"lang\":\"nl\"}'\nWAIT 2 5000\n").split('\n')).toEqual(['OK', '2']);

    const started = Date.now();
    const out = await harness.runScript(primary, preStop);
    const handedOver = Date.now() - started;
    // every Sentinel names the new primary when the hook returns
    const next = masterOf('sessions-sentinel-1');
    expect(sentinelPods.map(masterOf)).toEqual([next, next, next]);
    expect(next).not.toBe(primaryAddress);
    expect(out).toContain(`Sentinels promoted ${next}`);
    // eslint-disable-next-line no-console
    console.log(`graceful stop: ${primary} handed the primary role to ${next} in ${handedOver} ms (down-after is 5000 ms)`);
    // the hook's own deadline bounds it (PRESTOP_BUDGET_SECONDS, plus one 3 s ask); the steps inside follow Sentinel's
    // periods (replica acknowledgements every 1 s, INFO every 1 s during a failover, hello messages every 2 s)
    expect(handedOver).toBeLessThan((PRESTOP_BUDGET_SECONDS + 3) * 1000);
    expect(out).toMatch(/writes paused[\s\S]*hold every write[\s\S]*failover requested/);
    await harness.stop(primary); // the kubelet's SIGTERM after preStop
    const nextPort = Number(next.split(':')[1]);
    expect(harness.cli(nextPort, ['GET', 'session:graceful'], PASSWORD)).toBe('{"lang":"nl"}');
  });

  test('preStop on a replica does nothing', async () => {
    const replica = redisPods.find((p) => harness.pod(p).process && role(p) === 'slave')!;
    const before = masterOf('sessions-sentinel-1');
    expect(await harness.runScript(replica, ['sh', '/etc/redis/prestop-redis.sh'])).toBe('');
    expect(masterOf('sessions-sentinel-1')).toBe(before);
  });
});

e2e('password Secrets the servers refuse at start', (flavour) => {
  const build = (topology: RedisTopology) => {
    const chart = newChart('shop');
    new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology, acknowledgedRisks: topology === RedisTopology.STANDALONE ? [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] : [] });
    return synth(chart);
  };
  const harnesses: StoreHarness[] = [];
  afterAll(async () => {
    for (const h of harnesses) await h.close();
  });
  const exitOf = async (h: StoreHarness, pod: string) => {
    await h.start(pod, { wait: false });
    const child = h.pod(pod).process!;
    await h.waitFor(() => child.exitCode !== null, 10_000, `${pod} to exit`);
    await new Promise((r) => setTimeout(r, 100)); // drain its output
    return { code: child.exitCode, log: h.pod(pod).log };
  };

  test('a password ending in a newline (kubectl create secret --from-file) stops the server with a clear line, not a failing probe', async () => {
    const h = new StoreHarness(build(RedisTopology.STANDALONE), { 'sessions-auth': { password: 's3cret\n' } }, flavour);
    harnesses.push(h);
    await h.allocate();
    const { code, log } = await exitOf(h, 'sessions-0');
    expect(code).toBe(1);
    expect(log).toContain('cdk8s-stateless: refusing to start: the password from the Secret ends with a line break (kubectl create secret --from-file keeps it).');
    // the same password without the newline starts, and server, probe and client agree on it
    const ok = new StoreHarness(build(RedisTopology.STANDALONE), { 'sessions-auth': { password: 's3cret' } }, flavour);
    harnesses.push(ok);
    await ok.allocate();
    await ok.start('sessions-0');
    expect(await ok.runScript('sessions-0', ['sh', '/etc/redis/probe.sh', 'redis'])).toBe('');
  });

  test('a Sentinel (and a Redis server) refuses to start with an empty password', async () => {
    const h = new StoreHarness(build(RedisTopology.SENTINEL), { 'sessions-auth': { password: '' } }, flavour);
    harnesses.push(h);
    await h.allocate();
    for (const pod of ['sessions-sentinel-0', 'sessions-0']) {
      const { code, log } = await exitOf(h, pod);
      expect(code).toBe(1);
      expect(log).toContain('cdk8s-stateless: refusing to start: the password from the Secret is empty or missing.');
    }
  });

  test('an app whose Secret is missing or ends with a newline gets no user; the store and the other apps keep working', async () => {
    const chart = newChart('shop');
    const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
    for (const name of ['web', 'api', 'admin-ui']) new StatelessWebApp(chart, name, { name, image: 'registry.example.com/app:1.0.0', sessionStore: store });
    const h = new StoreHarness(synth(chart), { 'sessions-auth': { password: 'store-pw' }, 'sessions.shop.web': { password: 'web-pw' }, 'sessions.shop.admin-ui': { password: 'ui-pw\n' } }, flavour);
    harnesses.push(h);
    await h.allocate();
    await h.start('sessions-0');
    const port = h.pod('sessions-0').port;
    expect(h.pod('sessions-0').log).toContain('cdk8s-stateless: no ACL user app.shop.api: the password in its Secret is empty or missing');
    expect(h.pod('sessions-0').log).toContain('cdk8s-stateless: no ACL user app.shop.admin-ui: the password in its Secret ends with a line break (kubectl create secret --from-file keeps it)');
    expect(h.cli(port, ['SET', 'shop.web:s', 'v'], 'web-pw', undefined, 'app.shop.web')).toBe('OK');
    expect(h.cli(port, ['PING'], '', undefined, 'app.shop.api')).toMatch(/WRONGPASS/);
    expect(h.cli(port, ['PING'], 'ui-pw\n', undefined, 'app.shop.admin-ui')).toMatch(/WRONGPASS/);
  });
});
