/**
 * Layer 3 on its own: SQLite's EXPLAIN bytecode for the statement that will really run,
 * compared with what the parser reported. These tests feed it analyses that under-report — as
 * a fooled parser would — and show it refuses them, while honest analyses pass.
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
import { Analyzer, type Analysis } from '../../src/main/guard/analyzer';
import { judge } from '../../src/main/guard/judge';
import { parseStatement } from '../../src/main/guard/parse';
import { buildSchemaIndex, type SchemaIndex } from '../../src/main/guard/schema-index';

const DEMO = fileURLToPath(new URL('../../resources/demo.db', import.meta.url));

let db: Database.Database;
let schema: EngineSchema;
let index: SchemaIndex;

beforeAll(() => {
  db = new Database(DEMO, { readonly: true, fileMustExist: true });
  schema = loadEngineSchema(db);
  index = buildSchemaIndex(introspectSqlite(db));
});
afterAll(() => db.close());

const explain = (sql: string, params: unknown[] | Record<string, unknown> = []): ExplainRow[] => {
  const stmt = db.prepare(`EXPLAIN ${sql}`);
  return (Array.isArray(params) ? stmt.all(...params) : stmt.all(params)) as ExplainRow[];
};
/** What layers 1 and 2 report for a statement (they must accept it). */
// The judge step in this process (it is pure): layer 3 is checked against what layer 2 reports.
const analysisOf = (sql: string): Analysis => {
  const v = judge(sql, 'sqlite', index);
  if (!v.ok) throw new Error(v.error.message);
  return v.value.analysis;
};
/** Runs layer 3: the engine's view of `engineSql` against the parser's `analysis`. */
const check = (
  analysis: Analysis,
  engineSql: string,
  params?: unknown[] | Record<string, unknown>,
) => compareWithParser(engineTouches(explain(engineSql, params), schema), analysis, schema);

function refusal(fn: () => void): EngineTruthError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EngineTruthError) return e;
    throw e;
  }
  throw new Error('expected an EngineTruthError, but the check passed');
}

describe('engine truth catches a parser that was fooled', () => {
  it('refuses a column read the parser did not report (salary behind first_name)', () => {
    const e = refusal(() =>
      check(analysisOf('SELECT first_name FROM employees'), 'SELECT salary FROM employees'),
    );
    expect(e.message).toMatch(/read a column the parser did not report/);
    expect(e.detail).toBe('employees.salary');
  });

  it('refuses an index-seek oracle on a column the parser did not report', () => {
    // Answered from the UNIQUE index on national_id: no Column opcode, only a seek on the key.
    const e = refusal(() =>
      check(
        analysisOf('SELECT id FROM employees WHERE id = ?'),
        'SELECT id FROM employees WHERE national_id = ?',
        ['x'],
      ),
    );
    expect(e.detail).toBe('employees.national_id');
  });

  it('refuses a table the parser did not report', () => {
    const e = refusal(() =>
      check(analysisOf('SELECT count(*) FROM orders'), 'SELECT count(*) FROM departments'),
    );
    expect(e.message).toMatch(/read a table the parser did not report/);
    expect(e.detail).toBe('departments');
  });

  it('refuses SQLite internal tables (statistics describe every index)', () => {
    const e = refusal(() => check(analysisOf('SELECT 1'), 'SELECT * FROM sqlite_stat1'));
    expect(e.message).toMatch(/internal or unknown storage/);
  });

  it('refuses a function outside the allowlist', () => {
    const e = refusal(() =>
      check(
        analysisOf('SELECT length(name) FROM products'),
        'SELECT hex(randomblob(name)) FROM products',
      ),
    );
    expect(e.detail).toBe('randomblob');
  });

  it('refuses a write disguised as a read', () => {
    const e = refusal(() =>
      check(analysisOf('SELECT id FROM orders WHERE id = -1'), 'DELETE FROM orders WHERE id = -1'),
    );
    expect(e.message).toMatch(/read statement would write/);
  });

  it("catches a real parse differential: '#' is a comment to the parser, a parameter to SQLite", () => {
    // Layer 1 refuses '#' now; here layer 2 is run without it to show layer 3 stands alone.
    const sql = 'SELECT id, #a, salary\nid FROM employees';
    const fooled = new Analyzer(index, 'sqlite').analyze(parseStatement(sql, 'sqlite'));
    expect(fooled.tables).toEqual([{ table: 'employees', read: ['id'], write: [] }]);
    const e = refusal(() => check(fooled, sql, { a: 1 }));
    expect(e.detail).toBe('employees.salary');
  });

  it('counts a whole-record copy (RowData) as a read of every column', () => {
    const root = [...schema.roots].find(
      ([, r]) => r.table === 'employees' && r.indexColumns === null,
    )![0];
    const rows: ExplainRow[] = [
      { opcode: 'OpenRead', p1: 0, p2: root, p3: 0, p4: null },
      { opcode: 'RowData', p1: 0, p2: 1, p3: 0, p4: null },
    ];
    const touches = engineTouches(rows, schema);
    expect([...touches.reads.get('employees')!]).toContain('national_id');
    expect(() =>
      compareWithParser(touches, analysisOf('SELECT first_name FROM employees'), schema),
    ).toThrow(EngineTruthError);
  });

  it('does not map a cursor number reused for transient data to the table it once read', () => {
    const root = [...schema.roots].find(
      ([, r]) => r.table === 'employees' && r.indexColumns === null,
    )![0];
    const salaryCid = schema.columns.get('employees')!.indexOf('salary');
    const rows: ExplainRow[] = [
      { opcode: 'OpenRead', p1: 0, p2: root, p3: 0, p4: null },
      { opcode: 'Column', p1: 0, p2: 1, p3: 1, p4: null },
      { opcode: 'OpenEphemeral', p1: 0, p2: 10, p3: 0, p4: null },
      { opcode: 'Column', p1: 0, p2: salaryCid, p3: 2, p4: null },
    ];
    expect([...engineTouches(rows, schema).reads.get('employees')!]).toEqual(['first_name']);
  });
});

