import { ApiObject, Chart, Duration, Size, Testing } from 'cdk8s';
import { RedisSessionStore, RedisSessionStoreProps, RedisTopology, RiskCode, SessionEnvPreset, SessionStore, StatelessWebApp } from '../src';
import { lintViolations, podSecurityViolations } from './support/policy';
import { newChart, only, ofKind, schemaErrors, synth, synthYaml } from './support/synth';

const IMAGE = 'ghcr.io/acme/web:1.4.2';

function build(props: RedisSessionStoreProps = {}, namespace = 'shop') {
  const chart = newChart(namespace);
  const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', ...props });
  const app = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, host: 'shop.example.com', sessionStore: store });
  return { chart, store, app, objects: synth(chart) };
}

function envOf(container: any): Record<string, any> {
  return Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

describe('RedisSessionStore standalone (default)', () => {
  const { chart, objects } = build();
  const sts = only(objects, 'StatefulSet');
  const container = sts.spec.template.spec.containers[0];
  const config = only(objects, 'ConfigMap').data;

  test('YAML snapshot', () => {
    expect(synthYaml(chart)).toMatchSnapshot();
  });

  test('one Redis in a StatefulSet with a PersistentVolumeClaim', () => {
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe('sessions-headless');
    expect(sts.spec.volumeClaimTemplates).toEqual([
      expect.objectContaining({ metadata: expect.objectContaining({ name: 'data' }), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }),
    ]);
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
  });

  test('AOF persistence on, fsync every second', () => {
    expect(config['redis.conf']).toMatch(/^appendonly yes$/m);
    expect(config['redis.conf']).toMatch(/^appendfsync everysec$/m);
  });

  test('the default image is pinned Valkey', () => {
    expect(container.image).toBe('docker.io/valkey/valkey:9.1.1');
    expect(container.imagePullPolicy).toBe('IfNotPresent');
  });

  test('no preStop hook for a standalone server (there is no one to hand over to)', () => {
    expect(container.lifecycle).toBeUndefined();
    expect(config['prestop-redis.sh']).toBeUndefined();
  });

  test('auth always on: the password only from the Secret "<name>-auth", never in the YAML', () => {
    const env = envOf(container);
    expect(env.REDIS_PASSWORD).toEqual({ secretKeyRef: { name: 'sessions-auth', key: 'password' } });
    expect(env.REDISCLI_AUTH).toEqual({ secretKeyRef: { name: 'sessions-auth', key: 'password' } });
    // ACL users instead of requirepass: the default user is disabled, the store's password is its internal users'
    expect(config['start-redis.sh']).toContain('acl_users redis');
    expect(config['common.sh']).toContain('echo "user default reset"');
    expect(config['common.sh']).toContain('echo "user admin on$(accepts admin) ~* &* +@all"');
    expect(config['start-redis.sh']).not.toContain('requirepass');
    // the bound app's own user and password Secret reach the server as APP_USERS / APP_PASSWORD_0
    expect(env.APP_USERS).toBe('app.shop.web=shop.web:');
    expect(env.APP_PASSWORD_0).toEqual({ secretKeyRef: { name: 'sessions.shop.web', key: 'password', optional: true } });
    expect(env.APP_PASSWORD_ALTERNATE_0).toEqual({ secretKeyRef: { name: 'sessions.shop.web', key: 'password-alternate', optional: true } });
    expect(env.REDIS_PASSWORD_ALTERNATE).toEqual({ secretKeyRef: { name: 'sessions-auth', key: 'password-alternate', optional: true } });
    // no metrics and no primary endpoint: the monitor password is optional (no monitor user without it)
    expect(env.MONITOR_PASSWORD).toEqual({ secretKeyRef: { name: 'sessions-auth', key: 'monitor-password', optional: true } });
    expect(ofKind(objects, 'Secret')).toEqual([]);
    expect(JSON.stringify(objects)).not.toMatch(/requirepass [^$]/);
  });

  test('a ClusterIP Service for clients and a headless one for pod DNS', () => {
    expect(only(objects, 'Service', 'sessions').spec).toMatchObject({ type: 'ClusterIP', ports: [{ port: 6379 }] });
    expect(only(objects, 'Service', 'sessions-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  });

  test('the bound app gets REDIS_URL for the in-cluster Service, its own user, key prefix and password Secret', () => {
    const app = only(objects, 'Deployment').spec.template.spec.containers[0];
    expect(envOf(app)).toEqual({
      REDIS_URL: 'redis://sessions.shop.svc.cluster.local:6379',
      REDIS_HOST: 'sessions.shop.svc.cluster.local',
      REDIS_PORT: '6379',
      REDIS_USERNAME: 'app.shop.web',
      REDIS_PASSWORD: { secretKeyRef: { name: 'sessions.shop.web', key: 'password' } },
      REDIS_TLS: 'false',
      REDIS_KEY_PREFIX: 'shop.web:',
    });
  });

  test('NetworkPolicy: only the store itself and bound apps reach 6379', () => {
    const policy = only(objects, 'NetworkPolicy');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'stateless.cdk8s.io/session-store': 'sessions' } });
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          { podSelector: { matchLabels: { 'stateless.cdk8s.io/session-store': 'sessions' } } },
          { podSelector: { matchLabels: { 'stateless.cdk8s.io/session-client': 'sessions' } } },
        ],
        ports: [{ protocol: 'TCP', port: 6379 }],
      },
    ]);
    const appPodLabels = only(objects, 'Deployment').spec.template.metadata.labels;
    expect(appPodLabels['stateless.cdk8s.io/session-client']).toBe('sessions');
  });

  test('no PDB for a single pod (it could only block drains or protect nothing); the risk says so', () => {
    expect(ofKind(objects, 'PodDisruptionBudget').map((p) => p.metadata.name)).toEqual(['web']);
    const annotations = sts.metadata.annotations!;
    expect(annotations['risks.stateless.cdk8s.io/store-single-point-of-failure']).toMatch(/^sessions is a standalone Redis: every session of every bound app lives in one pod/);
  });

  test('valid against the Kubernetes schema, PSS restricted and kube-linter checks', () => {
    expect(schemaErrors(objects)).toEqual([]);
    expect(podSecurityViolations(objects)).toEqual([]);
    expect(lintViolations(objects)).toEqual([]);
  });
});

