/**
 * The guard on PostgreSQL, end to end through POST /v1/query against the real server: the
 * SQLite table's categories carried over (guard-cases.ts), plus PostgreSQL's own published
 * bypasses — dollar quotes, E'' and U& escapes, nested comments, COPY … TO PROGRAM, file and
 * large-object functions, dblink, configuration and role changes, advisory locks, functions
 * that run a query of their own (query_to_xml, ts_stat), system catalogs, locking reads,
 * data-modifying CTEs. Each is denied with a clear code, no response carries the canary, and
 * the database is unchanged afterwards. Legitimate analyst queries in PostgreSQL's idiom pass.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineTruthError } from '../../src/main/connectors/plan-check';
import { checkPostgresPlans } from '../../src/main/connectors/postgres/pg-engine-truth';
import {
  introspectPostgres,
  type PgEngineSchema,
} from '../../src/main/connectors/postgres/pg-schema';
import type { Analysis } from '../../src/main/guard/analyzer';
import { connectionOps } from '../../src/main/ui/admin-ops';
import type { Grant } from '../../src/shared/domain';
import { ERROR_STATUS } from '../../src/shared/errors';
import { MUST_PASS_POSTGRES } from '../data/must-pass-postgres';
import { demoDbName, dropDemo, seedDemo } from '../helpers/demo-seed';
import { sharedCases } from '../helpers/guard-cases';
import {
  CANARY,
  I,
  P,
  S,
  allow,
  deny,
  guardTable,
  leaks,
  oneRow,
  type AllowCase,
  type DenyCase,
} from '../helpers/guard-table';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';
import { describeWithService, serviceUrl } from '../helpers/services';

const PRELEX: DenyCase[] = [
  deny('two statements', I, 'SELECT 1; DROP TABLE orders', { rule: 'multiple-statements' }),
  deny(
    'two statements with a comment between',
    I,
    'SELECT id FROM orders; /* x */ DELETE FROM orders',
    { rule: 'multiple-statements' },
  ),
  deny(
    'semicolon after a -- comment line',
    I,
    'SELECT id FROM orders -- trailing\n; DROP TABLE orders',
    { rule: 'multiple-statements' },
  ),
  deny('$$ dollar quote hiding a second statement', I, 'SELECT $$; DELETE FROM orders; $$', {
    rule: 'dollar-quote',
  }),
  deny(
    '$tag$ dollar quote hiding a column',
    I,
    'SELECT first_name, $a$, salary, $a$ FROM employees',
    { rule: 'dollar-quote' },
  ),
  deny(
    "E'…' escape string hiding a quote",
    I,
    "SELECT id FROM orders WHERE status = E'x\\' UNION SELECT national_id FROM employees --'",
    { rule: 'escape-string' },
  ),
  deny(
    'backslash-quote differential (standard strings)',
    I,
    "SELECT id FROM orders WHERE status = 'x\\' UNION SELECT national_id FROM employees --'",
    { rule: 'backslash-quote' },
  ),
  deny("U&'…' string escape", I, "SELECT U&'\\0073alary' FROM orders", { rule: 'unicode-escape' }),
  deny('U&"…" identifier escape', I, 'SELECT U&"\\0073alary" FROM employees', {
    rule: 'unicode-escape',
  }),
  deny('nested block comment', I, 'SELECT first_name /* /* */ , salary */ FROM employees', {
    rule: 'nested-comment',
  }),
  deny('executable-comment lookalike', I, 'SELECT 1 /*! , salary */', {
    rule: 'executable-comment',
  }),
  deny('NUL byte', I, 'SELECT id FROM orders\u0000; DROP TABLE orders', { rule: 'nul-byte' }),
  deny('unterminated string', I, "SELECT 'abc FROM orders", { rule: 'unterminated-string' }),
  deny('unterminated quoted identifier', I, 'SELECT "id FROM orders', {
    rule: 'unterminated-identifier',
  }),
  deny('non-ASCII space between tokens', I, 'SELECT id FROM employees WHERE \u00a0salary > 0', {
    rule: 'non-ascii-space',
  }),
  deny(
    'quoted identifier with backslash-quote',
    I,
    'SELECT first_name AS "x\\", salary AS " --"\nFROM employees',
    { rule: 'backslash-quote' },
  ),
  deny('comment-only request', I, '-- nothing here\n/* at all */', { rule: 'empty' }),
];

