import { ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { restrictedSecurityPatches, RESTRICTED_CONTAINER, WRITABLE_TMP } from '../pod-security';
import { PropChecker } from '../prop-checks';
import type { AutoscalingOptions } from './stateless-web-app';
import { SessionEnvPreset, sessionEnvironment } from '../session/env-presets';
import { ISessionStore, SessionStoreAccess } from '../session/session-store';

/**
 * The pods of a web app, one track at a time: the Deployment, its Service and its HPA.
 * A StatelessWebApp builds its stable track with it, a CanaryRelease its canary track, so the
 * canary runs exactly the stable pod spec with another image and env.
 */

/** Label keys used by every construct of this library. */
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_TRACK = 'stateless.cdk8s.io/track';

export const DEFAULT_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(1000) },
  memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
};

export interface WorkloadSpec {
  /** Name of the Deployment, Service and HPA. */
  readonly name: string;
  /** Labels shared by every track of the app (PDB, NetworkPolicy peers). */
  readonly appLabels: { [key: string]: string };
  /** `stable` or `canary`: the Deployment and Service select on it. */
  readonly track: string;
  readonly image: string;
  readonly env: { [name: string]: string };
  readonly port: number;
  readonly servicePort: number;
  readonly resources?: kplus.ContainerResources;
  readonly healthCheckPath?: string;
  readonly replicas: number;
  readonly autoscaling?: AutoscalingOptions;
  readonly sessionStore?: ISessionStore;
  readonly sessionEnvPreset?: SessionEnvPreset;
  readonly runAsUser?: number;
}

export interface Workload {
  readonly deployment: kplus.Deployment;
  readonly container: kplus.Container;
  readonly service: kplus.Service;
  readonly autoscaler?: kplus.HorizontalPodAutoscaler;
}

/** Fewest and most pods a track runs: the HPA range, or the fixed replica count. */
export function replicaRange(spec: WorkloadSpec): { min: number; max: number } {
  if (spec.autoscaling) {
    return { min: spec.autoscaling.minReplicas ?? 2, max: spec.autoscaling.maxReplicas };
  }
  return { min: spec.replicas, max: spec.replicas };
}

/** The labels every route of an app carries, whichever construct made it. */
export function labelRoute(route: ApiObject, appName: string): void {
  route.metadata.addLabel(LABEL_NAME, appName);
  route.metadata.addLabel(LABEL_COMPONENT, 'web');
}

/** The props checks a stable app and a canary share. */
export function validateWorkloadProps(
  check: PropChecker,
  props: { image: string; replicas?: number; autoscaling?: AutoscalingOptions; env?: { [name: string]: string } },
): void {
  check.nonBlank('image', props.image, 'Pass a container image pinned to a tag or digest, e.g. "ghcr.io/acme/web:1.4.2".');
  if (/\s/.test(props.image)) {
    check.fail('image', 'must not contain white space', props.image, 'Pass a single image reference, e.g. "ghcr.io/acme/web:1.4.2".');
  }
  check.integer('replicas', props.replicas, 1, 1000, 'Use a whole number of pods, 2 or more for availability.');
  if (props.autoscaling) {
    const a = props.autoscaling;
    check.integer('autoscaling.minReplicas', a.minReplicas, 1, 1000, 'Use a whole number of pods, 2 or more for availability.');
    check.integer('autoscaling.maxReplicas', a.maxReplicas, 1, 1000, 'Use a whole number of pods at least minReplicas.');
    const min = a.minReplicas ?? 2;
    if (a.maxReplicas < min) {
      check.fail('autoscaling.maxReplicas', `must be at least autoscaling.minReplicas (${min})`, a.maxReplicas, `Raise maxReplicas to ${min} or more, or lower minReplicas.`);
    }
    check.integer('autoscaling.targetCpuUtilizationPercent', a.targetCpuUtilizationPercent, 1, 100, 'Use a percentage of the CPU request, e.g. 70.');
    if (props.replicas !== undefined) {
      check.fail('replicas', 'cannot be combined with autoscaling (the HPA owns the replica count)', props.replicas, 'Remove replicas and set autoscaling.minReplicas instead.');
    }
  }
  for (const key of Object.keys(props.env ?? {})) {
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key)) {
      check.fail('env', 'keys must be valid environment variable names (letters, digits, "_", "-", "." not starting with a digit)', key, 'Rename the variable, e.g. "LOG_LEVEL".');
    }
  }
}

