/**
 * The engine-truth readers for the server engines, on plans captured from PostgreSQL 15 and
 * MariaDB 10.11: what each plan says the statement touches, and the comparison with the
 * parser that refuses anything extra.
 */
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/main/guard/analyzer';
import { readJsonPlan, readRewrite } from '../../src/main/connectors/mysql/mysql-engine-truth';
import type { MysqlEngineSchema } from '../../src/main/connectors/mysql/mysql-schema';
import { EngineTruthError, checkPlan, type PlanSchema } from '../../src/main/connectors/plan-check';
import { parseArrayLiteral } from '../../src/main/connectors/postgres/pg-array';
import { planTouches } from '../../src/main/connectors/postgres/pg-engine-truth';

const COLS: Record<string, string[]> = {
  'public.orders': [
    'id',
    'customer_id',
    'employee_id',
    'order_date',
    'status',
    'total',
    'ship_city',
    'ship_country',
  ],
  'public.employees': [
    'id',
    'first_name',
    'last_name',
    'email',
    'department_id',
    'title',
    'hire_date',
    'manager_id',
    'salary',
    'national_id',
  ],
};
const pgSchema: PlanSchema = {
  viewBases: new Map([['public.staff', new Set(['public.employees'])]]),
  ancestors: new Map(),
  columnsOf: (t) => COLS[t],
};

const scan = (rel: string, alias: string, extra: Record<string, unknown> = {}) => ({
  'Node Type': 'Seq Scan',
  'Relation Name': rel,
  Schema: 'public',
  Alias: alias,
  Output: COLS[`public.${rel}`]!.map((c) => `${alias}.${c}`),
  ...extra,
});

/** SELECT o.id, e.first_name FROM orders o JOIN employees e ON e.id = o.employee_id WHERE e.salary > 100 ORDER BY e.national_id */
const JOIN_PLAN = {
  'Node Type': 'Sort',
  Output: ['o.id', 'e.first_name', 'e.national_id'],
  'Sort Key': ['e.national_id'],
  Plans: [
    {
      'Node Type': 'Hash Join',
      Output: ['o.id', 'e.first_name', 'e.national_id'],
      'Hash Cond': '(o.employee_id = e.id)',
      Plans: [
        scan('orders', 'o', { Filter: "(o.status ~~* 'p%'::text)" }),
        {
          'Node Type': 'Hash',
          Output: ['e.first_name', 'e.national_id', 'e.id'],
          Plans: [
            scan('employees', 'e', {
              Output: ['e.first_name', 'e.national_id', 'e.id'],
              Filter: '(e.salary > 100)',
            }),
          ],
        },
      ],
    },
  ],
};

const analysis = (
  tables: Record<string, string[]>,
  action: 'read' | 'write' = 'read',
  written: string[] = [],
): Analysis => ({
  kind: action === 'read' ? 'select' : 'update',
  action,
  tables: Object.entries(tables).map(([table, read]) => ({
    table,
    read,
    write: written.includes(table) ? ['status'] : [],
  })),
  functions: [],
});

const refuses = (f: () => void, detail: string) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineTruthError);
    expect((e as EngineTruthError).detail).toBe(detail);
    return;
  }
  throw new Error('accepted');
};

