import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { PropChecker } from '../prop-checks';
import { CanaryMatch, CookieMatch, HeaderMatch, HeaderPatternMatch, WeightMatch } from '../traffic/canary-match';
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
import { IngressNginxRiskCode } from '../traffic/ingress-nginx';
import { RouteRole } from '../traffic/provider-contract';
import { RiskCode, RiskDescription } from '../warnings';
import { LABEL_TRACK, replicaRange, workloadSpecOf } from '../web-app/app-workload';

/**
 * Argo Rollouts v1.9 as the engine of a CanaryRelease. What it relies on, from argoproj/argo-rollouts (v1.9) and
 * argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi:
 *
 * - `workloadRef` (docs/migrating.md, "Reference Deployment From Rollout"): the Rollout takes the pod template of
 *   an existing Deployment; `scaleDown: onsuccess` "the Deployment is scaled down after the Rollout becomes
 *   healthy". So the app's Deployment stays the single source of the pod spec (PSS restricted context, probes,
 *   session binding), and a release is a change of that Deployment's template. Because the controller scales the
 *   Deployment, the library stops rendering its `replicas` (a GitOps sync would scale it back up every time).
 * - `canaryService` / `stableService` (docs/features/traffic-management/index.md): "The controller modifies these
 *   Services to route traffic to the appropriate canary and stable ReplicaSets" (it adds the
 *   `rollouts-pod-template-hash` selector, a key the library does not render, so an apply keeps it).
 * - ingress-nginx (docs/features/traffic-management/nginx.md, rollout/trafficrouting/nginx/nginx.go): the
 *   controller creates its own canary Ingress `<rollout>-<stableIngress>-canary` from the rules of `stableIngress`
 *   that reach the stable Service, copies only the ingress class ("no other annotations matter"), adds
 *   `additionalIngressAnnotations` ("to enable features like routing by header or cookie") and always sets
 *   `canary` and `canary-weight`. Its `SetHeaderRoute` is `return nil`: step-wise header routes do nothing on nginx.
 * - Gateway API (plugin docs/quick-start.md, docs/features/header-based-routing.md): the HTTPRoute has a rule
 *   with both Services as backendRefs and the plugin rewrites their weights; `setHeaderRoute` steps add rules
 *   named after `managedRoutes` (with `useHeaderRoutes: true`) and remove them at the end. Argo CD must ignore
 *   `.spec.rules[].backendRefs[].weight` and the managed rules.
 * - HPA (docs/features/hpa-support.md): the HPA targets the Rollout (`apiVersion: argoproj.io/v1alpha1, kind:
 *   Rollout`) through its `/scale` subresource.
 * - Analysis (docs/features/analysis.md): background analysis from `strategy.canary.analysis.templates`; an arg
 *   `valueFrom.fieldRef` with a `metadata` path is read from the Rollout (rollout/analysis.go:
 *   `fieldpath.ExtractFieldPathAsString(r, arg.ValueFrom.FieldRef.FieldPath)`), so the queries get the namespace; analysis/analysis.go `assessMetricFailureInconclusiveOrError`: "if result.Failed >
 *   failureLimit { phase = AnalysisPhaseFailed }", so `failureLimit` is the number of failed measurements
 *   tolerated and N failures to roll back is `failureLimit: N - 1`; a failed run aborts the rollout back to
 *   stable. Prometheus provider: `provider.prometheus.address` and `query`, `result[0]`.
 * - utils/ingress GetCanaryIngressName: the canary Ingress is `<rollout>-<stableIngress>` + "-canary".
 */

/**
 * Options of `ReleaseEngine.argoRollouts`.
 */
export interface ArgoRolloutsOptions {
  /** Address of the Prometheus that scrapes the traffic controller, e.g. `http://prometheus.monitoring:9090`. */
  readonly prometheusAddress: string;
  /**
   * Canary weights in percent, in order; the Rollout promotes after the last one.
   * @default [10, 25, 50]
   */
  readonly steps?: number[];
  /**
   * How long the Rollout stays at each weight (a `pause` step) while the analysis runs.
   * @default Duration.minutes(5)
   */
  readonly stepPause?: Duration;
  /**
   * The metric checks.
   * @default - success rate at least 99 %, p99 latency at most 500 ms, every minute, rollback at the second failure
   */
  readonly analysis?: ReleaseAnalysis;
}

