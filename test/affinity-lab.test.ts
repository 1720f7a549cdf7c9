import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { crc32, CONSISTENT_POINTS, meanRepinnedShare, repinnedShare, RestyChash } from '../lab/chash';
import { DEFAULT_PARAMS, LabParams, LabResult, runLab } from '../lab/lab';
import { LabOptionError, parseOptions } from '../lab/options';
import { missingPrograms } from '../lab/processes';
import { haproxyConfig, nginxConfig } from '../lab/proxies';

/**
 * The affinity lab (lab/, docs/affinity-lab.md): a short run on real nginx, HAProxy and Redis Sentinel
 * that checks the direction of every effect the report shows, and the pieces it is built from.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createApp } = require('../examples/session-app/server.js');

const missing = missingPrograms();
if (missing.length) {
  const message =
    `the affinity lab test needs ${missing.join(', ')} (nginx, haproxy, redis-server, redis-sentinel). ` +
    `Install with: apt-get install -y ${missing.join(' ')}`;
  if (process.env.CI) {
    throw new Error(`${message} (CI is set, so this fails instead of skipping)`);
  }
  // eslint-disable-next-line no-console
  console.warn(`\n!!! SKIPPING THE AFFINITY LAB TEST !!!\n${message}\n`);
}
const lab = missing.length ? describe.skip : describe;

jest.setTimeout(180_000);

/** A few seconds per profile: 4 replicas, 150 users, scale-out from 4 to 6. */
const SHORT: LabParams = {
  ...DEFAULT_PARAMS,
  replicas: 4,
  users: 150,
  durationS: 6,
  serviceMs: 10,
  thinkMinMs: 800,
  thinkMaxMs: 2400,
  scaleFrom: 4,
  scaleTo: 6,
};

const spread = (shares: number[]) => Math.max(...shares) - Math.min(...shares);

lab('a short lab run on nginx, HAProxy and Redis Sentinel', () => {
  let result: LabResult;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'affinity-lab-test-'));

  beforeAll(async () => {
    const lines: string[] = [];
    result = await runLab(SHORT, { workDir, log: (line) => lines.push(line) });
    // eslint-disable-next-line no-console
    console.log(`short affinity lab run (${result.elapsedS} s):\n${lines.join('\n')}`);
  });
  afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

  test('round robin spreads requests within a few percent; sticky routing keeps each user on one replica and spreads wider', () => {
    const stateless = result.results.stateless!;
    const even = 1 / SHORT.replicas;
    for (const share of stateless.replicaShare) expect(Math.abs(share - even)).toBeLessThanOrEqual(0.03);
    expect(stateless.steady.usersOnOneReplica).toBeLessThan(0.3);
    for (const key of ['sticky-balanced', 'sticky-persistent'] as const) {
      const sticky = result.results[key]!;
      expect(sticky.replicaShare).toHaveLength(SHORT.replicas);
      expect(sticky.steady.usersOnOneReplica).toBe(1);
      expect(spread(sticky.replicaShare)).toBeGreaterThan(spread(stateless.replicaShare));
    }
  });

  test('a killed replica takes its users\' sessions with it when they live in memory, and none when they live in Redis', () => {
    expect(result.results.stateless!.sessionsLostOnKill).toBe(0);
    for (const key of ['sticky-balanced', 'sticky-persistent'] as const) {
      const { sessionsLostOnKill, kill } = result.results[key]!;
      // the users whose last answer came from the killed replica, and no one else
      expect(kill.usersOnReplica).toBeGreaterThan(0);
      expect(sessionsLostOnKill).toBeLessThanOrEqual(kill.usersOnReplica);
      expect(sessionsLostOnKill).toBeGreaterThanOrEqual(Math.floor(0.8 * kill.usersOnReplica));
      expect(kill.recoveryMs).toBeGreaterThan(0);
    }
  });

  test('scale-out re-pins about (n-c)/n of the users in balanced mode, none in persistent mode, and loses no session when stateless', () => {
    const c = SHORT.scaleFrom;
    const n = SHORT.scaleTo;
    // The library's figure: src/affinity/risk-catalogue.ts, risk AFFINITY_BALANCED_REPIN ("scaling ... from c
    // to n pods re-pins about (n-c)/n ... of users"), the same figure as ingress-nginx's own
    // rootfs/etc/nginx/lua/balancer/sticky_balanced.lua header ("roughly (n-c)/n users will lose their session").
    const expected = (n - c) / n;
    const balanced = result.results['sticky-balanced']!;
    expect(balanced.scaleOut.users).toBeGreaterThan(0.9 * SHORT.users);
    expect(Math.abs(balanced.repinnedFractionOnScaleOut - expected)).toBeLessThanOrEqual(0.15);
    expect(balanced.scaleOut.libraryRepinnedFraction).toBeCloseTo(expected, 3);
    // in memory, a re-pinned user is a lost session
    expect(balanced.scaleOut.sessionsLost).toBe(balanced.scaleOut.repinned);
    // AFFINITY_PERSISTENT_NO_REBALANCE: "persistent mode never moves existing users"
    const persistent = result.results['sticky-persistent']!;
    expect(persistent.scaleOut.users).toBeGreaterThan(0.9 * SHORT.users);
    expect(persistent.repinnedFractionOnScaleOut).toBe(0);
    expect(persistent.scaleOut.sessionsLost).toBe(0);
    const stateless = result.results.stateless!;
    expect(stateless.scaleOut.sessionsLost).toBe(0);
    expect(stateless.repinnedFractionOnScaleOut).toBeGreaterThan(0.5);
  });

  test('the result has the fields latest.json promises for every profile', () => {
    for (const key of ['sticky-balanced', 'sticky-persistent', 'stateless'] as const) {
      const r = result.results[key]!;
      expect(r.replicaShare.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
      expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
      expect(r.p50Ms).toBeGreaterThanOrEqual(SHORT.serviceMs);
      expect(r.errorRate).toBeGreaterThanOrEqual(0);
      expect(r.errorRate).toBeLessThan(0.05);
    }
  });
});

