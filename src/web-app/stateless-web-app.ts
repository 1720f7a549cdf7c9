import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { ServiceAffinity } from '../affinity/service-affinity';
import { refuseDuplicateObjects } from '../object-names';
import { PropChecker } from '../prop-checks';
import { defaultResourceName } from '../resource-names';
import { SessionEnvPreset } from '../session/env-presets';
import { ISessionStore } from '../session/session-store';
import { NO_PRUNE_ANNOTATIONS } from '../traffic/engine-risks';
import { TrafficProvider } from '../traffic/factory';
import { ITrafficProvider, PathType, RouteRole } from '../traffic/provider-contract';
import { AppRoute, registerBackend } from '../traffic/route';
import { checkAcknowledged, reportRisks, RiskCode, RiskDescription } from '../warnings';
import {
  AutoscalingOptions,
  buildWorkload,
  LABEL_COMPONENT,
  LABEL_NAME,
  LABEL_TRACK,
  literalEnvValue,
  refuseSessionOverride,
  replicaRange,
  resolveAutoscaling,
  validateWorkloadProps,
  WorkloadSpec,
} from './app-workload';
import { secretLiteralRisks } from './env-risks';

/**
 * What a release engine takes over of the app's objects; the app applies it to its own objects.
 * @internal
 */
export interface EngineHandover {
  /** The replicas the app's Deployment renders from now on, when the engine's controller scales it. */
  readonly deploymentReplicas?: number;
  /** The object the HPA scales instead of the Deployment. */
  readonly autoscalerTarget?: { apiVersion: string; kind: string; name: string };
  /** The topology spread selects the app by a match expression on its name label (which the engine rewrites in its copy). */
  readonly spreadByNameExpression: boolean;
  /** The engine's controller takes over the app's Service. */
  readonly serviceTakenOver: boolean;
  /**
   * This commit adopts the engine: what it takes over is still rendered, marked so that GitOps tools do not prune it
   * when a later commit stops rendering it.
   */
  readonly adopting: boolean;
}


