import { ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { ServiceAffinity } from '../affinity/service-affinity';
import { restrictedSecurityPatches, RESTRICTED_CONTAINER, WRITABLE_TMP } from '../pod-security';
import { PropChecker } from '../prop-checks';
import { defaultResourceName } from '../resource-names';
import { SessionEnvPreset, sessionEnvironment } from '../session/env-presets';
import { ISessionStore } from '../session/session-store';
import { claimRoute } from '../traffic/route-registry';
import { ITrafficProvider, TrafficProvider } from '../traffic/traffic-provider';
import { checkAcknowledged, reportRisks, RiskCode, RiskDescription } from '../warnings';

/**
 * Horizontal Pod Autoscaler settings.
 */
export interface AutoscalingOptions {
  /**
   * Fewest replicas the HPA keeps.
   * @default 2
   */
  readonly minReplicas?: number;
  /** Most replicas the HPA may run. */
  readonly maxReplicas: number;
  /**
   * Average CPU utilisation (percent of the CPU request) the HPA aims for. Without session affinity the
   * average is honest: every pod carries about the same load.
   * @default 70
   */
  readonly targetCpuUtilizationPercent?: number;
}

/**
 * Props of `StatelessWebApp`.
 */
export interface StatelessWebAppProps {
  /** Container image, pinned to a tag or digest (e.g. `ghcr.io/acme/rider-api:1.42.0`). */
  readonly image: string;
  /**
   * Name of the Deployment, Service, route, HPA and PDB.
   * @default - derived from the construct path, as cdk8s names objects
   */
  readonly name?: string;
  /**
   * Port the container listens on.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Port of the ClusterIP Service.
   * @default 80
   */
  readonly servicePort?: number;
  /**
   * Replicas when `autoscaling` is not set.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Requests and limits of the container.
   * @default - requests 500m CPU / 512Mi memory, limits 1000m CPU / 1Gi memory
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Extra environment variables (literal values). Secrets belong in `secretEnv`-style escape hatches
   * (`app.container.env.addVariable(...)`), never here.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * HTTP path for readiness, liveness and startup probes.
   * @default - TCP probes on `port`
   */
  readonly healthCheckPath?: string;
  /**
   * Host name to route. Without `host` and `path` no route is made, so that another construct
   * (e.g. a `StickyIngress`) can own it.
   * @default - no host match
   */
  readonly host?: string;
  /**
   * Path prefix to route.
   * @default "/" when `host` is set
   */
  readonly path?: string;
  /**
   * Ingress class (ingress-nginx provider).
   * @default "nginx"
   */
  readonly ingressClassName?: string;
  /**
   * Secret with the TLS certificate for `host` (ingress-nginx provider).
   * @default - no TLS section in the Ingress
   */
  readonly tlsSecretName?: string;
  /**
   * Scale with a Horizontal Pod Autoscaler on CPU. The Deployment then has no fixed `replicas`.
   * @default - fixed `replicas`
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * Session store whose connection is injected into the pods.
   * @default - no session store
   */
  readonly sessionStore?: ISessionStore;
  /**
   * Which environment variables carry the session store connection.
   * @default SessionEnvPreset.GENERIC
   */
  readonly sessionEnvPreset?: SessionEnvPreset;
  /**
   * Session affinity on the Service (L4), an explicit and warned opt-in: `ServiceAffinity.clientIp(...)`.
   * @default - no affinity
   */
  readonly serviceAffinity?: ServiceAffinity;
  /**
   * Traffic provider rendering the route.
   * @default TrafficProvider.ingressNginx()
   */
  readonly traffic?: ITrafficProvider;
  /**
   * UID (and GID) the container runs as. Must not be 0.
   * @default 10001
   */
  readonly runAsUser?: number;
  /**
   * Risks you accept; they stay annotated but are not printed and do not fail strict mode.
   * @default - none
   */
  readonly acknowledgedRisks?: RiskCode[];
}

/** Label keys used by every construct of this library. */
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_TRACK = 'stateless.cdk8s.io/track';

const DEFAULT_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(1000) },
  memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
};

