/**
 * The SQLite query guard, end to end through POST /v1/query: every layer (pre-lex, AST +
 * policy, engine truth, backstops) against a real copy of the demo database.
 *
 * A canary is planted in the agent's copy (one employee's national_id and salary). No denied
 * request may answer with it — not in rows, not in an error message — nor with anything shaped
 * like a national id, and the database must be byte-for-byte unchanged after the deny table.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grant } from '../../src/shared/domain';
import { ERROR_STATUS } from '../../src/shared/errors';
import { MUST_PASS_SQLITE } from '../data/must-pass-sqlite';
import { RECURSIVE_WITHOUT_COLUMN_LIST } from '../helpers/guard-cases';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';

const CANARY_NID = 'CANARY-NID-7731';
const CANARY_SALARY = 987654321;
const CANARY_EMPLOYEE = 7;
const NATIONAL_ID_SHAPE = /\d{3}-\d{2}-\d{4}/;

const read = (table: string, columns?: string[]): Grant => ({
  connection: 'demo',
  table,
  actions: ['read'],
  ...(columns ? { columns } : {}),
});

/** Reads the sales side and the non-sensitive employee columns; never salary, national_id or email. */
const ANALYST: Grant[] = [
  ...['orders', 'order_items', 'products', 'categories', 'customers'].map((t) => read(t)),
  read('employees', [
    'id',
    'first_name',
    'last_name',
    'title',
    'department_id',
    'manager_id',
    'hire_date',
  ]),
];
/** Reads and writes orders and order_items, nothing else. */
const WRITER: Grant[] = ['orders', 'order_items'].map((table): Grant => ({
  connection: 'demo',
  table,
  actions: ['read', 'write'],
  approval: 'none',
}));
/** Column-level writes: may read id, status, order_date of orders and write status only. */
const CLERK: Grant[] = [
  read('orders', ['id', 'status', 'order_date']),
  {
    connection: 'demo',
    table: 'orders',
    actions: ['write'],
    approval: 'none',
    columns: ['status'],
  },
];
/** May read orders.status and orders.total but not the id, so rowid (= id) is off limits. */
const AUDITOR: Grant[] = [read('orders', ['status', 'total'])];

/** HR's editor: reads the analyst's employee columns and may change titles; never salary or national_id. */
const HR: Grant[] = [
  read('employees', [
    'id',
    'first_name',
    'last_name',
    'title',
    'department_id',
    'manager_id',
    'hire_date',
  ]),
  {
    connection: 'demo',
    table: 'employees',
    actions: ['write'],
    approval: 'none',
    columns: ['title'],
  },
];

type Who = 'analyst' | 'writer' | 'clerk' | 'auditor' | 'hr';
type DenyCode = 'INVALID_SQL' | 'STATEMENT_NOT_ALLOWED' | 'PERMISSION_DENIED';

interface DenyCase {
  name: string;
  sql: string;
  code: DenyCode;
  who?: Who;
  params?: unknown;
  /** the pre-lex rule expected to fire (details.rule) */
  rule?: string;
  /** text the error message must contain (to pin down why it was denied) */
  says?: string;
}

const deny = (
  name: string,
  code: DenyCode,
  sql: string,
  more: Omit<DenyCase, 'name' | 'code' | 'sql'> = {},
): DenyCase => ({
  name,
  code,
  sql,
  ...more,
});
const I = 'INVALID_SQL' as const;
const S = 'STATEMENT_NOT_ALLOWED' as const;
const P = 'PERMISSION_DENIED' as const;

// ── deny: pre-lex ──────────────────────────────────────────────────────────────────────────
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
  deny('empty statement between two', I, 'SELECT id FROM orders;;SELECT 2', {
    rule: 'multiple-statements',
  }),
  deny('MySQL executable comment', I, 'SELECT 1 /*! UNION SELECT salary FROM employees */', {
    rule: 'executable-comment',
  }),
  deny(
    'backslash-quote differential',
    I,
    "SELECT id FROM orders WHERE status = 'x\\' UNION SELECT national_id FROM employees --'",
    { rule: 'backslash-quote' },
  ),
  deny(
    'backslash before a doubled quote',
    I,
    "SELECT 'a\\'' || first_name, ' , salary , ' FROM employees --' FROM employees",
    { rule: 'backslash-quote' },
  ),
  deny(
    'backslash-quote in a quoted identifier',
    I,
    'SELECT first_name AS "x\\", salary AS " --"\nFROM employees',
    { rule: 'backslash-quote' },
  ),
  deny("U&'…' string escape", I, "SELECT U&'\\0073alary' FROM orders", { rule: 'unicode-escape' }),
  deny('U&"…" identifier escape', I, 'SELECT U&"\\0073alary" FROM employees', {
    rule: 'unicode-escape',
  }),
  deny('NUL byte', I, 'SELECT id FROM orders\u0000; DROP TABLE orders', { rule: 'nul-byte' }),
  deny('NUL byte inside a string', I, "SELECT id FROM orders WHERE status = 'a\u0000b'", {
    rule: 'nul-byte',
  }),
  deny('unterminated string', I, "SELECT 'abc FROM orders", { rule: 'unterminated-string' }),
  deny('unterminated block comment', I, 'SELECT id FROM orders /* unterminated', {
    rule: 'unterminated-comment',
  }),
  deny('unterminated quoted identifier', I, 'SELECT "id FROM orders', {
    rule: 'unterminated-identifier',
  }),
  deny(
    'nested block comment (PostgreSQL fallback grammar nests)',
    I,
    'SELECT first_name /* /* */ , salary -- */\n, row_number() OVER (ORDER BY id) FROM employees',
    { rule: 'nested-comment' },
  ),
  deny(
    "'#' read as a comment by the parser, as a parameter by SQLite",
    I,
    'SELECT id, #a, salary\nid FROM employees',
    { rule: 'hash-comment', params: { a: 1 } },
  ),
  deny("'#' hiding a trailing condition", I, 'SELECT id FROM orders WHERE id = 1 #1 AND 2', {
    rule: 'hash-comment',
  }),
  deny(
    '[bracketed] name read as a subscript by the parser',
    I,
    "SELECT first_name['], salary, '] --'\nFROM employees",
    { rule: 'bracket-identifier' },
  ),
  deny('[salary]', I, 'SELECT [salary] FROM employees', { rule: 'bracket-identifier' }),
  deny(
    '$tag$ dollar quote hiding a column',
    I,
    'SELECT first_name, $a$, salary, $a$ FROM employees',
    { rule: 'dollar-quote', params: { a$: 1 } },
  ),
  deny('$$ dollar quote', I, 'SELECT $$x$$ FROM orders', { rule: 'dollar-quote' }),
  deny(
    "b'…' prefix: a column to SQLite, a bit string to the parser",
    I,
    "SELECT id, b'01' FROM orders",
    { rule: 'string-prefix' },
  ),
  deny('non-ASCII space between tokens', I, 'SELECT id FROM employees WHERE \u00a0salary > 0', {
    rule: 'non-ascii-space',
  }),
  deny('non-ASCII space inside a word', I, 'SELECT id FROM employees WHERE\u2028salary > 0', {
    rule: 'non-ascii-space',
  }),
  deny('comment-only request', I, '-- nothing here\n/* at all */', { rule: 'empty' }),
];

// ── deny: statements outside the allowlist ─────────────────────────────────────────────────
const STATEMENTS: DenyCase[] = [
  deny(
    '-- comment then a second statement on the next line',
    I,
    'SELECT id FROM orders -- c\n\nDROP TABLE orders',
  ),
  deny('PRAGMA writable_schema', I, 'PRAGMA writable_schema = 1'),
  deny('PRAGMA table_info', I, 'PRAGMA table_info(employees)'),
  deny('PRAGMA foreign_keys', I, 'PRAGMA foreign_keys = OFF'),
  deny('ATTACH', S, "ATTACH DATABASE '/tmp/airlock-evil.db' AS evil"),
  deny('DETACH', I, 'DETACH DATABASE evil'),
  deny('VACUUM', I, 'VACUUM'),
  deny('VACUUM INTO', I, "VACUUM INTO '/tmp/airlock-dump.db'"),
  deny('ANALYZE', I, 'ANALYZE'),
  deny('REINDEX', I, 'REINDEX'),
  deny('CREATE TABLE', S, 'CREATE TABLE t (a)'),
  deny(
    'CREATE TEMP TABLE AS SELECT salary',
    S,
    'CREATE TEMP TABLE t AS SELECT salary FROM employees',
  ),
  deny('CREATE VIEW over salary', S, 'CREATE VIEW v AS SELECT salary FROM employees'),
  deny(
    'CREATE TRIGGER (its body holds a second statement)',
    I,
    'CREATE TRIGGER tr AFTER INSERT ON orders BEGIN DELETE FROM orders; END',
    { rule: 'multiple-statements' },
  ),
  deny('CREATE INDEX', S, 'CREATE INDEX ix ON orders(status)'),
  deny('CREATE VIRTUAL TABLE', I, 'CREATE VIRTUAL TABLE vt USING fts5(a)'),
  deny('DROP TABLE', S, 'DROP TABLE orders'),
  deny('DROP VIEW', S, 'DROP VIEW v'),
  deny('DROP INDEX', S, 'DROP INDEX idx_orders_order_date'),
  deny('DROP TRIGGER', I, 'DROP TRIGGER tr'),
  deny('ALTER TABLE ADD COLUMN', S, 'ALTER TABLE orders ADD COLUMN x TEXT'),
  deny('ALTER TABLE RENAME', S, 'ALTER TABLE orders RENAME TO o2'),
  deny('BEGIN', S, 'BEGIN'),
  deny('BEGIN IMMEDIATE', I, 'BEGIN IMMEDIATE TRANSACTION'),
  deny('COMMIT', S, 'COMMIT'),
  deny('ROLLBACK', S, 'ROLLBACK'),
  deny('SAVEPOINT', I, 'SAVEPOINT s1'),
  deny('RELEASE', I, 'RELEASE s1'),
  deny('EXPLAIN', I, 'EXPLAIN SELECT salary FROM employees'),
  deny('EXPLAIN QUERY PLAN', I, 'EXPLAIN QUERY PLAN SELECT id FROM orders'),
  deny('VALUES statement', I, 'VALUES (1)'),
  deny(
    'INDEXED BY a sensitive index',
    I,
    'SELECT id FROM employees INDEXED BY sqlite_autoindex_employees_2',
  ),
  deny(
    'OFFSET subquery (unparseable)',
    I,
    'SELECT id FROM orders LIMIT 1 OFFSET (SELECT min(salary) FROM employees)',
  ),
  deny(
    'MATCH on a sensitive column (unparseable)',
    I,
    "SELECT id FROM employees WHERE national_id MATCH '1'",
  ),
  deny('DISTINCT ON', S, 'SELECT DISTINCT ON (salary) id FROM employees'),
];

