/**
 * Before/after images on PostgreSQL. Airlock's own statements, run as the connection's account
 * inside the write's transaction (never shown to the agent):
 *
 * - UPDATE/DELETE: before the write, the rows its WHERE matches are read and locked
 *   (`SELECT … FOR UPDATE`), with the statement's own WHERE text and parameters (pg-where.ts).
 *   After the write, the engine's count must equal the rows read, and each of them must be
 *   gone (delete) or carry this transaction's id in `xmin` (update): then the rows written are
 *   exactly the rows read.
 * - INSERT: the rows this transaction created (`xmin` = its id) after the write.
 *
 * Values are read as text (`::text`, the type's own output) and written back as text by revert
 * (pg-revert.ts), which the type's input function reads exactly; rows are compared as text.
 */
import { isObj, list, tagged } from '../../guard/pg/pg-nodes';
import { loadPgParser, parsePg } from '../../guard/pg/pg-parser';
import type { Analysis } from '../../guard/analyzer';
import type { WriteImages } from '../types';
import {
  type Capture,
  beforeMatches,
  overCapReason,
  rowKey,
  tableReason,
  writesKey,
  writtenTable,
} from '../write-images';
import type { PgClient } from './pg-pool';
import { type TableMeta, cascades, metaOf, q, rowsByKey } from './pg-table-meta';
import { whereText } from './pg-where';

const KIND = { UpdateStmt: 'update', DeleteStmt: 'delete', InsertStmt: 'insert' } as const;

/** A capture on one write: before() ahead of the statement, after() once it ran. */
export class PgCapture {
  private meta: TableMeta | null = null;
  private kind: WriteImages['kind'] = 'update';
  private reason: string | null = null;
  private before: unknown[][] | null = null;
  private overCap = false;

  constructor(
    private readonly sql: string,
    private readonly params: unknown[],
    private readonly analysis: Analysis,
    private readonly cap: number,
  ) {}

  private get table(): string {
    return writtenTable(this.analysis) ?? '';
  }

  /** Reads (and locks) the rows the statement's WHERE matches, as the connection's account. */
  async beforeWrite(client: PgClient): Promise<void> {
    await loadPgParser();
    const top = tagged(parsePg(this.sql));
    const table = writtenTable(this.analysis);
    if (!top || !(top[0] in KIND) || table === null) {
      this.reason = 'the write does not name exactly one table';
      return;
    }
    const [tag, body] = top;
    this.kind = KIND[tag as keyof typeof KIND];
    const rel = tagged({ RangeVar: body.relation })?.[1];
    if (!rel || typeof rel.relname !== 'string') {
      this.reason = 'the written table could not be read from the statement';
      return;
    }
    const relName =
      (typeof rel.schemaname === 'string' ? `${q(rel.schemaname)}.` : '') + q(rel.relname);
    this.meta = await metaOf(client, 'c.oid = pg_catalog.to_regclass($1)', relName);
    if (!this.meta) {
      this.reason = `table ${table} could not be found`;
      return;
    }
    this.reason = tableReason(
      table,
      this.meta.primaryKey,
      await cascades(client, this.meta.oid, this.kind === 'update' ? 'update' : 'delete'),
      this.kind,
    );
    if (body.withClause) {
      this.reason ??= 'the write has a WITH clause, which revert cannot account for';
    }
    if (this.kind === 'insert') {
      if (body.onConflictClause)
        this.reason ??= `an INSERT … ON CONFLICT may update rows of ${table}, which revert cannot tell apart`;
      return;
    }
    if (writesKey(this.analysis, table, this.meta.primaryKey))
      this.reason ??= `the write changes primary-key values of ${table}, so revert cannot find the rows by key`;
    if (list(body.fromClause).length > 0 || list(body.usingClause).length > 0) {
      this.reason ??= `the write joins other tables (FROM/USING), so its rows are not read back for ${table}`;
      return;
    }
    if (this.meta.primaryKey.length === 0) return;
    let where = { text: 'true', values: [] as unknown[] };
    if (body.whereClause) {
      const w = whereText(
        this.sql,
        body.whereClause,
        list(body.returningList).length > 0,
        this.params,
      );
      if (!w) {
        this.reason ??= `the rows the write matches in ${table} could not be read back exactly`;
        return;
      }
      where = w;
    }
    const alias =
      isObj(rel.alias) && typeof rel.alias.aliasname === 'string'
        ? rel.alias.aliasname
        : rel.relname;
    const only = rel.inh === false ? 'ONLY ' : '';
    const r = await client.query({
      text:
        `SELECT ${this.meta.columns.map((c) => `${q(alias)}.${q(c.name)}::text`).join(', ')} ` +
        `FROM ${only}${this.meta.qualified} AS ${q(alias)} WHERE ${where.text}\n` +
        `ORDER BY ${this.meta.primaryKey.map((k) => `${q(alias)}.${q(k)}`).join(', ')} ` +
        `LIMIT ${this.cap + 1} FOR UPDATE OF ${q(alias)}`,
      values: where.values,
      rowMode: 'array',
    } as never);
    const rows = (r as unknown as { rows: unknown[][] }).rows;
    if (rows.length > this.cap) this.overCap = true;
    else this.before = rows;
  }

