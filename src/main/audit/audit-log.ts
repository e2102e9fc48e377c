import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import type { AuditEntry, AuditRecord, AuditStatus } from '../../shared/domain';
import { GENESIS, chainHash, leafHash } from './chain';
import { rowToEntry, type AuditRow } from './audit-rows';

export const AUDIT_HEAD_KEY = 'audit.head';

interface Pending {
  id: number;
  record: AuditRecord;
  leaf: string;
  chain: string;
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
 * The hash-chained, append-only audit log with group commit: appends made in the same
 * turn of the event loop are written in one transaction (one fsync), and each caller's
 * promise resolves only once its entry is durable.
 */
export class AuditLog {
  private readonly stmts: {
    insert: Statement;
    head: Statement<[], { id: number; chain_hash: string }>;
    saveHead: Statement;
  };
  private queue: Pending[] = [];
  private scheduled = false;
  private lastId: number;
  private lastChain: string;
  private closed = false;
  /** Commits and entries written, for the benchmark. */
  readonly stats = { commits: 0, entries: 0 };

  constructor(private readonly db: Database) {
    this.stmts = {
      insert: db.prepare(`INSERT INTO audit_log
        (id, time, actor, action, connection, statement, params_hash, decision, rule, reason,
         status, row_count, latency_ms, details, leaf_hash, chain_hash)
        VALUES (@id, @time, @actor, @action, @connection, @statement, @paramsHash, @decision,
         @rule, @reason, @status, @rowCount, @latencyMs, @details, @leaf, @chain)`),
      head: db.prepare('SELECT id, chain_hash FROM audit_log ORDER BY id DESC LIMIT 1'),
      saveHead: db.prepare(
        `INSERT INTO settings (key, value) VALUES ('${AUDIT_HEAD_KEY}', ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ),
    };
    const head = this.stmts.head.get();
    this.lastId = head?.id ?? 0;
    this.lastChain = head?.chain_hash ?? GENESIS;
  }

  /** Appends one entry; resolves with its id once it is on disk. */
  append(record: AuditRecord): Promise<number> {
    if (this.closed) return Promise.reject(new Error('the audit log is closed'));
    const id = this.lastId + 1;
    const leaf = leafHash(id, record);
    const chain = chainHash(this.lastChain, leaf);
    this.lastId = id;
    this.lastChain = chain;
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ id, record, leaf, chain, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes everything queued in one transaction. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    try {
      this.db.transaction(() => {
        for (const p of batch) {
          const r = p.record;
          this.stmts.insert.run({
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
            details: r.details === null ? null : JSON.stringify(r.details),
            leaf: p.leaf,
            chain: p.chain,
          });
        }
        // The head, written with the batch, lets verify notice rows cut from the end.
        const last = batch[batch.length - 1]!;
        this.stmts.saveHead.run(JSON.stringify({ id: last.id, chain: last.chain }));
      })();
    } catch (e) {
      // Nothing of the batch was written: rewind the in-memory head to what is on disk.
      const head = this.stmts.head.get();
      this.lastId = head?.id ?? 0;
      this.lastChain = head?.chain_hash ?? GENESIS;
      const err = new Error(`audit write failed: ${(e as Error).message}`);
      for (const p of batch) p.reject(err);
      // Entries queued after this batch were chained onto ids that no longer exist: re-chain them.
      this.rechainQueue();
      return;
    }
    this.stats.commits += 1;
    this.stats.entries += batch.length;
    for (const p of batch) p.resolve(p.id);
  }

  private rechainQueue(): void {
    for (const p of this.queue) {
      p.id = this.lastId + 1;
      p.leaf = leafHash(p.id, p.record);
      p.chain = chainHash(this.lastChain, p.leaf);
      this.lastId = p.id;
      this.lastChain = p.chain;
    }
  }

  /** Flushes what is queued and refuses further appends. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  list(filter: AuditFilter): { entries: AuditEntry[]; total: number } {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter.agent !== undefined) {
      where.push('actor = @actor');
      params.actor = `agent:${filter.agent}`;
    }
    if (filter.status !== undefined) {
      where.push('status = @status');
      params.status = filter.status;
    }
    if (filter.from !== undefined) {
      where.push('time >= @from');
      params.from = new Date(filter.from).toISOString();
    }
    if (filter.to !== undefined) {
      where.push('time <= @to');
      params.to = new Date(filter.to).toISOString();
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    // Filters vary per call, so these two statements are built from fixed fragments only.
    const total = (
      this.db.prepare(`SELECT count(*) AS n FROM audit_log ${clause}`).get(params) as { n: number }
    ).n;
    const rows = this.db
      .prepare(`SELECT * FROM audit_log ${clause} ORDER BY id DESC LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit: filter.limit, offset: filter.offset }) as AuditRow[];
    return { entries: rows.map(rowToEntry), total };
  }
}
