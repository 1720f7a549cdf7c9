import { ApiObject } from 'cdk8s';
import { AffinityMode, JUSTIFICATION_ANNOTATION } from './affinity-mode';
import { CookieMatch, HeaderMatch, HeaderPatternMatch, WeightMatch } from './canary-match';
import { PropChecker } from '../prop-checks';
import { RiskDescription, Warnings } from '../warnings';
import { goRegexpError } from './go-regexp';
import {
  BackendRef,
  CanaryIntent,
  CookieStickiness,
  ITrafficProvider,
  PathType,
  pathKey,
  ProviderRisk,
  RenderedRoute,
  RenderedRouteObject,
  RouteIntent,
  RouteRole,
} from './provider-contract';

/**
 * Options of the Traefik provider.
 */
export interface TraefikOptions {
  /**
   * Entry points the IngressRoutes bind to (`spec.entryPoints`), e.g. `["websecure"]`.
   * @default - Traefik's default entry points: those with `asDefault: true` if any has it, else every entry point
   * except UDP ones and the internal `traefik` one (traefik/traefik v3.7.0 cmd/traefik/traefik.go getDefaultsEntrypoints)
   */
  readonly entryPoints?: string[];
}

/**
 * Risks that come from Traefik itself.
 */
export enum TraefikRiskCode {
  /** Traefik matches regular expressions with Go's regexp (RE2 syntax) and finds a match anywhere in the value unless the expression is anchored. */
  TRAEFIK_REGEX_DIALECT = 'TRAEFIK_REGEX_DIALECT',
  /** Traefik v3 has no cookie matcher: a cookie canary is a HeaderRegexp on the raw Cookie header. */
  TRAEFIK_COOKIE_MATCH_ON_HEADER = 'TRAEFIK_COOKIE_MATCH_ON_HEADER',
  /** Argo Rollouts' step-wise header routes do nothing on Traefik: the header and cookie matches are static routes instead. */
  ARGO_TRAEFIK_HEADER_ROUTE_STATIC = 'ARGO_TRAEFIK_HEADER_ROUTE_STATIC',
}
for (const code of Object.values(TraefikRiskCode)) Warnings.registerRiskCode(code);

/*
 * Sources (traefik/traefik, v3.x, read for this file):
 * - pkg/muxer/http/matcher.go: the v3 matchers are ClientIP, Method, Host, HostRegexp, Path, PathRegexp, PathPrefix,
 *   Header, HeaderRegexp, Query, QueryRegexp. `PathPrefix` is `strings.HasPrefix(routingPath, path)` (a string prefix,
 *   not path elements); `Path` is `*routingPath == path`; `Header` compares each value of the canonical header key
 *   with `==`; `PathRegexp` and `HeaderRegexp` use Go's `regexp.Compile` and `re.MatchString` (RE2 syntax, a match
 *   anywhere in the value unless anchored).
 * - pkg/muxer/http/mux.go (v3.7.9): `GetRulePriority` is `len(rule)`, a count of bytes; `AddRoute` sorts the routes of
 *   an entry point with `sort.Sort` (not stable) by priority, highest first, then by provider precedence, and
 *   `ServeHTTP` serves the first that matches: two matching routes of one provider and one priority are served in an
 *   unspecified order. pkg/server/router/router.go: a priority above `math.MaxInt - 1000` is refused.
 * - doc.traefik.io/traefik/v3.7 rules-and-priority: "To set the value of a rule, use backticks ` or escaped
 *   double-quotes \"" ... "the values are Go's String Literals".
 * - doc.traefik.io/traefik/v3.8 .../http/tls/overview: a router with a tls field "should process only TLS requests
 *   and ignore non-TLS traffic".
 * - pkg/provider/kubernetes/crd/kubernetes_http.go: a route with one Service builds a load balancer of the Service's
 *   EndpointSlice addresses (pods), not of its ClusterIP, unless `nativeLB`; a route with several services builds a
 *   weighted round robin WITHOUT sticky (only `TraefikService.spec.weighted.sticky` gives the weighted level a
 *   cookie); a weighted child of kind Service is named `<namespace>-<service>-<port>`.
 * - pkg/server/service/loadbalancer/sticky.go and wrr/wrr.go: the sticky cookie's value is the first 16 hex characters
 *   of the SHA-256 of the handler's name; a request whose cookie names a handler that is still in the healthy set goes
 *   to it, otherwise the balancer picks by weight and writes a new cookie. A handler with weight 0 is not added.
 *   pkg/server/service/service.go: a pod's handler is named by its URL (`lb.AddServer(server.URL, ...)`), so a pod
 *   cookie means the same pod in every load balancer of the Service (the stable route's and the TraefikService's).
 *   The cookie has the fields name, secure, httpOnly, sameSite, maxAge, path (default "/") and domain; no Expires.
 * - pkg/server/cookie/cookie.go: without a name, the cookie is named "_" + the first 5 hex characters of the SHA-1 of
 *   "_TRAEFIK_BACKEND_" + the service's name.
 */

