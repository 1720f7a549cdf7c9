import { ApiObject, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { PropChecker } from '../prop-checks';
import {
  aggregateRisk,
  analysisQueries,
  checkSteps,
  EngineCheck,
  EngineImpl,
  EngineOutput,
  EngineRelease,
  adoptionRisk,
  refuseReleaseWhileAdopting,
  refuseWeightMatch,
  ReleaseAnalysis,
  resolveAnalysis,
  ResolvedAnalysis,
  stepSeconds,
} from './engine-contract';
import { CookieMatch, HeaderMatch, HeaderPatternMatch } from '../traffic/canary-match';
import { EngineRiskCode } from '../traffic/engine-risks';
import { FlaggerRouting, PathType, ReleaseEngineKind, RouteIntent } from '../traffic/provider-contract';
import { RiskCode, RiskDescription } from '../warnings';
import { LABEL_NAME, LABEL_TRACK, replicaRange } from '../web-app/app-workload';

/**
 * Flagger v1.44 as the engine of a CanaryRelease. What it relies on, from fluxcd/flagger v1.44.0:
 *
 * - pkg/canary/deployment_controller.go: `createPrimaryDeployment` copies the target Deployment to `<name>-primary`
 *   (replicas: the target's, else 1; template labels from `makePrimaryLabels`, which keeps every label and sets only
 *   the selector label to `<name>-primary`), then `ScaleToZero` scales the target to 0; `Promote` copies the
 *   target's pod spec to the primary; `Finalize` (with `revertOnDeletion`) scales the target back up. So the session
 *   store's client label reaches the primary pods, and the app's PodDisruptionBudget (which selects
 *   `app.kubernetes.io/name: <name>`) does not: the library adds one for them.
 * - deployment_controller.go `appendPrimarySuffixToValuesIfNeeded`: in topology spread constraints and pod
 *   anti-affinity, a value equal to the Deployment's name under a selector-label key (`app`, `name`,
 *   `app.kubernetes.io/name`) becomes `<name>-primary`, in MatchExpressions and MatchLabels alike.
 * - pkg/controller/scheduler.go `advanceCanary`: `Initialize` creates the primary from the target's template as it
 *   is, then the Canary is marked Initialized without analysis (pkg/canary/status.go records that template as the
 *   last promoted one): the template at adoption is never analysed.
 * - docs/gitbook/usage/deployment-strategies.md: A/B testing ("If Flagger finds a HTTP match condition, it will
 *   ignore the maxWeight and stepWeight settings").
 * - pkg/apis/flagger/v1beta1/canary.go `SessionAffinity.BuildCookie`: the cookie is `<name>=<random>; Max-Age=<n>`
 *   and each of Domain, HttpOnly, Path, SameSite, Secure only when set (fields since v1.42.0).
 * - artifacts/flagger/crd.yaml: `analysis.interval` and `metrics[].interval` have the pattern `^[0-9]+(m|s)`.
 * - `analysis.threshold`: "max number of failed metric checks before rollback": N failures to roll back is `threshold: N`.
 * - What the traffic controller needs (the Canary's provider, its references, the metric names) is the route's
 *   provider's (`IReleaseEngineSupport.flagger`).
 */

/**
 * Options of `ReleaseEngine.flagger`.
 */
export interface FlaggerOptions {
  /** Address of the Prometheus that scrapes the traffic controller (written into the MetricTemplates). */
  readonly prometheusAddress: string;
  /**
   * Canary weights in percent (`analysis.stepWeights`), for a release without header or cookie matches; Flagger
   * promotes after the last one.
   * @default [10, 25, 50]
   */
  readonly steps?: number[];
  /**
   * How long each weight (or A/B iteration) lasts: Flagger's `analysis.interval`.
   * @default Duration.minutes(1)
   */
  readonly stepInterval?: Duration;
  /**
   * Number of analysis intervals of an A/B test (a release with header or cookie matches).
   * @default 10
   */
  readonly iterations?: number;
  /**
   * The metric checks.
   * @default - success rate at least 99 %, p99 latency at most 500 ms, every minute, rollback at the second failure
   */
  readonly analysis?: ReleaseAnalysis;
  /**
   * Whether Flagger already runs the app: an earlier commit adopted it with the image the app ran, and the Canary
   * is Initialized. Until then the release must keep the app's image and env (Flagger copies the Deployment into
   * `<app>-primary` and marks it Initialized without analysis), and the app's Service and route stay rendered, marked
   * so that GitOps tools do not prune them, until Flagger has taken them over.
   * @default false (this commit adopts Flagger)
   */
  readonly adopted?: boolean;
}

/** @internal */
export class FlaggerEngine implements EngineImpl {
  public readonly name = 'Flagger';
  public readonly gitOps = false;
  public readonly kind = ReleaseEngineKind.FLAGGER;
  public readonly adopting: boolean;
  private readonly intervalSeconds: number;
  private readonly analysis: ResolvedAnalysis;

  constructor(check: PropChecker, private readonly options: FlaggerOptions) {
    check.nonBlank('prometheusAddress', options?.prometheusAddress, 'Pass the Prometheus that scrapes your traffic controller, e.g. "http://prometheus.monitoring:9090".');
    if (!/^https?:\/\/\S+$/.test(options.prometheusAddress)) {
      check.fail('prometheusAddress', 'must be an http:// or https:// URL', options.prometheusAddress, 'Use e.g. "http://prometheus.monitoring:9090".');
    }
    if (options.steps !== undefined) checkSteps(check, options.steps, []);
    check.integer('iterations', options.iterations, 1, 1000, 'Use e.g. 10 analysis intervals for an A/B test.');
    this.intervalSeconds = stepSeconds(check, 'stepInterval', options.stepInterval, 60, 'Use e.g. Duration.minutes(1).');
    this.analysis = resolveAnalysis(check, options.analysis);
    check.boolean('adopted', options.adopted);
    this.adopting = options.adopted !== true;
  }

  public checkRelease(check: PropChecker, r: EngineCheck): void {
    if (this.adopting) {
      // pkg/controller/scheduler.go advanceCanary: Initialize copies the target's template into the primary, then
      // setPhaseInitialized; pkg/canary/status.go records that template as lastPromotedSpec: it is never analysed
      refuseReleaseWhileAdopting(
        check,
        this.name,
        r,
        `Flagger copies Deployment ${r.appName} as it is into ${r.appName}-primary and marks the Canary Initialized without analysis (pkg/controller/scheduler.go advanceCanary)`,
        `the Canary ${r.appName} is Initialized`,
      );
    }
    if (r.sizedByRelease.length > 0) {
      check.fail(
        r.sizedByRelease[0],
        "has no meaning with Flagger (the canary is the app's own Deployment, which Flagger scales; users are served by its copy <app>-primary)",
        r.sizedByRelease.join(', '),
        'Remove it; size the app itself (replicas or autoscaling of the StatelessWebApp).',
      );
    }
    refuseWeightMatch(check, this.name, r.matches);
    const abTest = r.matches.length > 0;
    if (abTest && this.options.steps !== undefined) {
      check.fail(
        'engine',
        'sets steps, which Flagger ignores for a release with header or cookie matches ("If Flagger finds a HTTP match condition, it will ignore the maxWeight and stepWeight settings")',
        this.options.steps,
        'Remove steps (the A/B test runs `iterations` intervals), or remove the header and cookie matches for a weighted release.',
      );
    }
    const bare = r.matches.find((h): h is HeaderMatch => h instanceof HeaderMatch && h.value === undefined);
    if (bare) {
      check.fail(
        'match',
        'needs a header value with Flagger (an A/B match compares a value; a header without one means always/never, which Flagger has no match for)',
        bare.describe(),
        `Use CanaryMatch.header("${bare.name}", "<value>").`,
      );
    }
    if (abTest && r.versionSticky) {
      check.fail(
        'versionStickiness',
        'cannot be combined with header or cookie matches on Flagger (its session affinity belongs to a weighted release, and an A/B test ignores weights)',
        true,
        'Drop versionStickiness (header and cookie users stay on the new version for the whole A/B test), or drop the matches for a weighted release.',
      );
    }
  }

  public render(r: EngineRelease): EngineOutput {
    const { stable } = r;
    const appName = stable.name;
    const routing = r.support.flagger({ intent: r.intent, workloadName: appName, canaryServiceName: r.canaryServiceName });
    const templates = this.metricTemplates(r);
    const canary = new ApiObject(r.scope, 'Canary', {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: appName, labels: stable.appLabels },
      spec: {
        provider: routing.provider,
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: appName },
        autoscalerRef: stable.autoscaler ? { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: appName } : undefined,
        ...routing.spec,
        // with the Canary deleted, Flagger scales the app's Deployment back up before its primary goes
        revertOnDeletion: true,
        service: { port: stable.servicePort, targetPort: stable.port, ...routing.service },
        analysis: this.analysisSpec(r, templates),
      },
    });
    return {
      primary: canary,
      objects: [canary, ...templates.map((t) => t.object), this.primaryDisruptionBudget(r)],
      risks: [...routing.risks, ...this.risks(r, routing)],
      handover: { spreadByNameExpression: true, serviceTakenOver: true, adopting: this.adopting },
    };
  }

  private metricTemplates(r: EngineRelease): Array<{ object: ApiObject; name: string }> {
    const a = this.analysis;
    const q = analysisQueries(a, r.support.metricQueries({ namespace: '{{ namespace }}', canaryService: '{{ target }}-canary', port: r.stable.servicePort, window: '{{ interval }}' }));
    return ([['SuccessRate', 'success-rate', q.successRate], ['LatencyP99', 'latency-p99', q.latencyP99]] as const).map(([id, suffix, query]) => {
      const name = `${r.stable.name}-${suffix}`;
      const object = new ApiObject(r.scope, id, {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'MetricTemplate',
        metadata: { name, labels: r.stable.appLabels },
        spec: { provider: { type: 'prometheus', address: this.options.prometheusAddress }, query },
      });
      return { object, name };
    });
  }

  private analysisSpec(r: EngineRelease, templates: Array<{ name: string }>): unknown {
    const a = this.analysis;
    const abTest = r.matches.length > 0;
    const match = r.matches.map((m) =>
      m instanceof CookieMatch
        ? { headers: { cookie: { exact: m.name } } }
        : { headers: { [(m as HeaderMatch).name]: m instanceof HeaderPatternMatch ? { regex: m.pattern } : { exact: (m as HeaderMatch).value } } },
    );
    return {
      interval: flaggerDuration(this.intervalSeconds),
      threshold: a.rollbackAfterFailures,
      stepWeights: abTest ? undefined : checkSteps(new PropChecker('ReleaseEngine.flagger'), this.options.steps, [10, 25, 50]),
      iterations: abTest ? this.options.iterations ?? 10 : undefined,
      match: abTest ? match : undefined,
      sessionAffinity: r.versionSticky ? versionCookie(r.stable.name, r.intent) : undefined,
      metrics: [
        { name: 'success-rate', templateRef: { name: templates[0].name }, thresholdRange: { min: a.minSuccessRatePercent }, interval: flaggerDuration(a.intervalSeconds) },
        { name: 'latency-p99', templateRef: { name: templates[1].name }, thresholdRange: { max: a.maxLatencyP99Ms }, interval: flaggerDuration(a.intervalSeconds) },
      ],
    };
  }

  /** The primary's pods are labelled app.kubernetes.io/name: <app>-primary, out of the app's PDB. */
  private primaryDisruptionBudget(r: EngineRelease): ApiObject {
    const primaryName = `${r.stable.name}-primary`;
    return new k8s.KubePodDisruptionBudget(r.scope, 'PrimaryDisruptionBudget', {
      metadata: { name: primaryName, labels: r.stable.appLabels },
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
        selector: { matchLabels: { ...r.stable.appLabels, [LABEL_NAME]: primaryName, [LABEL_TRACK]: 'stable' } },
      },
    });
  }

  private risks(r: EngineRelease, routing: FlaggerRouting): RiskDescription[] {
    const appName = r.stable.name;
    const primaryName = `${appName}-primary`;
    const spec = r.stable._workloadSpec;
    const routeGenerated = routing.routeTakenOver;
    const risks: RiskDescription[] = [{
      code: EngineRiskCode.FLAGGER_PRIMARY_COPY,
      message:
        `Users of ${appName} are served by ${primaryName}, a copy of Deployment ${appName} that Flagger makes and updates only when a release is promoted; ` +
        `Deployment ${appName} becomes the canary and runs 0 pods between releases. The copy's pods are labelled app.kubernetes.io/name: ${primaryName} ` +
        `(outside the app's PodDisruptionBudget, so the library adds PodDisruptionBudget ${primaryName}) and keep the session store's client label. ` +
        `${routeGenerated ? `Service ${appName} and its route are` : `Service ${appName} is`} Flagger's once it runs the app, so the library does not render ${routeGenerated ? 'them' : 'it'} after the commit that adopts Flagger.`,
      remedy: `Read the running version from Deployment ${primaryName}, not ${appName}; change ${appName} only through this CanaryRelease's image and env.`,
    }, {
      code: EngineRiskCode.ENGINE_OWNS_PODS,
      message:
        `Flagger runs the pods of ${appName} (in ${primaryName}). Deleting this CanaryRelease deletes the Canary: with revertOnDeletion Flagger scales ${appName} back up first, ` +
        `but the Services it generated go with the Canary (ownerReferences), including Service ${appName} that the app then renders again, so a sync that applies both at once can leave the route without its Service.`,
      remedy: `Remove the CanaryRelease in its own commit, wait until the Canary is gone, then sync once more so Service ${appName} is recreated.`,
    }];
    if (!spec.autoscaling) {
      risks.push({
        code: EngineRiskCode.ENGINE_REWRITES_RENDERED_FIELDS,
        message:
          `Flagger scales Deployment ${appName} to 0 after initialisation and after each promotion, while the library renders its replicas (${spec.replicas}, which ${primaryName} copies): ` +
          `a GitOps sync that re-applies them starts ${spec.replicas} idle canary pods until the next release.`,
        remedy: `Make your GitOps tool ignore /spec/replicas of Deployment ${appName} (Argo CD ignoreDifferences), or give the app autoscaling (Flagger copies the HPA to ${primaryName}).`,
      });
    }
    if (r.versionSticky) risks.push(versionCookieDrift(appName));
    if (this.adopting) {
      // kubernetes_default.go reconcileService replaces an existing Service's selector once the primary is ready
      risks.push(adoptionRisk(this.name, appName, `the Canary ${appName} is Initialized`,
        `: Service ${appName}${routing.routeTakenOver ? ' and its route stay' : ' stays'} rendered (marked not to be pruned) until Flagger has taken ${routing.routeTakenOver ? 'them' : 'it'} over ` +
        `(it points the Service at ${primaryName} once that is ready); a sync in between re-applies the app's selector, so pause automatic sync until the next commit`));
    }
    risks.push(aggregateRisk(`The analysis of ${appName}'s release`, replicaRange(spec).max, this.analysis, false));
    return risks;
  }
}

