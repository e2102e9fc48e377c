/**
 * Layer 2 of the guard: walks node-sql-parser's AST with real scoping — CTEs shadow tables,
 * aliases resolve per query block, correlated subqueries see their outer blocks — and
 * reports every table and column the statement reads or writes, `*` expanded against the
 * schema. Any node it does not understand is refused: the guard never guesses.
 */
import { AirlockError } from '../../shared/errors';
import type { TableAccess } from '../policy/policy';
import type { Dialect } from './dialect';
import { FUNCTION_ALLOWLIST } from './functions';
import { fold, type SchemaIndex, type TableMeta } from './schema-index';

/* node-sql-parser's AST is untyped JSON whose shape differs between grammars. */
type Node = Record<string, unknown>;

export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'replace';

export interface Analysis {
  kind: StatementKind;
  action: 'read' | 'write';
  tables: TableAccess[];
  functions: string[];
}

interface Source {
  /** folded name used to qualify columns (alias, or the table's own name) */
  qualifier: string;
  table: TableMeta | null;
  /** folded column names this source exposes */
  columns: string[];
}

interface Scope {
  sources: Source[];
  ctes: Map<string, string[]>;
  parent: Scope | null;
  /** folded output aliases of the current select (ORDER BY / GROUP BY may use them) */
  outputAliases: Set<string>;
}

const notAllowed = (message: string, details: Record<string, unknown> = {}) =>
  new AirlockError('STATEMENT_NOT_ALLOWED', message, { layer: 'ast', ...details });
const invalid = (message: string, details: Record<string, unknown> = {}) =>
  new AirlockError('INVALID_SQL', message, { layer: 'ast', ...details });

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Identifier text from a string or one of the parser's wrapper shapes. */
function ident(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (!isNode(v)) return null;
  if (isNode(v.expr)) return ident(v.expr);
  if (typeof v.value === 'string') return v.value;
  return null;
}

const LITERAL_TYPES = new Set([
  'number', 'single_quote_string', 'string', 'bool', 'boolean', 'null', 'hex_string',
  'full_hex_string', 'bit_string', 'natural_string', 'star',
]);

const SQLITE_ROWID = new Set(['rowid', 'oid', '_rowid_']);

export class Analyzer {
  private readonly access = new Map<string, { table: string; read: Set<string>; write: Set<string>; wholeRowWrite: boolean }>();
  private readonly functions = new Set<string>();

  constructor(
    private readonly schema: SchemaIndex,
    private readonly dialect: Dialect,
  ) {}

  analyze(ast: Node): Analysis {
    const type = String(ast.type ?? '');
    let kind: StatementKind;
    switch (type) {
      case 'select':
        kind = 'select';
        this.selectBlock(ast, null);
        break;
      case 'insert':
      case 'replace':
        kind = type;
        this.insert(ast, type === 'replace');
        break;
      case 'update':
        kind = 'update';
        this.update(ast);
        break;
      case 'delete':
        kind = 'delete';
        this.delete(ast);
        break;
      default:
        throw notAllowed(
          `${type ? type.toUpperCase() : 'this'} statements are not allowed: agents may run SELECT, and INSERT, UPDATE or DELETE where granted`,
          { statementType: type || 'unknown' },
        );
    }
    return {
      kind,
      action: kind === 'select' ? 'read' : 'write',
      tables: [...this.access.values()].map((a) => ({
        table: a.table,
        read: [...a.read],
        write: [...a.write],
        ...(a.wholeRowWrite ? { wholeRowWrite: true } : {}),
      })),
      functions: [...this.functions],
    };
  }

  // ── recording ────────────────────────────────────────────────────────────
  private entry(table: TableMeta) {
    let e = this.access.get(fold(table.name));
    if (!e) {
      e = { table: table.name, read: new Set(), write: new Set(), wholeRowWrite: false };
      this.access.set(fold(table.name), e);
    }
    return e;
  }

  private recordRead(table: TableMeta, column: string) {
    this.entry(table).read.add(column);
  }

