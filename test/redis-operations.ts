import { Chart, Testing } from 'cdk8s';
import Redis from 'ioredis';
import { createSentinel } from 'redis';
import { RedisSessionStore, RedisTopology, SessionEnvPreset, StatelessWebApp } from '../src';
import { Flavour, StoreHarness } from './support/redis-harness';
import { only, synth } from './support/synth';

/**
 * The operations every cluster runs, on real servers (Valkey and Redis) with the store's own scripts, while two apps
 * write sessions: `web` with ioredis (GENERIC preset) and `node` with node-redis (NODE_REDIS preset), each as its own
 * ACL user. Every write the store acknowledged is looked for afterwards, in two strengths:
 * - plain: SET answered OK;
 * - waited: SET, then WAIT 1 answered with at least 1 on the same connection.
 * The pods are replaced as Kubernetes does it (StoreHarness.restartPod): preStop hook, SIGTERM, a new pod that
 * counts as Ready by its rendered probes' timing, and only then the next pod.
 *
 * One file per flavour (redis-operations-valkey.test.ts, redis-operations-redis.test.ts) runs this suite, so
 * Jest's workers run the two flavours side by side.
 */
const OLD = 'operations pa55 old';
const NEW = 'operations pa55 new';
const WEB_OLD = 'web pa55 old';
const WEB_NEW = 'web pa55 new';
const NODE_OLD = 'node pa55 old';
const NODE_NEW = 'node pa55 new';
const REDIS = ['sessions-0', 'sessions-1', 'sessions-2'];
const SENTINELS = ['sessions-sentinel-0', 'sessions-sentinel-1', 'sessions-sentinel-2'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function objects() {
  const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
  const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
  new StatelessWebApp(chart, 'web', { name: 'web', image: 'registry.example.com/web:1.0.0', sessionStore: store, sessionEnvPreset: SessionEnvPreset.GENERIC });
  new StatelessWebApp(chart, 'node', { name: 'node', image: 'registry.example.com/node:1.0.0', sessionStore: store, sessionEnvPreset: SessionEnvPreset.NODE_REDIS });
  return synth(chart);
}

/** A writer: SETs in a loop, every other one followed by WAIT 1; records what the store acknowledged. */
abstract class Writer {
  public readonly plain: string[] = [];
  public readonly waited: string[] = [];
  public errors = 0;
  private running = true;
  private loop?: Promise<void>;
  private n = 0;

  constructor(public readonly name: string, public readonly prefix: string) {}

  public start(): void {
    this.loop = (async () => {
      while (this.running) {
        const key = `${this.name}-${this.n++}`;
        try {
          if (this.n % 2 === 0) {
            if (await this.setAndWait(key)) this.waited.push(key);
            else this.plain.push(key); // the SET was answered OK (setAndWait throws otherwise)
          } else if ((await this.set(key)) === 'OK') {
            this.plain.push(key);
          }
        } catch {
          this.errors++;
          await sleep(50);
        }
        await sleep(15);
      }
    })();
  }

  public async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.close();
  }

  /** SET (must answer OK, or throw), then WAIT 1: whether a replica acknowledged it. */
  protected abstract setAndWait(key: string): Promise<boolean>;
  protected abstract set(key: string): Promise<string | null>;
  protected abstract close(): Promise<void>;
}

class IoredisWriter extends Writer {
  private readonly client: Redis;
  constructor(env: Record<string, string>) {
    super('web', env.REDIS_KEY_PREFIX);
    this.client = new Redis({
      sentinels: env.REDIS_SENTINELS.split(',').map((s) => ({ host: s.split(':')[0], port: Number(s.split(':')[1]) })),
      name: env.REDIS_SENTINEL_MASTER,
      username: env.REDIS_USERNAME,
      password: env.REDIS_PASSWORD,
      sentinelUsername: env.REDIS_SENTINEL_USERNAME,
      sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
      keyPrefix: env.REDIS_KEY_PREFIX,
      // apps may not run INFO (it counts every app's keys): ioredis would skip its ready check with a warning
      enableReadyCheck: false,
      commandTimeout: 10_000,
    });
    this.client.on('error', () => undefined);
  }

