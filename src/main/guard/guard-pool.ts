/**
 * Worker threads that run the guard's judge step, each statement under a deadline. A parser
 * that takes too long is stopped the only way a synchronous parse can be stopped: its worker
 * is terminated and replaced, and the statement is refused. The server's own thread only
 * hands statements over, so health checks and other agents keep being answered meanwhile.
 */
import { serialize } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { AirlockError } from '../../shared/errors';
import { startWorker } from '../worker-entry';
import type { Dialect } from './dialect';
import type { FromWorker, ToWorker } from './guard-protocol';
import type { Verdict } from './judge';
import type { SchemaIndex } from './schema-index';
import { threadCpuMs, type ThreadClock } from './thread-cpu';

export interface GuardPoolOptions {
  /** Worker threads judging statements side by side. */
  workers: number;
  /**
   * How much CPU time one statement may take to judge once a worker has it. Where the
   * worker's CPU clock cannot be read, wall-clock time.
   */
  deadlineMs: number;
  /** Statements one owner (agent) may have waiting for a worker. */
  maxQueuedPerOwner: number;
  /** Heap limit of each worker: a statement that needs more is refused. */
  maxHeapMb: number;
}

/**
 * 900 ms, so that a statement stopped at its deadline is refused, hand-over included, within
 * the second the guard promises. Two workers: one agent sending slow statements in a loop
 * holds at most one, and the other keeps judging everyone else's.
 */
export const DEFAULT_POOL_OPTIONS: GuardPoolOptions = {
  workers: 2,
  deadlineMs: 900,
  maxQueuedPerOwner: 32,
  maxHeapMb: 256,
};

interface Job {
  id: number;
  owner: string;
  sql: string;
  dialect: Dialect;
  schema: SchemaIndex;
  resolve: (v: Verdict) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
  /** Schema snapshots this worker holds, least recently used first. */
  schemas: Map<number, true>;
  /** The worker thread's CPU clock, and its reading when the current statement was sent. */
  clock?: ThreadClock;
  cpuAtStart?: number;
  startedAt: number;
  /** The deadline in force when the current statement was handed over. */
  deadlineMs: number;
}

/**
 * However little CPU a statement has had, it is refused after this many deadlines on the wall
 * clock: a worker starved that long is as good as stalled.
 */
const WALL_DEADLINES = 10;

/** How long an owner whose statement overran stays kept off the last free worker. */
const SUSPECT_MS = 60_000;

/** Snapshots a worker keeps; an older one is dropped and sent again if it is used again. */
const SCHEMAS_PER_WORKER = 8;

export type SpawnGuardWorker = (maxHeapMb: number) => Worker;

const spawnGuardWorker: SpawnGuardWorker = (maxHeapMb) =>
  startWorker(
    new URL('./guard-worker.js', import.meta.url),
    new URL('./guard-worker.ts', import.meta.url),
    {
      resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
    },
  );

const schemaIds = new WeakMap<SchemaIndex, number>();
let nextSchemaId = 1;
function schemaIdOf(schema: SchemaIndex): number {
  let id = schemaIds.get(schema);
  if (id === undefined) schemaIds.set(schema, (id = nextSchemaId++));
  return id;
}

/**
 * A snapshot serialised once, for every worker that needs it: a fresh worker (one replaced
 * after an overrun, say) gets a copy of these bytes, where posting the snapshot itself would
 * structured-clone its maps again on the main thread each time (~10 ms for 500 tables of 30
 * columns: time every other request waits, again at each overrun of an attack).
 */
const schemaBytes = new WeakMap<SchemaIndex, Uint8Array>();
function bytesOf(schema: SchemaIndex): Uint8Array {
  let bytes = schemaBytes.get(schema);
  if (bytes === undefined) schemaBytes.set(schema, (bytes = serialize(schema)));
  return bytes;
}

export function deadlineRefusal(deadlineMs: number): Verdict {
  return {
    ok: false,
    error: {
      code: 'INVALID_SQL',
      message: `the statement is too complex for the guard to check within ${deadlineMs} ms, so it is refused; simplify it (fewer nested calls, shorter lists) or split it into several statements`,
      details: { layer: 'ast', limit: 'deadline', max: deadlineMs },
    },
  };
}

export class GuardPool {
  private readonly slots = new Set<Slot>();
  /** Waiting statements per owner; owners take turns, so one agent's backlog delays no one else by more than a turn. */
  private readonly queues = new Map<string, Job[]>();
  private nextJob = 1;
  private closed = false;
  /**
   * Owners whose statement overran the deadline lately, until when: they never take the last
   * free worker, so that an agent sending slow statements in a loop cannot leave the others
   * waiting for one.
   */
  private readonly suspects = new Map<string, number>();
  /** Workers replaced after an overrun or a crash, for tests and the benchmark. */
  restarts = 0;