// ── deny: functions and table-valued functions ─────────────────────────────────────────────
const FUNCTIONS: DenyCase[] = [
  deny('load_extension', S, "SELECT load_extension('/tmp/x.so')", { says: 'load_extension' }),
  deny('readfile', S, "SELECT readfile('/etc/passwd')", { says: 'readfile' }),
  deny('writefile', S, "SELECT writefile('/tmp/airlock-x', 'y')", { says: 'writefile' }),
  deny('edit', S, "SELECT edit('x')", { says: 'edit' }),
  deny('fts3_tokenizer', S, "SELECT fts3_tokenizer('simple')", { says: 'fts3_tokenizer' }),
  deny('zeroblob', S, 'SELECT zeroblob(1000000000)', { says: 'zeroblob' }),
  deny('randomblob', S, 'SELECT randomblob(10)', { says: 'randomblob' }),
  deny('sqlite_compileoption_get', S, 'SELECT sqlite_compileoption_get(0)', {
    says: 'sqlite_compileoption_get',
  }),
  deny('sqlite_version', S, 'SELECT sqlite_version()', { says: 'sqlite_version' }),
  deny(
    'sqlite_offset in WHERE',
    S,
    'SELECT id FROM orders WHERE unlikely(1) AND sqlite_offset(id) > 0',
    { says: 'sqlite_offset' },
  ),
  deny('unknown function', S, 'SELECT no_such_function(id) FROM orders', {
    says: 'no_such_function',
  }),
  deny('pragma_table_info()', S, "SELECT name FROM pragma_table_info('employees')"),
  deny('pragma_table_info() *', S, "SELECT * FROM pragma_table_info('employees')"),
  deny(
    'json_each over a salary subquery',
    S,
    'SELECT * FROM json_each((SELECT json_group_array(salary) FROM employees))',
  ),
  deny('json_each over a literal', S, "SELECT value FROM json_each('[1,2]')"),
  deny('json_tree', S, 'SELECT key FROM json_tree(\'{"a":1}\')'),
];

// ── deny: the system tables and other databases ────────────────────────────────────────────
const SYSTEM: DenyCase[] = [
  deny('sqlite_master', P, 'SELECT sql FROM sqlite_master'),
  deny('sqlite_schema', P, 'SELECT name FROM sqlite_schema'),
  deny('sqlite_temp_master', P, 'SELECT name FROM sqlite_temp_master'),
  deny('sqlite_sequence', P, 'SELECT * FROM sqlite_sequence'),
  deny('sqlite_stat1', P, 'SELECT * FROM sqlite_stat1'),
  deny('sqlite_stat4 (holds index samples of national_id)', P, 'SELECT * FROM sqlite_stat4'),
  deny('temp.sqlite_master', S, 'SELECT name FROM temp.sqlite_master'),
  deny('main.employees.salary', P, 'SELECT salary FROM main.employees', {
    says: 'employees.salary',
  }),
  deny(
    'fully qualified main.employees.salary column',
    P,
    'SELECT main.employees.salary FROM main.employees',
    { says: 'employees.salary' },
  ),
  deny('attached-database table', S, 'SELECT * FROM evil.employees'),
];

// ── deny: forbidden columns, in every clause and every disguise ────────────────────────────
const COLUMNS: DenyCase[] = [
  deny('salary in the SELECT list', P, 'SELECT first_name, salary FROM employees', {
    says: 'employees.salary',
  }),
  deny('email (not granted either)', P, 'SELECT email FROM employees', { says: 'employees.email' }),
  deny('SELECT * over employees', P, 'SELECT * FROM employees'),
  deny('e.* over employees', P, 'SELECT e.* FROM employees e'),
  deny(
    'e.* beside a granted table',
    P,
    'SELECT o.id, e.* FROM orders o JOIN employees e ON e.id = o.employee_id',
  ),
  deny('* through a derived table', P, 'SELECT id FROM (SELECT * FROM employees)'),
  deny('* through JOIN … USING', P, 'SELECT * FROM orders JOIN employees USING (id)'),
  deny('salary aliased as a granted column', P, 'SELECT salary AS first_name FROM employees', {
    says: 'employees.salary',
  }),
  deny('national_id aliased as title', P, 'SELECT national_id AS title FROM employees', {
    says: 'employees.national_id',
  }),
  deny(
    'derived table renaming salary',
    P,
    'SELECT x.title FROM (SELECT salary AS title FROM employees) x',
    { says: 'employees.salary' },
  ),
  deny('table aliased as a granted table', P, 'SELECT orders.salary FROM employees AS orders', {
    says: 'employees.salary',
  }),
  deny('"salary"', P, 'SELECT "salary" FROM employees', { says: 'employees.salary' }),
  deny('`salary`', P, 'SELECT `salary` FROM employees', { says: 'employees.salary' }),
  deny('"employees"."national_id"', P, 'SELECT "employees"."national_id" FROM "employees"', {
    says: 'employees.national_id',
  }),
  deny('quoted alias with other case', P, 'SELECT "e"."salary" FROM employees "E"', {
    says: 'employees.salary',
  }),
  deny('SALARY FROM EMPLOYEES', P, 'SELECT SALARY FROM EMPLOYEES', { says: 'employees.salary' }),
  deny('Employees.National_Id', P, 'SELECT Employees.National_Id FROM Employees', {
    says: 'employees.national_id',
  }),
  deny('table name as a string', P, "SELECT salary FROM 'employees'", { says: 'employees.salary' }),
  deny('WHERE salary', P, 'SELECT id FROM employees WHERE salary > 100000', {
    says: 'employees.salary',
  }),
  deny('WHERE "salary" (quoted)', P, 'SELECT id FROM employees WHERE "salary" > 0', {
    says: 'employees.salary',
  }),
  deny('WHERE email LIKE', P, "SELECT id FROM employees WHERE email LIKE 'a%'", {
    says: 'employees.email',
  }),
  deny('WHERE salary = ? (parameter oracle)', P, 'SELECT id FROM employees WHERE salary = ?', {
    params: [100000],
    says: 'employees.salary',
  }),
  deny(
    'WHERE national_id = ? (index-seek oracle)',
    P,
    'SELECT id FROM employees WHERE national_id = ?',
    { params: ['x'], says: 'employees.national_id' },
  ),
  deny('WHERE salary BETWEEN', P, 'SELECT id FROM employees e WHERE e.salary BETWEEN 1 AND 2', {
    says: 'employees.salary',
  }),
  deny('WHERE salary IN (…)', P, 'SELECT id FROM employees WHERE salary IN (1, 2)', {
    says: 'employees.salary',
  }),
  deny('WHERE national_id GLOB', P, "SELECT id FROM employees WHERE national_id GLOB '1*'", {
    says: 'employees.national_id',
  }),
  deny('WHERE CAST(salary …)', P, "SELECT id FROM employees WHERE CAST(salary AS TEXT) = '1'", {
    says: 'employees.salary',
  }),
  deny(
    'WHERE salary COLLATE',
    P,
    "SELECT id FROM employees e WHERE e.salary COLLATE nocase = '1'",
    { says: 'employees.salary' },
  ),
  deny('WHERE row value with salary', P, 'SELECT id FROM employees WHERE (salary, id) = (1, 1)', {
    says: 'employees.salary',
  }),
  deny('WHERE unary +salary', P, 'SELECT id FROM employees WHERE +salary > 0', {
    says: 'employees.salary',
  }),
  deny('WHERE NOT salary', P, 'SELECT id FROM employees WHERE NOT salary', {
    says: 'employees.salary',
  }),
  deny('WHERE salary IS NOT NULL', P, 'SELECT id FROM employees WHERE salary IS NOT NULL', {
    says: 'employees.salary',
  }),
  deny(
    'JOIN ON salary',
    P,
    'SELECT o.id FROM orders o JOIN employees e ON e.id = o.employee_id AND e.salary > 0',
    { says: 'employees.salary' },
  ),
  deny(
    'GROUP BY salary',
    P,
    'SELECT e.department_id, count(*) FROM employees e GROUP BY e.salary',
    { says: 'employees.salary' },
  ),
  deny(
    'HAVING max(salary)',
    P,
    'SELECT department_id FROM employees GROUP BY department_id HAVING max(salary) > 100000',
    { says: 'employees.salary' },
  ),
  deny('HAVING sum("salary")', P, 'SELECT id FROM employees GROUP BY id HAVING sum("salary") > 0', {
    says: 'employees.salary',
  }),
  deny('ORDER BY salary', P, 'SELECT id FROM employees ORDER BY salary DESC', {
    says: 'employees.salary',
  }),
  deny(
    'ORDER BY national_id (index order)',
    P,
    'SELECT id FROM employees ORDER BY national_id LIMIT 3',
    { says: 'employees.national_id' },
  ),
  deny(
    'ORDER BY CASE on salary',
    P,
    'SELECT id FROM employees ORDER BY CASE WHEN salary > 0 THEN 1 END',
    { says: 'employees.salary' },
  ),
  deny(
    'ORDER BY an alias named like a forbidden column',
    P,
    'SELECT first_name AS salary FROM employees ORDER BY salary',
    { says: 'employees.salary' },
  ),
  deny(
    'window PARTITION BY salary',
    P,
    'SELECT id, row_number() OVER (PARTITION BY salary) FROM employees',
    { says: 'employees.salary' },
  ),
  deny(
    'window ORDER BY national_id',
    P,
    'SELECT id, rank() OVER (ORDER BY national_id) FROM employees',
    { says: 'employees.national_id' },
  ),
  deny('lag(salary)', P, 'SELECT id, lag(salary) OVER (ORDER BY id) FROM employees', {
    says: 'employees.salary',
  }),
  deny('max(salary) OVER ()', P, 'SELECT max(salary) OVER () FROM employees', {
    says: 'employees.salary',
  }),
  deny(
    'named WINDOW partitioned by salary',
    P,
    'SELECT id, sum(id) OVER w FROM employees WINDOW w AS (PARTITION BY salary)',
    { says: 'employees.salary' },
  ),
  deny(
    'named WINDOW ordered by national_id',
    P,
    'SELECT id, sum(id) OVER w FROM employees WINDOW w AS (ORDER BY national_id)',
    { says: 'employees.national_id' },
  ),
  deny(
    'CASE on salary',
    P,
    "SELECT id, CASE WHEN salary > 100000 THEN 'rich' ELSE 'poor' END FROM employees",
    { says: 'employees.salary' },
  ),
  deny('iif(salary …)', P, 'SELECT iif(salary > 0, 1, 0) FROM employees', {
    says: 'employees.salary',
  }),
  deny('length(national_id)', P, 'SELECT id, length(national_id) FROM employees', {
    says: 'employees.national_id',
  }),
  deny('typeof(salary)', P, 'SELECT typeof(salary) FROM employees', { says: 'employees.salary' }),
  deny('coalesce(national_id, …)', P, "SELECT coalesce(national_id, '') FROM employees", {
    says: 'employees.national_id',
  }),
  deny('printf of salary', P, "SELECT printf('%s', salary) FROM employees", {
    says: 'employees.salary',
  }),
  deny(
    'json_object over salary',
    P,
    "SELECT json_extract(json_object('s', salary), '$.s') FROM employees",
    { says: 'employees.salary' },
  ),
  deny('salary -> json operator', P, "SELECT salary -> '$' FROM employees", {
    says: 'employees.salary',
  }),
  deny('count(DISTINCT salary)', P, 'SELECT count(DISTINCT salary) FROM employees', {
    says: 'employees.salary',
  }),
  deny('count(email)', P, 'SELECT count(email) FROM employees', { says: 'employees.email' }),
  deny('aggregate FILTER on salary', P, 'SELECT max(id) FILTER (WHERE salary > 0) FROM employees', {
    says: 'employees.salary',
  }),
  deny(
    'group_concat ORDER BY salary',
    P,
    'SELECT group_concat(first_name ORDER BY salary) FROM employees',
    { says: 'employees.salary' },
  ),
  deny(
    'group_concat with national_id separator',
    P,
    'SELECT group_concat(first_name, national_id) FROM employees',
    { says: 'employees.national_id' },
  ),
  deny(
    'LIMIT (SELECT salary …)',
    P,
    'SELECT id FROM employees LIMIT (SELECT salary FROM employees WHERE id = 1)',
    { says: 'employees.salary' },
  ),
];

