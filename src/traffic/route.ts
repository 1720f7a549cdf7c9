import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { ValidationError } from '../errors';
import { show } from '../prop-checks';
import { beforeSynth } from '../synth-hooks';
import { RiskDescription, Warnings, writeRiskAnnotations } from '../warnings';
import { CanaryIntent, CookieStickiness, ITrafficProvider, PathType, RenderedRoute, RouteContributor, RouteIntent, RouteRole } from './provider-contract';

/**
 * The route of a backend Service, owned by the app behind it: one intent that constructs attach to
 * (a StatelessWebApp's host and path, a StickyIngress's affinity, a CanaryRelease's split), validated by the
 * provider after every attachment and rendered once, from the complete intent, when the App is synthesized.
 * Nobody writes another construct's fields: they attach through this class.
 */

/**
 * What is known about the workload behind a Service: registered by the construct that runs it, read by
 * constructs that route to it or pin users to it (for their risk messages).
 */
export interface BackendFacts {
  /** How messages name the owner, e.g. `StatelessWebApp 'shop/web'`. */
  readonly owner: string;
  /** Name of the app (its objects share it). */
  readonly appName: string;
  /** Labels of every route object of the app. */
  readonly labels: { [key: string]: string };
  /** Fewest pods (the HPA minimum, or the fixed count). */
  readonly minReplicas: number;
  /** Most pods (the HPA maximum, or the fixed count). */
  readonly maxReplicas: number;
  /** The HPA's CPU target, when autoscaled. */
  readonly targetCpu?: number;
  /** Whether a session store is bound. */
  readonly hasSessionStore: boolean;
  /** Port of the Service. */
  readonly servicePort: number;
  /** The app's traffic provider. */
  readonly provider: ITrafficProvider;
}

/** A contributor as this module keeps it: who, and what it said about the route. */
interface Contribution extends RouteContributor {
  /** The construct that reports the risks (the scope may be a child of it). */
  readonly construct: Construct;
  readonly kind: string;
  readonly acknowledged: readonly string[];
  readonly risks: RiskDescription[];
}

interface AppState {
  readonly backends: Map<string, BackendFacts>;
  readonly backendOwners: Map<IConstruct, string>;
  readonly routes: Map<string, AppRoute>;
  readonly claims: Map<string, string>;
}

/** Routes and backends are tracked per cdk8s App: one App is one deployment unit. */
const apps = new WeakMap<IConstruct, AppState>();

function stateOf(scope: IConstruct): AppState {
  const root = scope.node.root;
  let state = apps.get(root);
  if (!state) {
    state = { backends: new Map(), backendOwners: new Map(), routes: new Map(), claims: new Map() };
    apps.set(root, state);
  }
  return state;
}

/** A Service by namespace and name: the identity two constructs must agree on. */
function backendKey(scope: IConstruct, serviceName: string, namespace?: string): string {
  return `${namespace ?? chartNamespace(scope) ?? ''}/${serviceName}`;
}

function chartNamespace(scope: IConstruct): string | undefined {
  try {
    return Chart.of(scope).namespace;
  } catch {
    return undefined;
  }
}

/** Register the workload behind a Service. */
export function registerBackend(scope: IConstruct, serviceName: string, facts: BackendFacts): void {
  const state = stateOf(scope);
  const key = backendKey(scope, serviceName);
  state.backends.set(key, facts);
  state.backendOwners.set(scope, key);
}

/** The workload behind a Service, when a construct of this library runs it. */
export function backendFacts(scope: IConstruct, serviceName: string, namespace?: string): BackendFacts | undefined {
  return stateOf(scope).backends.get(backendKey(scope, serviceName, namespace));
}

/** A construct that attaches a part to an existing route. */
export interface Attacher {
  readonly construct: Construct;
  readonly kind: string;
  readonly where: string;
  readonly acknowledged: readonly string[];
}

