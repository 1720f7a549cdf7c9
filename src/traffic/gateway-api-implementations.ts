import { goRegexpProblem, javaScriptRegExpProblem } from './regex-dialects';

/**
 * Options of NGINX Gateway Fabric.
 */
export interface NginxGatewayFabricOptions {
  /**
   * The data plane is NGINX Plus (NGINX Gateway Fabric's `plus` feature flag): sessionPersistence needs it.
   * @default false
   */
  readonly nginxPlus?: boolean;
}

/**
 * The shape of `sessionPersistence` the cluster's HTTPRoute CRD has.
 */
export enum GatewayApiCrdVersion {
  /** Gateway API v1.5: `sessionName` and `cookieConfig.lifetimeType`. */
  V1_5 = 'v1.5',
  /** Gateway API v1.6: the same shape as v1.5. */
  V1_6 = 'v1.6',
  /**
   * gateway-api main as of August 2026, the shape the next release will carry (GEP-1619): `cookie.name`,
   * `cookie.lifetimeType` and `cookie.path` (default "/"); `cookie` is required when the type is Cookie.
   */
  MAIN_2026_08 = 'main-2026-08',
}

/** The regex dialect of an implementation's header matches. */
export enum RegexDialect {
  /** Go's regexp.Compile (RE2 syntax as Go parses it). */
  GO = 'go',
  /** JavaScript RegExp. */
  JAVASCRIPT = 'javascript',
  /** Not established from the implementation's source: only patterns valid in every dialect above. */
  UNKNOWN = 'unknown',
}

/** One cell of the support matrix: supported (true/false) or not established (undefined), and where that is read. */
interface Cell {
  readonly supported: boolean | undefined;
  /** What happens when it is used anyway (for a refusal). */
  readonly otherwise?: string;
  /** What to do instead (the fix of the refusal). */
  readonly alternative?: string;
  /** The source the cell is read from: repository or report file, tag, file and function. */
  readonly source: string;
}

/** A row of the support matrix. */
export interface ImplementationRow {
  /** For messages: "NGINX Gateway Fabric v2.6.7". */
  readonly title: string;
  /** ResponseHeaderModifier on a weighted backendRef (the version cookie). */
  readonly backendRefFilters: Cell;
  /** RegularExpression header match and the dialect it is compiled in. */
  readonly headerRegex: Cell & { readonly dialect: RegexDialect };
  /** sessionPersistence of type Cookie on an HTTPRoute rule, and the CRD shape the implementation reads. */
  readonly sessionPersistence: Cell & { readonly shapes?: GatewayApiCrdVersion[] };
}

const UNKNOWN_ROW: ImplementationRow = {
  title: 'an unnamed Gateway implementation',
  backendRefFilters: { supported: undefined, source: 'implementation not named' },
  headerRegex: { supported: undefined, dialect: RegexDialect.UNKNOWN, source: 'implementation not named' },
  sessionPersistence: { supported: undefined, source: 'implementation not named' },
};

// Every cell below is read from the implementation's source at the tag named in its title, or from a conformance
// report in kubernetes-sigs/gateway-api (conformance/reports/...). The conformance suite has no SessionPersistence
// feature or test up to v1.6.1 (pkg/features/httproute.go at v1.5.1 and v1.6.1), so no report speaks for it; and
// no conformance test puts a ResponseHeaderModifier on a backendRef (the weighted-backend filter test,
// conformance/tests/httproute-request-header-modifier-backend-weights.yaml, feature
// HTTPRouteBackendRequestHeaderModification, uses RequestHeaderModifier).

