import { ApiObject, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AffinityMode, JUSTIFICATION_ANNOTATION } from './affinity-mode';
import { CanaryMatch, CookieMatch, HeaderMatch, HeaderPatternMatch, WeightMatch } from './canary-match';
import { PropChecker } from '../prop-checks';
import { RiskDescription, Warnings } from '../warnings';
import {
  BackendRef,
  CanaryIntent,
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
 * Options of the ingress-nginx provider.
 */
export interface IngressNginxOptions {
  /**
   * Ingress class of the routes.
   * @default "nginx"
   */
  readonly ingressClassName?: string;
  /**
   * Cookie-affinity attributes only ingress-nginx has, for every sticky route of this provider.
   * @default - no Expires, SameSite=None sent to every user agent, re-pin on failure
   */
  readonly stickyCookie?: IngressNginxCookieOptions;
}

/**
 * The attributes of the ingress-nginx affinity cookie that other controllers do not have
 * (`session-cookie-expires`, `session-cookie-conditional-samesite-none`, `session-cookie-change-on-failure`).
 */
export interface IngressNginxCookieOptions {
  /**
   * Expires, for browsers that ignore Max-Age: whole seconds, at least 1.
   * @default - none
   */
  readonly expires?: Duration;
  /**
   * With `SameSite.NONE` on the StickyIngress cookie: omit the attribute for user agents that mishandle it.
   * @default false
   */
  readonly conditionalSameSiteNone?: boolean;
  /**
   * When a request to the pinned pod fails, pin the user to the pod that answered instead.
   * @default true
   */
  readonly changeOnFailure?: boolean;
}

/**
 * Risks that come from ingress-nginx itself.
 */
export enum IngressNginxRiskCode {
  /** ingress-nginx was retired in March 2026: no releases, no security fixes. */
  INGRESS_NGINX_RETIRED = 'INGRESS_NGINX_RETIRED',
  /** A user already pinned to a version by the affinity cookie is not moved by a canary header or cookie. */
  CANARY_OVERRIDE_IGNORED_WHEN_PINNED = 'CANARY_OVERRIDE_IGNORED_WHEN_PINNED',
  /** With version stickiness a user who reached the canary by header or cookie is pinned to it and stays without them. */
  INGRESS_NGINX_CANARY_KEEPS_OVERRIDE_USERS = 'INGRESS_NGINX_CANARY_KEEPS_OVERRIDE_USERS',
  /** `affinity-canary-behavior: legacy`: the canary only ever sees users who have not reached stable yet. */
  INGRESS_NGINX_CANARY_FIRST_REQUESTS_ONLY = 'INGRESS_NGINX_CANARY_FIRST_REQUESTS_ONLY',
  /** use-regex makes every path of the host a case-insensitive regular expression. */
  INGRESS_NGINX_REGEX_PATH = 'INGRESS_NGINX_REGEX_PATH',
  /** canary-by-header-pattern is searched anywhere in the value, not matched against all of it. */
  INGRESS_NGINX_PATTERN_UNANCHORED = 'INGRESS_NGINX_PATTERN_UNANCHORED',
  /** In balanced mode a canary user's cookie is not replaced when the canary is removed: no version pin until it expires. */
  INGRESS_NGINX_BALANCED_ROLLBACK_KEEPS_COOKIE = 'INGRESS_NGINX_BALANCED_ROLLBACK_KEEPS_COOKIE',
}
for (const code of Object.values(IngressNginxRiskCode)) Warnings.registerRiskCode(code);

/** The annotation prefix of ingress-nginx. */
export const NGINX_ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io/';
const NGINX = NGINX_ANNOTATION_PREFIX;

/**
 * The cookie name ingress-nginx uses when `session-cookie-name` is not set or invalid (written out explicitly):
 * `defaultAffinityCookieName` in internal/ingress/annotations/sessionaffinity/main.go (kubernetes/ingress-nginx).
 */
export const DEFAULT_COOKIE_NAME = 'INGRESSCOOKIE';

/*
 * What ingress-nginx accepts in annotation values. kubernetes/ingress-nginx
 * internal/ingress/annotations/parser/validators.go at controller-v1.15.1:
 *
 *   alphaNumericChars = `\-\.\_\~a-zA-Z0-9\/:`
 *   regexEnabledChars = regexp.QuoteMeta(`^$[](){}*+?|&=\`)
 *   urlEnabledChars   = regexp.QuoteMeta(`,:?&=`)   (the comma since controller-v1.12.0, commit d4c49112 "Annotations:
 *                                                  Allow commas in URLs", also in v1.11.3 and v1.10.5)
 *   IsValidRegex    = "^[/" + alphaNumericChars + regexEnabledChars + "]*$"
 *   URLIsValidRegex = "^[" + alphaNumericChars + urlEnabledChars + "]*$"
 *   BasicCharsRegex = "^[/" + alphaNumericChars + "]*$"
 *
 * A value that fails is not an error: the canary and sessionaffinity parsers (canary/main.go,
 * sessionaffinity/main.go) log it and use an empty value or the default instead, so the Ingress is accepted and
 * silently misroutes. These sets are therefore refused here, before synthesis.
 */
/**
 * BasicCharsRegex: canary-by-header, canary-by-header-value, canary-by-cookie, session-cookie-name, session-cookie-domain.
 * Their validators are `ValidateRegex(BasicCharsRegex, true)` (canary/main.go, sessionaffinity/main.go): the value is
 * checked with every space removed, then used with only its leading and trailing white space trimmed
 * (parser/main.go parseString, normalizeString: strings.TrimSpace per line). So "beta tester" is accepted and used as
 * it is; a value of spaces only is trimmed to "", which parseString refuses.
 */
export const BASIC_CHARS = /^[-._~a-zA-Z0-9/:]+$/;
/** IsValidRegex: canary-by-header-pattern (spaces are not stripped for it). */
export const REGEX_VALUE_CHARS = /^[-._~a-zA-Z0-9/:^$[\](){}*+?|&=\\]+$/;
/** URLIsValidRegex: session-cookie-path. */
export const URL_CHARS = /^[-._~a-zA-Z0-9/:,?&=]+$/;
/**
 * Header names: nginx's defaults in ingress-nginx are `underscores_in_headers off` and `ignore_invalid_headers on`
 * (internal/ingress/controller/config/config.go: EnableUnderscoresInHeaders false, IgnoreInvalidHeaders true;
 * rootfs/etc/nginx/template/nginx.tmpl), so a request header whose name has "_" or "." is dropped, and the balancer
 * reads the header through `ngx.var["http_" .. name with "-" as "_"]` (rootfs/etc/nginx/lua/balancer.lua). Only
 * letters, digits and "-" reach the canary rule as written.
 */
const HEADER_NAME = /^[A-Za-z0-9-]+$/;
/** A cookie name both RFC 6265 and BasicCharsRegex accept ("/" and ":" are cookie separators). */
const COOKIE_NAME = /^[-._~a-zA-Z0-9]+$/;
/**
 * strict-validate-path-type (on by default: config.go `StrictValidatePathType: true`) checks Exact and Prefix paths
 * at the admission webhook (controller.go CheckIngress -> inspector.ValidatePathType), which rejects the Ingress
 * ("path ... cannot be used with pathType Prefix"). At controller-v1.15.1 the rule is
 * internal/ingress/inspector/rules.go `validPathType = regexp.MustCompile(`(?i)^/[[:alnum:]._\-/]*$`)`: "." is
 * accepted (commit 618aae18 "Ingresses: Allow `.` in `Exact` and `Prefix` paths", first in controller-v1.14.0, also in
 * v1.13.2 and v1.12.6; earlier releases refuse `/v1.0` and `/.well-known/acme-challenge`). RE2's [[:alnum:]] is ASCII only.
 */
const STRICT_PATH = /^\/[A-Za-z0-9._\-/]*$/;

/**
 * What the API server refuses in an Exact or Prefix Ingress path: kubernetes/kubernetes
 * pkg/apis/networking/validation/validation.go validateHTTPIngressPath, `invalidPathSequences = []string{"//", "/./",
 * "/../", "%2f", "%2F"}` ("must not contain") and `invalidPathSuffixes = []string{"/..", "/."}` ("cannot end with").
 */
function apiServerPathProblem(path: string): string | undefined {
  for (const seq of ['//', '/./', '/../', '%2f', '%2F']) if (path.includes(seq)) return `must not contain '${seq}'`;
  for (const suffix of ['/..', '/.']) if (path.endsWith(suffix)) return `cannot end with '${suffix}'`;
  return undefined;
}

/**
 * How ingress-nginx reads each annotation this library renders or imports: the value its parser keeps, and what
 * it does when the annotation is absent or its validator refuses the value (the parser logs and carries on as if
 * it were absent). The provider writes these keys; ingress-nginx-reader.ts reads existing Ingresses through this
 * table alone (for `cdk8s-stateless import` and `cdk8s-stateless audit`). kubernetes/ingress-nginx at controller-v1.15.1:
 * - internal/ingress/annotations/sessionaffinity/main.go `sessionAffinityAnnotations` (validators), `Parse` and
 *   `cookieAffinityParse` (defaults); internal/ingress/annotations/canary/main.go `CanaryAnnotations` and `Parse`;
 *   internal/ingress/annotations/rewrite/main.go (use-regex, a bool).
 * - internal/ingress/annotations/parser/validators.go: `ValidateOptions(options, caseSensitive, trimSpace)`,
 *   `ValidateRegex(regex, removeSpace)` (spaces removed before the check only), `ValidateBool` (Go's
 *   strconv.ParseBool), `ValidateInt` (strconv.Atoi); parser/main.go `parseString` trims each line of the value.
 * - pkg/apis/ingress/types.go `CookieSessionAffinity`: `secure` and `change_on_failure` are `omitempty` booleans,
 *   so "false" and absent are the same; rootfs/etc/nginx/lua/balancer/sticky.lua: a cookie without `secure` is
 *   Secure only on HTTPS requests, without `samesite` it has no SameSite attribute, and `change_on_failure` absent
 *   keeps the pin after a failed attempt; balancer.lua picks `sticky_persistent` only for mode "persistent".
 * - controller.go `mergeAlternativeBackend`: `affinity-canary-behavior` is read from the canary Ingress; any value
 *   but "legacy" copies the stable route's affinity to the canary.
 * @internal
 */
export interface NginxAnnotationRule {
  /** `affinity` (sessionaffinity parser), `canary` (canary parser) or `route` (rewrite parser). */
  readonly group: string;
  /** The value as ingress-nginx keeps it, or undefined when it ignores it (with `why`). */
  readonly read: (raw: string) => { value?: string; ignored?: string };
  /** The effective value when the annotation is absent or ignored (undefined: no such setting). */
  readonly absent?: string;
}

const GO_BOOL: { [raw: string]: string } = { 1: 'true', t: 'true', T: 'true', TRUE: 'true', true: 'true', True: 'true', 0: 'false', f: 'false', F: 'false', FALSE: 'false', false: 'false', False: 'false' };
const goBool = (raw: string) => (raw in GO_BOOL ? { value: GO_BOOL[raw] } : { ignored: 'not a Go boolean (strconv.ParseBool)' });
const goInt = (raw: string) => (/^[+-]?[0-9]+$/.test(raw) ? { value: String(Number(raw)) } : { ignored: 'not an integer (strconv.Atoi)' });
const oneOf = (list: string[], caseSensitive: boolean) => (raw: string) => {
  const s = caseSensitive ? raw.trim() : raw.trim().toLowerCase();
  return list.includes(s) ? { value: s } : { ignored: `not one of ${list.join(', ')}` };
};
const chars = (re: RegExp, removeSpace: boolean, what: string) => (raw: string) => {
  const s = removeSpace ? raw.replace(/ /g, '') : raw;
  return s !== '' && re.test(s) ? { value: raw.trim() } : { ignored: `uses characters outside ${what}` };
};
/** sessionaffinity/main.go `affinityCookieExpiresRegex` = `(^0|-?[1-9]\d*$)` (unanchored alternatives, as written). */
const EXPIRES = /(^0|-?[1-9]\d*$)/;

const RULES = {
  'affinity': { group: 'affinity', read: oneOf(['cookie'], true) },
  'affinity-mode': { group: 'affinity', read: oneOf(['balanced', 'persistent'], true), absent: 'balanced' },
  'affinity-canary-behavior': { group: 'affinity', read: oneOf(['sticky', 'legacy'], true), absent: 'sticky' },
  'session-cookie-name': { group: 'affinity', read: chars(BASIC_CHARS, true, 'letters, digits and "-._~/:"'), absent: DEFAULT_COOKIE_NAME },
  'session-cookie-path': { group: 'affinity', read: chars(URL_CHARS, true, 'letters, digits and "-._~/:,?&="') },
  'session-cookie-domain': { group: 'affinity', read: chars(BASIC_CHARS, true, 'letters, digits and "-._~/:"') },
  'session-cookie-samesite': { group: 'affinity', read: oneOf(['none', 'lax', 'strict'], false) },
  'session-cookie-conditional-samesite-none': { group: 'affinity', read: goBool, absent: 'false' },
  'session-cookie-max-age': { group: 'affinity', read: chars(EXPIRES, false, 'an integer number of seconds') },
  'session-cookie-expires': { group: 'affinity', read: chars(EXPIRES, true, 'an integer number of seconds') },
  'session-cookie-secure': { group: 'affinity', read: goBool, absent: 'false' },
  'session-cookie-change-on-failure': { group: 'affinity', read: goBool, absent: 'false' },
  'canary': { group: 'canary', read: goBool, absent: 'false' },
  'canary-weight': { group: 'canary', read: goInt, absent: '0' },
  'canary-weight-total': { group: 'canary', read: goInt, absent: '100' },
  'canary-by-header': { group: 'canary', read: chars(BASIC_CHARS, true, 'letters, digits and "-._~/:"') },
  'canary-by-header-value': { group: 'canary', read: chars(BASIC_CHARS, true, 'letters, digits and "-._~/:"') },
  'canary-by-header-pattern': { group: 'canary', read: chars(REGEX_VALUE_CHARS, false, 'letters, digits, "-._~/:" and "^$[](){}*+?|&=\\"') },
  'canary-by-cookie': { group: 'canary', read: chars(BASIC_CHARS, true, 'letters, digits and "-._~/:"') },
  'use-regex': { group: 'route', read: goBool, absent: 'false' },
} satisfies { [name: string]: NginxAnnotationRule };

/** The name (after the prefix) of an annotation of NGINX_ANNOTATION_RULES: a misspelt name does not compile. @internal */
export type NginxAnnotationName = keyof typeof RULES;

/** Every affinity, canary and path annotation ingress-nginx reads, by name after `nginx.ingress.kubernetes.io/`. @internal */
export const NGINX_ANNOTATION_RULES: { [name: string]: NginxAnnotationRule } = RULES;

/**
 * Renders routes as ingress-nginx Ingress objects: the route as an Ingress, cookie affinity as
 * `nginx.ingress.kubernetes.io/affinity*` and `session-cookie-*` annotations on it, a canary as a second
 * Ingress with `canary*` annotations for the same host and path.
 *
 * Every annotation name is spelled as in ingress-nginx's annotation parsers
 * (internal/ingress/annotations/sessionaffinity and canary); all values are strings.
 * @internal
 */
export class IngressNginxProvider implements ITrafficProvider {
  public readonly name = 'ingress-nginx';
  private readonly ingressClassName: string;

  constructor(options: IngressNginxOptions = {}) {
    const check = new PropChecker('TrafficProvider.ingressNginx');
    check.objectName('ingressClassName', options?.ingressClassName, 'nginx');
    this.ingressClassName = options?.ingressClassName ?? 'nginx';
  }

  public routeKey(intent: RouteIntent): string {
    return `ingress-nginx|${this.ingressClassName}|${intent.host ?? '*'}|${pathKey(intent)}`;
  }

  public describeServiceAffinity(_intent: RouteIntent): string {
    return 'ingress-nginx sends requests to the pod endpoints directly, skipping the Service and its sessionAffinity (unless the Ingress sets service-upstream: "true")';
  }

  public validate(intent: RouteIntent): void {
    const where = new PropChecker(intent.contributor.where);
    const refused = intent.pathType !== PathType.REGULAR_EXPRESSION ? apiServerPathProblem(intent.path) : undefined;
    if (refused) {
      where.fail(
        'path',
        `${refused} for pathType ${intent.pathType} (the API server refuses such an Ingress path)`,
        intent.path,
        'Write the path without empty, "." or ".." segments and without an encoded "/", e.g. "/api/".',
      );
    }
    if (intent.pathType !== PathType.REGULAR_EXPRESSION && !STRICT_PATH.test(intent.path)) {
      where.fail(
        'path',
        `must use only letters, digits, ".", "_", "-" and "/" for pathType ${intent.pathType} on ingress-nginx (its admission webhook rejects other characters under the default strict-validate-path-type)`,
        intent.path,
        'Use a path of those characters; for a regular expression set pathType: PathType.REGULAR_EXPRESSION.',
      );
    }
    if (intent.pathType === PathType.REGULAR_EXPRESSION) {
      compiles(where, 'path', intent.path, '"/items/[0-9]+"');
    }
    const s = intent.stickiness;
    if (s) {
      const check = new PropChecker(s.contributor.where);
      const refuse = (prop: string, value: string, set: string, annotation: string, fallback: string) =>
        check.fail(prop, `must use only ${set} with ingress-nginx`, value, `The controller ignores any other value of ${annotation} and ${fallback}.`);
      if (s.cookieName !== undefined && !COOKIE_NAME.test(s.cookieName)) {
        refuse('cookie.name', s.cookieName, 'letters, digits, ".", "_", "~" or "-"', 'session-cookie-name', `falls back to its default cookie ${DEFAULT_COOKIE_NAME}; rename the cookie, e.g. "route"`);
      }
      if (s.cookieDomain !== undefined && !BASIC_CHARS.test(s.cookieDomain)) {
        refuse('cookie.domain', s.cookieDomain, 'letters, digits, ".", "_", "~" or "-"', 'session-cookie-domain', 'sets no Domain; pass a bare domain such as ".example.com"');
      }
      if (s.cookiePath !== undefined && !URL_CHARS.test(s.cookiePath)) {
        refuse(
          'cookie.path',
          s.cookiePath,
          'letters, digits and "-._~/:,?&="',
          'session-cookie-path',
          'uses the location path instead (for a regular-expression route, the expression itself); use a path of those characters',
        );
      }
      if (intent.pathType === PathType.REGULAR_EXPRESSION && s.cookiePath === undefined) {
        check.fail(
          'cookie.path',
          `is required when 'path' is a regular expression (${intent.path}): ingress-nginx sets the cookie's Path to the location, which would be the expression itself`,
          s.cookiePath,
          'Set cookie.path to the literal prefix the expression matches, e.g. "/helloworld/".',
        );
      }
    }
    if (intent.canary) {
      this.validateCanary(intent, intent.canary);
    }
  }

  private validateCanary(intent: RouteIntent, c: CanaryIntent): void {
    const check = new PropChecker(c.contributor.where);
    if (c.weightTotal < 100) {
      // balancer.lua: `local weightTotal = 100; if ...weightTotal > 100 then weightTotal = ...weightTotal end`
      check.fail('weightTotal', 'must be at least 100 with ingress-nginx (it ignores a smaller total and divides by 100)', c.weightTotal, 'Use 100 for 1% steps, 1000 for 0.1% steps.');
    }
    const kinds = c.matches.map((m) => slot(m));
    for (const kind of ['header', 'cookie', 'weight']) {
      if (kinds.filter((k) => k === kind).length > 1) {
        check.fail(
          'match',
          `may hold one ${kind === 'header' ? 'header match (exact or pattern)' : `${kind} match`} with ingress-nginx`,
          c.matches.map((m) => m.describe()),
          'An ingress-nginx canary has one header, one cookie and one weight annotation; combine different kinds, not two of one kind.',
        );
      }
    }
    const refuse = (prop: string, value: string, set: string, annotation: string, fallback: string) =>
      check.fail(prop, `must use only ${set} with ingress-nginx`, value, `The controller ignores any other value of ${annotation} and ${fallback}.`);
    for (const m of c.matches) {
      if (m instanceof HeaderMatch || m instanceof HeaderPatternMatch) {
        if (!HEADER_NAME.test(m.name)) {
          check.fail(
            'match.header',
            'must use only letters, digits and "-" with ingress-nginx (nginx drops request headers whose names contain "_" or "." by default, and reads the rest with "-" as "_")',
            m.name,
            'Rename the header, e.g. "x-canary".',
          );
        }
      }
      if (m instanceof HeaderMatch && m.value !== undefined && !BASIC_CHARS.test(m.value.replace(/ /g, ''))) {
        refuse(
          'match.header value',
          m.value,
          'letters, digits, spaces and "-._~/:"',
          'canary-by-header-value',
          'treats the header as always/never; use such a value, or CanaryMatch.headerPattern',
        );
      }
      if (m instanceof HeaderPatternMatch) {
        if (!REGEX_VALUE_CHARS.test(m.pattern)) {
          refuse(
            'match.headerPattern',
            m.pattern,
            'letters, digits, "-._~/:" and "^$[](){}*+?|&=\\" (no spaces, commas, "!" or "<>")',
            'canary-by-header-pattern',
            'treats the header as always/never; write e.g. "[0-9][0-9]" for "\\d{2}"',
          );
        }
        // the balancer matches with ngx.re.match (PCRE); an expression that does not compile never matches
        compiles(check, 'match.headerPattern', pcreAsJavaScript(m.pattern), '"^(east|west)-us$"', m.pattern);
      }
      if (m instanceof CookieMatch && !COOKIE_NAME.test(m.name)) {
        refuse('match.cookie', m.name, 'letters, digits, ".", "_", "~" or "-"', 'canary-by-cookie', 'disables the cookie rule; rename the cookie, e.g. "canary"');
      }
    }
    if (c.versionSticky && !intent.stickiness) {
      check.fail(
        'versionStickiness',
        `needs cookie affinity on the stable route with ingress-nginx (affinity-canary-behavior: sticky keeps a user on a version through the stable route's affinity cookie), and the route ${intent.name} is not sticky`,
        true,
        'Route the stable app with a StickyIngress (create it before the CanaryRelease), or drop versionStickiness.',
      );
    }
  }

  public render(intent: RouteIntent): RenderedRoute {
    const objects: RenderedRouteObject[] = [];
    const risks: ProviderRisk[] = [];
    const stable = this.ingress(intent.contributor.scope, 'Route', intent, intent.name, intent.backend, intent.tlsSecretName);
    objects.push({ object: stable, roles: intent.stickiness ? [RouteRole.ROUTE, RouteRole.STICKINESS] : [RouteRole.ROUTE] });

    if (intent.pathType === PathType.REGULAR_EXPRESSION) {
      risks.push(this.regexPathRisk(intent));
    }
    const s = intent.stickiness;
    if (s) {
      this.renderStickiness(stable, s, risks);
    }

    const c = intent.canary;
    if (c) {
      this.renderCanary(intent, c, objects, risks);
    }
    return { objects, risks };
  }

  /** What use-regex does to every path of the host. */
  private regexPathRisk(intent: RouteIntent): ProviderRisk {
    return {
      role: RouteRole.ROUTE,
      risk: {
        code: IngressNginxRiskCode.INGRESS_NGINX_REGEX_PATH,
        message:
          `${intent.contributor.where} routes the regular expression ${intent.path} with use-regex: ingress-nginx then writes every path of the host ` +
          `${intent.host ?? '(every host)'}, from every Ingress, as a case-insensitive expression anchored at the start only (~* "^<path>", ` +
          'template.go enforceRegexModifier and buildLocation), so a literal path elsewhere on the host changes meaning ("." matches any character).',
        remedy: 'Prefer PathType.PREFIX paths; if you keep the expression, give it a host of its own and check every other path on it.',
      },
    };
  }

  /** The cookie-affinity annotations on the stable Ingress, and their retirement risk. */
  private renderStickiness(stable: ApiObject, s: NonNullable<RouteIntent['stickiness']>, risks: ProviderRisk[]): void {
    const a = annotator(stable);
    a('affinity', 'cookie');
    a('affinity-mode', s.mode);
    a('session-cookie-name', s.cookieName ?? DEFAULT_COOKIE_NAME);
    a('session-cookie-path', s.cookiePath);
    a('session-cookie-domain', s.cookieDomain);
    a('session-cookie-samesite', s.sameSite);
    a('session-cookie-conditional-samesite-none', s.conditionalSameSiteNone ? 'true' : undefined);
    a('session-cookie-max-age', s.maxAgeSeconds !== undefined ? String(s.maxAgeSeconds) : undefined);
    a('session-cookie-expires', s.expiresSeconds !== undefined ? String(s.expiresSeconds) : undefined);
    a('session-cookie-secure', String(s.secure));
    a('session-cookie-change-on-failure', String(s.changeOnFailure));
    stable.metadata.addAnnotation(JUSTIFICATION_ANNOTATION, s.justification);
    risks.push({
      role: RouteRole.STICKINESS,
      risk: retiredRisk(
        s.contributor.where,
        'cookie-affinity annotations',
        'drops session affinity',
        'Plan the move to a Gateway API implementation (HTTPRoute sessionPersistence), or remove the need for affinity with a RedisSessionStore.',
      ),
    });
  }

  /** The canary Ingress and its annotations, with the risks of its matches and of pinned users. */
  private renderCanary(intent: RouteIntent, c: NonNullable<RouteIntent['canary']>, objects: RenderedRouteObject[], risks: ProviderRisk[]): void {
    const s = intent.stickiness;
    // same host, path and class as the stable route (that is how ingress-nginx pairs them); TLS stays on the stable Ingress
    const canary = this.ingress(c.contributor.scope, 'Route', intent, c.name, c.backend, undefined);
    objects.push({ object: canary, roles: [RouteRole.CANARY] });
    const a = annotator(canary);
    a('canary', 'true');
    const header = c.matches.find((m): m is HeaderMatch | HeaderPatternMatch => m instanceof HeaderMatch || m instanceof HeaderPatternMatch);
    const cookie = c.matches.find((m): m is CookieMatch => m instanceof CookieMatch);
    const weight = c.matches.find((m): m is WeightMatch => m instanceof WeightMatch);
    a('canary-by-header', header?.name);
    a('canary-by-header-value', header instanceof HeaderMatch ? header.value : undefined);
    a('canary-by-header-pattern', header instanceof HeaderPatternMatch ? header.pattern : undefined);
    a('canary-by-cookie', cookie?.name);
    a('canary-weight', weight !== undefined ? String(weight.percent) : undefined);
    a('canary-weight-total', weight !== undefined ? String(c.weightTotal) : undefined);
    if (s) {
      // controller.go mergeAlternativeBackend copies the stable backend's affinity to the canary backend unless the
      // canary says "legacy"; with legacy the canary's balancer is not sticky (is_affinitized() returns false)
      a('affinity-canary-behavior', c.versionSticky ? 'sticky' : 'legacy');
      risks.push(...pinnedUserRisks(intent, s.cookieName ?? DEFAULT_COOKIE_NAME, c, header, cookie));
    }
    if (header instanceof HeaderPatternMatch && !(header.pattern.startsWith('^') && header.pattern.endsWith('$'))) {
      risks.push({
        role: RouteRole.CANARY,
        risk: {
          code: IngressNginxRiskCode.INGRESS_NGINX_PATTERN_UNANCHORED,
          message:
            `ingress-nginx searches the canary-by-header-pattern ${header.pattern} anywhere in the value of ${header.name}, case-sensitively ` +
            '(balancer.lua calls ngx.re.match without the "a" option), so it also matches values that merely contain it; ' +
            'Envoy-based Gateway API implementations match the whole value instead.',
          remedy: `Anchor the expression ("^${header.pattern.replace(/^\^/, '').replace(/\$$/, '')}$") so it means the same on every controller.`,
        },
      });
    }
    const features = [cookie ? 'cookie canary' : undefined, 'canary annotations'].filter(Boolean).join(' and ');
    risks.push({
      role: RouteRole.CANARY,
      risk: retiredRisk(
        c.contributor.where,
        features,
        cookie ? 'drops canary-by-cookie' : 'converts only its weight and header canaries',
        'Plan the move to a Gateway API implementation (HTTPRoute weighted backendRefs and header matches).',
      ),
    });
  }

  private ingress(scope: Construct, id: string, intent: RouteIntent, name: string, backend: BackendRef, tlsSecretName?: string): ApiObject {
    const regex = intent.pathType === PathType.REGULAR_EXPRESSION;
    return new k8s.KubeIngress(scope, id, {
      metadata: {
        name,
        annotations: regex ? { [`${NGINX}use-regex`]: 'true' } : undefined,
      },
      spec: {
        ingressClassName: this.ingressClassName,
        tls: tlsSecretName ? [{ hosts: intent.host ? [intent.host] : undefined, secretName: tlsSecretName }] : undefined,
        rules: [
          {
            host: intent.host,
            http: {
              paths: [
                {
                  path: intent.path,
                  // a regular expression is only honoured with use-regex and ImplementationSpecific
                  pathType: regex ? 'ImplementationSpecific' : intent.pathType,
                  backend: { service: { name: backend.serviceName, port: { number: backend.port } } },
                },
              ],
            },
          },
        ],
      },
    });
  }
}

/** Whether an expression compiles (JavaScript's syntax stands in for PCRE's: both refuse an unbalanced group or class). */
function compiles(check: PropChecker, prop: string, pattern: string, example: string, shown: string = pattern): void {
  try {
    new RegExp(pattern);
  } catch (e) {
    check.fail(prop, `must be a regular expression that compiles (${(e as Error).message})`, shown, `Fix the expression, e.g. ${example}.`);
  }
}

/**
 * PCRE's internal option settings, which JavaScript does not have, made into what JavaScript compiles: `(?i)`,
 * `(?im-sx)` (removed) and `(?i:` (a plain group). balancer.lua route_to_alternative_balancer calls
 * `ngx.re.match(header, traffic_shaping_policy.headerPattern)` with no options, and PCRE reads the option letters
 * i, m, s, x, U, X and J between "(?" and ")" (or ":"), with "-" to unset them (PCRE pattern syntax, "Internal option
 * setting"): `(?i)beta` is a case-insensitive match there. Escaped characters are left as they are.
 */
function pcreAsJavaScript(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') {
      out += pattern.slice(i, i + 2);
      i++;
      continue;
    }
    const option = /^\(\?[imsxUXJ]*(?:-[imsxUXJ]*)?([:)])/.exec(pattern.slice(i));
    if (option && option[0] !== '(?)' && option[0] !== '(?:') {
      out += option[1] === ':' ? '(?:' : '';
      i += option[0].length - 1;
      continue;
    }
    out += pattern[i];
  }
  return out;
}

