/**
 * SQLite engine truth on the written table (issue 8, class 2): a value of the written row used
 * by the statement — in SET, WHERE, RETURNING, an upsert clause or INSERT … SELECT from the
 * table itself — is a read the parser must have reported, found by following each Column
 * opcode's register through the bytecode. Copying a row back into its own slots, index keys
 * and foreign-key checks are not reads. Analyses that leave the column out must be refused.
 */
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EngineTruthError,
  compareWithParser,
  engineTouches,
  type EngineSchema,
  type ExplainRow,
} from '../../src/main/connectors/sqlite/engine-truth';
import { introspectSqlite, loadEngineSchema } from '../../src/main/connectors/sqlite/sqlite-schema';
import type { Analysis } from '../../src/main/guard/analyzer';
import { judge } from '../../src/main/guard/judge';
import { buildSchemaIndex, type SchemaIndex } from '../../src/main/guard/schema-index';

const DEMO = fileURLToPath(new URL('../../resources/demo.db', import.meta.url));

let db: Database.Database;
let schema: EngineSchema;
let index: SchemaIndex;

beforeAll(() => {
  db = new Database(DEMO, { readonly: true, fileMustExist: true });
  db.pragma('foreign_keys = ON'); // as the runner's writer has it: FK checks load old rows
  schema = loadEngineSchema(db);
  index = buildSchemaIndex(introspectSqlite(db));
});
afterAll(() => db.close());

const analysisOf = (sql: string): Analysis => {
  const v = judge(sql, 'sqlite', index);
  if (!v.ok) throw new Error(v.error.message);
  return v.value.analysis;
};
const check = (sql: string, analysis: Analysis) =>
  compareWithParser(
    engineTouches(db.prepare(`EXPLAIN ${sql}`).all() as ExplainRow[], schema),
    analysis,
    schema,
  );
const without = (a: Analysis, table: string, column: string): Analysis => ({
  ...a,
  tables: a.tables.map((t) =>
    t.table === table ? { ...t, read: t.read.filter((c) => c !== column) } : t,
  ),
});

const USES: [sql: string, table: string, column: string][] = [
  [
    'UPDATE employees SET title = (SELECT t.b FROM (SELECT 1 AS salary, salary AS b) t) WHERE id = 7 RETURNING title',
    'employees',
    'salary',
  ],
  ['UPDATE employees SET title = salary WHERE id = 7', 'employees', 'salary'],
  ['UPDATE employees SET title = title || national_id WHERE id = 7', 'employees', 'national_id'],
  ["UPDATE employees SET title = 'x' WHERE salary > 5", 'employees', 'salary'],
  ["UPDATE employees SET title = 'x' WHERE id = 7 RETURNING salary", 'employees', 'salary'],
  [
    "UPDATE employees SET title = CASE WHEN salary > 0 THEN 'a' END WHERE id = 7",
    'employees',
    'salary',
  ],
  [
    'UPDATE employees SET title = (SELECT max(national_id) FROM employees) WHERE id = 7',
    'employees',
    'national_id',
  ],
  [
    "UPDATE employees SET title = 'x' WHERE id IN (SELECT id FROM employees WHERE email LIKE 'a%')",
    'employees',
    'email',
  ],
  ['UPDATE orders SET status = total WHERE id = 1', 'orders', 'total'],
  ["UPDATE orders SET status = 'paid' WHERE id = 1 RETURNING ship_city", 'orders', 'ship_city'],
  [
    'UPDATE orders SET status = ship_country, ship_city = ship_city WHERE id = 1',
    'orders',
    'ship_country',
  ],
  ['DELETE FROM orders WHERE total > 100000', 'orders', 'total'],
  ['DELETE FROM orders WHERE id = 1 RETURNING total', 'orders', 'total'],
  [
    'INSERT INTO orders (customer_id, order_date, status, total, ship_city, ship_country) SELECT customer_id, order_date, status, total, ship_city, ship_country FROM orders WHERE id = 1',
    'orders',
    'total',
  ],
  [
    "INSERT INTO orders (id, customer_id, order_date, status, total, ship_city, ship_country) VALUES (1, 1, 'x', 'paid', 1, 'a', 'b') ON CONFLICT (id) DO UPDATE SET status = total",
    'orders',
    'total',
  ],
  [
    "INSERT INTO orders (id, customer_id, order_date, status, total, ship_city, ship_country) VALUES (1, 1, 'x', 'paid', 1, 'a', 'b') ON CONFLICT (id) DO UPDATE SET status = excluded.status WHERE ship_city = 'x'",
    'orders',
    'ship_city',
  ],
];

describe('engine truth: the written table is read like any other', () => {
  it.each(USES)('sees the use the parser left out: %s', (sql, table, column) => {
    const honest = analysisOf(sql);
    expect(honest.tables.find((t) => t.table === table)?.read).toContain(column);
    expect(() => check(sql, honest)).not.toThrow();
    const err = (() => {
      try {
        check(sql, without(honest, table, column));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(EngineTruthError);
    expect((err as EngineTruthError).detail).toBe(`${table}.${column}`);
  });

  // Rewriting a row loads every column, maintains its indexes and runs foreign-key checks:
  // none of that is a read, so statements that use only what they report pass.
  it.each([
    "UPDATE employees SET title = 'x' WHERE id = 7",
    'UPDATE employees SET manager_id = 3 WHERE id = 5',
    "UPDATE employees SET title = first_name || 'x' WHERE id = 7 RETURNING id, title",
    "UPDATE orders SET status = 'x' WHERE id = 1",
    'UPDATE orders SET employee_id = 3 WHERE id = 5',
    'DELETE FROM orders WHERE id = 5',
    'DELETE FROM order_items WHERE id = 5',
    "INSERT INTO orders (customer_id, order_date, status, total, ship_city, ship_country) VALUES (1, '2025-01-01', 'paid', 1, 'a', 'b')",
    "INSERT INTO orders (id, customer_id, order_date, status, total, ship_city, ship_country) VALUES (1, 1, 'x', 'paid', 1, 'a', 'b') ON CONFLICT (id) DO UPDATE SET status = excluded.status",
  ])('passes row maintenance it did not report: %s', (sql) => {
    const a = analysisOf(sql);
    expect(() => check(sql, a)).not.toThrow();
    const w = a.tables.find((t) => t.write.length > 0 || t.wholeRowWrite)!;
    // Only what the statement itself uses is reported, not the whole row.
    expect(w.read.length).toBeLessThan(schema.columns.get(w.table)!.length);
  });
});
