import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { restrictedContainerSecurityContext } from '../pod-security';
import { PropChecker } from '../prop-checks';

const k8s = kplus.k8s;

/**
 * metrics of a session store. A pinned redis_exporter sidecar in every Redis pod and,
 * optionally, a prometheus-operator PodMonitor and a PrometheusRule with the alerts that matter for sessions.
 *
 * Facts from the exporter's source (oliver006/redis_exporter):
 * - main.go: `REDIS_ADDR` (default redis://localhost:6379), `REDIS_PASSWORD`, `-web.listen-address` ":9121",
 *   `-web.telemetry-path` "/metrics", `-namespace` "redis" (the metric prefix);
 * - exporter/exporter.go: INFO `used_memory` -> `redis_memory_used_bytes`, `maxmemory` -> `redis_memory_max_bytes`,
 *   `evicted_keys` -> `redis_evicted_keys_total` (counter), `connected_slaves` -> `redis_connected_slaves`;
 *   `redis_instance_info{role}`, `redis_connected_slave_lag_seconds{slave_ip,slave_port,slave_state}`,
 *   `redis_master_link_up`; `redis_up` is 1 when the scrape of Redis succeeded; `/health` answers "ok";
 * - Dockerfile: the image runs as `USER 59000:59000`.
 * The tag: prometheus-community/helm-charts, charts/prometheus-redis-exporter/Chart.yaml, `appVersion: v1.90.0`
 * (kept current by renovate).
 */

/** The default exporter image, pinned. */
export const DEFAULT_EXPORTER_IMAGE = 'docker.io/oliver006/redis_exporter:v1.90.0';

/** The exporter image's user and group (redis_exporter Dockerfile: `USER 59000:59000`). */
const EXPORTER_UID = 59000;
/** The exporter's default listen port (main.go: `-web.listen-address` ":9121"). */
export const METRICS_PORT = 9121;

/**
 * Metrics of a `RedisSessionStore` (`RedisSessionStoreProps.metrics`).
 */
export interface StoreMetricsOptions {
  /**
   * The redis_exporter image of the sidecar, pinned (version tag or digest). It runs as uid/gid 59000 (the image's user).
   * @default "docker.io/oliver006/redis_exporter:v1.90.0"
   */
  readonly exporterImage?: string;
  /**
   * Write a prometheus-operator `PodMonitor` (monitoring.coreos.com/v1) that scrapes the sidecars.
   * Add the labels your Prometheus selects on with `store.metrics.podMonitor.metadata.addLabel(...)`.
   * @default false
   */
  readonly podMonitor?: boolean;
  /**
   * Write a prometheus-operator `PrometheusRule` with the store's alerts: no primary, more than one primary,
   * replicas lagging or disconnected (Sentinel), memory near `maxmemory`, sessions evicted.
   * @default false
   */
  readonly prometheusRule?: boolean;
  /**
   * Scrape interval of the PodMonitor.
   * @default Duration.seconds(30)
   */
  readonly scrapeInterval?: Duration;
  /**
   * The memory alert fires when used memory stays above this percentage of `maxmemory` for 5 minutes.
   * @default 90
   */
  readonly memoryAlertPercent?: number;
}

/**
 * What a store hands to its metrics.
 * @internal
 */
export interface StoreMetricsSpec {
  readonly storeName: string;
  readonly storeLabels: { [key: string]: string };
  /** Labels of the Redis pods (the PodMonitor selects them). */
  readonly redisLabels: { [key: string]: string };
  readonly redisStatefulSet: ApiObject;
  readonly sentinel: boolean;
  /** Redis servers of the store (the primary's expected replicas: this minus one). */
  readonly replicas: number;
  readonly namespace?: string;
  readonly passwordSecretName: string;
  readonly passwordSecretKey: string;
  /**
   * With TLS: where the Redis pod mounts the TLS Secret (volume `tls`), and the host name of a pod's own Redis as
   * its certificate names it (`$(POD_NAME).<headless>.$(POD_NAMESPACE).svc.<domain>`).
   */
  readonly tls?: { readonly dir: string; readonly podHost: string };
}