// ── deny: subqueries, CTEs and compound selects ────────────────────────────────────────────
const NESTED: DenyCase[] = [
  deny(
    'scalar subquery in the SELECT list',
    P,
    'SELECT id, (SELECT salary FROM employees WHERE id = 1) FROM orders',
    { says: 'employees.salary' },
  ),
  deny(
    'scalar subquery compared in WHERE',
    P,
    'SELECT id FROM orders WHERE total < (SELECT max(salary) FROM employees)',
    { says: 'employees.salary' },
  ),
  deny(
    'EXISTS reading salary',
    P,
    'SELECT id FROM orders WHERE EXISTS (SELECT 1 FROM employees WHERE salary > 100000)',
    { says: 'employees.salary' },
  ),
  deny(
    'NOT EXISTS reading salary',
    P,
    'SELECT id FROM employees WHERE id = 1 AND NOT EXISTS (SELECT 1 FROM employees WHERE salary > 0)',
    { says: 'employees.salary' },
  ),
  deny('EXISTS in the SELECT list', P, 'SELECT EXISTS (SELECT national_id FROM employees)', {
    says: 'employees.national_id',
  }),
  deny(
    'IN (subquery on national_id)',
    P,
    "SELECT id FROM orders WHERE employee_id IN (SELECT id FROM employees WHERE national_id LIKE '1%')",
    { says: 'employees.national_id' },
  ),
  deny(
    'self-join on national_id',
    P,
    'SELECT id FROM orders WHERE id IN (SELECT e.id FROM employees e, employees f WHERE f.national_id = e.national_id)',
    { says: 'employees.national_id' },
  ),
  deny(
    'correlated subquery reading salary',
    P,
    'SELECT id, (SELECT e2.salary FROM employees e2 WHERE e2.id = e.id) FROM employees e',
    { says: 'employees.salary' },
  ),
  deny(
    'outer column reached from a FROM-less subquery',
    P,
    'SELECT id FROM employees e WHERE e.id = (SELECT salary)',
    { says: 'employees.salary' },
  ),
  deny(
    'subquery in JOIN ON',
    P,
    'SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id AND o.total < (SELECT min(salary) FROM employees)',
    { says: 'employees.salary' },
  ),
  deny(
    'subquery in GROUP BY',
    P,
    'SELECT count(*) FROM orders GROUP BY (SELECT national_id FROM employees WHERE id = 7)',
    { says: 'employees.national_id' },
  ),
  deny(
    'subquery in HAVING',
    P,
    'SELECT status FROM orders GROUP BY status HAVING count(*) > (SELECT max(salary) FROM employees)',
    { says: 'employees.salary' },
  ),
  deny(
    'subquery in ORDER BY',
    P,
    'SELECT id FROM orders ORDER BY (SELECT salary FROM employees e WHERE e.id = orders.employee_id)',
    { says: 'employees.salary' },
  ),
  deny(
    'subquery in window PARTITION BY',
    P,
    'SELECT id, row_number() OVER (PARTITION BY (SELECT salary FROM employees e WHERE e.id = o.employee_id)) FROM orders o',
    { says: 'employees.salary' },
  ),
  deny(
    'subquery in window ORDER BY',
    P,
    'SELECT id, rank() OVER (ORDER BY (SELECT national_id FROM employees e WHERE e.id = o.employee_id)) FROM orders o',
    { says: 'employees.national_id' },
  ),
  deny(
    'subquery in CASE',
    P,
    "SELECT CASE WHEN (SELECT salary FROM employees WHERE id = 7) > 0 THEN 'y' END FROM orders",
    { says: 'employees.salary' },
  ),
  deny(
    'subquery as a function argument',
    P,
    'SELECT abs((SELECT salary FROM employees WHERE id = 7))',
    { says: 'employees.salary' },
  ),
  deny(
    'IN subquery in the SELECT list',
    P,
    'SELECT id IN (SELECT salary FROM employees) FROM orders',
    { says: 'employees.salary' },
  ),
  deny(
    'EXISTS in ORDER BY',
    P,
    'SELECT id FROM orders o ORDER BY EXISTS (SELECT 1 FROM employees e WHERE e.id = o.employee_id AND e.salary > 100000)',
    { says: 'employees.salary' },
  ),
  deny('subquery IS NULL oracle', P, 'SELECT (SELECT salary FROM employees WHERE id = 1) IS NULL', {
    says: 'employees.salary',
  }),
  deny(
    'group_concat of national_id in a subquery',
    P,
    'SELECT (SELECT group_concat(national_id) FROM employees) AS x',
  ),
  deny(
    'value oracle on the canary salary',
    P,
    'SELECT id FROM orders WHERE status = (SELECT title FROM employees WHERE salary > 987654320)',
    { says: 'employees.salary' },
  ),
  deny(
    'CTE named like a granted table reading salary',
    P,
    'WITH orders AS (SELECT salary AS id FROM employees) SELECT id FROM orders',
    { says: 'employees.salary' },
  ),
  deny(
    'CTE named employees, outer reads salary',
    P,
    'WITH employees AS (SELECT id, first_name FROM customers) SELECT salary FROM employees',
  ),
  deny(
    'CTE named employees over main.employees *',
    P,
    'WITH employees AS (SELECT * FROM main.employees) SELECT national_id FROM employees',
  ),
  deny(
    'unused CTE column still counts',
    P,
    'WITH x AS (SELECT first_name, salary FROM employees) SELECT first_name FROM x',
    { says: 'employees.salary' },
  ),
  deny(
    'CTE with a column list renaming national_id',
    P,
    'WITH orders(id) AS (SELECT national_id FROM employees) SELECT * FROM orders',
    { says: 'employees.national_id' },
  ),
  deny(
    'CTE shadowing employees inside a derived table',
    P,
    'WITH customers AS (SELECT salary AS first_name FROM employees) SELECT first_name FROM (SELECT first_name FROM customers)',
    { says: 'employees.salary' },
  ),
  deny(
    'recursive CTE without a column list: an unnamed first column',
    S,
    'WITH RECURSIVE r AS (SELECT 1 UNION ALL SELECT 1 FROM r LIMIT 5) SELECT * FROM r',
    { says: 'column list' },
  ),
  ...RECURSIVE_WITHOUT_COLUMN_LIST.map(([name, sql, says]) => deny(name, P, sql, { says })),
  deny(
    'recursive CTE without a column list that names itself first',
    P,
    'WITH RECURSIVE r AS (SELECT n FROM r UNION ALL SELECT salary AS n FROM employees) SELECT n FROM r',
  ),
  deny(
    'UNION with a forbidden branch',
    P,
    'SELECT first_name FROM employees UNION SELECT national_id FROM employees',
    { says: 'employees.national_id' },
  ),
  deny('UNION ALL with salary', P, 'SELECT id FROM orders UNION ALL SELECT salary FROM employees', {
    says: 'employees.salary',
  }),
  deny('INTERSECT with salary', P, 'SELECT id FROM orders INTERSECT SELECT salary FROM employees', {
    says: 'employees.salary',
  }),
  deny('EXCEPT with salary', P, 'SELECT id FROM orders EXCEPT SELECT salary FROM employees', {
    says: 'employees.salary',
  }),
  deny(
    'compound ORDER BY position over salary',
    P,
    'SELECT id FROM orders UNION SELECT salary FROM employees ORDER BY 1',
    { says: 'employees.salary' },
  ),
  deny(
    'forbidden branch that returns no rows',
    P,
    "SELECT 'x' FROM employees WHERE hire_date > '2020' UNION SELECT national_id FROM employees WHERE 0",
    { says: 'employees.national_id' },
  ),
  deny('NATURAL JOIN', S, 'SELECT * FROM orders NATURAL JOIN order_items', { says: 'NATURAL' }),
  deny('NATURAL JOIN onto employees', S, 'SELECT id FROM employees NATURAL JOIN departments', {
    says: 'NATURAL',
  }),
];