/** The longest suffix of a name derived from an app's name: its canary's, `-canary-<releaseId of up to 8>`. */
const CANARY_SUFFIX = '-canary-xxxxxxxx';

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
   * Extra environment variables, as literal values written into the YAML. Secrets do not belong here: add
   * them with `app.container.env.addVariable(name, EnvValue.fromSecretValue({ secret, key }))`.
   * Values reach the container unchanged: every `$` is written as `$$`, so Kubernetes does not expand `$(VAR)`.
   * Values kubectl would read back as numbers (`0o644`, `0X1F`, which cdk8s writes unquoted) are refused.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * HTTP path for readiness, liveness and startup probes.
   * @default - TCP probes on `port`
   */
  readonly healthCheckPath?: string;
  /**
   * Host name to route: the one way to route an app (a `StickyIngress` without host and path makes this route
   * sticky, a `CanaryRelease` splits it). Without `host` and `path` no route is made.
   * @default - no host match
   */
  readonly host?: string;
  /**
   * Path to route.
   * @default "/" when `host` is set
   */
  readonly path?: string;
  /**
   * How `path` matches. A regular expression is never guessed from the characters of `path`.
   * @default PathType.PREFIX
   */
  readonly pathType?: PathType;
  /**
   * Secret with the TLS certificate for `host`, for traffic providers that terminate TLS per route; a provider
   * whose controller terminates TLS elsewhere (e.g. on a shared listener) refuses it.
   * @default - no TLS on the route
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
   * Traffic provider rendering the route; controller options (a class, a parent, entry points) are the
   * provider's, given to its `TrafficProvider` factory.
   * @default - TrafficProvider.defaultFor(this): the chart's or app's default, else the library's default provider
   */
  readonly traffic?: ITrafficProvider;
  /**
   * UID (and GID) the container runs as. Must not be 0.
   * @default 10001
   */
  readonly runAsUser?: number;
  /**
   * Risks you accept (`RiskCode` values, or a traffic provider's codes); they stay annotated but are not
   * printed and do not fail strict mode.
   * @default - none
   */
  readonly acknowledgedRisks?: string[];
}


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

  /**
   * The stable workload as built: a canary runs it with its own image and env.
   * @internal
   */
  public readonly _workloadSpec: WorkloadSpec;
  private readonly sessionVariables: string[];
  private readonly ownRoute?: AppRoute;

  constructor(scope: Construct, id: string, props: StatelessWebAppProps) {
    super(scope, id);
    // bad input leaves nothing half-built in the tree: the construct and what it made so far go away
    try {
      const check = PropChecker.of(this, 'StatelessWebApp');
      this.name = props.name ?? defaultResourceName(this, CANARY_SUFFIX);
      validateProps(check, props, this.name);
      const acknowledged = checkAcknowledged(check, props.acknowledgedRisks);

      this.port = props.port ?? 8080;
      this.servicePort = props.servicePort ?? 80;
      this.traffic = props.traffic ?? TrafficProvider.defaultFor(this);
      this.sessionStore = props.sessionStore;

      this.appLabels = { [LABEL_NAME]: this.name, [LABEL_COMPONENT]: 'web' };

      const replicas = props.replicas ?? 2;
      const spec: WorkloadSpec = {
        name: this.name,
        appLabels: this.appLabels,
        track: 'stable',
        image: props.image,
        env: props.env ?? {},
        port: this.port,
        servicePort: this.servicePort,
        resources: props.resources,
        healthCheckPath: props.healthCheckPath,
        replicas,
        autoscaling: resolveAutoscaling(props.autoscaling),
        sessionStore: props.sessionStore,
        sessionEnvPreset: props.sessionEnvPreset,
        runAsUser: props.runAsUser,
      };
      this._workloadSpec = spec;
      const workload = buildWorkload(this, check, spec);
      this.sessionVariables = workload.sessionVariables;
      this.deployment = workload.deployment;
      this.container = workload.container;
      this.service = workload.service;
      this.autoscaler = workload.autoscaler;
      const deploymentObject = ApiObject.of(this.deployment);

      const { min: minReplicas, max: maxReplicas } = replicaRange(spec);
      registerBackend(this, this.name, {
        owner: check.where,
        appName: this.name,
        labels: this.appLabels,
        minReplicas,
        maxReplicas,
        targetCpu: spec.autoscaling?.targetCpuUtilizationPercent,
        hasSessionStore: props.sessionStore !== undefined,
        servicePort: this.servicePort,
        provider: this.traffic,
      });
      if (props.host !== undefined || props.path !== undefined) {
        this.ownRoute = AppRoute.create({
          // the route's objects are rendered into this scope when the App is synthesized (after the
          // StickyIngress or CanaryRelease that may still attach to it), in this place of the YAML
          contributor: this,
          scope: new Construct(this, 'Route'),
          kind: 'StatelessWebApp',
          where: check.where,
          acknowledged,
          provider: this.traffic,
          name: this.name,
          host: props.host,
          path: props.path ?? '/',
          pathType: props.pathType ?? PathType.PREFIX,
          serviceName: this.name,
          servicePort: this.servicePort,
          tlsSecretName: props.tlsSecretName,
          labels: this.appLabels,
          collisionFix: 'Give each app its own host or path, or route this one without host and path.',
        });
      }

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

      const risks: RiskDescription[] = secretLiteralRisks(this.name, props.env ?? {});
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
      refuseDuplicateObjects(this, check, 'name', this.name, 'Give one of the two a different name.');
      props.serviceAffinity?.applyTo(this.service);
    } catch (e) {
      AppRoute.forget(this);
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }

  /**
   * The app's own route object (as its traffic provider renders it), or undefined when the app was created without
   * host and path. Reading it renders the route from its intent as it stands: create the app's StickyIngress
   * and CanaryRelease before reading it.
   */
  public get route(): ApiObject | undefined {
    return this.ownRoute?.objectFor(RouteRole.ROUTE);
  }

  /**
   * The workload of a new version of this app: the stable spec with `image` and `env` merged over the stable env,
   * with the same refusals on every path (a GitOps canary, an engine's release): a variable the session store
   * binding sets is refused. Values are written literally by `buildWorkload` and `_takeRelease` alike.
   * @internal
   */
  public _releaseSpec(check: PropChecker, image: string, env: { [name: string]: string }): WorkloadSpec {
    refuseSessionOverride(check, this.sessionVariables, this._workloadSpec.sessionEnvPreset ?? SessionEnvPreset.GENERIC, env);
    return { ...this._workloadSpec, image, env: { ...this._workloadSpec.env, ...env } };
  }

  /**
   * An engine releases a new version by changing this app's own pod template: the image, and `env` written
   * literally (as `buildWorkload` writes it).
   * @internal
   */
  public _takeRelease(check: PropChecker, image: string, env: { [name: string]: string }): void {
    this._releaseSpec(check, image, env);
    ApiObject.of(this.deployment).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/image', image));
    for (const [key, value] of Object.entries(env)) {
      this.container.env.addVariable(key, literalEnvValue(value));
    }
  }

  /**
   * What a release engine takes over, applied by the app to its own objects.
   * @internal
   */
  public _handOver(h: EngineHandover): void {
    const deployment = ApiObject.of(this.deployment);
    if (h.deploymentReplicas !== undefined && !this._workloadSpec.autoscaling) {
      deployment.addJsonPatch(JsonPatch.replace('/spec/replicas', h.deploymentReplicas));
    }
    if (h.autoscalerTarget && this.autoscaler) {
      ApiObject.of(this.autoscaler).addJsonPatch(JsonPatch.replace('/spec/scaleTargetRef', h.autoscalerTarget));
    }
    if (h.spreadByNameExpression) {
      const others = Object.fromEntries(Object.entries({ ...this.appLabels, [LABEL_TRACK]: 'stable' }).filter(([key]) => key !== LABEL_NAME));
      const labelSelector = { matchLabels: others, matchExpressions: [{ key: LABEL_NAME, operator: 'In', values: [this.name] }] };
      const spread = ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector,
        matchLabelKeys: ['pod-template-hash'],
      }));
      deployment.addJsonPatch(JsonPatch.replace('/spec/template/spec/topologySpreadConstraints', spread));
    }
    if (h.serviceTakenOver && h.adopting) {
      for (const [key, value] of Object.entries(NO_PRUNE_ANNOTATIONS)) this.service.metadata.addAnnotation(key, value);
    } else if (h.serviceTakenOver) {
      this.node.tryRemoveChild(this.service.node.id);
    }
  }

  /**
   * Carry into a canary container what the stable container got through the escape hatches, at synth: every
   * variable, envFrom source and volume mount the canary lacks (the canary's own `env` wins). A container or init
   * container added to the stable pod cannot be carried: that is an error naming it.
   * @internal
   */
  public _carryInto(check: PropChecker, container: kplus.Container, overrides: string[]): void {
    const extra = [...this.deployment.containers.filter((c) => c !== this.container), ...this.deployment.initContainers].map((c) => c.name);
    if (extra.length > 0) {
      check.fail(
        'stable',
        'has containers besides the app container, which the canary cannot copy',
        extra,
        'Add the same containers to canary.deployment (the CanaryRelease escape hatch), or keep them out of the app.',
      );
    }
    const own = container.env.variables;
    for (const [name, value] of Object.entries(this.container.env.variables)) {
      if (!(name in own) && !overrides.includes(name)) container.env.addVariable(name, value);
    }
    const sources = container.env.sources;
    for (const source of this.container.env.sources) {
      if (!sources.includes(source)) container.env.copyFrom(source);
    }
    const paths = new Set(container.mounts.map((m) => m.path));
    for (const m of this.container.mounts) {
      if (paths.has(m.path)) continue;
      container.mount(m.path, m.volume, { readOnly: m.readOnly, subPath: m.subPath, subPathExpr: m.subPathExpr, propagation: m.propagation });
    }
  }
}

