import { createHash } from 'crypto';
import { ApiObject, Chart, Duration, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { refuseDuplicateObjects } from '../object-names';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, WRITABLE_TMP } from '../pod-security';
import { isDnsSubdomain, PropChecker } from '../prop-checks';
import { defaultResourceName } from '../resource-names';
import { checkAcknowledged, reportRisks, RiskCode, RiskDescription } from '../warnings';
import { PrimaryEndpoint, PrimaryEndpointOptions, validatePrimaryEndpoint } from './primary-endpoint';
import { redisConf, redisScript, sentinelConf, sentinelMasterConf } from './redis-scripts';
import { SecretNames } from './secret-names';
import { ISessionStore, RedisTopology, SessionStoreAccess, SessionStoreClient, SessionStoreConnection } from './session-store';
import { StoreMetrics, StoreMetricsOptions, validateStoreMetrics } from './store-metrics';

const k8s = kplus.k8s;

/**
 * The default image: Valkey, the BSD-licensed, Redis-protocol compatible fork maintained by the
 * Linux Foundation, pinned to a patch release. Override with `image` (e.g. `redis:7.2.5`).
 *
 * the current stable major, 9.1, at its latest patch release 9.1.1 ("Released Tue 21 July
 * 2026", upgrade urgency SECURITY: CVE-2026-56684, CVE-2026-63639, plus Sentinel failover and replication fixes;
 * https://github.com/valkey-io/valkey/releases/tag/9.1.1). A patch pin, not `9` or `9.1`: a tag that moves
 * restarts a running store onto a different server on the next pod reschedule.
 */
export const DEFAULT_REDIS_IMAGE = 'docker.io/valkey/valkey:9.1.1';

/** The UID of the `valkey` and `redis` users in the official images. */
const REDIS_UID = 999;

/**
 * The longest a store's name may be, from the real limits of every name derived from it:
 * - the Sentinel StatefulSet `<name>-sentinel`: the StatefulSet controller labels every pod with
 *   `controller-revision-hash: <statefulset>-<hash>` (a 10-character hash), and a label value is at most 63
 *   characters, so a StatefulSet name above 52 characters gets no pods at all
 *   (kubernetes/kubernetes#64023; pkg/controller/history/controller_history.go, ControllerRevisionName;
 *   https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set):
 *   52 - "-sentinel".length = 43;
 * - pods `<statefulset>-<ordinal>` (host names, at most 63) and the Services `<name>-sentinel-headless`
 *   (a DNS-1035 label, at most 63: name <= 45) are shorter than that bound.
 */
const MAX_STATEFULSET_NAME = 63 - '-'.length - 10;
const LONGEST_STATEFULSET_SUFFIX = '-sentinel';
/** The suffix budget handed to the name checks: a name of at most 43 characters. */
const NAME_SUFFIX_BUDGET = 63 - (MAX_STATEFULSET_NAME - LONGEST_STATEFULSET_SUFFIX.length);

/**
 * The largest `down-after-milliseconds` and `failover-timeout` Sentinel accepts: it parses them with `atoi`
 * into an int and refuses a value <= 0 ("negative or zero time parameter."), so anything above INT_MAX
 * (2^31 - 1 ms, about 24.8 days) makes redis-sentinel refuse its configuration and the pod crash-loop
 * (redis/redis src/sentinel.c, sentinelHandleConfiguration; the same code in valkey-io/valkey src/sentinel.c).
 */
const SENTINEL_MAX_MS = 2 ** 31 - 1;

/** Most Redis servers and Sentinels a store runs (checked before anything is allocated for them). */
const MAX_REDIS_SERVERS = 9;
const MAX_SENTINELS = 9;

/**
 * the primary's preStop hand-over and the pod's grace period, named together.
 * The hook (prestop-redis.sh) stops trying at its PRESTOP_BUDGET_SECONDS deadline; one `ask` may overrun it by
 * its 3 s timeout (common.sh); then the kubelet sends SIGTERM and the server needs time to flush its AOF and
 * exit. The grace period is derived from the budget, so the budget can never outgrow it.
 */
export const PRESTOP_BUDGET_SECONDS = 15;
const ASK_TIMEOUT_SECONDS = 3;
const SHUTDOWN_SECONDS = 12;
export const TERMINATION_GRACE_SECONDS = PRESTOP_BUDGET_SECONDS + ASK_TIMEOUT_SECONDS + SHUTDOWN_SECONDS;

/** How long a Redis server that holds data waits for a Sentinel to name the primary before it gives up (start-redis.sh). */
const START_WAIT_SECONDS = 60;

/** Size of each Sentinel's volume: it holds only sentinel.conf, which Sentinel rewrites with its state. */
const SENTINEL_STORAGE = Size.mebibytes(64);

/** Where the TLS Secret is mounted (tlsSecretName). */
const TLS_DIR = '/etc/redis-tls';

/**
 * During a password rotation a Secret holds a second password, accepted as well as the first (common.sh,
 * `accepts`): under `<key>-alternate` in the store's Secret (e.g. `password-alternate`), and under
 * `password-alternate` in an app's Secret. See the README's password rotation procedure.
 */
export const ALTERNATE_PASSWORD_KEY = 'password-alternate';
/**
 * The key of the `monitor` user's password in the store's Secret: the metrics exporter and the primary endpoint's
 * health checks log in with it, and never see the store's admin password. Required with `metrics` or
 * `primaryEndpoint`; without it the servers have no monitor user.
 */
export const MONITOR_PASSWORD_KEY = 'monitor-password';

/** Port numbers of Redis and Sentinel. */
export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;

