import { ACKNOWLEDGED_ANNOTATION, ACKNOWLEDGED_REASONS_ANNOTATION, annotationName, RISK_ANNOTATION_PREFIX } from '../../warnings';
import { ManifestObject } from '../manifests';
import { Finding, refOf } from './model';

/** The separator `writeRiskAnnotations` (src/warnings.ts) puts between a risk's message and its remedy. */
const INSTEAD = ' Instead: ';

export function annotationsOf(m: ManifestObject): { [key: string]: string } {
  const a = m.object.metadata?.annotations;
  if (a === null || typeof a !== 'object' || Array.isArray(a)) return {};
  const out: { [key: string]: string } = {};
  for (const [k, v] of Object.entries(a)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * Whether this library wrote the object: it carries a risk annotation (every object the library gives a stickiness
 * or a canary carries at least one, e.g. AFFINITY_UNEVEN_LOAD on any affinity).
 */
export function writtenByLibrary(m: ManifestObject): boolean {
  return Object.keys(annotationsOf(m)).some((k) => riskCodeOf(k) !== undefined);
}

/** The risk code of a `risks.stateless.cdk8s.io/<name>` annotation (the inverse of `annotationName`), else undefined. */
function riskCodeOf(key: string): string | undefined {
  if (!key.startsWith(RISK_ANNOTATION_PREFIX) || key === ACKNOWLEDGED_ANNOTATION || key === ACKNOWLEDGED_REASONS_ANNOTATION) return undefined;
  const name = key.slice(RISK_ANNOTATION_PREFIX.length);
  const code = name.toUpperCase().replace(/-/g, '_');
  return annotationName(code) === name ? code : undefined;
}

/** Who acknowledged which code on an object: its acknowledged list and the reasons of scope acknowledgements. */
export interface Acknowledgements {
  readonly by: Map<string, { acknowledgedBy: string; reason?: string }>;
}

/**
 * Reads `risks.stateless.cdk8s.io/acknowledged` ("A,B" for one construct, "A,B (path); C (path2)" for several,
 * as `writeRiskAnnotations` writes it) and `.../acknowledged-reasons` ("CODE: reason (Warnings.of('path'))" per
 * line). The same annotations acknowledge a risk the audit detects on a hand-written object.
 */
export function acknowledgementsOf(m: ManifestObject): Acknowledgements {
  const a = annotationsOf(m);
  const by = new Map<string, { acknowledgedBy: string; reason?: string }>();
  for (const part of (a[ACKNOWLEDGED_ANNOTATION] ?? '').split(';')) {
    const match = /^\s*([^()]*?)\s*(?:\((.*)\))?\s*$/.exec(part);
    if (!match) continue;
    const who = match[2] !== undefined ? `${ACKNOWLEDGED_ANNOTATION} (${match[2]})` : ACKNOWLEDGED_ANNOTATION;
    for (const code of match[1].split(',').map((c) => c.trim()).filter(Boolean)) {
      if (!by.has(code)) by.set(code, { acknowledgedBy: who });
    }
  }
  for (const line of (a[ACKNOWLEDGED_REASONS_ANNOTATION] ?? '').split('\n')) {
    const match = /^\s*([A-Z][A-Z0-9_]*):\s*(.*?)\s*(?:\((Warnings\.of\(.*\))\))?\s*$/.exec(line);
    if (!match) continue;
    by.set(match[1], { acknowledgedBy: match[3] ?? ACKNOWLEDGED_REASONS_ANNOTATION, reason: match[2] });
  }
  return { by };
}

/** The risks the library wrote on an object: one finding per text (a code reported by two constructs has two). */
export function annotatedFindings(m: ManifestObject): Finding[] {
  const a = annotationsOf(m);
  const acks = acknowledgementsOf(m);
  const out: Finding[] = [];
  for (const key of Object.keys(a).sort()) {
    const code = riskCodeOf(key);
    if (code === undefined) continue;
    for (const text of a[key].split('\n').filter((t) => t.trim() !== '')) {
      const at = text.lastIndexOf(INSTEAD);
      const ack = acks.by.get(code);
      out.push({
        code,
        message: at < 0 ? text : text.slice(0, at),
        remedy: at < 0 ? '' : text.slice(at + INSTEAD.length),
        acknowledged: ack !== undefined,
        acknowledgedBy: ack?.acknowledgedBy,
        reason: ack?.reason,
        origin: 'annotation',
        object: refOf(m),
        file: m.file,
        line: m.line,
      });
    }
  }
  return out;
}
