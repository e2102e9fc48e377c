/**
 * The optional least-privilege role per agent on PostgreSQL (`agent_roles=true`): Airlock
 * creates a NOLOGIN role per agent holding exactly its grants, runs the agent's statements
 * under `SET LOCAL ROLE`, and keeps the role in line when the grants change. A statement that
 * got past every other layer still meets the database's own permission check.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { agentRoleName } from '../../src/main/connectors/postgres/pg-roles';
import { guardSql } from '../../src/main/guard/guard';
import type { Grant } from '../../src/shared/domain';
import { AirlockError } from '../../src/shared/errors';
import { demoDbName, dropDemo, seedDemo } from '../helpers/demo-seed';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';
import { describeWithService, serviceUrl } from '../helpers/services';

const DB = demoDbName('roles');
const CONN = 'pgroles';

await describeWithService('postgres', 'PostgreSQL agent roles', () => {
  let t: TestAirlock;
  let admin: pg.Client;
  let analyst: { id: string; apiKey: string };
  let writer: { id: string; apiKey: string };
  const roles: string[] = [];
  const analystGrants: Grant[] = [
    { connection: CONN, table: 'orders', actions: ['read'] },
    { connection: CONN, table: 'employees', actions: ['read'], columns: ['id', 'first_name', 'department_id'] },
  ];
  const priv = async (role: string, sql: string, ...args: unknown[]) => (await admin.query(sql, [role, ...args])).rows[0].ok as boolean;

  beforeAll(async () => {
    const url = await seedDemo('postgres', DB);
    admin = new pg.Client({ connectionString: serviceUrl('postgres', DB) });
    await admin.connect();
    t = await startTestAirlock();
    const r = await t.admin('POST', '/v1/admin/connections', { name: CONN, kind: 'postgres', url: `${url}?agent_roles=true` });
    expect(r.statusCode, r.body).toBe(201);
    analyst = await t.createAgent('role-analyst', analystGrants);
    writer = await t.createAgent('role-writer', [{ connection: CONN, table: 'orders', actions: ['read', 'write'] }]);
    roles.push(agentRoleName(DB, analyst.id), agentRoleName(DB, writer.id));
  });
  afterAll(async () => {
    await t?.close();
    await admin?.end();
    await dropDemo('postgres', DB);
    const c = new pg.Client({ connectionString: serviceUrl('postgres', 'postgres') });
    await c.connect();
    for (const r of roles) await c.query(`DROP ROLE IF EXISTS ${r}`);
    await c.end();
  });

  it('runs the agent under a role holding exactly its grants', async () => {
    const r = await t.query(analyst.apiKey, 'SELECT e.first_name, count(o.id) FROM employees e JOIN orders o ON o.employee_id = e.id GROUP BY e.first_name ORDER BY 2 DESC LIMIT 3', undefined, CONN);
    expect(r.statusCode, r.body).toBe(200);
    const role = roles[0]!;
    expect((await admin.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", [role])).rows).toEqual([{ rolcanlogin: false }]);
    expect(await priv(role, "SELECT has_table_privilege($1, 'public.orders', 'SELECT') AS ok")).toBe(true);
    expect(await priv(role, "SELECT has_table_privilege($1, 'public.orders', 'INSERT') AS ok")).toBe(false);
    expect(await priv(role, "SELECT has_column_privilege($1, 'public.employees', 'first_name', 'SELECT') AS ok")).toBe(true);
    expect(await priv(role, "SELECT has_column_privilege($1, 'public.employees', 'salary', 'SELECT') AS ok")).toBe(false);
    expect(await priv(role, "SELECT has_table_privilege($1, 'public.departments', 'SELECT') AS ok")).toBe(false);
  });

  it('the database itself refuses a column the grants do not cover, even past the guard', async () => {
    // The connector called directly with the policy skipped: only the role stands in the way.
    const connector = t.core.connections.connector(CONN);
    const { index } = await t.core.connections.schema(CONN);
    const g = guardSql('SELECT salary FROM employees WHERE id = 1', 'postgres', index);
    const e = await connector
      .read({ sql: g.sql, params: undefined, analysis: g.analysis, agent: { id: analyst.id, name: 'role-analyst', connection: CONN, grants: analystGrants } }, { maxRows: 10, maxBytes: 100_000, timeoutMs: 5000 })
      .then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(AirlockError);
    expect((e as AirlockError).code).toBe('PERMISSION_DENIED');
    expect((e as AirlockError).details.layer).toBe('backstop');
  });

  it('writes work under the writer role (INSERT, UPDATE, DELETE on its table)', async () => {
    const ins = await t.query(writer.apiKey, "INSERT INTO orders (customer_id, order_date, status, total, ship_city, ship_country) VALUES (1, '2025-01-01', 'pending', 1, 'Oslo', 'Norway')", undefined, CONN);
    expect(ins.statusCode, ins.body).toBe(200);
    const upd = await t.query(writer.apiKey, "UPDATE orders SET status = 'paid' WHERE ship_city = 'Oslo' AND status = 'pending'", undefined, CONN);
    expect(upd.json().rowCount).toBe(1);
    const del = await t.query(writer.apiKey, "DELETE FROM orders WHERE ship_city = 'Oslo' AND status = 'paid'", undefined, CONN);
    expect(del.json().rowCount).toBe(1);
    expect(await priv(roles[1]!, "SELECT has_table_privilege($1, 'public.orders', 'DELETE') AS ok")).toBe(true);
  });

  it('follows grant changes at once (PUT grants) and before the next statement', async () => {
    const role = roles[0]!;
    const put = await t.admin('PUT', `/v1/admin/agents/${analyst.id}/grants`, { grants: [{ connection: CONN, table: 'employees', actions: ['read'], columns: ['id'] }] });
    expect(put.statusCode, put.body).toBe(200);
    expect(await priv(role, "SELECT has_table_privilege($1, 'public.orders', 'SELECT') AS ok")).toBe(false);
    expect(await priv(role, "SELECT has_column_privilege($1, 'public.employees', 'first_name', 'SELECT') AS ok")).toBe(false);
    expect(await priv(role, "SELECT has_column_privilege($1, 'public.employees', 'id', 'SELECT') AS ok")).toBe(true);
    // And lazily: a grant added without the hook is in place before the agent's next statement runs.
    t.core.grants.replace(analyst.id, [{ connection: CONN, table: 'customers', actions: ['read'] }]);
    const r = await t.query(analyst.apiKey, 'SELECT count(*) FROM customers', undefined, CONN);
    expect(r.statusCode, r.body).toBe(200);
    expect(await priv(role, "SELECT has_table_privilege($1, 'public.customers', 'SELECT') AS ok")).toBe(true);
    expect(await priv(role, "SELECT has_column_privilege($1, 'public.employees', 'id', 'SELECT') AS ok")).toBe(false);
  });
});
