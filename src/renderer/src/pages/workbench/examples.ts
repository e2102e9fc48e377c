/** Starter queries for the bundled demo database (shown when the editor's result is empty). */
export const DEMO_EXAMPLES: { label: string; sql: string; maxRows?: number }[] = [
  {
    label: 'Revenue by order status',
    sql: 'SELECT status, COUNT(*) AS orders, ROUND(SUM(total), 2) AS revenue\nFROM orders\nGROUP BY status\nORDER BY revenue DESC;',
  },
  {
    label: 'Customers per country',
    sql: 'SELECT country, COUNT(*) AS customers\nFROM customers\nGROUP BY country\nORDER BY customers DESC;',
  },
  {
    label: 'Orders per month',
    sql: 'SELECT substr(order_date, 1, 7) AS month, COUNT(*) AS orders, ROUND(SUM(total), 2) AS revenue\nFROM orders\nGROUP BY month\nORDER BY month;',
  },
  {
    label: '100,000 generated rows',
    maxRows: 100_000,
    sql: 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)\nSELECT i, i * i % 1000 AS bucket, i % 7 AS weekday\nFROM n;',
  },
];
