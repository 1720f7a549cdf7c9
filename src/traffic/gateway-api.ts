import { ApiObject } from 'cdk8s';
import { AffinityMode, JUSTIFICATION_ANNOTATION, SameSite } from '../affinity/affinity-mode';
import { CookieMatch, HeaderMatch, HeaderPatternMatch, WeightMatch } from '../canary/canary-match';
import { PropChecker } from '../prop-checks';
import { RiskDescription, Warnings } from '../warnings';
import { BackendRef, ITrafficProvider, PathType, pathKey, ProviderRisk, RenderedRoute, RouteIntent, RouteRole } from './provider-contract';

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

/**
 * Risks that come from Gateway API itself.
 */
export enum GatewayApiRiskCode {
  /** An experimental-channel Gateway API field (sessionPersistence): needs the experimental CRDs and may change. */
  GATEWAY_API_EXPERIMENTAL = 'GATEWAY_API_EXPERIMENTAL',
  /** A RegularExpression match, which Gateway API leaves to each implementation. */
  GATEWAY_API_IMPLEMENTATION_SPECIFIC = 'GATEWAY_API_IMPLEMENTATION_SPECIFIC',
}
for (const code of Object.values(GatewayApiRiskCode)) Warnings.registerRiskCode(code);

// HTTPRoutes are written for Gateway API v1.5, with fields that are identical in v1.6 (docs/migrating-to-gateway-api.md).

/** `Duration` as Gateway API writes it: up to 5 digits per unit, e.g. 604800 s -> "168h". */
export function gatewayDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

/**
 * Renders routes as Gateway API HTTPRoutes. A canary does not add a second route: it extends the
 * stable HTTPRoute with header rules ahead of a rule with weighted backendRefs (two HTTPRoutes with the
 * same match on one Gateway would conflict).
 * @internal
 */
export class GatewayApiProvider implements ITrafficProvider {
  public readonly name = 'gateway-api';