describe('RedisSessionStore Sentinel', () => {
  const { chart, store, objects } = build({ topology: RedisTopology.SENTINEL });
  const redis = only(objects, 'StatefulSet', 'sessions');
  const sentinel = only(objects, 'StatefulSet', 'sessions-sentinel');
  const config = only(objects, 'ConfigMap').data;

  test('YAML snapshot', () => {
    expect(synthYaml(chart)).toMatchSnapshot();
  });

  test('3 Redis (created together, so a cold restart brings back the promoted one at once) and 3 Sentinels', () => {
    expect(redis.spec.replicas).toBe(3);
    expect(redis.spec.podManagementPolicy).toBe('Parallel');
    expect(sentinel.spec.podManagementPolicy).toBe('Parallel');
    expect(sentinel.spec.replicas).toBe(3);
    const env = envOf(redis.spec.template.spec.containers[0]);
    expect(env.TOPOLOGY).toBe('sentinel');
    expect(env.REDIS_NODES).toBe(
      [0, 1, 2].map((i) => `sessions-${i}.sessions-headless.$(POD_NAMESPACE).svc.cluster.local:6379`).join(' '),
    );
    expect(env.SENTINEL_NODES).toBe(
      [0, 1, 2].map((i) => `sessions-sentinel-${i}.sessions-sentinel-headless.$(POD_NAMESPACE).svc.cluster.local:26379`).join(' '),
    );
    // POD_NAMESPACE is defined before the variables that expand it
    const names = redis.spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(names.indexOf('POD_NAMESPACE')).toBeLessThan(names.indexOf('REDIS_NODES'));
  });

  test('master set mymaster, quorum 2, port 26379, host names resolved and announced', () => {
    const env = envOf(sentinel.spec.template.spec.containers[0]);
    expect(env.SENTINEL_MASTER).toBe('mymaster');
    expect(env.SENTINEL_QUORUM).toBe('2');
    expect(sentinel.spec.template.spec.containers[0].ports).toEqual([{ name: 'sentinel', containerPort: 26379, protocol: 'TCP' }]);
    expect(config['sentinel.conf']).toMatch(/^sentinel resolve-hostnames yes$/m);
    expect(config['sentinel.conf']).toMatch(/^sentinel announce-hostnames yes$/m);
    expect(config['start-sentinel.sh']).toContain('sentinel monitor $SENTINEL_MASTER ${master%:*} ${master##*:} $SENTINEL_QUORUM');
    expect(config['sentinel-master.conf']).toBe(
      'sentinel down-after-milliseconds mymaster 5000\nsentinel failover-timeout mymaster 60000\nsentinel parallel-syncs mymaster 1\n',
    );
  });

  test('a restarted old primary asks the Sentinels first and rejoins as a replica', () => {
    const script: string = config['start-redis.sh'];
    const askSentinels = script.indexOf('master="$(current_primary "")"');
    const firstStart = script.indexOf('nth_entry "$REDIS_NODES" 0');
    expect(askSentinels).toBeGreaterThan(0);
    expect(firstStart).toBeGreaterThan(askSentinels);
    expect(script).toContain('echo "replicaof ${master%:*} ${master##*:}"');
    expect(script).toContain('echo "replica-announce-ip ${self%:*}"');
    // the newest view wins: a Sentinel running a failover, else the highest config-epoch
    expect(config['common.sh']).toContain('*failover_in_progress*) rank=999999999');
    expect(config['common.sh']).toContain("sed -n '/^config-epoch$/{n;p;q;}'");
    expect(config['start-sentinel.sh']).toContain('view="$(newest_view "$self")"');
  });

  test('a node that holds data never elects itself: it waits for the Sentinels, then refuses to start', () => {
    const script: string = config['start-redis.sh'];
    expect(script).toContain('if [ -z "$master" ] && holds_data; then');
    expect(script).toContain('exit 1');
    expect(script.indexOf('holds_data; then')).toBeLessThan(script.indexOf('nth_entry "$REDIS_NODES" 0'));
    expect(config['common.sh']).toContain('[ -d "$DATA_DIR/appendonlydir" ]');
    expect(envOf(redis.spec.template.spec.containers[0]).START_WAIT_SECONDS).toBe('60');
  });

  test('Sentinels keep their state on a PersistentVolumeClaim and know every replica from the start', () => {
    expect(sentinel.spec.volumeClaimTemplates).toEqual([
      expect.objectContaining({ metadata: expect.objectContaining({ name: 'data' }), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } }),
    ]);
    expect(sentinel.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(sentinel.spec.template.spec.volumes.map((v: any) => v.name)).not.toContain('data');
    const script: string = config['start-sentinel.sh'];
    expect(script).toContain('conf="$DATA_DIR/sentinel.conf"');
    expect(script).toContain('exec "$SENTINEL" "$conf"');
    expect(script).toContain('for n in $REDIS_NODES; do echo "sentinel known-replica $SENTINEL_MASTER ${n%:*} ${n##*:}"; done');
  });

  test('a stopping primary hands over first: preStop hook on Redis, none on Sentinels', () => {
    expect(redis.spec.template.spec.containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sh', '/etc/redis/prestop-redis.sh'] } } });
    expect(config['prestop-redis.sh']).toContain('SENTINEL FAILOVER "$SENTINEL_MASTER"');
    expect(sentinel.spec.template.spec.containers[0].lifecycle).toBeUndefined();
  });

  test('the preStop budget and the grace period are derived together: budget + one ask (3 s) + 12 s to shut down', () => {
    const env = envOf(redis.spec.template.spec.containers[0]);
    expect(env.PRESTOP_BUDGET_SECONDS).toBe('15');
    expect(redis.spec.template.spec.terminationGracePeriodSeconds).toBe(15 + 3 + 12);
    expect(config['prestop-redis.sh']).toContain('budget="${PRESTOP_BUDGET_SECONDS:-15}"');
    expect(config['common.sh']).toContain('timeout 3 "$CLI"');
  });

  test('writes stop on a primary that lost all replicas before the Sentinels can promote one (lag limit from down-after)', () => {
    expect(config['redis.conf']).toMatch(/^min-replicas-to-write 1$/m);
    // refused at the latest max-lag + 2 s after the last acknowledgement: 3 + 2 <= 5 s
    expect(config['redis.conf']).toMatch(/^min-replicas-max-lag 3$/m);
  });

  test('PDBs for Redis and Sentinels, NetworkPolicy on 6379 and 26379', () => {
    expect(ofKind(objects, 'PodDisruptionBudget').map((p) => [p.metadata.name, p.spec.maxUnavailable])).toEqual([
      ['sessions', 1],
      ['sessions-sentinel', 1],
      ['web', 1],
    ]);
    expect(only(objects, 'NetworkPolicy').spec.ingress[0].ports).toEqual([
      { protocol: 'TCP', port: 6379 },
      { protocol: 'TCP', port: 26379 },
    ]);
  });

  test('the bound app gets the Sentinel addresses and master name (generic preset)', () => {
    const env = envOf(only(objects, 'Deployment').spec.template.spec.containers[0]);
    expect(env).toEqual({
      REDIS_SENTINELS: [0, 1, 2].map((i) => `sessions-sentinel-${i}.sessions-sentinel-headless.shop.svc.cluster.local:26379`).join(','),
      REDIS_SENTINEL_MASTER: 'mymaster',
      REDIS_USERNAME: 'app.shop.web',
      REDIS_PASSWORD: { secretKeyRef: { name: 'sessions.shop.web', key: 'password' } },
      REDIS_SENTINEL_USERNAME: 'app.shop.web',
      REDIS_SENTINEL_PASSWORD: { secretKeyRef: { name: 'sessions.shop.web', key: 'password' } },
      REDIS_TLS: 'false',
      REDIS_KEY_PREFIX: 'shop.web:',
    });
    expect(store.passwordSecretNameFor('web')).toBe('sessions.shop.web');
    expect(store.passwordSecretNameFor('web', 'team-b')).toBe('sessions.team-b.web');
  });

  test('no risk reported for the Sentinel topology', () => {
    expect(redis.metadata.annotations).toBeUndefined();
  });

  test('valid against the Kubernetes schema, PSS restricted and kube-linter checks', () => {
    expect(schemaErrors(objects)).toEqual([]);
    expect(podSecurityViolations(objects)).toEqual([]);
    expect(lintViolations(objects)).toEqual([]);
  });
});

describe('RedisSessionStore options', () => {
  test('image, storage, resources, secret, timings, 5 Sentinels (quorum 3)', () => {
    const { objects } = build({
      topology: RedisTopology.SENTINEL,
      sentinels: 5,
      image: 'redis:7.2.5',
      storageSize: Size.gibibytes(5),
      storageClassName: 'fast-ssd',
      passwordSecretName: 'redis-creds',
      passwordSecretKey: 'redis-password',
      sentinelDownAfter: Duration.seconds(10),
      failoverTimeout: Duration.minutes(3),
      maxmemoryPolicy: 'allkeys-lru',
      clusterDomain: 'corp.internal',
    });
    const redis = only(objects, 'StatefulSet', 'sessions');
    const sentinel = only(objects, 'StatefulSet', 'sessions-sentinel');
    expect(sentinel.spec.replicas).toBe(5);
    expect(envOf(sentinel.spec.template.spec.containers[0]).SENTINEL_QUORUM).toBe('3');
    expect(redis.spec.template.spec.containers[0].image).toBe('redis:7.2.5');
    expect(redis.spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', resources: { requests: { storage: '5Gi' } } });
    expect(envOf(redis.spec.template.spec.containers[0]).REDIS_PASSWORD).toEqual({ secretKeyRef: { name: 'redis-creds', key: 'redis-password' } });
    const config = only(objects, 'ConfigMap').data;
    expect(config['sentinel-master.conf']).toContain('sentinel down-after-milliseconds mymaster 10000');
    expect(config['sentinel-master.conf']).toContain('sentinel failover-timeout mymaster 180000');
    expect(config['redis.conf']).toMatch(/^min-replicas-max-lag 8$/m);
    expect(config['redis.conf']).toContain('maxmemory-policy allkeys-lru');
    expect(envOf(redis.spec.template.spec.containers[0]).REDIS_NODES).toContain('sessions-0.sessions-headless.$(POD_NAMESPACE).svc.corp.internal:6379');
  });

  test('maxmemory is 70% of the memory limit', () => {
    const config = only(build().objects, 'ConfigMap').data;
    expect(config['redis.conf']).toMatch(new RegExp(`^maxmemory ${Math.floor(512 * 0.7) * 1024 * 1024}$`, 'm'));
  });

  test('Spring Boot preset on Sentinel: nodes instead of host, no SPRING_SESSION_STORE_TYPE', () => {
    const chart = newChart('rides');
    const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
    new StatelessWebApp(chart, 'api', { name: 'api', image: IMAGE, sessionStore: store, sessionEnvPreset: SessionEnvPreset.SPRING_BOOT });
    const env = envOf(only(synth(chart), 'Deployment').spec.template.spec.containers[0]);
    // Spring Boot 3 has no spring.session.store-type: the variable would be ignored (see env-presets.ts)
    expect(env).toEqual({
      SPRING_DATA_REDIS_SENTINEL_MASTER: 'mymaster',
      SPRING_DATA_REDIS_SENTINEL_NODES: [0, 1, 2].map((i) => `sessions-sentinel-${i}.sessions-sentinel-headless.rides.svc.cluster.local:26379`).join(','),
      SPRING_DATA_REDIS_USERNAME: 'app.rides.api',
      SPRING_DATA_REDIS_PASSWORD: { secretKeyRef: { name: 'sessions.rides.api', key: 'password' } },
      SPRING_DATA_REDIS_SENTINEL_USERNAME: 'app.rides.api',
      SPRING_DATA_REDIS_SENTINEL_PASSWORD: { secretKeyRef: { name: 'sessions.rides.api', key: 'password' } },
      SPRING_DATA_REDIS_SSL_ENABLED: 'false',
      // Spring Session keys are "<namespace>:sessions:<id>", inside the app's key prefix
      SPRING_SESSION_REDIS_NAMESPACE: 'rides.api:spring:session',
    });
  });

  test('node-redis preset: root nodes as JSON for createSentinel(), standalone REDIS_URL', () => {
    const chart = newChart('rides');
    const ha = new RedisSessionStore(chart, 'ha', { name: 'ha', topology: RedisTopology.SENTINEL });
    const single = new RedisSessionStore(chart, 'single', { name: 'single', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
    new StatelessWebApp(chart, 'a', { name: 'a', image: IMAGE, sessionStore: ha, sessionEnvPreset: SessionEnvPreset.NODE_REDIS });
    new StatelessWebApp(chart, 'b', { name: 'b', image: IMAGE, sessionStore: single, sessionEnvPreset: SessionEnvPreset.NODE_REDIS });
    const objects = synth(chart);
    const a = envOf(only(objects, 'Deployment', 'a').spec.template.spec.containers[0]);
    expect(a.REDIS_SENTINEL_NAME).toBe('mymaster');
    expect(JSON.parse(a.REDIS_SENTINEL_ROOT_NODES)).toEqual([0, 1, 2].map((i) => ({ host: `ha-sentinel-${i}.ha-sentinel-headless.rides.svc.cluster.local`, port: 26379 })));
    const b = envOf(only(objects, 'Deployment', 'b').spec.template.spec.containers[0]);
    expect(b).toEqual({
      REDIS_URL: 'redis://single.rides.svc.cluster.local:6379',
      REDIS_USERNAME: 'app.rides.b',
      REDIS_PASSWORD: { secretKeyRef: { name: 'single.rides.b', key: 'password' } },
      REDIS_KEY_PREFIX: 'rides.b:',
    });
    expect(a.REDIS_USERNAME).toBe('app.rides.a');
    expect(a.REDIS_SENTINEL_USERNAME).toBe('app.rides.a');
  });

  test('an app in another namespace is admitted by namespace and label', () => {
    const app = Testing.app();
    const storeChart = new Chart(app, 'data', { namespace: 'data' });
    const store = new RedisSessionStore(storeChart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
    const webChart = new Chart(app, 'web', { namespace: 'web' });
    new StatelessWebApp(webChart, 'web', { name: 'web', image: IMAGE, sessionStore: store });
    const policy = only(synth(storeChart), 'NetworkPolicy');
    expect(policy.spec.ingress[0].from).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } },
      podSelector: { matchLabels: { 'stateless.cdk8s.io/session-client': 'sessions' } },
    });
  });
});

describe('RedisSessionStore least privilege', () => {
  const chart = newChart('shop');
  const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
  new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, sessionStore: store });
  new StatelessWebApp(chart, 'api', { name: 'api', image: IMAGE, sessionStore: store });
  const objects = synth(chart);
  const config = only(objects, 'ConfigMap').data;

  test('every pod of the store knows every bound app: one user, key prefix and password Secret each, in a stable order', () => {
    for (const sts of ofKind(objects, 'StatefulSet')) {
      const env = envOf(sts.spec.template.spec.containers[0]);
      expect(env.APP_USERS).toBe('app.shop.api=shop.api: app.shop.web=shop.web:');
      // optional: a missing app Secret costs that app its user, not the store its pods (test/redis-e2e.test.ts)
      expect(env.APP_PASSWORD_0).toEqual({ secretKeyRef: { name: 'sessions.shop.api', key: 'password', optional: true } });
      expect(env.APP_PASSWORD_1).toEqual({ secretKeyRef: { name: 'sessions.shop.web', key: 'password', optional: true } });
    }
  });

  test('app users: their prefix only, no channels, no dangerous command, no key listing; Sentinel: lookups only', () => {
    const common: string = config['common.sh'];
    expect(common).toContain(
      "ACL_APP_REDIS='resetchannels -@all +@read +@write +@connection +@transaction -@dangerous -scan -randomkey -dbsize -info -client|tracking -client|trackinginfo -client|getredir -client|caching -function'",
    );
    expect(common).toContain('echo "user ${entry%%=*} on$hashes ~${entry#*=}* $ACL_APP_REDIS"');
    expect(common).toMatch(/ACL_APP_SENTINEL='allchannels -@all \+@connection -@dangerous .*\+sentinel\|get-master-addr-by-name/);
    expect(common).not.toMatch(/ACL_APP_SENTINEL=.*(\+sentinel\|(set|failover|reset|monitor|remove|config)|\+publish)/);
  });

  test('replication, Sentinel and probes use their own users; passwords only as SHA-256 hashes', () => {
    expect(config['common.sh']).toContain("ACL_REPLICATOR='-@all +psync +replconf +ping'");
    expect(config['common.sh']).toContain("ACL_PROBE='-@all +ping +info'");
    expect(config['common.sh']).toContain('role_password() { sha256 "cdk8s-stateless/$1/$2"; }');
    expect(config['start-redis.sh']).toContain('masterauth $(quoted "$(role_password replicator "$REDIS_PASSWORD")")');
    expect(config['start-sentinel.sh']).toContain('sentinel auth-pass $SENTINEL_MASTER $(quoted "$(role_password sentinel "$REDIS_PASSWORD")")');
    expect(config['start-redis.sh']).toContain('echo "masteruser replicator"');
    expect(config['start-sentinel.sh']).toContain('echo "sentinel auth-user $SENTINEL_MASTER sentinel"');
    expect(config['probe.sh']).toContain('CLI_USER=probe');
    expect(config['common.sh']).toContain("sha256() { printf '%s' \"$1\" | sha256sum | cut -d' ' -f1; }");
  });

  test('an external store gives no user: apps keep its password Secret', () => {
    const c = newChart('shop');
    const ext = SessionStore.external({ host: 'sessions.abc.cache.amazonaws.com', passwordSecretName: 'elasticache-auth' });
    new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE, sessionStore: ext });
    const env = envOf(only(synth(c), 'Deployment').spec.template.spec.containers[0]);
    expect(env.REDIS_USERNAME).toBeUndefined();
    expect(env.REDIS_KEY_PREFIX).toBeUndefined();
    expect(env.REDIS_PASSWORD).toEqual({ secretKeyRef: { name: 'elasticache-auth', key: 'password' } });
  });

  test('a client name that cannot name an ACL user is refused', () => {
    const c = newChart('shop');
    const s = new RedisSessionStore(c, 'sessions', { name: 'sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
    expect(() => s.grantAccess({ name: 'Web App', namespace: 'shop' })).toThrow(
      "RedisSessionStore 'test/sessions': 'client name' must be a DNS label (it names the app's ACL user, key prefix and password Secret), got \"Web App\". Name the app with lower-case letters, digits and \"-\".",
    );
  });
});

