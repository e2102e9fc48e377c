/**
 * Reads PostgreSQL's `EXPLAIN (VERBOSE, FORMAT JSON)` plan: the relations each node scans or
 * modifies (Relation Name, Schema, Alias), the columns its expressions use (Output, Filter,
 * Index Cond, Hash Cond, Sort Key, Group Key, …, written `alias.column`), whole-row uses
 * (`alias.*`) and the functions it calls. See plan-check.ts for the comparison.
 *
 * Scan nodes list every column of their table as Output when their parent projects (a
 * "physical target list"), so a scan's Output is only read when the scan is the top node;
 * the columns it feeds upwards show up again in the parent's expressions.
 */
import type { Analysis } from '../../guard/analyzer';
import { loadPgParser } from '../../guard/pg/pg-parser';
import {
  statementRelations,
  type RelationRef,
  type StatementRelations,
} from '../../guard/pg/pg-relations';
import {
  EngineTruthError,
  addColumn,
  checkPlan,
  newTouches,
  refuseWritesTo,
  type PlanTouches,
} from '../plan-check';
import type { PgEngineSchema } from './pg-schema';

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

/** Keys whose values are names or labels, never expressions. */
const NOT_EXPRESSIONS = new Set([
  'Node Type',
  'Relation Name',
  'Schema',
  'Alias',
  'Index Name',
  'Join Type',
  'Strategy',
  'Partial Mode',
  'Parent Relationship',
  'Subplan Name',
  'CTE Name',
  'Operation',
  'Scan Direction',
  'Command',
  'Sort Method',
  'Conflict Resolution',
  'Conflict Arbiter Indexes',
  'Function Name',
  'Tuplestore Name',
  'Setop Strategy',
]);

/** Node types that read something other than a table the catalog describes. */
const REFUSED_NODES: Record<string, string> = {
  'Custom Scan': 'a custom scan provider',
  'Named Tuplestore Scan': 'a transition table',
  'Sample Scan': 'TABLESAMPLE',
  'Tid Scan': 'a scan by row address (ctid)',
  'Tid Range Scan': 'a scan by row address (ctid)',
};

/** System columns: row addresses and transaction ids a plan uses to find rows, never user data. */
const SYSTEM_COLUMNS = new Set(['ctid', 'tableoid', 'xmin', 'xmax', 'cmin', 'cmax', 'oid']);

/** Type-name words a `::type` cast may run over (`::timestamp without time zone`). */
const TYPE_WORDS = new Set(['varying', 'precision', 'with', 'without', 'time', 'zone']);

type Tok = { kind: 'ident'; text: string; quoted: boolean } | { kind: 'punct'; text: string };

/**
 * Splits a deparsed expression into names and punctuation. '…' literals (quotes doubled
 * inside; with or without an E/B/X/N prefix) are dropped whole, and "…" names are read whole
 * — a quote of one kind inside the other (`"u'"`, `'a"b'`) is just a character.
 */
function tokens(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'") {
      i++;
      for (;;) {
        const j = text.indexOf("'", i);
        if (j < 0)
          throw new EngineTruthError(
            'the plan holds a string the guard cannot read',
            text.slice(0, 200),
          );
        if (text[j + 1] === "'") {
          i = j + 2;
          continue;
        }
        i = j + 1;
        break;
      }
      out.push({ kind: 'punct', text: "''" });
    } else if (c === '"') {
      let name = '';
      i++;
      for (;;) {
        const j = text.indexOf('"', i);
        if (j < 0)
          throw new EngineTruthError(
            'the plan holds a name the guard cannot read',
            text.slice(0, 200),
          );
        name += text.slice(i, j);
        if (text[j + 1] === '"') {
          name += '"';
          i = j + 2;
          continue;
        }
        i = j + 1;
        break;
      }
      out.push({ kind: 'ident', text: name, quoted: true });
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(text[j]!)) j++;
      const word = text.slice(i, j);
      i = j;
      // A literal prefix glued to its string (E'…', B'…'): the string follows, and is dropped.
      if (text[i] === "'" && /^[EeBbXxNnUu]$/.test(word)) continue;
      out.push({ kind: 'ident', text: word, quoted: false });
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === ':' && text[i + 1] === ':') {
      out.push({ kind: 'punct', text: '::' });
      i += 2;
    } else {
      out.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return out;
}

/** Drops `::type` casts (type names, typmods, array brackets) so type names are not read as columns. */
function withoutCasts(toks: Tok[]): Tok[] {
  const out: Tok[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (!(t.kind === 'punct' && t.text === '::')) {
      out.push(t);
      continue;
    }
    let j = i + 1;
    if (toks[j]?.kind === 'ident') j++;
    while (toks[j]?.kind === 'punct' && toks[j]!.text === '.' && toks[j + 1]?.kind === 'ident')
      j += 2;
    while (
      toks[j]?.kind === 'ident' &&
      !(toks[j] as { quoted: boolean }).quoted &&
      TYPE_WORDS.has(toks[j]!.text.toLowerCase())
    )
      j++;
    if (toks[j]?.text === '(') {
      let k = j + 1;
      while (
        k < toks.length &&
        toks[k]!.text !== ')' &&
        (toks[k]!.text === ',' || /^\d+$/.test(toks[k]!.text) || toks[k]!.kind === 'punct')
      )
        k++;
      if (toks[k]?.text === ')') j = k + 1;
    }
    while (toks[j]?.text === '[' && toks[j + 1]?.text === ']') j += 2;
    i = j - 1;
  }
  return out;
}