const STATEMENTS: DenyCase[] = [
  deny('SET ROLE', [I, S], 'SET ROLE postgres'),
  deny('SET SESSION AUTHORIZATION', [I, S], 'SET SESSION AUTHORIZATION postgres'),
  deny('RESET ROLE', [I, S], 'RESET ROLE'),
  deny('SET search_path', [I, S], 'SET search_path = pg_catalog'),
  deny('SET LOCAL statement_timeout', [I, S], 'SET LOCAL statement_timeout = 0'),
  deny('SET default_transaction_read_only', [I, S], 'SET default_transaction_read_only = off'),
  deny('SHOW', [I, S], 'SHOW data_directory'),
  deny('COPY TO a file', [I, S], "COPY employees TO '/tmp/airlock-exfil.csv'"),
  deny('COPY TO PROGRAM', [I, S], "COPY (SELECT 1) TO PROGRAM 'touch /tmp/airlock-pwned'"),
  deny('COPY FROM PROGRAM', [I, S], "COPY orders FROM PROGRAM 'cat /etc/passwd'"),
  deny('DO block', I, 'DO $$ BEGIN PERFORM pg_sleep(1); END $$'),
  deny('PREPARE', [I, S], 'PREPARE p AS SELECT salary FROM employees'),
  deny('EXECUTE', [I, S], 'EXECUTE p'),
  deny('DEALLOCATE', [I, S], 'DEALLOCATE ALL'),
  deny('CALL', [I, S], 'CALL some_procedure()'),
  deny('LISTEN', [I, S], 'LISTEN airlock'),
  deny('NOTIFY', [I, S], "NOTIFY airlock, 'x'"),
  deny('EXPLAIN ANALYZE', [I, S], 'EXPLAIN ANALYZE DELETE FROM orders'),
  deny('EXPLAIN', [I, S], 'EXPLAIN SELECT salary FROM employees'),
  deny('LOCK TABLE', [I, S], 'LOCK TABLE orders IN ACCESS EXCLUSIVE MODE'),
  deny('TRUNCATE', [I, S], 'TRUNCATE orders'),
  deny('VACUUM', [I, S], 'VACUUM orders'),
  deny('ANALYZE', [I, S], 'ANALYZE orders'),
  deny('CREATE TABLE AS', [I, S], 'CREATE TABLE loot AS SELECT salary FROM employees'),
  deny('CREATE FUNCTION', [I, S], "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'"),
  deny('CREATE EXTENSION dblink', [I, S], 'CREATE EXTENSION dblink'),
  deny('ALTER SYSTEM', [I, S], "ALTER SYSTEM SET log_statement = 'none'"),
  deny('ALTER ROLE', [I, S], 'ALTER ROLE postgres PASSWORD NULL'),
  deny('GRANT', [I, S], 'GRANT ALL ON employees TO PUBLIC'),
  deny('DROP TABLE', [I, S], 'DROP TABLE orders'),
  deny('CREATE TRIGGER', [I, S], 'CREATE TRIGGER t AFTER INSERT ON orders EXECUTE FUNCTION f()'),
  deny('BEGIN', [I, S], 'BEGIN'),
  deny('START TRANSACTION READ WRITE', [I, S], 'START TRANSACTION READ WRITE'),
  deny('COMMIT', [I, S], 'COMMIT'),
  deny('SAVEPOINT', [I, S], 'SAVEPOINT s'),
  deny('DECLARE CURSOR', [I, S], 'DECLARE c CURSOR FOR SELECT salary FROM employees'),
  deny('FETCH', [I, S], 'FETCH ALL FROM c'),
  deny('CHECKPOINT', [I, S], 'CHECKPOINT'),
  deny('REFRESH MATERIALIZED VIEW', [I, S], 'REFRESH MATERIALIZED VIEW mv'),
  deny('DISCARD', [I, S], 'DISCARD ALL'),
  deny('LOAD a library', [I, S], "LOAD '/tmp/evil.so'"),
  // TABLE t is SELECT * FROM t: refused here for the hidden columns it reads, not for its form.
  deny('TABLE shorthand over hidden columns', P, 'TABLE employees', { says: 'employees' }),
  deny('SELECT … INTO a new table', S, 'SELECT salary INTO loot FROM employees', { says: 'INTO' }),
  deny('FOR UPDATE', [I, S], 'SELECT id FROM orders FOR UPDATE'),
  deny('FOR SHARE', [I, S], 'SELECT id FROM orders FOR SHARE'),
  deny('FOR NO KEY UPDATE', [I, S], 'SELECT id FROM orders WHERE id = 1 FOR NO KEY UPDATE'),
  deny(
    'data-modifying CTE',
    [I, S],
    'WITH d AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM d',
  ),
  deny(
    'data-modifying CTE (UPDATE)',
    [I, S],
    "WITH u AS (UPDATE orders SET status = 'x' RETURNING id) SELECT id FROM u",
  ),
  // DISTINCT ON runs over granted columns (FALSE_DENIES); its expressions are reads like any.
  deny('DISTINCT ON a hidden column', P, 'SELECT DISTINCT ON (salary) id FROM employees', {
    says: 'employees.salary',
  }),
  deny(
    'DISTINCT ON an expression of a hidden column, ordered by it',
    P,
    'SELECT DISTINCT ON (salary > 100000) first_name FROM employees ORDER BY salary > 100000, id',
    { says: 'employees.salary' },
  ),
  deny(
    'DISTINCT ON a result name that is a renamed hidden column',
    P,
    'SELECT DISTINCT ON (first_name) national_id AS first_name FROM employees',
    { says: 'employees.national_id' },
  ),
  deny(
    'DISTINCT ON through an alias column list',
    P,
    'SELECT DISTINCT ON (x) a FROM employees AS e(a, b, c, x)',
    { says: 'employees.email' },
  ),
  deny(
    'DISTINCT ON a position naming a hidden column',
    P,
    'SELECT DISTINCT ON (2) first_name, salary FROM employees',
    { says: 'employees.salary' },
  ),
  deny(
    'DISTINCT ON a correlated subquery on national_id',
    P,
    'SELECT DISTINCT ON ((SELECT e2.national_id FROM employees e2 WHERE e2.id = o.employee_id)) o.id FROM orders o',
    { says: 'employees.national_id' },
  ),
  deny('TABLESAMPLE', [I, S], 'SELECT id FROM orders TABLESAMPLE SYSTEM (10)'),
  deny('ONLY', [I, S, P], 'SELECT id FROM ONLY orders'),
  deny(
    'DELETE … USING another table',
    [I, S, P],
    'DELETE FROM orders USING employees e WHERE orders.employee_id = e.id',
    { who: 'writer' },
  ),
];

