/**
 * The parts of a semantic layer one asker may see: only tables and columns they may read,
 * value hints of readable columns, relationships between readable columns, and metrics and
 * examples whose SQL the policy would let them run. This is what agents read through the API
 * and what the model is shown.
 */
import type { SemanticLayer } from '../../shared/contract/nl';
import { allowsRead, canReadColumn, metricSql, type AccessView } from './access';

/** `a.b.c` → table `a.b`, column `c`. */
export function splitColumnRef(ref: string): { table: string; column: string } {
  const i = ref.lastIndexOf('.');
  return { table: ref.slice(0, i), column: ref.slice(i + 1) };
}

export async function filterLayer(layer: SemanticLayer, v: AccessView): Promise<SemanticLayer> {
  const tables = layer.tables
    .filter((t) => v.readable.has(t.name.toLowerCase()))
    .map((t) => {
      const columns = t.columns?.filter((c) =>
        canReadColumn(v, t.name, canonicalColumn(v, t.name, c.name)),
      );
      return { ...t, ...(columns ? { columns } : {}) };
    });
  const readableRef = (ref: string) => {
    const { table, column } = splitColumnRef(ref);
    return canReadColumn(v, table, canonicalColumn(v, table, column));
  };
  return {
    version: 1,
    tables,
    relationships: layer.relationships.filter((r) => readableRef(r.from) && readableRef(r.to)),
    metrics: await keepWhere(layer.metrics, (m) => allowsRead(v, metricSql(m))),
    examples: await keepWhere(layer.examples, (e) => allowsRead(v, e.sql)),
  };
}

async function keepWhere<T>(items: T[], test: (item: T) => Promise<boolean>): Promise<T[]> {
  const keep = await Promise.all(items.map(test));
  return items.filter((_, i) => keep[i]);
}

/** The column's name as the engine spells it (layers may differ in case). */
export function canonicalColumn(v: AccessView, table: string, column: string): string {
  return v.index.tables.get(table.toLowerCase())?.byFolded.get(column.toLowerCase()) ?? column;
}
