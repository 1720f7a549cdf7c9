import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AffinityMode, SameSite } from '../affinity/affinity-mode';
import { RiskCode, RiskDescription } from '../warnings';
import { CanaryRouteSpec, CookieStickiness, isRegexPath, ITrafficProvider, RenderedRoute, RouteSpec } from './traffic-provider';

/**
 * Options of the Gateway API provider.
 */
export interface GatewayApiOptions {
  /** Name of the parent Gateway the HTTPRoutes attach to. */
  readonly gatewayName: string;
  /**
   * Namespace of the parent Gateway.
   * @default - the route's own namespace
   */
  readonly gatewayNamespace?: string;
  /**
   * Listener of the Gateway (`parentRefs[].sectionName`).
   * @default - every listener that admits the route
   */
  readonly sectionName?: string;
  /**
   * Allow fields of the experimental channel (today: `sessionPersistence`, which a StickyIngress needs).
   * Turn it on only when the experimental CRDs are installed in the cluster.
   * @default false
   */
  readonly experimentalFields?: boolean;
}

// HTTPRoutes are written for Gateway API v1.5, with fields that are identical in v1.6 (docs/migrating-to-gateway-api.md).

interface Backend {
  readonly name: string;
  readonly port: number;
  readonly weight?: number;
}

interface HeaderRule {
  readonly type: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
  readonly backend: 'stable' | 'canary';
}

/** What an HTTPRoute says, kept mutable until synth so that a canary can extend its stable route. */
interface RouteModel {
  readonly path: { type: string; value: string };
  readonly stable: Backend;
  canary?: Backend;
  canaryWeight?: { weight: number; total: number };
  headerRules: HeaderRule[];
  sessionPersistence?: Record<string, unknown>;
}

const models = new WeakMap<ApiObject, RouteModel>();

/** `Duration` as Gateway API writes it: up to 5 digits per unit, e.g. 604800 s -> "168h". */
export function gatewayDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

/**
 * Renders routes as Gateway API HTTPRoutes. A canary does not add a second route: it extends the
 * stable HTTPRoute with a header rule ahead of a rule with weighted backendRefs.
 * @internal
 */
export class GatewayApiProvider implements ITrafficProvider {
  public readonly controller = 'gateway-api';

  constructor(private readonly options: GatewayApiOptions) {
    const where = 'TrafficProvider.gatewayApi';
    const name = options?.gatewayName;
    if (name === undefined || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
      throw new Error(
        `${where}: 'gatewayName' must name the parent Gateway (a lower-case DNS subdomain), got ${JSON.stringify(name ?? '(nothing)')}. ` +
          'Pass the Gateway your platform team runs, e.g. TrafficProvider.gatewayApi({ gatewayName: "public", gatewayNamespace: "gateways" }).',
      );
    }
    if (options.gatewayNamespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(options.gatewayNamespace)) {
      throw new Error(`${where}: 'gatewayNamespace' must be a namespace name (DNS label), got ${JSON.stringify(options.gatewayNamespace)}. Use e.g. "gateways".`);
    }
    if (options.sectionName !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(options.sectionName)) {
      throw new Error(`${where}: 'sectionName' must be a listener name (DNS subdomain), got ${JSON.stringify(options.sectionName)}. Use e.g. "https".`);
    }
  }

