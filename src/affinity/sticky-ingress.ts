import { ApiObject, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { isHostName, PropChecker } from '../prop-checks';
import { defaultResourceName } from '../resource-names';
import { TrafficProvider } from '../traffic/factory';
import { ITrafficProvider, PathType, RouteRole } from '../traffic/provider-contract';
import { AppRoute, backendFacts } from '../traffic/route';
import { checkAcknowledged } from '../warnings';
import { AffinityMode, SameSite } from './affinity-mode';
import { affinityTarget, cookieAffinityRisks } from './risk-catalogue';

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
 * Props of `StickyIngress`.
 */
export interface StickyIngressProps {
  /**
   * The Service to route to (for a `StatelessWebApp` created without host and path: `app.service`).
   */
  readonly service: kplus.Service;
  /**
   * Port of the Service.
   * @default - the Service's first port
   */
  readonly port?: number;
  /**
   * Host name to route.
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
      if (!props.service) {
        check.fail('service', 'is required', props.service, 'Pass the cdk8s-plus Service to route to, e.g. app.service of a StatelessWebApp created without host and path.');
      }
      const modes = Object.values(AffinityMode) as string[];
      if (!modes.includes(props.mode as string)) {
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
      check.hostName('host', props.host);
      const path = props.path ?? '/';
      check.httpPath('path', path);
      const cookie = props.cookie ?? {};
      if (cookie.name !== undefined && !COOKIE_TOKEN.test(cookie.name)) {
        check.fail('cookie.name', 'must be an RFC 6265 token (visible ASCII, no spaces, no separators such as ()<>@,;:\\"/[]?={})', cookie.name, 'Use e.g. "route" or "SERVERID".');
      }
      if (cookie.path !== undefined) {
        check.httpPath('cookie.path', cookie.path);
      }
      if (cookie.domain !== undefined && !isHostName(cookie.domain.replace(/^\./, ''))) {
        check.fail('cookie.domain', 'must be a DNS domain, optionally with a leading "."', cookie.domain, 'Use e.g. ".example.com", or leave it out for a host-only cookie.');
      }
      const seconds = (prop: string, d: Duration | undefined) => {
        if (d === undefined) return undefined;
        const s = d.toMilliseconds() / 1000;
        if (!Number.isInteger(s) || s < 1) {
          check.fail(prop, 'must be a whole number of seconds, at least 1 second', `${d.toMilliseconds()}ms`, 'Use e.g. Duration.hours(8), or leave it out for a session cookie.');
        }
        return s;
      };
      const maxAgeSeconds = seconds('cookie.maxAge', cookie.maxAge);
      const expiresSeconds = seconds('cookie.expires', cookie.expires);
      const secure = cookie.secure ?? true;
      check.oneOf('cookie.sameSite', cookie.sameSite, SameSite, 'SameSite');
      check.oneOf('pathType', props.pathType, PathType, 'PathType');
      check.objectName('tlsSecretName', props.tlsSecretName, 'shop-example-com-tls');
      const sameSite = cookie.sameSite ?? SameSite.LAX;
      if (sameSite === SameSite.NONE && !secure) {
        check.fail('cookie.secure', 'must be true with sameSite: SameSite.NONE (browsers reject SameSite=None cookies without Secure)', secure, 'Set cookie.secure to true, or use SameSite.LAX.');
      }
      if (cookie.conditionalSameSiteNone && sameSite !== SameSite.NONE) {
        check.fail('cookie.conditionalSameSiteNone', 'only applies with sameSite: SameSite.NONE', true, 'Remove it, or set cookie.sameSite to SameSite.NONE.');
      }

      const serviceName = props.service.name;
      const servicePort = props.port ?? props.service.ports[0]?.port;
      if (servicePort === undefined || !props.service.ports.some((p) => p.port === servicePort)) {
        check.fail('port', `must be a port of Service ${serviceName} (${props.service.ports.map((p) => p.port).join(', ') || 'none'})`, props.port, 'Pass one of the Service ports, or leave it out for the first.');
      }
      const facts = backendFacts(this, serviceName);
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
        serviceName,
        servicePort: servicePort!,
        tlsSecretName: props.tlsSecretName,
        labels: facts?.labels ?? {},
        collisionFix: 'Keep one route per host and path: create the StatelessWebApp without host and path and let the StickyIngress own the route.',
        stickiness: {
          contributor: { where: check.where, scope: this },
          mode: props.mode,
          justification: props.justification.trim(),
          cookieName: cookie.name,
          cookiePath: cookie.path,
          cookieDomain: cookie.domain,
          maxAgeSeconds,
          expiresSeconds,
          secure,
          sameSite,
          conditionalSameSiteNone: cookie.conditionalSameSiteNone ?? false,
          changeOnFailure: cookie.changeOnFailure ?? true,
        },
      });
      this.appRoute.addRisks(RouteRole.STICKINESS, cookieAffinityRisks(affinityTarget(this, serviceName), props.mode));
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
}
