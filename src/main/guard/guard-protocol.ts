/** Messages between the guard's worker pool (guard-pool.ts) and its workers (guard-worker.ts). */
import type { Dialect } from './dialect';
import type { Verdict } from './judge';
import type { SchemaIndex } from './schema-index';

export type ToWorker =
  /** A schema snapshot, sent once per worker; later statements name it by id. */
  | { type: 'schema'; id: number; schema: SchemaIndex }
  /** The pool no longer sends statements for this snapshot. */
  | { type: 'drop'; id: number }
  | { type: 'judge'; job: number; sql: string; dialect: Dialect; schemaId: number };

export type FromWorker =
  /** The worker's parsers are loaded; it takes statements from now on. */
  | { type: 'ready' }
  | { type: 'init-failed'; error: string }
  | { type: 'verdict'; job: number; verdict: Verdict }
  /** judge() threw something other than a refusal: a bug, reported rather than hidden. */
  | { type: 'crash'; job: number; error: string };
