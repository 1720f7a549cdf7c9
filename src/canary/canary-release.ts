import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PropChecker } from '../prop-checks';
import { CanaryRouteSpec, ITrafficProvider } from '../traffic/traffic-provider';
import { checkAcknowledged, reportRisks, RiskCode, RiskDescription } from '../warnings';
import { CanaryMatch, CanaryMatchKind } from './canary-match';
import { buildWorkload, labelRoute, replicaRange, validateWorkloadProps } from '../web-app/app-workload';
import { AutoscalingOptions, StatelessWebApp } from '../web-app/stateless-web-app';

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
   * Which requests go to the canary: `CanaryMatch.header`, `.headerPattern`, `.cookie`, `.weight`; at most one
   * header match (exact or pattern), one cookie and one weight. The controller evaluates header, then cookie,
   * then weight.
   */
  readonly match: CanaryMatch[];
  /**
   * Denominator of the weight, for steps finer than 1% (e.g. 1000 for 0.1% steps). At least 100.
   * @default 100
   */
  readonly weightTotal?: number;
  /**
   * Keep each user on the version they first got (ingress-nginx: needs a StickyIngress on the stable route).
   * @default false
   */
  readonly versionStickiness?: boolean;
  /**
   * Risks you accept; they stay annotated but are not printed and do not fail strict mode.
   * @default - none
   */
  readonly acknowledgedRisks?: RiskCode[];
}

