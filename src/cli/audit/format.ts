import * as fs from 'fs';
import * as path from 'path';
import { displayPath, sarifUri } from './location';
import { AuditReport, ComparedFinding, describeRef, Finding, objectKey } from './model';

/** The version of the JSON report's schema (docs/audit-report.schema.json); a breaking change increments it. */
export const JSON_SCHEMA_VERSION = 1;
const INFORMATION_URI = 'https://github.com/cdk8s-stateless/cdk8s-stateless/blob/main/docs/gitops-audit.md';

/** This package's version, from its package.json (two levels above lib/cli/audit and src/cli/audit). */
export function toolVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function counts(report: AuditReport) {
  const c = (change: string) => report.findings.filter((f) => f.change === change).length;
  return {
    findings: report.findings.length,
    unacknowledged: report.findings.filter((f) => !f.acknowledged).length,
    failing: report.failing.length,
    new: report.base ? c('new') : undefined,
    changed: report.base ? c('changed') : undefined,
    unchanged: report.base ? c('unchanged') : undefined,
    removed: report.base ? report.removed.length : undefined,
  };
}

export function formatText(report: AuditReport): string {
  const n = counts(report);
  const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  const lines = [
    `cdk8s-stateless audit: ${plural(report.head.objects, 'object')} in ${plural(report.head.files, 'file')}; ` +
      `${plural(n.findings, 'risk')} (${n.unacknowledged} unacknowledged)`,
  ];
  if (report.base) {
    lines.push(`compared with the base (${report.base.inputs.join(', ')}): ${n.new} new, ${n.changed} changed, ${n.removed} removed, ${n.unchanged} unchanged`);
  }
  lines.push(`--fail-on ${report.failOn}: ${n.failing === 0 ? 'nothing fails' : `${plural(n.failing, 'risk')} fail${n.failing === 1 ? 's' : ''}`}`);
  const failing = new Set(report.failing);
  const byObject = new Map<string, { where: string; traffic: string[]; findings: ComparedFinding[] }>();
  const entry = (key: string, where: string) => {
    const e = byObject.get(key) ?? { where, traffic: [], findings: [] };
    byObject.set(key, e);
    return e;
  };
  for (const m of report.mechanisms) entry(objectKey(m.object), `${displayPath(m.file)}:${m.line} ${describeRef(m.object)}`).traffic.push(m.description);
  for (const f of report.findings) entry(objectKey(f.object), `${displayPath(f.file)}:${f.line} ${describeRef(f.object)}`).findings.push(f);
  for (const e of byObject.values()) {
    lines.push('', e.where);
    for (const t of e.traffic) lines.push(`  traffic: ${t}`);
    for (const f of e.findings) {
      const state = [
        f.change,
        f.acknowledged ? `acknowledged by ${f.acknowledgedBy}${f.reason ? `: ${f.reason}` : ''}` : 'unacknowledged',
        f.origin === 'detected' ? 'detected' : undefined,
        failing.has(f) ? 'FAILS' : undefined,
      ].filter(Boolean);
      lines.push(`  [${f.code}] (${state.join(', ')}) ${f.message}`);
      if (!f.acknowledged && f.remedy) lines.push(`      Instead: ${f.remedy}`);
      if (f.change === 'changed' && f.before) {
        if (f.before.message !== f.message) lines.push(`      was: ${f.before.message}`);
        if (f.before.acknowledged !== f.acknowledged) lines.push(`      was ${f.before.acknowledged ? 'acknowledged' : 'unacknowledged'}`);
      }
    }
  }
  if (report.removed.length > 0) {
    lines.push('', 'Removed since the base:');
    for (const f of report.removed) lines.push(`  ${displayPath(f.file)}:${f.line} ${describeRef(f.object)} [${f.code}] ${f.message}`);
  }
  if (report.mechanismChanges.length > 0) {
    lines.push('', 'Traffic changes since the base:');
    for (const c of report.mechanismChanges) {
      lines.push(`  ${displayPath(c.file)}:${c.line} ${describeRef(c.object)}`);
      for (const d of c.removed) lines.push(`    - ${d}`);
      for (const d of c.added) lines.push(`    + ${d}`);
    }
  }
  return lines.join('\n') + '\n';
}

