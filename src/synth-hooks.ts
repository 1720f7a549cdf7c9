import { IConstruct } from 'constructs';

/**
 * Work that must happen once the whole construct tree exists and before any object is written: rendering
 * routes from their complete intent, reporting risks that depend on other constructs, checking the objects of
 * the whole App once. cdk8s validates the whole App before it writes a chart (App.synth, Chart.toJson,
 * Testing.synth), so the work runs from the App's validation; each piece runs once, however often cdk8s
 * validates (cdk8s 2.68 validates the whole App again for every chart it writes: `App._synthChart` in
 * cdk8s/lib/app.js), and the validation itself costs nothing once nothing is pending.
 */
interface Pending {
  readonly work: Array<() => void>;
  /** The next piece of `work` to run (an index, so that running n pieces costs n, not n squared). */
  next: number;
  /** Work that needs everything else done first (it sees the objects the other work rendered). */
  readonly last: Array<() => void>;
}

const pending = new WeakMap<IConstruct, Pending>();

/**
 * Run `fn` once, before the App of `scope` is synthesized (in the order registered).
 * @param last run it after every other piece of work, including work registered later
 */
export function beforeSynth(scope: IConstruct, fn: () => void, last = false): void {
  const root = scope.node.root;
  let list = pending.get(root);
  if (!list) {
    list = { work: [], next: 0, last: [] };
    pending.set(root, list);
    root.node.addValidation({
      validate: () => {
        runBeforeSynth(root);
        return [];
      },
    });
  }
  (last ? list.last : list.work).push(fn);
}

/** Run what is pending for the App of `scope` (also called by the risk report before it prints). */
export function runBeforeSynth(scope: IConstruct): void {
  const list = pending.get(scope.node.root);
  if (!list) return;
  // a piece of work may register more work (or run what is pending itself): run until nothing is left
  for (;;) {
    if (list.next < list.work.length) {
      list.work[list.next++]();
    } else if (list.last.length > 0) {
      list.work.length = 0;
      list.next = 0;
      list.last.shift()!();
    } else {
      list.work.length = 0;
      list.next = 0;
      return;
    }
  }
}
