import * as http from 'http';
import { Chart, Testing } from 'cdk8s';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import { createSentinel } from 'redis';
import { RedisSessionStore, RedisTopology, SessionEnvPreset, StatelessWebApp } from '../src';
import { freePort, redisAvailable, StoreHarness } from './support/redis-harness';
import { only, synth } from './support/synth';

/**
 * the NODE_REDIS Sentinel preset, end to end. The Redis and Sentinel pods are the ones
 * RedisSessionStore synthesizes (booted on real redis-server / redis-sentinel by the harness); the client is
 * node-redis' `createSentinel`, built from exactly the variables StatelessWebApp injects with
 * `SessionEnvPreset.NODE_REDIS`, and the sessions go through connect-redis as an express-session store.
 *
 * What the client does, read in its source (redis/node-redis, packages/client/lib/sentinel/index.ts, as
 * published in redis@6.3.1 / @redis/client@6.3.1):
 * - `connect()` asks the root Sentinels in turn (`SENTINEL SENTINELS|MASTER|REPLICAS <name>`); a Sentinel
 *   that errors is reported through the `error` event and the next is tried; when none answers it throws
 *   "None of the sentinels are available", and `#connect()` retries that after 1 s, up to
 *   `maxCommandRediscovers` (default 16) times, then `connect()` rejects. So a wrong name or password is
 *   not a hang, but the rejection's message does not name the cause: the cause is in the `error` events.
 *   (An unreachable resolved primary used to be a silent ~16 s wait, redis/node-redis#3066; PR #3329 proposed emitting
 *   `error` there; 6.3.1 has `#connectOrFail`, whose comment cites #3066, and rejects on the first connection error.)
 * - master clients use `nodeClientOptions` (password), Sentinel clients `sentinelClientOptions`; `url` is
 *   refused in both ("invalid nodeClientOptions for Sentinel").
 * - after a failover the client learns the new primary from the Sentinel's `switch-master` (and +sdown,
 *   +odown, ...) Pub/Sub messages, and a command whose master connection is not ready triggers a re-read
 *   of the topology (`execute()`: "client is not ready ... rediscover and retry").
 * - docs/sentinel.md documents `scanInterval` with default 10000 ms; the code defaults it to 0 (no periodic
 *   scan), so failover detection rests on the Pub/Sub subscription and on failing commands.
 * connect-redis 9 (tj/connect-redis, index.ts) calls `client.get`, `client.set(key, val, { expiration: { type: 'EX', value } })`,
 * `client.expire`, `client.del([key])`: plain node-redis commands, which RedisSentinel proxies to the primary.
 */
const PASSWORD = 'n0de-redis pa55 "quoted"';
/** The app's own ACL user's password (the Secret the store names for the app: <store>.<namespace>.<app>). */
const APP_PASSWORD = 'n0de-app pa55';
const SECRETS = { 'sessions-auth': { password: PASSWORD }, 'sessions.hello.node-app': { password: APP_PASSWORD } };
const available = redisAvailable();
const e2e = available ? describe : describe.skip;

jest.setTimeout(180_000);

/** The variables the NODE_REDIS preset injects for the Sentinel topology (and nothing else is read). */
const NODE_REDIS_SENTINEL_VARS = [
  'REDIS_KEY_PREFIX',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_NAME',
  'REDIS_SENTINEL_PASSWORD',
  'REDIS_SENTINEL_ROOT_NODES',
  'REDIS_SENTINEL_USERNAME',
  'REDIS_TLS',
  'REDIS_USERNAME',
];

