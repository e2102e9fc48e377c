/**
 * The policy engine is pure: every case is (request, grants) → decision, checked as a table.
 * Every decision must carry a rule and a reason that names what it is about.
 */
import { describe, expect, it } from 'vitest';
import {
  decide,
  permittedColumns,
  type AccessRequest,
  type TableAccess,
} from '../../src/main/policy/policy';
import type { Effect, Grant } from '../../src/shared/domain';

const read = (table: string, ...cols: string[]): TableAccess => ({ table, read: cols, write: [] });
const write = (table: string, ...cols: string[]): TableAccess => ({ table, read: [], write: cols });
const req = (tables: TableAccess[], over: Partial<AccessRequest> = {}): AccessRequest => ({
  agent: 'bot',
  connection: 'demo',
  tables,
  ...over,
});

const allow = (
  table: string,
  actions: Grant['actions'] = ['read'],
  columns?: string[],
  connection = 'demo',
): Grant => ({
  connection,
  table,
  actions,
  ...(columns ? { columns } : {}),
});
/** A grant whose writes run at once (`"approval": "none"`): the allow logic alone. */
const atOnce = (g: Grant): Grant => ({ ...g, approval: 'none' });
const deny = (
  table: string,
  actions: Grant['actions'] = ['read'],
  columns?: string[],
  connection = 'demo',
): Grant => ({
  ...allow(table, actions, columns, connection),
  effect: 'deny',
});

interface Case {
  name: string;
  request: AccessRequest;
  grants: Grant[];
  effect: Effect;
  /** Exact rule, or a pattern it must match. */
  rule: string | RegExp;
  /** Strings the reason must contain (the table or table.column it is about). */
  mentions: string[];
}

