/**
 * Error-message oracles: a database error returned to an agent, or written to the audit, never
 * carries a value from the data. Each engine is driven to quote a value in its error — casts,
 * arithmetic and range errors, unique violations on a copied value, string-to-number and date
 * conversions in UPDATE under strict mode, JSON and array parsing, date parsing, text → name
 * casts — with the canary employee's national_id and salary as the value. The same statement
 * on a raw driver shows the engine does quote the canary; through Airlock (PostgreSQL superuser,
 * MariaDB root, SQLite) the response and the audit hold no trace of it, and the error keeps its
 * code and a message a person can act on.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import mysql from 'mysql2/promise';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_SQL_MODE } from '../../src/main/connectors/mysql/mysql-pool';
import type { Grant } from '../../src/shared/domain';
import { demoDbName, dropDemo, seedDemo } from '../helpers/demo-seed';
import { CANARY, leaks } from '../helpers/guard-table';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';
import { describeWithService, serviceUrl, type ServiceKind } from '../helpers/services';

interface OracleCase {
  cls: 'cast' | 'arithmetic' | 'unique' | 'strict-update' | 'json-array' | 'date' | 'name-cast';
  sql: string;
}
const c = (cls: OracleCase['cls'], sql: string): OracleCase => ({ cls, sql });
const E7 = 'FROM employees WHERE id = 7';

const PG_CASES: OracleCase[] = [
  c('cast', `SELECT national_id::int ${E7}`),
  c('cast', `SELECT CAST(national_id AS integer) ${E7}`),
  c('cast', 'SELECT id FROM employees WHERE national_id::int = 0'),
  c('cast', `SELECT national_id::bigint ${E7}`),
  c('cast', `SELECT national_id::numeric ${E7}`),
  c('cast', `SELECT national_id::double precision ${E7}`),
  c('cast', `SELECT national_id::boolean ${E7}`),
  c('cast', `SELECT national_id::uuid ${E7}`),
  c('cast', `SELECT national_id::money ${E7}`),
  c('cast', `SELECT (salary::text || 'x')::int ${E7}`),
  c('cast', `SELECT first_name FROM employees WHERE id = 7 AND national_id::smallint > 0`),
  c('arithmetic', `SELECT make_date(salary, 1, 1) ${E7}`),
  c('arithmetic', `SELECT make_time(salary, 0, 0) ${E7}`),
  c('arithmetic', `SELECT make_timestamp(salary, 1, 1, 0, 0, 0) ${E7}`),
  c('arithmetic', `SELECT chr(salary) ${E7}`),
  c('arithmetic', `SELECT 1 / (salary - ${CANARY.salary - 1} - 1) ${E7}`),
  c('arithmetic', `SELECT (salary * 1000)::int ${E7}`),
  c('arithmetic', `SELECT salary::text::int2 ${E7}`),
  c(
    'unique',
    'UPDATE employees SET national_id = (SELECT national_id FROM employees WHERE id = 7) WHERE id = 8',
  ),
  c(
    'unique',
    'UPDATE employees SET email = (SELECT email FROM employees WHERE id = 7) WHERE id = 8',
  ),
  c(
    'unique',
    "INSERT INTO employees (id, first_name, last_name, email, department_id, title, hire_date, manager_id, salary, national_id) SELECT 100000, first_name, last_name, 'x@example.org', department_id, title, hire_date, manager_id, salary, national_id FROM employees WHERE id = 7",
  ),
  c('strict-update', 'UPDATE employees SET salary = national_id::int WHERE id = 7'),
  c('strict-update', 'UPDATE employees SET hire_date = national_id::date WHERE id = 7'),
  c(
    'strict-update',
    'UPDATE employees SET department_id = (SELECT national_id FROM employees WHERE id = 7)::int WHERE id = 8',
  ),
  c(
    'strict-update',
    'UPDATE employees SET first_name = first_name WHERE id = 7 AND national_id::numeric > 0',
  ),
  c('json-array', `SELECT national_id::json ${E7}`),
  c('json-array', `SELECT national_id::jsonb ${E7}`),
  c('json-array', `SELECT ('{' || national_id || '}')::int[] ${E7}`),
  c('json-array', `SELECT ('[' || national_id || ']')::jsonb ${E7}`),
  c('json-array', `SELECT national_id::int[] ${E7}`),
  c('date', `SELECT national_id::date ${E7}`),
  c('date', `SELECT national_id::timestamp ${E7}`),
  c('date', `SELECT national_id::timestamptz ${E7}`),
  c('date', `SELECT national_id::time ${E7}`),
  c('date', `SELECT national_id::interval ${E7}`),
  c('date', `SELECT to_date(national_id, 'YYYY-MM-DD') ${E7}`),
  c('date', `SELECT to_timestamp(national_id, 'YYYY-MM-DD HH24') ${E7}`),
  c('date', `SELECT (salary::text || '-01-01')::date ${E7}`),
  c('name-cast', `SELECT national_id::regclass ${E7}`),
  c('name-cast', `SELECT national_id::regtype ${E7}`),
  c('name-cast', `SELECT national_id::regrole ${E7}`),
  c('name-cast', `SELECT national_id::regnamespace ${E7}`),
  c('name-cast', `SELECT national_id::regproc ${E7}`),
];

const MY_CASES: OracleCase[] = [
  c('strict-update', 'UPDATE employees SET salary = national_id WHERE id = 7'),
  c('strict-update', 'UPDATE employees SET salary = salary + national_id WHERE id = 7'),
  c('strict-update', 'UPDATE employees SET salary = CAST(national_id AS SIGNED) WHERE id = 7'),
  c('strict-update', 'UPDATE employees SET department_id = national_id WHERE id = 7'),
  c('strict-update', "UPDATE employees SET first_name = 'x' WHERE id = 7 AND national_id = 0"),
  c('strict-update', "UPDATE employees SET first_name = 'x' WHERE national_id > 0"),
  c(
    'strict-update',
    'UPDATE orders SET total = (SELECT national_id FROM employees WHERE id = 7) WHERE id = 1',
  ),
  c(
    'strict-update',
    'UPDATE orders SET total = total + (SELECT national_id FROM employees WHERE id = 7) WHERE id = 1',
  ),
  c('cast', 'UPDATE employees SET salary = CAST(national_id AS DECIMAL(10,2)) WHERE id = 7'),
  c('cast', 'UPDATE employees SET salary = CAST(national_id AS DOUBLE) WHERE id = 7'),
  c('date', 'UPDATE employees SET hire_date = national_id WHERE id = 7'),
  c('date', "UPDATE employees SET hire_date = STR_TO_DATE(national_id, '%Y-%m-%d') WHERE id = 7"),
  c(
    'date',
    'UPDATE orders SET order_date = (SELECT national_id FROM employees WHERE id = 7) WHERE id = 1',
  ),
  c('date', 'UPDATE employees SET hire_date = CAST(national_id AS DATE) WHERE id = 7'),
  c('date', "UPDATE employees SET first_name = 'x' WHERE id = 7 AND hire_date = national_id"),
  c(
    'unique',
    'UPDATE employees SET national_id = (SELECT n FROM (SELECT national_id AS n FROM employees WHERE id = 7) x) WHERE id = 8',
  ),
  c(
    'unique',
    'UPDATE employees SET email = (SELECT m FROM (SELECT email AS m FROM employees WHERE id = 7) x) WHERE id = 8',
  ),
  c(
    'unique',
    "INSERT INTO employees (id, first_name, last_name, email, department_id, title, hire_date, manager_id, salary, national_id) SELECT 100000, first_name, last_name, 'x@example.org', department_id, title, hire_date, manager_id, salary, national_id FROM employees WHERE id = 7",
  ),
  c(
    'unique',
    "INSERT INTO employees (id, first_name, last_name, email, department_id, title, hire_date, manager_id, salary, national_id) SELECT salary, first_name, last_name, 'y@example.org', department_id, title, hire_date, manager_id, salary, 'n-1' FROM employees WHERE id = 7 UNION ALL SELECT salary, first_name, last_name, 'z@example.org', department_id, title, hire_date, manager_id, salary, 'n-2' FROM employees WHERE id = 7",
  ),
  c('arithmetic', `SELECT CAST(salary AS UNSIGNED) - ${CANARY.salary + 1} ${E7}`),
  c('arithmetic', `SELECT EXP(salary) ${E7}`),
  c('arithmetic', `SELECT POW(salary, 100) ${E7}`),
  c('arithmetic', 'UPDATE employees SET salary = salary * 100000000000 WHERE id = 7'),
  c('json-array', "UPDATE employees SET first_name = JSON_EXTRACT(national_id, '$') WHERE id = 7"),
  c(
    'json-array',
    "UPDATE employees SET salary = JSON_VALUE(CONCAT('{\"a\":\"', national_id, '\"}'), '$.a') WHERE id = 7",
  ),
];

const SQLITE_CASES: OracleCase[] = [
  c('json-array', `SELECT json_extract('{}', national_id) ${E7}`),
  c('json-array', `SELECT json_set('{}', national_id, 1) ${E7}`),
  c('json-array', `SELECT json_insert('{}', national_id, 1) ${E7}`),
  c('json-array', `SELECT json_replace('{}', national_id, 1) ${E7}`),
  c('json-array', `SELECT json_remove('{}', national_id) ${E7}`),
  c('json-array', `SELECT json_type('{}', national_id) ${E7}`),
  c('json-array', `SELECT json_array_length('[]', national_id) ${E7}`),
  c('json-array', `SELECT json_extract('{}', '$.a', national_id) ${E7}`),
  c('json-array', "SELECT id FROM employees WHERE json_extract('{}', national_id) IS NULL"),
  c('json-array', "UPDATE employees SET first_name = json_extract('{}', national_id) WHERE id = 7"),
  c('json-array', `SELECT json(national_id) ${E7}`),
  c('unique', 'UPDATE employees SET id = 8 WHERE id = 7'),
  c('cast', `SELECT 'a' LIKE 'b' ESCAPE national_id ${E7}`),
];

const fullAccess = (connection: string): Grant[] => [
  { connection, table: 'employees', actions: ['read', 'write'], approval: 'none' },
  { connection, table: 'orders', actions: ['read', 'write'], approval: 'none' },
];

/** The raw engine's message for a statement (rolled back), to show it would have quoted the data. */
type RawRunner = (sql: string) => Promise<string | null>;

