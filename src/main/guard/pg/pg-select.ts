/**
 * SELECT in the PostgreSQL parse tree: WITH (CTE column lists), FROM (base tables with alias
 * column lists, derived tables, LATERAL, joins with ON / USING / NATURAL and their merged
 * columns), the result list, WHERE, GROUP BY, HAVING, WINDOW, ORDER BY, LIMIT, set operations
 * and VALUES. Visibility follows the server: a derived table sees the enclosing levels but not
 * its siblings unless LATERAL, an ON clause sees only its join's two sides, output aliases are
 * visible only as bare names in ORDER BY and GROUP BY.
 */
import { invalid, notAllowed } from '../ast';
import { figureColname, PgExpr } from './pg-expr';
import { list, names, tagged, type PgNode } from './pg-nodes';
import { newLevel, type ItemColumn, type Level, type NsItem } from './pg-scope';

/** Renames output columns by position (alias column lists); fewer names keep the rest. */
function renamed(cols: string[], alias: string[], what: string): string[] {
  if (alias.length > cols.length)
    throw invalid(
      `${what} has ${cols.length} columns available but ${alias.length} columns specified`,
    );
  return cols.map((c, i) => alias[i] ?? c);
}

function aliasOf(v: unknown): { name: string | null; cols: string[] } {
  if (v === undefined || v === null) return { name: null, cols: [] };
  const a = v as PgNode;
  return { name: typeof a.aliasname === 'string' ? a.aliasname : null, cols: names(a.colnames) };
}

const derived = (refname: string | null, cols: string[]): NsItem => ({
  refname,
  schema: null,
  columns: cols.map((name) => ({ name, reads: [] })),
  relVisible: refname !== null,
  colsVisible: true,
});

export abstract class PgSelect extends PgExpr {
  protected query(stmt: unknown, parent: Level | null): string[] {
    const t = tagged(stmt);
    if (!t || t[0] !== 'SelectStmt')
      throw notAllowed(
        'only SELECT is allowed in a subquery (no INSERT, UPDATE or DELETE inside a statement)',
      );
    return this.select(t[1], parent);
  }

  protected select(s: PgNode, parent: Level | null): string[] {
    this.visited.add(s);
    if (s.intoClause !== undefined) throw notAllowed('SELECT … INTO is not allowed');
    if (list(s.lockingClause).length > 0)
      throw notAllowed('locking reads (FOR UPDATE / FOR SHARE) are not allowed');
    // WITH, ORDER BY and LIMIT of a set operation belong to the whole of it: one level holds them.
    const outer = newLevel(parent);
    this.withClause(s.withClause, outer);
    const op = s.op ?? 'SETOP_NONE';
    if (op !== 'SETOP_NONE') {
      const left = this.select(s.larg as PgNode, outer);
      const right = this.select(s.rarg as PgNode, outer);
      if (left.length !== right.length)
        throw invalid(
          'each side of a UNION, INTERSECT or EXCEPT must have the same number of columns',
        );
      for (const sb of list(s.sortClause)) {
        const t = tagged(sb);
        if (!t || t[0] !== 'SortBy') throw invalid('an ORDER BY item could not be read');
        this.visited.add(t[1]);
        if (t[1].useOp !== undefined)
          throw notAllowed('ORDER BY … USING an operator is not supported');
        // Only result names and positions are valid here; the server refuses anything else.
        const node = tagged(t[1].node);
        if (node && node[0] === 'A_Const') continue;
        if (node && node[0] === 'ColumnRef') {
          this.visited.add(node[1]);
          const f = names(node[1].fields);
          if (f.length === 1 && left.includes(f[0]!)) continue;
        }
        throw invalid('ORDER BY of a UNION, INTERSECT or EXCEPT may only name a result column');
      }
      this.expr(s.limitCount, outer);
      this.expr(s.limitOffset, outer);
      return left;
    }
    return this.simpleSelect(s, outer);
  }