describe('the committed report', () => {
  const root = path.join(__dirname, '..');
  let latest: any;
  beforeAll(() => {
    latest = JSON.parse(fs.readFileSync(path.join(root, 'lab-results', 'latest.json'), 'utf8'));
  });

  test('latest.json is a run on the default parameters with every profile', () => {
    expect(latest.parameters).toEqual(JSON.parse(JSON.stringify(DEFAULT_PARAMS)));
    for (const key of ['sticky-balanced', 'sticky-persistent', 'stateless']) {
      expect(Object.keys(latest[key])).toEqual(
        expect.arrayContaining(['replicaShare', 'p50Ms', 'p99Ms', 'errorRate', 'sessionsLostOnKill', 'repinnedFractionOnScaleOut']),
      );
      expect(latest[key].replicaShare).toHaveLength(DEFAULT_PARAMS.replicas);
    }
  });

  test("the README's Why table and docs/affinity-lab.md show latest.json's numbers", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const report = fs.readFileSync(path.join(root, 'docs', 'affinity-lab.md'), 'utf8');
    const row = readme.split('\n').find((l) => l.startsWith('| aggregate p99 |'))!;
    for (const key of ['sticky-balanced', 'sticky-persistent', 'stateless']) {
      const p99 = `${latest[key].p99Ms.toLocaleString('en-US')} ms`;
      expect(row).toContain(p99);
      expect(report).toContain(p99);
    }
    expect(report).toContain('](../lab-results/affinity-lab.svg)');
    expect(fs.readFileSync(path.join(root, 'lab-results', 'affinity-lab.svg'), 'utf8')).toMatch(/^<svg /);
  });
});

