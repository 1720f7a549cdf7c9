/**
 * The lab's command line: `npm run lab -- --replicas 6 --users 300 ...`. Every option is checked;
 * bad input stops the lab before anything starts, naming the option, the value and the range.
 */
import { DEFAULT_PARAMS, LabParams } from './lab';
import { ProfileKey, PROFILES } from './proxies';

interface NumberOption {
  readonly flag: string;
  readonly key: Exclude<keyof LabParams, 'profiles'>;
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  readonly help: string;
}

export const NUMBER_OPTIONS: ReadonlyArray<NumberOption> = [
  { flag: '--replicas', key: 'replicas', min: 2, max: 20, integer: true, help: 'replicas for the steady load and the kill' },
  { flag: '--users', key: 'users', min: 1, max: 2000, integer: true, help: 'simulated users' },
  { flag: '--power-share', key: 'powerShare', min: 0, max: 1, integer: false, help: 'share of power users, 0-1' },
  { flag: '--power-ratio', key: 'powerRatio', min: 1, max: 100, integer: false, help: "how many times a casual user's requests a power user sends" },
  { flag: '--duration', key: 'durationS', min: 4, max: 600, integer: false, help: 'seconds of the steady-and-kill run per profile (the kill is at half)' },
  { flag: '--service-ms', key: 'serviceMs', min: 1, max: 1000, integer: true, help: "service time of one request on a replica's single worker, ms" },
  { flag: '--queue-limit', key: 'queueLimit', min: 0, max: 10000, integer: true, help: 'requests a replica lets wait before it answers 503 (0: no limit)' },
  { flag: '--think-min-ms', key: 'thinkMinMs', min: 0, max: 60000, integer: true, help: "casual users' shortest think time, ms (power users: divided by --power-ratio)" },
  { flag: '--think-max-ms', key: 'thinkMaxMs', min: 0, max: 60000, integer: true, help: "casual users' longest think time, ms" },
  { flag: '--scale-from', key: 'scaleFrom', min: 1, max: 20, integer: true, help: 'scale-out scenario: replicas before' },
  { flag: '--scale-to', key: 'scaleTo', min: 2, max: 20, integer: true, help: 'scale-out scenario: replicas after' },
  { flag: '--timeout-ms', key: 'timeoutMs', min: 100, max: 60000, integer: true, help: 'a request without an answer after this long fails, ms' },
  { flag: '--seed', key: 'seed', min: 0, max: 2 ** 31 - 1, integer: true, help: "seed of the users' think times and of who is a power user" },
];

export class LabOptionError extends Error {}

export interface LabCommand {
  readonly params: LabParams;
  readonly help: boolean;
  /** Where latest.json and the chart go. */
  readonly outDir: string;
  /** Where the report goes (none: no report). */
  readonly reportPath?: string;
  /** Render the chart and report from this latest.json instead of running. */
  readonly render?: string;
}

export function usage(): string {
  const lines = NUMBER_OPTIONS.map((o) => `  ${`${o.flag} <n>`.padEnd(22)} ${o.help} (default ${DEFAULT_PARAMS[o.key]})`);
  return [
    'npm run lab -- [options]',
    '',
    'Runs the same users against sticky-balanced (nginx hash ... consistent), sticky-persistent (HAProxy cookie insert)',
    'and stateless (nginx round robin, sessions in Redis Sentinel), and writes lab-results/latest.json, the chart and',
    'docs/affinity-lab.md. Needs nginx, haproxy, redis-server and redis-sentinel (Debian packages of the same names).',
    '',
    ...lines,
    `  ${'--profiles <list>'.padEnd(22)} comma-separated subset of ${PROFILES.join(', ')} (default all)`,
    `  ${'--out <dir>'.padEnd(22)} where latest.json and the chart go (default lab-results)`,
    `  ${'--report <file>'.padEnd(22)} where the report goes (default docs/affinity-lab.md; "none" for no report)`,
    `  ${'--render <json>'.padEnd(22)} do not run: write the chart and the report again from a latest.json`,
    `  ${'--help'.padEnd(22)} this text`,
  ].join('\n');
}

export function parseOptions(argv: string[]): LabCommand {
  const params: Record<string, unknown> = { ...DEFAULT_PARAMS };
  let outDir = 'lab-results';
  let reportPath: string | undefined = 'docs/affinity-lab.md';
  let help = false;
  let render: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) throw new LabOptionError(`${flag} needs a value. Run npm run lab -- --help for the options.`);
    const option = NUMBER_OPTIONS.find((o) => o.flag === flag);
    if (option) {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n) || n < option.min || n > option.max || (option.integer && !Number.isInteger(n))) {
        throw new LabOptionError(
          `${flag} must be ${option.integer ? 'a whole number' : 'a number'} from ${option.min} to ${option.max}, got "${value}". ${option.help}.`,
        );
      }
      params[option.key] = n;
    } else if (flag === '--profiles') {
      const list = value.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = list.filter((p) => !PROFILES.includes(p as ProfileKey));
      if (list.length === 0 || bad.length) {
        throw new LabOptionError(`--profiles must list some of ${PROFILES.join(', ')}, got "${value}".`);
      }
      params.profiles = PROFILES.filter((p) => list.includes(p));
    } else if (flag === '--out') {
      outDir = value;
    } else if (flag === '--render') {
      render = value;
    } else if (flag === '--report') {
      reportPath = value === 'none' ? undefined : value;
    } else {
      throw new LabOptionError(`unknown option "${flag}". Run npm run lab -- --help for the options.`);
    }
  }
  const p = params as unknown as LabParams;
  if (p.thinkMaxMs < p.thinkMinMs) {
    throw new LabOptionError(`--think-max-ms (${p.thinkMaxMs}) must not be below --think-min-ms (${p.thinkMinMs}).`);
  }
  if (p.scaleTo <= p.scaleFrom) {
    throw new LabOptionError(`--scale-to (${p.scaleTo}) must be above --scale-from (${p.scaleFrom}): the scenario adds replicas.`);
  }
  return { params: p, help, outDir, reportPath, render };
}
