/**
 * Everything schema linking searches, built once per schema snapshot and semantic-layer
 * revision: each table and column with its descriptions, synonyms and value hints, the join
 * graph (declared foreign keys, the layer's relationships, and `<name>_id` columns that name a
 * table), and BM25 indexes over tables and columns. It holds every object of the connection;
 * the linker filters by the asker's view before anything is ranked or shown.
 */
import MiniSearch from 'minisearch';
import type { SemanticLayer } from '../../shared/contract/nl';
import type { ConnectorTable } from '../connectors/types';
import { splitColumnRef } from './semantic-filter';
import { term, words } from './terms';

export interface CatalogColumn {
  name: string;
  type: string;
  description?: string;
  synonyms: string[];
  /** Value hints written in the semantic layer. */
  values?: (string | number | boolean)[];
}

export interface Join {
  columns: string[];
  /** Folded key of the referenced table. */
  table: string;
  refColumns: string[];
  source: 'declared' | 'semantic' | 'inferred';
}

export interface CatalogTable {
  key: string;
  name: string;
  description?: string;
  synonyms: string[];
  columns: CatalogColumn[];
  primaryKey: string[];
  joins: Join[];
}

export interface Catalog {
  tables: Map<string, CatalogTable>;
  /** Folded table key → folded keys of tables it joins with, both directions. */
  neighbours: Map<string, Set<string>>;
  tableIndex: MiniSearch<TableDoc>;
  columnIndex: MiniSearch<ColumnDoc>;
}

interface TableDoc {
  id: string;
  name: string;
  synonyms: string;
  description: string;
}

interface ColumnDoc {
  id: string;
  table: string;
  column: string;
  name: string;
  synonyms: string;
  description: string;
  values: string;
}

const searchOptions = { tokenize: words, processTerm: term };

/** Table names a `<x>_id` column may point at: x, xs, xes, x→xies. */
function inferredTargets(prefix: string): string[] {
  return [
    prefix,
    `${prefix}s`,
    `${prefix}es`,
    prefix.endsWith('y') ? `${prefix.slice(0, -1)}ies` : '',
  ].filter(Boolean);
}

function buildJoins(
  tables: ConnectorTable[],
  layer: SemanticLayer,
  byKey: Map<string, CatalogTable>,
): void {
  for (const t of tables) {
    const ct = byKey.get(t.name.toLowerCase())!;
    for (const fk of t.foreignKeys ?? []) {
      if (byKey.has(fk.table.toLowerCase()))
        ct.joins.push({
          columns: fk.columns,
          table: fk.table.toLowerCase(),
          refColumns: fk.refColumns,
          source: 'declared',
        });
    }
  }
  for (const r of layer.relationships) {
    const from = splitColumnRef(r.from);
    const to = splitColumnRef(r.to);
    const ct = byKey.get(from.table.toLowerCase());
    if (ct && byKey.has(to.table.toLowerCase()))
      ct.joins.push({
        columns: [from.column],
        table: to.table.toLowerCase(),
        refColumns: [to.column],
        source: 'semantic',
      });
  }
  // Many databases declare no foreign keys at all; `customer_id` → `customers.id` is the usual convention.
  for (const ct of byKey.values()) {
    const joined = new Set(ct.joins.flatMap((j) => j.columns.map((c) => c.toLowerCase())));
    for (const c of ct.columns) {
      const m = /^(.+?)(?:_[iI][dD]|Id|ID)$/.exec(c.name);
      if (!m || joined.has(c.name.toLowerCase()) || ct.primaryKey.includes(c.name)) continue;
      const schema = ct.key.includes('.') ? ct.key.slice(0, ct.key.lastIndexOf('.') + 1) : '';
      const prefix = m[1]!.toLowerCase();
      for (const candidate of inferredTargets(prefix)) {
        const target = byKey.get(`${schema}${candidate}`);
        if (!target || target.key === ct.key) continue;
        const ref =
          target.primaryKey.length === 1
            ? target.primaryKey[0]!
            : target.columns.find((x) => x.name.toLowerCase() === 'id')?.name;
        if (ref)
          ct.joins.push({
            columns: [c.name],
            table: target.key,
            refColumns: [ref],
            source: 'inferred',
          });
        break;
      }
    }
  }
}

export function buildCatalog(tables: ConnectorTable[], layer: SemanticLayer): Catalog {
  const notes = new Map(layer.tables.map((t) => [t.name.toLowerCase(), t]));
  const byKey = new Map<string, CatalogTable>();
  for (const t of tables) {
    const key = t.name.toLowerCase();
    const note = notes.get(key);
    const colNotes = new Map((note?.columns ?? []).map((c) => [c.name.toLowerCase(), c]));
    byKey.set(key, {
      key,
      name: t.name,
      ...(note?.description ? { description: note.description } : {}),
      synonyms: note?.synonyms ?? [],
      primaryKey: t.primaryKey ?? (t.rowidAlias ? [t.rowidAlias] : []),
      joins: [],
      columns: t.columns.map((c) => {
        const n = colNotes.get(c.name.toLowerCase());
        return {
          name: c.name,
          type: c.type,
          synonyms: n?.synonyms ?? [],
          ...(n?.description ? { description: n.description } : {}),
          ...(n?.values ? { values: n.values } : {}),
        };
      }),
    });
  }
  buildJoins(tables, layer, byKey);
  const neighbours = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    if (!neighbours.has(a)) neighbours.set(a, new Set());
    neighbours.get(a)!.add(b);
  };
  for (const t of byKey.values()) {
    for (const j of t.joins) {
      if (j.table === t.key) continue;
      link(t.key, j.table);
      link(j.table, t.key);
    }
  }

  const tableIndex = new MiniSearch<TableDoc>({
    fields: ['name', 'synonyms', 'description'],
    ...searchOptions,
  });
  const columnIndex = new MiniSearch<ColumnDoc>({
    fields: ['name', 'synonyms', 'description', 'values'],
    storeFields: ['table', 'column'],
    ...searchOptions,
  });
  const tableDocs: TableDoc[] = [];
  const columnDocs: ColumnDoc[] = [];
  for (const t of byKey.values()) {
    // A schema prefix (`sales.`) is a weak hint at best; the bare name is what questions use.
    tableDocs.push({
      id: t.key,
      name: t.name.slice(t.name.lastIndexOf('.') + 1),
      synonyms: t.synonyms.join(' '),
      description: t.description ?? '',
    });
    for (const c of t.columns) {
      columnDocs.push({
        id: `${t.key}\u0000${c.name}`,
        table: t.key,
        column: c.name,
        name: c.name,
        synonyms: c.synonyms.join(' '),
        description: c.description ?? '',
        values: (c.values ?? []).map(String).join(' '),
      });
    }
  }
  tableIndex.addAll(tableDocs);
  columnIndex.addAll(columnDocs);
  return { tables: byKey, neighbours, tableIndex, columnIndex };
}

const cache = new WeakMap<ConnectorTable[], WeakMap<SemanticLayer, Catalog>>();

/** The catalog for this schema snapshot and layer, built on first use. */
export function catalogFor(tables: ConnectorTable[], layer: SemanticLayer): Catalog {
  let byLayer = cache.get(tables);
  if (!byLayer) cache.set(tables, (byLayer = new WeakMap()));
  let catalog = byLayer.get(layer);
  if (!catalog) byLayer.set(layer, (catalog = buildCatalog(tables, layer)));
  return catalog;
}