const ENVOY_GATEWAY: ImplementationRow = {
  title: 'Envoy Gateway v1.9.0',
  backendRefFilters: {
    supported: true,
    // envoyproxy/gateway v1.9.0 internal/gatewayapi/route.go: processDestinationFilters runs ProcessHTTPFilters on a
    // backendRef's filters, applyHTTPFiltersContextToDestinationFilters keeps AddResponseHeaders per destination;
    // internal/gatewayapi/filters.go processResponseHeaderModifierFilter: `add` is Append: true, which
    // internal/xds/translator/route.go buildXdsAddedHeaders writes as APPEND_IF_EXISTS_OR_ADD (the app's Set-Cookie stays);
    // report conformance/reports/v1.6/envoy-gateway/experimental-v1.9.0-default-report.yaml (Gateway API v1.6.1):
    // HTTPRouteBackendRequestHeaderModification and HTTPRouteResponseHeaderModification supported.
    source: 'envoyproxy/gateway v1.9.0 internal/gatewayapi/route.go processDestinationFilters',
  },
  headerRegex: {
    supported: true,
    dialect: RegexDialect.GO,
    // internal/gatewayapi/route.go (HeaderMatchRegularExpression): regex.Validate, then ir.StringMatch SafeRegex;
    // internal/utils/regex/regex.go Validate: Go regexp.Compile; internal/xds/translator/route.go
    // buildXdsStringMatcher: Envoy StringMatcher SafeRegex (RE2).
    source: 'envoyproxy/gateway v1.9.0 internal/utils/regex/regex.go Validate (Go regexp.Compile), then Envoy SafeRegex',
  },
  sessionPersistence: {
    supported: true,
    shapes: [GatewayApiCrdVersion.V1_5, GatewayApiCrdVersion.V1_6],
    // internal/gatewayapi/route.go (rule.SessionPersistence): reads SessionName, Type, AbsoluteTimeout and
    // CookieConfig.LifetimeType, the v1.6 fields (go.mod: sigs.k8s.io/gateway-api v1.6.1), into an Envoy cookie.
    source: 'envoyproxy/gateway v1.9.0 internal/gatewayapi/route.go (rule.SessionPersistence: SessionName, CookieConfig; go.mod gateway-api v1.6.1)',
  },
};

const ISTIO: ImplementationRow = {
  title: 'Istio 1.30.3',
  backendRefFilters: {
    supported: true,
    // istio/istio 1.30.3 pilot/pkg/config/kube/gateway/conversion.go: for each backendRef's Filters,
    // HTTPRouteFilterResponseHeaderModifier becomes HTTPRouteDestination.Headers.Response;
    // report conformance/reports/v1.5/istio-istio/1.30.0-default-report.yaml (v1.5.1): both features supported.
    source: 'istio/istio 1.30.3 pilot/pkg/config/kube/gateway/conversion.go (backendRef Filters: ResponseHeaderModifier)',
  },
  headerRegex: {
    supported: true,
    dialect: RegexDialect.GO,
    // conversion.go: HeaderMatchRegularExpression -> istio StringMatch_Regex (not compiled by the conversion);
    // pilot/pkg/networking/core/route/route.go -> Envoy SafeRegex, RE2. (Istio's own VirtualService validation,
    // pkg/config/validation/validation.go validateStringRegexp, compiles with Go's regexp: "Istio uses RE2 style
    // regex-based match".) The library checks with Go's regexp syntax: a pattern Go refuses is refused here even
    // where Envoy's RE2 would take it.
    source: 'istio/istio 1.30.3 pilot/pkg/config/kube/gateway/conversion.go (StringMatch_Regex), then Envoy SafeRegex (RE2)',
  },
  sessionPersistence: {
    supported: false,
    // No Go source of 1.30.3 reads an HTTPRoute rule's SessionPersistence; pilot/pkg/config/kube/gateway/
    // backend_policies.go reports BackendLBPolicy's sessionPersistence as unsupported (TODO istio/istio#55839).
    otherwise: 'Istio ignores the field, so no request is sticky',
    alternative: 'Remove the need for affinity with a RedisSessionStore, or route this app with a provider that has cookie affinity (TrafficProvider.ingressNginx() or TrafficProvider.traefik()).',
    source: 'istio/istio 1.30.3 (no reader of HTTPRoute rule SessionPersistence; backend_policies.go: "unsupported", istio#55839)',
  },
};

const CILIUM: ImplementationRow = {
  title: 'Cilium v1.20.0',
  backendRefFilters: {
    supported: undefined,
    // The cilium/cilium snapshot could not be fetched (larger than the tool's limit). Report
    // conformance/reports/v1.6/cilium/experimental-v1.20.0-default-report.yaml (v1.6.1): HTTPRouteBackendRequest-
    // HeaderModification and HTTPRouteResponseHeaderModification supported; no test covers ResponseHeaderModifier
    // on a backendRef.
    source: 'gateway-api conformance/reports/v1.6/cilium/experimental-v1.20.0-default-report.yaml (RequestHeaderModifier on backendRefs only)',
  },
  headerRegex: { supported: undefined, dialect: RegexDialect.UNKNOWN, source: 'not established (cilium/cilium source not fetched)' },
  sessionPersistence: { supported: undefined, source: 'not established (cilium/cilium source not fetched; no conformance feature)' },
};