/**
 * The metrics of a store: the exporter sidecar (patched into the Redis StatefulSet), a NetworkPolicy that lets
 * scrapes reach it, and optionally a PodMonitor and a PrometheusRule. Create it with `RedisSessionStoreProps.metrics`.
 */
export class StoreMetrics extends Construct {
  /** @internal */
  public static _create(scope: Construct, id: string, options: StoreMetricsOptions, spec: StoreMetricsSpec): StoreMetrics {
    return new StoreMetrics(scope, id, options, spec);
  }

  /** The NetworkPolicy that admits scrapes on the metrics port (9121) of the Redis pods. */
  public readonly networkPolicy: ApiObject;
  /**
   * The PodMonitor.
   * @default - none unless `podMonitor` is true
   */
  public readonly podMonitor?: ApiObject;
  /**
   * The PrometheusRule.
   * @default - none unless `prometheusRule` is true
   */
  public readonly prometheusRule?: ApiObject;

  private constructor(scope: Construct, id: string, options: StoreMetricsOptions, spec: StoreMetricsSpec) {
    super(scope, id);
    const image = options.exporterImage ?? DEFAULT_EXPORTER_IMAGE;

    // The sidecar: appended to the Redis pod template, next to the Redis container. KubeStatefulSet serializes its
    // spec (patches included) through its typed props, so ports and quantities are IntOrString and Quantity here.
    spec.redisStatefulSet.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/-', exporterContainer(image, spec)));

    // The store's NetworkPolicy admits only its members and clients on 6379/26379; Prometheus runs elsewhere.
    this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: `${spec.storeName}-metrics`, labels: spec.storeLabels },
      spec: {
        podSelector: { matchLabels: spec.redisLabels },
        policyTypes: ['Ingress'],
        ingress: [{ ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(METRICS_PORT) }] }],
      },
    });

    if (options.podMonitor) {
      this.podMonitor = new ApiObject(this, 'PodMonitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: spec.storeName, labels: spec.storeLabels },
        spec: {
          selector: { matchLabels: spec.redisLabels },
          podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: `${(options.scrapeInterval ?? Duration.seconds(30)).toSeconds()}s` }],
        },
      });
    }

    if (options.prometheusRule) {
      this.prometheusRule = new ApiObject(this, 'PrometheusRule', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: spec.storeName, labels: spec.storeLabels },
        spec: { groups: [{ name: `${spec.storeName}.session-store`, rules: storeAlerts(spec, options.memoryAlertPercent ?? 90) }] },
      });
    }
  }
}

function exporterContainer(image: string, spec: StoreMetricsSpec): unknown {
  const health = () => ({ httpGet: { path: '/health', port: k8s.IntOrString.fromString('metrics') }, timeoutSeconds: 5 });
  return {
    name: 'metrics',
    image,
    imagePullPolicy: 'IfNotPresent',
    env: [
      // With TLS the server speaks only TLS: the exporter connects with rediss:// to the pod's own host name (the
      // one its certificate names, not localhost) and verifies the certificate with the store's CA
      // (redis_exporter: -redis.addr, -tls-ca-cert-file, read from REDIS_ADDR and REDIS_EXPORTER_TLS_CA_CERT_FILE)
      ...(spec.tls
        ? [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'REDIS_ADDR', value: `rediss://${spec.tls.podHost}:6379` },
          { name: 'REDIS_EXPORTER_TLS_CA_CERT_FILE', value: `${spec.tls.dir}/ca.crt` },
        ]
        : [{ name: 'REDIS_ADDR', value: 'redis://localhost:6379' }]),
      // the read-only ACL user "monitor" (assets/redis/common.sh), with its own password: the default user is disabled
      { name: 'REDIS_USER', value: 'monitor' },
      { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: spec.passwordSecretName, key: spec.passwordSecretKey } } },
    ],
    volumeMounts: spec.tls ? [{ name: 'tls', mountPath: spec.tls.dir, readOnly: true }] : undefined,
    ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
    resources: {
      requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
      limits: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('64Mi') },
    },
    securityContext: restrictedContainerSecurityContext(EXPORTER_UID),
    readinessProbe: { ...health(), periodSeconds: 10 },
    livenessProbe: { ...health(), periodSeconds: 20, failureThreshold: 3 },
  };
}

