/**
 * The shape of libpg-query's parse tree (PostgreSQL's own raw parse tree as JSON): a node is
 * `{ TypeName: { ...fields } }`, a few fields hold a node's fields without the wrapper. These
 * helpers read it, and the list of node types the PostgreSQL analyzer understands: a type not
 * on it anywhere in the tree refuses the statement before the walk starts.
 */
import { notAllowed } from '../ast';

export type PgNode = Record<string, unknown>;

export const isObj = (v: unknown): v is PgNode =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ Tag: body }` → [Tag, body]; anything else → null. */
export function tagged(v: unknown): [string, PgNode] | null {
  if (!isObj(v)) return null;
  const keys = Object.keys(v);
  if (keys.length !== 1) return null;
  const tag = keys[0]!;
  const body = v[tag];
  if (!/^[A-Z]/.test(tag) || !isObj(body)) return null;
  return [tag, body];
}

export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The text of a `{ String: { sval } }` node. */
export function str(v: unknown): string | null {
  const t = tagged(v);
  if (!t || t[0] !== 'String') return null;
  return typeof t[1].sval === 'string' ? t[1].sval : '';
}

/** A list of `String` nodes (qualified names, column lists) as texts. */
export function names(v: unknown): string[] {
  return list(v).map((n) => {
    const s = str(n);
    if (s === null) throw notAllowed('a name in the statement could not be read');
    return s;
  });
}

/**
 * Every node type the analyzer walks. The tree is checked against this list first, so a new
 * grammar feature, or an old one nobody thought of, is refused instead of being skipped.
 */
export const HANDLED_NODES: ReadonlySet<string> = new Set([
  // statements
  'SelectStmt',
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
  // query parts
  'ResTarget',
  'RangeVar',
  'RangeSubselect',
  'JoinExpr',
  'CommonTableExpr',
  'SortBy',
  'WindowDef',
  'GroupingSet',
  'IndexElem',
  'MultiAssignRef',
  'SetToDefault',
  // expressions
  'ColumnRef',
  'A_Star',
  'A_Const',
  'ParamRef',
  'A_Expr',
  'BoolExpr',
  'NullTest',
  'BooleanTest',
  'TypeCast',
  'FuncCall',
  'NamedArgExpr',
  'SubLink',
  'CaseExpr',
  'CaseWhen',
  'CoalesceExpr',
  'MinMaxExpr',
  'RowExpr',
  'A_ArrayExpr',
  'A_Indirection',
  'A_Indices',
  'SQLValueFunction',
  'CollateClause',
  'GroupingFunc',
  // values
  'String',
  'Integer',
  'Float',
  'Boolean',
  'BitString',
  'List',
]);

/** Refuses a tree holding any node type outside HANDLED_NODES. */
export function assertKnownNodes(root: unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      stack.push(...v);
      continue;
    }
    if (!isObj(v)) continue;
    for (const [key, child] of Object.entries(v)) {
      if (/^[A-Z]/.test(key) && isObj(child) && !HANDLED_NODES.has(key)) {
        throw notAllowed(`the SQL construct ${key} is not supported by the guard`, {
          construct: key,
        });
      }
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
}

/** Node bodies of the kinds that read columns, call functions or open relations. */
const ACCOUNTED = new Set([
  'ColumnRef',
  'FuncCall',
  'SubLink',
  'SelectStmt',
  'RangeVar',
  'RangeSubselect',
  'JoinExpr',
  'A_Expr',
  'TypeCast',
  'ResTarget',
]);

/**
 * After the walk: every node of an ACCOUNTED kind must have been analysed. One sitting in a
 * field the walk does not read would otherwise go unchecked.
 */
export function assertAllVisited(root: unknown, visited: WeakSet<object>): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      stack.push(...v);
      continue;
    }
    if (!isObj(v)) continue;
    for (const [key, child] of Object.entries(v)) {
      if (ACCOUNTED.has(key) && isObj(child) && !visited.has(child)) {
        throw notAllowed(
          `the guard could not account for a ${key} in this position of the statement`,
          { construct: key },
        );
      }
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
}
