import { IConstruct } from 'constructs';
import { ValidationError } from '../errors';
import { describeConstruct, show } from '../prop-checks';
import { GatewayApiOptions } from './gateway-api';
import { GatewayApiEngineProvider } from './gateway-api-engines';
import { IngressNginxOptions } from './ingress-nginx';
import { IngressNginxEngineProvider } from './ingress-nginx-engines';
import { ITrafficProvider } from './provider-contract';
import { TraefikOptions } from './traefik';
import { TraefikEngineProvider } from './traefik-engines';

const defaults = new WeakMap<IConstruct, ITrafficProvider>();
/** Constructs that took the default provider: a later useByDefault above them would not reach them. */
const tookDefault = new WeakSet<IConstruct>();

/**
 * The traffic providers shipped with this library: one factory line each.
 */
export class TrafficProvider {
  /**
   * ingress-nginx: `networking.k8s.io/v1` Ingress objects with the controller's annotations.
   *
   * ingress-nginx was retired in March 2026 (no more releases or security fixes); plan a move to Gateway API.
   */
  public static ingressNginx(options: IngressNginxOptions = {}): ITrafficProvider {
    return new IngressNginxEngineProvider(options);
  }

  /**
   * Gateway API: HTTPRoutes attached to the Gateway you name.
   */
  public static gatewayApi(options: GatewayApiOptions): ITrafficProvider {
    return new GatewayApiEngineProvider(options);
  }

  /**
   * Traefik v3: `traefik.io/v1alpha1` IngressRoutes, and a weighted TraefikService for a canary's weight.
   */
  public static traefik(options: TraefikOptions = {}): ITrafficProvider {
    return new TraefikEngineProvider(options);
  }

  /**
   * Make `provider` the default of every construct below `scope` (an App or a Chart) that does not set its
   * own `traffic`. Migrating a chart from one controller to another is then one line. Call it before creating
   * the constructs below `scope`: a construct that already took its default would keep it, so that is an error.
   */
  public static useByDefault(scope: IConstruct, provider: ITrafficProvider): void {
    const where = 'TrafficProvider.useByDefault';
    if (!provider || typeof (provider as ITrafficProvider).render !== 'function' || typeof (provider as ITrafficProvider).validate !== 'function') {
      throw new ValidationError(where, 'provider', 'must be a traffic provider', show(provider), 'Pass e.g. TrafficProvider.gatewayApi({ gatewayName: "public" }).');
    }
    const early = scope.node.findAll().find((c) => tookDefault.has(c));
    if (early) {
      throw new ValidationError(
        where,
        'scope',
        `is called after ${describeConstruct(early, early.constructor.name)} below it already took the default provider, which would stay as it is`,
        show(scope.node.path || '(the App)'),
        'Call TrafficProvider.useByDefault right after creating the App or Chart, before the constructs below it.',
      );
    }
    defaults.set(scope, provider);
  }

  /**
   * The provider a construct at `scope` uses when it sets none: the nearest `useByDefault` above it,
   * else ingress-nginx.
   */
  public static defaultFor(scope: IConstruct): ITrafficProvider {
    tookDefault.add(scope);
    for (let c: IConstruct | undefined = scope; c; c = c.node.scope) {
      const provider = defaults.get(c);
      if (provider) return provider;
    }
    return TrafficProvider.ingressNginx();
  }

  private constructor() {}
}
