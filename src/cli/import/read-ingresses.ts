import { NGINX_ANNOTATION_PREFIX, NGINX_ANNOTATION_RULES } from '../../traffic/ingress-nginx';
import { CliInputError, ManifestObject } from '../manifests';

/** An annotation of an imported Ingress as ingress-nginx reads it. */
export interface ReadAnnotation {
  /** The full key, e.g. `nginx.ingress.kubernetes.io/session-cookie-name`. */
  readonly key: string;
  /** The name after the ingress-nginx prefix (undefined for another prefix). */
  readonly name?: string;
  /** The value as written. */
  readonly raw: string;
  /** The value ingress-nginx keeps (undefined when it ignores the annotation). */
  readonly value?: string;
  /** Why ingress-nginx ignores it (its validator refuses the value), when it does. */
  readonly ignored?: string;
  /** Whether this library knows the annotation (affinity, canary, use-regex, the legacy ingress class). */
  readonly recognised: boolean;
}

/** One Ingress with one host and path, as the import understands it. */
export interface ReadIngress {
  readonly source: ManifestObject;
  readonly name: string;
  readonly namespace?: string;
  readonly ingressClass: string;
  /** Where the class came from: `spec.ingressClassName`, the legacy annotation, or the default. */
  readonly classFrom: string;
  readonly host?: string;
  readonly path: string;
  /** `Prefix`, `Exact` or `ImplementationSpecific` as written. */
  readonly pathType: string;
  readonly serviceName: string;
  readonly servicePort: number;
  readonly tlsSecretName?: string;
  readonly annotations: ReadAnnotation[];
  /** Effective value of a recognised ingress-nginx annotation (its default when absent or ignored). */
  readonly get: (name: string) => string | undefined;
  /** Whether the annotation is present and kept by ingress-nginx. */
  readonly has: (name: string) => boolean;
  readonly isCanary: boolean;
}

/** The workload objects of the input, by namespace and name. */
export interface InputObjects {
  readonly ingresses: ReadIngress[];
  readonly services: ManifestObject[];
  readonly deployments: ManifestObject[];
}

/** The legacy class annotation (before `spec.ingressClassName`), which ingress-nginx still honours. */
const LEGACY_CLASS = 'kubernetes.io/ingress.class';
/** The class ingress-nginx serves by default (its chart's `controller.ingressClassResource.name`). */
const DEFAULT_CLASS = 'nginx';

/** Read the supported objects; anything else, or an Ingress this import cannot express, is a CliInputError naming file and line. */
export function readInput(objects: ManifestObject[]): InputObjects {
  const ingresses: ReadIngress[] = [];
  const services: ManifestObject[] = [];
  const deployments: ManifestObject[] = [];
  for (const m of objects) {
    const { apiVersion, kind } = m.object;
    if (kind === 'Ingress' && apiVersion === 'networking.k8s.io/v1') continue;
    if (kind === 'Service' && apiVersion === 'v1') {services.push(m);} else if (kind === 'Deployment' && apiVersion === 'apps/v1') {deployments.push(m);} else {
      throw new CliInputError(
        `${at(m)}: ${kind} ${m.object.metadata?.name ?? ''} (${apiVersion}) is not supported: import reads networking.k8s.io/v1 Ingresses and the v1 Services and apps/v1 Deployments behind them (e.g. kubectl get ingress,service,deployment -o yaml)`,
      );
    }
  }
  for (const m of objects) {
    if (m.object.kind === 'Ingress' && m.object.apiVersion === 'networking.k8s.io/v1') ingresses.push(readIngress(m, services));
  }
  return { ingresses, services, deployments };
}

/** `file:line` of an object, for messages. */
export function at(m: ManifestObject): string {
  return `${m.file}:${m.line}`;
}

