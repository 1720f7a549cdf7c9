import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, WRITABLE_TMP } from '../pod-security';
import { PropChecker } from '../prop-checks';

const k8s = kplus.k8s;

/**
 * an optional endpoint that always leads to the current primary of a Sentinel store, for
 * session clients without Sentinel support. A small HAProxy Deployment health-checks every Redis server
 * (`AUTH`, then `ROLE`, expecting `master`) and a ClusterIP Service `<store>-primary` fronts it.
 * The configuration is `assets/haproxy/haproxy.cfg` (read at synth, shipped in the npm package).
 */

/**
 * The default HAProxy image: the official image, pinned to a patch release of the 3.2 LTS branch
 * (docker-library/haproxy, 3.2/Dockerfile: `ENV HAPROXY_VERSION 3.2.6`, `USER haproxy`, uid/gid 99).
 */
export const DEFAULT_HAPROXY_IMAGE = 'docker.io/library/haproxy:3.2.6';

/** The `haproxy` user and group of the official image (docker-library/haproxy, 3.2/Dockerfile: `useradd --uid 99`). */
const HAPROXY_UID = 99;

/** The port clients use (the Redis port), and the health port of the readiness probe. */
export const PRIMARY_ENDPOINT_PORT = 6379;
const HEALTH_PORT = 8404;

/** Where `haproxy.cfg` is: `assets/haproxy/` at the package root, two levels above `src/session/` and `lib/session/`. */
const HAPROXY_CFG = path.join(__dirname, '..', '..', 'assets', 'haproxy', 'haproxy.cfg');

/**
 * Options of a store's primary endpoint (`RedisSessionStoreProps.primaryEndpoint`).
 */
export interface PrimaryEndpointOptions {
  /**
   * HAProxy pods. With more than one, a PodDisruptionBudget keeps all but one during a drain.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * HAProxy image, pinned (version tag or digest). It runs as uid/gid 99, the `haproxy` user of the official image.
   * @default "docker.io/library/haproxy:3.2.6"
   */
  readonly image?: string;
}

/**
 * What a store hands to its primary endpoint.
 * @internal
 */
export interface PrimaryEndpointSpec {
  readonly storeName: string;
  /** Labels every pod of the store carries (the store's NetworkPolicy selects and admits them). */
  readonly storeLabels: { [key: string]: string };
  /** The Redis pods, in ordinal order. */
  readonly redisPods: string[];
  /** The headless Service that gives each Redis pod its DNS name. */
  readonly headlessService: string;
  readonly clusterDomain: string;
  readonly passwordSecretName: string;
  readonly passwordSecretKey: string;
  /** The host name clients use for `<store>-primary` (fully qualified when the namespace is known). */
  readonly clientHost: string;
  /** With TLS: the store's TLS Secret, mounted at `dir` (HAProxy checks with TLS and verifies with its `ca.crt`). */
  readonly tls?: { readonly secretName: string; readonly dir: string };
}

/**
 * A store's primary endpoint: HAProxy Deployment, ConfigMap, Service `<store>-primary`, a NetworkPolicy for its
 * health port, and a PodDisruptionBudget when more than one HAProxy pod runs. Create it with
 * `RedisSessionStoreProps.primaryEndpoint`.
 */
export class PrimaryEndpoint extends Construct {
  /** @internal */
  public static _create(scope: Construct, id: string, options: PrimaryEndpointOptions, spec: PrimaryEndpointSpec): PrimaryEndpoint {
    return new PrimaryEndpoint(scope, id, options, spec);
  }

  /** Host name of the Service `<store>-primary`. */
  public readonly host: string;
  /** Port of the Service (6379). */
  public readonly port: number;
  /** The HAProxy Deployment. */
  public readonly deployment: ApiObject;
  /** The Service `<store>-primary`. */
  public readonly service: ApiObject;
  /** The ConfigMap with `haproxy.cfg`. */
  public readonly configMap: ApiObject;
  /** The NetworkPolicy that admits the kubelet's probes on the health port. */
  public readonly healthNetworkPolicy: ApiObject;
  /**
   * The PodDisruptionBudget (more than one replica).
   * @default - none with one replica
   */
  public readonly disruptionBudget?: ApiObject;

  private constructor(scope: Construct, id: string, options: PrimaryEndpointOptions, spec: PrimaryEndpointSpec) {
    super(scope, id);
    const replicas = options.replicas ?? 2;
    const image = options.image ?? DEFAULT_HAPROXY_IMAGE;
    const name = `${spec.storeName}-primary`;
    // The pods carry the store's labels: the store's NetworkPolicy (which selects and admits the store's pods)
    // lets them reach Redis, and admits to them on 6379 exactly the clients it admits to Redis.
    const labels = { ...spec.storeLabels, 'app.kubernetes.io/component': 'primary-endpoint' };

    this.host = spec.clientHost;
    this.port = PRIMARY_ENDPOINT_PORT;
    const haproxyCfg = renderHaproxyConfig(spec.redisPods, spec.headlessService, spec.clusterDomain, spec.tls?.dir);
    this.configMap = new k8s.KubeConfigMap(this, 'Config', { metadata: { name, labels }, data: { 'haproxy.cfg': haproxyCfg } });
    // HAProxy reads its configuration at start only: a change to it rolls the pods through this checksum
    const checksum = createHash('sha256').update(haproxyCfg).digest('hex');

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name, labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels, annotations: { 'stateless.cdk8s.io/config-checksum': checksum } },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(HAPROXY_UID),
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } },
            ],
            containers: [haproxyContainer(spec, image)],
            volumes: haproxyVolumes(spec, name),
          },
        },
      },
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector: labels,
        ports: [{ name: 'redis', port: PRIMARY_ENDPOINT_PORT, targetPort: k8s.IntOrString.fromString('redis'), protocol: 'TCP' }],
      },
    });

    // The store's NetworkPolicy admits only 6379/26379; the kubelet's HTTP probe needs the health port.
    this.healthNetworkPolicy = new k8s.KubeNetworkPolicy(this, 'HealthNetworkPolicy', {
      metadata: { name: `${name}-health`, labels },
      spec: {
        podSelector: { matchLabels: labels },
        policyTypes: ['Ingress'],
        ingress: [{ ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(HEALTH_PORT) }] }],
      },
    });

    if (replicas > 1) {
      this.disruptionBudget = new k8s.KubePodDisruptionBudget(this, 'Budget', {
        metadata: { name, labels },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      });
    }
  }
}