// ── deny: tables and columns that are not granted or do not exist ──────────────────────────
const TABLES: DenyCase[] = [
  deny('ungranted table', P, 'SELECT name FROM departments', { says: 'departments' }),
  deny('ungranted table (suppliers)', P, 'SELECT company_name FROM suppliers', {
    says: 'suppliers',
  }),
  deny('count(*) on an ungranted table', P, 'SELECT count(*) FROM suppliers', {
    says: 'suppliers',
  }),
  deny('constant from an ungranted table', P, 'SELECT 1 FROM departments LIMIT 1', {
    says: 'departments',
  }),
  deny('EXISTS over an ungranted table', P, 'SELECT 1 WHERE EXISTS (SELECT 1 FROM departments)', {
    says: 'departments',
  }),
  deny('_rowid_ of an ungranted table', P, 'SELECT _rowid_ FROM suppliers', { says: 'suppliers' }),
  deny('unknown table', P, 'SELECT * FROM nosuch'),
  deny('unknown column', P, 'SELECT nosuch FROM orders'),
  deny('unknown qualified column', P, 'SELECT id FROM orders o WHERE o.nosuch = 1'),
  deny('table name used as a column (whole-row reference)', P, 'SELECT employees FROM employees'),
  deny('alias used as a column (whole-row reference)', P, 'SELECT e FROM employees e'),
  deny(
    'CTE forward reference',
    P,
    'WITH a AS (SELECT id FROM b), b AS (SELECT id FROM orders) SELECT id FROM a',
  ),
  deny('rowid when the id column is not granted', P, 'SELECT rowid FROM orders', {
    who: 'auditor',
    says: 'orders.id',
  }),
  deny('oid when the id column is not granted', P, 'SELECT oid, status FROM orders', {
    who: 'auditor',
    says: 'orders.id',
  }),
  deny('_rowid_ when the id column is not granted', P, 'SELECT _rowid_ FROM orders', {
    who: 'auditor',
    says: 'orders.id',
  }),
  deny(
    '"ROWID" in WHERE when the id column is not granted',
    P,
    'SELECT status FROM orders WHERE "ROWID" = 1',
    { who: 'auditor', says: 'orders.id' },
  ),
];

// ── deny: writes ───────────────────────────────────────────────────────────────────────────
const ORDER_COLS = 'customer_id, order_date, status, total, ship_city, ship_country';
const WRITES: DenyCase[] = [
  deny(
    'REPLACE by the read-only analyst',
    P,
    `REPLACE INTO orders (id, ${ORDER_COLS}) VALUES (1, 1, '2024-01-01', 'paid', 1, 'a', 'b')`,
    { says: 'write' },
  ),
  deny(
    'INSERT by the read-only analyst',
    P,
    `INSERT INTO orders (${ORDER_COLS}) VALUES (1, '2024-01-01', 'paid', 1, 'a', 'b')`,
    { says: 'write' },
  ),
  deny('UPDATE by the read-only analyst', P, "UPDATE orders SET status = 'paid' WHERE id = 1", {
    says: 'write',
  }),
  deny('DELETE by the read-only analyst', P, 'DELETE FROM orders WHERE id = 1', { says: 'write' }),
  deny(
    'INSERT OR REPLACE by the read-only analyst',
    P,
    "INSERT OR REPLACE INTO orders (id, status) VALUES (1, 'paid')",
    { says: 'write' },
  ),
  deny('writer INSERT into employees', P, "INSERT INTO employees (first_name) VALUES ('x')", {
    who: 'writer',
    says: 'employees',
  }),
  deny('writer UPDATE employees.salary', P, 'UPDATE employees SET salary = 1 WHERE id = 1', {
    who: 'writer',
    says: 'employees',
  }),
  deny('writer DELETE from employees', P, 'DELETE FROM employees WHERE id = 1', {
    who: 'writer',
    says: 'employees',
  }),
  deny('writer REPLACE into employees', P, 'REPLACE INTO employees (id, salary) VALUES (1, 1)', {
    who: 'writer',
    says: 'employees',
  }),
  deny('writer UPDATE customers', P, "UPDATE customers SET tier = 'gold' WHERE id = 1", {
    who: 'writer',
    says: 'customers',
  }),
  deny(
    'writer INSERT … SELECT from employees',
    P,
    `INSERT INTO orders (${ORDER_COLS}) SELECT id, hire_date, 'paid', salary, 'x', 'y' FROM employees`,
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'writer INSERT … SELECT from customers',
    P,
    `INSERT INTO orders (${ORDER_COLS}) SELECT id, created_at, 'paid', 1, city, country FROM customers`,
    { who: 'writer', says: 'customers' },
  ),
  deny(
    'writer INSERT … VALUES with a salary subquery',
    P,
    `INSERT INTO orders (${ORDER_COLS}) VALUES ((SELECT id FROM employees WHERE salary > 0 LIMIT 1), 'd', 'paid', 1, 'a', 'b')`,
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'writer UPDATE … SET col = (SELECT salary …)',
    P,
    'UPDATE orders SET total = (SELECT salary FROM employees WHERE id = 1) WHERE id = 1',
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'writer UPDATE … SET col = correlated national_id',
    P,
    'UPDATE orders SET ship_city = (SELECT national_id FROM employees WHERE id = orders.employee_id) WHERE id = 1',
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'writer UPDATE … FROM employees',
    P,
    "UPDATE orders SET status = 'x' FROM employees WHERE employees.salary > 0",
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'writer WITH … UPDATE reading salary',
    P,
    'WITH e AS (SELECT salary FROM employees) UPDATE orders SET total = (SELECT salary FROM e) WHERE id = 1',
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'writer DELETE … WHERE EXISTS (… salary …)',
    P,
    'DELETE FROM order_items WHERE EXISTS (SELECT 1 FROM employees WHERE salary > 0)',
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'writer DELETE … RETURNING national_id',
    P,
    'DELETE FROM orders WHERE id = 1 RETURNING (SELECT national_id FROM employees LIMIT 1)',
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'writer UPDATE … RETURNING salary',
    P,
    "UPDATE orders SET status = 'paid' WHERE id = 1 RETURNING (SELECT salary FROM employees WHERE id = 1)",
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'writer upsert DO UPDATE from salary',
    P,
    "INSERT INTO orders (id, status) VALUES (1, 'paid') ON CONFLICT (id) DO UPDATE SET total = (SELECT salary FROM employees WHERE id = 7)",
    { who: 'writer', says: 'employees' },
  ),
  deny('writer UPDATE of an unknown column', P, 'UPDATE orders SET no_such_col = 1 WHERE id = 1', {
    who: 'writer',
  }),
  deny('writer INSERT of an unknown column', P, 'INSERT INTO orders (nope) VALUES (1)', {
    who: 'writer',
  }),
  deny(
    'clerk UPDATE of a column it may not write',
    P,
    'UPDATE orders SET total = 0 WHERE id = -1',
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'clerk INSERT of a column it may not write',
    P,
    "INSERT INTO orders (status, total) VALUES ('paid', 1)",
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'clerk upsert writing a column through DO UPDATE',
    P,
    "INSERT INTO orders (status) VALUES ('paid') ON CONFLICT DO UPDATE SET total = 0",
    { who: 'clerk', says: 'orders.total' },
  ),
  deny('clerk DELETE (needs the whole row)', P, 'DELETE FROM orders WHERE id = -1', {
    who: 'clerk',
    says: 'whole',
  }),
  deny('clerk REPLACE (needs the whole row)', P, "REPLACE INTO orders (status) VALUES ('paid')", {
    who: 'clerk',
    says: 'whole',
  }),
  deny(
    'clerk UPDATE … WHERE on a column it may not read',
    P,
    "UPDATE orders SET status = 'paid' WHERE total > 1e12",
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'clerk RETURNING a column it may not read',
    P,
    "UPDATE orders SET status = 'paid' WHERE id = -1 RETURNING total",
    { who: 'clerk', says: 'orders.total' },
  ),
  deny('clerk RETURNING *', P, "UPDATE orders SET status = 'paid' WHERE id = -1 RETURNING *", {
    who: 'clerk',
  }),
];

