import { PropChecker } from '../prop-checks';
import { CanaryMatch, CookieMatch, HeaderMatch, HeaderPatternMatch } from './canary-match';
import { EngineRiskCode, NO_PRUNE_ANNOTATIONS } from './engine-risks';
import { GatewayApiOptions, GatewayApiProvider } from './gateway-api';
import {
  ArgoRolloutsRouting,
  CanaryIntent,
  EngineMetricQueries,
  EngineMetricsRequest,
  EngineRouteRequest,
  FlaggerRouting,
  IReleaseEngineSupport,
  PathType,
  ReleaseEngineKind,
  RenderedRoute,
  RouteIntent,
  RouteRole,
} from './provider-contract';

/**
 * The name of the managed header rule of Argo Rollouts' Gateway API plugin
 * (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi docs/features/header-based-routing.md).
 */
const HEADER_ROUTE = 'canary-header';
const ARGO_PLUGIN = 'argoproj-labs/gatewayAPI';

/**
 * The engine part of the Gateway API provider.
 *
 * - Argo Rollouts v1.9.1 with the Gateway API plugin (plugin docs/quick-start.md, docs/features/header-based-routing.md):
 *   the app's HTTPRoute has a rule with both Services as backendRefs (stable 100, canary 0) and the plugin rewrites
 *   their weights; `setHeaderRoute` steps add the rule named in `managedRoutes` (with `useHeaderRoutes: true`) and
 *   remove it at the end.
 * - Flagger v1.44.0 (fluxcd/flagger pkg/router/gateway_api.go): Flagger generates the HTTPRoute `<name>` itself from
 *   `service.hosts`, `service.gatewayRefs` and `service.match` (mapRouteMatches: a `uri` prefix, exact or regex
 *   becomes the path match; without one the path is the prefix "/"), so this provider renders no HTTPRoute for it.
 * @internal
 */
export class GatewayApiEngineProvider extends GatewayApiProvider {
  public readonly releaseEngines: IReleaseEngineSupport;

  constructor(options: GatewayApiOptions) {
    super(options);
    this.releaseEngines = new GatewayApiEngines(options);
  }

  public validate(intent: RouteIntent): void {
    const c = intent.canary;
    if (c?.engine) validateEngineCanary(intent, c);
    super.validate(intent);
  }

  public render(intent: RouteIntent): RenderedRoute {
    const c = intent.canary;
    if (c?.engine === ReleaseEngineKind.FLAGGER) {
      if (!c.engineAdopting) return { objects: [], risks: [] };
      // the commit that adopts Flagger keeps the HTTPRoute <app>, which Flagger takes over (gateway_api.go Reconcile
      // Gets the HTTPRoute named like the apex and replaces its spec) once the primary is ready
      const rendered = super.render({ ...intent, canary: undefined });
      for (const { object } of rendered.objects) {
        for (const [key, value] of Object.entries(NO_PRUNE_ANNOTATIONS)) object.metadata.addAnnotation(key, value);
      }
      return rendered;
    }
    if (c?.engine === ReleaseEngineKind.ARGO_ROLLOUTS) {
      // both backends on the weighted rule for the plugin to reweight; a header match becomes a managed rule at run time
      const header = c.matches.find((m): m is HeaderMatch | HeaderPatternMatch => m instanceof HeaderMatch || m instanceof HeaderPatternMatch);
      const rendered = super.render({ ...intent, canary: { ...c, matches: [CanaryMatch.weight(0)], weightTotal: 100 } });
      const risk = {
        code: EngineRiskCode.ENGINE_REWRITES_RENDERED_FIELDS,
        message:
          `Argo Rollouts' Gateway API plugin rewrites the backendRefs weights of HTTPRoute ${intent.name} at every step` +
          (header ? ` and adds the rule ${HEADER_ROUTE} for the header ${header.name} during the release` : '') +
          ': a GitOps sync that re-applies the rendered weights (100 / 0) moves all traffic back to stable in the middle of a release.',
        // the plugin names its header rules from v0.13.0 on (pkg/plugin/httproute.go setHTTPHeaderRoute: `Name:
        // &managedName`; v0.12.0 kept them unnamed in a ConfigMap), and from v0.15.0 one per source rule: <name>,
        // <name>-1, <name>-2 (pkg/plugin/plugin.go isManagedRuleName)
        remedy:
          'Make your GitOps tool ignore those fields, e.g. Argo CD ignoreDifferences on HTTPRoute with jqPathExpressions .spec.rules[].backendRefs[].weight' +
          (header
            ? ` and .spec.rules[] | select((.name // "") | test("^${HEADER_ROUTE}(-[0-9]+)?$")) (the plugin names its header rules from v0.13.0 on; ` +
              'a rule name needs the Gateway API v1.4.0 standard CRDs or the experimental channel)'
            : '') +
          '.',
      };
      return { objects: rendered.objects, risks: [...rendered.risks, { role: RouteRole.CANARY, risk }] };
    }
    return super.render(intent);
  }
}

