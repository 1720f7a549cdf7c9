/**
 * The affinity lab: the same users and the same app behind three real proxies (see proxies.ts), on one
 * machine, with a bounded capacity per replica so that queueing, not the shared cores, decides latency.
 *
 * Per profile it runs two scenarios on fresh processes:
 *  1. steady load on `replicas` replicas, and one replica (the busiest so far) SIGKILLed halfway: the
 *     steady half gives the per-replica share, latency and error rate; the second half gives the
 *     sessions lost, the failed requests and the time until no user fails or finds a lost session;
 *  2. scale-out from `scaleFrom` to `scaleTo` replicas: every user pins, the proxy gets the new server
 *     list, every user comes back; the share of users now served by another replica is "re-pinned".
 */
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { RedisSessionStore, RedisTopology, StatelessWebApp } from '../src';
import { labPath, LabProcess, LOOPBACK, mkdirp, ProcessList, probe, sleep, waitUntil } from './processes';
import { Backend, ProfileKey, PROFILES, Proxy } from './proxies';
import { freePort, StoreHarness } from '../test/support/redis-harness';
import { K8sObject } from '../test/support/synth';

export const SESSION_APP = path.join(__dirname, '..', 'examples', 'session-app', 'server.js');

export interface LabParams {
  /** Replicas in the steady and kill scenario. */
  readonly replicas: number;
  readonly users: number;
  /** Share of users who are power users (0-1). */
  readonly powerShare: number;
  /** How many times more requests a power user sends than a casual user (their think time is divided by it). */
  readonly powerRatio: number;
  /** Length of the steady-and-kill scenario, seconds; the kill is at half. */
  readonly durationS: number;
  /** Fixed service time of a request on a replica's single worker, ms. */
  readonly serviceMs: number;
  /** Requests a replica lets wait before it answers 503 (0: unbounded). */
  readonly queueLimit: number;
  /** Casual users' think time between requests, uniform in [min, max] ms. */
  readonly thinkMinMs: number;
  readonly thinkMaxMs: number;
  /** Scale-out scenario: from this many replicas... */
  readonly scaleFrom: number;
  /** ...to this many. */
  readonly scaleTo: number;
  /** A request without an answer after this long fails, ms. */
  readonly timeoutMs: number;
  /** Seed of the users' random think times and of who is a power user. */
  readonly seed: number;
  readonly profiles: ReadonlyArray<ProfileKey>;
}

/**
 * The defaults: the ride-hailing case study's 6 pods, 300 users and 20% power users with about 10x the
 * requests; think time 1-4 s for casual users (the case study's Locust `between(0.5, 2)` doubled, so the
 * lab sends about 320 requests/s and leaves the 2 cores room), 0.1-0.4 s for power users; 15 ms of service
 * time per request, so the replicas' workers are busy about 80% of the time on average, and a replica
 * with more than its share of power users runs close to 100%, like the case study's hot pod.
 */
export const DEFAULT_PARAMS: LabParams = {
  replicas: 6,
  users: 300,
  powerShare: 0.2,
  powerRatio: 10,
  durationS: 40,
  serviceMs: 15,
  queueLimit: 40,
  thinkMinMs: 1000,
  thinkMaxMs: 4000,
  scaleFrom: 6,
  scaleTo: 8,
  timeoutMs: 10_000,
  seed: 17,
  profiles: PROFILES,
};

export interface ReplicaStats {
  readonly name: string;
  readonly requests: number;
  readonly share: number;
  /** Busy share of the replica's single worker: requests x service time / window. */
  readonly utilization: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Users whose last answer in the steady window came from this replica. */
  readonly users: number;
  readonly powerUsers: number;
}

