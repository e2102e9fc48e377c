/**
 * The one search over the audit log, for the Audit page and `GET /v1/admin/audit` alike:
 * filters, text, newest first, keyset pagination. Every page costs about the same at entry 50
 * or 5,000,000, because each query walks an index from the cursor and stops after one page:
 *
 * - without text, entries are ordered by (time, id), and each equality filter has an index
 *   (filter, time) (migration 3) that serves the filter, the time range and the order at once;
 * - with text, the full-text index drives (its rowids are the entry ids, newest first) and
 *   the other filters are checked on the entries it yields.
 *
 * `offset` (the admin API's documented paging) skips entries after the cursor; it costs a walk
 * over the skipped entries, so the cursor (`beforeId`) is the way to page far.
 *
 * Counting stops at COUNT_CAP matches (TEXT_COUNT_CAP for a text search, where each match
 * combined with other filters costs a read of the entry): an exact count of millions costs a
 * full scan on every keystroke, and a person reads "10,000+" just as well.
 *
 * Entries come back as domain records; the transports pick the fields they show.
 */
import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import type { z } from 'zod';
import type { AuditSearch as AuditSearchInput } from '../../shared/contract/ops';
import type { AuditEntry } from '../../shared/domain';
import { AirlockError } from '../../shared/errors';
import { rowToEntry, type AuditRow } from './audit-rows';

export const COUNT_CAP = 10_000;
export const TEXT_COUNT_CAP = 1_000;

/** The Audit page's search, plus the admin API's `offset` (entries to skip after the cursor). */
export type AuditFilter = z.output<typeof AuditSearchInput> & { offset?: number };
type Params = Record<string, string | number>;

export interface AuditEntryPage {
  entries: AuditEntry[];
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

const searches = new WeakMap<Database, AuditLogSearch>();

/** The store's one search: its prepared statements are shared by every caller. */
export function auditSearchOf(db: Database): AuditLogSearch {
  let s = searches.get(db);
  if (!s) {
    s = new AuditLogSearch(db);
    searches.set(db, s);
  }
  return s;
}

export class AuditLogSearch {
  /** One prepared statement per combination of filters (at most a few dozen). */
  private readonly prepared = new Map<string, Statement>();
  private readonly byId: Statement<[number], AuditRow>;
  private readonly span: Statement<[], { n: number | null }>;

  constructor(private readonly db: Database) {
    this.byId = db.prepare('SELECT * FROM audit_log WHERE id = ?');
    // Both ends come from the rowid's b-tree: no entry is read.
    this.span = db.prepare('SELECT max(id) - min(id) + 1 AS n FROM audit_log');
  }

  entry(id: number): AuditEntry {
    const row = this.byId.get(id);
    if (!row) throw new AirlockError('NOT_FOUND', `no audit entry ${id}`);
    return rowToEntry(row);
  }

  search(f: AuditFilter): AuditEntryPage {
    const match = textQuery(f.text);
    const { conds, params } = filtersOf(f);
    return match ? this.textSearch(f, match, conds, params) : this.filterSearch(f, conds, params);
  }

  /** Without text: (filter, time) indexes serve filter and order; the cursor is (time, id). */
  private filterSearch(f: AuditFilter, conds: string[], params: Params): AuditEntryPage {
    // Ids have no gaps (the chain numbers them, and retention removes only the oldest), so
    // the span of ids is the count.
    const counted =
      conds.length === 0
        ? { total: this.span.get()?.n ?? 0, totalCapped: false }
        : this.count(`SELECT 1 FROM audit_log${where(conds)}`, params);
    const pageConds = [...conds];
    const pageParams: Params = { ...params, ...pageOf(f) };
    if (f.beforeId !== undefined) {
      const cursor = this.byId.get(f.beforeId);
      if (!cursor)
        throw new AirlockError('VALIDATION_FAILED', `beforeId ${f.beforeId} names no audit entry`, {
          field: 'beforeId',
        });
      // Row-value comparison: the index on (…, time) continues exactly after the cursor.
      pageConds.push('(time, id) < (@cursorTime, @beforeId)');
      Object.assign(pageParams, { cursorTime: cursor.time, beforeId: f.beforeId });
    }
    const rows = this.run<AuditRow>(
      `SELECT * FROM audit_log${where(pageConds)} ORDER BY time DESC, id DESC${LIMIT}`,
      pageParams,
    );
    return this.page(f, rows, counted);
  }