  protected withClause(w: unknown, level: Level): void {
    if (w === undefined || w === null) return;
    const wc = w as PgNode;
    const recursive = wc.recursive === true;
    const ctes = list(wc.ctes).map((c) => {
      const t = tagged(c);
      if (!t || t[0] !== 'CommonTableExpr') throw invalid('a WITH item could not be read');
      this.visited.add(t[1]);
      return t[1];
    });
    if (recursive) {
      // Every CTE of a WITH RECURSIVE sees every other one and itself: declared names first,
      // then (in order) the names of those without a list, from their non-recursive term.
      for (const c of ctes) {
        const declared = names(c.aliascolnames);
        if (declared.length > 0) level.ctes.set(String(c.ctename), { columns: declared });
      }
      for (const c of ctes) {
        if (names(c.aliascolnames).length === 0)
          level.ctes.set(String(c.ctename), { columns: this.recursiveColumns(c, level) });
      }
      for (const c of ctes) {
        const columns = level.ctes.get(String(c.ctename))!.columns;
        const out = this.query(c.ctequery, level);
        if (out.length !== columns.length)
          throw invalid(
            `WITH ${String(c.ctename)} declares ${columns.length} columns but its query returns ${out.length}`,
          );
      }
      return;
    }
    for (const c of ctes) {
      // A CTE sees the ones before it, not itself or later ones.
      const out = this.query(c.ctequery, level);
      level.ctes.set(String(c.ctename), {
        columns: renamed(out, names(c.aliascolnames), `WITH ${String(c.ctename)}`),
      });
    }
  }

  /**
   * The column names of a WITH RECURSIVE item without a column list, as the server takes them:
   * from the non-recursive term — the left side of its UNION, or the whole query when it is no
   * UNION. That side is read with the item's own name bound to a relation of no columns, so a
   * reference to itself there (which the server refuses) resolves no column and adds no name.
   */
  private recursiveColumns(c: PgNode, level: Level): string[] {
    const name = String(c.ctename);
    const t = tagged(c.ctequery);
    if (!t || t[0] !== 'SelectStmt') throw notAllowed(`WITH ${name} must be a SELECT`);
    const q = t[1];
    const union = q.op === 'SETOP_UNION' && q.withClause === undefined;
    const probe = newLevel(level);
    probe.ctes.set(name, { columns: [] });
    const out = union ? this.select(q.larg as PgNode, probe) : this.select(q, probe);
    if (out.length === 0 || new Set(out).size !== out.length)
      throw notAllowed(
        `recursive WITH ${name}: give each column of its first SELECT its own name (AS x), or give it a column list, e.g. WITH RECURSIVE ${name}(x) AS (…)`,
      );
    return out;
  }

  private simpleSelect(s: PgNode, outer: Level): string[] {
    const level = newLevel(outer);
    this.fromClause(s.fromClause, level);
    const output: string[] = [];
    if (Array.isArray(s.valuesLists)) {
      let width = -1;
      for (const row of s.valuesLists) {
        const t = tagged(row);
        if (!t || t[0] !== 'List') throw invalid('a VALUES row could not be read');
        const items = list(t[1].items);
        if (width >= 0 && items.length !== width)
          throw invalid('VALUES lists must all be the same length');
        width = items.length;
        this.exprs(items, level);
      }
      for (let i = 1; i <= width; i++) output.push(`column${i}`);
    }
    for (const r of list(s.targetList)) output.push(...this.resultColumn(r, level));

    this.expr(s.whereClause, level);
    for (const g of list(s.groupClause)) this.groupItem(g, level, output);
    this.expr(s.havingClause, level);
    for (const w of list(s.windowClause)) this.windowDef(w, level);
    for (const d of list(s.distinctClause)) {
      // Plain DISTINCT is a list holding one empty node; DISTINCT ON lists expressions, read
      // as ORDER BY reads them: a bare result name or position first, else an input column.
      if (tagged(d) === null) continue;
      if (!this.bareName(d, output)) this.expr(d, level);
    }
    for (const sb of list(s.sortClause)) {
      const t = tagged(sb);
      if (!t || t[0] !== 'SortBy') throw invalid('an ORDER BY item could not be read');
      if (t[1].useOp !== undefined)
        throw notAllowed('ORDER BY … USING an operator is not supported');
      // A bare name matches a result column first (the server's SQL92 rule), then an input column.
      if (this.bareName(t[1].node, output)) {
        this.visited.add(t[1]);
        continue;
      }
      this.sortBy(sb, level);
    }
    this.expr(s.limitCount, level);
    this.expr(s.limitOffset, level);
    return output;
  }

