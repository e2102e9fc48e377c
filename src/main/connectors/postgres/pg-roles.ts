/**
 * The least-privilege role per agent, on by default (`agent_roles`, agent-principals.ts).
 * Airlock keeps a NOLOGIN role per agent holding exactly the agent's grants as PostgreSQL
 * privileges — SELECT on the columns it may read, INSERT/UPDATE on the columns it may write,
 * DELETE where it may write whole rows — and runs each of the agent's statements under
 * `SET LOCAL ROLE` (the guard refuses SET/RESET ROLE and set_config, so the agent cannot leave
 * it). A superuser connection that sets a non-superuser role loses its superuser rights for the
 * statement: the server then refuses a hidden column by its attribute number, whatever name the
 * statement gives it.
 *
 * The roles are brought in line with the grants lazily (before the agent's next statement, when
 * the grants or the schema changed) and eagerly when an administrator replaces an agent's
 * grants. The connection's user needs CREATEROLE (or superuser) and the right to grant on the
 * tables (their owner, or GRANT OPTION); without them, `auto` falls back to the guard alone.
 */
import { createHash } from 'node:crypto';
import { escapeIdentifier } from 'pg';
import { AirlockError } from '../../../shared/errors';
import { GUARD_ALONE, type PrincipalStatus } from '../agent-principals';
import { mirrorFor, type TablePrivileges } from '../grant-privileges';
import { describeEndpoint, type PrincipalMode } from '../server-url';
import type { AgentContext, ConnectorTable } from '../types';
import type { PgClient, PgPools } from './pg-pool';

const quoteQualified = (name: string) => name.split('.').map(escapeIdentifier).join('.');

/** Role names are per cluster: the database name keeps two connections' roles apart. */
export function agentRoleName(database: string, agentId: string): string {
  const h = createHash('sha256').update(`${database}\u0000${agentId}`).digest('hex').slice(0, 16);
  return `airlock_agent_${h}`;
}

/** Whether the account may keep agent roles: superuser, or CREATEROLE and grant rights on every table. */
const CAPABILITY_SQL = `
  SELECT r.rolsuper AS super, r.rolcreaterole AS createrole,
    (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        AND NOT pg_has_role(current_user, c.relowner, 'USAGE')
        AND NOT has_table_privilege(c.oid, 'SELECT WITH GRANT OPTION')) AS ungrantable
  FROM pg_roles r WHERE r.rolname = current_user`;

/**
 * server + role → fingerprint of the privileges last written to the role. Shared by every
 * connection of this process: two connections to one database share the agents' roles, and
 * each must notice when the other wrote different grants into one.
 */
const WRITTEN = new Map<string, string>();

export class PgAgentRoles {
  private tables: ConnectorTable[] = [];
  private readonly inFlight = new Map<string, Promise<void>>();
  private status: Promise<PrincipalStatus> | null = null;

  constructor(
    private readonly database: string,
    private readonly mode: PrincipalMode,
    private readonly user: string,
  ) {}

  setTables(tables: ConnectorTable[]): void {
    this.tables = tables;
  }

  /** Whether agents run under their own roles on this connection (decided once, on first use). */
  async resolve(pools: PgPools): Promise<PrincipalStatus> {
    if (this.mode === 'off') {
      return {
        kind: 'role',
        active: false,
        message: `per-agent roles are turned off (agent_roles=false): ${GUARD_ALONE}`,
      };
    }
    if (!this.status) {
      this.status = this.detect(pools);
      this.status.catch(() => (this.status = null));
    }
    return this.status;
  }

  private async detect(pools: PgPools): Promise<PrincipalStatus> {
    const client = await pools.acquire();
    let row: { super: boolean; createrole: boolean; ungrantable: string } | undefined;
    try {
      row = (
        await client.query<{ super: boolean; createrole: boolean; ungrantable: string }>(
          CAPABILITY_SQL,
        )
      ).rows[0];
    } catch (e) {
      throw pools.phrase(e);
    } finally {
      client.release();
    }
    let why: string | null = null;
    if (!row || (!row.super && !row.createrole))
      why = `the account '${this.user}' may not create roles (it needs CREATEROLE)`;
    else if (!row.super && Number(row.ungrantable) > 0) {
      why = `the account '${this.user}' may not grant on ${row.ungrantable} of the tables (it must own them or hold GRANT OPTION)`;
    }
    if (why === null) {
      return {
        kind: 'role',
        active: true,
        message: `each agent runs under its own database role holding exactly its grants (account '${this.user}' may create roles${row!.super ? ', superuser' : ''})`,
      };
    }
    if (this.mode === 'on')
      throw new AirlockError('CONNECTION_FAILED', `agent_roles=true, but ${why}`);
    return {
      kind: 'role',
      active: false,
      message: `per-agent roles are not available: ${why}; ${GUARD_ALONE}`,
    };
  }

  /**
   * The quoted role the agent's statement runs under — in line with its grants — or null when
   * agent roles are not in use on this connection.
   */
  async roleFor(pools: PgPools, agent: AgentContext): Promise<string | null> {
    if (!(await this.resolve(pools)).active) return null;
    return this.ensure(pools, agent);
  }