export interface ProfileResult {
  /** Share of the steady window's answered requests per replica, r0 first. */
  readonly replicaShare: number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Failed requests (no answer, a timeout, or a status other than 200) / requests, steady window. */
  readonly errorRate: number;
  /** Users who found their session gone after the kill. */
  readonly sessionsLostOnKill: number;
  /** Users served by another replica after the scale-out than before it (/ users served both times). */
  readonly repinnedFractionOnScaleOut: number;
  readonly replicas: ReplicaStats[];
  readonly steady: {
    readonly fromS: number;
    readonly toS: number;
    readonly requests: number;
    readonly failed: number;
    /** answers by HTTP status ("0": no answer or a timeout) */
    readonly statuses: Record<string, number>;
    /** requests sent twice because the proxy closed a reused keep-alive connection as they were sent */
    readonly keepAliveResends: number;
    /** Of the users with at least three answers in the window, the share whose answers all came from one replica. */
    readonly usersOnOneReplica: number;
  };
  readonly kill: {
    readonly replica: string;
    readonly atS: number;
    /** Users whose last answer before the kill came from the killed replica. */
    readonly usersOnReplica: number;
    readonly requestsAfter: number;
    readonly failedAfter: number;
    readonly statusesAfter: Record<string, number>;
    readonly errorRateAfter: number;
    /** From the kill to the last failed request or lost session, ms (0: none). */
    readonly recoveryMs: number;
    readonly p99AfterMs: number;
  };
  readonly scaleOut: {
    readonly from: number;
    readonly to: number;
    readonly users: number;
    readonly repinned: number;
    readonly sessionsLost: number;
    /** What the library states for this scale-out: (n-c)/n for balanced, 0 for persistent, none for stateless. */
    readonly libraryRepinnedFraction: number | null;
  };
}

export interface LabResult {
  readonly parameters: LabParams;
  readonly results: Partial<Record<ProfileKey, ProfileResult>>;
  readonly elapsedS: number;
}

// ---------------------------------------------------------------------------------------------
// users and their requests

interface User {
  readonly id: number;
  readonly power: boolean;
  readonly lang: string;
  readonly cookies: Map<string, string>;
  hasSession: boolean;
  lastReplica?: string;
}

interface Sample {
  readonly user: number;
  /** ms since the scenario's start, when the request was sent */
  readonly t: number;
  readonly ms: number;
  readonly status: number;
  readonly replica?: string;
  /** a GET answered 200 without the user's session */
  readonly lost: boolean;
  readonly resent: boolean;
}

/** mulberry32: a small seeded generator, so two runs with the same seed have the same users. */
/* eslint-disable no-bitwise */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

function makeUsers(params: LabParams, random: () => number): User[] {
  const power = Math.round(params.users * params.powerShare);
  // exactly `power` power users, at seeded-random positions
  const order = Array.from({ length: params.users }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const powerIds = new Set(order.slice(0, power));
  return Array.from({ length: params.users }, (_, id) => ({
    id,
    power: powerIds.has(id),
    lang: `u${id}`,
    cookies: new Map<string, string>(),
    hasSession: false,
  }));
}

function thinkMs(params: LabParams, user: User, random: () => number): number {
  const base = params.thinkMinMs + random() * (params.thinkMaxMs - params.thinkMinMs);
  return user.power ? base / params.powerRatio : base;
}

interface Answer {
  status: number;
  body: string;
  replica?: string;
  /** sent a second time after a keep-alive race (see send) */
  resent?: boolean;
}

/**
 * One request through the proxy, with the user's cookies; never throws (status 0: no answer). A request
 * that fails with ECONNRESET on a reused keep-alive connection never reached the proxy's backend and is
 * sent once more on a new connection, as browsers do (the Node.js http docs describe the same race).
 */
async function send(agent: http.Agent, port: number, user: User, method: 'GET' | 'POST', timeoutMs: number): Promise<Answer> {
  const first = await sendOnce(agent, port, user, method, timeoutMs);
  if (first.resend) return { ...(await sendOnce(agent, port, user, method, timeoutMs)), resent: true };
  return first;
}

function sendOnce(agent: http.Agent, port: number, user: User, method: 'GET' | 'POST', timeoutMs: number): Promise<Answer & { resend?: boolean }> {
  return new Promise((resolve) => {
    const body = method === 'POST' ? `lang=${user.lang}` : undefined;
    const headers: http.OutgoingHttpHeaders = {};
    if (user.cookies.size) headers.cookie = [...user.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    let settled = false;
    const done = (a: Answer & { resend?: boolean }) => {
      if (!settled) {
        settled = true;
        resolve(a);
      }
    };
    const req = http.request({ host: LOOPBACK, port, method, path: '/', headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const pair = c.split(';')[0];
          const eq = pair.indexOf('=');
          if (eq > 0) user.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
        }
        const served = res.headers['x-served-by'];
        done({ status: res.statusCode ?? 0, body: text, replica: typeof served === 'string' ? served : undefined });
      });
      res.on('error', () => done({ status: 0, body: '' }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      done({ status: 0, body: '', resend: req.reusedSocket && err.code === 'ECONNRESET' });
    });
    req.end(body);
  });
}

/** A user's request, recorded; keeps `hasSession` and `lastReplica` up to date. */
async function act(agent: http.Agent, port: number, user: User, t0: number, timeoutMs: number, samples: Sample[]): Promise<Sample> {
  const method = user.hasSession ? 'GET' : 'POST';
  const start = Date.now();
  const a = await send(agent, port, user, method, timeoutMs);
  const expected = `Language: ${user.lang}\n`;
  let lost = false;
  if (a.status === 200) {
    if (method === 'POST') {
      user.hasSession = a.body === expected;
    } else if (a.body !== expected) {
      // the replica that answered does not have this user's session: like a logged-out user, they sign in again
      lost = true;
      user.hasSession = false;
    }
    user.lastReplica = a.replica;
  }
  const sample: Sample = {
    user: user.id,
    t: start - t0,
    ms: Date.now() - start,
    status: a.status,
    replica: a.replica,
    lost,
    resent: a.resent === true,
  };
  samples.push(sample);
  return sample;
}

// ---------------------------------------------------------------------------------------------
// statistics

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  // nearest rank
  const rank = Math.min(s.length, Math.max(1, Math.ceil(q * s.length)));
  return s[rank - 1];
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

function statuses(samples: Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) out[String(s.status)] = (out[String(s.status)] ?? 0) + 1;
  return out;
}