/** Pod-template annotation: the SHA-256 of the store's ConfigMap files, so a change to them rolls the pods. */
export const ANNOTATION_CONFIG_CHECKSUM = 'stateless.cdk8s.io/config-checksum';

/** Pod label that marks a pod of a store, and the one that admits a client through the NetworkPolicy. */
export const LABEL_STORE = 'stateless.cdk8s.io/session-store';
export const LABEL_CLIENT = 'stateless.cdk8s.io/session-client';

/**
 * Props of `RedisSessionStore`.
 */
export interface RedisSessionStoreProps {
  /**
   * Name of the store's objects.
   * @default - derived from the construct path, as cdk8s names objects
   */
  readonly name?: string;
  /**
   * Standalone (one server) or Sentinel (primary, replicas, Sentinels).
   * @default RedisTopology.STANDALONE
   */
  readonly topology?: RedisTopology;
  /**
   * Redis servers in the Sentinel topology (one primary, the rest replicas). Standalone is always 1.
   * @default 3
   */
  readonly replicas?: number;
  /**
   * Sentinels in the Sentinel topology: odd, at least 3. The quorum is a majority.
   * @default 3
   */
  readonly sentinels?: number;
  /**
   * Sentinel master set name.
   * @default "mymaster"
   */
  readonly masterName?: string;
  /**
   * How long the Sentinels wait before they consider an unreachable primary down.
   * @default Duration.seconds(5)
   */
  readonly sentinelDownAfter?: Duration;
  /**
   * Sentinel failover timeout.
   * @default Duration.seconds(60)
   */
  readonly failoverTimeout?: Duration;
  /**
   * Name of the Secret (made by you: External Secrets, Sealed Secrets, kubectl) that holds the password.
   * The library never writes a password into YAML.
   * @default "<name>-auth"
   */
  readonly passwordSecretName?: string;
  /**
   * Key of the password in that Secret.
   * @default "password"
   */
  readonly passwordSecretKey?: string;
  /**
   * Container image, Redis-protocol compatible, pinned.
   * @default "docker.io/valkey/valkey:9.1.1"
   */
  readonly image?: string;
  /**
   * Size of each Redis server's volume.
   * @default Size.gibibytes(1)
   */
  readonly storageSize?: Size;
  /**
   * Storage class of the volumes.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * Requests and limits of each Redis server. `maxmemory` is set to 70% of the memory limit,
   * leaving room for the copy-on-write fork of AOF rewrites.
   * @default - requests 100m CPU / 256Mi, limits 500m CPU / 512Mi
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Eviction policy when `maxmemory` is reached. `volatile-lru` evicts the least recently used keys
   * that have a TTL (sessions do) and never keys without one.
   * @default "volatile-lru"
   */
  readonly maxmemoryPolicy?: string;
  /**
   * Cluster DNS domain, used in the host names Sentinels announce.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
  /**
   * TLS inside the cluster: the name of a Secret of type `kubernetes.io/tls` with `tls.crt`,
   * `tls.key` and `ca.crt` (as cert-manager issues them), made by you. Every connection then uses TLS: clients,
   * replication and Sentinel; plain TCP is closed. The certificate must be valid for the pods' and Services' host
   * names; clients need the CA (`ca.crt`) and get `REDIS_TLS=true` / `rediss://` from the presets.
   * @default - no TLS
   */
  readonly tlsSecretName?: string;
  /**
   * Risks you accept (e.g. `STORE_SINGLE_POINT_OF_FAILURE` for a development cluster).
   * @default - none
   */
  readonly acknowledgedRisks?: string[];
  /**
   * Sentinel only: an HAProxy Deployment and a Service `<name>-primary` that always lead to the
   * current primary, for session clients without Sentinel support. The GENERIC and NODE_REDIS presets then also
   * inject `REDIS_URL` (GENERIC: and `REDIS_HOST`, `REDIS_PORT`) pointing at it.
   * @default - none
   */
  readonly primaryEndpoint?: PrimaryEndpointOptions;
  /**
   * Metrics: a pinned redis_exporter sidecar in every Redis pod (port 9121, `metrics`) and, on request,
   * a prometheus-operator PodMonitor and a PrometheusRule with the store's alerts.
   * @default - none
   */
  readonly metrics?: StoreMetricsOptions;
}

const DEFAULT_DOWN_AFTER_SECONDS = 5;
/** The shortest `sentinelDownAfter`: the lag limit derived from it (redis-scripts.ts, minReplicasMaxLag) must be at least 1 s. */
const MIN_DOWN_AFTER_SECONDS = 3;

const DEFAULT_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
  memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
};

const MAXMEMORY_POLICIES = ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'];

/**
 * A Redis (Valkey) session store in the cluster: standalone, or primary + replicas + Sentinels.
 * Auth is always on, with the password from a Secret you name; AOF persistence on a volume;
 * a NetworkPolicy admits only the apps bound to it.
 */
export class RedisSessionStore extends Construct implements ISessionStore {
  /** How apps reach this store. */
  public readonly connection: SessionStoreConnection;
  /** Name shared by the store's objects. */
  public readonly name: string;
  /** The topology. */
  public readonly topology: RedisTopology;
  /** The Redis StatefulSet. */
  public readonly statefulSet: ApiObject;
  /** The Sentinel StatefulSet (Sentinel topology). */
  public readonly sentinelStatefulSet?: ApiObject;
  /** The ConfigMap with configuration and start scripts. */
  public readonly configMap: ApiObject;
  /** The NetworkPolicy. */
  public readonly networkPolicy: ApiObject;
  /**
   * The primary endpoint.
   * @default - none, unless `primaryEndpoint` is set
   */
  public readonly primaryEndpoint?: PrimaryEndpoint;
  /**
   * The metrics.
   * @default - none, unless `metrics` is set
   */
  public readonly metrics?: StoreMetrics;

