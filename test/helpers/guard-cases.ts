/**
 * Adversarial cases that read the same in PostgreSQL and MySQL (standard SQL with the
 * dialect's quoting and parameter style): forbidden columns in every clause and disguise,
 * subqueries, CTEs and compound selects, ungranted tables, writes. The SQLite table's
 * categories, carried over. Dialect-only cases live in guard-postgres / guard-mysql.
 */
import { expect } from 'vitest';
import { I, P, S, allow, deny, oneRow, type AllowCase, type DenyCase } from './guard-table';

/**
 * A recursive CTE without a column list takes its names from its first SELECT: a hidden column
 * renamed there, or read in the recursive part, is still that column. [name, sql, the column
 * the refusal names] — the same text in every dialect (SQLite's table uses them too).
 */
export const RECURSIVE_WITHOUT_COLUMN_LIST: [name: string, sql: string, says: string][] = [
  [
    'recursive CTE without a column list renaming salary',
    'WITH RECURSIVE r AS (SELECT salary AS n FROM employees WHERE id = 7 UNION ALL SELECT n FROM r WHERE n < 0) SELECT n FROM r',
    'employees.salary',
  ],
  [
    'recursive CTE without a column list reading salary in the recursive part',
    'WITH RECURSIVE r AS (SELECT id, manager_id FROM employees WHERE id = 7 UNION ALL SELECT e.salary, e.manager_id FROM employees e JOIN r ON e.id = r.manager_id) SELECT id FROM r',
    'employees.salary',
  ],
  [
    'recursive CTE without a column list, granted names over national_id',
    'WITH RECURSIVE r AS (SELECT national_id AS first_name FROM employees WHERE id = 7 UNION SELECT first_name FROM r) SELECT first_name FROM r',
    'employees.national_id',
  ],
];

