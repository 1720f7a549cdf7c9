import * as fs from 'fs';
import { CommandIo } from '../io';
import { CliInputError, readManifests } from '../manifests';
import { Target, TARGETS } from './build';
import { generateCode } from './codegen';
import { planImport } from './plan';
import { formatReport, reportOn, TargetReport } from './report';

const HELP = `Usage: cdk8s-stateless import [options] <files, directories or -> ...

Reads Kubernetes YAML or JSON (multi-document files, kubectl get -o yaml Lists; - reads standard input):
networking.k8s.io/v1 Ingresses for ingress-nginx, with their canary Ingresses, and the v1 Services and
apps/v1 Deployments behind them when present. Writes a TypeScript cdk8s file that builds the same routes
with StatelessWebApp, StickyIngress and CanaryRelease, and reports, for each target controller, what each
annotation becomes, what it changes (with the risk code) or why it is lost.

Options:
  --out FILE      write the TypeScript file to FILE and the report to standard output
                  (default: the file to standard output, the report to standard error)
  --target NAME   a controller to report on: ${TARGETS.join(', ')}; repeat for several
                  (default: all three)
  -h, --help      this text

Exit codes: 0 written; 2 bad input (bad YAML, an object or Ingress it cannot import): nothing is written.
`;

/** `cdk8s-stateless import`: parse the arguments, read, plan, build on each target, then write. */
export function importCommand(args: string[], io: CommandIo): number {
  const inputs: string[] = [];
  const targets: Target[] = [];
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = (name: string) => {
      const inline = arg.startsWith(`${name}=`) ? arg.slice(name.length + 1) : undefined;
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new CliInputError(`${name} needs a value\n\n${HELP}`);
      return v;
    };
    if (arg === '-h' || arg === '--help') {
      io.stdout(HELP);
      return 0;
    } else if (arg === '--out' || arg.startsWith('--out=')) {
      out = value('--out');
    } else if (arg === '--target' || arg.startsWith('--target=')) {
      const t = value('--target');
      if (!(TARGETS as readonly string[]).includes(t)) throw new CliInputError(`--target must be one of ${TARGETS.join(', ')}, got ${JSON.stringify(t)}`);
      if (!targets.includes(t as Target)) targets.push(t as Target);
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new CliInputError(`unknown option ${arg}\n\n${HELP}`);
    } else {
      inputs.push(arg);
    }
  }
  if (inputs.length === 0) throw new CliInputError(`no input: name files or directories, or - for standard input\n\n${HELP}`);

  const objects = readManifests(inputs, io.stdin);
  if (!objects.some((o) => o.object.kind === 'Ingress')) throw new CliInputError(`${inputs.join(', ')}: no Ingress to import`);
  const plan = planImport(objects);
  if (plan.charts.every((c) => c.calls.length === 0)) {
    throw new CliInputError(`nothing to import:\n${plan.notes.map((n) => `  ${n}`).join('\n')}`);
  }
  // the generated file keeps ingress-nginx: it must build there exactly as planned
  const nginx = reportOn(objects, plan, 'ingress-nginx');
  if (nginx.baseline.refusals.length > 0) {
    const r = nginx.baseline.refusals[0];
    const where = plan.uses.find((u) => u.construct === r.construct)?.where ?? '';
    throw new CliInputError(`${where}: the import of this Ingress is refused by cdk8s-stateless on ingress-nginx: ${r.message}`);
  }
  const reports: TargetReport[] = (targets.length ? targets : [...TARGETS]).map((t) => (t === 'ingress-nginx' ? nginx : reportOn(objects, plan, t)));
  const code = generateCode(plan, nginx.baseline.byConstruct);
  const report = formatReport(plan, reports);
  if (out !== undefined) {
    try {
      fs.writeFileSync(out, code);
    } catch (e: any) {
      throw new CliInputError(`${out}: cannot be written (${e?.code ?? e?.message ?? e})`);
    }
    io.stdout(report);
  } else {
    io.stdout(code);
    io.stderr(report);
  }
  return 0;
}
