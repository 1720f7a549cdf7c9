import { ManifestObject } from '../manifests';
import { BuildResult, buildOn, leaves, Target, TARGET_PROVIDERS } from './build';
import { AnnotationUse, ImportPlan, planImport } from './plan';

/** What one annotation (or TLS, the class, the path type) becomes on one target. */
export interface EntryReport {
  readonly ingress: string;
  readonly where: string;
  readonly key: string;
  readonly raw: string;
  /** What the import made of it (the construct prop). */
  readonly imported: string;
  /**
   * `becomes`: it changes the rendered objects (`detail` lists how); `changes`: the import does not keep
   * ingress-nginx's behaviour exactly (`detail` says what differs); `default`: the same as leaving it out;
   * `refused`: the target refuses the prop (`detail` has the message and what the build did instead);
   * `lost`: the target renders the same objects with or without it; `not imported`: unknown, ignored by
   * ingress-nginx, or without effect where it is.
   */
  readonly outcome: 'becomes' | 'changes' | 'default' | 'refused' | 'lost' | 'not imported';
  readonly detail: string[];
  /** Risk codes the target reports with it and not without it. */
  readonly risks: string[];
}

export interface TargetReport {
  readonly target: Target;
  readonly provider: string;
  readonly entries: EntryReport[];
  /** Every risk code on the rendered objects, by `Kind/name`. */
  readonly risks: { [object: string]: string[] };
  readonly baseline: BuildResult;
}

/** How many changed leaves an entry lists before it summarises. */
const MAX_DETAIL = 8;

/** The report of `plan` on `target`: each annotation's use, built with and without it. */
export function reportOn(objects: ManifestObject[], plan: ImportPlan, target: Target): TargetReport {
  const baseline = buildOn(plan, target);
  const base = leaves(baseline.objects);
  const entries: EntryReport[] = plan.uses.map((use) => {
    const common = { ingress: use.ingress, where: use.where, key: use.key, raw: use.raw, imported: use.meaning };
    if (!use.recognised || !use.effective) return { ...common, outcome: 'not imported', detail: [], risks: [] };
    const refused = baseline.refusals.filter((r) => r.construct === use.construct && use.props.includes(r.prop));
    const refusedDetail = refused.map((r) => `${r.message} -> ${r.instead}`);
    if (refused.length === 0 && use.changes) return { ...common, outcome: 'changes', detail: [use.changes], risks: [] };
    const ablated = use.absent ? undefined : ablate(objects, use);
    if (ablated === undefined) {
      // the class, the path type and a default written out have no "without": say what the target does with them
      const isClass = use.key === 'ingress class' || use.key === 'kubernetes.io/ingress.class';
      const outcome = refused.length ? 'refused' : isClass && target !== 'ingress-nginx' ? 'lost' : 'becomes';
      return { ...common, outcome, detail: [...refusedDetail, ...(use.absent ? [] : fixedMeaning(use, target))], risks: [] };
    }
    if (JSON.stringify(ablated.charts) === JSON.stringify(plan.charts)) {
      return { ...common, outcome: 'default', detail: ["the same as leaving it out (ingress-nginx's default)"], risks: [] };
    }
    const without = buildOn(ablated, target);
    const diff = diffLeaves(base, leaves(without.objects));
    const before = new Set(Object.values(without.risks).flat());
    const risks = [...new Set(Object.values(baseline.risks).flat())].filter((c) => !before.has(c)).sort();
    if (refused.length) return { ...common, outcome: 'refused', detail: [...refusedDetail, ...diff.map((d) => `renders instead: ${d}`)], risks };
    if (diff.length === 0) {
      // the same output without it, because the value is also the library's default, or because the target
      // refuses what the import writes without it and falls back to this value
      const rendered = [...base].filter(([k, v]) => k.endsWith(`.metadata.annotations[${use.key}]`) && v === ingressNginxValue(use));
      if (rendered.length) return { ...common, outcome: 'becomes', detail: rendered.map(([k, v]) => `${k}: ${v} (also the library's default)`), risks };
      const fallbacks = without.refusals.filter((r) => !baseline.refusals.some((b) => b.message === r.message));
      if (fallbacks.length) {
        return { ...common, outcome: 'becomes', detail: fallbacks.map((r) => `kept: without it the import would write what ${target} refuses (${r.prop}), and the build falls back to this value`), risks };
      }
      return { ...common, outcome: 'lost', detail: [`${target} renders the same objects with or without it`], risks };
    }
    return { ...common, outcome: 'becomes', detail: diff, risks };
  });
  return { target, provider: TARGET_PROVIDERS[target].code, entries, risks: baseline.risks, baseline };
}