// ── deny: parameters are data, never SQL ───────────────────────────────────────────────────
const PARAMS: DenyCase[] = [
  deny(
    'forbidden column with a harmless parameter',
    P,
    'SELECT id FROM employees WHERE salary > ?',
    { params: [0], says: 'employees.salary' },
  ),
  deny(
    'named parameter beside a forbidden column',
    P,
    'SELECT id FROM employees WHERE national_id = :n',
    { params: { n: 'x' }, says: 'employees.national_id' },
  ),
];

// ── deny: output aliases never hide a column read (issue 8, class 3) ───────────────────────
// An alias is a name only where the engine lets it be one (ORDER BY / GROUP BY / HAVING, and
// WHERE in SQLite), and even there a name that is also a source column counts as that read.
const ALIASES: DenyCase[] = [
  deny(
    'CTE column list swapping two names',
    P,
    'WITH c(national_id, id) AS (SELECT id, national_id FROM employees) SELECT id FROM c',
    { says: 'employees.national_id' },
  ),
  deny(
    'CTE column list naming a hidden value like a granted column',
    P,
    'WITH c(first_name) AS (SELECT salary FROM employees) SELECT first_name FROM c',
    { says: 'employees.salary' },
  ),
  deny(
    'subquery alias then the column, inside INSERT … SELECT',
    P,
    'INSERT INTO orders (status) SELECT (SELECT t.b FROM (SELECT 1 AS national_id, national_id AS b) t) FROM employees',
    { who: 'writer', says: 'employees' },
  ),
  deny(
    'alias then the column in one select list',
    P,
    'SELECT 1 AS salary, salary AS b FROM employees',
    { says: 'employees.salary' },
  ),
  deny(
    'alias shadowing inside a derived table',
    P,
    'SELECT (SELECT t.b FROM (SELECT 1 AS salary, salary AS b) t) FROM employees',
    { says: 'employees.salary' },
  ),
  deny(
    'alias shadowing, derived table in a scalar subquery',
    P,
    'SELECT id, (SELECT x.n FROM (SELECT 0 AS national_id, national_id AS n) x) FROM employees',
    { says: 'employees.national_id' },
  ),
  deny(
    'alias named like the column, used in WHERE',
    P,
    'SELECT id, 0 AS salary FROM employees WHERE salary > 100',
    { says: 'employees.salary' },
  ),
  deny(
    'alias named like the column, used in GROUP BY',
    P,
    'SELECT department_id AS salary, count(*) FROM employees GROUP BY salary',
    { says: 'employees.salary' },
  ),
  deny(
    'alias named like the column, used in ORDER BY',
    P,
    'SELECT id, 1 AS salary FROM employees ORDER BY salary',
    { says: 'employees.salary' },
  ),
  deny(
    'alias named like the column, used in HAVING',
    P,
    'SELECT department_id, count(*) AS salary FROM employees GROUP BY department_id HAVING salary > 1',
    { says: 'employees.salary' },
  ),
  deny(
    'alias in a correlated EXISTS',
    P,
    'SELECT id FROM employees e WHERE EXISTS (SELECT 1 AS salary WHERE salary > 5)',
    { says: 'employees.salary' },
  ),
  deny(
    'alias in a correlated scalar subquery',
    P,
    'SELECT (SELECT 1 AS national_id ORDER BY national_id) FROM employees',
    { says: 'employees.national_id' },
  ),
  deny(
    'outer alias, subquery in ORDER BY',
    P,
    'SELECT id, 5 AS national_id FROM employees ORDER BY (SELECT national_id)',
    { says: 'employees.national_id' },
  ),
  deny(
    'alias in JOIN … ON (aliases are not visible there)',
    P,
    'SELECT e.id AS salary FROM employees e JOIN orders o ON salary = o.total',
    { says: 'employees.salary' },
  ),
  deny(
    'alias in a window ORDER BY',
    P,
    'SELECT id, 1 AS salary, rank() OVER (ORDER BY salary) FROM employees',
    { says: 'employees.salary' },
  ),
  deny(
    'quoted alias then the quoted column',
    P,
    'SELECT 1 AS "salary", "salary" AS b FROM employees',
    { says: 'employees.salary' },
  ),
  deny('alias in another case', P, 'SELECT 1 AS SALARY, Salary AS b FROM employees', {
    says: 'employees.salary',
  }),
  deny(
    'alias nested two levels deep',
    P,
    'SELECT id FROM employees WHERE id IN (SELECT u.v FROM (SELECT 2 AS salary, salary + 1 AS v) u WHERE u.v IN (SELECT 3 AS salary))',
    { says: 'employees.salary' },
  ),
  deny(
    'alias in a WHERE subquery',
    P,
    'SELECT id FROM employees WHERE (SELECT b FROM (SELECT 1 AS salary, salary AS b)) > 0',
    { says: 'employees.salary' },
  ),
  deny(
    'alias in a CTE body reading the outer row',
    P,
    'SELECT (WITH c AS (SELECT 1 AS national_id, national_id AS n) SELECT n FROM c) FROM employees',
    { says: 'employees.national_id' },
  ),
  deny(
    'count(*) alias named like the column, ORDER BY',
    P,
    'SELECT count(*) AS salary FROM employees GROUP BY department_id ORDER BY salary',
    { says: 'employees.salary' },
  ),
];