describe('engine truth passes analyses that match', () => {
  const honest: [string, string, unknown[]?][] = [
    ['a granted column', 'SELECT first_name FROM employees'],
    ['count(*) answered from an index', 'SELECT count(*) FROM employees'],
    ['index seek on a reported column', 'SELECT id FROM employees WHERE department_id = ?', [2]],
    [
      'join through indexes',
      'SELECT o.id, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.customer_id = ?',
      [5],
    ],
    [
      'EXISTS',
      'SELECT id FROM orders o WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.product_id = 3)',
    ],
    ['IN subquery', 'SELECT id FROM employees WHERE id IN (SELECT manager_id FROM employees)'],
    [
      'window function',
      'SELECT id, row_number() OVER (PARTITION BY department_id ORDER BY hire_date) FROM employees',
    ],
    [
      'named window',
      'SELECT id, count(*) OVER w FROM employees WINDOW w AS (PARTITION BY department_id)',
    ],
    [
      'recursive CTE',
      'WITH RECURSIVE chain(id, depth) AS (SELECT id, 0 FROM employees WHERE manager_id IS NULL UNION ALL SELECT e.id, c.depth + 1 FROM employees e JOIN chain c ON e.manager_id = c.id) SELECT count(*) FROM chain',
    ],
    [
      'aggregate with GROUP BY / HAVING',
      'SELECT status, count(*) FROM orders GROUP BY status HAVING count(*) > 1',
    ],
    [
      'json operator and function',
      "SELECT json_extract('{\"a\":1}', '$.a'), '{\"b\":2}' ->> '$.b'",
    ],
    ['a granted write', "UPDATE orders SET status = 'paid' WHERE id = ?", [1]],
    [
      'an insert checked against its foreign keys',
      'INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (?, ?, 1, 1)',
      [1, 2],
    ],
    ['a delete', 'DELETE FROM order_items WHERE id = ?', [1]],
  ];
  it.each(honest)('%s', (_name, sql, params) => {
    expect(() => check(analysisOf(sql), sql, params)).not.toThrow();
  });
});