function validateProps(check: PropChecker, props: StatelessWebAppProps, name: string): void {
  check.resourceName('name', name, CANARY_SUFFIX.length);
  validateWorkloadProps(check, props);
  check.integer('port', props.port, 1, 65535, 'Use the TCP port the container listens on, e.g. 8080.');
  check.integer('servicePort', props.servicePort, 1, 65535, 'Use the port clients call the Service on, e.g. 80.');
  check.integer('runAsUser', props.runAsUser, 1, 2147483647, 'Use a non-root UID (not 0), e.g. 10001.');
  check.hostName('host', props.host);
  check.httpPath('path', props.path);
  check.httpPath('healthCheckPath', props.healthCheckPath);
  check.oneOf('pathType', props.pathType, PathType, 'PathType');
  check.objectName('tlsSecretName', props.tlsSecretName, 'shop-example-com-tls');
  check.oneOf('sessionEnvPreset', props.sessionEnvPreset, SessionEnvPreset, 'SessionEnvPreset');
  check.requestsWithinLimits('resources', props.resources);
  if (props.tlsSecretName !== undefined && props.host === undefined) {
    check.fail('tlsSecretName', 'needs a host to issue the certificate for', props.tlsSecretName, 'Set host as well, or remove tlsSecretName.');
  }
}