// ---------------------------------------------------------------------------------------------
// the scenarios

interface Env {
  readonly params: LabParams;
  readonly processes: ProcessList;
  readonly workDir: string;
  readonly log: (line: string) => void;
  /** the Redis Sentinel environment of the session app (stateless profile) */
  readonly redisEnv?: Record<string, string>;
}

interface Replica extends Backend {
  readonly process: LabProcess;
}

async function startReplicas(env: Env, profile: ProfileKey, names: string[]): Promise<Replica[]> {
  const store: Record<string, string> =
    profile === 'stateless' ? { ...env.redisEnv!, SESSION_STORE: 'redis' } : { SESSION_STORE: 'memory' };
  return Promise.all(
    names.map(async (name) => {
      const port = await freePort();
      const p = env.processes.spawn(name, process.execPath, [SESSION_APP], {
        PATH: labPath(),
        ...store,
        HOST: LOOPBACK,
        PORT: String(port),
        INSTANCE_NAME: name,
        SERVICE_TIME_MS: String(env.params.serviceMs),
        QUEUE_LIMIT: String(env.params.queueLimit),
      });
      await waitUntil(async () => (await probe(port, '/healthz')) === 200, 20_000, `${name} to be healthy`, () => p.log);
      return { name, port, process: p };
    }),
  );
}

const names = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `r${from + i}`);

