/**
 * Before/after images, dry runs and revert on MySQL/MariaDB, in the write's own transaction:
 *
 * - UPDATE/DELETE on one table: before the write, the rows the statement's WHERE matches are
 *   read and locked (`SELECT … FOR UPDATE`) with the statement's own WHERE (rebuilt from the
 *   parse tree and used only if it parses back to the same tree) and its parameters. After
 *   the write, the engine's count of matched rows must equal the rows read (they are locked,
 *   so the write cannot have missed one), and the rows are read again by key: those are the
 *   after-images (update), or they must be gone (delete).
 * - INSERT: a single-column AUTO_INCREMENT key not named by the statement: the rows are the
 *   ids the server handed out (consecutive for one statement unless the lock mode is 2).
 *
 * The table's shape is read on the connection's own account. A table that is not InnoDB
 * cannot roll back: a dry run never executes on it (the preview is counted with a SELECT of
 * the same WHERE), and a real write on it is not revertable.
 */
import type { PoolConnection } from 'mysql2/promise';
import nodeSqlParser from 'node-sql-parser';
import { AirlockError } from '../../../shared/errors';
import type { Analysis } from '../../guard/analyzer';
import { parseStatement } from '../../guard/parse';
import { QUOTE_IN_NAME } from '../../guard/parser-form';
import type { WriteImages } from '../types';
import {
  type Capture,
  checkImages,
  decodeImageValue,
  encodeImageValue,
  overCapReason,
  revertConflict,
  sameRow,
  tableReason,
  writesKey,
  writtenTable,
} from '../write-images';

const parser = new nodeSqlParser.Parser();
const q = (name: string) => `\`${name.replace(/`/g, '``')}\``;
type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface MysqlTableMeta {
  engine: string;
  columns: { name: string; generated: boolean; autoIncrement: boolean }[];
  primaryKey: string[];
  /** Tables whose foreign keys change rows when rows here are deleted / updated. */
  cascadesOnDelete: string[];
  cascadesOnUpdate: string[];
}

/** The table's shape, read on the connection's own account (`conn`). */
export async function mysqlTableMeta(
  conn: PoolConnection,
  table: string,
): Promise<MysqlTableMeta | null> {
  const [t] = await conn.execute(
    'SELECT ENGINE AS e FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND TABLE_TYPE = ?',
    [table, 'BASE TABLE'],
  );
  const tables = t as { e: string | null }[];
  if (tables.length !== 1) return null;
  const [cols] = await conn.execute(
    'SELECT COLUMN_NAME AS n, EXTRA AS x FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [table],
  );
  const [pk] = await conn.execute(
    "SELECT COLUMN_NAME AS n FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
    [table],
  );
  const [fks] = await conn.execute(
    'SELECT TABLE_NAME AS t, DELETE_RULE AS d, UPDATE_RULE AS u FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE UNIQUE_CONSTRAINT_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME = ?',
    [table],
  );
  const acts = (rule: string) => !['RESTRICT', 'NO ACTION'].includes(rule.toUpperCase());
  const refs = fks as { t: string; d: string; u: string }[];
  return {
    engine: String(tables[0]!.e ?? ''),
    columns: (cols as { n: string; x: string | null }[]).map((c) => ({
      name: c.n,
      generated: /GENERATED/i.test(c.x ?? ''),
      autoIncrement: /auto_increment/i.test(c.x ?? ''),
    })),
    primaryKey: (pk as { n: string }[]).map((r) => r.n),
    cascadesOnDelete: [...new Set(refs.filter((r) => acts(r.d)).map((r) => r.t))],
    cascadesOnUpdate: [...new Set(refs.filter((r) => acts(r.u)).map((r) => r.t))],
  };
}

export const transactional = (meta: MysqlTableMeta): boolean =>
  meta.engine.toLowerCase() === 'innodb';

/** Every `?` placeholder in a subtree. */
function placeholders(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + placeholders(x), 0);
  if (!isNode(v)) return 0;
  if (v.type === 'origin' && v.value === '?') return 1;
  return Object.values(v).reduce((n: number, x) => n + placeholders(x), 0);
}

