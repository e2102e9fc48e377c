/**
 * Before/after images and revert on SQLite, inside the runner. The written rows are captured by
 * the engine itself: temporary triggers on the written table (TEMP: on this handle only, in the
 * write's own transaction, dropped before it ends) copy OLD and NEW of every row the statement
 * touches into a temporary table. So the images are exactly the rows written, whatever the
 * statement's WHERE, and recursive triggers are on meanwhile so that REPLACE's implicit deletes
 * are seen too (a write that mixes kinds cannot be reverted).
 */
import type { Database as Db } from 'better-sqlite3-multiple-ciphers';
import type { Analysis } from '../../guard/analyzer';
import type { WriteImages } from '../types';
import {
  type Capture,
  checkImages,
  decodeImageValue,
  encodeImageValue,
  overCapReason,
  revertConflict,
  rowKey,
  sameRow,
  tableAsWritten,
  tableReason,
  writtenTable,
} from '../write-images';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const CAPTURE = 'airlock_capture';

interface Column {
  name: string;
  pk: number;
  hidden: number;
}

function columnsOf(db: Db, table: string): Column[] {
  return db
    .prepare("SELECT name, pk, hidden FROM pragma_table_xinfo(?, 'main')")
    .all(table) as Column[];
}

/** SQLite values as image values: integers always as `{ $int }`, so they stay integers. */
const encode = (v: unknown) =>
  typeof v === 'bigint' ? { $int: v.toString() } : encodeImageValue(v);

/** Tables whose foreign keys change rows when rows of `table` are deleted or updated. */
function cascades(db: Db, table: string, on: 'on_delete' | 'on_update'): string[] {
  const rows = db
    .prepare(
      `SELECT DISTINCT m.name AS name FROM main.sqlite_schema m, pragma_foreign_key_list(m.name) f
       WHERE m.type = 'table' AND f."table" = ? COLLATE NOCASE AND f.${on} NOT IN ('NO ACTION', 'RESTRICT')`,
    )
    .all(table) as { name: string }[];
  return rows.map((r) => r.name);
}

const KINDS = { insert: 'insert', update: 'update', delete: 'delete', replace: 'insert' } as const;

/** A capture on one write: install() before the statement runs, collect() after, in its transaction. */
export class SqliteCapture {
  private readonly table: string | null;
  private readonly columns: Column[] = [];
  private readonly kind: WriteImages['kind'];
  private reason: string | null = null;
  private installed = false;
  private recursive = 0;

  constructor(
    private readonly db: Db,
    analysis: Analysis,
    private readonly cap: number,
  ) {
    this.table = writtenTable(analysis);
    this.kind = analysis.kind === 'select' ? 'update' : KINDS[analysis.kind];
    if (this.table === null) {
      this.reason = 'the write does not name exactly one table';
      return;
    }
    const def = db
      .prepare(
        "SELECT sql FROM main.sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE",
      )
      .pluck()
      .get(this.table) as string | undefined;
    if (def === undefined || /^\s*CREATE\s+VIRTUAL\b/i.test(def)) {
      this.reason = `table ${this.table} is a virtual table (or not a table), whose written rows cannot be captured`;
      return;
    }
    this.columns = columnsOf(db, this.table);
    const pk = this.primaryKey();
    this.reason = tableReason(
      this.table,
      pk,
      cascades(db, this.table, this.kind === 'update' ? 'on_update' : 'on_delete'),
      this.kind,
    );
  }

  private primaryKey(): string[] {
    return this.columns
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
  }

  /** Creates the capture table and triggers (inside the write's transaction). */
  install(): void {
    if (this.table === null || this.columns.length === 0) return;
    this.recursive = this.db.pragma('recursive_triggers', { simple: true }) as number;
    this.installed = true;
    try {
      this.createCapture(this.table);
    } catch {
      // The engine would not take the capture (a failed CREATE leaves the transaction open).
      this.abandon();
      this.reason = `the rows written to ${this.table} could not be captured`;
    }
  }

  private createCapture(table: string): void {
    const n = this.columns.length;
    const vs = Array.from({ length: n }, (_, i) => `v${i}`);
    this.db.exec(
      `CREATE TEMP TABLE ${CAPTURE} (seq INTEGER PRIMARY KEY, op TEXT NOT NULL, side TEXT NOT NULL, ${vs.join(', ')})`,
    );
    // Two rows per updated row; one more row than the cap is enough to know it is over.
    const limit = 2 * (this.cap + 1);
    const when = `WHEN coalesce((SELECT max(seq) FROM temp.${CAPTURE}), 0) < ${limit}`;
    const into = `INSERT INTO temp.${CAPTURE} (op, side, ${vs.join(', ')}) VALUES`;
    const of = (side: 'old' | 'new') => this.columns.map((c) => `${side}.${q(c.name)}`).join(', ');
    const t = q(table);
    this.db.exec(
      `CREATE TEMP TRIGGER ${CAPTURE}_u AFTER UPDATE ON ${t} ${when} BEGIN ` +
        `${into} ('u', 'b', ${of('old')}); ${into} ('u', 'a', ${of('new')}); END`,
    );
    this.db.exec(
      `CREATE TEMP TRIGGER ${CAPTURE}_d AFTER DELETE ON ${t} ${when} BEGIN ${into} ('d', 'b', ${of('old')}); END`,
    );
    this.db.exec(
      `CREATE TEMP TRIGGER ${CAPTURE}_i AFTER INSERT ON ${t} ${when} BEGIN ${into} ('i', 'a', ${of('new')}); END`,
    );
    this.db.pragma('recursive_triggers = ON');
  }