  public renderRoute(scope: Construct, id: string, route: RouteSpec, constructName: string): RenderedRoute {
    if (route.tlsSecretName !== undefined) {
      throw new Error(
        `${constructName}: 'tlsSecretName' has no place on an HTTPRoute, got ${JSON.stringify(route.tlsSecretName)}. ` +
          `With Gateway API, TLS terminates on a listener of the Gateway ${this.options.gatewayName} (certificateRefs); remove tlsSecretName.`,
      );
    }
    if (route.ingressClassName !== undefined) {
      throw new Error(
        `${constructName}: 'ingressClassName' only applies to ingress-nginx, got ${JSON.stringify(route.ingressClassName)}. ` +
          `With Gateway API the parent Gateway (${this.options.gatewayName}) decides; remove ingressClassName.`,
      );
    }
    const regex = isRegexPath(route.path);
    const model: RouteModel = {
      path: { type: regex ? 'RegularExpression' : 'PathPrefix', value: route.path },
      stable: { name: route.serviceName, port: route.servicePort },
      headerRules: [],
    };
    const parentRef = {
      name: this.options.gatewayName,
      namespace: this.options.gatewayNamespace,
      sectionName: this.options.sectionName,
    };
    const object = new ApiObject(scope, id, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: route.name },
      spec: {
        parentRefs: [parentRef],
        hostnames: route.host ? [route.host] : undefined,
        rules: Lazy.any({ produce: () => rules(model) }),
      },
    });
    models.set(object, model);
    const risks: RiskDescription[] = [];
    if (regex) {
      risks.push(implementationSpecific(constructName, `the path ${route.path}`));
    }
    return { route: object, risks };
  }

  public renderStickyRoute(scope: Construct, id: string, route: RouteSpec, s: CookieStickiness, constructName: string): RenderedRoute {
    this.requireExperimental(constructName, 'cookie affinity needs HTTPRoute sessionPersistence');
    if (s.mode === AffinityMode.BALANCED) {
      throw new Error(
        `${constructName}: 'mode' AffinityMode.BALANCED has no Gateway API meaning, got "balanced". ` +
          'sessionPersistence keeps a session on its backend until the session ends or the backend goes away, and never rebalances on scale-up: ' +
          'that is AffinityMode.PERSISTENT. Use PERSISTENT (and read its risks), or stay on ingress-nginx for balanced.',
      );
    }
    const refuse = (prop: string, got: unknown, why: string) => {
      throw new Error(`${constructName}: '${prop}' has no Gateway API field, got ${JSON.stringify(got)}. ${why}`);
    };
    if (s.cookiePath !== undefined) refuse('cookie.path', s.cookiePath, 'The implementation scopes the cookie to the route; remove cookie.path.');
    if (s.cookieDomain !== undefined) refuse('cookie.domain', s.cookieDomain, 'sessionPersistence cookies are host-only; remove cookie.domain.');
    if (s.expiresSeconds !== undefined) refuse('cookie.expires', `${s.expiresSeconds}s`, 'Use cookie.maxAge: it becomes absoluteTimeout with a Permanent cookie.');
    if (s.conditionalSameSiteNone) refuse('cookie.conditionalSameSiteNone', true, 'Remove it; SameSite is the implementation\'s.');
    if (s.sameSite !== SameSite.LAX) refuse('cookie.sameSite', s.sameSite, 'SameSite is set by the Gateway implementation; leave the default.');
    if (!s.secure) refuse('cookie.secure', false, 'Secure is set by the Gateway implementation; leave the default.');
    if (!s.changeOnFailure) refuse('cookie.changeOnFailure', false, 'Re-pinning after a failed backend is the implementation\'s; leave the default.');
    if (s.cookieName.length > 128) {
      throw new Error(
        `${constructName}: 'cookie.name' must be at most 128 characters on Gateway API (sessionName), got ${s.cookieName.length} characters. Use a shorter name, e.g. "route".`,
      );
    }

    const rendered = this.renderRoute(scope, id, route, constructName);
    const model = models.get(rendered.route)!;
    model.sessionPersistence = {
      sessionName: s.cookieName,
      type: 'Cookie',
      absoluteTimeout: s.maxAgeSeconds !== undefined ? gatewayDuration(s.maxAgeSeconds) : undefined,
      cookieConfig: { lifetimeType: s.maxAgeSeconds !== undefined ? 'Permanent' : 'Session' },
    };
    rendered.route.metadata.addAnnotation('stateless.cdk8s.io/affinity-justification', s.justification);
    return { route: rendered.route, risks: [...rendered.risks, experimentalRisk(constructName)] };
  }

  public renderCanaryRoute(
    _scope: Construct,
    _id: string,
    stable: RouteSpec,
    stableRoute: ApiObject,
    c: CanaryRouteSpec,
    constructName: string,
  ): RenderedRoute {
    const model = models.get(stableRoute);
    if (!model) {
      throw new Error(
        `${constructName}: 'stable' is routed by another traffic provider than Gateway API (its route ${stable.name} is not an HTTPRoute of this provider). ` +
          'Give the stable app and its StickyIngress the same traffic provider.',
      );
    }
    if (c.cookie !== undefined) {
      throw new Error(
        `${constructName}: 'match' CanaryMatch.cookie(${JSON.stringify(c.cookie)}) has no Gateway API equivalent, got a cookie match. ` +
          'HTTPRoute matches paths, headers, query parameters and methods, not cookies, and matching the raw Cookie header would break on any other cookie. ' +
          'Use CanaryMatch.header(...) instead (have the client or an edge rule send a header).',
      );
    }
    if (c.versionSticky && !c.stableStickiness) {
      throw new Error(
        `${constructName}: 'versionStickiness' needs session persistence on the stable route with Gateway API, got true on the non-sticky route ${stable.name}. ` +
          'Route the stable app with a StickyIngress (sessionPersistence on the HTTPRoute; create it before the CanaryRelease), or drop versionStickiness.',
      );
    }
    if (!c.versionSticky && c.stableStickiness) {
      throw new Error(
        `${constructName}: 'versionStickiness' must be true on Gateway API when the stable route is sticky, got false. ` +
          'sessionPersistence covers every backend of the weighted rule, so a user always stays on the version they got; set versionStickiness: true.',
      );
    }
    const canary = { name: c.serviceName, port: c.servicePort };
    model.canary = canary;
    if (c.weight !== undefined) {
      model.canaryWeight = { weight: c.weight, total: c.weightTotal };
    }
    const risks: RiskDescription[] = [];
    if (c.header !== undefined) {
      if (c.headerPattern !== undefined) {
        model.headerRules.push({ type: 'RegularExpression', name: c.header, value: c.headerPattern, backend: 'canary' });
        risks.push(implementationSpecific(constructName, `the header pattern ${c.headerPattern}`));
      } else if (c.headerValue !== undefined) {
        model.headerRules.push({ type: 'Exact', name: c.header, value: c.headerValue, backend: 'canary' });
      } else {
        // ingress-nginx semantics of a header without a value: "always" to the canary, "never" to stable
        model.headerRules.push({ type: 'Exact', name: c.header, value: 'always', backend: 'canary' });
        model.headerRules.push({ type: 'Exact', name: c.header, value: 'never', backend: 'stable' });
      }
    }
    return { route: stableRoute, risks };
  }

  public routeKey(route: RouteSpec): string {
    const o = this.options;
    return `gateway-api|${o.gatewayNamespace ?? ''}/${o.gatewayName}/${o.sectionName ?? ''}|${route.host ?? '*'}|${route.path}`;
  }

  private requireExperimental(constructName: string, why: string): void {
    if (!this.options.experimentalFields) {
      throw new Error(
        `${constructName}: ${why}, an experimental-channel field, but 'experimentalFields' of TrafficProvider.gatewayApi() is false, got false. ` +
          'Install the experimental Gateway API CRDs and pass experimentalFields: true, or route without affinity.',
      );
    }
  }
}