interface Suite {
  connection: string;
  cases: OracleCase[];
  raw: () => RawRunner;
  airlock: () => TestAirlock;
  key: () => string;
  /** The value that must never appear: the canary's (server engines), or employee 7's national id (SQLite). */
  values: () => string[];
}

function oracleTable(name: string, s: Suite) {
  const rawLeaks: string[] = [];
  const engineErrors: string[] = [];

  it.each(s.cases)(`${name} [$cls] $sql`, async (tc) => {
    const raw = await s.raw()(tc.sql);
    const r = await s.airlock().query(s.key(), tc.sql, undefined, s.connection);
    expect(r.statusCode, r.body).toBeGreaterThanOrEqual(400);
    const body = r.json() as { error: { code: string; message: string; layer?: string } };
    expect(['QUERY_FAILED', 'INVALID_SQL', 'PERMISSION_DENIED', 'STATEMENT_NOT_ALLOWED']).toContain(
      body.error.code,
    );
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(leaks(r.body), r.body).toBeNull();
    for (const v of s.values()) expect(r.body).not.toContain(v);
    if (raw !== null && s.values().some((v) => raw.includes(v))) rawLeaks.push(tc.sql);
    if (body.error.layer === 'engine' || body.error.layer === 'backstop') engineErrors.push(tc.sql);
  });

  it(`${name}: the engine does quote the data in these errors, and Airlock passed its errors on scrubbed`, () => {
    // The cases are real oracles (the raw driver's message carries the value), in every class…
    expect(
      rawLeaks.length,
      'statements whose raw engine error quotes the data',
    ).toBeGreaterThanOrEqual(Math.ceil(s.cases.length / 3));
    // …and most reached the engine through the guard, so the scrubbing (not a refusal) is what hid them.
    expect(engineErrors.length).toBeGreaterThanOrEqual(Math.ceil(s.cases.length / 3));
  });

  it(`${name}: no audit entry carries the data`, async () => {
    const r = await s.airlock().admin('GET', '/v1/admin/audit?limit=1000');
    expect(r.statusCode).toBe(200);
    const entries = (r.json() as { entries: unknown[] }).entries;
    expect(entries.length).toBeGreaterThanOrEqual(s.cases.length);
    expect(leaks(r.body)).toBeNull();
    for (const v of s.values()) expect(r.body).not.toContain(v);
  });
}

