import { JsonPatch } from 'cdk8s';
import { PropChecker } from '../prop-checks';
import { RiskCode, RiskDescription } from '../warnings';
import { CookieMatch, HeaderMatch, HeaderPatternMatch } from './canary-match';
import { EngineRiskCode } from './engine-risks';
import {
  ArgoRolloutsRouting,
  CanaryIntent,
  EngineMetricQueries,
  EngineMetricsRequest,
  EngineRouteRequest,
  FlaggerRouting,
  IReleaseEngineSupport,
  ReleaseEngineKind,
  RenderedRoute,
  RouteIntent,
  RouteRole,
} from './provider-contract';
import { TraefikOptions, TraefikProvider } from './traefik';

/**
 * The engine part of the Traefik provider.
 *
 * - Argo Rollouts v1.9.1 (argoproj/argo-rollouts rollout/trafficrouting/traefik/traefik.go): `trafficRouting.traefik.
 *   weightedTraefikServiceName` names a TraefikService whose `spec.weighted.services` hold the stable and the canary
 *   Service by `name`; `SetWeight` sets the canary's weight to the step weight and the stable one's to 100 minus it.
 *   `SetHeaderRoute` is `return nil`: header routes are not moved step by step. So the provider renders exactly its
 *   GitOps split at weight 0 (the canary IngressRoute with the header and cookie routes, the weighted TraefikService)
 *   and Argo Rollouts reweights the TraefikService.
 * - Flagger v1.44.0 (fluxcd/flagger pkg/router/traefik.go): `Reconcile` creates the TraefikService `<name>` (the apex)
 *   with the primary Service at weight 100, `SetRoutes` sets the primary and canary weights; nothing else (no match,
 *   no sticky). The app's IngressRoute routes to that TraefikService.
 * @internal
 */
export class TraefikEngineProvider extends TraefikProvider {
  public readonly releaseEngines: IReleaseEngineSupport = new TraefikEngines();

  constructor(options: TraefikOptions = {}) {
    super(options);
  }

  public validate(intent: RouteIntent): void {
    const c = intent.canary;
    if (c?.engine === ReleaseEngineKind.FLAGGER) validateFlagger(intent, c);
    super.validate(intent);
  }

  public render(intent: RouteIntent): RenderedRoute {
    const c = intent.canary;
    if (c?.engine === ReleaseEngineKind.FLAGGER) {
      // the route goes to the TraefikService Flagger generates, named after the Canary's service (the app); Flagger
      // creates it only once the primary is ready (scheduler.go advanceCanary: meshRouter.Reconcile runs last), so the
      // commit that adopts Flagger keeps routing to the app's Service
      const rendered = super.render({ ...intent, canary: undefined });
      if (c.engineAdopting) return rendered;
      const route = rendered.objects[0].object;
      route.addJsonPatch(JsonPatch.replace('/spec/routes/0/services', [{ kind: 'TraefikService', name: intent.backend.serviceName }]));
      return rendered;
    }
    const rendered = super.render(intent);
    if (c?.engine === ReleaseEngineKind.ARGO_ROLLOUTS) {
      const split = rendered.objects.find((o) => o.object.kind === 'TraefikService');
      if (split?.object.name !== splitName(intent)) {
        throw new Error(`the Traefik provider renders the weighted TraefikService ${split?.object.name}, not ${splitName(intent)} as Argo Rollouts was told`);
      }
      const risk = {
        code: EngineRiskCode.ENGINE_REWRITES_RENDERED_FIELDS,
        message:
          `Argo Rollouts rewrites the weights of TraefikService ${splitName(intent)} at every step: a GitOps sync that re-applies the rendered weights (100 / 0) ` +
          'moves all traffic back to stable in the middle of a release.',
        remedy:
          'Make your GitOps tool ignore them, e.g. Argo CD ignoreDifferences on TraefikService with jqPathExpressions .spec.weighted.services[].weight. ' +
          'Run the Argo Rollouts controller with --traefik-api-group traefik.io --traefik-api-version traefik.io/v1alpha1: its default group is ' +
          'traefik.containo.us (utils/defaults/defaults.go), which Traefik v3 no longer serves.',
      };
      return { objects: rendered.objects, risks: [...rendered.risks, { role: RouteRole.CANARY, risk }] };
    }
    return rendered;
  }
}

/** The weighted TraefikService of a canary, as TraefikProvider.render names it. */
function splitName(intent: RouteIntent): string {
  return `${intent.name}-split`;
}