  constructor(
    private opts: GuardPoolOptions = DEFAULT_POOL_OPTIONS,
    private readonly spawn: SpawnGuardWorker = spawnGuardWorker,
  ) {}

  judge(sql: string, dialect: Dialect, schema: SchemaIndex, owner = ''): Promise<Verdict> {
    if (this.closed) return Promise.reject(new Error('the guard has been shut down'));
    const queue = this.queues.get(owner) ?? [];
    if (queue.length >= this.opts.maxQueuedPerOwner) {
      return Promise.reject(
        new AirlockError(
          'RATE_LIMITED',
          `more than ${this.opts.maxQueuedPerOwner} statements are already waiting for the guard from this caller; wait for their answers`,
          {
            layer: 'guard',
            limit: 'queued-statements',
            max: this.opts.maxQueuedPerOwner,
          },
        ),
      );
    }
    return new Promise<Verdict>((resolve, reject) => {
      queue.push({ id: this.nextJob++, owner, sql, dialect, schema, resolve, reject });
      this.queues.set(owner, queue);
      this.fill();
      this.dispatch();
    });
  }

  /** Workers started (ready or loading), ready, judging a statement; statements waiting; workers replaced. */
  stats(): { workers: number; ready: number; busy: number; queued: number; restarts: number } {
    let queued = 0;
    for (const q of this.queues.values()) queued += q.length;
    return {
      workers: this.slots.size,
      ready: [...this.slots].filter((s) => s.ready).length,
      busy: [...this.slots].filter((s) => s.job).length,
      queued,
      restarts: this.restarts,
    };
  }

