/**
 * Layer 3 of the guard for SQLite: what the engine itself would touch. SQLite compiles the
 * statement to bytecode without running it (EXPLAIN); the tables it opens (OpenRead /
 * OpenWrite on root pages) and the columns it reads (Column on those cursors) are compared
 * with what the parser reported. Anything extra means the parser misread the statement.
 */
import type { Analysis } from '../../guard/analyzer';
import { FUNCTION_ALLOWLIST } from '../../guard/functions';

export interface ExplainRow {
  opcode: string;
  p1: number;
  p2: number;
  p3: number;
  p4: unknown;
}

export interface RootPage {
  table: string;
  /** null for the table itself; for an index, the table column at each index position (null = rowid). */
  indexColumns: (string | null)[] | null;
}

export interface EngineSchema {
  roots: Map<number, RootPage>;
  /** table → column names by cid (the record order for rowid tables) */
  columns: Map<string, string[]>;
  /** table → tables linked to it by a foreign key, in either direction */
  fkNeighbours: Map<string, Set<string>>;
}

export interface Touches {
  /** columns whose values the statement loads (Column, RowData) */
  reads: Map<string, Set<string>>;
  /**
   * Index key columns the statement compares with a value without loading them (Seek*, Idx*,
   * Found…): `WHERE national_id = ?` answered from an index never emits Column, yet it tells
   * the caller something about national_id.
   */
  compared: Map<string, Set<string>>;
  opened: Set<string>;
  written: Set<string>;
  functions: Set<string>;
}

const STRUCTURAL = new Set([
  'ParseSchema',
  'CreateBtree',
  'Destroy',
  'Clear',
  'SqlExec',
  'DropTable',
  'DropIndex',
  'DropTrigger',
  'JournalMode',
  'Vacuum',
  'IncrVacuum',
  'SetCookie',
  'LoadAnalysis',
  'Expire',
  'VCreate',
  'VDestroy',
  'VRename',
  'Checkpoint',
  'Pagecount',
  'MaxPgcnt',
  'IntegrityCk',
]);
const VIRTUAL = new Set([
  'VOpen',
  'VFilter',
  'VColumn',
  'VUpdate',
  'VBegin',
  'VNext',
  'VInitIn',
  'VCheck',
]);
const FUNCTION_OPS = new Set([
  'Function',
  'PureFunc',
  'AggStep',
  'AggStep1',
  'AggFinal',
  'AggValue',
  'AggInverse',
]);
/** Comparisons of a value with the first p4 key fields of an index cursor (all fields when p4 is 0). */
const KEY_COMPARE = new Set([
  'SeekGE',
  'SeekGT',
  'SeekLE',
  'SeekLT',
  'IdxGE',
  'IdxGT',
  'IdxLE',
  'IdxLT',
  'Found',
  'NotFound',
  'NoConflict',
  'IfNoHope',
]);
/** Cursors over data the statement built itself; a number reused for one no longer maps to a table. */
const TRANSIENT_OPEN = new Set([
  'OpenEphemeral',
  'OpenAutoindex',
  'OpenPseudo',
  'SorterOpen',
  'OpenDup',
]);
/** Operators SQLite implements as functions. */
const OPERATOR_FUNCTIONS = new Set(['->', '->>']);

export class EngineTruthError extends Error {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
  }
}

