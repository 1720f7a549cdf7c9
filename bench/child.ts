/**
 * One measurement, in a fresh process: `child.ts <library|hand-written> <N>`.
 * Prints one JSON line: milliseconds for the timed synth, peak RSS, YAML size and object kinds.
 */
import { kindCounts, synthHandWritten, synthLibrary } from './workload';

const variant = process.argv[2];
const n = Number(process.argv[3]);
const synth = variant === 'library' ? synthLibrary : synthHandWritten;

// the same warm-up for both: load every module and let the JIT see the code once
synth(10);
const start = process.hrtime.bigint();
const yaml = synth(n);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(
  JSON.stringify({ variant, n, ms, peakRssMb: process.resourceUsage().maxRSS / 1024, bytes: yaml.length, kinds: kindCounts(yaml) }) + '\n',
);
