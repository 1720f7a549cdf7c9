import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { describeRef, refOf } from './model';
import { namespaceOf, TreeIndex } from './tree';
import { AffinityTarget, clientIpAffinityRisks, cookieAffinityRisks, secureCookieWithoutTlsRisk } from '../../affinity/risk-catalogue';
import { DEFAULT_CLIENT_IP_TIMEOUT_SECONDS } from '../../affinity/service-affinity';
import { isDnsSubdomain } from '../../prop-checks';
import { AffinityMode, SameSite } from '../../traffic/affinity-mode';
import { CanaryMatch, WeightMatch } from '../../traffic/canary-match';
import { GatewayApiProvider } from '../../traffic/gateway-api';
import { isHttpRoute, readHttpRoute } from '../../traffic/gateway-api-reader';
import { IngressNginxProvider } from '../../traffic/ingress-nginx';
import { IngressNginxReading, isCanaryOf, isIngress, NginxCookieAffinity, readIngressNginx } from '../../traffic/ingress-nginx-reader';
import { BackendRef, CanaryIntent, CookieStickiness, ITrafficProvider, PathType, RouteIntent, RouteRole } from '../../traffic/provider-contract';
import { TraefikProvider } from '../../traffic/traefik';
import { isTraefikIngressRoute, isTraefikService, readIngressRoute, readTraefikWeighted } from '../../traffic/traefik-reader';
import { RiskDescription } from '../../warnings';
import { CliInputError, ManifestObject } from '../manifests';

/** What the audit sees on one object: the mechanisms in words, and the risks the library reports for them. */
export interface Detection {
  readonly mechanisms: string[];
  readonly risks: RiskDescription[];
}

/**
 * Finds the stickiness and canary mechanisms of every object of a tree and the risks this library reports for the
 * same mechanism, with the same texts: the affinity risks come from the risk catalogue with the numbers of the
 * workload behind the Service (`TreeIndex`), the controller's own risks from its provider's `render`, given the
 * route intent that the object expresses.
 */
export class Detector {
  private readonly index: TreeIndex;
  private readonly chart: Chart;
  private scopes = 0;
  /** `namespace/service` -> the controller that routes to it, for ClientIP affinity. */
  private readonly routedBy = new Map<string, { provider: ITrafficProvider; intent: RouteIntent }>();
  private readonly nginx = new IngressNginxProvider();
  private readonly traefik = new TraefikProvider();

  constructor(private readonly objects: readonly ManifestObject[]) {
    this.index = new TreeIndex(objects);
    // the providers render into a throw-away App that is never synthesized
    this.chart = new Chart(new App({ outdir: '.' }), 'audit');
  }

  /** Every object's detection, routes before Services (a Service's ClientIP risk names the controller routing it). */
  public run(): Map<ManifestObject, Detection> {
    const out = new Map<ManifestObject, Detection>();
    for (const m of this.objects) {
      const d = guarded(m, () => this.detectRoute(m));
      if (d) out.set(m, d);
    }
    for (const m of this.objects) {
      if (m.object.kind === 'Service' && m.object.apiVersion === 'v1') {
        const d = guarded(m, () => this.service(m));
        if (d) out.set(m, d);
      }
    }
    return out;
  }

  private detectRoute(m: ManifestObject): Detection | undefined {
    if (isIngress(m.object)) return this.ingress(m);
    if (isHttpRoute(m.object)) return this.httpRoute(m);
    if (isTraefikIngressRoute(m.object)) return this.ingressRoute(m);
    if (isTraefikService(m.object)) return this.traefikService(m);
    return undefined;
  }

  private scope(): Construct {
    return new Construct(this.chart, `o${this.scopes++}`);
  }

  private intent(m: ManifestObject, route: RoutePath, stickiness?: CookieStickiness, canary?: CanaryIntent): RouteIntent {
    return {
      name: m.object.metadata?.name ?? 'route',
      host: route.host,
      path: route.path,
      pathType: route.pathType,
      backend: route.backend,
      labels: {},
      contributor: { where: describeRef(refOf(m)), scope: this.scope() },
      stickiness,
      canary,
    };
  }

