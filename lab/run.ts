/**
 * npm run lab [-- options]: the affinity lab. See lab/lab.ts for what it measures,
 * lab/proxies.ts for the proxies, docs/affinity-lab.md for the committed report of the default run.
 */
import { runLab } from './lab';
import { LabOptionError, parseOptions, usage } from './options';
import { missingPrograms } from './processes';
import { readResultJson, writeOutputs } from './report';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let command;
  try {
    command = parseOptions(argv);
  } catch (err) {
    if (err instanceof LabOptionError) {
      process.stderr.write(`npm run lab: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (command.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (command.render) {
    const saved = readResultJson(command.render);
    const out = writeOutputs(saved.result, command.outDir, command.reportPath, saved.command, saved.date, saved.env);
    process.stdout.write(`rendered ${out.chart}${out.report ? ` and ${out.report}` : ''} from ${command.render}\n`);
    return 0;
  }
  const missing = missingPrograms();
  if (missing.length) {
    process.stderr.write(`npm run lab needs ${missing.join(', ')}. Install with: apt-get install -y ${missing.join(' ')}\n`);
    return 1;
  }
  const started = Date.now();
  const log = (line: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
  const result = await runLab(command.params, { log });
  const shown = argv.length ? `npm run lab -- ${argv.join(' ')}` : 'npm run lab';
  const out = writeOutputs(result, command.outDir, command.reportPath, shown);
  log(`wrote ${out.json}, ${out.chart}${out.report ? ` and ${out.report}` : ''}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`npm run lab failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