const cases: Case[] = [
  // ── default deny ────────────────────────────────────────────────────────
  {
    name: 'no grants at all',
    request: req([read('orders', 'id')]),
    grants: [],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['orders'],
  },
  {
    name: 'grant on another table',
    request: req([read('orders', 'id')]),
    grants: [allow('customers')],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['orders'],
  },
  {
    name: 'grant on another connection',
    request: req([read('orders', 'id')]),
    grants: [allow('orders', ['read'], undefined, 'other')],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['orders'],
  },
  {
    name: 'read grant does not allow write',
    request: req([write('orders', 'status')]),
    grants: [allow('orders', ['read'])],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['orders', 'write'],
  },
  {
    name: 'write grant does not allow read',
    request: req([read('orders', 'status')]),
    grants: [allow('orders', ['write'])],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['orders', 'read'],
  },

  // ── allow by table grant ────────────────────────────────────────────────
  {
    name: 'table grant covers every column',
    request: req([read('orders', 'id', 'total', 'status')]),
    grants: [allow('orders')],
    effect: 'allow',
    rule: 'grant:demo.orders:read',
    mentions: ['orders'],
  },
  {
    name: 'read+write grant allows an update',
    request: req([{ table: 'orders', read: ['id'], write: ['status'] }]),
    grants: [atOnce(allow('orders', ['read', 'write']))],
    effect: 'allow',
    rule: /grant:demo\.orders:read.*grant:demo\.orders:write|grant:demo\.orders:write.*grant:demo\.orders:read/,
    mentions: ['orders'],
  },

  // ── column grants ───────────────────────────────────────────────────────
  {
    name: 'column grant covers every column read',
    request: req([read('employees', 'id', 'first_name')]),
    grants: [allow('employees', ['read'], ['id', 'first_name', 'last_name'])],
    effect: 'allow',
    rule: 'grant:demo.employees(id,first_name,last_name):read',
    mentions: ['employees'],
  },
  {
    name: 'column grant does not cover salary',
    request: req([read('employees', 'id', 'salary')]),
    grants: [allow('employees', ['read'], ['id', 'first_name'])],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['employees.salary'],
  },
  {
    name: 'two column grants together cover the request',
    request: req([read('employees', 'id', 'title')]),
    grants: [allow('employees', ['read'], ['id']), allow('employees', ['read'], ['title'])],
    effect: 'allow',
    rule: /grant:demo\.employees\(id\):read/,
    mentions: ['employees'],
  },
  {
    name: 'column write grant covers the written column',
    request: req([write('orders', 'status')]),
    grants: [atOnce(allow('orders', ['write'], ['status']))],
    effect: 'allow',
    rule: 'grant:demo.orders(status):write',
    mentions: ['orders'],
  },
  {
    name: 'column write grant does not cover another column',
    request: req([write('orders', 'total')]),
    grants: [allow('orders', ['write'], ['status'])],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['orders.total'],
  },

  // ── deny overrides allow ────────────────────────────────────────────────
  {
    name: 'table-level deny beats a table allow',
    request: req([read('orders', 'id')]),
    grants: [allow('orders'), deny('orders')],
    effect: 'deny',
    rule: 'deny:demo.orders:read',
    mentions: ['orders'],
  },
  {
    name: 'table-level deny listed before the allow still wins',
    request: req([read('orders', 'id')]),
    grants: [deny('orders'), allow('orders')],
    effect: 'deny',
    rule: 'deny:demo.orders:read',
    mentions: ['orders'],
  },
  {
    name: 'column deny beats a table allow for that column',
    request: req([read('employees', 'id', 'salary')]),
    grants: [allow('employees'), deny('employees', ['read'], ['salary'])],
    effect: 'deny',
    rule: 'deny:demo.employees(salary):read',
    mentions: ['employees.salary'],
  },
  {
    name: 'column deny leaves other columns allowed',
    request: req([read('employees', 'id', 'title')]),
    grants: [allow('employees'), deny('employees', ['read'], ['salary'])],
    effect: 'allow',
    rule: 'grant:demo.employees:read',
    mentions: ['employees'],
  },
  {
    name: 'deny on read does not block write',
    request: req([write('orders', 'status')]),
    grants: [atOnce(allow('orders', ['read', 'write'])), deny('orders', ['read'])],
    effect: 'allow',
    rule: 'grant:demo.orders:write',
    mentions: ['orders'],
  },
  {
    name: 'wildcard deny beats a specific allow',
    request: req([read('orders', 'id')]),
    grants: [allow('orders'), deny('*')],
    effect: 'deny',
    rule: 'deny:demo.*:read',
    mentions: ['orders'],
  },

  // ── * wildcard ──────────────────────────────────────────────────────────
  {
    name: '* allows every table',
    request: req([read('orders', 'id'), read('customers', 'email')]),
    grants: [allow('*')],
    effect: 'allow',
    rule: 'grant:demo.*:read',
    mentions: ['orders', 'customers'],
  },
  {
    name: '* with a table deny',
    request: req([read('orders', 'id'), read('employees', 'salary')]),
    grants: [allow('*'), deny('employees')],
    effect: 'deny',
    rule: 'deny:demo.employees:read',
    mentions: ['employees'],
  },
  {
    name: '* on another connection does not apply',
    request: req([read('orders', 'id')]),
    grants: [allow('*', ['read'], undefined, 'other')],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['orders'],
  },

  // ── case-insensitive names ──────────────────────────────────────────────
  {
    name: 'table name case folds',
    request: req([read('ORDERS', 'ID')]),
    grants: [allow('Orders', ['read'], ['id'])],
    effect: 'allow',
    rule: /^grant:demo\.Orders\(id\):read$/,
    mentions: ['ORDERS'],
  },
  {
    name: 'connection name case folds',
    request: req([read('orders', 'id')], { connection: 'DEMO' }),
    grants: [allow('orders')],
    effect: 'allow',
    rule: 'grant:demo.orders:read',
    mentions: ['orders'],
  },
  {
    name: 'column deny case folds',
    request: req([read('employees', 'SALARY')]),
    grants: [allow('employees'), deny('employees', ['read'], ['Salary'])],
    effect: 'deny',
    rule: 'deny:demo.employees(Salary):read',
    mentions: ['employees.SALARY'],
  },

  // ── schema-qualified names with defaultSchema ───────────────────────────
  {
    name: 'unqualified grant matches the default schema',
    request: req([read('public.users', 'id')], { defaultSchema: 'public' }),
    grants: [allow('users')],
    effect: 'allow',
    rule: 'grant:demo.users:read',
    mentions: ['public.users'],
  },
  {
    name: 'qualified grant matches the qualified table',
    request: req([read('public.users', 'id')], { defaultSchema: 'public' }),
    grants: [allow('public.users')],
    effect: 'allow',
    rule: 'grant:demo.public.users:read',
    mentions: ['public.users'],
  },
  {
    name: 'qualified grant matches an unqualified table in the default schema',
    request: req([read('users', 'id')], { defaultSchema: 'public' }),
    grants: [allow('PUBLIC.Users')],
    effect: 'allow',
    rule: 'grant:demo.PUBLIC.Users:read',
    mentions: ['users'],
  },
  {
    name: 'unqualified grant does not match another schema',
    request: req([read('hr.users', 'id')], { defaultSchema: 'public' }),
    grants: [allow('users')],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['hr.users'],
  },
  {
    name: 'grant in another schema does not match',
    request: req([read('public.users', 'id')], { defaultSchema: 'public' }),
    grants: [allow('hr.users')],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['public.users'],
  },
  {
    name: 'without a default schema an unqualified grant does not match a qualified table',
    request: req([read('public.users', 'id')]),
    grants: [allow('users')],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['public.users'],
  },
  {
    name: 'unqualified deny applies to the default schema',
    request: req([read('public.users', 'id')], { defaultSchema: 'public' }),
    grants: [allow('*'), deny('users', ['read'], ['id'])],
    effect: 'deny',
    rule: 'deny:demo.users(id):read',
    mentions: ['public.users.id'],
  },

  // ── whole-row writes (DELETE, REPLACE) ──────────────────────────────────
  {
    name: 'delete with a table write grant',
    request: req([{ table: 'orders', read: ['id'], write: [], wholeRowWrite: true }]),
    grants: [atOnce(allow('orders', ['read', 'write']))],
    effect: 'allow',
    rule: /grant:demo\.orders:write/,
    mentions: ['orders'],
  },
  {
    name: 'delete with only a column write grant',
    request: req([{ table: 'orders', read: [], write: [], wholeRowWrite: true }]),
    grants: [allow('orders', ['write'], ['status'])],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['orders', 'whole table'],
  },
  {
    name: 'delete with column write grant plus another unrestricted one',
    request: req([{ table: 'orders', read: [], write: [], wholeRowWrite: true }]),
    grants: [atOnce(allow('orders', ['write'], ['status'])), atOnce(allow('orders', ['write']))],
    effect: 'allow',
    rule: 'grant:demo.orders:write',
    mentions: ['orders'],
  },
  {
    name: 'delete with only a read grant',
    request: req([{ table: 'orders', read: [], write: [], wholeRowWrite: true }]),
    grants: [allow('orders', ['read'])],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['orders'],
  },
  {
    name: 'delete when one column is denied for write',
    request: req([{ table: 'orders', read: [], write: [], wholeRowWrite: true }]),
    grants: [allow('orders', ['write']), deny('orders', ['write'], ['total'])],
    effect: 'deny',
    rule: 'deny:demo.orders(total):write',
    mentions: ['orders'],
  },

  // ── table access with no columns (SELECT count(*) FROM t) ────────────────
  {
    name: 'count(*) with a table grant',
    request: req([read('orders')]),
    grants: [allow('orders')],
    effect: 'allow',
    rule: 'grant:demo.orders:read',
    mentions: ['orders'],
  },
  {
    name: 'count(*) with a column grant (rows are visible through it)',
    request: req([read('orders')]),
    grants: [allow('orders', ['read'], ['id'])],
    effect: 'allow',
    rule: 'grant:demo.orders(id):read',
    mentions: ['orders'],
  },
  {
    name: 'count(*) with no grant',
    request: req([read('orders')]),
    grants: [allow('customers')],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['orders'],
  },
  {
    name: 'count(*) on a table-denied table',
    request: req([read('orders')]),
    grants: [allow('orders'), deny('orders')],
    effect: 'deny',
    rule: 'deny:demo.orders:read',
    mentions: ['orders'],
  },
  {
    name: 'count(*) with a column deny only',
    request: req([read('orders')]),
    grants: [allow('orders'), deny('orders', ['read'], ['total'])],
    effect: 'allow',
    rule: 'grant:demo.orders:read',
    mentions: ['orders'],
  },

  // ── several tables, one of them denied ──────────────────────────────────
  {
    name: 'join where the second table has no grant',
    request: req([read('orders', 'id', 'customer_id'), read('customers', 'id', 'email')]),
    grants: [allow('orders')],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['customers'],
  },
  {
    name: 'join where the second table is denied',
    request: req([read('orders', 'id'), read('employees', 'id')]),
    grants: [allow('orders'), allow('employees'), deny('employees')],
    effect: 'deny',
    rule: 'deny:demo.employees:read',
    mentions: ['employees'],
  },
  {
    name: 'join where a column of the first table is not covered',
    request: req([read('orders', 'id', 'total'), read('customers', 'id')]),
    grants: [allow('orders', ['read'], ['id']), allow('customers')],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['orders.total'],
  },
  {
    name: 'join with both tables granted',
    request: req([read('orders', 'id'), read('customers', 'id')]),
    grants: [allow('orders'), allow('customers')],
    effect: 'allow',
    rule: /grant:demo\.orders:read.*grant:demo\.customers:read/,
    mentions: ['orders', 'customers'],
  },
  {
    name: 'insert from a select: write one, read another',
    request: req([write('orders', 'status'), read('customers', 'id')]),
    grants: [atOnce(allow('orders', ['write'])), allow('customers')],
    effect: 'allow',
    rule: /grant:demo\.orders:write.*grant:demo\.customers:read/,
    mentions: ['orders', 'customers'],
  },

  // ── approvals: a write waits for a person unless its grants say "approval": "none" ─────
  {
    name: 'a write under a grant without approval setting needs approval',
    request: req([write('orders', 'status')]),
    grants: [allow('orders', ['read', 'write'])],
    effect: 'needs_approval',
    rule: 'approval:grant:demo.orders:write',
    mentions: ['orders', 'approval'],
  },
  {
    name: 'approval "required" holds a delete',
    request: req([{ table: 'orders', read: ['id'], write: [], wholeRowWrite: true }]),
    grants: [{ ...allow('orders', ['read', 'write']), approval: 'required' }],
    effect: 'needs_approval',
    rule: 'approval:grant:demo.orders:write',
    mentions: ['orders'],
  },
  {
    name: 'one write grant of two still requiring approval holds the write',
    request: req([write('orders', 'status')]),
    grants: [atOnce(allow('orders', ['write'], ['status'])), allow('orders', ['write'])],
    effect: 'needs_approval',
    rule: 'approval:grant:demo.orders:write',
    mentions: ['orders'],
  },
  {
    name: 'every written table is checked: the second one holds the write',
    request: req([write('orders', 'status'), write('customers', 'email')]),
    grants: [atOnce(allow('orders', ['write'])), allow('customers', ['write'])],
    effect: 'needs_approval',
    rule: 'approval:grant:demo.customers:write',
    mentions: ['customers'],
  },
  {
    name: 'reads never need approval, whatever the write grant says',
    request: req([read('orders', 'id')]),
    grants: [allow('orders', ['read', 'write'])],
    effect: 'allow',
    rule: 'grant:demo.orders:read',
    mentions: ['orders'],
  },
  {
    name: 'a deny still refuses a write that would need approval',
    request: req([write('orders', 'total')]),
    grants: [allow('orders', ['write']), deny('orders', ['write'], ['total'])],
    effect: 'deny',
    rule: 'deny:demo.orders(total):write',
    mentions: ['orders'],
  },
  {
    name: 'a write no grant covers is refused, not held',
    request: req([write('orders', 'total')]),
    grants: [allow('orders', ['write'], ['status'])],
    effect: 'deny',
    rule: 'default-deny',
    mentions: ['orders.total'],
  },
];