describe('RedisSessionStore TLS', () => {
  test('off by default: no TLS_DIR, no tls volume, plain port, clients told REDIS_TLS=false', () => {
    const { objects } = build({ topology: RedisTopology.SENTINEL });
    for (const sts of ofKind(objects, 'StatefulSet')) {
      expect(envOf(sts.spec.template.spec.containers[0]).TLS_DIR).toBeUndefined();
      expect(sts.spec.template.spec.volumes.map((v: any) => v.name)).not.toContain('tls');
    }
    expect(envOf(only(objects, 'Deployment').spec.template.spec.containers[0]).REDIS_TLS).toBe('false');
  });

  test('with tlsSecretName: the Secret mounted read-only, TLS-only ports, TLS replication, rediss:// for clients', () => {
    const { objects } = build({ tlsSecretName: 'sessions-tls', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
    const sts = only(objects, 'StatefulSet');
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'sessions-tls', defaultMode: 0o440 } });
    expect(envOf(sts.spec.template.spec.containers[0]).TLS_DIR).toBe('/etc/redis-tls');
    const common: string = only(objects, 'ConfigMap').data['common.sh'];
    expect(common).toContain('echo "port 0"');
    expect(common).toContain('echo "tls-port $1"');
    expect(common).toContain('if [ "$TOPOLOGY" = sentinel ]; then echo "tls-replication yes"; fi');
    expect(common).toContain('${TLS_DIR:+--tls} ${TLS_DIR:+--cacert}');
    expect(envOf(only(objects, 'Deployment').spec.template.spec.containers[0]).REDIS_URL).toBe('rediss://sessions.shop.svc.cluster.local:6379');
    expect(schemaErrors(objects)).toEqual([]);
    expect(podSecurityViolations(objects)).toEqual([]);
  });
});