for (const kind of ['postgres', 'mysql'] as ServiceKind[]) {
  await describeWithService(
    kind,
    `error-message oracles on ${kind === 'postgres' ? 'PostgreSQL (superuser)' : 'MariaDB (root)'}`,
    () => {
      const db = demoDbName(`oracle_${kind === 'postgres' ? 'pg' : 'my'}`);
      const connection = `${kind}oracle`;
      let t: TestAirlock;
      let key = '';
      let raw: RawRunner = async () => null;
      let close: () => Promise<void> = async () => undefined;

      beforeAll(async () => {
        const url = await seedDemo(kind, db, CANARY);
        t = await startTestAirlock();
        const r = await t.admin('POST', '/v1/admin/connections', { name: connection, kind, url });
        if (r.statusCode !== 201) throw new Error(r.body);
        key = (await t.createAgent('hr', fullAccess(connection))).apiKey;
        if (kind === 'postgres') {
          const client = new pg.Client({ connectionString: serviceUrl('postgres', db) });
          await client.connect();
          raw = async (sql) => {
            await client.query('BEGIN');
            try {
              await client.query(sql);
              return null;
            } catch (e) {
              return (e as Error).message;
            } finally {
              await client.query('ROLLBACK');
            }
          };
          close = () => client.end();
        } else {
          const conn = await mysql.createConnection({ uri: serviceUrl('mysql', db) });
          await conn.query(`SET SESSION sql_mode = '${SESSION_SQL_MODE}'`);
          raw = async (sql) => {
            await conn.query('START TRANSACTION');
            try {
              await conn.query(sql);
              return null;
            } catch (e) {
              return (e as Error).message;
            } finally {
              await conn.query('ROLLBACK');
            }
          };
          close = () => conn.end();
        }
      });
      afterAll(async () => {
        await close();
        await t?.close();
        await dropDemo(kind, db);
      });

      oracleTable(kind, {
        connection,
        cases: kind === 'postgres' ? PG_CASES : MY_CASES,
        raw: () => raw,
        airlock: () => t,
        key: () => key,
        values: () => [CANARY.nationalId, String(CANARY.salary)],
      });
    },
  );
}

