import * as fs from 'fs';

/**
 * CPU milliseconds of this process's main thread, where the synth runs (user and system time). On Linux it is read
 * from /proc/self/task/<pid>/stat (clock ticks of 10 ms): unlike wall time it does not count the time spent
 * waiting for a CPU on a busy machine, and unlike the whole process's CPU time it does not count the compiler
 * and garbage-collector threads that run beside the main thread (on an idle machine they cost no wall time).
 * Elsewhere: the whole process's CPU time.
 */
export function mainThreadCpuMs(): number {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state) of proc(5): utime is field 14, stime field 15, in ticks of 1/100 s
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  }
}
