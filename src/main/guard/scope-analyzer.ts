/**
 * The base of the guard's AST walk: what the statement touches (tables, columns read and
 * written), and how names resolve — tables against the schema or an enclosing CTE, columns
 * through the scope chain from the innermost query block outwards, as the engine does.
 */
import type { Dialect } from './dialect';
import { fold, type SchemaIndex, type TableMeta } from './schema-index';
import {
  ident,
  invalid,
  isNode,
  notAllowed,
  unknownName,
  type Node,
  type Scope,
  type Source,
} from './ast';

const SQLITE_ROWID = new Set(['rowid', 'oid', '_rowid_']);

export interface AccessEntry {
  table: string;
  read: Set<string>;
  write: Set<string>;
  wholeRowWrite: boolean;
}

export class ScopeAnalyzer {
  protected readonly access = new Map<string, AccessEntry>();
  protected readonly functions = new Set<string>();
  /** AST nodes the walk has analysed; see assertAllVisited. */
  protected readonly visited = new WeakSet<object>();

  constructor(
    protected readonly schema: SchemaIndex,
    protected readonly dialect: Dialect,
  ) {}

  // ── recording ────────────────────────────────────────────────────────────
  protected entry(table: TableMeta) {
    let e = this.access.get(fold(table.name));
    if (!e) {
      e = { table: table.name, read: new Set(), write: new Set(), wholeRowWrite: false };
      this.access.set(fold(table.name), e);
    }
    return e;
  }

  protected recordRead(table: TableMeta, column: string) {
    this.entry(table).read.add(column);
  }

  // ── tables ───────────────────────────────────────────────────────────────
  protected baseTable(node: Node): TableMeta {
    const db = ident(node.db) ?? ident(node.schema);
    const name = ident(node.table);
    if (!name) throw invalid('a table reference could not be read');
    let key = fold(name);
    if (db !== null) {
      if (this.dialect === 'sqlite') {
        if (fold(db) !== 'main') {
          throw notAllowed(`only tables of the main database may be used (got ${db}.${name})`, {
            table: `${db}.${name}`,
          });
        }
      } else {
        key = `${fold(db)}.${key}`;
      }
    } else if (this.schema.defaultSchema && !this.schema.tables.has(key)) {
      key = `${fold(this.schema.defaultSchema)}.${key}`;
    }
    const meta = this.schema.tables.get(key);
    if (!meta) {
      throw unknownName(
        `unknown table '${db ? `${db}.` : ''}${name}', or not one this connection exposes`,
        { table: name },
      );
    }
    return meta;
  }

  protected findCte(scope: Scope | null, name: string): string[] | null {
    for (let s = scope; s; s = s.parent) {
      const cte = s.ctes.get(name);
      if (cte) return cte;
    }
    return null;
  }

  protected expandStar(scope: Scope, qualifier: string | null): string[] {
    const sources =
      qualifier === null ? scope.sources : scope.sources.filter((s) => s.qualifier === qualifier);
    if (sources.length === 0) {
      throw qualifier === null
        ? invalid('SELECT * needs a FROM clause')
        : unknownName(`unknown table or alias '${qualifier}' in ${qualifier}.*`);
    }
    const out: string[] = [];
    for (const s of sources) {
      if (s.table) for (const c of s.table.columns) this.recordRead(s.table, c);
      out.push(...s.columns);
    }
    return out;
  }

  // ── column names ─────────────────────────────────────────────────────────
  protected columnRef(v: Node, scope: Scope) {
    this.visited.add(v);
    // Grammars wrap the name in a node (`{ expr: { type: 'double_quote_string', value } }`):
    // it is the name being resolved here, not a separate expression.
    for (let n: unknown = v.column; isNode(n); n = n.expr) this.visited.add(n);
    for (const q of [v.table, v.db, v.schema]) if (isNode(q)) this.visited.add(q);
    const column = ident(v.column);
    if (column === null) throw invalid('a column reference could not be read');
    if (column === '*') throw invalid("'*' is only allowed in the result list or in count(*)");
    const table = ident(v.table);
    if (v.db || v.schema) {
      const db = ident(v.db) ?? ident(v.schema);
      if (this.dialect !== 'sqlite' || fold(db ?? '') !== 'main') {
        throw notAllowed(
          'database-qualified column references are not supported; use a table alias',
        );
      }
    }
    this.resolveColumn(table === null ? null : fold(table), column, scope);
  }

  /**
   * Resolves a column name from the innermost query block outwards, as the engine does, and
   * records the read on the table it names. Output aliases are the last resort: a name that
   * matches a source column anywhere in the chain is recorded as that column's read even where
   * the engine might pick an alias of the same name (fail closed; the alias's own expression
   * was recorded when the select list was read).
   */
  protected resolveColumn(qualifier: string | null, column: string, scope: Scope) {
    const col = fold(column);
    for (let s: Scope | null = scope; s; s = s.parent) {
      const candidates =
        qualifier === null ? s.sources : s.sources.filter((src) => src.qualifier === qualifier);
      if (qualifier !== null && candidates.length === 0) continue;
      const hits = candidates.filter((src) => src.columns.includes(col) || this.isRowid(src, col));
      if (
        hits.length > 1 &&
        qualifier === null &&
        !s.merged.has(col) &&
        !this.aliasVisible(scope, col)
      ) {
        throw invalid(`column '${column}' is ambiguous: qualify it with a table alias`);
      }
      if (hits.length > 0) {
        // Several hits here are a USING column (one merged value, read on every side) or an
        // ORDER BY alias that shadows them: either way each candidate is recorded.
        for (const hit of hits)
          if (hit.table) this.recordRead(hit.table, this.canonicalColumn(hit.table, col));
        return;
      }
      if (qualifier !== null) break; // qualifier matched a source without that column
    }
    if (qualifier === null && this.aliasVisible(scope, col)) return; // e.g. ORDER BY an alias
    throw unknownName(
      `unknown column '${qualifier ? `${qualifier}.` : ''}${column}', or not one this connection exposes`,
      { column },
    );
  }

  private aliasVisible(scope: Scope, col: string): boolean {
    for (let s: Scope | null = scope; s; s = s.parent) if (s.outputAliases.has(col)) return true;
    return false;
  }

  protected isRowid(src: Source, col: string): boolean {
    return (
      this.dialect === 'sqlite' &&
      src.table !== null &&
      SQLITE_ROWID.has(col) &&
      !src.columns.includes(col)
    );
  }

  protected canonicalColumn(table: TableMeta, col: string): string {
    const c = table.byFolded.get(col);
    if (c) return c;
    // rowid and its aliases read the INTEGER PRIMARY KEY column when the table has one.
    return table.rowidAlias ?? 'rowid';
  }
}
