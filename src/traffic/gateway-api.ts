import { ApiObject, Duration } from 'cdk8s';
import { AffinityMode, JUSTIFICATION_ANNOTATION, SameSite } from './affinity-mode';
import { CookieMatch, HeaderMatch, HeaderPatternMatch, WeightMatch } from './canary-match';
import { isDnsSubdomain, PropChecker } from '../prop-checks';
import { RiskDescription, Warnings } from '../warnings';
import { dialectName, GatewayApiCrdVersion, GatewayImplementation, ImplementationRow, RegexDialect, regexProblem } from './gateway-api-implementations';
import { BackendRef, ITrafficProvider, PathType, pathKey, ProviderRisk, RenderedRoute, RouteIntent, RouteRole } from './provider-contract';

/**
 * Options of the Gateway API provider.
 */
export interface GatewayApiOptions {
  /** Name of the parent Gateway the HTTPRoutes attach to. */
  readonly gatewayName: string;
  /**
   * Namespace of the parent Gateway.
   * @default - the route's own namespace
   */
  readonly gatewayNamespace?: string;
  /**
   * Listener of the Gateway (`parentRefs[].sectionName`).
   * @default - every listener that admits the route
   */
  readonly sectionName?: string;
  /**
   * Allow fields of the experimental channel (today: `sessionPersistence`, which a StickyIngress needs).
   * Turn it on only when the experimental CRDs are installed in the cluster.
   * @default false
   */
  readonly experimentalFields?: boolean;
  /**
   * The version cookie that keeps a user on the version the weighted rule first sent them to, when a
   * CanaryRelease asks for `versionStickiness` on a route without a StickyIngress (standard-channel fields only).
   * @default - the cookie "<route name>-version" with Max-Age 24 hours
   */
  readonly versionCookie?: GatewayVersionCookie;
  /**
   * The Gateway API implementation that runs the Gateway. When named, the library refuses what it cannot do (the
   * version cookie on NGINX Gateway Fabric or Kong, sessionPersistence where it is ignored), checks header patterns
   * in its regex dialect, and reports as implementation-specific only what its support matrix leaves open
   * (docs/migrating-to-gateway-api.md).
   * @default GatewayImplementation.unknown()
   */
  readonly implementation?: GatewayImplementation;
  /**
   * The Gateway API version of the cluster's HTTPRoute CRD, which decides the shape of `sessionPersistence`.
   * @default GatewayApiCrdVersion.V1_5
   */
  readonly crdVersion?: GatewayApiCrdVersion;
}

/**
 * The version cookie of a canary on Gateway API.
 */
export interface GatewayVersionCookie {
  /**
   * Cookie name (an RFC 6265 token).
   * @default - "<route name>-version"
   */
  readonly name?: string;
  /**
   * Max-Age of the cookie: how long a user stays on the version they were drawn for. The cookie is not renewed,
   * so after this time the user is drawn by weight again.
   * @default Duration.hours(24)
   */
  readonly maxAge?: Duration;
}

/**
 * Risks that come from Gateway API itself.
 */
export enum GatewayApiRiskCode {
  /** An experimental-channel Gateway API field (sessionPersistence): needs the experimental CRDs and may change. */
  GATEWAY_API_EXPERIMENTAL = 'GATEWAY_API_EXPERIMENTAL',
  /** A RegularExpression match, which Gateway API leaves to each implementation. */
  GATEWAY_API_IMPLEMENTATION_SPECIFIC = 'GATEWAY_API_IMPLEMENTATION_SPECIFIC',
  /** Session persistence is scoped to one route rule: a user pinned by a header rule is not pinned for the weighted rule. */
  GATEWAY_API_SESSION_PER_RULE = 'GATEWAY_API_SESSION_PER_RULE',
  /** Version stickiness by a version cookie: set by a backendRef filter (Extended, Implementation-specific) and read by a RegularExpression header match. */
  GATEWAY_API_VERSION_COOKIE = 'GATEWAY_API_VERSION_COOKIE',
}
for (const code of Object.values(GatewayApiRiskCode)) Warnings.registerRiskCode(code);

// HTTPRoutes are written for Gateway API v1.5, with fields that are identical in v1.6 (docs/migrating-to-gateway-api.md);
// with crdVersion MAIN_2026_08, sessionPersistence takes the shape of gateway-api main (sessionPersistenceOf).
// The limits below are the HTTPRoute CRD's (kubernetes-sigs/gateway-api v1.5.1 and v1.6.1, config/crd/.../httproutes.yaml;
// copies in the project's shared crds/ folder), checked before synthesis so the API server never rejects a route.

/** `spec.rules`: maxItems 16. */
const MAX_RULES = 16;
/** `headers[].name`: maxLength 256. */
const MAX_HEADER_NAME = 256;
/** `headers[].value`: maxLength 4096 (both channels, Exact and RegularExpression). */
const MAX_HEADER_VALUE = 4096;
/** `sessionPersistence.sessionName` (v1.5.1, v1.6.1): maxLength 128; `sessionPersistence.cookie.name` (main, 2026-08): maxLength 256. */
const MAX_SESSION_NAME = 128;
const MAX_COOKIE_NAME_MAIN = 256;
/** `headers[].value` (experimental channel): `^[!-~]+([\t ]?[!-~]+)*$`: visible ASCII, single inner spaces or tabs. */
const HEADER_VALUE = /^[!-~]+([\t ]?[!-~]+)*$/;
/** Durations (`absoluteTimeout`): `^([0-9]{1,5}(h|m|s|ms)){1,4}$`, so at most 99999 hours. */
const MAX_DURATION_HOURS = 99999;
/** `path.value`: maxLength 1024, and for Exact and PathPrefix the CRD's CEL rules below. */
const MAX_PATH = 1024;
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;

