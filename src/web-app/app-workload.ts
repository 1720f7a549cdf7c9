import { ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { RESTRICTED_CONTAINER, WRITABLE_TMP } from '../pod-security';
import { PropChecker } from '../prop-checks';
import { SessionEnvPreset, sessionEnvironment } from '../session/env-presets';
import { ISessionStore, SessionStoreAccess } from '../session/session-store';
import { beforeSynth } from '../synth-hooks';

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

/**
 * The resources a container gets: each of the four values (CPU and memory, request and limit) that is left
 * out takes its default, so a CPU request alone keeps the default CPU limit.
 */
export function resolveResources(r: kplus.ContainerResources | undefined): kplus.ContainerResources {
  return {
    cpu: { request: r?.cpu?.request ?? DEFAULT_RESOURCES.cpu!.request, limit: r?.cpu?.limit ?? DEFAULT_RESOURCES.cpu!.limit },
    memory: { request: r?.memory?.request ?? DEFAULT_RESOURCES.memory!.request, limit: r?.memory?.limit ?? DEFAULT_RESOURCES.memory!.limit },
    ephemeralStorage: r?.ephemeralStorage,
  };
}

/** "500m" -> 500, "2" -> 2000. */
function millicores(amount: string): number {
  return amount.endsWith('m') ? Number(amount.slice(0, -1)) : Number(amount) * 1000;
}

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

/** Autoscaling with every default resolved (once, here). */
export interface ResolvedAutoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetCpuUtilizationPercent: number;
}

/** The HPA defaults: at least 2 pods, 70% of the CPU request. */
export function resolveAutoscaling(a: AutoscalingOptions | undefined): ResolvedAutoscaling | undefined {
  if (!a) return undefined;
  return { minReplicas: a.minReplicas ?? 2, maxReplicas: a.maxReplicas, targetCpuUtilizationPercent: a.targetCpuUtilizationPercent ?? 70 };
}

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
  readonly autoscaling?: ResolvedAutoscaling;
  readonly sessionStore?: ISessionStore;
  readonly sessionEnvPreset?: SessionEnvPreset;
  readonly runAsUser?: number;
}

export interface Workload {
  readonly deployment: kplus.Deployment;
  readonly container: kplus.Container;
  readonly service: kplus.Service;
  readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  /** The variables the session store binding sets (a release's env may not override them). */
  readonly sessionVariables: string[];
}

/**
 * An env value as Kubernetes reads it literally: Kubernetes expands "$(VAR)" in an env value and reduces "$$" to "$"
 * (kubernetes/api, core/v1/types.go, EnvVar.Value: "Double $$ are reduced to a single $, which allows for escaping the
 * $(VAR_NAME) syntax"; commit 3fed8b5), so every "$" is written as "$$" and "pa$$word" reaches the container as is.
 */
export function literalEnvValue(value: string): kplus.EnvValue {
  return kplus.EnvValue.fromValue(value.replace(/\$/g, '$$$$'));
}

/** A variable of `env` that the session store binding sets is refused: the binding would be replaced silently. */
export function refuseSessionOverride(
  check: PropChecker,
  sessionVariables: string[],
  preset: SessionEnvPreset,
  env: { [name: string]: string },
): void {
  for (const name of sessionVariables) {
    if (name in env) {
      check.fail(
        `env.${name}`,
        `is set by the session store binding (preset ${preset})`,
        env[name],
        'Remove it from env, or bind a different sessionEnvPreset; the store connection is injected for you.',
      );
    }
  }
}

/** Fewest and most pods a track runs: the HPA range, or the fixed replica count. */
export function replicaRange(spec: WorkloadSpec): { min: number; max: number } {
  if (spec.autoscaling) {
    return { min: spec.autoscaling.minReplicas, max: spec.autoscaling.maxReplicas };
  }
  return { min: spec.replicas, max: spec.replicas };
}