describe('decide()', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const d = decide(c.request, c.grants);
    expect(d.effect).toBe(c.effect);
    if (typeof c.rule === 'string') expect(d.rule).toBe(c.rule);
    else expect(d.rule).toMatch(c.rule);
    expect(d.rule.trim()).not.toBe('');
    expect(d.reason.trim()).not.toBe('');
    for (const m of c.mentions) expect(d.reason).toContain(m);
    // The reason is addressed to a person: it names the agent.
    expect(d.reason).toContain("'bot'");
  });

  it('is a pure function: the same input gives the same decision and the grants are not changed', () => {
    const grants = [allow('orders'), deny('employees', ['read'], ['salary'])];
    const before = JSON.stringify(grants);
    const r = req([read('orders', 'id'), read('employees', 'salary')]);
    expect(decide(r, grants)).toEqual(decide(r, grants));
    expect(JSON.stringify(grants)).toBe(before);
  });

  it('a statement that touches no table is allowed with a rule that says so', () => {
    const d = decide(req([]), []);
    expect(d).toMatchObject({ effect: 'allow', rule: 'no-table-access' });
    expect(d.reason).not.toBe('');
  });

  it('every case in the table produced a non-empty rule and reason (sanity of the table itself)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });
});

describe('permittedColumns()', () => {
  const cols = ['id', 'first_name', 'last_name', 'salary', 'national_id'];
  const pc = (
    grants: Grant[],
    action: 'read' | 'write' = 'read',
    table = 'employees',
    ds: string | null = null,
    columns = cols,
  ) => permittedColumns(grants, 'demo', table, columns, action, ds);

  it.each([
    ['no grants: nothing', [], 'read', []],
    ['table grant: every column', [allow('employees')], 'read', cols],
    [
      'column grant: just those',
      [allow('employees', ['read'], ['id', 'FIRST_NAME'])],
      'read',
      ['id', 'first_name'],
    ],
    [
      'column deny subtracts from a table grant',
      [allow('employees'), deny('employees', ['read'], ['salary', 'national_id'])],
      'read',
      ['id', 'first_name', 'last_name'],
    ],
    ['table deny removes everything', [allow('employees'), deny('employees')], 'read', []],
    ['* grant covers the table', [allow('*')], 'read', cols],
    ['* deny removes everything', [allow('employees'), deny('*')], 'read', []],
    ['read grant gives no write columns', [allow('employees')], 'write', []],
    [
      'write columns from a column write grant',
      [allow('employees', ['read', 'write'], ['last_name'])],
      'write',
      ['last_name'],
    ],
    ['grant on another table gives nothing', [allow('orders')], 'read', []],
    [
      'grant on another connection gives nothing',
      [allow('employees', ['read'], undefined, 'other')],
      'read',
      [],
    ],
  ] as const)('%s', (_name, grants, action, expected) => {
    expect(pc([...grants] as Grant[], action)).toEqual(expected);
  });

  it('folds table case and keeps the caller’s column spelling', () => {
    expect(
      pc([allow('EMPLOYEES', ['read'], ['ID'])], 'read', 'Employees', null, ['Id', 'Salary']),
    ).toEqual(['Id']);
  });

  it('resolves schema-qualified names against the default schema', () => {
    expect(pc([allow('users')], 'read', 'public.users', 'public', ['id', 'email'])).toEqual([
      'id',
      'email',
    ]);
    expect(pc([allow('users')], 'read', 'hr.users', 'public', ['id', 'email'])).toEqual([]);
    expect(
      pc(
        [allow('public.users'), deny('users', ['read'], ['email'])],
        'read',
        'public.users',
        'public',
        ['id', 'email'],
      ),
    ).toEqual(['id']);
  });

  it('agrees with decide() column by column', () => {
    const grants = [
      allow('employees', ['read'], ['id', 'first_name', 'salary']),
      deny('employees', ['read'], ['salary']),
    ];
    const permitted = pc(grants);
    for (const c of cols) {
      const d = decide(req([read('employees', c)]), grants);
      expect(d.effect === 'allow', c).toBe(permitted.includes(c));
    }
  });
});
