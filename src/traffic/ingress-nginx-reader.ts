import { AffinityMode, SameSite } from './affinity-mode';
import { CanaryMatch } from './canary-match';
import { DEFAULT_COOKIE_NAME, NGINX_ANNOTATION_PREFIX, NGINX_ANNOTATION_RULES, NginxAnnotationName } from './ingress-nginx';
import { PathType } from './provider-contract';

/*
 * The reading half of the ingress-nginx provider: an Ingress someone else wrote, read as ingress-nginx reads it.
 * Every value goes through NGINX_ANNOTATION_RULES (ingress-nginx.ts), the one table of names, validators and
 * defaults that the provider also writes with, so a value ingress-nginx refuses is read as absent (its default)
 * by every command that reads Ingresses (`cdk8s-stateless import` and `cdk8s-stateless audit`).
 */

/** One annotation of an Ingress as ingress-nginx reads it. @internal */
export interface NginxAnnotationReading {
  /** The full key as written. */
  readonly key: string;
  /** The name after the ingress-nginx prefix (undefined for another prefix). */
  readonly name?: string;
  /** The value as written. */
  readonly raw: string;
  /** The value ingress-nginx keeps (undefined when it ignores the annotation). */
  readonly value?: string;
  /** Why ingress-nginx ignores it (its validator refuses the value), when it does. */
  readonly ignored?: string;
  /** Whether the reader knows the annotation (affinity, canary, use-regex, the legacy ingress class). */
  readonly recognised: boolean;
}

/** One host and path of an Ingress, as written. @internal */
export interface IngressPathReading {
  readonly host?: string;
  readonly path: string;
  /** `Prefix`, `Exact` or `ImplementationSpecific` as written (`ImplementationSpecific` when absent). */
  readonly pathType: string;
  /** How ingress-nginx matches it: a regular expression under use-regex, else Exact, else a prefix. */
  readonly routedAs: PathType;
  /** The Service of `backend.service` (undefined for a resource backend). */
  readonly serviceName?: string;
  readonly portNumber?: number;
  readonly portName?: string;
}

/** The cookie affinity ingress-nginx applies to an Ingress (`affinity: cookie`), every default made explicit. @internal */
export interface NginxCookieAffinity {
  /** sticky_persistent only for "persistent", sticky_balanced otherwise (balancer.lua get_implementation). */
  readonly mode: AffinityMode;
  readonly cookieName: string;
  readonly cookiePath?: string;
  readonly cookieDomain?: string;
  /** Undefined: the cookie carries no SameSite attribute (sticky.lua). */
  readonly sameSite?: SameSite;
  readonly conditionalSameSiteNone: boolean;
  readonly maxAgeSeconds?: number;
  readonly expiresSeconds?: number;
  /**
   * false: Secure only on HTTPS requests (sticky.lua); true: Secure whatever the scheme (sessionaffinity/main.go,
   * annotationAffinityCookieSecure: "set the cookie as secure regardless the protocol of the incoming request").
   */
  readonly secure: boolean;
  readonly changeOnFailure: boolean;
}

/** The canary ingress-nginx makes of an Ingress with `canary: "true"`. @internal */
export interface NginxCanaryReading {
  readonly header?: string;
  /** Only with a header (canary/main.go: the value has no effect without canary-by-header). */
  readonly headerValue?: string;
  /** Only with a header and without a value (a header value wins over a pattern, balancer.lua route_to_alternative_balancer). */
  readonly headerPattern?: string;
  readonly cookie?: string;
  /** The effective weight (0 when absent or refused). */
  readonly weight: number;
  /** Whether canary-weight is present and kept. */
  readonly weightSet: boolean;
  readonly weightTotal: number;
  readonly weightTotalSet: boolean;
  /**
   * `affinity-canary-behavior` as read on the canary Ingress: any value but "legacy" copies the stable route's
   * affinity to the canary (controller.go mergeAlternativeBackend).
   */
  readonly versionSticky: boolean;
  /** The header, cookie and (when set) weight rules, in the library's words. */
  readonly matches: CanaryMatch[];
}