async function steadyAndKill(env: Env, profile: ProfileKey): Promise<Omit<ProfileResult, 'repinnedFractionOnScaleOut' | 'scaleOut'>> {
  const { params } = env;
  const random = seededRandom(params.seed);
  const users = makeUsers(params, random);
  const replicas = await startReplicas(env, profile, names(0, params.replicas));
  const proxy = await Proxy.start(profile, path.join(env.workDir, profile, 'steady'), await freePort(), replicas, env.processes);
  const agent = new http.Agent({ keepAlive: true, maxSockets: params.users + 16 });
  const samples: Sample[] = [];
  const durationMs = params.durationS * 1000;
  const killAt = durationMs / 2;
  const rampMs = Math.min(2_000, durationMs / 8);
  // the steady window starts after every user had time for a few requests
  const steadyFrom = Math.min(rampMs + 2 * params.thinkMaxMs, killAt / 2);
  const t0 = Date.now();
  let killed: { replica: string; usersOnReplica: number; at: number } | undefined;

  const killer = (async () => {
    await sleep(killAt);
    // the busiest replica so far (the case study's pod-1, which crashed under the load)
    const counts = new Map<string, number>();
    for (const s of samples) if (s.replica && s.t >= steadyFrom) counts.set(s.replica, (counts.get(s.replica) ?? 0) + 1);
    const victim = replicas.reduce((a, b) => ((counts.get(b.name) ?? 0) > (counts.get(a.name) ?? 0) ? b : a));
    const usersOnReplica = users.filter((u) => u.hasSession && u.lastReplica === victim.name).length;
    killed = { replica: victim.name, usersOnReplica, at: Date.now() - t0 };
    env.log(`  ${profile}: SIGKILL ${victim.name} (pid ${victim.process.pid}) at ${(killed.at / 1000).toFixed(1)} s, ${usersOnReplica} users were on it`);
    await victim.process.stop('SIGKILL');
  })();

  await Promise.all(
    users.map(async (user) => {
      const userRandom = seededRandom(params.seed * 7919 + user.id);
      await sleep(userRandom() * rampMs);
      while (Date.now() - t0 < durationMs) {
        await act(agent, proxy.port, user, t0, params.timeoutMs, samples);
        const wait = Math.min(thinkMs(params, user, userRandom), durationMs - (Date.now() - t0));
        if (wait > 0) await sleep(wait);
      }
    }),
  );
  await killer;
  agent.destroy();
  await proxy.stop();
  for (const r of replicas) await r.process.stop();

  const k = killed!;
  // steady: sent after the warm-up and answered before the kill; after: answered (or failed) after the kill,
  // so a request in flight at the dead replica when it died counts as the kill's
  const steady = samples.filter((s) => s.t >= steadyFrom && s.t + s.ms < k.at);
  const after = samples.filter((s) => s.t + s.ms >= k.at);
  const ok = (s: Sample) => s.status === 200;
  const answered = steady.filter((s) => s.replica !== undefined);
  // users per replica: where each user's last answer before the kill came from
  const lastBefore = new Map<number, string>();
  for (const s of steady) if (s.replica && ok(s)) lastBefore.set(s.user, s.replica);
  const replicaStats: ReplicaStats[] = replicas.map((r) => {
    const mine = answered.filter((s) => s.replica === r.name);
    const who = [...lastBefore].filter(([, rep]) => rep === r.name).map(([u]) => u);
    return {
      name: r.name,
      requests: mine.length,
      share: round(answered.length ? mine.length / answered.length : 0),
      utilization: round((mine.filter(ok).length * params.serviceMs) / (k.at - steadyFrom), 3),
      p50Ms: quantile(mine.map((s) => s.ms), 0.5),
      p99Ms: quantile(mine.map((s) => s.ms), 0.99),
      users: who.length,
      powerUsers: who.filter((u) => users[u].power).length,
    };
  });
  const failed = steady.filter((s) => !ok(s)).length;
  const servedBy = new Map<number, string[]>();
  for (const s of steady) if (s.replica && ok(s)) servedBy.set(s.user, [...(servedBy.get(s.user) ?? []), s.replica]);
  const regulars = [...servedBy.values()].filter((list) => list.length >= 3);
  const usersOnOneReplica = regulars.length ? regulars.filter((list) => new Set(list).size === 1).length / regulars.length : 0;
  const trouble = after.filter((s) => !ok(s) || s.lost);
  const lostUsers = new Set(after.filter((s) => s.lost).map((s) => s.user));
  const failedAfter = after.filter((s) => !ok(s)).length;
  return {
    replicaShare: replicaStats.map((r) => r.share),
    p50Ms: quantile(steady.map((s) => s.ms), 0.5),
    p99Ms: quantile(steady.map((s) => s.ms), 0.99),
    errorRate: round(steady.length ? failed / steady.length : 0, 5),
    sessionsLostOnKill: lostUsers.size,
    replicas: replicaStats,
    steady: {
      fromS: round(steadyFrom / 1000, 1),
      toS: round(k.at / 1000, 1),
      requests: steady.length,
      failed,
      statuses: statuses(steady),
      keepAliveResends: steady.filter((x) => x.resent).length,
      usersOnOneReplica: round(usersOnOneReplica),
    },
    kill: {
      replica: k.replica,
      atS: round(k.at / 1000, 1),
      usersOnReplica: k.usersOnReplica,
      requestsAfter: after.length,
      failedAfter,
      statusesAfter: statuses(after),
      errorRateAfter: round(after.length ? failedAfter / after.length : 0, 5),
      recoveryMs: trouble.length ? Math.max(...trouble.map((s) => s.t + s.ms)) - k.at : 0,
      p99AfterMs: quantile(after.map((s) => s.ms), 0.99),
    },
  };
}