/** Deployment (PSS restricted, probes, rolling update, spread), Service and optional HPA of one track. */
export function buildWorkload(scope: Construct, check: PropChecker, spec: WorkloadSpec): Workload {
  const selector = { ...spec.appLabels, [LABEL_TRACK]: spec.track };
  const access = spec.sessionStore?.grantAccess({ name: spec.appLabels[LABEL_NAME], namespace: Chart.of(scope).namespace }) ?? {};
  const podLabels = { ...selector, ...(access.podLabels ?? {}) };
  const uid = spec.runAsUser ?? 10001;

  const deployment = new kplus.Deployment(scope, 'Deployment', {
    metadata: { name: spec.name, labels: spec.appLabels },
    podMetadata: { labels: podLabels },
    select: false,
    spread: false,
    replicas: spec.autoscaling ? undefined : spec.replicas,
    strategy: kplus.DeploymentStrategy.rollingUpdate({
      maxSurge: kplus.PercentOrAbsolute.percent(25),
      maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
    }),
    automountServiceAccountToken: false,
    securityContext: { ensureNonRoot: true, user: uid, group: uid, fsGroup: uid },
  });
  deployment.select(kplus.LabelSelector.of({ labels: selector }));

  const userEnv: { [name: string]: kplus.EnvValue } = {};
  for (const [key, value] of Object.entries(spec.env)) {
    userEnv[key] = kplus.EnvValue.fromValue(value);
  }
  const container = deployment.addContainer({
    name: 'app',
    image: spec.image,
    // images are pinned (a tag or a digest): pulling on every start only adds a registry dependency
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    ports: [{ number: spec.port, name: 'http' }],
    resources: {
      cpu: spec.resources?.cpu ?? DEFAULT_RESOURCES.cpu,
      memory: spec.resources?.memory ?? DEFAULT_RESOURCES.memory,
      ephemeralStorage: spec.resources?.ephemeralStorage,
    },
    envVariables: userEnv,
    securityContext: { ...RESTRICTED_CONTAINER, user: uid, group: uid },
    ...probes(spec.healthCheckPath, spec.port),
  });
  const tmp = kplus.Volume.fromEmptyDir(scope, 'tmp', 'tmp', { sizeLimit: WRITABLE_TMP.sizeLimit });
  container.mount(WRITABLE_TMP.path, tmp);

  if (spec.sessionStore) {
    bindSessionEnv(scope, container, spec.sessionStore, access, spec.sessionEnvPreset ?? SessionEnvPreset.GENERIC, check, spec.env);
  }

  const deploymentObject = ApiObject.of(deployment);
  deploymentObject.addJsonPatch(...restrictedSecurityPatches(1));
  deploymentObject.addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', spreadConstraints(selector)));

  const service = new kplus.Service(scope, 'Service', {
    metadata: { name: spec.name, labels: spec.appLabels },
    type: kplus.ServiceType.CLUSTER_IP,
    ports: [{ name: 'http', port: spec.servicePort, targetPort: spec.port }],
  });
  for (const [key, value] of Object.entries(selector)) {
    service.selectLabel(key, value);
  }

  const autoscaler = spec.autoscaling
    ? new kplus.HorizontalPodAutoscaler(scope, 'Autoscaler', {
      metadata: { name: spec.name, labels: spec.appLabels },
      target: deployment,
      minReplicas: spec.autoscaling.minReplicas ?? 2,
      maxReplicas: spec.autoscaling.maxReplicas,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(spec.autoscaling.targetCpuUtilizationPercent ?? 70))],
    })
    : undefined;

  return { deployment, container, service, autoscaler };
}

function bindSessionEnv(
  scope: Construct,
  container: kplus.Container,
  store: ISessionStore,
  access: SessionStoreAccess,
  preset: SessionEnvPreset,
  check: PropChecker,
  userEnv: { [name: string]: string },
): void {
  // issue #14 item 7: a store may give each app its own user and password Secret (SessionStoreAccess)
  const vars = sessionEnvironment(preset, store.connection, access);
  const secret = kplus.Secret.fromSecretName(scope, 'SessionPassword', access.passwordSecretName ?? store.connection.passwordSecretName);
  const secretKey = access.passwordSecretKey ?? store.connection.passwordSecretKey;
  for (const v of vars) {
    if (v.name in userEnv) {
      check.fail(
        `env.${v.name}`,
        `is set by the session store binding (preset ${preset})`,
        userEnv[v.name],
        'Remove it from env, or bind a different sessionEnvPreset; the store connection is injected for you.',
      );
    }
    container.env.addVariable(
      v.name,
      v.password ? kplus.EnvValue.fromSecretValue({ secret, key: secretKey }) : kplus.EnvValue.fromValue(v.value ?? ''),
    );
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