/** The HAProxy container: its command, the Redis password, the ports, and the probes on the health port. */
function haproxyContainer(spec: PrimaryEndpointSpec, image: string): kplus.k8s.Container {
  const probe = { periodSeconds: 2, timeoutSeconds: 2 };
  return {
    name: 'haproxy',
    image,
    imagePullPolicy: 'IfNotPresent',
    // master-worker in the foreground, as the image's entrypoint runs it
    command: ['haproxy', '-W', '-db', '-f', '/usr/local/etc/haproxy/haproxy.cfg'],
    env: [
      // the pod's namespace completes the Redis pods' DNS names in haproxy.cfg ("${POD_NAMESPACE}")
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: spec.passwordSecretName, key: spec.passwordSecretKey } } },
    ],
    ports: [
      { name: 'redis', containerPort: PRIMARY_ENDPOINT_PORT, protocol: 'TCP' },
      { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
    ],
    resources: {
      requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') },
      limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('128Mi') },
    },
    securityContext: restrictedContainerSecurityContext(HAPROXY_UID),
    // ready while this HAProxy knows a primary (monitor-uri answers 503 otherwise)
    readinessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('health') }, ...probe, failureThreshold: 2 },
    // alive while HAProxy answers at all: a restart would not bring a primary back
    livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('health') }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    volumeMounts: [
      { name: 'config', mountPath: '/usr/local/etc/haproxy', readOnly: true },
      ...(spec.tls ? [{ name: 'tls', mountPath: spec.tls.dir, readOnly: true }] : []),
      { name: 'tmp', mountPath: WRITABLE_TMP.path },
    ],
  };
}

/** The pod's volumes: haproxy.cfg, the CA certificate with TLS, and a writable /tmp. */
function haproxyVolumes(spec: PrimaryEndpointSpec, name: string): kplus.k8s.Volume[] {
  return [
    { name: 'config', configMap: { name } },
    // HAProxy needs only ca.crt; the Secret is readable by the pod's fsGroup (the haproxy user) only
    ...(spec.tls ? [{ name: 'tls', secret: { secretName: spec.tls.secretName, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o440 } }] : []),
    { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
  ];
}

/**
 * `haproxy.cfg` for a store: the template with one `server` line per Redis pod. The address is the pod's DNS
 * name through the headless Service; HAProxy expands `${POD_NAMESPACE}` from its environment, which it does
 * only inside double quotes (HAProxy Configuration Manual, 2.3 "Environment variables").
 * @internal
 */
export function renderHaproxyConfig(redisPods: string[], headlessService: string, clusterDomain: string, tlsDir?: string): string {
  const template = fs.readFileSync(HAPROXY_CFG, 'utf8');
  // With TLS the Redis servers speak only TLS. The health checks use TLS ("check-ssl": "force encryption of all
  // health checks over SSL, regardless of whether the server uses SSL or not", HAProxy Configuration Manual 5.2)
  // and verify the servers' certificates with the store's CA ("verify required", "ca-file"); the clients'
  // connections pass through as they are (no "ssl" on the server): clients speak TLS to Redis end to end.
  const tls = tlsDir ? ` check-ssl verify required ca-file ${tlsDir}/ca.crt` : '';
  const servers = redisPods.map((pod, i) => `  server redis-${i} "${pod}.${headlessService}.\${POD_NAMESPACE}.svc.${clusterDomain}:${PRIMARY_ENDPOINT_PORT}"${tls}`);
  const withServers = template.replace(/^@@REDIS_SERVERS@@$/m, servers.join('\n'));
  // an explicit "tcp-check connect" opens a plain connection unless told to take the server line's check options
  // ("default: Use default options of the server line to do the health checks", manual 4.2, tcp-check connect)
  return tlsDir ? withServers.replace(/^ {2}tcp-check connect$/m, '  tcp-check connect default') : withServers;
}

/**
 * Bad `primaryEndpoint` input, checked by the store.
 * @internal
 */
export function validatePrimaryEndpoint(check: PropChecker, options: PrimaryEndpointOptions | undefined, sentinel: boolean): void {
  if (options === undefined) return;
  if (!sentinel) {
    check.fail(
      'primaryEndpoint',
      'only applies to the Sentinel topology (a standalone store\'s Service already leads to its only server)',
      options,
      'Remove primaryEndpoint, or set topology: RedisTopology.SENTINEL.',
    );
  }
  check.integer('primaryEndpoint.replicas', options.replicas, 1, 9, 'Use 2: one HAProxy pod can be drained while the other serves.');
  if (options.image !== undefined) check.imageReference('primaryEndpoint.image', options.image, DEFAULT_HAPROXY_IMAGE);
}