const TRAEFIK: ImplementationRow = {
  title: 'Traefik v3.7.9 (Kubernetes Gateway provider)',
  backendRefFilters: {
    supported: true,
    // traefik/traefik v3.7.9 pkg/provider/kubernetes/gateway/httproute.go loadService: loadMiddlewares(backendRef.
    // Filters), createResponseHeaderModifier; pkg/middlewares/gatewayapi/headermodifier/response_header_modifier.go:
    // `add` is res.Header.Add. Report conformance/reports/v1.6/traefik-traefik/experimental-v3.7.10-default-report.yaml.
    source: 'traefik/traefik v3.7.9 pkg/provider/kubernetes/gateway/httproute.go loadService (loadMiddlewares on backendRef.Filters)',
  },
  headerRegex: {
    supported: true,
    dialect: RegexDialect.GO,
    // httproute.go: HeaderMatchRegularExpression -> HeaderRegexp(name, value); pkg/muxer/http/matcher.go headerRegexp:
    // regexp.Compile (Go), re.MatchString on each value of the header (a search, not a full match).
    source: 'traefik/traefik v3.7.9 pkg/muxer/http/matcher.go headerRegexp (Go regexp.Compile)',
  },
  sessionPersistence: {
    supported: false,
    // No reference to SessionPersistence in pkg/provider/kubernetes/gateway at v3.7.9.
    otherwise: "Traefik's Gateway provider ignores the field, so no request is sticky",
    alternative: "Route this app with TrafficProvider.traefik() (Traefik's IngressRoute with a sticky cookie), or remove the need for affinity with a RedisSessionStore.",
    source: 'traefik/traefik v3.7.9 pkg/provider/kubernetes/gateway (no reader of SessionPersistence)',
  },
};

const NGF_BACKEND_REF_FILTERS: Cell = {
  supported: false,
  // nginx/nginx-gateway-fabric v2.6.7 internal/controller/state/graph/backend_refs.go validateRouteBackendRef: a
  // backendRef with filters is invalid (field.TooMany(filters, n, 0)); internal/controller/nginx/config/
  // split_clients.go getSplitClientValue: an invalid backend is "invalid-backend-ref"; upstreams.go
  // createInvalidBackendRefUpstream: that upstream answers 500. Report conformance/reports/v1.6/
  // nginx-nginx-gateway-fabric/experimental-2.7.0-pre-release-default-report.yaml: HTTPRouteBackendRequestHeader-
  // Modification unsupported.
  otherwise:
    'NGINX Gateway Fabric treats a backendRef with filters as invalid and sends it to an upstream that answers 500; ' +
    'every backendRef of the weighted rule carries the filter, so the whole weighted rule answers 500',
  alternative:
    'Drop versionStickiness (users are then drawn by weight on every request), or add a StickyIngress to the stable app with ' +
    'GatewayImplementation.nginxGatewayFabric({ nginxPlus: true }) (its sessionPersistence keeps a user on the version they got).',
  source: 'nginx/nginx-gateway-fabric v2.6.7 internal/controller/state/graph/backend_refs.go validateRouteBackendRef',
};

const NGF_HEADER_REGEX: ImplementationRow['headerRegex'] = {
  supported: true,
  dialect: RegexDialect.JAVASCRIPT,
  // internal/controller/nginx/modules/src/httpmatches.js (njs): `new RegExp(matchValue).test(v)` on each
  // comma-separated value of the header (a search, not a full match).
  source: 'nginx/nginx-gateway-fabric v2.6.7 internal/controller/nginx/modules/src/httpmatches.js (njs new RegExp)',
};

const NGF_PLUS: ImplementationRow = {
  title: 'NGINX Gateway Fabric v2.6.7 with NGINX Plus',
  backendRefFilters: NGF_BACKEND_REF_FILTERS,
  headerRegex: NGF_HEADER_REGEX,
  sessionPersistence: {
    supported: true,
    shapes: [GatewayApiCrdVersion.V1_5, GatewayApiCrdVersion.V1_6],
    // internal/controller/state/graph/route_common.go processSessionPersistenceConfig: reads SessionName and
    // CookieConfig.LifetimeType (go.mod: sigs.k8s.io/gateway-api v1.5.1); httproute.go: only with the Plus and
    // experimental feature flags.
    source: 'nginx/nginx-gateway-fabric v2.6.7 internal/controller/state/graph/route_common.go processSessionPersistenceConfig',
  },
};