/** The CRD's CEL rules on Exact and PathPrefix values, each with its message. */
function pathProblem(path: string): string | undefined {
  if (path.length > MAX_PATH) return `must be at most ${MAX_PATH} characters`;
  if (path.includes('//')) return "must not contain '//'";
  if (path.includes('/./')) return "must not contain '/./'";
  if (path.includes('/../')) return "must not contain '/../'";
  if (/%2f/i.test(path)) return "must not contain '%2f' or '%2F'";
  if (path.includes('#')) return "must not contain '#'";
  if (path.endsWith('/..')) return "must not end with '/..'";
  if (path.endsWith('/.')) return "must not end with '/.'";
  if (!PATH_CHARS.test(path)) return "must only contain the characters A-Z a-z 0-9 - / . _ ~ ! $ & ' ( ) * + , ; = : @ and %-escapes";
  return undefined;
}

/** `Duration` as Gateway API writes it: up to 5 digits per unit, e.g. 604800 s -> "168h". */
export function gatewayDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

/** RFC 6265 cookie-name: an RFC 2616 token. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Max-Age of the version cookie unless `versionCookie.maxAge` says otherwise. */
const DEFAULT_VERSION_COOKIE_MAX_AGE = 24 * 3600;

/** `s` as an RE2 literal: every RE2 metacharacter escaped (RE2 syntax, github.com/google/re2/wiki/Syntax). */
function re2Literal(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/**
 * A RegularExpression for the Cookie request header that holds when the cookie `name` has exactly `value`.
 * Written so that it means the same under a full match and under an unanchored search: Envoy-based gateways
 * (Envoy Gateway, Istio) match header regexes with `re2::RE2::FullMatch` (envoyproxy/envoy
 * source/common/common/regex.h; HeaderMatcher in api/envoy/config/route/v3/route_components.proto: "the entire
 * request header value must match"); Traefik (pkg/muxer/http/matcher.go headerRegexp, re.MatchString) and NGINX
 * Gateway Fabric (httpmatches.js, RegExp test) search; so the expression is anchored with ^ and $ and
 * covers the cookies before and after. The cookie boundaries are the start of the header or "; " before the name
 * (RFC 6265 section 4.2.1: cookie-string = cookie-pair *( ";" SP cookie-pair )) and ";" or the end after the
 * value. RE2 syntax only: no lookaround, no backreference.
 */
export function cookieHeaderPattern(name: string, value: string): string {
  return `^(.*;)?\\s*${re2Literal(name)}=${re2Literal(value)}(;.*)?$`;
}

/**
 * Renders routes as Gateway API HTTPRoutes. A canary does not add a second route: it extends the
 * stable HTTPRoute with header rules ahead of a rule with weighted backendRefs (two HTTPRoutes with the
 * same match on one Gateway would conflict).
 * @internal
 */
export class GatewayApiProvider implements ITrafficProvider {
  public readonly name = 'gateway-api';

  private readonly implementation: GatewayImplementation;
  private readonly crdVersion: GatewayApiCrdVersion;

  constructor(private readonly options: GatewayApiOptions) {
    const check = new PropChecker('TrafficProvider.gatewayApi');
    const name = options?.gatewayName;
    if (typeof name !== 'string' || !isDnsSubdomain(name)) {
      check.fail(
        'gatewayName',
        'must name the parent Gateway (a lower-case DNS subdomain)',
        name,
        'Pass the Gateway your platform team runs, e.g. TrafficProvider.gatewayApi({ gatewayName: "public", gatewayNamespace: "gateways" }).',
      );
    }
    if (options.gatewayNamespace !== undefined && (typeof options.gatewayNamespace !== 'string' || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(options.gatewayNamespace))) {
      check.fail('gatewayNamespace', 'must be a namespace name (DNS label)', options.gatewayNamespace, 'Use e.g. "gateways".');
    }
    // Gateway API SectionName: a DNS subdomain ("a..b" and "a.-b" are refused by the CRD's pattern)
    if (options.sectionName !== undefined && (typeof options.sectionName !== 'string' || !isDnsSubdomain(options.sectionName))) {
      check.fail('sectionName', 'must be a listener name (DNS subdomain)', options.sectionName, 'Use e.g. "https".');
    }
    const vc = options.versionCookie;
    if (vc?.name !== undefined && (typeof vc.name !== 'string' || !COOKIE_NAME.test(vc.name) || vc.name.length > 256)) {
      check.fail('versionCookie.name', 'must be a cookie name (an RFC 6265 token, at most 256 characters)', vc.name, 'Use e.g. "shop-version".');
    }
    if (vc?.maxAge !== undefined) {
      const ms = check.durationMillis('versionCookie.maxAge', vc.maxAge, 'Use e.g. Duration.hours(24).')!;
      if (!Number.isInteger(ms / 1000) || ms < 1000) {
        check.fail('versionCookie.maxAge', 'must be a whole number of seconds, at least 1 second', `${ms}ms`, 'Use e.g. Duration.hours(24).');
      }
    }
    if (options.implementation !== undefined && !(options.implementation instanceof GatewayImplementation)) {
      check.fail('implementation', 'must be a GatewayImplementation', options.implementation, 'Pass e.g. GatewayImplementation.envoyGateway(), or leave it out for GatewayImplementation.unknown().');
    }
    if (options.crdVersion !== undefined && !Object.values(GatewayApiCrdVersion).includes(options.crdVersion)) {
      check.fail('crdVersion', 'must be a GatewayApiCrdVersion', options.crdVersion, 'Pass e.g. GatewayApiCrdVersion.V1_6, or leave it out for V1_5.');
    }
    this.implementation = options.implementation ?? GatewayImplementation.unknown();
    this.crdVersion = options.crdVersion ?? GatewayApiCrdVersion.V1_5;
  }

  /** The row of the support matrix of the implementation. */
  private get impl(): ImplementationRow {
    return this.implementation._row;
  }

  /** The version cookie of a route whose canary is version-sticky without a StickyIngress, else undefined. */
  private versionCookie(intent: RouteIntent): { name: string; maxAgeSeconds: number } | undefined {
    if (!intent.canary?.versionSticky || intent.stickiness) return undefined;
    const vc = this.options.versionCookie;
    return {
      name: vc?.name ?? `${intent.name}-version`,
      maxAgeSeconds: vc?.maxAge !== undefined ? vc.maxAge.toSeconds() : DEFAULT_VERSION_COOKIE_MAX_AGE,
    };
  }

  public routeKey(intent: RouteIntent): string {
    const o = this.options;
    return `gateway-api|${o.gatewayNamespace ?? ''}/${o.gatewayName}/${o.sectionName ?? ''}|${intent.host ?? '*'}|${pathKey(intent)}`;
  }

  public describeServiceAffinity(_intent: RouteIntent): string {
    return 'Gateway API does not say whether an implementation routes through the Service (and its sessionAffinity) or to the pod endpoints directly; check your implementation';
  }

  /**
   * The implementation reads sessionPersistence, in the CRD shape rendered; every session name fits the CRD
   * (header rule i gets "<name>-h<i>").
   */
  private validateSessionPersistence(intent: RouteIntent, check: PropChecker): void {
    const s = intent.stickiness!;
    const sp = this.impl.sessionPersistence;
    if (sp.supported === false) {
      check.fail(
        'traffic',
        `needs HTTPRoute sessionPersistence for cookie affinity, which ${this.impl.title} does not implement: ${sp.otherwise} (${sp.source})`,
        this.implementation.name,
        sp.alternative!,
      );
    }
    if (sp.shapes && !sp.shapes.includes(this.crdVersion)) {
      check.fail(
        'traffic',
        `renders sessionPersistence in the Gateway API ${this.crdVersion} shape (cookie.name), and ${this.impl.title} reads the ${sp.shapes.join('/')} shape (sessionName, cookieConfig) (${sp.source})`,
        this.crdVersion,
        "Pass crdVersion: GatewayApiCrdVersion.V1_6 to TrafficProvider.gatewayApi() until your implementation's release reads the new shape.",
      );
    }
    if (s.cookieName === undefined) return;
    const main = this.crdVersion === GatewayApiCrdVersion.MAIN_2026_08;
    const limit = main ? MAX_COOKIE_NAME_MAIN : MAX_SESSION_NAME;
    const field = main ? 'cookie.name' : 'sessionName';
    const headerRules = headerRuleCount(intent, undefined);
    if (headerRules === 0 && s.cookieName.length > limit) {
      check.fail('cookie.name', `must be at most ${limit} characters on Gateway API (${field})`, s.cookieName.length, 'Use a shorter name, e.g. "route".');
    }
    const suffix = `-h${headerRules}`;
    if (headerRules > 0 && s.cookieName.length + suffix.length > limit) {
      check.fail(
        'cookie.name',
        `must be at most ${limit - suffix.length} characters on Gateway API with the ${headerRules} header rule${headerRules === 1 ? '' : 's'} of the canary: header rule i gets the session name "<name>-h<i>" (up to "<name>${suffix}"), and ${field} holds at most ${limit} characters`,
        s.cookieName.length,
        'Use a shorter name, e.g. "route".',
      );
    }
  }

  /** A header pattern fits the CRD's headers[].value and compiles in the implementation's dialect. */
  private validateHeaderPattern(pattern: string, check: PropChecker): void {
    if (pattern.length > MAX_HEADER_VALUE) {
      check.fail('match.headerPattern', `must be at most ${MAX_HEADER_VALUE} characters on Gateway API (the HTTPRoute CRD's headers[].value)`, `${pattern.length} characters`, 'Use a shorter pattern.');
    }
    if (!HEADER_VALUE.test(pattern)) {
      check.fail(
        'match.headerPattern',
        'must be visible ASCII with single inner spaces on Gateway API (the experimental HTTPRoute CRD, which sticky routes need, enforces ^[!-~]+([\\t ]?[!-~]+)*$ on headers[].value)',
        pattern,
        'Write spaces and non-ASCII characters as escapes, e.g. \\x20 for a space.',
      );
    }
    const regex = this.impl.headerRegex;
    const problem = regexProblem(regex.dialect, pattern);
    if (problem === undefined) return;
    if (regex.dialect === RegexDialect.UNKNOWN) {
      check.fail(
        'match.headerPattern',
        `${problem}; with ${this.implementation.name === 'unknown' ? 'no implementation named' : `the regex dialect of ${this.impl.title} not established`}, a header pattern must compile in ${dialectName(regex.dialect)}`,
        pattern,
        'Fix the pattern, or name your implementation with implementation of TrafficProvider.gatewayApi() (e.g. GatewayImplementation.envoyGateway()) to check it in that dialect only.',
      );
    }
    check.fail('match.headerPattern', `${problem}: ${this.impl.title} compiles header patterns with ${dialectName(regex.dialect)} (${regex.source})`, pattern, 'Fix the pattern in that dialect.');
  }

  public validate(intent: RouteIntent): void {
    this.validatePathAndTls(intent);
    const s = intent.stickiness;
    if (s) this.validateStickiness(intent, s);
    const c = intent.canary;
    if (c) {
      const check = new PropChecker(c.contributor.where);
      const versionCookie = this.versionCookie(intent);
      this.validateCanaryMatches(c, versionCookie, check);
      this.validateCanaryRules(intent, c, versionCookie, check);
    }
  }

  /** The path (the HTTPRoute CRD's own validation) and tlsSecretName, which an HTTPRoute has no place for. */
  private validatePathAndTls(intent: RouteIntent): void {
    const where = new PropChecker(intent.contributor.where);
    if (intent.pathType !== PathType.REGULAR_EXPRESSION) {
      const problem = pathProblem(intent.path);
      if (problem) {
        where.fail('path', `${problem} on Gateway API (the HTTPRoute CRD's validation of ${intent.pathType} paths)`, intent.path, 'Fix the path; the API server would reject the HTTPRoute.');
      }
    }
    if (intent.tlsSecretName !== undefined) {
      new PropChecker(intent.contributor.where).fail(
        'tlsSecretName',
        'has no place on an HTTPRoute',
        intent.tlsSecretName,
        `With Gateway API, TLS terminates on a listener of the Gateway ${this.options.gatewayName} (certificateRefs); remove tlsSecretName.`,
      );
    }
  }

  /** Cookie affinity: sessionPersistence (experimental channel), and the cookie props it cannot carry. */
  private validateStickiness(intent: RouteIntent, s: NonNullable<RouteIntent['stickiness']>): void {
    const check = new PropChecker(s.contributor.where);
    if (!this.options.experimentalFields) {
      check.fail(
        'traffic',
        "needs HTTPRoute sessionPersistence for cookie affinity, an experimental-channel field, but 'experimentalFields' of TrafficProvider.gatewayApi() is false",
        false,
        'Install the experimental Gateway API CRDs and pass experimentalFields: true, or route without affinity.',
      );
    }
    if (s.mode === AffinityMode.BALANCED) {
      check.fail(
        'mode',
        'AffinityMode.BALANCED has no Gateway API meaning (sessionPersistence keeps a session on its backend until the session ends or the backend goes away, and never rebalances on scale-up: that is AffinityMode.PERSISTENT)',
        s.mode,
        'Use PERSISTENT (and read its risks), or stay on ingress-nginx for balanced.',
      );
    }
    const refuse = (prop: string, got: unknown, why: string) => check.fail(prop, 'has no Gateway API field', got, why);
    if (s.cookiePath !== undefined) refuse('cookie.path', s.cookiePath, 'The implementation scopes the cookie to the route; remove cookie.path.');
    if (s.cookieDomain !== undefined) refuse('cookie.domain', s.cookieDomain, 'sessionPersistence cookies are host-only; remove cookie.domain.');
    if (s.expiresSeconds !== undefined) refuse('cookie.expires', `${s.expiresSeconds}s`, 'Use cookie.maxAge: it becomes absoluteTimeout with a Permanent cookie.');
    if (s.conditionalSameSiteNone) refuse('cookie.conditionalSameSiteNone', true, "Remove it; SameSite is the implementation's.");
    if (s.sameSite !== SameSite.LAX) refuse('cookie.sameSite', s.sameSite, 'SameSite is set by the Gateway implementation; leave the default.');
    if (!s.secure) refuse('cookie.secure', false, 'Secure is set by the Gateway implementation; leave the default.');
    if (!s.changeOnFailure) refuse('cookie.changeOnFailure', false, "Re-pinning after a failed backend is the implementation's; leave the default.");
    if (s.maxAgeSeconds !== undefined && s.maxAgeSeconds / 3600 > MAX_DURATION_HOURS) {
      check.fail('cookie.maxAge', `must be at most ${MAX_DURATION_HOURS} hours on Gateway API (absoluteTimeout allows 5 digits per unit)`, `${s.maxAgeSeconds}s`, 'Use e.g. Duration.days(30).');
    }
    this.validateSessionPersistence(intent, check);
  }

  /** Each canary match: the version cookie's name, and the HTTPRoute CRD's limits on header names and values. */
  private validateCanaryMatches(c: NonNullable<RouteIntent['canary']>, versionCookie: { name: string } | undefined, check: PropChecker): void {
    for (const m of c.matches) {
      if (m instanceof CookieMatch && versionCookie && m.name === versionCookie.name) {
        check.fail(
          'match.cookie',
          `is the name of the version cookie of the route on Gateway API (${versionCookie.name}), which the weighted rule sets`,
          m.name,
          'Use another cookie name for the canary match, or name the version cookie with versionCookie.name of TrafficProvider.gatewayApi().',
        );
      }
    }
    for (const m of c.matches) {
      if ((m instanceof HeaderMatch || m instanceof HeaderPatternMatch) && m.name.length > MAX_HEADER_NAME) {
        check.fail('match.header', `must be at most ${MAX_HEADER_NAME} characters on Gateway API`, `${m.name.length} characters`, 'Use a shorter header name.');
      }
      if (m instanceof HeaderMatch && m.value !== undefined && m.value.length > MAX_HEADER_VALUE) {
        check.fail('match.header value', `must be at most ${MAX_HEADER_VALUE} characters on Gateway API (the HTTPRoute CRD's headers[].value)`, `${m.value.length} characters`, 'Use a shorter value, or a header pattern.');
      }
      if (m instanceof HeaderPatternMatch) this.validateHeaderPattern(m.pattern, check);
      if (m instanceof HeaderMatch && m.value !== undefined && !HEADER_VALUE.test(m.value)) {
        check.fail(
          'match.header value',
          'must be visible ASCII with single inner spaces on Gateway API (the experimental HTTPRoute CRD, which sticky routes need, enforces ^[!-~]+([\\t ]?[!-~]+)*$)',
          m.value,
          'Remove leading, trailing and doubled spaces and non-ASCII characters.',
        );
      }
    }
  }

  /** The canary as a whole: the rule count, one weight, and what the version cookie and versionStickiness need. */
  private validateCanaryRules(
    intent: RouteIntent,
    c: NonNullable<RouteIntent['canary']>,
    versionCookie: { name: string } | undefined,
    check: PropChecker,
  ): void {
    const s = intent.stickiness;
    const rules = 1 + headerRuleCount(intent, versionCookie);
    if (rules > MAX_RULES) {
      check.fail('match', `needs ${rules} HTTPRoute rules, and an HTTPRoute holds at most ${MAX_RULES}`, c.matches.length, 'Use fewer header matches (a header pattern can cover several values).');
    }
    if (c.matches.filter((m) => m instanceof WeightMatch).length > 1) {
      check.fail('match', 'may hold one weight match', c.matches.map((m) => m.describe()), 'Keep one CanaryMatch.weight(...).');
    }
    const filters = this.impl.backendRefFilters;
    if (versionCookie && filters.supported === false) {
      check.fail(
        'versionStickiness',
        `needs the version cookie on ${this.impl.title}, set by a ResponseHeaderModifier filter on the weighted rule's backendRefs, and ${filters.otherwise} (${filters.source})`,
        true,
        filters.alternative!,
      );
    }
    if (versionCookie && !c.matches.some((m) => m instanceof WeightMatch)) {
      check.fail(
        'versionStickiness',
        `has nothing to pin on Gateway API without a CanaryMatch.weight: only the weighted rule draws users and sets the version cookie (${versionCookie.name})`,
        true,
        'Add CanaryMatch.weight(...), or drop versionStickiness (header and cookie matches already send the same user to the same version).',
      );
    }
    if (!c.versionSticky && s) {
      check.fail(
        'versionStickiness',
        'must be true on Gateway API when the stable route is sticky (sessionPersistence covers every backend of the weighted rule, so a user always stays on the version they got)',
        false,
        'Set versionStickiness: true.',
      );
    }
  }

  public render(intent: RouteIntent): RenderedRoute {
    const risks: ProviderRisk[] = [];
    const path = { type: intent.pathType === PathType.PREFIX ? 'PathPrefix' : intent.pathType, value: intent.path };
    if (intent.pathType === PathType.REGULAR_EXPRESSION) {
      risks.push({ role: RouteRole.ROUTE, risk: implementationSpecific(intent.contributor.where, `the path ${intent.path}`) });
    }
    const s = intent.stickiness;
    const sessionPersistence = (rule?: number) => (s ? sessionPersistenceOf(intent, this.crdVersion, rule) : undefined);
    if (s) {
      risks.push({ role: RouteRole.STICKINESS, risk: experimentalRisk(s.contributor.where, this.impl) });
    }
    // a RegularExpression header match is implementation-specific unless the matrix shows the implementation's
    // support and dialect (the pattern is then checked in that dialect by validate)
    const regexKnown = this.impl.headerRegex.supported === true && this.impl.headerRegex.dialect !== RegexDialect.UNKNOWN;
    const c = intent.canary;
    const versionCookie = this.versionCookie(intent);
    const rules: unknown[] = c ? this.canaryRules(intent, c, path, versionCookie, regexKnown, sessionPersistence, risks) : [];
    const main = weightedBackendRefs(intent, versionCookie);
    if (versionCookie && !(regexKnown && this.impl.backendRefFilters.supported === true)) {
      risks.push({ role: RouteRole.CANARY, risk: versionCookieRisk(c!.contributor.where, versionCookie.name, versionCookie.maxAgeSeconds) });
    }
    if (s && rules.length > 0) {
      risks.push({
        role: RouteRole.CANARY,
        risk: sessionPerRuleRisk(intent, this.crdVersion),
      });
    }
    rules.push({ matches: [{ path }], backendRefs: main, sessionPersistence: sessionPersistence() });
    return this.routeObject(intent, rules, risks);
  }

  /** The rules ahead of the weighted rule: one or two per canary match, then two for the version cookie. */
  private canaryRules(
    intent: RouteIntent,
    c: NonNullable<RouteIntent['canary']>,
    path: unknown,
    versionCookie: { name: string } | undefined,
    regexKnown: boolean,
    sessionPersistence: (rule?: number) => unknown,
    risks: ProviderRisk[],
  ): unknown[] {
    const rules: unknown[] = [];
    const headerRule = (type: string, name: string, value: string, backend: BackendRef) =>
      rules.push({
        matches: [{ path, headers: [{ type, name, value }] }],
        backendRefs: [backendRef(backend)],
        sessionPersistence: sessionPersistence(rules.length + 1),
      });
    for (const m of c.matches) {
      if (m instanceof HeaderPatternMatch) {
        headerRule('RegularExpression', m.name, m.pattern, c.backend);
        if (!regexKnown) risks.push({ role: RouteRole.CANARY, risk: implementationSpecific(c.contributor.where, `the header pattern ${m.pattern}`) });
      } else if (m instanceof HeaderMatch && m.value !== undefined) {
        headerRule('Exact', m.name, m.value, c.backend);
      } else if (m instanceof HeaderMatch) {
        // ingress-nginx semantics of a header without a value: "always" to the canary, "never" to stable
        headerRule('Exact', m.name, 'always', c.backend);
        headerRule('Exact', m.name, 'never', intent.backend);
      } else if (m instanceof CookieMatch) {
        // the same always/never semantics for a cookie, read from the Cookie request header (HTTPRoute has no
        // cookie match; header names match case-insensitively, CRD matches[].headers[].name)
        headerRule('RegularExpression', 'Cookie', cookieHeaderPattern(m.name, 'always'), c.backend);
        headerRule('RegularExpression', 'Cookie', cookieHeaderPattern(m.name, 'never'), intent.backend);
        if (!regexKnown) risks.push({ role: RouteRole.CANARY, risk: implementationSpecific(c.contributor.where, `the Cookie header for the cookie ${m.name}`) });
      }
    }
    if (versionCookie) {
      // After every match rule (a tester's header or cookie still wins over the version a user was drawn for):
      // the rules have one header match each, so the HTTPRoute precedence ("Largest number of header matches",
      // then "the FIRST matching rule (in list order)", CRD spec.rules description) keeps them in this order,
      // all ahead of the weighted rule, which has none.
      headerRule('RegularExpression', 'Cookie', cookieHeaderPattern(versionCookie.name, canaryTrack(intent)), c.backend);
      headerRule('RegularExpression', 'Cookie', cookieHeaderPattern(versionCookie.name, stableTrack(intent)), intent.backend);
    }
    return rules;
  }

  /** The HTTPRoute attached to the Gateway, with the justification of a sticky route. */
  private routeObject(intent: RouteIntent, rules: unknown[], risks: ProviderRisk[]): RenderedRoute {
    const s = intent.stickiness;
    const c = intent.canary;
    const object = new ApiObject(intent.contributor.scope, 'Route', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: intent.name },
      spec: {
        parentRefs: [{ name: this.options.gatewayName, namespace: this.options.gatewayNamespace, sectionName: this.options.sectionName }],
        hostnames: intent.host ? [intent.host] : undefined,
        rules,
      },
    });
    if (s) {
      object.metadata.addAnnotation(JUSTIFICATION_ANNOTATION, s.justification);
    }
    const roles = [RouteRole.ROUTE, ...(s ? [RouteRole.STICKINESS] : []), ...(c ? [RouteRole.CANARY] : [])];
    return { objects: [{ object, roles }], risks };
  }
}

