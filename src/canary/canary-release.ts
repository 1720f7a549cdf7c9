import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { refuseDuplicateObjects } from '../object-names';
import { PropChecker } from '../prop-checks';
import { beforeSynth } from '../synth-hooks';
import { CanaryMatch, WeightMatch } from '../traffic/canary-match';
import { ITrafficProvider, RouteRole } from '../traffic/provider-contract';
import { AppRoute, Attacher } from '../traffic/route';
import { checkAcknowledged, reportRisks, RiskCode, RiskDescription } from '../warnings';
import { EngineImpl, EngineOutput, IReleaseEngine, isEngineImpl } from './engine-contract';
import { AutoscalingOptions, buildWorkload, resolveAutoscaling, validateWorkloadProps, Workload } from '../web-app/app-workload';
import { secretLiteralRisks } from '../web-app/env-risks';
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
   * provider decides how its controller combines them and refuses what it cannot express (see the provider's
   * documentation: some controllers take one match of each kind, in a fixed order).
   */
  readonly match: CanaryMatch[];
  /**
   * Denominator of the weight, for steps finer than 1% (e.g. 1000 for 0.1% steps).
   * @default 100
   */
  readonly weightTotal?: number;
  /**
   * Keep each user on the version they first got. How depends on the traffic provider: some pin the version
   * through the stable route's cookie affinity and need a StickyIngress, others set a version cookie of their own
   * (see the provider's documentation).
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
  /** What the engine rendered. */
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
      if (props.engine !== undefined && !isEngineImpl(props.engine)) {
        check.fail('engine', 'must be built with ReleaseEngine.gitOps(), .argoRollouts({...}) or .flagger({...})', props.engine, 'Use a ReleaseEngine factory.');
      }
      const engine = props.engine !== undefined && isEngineImpl(props.engine) && !props.engine.gitOps ? props.engine : undefined;
      this.engine = props.engine;
      checkMatches(check, props, weightTotal, engine === undefined);
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
      // an engine keeps one canary Service for every release, named <stable>-canary
      this.name = engine ? `${stable.name}-canary` : `${stable.name}-canary-${releaseId}`;
      this.traffic = route.provider;
      const who: Attacher = { construct: this, kind: 'CanaryRelease', where: check.where, acknowledged };
      if (engine) {
        this.engineOutput = this.releaseThroughEngine(check, who, engine, props);
        return;
      }
      const workload = this.releaseAsCommits(check, who, props, weightTotal);
      this.deployment = workload.deployment;
      this.container = workload.container;
      this.service = workload.service;
      this.autoscaler = workload.autoscaler;
    } catch (e) {
      AppRoute.forget(this);
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }

  /**
   * The object that carries the canary split: the provider's canary object (a second route object, or the app's
   * route that the split extends), or with an engine the engine's object (the Rollout, the Canary). Reading it
   * renders the route from its intent as it stands.
   */
  public get route(): ApiObject {
    return this.appRoute.objectFor(RouteRole.CANARY) ?? this.engineOutput!.primary;
  }

  /** The GitOps release: a canary Deployment and Service of the stable spec, and the split attached to the app's route. */
  private releaseAsCommits(check: PropChecker, who: Attacher, props: CanaryReleaseProps, weightTotal: number): Workload {
    const stable = props.stable;
    const versionSticky = props.versionStickiness ?? false;
    // the provider checks the split before any object of the canary exists
    this.appRoute.attachCanary(who, {
      contributor: { where: check.where, scope: this },
      name: `${this.appRoute.intent.name}-canary`,
      backend: { serviceName: this.name, port: stable.servicePort },
      matches: [...props.match],
      weightTotal,
      versionSticky,
    });
    const workload = buildWorkload(this, check, {
      ...stable._releaseSpec(check, props.image, props.env ?? {}),
      name: this.name,
      track: 'canary',
      replicas: props.replicas ?? 1,
      autoscaling: resolveAutoscaling(props.autoscaling),
    });
    // what the stable container got through the escape hatches (a Secret's env, envFrom, volumes) is known
    // only once the whole tree exists: carry it over at synth, under the canary's own overrides
    beforeSynth(this, () => stable._carryInto(check, workload.container, Object.keys(props.env ?? {})));
    this.appRoute.addRisks(RouteRole.CANARY, this.risks(props, versionSticky));
    // the canary's objects (named after the stable app) must not be another construct's
    refuseDuplicateObjects(this, check, 'stable', this.name, 'Rename the other construct, or the stable app.');
    return workload;
  }

  /**
   * A release run by an engine: its canary attaches to the app's route (so the provider validates the matches),
   * the engine renders its objects with what the provider's engine part gives, and the app takes the new version
   * into its own pod template.
   */
  private releaseThroughEngine(check: PropChecker, who: Attacher, engine: EngineImpl, props: CanaryReleaseProps): EngineOutput {
    const stable = props.stable;
    const versionSticky = props.versionStickiness ?? false;
    if (props.releaseId !== undefined) {
      check.fail('releaseId', `has no meaning with ${engine.name} (the engine keeps one canary Service for every release)`, props.releaseId, 'Remove releaseId.');
    }
    const sizedByRelease = (['replicas', 'autoscaling', 'weightTotal'] as const).filter((k) => props[k] !== undefined);
    engine.checkRelease(check, {
      image: props.image,
      runningImage: stable._workloadSpec.image,
      setsEnv: Object.keys(props.env ?? {}).length > 0,
      appName: stable.name,
      matches: [...props.match],
      versionSticky,
      sizedByRelease,
    });
    const provider = this.appRoute.provider;
    const support =
      provider.releaseEngines ??
      check.fail('engine', `has no ${engine.name} support in the app's traffic provider ${provider.name} (it has no releaseEngines part)`, provider.name, 'Route the app with a provider that supports the engine, or use ReleaseEngine.gitOps().');
    // the weight the engine starts from is 0 of 100: the provider renders (or leaves to the engine) a split at 0
    this.appRoute.attachCanary(who, {
      contributor: { where: check.where, scope: this },
      name: `${this.appRoute.intent.name}-canary`,
      backend: { serviceName: this.name, port: stable.servicePort },
      matches: [...props.match, new EngineWeight(engine.name)],
      weightTotal: 100,
      versionSticky,
      engine: engine.kind,
      engineAdopting: engine.adopting,
    });
    stable._releaseSpec(check, props.image, props.env ?? {});
    const output = engine.render({
      scope: this,
      check,
      stable,
      intent: this.appRoute.intent,
      support,
      canaryServiceName: this.name,
      image: props.image,
      matches: [...props.match],
      versionSticky,
    });
    // the engine's objects (its canary Service, its templates) must not be another construct's
    refuseDuplicateObjects(this, check, 'stable', this.name, 'Rename the other construct, or the stable app.');
    // an engine's own text of a core risk (e.g. its version cookie's drift) replaces the GitOps text
    const engineCodes = new Set(output.risks.map((risk) => risk.code));
    const core = this.risks(props, versionSticky, engine.adopting).filter((risk) => !engineCodes.has(risk.code));
    reportRisks(this, 'CanaryRelease', [...core, ...output.risks], who.acknowledged, [output.primary]);
    stable._takeRelease(check, props.image, props.env ?? {});
    stable._handOver(output.handover);
    return output;
  }

  private risks(props: CanaryReleaseProps, versionSticky: boolean, adopting = false): RiskDescription[] {
    const stable = props.stable;
    const stableImage = stable._workloadSpec.image;
    const risks: RiskDescription[] = secretLiteralRisks(this.name, props.env ?? {});
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
    // the commit that adopts an engine runs the app's image on purpose
    if (props.image === stableImage && !adopting) {
      risks.push({
        code: RiskCode.CANARY_SAME_IMAGE,
        message: `${this.name} runs the same image as ${stable.name} (${props.image}): the release compares the version with itself.`,
        remedy: 'Set image to the new version, or remove the CanaryRelease.',
      });
    }
    if (versionSticky) {
      // The pin is on the version's backend (its Service), not on a pod, as each provider keys it, so neither a pod
      // restart nor a weight change moves a pinned user; without a StickyIngress the pin is a version cookie of
      // the traffic provider, with its own lifetime.
      const stickiness = this.appRoute.intent.stickiness;
      const expiry =
        stickiness === undefined
          ? 'the version cookie that pins them expires'
          : stickiness.maxAgeSeconds !== undefined
            ? `their affinity cookie expires (max-age ${stickiness.maxAgeSeconds} s)`
            : 'the browser session ends (the affinity cookie has no max-age)';
      const returning =
        stickiness === undefined
          ? ''
          : 'users who hold the affinity cookie from before the release are pinned to stable and, where the controller checks that cookie before the split, ' +
            'never reach it, so the share starts below the weight; ';
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

/** Every match is built by CanaryMatch and valid for every controller; without an engine there is at least one. */
function checkMatches(check: PropChecker, props: CanaryReleaseProps, weightTotal: number, required: boolean): void {
  if (required && (!Array.isArray(props.match) || props.match.length === 0)) {
    check.fail('match', 'must list at least one CanaryMatch', props.match, 'Use e.g. [CanaryMatch.header("region", "east-us"), CanaryMatch.weight(20)].');
  }
  if (!Array.isArray(props.match)) {
    check.fail('match', 'must be a list of CanaryMatch', props.match, 'Pass e.g. [] with an engine, or [CanaryMatch.weight(20)].');
  }
  for (const m of props.match) {
    if (!(m instanceof CanaryMatch)) {
      check.fail('match', 'must be built with CanaryMatch.weight, .header, .headerPattern or .cookie', m, 'Use the CanaryMatch factories.');
    }
    m._validate(check, weightTotal);
  }
}

/** The weight an engine moves, from 0: a match the user did not write, which messages describe as such. */
class EngineWeight extends WeightMatch {
  constructor(private readonly engineName: string) {
    super(0);
  }

  public describe(): string {
    return `(the weight ${this.engineName} moves, from 0)`;
  }
}