// ── deny: writes that copy hidden values of the written table (issue 8, class 2) ───────────
// Values of the written row used in SET, WHERE, RETURNING, upsert clauses or INSERT … SELECT
// from the table itself are reads, and need the read grant: hr may write employees.title,
// clerk orders.status, and neither may read what it would copy.
const WRITE_COPY: DenyCase[] = [
  deny(
    'issue example: SET from an alias-shadowed derived table, RETURNING',
    P,
    'UPDATE employees SET title = (SELECT t.b FROM (SELECT 1 AS salary, salary AS b) t) WHERE id = 7 RETURNING title',
    { who: 'hr', says: 'employees.salary' },
  ),
  deny('SET title = salary', P, 'UPDATE employees SET title = salary WHERE id = 7', {
    who: 'hr',
    says: 'employees.salary',
  }),
  deny(
    'SET title = national_id … RETURNING title',
    P,
    'UPDATE employees SET title = national_id WHERE id = 7 RETURNING title',
    { who: 'hr', says: 'employees.national_id' },
  ),
  deny(
    'SET title = title || salary',
    P,
    'UPDATE employees SET title = title || salary WHERE id = 7',
    { who: 'hr', says: 'employees.salary' },
  ),
  deny(
    'SET title = CASE on salary',
    P,
    "UPDATE employees SET title = CASE WHEN salary > 100000 THEN 'rich' ELSE 'poor' END WHERE id = 7",
    { who: 'hr', says: 'employees.salary' },
  ),
  deny(
    'SET title from a scalar subquery on the same table',
    P,
    'UPDATE employees SET title = (SELECT national_id FROM employees e2 WHERE e2.id = 7) WHERE id = 7',
    { who: 'hr', says: 'employees.national_id' },
  ),
  deny(
    'SET title = substr(national_id, …)',
    P,
    'UPDATE employees SET title = substr(national_id, 1, 3) WHERE id = 7',
    { who: 'hr', says: 'employees.national_id' },
  ),
  deny(
    'RETURNING a hidden column',
    P,
    "UPDATE employees SET title = 'x' WHERE id = 7 RETURNING salary",
    { who: 'hr', says: 'employees.salary' },
  ),
  deny('RETURNING *', P, "UPDATE employees SET title = 'x' WHERE id = 7 RETURNING *", {
    who: 'hr',
    says: 'employees.',
  }),
  deny(
    'WHERE on a hidden column (row-count oracle)',
    P,
    'UPDATE employees SET title = title WHERE salary > 987654320',
    { who: 'hr', says: 'employees.salary' },
  ),
  deny(
    'WHERE through a subquery on the hidden column',
    P,
    "UPDATE employees SET title = 'x' WHERE id IN (SELECT id FROM employees WHERE national_id LIKE 'C%')",
    { who: 'hr', says: 'employees.national_id' },
  ),
  deny(
    'correlated alias shadowing in WHERE',
    P,
    "UPDATE employees SET title = 'x' WHERE EXISTS (SELECT 1 AS salary WHERE salary > 5)",
    { who: 'hr', says: 'employees.salary' },
  ),
  deny(
    'INSERT … SELECT from the written table',
    P,
    'INSERT INTO employees (title) SELECT national_id FROM employees WHERE id = 7',
    { who: 'hr', says: 'employees' },
  ),
  deny('clerk: SET status = total', P, 'UPDATE orders SET status = total WHERE id = 1', {
    who: 'clerk',
    says: 'orders.total',
  }),
  deny(
    'clerk: SET status from an alias-shadowed derived table',
    P,
    'UPDATE orders SET status = (SELECT t.b FROM (SELECT 1 AS total, total AS b) t) WHERE id = 1 RETURNING status',
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'clerk: RETURNING total',
    P,
    "UPDATE orders SET status = 'paid' WHERE id = 1 RETURNING total",
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'clerk: SET status from ship_city of another row',
    P,
    'UPDATE orders SET status = (SELECT ship_city FROM orders o2 WHERE o2.id = 2) WHERE id = 1',
    { who: 'clerk', says: 'orders.ship_city' },
  ),
  deny(
    'clerk: INSERT … SELECT total from orders',
    P,
    'INSERT INTO orders (status) SELECT total FROM orders WHERE id = 1',
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'clerk: upsert DO UPDATE SET status = total',
    P,
    "INSERT INTO orders (status) VALUES ('paid') ON CONFLICT (id) DO UPDATE SET status = total",
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'clerk: upsert DO UPDATE … WHERE on a hidden column',
    P,
    "INSERT INTO orders (status) VALUES ('paid') ON CONFLICT (id) DO UPDATE SET status = excluded.status WHERE total > 5",
    { who: 'clerk', says: 'orders.total' },
  ),
  deny(
    'clerk: upsert RETURNING a hidden column',
    P,
    "INSERT INTO orders (status) VALUES ('paid') ON CONFLICT (id) DO NOTHING RETURNING ship_country",
    { who: 'clerk', says: 'orders.ship_country' },
  ),
  deny(
    'clerk: SET status = status WHERE on a hidden column',
    P,
    'UPDATE orders SET status = status WHERE customer_id = 1',
    { who: 'clerk', says: 'orders.customer_id' },
  ),
];

const DENY_CASES: DenyCase[] = [
  ...PRELEX,
  ...STATEMENTS,
  ...FUNCTIONS,
  ...SYSTEM,
  ...COLUMNS,
  ...NESTED,
  ...TABLES,
  ...WRITES,
  ...PARAMS,
  ...ALIASES,
  ...WRITE_COPY,
];

// ── allow ──────────────────────────────────────────────────────────────────────────────────
interface AllowCase {
  name: string;
  sql: string;
  who?: Who;
  params?: unknown;
  /** exact rows, or a check on them; at least one row unless `rows` says otherwise */
  rows?: unknown[][] | ((rows: unknown[][]) => void);
}
const allow = (
  name: string,
  sql: string,
  more: Omit<AllowCase, 'name' | 'sql'> = {},
): AllowCase => ({ name, sql, ...more });
const oneRow = (rows: unknown[][]) => expect(rows).toHaveLength(1);

