/**
 * The read side of the guard's AST layer: walks SELECTs (and every expression, in every
 * clause) with real scoping — CTEs shadow tables, aliases resolve per query block, correlated
 * subqueries see their outer blocks — and records every table and column read, `*` expanded
 * against the schema. Any node it does not understand is refused: the guard never guesses.
 * Name resolution lives in scope-analyzer.ts; the write statements build on this in analyzer.ts.
 */
import { CAST_TYPES, FUNCTION_ALLOWLIST } from './functions';
import { fold } from './schema-index';
import {
  LITERAL_TYPES,
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
import { ScopeAnalyzer } from './scope-analyzer';

const TIME_UNITS = new Set([
  'microsecond',
  'second',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'quarter',
  'year',
  'frac_second',
]);

export class QueryAnalyzer extends ScopeAnalyzer {
  // ── SELECT ───────────────────────────────────────────────────────────────
  /** Analyses a select (and its UNION chain); returns its output column names (folded). */
  protected selectBlock(node: Node, parent: Scope | null): string[] {
    const ctes = new Map<string, string[]>();
    const outer: Scope = { ...newScope(parent), ctes };
    if (Array.isArray(node.with)) this.withClause(node.with as Node[], outer);

    let first: string[] | null = null;
    for (let block: Node | null = node; block; block = isNode(block._next) ? block._next : null) {
      const cols = this.singleSelect(block, outer);
      first ??= cols;
      if (block !== node && block.with)
        throw notAllowed('WITH inside a compound select is not supported');
    }
    return first ?? [];
  }

  protected withClause(items: Node[], scope: Scope) {
    for (const item of items) {
      const name = ident(item.name);
      if (!name) throw invalid('a WITH clause has no name');
      const body = this.unwrapSelect(item.stmt);
      if (!body) throw notAllowed(`WITH ${name} must be a SELECT`);
      const declared = Array.isArray(item.columns)
        ? (item.columns as unknown[]).map((c) => {
            const n = isNode(c) && c.type === 'column_ref' ? ident(c.column) : ident(c);
            if (!n) throw invalid(`a column of WITH ${name} could not be read`);
            if (isNode(c)) this.visited.add(c); // a name being declared, not a read
            return fold(n);
          })
        : null;
      if (item.recursive || declared) {
        // Register before analysing the body, so a recursive reference resolves to the CTE.
        const columns = declared ?? this.recursiveColumns(name, body, scope);
        scope.ctes.set(fold(name), columns);
        const out = this.selectBlock(body, scope);
        if (out.length !== columns.length)
          throw invalid(
            `WITH ${name} declares ${columns.length} columns but its query returns ${out.length}`,
          );
      } else {
        scope.ctes.set(fold(name), this.selectBlock(body, scope));
      }
    }
  }

  /**
   * A recursive CTE without a column list takes its column names from its first SELECT (the
   * non-recursive term), as SQLite, MySQL and MariaDB do. That SELECT is read on its own first,
   * with the CTE's name bound to a table of no columns: a reference to itself there (which the
   * engines refuse) resolves no column and finds no name.
   */
  private recursiveColumns(name: string, body: Node, scope: Scope): string[] {
    if (body.with || !isNode(body._next))
      throw notAllowed(
        `recursive WITH ${name} without a column list must be a UNION of a first SELECT and the recursive one; or give it a column list, e.g. WITH RECURSIVE ${name}(x) AS (…)`,
      );
    const probe: Scope = { ...newScope(scope), ctes: new Map([[fold(name), []]]) };
    const columns = this.singleSelect(body, probe);
    if (
      columns.length === 0 ||
      columns.includes('?expr') ||
      new Set(columns).size !== columns.length
    )
      throw notAllowed(
        `recursive WITH ${name}: name each column of its first SELECT (AS x), or give it a column list, e.g. WITH RECURSIVE ${name}(x) AS (…)`,
      );
    return columns;
  }

  protected unwrapSelect(v: unknown): Node | null {
    if (!isNode(v)) return null;
    if (v.type === 'select') return v;
    if (isNode(v.ast)) return this.unwrapSelect(v.ast);
    return null;
  }

  protected singleSelect(node: Node, outer: Scope): string[] {
    this.visited.add(node);
    const into = node.into;
    if (isNode(into) && (into.position || into.expr || into.type)) {
      throw notAllowed('SELECT … INTO is not allowed');
    }
    if (node.for_update || node.locking_read || node.lock) {
      throw notAllowed('locking reads (FOR UPDATE / FOR SHARE) are not allowed');
    }
    if (isNode(node.distinct) && node.distinct.columns)
      throw notAllowed('DISTINCT ON is not supported');
    // MySQL's SELECT modifiers (SQL_CALC_FOUND_ROWS, HIGH_PRIORITY, STRAIGHT_JOIN, SQL_NO_CACHE, …).
    if (Array.isArray(node.options) && node.options.length > 0) {
      throw notAllowed(
        `SELECT modifiers (${(node.options as unknown[]).map(String).join(', ')}) are not supported`,
      );
    }
    const scope = newScope(outer);
    this.fromClause(node.from, scope);

    const output: string[] = [];
    const aliases = new Set<string>();
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
        this.visited.add(expr);
        const q = ident(expr.table);
        output.push(...this.expandStar(scope, q === null ? null : fold(q)));
        continue;
      }
      this.expr(expr, scope);
      const name =
        alias ?? (isNode(expr) && expr.type === 'column_ref' ? ident(expr.column) : null);
      if (alias) aliases.add(fold(alias));
      output.push(name === null ? '?expr' : fold(name));
    }

    // Output aliases are not names in the select list itself (`SELECT 1 AS salary, salary`
    // reads the column); SQLite lets WHERE see them, the others only the later clauses.
    if (this.dialect === 'sqlite') scope.outputAliases = aliases;
    this.expr(node.where, scope);
    scope.outputAliases = aliases;
    const groupby = isNode(node.groupby) ? node.groupby.columns : node.groupby;
    this.exprList(groupby, scope);
    this.expr(node.having, scope);
    if (Array.isArray(node.orderby))
      for (const o of node.orderby as Node[]) this.expr(o.expr, scope);
    if (isNode(node.limit)) this.exprList(node.limit.value, scope);
    // Named windows (WINDOW w AS (PARTITION BY … ORDER BY …)) read columns like inline ones.
    // The parser nests their list under `expr`; an unknown shape is refused, not skipped.
    const win = node.window;
    if (win !== null && win !== undefined) {
      const defs = Array.isArray(win)
        ? win
        : isNode(win) && Array.isArray(win.expr)
          ? win.expr
          : null;
      if (!defs) throw invalid('a WINDOW clause could not be read');
      for (const w of defs as Node[]) this.windowSpec(w, scope);
    }
    return output;
  }

  protected fromClause(from: unknown, scope: Scope) {
    if (from === null || from === undefined) return;
    if (!Array.isArray(from)) throw invalid('a FROM clause could not be read');
    for (const item of from as Node[]) {
      const alias = ident(item.as);
      if (alias && fold(alias) === 'natural') {
        throw notAllowed(
          'NATURAL JOIN is not supported: write the join condition with ON or USING',
        );
      }
      if (item.join && /natural/i.test(String(item.join))) {
        throw notAllowed(
          'NATURAL JOIN is not supported: write the join condition with ON or USING',
        );
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
          // Reading a table's rows is an access even when no column is named (SELECT 1 FROM t,
          // count(*)): the policy must see the table.
          this.entry(meta);
          source = {
            qualifier: fold(alias ?? (name as string)),
            table: meta,
            columns: [...meta.byFolded.keys()],
          };
        }
      } else if (isNode(item.expr)) {
        const sub = this.unwrapSelect(item.expr);
        if (!sub) {
          const what =
            item.expr.type === 'function'
              ? `table-valued function ${ident((item.expr.name as Node)?.name) ?? ''}`.trim()
              : String(item.expr.type);
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
          if (isNode(u)) this.visited.add(u);
          // USING compares the column on both sides: record it for every source that has it.
          let found = false;
          for (const s of scope.sources) {
            if (s.columns.includes(fold(col))) {
              found = true;
              if (s.table) this.recordRead(s.table, s.table.byFolded.get(fold(col))!);
            }
          }
          if (!found) throw unknownName(`unknown column '${col}' in USING`);
          scope.merged.add(fold(col));
        }
      }
    }
  }

  // ── expressions ──────────────────────────────────────────────────────────
  protected exprList(v: unknown, scope: Scope) {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) {
      for (const e of v) this.expr(isNode(e) && 'expr' in e && !('type' in e) ? e.expr : e, scope);
      return;
    }
    this.expr(v, scope);
  }

  protected expr(v: unknown, scope: Scope): void {
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
        // Subscripts (`tags[1]`) are expressions of their own.
        if (Array.isArray(v.array_index))
          for (const a of v.array_index as Node[]) this.expr(isNode(a) ? a.index : a, scope);
        return;
      case 'double_quote_string':
      case 'backticks_quote_string':
        this.visited.add(v);
        // With DQS off (SQLite as built here) and in MySQL backticks, quotes make identifiers.
        if (this.dialect === 'sqlite' || type === 'backticks_quote_string') {
          this.resolveColumn(null, ident(v) ?? '', scope);
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
        this.castTargets(v.target);
        this.expr(v.expr, scope);
        return;
      case 'date':
      case 'time':
      case 'timestamp':
      case 'datetime':
        // Typed literals: DATE '2024-01-01'.
        if (typeof v.value === 'string') return;
        throw notAllowed(`the SQL construct '${type}' is not supported by the guard`, {
          construct: type,
        });
      case 'interval':
        // INTERVAL '1 day': a literal; anything else is read as an expression.
        this.expr(v.expr, scope);
        return;
      case 'extract':
        if (!isNode(v.args) || typeof v.args.field !== 'string')
          throw invalid('an EXTRACT could not be read');
        this.expr(v.args.source, scope);
        return;
      case 'array':
        // ARRAY[a, b] (PostgreSQL)
        if (!isNode(v.expr_list)) throw invalid('an ARRAY constructor could not be read');
        this.expr(v.expr_list, scope);
        return;
      case 'case':
        this.expr(v.expr, scope);
        for (const arm of (v.args as Node[]) ?? []) {
          this.expr(arm.cond, scope);
          this.expr(arm.result, scope);
        }
        return;
      case 'origin':
        if (typeof v.value === 'string' && /^(\?\d*|current_(timestamp|date|time))$/i.test(v.value))
          return;
        throw notAllowed(`'${String(v.value)}' is not allowed here`);
      case 'param':
        return;
      case 'var':
        if (v.prefix === '@@' || (Array.isArray(v.members) && v.members.length > 0)) {
          throw notAllowed('server variables are not allowed');
        }
        if (this.dialect === 'mysql' && v.prefix === '@')
          throw notAllowed('user variables are not allowed');
        return;
      default:
        if (LITERAL_TYPES.has(type)) return;
        throw notAllowed(`the SQL construct '${type}' is not supported by the guard`, {
          construct: type,
        });
    }
  }

  protected call(v: Node, scope: Scope) {
    const nameNode = v.name;
    let name: string | null;
    if (typeof nameNode === 'string') name = nameNode;
    else if (isNode(nameNode) && Array.isArray(nameNode.name)) {
      const parts = (nameNode.name as unknown[]).map(ident);
      if (parts.length !== 1 || nameNode.schema)
        throw notAllowed('schema-qualified function calls are not allowed');
      name = parts[0] ?? null;
    } else name = ident(nameNode);
    if (!name) throw invalid('a function name could not be read');
    this.visited.add(v);
    const f = fold(name);
    if (f === 'exists') return this.exists(v, scope);
    // `NOT (…)` and `ROW(a, b)` are operators the parser shapes as calls.
    if (f === 'not' || (f === 'row' && this.dialect !== 'sqlite'))
      return this.operatorCall(v, f, scope);
    if (this.dialect === 'postgres' && (f === 'any' || f === 'all' || f === 'some'))
      return this.quantified(v, f, scope);
    if (!FUNCTION_ALLOWLIST[this.dialect].has(f)) {
      throw notAllowed(`function ${f}() is not allowed`, { function: f });
    }
    this.functions.add(f);
    const args = v.args;
    if (isNode(args)) {
      if (args.type === 'expr_list') this.exprList(this.unitFirst(f, args.value), scope);
      else {
        this.expr(args.expr, scope);
        if (Array.isArray(args.orderby))
          for (const o of args.orderby as Node[]) this.expr(o.expr, scope);
      }
    } else if (Array.isArray(args)) this.exprList(args, scope);
    if (v.filter)
      this.expr(isNode(v.filter) && 'where' in v.filter ? v.filter.where : v.filter, scope);
    if (v.over) this.windowSpec(v.over, scope);
  }

  /**
   * The parser reads `EXISTS (subquery)` as a call named EXISTS. It is an operator, not a
   * function, so it is checked by shape: exactly one argument, and that a subquery.
   */
  protected exists(v: Node, scope: Scope) {
    const args = v.args;
    const list =
      isNode(args) && args.type === 'expr_list' && Array.isArray(args.value)
        ? (args.value as unknown[])
        : null;
    if (!list || list.length !== 1 || !this.unwrapSelect(list[0]) || v.over || v.filter) {
      throw invalid('EXISTS takes exactly one subquery');
    }
    this.expr(list[0], scope);
  }

  protected operatorCall(v: Node, f: string, scope: Scope) {
    const args = v.args;
    const list =
      isNode(args) && args.type === 'expr_list' && Array.isArray(args.value)
        ? (args.value as unknown[])
        : null;
    if (!list || list.length === 0 || (f === 'not' && list.length !== 1) || v.over || v.filter) {
      throw invalid(`${f.toUpperCase()} could not be read`);
    }
    this.exprList(list, scope);
  }

  /**
   * MySQL's TIMESTAMPDIFF(DAY, a, b) and TIMESTAMPADD(DAY, n, d) take a unit keyword first;
   * the parser leaves it as a bare word. Only a real unit passes; the rest are expressions.
   */
  protected unitFirst(f: string, args: unknown): unknown {
    if (
      this.dialect !== 'mysql' ||
      (f !== 'timestampdiff' && f !== 'timestampadd') ||
      !Array.isArray(args)
    )
      return args;
    const [unit, ...rest] = args as unknown[];
    if (
      !isNode(unit) ||
      unit.type !== 'origin' ||
      typeof unit.value !== 'string' ||
      !TIME_UNITS.has(fold(unit.value).replace(/^sql_tsi_/, ''))
    ) {
      throw invalid(`${f.toUpperCase()} takes a unit first (DAY, MONTH, …)`);
    }
    return rest;
  }

  /** `x = ANY (array | subquery)` (PostgreSQL): an operator, read as a call by the parser. */
  protected quantified(v: Node, f: string, scope: Scope) {
    const args = v.args;
    const list =
      isNode(args) && args.type === 'expr_list' && Array.isArray(args.value)
        ? (args.value as unknown[])
        : null;
    if (!list || list.length !== 1 || v.over || v.filter)
      throw invalid(`${f.toUpperCase()} takes exactly one array or subquery`);
    this.expr(list[0], scope);
  }

  /** Casts only to plain built-in types (see CAST_TYPES): a cast runs the type's input function. */
  protected castTargets(target: unknown) {
    const targets = Array.isArray(target) ? target : [target];
    for (const t of targets) {
      if (!isNode(t) || typeof t.dataType !== 'string')
        throw invalid('the type of a CAST could not be read');
      const base = fold(t.dataType);
      const suffix = Array.isArray(t.suffix)
        ? (t.suffix as unknown[]).map((x) => fold(String(x))).join(' ')
        : '';
      const ok =
        CAST_TYPES[this.dialect].has(base) &&
        (suffix === '' || suffix === 'with time zone' || suffix === 'without time zone');
      if (!ok)
        throw notAllowed(`casting to ${t.dataType}${suffix ? ` ${suffix}` : ''} is not allowed`, {
          castType: base,
        });
    }
  }

  protected windowSpec(over: unknown, scope: Scope) {
    if (!isNode(over)) return; // a named window (`OVER w`) is analysed where it is defined
    const spec = isNode(over.as_window_specification)
      ? (((over.as_window_specification as Node).window_specification as Node | undefined) ??
        over.as_window_specification)
      : over;
    if (!isNode(spec)) return;
    const partition = spec.partitionby;
    this.exprList(
      Array.isArray(partition)
        ? (partition as Node[]).map((p) => (isNode(p) && 'expr' in p ? p.expr : p))
        : partition,
      scope,
    );
    if (Array.isArray(spec.orderby))
      for (const o of spec.orderby as Node[]) this.expr(o.expr, scope);
  }
}
