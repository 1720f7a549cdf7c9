import { ApiObject } from 'cdk8s';
import { RedisSessionStore, RedisSessionStoreProps, RedisTopology, RiskCode, SessionEnvPreset, StatelessWebApp } from '../src';
import { haproxyAvailable } from './support/haproxy';
import { lintViolations, podSecurityViolations } from './support/policy';
import { K8sObject, newChart, only, ofKind, schemaErrors, synth } from './support/synth';

/** the primary endpoint's objects, its haproxy.cfg, its NetworkPolicy coverage and the presets. */

function storeWith(props: RedisSessionStoreProps, preset?: SessionEnvPreset): K8sObject[] {
  const chart = newChart('shop');
  const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL, ...props });
  new StatelessWebApp(chart, 'web', { name: 'web', image: 'registry.example.com/web:1.0.0', sessionStore: store, sessionEnvPreset: preset });
  return synth(chart);
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const appEnv = (objects: K8sObject[]) =>
  Object.fromEntries((only(objects, 'Deployment', 'web').spec.template.spec.containers[0].env as any[]).map((e) => [e.name, e.value ?? e.valueFrom]));

describe('RedisSessionStore primaryEndpoint', () => {
  test('off by default: no HAProxy object, no endpoint in the connection', () => {
    const objects = storeWith({});
    expect(objects.filter((o) => o.metadata.name.startsWith('sessions-primary'))).toEqual([]);
    expect(ofKind(objects, 'Deployment').map((d) => d.metadata.name)).toEqual(['web']);
    expect(Object.keys(appEnv(objects))).not.toContain('REDIS_URL');
  });

  const objects = storeWith({ primaryEndpoint: {} });
  const deployment = only(objects, 'Deployment', 'sessions-primary');
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];

  test('an HAProxy Deployment: pinned official image, 2 replicas, PSS restricted as the haproxy user (99), resources, probes', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(container.image).toBe('docker.io/library/haproxy:3.2.6');
    expect(container.command).toEqual(['haproxy', '-W', '-db', '-f', '/usr/local/etc/haproxy/haproxy.cfg']);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 99, runAsGroup: 99, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 2, failureThreshold: 2 });
    expect(container.livenessProbe).toMatchObject({ tcpSocket: { port: 'health' } });
    expect(container.ports).toEqual([
      { name: 'redis', containerPort: 6379, protocol: 'TCP' },
      { name: 'health', containerPort: 8404, protocol: 'TCP' },
    ]);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
  });

  test('the password reaches HAProxy only through the Secret; the namespace through the downward API', () => {
    expect(container.env).toEqual([
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'sessions-auth', key: 'monitor-password' } } },
    ]);
    const cfg = only(objects, 'ConfigMap', 'sessions-primary').data['haproxy.cfg'] as string;
    expect(cfg).toContain('%[env(REDIS_PASSWORD)]');
    expect(pod.spec.volumes).toContainEqual({ name: 'config', configMap: { name: 'sessions-primary' } });
  });

  test('haproxy.cfg checks every Redis server with AUTH then ROLE, expecting master, and routes to the first that passes', () => {
    const cfg = only(objects, 'ConfigMap', 'sessions-primary').data['haproxy.cfg'] as string;
    const lines = cfg.split('\n').map((l) => l.trim());
    expect(lines.filter((l) => l.startsWith('server '))).toEqual([
      'server redis-0 "sessions-0.sessions-headless.${POD_NAMESPACE}.svc.cluster.local:6379"',
      'server redis-1 "sessions-1.sessions-headless.${POD_NAMESPACE}.svc.cluster.local:6379"',
      'server redis-2 "sessions-2.sessions-headless.${POD_NAMESPACE}.svc.cluster.local:6379"',
    ]);
    expect(lines.filter((l) => l.startsWith('tcp-check '))).toEqual([
      'tcp-check connect',
      'tcp-check send-lf *3\\r\\n$4\\r\\nAUTH\\r\\n$7\\r\\nmonitor\\r\\n$%[env(REDIS_PASSWORD),length]\\r\\n%[env(REDIS_PASSWORD)]\\r\\n comment AUTH',
      'tcp-check expect string +OK comment AUTH',
      'tcp-check send *1\\r\\n$4\\r\\nROLE\\r\\n comment ROLE',
      'tcp-check expect rstring ^\\*[0-9]+\\r\\n\\$[0-9]+\\r\\n[a-z]+\\r\\n comment ROLE-reply',
      'tcp-check expect min-recv 0 rstring ^\\*[0-9]+\\r\\n\\$6\\r\\nmaster\\r\\n comment role-is-master',
      'tcp-check send *1\\r\\n$4\\r\\nQUIT\\r\\n',
      'tcp-check expect string +OK',
    ]);
    expect(lines).toContain('balance first');
    expect(lines).toContain('default-server check inter 1s fall 2 rise 1 resolvers cluster init-addr libc,none on-marked-down shutdown-sessions');
    expect(lines).toContain('monitor fail if { nbsrv(primary) lt 1 }');
    expect(cfg).not.toContain('@@');
  });

  test('a ClusterIP Service <name>-primary on 6379 that selects exactly the HAProxy pods', () => {
    const service = only(objects, 'Service', 'sessions-primary');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }]);
    const workloads = [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet')];
    expect(workloads.filter((w) => matches(service.spec.selector, w.spec.template.metadata.labels)).map((w) => w.metadata.name)).toEqual(['sessions-primary']);
  });

  test('the store\'s NetworkPolicy covers the HAProxy pods: they reach Redis, and apps reach them with the labels apps get', () => {
    const policy = only(objects, 'NetworkPolicy', 'sessions');
    const haproxyLabels = pod.metadata.labels;
    // the policy selects the HAProxy pods (so it admits, on 6379, exactly the peers it admits to Redis) ...
    expect(matches(policy.spec.podSelector.matchLabels, haproxyLabels)).toBe(true);
    // ... and its "members" peer admits the HAProxy pods to the Redis pods
    const peers = policy.spec.ingress[0].from as any[];
    expect(peers.some((p) => !p.namespaceSelector && matches(p.podSelector.matchLabels, haproxyLabels))).toBe(true);
    expect(policy.spec.ingress[0].ports.map((p: any) => p.port)).toContain(6379);
    // the bound app carries a label an ingress peer admits
    const webLabels = only(objects, 'Deployment', 'web').spec.template.metadata.labels;
    expect(peers.some((p) => !p.namespaceSelector && matches(p.podSelector.matchLabels, webLabels))).toBe(true);
    // the kubelet's readiness probe reaches the health port through a second policy
    const health = only(objects, 'NetworkPolicy', 'sessions-primary-health');
    expect(matches(health.spec.podSelector.matchLabels, haproxyLabels)).toBe(true);
    expect(health.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 8404 }] }]);
  });

  test('a PDB (maxUnavailable 1) with more than one replica, none with one', () => {
    const pdb = only(objects, 'PodDisruptionBudget', 'sessions-primary');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: pod.metadata.labels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    const single = storeWith({ primaryEndpoint: { replicas: 1 } });
    expect(only(single, 'Deployment', 'sessions-primary').spec.replicas).toBe(1);
    expect(ofKind(single, 'PodDisruptionBudget').map((p) => p.metadata.name)).toEqual(['sessions', 'sessions-sentinel', 'web']);
  });

  test('schema, Pod Security Standards restricted and lint hold with the endpoint', () => {
    expect(schemaErrors(objects)).toEqual([]);
    expect(podSecurityViolations(objects)).toEqual([]);
    expect(lintViolations(objects)).toEqual([]);
  });

  test('presets: GENERIC adds REDIS_URL/HOST/PORT and NODE_REDIS adds REDIS_URL, pointing at the endpoint; the Sentinel variables stay', () => {
    const generic = appEnv(objects);
    expect(Object.keys(generic)).toEqual(
      expect.arrayContaining(['REDIS_SENTINELS', 'REDIS_SENTINEL_MASTER', 'REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'REDIS_TLS', 'REDIS_URL', 'REDIS_HOST', 'REDIS_PORT']),
    );
    expect(generic.REDIS_URL).toBe('redis://sessions-primary.shop.svc.cluster.local:6379');
    expect(generic.REDIS_HOST).toBe('sessions-primary.shop.svc.cluster.local');
    expect(generic.REDIS_PORT).toBe('6379');
    const nodeRedis = appEnv(storeWith({ primaryEndpoint: {} }, SessionEnvPreset.NODE_REDIS));
    expect(nodeRedis.REDIS_URL).toBe('redis://sessions-primary.shop.svc.cluster.local:6379');
    expect(nodeRedis.REDIS_SENTINEL_NAME).toBe('mymaster');
    expect(Object.keys(nodeRedis)).not.toContain('REDIS_HOST');
    // Spring Boot reads Sentinel natively: unchanged
    const spring = (p: RedisSessionStoreProps) => Object.keys(appEnv(storeWith(p, SessionEnvPreset.SPRING_BOOT)));
    expect(spring({ primaryEndpoint: {} })).toEqual(spring({}));
  });
});

