import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { PropChecker } from '../prop-checks';
import { beforeSynth } from '../synth-hooks';
import { CookieMatch, HeaderMatch, HeaderPatternMatch, WeightMatch } from '../traffic/canary-match';
import {
  aggregateRisk,
  nginxRetired,
  checkSteps,
  stepSeconds,
  EngineImpl,
  EngineOutput,
  EngineRelease,
  EngineRiskCode,
  engineDuration,
  ReleaseAnalysis,
  resolveAnalysis,
  ResolvedAnalysis,
} from './engine-contract';
import { PathType, RouteRole } from '../traffic/provider-contract';
import { RiskCode, RiskDescription } from '../warnings';
import { LABEL_NAME, LABEL_TRACK, replicaRange, workloadSpecOf } from '../web-app/app-workload';

/**
 * Flagger v1.44 as the engine of a CanaryRelease. What it relies on, from fluxcd/flagger:
 *
 * - pkg/canary/deployment_controller.go: `createPrimaryDeployment` copies the target Deployment to
 *   `<name>-primary` (replicas: the target's, else 1; template labels from `makePrimaryLabels`, which keeps every
 *   label and sets only the selector label to `<name>-primary`), then `ScaleToZero` scales the target to 0;
 *   `Promote` copies the target's pod spec to the primary; `Finalize` (with `revertOnDeletion`) scales the target
 *   back to the primary's replicas. So the session store's client label reaches the primary pods, and the app's
 *   PodDisruptionBudget (which selects `app.kubernetes.io/name: <name>`) does not: the library adds one for them.
 * - docs/gitbook/faq.md: the selector label is `app`, `name` or `app.kubernetes.io/name`; Flagger generates the
 *   Services `<name>` (apex, selects the primary), `<name>-primary` and `<name>-canary` with ownerReferences to the
 *   Canary; it rewrites "the first value in each match expression" of the pod anti-affinity and topology spread
 *   constraints to `-primary` (match expressions only, so the library writes its spread selector as one).
 * - pkg/router/ingress.go (nginx): the canary Ingress `<ingressRef>-canary` is a copy of the ingressRef Ingress
 *   with the backend `<name>` replaced by `<name>-canary`; with `analysis.match` (A/B testing) a header becomes
 *   `canary-by-header` (+ `-value` for `exact`, `-pattern` for `regex`) and the header key `cookie` becomes
 *   `canary-by-cookie` with its `exact` value.
 * - docs/gitbook/usage/deployment-strategies.md (v1.44): A/B testing on NGINX and Gateway API; "If Flagger finds a
 *   HTTP match condition, it will ignore the maxWeight and stepWeight settings"; "Canary Release with Session
 *   Affinity" on Istio and Gateway API only (not NGINX).
 * - docs/gitbook/tutorials/gatewayapi-progressive-delivery.md: with `gatewayapi:v1` Flagger generates the
 *   HTTPRoute `<name>` from `service.hosts` and `service.gatewayRefs`; `analysis.sessionAffinity` (cookieName,
 *   maxAge) keeps a user on the version they got; the Envoy (Contour) MetricTemplates.
 * - pkg/metrics/observers/factory.go: no built-in observer for Gateway API (it falls back to Istio's), and the
 *   built-in nginx `request-duration` is an average; so the library writes MetricTemplates for both metrics.
 * - docs/gitbook/usage/metrics.md: MetricTemplate queries are templates with `namespace`, `target`
 *   (canary.spec.targetRef.name), `interval` (the metric's interval) among their variables.
 * - `analysis.threshold` (docs/gitbook/tutorials/gatewayapi-progressive-delivery.md): "max number of failed
 *   metric checks before rollback", and its rollback event reads "failed checks threshold reached": N failures to
 *   roll back is `threshold: N`.
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
}

/** @internal */
export class FlaggerEngine implements EngineImpl {
  public readonly name = 'Flagger';
  public readonly gitOps = false;
  private readonly intervalSeconds: number;
  private readonly analysis: ResolvedAnalysis;

  constructor(check: PropChecker, private readonly options: FlaggerOptions) {
    check.nonBlank('prometheusAddress', options?.prometheusAddress, 'Pass the Prometheus that scrapes your ingress controller, e.g. "http://prometheus.monitoring:9090".');
    if (!/^https?:\/\/\S+$/.test(options.prometheusAddress)) {
      check.fail('prometheusAddress', 'must be an http:// or https:// URL', options.prometheusAddress, 'Use e.g. "http://prometheus.monitoring:9090".');
    }
    if (options.steps !== undefined) checkSteps(check, options.steps, []);
    check.integer('iterations', options.iterations, 1, 1000, 'Use e.g. 10 analysis intervals for an A/B test.');
    this.intervalSeconds = stepSeconds(check, 'stepInterval', options.stepInterval, 60, 'Use e.g. Duration.minutes(1).');
    this.analysis = resolveAnalysis(check, options.analysis);
  }