/** Functions whose value changes between two statements of one transaction. */
const VOLATILE = new Set([
  'RAND',
  'UUID',
  'UUID_SHORT',
  'SYS_GUID',
  'RANDOM_BYTES',
  'NOW',
  'SYSDATE',
  'CURRENT_TIMESTAMP',
  'LOCALTIME',
  'LOCALTIMESTAMP',
  'CURDATE',
  'CURRENT_DATE',
  'CURTIME',
  'CURRENT_TIME',
  'UTC_DATE',
  'UTC_TIME',
  'UTC_TIMESTAMP',
  'UNIX_TIMESTAMP',
  'LAST_INSERT_ID',
  'CONNECTION_ID',
  'FOUND_ROWS',
  'ROW_COUNT',
  'NEXTVAL',
  'LASTVAL',
  'SETVAL',
  'SLEEP',
  'BENCHMARK',
]);

/**
 * Whether a WHERE may match other rows when run again in the same transaction: a subquery (it
 * reads other tables without the locks the write takes) or a volatile function. An update of
 * such a WHERE cannot be tied to the rows read before it.
 */
function unstable(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(unstable);
  if (!isNode(v)) return false;
  if (v.type === 'select' || 'ast' in v) return true;
  if (v.type === 'function') {
    const name = isNode(v.name) && Array.isArray(v.name.name) ? v.name.name : [v.name];
    if (name.some((n) => VOLATILE.has(String(isNode(n) ? n.value : n).toUpperCase()))) return true;
  }
  return Object.values(v).some(unstable);
}

/** The statement's one target (`{ db, table, as }`) and WHERE, when it is a plain one-table write. */
interface Shape {
  kind: WriteImages['kind'];
  target: Node | null;
  where: unknown;
  /** Why the rows cannot be read back by the WHERE (joins, ORDER BY/LIMIT), or null. */
  whereProblem: string | null;
  /** INSERT: the columns it names (null: all). */
  insertColumns: string[] | null;
  upsert: boolean;
  placeholders: number;
  /**
   * INSERT … VALUES: per row, each value as a literal or the index of its parameter; null where
   * a value is an expression (or the insert is not a VALUES list).
   */
  insertValues: ({ literal: unknown } | { param: number } | null)[][] | null;
}

function insertValues(ast: Node): Shape['insertValues'] {
  const v = ast.values;
  if (!isNode(v) || v.type !== 'values' || !Array.isArray(v.values)) return null;
  let param = 0;
  return (v.values as unknown[]).map((row) => {
    const items = isNode(row) && Array.isArray(row.value) ? (row.value as unknown[]) : [];
    return items.map((x) => {
      if (isNode(x) && x.type === 'origin' && x.value === '?') return { param: param++ };
      const n = placeholders(x);
      param += n;
      if (
        n === 0 &&
        isNode(x) &&
        ['number', 'single_quote_string', 'string'].includes(String(x.type))
      )
        return { literal: x.value };
      return null;
    });
  });
}

function shapeOf(sql: string): Shape {
  const ast = parseStatement(sql, 'mysql');
  const type = String(ast.type);
  const kind: WriteImages['kind'] =
    type === 'delete' ? 'delete' : type === 'update' ? 'update' : 'insert';
  const tables = Array.isArray(ast.table) ? (ast.table as unknown[]) : [];
  const from = Array.isArray(ast.from) ? (ast.from as unknown[]) : [];
  const one =
    tables.length === 1 &&
    isNode(tables[0]) &&
    !tables[0].join &&
    from.every((f) => isNode(f) && !f.join);
  const target = one ? (tables[0] as Node) : null;
  let whereProblem: string | null = null;
  if (!one || (kind === 'delete' && from.length !== 1))
    whereProblem = 'the write names more than one table';
  else if (ast.orderby || ast.limit) whereProblem = 'the write has ORDER BY or LIMIT';
  else if (ast.with) whereProblem = 'the write has a WITH clause';
  return {
    kind,
    target,
    where: ast.where ?? null,
    whereProblem,
    insertColumns: Array.isArray(ast.columns) ? (ast.columns as unknown[]).map(String) : null,
    upsert: Boolean(ast.on_duplicate_update) || type === 'replace',
    placeholders: placeholders(ast),
    insertValues: kind === 'insert' ? insertValues(ast) : null,
  };
}