function backendRef(b: BackendRef, weight?: number, filters?: unknown[]) {
  return { name: b.serviceName, port: b.port, weight, filters };
}

/** The weighted rule's backendRefs: stable and canary by the weight match, or the stable backend alone. */
function weightedBackendRefs(intent: RouteIntent, versionCookie: { name: string; maxAgeSeconds: number } | undefined): unknown[] {
  const c = intent.canary;
  const weight = c?.matches.find((m): m is WeightMatch => m instanceof WeightMatch);
  // The weighted rule's backendRefs set the version cookie naming their track. `add`, not `set`: the CRD says
  // of `set` "Set overwrites the ... header (name, value)" and of `add` "It appends to any existing values
  // associated with the header name" (responseHeaderModifier, v1.5.1/v1.6.1 standard); `set` would replace the
  // app's own Set-Cookie headers (its session cookie) on that response.
  const setCookie = (track: string) =>
    versionCookie
      ? [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'Set-Cookie', value: setCookieValue(intent, versionCookie, track) }] } }]
      : undefined;
  return c && weight
    ? [
      backendRef(intent.backend, c.weightTotal - weight.percent, setCookie(stableTrack(intent))),
      backendRef(c.backend, weight.percent, setCookie(canaryTrack(intent))),
    ]
    : [backendRef(intent.backend)];
}

