import { NginxAnnotationName } from '../../traffic/ingress-nginx';
import { IngressNginxReading, IngressPathReading, NginxAnnotationReading, readIngressNginx } from '../../traffic/ingress-nginx-reader';
import { CliInputError, ManifestObject } from '../manifests';

/** An annotation of an imported Ingress as ingress-nginx reads it. */
export type ReadAnnotation = NginxAnnotationReading;

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
  /** What ingress-nginx applies for this Ingress (affinity, canary, use-regex), from the traffic layer's reader. */
  readonly reading: IngressNginxReading;
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
  const reading = readIngressNginx(o);
  const paths = reading.paths;
  if (reading.hasDefaultBackend || paths.length !== 1) {
    throw new CliInputError(
      `${where}: has ${paths.length} paths${reading.hasDefaultBackend ? ' and a defaultBackend' : ''}; import reads Ingresses with exactly one host rule and one path (split the Ingress, one per path, and import again)`,
    );
  }
  const p = paths[0];
  if (p.serviceName === undefined) throw new CliInputError(`${where}: the path's backend must be a Service (backend.service.name); a resource backend is not supported`);
  const servicePort = resolvePort(where, namespace, p, services);
  const secrets = reading.tlsSecretNames;
  if (secrets.length > 1) throw new CliInputError(`${where}: has ${secrets.length} TLS secrets; import reads one (${secrets.join(', ')})`);
  return {
    source: m,
    name,
    namespace,
    ingressClass: reading.ingressClass,
    classFrom: reading.classFrom,
    host: p.host,
    path: p.path,
    pathType: p.pathType,
    serviceName: p.serviceName,
    servicePort,
    tlsSecretName: secrets[0],
    annotations: reading.annotations,
    reading,
    get: (n) => reading.get(n as NginxAnnotationName),
    has: (n) => reading.has(n as NginxAnnotationName),
    isCanary: reading.canary !== undefined,
  };
}

function resolvePort(where: string, namespace: string | undefined, p: IngressPathReading, services: ManifestObject[]): number {
  if (p.portNumber !== undefined) return p.portNumber;
  const svc = services.find((s) => s.object.metadata?.name === p.serviceName && s.object.metadata?.namespace === namespace);
  const port = (svc?.object.spec?.ports ?? []).find((x: any) => x?.name === p.portName)?.port;
  if (typeof port !== 'number') {
    throw new CliInputError(`${where}: the backend port ${JSON.stringify(p.portName ?? null)} of Service ${p.serviceName} must be a number, or the Service with a port of that name must be in the input`);
  }
  return port;
}