/**
 * The alerts. Every expression is scoped to the store's Redis pods (`pod=~"<name>-[0-9]+"`, and the namespace
 * when the chart has one) and uses only series the exporter exports (see the top of this file).
 * @internal
 */
export function storeAlerts(spec: StoreMetricsSpec, memoryPercent: number): unknown[] {
  const ns = spec.namespace ? `namespace="${spec.namespace}", ` : '';
  const pods = `${ns}pod=~"${spec.storeName}-[0-9]+"`;
  const store = `session store ${spec.namespace ? `${spec.namespace}/` : ''}${spec.storeName}`;
  const rule = (alert: string, expr: string, forDuration: string, severity: string, summary: string, description: string) => ({
    alert,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: { summary, description },
  });
  const rules = [
    rule(
      'SessionStoreNoPrimary',
      `absent(redis_instance_info{${pods}, role="master"})`,
      '1m',
      'critical',
      `No Redis primary in ${store}`,
      'No Redis server of the store reports role master (or none can be scraped): every session read and write fails. ' +
        (spec.sentinel ? 'A Sentinel failover normally ends within seconds; check the Sentinel pods and their logs.' : 'Check the Redis pod.'),
    ),
    rule(
      'SessionStoreSessionsEvicted',
      `increase(redis_evicted_keys_total{${pods}}[5m]) > 0`,
      '0m',
      'critical',
      `Sessions are being evicted from ${store}`,
      'Redis reached maxmemory and evicted keys: the users of those sessions are logged out. Raise the memory limit or shorten the session TTL.',
    ),
    rule(
      'SessionStoreMemoryNearMax',
      `redis_memory_used_bytes{${pods}} / redis_memory_max_bytes{${pods}} * 100 > ${memoryPercent}`,
      '5m',
      'warning',
      `Redis memory above ${memoryPercent}% of maxmemory in ${store}`,
      'Used memory is close to maxmemory; at maxmemory Redis evicts sessions (maxmemory-policy). Raise the memory limit or shorten the session TTL.',
    ),
  ];
  if (spec.sentinel) {
    rules.push(
      rule(
        'SessionStoreMultiplePrimaries',
        `count(redis_instance_info{${pods}, role="master"}) > 1`,
        '1m',
        'critical',
        `More than one Redis primary in ${store}`,
        'Two servers accept writes: sessions written to the one the Sentinels do not follow will be lost when it is demoted.',
      ),
      rule(
        'SessionStoreReplicaLagging',
        `max by (pod, slave_ip, slave_port) (redis_connected_slave_lag_seconds{${pods}}) > 5`,
        '2m',
        'warning',
        `A Redis replica of ${store} lags the primary`,
        'A replica has not acknowledged the replication stream for over 5 s (the primary stops counting it for writes at 10 s, min-replicas-max-lag): a failover to it would lose recent sessions.',
      ),
      rule(
        'SessionStoreReplicaMissing',
        `max(redis_connected_slaves{${pods}}) < ${spec.replicas - 1}`,
        '5m',
        'warning',
        `The Redis primary of ${store} has fewer replicas than configured`,
        `The primary reports fewer than ${spec.replicas - 1} connected replicas: fewer copies of every session, and with none the primary refuses writes (min-replicas-to-write 1).`,
      ),
    );
  }
  return rules;
}

/**
 * Bad `metrics` input, checked by the store.
 * @internal
 */
export function validateStoreMetrics(check: PropChecker, options: StoreMetricsOptions | undefined): void {
  if (options === undefined) return;
  if (options.exporterImage !== undefined) check.imageReference('metrics.exporterImage', options.exporterImage, DEFAULT_EXPORTER_IMAGE);
  check.integer('metrics.memoryAlertPercent', options.memoryAlertPercent, 1, 100, 'Use 90: an alert before Redis starts evicting sessions.');
  if (options.scrapeInterval !== undefined) {
    const ms = check.durationMillis('metrics.scrapeInterval', options.scrapeInterval, 'Use Duration.seconds(30).')!;
    if (ms < 1000 || ms % 1000 !== 0) {
      check.fail('metrics.scrapeInterval', 'must be a whole number of seconds, at least 1', `${ms}ms`, 'Use Duration.seconds(30).');
    }
  }
}