describe('RedisSessionStore bindings across namespaces', () => {
  test('clients get fully qualified host names in the store namespace, from another namespace too', () => {
    const app = Testing.app();
    const store = new RedisSessionStore(new Chart(app, 'data', { namespace: 'data' }), 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL, clusterDomain: 'corp.internal' });
    const web = new Chart(app, 'web', { namespace: 'web' });
    new StatelessWebApp(web, 'web', { name: 'web', image: IMAGE, sessionStore: store });
    expect(store.connection.host).toBe('sessions-sentinel.data.svc.corp.internal');
    const env = envOf(only(synth(web), 'Deployment').spec.template.spec.containers[0]);
    expect(env.REDIS_SENTINELS.split(',')).toEqual([0, 1, 2].map((i) => `sessions-sentinel-${i}.sessions-sentinel-headless.data.svc.corp.internal:26379`));
  });

  test('a store chart without a namespace cannot serve an app chart with one', () => {
    const app = Testing.app();
    const store = new RedisSessionStore(new Chart(app, 'data'), 'sessions', { name: 'sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
    expect(() => new StatelessWebApp(new Chart(app, 'web', { namespace: 'web' }), 'web', { name: 'web', image: IMAGE, sessionStore: store })).toThrow(
      "RedisSessionStore 'data/sessions': 'namespace' must be set on the store's chart when a bound app's chart sets one (app \"web\" is in namespace \"web\"): " +
        "without it the app gets short host names that resolve in its own namespace, got (nothing). Give the store's chart a namespace, e.g. new Chart(app, 'data', { namespace: 'data' }), or put both in charts without one.",
    );
  });

  test('a store chart with a namespace cannot admit an app chart without one through its NetworkPolicy', () => {
    const app = Testing.app();
    const store = new RedisSessionStore(new Chart(app, 'data', { namespace: 'data' }), 'sessions', { name: 'sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
    expect(() => new StatelessWebApp(new Chart(app, 'web'), 'web', { name: 'web', image: IMAGE, sessionStore: store })).toThrow(
      "RedisSessionStore 'data/sessions': 'namespace' is \"data\" but bound app \"web\" is in a chart without a namespace: the store's NetworkPolicy can only admit it in \"data\", " +
        'got "data". Give the app\'s chart a namespace (e.g. "data").',
    );
  });

  test('neither chart with a namespace: short names, both applied to the same namespace', () => {
    const chart = new Chart(Testing.app(), 'all');
    const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
    new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, sessionStore: store });
    expect(envOf(only(synth(chart), 'Deployment').spec.template.spec.containers[0]).REDIS_HOST).toBe('sessions');
  });
});

describe('RedisSessionStore configuration checksum', () => {
  /** The checksum annotation of the Redis and Sentinel StatefulSets' and the HAProxy Deployment's pod templates. */
  const templates = (props: RedisSessionStoreProps) => {
    const chart = newChart('shop');
    new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL, primaryEndpoint: {}, ...props });
    const objects = synth(chart);
    return [...ofKind(objects, 'StatefulSet'), only(objects, 'Deployment')].map((o) => o.spec.template.metadata.annotations['stateless.cdk8s.io/config-checksum']);
  };

  test('a change that lands only in the ConfigMap (maxmemoryPolicy) changes the checksum on both StatefulSets\' pod templates', () => {
    const before = templates({});
    const after = templates({ maxmemoryPolicy: 'allkeys-lru' });
    expect(before[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(before[0]).toBe(before[1]); // one ConfigMap, one checksum for both StatefulSets
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(templates({})).toEqual(before); // stable across synths
  });

  test('HAProxy\'s pods carry the checksum of haproxy.cfg, which changes with the Redis pods it lists', () => {
    const three = templates({});
    const five = templates({ replicas: 5 });
    expect(three[2]).toMatch(/^[0-9a-f]{64}$/);
    expect(five[2]).not.toBe(three[2]);
  });
});

describe('RedisSessionStore identities that cannot collide', () => {
  test('two apps "web" in team-a and team-b on one store: two ACL users, two key prefixes, two Secrets', () => {
    const app = Testing.app();
    const data = new Chart(app, 'data', { namespace: 'data' });
    const store = new RedisSessionStore(data, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
    const a = store.grantAccess({ name: 'web', namespace: 'team-a' });
    const b = store.grantAccess({ name: 'web', namespace: 'team-b' });
    expect([a.username, a.keyPrefix, a.passwordSecretName]).toEqual(['app.team-a.web', 'team-a.web:', 'sessions.team-a.web']);
    expect([b.username, b.keyPrefix, b.passwordSecretName]).toEqual(['app.team-b.web', 'team-b.web:', 'sessions.team-b.web']);
    const env = envOf(only(synth(data), 'StatefulSet', 'sessions').spec.template.spec.containers[0]);
    expect(env.APP_USERS).toBe('app.team-a.web=team-a.web: app.team-b.web=team-b.web:');
    // the prefix of one app does not cover another's keys: "team-a.web:*" does not match "team-a.web-x:..."
    const x = store.grantAccess({ name: 'web-x', namespace: 'team-a' });
    expect(`${x.keyPrefix}s1`.startsWith(a.keyPrefix!)).toBe(false);
  });

  test('an app Secret cannot be read as a store Secret: app "web" on store "sessions" and a store "sessions-web" have distinct Secrets', () => {
    const chart = newChart('shop');
    const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
    new RedisSessionStore(chart, 'sessions-web', { name: 'sessions-web', topology: RedisTopology.SENTINEL });
    new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, sessionStore: store });
    const objects = synth(chart);
    const appSecret = envOf(only(objects, 'Deployment').spec.template.spec.containers[0]).REDIS_PASSWORD.secretKeyRef.name;
    const storeSecrets = ofKind(objects, 'StatefulSet').map((s) => envOf(s.spec.template.spec.containers[0]).REDIS_PASSWORD.secretKeyRef.name);
    expect(appSecret).toBe('sessions.shop.web');
    expect(new Set(storeSecrets)).toEqual(new Set(['sessions-auth', 'sessions-web-auth']));
  });

  test('a store whose password Secret is a bound app\'s Secret is refused, naming both', () => {
    const chart = newChart('shop');
    const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
    new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, sessionStore: store });
    expect(() => new RedisSessionStore(chart, 'other', { name: 'other', topology: RedisTopology.SENTINEL, passwordSecretName: 'sessions.shop.web' })).toThrow(
      "RedisSessionStore 'test/other': 'passwordSecretName' is \"sessions.shop.web\" in namespace \"shop\" for RedisSessionStore 'test/other' (its password), " +
        "and app \"shop/web\" bound to RedisSessionStore 'test/sessions' reads the same Secret: the app's pods would hold that store's password, got \"sessions.shop.web\". " +
        "Give this store's password Secret another name.",
    );
  });

  test('an app whose Secret is another store\'s password Secret is refused, naming both', () => {
    const chart = newChart('shop');
    new RedisSessionStore(chart, 'other', { name: 'other', topology: RedisTopology.SENTINEL, passwordSecretName: 'sessions.shop.web' });
    const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL });
    expect(() => new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, sessionStore: store })).toThrow(
      "RedisSessionStore 'test/sessions': 'client name' is \"sessions.shop.web\" in namespace \"shop\" for app \"shop/web\" bound to RedisSessionStore 'test/sessions', " +
        "and RedisSessionStore 'test/other' (its password) reads the same Secret: the app's pods would hold that store's password, got \"sessions.shop.web\". " +
        "Rename the app, or give the other party's password Secret another name.",
    );
  });

  test('a store whose own password Secret is the Secret of an app bound to it is refused', () => {
    const chart = newChart('shop');
    const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL, passwordSecretName: 'sessions.shop.web' });
    expect(() => store.grantAccess({ name: 'web', namespace: 'shop' })).toThrow(
      "RedisSessionStore 'test/sessions': 'passwordSecretName' is \"sessions.shop.web\", the name of the password Secret of bound app \"shop/web\": " +
        "that app's pods would hold the store's admin password, got \"sessions.shop.web\". Give the store's password Secret another name.",
    );
  });
});

