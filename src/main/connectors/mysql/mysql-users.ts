/**
 * The least-privilege user per agent on MySQL/MariaDB, on by default (`agent_users`,
 * agent-principals.ts). MySQL has no SET ROLE that drops the session user's own rights, so each
 * agent gets a user of its own — `airlock_a_<hash>`@<the host the server sees Airlock connect
 * from> — holding exactly the agent's grants as table and column privileges on the connection's
 * database, and a small pool of connections logged in as it that run the agent's statements.
 * The server then refuses a hidden column by itself, whatever the statement calls it.
 *
 * The password is random and lives only in this process (set again on each start), so nothing
 * else can log in as an agent. Users are brought in line with the grants before the agent's next
 * statement and when an administrator replaces its grants; privilege changes reach open
 * connections at once. The account needs CREATE USER and GRANT OPTION on the database's tables.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PoolConnection } from 'mysql2/promise';
import { AirlockError } from '../../../shared/errors';
import { GUARD_ALONE, type PrincipalStatus } from '../agent-principals';
import { mirrorFor, type TablePrivileges } from '../grant-privileges';
import { describeEndpoint, type ServerConfig } from '../server-url';
import type { AgentContext, ConnectorTable } from '../types';
import { MysqlPools } from './mysql-pool';

/** User names are per server: the database name keeps two connections' users apart (≤ 32 characters for MySQL). */
export function agentUserName(database: string, agentId: string): string {
  const h = createHash('sha256').update(`${database}\u0000${agentId}`).digest('hex').slice(0, 16);
  return `airlock_a_${h}`;
}

const ident = (s: string) => `\`${s.replace(/`/g, '``')}\``;
const str = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** 'name'@'host' from the `user@host` form CURRENT_USER() and USER() answer with. */
function account(userAtHost: string): { user: string; host: string } {
  const at = userAtHost.lastIndexOf('@');
  return { user: userAtHost.slice(0, at), host: userAtHost.slice(at + 1) };
}

interface Agentpool {
  pools: MysqlPools;
  fingerprint: string;
}

/**
 * server + user → its password and the fingerprint of the privileges last written to it. Shared
 * by every connection of this process: two connections to one database share the agents' users,
 * so they must share the password and notice when the other wrote different grants.
 */
const PASSWORDS = new Map<string, string>();
const WRITTEN = new Map<string, string>();

export class MysqlAgentUsers {
  private tables: ConnectorTable[] = [];
  private status: Promise<PrincipalStatus> | null = null;
  /** The host part agent users get: how the server sees this process connect. */
  private host = 'localhost';
  private readonly agents = new Map<string, Agentpool>();
  private readonly inFlight = new Map<string, Promise<MysqlPools>>();

  constructor(private readonly config: ServerConfig) {}

  setTables(tables: ConnectorTable[]): void {
    this.tables = tables;
  }

  /** Whether agents run as their own users on this connection (decided once, on first use). */
  resolve(pools: MysqlPools): Promise<PrincipalStatus> {
    if (this.config.agentPrincipals === 'off') {
      return Promise.resolve({
        kind: 'user',
        active: false,
        message: `per-agent users are turned off (agent_users=false): ${GUARD_ALONE}`,
      });
    }
    if (!this.status) {
      this.status = this.detect(pools);
      this.status.catch(() => (this.status = null));
    }
    return this.status;
  }

  private async detect(pools: MysqlPools): Promise<PrincipalStatus> {
    const conn = await pools.acquire();
    let why: string | null = null;
    const me = this.config.user;
    try {
      const [rows] = await conn.query('SELECT CURRENT_USER() AS cur, USER() AS usr');
      const { cur, usr } = (rows as { cur: string; usr: string }[])[0]!;
      const c = account(cur);
      this.host = account(usr).host;
      const grantee = `'${c.user}'@'${c.host}'`;
      const [privs] = await conn.query(
        `SELECT
           (SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ? AND PRIVILEGE_TYPE = 'CREATE USER') AS createUser,
           (SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ? AND PRIVILEGE_TYPE = 'SELECT' AND IS_GRANTABLE = 'YES')
             + (SELECT COUNT(*) FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ? AND TABLE_SCHEMA = DATABASE() AND PRIVILEGE_TYPE = 'SELECT' AND IS_GRANTABLE = 'YES') AS canGrant`,
        [grantee, grantee, grantee],
      );
      const p = (privs as { createUser: number | string; canGrant: number | string }[])[0]!;
      if (Number(p.createUser) === 0)
        why = `the account '${me}' may not create users (it needs the CREATE USER privilege)`;
      else if (Number(p.canGrant) === 0)
        why = `the account '${me}' may not grant on database '${this.config.database}' (it needs GRANT OPTION there)`;
    } catch (e) {
      throw pools.phrase(e);
    } finally {
      conn.release();
    }
    if (why === null) {
      return {
        kind: 'user',
        active: true,
        message: `each agent runs as its own database user holding exactly its grants (account '${me}' may create users and grant)`,
      };
    }
    if (this.config.agentPrincipals === 'on')
      throw new AirlockError('CONNECTION_FAILED', `agent_users=true, but ${why}`);
    return {
      kind: 'user',
      active: false,
      message: `per-agent users are not available: ${why}; ${GUARD_ALONE}`,
    };
  }