/**
 * The HTTPRoute rules ahead of the weighted rule: one per header value (two for always/never), two for a cookie
 * match (always and never), two for the version cookie (canary and stable).
 */
function headerRuleCount(intent: RouteIntent, versionCookie: unknown): number {
  const perMatch = (m: unknown) =>
    m instanceof HeaderPatternMatch ? 1 : m instanceof HeaderMatch ? (m.value !== undefined ? 1 : 2) : m instanceof CookieMatch ? 2 : 0;
  return (versionCookie ? 2 : 0) + (intent.canary?.matches ?? []).reduce((n, m) => n + perMatch(m), 0);
}

/**
 * The value of the version cookie for the canary: the canary Service's name, which is distinct per release (it
 * carries a hash of the release), so the cookie of a removed canary matches no rule of a later release.
 */
function canaryTrack(intent: RouteIntent): string {
  return intent.canary!.backend.serviceName;
}

/**
 * The value of the version cookie for stable, during this release: "stable." and the canary Service's name, so a
 * user drawn for stable in one release is drawn again in the next one instead of staying out of every canary.
 */
function stableTrack(intent: RouteIntent): string {
  return `stable.${intent.canary!.backend.serviceName}`;
}

/**
 * `Set-Cookie: <name>=<track>; Max-Age=<s>; Path=<path>; Secure; HttpOnly; SameSite=Lax` (RFC 6265 section 4.1).
 * The Path is the route's path, so the browser sends the cookie on the route's requests only (RFC 6265 section
 * 5.1.4 path-match: a prefix on path elements, as a Gateway API PathPrefix); "/" for a regular-expression path and
 * for a path with ";" (a cookie path-value may not hold ";").
 */