  /** Brings the agent's role in line with its grants if needed; returns the quoted role name. */
  async ensure(pools: PgPools, agent: AgentContext): Promise<string> {
    const role = agentRoleName(this.database, agent.id);
    const { privileges, fingerprint } = mirrorFor(agent, this.tables, 'public');
    const key = `${describeEndpoint(pools.endpoint)}|${role}`;
    if (WRITTEN.get(key) !== fingerprint) {
      let running = this.inFlight.get(agent.id);
      if (!running) {
        running = this.sync(pools, role, privileges)
          .then(() => void WRITTEN.set(key, fingerprint))
          .finally(() => this.inFlight.delete(agent.id));
        this.inFlight.set(agent.id, running);
      }
      await running;
    }
    return escapeIdentifier(role);
  }

  /** Drops the agent's role (the agent was revoked, or the connection removed). */
  async drop(pools: PgPools, agentId: string): Promise<void> {
    if (this.mode === 'off') return;
    const role = agentRoleName(this.database, agentId);
    WRITTEN.delete(`${describeEndpoint(pools.endpoint)}|${role}`);
    const client = await pools.acquire();
    try {
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if (exists.rowCount === 0) return;
      // DROP OWNED revokes its privileges in this database (the only one it has any in).
      await client.query(`DROP OWNED BY ${escapeIdentifier(role)}`);
      await client.query(`DROP ROLE ${escapeIdentifier(role)}`);
    } finally {
      client.release();
    }
  }

  private async sync(pools: PgPools, role: string, privileges: TablePrivileges[]): Promise<void> {
    const client = await pools.acquire();
    try {
      await client.query('BEGIN');
      // An agent with no grants here needs no role (a grant change elsewhere brought it here).
      if (
        privileges.length === 0 &&
        (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 0
      ) {
        await client.query('ROLLBACK');
        return;
      }
      await this.reset(client, role);
      await this.grant(client, escapeIdentifier(role), privileges);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new AirlockError(
        'CONNECTION_FAILED',
        `could not keep the agent's database role in line with its grants (agent roles need a user with CREATEROLE that may grant on the tables): ${(e as Error).message}`,
        { layer: 'backstop' },
      );
    } finally {
      client.release();
    }
  }

  /** The role exists, may do nothing by itself, belongs to no other role, and holds no privilege on any table. */
  private async reset(client: PgClient, role: string): Promise<void> {
    const r = escapeIdentifier(role);
    const found = await client.query<{ bad: boolean }>(
      `SELECT rolsuper OR rolcanlogin OR rolinherit OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls AS bad
       FROM pg_roles WHERE rolname = $1`,
      [role],
    );
    if (found.rowCount === 0) await client.query(`CREATE ROLE ${r} NOLOGIN NOINHERIT`);
    else if (found.rows[0]!.bad) {
      // A role of that name with more rights than ours (made by someone else): strip them, or fail.
      await client.query(
        `ALTER ROLE ${r} NOSUPERUSER NOLOGIN NOINHERIT NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS`,
      );
    }
    // Membership lets the connection's user SET ROLE to it.
    await client.query(`GRANT ${r} TO CURRENT_USER`);
    // No inherited or settable rights: the role is a member of nothing.
    const memberOf = await client.query<{ name: string }>(
      `SELECT g.rolname AS name FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1`,
      [role],
    );
    for (const { name } of memberOf.rows)
      await client.query(`REVOKE ${escapeIdentifier(name)} FROM ${r}`);
    // Start from nothing: every privilege the role holds on user tables, sequences and schemas goes.
    const held = await client.query<{ name: string; seq: boolean }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind = 'S' AS seq
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
         AND (has_table_privilege($1, c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
              OR has_any_column_privilege($1, c.oid, 'SELECT,INSERT,UPDATE,REFERENCES'))
         AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
      [role],
    );
    for (const h of held.rows)
      await client.query(`REVOKE ALL ON ${h.seq ? 'SEQUENCE ' : ''}${h.name} FROM ${r}`);
    const schemas = await client.query<{ name: string }>(
      `SELECT quote_ident(nspname) AS name FROM pg_namespace
       WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
         AND has_schema_privilege($1, oid, 'CREATE')`,
      [role],
    );
    for (const s of schemas.rows) await client.query(`REVOKE ALL ON SCHEMA ${s.name} FROM ${r}`);
  }

  private async grant(client: PgClient, r: string, privileges: TablePrivileges[]): Promise<void> {
    for (const schema of new Set(privileges.map((p) => p.schema ?? 'public'))) {
      await client.query(`GRANT USAGE ON SCHEMA ${escapeIdentifier(schema)} TO ${r}`);
    }
    for (const p of privileges) {
      const t = quoteQualified(p.table);
      const cols = (c: string[]) => `(${c.map(escapeIdentifier).join(', ')})`;
      if (p.select === 'all') await client.query(`GRANT SELECT ON ${t} TO ${r}`);
      else if (p.select.length)
        await client.query(`GRANT SELECT ${cols(p.select)} ON ${t} TO ${r}`);
      if (p.insert.length)
        await client.query(
          `GRANT INSERT ${cols(p.insert)}, UPDATE ${cols(p.update)} ON ${t} TO ${r}`,
        );
      if (p.delete) await client.query(`GRANT DELETE ON ${t} TO ${r}`);
      if (p.insert.length) {
        // serial columns draw from a sequence (identity columns need no grant of their own).
        const seqs = await client.query<{ s: string | null }>(
          'SELECT pg_get_serial_sequence($1, c) AS s FROM unnest($2::text[]) AS c',
          [p.table, p.insert],
        );
        for (const { s } of seqs.rows)
          if (s) await client.query(`GRANT USAGE ON SEQUENCE ${s} TO ${r}`);
      }
    }
  }
}
