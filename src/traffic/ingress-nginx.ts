import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { JUSTIFICATION_ANNOTATION } from '../affinity/affinity-mode';
import { CanaryMatch, CookieMatch, HeaderMatch, HeaderPatternMatch, WeightMatch } from '../canary/canary-match';
import { ValidationError } from '../errors';
import { PropChecker, show } from '../prop-checks';
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
}

/**
 * Risks that come from ingress-nginx itself.
 */
export enum IngressNginxRiskCode {
  /** ingress-nginx was retired in March 2026: no releases, no security fixes. */
  INGRESS_NGINX_RETIRED = 'INGRESS_NGINX_RETIRED',
  /** A user already pinned to a version by the affinity cookie is not moved by a canary header or cookie. */
  CANARY_OVERRIDE_IGNORED_WHEN_PINNED = 'CANARY_OVERRIDE_IGNORED_WHEN_PINNED',
}
for (const code of Object.values(IngressNginxRiskCode)) Warnings.registerRiskCode(code);

/** The annotation prefix of ingress-nginx. */
const NGINX = 'nginx.ingress.kubernetes.io/';

/** The cookie name ingress-nginx uses when `session-cookie-name` is not set (written out explicitly). */
const DEFAULT_COOKIE_NAME = 'INGRESSCOOKIE';

/** Characters ingress-nginx accepts in `session-cookie-name` and `-domain` (its BasicCharsRegex, less "/" and ":"). */
const NGINX_BASIC_CHARS = /^[A-Za-z0-9._~-]+$/;

/** Whether a path makes ingress-nginx write a regular-expression location. */
const REGEX_CHARS = /[()[\]{}*+?^$|\\]/;

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
    const s = intent.stickiness;
    if (s) {
      const check = new PropChecker(s.contributor.where);
      if (s.cookieName !== undefined && !NGINX_BASIC_CHARS.test(s.cookieName)) {
        check.fail(
          'cookie.name',
          'must use only letters, digits, ".", "_", "~" or "-" with ingress-nginx',
          s.cookieName,
          `The controller rejects other characters and falls back to its default cookie ${DEFAULT_COOKIE_NAME}; rename the cookie, e.g. "route".`,
        );
      }
      if (s.cookieDomain !== undefined && !NGINX_BASIC_CHARS.test(s.cookieDomain)) {
        check.fail('cookie.domain', 'must use only letters, digits, ".", "_", "~" or "-" with ingress-nginx', s.cookieDomain, 'Pass a bare domain such as ".example.com".');
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
    if (intent.pathType !== PathType.REGULAR_EXPRESSION && REGEX_CHARS.test(intent.path)) {
      throw new ValidationError(
        intent.contributor.where,
        'path',
        'contains characters that make ingress-nginx treat the path as a regular expression',
        show(intent.path),
        'Use a literal prefix, or set pathType: PathType.REGULAR_EXPRESSION if you mean an expression.',
      );
    }
    if (intent.canary) {
      this.validateCanary(intent, intent.canary);
    }
  }

  private validateCanary(intent: RouteIntent, c: CanaryIntent): void {
    const check = new PropChecker(c.contributor.where);
    if (c.weightTotal < 100) {
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
    for (const m of c.matches) {
      if (m instanceof HeaderPatternMatch) {
        // the balancer matches the pattern with ngx.re.match (PCRE); an expression that does not compile disables the match
        try {
          new RegExp(m.pattern);
        } catch (e) {
          check.fail('match.headerPattern', `must be a regular expression that compiles (${(e as Error).message})`, m.pattern, 'Fix the expression, e.g. "^(east|west)-us$".');
        }
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

    const s = intent.stickiness;
    if (s) {
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

    const c = intent.canary;
    if (c) {
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
        // sticky: the canary backend takes the stable route's affinity, so a user stays on the version they got;
        // legacy: canary requests ignore affinity, and a user can bounce between versions
        a('affinity-canary-behavior', c.versionSticky ? 'sticky' : 'legacy');
      }
      if (s && c.versionSticky && (header !== undefined || cookie !== undefined)) {
        // the balancer checks the affinity cookie before any canary rule (rootfs/etc/nginx/lua/balancer.lua)
        const cookieName = s.cookieName ?? DEFAULT_COOKIE_NAME;
        const overrides = [
          header !== undefined ? `the header ${header.name}${header instanceof HeaderMatch && header.value !== undefined ? `: ${header.value}` : ''}` : undefined,
          cookie !== undefined ? `the cookie ${cookie.name}=always` : undefined,
        ].filter(Boolean).join(' or ');
        risks.push({
          role: RouteRole.CANARY,
          risk: {
            code: IngressNginxRiskCode.CANARY_OVERRIDE_IGNORED_WHEN_PINNED,
            message:
              `A user already pinned to a version stays on it: a tester pinned to ${intent.name} who then sends ${overrides} still reaches ${intent.name}, ` +
              `because ingress-nginx checks the affinity cookie (${cookieName}) before any canary rule.`,
            remedy: `Clear the ${cookieName} cookie (or use a fresh browser session) before testing the canary by header or cookie.`,
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
    return { objects, risks };
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
