import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AffinityMode, SameSite } from './affinity-mode';
import { CanaryMatch } from './canary-match';
import { RiskDescription } from '../warnings';

/**
 * The contract between the constructs of this library and a traffic controller.
 *
 * Constructs describe what they want as a `RouteIntent`: the app's host, path and backend, the cookie
 * affinity a `StickyIngress` attached, the canary a `CanaryRelease` attached. A provider (one file per
 * controller) checks the intent (`validate`) and renders it into its own objects (`render`). Nothing in
 * the intent is specific to one controller: no annotation keys, no default cookie names, no limits.
 * See docs/architecture.md.
 */

/**
 * How a route's path matches (the Kubernetes Ingress and Gateway API path types).
 */
export enum PathType {
  /** Matches the path and every path below it, element by element (`/api` matches `/api` and `/api/v1`, not `/apiv1`). */
  PREFIX = 'Prefix',
  /** Matches exactly this path. */
  EXACT = 'Exact',
  /** A regular expression; its dialect and support depend on the controller. */
  REGULAR_EXPRESSION = 'RegularExpression',
}

/**
 * What a rendered object carries, so that the risks and acknowledgements of the construct that asked
 * for it are written onto it.
 */
export enum RouteRole {
  /** Host, path and backend: contributed by a StatelessWebApp with host or path, or by a StickyIngress. */
  ROUTE = 'route',
  /** Cookie affinity: contributed by a StickyIngress. */
  STICKINESS = 'stickiness',
  /** The canary split: contributed by a CanaryRelease. */
  CANARY = 'canary',
}

/**
 * A Service port that a route sends requests to.
 */
export interface BackendRef {
  /** Name of the Service. */
  readonly serviceName: string;
  /** Port of the Service. */
  readonly port: number;
}

/**
 * The construct that contributed a part of a route intent.
 */
export interface RouteContributor {
  /** How messages name it, e.g. `StickyIngress 'shop/cart'`. */
  readonly where: string;
  /** The construct; a provider creates the objects for this contribution in it. */
  readonly scope: Construct;
}

/**
 * Cookie affinity, as intent.
 */
export interface CookieStickiness {
  /** Who attached it. */
  readonly contributor: RouteContributor;
  /** Balanced or persistent. */
  readonly mode: AffinityMode;
  /** Why the app needs affinity (written into the YAML for reviewers). */
  readonly justification: string;
  /**
   * Cookie name (an RFC 6265 token).
   * @default - the controller's default name
   */
  readonly cookieName?: string;
  /**
   * Cookie Path attribute.
   * @default - the controller's default
   */
  readonly cookiePath?: string;
  /**
   * Cookie Domain attribute.
   * @default - a host-only cookie
   */
  readonly cookieDomain?: string;
  /**
   * Max-Age in seconds.
   * @default - a session cookie
   */
  readonly maxAgeSeconds?: number;
  /**
   * Expires, in seconds from the response.
   * @default - none
   */
  readonly expiresSeconds?: number;
  /** The Secure attribute as asked for. */
  readonly secure: boolean;
  /** SameSite attribute. */
  readonly sameSite: SameSite;
  /** Omit SameSite=None for user agents known to mishandle it. */
  readonly conditionalSameSiteNone: boolean;
  /** Re-pin the user to another pod when a request to their pod fails. */
  readonly changeOnFailure: boolean;
}

/**
 * A canary split, as intent: which requests of the route go to the canary backend.
 */