/** The tree with quoted names as plain ones (sqlify quotes every name it writes). */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (!isNode(v)) return v;
  if (v.type === 'backticks_quote_string' && typeof v.value === 'string') return v.value;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

const SELECT_BASE = {
  with: null,
  type: 'select',
  options: null,
  distinct: null,
  columns: [{ expr: { type: 'column_ref', table: null, column: '*' }, as: null }],
  into: { position: null },
  groupby: null,
  having: null,
  orderby: null,
  collate: null,
  limit: null,
  locking_read: null,
  window: null,
};

/** The WHERE as SQL text (parsed back to the same tree), with the parameters it takes. */
function whereSql(shape: Shape, params: unknown[]): { text: string; values: unknown[] } | null {
  if (shape.where === null) return { text: 'TRUE', values: [] };
  const from = [{ db: null, table: 'airlock_t', as: null }];
  let text: string;
  try {
    const full = parser.sqlify({ ...SELECT_BASE, from, where: shape.where } as never, {
      database: 'mariadb',
    });
    const prefix = 'SELECT * FROM `airlock_t` WHERE ';
    if (!full.startsWith(prefix)) return null;
    text = full.slice(prefix.length);
    // A name the guard had to mark up for the parser (a quote inside it) is not sent back.
    if (text.includes(QUOTE_IN_NAME)) return null;
    const back = parseStatement(`SELECT * FROM airlock_t WHERE ${text}`, 'mysql');
    if (JSON.stringify(plain(back.where)) !== JSON.stringify(plain(shape.where))) return null;
  } catch {
    return null;
  }
  // The WHERE's placeholders are the statement's last ones (nothing with a ? follows it).
  const k = placeholders(shape.where);
  if (shape.placeholders !== params.length) return null;
  return { text, values: params.slice(params.length - k) };
}