/** What the first contributor of a route says about it. */
export interface NewRoute {
  /** The contributing construct: it reports the route's risks. */
  readonly contributor: Construct;
  /** Where the route's objects are rendered. @default the contributor */
  readonly scope?: Construct;
  readonly kind: string;
  readonly where: string;
  readonly acknowledged: readonly string[];
  readonly provider: ITrafficProvider;
  readonly name: string;
  readonly host?: string;
  readonly path: string;
  readonly pathType: PathType;
  readonly serviceName: string;
  readonly servicePort: number;
  readonly tlsSecretName?: string;
  readonly labels: { [key: string]: string };
  /** The fix to name when host and path are already routed. */
  readonly collisionFix: string;
  /**
   * Cookie affinity the contributor attaches from the start (checked with the rest, before anything is kept).
   * @default - none
   */
  readonly stickiness?: CookieStickiness;
}

/**
 * One route: its intent, its contributors and, once rendered, its objects.
 */
export class AppRoute {
  /** Create the route of a Service; throws when the Service or its host and path are already routed. */
  public static create(r: NewRoute): AppRoute {
    const state = stateOf(r.contributor);
    const key = backendKey(r.contributor, r.serviceName);
    const existing = state.routes.get(key);
    if (existing) {
      throw new ValidationError(
        r.where,
        'service',
        `is already routed by ${existing.intent.contributor.where}, and an app has one route (so that its stickiness and its canaries apply to every user)`,
        show(r.serviceName),
        "Give the app one route: to make the app's own route sticky, leave host, path, pathType, tlsSecretName and name out of the StickyIngress.",
      );
    }
    const route = new AppRoute(r);
    const routeKey = r.provider.routeKey(route.intent);
    const owner = state.claims.get(routeKey);
    if (owner !== undefined) {
      throw new ValidationError(
        r.where,
        "host'/'path",
        `is already routed by ${owner} on the same ${r.provider.name} routes (two routes for one host and path conflict, and only one of them would apply)`,
        `${r.host ?? '(every host)'} ${r.path}`,
        r.collisionFix,
      );
    }
    r.provider.validate(route.intent);
    if (r.stickiness) {
      route.attachStickiness({ construct: r.contributor, kind: r.kind, where: r.where, acknowledged: r.acknowledged }, r.stickiness);
    }
    state.claims.set(routeKey, r.where);
    state.routes.set(key, route);
    beforeSynth(r.contributor, () => route.render());
    return route;
  }

  /** The route of a Service, if one exists. */
  public static of(scope: IConstruct, serviceName: string, namespace?: string): AppRoute | undefined {
    return stateOf(scope).routes.get(backendKey(scope, serviceName, namespace));
  }

  /**
   * Undo what a construct that failed in its constructor contributed (its route, its stickiness, its canary,
   * its backend), so that bad input leaves nothing half-built behind.
   */
  public static forget(construct: IConstruct): void {
    const state = stateOf(construct);
    const backend = state.backendOwners.get(construct);
    if (backend !== undefined) {
      state.backends.delete(backend);
      state.backendOwners.delete(construct);
    }
    for (const [key, route] of [...state.routes]) {
      if (route.contributions.get(RouteRole.ROUTE)?.construct === construct) {
        route.dead = true;
        state.routes.delete(key);
        for (const [claim, owner] of [...state.claims]) {
          if (owner === route.current.contributor.where) state.claims.delete(claim);
        }
        continue;
      }
      for (const [role, c] of [...route.contributions]) {
        if (c.construct !== construct) continue;
        route.contributions.delete(role);
        if (role === RouteRole.CANARY) route.current = { ...route.current, canary: undefined };
        if (role === RouteRole.STICKINESS) route.current = { ...route.current, stickiness: undefined };
      }
    }
  }

  public readonly provider: ITrafficProvider;
  private dead = false;
  private current: RouteIntent;
  private readonly contributions = new Map<RouteRole, Contribution>();
  private rendered?: RenderedRoute;

  private constructor(r: NewRoute) {
    this.provider = r.provider;
    const scope = r.scope ?? r.contributor;
    const contribution: Contribution = { construct: r.contributor, kind: r.kind, where: r.where, scope, acknowledged: r.acknowledged, risks: [] };
    this.contributions.set(RouteRole.ROUTE, contribution);
    this.current = {
      name: r.name,
      host: r.host,
      path: r.path,
      pathType: r.pathType,
      backend: { serviceName: r.serviceName, port: r.servicePort },
      tlsSecretName: r.tlsSecretName,
      labels: r.labels,
      contributor: { where: r.where, scope },
    };
  }