/** The props checks a stable app and a canary share. */
export function validateWorkloadProps(
  check: PropChecker,
  props: {
    image: string;
    replicas?: number;
    autoscaling?: AutoscalingOptions;
    env?: { [name: string]: string };
    resources?: kplus.ContainerResources;
  },
): void {
  // every app image (stable and canary) is pinned and well-formed, as the session store's is
  check.imageReference('image', props.image, 'ghcr.io/acme/web:1.4.2');
  check.resources('resources', props.resources);
  const resolved = resolveResources(props.resources);
  const cpuDefaulted = props.resources?.cpu?.limit === undefined ? ` (the limit you left out is the default, ${DEFAULT_RESOURCES.cpu!.limit!.amount})` : '';
  const memoryDefaulted = props.resources?.memory?.limit === undefined ? ` (the limit you left out is the default, ${DEFAULT_RESOURCES.memory!.limit!.toMebibytes()}Mi)` : '';
  if (millicores(resolved.cpu!.request!.amount) > millicores(resolved.cpu!.limit!.amount)) {
    check.fail(
      'resources.cpu',
      `must not request more than its limit${cpuDefaulted} (the API server rejects the pod)`,
      `request ${resolved.cpu!.request!.amount} > limit ${resolved.cpu!.limit!.amount}`,
      'Set a limit at least the request, or lower the request.',
    );
  }
  if (resolved.memory!.request!.toMebibytes() > resolved.memory!.limit!.toMebibytes()) {
    check.fail(
      'resources.memory',
      `must not request more than its limit${memoryDefaulted} (the API server rejects the pod)`,
      `request ${resolved.memory!.request!.toMebibytes()}Mi > limit ${resolved.memory!.limit!.toMebibytes()}Mi`,
      'Set a limit at least the request, or lower the request.',
    );
  }
  check.integer('replicas', props.replicas, 1, 1000, 'Use a whole number of pods, 2 or more for availability.');
  if (props.autoscaling !== undefined && (typeof props.autoscaling !== 'object' || props.autoscaling === null || Array.isArray(props.autoscaling))) {
    check.fail('autoscaling', 'must be an object with maxReplicas', props.autoscaling, 'Pass e.g. { minReplicas: 2, maxReplicas: 10 }.');
  }
  if (props.autoscaling) {
    const a = props.autoscaling;
    if (a.maxReplicas === undefined) {
      check.fail('autoscaling.maxReplicas', 'is required', a.maxReplicas, 'Pass the most pods the HPA may run, e.g. 10.');
    }
    check.integer('autoscaling.minReplicas', a.minReplicas, 1, 1000, 'Use a whole number of pods, 2 or more for availability.');
    check.integer('autoscaling.maxReplicas', a.maxReplicas, 1, 1000, 'Use a whole number of pods at least minReplicas.');
    const min = resolveAutoscaling(a)!.minReplicas;
    if (a.maxReplicas < min) {
      check.fail('autoscaling.maxReplicas', `must be at least autoscaling.minReplicas (${min})`, a.maxReplicas, `Raise maxReplicas to ${min} or more, or lower minReplicas.`);
    }
    check.integer('autoscaling.targetCpuUtilizationPercent', a.targetCpuUtilizationPercent, 1, 100, 'Use a percentage of the CPU request, e.g. 70.');
    if (props.replicas !== undefined) {
      check.fail('replicas', 'cannot be combined with autoscaling (the HPA owns the replica count)', props.replicas, 'Remove replicas and set autoscaling.minReplicas instead.');
    }
  }
  if (props.env !== undefined && (typeof props.env !== 'object' || props.env === null || Array.isArray(props.env))) {
    check.fail('env', 'must be a map of variable names to string values', props.env, 'Pass e.g. { LOG_LEVEL: "info" }.');
  }
  for (const [key, value] of Object.entries(props.env ?? {})) {
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key)) {
      check.fail('env', 'keys must be valid environment variable names (letters, digits, "_", "-", "." not starting with a digit)', key, 'Rename the variable, e.g. "LOG_LEVEL".');
    }
    // a plain-JS caller can pass numbers, booleans, null; a value kubectl reads back as a number is refused
    check.string(`env.${key}`, value, 'Pass the value as a string, e.g. "8080" or "true".');
    check.yamlString(`env.${key}`, value, 'Write it in a form cdk8s quotes (e.g. "0644" for "0o644", "0x1F" for "0X1F"), or set the variable from a ConfigMap.');
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
    userEnv[key] = literalEnvValue(value);
  }
  const container = deployment.addContainer({
    name: 'app',
    image: spec.image,
    // images are pinned (a tag or a digest): pulling on every start only adds a registry dependency
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    ports: [{ number: spec.port, name: 'http' }],
    resources: resolveResources(spec.resources),
    envVariables: userEnv,
    securityContext: { ...RESTRICTED_CONTAINER, user: uid, group: uid },
    ...probes(spec.healthCheckPath, spec.port),
  });
  const tmp = kplus.Volume.fromEmptyDir(scope, 'tmp', 'tmp', { sizeLimit: WRITABLE_TMP.sizeLimit });
  container.mount(WRITABLE_TMP.path, tmp);

  const sessionVariables = spec.sessionStore
    ? bindSessionEnv(scope, container, spec.sessionStore, access, spec.sessionEnvPreset ?? SessionEnvPreset.GENERIC, check, spec.env)
    : [];

  const deploymentObject = ApiObject.of(deployment);
  deploymentObject.addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
  deploymentObject.addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', spreadConstraints(selector)));
  // Containers added later through the escape hatches (app.deployment.addContainer, ...) get the same
  // restricted context, or the synth fails naming them: checked once the whole tree exists.
  beforeSynth(scope, () => restrictEveryContainer(check, deployment));

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
      minReplicas: spec.autoscaling.minReplicas,
      maxReplicas: spec.autoscaling.maxReplicas,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(spec.autoscaling.targetCpuUtilizationPercent))],
    })
    : undefined;

  return { deployment, container, service, autoscaler, sessionVariables };
}

