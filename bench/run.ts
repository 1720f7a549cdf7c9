/**
 * npm run bench: how much the library's constructs cost over hand-written cdk8s-plus-27 / cdk8s.
 *
 * For N = 10, 100, 1,000 and 2,000 apps (each with host and path, autoscaling, a PDB, bound to one
 * shared RedisSessionStore) it synthesizes the library version and the hand-written version to YAML
 * text, each measurement in a fresh Node.js process, alternating the two, several times; checks that
 * both produce the same object kinds and counts; and prints per N the median milliseconds, the
 * milliseconds per app, the peak RSS and the ratio library / hand-written, then the targets.
 *
 * Environment: BENCH_REPEATS (default 5), BENCH_SIZES (default "10,100,1000,2000").
 */
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';

interface Sample {
  variant: string;
  n: number;
  ms: number;
  peakRssMb: number;
  bytes: number;
  kinds: Record<string, number>;
}

const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const sizes = (process.env.BENCH_SIZES ?? '10,100,1000,2000').split(',').map(Number);
const root = path.join(__dirname, '..');

function measure(variant: string, n: number): Sample {
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register', path.join(__dirname, 'child.ts'), variant, String(n)], {
    cwd: root,
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'test', 'tsconfig.json'), TS_NODE_TRANSPILE_ONLY: 'true', CDK8S_STATELESS_STRICT: '' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const rows: Array<{ n: number; lib: number; hand: number; libRss: number; handRss: number; ratio: number }> = [];
let honest = true;
for (const n of sizes) {
  const lib: Sample[] = [];
  const hand: Sample[] = [];
  for (let i = 0; i < repeats; i++) {
    // alternate which goes first, so that neither always runs on a cooler or warmer machine
    if (i % 2 === 0) {
      lib.push(measure('library', n));
      hand.push(measure('hand-written', n));
    } else {
      hand.push(measure('hand-written', n));
      lib.push(measure('library', n));
    }
  }
  const libKinds = JSON.stringify(Object.entries(lib[0].kinds).sort());
  const handKinds = JSON.stringify(Object.entries(hand[0].kinds).sort());
  if (libKinds !== handKinds) {
    honest = false;
    process.stderr.write(`N=${n}: the two versions synthesize different objects:\n  library      ${libKinds}\n  hand-written ${handKinds}\n`);
  }
  const row = {
    n,
    lib: median(lib.map((s) => s.ms)),
    hand: median(hand.map((s) => s.ms)),
    libRss: Math.max(...lib.map((s) => s.peakRssMb)),
    handRss: Math.max(...hand.map((s) => s.peakRssMb)),
    ratio: 0,
  };
  row.ratio = row.lib / row.hand;
  rows.push(row);
  process.stdout.write(`N=${n} done (${repeats} runs each; objects: ${libKinds === handKinds ? 'same kinds and counts' : 'DIFFERENT'})\n`);
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(`\nMachine: ${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}, ${os.platform()} ${os.arch()}\n`);
process.stdout.write(`Median of ${repeats} runs per cell, each in a fresh process after a 10-app warm-up; peak RSS is the largest of the runs.\n\n`);
process.stdout.write('| apps | library ms | hand-written ms | library ms/app | hand-written ms/app | library peak RSS | hand-written peak RSS | library / hand-written |\n');
process.stdout.write('|---:|---:|---:|---:|---:|---:|---:|---:|\n');
for (const r of rows) {
  process.stdout.write(
    `| ${r.n} | ${r.lib.toFixed(0)} | ${r.hand.toFixed(0)} | ${(r.lib / r.n).toFixed(2)} | ${(r.hand / r.n).toFixed(2)} | ` +
      `${r.libRss.toFixed(0)} MB | ${r.handRss.toFixed(0)} MB | ${r.ratio.toFixed(2)} |\n`,
  );
}

const at = (n: number) => rows.find((r) => r.n === n);
const checks: Array<[string, boolean | undefined]> = [
  ['same object kinds and counts in both versions', honest],
  ['ratio library / hand-written <= 1.15 at N = 1,000', at(1000) && at(1000)!.ratio <= 1.15],
  ['linear: ms per app at N = 2,000 within 1.3x of N = 100', at(2000) && at(100) && at(2000)!.lib / 2000 <= 1.3 * (at(100)!.lib / 100)],
  ['1,000 apps synthesized in under 10 s', at(1000) && at(1000)!.lib < 10_000],
];
process.stdout.write('\nTargets:\n');
let failed = 0;
for (const [name, ok] of checks) {
  if (ok === undefined) {
    process.stdout.write(`  SKIP ${name} (size not measured)\n`);
  } else {
    process.stdout.write(`  ${ok ? 'PASS' : 'FAIL'} ${name}\n`);
    if (!ok) failed++;
  }
}
process.exit(failed ? 1 : 0);
