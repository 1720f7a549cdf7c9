/*
 * The reading half of the Traefik provider: IngressRoute and TraefikService objects someone else wrote, with
 * Traefik's defaults made explicit. traefik/traefik at v3.7.9, pkg/provider/kubernetes/crd/kubernetes_http.go:
 * `nameAndService` treats a service kind of "" as "Service"; `buildServicesLB` gives a weighted service without a
 * weight the weight 1 (as dynamic.WRRService.SetDefaults in pkg/config/dynamic/http_config.go); a sticky cookie
 * without a name gets one derived from the backend (pkg/server/cookie/cookie.go GetName).
 */

/** A Kubernetes Service a Traefik route or weighted service sends to. @internal */
export interface TraefikServiceRefReading {
  readonly serviceName: string;
  /** Set only when the ref names a namespace. */
  readonly namespace?: string;
  /** The weight (1 when absent). */
  readonly weight: number;
  /** Set when the ref carries `sticky.cookie`. */
  readonly stickyCookie?: TraefikStickyCookieReading;
}

/** `sticky.cookie` of a Traefik service. @internal */
export interface TraefikStickyCookieReading {
  /** Undefined: Traefik derives a name from the backend. */
  readonly name?: string;
}

/** An IngressRoute: the Kubernetes Services of each route. @internal */
export interface IngressRouteReading {
  /** Per route, in order, its refs to Kubernetes Services (refs to a TraefikService are left out). */
  readonly routes: TraefikServiceRefReading[][];
}

/** A TraefikService with a `weighted` spec. @internal */
export interface TraefikWeightedReading {
  /** Every weighted service, of any kind, with its name as written and its weight. */
  readonly all: Array<{ readonly name: unknown; readonly weight: number }>;
  /** Those that are Kubernetes Services. */
  readonly services: TraefikServiceRefReading[];
  /** Set when the weighted round robin itself is sticky (a user stays on the service it got). */
  readonly stickyCookie?: TraefikStickyCookieReading;
}

const TRAEFIK_GROUP = /^traefik\.(io|containo\.us)\//;

/** Whether an object is a Traefik IngressRoute. @internal */
export function isTraefikIngressRoute(object: any): boolean {
  return object?.kind === 'IngressRoute' && typeof object?.apiVersion === 'string' && TRAEFIK_GROUP.test(object.apiVersion);
}

/** Whether an object is a TraefikService. @internal */
export function isTraefikService(object: any): boolean {
  return object?.kind === 'TraefikService' && typeof object?.apiVersion === 'string' && TRAEFIK_GROUP.test(object.apiVersion);
}

/** An IngressRoute with Traefik's defaults made explicit. Fields of the wrong type are skipped. @internal */
export function readIngressRoute(object: any): IngressRouteReading {
  const routes: any[] = Array.isArray(object?.spec?.routes) ? object.spec.routes : [];
  return { routes: routes.map((r) => (Array.isArray(r?.services) ? r.services : []).map(serviceRef).filter(isDefined)) };
}

/** The `weighted` part of a TraefikService, or undefined when it has none. @internal */
export function readTraefikWeighted(object: any): TraefikWeightedReading | undefined {
  const weighted = object?.spec?.weighted;
  if (weighted === null || typeof weighted !== 'object') return undefined;
  const services: any[] = Array.isArray(weighted.services) ? weighted.services : [];
  return {
    all: services.map((s) => ({ name: s?.name, weight: weightOf(s) })),
    services: services.map(serviceRef).filter(isDefined),
    stickyCookie: cookieOf(weighted.sticky),
  };
}

function serviceRef(s: any): TraefikServiceRefReading | undefined {
  if ((s?.kind ?? 'Service') !== 'Service' || typeof s?.name !== 'string') return undefined;
  return { serviceName: s.name, namespace: typeof s.namespace === 'string' ? s.namespace : undefined, weight: weightOf(s), stickyCookie: cookieOf(s.sticky) };
}

function weightOf(s: any): number {
  return typeof s?.weight === 'number' ? s.weight : 1;
}

function cookieOf(sticky: any): TraefikStickyCookieReading | undefined {
  const cookie = sticky?.cookie;
  if (!cookie) return undefined;
  return { name: typeof cookie.name === 'string' && cookie.name !== '' ? cookie.name : undefined };
}

function isDefined<T>(x: T | undefined): x is T {
  return x !== undefined;
}
