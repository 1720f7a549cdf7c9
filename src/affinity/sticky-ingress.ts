import { ApiObject, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { isHostName, PropChecker } from '../prop-checks';
import { defaultResourceName } from '../resource-names';
import { beforeSynth } from '../synth-hooks';
import { AffinityMode, SameSite } from '../traffic/affinity-mode';
import { TrafficProvider } from '../traffic/factory';
import { CookieStickiness, ITrafficProvider, PathType, RouteRole } from '../traffic/provider-contract';
import { AppRoute, backendFacts } from '../traffic/route';
import { annotationName, checkAcknowledged, RISK_ANNOTATION_PREFIX } from '../warnings';
import { affinityTarget, cookieAffinityRisks, secureCookieWithoutTlsRisk } from './risk-catalogue';

/**
 * The affinity cookie.
 */
export interface StickyCookieOptions {
  /**
   * Cookie name, an RFC 6265 token.
   * @default - the controller's default name (ingress-nginx: written out explicitly; Gateway API: chosen by the implementation)
   */
  readonly name?: string;
  /**
   * Path attribute. ingress-nginx requires it when the route path is a regular expression.
   * @default - the controller's default (ingress-nginx: the route path)
   */
  readonly path?: string;
  /**
   * Domain attribute, e.g. ".example.com" to share the pin across sub-domains.
   * @default - a host-only cookie
   */
  readonly domain?: string;
  /**
   * Max-Age: how long the browser keeps the pin. Must be at least 1 second.
   * @default - a session cookie (gone when the browser closes)
   */
  readonly maxAge?: Duration;
  /**
   * Expires, for browsers that ignore Max-Age. Must be at least 1 second.
   * @default - none
   */
  readonly expires?: Duration;
  /**
   * Secure attribute, whatever the protocol of the request.
   * @default true
   */
  readonly secure?: boolean;
  /**
   * SameSite attribute. `NONE` requires `secure`.
   * @default SameSite.LAX
   */
  readonly sameSite?: SameSite;
  /**
   * With `SameSite.NONE`: omit the attribute for user agents that mishandle it.
   * @default false
   */
  readonly conditionalSameSiteNone?: boolean;
  /**
   * When a request to the pinned pod fails, pin the user to the pod that answered instead.
   * @default true
   */
  readonly changeOnFailure?: boolean;
}

/**
 * A Service to route to, as any cdk8s app can name it, whatever cdk8s-plus major it uses (or none):
 * build one with `ServiceReferences.of(service)` from a Service object, or write it out.
 */
export interface ServiceReference {
  /** Name of the Service. */
  readonly name: string;
  /** Port of the Service to route to. */
  readonly port: number;
  /**
   * Namespace of the Service. A route reaches only Services in its own namespace (an Ingress backend "must
   * exist in the same namespace as the Ingress object", networking.k8s.io/v1 IngressServiceBackend), so this
   * is checked against the StickyIngress's chart.
   * @default - the namespace of the StickyIngress's chart
   */
  readonly namespace?: string;
}

/**
 * Builds a `ServiceReference` from a Service object of any origin.
 */
export class ServiceReferences {
  /**
   * The reference of a Service object: a cdk8s-plus Service of any major (cdk8s-plus-33's as well as 27's), a
   * core `ApiObject` of kind Service, or an imported `KubeService`. Reads its name, namespace and `spec.ports`
   * as they are when called: add the ports first.
   *
   * @param service the Service construct or ApiObject
   * @param port the port to route to (one of its ports); default: its first port
   */
  public static of(service: IConstruct, port?: number): ServiceReference {
    const check = new PropChecker('ServiceReferences.of');
    let object: ApiObject;
    try {
      object = ApiObject.of(service);
    } catch {
      return check.fail('service', 'must be a Service: an ApiObject of kind Service, or a construct whose default child is one', service?.node?.path ?? service, 'Pass the Service object, e.g. a cdk8s-plus Service or a KubeService.');
    }
    if (object.kind !== 'Service') {
      check.fail('service', 'must be an object of kind Service', `${object.kind} ${object.name}`, 'Pass the Service in front of the pods, not the workload.');
    }
    const json = object.toJson() as { spec?: { ports?: Array<{ port?: number }> } };
    const ports = (json.spec?.ports ?? []).map((p) => p.port).filter((p): p is number => typeof p === 'number');
    const chosen = port ?? ports[0];
    if (chosen === undefined || !ports.includes(chosen)) {
      check.fail('port', `must be a port of Service ${object.name} (${ports.join(', ') || 'none'})`, port, 'Pass one of its ports, or add a port to the Service first.');
    }
    return { name: object.name, port: chosen!, namespace: object.metadata.namespace };
  }

  private constructor() {}
}

/**
 * Props of `StickyIngress`.
 */
export interface StickyIngressProps {
  /**
   * The Service to route to, as a cdk8s-plus-27 Service. Exactly one of `service` and `serviceRef`.
   * @default - serviceRef
   * @deprecated Use `serviceRef` (`ServiceReferences.of(app.service)`), which takes a Service of any origin;
   * `service` keeps working through 0.x.
   */
  readonly service?: kplus.Service;
  /**
   * The Service to make sticky, by name and port: `ServiceReferences.of(anyServiceObject)` or
   * `{ name: 'web', port: 80 }`. Use this rather than `service`.
   * @default - service
   */
  readonly serviceRef?: ServiceReference;
  /**
   * Port of the Service.
   * @default - the Service's first port (with `serviceRef`: its port)
   */
  readonly port?: number;
  /**
   * Host name to route, for a Service that no `StatelessWebApp` routes. An app routes itself (its `host` and
   * `path`): leave `host`, `path`, `pathType`, `tlsSecretName` and `name` out, and the StickyIngress makes the
   * app's own route sticky. (An app created without host and path can still be routed here, through 0.x.)
   * @default - every host
   */
  readonly host?: string;
  /**
   * Path to route.
   * @default "/"
   */
  readonly path?: string;
  /**
   * How `path` matches.
   * @default PathType.PREFIX
   */
  readonly pathType?: PathType;
  /**
   * Secret with the TLS certificate for `host`, for providers that terminate TLS per route.
   * @default - no TLS on the route
   */
  readonly tlsSecretName?: string;
  /**
   * Traffic provider.
   * @default - the app's provider when the Service is a StatelessWebApp's, else TrafficProvider.defaultFor(this)
   */
  readonly traffic?: ITrafficProvider;
  /**
   * Name of the route object.
   * @default - derived from the construct path
   */
  readonly name?: string;
  /**
   * BALANCED or PERSISTENT. Required: choose knowingly (see the README).
   */
  readonly mode: AffinityMode;
  /**
   * Why this app needs affinity, in words a reviewer can check (written into the YAML as an annotation).
   */
  readonly justification: string;
  /**
   * The affinity cookie.
   * @default - the controller's default name and path, Secure, SameSite=Lax, change on failure
   */
  readonly cookie?: StickyCookieOptions;
  /**
   * Risks you accept (`RiskCode` values, or a traffic provider's codes); they stay annotated but are not
   * printed and do not fail strict mode.
   * @default - none
   */
  readonly acknowledgedRisks?: string[];
}

/** RFC 6265 cookie-name token: visible ASCII except separators. */
const COOKIE_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * A route with cookie session affinity, as an explicit and warned opt-in.
 *
 * It refuses to synthesize without a mode and a written justification, and reports what affinity
 * costs with the numbers of the app behind the Service.
 */
export class StickyIngress extends Construct {
  /** The provider that renders the route. */
  public readonly traffic: ITrafficProvider;
  private readonly appRoute: AppRoute;

  constructor(scope: Construct, id: string, props: StickyIngressProps) {
    super(scope, id);
    // bad input leaves nothing half-built in the tree: the construct and what it made so far go away
    try {
      const check = PropChecker.of(this, 'StickyIngress');
      const acknowledged = checkAcknowledged(check, props.acknowledgedRisks);
      const backend = resolveBackend(check, this, props);
      const stickiness = checkStickiness(check, props);
      check.hostName('host', props.host);
      const path = props.path ?? '/';
      check.httpPath('path', path);
      check.oneOf('pathType', props.pathType, PathType, 'PathType');
      check.objectName('tlsSecretName', props.tlsSecretName, 'shop-example-com-tls');
      const who = { construct: this, kind: 'StickyIngress', where: check.where, acknowledged };
      const existing = AppRoute.of(this, backend.name);
      const routeProps = ['host', 'path', 'pathType', 'tlsSecretName', 'name'] as const;
      if (existing && routeProps.every((p) => props[p] === undefined)) {
        // the app routes itself: the StickyIngress makes that route sticky
        this.appRoute = existing;
        this.traffic = existing.provider;
        if (props.traffic !== undefined && props.traffic !== existing.provider) {
          check.fail('traffic', `must be the provider of the app's route (${existing.provider.name}), which it makes sticky`, props.traffic.name, 'Leave traffic out.');
        }
        existing.attachStickiness(who, stickiness);
      } else {
        const facts = backendFacts(this, backend.name);
        this.traffic = props.traffic ?? facts?.provider ?? TrafficProvider.defaultFor(this);
        const name = props.name ?? facts?.appName ?? defaultResourceName(this, '');
        check.resourceName('name', name, 0);
        this.appRoute = AppRoute.create({
          contributor: this,
          kind: 'StickyIngress',
          where: check.where,
          acknowledged,
          provider: this.traffic,
          name,
          host: props.host,
          path,
          pathType: props.pathType ?? PathType.PREFIX,
          serviceName: backend.name,
          servicePort: backend.port,
          tlsSecretName: props.tlsSecretName,
          labels: facts?.labels ?? {},
          collisionFix: 'Keep one route per host and path: route the app with its own host and path, and leave them out of the StickyIngress.',
          stickiness,
        });
      }
      this.reportRisks(stickiness, backend.name, props.mode);
    } catch (e) {
      AppRoute.forget(this);
      scope.node.tryRemoveChild(id);
      throw e;
    }
  }

  /**
   * The route object (an Ingress, an HTTPRoute, ...). Reading it renders the route from its intent as it
   * stands: create the app's CanaryRelease before reading it.
   */
  public get route(): ApiObject {
    return this.appRoute.objectFor(RouteRole.STICKINESS)!;
  }

  /**
   * The affinity risks with the numbers of the app behind the Service; once rendered, a Secure cookie on an Ingress
   * without spec.tls (a plain-HTTP route in the Kubernetes Ingress API) is reported too.
   */
  private reportRisks(stickiness: CookieStickiness, serviceName: string, mode: AffinityMode): void {
    const appRoute = this.appRoute;
    appRoute.addRisks(RouteRole.STICKINESS, cookieAffinityRisks(affinityTarget(this, serviceName), mode));
    if (!stickiness.secure) return;
    beforeSynth(this, () => {
      const object = appRoute.objectFor(RouteRole.STICKINESS);
      const spec = object?.toJson().spec as { tls?: unknown[] } | undefined;
      if (!object || object.kind !== 'Ingress' || (spec?.tls ?? []).length > 0) return;
      const risk = secureCookieWithoutTlsRisk(affinityTarget(this, serviceName), object.name, appRoute.intent.host);
      appRoute.addRisks(RouteRole.STICKINESS, [risk]);
      object.metadata.addAnnotation(RISK_ANNOTATION_PREFIX + annotationName(risk.code), `${risk.message} Instead: ${risk.remedy}`);
    });
  }
}

/** The mode, the justification and the cookie, checked for every controller, as the intent's stickiness. */
function checkStickiness(check: PropChecker, props: StickyIngressProps): CookieStickiness {
  if (!(Object.values(AffinityMode) as string[]).includes(props.mode as string)) {
    check.fail(
      'mode',
      'is required and must be AffinityMode.BALANCED or AffinityMode.PERSISTENT (no default: choose knowingly)',
      props.mode ?? '(nothing)',
      'BALANCED spreads users onto new pods when scaling up (re-pinning some); PERSISTENT never moves a user. See the README section on stickiness.',
    );
  }
  check.nonBlank(
    'justification',
    props.justification,
    'Write down why this app needs affinity (e.g. "vendor servlet keeps the cart in HttpSession; ticket SHOP-142 moves it to Redis"); it is annotated on the route for the reviewer.',
  );
  const cookie = props.cookie ?? {};
  if (cookie.name !== undefined && (typeof cookie.name !== 'string' || !COOKIE_TOKEN.test(cookie.name))) {
    check.fail('cookie.name', 'must be an RFC 6265 token (visible ASCII, no spaces, no separators such as ()<>@,;:\\"/[]?={})', cookie.name, 'Use e.g. "route" or "SERVERID".');
  }
  if (cookie.path !== undefined) {
    check.httpPath('cookie.path', cookie.path);
  }
  if (cookie.domain !== undefined && (typeof cookie.domain !== 'string' || !isHostName(cookie.domain.replace(/^\./, '')))) {
    check.fail('cookie.domain', 'must be a DNS domain, optionally with a leading "."', cookie.domain, 'Use e.g. ".example.com", or leave it out for a host-only cookie.');
  }
  const secure = cookie.secure ?? true;
  check.oneOf('cookie.sameSite', cookie.sameSite, SameSite, 'SameSite');
  const sameSite = cookie.sameSite ?? SameSite.LAX;
  if (sameSite === SameSite.NONE && !secure) {
    check.fail('cookie.secure', 'must be true with sameSite: SameSite.NONE (browsers reject SameSite=None cookies without Secure)', secure, 'Set cookie.secure to true, or use SameSite.LAX.');
  }
  if (cookie.conditionalSameSiteNone && sameSite !== SameSite.NONE) {
    check.fail('cookie.conditionalSameSiteNone', 'only applies with sameSite: SameSite.NONE', true, 'Remove it, or set cookie.sameSite to SameSite.NONE.');
  }
  return {
    contributor: { where: check.where, scope: check.construct! },
    mode: props.mode,
    justification: props.justification.trim(),
    cookieName: cookie.name,
    cookiePath: cookie.path,
    cookieDomain: cookie.domain,
    maxAgeSeconds: cookieSeconds(check, 'cookie.maxAge', cookie.maxAge),
    expiresSeconds: cookieSeconds(check, 'cookie.expires', cookie.expires),
    secure,
    sameSite,
    conditionalSameSiteNone: cookie.conditionalSameSiteNone ?? false,
    changeOnFailure: cookie.changeOnFailure ?? true,
  };
}

/** A cookie lifetime in whole seconds, at least 1. */
function cookieSeconds(check: PropChecker, prop: string, d: Duration | undefined): number | undefined {
  const fix = 'Use e.g. Duration.hours(8), or leave it out for a session cookie.';
  const ms = check.durationMillis(prop, d, fix);
  if (ms === undefined) return undefined;
  const s = ms / 1000;
  if (!Number.isInteger(s) || s < 1) {
    check.fail(prop, 'must be a whole number of seconds, at least 1 second', `${ms}ms`, fix);
  }
  return s;
}

/** The Service and port to route to, from `service` (cdk8s-plus-27) or `serviceRef` (any cdk8s app). */
function resolveBackend(check: PropChecker, scope: IConstruct, props: StickyIngressProps): { name: string; port: number } {
  const fix = 'Pass service (a cdk8s-plus-27 Service, e.g. app.service of a StatelessWebApp created without host and path) or serviceRef (ServiceReferences.of(yourService), or { name, port }).';
  if (props.service && props.serviceRef) {
    check.fail('serviceRef', 'cannot be combined with service (they name the Service to route to twice)', props.serviceRef, 'Keep one of them.');
  }
  if (props.service) {
    const ports = props.service.ports.map((p) => p.port);
    const port = props.port ?? ports[0];
    if (port === undefined || !ports.includes(port)) {
      check.fail('port', `must be a port of Service ${props.service.name} (${ports.join(', ') || 'none'})`, props.port, 'Pass one of the Service ports, or leave it out for the first.');
    }
    return { name: props.service.name, port: port! };
  }
  const ref = props.serviceRef;
  if (!ref) {
    return check.fail('service', 'is required', props.service, fix);
  }
  check.resourceName('serviceRef.name', ref.name, 0);
  check.integer('serviceRef.port', ref.port, 1, 65535, 'Use the port of the Service, e.g. 80.');
  if (typeof ref.port !== 'number') {
    check.fail('serviceRef.port', 'is required', ref.port, 'Use the port of the Service, e.g. 80.');
  }
  if (props.port !== undefined && props.port !== ref.port) {
    check.fail('port', `must be serviceRef.port (${ref.port}) when serviceRef is given`, props.port, 'Leave port out, or set serviceRef.port.');
  }
  const namespace = Chart.of(scope).namespace;
  if (ref.namespace !== undefined && ref.namespace !== namespace) {
    check.fail(
      'serviceRef.namespace',
      `must be the namespace of the StickyIngress's chart (${namespace ?? 'none set'}): a route reaches only Services in its own namespace`,
      ref.namespace,
      `Create the StickyIngress in a chart with namespace "${ref.namespace}".`,
    );
  }
  return { name: ref.name, port: ref.port };
}
