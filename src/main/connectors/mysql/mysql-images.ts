/**
 * Before/after images and dry runs on MySQL/MariaDB, in the write's own transaction:
 *
 * - UPDATE/DELETE on one table: before the write, the rows the statement's WHERE matches are
 *   read and locked (`SELECT … FOR UPDATE`) with the statement's own WHERE and parameters
 *   (mysql-write-shape.ts). After the write, the engine's count of matched rows must equal the
 *   rows read (they are locked, so the write cannot have missed one), and the rows are read
 *   again by key: those are the after-images (update), or they must be gone (delete).
 * - INSERT: the rows are found by the key values the statement gives (literals or parameters:
 *   the insert succeeded, so they are new), or by the AUTO_INCREMENT ids the server handed out.
 *
 * The table's shape is read on the connection's own account. A table that is not InnoDB
 * cannot roll back: a dry run never executes on it (the preview is counted with a SELECT of
 * the same WHERE), and a real write on it is not revertable.
 */
import type { PoolConnection } from 'mysql2/promise';
import type { Analysis } from '../../guard/analyzer';
import {
  type Capture,
  beforeMatches,
  decodeImageValue,
  overCapReason,
  tableReason,
  writesKey,
  writtenTable,
} from '../write-images';
import {
  type MysqlTableMeta,
  mysqlTableMeta,
  q,
  selectRows,
  transactional,
} from './mysql-table-meta';
import { type Shape, shapeOf, unstable, whereSql } from './mysql-write-shape';

const ACCESS_DENIED = new Set(['ER_TABLEACCESS_DENIED_ERROR', 'ER_COLUMNACCESS_DENIED_ERROR']);

/** A capture on one write, in its transaction on `conn`. */
export class MysqlCapture {
  private shape: Shape | null = null;
  private meta: MysqlTableMeta | null = null;
  private reason: string | null = null;
  private before: unknown[][] | null = null;
  private overCap = false;
  /** The agent's own user could not read whole rows in the write's transaction. */
  private denied = false;
  private where: { text: string; values: unknown[] } | null = null;
  private readonly table: string;

  constructor(
    private readonly sql: string,
    private readonly params: unknown[],
    private readonly analysis: Analysis,
    private readonly cap: number,
  ) {
    this.table = writtenTable(analysis) ?? '';
  }

  /** Reads the table's shape (on the connection's own account); false when it is not transactional. */
  async prepare(admin: PoolConnection): Promise<boolean> {
    // A dry run executes only if every table the statement writes can roll back (a view, or a
    // table that cannot be found, counts as one that cannot).
    let rollsBack = true;
    for (const t of this.analysis.tables) {
      if (t.write.length === 0 && !t.wholeRowWrite) continue;
      const m = await mysqlTableMeta(admin, t.table);
      if (!m || !transactional(m)) rollsBack = false;
    }
    if (!this.table) {
      this.reason = 'the write does not name exactly one table';
      return rollsBack;
    }
    this.shape = shapeOf(this.sql);
    const kind = this.shape.kind;
    if (kind !== 'insert' && !this.shape.whereProblem)
      this.where = whereSql(this.shape, this.params);
    this.meta = await mysqlTableMeta(admin, this.table);
    if (!this.meta) {
      this.reason = `table ${this.table} could not be found as a table`;
      return rollsBack;
    }
    if (!transactional(this.meta)) {
      this.reason = `table ${this.table} uses ${this.meta.engine || 'an engine'} storage, which is not transactional, so a write to it cannot be undone in one transaction`;
      return rollsBack;
    }
    this.reason = tableReason(
      this.table,
      this.meta.primaryKey,
      kind === 'update' ? this.meta.cascadesOnUpdate : this.meta.cascadesOnDelete,
      kind,
    );
    if (kind === 'update' && writesKey(this.analysis, this.table, this.meta.primaryKey))
      this.reason ??= `the write changes primary-key values of ${this.table}, so revert cannot find the rows by key`;
    if (kind === 'insert' && this.shape.upsert)
      this.reason ??= `the write may replace or update existing rows of ${this.table} (REPLACE, ON DUPLICATE KEY UPDATE), which revert cannot tell apart`;
    if (kind === 'update' && unstable(this.shape.where))
      this.reason ??= `the WHERE of the write reads other tables or volatile values, so the rows it updates in ${this.table} cannot be tied to the rows read before it`;
    if (kind !== 'insert' && this.shape.whereProblem)
      this.reason ??= `${this.shape.whereProblem}, so its rows are not read back for ${this.table}`;
    else if (kind !== 'insert' && !this.where)
      this.reason ??= `the rows the write matches in ${this.table} could not be read back exactly`;
    return rollsBack;
  }

