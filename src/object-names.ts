import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { PropChecker } from './prop-checks';

/**
 * Issue 13: two objects of one group, kind, namespace and name in one App are one object on the cluster: the
 * one applied last overwrites the other (an app named `sessions` next to a store named `sessions` both write a
 * Service `sessions`; an app `web-canary` next to the canary of `web` both write a Deployment `web-canary`).
 * Called at the end of a construct's constructor: refuses the construct's objects that another construct of the
 * App already writes, naming both constructs. Objects rendered at synth (routes) are checked by their provider's
 * route keys instead.
 */
export function refuseDuplicateObjects(construct: IConstruct, check: PropChecker, prop: string, value: unknown, fix: string): void {
  const own = new Set<IConstruct>(construct.node.findAll());
  const mine = new Map<string, ApiObject>();
  for (const c of own) {
    if (ApiObject.isApiObject(c)) mine.set(objectKey(c), c);
  }
  if (mine.size === 0) return;
  for (const c of construct.node.root.node.findAll()) {
    if (own.has(c) || !ApiObject.isApiObject(c)) continue;
    const clash = mine.get(objectKey(c));
    if (clash) {
      const ns = clash.metadata.namespace;
      check.fail(
        prop,
        `gives the ${clash.kind} "${clash.name}"${ns ? ` in namespace "${ns}"` : ''}, which ${owner(c)} also writes (one would overwrite the other on the cluster)`,
        value,
        fix,
      );
    }
  }
}

function objectKey(o: ApiObject): string {
  return [o.apiGroup, o.kind, o.metadata.namespace ?? '', o.name].join('/');
}

/** The construct that writes `o`: the child of its chart it belongs to, by path (e.g. `'shop/sessions'`). */
function owner(o: ApiObject): string {
  const scopes = o.node.scopes;
  const chartIndex = scopes.map((s) => Chart.isChart(s)).lastIndexOf(true);
  const top = scopes[Math.min(chartIndex + 1, scopes.length - 1)];
  return `${top.constructor.name} '${top.node.path}'`;
}
