import { ApiObject, Duration } from 'cdk8s';
import { RedisSessionStore, RedisSessionStoreProps, RedisTopology, RiskCode } from '../src';
import { metricsToolsAvailable } from './support/metrics-tools';
import { lintViolations, podSecurityViolations } from './support/policy';
import { K8sObject, newChart, only, ofKind, schemaErrors, synth } from './support/synth';

/** the exporter sidecar, the PodMonitor, the PrometheusRule and their alerts. */

function store(props: RedisSessionStoreProps, namespace: string | undefined): K8sObject[] {
  const chart = newChart(namespace);
  new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL, ...props });
  return synth(chart);
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('RedisSessionStore metrics', () => {
  test('off by default: one container per Redis pod, no metrics objects', () => {
    const objects = store({}, 'shop');
    expect(only(objects, 'StatefulSet', 'sessions').spec.template.spec.containers.map((c: any) => c.name)).toEqual(['redis']);
    expect(objects.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1' || o.metadata.name === 'sessions-metrics')).toEqual([]);
  });

  const objects = store({ metrics: { podMonitor: true, prometheusRule: true } }, 'shop');
  const sts = only(objects, 'StatefulSet', 'sessions');
  const [redis, exporter] = sts.spec.template.spec.containers;

  test('a pinned redis_exporter sidecar in every Redis pod: PSS restricted as uid 59000, password from the Secret, probes, resources', () => {
    expect(redis.name).toBe('redis');
    expect(exporter.name).toBe('metrics');
    expect(exporter.image).toBe('docker.io/oliver006/redis_exporter:v1.90.0');
    expect(exporter.env).toEqual([
      { name: 'REDIS_ADDR', value: 'redis://localhost:6379' },
      { name: 'REDIS_USER', value: 'monitor' },
      { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'sessions-auth', key: 'monitor-password' } } },
    ]);
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9121, protocol: 'TCP' }]);
    expect(exporter.securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: 59000, runAsGroup: 59000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    });
    expect(exporter.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } });
    expect(exporter.readinessProbe.httpGet).toEqual({ path: '/health', port: 'metrics' });
    expect(exporter.livenessProbe.httpGet).toEqual({ path: '/health', port: 'metrics' });
    // the Sentinels get no sidecar
    expect(only(objects, 'StatefulSet', 'sessions-sentinel').spec.template.spec.containers.map((c: any) => c.name)).toEqual(['sentinel']);
  });

  test('scrapes reach the sidecar: a NetworkPolicy opens 9121 on the Redis pods (the store\'s policy admits only 6379/26379)', () => {
    const policy = only(objects, 'NetworkPolicy', 'sessions-metrics');
    expect(matches(policy.spec.podSelector.matchLabels, sts.spec.template.metadata.labels)).toBe(true);
    expect(policy.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 9121 }] }]);
  });

  test('the PodMonitor selects the Redis pods (not the Sentinels) on the sidecar\'s port', () => {
    const pm = only(objects, 'PodMonitor', 'sessions');
    expect(pm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(matches(pm.spec.selector.matchLabels, sts.spec.template.metadata.labels)).toBe(true);
    expect(matches(pm.spec.selector.matchLabels, only(objects, 'StatefulSet', 'sessions-sentinel').spec.template.metadata.labels)).toBe(false);
    expect(pm.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
  });

  test('the PrometheusRule: the alerts that matter for a session store, scoped to its pods, on series the exporter exports', () => {
    const rule = only(objects, 'PrometheusRule', 'sessions');
    const rules = rule.spec.groups[0].rules as any[];
    const byName = Object.fromEntries(rules.map((r) => [r.alert, r]));
    expect(Object.keys(byName)).toEqual([
      'SessionStoreNoPrimary',
      'SessionStoreSessionsEvicted',
      'SessionStoreMemoryNearMax',
      'SessionStoreMultiplePrimaries',
      'SessionStoreReplicaLagging',
      'SessionStoreReplicaMissing',
    ]);
    const pods = 'namespace="shop", pod=~"sessions-[0-9]+"';
    expect(byName.SessionStoreNoPrimary).toMatchObject({ expr: `absent(redis_instance_info{${pods}, role="master"})`, for: '1m', labels: { severity: 'critical' } });
    expect(byName.SessionStoreSessionsEvicted).toMatchObject({ expr: `increase(redis_evicted_keys_total{${pods}}[5m]) > 0`, labels: { severity: 'critical' } });
    expect(byName.SessionStoreMemoryNearMax.expr).toBe(`redis_memory_used_bytes{${pods}} / redis_memory_max_bytes{${pods}} * 100 > 90`);
    expect(byName.SessionStoreMultiplePrimaries.expr).toBe(`count(redis_instance_info{${pods}, role="master"}) > 1`);
    expect(byName.SessionStoreReplicaLagging.expr).toBe(`max by (pod, slave_ip, slave_port) (redis_connected_slave_lag_seconds{${pods}}) > 5`);
    expect(byName.SessionStoreReplicaMissing.expr).toBe(`max(redis_connected_slaves{${pods}}) < 2`);
    for (const r of rules) {
      expect(r.annotations.summary).toContain('shop/sessions');
      // only the exporter's series (exporter/exporter.go) and PromQL functions
      const series = r.expr.match(/\bredis_[a-z_]+/g) as string[];
      for (const s of series) {
        expect(['redis_instance_info', 'redis_evicted_keys_total', 'redis_memory_used_bytes', 'redis_memory_max_bytes', 'redis_connected_slave_lag_seconds', 'redis_connected_slaves']).toContain(s);
      }
    }
  });

  test('standalone: no replica alerts; the memory threshold and scrape interval follow the props; no namespace, no namespace matcher', () => {
    const solo = store(
      {
        topology: RedisTopology.STANDALONE,
        acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE],
        metrics: { podMonitor: true, prometheusRule: true, memoryAlertPercent: 75, scrapeInterval: Duration.seconds(15) },
      },
      undefined,
    );
    const rules = only(solo, 'PrometheusRule', 'sessions').spec.groups[0].rules as any[];
    expect(rules.map((r) => r.alert)).toEqual(['SessionStoreNoPrimary', 'SessionStoreSessionsEvicted', 'SessionStoreMemoryNearMax']);
    expect(rules[2].expr).toBe('redis_memory_used_bytes{pod=~"sessions-[0-9]+"} / redis_memory_max_bytes{pod=~"sessions-[0-9]+"} * 100 > 75');
    expect(only(solo, 'PodMonitor', 'sessions').spec.podMetricsEndpoints[0].interval).toBe('15s');
  });

  test('sidecar only: no PodMonitor, no PrometheusRule unless asked', () => {
    const plain = store({ metrics: {} }, 'shop');
    expect(only(plain, 'StatefulSet', 'sessions').spec.template.spec.containers).toHaveLength(2);
    expect(plain.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1')).toEqual([]);
  });

  test('schema (kubernetes-models and @kubernetes-models/prometheus-operator), PSS restricted and lint hold', () => {
    expect(schemaErrors(objects)).toEqual([]);
    expect(podSecurityViolations(objects)).toEqual([]);
    expect(lintViolations(objects)).toEqual([]);
  });

  test('the prometheus-operator schema check rejects a bad PrometheusRule and PodMonitor (it is not a no-op)', () => {
    const rule = JSON.parse(JSON.stringify(only(objects, 'PrometheusRule', 'sessions')));
    rule.spec.groups[0].rules[0].for = 'one minute';
    const pm = JSON.parse(JSON.stringify(only(objects, 'PodMonitor', 'sessions')));
    pm.spec.podMetricsEndpoints[0].interval = '30 seconds';
    const errors = schemaErrors([rule, pm]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^PrometheusRule\/sessions: .*spec\/groups\/0\/rules\/0\/for must match pattern/);
    expect(errors[1]).toMatch(/^PodMonitor\/sessions: .*spec\/podMetricsEndpoints\/0\/interval must match pattern/);
  });

  test('the pods keep exactly the store\'s containers besides the sidecar (the harness and probes use containers[0])', () => {
    expect(ofKind(objects, 'StatefulSet').map((s) => s.spec.template.spec.containers[0].name)).toEqual(['redis', 'sentinel']);
  });
});

