/**
 * Shared shapes for the guard's AST walk: node-sql-parser's untyped JSON, the scopes the
 * analyzer builds, and the errors it raises.
 */
import { AirlockError } from '../../shared/errors';
import type { TableMeta } from './schema-index';

/* node-sql-parser's AST is untyped JSON whose shape differs between grammars. */
export type Node = Record<string, unknown>;

export interface Source {
  /** folded name used to qualify columns (alias, or the table's own name) */
  qualifier: string;
  table: TableMeta | null;
  /** folded column names this source exposes */
  columns: string[];
}

export interface Scope {
  sources: Source[];
  ctes: Map<string, string[]>;
  parent: Scope | null;
  /**
   * Folded output aliases of this select, set only while the clauses the engine lets see them
   * are analysed (ORDER BY / GROUP BY / HAVING, and WHERE in SQLite); never in the select list.
   */
  outputAliases: Set<string>;
  /** Folded names of USING columns: unqualified, they are the one merged column, not ambiguous. */
  merged: Set<string>;
}

export const newScope = (parent: Scope | null, sources: Source[] = []): Scope => ({
  sources,
  ctes: new Map(),
  parent,
  outputAliases: new Set(),
  merged: new Set(),
});

export const notAllowed = (message: string, details: Record<string, unknown> = {}) =>
  new AirlockError('STATEMENT_NOT_ALLOWED', message, { layer: 'ast', ...details });
export const invalid = (message: string, details: Record<string, unknown> = {}) =>
  new AirlockError('INVALID_SQL', message, { layer: 'ast', ...details });
export const unknownName = (message: string, details: Record<string, unknown> = {}) =>
  new AirlockError('PERMISSION_DENIED', message, { layer: 'ast', ...details });

export const isNode = (v: unknown): v is Node =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The name a quoted identifier spells: the parser keeps the doubled quote of `"wei""rd"` and
 * `` `wei``rd` ``; the engine reads one. Unquoted names cannot contain either quote, so undoing
 * the doubling is right wherever it appears. U+E000 is parser-form.ts's stand-in for `""`.
 */
const unquote = (s: string) => s.replace(/""|\uE000/g, '"').replace(/``/g, '`');

/** Identifier text from a string or one of the parser's wrapper shapes. */
export function ident(v: unknown): string | null {
  if (typeof v === 'string') return unquote(v);
  if (!isNode(v)) return null;
  if (isNode(v.expr)) return ident(v.expr);
  if (typeof v.value === 'string') return unquote(v.value);
  return null;
}

export const LITERAL_TYPES = new Set([
  'number',
  'bigint',
  'single_quote_string',
  'string',
  'bool',
  'boolean',
  'null',
  'hex_string',
  'full_hex_string',
  'bit_string',
  'natural_string',
  'star',
]);

/**
 * Node types that carry a column read, a subquery or a function call. After the walk, every
 * such node in the AST must have been analysed: one sitting in a field the walk does not know
 * (a new grammar feature, an odd clause such as LIKE … ESCAPE) would otherwise go unchecked.
 */
const ACCOUNTED_TYPES = new Set([
  'column_ref',
  'double_quote_string',
  'backticks_quote_string',
  'select',
  'function',
  'aggr_func',
  'window_func',
]);

export function assertAllVisited(ast: unknown, visited: WeakSet<object>): void {
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      stack.push(...v);
      continue;
    }
    if (!isNode(v)) continue;
    if (typeof v.type === 'string' && ACCOUNTED_TYPES.has(v.type) && !visited.has(v)) {
      throw notAllowed(
        `the guard could not account for a ${v.type.replace(/_/g, ' ')} in this position of the statement`,
        {
          construct: v.type,
        },
      );
    }
    for (const child of Object.values(v))
      if (typeof child === 'object' && child !== null) stack.push(child);
  }
}