  // ── tables ───────────────────────────────────────────────────────────────
  private baseTable(node: Node): TableMeta {
    const db = ident(node.db) ?? ident(node.schema);
    const name = ident(node.table);
    if (!name) throw invalid('a table reference could not be read');
    let key = fold(name);
    if (db !== null) {
      if (this.dialect === 'sqlite') {
        if (fold(db) !== 'main') {
          throw notAllowed(`only tables of the main database may be used (got ${db}.${name})`, { table: `${db}.${name}` });
        }
      } else {
        key = `${fold(db)}.${key}`;
      }
    } else if (this.schema.defaultSchema && !this.schema.tables.has(key)) {
      key = `${fold(this.schema.defaultSchema)}.${key}`;
    }
    const meta = this.schema.tables.get(key);
    if (!meta) {
      throw new AirlockError('PERMISSION_DENIED', `unknown table '${db ? `${db}.` : ''}${name}', or not one this connection exposes`, {
        layer: 'ast',
        table: name,
      });
    }
    return meta;
  }

  private findCte(scope: Scope | null, name: string): string[] | null {
    for (let s = scope; s; s = s.parent) {
      const cte = s.ctes.get(name);
      if (cte) return cte;
    }
    return null;
  }

  // ── SELECT ───────────────────────────────────────────────────────────────
  /** Analyses a select (and its UNION chain); returns its output column names (folded). */
  private selectBlock(node: Node, parent: Scope | null): string[] {
    const ctes = new Map<string, string[]>();
    const outer: Scope = { sources: [], ctes, parent, outputAliases: new Set() };
    if (Array.isArray(node.with)) this.withClause(node.with as Node[], outer);

    let first: string[] | null = null;
    for (let block: Node | null = node; block; block = isNode(block._next) ? block._next : null) {
      const cols = this.singleSelect(block, outer);
      first ??= cols;
      if (block !== node && block.with) throw notAllowed('WITH inside a compound select is not supported');
    }
    return first ?? [];
  }

  private withClause(items: Node[], scope: Scope) {
    for (const item of items) {
      const name = ident(item.name);
      if (!name) throw invalid('a WITH clause has no name');
      const body = this.unwrapSelect(item.stmt);
      if (!body) throw notAllowed(`WITH ${name} must be a SELECT`);
      const declared = Array.isArray(item.columns)
        ? (item.columns as unknown[]).map((c) => {
            const n = isNode(c) && c.type === 'column_ref' ? ident(c.column) : ident(c);
            if (!n) throw invalid(`a column of WITH ${name} could not be read`);
            return fold(n);
          })
        : null;
      if (item.recursive || declared) {
        // Register before analysing the body, so a recursive reference resolves to the CTE.
        if (!declared) {
          throw notAllowed(`recursive WITH ${name} needs an explicit column list, e.g. WITH RECURSIVE ${name}(x) AS (…)`);
        }
        scope.ctes.set(fold(name), declared);
        this.selectBlock(body, scope);
      } else {
        scope.ctes.set(fold(name), this.selectBlock(body, scope));
      }
    }
  }

  private unwrapSelect(v: unknown): Node | null {
    if (!isNode(v)) return null;
    if (v.type === 'select') return v;
    if (isNode(v.ast)) return this.unwrapSelect(v.ast);
    return null;
  }

