/**
 * The CPU time one thread has used, read from Linux's /proc. The guard's deadline counts a
 * statement's CPU time rather than the time on the wall clock, so that a busy machine (other
 * processes, a test run, a build) cannot make a simple statement look like an attack. Where
 * /proc is not there (macOS, Windows) the clock is absent and the wall clock is used.
 */
import { readFileSync, readlinkSync } from 'node:fs';

/** Where a thread's CPU clock is read: `/proc/<pid>/task/<tid>/stat`. */
export interface ThreadClock {
  stat: string;
}

/** /proc reports CPU time in USER_HZ ticks, which Linux fixes at 100 per second. */
const MS_PER_TICK = 10;

/** The calling thread's clock, or undefined where there is none. */
export function ownThreadClock(): ThreadClock | undefined {
  try {
    const [pid, , tid] = readlinkSync('/proc/thread-self').split('/');
    const stat = `/proc/${pid}/task/${tid}/stat`;
    return threadCpuMs({ stat }) === undefined ? undefined : { stat };
  } catch {
    return undefined;
  }
}

/** CPU time (user and system) the thread has used, in ms; undefined once it cannot be read. */
export function threadCpuMs(clock: ThreadClock): number | undefined {
  try {
    const text = readFileSync(clock.stat, 'latin1');
    // Fields after the command name, which is in parentheses and may itself hold spaces.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime)
      ? (utime + stime) * MS_PER_TICK
      : undefined;
  } catch {
    return undefined;
  }
}
