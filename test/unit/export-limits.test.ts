/**
 * Limits no agent can lift (issue 8, class 9): an export needs the `export` action on the
 * grant of every table read, deny overrides allow, and the caps are the grant's (falling back
 * to the defaults) under the configured export caps. Also the byte budget's refusal of a row
 * larger than the cap, batch sizing by bytes, and the per-agent slots.
 */
import { describe, expect, it } from 'vitest';
import {
  BatchSizer,
  FIRST_BATCH_ROWS,
  MAX_BATCH_ROWS,
  RowBudget,
  rowSize,
} from '../../src/main/connectors/row-budget';
import type { QueryLimits } from '../../src/main/connectors/types';
import { exportAllowance, type AccessRequest } from '../../src/main/policy/policy';
import { AgentSlots, agentLimit } from '../../src/main/query/agent-slots';
import { EXPORT_DEFAULTS, limitsFor } from '../../src/main/query/query-service';
import { isAirlockError } from '../../src/shared/errors';
import type { Grant } from '../../src/shared/domain';

const DEFAULTS = { maxRows: 1_000_000, maxBytes: 1 << 30, timeoutMs: 600_000 };
const req = (...tables: string[]): AccessRequest => ({
  agent: 'a',
  connection: 'db',
  tables: tables.map((table) => ({ table, read: ['id'], write: [] })),
  defaultSchema: 'public',
});

describe('exportAllowance', () => {
  const cases: {
    name: string;
    grants: Grant[];
    tables: string[];
    allowed: boolean;
    limits?: Partial<typeof DEFAULTS>;
    reason?: RegExp;
  }[] = [
    {
      name: 'read grant only',
      grants: [{ connection: 'db', table: '*', actions: ['read'] }],
      tables: ['public.t'],
      allowed: false,
      reason: /no export grant on table public\.t/,
    },
    {
      name: 'read and write, no export',
      grants: [{ connection: 'db', table: 't', actions: ['read', 'write'] }],
      tables: ['public.t'],
      allowed: false,
    },
    {
      name: 'export on *',
      grants: [{ connection: 'db', table: '*', actions: ['read', 'export'] }],
      tables: ['public.t', 'public.u'],
      allowed: true,
      limits: DEFAULTS,
    },
    {
      name: 'export on the table, unqualified',
      grants: [{ connection: 'db', table: 't', actions: ['export'] }],
      tables: ['public.t'],
      allowed: true,
    },
    {
      name: 'export on another connection',
      grants: [{ connection: 'other', table: '*', actions: ['export'] }],
      tables: ['public.t'],
      allowed: false,
    },
    {
      name: 'export on one of two tables',
      grants: [{ connection: 'db', table: 't', actions: ['export'] }],
      tables: ['public.t', 'public.u'],
      allowed: false,
      reason: /public\.u/,
    },
    {
      name: 'deny export overrides allow',
      grants: [
        { connection: 'db', table: '*', actions: ['export'] },
        { connection: 'db', table: 't', actions: ['export'], effect: 'deny' },
      ],
      tables: ['public.t'],
      allowed: false,
      reason: /explicitly denied export/,
    },
    {
      name: 'deny read does not deny export by itself',
      grants: [
        { connection: 'db', table: '*', actions: ['export'] },
        { connection: 'db', table: 't', actions: ['read'], effect: 'deny' },
      ],
      tables: ['public.t'],
      allowed: true,
    },
    {
      name: 'a statement that reads no table',
      grants: [{ connection: 'db', table: '*', actions: ['export'] }],
      tables: [],
      allowed: false,
    },
    {
      name: "the grant's limits, defaults for the rest",
      grants: [
        { connection: 'db', table: 't', actions: ['export'], exportLimits: { maxRows: 500 } },
      ],
      tables: ['public.t'],
      allowed: true,
      limits: { maxRows: 500, maxBytes: DEFAULTS.maxBytes, timeoutMs: DEFAULTS.timeoutMs },
    },
    {
      name: 'of two grants on a table, the more generous',
      grants: [
        { connection: 'db', table: 't', actions: ['export'], exportLimits: { maxRows: 500 } },
        {
          connection: 'db',
          table: '*',
          actions: ['export'],
          exportLimits: { maxRows: 900, maxBytes: 1000 },
        },
      ],
      tables: ['public.t'],
      allowed: true,
      limits: { maxRows: 900, maxBytes: DEFAULTS.maxBytes },
    },
    {
      name: 'across tables, the tightest',
      grants: [
        {
          connection: 'db',
          table: 't',
          actions: ['export'],
          exportLimits: { maxRows: 500, timeoutMs: 9000 },
        },
        {
          connection: 'db',
          table: 'u',
          actions: ['export'],
          exportLimits: { maxRows: 900, maxBytes: 4096 },
        },
      ],
      tables: ['public.t', 'public.u'],
      allowed: true,
      limits: { maxRows: 500, maxBytes: 4096, timeoutMs: 9000 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = exportAllowance(req(...c.tables), c.grants, DEFAULTS);
      expect(d.allowed).toBe(c.allowed);
      if (d.allowed && c.limits) expect(d.limits).toMatchObject(c.limits);
      if (!d.allowed && c.reason) expect(d.reason).toMatch(c.reason);
    });
  }
});