describe("ingress-nginx's balanced ring (resty.chash), computed", () => {
  test('CRC-32 is the standard one (ngx.crc32_short): "123456789" is cbf43926', () => {
    expect(crc32('123456789').toString(16)).toBe('cbf43926');
    expect(crc32('')).toBe(0);
  });

  test('160 points per endpoint; a key always finds an endpoint, and the same one on the same ring', () => {
    expect(CONSISTENT_POINTS).toBe(160);
    const ring = new RestyChash(['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080']);
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) seen.add(ring.find(`${i}.1234.${i * 7}`));
    expect([...seen].sort()).toEqual(['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080']);
    expect(ring.find('a key')).toBe(new RestyChash(['10.0.0.3:8080', '10.0.0.1:8080', '10.0.0.2:8080']).find('a key'));
  });

  test('a scale-out re-pins exactly the keys whose arc a new endpoint takes: none without a change, all of them to a new ring', () => {
    const six = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '10.0.0.4:80', '10.0.0.5:80', '10.0.0.6:80'];
    expect(repinnedShare(six, six)).toBe(0);
    expect(repinnedShare(six, six.map((e) => e.replace(':80', ':81')))).toBeGreaterThan(0.99);
    // the exact share agrees with a count over many random keys
    const eight = [...six, '10.0.0.7:80', '10.0.0.8:80'];
    const [a, b] = [new RestyChash(six), new RestyChash(eight)];
    let moved = 0;
    for (let i = 0; i < 20_000; i++) if (a.find(`k${i}`) !== b.find(`k${i}`)) moved++;
    expect(Math.abs(moved / 20_000 - repinnedShare(six, eight))).toBeLessThan(0.015);
  });

  test('over random endpoint sets the mean re-pinned share is (n-c)/n: 25% for 6 to 8, 70% for 6 to 20', () => {
    expect(Math.abs(meanRepinnedShare(6, 8, 100, 17).mean - 0.25)).toBeLessThan(0.01);
    expect(Math.abs(meanRepinnedShare(6, 20, 60, 17).mean - 0.7)).toBeLessThan(0.01);
  });

  test('the committed report gives the computed ring next to the measured ketama share', () => {
    const report = fs.readFileSync(path.join(__dirname, '..', 'docs', 'affinity-lab.md'), 'utf8');
    const ring = meanRepinnedShare(DEFAULT_PARAMS.scaleFrom, DEFAULT_PARAMS.scaleTo, 300, DEFAULT_PARAMS.seed);
    expect(report).toContain(`| ingress-nginx's ring, computed | ${(ring.mean * 100).toFixed(1)}% (mean of 300 random endpoint sets;`);
    expect(report).toContain('What it stands in for: the way a balanced user is pinned');
  });
});