describe('RedisSessionStore primaryEndpoint bad input', () => {
  const cases: Array<[string, RedisSessionStoreProps, string]> = [
    [
      'on a standalone store',
      { topology: RedisTopology.STANDALONE, primaryEndpoint: {}, acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] },
      "RedisSessionStore 'test/sessions': 'primaryEndpoint' only applies to the Sentinel topology (a standalone store's Service already leads to its only server), got {}. Remove primaryEndpoint, or set topology: RedisTopology.SENTINEL.",
    ],
    [
      'no replicas',
      { primaryEndpoint: { replicas: 0 } },
      "RedisSessionStore 'test/sessions': 'primaryEndpoint.replicas' must be an integer from 1 to 9, got 0. Use 2: one HAProxy pod can be drained while the other serves.",
    ],
    [
      'latest image',
      { primaryEndpoint: { image: 'haproxy:latest' } },
      "RedisSessionStore 'test/sessions': 'primaryEndpoint.image' must be pinned to a version tag or a digest, not \"latest\" (it changes under running pods), got \"haproxy:latest\". Use the version, e.g. \"haproxy:1.4.2\", or a digest \"@sha256:...\".",
    ],
    [
      'untagged image',
      { primaryEndpoint: { image: 'docker.io/library/haproxy' } },
      "RedisSessionStore 'test/sessions': 'primaryEndpoint.image' must be pinned to a version tag or a digest (an image without a tag means \"latest\"), got \"docker.io/library/haproxy\". Add the version, e.g. \"docker.io/library/haproxy:1.4.2\", or a digest \"@sha256:...\".",
    ],
    [
      'blank image',
      { primaryEndpoint: { image: ' ' } },
      "RedisSessionStore 'test/sessions': 'primaryEndpoint.image' must not be empty, got \" \". Pass a container image pinned to a tag or digest, e.g. \"docker.io/library/haproxy:3.2.6\".",
    ],
  ];

  test.each(cases)('%s', (_name, props, message) => {
    const chart = newChart();
    expect(() => new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL, ...props })).toThrow(message);
    expect(chart.node.findAll().filter((c) => c instanceof ApiObject)).toHaveLength(0);
  });
});

/** The HAProxy end-to-end suite fails in CI when haproxy is missing, and skips loudly elsewhere. */
describe('haproxyAvailable', () => {
  const missing = { PATH: '/nonexistent' };

  test('in CI a missing haproxy is a failure with the install command', () => {
    expect(() => haproxyAvailable({ ...missing, CI: 'true' })).toThrow(
      'haproxy not found: the end-to-end tests of the primary endpoint need it. Install with: apt-get install -y haproxy (CI is set, so this fails instead of skipping)',
    );
  });

  test('outside CI it skips with a loud message', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(haproxyAvailable(missing)).toBe(false);
      expect(warn.mock.calls[0][0]).toContain('!!! SKIPPING END-TO-END HAPROXY TESTS !!!');
      expect(warn.mock.calls[0][0]).toContain('apt-get install -y haproxy');
    } finally {
      warn.mockRestore();
    }
  });
});
