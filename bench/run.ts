/**
 * npm run bench: how much the library's constructs cost over the same objects written by hand with
 * cdk8s-plus-27 and plain cdk8s (bench/workload.ts), in three shapes: one chart of N apps bound to one
 * RedisSessionStore (`one-chart`), one chart per app (`chart-per-app`), and one chart where every tenth app has a
 * CanaryRelease and every twentieth a StickyIngress (`mix`).
 *
 * Each measurement runs in a fresh Node.js process after a 10-app warm-up and times the synth in CPU time of the
 * main thread (bench/cpu.ts; the wall time is shown too: on a shared machine it also counts the time spent
 * waiting for a CPU); the two versions alternate (which one goes first alternates too); every cell is the median
 * of its runs. Both versions must synthesize the same object
 * kinds and counts and byte-identical objects for everything that grows with N (`appObjectsHash`). Prints the
 * table and the targets, writes bench-results/bench.json (docs/performance.md is generated from it:
 * `npm run bench:docs`), and exits non-zero when a target is missed.
 *
 * Environment: BENCH_SIZES (default "10,100,1000,2000,10000" for one-chart and mix, "10,100,1000" for
 * chart-per-app), BENCH_SHAPES (default all three), BENCH_REPEATS (default 5, and 3 from 2,000 apps on), or
 * BENCH_PLAN for sizes per shape, a size with its own number of runs after an x, e.g.
 * "one-chart:100,1000,10000x1;mix:100,1000".
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Shape, SHAPES } from './workload';

export interface Sample {
  variant: string;
  n: number;
  shape: Shape;
  ms: number;
  wallMs: number;
  processCpuMs: number;
  peakRssMb: number;
  bytes: number;
  kinds: Record<string, number>;
  hash: string;
}

export interface Row {
  shape: Shape;
  n: number;
  runs: number;
  lib: number;
  hand: number;
  libWall: number;
  libRss: number;
  handRss: number;
  libBytes: number;
  handBytes: number;
  ratio: number;
  same: boolean;
}

const root = path.join(__dirname, '..');

/** One measurement in a fresh process. */
export function measure(variant: string, n: number, shape: Shape): Sample {
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register', path.join(__dirname, 'child.ts'), variant, String(n), shape], {
    cwd: root,
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'test', 'tsconfig.json'), TS_NODE_TRANSPILE_ONLY: 'true', CDK8S_STATELESS_STRICT: '' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Both versions `repeats` times at `n` apps, alternating; the medians. */
export function measureRow(shape: Shape, n: number, repeats: number): Row {
  const lib: Sample[] = [];
  const hand: Sample[] = [];
  for (let i = 0; i < repeats; i++) {
    // alternate which goes first, so that neither always runs on a cooler or warmer machine
    if (i % 2 === 0) {
      lib.push(measure('library', n, shape));
      hand.push(measure('hand-written', n, shape));
    } else {
      hand.push(measure('hand-written', n, shape));
      lib.push(measure('library', n, shape));
    }
  }
  const fingerprint = (s: Sample) => JSON.stringify([Object.entries(s.kinds).sort(), s.hash]);
  const same = [...lib, ...hand].every((s) => fingerprint(s) === fingerprint(lib[0]));
  if (!same) {
    process.stderr.write(`${shape} N=${n}: the two versions synthesize different objects:\n  library      ${fingerprint(lib[0])}\n  hand-written ${fingerprint(hand[0])}\n`);
  }
  const row: Row = {
    shape,
    n,
    runs: repeats,
    lib: median(lib.map((s) => s.ms)),
    hand: median(hand.map((s) => s.ms)),
    libWall: median(lib.map((s) => s.wallMs)),
    libRss: median(lib.map((s) => s.peakRssMb)),
    handRss: median(hand.map((s) => s.peakRssMb)),
    libBytes: lib[0].bytes,
    handBytes: hand[0].bytes,
    ratio: 0,
    same,
  };
  row.ratio = row.lib / row.hand;
  return row;
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}, ${os.platform()} ${os.arch()}`;
}

export function table(rows: Row[]): string {
  const lines = [
    '| shape | apps | runs | library ms | hand-written ms | library ms/app | hand-written ms/app | library / hand-written | library wall ms | library peak RSS | hand-written peak RSS | RSS ratio |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.shape} | ${r.n.toLocaleString('en-US')} | ${r.runs} | ${r.lib.toFixed(0)} | ${r.hand.toFixed(0)} | ${(r.lib / r.n).toFixed(2)} | ${(r.hand / r.n).toFixed(2)} | ` +
        `${r.ratio.toFixed(2)} | ${r.libWall.toFixed(0)} | ${r.libRss.toFixed(0)} MB | ${r.handRss.toFixed(0)} MB | ${(r.libRss / r.handRss).toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

/** The targets of the issue: [name, passed, or undefined when a size was not measured]. */
export function targets(rows: Row[]): Array<[string, boolean | undefined]> {
  const at = (shape: Shape, n: number) => rows.find((r) => r.shape === shape && r.n === n);
  const checks: Array<[string, boolean | undefined]> = [['same object kinds and counts, and byte-identical app objects, in both versions', rows.every((r) => r.same)]];
  for (const shape of SHAPES) {
    for (const n of [1000, 10000]) {
      const r = at(shape, n);
      if (r || shape === 'one-chart') checks.push([`${shape}: library / hand-written <= 1.10 at N = ${n.toLocaleString('en-US')}`, r && r.ratio <= 1.1]);
    }
  }
  const big = at('one-chart', 10000);
  const small = at('one-chart', 100);
  checks.push(['one-chart: library ms/app at N = 10,000 within 1.2x of N = 100', big && small && big.lib / 10000 <= 1.2 * (small.lib / 100)]);
  checks.push(['one-chart: library peak RSS <= 1.15x hand-written at N = 10,000', big && big.libRss <= 1.15 * big.handRss]);
  return checks;
}

/** Write bench-results/bench.json (after every row, so that an interrupted run keeps what it measured). */
function save(rows: Row[]) {
  const result = { date: new Date().toISOString(), machine: machine(), rows, checks: targets(rows) };
  fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench-results', 'bench.json'), JSON.stringify(result, undefined, 2) + '\n');
  return result;
}

function main(): void {
  const shapes = (process.env.BENCH_SHAPES ?? SHAPES.join(',')).split(',') as Shape[];
  const plan = new Map((process.env.BENCH_PLAN ?? '').split(';').filter((p) => p !== '').map((p) => p.split(':') as [string, string]));
  const rows: Row[] = [];
  for (const shape of plan.size > 0 ? ([...plan.keys()] as Shape[]) : shapes) {
    // one chart per app is quadratic in cdk8s itself (it validates the whole App for every chart it writes), for
    // both versions alike: measured up to 1,000 apps by default
    const defaults = shape === 'chart-per-app' ? '10,100,1000' : '10,100,1000,2000,10000';
    // a size may carry its own number of runs: "10000x1"
    for (const size of (plan.get(shape) ?? process.env.BENCH_SIZES ?? defaults).split(',')) {
      const [n, runs] = size.split('x').map(Number);
      const repeats = runs || Number(process.env.BENCH_REPEATS ?? (n >= 2000 ? 3 : 5));
      const row = measureRow(shape, n, repeats);
      rows.push(row);
      process.stdout.write(`${shape} N=${n} done (${repeats} runs each; ratio ${row.ratio.toFixed(2)}; objects: ${row.same ? 'same' : 'DIFFERENT'}): ${JSON.stringify(row)}\n`);
      save(rows);
    }
  }
  const result = save(rows);
  const checks = result.checks;

  process.stdout.write(`\nMachine: ${result.machine}\nMedians of the runs per cell (main-thread CPU time of the synth), each in a fresh process after a 10-app warm-up.\n\n${table(rows)}\n\nTargets:\n`);
  let failed = 0;
  for (const [name, ok] of checks) {
    process.stdout.write(`  ${ok === undefined ? 'SKIP' : ok ? 'PASS' : 'FAIL'} ${name}${ok === undefined ? ' (size not measured)' : ''}\n`);
    if (ok === false) failed++;
  }
  process.exit(failed ? 1 : 0);
}

// run when executed (bench/docs.ts imports the table from here)
if (/run\.[jt]s$/.test(process.argv[1] ?? '')) main();
