import * as fs from 'fs';
import * as path from 'path';
import { CommandIo } from '../io';
import { CliInputError, listManifestFiles, readManifests } from '../manifests';
import { auditTree } from './audit';
import { compare, FAIL_ON, FailOn, failing } from './diff';
import { formatJson, formatSarif, formatText } from './format';
import { AuditReport, TreeAudit } from './model';

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];


const HELP = `Usage: cdk8s-stateless audit <file or directory>... [options]

Reports the stickiness and canary risks of Kubernetes manifests: the risks cdk8s-stateless annotated on the
objects it synthesized, and the same risks detected on any other manifest (ingress-nginx affinity and canary
annotations, Service ClientIP affinity, Gateway API sessionPersistence and weighted backendRefs, Traefik sticky
cookies and weighted services). Directories are read recursively (*.yaml, *.yml, *.json); "-" reads stdin.

Options:
  --base <file or directory>  compare with this tree (e.g. the base branch's synth): new, changed, removed risks
  --fail-on <policy>          which risks make the exit code 1: new-unacknowledged (default), unacknowledged, any, none
                              (without --base every risk is new)
  --format <format>           text (default), json (docs/audit-report.schema.json) or sarif (SARIF 2.1.0)
  --output <file>             write the report to this file instead of stdout
  -h, --help                  this help

Exit codes: 0 no failing risk, 1 failing risks, 2 bad input (unreadable YAML, no manifests, unknown option).
Documentation: docs/gitops-audit.md
`;

interface Options {
  inputs: string[];
  base: string[];
  format: Format;
  output?: string;
  failOn: FailOn;
  help: boolean;
}

function parseArgs(args: string[]): Options {
  const o: Options = { inputs: [], base: [], format: 'text', failOn: 'new-unacknowledged', help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-h' || arg === '--help') {
      o.help = true;
      continue;
    }
    if (!arg.startsWith('--') || arg === '-') {
      o.inputs.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const value = (): string => {
      const v = eq < 0 ? args[++i] : arg.slice(eq + 1);
      if (v === undefined || v === '') throw new CliInputError(`${name} needs a value (see --help)`);
      return v;
    };
    switch (name) {
      case '--base':
        o.base.push(value());
        break;
      case '--format':
        o.format = oneOf(name, value(), FORMATS);
        break;
      case '--output':
        o.output = value();
        break;
      case '--fail-on':
        o.failOn = oneOf(name, value(), FAIL_ON);
        break;
      default:
        throw new CliInputError(`unknown option ${name} (options: --base, --fail-on, --format, --output, --help)`);
    }
  }
  return o;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new CliInputError(`${name} must be one of ${allowed.join(', ')}, got '${value}'`);
  return value as T;
}

/** Reads a tree; `requireObjects`: a tree without any Kubernetes object is bad input (exit 2). */
function readTree(inputs: string[], io: CommandIo, what: string, requireObjects: boolean): TreeAudit {
  const files = listManifestFiles(inputs);
  const objects = readManifests(inputs, io.stdin);
  if (requireObjects && objects.length === 0) {
    throw new CliInputError(
      `${inputs.join(', ')}: no Kubernetes objects found (${files.length === 0 ? 'no .yaml, .yml or .json file' : `${files.length} file(s), none with an object`}) in the ${what}`,
    );
  }
  return auditTree(objects, files.length);
}

/** `cdk8s-stateless audit`: exit 0 no failing risk, 1 failing risks, 2 bad input (thrown as CliInputError). */
export function auditCommand(args: string[], io: CommandIo): number {
  const o = parseArgs(args);
  if (o.help) {
    io.stdout(HELP);
    return 0;
  }
  if (o.inputs.length === 0) throw new CliInputError('name the manifests to audit: a file, a directory or - for stdin (see --help)');
  const head = readTree(o.inputs, io, 'tree to audit', true);
  // the base may hold no object yet (the pull request that adds the first manifests); it must exist
  const base = o.base.length > 0 ? readTree(o.base, io, 'base', false) : undefined;
  const compared = base ? compare(head, base) : { findings: head.findings.map((f) => ({ ...f })), removed: [], mechanismChanges: [] };
  const report: AuditReport = {
    head: { inputs: o.inputs, objects: head.objects, files: head.files },
    base: base ? { inputs: o.base, objects: base.objects, files: base.files } : undefined,
    findings: compared.findings,
    removed: compared.removed,
    mechanisms: head.mechanisms,
    mechanismChanges: compared.mechanismChanges,
    failOn: o.failOn,
    failing: failing(compared.findings, o.failOn),
  };
  const text = o.format === 'json' ? formatJson(report) : o.format === 'sarif' ? formatSarif(report) : formatText(report);
  if (o.output !== undefined) {
    try {
      fs.mkdirSync(path.dirname(path.resolve(o.output)), { recursive: true });
      fs.writeFileSync(o.output, text);
    } catch (e: any) {
      throw new CliInputError(`--output ${o.output}: cannot be written (${e?.code ?? e?.message ?? e})`);
    }
    io.stderr(
      `cdk8s-stateless audit: ${report.findings.length} risk(s), ${report.failing.length} failing (--fail-on ${o.failOn}); ${o.format} report written to ${o.output}\n`,
    );
  } else {
    io.stdout(text);
  }
  return report.failing.length > 0 ? 1 : 0;
}