/**
 * Flagger's version cookie with every attribute written (BuildCookie writes only those set): Path is the route's
 * path (a prefix without its trailing "/", "/" for a regular expression), so the browser sends it on every page of
 * the route, not only below the first page's directory; Secure, HttpOnly and SameSite=Lax as the library's other
 * version cookies. `primaryCookieName` stays unset: its cookie would pin primary users for one interval only.
 */
function versionCookie(appName: string, intent: RouteIntent): unknown {
  const plain = intent.pathType !== PathType.REGULAR_EXPRESSION && !intent.path.includes(';');
  const path = plain ? intent.path.replace(/\/+$/, '') || '/' : '/';
  return { cookieName: `${appName}-version`, path, secure: true, httpOnly: true, sameSite: 'Lax' };
}

function versionCookieDrift(appName: string): RiskDescription {
  // Flagger sets the cookie on responses of the canary and expires it at promotion or rollback with
  // `Set-Cookie: <name>=<value>; Max-Age=-1` (its router's getSessionAffinityRouteRules), which carries no Path
  return {
    code: RiskCode.CANARY_STICKY_DRIFT,
    message:
      `With Flagger's session affinity every user who reached the canary keeps its cookie ${appName}-version (max-age 86400 s) and stays there, ` +
      'while users of the primary carry no cookie and go through the weighted split again on every request: the canary\'s share of users grows above each step weight ' +
      'until Flagger promotes or rolls back (it then expires the cookie, with a Set-Cookie that carries no Path, so a browser deletes it only on pages at the root of the path).',
    remedy: 'Judge the release by the analysis, not by the step weight; keep steps short so the share cannot run far ahead.',
  };
}

/** A duration as Flagger's CRD accepts it (`^[0-9]+(m|s)`): whole minutes as "<n>m", else "<n>s"; never hours. */
export function flaggerDuration(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}
