/**
 * npx projen bench:guard (run by .ci/run): a regression guard on synthesis time, from ratios within one run, so
 * that a slow or busy machine slows both sides alike and does not fail it.
 *
 * In one process, after a warm-up of both versions, it times (CPU time) the synthesis of 200 and 2,000 apps (shape `one-chart`) with
 * the library and by hand, alternating the two and which goes first, and takes the median of each cell. It fails
 * when the library's ms per app at 2,000 is more than 1.3x its ms per app at 200 (work that grows with the App),
 * or when the library takes more than 1.25x the hand-written version at either size, or when the two versions
 * synthesize different objects.
 *
 * Environment: GUARD_SMALL (200), GUARD_LARGE (2000), GUARD_REPEATS (3).
 */
import { mainThreadCpuMs } from './cpu';
import { appObjectsHash, synthHandWritten, synthLibrary } from './workload';

const small = Number(process.env.GUARD_SMALL ?? 200);
const large = Number(process.env.GUARD_LARGE ?? 2000);
const repeats = Number(process.env.GUARD_REPEATS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * CPU milliseconds of one synth on the main thread (bench/cpu.ts: on a busy machine wall time also counts the
 * time spent waiting for a CPU, which has nothing to do with the code), and what it synthesized.
 */
function time(synth: (n: number) => string, n: number): { ms: number; hash: string } {
  const start = mainThreadCpuMs();
  const yaml = synth(n);
  return { ms: mainThreadCpuMs() - start, hash: appObjectsHash(yaml) };
}

// the library prints its risk report to stderr on every synth: keep the guard's output readable
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = (() => true) as typeof process.stderr.write;

const started = Date.now();
time(synthLibrary, small);
time(synthHandWritten, small);
const cells: Record<string, number[]> = {};
const problems: string[] = [];
for (let i = 0; i < repeats; i++) {
  for (const n of [small, large]) {
    const order: Array<['library' | 'hand-written', (k: number) => string]> = [
      ['library', synthLibrary],
      ['hand-written', synthHandWritten],
    ];
    if (i % 2 === 1) order.reverse();
    const hashes: string[] = [];
    for (const [variant, synth] of order) {
      global.gc?.();
      const { ms, hash } = time(synth, n);
      (cells[`${variant} ${n}`] ??= []).push(ms);
      hashes.push(hash);
    }
    if (hashes[0] !== hashes[1] && !problems.some((p) => p.includes(`N = ${n}`))) {
      problems.push(`the two versions synthesize different objects at N = ${n}`);
    }
  }
}
process.stderr.write = write;

const lib = (n: number) => median(cells[`library ${n}`]);
const hand = (n: number) => median(cells[`hand-written ${n}`]);
const growth = lib(large) / large / (lib(small) / small);
const lines = [
  `bench guard (${repeats} runs per cell, medians, ${((Date.now() - started) / 1000).toFixed(0)} s):`,
  ...[small, large].map(
    (n) => `  N = ${n}: library ${(lib(n) / n).toFixed(2)} ms/app, hand-written ${(hand(n) / n).toFixed(2)} ms/app, library / hand-written ${(lib(n) / hand(n)).toFixed(2)} (at most 1.25)`,
  ),
  `  library ms/app at N = ${large} over N = ${small}: ${growth.toFixed(2)} (at most 1.3)`,
];
if (growth > 1.3) problems.push(`library ms/app grows with the App: ${growth.toFixed(2)}x from ${small} to ${large} apps`);
for (const n of [small, large]) {
  if (lib(n) / hand(n) > 1.25) problems.push(`library / hand-written is ${(lib(n) / hand(n)).toFixed(2)} at N = ${n}`);
}
process.stdout.write(lines.join('\n') + '\n');
if (problems.length > 0) {
  process.stdout.write(`FAIL: ${problems.join('; ')}\n`);
  process.exit(1);
}
process.stdout.write('PASS\n');