function setCookieValue(intent: RouteIntent, cookie: { name: string; maxAgeSeconds: number }, track: string): string {
  return `${cookie.name}=${track}; Max-Age=${cookie.maxAgeSeconds}; Path=${cookiePathOf(intent)}; Secure; HttpOnly; SameSite=Lax`;
}

/** The cookie Path of a route: its path without trailing slashes; "/" for a regular expression or a path with ";". */
function cookiePathOf(intent: RouteIntent): string {
  const plain = intent.pathType !== PathType.REGULAR_EXPRESSION && !intent.path.includes(';');
  return plain ? intent.path.replace(/\/+$/, '') || '/' : '/';
}

/**
 * The sessionPersistence of a rule (`rule`: the header rule's number, undefined for the weighted rule). GEP-1619:
 * session persistence is scoped to its route rule, and "Route rules referencing the same service MUST NOT share
 * persistent sessions (i.e. the same cookie)"; the CRD: "Users should avoid reusing session names". So every rule
 * gets its own session name: the weighted rule the configured one, header rule i "<name>-h<i>".
 * Shapes (HTTPRoute CRD, experimental channel): v1.5.1/v1.6.1 `sessionName`, `cookieConfig.lifetimeType`;
 * gateway-api main 2026-08 `cookie.name`, `cookie.lifetimeType`, `cookie.path` (default "/", so the route's path is
 * set: cookies of other routes on the host with the same name would otherwise overwrite each other), and `cookie`
 * is required for type Cookie (CEL "cookie must be specified for Cookie type").
 */