export interface CanaryIntent {
  /** Who attached it. */
  readonly contributor: RouteContributor;
  /** Name for objects the canary needs of its own (e.g. a second route object). */
  readonly name: string;
  /** The canary Service. */
  readonly backend: BackendRef;
  /** The matches, in the order given. */
  readonly matches: CanaryMatch[];
  /** Denominator of weight matches. */
  readonly weightTotal: number;
  /** Keep each user on the version they first got. */
  readonly versionSticky: boolean;
  /**
   * The release engine that moves this canary's weight. The provider then renders only what the engine does not
   * create or rewrite itself, and refuses what the engine cannot do on its controller (`IReleaseEngineSupport`).
   * @default - none: the provider renders the split, a commit per step
   */
  readonly engine?: ReleaseEngineKind;
  /**
   * This commit adopts the engine: the provider keeps rendering what the engine's controller takes over once it
   * runs (marked so that GitOps tools do not prune it later), so the route has a backend at every moment.
   * @default false
   */
  readonly engineAdopting?: boolean;
}

/**
 * Everything the constructs want from the traffic layer for one route.
 */
export interface RouteIntent {
  /** Name of the route object(s). */
  readonly name: string;
  /**
   * Host name the route matches.
   * @default - every host
   */
  readonly host?: string;
  /** Path the route matches. */
  readonly path: string;
  /** How `path` matches. */
  readonly pathType: PathType;
  /** The stable backend. */
  readonly backend: BackendRef;
  /**
   * Secret holding the TLS certificate for `host`, for controllers that terminate TLS per route.
   * @default - no TLS on the route (terminated elsewhere)
   */
  readonly tlsSecretName?: string;
  /** Labels every route object carries. */
  readonly labels: { [key: string]: string };
  /** Who contributed host, path and backend. */
  readonly contributor: RouteContributor;
  /**
   * Cookie affinity.
   * @default - none
   */
  readonly stickiness?: CookieStickiness;
  /**
   * The canary split.
   * @default - none
   */
  readonly canary?: CanaryIntent;
}

/**
 * One object a provider rendered, and what it carries.
 */
export interface RenderedRouteObject {
  /** The object. */
  readonly object: ApiObject;
  /** The parts of the intent it carries: the risks of their contributors are annotated on it. */
  readonly roles: RouteRole[];
}

/**
 * A risk that comes from the controller itself, for one part of the intent.
 */
export interface ProviderRisk {
  /** The part of the intent it concerns (its contributor reports it). */
  readonly role: RouteRole;
  /** The risk. */
  readonly risk: RiskDescription;
}

/**
 * What a provider rendered for an intent.
 */
export interface RenderedRoute {
  /** The objects, in the order they appear in the YAML of their scope. */
  readonly objects: RenderedRouteObject[];
  /** The controller's own risks. */
  readonly risks: ProviderRisk[];
}

/**
 * A traffic controller: one implementation per controller, in one file.
 */
export interface ITrafficProvider {
  /** Short name of the controller, used in messages, e.g. `ingress-nginx`. */
  readonly name: string;

  /**
   * What the release engines need from this controller. A provider without it refuses every engine.
   * @default - no release engine runs on this controller
   */
  readonly releaseEngines?: IReleaseEngineSupport;

  /**
   * What two routes must share to collide: the same key means that the controller would apply only one of them.
   */
  routeKey(intent: RouteIntent): string;

  /**
   * Throw a validation error (naming the contributor, the prop, the value and the fix) when the controller
   * cannot express the intent or would ignore part of it. Called after every change of the intent, so an
   * error comes from the constructor of the construct that caused it.
   */
  validate(intent: RouteIntent): void;

  /**
   * The objects that express the intent, created in the scopes of the contributors. Called once per route,
   * when the App is synthesized (or when a construct's `route` is first read).
   */
  render(intent: RouteIntent): RenderedRoute;

  /**
   * What this controller does with a Service's `sessionAffinity: ClientIP` when it routes to that Service,
   * as a sentence for risk messages.
   */
  describeServiceAffinity(intent: RouteIntent): string;

}

/**
 * A progressive-delivery engine that a `CanaryRelease` can hand its release to.
 */
export enum ReleaseEngineKind {
  /** Argo Rollouts: a Rollout moves the weight through the controller's own traffic routing. */
  ARGO_ROLLOUTS = 'argo-rollouts',
  /** Flagger: a Canary moves the weight through the controller's own router. */
  FLAGGER = 'flagger',
}