const ALLOW_CASES: AllowCase[] = [
  allow(
    'join of three tables',
    'SELECT o.id, p.name, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id WHERE o.id = 1',
  ),
  allow(
    'LEFT JOIN',
    'SELECT o.id, c.first_name FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE o.id < 3 ORDER BY o.id',
    { rows: (r) => expect(r).toHaveLength(2) },
  ),
  allow(
    'LEFT JOIN to granted employee columns',
    'SELECT o.id, e.first_name, e.last_name FROM orders o LEFT JOIN employees e ON e.id = o.employee_id WHERE o.id <= 5',
  ),
  allow('JOIN … USING', 'SELECT o.id FROM orders o JOIN employees e USING (id) WHERE o.id <= 3', {
    rows: (r) => expect(r).toHaveLength(3),
  }),
  allow(
    'CTE',
    'WITH big AS (SELECT id, total FROM orders WHERE total > 1000) SELECT count(*) FROM big',
  ),
  allow(
    'CTE named like a granted table it reads',
    'WITH orders AS (SELECT id, status FROM main.orders) SELECT status, count(*) FROM orders GROUP BY status',
  ),
  allow(
    'recursive CTE without a column list (counter)',
    'WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT count(*), max(n) FROM r',
    { rows: [[5, 5]] },
  ),
  allow(
    'recursive CTE without a column list (manager hierarchy)',
    'WITH RECURSIVE chain AS (SELECT id, 0 AS depth FROM employees WHERE manager_id IS NULL UNION ALL SELECT e.id, c.depth + 1 FROM employees e JOIN chain c ON e.manager_id = c.id) SELECT count(*), max(depth) FROM chain',
    { rows: (r) => expect(r[0]![0]).toBe(120) },
  ),
  allow(
    'recursive CTE with a column list (manager hierarchy)',
    'WITH RECURSIVE chain(id, depth) AS (SELECT id, 0 FROM employees WHERE manager_id IS NULL UNION ALL SELECT e.id, c.depth + 1 FROM employees e JOIN chain c ON e.manager_id = c.id) SELECT count(*), max(depth) FROM chain',
    { rows: (r) => expect(r[0]![0]).toBe(120) },
  ),
  allow(
    'aggregates',
    'SELECT count(*), sum(total), avg(total), min(order_date), max(order_date) FROM orders',
    { rows: oneRow },
  ),
  allow(
    'GROUP BY / HAVING',
    'SELECT status, count(*) AS n FROM orders GROUP BY status HAVING count(*) > 10 ORDER BY n DESC',
  ),
  allow(
    'GROUP BY a granted employee column',
    'SELECT department_id, count(*) FROM employees GROUP BY department_id HAVING count(*) > 1',
  ),
  allow(
    'row_number() with PARTITION BY',
    'SELECT id, department_id, row_number() OVER (PARTITION BY department_id ORDER BY hire_date) FROM employees',
  ),
  allow(
    'rank() without PARTITION BY',
    'SELECT id, rank() OVER (ORDER BY hire_date) FROM employees',
  ),
  allow(
    'lag() over granted columns',
    'SELECT id, hire_date, lag(hire_date) OVER (ORDER BY hire_date) FROM employees',
  ),
  allow(
    'window frame',
    'SELECT id, sum(total) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM orders WHERE id < 20',
  ),
  allow(
    'named WINDOW over granted columns',
    'SELECT id, count(*) OVER w FROM employees WINDOW w AS (PARTITION BY department_id)',
  ),
  allow('IN (subquery)', 'SELECT id FROM employees WHERE id IN (SELECT manager_id FROM employees)'),
  allow(
    'scalar subquery',
    'SELECT id, (SELECT name FROM categories c WHERE c.id = p.category_id) FROM products p WHERE id <= 5',
  ),
  allow(
    'correlated subquery',
    'SELECT id FROM orders o WHERE o.id IN (SELECT order_id FROM order_items i WHERE i.order_id = o.id) AND o.id < 50',
  ),
  allow(
    'EXISTS',
    'SELECT id FROM orders o WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.quantity > 3)',
  ),
  allow(
    'NOT EXISTS',
    'SELECT id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)',
  ),
  allow(
    'EXISTS in the SELECT list',
    'SELECT EXISTS (SELECT 1 FROM employees WHERE manager_id IS NULL)',
    { rows: [[1]] },
  ),
  allow('derived table', 'SELECT d.n FROM (SELECT count(*) AS n FROM order_items) d', {
    rows: oneRow,
  }),
  allow(
    'CASE',
    "SELECT id, CASE WHEN total > 500 THEN 'big' ELSE 'small' END AS size FROM orders WHERE id < 10",
  ),
  allow(
    'strftime',
    "SELECT strftime('%Y', order_date) AS y, count(*) FROM orders GROUP BY y ORDER BY y",
  ),
  allow(
    'date functions',
    "SELECT date(order_date, '+1 day'), julianday(order_date) FROM orders WHERE id = 1",
    { rows: oneRow },
  ),
  allow('positional ? parameters', 'SELECT id, status FROM orders WHERE id BETWEEN ? AND ?', {
    params: [1, 5],
    rows: (r) => expect(r).toHaveLength(5),
  }),
  allow(
    'named :name parameters',
    'SELECT id FROM orders WHERE status = :s AND total > :t LIMIT 5',
    { params: { s: 'paid', t: 10 } },
  ),
  allow(
    'quoted identifiers of granted columns',
    'SELECT "first_name", `title`, "E"."hire_date" FROM employees AS e WHERE "id" = 1',
    { rows: oneRow },
  ),
  allow(
    'case-folded names of granted columns',
    'SELECT FIRST_NAME, Title FROM EMPLOYEES WHERE ID = 2',
    { rows: oneRow },
  ),
  allow(
    'UNION ALL of granted tables',
    'SELECT first_name FROM customers WHERE id < 3 UNION ALL SELECT first_name FROM employees WHERE id < 3',
    { rows: (r) => expect(r).toHaveLength(4) },
  ),
  allow(
    'INTERSECT / EXCEPT of granted tables',
    'SELECT id FROM orders WHERE id < 10 EXCEPT SELECT order_id FROM order_items WHERE order_id > 5',
  ),
  allow('LIMIT / OFFSET', 'SELECT id FROM orders ORDER BY id LIMIT 3 OFFSET 2', {
    rows: [[3], [4], [5]],
  }),
  allow('count(*) on employees (no column read)', 'SELECT count(*) FROM employees', {
    rows: [[120]],
  }),
  allow('constant per employee row (no column read)', 'SELECT 1 FROM employees LIMIT 2', {
    rows: [[1], [1]],
  }),
  allow(
    'rowid of employees (aliases the granted id)',
    'SELECT rowid, id FROM employees WHERE id = 3',
    { rows: [[3, 3]] },
  ),
  allow('LIKE', "SELECT id FROM customers WHERE email LIKE '%@%' LIMIT 3"),
  allow('LIKE … ESCAPE', "SELECT id FROM orders WHERE status LIKE 'p%' ESCAPE '!' LIMIT 3"),
  allow('GLOB', "SELECT id, name FROM products WHERE name GLOB 'Alpine*'"),
  allow('IN list', "SELECT count(*) FROM orders WHERE status IN ('paid', 'shipped')", {
    rows: oneRow,
  }),
  allow(
    'BETWEEN on dates',
    "SELECT count(*) FROM orders WHERE order_date BETWEEN '2024-01-01' AND '2024-12-31'",
    { rows: oneRow },
  ),
  allow(
    'index seek on a granted employee column',
    'SELECT id FROM employees WHERE department_id = ?',
    { params: [2] },
  ),
  allow(
    'index seek on a granted customer column',
    "SELECT count(*) FROM customers WHERE country = 'Germany'",
    { rows: oneRow },
  ),
  allow('json_extract on a literal', 'SELECT json_extract(\'{"a": {"b": 42}}\', \'$.a.b\')', {
    rows: [[42]],
  }),
  allow('DISTINCT', 'SELECT DISTINCT status FROM orders ORDER BY status'),
  allow(
    'ORDER BY an output alias',
    'SELECT id, total * 2 AS double_total FROM orders ORDER BY double_total DESC LIMIT 3',
  ),
  allow(
    'coalesce / nullif / round',
    "SELECT coalesce(employee_id, 0), nullif(status, 'x'), round(total, 1) FROM orders WHERE id = 1",
    { rows: oneRow },
  ),
  allow(
    'group_concat ordered by a granted column',
    "SELECT group_concat(first_name, ', ' ORDER BY hire_date) FROM employees WHERE department_id = 1",
    { rows: oneRow },
  ),
  allow(
    "string containing '' and comment markers",
    "SELECT 'it''s -- not /* a */ comment; really' AS s",
    { rows: [["it's -- not /* a */ comment; really"]] },
  ),
  allow(
    'comments around a statement with a trailing semicolon',
    '/* lead */ SELECT id -- first\nFROM orders /* mid */ WHERE id = 1; -- done',
    { rows: [[1]] },
  ),
  allow(
    "a string 'salary' is data, not a column",
    "SELECT 'salary' AS label, id FROM employees WHERE id = 1",
    { rows: [['salary', 1]] },
  ),
  allow("blob literal x'…'", "SELECT hex(x'4142')", { rows: [['4142']] }),
  allow('parameter carrying SQL is compared as data', 'SELECT id FROM orders WHERE status = ?', {
    params: ["paid' OR 1=1 --"],
    rows: [],
  }),
  allow(
    'named parameter carrying SQL is data',
    'SELECT count(*) FROM orders WHERE ship_city = :c',
    { params: { c: "x'; DROP TABLE orders; --" }, rows: [[0]] },
  ),
  allow('parameter naming a forbidden column is returned as text', 'SELECT ? AS v', {
    params: ['SELECT salary FROM employees'],
    rows: [['SELECT salary FROM employees']],
  }),
  allow(
    'clerk reads its granted order columns',
    "SELECT id, status FROM orders WHERE order_date >= '2025-01-01' LIMIT 5",
    { who: 'clerk' },
  ),
  allow(
    'auditor reads status and total without the id',
    'SELECT status, total FROM orders LIMIT 5',
    { who: 'auditor' },
  ),
  allow('writer reads a table it may write', 'SELECT id, status FROM orders WHERE id = 1', {
    who: 'writer',
    rows: oneRow,
  }),
  // Forms other gateways must run (issue 8, class 10), touching granted columns only.
  allow('AND NOT (…)', "SELECT id FROM orders WHERE id < 5 AND NOT (status = 'nosuch')", {
    rows: [[1], [2], [3], [4]],
  }),
  allow('NOT (…) alone', 'SELECT count(*) FROM orders WHERE NOT (id > 3)', { rows: [[3]] }),
  allow(
    'IS DISTINCT FROM',
    "SELECT count(*) FROM orders WHERE id <= 3 AND status IS DISTINCT FROM 'nosuch'",
    { rows: [[3]] },
  ),
  allow(
    'IS NOT DISTINCT FROM',
    'SELECT count(*) FROM orders WHERE id <= 3 AND status IS NOT DISTINCT FROM (SELECT status FROM orders WHERE id = 1)',
    { rows: oneRow },
  ),
  allow('?NNN numbered parameters', 'SELECT id FROM orders WHERE id = ?2 OR id = ?1 ORDER BY id', {
    params: { 1: 1, 2: 2 },
    rows: [[1], [2]],
  }),
  allow(
    'JOIN … USING, unqualified merged column',
    'SELECT id FROM orders JOIN order_items USING (id) WHERE id < 3 ORDER BY id',
    { rows: [[1], [2]] },
  ),
  allow(
    'JOIN … USING with a granted employee column',
    'SELECT id, first_name FROM employees JOIN customers USING (id, first_name) LIMIT 3',
    { rows: (r) => expect(Array.isArray(r)).toBe(true) },
  ),
  allow('row values', 'SELECT (1, 2) = (1, 2)', { rows: [[1]] }),
  allow(
    'doubled quote in an alias and a derived column',
    'SELECT x."a""b" FROM (SELECT id AS "a""b" FROM orders WHERE id = 1) AS x',
    { rows: [[1]] },
  ),
  allow('doubled quote in a select alias', 'SELECT 1 AS "wei""rd"', { rows: [[1]] }),
  allow(
    'output alias in WHERE (SQLite)',
    'SELECT id, total * 2 AS total2 FROM orders WHERE total2 > 0 AND id = 1',
    { rows: oneRow },
  ),
  allow(
    'output alias in ORDER BY that is no column',
    'SELECT first_name AS fname FROM employees WHERE id < 4 ORDER BY fname',
    { rows: (r) => expect(r).toHaveLength(3) },
  ),
  allow(
    'a CTE column shadows the outer column name',
    'WITH t AS (SELECT 1 AS salary) SELECT (SELECT salary FROM t) FROM employees WHERE id = 1',
    { rows: [[1]] },
  ),
];