/** What ingress-nginx effectively applies for one Ingress. @internal */
export interface IngressNginxReading {
  readonly name?: string;
  readonly namespace?: string;
  readonly annotations: NginxAnnotationReading[];
  /** Whether any annotation has the ingress-nginx prefix. */
  readonly hasNginxAnnotations: boolean;
  /** Effective value of a recognised ingress-nginx annotation, by name after the prefix (its default when absent or ignored). */
  readonly get: (name: NginxAnnotationName) => string | undefined;
  /** Whether the annotation is present and kept by ingress-nginx. */
  readonly has: (name: NginxAnnotationName) => boolean;
  /** The annotation of that name, when present and known. */
  readonly annotation: (name: NginxAnnotationName) => NginxAnnotationReading | undefined;
  readonly ingressClass: string;
  /** Where the class came from: `spec.ingressClassName`, the legacy annotation, or the default. */
  readonly classFrom: string;
  readonly useRegex: boolean;
  /** Every host and path of `spec.rules`. */
  readonly paths: IngressPathReading[];
  readonly hasDefaultBackend: boolean;
  /** Whether `spec.tls` has an entry. */
  readonly hasTls: boolean;
  /** The distinct `spec.tls[].secretName`s. */
  readonly tlsSecretNames: string[];
  /** Set when `affinity: cookie` is kept. */
  readonly affinity?: NginxCookieAffinity;
  /** Set when `canary` is true. */
  readonly canary?: NginxCanaryReading;
}

/** The legacy class annotation (before `spec.ingressClassName`), which ingress-nginx still honours. @internal */
export const LEGACY_INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
/** The class ingress-nginx serves by default (its chart's `controller.ingressClassResource.name`). */
const DEFAULT_CLASS = 'nginx';

/** The full key of an ingress-nginx annotation. @internal */
export function nginxAnnotationKey(name: NginxAnnotationName): string {
  return NGINX_ANNOTATION_PREFIX + name;
}

/** Whether an object is a networking.k8s.io Ingress (the kind ingress-nginx reads). @internal */
export function isIngress(object: any): boolean {
  return object?.kind === 'Ingress' && typeof object?.apiVersion === 'string' && object.apiVersion.startsWith('networking.k8s.io/');
}

/**
 * Whether ingress-nginx would make `canary` the alternative backend of `stable`: both are served by the same
 * controller (same class), and a path of the canary has the host, path and pathType of a path of the stable
 * Ingress. controller.go mergeAlternativeBackends (controller-v1.15.1) finds the server by host and merges where
 * `loc.Path == path.Path && *loc.PathType == *path.PathType`, comparing the strings as written. It does not compare
 * namespaces; both commands still pair only within a namespace. @internal
 */
export function isCanaryOf(canary: IngressNginxReading, stable: IngressNginxReading): boolean {
  if (canary.canary === undefined || stable.canary !== undefined || canary.ingressClass !== stable.ingressClass) return false;
  return canary.paths.some((c) => stable.paths.some((s) => s.host === c.host && s.path === c.path && s.pathType === c.pathType));
}

/** One annotation read through NGINX_ANNOTATION_RULES. */
function readAnnotation(key: string, v: unknown): NginxAnnotationReading {
  const raw = typeof v === 'string' ? v : String(v);
  if (key === LEGACY_INGRESS_CLASS_ANNOTATION) return { key, raw, value: raw.trim(), recognised: true };
  if (!key.startsWith(NGINX_ANNOTATION_PREFIX)) return { key, raw, recognised: false };
  const name = key.slice(NGINX_ANNOTATION_PREFIX.length);
  const rule = Object.prototype.hasOwnProperty.call(NGINX_ANNOTATION_RULES, name) ? NGINX_ANNOTATION_RULES[name] : undefined;
  if (!rule) return { key, name, raw, recognised: false };
  return { key, name, raw, ...rule.read(raw), recognised: true };
}