/**
 * What an engine asks the provider of the app's route. The route's canary (`intent.canary`, with `engine` set)
 * holds the release's matches and a weight match of 0, the weight the engine starts from.
 */
export interface EngineRouteRequest {
  /** The route with the engine's canary attached. */
  readonly intent: RouteIntent;
  /** Name of the engine's object (the Rollout, the Canary), which is the app's name. */
  readonly workloadName: string;
  /** The canary Service the engine's controller selects the new pods with. */
  readonly canaryServiceName: string;
}

/**
 * What the engine's metric queries look at: how the engine's template names the namespace, the canary Service and
 * the query window.
 */
export interface EngineMetricsRequest {
  /** The namespace as the engine's query template writes it, e.g. `{{args.namespace}}`. */
  readonly namespace: string;
  /** The canary Service as the engine's query template writes it. */
  readonly canaryService: string;
  /** Port of the Service. */
  readonly port: number;
  /** The range of the rate() windows, as the engine's query template writes it (e.g. `1m`, `{{ interval }}`). */
  readonly window: string;
}

/**
 * The canary's requests as the controller's Prometheus metrics count them.
 */
export interface EngineMetricQueries {
  /** PromQL: percent (0-100) of canary requests that did not answer 5xx. */
  readonly successRate: string;
  /** PromQL: the 99th percentile latency of canary requests, in milliseconds. */
  readonly latencyP99: string;
}

/**
 * The controller's part of an Argo Rollouts `Rollout` (argoproj/argo-rollouts v1.9.1,
 * pkg/apis/rollouts/v1alpha1/types.go RolloutTrafficRouting).
 */
export interface ArgoRolloutsRouting {
  /** `spec.strategy.canary.trafficRouting`. */
  readonly trafficRouting: any;
  /** Steps that follow the first `setWeight` (a `setHeaderRoute` where the controller's reconciler implements it). */
  readonly afterFirstWeight: any[];
  /** The controller's risks of this release. */
  readonly risks: RiskDescription[];
}

/**
 * The controller's part of a Flagger `Canary` (fluxcd/flagger v1.44.0, pkg/apis/flagger/v1beta1/canary.go).
 */
export interface FlaggerRouting {
  /** `spec.provider`. */
  readonly provider: string;
  /**
   * Fields of `spec` the controller's router reads (e.g. the reference to the route it copies).
   * @default - none
   */
  readonly spec?: any;
  /**
   * Fields of `spec.service` the controller's router reads (e.g. hosts, parent references, the path match).
   * @default - none
   */
  readonly service?: any;
  /** Whether Flagger generates the app's route object itself once it runs the app (the provider then renders none). */
  readonly routeTakenOver: boolean;
  /** The controller's risks of this release. */
  readonly risks: RiskDescription[];
}

/**
 * The engine part of a traffic provider: what Argo Rollouts and Flagger need of its controller. Every controller
 * name, literal and rule an engine relies on lives here, in the provider's files. Each method throws a
 * `ValidationError` (with the engine's reason) when the engine cannot run the release on this controller.
 */
export interface IReleaseEngineSupport {
  /** The Rollout's traffic routing for the route. */
  argoRollouts(request: EngineRouteRequest): ArgoRolloutsRouting;
  /** The Canary's provider and references for the route. */
  flagger(request: EngineRouteRequest): FlaggerRouting;
  /** The Prometheus queries for the canary's requests through this controller. */
  metricQueries(request: EngineMetricsRequest): EngineMetricQueries;
}

/**
 * The path as two routes compare it: a prefix without its trailing "/" (Kubernetes Ingress and Gateway API
 * both match `/api` and `/api/` as the same prefix), other types as written.
 */
export function pathKey(intent: RouteIntent): string {
  const path = intent.pathType === PathType.PREFIX && intent.path.length > 1 ? intent.path.replace(/\/+$/, '') || '/' : intent.path;
  return `${intent.pathType}:${path}`;
}
