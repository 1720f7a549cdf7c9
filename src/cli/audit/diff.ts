import { ComparedFinding, Finding, Mechanism, MechanismChange, objectKey, TreeAudit } from './model';

/** The `--fail-on` policies: which findings make the exit code 1. */
export const FAIL_ON = ['new-unacknowledged', 'unacknowledged', 'any', 'none'] as const;
export type FailOn = (typeof FAIL_ON)[number];

/**
 * Compares the head tree with the base tree, per object (group, kind, namespace, name) and risk code: a finding
 * whose object and code the base lacks is new; one whose text or acknowledgement differs is changed; a base
 * finding with no counterpart is removed.
 */
export function compare(head: TreeAudit, base: TreeAudit): { findings: ComparedFinding[]; removed: Finding[]; mechanismChanges: MechanismChange[] } {
  const groups = new Map<string, Finding[]>();
  for (const f of base.findings) {
    const key = `${objectKey(f.object)}\u0000${f.code}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const used = new Set<Finding>();
  // in the head tree's order
  const findings: ComparedFinding[] = new Array(head.findings.length);
  const pending: Array<{ i: number; group: Finding[] }> = [];
  head.findings.forEach((f, i) => {
    const group = groups.get(`${objectKey(f.object)}\u0000${f.code}`);
    if (!group) {
      findings[i] = { ...f, change: 'new' };
      return;
    }
    const same = group.find((b) => !used.has(b) && b.message === f.message && b.remedy === f.remedy);
    if (!same) {
      pending.push({ i, group });
      return;
    }
    used.add(same);
    findings[i] = same.acknowledged === f.acknowledged ? { ...f, change: 'unchanged' } : { ...f, change: 'changed', before: beforeOf(same) };
  });
  // texts that changed: paired with a base text of the same object and code that nothing else matched
  for (const { i, group } of pending) {
    const before = group.find((b) => !used.has(b)) ?? group[0];
    used.add(before);
    findings[i] = { ...head.findings[i], change: 'changed', before: beforeOf(before) };
  }
  return {
    findings,
    removed: base.findings.filter((b) => !used.has(b)),
    mechanismChanges: compareMechanisms(head.mechanisms, base.mechanisms),
  };
}

function beforeOf(f: Finding): ComparedFinding['before'] {
  return { message: f.message, remedy: f.remedy, acknowledged: f.acknowledged };
}

function compareMechanisms(head: Mechanism[], base: Mechanism[]): MechanismChange[] {
  const byObject = (list: Mechanism[]) => {
    const map = new Map<string, { sample: Mechanism; descriptions: Set<string> }>();
    for (const m of list) {
      const key = objectKey(m.object);
      const entry = map.get(key) ?? { sample: m, descriptions: new Set<string>() };
      entry.descriptions.add(m.description);
      map.set(key, entry);
    }
    return map;
  };
  const h = byObject(head);
  const b = byObject(base);
  const out: MechanismChange[] = [];
  for (const key of new Set([...h.keys(), ...b.keys()])) {
    const now = h.get(key)?.descriptions ?? new Set<string>();
    const then = b.get(key)?.descriptions ?? new Set<string>();
    const added = [...now].filter((d) => !then.has(d));
    const removed = [...then].filter((d) => !now.has(d));
    if (added.length === 0 && removed.length === 0) continue;
    const sample = (h.get(key) ?? b.get(key))!.sample;
    out.push({ object: sample.object, file: sample.file, line: sample.line, added, removed });
  }
  return out;
}

/** The findings that fail the run under `policy`. Without a base every finding counts as new. */
export function failing(findings: ComparedFinding[], policy: FailOn): ComparedFinding[] {
  switch (policy) {
    case 'none':
      return [];
    case 'any':
      return findings;
    case 'unacknowledged':
      return findings.filter((f) => !f.acknowledged);
    case 'new-unacknowledged':
      // new, or no longer acknowledged: a risk the base tree already had unacknowledged does not fail the change
      return findings.filter((f) => !f.acknowledged && (f.change === undefined || f.change === 'new' || (f.change === 'changed' && f.before?.acknowledged)));
  }
}
