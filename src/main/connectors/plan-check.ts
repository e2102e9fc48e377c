/**
 * Layer 3 of the guard for the server engines: what the engine's own plan says a statement
 * touches (EXPLAIN, without running it), compared with what the parser reported. A table the
 * plan opens that the parser did not name, a column a plan expression reads that the parser
 * did not report, or a function outside the allowlist means the two read the statement
 * differently: the guard refuses it.
 */
import { AirlockError } from '../../shared/errors';
import type { Analysis } from '../guard/analyzer';
import { EngineTruthError } from './sqlite/engine-truth';

export { EngineTruthError };

/**
 * Refuses a statement that writes one of `tables` (those with triggers, PostgreSQL's with
 * rewrite rules — `what` names which): what runs then is not in the statement, so the guard
 * cannot vet it.
 */
export function refuseWritesTo(analysis: Analysis, tables: Set<string>, what: string): void {
  for (const t of analysis.tables) {
    if ((t.write.length > 0 || t.wholeRowWrite) && tables.has(t.table)) {
      throw new AirlockError(
        'STATEMENT_NOT_ALLOWED',
        `table ${t.table} has ${what}, which the guard cannot vet; writes to it are refused`,
        { layer: 'engine-truth' },
      );
    }
  }
}

export interface PlanTouches {
  /** Canonical names (as introspection names them) of the relations the plan reads. */
  tables: Set<string>;
  written: Set<string>;
  /** Canonical table → columns whose values plan expressions use. */
  columns: Map<string, Set<string>>;
  /** Tables whose whole row a plan expression uses (`alias.*`). */
  wholeRow: Set<string>;
  functions: Set<string>;
}

export interface PlanSchema {
  /** View → every base relation it reads (transitively). Plans show views expanded. */
  viewBases: Map<string, Set<string>>;
  /** Partition or inheritance child → its ancestors. Plans scan the children. */
  ancestors: Map<string, Set<string>>;
  /** Every column of a relation (for whole-row references). */
  columnsOf: (table: string) => string[] | undefined;
}

export const newTouches = (): PlanTouches => ({
  tables: new Set(),
  written: new Set(),
  columns: new Map(),
  wholeRow: new Set(),
  functions: new Set(),
});

export function addColumn(t: PlanTouches, table: string, column: string): void {
  let set = t.columns.get(table);
  if (!set) t.columns.set(table, (set = new Set()));
  set.add(column);
}

/**
 * Throws EngineTruthError when the plan touches more than the parser reported. Names are
 * compared exactly: both sides use the names the catalog gives (the parser reports canonical
 * names from introspection), so `Employees` and `employees` — two tables where the engine
 * is case-sensitive — never pass for one another.
 */
export function checkPlan(
  t: PlanTouches,
  analysis: Analysis,
  schema: PlanSchema,
  functionAllowed: (name: string) => boolean,
  /**
   * readsOfWritten: the written table's plan reads are checked like any other (PostgreSQL,
   * where plans print the new values, not the old row); and only reported reads count.
   */
  options: { readsOfWritten?: boolean } = {},
): void {
  const parsed = new Map(analysis.tables.map((a) => [a.table, a]));
  const parserWrites = new Set(
    analysis.tables.filter((a) => a.write.length > 0 || a.wholeRowWrite).map((a) => a.table),
  );

  /** The parser's entry a relation of the plan answers to, or 'view' when a granted view reads it. */
  const resolve = (table: string): string | 'view' | null => {
    if (parsed.has(table)) return table;
    for (const a of schema.ancestors.get(table) ?? []) if (parsed.has(a)) return a;
    for (const name of parsed.keys()) if (schema.viewBases.get(name)?.has(table)) return 'view';
    return null;
  };

  if (analysis.action === 'read' && t.written.size > 0) {
    throw new EngineTruthError('a read statement would write', [...t.written].join(','));
  }
  for (const w of t.written) {
    const r = resolve(w);
    if (r === null || r === 'view' || !parserWrites.has(r)) {
      throw new EngineTruthError('the statement would write a table the parser did not report', w);
    }
  }
  for (const table of t.tables) {
    if (resolve(table) === null)
      throw new EngineTruthError(
        'the statement would read a table the parser did not report',
        table,
      );
  }
  const check = (table: string, cols: Iterable<string>) => {
    const r = resolve(table);
    if (r === null)
      throw new EngineTruthError(
        'the statement would read a table the parser did not report',
        table,
      );
    if (r === 'view') return; // a view's own reads
    if (parserWrites.has(r) && !options.readsOfWritten) return; // a rewritten row
    const a = parsed.get(r)!;
    const seen = new Set(options.readsOfWritten ? a.read : [...a.read, ...a.write]);
    for (const c of cols) {
      if (!seen.has(c))
        throw new EngineTruthError(
          'the statement would read a column the parser did not report',
          `${table}.${c}`,
        );
    }
  };
  for (const [table, cols] of t.columns) check(table, cols);
  for (const table of t.wholeRow) {
    const cols = schema.columnsOf(table);
    if (!cols)
      throw new EngineTruthError(
        'the statement would read whole rows of a relation the guard cannot map',
        table,
      );
    check(table, cols);
  }
  for (const f of t.functions) {
    if (!functionAllowed(f))
      throw new EngineTruthError('the statement would call a function outside the allowlist', f);
  }
}
