/**
 * The least-privilege role per agent on PostgreSQL, on by default: with a superuser connection
 * and no option, Airlock creates a NOLOGIN role per agent holding exactly its grants, runs the
 * agent's statements under `SET LOCAL ROLE`, and keeps the role in line when the grants change.
 * A statement that got past every other layer still meets the database's own permission check,
 * which knows columns by attribute number, not by the names a statement uses. The agent cannot
 * leave the role (SET/RESET ROLE, set_config, SET SESSION AUTHORIZATION are refused); a role of
 * that name with extra rights or memberships is stripped; revoking the agent or removing the
 * connection drops the role; without CREATEROLE the connection says so and the guard alone holds.
 */
import { sqlConnector } from '../../src/main/connectors/types';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPrincipals } from '../../src/main/connectors/agent-principals';
import { agentRoleName } from '../../src/main/connectors/postgres/pg-roles';
import type { AgentContext } from '../../src/main/connectors/types';
import { guardSql } from '../../src/main/guard/guard';
import { connectionOps } from '../../src/main/ui/admin-ops';
import type { Grant } from '../../src/shared/domain';
import { AirlockError } from '../../src/shared/errors';
import { demoDbName, dropDemo, seedDemo } from '../helpers/demo-seed';
import { CANARY, leaks } from '../helpers/guard-table';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';
import { describeWithService, serviceUrl } from '../helpers/services';

const DB = demoDbName('roles');
const CONN = 'pgroles';
const LP_USER = `airlock_lp_${process.pid}`;

