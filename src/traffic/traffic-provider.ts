import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
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
  /** Path prefix the route matches (starts with `/`). */
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
 * Renders routing intent into the objects of one traffic controller.
 *
 * Adding a controller means adding one implementation of this interface.
 */
export interface ITrafficProvider {
  /** Short name of the controller, used in messages, e.g. `ingress-nginx`. */
  readonly controller: string;

  /**
   * Render a plain route, with no session affinity of any kind.
   */
  renderRoute(scope: Construct, id: string, route: RouteSpec): ApiObject;
}

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

  private constructor() {}
}
