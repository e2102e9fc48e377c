/**
 * The guard's text-and-AST layers in order: pre-lex rules, then a full parse and scope
 * analysis (judge.ts), run on worker threads under a deadline (guard-pool.ts). The
 * engine-truth layer and the backstops run inside the connector, next to the engine they
 * consult.
 */
import { AirlockError } from '../../shared/errors';
import type { Dialect } from './dialect';
import { DEFAULT_POOL_OPTIONS, GuardPool, type GuardPoolOptions } from './guard-pool';
import type { GuardedSql, Verdict } from './judge';
import { prelex } from './prelex';
import type { SchemaIndex } from './schema-index';

export type { GuardedSql } from './judge';

/**
 * The verdict is a pure function of (text, dialect, schema snapshot): agents repeat the same
 * parameterised statements, so verdicts are kept per schema snapshot, on this thread, and a
 * repeated statement never goes to a worker. A refreshed schema is a new SchemaIndex object
 * and starts with an empty cache; the engine-truth layer still runs on every execution.
 */
const verdicts = new WeakMap<SchemaIndex, Map<string, Cached>>();
const MAX_CACHED = 2000;
/**
 * A refusal at the deadline depends on how busy the machine was, so it is kept only this long:
 * long enough that an agent repeating a slow statement costs a worker once, not every time.
 */
const DEADLINE_VERDICT_MS = 60_000;

interface Cached {
  verdict: Verdict;
  /** Date.now() after which the verdict is judged again; null: kept for the snapshot's life. */
  until: number | null;
}

/** Statements being judged now, so that the same text sent many times at once is judged once. */
const inFlight = new WeakMap<SchemaIndex, Map<string, Promise<Verdict>>>();

let options: GuardPoolOptions = { ...DEFAULT_POOL_OPTIONS, ...fromEnv() };
let pool: GuardPool | null = null;

function fromEnv(): Partial<GuardPoolOptions> {
  const out: Partial<GuardPoolOptions> = {};
  const workers = Number(process.env.AIRLOCK_GUARD_WORKERS);
  const deadline = Number(process.env.AIRLOCK_GUARD_DEADLINE_MS);
  if (Number.isInteger(workers) && workers >= 1) out.workers = workers;
  if (Number.isInteger(deadline) && deadline >= 1) out.deadlineMs = deadline;
  return out;
}

/**
 * Sets the worker pool's size and deadline (defaults: guard-pool.ts, or AIRLOCK_GUARD_WORKERS
 * and AIRLOCK_GUARD_DEADLINE_MS). A new deadline applies to statements handed over from now
 * on; fewer workers or another heap limit start a new pool, and statements already handed to
 * the old one finish there.
 */
export function configureGuard(next: Partial<GuardPoolOptions>): GuardPoolOptions {
  const before = options;
  options = { ...options, ...next };
  if (pool && options.workers >= before.workers && options.maxHeapMb === before.maxHeapMb) {
    pool.setOptions(options);
  } else if (pool) {
    const old = pool;
    pool = null;
    void drain(old);
  }
  return options;
}

async function drain(old: GuardPool): Promise<void> {
  while (old.stats().busy + old.stats().queued > 0) await new Promise((r) => setTimeout(r, 50));
  await old.close();
}

/** The pool in use (started on first use). Exposed for tests and the benchmark. */
export function guardPool(): GuardPool {
  return (pool ??= new GuardPool(options));
}

/** Starts the guard's workers ahead of the first statement (from source they take seconds to load). */
export function warmGuard(): void {
  guardPool().warm();
}

/** Stops the guard's workers; the next statement starts them again. */
export async function shutdownGuard(): Promise<void> {
  const old = pool;
  pool = null;
  await old?.close();
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}

/**
 * Judges one statement for `owner` (an agent id; owners take turns for the workers). Resolves
 * to the statement and its analysis; rejects with the refusal's AirlockError.
 */
export async function guardSql(
  sql: string,
  dialect: Dialect,
  schema: SchemaIndex,
  owner = '',
): Promise<GuardedSql> {
  let cache = verdicts.get(schema);
  if (!cache) verdicts.set(schema, (cache = new Map()));
  const key = `${dialect}\u0000${sql}`;
  const hit = cache.get(key);
  let verdict: Verdict;
  if (hit && (hit.until === null || hit.until > Date.now())) {
    // Refresh its place in the insertion order: the map doubles as an LRU list.
    cache.delete(key);
    cache.set(key, hit);
    verdict = hit.verdict;
  } else {
    verdict = prelexRefusal(sql, dialect) ?? (await judged(sql, dialect, schema, owner, key));
    const timedOut = !verdict.ok && verdict.error.details.limit === 'deadline';
    cache.delete(key);
    cache.set(key, { verdict, until: timedOut ? Date.now() + DEADLINE_VERDICT_MS : null });
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  }
  if (verdict.ok) return verdict.value;
  // A fresh error each time: callers attach their own audit id to it.
  const { code, message, details } = verdict.error;
  throw new AirlockError(code, message, { ...details });
}

/**
 * Statements up to this many characters are pre-lexed on the main thread too. Pre-lexing is
 * linear but not free: a long statement costs the main thread milliseconds (under an attack
 * of long statements in a loop, a third of its busy time), and that is time every other
 * request — health checks included — waits. Longer statements are pre-lexed by the worker
 * only (judge() runs it first), so only their sender waits for a worker.
 */
export const MAIN_THREAD_PRELEX_CHARS = 4096;

/**
 * The pre-lex layer is one linear pass, so for short statements it also runs here, before the
 * hand-over: a statement over a nesting limit is refused at once, and never waits for a worker
 * behind the slow statements of the agent that sent it. The worker runs it again as part of
 * judge().
 */
function prelexRefusal(sql: string, dialect: Dialect): Verdict | null {
  if (sql.length > MAIN_THREAD_PRELEX_CHARS) return null;
  try {
    prelex(sql, dialect);
    return null;
  } catch (e) {
    if (!(e instanceof AirlockError)) throw e;
    return { ok: false, error: { code: e.code, message: e.message, details: e.details } };
  }
}

function judged(
  sql: string,
  dialect: Dialect,
  schema: SchemaIndex,
  owner: string,
  key: string,
): Promise<Verdict> {
  let running = inFlight.get(schema);
  if (!running) inFlight.set(schema, (running = new Map()));
  const existing = running.get(key);
  if (existing) return existing;
  const map = running;
  const p = guardPool()
    .judge(sql, dialect, schema, owner)
    .then((v) => deepFreeze(v))
    .finally(() => map.delete(key));
  map.set(key, p);
  return p;
}
