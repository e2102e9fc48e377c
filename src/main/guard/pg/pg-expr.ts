/**
 * Expressions in the PostgreSQL parse tree: every column reference resolved by identity
 * (pg-scope.ts), every function checked against the allowlist, every cast and type-name
 * literal against the type allowlist, every operator against the standard operators,
 * subqueries analysed with their enclosing levels visible. A node kind not handled here is
 * refused.
 */
import { invalid, notAllowed } from '../ast';
import { CAST_TYPES, FUNCTION_ALLOWLIST, PG_SYNTAX_FUNCTIONS } from '../functions';
import { isObj, list, names, str, tagged, type PgNode } from './pg-nodes';
import { PgScope, type Level } from './pg-scope';

/** Operators of the built-in types an analyst uses. A user-defined operator runs arbitrary code. */
const OPERATORS = new Set([
  '=',
  '<>',
  '!=',
  '<',
  '>',
  '<=',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '||',
  '~',
  '~*',
  '!~',
  '!~*',
  '~~',
  '~~*',
  '!~~',
  '!~~*',
  '@>',
  '<@',
  '&&',
  '->',
  '->>',
  '#>',
  '#>>',
  '?',
  '?|',
  '?&',
  '|/',
  '||/',
  '@',
  '&',
  '|',
  '#',
  '<<',
  '>>',
  '-|-',
  '&<',
  '&>',
]);

/** SQL value functions: the clock only. current_user and friends name roles, which is not data an agent needs. */
const SQL_VALUE_FUNCTIONS: Record<string, string> = {
  SVFOP_CURRENT_DATE: 'current_date',
  SVFOP_CURRENT_TIME: 'current_time',
  SVFOP_CURRENT_TIME_N: 'current_time',
  SVFOP_CURRENT_TIMESTAMP: 'current_timestamp',
  SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp',
  SVFOP_LOCALTIME: 'localtime',
  SVFOP_LOCALTIME_N: 'localtime',
  SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
};

export abstract class PgExpr extends PgScope {
  /** Analyses a SELECT whose enclosing level is `parent`; returns its output column names. */
  protected abstract query(stmt: unknown, parent: Level | null): string[];

  protected exprs(v: unknown, level: Level): void {
    for (const e of list(v)) this.expr(e, level);
  }

  protected expr(v: unknown, level: Level): void {
    if (v === undefined || v === null) return;
    const t = tagged(v);
    if (!t) throw invalid('an expression could not be read');
    const [tag, n] = t;
    this.visited.add(n);
    switch (tag) {
      case 'ColumnRef':
        return this.columnRef(n, level);
      case 'A_Const':
      case 'ParamRef':
      case 'SetToDefault':
        if (tag === 'SetToDefault')
          throw notAllowed('DEFAULT is only allowed as a value written by INSERT or UPDATE');
        return;
      case 'A_Expr':
        return this.aExpr(n, level);
      case 'BoolExpr':
      case 'CoalesceExpr':
      case 'MinMaxExpr':
      case 'GroupingFunc':
        return this.exprs(n.args, level);
      case 'RowExpr':
        if (n.colnames !== undefined) throw notAllowed('named ROW fields are not supported');
        return this.exprs(n.args, level);
      case 'NullTest':
      case 'BooleanTest':
        return this.expr(n.arg, level);
      case 'NamedArgExpr':
        return this.expr(n.arg, level);
      case 'CollateClause':
        // Naming a collation reads nothing; collations of other schemas are not resolved here.
        if (names(n.collname).length !== 1)
          throw notAllowed('schema-qualified collations are not allowed');
        return this.expr(n.arg, level);
      case 'TypeCast':
        this.typeName(n.typeName);
        return this.expr(n.arg, level);
      case 'FuncCall':
        return this.call(n, level);
      case 'SubLink':
        return this.subLink(n, level);
      case 'CaseExpr':
        this.expr(n.arg, level);
        for (const w of list(n.args)) {
          const cw = tagged(w);
          if (!cw || cw[0] !== 'CaseWhen') throw invalid('a CASE arm could not be read');
          this.visited.add(cw[1]);
          this.expr(cw[1].expr, level);
          this.expr(cw[1].result, level);
        }
        return this.expr(n.defresult, level);
      case 'A_ArrayExpr':
        return this.exprs(n.elements, level);
      case 'A_Indirection':
        return this.indirection(n, level);
      case 'SQLValueFunction': {
        const f = SQL_VALUE_FUNCTIONS[String(n.op)];
        if (!f)
          throw notAllowed(`${String(n.op).replace('SVFOP_', '').toLowerCase()} is not allowed`, {
            function: String(n.op),
          });
        this.functions.add(f);
        return;
      }
      case 'List':
        return this.exprs(n.items, level);
      default:
        throw notAllowed(`the SQL construct ${tag} is not supported by the guard`, {
          construct: tag,
        });
    }
  }