/**
 * A web app that keeps no state in its pods: Deployment, ClusterIP Service without session
 * affinity, a route through the traffic provider, an optional HPA and a PodDisruptionBudget.
 */
export class StatelessWebApp extends Construct {
  /** The Deployment (cdk8s-plus), for escape hatches. */
  public readonly deployment: kplus.Deployment;
  /** The app container. */
  public readonly container: kplus.Container;
  /** The ClusterIP Service (cdk8s-plus), for escape hatches. */
  public readonly service: kplus.Service;
  /** The route (an Ingress or HTTPRoute), or undefined when neither `host` nor `path` is set. */
  public readonly route?: ApiObject;
  /** The HPA, when `autoscaling` is set. */
  public readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  /** The PodDisruptionBudget, when more than one replica can run. */
  public readonly disruptionBudget?: ApiObject;
  /** Name shared by the app's objects. */
  public readonly name: string;
  /** Port of the Service. */
  public readonly servicePort: number;
  /** Port the container listens on. */
  public readonly port: number;
  /** The traffic provider of this app (inherited by canaries). */
  public readonly traffic: ITrafficProvider;
  /** The bound session store, if any. */
  public readonly sessionStore?: ISessionStore;
  /** Labels that every pod of this app carries, stable and canary alike. */
  public readonly appLabels: { [key: string]: string };

  /** @internal */
  public readonly _props: StatelessWebAppProps;

