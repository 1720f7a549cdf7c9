import { IConstruct } from 'constructs';
import { ITrafficProvider, RouteSpec } from './traffic-provider';

/**
 * Every host + path routed in one App, so that two constructs never route the same one:
 * with ingress-nginx two Ingresses for one host and path merge into one location, and with
 * Gateway API the oldest HTTPRoute wins; either way only one of them would be sticky (or
 * canary-weighted, or TLS-terminated as intended).
 */
const claims = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Claim host + path for a construct; throws, naming both constructs and the fix, if it is taken.
 */
export function claimRoute(claimant: IConstruct, kindAndId: string, provider: ITrafficProvider, route: RouteSpec, fix: string): void {
  const root = claimant.node.root;
  let taken = claims.get(root);
  if (!taken) {
    taken = new Map();
    claims.set(root, taken);
  }
  const k = provider.routeKey(route);
  const owner = taken.get(k);
  if (owner !== undefined) {
    throw new Error(
      `${kindAndId}: 'host'/'path' ${route.host ?? '(every host)'} ${route.path} is already routed by ${owner} (${provider.controller}), ` +
        'got a second route for it. Two routes for one host and path conflict (ingress-nginx merges them into one location, a Gateway keeps ' +
        `only the oldest HTTPRoute's rule), so only one of them would apply. ${fix}`,
    );
  }
  taken.set(k, kindAndId);
}