  private readonly clientNamespaces = new Set<string>();
  private readonly tlsSecretName?: string;
  /** Bound apps by ACL user: their password Secret and key prefix. */
  private readonly apps = new Map<string, BoundApp>();
  private readonly passwordSecretName: string;
  private readonly configChecksum: string;
  private readonly namespace?: string;

  constructor(scope: Construct, id: string, props: RedisSessionStoreProps = {}) {
    super(scope, id);
    // bad input leaves nothing half-built: a failed constructor removes itself from the tree
    try {
      const check = PropChecker.of(this, 'RedisSessionStore');
      this.name = props.name ?? defaultResourceName(this, '-'.repeat(NAME_SUFFIX_BUDGET));
      const acknowledged = checkAcknowledged(check, props.acknowledgedRisks);
      this.topology = props.topology ?? RedisTopology.STANDALONE;
      const sentinel = this.topology === RedisTopology.SENTINEL;
      validate(check, props, this.name, sentinel);
      validatePrimaryEndpoint(check, props.primaryEndpoint, sentinel);
      validateStoreMetrics(check, props.metrics);

      this.namespace = Chart.of(this).namespace;
      this.tlsSecretName = props.tlsSecretName;
      const layout = layoutOf(this.name, this.namespace, props);
      this.passwordSecretName = layout.passwordSecretName;
      const config = this.configMapOf(layout, props);
      this.configMap = config.configMap;
      this.configChecksum = config.checksum;
      const workloads = this.workloadsOf(layout, props, podEnvironment(layout, props));
      this.statefulSet = workloads.redis;
      this.sentinelStatefulSet = workloads.sentinel;
      this.primaryEndpoint = props.primaryEndpoint && PrimaryEndpoint._create(this, 'PrimaryEndpoint', props.primaryEndpoint, {
        storeName: this.name,
        storeLabels: layout.storeLabels,
        redisPods: Array.from({ length: layout.replicas }, (_, i) => `${this.name}-${i}`),
        headlessService: layout.headless,
        clusterDomain: layout.domain,
        clientHost: layout.clientDomain(`${this.name}-primary`),
        passwordSecretName: layout.passwordSecretName,
        passwordSecretKey: MONITOR_PASSWORD_KEY,
        tls: props.tlsSecretName ? { secretName: props.tlsSecretName, dir: TLS_DIR } : undefined,
      });
      this.metrics = props.metrics && StoreMetrics._create(this, 'Metrics', props.metrics, {
        storeName: this.name,
        storeLabels: layout.storeLabels,
        redisLabels: layout.redisLabels,
        sentinel,
        replicas: layout.replicas,
        namespace: this.namespace,
        redisStatefulSet: this.statefulSet,
        passwordSecretName: layout.passwordSecretName,
        passwordSecretKey: MONITOR_PASSWORD_KEY,
        tls: props.tlsSecretName ? { dir: TLS_DIR, podHost: `$(POD_NAME).${layout.podDomain(layout.headless)}` } : undefined,
      });
      this.networkPolicy = this.networkPolicyOf(layout);
      this.connection = connectionOf(layout, props, this.primaryEndpoint);
      reportRisks(this, 'RedisSessionStore', this.risksOf(layout, props), acknowledged, [this.statefulSet]);
      refuseDuplicateObjects(this, check, 'name', this.name, 'Give one of the two a different name.');
      SecretNames.of(this).claim(this.namespace, layout.passwordSecretName, `RedisSessionStore '${this.node.path}' (its password)`, check, 'passwordSecretName', 'Give this store\'s password Secret another name.', true);
    } catch (e) {
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }

  /** The ConfigMap of scripts and configuration files, and the checksum of its files for the pod templates. */
  private configMapOf(layout: StoreLayout, props: RedisSessionStoreProps): { configMap: ApiObject; checksum: string } {
    const resources = resourcesOf(props);
    const memoryLimit = resources.memory.limit ?? resources.memory.request!;
    const configOptions = {
      maxmemoryBytes: Math.floor(memoryLimit.toMebibytes() * 0.7) * 1024 * 1024,
      maxmemoryPolicy: props.maxmemoryPolicy ?? 'volatile-lru',
      sentinel: layout.sentinel,
      masterName: layout.masterName,
      downAfterMs: (props.sentinelDownAfter ?? Duration.seconds(DEFAULT_DOWN_AFTER_SECONDS)).toMilliseconds(),
      failoverTimeoutMs: (props.failoverTimeout ?? Duration.seconds(60)).toMilliseconds(),
    };
    const data: { [file: string]: string } = {
      'common.sh': redisScript('common.sh'),
      'start-redis.sh': redisScript('start-redis.sh'),
      'probe.sh': redisScript('probe.sh'),
      'redis.conf': redisConf(configOptions),
      ...(layout.sentinel
        ? {
          'prestop-redis.sh': redisScript('prestop-redis.sh'),
          'start-sentinel.sh': redisScript('start-sentinel.sh'),
          'sentinel.conf': sentinelConf(),
          'sentinel-master.conf': sentinelMasterConf(configOptions),
        }
        : {}),
    };
    const configMap = new k8s.KubeConfigMap(this, 'Config', { metadata: { name: `${this.name}-config`, labels: layout.storeLabels }, data });
    // A change that lands only in the ConfigMap (maxmemoryPolicy, a script) changes no pod template, so nothing
    // would restart and the servers would keep the old settings: the checksum on the templates rolls the pods,
    // one at a time through the preStop hand-over, whenever the files change.
    return { configMap, checksum: createHash('sha256').update(JSON.stringify(data)).digest('hex') };
  }

  /** The Services, the Redis and Sentinel StatefulSets and their PodDisruptionBudgets. */
  private workloadsOf(layout: StoreLayout, props: RedisSessionStoreProps, env: kplus.k8s.EnvVar[]): { redis: ApiObject; sentinel?: ApiObject } {
    const image = props.image ?? DEFAULT_REDIS_IMAGE;
    // Services: a headless one that gives every pod a DNS name (also before it is ready,
    // so replicas can reach a starting primary), and the one clients use.
    this.service(layout.headless, layout.redisLabels, REDIS_PORT, 'redis', true);
    if (!layout.sentinel) {
      this.service(this.name, layout.redisLabels, REDIS_PORT, 'redis', false);
    }
    const redis = this.statefulSetOf('Redis', {
      name: this.name,
      serviceName: layout.headless,
      labels: layout.redisLabels,
      replicas: layout.replicas,
      image,
      env,
      port: REDIS_PORT,
      portName: 'redis',
      script: 'start-redis.sh',
      preStop: layout.sentinel ? 'prestop-redis.sh' : undefined,
      resources: k8sResources(resourcesOf(props)),
      // Sentinel topology: on a cold restart of the whole store every server must be up at once, so the one the
      // Sentinels name as primary (not necessarily pod 0) starts before the Sentinels give up on it and promote a
      // replica that has not resynced yet. Parallel only changes creation and deletion order: "This option only
      // affects the behavior for scaling operations. Updates are not affected." (rolling updates stay one pod at a
      // time; https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#parallel-pod-management)
      parallel: layout.sentinel,
      volume: { size: props.storageSize ?? Size.gibibytes(1), storageClassName: props.storageClassName },
    });
    if (!layout.sentinel) return { redis };

    this.service(layout.sentinelHeadless, layout.sentinelLabels, SENTINEL_PORT, 'sentinel', true);
    this.service(layout.sentinelName, layout.sentinelLabels, SENTINEL_PORT, 'sentinel', false);
    const sentinel = this.statefulSetOf('Sentinel', {
      name: layout.sentinelName,
      serviceName: layout.sentinelHeadless,
      labels: layout.sentinelLabels,
      replicas: layout.sentinels,
      image,
      env,
      port: SENTINEL_PORT,
      portName: 'sentinel',
      script: 'start-sentinel.sh',
      resources: {
        requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') },
        limits: { cpu: k8s.Quantity.fromString('200m'), memory: k8s.Quantity.fromString('128Mi') },
      },
      parallel: true,
      // Sentinel keeps its state (current primary, epochs, replicas, peers) in its own configuration file, which
      // start-sentinel.sh keeps on this volume. On an emptyDir a cold restart of every pod forgot which replica had
      // been promoted, and pod 0 came back as primary with stale data.
      volume: { size: SENTINEL_STORAGE, storageClassName: props.storageClassName },
    });
    this.budget('RedisBudget', this.name, layout.redisLabels);
    this.budget('SentinelBudget', layout.sentinelName, layout.sentinelLabels);
    return { redis, sentinel };
  }

  /** The NetworkPolicy: the store's own pods and the bound apps' pods (known once every app is constructed). */
  private networkPolicyOf(layout: StoreLayout): ApiObject {
    const ports = layout.sentinel ? [REDIS_PORT, SENTINEL_PORT] : [REDIS_PORT];
    return new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: this.name, labels: layout.storeLabels },
      spec: {
        podSelector: { matchLabels: { [LABEL_STORE]: this.name } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: Lazy.any({ produce: () => this.peers() }),
            ports: ports.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
          },
        ],
      },
    });
  }

  /** The risks of this store's configuration. */
  private risksOf(layout: StoreLayout, props: RedisSessionStoreProps): RiskDescription[] {
    const risks: RiskDescription[] = [];
    if (!layout.sentinel) {
      risks.push({
        code: RiskCode.STORE_SINGLE_POINT_OF_FAILURE,
        message:
          `${this.name} is a standalone Redis: every session of every bound app lives in one pod on one volume. ` +
          'While it restarts, reschedules or its node drains, no user can log in or keep a session (no PDB can help a single pod).',
        remedy: 'Use topology: RedisTopology.SENTINEL (3 Redis, 3 Sentinels, automatic failover), or a managed Redis with SessionStore.external().',
      });
    }
    // a name derived from the construct path changes when the tree is refactored
    if (props.name === undefined) {
      risks.push({
        code: RiskCode.STORE_NAME_FROM_CONSTRUCT_PATH,
        message:
          `The name ${this.name} is derived from the construct path ${this.node.path}: moving or renaming the construct renames the StatefulSet ` +
          `and its volume claims (data-${this.name}-0, ...), so a GitOps prune deletes the old ones and the store comes back empty; ` +
          `the Secret to create is ${layout.passwordSecretName}.`,
        remedy: `Set name explicitly (name: '${this.name}' keeps the objects you have now).`,
      });
    }
    return risks;
  }

  /**
   * Admit a client app: its pods carry a label the NetworkPolicy admits.
   */
  public grantAccess(client: SessionStoreClient): SessionStoreAccess {
    // clients get fully qualified host names (<service>.<namespace>.svc.<clusterDomain>) when
    // the store's namespace is known. A binding whose namespaces cannot work is refused:
    // - store chart without a namespace, app chart with one: the app could only get short names, which resolve
    //   in the app's own namespace, where there is no store;
    // - store chart with a namespace, app chart without one: the NetworkPolicy admits the app's pods only in the
    //   store's namespace (a podSelector without namespaceSelector), and the app may be applied anywhere.
    const check = PropChecker.of(this, 'RedisSessionStore');
    if (this.namespace === undefined && client.namespace !== undefined) {
      check.fail(
        'namespace',
        `must be set on the store's chart when a bound app's chart sets one (app "${client.name}" is in namespace "${client.namespace}"): ` +
          'without it the app gets short host names that resolve in its own namespace',
        undefined,
        'Give the store\'s chart a namespace, e.g. new Chart(app, \'data\', { namespace: \'data\' }), or put both in charts without one.',
      );
    }
    if (this.namespace !== undefined && client.namespace === undefined) {
      check.fail(
        'namespace',
        `is "${this.namespace}" but bound app "${client.name}" is in a chart without a namespace: the store's NetworkPolicy can only admit it in "${this.namespace}"`,
        this.namespace,
        `Give the app's chart a namespace (e.g. "${this.namespace}").`,
      );
    }
    if (client.namespace !== undefined && client.namespace !== this.namespace) {
      this.clientNamespaces.add(client.namespace);
    }
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(client.name)) {
      check.fail('client name', 'must be a DNS label (it names the app\'s ACL user, key prefix and password Secret)', client.name, 'Name the app with lower-case letters, digits and "-".');
    }
    const identity = appIdentity(this.name, client);
    const known = this.apps.get(identity.user);
    if (!known) {
      // the app's Secret, in the store's namespace, must be neither the store's own Secret nor another store's
      const store = `RedisSessionStore '${this.node.path}'`;
      const app = `app "${client.namespace ? `${client.namespace}/` : ''}${client.name}"`;
      if (identity.secretName === this.passwordSecretName) {
        check.fail(
          'passwordSecretName',
          `is "${this.passwordSecretName}", the name of the password Secret of bound ${app}: that app's pods would hold the store's admin password`,
          this.passwordSecretName,
          'Give the store\'s password Secret another name.',
        );
      }
      SecretNames.of(this).claim(this.namespace, identity.secretName, `${app} bound to ${store}`, check, 'client name', 'Rename the app, or give the other party\'s password Secret another name.');
      this.apps.set(identity.user, identity);
    }
    return {
      podLabels: { [LABEL_CLIENT]: this.name },
      username: identity.user,
      passwordSecretName: identity.secretName,
      passwordSecretKey: 'password',
      keyPrefix: identity.prefix,
    };
  }

  /**
   * The Secret (made by you, in the store's namespace and, if it differs, the app's) that holds the password of
   * a bound app's own ACL user, under the key `password` (and, during a rotation, `password-alternate`):
   * `<store>.<namespace>.<app>`, or `<store>.<app>` when the charts have no namespace. The dots keep it apart from
   * every other name: store, namespace and app names are DNS labels (no dots), and a store's own Secret is
   * `<store>-auth`.
   */
  public passwordSecretNameFor(appName: string, namespace?: string): string {
    return appIdentity(this.name, { name: appName, namespace: namespace ?? this.namespace }).secretName;
  }

  /** The environment that tells the store's pods the bound apps' users (APP_USERS) and passwords (APP_PASSWORD_<i>). */
  private appEnv(): kplus.k8s.EnvVar[] {
    const apps = [...this.apps.values()].sort((a, b) => a.user.localeCompare(b.user));
    return [
      { name: 'APP_USERS', value: apps.map((a) => `${a.user}=${a.prefix}`).join(' ') },
      // optional: a missing app Secret costs that app its user (logged at start), not the whole store its pods
      ...apps.flatMap((a, i) => [
        { name: `APP_PASSWORD_${i}`, valueFrom: { secretKeyRef: { name: a.secretName, key: 'password', optional: true } } },
        // accepted too during a rotation (common.sh, acl_users)
        { name: `APP_PASSWORD_ALTERNATE_${i}`, valueFrom: { secretKeyRef: { name: a.secretName, key: ALTERNATE_PASSWORD_KEY, optional: true } } },
      ]),
    ];
  }

  private peers(): unknown[] {
    const members = { podSelector: { matchLabels: { [LABEL_STORE]: this.name } } };
    const clients = { podSelector: { matchLabels: { [LABEL_CLIENT]: this.name } } };
    const elsewhere = [...this.clientNamespaces].sort().map((ns) => ({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
      podSelector: { matchLabels: { [LABEL_CLIENT]: this.name } },
    }));
    return [members, clients, ...elsewhere];
  }

  private service(name: string, labels: { [key: string]: string }, port: number, portName: string, headless: boolean): ApiObject {
    return new k8s.KubeService(this, `Service-${name}`, {
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        clusterIp: headless ? 'None' : undefined,
        publishNotReadyAddresses: headless ? true : undefined,
        selector: labels,
        ports: [{ name: portName, port, targetPort: k8s.IntOrString.fromNumber(port), protocol: 'TCP' }],
      },
    });
  }

  private budget(id: string, name: string, labels: { [key: string]: string }): ApiObject {
    return new k8s.KubePodDisruptionBudget(this, id, {
      metadata: { name, labels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels } },
    });
  }

  private statefulSetOf(id: string, o: StatefulSetOptions): ApiObject {
    const probe = (periodSeconds: number) => ({
      exec: { command: ['sh', '/etc/redis/probe.sh', o.portName] },
      periodSeconds,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    return new k8s.KubeStatefulSet(this, id, {
      metadata: { name: o.name, labels: o.labels },
      spec: {
        serviceName: o.serviceName,
        replicas: o.replicas,
        podManagementPolicy: o.parallel ? 'Parallel' : 'OrderedReady',
        selector: { matchLabels: o.labels },
        template: {
          metadata: { labels: o.labels, annotations: { [ANNOTATION_CONFIG_CHECKSUM]: this.configChecksum } },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(REDIS_UID),
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'kubernetes.io/hostname',
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: o.labels },
              },
            ],
            containers: [
              {
                name: o.portName,
                image: o.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', `/etc/redis/${o.script}`],
                lifecycle: o.preStop ? { preStop: { exec: { command: ['sh', `/etc/redis/${o.preStop}`] } } } : undefined,
                // the bound apps are known only once every app is constructed
                env: Lazy.any({ produce: () => [...o.env, ...this.appEnv()] }) as unknown as kplus.k8s.EnvVar[],
                ports: [{ name: o.portName, containerPort: o.port, protocol: 'TCP' }],
                resources: o.resources,
                securityContext: restrictedContainerSecurityContext(REDIS_UID),
                startupProbe: { ...probe(5), failureThreshold: 24 },
                readinessProbe: probe(5),
                livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(o.port) }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/redis', readOnly: true },
                  ...(this.tlsSecretName ? [{ name: 'tls', mountPath: TLS_DIR, readOnly: true }] : []),
                  { name: 'runtime', mountPath: '/run/redis' },
                  { name: 'tmp', mountPath: WRITABLE_TMP.path },
                  { name: 'data', mountPath: '/data' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: `${this.name}-config` } },
              // readable by the pod's fsGroup (the valkey/redis user) only
              ...(this.tlsSecretName ? [{ name: 'tls', secret: { secretName: this.tlsSecretName, defaultMode: 0o440 } }] : []),
              { name: 'runtime', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('16Mi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels: o.labels },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: o.volume.storageClassName,
              resources: { requests: { storage: k8s.Quantity.fromString(quantity(o.volume.size)) } },
            },
          },
        ],
      },
    });
  }
}

