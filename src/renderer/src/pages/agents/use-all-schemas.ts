/** The schema of every connection, as the grants editor's SchemaMap (connection → table → columns). */
import { useQueries } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api } from '../../api/api';
import { keys, useConnections, type TableSchema } from '../../api/queries';
import type { SchemaMap } from '../../lib/grants-model';

export function useAllSchemas() {
  const connections = useConnections();
  const names = (connections.data ?? []).map((c) => c.name);
  const schemas = useQueries({
    queries: names.map((name) => ({
      queryKey: keys.schema(name),
      queryFn: () => api.connectionSchema({ name }),
      staleTime: 5 * 60_000,
    })),
  });
  const ready = connections.isSuccess && schemas.every((s) => !s.isPending);
  const dataKey = schemas.map((s) => s.dataUpdatedAt).join(',');
  const tables = useMemo(() => {
    const out: Record<string, TableSchema[]> = {};
    names.forEach((n, i) => (out[n] = schemas[i]?.data?.tables ?? []));
    return out;
    // Keyed on the update times: useQueries returns new arrays on every render.
  }, [dataKey, names.join('\u0000')]);
  const map = useMemo(() => {
    const m: SchemaMap = {};
    for (const [n, ts] of Object.entries(tables))
      m[n] = Object.fromEntries(ts.map((t) => [t.name, t.columns.map((c) => c.name)]));
    return m;
  }, [tables]);
  const errors = schemas
    .map((s, i) => (s.error ? { connection: names[i]!, error: s.error } : null))
    .filter((e) => e !== null);
  return { connections, tables, map, ready, errors };
}