await describeWithService('postgres', 'PostgreSQL agent roles', () => {
  let t: TestAirlock;
  let admin: pg.Client;
  let url: string;
  let analyst: { id: string; apiKey: string };
  let writer: { id: string; apiKey: string };
  const roles: string[] = [];
  const analystGrants: Grant[] = [
    { connection: CONN, table: 'orders', actions: ['read'] },
    {
      connection: CONN,
      table: 'employees',
      actions: ['read'],
      columns: ['id', 'first_name', 'department_id'],
    },
  ];
  const priv = async (role: string, sql: string, ...args: unknown[]) =>
    (await admin.query(sql, [role, ...args])).rows[0].ok as boolean;
  const ctx = (id: string, grants: Grant[]): AgentContext => ({
    id,
    name: 'role-analyst',
    connection: CONN,
    grants,
  });

  /**
   * The connector below the guard and the policy: `sql` runs with the analysis of `asIf` (what a
   * buggy guard might have believed), so only the agent's role stands in the way.
   */
  const belowGuard = async (sql: string, asIf: string, grants: Grant[] = analystGrants) => {
    const connector = sqlConnector(t.core.connections.connector(CONN));
    const { index } = await t.core.connections.schema(CONN);
    const g = await guardSql(asIf, 'postgres', index);
    return connector
      .read(
        { sql, params: undefined, analysis: g.analysis, agent: ctx(analyst.id, grants) },
        { maxRows: 10, maxBytes: 100_000, timeoutMs: 5000 },
      )
      .then(
        (r) => r,
        (x: unknown) => x,
      );
  };

  beforeAll(async () => {
    url = await seedDemo('postgres', DB, CANARY);
    admin = new pg.Client({ connectionString: serviceUrl('postgres', DB) });
    await admin.connect();
    t = await startTestAirlock();
    // No agent_roles option: on by default, since the account (postgres) is a superuser.
    const r = await t.admin('POST', '/v1/admin/connections', { name: CONN, kind: 'postgres', url });
    expect(r.statusCode, r.body).toBe(201);
    analyst = await t.createAgent('role-analyst', analystGrants);
    writer = await t.createAgent('role-writer', [
      { connection: CONN, table: 'orders', actions: ['read', 'write'], approval: 'none' },
    ]);
    roles.push(agentRoleName(DB, analyst.id), agentRoleName(DB, writer.id));
    await admin.query(`DROP ROLE IF EXISTS ${LP_USER}`);
    await admin.query(`CREATE ROLE ${LP_USER} LOGIN`);
    await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${LP_USER}`);
  });
  afterAll(async () => {
    await t?.close();
    await admin?.end();
    await dropDemo('postgres', DB);
    const c = new pg.Client({ connectionString: serviceUrl('postgres', 'postgres') });
    await c.connect();
    for (const r of [...roles, LP_USER]) await c.query(`DROP ROLE IF EXISTS ${r}`);
    await c.end();
  });

  it('says in the connection check that agents run under their own roles', async () => {
    const r = await connectionOps(t.core).checkConnection({ name: CONN });
    expect(r.ok, r.message).toBe(true);
    expect(r.agentPrincipals).toMatchObject({ kind: 'role', active: true });
    expect(r.agentPrincipals!.message).toMatch(/own database role/);
  });

  it('runs the agent under a role holding exactly its grants', async () => {
    const r = await t.query(
      analyst.apiKey,
      'SELECT e.first_name, count(o.id) FROM employees e JOIN orders o ON o.employee_id = e.id GROUP BY e.first_name ORDER BY 2 DESC LIMIT 3',
      undefined,
      CONN,
    );
    expect(r.statusCode, r.body).toBe(200);
    const role = roles[0]!;
    expect(
      (
        await admin.query(
          'SELECT rolcanlogin, rolinherit, rolsuper FROM pg_roles WHERE rolname = $1',
          [role],
        )
      ).rows,
    ).toEqual([{ rolcanlogin: false, rolinherit: false, rolsuper: false }]);
    expect(
      (
        await admin.query(
          'SELECT count(*)::int AS n FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1',
          [role],
        )
      ).rows[0].n,
    ).toBe(0);
    expect(
      await priv(role, "SELECT has_table_privilege($1, 'public.orders', 'SELECT') AS ok"),
    ).toBe(true);
    expect(
      await priv(role, "SELECT has_table_privilege($1, 'public.orders', 'INSERT') AS ok"),
    ).toBe(false);
    expect(
      await priv(
        role,
        "SELECT has_column_privilege($1, 'public.employees', 'first_name', 'SELECT') AS ok",
      ),
    ).toBe(true);
    expect(
      await priv(
        role,
        "SELECT has_column_privilege($1, 'public.employees', 'salary', 'SELECT') AS ok",
      ),
    ).toBe(false);
    expect(
      await priv(
        role,
        "SELECT has_column_privilege($1, 'public.employees', 'national_id', 'SELECT') AS ok",
      ),
    ).toBe(false);
    expect(
      await priv(role, "SELECT has_table_privilege($1, 'public.departments', 'SELECT') AS ok"),
    ).toBe(false);
  });

  /** Statements a buggy guard might pass as reading only granted columns; the role refuses each by identity. */
  const HIDDEN_BY_IDENTITY: [name: string, sql: string, asIf: string][] = [
    [
      'a hidden column by name',
      'SELECT salary FROM employees WHERE id = 7',
      'SELECT id FROM employees WHERE id = 7',
    ],
    [
      'alias column list renaming national_id to id',
      'SELECT id FROM employees AS e(a, b, c, d, f, g, h, i, j, id)',
      'SELECT id FROM employees',
    ],
    [
      'alias column list renaming salary to first_name',
      'SELECT first_name FROM employees AS e(x1, x2, x3, x4, x5, x6, x7, x8, first_name)',
      'SELECT first_name FROM employees',
    ],
    [
      'CTE column list',
      'WITH w(id) AS (SELECT national_id FROM employees) SELECT id FROM w',
      'SELECT id FROM employees',
    ],
    [
      'subquery output alias',
      'SELECT id FROM (SELECT salary AS id FROM employees) s',
      'SELECT id FROM employees',
    ],
    [
      'hidden column only in WHERE',
      'SELECT id FROM employees WHERE salary > 0',
      'SELECT id FROM employees WHERE id > 0',
    ],
    [
      'hidden column in ORDER BY',
      'SELECT id FROM employees ORDER BY national_id',
      'SELECT id FROM employees ORDER BY id',
    ],
    ['whole-row reference', 'SELECT e::text FROM employees e', 'SELECT id FROM employees'],
    ['ungranted table', 'SELECT name FROM departments', 'SELECT first_name FROM employees'],
    [
      'ungranted table through a join',
      'SELECT e.id FROM employees e JOIN departments d ON d.id = e.department_id',
      'SELECT id FROM employees',
    ],
    [
      'LATERAL reading a hidden column',
      'SELECT x.s FROM employees e, LATERAL (SELECT e.salary AS s) x',
      'SELECT id FROM employees',
    ],
    [
      'USING join hiding a column',
      'SELECT national_id FROM employees JOIN orders USING (id)',
      'SELECT id FROM employees',
    ],
  ];

  it.each(HIDDEN_BY_IDENTITY)(
    'the server itself refuses %s, past the guard, on a superuser connection',
    async (_n, sql, asIf) => {
      const e = await belowGuard(sql, asIf);
      expect(e).toBeInstanceOf(AirlockError);
      expect((e as AirlockError).code).toBe('PERMISSION_DENIED');
      expect((e as AirlockError).details.layer).toBe('backstop');
      expect(leaks(JSON.stringify({ m: (e as AirlockError).message }))).toBeNull();
    },
  );

  it('an analyst (no agent) still runs as the connection account', async () => {
    const connector = sqlConnector(t.core.connections.connector(CONN));
    const { index } = await t.core.connections.schema(CONN);
    const sql = 'SELECT salary FROM employees WHERE id = 7';
    const g = await guardSql(sql, 'postgres', index);
    const r = await connector.read(
      { sql, params: undefined, analysis: g.analysis },
      { maxRows: 10, maxBytes: 100_000, timeoutMs: 5000 },
    );
    expect(r.rows).toEqual([[CANARY.salary]]);
  });

  /** Ways an agent might try to leave its role: each is refused, and the role still holds afterwards. */
  const ESCAPES = [
    'SET ROLE postgres',
    'SET ROLE NONE',
    'SET LOCAL ROLE postgres',
    'SET SESSION ROLE postgres',
    'RESET ROLE',
    'RESET ALL',
    'SET role = postgres',
    'SET "role" TO \'postgres\'',
    'SET SESSION AUTHORIZATION postgres',
    'SET SESSION AUTHORIZATION DEFAULT',
    'RESET SESSION AUTHORIZATION',
    'DISCARD ALL',
    "SELECT set_config('role', 'postgres', true)",
    "SELECT set_config('role', 'postgres', false)",
    "SELECT pg_catalog.set_config('role', 'none', true)",
    "SELECT set_config('session_authorization', 'postgres', true)",
    "SELECT id FROM employees WHERE set_config('role', 'postgres', true) IS NOT NULL",
    "WITH r AS (SELECT set_config('role', 'postgres', true) AS x) SELECT salary FROM employees, r",
    "SELECT * FROM set_config('role', 'postgres', true)",
    "SELECT (SELECT set_config('role', 'postgres', true)), salary FROM employees",
    'SELECT set_config($1, $2, true)',
    "SELECT current_setting('role')",
    "DO $$ BEGIN EXECUTE 'SET ROLE postgres'; END $$",
    'GRANT postgres TO CURRENT_USER',
    `ALTER ROLE CURRENT_USER SUPERUSER`,
    "PREPARE p AS SELECT set_config('role', 'postgres', true)",
    'BEGIN; SET ROLE postgres; SELECT salary FROM employees',
    'COMMIT; SELECT salary FROM employees',
  ];

  it.each(ESCAPES)('refuses an attempt to leave the role: %s', async (sql) => {
    const params = sql.includes('$1') ? ['role', 'postgres'] : undefined;
    const r = await t.query(analyst.apiKey, sql, params, CONN);
    expect(r.statusCode, r.body).toBeGreaterThanOrEqual(400);
    expect(['INVALID_SQL', 'STATEMENT_NOT_ALLOWED', 'PERMISSION_DENIED']).toContain(
      r.json().error.code,
    );
    expect(leaks(r.body)).toBeNull();
    // And the next statement still runs under the role.
    const after = await belowGuard(
      'SELECT salary FROM employees WHERE id = 7',
      'SELECT id FROM employees WHERE id = 7',
    );
    expect((after as AirlockError).code).toBe('PERMISSION_DENIED');
  });

  it('writes work under the writer role (INSERT, UPDATE, DELETE on its table)', async () => {
    const ins = await t.query(
      writer.apiKey,
      "INSERT INTO orders (customer_id, order_date, status, total, ship_city, ship_country) VALUES (1, '2025-01-01', 'pending', 1, 'Oslo', 'Norway')",
      undefined,
      CONN,
    );
    expect(ins.statusCode, ins.body).toBe(200);
    const upd = await t.query(
      writer.apiKey,
      "UPDATE orders SET status = 'paid' WHERE ship_city = 'Oslo' AND status = 'pending'",
      undefined,
      CONN,
    );
    expect(upd.json().rowCount).toBe(1);
    const del = await t.query(
      writer.apiKey,
      "DELETE FROM orders WHERE ship_city = 'Oslo' AND status = 'paid'",
      undefined,
      CONN,
    );
    expect(del.json().rowCount).toBe(1);
    expect(
      await priv(roles[1]!, "SELECT has_table_privilege($1, 'public.orders', 'DELETE') AS ok"),
    ).toBe(true);
    expect(
      await priv(roles[1]!, "SELECT has_table_privilege($1, 'public.employees', 'SELECT') AS ok"),
    ).toBe(false);
  });

  it('strips a role of that name of extra rights and memberships when it syncs', async () => {
    const role = roles[0]!;
    await admin.query(`ALTER ROLE ${role} LOGIN CREATEDB INHERIT`);
    await admin.query(`GRANT pg_read_all_data TO ${role}`);
    await admin.query(`GRANT SELECT ON departments TO ${role}`);
    // A grant change makes the role sync again.
    const put = await t.admin('PUT', `/v1/admin/agents/${analyst.id}/grants`, {
      grants: [...analystGrants, { connection: CONN, table: 'products', actions: ['read'] }],
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(
      (
        await admin.query(
          'SELECT rolcanlogin, rolcreatedb, rolinherit FROM pg_roles WHERE rolname = $1',
          [role],
        )
      ).rows,
    ).toEqual([{ rolcanlogin: false, rolcreatedb: false, rolinherit: false }]);
    expect(
      (
        await admin.query(
          'SELECT count(*)::int AS n FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1',
          [role],
        )
      ).rows[0].n,
    ).toBe(0);
    expect(
      await priv(role, "SELECT has_table_privilege($1, 'public.departments', 'SELECT') AS ok"),
    ).toBe(false);
    expect(
      await priv(role, "SELECT has_table_privilege($1, 'public.products', 'SELECT') AS ok"),
    ).toBe(true);
  });

  it('follows grant changes at once (PUT grants) and before the next statement', async () => {
    const role = roles[0]!;
    const put = await t.admin('PUT', `/v1/admin/agents/${analyst.id}/grants`, {
      grants: [{ connection: CONN, table: 'employees', actions: ['read'], columns: ['id'] }],
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(
      await priv(role, "SELECT has_table_privilege($1, 'public.orders', 'SELECT') AS ok"),
    ).toBe(false);
    expect(
      await priv(
        role,
        "SELECT has_column_privilege($1, 'public.employees', 'first_name', 'SELECT') AS ok",
      ),
    ).toBe(false);
    expect(
      await priv(role, "SELECT has_column_privilege($1, 'public.employees', 'id', 'SELECT') AS ok"),
    ).toBe(true);
    // And lazily: a grant added without the hook is in place before the agent's next statement runs.
    t.core.grants.replace(analyst.id, [
      { connection: CONN, table: 'customers', actions: ['read'] },
    ]);
    const r = await t.query(analyst.apiKey, 'SELECT count(*) FROM customers', undefined, CONN);
    expect(r.statusCode, r.body).toBe(200);
    expect(
      await priv(role, "SELECT has_table_privilege($1, 'public.customers', 'SELECT') AS ok"),
    ).toBe(true);
    expect(
      await priv(role, "SELECT has_column_privilege($1, 'public.employees', 'id', 'SELECT') AS ok"),
    ).toBe(false);
  });

  it('drops the role when the agent is revoked', async () => {
    const temp = await t.createAgent('role-temp', [
      { connection: CONN, table: 'orders', actions: ['read'] },
    ]);
    const role = agentRoleName(DB, temp.id);
    roles.push(role);
    expect(
      (await t.query(temp.apiKey, 'SELECT count(*) FROM orders', undefined, CONN)).statusCode,
    ).toBe(200);
    expect((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount).toBe(
      1,
    );
    const r = await t.admin('DELETE', `/v1/admin/agents/${temp.id}`);
    expect(r.statusCode, r.body).toBeLessThan(300);
    expect((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount).toBe(
      0,
    );
  });

  it("two connections to one database share the agent's role and keep it in line with each one's grants", async () => {
    const r = await t.admin('POST', '/v1/admin/connections', {
      name: 'pgroles2',
      kind: 'postgres',
      url,
    });
    expect(r.statusCode, r.body).toBe(201);
    const both = await t.createAgent('role-both', [
      { connection: CONN, table: 'orders', actions: ['read'] },
      { connection: 'pgroles2', table: 'customers', actions: ['read'] },
    ]);
    roles.push(agentRoleName(DB, both.id));
    for (let i = 0; i < 3; i++) {
      const a = await t.query(both.apiKey, 'SELECT count(*) FROM orders', undefined, CONN);
      expect(a.statusCode, a.body).toBe(200);
      const b = await t.query(both.apiKey, 'SELECT count(*) FROM customers', undefined, 'pgroles2');
      expect(b.statusCode, b.body).toBe(200);
    }
    expect(
      await priv(
        agentRoleName(DB, both.id),
        "SELECT has_table_privilege($1, 'public.orders', 'SELECT') AS ok",
      ),
    ).toBe(false);
  });

  describe('without the right to create roles', () => {
    const lpUrl = () => url.replace('postgres@', `${LP_USER}@`);

    it('agent_roles=false: the check says the guard alone enforces grants, and the guard holds', async () => {
      const r = await t.admin('POST', '/v1/admin/connections', {
        name: 'pgoff',
        kind: 'postgres',
        url: `${url}?agent_roles=false`,
      });
      expect(r.statusCode, r.body).toBe(201);
      const check = await connectionOps(t.core).checkConnection({ name: 'pgoff' });
      expect(check.agentPrincipals).toMatchObject({ kind: 'role', active: false });
      expect(check.agentPrincipals!.message).toMatch(/agent_roles=false.*guard alone/);
      const a = await t.createAgent('off-agent', [
        {
          connection: 'pgoff',
          table: 'employees',
          actions: ['read'],
          columns: ['id', 'first_name'],
        },
      ]);
      expect(
        (
          await t.query(
            a.apiKey,
            'SELECT first_name FROM employees WHERE id = 7',
            undefined,
            'pgoff',
          )
        ).statusCode,
      ).toBe(200);
      const denied = await t.query(
        a.apiKey,
        'SELECT salary FROM employees WHERE id = 7',
        undefined,
        'pgoff',
      );
      expect(denied.json().error.code).toBe('PERMISSION_DENIED');
      expect(
        (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [agentRoleName(DB, a.id)]))
          .rowCount,
      ).toBe(0);
    });

    it('a least-privilege account: the test says why (CREATEROLE) and the guard alone holds', async () => {
      const probe = await connectionOps(t.core).testConnection({
        name: 'pglp',
        kind: 'postgres',
        url: lpUrl(),
      });
      expect(probe.ok, probe.message).toBe(true);
      expect(probe.agentPrincipals).toMatchObject({ kind: 'role', active: false });
      expect(probe.agentPrincipals!.message).toMatch(/CREATEROLE/);
      expect(probe.agentPrincipals!.message).toMatch(/guard alone/);
      const r = await t.admin('POST', '/v1/admin/connections', {
        name: 'pglp',
        kind: 'postgres',
        url: lpUrl(),
      });
      expect(r.statusCode, r.body).toBe(201);
      const a = await t.createAgent('lp-agent', [
        {
          connection: 'pglp',
          table: 'employees',
          actions: ['read'],
          columns: ['id', 'first_name'],
        },
      ]);
      expect(
        (
          await t.query(
            a.apiKey,
            'SELECT first_name FROM employees WHERE id = 7',
            undefined,
            'pglp',
          )
        ).statusCode,
      ).toBe(200);
      const denied = await t.query(
        a.apiKey,
        'SELECT national_id FROM employees WHERE id = 7',
        undefined,
        'pglp',
      );
      expect(denied.json().error.code).toBe('PERMISSION_DENIED');
      expect(leaks(denied.body)).toBeNull();
    });

    it('agent_roles=false still tests the connection itself (an unknown database is refused)', async () => {
      const r = await t.admin('POST', '/v1/admin/connections', {
        name: 'pgbad',
        kind: 'postgres',
        url: `${url.replace(DB, `airlock_no_such_db_${process.pid}`)}?agent_roles=false`,
      });
      expect(r.statusCode).toBeGreaterThanOrEqual(400);
      expect(r.json().error.code).toBe('CONNECTION_FAILED');
      expect(r.json().error.message).toMatch(/does not exist/);
    });

    it('agent_roles=true on an account that may not create roles is refused, saying why', async () => {
      const r = await t.admin('POST', '/v1/admin/connections', {
        name: 'pglpon',
        kind: 'postgres',
        url: `${lpUrl()}?agent_roles=true`,
      });
      expect(r.statusCode).toBeGreaterThanOrEqual(400);
      expect(r.json().error.message).toMatch(/agent_roles=true.*CREATEROLE/);
    });
  });

  it('drops every agent role of a connection when the connection is removed', async () => {
    const connector = sqlConnector(t.core.connections.connector(CONN));
    expect(hasPrincipals(connector)).toBe(true);
    const before = await admin.query('SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [
      roles,
    ]);
    expect(before.rowCount).toBeGreaterThan(0);
    const r = await t.admin('DELETE', `/v1/admin/connections/${CONN}`);
    expect(r.statusCode, r.body).toBeLessThan(300);
    expect(
      (await admin.query('SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [roles])).rowCount,
    ).toBe(0);
  });
});