const NGF_OSS: ImplementationRow = {
  title: 'NGINX Gateway Fabric v2.6.7 without NGINX Plus',
  backendRefFilters: NGF_BACKEND_REF_FILTERS,
  headerRegex: NGF_HEADER_REGEX,
  sessionPersistence: {
    supported: false,
    // internal/controller/state/graph/httproute.go (rule validation): !featureFlags.Plus -> field.Forbidden with
    // route_common.go spErrMsg "SessionPersistence is only supported with NGINX Plus and when experimental features
    // are enabled. This configuration will be ignored." and "OSS users can use `ip_hash` load balancing method via
    // the UpstreamSettingsPolicy for session affinity."
    otherwise: 'NGINX Gateway Fabric ignores the field without NGINX Plus ("This configuration will be ignored"), so no request is sticky',
    alternative:
      'Pass GatewayImplementation.nginxGatewayFabric({ nginxPlus: true }) if the data plane is NGINX Plus; otherwise remove the need for affinity ' +
      'with a RedisSessionStore (NGINX Gateway Fabric offers client-IP affinity, ip_hash, through an UpstreamSettingsPolicy, which this library does not render).',
    source: 'nginx/nginx-gateway-fabric v2.6.7 internal/controller/state/graph/httproute.go (!featureFlags.Plus: Forbidden)',
  },
};

const KONG: ImplementationRow = {
  title: 'Kong Ingress Controller v3.5.13',
  backendRefFilters: {
    supported: false,
    // Kong/kubernetes-ingress-controller v3.5.13 internal/admission/validation/gateway/httproute.go
    // validateHTTPRouteFeatures: "rules[%d].backendRefs[%d]: filters in backendRef is unsupported". Report
    // conformance/reports/v1.6/kong-operator/experimental-v2.3.0-rc.3-expressions-standard-report.yaml:
    // HTTPRouteBackendRequestHeaderModification unsupported.
    otherwise: "Kong's admission webhook rejects an HTTPRoute with filters on a backendRef (\"filters in backendRef is unsupported\")",
    alternative: 'Drop versionStickiness (users are then drawn by weight on every request), or send testers to the canary with CanaryMatch.header or CanaryMatch.cookie, which need no filter.',
    source: 'Kong/kubernetes-ingress-controller v3.5.13 internal/admission/validation/gateway/httproute.go validateHTTPRouteFeatures',
  },
  headerRegex: {
    supported: true,
    dialect: RegexDialect.UNKNOWN,
    // internal/dataplane/translator/subtranslator/httproute.go convertGatewayMatchHeadersToKongRouteMatchHeaders:
    // "~*" + value (traditional router); httproute_atc.go: the ATC `~` operator (expressions router). The pattern is
    // compiled by Kong Gateway, whose source is not among those read here: dialect not established.
    source: 'Kong/kubernetes-ingress-controller v3.5.13 subtranslator/httproute.go ("~*" + value, compiled by Kong Gateway)',
  },
  sessionPersistence: {
    supported: false,
    // No Go source of v3.5.13 (outside tests) reads SessionPersistence.
    otherwise: 'the Kong Ingress Controller ignores the field, so no request is sticky',
    alternative: 'Remove the need for affinity with a RedisSessionStore, or route this app with a provider that has cookie affinity (TrafficProvider.ingressNginx() or TrafficProvider.traefik()).',
    source: 'Kong/kubernetes-ingress-controller v3.5.13 (no reader of SessionPersistence)',
  },
};

const KGATEWAY: ImplementationRow = {
  title: 'kgateway v2.4.0-rc.1',
  backendRefFilters: {
    supported: undefined,
    // The kgateway-dev/kgateway snapshot ends at v2.0.0-beta1 (February 2025), older than any release with a report.
    // Report conformance/reports/v1.6/kgateway/v2.4.0-rc.1-report.yaml (v1.6.1): HTTPRouteBackendRequestHeader-
    // Modification and HTTPRouteResponseHeaderModification supported; no test covers ResponseHeaderModifier on a
    // backendRef.
    source: 'gateway-api conformance/reports/v1.6/kgateway/v2.4.0-rc.1-report.yaml (RequestHeaderModifier on backendRefs only)',
  },
  headerRegex: { supported: undefined, dialect: RegexDialect.UNKNOWN, source: 'not established (no kgateway release source fetched)' },
  sessionPersistence: { supported: undefined, source: 'not established (no kgateway release source fetched; no conformance feature)' },
};

/**
 * The Gateway API implementation that runs the Gateway: what the library may rely on, refuse or must warn about
 * (the support matrix, docs/migrating-to-gateway-api.md).
 */
export class GatewayImplementation {
  /** Not named: every feature beyond Core is reported as implementation-specific (the default). */
  public static unknown(): GatewayImplementation {
    return new GatewayImplementation('unknown', UNKNOWN_ROW);
  }

  /** Envoy Gateway (matrix read at v1.9.0). */
  public static envoyGateway(): GatewayImplementation {
    return new GatewayImplementation('envoy-gateway', ENVOY_GATEWAY);
  }

