import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Redis from 'ioredis';
import { RedisSessionStore, RedisTopology, StatelessWebApp } from '../src';
import { haproxyAvailable, HaproxyProcess, loopbackHaproxyConfig } from './support/haproxy';
import { ExporterProcess, metricsToolsAvailable } from './support/metrics-tools';
import { availableFlavours, Flavour, freePort, opensslAvailable, StoreHarness } from './support/redis-harness';
import { only, newChart, synth } from './support/synth';

/**
 * TLS inside the cluster, on real Valkey and Redis servers (Debian's are built with TLS), with certificates made
 * here by openssl as cert-manager would put them in a kubernetes.io/tls Secret; with the metrics exporter and the
 * primary endpoint on, so TLS is shown to reach every component: clients, replication, Sentinel, the probes,
 * redis_exporter and HAProxy's health checks.
 */
const SECRETS = { 'sessions-auth': { 'password': 'store-pw', 'monitor-password': 'monitor-pw' }, 'sessions.shop.web': { password: 'web-pw' } };
const flavours = opensslAvailable() && haproxyAvailable() && metricsToolsAvailable() ? availableFlavours() : [];
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

const suite = (flavour: Flavour) => describe(`${flavour}: TLS for clients, replication, Sentinel, probes, exporter and HAProxy`, () => {
  const chart = newChart('shop');
  const store = new RedisSessionStore(chart, 'sessions', {
    name: 'sessions', topology: RedisTopology.SENTINEL, tlsSecretName: 'sessions-tls', metrics: {}, primaryEndpoint: {},
  });
  new StatelessWebApp(chart, 'web', { name: 'web', image: 'registry.example.com/web:1.0.0', sessionStore: store });
  const objects = synth(chart);
  const h = new StoreHarness(objects, SECRETS, flavour);
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
    const plain = spawnSync(h.cliBinary, ['--user', 'admin', '-h', '127.0.0.1', '-p', String(port('sessions-0')), 'PING'], {
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

  test('the readiness probes speak TLS: every pod becomes Ready', async () => {
    for (const pod of [...REDIS, ...SENTINELS]) await h.becomeReady(pod, 30_000);
  });

  test('the exporter sidecar connects with TLS to its pod\'s own host name, as monitor, and exports the role', async () => {
    const sts = only(objects, 'StatefulSet', 'sessions');
    const sidecar = sts.spec.template.spec.containers.find((c: any) => c.name === 'metrics');
    expect(sidecar.volumeMounts).toEqual([{ name: 'tls', mountPath: '/etc/redis-tls', readOnly: true }]);
    const env = h.clientEnvironment({ env: sidecar.env.filter((e: any) => !e.valueFrom?.fieldRef) }, 'shop');
    expect(env.REDIS_ADDR).toBe('rediss://$(POD_NAME).sessions-headless.$(POD_NAMESPACE).svc.cluster.local:6379');
    expect(env.REDIS_USER).toBe('monitor');
    expect(env.REDIS_PASSWORD).toBe('monitor-pw');
    // on loopback the pod's host name is localhost (the test certificate's name), at the pod's port
    env.REDIS_ADDR = `rediss://localhost:${port('sessions-0')}`;
    env.REDIS_EXPORTER_TLS_CA_CERT_FILE = env.REDIS_EXPORTER_TLS_CA_CERT_FILE.replace('/etc/redis-tls', h.tlsDir!);
    const exporter = new ExporterProcess(env, await freePort());
    try {
      await exporter.start();
      const samples = await exporter.scrape();
      expect(samples.find((x) => x.name === 'redis_up')?.value).toBe(1);
      expect(samples.some((x) => x.name === 'redis_instance_info' && /role="master"/.test(x.labels))).toBe(true);
    } finally {
      await exporter.close();
    }
  });

  test('HAProxy checks the servers over TLS with the CA, is ready, and passes clients\' TLS through to the primary', async () => {
    const cfg = only(objects, 'ConfigMap', 'sessions-primary').data['haproxy.cfg'] as string;
    expect(cfg).toContain('check-ssl verify required ca-file /etc/redis-tls/ca.crt');
    expect(cfg).toMatch(/^ {2}tcp-check connect default$/m);
    const container = only(objects, 'Deployment', 'sessions-primary').spec.template.spec.containers[0];
    const env = h.clientEnvironment({ env: container.env.filter((e: any) => !e.valueFrom?.fieldRef) }, 'shop');
    env.POD_NAMESPACE = 'shop';
    const ports = { redis: await freePort(), health: await freePort() };
    const haproxy = new HaproxyProcess(loopbackHaproxyConfig(cfg.split('/etc/redis-tls').join(h.tlsDir!), ports, (pod) => port(pod)), env);
    try {
      expect(haproxy.check().ok).toBe(true);
      haproxy.start();
      const current = primary()!;
      // (the servers listen on tls-port only: "port" is 0)
      const reached = () => h.cli(ports.redis, ['CONFIG', 'GET', 'tls-port'], 'store-pw').split('\n')[1];
      await h.waitFor(() => reached() === String(port(current)), 20_000, 'HAProxy to route to the primary').catch((e) => {
        throw new Error(`${e.message}\n${haproxy.log}`);
      });
      expect((await fetch(`http://127.0.0.1:${ports.health}/healthz`)).status).toBe(200);
    } finally {
      await haproxy.close();
    }
  });

  test('an ioredis client with the CA writes through the Sentinels, and follows a failover', async () => {
    const ca = fs.readFileSync(path.join(h.tlsDir!, 'ca.crt'));
    const client = new Redis({
      sentinels: SENTINELS.map((s) => ({ host: '127.0.0.1', port: port(s) })),
      name: 'mymaster',
      username: 'app.shop.web',
      password: 'web-pw',
      sentinelUsername: 'app.shop.web',
      sentinelPassword: 'web-pw',
      keyPrefix: 'shop.web:',
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
      return h.cli(port(primary()!), ['GET', 'shop.web:session:after'], 'store-pw') === 'v2';
    }, 30_000, 'the client to write on the new primary');
    expect(await client.get('session:tls')).toBe('v1');
  });
});

if (flavours.length === 0) describe.skip('TLS (a server, openssl, haproxy or the exporter is missing)', () => test('skipped', () => undefined));
for (const flavour of flavours) suite(flavour);
