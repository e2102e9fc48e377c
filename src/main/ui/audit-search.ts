/**
 * The audit page's search: filters, text, newest first, keyset pagination. Every page costs
 * about the same at entry 50 or 5,000,000, because each query walks an index from the cursor
 * and stops after one page:
 *
 * - without text, entries are ordered by (time, id), and each equality filter has an index
 *   (filter, time) (migration 3) that serves the filter, the time range and the order at once;
 * - with text, the full-text index drives (its rowids are the entry ids, newest first) and
 *   the other filters are checked on the entries it yields.
 *
 * Counting stops at COUNT_CAP matches: an exact count of millions costs a full index scan on
 * every keystroke, and a person reads "10,000+" just as well.
 */
import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import type { z } from 'zod';
import type { AuditEntryView } from '../../shared/contract/api';
import type { AuditSearch as AuditSearchInput } from '../../shared/contract/ops';
import { AirlockError } from '../../shared/errors';
import { rowToEntry, type AuditRow } from '../audit/audit-rows';
import { auditEntryView } from './views';

export const COUNT_CAP = 10_000;

type Filter = z.output<typeof AuditSearchInput>;
type Params = Record<string, string | number>;

export interface AuditPage {
  entries: z.infer<typeof AuditEntryView>[];
  total: number;
  totalCapped: boolean;
  nextBeforeId: number | null;
}

/**
 * Full-text query for what a person typed: every whitespace-separated term must occur as the
 * start of a word (or a run of words, for `employees.salary`). Terms are quoted, so nothing
 * typed is read as FTS5 syntax. Null when nothing searchable was typed.
 */
export function textQuery(text: string | undefined): string | null {
  const terms = (text ?? '').split(/\s+/).filter((t) => /[\p{L}\p{N}]/u.test(t));
  if (terms.length === 0) return null;
  return terms.map((t) => `"${t.replace(/"/g, '""')}"*`).join(' ');
}

export class AuditSearch {
  /** One prepared statement per combination of filters (at most a few dozen). */
  private readonly prepared = new Map<string, Statement>();
  private readonly byId: Statement<[number], AuditRow>;
  private readonly lastId: Statement<[], { n: number | null }>;

  constructor(private readonly db: Database) {
    this.byId = db.prepare('SELECT * FROM audit_log WHERE id = ?');
    this.lastId = db.prepare('SELECT max(id) AS n FROM audit_log');
  }

  entry(id: number): z.infer<typeof AuditEntryView> {
    const row = this.byId.get(id);
    if (!row) throw new AirlockError('NOT_FOUND', `no audit entry ${id}`);
    return auditEntryView(rowToEntry(row));
  }

  search(f: Filter): AuditPage {
    const match = textQuery(f.text);
    const conds: string[] = [];
    const params: Params = {};
    const col = match ? 'a.' : '';
    if (f.agent !== undefined) {
      conds.push(`${col}actor = @actor`);
      params.actor = `agent:${f.agent}`;
    }
    if (f.status !== undefined) {
      conds.push(`${col}status = @status`);
      params.status = f.status;
    }
    if (f.connection !== undefined) {
      conds.push(`${col}connection = @connection COLLATE NOCASE`);
      params.connection = f.connection;
    }
    // Stored times are toISOString() output, so normalising the bounds makes text order time order.
    if (f.from !== undefined) {
      conds.push(`${col}time >= @from`);
      params.from = new Date(f.from).toISOString();
    }
    if (f.to !== undefined) {
      conds.push(`${col}time <= @to`);
      params.to = new Date(f.to).toISOString();
    }
    if (match) params.match = match;

    const counted = this.count(match, conds, params);
    const pageConds = [...conds];
    const pageParams: Params = { ...params, limit: f.limit + 1 };
    if (f.beforeId !== undefined) {
      if (match) {
        pageConds.push('s.rowid < @beforeId');
      } else {
        const cursor = this.byId.get(f.beforeId);
        if (!cursor) throw new AirlockError('VALIDATION_FAILED', `beforeId ${f.beforeId} names no audit entry`, { field: 'beforeId' });
        // Row-value comparison: the index on (…, time) continues exactly after the cursor.
        pageConds.push('(time, id) < (@cursorTime, @beforeId)');
        pageParams.cursorTime = cursor.time;
      }
      pageParams.beforeId = f.beforeId;
    }
    const sql = match
      ? `SELECT a.* FROM audit_search s JOIN audit_log a ON a.id = s.rowid
         WHERE audit_search MATCH @match${pageConds.map((c) => ` AND ${c}`).join('')}
         ORDER BY s.rowid DESC LIMIT @limit`
      : `SELECT * FROM audit_log${where(pageConds)} ORDER BY time DESC, id DESC LIMIT @limit`;
    const rows = this.run<AuditRow>(sql, pageParams);
    const more = rows.length > f.limit;
    const page = more ? rows.slice(0, f.limit) : rows;
    return {
      entries: page.map((r) => auditEntryView(rowToEntry(r))),
      ...counted,
      nextBeforeId: more ? page[page.length - 1]!.id : null,
    };
  }

  private count(match: string | null, conds: string[], params: Params): { total: number; totalCapped: boolean } {
    // Ids have no gaps (the chain numbers them), so the newest id is the count.
    if (!match && conds.length === 0) return { total: this.lastId.get()?.n ?? 0, totalCapped: false };
    const inner = match
      ? `SELECT 1 FROM audit_search s JOIN audit_log a ON a.id = s.rowid WHERE audit_search MATCH @match${conds.map((c) => ` AND ${c}`).join('')}`
      : `SELECT 1 FROM audit_log${where(conds)}`;
    const [row] = this.run<{ n: number }>(`SELECT count(*) AS n FROM (${inner} LIMIT @cap)`, { ...params, cap: COUNT_CAP + 1 });
    const n = row?.n ?? 0;
    return n > COUNT_CAP ? { total: COUNT_CAP, totalCapped: true } : { total: n, totalCapped: false };
  }

  private run<T>(sql: string, params: Params): T[] {
    let stmt = this.prepared.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.prepared.set(sql, stmt);
    }
    return stmt.all(params) as T[];
  }
}

const where = (conds: string[]) => (conds.length ? ` WHERE ${conds.join(' AND ')}` : '');
