import { CanaryMatch } from './canary-match';
import { PathType } from './provider-contract';

/*
 * The reading half of the Gateway API provider: an HTTPRoute someone else wrote, with the API's defaults made
 * explicit. The defaults are those of the HTTPRoute CRD (kubernetes-sigs/gateway-api v1.5.1, experimental channel
 * httproutes.yaml, copied as test/support/crds/gateway-api/v1.5.1/experimental/httproutes.yaml): backendRefs[].group
 * "" and kind "Service", backendRefs[].weight 1, rules[].sessionPersistence.type "Cookie", matches[].path.type
 * "PathPrefix", matches[].headers[].type "Exact".
 */

/** A Service backendRef of an HTTPRoute rule. @internal */
export interface GatewayBackendReading {
  readonly serviceName: string;
  /** Set only when the ref names another namespace's Service. */
  readonly namespace?: string;
  /** The port, or 80 when the ref has none (the API requires one for a Service; 80 stands in). */
  readonly port: number;
  readonly weight: number;
}

/** `sessionPersistence` of a rule. @internal */
export interface GatewaySessionPersistenceReading {
  /** `Cookie` or `Header`. */
  readonly type: string;
  readonly sessionName?: string;
}

/** One rule of an HTTPRoute. @internal */
export interface HttpRouteRuleReading {
  /** The first path match of the rule (`/` as a prefix when it has none). */
  readonly path: string;
  readonly pathType: PathType;
  /** Its backendRefs that name a core Service, in order (refs to other kinds are left out). */
  readonly backends: GatewayBackendReading[];
  /** Every header match of the rule's matches, in the library's words. */
  readonly headerMatches: CanaryMatch[];
  /** The rule's `sessionPersistence`. */
  readonly persistence?: GatewaySessionPersistenceReading;
}

/** What an HTTPRoute asks of its Gateway. @internal */
export interface HttpRouteReading {
  /** The name of its first parentRef, when it has one. */
  readonly gatewayName?: string;
  readonly rules: HttpRouteRuleReading[];
}

/** Whether an object is a Gateway API HTTPRoute. @internal */
export function isHttpRoute(object: any): boolean {
  return object?.kind === 'HTTPRoute' && typeof object?.apiVersion === 'string' && object.apiVersion.startsWith('gateway.networking.k8s.io/');
}

/** An HTTPRoute with the CRD's defaults made explicit. Fields of the wrong type are skipped. @internal */
export function readHttpRoute(object: any): HttpRouteReading {
  const spec = object?.spec ?? {};
  const rules: any[] = Array.isArray(spec.rules) ? spec.rules : [];
  const parent = Array.isArray(spec.parentRefs) ? spec.parentRefs[0] : undefined;
  return {
    gatewayName: typeof parent?.name === 'string' ? parent.name : undefined,
    rules: rules.map(readRule),
  };
}

function readRule(rule: any): HttpRouteRuleReading {
  const matches: any[] = Array.isArray(rule?.matches) ? rule.matches : [];
  const p = matches.find((x) => x?.path)?.path;
  const sp = rule?.sessionPersistence;
  return {
    path: typeof p?.value === 'string' ? p.value : '/',
    pathType: p?.type === 'Exact' ? PathType.EXACT : p?.type === 'RegularExpression' ? PathType.REGULAR_EXPRESSION : PathType.PREFIX,
    backends: (Array.isArray(rule?.backendRefs) ? rule.backendRefs : [])
      .filter((r: any) => (r?.group ?? '') === '' && (r?.kind ?? 'Service') === 'Service' && typeof r?.name === 'string')
      .map((r: any) => ({
        serviceName: r.name,
        namespace: typeof r.namespace === 'string' ? r.namespace : undefined,
        port: typeof r.port === 'number' ? r.port : 80,
        weight: typeof r.weight === 'number' ? r.weight : 1,
      })),
    // a header match without a name is kept as it is, for the provider to refuse
    headerMatches: matches
      .flatMap((x) => (Array.isArray(x?.headers) ? x.headers : []))
      .map((h: any) => (h?.type === 'RegularExpression' ? CanaryMatch.headerPattern(h?.name, h?.value) : CanaryMatch.header(h?.name, h?.value))),
    persistence: sp ? { type: typeof sp.type === 'string' ? sp.type : 'Cookie', sessionName: typeof sp.sessionName === 'string' ? sp.sessionName : undefined } : undefined,
  };
}