/** What Argo Rollouts and Flagger cannot do on Gateway API, with the engine's reason. */
function validateEngineCanary(intent: RouteIntent, c: CanaryIntent): void {
  const check = new PropChecker(c.contributor.where);
  const cookie = c.matches.find((m) => m instanceof CookieMatch);
  if (cookie) {
    check.fail('match', 'has no Gateway API equivalent for a cookie match (HTTPRoute matches headers, not cookies)', cookie.describe(), 'Use CanaryMatch.header(...) instead.');
  }
  if (c.engine === ReleaseEngineKind.ARGO_ROLLOUTS) {
    const bare = c.matches.find((m): m is HeaderMatch => m instanceof HeaderMatch && m.value === undefined);
    if (bare) {
      check.fail(
        'match',
        "needs a header value with Argo Rollouts on Gateway API (a setHeaderRoute matches a value; the always/never convention is ingress-nginx's)",
        bare.describe(),
        `Use CanaryMatch.header("${bare.name}", "<value>").`,
      );
    }
    return;
  }
  if (intent.stickiness) {
    check.fail(
      'stable',
      `is routed by a sticky HTTPRoute (${intent.stickiness.contributor.where}), but Flagger generates the HTTPRoute ${intent.name} itself, without sessionPersistence, so the affinity would be lost`,
      intent.name,
      "Remove the StickyIngress and set versionStickiness: true (Flagger's sessionAffinity cookie keeps each user on the version they got).",
    );
  }
  if (intent.host === undefined) {
    check.fail('stable', 'needs a host: Flagger generates the HTTPRoute from service.hosts', intent.host, 'Give the StatelessWebApp a host.');
  }
}

class GatewayApiEngines implements IReleaseEngineSupport {
  constructor(private readonly options: GatewayApiOptions) {}

  public argoRollouts(request: EngineRouteRequest): ArgoRolloutsRouting {
    const intent = request.intent;
    const header = intent.canary!.matches.find((m): m is HeaderMatch | HeaderPatternMatch =>
      m instanceof HeaderMatch || m instanceof HeaderPatternMatch);
    const headerValue = header instanceof HeaderPatternMatch ? { regex: header.pattern } : { exact: header?.value };
    return {
      trafficRouting: {
        managedRoutes: header ? [{ name: HEADER_ROUTE }] : undefined,
        plugins: { [ARGO_PLUGIN]: { httpRoutes: [{ name: intent.name, useHeaderRoutes: header ? true : undefined }] } },
      },
      afterFirstWeight: header ? [{ setHeaderRoute: { name: HEADER_ROUTE, match: [{ headerName: header.name, headerValue }] } }] : [],
      risks: [],
    };
  }

  public flagger(request: EngineRouteRequest): FlaggerRouting {
    const intent = request.intent;
    const o = this.options;
    return {
      provider: 'gatewayapi:v1',
      service: {
        hosts: [intent.host!],
        gatewayRefs: [{ name: o.gatewayName, namespace: o.gatewayNamespace, sectionName: o.sectionName }],
        match: flaggerUriMatch(intent),
      },
      routeTakenOver: true,
      risks: [],
    };
  }

  /**
   * Gateway API has no common metric names; these assume Contour's Envoy metrics, the implementation of Flagger's
   * Gateway API tutorial (fluxcd/flagger docs/gitbook/tutorials/gatewayapi-progressive-delivery.md), whose cluster
   * names are `<namespace>_<service>_<port>...`. Other implementations: pass successRateQuery and latencyP99Query.
   */
  public metricQueries(r: EngineMetricsRequest): EngineMetricQueries {
    const sel = `envoy_cluster_name=~"${r.namespace}_${r.canaryService}_[0-9a-zA-Z-]+"`;
    const w = r.window;
    return {
      successRate: `100 * sum(rate(envoy_cluster_upstream_rq{${sel},envoy_response_code!~"5.*"}[${w}])) / sum(rate(envoy_cluster_upstream_rq{${sel}}[${w}]))`,
      latencyP99: `histogram_quantile(0.99, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{${sel}}[${w}])))`,
    };
  }
}

/**
 * The route's path as Flagger's `service.match` (an Istio HTTPMatchRequest `uri`), which pkg/router/gateway_api.go
 * mapRouteMatches turns into the HTTPRoute's path match; none for the prefix "/", Flagger's default.
 */
function flaggerUriMatch(intent: RouteIntent): any[] | undefined {
  if (intent.pathType === PathType.PREFIX && intent.path === '/') return undefined;
  const key = intent.pathType === PathType.EXACT ? 'exact' : intent.pathType === PathType.REGULAR_EXPRESSION ? 'regex' : 'prefix';
  return [{ uri: { [key]: intent.path } }];
}
