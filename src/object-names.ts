import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { PropChecker } from './prop-checks';
import { beforeSynth } from './synth-hooks';

/**
 * Two objects of one group, kind, namespace and name in one App are one object on the cluster: the one applied
 * last overwrites the other (an app named `sessions` next to a store named `sessions` both write a Service
 * `sessions`; an app `web-canary` next to the canary of `web` both write a Deployment `web-canary`).
 *
 * Each App keeps an index of the objects its library constructs wrote, by that identity, so the check costs the
 * size of the new construct, never the size of the App:
 * - at the end of a construct's constructor, its objects are looked up in the index, so a clash between two
 *   constructs of this library is refused from the constructor of the second, naming both;
 * - once, before the App is synthesized, one pass over every object of the App finds the objects that no
 *   constructor saw: objects written by plain cdk8s or cdk8s-plus code, and objects added later.
 * Objects rendered at synth by a traffic provider are also checked by the provider's route keys.
 */

/** What one library construct wrote, and how a refusal names it. */
interface Registered {
  readonly object: ApiObject;
  readonly construct: IConstruct;
  readonly check: PropChecker;
  readonly prop: string;
  readonly value: unknown;
  readonly fix: string;
}

interface AppIndex {
  readonly objects: Map<string, Registered>;
  /** Whether the one pass over the App is registered and has not run yet. */
  passPending: boolean;
}

const indexes = new WeakMap<IConstruct, AppIndex>();

/**
 * Refuse the objects of `construct` that another construct of the App already writes, naming both, and index
 * them for the constructs that come later. Called at the end of a construct's constructor.
 */
export function refuseDuplicateObjects(construct: IConstruct, check: PropChecker, prop: string, value: unknown, fix: string): void {
  const index = indexOf(construct);
  const mine: ApiObject[] = [];
  for (const c of construct.node.findAll()) {
    if (ApiObject.isApiObject(c)) mine.push(c);
  }
  for (const object of mine) {
    const other = index.objects.get(objectKey(object));
    if (other && other.construct !== construct && attached(other.object)) {
      refuse(check, prop, value, fix, object, other.object);
    }
  }
  for (const object of mine) {
    index.objects.set(objectKey(object), { object, construct, check, prop, value, fix });
  }
  if (!index.passPending) {
    index.passPending = true;
    const root = construct.node.root;
    // last: after the routes are rendered, so their objects are in the tree too
    beforeSynth(
      root,
      () => {
        index.passPending = false;
        refuseDuplicatesOfApp(root, index);
      },
      true,
    );
  }
}

function indexOf(scope: IConstruct): AppIndex {
  const root = scope.node.root;
  let index = indexes.get(root);
  if (!index) {
    index = { objects: new Map(), passPending: false };
    indexes.set(root, index);
  }
  return index;
}

/** The one pass before synth: every object of the App against the index of the library's objects. */
function refuseDuplicatesOfApp(root: IConstruct, index: AppIndex): void {
  for (const c of root.node.findAll()) {
    if (!ApiObject.isApiObject(c)) continue;
    const registered = index.objects.get(objectKey(c));
    if (registered === undefined || registered.object === c || !attached(registered.object)) continue;
    refuse(registered.check, registered.prop, registered.value, registered.fix, registered.object, c);
  }
}

function refuse(check: PropChecker, prop: string, value: unknown, fix: string, mine: ApiObject, theirs: ApiObject): never {
  const ns = mine.metadata.namespace;
  return check.fail(
    prop,
    `gives the ${mine.kind} "${mine.name}"${ns ? ` in namespace "${ns}"` : ''}, which ${owner(theirs)} also writes (one would overwrite the other on the cluster)`,
    value,
    fix,
  );
}

function objectKey(o: ApiObject): string {
  return `${o.apiGroup}/${o.kind}/${o.metadata.namespace ?? ''}/${o.name}`;
}

/** Whether `c` is still in its App (a construct whose constructor failed removed itself from the tree). */
function attached(c: IConstruct): boolean {
  for (let current = c; current.node.scope; current = current.node.scope) {
    if (current.node.scope.node.tryFindChild(current.node.id) !== current) return false;
  }
  return true;
}

/** The construct that writes `o`: the child of its chart it belongs to, by path (e.g. `'shop/sessions'`). */
function owner(o: ApiObject): string {
  const scopes = o.node.scopes;
  const chartIndex = scopes.map((s) => Chart.isChart(s)).lastIndexOf(true);
  const top = scopes[Math.min(chartIndex + 1, scopes.length - 1)];
  return `${top.constructor.name} '${top.node.path}'`;
}