  public render(r: EngineRelease): EngineOutput {
    const { check, stable, route } = r;
    const provider = route.provider.name;
    if (provider !== 'ingress-nginx' && provider !== 'gateway-api') {
      check.fail('engine', `has no Flagger provider for the app's traffic provider ${provider} in this library`, provider, 'Use ingress-nginx or Gateway API for the app, or ReleaseEngine.gitOps().');
    }
    if (r.sizedByRelease.length > 0) {
      check.fail(
        r.sizedByRelease[0],
        "has no meaning with Flagger (the canary is the app's own Deployment, which Flagger scales; users are served by its copy <app>-primary)",
        r.sizedByRelease.join(', '),
        'Remove it; size the app itself (replicas or autoscaling of the StatelessWebApp).',
      );
    }
    const nginx = provider === 'ingress-nginx';
    const intent = route.intent;
    const appName = stable.name;
    const primaryName = `${appName}-primary`;
    const spec = workloadSpecOf(stable);
    const risks: RiskDescription[] = [];

    const weight = r.matches.find((m) => m instanceof WeightMatch);
    if (weight) {
      check.fail('match', 'may not hold a weight with Flagger (Flagger moves the weight through steps)', weight.describe(), 'Remove CanaryMatch.weight(...) and set steps, e.g. [10, 25, 50].');
    }
    const headers = r.matches.filter((m): m is HeaderMatch | HeaderPatternMatch => m instanceof HeaderMatch || m instanceof HeaderPatternMatch);
    const cookies = r.matches.filter((m): m is CookieMatch => m instanceof CookieMatch);
    if (headers.length > 1 || cookies.length > 1) {
      check.fail('match', 'may hold one header match and one cookie match with Flagger (its nginx router keeps one of each)', r.matches.map((m) => m.describe()), 'Keep one CanaryMatch.header (or .headerPattern) and one CanaryMatch.cookie.');
    }
    const abTest = headers.length + cookies.length > 0;
    if (abTest && this.options.steps !== undefined) {
      check.fail(
        'engine',
        'sets steps, which Flagger ignores for a release with header or cookie matches ("If Flagger finds a HTTP match condition, it will ignore the maxWeight and stepWeight settings")',
        this.options.steps,
        'Remove steps (the A/B test runs `iterations` intervals), or remove the header and cookie matches for a weighted release.',
      );
    }
    const bare = headers.find((h) => h instanceof HeaderMatch && h.value === undefined);
    if (bare) {
      check.fail(
        'match',
        "needs a header value with Flagger (an A/B match compares a value; the always/never convention is ingress-nginx's own)",
        bare.describe(),
        `Use CanaryMatch.header("${bare.name}", "<value>").`,
      );
    }
    if (!nginx && cookies.length > 0) {
      check.fail('match', 'has no Gateway API equivalent for a cookie match (HTTPRoute matches headers, not cookies)', cookies[0].describe(), 'Use CanaryMatch.header(...) instead.');
    }
    if (abTest && r.versionSticky) {
      check.fail(
        'versionStickiness',
        'cannot be combined with header or cookie matches on Flagger (its session affinity belongs to a weighted release, and an A/B test ignores weights)',
        true,
        'Drop versionStickiness (header and cookie users stay on the new version for the whole A/B test), or drop the matches for a weighted release.',
      );
    }
    if (nginx && r.versionSticky) {
      check.fail(
        'versionStickiness',
        "has no Flagger support on ingress-nginx (Flagger's Canary Release with Session Affinity runs on Istio and Gateway API only)",
        true,
        'Drop versionStickiness, use a header or cookie match (an A/B test keeps those users on the new version), or route the app with Gateway API.',
      );
    }
    if (!nginx) {
      if (intent.stickiness) {
        check.fail(
          'stable',
          `is routed by a sticky HTTPRoute (${intent.stickiness.contributor.where}), but Flagger generates the HTTPRoute ${appName} itself, without sessionPersistence, so the affinity would be lost`,
          intent.name,
          "Remove the StickyIngress and set versionStickiness: true (Flagger's sessionAffinity cookie keeps each user on the version they got).",
        );
      }
      if (intent.pathType !== PathType.PREFIX || intent.path !== '/') {
        check.fail('stable', `routes the path ${intent.path}, but Flagger generates an HTTPRoute for whole hosts (this library maps only "/" onto it)`, intent.path, 'Route the app on "/" of its host, or use Argo Rollouts, which reweights the app\'s own HTTPRoute.');
      }
      if (intent.host === undefined) {
        check.fail('stable', 'needs a host: Flagger generates the HTTPRoute from service.hosts', intent.host, 'Give the StatelessWebApp a host.');
      }
    }

    const a = this.analysis;
    const metricTemplate = (id: string, name: string, query: string) =>
      new ApiObject(r.scope, id, {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'MetricTemplate',
        metadata: { name, labels: stable.appLabels },
        spec: { provider: { type: 'prometheus', address: this.options.prometheusAddress }, query },
      });
    const successName = `${appName}-success-rate`;
    const latencyName = `${appName}-latency-p99`;
    const successTemplate = metricTemplate('SuccessRate', successName, a.successRateQuery ?? successRateQuery(nginx, stable.servicePort));
    const latencyTemplate = metricTemplate('LatencyP99', latencyName, a.latencyP99Query ?? latencyQuery(nginx, stable.servicePort));

    const match = [
      ...headers.map((h) => ({
        headers: { [h.name]: h instanceof HeaderPatternMatch ? { regex: h.pattern } : { exact: (h as HeaderMatch).value } },
      })),
      ...cookies.map((c) => ({ headers: { cookie: { exact: c.name } } })),
    ];
    const canary = new ApiObject(r.scope, 'Canary', {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: appName, labels: stable.appLabels },
      spec: {
        provider: nginx ? 'nginx' : 'gatewayapi:v1',
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: appName },
        autoscalerRef: stable.autoscaler ? { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: appName } : undefined,
        ingressRef: nginx ? { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: intent.name } : undefined,
        // with the Canary deleted, Flagger scales the app's Deployment back up before its primary goes
        revertOnDeletion: true,
        service: {
          port: stable.servicePort,
          targetPort: stable.port,
          hosts: nginx ? undefined : [intent.host],
        },
        analysis: {
          interval: engineDuration(this.intervalSeconds),
          threshold: a.rollbackAfterFailures,
          stepWeights: abTest ? undefined : checkSteps(check, this.options.steps, [10, 25, 50]),
          iterations: abTest ? this.options.iterations ?? 10 : undefined,
          match: abTest ? match : undefined,
          sessionAffinity: r.versionSticky ? { cookieName: `${appName}-version` } : undefined,
          metrics: [
            { name: 'success-rate', templateRef: { name: successName }, thresholdRange: { min: a.minSuccessRatePercent }, interval: engineDuration(a.intervalSeconds) },
            { name: 'latency-p99', templateRef: { name: latencyName }, thresholdRange: { max: a.maxLatencyP99Ms }, interval: engineDuration(a.intervalSeconds) },
          ],
        },
      },
    });

    // The primary's pods are labelled app.kubernetes.io/name: <app>-primary, out of the app's PDB
    const primarySelector = { ...stable.appLabels, [LABEL_NAME]: primaryName, [LABEL_TRACK]: 'stable' };
    const pdb = new k8s.KubePodDisruptionBudget(r.scope, 'PrimaryDisruptionBudget', {
      metadata: { name: primaryName, labels: stable.appLabels },
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
        selector: { matchLabels: primarySelector },
      },
    });

    // The app's objects Flagger owns or rewrites. The Service <app> is Flagger's apex Service: not rendered.
    stable.node.tryRemoveChild(stable.service.node.id);
    // Topology spread with the name as a match expression, which Flagger rewrites to <app>-primary in the copy
    const deployment = ApiObject.of(stable.deployment);
    const others = Object.fromEntries(Object.entries({ ...stable.appLabels, [LABEL_TRACK]: 'stable' }).filter(([key]) => key !== LABEL_NAME));
    const spreadSelector = { matchLabels: others, matchExpressions: [{ key: LABEL_NAME, operator: 'In', values: [appName] }] };
    deployment.addJsonPatch(
      JsonPatch.replace('/spec/template/spec/topologySpreadConstraints', ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: spreadSelector,
        matchLabelKeys: ['pod-template-hash'],
      }))),
    );
    if (!nginx) {
      // Flagger generates the HTTPRoute <app> from the app route's Gateway and host: take them from the route as
      // the Gateway API provider renders it, then leave the HTTPRoute to Flagger
      beforeSynth(r.scope, () => {
        const httpRoute = route.objectFor(RouteRole.ROUTE);
        if (!httpRoute) return;
        const parentRefs = (httpRoute.toJson() as { spec: { parentRefs: unknown[] } }).spec.parentRefs;
        canary.addJsonPatch(JsonPatch.add('/spec/service/gatewayRefs', parentRefs));
        httpRoute.node.scope!.node.tryRemoveChild(httpRoute.node.id);
      });
    }

    const { max } = replicaRange(spec);
    risks.push({
      code: EngineRiskCode.FLAGGER_PRIMARY_COPY,
      message:
        `Users of ${appName} are served by ${primaryName}, a copy of Deployment ${appName} that Flagger makes and updates only when a release is promoted; ` +
        `Deployment ${appName} becomes the canary and runs 0 pods between releases. The copy's pods are labelled app.kubernetes.io/name: ${primaryName} ` +
        `(outside the app's PodDisruptionBudget, so the library adds PodDisruptionBudget ${primaryName}) and keep the session store's client label. ` +
        `${nginx ? `Service ${appName} is` : `Service ${appName} and HTTPRoute ${appName} are`} Flagger's, generated with ownerReferences to the Canary, so the library does not render ${nginx ? 'it' : 'them'}.`,
      remedy: `Read the running version from Deployment ${primaryName}, not ${appName}; change ${appName} only through this CanaryRelease's image and env.`,
    });
    risks.push({
      code: EngineRiskCode.ENGINE_OWNS_PODS,
      message:
        `Flagger runs the pods of ${appName} (in ${primaryName}). Deleting this CanaryRelease deletes the Canary: with revertOnDeletion Flagger scales ${appName} back up first, ` +
        `but the Services it generated go with the Canary (ownerReferences), including Service ${appName} that the app then renders again, so a sync that applies both at once can leave the route without its Service.`,
      remedy: `Remove the CanaryRelease in its own commit, wait until the Canary is gone, then sync once more so Service ${appName} is recreated.`,
    });
    if (!spec.autoscaling) {
      risks.push({
        code: EngineRiskCode.ENGINE_REWRITES_RENDERED_FIELDS,
        message:
          `Flagger scales Deployment ${appName} to 0 after initialisation and after each promotion, while the library renders its replicas (${spec.replicas}, which ${primaryName} copies): ` +
          `a GitOps sync that re-applies them starts ${spec.replicas} idle canary pods until the next release.`,
        remedy: `Make your GitOps tool ignore /spec/replicas of Deployment ${appName} (Argo CD ignoreDifferences), or give the app autoscaling (Flagger copies the HPA to ${primaryName}).`,
      });
    }
    if (r.versionSticky) {
      // Flagger sets the cookie on responses of the canary and expires it at promotion or rollback (its
      // session-affinity e2e test checks the previous cookie comes back with Max-Age=-1); maxAge defaults to 86400 s
      risks.push({
        code: RiskCode.CANARY_STICKY_DRIFT,
        message:
          `With Flagger's session affinity every user who reached the canary keeps its cookie ${appName}-version (max-age 86400 s) and stays there, ` +
          'while users of the primary carry no cookie and go through the weighted split again on every request: the canary\'s share of users grows above each step weight ' +
          'until Flagger promotes or rolls back (it then expires the cookie).',
        remedy: 'Judge the release by the analysis, not by the step weight; keep steps short so the share cannot run far ahead.',
      });
    }
    if (nginx) risks.push(nginxRetired(check.where, 'Flagger'));
    risks.push(aggregateRisk(`The analysis of ${appName}'s release`, max, a, false));
    return { primary: canary, objects: [canary, successTemplate, latencyTemplate, pdb], risks };
  }
}

