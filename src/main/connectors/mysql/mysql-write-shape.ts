/**
 * What Airlock reads of a MySQL/MariaDB write statement for its images: the one table it
 * writes (as the statement names it), its WHERE as SQL text of its own (rebuilt from the parse
 * tree, and used only if it parses back to the same tree), the parameters that WHERE takes,
 * and whether the WHERE can match other rows when run again (subqueries, volatile functions).
 */
import nodeSqlParser from 'node-sql-parser';
import { parseStatement } from '../../guard/parse';
import { QUOTE_IN_NAME } from '../../guard/parser-form';
import type { WriteImages } from '../types';

const parser = new nodeSqlParser.Parser();
type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every `?` placeholder in a subtree. */
function placeholders(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + placeholders(x), 0);
  if (!isNode(v)) return 0;
  if (v.type === 'origin' && v.value === '?') return 1;
  return Object.values(v).reduce((n: number, x) => n + placeholders(x), 0);
}

/** Functions whose value changes between two statements of one transaction. */
const VOLATILE = new Set([
  'RAND',
  'UUID',
  'UUID_SHORT',
  'SYS_GUID',
  'RANDOM_BYTES',
  'NOW',
  'SYSDATE',
  'CURRENT_TIMESTAMP',
  'LOCALTIME',
  'LOCALTIMESTAMP',
  'CURDATE',
  'CURRENT_DATE',
  'CURTIME',
  'CURRENT_TIME',
  'UTC_DATE',
  'UTC_TIME',
  'UTC_TIMESTAMP',
  'UNIX_TIMESTAMP',
  'LAST_INSERT_ID',
  'CONNECTION_ID',
  'FOUND_ROWS',
  'ROW_COUNT',
  'NEXTVAL',
  'LASTVAL',
  'SETVAL',
  'SLEEP',
  'BENCHMARK',
]);

/**
 * Whether a WHERE may match other rows when run again in the same transaction: a subquery (it
 * reads other tables without the locks the write takes) or a volatile function. An update of
 * such a WHERE cannot be tied to the rows read before it.
 */
export function unstable(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(unstable);
  if (!isNode(v)) return false;
  if (v.type === 'select' || 'ast' in v) return true;
  if (v.type === 'function') {
    const name = isNode(v.name) && Array.isArray(v.name.name) ? v.name.name : [v.name];
    if (name.some((n) => VOLATILE.has(String(isNode(n) ? n.value : n).toUpperCase()))) return true;
  }
  return Object.values(v).some(unstable);
}

/** The statement's one target (`{ db, table, as }`) and WHERE, when it is a plain one-table write. */
export interface Shape {
  kind: WriteImages['kind'];
  target: Node | null;
  where: unknown;
  /** Why the rows cannot be read back by the WHERE (joins, ORDER BY/LIMIT), or null. */
  whereProblem: string | null;
  /** INSERT: the columns it names (null: all). */
  insertColumns: string[] | null;
  upsert: boolean;
  placeholders: number;
  /**
   * INSERT … VALUES: per row, each value as a literal or the index of its parameter; null where
   * a value is an expression (or the insert is not a VALUES list).
   */
  insertValues: ({ literal: unknown } | { param: number } | null)[][] | null;
}

function insertValues(ast: Node): Shape['insertValues'] {
  const v = ast.values;
  if (!isNode(v) || v.type !== 'values' || !Array.isArray(v.values)) return null;
  let param = 0;
  return (v.values as unknown[]).map((row) => {
    const items = isNode(row) && Array.isArray(row.value) ? (row.value as unknown[]) : [];
    return items.map((x) => {
      if (isNode(x) && x.type === 'origin' && x.value === '?') return { param: param++ };
      const n = placeholders(x);
      param += n;
      if (
        n === 0 &&
        isNode(x) &&
        ['number', 'single_quote_string', 'string'].includes(String(x.type))
      )
        return { literal: x.value };
      return null;
    });
  });
}

export function shapeOf(sql: string): Shape {
  const ast = parseStatement(sql, 'mysql');
  const type = String(ast.type);
  const kind: WriteImages['kind'] =
    type === 'delete' ? 'delete' : type === 'update' ? 'update' : 'insert';
  const tables = Array.isArray(ast.table) ? (ast.table as unknown[]) : [];
  const from = Array.isArray(ast.from) ? (ast.from as unknown[]) : [];
  const one =
    tables.length === 1 &&
    isNode(tables[0]) &&
    !tables[0].join &&
    from.every((f) => isNode(f) && !f.join);
  const target = one ? (tables[0] as Node) : null;
  let whereProblem: string | null = null;
  if (!one || (kind === 'delete' && from.length !== 1))
    whereProblem = 'the write names more than one table';
  else if (ast.orderby || ast.limit) whereProblem = 'the write has ORDER BY or LIMIT';
  else if (ast.with) whereProblem = 'the write has a WITH clause';
  return {
    kind,
    target,
    where: ast.where ?? null,
    whereProblem,
    insertColumns: Array.isArray(ast.columns) ? (ast.columns as unknown[]).map(String) : null,
    upsert: Boolean(ast.on_duplicate_update) || type === 'replace',
    placeholders: placeholders(ast),
    insertValues: kind === 'insert' ? insertValues(ast) : null,
  };
}

/** The tree with quoted names as plain ones (sqlify quotes every name it writes). */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (!isNode(v)) return v;
  if (v.type === 'backticks_quote_string' && typeof v.value === 'string') return v.value;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

const SELECT_BASE = {
  with: null,
  type: 'select',
  options: null,
  distinct: null,
  columns: [{ expr: { type: 'column_ref', table: null, column: '*' }, as: null }],
  into: { position: null },
  groupby: null,
  having: null,
  orderby: null,
  collate: null,
  limit: null,
  locking_read: null,
  window: null,
};

/** The WHERE as SQL text (parsed back to the same tree), with the parameters it takes. */
export function whereSql(
  shape: Shape,
  params: unknown[],
): { text: string; values: unknown[] } | null {
  if (shape.where === null) return { text: 'TRUE', values: [] };
  const from = [{ db: null, table: 'airlock_t', as: null }];
  let text: string;
  try {
    const full = parser.sqlify({ ...SELECT_BASE, from, where: shape.where } as never, {
      database: 'mariadb',
    });
    const prefix = 'SELECT * FROM `airlock_t` WHERE ';
    if (!full.startsWith(prefix)) return null;
    text = full.slice(prefix.length);
    // A name the guard had to mark up for the parser (a quote inside it) is not sent back.
    if (text.includes(QUOTE_IN_NAME)) return null;
    const back = parseStatement(`SELECT * FROM airlock_t WHERE ${text}`, 'mysql');
    if (JSON.stringify(plain(back.where)) !== JSON.stringify(plain(shape.where))) return null;
  } catch {
    return null;
  }
  // The WHERE's placeholders are the statement's last ones (nothing with a ? follows it).
  const k = placeholders(shape.where);
  if (shape.placeholders !== params.length) return null;
  return { text, values: params.slice(params.length - k) };
}