async function scaleOut(env: Env, profile: ProfileKey): Promise<ProfileResult['scaleOut']> {
  const { params } = env;
  const c = params.scaleFrom;
  const n = params.scaleTo;
  const random = seededRandom(params.seed + 1);
  const users = makeUsers(params, random);
  const replicas = await startReplicas(env, profile, names(0, c));
  const proxy = await Proxy.start(profile, path.join(env.workDir, profile, 'scale-out'), await freePort(), replicas, env.processes);
  const agent = new http.Agent({ keepAlive: true, maxSockets: params.users + 16 });
  const samples: Sample[] = [];
  const t0 = Date.now();
  const spread = Math.max(1_000, (params.users * params.serviceMs) / c);
  // every user signs in and comes back twice, spread over `spread` ms so the replicas' queues stay short
  const visit = async (user: User, requests: number) => {
    const r = seededRandom(params.seed * 31 + user.id);
    await sleep(r() * spread);
    let last: Sample | undefined;
    for (let i = 0; i < requests; i++) {
      last = await act(agent, proxy.port, user, t0, params.timeoutMs, samples);
      await sleep(20 + r() * 80);
    }
    return last;
  };
  await Promise.all(users.map((u) => visit(u, 3)));
  const before = new Map(users.filter((u) => u.hasSession && u.lastReplica).map((u) => [u.id, u.lastReplica!]));
  // scale out: the new replicas start, then the proxy routes to all of them
  replicas.push(...(await startReplicas(env, profile, names(c, n))));
  agent.destroy();
  await proxy.reconfigure(replicas);
  const agent2 = new http.Agent({ keepAlive: true, maxSockets: params.users + 16 });
  const firstAfter = new Map<number, Sample>();
  await Promise.all(
    users
      .filter((u) => before.has(u.id))
      .map(async (u) => {
        const r = seededRandom(params.seed * 131 + u.id);
        await sleep(r() * spread);
        firstAfter.set(u.id, await act(agent2, proxy.port, u, t0, params.timeoutMs, samples));
      }),
  );
  agent2.destroy();
  await proxy.stop();
  for (const r of replicas) await r.process.stop();

  let served = 0;
  let repinned = 0;
  let lost = 0;
  for (const [id, replica] of before) {
    const s = firstAfter.get(id);
    if (!s || !s.replica || s.status !== 200) continue;
    served++;
    if (s.replica !== replica) repinned++;
    if (s.lost) lost++;
  }
  return {
    from: c,
    to: n,
    users: served,
    repinned,
    sessionsLost: lost,
    libraryRepinnedFraction: libraryRepinnedFraction(profile, c, n),
  };
}

/**
 * What the library's risk catalogue states for scaling from c to n pods (src/affinity/risk-catalogue.ts,
 * AFFINITY_BALANCED_REPIN: "re-pins about (n-c)/n ... of users"; AFFINITY_PERSISTENT_NO_REBALANCE:
 * "persistent mode never moves existing users"). Stateless routing has no pins: null.
 */
