import type { TableInfo } from '../../shared/domain';

/** A table as the guard sees it: names folded for lookup, canonical names for reporting. */
export interface TableMeta {
  name: string;
  columns: string[];
  /** folded column name → canonical column name */
  byFolded: Map<string, string>;
  /** SQLite: the INTEGER PRIMARY KEY column that aliases rowid, if any. */
  rowidAlias: string | null;
}

export interface SchemaIndex {
  tables: Map<string, TableMeta>;
  /** Schema that unqualified names resolve to (PostgreSQL `public`); null where there is none. */
  defaultSchema: string | null;
}

export const fold = (s: string) => s.toLowerCase();

export function buildSchemaIndex(
  tables: (TableInfo & { rowidAlias?: string | null })[],
  defaultSchema: string | null = null,
): SchemaIndex {
  const map = new Map<string, TableMeta>();
  for (const t of tables) {
    const meta: TableMeta = {
      name: t.name,
      columns: t.columns.map((c) => c.name),
      byFolded: new Map(t.columns.map((c) => [fold(c.name), c.name])),
      rowidAlias: t.rowidAlias ?? null,
    };
    map.set(fold(t.name), meta);
  }
  return { tables: map, defaultSchema };
}