function rules(model: RouteModel): unknown[] {
  const refs = (b: Backend) => ({ name: b.name, port: b.port, weight: b.weight });
  const result: unknown[] = [];
  for (const h of model.headerRules) {
    const target = h.backend === 'canary' ? model.canary! : model.stable;
    result.push({
      matches: [{ path: model.path, headers: [{ type: h.type, name: h.name, value: h.value }] }],
      backendRefs: [refs(target)],
      sessionPersistence: model.sessionPersistence,
    });
  }
  const main = model.canary && model.canaryWeight
    ? [
      refs({ ...model.stable, weight: model.canaryWeight.total - model.canaryWeight.weight }),
      refs({ ...model.canary, weight: model.canaryWeight.weight }),
    ]
    : [refs(model.stable)];
  result.push({ matches: [{ path: model.path }], backendRefs: main, sessionPersistence: model.sessionPersistence });
  return result;
}

function experimentalRisk(constructName: string): RiskDescription {
  return {
    code: RiskCode.GATEWAY_API_EXPERIMENTAL,
    message:
      `${constructName} uses HTTPRoute sessionPersistence, an experimental-channel field of Gateway API: it needs the experimental CRDs, ` +
      'support varies by implementation, and the Gateway API project plans to replace it with the Backend resource (GEP-4894).',
    remedy: 'Remove the need for affinity with a RedisSessionStore; until then, check your implementation\'s conformance report for SessionPersistence.',
  };
}

function implementationSpecific(constructName: string, what: string): RiskDescription {
  return {
    code: RiskCode.GATEWAY_API_IMPLEMENTATION_SPECIFIC,
    message:
      `${constructName} matches ${what} with a RegularExpression, which Gateway API leaves implementation-specific: ` +
      'the regex dialect (RE2 in Envoy-based gateways, PCRE in NGINX-based ones) and its support differ between implementations.',
    remedy: 'Prefer PathPrefix paths and Exact header values; if you keep the expression, test it on your Gateway implementation.',
  };
}