  constructor(scope: Construct, id: string, props: StatelessWebAppProps) {
    super(scope, id);
    const check = new PropChecker('StatelessWebApp', id);
    this.name = props.name ?? defaultResourceName(this);
    validateProps(check, props, this.name);
    const acknowledged = checkAcknowledged('StatelessWebApp', id, props.acknowledgedRisks);
    this._props = props;

    this.port = props.port ?? 8080;
    this.servicePort = props.servicePort ?? 80;
    this.traffic = props.traffic ?? TrafficProvider.ingressNginx();
    this.sessionStore = props.sessionStore;
    const namespace = Chart.of(this).namespace;

    this.appLabels = { [LABEL_NAME]: this.name, [LABEL_COMPONENT]: 'web' };
    const selector = { ...this.appLabels, [LABEL_TRACK]: 'stable' };
    const access = props.sessionStore?.grantAccess({ name: this.name, namespace }) ?? {};
    const podLabels = { ...selector, ...(access.podLabels ?? {}) };

    const replicas = props.replicas ?? 2;
    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: this.name, labels: this.appLabels },
      podMetadata: { labels: podLabels },
      select: false,
      spread: false,
      replicas: props.autoscaling ? undefined : replicas,
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.percent(25),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      automountServiceAccountToken: false,
      securityContext: {
        ensureNonRoot: true,
        user: props.runAsUser ?? 10001,
        group: props.runAsUser ?? 10001,
        fsGroup: props.runAsUser ?? 10001,
      },
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: selector }));

    const userEnv: { [name: string]: kplus.EnvValue } = {};
    for (const [key, value] of Object.entries(props.env ?? {})) {
      userEnv[key] = kplus.EnvValue.fromValue(value);
    }
    this.container = this.deployment.addContainer({
      name: 'app',
      image: props.image,
      ports: [{ number: this.port, name: 'http' }],
      resources: {
        cpu: props.resources?.cpu ?? DEFAULT_RESOURCES.cpu,
        memory: props.resources?.memory ?? DEFAULT_RESOURCES.memory,
        ephemeralStorage: props.resources?.ephemeralStorage,
      },
      envVariables: userEnv,
      securityContext: { ...RESTRICTED_CONTAINER, user: props.runAsUser ?? 10001, group: props.runAsUser ?? 10001 },
      ...probes(props.healthCheckPath, this.port),
    });
    const tmp = kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp', { sizeLimit: WRITABLE_TMP.sizeLimit });
    this.container.mount(WRITABLE_TMP.path, tmp);

    if (props.sessionStore) {
      this.bindSessionEnv(props.sessionStore, props.sessionEnvPreset ?? SessionEnvPreset.GENERIC, check, props.env ?? {});
    }

    const deploymentObject = ApiObject.of(this.deployment);
    deploymentObject.addJsonPatch(...restrictedSecurityPatches(1));
    deploymentObject.addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', spreadConstraints(selector)));

    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: this.name, labels: this.appLabels },
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port: this.servicePort, targetPort: this.port }],
    });
    for (const [key, value] of Object.entries(selector)) {
      this.service.selectLabel(key, value);
    }

    if (props.host !== undefined || props.path !== undefined) {
      const route = {
        name: this.name,
        host: props.host,
        path: props.path ?? '/',
        serviceName: this.name,
        servicePort: this.servicePort,
        ingressClassName: props.ingressClassName,
        tlsSecretName: props.tlsSecretName,
      };
      claimRoute(this, `StatelessWebApp '${id}'`, this.traffic, route, 'Give each app its own host or path, or route this one without host and path.');
      this.route = this.traffic.renderRoute(this, 'Route', route);
      this.route.metadata.addLabel(LABEL_NAME, this.name);
      this.route.metadata.addLabel(LABEL_COMPONENT, 'web');
    }

    if (props.autoscaling) {
      this.autoscaler = new kplus.HorizontalPodAutoscaler(this, 'Autoscaler', {
        metadata: { name: this.name, labels: this.appLabels },
        target: this.deployment,
        minReplicas: props.autoscaling.minReplicas ?? 2,
        maxReplicas: props.autoscaling.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(props.autoscaling.targetCpuUtilizationPercent ?? 70))],
      });
    }

    const minReplicas = props.autoscaling ? props.autoscaling.minReplicas ?? 2 : replicas;
    const maxReplicas = props.autoscaling ? props.autoscaling.maxReplicas : replicas;
    if (maxReplicas > 1) {
      this.disruptionBudget = new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { name: this.name, labels: this.appLabels },
        spec: {
          maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
          selector: { matchLabels: this.appLabels },
        },
      });
    }

    const risks: RiskDescription[] = [];
    if (minReplicas === 1) {
      risks.push({
        code: RiskCode.APP_SINGLE_REPLICA,
        message:
          `${this.name} runs ${props.autoscaling ? 'down to ' : ''}1 replica: a node drain, an eviction or a crash takes the app down ` +
          'until a new pod is ready, and no PodDisruptionBudget can protect a single pod.',
        remedy: props.autoscaling ? 'Set autoscaling.minReplicas to 2 or more.' : 'Set replicas to 2 or more (or autoscaling with minReplicas >= 2).',
      });
    }
    const connection = props.sessionStore?.connection;
    if (connection && connection.external && !connection.tls) {
      risks.push({
        code: RiskCode.STORE_WITHOUT_TLS,
        message: `${this.name} reaches the external session store ${connection.host}:${connection.port} without TLS: session ids and the password cross the network in clear text.`,
        remedy: 'Enable in-transit encryption on the managed Redis and set tls: true in SessionStore.external().',
      });
    }
    reportRisks(this, 'StatelessWebApp', risks, acknowledged, [deploymentObject]);
    props.serviceAffinity?.applyTo(this.service);
  }

  private bindSessionEnv(store: ISessionStore, preset: SessionEnvPreset, check: PropChecker, userEnv: { [name: string]: string }): void {
    const vars = sessionEnvironment(preset, store.connection);
    const secret = kplus.Secret.fromSecretName(this, 'SessionPassword', store.connection.passwordSecretName);
    for (const v of vars) {
      if (v.name in userEnv) {
        check.fail(
          `env.${v.name}`,
          `is set by the session store binding (preset ${preset})`,
          userEnv[v.name],
          'Remove it from env, or bind a different sessionEnvPreset; the store connection is injected for you.',
        );
      }
      this.container.env.addVariable(
        v.name,
        v.password
          ? kplus.EnvValue.fromSecretValue({ secret, key: store.connection.passwordSecretKey })
          : kplus.EnvValue.fromValue(v.value ?? ''),
      );
    }
  }
}

