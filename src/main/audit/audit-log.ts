import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import type { Worker } from 'node:worker_threads';
import type { AuditEntry, AuditRecord, AuditStatus } from '../../shared/domain';
import { startWorker } from '../worker-entry';
import { wellFormed } from './canonical-json';
import { GENESIS } from './chain';
import { sealRows, sealsOf } from './seal';
import { USAGE_UPSERT, writeUsage } from './usage-rows';
import { auditSearchOf } from './search';
import type { Sealed, UnsealedRow, UsageRow, WriterBatch, WriterReply } from './writer-protocol';

export const AUDIT_HEAD_KEY = 'audit.head';

interface Pending {
  id: number;
  record: AuditRecord;
  /** `details` as stored (JSON), serialised once when the entry is appended. */
  details: string | null;
  resolve: (id: number) => void;
  reject: (e: Error) => void;
}

export interface AuditFilter {
  agent?: string;
  status?: AuditStatus;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

/**
 * Where a batch is sealed (salts, leaf hashes, chain links: seal.ts) and made durable: on this
 * thread, or on the audit writer thread. It answers with each row's hashes.
 */
interface Committer {
  commit(batch: WriterBatch): Promise<Sealed[]>;
  close(): Promise<void>;
}

const INSERT_SQL = `INSERT INTO audit_log
  (id, time, actor, action, connection, statement, params_hash, decision, rule, reason,
   status, row_count, latency_ms, details, leaf_hash, chain_hash, leaf_fields)
  VALUES (@id, @time, @actor, @action, @connection, @statement, @paramsHash, @decision,
   @rule, @reason, @status, @rowCount, @latencyMs, @details, @leaf, @chain, @leafFields)`;
const SAVE_HEAD_SQL = `INSERT INTO settings (key, value) VALUES (@key, @value)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value`;

/** Commits on the calling thread: for in-memory stores and unit tests. */
function inThreadCommitter(db: Database): Committer {
  const insert = db.prepare(INSERT_SQL);
  const saveHead = db.prepare(SAVE_HEAD_SQL);
  const saveUsage = db.prepare(USAGE_UPSERT);
  const write = db.transaction((batch: WriterBatch) => {
    const rows = sealRows(batch.rows, batch.prevChain);
    for (const row of rows) insert.run(row);
    const tail = rows[rows.length - 1];
    if (tail)
      saveHead.run({
        key: AUDIT_HEAD_KEY,
        value: JSON.stringify({ id: tail.id, chain: tail.chain }),
      });
    writeUsage(saveUsage, batch.usage);
    return sealsOf(rows);
  });
  return {
    commit: async (batch) => write(batch),
    close: async () => {},
  };
}

/** Commits on the audit writer thread, so an fsync never stalls the API. */
async function workerCommitter(path: string, key: Buffer): Promise<Committer> {
  const worker: Worker = startWorker(
    new URL('./audit-writer.js', import.meta.url),
    new URL('./audit-writer.ts', import.meta.url),
    { workerData: { path, keyHex: key.toString('hex'), headKey: AUDIT_HEAD_KEY } },
  );
  const waiting = new Map<
    number,
    { resolve: (sealed: Sealed[]) => void; reject: (e: Error) => void }
  >();
  let failure: Error | null = null;
  const failAll = (e: Error) => {
    failure = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  worker.on('message', (r: WriterReply) => {
    const w = waiting.get(r.seq);
    waiting.delete(r.seq);
    if (r.ok) w?.resolve(r.sealed ?? []);
    else w?.reject(new Error(r.error));
  });
  worker.on('error', (e) => failAll(new Error(`the audit writer failed: ${e.message}`)));
  worker.on('exit', () => failAll(new Error('the audit writer stopped')));
  const send = (seq: number, msg: WriterBatch | 'close') =>
    new Promise<Sealed[]>((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.set(seq, { resolve, reject });
      worker.postMessage(msg);
    });
  // The writer announces itself with seq 0 once its connection is open.
  await new Promise<void>((resolve, reject) =>
    waiting.set(0, { resolve: () => resolve(), reject }),
  );
  return {
    commit: (batch) => send(batch.seq, batch),
    async close() {
      if (!failure) await send(-1, 'close').catch(() => {});
      await worker.terminate();
    },
  };
}

/**
 * The hash-chained, append-only audit log with group commit. Entries are numbered and
 * chained as they are appended; at most one batch is being committed at a time, and
 * everything appended meanwhile becomes the next batch (one transaction, one fsync). Each
 * caller's promise resolves only once its entry is durable.
 */
export class AuditLog {
  private readonly head: Statement<[], { id: number; chain_hash: string }>;
  private queue: Pending[] = [];
  /** Usage counts to ride with the next commit, by agent (the latest wins). */
  private usage = new Map<string, UsageRow>();
  private scheduled = false;
  private inFlight = false;
  private lastId: number;
  /** The id the log ends at on disk, as far as committed batches tell, and its chain hash. */
  private durableId: number;
  private durableChain: string;
  private seq = 0;
  private closed = false;
  private drained: (() => void) | null = null;
  private readonly observers: ((e: AuditEntry) => void)[] = [];
  /** Commits and entries written, for tests and the benchmark. */
  readonly stats = { commits: 0, entries: 0 };
  private readonly commitListeners: ((c: { entries: number; ms: number }) => void)[] = [];
  private inFlightSize = 0;

  /** Whether the last commit failed (the writer is down or the store refuses writes): readiness. */
  get failing(): boolean {
    return this.lastCommitFailed;
  }
  private lastCommitFailed = false;

  /** Entries appended and not yet durable: queued, or in the batch being committed. */
  get pending(): number {
    return this.queue.length + this.inFlightSize;
  }

  /** Calls `listener` after each durable commit with its size and how long it took (metrics). */
  onCommit(listener: (c: { entries: number; ms: number }) => void): void {
    this.commitListeners.push(listener);
  }

  /** Calls `listener` with each entry once it is durable (alerts watch the trail this way). */
  onDurable(listener: (e: AuditEntry) => void): void {
    this.observers.push(listener);
  }

  /** Without a committer, batches are committed on this thread. */
  constructor(
    private readonly db: Database,
    private readonly committer: Committer = inThreadCommitter(db),
  ) {
    this.head = db.prepare('SELECT id, chain_hash FROM audit_log ORDER BY id DESC LIMIT 1');
    const h = this.head.get();
    this.lastId = this.durableId = h?.id ?? 0;
    this.durableChain = h?.chain_hash ?? GENESIS;
  }

  /** Commits on a writer thread with its own connection to the store file. */
  static async withWriter(db: Database, path: string, key: Buffer): Promise<AuditLog> {
    return new AuditLog(db, await workerCommitter(path, key));
  }

  /** Appends one entry; resolves with its id once it is on disk. */
  append(entry: AuditRecord): Promise<number> {
    if (this.closed) return Promise.reject(new Error('the audit log is closed'));
    const record = wellFormed(entry);
    const details = record.details === null ? null : JSON.stringify(record.details);
    return new Promise<number>((resolve, reject) => {
      const id = ++this.lastId;
      this.queue.push({ id, record, details, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Keeps per-agent usage counts with the next commit (made at once if no entry is waiting):
   * the writer thread writes them, so the main thread never waits for the store's write lock.
   */
  saveUsage(rows: UsageRow[]): void {
    if (this.closed) throw new Error('the audit log is closed');
    for (const r of rows) this.usage.set(r.agentId, r);
    this.schedule();
  }

  private schedule() {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    // One event-loop turn lets every append of this turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /**
   * Starts committing what is queued now, unless a batch is already in flight. On the
   * in-thread path the rows are written before this returns.
   */
  async flush(): Promise<void> {
    const idle = this.queue.length === 0 && this.usage.size === 0;
    if (this.inFlight || idle) {
      if (!this.inFlight && idle) this.drained?.();
      return;
    }
    const batch = this.queue;
    this.queue = [];
    const usage = [...this.usage.values()];
    this.usage = new Map();
    this.inFlight = true;
    this.inFlightSize = batch.length;
    const started = performance.now();
    try {
      const sealed = await this.committer.commit({
        seq: ++this.seq,
        afterId: this.durableId,
        prevChain: this.durableChain,
        rows: batch.map(toRow),
        ...(usage.length ? { usage } : {}),
      });
      if (sealed.length !== batch.length)
        throw new Error(`the writer sealed ${sealed.length} of ${batch.length} entries`);
      if (batch.length > 0) {
        this.durableId = batch[batch.length - 1]!.id;
        this.durableChain = sealed[sealed.length - 1]!.chain;
      }
      if (batch.length > 0) this.stats.commits += 1;
      this.stats.entries += batch.length;
      this.lastCommitFailed = false;
      const commit = { entries: batch.length, ms: performance.now() - started };
      // A commit of usage counts alone is not an audit commit (metrics, stats).
      if (batch.length > 0) for (const l of this.commitListeners) l(commit);
      for (const p of batch) p.resolve(p.id);
      batch.forEach((p, i) => this.notify(p, sealed[i]!));
    } catch (e) {
      this.lastCommitFailed = true;
      const err = new Error(`audit write failed: ${(e as Error).message}`);
      for (const p of batch) p.reject(err);
      // Usage counts are tried again with the next commit, unless newer ones came meanwhile.
      for (const u of usage) if (!this.usage.has(u.agentId)) this.usage.set(u.agentId, u);
      this.rewind();
    } finally {
      this.inFlight = false;
      this.inFlightSize = 0;
    }
    // Whatever arrived while this batch was being made durable goes next, without waiting
    // (after a failure, usage counts alone wait for the next entry or save).
    if (this.queue.length > 0 || (!this.lastCommitFailed && this.usage.size > 0)) void this.flush();
    else this.drained?.();
  }

  private notify(p: Pending, s: Sealed) {
    for (const observe of this.observers) {
      try {
        observe({ id: p.id, ...p.record, leafHash: s.leaf, chainHash: s.chain });
      } catch {
        // An observer's failure must never touch the audit itself.
      }
    }
  }

  /** After a failed batch: continue from what is on disk, renumbering the queue (sealed at commit). */
  private rewind() {
    const h = this.head.get();
    this.lastId = this.durableId = h?.id ?? 0;
    this.durableChain = h?.chain_hash ?? GENESIS;
    for (const p of this.queue) p.id = ++this.lastId;
  }

  /** Writes what is queued, then refuses further appends. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.inFlight || this.queue.length > 0 || this.scheduled) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        if (!this.inFlight && !this.scheduled) void this.flush();
      });
    }
    await this.committer.close();
  }

  /** A page of the log through the one audit search (search.ts), newest first. */
  list(filter: AuditFilter): { entries: AuditEntry[]; total: number } {
    return auditSearchOf(this.db).search(filter);
  }
}

function toRow(p: Pending): UnsealedRow {
  const r = p.record;
  return {
    id: p.id,
    time: r.time,
    actor: r.actor,
    action: r.action,
    connection: r.connection,
    statement: r.statement,
    paramsHash: r.paramsHash,
    decision: r.decision,
    rule: r.rule,
    reason: r.reason,
    status: r.status,
    rowCount: r.rowCount,
    latencyMs: r.latencyMs,
    details: p.details,
  };
}