  private singleSelect(node: Node, outer: Scope): string[] {
    const into = node.into;
    if (isNode(into) && (into.position || into.expr || into.type)) {
      throw notAllowed('SELECT … INTO is not allowed');
    }
    if (node.for_update || node.locking_read || node.lock) {
      throw notAllowed('locking reads (FOR UPDATE / FOR SHARE) are not allowed');
    }
    const scope: Scope = { sources: [], ctes: new Map(), parent: outer, outputAliases: new Set() };
    this.fromClause(node.from, scope);

    const output: string[] = [];
    const columns = node.columns;
    const items: unknown[] = Array.isArray(columns) ? columns : columns === '*' ? ['*'] : [];
    if (items.length === 0) throw invalid('a SELECT has no result columns');
    for (const item of items) {
      if (item === '*') {
        output.push(...this.expandStar(scope, null));
        continue;
      }
      if (!isNode(item)) throw invalid('a result column could not be read');
      const expr = item.expr as Node;
      const alias = ident(item.as);
      if (isNode(expr) && expr.type === 'column_ref' && ident(expr.column) === '*') {
        const q = ident(expr.table);
        output.push(...this.expandStar(scope, q === null ? null : fold(q)));
        continue;
      }
      this.expr(expr, scope);
      const name = alias ?? (isNode(expr) && expr.type === 'column_ref' ? ident(expr.column) : null);
      if (alias) scope.outputAliases.add(fold(alias));
      output.push(name === null ? '?expr' : fold(name));
    }

    this.expr(node.where, scope);
    const groupby = isNode(node.groupby) ? node.groupby.columns : node.groupby;
    this.exprList(groupby, scope);
    this.expr(node.having, scope);
    if (Array.isArray(node.orderby)) for (const o of node.orderby as Node[]) this.expr(o.expr, scope);
    if (isNode(node.limit)) this.exprList(node.limit.value, scope);
    if (Array.isArray(node.window)) {
      for (const w of node.window as Node[]) this.windowSpec(w.as_window_specification, scope);
    }
    return output;
  }

  private fromClause(from: unknown, scope: Scope) {
    if (from === null || from === undefined) return;
    if (!Array.isArray(from)) throw invalid('a FROM clause could not be read');
    for (const item of from as Node[]) {
      const alias = ident(item.as);
      if (alias && fold(alias) === 'natural') {
        throw notAllowed('NATURAL JOIN is not supported: write the join condition with ON or USING');
      }
      if (item.join && /natural/i.test(String(item.join))) {
        throw notAllowed('NATURAL JOIN is not supported: write the join condition with ON or USING');
      }
      let source: Source;
      if (typeof item.table === 'string' || isNode(item.table)) {
        const name = ident(item.table);
        const db = ident(item.db) ?? ident(item.schema);
        const cte = db === null && name ? this.findCte(scope, fold(name)) : null;
        if (cte) {
          source = { qualifier: fold(alias ?? name!), table: null, columns: cte };
        } else {
          const meta = this.baseTable(item);
          source = {
            qualifier: fold(alias ?? (name as string)),
            table: meta,
            columns: [...meta.byFolded.keys()],
          };
        }
      } else if (isNode(item.expr)) {
        const sub = this.unwrapSelect(item.expr);
        if (!sub) {
          const what = item.expr.type === 'function' ? `table-valued function ${ident((item.expr.name as Node)?.name) ?? ''}`.trim() : String(item.expr.type);
          throw notAllowed(`${what} in FROM is not allowed: query tables directly`);
        }
        if (!alias && this.dialect !== 'sqlite') throw invalid('a subquery in FROM needs an alias');
        // A derived table sees the enclosing blocks (for LATERAL) but not its siblings.
        const cols = this.selectBlock(sub, scope.parent);
        source = { qualifier: fold(alias ?? '?derived'), table: null, columns: cols };
      } else {
        throw invalid('an item in FROM could not be read');
      }
      scope.sources.push(source);
      if (item.on) this.expr(item.on, scope);
      if (Array.isArray(item.using)) {
        for (const u of item.using as unknown[]) {
          const col = isNode(u) && u.type === 'column_ref' ? ident(u.column) : ident(u);
          if (!col) throw invalid('a USING column could not be read');
          // USING compares the column on both sides: record it for every source that has it.
          let found = false;
          for (const s of scope.sources) {
            if (s.columns.includes(fold(col))) {
              found = true;
              if (s.table) this.recordRead(s.table, s.table.byFolded.get(fold(col))!);
            }
          }
          if (!found) throw new AirlockError('PERMISSION_DENIED', `unknown column '${col}' in USING`, { layer: 'ast' });
        }
      }
    }
  }

