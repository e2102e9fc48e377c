/**
 * Pure edits of a semantic layer for the editor: upsert a table's or column's notes, drop
 * what says nothing before saving, keep value hints' types, and name the core's validation
 * issues the way a person reads them ("Table orders › column status").
 */
import type { SemanticLayer } from '../../../shared/contract/nl';
import { issuesOf, type ErrorDetails, type ValidationIssue } from '../../../shared/errors';

export type Layer = SemanticLayer;
export type LayerTable = Layer['tables'][number];
export type LayerColumn = NonNullable<LayerTable['columns']>[number];
export type HintValue = NonNullable<LayerColumn['values']>[number];
export type TablePatch = Partial<Pick<LayerTable, 'description' | 'synonyms'>>;
export type ColumnPatch = Partial<Pick<LayerColumn, 'description' | 'synonyms' | 'values'>>;
export type Issue = ValidationIssue;

export const emptyLayer = (): Layer => ({
  version: 1,
  tables: [],
  relationships: [],
  metrics: [],
  examples: [],
});

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function findTable(layer: Layer, name: string): LayerTable | undefined {
  return layer.tables.find((t) => same(t.name, name));
}

export function findColumn(layer: Layer, table: string, column: string): LayerColumn | undefined {
  return findTable(layer, table)?.columns?.find((c) => same(c.name, column));
}

/** The layer with `table`'s notes changed (the table entry is added when it had none). */
export function updateTable(layer: Layer, table: string, patch: TablePatch): Layer {
  const found = findTable(layer, table);
  const next = { ...(found ?? { name: table }), ...patch };
  return {
    ...layer,
    tables: found ? layer.tables.map((t) => (t === found ? next : t)) : [...layer.tables, next],
  };
}

/** The layer with one column's notes changed (table and column entries added as needed). */
export function updateColumn(
  layer: Layer,
  table: string,
  column: string,
  patch: ColumnPatch,
): Layer {
  const t = findTable(layer, table) ?? { name: table };
  const columns = t.columns ?? [];
  const found = columns.find((c) => same(c.name, column));
  const next = { ...(found ?? { name: column }), ...patch };
  const nextColumns = found ? columns.map((c) => (c === found ? next : c)) : [...columns, next];
  const nextTable = { ...t, columns: nextColumns };
  return {
    ...layer,
    tables: layer.tables.includes(t)
      ? layer.tables.map((x) => (x === t ? nextTable : x))
      : [...layer.tables, nextTable],
  };
}

const blank = (s: string | undefined) => s === undefined || s.trim() === '';
const trimOpt = (s: string | undefined) => (blank(s) ? undefined : s!.trim());
const list = <T>(xs: T[] | undefined) => (xs && xs.length ? xs : undefined);

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * What is saved: empty descriptions and lists removed, columns and tables that say nothing
 * dropped, text trimmed. Relationships, metrics and examples are kept as written (the core
 * says what is wrong with them, by path, so nothing disappears silently).
 */
export function pruneLayer(layer: Layer): Layer {
  const tables = layer.tables
    .map((t) => {
      const columns = (t.columns ?? [])
        .map((c) =>
          compact({
            name: c.name,
            description: trimOpt(c.description),
            synonyms: list(c.synonyms?.map((s) => s.trim()).filter(Boolean)),
            values: list(c.values),
          }),
        )
        .filter((c) => c.description || c.synonyms || c.values);
      return compact({
        name: t.name,
        description: trimOpt(t.description),
        synonyms: list(t.synonyms?.map((s) => s.trim()).filter(Boolean)),
        columns: list(columns),
      });
    })
    .filter((t) => t.description || t.synonyms || t.columns);
  return {
    version: 1,
    tables,
    relationships: layer.relationships.map((r) =>
      compact({ from: r.from.trim(), to: r.to.trim(), description: trimOpt(r.description) }),
    ),
    metrics: layer.metrics.map((m) =>
      compact({
        name: m.name.trim(),
        description: trimOpt(m.description),
        sql: m.sql.trim(),
        from: m.from.trim(),
        filter: trimOpt(m.filter),
        synonyms: list(m.synonyms?.map((s) => s.trim()).filter(Boolean)),
      }),
    ),
    examples: layer.examples,
  };
}

/** Tags typed in the editor back to value hints, keeping the type of values that were there. */
export function valuesFromTags(tags: string[], previous: readonly HintValue[] = []): HintValue[] {
  return tags.map((tag) => previous.find((v) => String(v) === tag) ?? tag);
}

/**
 * The issues of the core's VALIDATION_FAILED, from its details (`issues`, and `issueCount` when
 * the core named only the first ones). An error without issues is one issue without a path.
 */
export function layerIssues(error: { message: string; details: ErrorDetails }): Issue[] {
  const issues = issuesOf(error.details);
  if (!issues.length) return [{ path: '', message: error.message }];
  const count = error.details.issueCount;
  if (typeof count === 'number' && count > issues.length)
    issues.push({ path: '', message: `and ${count - issues.length} more` });
  return issues;
}

/** "tables.0.columns.2.name" → "Table orders › column status › name", against the layer that was sent. */
export function describePath(path: string, layer: Layer): string {
  if (!path || path === '(root)' || path === '(file)') return 'The file';
  const parts = path.split('.');
  if (!/^(tables|relationships|metrics|examples)$/.test(parts[0]!) || parts.length < 2) return path;
  const [section, indexText, ...rest] = parts;
  const i = Number(indexText);
  const out: string[] = [];
  if (section === 'tables') {
    const t = layer.tables[i];
    out.push(`Table ${t?.name ?? i + 1}`);
    if (rest[0] === 'columns' && rest.length >= 2) {
      const j = Number(rest[1]);
      out.push(`column ${t?.columns?.[j]?.name ?? j + 1}`);
      rest.splice(0, 2);
    }
  } else if (section === 'relationships') out.push(`Relationship ${i + 1}`);
  else if (section === 'metrics') out.push(`Metric ${layer.metrics[i]?.name || i + 1}`);
  else out.push(`Example ${i + 1}`);
  out.push(...rest);
  return out.join(' › ');
}

/** Which tab an issue's path belongs to, to point the person there. */
export function tabOf(path: string): 'tables' | 'relationships' | 'metrics' | 'examples' | null {
  const m = /^(tables|relationships|metrics|examples)\./.exec(path);
  return m ? (m[1] as 'tables' | 'relationships' | 'metrics' | 'examples') : null;
}