  /** Reads what the triggers kept and removes them; `rowsAffected` is the engine's count. */
  collect(rowsAffected: number): Capture {
    const pk = this.primaryKey();
    const capture: Capture = {
      rowsAffected,
      table: this.table ?? '',
      columns: this.columns.map((c) => c.name),
      primaryKey: pk,
      kind: this.kind,
      before: null,
      after: null,
      notRevertable: this.reason,
      overCap: rowsAffected > this.cap,
    };
    if (!this.installed) return capture;
    const rows = this.db
      .prepare(`SELECT * FROM temp.${CAPTURE} ORDER BY seq`)
      .raw(true)
      .safeIntegers(true)
      .all() as unknown[][];
    this.db.pragma(`recursive_triggers = ${this.recursive ? 'ON' : 'OFF'}`);
    for (const x of ['u', 'd', 'i']) this.db.exec(`DROP TRIGGER temp.${CAPTURE}_${x}`);
    this.db.exec(`DROP TABLE temp.${CAPTURE}`);
    this.installed = false;

    const ops = new Set(rows.map((r) => r[1]));
    const op = { update: 'u', delete: 'd', insert: 'i' }[this.kind];
    const before = rows.filter((r) => r[2] === 'b').map((r) => r.slice(3).map(encode));
    const after = rows.filter((r) => r[2] === 'a').map((r) => r.slice(3).map(encode));
    if (!capture.overCap) {
      capture.before = before;
      capture.after = after;
    }
    if (capture.notRevertable !== null) return capture;
    const pkIdx = pk.map((k) => capture.columns.indexOf(k));
    const counted = this.kind === 'insert' ? after.length : before.length;
    if (capture.overCap) capture.notRevertable = overCapReason(capture.table, this.cap);
    else if (ops.size > 1 || (ops.size === 1 && !ops.has(op)))
      capture.notRevertable = `the write changed rows of ${capture.table} in more than one way (a REPLACE or an upsert), which revert cannot undo exactly`;
    else if (counted !== rowsAffected)
      capture.notRevertable = `the rows written to ${capture.table} could not be matched to the engine's count`;
    else if (
      this.kind === 'update' &&
      before.some((b, i) => rowKey(b, pkIdx) !== rowKey(after[i]!, pkIdx))
    )
      capture.notRevertable = `the write changed primary-key values of ${capture.table}, so revert cannot find the rows by key`;
    return capture;
  }

  /** Removes the capture if the write failed before collect(). */
  abandon(): void {
    if (!this.installed) return;
    this.installed = false;
    try {
      this.db.pragma(`recursive_triggers = ${this.recursive ? 'ON' : 'OFF'}`);
      for (const x of ['u', 'd', 'i']) this.db.exec(`DROP TRIGGER IF EXISTS temp.${CAPTURE}_${x}`);
      this.db.exec(`DROP TABLE IF EXISTS temp.${CAPTURE}`);
    } catch {
      // The rollback removes them too.
    }
  }
}

/**
 * Undoes a write from its images in one transaction: every row must still be as the write left
 * it (REVERT_CONFLICT otherwise, nothing restored); then the rows are put back.
 */
export function revertSqlite(db: Db, images: WriteImages): { rowCount: number } {
  checkImages(images);
  const { table, columns, primaryKey } = images;
  const current = columnsOf(db, table);
  tableAsWritten(images, {
    columns: current,
    primaryKey: current
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name),
  });
  const t = q(table);
  const byKey = primaryKey.map((k) => `${q(k)} = ?`).join(' AND ');
  const pkIdx = primaryKey.map((k) => columns.indexOf(k));
  const keyArgs = (row: unknown[]) => pkIdx.map((i) => decodeImageValue(row[i]));
  const writable = current.filter((c) => c.hidden === 0).map((c) => columns.indexOf(c.name));
  const reread = db
    .prepare(`SELECT ${columns.map(q).join(', ')} FROM ${t} WHERE ${byKey}`)
    .raw(true)
    .safeIntegers(true);

  return db
    .transaction(() => {
      const expected = images.kind === 'delete' ? images.before : images.after;
      let changed = 0;
      for (const row of expected) {
        const now = reread.get(...keyArgs(row)) as unknown[] | undefined;
        if (images.kind === 'delete' ? now !== undefined : !now || !sameRow(now.map(encode), row))
          changed += 1;
      }
      if (changed > 0) throw revertConflict(table, changed, expected.length);

      let rowCount = 0;
      if (images.kind === 'insert') {
        const del = db.prepare(`DELETE FROM ${t} WHERE ${byKey}`);
        for (const row of images.after) rowCount += del.run(...keyArgs(row)).changes;
      } else if (images.kind === 'delete') {
        const ins = db.prepare(
          `INSERT INTO ${t} (${writable.map((i) => q(columns[i]!)).join(', ')}) VALUES (${writable.map(() => '?').join(', ')})`,
        );
        for (const row of images.before)
          rowCount += ins.run(...writable.map((i) => decodeImageValue(row[i]))).changes;
      } else {
        const set = writable.filter((i) => !pkIdx.includes(i));
        if (set.length > 0) {
          const upd = db.prepare(
            `UPDATE ${t} SET ${set.map((i) => `${q(columns[i]!)} = ?`).join(', ')} WHERE ${byKey}`,
          );
          for (const row of images.before)
            rowCount += upd.run(
              ...set.map((i) => decodeImageValue(row[i])),
              ...keyArgs(row),
            ).changes;
        }
      }
      return { rowCount };
    })
    .immediate();
}