interface BoundApp {
  readonly user: string;
  readonly secretName: string;
  readonly prefix: string;
}

/**
 * The identity of a bound app on a store: its ACL user, key prefix and password Secret, from the namespace and the
 * name of the app. Two apps `web` in `team-a` and `team-b` are two users with two prefixes (`team-a.web:`,
 * `team-b.web:`), and two Secrets. Namespaces and app names are DNS labels, without dots: joined with dots they
 * cannot be read in two ways, and the prefix `team-a.web:` does not cover the keys of an app `web-x`
 * (`team-a.web-x:`). Without a namespace (neither chart has one: grantAccess refuses a mixture), the app name alone.
 */
function appIdentity(store: string, client: SessionStoreClient): BoundApp {
  const id = client.namespace ? `${client.namespace}.${client.name}` : client.name;
  return { user: `app.${id}`, prefix: `${id}:`, secretName: `${store}.${id}` };
}

/** The names, labels and counts of a store, derived once from its props. */
interface StoreLayout {
  readonly name: string;
  readonly sentinel: boolean;
  readonly domain: string;
  readonly masterName: string;
  readonly replicas: number;
  readonly sentinels: number;
  readonly quorum: number;
  readonly passwordSecretName: string;
  readonly passwordSecretKey: string;
  readonly headless: string;
  readonly sentinelName: string;
  readonly sentinelHeadless: string;
  readonly storeLabels: { [key: string]: string };
  readonly redisLabels: { [key: string]: string };
  readonly sentinelLabels: { [key: string]: string };
  /** A Service's host name inside the store's pods (the namespace from the downward API). */
  podDomain(service: string): string;
  /** A Service's host name for clients (fully qualified when the namespace is known at synth time). */
  clientDomain(service: string): string;
}