const FUNCTIONS: DenyCase[] = [
  ...[
    "pg_read_file('/etc/passwd')",
    "pg_read_binary_file('/etc/passwd')",
    "pg_ls_dir('.')",
    "pg_stat_file('postgresql.conf')",
    "lo_import('/etc/passwd')",
    "lo_export(1, '/tmp/x')",
    'lo_get(1)',
    "lo_from_bytea(0, 'x')",
    "dblink('host=127.0.0.1', 'SELECT 1')",
    "dblink_exec('host=127.0.0.1', 'DROP TABLE orders')",
    "dblink_connect('host=127.0.0.1')",
    'pg_sleep(10)',
    "pg_sleep_for('10 seconds')",
    'pg_advisory_lock(1)',
    'pg_try_advisory_lock(1)',
    'pg_advisory_xact_lock(1)',
    "set_config('role', 'postgres', true)",
    "set_config('default_transaction_read_only', 'off', false)",
    "current_setting('data_directory')",
    'txid_current()',
    'pg_current_xact_id()',
    "nextval('orders_id_seq')",
    "setval('orders_id_seq', 1)",
    'pg_terminate_backend(1)',
    'pg_cancel_backend(1)',
    'pg_reload_conf()',
    'pg_rotate_logfile()',
    "query_to_xml('SELECT salary FROM employees', true, true, '')",
    "query_to_xml_and_xmlschema('SELECT national_id FROM employees', true, true, '')",
    "table_to_xml('employees', true, true, '')",
    "database_to_xml(true, true, '')",
    "cursor_to_xml('c', 1, true, true, '')",
    "ts_stat('SELECT to_tsvector(national_id) FROM employees')",
    "xpath('/a', '<a/>')",
    'version()',
    'inet_server_addr()',
    "pg_get_functiondef('pg_sleep'::regproc)",
    'gen_random_uuid()',
    'generate_series(1, 100000000)',
    "repeat('x', 1000000000)",
  ].map((call) =>
    deny(`function ${call}`, S, `SELECT ${call}`, { says: call.replace(/\(.*$/, '') }),
  ),
  deny(
    'schema-qualified pg_catalog.pg_read_file',
    [S, P],
    "SELECT pg_catalog.pg_read_file('/etc/passwd')",
  ),
  deny('quoted function name "pg_read_file"', S, 'SELECT "pg_read_file"(\'/etc/passwd\')', {
    says: 'pg_read_file',
  }),
  deny('upper-case PG_SLEEP', S, 'SELECT PG_SLEEP(5)', { says: 'pg_sleep' }),
  deny('pg_sleep in a WHERE clause', S, 'SELECT id FROM orders WHERE pg_sleep(5) IS NOT NULL', {
    says: 'pg_sleep',
  }),
  deny('pg_sleep inside a CASE', S, 'SELECT CASE WHEN id = 1 THEN pg_sleep(5) END FROM orders', {
    says: 'pg_sleep',
  }),
  deny('set-returning function in FROM', S, 'SELECT * FROM generate_series(1, 10) g'),
  deny('unnest in FROM', S, 'SELECT * FROM unnest(ARRAY[1, 2]) u'),
  deny('row_to_json(whole row)', [S, P], 'SELECT row_to_json(e) FROM employees e'),
  deny('to_json(e.*)', [I, S, P], 'SELECT to_json(e.*) FROM employees e'),
  deny('(e).salary field selection', [I, P], 'SELECT (e).salary FROM employees e'),
  deny('cast to regclass', S, "SELECT 'employees'::regclass", { says: 'REGCLASS' }),
  deny('cast to regproc', S, "SELECT 'pg_sleep'::regproc", { says: 'REGPROC' }),
  deny('cast to xml', [I, S], "SELECT '<a/>'::xml"),
];

const SYSTEM: DenyCase[] = [
  ...[
    'pg_catalog.pg_authid',
    'pg_authid',
    'pg_shadow',
    'pg_user',
    'pg_roles',
    'pg_settings',
    'pg_stat_activity',
    'pg_class',
    'pg_proc',
    'pg_largeobject',
    'pg_stat_statements',
    'information_schema.columns',
    'information_schema.tables',
  ].map((t) => deny(`system catalog ${t}`, P, `SELECT * FROM ${t}`)),
  deny('schema-qualified other schema', P, 'SELECT * FROM secret.employees'),
  deny('quoted "public"."employees" salary', P, 'SELECT "salary" FROM "public"."employees"', {
    says: 'employees.salary',
  }),
  deny('public.employees salary', P, 'SELECT salary FROM public.employees', {
    says: 'employees.salary',
  }),
];

const POSTGRES_COLUMNS: DenyCase[] = [
  deny('salary through ::text cast', P, 'SELECT salary::text FROM employees', {
    says: 'employees.salary',
  }),
  deny('national_id in ILIKE', P, "SELECT id FROM employees WHERE national_id ILIKE '0%'", {
    says: 'employees.national_id',
  }),
  deny('national_id in a regex match', P, "SELECT id FROM employees WHERE national_id ~ '^0'", {
    says: 'employees.national_id',
  }),
  deny('salary in a FILTER clause', P, 'SELECT count(*) FILTER (WHERE salary > 0) FROM employees', {
    says: 'employees.salary',
  }),
  deny('salary = ANY(array)', P, 'SELECT id FROM employees WHERE salary = ANY(ARRAY[1, 2])', {
    says: 'employees.salary',
  }),
  deny('string_agg of national_id', P, "SELECT string_agg(national_id, ',') FROM employees", {
    says: 'employees.national_id',
  }),
  deny('array_agg of salary', P, 'SELECT array_agg(salary) FROM employees', {
    says: 'employees.salary',
  }),
  deny(
    'extract from a forbidden column',
    P,
    'SELECT extract(year FROM hire_date), salary FROM employees',
    { says: 'employees.salary' },
  ),
  deny(
    'salary in IS DISTINCT FROM',
    [I, S, P],
    'SELECT id FROM employees WHERE salary IS DISTINCT FROM 1',
  ),
  deny(
    'LATERAL subquery reading salary',
    [P, S],
    'SELECT o.id, x.s FROM orders o, LATERAL (SELECT salary AS s FROM employees e WHERE e.id = o.employee_id) x',
  ),
  deny(
    'writer upsert DO UPDATE from salary',
    P,
    "INSERT INTO orders (id, status) VALUES (1, 'paid') ON CONFLICT (id) DO UPDATE SET total = (SELECT salary FROM employees WHERE id = 7)",
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'writer RETURNING a subquery on national_id',
    P,
    "UPDATE orders SET status = 'paid' WHERE id = 1 RETURNING (SELECT national_id FROM employees LIMIT 1)",
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'writer UPDATE … FROM employees',
    P,
    "UPDATE orders SET status = 'x' FROM employees WHERE employees.salary > 0",
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'clerk RETURNING a column it may not read',
    P,
    "UPDATE orders SET status = 'paid' WHERE id = -1 RETURNING total",
    { who: 'clerk', says: 'orders.total' },
  ),
];

const ALLOW: AllowCase[] = [
  allow(
    'date_trunc and ::date casts',
    "SELECT date_trunc('month', order_date)::date AS m, count(*) FROM orders GROUP BY 1 ORDER BY 1 LIMIT 3",
  ),
  allow(
    'extract(year from …)',
    'SELECT extract(year FROM order_date) AS y, count(*) FROM orders GROUP BY 1 ORDER BY 1',
  ),
  allow('to_char', "SELECT to_char(order_date, 'YYYY-MM') AS m FROM orders WHERE id = 1", {
    rows: [['2023-01']],
  }),
  allow('ILIKE', "SELECT id FROM customers WHERE city ILIKE 'new%' LIMIT 3"),
  allow(
    'string_agg ordered',
    "SELECT string_agg(first_name, ', ' ORDER BY hire_date) FROM employees WHERE department_id = 1",
    { rows: oneRow },
  ),
  allow(
    'FILTER clause',
    "SELECT count(*) FILTER (WHERE status = 'paid') AS paid, count(*) AS all_orders FROM orders",
    { rows: oneRow },
  ),
  allow('= ANY($1) with an array parameter', 'SELECT count(*) FROM orders WHERE status = ANY($1)', {
    params: ['{paid,shipped}'],
    rows: oneRow,
  }),
  allow(
    'interval arithmetic',
    "SELECT count(*) FROM orders WHERE order_date > DATE '2025-12-31' - interval '30 days'",
    { rows: oneRow },
  ),
  allow('numeric casts and round', 'SELECT round(avg(total)::numeric, 2) FROM orders', {
    rows: oneRow,
  }),
  allow(
    'greatest / least',
    'SELECT greatest(total, 100), least(total, 100) FROM orders WHERE id = 1',
    { rows: oneRow },
  ),
  allow('schema-qualified granted table', 'SELECT count(*) FROM public.orders', { rows: [[3000]] }),
  allow(
    'json_build_object over granted columns',
    "SELECT json_build_object('id', id, 'status', status) FROM orders WHERE id = 1",
    { rows: [[{ id: 1, status: 'delivered' }]] },
  ),
  allow(
    'COALESCE and NULLIF',
    "SELECT coalesce(nullif(ship_city, ''), 'unknown') FROM orders WHERE id = 1",
    { rows: oneRow },
  ),
  allow(
    'window with frame',
    'SELECT id, sum(total) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM orders WHERE id < 20',
  ),
  allow(
    'percent of total with a subquery',
    'SELECT status, round(100.0 * count(*) / (SELECT count(*) FROM orders), 1) AS pct FROM orders GROUP BY status ORDER BY pct DESC',
  ),
];

/** employees' columns by position: id, first_name, last_name, email, department_id, title, hire_date, manager_id, salary, national_id. */
const RENAME_NID = 'a1, a2, a3, a4, a5, a6, a7, a8, a9, first_name'; // national_id (10th) named first_name
const RENAME_SAL = 'b1, b2, b3, b4, b5, b6, b7, b8, title'; // salary (9th) named title
const RENAME_EMAIL = 'c1, c2, c3, title, c5, c6'; // email (4th) named title; the real title renamed away

/** Alias column lists rename by position: what a name means is the column at that position. */
const ALIAS_LISTS: DenyCase[] = [
  deny(
    'alias list: hidden column named like a granted one',
    P,
    `SELECT first_name FROM employees AS e(${RENAME_NID})`,
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: every column renamed, id is national_id',
    P,
    'SELECT id FROM employees AS u(national_id, first_name, last_name, email, department_id, title, hire_date, manager_id, salary, id)',
    { says: 'employees.national_id' },
  ),
  deny('alias list: qualified reference', P, `SELECT e.title FROM employees e(${RENAME_SAL})`, {
    says: 'employees.salary',
  }),
  deny(
    'alias list: email behind title',
    P,
    `SELECT title FROM employees AS x(${RENAME_EMAIL}) WHERE c1 = 7`,
    { says: 'employees.email' },
  ),
  deny(
    'alias list: in WHERE (value oracle)',
    P,
    `SELECT b1 FROM employees AS e(${RENAME_SAL}) WHERE title > 987654320`,
    { says: 'employees.salary' },
  ),
  deny(
    'alias list: error-message oracle through a cast',
    P,
    'SELECT id FROM employees AS u(national_id, first_name, last_name, email, department_id, title, hire_date, manager_id, salary, id) WHERE id::int = 0',
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: in ORDER BY',
    P,
    `SELECT a1 FROM employees e(${RENAME_NID}) ORDER BY first_name LIMIT 3`,
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: in GROUP BY',
    P,
    `SELECT count(*) FROM employees e(${RENAME_SAL}) GROUP BY title`,
    { says: 'employees.salary' },
  ),
  deny('alias list: in an aggregate', P, `SELECT max(title) FROM employees e(${RENAME_SAL})`, {
    says: 'employees.salary',
  }),
  deny(
    'alias list: in a join',
    P,
    `SELECT o.id, e.first_name FROM orders o JOIN employees AS e(${RENAME_NID}) ON e.a1 = o.employee_id`,
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: in a join condition',
    P,
    `SELECT o.id FROM orders o JOIN employees AS e(${RENAME_SAL}) ON e.b1 = o.employee_id AND e.title > 0`,
    { says: 'employees.salary' },
  ),
  deny(
    'alias list: join USING a renamed column',
    P,
    'SELECT count(*) FROM orders o JOIN employees AS e(x, y, z, w, v, u, t, s, id) USING (id)',
    { says: 'employees.salary' },
  ),
  deny(
    'alias list: on a join as a whole',
    P,
    'SELECT j.n FROM (employees e CROSS JOIN categories c) AS j(a1, a2, a3, a4, a5, a6, a7, a8, a9, n)',
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: inside a CTE',
    P,
    `WITH x AS (SELECT first_name FROM employees AS e(${RENAME_NID})) SELECT first_name FROM x`,
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: CTE column list over a renamed column',
    P,
    `WITH x(name) AS (SELECT first_name FROM employees e(${RENAME_NID})) SELECT name FROM x`,
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: CTE column list renaming national_id',
    P,
    'WITH x(id, first_name) AS (SELECT id, national_id FROM employees) SELECT first_name FROM x',
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: CTE referenced with its own alias list',
    P,
    'WITH x AS (SELECT id, national_id FROM employees) SELECT y.first_name FROM x AS y(id, first_name)',
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: derived table',
    P,
    `SELECT d.v FROM (SELECT title FROM employees AS e(${RENAME_SAL})) d(v)`,
    { says: 'employees.salary' },
  ),
  deny(
    'alias list: derived table column list renaming salary',
    P,
    'SELECT d.title FROM (SELECT id, salary FROM employees) AS d(id, title)',
    { says: 'employees.salary' },
  ),
  deny(
    'alias list: nested derived tables',
    P,
    `SELECT z.q FROM (SELECT y.p FROM (SELECT first_name FROM employees e(${RENAME_NID})) y(p)) z(q)`,
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: scalar subquery',
    P,
    `SELECT (SELECT max(title) FROM employees AS e(${RENAME_SAL}))`,
    { says: 'employees.salary' },
  ),
  deny(
    'alias list: EXISTS subquery',
    P,
    `SELECT id FROM orders WHERE EXISTS (SELECT 1 FROM employees AS e(${RENAME_SAL}) WHERE e.title > 987654320)`,
    { says: 'employees.salary' },
  ),
  deny(
    'alias list: LATERAL',
    P,
    `SELECT o.id, l.x FROM orders o CROSS JOIN LATERAL (SELECT e.first_name AS x FROM employees AS e(${RENAME_NID}) WHERE e.a1 = o.employee_id) l`,
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: LEFT JOIN LATERAL',
    P,
    `SELECT o.id, l.t FROM orders o LEFT JOIN LATERAL (SELECT e.title AS t FROM employees e(${RENAME_SAL})) l ON true`,
    { says: 'employees.salary' },
  ),
  deny(
    'alias list: UNION branch',
    P,
    `SELECT first_name FROM customers UNION ALL SELECT first_name FROM employees e(${RENAME_NID})`,
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: quoted alias with a quote',
    P,
    `SELECT "u'".first_name FROM employees AS "u'"(${RENAME_NID})`,
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: quoted alias with a doubled double quote',
    P,
    `SELECT "a""b".first_name FROM employees AS "a""b"(${RENAME_NID})`,
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: quoted column names',
    P,
    'SELECT "id" FROM employees AS "e"("national_id", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "id")',
    { says: 'employees.national_id' },
  ),
  deny(
    'alias list: VALUES alias does not rename a table',
    P,
    `SELECT e.first_name FROM (VALUES (1)) AS v(k) JOIN employees e(${RENAME_NID}) ON e.a1 = v.k`,
    { says: 'employees.national_id' },
  ),
  deny(
    'clerk: alias list on its own table',
    P,
    'UPDATE orders SET status = o2.status FROM orders AS o2(a, b, c, d, f, status) WHERE o2.a = orders.id AND orders.id = -1',
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'clerk: INSERT … SELECT through an alias list',
    P,
    'INSERT INTO orders (status) SELECT status FROM orders AS o(a, b, c, d, f, status)',
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'writer: DELETE … USING a renamed ungranted table',
    P,
    'DELETE FROM order_items USING employees AS e(x) WHERE order_items.id = e.x',
    { who: 'writer', says: 'employees' },
  ),
];

/** Result names are visible only to ORDER BY / GROUP BY as bare names; they never hide a column. */
const SHADOWING: DenyCase[] = [
  deny(
    'output alias salary, then WHERE salary',
    P,
    'SELECT 1 AS salary, first_name FROM employees WHERE salary > 0',
    { says: 'employees.salary' },
  ),
  deny(
    'output alias national_id, then GROUP BY national_id (input wins)',
    P,
    'SELECT first_name AS national_id FROM employees GROUP BY national_id, first_name',
    { says: 'employees.national_id' },
  ),
  deny(
    'output alias in an ORDER BY expression reads the column',
    P,
    'SELECT id AS salary FROM employees ORDER BY salary + 1',
    { says: 'employees.salary' },
  ),
  deny(
    'derived table: output alias then the column',
    P,
    'SELECT t.b FROM (SELECT 1 AS salary, salary AS b FROM employees) t',
    { says: 'employees.salary' },
  ),
  deny(
    'scalar subquery without FROM reads the outer row',
    P,
    'SELECT id, (SELECT salary) AS first_name FROM employees',
    { says: 'employees.salary' },
  ),
  deny(
    'EXISTS with an output alias named salary',
    P,
    'SELECT id FROM employees WHERE EXISTS (SELECT 1 AS salary WHERE salary > 100)',
    { says: 'employees.salary' },
  ),
  deny(
    'HAVING on a name that is also an alias',
    P,
    'SELECT department_id, count(*) AS salary FROM employees GROUP BY department_id HAVING max(salary) > 0',
    { says: 'employees.salary' },
  ),
  deny(
    'window ORDER BY an alias name reads the column',
    P,
    'SELECT id AS national_id, rank() OVER (ORDER BY national_id) FROM employees',
    { says: 'employees.national_id' },
  ),
  deny(
    'CTE output alias then the column again',
    P,
    'WITH x AS (SELECT 1 AS salary, salary AS s FROM employees) SELECT s FROM x',
    { says: 'employees.salary' },
  ),
  deny(
    'LATERAL subquery resolves to its own FROM first',
    P,
    'SELECT x.first_name FROM (SELECT 1 AS national_id) d, LATERAL (SELECT national_id AS first_name FROM employees) x',
    { says: 'employees.national_id' },
  ),
  deny(
    'UPDATE: derived output alias shadows nothing',
    P,
    'UPDATE orders SET status = (SELECT t.b FROM (SELECT 1 AS total, total AS b) t) WHERE id = -1 RETURNING status',
    { who: 'clerk', says: 'orders.total' },
  ),
];

/** Writes that copy a hidden value into a column the agent may write (and read back). */
const WRITE_COPY: DenyCase[] = [
  deny(
    'clerk: SET from a hidden column',
    P,
    'UPDATE orders SET status = total::text WHERE id = -1 RETURNING status',
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'clerk: SET from a hidden column, no RETURNING',
    P,
    'UPDATE orders SET status = ship_city WHERE id = -1',
    { who: 'clerk', says: 'orders.ship_city' },
  ),
  deny(
    'clerk: SET through the target alias',
    P,
    'UPDATE orders o SET status = o.ship_country WHERE o.id = -1',
    { who: 'clerk', says: 'orders.ship_country' },
  ),
  deny(
    'clerk: SET coalesce with a hidden column',
    P,
    'UPDATE orders SET status = coalesce(ship_city, status) WHERE id = -1',
    { who: 'clerk', says: 'orders.ship_city' },
  ),
  deny(
    'clerk: SET from a correlated subquery on the same table',
    P,
    'UPDATE orders SET status = (SELECT o2.ship_city FROM orders o2 WHERE o2.id = orders.id) WHERE id = -1',
    { who: 'clerk', says: 'orders.ship_city' },
  ),
  deny(
    'clerk: SET (col) = (subquery)',
    P,
    'UPDATE orders SET (status) = (SELECT ship_city FROM orders o2 WHERE o2.id = orders.id) WHERE id = -1',
    { who: 'clerk', says: 'orders.ship_city' },
  ),
  deny(
    'clerk: UPDATE … FROM a derived table on hidden columns',
    P,
    'UPDATE orders SET status = x.c FROM (SELECT id, ship_city AS c FROM orders) x WHERE orders.id = x.id AND orders.id = -1',
    { who: 'clerk', says: 'orders.ship_city' },
  ),
  deny(
    'clerk: WITH feeding an UPDATE',
    P,
    'WITH h AS (SELECT total FROM orders) UPDATE orders SET status = (SELECT max(total)::text FROM h) WHERE id = -1',
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'clerk: WHERE on a hidden column (yes/no oracle)',
    P,
    "UPDATE orders SET status = status WHERE id = 1 AND ship_city LIKE 'A%'",
    { who: 'clerk', says: 'orders.ship_city' },
  ),
  deny(
    'clerk: RETURNING a hidden column through an expression',
    P,
    'UPDATE orders SET status = status WHERE id = -1 RETURNING total + 0',
    { who: 'clerk', says: 'orders.total' },
  ),
  deny('clerk: RETURNING *', P, 'UPDATE orders SET status = status WHERE id = -1 RETURNING *', {
    who: 'clerk',
    says: 'orders',
  }),
  deny(
    'clerk: RETURNING a scalar subquery',
    P,
    "UPDATE orders SET status = 'x' WHERE id = -1 RETURNING (SELECT max(total) FROM orders)",
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'clerk: INSERT … SELECT of a hidden column',
    P,
    'INSERT INTO orders (status) SELECT ship_city FROM orders',
    { who: 'clerk', says: 'orders.ship_city' },
  ),
  deny(
    'clerk: INSERT … VALUES with a subquery',
    P,
    'INSERT INTO orders (status) VALUES ((SELECT ship_city FROM orders LIMIT 1))',
    { who: 'clerk', says: 'orders.ship_city' },
  ),
  deny(
    'clerk: upsert DO UPDATE from the target row',
    P,
    "INSERT INTO orders (status) VALUES ('x') ON CONFLICT (id) DO UPDATE SET status = orders.total::text",
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'clerk: upsert DO UPDATE … WHERE a hidden column',
    P,
    "INSERT INTO orders (status) VALUES ('x') ON CONFLICT (id) DO UPDATE SET status = excluded.status WHERE orders.ship_city > ''",
    { who: 'clerk', says: 'orders.ship_city' },
  ),
  deny(
    'clerk: upsert RETURNING a hidden column',
    P,
    "INSERT INTO orders (status) VALUES ('x') ON CONFLICT DO NOTHING RETURNING total",
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'writer: SET from another table it may not read',
    P,
    'UPDATE orders SET ship_city = e.national_id FROM employees e WHERE e.id = orders.employee_id AND orders.id = -1',
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'writer: upsert copying from an ungranted table',
    P,
    'INSERT INTO order_items (id, order_id, product_id, quantity, unit_price) VALUES (1, 1, 1, 1, 1) ON CONFLICT (id) DO UPDATE SET unit_price = (SELECT max(salary) FROM employees)',
    { who: 'writer', says: 'employees' },
  ),
];

/** PostgreSQL's false denies from issue 8, over granted columns. */
const FALSE_DENIES: AllowCase[] = [
  allow(
    'DISTINCT ON a granted column',
    'SELECT DISTINCT ON (status) status, id FROM orders ORDER BY status, id',
    { rows: (r) => expect(r.length).toBeGreaterThan(1) },
  ),
  allow(
    'DISTINCT ON granted employee columns (latest hire per department)',
    'SELECT DISTINCT ON (department_id) department_id, first_name FROM employees ORDER BY department_id, hire_date DESC',
  ),
  allow(
    'DISTINCT ON a result position',
    'SELECT DISTINCT ON (1) status, id FROM orders ORDER BY 1, 2',
  ),
  allow('type-name literal int4', "SELECT int4 '100' AS n", { rows: [[100]] }),
  allow(
    'type-name literal timestamptz',
    "SELECT timestamptz '2024-01-01 00:00:00+00' < now() AS past",
    { rows: [[true]] },
  ),
  allow('TABLE on a granted table', 'TABLE categories'),
  allow('VALUES statement', "VALUES (1, 'a'), (2, 'b')", {
    rows: [
      [1, 'a'],
      [2, 'b'],
    ],
  }),
  allow('named argument', 'SELECT make_interval(years := 1) IS NOT NULL', { rows: [[true]] }),
  allow(
    'doubled quotes in an identifier',
    'SELECT first_name AS "wei""rd" FROM employees WHERE id = 1',
    { rows: oneRow },
  ),
  allow('ROW comparison', 'SELECT ROW(1, 2) = ROW(1, 2)', { rows: [[true]] }),
  allow('localtime / localtimestamp', 'SELECT localtime IS NOT NULL, localtimestamp IS NOT NULL', {
    rows: [[true, true]],
  }),
  allow(
    'clock and make_* functions',
    "SELECT clock_timestamp() IS NOT NULL, statement_timestamp() IS NOT NULL, make_timestamptz(2024, 1, 1, 0, 0, 0) IS NOT NULL, justify_interval(interval '40 days') IS NOT NULL",
    { rows: [[true, true, true, true]] },
  ),
  allow('IS DISTINCT FROM', 'SELECT count(*) FROM orders WHERE employee_id IS DISTINCT FROM 1', {
    rows: oneRow,
  }),
  allow(
    'CROSS JOIN LATERAL',
    'SELECT o.id, l.n FROM orders o CROSS JOIN LATERAL (SELECT count(*) AS n FROM order_items i WHERE i.order_id = o.id) l WHERE o.id <= 3',
  ),
  allow('AND NOT (…)', "SELECT id FROM orders WHERE id < 5 AND NOT (status = 'x')"),
  allow(
    'unqualified column of JOIN … USING',
    'SELECT id FROM orders JOIN employees USING (id) WHERE id <= 3',
    { rows: (r) => expect(r).toHaveLength(3) },
  ),
  allow(
    'alias list over granted columns',
    'SELECT oid, st FROM orders AS o(oid, cid, eid, od, st) WHERE oid = 1',
    { rows: oneRow },
  ),
  allow(
    'CTE column list over granted columns',
    'WITH t(a, b) AS (SELECT id, status FROM orders) SELECT a, b FROM t WHERE a = 1',
    { rows: oneRow },
  ),
  allow('VALUES with an alias list', 'SELECT v.x FROM (VALUES (1), (2)) AS v(x) ORDER BY 1', {
    rows: [[1], [2]],
  }),
  allow(
    'output alias named like a hidden column',
    'SELECT first_name AS salary FROM employees WHERE id = 1',
    { rows: oneRow },
  ),
  allow(
    'ORDER BY an output alias named like a hidden column',
    'SELECT id AS national_id FROM employees ORDER BY national_id LIMIT 2',
    { rows: [[1], [2]] },
  ),
  allow(
    'ordered-set aggregate',
    'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total) FROM orders',
    { rows: oneRow },
  ),
  allow('ROLLUP', 'SELECT status, count(*) FROM orders GROUP BY ROLLUP (status)'),
  allow(
    'AT TIME ZONE and SQL-syntax functions',
    "SELECT order_date::timestamp AT TIME ZONE 'UTC', substring(status FROM 1 FOR 2), trim(both ' ' from status) FROM orders WHERE id = 1",
    { rows: oneRow },
  ),
  allow('SIMILAR TO', "SELECT count(*) FROM orders WHERE status SIMILAR TO '(paid|shipped)'", {
    rows: oneRow,
  }),
  allow(
    'overlay and position',
    "SELECT overlay(status placing 'X' from 1 for 1), position('a' in status) FROM orders WHERE id = 1",
    { rows: oneRow },
  ),
  allow('COLLATE', 'SELECT status FROM orders WHERE id <= 3 ORDER BY status COLLATE "C"'),
  allow(
    'GROUPING SETS with grouping()',
    'SELECT status, grouping(status), count(*) FROM orders GROUP BY GROUPING SETS ((status), ())',
  ),
  allow(
    'FETCH FIRST … WITH TIES',
    'SELECT id, status FROM orders ORDER BY status FETCH FIRST 2 ROWS WITH TIES',
  ),
  allow(
    'EXISTS (SELECT FROM …)',
    'SELECT count(*) FROM customers c WHERE EXISTS (SELECT FROM orders o WHERE o.customer_id = c.id)',
    { rows: oneRow },
  ),
  allow(
    'json operators',
    "SELECT json_build_object('id', id, 'status', status)->>'status' FROM orders WHERE id = 1",
    { rows: oneRow },
  ),
  allow('array subscript', "SELECT (string_to_array(status, 'a'))[1] FROM orders WHERE id = 1", {
    rows: oneRow,
  }),
  allow('DISTINCT with ORDER BY position', 'SELECT DISTINCT status FROM orders ORDER BY 1'),
  allow(
    'INTERSECT / EXCEPT',
    'SELECT customer_id FROM orders INTERSECT SELECT id FROM customers EXCEPT SELECT 0 ORDER BY 1 LIMIT 3',
  ),
  allow(
    'scalar subquery named in a derived table',
    'SELECT d.m FROM (SELECT (SELECT max(total) FROM orders) AS m) d',
    { rows: oneRow },
  ),
  allow(
    'window over a CTE with a column list',
    'WITH t(a, b) AS (SELECT id, total FROM orders WHERE id <= 5) SELECT a, sum(b) OVER (ORDER BY a) FROM t',
  ),
  allow(
    'NATURAL JOIN of granted columns',
    'SELECT e.last_name FROM employees e NATURAL JOIN (SELECT id, first_name FROM employees) x WHERE e.id <= 2',
    { rows: (r) => expect(r).toHaveLength(2) },
  ),
];

const shared = sharedCases('postgres');
const DENY = [
  ...PRELEX,
  ...STATEMENTS,
  ...FUNCTIONS,
  ...SYSTEM,
  ...POSTGRES_COLUMNS,
  ...ALIAS_LISTS,
  ...SHADOWING,
  ...WRITE_COPY,
  ...shared.deny,
];
const ALLOWED = [...shared.allow, ...ALLOW, ...FALSE_DENIES];

await describeWithService(
  'postgres',
  'PostgreSQL guard through the API (superuser, per-agent roles)',
  () => {
    const table = guardTable('postgres', 'guard', DENY, ALLOWED);
    mustPass(table);
  },
);

// The guard alone must hold too: the same tables with per-agent roles turned off.
await describeWithService(
  'postgres',
  'PostgreSQL guard through the API (superuser, guard alone)',
  () => {
    const table = guardTable('postgres', 'guardalone', DENY, ALLOWED, '?agent_roles=false');
    mustPass(table);
  },
);

// And with a least-privilege account: no superuser, no CREATEROLE (so no per-agent roles), only
// the table privileges the agents' work needs. The guard holds alone here too.
await describeWithService(
  'postgres',
  'PostgreSQL guard through the API (least-privilege account)',
  () => {
    const role = `airlock_lp_${process.pid}`;
    let dbName = '';
    const table = guardTable('postgres', 'guardlp', DENY, ALLOWED, '', async (url, db) => {
      dbName = db;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(
          `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} LOGIN; END IF; END $$`,
        );
        await c.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
        await c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
        await c.query(`GRANT INSERT, UPDATE, DELETE ON orders, order_items TO ${role}`);
        await c.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
      } finally {
        await c.end();
      }
      return url.replace('//postgres@', `//${role}@`);
    });
    it('says in the connection check that per-agent roles are unavailable (CREATEROLE)', async () => {
      const r = await connectionOps(table.airlock().core).checkConnection({
        name: table.connection,
      });
      expect(r.ok, r.message).toBe(true);
      expect(r.agentPrincipals).toMatchObject({ kind: 'role', active: false });
      expect(r.agentPrincipals!.message).toMatch(/CREATEROLE/);
      expect(r.agentPrincipals!.message).toMatch(/guard alone/);
    });
    mustPass(table);
    afterAll(async () => {
      // Its privileges live in the test database: clear them there, then drop the role.
      const c = new pg.Client({ connectionString: serviceUrl('postgres', dbName || 'postgres') });
      await c.connect();
      try {
        if (dbName) await c.query(`DROP OWNED BY ${role}`).catch(() => undefined);
        await c.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      } finally {
        await c.end();
      }
    });
  },
);