  /** Istio (matrix read at 1.30.3). */
  public static istio(): GatewayImplementation {
    return new GatewayImplementation('istio', ISTIO);
  }

  /** Cilium (conformance report v1.20.0; source not read: most cells unknown). */
  public static cilium(): GatewayImplementation {
    return new GatewayImplementation('cilium', CILIUM);
  }

  /** Traefik's Kubernetes Gateway provider (matrix read at v3.7.9); for Traefik's own CRDs use TrafficProvider.traefik(). */
  public static traefik(): GatewayImplementation {
    return new GatewayImplementation('traefik', TRAEFIK);
  }

  /** NGINX Gateway Fabric (matrix read at v2.6.7). */
  public static nginxGatewayFabric(options: NginxGatewayFabricOptions = {}): GatewayImplementation {
    return options?.nginxPlus === true
      ? new GatewayImplementation('nginx-gateway-fabric-plus', NGF_PLUS)
      : new GatewayImplementation('nginx-gateway-fabric', NGF_OSS);
  }

  /** Kong Ingress Controller (matrix read at v3.5.13). */
  public static kong(): GatewayImplementation {
    return new GatewayImplementation('kong', KONG);
  }

  /** kgateway (conformance report v2.4.0-rc.1; source not read: most cells unknown). */
  public static kgateway(): GatewayImplementation {
    return new GatewayImplementation('kgateway', KGATEWAY);
  }

  /**
   * @param name short name, e.g. "nginx-gateway-fabric"
   * @param _row the row of the support matrix
   */
  private constructor(
    /** Short name of the implementation, e.g. "nginx-gateway-fabric". */
    public readonly name: string,
    /** @internal */
    public readonly _row: ImplementationRow,
  ) {}
}

/** Why `pattern` does not compile in `dialect` (unknown: in every dialect of the matrix), or undefined. */
export function regexProblem(dialect: RegexDialect, pattern: string): string | undefined {
  if (dialect === RegexDialect.GO) return goRegexpProblem(pattern);
  if (dialect === RegexDialect.JAVASCRIPT) return javaScriptRegExpProblem(pattern);
  return javaScriptRegExpProblem(pattern) ?? goRegexpProblem(pattern);
}

/** The dialect names for messages. */
export function dialectName(dialect: RegexDialect): string {
  switch (dialect) {
    case RegexDialect.GO:
      return "Go's regexp (RE2 syntax)";
    case RegexDialect.JAVASCRIPT:
      return 'JavaScript RegExp';
    default:
      return "both Go's regexp (RE2 syntax) and JavaScript RegExp, the dialects of the implementations whose source was read";
  }
}

/** The support matrix, for the migration guide's table and its test. */
export const SUPPORT_MATRIX: ReadonlyArray<readonly [string, ImplementationRow]> = [
  ['GatewayImplementation.envoyGateway()', ENVOY_GATEWAY],
  ['GatewayImplementation.istio()', ISTIO],
  ['GatewayImplementation.cilium()', CILIUM],
  ['GatewayImplementation.traefik()', TRAEFIK],
  ['GatewayImplementation.nginxGatewayFabric()', NGF_OSS],
  ['GatewayImplementation.nginxGatewayFabric({ nginxPlus: true })', NGF_PLUS],
  ['GatewayImplementation.kong()', KONG],
  ['GatewayImplementation.kgateway()', KGATEWAY],
];

/** The support matrix as a Markdown table (the migration guide carries it; a test keeps the two equal). */
export function supportMatrixMarkdown(): string {
  const cell = (c: Cell, yes: string): string => {
    const head = c.supported === true ? yes : c.supported === false ? `no: ${c.otherwise}` : 'unknown (reported as implementation-specific)';
    return `${head}<br>_${c.source}_`;
  };
  const rows = SUPPORT_MATRIX.map(([factory, r]) => {
    const dialect = r.headerRegex.dialect === RegexDialect.UNKNOWN ? 'dialect unknown' : dialectName(r.headerRegex.dialect);
    const shapes = r.sessionPersistence.shapes ? `yes, the ${r.sessionPersistence.shapes.join('/')} shape` : 'yes';
    return `| ${r.title}<br>\`${factory}\` | ${cell(r.backendRefFilters, 'yes')} | ${cell(r.headerRegex, `yes (${dialect})`)} | ${cell(r.sessionPersistence, shapes)} |`;
  });
  return [
    '| implementation | filter on a backendRef (the version cookie) | RegularExpression header match | sessionPersistence (cookie) |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}