export function sharedCases(dialect: 'postgres' | 'mysql'): {
  deny: DenyCase[];
  allow: AllowCase[];
} {
  const q = (name: string) => (dialect === 'postgres' ? `"${name}"` : `\`${name}\``);
  const p = (i: number) => (dialect === 'postgres' ? `$${i}` : '?');
  const ORDER_COLS = 'customer_id, order_date, status, total, ship_city, ship_country';

  const COLUMNS: DenyCase[] = [
    deny('salary in the SELECT list', P, 'SELECT first_name, salary FROM employees', {
      says: 'employees.salary',
    }),
    deny('email (not granted either)', P, 'SELECT email FROM employees', {
      says: 'employees.email',
    }),
    deny('SELECT * over employees', P, 'SELECT * FROM employees'),
    deny('e.* over employees', P, 'SELECT e.* FROM employees e'),
    deny(
      'e.* beside a granted table',
      P,
      'SELECT o.id, e.* FROM orders o JOIN employees e ON e.id = o.employee_id',
    ),
    deny('* through a derived table', P, 'SELECT d.id FROM (SELECT * FROM employees) d'),
    deny('* through JOIN … USING', P, 'SELECT * FROM orders JOIN employees USING (id)'),
    deny('salary aliased as a granted column', P, 'SELECT salary AS first_name FROM employees', {
      says: 'employees.salary',
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
    deny('quoted salary', P, `SELECT ${q('salary')} FROM employees`, { says: 'employees.salary' }),
    deny(
      'quoted table and column',
      P,
      `SELECT ${q('employees')}.${q('national_id')} FROM ${q('employees')}`,
      { says: 'employees.national_id' },
    ),
    deny('SALARY FROM EMPLOYEES', P, 'SELECT SALARY FROM EMPLOYEES', { says: 'employees.salary' }),
    deny('Employees.National_Id', P, 'SELECT Employees.National_Id FROM Employees', {
      says: 'employees.national_id',
    }),
    deny('WHERE salary', P, 'SELECT id FROM employees WHERE salary > 100000', {
      says: 'employees.salary',
    }),
    deny('WHERE email LIKE', P, "SELECT id FROM employees WHERE email LIKE 'a%'", {
      says: 'employees.email',
    }),
    deny(
      'WHERE salary = parameter (oracle)',
      P,
      `SELECT id FROM employees WHERE salary = ${p(1)}`,
      { params: [100000], says: 'employees.salary' },
    ),
    deny(
      'WHERE national_id = parameter (index-seek oracle)',
      P,
      `SELECT id FROM employees WHERE national_id = ${p(1)}`,
      { params: ['x'], says: 'employees.national_id' },
    ),
    deny('WHERE salary BETWEEN', P, 'SELECT id FROM employees e WHERE e.salary BETWEEN 1 AND 2', {
      says: 'employees.salary',
    }),
    deny('WHERE salary IN (…)', P, 'SELECT id FROM employees WHERE salary IN (1, 2)', {
      says: 'employees.salary',
    }),
    deny(
      'WHERE CAST(salary …)',
      P,
      `SELECT id FROM employees WHERE CAST(salary AS ${dialect === 'postgres' ? 'text' : 'char'}) = '1'`,
      { says: 'employees.salary' },
    ),
    deny('WHERE NOT salary IS NULL', P, 'SELECT id FROM employees WHERE NOT salary IS NULL', {
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
      'SELECT e.department_id, count(*) FROM employees e GROUP BY e.department_id, e.salary',
      { says: 'employees.salary' },
    ),
    deny(
      'HAVING max(salary)',
      P,
      'SELECT department_id FROM employees GROUP BY department_id HAVING max(salary) > 100000',
      { says: 'employees.salary' },
    ),
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
    deny(
      'CASE on salary',
      P,
      "SELECT id, CASE WHEN salary > 100000 THEN 'rich' ELSE 'poor' END FROM employees",
      { says: 'employees.salary' },
    ),
    deny('length(national_id)', P, 'SELECT id, length(national_id) FROM employees', {
      says: 'employees.national_id',
    }),
    deny('coalesce(national_id, …)', P, "SELECT coalesce(national_id, '') FROM employees", {
      says: 'employees.national_id',
    }),
    deny('count(DISTINCT salary)', P, 'SELECT count(DISTINCT salary) FROM employees', {
      says: 'employees.salary',
    }),
    deny('max(salary) in a scalar subquery', P, 'SELECT (SELECT max(salary) FROM employees) AS m', {
      says: 'employees.salary',
    }),
    deny(
      'LIMIT through a correlated salary comparison',
      P,
      'SELECT id FROM employees e WHERE (SELECT count(*) FROM employees f WHERE f.salary > e.salary) < 3',
      { says: 'employees.salary' },
    ),
    // Issue 8, class 3: an output alias is no name in its own select list.
    deny(
      'output alias named salary, then salary in the same list',
      P,
      'SELECT 0 AS salary, salary + 1 AS b FROM employees',
      { says: 'employees.salary' },
    ),
    deny(
      'output alias named national_id, then a function of it',
      P,
      "SELECT '' AS national_id, length(national_id) FROM employees",
      { says: 'employees.national_id' },
    ),
  ];

  const NESTED: DenyCase[] = [
    deny(
      'scalar subquery in the SELECT list',
      P,
      'SELECT id, (SELECT salary FROM employees WHERE id = 1) FROM orders',
      { says: 'employees.salary' },
    ),
    deny(
      'EXISTS reading salary',
      P,
      'SELECT id FROM orders WHERE EXISTS (SELECT 1 FROM employees WHERE salary > 100000)',
      { says: 'employees.salary' },
    ),
    deny(
      'IN (subquery on national_id)',
      P,
      "SELECT id FROM orders WHERE employee_id IN (SELECT id FROM employees WHERE national_id LIKE '1%')",
      { says: 'employees.national_id' },
    ),
    deny(
      'correlated subquery reading salary',
      P,
      'SELECT id, (SELECT e2.salary FROM employees e2 WHERE e2.id = e.id) FROM employees e',
      { says: 'employees.salary' },
    ),
    deny(
      'subquery in ORDER BY',
      P,
      'SELECT id FROM orders ORDER BY (SELECT salary FROM employees e WHERE e.id = orders.employee_id)',
      { says: 'employees.salary' },
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
      'UNION with a forbidden branch',
      P,
      'SELECT first_name FROM employees UNION SELECT national_id FROM employees',
      { says: 'employees.national_id' },
    ),
    deny(
      'UNION ALL with salary',
      P,
      'SELECT id FROM orders UNION ALL SELECT salary FROM employees',
      { says: 'employees.salary' },
    ),
    deny(
      'compound ORDER BY position over salary',
      P,
      'SELECT id FROM orders UNION SELECT salary FROM employees ORDER BY 1',
      { says: 'employees.salary' },
    ),
    ...RECURSIVE_WITHOUT_COLUMN_LIST.map(([name, sql, says]) => deny(name, P, sql, { says })),
    deny(
      'recursive CTE without a column list: an unnamed first column',
      [S, P],
      'WITH RECURSIVE r AS (SELECT salary + 0 FROM employees UNION ALL SELECT 1 FROM r WHERE false) SELECT * FROM r',
    ),
    deny(
      'NATURAL JOIN onto employees',
      [I, S, P],
      'SELECT id FROM employees NATURAL JOIN departments',
    ),
  ];

  const TABLES: DenyCase[] = [
    deny('ungranted table', P, 'SELECT name FROM departments', { says: 'departments' }),
    deny('count(*) on an ungranted table', P, 'SELECT count(*) FROM suppliers', {
      says: 'suppliers',
    }),
    deny('constant from an ungranted table', P, 'SELECT 1 FROM departments LIMIT 1', {
      says: 'departments',
    }),
    deny(
      'EXISTS over an ungranted table',
      P,
      'SELECT 1 FROM orders WHERE EXISTS (SELECT 1 FROM departments) LIMIT 1',
      { says: 'departments' },
    ),
    deny('unknown table', P, 'SELECT * FROM nosuch'),
    deny('unknown column', P, 'SELECT nosuch FROM orders'),
    deny('table name used as a column (whole-row reference)', P, 'SELECT employees FROM employees'),
    deny('alias used as a column (whole-row reference)', P, 'SELECT e FROM employees e'),
    deny(
      'CTE forward reference',
      P,
      'WITH a AS (SELECT id FROM b), b AS (SELECT id FROM orders) SELECT id FROM a',
    ),
  ];

  const WRITES: DenyCase[] = [
    deny(
      'INSERT by the read-only analyst',
      P,
      `INSERT INTO orders (${ORDER_COLS}) VALUES (1, '2024-01-01', 'paid', 1, 'a', 'b')`,
      { says: 'write' },
    ),
    deny('UPDATE by the read-only analyst', P, "UPDATE orders SET status = 'paid' WHERE id = 1", {
      says: 'write',
    }),
    deny('DELETE by the read-only analyst', P, 'DELETE FROM orders WHERE id = 1', {
      says: 'write',
    }),
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
    deny(
      'writer INSERT … SELECT from employees',
      P,
      `INSERT INTO orders (${ORDER_COLS}) SELECT id, hire_date, 'paid', salary, 'x', 'y' FROM employees`,
      { who: 'writer', says: 'employees' },
    ),
    deny(
      'writer INSERT … VALUES with a salary subquery',
      P,
      `INSERT INTO orders (${ORDER_COLS}) VALUES ((SELECT id FROM employees WHERE salary > 0 LIMIT 1), '2024-01-01', 'paid', 1, 'a', 'b')`,
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
      'writer DELETE … WHERE EXISTS (… salary …)',
      P,
      'DELETE FROM order_items WHERE EXISTS (SELECT 1 FROM employees WHERE salary > 0)',
      { who: 'writer', says: 'employees' },
    ),
    deny(
      'writer UPDATE of an unknown column',
      P,
      'UPDATE orders SET no_such_col = 1 WHERE id = 1',
      { who: 'writer' },
    ),
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
    deny('clerk DELETE (needs the whole row)', P, 'DELETE FROM orders WHERE id = -1', {
      who: 'clerk',
      says: 'whole',
    }),
    deny(
      'clerk UPDATE … WHERE on a column it may not read',
      P,
      "UPDATE orders SET status = 'paid' WHERE total > 1000000000000",
      { who: 'clerk', says: 'orders.total' },
    ),
    // Issue 8, class 2: values of the written row are reads (shared by PostgreSQL and MySQL).
    deny(
      'clerk UPDATE copying a hidden column of the written row',
      P,
      'UPDATE orders SET status = ship_city WHERE id = 1',
      { who: 'clerk', says: 'orders.ship_city' },
    ),
    deny(
      'clerk UPDATE copying a hidden column through a function',
      P,
      "UPDATE orders SET status = concat('x', ship_country) WHERE id = 1",
      { who: 'clerk', says: 'orders.ship_country' },
    ),
    deny(
      'clerk UPDATE with CASE on a hidden column of the written row',
      P,
      "UPDATE orders SET status = CASE WHEN total > 0 THEN 'paid' ELSE 'pending' END WHERE id = 1",
      { who: 'clerk', says: 'orders.total' },
    ),
  ];

  const PARAMS: DenyCase[] = [
    deny(
      'forbidden column with a harmless parameter',
      P,
      `SELECT id FROM employees WHERE salary > ${p(1)}`,
      { params: [0], says: 'employees.salary' },
    ),
  ];

  const ALLOW: AllowCase[] = [
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
      'recursive CTE with a column list (manager hierarchy)',
      'WITH RECURSIVE chain(id, depth) AS (SELECT id, 0 FROM employees WHERE manager_id IS NULL UNION ALL SELECT e.id, c.depth + 1 FROM employees e JOIN chain c ON e.manager_id = c.id) SELECT count(*), max(depth) FROM chain',
      { rows: (r) => expect(Number(r[0]![0])).toBe(120) },
    ),
    allow(
      'recursive CTE without a column list (counter)',
      'WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT count(*), max(n) FROM r',
      { rows: (r) => expect(r[0]!.map(Number)).toEqual([5, 5]) },
    ),
    allow(
      'recursive CTE without a column list (manager hierarchy)',
      'WITH RECURSIVE chain AS (SELECT id, 0 AS depth FROM employees WHERE manager_id IS NULL UNION ALL SELECT e.id, c.depth + 1 FROM employees e JOIN chain c ON e.manager_id = c.id) SELECT count(*), max(depth) FROM chain',
      { rows: (r) => expect(Number(r[0]![0])).toBe(120) },
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
      'IN (subquery)',
      'SELECT id FROM employees WHERE id IN (SELECT manager_id FROM employees)',
    ),
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
    allow('derived table', 'SELECT d.n FROM (SELECT count(*) AS n FROM order_items) d', {
      rows: [[7943]],
    }),
    allow(
      'CASE',
      "SELECT id, CASE WHEN total > 500 THEN 'big' ELSE 'small' END AS size FROM orders WHERE id < 10",
    ),
    allow(
      'positional parameters',
      `SELECT id, status FROM orders WHERE id BETWEEN ${p(1)} AND ${p(2)} ORDER BY id`,
      { params: [1, 5], rows: (r) => expect(r).toHaveLength(5) },
    ),
    allow(
      'quoted identifiers of granted columns',
      `SELECT ${q('first_name')}, ${q('title')}, e.${q('hire_date')} FROM employees AS e WHERE ${q('id')} = 1`,
      { rows: oneRow },
    ),
    // MySQL table names are case-sensitive on Linux, PostgreSQL folds unquoted names.
    allow(
      'case-folded names of granted columns',
      `SELECT FIRST_NAME, Title FROM ${dialect === 'postgres' ? 'EMPLOYEES' : 'employees'} WHERE ID = 2`,
      { rows: oneRow },
    ),
    allow(
      'UNION ALL of granted tables',
      'SELECT first_name FROM customers WHERE id < 3 UNION ALL SELECT first_name FROM employees WHERE id < 3',
      { rows: (r) => expect(r).toHaveLength(4) },
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
    allow('LIKE', "SELECT id FROM customers WHERE email LIKE '%@%' LIMIT 3"),
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
      `SELECT id FROM employees WHERE department_id = ${p(1)}`,
      { params: [2] },
    ),
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
    allow(
      'parameter carrying SQL is compared as data',
      `SELECT id FROM orders WHERE status = ${p(1)}`,
      { params: ["paid' OR 1=1 --"], rows: [] },
    ),
    allow(
      'parameter naming a forbidden column is returned as text',
      `SELECT CAST(${p(1)} AS ${dialect === 'postgres' ? 'text' : 'char'}) AS v`,
      { params: ['SELECT salary FROM employees'], rows: [['SELECT salary FROM employees']] },
    ),
    allow(
      'clerk reads its granted order columns',
      "SELECT id, status FROM orders WHERE order_date >= '2025-01-01' LIMIT 5",
      { who: 'clerk' },
    ),
    allow('writer reads a table it may write', 'SELECT id, status FROM orders WHERE id = 1', {
      who: 'writer',
      rows: oneRow,
    }),
    // Issue 8, class 10: ordinary analyst SQL other gateways must run.
    allow(
      'AND NOT (…) over granted columns',
      "SELECT count(*) FROM orders WHERE id <= 4 AND NOT (status = 'nosuch')",
      { rows: (r) => expect(Number(r[0]![0])).toBe(4) },
    ),
    allow(
      'unqualified column merged by JOIN … USING',
      'SELECT id FROM orders JOIN order_items USING (id) WHERE id < 3 ORDER BY id',
      { rows: (r) => expect(r.map((x) => Number(x[0]))).toEqual([1, 2]) },
    ),
  ];

  return { deny: [...COLUMNS, ...NESTED, ...TABLES, ...WRITES, ...PARAMS], allow: ALLOW };
}
