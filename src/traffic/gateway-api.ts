import { ApiObject } from 'cdk8s';
import { AffinityMode, JUSTIFICATION_ANNOTATION, SameSite } from '../affinity/affinity-mode';
import { CookieMatch, HeaderMatch, HeaderPatternMatch, WeightMatch } from '../canary/canary-match';
import { isDnsSubdomain, PropChecker } from '../prop-checks';
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
  /** Session persistence is scoped to one route rule: a user pinned by a header rule is not pinned for the weighted rule. */
  GATEWAY_API_SESSION_PER_RULE = 'GATEWAY_API_SESSION_PER_RULE',
}
for (const code of Object.values(GatewayApiRiskCode)) Warnings.registerRiskCode(code);

// HTTPRoutes are written for Gateway API v1.5, with fields that are identical in v1.6 (docs/migrating-to-gateway-api.md).
// The limits below are the HTTPRoute CRD's (kubernetes-sigs/gateway-api v1.5.1 and v1.6.1, config/crd/.../httproutes.yaml;
// copies in the project's shared crds/ folder), checked before synthesis so the API server never rejects a route.

/** `spec.rules`: maxItems 16. */
const MAX_RULES = 16;
/** `headers[].name`: maxLength 256. */
const MAX_HEADER_NAME = 256;
/** `headers[].value` (experimental channel): `^[!-~]+([\t ]?[!-~]+)*$`: visible ASCII, single inner spaces or tabs. */
const HEADER_VALUE = /^[!-~]+([\t ]?[!-~]+)*$/;
/** Durations (`absoluteTimeout`): `^([0-9]{1,5}(h|m|s|ms)){1,4}$`, so at most 99999 hours. */
const MAX_DURATION_HOURS = 99999;
/** `path.value`: maxLength 1024, and for Exact and PathPrefix the CRD's CEL rules below. */
const MAX_PATH = 1024;
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;

