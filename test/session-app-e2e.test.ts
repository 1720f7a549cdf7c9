import { ChildProcess, spawn } from 'child_process';
import * as http from 'http';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { RedisSessionStore, RiskCode, StatelessWebApp } from '../src';
import { freePort, redisAvailable, StoreHarness } from './support/redis-harness';
import { K8sObject, only, synth } from './support/synth';
import { SessionAppChart } from '../examples/session-app/main';

/**
 * The reference session app (examples/session-app/server.js) on real Redis: the environment is the
 * one StatelessWebApp synthesizes for it, the Redis and Sentinels are the ones RedisSessionStore
 * synthesizes (test/support/redis-harness.ts), and three instances run behind a round-robin proxy.
 */
const SERVER = path.join(__dirname, '..', 'examples', 'session-app', 'server.js');
const PASSWORD = 's3ssion-pa55';
const APP_PASSWORD = 'session-app-pa55';
const available = redisAvailable();
const e2e = available ? describe : describe.skip;

jest.setTimeout(120_000);

interface Instance {
  readonly name: string;
  readonly port: number;
  process?: ChildProcess;
  log: string;
}

async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const instance: Instance = { name, port, log: '' };
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH!, ...env, PORT: String(port), INSTANCE_NAME: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  instance.process = child;
  child.stdout!.on('data', (d) => (instance.log += d.toString()));
  child.stderr!.on('data', (d) => (instance.log += d.toString()));
  const start = Date.now();
  while (Date.now() - start < 20_000) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) return instance;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become healthy:\n${instance.log}`);
}

async function stopInstance(instance: Instance, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const child = instance.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** A round-robin HTTP proxy without retries: a dead backend answers 502, as a plain load balancer would. */
async function roundRobinProxy(backends: Instance[]): Promise<{ port: number; close: () => Promise<void> }> {
  let next = 0;
  const server = http.createServer((req, res) => {
    const backend = backends[next++ % backends.length];
    const upstream = http.request(
      { host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502, { 'content-type': 'text/plain', 'x-proxy-backend': backend.name });
      res.end('bad gateway\n');
    });
    req.pipe(upstream);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function deploymentEnv(objects: K8sObject[], name: string): { container: any; namespace: string } {
  const deployment = only(objects, 'Deployment', name);
  return { container: deployment.spec.template.spec.containers[0], namespace: deployment.metadata.namespace ?? 'default' };
}

e2e('session app on a standalone store (generic preset, REDIS_URL)', () => {
  const chart = new Chart(Testing.app(), 'hello', { namespace: 'hello' });
  const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
  new StatelessWebApp(chart, 'app', { name: 'session-app', image: 'registry.example.com/session-app:1.0.0', sessionStore: store });
  const objects = synth(chart);
  // the store's password, and the app's own ACL user's (the Secret the store names for the app: <store>.<namespace>.<app>)
  const harness = new StoreHarness(objects, { 'sessions-auth': { password: PASSWORD }, 'sessions.hello.session-app': { password: APP_PASSWORD } });
  let instance: Instance;

  beforeAll(async () => {
    await harness.allocate();
    await harness.start('sessions-0');
    const { container, namespace } = deploymentEnv(objects, 'session-app');
    const env = harness.clientEnvironment(container, namespace);
    // REDIS_URL names the ClusterIP Service (and the app's user); on loopback it is the pod's address
    expect(env.REDIS_URL).toBe('redis://sessions.hello.svc.cluster.local:6379');
    expect(env.REDIS_USERNAME).toBe('app.hello.session-app');
    env.REDIS_URL = `redis://127.0.0.1:${harness.pod('sessions-0').port}`;
    instance = await startInstance('solo', env);
  });
  afterAll(async () => {
    await stopInstance(instance, 'SIGTERM');
    await harness.close();
  });

  test('POST sets lang, GET reads it back with the session cookie', async () => {
    const base = `http://127.0.0.1:${instance.port}`;
    const post = await fetch(`${base}/`, { method: 'POST', body: 'lang=fr', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(await post.text()).toBe('Language: fr\n');
    const cookie = post.headers.get('set-cookie')!.split(';')[0];
    expect(cookie).toMatch(/^sid=[0-9a-f]{32}$/);
    expect(await (await fetch(`${base}/`, { headers: { cookie } })).text()).toBe('Language: fr\n');
    // without the cookie: a new, empty session (like the servlet's getAttribute returning null)
    expect(await (await fetch(`${base}/`)).text()).toBe('Language: null\n');
  });
});

