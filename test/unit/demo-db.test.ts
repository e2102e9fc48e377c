import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoDatabase } from '../../scripts/build-demo-db';

const COMMITTED_DB = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'resources',
  'demo.db',
);

const EXPECTED_TABLES = [
  'categories',
  'customers',
  'departments',
  'employees',
  'order_items',
  'orders',
  'products',
  'suppliers',
];

/** User tables only: ANALYZE adds sqlite_stat* tables that are not part of the demo content. */
function userTables(db: Database.Database): string[] {
  return db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .pluck()
    .all() as string[];
}

/** SHA-256 over every table's rows in id order, so equal hashes mean equal content, not equal bytes. */
function contentHash(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const hash = createHash('sha256');
    for (const table of userTables(db)) {
      const rows = db.prepare(`SELECT * FROM "${table}" ORDER BY id`).all();
      hash.update(`${table}\n${JSON.stringify(rows)}\n`);
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

describe('demo database', () => {
  let dir = '';
  let dbPath = '';
  let db: Database.Database;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-demo-db-'));
    dbPath = path.join(dir, 'demo.db');
    buildDemoDatabase(dbPath);
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
  });

  afterAll(() => {
    db?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is a compact, unencrypted SQLite file in rollback-journal mode', () => {
    const header = fs.readFileSync(dbPath).subarray(0, 16).toString('latin1');
    expect(header).toBe('SQLite format 3\0');
    expect(fs.statSync(dbPath).size).toBeLessThan(2 * 1024 * 1024);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
  });

  it('has exactly the designed tables and row counts', () => {
    expect(userTables(db)).toEqual(EXPECTED_TABLES);
    const count = (table: string): number =>
      db.prepare(`SELECT COUNT(*) FROM "${table}"`).pluck().get() as number;
    expect(count('categories')).toBe(12);
    expect(count('suppliers')).toBe(25);
    expect(count('products')).toBe(200);
    expect(count('customers')).toBe(1000);
    expect(count('orders')).toBe(3000);
    expect(count('departments')).toBe(8);
    expect(count('employees')).toBe(120);
    const items = count('order_items');
    expect(items).toBeGreaterThanOrEqual(7500);
    expect(items).toBeLessThanOrEqual(8500);
  });

  it('uses only plain rowid tables and indexes (no views, triggers or WITHOUT ROWID)', () => {
    const kinds = db
      .prepare("SELECT DISTINCT type FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
      .pluck()
      .all();
    expect(new Set(kinds)).toEqual(new Set(['table', 'index']));
    for (const table of EXPECTED_TABLES) {
      const sql = db
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
        .pluck()
        .get(table) as string;
      expect(sql).not.toMatch(/WITHOUT\s+ROWID|GENERATED|VIRTUAL/i);
      expect(sql).toMatch(/id\s+INTEGER PRIMARY KEY/);
    }
  });

  it('keeps every order total equal to the sum of its items, to the cent', () => {
    const mismatches = db
      .prepare(
        `SELECT o.id, o.total, s.items_total
           FROM orders o
           LEFT JOIN (SELECT order_id, SUM(quantity * unit_price * (1 - discount)) AS items_total
                        FROM order_items GROUP BY order_id) s ON s.order_id = o.id
          WHERE s.items_total IS NULL
             OR CAST(ROUND(o.total * 100) AS INTEGER) != CAST(ROUND(s.items_total * 100) AS INTEGER)`,
      )
      .all();
    expect(mismatches).toEqual([]);
  });

  it('satisfies every declared foreign key', () => {
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const declared = db
      .prepare(
        `SELECT COUNT(*) FROM sqlite_master m, pragma_foreign_key_list(m.name)
          WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`,
      )
      .pluck()
      .get() as number;
    expect(declared).toBe(8);
  });

  it('holds the sensitive employee columns in their documented shapes', () => {
    const bad = db
      .prepare(
        `SELECT id FROM employees
          WHERE national_id NOT GLOB '[0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][0-9][0-9]'
             OR typeof(salary) != 'integer' OR salary <= 0`,
      )
      .all();
    expect(bad).toEqual([]);
  });

  it('matches the committed resources/demo.db row for row', () => {
    expect(fs.existsSync(COMMITTED_DB)).toBe(true);
    expect(contentHash(dbPath)).toBe(contentHash(COMMITTED_DB));
  });
});