  /** Checks and completes the capture once the statement ran; `rowsAffected` is the engine's. */
  async afterWrite(client: PgClient, rowsAffected: number): Promise<Capture> {
    const meta = this.meta;
    const capture: Capture = {
      rowsAffected,
      table: this.table,
      columns: meta?.columns.map((c) => c.name) ?? [],
      primaryKey: meta?.primaryKey ?? [],
      kind: this.kind,
      before: this.before,
      after: null,
      notRevertable: this.reason,
      overCap: this.overCap || rowsAffected > this.cap,
    };
    if (!meta || capture.overCap) {
      capture.before = null;
      if (capture.overCap) capture.notRevertable ??= overCapReason(this.table, this.cap);
      return capture;
    }
    if (meta.primaryKey.length === 0) return capture;
    const pkIdx = meta.primaryKey.map((k) => capture.columns.indexOf(k));
    if (this.kind === 'insert') {
      if (capture.notRevertable !== null) return capture;
      const r = await client.query({
        text:
          `SELECT ${meta.columns.map((c) => `${q(c.name)}::text`).join(', ')} FROM ${meta.qualified} ` +
          `WHERE xmin = pg_catalog.pg_current_xact_id()::xid ORDER BY ${meta.primaryKey.map(q).join(', ')} LIMIT ${this.cap + 1}`,
        rowMode: 'array',
      } as never);
      const rows = (r as unknown as { rows: unknown[][] }).rows;
      if (rows.length !== rowsAffected)
        capture.notRevertable = `the rows inserted into ${this.table} could not be matched to the engine's count`;
      else capture.after = rows;
      return capture;
    }
    // A count that differs means the rows read are not the rows written (row security, a volatile WHERE).
    const mismatch = `the rows the write changed in ${this.table} could not be matched to the engine's count`;
    if (!beforeMatches(capture, mismatch)) return capture;
    const keys = capture.before.map((row) => pkIdx.map((i) => row[i]));
    const now = await rowsByKey(client, meta, keys, false);
    if (this.kind === 'delete') {
      if (now.rows.length !== 0)
        capture.notRevertable = `the rows deleted from ${this.table} could not be matched to the rows read`;
      return capture;
    }
    const byKey = new Map(now.rows.map((row, i) => [rowKey(row, pkIdx), i]));
    const after: unknown[][] = [];
    for (const b of capture.before) {
      const i = byKey.get(rowKey(b, pkIdx));
      if (i === undefined || !now.mine[i]) {
        capture.notRevertable = `the rows updated in ${this.table} could not be matched to the rows read`;
        return capture;
      }
      after.push(now.rows[i]!);
    }
    capture.after = after;
    return capture;
  }
}
