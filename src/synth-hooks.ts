import { IConstruct } from 'constructs';

/**
 * Work that must happen once the whole construct tree exists and before any object is written: rendering
 * routes from their complete intent, reporting risks that depend on other constructs. cdk8s validates the
 * whole App before it writes a chart (App.synth, Chart.toJson, Testing.synth), so the work runs from the
 * App's validation; each piece runs once, however often cdk8s validates.
 */
const pending = new WeakMap<IConstruct, Array<() => void>>();

/** Run `fn` once, before the App of `scope` is synthesized (in the order registered). */
export function beforeSynth(scope: IConstruct, fn: () => void): void {
  const root = scope.node.root;
  let list = pending.get(root);
  if (!list) {
    list = [];
    pending.set(root, list);
    root.node.addValidation({
      validate: () => {
        runBeforeSynth(root);
        return [];
      },
    });
  }
  list.push(fn);
}

/** Run what is pending for the App of `scope` (also called by the risk report before it prints). */
export function runBeforeSynth(scope: IConstruct): void {
  const list = pending.get(scope.node.root);
  // a piece of work may register more work: run until nothing is left
  while (list && list.length > 0) {
    list.shift()!();
  }
}
