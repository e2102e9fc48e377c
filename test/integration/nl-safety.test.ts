/**
 * What the model may see and what it may make Airlock do. Every request the Ollama test double
 * receives is searched for tables, columns, descriptions, metrics and examples the asker may not
 * read; the schema text must fit its budget; and a model that answers with a write, DDL or a
 * forbidden read is refused without running anything — checked in the database and the audit.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { analystAsker } from '../../src/main/nl/access';
import { estimateTokens } from '../../src/main/nl/terms';
import { sqlAnswer } from '../doubles/ollama-double';
import { startNlTestbed, userMessage, type NlTestbed } from '../helpers/nl';

let bed: NlTestbed;
let reader: string;
let writer: string;

const LAYER = {
  tables: [
    {
      name: 'employees',
      description: 'people who work for the company',
      columns: [
        { name: 'salary', description: 'annual gross pay in EUR' },
        { name: 'title', synonyms: ['job', 'role'] },
      ],
    },
    { name: 'products', description: 'items we sell', synonyms: ['merchandise'] },
    {
      name: 'orders',
      description: 'customer orders',
      synonyms: ['purchases'],
      columns: [
        {
          name: 'status',
          values: ['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'returned'],
        },
      ],
    },
  ],
  relationships: [{ from: 'order_items.product_id', to: 'products.id' }],
  metrics: [
    { name: 'payroll', sql: 'SUM(salary)', from: 'employees' },
    {
      name: 'revenue',
      sql: 'SUM(total)',
      from: 'orders',
      filter: "status NOT IN ('cancelled', 'returned')",
      description: 'money actually earned',
    },
  ],
  examples: [
    {
      question: 'What is the total payroll by department?',
      sql: 'SELECT department_id, SUM(salary) FROM employees GROUP BY department_id',
    },
    {
      question: 'How many orders per customer country?',
      sql: 'SELECT c.country, count(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.country',
    },
  ],
};

const HIDDEN = [
  'salary',
  'national_id',
  'hire_date',
  'manager_id',
  'department_id',
  'last_name',
  'phone',
  'products',
  'suppliers',
  'categories',
  'order_items',
  'departments',
  'payroll',
  'annual gross',
  'items we sell',
  'merchandise',
];

const countOrders = (b: NlTestbed) => {
  const db = new Database(join(b.t.dataDir, 'demo.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM orders').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  bed = await startNlTestbed();
  expect((await bed.t.admin('PUT', '/v1/admin/connections/demo/semantic', LAYER)).statusCode).toBe(
    200,
  );
  ({ apiKey: reader } = await bed.t.createAgent('reader', [
    { connection: 'demo', table: 'orders', actions: ['read'] },
    {
      connection: 'demo',
      table: 'customers',
      actions: ['read'],
      columns: ['id', 'first_name', 'city', 'country', 'tier'],
    },
    {
      connection: 'demo',
      table: 'employees',
      actions: ['read'],
      columns: ['id', 'first_name', 'title'],
    },
  ]));
  ({ apiKey: writer } = await bed.t.createAgent('writer', [
    { connection: 'demo', table: 'orders', actions: ['read', 'write'] },
  ]));
});
afterAll(() => bed.close());
beforeEach(() => bed.ollama.reset());

describe('only what the asker may read reaches the model', () => {
  it('no hidden table, column, description, metric or example appears in any request', async () => {
    bed.ollama.otherwise(sqlAnswer('SELECT count(*) AS n FROM orders'));
    for (const question of [
      'How many orders per country?',
      'Which job titles do employees have?',
      'What is the revenue of shipped orders by customer tier?',
      'List customers in Berlin',
    ]) {
      const r = await bed.ask(reader, { connection: 'demo', question });
      expect(r.statusCode, r.body).toBe(200);
    }
    const sent = bed.ollama.allText().toLowerCase();
    for (const word of HIDDEN) expect(sent, `'${word}' reached the model`).not.toContain(word);
    // What the reader may see does reach it: descriptions, metrics, examples, value hints.
    expect(sent).toContain('customer orders');
    expect(sent).toContain('revenue: select sum(total) from orders');
    expect(sent).toContain('how many orders per customer country?');
    expect(sent).toContain("'gold'");
    expect(sent).toContain("'delivered'");
  });

  it('agents read the semantic layer cut to their grants', async () => {
    const r = await bed.t.request({
      method: 'GET',
      url: '/v1/connections/demo/semantic',
      token: reader,
    });
    expect(r.statusCode).toBe(200);
    const { layer, auditId } = r.json();
    expect(auditId).toEqual(expect.any(Number));
    expect(layer.tables.map((t: { name: string }) => t.name)).toEqual(['employees', 'orders']);
    expect(layer.tables[0].columns).toEqual([{ name: 'title', synonyms: ['job', 'role'] }]);
    expect(layer.relationships).toEqual([]);
    expect(layer.metrics.map((m: { name: string }) => m.name)).toEqual(['revenue']);
    expect(layer.examples).toHaveLength(1);
    expect(JSON.stringify(layer)).not.toMatch(/salary|payroll|products/);
    const none = await bed.t.request({
      method: 'GET',
      url: '/v1/connections/other/semantic',
      token: reader,
    });
    expect(none.statusCode).toBe(403);
  });
});

describe('the schema text stays within its token budget', () => {
  it('on a budget too small for the whole schema, links what fits and stays under it', async () => {
    const small = await startNlTestbed({ options: { schemaBudgetTokens: 350 } });
    try {
      small.ollama.otherwise(sqlAnswer('SELECT count(*) FROM order_items'));
      await small.t.core.nl.asks.ask(analystAsker('demo'), {
        connection: 'demo',
        question: 'Total quantity of order items per product category name',
      });
      const msg = userMessage(small.ollama.chats[0]!);
      const schema =
        /^Schema \(SQLite\):\n([\s\S]*?)\n\n(?:Named metrics|Verified examples|Question:)/.exec(
          msg,
        )![1]!;
      expect(estimateTokens(schema)).toBeLessThanOrEqual(350);
      expect(schema).toMatch(/CREATE TABLE order_items/);
      expect(schema).toMatch(/CREATE TABLE categories/);
      expect(schema).not.toMatch(/CREATE TABLE employees/);
    } finally {
      await small.close();
    }
  });
});

describe('a model that proposes a write, DDL or a forbidden read', () => {
  for (const sql of [
    'DELETE FROM orders',
    "UPDATE orders SET status = 'paid'",
    "INSERT INTO orders (customer_id, order_date, status, total, ship_city, ship_country) VALUES (1, '2025-01-01', 'paid', 1, 'x', 'y')",
    'DROP TABLE orders',
  ]) {
    it(`refuses ${sql.split(' ')[0]} without running it, even for an agent with write grants`, async () => {
      const before = bed.lastAuditId();
      bed.ollama.reply(sqlAnswer(sql));
      const r = await bed.ask(writer, {
        connection: 'demo',
        question: 'Clean up the orders table',
      });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe('STATEMENT_NOT_ALLOWED');
      expect(r.json().error.message).toMatch(/reads only.*refused and not run/);
      expect(countOrders(bed)).toBe(3000);
      const entries = bed.auditSince(before);
      expect(entries.filter((e) => e.action.startsWith('query.write'))).toEqual([]);
      expect(entries.find((e) => e.action === 'ask')).toMatchObject({
        status: 'denied',
        decision: 'deny',
        rule: 'nl:read-only',
        statement: sql,
        actor: 'agent:writer',
      });
    });
  }

  it('does not repair a destructive answer: one model call, then the refusal', async () => {
    const calls = bed.ollama.chats.length;
    bed.ollama.reply(sqlAnswer('DELETE FROM orders'), sqlAnswer('SELECT 1'));
    await bed.ask(writer, { connection: 'demo', question: 'Remove old orders' });
    expect(bed.ollama.chats.length - calls).toBe(1);
  });

  it('two statements in one answer are refused by the guard; the repair runs only the read', async () => {
    bed.ollama.reply(
      sqlAnswer('SELECT count(*) FROM orders; DELETE FROM orders'),
      sqlAnswer('SELECT count(*) AS n FROM orders'),
    );
    const r = await bed.ask(writer, { connection: 'demo', question: 'How many orders?' });
    expect(r.statusCode).toBe(200);
    expect(r.json().history[0].error.code).toBe('INVALID_SQL');
    expect(countOrders(bed)).toBe(3000);
  });

  it('a read of a column the asker may not read is denied by the policy, not run, and not retried', async () => {
    const before = bed.lastAuditId();
    const calls = bed.ollama.chats.length;
    bed.ollama.reply(sqlAnswer('SELECT first_name, salary FROM employees'), sqlAnswer('SELECT 1'));
    const r = await bed.ask(reader, { connection: 'demo', question: 'Who earns the most?' });
    expect(r.statusCode).toBe(403);
    expect(r.json().error).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(r.json().error.message).toMatch(/salary/);
    expect(bed.ollama.chats.length - calls).toBe(1);
    const entries = bed.auditSince(before);
    expect(entries.find((e) => e.action === 'query.read' || e.action === 'query')).toMatchObject({
      status: 'denied',
      statement: 'SELECT first_name, salary FROM employees',
      rowCount: null,
    });
    expect(entries.find((e) => e.action === 'ask')).toMatchObject({
      id: r.json().auditId,
      status: 'denied',
      decision: 'deny',
    });
  });
});