/**
 * Maps the names EXPLAIN prints back to a relation's real columns. EXPLAIN prints a column
 * under the name the statement's alias column list gave it (`u.ssn` may be the real `id`), so
 * names are attributed by position through the parse tree's alias lists — and refused when
 * the attribution is not certain.
 */
export interface PrintedNames {
  /** The real-name mapper for the relation a plan node scans under `alias`. Throws when it cannot attribute. */
  relation(table: string, alias: string | null): (printed: string) => string;
}

/** The plain mapping: the statement renames nothing, so printed names are real names. */
export const IDENTITY_NAMES: PrintedNames = { relation: () => (printed) => printed };

export function printedNames(
  refs: StatementRelations,
  columnsOf: (table: string) => string[] | undefined,
  hasView: boolean,
): PrintedNames {
  const effective = (r: RelationRef): string[] | null => {
    if (r.aliasCols.length === 0) return null;
    const real = columnsOf(r.table);
    if (!real) return null; // a CTE reference: no relation behind it
    const cols = real.map((c, i) => r.aliasCols[i] ?? c);
    return cols.some((c, i) => c !== real[i]) ? cols : null;
  };
  const renamed = refs.relations.filter((r) => effective(r) !== null);
  if (renamed.length === 0) return IDENTITY_NAMES;
  // EXPLAIN makes repeated aliases unique by appending _1, _2, …: a printed alias is then
  // not surely the statement's. With renamed columns in play that uncertainty is refused.
  const seen = new Set<string>();
  for (const n of refs.refnames) {
    if (seen.has(n))
      throw new EngineTruthError(
        'the statement renames columns and uses one alias twice; the guard cannot attribute the plan',
        n,
      );
    seen.add(n);
  }
  for (const n of refs.refnames) {
    const m = /^(.*)_\d+$/.exec(n);
    if (m && seen.has(m[1]!))
      throw new EngineTruthError(
        'the statement renames columns and uses aliases the plan may confuse',
        n,
      );
  }
  if (hasView)
    throw new EngineTruthError(
      'the statement renames columns and reads a view, whose inner aliases the guard cannot attribute',
      'view',
    );
  return {
    relation(table, alias) {
      const hits = refs.relations.filter((r) => r.table === table && r.refname === alias);
      if (hits.length !== 1) {
        throw new EngineTruthError(
          'the plan scans a relation the statement names with renamed columns, under a name the guard cannot attribute',
          `${table} ${alias ?? ''}`,
        );
      }
      const real = columnsOf(table) ?? [];
      const cols = effective(hits[0]!) ?? real;
      return (printed) => {
        const at = cols.flatMap((c, i) => (c === printed ? [i] : []));
        if (at.length !== 1 || real[at[0]!] === undefined) {
          throw new EngineTruthError(
            'the plan names a column the guard cannot attribute to one column of the table',
            `${table}.${printed}`,
          );
        }
        return real[at[0]!]!;
      };
    },
  };
}