function layoutOf(name: string, namespace: string | undefined, props: RedisSessionStoreProps): StoreLayout {
  const sentinel = (props.topology ?? RedisTopology.STANDALONE) === RedisTopology.SENTINEL;
  const domain = props.clusterDomain ?? 'cluster.local';
  const sentinels = props.sentinels ?? 3;
  const storeLabels = { 'app.kubernetes.io/name': name, [LABEL_STORE]: name };
  return {
    name,
    sentinel,
    domain,
    masterName: props.masterName ?? 'mymaster',
    replicas: sentinel ? props.replicas ?? 3 : 1,
    sentinels,
    quorum: Math.floor(sentinels / 2) + 1,
    passwordSecretName: props.passwordSecretName ?? `${name}-auth`,
    passwordSecretKey: props.passwordSecretKey ?? 'password',
    headless: `${name}-headless`,
    sentinelName: `${name}-sentinel`,
    sentinelHeadless: `${name}-sentinel-headless`,
    storeLabels,
    redisLabels: { ...storeLabels, 'app.kubernetes.io/component': 'redis' },
    sentinelLabels: { ...storeLabels, 'app.kubernetes.io/component': 'sentinel' },
    podDomain: (service) => `${service}.$(POD_NAMESPACE).svc.${domain}`,
    clientDomain: (service) => (namespace ? `${service}.${namespace}.svc.${domain}` : service),
  };
}

