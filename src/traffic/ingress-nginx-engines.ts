import { PropChecker } from '../prop-checks';
import { RiskDescription } from '../warnings';
import { CookieMatch, HeaderMatch, HeaderPatternMatch } from './canary-match';
import { EngineRiskCode } from './engine-risks';
import { DEFAULT_COOKIE_NAME, IngressNginxOptions, IngressNginxProvider, IngressNginxRiskCode } from './ingress-nginx';
import {
  ArgoRolloutsRouting,
  EngineMetricQueries,
  EngineMetricsRequest,
  EngineRouteRequest,
  FlaggerRouting,
  IReleaseEngineSupport,
  ReleaseEngineKind,
  RenderedRoute,
  RouteIntent,
} from './provider-contract';

/**
 * The engine part of the ingress-nginx provider: what Argo Rollouts and Flagger need of ingress-nginx.
 *
 * - Argo Rollouts v1.9.1 (argoproj/argo-rollouts rollout/trafficrouting/nginx/nginx.go, docs/features/traffic-management/nginx.md):
 *   the controller creates its own canary Ingress `<rollout>-<stableIngress>-canary` (utils/ingress GetCanaryIngressName)
 *   from the rules of `stableIngress`, copies only the ingress class, adds `additionalIngressAnnotations` and always
 *   sets `canary` and `canary-weight`. Its `SetHeaderRoute` is `return nil`: header routes are static annotations.
 * - Flagger v1.44.0 (fluxcd/flagger pkg/router/ingress.go): the canary Ingress `<ingressRef>-canary` is a copy of the
 *   ingressRef Ingress with the backend `<name>` replaced by `<name>-canary`; an A/B header becomes `canary-by-header`
 *   (+ `-value` for exact, `-pattern` for regex) and the header key `cookie` becomes `canary-by-cookie`.
 *
 * So with an engine this provider renders only the stable Ingress: the canary Ingress is the engine's.
 * @internal
 */
export class IngressNginxEngineProvider extends IngressNginxProvider {
  public readonly releaseEngines: IReleaseEngineSupport = new IngressNginxEngines();

  constructor(options: IngressNginxOptions = {}) {
    super(options);
  }

  public validate(intent: RouteIntent): void {
    const c = intent.canary;
    if (c?.engine === ReleaseEngineKind.FLAGGER && c.versionSticky) {
      new PropChecker(c.contributor.where).fail(
        'versionStickiness',
        "has no Flagger support on ingress-nginx (Flagger's Canary Release with Session Affinity runs on Istio and Gateway API only)",
        true,
        'Drop versionStickiness, use a header or cookie match (an A/B test keeps those users on the new version), or route the app with Gateway API.',
      );
    }
    super.validate(intent);
  }

  public render(intent: RouteIntent): RenderedRoute {
    // with an engine the canary Ingress is created by the engine's controller from the stable one
    return super.render(intent.canary?.engine ? { ...intent, canary: undefined } : intent);
  }
}

