import Redis from 'ioredis';
import { RedisSessionStore, RedisTopology, StatelessWebApp } from '../src';
import { redisAvailable, StoreHarness } from './support/redis-harness';
import { newChart, only, synth } from './support/synth';

/**
 * Issue #14 item 7: least privilege with ACLs, on real redis-server / redis-sentinel with the configuration as
 * synthesized. Two apps bound to one Sentinel store each get their own user, password Secret and key prefix; the
 * store's password belongs to its internal users only.
 */
const STORE_PASSWORD = 'store-admin-pa55';
const SECRETS = {
  'sessions-auth': { password: STORE_PASSWORD },
  'sessions-web-auth': { password: 'web-pa55' },
  'sessions-api-auth': { password: 'api-pa55' },
};
const available = redisAvailable();
const e2e = available ? describe : describe.skip;
const REDIS = ['sessions-0', 'sessions-1', 'sessions-2'];
const SENTINELS = ['sessions-sentinel-0', 'sessions-sentinel-1', 'sessions-sentinel-2'];

jest.setTimeout(120_000);

e2e('ACL users on a Sentinel store (issue #14 item 7)', () => {
  const chart = newChart('shop');
  const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
  new StatelessWebApp(chart, 'web', { name: 'web', image: 'registry.example.com/web:1.0.0', sessionStore: store });
  new StatelessWebApp(chart, 'api', { name: 'api', image: 'registry.example.com/api:1.0.0', sessionStore: store });
  const objects = synth(chart);
  const h = new StoreHarness(objects, SECRETS);
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
    expect(web.REDIS_USERNAME).toBe('app-web');
    expect(web.REDIS_SENTINEL_USERNAME).toBe('app-web');
    expect(web.REDIS_PASSWORD).toBe('web-pa55');
    expect(web.REDIS_SENTINEL_PASSWORD).toBe('web-pa55');
    expect(web.REDIS_KEY_PREFIX).toBe('web:');
    expect(envOf('api').REDIS_USERNAME).toBe('app-api');
  });

  test('an app reads and writes its own keys, and cannot read another app\'s', () => {
    const p = primary();
    expect(as(p, 'app-web', 'web-pa55', ['SET', 'web:session:1', 'alice'])).toBe('OK');
    expect(as(p, 'app-web', 'web-pa55', ['HSET', 'web:session:2', 'lang', 'fr'])).toBe('1');
    expect(as(p, 'app-api', 'api-pa55', ['SET', 'api:session:1', 'bob'])).toBe('OK');
    expect(as(p, 'app-web', 'web-pa55', ['GET', 'web:session:1'])).toBe('alice');
    expect(as(p, 'app-web', 'web-pa55', ['GET', 'api:session:1'])).toMatch(/^NOPERM/);
    expect(as(p, 'app-web', 'web-pa55', ['DEL', 'api:session:1'])).toMatch(/^NOPERM/);
    expect(as(p, 'app-api', 'api-pa55', ['GET', 'web:session:1'])).toMatch(/^NOPERM/);
    // nor list them: SCAN, KEYS and RANDOMKEY would hand out other apps' session ids
    for (const args of [['SCAN', '0'], ['KEYS', '*'], ['RANDOMKEY']]) expect(as(p, 'app-web', 'web-pa55', args)).toMatch(/^NOPERM/);
    // and one app's password is not another's
    expect(as(p, 'app-api', 'web-pa55', ['PING'])).toMatch(/WRONGPASS/);
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
      expect([args.join(' '), as(p, 'app-web', 'web-pa55', args)]).toEqual([args.join(' '), expect.stringMatching(/^NOPERM/)]);
    }
    const s = 'sessions-sentinel-1';
    expect(as(s, 'app-web', 'web-pa55', ['SENTINEL', 'get-master-addr-by-name', 'mymaster']).split('\n')[1]).toBe(String(h.pod(p).port));
    for (const args of [
      ['SENTINEL', 'SET', 'mymaster', 'quorum', '1'],
      ['SENTINEL', 'FAILOVER', 'mymaster'],
      ['SENTINEL', 'RESET', '*'],
      ['SENTINEL', 'REMOVE', 'mymaster'],
      ['SENTINEL', 'CONFIG', 'SET', 'resolve-hostnames', 'no'],
      ['PUBLISH', '__sentinel__:hello', 'x'],
    ]) {
      expect([args.join(' '), as(s, 'app-web', 'web-pa55', args)]).toEqual([args.join(' '), expect.stringMatching(/^NOPERM/)]);
    }
  });

  test('the default user is disabled and the store password belongs to internal users only', () => {
    const p = primary();
    expect(h.cli(h.pod(p).port, ['PING'])).toMatch(/NOAUTH/);
    expect(as(p, 'default', STORE_PASSWORD, ['PING'])).toMatch(/WRONGPASS/);
    expect(as('sessions-sentinel-0', 'default', STORE_PASSWORD, ['PING'])).toMatch(/WRONGPASS/);
    // the probe user may PING and nothing else; replication and Sentinel connect with their own users
    expect(as(p, 'probe', STORE_PASSWORD, ['PING'])).toBe('PONG');
    expect(as(p, 'probe', STORE_PASSWORD, ['GET', 'web:session:1'])).toMatch(/^NOPERM/);
    expect(as(p, 'replicator', STORE_PASSWORD, ['GET', 'web:session:1'])).toMatch(/^NOPERM/);
    expect(as(p, 'sentinel', STORE_PASSWORD, ['FLUSHALL'])).toMatch(/^NOPERM/);
    const users = h.cli(h.pod(p).port, ['CLIENT', 'LIST'], STORE_PASSWORD).split('\n').map((l) => / user=(\S+)/.exec(l)?.[1]);
    expect(users.filter((u) => u === 'replicator')).toHaveLength(2);
    expect(users).toContain('sentinel');
    expect(users).not.toContain('default');
    // the configuration files hold password hashes, never the passwords
    for (const pod of [p, 'sessions-sentinel-0']) {
      expect(h.cli(h.pod(pod).port, ['ACL', 'LIST'], STORE_PASSWORD)).not.toMatch(/pa55/);
    }
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
      return as(primary(), 'app-web', 'web-pa55', ['GET', 'web:session:after']) === 'v2';
    }, 30_000, 'the client to write on the new primary');
    expect(await client.get('session:before')).toBe('v1');
    expect(await client.get('session:after')).toBe('v2');
  });
});
