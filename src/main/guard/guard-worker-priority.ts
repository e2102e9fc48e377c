/**
 * Judging an agent's statement yields the CPU to the server's own event loop (health checks,
 * other agents' answers): on Linux a thread has its own nice value, and a guard worker raises
 * its own. Its deadline counts its own CPU time, so a lower priority does not make a statement
 * more likely to be refused. Elsewhere the same call would renice the whole process: not done.
 */
import { setPriority } from 'node:os';

export const GUARD_WORKER_NICE = 10;

/** Called by a guard worker thread on itself. */
export function yieldToEventLoop(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(GUARD_WORKER_NICE);
  } catch {
    // Not permitted here: the worker runs at the process's priority.
  }
}