  private target(m: ManifestObject, serviceName: string, namespace?: string): AffinityTarget {
    return this.index.target(namespace ?? namespaceOf(m), serviceName);
  }

  private noteRoute(m: ManifestObject, provider: ITrafficProvider, intent: RouteIntent, services: string[], namespace = namespaceOf(m)): void {
    for (const s of services) if (!this.routedBy.has(`${namespace}/${s}`)) this.routedBy.set(`${namespace}/${s}`, { provider, intent });
  }

  // ---- ingress-nginx ----

  private ingress(m: ManifestObject): Detection | undefined {
    const read = readIngressNginx(m.object);
    const paths = routePaths(read);
    if (paths.length === 0 || !read.hasNginxAnnotations) return undefined;
    const where = describeRef(refOf(m));
    const services = [...new Set(paths.map((p) => p.backend.serviceName))];
    const sticky = read.affinity ? stickinessOf(read.affinity, where, this.scope()) : undefined;
    const mechanisms: string[] = [];
    const risks: RiskDescription[] = [];

    if (read.canary) {
      const stable = this.stableIngressOf(m, read);
      const stableAffinity = stable ? readIngressNginx(stable.object).affinity : undefined;
      const stableSticky = stable && stableAffinity ? stickinessOf(stableAffinity, describeRef(refOf(stable)), this.scope()) : undefined;
      const canary: CanaryIntent = {
        contributor: { where, scope: this.scope() },
        name: m.object.metadata?.name ?? 'canary',
        backend: paths[0].backend,
        matches: read.canary.matches,
        weightTotal: read.canary.weightTotal,
        versionSticky: read.canary.versionSticky,
      };
      mechanisms.push(describeCanary(canary, stable ? describeRef(refOf(stable)) : undefined, stableSticky !== undefined));
      const stableRoute = stable ? routePaths(readIngressNginx(stable.object), false)[0] : paths[0];
      const intent = this.intent(stable ?? m, stableRoute, stableSticky, canary);
      risks.push(...this.nginx.render(intent).risks.filter((r) => r.role === RouteRole.CANARY).map((r) => r.risk));
      return { mechanisms, risks };
    }
    const intent = this.intent(m, paths[0], sticky);
    this.noteRoute(m, this.nginx, intent, services);
    if (sticky) {
      mechanisms.push(`cookie affinity (${this.nginx.name}, ${sticky.mode}, cookie ${sticky.cookieName})`);
      const tls = read.hasTls;
      for (const s of services) {
        const t = this.target(m, s);
        risks.push(...cookieAffinityRisks(t, sticky.mode));
        // secure: true is Secure whatever the scheme (see NginxCookieAffinity.secure), so without TLS the browser drops it
        if (sticky.secure && !tls) risks.push(secureCookieWithoutTlsRisk(t, m.object.metadata?.name ?? '', paths[0].host));
      }
    }
    risks.push(...this.nginx.render(intent).risks.map((r) => r.risk));
    return mechanisms.length > 0 || risks.length > 0 ? { mechanisms, risks } : undefined;
  }

  /** The Ingress ingress-nginx pairs a canary with (see isCanaryOf), in the same namespace. */
  private stableIngressOf(canary: ManifestObject, read: IngressNginxReading): ManifestObject | undefined {
    return this.objects.find(
      (o) => o !== canary && isIngress(o.object) && namespaceOf(o) === namespaceOf(canary) && isCanaryOf(read, readIngressNginx(o.object)),
    );
  }

  // ---- Gateway API ----