function findingJson(f: Finding | ComparedFinding, failing?: Set<unknown>) {
  const c = f as ComparedFinding;
  return {
    code: f.code,
    message: f.message,
    remedy: f.remedy,
    acknowledged: f.acknowledged,
    acknowledgedBy: f.acknowledgedBy,
    reason: f.reason,
    origin: f.origin,
    object: f.object,
    location: { file: displayPath(f.file), line: f.line },
    change: c.change,
    before: c.before,
    failing: failing ? failing.has(f) : undefined,
  };
}

/** The JSON report (schema: docs/audit-report.schema.json). */
export function formatJson(report: AuditReport): string {
  const failing = new Set<unknown>(report.failing);
  const data = {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: { name: 'cdk8s-stateless audit', version: toolVersion() },
    head: report.head,
    base: report.base,
    failOn: report.failOn,
    summary: counts(report),
    findings: report.findings.map((f) => findingJson(f, failing)),
    removed: report.removed.map((f) => findingJson(f)),
    mechanisms: report.mechanisms.map((m) => ({
      object: m.object,
      location: { file: displayPath(m.file), line: m.line },
      description: m.description,
    })),
    mechanismChanges: report.mechanismChanges.map((m) => ({
      object: m.object,
      location: { file: displayPath(m.file), line: m.line },
      added: m.added,
      removed: m.removed,
    })),
  };
  return JSON.stringify(data, undefined, 2) + '\n';
}

const BASELINE_STATE = { new: 'new', changed: 'updated', unchanged: 'unchanged' } as const;

/**
 * SARIF 2.1.0 (OASIS): one run, a rule per risk code (its id is the code), a result per finding located at the
 * file and first line of its object. Acknowledged risks are results with an in-source suppression and level
 * "note"; with a base, `baselineState` says new, updated or unchanged (removed risks are not results: their
 * objects are not in the head tree).
 */
export function formatSarif(report: AuditReport): string {
  const rules: any[] = [];
  const ruleIndex = new Map<string, number>();
  for (const f of report.findings) {
    if (ruleIndex.has(f.code)) continue;
    ruleIndex.set(f.code, rules.length);
    rules.push({
      id: f.code,
      // the library's texts: the first report of the code in this run stands for the rule
      shortDescription: { text: firstSentence(f.message) },
      fullDescription: { text: f.message },
      help: { text: f.remedy || f.message },
      helpUri: INFORMATION_URI,
      defaultConfiguration: { level: 'warning' },
    });
  }
  const results = report.findings.map((f) => ({
    ruleId: f.code,
    ruleIndex: ruleIndex.get(f.code),
    level: f.acknowledged ? 'note' : 'warning',
    message: { text: f.remedy ? `${f.message} Instead: ${f.remedy}` : f.message },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: sarifUri(f.file) }, region: { startLine: f.line } },
        logicalLocations: [{ fullyQualifiedName: describeRef(f.object), kind: 'resource' }],
      },
    ],
    partialFingerprints: { 'cdk8sStatelessRisk/v1': `${objectKey(f.object)}/${f.code}` },
    suppressions: f.acknowledged ? [{ kind: 'inSource', justification: f.reason ?? f.acknowledgedBy ?? 'acknowledged' }] : undefined,
    baselineState: f.change ? BASELINE_STATE[f.change] : undefined,
    properties: { origin: f.origin, object: f.object },
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'cdk8s-stateless', semanticVersion: toolVersion(), informationUri: INFORMATION_URI, rules } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return JSON.stringify(log, undefined, 2) + '\n';
}

function firstSentence(text: string): string {
  const m = /^(.+?[.:;])(\s|$)/.exec(text);
  return (m ? m[1] : text).slice(0, 300);
}
