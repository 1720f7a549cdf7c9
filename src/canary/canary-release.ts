import { createHash } from 'crypto';
import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { refuseDuplicateObjects } from '../object-names';
import { PropChecker } from '../prop-checks';
import { beforeSynth } from '../synth-hooks';
import { ITrafficProvider, RouteRole } from '../traffic/provider-contract';
import { AppRoute } from '../traffic/route';
import { checkAcknowledged, reportRisks, RiskCode, RiskDescription } from '../warnings';
import { CanaryMatch } from './canary-match';
import { EngineOutput, IReleaseEngine, isEngineImpl } from './engine-contract';
import { AutoscalingOptions, buildWorkload, resolveAutoscaling, validateWorkloadProps, workloadSpecOf } from '../web-app/app-workload';
import { StatelessWebApp } from '../web-app/stateless-web-app';

/**
 * Props of `CanaryRelease`.
 */
export interface CanaryReleaseProps {
  /** The app being released. Its route (own, or a StickyIngress's) must exist before the CanaryRelease. */
  readonly stable: StatelessWebApp;
  /** The new version's image. */
  readonly image: string;
  /**
   * Environment variables of the canary, merged over the stable app's `env`.
   * @default - the stable app's env
   */
  readonly env?: { [name: string]: string };
  /**
   * Canary replicas (without `autoscaling`).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Autoscale the canary on CPU.
   * @default - fixed `replicas`
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * Which requests go to the canary: `CanaryMatch.header`, `.headerPattern`, `.cookie`, `.weight`. The traffic
   * provider decides how its controller combines them and refuses what it cannot express (ingress-nginx: one
   * header match, one cookie and one weight, evaluated header, then cookie, then weight).
   */
  readonly match: CanaryMatch[];
  /**
   * Denominator of the weight, for steps finer than 1% (e.g. 1000 for 0.1% steps).
   * @default 100
   */
  readonly weightTotal?: number;
  /**
   * Keep each user on the version they first got. How depends on the traffic provider: some pin the version
   * through the stable route's cookie affinity and need a StickyIngress (ingress-nginx, Gateway API), others set
   * a version cookie of their own (see the provider's documentation).
   * @default false
   */
  readonly versionStickiness?: boolean;
  /**
   * Who moves the weight and rolls back: `ReleaseEngine.gitOps()` (a commit per step), `ReleaseEngine.argoRollouts({...})`
   * or `ReleaseEngine.flagger({...})`. With an engine the release renders the engine's objects instead of a canary
   * Deployment, Service and route split; `image` and `env` become the app's new pod template, which the engine
   * rolls out; `match` holds only header and cookie matches (possibly none: the engine's steps set the weight).
   * @default ReleaseEngine.gitOps()
   */
  readonly engine?: IReleaseEngine;
  /**
   * Identifies this release in the canary's object names (`<stable>-canary-<releaseId>`): lower-case letters,
   * digits and "-", at most 8 characters. Every release gets a canary Service of its own, so an affinity cookie
   * that pinned a user to a rolled-back canary does not pin them to the next one (controllers key the pin on
   * the backend Service).
   * @default - the first 6 hex digits of the SHA-256 of `image` (a new image is a new release; a weight step is not)
   */
  readonly releaseId?: string;
  /**
   * Risks you accept (`RiskCode` values, or a traffic provider's codes); they stay annotated but are not
   * printed and do not fail strict mode.
   * @default - none
   */
  readonly acknowledgedRisks?: string[];
}

/**
 * A canary of a StatelessWebApp: a Deployment running the stable pod spec with a new image, its own
 * Service, and a canary route that sends matching requests (header, header pattern, cookie, weight)
 * to it. It shares the stable app's session store, so a user who crosses versions keeps the session.
 *
 * A release is a sequence of one-line commits: raise the weight (10, 25, 50, 100), then promote (set the
 * stable image to the canary's and delete the CanaryRelease) or roll back (delete the CanaryRelease).
 */