test('a default name from a long construct path still leaves room for every derived name, pods and revision labels included', () => {
  const chart = new Chart(Testing.app(), 'a-rather-long-chart-name-for-the-payments-team', { namespace: 'shop' });
  const store = new RedisSessionStore(chart, 'session-store-for-checkout-and-cart', { topology: RedisTopology.SENTINEL });
  expect(store.name.length).toBe(43);
  const objects = synth(chart);
  const names = objects.map((o) => o.metadata.name);
  expect(names).toContain(`${store.name}-sentinel-headless`);
  for (const n of names) expect(n.length).toBeLessThanOrEqual(63);
  // the StatefulSet controller labels each pod controller-revision-hash: <statefulset>-<10-character hash>
  // (a label value, at most 63) and names it <statefulset>-<ordinal> (a host name, at most 63)
  for (const sts of ofKind(objects, 'StatefulSet')) {
    expect(`${sts.metadata.name}-${'h'.repeat(10)}`.length).toBeLessThanOrEqual(63);
    expect(`${sts.metadata.name}-${sts.spec.replicas - 1}`.length).toBeLessThanOrEqual(63);
    for (const claim of sts.spec.volumeClaimTemplates) expect(`${claim.metadata.name}-${sts.metadata.name}-${sts.spec.replicas - 1}`.length).toBeLessThanOrEqual(63);
  }
  expect(only(objects, 'StatefulSet', `${store.name}-sentinel`).metadata.name.length).toBe(52);
});

