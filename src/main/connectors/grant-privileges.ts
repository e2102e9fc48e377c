/**
 * An agent's grants on a connection, as the database privileges its own principal should hold:
 * SELECT on the columns it may read, INSERT and UPDATE on the columns it may write, DELETE where
 * it may write whole rows — and nothing on any other table.
 */
import { createHash } from 'node:crypto';
import { permittedColumns } from '../policy/policy';
import type { AgentContext, ConnectorTable } from './types';

export interface TablePrivileges {
  /** The table as the connector names it (`public.orders` on PostgreSQL, `orders` on MySQL). */
  table: string;
  schema: string | null;
  select: string[] | 'all';
  insert: string[];
  update: string[];
  delete: boolean;
}

export function mirrorPrivileges(
  agent: AgentContext,
  tables: ConnectorTable[],
  defaultSchema: string | null,
): TablePrivileges[] {
  const out: TablePrivileges[] = [];
  for (const t of tables) {
    const cols = t.columns.map((c) => c.name);
    const read = permittedColumns(
      agent.grants,
      agent.connection,
      t.name,
      cols,
      'read',
      defaultSchema,
    );
    const write =
      t.kind === 'view'
        ? []
        : permittedColumns(agent.grants, agent.connection, t.name, cols, 'write', defaultSchema);
    if (read.length === 0 && write.length === 0) continue;
    const short = t.name.split('.').pop()!.toLowerCase();
    // Deleting a row writes every column of it: only a write grant on the whole table allows it.
    const wholeWrite =
      write.length === cols.length &&
      agent.grants.some(
        (g) =>
          (g.effect ?? 'allow') === 'allow' &&
          g.actions.includes('write') &&
          !g.columns &&
          [t.name.toLowerCase(), short, '*'].includes(g.table.toLowerCase()),
      );
    out.push({
      table: t.name,
      schema: t.schema ?? (t.name.includes('.') ? t.name.split('.')[0]! : null),
      select: read.length === cols.length ? 'all' : read,
      insert: write,
      update: write,
      delete: wholeWrite,
    });
  }
  return out;
}

export interface Mirror {
  privileges: TablePrivileges[];
  /** Changes exactly when the privileges do: a principal written with it needs no rewrite. */
  fingerprint: string;
}

/** Per schema snapshot, per set of grants: every agent statement asks, and the answer rarely changes. */
const mirrors = new WeakMap<ConnectorTable[], Map<string, Mirror>>();

export function mirrorFor(
  agent: AgentContext,
  tables: ConnectorTable[],
  defaultSchema: string | null,
): Mirror {
  let byGrants = mirrors.get(tables);
  if (!byGrants) mirrors.set(tables, (byGrants = new Map()));
  const key = JSON.stringify([agent.connection, agent.grants]);
  let m = byGrants.get(key);
  if (!m) {
    const privileges = mirrorPrivileges(agent, tables, defaultSchema);
    m = {
      privileges,
      fingerprint: createHash('sha256').update(JSON.stringify(privileges)).digest('hex'),
    };
    // Bounded: a long-lived snapshot sees few distinct grant sets; start over rather than grow.
    if (byGrants.size > 1000) byGrants.clear();
    byGrants.set(key, m);
  }
  return m;
}
