/**
 * Schema linking as a pure function: recall on the generated 1,000-table schema (a quality
 * check, not a timing one), the token budget, the asker's view, join paths, inferred joins.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectorTable } from '../../src/main/connectors/types';
import { buildCatalog } from '../../src/main/nl/schema-catalog';
import { linkSchema, type Readable } from '../../src/main/nl/schema-linker';
import { renderSchema } from '../../src/main/nl/schema-render';
import { estimateTokens } from '../../src/main/nl/terms';
import type { SemanticLayer } from '../../src/shared/contract/nl';
import { generateQuestions, generateSchema } from '../bench/generated-schema';

const EMPTY: SemanticLayer = {
  version: 1,
  tables: [],
  relationships: [],
  metrics: [],
  examples: [],
};
const all = (tables: ConnectorTable[]): Readable =>
  new Map(tables.map((t) => [t.name.toLowerCase(), new Set(t.columns.map((c) => c.name))]));
const names = (r: ReturnType<typeof linkSchema>) => r.tables.map((t) => t.table.name);

describe('schema linking on a generated 1,000-table schema', () => {
  const { tables, layer } = generateSchema();
  const catalog = buildCatalog(tables, layer);
  const readable = all(tables);

  it('finds at least 95% of the gold tables within the budget', () => {
    const questions = generateQuestions(200, 11);
    let found = 0;
    let gold = 0;
    for (const q of questions) {
      const r = linkSchema(catalog, readable, q.question, { budgetTokens: 3000 });
      expect(r.tokens).toBeLessThanOrEqual(3000);
      const got = new Set(r.tables.map((t) => t.table.key));
      found += q.gold.filter((g) => got.has(g)).length;
      gold += q.gold.length;
    }
    expect(found / gold).toBeGreaterThanOrEqual(0.95);
  });

  it('keeps every budget, however small, and the rendered schema within it', () => {
    for (const budget of [60, 150, 400, 1000]) {
      const r = linkSchema(
        catalog,
        readable,
        'For emea, sum the quantity of order lines per customer country.',
        { budgetTokens: budget },
      );
      expect(r.tokens).toBeLessThanOrEqual(budget);
      expect(estimateTokens(renderSchema(r.tables))).toBeLessThanOrEqual(budget);
    }
  });

  it('adds the tables a join passes through (order lines → orders → customers)', () => {
    const r = linkSchema(
      catalog,
      readable,
      'For emea, sum the quantity of order lines per customer country.',
      { budgetTokens: 3000 },
    );
    expect(names(r)).toEqual(
      expect.arrayContaining(['emea_order_line', 'emea_order', 'emea_customer']),
    );
    expect(r.tables.find((t) => t.table.name === 'emea_order')!.why).toBe('join-path');
  });

  it('never ranks or shows a table or column the asker may not read', () => {
    const limited: Readable = new Map([...readable].filter(([t]) => !t.startsWith('emea_')));
    limited.set('emea_employee', new Set(['id', 'first_name']));
    const r = linkSchema(
      catalog,
      limited,
      'What is the average salary of emea employees, and the emea customers credit limit?',
      { budgetTokens: 3000 },
    );
    expect(names(r).filter((n) => n.startsWith('emea_'))).toEqual(['emea_employee']);
    expect(
      r.tables.find((t) => t.table.name === 'emea_employee')!.columns.map((c) => c.name),
    ).toEqual(['id', 'first_name']);
    const text = renderSchema(r.tables);
    expect(text).not.toMatch(/emea_customer|emea_department/);
    expect(/CREATE TABLE emea_employee \(([^)]*)\)/.exec(text)![1]).not.toMatch(
      /salary|department_id/,
    );
  });
});

describe('joins the database does not declare', () => {
  const tables: ConnectorTable[] = [
    {
      name: 'customer',
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'name', type: 'text' },
      ],
      primaryKey: ['id'],
    },
    {
      name: 'invoices',
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'customer_id', type: 'integer' },
        { name: 'amount', type: 'real' },
      ],
      primaryKey: ['id'],
    },
    {
      name: 'payments',
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'invoiceId', type: 'integer' },
        { name: 'paid', type: 'real' },
      ],
      primaryKey: ['id'],
    },
  ];

  it('infers `<name>_id` and `<name>Id` columns that name a table', () => {
    const c = buildCatalog(tables, EMPTY);
    expect(c.tables.get('invoices')!.joins).toEqual([
      { columns: ['customer_id'], table: 'customer', refColumns: ['id'], source: 'inferred' },
    ]);
    expect(c.tables.get('payments')!.joins[0]).toMatchObject({
      columns: ['invoiceId'],
      table: 'invoices',
    });
    const r = linkSchema(c, all(tables), 'total paid per customer name', { budgetTokens: 1000 });
    expect(renderSchema(r.tables)).toMatch(/invoiceId INTEGER REFERENCES invoices\(id\)/);
  });

  it('takes relationships from the semantic layer', () => {
    const layer = { ...EMPTY, relationships: [{ from: 'payments.paid', to: 'customer.id' }] };
    expect(buildCatalog(tables, layer).tables.get('payments')!.joins).toContainEqual({
      columns: ['paid'],
      table: 'customer',
      refColumns: ['id'],
      source: 'semantic',
    });
  });
});
