/**
 * One refusal, three doors, one entry shape (issue 9): an agent without a grant on a
 * connection asks for it through a query, a question and a table listing; each door's audit
 * entry says the same thing the same way (status, decision, rule, reason, actor, agent id).
 * The analyst's workbench and an NL question go through the same pipeline too, named as
 * the person, not as an agent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/shared/domain';
import { sqlAnswer } from '../doubles/ollama-double';
import { startNlTestbed, type NlTestbed } from '../helpers/nl';

let bed: NlTestbed;
let key: string;
let agentId: string;

beforeAll(async () => {
  bed = await startNlTestbed();
  const a = await bed.t.createAgent('door-bot', [
    { connection: 'demo', table: 'orders', actions: ['read'] },
  ]);
  key = a.apiKey;
  agentId = a.id;
});
afterAll(() => bed.close());

const entryOf = (auditId: number): AuditEntry =>
  bed.t.core.audit.list({ limit: 1000, offset: 0 }).entries.find((e) => e.id === auditId)!;

const shape = (e: AuditEntry) => ({
  actor: e.actor,
  connection: e.connection,
  status: e.status,
  decision: e.decision,
  rule: e.rule,
  reason: e.reason,
  agentId: (e.details as { agentId?: string }).agentId,
  code: (e.details as { code?: string }).code,
});

describe('the same refusal through each door', () => {
  it('is recorded with the same shape by the query, the ask and the listing', async () => {
    const query = await bed.t.query(key, 'SELECT id FROM orders', undefined, 'nowhere');
    const ask = await bed.ask(key, { connection: 'nowhere', question: 'How many orders?' });
    const tables = await bed.t.request({
      method: 'GET',
      url: '/v1/connections/nowhere/tables',
      token: key,
    });
    const answers = [query, ask, tables];
    for (const r of answers) {
      expect(r.statusCode, r.body).toBe(403);
      expect(r.json().error.code).toBe('PERMISSION_DENIED');
    }
    const [q, a, t] = answers.map((r) => shape(entryOf(r.json().auditId as number)));
    expect(q).toEqual({
      actor: 'agent:door-bot',
      connection: 'nowhere',
      status: 'denied',
      decision: 'deny',
      rule: 'default-deny',
      reason: "agent 'door-bot' has no grant on connection 'nowhere'",
      agentId,
      code: 'PERMISSION_DENIED',
    });
    expect(a).toEqual(q);
    expect(t).toEqual(q);
    expect(entryOf(query.json().auditId).action).toBe('query');
    expect(entryOf(ask.json().auditId).action).toBe('ask');
    expect(entryOf(tables.json().auditId).action).toBe('connections.tables');
  });
});

describe('a person through the same pipeline', () => {
  it("the workbench's read and refused write are the analyst's own entries", async () => {
    const ui = bed.t.core;
    const { runQuery } = await import('../../src/main/ui/workbench');
    const read = await runQuery(ui, { connection: 'demo', sql: 'SELECT id FROM orders LIMIT 1' });
    expect(read.ok).toBe(true);
    const r = entryOf(read.auditId!);
    expect(r).toMatchObject({ actor: 'user:analyst', action: 'query.read', status: 'allowed' });
    expect(r.details).not.toHaveProperty('agentId');
    const write = await runQuery(ui, { connection: 'demo', sql: 'DELETE FROM orders' });
    expect(write).toMatchObject({ ok: false, code: 'STATEMENT_NOT_ALLOWED' });
    expect(entryOf(write.auditId!)).toMatchObject({
      actor: 'user:analyst',
      action: 'query.write',
      status: 'denied',
      decision: 'deny',
      rule: 'workbench:read-only',
    });
  });

  it('running as an agent names the person and keeps the agent as asAgentId', async () => {
    const { runQuery } = await import('../../src/main/ui/workbench');
    const out = await runQuery(bed.t.core, {
      connection: 'demo',
      sql: 'SELECT id FROM orders LIMIT 1',
      asAgent: 'door-bot',
    });
    expect(out.ok).toBe(true);
    const e = entryOf(out.auditId!);
    expect(e.actor).toBe('user:analyst as agent:door-bot');
    expect(e.details).toMatchObject({ asAgentId: agentId });
    expect(e.details).not.toHaveProperty('agentId');
  });

  it("an analyst's question runs its statement through the pipeline as the analyst", async () => {
    const { analystAsker } = await import('../../src/main/nl/access');
    const before = bed.lastAuditId();
    bed.ollama.reply(sqlAnswer('SELECT count(*) AS n FROM orders'));
    const answer = await bed.t.core.nl.asks.ask(analystAsker('demo'), {
      connection: 'demo',
      question: 'How many orders?',
    });
    const query = entryOf(answer.queryAuditId);
    expect(query).toMatchObject({ actor: 'user:analyst', action: 'query.read', status: 'allowed' });
    expect(entryOf(answer.auditId)).toMatchObject({ actor: 'user:analyst', action: 'ask' });
    expect(bed.auditSince(before).every((e) => e.actor === 'user:analyst')).toBe(true);
  });
});

describe("a question's value samples (issue 10, finding 14)", () => {
  it('are in the question’s one entry, not statements of their own', async () => {
    const { analystAsker } = await import('../../src/main/nl/access');
    const before = bed.lastAuditId();
    bed.ollama.reply(sqlAnswer("SELECT count(*) AS n FROM customers WHERE tier = 'gold'"));
    const answer = await bed.t.core.nl.asks.ask(analystAsker('demo'), {
      connection: 'demo',
      question: 'How many customers are in each tier?',
    });
    const entries = bed.auditSince(before);
    // The question and the one statement the model wrote: nothing else.
    expect(entries.map((e) => e.id).sort()).toEqual([answer.queryAuditId, answer.auditId].sort());
    const ask = entryOf(answer.auditId);
    const details = ask.details as {
      sampledValues?: string[];
      valueSampleReads?: { reads: number; refused: number };
    };
    expect(details.valueSampleReads?.reads).toBeGreaterThan(0);
    expect(details.valueSampleReads?.refused).toBe(0);
    // Each read that answered is named by the column it sampled.
    expect(details.sampledValues).toHaveLength(details.valueSampleReads!.reads);
  });

  it('an internal read is a read whatever the principal may do, and leaves no entry', async () => {
    const { agentPrincipal } = await import('../../src/main/query/principal');
    const writer = agentPrincipal(
      { id: agentId, name: 'door-bot' },
      [{ connection: 'demo', table: 'orders', actions: ['read', 'write'], approval: 'none' }],
      2,
    );
    const before = bed.lastAuditId();
    const e = await bed.t.core.queries
      .readFor(writer, { connection: 'demo', sql: "UPDATE orders SET status = 'x'" })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'STATEMENT_NOT_ALLOWED' });
    expect(bed.auditSince(before)).toEqual([]);
    const read = await bed.t.core.queries.readFor(writer, {
      connection: 'demo',
      sql: "SELECT count(*) FROM orders WHERE status = 'x'",
    });
    expect(read.rows).toEqual([[0]]);
  });
});