  /** The pool that runs the agent's statements as its own user, in line with its grants; null when not in use. */
  async poolFor(pools: MysqlPools, agent: AgentContext): Promise<MysqlPools | null> {
    if (!(await this.resolve(pools)).active) return null;
    const { privileges, fingerprint } = mirrorFor(agent, this.tables, null);
    const known = this.agents.get(agent.id);
    if (
      known?.fingerprint === fingerprint &&
      WRITTEN.get(this.key(pools, agent.id)) === fingerprint
    )
      return known.pools;
    let running = this.inFlight.get(agent.id);
    if (!running) {
      running = this.sync(pools, agent.id, privileges)
        .then(() => {
          WRITTEN.set(this.key(pools, agent.id), fingerprint);
          const entry = this.agents.get(agent.id);
          if (entry) {
            entry.fingerprint = fingerprint;
            return entry.pools;
          }
          const user = agentUserName(this.config.database, agent.id);
          const own = new MysqlPools({
            ...this.config,
            user,
            password: PASSWORDS.get(this.key(pools, agent.id)) ?? '',
            poolMax: Math.min(2, this.config.poolMax),
            endpoints: [pools.endpoint],
          });
          this.agents.set(agent.id, { pools: own, fingerprint });
          return own;
        })
        .finally(() => this.inFlight.delete(agent.id));
      this.inFlight.set(agent.id, running);
    }
    return running;
  }

  private key(pools: MysqlPools, agentId: string): string {
    return `${describeEndpoint(pools.endpoint)}|${this.quoted(agentId)}`;
  }

  private quoted(agentId: string): string {
    return `${str(agentUserName(this.config.database, agentId))}@${str(this.host)}`;
  }

  private async sync(
    pools: MysqlPools,
    agentId: string,
    privileges: TablePrivileges[],
  ): Promise<void> {
    const conn = await pools.acquire();
    const u = this.quoted(agentId);
    try {
      if (!PASSWORDS.has(this.key(pools, agentId))) {
        // An agent with no grants here needs no user (a grant change elsewhere brought it here).
        if (privileges.length === 0) {
          // Without SELECT on mysql.user the user is made anyway, holding nothing.
          const [found] = await conn
            .query('SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?', [
              agentUserName(this.config.database, agentId),
              this.host,
            ])
            .catch(() => [[{}]] as unknown as [unknown]);
          if ((found as unknown[]).length === 0) return;
        }
        // A fresh password per process: a user left by an earlier run (or made by someone else) gets it too.
        const password = randomBytes(24).toString('base64url');
        await conn.query(`CREATE USER IF NOT EXISTS ${u} IDENTIFIED BY ${str(password)}`);
        await conn.query(`ALTER USER ${u} IDENTIFIED BY ${str(password)}`);
        PASSWORDS.set(this.key(pools, agentId), password);
      }
      await this.reset(conn, agentId, u, pools.mariadb === true);
      await this.grant(conn, u, privileges);
    } catch (e) {
      throw new AirlockError(
        'CONNECTION_FAILED',
        `could not keep the agent's database user in line with its grants (agent users need an account with CREATE USER and GRANT OPTION): ${(e as { sqlMessage?: string }).sqlMessage ?? (e as Error).message}`,
        { layer: 'backstop' },
      );
    } finally {
      conn.release();
    }
  }

  /** Start from nothing: no privilege anywhere, and no role that could lend one. */
  private async reset(
    conn: PoolConnection,
    agentId: string,
    u: string,
    mariadb: boolean,
  ): Promise<void> {
    await conn.query(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${u}`);
    const user = agentUserName(this.config.database, agentId);
    // Reading the role tables needs SELECT on the mysql schema; without it no role is known to strip.
    const [roles] = await conn
      .query(
        mariadb
          ? 'SELECT Role AS r FROM mysql.roles_mapping WHERE User = ? AND Host = ?'
          : 'SELECT FROM_USER AS r FROM mysql.role_edges WHERE TO_USER = ? AND TO_HOST = ?',
        [user, this.host],
      )
      .catch(() => [[]] as unknown as [unknown]);
    for (const { r } of roles as { r: string }[]) await conn.query(`REVOKE ${str(r)} FROM ${u}`);
  }

  private async grant(
    conn: PoolConnection,
    u: string,
    privileges: TablePrivileges[],
  ): Promise<void> {
    const db = ident(this.config.database);
    for (const p of privileges) {
      const t = `${db}.${ident(p.table.split('.').pop()!)}`;
      const cols = (c: string[]) => `(${c.map(ident).join(', ')})`;
      const parts: string[] = [];
      if (p.select === 'all') parts.push('SELECT');
      else if (p.select.length) parts.push(`SELECT ${cols(p.select)}`);
      if (p.insert.length) parts.push(`INSERT ${cols(p.insert)}`, `UPDATE ${cols(p.update)}`);
      if (p.delete) parts.push('DELETE');
      if (parts.length) await conn.query(`GRANT ${parts.join(', ')} ON ${t} TO ${u}`);
    }
  }

  /** Drops the agent's user and closes its pool (the agent was revoked, or the connection removed). */
  async drop(pools: MysqlPools, agentId: string): Promise<void> {
    const entry = this.agents.get(agentId);
    this.agents.delete(agentId);
    PASSWORDS.delete(this.key(pools, agentId));
    WRITTEN.delete(this.key(pools, agentId));
    await entry?.pools.close();
    if (this.config.agentPrincipals === 'off') return;
    const conn = await pools.acquire();
    try {
      await conn.query(`DROP USER IF EXISTS ${this.quoted(agentId)}`);
    } finally {
      conn.release();
    }
  }

  async close(): Promise<void> {
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(all.map((a) => a.pools.close()));
  }
}
