import type { Database as Db } from 'better-sqlite3-multiple-ciphers';
import type { ConnectorTable, ForeignKey } from '../types';
import type { EngineSchema, RootPage } from './engine-truth';

interface SchemaRow {
  type: string;
  name: string;
  tbl_name: string;
  rootpage: number;
}
interface XInfo {
  cid: number;
  name: string;
  type: string;
  pk: number;
  hidden: number;
}

const userObjects = (db: Db) =>
  db
    .prepare(
      `SELECT type, name, tbl_name, rootpage FROM sqlite_schema
      WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
    )
    .all() as SchemaRow[];

function tableXInfo(db: Db, table: string): XInfo[] {
  return db
    .prepare('SELECT cid, name, type, pk, hidden FROM pragma_table_xinfo(?)')
    .all(table) as XInfo[];
}

/** Tables and their columns; views, virtual tables and SQLite's own tables are not exposed. */
export function introspectSqlite(db: Db): ConnectorTable[] {
  return userObjects(db)
    .filter((o) => o.type === 'table' && o.rootpage > 0)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((o) => {
      const cols = tableXInfo(db, o.name).filter((c) => c.hidden === 0);
      const pks = cols.filter((c) => c.pk > 0);
      const rowidAlias =
        pks.length === 1 && pks[0]!.type.toUpperCase() === 'INTEGER' ? pks[0]!.name : null;
      return {
        name: o.name,
        columns: cols.map((c) => ({ name: c.name, type: c.type.toLowerCase() || 'any' })),
        rowidAlias,
        primaryKey: pks.sort((a, b) => a.pk - b.pk).map((c) => c.name),
        foreignKeys: foreignKeys(db, o.name),
      };
    });
}

interface FkRow {
  id: number;
  table: string;
  from: string;
  to: string | null;
}

/** Declared foreign keys; a reference without columns means the parent's primary key. */
function foreignKeys(db: Db, table: string): ForeignKey[] {
  const rows = db
    .prepare('SELECT id, "table", "from", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq')
    .all(table) as FkRow[];
  const byId = new Map<number, ForeignKey>();
  for (const r of rows) {
    let fk = byId.get(r.id);
    if (!fk) byId.set(r.id, (fk = { columns: [], table: r.table, refColumns: [] }));
    fk.columns.push(r.from);
    if (r.to) fk.refColumns.push(r.to);
  }
  for (const fk of byId.values()) {
    if (fk.refColumns.length === 0) {
      const parentPk = tableXInfo(db, fk.table)
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk);
      fk.refColumns = parentPk.map((c) => c.name);
    }
  }
  return [...byId.values()];
}

/** Root pages, column order and foreign-key links, for the engine-truth check. */
export function loadEngineSchema(db: Db): EngineSchema {
  const roots = new Map<number, RootPage>();
  const columns = new Map<string, string[]>();
  const fkNeighbours = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    const k = a.toLowerCase();
    if (!fkNeighbours.has(k)) fkNeighbours.set(k, new Set());
    fkNeighbours.get(k)!.add(b.toLowerCase());
  };
  const objects = userObjects(db);
  const withoutRowid = new Set(
    (
      db.prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND wr = 1").all() as {
        name: string;
      }[]
    ).map((r) => r.name),
  );
  for (const o of objects.filter((x) => x.type === 'table' && x.rootpage > 0)) {
    const info = tableXInfo(db, o.name);
    // Tables with generated or hidden columns, and WITHOUT ROWID tables (primary key stored
    // first), have a record layout the guard does not map: reads of them are refused.
    if (info.every((c) => c.hidden === 0) && !withoutRowid.has(o.name))
      columns.set(
        o.name,
        info.map((c) => c.name),
      );
    roots.set(o.rootpage, { table: o.name, indexColumns: null });
    for (const fk of db
      .prepare('SELECT "table" AS parent FROM pragma_foreign_key_list(?)')
      .all(o.name) as { parent: string }[]) {
      link(o.name, fk.parent);
      link(fk.parent, o.name);
    }
  }
  for (const o of objects.filter((x) => x.type === 'index' && x.rootpage > 0)) {
    const cols = db
      .prepare('SELECT cid, name FROM pragma_index_xinfo(?) ORDER BY seqno')
      .all(o.name) as { cid: number; name: string | null }[];
    roots.set(o.rootpage, {
      table: o.tbl_name,
      indexColumns: cols.map((c) => (c.cid < 0 ? null : c.name)),
    });
  }
  // Automatic indexes of UNIQUE / PRIMARY KEY constraints are named sqlite_autoindex_*.
  const auto = db
    .prepare(
      `SELECT name, tbl_name, rootpage FROM sqlite_schema WHERE type = 'index' AND name LIKE 'sqlite\\_autoindex\\_%' ESCAPE '\\'`,
    )
    .all() as SchemaRow[];
  for (const o of auto) {
    const cols = db
      .prepare('SELECT cid, name FROM pragma_index_xinfo(?) ORDER BY seqno')
      .all(o.name) as { cid: number; name: string | null }[];
    roots.set(o.rootpage, {
      table: o.tbl_name,
      indexColumns: cols.map((c) => (c.cid < 0 ? null : c.name)),
    });
  }
  return { roots, columns, fkNeighbours };
}