export class CanaryRelease extends Construct {
  /** The canary Deployment (none when an engine runs the release: the engine makes the canary from the app's Deployment). */
  public readonly deployment?: kplus.Deployment;
  /** The canary container (none with an engine). */
  public readonly container?: kplus.Container;
  /** The canary Service, selecting only canary pods (none with an engine). */
  public readonly service?: kplus.Service;
  /** The canary HPA, with `autoscaling`. */
  public readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  /** Name of the canary Deployment, Service and HPA: `<stable>-canary-<releaseId>` (with an engine: `<stable>-canary`, the engine's canary Service). */
  public readonly name: string;
  /** The provider, the stable app's route's. */
  public readonly traffic: ITrafficProvider;
  /** The engine given in `engine` (none: GitOps, a commit per step). */
  public readonly engine?: IReleaseEngine;
  private readonly appRoute: AppRoute;
  /** What the engine rendered (issue 16). */
  private readonly engineOutput?: EngineOutput;

  constructor(scope: Construct, id: string, props: CanaryReleaseProps) {
    super(scope, id);
    // bad input leaves nothing half-built in the tree: the construct and what it made so far go away
    try {
      const check = PropChecker.of(this, 'CanaryRelease');
      const acknowledged = checkAcknowledged(check, props.acknowledgedRisks);
      const stable = props.stable;
      if (!(stable instanceof StatelessWebApp)) {
        check.fail('stable', 'must be a StatelessWebApp', stable, 'Pass the StatelessWebApp being released.');
      }
      validateWorkloadProps(check, props);
      const weightTotal = props.weightTotal ?? 100;
      check.integer('weightTotal', weightTotal, 1, 1_000_000, 'Use 100 for 1% steps, 1000 for 0.1% steps.');
      // --- issue 16: a progressive-delivery engine instead of the GitOps split (src/canary/release-engine.ts) ---
      if (props.engine !== undefined && !isEngineImpl(props.engine)) {
        check.fail('engine', 'must be built with ReleaseEngine.gitOps(), .argoRollouts({...}) or .flagger({...})', props.engine, 'Use a ReleaseEngine factory.');
      }
      const engine = props.engine !== undefined && isEngineImpl(props.engine) && !props.engine.gitOps ? props.engine : undefined;
      this.engine = props.engine;
      // --- end issue 16 ---
      if (!engine && (!Array.isArray(props.match) || props.match.length === 0)) {
        check.fail('match', 'must list at least one CanaryMatch', props.match, 'Use e.g. [CanaryMatch.header("region", "east-us"), CanaryMatch.weight(20)].');
      }
      for (const m of props.match) {
        if (!(m instanceof CanaryMatch)) {
          check.fail('match', 'must be built with CanaryMatch.weight, .header, .headerPattern or .cookie', m, 'Use the CanaryMatch factories.');
        }
        m._validate(check, weightTotal);
      }

      const route =
        AppRoute.of(stable, stable.name) ??
        check.fail(
          'stable',
          `needs a route to split: StatelessWebApp '${stable.node.path}' has no host or path and no StickyIngress routes to it`,
          stable.name,
          'Give the stable app a host or path, or create its StickyIngress before the CanaryRelease.',
        );
      const releaseId = props.releaseId ?? createHash('sha256').update(props.image).digest('hex').slice(0, 6);
      if (!/^[a-z0-9]([-a-z0-9]{0,6}[a-z0-9])?$/.test(releaseId)) {
        check.fail('releaseId', 'must be 1 to 8 lower-case letters, digits or "-" (not at either end)', releaseId, 'Use e.g. "v1-9-0", or leave it out to derive it from the image.');
      }
      this.appRoute = route;
      // issue 16: an engine keeps one canary Service for every release, named <stable>-canary
      this.name = engine ? `${stable.name}-canary` : `${stable.name}-canary-${releaseId}`;
      this.traffic = route.provider;
      const versionSticky = props.versionStickiness ?? false;
      // --- issue 16: the engine renders the release; the app's Deployment takes the new image and env ---
      if (engine) {
        if (props.releaseId !== undefined) {
          check.fail('releaseId', `has no meaning with ${engine.name} (the engine keeps one canary Service for every release)`, props.releaseId, 'Remove releaseId.');
        }
        const stableSpec = workloadSpecOf(stable);
        const env = { ...stableSpec.env, ...(props.env ?? {}) };
        this.engineOutput = engine.render({
          scope: this,
          check,
          stable,
          route,
          image: props.image,
          env,
          matches: [...props.match],
          versionSticky,
          sizedByRelease: (['replicas', 'autoscaling', 'weightTotal'] as const).filter((k) => props[k] !== undefined),
          acknowledged,
        });
        // the engine rolls out a change of the app's pod template (its first container is the app's)
        ApiObject.of(stable.deployment).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/image', props.image));
        for (const [key, value] of Object.entries(props.env ?? {})) {
          stable.container.env.addVariable(key, kplus.EnvValue.fromValue(value));
        }
        // an engine's own text of a core risk (e.g. its version cookie's drift) replaces the GitOps text
        const engineCodes = new Set(this.engineOutput.risks.map((risk) => risk.code));
        const core = this.risks(props, stable, stableSpec.image, versionSticky).filter((risk) => !engineCodes.has(risk.code));
        reportRisks(this, 'CanaryRelease', [...core, ...this.engineOutput.risks], acknowledged, [this.engineOutput.primary]);
        return;
      }
      // --- end issue 16 ---
      // the provider checks the split before any object of the canary exists
      route.attachCanary(
        { construct: this, kind: 'CanaryRelease', where: check.where, acknowledged },
        {
          contributor: { where: check.where, scope: this },
          name: `${route.intent.name}-canary`,
          backend: { serviceName: this.name, port: stable.servicePort },
          matches: [...props.match],
          weightTotal,
          versionSticky,
        },
      );
      // the stable pod spec, with the canary's image, env and replica count
      const stableSpec = workloadSpecOf(stable);
      const workload = buildWorkload(this, check, {
        ...stableSpec,
        name: this.name,
        track: 'canary',
        image: props.image,
        env: { ...stableSpec.env, ...(props.env ?? {}) },
        replicas: props.replicas ?? 1,
        autoscaling: resolveAutoscaling(props.autoscaling),
      });
      this.deployment = workload.deployment;
      this.container = workload.container;
      this.service = workload.service;
      this.autoscaler = workload.autoscaler;
      // what the stable container got through the escape hatches (a Secret's env, envFrom, volumes) is known
      // only once the whole tree exists: carry it over at synth, under the canary's own overrides
      const canaryContainer = workload.container;
      beforeSynth(this, () => carryStableContainer(check, stable, canaryContainer, Object.keys(props.env ?? {})));
      route.addRisks(RouteRole.CANARY, this.risks(props, stable, stableSpec.image, versionSticky));
      // issue 13: the canary's objects (named after the stable app) must not be another construct's
      refuseDuplicateObjects(this, check, 'stable', this.name, 'Rename the other construct, or the stable app.');
    } catch (e) {
      AppRoute.forget(this);
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }

  /**
   * The object that carries the canary split: on ingress-nginx the canary's own Ingress; on Gateway API the
   * app's HTTPRoute, which the split extends. Reading it renders the route from its intent as it stands.
   */
  public get route(): ApiObject {
    // issue 16: with an engine, the engine's object (the Rollout or the Canary) carries the release
    return this.appRoute.objectFor(RouteRole.CANARY) ?? this.engineOutput!.primary;
  }

  private risks(props: CanaryReleaseProps, stable: StatelessWebApp, stableImage: string, versionSticky: boolean): RiskDescription[] {
    const risks: RiskDescription[] = [];
    const store = stable.sessionStore;
    if (store) {
      risks.push({
        code: RiskCode.CANARY_SHARED_SESSIONS,
        message:
          `${stable.name} (${stableImage}) and ${this.name} (${props.image}) share the session store ${store.connection.host}: a user who crosses versions ` +
          '(an unpinned request, a rollback, the promotion) keeps the session only if each version reads what the other wrote.',
        remedy: 'Keep the session format backward and forward compatible for one release (add fields, never rename or remove them), or version the session key prefix.',
      });
    }
    if (props.image === stableImage) {
      risks.push({
        code: RiskCode.CANARY_SAME_IMAGE,
        message: `${this.name} runs the same image as ${stable.name} (${props.image}): the release compares the version with itself.`,
        remedy: 'Set image to the new version, or remove the CanaryRelease.',
      });
    }
    if (versionSticky) {
      // The pin is on the version's backend, not on a pod: ingress-nginx's sticky.lua is_affinitized compares the
      // cookie's backend key (an md5 of the backend name, i.e. of the Service), so a pod restart or scale-in moves no one
      // between versions, and balancer.lua route_to_alternative_balancer (controller-v1.15.1) returns the stable backend
      // before any canary rule when the request carries the stable route's affinity cookie, so a user pinned before the
      // release never reaches the split. Gateway API GEP-1619: persistence "MUST be maintained across services, even if
      // the weight is set to 0". A weighted balancer that leaves out a backend of weight 0 sends its users back at 0.
      const stickiness = this.appRoute.intent.stickiness;
      // without a StickyIngress the pin is a version cookie of the traffic provider, with its own lifetime
      const expiry =
        stickiness === undefined
          ? 'the version cookie that pins them expires'
          : stickiness.maxAgeSeconds !== undefined
            ? `their affinity cookie expires (max-age ${stickiness.maxAgeSeconds} s)`
            : 'the browser session ends (the affinity cookie has no max-age)';
      const returning =
        stickiness === undefined
          ? ''
          : 'users who hold the affinity cookie from before the release are pinned to stable and, where the controller checks that cookie before the split ' +
            '(ingress-nginx does), never reach it, so the share starts below the weight; ';
      risks.push({
        code: RiskCode.CANARY_STICKY_DRIFT,
        message:
          `With version stickiness ${this.name} keeps the users it gets while their pin holds: the ${stickiness === undefined ? 'version' : 'affinity'} cookie pins a user ` +
          "to the version's Service, not to a pod, so the canary's real share of users is not the configured weight: " +
          returning +
          'lowering the weight moves none of its users back while the weight stays above 0 (at 0, a controller that leaves the canary out of its split sends them back). ' +
          `They leave the canary when ${expiry} or the CanaryRelease is removed.`,
        remedy:
          "Watch the canary's real share of users and requests, not the configured weight; to take users back, remove the CanaryRelease (each release has a canary " +
          'Service of its own, so the cookie of a removed canary does not pin users to the next one).',
      });
    }
    return risks;
  }
}

/**
 * The canary runs the stable container as it is at synth time: every variable, envFrom source and volume mount
 * the stable container has and the canary lacks is added (the canary's own `env` wins). A container or init
 * container added to the stable pod cannot be carried: that is an error naming it.
 */
function carryStableContainer(check: PropChecker, stable: StatelessWebApp, container: kplus.Container, overrides: string[]): void {
  const extra = [...stable.deployment.containers.filter((c) => c !== stable.container), ...stable.deployment.initContainers].map((c) => c.name);
  if (extra.length > 0) {
    check.fail(
      'stable',
      'has containers besides the app container, which the canary cannot copy',
      extra,
      'Add the same containers to canary.deployment (the CanaryRelease escape hatch), or keep them out of the app.',
    );
  }
  const own = container.env.variables;
  for (const [name, value] of Object.entries(stable.container.env.variables)) {
    if (!(name in own) && !overrides.includes(name)) container.env.addVariable(name, value);
  }
  const sources = container.env.sources;
  for (const source of stable.container.env.sources) {
    if (!sources.includes(source)) container.env.copyFrom(source);
  }
  const paths = new Set(container.mounts.map((m) => m.path));
  for (const m of stable.container.mounts) {
    if (paths.has(m.path)) continue;
    container.mount(m.path, m.volume, { readOnly: m.readOnly, subPath: m.subPath, subPathExpr: m.subPathExpr, propagation: m.propagation });
  }
}
