import { ManifestObject } from '../manifests';
import { acknowledgementsOf, annotatedFindings, writtenByLibrary } from './annotations';
import { Detector } from './detect';
import { Finding, Mechanism, refOf, TreeAudit } from './model';

/**
 * The risks of one tree: on an object this library wrote, the risks it annotated (what the synth reported, with
 * its acknowledgements); on any other object, the risks the audit detects for its mechanisms, acknowledged by the
 * same annotations. Mechanisms are listed for every object.
 */
export function auditTree(objects: readonly ManifestObject[], files: number): TreeAudit {
  const detections = new Detector(objects).run();
  const findings: Finding[] = [];
  const mechanisms: Mechanism[] = [];
  for (const m of objects) {
    const d = detections.get(m);
    for (const description of d?.mechanisms ?? []) mechanisms.push({ object: refOf(m), file: m.file, line: m.line, description });
    if (writtenByLibrary(m)) {
      findings.push(...annotatedFindings(m));
      continue;
    }
    const acks = acknowledgementsOf(m);
    const seen = new Set<string>();
    for (const risk of d?.risks ?? []) {
      const key = `${risk.code}\u0000${risk.message}\u0000${risk.remedy}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const ack = acks.by.get(risk.code);
      findings.push({
        code: risk.code,
        message: risk.message,
        remedy: risk.remedy,
        acknowledged: ack !== undefined,
        acknowledgedBy: ack?.acknowledgedBy,
        reason: ack?.reason,
        origin: 'detected',
        object: refOf(m),
        file: m.file,
        line: m.line,
      });
    }
  }
  return { objects: objects.length, files, findings, mechanisms };
}