  /** A result column: `*`, `rel.*` or an expression. Returns the output names it adds. */
  protected resultColumn(r: unknown, level: Level): string[] {
    const t = tagged(r);
    if (!t || t[0] !== 'ResTarget') throw invalid('a result column could not be read');
    const rt = t[1];
    this.visited.add(rt);
    if (rt.indirection !== undefined) throw invalid('a result column could not be read');
    const val = tagged(rt.val);
    if (val && val[0] === 'ColumnRef') {
      const fields = list(val[1].fields);
      if (tagged(fields[fields.length - 1])?.[0] === 'A_Star') {
        this.visited.add(val[1]);
        const qualifier = names(fields.slice(0, -1));
        return this.expandStar(qualifier.length ? qualifier : null, level);
      }
    }
    this.expr(rt.val, level);
    return [typeof rt.name === 'string' ? rt.name : figureColname(rt.val)];
  }

  /** `ORDER BY x` / `GROUP BY x` where x is a result column's name or position: no new read. */
  private bareName(node: unknown, output: string[]): boolean {
    const t = tagged(node);
    if (!t) return false;
    if (t[0] === 'A_Const' && t[1].ival !== undefined) return true;
    if (t[0] !== 'ColumnRef') return false;
    const f = list(t[1].fields);
    const name = f.length === 1 ? names(f)[0]! : null;
    if (name === null || !output.includes(name)) return false;
    this.visited.add(t[1]);
    return true;
  }

  private groupItem(g: unknown, level: Level, output: string[]): void {
    const t = tagged(g);
    if (t && t[0] === 'GroupingSet') {
      this.visited.add(t[1]);
      for (const c of list(t[1].content)) this.groupItem(c, level, output);
      return;
    }
    // GROUP BY prefers an input column of this level to a result column of the same name.
    if (t && t[0] === 'ColumnRef') {
      const f = list(t[1].fields);
      if (f.length === 1 && tagged(f[0])?.[0] === 'String') {
        const name = names(f)[0]!;
        const local = level.items.some(
          (i) => i.colsVisible && i.columns.some((c) => c.name === name),
        );
        if (!local && this.bareName(g, output)) return;
      }
    }
    if (t && t[0] === 'A_Const' && t[1].ival !== undefined) return;
    this.expr(g, level);
  }

  // ── FROM ─────────────────────────────────────────────────────────────────
  protected fromClause(items: unknown, level: Level): void {
    const prior: NsItem[] = [];
    for (const item of list(items)) {
      const ns = this.fromItem(item, level, prior);
      prior.push(...ns);
      level.items.push(...ns);
    }
  }

  /** One FROM item; `prior` are the items before it at this level (what LATERAL may see). */
  private fromItem(item: unknown, level: Level, prior: NsItem[]): NsItem[] {
    const t = tagged(item);
    if (!t) throw invalid('an item in FROM could not be read');
    const [tag, n] = t;
    this.visited.add(n);
    switch (tag) {
      case 'RangeVar':
        return [this.rangeVar(n, level)];
      case 'RangeSubselect': {
        const alias = aliasOf(n.alias);
        // Without LATERAL a subquery sees the enclosing levels only, not its siblings.
        const parent =
          n.lateral === true
            ? { items: [...prior], parent: level.parent, ctes: level.ctes }
            : level.parent;
        const out = this.query(n.subquery, parent);
        return [
          derived(alias.name, renamed(out, alias.cols, `subquery ${alias.name ?? ''}`.trim())),
        ];
      }
      case 'JoinExpr':
        return this.join(n, level, prior);
      default:
        throw notAllowed(
          `${tag === 'RangeFunction' ? 'a function' : tag} in FROM is not allowed: query tables directly`,
          { construct: tag },
        );
    }
  }