  protected columnRef(n: PgNode, level: Level): void {
    const fields = list(n.fields);
    const last = tagged(fields[fields.length - 1]);
    if (last && last[0] === 'A_Star') {
      throw notAllowed(
        "'*' is only allowed in the result list or in count(*): a whole row in one value is not allowed",
      );
    }
    this.resolveColumn(names(fields), level);
  }

  private aExpr(n: PgNode, level: Level): void {
    const kind = String(n.kind);
    const op = names(n.name);
    if (
      kind !== 'AEXPR_BETWEEN' &&
      kind !== 'AEXPR_NOT_BETWEEN' &&
      kind !== 'AEXPR_BETWEEN_SYM' &&
      kind !== 'AEXPR_NOT_BETWEEN_SYM'
    ) {
      const symbol = op[op.length - 1] ?? '';
      const qualifier = op.length === 2 ? op[0] : null;
      if (
        op.length > 2 ||
        (qualifier !== null && qualifier !== 'pg_catalog') ||
        !OPERATORS.has(symbol)
      ) {
        throw notAllowed(`the operator ${op.join('.')} is not allowed`, { operator: op.join('.') });
      }
    }
    this.expr(n.lexpr, level);
    this.expr(n.rexpr, level);
  }

  private indirection(n: PgNode, level: Level): void {
    for (const i of list(n.indirection)) {
      const t = tagged(i);
      if (t && t[0] === 'A_Indices') {
        this.visited.add(t[1]);
        this.expr(t[1].lidx, level);
        this.expr(t[1].uidx, level);
        continue;
      }
      // (row).field reads a field of a whole row or a composite value the guard cannot attribute.
      throw invalid(
        'field selection ((x).field, (x).*) is not supported: name the column directly',
      );
    }
    this.expr(n.arg, level);
  }

  /** A function call: by name against the allowlist, arguments, FILTER, ORDER BY, OVER. */
  protected call(n: PgNode, level: Level): void {
    const fname = names(n.funcname);
    const name = fname[fname.length - 1] ?? '';
    const qualifier = fname.length === 2 ? fname[0] : null;
    if (fname.length > 2 || (qualifier !== null && qualifier !== 'pg_catalog')) {
      throw notAllowed('schema-qualified function calls are not allowed', {
        function: fname.join('.'),
      });
    }
    // Names are exact: a quoted "ABS" is another function than abs, and not on the list.
    const f = name;
    if (!FUNCTION_ALLOWLIST.postgres.has(f) && !PG_SYNTAX_FUNCTIONS.has(f)) {
      throw notAllowed(`function ${f}() is not allowed`, { function: f });
    }
    this.functions.add(f);
    this.exprs(n.args, level);
    for (const s of list(n.agg_order)) this.sortBy(s, level);
    this.expr(n.agg_filter, level);
    if (n.over !== undefined) this.windowDef(n.over, level);
  }

  protected sortBy(v: unknown, level: Level): void {
    const t = tagged(v);
    if (!t || t[0] !== 'SortBy') throw invalid('an ORDER BY item could not be read');
    this.visited.add(t[1]);
    if (t[1].useOp !== undefined) throw notAllowed('ORDER BY … USING an operator is not supported');
    this.expr(t[1].node, level);
  }

  /** An inline window (OVER (…)) or a WINDOW clause entry; a bare `OVER w` is checked where w is defined. */
  protected windowDef(v: unknown, level: Level): void {
    const w = isObj(v) && tagged(v)?.[0] === 'WindowDef' ? tagged(v)![1] : v;
    if (!isObj(w)) throw invalid('a window definition could not be read');
    this.visited.add(w);
    this.exprs(w.partitionClause, level);
    for (const s of list(w.orderClause)) this.sortBy(s, level);
    this.expr(w.startOffset, level);
    this.expr(w.endOffset, level);
  }

  private subLink(n: PgNode, level: Level): void {
    const kind = String(n.subLinkType);
    if (
      ![
        'EXISTS_SUBLINK',
        'ANY_SUBLINK',
        'ALL_SUBLINK',
        'EXPR_SUBLINK',
        'ARRAY_SUBLINK',
        'ROWCOMPARE_SUBLINK',
        'MULTIEXPR_SUBLINK',
      ].includes(kind)
    ) {
      throw notAllowed(`the subquery form ${kind} is not supported`);
    }
    if (n.operName !== undefined) {
      const op = names(n.operName);
      const symbol = op[op.length - 1] ?? '';
      if (op.length > 2 || (op.length === 2 && op[0] !== 'pg_catalog') || !OPERATORS.has(symbol)) {
        throw notAllowed(`the operator ${op.join('.')} is not allowed`, { operator: op.join('.') });
      }
    }
    this.expr(n.testexpr, level);
    this.query(n.subselect, level);
  }