async function selectRows(
  conn: PoolConnection,
  sql: string,
  values: unknown[],
): Promise<unknown[][]> {
  const [rows] = await conn.execute({ sql, values: values as never, rowsAsArray: true });
  return (rows as unknown[][]).map((r) => r.map(encodeImageValue));
}

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
    if (!this.table) {
      this.reason = 'the write does not name exactly one table';
      return true;
    }
    this.shape = shapeOf(this.sql);
    this.meta = await mysqlTableMeta(admin, this.table);
    if (!this.meta) {
      this.reason = `table ${this.table} could not be found`;
      return true;
    }
    const kind = this.shape.kind;
    this.reason = tableReason(
      this.table,
      this.meta.primaryKey,
      kind === 'update' ? this.meta.cascadesOnUpdate : this.meta.cascadesOnDelete,
      kind,
    );
    if (!transactional(this.meta)) {
      this.reason = `table ${this.table} uses ${this.meta.engine || 'an engine'} storage, which is not transactional, so a write to it cannot be undone in one transaction`;
      return false;
    }
    if (kind === 'update' && writesKey(this.analysis, this.table, this.meta.primaryKey))
      this.reason ??= `the write changes primary-key values of ${this.table}, so revert cannot find the rows by key`;
    if (kind === 'insert' && this.shape.upsert)
      this.reason ??= `the write may replace or update existing rows of ${this.table} (REPLACE, ON DUPLICATE KEY UPDATE), which revert cannot tell apart`;
    if (kind === 'update' && unstable(this.shape.where))
      this.reason ??= `the WHERE of the write reads other tables or volatile values, so the rows it updates in ${this.table} cannot be tied to the rows read before it`;
    if (kind !== 'insert') {
      if (this.shape.whereProblem) {
        this.reason ??= `${this.shape.whereProblem}, so its rows are not read back for ${this.table}`;
      } else {
        this.where = whereSql(this.shape, this.params);
        if (!this.where)
          this.reason ??= `the rows the write matches in ${this.table} could not be read back exactly`;
      }
    }
    return true;
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
    if (!this.meta || !this.where || this.meta.primaryKey.length === 0) return null;
    try {
      const { from, name } = this.statementTarget();
      const order = this.meta.primaryKey.map((k) => `${q(name)}.${q(k)}`).join(', ');
      const rows = await selectRows(
        conn,
        `SELECT ${this.selectList(name)} FROM ${from} WHERE ${this.where.text} ORDER BY ${order} LIMIT ${this.cap + 1}${lock ? ' FOR UPDATE' : ''}`,
        this.where.values,
      );
      if (rows.length > this.cap) this.overCap = true;
      else this.before = rows;
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
    if (this.before === null) return capture;
    if (this.before.length !== rowsAffected) {
      capture.before = null;
      capture.notRevertable ??= `the rows the write matched in ${this.table} could not be matched to the engine's count`;
      return capture;
    }
    if (capture.notRevertable !== null) return capture;
    const after: unknown[][] = [];
    for (const b of this.before) {
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

/**
 * Undoes a write from its images in the caller's transaction on `conn` (the connection's own
 * account): REVERT_CONFLICT, nothing restored, when any row is no longer as the write left it.
 */
export async function revertMysql(
  conn: PoolConnection,
  images: WriteImages,
): Promise<{ rowCount: number }> {
  checkImages(images);
  const { table, columns, primaryKey } = images;
  const meta = await mysqlTableMeta(conn, table);
  if (
    !meta ||
    meta.columns.map((c) => c.name).join('\u0000') !== columns.join('\u0000') ||
    meta.primaryKey.join('\u0000') !== primaryKey.join('\u0000')
  ) {
    throw new AirlockError(
      'REVERT_CONFLICT',
      `table ${table} is not as it was when written (its columns or key changed), so revert cannot restore its rows; nothing was restored`,
      { table },
    );
  }
  if (!transactional(meta)) {
    throw new AirlockError(
      'STATEMENT_NOT_ALLOWED',
      `table ${table} is not transactional, so revert cannot restore it in one transaction`,
      { table },
    );
  }
  const t = q(table);
  const pkIdx = primaryKey.map((k) => columns.indexOf(k));
  const byKey = primaryKey.map((k) => `${q(k)} = ?`).join(' AND ');
  const keyOf = (row: unknown[]) => pkIdx.map((i) => decodeImageValue(row[i]));
  const expected = images.kind === 'delete' ? images.before : images.after;
  let changed = 0;
  for (const row of expected) {
    const now = await selectRows(
      conn,
      `SELECT ${columns.map(q).join(', ')} FROM ${t} WHERE ${byKey} FOR UPDATE`,
      keyOf(row),
    );
    const cur = now[0];
    if (images.kind === 'delete' ? cur !== undefined : !cur || !sameRow(cur, row)) changed += 1;
  }
  if (changed > 0) throw revertConflict(table, changed, expected.length);

  const writable = meta.columns.flatMap((c, i) => (c.generated ? [] : [i]));
  let rowCount = 0;
  const run = async (sql: string, values: unknown[]) => {
    const [r] = await conn.execute({ sql, values: values as never });
    rowCount += (r as { affectedRows?: number }).affectedRows ?? 0;
  };
  if (images.kind === 'insert') {
    for (const row of images.after) await run(`DELETE FROM ${t} WHERE ${byKey}`, keyOf(row));
  } else if (images.kind === 'delete') {
    const sql = `INSERT INTO ${t} (${writable.map((i) => q(columns[i]!)).join(', ')}) VALUES (${writable.map(() => '?').join(', ')})`;
    for (const row of images.before)
      await run(
        sql,
        writable.map((i) => decodeImageValue(row[i])),
      );
  } else {
    const set = writable.filter((i) => !pkIdx.includes(i));
    if (set.length > 0) {
      const sql = `UPDATE ${t} SET ${set.map((i) => `${q(columns[i]!)} = ?`).join(', ')} WHERE ${byKey}`;
      for (const row of images.before)
        await run(sql, [...set.map((i) => decodeImageValue(row[i])), ...keyOf(row)]);
    }
  }
  // Rows equal to their before-image already count as not changed (affected rows): the
  // restore counts the rows it put back, changed or not.
  return { rowCount: images.kind === 'update' ? images.before.length : rowCount };
}
