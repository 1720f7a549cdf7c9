import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ITrafficProvider, RouteSpec } from './traffic-provider';

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

/**
 * Renders routes as ingress-nginx Ingress objects.
 * @internal
 */
export class IngressNginxProvider implements ITrafficProvider {
  public readonly controller = 'ingress-nginx';

  constructor(private readonly options: IngressNginxOptions) {}

  public renderRoute(scope: Construct, id: string, route: RouteSpec): ApiObject {
    return new k8s.KubeIngress(scope, id, {
      metadata: { name: route.name },
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
                  pathType: 'Prefix',
                  backend: { service: { name: route.serviceName, port: { number: route.servicePort } } },
                },
              ],
            },
          },
        ],
      },
    });
  }
}