describe('PostgreSQL plans', () => {
  it('reads relations, columns of conditions and outputs, not the physical target list', () => {
    const t = planTouches(JOIN_PLAN, (x) => COLS[x]);
    expect([...t.tables].sort()).toEqual(['public.employees', 'public.orders']);
    expect([...t.columns.get('public.orders')!].sort()).toEqual(['employee_id', 'id', 'status']);
    expect([...t.columns.get('public.employees')!].sort()).toEqual([
      'first_name',
      'id',
      'national_id',
      'salary',
    ]);
  });

  it('accepts what the parser reported, refuses a column or a table it did not', () => {
    const ok = analysis({
      'public.orders': ['id', 'employee_id', 'status'],
      'public.employees': ['id', 'first_name', 'salary', 'national_id'],
    });
    const t = planTouches(JOIN_PLAN, (x) => COLS[x]);
    checkPlan(t, ok, pgSchema, () => true);
    refuses(
      () =>
        checkPlan(
          t,
          analysis({
            'public.orders': ['id', 'employee_id', 'status'],
            'public.employees': ['id', 'first_name', 'national_id'],
          }),
          pgSchema,
          () => true,
        ),
      'public.employees.salary',
    );
    refuses(
      () =>
        checkPlan(
          t,
          analysis({ 'public.orders': ['id', 'employee_id', 'status'] }),
          pgSchema,
          () => true,
        ),
      'public.employees',
    );
  });

  it('reads unqualified columns of a single-relation plan, and ignores string contents and casts', () => {
    const plan = scan('employees', 'employees', {
      Output: ['lower(first_name)', "'salary'::text", 'hire_date', 'EXTRACT(year FROM hire_date)'],
      Filter: "(national_id = 'x.salary'::text)",
    });
    const t = planTouches(plan, (x) => COLS[x]);
    expect([...t.columns.get('public.employees')!].sort()).toEqual([
      'first_name',
      'hire_date',
      'national_id',
    ]);
    expect([...t.functions]).toEqual(['lower']);
  });

  it('sees whole-row references, schema-qualified calls and quoted function names', () => {
    expect([
      ...planTouches({ ...scan('employees', 'e'), Output: ['row_to_json(e.*)'] }, (x) => COLS[x])
        .wholeRow,
    ]).toEqual(['public.employees']);
    expect(() =>
      planTouches(
        { ...scan('orders', 'o'), Output: ["pg_catalog.pg_read_file('x'::text)"] },
        (x) => COLS[x],
      ),
    ).toThrow(EngineTruthError);
    expect([
      ...planTouches(
        { ...scan('orders', 'o'), Output: ['"pg_sleep"(1)', 'COALESCE(o.id, 0)'] },
        (x) => COLS[x],
      ).functions,
    ]).toEqual(['pg_sleep']);
  });

  it('maps the base tables of a view it was asked about, and writes to what the parser writes', () => {
    const viaView = planTouches(
      scan('employees', 'employees', {
        Output: ['employees.first_name'],
        Filter: '(employees.id = 3)',
      }),
      (x) => COLS[x],
    );
    checkPlan(viaView, analysis({ 'public.staff': ['first_name', 'id'] }), pgSchema, () => true);
    const update = {
      'Node Type': 'ModifyTable',
      Operation: 'Update',
      'Relation Name': 'orders',
      Schema: 'public',
      Alias: 'orders',
      Plans: [
        {
          ...scan('orders', 'orders'),
          Output: ["'x'::text", 'ctid'],
          'Index Cond': '(orders.id = 1)',
        },
      ],
    };
    const t = planTouches(update, (x) => COLS[x]);
    expect([...t.written]).toEqual(['public.orders']);
    checkPlan(
      t,
      analysis({ 'public.orders': ['id'] }, 'write', ['public.orders']),
      pgSchema,
      () => true,
    );
    refuses(
      () => checkPlan(t, analysis({ 'public.orders': ['id'] }), pgSchema, () => true),
      'public.orders',
    );
  });

  it('refuses node types it does not vet', () => {
    expect(() =>
      planTouches(
        { 'Node Type': 'Sample Scan', 'Relation Name': 'orders', Schema: 'public', Alias: 'o' },
        (x) => COLS[x],
      ),
    ).toThrow(/TABLESAMPLE/);
  });

  it('parses array literals', () => {
    expect(parseArrayLiteral('{1,NULL,3}', Number)).toEqual([1, null, 3]);
    expect(parseArrayLiteral('{{a,"b c"},{"d\\"e",NULL}}', (x) => x)).toEqual([
      ['a', 'b c'],
      ['d"e', null],
    ]);
    expect(parseArrayLiteral('[0:1]={x,y}', (x) => x)).toEqual(['x', 'y']);
    expect(parseArrayLiteral('{}', (x) => x)).toEqual([]);
  });
});

describe('MariaDB plans', () => {
  const schema: MysqlEngineSchema = {
    database: 'shop',
    databases: new Set(['shop', 'mysql', 'information_schema', 'Shop2']),
    viewBases: new Map(),
    ancestors: new Map(),
    columnsOf: () => undefined,
    triggerTables: new Set(),
  };
  const NOTE =
    "select `shop`.`o`.`id` AS `id`,`shop`.`e`.`first_name` AS `first_name` from `shop`.`orders` `o` join `shop`.`employees` `e` where `shop`.`o`.`employee_id` = `shop`.`e`.`id` and `shop`.`e`.`salary` > 3 and `shop`.`o`.`status` = 'it\\'s `shop`.`e`.`national_id`' order by `shop`.`e`.`national_id`";
  const JSON_PLAN = {
    query_block: {
      nested_loop: [
        { table: { table_name: 'e', access_type: 'ALL' } },
        { table: { table_name: 'o', access_type: 'ref', used_key_parts: ['employee_id'] } },
      ],
    },
  };

  it('maps aliases to tables and reads every qualified column, not string contents', () => {
    const rw = readRewrite(NOTE, schema);
    readJsonPlan(JSON_PLAN, rw);
    expect([...rw.touches.tables].sort()).toEqual(['employees', 'orders']);
    expect([...rw.touches.columns.get('orders')!].sort()).toEqual(['employee_id', 'id', 'status']);
    expect([...rw.touches.columns.get('employees')!].sort()).toEqual([
      'first_name',
      'id',
      'national_id',
      'salary',
    ]);
  });

  it('names tables of another database, exactly (case-sensitive), and refuses stored functions', () => {
    const other = readRewrite('select `mysql`.`user`.`User` AS `User` from `mysql`.`user`', schema);
    expect([...other.touches.tables]).toEqual(['mysql.user']);
    const cased = readRewrite('select 1 AS `1` from `Shop2`.`orders`', schema);
    expect([...cased.touches.tables]).toEqual(['Shop2.orders']);
    expect(() => readRewrite('select `shop`.`leak`(1) AS `x`', schema)).toThrow(/stored function/);
  });

  it('tells functions from syntax, optimizer markers, casts and CTE column lists', () => {
    const rw = readRewrite(
      'with recursive chain(`id`) as (select `shop`.`o`.`id` AS `id` from `shop`.`orders` `o`) select cast(`chain`.`id` as decimal(10,1)) AS `x`,<in_optimizer>(1,<exists>(select 1)) AS `y`,sleep(1) AS `z` from `chain` where `chain`.`id` in (1,2)',
      schema,
    );
    expect([...rw.touches.functions]).toEqual(['sleep']);
  });

  it('refuses a plan step it cannot map to a table of the rewrite', () => {
    const rw = readRewrite('select 1 AS `1` from `shop`.`orders`', schema);
    expect(() =>
      readJsonPlan({ query_block: { table: { table_name: 'employees', access_type: 'ALL' } } }, rw),
    ).toThrow(/cannot map/);
  });
});
