/**
 * One measurement, in a fresh process: `child.ts <library|hand-written> <N> [shape]`.
 * Prints one JSON line: the CPU milliseconds of the timed synth on the main thread (see bench/cpu.ts: on a shared
 * machine, wall time also counts the time spent waiting for a CPU), the whole process's CPU milliseconds, the wall
 * milliseconds, peak RSS, YAML size,
 * object kinds and the hash of the objects that grow with the apps (both versions must print the same).
 */
import { mainThreadCpuMs } from './cpu';
import { appObjectsHash, kindCounts, Shape, synthHandWritten, synthLibrary } from './workload';

const variant = process.argv[2];
const n = Number(process.argv[3]);
const shape = (process.argv[4] ?? 'one-chart') as Shape;
const synth = variant === 'library' ? synthLibrary : synthHandWritten;

// the same warm-up for both: load every module and let the JIT see the code once
synth(10, shape);
const start = process.hrtime.bigint();
const cpu = process.cpuUsage();
const thread = mainThreadCpuMs();
const yaml = synth(n, shape);
const ms = mainThreadCpuMs() - thread;
const used = process.cpuUsage(cpu);
const processCpuMs = (used.user + used.system) / 1000;
const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(
  JSON.stringify({
    variant,
    n,
    shape,
    ms,
    wallMs,
    processCpuMs,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    bytes: yaml.length,
    kinds: kindCounts(yaml),
    hash: appObjectsHash(yaml),
  }) + '\n',
);
