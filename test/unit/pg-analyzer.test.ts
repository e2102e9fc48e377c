/**
 * The PostgreSQL analyzer alone (no server): over the demo schema, what each statement is
 * reported to read and write, BY IDENTITY — alias column lists, CTE column lists, derived
 * tables, USING/NATURAL joins, LATERAL, writes reading their own target — and what it refuses.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzePostgres } from '../../src/main/guard/pg/pg-analyze';
import { loadPgParser } from '../../src/main/guard/pg/pg-parser';
import { buildSchemaIndex } from '../../src/main/guard/schema-index';
import { AirlockError } from '../../src/shared/errors';
import { DEMO_TABLES } from '../helpers/demo-seed';

const schema = buildSchemaIndex(
  [
    ...DEMO_TABLES.map((t) => ({
      name: `public.${t.name}`,
      columns: t.cols.map(([name]) => ({ name, type: 'text' })),
    })),
    {
      name: 'public.Mixed',
      columns: [
        { name: 'Id', type: 'int' },
        { name: 'wei"rd', type: 'text' },
      ],
    },
  ],
  'public',
);

/** `table.column` of every read, sorted. */
function reads(sql: string): string[] {
  const a = analyzePostgres(sql, schema);
  return a.tables
    .flatMap((t) => t.read.map((c) => `${t.table.replace('public.', '')}.${c}`))
    .sort();
}
function writes(sql: string): string[] {
  const a = analyzePostgres(sql, schema);
  return a.tables
    .flatMap((t) => t.write.map((c) => `${t.table.replace('public.', '')}.${c}`))
    .sort();
}
function refusal(sql: string): { code: string; message: string } {
  try {
    analyzePostgres(sql, schema);
  } catch (e) {
    if (e instanceof AirlockError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error(`not refused: ${sql}`);
}

beforeAll(loadPgParser);

describe('PostgreSQL analyzer: alias column lists rename by position', () => {
  it.each([
    ['SELECT id FROM employees AS u(salary, national_id, email, id)', ['employees.email']],
    ['SELECT u.id FROM employees u(national_id, id)', ['employees.first_name']],
    ['SELECT u.x FROM employees u(x)', ['employees.id']],
    [
      'SELECT * FROM employees e(a, b, c, d, f, g, h, i, j, k)',
      [
        'employees.department_id',
        'employees.email',
        'employees.first_name',
        'employees.hire_date',
        'employees.id',
        'employees.last_name',
        'employees.manager_id',
        'employees.national_id',
        'employees.salary',
        'employees.title',
      ],
    ],
    ['SELECT o.a FROM orders o(a) JOIN employees e(b) ON e.b = o.a', ['employees.id', 'orders.id']],
    ['SELECT first_name FROM employees e(salary, first_name)', ['employees.first_name']],
    ['SELECT "id" FROM employees AS "u\'"(national_id, "id")', ['employees.first_name']],
    ['SELECT "a""b" FROM employees AS e(id, "a""b")', ['employees.first_name']],
    ['SELECT n FROM (SELECT national_id FROM employees) d(n)', ['employees.national_id']],
    [
      'SELECT id FROM (SELECT national_id, first_name FROM employees) d(id)',
      ['employees.first_name', 'employees.national_id'],
    ],
    [
      'WITH w(id) AS (SELECT national_id FROM employees) SELECT id FROM w',
      ['employees.national_id'],
    ],
    [
      'WITH w AS (SELECT national_id AS id FROM employees) SELECT z FROM w AS q(z)',
      ['employees.national_id'],
    ],
    ['SELECT j.a FROM (employees JOIN orders USING (id)) AS j(a)', ['employees.id', 'orders.id']],
    ['SELECT v.a FROM (VALUES (1, 2)) AS v(a, b)', []],
    ['SELECT l.s FROM orders o CROSS JOIN LATERAL (SELECT o.total) l(s)', ['orders.total']],
    ['SELECT (SELECT id FROM employees u(title, id) LIMIT 1)', ['employees.first_name']],
    [
      'SELECT c.id FROM orders AS c(id), customers WHERE customers.id = c.id',
      ['customers.id', 'orders.id'],
    ],
  ])('%s', (sql, expected) => {
    expect(reads(sql)).toEqual(expected);
  });

  it.each([
    ['SELECT u.id FROM employees u(national_id)', 'PERMISSION_DENIED'],
    ['SELECT national_id FROM employees u(national_id)', 'INVALID_SQL'],
    ['SELECT salary FROM employees e(a, salary)', 'INVALID_SQL'],
    ['SELECT x.title FROM employees x(title)', 'INVALID_SQL'],
    ['SELECT id FROM employees e(id, id)', 'INVALID_SQL'],
  ])('a renamed-away or doubled name is not resolved: %s', (sql, code) => {
    expect(refusal(sql).code).toBe(code);
  });
  it('refuses more names than columns', () => {
    expect(refusal('SELECT 1 FROM categories c(a, b, c, d)').code).toBe('INVALID_SQL');
  });
});

describe('PostgreSQL analyzer: output aliases do not shadow source columns', () => {
  it.each([
    ['SELECT 1 AS salary, salary FROM employees', ['employees.salary']],
    [
      'SELECT first_name AS salary FROM employees WHERE salary > 0',
      ['employees.first_name', 'employees.salary'],
    ],
    [
      'SELECT id AS national_id FROM employees GROUP BY national_id',
      ['employees.id', 'employees.national_id'],
    ],
    ['SELECT id AS x FROM employees ORDER BY x', ['employees.id']],
    ['SELECT id AS salary FROM employees ORDER BY salary', ['employees.id']],
    [
      'SELECT id AS salary FROM employees ORDER BY salary + 0',
      ['employees.id', 'employees.salary'],
    ],
    ['SELECT t.b FROM (SELECT 1 AS salary, salary AS b FROM employees) t', ['employees.salary']],
    ['SELECT (SELECT salary) FROM employees', ['employees.salary']],
    [
      'SELECT id FROM employees e WHERE (SELECT 1 AS first_name WHERE salary > 0) = 1',
      ['employees.id', 'employees.salary'],
    ],
    ['SELECT count(*) AS id FROM employees HAVING count(*) > 0 ORDER BY id', []],
  ])('%s', (sql, expected) => {
    expect(reads(sql)).toEqual(expected);
  });
});

describe('PostgreSQL analyzer: joins by identity', () => {
  it.each([
    ['SELECT id FROM orders JOIN employees USING (id)', ['employees.id', 'orders.id']],
    [
      'SELECT * FROM categories NATURAL JOIN categories c2',
      ['categories.description', 'categories.id', 'categories.name'],
    ],
    [
      'SELECT e.first_name FROM employees e JOIN orders o ON o.employee_id = e.id',
      ['employees.first_name', 'employees.id', 'orders.employee_id'],
    ],
    [
      'SELECT x.first_name FROM employees e, LATERAL (SELECT e.first_name) x',
      ['employees.first_name'],
    ],
    ['SELECT o.id FROM orders o LEFT JOIN LATERAL (SELECT 1 AS k) z ON true', ['orders.id']],
    ['SELECT count(*) FROM orders o CROSS JOIN LATERAL (SELECT o.id) AS l', ['orders.id']],
  ])('%s', (sql, expected) => {
    expect(reads(sql)).toEqual(expected);
  });
  it.each([
    'SELECT id FROM orders o JOIN employees e ON true',
    'SELECT salary FROM employees e, (SELECT e.salary) x',
    'SELECT 1 FROM orders o, employees e JOIN customers c ON o.id = c.id',
  ])('refuses what the server cannot resolve: %s', (sql) => {
    expect(['INVALID_SQL', 'PERMISSION_DENIED']).toContain(refusal(sql).code);
  });
});

describe('PostgreSQL analyzer: DISTINCT ON and recursive CTEs without a column list', () => {
  it.each([
    ['SELECT DISTINCT ON (status) id FROM orders', ['orders.id', 'orders.status']],
    ['SELECT DISTINCT ON (1) status, id FROM orders ORDER BY 1', ['orders.id', 'orders.status']],
    ['SELECT DISTINCT ON (x) first_name AS x FROM employees', ['employees.first_name']],
    ['SELECT DISTINCT ON (first_name) salary AS first_name FROM employees', ['employees.salary']],
    ['SELECT DISTINCT ON (x) a FROM employees e(a, b, c, x)', ['employees.email', 'employees.id']],
    [
      'WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r',
      [],
    ],
    [
      'WITH RECURSIVE r AS (SELECT id, manager_id FROM employees WHERE id = 1 UNION ALL SELECT e.id, e.manager_id FROM employees e JOIN r ON e.manager_id = r.id) SELECT id FROM r',
      ['employees.id', 'employees.manager_id'],
    ],
    [
      'WITH RECURSIVE r AS (SELECT salary AS id FROM employees UNION SELECT id FROM r) SELECT id FROM r',
      ['employees.salary'],
    ],
    [
      'WITH RECURSIVE a AS (SELECT 1 AS k UNION ALL SELECT k + 1 FROM a WHERE k < 3), b AS (SELECT national_id AS k FROM employees) SELECT k FROM a',
      ['employees.national_id'],
    ],
  ])('%s', (sql, expected) => {
    expect(reads(sql)).toEqual(expected);
  });
  it.each([
    // The non-recursive term may not name the CTE itself: no column of it resolves there.
    'WITH RECURSIVE r AS (SELECT n FROM r UNION ALL SELECT 1 AS n) SELECT n FROM r',
    // Two columns of the same name: the later reference would be ambiguous.
    'WITH RECURSIVE r AS (SELECT id, id FROM orders UNION ALL SELECT 1, 2) SELECT id FROM r',
  ])('refuses %s', (sql) => {
    expect(['INVALID_SQL', 'PERMISSION_DENIED', 'STATEMENT_NOT_ALLOWED']).toContain(
      refusal(sql).code,
    );
  });
});

describe('PostgreSQL analyzer: writes read their own target', () => {
  it('UPDATE copying a hidden value through a derived table', () => {
    const sql =
      'UPDATE employees SET title = (SELECT t.b FROM (SELECT 1 AS salary, salary AS b) t) WHERE id = 1 RETURNING title';
    expect(reads(sql)).toEqual(['employees.id', 'employees.salary', 'employees.title']);
    expect(writes(sql)).toEqual(['employees.title']);
  });
  it.each([
    [
      'UPDATE employees SET title = salary::text WHERE id = 1',
      ['employees.id', 'employees.salary'],
    ],
    ['UPDATE employees e SET title = e.national_id', ['employees.national_id']],
    [
      'UPDATE orders SET status = e.national_id FROM employees e WHERE e.id = orders.employee_id',
      ['employees.id', 'employees.national_id', 'orders.employee_id'],
    ],
    [
      'UPDATE orders o SET status = x.n FROM employees e(n) JOIN orders y(n2) ON y.n2 = e.n, LATERAL (SELECT e.n) x WHERE o.id = 1',
      ['employees.id', 'orders.id'],
    ],
    [
      'DELETE FROM orders USING employees e(x) WHERE orders.id = e.x',
      ['employees.id', 'orders.id'],
    ],
    [
      'DELETE FROM employees WHERE id = 1 RETURNING national_id',
      ['employees.id', 'employees.national_id'],
    ],
    ['INSERT INTO orders (status) SELECT national_id FROM employees', ['employees.national_id']],
    ['INSERT INTO orders (status) SELECT n FROM employees e(x, n)', ['employees.first_name']],
    [
      "INSERT INTO employees (id, title) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET title = employees.salary::text",
      ['employees.id', 'employees.salary'],
    ],
    [
      "INSERT INTO employees AS t (id, title) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET title = excluded.title WHERE t.national_id > ''",
      ['employees.id', 'employees.national_id'],
    ],
    [
      "INSERT INTO orders (id, status) VALUES (1, 'x') RETURNING *",
      [
        'orders.customer_id',
        'orders.employee_id',
        'orders.id',
        'orders.order_date',
        'orders.ship_city',
        'orders.ship_country',
        'orders.status',
        'orders.total',
      ],
    ],
    [
      'UPDATE employees SET (title, last_name) = (SELECT national_id, email FROM employees WHERE id = 2) WHERE id = 1',
      ['employees.email', 'employees.id', 'employees.national_id'],
    ],
  ])('%s', (sql, expected) => {
    expect(reads(sql)).toEqual(expected);
  });
  it('ON CONFLICT bare names are ambiguous, as in the server', () => {
    expect(
      refusal(
        "INSERT INTO orders (id, status) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET status = status",
      ).code,
    ).toBe('INVALID_SQL');
  });
});

describe('PostgreSQL analyzer: ordinary analyst SQL', () => {
  it.each([
    "SELECT int4 '100', timestamptz '2024-01-01', date '2024-01-01', interval '1 day'",
    'TABLE categories',
    'VALUES (1, 2), (3, 4)',
    "SELECT make_interval(years := 1), make_timestamptz(2024, 1, 1, 0, 0, 0), justify_interval(interval '40 days')",
    'SELECT clock_timestamp(), statement_timestamp(), transaction_timestamp(), now(), localtime, localtimestamp, current_date, current_timestamp, current_time',
    'SELECT "Id", "wei""rd" FROM "Mixed"',
    'SELECT ROW(1, 2) = ROW(1, 2), (1, 2) < (3, 4)',
    "SELECT id FROM orders WHERE status IS DISTINCT FROM 'x' AND total IS NOT DISTINCT FROM 1",
    "SELECT id FROM orders WHERE id > 1 AND NOT (status = 'x' OR total < 0)",
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total) FROM orders',
    'SELECT status, count(*) FROM orders GROUP BY ROLLUP (status)',
    "SELECT order_date AT TIME ZONE 'UTC', substring(status FROM 1 FOR 2), trim(both ' ' from status), position('a' in status) FROM orders",
    'SELECT id FROM orders ORDER BY 1 LIMIT 5 OFFSET 1',
    'SELECT status FROM orders UNION SELECT name FROM categories ORDER BY status',
    'SELECT ARRAY(SELECT id FROM orders LIMIT 3), EXISTS (SELECT FROM orders)',
    'SELECT id, sum(total) OVER w FROM orders WINDOW w AS (PARTITION BY status ORDER BY id)',
    'SELECT total::numeric(10, 2), status::varchar(3), id::bigint, order_date::timestamp with time zone FROM orders',
    'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r',
    "SELECT id FROM orders WHERE status = ANY($1) AND id IN (1, 2) AND status LIKE 'a%' AND status ILIKE 'b%'",
    "SELECT CASE WHEN total > 0 THEN 'y' ELSE 'n' END, coalesce(ship_city, ''), nullif(status, ''), greatest(1, 2) FROM orders",
  ])('allows %s', (sql) => {
    expect(() => analyzePostgres(sql, schema)).not.toThrow();
  });
});

describe('PostgreSQL analyzer: refusals', () => {
  it.each([
    ['SET ROLE postgres', 'STATEMENT_NOT_ALLOWED'],
    ['RESET ROLE', 'STATEMENT_NOT_ALLOWED'],
    ["SELECT set_config('role', 'postgres', true)", 'STATEMENT_NOT_ALLOWED'],
    ["SELECT current_setting('data_directory')", 'STATEMENT_NOT_ALLOWED'],
    ['SELECT current_user', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT session_user', 'STATEMENT_NOT_ALLOWED'],
    ['SHOW search_path', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT * FROM generate_series(1, 3)', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT 1 FROM ONLY orders', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT id FROM orders TABLESAMPLE SYSTEM (1)', 'STATEMENT_NOT_ALLOWED'],
    ["SELECT 'x'::regclass", 'STATEMENT_NOT_ALLOWED'],
    ['SELECT 1 OPERATOR(public.+) 2', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT pg_catalog.pg_sleep(1)', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT public.abs(1)', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT row_to_json(e) FROM employees e', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT to_json(e.*) FROM employees e', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT e FROM employees e', 'PERMISSION_DENIED'],
    ['SELECT (e).salary FROM employees e', 'INVALID_SQL'],
    ['SELECT * FROM pg_class', 'PERMISSION_DENIED'],
    ['SELECT * FROM pg_catalog.pg_authid', 'PERMISSION_DENIED'],
    ['SELECT 1 FROM test.public.orders', 'STATEMENT_NOT_ALLOWED'],
    ['WITH d AS (DELETE FROM orders RETURNING id) SELECT id FROM d', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT id FROM orders FOR UPDATE', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT id INTO loot FROM orders', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT 1; SELECT 2', 'INVALID_SQL'],
    ['SELECT (', 'INVALID_SQL'],
    ['SELECT xmlelement(name a)', 'STATEMENT_NOT_ALLOWED'],
    ["UPDATE orders SET status = 'x' WHERE CURRENT OF c", 'STATEMENT_NOT_ALLOWED'],
    [
      'MERGE INTO orders USING employees e ON e.id = orders.id WHEN MATCHED THEN DELETE',
      'STATEMENT_NOT_ALLOWED',
    ],
    ['SELECT "ABS"(1)', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT id FROM "Orders"', 'PERMISSION_DENIED'],
    ['SELECT "ID" FROM orders', 'PERMISSION_DENIED'],
    ['SELECT id FROM orders o, orders o', 'INVALID_SQL'],
    ['SELECT id FROM orders ORDER BY id USING <', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT id FROM orders ORDER BY 1 USING OPERATOR(public.<)', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT id FROM orders FOR KEY SHARE', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT * FROM ROWS FROM (generate_series(1, 2))', 'STATEMENT_NOT_ALLOWED'],
    ["SELECT * FROM xmltable('/a' PASSING '<a/>' COLUMNS x int)", 'STATEMENT_NOT_ALLOWED'],
    ['INSERT INTO orders (id) OVERRIDING SYSTEM VALUE VALUES (1)', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT user', 'STATEMENT_NOT_ALLOWED'],
    ['SELECT v FROM (VALUES (1)) v', 'PERMISSION_DENIED'],
    ['SELECT * FROM (SELECT 1) AS x(a, b)', 'INVALID_SQL'],
  ])('%s → %s', (sql, code) => {
    expect(refusal(sql).code).toBe(code);
  });
});
