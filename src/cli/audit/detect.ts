import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AffinityMode, SameSite } from '../../traffic/affinity-mode';
import { AffinityTarget, clientIpAffinityRisks, cookieAffinityRisks, secureCookieWithoutTlsRisk } from '../../affinity/risk-catalogue';
import { DEFAULT_CLIENT_IP_TIMEOUT_SECONDS } from '../../affinity/service-affinity';
import { CanaryMatch, WeightMatch } from '../../traffic/canary-match';
import { isDnsSubdomain } from '../../prop-checks';
import { GatewayApiProvider } from '../../traffic/gateway-api';
import { INGRESS_NGINX_ANNOTATIONS, IngressNginxProvider } from '../../traffic/ingress-nginx';
import { BackendRef, CanaryIntent, CookieStickiness, ITrafficProvider, PathType, RouteIntent, RouteRole } from '../../traffic/provider-contract';
import { TraefikProvider } from '../../traffic/traefik';
import { RiskDescription } from '../../warnings';
import { CliInputError, ManifestObject } from '../manifests';
import { annotationsOf } from './annotations';
import { describeRef, refOf } from './model';
import { namespaceOf, TreeIndex } from './tree';

/** What the audit sees on one object: the mechanisms in words, and the risks the library reports for them. */
export interface Detection {
  readonly mechanisms: string[];
  readonly risks: RiskDescription[];
}