  /** Type names of casts and type-name literals (`int4 '100'`): plain built-in types only. */
  protected typeName(v: unknown): void {
    if (!isObj(v)) throw invalid('the type of a cast could not be read');
    const parts = names(v.names);
    const base = parts[parts.length - 1] ?? '';
    const ok =
      parts.length >= 1 &&
      parts.length <= 2 &&
      (parts.length === 1 || parts[0] === 'pg_catalog') &&
      CAST_TYPES.postgres.has(base) &&
      v.setof !== true &&
      v.pct_type !== true &&
      list(v.typmods).every((m) => {
        const t = tagged(m);
        return t !== null && t[0] === 'A_Const';
      });
    if (!ok)
      throw notAllowed(`casting to ${parts.join('.').toUpperCase()} is not allowed`, {
        castType: base,
      });
  }
}

/** PostgreSQL's name for an output column without an alias (FigureColname in parse_target.c). */
export function figureColname(v: unknown): string {
  const [name, strength] = figure(v);
  return strength === 0 ? '?column?' : name;
}

function figure(v: unknown): [string, number] {
  const t = tagged(v);
  if (!t) return ['', 0];
  const [tag, n] = t;
  switch (tag) {
    case 'ColumnRef': {
      let last: string | null = null;
      for (const f of list(n.fields)) {
        const s = str(f);
        if (s !== null) last = s;
      }
      return last !== null ? [last, 2] : ['', 0];
    }
    case 'A_Indirection': {
      let last: string | null = null;
      for (const f of list(n.indirection)) {
        const s = str(f);
        if (s !== null) last = s;
      }
      return last !== null ? [last, 2] : figure(n.arg);
    }
    case 'FuncCall': {
      const fname = names(n.funcname);
      return [fname[fname.length - 1] ?? '', 2];
    }
    case 'A_Expr':
      return n.kind === 'AEXPR_NULLIF' ? ['nullif', 2] : ['', 0];
    case 'TypeCast': {
      const inner = figure(n.arg);
      if (inner[1] > 1) return inner;
      const parts = isObj(n.typeName) ? names(n.typeName.names) : [];
      return parts.length ? [parts[parts.length - 1]!, 1] : inner;
    }
    case 'CollateClause':
      return figure(n.arg);
    case 'GroupingFunc':
      return ['grouping', 2];
    case 'SubLink':
      switch (n.subLinkType) {
        case 'EXISTS_SUBLINK':
          return ['exists', 2];
        case 'ARRAY_SUBLINK':
          return ['array', 2];
        case 'EXPR_SUBLINK':
          return [subselectFirstName(n.subselect), 2];
        default:
          return ['', 0];
      }
    case 'CaseExpr': {
      const d = figure(n.defresult);
      return d[1] <= 1 ? ['case', 1] : d;
    }
    case 'A_ArrayExpr':
      return ['array', 2];
    case 'RowExpr':
      return ['row', 2];
    case 'CoalesceExpr':
      return ['coalesce', 2];
    case 'MinMaxExpr':
      return n.op === 'IS_GREATEST'
        ? ['greatest', 2]
        : n.op === 'IS_LEAST'
          ? ['least', 2]
          : ['', 0];
    case 'SQLValueFunction': {
      const f = SQL_VALUE_FUNCTIONS[String(n.op)];
      return f ? [f, 2] : ['', 0];
    }
    default:
      return ['', 0];
  }
}

/** A name no identifier can spell (they cannot hold NUL): for columns whose real name is not known here. */
export const UNNAMEABLE = '\u0000unknown';

/** The name of a scalar subquery's first output column, as the server names it. */
function subselectFirstName(v: unknown): string {
  let t = tagged(v);
  // A set operation takes its names from the leftmost query.
  while (t && t[0] === 'SelectStmt' && t[1].op !== undefined && t[1].op !== 'SETOP_NONE')
    t = ['SelectStmt', t[1].larg as PgNode];
  if (!t || t[0] !== 'SelectStmt') return '?column?';
  const s = t[1];
  if (Array.isArray(s.valuesLists)) return 'column1';
  const first = tagged(list(s.targetList)[0]);
  if (!first || first[0] !== 'ResTarget') return '?column?';
  if (typeof first[1].name === 'string') return first[1].name;
  const val = tagged(first[1].val);
  // `*` expands to the first column of the first source: its name is not known here, and a
  // name nothing can reference can only make a reference fail, never resolve elsewhere.
  if (val && val[0] === 'ColumnRef' && tagged(list(val[1].fields).at(-1))?.[0] === 'A_Star')
    return UNNAMEABLE;
  return figureColname(first[1].val);
}