/** RFC 9110 token: the characters of an HTTP header name. */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 6265 cookie-name token. */
const COOKIE_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * A canary of a StatelessWebApp: a Deployment running the stable pod spec with a new image, its own
 * Service, and a canary route that sends matching requests (header, header pattern, cookie, weight)
 * to it. It shares the stable app's session store, so a user who crosses versions keeps the session.
 *
 * A release is a sequence of one-line commits: raise the weight (10, 25, 50, 100), then promote (set the
 * stable image to the canary's and delete the CanaryRelease) or roll back (delete the CanaryRelease).
 */
export class CanaryRelease extends Construct {
  /** The canary Deployment. */
  public readonly deployment: kplus.Deployment;
  /** The canary container. */
  public readonly container: kplus.Container;
  /** The canary Service (selects only canary pods). */
  public readonly service: kplus.Service;
  /** The canary HPA, with `autoscaling`. */
  public readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  /** The canary route. */
  public readonly route: ApiObject;
  /** Name of the canary Deployment, Service and HPA: `<stable>-canary`. */
  public readonly name: string;
  /** The provider, the stable app's. */
  public readonly traffic: ITrafficProvider;

  constructor(scope: Construct, id: string, props: CanaryReleaseProps) {
    super(scope, id);
    const check = PropChecker.of(this, 'CanaryRelease');
    const kindAndId = check.where;
    const acknowledged = checkAcknowledged(check, props.acknowledgedRisks);
    const stable = props.stable;
    if (!(stable instanceof StatelessWebApp)) {
      check.fail('stable', 'must be a StatelessWebApp', stable, 'Pass the StatelessWebApp being released.');
    }
    validateWorkloadProps(check, props);
    const weightTotal = props.weightTotal ?? 100;
    if (!Number.isInteger(weightTotal) || weightTotal < 100) {
      check.fail(
        'weightTotal',
        'must be a whole number of at least 100 (ingress-nginx ignores a smaller total and divides by 100)',
        weightTotal,
        'Use 100 for 1% steps, 1000 for 0.1% steps.',
      );
    }
    const canary = this.translateMatches(check, props.match, weightTotal);

    const route = stable._stableRoute;
    if (!route) {
      check.fail(
        'stable',
        `needs a route to split: StatelessWebApp '${stable.node.id}' has no host or path and no StickyIngress routes to it`,
        stable.name,
        'Give the stable app a host or path, or create its StickyIngress before the CanaryRelease.',
      );
    }
    if (stable._canary !== undefined) {
      throw new Error(
        `${kindAndId}: 'stable' ${stable.name} already has a canary (${stable._canary}), got a second. ` +
          'The controller honours only one canary per stable route; release one version at a time, or combine the matches in one CanaryRelease.',
      );
    }

    this.name = `${stable.name}-canary`;
    this.traffic = stable.traffic;
    // The pods come first in the YAML, but the route is rendered first: a provider that refuses
    // the intent must throw before any object exists.
    const pods = new Construct(this, 'Pods');
    const versionSticky = props.versionStickiness ?? false;
    const rendered = this.traffic.renderCanaryRoute(
      this,
      'Route',
      route!.spec,
      route!.route,
      {
        ...canary,
        name: `${route!.spec.name}-canary`,
        serviceName: this.name,
        servicePort: stable.servicePort,
        weightTotal,
        versionSticky,
        stableStickiness: route!.stickiness,
      },
      kindAndId,
    );
    // the stable pod spec, with the canary's image, env and replica count
    const stableSpec = stable._workloadSpec;
    const workload = buildWorkload(pods, check, {
      ...stableSpec,
      name: this.name,
      track: 'canary',
      image: props.image,
      env: { ...stableSpec.env, ...(props.env ?? {}) },
      replicas: props.replicas ?? 1,
      autoscaling: props.autoscaling,
    });
    this.deployment = workload.deployment;
    this.container = workload.container;
    this.service = workload.service;
    this.autoscaler = workload.autoscaler;

    this.route = rendered.route;
    labelRoute(this.route, stable.name);
    stable._canary = kindAndId;

    const risks = [...this.risks(props, canary, versionSticky), ...rendered.risks];
    reportRisks(this, 'CanaryRelease', risks, acknowledged, [this.route]);
  }

  private translateMatches(check: PropChecker, matches: CanaryMatch[] | undefined, weightTotal: number): Omit<CanaryRouteSpec, 'name' | 'serviceName' | 'servicePort' | 'weightTotal' | 'versionSticky'> {
    if (!Array.isArray(matches) || matches.length === 0) {
      check.fail('match', 'must list at least one CanaryMatch', matches ?? '(nothing)', 'Use e.g. [CanaryMatch.header("region", "east-us"), CanaryMatch.weight(20)].');
    }
    const result: { header?: string; headerValue?: string; headerPattern?: string; cookie?: string; weight?: number } = {};
    const seen = new Set<string>();
    for (const m of matches) {
      const slot = m.kind === CanaryMatchKind.HEADER_PATTERN ? CanaryMatchKind.HEADER : m.kind;
      if (seen.has(slot)) {
        check.fail(
          'match',
          `may hold one ${slot === CanaryMatchKind.HEADER ? 'header match (exact or pattern)' : `${slot} match`}`,
          matches.map((x) => x.kind),
          'The controller keeps one header, one cookie and one weight per canary; combine different kinds, not two of one kind.',
        );
      }
      seen.add(slot);
      switch (m.kind) {
        case CanaryMatchKind.WEIGHT:
          if (!Number.isInteger(m.percent) || m.percent! < 0 || m.percent! > weightTotal) {
            check.fail('match.weight', `must be a whole number from 0 to weightTotal (${weightTotal})`, m.percent, 'Use e.g. CanaryMatch.weight(10), or raise weightTotal for finer steps.');
          }
          result.weight = m.percent;
          break;
        case CanaryMatchKind.HEADER:
        case CanaryMatchKind.HEADER_PATTERN:
          if (!m.name || !HTTP_TOKEN.test(m.name)) {
            check.fail('match.header', 'must be an HTTP header name (an RFC 9110 token: letters, digits and !#$%&\'*+-.^_`|~)', m.name ?? '(nothing)', 'Use e.g. "region" or "x-canary".');
          }
          result.header = m.name;
          if (m.kind === CanaryMatchKind.HEADER && m.value !== undefined) {
            if (m.value === '' || /[\r\n]/.test(m.value)) {
              check.fail('match.header value', 'must be a non-empty single-line header value', m.value, 'Use e.g. CanaryMatch.header("region", "east-us").');
            }
            if (m.value === 'always' || m.value === 'never') {
              check.fail(
                'match.header value',
                `must not be "${m.value}" for an exact match: with a value the controller compares it literally and "never" would send requests TO the canary`,
                m.value,
                `Use CanaryMatch.header("${m.name}") without a value to get the controller's always/never semantics.`,
              );
            }
            result.headerValue = m.value;
          }
          if (m.kind === CanaryMatchKind.HEADER_PATTERN) {
            try {
              new RegExp(m.pattern ?? '');
            } catch (e) {
              check.fail('match.headerPattern', `must be a regular expression that compiles (${(e as Error).message})`, m.pattern, 'Fix the expression, e.g. "^(east|west)-us$".');
            }
            if (!m.pattern) {
              check.fail('match.headerPattern', 'must not be empty', m.pattern ?? '(nothing)', 'Pass a regular expression, e.g. "^(east|west)-us$".');
            }
            result.headerPattern = m.pattern;
          }
          break;
        case CanaryMatchKind.COOKIE:
          if (!m.name || !COOKIE_TOKEN.test(m.name)) {
            check.fail('match.cookie', 'must be a cookie name (an RFC 6265 token)', m.name ?? '(nothing)', 'Use e.g. "canary".');
          }
          result.cookie = m.name;
          break;
        default:
          check.fail('match', 'must be built with CanaryMatch.weight, .header, .headerPattern or .cookie', m, 'Use the CanaryMatch factories.');
      }
    }
    return result;
  }

  private risks(
    props: CanaryReleaseProps,
    canary: { header?: string; headerValue?: string; cookie?: string },
    versionSticky: boolean,
  ): RiskDescription[] {
    const stable = props.stable;
    const risks: RiskDescription[] = [];
    const store = stable.sessionStore;
    if (store) {
      risks.push({
        code: RiskCode.CANARY_SHARED_SESSIONS,
        message:
          `${stable.name} (${stable._workloadSpec.image}) and ${this.name} (${props.image}) share the session store ${store.connection.host}: a user who crosses versions ` +
          '(an unpinned request, a rollback, the promotion) keeps the session only if each version reads what the other wrote.',
        remedy: 'Keep the session format backward and forward compatible for one release (add fields, never rename or remove them), or version the session key prefix.',
      });
    }
    if (props.image === stable._workloadSpec.image) {
      risks.push({
        code: RiskCode.CANARY_SAME_IMAGE,
        message: `${this.name} runs the same image as ${stable.name} (${props.image}): the release compares the version with itself.`,
        remedy: 'Set image to the new version, or remove the CanaryRelease.',
      });
    }
    if (versionSticky) {
      const stickiness = stable._stableRoute?.stickiness;
      const n = replicaRange(stable._workloadSpec).min;
      const expiry = stickiness?.maxAgeSeconds !== undefined ? `their affinity cookie expires (max-age ${stickiness.maxAgeSeconds} s)` : 'the browser session ends (the affinity cookie has no max-age)';
      risks.push({
        code: RiskCode.CANARY_STICKY_DRIFT,
        message:
          `With version stickiness ${this.name} keeps every user it ever got, and users only come back when ${expiry} or it is removed: ` +
          `each restart or scale-in of one of the ${n} stable pods sends about 1/${n} of stable users through the split again, and the weighted share of them stays on the canary` +
          (canary.header ? `; every user who sent the header ${canary.header} once stays there without it` : '') +
          '. Lowering the weight moves no one back, so the canary\'s real share of users drifts above the configured weight.',
        remedy: 'Watch the canary\'s real share of requests, not the annotation; to shrink it, remove the CanaryRelease (a rollback re-pins its users to stable).',
      });
    }
    return risks;
  }
}
