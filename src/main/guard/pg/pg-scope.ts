/**
 * Name resolution for PostgreSQL by identity, modelled on the server's own parse analysis
 * (parse_relation.c): each query level holds namespace items — a base table, a derived table,
 * a join — that expose their columns BY POSITION under the names the statement gives them
 * (alias column lists rename by position; the rest keep their names). A column reference
 * resolves the way the server resolves it, innermost level first, and records the base-table
 * columns behind it: never a name that merely looks like one.
 */
import type { Dialect } from '../dialect';
import { invalid, notAllowed, unknownName } from '../ast';
import type { SchemaIndex, TableMeta } from '../schema-index';

/** A base-table column an output column is made of. */
export interface ColumnId {
  table: TableMeta;
  column: string;
}

export interface ItemColumn {
  name: string;
  /** Base-table columns read when this column is used; empty for derived columns (their bodies' reads are recorded). */
  reads: ColumnId[];
}

/** One entry of a query level's namespace (PostgreSQL's ParseNamespaceItem). */
export interface NsItem {
  /** the name that qualifies its columns (alias, or table name); null for an unaliased join */
  refname: string | null;
  /** schema of a base table referenced without an alias (for `schema.table.column`) */
  schema: string | null;
  columns: ItemColumn[];
  /** reachable as `refname.column` */
  relVisible: boolean;
  /** its columns reachable unqualified */
  colsVisible: boolean;
}

export interface Level {
  items: NsItem[];
  parent: Level | null;
  /** CTE name → its columns, for this level's WITH */
  ctes: Map<string, CteDef>;
}

export interface CteDef {
  columns: string[];
}

export const newLevel = (parent: Level | null, items: NsItem[] = []): Level => ({
  items,
  parent,
  ctes: new Map(),
});

interface AccessEntry {
  table: string;
  read: Set<string>;
  write: Set<string>;
  wholeRowWrite: boolean;
}

/** Exact (case-sensitive) `schema.table` → table, per schema snapshot. */
const exactIndex = new WeakMap<SchemaIndex, Map<string, TableMeta>>();

function exactTables(schema: SchemaIndex): Map<string, TableMeta> {
  let m = exactIndex.get(schema);
  if (!m) {
    m = new Map([...schema.tables.values()].map((t) => [t.name, t]));
    exactIndex.set(schema, m);
  }
  return m;
}

export abstract class PgScope {
  protected readonly access = new Map<string, AccessEntry>();
  protected readonly functions = new Set<string>();
  protected readonly visited = new WeakSet<object>();
  protected readonly dialect: Dialect = 'postgres';

  constructor(protected readonly schema: SchemaIndex) {}

  // ── recording ────────────────────────────────────────────────────────────
  protected entry(table: TableMeta): AccessEntry {
    let e = this.access.get(table.name);
    if (!e)
      this.access.set(
        table.name,
        (e = { table: table.name, read: new Set(), write: new Set(), wholeRowWrite: false }),
      );
    return e;
  }

  protected recordReads(reads: ColumnId[]) {
    for (const r of reads) this.entry(r.table).read.add(r.column);
  }

  // ── tables ───────────────────────────────────────────────────────────────
  /** A relation named in FROM or as a write target, resolved as the server's search_path (pg_catalog, public) would. */
  protected table(schemaName: string | null, relname: string, catalog: string | null): TableMeta {
    if (catalog !== null)
      throw notAllowed(`database-qualified names are not allowed (${catalog}.…)`);
    const shown = schemaName ? `${schemaName}.${relname}` : relname;
    if (schemaName === null && relname.startsWith('pg_')) {
      // pg_catalog comes first on the search path: the name may be a system catalog's.
      throw unknownName(`unknown table '${shown}', or not one this connection exposes`, {
        table: shown,
      });
    }
    const key = schemaName
      ? `${schemaName}.${relname}`
      : `${this.schema.defaultSchema ?? 'public'}.${relname}`;
    const meta = exactTables(this.schema).get(key);
    if (!meta)
      throw unknownName(`unknown table '${shown}', or not one this connection exposes`, {
        table: shown,
      });
    return meta;
  }

