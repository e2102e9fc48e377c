/**
 * The request pipeline's steps (src/main/query/steps.ts), each alone: identify, guard and
 * validate, the principal's capability, decide, limit (rows, exports, concurrency), approve,
 * the abandoned-request check, the connector's agent context, and the audit entries.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Connections } from '../../src/main/connections/connections';
import { shutdownGuard } from '../../src/main/guard/guard';
import { buildSchemaIndex } from '../../src/main/guard/schema-index';
import { AgentSlots } from '../../src/main/query/agent-slots';
import {
  agentPrincipal,
  personAsAgentPrincipal,
  personPrincipal,
  readingOnly,
  type Principal,
} from '../../src/main/query/principal';
import * as step from '../../src/main/query/steps';
import type { Approvals } from '../../src/main/approvals/approvals';
import type { Clock } from '../../src/main/ports';
import { AirlockError, isAirlockError } from '../../src/shared/errors';
import type { Grant } from '../../src/shared/domain';

afterAll(() => shutdownGuard());

const TABLES = [
  {
    name: 'orders',
    columns: [
      { name: 'id', type: 'INTEGER' },
      { name: 'total', type: 'REAL' },
    ],
  },
  {
    name: 'employees',
    columns: [
      { name: 'id', type: 'INTEGER' },
      { name: 'salary', type: 'REAL' },
    ],
  },
];
const index = buildSchemaIndex(TABLES);
const connector = { kind: 'sqlite', dialect: 'sqlite', defaultSchema: null, poolSize: undefined };
const record = { name: 'demo', kind: 'sqlite' };
const connections = {
  get: (name: string) => (name.toLowerCase() === 'demo' ? record : null),
  connector: () => connector,
  schema: async () => ({ tables: TABLES, index }),
} as unknown as Connections;

let tick = 0;
const clock: Clock = {
  now: () => new Date('2026-01-02T03:04:05.000Z'),
  monotonicMs: () => (tick += 2.5),
} as Clock;

const READ_ORDERS: Grant[] = [{ connection: 'demo', table: 'orders', actions: ['read'] }];
const agent = (grants: Grant[] = READ_ORDERS, concurrency: number | null = 2) =>
  agentPrincipal({ id: 'ag1', name: 'bot' }, grants, concurrency);
const WORKBENCH = { rule: 'workbench:read-only', reason: (k: string) => `no ${k} here` };
const person = () => personPrincipal(['demo'], WORKBENCH);
const trail = () => step.newTrail(clock, 'demo', 'SELECT 1', null);

function caught(f: () => unknown): AirlockError {
  try {
    f();
  } catch (e) {
    if (isAirlockError(e)) return e;
    throw e;
  }
  throw new Error('expected an AirlockError');
}

const guarded = (p: Principal, sql: string, t = trail()) =>
  step.guardStatement(p, sql, connector as never, connections, record as never, t);

describe('identify', () => {
  it('refuses a connection the principal holds no grant on, as a default deny, without saying whether it exists', () => {
    const t = trail();
    const e = caught(() => step.identify(agent(), 'hr', connections, t));
    expect(e.code).toBe('PERMISSION_DENIED');
    expect(t.decision).toEqual({
      effect: 'deny',
      rule: 'default-deny',
      reason: "agent 'bot' has no grant on connection 'hr'",
    });
  });

  it('answers NOT_FOUND for a granted name no connection has', () => {
    const p = agent([{ connection: 'gone', table: '*', actions: ['read'] }]);
    expect(caught(() => step.identify(p, 'gone', connections, trail())).code).toBe('NOT_FOUND');
  });

  it('finds the connection and its connector, in any case', () => {
    const { record: r } = step.identify(agent(), 'DEMO', connections, trail());
    expect(r.name).toBe('demo');
  });
});

describe('guard and validate', () => {
  it("names the entry's action by what the guard found", async () => {
    const t = trail();
    await guarded(agent(), 'SELECT id FROM orders', t);
    expect(t.action).toBe('query.read');
    const w = trail();
    await guarded(agent(), 'DELETE FROM orders', w);
    expect(w.action).toBe('query.write');
  });

  it('refuses parameters that do not match the placeholders the guard counted (MySQL)', async () => {
    const g = {
      ...(await guarded(agent(), 'SELECT id FROM orders WHERE id = ?')),
      placeholders: 1,
    };
    const e = caught(() => step.validateParams(g, []));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(/1 placeholders, 0 parameters/);
    expect(() => step.validateParams(g, [1])).not.toThrow();
  });

  it('refuses a write from a principal that may not write, under its read-only rule', async () => {
    const t = trail();
    const g = await guarded(person(), 'DELETE FROM orders', t);
    const e = caught(() => step.validateCapability(person(), g, t));
    expect(e).toMatchObject({ code: 'STATEMENT_NOT_ALLOWED', message: 'no delete here' });
    expect(e.details.rule).toBe('workbench:read-only');
    expect(t.decision).toEqual({
      effect: 'deny',
      rule: 'workbench:read-only',
      reason: 'no delete here',
    });
  });

  it('lets an agent write (the policy decides), and narrows it for a door that only reads', async () => {
    const p = agent([{ connection: 'demo', table: 'orders', actions: ['read', 'write'] }]);
    const g = await guarded(p, 'DELETE FROM orders');
    expect(() => step.validateCapability(p, g, trail())).not.toThrow();
    const nl = readingOnly(p, { rule: 'nl:read-only', reason: () => 'reads only' });
    expect(caught(() => step.validateCapability(nl, g, trail())).details.rule).toBe('nl:read-only');
    expect(nl.actor).toBe('agent:bot');
  });
});

describe('decide', () => {
  it('allows what the grants allow and records the decision', async () => {
    const t = trail();
    const g = await guarded(agent(), 'SELECT id FROM orders');
    step.decideStatement(agent(), g, connector as never, record as never, t);
    expect(t.decision?.effect).toBe('allow');
  });

  it('refuses what they do not, with the rule and a hint', async () => {
    const t = trail();
    const g = await guarded(agent(), 'SELECT salary FROM employees');
    const e = caught(() =>
      step.decideStatement(agent(), g, connector as never, record as never, t),
    );
    expect(e.code).toBe('PERMISSION_DENIED');
    expect(e.details.hint).toMatch(/connections\/demo\/tables/);
    expect(t.decision?.effect).toBe('deny');
    expect(e.details.rule).toBe(t.decision?.rule);
  });
});

describe('limit', () => {
  const base = { maxRows: 100, maxBytes: 1000, timeoutMs: 1000 };
  const access = {
    agent: 'bot',
    connection: 'demo',
    tables: [{ table: 'orders', read: ['id'], write: [] }],
    defaultSchema: null,
  };

  it('lowers the row cap on request, and refuses an export without an export grant', () => {
    expect(step.limitRows(agent(), access, base, 10, trail()).maxRows).toBe(10);
    const t = trail();
    const e = caught(() => step.limitRows(agent(), access, base, 500, t));
    expect(e).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(t.decision?.rule).toBe('export:default-deny');
  });

  it("runs an export under the grant's caps and records them", () => {
    const p = agent([{ connection: 'demo', table: 'orders', actions: ['read', 'export'] }]);
    const t = trail();
    expect(step.limitRows(p, access, base, 500, t).maxRows).toBe(500);
    expect(t.extra.export).toMatchObject({ maxRows: 500 });
  });

  it("holds an agent to its concurrency limit; a person's requests take no slot", () => {
    const slots = new AgentSlots();
    const one = agent(READ_ORDERS, 1);
    const release = step.limitConcurrency(slots, one, 'demo', undefined);
    expect(caught(() => step.limitConcurrency(slots, one, 'demo', undefined)).code).toBe(
      'RATE_LIMITED',
    );
    release();
    step.limitConcurrency(slots, one, 'demo', undefined)();
    for (let i = 0; i < 5; i++) step.limitConcurrency(slots, person(), 'demo', undefined);
  });
});

describe('approve, execute', () => {
  it('approve lets through what the policy allowed and holds a write that needs approval', () => {
    // Neither case asks the approvals store: nothing is claimed without an approvalId.
    const none = {} as Approvals;
    const req = { connection: 'demo', sql: 'DELETE FROM orders' };
    const t = trail();
    t.decision = { effect: 'allow', rule: 'grant:demo.orders:write', reason: 'granted' };
    expect(step.approve(none, agent(), req, t)).toEqual({ kind: 'run' });
    t.decision = { effect: 'needs_approval', rule: 'approval:x', reason: 'held' };
    expect(step.approve(none, agent(), req, t)).toEqual({
      kind: 'request',
      request: { agent: { id: 'ag1', name: 'bot' }, connection: 'demo', statement: req.sql },
    });
    // A person never writes, approval or not.
    expect(caught(() => step.approve(none, person(), req, t)).code).toBe('STATEMENT_NOT_ALLOWED');
    expect(t.decision.effect).toBe('deny');
  });

  it('a request abandoned before execution never runs', () => {
    const ac = new AbortController();
    expect(() => step.refuseIfAbandoned(ac.signal, undefined)).not.toThrow();
    ac.abort();
    expect(caught(() => step.refuseIfAbandoned(undefined, ac.signal)).code).toBe('CANCELLED');
  });

  it("hands the connector the principal's identity and only this connection's grants", () => {
    const p = agent([...READ_ORDERS, { connection: 'other', table: '*', actions: ['read'] }]);
    expect(step.agentContext(p, 'Demo')).toEqual({
      id: 'ag1',
      name: 'bot',
      connection: 'Demo',
      grants: READ_ORDERS,
    });
  });

  it('a MongoDB query to a SQL connection is refused at the request layer', () => {
    const e = caught(() => step.documentConnector(record as never, connector as never));
    expect(e).toMatchObject({ code: 'STATEMENT_NOT_ALLOWED', details: { layer: 'request' } });
  });
});

describe('audit', () => {
  it("an allowed request's entry: the principal, the trail, what came of it", () => {
    const t = step.newTrail(clock, 'demo', 'SELECT id FROM orders', step.paramsHash([1]));
    t.action = 'query.read';
    t.decision = { effect: 'allow', rule: 'grant:demo.orders:read', reason: 'granted' };
    const e = step.successEntry(clock, agent(), t, { rowCount: 3 }, { truncated: false });
    expect(e).toMatchObject({
      time: '2026-01-02T03:04:05.000Z',
      actor: 'agent:bot',
      action: 'query.read',
      connection: 'demo',
      statement: 'SELECT id FROM orders',
      decision: 'allow',
      rule: 'grant:demo.orders:read',
      status: 'allowed',
      rowCount: 3,
      details: { agentId: 'ag1', truncated: false },
    });
    expect(e.paramsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(e.latencyMs).toBeGreaterThan(0);
  });

  it('names a person, or a person acting as an agent, never as the agent itself', () => {
    const t = trail();
    expect(step.successEntry(clock, person(), t)).toMatchObject({
      actor: 'user:analyst',
      details: {},
    });
    const as = personAsAgentPrincipal({ id: 'ag1', name: 'bot' }, READ_ORDERS, WORKBENCH);
    const e = step.successEntry(clock, as, t);
    expect(e.actor).toBe('user:analyst as agent:bot');
    expect(e.details).toEqual({ asAgentId: 'ag1' });
  });

  it('a refusal is denied with its decision; an engine failure after an allow is an error that keeps it', () => {
    const t = trail();
    t.decision = { effect: 'deny', rule: 'default-deny', reason: 'no grant' };
    const denied = step.failureEntry(
      clock,
      agent(),
      t,
      new AirlockError('PERMISSION_DENIED', 'no grant'),
    );
    expect(denied.entry).toMatchObject({
      status: 'denied',
      decision: 'deny',
      rule: 'default-deny',
      details: { code: 'PERMISSION_DENIED' },
    });
    const u = trail();
    u.decision = { effect: 'allow', rule: 'grant', reason: 'granted' };
    const failed = step.failureEntry(
      clock,
      agent(),
      u,
      new AirlockError('QUERY_FAILED', 'no such column'),
    );
    expect(failed.entry).toMatchObject({
      status: 'error',
      decision: 'allow',
      rule: 'grant',
      details: { code: 'QUERY_FAILED' },
    });
  });

  it('an unexpected failure becomes INTERNAL; its message stays in the audit only', () => {
    const { entry, error } = step.failureEntry(
      clock,
      agent(),
      trail(),
      new Error('driver exploded'),
    );
    expect(error).toMatchObject({ code: 'INTERNAL', message: 'the query failed inside Airlock' });
    expect(entry).toMatchObject({
      status: 'error',
      details: { code: 'INTERNAL', internal: 'driver exploded' },
    });
  });
});