function sessionPersistenceOf(intent: RouteIntent, crdVersion: GatewayApiCrdVersion, rule?: number): unknown {
  const s = intent.stickiness!;
  const name = s.cookieName !== undefined && rule !== undefined ? `${s.cookieName}-h${rule}` : s.cookieName;
  const lifetimeType = s.maxAgeSeconds !== undefined ? 'Permanent' : 'Session';
  const absoluteTimeout = s.maxAgeSeconds !== undefined ? gatewayDuration(s.maxAgeSeconds) : undefined;
  if (crdVersion === GatewayApiCrdVersion.MAIN_2026_08) {
    return { type: 'Cookie', absoluteTimeout, cookie: { name, lifetimeType, path: cookiePathOf(intent) } };
  }
  return { sessionName: name, type: 'Cookie', absoluteTimeout, cookieConfig: { lifetimeType } };
}

/**
 * The support levels, from the HTTPRoute CRD descriptions (kubernetes-sigs/gateway-api v1.5.1 and v1.6.1,
 * standard channel, config/crd/standard/gateway.networking.k8s.io_httproutes.yaml; copies in the shared crds/
 * folder; the helpers' facts sheet on Gateway API, section F.5): `path.type` "Support: Core (Exact, PathPrefix)";
 * `headers[].type` "Support: Core (Exact)" / "Support: Implementation-specific (RegularExpression)";
 * `backendRefs` "Support for weight: Core"; `responseHeaderModifier` "Support: Extended"; `backendRefs[].filters`
 * "Support: Implementation-specific (For broader support of filters, use the Filters field in HTTPRouteRule.)";
 * `headers[].name` "When a header is repeated in an HTTP request, it is implementation-specific behavior as to how
 * this is represented". Regex dialects of Envoy-based gateways (RE2 full match): facts sheet section G.
 */
