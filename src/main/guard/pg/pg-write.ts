/**
 * INSERT, UPDATE and DELETE in the PostgreSQL parse tree. The written table is a source like
 * any other: what SET expressions, WHERE, RETURNING and ON CONFLICT read of it — its own
 * hidden columns included — is recorded as a read, and the columns written are recorded as
 * writes, by their real names. UPDATE … FROM and DELETE … USING add their tables to the same
 * level; ON CONFLICT sees the target and `excluded` (the proposed row, which reads nothing).
 */
import { invalid, notAllowed, unknownName } from '../ast';
import type { TableMeta } from '../schema-index';
import { list, names, tagged, type PgNode } from './pg-nodes';
import { newLevel, type Level, type NsItem } from './pg-scope';
import { PgSelect } from './pg-select';

export abstract class PgWrite extends PgSelect {
  private target(rel: unknown): { meta: TableMeta; item: NsItem } {
    if (rel === undefined || rel === null) throw invalid('a write must name its table');
    const n = rel as PgNode;
    if (n.inh !== true) throw notAllowed('ONLY is not supported: write the table itself');
    const alias = n.alias as PgNode | undefined;
    if (alias && names(alias.colnames).length > 0)
      throw invalid('the table being written cannot take an alias column list');
    const item = this.rangeVar(n, newLevel(null));
    if (!item.columns.every((c) => c.reads.length === 1))
      throw invalid('a write must name a table');
    const meta = item.columns[0]?.reads[0]?.table;
    if (!meta) throw invalid('a write must name a table with columns');
    return { meta, item };
  }

  private writeColumn(meta: TableMeta, rt: PgNode) {
    if (rt.indirection !== undefined)
      throw notAllowed('writing part of a column (subscript or field) is not supported');
    const name = typeof rt.name === 'string' ? rt.name : '';
    if (!meta.columns.includes(name))
      throw unknownName(`unknown column '${name}' in table ${meta.name}`, { column: name });
    this.entry(meta).write.add(name);
  }

  /** SET a = …, (b, c) = (…): the columns written and the values' reads. */
  private assignments(meta: TableMeta, targets: unknown, level: Level) {
    for (const r of list(targets)) {
      const t = tagged(r);
      if (!t || t[0] !== 'ResTarget') throw invalid('a SET item could not be read');
      const rt = t[1];
      this.visited.add(rt);
      this.writeColumn(meta, rt);
      const val = tagged(rt.val);
      if (val && val[0] === 'SetToDefault') {
        this.visited.add(val[1]);
        continue;
      }
      if (val && val[0] === 'MultiAssignRef') {
        this.visited.add(val[1]);
        // Each column of the group carries its own copy of the source: analyse each copy.
        this.expr(val[1].source, level);
        continue;
      }
      this.expr(rt.val, level);
    }
  }

  private returning(targets: unknown, level: Level) {
    for (const r of list(targets)) this.resultColumn(r, level);
  }

  protected insert(n: PgNode): void {
    const ctes = newLevel(null);
    this.withClause(n.withClause, ctes);
    const { meta, item } = this.target(n.relation);
    const cols = list(n.cols);
    if (cols.length === 0) for (const c of meta.columns) this.entry(meta).write.add(c);
    for (const c of cols) {
      const t = tagged(c);
      if (!t || t[0] !== 'ResTarget') throw invalid('an INSERT column could not be read');
      this.visited.add(t[1]);
      this.writeColumn(meta, t[1]);
    }
    if (n.override !== undefined && n.override !== 'OVERRIDING_NOT_SET')
      throw notAllowed('OVERRIDING … VALUE is not supported');
    const source = tagged(n.selectStmt);
    if (
      source &&
      source[0] === 'SelectStmt' &&
      Array.isArray(source[1].valuesLists) &&
      list(source[1].targetList).length === 0 &&
      source[1].fromClause === undefined
    ) {
      // VALUES rows: expressions that may say DEFAULT, and see no table.
      this.visited.add(source[1]);
      if (
        source[1].withClause !== undefined ||
        source[1].sortClause !== undefined ||
        source[1].limitCount !== undefined
      ) {
        throw notAllowed('INSERT … VALUES with WITH, ORDER BY or LIMIT is not supported');
      }
      const rows = newLevel(ctes);
      for (const row of source[1].valuesLists) {
        const r = tagged(row);
        if (!r || r[0] !== 'List') throw invalid('a VALUES row could not be read');
        for (const v of list(r[1].items)) {
          const d = tagged(v);
          if (d && d[0] === 'SetToDefault') this.visited.add(d[1]);
          else this.expr(v, rows);
        }
      }
    } else if (n.selectStmt !== undefined) {
      this.query(n.selectStmt, ctes);
    }
    const conflict = n.onConflictClause as PgNode | undefined;
    if (conflict) {
      // excluded.x is the row proposed by this INSERT: its values come from the statement itself.
      const excluded: NsItem = {
        refname: 'excluded',
        schema: null,
        columns: meta.columns.map((name) => ({ name, reads: [] })),
        relVisible: true,
        colsVisible: true,
      };
      const level = newLevel(ctes, [item, excluded]);
      const infer = conflict.infer as PgNode | undefined;
      if (infer) {
        for (const e of list(infer.indexElems)) {
          const t = tagged(e);
          if (!t || t[0] !== 'IndexElem') throw invalid('an ON CONFLICT target could not be read');
          this.visited.add(t[1]);
          if (typeof t[1].name === 'string')
            this.resolveColumn([t[1].name], newLevel(ctes, [item]));
          else this.expr(t[1].expr, newLevel(ctes, [item]));
        }
        this.expr(infer.whereClause, newLevel(ctes, [item]));
      }
      this.assignments(meta, conflict.targetList, level);
      this.expr(conflict.whereClause, level);
    }
    this.returning(n.returningList, newLevel(ctes, [item]));
  }

  protected update(n: PgNode): void {
    const ctes = newLevel(null);
    this.withClause(n.withClause, ctes);
    const { meta, item } = this.target(n.relation);
    const level = newLevel(ctes, [item]);
    // FROM items join the target's level; their subqueries do not see the target (the server refuses that).
    this.fromClause(n.fromClause, level);
    this.assignments(meta, n.targetList, level);
    this.expr(n.whereClause, level);
    this.returning(n.returningList, level);
  }

  protected delete(n: PgNode): void {
    const ctes = newLevel(null);
    this.withClause(n.withClause, ctes);
    const { meta, item } = this.target(n.relation);
    this.entry(meta).wholeRowWrite = true;
    const level = newLevel(ctes, [item]);
    this.fromClause(n.usingClause, level);
    this.expr(n.whereClause, level);
    this.returning(n.returningList, level);
  }
}
