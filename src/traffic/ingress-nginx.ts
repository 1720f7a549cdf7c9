import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { JUSTIFICATION_ANNOTATION } from '../affinity/affinity-mode';
import { RiskCode, RiskDescription } from '../warnings';
import { CanaryRouteSpec, CookieStickiness, isRegexPath, ITrafficProvider, RenderedRoute, RouteSpec } from './traffic-provider';

/**
 * Options of the ingress-nginx provider.
 */
export interface IngressNginxOptions {
  /**
   * Ingress class used when a construct does not name one.
   * @default "nginx"
   */
  readonly ingressClassName?: string;
}

/** The annotation prefix of ingress-nginx. */
export const NGINX = 'nginx.ingress.kubernetes.io/';

/** Characters ingress-nginx accepts in `session-cookie-name` and `-domain` (its BasicCharsRegex, less "/" and ":"). */
const NGINX_BASIC_CHARS = /^[A-Za-z0-9._~-]+$/;

/**
 * Renders routes as ingress-nginx Ingress objects.
 *
 * Every annotation name below is spelled as in ingress-nginx's annotation parser
 * (internal/ingress/annotations/sessionaffinity); all values are strings.
 * @internal
 */
export class IngressNginxProvider implements ITrafficProvider {
  public readonly controller = 'ingress-nginx';

  constructor(private readonly options: IngressNginxOptions) {}

  public routeKey(route: RouteSpec): string {
    return `ingress-nginx|${route.ingressClassName ?? this.options.ingressClassName ?? 'nginx'}|${route.host ?? '*'}|${route.path}`;
  }

  public renderRoute(scope: Construct, id: string, route: RouteSpec, _constructName: string): RenderedRoute {
    return { route: this.ingress(scope, id, route), risks: [] };
  }

  private ingress(scope: Construct, id: string, route: RouteSpec): ApiObject {
    const regex = isRegexPath(route.path);
    return new k8s.KubeIngress(scope, id, {
      metadata: {
        name: route.name,
        annotations: regex ? { [`${NGINX}use-regex`]: 'true' } : undefined,
      },
      spec: {
        ingressClassName: route.ingressClassName ?? this.options.ingressClassName ?? 'nginx',
        tls: route.tlsSecretName ? [{ hosts: route.host ? [route.host] : undefined, secretName: route.tlsSecretName }] : undefined,
        rules: [
          {
            host: route.host,
            http: {
              paths: [
                {
                  path: route.path,
                  // a regular expression is only honoured with use-regex and ImplementationSpecific
                  pathType: regex ? 'ImplementationSpecific' : 'Prefix',
                  backend: { service: { name: route.serviceName, port: { number: route.servicePort } } },
                },
              ],
            },
          },
        ],
      },
    });
  }

  public renderStickyRoute(scope: Construct, id: string, route: RouteSpec, s: CookieStickiness, constructName: string): RenderedRoute {
    if (!NGINX_BASIC_CHARS.test(s.cookieName)) {
      throw new Error(
        `${constructName}: 'cookie.name' must use only letters, digits, ".", "_", "~" or "-" with ingress-nginx, got ${JSON.stringify(s.cookieName)}. ` +
          'The controller rejects other characters and falls back to its default cookie INGRESSCOOKIE; rename the cookie, e.g. "route".',
      );
    }
    if (s.cookieDomain !== undefined && !NGINX_BASIC_CHARS.test(s.cookieDomain)) {
      throw new Error(
        `${constructName}: 'cookie.domain' must use only letters, digits, ".", "_", "~" or "-" with ingress-nginx, got ${JSON.stringify(s.cookieDomain)}. ` +
          'Pass a bare domain such as ".example.com".',
      );
    }
    const ingress = this.ingress(scope, id, route);
    const a = annotator(ingress);
    a('affinity', 'cookie');
    a('affinity-mode', s.mode);
    a('session-cookie-name', s.cookieName);
    a('session-cookie-path', s.cookiePath);
    a('session-cookie-domain', s.cookieDomain);
    a('session-cookie-samesite', s.sameSite);
    a('session-cookie-conditional-samesite-none', s.conditionalSameSiteNone ? 'true' : undefined);
    a('session-cookie-max-age', s.maxAgeSeconds !== undefined ? String(s.maxAgeSeconds) : undefined);
    a('session-cookie-expires', s.expiresSeconds !== undefined ? String(s.expiresSeconds) : undefined);
    a('session-cookie-secure', String(s.secure));
    a('session-cookie-change-on-failure', String(s.changeOnFailure));
    ingress.metadata.addAnnotation(JUSTIFICATION_ANNOTATION, s.justification);
    return {
      route: ingress,
      risks: [
        retiredRisk(
          constructName,
          'cookie-affinity annotations',
          'drops session affinity',
          'Plan the move to a Gateway API implementation (HTTPRoute sessionPersistence), or remove the need for affinity with a RedisSessionStore.',
        ),
      ],
    };
  }