function versionCookieRisk(where: string, name: string, maxAgeSeconds: number): RiskDescription {
  return {
    code: GatewayApiRiskCode.GATEWAY_API_VERSION_COOKIE,
    message:
      `${where} keeps each user on the version the weighted rule drew them for with the version cookie ${name}, on standard-channel fields only ` +
      '(no sessionPersistence). Support levels (HTTPRoute CRD, Gateway API v1.5.1 and v1.6.1): the path matches, Exact header matches and ' +
      'backendRef weights are Core; the ResponseHeaderModifier filter that sets the cookie is Extended, and filters on a backendRef are ' +
      'Implementation-specific ("For broader support of filters, use the Filters field in HTTPRouteRule"); the RegularExpression match on the ' +
      'Cookie header that reads it is Implementation-specific (the regex dialect, and how a repeated header is represented). What an ' +
      'implementation does with a part it does not support is its own: NGINX Gateway Fabric (v2.6.7) treats a backendRef with filters as ' +
      'invalid and the whole weighted rule answers 500; the admission webhook of the Kong Ingress Controller (v3.5.13) rejects the HTTPRoute. ' +
      `The cookie is not renewed: it expires ${maxAgeSeconds} s (Max-Age) after the ` +
      'response that set it, then the user is drawn again; it is Secure, so a browser sends it over HTTPS only.',
    remedy:
      'Name your implementation with implementation of TrafficProvider.gatewayApi() (GatewayImplementation), so that what it cannot do is refused; ' +
      'otherwise check on your Gateway that a response of the weighted rule carries the Set-Cookie and that a request with the cookie ' +
      'stays on its version; set versionCookie.maxAge of TrafficProvider.gatewayApi() to how long a user may stay on a version.',
  };
}