  protected async setAndWait(key: string): Promise<boolean> {
    // one pipeline on one connection: WAIT counts the replicas that acknowledged this connection's writes
    const replies = (await this.client.pipeline().set(key, 'v').call('WAIT', '1', '2000').exec()) ?? [];
    const [setErr, set] = replies[0] ?? [new Error('no reply'), null];
    const wait = replies[1]?.[0] ? 0 : replies[1]?.[1];
    if (setErr || set !== 'OK') throw setErr ?? new Error(String(set));
    return Number(wait) >= 1;
  }

  protected set(key: string): Promise<string | null> {
    return this.client.set(key, 'v');
  }

  protected async close(): Promise<void> {
    this.client.disconnect();
  }
}

class NodeRedisWriter extends Writer {
  private readonly client: ReturnType<typeof createSentinel>;
  private readonly ready: Promise<unknown>;
  constructor(env: Record<string, string>, h: StoreHarness) {
    super('node', env.REDIS_KEY_PREFIX);
    const roots = (JSON.parse(env.REDIS_SENTINEL_ROOT_NODES) as Array<{ host: string }>).map((r) => ({ host: '127.0.0.1', port: h.pod(r.host.split('.')[0]).port }));
    const socket = { connectTimeout: 2000 };
    this.client = createSentinel({
      name: env.REDIS_SENTINEL_NAME,
      sentinelRootNodes: roots,
      nodeClientOptions: { username: env.REDIS_USERNAME, password: env.REDIS_PASSWORD, socket },
      sentinelClientOptions: { username: env.REDIS_SENTINEL_USERNAME, password: env.REDIS_SENTINEL_PASSWORD, socket },
    });
    this.client.on('error', () => undefined);
    this.ready = this.client.connect();
  }

  public async connected(): Promise<void> {
    await this.ready;
  }

  protected async setAndWait(key: string): Promise<boolean> {
    // one leased connection: WAIT counts the replicas that acknowledged this connection's writes
    return this.client.use(async (c) => {
      const set = await c.set(`${this.prefix}${key}`, 'v');
      if (set !== 'OK') throw new Error(String(set));
      return Number(await c.sendCommand(false, ['WAIT', '1', '2000'])) >= 1;
    });
  }

  protected async set(key: string): Promise<string | null> {
    return (await this.client.set(`${this.prefix}${key}`, 'v')) as string | null;
  }

  protected async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}

class Campaign {
  public readonly secrets: Record<string, Record<string, string>> = {
    'sessions-auth': { password: OLD },
    'sessions.shop.web': { password: WEB_OLD },
    'sessions.shop.node': { password: NODE_OLD },
  };
  public readonly objects = objects();
  public readonly h: StoreHarness;
  public password = OLD;
  private writers: Writer[] = [];
  private finished: Writer[] = [];

  constructor(public readonly flavour: Flavour) {
    this.h = new StoreHarness(this.objects, this.secrets, flavour);
  }

  public async boot(): Promise<void> {
    await this.h.allocate();
    await Promise.all([...REDIS, ...SENTINELS].map((p) => this.h.start(p, { wait: false })));
    await Promise.all([...REDIS, ...SENTINELS].map((p) => this.h.becomeReady(p)));
  }

  public env(app: string): Record<string, string> {
    return this.h.clientEnvironment(only(this.objects, 'Deployment', app).spec.template.spec.containers[0], 'shop');
  }

  /** Start the two apps' writers from their environment as it is now (their Secrets' current passwords). */
  public async startWriters(): Promise<void> {
    const node = new NodeRedisWriter(this.env('node'), this.h);
    await node.connected();
    this.writers = [new IoredisWriter(this.env('web')), node];
    for (const w of this.writers) w.start();
    await sleep(500);
  }