function readIngress(m: ManifestObject, services: ManifestObject[]): ReadIngress {
  const o = m.object;
  const name: string = o.metadata?.name;
  const where = `${at(m)}: Ingress ${name ?? '(no name)'}`;
  if (typeof name !== 'string' || name === '') throw new CliInputError(`${where}: metadata.name is required`);
  const namespace: string | undefined = o.metadata?.namespace;
  const rawAnnotations: { [k: string]: unknown } = o.metadata?.annotations ?? {};
  const annotations: ReadAnnotation[] = Object.entries(rawAnnotations).map(([key, v]) => {
    const raw = typeof v === 'string' ? v : String(v);
    if (key === LEGACY_CLASS) return { key, raw, value: raw.trim(), recognised: true };
    if (!key.startsWith(NGINX_ANNOTATION_PREFIX)) return { key, raw, recognised: false };
    const short = key.slice(NGINX_ANNOTATION_PREFIX.length);
    const rule = NGINX_ANNOTATION_RULES[short];
    if (!rule) return { key, name: short, raw, recognised: false };
    return { key, name: short, raw, ...rule.read(raw), recognised: true };
  });
  const find = (n: string) => annotations.find((a) => a.name === n && a.recognised);
  const has = (n: string) => find(n)?.value !== undefined;
  const get = (n: string) => find(n)?.value ?? NGINX_ANNOTATION_RULES[n]?.absent;

  const spec = o.spec ?? {};
  const rules: any[] = Array.isArray(spec.rules) ? spec.rules : [];
  const paths = rules.flatMap((r) => (Array.isArray(r?.http?.paths) ? r.http.paths.map((p: any) => ({ host: r.host, p })) : []));
  if (spec.defaultBackend !== undefined || paths.length !== 1) {
    throw new CliInputError(
      `${where}: has ${paths.length} paths${spec.defaultBackend !== undefined ? ' and a defaultBackend' : ''}; import reads Ingresses with exactly one host rule and one path (split the Ingress, one per path, and import again)`,
    );
  }
  const { host, p } = paths[0];
  const service = p?.backend?.service;
  if (typeof service?.name !== 'string') throw new CliInputError(`${where}: the path's backend must be a Service (backend.service.name); a resource backend is not supported`);
  const servicePort = resolvePort(where, namespace, service, services);
  const tls: any[] = Array.isArray(spec.tls) ? spec.tls : [];
  const secrets = [...new Set(tls.map((t) => t?.secretName).filter((s) => typeof s === 'string'))];
  if (secrets.length > 1) throw new CliInputError(`${where}: has ${secrets.length} TLS secrets; import reads one (${secrets.join(', ')})`);
  const legacy = annotations.find((a) => a.key === LEGACY_CLASS)?.value;
  const ingressClass: string = spec.ingressClassName ?? legacy ?? DEFAULT_CLASS;
  return {
    source: m,
    name,
    namespace,
    ingressClass,
    classFrom: spec.ingressClassName ? 'spec.ingressClassName' : legacy ? `the annotation ${LEGACY_CLASS}` : 'the default class of ingress-nginx',
    host: typeof host === 'string' ? host : undefined,
    path: typeof p.path === 'string' ? p.path : '/',
    pathType: typeof p.pathType === 'string' ? p.pathType : 'ImplementationSpecific',
    serviceName: service.name,
    servicePort,
    tlsSecretName: secrets[0],
    annotations,
    get,
    has,
    isCanary: get('canary') === 'true',
  };
}

function resolvePort(where: string, namespace: string | undefined, service: any, services: ManifestObject[]): number {
  if (typeof service.port?.number === 'number') return service.port.number;
  const portName = service.port?.name;
  const svc = services.find((s) => s.object.metadata?.name === service.name && s.object.metadata?.namespace === namespace);
  const port = (svc?.object.spec?.ports ?? []).find((x: any) => x?.name === portName)?.port;
  if (typeof port !== 'number') {
    throw new CliInputError(`${where}: the backend port ${JSON.stringify(portName ?? null)} of Service ${service.name} must be a number, or the Service with a port of that name must be in the input`);
  }
  return port;
}