/** Collects what a plan touches. `columnsOf` lists a relation's columns (for unqualified names). */
export function planTouches(
  plan: PlanNode,
  columnsOf: (table: string) => string[] | undefined,
  names: PrintedNames = IDENTITY_NAMES,
): PlanTouches {
  const t = newTouches();
  const aliases = new Map<string, { table: string; real: (printed: string) => string }>();
  const expressions: string[] = [];

  const walk = (node: PlanNode, top: boolean) => {
    const type = String(node['Node Type'] ?? '');
    const refused = REFUSED_NODES[type];
    if (refused)
      throw new EngineTruthError(
        `the statement would use ${refused}, which the guard does not allow`,
        type,
      );
    const relation = node['Relation Name'];
    const isScan = typeof relation === 'string' && type !== 'ModifyTable';
    if (typeof relation === 'string') {
      const schema = node.Schema;
      if (typeof schema !== 'string')
        throw new EngineTruthError('the plan names a relation without its schema', relation);
      const table = `${schema}.${relation}`;
      t.tables.add(table);
      if (type === 'ModifyTable') t.written.add(table);
      const alias = typeof node.Alias === 'string' ? node.Alias : null;
      const real = names.relation(table, alias ?? relation);
      if (alias !== null) {
        const prev = aliases.get(alias);
        if (prev && prev.table !== table)
          throw new EngineTruthError('the plan prints one alias for two relations', alias);
        aliases.set(alias, { table, real });
      }
    }
    if (typeof node['Function Name'] === 'string')
      t.functions.add(String(node['Function Name']).toLowerCase());
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Plans' || NOT_EXPRESSIONS.has(key)) continue;
      if (key === 'Output' && isScan && !top) continue; // the physical target list
      collectStrings(value, expressions);
    }
    for (const child of node.Plans ?? []) walk(child, false);
  };
  walk(plan, true);

  // With one relation in the plan, PostgreSQL prints its columns unqualified.
  const single = aliases.size === 1 ? [...aliases.values()][0]! : null;
  const singleCols = single ? new Set(columnsOf(single.table) ?? []) : null;
  const column = (rel: { table: string; real: (printed: string) => string }, printed: string) => {
    if (SYSTEM_COLUMNS.has(printed)) return;
    addColumn(t, rel.table, rel.real(printed));
  };

  for (const raw of expressions) {
    const toks = withoutCasts(tokens(raw));
    for (let i = 0; i < toks.length; i++) {
      const first = toks[i]!;
      if (first.kind !== 'ident') continue;
      const prev = toks[i - 1];
      if (prev?.kind === 'punct' && prev.text === '.') continue; // the tail of a longer dotted name, seen from its head
      const dotted =
        toks[i + 1]?.text === '.' && (toks[i + 2]?.kind === 'ident' || toks[i + 2]?.text === '*');
      if (dotted) {
        const second = toks[i + 2]!;
        const call = toks[i + 3]?.text === '(';
        if (call)
          throw new EngineTruthError(
            'the statement would call a schema-qualified function',
            `${first.text}.${second.text}`,
          );
        const rel = aliases.get(first.text);
        i += 2;
        if (!rel) continue; // a subquery, CTE or VALUES alias: its columns come from relations seen elsewhere
        if (second.text === '*' && second.kind === 'punct') t.wholeRow.add(rel.table);
        else column(rel, second.text);
        continue;
      }
      if (toks[i + 1]?.text === '(') {
        // Upper-case bare words before '(' are SQL syntax the deparser prints (COALESCE(,
        // EXTRACT(, ANY (, …); function names are printed in their stored (lower) case.
        if (!first.quoted && first.text === first.text.toUpperCase()) continue;
        t.functions.add(first.text.toLowerCase());
        continue;
      }
      // A bare name of the only relation's columns (keywords print in upper case). Its printed
      // name may be an alias-list name: map it first, then check it is a column.
      if (!single || (!first.quoted && first.text === first.text.toUpperCase())) continue;
      if (SYSTEM_COLUMNS.has(first.text)) continue;
      let real: string | null = null;
      try {
        real = single.real(first.text);
      } catch (e) {
        // A word that is no column name of the relation (a keyword in lower case, say) is not a
        // read; a name that is one but cannot be attributed is refused.
        if (singleCols?.has(first.text)) throw e;
      }
      if (real !== null && singleCols?.has(real)) addColumn(t, single.table, real);
    }
  }
  return t;
}

function collectStrings(v: unknown, out: string[]) {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) collectStrings(x, out);
}

/** Functions the plan may show although the statement did not name them. */
export const PG_ENGINE_FUNCTIONS: ReadonlySet<string> = new Set([
  'btrim',
  'ltrim',
  'rtrim',
  'date_part',
  'timezone',
  'substring',
  'position',
  'textcat',
  'like_escape',
  'similar_to_escape',
  'similar_escape',
  'overlay',
  'extract',
  // column defaults of identity and serial columns, evaluated by INSERT
  'nextval',
]);

/**
 * Engine truth for one PostgreSQL statement, from `EXPLAIN (VERBOSE, FORMAT JSON)`'s result
 * rows: EVERY plan it returns (a rule adds plans of its own) must touch nothing the parser did
 * not report, reads of the written table included; printed names are mapped back to real
 * columns through the statement's alias lists. Writes to tables with rules are refused, as
 * writes to tables with triggers are.
 */
export async function checkPostgresPlans(
  explainRows: unknown,
  stmt: { sql: string; analysis: Analysis },
  engine: PgEngineSchema,
  functionAllowed: (name: string) => boolean,
): Promise<void> {
  refuseWritesTo(stmt.analysis, engine.ruleTables, 'rewrite rules');
  const rows = Array.isArray(explainRows) ? (explainRows as Record<string, unknown>[]) : [];
  const plans = rows.flatMap((r) =>
    Array.isArray(r['QUERY PLAN']) ? (r['QUERY PLAN'] as Record<string, unknown>[]) : [],
  );
  if (plans.length === 0) throw new EngineTruthError('the server returned no plan', 'EXPLAIN');
  await loadPgParser();
  const hasView = stmt.analysis.tables.some((t) => engine.viewBases.has(t.table));
  const names = printedNames(statementRelations(stmt.sql, 'public'), engine.columnsOf, hasView);
  for (const p of plans) {
    const plan = p.Plan as PlanNode | undefined;
    if (!plan || typeof plan !== 'object')
      throw new EngineTruthError('the server returned a plan the guard cannot read', 'EXPLAIN');
    checkPlan(planTouches(plan, engine.columnsOf, names), stmt.analysis, engine, functionAllowed, {
      readsOfWritten: true,
    });
  }
}
