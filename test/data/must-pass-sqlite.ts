/**
 * Must-pass queries for SQLite: the read queries of published database-gateway test suites,
 * adapted to Airlock's demo schema (their `users` is our `customers`, their `age` our `id`,
 * their `orders.user_id` our `orders.customer_id`). Each names its source. The guard must run
 * every one for an agent granted the tables it reads; the suite reports the false-deny rate.
 *
 * Left out on purpose, each refused by design: sqlite_version() (server information),
 * randomblob() (unbounded allocation), PRAGMA, multi-statement requests, BEGIN/COMMIT.
 */
export interface MustPass {
  sql: string;
  source: string;
  /** positional values, or by name/number (`?NNN` binds by number in better-sqlite3) */
  params?: unknown[] | Record<string, unknown>;
}

const DBHUB_SHARED = 'bytebase/dbhub src/connectors/__tests__/shared/integration-test-base.ts';
const DBHUB_SQLITE = 'bytebase/dbhub src/connectors/__tests__/sqlite.integration.test.ts';
const ISSUE_8 = 'Airlock issue 8, point 10 (forms other gateways list as must-pass)';

export const MUST_PASS_SQLITE: MustPass[] = [
  { source: DBHUB_SHARED, sql: 'SELECT COUNT(*) as count FROM customers' },
  { source: DBHUB_SHARED, sql: "SELECT * FROM customers WHERE email = 'test@example.com'" },
  {
    source: DBHUB_SHARED,
    sql: `SELECT c.first_name, COUNT(o.id) as order_count
          FROM customers c
          LEFT JOIN orders o ON c.id = o.customer_id
          GROUP BY c.id, c.first_name
          HAVING COUNT(o.id) > 0
          ORDER BY order_count DESC`,
  },
  { source: DBHUB_SQLITE, sql: 'SELECT * FROM customers ORDER BY id DESC LIMIT 1' },
  {
    source: DBHUB_SQLITE,
    sql: "SELECT datetime('now') as now_time, upper('hello world') as uppercase_text, length('test string') as string_length",
  },
  {
    source: DBHUB_SQLITE,
    sql: "SELECT COUNT(*) as count FROM customers WHERE email LIKE 'trans%@example.com'",
  },
  {
    source: DBHUB_SQLITE,
    sql: `SELECT customer_id, total, ROW_NUMBER() OVER (ORDER BY total DESC) as total_rank, AVG(total) OVER () as avg_total
          FROM orders WHERE total IS NOT NULL ORDER BY total DESC`,
  },
  {
    source: DBHUB_SQLITE,
    sql: `SELECT json_extract(json_object('name', first_name, 'age', id), '$.name') as name,
                 json_extract(json_object('name', first_name, 'age', id), '$.age') as age
          FROM customers WHERE json_extract(json_object('age', id), '$.age') > 27`,
  },
  {
    source: DBHUB_SQLITE,
    sql: "SELECT COUNT(*) as total FROM customers WHERE email LIKE 'multi%'",
  },
  { source: DBHUB_SQLITE, sql: 'SELECT COUNT(*) as count FROM orders WHERE total = 200.00' },
  { source: DBHUB_SQLITE, sql: 'SELECT * FROM customers ORDER BY id' },
  { source: DBHUB_SQLITE, sql: 'SELECT * FROM customers ORDER BY id LIMIT 1' },
  { source: DBHUB_SQLITE, sql: 'SELECT * FROM customers ORDER BY id LIMIT 10' },
  { source: DBHUB_SQLITE, sql: "SELECT * FROM customers WHERE email = 'maxrows@example.com'" },
  {
    source: DBHUB_SQLITE,
    sql: 'SELECT c.first_name, o.total FROM customers c JOIN orders o ON c.id = o.customer_id ORDER BY o.total DESC',
  },
  {
    source: DBHUB_SQLITE,
    sql: `WITH customer_summary AS (SELECT first_name, id FROM customers WHERE id IS NOT NULL)
          SELECT * FROM customer_summary ORDER BY id`,
  },
  {
    source: DBHUB_SQLITE,
    sql: "SELECT first_name FROM customers WHERE email LIKE '%@test.com' ORDER BY first_name",
  },
  { source: DBHUB_SQLITE, sql: 'SELECT * FROM orders WHERE id = ? ORDER BY id', params: [1] },
  // The forms issue 8 lists as false denies, with SQLite's spelling where it has one.
  { source: ISSUE_8, sql: "SELECT id FROM orders WHERE id < 5 AND NOT (status = 'paid')" },
  { source: ISSUE_8, sql: "SELECT count(*) FROM orders WHERE status IS DISTINCT FROM 'paid'" },
  { source: ISSUE_8, sql: "SELECT count(*) FROM orders WHERE status IS NOT DISTINCT FROM 'paid'" },
  { source: ISSUE_8, sql: 'SELECT id FROM orders JOIN order_items USING (id) WHERE id < 3' },
  {
    source: ISSUE_8,
    sql: 'SELECT id, status FROM orders WHERE id = ?1 OR id = ?2',
    params: { 1: 1, 2: 2 },
  },
  { source: ISSUE_8, sql: 'SELECT (1, 2) = (1, 2)' },
  {
    source: ISSUE_8,
    sql: 'SELECT o.id FROM orders o WHERE (o.id, o.status) IN (SELECT id, status FROM orders WHERE id < 3)',
  },
  { source: ISSUE_8, sql: 'SELECT "wei""rd" FROM (SELECT 1 AS "wei""rd")' },
  {
    source: ISSUE_8,
    sql: 'SELECT x."a""b" FROM (SELECT id AS "a""b" FROM orders WHERE id = 1) AS x',
  },
  {
    source: ISSUE_8,
    sql: 'SELECT id, total * 2 AS total2 FROM orders WHERE total2 > 100 ORDER BY total2 DESC LIMIT 3',
  },
];