describe('limitsFor', () => {
  const base: QueryLimits = { maxRows: 100, maxBytes: 1000, timeoutMs: 5000 };
  const grant = { maxRows: 5000, maxBytes: 1 << 20, timeoutMs: 60_000 };

  it('keeps the configured limits, or lowers the row cap, without any grant', () => {
    expect(limitsFor(base, undefined)).toEqual({ limits: base, exporting: false });
    expect(limitsFor(base, 10)).toEqual({ limits: { ...base, maxRows: 10 }, exporting: false });
    expect(limitsFor(base, 100)).toEqual({ limits: { ...base, maxRows: 100 }, exporting: false });
  });

  for (const maxRows of [101, 5000, 1_000_000]) {
    it(`refuses maxRows ${maxRows} without an export grant, naming the cap and the grant`, () => {
      try {
        limitsFor(base, maxRows, null);
        expect.unreachable();
      } catch (e) {
        expect(isAirlockError(e) && e.code).toBe('PERMISSION_DENIED');
        expect((e as Error).message).toMatch(/row cap of 100 rows/);
        expect((e as Error).message).toMatch(/'export' action/);
      }
    });
  }

  it("runs an export under the grant's caps", () => {
    expect(limitsFor(base, 4000, grant)).toEqual({
      limits: { ...base, maxRows: 4000, maxBytes: 1 << 20, timeoutMs: 60_000 },
      exporting: true,
    });
  });

  it("refuses more rows than the grant's export cap", () => {
    expect(() => limitsFor(base, 5001, grant)).toThrow(/export cap of 5000 rows/);
  });

  it('never goes above the configured export caps, whatever the grant says', () => {
    const capped: QueryLimits = {
      ...base,
      exportMaxRows: 3000,
      exportMaxBytes: 2048,
      exportTimeoutMs: 10_000,
    };
    expect(() => limitsFor(capped, 4000, grant)).toThrow(/export cap of 3000 rows/);
    expect(limitsFor(capped, 3000, grant).limits).toMatchObject({
      maxRows: 3000,
      maxBytes: 2048,
      timeoutMs: 10_000,
    });
  });

  it('defaults are the documented ones', () => {
    expect(EXPORT_DEFAULTS).toEqual({
      maxRows: 1_000_000,
      maxBytes: 1024 * 1024 * 1024,
      timeoutMs: 600_000,
    });
  });
});

describe('RowBudget and BatchSizer', () => {
  it('refuses a row that alone exceeds the byte cap, wherever it comes', () => {
    for (const before of [0, 1, 5]) {
      const b = new RowBudget(100, 1000);
      for (let i = 0; i < before; i++) expect(b.take([i])).toBe(true);
      expect(() => b.take(['x'.repeat(1000)])).toThrow(/byte cap of 1000 bytes/);
    }
  });

  it('cuts (truncated) at a row that fits alone but not with the others', () => {
    const b = new RowBudget(100, 1000);
    expect(b.take(['x'.repeat(600)])).toBe(true);
    expect(b.take(['y'.repeat(600)])).toBe(false);
    expect(b.summary()).toMatchObject({ rowCount: 1, truncated: true });
  });

  it('the row beyond the row cap is a cut, not a refusal, even when it is large', () => {
    const b = new RowBudget(1, 1000);
    expect(b.take([1])).toBe(true);
    expect(b.take(['x'.repeat(5000)])).toBe(false);
    expect(b.truncated).toBe(true);
  });

  it('sizes batches by the largest row seen', () => {
    const s = new BatchSizer(1024 * 1024);
    expect(s.next()).toBe(FIRST_BATCH_ROWS);
    s.observe(rowSize([1, 'abc']));
    expect(s.next()).toBe(MAX_BATCH_ROWS);
    s.observe(300 * 1024);
    expect(s.next()).toBe(3);
    s.observe(20 * 1024 * 1024);
    expect(s.next()).toBe(1);
  });
});

describe('AgentSlots', () => {
  it('refuses the agent past its limit with RATE_LIMITED naming it, per connection, and frees on release', () => {
    const slots = new AgentSlots();
    const a = { id: 'a', name: 'alpha' };
    const r1 = slots.take(a, 'db', 2);
    slots.take(a, 'db', 2);
    expect(() => slots.take(a, 'db', 2)).toThrow(/the limit is 2 at a time/);
    expect(() => slots.take(a, 'DB', 2)).toThrow(/RATE|limit/);
    slots.take(a, 'other', 2);
    slots.take({ id: 'b', name: 'beta' }, 'db', 2);
    r1();
    r1();
    slots.take(a, 'db', 2);
    expect(() => slots.take(a, 'db', 2)).toThrow(/already has 2 statement/);
  });

  it("never lets one agent take more than half of a connection's pool", () => {
    expect(agentLimit(2, 5)).toBe(2);
    expect(agentLimit(10, 5)).toBe(2);
    expect(agentLimit(10, 20)).toBe(10);
    expect(agentLimit(3, 1)).toBe(1);
    expect(agentLimit(3, undefined)).toBe(3);
  });
});