/**
 * Pod Security Standards `restricted` for every container of the pod, including ones added through the escape
 * hatches: capabilities dropped (cdk8s-plus cannot say it), and a failure naming the container whose own
 * context breaks the standard (privileged, privilege escalation, root, writable root filesystem).
 */
function restrictEveryContainer(check: PropChecker, deployment: kplus.Deployment): void {
  const object = ApiObject.of(deployment);
  const lists: Array<[string, kplus.Container[]]> = [
    ['containers', deployment.containers],
    ['initContainers', deployment.initContainers],
  ];
  for (const [field, containers] of lists) {
    containers.forEach((c, i) => {
      const sc = c.securityContext;
      const broken = [
        sc.privileged ? 'privileged: true' : undefined,
        sc.allowPrivilegeEscalation ? 'allowPrivilegeEscalation: true' : undefined,
        !sc.ensureNonRoot ? 'ensureNonRoot: false' : undefined,
        sc.user === 0 ? 'user: 0' : undefined,
        !sc.readOnlyRootFilesystem ? 'readOnlyRootFilesystem: false' : undefined,
      ].filter((x): x is string => x !== undefined);
      if (broken.length > 0) {
        check.fail(
          `deployment.${field}[${i}] (${c.name})`,
          'must keep the Pod Security Standards restricted context of the pod',
          broken.join(', '),
          'Remove those settings from the container you added (mount an emptyDir where it needs to write), or run it outside this app.',
        );
      }
      object.addJsonPatch(JsonPatch.add(`/spec/template/spec/${field}/${i}/securityContext/capabilities`, { drop: ['ALL'] }));
    });
  }
}

function bindSessionEnv(
  scope: Construct,
  container: kplus.Container,
  store: ISessionStore,
  access: SessionStoreAccess,
  preset: SessionEnvPreset,
  check: PropChecker,
  userEnv: { [name: string]: string },
): string[] {
  // a store may give each app its own user and password Secret (SessionStoreAccess)
  const vars = sessionEnvironment(preset, store.connection, access);
  refuseSessionOverride(check, vars.map((v) => v.name), preset, userEnv);
  const secret = kplus.Secret.fromSecretName(scope, 'SessionPassword', access.passwordSecretName ?? store.connection.passwordSecretName);
  const secretKey = access.passwordSecretKey ?? store.connection.passwordSecretKey;
  for (const v of vars) {
    container.env.addVariable(
      v.name,
      v.password ? kplus.EnvValue.fromSecretValue({ secret, key: secretKey }) : kplus.EnvValue.fromValue(v.value ?? ''),
    );
  }
  return vars.map((v) => v.name);
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