  /** The columns, by the name `name` gives the table (`t`, or the statement's own). */
  private selectList(name = 't'): string {
    return this.meta!.columns.map((c) => `${q(name)}.${q(c.name)}`).join(', ');
  }

  /** The target as the statement names it (its database and alias), for its own WHERE. */
  private statementTarget(): { from: string; name: string } {
    const t = this.shape!.target!;
    const db = typeof t.db === 'string' && t.db ? `${q(t.db)}.` : '';
    const as = typeof t.as === 'string' && t.as ? t.as : null;
    return {
      from: `${db}${q(this.table)}${as ? ` AS ${q(as)}` : ''}`,
      name: as ?? this.table,
    };
  }

  /** Counts and reads the matched rows; `lock` locks them for the write that follows. */
  async beforeWrite(conn: PoolConnection, lock = true): Promise<number | null> {
    if (!this.where || !this.shape?.target) return null;
    const { from, name } = this.statementTarget();
    try {
      if (this.meta && this.meta.primaryKey.length > 0) {
        const order = this.meta.primaryKey.map((k) => `${q(name)}.${q(k)}`).join(', ');
        const rows = await selectRows(
          conn,
          `SELECT ${this.selectList(name)} FROM ${from} WHERE ${this.where.text} ORDER BY ${order} LIMIT ${this.cap + 1}${lock ? ' FOR UPDATE' : ''}`,
          this.where.values,
        );
        if (rows.length > this.cap) this.overCap = true;
        else this.before = rows;
      }
      if (lock) return null;
      const [n] = await conn.execute({
        sql: `SELECT COUNT(*) FROM ${from} WHERE ${this.where.text}`,
        values: this.where.values as never,
        rowsAsArray: true,
      });
      return Number((n as unknown[][])[0]![0]);
    } catch (e) {
      if (!ACCESS_DENIED.has(String((e as { code?: string }).code))) throw e;
      this.reason ??= `the agent's own database user may not read every column of ${this.table}, which the images need`;
      this.denied = true;
      return null;
    }
  }

  /** Whether the preview's rows must be read outside the write's transaction. */
  needsOutsideRead(): boolean {
    return this.denied;
  }

  /**
   * With an agent user that may not read whole rows: the rows as they were, for the officer's
   * preview only, read on the connection's own account outside the write's transaction while
   * the write still holds its row locks. A plain read sees the last committed rows, which for
   * the locked rows are the rows before the write; they are kept only if they number exactly
   * the engine's count (and the WHERE reads nothing that can move meanwhile).
   */
  async beforeFromOutside(admin: PoolConnection, rowsAffected: number): Promise<void> {
    if (!this.denied || !this.meta || !this.where || this.meta.primaryKey.length === 0) return;
    if (this.shape?.kind === 'update' && unstable(this.shape.where)) return;
    if (rowsAffected > this.cap) {
      this.overCap = true;
      return;
    }
    const { from, name } = this.statementTarget();
    const order = this.meta.primaryKey.map((k) => `${q(name)}.${q(k)}`).join(', ');
    const rows = await selectRows(
      admin,
      `SELECT ${this.selectList(name)} FROM ${from} WHERE ${this.where.text} ORDER BY ${order} LIMIT ${this.cap + 1}`,
      this.where.values,
    );
    if (rows.length === rowsAffected) this.before = rows;
  }

  /** The capture of a dry run that was counted with a SELECT instead of run (not transactional). */
  counted(rowsAffected: number): Capture {
    return {
      rowsAffected,
      table: this.table,
      columns: this.meta?.columns.map((c) => c.name) ?? [],
      primaryKey: this.meta?.primaryKey ?? [],
      kind: this.shape?.kind ?? 'update',
      before: this.overCap ? null : this.before,
      after: null,
      notRevertable: this.reason,
      overCap: this.overCap || rowsAffected > this.cap,
    };
  }

