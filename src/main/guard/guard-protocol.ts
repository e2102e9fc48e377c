/** Messages between the guard's worker pool (guard-pool.ts) and its workers (guard-worker.ts). */
import type { Dialect } from './dialect';
import type { Verdict } from './judge';
import type { ThreadClock } from './thread-cpu';

export type ToWorker =
  /**
   * A schema snapshot (v8.serialize of a SchemaIndex), sent once per worker; later statements
   * name it by id.
   */
  | { type: 'schema'; id: number; schema: Uint8Array }
  /** The pool no longer sends statements for this snapshot. */
  | { type: 'drop'; id: number }
  | { type: 'judge'; job: number; sql: string; dialect: Dialect; schemaId: number };

export type FromWorker =
  /**
   * The worker's parsers are loaded; it takes statements from now on. `thread` locates the
   * worker's own CPU clock (see thread-cpu.ts), absent where the system has none to read.
   */
  | { type: 'ready'; thread?: ThreadClock }
  | { type: 'init-failed'; error: string }
  /** `cpuMs`: the worker thread's CPU clock after judging, the start of its next statement. */
  | { type: 'verdict'; job: number; verdict: Verdict; cpuMs?: number }
  /** judge() threw something other than a refusal: a bug, reported rather than hidden. */
  | { type: 'crash'; job: number; error: string };