/** The value ingress-nginx keeps for the annotation of `use`, as the provider writes it (SameSite capitalised). */
function ingressNginxValue(use: AnnotationUse): string {
  const v = use.raw.trim();
  return /samesite$/.test(use.key) ? v.charAt(0).toUpperCase() + v.slice(1).toLowerCase() : v;
}

function fixedMeaning(use: AnnotationUse, target: Target): string[] {
  if (use.key === 'ingress class' || use.key === 'kubernetes.io/ingress.class') {
    return target === 'ingress-nginx'
      ? [`spec.ingressClassName: ${use.raw}`]
      : [`the class selected the ingress-nginx controller; on ${target} the routes attach as ${TARGET_PROVIDERS[target].code} says`];
  }
  return [use.meaning];
}

/** The plan without `use` (its annotation, TLS, or the whole canary Ingress), or undefined when it has no "without". */
function ablate(objects: ManifestObject[], use: AnnotationUse): ImportPlan | undefined {
  if (use.key === 'ingress class' || use.key === 'pathType' || use.key === 'kubernetes.io/ingress.class') return undefined;
  const isIt = (m: ManifestObject) => m.object.kind === 'Ingress' && `${m.object.metadata?.namespace ?? 'default'}/${m.object.metadata?.name}` === use.ingress;
  const copy: ManifestObject[] = [];
  for (const m of objects) {
    if (!isIt(m)) {
      copy.push(m);
      continue;
    }
    const o = JSON.parse(JSON.stringify(m.object));
    if (use.key === 'tls') delete o.spec.tls;
    else if (/\/canary$/.test(use.key)) continue; // without the canary annotation the canary Ingress is no canary: leave it out
    else delete o.metadata.annotations[use.key];
    copy.push({ ...m, object: o });
  }
  try {
    return planImport(copy);
  } catch {
    return undefined;
  }
}

/** `path: value` for every leaf `a` has and `b` lacks or holds otherwise; a whole new object as one line. */
function diffLeaves(a: Map<string, string>, b: Map<string, string>): string[] {
  const objectsOf = (m: Map<string, string>) => new Set([...m.keys()].map((k) => k.split(/[.[]/)[0]));
  const bObjects = objectsOf(b);
  const aObjects = objectsOf(a);
  const out: string[] = [];
  for (const o of aObjects) if (!bObjects.has(o)) out.push(`${o} (a whole object)`);
  for (const [k, v] of a) {
    const object = k.split(/[.[]/)[0];
    if (!bObjects.has(object)) continue;
    if (b.get(k) !== v) out.push(`${k}: ${v}${b.has(k) ? ` (instead of ${b.get(k)})` : ''}`);
  }
  for (const [k, v] of b) {
    const object = k.split(/[.[]/)[0];
    if (aObjects.has(object) && !a.has(k)) out.push(`${k}: not rendered (instead of ${v})`);
  }
  for (const o of bObjects) if (!aObjects.has(o)) out.push(`${o}: not rendered`);
  return out.length > MAX_DETAIL ? [...out.slice(0, MAX_DETAIL), `... and ${out.length - MAX_DETAIL} more`] : out;
}

/** The report as text, one section per target. */
export function formatReport(plan: ImportPlan, reports: TargetReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`== ${r.target} (built on ${r.provider})`);
    let ingress = '';
    for (const e of r.entries) {
      if (e.ingress !== ingress) {
        ingress = e.ingress;
        lines.push(`Ingress ${e.ingress} (${e.where})`);
      }
      const raw = JSON.stringify(e.raw);
      lines.push(`  ${e.key}: ${raw.length > 80 ? `${raw.slice(0, 77)}...` : raw}  [${e.outcome}]`);
      lines.push(`    imported as: ${e.imported}`);
      for (const d of e.detail) lines.push(`    ${d}`);
      if (e.risks.length) lines.push(`    risks: ${e.risks.join(', ')}`);
    }
    const others = r.baseline.refusals.filter((f) => !r.entries.some((e) => e.outcome === 'refused' && e.detail.some((d) => d.startsWith(f.message))));
    for (const f of others) lines.push(`  refused on ${r.target}: ${f.message} -> ${f.instead}`);
    lines.push('');
  }
  if (plan.notes.length) {
    lines.push('== notes');
    for (const n of plan.notes) lines.push(`- ${n}`);
    lines.push('');
  }
  return lines.join('\n');
}