/** A node-redis Sentinel client from exactly the NODE_REDIS variables, as an app would build it. */
function sentinelFromEnv(env: Record<string, string>) {
  const tls = env.REDIS_TLS === 'true';
  // connectTimeout bounds each connection attempt (node-redis' default is 5 s)
  const socket = tls ? { tls: true as const, connectTimeout: 2000 } : { connectTimeout: 2000 };
  return createSentinel({
    name: env.REDIS_SENTINEL_NAME,
    sentinelRootNodes: JSON.parse(env.REDIS_SENTINEL_ROOT_NODES) as Array<{ host: string; port: number }>,
    // the app's ACL user, as node-redis' docs/sentinel.md says to pass one: in nodeClientOptions and sentinelClientOptions
    nodeClientOptions: { username: env.REDIS_USERNAME, password: env.REDIS_PASSWORD, socket },
    sentinelClientOptions: { username: env.REDIS_SENTINEL_USERNAME, password: env.REDIS_SENTINEL_PASSWORD, socket },
  });
}

type SentinelClient = ReturnType<typeof sentinelFromEnv>;

/** A minimal express-session app: POST /?lang=xx stores it, GET reads it back. Store errors answer 503 with the message. */
async function sessionApp(client: SentinelClient, keyPrefix: string): Promise<{ port: number; close: () => Promise<void> }> {
  const middleware = session({
    store: new RedisStore({ client, prefix: `${keyPrefix}sess:` }),
    secret: 'e2e-secret',
    name: 'sid',
    resave: false,
    saveUninitialized: false,
  });
  const server = http.createServer((req, res) => {
    const send = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`${text}\n`);
    };
    middleware(req as any, res as any, (err?: unknown) => {
      if (err) return send(503, `session store: ${(err as Error).message ?? err}`);
      const s = (req as any).session as session.Session & { lang?: string };
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'POST') {
        (s as any).lang = url.searchParams.get('lang');
        return s.save((saveErr) => (saveErr ? send(503, `session store: ${saveErr.message}`) : send(200, `Language: ${(s as any).lang}`)));
      }
      return (s as any).lang ? send(200, `Language: ${(s as any).lang}`) : send(404, 'no session');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

e2e('NODE_REDIS preset: node-redis createSentinel + connect-redis on the real Sentinel topology', () => {
  const chart = new Chart(Testing.app(), 'hello', { namespace: 'hello' });
  const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
  new StatelessWebApp(chart, 'app', {
    name: 'node-app',
    image: 'registry.example.com/node-app:1.0.0',
    sessionStore: store,
    sessionEnvPreset: SessionEnvPreset.NODE_REDIS,
  });
  const objects = synth(chart);
  const harness = new StoreHarness(objects, SECRETS);
  const redisPods = ['sessions-0', 'sessions-1', 'sessions-2'];
  const sentinelPods = ['sessions-sentinel-0', 'sessions-sentinel-1', 'sessions-sentinel-2'];
  let env: Record<string, string>;
  let client: SentinelClient | undefined;
  let app: { port: number; close: () => Promise<void> } | undefined;
  const clientErrors: string[] = [];

  const masterOf = (sentinel: string) =>
    harness.cli(harness.pod(sentinel).port, ['SENTINEL', 'get-master-addr-by-name', 'mymaster'], PASSWORD).split('\n').join(':');

  beforeAll(async () => {
    await harness.allocate();
    for (const pod of redisPods) await harness.start(pod);
    await Promise.all(sentinelPods.map((p) => harness.start(p)));
    await harness.waitFor(
      () => ['sessions-1', 'sessions-2'].every((p) => /master_link_status:up/.test(harness.cli(harness.pod(p).port, ['INFO', 'replication'], PASSWORD))),
      30_000,
      'both replicas in sync',
    );

    const deployment = only(objects, 'Deployment', 'node-app');
    const container = deployment.spec.template.spec.containers[0];
    env = harness.clientEnvironment(container, 'hello');
    // REDIS_SENTINEL_ROOT_NODES names the Sentinel pods by their cluster DNS names; on loopback each is its
    // pod's port (the harness maps REDIS_SENTINELS of the generic preset the same way).
    const roots = JSON.parse(env.REDIS_SENTINEL_ROOT_NODES) as Array<{ host: string; port: number }>;
    env.REDIS_SENTINEL_ROOT_NODES = JSON.stringify(
      roots.map((r) => {
        expect(r.host).toMatch(/^sessions-sentinel-\d\.sessions-sentinel-headless\.hello\.svc\.cluster\.local$/);
        expect(r.port).toBe(26379);
        return { host: '127.0.0.1', port: harness.pod(r.host.split('.')[0]).port };
      }),
    );
  });
  afterAll(async () => {
    await app?.close();
    await client?.destroy().catch(() => undefined);
    await harness.close();
  });

  test('the preset injects exactly the node-redis Sentinel variables', () => {
    expect(Object.keys(env).sort()).toEqual(NODE_REDIS_SENTINEL_VARS);
    expect(env.REDIS_SENTINEL_NAME).toBe('mymaster');
    expect(env.REDIS_USERNAME).toBe('app.hello.node-app');
    expect(env.REDIS_KEY_PREFIX).toBe('hello.node-app:');
    expect(env.REDIS_PASSWORD).toBe(APP_PASSWORD);
    expect(env.REDIS_SENTINEL_PASSWORD).toBe(APP_PASSWORD);
    expect(env.REDIS_TLS).toBe('false');
  });

  test('createSentinel from the variables connects to the primary, and connect-redis stores and reads sessions', async () => {
    client = sentinelFromEnv(env);
    client.on('error', (e: unknown) => clientErrors.push(String((e as Error)?.message ?? e)));
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    app = await sessionApp(client, env.REDIS_KEY_PREFIX);
    const base = `http://127.0.0.1:${app.port}`;
    const post = await fetch(`${base}/?lang=fr`, { method: 'POST' });
    expect(post.status).toBe(200);
    expect(await post.text()).toBe('Language: fr\n');
    const cookie = post.headers.get('set-cookie')!.split(';')[0];
    expect(cookie).toMatch(/^sid=s%3A/);
    const get = await fetch(base, { headers: { cookie } });
    expect(await get.text()).toBe('Language: fr\n');
    // the session is in the primary, under connect-redis' prefix, with a TTL
    const sid = decodeURIComponent(cookie.slice('sid='.length)).slice(2).split('.')[0];
    const primaryPort = harness.pod('sessions-0').port;
    expect(JSON.parse(harness.cli(primaryPort, ['GET', `hello.node-app:sess:${sid}`], PASSWORD)).lang).toBe('fr');
    expect(Number(harness.cli(primaryPort, ['TTL', `hello.node-app:sess:${sid}`], PASSWORD))).toBeGreaterThan(0);
  });

  test('survives a failover: the primary is killed, sessions stay readable and writes resume on the promoted replica', async () => {
    const base = `http://127.0.0.1:${app!.port}`;
    const users: Array<{ lang: string; cookie: string }> = [];
    for (const lang of ['de', 'it', 'es', 'pt', 'nl', 'sv', 'da', 'fi']) {
      const res = await fetch(`${base}/?lang=${lang}`, { method: 'POST' });
      expect(await res.text()).toBe(`Language: ${lang}\n`);
      users.push({ lang, cookie: res.headers.get('set-cookie')!.split(';')[0] });
    }
    // plain writes are replicated asynchronously: wait until both replicas hold every session, so that what
    // this test measures is the client's failover, not the replication guarantee (stated in the README)
    await harness.waitFor(
      () => ['sessions-1', 'sessions-2'].every((p) => harness.cli(harness.pod(p).port, ['DBSIZE'], PASSWORD) === String(users.length + 1)),
      10_000,
      'both replicas to hold every session',
    );

    const oldPrimary = `127.0.0.1:${harness.pod('sessions-0').port}`;
    expect(masterOf('sessions-sentinel-0')).toBe(oldPrimary);
    const killedAt = Date.now();
    await harness.kill('sessions-0');

    const failures: string[] = [];
    let firstRead = -1;
    let firstWrite = -1;
    let writer: { cookie: string } | undefined;
    while (Date.now() - killedAt < 60_000 && (firstRead < 0 || firstWrite < 0)) {
      const controller = AbortSignal.timeout(10_000);
      try {
        if (firstRead < 0) {
          const res = await fetch(base, { headers: { cookie: users[0].cookie }, signal: controller });
          const text = await res.text();
          if (res.status === 200 && text === `Language: ${users[0].lang}\n`) firstRead = Date.now() - killedAt;
          else failures.push(`GET ${res.status} ${text.trim()}`);
        }
        if (firstWrite < 0) {
          const res = await fetch(`${base}/?lang=el`, { method: 'POST', signal: controller });
          const text = await res.text();
          if (res.status === 200) {
            firstWrite = Date.now() - killedAt;
            writer = { cookie: res.headers.get('set-cookie')!.split(';')[0] };
          } else {
            failures.push(`POST ${res.status} ${text.trim()}`);
          }
        }
      } catch (e) {
        failures.push(`request: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const newPrimary = masterOf('sessions-sentinel-1');
    const distinct = [...new Set(failures)];
    // eslint-disable-next-line no-console
    console.log(
      `node-redis failover: primary ${oldPrimary} killed; Sentinels promoted ${newPrimary}; first session read after ${firstRead} ms, ` +
        `first session write after ${firstWrite} ms; ${failures.length} failed requests meanwhile, distinct answers:\n  ${distinct.join('\n  ')}\n` +
        `client error events meanwhile: ${clientErrors.length} (first: ${clientErrors.slice(0, 3).join(' | ')})`,
    );
    expect(firstRead).toBeGreaterThanOrEqual(0);
    expect(firstWrite).toBeGreaterThanOrEqual(0);
    expect(newPrimary).not.toBe(oldPrimary);
    // detection (sentinelDownAfter 5 s) + election + the client's rediscovery: well under the bound
    expect(firstWrite).toBeLessThan(30_000);

    // every session written before the kill is still there, read through the client after the failover
    for (const user of users) {
      const res = await fetch(base, { headers: { cookie: user.cookie } });
      expect(await res.text()).toBe(`Language: ${user.lang}\n`);
    }
    // the write after the failover is on the promoted replica
    const sid = decodeURIComponent(writer!.cookie.slice('sid='.length)).slice(2).split('.')[0];
    expect(JSON.parse(harness.cli(Number(newPrimary.split(':')[1]), ['GET', `hello.node-app:sess:${sid}`], PASSWORD)).lang).toBe('el');
  });
});

e2e('NODE_REDIS preset: a wrong variable fails loudly and within a bound, never hangs', () => {
  const chart = new Chart(Testing.app(), 'hello', { namespace: 'hello' });
  const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
  new StatelessWebApp(chart, 'app', { name: 'node-app', image: 'registry.example.com/node-app:1.0.0', sessionStore: store, sessionEnvPreset: SessionEnvPreset.NODE_REDIS });
  const objects = synth(chart);
  const harness = new StoreHarness(objects, SECRETS);
  let env: Record<string, string>;

  beforeAll(async () => {
    await harness.allocate();
    for (const pod of ['sessions-0', 'sessions-1', 'sessions-2']) await harness.start(pod);
    await Promise.all(['sessions-sentinel-0', 'sessions-sentinel-1', 'sessions-sentinel-2'].map((p) => harness.start(p)));
    await harness.waitFor(
      () => harness.cli(harness.pod('sessions-sentinel-0').port, ['SENTINEL', 'get-master-addr-by-name', 'mymaster'], PASSWORD) !== '',
      20_000,
      'the Sentinels to monitor the primary',
    );
    const container = only(objects, 'Deployment', 'node-app').spec.template.spec.containers[0];
    env = harness.clientEnvironment(container, 'hello');
    const roots = JSON.parse(env.REDIS_SENTINEL_ROOT_NODES) as Array<{ host: string; port: number }>;
    env.REDIS_SENTINEL_ROOT_NODES = JSON.stringify(roots.map((r) => ({ host: '127.0.0.1', port: harness.pod(r.host.split('.')[0]).port })));
  });
  afterAll(() => harness.close());

  /** connect() with one variable changed: how long until it rejects, its message, and the error events' messages. */
  async function connectWith(change: Record<string, string>): Promise<{ ms: number; rejection: string; events: string[] }> {
    const c = sentinelFromEnv({ ...env, ...change });
    const events: string[] = [];
    c.on('error', (e: unknown) => events.push(String((e as Error)?.message ?? e)));
    const started = Date.now();
    // a hang would be caught here: the bound is above node-redis' own give-up time (16 retries, 1 s apart, see below)
    const hang = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('connect() did not settle within 120 s: a hang')), 120_000).unref());
    try {
      await Promise.race([c.connect(), hang]);
      await c.destroy();
      return { ms: Date.now() - started, rejection: 'connected', events };
    } catch (e) {
      await c.destroy().catch(() => undefined);
      return { ms: Date.now() - started, rejection: (e as Error).message, events };
    }
  }

  test('wrong master name, wrong password, wrong Sentinel password, wrong Sentinel port: connect() rejects within a bound; the rejection or the error events name the cause', async () => {
    const closedPort = String(await freePort());
    const [name, password, sentinelPassword, port] = await Promise.all([
      connectWith({ REDIS_SENTINEL_NAME: 'nosuchmaster' }),
      connectWith({ REDIS_PASSWORD: 'wrong' }),
      connectWith({ REDIS_SENTINEL_PASSWORD: 'wrong' }),
      connectWith({ REDIS_SENTINEL_ROOT_NODES: JSON.stringify([{ host: '127.0.0.1', port: Number(closedPort) }]) }),
    ]);
    const show = (what: string, r: { ms: number; rejection: string; events: string[] }) =>
      `${what}: rejected after ${r.ms} ms with "${r.rejection}"; ${r.events.length} error events, distinct: ${[...new Set(r.events)].slice(0, 4).join(' | ')}`;
    // eslint-disable-next-line no-console
    console.log(['node-redis with a wrong variable:', show('REDIS_SENTINEL_NAME=nosuchmaster', name), show('REDIS_PASSWORD=wrong', password),
      show('REDIS_SENTINEL_PASSWORD=wrong', sentinelPassword), show(`REDIS_SENTINEL_ROOT_NODES port ${closedPort} (closed)`, port)].join('\n  '));

    for (const r of [name, password, sentinelPassword, port]) {
      expect(r.rejection).not.toBe('connected');
      expect(r.rejection).not.toMatch(/did not settle/);
      // maxCommandRediscovers (16) attempts, 1 s apart, each asking up to 3 Sentinels with a 2 s connectTimeout:
      // at most 16 * (1 + 3 * 2) = 112 s by the mechanism (about 17-22 s on an idle machine), never unbounded
      expect(r.ms).toBeLessThan(112_000);
    }
    // the Sentinels answer the wrong name with "ERR No such master with that name"
    expect(name.rejection).toBe('None of the sentinels are available');
    expect(name.events.some((m) => /No such master with that name/.test(m))).toBe(true);
    // the primary answers a wrong password with WRONGPASS, and connect() rejects with it: the master client is
    // opened through #connectOrFail (@redis/client dist/lib/sentinel/index.js), which rejects with the client's first
    // error, from its 'error' event or from its own connect(), whichever comes first. So the rejection names the
    // cause; whether an 'error' event reaches the listener as well depends on that race (none seen on a busy machine).
    expect(password.rejection).toMatch(/^WRONGPASS/);
    expect(sentinelPassword.rejection).toBe('None of the sentinels are available');
    expect(sentinelPassword.events.some((m) => /WRONGPASS/.test(m))).toBe(true);
    expect(port.rejection).toBe('None of the sentinels are available');
    expect(port.events.some((m) => /ECONNREFUSED/.test(m))).toBe(true);
  });
});
