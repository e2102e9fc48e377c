/**
 * Ordinary PostgreSQL that other database gateways publish as must-pass (their tests assert it
 * is accepted), adapted to the demo schema where it names tables: users → customers, orders →
 * orders, and columns to the demo's. Statements that read server information rather than data
 * (current_user, version(), catalog views, pg_stat_statements, EXPLAIN, SHOW) are left out:
 * Airlock refuses them by design, not by mistake. Each entry names its source.
 */
export interface MustPass {
  sql: string;
  source: string;
}

const CRYSTALDBA = 'crystaldba/postgres-mcp tests/unit/sql/test_safe_sql.py';
const DBHUB = 'bytebase/dbhub src/utils/__tests__/allowed-keywords.test.ts';
const AWSLABS = 'awslabs/mcp src/postgres-mcp-server/tests/test_mutable_sql_detector.py';
const ISSUE = 'Airlock issue 8, point 10 (false denies found by the attack round)';

const crystal = (sql: string): MustPass => ({ sql, source: CRYSTALDBA });
const dbhub = (sql: string): MustPass => ({ sql, source: DBHUB });
const aws = (sql: string): MustPass => ({ sql, source: AWSLABS });
const issue = (sql: string): MustPass => ({ sql, source: ISSUE });

export const MUST_PASS_POSTGRES: MustPass[] = [
  // crystaldba: plain selects, joins, subqueries, comments, whitespace
  crystal('SELECT * FROM customers WHERE id > 18'),
  crystal(
    "SELECT customers.first_name, orders.order_date FROM customers INNER JOIN orders ON customers.id = orders.customer_id WHERE orders.status = 'pending'",
  ),
  crystal('SELECT id, unit_price * quantity AS total FROM order_items'),
  crystal(
    'SELECT first_name FROM customers WHERE id IN (SELECT customer_id FROM orders WHERE total > 1000)',
  ),
  crystal(
    "-- Get customer information\nSELECT id, first_name, email\nFROM customers\nWHERE tier = 'gold'\n-- Only gold customers\n",
  ),
  crystal(
    "SELECT    id,\n          first_name,\n          email\nFROM      customers\nWHERE     tier = 'gold'\nORDER BY  first_name",
  ),
  crystal('SELECT * FROM customers'),
  crystal('SELECT * FROM orders'),
  crystal('SELECT id, first_name FROM customers UNION SELECT id, name FROM products'),
  ...['LIKE', 'ILIKE'].flatMap((op) =>
    ["'%smith'", "'john%'", "'jo%hn'", "'%jo%hn%'", "'%john%'"].map((p) =>
      crystal(`SELECT first_name FROM customers WHERE first_name ${op} ${p}`),
    ),
  ),
  // crystaldba: date and time functions
  crystal("SELECT age(timestamp '2001-04-10', timestamp '1957-06-13')"),
  crystal('SELECT clock_timestamp()'),
  crystal('SELECT current_date'),
  crystal('SELECT current_time'),
  crystal('SELECT current_timestamp'),
  crystal("SELECT date_part('year', timestamp '2001-02-16')"),
  crystal("SELECT date_trunc('hour', timestamp '2001-02-16 20:38:40')"),
  crystal("SELECT extract(year from timestamp '2001-02-16 20:38:40')"),
  crystal("SELECT isfinite(timestamp '2001-02-16')"),
  crystal("SELECT justify_days(interval '35 days')"),
  crystal("SELECT justify_hours(interval '27 hours')"),
  crystal("SELECT justify_interval(interval '1 year -1 hour')"),
  crystal('SELECT localtime'),
  crystal('SELECT localtimestamp'),
  crystal('SELECT make_date(2013, 7, 15)'),
  crystal('SELECT make_interval(years := 1)'),
  crystal('SELECT make_time(8, 15, 23.5)'),
  crystal('SELECT make_timestamp(2013, 7, 15, 8, 15, 23.5)'),
  crystal('SELECT make_timestamptz(2013, 7, 15, 8, 15, 23.5)'),
  crystal('SELECT now()'),
  crystal('SELECT statement_timestamp()'),
  crystal('SELECT timeofday()'),
  crystal("SELECT timezone('UTC', timestamp with time zone '2001-02-16 20:38:40-05')"),
  crystal("SELECT timestamp with time zone '2001-02-16 20:38:40-05' AT TIME ZONE 'America/Denver'"),
  crystal('SELECT transaction_timestamp()'),
  // crystaldba: type conversions and type-name literals
  crystal("SELECT CAST('100' AS integer)"),
  crystal("SELECT '100'::integer"),
  crystal("SELECT text '100'"),
  crystal("SELECT bool 'true'"),
  crystal("SELECT int2 '100'"),
  crystal("SELECT int4 '100'"),
  crystal("SELECT int8 '100'"),
  crystal("SELECT float4 '100.0'"),
  crystal("SELECT float8 '100.0'"),
  crystal("SELECT numeric '100.0'"),
  crystal("SELECT date '2001-10-05'"),
  crystal("SELECT time '04:05:06.789'"),
  crystal("SELECT timetz '04:05:06.789-08'"),
  crystal("SELECT timestamp '2001-10-05 04:05:06.789'"),
  crystal("SELECT timestamptz '2001-10-05 04:05:06.789-08'"),
  crystal("SELECT interval '1 year 2 months 3 days'"),
  crystal("SELECT regexp_replace('Hello World', 'World', 'PostgreSQL')"),
  // to_date / to_timestamp take a format in PostgreSQL; the published one-argument forms do not run.
  crystal(
    "SELECT to_char(current_timestamp, 'YYYY-MM-DD'), to_date('2023-01-01', 'YYYY-MM-DD'), to_timestamp('2023-01-01 12:00:00', 'YYYY-MM-DD HH24:MI:SS'), to_number('123.45', '999.99')",
  ),
  crystal('SELECT GREATEST(1, 2, 3), LEAST(1, 2, 3)'),
  crystal('SELECT ROW(1, 2, 3) = ROW(1, 2, 3)'),
  // DBHub: read-only statements it accepts
  dbhub('SELECT * FROM customers'),
  dbhub('WITH cte AS (SELECT 1) SELECT * FROM cte'),
  dbhub('-- this is a comment\nSELECT * FROM customers'),
  dbhub('/* INSERT */ SELECT * FROM customers'),
  dbhub('-- DELETE FROM customers\nSELECT * FROM customers'),
  dbhub('WITH cte AS (SELECT * FROM customers) SELECT * FROM cte'),
  dbhub("SELECT * FROM customers WHERE first_name = 'UPDATE me'"),
  dbhub('/* UPDATE customers SET x = 1 */ SELECT * FROM customers'),
  dbhub("SELECT REPLACE(first_name, 'a', 'b') FROM customers"),
  dbhub(
    "WITH cte AS (SELECT REPLACE(first_name, 'a', 'b') AS name FROM customers) SELECT * FROM cte",
  ),
  dbhub('WITH replace AS (SELECT 1) SELECT * FROM replace'),
  dbhub('select * from customers'),
  dbhub('SELECT count(*), avg(unit_price) FROM products'),
  dbhub('SELECT upper(first_name), length(first_name) FROM customers'),
  // awslabs: benign statements its detector must not flag
  aws('SELECT id, first_name FROM customers WHERE id = 1'),
  aws('SELECT * FROM categories WHERE id = 1'),
  aws('SELECT description FROM categories'),
  aws('SELECT name FROM products'),
  // Issue 8's PostgreSQL false denies, over granted columns
  issue("SELECT int4 '100', timestamptz '2024-01-01'"),
  issue('TABLE categories'),
  issue('SELECT make_interval(years := 1)'),
  issue('SELECT first_name AS "wei""rd" FROM customers WHERE id = 1'),
  issue('SELECT ROW(1, 2) = ROW(1, 2)'),
  issue('SELECT localtime, localtimestamp'),
  issue(
    "SELECT clock_timestamp(), statement_timestamp(), make_timestamptz(2024, 1, 1, 0, 0, 0), justify_interval(interval '40 days')",
  ),
  issue('SELECT id FROM orders WHERE employee_id IS DISTINCT FROM 1 LIMIT 5'),
  issue(
    'SELECT o.id, l.n FROM orders o CROSS JOIN LATERAL (SELECT count(*) AS n FROM order_items i WHERE i.order_id = o.id) l WHERE o.id <= 3',
  ),
  issue("SELECT id FROM orders WHERE id < 10 AND NOT (status = 'cancelled')"),
  issue('SELECT id FROM orders JOIN order_items USING (id) WHERE id <= 3'),
];
