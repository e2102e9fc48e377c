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
import { EngineTruthError, addColumn, newTouches, type PlanTouches } from '../plan-check';

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

/** Keys whose values are names or labels, never expressions. */
const NOT_EXPRESSIONS = new Set([
  'Node Type', 'Relation Name', 'Schema', 'Alias', 'Index Name', 'Join Type', 'Strategy', 'Partial Mode',
  'Parent Relationship', 'Subplan Name', 'CTE Name', 'Operation', 'Scan Direction', 'Command', 'Sort Method',
  'Conflict Resolution', 'Conflict Arbiter Indexes', 'Function Name', 'Tuplestore Name', 'Setop Strategy',
]);

/** Node types that read something other than a table the catalog describes. */
const REFUSED_NODES: Record<string, string> = {
  'Custom Scan': 'a custom scan provider',
  'Named Tuplestore Scan': 'a transition table',
  'Sample Scan': 'TABLESAMPLE',
  'Tid Scan': 'a scan by row address (ctid)',
  'Tid Range Scan': 'a scan by row address (ctid)',
};

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
/** `::type` casts, with multi-word names and typmods, removed before scanning. */
const CAST = new RegExp(String.raw`::\s*(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*(?:\s+(?:varying|precision|with|without|time|zone))*)(?:\s*\([0-9,\s]*\))?(?:\s+with(?:out)?\s+time\s+zone)?(?:\[\])*`, 'g');
const TOKEN = new RegExp(String.raw`(${IDENT})(\s*\.\s*(${IDENT}|\*))?(\s*\()?`, 'g');

const unquote = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s);

/** Removes '…' literals (doubled quotes inside) so their contents are not read as names. */
function stripStrings(text: string): string {
  return text.replace(/[EeBbXxNn]?'(?:[^']|'')*'/g, "''");
}

interface Relation {
  table: string;
}

/** Collects what a plan touches. `columnsOf` lists a relation's columns (for unqualified names). */
export function planTouches(plan: PlanNode, columnsOf: (table: string) => string[] | undefined): PlanTouches {
  const t = newTouches();
  const aliases = new Map<string, Relation>();
  const expressions: string[] = [];

  const walk = (node: PlanNode, top: boolean) => {
    const type = String(node['Node Type'] ?? '');
    const refused = REFUSED_NODES[type];
    if (refused) throw new EngineTruthError(`the statement would use ${refused}, which the guard does not allow`, type);
    const relation = node['Relation Name'];
    const isScan = typeof relation === 'string' && type !== 'ModifyTable';
    if (typeof relation === 'string') {
      const schema = node.Schema;
      if (typeof schema !== 'string') throw new EngineTruthError('the plan names a relation without its schema', relation);
      const table = `${schema}.${relation}`;
      t.tables.add(table);
      if (type === 'ModifyTable') t.written.add(table);
      if (typeof node.Alias === 'string') aliases.set(node.Alias, { table });
    }
    if (typeof node['Function Name'] === 'string') t.functions.add(String(node['Function Name']).toLowerCase());
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Plans' || NOT_EXPRESSIONS.has(key)) continue;
      if (key === 'Output' && isScan && !top) continue; // the physical target list
      collectStrings(value, expressions);
    }
    for (const child of node.Plans ?? []) walk(child, false);
  };
  walk(plan, true);

  // With one relation in the plan, PostgreSQL prints its columns unqualified.
  const single = aliases.size === 1 ? [...aliases.values()][0]!.table : null;
  const singleCols = single ? new Set(columnsOf(single) ?? []) : null;

  for (const raw of expressions) {
    const text = stripStrings(raw).replace(CAST, ' ');
    for (const m of text.matchAll(TOKEN)) {
      const [, first, qualified, second, call] = m;
      const before = text.slice(0, m.index).trimEnd();
      if (before.endsWith('.')) continue; // the tail of a longer dotted name, seen from its head
      if (qualified) {
        if (call) {
          throw new EngineTruthError('the statement would call a schema-qualified function', `${unquote(first!)}.${unquote(second!)}`);
        }
        const rel = aliases.get(unquote(first!));
        if (!rel) continue; // a subquery, CTE or VALUES alias: its columns come from relations seen elsewhere
        if (second === '*') t.wholeRow.add(rel.table);
        else addColumn(t, rel.table, unquote(second!));
        continue;
      }
      const name = unquote(first!);
      if (call) {
        // Upper-case bare words before '(' are SQL syntax the deparser prints (COALESCE(,
        // EXTRACT(, ANY (, …); function names are printed in their stored (lower) case.
        if (!first!.startsWith('"') && name === name.toUpperCase()) continue;
        t.functions.add(name.toLowerCase());
        continue;
      }
      // A bare name of the only relation's columns (keywords print in upper case).
      const quoted = first!.startsWith('"');
      if (single && singleCols?.has(name) && (quoted || name !== name.toUpperCase())) addColumn(t, single, name);
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
  'btrim', 'ltrim', 'rtrim', 'date_part', 'timezone', 'substring', 'position', 'textcat', 'like_escape',
  // column defaults of identity and serial columns, evaluated by INSERT
  'nextval',
]);