  private expandStar(scope: Scope, qualifier: string | null): string[] {
    const sources = qualifier === null ? scope.sources : scope.sources.filter((s) => s.qualifier === qualifier);
    if (sources.length === 0) {
      throw qualifier === null
        ? invalid('SELECT * needs a FROM clause')
        : new AirlockError('PERMISSION_DENIED', `unknown table or alias '${qualifier}' in ${qualifier}.*`, { layer: 'ast' });
    }
    const out: string[] = [];
    for (const s of sources) {
      if (s.table) for (const c of s.table.columns) this.recordRead(s.table, c);
      out.push(...s.columns);
    }
    return out;
  }

  // ── expressions ──────────────────────────────────────────────────────────
  private exprList(v: unknown, scope: Scope) {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) {
      for (const e of v) this.expr(isNode(e) && 'expr' in e && !('type' in e) ? e.expr : e, scope);
      return;
    }
    this.expr(v, scope);
  }

  private expr(v: unknown, scope: Scope): void {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) {
      for (const e of v) this.expr(e, scope);
      return;
    }
    if (!isNode(v)) throw invalid('an expression could not be read');
    const sub = v.type === 'select' || (isNode(v.ast) && !v.type) ? this.unwrapSelect(v) : null;
    if (sub) {
      this.selectBlock(sub, scope);
      return;
    }
    const type = String(v.type);
    switch (type) {
      case 'column_ref':
        this.columnRef(v, scope);
        return;
      case 'double_quote_string':
      case 'backticks_quote_string':
        // With DQS off (SQLite as built here) and in MySQL backticks, quotes make identifiers.
        if (this.dialect === 'sqlite' || type === 'backticks_quote_string') {
          this.resolveColumn(null, String(v.value), scope);
          return;
        }
        return;
      case 'binary_expr':
        this.expr(v.left, scope);
        this.expr(v.right, scope);
        return;
      case 'unary_expr':
        this.expr(v.expr, scope);
        return;
      case 'expr_list':
        this.exprList(v.value, scope);
        return;
      case 'function':
      case 'aggr_func':
      case 'window_func':
        this.call(v, scope);
        return;
      case 'cast':
        this.expr(v.expr, scope);
        return;
      case 'case':
        this.expr(v.expr, scope);
        for (const arm of (v.args as Node[]) ?? []) {
          this.expr(arm.cond, scope);
          this.expr(arm.result, scope);
        }
        return;
      case 'origin':
        if (typeof v.value === 'string' && /^(\?\d*|current_(timestamp|date|time))$/i.test(v.value)) return;
        throw notAllowed(`'${String(v.value)}' is not allowed here`);
      case 'param':
        return;
      case 'var':
        if (v.prefix === '@@' || (Array.isArray(v.members) && v.members.length > 0)) {
          throw notAllowed('server variables are not allowed');
        }
        if (this.dialect === 'mysql' && v.prefix === '@') throw notAllowed('user variables are not allowed');
        return;
      default:
        if (LITERAL_TYPES.has(type)) return;
        throw notAllowed(`the SQL construct '${type}' is not supported by the guard`, { construct: type });
    }
  }

  private call(v: Node, scope: Scope) {
    const nameNode = v.name;
    let name: string | null;
    if (typeof nameNode === 'string') name = nameNode;
    else if (isNode(nameNode) && Array.isArray(nameNode.name)) {
      const parts = (nameNode.name as unknown[]).map(ident);
      if (parts.length !== 1 || nameNode.schema) throw notAllowed('schema-qualified function calls are not allowed');
      name = parts[0] ?? null;
    } else name = ident(nameNode);
    if (!name) throw invalid('a function name could not be read');
    const f = fold(name);
    if (!FUNCTION_ALLOWLIST[this.dialect].has(f)) {
      throw notAllowed(`function ${f}() is not allowed`, { function: f });
    }
    this.functions.add(f);
    const args = v.args;
    if (isNode(args)) {
      if (args.type === 'expr_list') this.exprList(args.value, scope);
      else {
        this.expr(args.expr, scope);
        if (Array.isArray(args.orderby)) for (const o of args.orderby as Node[]) this.expr(o.expr, scope);
      }
    } else if (Array.isArray(args)) this.exprList(args, scope);
    if (v.filter) this.expr(isNode(v.filter) && 'where' in v.filter ? v.filter.where : v.filter, scope);
    if (v.over) this.windowSpec(v.over, scope);
  }

  private windowSpec(over: unknown, scope: Scope) {
    if (!isNode(over)) return; // a named window (`OVER w`) is analysed where it is defined
    const spec = isNode(over.as_window_specification)
      ? ((over.as_window_specification as Node).window_specification as Node | undefined) ?? over.as_window_specification
      : over;
    if (!isNode(spec)) return;
    const partition = spec.partitionby;
    this.exprList(Array.isArray(partition) ? (partition as Node[]).map((p) => (isNode(p) && 'expr' in p ? p.expr : p)) : partition, scope);
    if (Array.isArray(spec.orderby)) for (const o of spec.orderby as Node[]) this.expr(o.expr, scope);
  }

  private columnRef(v: Node, scope: Scope) {
    const column = ident(v.column);
    if (column === null) throw invalid('a column reference could not be read');
    if (column === '*') throw invalid("'*' is only allowed in the result list or in count(*)");
    const table = ident(v.table);
    if (v.db || v.schema) {
      const db = ident(v.db) ?? ident(v.schema);
      if (this.dialect !== 'sqlite' || fold(db ?? '') !== 'main') {
        throw notAllowed('database-qualified column references are not supported; use a table alias');
      }
    }
    this.resolveColumn(table === null ? null : fold(table), column, scope);
  }

  private resolveColumn(qualifier: string | null, column: string, scope: Scope) {
    const col = fold(column);
    for (let s: Scope | null = scope; s; s = s.parent) {
      const candidates = qualifier === null ? s.sources : s.sources.filter((src) => src.qualifier === qualifier);
      if (qualifier !== null && candidates.length === 0) continue;
      const hits = candidates.filter((src) => src.columns.includes(col) || this.isRowid(src, col));
      if (hits.length > 1) {
        throw invalid(`column '${column}' is ambiguous: qualify it with a table alias`);
      }
      const hit = hits[0];
      if (hit) {
        if (hit.table) this.recordRead(hit.table, this.canonicalColumn(hit.table, col));
        return;
      }
      if (qualifier === null && s.outputAliases.has(col)) return; // e.g. ORDER BY an alias
      if (qualifier !== null) break; // qualifier matched a source without that column
    }
    throw new AirlockError(
      'PERMISSION_DENIED',
      `unknown column '${qualifier ? `${qualifier}.` : ''}${column}', or not one this connection exposes`,
      { layer: 'ast', column },
    );
  }

  private isRowid(src: Source, col: string): boolean {
    return this.dialect === 'sqlite' && src.table !== null && SQLITE_ROWID.has(col) && !src.columns.includes(col);
  }

  private canonicalColumn(table: TableMeta, col: string): string {
    const c = table.byFolded.get(col);
    if (c) return c;
    // rowid and its aliases read the INTEGER PRIMARY KEY column when the table has one.
    return table.rowidAlias ?? 'rowid';
  }

  // ── writes ───────────────────────────────────────────────────────────────
  private targetTable(node: Node): { meta: TableMeta; source: Source } {
    const tables = node.table;
    if (!Array.isArray(tables) || tables.length !== 1) {
      throw notAllowed('a write must name exactly one table');
    }
    const t = tables[0] as Node;
    const meta = this.baseTable(t);
    const alias = ident(t.as);
    return { meta, source: { qualifier: fold(alias ?? meta.name.split('.').pop()!), table: meta, columns: [...meta.byFolded.keys()] } };
  }

  private writeColumn(meta: TableMeta, name: string) {
    const c = meta.byFolded.get(fold(name));
    if (!c) {
      throw new AirlockError('PERMISSION_DENIED', `unknown column '${name}' in table ${meta.name}`, { layer: 'ast' });
    }
    this.entry(meta).write.add(c);
  }

  private returning(node: Node, scope: Scope) {
    const r = node.returning;
    if (!isNode(r)) return;
    const cols = r.columns;
    if (!Array.isArray(cols)) return;
    for (const item of cols as Node[]) {
      const expr = item.expr as Node;
      if (isNode(expr) && expr.type === 'column_ref' && ident(expr.column) === '*') {
        this.expandStar(scope, null);
      } else this.expr(expr, scope);
    }
  }

  private insert(node: Node, replace: boolean) {
    const { meta, source } = this.targetTable(node);
    this.entry(meta);
    const cols = Array.isArray(node.columns) ? (node.columns as unknown[]).map((c) => ident(c)) : null;
    if (cols) for (const c of cols) this.writeColumn(meta, c ?? '');
    else for (const c of meta.columns) this.writeColumn(meta, c);
    if (replace || /or\s+replace/i.test(String(node.prefix ?? '')) || node.or === 'replace') {
      this.entry(meta).wholeRowWrite = true;
    }
    const empty: Scope = { sources: [], ctes: new Map(), parent: null, outputAliases: new Set() };
    const values = node.values;
    const sub = this.unwrapSelect(values);
    if (sub) this.selectBlock(sub, null);
    else if (isNode(values) && values.type === 'values') {
      for (const row of (values.values as Node[]) ?? []) this.expr(row, empty);
    } else if (values !== undefined && values !== null) throw invalid('INSERT values could not be read');
    if (node.on_duplicate_update) throw notAllowed('ON DUPLICATE KEY UPDATE is not supported');
    const conflict = node.conflict;
    if (isNode(conflict)) {
      const excluded: Source = { qualifier: 'excluded', table: null, columns: source.columns };
      const scope: Scope = { sources: [source, excluded], ctes: new Map(), parent: null, outputAliases: new Set() };
      const target = conflict.target;
      if (isNode(target)) this.exprList(target.expr, scope);
      const action = conflict.action;
      if (isNode(action)) {
        if (Array.isArray(action.set)) {
          for (const s of action.set as Node[]) {
            this.writeColumn(meta, ident(s.column) ?? '');
            this.expr(s.value, scope);
          }
        }
        this.expr(action.where, scope);
      }
    }
    this.returning(node, { sources: [source], ctes: new Map(), parent: null, outputAliases: new Set() });
  }

  private update(node: Node) {
    const { meta, source } = this.targetTable(node);
    const scope: Scope = { sources: [source], ctes: new Map(), parent: null, outputAliases: new Set() };
    if (Array.isArray(node.with)) this.withClause(node.with as Node[], scope);
    this.fromClause(node.from, scope);
    for (const s of (node.set as Node[]) ?? []) {
      this.writeColumn(meta, ident(s.column) ?? '');
      this.expr(s.value, scope);
    }
    this.expr(node.where, scope);
    if (node.orderby || (isNode(node.limit) && Array.isArray(node.limit.value) && node.limit.value.length)) {
      throw notAllowed('UPDATE … ORDER BY / LIMIT is not supported');
    }
    this.returning(node, scope);
  }

  private delete(node: Node) {
    const { meta, source } = this.targetTable(node);
    if (Array.isArray(node.from) && node.from.length > 1) throw notAllowed('multi-table DELETE is not supported');
    this.entry(meta).wholeRowWrite = true;
    const scope: Scope = { sources: [source], ctes: new Map(), parent: null, outputAliases: new Set() };
    if (Array.isArray(node.with)) this.withClause(node.with as Node[], scope);
    this.expr(node.where, scope);
    if (node.orderby || (isNode(node.limit) && Array.isArray(node.limit.value) && node.limit.value.length)) {
      throw notAllowed('DELETE … ORDER BY / LIMIT is not supported');
    }
    this.returning(node, scope);
  }
}
