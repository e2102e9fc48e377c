/**
 * Exactly what an agent can see: every table of every connection it holds a grant on, each
 * column marked readable and/or writable by the same policy function the query path uses.
 */
import type { z } from 'zod';
import type { AccessPreview } from '../../shared/contract/ops';
import type { Core } from '../core';
import { permittedColumns } from '../policy/policy';

type Preview = z.infer<typeof AccessPreview>;

export async function accessPreview(core: Core, agentId: string): Promise<Preview> {
  const grants = core.grants.list(agentId);
  const named = new Set(
    grants.filter((g) => (g.effect ?? 'allow') === 'allow').map((g) => g.connection.toLowerCase()),
  );
  const connections = core.connections.list().filter((c) => named.has(c.name.toLowerCase()));
  const out: Preview['connections'] = [];
  for (const c of connections) {
    let tables: Preview['connections'][number]['tables'] = [];
    let error: string | null = null;
    try {
      const connector = core.connections.connector(c.name);
      const schema = await core.connections.schema(c.name);
      tables = schema.tables.map((t) => {
        const names = t.columns.map((col) => col.name);
        const readable = new Set(
          permittedColumns(grants, c.name, t.name, names, 'read', connector.defaultSchema),
        );
        const writable = new Set(
          permittedColumns(grants, c.name, t.name, names, 'write', connector.defaultSchema),
        );
        return {
          name: t.name,
          read: readable.size > 0,
          write: writable.size > 0,
          columns: t.columns.map((col) => ({
            name: col.name,
            type: col.type,
            read: readable.has(col.name),
            write: writable.has(col.name),
          })),
        };
      });
    } catch (e) {
      error = `the schema of '${c.name}' could not be read: ${(e as Error).message}`;
    }
    out.push({ name: c.name, kind: c.kind, error, tables });
  }
  return { connections: out };
}