/** Flagger's Traefik router moves weights only: no match, no session affinity, no sticky cookie. */
function validateFlagger(intent: RouteIntent, c: CanaryIntent): void {
  const check = new PropChecker(c.contributor.where);
  const match = c.matches.find((m) => m instanceof HeaderMatch || m instanceof HeaderPatternMatch || m instanceof CookieMatch);
  const why = "Flagger's Traefik router only sets the weights of its TraefikService (pkg/router/traefik.go SetRoutes)";
  if (match) {
    check.fail('match', `has no Flagger support on Traefik (${why})`, match.describe(), 'Remove the header and cookie matches for a weighted release, or use Argo Rollouts, which keeps them as static routes.');
  }
  if (c.versionSticky) {
    check.fail('versionStickiness', `has no Flagger support on Traefik (${why}; its session affinity is Istio's and Gateway API's)`, true, 'Drop versionStickiness, or use Argo Rollouts on Traefik.');
  }
  if (intent.stickiness) {
    check.fail(
      'stable',
      `is routed by a sticky IngressRoute (${intent.stickiness.contributor.where}), but the route then goes to the TraefikService Flagger generates, which has no sticky cookie (${why})`,
      intent.name,
      'Remove the StickyIngress, or use Argo Rollouts on Traefik.',
    );
  }
}

class TraefikEngines implements IReleaseEngineSupport {
  public argoRollouts(request: EngineRouteRequest): ArgoRolloutsRouting {
    const c = request.intent.canary!;
    const matches = c.matches.filter((m) => m instanceof HeaderMatch || m instanceof HeaderPatternMatch || m instanceof CookieMatch);
    const risks: RiskDescription[] = matches.length === 0 ? [] : [{
      code: EngineRiskCode.ARGO_TRAEFIK_HEADER_ROUTE_STATIC,
      message:
        `Argo Rollouts' setHeaderRoute steps do nothing on Traefik (its traefik reconciler's SetHeaderRoute returns nil), so ${matches.map((m) => m.describe()).join(' and ')} ` +
        `${matches.length > 1 ? 'are' : 'is'} rendered as routes of the canary IngressRoute to ${request.canaryServiceName}: matching requests reach it from the first step to the end, ` +
        `and between releases ${request.canaryServiceName} selects the stable pods.`,
      remedy: 'Expect header and cookie users on the new version for the whole release; on Gateway API a header becomes a setHeaderRoute step instead.',
    }];
    if (c.versionSticky) risks.push(stickyDrift(request.canaryServiceName));
    return { trafficRouting: { traefik: { weightedTraefikServiceName: splitName(request.intent) } }, afterFirstWeight: [], risks };
  }

  public flagger(_request: EngineRouteRequest): FlaggerRouting {
    return { provider: 'traefik', routeTakenOver: false, risks: [] };
  }

  /**
   * Traefik's service metrics, as Flagger's Traefik observer reads them (fluxcd/flagger v1.44.0
   * pkg/metrics/observers/traefik.go): `traefik_service_request_duration_seconds_bucket` with the label `service`
   * `<namespace>-<service>-<port>@kubernetescrd`, `code` for the status, `le="+Inf"` for the count.
   */
  public metricQueries(r: EngineMetricsRequest): EngineMetricQueries {
    const sel = `service=~"${r.namespace}-${r.canaryService}-${r.port}@kubernetescrd"`;
    const w = r.window;
    return {
      successRate:
        `100 * sum(rate(traefik_service_request_duration_seconds_bucket{${sel},code!~"5..",le="+Inf"}[${w}])) / ` +
        `sum(rate(traefik_service_request_duration_seconds_bucket{${sel},le="+Inf"}[${w}]))`,
      latencyP99: `1000 * histogram_quantile(0.99, sum by (le) (rate(traefik_service_request_duration_seconds_bucket{${sel}}[${w}])))`,
    };
  }
}

/**
 * `CANARY_STICKY_DRIFT` as it is on Traefik: the version cookie of the weighted TraefikService holds only while the
 * version's weight is above 0. traefik/traefik v3.7.0 pkg/server/service/loadbalancer/wrr/wrr.go: `Add` ignores a
 * handler of weight <= 0 (it is never registered with the sticky map), and `ServeHTTP` re-draws by weight a request
 * whose cookie names no registered handler and writes a new cookie.
 */
function stickyDrift(canaryService: string): RiskDescription {
  return {
    code: RiskCode.CANARY_STICKY_DRIFT,
    message:
      `With version stickiness on Traefik a user drawn for ${canaryService} keeps its version cookie and stays there while its weight is above 0, ` +
      "so within a release the canary's real share of users grows above the step weight; at weight 0 (between releases, and when Argo Rollouts aborts " +
      'a release) Traefik skips the canary and re-draws every user pinned to it by weight, so they go back to stable at their next request.',
    remedy: 'Judge the release by the analysis, not by the step weight; keep a step above 0 if canary users must stay on the canary.',
  };
}