  private httpRoute(m: ManifestObject): Detection | undefined {
    const read = readHttpRoute(m.object);
    const rules = read.rules;
    const mechanisms: string[] = [];
    const risks: RiskDescription[] = [];
    const where = describeRef(refOf(m));
    const stickyRule = rules.find((r) => r.persistence);
    const weightedRule = rules.find((r) => r.backends.filter((b) => b.weight > 0).length >= 2);
    rules.forEach((rule, i) => {
      const sp = rule.persistence;
      if (sp) {
        mechanisms.push(`session persistence (gateway-api, ${sp.type}${sp.sessionName ? ` ${sp.sessionName}` : ''}) on rule ${i + 1}`);
        // session persistence keeps a session on its backend and never rebalances on scale-up (see GatewayApiProvider.validate)
        for (const b of rule.backends) risks.push(...cookieAffinityRisks(this.target(m, b.serviceName, b.namespace), AffinityMode.PERSISTENT));
      }
      if (rule.backends.filter((b) => b.weight > 0).length >= 2) {
        mechanisms.push(`weighted backends (gateway-api) on rule ${i + 1}: ${rule.backends.map((b) => `${b.serviceName} ${b.weight}`).join(', ')}`);
      }
    });
    const main = weightedRule ?? stickyRule ?? rules[0];
    const refs = main?.backends ?? [];
    if (refs.length === 0) return mechanisms.length > 0 ? { mechanisms, risks } : undefined;
    const byWeight = [...refs].sort((a, b) => b.weight - a.weight);
    const route = { path: main.path, pathType: main.pathType, backend: { serviceName: byWeight[0].serviceName, port: byWeight[0].port } };
    const stickiness: CookieStickiness | undefined = stickyRule
      ? { ...neutralCookie(where, this.scope(), AffinityMode.PERSISTENT), cookieName: stickyRule.persistence!.sessionName }
      : undefined;
    let canary: CanaryIntent | undefined;
    if (weightedRule) {
      const c = byWeight[byWeight.length - 1];
      const headers = rules
        .filter((r) => r !== weightedRule && r.backends.some((b) => b.serviceName === c.serviceName))
        .flatMap((r) => r.headerMatches);
      canary = {
        contributor: { where, scope: this.scope() },
        name: c.serviceName,
        backend: { serviceName: c.serviceName, port: c.port },
        matches: [...headers, CanaryMatch.weight(c.weight)],
        weightTotal: refs.reduce((n, b) => n + b.weight, 0),
        // with session persistence on the weighted rule a user stays on the version they got (GEP-1619)
        versionSticky: stickiness !== undefined,
      };
    }
    const provider = new GatewayApiProvider({
      gatewayName: read.gatewayName !== undefined && isDnsSubdomain(read.gatewayName) ? read.gatewayName : 'gateway',
      experimentalFields: true,
    });
    const intent = this.intent(m, route, stickiness, canary);
    this.noteRoute(m, provider, intent, rules.flatMap((r) => r.backends.filter((b) => b.namespace === undefined).map((b) => b.serviceName)));
    if (stickiness || canary) risks.push(...provider.render(intent).risks.map((r) => r.risk));
    return mechanisms.length > 0 || risks.length > 0 ? { mechanisms, risks } : undefined;
  }

  // ---- Traefik ----

  private ingressRoute(m: ManifestObject): Detection | undefined {
    const mechanisms: string[] = [];
    const risks: RiskDescription[] = [];
    const services: string[] = [];
    readIngressRoute(m.object).routes.forEach((refs, i) => {
      for (const s of refs) {
        services.push(s.serviceName);
        if (s.stickyCookie) {
          mechanisms.push(`sticky cookie (${this.traefik.name}${s.stickyCookie.name ? `, cookie ${s.stickyCookie.name}` : ''}) on Service ${s.serviceName} of route ${i + 1}`);
          // Traefik's sticky cookie never rebalances (see TraefikProvider.validateStickiness)
          risks.push(...cookieAffinityRisks(this.target(m, s.serviceName, s.namespace), AffinityMode.PERSISTENT));
        }
      }
    });
    if (services.length > 0) {
      const intent = this.intent(m, { path: '/', pathType: PathType.PREFIX, backend: { serviceName: services[0], port: 80 } });
      this.noteRoute(m, this.traefik, intent, services);
    }
    return mechanisms.length > 0 ? { mechanisms, risks } : undefined;
  }