/** The CRD's CEL rules on Exact and PathPrefix values, each with its message. */
function pathProblem(path: string): string | undefined {
  if (path.length > MAX_PATH) return `must be at most ${MAX_PATH} characters`;
  if (path.includes('//')) return "must not contain '//'";
  if (path.includes('/./')) return "must not contain '/./'";
  if (path.includes('/../')) return "must not contain '/../'";
  if (/%2f/i.test(path)) return "must not contain '%2f' or '%2F'";
  if (path.includes('#')) return "must not contain '#'";
  if (path.endsWith('/..')) return "must not end with '/..'";
  if (path.endsWith('/.')) return "must not end with '/.'";
  if (!PATH_CHARS.test(path)) return "must only contain the characters A-Z a-z 0-9 - / . _ ~ ! $ & ' ( ) * + , ; = : @ and %-escapes";
  return undefined;
}

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
    if (typeof name !== 'string' || !isDnsSubdomain(name)) {
      check.fail(
        'gatewayName',
        'must name the parent Gateway (a lower-case DNS subdomain)',
        name,
        'Pass the Gateway your platform team runs, e.g. TrafficProvider.gatewayApi({ gatewayName: "public", gatewayNamespace: "gateways" }).',
      );
    }
    if (options.gatewayNamespace !== undefined && (typeof options.gatewayNamespace !== 'string' || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(options.gatewayNamespace))) {
      check.fail('gatewayNamespace', 'must be a namespace name (DNS label)', options.gatewayNamespace, 'Use e.g. "gateways".');
    }
    // Gateway API SectionName: a DNS subdomain ("a..b" and "a.-b" are refused by the CRD's pattern)
    if (options.sectionName !== undefined && (typeof options.sectionName !== 'string' || !isDnsSubdomain(options.sectionName))) {
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
    const where = new PropChecker(intent.contributor.where);
    if (intent.pathType !== PathType.REGULAR_EXPRESSION) {
      const problem = pathProblem(intent.path);
      if (problem) {
        where.fail('path', `${problem} on Gateway API (the HTTPRoute CRD's validation of ${intent.pathType} paths)`, intent.path, 'Fix the path; the API server would reject the HTTPRoute.');
      }
    }
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
      if (s.maxAgeSeconds !== undefined && s.maxAgeSeconds / 3600 > MAX_DURATION_HOURS) {
        check.fail('cookie.maxAge', `must be at most ${MAX_DURATION_HOURS} hours on Gateway API (absoluteTimeout allows 5 digits per unit)`, `${s.maxAgeSeconds}s`, 'Use e.g. Duration.days(30).');
      }
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
      for (const m of c.matches) {
        if ((m instanceof HeaderMatch || m instanceof HeaderPatternMatch) && m.name.length > MAX_HEADER_NAME) {
          check.fail('match.header', `must be at most ${MAX_HEADER_NAME} characters on Gateway API`, `${m.name.length} characters`, 'Use a shorter header name.');
        }
        if (m instanceof HeaderMatch && m.value !== undefined && !HEADER_VALUE.test(m.value)) {
          check.fail(
            'match.header value',
            'must be visible ASCII with single inner spaces on Gateway API (the experimental HTTPRoute CRD, which sticky routes need, enforces ^[!-~]+([\\t ]?[!-~]+)*$)',
            m.value,
            'Remove leading, trailing and doubled spaces and non-ASCII characters.',
          );
        }
      }
      // one rule per header value (two for always/never), plus the weighted rule
      const headerRules = (m: unknown) => (m instanceof HeaderPatternMatch ? 1 : m instanceof HeaderMatch ? (m.value !== undefined ? 1 : 2) : 0);
      const rules = 1 + c.matches.reduce((n, m) => n + headerRules(m), 0);
      if (rules > MAX_RULES) {
        check.fail('match', `needs ${rules} HTTPRoute rules, and an HTTPRoute holds at most ${MAX_RULES}`, c.matches.length, 'Use fewer header matches (a header pattern can cover several values).');
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
    // GEP-1619: session persistence is scoped to its route rule, and "Route rules referencing the same service MUST
    // NOT share persistent sessions (i.e. the same cookie)"; the CRD: "Users should avoid reusing session names".
    // So every rule gets its own session name: the weighted rule the configured one, header rule i "<name>-h<i>".
    const sessionPersistence = (rule?: number) =>
      s
        ? {
          sessionName: s.cookieName !== undefined && rule !== undefined ? `${s.cookieName}-h${rule}` : s.cookieName,
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
            sessionPersistence: sessionPersistence(rules.length + 1),
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
    if (s && rules.length > 0) {
      risks.push({
        role: RouteRole.CANARY,
        risk: {
          code: GatewayApiRiskCode.GATEWAY_API_SESSION_PER_RULE,
          message:
            `Session persistence holds per HTTPRoute rule (GEP-1619): a user the header rule sent to ${c!.backend.serviceName} stays there only while ` +
            'their requests keep matching that rule (they keep sending the header); a request without the header goes through the weighted rule, ' +
            'which has a session of its own and may answer from the other version.',
          remedy: 'Have testers send the header on every request, or route the canary by weight only.',
        },
      });
    }
    rules.push({ matches: [{ path }], backendRefs: main, sessionPersistence: sessionPersistence() });

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
      `${where} uses HTTPRoute sessionPersistence, a field of the experimental-channel CRDs only: on a cluster with the standard-channel ` +
      'HTTPRoute CRD the field is not in the schema, so the API server rejects the route (strict field validation, kubectl\'s default) or drops ' +
      'the field; support varies by implementation (Support: Extended); GEP-4894 lists session persistence among the features that follow-on ' +
      'GEPs may move to a Backend resource.',
    remedy: "Remove the need for affinity with a RedisSessionStore; until then, install the experimental CRDs and check your implementation's conformance report for SessionPersistence.",
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