  public renderCanaryRoute(
    scope: Construct,
    id: string,
    stable: RouteSpec,
    _stableRoute: ApiObject,
    c: CanaryRouteSpec,
    constructName: string,
  ): RenderedRoute {
    if (c.versionSticky && !c.stableStickiness) {
      throw new Error(
        `${constructName}: 'versionStickiness' needs cookie affinity on the stable route with ingress-nginx, got true on the non-sticky route ${stable.name}. ` +
          'ingress-nginx keeps a user on a version through the stable route\'s affinity cookie (affinity-canary-behavior: sticky): ' +
          'route the stable app with a StickyIngress (create it before the CanaryRelease), or drop versionStickiness.',
      );
    }
    // same host, path and class as the stable route (that is how ingress-nginx pairs them); TLS stays on the stable Ingress
    const ingress = this.ingress(scope, id, {
      ...stable,
      name: c.name,
      serviceName: c.serviceName,
      servicePort: c.servicePort,
      tlsSecretName: undefined,
    });
    const a = annotator(ingress);
    a('canary', 'true');
    a('canary-by-header', c.header);
    a('canary-by-header-value', c.headerValue);
    a('canary-by-header-pattern', c.headerPattern);
    a('canary-by-cookie', c.cookie);
    a('canary-weight', c.weight !== undefined ? String(c.weight) : undefined);
    a('canary-weight-total', c.weight !== undefined ? String(c.weightTotal) : undefined);
    if (c.stableStickiness) {
      // sticky: the canary backend takes the stable route's affinity, so a user stays on the version they got;
      // legacy: canary requests ignore affinity, and a user can bounce between versions
      a('affinity-canary-behavior', c.versionSticky ? 'sticky' : 'legacy');
    }
    const risks: RiskDescription[] = [];
    if (c.versionSticky && (c.header !== undefined || c.cookie !== undefined)) {
      // the balancer checks the affinity cookie before any canary rule (rootfs/etc/nginx/lua/balancer.lua)
      const cookieName = c.stableStickiness!.cookieName;
      const overrides = [
        c.header !== undefined ? `the header ${c.header}${c.headerValue !== undefined ? `: ${c.headerValue}` : ''}` : undefined,
        c.cookie !== undefined ? `the cookie ${c.cookie}=always` : undefined,
      ].filter(Boolean).join(' or ');
      risks.push({
        code: RiskCode.CANARY_OVERRIDE_IGNORED_WHEN_PINNED,
        message:
          `A user already pinned to a version stays on it: a tester pinned to ${stable.name} who then sends ${overrides} still reaches ${stable.name}, ` +
          `because ingress-nginx checks the affinity cookie (${cookieName}) before any canary rule.`,
        remedy: `Clear the ${cookieName} cookie (or use a fresh browser session) before testing the canary by header or cookie.`,
      });
    }
    const features = [c.cookie ? 'cookie canary' : undefined, 'canary annotations'].filter(Boolean).join(' and ');
    return {
      route: ingress,
      risks: [
        ...risks,
        retiredRisk(
          constructName,
          features,
          c.cookie ? 'drops canary-by-cookie' : 'converts only its weight and header canaries',
          'Plan the move to a Gateway API implementation (HTTPRoute weighted backendRefs and header matches).',
        ),
      ],
    };
  }
}

/** Sets `nginx.ingress.kubernetes.io/<name>` on an Ingress; an undefined value writes nothing. */
function annotator(ingress: ApiObject): (name: string, value: string | undefined) => void {
  return (name, value) => {
    if (value !== undefined) ingress.metadata.addAnnotation(NGINX + name, value);
  };
}

function retiredRisk(constructName: string, feature: string, dropped: string, remedy: string): RiskDescription {
  return {
    code: RiskCode.INGRESS_NGINX_RETIRED,
    message:
      `${constructName} relies on ingress-nginx ${feature}; ingress-nginx was retired in March 2026 (no releases, no security fixes), ` +
      `and its migration tool ingress2gateway ${dropped}.`,
    remedy,
  };
}