/** A value as a Go string literal, as Traefik's rule syntax reads it. */
function goString(value: string): string {
  // a raw string literal cannot hold a backtick; an interpreted one (JSON's escapes are a subset of Go's) can
  return value.includes('`') ? JSON.stringify(value) : `\`${value}\``;
}

/** Escape a literal (an RFC 6265 token) for a Go regular expression. */
function regexLiteral(token: string): string {
  return token.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** A regex path (it starts with "/", checked by the constructs) anchored at the start of the path. */
function anchoredPath(path: string): string {
  return `^${path}`;
}

/** The length of a string in UTF-8 bytes, as Go's `len()` counts it (`/café` is 6). */
function byteLength(value: string): number {
  let n = 0;
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * Priorities are a scale of their own, per host tier: a route of a host (tier 2) outranks a route of a wildcard host
 * (tier 1), which outranks a route without a host (tier 0), as nginx picks an exact server_name before a wildcard one
 * and the catch-all server last (ingress-nginx writes one server per host, and the rules without a host into the
 * default server), so that a host's own routes serve it whatever the paths of the routes of every host. A tier is
 * wider than any path: a path is shorter than the object that holds it, and the API server refuses a request body
 * over 3 MiB (k8s.io/apiserver pkg/server/config.go NewConfig: `MaxRequestBodyBytes: int64(3 * 1024 * 1024)`), so
 * 6 x 3,145,728 + 6 stays below 100,000,000; the highest priority, 2 x 10^8 + that, is far below Traefik's
 * `math.MaxInt - 1000`. An IngressRoute made elsewhere with Traefik's default priority (len(rule), a few dozen) ranks
 * below every route of a host here; one without a host ranks among these by its number.
 */
const HOST_TIER = 100_000_000;

/**
 * The priority of a route, so that Traefik's order (highest first) is the Kubernetes path precedence across every
 * app of a host: "precedence will be given first to the longest matching path. If two paths are still equally
 * matched, precedence will be given to paths with an exact path type over prefix path type" (Kubernetes Ingress
 * documentation, Multiple matches; the HTTPIngressPath API reference says the same). A path is counted in bytes,
 * as Go's `len()` counts the rule Traefik would otherwise use. Within a tier, for a path of L bytes (a prefix
 * without its trailing "/", since /api and /api/ are one prefix):
 *
 *   Prefix 6L+1, its canary's routes 6L+2; RegularExpression 6L+3 and 6L+4; Exact 6L+5 and 6L+6.
 *
 * So an Exact path beats every prefix that matches the same request (such a prefix is at most as long as the
 * request path, which is the exact path), a longer prefix beats a shorter one, and a canary's routes outrank only
 * their own stable route. Two routes of one tier and one priority can only match one request when they are the same
 * path (the same route key, refused) or two regular expressions of one length: the route key of a regular
 * expression is its host and its length, so that tie is refused too, naming both constructs. A regular expression
 * ranks as a path of its length, as ingress-nginx sorts the locations of a host by path length, longest first
 * (internal/ingress/controller/controller.go getBackendServers, controller-v1.15.1); among equal lengths it ranks above a prefix and below
 * an exact path.
 */
function routePriority(intent: RouteIntent): number {
  const tier = intent.host === undefined ? 0 : intent.host.startsWith('*.') ? 1 : 2;
  const path = intent.pathType === PathType.PREFIX ? intent.path.replace(/\/+$/, '') : intent.path;
  const kind = intent.pathType === PathType.PREFIX ? 1 : intent.pathType === PathType.REGULAR_EXPRESSION ? 3 : 5;
  return tier * HOST_TIER + 6 * byteLength(path) + kind;
}

/** An entry point name as Traefik's static configuration names it: no white space, no '@'. */
const ENTRY_POINT = /^[^\s@`"]+$/;

/** The name of the version cookie of a route. */
function versionCookieName(intent: RouteIntent): string {
  return `${intent.name}-track`;
}

/**
 * Renders routes as Traefik v3 custom resources (`traefik.io/v1alpha1`): the route as an IngressRoute, cookie
 * affinity as the sticky cookie of its Service, a canary as a second IngressRoute (in the CanaryRelease) whose
 * header routes and weighted route outrank the stable route, the weights in a TraefikService. The stable
 * IngressRoute never changes during a release: adding, stepping and removing the canary touch only the canary's
 * objects.
 * @internal
 */
export class TraefikProvider implements ITrafficProvider {
  public readonly name = 'traefik';
  private readonly entryPoints?: string[];

  constructor(options: TraefikOptions = {}) {
    const check = new PropChecker('TrafficProvider.traefik');
    const eps = options?.entryPoints;
    if (eps !== undefined) {
      if (!Array.isArray(eps) || eps.length === 0 || eps.some((e) => typeof e !== 'string' || !ENTRY_POINT.test(e)) || new Set(eps).size !== eps.length) {
        check.fail(
          'entryPoints',
          'must list distinct entry point names (no white space, "@", quotes or backticks)',
          eps,
          'Name the entry points of your Traefik static configuration, e.g. ["websecure"], or leave entryPoints out for all of them.',
        );
      }
    }
    this.entryPoints = eps ? [...eps] : undefined;
  }

  public routeKey(intent: RouteIntent): string {
    // two regular expressions of one host and one length have one priority: Traefik would serve a request both
    // match in an unspecified order (mux.go AddRoute sorts with sort.Sort), so they are one key (see routePriority)
    const path = intent.pathType === PathType.REGULAR_EXPRESSION ? `regular expression of ${byteLength(intent.path)} bytes` : pathKey(intent);
    return `traefik|${this.entryPoints ? [...this.entryPoints].sort().join(',') : '*'}|${intent.host ?? '*'}|${path}`;
  }

  public describeServiceAffinity(_intent: RouteIntent): string {
    // pkg/provider/kubernetes/crd/kubernetes_http.go loadServers: EndpointSlice addresses unless nativeLB
    return "Traefik sends requests to the pod addresses of the Service's EndpointSlices directly, skipping the Service and its sessionAffinity (unless the service reference sets nativeLB: true)";
  }

  public validate(intent: RouteIntent): void {
    if (intent.pathType === PathType.REGULAR_EXPRESSION) {
      // matcher.go pathRegexp: `regexp.Compile(path)`; an error drops the router
      const problem = goRegexpError(anchoredPath(intent.path));
      if (problem) {
        new PropChecker(intent.contributor.where).fail(
          'path',
          `must compile with Go's regexp, which Traefik's PathRegexp uses (${problem}); Traefik drops a router whose rule does not build`,
          intent.path,
          'Write the expression in Go\'s RE2 syntax, e.g. "/items/[0-9]+" (no lookaround, backreferences, \\Z, \\u or \\c escapes).',
        );
      }
    }
    const s = intent.stickiness;
    if (s) this.validateStickiness(s);
    const c = intent.canary;
    if (c) this.validateCanary(intent, c);
  }

  private validateStickiness(s: CookieStickiness): void {
    const check = new PropChecker(s.contributor.where);
    if (s.mode === AffinityMode.BALANCED) {
      check.fail(
        'mode',
        "AffinityMode.BALANCED has no Traefik meaning (Traefik's sticky cookie keeps a user on their pod for as long as that pod is in the healthy set, so new pods only get new users: that is AffinityMode.PERSISTENT)",
        s.mode,
        'Use PERSISTENT (and read its risks), or remove the need for affinity with a RedisSessionStore.',
      );
    }
    if (s.expiresSeconds !== undefined) {
      check.fail('cookie.expires', 'has no Traefik field (the sticky cookie has name, secure, httpOnly, sameSite, maxAge, path and domain)', `${s.expiresSeconds}s`, 'Use cookie.maxAge.');
    }
    if (s.conditionalSameSiteNone) {
      check.fail('cookie.conditionalSameSiteNone', 'has no Traefik field (Traefik writes SameSite as configured, for every user agent)', true, 'Remove it.');
    }
    if (!s.changeOnFailure) {
      check.fail(
        'cookie.changeOnFailure',
        'cannot be false on Traefik (a user whose pod leaves the healthy set is always re-pinned to another pod)',
        false,
        'Leave the default (true).',
      );
    }
  }

  private validateCanary(intent: RouteIntent, c: CanaryIntent): void {
    const check = new PropChecker(c.contributor.where);
    if (c.matches.filter((m) => m instanceof WeightMatch).length > 1) {
      check.fail('match', 'may hold one weight match', c.matches.map((m) => m.describe()), 'Keep one CanaryMatch.weight(...).');
    }
    if (c.matches.filter((m) => m instanceof CookieMatch).length > 1) {
      check.fail('match', 'may hold one cookie match on Traefik', c.matches.map((m) => m.describe()), 'Keep one CanaryMatch.cookie(...).');
    }
    for (const m of c.matches) {
      if (m instanceof HeaderPatternMatch) {
        // matcher.go headerRegexp: `regexp.Compile(re)`; an error drops the router
        const problem = goRegexpError(m.pattern);
        if (problem) {
          check.fail(
            'match.headerPattern',
            `must compile with Go's regexp, which Traefik's HeaderRegexp uses (${problem}); Traefik drops a router whose rule does not build`,
            m.pattern,
            'Write the expression in Go\'s RE2 syntax, e.g. "^(east|west)-us$" or "(?i)^beta$" (no lookaround, backreferences, \\Z, \\u or \\c escapes).',
          );
        }
      }
    }
    const s = intent.stickiness;
    if (s && !c.versionSticky && c.matches.some((m) => m instanceof WeightMatch)) {
      check.fail(
        'versionStickiness',
        "must be true on Traefik when the stable route is sticky: without the version cookie the weighted split runs on every request, and each request it sends to the other version re-pins the user's pod cookie there",
        false,
        'Set versionStickiness: true.',
      );
    }
    if (s && s.cookieName === versionCookieName(intent)) {
      new PropChecker(s.contributor.where).fail(
        'cookie.name',
        `is the name of the version cookie of the route on Traefik (${versionCookieName(intent)})`,
        s.cookieName,
        'Name the affinity cookie differently, e.g. "route".',
      );
    }
  }

  public render(intent: RouteIntent): RenderedRoute {
    const objects: RenderedRouteObject[] = [];
    const risks: ProviderRisk[] = [];
    const s = intent.stickiness;
    const sticky = s ? { cookie: this.cookie(s, s.cookieName) } : undefined;
    // A pod cookie needs the pods as servers: with nativeLB (or the provider's nativeLBByDefault) the server is the
    // ClusterIP, and the cookie would pin every user to that one address (pkg/provider/kubernetes/crd/
    // kubernetes_http.go configBuilder.loadServers: `nativeLB := c.nativeLBByDefault; if svc.NativeLB != nil {
    // nativeLB = *svc.NativeLB }`). So a sticky reference says nativeLB: false, which wins over the default.
    const service = (b: BackendRef) => ({ kind: 'Service', name: b.serviceName, port: b.port, nativeLB: s ? false : undefined, sticky });

    const hostPath = this.hostPathRule(intent);
    // explicit priorities in Kubernetes path precedence (routePriority); the canary's routes outrank the stable route by 1
    const stablePriority = routePriority(intent);
    const stable = this.stableRoute(intent, hostPath, stablePriority, service(intent.backend));
    objects.push({ object: stable, roles: s ? [RouteRole.ROUTE, RouteRole.STICKINESS] : [RouteRole.ROUTE] });
    if (intent.pathType === PathType.REGULAR_EXPRESSION) {
      risks.push({ role: RouteRole.ROUTE, risk: regexRisk(intent.contributor.where, `the path ${intent.path} (as ${anchoredPath(intent.path)})`, anchoredPath(intent.path)) });
    }

    const c = intent.canary;
    if (!c) {
      return { objects, risks };
    }
    const canaryRoles = s ? [RouteRole.CANARY, RouteRole.STICKINESS] : [RouteRole.CANARY];
    const matchers = canaryMatchers(intent, c, service, risks);
    const weight = c.matches.find((m): m is WeightMatch => m instanceof WeightMatch);
    objects.push({ object: this.canaryRoute(intent, c, hostPath, stablePriority, matchers, weight !== undefined), roles: canaryRoles });
    if (weight) {
      objects.push({ object: this.weightedSplit(intent, c, weight, service), roles: canaryRoles });
    }
    return { objects, risks };
  }

  /** The stable IngressRoute, with the justification of a sticky route. */
  private stableRoute(intent: RouteIntent, hostPath: string, stablePriority: number, stableService: unknown): ApiObject {
    const s = intent.stickiness;
    const stable = new ApiObject(intent.contributor.scope, 'Route', {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      metadata: { name: intent.name },
      spec: {
        entryPoints: this.entryPoints,
        routes: [{ kind: 'Rule', match: hostPath, priority: stablePriority, services: [stableService] }],
        tls: this.tls(intent),
      },
    });
    if (s) stable.metadata.addAnnotation(JUSTIFICATION_ANNOTATION, s.justification);
    return stable;
  }

  /**
   * The canary's IngressRoute: a route per matcher, then (with a weight match) the route to the weighted split,
   * all one priority above the stable route.
   */
  private canaryRoute(
    intent: RouteIntent,
    c: NonNullable<RouteIntent['canary']>,
    hostPath: string,
    stablePriority: number,
    matchers: CanaryMatcher[],
    weighted: boolean,
  ): ApiObject {
    const splitName = `${intent.name}-split`;
    // The first match given wins, and the canary's routes outrank only the stable route: every canary route has the
    // priority stable + 1 and excludes the matchers before it with Traefik's NOT operator ("The NOT (!) operator
    // allows you to invert the matcher", rules-and-priority), so no two of them match one request and their order
    // among themselves does not matter. A route that Kubernetes ranks above the stable route (a longer path of the host)
    // still outranks all of them, as it outranks the stable route.
    const excluding = (i: number) => matchers.slice(0, i).map((x) => `!${x.matcher}`);
    const routes = matchers.map((x, i) => ({ match: [hostPath, x.matcher, ...excluding(i)].join(' && '), to: x.to }));
    if (weighted) {
      routes.push({ match: [hostPath, ...excluding(matchers.length)].join(' && '), to: { kind: 'TraefikService', name: splitName } });
    }
    return new ApiObject(c.contributor.scope, 'Route', {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      metadata: { name: c.name },
      spec: {
        entryPoints: this.entryPoints,
        routes: routes.map((r) => ({ kind: 'Rule', match: r.match, priority: stablePriority + 1, services: [r.to] })),
        // same TLS as the stable route: a router without tls would only ever see plain-HTTP requests
        tls: this.tls(intent),
      },
    });
  }

  /** The TraefikService that splits the weighted route between the versions, with the version cookie. */
  private weightedSplit(intent: RouteIntent, c: NonNullable<RouteIntent['canary']>, weight: WeightMatch, service: (b: BackendRef) => object): ApiObject {
    const s = intent.stickiness;
    const splitName = `${intent.name}-split`;
    return new ApiObject(c.contributor.scope, 'Split', {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'TraefikService',
      metadata: { name: splitName },
      spec: {
        weighted: {
          services: [
            { ...service(intent.backend), weight: c.weightTotal - weight.percent },
            { ...service(c.backend), weight: weight.percent },
          ],
          // the version cookie: its value names the weighted child (the version), so the user stays on the version
          // while each version still load-balances its own pods (or keeps its own pod cookie with a StickyIngress)
          sticky: c.versionSticky ? { cookie: this.cookie(s, versionCookieName(intent)) } : undefined,
        },
      },
    });
  }

  /** `Host(...) && <path>`, with Kubernetes path semantics. */
  private hostPathRule(intent: RouteIntent): string {
    let path: string;
    if (intent.pathType === PathType.EXACT) {
      path = `Path(${goString(intent.path)})`;
    } else if (intent.pathType === PathType.REGULAR_EXPRESSION) {
      // anchored at the start, as ingress-nginx writes a regex path (`location ~* "^<path>"`,
      // kubernetes.github.io/ingress-nginx/user-guide/ingress-path-matching/); Go's MatchString alone would find
      // the expression anywhere in the path
      path = `PathRegexp(${goString(anchoredPath(intent.path))})`;
    } else {
      // a Kubernetes prefix matches whole path elements (/api matches /api and /api/v1, not /apiv1); Traefik's
      // PathPrefix is a string prefix, so the element boundary is written out
      const prefix = intent.path.replace(/\/+$/, '');
      path = prefix === '' ? 'PathPrefix(`/`)' : `(Path(${goString(prefix)}) || PathPrefix(${goString(`${prefix}/`)}))`;
    }
    if (!intent.host) return path;
    return `${this.hostMatcher(intent.host)} && ${path}`;
  }

  /**
   * `Host(...)`, or for a wildcard host a HostRegexp that means what the Ingress host means. Before v3.7.0 the Host
   * matcher compares the whole name (`strings.EqualFold`, pkg/muxer/http/matcher.go `host`, v3.6.x), so
   * Host(`*.example.com`) matched no request; v3.7.0 added wildcards (commit ea92a3e1 "Add wildcard host in Host and
   * HostSNI matchers", pkg/muxer/muxer.go DomainMatchHostExpression: the first label is replaced by "*"). HostRegexp
   * matches the canonical host (lower case, without the port: pkg/middlewares/requestdecorator) on every v3, and
   * `[^.]+` is one label, as a Kubernetes wildcard host matches exactly one label ("*.foo.com" matches
   * "bar.foo.com", not "baz.bar.foo.com" or "foo.com"); `\.?` accepts the trailing dot that Host accepts too.
   */
  private hostMatcher(host: string): string {
    if (!host.startsWith('*.')) return `Host(${goString(host)})`;
    return `HostRegexp(${goString(`^[^.]+\\.${regexLiteral(host.slice(2))}\\.?$`)})`;
  }

  private tls(intent: RouteIntent): { secretName: string } | undefined {
    return intent.tlsSecretName !== undefined ? { secretName: intent.tlsSecretName } : undefined;
  }

  /** Traefik's sticky cookie; the version cookie takes the affinity cookie's attributes when the route has one. */
  private cookie(s: CookieStickiness | undefined, name: string | undefined) {
    return {
      name,
      // the cookie is a routing token that no script needs (the intent has no HttpOnly choice to make)
      httpOnly: true,
      secure: s?.secure ?? true,
      sameSite: s?.sameSite ?? 'Lax',
      maxAge: s?.maxAgeSeconds,
      path: s?.cookiePath,
      domain: s?.cookieDomain,
    };
  }
}

function regexRisk(where: string, what: string, pattern: string): RiskDescription {
  const anchored = pattern.startsWith('^') && pattern.endsWith('$');
  return {
    code: TraefikRiskCode.TRAEFIK_REGEX_DIALECT,
    message:
      `${where} matches ${what} with Go's regexp on Traefik (RE2 syntax: no lookaround or backreferences, case-sensitive unless (?i))` +
      (anchored ? '.' : ', which finds a match anywhere in the value: the expression is not anchored at both ends (^...$), so values that merely contain a match also match.'),
    remedy: 'Anchor the expression with ^ and $, and test it with Go\'s regexp before the release.',
  };
}

function cookieMatchRisk(where: string, name: string): RiskDescription {
  return {
    code: TraefikRiskCode.TRAEFIK_COOKIE_MATCH_ON_HEADER,
    message:
      `${where} matches the cookie ${name} with a HeaderRegexp on the Cookie header (Traefik v3 has no cookie matcher): ` +
      `the rule sees the raw header, so a request that carries ${name} twice (set for two paths or domains) reaches the canary if any of them is "always".`,
    remedy: `Set ${name} for one path and domain only, or use CanaryMatch.header(...).`,
  };
}

/** A canary route's one matcher (Header, HeaderRegexp, or a HeaderRegexp on Cookie) and the service it sends to. */
interface CanaryMatcher {
  readonly matcher: string;
  readonly to: unknown;
}

/** The matchers of the canary's routes, in the order of its matches, and the risks of the regexes among them. */
function canaryMatchers(
  intent: RouteIntent,
  c: NonNullable<RouteIntent['canary']>,
  service: (b: BackendRef) => object,
  risks: ProviderRisk[],
): CanaryMatcher[] {
  // each canary route: one matcher (Header, HeaderRegexp, or a HeaderRegexp on Cookie) and the service it sends to
  const matchers: CanaryMatcher[] = [];
  for (const m of c.matches) {
    if (m instanceof HeaderPatternMatch) {
      matchers.push({ matcher: `HeaderRegexp(${goString(m.name)}, ${goString(m.pattern)})`, to: service(c.backend) });
      risks.push({ role: RouteRole.CANARY, risk: regexRisk(c.contributor.where, `the header pattern ${m.pattern}`, m.pattern) });
    } else if (m instanceof HeaderMatch && m.value !== undefined) {
      matchers.push({ matcher: `Header(${goString(m.name)}, ${goString(m.value)})`, to: service(c.backend) });
    } else if (m instanceof HeaderMatch) {
      // ingress-nginx semantics of a header without a value: "always" to the canary, "never" to stable
      matchers.push({ matcher: `Header(${goString(m.name)}, \`always\`)`, to: service(c.backend) });
      matchers.push({ matcher: `Header(${goString(m.name)}, \`never\`)`, to: service(intent.backend) });
    } else if (m instanceof CookieMatch) {
      // no cookie matcher in v3: the cookie pair, bounded by the start of the header or "; " and by ";" or the end
      // (RFC 6265 section 4.2.1: cookie-string = cookie-pair *( ";" SP cookie-pair ))
      const pair = (value: string) => `(^|;\\s*)${regexLiteral(m.name)}=${value}(;|$)`;
      matchers.push({ matcher: `HeaderRegexp(\`Cookie\`, ${goString(pair('always'))})`, to: service(c.backend) });
      matchers.push({ matcher: `HeaderRegexp(\`Cookie\`, ${goString(pair('never'))})`, to: service(intent.backend) });
      risks.push({ role: RouteRole.CANARY, risk: cookieMatchRisk(c.contributor.where, m.name) });
    }
  }
  return matchers;
}