const A = INGRESS_NGINX_ANNOTATIONS;

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
    const { apiVersion, kind } = m.object;
    if (kind === 'Ingress' && apiVersion.startsWith('networking.k8s.io/')) return this.ingress(m);
    if (kind === 'HTTPRoute' && apiVersion.startsWith('gateway.networking.k8s.io/')) return this.httpRoute(m);
    if (kind === 'IngressRoute' && /^traefik\.(io|containo\.us)\//.test(apiVersion)) return this.ingressRoute(m);
    if (kind === 'TraefikService' && /^traefik\.(io|containo\.us)\//.test(apiVersion)) return this.traefikService(m);
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
    const ann = annotationsOf(m);
    const get = (name: string): string | undefined => ann[A.prefix + name];
    const paths = ingressPaths(m, get(A.useRegex) !== undefined && goBool(get(A.useRegex)));
    if (paths.length === 0 || !Object.keys(ann).some((k) => k.startsWith(A.prefix))) return undefined;
    const where = describeRef(refOf(m));
    const services = [...new Set(paths.map((p) => p.backend.serviceName))];
    const sticky = get(A.affinity) === A.affinityCookie ? nginxStickiness(get, where, this.scope()) : undefined;
    const mechanisms: string[] = [];
    const risks: RiskDescription[] = [];

    if (goBool(get(A.canary))) {
      const stable = this.stableIngressOf(m, paths);
      const stableSticky = stable ? stableStickiness(stable, this.scope()) : undefined;
      const canary = nginxCanary(get, where, this.scope(), paths[0].backend, m.object.metadata?.name ?? 'canary');
      mechanisms.push(describeCanary(canary, stable ? describeRef(refOf(stable)) : undefined, stableSticky !== undefined));
      const stableRoute = stable ? ingressPaths(stable, false)[0] : paths[0];
      const intent = this.intent(stable ?? m, stableRoute, stableSticky, canary);
      risks.push(...this.nginx.render(intent).risks.filter((r) => r.role === RouteRole.CANARY).map((r) => r.risk));
      return { mechanisms, risks };
    }
    const intent = this.intent(m, paths[0], sticky);
    this.noteRoute(m, this.nginx, intent, services);
    if (sticky) {
      mechanisms.push(`cookie affinity (${this.nginx.name}, ${sticky.mode}, cookie ${sticky.cookieName})`);
      const tls = Array.isArray(m.object.spec?.tls) && m.object.spec.tls.length > 0;
      for (const s of services) {
        const t = this.target(m, s);
        risks.push(...cookieAffinityRisks(t, sticky.mode));
        // session-cookie-secure "true" forces Secure whatever the scheme (sessionaffinity/main.go,
        // annotationAffinityCookieSecure: "set the cookie as secure regardless the protocol of the incoming request")
        if (sticky.secure && !tls) risks.push(secureCookieWithoutTlsRisk(t, m.object.metadata?.name ?? '', paths[0].host));
      }
    }
    risks.push(...this.nginx.render(intent).risks.map((r) => r.risk));
    return mechanisms.length > 0 || risks.length > 0 ? { mechanisms, risks } : undefined;
  }

  /** The Ingress ingress-nginx pairs a canary with: not a canary, same namespace, and one of its host and path pairs. */
  private stableIngressOf(canary: ManifestObject, paths: RoutePath[]): ManifestObject | undefined {
    const keys = new Set(paths.map(pathKeyOf));
    return this.objects.find(
      (o) =>
        o !== canary &&
        o.object.kind === 'Ingress' &&
        namespaceOf(o) === namespaceOf(canary) &&
        !goBool(annotationsOf(o)[A.prefix + A.canary]) &&
        ingressPaths(o, false).some((p) => keys.has(pathKeyOf(p))),
    );
  }

  // ---- Gateway API ----

  private httpRoute(m: ManifestObject): Detection | undefined {
    const rules: any[] = Array.isArray(m.object.spec?.rules) ? m.object.spec.rules : [];
    const mechanisms: string[] = [];
    const risks: RiskDescription[] = [];
    const where = describeRef(refOf(m));
    const serviceRefs = (rule: any): Array<{ name: string; namespace?: string; port: number; weight: number }> =>
      (Array.isArray(rule?.backendRefs) ? rule.backendRefs : [])
        // backendRefs: group "" and kind "Service" by default; weight 1 by default (HTTPRoute CRD, BackendRef)
        .filter((r: any) => (r?.group ?? '') === '' && (r?.kind ?? 'Service') === 'Service' && typeof r?.name === 'string')
        .map((r: any) => ({ name: r.name, namespace: r.namespace, port: typeof r.port === 'number' ? r.port : 80, weight: typeof r.weight === 'number' ? r.weight : 1 }));
    const stickyRule = rules.find((r) => r?.sessionPersistence);
    const weightedRule = rules.find((r) => serviceRefs(r).filter((b) => b.weight > 0).length >= 2);
    rules.forEach((rule, i) => {
      const sp = rule?.sessionPersistence;
      if (sp) {
        mechanisms.push(`session persistence (gateway-api, ${sp.type ?? 'Cookie'}${sp.sessionName ? ` ${sp.sessionName}` : ''}) on rule ${i + 1}`);
        // sessionPersistence keeps a session on its backend and never rebalances on scale-up (see GatewayApiProvider.validate)
        for (const b of serviceRefs(rule)) risks.push(...cookieAffinityRisks(this.target(m, b.name, b.namespace), AffinityMode.PERSISTENT));
      }
      const refs = serviceRefs(rule);
      if (refs.filter((b) => b.weight > 0).length >= 2) {
        mechanisms.push(`weighted backends (gateway-api) on rule ${i + 1}: ${refs.map((b) => `${b.name} ${b.weight}`).join(', ')}`);
      }
    });
    const main = weightedRule ?? stickyRule ?? rules[0];
    const refs = serviceRefs(main);
    if (refs.length === 0) return mechanisms.length > 0 ? { mechanisms, risks } : undefined;
    const byWeight = [...refs].sort((a, b) => b.weight - a.weight);
    const route = { ...gatewayPath(main), backend: { serviceName: byWeight[0].name, port: byWeight[0].port } };
    const stickiness: CookieStickiness | undefined = stickyRule
      ? { ...neutralCookie(where, this.scope(), AffinityMode.PERSISTENT), cookieName: stickyRule.sessionPersistence.sessionName }
      : undefined;
    let canary: CanaryIntent | undefined;
    if (weightedRule) {
      const c = byWeight[byWeight.length - 1];
      const headers = rules
        .filter((r) => r !== weightedRule && serviceRefs(r).some((b) => b.name === c.name))
        .flatMap((r) => (Array.isArray(r.matches) ? r.matches : []).flatMap((x: any) => (Array.isArray(x?.headers) ? x.headers : [])))
        .map((h: any) => (h.type === 'RegularExpression' ? CanaryMatch.headerPattern(h.name, h.value) : CanaryMatch.header(h.name, h.value)));
      canary = {
        contributor: { where, scope: this.scope() },
        name: c.name,
        backend: { serviceName: c.name, port: c.port },
        matches: [...headers, CanaryMatch.weight(c.weight)],
        weightTotal: refs.reduce((n, b) => n + b.weight, 0),
        // with sessionPersistence on the weighted rule a user stays on the version they got (GEP-1619)
        versionSticky: stickiness !== undefined,
      };
    }
    const parent = m.object.spec?.parentRefs?.[0];
    const provider = new GatewayApiProvider({
      gatewayName: typeof parent?.name === 'string' && isDnsSubdomain(parent.name) ? parent.name : 'gateway',
      experimentalFields: true,
    });
    const intent = this.intent(m, route, stickiness, canary);
    this.noteRoute(m, provider, intent, rules.flatMap((r) => serviceRefs(r).filter((b) => b.namespace === undefined).map((b) => b.name)));
    if (stickiness || canary) risks.push(...provider.render(intent).risks.map((r) => r.risk));
    return mechanisms.length > 0 || risks.length > 0 ? { mechanisms, risks } : undefined;
  }

  // ---- Traefik ----

  private ingressRoute(m: ManifestObject): Detection | undefined {
    const mechanisms: string[] = [];
    const risks: RiskDescription[] = [];
    const routes: any[] = Array.isArray(m.object.spec?.routes) ? m.object.spec.routes : [];
    const services: string[] = [];
    routes.forEach((route, i) => {
      for (const s of Array.isArray(route?.services) ? route.services : []) {
        if ((s?.kind ?? 'Service') !== 'Service' || typeof s?.name !== 'string') continue;
        services.push(s.name);
        const cookie = s.sticky?.cookie;
        if (cookie) {
          mechanisms.push(`sticky cookie (${this.traefik.name}${cookie.name ? `, cookie ${cookie.name}` : ''}) on Service ${s.name} of route ${i + 1}`);
          // Traefik's sticky cookie never rebalances (see TraefikProvider.validateStickiness)
          risks.push(...cookieAffinityRisks(this.target(m, s.name, s.namespace), AffinityMode.PERSISTENT));
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
    const weighted = m.object.spec?.weighted;
    const services: any[] = Array.isArray(weighted?.services) ? weighted.services : [];
    if (services.length < 2) return undefined;
    const mechanisms = [
      `weighted services (${this.traefik.name}): ${services.map((s) => `${s?.name} ${typeof s?.weight === 'number' ? s.weight : 1}`).join(', ')}` +
        (weighted.sticky?.cookie ? `; version-sticky (cookie ${weighted.sticky.cookie.name ?? 'default name'})` : ''),
    ];
    const risks: RiskDescription[] = [];
    for (const s of services) {
      const cookie = s?.sticky?.cookie;
      if ((s?.kind ?? 'Service') === 'Service' && typeof s?.name === 'string' && cookie) {
        mechanisms.push(`sticky cookie (${this.traefik.name}${cookie.name ? `, cookie ${cookie.name}` : ''}) on Service ${s.name}`);
        risks.push(...cookieAffinityRisks(this.target(m, s.name, s.namespace), AffinityMode.PERSISTENT));
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

function pathKeyOf(p: RoutePath): string {
  return `${p.host ?? '*'}|${p.path.length > 1 ? p.path.replace(/\/+$/, '') : p.path}`;
}

/** Every host and path of an Ingress that sends to a Service. */
function ingressPaths(m: ManifestObject, regex: boolean): RoutePath[] {
  const out: RoutePath[] = [];
  for (const rule of Array.isArray(m.object.spec?.rules) ? m.object.spec.rules : []) {
    for (const p of Array.isArray(rule?.http?.paths) ? rule.http.paths : []) {
      const service = p?.backend?.service;
      if (typeof service?.name !== 'string') continue;
      out.push({
        host: typeof rule.host === 'string' ? rule.host : undefined,
        path: typeof p.path === 'string' ? p.path : '/',
        pathType: regex ? PathType.REGULAR_EXPRESSION : p.pathType === 'Exact' ? PathType.EXACT : PathType.PREFIX,
        backend: { serviceName: service.name, port: typeof service.port?.number === 'number' ? service.port.number : 80 },
      });
    }
  }
  return out;
}

function gatewayPath(rule: any): { path: string; pathType: PathType; host?: string } {
  const p = Array.isArray(rule?.matches) ? rule.matches.find((x: any) => x?.path)?.path : undefined;
  const pathType = p?.type === 'Exact' ? PathType.EXACT : p?.type === 'RegularExpression' ? PathType.REGULAR_EXPRESSION : PathType.PREFIX;
  return { path: typeof p?.value === 'string' ? p.value : '/', pathType };
}

/**
 * strconv.ParseBool, which ingress-nginx uses for boolean annotations (internal/ingress/annotations/parser/main.go
 * parseBool, controller-v1.15.1): "1", "t", "T", "TRUE", "true", "True" are true.
 */
function goBool(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

function goInt(value: string | undefined): number | undefined {
  return value !== undefined && /^[+-]?\d+$/.test(value) ? Number(value) : undefined;
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

function nginxStickiness(get: (name: string) => string | undefined, where: string, scope: Construct): CookieStickiness & { cookieName: string } {
  return {
    ...neutralCookie(where, scope, get(A.affinityMode) === A.persistentMode ? AffinityMode.PERSISTENT : AffinityMode.BALANCED),
    cookieName: get(A.cookieName) ?? A.defaultCookieName,
    cookiePath: get(A.cookiePath),
    maxAgeSeconds: goInt(get(A.cookieMaxAge)),
    secure: goBool(get(A.cookieSecure)),
  };
}

function stableStickiness(stable: ManifestObject, scope: Construct): CookieStickiness | undefined {
  const ann = annotationsOf(stable);
  const get = (name: string): string | undefined => ann[A.prefix + name];
  return get(A.affinity) === A.affinityCookie ? nginxStickiness(get, describeRef(refOf(stable)), scope) : undefined;
}

function nginxCanary(get: (name: string) => string | undefined, where: string, scope: Construct, backend: BackendRef, name: string): CanaryIntent {
  const matches: CanaryMatch[] = [];
  const header = get(A.canaryByHeader);
  if (header !== undefined) {
    const pattern = get(A.canaryByHeaderPattern);
    const value = get(A.canaryByHeaderValue);
    // a header value wins over a pattern (rootfs/etc/nginx/lua/balancer.lua route_to_alternative_balancer, controller-v1.15.1)
    matches.push(pattern !== undefined && value === undefined ? CanaryMatch.headerPattern(header, pattern) : CanaryMatch.header(header, value));
  }
  const cookie = get(A.canaryByCookie);
  if (cookie !== undefined) matches.push(CanaryMatch.cookie(cookie));
  const weight = goInt(get(A.canaryWeight));
  if (weight !== undefined) matches.push(CanaryMatch.weight(weight));
  return {
    contributor: { where, scope },
    name,
    backend,
    matches,
    weightTotal: goInt(get(A.canaryWeightTotal)) ?? A.defaultWeightTotal,
    versionSticky: get(A.affinityCanaryBehavior) !== A.legacyCanaryBehavior,
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