/**
 * The conformance suite has no SessionPersistence feature or test up to v1.6.1 (kubernetes-sigs/gateway-api
 * pkg/features/httproute.go and conformance/tests at v1.5.1 and v1.6.1), so no conformance report shows it.
 */
function experimentalRisk(where: string, impl: ImplementationRow): RiskDescription {
  const sp = impl.sessionPersistence;
  const support =
    sp.supported === true
      ? `${impl.title} implements it (${sp.source})`
      : 'support varies by implementation (Support: Extended), and the conformance suite has no SessionPersistence feature or test up to v1.6.1, so no conformance report shows it';
  return {
    code: GatewayApiRiskCode.GATEWAY_API_EXPERIMENTAL,
    message:
      `${where} uses HTTPRoute sessionPersistence, a field of the experimental-channel CRDs only: on a cluster with the standard-channel ` +
      'HTTPRoute CRD the field is not in the schema, so the API server rejects the route (strict field validation, kubectl\'s default) or drops ' +
      `the field; ${support}; GEP-4894 lists session persistence among the features that follow-on ` +
      'GEPs may move to a Backend resource.',
    remedy:
      sp.supported === true
        ? 'Remove the need for affinity with a RedisSessionStore; until then, install the experimental CRDs.'
        : 'Remove the need for affinity with a RedisSessionStore; until then, install the experimental CRDs and name your implementation with ' +
          'implementation of TrafficProvider.gatewayApi() (GatewayImplementation), or check in its source or documentation that it reads sessionPersistence.',
  };
}

/** Session persistence per rule: a header rule's session does not hold in the weighted rule. */
function sessionPerRuleRisk(intent: RouteIntent, crdVersion: GatewayApiCrdVersion): RiskDescription {
  const path =
    crdVersion === GatewayApiCrdVersion.MAIN_2026_08
      ? ` Each rule's cookie has a name of its own and cookie.path ${cookiePathOf(intent)}: the CRD's default path "/" would send every ` +
        'cookie with every request to the host, where a rule of another HTTPRoute with the same cookie name would overwrite it.'
      : '';
  return {
    code: GatewayApiRiskCode.GATEWAY_API_SESSION_PER_RULE,
    message:
      `Session persistence holds per HTTPRoute rule (GEP-1619): a user the header rule sent to ${intent.canary!.backend.serviceName} stays there only while ` +
      'their requests keep matching that rule (they keep sending the header); a request without the header goes through the weighted rule, ' +
      `which has a session of its own and may answer from the other version.${path}`,
    remedy: 'Have testers send the header on every request, or route the canary by weight only.',
  };
}

function implementationSpecific(where: string, what: string): RiskDescription {
  return {
    code: GatewayApiRiskCode.GATEWAY_API_IMPLEMENTATION_SPECIFIC,
    message:
      `${where} matches ${what} with a RegularExpression, which Gateway API leaves implementation-specific: ` +
      "the regex dialect and its support differ between implementations (header matches: Go's regexp syntax in Envoy Gateway, Istio and " +
      "Traefik's Gateway provider, JavaScript RegExp in NGINX Gateway Fabric; see the support matrix in docs/migrating-to-gateway-api.md).",
    remedy: 'Prefer PathPrefix paths and Exact header values; if you keep the expression, test it on your Gateway implementation.',
  };
}