/**
 * What the stable route's affinity cookie does to canary users. rootfs/etc/nginx/lua/balancer.lua,
 * route_to_alternative_balancer: `if balancer.is_affinitized(balancer) then return false end` runs before the
 * header, cookie and weight rules, and sticky.lua's is_affinitized compares the cookie's backend key (an md5 of
 * the backend name, i.e. of the Service), not a pod: a pod restart never moves a user between versions.
 */
function pinnedUserRisks(
  intent: RouteIntent,
  cookieName: string,
  c: CanaryIntent,
  header?: HeaderMatch | HeaderPatternMatch,
  cookie?: CookieMatch,
): ProviderRisk[] {
  const risks: ProviderRisk[] = [];
  if (header !== undefined || cookie !== undefined) {
    const overrides = [
      header !== undefined ? `the header ${header.name}${header instanceof HeaderMatch && header.value !== undefined ? `: ${header.value}` : ''}` : undefined,
      cookie !== undefined ? `the cookie ${cookie.name}=always` : undefined,
    ].filter(Boolean).join(' or ');
    risks.push({
      role: RouteRole.CANARY,
      risk: {
        code: IngressNginxRiskCode.CANARY_OVERRIDE_IGNORED_WHEN_PINNED,
        message:
          `A user already pinned to ${intent.name} by the affinity cookie ${cookieName} who then sends ${overrides} still reaches ${intent.name}: ` +
          'ingress-nginx checks the affinity cookie before any canary rule (balancer.lua route_to_alternative_balancer).',
        remedy: `Test the canary from a fresh browser session (no ${cookieName} cookie), or clear the cookie first.`,
      },
    });
  }
  if (c.versionSticky && (header !== undefined || cookie !== undefined)) {
    // sticky: controller.go copies the stable affinity to the canary backend, whose balancer then sets its own
    // cookie (backend key of the canary Service); the second check of route_to_alternative_balancer keeps the user there
    const how = [header !== undefined ? `the header ${header.name}` : undefined, cookie !== undefined ? `the cookie ${cookie.name}` : undefined].filter(Boolean).join(' or ');
    risks.push({
      role: RouteRole.CANARY,
      risk: {
        code: IngressNginxRiskCode.INGRESS_NGINX_CANARY_KEEPS_OVERRIDE_USERS,
        message:
          `A user who reached the canary with ${how} gets the canary's own affinity cookie ${cookieName} and stays on the canary without sending it again: ` +
          'ingress-nginx checks that cookie before any canary rule, so testers and routed users add to the canary\'s share.',
        remedy: 'Count header and cookie users in the canary\'s share; clear the cookie to leave the canary.',
      },
    });
  }
  if (c.versionSticky && intent.stickiness?.mode === AffinityMode.BALANCED) {
    // sticky.lua balance() (controller-v1.15.1) writes a new cookie only when the cookie's key finds no endpoint
    // (`upstream_from_cookie == nil`) or after a failure with change-on-failure; a sticky_balanced key always finds one
    // on the resty.chash ring of the stable backend, so a canary user keeps a cookie whose backend key is the removed
    // canary's, and is_affinitized (backend key == this backend's) holds for no backend any more. sticky_persistent's
    // nodemap finds no endpoint for the old key, so persistent mode writes a new cookie at the first request.
    risks.push({
      role: RouteRole.CANARY,
      risk: {
        code: IngressNginxRiskCode.INGRESS_NGINX_BALANCED_ROLLBACK_KEEPS_COOKIE,
        message:
          `In balanced mode a user who reached the canary keeps its cookie ${cookieName} after the CanaryRelease is removed (a rollback or the promotion): ` +
          'ingress-nginx rewrites the cookie only when its key finds no pod or a request failed (sticky.lua balance), and a balanced key always finds a stable pod. ' +
          `The cookie still names the removed canary's backend, so it pins the user to no version: they reach ${intent.name} while no canary exists, ` +
          'and during the next release they go through the split on every request, switching versions, until the cookie expires.',
        remedy:
          'Give the affinity cookie a max-age no longer than the time between releases (cookie.maxAge), or use AffinityMode.PERSISTENT, ' +
          'which writes a new cookie at the first request after the canary is removed.',
      },
    });
  }
  if (!c.versionSticky) {
    risks.push({
      role: RouteRole.CANARY,
      risk: {
        code: IngressNginxRiskCode.INGRESS_NGINX_CANARY_FIRST_REQUESTS_ONLY,
        message:
          `The stable route ${intent.name} is sticky and the canary is not (affinity-canary-behavior: legacy): the canary sets no cookie, so a user it ` +
          `answers goes through the split again on the next request, and the first stable answer pins them to ${intent.name} for good. ` +
          'The canary therefore sees mostly first requests (its share of users falls with every request), a multi-request flow can cross versions, ' +
          'and a tester already pinned to stable cannot reach it by header or cookie.',
        remedy: 'Set versionStickiness: true (the canary then keeps the users it gets), or route the app without affinity.',
      },
    });
  }
  return risks;
}

/** The annotation slot a match occupies on an ingress-nginx canary. */
function slot(m: CanaryMatch): string {
  if (m instanceof HeaderMatch || m instanceof HeaderPatternMatch) return 'header';
  if (m instanceof CookieMatch) return 'cookie';
  return 'weight';
}

/** Sets `nginx.ingress.kubernetes.io/<name>` on an Ingress; an undefined value writes nothing. */
function annotator(ingress: ApiObject): (name: string, value: string | undefined) => void {
  return (name, value) => {
    if (value !== undefined) ingress.metadata.addAnnotation(NGINX + name, value);
  };
}

function retiredRisk(where: string, feature: string, dropped: string, remedy: string): RiskDescription {
  return {
    code: IngressNginxRiskCode.INGRESS_NGINX_RETIRED,
    message:
      `${where} relies on ingress-nginx ${feature}; ingress-nginx was retired in March 2026 (no releases, no security fixes), ` +
      `and its migration tool ingress2gateway ${dropped}.`,
    remedy,
  };
}