/** See argo-rollouts.ts: the `canary` label of ingress-nginx's request metrics names the canary upstream. */
function nginxCanary(port: number): string {
  return `namespace="{{ namespace }}",canary="{{ namespace }}-{{ target }}-canary-${port}"`;
}

/** Contour's Envoy cluster names, as in Flagger's Gateway API tutorial. */
function envoyCluster(): string {
  return 'envoy_cluster_name=~"{{ namespace }}_{{ target }}-canary_[0-9a-zA-Z-]+"';
}

function successRateQuery(nginx: boolean, port: number): string {
  if (nginx) {
    const sel = nginxCanary(port);
    return `100 * sum(rate(nginx_ingress_controller_requests{${sel},status!~"5.."}[{{ interval }}])) / sum(rate(nginx_ingress_controller_requests{${sel}}[{{ interval }}]))`;
  }
  const sel = envoyCluster();
  return `100 * sum(rate(envoy_cluster_upstream_rq{${sel},envoy_response_code!~"5.*"}[{{ interval }}])) / sum(rate(envoy_cluster_upstream_rq{${sel}}[{{ interval }}]))`;
}

function latencyQuery(nginx: boolean, port: number): string {
  if (nginx) {
    return `1000 * histogram_quantile(0.99, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{${nginxCanary(port)}}[{{ interval }}])))`;
  }
  return `histogram_quantile(0.99, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{${envoyCluster()}}[{{ interval }}])))`;
}