  /**
   * With text: the full-text index drives, newest id first (CROSS JOIN keeps SQLite from
   * probing it once per row, which reloads a word's whole posting list each time). When the
   * other filters select few entries, their lowest and highest ids bound the full-text scan:
   * exact, because the bounds come from the entries themselves.
   */
  private textSearch(
    f: AuditFilter,
    match: string,
    conds: string[],
    params: Params,
  ): AuditEntryPage {
    const all: Params = { ...params, match };
    const textConds = conds.map((c) => `a.${c}`);
    if (conds.length > 0) {
      const [span] = this.run<{ lo: number | null; hi: number | null; n: number }>(
        `SELECT min(id) AS lo, max(id) AS hi, count(*) AS n FROM (SELECT id FROM audit_log${where(conds)} LIMIT @cap)`,
        { ...params, cap: COUNT_CAP + 1 },
      );
      if (!span || span.n === 0)
        return { entries: [], total: 0, totalCapped: false, nextBeforeId: null };
      if (span.n <= COUNT_CAP) {
        textConds.push('s.rowid BETWEEN @lo AND @hi');
        Object.assign(all, { lo: span.lo!, hi: span.hi! });
      }
    }
    const from =
      'FROM audit_search s CROSS JOIN audit_log a ON a.id = s.rowid WHERE audit_search MATCH @match';
    const and = (cs: string[]) => cs.map((c) => ` AND ${c}`).join('');
    const counted =
      textConds.length === 0
        ? this.count(
            'SELECT 1 FROM audit_search WHERE audit_search MATCH @match',
            all,
            TEXT_COUNT_CAP,
          )
        : this.count(`SELECT 1 ${from}${and(textConds)}`, all, TEXT_COUNT_CAP);
    const pageConds = [...textConds];
    const pageParams: Params = { ...all, ...pageOf(f) };
    if (f.beforeId !== undefined) {
      pageConds.push('s.rowid < @beforeId');
      pageParams.beforeId = f.beforeId;
    }
    const rows = this.run<AuditRow>(
      `SELECT a.* ${from}${and(pageConds)} ORDER BY s.rowid DESC${LIMIT}`,
      pageParams,
    );
    return this.page(f, rows, counted);
  }

  private page(
    f: AuditFilter,
    rows: AuditRow[],
    counted: { total: number; totalCapped: boolean },
  ): AuditEntryPage {
    const more = rows.length > f.limit;
    const page = more ? rows.slice(0, f.limit) : rows;
    return {
      entries: page.map(rowToEntry),
      ...counted,
      nextBeforeId: more ? page[page.length - 1]!.id : null,
    };
  }

  private count(
    inner: string,
    params: Params,
    cap = COUNT_CAP,
  ): { total: number; totalCapped: boolean } {
    const [row] = this.run<{ n: number }>(`SELECT count(*) AS n FROM (${inner} LIMIT @cap)`, {
      ...params,
      cap: cap + 1,
    });
    const n = row?.n ?? 0;
    return n > cap ? { total: cap, totalCapped: true } : { total: n, totalCapped: false };
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

/** One more row than the page, to know whether another page follows. */
const LIMIT = ' LIMIT @limit OFFSET @offset';
const pageOf = (f: AuditFilter) => ({ limit: f.limit + 1, offset: f.offset ?? 0 });

/** The equality and time filters, as SQL on audit_log's columns and their parameters. */
function filtersOf(f: AuditFilter): { conds: string[]; params: Params } {
  const conds: string[] = [];
  const params: Params = {};
  if (f.agent !== undefined) {
    conds.push('actor = @actor');
    params.actor = `agent:${f.agent}`;
  }
  if (f.status !== undefined) {
    conds.push('status = @status');
    params.status = f.status;
  }
  if (f.connection !== undefined) {
    conds.push('connection = @connection COLLATE NOCASE');
    params.connection = f.connection;
  }
  // Stored times are toISOString() output, so normalising the bounds makes text order time order.
  if (f.from !== undefined) {
    conds.push('time >= @from');
    params.from = new Date(f.from).toISOString();
  }
  if (f.to !== undefined) {
    conds.push('time <= @to');
    params.to = new Date(f.to).toISOString();
  }
  return { conds, params };
}

const where = (conds: string[]) => (conds.length ? ` WHERE ${conds.join(' AND ')}` : '');