/** An Ingress object as ingress-nginx reads it. @internal */
export function readIngressNginx(object: any): IngressNginxReading {
  const metadata = object?.metadata ?? {};
  const raw = metadata.annotations;
  const entries = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? Object.entries(raw as { [k: string]: unknown }) : [];
  const annotations = entries.map(([k, v]) => readAnnotation(k, v));
  const annotation = (n: NginxAnnotationName) => annotations.find((a) => a.name === n && a.recognised);
  const has = (n: NginxAnnotationName) => annotation(n)?.value !== undefined;
  const get = (n: NginxAnnotationName) => annotation(n)?.value ?? NGINX_ANNOTATION_RULES[n]?.absent;
  const useRegex = get('use-regex') === 'true';

  const spec = object?.spec ?? {};
  const paths: IngressPathReading[] = [];
  for (const rule of Array.isArray(spec.rules) ? spec.rules : []) {
    for (const p of Array.isArray(rule?.http?.paths) ? rule.http.paths : []) {
      const service = p?.backend?.service;
      const pathType = typeof p?.pathType === 'string' ? p.pathType : 'ImplementationSpecific';
      paths.push({
        host: typeof rule.host === 'string' ? rule.host : undefined,
        path: typeof p?.path === 'string' ? p.path : '/',
        pathType,
        routedAs: useRegex ? PathType.REGULAR_EXPRESSION : pathType === 'Exact' ? PathType.EXACT : PathType.PREFIX,
        serviceName: typeof service?.name === 'string' ? service.name : undefined,
        portNumber: typeof service?.port?.number === 'number' ? service.port.number : undefined,
        portName: typeof service?.port?.name === 'string' ? service.port.name : undefined,
      });
    }
  }
  const tls: any[] = Array.isArray(spec.tls) ? spec.tls : [];
  const legacy = annotations.find((a) => a.key === LEGACY_INGRESS_CLASS_ANNOTATION)?.value;
  const className = typeof spec.ingressClassName === 'string' && spec.ingressClassName !== '' ? spec.ingressClassName : undefined;
  return {
    name: typeof metadata.name === 'string' ? metadata.name : undefined,
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
    annotations,
    hasNginxAnnotations: annotations.some((a) => a.key.startsWith(NGINX_ANNOTATION_PREFIX)),
    get,
    has,
    annotation,
    ingressClass: className ?? legacy ?? DEFAULT_CLASS,
    classFrom: className ? 'spec.ingressClassName' : legacy ? `the annotation ${LEGACY_INGRESS_CLASS_ANNOTATION}` : 'the default class of ingress-nginx',
    useRegex,
    paths,
    hasDefaultBackend: spec.defaultBackend !== undefined,
    hasTls: tls.length > 0,
    tlsSecretNames: [...new Set(tls.map((t) => t?.secretName).filter((s): s is string => typeof s === 'string'))],
    affinity: get('affinity') === 'cookie' ? readCookieAffinity(get) : undefined,
    canary: get('canary') === 'true' ? readCanary(get, has) : undefined,
  };
}

/** sessionaffinity/main.go cookieAffinityParse with the sticky.lua meaning of each absent value. */
function readCookieAffinity(get: (name: NginxAnnotationName) => string | undefined): NginxCookieAffinity {
  const seconds = (n: NginxAnnotationName) => (get(n) !== undefined ? Number(get(n)) : undefined);
  const sameSite = get('session-cookie-samesite');
  return {
    mode: get('affinity-mode') === 'persistent' ? AffinityMode.PERSISTENT : AffinityMode.BALANCED,
    cookieName: get('session-cookie-name') ?? DEFAULT_COOKIE_NAME,
    cookiePath: get('session-cookie-path'),
    cookieDomain: get('session-cookie-domain'),
    sameSite: sameSite === 'none' ? SameSite.NONE : sameSite === 'lax' ? SameSite.LAX : sameSite === 'strict' ? SameSite.STRICT : undefined,
    conditionalSameSiteNone: get('session-cookie-conditional-samesite-none') === 'true',
    maxAgeSeconds: seconds('session-cookie-max-age'),
    expiresSeconds: seconds('session-cookie-expires'),
    secure: get('session-cookie-secure') === 'true',
    changeOnFailure: get('session-cookie-change-on-failure') === 'true',
  };
}

/** canary/main.go Parse, with the precedence of balancer.lua route_to_alternative_balancer. */
function readCanary(get: (name: NginxAnnotationName) => string | undefined, has: (name: NginxAnnotationName) => boolean): NginxCanaryReading {
  const header = get('canary-by-header');
  const headerValue = header !== undefined ? get('canary-by-header-value') : undefined;
  const headerPattern = header !== undefined && headerValue === undefined ? get('canary-by-header-pattern') : undefined;
  const cookie = get('canary-by-cookie');
  const weightSet = has('canary-weight');
  const weight = Number(get('canary-weight'));
  const matches: CanaryMatch[] = [];
  if (header !== undefined) {
    matches.push(headerPattern !== undefined ? CanaryMatch.headerPattern(header, headerPattern) : CanaryMatch.header(header, headerValue));
  }
  if (cookie !== undefined) matches.push(CanaryMatch.cookie(cookie));
  if (weightSet) matches.push(CanaryMatch.weight(weight));
  return {
    header,
    headerValue,
    headerPattern,
    cookie,
    weight,
    weightSet,
    weightTotal: Number(get('canary-weight-total')),
    weightTotalSet: has('canary-weight-total'),
    versionSticky: get('affinity-canary-behavior') !== 'legacy',
    matches,
  };
}