  public async stopWriters(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.stop()));
    this.finished.push(...this.writers);
    this.writers = [];
  }

  /** The pod the Sentinels name as primary, by the first that answers. */
  public primary(): string | undefined {
    for (const s of SENTINELS) {
      const port = this.h.cli(this.h.pod(s).port, ['SENTINEL', 'get-master-addr-by-name', 'mymaster'], this.password).split('\n')[1];
      const pod = REDIS.find((p) => String(this.h.pod(p).port) === port);
      if (pod) return pod;
    }
    return undefined;
  }

  /** Each Redis pod that says it is a primary. */
  public primaries(): string[] {
    return REDIS.filter((p) => this.h.cli(this.h.pod(p).port, ['ROLE'], this.password).split('\n')[0] === 'master');
  }

  /**
   * The StatefulSet controller's rolling update of both StatefulSets (the Redis and the Sentinel one, which a
   * change to the shared ConfigMap or Secret rolls together): each from the highest ordinal down, one pod at a time.
   */
  public async rollingRestart(): Promise<string[]> {
    const log: string[] = [];
    const roll = async (pods: string[]) => {
      for (const pod of [...pods].reverse()) {
        const r = await this.h.restartPod(pod);
        log.push(`${pod}: Ready after ${r.readyMs} ms${r.preStop ? `; preStop: ${r.preStop.trim().split('\n').join(' / ')}` : ''}`);
      }
    };
    await Promise.all([roll(REDIS), roll(SENTINELS)]);
    return log;
  }

  /** Acknowledged writes missing from the primary, per writer and strength. */
  public lost(): Record<string, { plain: number; waited: number; of: number; errors: number }> {
    const primary = this.primary()!;
    const result: Record<string, { plain: number; waited: number; of: number; errors: number }> = {};
    for (const w of this.finished) {
      const missing = (keys: string[]) => {
        if (keys.length === 0) return 0;
        const out = this.h.cli(this.h.pod(primary).port, [], this.password, keys.map((k) => `EXISTS "${w.prefix}${k}"`).join('\n') + '\n').split('\n');
        return out.filter((l) => l.trim() !== '1').length;
      };
      const r = result[w.name] ?? { plain: 0, waited: 0, of: 0, errors: 0 };
      r.plain += missing(w.plain);
      r.waited += missing(w.waited);
      r.of += w.plain.length + w.waited.length;
      r.errors += w.errors;
      result[w.name] = r;
    }
    this.finished = [];
    return result;
  }

  /** Every Sentinel agrees on one primary, which is the only server acting as one, with both replicas in sync. */
  public async settled(): Promise<string> {
    let primary: string | undefined;
    await this.h.waitFor(
      () => {
        primary = this.primary();
        const agreed = SENTINELS.every((s) => this.h.cli(this.h.pod(s).port, ['SENTINEL', 'get-master-addr-by-name', 'mymaster'], this.password).split('\n')[1] === String(this.h.pod(primary ?? REDIS[0]).port));
        if (!primary || !agreed) return false;
        const info = this.h.cli(this.h.pod(primary).port, ['INFO', 'replication'], this.password);
        return (info.match(/state=online/g) ?? []).length === 2 && this.primaries().length === 1;
      },
      60_000,
      `one primary that every Sentinel names, with two replicas online\n${this.h.logs()}`,
    );
    return primary!;
  }
}