describe('RedisSessionStore metrics bad input', () => {
  const cases: Array<[string, RedisSessionStoreProps, string]> = [
    [
      'latest exporter image',
      { metrics: { exporterImage: 'oliver006/redis_exporter:latest' } },
      "RedisSessionStore 'test/sessions': 'metrics.exporterImage' must be pinned to a version tag or a digest, not \"latest\" (it changes under running pods), got \"oliver006/redis_exporter:latest\". Use the version, e.g. \"oliver006/redis_exporter:1.4.2\", or a digest \"@sha256:...\".",
    ],
    [
      'untagged exporter image',
      { metrics: { exporterImage: 'oliver006/redis_exporter' } },
      "RedisSessionStore 'test/sessions': 'metrics.exporterImage' must be pinned to a version tag or a digest (an image without a tag means \"latest\"), got \"oliver006/redis_exporter\". Add the version, e.g. \"oliver006/redis_exporter:1.4.2\", or a digest \"@sha256:...\".",
    ],
    [
      'empty exporter image',
      { metrics: { exporterImage: '' } },
      "RedisSessionStore 'test/sessions': 'metrics.exporterImage' must not be empty, got \"\". Pass a container image pinned to a tag or digest, e.g. \"docker.io/oliver006/redis_exporter:v1.90.0\".",
    ],
    [
      'memory percent above 100',
      { metrics: { memoryAlertPercent: 120 } },
      "RedisSessionStore 'test/sessions': 'metrics.memoryAlertPercent' must be an integer from 1 to 100, got 120. Use 90: an alert before Redis starts evicting sessions.",
    ],
    [
      'sub-second scrape interval',
      { metrics: { scrapeInterval: Duration.millis(500) } },
      "RedisSessionStore 'test/sessions': 'metrics.scrapeInterval' must be a whole number of seconds, at least 1, got \"500ms\". Use Duration.seconds(30).",
    ],
  ];

  test.each(cases)('%s', (_name, props, message) => {
    const chart = newChart();
    expect(() => new RedisSessionStore(chart, 'sessions', { name: 'sessions', topology: RedisTopology.SENTINEL, ...props })).toThrow(message);
    expect(chart.node.findAll().filter((c) => c instanceof ApiObject)).toHaveLength(0);
  });
});

/** The metrics end-to-end suite fails in CI when the exporter or promtool is missing, and skips loudly elsewhere. */
describe('metricsToolsAvailable', () => {
  const missing = { PATH: '/nonexistent' };

  test('in CI a missing exporter or promtool is a failure with the install command', () => {
    expect(() => metricsToolsAvailable({ ...missing, CI: 'true' })).toThrow(
      'prometheus-redis-exporter / promtool not found: the end-to-end tests of the store\'s metrics and alerts need them. ' +
        'Install with: apt-get install -y prometheus-redis-exporter prometheus (CI is set, so this fails instead of skipping)',
    );
  });

  test('outside CI it skips with a loud message', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(metricsToolsAvailable(missing)).toBe(false);
      expect(warn.mock.calls[0][0]).toContain('!!! SKIPPING END-TO-END METRICS TESTS !!!');
      expect(warn.mock.calls[0][0]).toContain('apt-get install -y prometheus-redis-exporter prometheus');
    } finally {
      warn.mockRestore();
    }
  });
});