/** The published must-pass lists, run as the analyst: under 1 % may be refused. */
function mustPass(table: ReturnType<typeof guardTable>) {
  it(`runs the published must-pass queries (${MUST_PASS_POSTGRES.length})`, async () => {
    const t = table.airlock();
    const refused: string[] = [];
    for (const q of MUST_PASS_POSTGRES) {
      const r = await t.query(table.keys().analyst, q.sql, undefined, table.connection);
      if (r.statusCode !== 200) refused.push(`${q.sql} [${q.source}] → ${r.body}`);
      else expect(leaks(r.body), q.sql).toBeNull();
    }
    const rate = refused.length / MUST_PASS_POSTGRES.length;
    expect(
      rate,
      `false denies (${(rate * 100).toFixed(1)} %):\n${refused.join('\n')}`,
    ).toBeLessThan(0.01);
  });
}

/** Rules: a RULE on a granted table that writes an ungranted one; the write must be refused. */
await describeWithService('postgres', 'PostgreSQL guard: rewrite rules', () => {
  const db = demoDbName('rules');
  let t: TestAirlock;
  let admin: pg.Client;
  let writer = '';
  const departments = async () =>
    (await admin.query('SELECT count(*)::int AS n FROM departments')).rows[0].n as number;
  beforeAll(async () => {
    const url = await seedDemo('postgres', db, CANARY);
    admin = new pg.Client({ connectionString: serviceUrl('postgres', db) });
    await admin.connect();
    await admin.query(
      "CREATE RULE r_ins AS ON INSERT TO order_items DO ALSO INSERT INTO departments (name, location) VALUES ('rule-' || NEW.id, 'x')",
    );
    await admin.query(
      'CREATE RULE r_upd AS ON UPDATE TO orders DO ALSO UPDATE departments SET location = OLD.status',
    );
    await admin.query(
      'CREATE RULE r_del AS ON DELETE TO order_items DO INSTEAD DELETE FROM departments WHERE id = OLD.id',
    );
    t = await startTestAirlock();
    for (const extra of ['', '?agent_roles=false']) {
      const r = await t.admin('POST', '/v1/admin/connections', {
        name: `rules${extra ? 'alone' : ''}`,
        kind: 'postgres',
        url: `${url}${extra}`,
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const grants = ['rules', 'rulesalone'].flatMap((connection) =>
      ['orders', 'order_items'].map((table): Grant => ({
        connection,
        table,
        actions: ['read', 'write'],
        approval: 'none',
      })),
    );
    writer = (await t.createAgent('rules-writer', grants)).apiKey;
  });
  afterAll(async () => {
    await t?.close();
    await admin?.end();
    await dropDemo('postgres', db);
  });

  it.each([
    [
      'INSERT',
      'INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (1, 2, 1, 1)',
    ],
    ['UPDATE', 'UPDATE orders SET status = status WHERE id = 1'],
    ['UPDATE of no row', "UPDATE orders SET status = 'x' WHERE id = -1"],
    ['DELETE (DO INSTEAD)', 'DELETE FROM order_items WHERE id = -1'],
    [
      'INSERT … SELECT',
      'INSERT INTO order_items (order_id, product_id, quantity, unit_price) SELECT id, 3, 1, 1 FROM orders WHERE id = 1',
    ],
  ])('refuses a write that fires a rule: %s', async (_name, sql) => {
    const before = await departments();
    for (const connection of ['rules', 'rulesalone']) {
      const r = await t.query(writer, sql, undefined, connection);
      expect(r.statusCode, r.body).toBe(ERROR_STATUS.STATEMENT_NOT_ALLOWED);
      expect((r.json() as { error: { code: string; layer: string } }).error).toMatchObject({
        code: 'STATEMENT_NOT_ALLOWED',
        layer: 'engine-truth',
      });
    }
    expect(await departments()).toBe(before);
  });

  /**
   * Engine truth on its own, against the real server's plans, with parser reports forged to
   * claim only granted columns: what it must catch by identity even if the AST layer erred.
   */
  describe('engine truth by identity, with forged parser reports', () => {
    const report = (
      action: 'read' | 'write',
      tables: Record<string, { read: string[]; write?: string[] }>,
    ): Analysis => ({
      kind: action === 'read' ? 'select' : 'update',
      action,
      tables: Object.entries(tables).map(([table, a]) => ({
        table: `public.${table}`,
        read: a.read,
        write: a.write ?? [],
      })),
      functions: [],
    });
    const judge = async (sql: string, analysis: Analysis, engine?: PgEngineSchema) => {
      const e = engine ?? (await introspectPostgres(admin)).engine;
      await admin.query('BEGIN');
      try {
        const r = await admin.query(`EXPLAIN (VERBOSE, FORMAT JSON) ${sql}`);
        await checkPostgresPlans(r.rows, { sql, analysis }, e, () => true);
      } finally {
        await admin.query('ROLLBACK');
      }
    };
    const EMP = { employees: { read: ['id', 'first_name'] } };

    it.each([
      [
        'renamed national_id, printed as first_name',
        `SELECT first_name FROM employees AS e(${RENAME_NID})`,
      ],
      [
        'renamed, single relation (unqualified in the plan)',
        `SELECT first_name FROM employees e(${RENAME_NID}) WHERE a1 = 7`,
      ],
      [
        'renamed, in a join',
        `SELECT e.first_name FROM orders o JOIN employees e(${RENAME_NID}) ON e.a1 = o.employee_id`,
      ],
      [
        'renamed, inside a CTE',
        `WITH x AS (SELECT first_name FROM employees e(${RENAME_NID})) SELECT * FROM x`,
      ],
      [
        'renamed, two references with one alias',
        `SELECT e.first_name FROM employees e(${RENAME_NID}) WHERE EXISTS (SELECT 1 FROM employees e WHERE e.id = 1)`,
      ],
      [
        'quoted alias with a quote hides nothing',
        `SELECT "u'".first_name FROM employees "u'" WHERE "u'".salary > 0`,
      ],
      [
        'quoted alias with a doubled double quote',
        'SELECT "a""b".first_name FROM employees "a""b" WHERE "a""b".national_id > \'\'',
      ],
    ])('refuses a hidden read: %s', async (_name, sql) => {
      await expect(judge(sql, report('read', EMP))).rejects.toBeInstanceOf(EngineTruthError);
    });

    it('accepts the same shapes when they read only what was reported', async () => {
      await judge(
        `SELECT a1 FROM employees AS e(${RENAME_NID})`,
        report('read', { employees: { read: ['id'] } }),
      );
      await judge(
        `SELECT "u'".first_name FROM employees "u'" WHERE "u'".id > 0`,
        report('read', EMP),
      );
      await judge(
        'SELECT oid FROM orders AS o(oid, cid) WHERE cid = 1',
        report('read', { orders: { read: ['id', 'customer_id'] } }),
      );
    });

    it('checks the written table: a write copying its own hidden column', async () => {
      // order_items has rules for INSERT and DELETE only: forget them, so only the plan decides.
      const blind: PgEngineSchema = {
        ...(await introspectPostgres(admin)).engine,
        ruleTables: new Set(),
      };
      const sql =
        'UPDATE order_items SET quantity = (SELECT t.b FROM (SELECT 1 AS unit_price, unit_price::int AS b) t) WHERE id = 1 RETURNING quantity';
      const wrote = (read: string[]) =>
        report('write', { order_items: { read, write: ['quantity'] } });
      await expect(judge(sql, wrote(['id', 'quantity']), blind)).rejects.toBeInstanceOf(
        EngineTruthError,
      );
      await judge(sql, wrote(['id', 'quantity', 'unit_price']), blind);
    });

    it('reads every plan: a rule that writes another table is seen even without the rule list', async () => {
      const engine = (await introspectPostgres(admin)).engine;
      const blind: PgEngineSchema = { ...engine, ruleTables: new Set() };
      const sql =
        'INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (1, 2, 1, 1)';
      const writes = report('write', {
        order_items: { read: [], write: ['order_id', 'product_id', 'quantity', 'unit_price'] },
      });
      await expect(judge(sql, writes, blind)).rejects.toThrow(
        /write a table the parser did not report/,
      );
    });
  });

  it('still runs reads of the tables that have rules', async () => {
    const r = await t.query(writer, 'SELECT count(*) FROM order_items', undefined, 'rules');
    expect(r.statusCode, r.body).toBe(200);
  });
});
