import { createHash } from 'crypto';
import Redis from 'ioredis';
import { RedisSessionStore, RedisTopology, StatelessWebApp } from '../src';
import { availableFlavours, Flavour, StoreHarness } from './support/redis-harness';
import { newChart, only, synth } from './support/synth';

/**
 * Least privilege with ACLs, on real servers (Valkey and Redis) with the configuration as synthesized. Two apps
 * bound to one Sentinel store each get their own user, password Secret and key prefix; the store's password
 * belongs to the admin user only, and every other internal role (probe, monitor, replicator, sentinel) has its own
 * credential.
 */
const STORE_PASSWORD = 'store-admin-pa55';
const MONITOR_PASSWORD = 'store-monitor-pa55';
const SECRETS = {
  'sessions-auth': { 'password': STORE_PASSWORD, 'monitor-password': MONITOR_PASSWORD },
  'sessions.shop.web': { password: 'web-pa55' },
  'sessions.shop.api': { password: 'api-pa55' },
};
/** The password of an internal role, as assets/redis/common.sh derives it (role_password). */
const rolePassword = (role: string) => createHash('sha256').update(`cdk8s-stateless/${role}/${STORE_PASSWORD}`).digest('hex');
const REDIS = ['sessions-0', 'sessions-1', 'sessions-2'];
const SENTINELS = ['sessions-sentinel-0', 'sessions-sentinel-1', 'sessions-sentinel-2'];

jest.setTimeout(120_000);