function validateProps(check: PropChecker, props: StatelessWebAppProps, name: string): void {
  check.nonBlank('image', props.image, 'Pass a container image pinned to a tag or digest, e.g. "ghcr.io/acme/web:1.4.2".');
  if (/\s/.test(props.image)) {
    check.fail('image', 'must not contain white space', props.image, 'Pass a single image reference, e.g. "ghcr.io/acme/web:1.4.2".');
  }
  check.resourceName('name', name, '-canary'.length);
  check.integer('port', props.port, 1, 65535, 'Use the TCP port the container listens on, e.g. 8080.');
  check.integer('servicePort', props.servicePort, 1, 65535, 'Use the port clients call the Service on, e.g. 80.');
  check.integer('replicas', props.replicas, 1, 1000, 'Use a whole number of pods, 2 or more for availability.');
  check.integer('runAsUser', props.runAsUser, 1, 2147483647, 'Use a non-root UID (not 0), e.g. 10001.');
  if (props.autoscaling) {
    const a = props.autoscaling;
    check.integer('autoscaling.minReplicas', a.minReplicas, 1, 1000, 'Use a whole number of pods, 2 or more for availability.');
    check.integer('autoscaling.maxReplicas', a.maxReplicas, 1, 1000, 'Use a whole number of pods at least minReplicas.');
    const min = a.minReplicas ?? 2;
    if (a.maxReplicas < min) {
      check.fail('autoscaling.maxReplicas', `must be at least autoscaling.minReplicas (${min})`, a.maxReplicas, `Raise maxReplicas to ${min} or more, or lower minReplicas.`);
    }
    check.integer(
      'autoscaling.targetCpuUtilizationPercent',
      a.targetCpuUtilizationPercent,
      1,
      100,
      'Use a percentage of the CPU request, e.g. 70.',
    );
    if (props.replicas !== undefined) {
      check.fail('replicas', 'cannot be combined with autoscaling (the HPA owns the replica count)', props.replicas, 'Remove replicas and set autoscaling.minReplicas instead.');
    }
  }
  check.hostName('host', props.host);
  check.httpPath('path', props.path);
  check.httpPath('healthCheckPath', props.healthCheckPath);
  for (const key of Object.keys(props.env ?? {})) {
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key)) {
      check.fail('env', 'keys must be valid environment variable names (letters, digits, "_", "-", "." not starting with a digit)', key, 'Rename the variable, e.g. "LOG_LEVEL".');
    }
  }
  if (props.tlsSecretName !== undefined && props.host === undefined) {
    check.fail('tlsSecretName', 'needs a host to issue the certificate for', props.tlsSecretName, 'Set host as well, or remove tlsSecretName.');
  }
}

function probes(healthCheckPath: string | undefined, port: number): Pick<kplus.ContainerProps, 'readiness' | 'liveness' | 'startup'> {
  const probe = (opts: kplus.ProbeOptions) =>
    healthCheckPath !== undefined ? kplus.Probe.fromHttpGet(healthCheckPath, { ...opts, port }) : kplus.Probe.fromTcpSocket({ ...opts, port });
  return {
    // Startup: up to 150 s for a slow JVM before liveness may restart the pod.
    startup: probe({ periodSeconds: Duration.seconds(5), failureThreshold: 30, timeoutSeconds: Duration.seconds(2) }),
    readiness: probe({ periodSeconds: Duration.seconds(5), failureThreshold: 3, timeoutSeconds: Duration.seconds(2) }),
    liveness: probe({ periodSeconds: Duration.seconds(10), failureThreshold: 3, timeoutSeconds: Duration.seconds(2) }),
  };
}

/** Spread across nodes and zones, but schedule anyway when there are fewer nodes than replicas. */
function spreadConstraints(selector: { [key: string]: string }): unknown[] {
  return ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
    matchLabelKeys: ['pod-template-hash'],
  }));
}
