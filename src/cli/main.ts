#!/usr/bin/env node
import * as fs from 'fs';
import { CommandIo } from './io';
import { CliInputError } from './manifests';

/** A subcommand: parses its own arguments, returns the process exit code. */
type Command = (args: string[], io: CommandIo) => number;

const COMMANDS: { [name: string]: { summary: string; load: () => Command } } = {
  // Each subcommand registers here; its module is loaded only when it runs.
  import: {
    summary: 'turn ingress-nginx Ingresses into cdk8s-stateless constructs, with a report per controller',
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    load: () => require('./import/command').importCommand,
  },
  audit: {
    summary: 'report stickiness and canary risks of Kubernetes manifests (text, JSON, SARIF)',
    // loaded when it runs: the providers it reads pull in cdk8s and cdk8s-plus
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    load: () => require('./audit/command').auditCommand,
  },
};

const USAGE = () =>
  [
    'Usage: cdk8s-stateless <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`),
    '',
    'Run `cdk8s-stateless <command> --help` for a command\'s options.',
    '',
  ].join('\n');

/** Run the command line `args` (without `node` and the script). Exit codes: 0 ok, 1 findings, 2 bad input. */
export function runCli(args: string[], io: CommandIo): number {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`cdk8s-stateless: unknown command '${name}'.\n${USAGE()}`);
    return 2;
  }
  try {
    return command.load()(rest, io);
  } catch (e) {
    if (e instanceof CliInputError) {
      io.stderr(`cdk8s-stateless ${name}: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

if (require.main === module) {
  const io: CommandIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stdin: () => fs.readFileSync(0, 'utf8'),
  };
  process.exitCode = runCli(process.argv.slice(2), io);
}