const suite = (flavour: Flavour) => describe(`${flavour}: ACL users on a Sentinel store`, () => {
  const chart = newChart('shop');
  const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
  new StatelessWebApp(chart, 'web', { name: 'web', image: 'registry.example.com/web:1.0.0', sessionStore: store });
  new StatelessWebApp(chart, 'api', { name: 'api', image: 'registry.example.com/api:1.0.0', sessionStore: store });
  const objects = synth(chart);
  const h = new StoreHarness(objects, SECRETS, flavour);
  const clients: Redis[] = [];
  const envOf = (app: string) => h.clientEnvironment(only(objects, 'Deployment', app).spec.template.spec.containers[0], 'shop');
  const as = (pod: string, user: string, password: string, args: string[]) => h.cli(h.pod(pod).port, args, password, undefined, user);
  const primary = () => {
    const port = h.cli(h.pod('sessions-sentinel-0').port, ['SENTINEL', 'get-master-addr-by-name', 'mymaster'], STORE_PASSWORD).split('\n')[1];
    return REDIS.find((p) => String(h.pod(p).port) === port)!;
  };

  beforeAll(async () => {
    await h.allocate();
    await Promise.all([...REDIS, ...SENTINELS].map((p) => h.start(p)));
    await h.waitFor(
      () => (h.cli(h.pod('sessions-0').port, ['INFO', 'replication'], STORE_PASSWORD).match(/state=online/g) ?? []).length === 2,
      30_000,
      'two replicas online',
    );
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await h.close();
  });

  test('each app gets its own user, Secret and key prefix in its environment', () => {
    const web = envOf('web');
    expect(web.REDIS_USERNAME).toBe('app.shop.web');
    expect(web.REDIS_SENTINEL_USERNAME).toBe('app.shop.web');
    expect(web.REDIS_PASSWORD).toBe('web-pa55');
    expect(web.REDIS_SENTINEL_PASSWORD).toBe('web-pa55');
    expect(web.REDIS_KEY_PREFIX).toBe('shop.web:');
    expect(envOf('api').REDIS_USERNAME).toBe('app.shop.api');
  });

  test('an app reads and writes its own keys, and cannot read another app\'s', () => {
    const p = primary();
    expect(as(p, 'app.shop.web', 'web-pa55', ['SET', 'shop.web:session:1', 'alice'])).toBe('OK');
    expect(as(p, 'app.shop.web', 'web-pa55', ['HSET', 'shop.web:session:2', 'lang', 'fr'])).toBe('1');
    expect(as(p, 'app.shop.api', 'api-pa55', ['SET', 'shop.api:session:1', 'bob'])).toBe('OK');
    expect(as(p, 'app.shop.web', 'web-pa55', ['GET', 'shop.web:session:1'])).toBe('alice');
    expect(as(p, 'app.shop.web', 'web-pa55', ['GET', 'shop.api:session:1'])).toMatch(/^NOPERM/);
    expect(as(p, 'app.shop.web', 'web-pa55', ['DEL', 'shop.api:session:1'])).toMatch(/^NOPERM/);
    expect(as(p, 'app.shop.api', 'api-pa55', ['GET', 'shop.web:session:1'])).toMatch(/^NOPERM/);
    // nor list them: SCAN, KEYS and RANDOMKEY would hand out other apps' session ids
    for (const args of [['SCAN', '0'], ['KEYS', '*'], ['RANDOMKEY']]) expect(as(p, 'app.shop.web', 'web-pa55', args)).toMatch(/^NOPERM/);
    // and one app's password is not another's
    expect(as(p, 'app.shop.api', 'web-pa55', ['PING'])).toMatch(/WRONGPASS/);
  });

  test('an app cannot run admin commands on the servers nor reconfigure the Sentinels', () => {
    const p = primary();
    for (const args of [
      ['REPLICAOF', 'NO', 'ONE'],
      ['CONFIG', 'SET', 'min-replicas-to-write', '0'],
      ['FLUSHALL'],
      ['FLUSHDB'],
      ['SLAVEOF', 'NO', 'ONE'],
      ['SWAPDB', '0', '1'],
      ['FUNCTION', 'FLUSH'],
      ['CLIENT', 'KILL', 'TYPE', 'replica'],
      ['ACL', 'LIST'],
      ['SHUTDOWN'],
    ]) {
      expect([args.join(' '), as(p, 'app.shop.web', 'web-pa55', args)]).toEqual([args.join(' '), expect.stringMatching(/^NOPERM/)]);
    }
    const s = 'sessions-sentinel-1';
    expect(as(s, 'app.shop.web', 'web-pa55', ['SENTINEL', 'get-master-addr-by-name', 'mymaster']).split('\n')[1]).toBe(String(h.pod(p).port));
    for (const args of [
      ['SENTINEL', 'SET', 'mymaster', 'quorum', '1'],
      ['SENTINEL', 'FAILOVER', 'mymaster'],
      ['SENTINEL', 'RESET', '*'],
      ['SENTINEL', 'REMOVE', 'mymaster'],
      ['SENTINEL', 'CONFIG', 'SET', 'resolve-hostnames', 'no'],
      ['PUBLISH', '__sentinel__:hello', 'x'],
    ]) {
      expect([args.join(' '), as(s, 'app.shop.web', 'web-pa55', args)]).toEqual([args.join(' '), expect.stringMatching(/^NOPERM/)]);
    }
  });

  test('the default user is disabled; the store password is admin\'s only; each internal role has its own credential', () => {
    const p = primary();
    expect(h.cli(h.pod(p).port, ['PING'])).toMatch(/NOAUTH/);
    expect(as(p, 'default', STORE_PASSWORD, ['PING'])).toMatch(/WRONGPASS/);
    expect(as('sessions-sentinel-0', 'default', STORE_PASSWORD, ['PING'])).toMatch(/WRONGPASS/);
    // the store password logs in as admin and as no other role; each role's credential only as that role
    for (const role of ['probe', 'monitor', 'replicator', 'sentinel']) {
      expect([role, as(p, role, STORE_PASSWORD, ['PING'])]).toEqual([role, expect.stringMatching(/WRONGPASS/)]);
    }
    for (const role of ['probe', 'replicator', 'sentinel']) {
      expect([role, as(p, 'admin', rolePassword(role), ['PING'])]).toEqual([role, expect.stringMatching(/WRONGPASS/)]);
    }
    expect(as(p, 'admin', MONITOR_PASSWORD, ['PING'])).toMatch(/WRONGPASS/);
    // the probe reads the replication state and nothing else; replication and Sentinel connect with their own users
    expect(as(p, 'probe', rolePassword('probe'), ['PING'])).toBe('PONG');
    expect(as(p, 'probe', rolePassword('probe'), ['INFO', 'replication'])).toMatch(/^role:master/m);
    expect(as(p, 'probe', rolePassword('probe'), ['GET', 'shop.web:session:1'])).toMatch(/^NOPERM/);
    expect(as(p, 'replicator', rolePassword('replicator'), ['GET', 'shop.web:session:1'])).toMatch(/^NOPERM/);
    expect(as(p, 'sentinel', rolePassword('sentinel'), ['FLUSHALL'])).toMatch(/^NOPERM/);
    const users = h.cli(h.pod(p).port, ['CLIENT', 'LIST'], STORE_PASSWORD).split('\n').map((l) => / user=(\S+)/.exec(l)?.[1]);
    expect(users.filter((u) => u === 'replicator')).toHaveLength(2);
    expect(users).toContain('sentinel');
    expect(users).not.toContain('default');
    // the configuration files hold password hashes, never the passwords
    for (const pod of [p, 'sessions-sentinel-0']) {
      expect(h.cli(h.pod(pod).port, ['ACL', 'LIST'], STORE_PASSWORD)).not.toMatch(/pa55/);
    }
  });

  test('monitor reads the metrics, and cannot read the configuration (CONFIG GET masterauth) or any key', () => {
    const p = primary();
    expect(as(p, 'monitor', MONITOR_PASSWORD, ['INFO', 'replication'])).toMatch(/^role:master/m);
    expect(as(p, 'monitor', MONITOR_PASSWORD, ['ROLE']).split('\n')[0]).toBe('master');
    for (const args of [['CONFIG', 'GET', 'masterauth'], ['CONFIG', 'GET', '*'], ['GET', 'shop.web:session:1'], ['ACL', 'LIST'], ['SET', 'x', 'y']]) {
      expect([args.join(' '), as(p, 'monitor', MONITOR_PASSWORD, args)]).toEqual([args.join(' '), expect.stringMatching(/^NOPERM/)]);
    }
  });

  test('an app cannot count or watch other apps\' keys: no DBSIZE, INFO, CLIENT TRACKING', () => {
    const p = primary();
    for (const args of [['DBSIZE'], ['INFO'], ['INFO', 'keyspace'], ['CLIENT', 'TRACKING', 'ON', 'BCAST'], ['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'GETREDIR']]) {
      expect([args.join(' '), as(p, 'app.shop.web', 'web-pa55', args)]).toEqual([args.join(' '), expect.stringMatching(/^NOPERM/)]);
    }
    // over RESP3 on one connection, as the attack would run: HELLO 3 succeeds, CLIENT TRACKING ON BCAST does not
    const replies = h.cli(h.pod(p).port, [], 'web-pa55', 'HELLO 3\nCLIENT TRACKING ON BCAST\n', 'app.shop.web');
    expect(replies).toMatch(/proto/);
    expect(replies).toMatch(/NOPERM/);
  });

  test('failover still works, and an app client built from its environment follows it as its own user', async () => {
    const env = envOf('web');
    const client = new Redis({
      sentinels: env.REDIS_SENTINELS.split(',').map((s) => ({ host: s.split(':')[0], port: Number(s.split(':')[1]) })),
      name: env.REDIS_SENTINEL_MASTER,
      username: env.REDIS_USERNAME,
      password: env.REDIS_PASSWORD,
      sentinelUsername: env.REDIS_SENTINEL_USERNAME,
      sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
      keyPrefix: env.REDIS_KEY_PREFIX,
      enableReadyCheck: false,
    });
    client.on('error', () => undefined);
    clients.push(client);
    expect(await client.set('session:before', 'v1')).toBe('OK');
    expect(await client.call('WAIT', '2', '5000')).toBe(2);

    const old = primary();
    await h.kill(old);
    await h.waitFor(() => primary() !== old && h.cli(h.pod(primary()).port, ['ROLE'], STORE_PASSWORD).startsWith('master'), 60_000, 'a replica to be promoted');
    await h.waitFor(() => {
      // ioredis reconnects through the Sentinels as app-web
      void client.set('session:after', 'v2').catch(() => undefined);
      return as(primary(), 'app.shop.web', 'web-pa55', ['GET', 'shop.web:session:after']) === 'v2';
    }, 30_000, 'the client to write on the new primary');
    expect(await client.get('session:before')).toBe('v1');
    expect(await client.get('session:after')).toBe('v2');
  });
});

const flavours = availableFlavours();
if (flavours.length === 0) describe.skip('ACL users (no server installed)', () => test('skipped', () => undefined));
for (const flavour of flavours) suite(flavour);
