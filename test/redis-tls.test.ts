import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Redis from 'ioredis';
import { RedisSessionStore, RedisTopology, StatelessWebApp } from '../src';
import { opensslAvailable, redisAvailable, StoreHarness } from './support/redis-harness';
import { only, newChart, synth } from './support/synth';

/**
 * Issue #14 item 8: TLS inside the cluster, on real redis-server / redis-sentinel (Debian's are built with TLS),
 * with certificates made here by openssl as cert-manager would put them in a kubernetes.io/tls Secret.
 */
const SECRETS = { 'sessions-auth': { password: 'store-pw' }, 'sessions-web-auth': { password: 'web-pw' } };
const available = redisAvailable() && opensslAvailable();
const e2e = available ? describe : describe.skip;
const REDIS = ['sessions-0', 'sessions-1', 'sessions-2'];
const SENTINELS = ['sessions-sentinel-0', 'sessions-sentinel-1', 'sessions-sentinel-2'];

jest.setTimeout(120_000);

/** A CA and a server certificate for 127.0.0.1 / localhost signed by it: tls.crt, tls.key, ca.crt. */
function makeCertificates(dir: string): void {
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=sessions-test-ca']);
  run(['req', ...ec, '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=sessions']);
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '1', '-extfile', 'ext.cnf']);
}

e2e('TLS for clients, replication and Sentinel (issue #14 item 8)', () => {
  const chart = newChart('shop');
  const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL, tlsSecretName: 'sessions-tls' });
  new StatelessWebApp(chart, 'web', { name: 'web', image: 'registry.example.com/web:1.0.0', sessionStore: store });
  const objects = synth(chart);
  const h = new StoreHarness(objects, SECRETS);
  const clients: Redis[] = [];
  const port = (pod: string) => h.pod(pod).port;
  const primary = () => {
    const p = h.cli(port('sessions-sentinel-0'), ['SENTINEL', 'get-master-addr-by-name', 'mymaster'], 'store-pw').split('\n')[1];
    return REDIS.find((r) => String(port(r)) === p);
  };

  beforeAll(async () => {
    h.tlsDir = fs.mkdtempSync(path.join(h.dir, 'tls-'));
    makeCertificates(h.tlsDir);
    await h.allocate();
    await Promise.all([...REDIS, ...SENTINELS].map((p) => h.start(p)));
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await h.close();
  });

  test('the app is told to use TLS; the pods mount the Secret', () => {
    const env = h.clientEnvironment(only(objects, 'Deployment', 'web').spec.template.spec.containers[0], 'shop');
    expect(env.REDIS_TLS).toBe('true');
    expect(store.connection.tls).toBe(true);
    for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) {
      const pod = sts.spec.template.spec;
      expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'sessions-tls', defaultMode: 0o440 } });
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/redis-tls', readOnly: true });
      expect(pod.containers[0].env).toContainEqual({ name: 'TLS_DIR', value: '/etc/redis-tls' });
    }
  });

  test('plain TCP is closed; TLS with the CA works', () => {
    const plain = spawnSync('redis-cli', ['--user', 'admin', '-h', '127.0.0.1', '-p', String(port('sessions-0')), 'PING'], {
      env: { PATH: process.env.PATH, REDISCLI_AUTH: 'store-pw' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(`${plain.stdout}${plain.stderr}`).not.toContain('PONG');
    expect(h.cli(port('sessions-0'), ['PING'], 'store-pw')).toBe('PONG');
    expect(h.cli(port('sessions-sentinel-0'), ['PING'], 'store-pw')).toBe('PONG');
  });

  test('replication and Sentinel run over TLS: replicas in sync, Sentinels see them and each other', async () => {
    await h.waitFor(
      () => ['sessions-1', 'sessions-2'].every((p) => /master_link_status:up/.test(h.cli(port(p), ['INFO', 'replication'], 'store-pw'))),
      30_000,
      'both replicas in sync over TLS',
    );
    await h.waitFor(
      () => {
        const info = h.cli(port('sessions-sentinel-0'), ['SENTINEL', 'master', 'mymaster'], 'store-pw').split('\n');
        const field = (k: string) => info[info.indexOf(k) + 1];
        return field('num-slaves') === '2' && field('num-other-sentinels') === '2';
      },
      30_000,
      'the Sentinels to see 2 replicas and 2 other Sentinels over TLS',
    );
  });

  test('an ioredis client with the CA writes through the Sentinels, and follows a failover', async () => {
    const ca = fs.readFileSync(path.join(h.tlsDir!, 'ca.crt'));
    const client = new Redis({
      sentinels: SENTINELS.map((s) => ({ host: '127.0.0.1', port: port(s) })),
      name: 'mymaster',
      username: 'app-web',
      password: 'web-pw',
      sentinelUsername: 'app-web',
      sentinelPassword: 'web-pw',
      keyPrefix: 'web:',
      tls: { ca },
      sentinelTLS: { ca },
      enableTLSForSentinelMode: true,
      enableReadyCheck: false,
    });
    client.on('error', () => undefined);
    clients.push(client);
    expect(await client.set('session:tls', 'v1')).toBe('OK');
    expect(await client.call('WAIT', '2', '5000')).toBe(2);

    const old = primary()!;
    await h.kill(old);
    await h.waitFor(() => {
      const p = primary();
      return p !== undefined && p !== old && h.cli(port(p), ['ROLE'], 'store-pw').startsWith('master');
    }, 60_000, 'a replica to be promoted over TLS');
    await h.waitFor(() => {
      void client.set('session:after', 'v2').catch(() => undefined);
      return h.cli(port(primary()!), ['GET', 'web:session:after'], 'store-pw') === 'v2';
    }, 30_000, 'the client to write on the new primary');
    expect(await client.get('session:tls')).toBe('v1');
  });
});