describe('RedisSessionStore bad input', () => {
  const cases: Array<[string, RedisSessionStoreProps, string]> = [
    ['even Sentinel count', { topology: RedisTopology.SENTINEL, sentinels: 4 }, "RedisSessionStore 'test/sessions': 'sentinels' must be an odd whole number from 3 to 9 (a majority must agree on a failover), got 4. Use 3 or 5."],
    ['one Sentinel', { topology: RedisTopology.SENTINEL, sentinels: 1 }, "RedisSessionStore 'test/sessions': 'sentinels' must be an odd whole number from 3 to 9 (a majority must agree on a failover), got 1. Use 3 or 5."],
    ['2^31 - 1 Sentinels (refused before anything is allocated for them)', { topology: RedisTopology.SENTINEL, sentinels: 2147483647 }, "RedisSessionStore 'test/sessions': 'sentinels' must be an odd whole number from 3 to 9 (a majority must agree on a failover), got 2147483647. Use 3 or 5."],
    ['2^31 - 1 Redis servers', { topology: RedisTopology.SENTINEL, replicas: 2147483647 }, "RedisSessionStore 'test/sessions': 'replicas' must be an integer from 2 to 9, got 2147483647."],
    ['down-after of 25 days (redis-sentinel refuses it)', { topology: RedisTopology.SENTINEL, sentinelDownAfter: Duration.days(25) }, "RedisSessionStore 'test/sessions': 'sentinelDownAfter' must be at most 2147483647 ms (redis-sentinel reads it as a 32-bit int and refuses larger values), got \"2160000000ms\". Use Duration.seconds(5)."],
    ['failover timeout of 25 days', { topology: RedisTopology.SENTINEL, failoverTimeout: Duration.days(25) }, "RedisSessionStore 'test/sessions': 'failoverTimeout' must be at most 2147483647 ms (redis-sentinel reads it as a 32-bit int and refuses larger values), got \"2160000000ms\". Use Duration.seconds(60)."],
    ['sentinels on standalone', { sentinels: 3 }, "RedisSessionStore 'test/sessions': 'sentinels' only applies to the Sentinel topology, got 3. Set topology: RedisTopology.SENTINEL, or remove sentinels."],
    ['replicas on standalone', { replicas: 3 }, "RedisSessionStore 'test/sessions': 'replicas' must be 1 for a standalone store (replicas without Sentinel are never promoted), got 3. Use topology: RedisTopology.SENTINEL for replicas."],
    ['one Redis with Sentinel', { topology: RedisTopology.SENTINEL, replicas: 1 }, "RedisSessionStore 'test/sessions': 'replicas' must be an integer from 2 to 9, got 1. Use 3: one primary and two replicas (at least one replica is needed for failover)."],
    ['latest image', { image: 'valkey/valkey:latest' }, "RedisSessionStore 'test/sessions': 'image' must be pinned to a version tag or a digest, not \"latest\" (it changes under running pods), got \"valkey/valkey:latest\". Use the version, e.g. \"valkey/valkey:1.4.2\", or a digest \"@sha256:...\"."],
    ['untagged image', { image: 'valkey/valkey' }, "RedisSessionStore 'test/sessions': 'image' must be pinned to a version tag or a digest (an image without a tag means \"latest\"), got \"valkey/valkey\". Add the version, e.g. \"valkey/valkey:1.4.2\", or a digest \"@sha256:...\"."],
    ['bad master name', { topology: RedisTopology.SENTINEL, masterName: 'my master' }, "RedisSessionStore 'test/sessions': 'masterName' must be letters, digits, \".\", \"_\" or \"-\", got \"my master\". Use e.g. \"mymaster\"."],
    ['bad secret name', { passwordSecretName: 'Redis_Auth' }, "RedisSessionStore 'test/sessions': 'passwordSecretName' must be a Secret name (lower-case DNS subdomain), got \"Redis_Auth\". Use e.g. \"sessions-auth\"."],
    ['bad maxmemory policy', { maxmemoryPolicy: 'lru' }, "RedisSessionStore 'test/sessions': 'maxmemoryPolicy' must be one of noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl, got \"lru\". Use \"volatile-lru\" for sessions with a TTL."],
    ['down-after 0', { topology: RedisTopology.SENTINEL, sentinelDownAfter: Duration.millis(0) }, "RedisSessionStore 'test/sessions': 'sentinelDownAfter' must be at least 3 seconds (the primary's replica lag limit, min-replicas-max-lag, is derived from it and must stay at least 1 s), got \"0ms\". Use Duration.seconds(5); shorter causes failovers on a slow network."],
    ['down-after 2.9 s', { topology: RedisTopology.SENTINEL, sentinelDownAfter: Duration.millis(2900) }, "RedisSessionStore 'test/sessions': 'sentinelDownAfter' must be at least 3 seconds"],
    ['failover timeout under a second', { topology: RedisTopology.SENTINEL, failoverTimeout: Duration.millis(500) }, "RedisSessionStore 'test/sessions': 'failoverTimeout' must be at least 1 second, got \"500ms\". Use Duration.seconds(60)."],
    ['bad cluster domain', { clusterDomain: 'Cluster.Local' }, "RedisSessionStore 'test/sessions': 'clusterDomain' must be a DNS domain, got \"Cluster.Local\". Use your cluster's DNS domain, usually \"cluster.local\"."],
    ['bad TLS Secret name', { tlsSecretName: 'Sessions TLS' }, "RedisSessionStore 'test/sessions': 'tlsSecretName' must be a Secret name (lower-case DNS subdomain), got \"Sessions TLS\". Use e.g. \"sessions-tls\" (a kubernetes.io/tls Secret, e.g. from cert-manager)."],
    ['bad secret key', { passwordSecretKey: 'redis password' }, "RedisSessionStore 'test/sessions': 'passwordSecretKey' must be a Secret key (letters, digits, \"-\", \"_\", \".\"), got \"redis password\". Use e.g. \"password\"."],
    ['tiny volume', { storageSize: Size.mebibytes(10) }, "RedisSessionStore 'test/sessions': 'storageSize' must be at least 64Mi, got \"10Mi\". Use Size.gibibytes(1) or more; the AOF and its rewrite need room."],
    ['name too long', { name: 'a'.repeat(44) }, "RedisSessionStore 'test/sessions': 'name' must be a DNS-1035 label of at most 43 characters (lower-case letters, digits and \"-\", starting with a letter; derived objects add up to 20 characters to it), got \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"."],
    ['unknown topology', { topology: 'cluster' as RedisTopology }, "RedisSessionStore 'test/sessions': 'topology' must be one of RedisTopology.STANDALONE, RedisTopology.SENTINEL, got \"cluster\". Use a RedisTopology value, e.g. RedisTopology.STANDALONE."],
    ['bad storage class', { storageClassName: 'Fast SSD' }, "RedisSessionStore 'test/sessions': 'storageClassName' must be an object name (a lower-case DNS subdomain), got \"Fast SSD\". Use e.g. \"fast-ssd\"."],
    [
      'memory request above the limit',
      { resources: { memory: { request: Size.gibibytes(1), limit: Size.mebibytes(512) } } },
      "RedisSessionStore 'test/sessions': 'resources.memory' must not request more than its limit (the API server rejects the pod), got \"request 1024Mi > limit 512Mi\". Raise the limit or lower the request.",
    ],
    ['unknown risk code', { acknowledgedRisks: ['NOPE' as RiskCode] }, "RedisSessionStore 'test/sessions': 'acknowledgedRisks' must list risk codes of cdk8s-stateless, got \"NOPE\"."],
  ];

  test.each(cases)('%s', (_name, props, message) => {
    const chart = newChart();
    expect(() => new RedisSessionStore(chart, 'sessions', { name: 'sessions', ...props })).toThrow(message);
    expect(chart.node.findAll().filter((c) => c instanceof ApiObject)).toHaveLength(0);
  });
});