  constructor(private readonly options: GatewayApiOptions) {
    const check = new PropChecker('TrafficProvider.gatewayApi');
    const name = options?.gatewayName;
    if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
      check.fail(
        'gatewayName',
        'must name the parent Gateway (a lower-case DNS subdomain)',
        name,
        'Pass the Gateway your platform team runs, e.g. TrafficProvider.gatewayApi({ gatewayName: "public", gatewayNamespace: "gateways" }).',
      );
    }
    if (options.gatewayNamespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(options.gatewayNamespace)) {
      check.fail('gatewayNamespace', 'must be a namespace name (DNS label)', options.gatewayNamespace, 'Use e.g. "gateways".');
    }
    if (options.sectionName !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(options.sectionName)) {
      check.fail('sectionName', 'must be a listener name (DNS subdomain)', options.sectionName, 'Use e.g. "https".');
    }
  }

  public routeKey(intent: RouteIntent): string {
    const o = this.options;
    return `gateway-api|${o.gatewayNamespace ?? ''}/${o.gatewayName}/${o.sectionName ?? ''}|${intent.host ?? '*'}|${pathKey(intent)}`;
  }

  public describeServiceAffinity(_intent: RouteIntent): string {
    return 'Gateway API does not say whether an implementation routes through the Service (and its sessionAffinity) or to the pod endpoints directly; check your implementation';
  }

  public validate(intent: RouteIntent): void {
    if (intent.tlsSecretName !== undefined) {
      new PropChecker(intent.contributor.where).fail(
        'tlsSecretName',
        'has no place on an HTTPRoute',
        intent.tlsSecretName,
        `With Gateway API, TLS terminates on a listener of the Gateway ${this.options.gatewayName} (certificateRefs); remove tlsSecretName.`,
      );
    }
    const s = intent.stickiness;
    if (s) {
      const check = new PropChecker(s.contributor.where);
      if (!this.options.experimentalFields) {
        check.fail(
          'traffic',
          "needs HTTPRoute sessionPersistence for cookie affinity, an experimental-channel field, but 'experimentalFields' of TrafficProvider.gatewayApi() is false",
          false,
          'Install the experimental Gateway API CRDs and pass experimentalFields: true, or route without affinity.',
        );
      }
      if (s.mode === AffinityMode.BALANCED) {
        check.fail(
          'mode',
          'AffinityMode.BALANCED has no Gateway API meaning (sessionPersistence keeps a session on its backend until the session ends or the backend goes away, and never rebalances on scale-up: that is AffinityMode.PERSISTENT)',
          s.mode,
          'Use PERSISTENT (and read its risks), or stay on ingress-nginx for balanced.',
        );
      }
      const refuse = (prop: string, got: unknown, why: string) => check.fail(prop, 'has no Gateway API field', got, why);
      if (s.cookiePath !== undefined) refuse('cookie.path', s.cookiePath, 'The implementation scopes the cookie to the route; remove cookie.path.');
      if (s.cookieDomain !== undefined) refuse('cookie.domain', s.cookieDomain, 'sessionPersistence cookies are host-only; remove cookie.domain.');
      if (s.expiresSeconds !== undefined) refuse('cookie.expires', `${s.expiresSeconds}s`, 'Use cookie.maxAge: it becomes absoluteTimeout with a Permanent cookie.');
      if (s.conditionalSameSiteNone) refuse('cookie.conditionalSameSiteNone', true, "Remove it; SameSite is the implementation's.");
      if (s.sameSite !== SameSite.LAX) refuse('cookie.sameSite', s.sameSite, 'SameSite is set by the Gateway implementation; leave the default.');
      if (!s.secure) refuse('cookie.secure', false, 'Secure is set by the Gateway implementation; leave the default.');
      if (!s.changeOnFailure) refuse('cookie.changeOnFailure', false, "Re-pinning after a failed backend is the implementation's; leave the default.");
      if (s.cookieName !== undefined && s.cookieName.length > 128) {
        check.fail('cookie.name', 'must be at most 128 characters on Gateway API (sessionName)', s.cookieName.length, 'Use a shorter name, e.g. "route".');
      }
    }
    const c = intent.canary;
    if (c) {
      const check = new PropChecker(c.contributor.where);
      const cookie = c.matches.find((m) => m instanceof CookieMatch) as CookieMatch | undefined;
      if (cookie) {
        check.fail(
          'match',
          'has no Gateway API equivalent for a cookie match (HTTPRoute matches paths, headers, query parameters and methods, not cookies, and matching the raw Cookie header would break on any other cookie)',
          cookie.describe(),
          'Use CanaryMatch.header(...) instead (have the client or an edge rule send a header).',
        );
      }
      if (c.matches.filter((m) => m instanceof WeightMatch).length > 1) {
        check.fail('match', 'may hold one weight match', c.matches.map((m) => m.describe()), 'Keep one CanaryMatch.weight(...).');
      }
      if (c.versionSticky && !s) {
        check.fail(
          'versionStickiness',
          `needs session persistence on the stable route with Gateway API, and the route ${intent.name} is not sticky`,
          true,
          'Route the stable app with a StickyIngress (sessionPersistence on the HTTPRoute; create it before the CanaryRelease), or drop versionStickiness.',
        );
      }
      if (!c.versionSticky && s) {
        check.fail(
          'versionStickiness',
          'must be true on Gateway API when the stable route is sticky (sessionPersistence covers every backend of the weighted rule, so a user always stays on the version they got)',
          false,
          'Set versionStickiness: true.',
        );
      }
    }
  }

  public render(intent: RouteIntent): RenderedRoute {
    const risks: ProviderRisk[] = [];
    const path = { type: intent.pathType === PathType.PREFIX ? 'PathPrefix' : intent.pathType, value: intent.path };
    if (intent.pathType === PathType.REGULAR_EXPRESSION) {
      risks.push({ role: RouteRole.ROUTE, risk: implementationSpecific(intent.contributor.where, `the path ${intent.path}`) });
    }
    const s = intent.stickiness;
    const sessionPersistence = s
      ? {
        sessionName: s.cookieName,
        type: 'Cookie',
        absoluteTimeout: s.maxAgeSeconds !== undefined ? gatewayDuration(s.maxAgeSeconds) : undefined,
        cookieConfig: { lifetimeType: s.maxAgeSeconds !== undefined ? 'Permanent' : 'Session' },
      }
      : undefined;
    if (s) {
      risks.push({ role: RouteRole.STICKINESS, risk: experimentalRisk(s.contributor.where) });
    }
    const ref = (b: BackendRef, weight?: number) => ({ name: b.serviceName, port: b.port, weight });
    const rules: unknown[] = [];
    const c = intent.canary;
    if (c) {
      for (const m of c.matches) {
        const headerRule = (type: string, value: string, backend: BackendRef) =>
          rules.push({
            matches: [{ path, headers: [{ type, name: (m as HeaderMatch).name, value }] }],
            backendRefs: [ref(backend)],
            sessionPersistence,
          });
        if (m instanceof HeaderPatternMatch) {
          headerRule('RegularExpression', m.pattern, c.backend);
          risks.push({ role: RouteRole.CANARY, risk: implementationSpecific(c.contributor.where, `the header pattern ${m.pattern}`) });
        } else if (m instanceof HeaderMatch && m.value !== undefined) {
          headerRule('Exact', m.value, c.backend);
        } else if (m instanceof HeaderMatch) {
          // ingress-nginx semantics of a header without a value: "always" to the canary, "never" to stable
          headerRule('Exact', 'always', c.backend);
          headerRule('Exact', 'never', intent.backend);
        }
      }
    }
    const weight = c?.matches.find((m): m is WeightMatch => m instanceof WeightMatch);
    const main = c && weight ? [ref(intent.backend, c.weightTotal - weight.percent), ref(c.backend, weight.percent)] : [ref(intent.backend)];
    rules.push({ matches: [{ path }], backendRefs: main, sessionPersistence });

    const object = new ApiObject(intent.contributor.scope, 'Route', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: intent.name },
      spec: {
        parentRefs: [{ name: this.options.gatewayName, namespace: this.options.gatewayNamespace, sectionName: this.options.sectionName }],
        hostnames: intent.host ? [intent.host] : undefined,
        rules,
      },
    });
    if (s) {
      object.metadata.addAnnotation(JUSTIFICATION_ANNOTATION, s.justification);
    }
    const roles = [RouteRole.ROUTE, ...(s ? [RouteRole.STICKINESS] : []), ...(c ? [RouteRole.CANARY] : [])];
    return { objects: [{ object, roles }], risks };
  }
}

function experimentalRisk(where: string): RiskDescription {
  return {
    code: GatewayApiRiskCode.GATEWAY_API_EXPERIMENTAL,
    message:
      `${where} uses HTTPRoute sessionPersistence, an experimental-channel field of Gateway API: it needs the experimental CRDs, ` +
      'support varies by implementation, and the Gateway API project plans to replace it with the Backend resource (GEP-4894).',
    remedy: "Remove the need for affinity with a RedisSessionStore; until then, check your implementation's conformance report for SessionPersistence.",
  };
}

function implementationSpecific(where: string, what: string): RiskDescription {
  return {
    code: GatewayApiRiskCode.GATEWAY_API_IMPLEMENTATION_SPECIFIC,
    message:
      `${where} matches ${what} with a RegularExpression, which Gateway API leaves implementation-specific: ` +
      'the regex dialect (RE2 in Envoy-based gateways, PCRE in NGINX-based ones) and its support differ between implementations.',
    remedy: 'Prefer PathPrefix paths and Exact header values; if you keep the expression, test it on your Gateway implementation.',
  };
}