  /** The columns a base table exposes under an alias column list: renamed by position, the rest keep their names. */
  protected baseColumns(meta: TableMeta, aliasCols: string[]): ItemColumn[] {
    if (aliasCols.length > meta.columns.length) {
      throw invalid(
        `table ${meta.name} has ${meta.columns.length} columns available but ${aliasCols.length} columns specified`,
      );
    }
    // Duplicate names are allowed, as in the server: using one is then ambiguous (resolveColumn).
    return meta.columns.map((c, i) => ({
      name: aliasCols[i] ?? c,
      reads: [{ table: meta, column: c }],
    }));
  }

  protected findCte(level: Level | null, name: string): CteDef | null {
    for (let l = level; l; l = l.parent) {
      const c = l.ctes.get(name);
      if (c) return c;
    }
    return null;
  }

  // ── columns ──────────────────────────────────────────────────────────────
  /** `[schema.]rel.col` or `col`: records the base columns behind it. */
  protected resolveColumn(fields: string[], level: Level): void {
    const column = fields[fields.length - 1]!;
    const shown = fields.join('.');
    if (fields.length === 1) {
      for (let l: Level | null = level; l; l = l.parent) {
        const hits: ItemColumn[] = [];
        for (const item of l.items)
          if (item.colsVisible) for (const c of item.columns) if (c.name === column) hits.push(c);
        if (hits.length > 1)
          throw invalid(`column reference '${column}' is ambiguous: qualify it with a table alias`);
        if (hits[0]) return this.recordReads(hits[0].reads);
      }
      // The server would read `t` as the whole row of a table named t: every column, in one value.
      if (this.findItem(column, null, level)) {
        throw unknownName(
          `'${column}' names a whole row, which the guard does not allow: name the columns you need`,
          { column },
        );
      }
      throw unknownName(`unknown column '${column}', or not one this connection exposes`, {
        column,
      });
    }
    if (fields.length > 3)
      throw notAllowed('database-qualified column references are not supported; use a table alias');
    const rel = fields[fields.length - 2]!;
    const schemaName = fields.length === 3 ? fields[0]! : null;
    const item = this.findItem(rel, schemaName, level);
    if (!item) {
      throw unknownName(`unknown table or alias '${fields.slice(0, -1).join('.')}' in ${shown}`, {
        column: shown,
      });
    }
    const hits = item.columns.filter((c) => c.name === column);
    if (hits.length > 1) throw invalid(`column reference '${shown}' is ambiguous`);
    if (!hits[0])
      throw unknownName(`unknown column '${shown}', or not one this connection exposes`, {
        column: shown,
      });
    this.recordReads(hits[0].reads);
  }

  /** The item a qualifier names, innermost level first (the server's refnameNamespaceItem). */
  protected findItem(rel: string, schemaName: string | null, level: Level): NsItem | null {
    for (let l: Level | null = level; l; l = l.parent) {
      const hits = l.items.filter(
        (i) =>
          i.relVisible && i.refname === rel && (schemaName === null || i.schema === schemaName),
      );
      if (hits.length > 1) throw invalid(`table reference '${rel}' is ambiguous`);
      if (hits[0]) return hits[0];
    }
    return null;
  }

  /** `*` or `rel.*`: every column of the visible items, all recorded as read. Returns the output names. */
  protected expandStar(qualifier: string[] | null, level: Level): string[] {
    let items: NsItem[];
    if (qualifier === null) {
      items = level.items.filter((i) => i.colsVisible);
      if (items.length === 0) throw invalid('SELECT * needs a FROM clause');
    } else {
      if (qualifier.length > 2)
        throw notAllowed(
          'database-qualified column references are not supported; use a table alias',
        );
      const item = this.findItem(
        qualifier[qualifier.length - 1]!,
        qualifier.length === 2 ? qualifier[0]! : null,
        level,
      );
      if (!item)
        throw unknownName(
          `unknown table or alias '${qualifier.join('.')}' in ${qualifier.join('.')}.*`,
        );
      items = [item];
    }
    const out: string[] = [];
    for (const item of items) {
      for (const c of item.columns) {
        this.recordReads(c.reads);
        out.push(c.name);
      }
    }
    return out;
  }
}