/** `<statefulset>-<i>.<service host>:<port>` of every pod. */
function nodes(sts: string, host: string, count: number, port: number): string[] {
  return Array.from({ length: count }, (_, i) => `${sts}-${i}.${host}:${port}`);
}

function resourcesOf(props: RedisSessionStoreProps): { cpu: kplus.CpuResources; memory: kplus.MemoryResources } {
  return { cpu: props.resources?.cpu ?? DEFAULT_RESOURCES.cpu!, memory: props.resources?.memory ?? DEFAULT_RESOURCES.memory! };
}

/** The environment of the Redis and Sentinel containers (the bound apps' users are appended at synth). */
function podEnvironment(layout: StoreLayout, props: RedisSessionStoreProps): kplus.k8s.EnvVar[] {
  const secret = (key: string, optional?: boolean) => ({ secretKeyRef: { name: layout.passwordSecretName, key, optional } });
  const monitorNeeded = props.metrics !== undefined || props.primaryEndpoint !== undefined;
  return [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'TOPOLOGY', value: layout.sentinel ? RedisTopology.SENTINEL : RedisTopology.STANDALONE },
    { name: 'REDIS_NODES', value: nodes(layout.name, layout.podDomain(layout.headless), layout.replicas, REDIS_PORT).join(' ') },
    ...(layout.sentinel
      ? [
        { name: 'SENTINEL_NODES', value: nodes(layout.sentinelName, layout.podDomain(layout.sentinelHeadless), layout.sentinels, SENTINEL_PORT).join(' ') },
        { name: 'SENTINEL_MASTER', value: layout.masterName },
        { name: 'SENTINEL_QUORUM', value: String(layout.quorum) },
      ]
      : []),
    { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: layout.passwordSecretName, key: layout.passwordSecretKey } } },
    { name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: layout.passwordSecretName, key: layout.passwordSecretKey } } },
    // accepted too, during a rotation only (common.sh, accepts)
    { name: 'REDIS_PASSWORD_ALTERNATE', valueFrom: secret(`${layout.passwordSecretKey}-alternate`, true) },
    // the monitor user's own password (metrics exporter, primary endpoint); no monitor user without it
    { name: 'MONITOR_PASSWORD', valueFrom: secret(MONITOR_PASSWORD_KEY, !monitorNeeded) },
    { name: 'MONITOR_PASSWORD_ALTERNATE', valueFrom: secret(`${MONITOR_PASSWORD_KEY}-alternate`, true) },
    ...(layout.sentinel
      ? [
        { name: 'PRESTOP_BUDGET_SECONDS', value: String(PRESTOP_BUDGET_SECONDS) },
        // the preStop hook pauses writes for longer than the pod lives (prestop-redis.sh)
        { name: 'WRITE_PAUSE_SECONDS', value: String(TERMINATION_GRACE_SECONDS) },
        { name: 'START_WAIT_SECONDS', value: String(START_WAIT_SECONDS) },
      ]
      : []),
    ...(props.tlsSecretName ? [{ name: 'TLS_DIR', value: TLS_DIR }] : []),
    { name: 'CONFIG_DIR', value: '/etc/redis' },
    { name: 'RUNTIME_DIR', value: '/run/redis' },
    { name: 'DATA_DIR', value: '/data' },
  ];
}

