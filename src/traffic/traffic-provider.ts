import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { AffinityMode, SameSite } from '../affinity/affinity-mode';
import { RiskDescription } from '../warnings';
import { GatewayApiOptions, GatewayApiProvider } from './gateway-api';
import { IngressNginxOptions, IngressNginxProvider } from './ingress-nginx';

/**
 * What a construct wants from the traffic layer: send `host` + `path` to a Service port.
 *
 * Constructs describe intent; the provider decides which objects express it.
 */
export interface RouteSpec {
  /** Name of the route object. */
  readonly name: string;
  /**
   * Host name the route matches.
   * @default - every host
   */
  readonly host?: string;
  /** Path the route matches: a prefix starting with `/`, or a regular expression (see `isRegexPath`). */
  readonly path: string;
  /** Name of the backend Service. */
  readonly serviceName: string;
  /** Port of the backend Service. */
  readonly servicePort: number;
  /**
   * Ingress class (ingress-nginx only).
   * @default "nginx"
   */
  readonly ingressClassName?: string;
  /**
   * Secret holding the TLS certificate for `host`.
   * @default - no TLS section (TLS terminated elsewhere, e.g. on a Gateway listener)
   */
  readonly tlsSecretName?: string;
}

/**
 * Cookie affinity, as intent: the provider turns it into annotations or fields, or refuses.
 */
export interface CookieStickiness {
  /** balanced or persistent. */
  readonly mode: AffinityMode;
  /** Why the app needs affinity (written into the YAML for reviewers). */
  readonly justification: string;
  /** Cookie name (an RFC 6265 token). */
  readonly cookieName: string;
  /**
   * Cookie Path attribute.
   * @default - the controller's default (the matched path)
   */
  readonly cookiePath?: string;
  /**
   * Cookie Domain attribute.
   * @default - host-only cookie
   */
  readonly cookieDomain?: string;
  /**
   * Max-Age in seconds.
   * @default - a session cookie
   */
  readonly maxAgeSeconds?: number;
  /**
   * Expires, in seconds from the response (for old browsers without Max-Age).
   * @default - none
   */
  readonly expiresSeconds?: number;
  /** Secure attribute, whatever the protocol of the request. */
  readonly secure: boolean;
  /** SameSite attribute. */
  readonly sameSite: SameSite;
  /** Omit SameSite=None for user agents known to mishandle it. */
  readonly conditionalSameSiteNone: boolean;
  /** Re-pin the user to another pod when a request to their pod fails. */
  readonly changeOnFailure: boolean;
}

/**
 * A canary route, as intent: which requests of the stable route go to the canary Service.
 */
export interface CanaryRouteSpec {
  /** Name of the canary route object. */
  readonly name: string;
  /** The canary Service. */
  readonly serviceName: string;
  /** Port of the canary Service. */
  readonly servicePort: number;
  /**
   * Header that selects the canary.
   * @default - no header match
   */
  readonly header?: string;
  /**
   * Exact value of `header` that selects the canary.
   * @default - `always` / `never` semantics
   */
  readonly headerValue?: string;
  /**
   * Regular expression on the value of `header`.
   * @default - none
   */
  readonly headerPattern?: string;
  /**
   * Cookie that selects the canary with `always` / `never`.
   * @default - no cookie match
   */
  readonly cookie?: string;
  /**
   * Share of the remaining requests, out of `weightTotal`.
   * @default - no weight
   */
  readonly weight?: number;
  /** Denominator of `weight`. */
  readonly weightTotal: number;
  /** Keep each user on the version they first got. */
  readonly versionSticky: boolean;
  /**
   * Cookie affinity of the stable route, when it has one.
   * @default - the stable route is not sticky
   */
  readonly stableStickiness?: CookieStickiness;
}

/**
 * A route rendered by a provider, with the risks that come from the controller itself.
 */
export interface RenderedRoute {
  /** The route object (Ingress, HTTPRoute). */
  readonly route: ApiObject;
  /** Risks of the controller (e.g. a retired controller). */
  readonly risks: RiskDescription[];
}

/**
 * Renders routing intent into the objects of one traffic controller.
 *
 * Adding a controller means adding one implementation of this interface.
 */
export interface ITrafficProvider {
  /** Short name of the controller, used in messages, e.g. `ingress-nginx`. */
  readonly controller: string;

  /**
   * What two routes must share to collide: the same key means the same host and path on the same
   * ingress class or parent Gateway.
   */
  routeKey(route: RouteSpec): string;

  /**
   * Render a plain route, with no session affinity of any kind. `constructName` identifies the
   * construct in errors (e.g. "StatelessWebApp 'web'").
   */
  renderRoute(scope: Construct, id: string, route: RouteSpec, constructName: string): RenderedRoute;

  /**
   * Render a route with cookie affinity. `constructName` identifies the construct in errors
   * (e.g. "StickyIngress 'cart'"). Throws when the controller cannot express the intent.
   */
  renderStickyRoute(scope: Construct, id: string, route: RouteSpec, stickiness: CookieStickiness, constructName: string): RenderedRoute;

  /**
   * Render the canary route for the stable route `stable`. Throws, naming `constructName`, when the
   * controller cannot express the intent.
   */
  renderCanaryRoute(
    scope: Construct,
    id: string,
    stable: RouteSpec,
    stableRoute: ApiObject,
    canary: CanaryRouteSpec,
    constructName: string,
  ): RenderedRoute;
}

const defaults = new WeakMap<IConstruct, ITrafficProvider>();

/**
 * The traffic providers shipped with this library.
 */
export class TrafficProvider {
  /**
   * ingress-nginx: `networking.k8s.io/v1` Ingress objects with `nginx.ingress.kubernetes.io/*` annotations.
   *
   * ingress-nginx was retired in March 2026 (no more releases or security fixes); plan a move to Gateway API.
   */
  public static ingressNginx(options: IngressNginxOptions = {}): ITrafficProvider {
    return new IngressNginxProvider(options);
  }

  /**
   * Gateway API: `gateway.networking.k8s.io/v1` HTTPRoutes attached to the Gateway you name.
   */
  public static gatewayApi(options: GatewayApiOptions): ITrafficProvider {
    return new GatewayApiProvider(options);
  }

  /**
   * Make `provider` the default of every construct below `scope` (an App or a Chart) that does
   * not set its own `traffic`. Migrating a chart from ingress-nginx to Gateway API is then one line.
   */
  public static useByDefault(scope: IConstruct, provider: ITrafficProvider): void {
    defaults.set(scope, provider);
  }

  /**
   * The provider a construct at `scope` uses when it sets none: the nearest `useByDefault` above it,
   * else ingress-nginx.
   */
  public static defaultFor(scope: IConstruct): ITrafficProvider {
    for (let c: IConstruct | undefined = scope; c; c = c.node.scope) {
      const provider = defaults.get(c);
      if (provider) return provider;
    }
    return TrafficProvider.ingressNginx();
  }

  private constructor() {}
}

/** Whether a route path is a regular expression rather than a literal prefix. */
export function isRegexPath(path: string): boolean {
  return /[()[\]{}*+?^$|\\]/.test(path);
}
