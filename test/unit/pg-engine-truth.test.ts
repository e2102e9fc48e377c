/**
 * PostgreSQL engine truth without a server: plan expressions scanned with quoted names and
 * strings read whole, printed names mapped back through the statement's alias column lists,
 * and the cases where that mapping is uncertain refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineTruthError } from '../../src/main/connectors/plan-check';
import {
  IDENTITY_NAMES,
  planTouches,
  printedNames,
} from '../../src/main/connectors/postgres/pg-engine-truth';
import { loadPgParser } from '../../src/main/guard/pg/pg-parser';
import { statementRelations } from '../../src/main/guard/pg/pg-relations';

const COLS: Record<string, string[]> = {
  'public.employees': ['id', 'first_name', 'salary', 'national_id'],
  'public.orders': ['id', 'employee_id', 'status'],
};
const columnsOf = (t: string) => COLS[t];
const scan = (relation: string, alias: string, more: Record<string, unknown> = {}) => ({
  'Node Type': 'Seq Scan',
  'Relation Name': relation,
  Schema: 'public',
  Alias: alias,
  ...more,
});
const names = (sql: string, hasView = false) =>
  printedNames(statementRelations(sql, 'public'), columnsOf, hasView);
const cols = (t: ReturnType<typeof planTouches>, table: string) =>
  [...(t.columns.get(table) ?? [])].sort();

beforeAll(loadPgParser);

describe('plan scanning', () => {
  it.each([
    [`"u'".salary`, "u'"],
    [`"a""b".salary`, 'a"b'],
    [`("u'".first_name = 'x''y') AND ("u'".salary > 0)`, "u'"],
    [`(e.first_name = 'it''s "e".id') AND (e.salary > 0)`, 'e'],
    [`(e.first_name = E'a\\\\b') OR (e.salary IS NULL)`, 'e'],
  ])('sees the column behind quotes: %s', (expr, alias) => {
    const t = planTouches({ ...scan('employees', alias), Filter: expr, Output: ['1'] }, columnsOf);
    expect(cols(t, 'public.employees')).toContain('salary');
  });

  it('does not read names inside strings or casts as columns', () => {
    const t = planTouches(
      scan('employees', 'e', {
        Filter: "(e.first_name = 'e.salary'::text)",
        Output: ['(e.id)::character varying(10)'],
      }),
      columnsOf,
    );
    expect(cols(t, 'public.employees')).toEqual(['first_name', 'id']);
  });

  it('ignores system columns', () => {
    const t = planTouches(
      scan('orders', 'orders', { Output: ['ctid', 'orders.ctid', 'orders.tableoid'] }),
      columnsOf,
    );
    expect(cols(t, 'public.orders')).toEqual([]);
  });
});

describe('printed names mapped back by position', () => {
  it('maps an alias-list name to the real column at that position', () => {
    const sql = 'SELECT first_name FROM employees AS e(a, b, c, first_name)';
    const t = planTouches(
      scan('employees', 'e', { Output: ['e.first_name'] }),
      columnsOf,
      names(sql),
    );
    expect(cols(t, 'public.employees')).toEqual(['national_id']);
  });

  it('maps unqualified names of a single-relation plan', () => {
    const sql = 'SELECT x FROM employees AS e(x, y, z)';
    const t = planTouches(
      scan('employees', 'e', { Output: ['x'], Filter: '(z > 0)' }),
      columnsOf,
      names(sql),
    );
    expect(cols(t, 'public.employees')).toEqual(['id', 'salary']);
  });

  it('keeps real names where the statement renames nothing', () => {
    expect(names('SELECT id FROM employees e')).toBe(IDENTITY_NAMES);
    expect(names('SELECT a FROM (SELECT id FROM employees) d(a)')).toBe(IDENTITY_NAMES);
  });

  it.each([
    [
      'one alias used twice',
      'SELECT e.a FROM employees e(a) WHERE EXISTS (SELECT 1 FROM employees e)',
    ],
    ['an alias the plan may have invented', 'SELECT e.a FROM employees e(a), orders e_1'],
    ['a view in the statement', 'SELECT e.a FROM employees e(a)', true],
  ])('refuses when attribution is uncertain: %s', (_name, sql, view = false) => {
    expect(() => names(sql, view)).toThrow(EngineTruthError);
  });

  it('refuses a scan under an alias the statement does not give', () => {
    const n = names('SELECT e.a FROM employees e(a)');
    expect(() =>
      planTouches(scan('employees', 'employees_1', { Output: ['1'] }), columnsOf, n),
    ).toThrow(EngineTruthError);
  });

  it('refuses a printed name that is two columns (or none) of the table', () => {
    const n = names('SELECT e.id FROM employees e(salary, id)');
    expect(() =>
      planTouches(scan('employees', 'e', { Output: ['e.salary'] }), columnsOf, n),
    ).toThrow(EngineTruthError);
    expect(() =>
      planTouches(scan('employees', 'e', { Output: ['e.salary_1'] }), columnsOf, n),
    ).toThrow(EngineTruthError);
  });
});