describe('error-message oracles on SQLite', () => {
  let t: TestAirlock;
  let key = '';
  let db: Database.Database;
  let nationalId = '';

  beforeAll(async () => {
    t = await startTestAirlock();
    key = (await t.createAgent('hr', fullAccess('demo'))).apiKey;
    db = new Database(join(t.dataDir, 'demo.db'));
    nationalId = (
      db.prepare('SELECT national_id FROM employees WHERE id = 7').get() as { national_id: string }
    ).national_id;
  });
  afterAll(async () => {
    db?.close();
    await t?.close();
  });

  oracleTable('sqlite', {
    connection: 'demo',
    cases: SQLITE_CASES,
    raw: () => async (sql) => {
      try {
        db.prepare(sql).raw(true).all();
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    },
    airlock: () => t,
    key: () => key,
    values: () => [nationalId],
  });
});

describe('error messages keep what a person can act on', () => {
  it('names the statement wrote and constraint names stay; values go', async () => {
    const { pgMessage } = await import('../../src/main/connectors/postgres/pg-errors');
    const { mysqlMessage } = await import('../../src/main/connectors/mysql/mysql-errors');
    expect(pgMessage('42703', 'column "salry" does not exist', 'SELECT salry FROM employees')).toBe(
      'column "salry" does not exist',
    );
    expect(
      pgMessage(
        '23505',
        'duplicate key value violates unique constraint "employees_email_key"',
        '',
      ),
    ).toBe('duplicate key value violates unique constraint "employees_email_key"');
    expect(
      pgMessage('22P02', 'invalid input syntax for type integer: "CANARY-NID-7731"', ''),
    ).toMatch(/^invalid input syntax for type integer: "…"/);
    expect(
      pgMessage(
        '42P01',
        'relation "CANARY-NID-7731" does not exist',
        "SELECT 'CANARY-NID-7731'::regclass",
      ),
    ).not.toContain('CANARY');
    expect(pgMessage('P0001', 'secret CANARY-NID-7731', '')).not.toContain('CANARY');
    expect(mysqlMessage(1054, "Unknown column 'salry' in 'field list'")).toBe(
      "Unknown column 'salry' in 'field list'",
    );
    expect(
      mysqlMessage(
        1366,
        "Incorrect integer value: 'CANARY-NID-7731' for column `d`.`employees`.`salary` at row 1",
      ),
    ).toMatch(/^Incorrect integer value: '…' for column `d`.`employees`.`salary` at row 1/);
    expect(mysqlMessage(3819, "Check constraint 'positive_total' is violated.")).toBe(
      "Check constraint 'positive_total' is violated.",
    );
    expect(mysqlMessage(1644, 'CANARY-NID-7731')).not.toContain('CANARY');
  });
});