/** The name of the managed header rule on Gateway API (docs/features/header-based-routing.md). */
const HEADER_ROUTE = 'canary-header';
const PLUGIN = 'argoproj-labs/gatewayAPI';
const API_VERSION = 'argoproj.io/v1alpha1';

/** @internal */
export class ArgoRolloutsEngine implements EngineImpl {
  public readonly name = 'Argo Rollouts';
  public readonly gitOps = false;
  private readonly steps: number[];
  private readonly pauseSeconds: number;
  private readonly analysis: ResolvedAnalysis;

  constructor(check: PropChecker, private readonly options: ArgoRolloutsOptions) {
    check.nonBlank('prometheusAddress', options?.prometheusAddress, 'Pass the Prometheus that scrapes your ingress controller, e.g. "http://prometheus.monitoring:9090".');
    if (!/^https?:\/\/\S+$/.test(options.prometheusAddress)) {
      check.fail('prometheusAddress', 'must be an http:// or https:// URL', options.prometheusAddress, 'Use e.g. "http://prometheus.monitoring:9090".');
    }
    this.steps = checkSteps(check, options.steps, [10, 25, 50]);
    this.pauseSeconds = stepSeconds(check, 'stepPause', options.stepPause, 300, 'Use e.g. Duration.minutes(5).');
    this.analysis = resolveAnalysis(check, options.analysis);
  }

