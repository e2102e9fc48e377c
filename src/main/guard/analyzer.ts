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
    // An upsert that rewrites the existing row reads it in ways (bare names, VALUES(), the
    // SELECT's columns after INSERT … SELECT) that differ between MySQL versions: refused.
    if (node.on_duplicate_update) {
      throw notAllowed('ON DUPLICATE KEY UPDATE is not supported: INSERT, then UPDATE the row');
    }
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
