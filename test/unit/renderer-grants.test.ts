import { describe, expect, it } from 'vitest';
import {
  fromGrants,
  grantedTableCount,
  tableCheck,
  toGrants,
  setExportLimit,
  setWritesNeedApproval,
  tableAccess,
  toggleColumn,
  toggleExport,
  toggleTable,
  writesNeedApproval,
  type Grant,
  type SchemaMap,
} from '../../src/renderer/src/lib/grants-model';

const schema: SchemaMap = {
  demo: {
    customers: ['id', 'first_name', 'email'],
    employees: ['id', 'first_name', 'salary', 'national_id'],
    orders: ['id', 'total'],
  },
};
const cols = (t: string) => schema.demo![t]!;

describe('grants editor model', () => {
  it('round-trips whole-table, column-list and read+write grants unchanged', () => {
    const grants: Grant[] = [
      { connection: 'demo', table: 'customers', actions: ['read'] },
      { connection: 'demo', table: 'employees', actions: ['read'], columns: ['id', 'first_name'] },
      { connection: 'demo', table: 'orders', actions: ['read', 'write'] },
    ];
    expect(toGrants(fromGrants(grants, schema))).toEqual(grants);
  });

  it('keeps deny rules and grants the schema no longer knows, and writes them back', () => {
    const grants: Grant[] = [
      {
        connection: 'demo',
        table: 'employees',
        actions: ['read'],
        effect: 'deny',
        columns: ['salary'],
      },
      { connection: 'gone', table: 't', actions: ['read'] },
      { connection: 'demo', table: 'orders', actions: ['read'], columns: ['dropped_column'] },
    ];
    const model = fromGrants(grants, schema);
    expect(model.kept).toEqual(grants);
    expect(grantedTableCount(model.tree)).toBe(0);
    expect(toGrants(model)).toEqual(grants);
  });

  it('ticking a table grants the whole table; unticking a column turns it into an explicit list', () => {
    let model = fromGrants([], schema);
    let tree = toggleTable(model.tree, 'demo', 'employees', 'read', cols('employees'));
    expect(toGrants({ ...model, tree })).toEqual([
      { connection: 'demo', table: 'employees', actions: ['read'] },
    ]);
    tree = toggleColumn(tree, 'demo', 'employees', 'read', 'salary', cols('employees'));
    model = { ...model, tree };
    expect(toGrants(model)).toEqual([
      {
        connection: 'demo',
        table: 'employees',
        actions: ['read'],
        columns: ['id', 'first_name', 'national_id'],
      },
    ]);
    expect(tableCheck(tree.demo!.employees!.read, cols('employees'))).toBe('some');
  });

  it('ticking every column one by one stays an explicit list (it does not cover future columns)', () => {
    let tree = fromGrants([], schema).tree;
    for (const c of cols('orders'))
      tree = toggleColumn(tree, 'demo', 'orders', 'read', c, cols('orders'));
    expect(tableCheck(tree.demo!.orders!.read, cols('orders'))).toBe('all');
    expect(toGrants({ tree, kept: [] })).toEqual([
      { connection: 'demo', table: 'orders', actions: ['read'], columns: ['id', 'total'] },
    ]);
  });

  it('a partly ticked table box clears the table', () => {
    let tree = fromGrants(
      [{ connection: 'demo', table: 'customers', actions: ['read'], columns: ['id'] }],
      schema,
    ).tree;
    tree = toggleTable(tree, 'demo', 'customers', 'read', cols('customers'));
    expect(toGrants({ tree, kept: [] })).toEqual([]);
  });

  it('splits read and write when their columns differ', () => {
    let tree = fromGrants([], schema).tree;
    tree = toggleTable(tree, 'demo', 'orders', 'read', cols('orders'));
    tree = toggleColumn(tree, 'demo', 'orders', 'write', 'total', cols('orders'));
    expect(toGrants({ tree, kept: [] })).toEqual([
      { connection: 'demo', table: 'orders', actions: ['read'] },
      { connection: 'demo', table: 'orders', actions: ['write'], columns: ['total'] },
    ]);
  });

  it('merges several grants for one table', () => {
    const model = fromGrants(
      [
        { connection: 'demo', table: 'customers', actions: ['read'], columns: ['id'] },
        { connection: 'demo', table: 'customers', actions: ['read'], columns: ['email'] },
      ],
      schema,
    );
    expect(toGrants(model)).toEqual([
      { connection: 'demo', table: 'customers', actions: ['read'], columns: ['id', 'email'] },
    ]);
  });

  it('round-trips export grants with and without limits', () => {
    const grants: Grant[] = [
      { connection: 'demo', table: 'customers', actions: ['read'] },
      { connection: 'demo', table: 'customers', actions: ['export'] },
      { connection: 'demo', table: 'orders', actions: ['read'] },
      {
        connection: 'demo',
        table: 'orders',
        actions: ['export'],
        exportLimits: { maxRows: 5000, maxBytes: 1048576 },
      },
    ];
    expect(toGrants(fromGrants(grants, schema))).toEqual(grants);
  });

  it('reads export from a grant that carries it beside read, and writes it as a grant of its own', () => {
    const model = fromGrants(
      [
        {
          connection: 'demo',
          table: 'orders',
          actions: ['read', 'export'],
          exportLimits: { timeoutMs: 60000 },
        },
      ],
      schema,
    );
    expect(tableAccess(model.tree, 'demo', 'orders').export).toEqual({ timeoutMs: 60000 });
    expect(toGrants(model)).toEqual([
      { connection: 'demo', table: 'orders', actions: ['read'] },
      {
        connection: 'demo',
        table: 'orders',
        actions: ['export'],
        exportLimits: { timeoutMs: 60000 },
      },
    ]);
  });

  it('the export box switches export on with default limits, limits are set and cleared, and it switches off', () => {
    let tree = fromGrants(
      [{ connection: 'demo', table: 'orders', actions: ['read'] }],
      schema,
    ).tree;
    tree = toggleExport(tree, 'demo', 'orders');
    expect(toGrants({ tree, kept: [] })).toContainEqual({
      connection: 'demo',
      table: 'orders',
      actions: ['export'],
    });
    tree = setExportLimit(tree, 'demo', 'orders', 'maxRows', 2000);
    expect(toGrants({ tree, kept: [] })).toContainEqual({
      connection: 'demo',
      table: 'orders',
      actions: ['export'],
      exportLimits: { maxRows: 2000 },
    });
    tree = setExportLimit(tree, 'demo', 'orders', 'maxRows', undefined);
    expect(toGrants({ tree, kept: [] })).toContainEqual({
      connection: 'demo',
      table: 'orders',
      actions: ['export'],
    });
    tree = toggleExport(tree, 'demo', 'orders');
    expect(toGrants({ tree, kept: [] })).toEqual([
      { connection: 'demo', table: 'orders', actions: ['read'] },
    ]);
  });

  describe('approval of writes', () => {
    it('round-trips "approval": "none", "required" and absent, on whole tables and column grants', () => {
      const grants: Grant[] = [
        { connection: 'demo', table: 'customers', actions: ['read', 'write'], approval: 'none' },
        {
          connection: 'demo',
          table: 'employees',
          actions: ['read'],
          columns: ['id', 'first_name'],
        },
        {
          connection: 'demo',
          table: 'employees',
          actions: ['write'],
          columns: ['first_name'],
          approval: 'required',
        },
        {
          connection: 'demo',
          table: 'orders',
          actions: ['read', 'write'],
          columns: ['id', 'total'],
        },
      ];
      const model = fromGrants(grants, schema);
      expect(writesNeedApproval(tableAccess(model.tree, 'demo', 'customers'))).toBe(false);
      expect(writesNeedApproval(tableAccess(model.tree, 'demo', 'employees'))).toBe(true);
      expect(writesNeedApproval(tableAccess(model.tree, 'demo', 'orders'))).toBe(true);
      const back = toGrants(model);
      expect(back).toEqual(grants);
      // Exact: an absent field stays absent (toEqual alone would let an undefined one pass).
      expect(JSON.stringify(back)).toBe(JSON.stringify(grants));
    });

    it('keeps "none" on a write-only column grant split from its read', () => {
      const grants: Grant[] = [
        { connection: 'demo', table: 'orders', actions: ['read'] },
        {
          connection: 'demo',
          table: 'orders',
          actions: ['write'],
          columns: ['total'],
          approval: 'none',
        },
      ];
      expect(JSON.stringify(toGrants(fromGrants(grants, schema)))).toBe(JSON.stringify(grants));
    });

    it('the switch writes "none" when off and drops the field when on again', () => {
      const start: Grant[] = [{ connection: 'demo', table: 'orders', actions: ['read', 'write'] }];
      let tree = fromGrants(start, schema).tree;
      tree = setWritesNeedApproval(tree, 'demo', 'orders', false);
      expect(writesNeedApproval(tableAccess(tree, 'demo', 'orders'))).toBe(false);
      expect(toGrants({ tree, kept: [] })).toEqual([
        { connection: 'demo', table: 'orders', actions: ['read', 'write'], approval: 'none' },
      ]);
      tree = setWritesNeedApproval(tree, 'demo', 'orders', true);
      expect(JSON.stringify(toGrants({ tree, kept: [] }))).toBe(JSON.stringify(start));
    });

    it('never puts approval on a grant without write, nor on export', () => {
      let tree = fromGrants(
        [{ connection: 'demo', table: 'orders', actions: ['read', 'write'], approval: 'none' }],
        schema,
      ).tree;
      tree = toggleExport(tree, 'demo', 'orders');
      tree = toggleColumn(tree, 'demo', 'orders', 'write', 'id', cols('orders'));
      expect(toGrants({ tree, kept: [] })).toEqual([
        { connection: 'demo', table: 'orders', actions: ['read'] },
        {
          connection: 'demo',
          table: 'orders',
          actions: ['write'],
          columns: ['total'],
          approval: 'none',
        },
        { connection: 'demo', table: 'orders', actions: ['export'] },
      ]);
      // Write taken away entirely: nothing left that the setting could apply to.
      tree = toggleTable(tree, 'demo', 'orders', 'write', cols('orders'));
      expect(JSON.stringify(toGrants({ tree, kept: [] }))).toBe(
        JSON.stringify([
          { connection: 'demo', table: 'orders', actions: ['read'] },
          { connection: 'demo', table: 'orders', actions: ['export'] },
        ]),
      );
    });

    it('merging write grants keeps writes held unless every one of them said "none"', () => {
      const merged = (approvals: (Grant['approval'] | undefined)[]) =>
        toGrants(
          fromGrants(
            approvals.map((approval, i) => ({
              connection: 'demo',
              table: 'customers',
              actions: ['write'],
              columns: [cols('customers')[i]!],
              ...(approval ? { approval } : {}),
            })),
            schema,
          ),
        );
      expect(merged(['none', 'none'])[0]!.approval).toBe('none');
      expect(merged(['none', undefined])[0]).not.toHaveProperty('approval');
      expect(merged([undefined, 'none'])[0]).not.toHaveProperty('approval');
      expect(merged(['none', 'required'])[0]!.approval).toBe('required');
      expect(merged(['required', 'none'])[0]!.approval).toBe('required');
      expect(merged(['none', 'none'])[0]!.columns).toEqual(['id', 'first_name']);
    });

    it("a read-only grant in front of a write grant does not change the write grant's approval", () => {
      const grants: Grant[] = [
        { connection: 'demo', table: 'orders', actions: ['read'], columns: ['id'] },
        { connection: 'demo', table: 'orders', actions: ['write'], approval: 'none' },
      ];
      expect(JSON.stringify(toGrants(fromGrants(grants, schema)))).toBe(JSON.stringify(grants));
    });
  });
});
