/**
 * Layer 2 of the guard: the statement-type allowlist and the write statements (INSERT,
 * REPLACE, UPDATE, DELETE), on top of the read analysis in select-analyzer.ts. Reports every
 * table and column the statement reads or writes, for the policy decision.
 */
import type { TableAccess } from '../policy/policy';
import {
  assertAllVisited,
  ident,
  invalid,
  isNode,
  newScope,
  notAllowed,
  unknownName,
  type Node,
  type Scope,
  type Source,
} from './ast';
import { QueryAnalyzer } from './select-analyzer';
import { fold, type TableMeta } from './schema-index';

export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'replace';

export interface Analysis {
  kind: StatementKind;
  action: 'read' | 'write';
  tables: TableAccess[];
  functions: string[];
}

export class Analyzer extends QueryAnalyzer {
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
    assertAllVisited(ast, this.visited);
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

  // ── writes ───────────────────────────────────────────────────────────────
  private targetTable(node: Node): { meta: TableMeta; source: Source } {
    const tables = node.table;
    if (!Array.isArray(tables) || tables.length !== 1) {
      throw notAllowed('a write must name exactly one table');
    }
    const t = tables[0] as Node;
    const meta = this.baseTable(t);
    const alias = ident(t.as);
    return {
      meta,
      source: {
        qualifier: fold(alias ?? meta.name.split('.').pop()!),
        table: meta,
        columns: [...meta.byFolded.keys()],
      },
    };
  }

