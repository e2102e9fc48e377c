/**
 * The compact schema text the model reads: CREATE TABLE statements (the form code models know
 * best) with keys, join references, descriptions and value hints as comments.
 */
import type { CatalogColumn, CatalogTable, Join } from './schema-catalog';

export interface LinkedTable {
  table: CatalogTable;
  /** The columns shown, in table order: all readable by the asker. */
  columns: CatalogColumn[];
  /** Readable columns left out to stay within the budget. */
  omitted: number;
  /** Joins whose both ends the asker may read. */
  joins: Join[];
  why: 'match' | 'join-path' | 'related';
  score: number;
}

export type ValueHints = (
  table: string,
  column: string,
) => readonly (string | number | boolean)[] | undefined;

const quote = (v: string | number | boolean) =>
  typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);

/** Hints are cut to a fixed width so that one chatty column cannot eat the budget. */
export const HINT_CHARS = 120;

export function hintText(values: readonly (string | number | boolean)[]): string {
  let out = '';
  for (const v of values) {
    const next = out ? `${out}, ${quote(v)}` : quote(v);
    if (next.length > HINT_CHARS) return `${out}, …`;
    out = next;
  }
  return out;
}

function comment(parts: (string | undefined)[]): string {
  const text = parts.filter(Boolean).join('; ').replace(/\s+/g, ' ');
  return text ? ` -- ${text}` : '';
}

/** `names` maps folded table keys to the names the model should write (those in the prompt). */
export function renderTable(
  lt: LinkedTable,
  shownTables: Map<string, string> | null,
  hints?: ValueHints,
): string {
  const t = lt.table;
  const lines: string[] = [];
  const head = comment([
    t.description,
    t.synonyms.length ? `also called: ${t.synonyms.join(', ')}` : undefined,
  ]);
  if (head) lines.push(head.trimStart());
  lines.push(`CREATE TABLE ${t.name} (`);
  const pk = new Set(t.primaryKey);
  const single = t.primaryKey.length === 1;
  const body = lt.columns.map((c) => {
    let s = `  ${c.name} ${c.type.toUpperCase()}`;
    if (single && pk.has(c.name)) s += ' PRIMARY KEY';
    const j = lt.joins.find(
      (x) =>
        x.columns.length === 1 &&
        x.columns[0] === c.name &&
        (shownTables === null || shownTables.has(x.table)),
    );
    if (j) s += ` REFERENCES ${shownTables?.get(j.table) ?? j.table}(${j.refColumns.join(', ')})`;
    const values = c.values ?? hints?.(t.key, c.name);
    return {
      def: s,
      note: comment([
        c.description,
        c.synonyms.length ? `also: ${c.synonyms.join(', ')}` : undefined,
        values?.length ? `values: ${hintText(values)}` : undefined,
      ]),
    };
  });
  if (t.primaryKey.length > 1)
    body.push({ def: `  PRIMARY KEY (${t.primaryKey.join(', ')})`, note: '' });
  body.forEach((b, i) => lines.push(`${b.def}${i < body.length - 1 ? ',' : ''}${b.note}`));
  if (lt.omitted > 0) lines.push(`  -- ${lt.omitted} more column(s) not shown`);
  lines.push(');');
  return lines.join('\n');
}

export function renderSchema(tables: LinkedTable[], hints?: ValueHints): string {
  const shown = new Map(tables.map((t) => [t.table.key, t.table.name]));
  return tables.map((t) => renderTable(t, shown, hints)).join('\n\n');
}
