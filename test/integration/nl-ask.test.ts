/**
 * POST /v1/ask end to end: the real server, core, guard, policy, SQLite connector and audit,
 * with the Ollama test double standing in for the model. Answers, repairs, self-consistency,
 * timeouts, Ollama down or without the model, and what the audit records.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { analystAsker } from '../../src/main/nl/access';
import type { AirlockError } from '../../src/shared/errors';
import { deadOllamaUrl, sqlAnswer } from '../doubles/ollama-double';
import { MODEL, startNlTestbed, userMessage, type NlTestbed } from '../helpers/nl';

let bed: NlTestbed;
let key: string;

beforeAll(async () => {
  bed = await startNlTestbed({ ollamaTimeouts: { requestMs: 1_500 } });
  ({ apiKey: key } = await bed.t.createAgent('nl-bot', [
    { connection: 'demo', table: 'orders', actions: ['read'] },
    { connection: 'demo', table: 'customers', actions: ['read'] },
  ]));
});
afterAll(() => bed.close());
beforeEach(() => bed.ollama.reset());

describe('POST /v1/ask', () => {
  it('answers with the SQL, an explanation, rows, a computed summary and audit ids', async () => {
    const before = bed.lastAuditId();
    bed.ollama.reply(sqlAnswer('SELECT count(*) AS orders FROM orders', 'Counts all orders.'));
    const r = await bed.ask(key, { connection: 'demo', question: 'How many orders are there?' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({
      sql: 'SELECT count(*) AS orders FROM orders',
      explanation: 'Counts all orders.',
      summary: 'The result is 3,000 (orders).',
      columns: [{ name: 'orders' }],
      rows: [[3000]],
      attempts: 1,
      model: MODEL,
    });
    expect(body.linkedTables).toEqual(expect.arrayContaining(['orders']));

    // The request Ollama received: structured output, temperature 0, the question.
    const chat = bed.ollama.chats.at(-1)!;
    expect(chat).toMatchObject({ model: MODEL, stream: false, options: { temperature: 0 } });
    expect(chat.format).toMatchObject({ type: 'object', required: ['sql', 'explanation'] });
    expect(userMessage(chat)).toMatch(/Question: How many orders are there\?$/);
    expect(userMessage(chat)).toMatch(/CREATE TABLE orders \(/);

    // One ask entry (question, model, attempts, final SQL) plus the statement's own entry.
    const entries = bed.auditSince(before);
    const ask = entries.find((e) => e.action === 'ask')!;
    expect(ask).toMatchObject({
      id: body.auditId,
      actor: 'agent:nl-bot',
      status: 'allowed',
      statement: body.sql,
      rowCount: 1,
      rule: 'nl:ask',
    });
    expect(ask.details).toMatchObject({
      question: 'How many orders are there?',
      model: MODEL,
      attempts: 1,
      queryAuditId: body.queryAuditId,
    });
    const stmt = entries.find((e) => e.id === body.queryAuditId)!;
    expect(stmt).toMatchObject({
      action: 'query.read',
      actor: 'agent:nl-bot',
      statement: body.sql,
      status: 'allowed',
    });
  });

  it('feeds a guard error back to the model and answers with the repaired SQL', async () => {
    bed.ollama.reply(
      sqlAnswer('SELECT nmae FROM customers LIMIT 1'),
      sqlAnswer("SELECT count(*) AS n FROM customers WHERE tier = 'gold'"),
    );
    const r = await bed.ask(key, { connection: 'demo', question: 'How many gold customers?' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.attempts).toBe(2);
    expect(body.history).toEqual([
      {
        sql: 'SELECT nmae FROM customers LIMIT 1',
        error: {
          code: 'PERMISSION_DENIED',
          message: expect.stringMatching(/unknown column 'nmae'/),
        },
        candidate: 1,
      },
      { sql: "SELECT count(*) AS n FROM customers WHERE tier = 'gold'", error: null, candidate: 1 },
    ]);
    const second = bed.ollama.chats.at(-1)!;
    expect(second.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(second.messages[2]!.content).toContain('SELECT nmae FROM customers');
    expect(second.messages[3]!.content).toMatch(
      /That answer failed \(PERMISSION_DENIED\): unknown column 'nmae'/,
    );
  });

  it('repairs an engine error and an answer that is not JSON, and gives up after the bound', async () => {
    bed.ollama.reply(
      { content: 'SELECT 1' },
      sqlAnswer('SELECT substr(status) AS s FROM orders'),
      sqlAnswer('SELECT count(*) FROM customers'),
    );
    const ok = await bed.ask(key, {
      connection: 'demo',
      question: 'How many customers are there?',
    });
    expect(ok.statusCode).toBe(200);
    expect(
      ok.json().history.map((h: { error: { code: string } | null }) => h.error?.code ?? null),
    ).toEqual(['INVALID_OUTPUT', 'INVALID_SQL', null]);
    expect(ok.json().history[1].error.message).toMatch(/wrong number of arguments/);

    const before = bed.lastAuditId();
    bed.ollama.reply(
      sqlAnswer('SELECT x FROM nowhere'),
      sqlAnswer('SELECT y FROM nowhere'),
      sqlAnswer('SELECT z FROM nowhere'),
    );
    const gaveUp = await bed.ask(key, { connection: 'demo', question: 'Something impossible' });
    expect(gaveUp.statusCode).toBe(422);
    expect(gaveUp.json().error).toMatchObject({ code: 'NL_UNANSWERED', attempts: 3 });
    expect(gaveUp.json().error.message).toMatch(/3 attempt\(s\).*semantic layer/);
    const ask = bed.auditSince(before).find((e) => e.action === 'ask')!;
    expect(ask).toMatchObject({
      id: gaveUp.json().auditId,
      status: 'error',
      statement: 'SELECT z FROM nowhere',
    });
    expect((ask.details as { history: unknown[] }).history).toHaveLength(3);
  });

  it('self-consistency: runs several candidates and keeps the majority result', async () => {
    bed.ollama.reply(
      sqlAnswer("SELECT count(*) FROM orders WHERE status = 'Paid'"),
      sqlAnswer("SELECT count(*) FROM orders WHERE status = 'paid'"),
      sqlAnswer("SELECT count(id) FROM orders WHERE status IN ('paid')"),
    );
    const r = await bed.ask(key, {
      connection: 'demo',
      question: 'How many paid orders?',
      candidates: 3,
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.sql).toBe("SELECT count(*) FROM orders WHERE status = 'paid'");
    expect(body.attempts).toBe(3);
    const temps = bed.ollama.chats.slice(-3).map((c) => c.options?.temperature);
    expect(temps).toEqual([0, 0.7, 0.7]);
  });

  it('refuses a connection the agent holds no grant on, and audits it', async () => {
    const r = await bed.ask(key, { connection: 'elsewhere', question: 'How many orders?' });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('PERMISSION_DENIED');
    expect(bed.t.core.audit.list({ limit: 1, offset: 0 }).entries[0]).toMatchObject({
      id: r.json().auditId,
      action: 'ask',
      status: 'denied',
    });
  });

  it('validates the body', async () => {
    const r = await bed.ask(key, { connection: 'demo' });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('times out a model that does not answer (504), and records it', async () => {
    bed.ollama.reply({ hang: true });
    const r = await bed.ask(key, { connection: 'demo', question: 'How many orders?' });
    expect(r.statusCode).toBe(504);
    expect(r.json().error.code).toBe('OLLAMA_TIMEOUT');
    expect(bed.t.core.audit.list({ limit: 1, offset: 0 }).entries[0]).toMatchObject({
      id: r.json().auditId,
      action: 'ask',
      status: 'error',
    });
  });

  it('says clearly when Ollama is down or lacks the model; the rest of Airlock works', async () => {
    const settings = bed.t.core.settings.get();
    try {
      bed.t.core.settings.put({
        ...settings,
        ollama: { url: await deadOllamaUrl(), model: MODEL },
      });
      const down = await bed.ask(key, { connection: 'demo', question: 'How many orders?' });
      expect(down.statusCode).toBe(503);
      expect(down.json().error).toMatchObject({
        code: 'OLLAMA_UNAVAILABLE',
        guidance: expect.any(Array),
      });
      expect(down.json().error.message).toMatch(/not reachable.*everything else works without it/);
      expect(down.json().auditId).toEqual(expect.any(Number));
      expect((await bed.t.query(key, 'SELECT count(*) FROM orders')).statusCode).toBe(200);

      bed.t.core.settings.put({
        ...settings,
        ollama: { url: bed.ollama.url, model: 'llama3.1:70b' },
      });
      const missing = await bed.ask(key, { connection: 'demo', question: 'How many orders?' });
      expect(missing.statusCode).toBe(503);
      expect(missing.json().error.code).toBe('OLLAMA_MODEL_MISSING');
      expect(missing.json().error.guidance.join(' ')).toMatch(
        /ollama create llama3\.1:70b -f Modelfile/,
      );

      const status = await bed.t.admin('GET', '/v1/admin/ollama');
      expect(status.json()).toMatchObject({
        reachable: true,
        modelPresent: false,
        models: [{ name: MODEL }],
        problem: { code: 'OLLAMA_MODEL_MISSING' },
      });
    } finally {
      bed.t.core.settings.put(settings);
    }
  });

  it('an analyst in the UI asks with read access to everything, audited as the analyst', async () => {
    const before = bed.lastAuditId();
    bed.ollama.reply(sqlAnswer('SELECT count(*) AS n FROM products'));
    const answer = await bed.t.core.nl.asks.ask(analystAsker('demo'), {
      connection: 'demo',
      question: 'How many products?',
    });
    expect(answer.rows).toEqual([[200]]);
    const entries = bed.auditSince(before);
    expect(entries.map((e) => e.actor)).toEqual(entries.map(() => 'user:analyst'));
    expect(entries.find((e) => e.id === answer.queryAuditId)).toMatchObject({
      action: 'query.read',
      statement: 'SELECT count(*) AS n FROM products',
    });
  });

  it('cancellation stops the model call', async () => {
    bed.ollama.reply({ hang: true });
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 100);
    const e = await bed.t.core.nl.asks
      .ask(
        analystAsker('demo'),
        { connection: 'demo', question: 'How many orders?' },
        { signal: ctrl.signal },
      )
      .catch((x: AirlockError) => x);
    expect((e as AirlockError).code).toBe('CANCELLED');
  });
});