  private writeColumn(meta: TableMeta, name: string) {
    const c = meta.byFolded.get(fold(name));
    if (!c) {
      throw unknownName(`unknown column '${name}' in table ${meta.name}`);
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
        this.visited.add(expr);
        this.expandStar(scope, null);
      } else this.expr(expr, scope);
    }
  }

  private insert(node: Node, replace: boolean) {
    const { meta, source } = this.targetTable(node);
    this.entry(meta);
    const cols = Array.isArray(node.columns)
      ? (node.columns as unknown[]).map((c) => {
          if (isNode(c)) this.visited.add(c); // a column being written, recorded below
          return isNode(c) && c.type === 'column_ref' ? ident(c.column) : ident(c);
        })
      : null;
    if (cols) for (const c of cols) this.writeColumn(meta, c ?? '');
    else for (const c of meta.columns) this.writeColumn(meta, c);
    if (replace || /or\s+replace/i.test(String(node.prefix ?? '')) || node.or === 'replace') {
      this.entry(meta).wholeRowWrite = true;
    }
    const empty = newScope(null);
    const values = node.values;
    const sub = this.unwrapSelect(values);
    if (sub) this.selectBlock(sub, null);
    else if (isNode(values) && values.type === 'values') {
      for (const row of (values.values as Node[]) ?? []) this.expr(row, empty);
    } else if (values !== undefined && values !== null)
      throw invalid('INSERT values could not be read');
    if (node.on_duplicate_update) this.onDuplicateKey(node, meta, source, sub !== null);
    const conflict = node.conflict;
    if (isNode(conflict)) {
      // As in SQLite, bare names in an upsert are the target row's; the proposed row is only
      // reachable as excluded.x, so it sits in an outer scope.
      const excluded: Source = { qualifier: 'excluded', table: null, columns: source.columns };
      const scope = newScope(newScope(null, [excluded]), [source]);
      const target = conflict.target;
      if (isNode(target)) {
        this.exprList(target.expr, scope);
        this.expr(target.where, scope);
      }
      // Grammars differ: the DO UPDATE part is the action itself or nested under `expr`.
      const action =
        isNode(conflict.action) && isNode(conflict.action.expr)
          ? conflict.action.expr
          : conflict.action;
      if (isNode(action)) {
        if (Array.isArray(action.set)) {
          for (const s of action.set as Node[]) {
            this.visited.add(s);
            this.writeColumn(meta, ident(s.column) ?? '');
            this.expr(s.value, scope);
          }
        }
        this.expr(action.where, scope);
      }
    }
    this.returning(node, newScope(null, [source]));
  }

  /**
   * MySQL/MariaDB `INSERT … VALUES … ON DUPLICATE KEY UPDATE c = expr`: the existing row is
   * found by the inserted values (a unique key among them), so each inserted column counts as
   * read; bare names in `expr` are the existing row's columns (reads of the target table, by
   * the table's own identity); `VALUES(c)` is the proposed row's value, which the agent wrote
   * itself, so it is no read. After INSERT … SELECT the bare names may also reach the SELECT's
   * tables, which MySQL and MariaDB resolve differently: refused.
   */
  private onDuplicateKey(node: Node, meta: TableMeta, source: Source, fromSelect: boolean) {
    if (fromSelect) {
      throw notAllowed(
        'INSERT … SELECT … ON DUPLICATE KEY UPDATE is not supported: use INSERT … VALUES … ON DUPLICATE KEY UPDATE',
      );
    }
    const odku = node.on_duplicate_update as Node;
    this.visited.add(odku);
    const set = odku.set;
    if (!Array.isArray(set) || set.length === 0)
      throw invalid('ON DUPLICATE KEY UPDATE could not be read');
    const e = this.entry(meta);
    for (const c of [...e.write]) e.read.add(c);
    const scope = newScope(null, [source]);
    this.proposedRow = meta;
    try {
      for (const s of set as Node[]) {
        this.visited.add(s);
        const q = ident(s.table);
        if (q !== null && fold(q) !== source.qualifier)
          throw unknownName(`ON DUPLICATE KEY UPDATE may only set columns of ${meta.name}`);
        this.writeColumn(meta, ident(s.column) ?? '');
        this.expr(s.value, scope);
      }
    } finally {
      this.proposedRow = null;
    }
  }

  /** The table whose proposed row `VALUES(c)` names, inside ON DUPLICATE KEY UPDATE only. */
  private proposedRow: TableMeta | null = null;

  protected override call(v: Node, scope: Scope) {
    const target = this.proposedRow;
    const name = isNode(v.name) && Array.isArray(v.name.name) ? v.name.name : null;
    const f = name && name.length === 1 ? ident(name[0]) : null;
    if (target && f !== null && ['values', 'value'].includes(fold(f))) {
      const args = isNode(v.args) && Array.isArray(v.args.value) ? v.args.value : null;
      const col = args && args.length === 1 && isNode(args[0]) ? args[0] : null;
      if (!col || col.type !== 'column_ref' || col.db || col.schema)
        throw invalid('VALUES() in ON DUPLICATE KEY UPDATE takes one column of the inserted table');
      const q = ident(col.table);
      const c = ident(col.column);
      if (
        (q !== null && fold(q) !== fold(target.name)) ||
        c === null ||
        !target.byFolded.has(fold(c))
      )
        throw unknownName(`VALUES(${c ?? '?'}) names no column of ${target.name}`);
      this.visited.add(v);
      this.visited.add(v.name as Node);
      this.visited.add(v.args as Node);
      this.columnRefVisited(col);
      return;
    }
    super.call(v, scope);
  }

  private columnRefVisited(v: Node) {
    this.visited.add(v);
    for (let n: unknown = v.column; isNode(n); n = n.expr) this.visited.add(n);
    for (const q of [v.table, v.db, v.schema]) if (isNode(q)) this.visited.add(q);
  }

  private update(node: Node) {
    const { meta, source } = this.targetTable(node);
    const scope = newScope(null, [source]);
    if (Array.isArray(node.with)) this.withClause(node.with as Node[], scope);
    this.fromClause(node.from, scope);
    for (const s of (node.set as Node[]) ?? []) {
      this.visited.add(s); // the column being set (some grammars shape it as a column_ref)
      this.writeColumn(meta, ident(s.column) ?? '');
      this.expr(s.value, scope);
    }
    this.expr(node.where, scope);
    if (
      node.orderby ||
      (isNode(node.limit) && Array.isArray(node.limit.value) && node.limit.value.length)
    ) {
      throw notAllowed('UPDATE … ORDER BY / LIMIT is not supported');
    }
    this.returning(node, scope);
  }

  private delete(node: Node) {
    const { meta, source } = this.targetTable(node);
    if (Array.isArray(node.from) && node.from.length > 1)
      throw notAllowed('multi-table DELETE is not supported');
    this.entry(meta).wholeRowWrite = true;
    const scope = newScope(null, [source]);
    if (Array.isArray(node.with)) this.withClause(node.with as Node[], scope);
    this.expr(node.where, scope);
    if (
      node.orderby ||
      (isNode(node.limit) && Array.isArray(node.limit.value) && node.limit.value.length)
    ) {
      throw notAllowed('DELETE … ORDER BY / LIMIT is not supported');
    }
    this.returning(node, scope);
  }
}