/** How apps reach a store. */
function connectionOf(layout: StoreLayout, props: RedisSessionStoreProps, endpoint: PrimaryEndpoint | undefined): SessionStoreConnection {
  return {
    topology: layout.sentinel ? RedisTopology.SENTINEL : RedisTopology.STANDALONE,
    host: layout.clientDomain(layout.sentinel ? layout.sentinelName : layout.name),
    port: layout.sentinel ? SENTINEL_PORT : REDIS_PORT,
    sentinels: layout.sentinel
      ? nodes(layout.sentinelName, layout.clientDomain(layout.sentinelHeadless), layout.sentinels, SENTINEL_PORT)
      : undefined,
    sentinelMasterName: layout.sentinel ? layout.masterName : undefined,
    tls: props.tlsSecretName !== undefined,
    passwordSecretName: layout.passwordSecretName,
    passwordSecretKey: layout.passwordSecretKey,
    sentinelRequiresPassword: layout.sentinel,
    external: false,
    primaryEndpointHost: endpoint?.host,
    primaryEndpointPort: endpoint?.port,
  };
}

interface StatefulSetOptions {
  readonly name: string;
  readonly serviceName: string;
  readonly labels: { [key: string]: string };
  readonly replicas: number;
  readonly image: string;
  readonly env: kplus.k8s.EnvVar[];
  readonly port: number;
  readonly portName: string;
  readonly script: string;
  readonly preStop?: string;
  readonly resources: kplus.k8s.ResourceRequirements;
  readonly parallel: boolean;
  readonly volume: { readonly size: Size; readonly storageClassName?: string };
}

function k8sResources(r: { cpu: kplus.CpuResources; memory: kplus.MemoryResources }): kplus.k8s.ResourceRequirements {
  const q = kplus.k8s.Quantity.fromString;
  const cpu = (c?: kplus.Cpu) => (c ? q(c.amount) : undefined);
  const mem = (s?: Size) => (s ? q(quantity(s)) : undefined);
  const requests: { [key: string]: kplus.k8s.Quantity } = {};
  const limits: { [key: string]: kplus.k8s.Quantity } = {};
  for (const [target, key, value] of [
    [requests, 'cpu', cpu(r.cpu.request)],
    [limits, 'cpu', cpu(r.cpu.limit)],
    [requests, 'memory', mem(r.memory.request)],
    [limits, 'memory', mem(r.memory.limit)],
  ] as const) {
    if (value) {
      target[key] = value;
    }
  }
  return { requests, limits };
}