export const operationsSuite = (flavour: Flavour) =>
  describe(`${flavour}: rolling restart, two-node drain and password rotation lose no acknowledged write`, () => {
    const c = new Campaign(flavour);
    const started = Date.now();
    beforeAll(() => c.boot());
    afterAll(async () => {
      await c.stopWriters();
      await c.h.close();
      // eslint-disable-next-line no-console
      console.log(`${flavour} operations suite: ${Math.round((Date.now() - started) / 1000)} s`);
    });

    test('rolling restart of both StatefulSets (highest ordinal first, preStop, SIGTERM, next pod once Ready)', async () => {
      await c.startWriters();
      // this restart is also step 1 of the password rotation below: every Secret gets the next password as its
      // alternate, and the restart makes every pod accept both (nobody uses the new one yet)
      c.secrets['sessions-auth']['password-alternate'] = NEW;
      c.secrets['sessions.shop.web']['password-alternate'] = WEB_NEW;
      c.secrets['sessions.shop.node']['password-alternate'] = NODE_NEW;
      const before = c.primary();
      const log = await c.rollingRestart();
      await sleep(1000);
      await c.stopWriters();
      const primary = await c.settled();
      const lost = c.lost();
      // eslint-disable-next-line no-console
      console.log(`${flavour} rolling restart: primary ${before} -> ${primary}\n${log.join('\n')}\n${JSON.stringify(lost)}`);
      // the primary (pod 0 after the first start) handed over before it stopped, without a write pause timeout
      expect(log.join('\n')).toMatch(/hold every write.*Sentinels promoted/);
      for (const w of ['web', 'node']) {
        expect(lost[w].of).toBeGreaterThan(50);
        expect({ app: w, waitedLost: lost[w].waited, plainLost: lost[w].plain }).toEqual({ app: w, waitedLost: 0, plainLost: 0 });
      }
    });

    test('a two-node drain: a replica is evicted, then (once it is Ready again, as the PodDisruptionBudget waits) the primary', async () => {
      await c.startWriters();
      const primary = c.primary()!;
      const replica = REDIS.find((p) => p !== primary)!;
      const log = [await c.h.restartPod(replica), await c.h.restartPod(primary)];
      await sleep(1000);
      await c.stopWriters();
      const after = await c.settled();
      const lost = c.lost();
      // eslint-disable-next-line no-console
      console.log(`${flavour} drain: ${replica}, then ${primary}; primary now ${after}\n${JSON.stringify(log)}\n${JSON.stringify(lost)}`);
      expect(after).not.toBe(primary);
      for (const w of ['web', 'node']) {
        expect({ app: w, waitedLost: lost[w].waited, plainLost: lost[w].plain }).toEqual({ app: w, waitedLost: 0, plainLost: 0 });
      }
    });

    test('password rotation of the store and of both apps, by the documented procedure, with rolling restarts', async () => {
      // 1. (done by the rolling restart above) every pod accepts the old and the next password
      for (const pod of [...REDIS, ...SENTINELS]) expect([pod, c.h.cli(c.h.pod(pod).port, ['PING'], NEW)]).toEqual([pod, 'PONG']);
      await c.startWriters();
      // 2. the next password becomes the password, the old one the alternate; the store and the apps roll at
      //    once: old and new pods each log in with their own password, and every server accepts both
      c.secrets['sessions-auth'] = { 'password': NEW, 'password-alternate': OLD };
      c.secrets['sessions.shop.web'] = { 'password': WEB_NEW, 'password-alternate': WEB_OLD };
      c.secrets['sessions.shop.node'] = { 'password': NODE_NEW, 'password-alternate': NODE_OLD };
      const rolling = c.rollingRestart();
      await sleep(3000);
      await c.stopWriters(); // the apps' pods are replaced by ones with the new passwords
      await c.startWriters();
      await rolling;
      c.password = NEW;
      await sleep(1000);
      await c.stopWriters();
      await c.settled();
      const lost = c.lost();
      // eslint-disable-next-line no-console
      console.log(`${flavour} password rotation: ${JSON.stringify(lost)}`);
      for (const w of ['web', 'node']) {
        expect({ app: w, waitedLost: lost[w].waited, plainLost: lost[w].plain }).toEqual({ app: w, waitedLost: 0, plainLost: 0 });
      }
      // 3. the alternate is removed; until the next restart both passwords still work, afterwards only the new one
      const primary = c.primary()!;
      expect(c.h.cli(c.h.pod(primary).port, ['PING'], NEW)).toBe('PONG');
      expect(c.h.cli(c.h.pod(primary).port, ['PING'], OLD)).toBe('PONG');
      expect(c.primaries()).toEqual([primary]);
    });
  });