// ── helpers ────────────────────────────────────────────────────────────────────────────────
/** SHA-256 over the schema and every row of every table (rows in rowid order, which is id order here). */
function databaseDigest(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const hash = createHash('sha256');
    const objects = db
      .prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name')
      .all() as { type: string; name: string }[];
    hash.update(JSON.stringify(objects));
    for (const { name } of objects.filter((o) => o.type === 'table')) {
      const rows = db
        .prepare(`SELECT * FROM "${name.replace(/"/g, '""')}" ORDER BY rowid`)
        .raw(true)
        .all();
      hash.update(`\n${name}\n`);
      hash.update(
        JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      );
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

function plantCanary(path: string) {
  const db = new Database(path, { fileMustExist: true });
  try {
    const r = db
      .prepare('UPDATE employees SET national_id = ?, salary = ? WHERE id = ?')
      .run(CANARY_NID, CANARY_SALARY, CANARY_EMPLOYEE);
    if (r.changes !== 1) throw new Error('canary not planted');
  } finally {
    db.close();
  }
}

function leaks(body: string): string | null {
  if (body.includes(CANARY_NID)) return 'the canary national_id';
  if (body.includes(String(CANARY_SALARY))) return 'the canary salary';
  const m = NATIONAL_ID_SHAPE.exec(body);
  return m ? `a national id (${m[0]})` : null;
}

async function startWithAgents(opts: Parameters<typeof startTestAirlock>[0] = {}) {
  const t = await startTestAirlock(opts);
  const keys = {
    analyst: (await t.createAgent('analyst', ANALYST)).apiKey,
    writer: (await t.createAgent('writer', WRITER)).apiKey,
    clerk: (await t.createAgent('clerk', CLERK)).apiKey,
    auditor: (await t.createAgent('auditor', AUDITOR)).apiKey,
    hr: (await t.createAgent('hr', HR)).apiKey,
  } satisfies Record<Who, string>;
  return { t, keys };
}

// ── tests ──────────────────────────────────────────────────────────────────────────────────
describe('SQLite guard through the API', () => {
  let t: TestAirlock;
  let keys: Record<Who, string>;
  let dbPath: string;
  let before: string;

  beforeAll(async () => {
    ({ t, keys } = await startWithAgents());
    dbPath = join(t.dataDir, 'demo.db');
    plantCanary(dbPath);
    before = databaseDigest(dbPath);
  });
  afterAll(() => t.close());

  it('has the canary in place and a leak detector that sees it', () => {
    const db = new Database(dbPath, { readonly: true });
    const row = db
      .prepare('SELECT national_id, salary FROM employees WHERE id = ?')
      .get(CANARY_EMPLOYEE);
    const other = db.prepare('SELECT national_id FROM employees WHERE id = 1').get();
    db.close();
    expect(leaks(JSON.stringify(row))).toBe('the canary national_id');
    expect(leaks(JSON.stringify({ salary: CANARY_SALARY }))).toBe('the canary salary');
    expect(leaks(JSON.stringify(other))).toMatch(/^a national id/);
    expect(DENY_CASES.length + ALLOW_CASES.length).toBeGreaterThanOrEqual(100);
    expect(new Set(DENY_CASES.map((c) => c.name)).size).toBe(DENY_CASES.length);
  });

  it.each(DENY_CASES)('denies: $name', async (c) => {
    const r = await t.query(keys[c.who ?? 'analyst'], c.sql, c.params);
    const leak = leaks(r.body);
    expect(leak, `response leaked ${leak}: ${r.body}`).toBeNull();
    const body = r.json() as {
      error?: { code: string; message: string; rule?: string };
      auditId?: number;
    };
    expect(body.error?.code, r.body).toBe(c.code);
    expect(r.statusCode).toBe(ERROR_STATUS[c.code]);
    expect(body.auditId).toBeGreaterThan(0);
    if (c.rule) expect(body.error?.rule, r.body).toBe(c.rule);
    if (c.says) expect(body.error?.message).toContain(c.says);
  });

  it('left the database exactly as it was after the deny table', () => {
    expect(databaseDigest(dbPath)).toBe(before);
  });

  it.each(ALLOW_CASES)('allows: $name', async (c) => {
    const r = await t.query(keys[c.who ?? 'analyst'], c.sql, c.params);
    expect(r.statusCode, r.body).toBe(200);
    const leak = leaks(r.body);
    expect(leak, `response leaked ${leak}: ${r.body}`).toBeNull();
    const body = r.json() as {
      rows: unknown[][];
      rowCount: number;
      truncated: boolean;
      auditId: number;
    };
    expect(Array.isArray(body.rows)).toBe(true);
    expect(body.rowCount).toBe(body.rows.length);
    expect(body.truncated).toBe(false);
    expect(body.auditId).toBeGreaterThan(0);
    if (Array.isArray(c.rows)) expect(body.rows).toEqual(c.rows);
    else if (c.rows) c.rows(body.rows);
    else expect(body.rows.length).toBeGreaterThan(0);
  });

  it('still has not changed the database after the allowed reads', () => {
    expect(databaseDigest(dbPath)).toBe(before);
  });
});

describe('granted writes (their own copy of the database)', () => {
  let t: TestAirlock;
  let keys: Record<Who, string>;
  beforeAll(async () => ({ t, keys } = await startWithAgents()));
  afterAll(() => t.close());

  const write = async (who: Who, sql: string, params?: unknown) => {
    const r = await t.query(keys[who], sql, params);
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { rowCount: number; rows?: unknown[][]; auditId: number };
  };

  it('INSERT into orders with values', async () => {
    const before = (await t.query(keys.writer, 'SELECT count(*) FROM orders')).json().rows[0][0];
    const body = await write(
      'writer',
      `INSERT INTO orders (${ORDER_COLS}) VALUES (?, ?, ?, ?, ?, ?)`,
      [1, '2025-06-01', 'pending', 12.5, 'Lisbon', 'Portugal'],
    );
    expect(body.rowCount).toBe(1);
    expect(body.auditId).toBeGreaterThan(0);
    expect((await t.query(keys.writer, 'SELECT count(*) FROM orders')).json().rows[0][0]).toBe(
      before + 1,
    );
  });

  it('UPDATE orders SET status WHERE id = ?', async () => {
    expect(
      (await write('writer', 'UPDATE orders SET status = ? WHERE id = ?', ['cancelled', 2]))
        .rowCount,
    ).toBe(1);
    expect(
      (await t.query(keys.writer, 'SELECT status FROM orders WHERE id = 2')).json().rows,
    ).toEqual([['cancelled']]);
  });

  it('UPDATE … RETURNING granted columns', async () => {
    const body = await write(
      'writer',
      "UPDATE orders SET status = 'paid' WHERE id = ? RETURNING id, status",
      [3],
    );
    expect(body.rowCount).toBe(1);
    expect(body.rows).toEqual([[3, 'paid']]);
  });

  it('DELETE FROM order_items WHERE id = ?', async () => {
    expect((await write('writer', 'DELETE FROM order_items WHERE id = ?', [1])).rowCount).toBe(1);
    expect(
      (await t.query(keys.writer, 'SELECT count(*) FROM order_items WHERE id = 1')).json().rows,
    ).toEqual([[0]]);
  });

  it('a column writer may use the columns it reads, in SET, WHERE and RETURNING (engine truth agrees)', async () => {
    const body = await write(
      'hr',
      "UPDATE employees SET title = 'Lead ' || title WHERE id = ? AND department_id > 0 RETURNING id, title",
      [7],
    );
    expect(body.rowCount).toBe(1);
    expect(body.rows?.[0]?.[0]).toBe(7);
    expect(
      (await write('hr', 'UPDATE employees SET title = first_name || last_name WHERE id = ?', [8]))
        .rowCount,
    ).toBe(1);
    expect(
      (
        await write(
          'clerk',
          "UPDATE orders SET status = 'paid' WHERE id = ? AND status <> 'x' RETURNING id, status, order_date",
          [5],
        )
      ).rows?.[0]?.[1],
    ).toBe('paid');
  });

  it('a column-level writer may change the one column it holds', async () => {
    expect(
      (await write('clerk', "UPDATE orders SET status = 'shipped' WHERE id = ?", [4])).rowCount,
    ).toBe(1);
  });
});

describe('engine backstops: timeout and caps', () => {
  it('stops a statement that runs too long, then serves the next one', async () => {
    const { t, keys } = await startWithAgents({ queryLimits: { timeoutMs: 500 } });
    try {
      const started = Date.now();
      const r = await t.query(
        keys.analyst,
        'SELECT count(*) FROM order_items a, order_items b, order_items c',
      );
      expect(r.json().error?.code, r.body).toBe('QUERY_TIMEOUT');
      expect(r.statusCode).toBe(408);
      expect(r.json().auditId).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(5000);
      // The runner was killed; a fresh one answers the next statement.
      const next = await t.query(keys.analyst, 'SELECT count(*) FROM order_items');
      expect(next.statusCode, next.body).toBe(200);
      expect(next.json().rows[0][0]).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it('caps rows', async () => {
    const { t, keys } = await startWithAgents({ queryLimits: { maxRows: 10 } });
    try {
      const r = await t.query(keys.analyst, 'SELECT id, status FROM orders');
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json();
      expect(body.truncated).toBe(true);
      expect(body.rows).toHaveLength(10);
      expect(body.rowCount).toBe(10);
    } finally {
      await t.close();
    }
  });

  it('caps bytes', async () => {
    const { t, keys } = await startWithAgents({ queryLimits: { maxBytes: 2000 } });
    try {
      const r = await t.query(keys.analyst, 'SELECT * FROM orders');
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json();
      expect(body.truncated).toBe(true);
      expect(body.rows.length).toBeGreaterThan(0);
      expect(body.rows.length).toBeLessThan(3000);
      expect(JSON.stringify(body.rows).length).toBeLessThanOrEqual(2000);
    } finally {
      await t.close();
    }
  });
});

describe('must-pass corpus of other gateways (false denies)', () => {
  let t: TestAirlock;
  let keys: Record<Who, string>;
  beforeAll(async () => ({ t, keys } = await startWithAgents()));
  afterAll(() => t.close());

  it(`runs the published queries (${MUST_PASS_SQLITE.length}) with a false-deny rate under 1 %`, async () => {
    const denied: string[] = [];
    for (const q of MUST_PASS_SQLITE) {
      const r = await t.query(keys.analyst, q.sql, q.params);
      if (r.statusCode !== 200)
        denied.push(`${q.sql.replace(/\s+/g, ' ')} [${q.source}] → ${r.body}`);
      else expect(leaks(r.body)).toBeNull();
    }
    const rate = denied.length / MUST_PASS_SQLITE.length;
    console.log(
      `SQLite must-pass: ${MUST_PASS_SQLITE.length - denied.length}/${MUST_PASS_SQLITE.length} pass, false-deny rate ${(rate * 100).toFixed(1)} %`,
    );
    expect(MUST_PASS_SQLITE.length).toBeGreaterThanOrEqual(25);
    expect(rate, denied.join('\n')).toBeLessThan(0.01);
  });
});