export function libraryRepinnedFraction(profile: ProfileKey, c: number, n: number): number | null {
  if (profile === 'sticky-balanced') return round((n - c) / n);
  if (profile === 'sticky-persistent') return 0;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Redis Sentinel for the stateless profile: the configuration RedisSessionStore synthesizes

const REDIS_PASSWORD = 'affinity-lab-sessions';

/** The Sentinel store and a bound StatelessWebApp, as the library synthesizes them, with the app's client environment. */
async function bootRedis(): Promise<{ harness: StoreHarness; clientEnv: Record<string, string> }> {
  const chart = new Chart(Testing.app(), 'lab', { namespace: 'lab' });
  const store = new RedisSessionStore(chart, 'sessions', { name: 'lab-sessions', topology: RedisTopology.SENTINEL });
  new StatelessWebApp(chart, 'app', { name: 'session-app', image: 'registry.example.com/session-app:1.0.0', sessionStore: store });
  // the risk report goes to stderr at synthesis; the lab only needs the objects
  const write = process.stderr.write;
  let objects: K8sObject[];
  try {
    process.stderr.write = (() => true) as typeof process.stderr.write;
    objects = Testing.synth(chart) as K8sObject[];
  } finally {
    process.stderr.write = write;
  }
  // the store's password, and the app's own ACL user's (the Secret the store names for the app in its namespace)
  const harness = new StoreHarness(objects, {
    'lab-sessions-auth': { password: REDIS_PASSWORD },
    [store.passwordSecretNameFor('session-app', 'lab')]: { password: `${REDIS_PASSWORD}-app` },
  });
  try {
    await harness.allocate();
    for (const pod of ['lab-sessions-0', 'lab-sessions-1', 'lab-sessions-2']) await harness.start(pod);
    await Promise.all(['lab-sessions-sentinel-0', 'lab-sessions-sentinel-1', 'lab-sessions-sentinel-2'].map((p) => harness.start(p)));
    // writes need a synced replica (min-replicas-to-write): wait for the first full sync
    await harness.waitFor(
      () => /master_link_status:up/.test(harness.cli(harness.pod('lab-sessions-1').port, ['INFO', 'replication'], REDIS_PASSWORD)),
      30_000,
      'a Redis replica in sync',
    );
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'session-app')!;
    const clientEnv = harness.clientEnvironment(deployment.spec.template.spec.containers[0], deployment.metadata.namespace ?? 'default');
    return { harness, clientEnv };
  } catch (err) {
    await harness.close();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------

export async function runLab(params: LabParams, options: { workDir?: string; log?: (line: string) => void } = {}): Promise<LabResult> {
  const log = options.log ?? (() => undefined);
  const workDir = mkdirp(options.workDir ?? path.join(os.tmpdir(), `cdk8s-stateless-lab-${process.pid}`));
  const processes = new ProcessList();
  const started = Date.now();
  let redis: { harness: StoreHarness; clientEnv: Record<string, string> } | undefined;
  const stopEverything = async () => {
    await processes.stopAll();
    await redis?.harness.close();
  };
  const onSignal = () => {
    void stopEverything().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (params.profiles.includes('stateless')) {
      log('booting Redis Sentinel (3 Redis, 3 Sentinels) from the configuration RedisSessionStore synthesizes');
      redis = await bootRedis();
    }
    const env: Env = { params, processes, workDir, log, redisEnv: redis?.clientEnv };
    const results: Partial<Record<ProfileKey, ProfileResult>> = {};
    for (const profile of params.profiles) {
      log(`${profile}: steady load on ${params.replicas} replicas for ${params.durationS} s, one replica killed at ${params.durationS / 2} s`);
      const steady = await steadyAndKill(env, profile);
      log(`${profile}: scale-out from ${params.scaleFrom} to ${params.scaleTo} replicas`);
      const scale = await scaleOut(env, profile);
      results[profile] = {
        ...steady,
        repinnedFractionOnScaleOut: round(scale.users ? scale.repinned / scale.users : 0),
        scaleOut: scale,
      };
      const r = results[profile]!;
      log(
        `${profile}: share ${r.replicaShare.map((s) => `${(s * 100).toFixed(1)}%`).join(' ')}; p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms; ` +
          `errors ${(r.errorRate * 100).toFixed(2)}%; kill: ${r.sessionsLostOnKill} sessions lost (${r.kill.usersOnReplica} users were on ${r.kill.replica}), ` +
          `${r.kill.failedAfter} failed, recovered after ${r.kill.recoveryMs} ms; scale-out re-pinned ${(r.repinnedFractionOnScaleOut * 100).toFixed(1)}%`,
      );
    }
    return { parameters: params, results, elapsedS: round((Date.now() - started) / 1000, 1) };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await stopEverything();
  }
}
