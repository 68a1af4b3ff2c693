import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Gives every thread of this process the nice value `nice` (never a higher priority than it has).
 *
 * On Linux a nice value belongs to a thread, and a new thread inherits its creator's: set before the
 * app starts, it reaches the threads created later (libuv's pool, libvips, the scan pool); the
 * threads Node started before this runs (V8's helpers) are set one by one through /proc.
 * Elsewhere, setPriority(0, …) sets the whole process. Returns the nice value now in force.
 */
export function lowerCpuPriority(nice: number): number {
  const current = getPriority();
  if (nice <= current) return current;
  let threads: number[] = [0];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    // Not Linux: PRIO_PROCESS applies to the whole process.
  }
  for (const tid of threads) {
    try {
      setPriority(tid, nice);
    } catch (err) {
      // A thread that ended since the listing: nothing to set.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  return getPriority();
}