  /** The intent as it stands. */
  public get intent(): RouteIntent {
    return this.current;
  }

  /** Attach cookie affinity; one per route. */
  public attachStickiness(who: Attacher, stickiness: CookieStickiness): void {
    this.requireOpen(who.where, 'service');
    const existing = this.contributions.get(RouteRole.STICKINESS);
    if (existing && existing.construct !== who.construct) {
      throw new ValidationError(
        who.where,
        'service',
        `is already made sticky by ${existing.where}, and a route has one cookie affinity`,
        show(this.current.backend.serviceName),
        'Keep one StickyIngress per app.',
      );
    }
    this.contributions.set(RouteRole.STICKINESS, this.contributionOf(who));
    this.change({ ...this.current, stickiness });
  }

  /** Attach a canary split; one per route. */
  public attachCanary(who: Attacher, canary: CanaryIntent): void {
    this.requireOpen(who.where, 'stable');
    const existing = this.contributions.get(RouteRole.CANARY);
    if (existing) {
      throw new ValidationError(
        who.where,
        'stable',
        `already has a canary (${existing.where}), and a route splits to one canary at a time`,
        show(this.current.backend.serviceName),
        'Release one version at a time, or combine the matches in one CanaryRelease.',
      );
    }
    this.contributions.set(RouteRole.CANARY, this.contributionOf(who));
    try {
      this.change({ ...this.current, canary });
    } catch (e) {
      this.contributions.delete(RouteRole.CANARY);
      throw e;
    }
  }

  /** Risks a contributor reports about its part of the route (annotated on the objects that carry it). */
  public addRisks(role: RouteRole, risks: RiskDescription[]): void {
    const c = this.contributions.get(role);
    if (!c) throw new Error(`no contributor for ${role}`);
    const report = Warnings.of(c.construct);
    for (const risk of risks) {
      c.risks.push(risk);
      report._report(c.construct, c.kind, risk, c.acknowledged, []);
    }
  }

  /** The first rendered object that carries `role` (renders the route, which freezes it). */
  public objectFor(role: RouteRole): ApiObject | undefined {
    return this.render().objects.find((o) => o.roles.includes(role))?.object;
  }

  /** Render once, from the complete intent; annotate every object with the risks of its contributors. */
  public render(): RenderedRoute {
    if (this.rendered) {
      return this.rendered;
    }
    if (this.dead) {
      this.rendered = { objects: [], risks: [] };
      return this.rendered;
    }
    const rendered = this.provider.render(this.current);
    this.rendered = rendered;
    for (const { role, risk } of rendered.risks) {
      this.addRisks(role, [risk]);
    }
    for (const { object, roles } of rendered.objects) {
      for (const [key, value] of Object.entries(this.current.labels)) {
        object.metadata.addLabel(key, value);
      }
      const contributors = [...new Set(roles.map((role) => this.contributions.get(role)).filter((c): c is Contribution => c !== undefined))];
      writeRiskAnnotations(
        object,
        contributors.filter((c) => c.risks.length > 0).map((c) => ({ where: c.construct.node.path, risks: c.risks, acknowledged: c.acknowledged })),
      );
    }
    return rendered;
  }

  /** A construct that contributes several parts is one contributor (its risks are annotated once). */
  private contributionOf(who: Attacher): Contribution {
    const same = [...this.contributions.values()].find((c) => c.construct === who.construct);
    return same ?? { construct: who.construct, kind: who.kind, where: who.where, scope: who.construct, acknowledged: who.acknowledged, risks: [] };
  }

  private change(next: RouteIntent): void {
    this.provider.validate(next);
    this.current = next;
  }

  private requireOpen(where: string, prop: string): void {
    if (this.rendered) {
      throw new ValidationError(
        where,
        prop,
        `attaches to the route of ${this.current.backend.serviceName}, which was already rendered (its objects were read through a construct's 'route', or the App was synthesized)`,
        show(this.current.backend.serviceName),
        "Create every StickyIngress and CanaryRelease of an app before reading 'route' of any of them.",
      );
    }
  }
}