export function engineTouches(rows: ExplainRow[], schema: EngineSchema): Touches {
  const cursors = new Map<number, RootPage>();
  const t: Touches = {
    reads: new Map(),
    compared: new Map(),
    opened: new Set(),
    written: new Set(),
    functions: new Set(),
  };
  const add = (into: Map<string, Set<string>>, table: string, col: string | null | undefined) => {
    if (col === null || col === undefined) return; // the rowid: the row's identity, no column value
    let set = into.get(table);
    if (!set) into.set(table, (set = new Set()));
    set.add(col);
  };
  /** Cursors opened for writing: the rows (and index entries) the statement rewrites. */
  const writeCursors = new Set<number>();
  for (const [addr, r] of rows.entries()) {
    const op = r.opcode;
    if (op === 'OpenRead' || op === 'OpenWrite' || op === 'ReopenIdx') {
      if (r.p3 !== 0)
        throw new EngineTruthError(
          'the statement would use a database other than main',
          `db=${r.p3}`,
        );
      const root = schema.roots.get(r.p2);
      if (!root) {
        throw new EngineTruthError(
          'the statement would read internal or unknown storage',
          `root page ${r.p2}`,
        );
      }
      cursors.set(r.p1, root);
      if (op === 'OpenWrite') writeCursors.add(r.p1);
      else if (op === 'OpenRead') writeCursors.delete(r.p1);
      t.opened.add(root.table);
      if (op === 'OpenWrite') t.written.add(root.table);
    } else if (op === 'Column') {
      const root = cursors.get(r.p1);
      if (!root) continue; // ephemeral, sorter and pseudo cursors hold derived data
      const col = root.indexColumns
        ? root.indexColumns[r.p2]
        : schema.columns.get(root.table)?.[r.p2];
      if (col === undefined) {
        throw new EngineTruthError(
          'the statement would read a column the guard cannot map',
          `${root.table}#${r.p2}`,
        );
      }
      // A written row's column copied back into its own slot of the new record (or index key,
      // or the engine's foreign-key check) goes nowhere else; any other use of it is a read.
      if (
        writeCursors.has(r.p1) &&
        rowMaintenance(rows, addr, col, root, cursors, writeCursors, schema)
      )
        continue;
      add(t.reads, root.table, col);
    } else if (op === 'RowData') {
      // The whole record is copied (e.g. INSERT … SELECT * transfer): every column is read.
      const root = cursors.get(r.p1);
      if (!root) continue;
      const cols = root.indexColumns ?? schema.columns.get(root.table);
      if (!cols)
        throw new EngineTruthError(
          'the statement would read a record the guard cannot map',
          root.table,
        );
      for (const c of cols) add(t.reads, root.table, c);
    } else if (KEY_COMPARE.has(op)) {
      const root = cursors.get(r.p1);
      if (!root?.indexColumns) continue; // rowid seeks on a table compare the id only
      const n = Number(r.p4);
      const keys = root.indexColumns.slice(
        0,
        Number.isInteger(n) && n > 0 ? n : root.indexColumns.length,
      );
      for (const c of keys) add(t.compared, root.table, c);
    } else if (TRANSIENT_OPEN.has(op)) {
      cursors.delete(r.p1);
      writeCursors.delete(r.p1);
    } else if (FUNCTION_OPS.has(op)) {
      const name = String(r.p4 ?? '')
        .replace(/\(.*$/, '')
        .toLowerCase();
      t.functions.add(name);
    } else if (op === 'Program') {
      throw new EngineTruthError(
        'the statement would fire triggers or cascading foreign-key actions, which the guard cannot vet',
        'Program',
      );
    } else if (STRUCTURAL.has(op)) {
      throw new EngineTruthError(
        'the statement would change or inspect the database structure',
        op,
      );
    } else if (VIRTUAL.has(op)) {
      throw new EngineTruthError('the statement would use a virtual table', op);
    } else if (op === 'Transaction' && r.p1 !== 0) {
      throw new EngineTruthError(
        'the statement would use a database other than main',
        `db=${r.p1}`,
      );
    }
  }
  return t;
}

const fold = (s: string) => s.toLowerCase();

// ── where a written row's column value goes ─────────────────────────────────────────────────
/** Registers an opcode reads as values (not cursors, jump targets or counters). */
function registersRead(r: ExplainRow): number[] {
  const range = (from: number, n: number) =>
    Array.from({ length: Math.max(0, n) }, (_, k) => from + k);
  const argc = () => {
    const m = /\((\d+)\)/.exec(String(r.p4 ?? ''));
    return m ? Number(m[1]) : 1;
  };
  const keys = () => (Number(r.p4) > 0 ? range(r.p3, Number(r.p4)) : [r.p3]);
  switch (r.opcode) {
    case 'Copy':
      return range(r.p1, r.p3 + 1);
    case 'Move':
      return range(r.p1, r.p3);
    case 'SCopy':
    case 'IntCopy':
    case 'IsNull':
    case 'NotNull':
    case 'If':
    case 'IfNot':
    case 'IsTrue':
    case 'MustBeInt':
    case 'Cast':
    case 'Not':
    case 'BitNot':
    case 'ZeroOrNull':
      return [r.p1, ...(r.opcode === 'ZeroOrNull' ? [r.p3] : [])];
    case 'ResultRow':
    case 'MakeRecord':
    case 'Affinity':
      return range(r.p1, r.p2);
    case 'Eq':
    case 'Ne':
    case 'Lt':
    case 'Le':
    case 'Gt':
    case 'Ge':
      return [r.p1, r.p3];
    case 'Add':
    case 'Subtract':
    case 'Multiply':
    case 'Divide':
    case 'Remainder':
    case 'Concat':
    case 'BitAnd':
    case 'BitOr':
    case 'ShiftLeft':
    case 'ShiftRight':
    case 'And':
    case 'Or':
      return [r.p1, r.p2];
    case 'Function':
    case 'PureFunc':
    case 'AggStep':
    case 'AggStep1':
    case 'AggInverse':
      return range(r.p2, argc());
    case 'Compare':
      return [...range(r.p1, r.p3), ...range(r.p2, r.p3)];
    case 'SeekRowid':
    case 'NotExists':
    case 'HaltIfNull':
      return [r.p3];
    case 'SeekGE':
    case 'SeekGT':
    case 'SeekLE':
    case 'SeekLT':
    case 'IdxGE':
    case 'IdxGT':
    case 'IdxLE':
    case 'IdxLT':
    case 'Found':
    case 'NotFound':
    case 'NoConflict':
    case 'IfNoHope':
      return keys();
    case 'IdxDelete':
      return range(r.p2, r.p3);
    case 'Insert':
    case 'IdxInsert':
    case 'SorterInsert':
      return [r.p2];
    default:
      return [];
  }
}

/** Opcodes that overwrite their output register p2 (or p3): the old value is gone after them. */
const OVERWRITES_P2 = new Set([
  'Integer',
  'Int64',
  'Real',
  'String8',
  'String',
  'Copy',
  'SCopy',
  'IntCopy',
  'Variable',
  'Rowid',
]);

/** Opcodes that consume a written row's value for the engine's own bookkeeping, not for the statement. */
const MAINTENANCE = new Set([
  'HaltIfNull',
  'Affinity',
  'RealAffinity',
  'TypeCheck',
  'IdxDelete',
  'NoConflict',
]);

/**
 * Whether the value a Column opcode loads from a written row (cursor opened with OpenWrite)
 * is used only to rewrite that row: put back into its own slot of the new record or of an
 * index key of the same table, checked for NOT NULL, or compared by a foreign-key check.
 * Every other use — RETURNING, a SET expression, a WHERE test, a copy into another column's
 * slot — is a read the parser must have reported.
 */
function rowMaintenance(
  rows: ExplainRow[],
  at: number,
  col: string | null,
  root: RootPage,
  cursors: Map<number, RootPage>,
  writeCursors: Set<number>,
  schema: EngineSchema,
): boolean {
  const reg = rows[at]!.p3;
  // The engine's foreign-key checks run between FkIfZero and its jump target.
  const fkRegions = rows.flatMap((r, i) => (r.opcode === 'FkIfZero' ? [[i, r.p2] as const] : []));
  const inFk = (i: number) => fkRegions.some(([from, to]) => i > from && i < to);
  const slotOf = (cursor: number, k: number): string | null | undefined => {
    const target = cursors.get(cursor);
    if (!target || !writeCursors.has(cursor) || target.table !== root.table) return undefined;
    return target.indexColumns ? target.indexColumns[k] : schema.columns.get(target.table)?.[k];
  };
  // The value may be copied (SCopy into an index key, say) before it is used: follow copies.
  const work: [number, number][] = [[reg, at]];
  for (let n = 0; n < work.length; n++) {
    if (n > 64) return false; // more copies than any rewrite makes: count it as read
    const [value, from] = work[n]!;
    for (let i = from + 1; i < rows.length; i++) {
      const r = rows[i]!;
      if (registersRead(r).includes(value) && !inFk(i) && !MAINTENANCE.has(r.opcode)) {
        if (r.opcode === 'Copy' || r.opcode === 'SCopy' || r.opcode === 'IntCopy') {
          work.push([r.p2 + (value - r.p1), i]);
        } else if (r.opcode === 'MakeRecord') {
          // A record is a rewrite of this row only when it is inserted into the same table (or
          // one of its indexes) and the value sits in its own column's position.
          const k = value - r.p1;
          const use = rows.slice(i + 1).findIndex((u) => registersRead(u).includes(r.p3));
          const consumer = use < 0 ? undefined : rows[i + 1 + use];
          if (
            !consumer ||
            (consumer.opcode !== 'Insert' &&
              consumer.opcode !== 'IdxInsert' &&
              consumer.opcode !== 'NoConflict')
          )
            return false;
          if (consumer.opcode !== 'NoConflict' && consumer.p2 !== r.p3) return false;
          if (slotOf(consumer.p1, k) !== col) return false;
        } else return false;
      }
      if (r.opcode === 'Column' && r.p3 === value) break;
      if (OVERWRITES_P2.has(r.opcode) && r.p2 === value) break;
    }
  }
  return true;
}

/** Throws EngineTruthError when the engine would touch more than the parser reported. */
export function compareWithParser(t: Touches, analysis: Analysis, schema: EngineSchema): void {
  const parsed = new Map(analysis.tables.map((a) => [fold(a.table), a]));
  const written = new Set(
    analysis.tables.filter((a) => a.write.length > 0 || a.wholeRowWrite).map((a) => fold(a.table)),
  );
  if (analysis.action === 'read' && t.written.size > 0) {
    throw new EngineTruthError('a read statement would write', [...t.written].join(','));
  }
  for (const w of t.written) {
    // Index b-trees of the written table are opened for writing too; they map to that table.
    if (!written.has(fold(w)))
      throw new EngineTruthError('the statement would write a table the parser did not report', w);
  }
  for (const table of t.opened) {
    if (parsed.has(fold(table))) continue;
    const viaFk = [...written].some((w) => schema.fkNeighbours.get(w)?.has(fold(table)));
    if (analysis.action === 'write' && viaFk && !t.written.has(table)) continue; // foreign-key checks
    throw new EngineTruthError('the statement would read a table the parser did not report', table);
  }
  const fkNeighbour = (table: string) =>
    analysis.action === 'write' &&
    [...written].some((w) => schema.fkNeighbours.get(w)?.has(fold(table)));
  const checkColumns = (reads: Map<string, Set<string>>, what: string, exemptFk: boolean) => {
    for (const [table, cols] of reads) {
      const a = parsed.get(fold(table));
      if (!a) continue; // a foreign-key neighbour, allowed above
      // Loading a written row to rewrite it is not in `reads` (see rowMaintenance); what is
      // there was used by the statement and must be the parser's. Key comparisons of the
      // written table are its own unique and foreign-key checks.
      if (exemptFk && written.has(fold(table))) continue;
      if (exemptFk && fkNeighbour(table)) continue; // the engine's own foreign-key lookups
      // A written column counts as seen only for comparisons; a value used needs the read.
      const seen = new Set((exemptFk ? [...a.read, ...a.write] : a.read).map(fold));
      for (const c of cols) {
        if (!seen.has(fold(c))) {
          throw new EngineTruthError(
            `the statement would ${what} a column the parser did not report`,
            `${table}.${c}`,
          );
        }
      }
    }
  };
  checkColumns(t.reads, 'read', false);
  checkColumns(t.compared, 'compare', true);
  const allowed = FUNCTION_ALLOWLIST.sqlite;
  for (const f of t.functions) {
    if (!allowed.has(f) && !OPERATOR_FUNCTIONS.has(f)) {
      throw new EngineTruthError('the statement would call a function outside the allowlist', f);
    }
  }
}