class IngressNginxEngines implements IReleaseEngineSupport {
  public argoRollouts(request: EngineRouteRequest): ArgoRolloutsRouting {
    const intent = request.intent;
    const c = intent.canary!;
    const header = c.matches.find((m): m is HeaderMatch | HeaderPatternMatch => m instanceof HeaderMatch || m instanceof HeaderPatternMatch);
    const cookie = c.matches.find((m): m is CookieMatch => m instanceof CookieMatch);
    const annotations: Record<string, string> = {};
    if (header) annotations['canary-by-header'] = header.name;
    if (header instanceof HeaderMatch && header.value !== undefined) annotations['canary-by-header-value'] = header.value;
    if (header instanceof HeaderPatternMatch) annotations['canary-by-header-pattern'] = header.pattern;
    if (cookie) annotations['canary-by-cookie'] = cookie.name;
    if (intent.stickiness) annotations['affinity-canary-behavior'] = c.versionSticky ? 'sticky' : 'legacy';
    const risks: RiskDescription[] = [];
    const canaryService = request.canaryServiceName;
    if (header || cookie) {
      const what = [header ? `the header ${header.name}` : undefined, cookie ? `the cookie ${cookie.name}` : undefined].filter(Boolean).join(' and ');
      risks.push({
        code: EngineRiskCode.ARGO_NGINX_HEADER_ROUTE_STATIC,
        message:
          `Argo Rollouts' setHeaderRoute steps do nothing on ingress-nginx (its nginx reconciler's SetHeaderRoute returns nil), so ${what} is written as a ` +
          `canary annotation of the canary Ingress the Rollout creates (${request.workloadName}-${intent.name}-canary): it sends matching requests to ${canaryService} from the first step to the end, ` +
          `and between releases ${canaryService} selects the stable pods.`,
        remedy: 'Expect header and cookie users on the new version for the whole release; on Gateway API the header becomes a setHeaderRoute step instead.',
      });
    }
    if (intent.stickiness && c.versionSticky && (header || cookie)) {
      // the balancer checks the affinity cookie before any canary rule (rootfs/etc/nginx/lua/balancer.lua),
      // whoever wrote the canary Ingress
      const cookieName = intent.stickiness.cookieName ?? DEFAULT_COOKIE_NAME;
      risks.push({
        code: IngressNginxRiskCode.CANARY_OVERRIDE_IGNORED_WHEN_PINNED,
        message:
          `A user already pinned to a version stays on it: a tester pinned to ${request.workloadName} who then sends ${header ? `the header ${header.name}` : `the cookie ${cookie!.name}`} still reaches ${request.workloadName}, ` +
          `because ingress-nginx checks the affinity cookie (${cookieName}) before any canary rule of the Rollout's canary Ingress.`,
        remedy: `Clear the ${cookieName} cookie (or use a fresh browser session) before testing the canary by header or cookie.`,
      });
    }
    risks.push(retired(c.contributor.where, 'Argo Rollouts'));
    return {
      trafficRouting: {
        nginx: { stableIngress: intent.name, additionalIngressAnnotations: Object.keys(annotations).length > 0 ? annotations : undefined },
      },
      afterFirstWeight: [],
      risks,
    };
  }

  public flagger(request: EngineRouteRequest): FlaggerRouting {
    const c = request.intent.canary!;
    return {
      provider: 'nginx',
      spec: { ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: request.intent.name } },
      routeTakenOver: false,
      risks: [retired(c.contributor.where, 'Flagger')],
    };
  }

  /**
   * The `canary` label of ingress-nginx's request metrics is `$proxy_alternative_upstream_name`
   * (rootfs/etc/nginx/lua/monitor.lua), set when the balancer chose the canary backend, and an upstream is named
   * `<namespace>-<service>-<port>` (internal/ingress/controller/util.go upstreamName).
   */
  public metricQueries(r: EngineMetricsRequest): EngineMetricQueries {
    const sel = `namespace="${r.namespace}",canary="${r.namespace}-${r.canaryService}-${r.port}"`;
    const w = r.window;
    return {
      successRate: `100 * sum(rate(nginx_ingress_controller_requests{${sel},status!~"5.."}[${w}])) / sum(rate(nginx_ingress_controller_requests{${sel}}[${w}]))`,
      latencyP99: `1000 * histogram_quantile(0.99, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{${sel}}[${w}])))`,
    };
  }
}

/** An engine that splits through ingress-nginx canary annotations depends on the retired controller as a GitOps canary does. */
function retired(where: string, engine: string): RiskDescription {
  return {
    code: IngressNginxRiskCode.INGRESS_NGINX_RETIRED,
    message:
      `${where} has ${engine} split traffic with ingress-nginx canary annotations; ingress-nginx was retired in March 2026 (no releases, no security fixes).`,
    remedy: `Plan the move to a Gateway API implementation: ${engine} reweights HTTPRoutes there.`,
  };
}