  public render(r: EngineRelease): EngineOutput {
    const { check, stable, route } = r;
    const provider = route.provider.name;
    if (provider !== 'ingress-nginx' && provider !== 'gateway-api') {
      check.fail('engine', `has no Argo Rollouts traffic routing for the app's traffic provider ${provider} in this library`, provider, 'Use ingress-nginx or Gateway API for the app, or ReleaseEngine.gitOps().');
    }
    if (r.sizedByRelease.length > 0) {
      check.fail(
        r.sizedByRelease[0],
        'has no meaning with Argo Rollouts (the Rollout runs ceil(replicas x weight) canary pods at each step and moves the weight itself)',
        r.sizedByRelease.join(', '),
        'Remove it; size the app itself (replicas or autoscaling of the StatelessWebApp) and set the weights with steps.',
      );
    }
    const nginx = provider === 'ingress-nginx';
    const intent = route.intent;
    const appName = stable.name;
    const canaryService = `${appName}-canary`;
    const selector = { ...stable.appLabels, [LABEL_TRACK]: 'stable' };
    const spec = workloadSpecOf(stable);
    const { max } = replicaRange(spec);
    const risks: RiskDescription[] = [];

    // the matches: the engine moves the weight; headers and cookies become the controller's own mechanism
    const weight = r.matches.find((m) => m instanceof WeightMatch);
    if (weight) {
      check.fail('match', 'may not hold a weight with Argo Rollouts (the Rollout moves the weight through steps)', weight.describe(), 'Remove CanaryMatch.weight(...) and set steps, e.g. [10, 25, 50].');
    }
    const headers = r.matches.filter((m): m is HeaderMatch | HeaderPatternMatch => m instanceof HeaderMatch || m instanceof HeaderPatternMatch);
    const cookies = r.matches.filter((m): m is CookieMatch => m instanceof CookieMatch);
    if (headers.length > 1 || cookies.length > 1) {
      check.fail('match', 'may hold one header match and one cookie match with Argo Rollouts', r.matches.map((m) => m.describe()), 'Keep one CanaryMatch.header (or .headerPattern) and one CanaryMatch.cookie.');
    }
    const header = headers[0];
    const cookie = cookies[0];

    const trafficRouting: Record<string, unknown> = {};
    const steps: unknown[] = [];
    if (nginx) {
      if (r.versionSticky && !intent.stickiness) {
        check.fail(
          'versionStickiness',
          `needs cookie affinity on the stable route with ingress-nginx (affinity-canary-behavior: sticky rides on the stable route's affinity cookie), and the route ${intent.name} is not sticky`,
          true,
          'Route the stable app with a StickyIngress (create it before the CanaryRelease), or drop versionStickiness.',
        );
      }
      // the canary Ingress is the controller's: what it must carry goes through additionalIngressAnnotations
      const annotations: Record<string, string> = {};
      if (header) annotations['canary-by-header'] = header.name;
      if (header instanceof HeaderMatch && header.value !== undefined) annotations['canary-by-header-value'] = header.value;
      if (header instanceof HeaderPatternMatch) annotations['canary-by-header-pattern'] = header.pattern;
      if (cookie) annotations['canary-by-cookie'] = cookie.name;
      if (intent.stickiness) annotations['affinity-canary-behavior'] = r.versionSticky ? 'sticky' : 'legacy';
      trafficRouting.nginx = {
        stableIngress: intent.name,
        additionalIngressAnnotations: Object.keys(annotations).length > 0 ? annotations : undefined,
      };
      if (header || cookie) {
        const what = [header ? `the header ${header.name}` : undefined, cookie ? `the cookie ${cookie.name}` : undefined].filter(Boolean).join(' and ');
        risks.push({
          code: EngineRiskCode.ARGO_NGINX_HEADER_ROUTE_STATIC,
          message:
            `Argo Rollouts' setHeaderRoute steps do nothing on ingress-nginx (its nginx reconciler's SetHeaderRoute returns nil), so ${what} is written as a ` +
            `canary annotation of the canary Ingress the Rollout creates (${appName}-${intent.name}-canary): it sends matching requests to ${canaryService} from the first step to the end, ` +
            `and between releases ${canaryService} selects the stable pods.`,
          remedy: 'Expect header and cookie users on the new version for the whole release; on Gateway API the header becomes a setHeaderRoute step instead.',
        });
      }
      if (intent.stickiness && r.versionSticky && (header || cookie)) {
        // ingress-nginx's balancer checks the affinity cookie before any canary rule (rootfs/etc/nginx/lua/balancer.lua),
        // whoever wrote the canary Ingress
        const cookieName = intent.stickiness.cookieName ?? 'INGRESSCOOKIE';
        risks.push({
          code: IngressNginxRiskCode.CANARY_OVERRIDE_IGNORED_WHEN_PINNED,
          message:
            `A user already pinned to a version stays on it: a tester pinned to ${appName} who then sends ${header ? `the header ${header.name}` : `the cookie ${cookie!.name}`} still reaches ${appName}, ` +
            `because ingress-nginx checks the affinity cookie (${cookieName}) before any canary rule of the Rollout's canary Ingress.`,
          remedy: `Clear the ${cookieName} cookie (or use a fresh browser session) before testing the canary by header or cookie.`,
        });
      }
      risks.push(nginxRetired(check.where, 'Argo Rollouts'));
      for (const w of this.steps) {
        steps.push({ setWeight: w }, { pause: { duration: engineDuration(this.pauseSeconds) } });
      }
    } else {
      if (cookie) {
        check.fail('match', 'has no Gateway API equivalent for a cookie match (HTTPRoute matches headers, not cookies)', cookie.describe(), 'Use CanaryMatch.header(...) instead.');
      }
      if (header instanceof HeaderMatch && header.value === undefined) {
        check.fail(
          'match',
          'needs a header value with Argo Rollouts on Gateway API (a setHeaderRoute matches a value; the always/never convention is ingress-nginx\'s)',
          header.describe(),
          `Use CanaryMatch.header("${header.name}", "<value>").`,
        );
      }
      // the HTTPRoute carries both backends (stable 100, canary 0) for the plugin to reweight: the canary intent
      // with weight 0 makes the Gateway API provider render exactly that, and checks stickiness as it does for
      // any canary (sessionPersistence covers both backends, so versionStickiness must match it)
      route.attachCanary(
        { construct: r.scope, kind: 'CanaryRelease', where: check.where, acknowledged: r.acknowledged },
        {
          contributor: { where: check.where, scope: r.scope },
          name: `${intent.name}-canary`,
          backend: { serviceName: canaryService, port: stable.servicePort },
          matches: [CanaryMatch.weight(0)],
          weightTotal: 100,
          versionSticky: r.versionSticky,
        },
      );
      trafficRouting.managedRoutes = header ? [{ name: HEADER_ROUTE }] : undefined;
      trafficRouting.plugins = { [PLUGIN]: { httpRoutes: [{ name: intent.name, useHeaderRoutes: header ? true : undefined }] } };
      this.steps.forEach((w, i) => {
        steps.push({ setWeight: w });
        if (i === 0 && header) {
          const headerValue = header instanceof HeaderMatch ? { exact: header.value } : { regex: (header as HeaderPatternMatch).pattern };
          steps.push({ setHeaderRoute: { name: HEADER_ROUTE, match: [{ headerName: header.name, headerValue }] } });
        }
        steps.push({ pause: { duration: engineDuration(this.pauseSeconds) } });
      });
      route.addRisks(RouteRole.CANARY, [
        {
          code: EngineRiskCode.ENGINE_REWRITES_RENDERED_FIELDS,
          message:
            `Argo Rollouts' Gateway API plugin rewrites the backendRefs weights of HTTPRoute ${intent.name} at every step` +
            (header ? ` and adds the rule ${HEADER_ROUTE} for the header ${header.name} during the release` : '') +
            ': a GitOps sync that re-applies the rendered weights (100 / 0) moves all traffic back to stable in the middle of a release.',
          remedy:
            'Make your GitOps tool ignore those fields, e.g. Argo CD ignoreDifferences on HTTPRoute with jqPathExpressions .spec.rules[].backendRefs[].weight' +
            (header ? ` and .spec.rules[] | select(.name == "${HEADER_ROUTE}")` : '') + '.',
        },
      ]);
    }

    // the canary Service: the same pods as the stable one until the controller adds its hash selector
    const service = new k8s.KubeService(r.scope, 'CanaryService', {
      metadata: { name: canaryService, labels: stable.appLabels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: stable.servicePort, targetPort: k8s.IntOrString.fromNumber(stable.port), protocol: 'TCP' }],
      },
    });

    const a = this.analysis;
    const template = new ApiObject(r.scope, 'AnalysisTemplate', {
      apiVersion: API_VERSION,
      kind: 'AnalysisTemplate',
      metadata: { name: canaryService, labels: stable.appLabels },
      spec: {
        args: [{ name: 'namespace' }],
        metrics: [
          this.metric('success-rate', a.successRateQuery ?? successRateQuery(nginx, canaryService, stable.servicePort, a.intervalSeconds), `result[0] >= ${a.minSuccessRatePercent}`),
          this.metric('latency-p99', a.latencyP99Query ?? latencyQuery(nginx, canaryService, stable.servicePort, a.intervalSeconds), `result[0] <= ${a.maxLatencyP99Ms}`),
        ],
      },
    });

    const rollout = new ApiObject(r.scope, 'Rollout', {
      apiVersion: API_VERSION,
      kind: 'Rollout',
      metadata: { name: appName, labels: stable.appLabels },
      spec: {
        // with an HPA the HPA owns the count (through the Rollout's /scale subresource)
        replicas: spec.autoscaling ? undefined : spec.replicas,
        selector: { matchLabels: selector },
        workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: appName, scaleDown: 'onsuccess' },
        strategy: {
          canary: {
            stableService: appName,
            canaryService,
            trafficRouting,
            analysis: {
              templates: [{ templateName: canaryService }],
              args: [{ name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
            },
            steps,
          },
        },
      },
    });

    // the app's objects the controller takes over: the Deployment's replica count, the HPA's target
    const deployment = ApiObject.of(stable.deployment);
    if (!spec.autoscaling) {
      deployment.addJsonPatch(JsonPatch.remove('/spec/replicas'));
    }
    if (stable.autoscaler) {
      ApiObject.of(stable.autoscaler).addJsonPatch(JsonPatch.replace('/spec/scaleTargetRef', { apiVersion: API_VERSION, kind: 'Rollout', name: appName }));
    }

    if (r.versionSticky) {
      // the pin is on the version's Service (ingress-nginx sticky.lua keys it on the backend Service; Gateway API
      // GEP-1619 keeps persistence across services, even at weight 0), and the Rollout keeps one canary Service,
      // which rollout/service.go reconcileStableAndCanaryService points at the newest ReplicaSet: the new version
      // during a release, the stable one (newRS == stableRS) once it is promoted
      risks.push({
        code: RiskCode.CANARY_STICKY_DRIFT,
        message:
          `With version stickiness every user who reaches ${canaryService} is pinned to that Service, which the Rollout keeps for every release: ` +
          'between releases it selects the stable pods, and when the next release starts it selects the new version, so those users get every next canary ' +
          'from its first step, whatever its weight. Within a release the canary\'s real share of users grows above the step weight.',
        remedy: 'Expire the version cookie after each release (a short maxAge on the StickyIngress cookie), and judge the release by the analysis, not by the step weight.',
      });
    }
    const lastWeight = this.steps[this.steps.length - 1];
    risks.push(
      {
        code: EngineRiskCode.ENGINE_OWNS_PODS,
        message:
          `Argo Rollouts runs the pods of ${appName}: the Rollout takes the Deployment's pod template (workloadRef) and scales Deployment ${appName} to 0 once it is healthy ` +
          `(scaleDown: onsuccess), so the library no longer renders the Deployment's replicas${stable.autoscaler ? ' and the HPA targets the Rollout' : ''}. ` +
          'Deleting this CanaryRelease deletes the Rollout and its pods while the Deployment starts from 0.',
        remedy: `To leave Argo Rollouts, scale Deployment ${appName} up and wait until it is ready before the commit that removes the CanaryRelease.`,
      },
      aggregateRisk(`The analysis of ${appName}'s release`, Math.ceil((max * lastWeight) / 100), a, intent.stickiness !== undefined),
    );
    return { primary: rollout, objects: [rollout, template, service], risks };
  }

  private metric(name: string, query: string, successCondition: string): unknown {
    const a = this.analysis;
    return {
      name,
      interval: engineDuration(a.intervalSeconds),
      // failureLimit failures are tolerated; the next one fails the run
      failureLimit: a.rollbackAfterFailures - 1,
      successCondition,
      provider: { prometheus: { address: this.options.prometheusAddress, query } },
    };
  }
}