e2e('three session app instances behind a round-robin proxy, on Redis Sentinel', () => {
  const chart = new SessionAppChart(Testing.app(), 'session-app', { namespace: 'hello' });
  const objects = synth(chart);
  const harness = new StoreHarness(objects, { 'hello-sessions-auth': { password: PASSWORD }, 'hello-sessions.hello.session-app': { password: APP_PASSWORD } });
  const instances: Instance[] = [];
  let proxy: { port: number; close: () => Promise<void> };

  beforeAll(async () => {
    await harness.allocate();
    for (const pod of ['hello-sessions-0', 'hello-sessions-1', 'hello-sessions-2']) await harness.start(pod);
    await Promise.all(['hello-sessions-sentinel-0', 'hello-sessions-sentinel-1', 'hello-sessions-sentinel-2'].map((p) => harness.start(p)));
    const { container, namespace } = deploymentEnv(objects, 'session-app');
    const env = harness.clientEnvironment(container, namespace);
    expect(Object.keys(env).sort()).toEqual([
      'REDIS_KEY_PREFIX',
      'REDIS_PASSWORD',
      'REDIS_SENTINELS',
      'REDIS_SENTINEL_MASTER',
      'REDIS_SENTINEL_PASSWORD',
      'REDIS_SENTINEL_USERNAME',
      'REDIS_TLS',
      'REDIS_USERNAME',
    ]);
    expect(env.REDIS_PASSWORD).toBe(APP_PASSWORD);
    for (let i = 0; i < 3; i++) instances.push(await startInstance(`session-app-${i}`, env));
    proxy = await roundRobinProxy(instances);
    // writes need a synced replica (min-replicas-to-write 1): wait for the first full sync
    await harness.waitFor(
      () => /master_link_status:up/.test(harness.cli(harness.pod('hello-sessions-1').port, ['INFO', 'replication'], PASSWORD)),
      30_000,
      'a replica in sync',
    );
  });
  afterAll(async () => {
    for (const i of instances) await stopInstance(i);
    await proxy?.close();
    await harness.close();
  });

  test('every instance serves every session; killing one mid-run loses no session and costs at most one retry', async () => {
    const base = `http://127.0.0.1:${proxy.port}`;
    const langs = ['fr', 'de', 'it', 'es', 'pt', 'nl', 'sv', 'da', 'fi', 'pl', 'cs', 'el', 'hu']; // 13 users: not a multiple of 3 backends
    const counts = { requests: 0, ok: 0, badGateway: 0, retries: 0, retriedOk: 0, failed: 0, lostSessions: 0 };
    const servedBy: Record<string, Set<string>> = {};

    async function request(init: RequestInit & { path?: string }): Promise<Response> {
      for (let attempt = 0; attempt < 2; attempt++) {
        if (attempt > 0) counts.retries++;
        counts.requests++;
        const res = await fetch(`${base}${init.path ?? '/'}`, init);
        if (res.status === 200) {
          counts.ok++;
          if (attempt > 0) counts.retriedOk++;
          return res;
        }
        if (res.status === 502) counts.badGateway++;
        await res.text();
      }
      counts.failed++;
      throw new Error('request failed after one retry');
    }

    const users: Array<{ lang: string; cookie: string }> = [];
    for (const lang of langs) {
      const res = await request({ method: 'POST', body: `lang=${lang}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(await res.text()).toBe(`Language: ${lang}\n`);
      users.push({ lang, cookie: res.headers.get('set-cookie')!.split(';')[0] });
      servedBy[lang] = new Set();
    }

    const rounds = 24;
    const killAfterRound = 8;
    let killedAt = -1;
    for (let round = 0; round < rounds; round++) {
      if (round === killAfterRound) {
        killedAt = counts.requests;
        await stopInstance(instances[1]); // SIGKILL: a crash, an eviction, a node failure
      }
      for (const user of users) {
        const res = await request({ headers: { cookie: user.cookie } });
        const text = await res.text();
        if (text !== `Language: ${user.lang}\n`) counts.lostSessions++;
        if (round < killAfterRound) servedBy[user.lang].add(res.headers.get('x-served-by')!);
      }
    }

    // eslint-disable-next-line no-console
    console.log(
      `replica-loss run: ${counts.requests} requests (${langs.length} users, ${rounds} rounds, session-app-1 killed after request ${killedAt}); ` +
        `${counts.ok} answered 200, ${counts.badGateway} got 502 from the dead instance, ${counts.retries} retries, ${counts.retriedOk} succeeded on retry, ` +
        `${counts.failed} failed, ${counts.lostSessions} sessions lost`,
    );
    for (const lang of langs) expect([...servedBy[lang]].sort()).toEqual(['session-app-0', 'session-app-1', 'session-app-2']);
    expect(counts.lostSessions).toBe(0);
    expect(counts.failed).toBe(0);
    expect(counts.badGateway).toBeGreaterThan(0);
    expect(counts.retriedOk).toBe(counts.retries);
  });
});