  /**
   * The keys of the inserted rows: the values the statement gives the key columns (literals
   * or parameters: the insert succeeded, so they are new), or the AUTO_INCREMENT ids the server
   * handed out. Otherwise why they cannot be known.
   */
  private async insertedKeys(
    pk: string[],
    result: { insertId?: number | string },
    rowsAffected: number,
    autoIncMode: () => Promise<{ mode: number; step: number }>,
  ): Promise<unknown[][] | string> {
    const named = (this.shape?.insertColumns ?? []).map((n) => n.toLowerCase());
    const rows = this.shape?.insertValues ?? null;
    const at = pk.map((k) => named.indexOf(k.toLowerCase()));
    if (rows && at.every((i) => i >= 0) && rows.length === rowsAffected) {
      const keys = rows.map((row) =>
        at.map((i) => {
          const v = row[i];
          if (!v) return undefined;
          return 'param' in v ? this.params[v.param] : v.literal;
        }),
      );
      if (keys.every((k) => k.every((v) => v !== undefined && v !== null))) return keys;
    }
    const col = this.meta?.columns.find((c) => c.name === pk[0]);
    const first = Number(result.insertId ?? 0);
    if (pk.length !== 1 || !col?.autoIncrement || at[0]! >= 0 || first <= 0)
      return `the rows inserted into ${this.table} can be identified only by key values the statement gives as literals or parameters, or by a single AUTO_INCREMENT key it leaves to the server`;
    const { mode, step } = await autoIncMode();
    if (rowsAffected > 1 && mode === 2)
      return `with innodb_autoinc_lock_mode = 2 the keys of a multi-row insert into ${this.table} need not be consecutive`;
    return Array.from({ length: rowsAffected }, (_, i) => [first + i * step]);
  }

  /** Checks and completes the capture once the statement ran. */
  async afterWrite(
    conn: PoolConnection,
    result: { affectedRows?: number; insertId?: number | string },
    autoIncMode: () => Promise<{ mode: number; step: number }>,
  ): Promise<Capture> {
    const meta = this.meta;
    const rowsAffected = result.affectedRows ?? 0;
    const kind = this.shape?.kind ?? 'update';
    const capture: Capture = {
      rowsAffected,
      table: this.table,
      columns: meta?.columns.map((c) => c.name) ?? [],
      primaryKey: meta?.primaryKey ?? [],
      kind,
      before: this.before,
      after: null,
      notRevertable: this.reason,
      overCap: this.overCap || rowsAffected > this.cap,
    };
    if (capture.overCap) {
      capture.before = null;
      capture.notRevertable ??= overCapReason(this.table, this.cap);
      return capture;
    }
    if (!meta || meta.primaryKey.length === 0) return capture;
    const pk = meta.primaryKey;
    const byKey = `${pk.map((k) => `t.${q(k)} = ?`).join(' AND ')}`;
    const reread = async (key: unknown[]) =>
      selectRows(
        conn,
        `SELECT ${this.selectList()} FROM ${q(this.table)} AS t WHERE ${byKey}`,
        key.map(decodeImageValue),
      ).then((r) => r[0]);
    const pkIdx = pk.map((k) => capture.columns.indexOf(k));

    if (kind === 'insert') {
      if (capture.notRevertable !== null) return capture;
      const keys = await this.insertedKeys(pk, result, rowsAffected, autoIncMode);
      if (typeof keys === 'string') {
        capture.notRevertable = keys;
        return capture;
      }
      const after: unknown[][] = [];
      for (const key of keys) {
        const row = await reread(key);
        if (!row) {
          capture.notRevertable = `the rows inserted into ${this.table} could not be read back by key`;
          return capture;
        }
        after.push(row);
      }
      capture.after = after;
      return capture;
    }
    const mismatch = `the rows the write matched in ${this.table} could not be matched to the engine's count`;
    if (!beforeMatches(capture, mismatch)) return capture;
    const after: unknown[][] = [];
    for (const b of capture.before) {
      const row = await reread(pkIdx.map((i) => b[i]));
      if (kind === 'delete' ? row !== undefined : row === undefined) {
        capture.notRevertable = `the rows written to ${this.table} could not be matched to the rows read`;
        return capture;
      }
      if (row) after.push(row);
    }
    if (kind === 'update') capture.after = after;
    return capture;
  }
}