  protected rangeVar(n: PgNode, level: Level): NsItem {
    this.visited.add(n);
    const relname = String(n.relname ?? '');
    const schemaName = typeof n.schemaname === 'string' ? n.schemaname : null;
    const catalog = typeof n.catalogname === 'string' ? n.catalogname : null;
    const alias = aliasOf(n.alias);
    const cte = schemaName === null && catalog === null ? this.findCte(level, relname) : null;
    if (cte) {
      return derived(alias.name ?? relname, renamed(cte.columns, alias.cols, `WITH ${relname}`));
    }
    // The tree omits false flags: ONLY shows as a missing `inh`.
    if (n.inh !== true) throw notAllowed('ONLY is not supported: query the table itself');
    if (n.relpersistence !== undefined && n.relpersistence !== 'p')
      throw notAllowed('temporary or unlogged table syntax is not allowed here');
    const meta = this.table(schemaName, relname, catalog);
    // Reading a table's rows is an access even when no column is named (count(*), SELECT 1 FROM t).
    this.entry(meta);
    return {
      refname: alias.name ?? relname,
      schema: alias.name === null ? (schemaName ?? this.schema.defaultSchema ?? 'public') : null,
      columns: this.baseColumns(meta, alias.cols),
      relVisible: true,
      colsVisible: true,
    };
  }

  private join(n: PgNode, level: Level, prior: NsItem[]): NsItem[] {
    if (n.join_using_alias !== undefined)
      throw notAllowed('JOIN … USING (…) AS alias is not supported');
    const left = this.fromItem(n.larg, level, prior);
    const right = this.fromItem(n.rarg, level, [...prior, ...left]);
    const l = left.find((i) => i.colsVisible);
    const r = right.find((i) => i.colsVisible);
    if (!l || !r) throw invalid('a JOIN could not be read');

    let using = names(n.usingClause);
    if (n.isNatural === true)
      using = l.columns.map((c) => c.name).filter((c) => r.columns.some((x) => x.name === c));
    const one = (side: NsItem, name: string, which: string): ItemColumn => {
      const hits = side.columns.filter((c) => c.name === name);
      if (hits.length !== 1) {
        throw invalid(
          hits.length
            ? `column '${name}' in USING is ambiguous on the ${which} side`
            : `column '${name}' named in USING does not exist on the ${which} side`,
        );
      }
      return hits[0]!;
    };
    const merged: ItemColumn[] = [];
    for (const name of using) {
      if (merged.some((m) => m.name === name))
        throw invalid(`column '${name}' appears twice in USING`);
      const lc = one(l, name, 'left');
      const rc = one(r, name, 'right');
      // The join compares both sides, and a merged column is either side's value (COALESCE in a FULL JOIN).
      const reads = [...lc.reads, ...rc.reads];
      this.recordReads(reads);
      merged.push({ name, reads });
    }
    const columns = [
      ...merged,
      ...l.columns.filter((c) => !using.includes(c.name)),
      ...r.columns.filter((c) => !using.includes(c.name)),
    ];
    // ON sees the join's two sides and the enclosing levels, nothing else of this level.
    if (n.quals !== undefined)
      this.expr(n.quals, { items: [...left, ...right], parent: level.parent, ctes: new Map() });

    const alias = aliasOf(n.alias);
    if (alias.name !== null) {
      const cols = renamed(
        columns.map((c) => c.name),
        alias.cols,
        `join ${alias.name}`,
      );
      return [
        {
          refname: alias.name,
          schema: null,
          columns: columns.map((c, i) => ({ name: cols[i]!, reads: c.reads })),
          relVisible: true,
          colsVisible: true,
        },
      ];
    }
    return [
      ...[...left, ...right].map((i) => ({ ...i, colsVisible: false })),
      { refname: null, schema: null, columns, relVisible: false, colsVisible: true },
    ];
  }
}