/** 1024 MiB -> "1Gi", 512 MiB -> "512Mi". */
function quantity(size: Size): string {
  const mib = size.toMebibytes();
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

function validate(check: PropChecker, props: RedisSessionStoreProps, name: string, sentinel: boolean): void {
  // a plain-JS caller can pass anything; every string prop is a string before it is matched
  for (const prop of ['name', 'masterName', 'passwordSecretName', 'passwordSecretKey', 'image', 'storageClassName', 'maxmemoryPolicy', 'clusterDomain', 'tlsSecretName'] as const) {
    if (props[prop] !== undefined) check.string(prop, props[prop], 'Pass a string, or leave it out for the default.');
  }
  check.resourceName('name', name, NAME_SUFFIX_BUDGET);
  check.oneOf('topology', props.topology, RedisTopology, 'RedisTopology');
  check.resources('resources', props.resources);
  const memory = props.resources?.memory;
  if (memory !== undefined && memory.request === undefined && memory.limit === undefined) {
    // maxmemory is derived from the memory limit (or request): an empty memory leaves nothing to derive it from
    check.fail('resources.memory', 'must have a request or a limit (maxmemory is derived from it)', memory, 'Use { request: Size.mebibytes(256), limit: Size.mebibytes(256) }, or leave memory out for the default.');
  }
  check.objectName('storageClassName', props.storageClassName, 'fast-ssd');
  check.requestsWithinLimits('resources', props.resources);
  if (props.image !== undefined) check.imageReference('image', props.image, DEFAULT_REDIS_IMAGE);
  if (sentinel) {
    check.integer('replicas', props.replicas, 2, MAX_REDIS_SERVERS, 'Use 3: one primary and two replicas (at least one replica is needed for failover).');
    const n = props.sentinels;
    if (n !== undefined && (!Number.isInteger(n) || n < 3 || n % 2 === 0 || n > MAX_SENTINELS)) {
      check.fail('sentinels', `must be an odd whole number from 3 to ${MAX_SENTINELS} (a majority must agree on a failover)`, props.sentinels, 'Use 3 or 5.');
    }
  } else {
    if (props.replicas !== undefined && props.replicas !== 1) {
      check.fail('replicas', 'must be 1 for a standalone store (replicas without Sentinel are never promoted)', props.replicas, 'Use topology: RedisTopology.SENTINEL for replicas.');
    }
    if (props.sentinels !== undefined) {
      check.fail('sentinels', 'only applies to the Sentinel topology', props.sentinels, 'Set topology: RedisTopology.SENTINEL, or remove sentinels.');
    }
  }
  if (props.masterName !== undefined && !/^[A-Za-z0-9._-]+$/.test(props.masterName)) {
    check.fail('masterName', 'must be letters, digits, ".", "_" or "-"', props.masterName, 'Use e.g. "mymaster".');
  }
  if (props.passwordSecretName !== undefined && !isDnsSubdomain(props.passwordSecretName)) {
    check.fail('passwordSecretName', 'must be a Secret name (lower-case DNS subdomain)', props.passwordSecretName, 'Use e.g. "sessions-auth".');
  }
  if (props.tlsSecretName !== undefined && !isDnsSubdomain(props.tlsSecretName)) {
    check.fail('tlsSecretName', 'must be a Secret name (lower-case DNS subdomain)', props.tlsSecretName, 'Use e.g. "sessions-tls" (a kubernetes.io/tls Secret, e.g. from cert-manager).');
  }
  if (props.passwordSecretKey !== undefined && !/^[-._a-zA-Z0-9]+$/.test(props.passwordSecretKey)) {
    check.fail('passwordSecretKey', 'must be a Secret key (letters, digits, "-", "_", ".")', props.passwordSecretKey, 'Use e.g. "password".');
  }
  if (props.maxmemoryPolicy !== undefined && !MAXMEMORY_POLICIES.includes(props.maxmemoryPolicy)) {
    check.fail('maxmemoryPolicy', `must be one of ${MAXMEMORY_POLICIES.join(', ')}`, props.maxmemoryPolicy, 'Use "volatile-lru" for sessions with a TTL.');
  }
  const downAfterMs = check.durationMillis('sentinelDownAfter', props.sentinelDownAfter, 'Use Duration.seconds(5).');
  if (downAfterMs !== undefined) {
    const ms = downAfterMs;
    if (ms < MIN_DOWN_AFTER_SECONDS * 1000) {
      check.fail(
        'sentinelDownAfter',
        `must be at least ${MIN_DOWN_AFTER_SECONDS} seconds (the primary's replica lag limit, min-replicas-max-lag, is derived from it and must stay at least 1 s)`,
        `${ms}ms`,
        'Use Duration.seconds(5); shorter causes failovers on a slow network.',
      );
    }
    if (ms > SENTINEL_MAX_MS) {
      check.fail('sentinelDownAfter', `must be at most ${SENTINEL_MAX_MS} ms (redis-sentinel reads it as a 32-bit int and refuses larger values)`, `${ms}ms`, 'Use Duration.seconds(5).');
    }
  }
  const failoverMs = check.durationMillis('failoverTimeout', props.failoverTimeout, 'Use Duration.seconds(60).');
  if (failoverMs !== undefined) {
    const ms = failoverMs;
    if (ms < 1000) {
      check.fail('failoverTimeout', 'must be at least 1 second', `${ms}ms`, 'Use Duration.seconds(60).');
    }
    if (ms > SENTINEL_MAX_MS) {
      check.fail('failoverTimeout', `must be at most ${SENTINEL_MAX_MS} ms (redis-sentinel reads it as a 32-bit int and refuses larger values)`, `${ms}ms`, 'Use Duration.seconds(60).');
    }
  }
  check.sizeMebibytes('storageSize', props.storageSize, 'Use Size.gibibytes(1) or more.');
  if (props.storageSize !== undefined && props.storageSize.toMebibytes() < 64) {
    check.fail('storageSize', 'must be at least 64Mi', `${props.storageSize.toMebibytes()}Mi`, 'Use Size.gibibytes(1) or more; the AOF and its rewrite need room.');
  }
  if (props.clusterDomain !== undefined && !isDnsSubdomain(props.clusterDomain)) {
    check.fail('clusterDomain', 'must be a DNS domain', props.clusterDomain, 'Use your cluster\'s DNS domain, usually "cluster.local".');
  }
}