  private traefikService(m: ManifestObject): Detection | undefined {
    const weighted = readTraefikWeighted(m.object);
    if (!weighted || weighted.all.length < 2) return undefined;
    const mechanisms = [
      `weighted services (${this.traefik.name}): ${weighted.all.map((s) => `${s.name} ${s.weight}`).join(', ')}` +
        (weighted.stickyCookie ? `; version-sticky (cookie ${weighted.stickyCookie.name ?? 'default name'})` : ''),
    ];
    const risks: RiskDescription[] = [];
    for (const s of weighted.services) {
      if (s.stickyCookie) {
        mechanisms.push(`sticky cookie (${this.traefik.name}${s.stickyCookie.name ? `, cookie ${s.stickyCookie.name}` : ''}) on Service ${s.serviceName}`);
        risks.push(...cookieAffinityRisks(this.target(m, s.serviceName, s.namespace), AffinityMode.PERSISTENT));
      }
    }
    return { mechanisms, risks };
  }

  // ---- Service ----

  private service(m: ManifestObject): Detection | undefined {
    const spec = m.object.spec ?? {};
    if (spec.sessionAffinity !== 'ClientIP') return undefined;
    const name = m.object.metadata?.name ?? '';
    const configured = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    const timeout = typeof configured === 'number' ? configured : DEFAULT_CLIENT_IP_TIMEOUT_SECONDS;
    const routed = this.routedBy.get(`${namespaceOf(m)}/${name}`);
    const routedBy = routed ? { controller: routed.provider.name, behaviour: routed.provider.describeServiceAffinity(routed.intent) } : undefined;
    return {
      mechanisms: [`ClientIP affinity (Service, ${timeout} s)`],
      risks: clientIpAffinityRisks(this.target(m, name), name, timeout, routedBy),
    };
  }
}

/** An object whose fields the providers cannot take (e.g. a header match without a name) is bad input, named. */
function guarded(m: ManifestObject, detect: () => Detection | undefined): Detection | undefined {
  try {
    return detect();
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new CliInputError(`${m.file}:${m.line}: ${describeRef(refOf(m))} cannot be audited: ${message}`);
  }
}

interface RoutePath {
  readonly host?: string;
  readonly path: string;
  readonly pathType: PathType;
  readonly backend: BackendRef;
}

/** Every host and path of an Ingress that sends to a Service (as routed, or as written without use-regex). */
function routePaths(read: IngressNginxReading, asRouted = true): RoutePath[] {
  return read.paths
    .filter((p) => p.serviceName !== undefined)
    .map((p) => ({
      host: p.host,
      path: p.path,
      pathType: asRouted ? p.routedAs : p.pathType === 'Exact' ? PathType.EXACT : PathType.PREFIX,
      backend: { serviceName: p.serviceName!, port: p.portNumber ?? 80 },
    }));
}

function neutralCookie(where: string, scope: Construct, mode: AffinityMode): CookieStickiness {
  return {
    contributor: { where, scope },
    mode,
    justification: '',
    secure: true,
    sameSite: SameSite.LAX,
    conditionalSameSiteNone: false,
    changeOnFailure: true,
  };
}

/** The stickiness intent of what ingress-nginx applies (the provider renders its risks from it). */
function stickinessOf(a: NginxCookieAffinity, where: string, scope: Construct): CookieStickiness & { cookieName: string } {
  return {
    ...neutralCookie(where, scope, a.mode),
    cookieName: a.cookieName,
    cookiePath: a.cookiePath,
    cookieDomain: a.cookieDomain,
    maxAgeSeconds: a.maxAgeSeconds,
    expiresSeconds: a.expiresSeconds,
    secure: a.secure,
    // the intent cannot say "no SameSite attribute": Lax stands in, as in the import (no risk of the audit depends on it)
    sameSite: a.sameSite ?? SameSite.LAX,
    conditionalSameSiteNone: a.conditionalSameSiteNone,
    changeOnFailure: a.changeOnFailure,
  };
}

function describeCanary(c: CanaryIntent, stable: string | undefined, stableSticky: boolean): string {
  return (
    `canary (ingress-nginx) to Service ${c.backend.serviceName}: ${c.matches.map((x) => x.describe()).join(', ') || 'no match'}` +
    (c.matches.some((x) => x instanceof WeightMatch) ? ` of ${c.weightTotal}` : '') +
    (stable ? `, beside ${stable}` : ', no stable Ingress for its host and path in this tree') +
    (stableSticky ? (c.versionSticky ? ', version-sticky' : ', not version-sticky (legacy)') : '')
  );
}