describe('lab options', () => {
  test('defaults are the case study: 6 replicas, 300 users, 20% power users with 10x the requests', () => {
    const { params, outDir, reportPath } = parseOptions([]);
    expect(params).toMatchObject({ replicas: 6, users: 300, powerShare: 0.2, powerRatio: 10 });
    expect(outDir).toBe('lab-results');
    expect(reportPath).toBe('docs/affinity-lab.md');
    expect(parseOptions(['--replicas', '4', '--power-share=0.3', '--profiles', 'stateless,sticky-balanced']).params).toMatchObject({
      replicas: 4,
      powerShare: 0.3,
      profiles: ['sticky-balanced', 'stateless'],
    });
  });

  test.each([
    [['--replicas', '1'], '--replicas must be a whole number from 2 to 20, got "1". replicas for the steady load and the kill.'],
    [['--power-share', '1.5'], '--power-share must be a number from 0 to 1, got "1.5". share of power users, 0-1.'],
    [['--users', 'many'], '--users must be a whole number from 1 to 2000, got "many". simulated users.'],
    [['--duration'], '--duration needs a value. Run npm run lab -- --help for the options.'],
    [['--replica', '3'], 'unknown option "--replica". Run npm run lab -- --help for the options.'],
    [['--profiles', 'sticky'], '--profiles must list some of sticky-balanced, sticky-persistent, stateless, got "sticky".'],
    [['--think-min-ms', '500', '--think-max-ms', '100'], '--think-max-ms (100) must not be below --think-min-ms (500).'],
    [['--scale-from', '6', '--scale-to', '6'], '--scale-to (6) must be above --scale-from (6): the scenario adds replicas.'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(LabOptionError);
    expect(() => parseOptions(argv)).toThrow(message);
  });
});

describe('proxy configurations', () => {
  const backends = [
    { name: 'r0', port: 40001 },
    { name: 'r1', port: 40002 },
  ];

  test('balanced: nginx hashes a random per-user route cookie on a consistent ring and sets it on the first request', () => {
    const conf = nginxConfig('sticky-balanced', '/tmp/x', 40000, backends);
    expect(conf).toContain('hash $sticky_key consistent;');
    expect(conf).toContain('map $cookie_route $sticky_key { "" $request_id; default $cookie_route; }');
    expect(conf).toContain('add_header Set-Cookie $sticky_set_cookie always;');
    expect(conf).toContain('listen 127.0.0.1:40000;');
    expect(conf).toContain('server 127.0.0.1:40002 max_fails=1 fail_timeout=10s;');
    expect(conf).toContain('proxy_next_upstream error timeout;');
  });

  test('stateless: nginx round robin, no hash and no cookie', () => {
    const conf = nginxConfig('stateless', '/tmp/x', 40000, backends);
    expect(conf).not.toContain('hash ');
    expect(conf).not.toContain('Set-Cookie');
  });

  test('persistent: HAProxy inserts a cookie naming the server, first pick random', () => {
    const conf = haproxyConfig(40000, backends);
    expect(conf).toContain('cookie SERVERID insert indirect nocache');
    expect(conf).toContain('balance random(1)');
    expect(conf).toContain('server r1 127.0.0.1:40002 cookie r1 check');
    expect(conf).toContain('bind 127.0.0.1:40000');
  });
});

describe('session-app lab modes (SESSION_STORE=memory, SERVICE_TIME_MS, QUEUE_LIMIT)', () => {
  interface Reply {
    status: number;
    text: string;
    ms: number;
    cookie?: string;
  }

  function request(port: number, init: { method?: string; body?: string; cookie?: string } = {}): Promise<Reply> {
    const start = Date.now();
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
      if (init.cookie) headers.cookie = init.cookie;
      const req = http.request({ host: '127.0.0.1', port, method: init.method ?? 'GET', path: '/', headers, agent: false }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text, ms: Date.now() - start, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] }));
      });
      req.on('error', reject);
      req.end(init.body);
    });
  }

  async function listen(env: Record<string, string>): Promise<{ port: number; close: () => Promise<void> }> {
    const app = createApp(env);
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    return { port: app.server.address().port, close: app.close };
  }

  test('memory sessions: POST then GET with the cookie reads the session back, without any Redis', async () => {
    const app = await listen({ SESSION_STORE: 'memory' });
    try {
      const post = await request(app.port, { method: 'POST', body: 'lang=fr' });
      expect(post.text).toBe('Language: fr\n');
      expect(post.cookie).toMatch(/^sid=[0-9a-f]{32}$/);
      expect((await request(app.port, { cookie: post.cookie })).text).toBe('Language: fr\n');
      expect((await request(app.port)).text).toBe('Language: null\n');
    } finally {
      await app.close();
    }
  });

  test('one serialized worker: requests wait their turn of SERVICE_TIME_MS, and a full queue answers 503', async () => {
    const app = await listen({ SESSION_STORE: 'memory', SERVICE_TIME_MS: '100', QUEUE_LIMIT: '2' });
    try {
      const answers = await Promise.all([0, 1, 2, 3].map(() => request(app.port)));
      const ok = answers.filter((a) => a.status === 200).sort((a, b) => a.ms - b.ms);
      const dropped = answers.filter((a) => a.status === 503);
      // the first is taken at once, two wait, the fourth finds the queue full
      expect(ok).toHaveLength(3);
      expect(dropped).toHaveLength(1);
      expect(dropped[0].text).toMatch(/^overloaded: 2 requests already waiting/);
      expect(ok[0].ms).toBeGreaterThanOrEqual(95);
      expect(ok[2].ms).toBeGreaterThanOrEqual(295);
    } finally {
      await app.close();
    }
  });

  test('bad mode values stop the app at start', () => {
    expect(() => createApp({ SESSION_STORE: 'disk' })).toThrow('SESSION_STORE must be "redis" or "memory", got "disk".');
    expect(() => createApp({ SESSION_STORE: 'memory', SERVICE_TIME_MS: '-5' })).toThrow(
      'SERVICE_TIME_MS must be a whole number of milliseconds >= 0, got "-5".',
    );
    expect(() => createApp({ SESSION_STORE: 'memory', QUEUE_LIMIT: 'lots' })).toThrow('QUEUE_LIMIT must be a whole number of requests >= 0, got "lots".');
  });
});