  /** Stops a busy worker as an overrun would (tests: a worker killed mid-statement is replaced). */
  async killBusyWorker(): Promise<boolean> {
    const slot = [...this.slots].find((s) => s.job);
    if (!slot) return false;
    await slot.worker.terminate();
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    const stopped = new Error('the guard has been shut down');
    for (const q of this.queues.values()) for (const j of q) j.reject(stopped);
    this.queues.clear();
    const slots = [...this.slots];
    this.slots.clear();
    for (const s of slots) {
      if (s.timer) clearTimeout(s.timer);
      s.job?.reject(stopped);
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  get options(): GuardPoolOptions {
    return this.opts;
  }

  /**
   * Changes the deadline or the queue bound for statements handed over from now on, and grows
   * the pool to a larger worker count; a smaller count or heap limit needs a new pool.
   */
  setOptions(
    next: Partial<Pick<GuardPoolOptions, 'deadlineMs' | 'maxQueuedPerOwner' | 'workers'>>,
  ): void {
    this.opts = { ...this.opts, ...next };
    this.fill();
  }

  /** Starts the workers now rather than on the first statement (a server calls this at start). */
  warm(): void {
    this.fill();
  }

  /**
   * Starts workers up to the configured number, one at a time at first: starting them all at
   * once would make the first one ready later. A replacement for a stopped worker starts at once.
   */
  private fill(replacing = false): void {
    if (this.closed || this.slots.size >= this.opts.workers) return;
    if (!replacing && [...this.slots].some((s) => !s.ready)) return;
    this.startSlot();
  }

  private startSlot(): void {
    const worker = this.spawn(this.opts.maxHeapMb);
    const slot: Slot = {
      worker,
      ready: false,
      job: null,
      timer: null,
      schemas: new Map(),
      startedAt: 0,
      deadlineMs: this.opts.deadlineMs,
    };
    this.slots.add(slot);
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (e: Error & { code?: string }) => this.onExit(slot, e));
    worker.on('exit', () => this.onExit(slot, null));
    this.updateRefs();
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    switch (m.type) {
      case 'ready':
        slot.ready = true;
        slot.clock = m.thread;
        slot.cpuAtStart = m.thread && threadCpuMs(m.thread);
        this.fill();
        this.dispatch();
        return;
      case 'init-failed':
        this.failStart(slot, m.error);
        return;
      case 'verdict':
      case 'crash': {
        const job = slot.job;
        if (!job || job.id !== m.job) return;
        this.finish(slot);
        if (m.type === 'verdict') slot.cpuAtStart = m.cpuMs;
        if (m.type === 'verdict') job.resolve(m.verdict);
        else job.reject(new Error(`the guard failed while judging the statement: ${m.error}`));
        this.dispatch();
      }
    }
  }

  /** A worker that could not start fails what is waiting, rather than being restarted in a loop. */
  private failStart(slot: Slot, error: string): void {
    this.remove(slot);
    void slot.worker.terminate();
    if ([...this.slots].some((s) => s.ready)) return;
    const failure = new Error(`the guard's worker could not start: ${error}`);
    for (const q of this.queues.values()) for (const j of q) j.reject(failure);
    this.queues.clear();
    this.updateRefs();
  }

  private onExit(slot: Slot, error: (Error & { code?: string }) | null): void {
    if (!this.slots.has(slot)) return;
    if (!slot.ready) return this.failStart(slot, error?.message ?? 'it exited');
    const job = slot.job;
    this.remove(slot);
    this.restarts++;
    if (job) {
      if (error?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        this.suspect(job.owner);
        job.resolve({
          ok: false,
          error: {
            code: 'INVALID_SQL',
            message: `the statement needs more than ${this.opts.maxHeapMb} MB for the guard to read, so it is refused; split it or pass large values as parameters`,
            details: { layer: 'ast', limit: 'memory', max: this.opts.maxHeapMb },
          },
        });
      } else {
        // Killed from outside, or a crash: whatever the statement is, it was not judged.
        job.reject(
          new Error(
            `the guard's worker stopped while judging the statement${error ? `: ${error.message}` : ''}`,
          ),
        );
      }
    }
    this.fill(true);
    this.dispatch();
  }

  private remove(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    this.slots.delete(slot);
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    this.updateRefs();
  }

  private pending(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    for (const s of this.slots) if (s.job) n++;
    return n;
  }

  private suspect(owner: string): void {
    this.suspects.set(owner, Date.now() + SUSPECT_MS);
  }

  /** `free`: ready workers without a statement, this one included. */
  private takeNext(free: number): Job | null {
    const now = Date.now();
    for (const [owner, queue] of this.queues) {
      const until = this.suspects.get(owner);
      if (until !== undefined && until <= now) this.suspects.delete(owner);
      else if (until !== undefined && free < 2 && this.opts.workers >= 2) continue;
      const job = queue.shift();
      // Map order is the turn order: an owner that was served goes to the back.
      this.queues.delete(owner);
      if (queue.length > 0) this.queues.set(owner, queue);
      if (job) return job;
    }
    return null;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.job) continue;
      const free = [...this.slots].filter((s) => s.ready && !s.job).length;
      const job = this.takeNext(free);
      if (!job) break;
      this.run(slot, job);
    }
    this.updateRefs();
  }

  private run(slot: Slot, job: Job): void {
    const schemaId = schemaIdOf(job.schema);
    const send = (m: ToWorker) => slot.worker.postMessage(m);
    if (slot.schemas.has(schemaId)) {
      slot.schemas.delete(schemaId);
    } else {
      send({ type: 'schema', id: schemaId, schema: bytesOf(job.schema) });
      if (slot.schemas.size >= SCHEMAS_PER_WORKER) {
        const oldest = slot.schemas.keys().next().value!;
        slot.schemas.delete(oldest);
        send({ type: 'drop', id: oldest });
      }
    }
    slot.schemas.set(schemaId, true);
    slot.job = job;
    slot.startedAt = performance.now();
    slot.deadlineMs = this.opts.deadlineMs;
    slot.timer = setTimeout(() => this.atDeadline(slot), slot.deadlineMs);
    send({ type: 'judge', job: job.id, sql: job.sql, dialect: job.dialect, schemaId });
  }

  /**
   * The deadline has passed on the wall clock. If the worker's statement has had less CPU time
   * than the deadline (the machine is busy, or this thread was late to hand the statement
   * over), it gets the rest, up to WALL_DEADLINES on the wall clock; otherwise it is stopped.
   */
  private atDeadline(slot: Slot): void {
    const deadline = slot.deadlineMs;
    const now = slot.clock && threadCpuMs(slot.clock);
    const used = now !== undefined && slot.cpuAtStart !== undefined ? now - slot.cpuAtStart : null;
    const wall = performance.now() - slot.startedAt;
    if (used !== null && used < deadline && wall < deadline * WALL_DEADLINES) {
      const rest = Math.max(deadline - used, 10);
      slot.timer = setTimeout(() => this.atDeadline(slot), rest);
      return;
    }
    this.overrun(slot);
  }

  private overrun(slot: Slot): void {
    const job = slot.job;
    if (!job || !this.slots.has(slot)) return;
    this.remove(slot);
    this.restarts++;
    void slot.worker.terminate();
    this.suspect(job.owner);
    job.resolve(deadlineRefusal(slot.deadlineMs));
    this.fill(true);
    this.dispatch();
  }

  /** Idle workers must not keep the process alive; workers with statements to judge must. */
  private updateRefs(): void {
    const busy = this.pending() > 0;
    for (const s of this.slots) {
      if (busy) s.worker.ref();
      else s.worker.unref();
    }
  }
}
