/**
 * The least-privilege user per agent on MariaDB/MySQL, on by default: with a root connection
 * and no option, Airlock creates a user per agent holding exactly its grants as table and column
 * privileges, and runs the agent's statements over a pool logged in as that user. A statement
 * that got past every other layer (the connector called below the guard) is refused by the
 * server itself; grant changes take effect at once; revoking the agent and removing the
 * connection drop the users; without CREATE USER the connection says so and the guard alone holds.
 */
import { sqlConnector } from '../../src/main/connectors/types';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentUserName } from '../../src/main/connectors/mysql/mysql-users';
import type { AgentContext } from '../../src/main/connectors/types';
import { guardSql } from '../../src/main/guard/guard';
import { connectionOps } from '../../src/main/ui/admin-ops';
import type { Grant } from '../../src/shared/domain';
import { AirlockError } from '../../src/shared/errors';
import { demoDbName, dropDemo, seedDemo } from '../helpers/demo-seed';
import { CANARY, leaks } from '../helpers/guard-table';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';
import { SERVICE_URL, describeWithService } from '../helpers/services';

const DB = demoDbName('users');
const CONN = 'myusers';
const LP_USER = `airlock_lp_${process.pid}`;

await describeWithService('mysql', 'MariaDB agent users', () => {
  let t: TestAirlock;
  let root: mysql.Connection;
  let url: string;
  let analyst: { id: string; apiKey: string };
  let writer: { id: string; apiKey: string };
  const users: string[] = [];
  const analystGrants: Grant[] = [
    { connection: CONN, table: 'orders', actions: ['read'] },
    {
      connection: CONN,
      table: 'employees',
      actions: ['read'],
      columns: ['id', 'first_name', 'department_id'],
    },
  ];
  const ctx = (id: string, grants: Grant[]): AgentContext => ({
    id,
    name: 'user-analyst',
    connection: CONN,
    grants,
  });
  const userExists = async (name: string) =>
    ((await root.query('SELECT 1 FROM mysql.user WHERE User = ?', [name]))[0] as unknown[]).length >
    0;
  const columnPrivileges = async (name: string) => {
    const [rows] = await root.query(
      "SELECT LOWER(CONCAT(TABLE_NAME, '.', COLUMN_NAME, ':', PRIVILEGE_TYPE)) AS p FROM information_schema.COLUMN_PRIVILEGES WHERE GRANTEE LIKE ? AND TABLE_SCHEMA = ? ORDER BY p",
      [`'${name}'@%`, DB],
    );
    return (rows as { p: string }[]).map((r) => r.p);
  };
  const tablePrivileges = async (name: string) => {
    const [rows] = await root.query(
      "SELECT LOWER(CONCAT(TABLE_NAME, ':', PRIVILEGE_TYPE)) AS p FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE LIKE ? AND TABLE_SCHEMA = ? ORDER BY p",
      [`'${name}'@%`, DB],
    );
    return (rows as { p: string }[]).map((r) => r.p);
  };

  /** The connector below the guard and the policy: `sql` runs with the analysis of `asIf`. */
  const belowGuard = async (
    sql: string,
    asIf: string,
    grants: Grant[] = analystGrants,
    write = false,
  ) => {
    const connector = sqlConnector(t.core.connections.connector(CONN));
    const { index } = await t.core.connections.schema(CONN);
    const g = await guardSql(asIf, 'mysql', index);
    const stmt = { sql, params: undefined, analysis: g.analysis, agent: ctx(analyst.id, grants) };
    const limits = { maxRows: 10, maxBytes: 100_000, timeoutMs: 5000 };
    return (write ? connector.write(stmt, limits) : connector.read(stmt, limits)).then(
      (r) => r,
      (x: unknown) => x,
    );
  };

  beforeAll(async () => {
    url = await seedDemo('mysql', DB, CANARY);
    root = await mysql.createConnection({ uri: SERVICE_URL.mysql });
    t = await startTestAirlock();
    // No agent_users option: on by default, since root may create users and grant.
    const r = await t.admin('POST', '/v1/admin/connections', { name: CONN, kind: 'mysql', url });
    expect(r.statusCode, r.body).toBe(201);
    analyst = await t.createAgent('user-analyst', analystGrants);
    writer = await t.createAgent('user-writer', [
      { connection: CONN, table: 'orders', actions: ['read', 'write'], approval: 'none' },
    ]);
    users.push(agentUserName(DB, analyst.id), agentUserName(DB, writer.id));
    await root.query(`DROP USER IF EXISTS '${LP_USER}'@'%', '${LP_USER}'@'localhost'`);
    await root.query(`CREATE USER '${LP_USER}'@'%' IDENTIFIED BY 'lp-pass-1'`);
    await root.query(`CREATE USER '${LP_USER}'@'localhost' IDENTIFIED BY 'lp-pass-1'`);
    await root.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${DB}\`.* TO '${LP_USER}'@'%'`);
    await root.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON \`${DB}\`.* TO '${LP_USER}'@'localhost'`,
    );
  });
  afterAll(async () => {
    await t?.close();
    await dropDemo('mysql', DB);
    if (root) {
      const [left] = await root.query(
        'SELECT User AS u, Host AS h FROM mysql.user WHERE User IN (?)',
        [[...users, LP_USER]],
      );
      for (const { u, h } of left as { u: string; h: string }[])
        await root.query('DROP USER IF EXISTS ?@?', [u, h]);
      await root.end();
    }
  });

  it('says in the connection check that agents run as their own users', async () => {
    const r = await connectionOps(t.core).checkConnection({ name: CONN });
    expect(r.ok, r.message).toBe(true);
    expect(r.agentPrincipals).toMatchObject({ kind: 'user', active: true });
    expect(r.agentPrincipals!.message).toMatch(/own database user/);
  });

  it('runs the agent as a user holding exactly its grants', async () => {
    const r = await t.query(
      analyst.apiKey,
      'SELECT e.first_name, COUNT(o.id) FROM employees e JOIN orders o ON o.employee_id = e.id GROUP BY e.first_name ORDER BY 2 DESC LIMIT 3',
      undefined,
      CONN,
    );
    expect(r.statusCode, r.body).toBe(200);
    const name = users[0]!;
    expect(await userExists(name)).toBe(true);
    expect(await tablePrivileges(name)).toEqual(['orders:select']);
    expect(await columnPrivileges(name)).toEqual([
      'employees.department_id:select',
      'employees.first_name:select',
      'employees.id:select',
    ]);
    const [global] = await root.query(
      "SELECT COUNT(*) AS n FROM information_schema.USER_PRIVILEGES WHERE GRANTEE LIKE ? AND PRIVILEGE_TYPE <> 'USAGE'",
      [`'${name}'@%`],
    );
    expect(Number((global as { n: number }[])[0]!.n)).toBe(0);
  });

  /** Statements a buggy guard might pass as reading only granted columns; the server refuses each. */
  const HIDDEN: [name: string, sql: string, asIf: string][] = [
    [
      'a hidden column by name',
      'SELECT salary FROM employees WHERE id = 7',
      'SELECT id FROM employees WHERE id = 7',
    ],
    [
      'a hidden column under a granted alias',
      'SELECT national_id AS id FROM employees',
      'SELECT id FROM employees',
    ],
    [
      'a hidden column only in WHERE',
      'SELECT id FROM employees WHERE salary > 0',
      'SELECT id FROM employees WHERE id > 0',
    ],
    [
      'a hidden column in ORDER BY',
      'SELECT id FROM employees ORDER BY national_id',
      'SELECT id FROM employees ORDER BY id',
    ],
    [
      'a hidden column in a derived table',
      'SELECT x FROM (SELECT salary AS x FROM employees) d',
      'SELECT id FROM employees',
    ],
    [
      'a hidden column in a CTE',
      'WITH w AS (SELECT national_id AS id FROM employees) SELECT id FROM w',
      'SELECT id FROM employees',
    ],
    [
      'a hidden column in a scalar subquery',
      'SELECT (SELECT MAX(salary) FROM employees) AS m',
      'SELECT id FROM employees',
    ],
    [
      'a hidden column through a primary-key lookup',
      'SELECT salary FROM employees WHERE id = 7 LIMIT 1',
      'SELECT id FROM employees WHERE id = 7 LIMIT 1',
    ],
    ['an ungranted table', 'SELECT name FROM departments', 'SELECT first_name FROM employees'],
    [
      'an ungranted table in a join',
      'SELECT e.id FROM employees e JOIN departments d ON d.id = e.department_id',
      'SELECT id FROM employees',
    ],
    ['a system table', 'SELECT User FROM mysql.user', 'SELECT id FROM employees'],
    [
      'a hidden column in HAVING',
      'SELECT department_id FROM employees GROUP BY department_id HAVING MAX(salary) > 0',
      'SELECT department_id FROM employees GROUP BY department_id',
    ],
    [
      'a hidden column in a JSON function',
      "SELECT JSON_OBJECT('n', national_id) FROM employees",
      'SELECT id FROM employees',
    ],
  ];

  it.each(HIDDEN)(
    'the server itself refuses %s, past the guard, on a root connection',
    async (_name, sql, asIf) => {
      const e = await belowGuard(sql, asIf);
      expect(e).toBeInstanceOf(AirlockError);
      expect((e as AirlockError).code).toBe('PERMISSION_DENIED');
      expect((e as AirlockError).details.layer).toBe('backstop');
      expect(leaks(JSON.stringify({ m: (e as AirlockError).message }))).toBeNull();
    },
  );

  it.each([
    [
      'UPDATE of a table the agent may only read',
      "UPDATE orders SET status = 'x' WHERE id = 1",
      "UPDATE orders SET status = 'x' WHERE id = 1",
    ],
    [
      'DELETE of a table the agent may only read',
      'DELETE FROM orders WHERE id = 1',
      'DELETE FROM orders WHERE id = 1',
    ],
    [
      'UPDATE copying a hidden value into a granted column',
      'UPDATE employees SET first_name = national_id WHERE id = 7',
      "UPDATE employees SET first_name = 'x' WHERE id = 7",
    ],
  ])('the server itself refuses a write: %s', async (_n, sql, asIf) => {
    const e = await belowGuard(sql, asIf, analystGrants, true);
    expect(e).toBeInstanceOf(AirlockError);
    expect((e as AirlockError).code).toBe('PERMISSION_DENIED');
  });

  it('an analyst (no agent) still runs as the connection account', async () => {
    const connector = sqlConnector(t.core.connections.connector(CONN));
    const { index } = await t.core.connections.schema(CONN);
    const sql = 'SELECT salary FROM employees WHERE id = 7';
    const g = await guardSql(sql, 'mysql', index);
    const r = await connector.read(
      { sql, params: undefined, analysis: g.analysis },
      { maxRows: 10, maxBytes: 100_000, timeoutMs: 5000 },
    );
    expect(r.rows).toEqual([[CANARY.salary]]);
  });

  it('writes work as the writer user (INSERT, UPDATE, DELETE on its table)', async () => {
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
    expect(await tablePrivileges(users[1]!)).toEqual(['orders:delete', 'orders:select']);
    expect(
      (await columnPrivileges(users[1]!)).filter((p) => p.endsWith(':insert')).length,
    ).toBeGreaterThan(0);
  });

  it('follows grant changes at once (PUT grants) and before the next statement', async () => {
    const name = users[0]!;
    const put = await t.admin('PUT', `/v1/admin/agents/${analyst.id}/grants`, {
      grants: [{ connection: CONN, table: 'employees', actions: ['read'], columns: ['id'] }],
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(await tablePrivileges(name)).toEqual([]);
    expect(await columnPrivileges(name)).toEqual(['employees.id:select']);
    // Open connections of the agent's pool see the change at once.
    const e = await belowGuard('SELECT first_name FROM employees', 'SELECT id FROM employees', [
      { connection: CONN, table: 'employees', actions: ['read'], columns: ['id'] },
    ]);
    expect((e as AirlockError).code).toBe('PERMISSION_DENIED');
    // And lazily: a grant added without the hook is in place before the agent's next statement runs.
    t.core.grants.replace(analyst.id, [
      { connection: CONN, table: 'customers', actions: ['read'] },
    ]);
    const r = await t.query(analyst.apiKey, 'SELECT COUNT(*) FROM customers', undefined, CONN);
    expect(r.statusCode, r.body).toBe(200);
    expect(await tablePrivileges(name)).toEqual(['customers:select']);
    expect(await columnPrivileges(name)).toEqual([]);
  });

  it('strips a user of that name of extra privileges when it syncs', async () => {
    const name = users[0]!;
    const [rows] = await root.query('SELECT Host AS h FROM mysql.user WHERE User = ?', [name]);
    const host = (rows as { h: string }[])[0]!.h;
    await root.query(`GRANT SELECT ON \`${DB}\`.* TO ?@?`, [name, host]);
    await root.query(`GRANT SELECT ON \`${DB}\`.departments TO ?@?`, [name, host]);
    const put = await t.admin('PUT', `/v1/admin/agents/${analyst.id}/grants`, {
      grants: analystGrants,
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(await tablePrivileges(name)).toEqual(['orders:select']);
    const [schema] = await root.query(
      'SELECT COUNT(*) AS n FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE LIKE ?',
      [`'${name}'@%`],
    );
    expect(Number((schema as { n: number }[])[0]!.n)).toBe(0);
  });

  it('drops the user when the agent is revoked', async () => {
    const temp = await t.createAgent('user-temp', [
      { connection: CONN, table: 'orders', actions: ['read'] },
    ]);
    const name = agentUserName(DB, temp.id);
    users.push(name);
    expect(
      (await t.query(temp.apiKey, 'SELECT COUNT(*) FROM orders', undefined, CONN)).statusCode,
    ).toBe(200);
    expect(await userExists(name)).toBe(true);
    const r = await t.admin('DELETE', `/v1/admin/agents/${temp.id}`);
    expect(r.statusCode, r.body).toBeLessThan(300);
    expect(await userExists(name)).toBe(false);
  });

  it("two connections to one database share the agent's user and keep it in line with each one's grants", async () => {
    const r = await t.admin('POST', '/v1/admin/connections', {
      name: 'myusers2',
      kind: 'mysql',
      url,
    });
    expect(r.statusCode, r.body).toBe(201);
    const both = await t.createAgent('user-both', [
      { connection: CONN, table: 'orders', actions: ['read'] },
      { connection: 'myusers2', table: 'customers', actions: ['read'] },
    ]);
    users.push(agentUserName(DB, both.id));
    for (let i = 0; i < 3; i++) {
      const a = await t.query(both.apiKey, 'SELECT COUNT(*) FROM orders', undefined, CONN);
      expect(a.statusCode, a.body).toBe(200);
      const b = await t.query(both.apiKey, 'SELECT COUNT(*) FROM customers', undefined, 'myusers2');
      expect(b.statusCode, b.body).toBe(200);
    }
    expect(await tablePrivileges(agentUserName(DB, both.id))).toEqual(['customers:select']);
  });

  describe('without the right to create users', () => {
    const lpUrl = () => url.replace('root@', `${LP_USER}:lp-pass-1@`);

    it('agent_users=false: the check says the guard alone enforces grants, and the guard holds', async () => {
      const r = await t.admin('POST', '/v1/admin/connections', {
        name: 'myoff',
        kind: 'mysql',
        url: `${url}?agent_users=false`,
      });
      expect(r.statusCode, r.body).toBe(201);
      const check = await connectionOps(t.core).checkConnection({ name: 'myoff' });
      expect(check.agentPrincipals).toMatchObject({ kind: 'user', active: false });
      expect(check.agentPrincipals!.message).toMatch(/agent_users=false.*guard alone/);
      const a = await t.createAgent('off-agent', [
        {
          connection: 'myoff',
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
            'myoff',
          )
        ).statusCode,
      ).toBe(200);
      const denied = await t.query(
        a.apiKey,
        'SELECT salary FROM employees WHERE id = 7',
        undefined,
        'myoff',
      );
      expect(denied.json().error.code).toBe('PERMISSION_DENIED');
      expect(leaks(denied.body)).toBeNull();
    });

    it('a least-privilege account: the test says why (CREATE USER) and the guard alone holds', async () => {
      const probe = await connectionOps(t.core).testConnection({
        name: 'mylp',
        kind: 'mysql',
        url: lpUrl(),
      });
      expect(probe.ok, probe.message).toBe(true);
      expect(probe.agentPrincipals).toMatchObject({ kind: 'user', active: false });
      expect(probe.agentPrincipals!.message).toMatch(/CREATE USER/);
      expect(probe.agentPrincipals!.message).toMatch(/guard alone/);
      const r = await t.admin('POST', '/v1/admin/connections', {
        name: 'mylp',
        kind: 'mysql',
        url: lpUrl(),
      });
      expect(r.statusCode, r.body).toBe(201);
      const a = await t.createAgent('lp-agent', [
        {
          connection: 'mylp',
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
            'mylp',
          )
        ).statusCode,
      ).toBe(200);
      const denied = await t.query(
        a.apiKey,
        'SELECT national_id FROM employees WHERE id = 7',
        undefined,
        'mylp',
      );
      expect(denied.json().error.code).toBe('PERMISSION_DENIED');
      expect(leaks(denied.body)).toBeNull();
    });

    it('agent_users=true on an account that may not create users is refused, saying why', async () => {
      const r = await t.admin('POST', '/v1/admin/connections', {
        name: 'mylpon',
        kind: 'mysql',
        url: `${lpUrl()}?agent_users=true`,
      });
      expect(r.statusCode).toBeGreaterThanOrEqual(400);
      expect(r.json().error.message).toMatch(/agent_users=true.*CREATE USER/);
    });
  });

  it('drops every agent user of a connection when the connection is removed', async () => {
    const present = await Promise.all(users.slice(0, 2).map(userExists));
    expect(present).toEqual([true, true]);
    const r = await t.admin('DELETE', `/v1/admin/connections/${CONN}`);
    expect(r.statusCode, r.body).toBeLessThan(300);
    for (const u of users) expect(await userExists(u)).toBe(false);
  });
});
