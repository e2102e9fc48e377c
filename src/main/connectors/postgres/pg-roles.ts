/**
 * The optional least-privilege role per agent (`agent_roles=true` in the connection URL).
 * Airlock keeps a NOLOGIN role per agent holding exactly the agent's grants as PostgreSQL
 * privileges — SELECT on the columns it may read, INSERT/UPDATE on the columns it may write,
 * DELETE where it may write whole rows — and runs each of the agent's statements under
 * `SET LOCAL ROLE`. Then even a statement that slipped past every other layer meets the
 * database's own permission check.
 *
 * The roles are brought in line with the grants lazily (before the agent's next statement,
 * when the grants or the schema changed) and eagerly when an administrator replaces an
 * agent's grants. The connection's user needs CREATEROLE and the right to grant on the
 * tables (their owner, or a role with GRANT OPTION).
 */
import { createHash } from 'node:crypto';
import { escapeIdentifier } from 'pg';
import { AirlockError } from '../../../shared/errors';
import { permittedColumns } from '../../policy/policy';
import type { AgentContext, ConnectorTable } from '../types';
import type { PgPools } from './pg-pool';

interface Privileges {
  table: string;
  schema: string;
  select: string[] | 'all';
  insert: string[];
  update: string[];
  delete: boolean;
}

const quoteQualified = (name: string) => name.split('.').map(escapeIdentifier).join('.');

/** Role names are per cluster: the database name keeps two connections' roles apart. */
export function agentRoleName(database: string, agentId: string): string {
  const h = createHash('sha256').update(`${database}\u0000${agentId}`).digest('hex').slice(0, 16);
  return `airlock_agent_${h}`;
}

export class PgAgentRoles {
  private tables: ConnectorTable[] = [];
  /** agent id → fingerprint of the privileges last written to its role. */
  private readonly synced = new Map<string, string>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly database: string) {}

  setTables(tables: ConnectorTable[]): void {
    this.tables = tables;
  }

  private privileges(agent: AgentContext): Privileges[] {
    const out: Privileges[] = [];
    for (const t of this.tables) {
      const cols = t.columns.map((c) => c.name);
      const read = permittedColumns(agent.grants, agent.connection, t.name, cols, 'read', 'public');
      const write = t.kind === 'view' ? [] : permittedColumns(agent.grants, agent.connection, t.name, cols, 'write', 'public');
      if (read.length === 0 && write.length === 0) continue;
      // Writing a row means reading the columns a WHERE names; the policy checks those as reads.
      const wholeWrite =
        write.length === cols.length &&
        agent.grants.some(
          (g) => (g.effect ?? 'allow') === 'allow' && g.actions.includes('write') && !g.columns &&
            [t.name.toLowerCase(), t.name.split('.').pop()!.toLowerCase(), '*'].includes(g.table.toLowerCase()),
        );
      out.push({
        table: t.name,
        schema: t.schema ?? t.name.split('.')[0]!,
        select: read.length === cols.length ? 'all' : read,
        insert: write,
        update: write,
        delete: wholeWrite,
      });
    }
    return out;
  }

  /** Brings the agent's role in line with its grants if needed; returns the quoted role name. */
  async ensure(pools: PgPools, agent: AgentContext): Promise<string> {
    const role = agentRoleName(this.database, agent.id);
    const privileges = this.privileges(agent);
    const fingerprint = createHash('sha256').update(JSON.stringify(privileges)).digest('hex');
    if (this.synced.get(agent.id) !== fingerprint) {
      let running = this.inFlight.get(agent.id);
      if (!running) {
        running = this.sync(pools, role, privileges)
          .then(() => void this.synced.set(agent.id, fingerprint))
          .finally(() => this.inFlight.delete(agent.id));
        this.inFlight.set(agent.id, running);
      }
      await running;
    }
    return escapeIdentifier(role);
  }

  private async sync(pools: PgPools, role: string, privileges: Privileges[]): Promise<void> {
    const r = escapeIdentifier(role);
    const client = await pools.acquire();
    try {
      await client.query('BEGIN');
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if (exists.rowCount === 0) await client.query(`CREATE ROLE ${r} NOLOGIN NOINHERIT`);
      // Membership lets the connection's user SET ROLE to it.
      await client.query(`GRANT ${r} TO CURRENT_USER`);
      // Start from nothing: every privilege the role holds on user tables and sequences goes.
      const held = await client.query<{ name: string; seq: boolean }>(
        `SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind = 'S' AS seq
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
           AND (has_table_privilege($1, c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
                OR has_any_column_privilege($1, c.oid, 'SELECT,INSERT,UPDATE,REFERENCES'))
           AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
        [role],
      );
      for (const h of held.rows) await client.query(`REVOKE ALL ON ${h.seq ? 'SEQUENCE ' : ''}${h.name} FROM ${r}`);
      for (const schema of new Set(privileges.map((p) => p.schema))) {
        await client.query(`GRANT USAGE ON SCHEMA ${escapeIdentifier(schema)} TO ${r}`);
      }
      for (const p of privileges) {
        const t = quoteQualified(p.table);
        const cols = (c: string[]) => `(${c.map(escapeIdentifier).join(', ')})`;
        if (p.select === 'all') await client.query(`GRANT SELECT ON ${t} TO ${r}`);
        else if (p.select.length) await client.query(`GRANT SELECT ${cols(p.select)} ON ${t} TO ${r}`);
        if (p.insert.length) await client.query(`GRANT INSERT ${cols(p.insert)}, UPDATE ${cols(p.update)} ON ${t} TO ${r}`);
        if (p.delete) await client.query(`GRANT DELETE ON ${t} TO ${r}`);
        if (p.insert.length) {
          // serial columns draw from a sequence (identity columns need no grant of their own).
          const seqs = await client.query<{ s: string | null }>(
            'SELECT pg_get_serial_sequence($1, c) AS s FROM unnest($2::text[]) AS c',
            [p.table, p.insert],
          );
          for (const { s } of seqs.rows) if (s) await client.query(`GRANT USAGE ON SEQUENCE ${s} TO ${r}`);
        }
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new AirlockError(
        'CONNECTION_FAILED',
        `could not keep the agent's database role in line with its grants (agent_roles=true needs a user with CREATEROLE that may grant on the tables): ${(e as Error).message}`,
        { layer: 'backstop' },
      );
    } finally {
      client.release();
    }
  }
}