/**
 * The canary's upstream as ingress-nginx names it in its metrics: the `canary` label is
 * `$proxy_alternative_upstream_name` (rootfs/etc/nginx/lua/monitor.lua), set when the balancer chose the canary
 * backend, and an upstream is named `<namespace>-<service>-<port>` (internal/ingress/controller/util.go upstreamName).
 */
function nginxCanary(service: string, port: number): string {
  return `namespace="{{args.namespace}}",canary="{{args.namespace}}-${service}-${port}"`;
}

/**
 * Gateway API has no common metric names; these assume Contour's Envoy metrics, the implementation of Flagger's
 * Gateway API tutorial (fluxcd/flagger docs/gitbook/tutorials/gatewayapi-progressive-delivery.md), whose cluster
 * names are `<namespace>_<service>_<port>...`. Other implementations: pass successRateQuery and latencyP99Query.
 */
function envoyCluster(service: string): string {
  return `envoy_cluster_name=~"{{args.namespace}}_${service}_[0-9a-zA-Z-]+"`;
}

/** Percent of canary requests that did not answer 5xx (nginx_ingress_controller_requests, or Envoy's upstream_rq). */
function successRateQuery(nginx: boolean, service: string, port: number, seconds: number): string {
  const w = engineDuration(seconds);
  if (nginx) {
    const sel = nginxCanary(service, port);
    return `100 * sum(rate(nginx_ingress_controller_requests{${sel},status!~"5.."}[${w}])) / sum(rate(nginx_ingress_controller_requests{${sel}}[${w}]))`;
  }
  const sel = envoyCluster(service);
  return `100 * sum(rate(envoy_cluster_upstream_rq{${sel},envoy_response_code!~"5.*"}[${w}])) / sum(rate(envoy_cluster_upstream_rq{${sel}}[${w}]))`;
}

/** p99 of canary requests in milliseconds (request_duration_seconds of ingress-nginx, or Envoy's rq_time in ms). */
function latencyQuery(nginx: boolean, service: string, port: number, seconds: number): string {
  const w = engineDuration(seconds);
  if (nginx) {
    return `1000 * histogram_quantile(0.99, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{${nginxCanary(service, port)}}[${w}])))`;
  }
  return `histogram_quantile(0.99, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{${envoyCluster(service)}}[${w}])))`;
}
