/**
 * Must-pass queries for MySQL/MariaDB: the read queries of published database-gateway test
 * suites, adapted to Airlock's demo schema (their `users` is our `customers`, their `events`
 * our `orders`, their `age` our `id`, their `orders.user_id` our `orders.customer_id`). Each
 * names its source. The guard must run every one for an agent granted the tables it reads;
 * the suite reports the false-deny rate.
 *
 * Left out on purpose, each refused by design: VERSION(), DATABASE(), USER(), LAST_INSERT_ID()
 * (server and session information), multi-statement requests, and the two awslabs cases with
 * a `#` comment (MySQL reads `#` as a comment, other parsers do not; see prelex hash-comment).
 */
import type { MustPass } from './must-pass-sqlite';

const DBHUB_SHARED = 'bytebase/dbhub src/connectors/__tests__/shared/integration-test-base.ts';
const DBHUB_MYSQL = 'bytebase/dbhub src/connectors/__tests__/mysql.integration.test.ts';
const AWSLABS =
  'awslabs/mcp src/mysql-mcp-server/tests/test_mutable_sql_detector.py (benign queries)';
const ISSUE_8 = 'Airlock issue 8, point 10 (forms other gateways list as must-pass)';

export const MUST_PASS_MYSQL: MustPass[] = [
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
  { source: DBHUB_MYSQL, sql: "SELECT COUNT(*) as total FROM customers WHERE email LIKE 'multi%'" },
  { source: DBHUB_MYSQL, sql: 'SELECT NOW() as timestamp_val' },
  {
    source: DBHUB_MYSQL,
    sql: "SELECT COUNT(*) as count FROM customers WHERE email LIKE 'trans%@example.com'",
  },
  {
    source: DBHUB_MYSQL,
    sql: "SELECT COUNT(*) as count FROM customers WHERE email = 'rollback@example.com'",
  },
  { source: DBHUB_MYSQL, sql: 'SELECT * FROM customers ORDER BY id' },
  { source: DBHUB_MYSQL, sql: 'SELECT * FROM customers ORDER BY id LIMIT 1' },
  { source: DBHUB_MYSQL, sql: 'SELECT * FROM customers ORDER BY id LIMIT 10' },
  { source: DBHUB_MYSQL, sql: "SELECT * FROM customers WHERE email = 'maxrows@mysql.com'" },
  {
    source: DBHUB_MYSQL,
    sql: 'SELECT c.first_name, o.total FROM customers c JOIN orders o ON c.id = o.customer_id ORDER BY o.total DESC',
  },
  {
    source: DBHUB_MYSQL,
    sql: `WITH customer_summary AS (SELECT first_name, id FROM customers WHERE id IS NOT NULL)
          SELECT * FROM customer_summary ORDER BY id`,
  },
  {
    source: DBHUB_MYSQL,
    sql: 'SELECT first_name FROM customers WHERE id > 20 ORDER BY first_name LIMIT 10',
  },
  { source: DBHUB_MYSQL, sql: 'SELECT * FROM customers WHERE id = ?', params: [1] },
  { source: AWSLABS, sql: 'SELECT id, /* primary key */ first_name FROM customers' },
  { source: AWSLABS, sql: 'SELECT id FROM customers -- get all users\nWHERE id = 1' },
  { source: AWSLABS, sql: '/* monthly active users */\nSELECT COUNT(*) FROM orders' },
  { source: AWSLABS, sql: 'SELECT id FROM customers -- export INTO OUTFILE later' },
  { source: AWSLABS, sql: 'SELECT id FROM customers /* equivalent to LOAD DATA INFILE */' },
  {
    source: AWSLABS,
    sql: `/* monthly active users */
          WITH active AS (
              SELECT customer_id FROM orders
              WHERE order_date >= NOW() - INTERVAL 3000 DAY
          )
          SELECT COUNT(*) AS mau FROM active`,
  },
  { source: AWSLABS, sql: 'SELECT id FROM customers' },
  // The forms issue 8 lists as false denies, in MySQL's spelling.
  { source: ISSUE_8, sql: "SELECT id FROM orders WHERE id < 5 AND NOT (status = 'paid')" },
  {
    source: ISSUE_8,
    sql: 'SELECT TIMESTAMPDIFF(DAY, order_date, NOW()) AS age_days FROM orders WHERE id = 1',
  },
  { source: ISSUE_8, sql: 'SELECT TIMESTAMPADD(MONTH, 1, order_date) FROM orders WHERE id = 1' },
  {
    source: ISSUE_8,
    sql: 'SELECT DATE_ADD(order_date, INTERVAL 7 DAY), DATE_SUB(order_date, INTERVAL 1 MONTH) FROM orders WHERE id = 1',
  },
  {
    source: ISSUE_8,
    sql: 'SELECT EXTRACT(YEAR FROM order_date) AS y, count(*) FROM orders GROUP BY y ORDER BY y',
  },
  { source: ISSUE_8, sql: 'SELECT id FROM orders JOIN order_items USING (id) WHERE id < 3' },
  { source: ISSUE_8, sql: 'SELECT ROW(1, 2) = ROW(1, 2)' },
  { source: ISSUE_8, sql: "SELECT id FROM orders WHERE ROW(id, status) = ROW(1, 'delivered')" },
  {
    source: ISSUE_8,
    sql: 'SELECT `wei``rd` FROM (SELECT id AS `wei``rd` FROM orders WHERE id = 1) AS x',
  },
  { source: ISSUE_8, sql: 'SELECT first_name, title FROM employees WHERE id = 7' },
  {
    source: ISSUE_8,
    sql: 'SELECT e.first_name, d.id FROM employees e JOIN orders d ON d.employee_id = e.id WHERE e.id = 7 AND d.id = (SELECT min(id) FROM orders WHERE employee_id = 7)',
  },
];
