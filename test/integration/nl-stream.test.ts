/**
 * The streaming variant of POST /v1/ask: Server-Sent Events and NDJSON carry the stages, the
 * model's tokens as Ollama streams them, each attempt and the answer (or the error); a client
 * that goes away stops the model.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/main/api/server';
import { AskEvent } from '../../src/shared/contract/nl';
import { deadOllamaUrl, sqlAnswer } from '../doubles/ollama-double';
import { MODEL, startNlTestbed, type NlTestbed } from '../helpers/nl';

let bed: NlTestbed;
let key: string;

beforeAll(async () => {
  bed = await startNlTestbed();
  ({ apiKey: key } = await bed.t.createAgent('streamer', [
    { connection: 'demo', table: 'orders', actions: ['read'] },
  ]));
});
afterAll(() => bed.close());
beforeEach(() => bed.ollama.reset());

function sseEvents(payload: string): AskEvent[] {
  return payload
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      const e = AskEvent.parse(JSON.parse(dataLine!.replace(/^data: /, '')));
      expect(eventLine).toBe(`event: ${e.type}`);
      return e;
    });
}

describe('streaming asks', () => {
  it('Server-Sent Events: stages, tokens, the attempt and the answer', async () => {
    const content = JSON.stringify({
      sql: 'SELECT count(*) AS n FROM orders',
      explanation: 'Counts orders.',
    });
    bed.ollama.reply({
      content,
      chunks: [content.slice(0, 10), content.slice(10, 30), content.slice(30)],
    });
    const r = await bed.ask(
      key,
      { connection: 'demo', question: 'How many orders?' },
      { accept: 'text/event-stream' },
    );
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
    const events = sseEvents(r.payload);
    expect(events.map((e) => (e.type === 'stage' ? `stage:${e.stage}` : e.type))).toEqual([
      'stage:linking',
      'linked',
      'stage:generating',
      'token',
      'token',
      'token',
      'stage:validating',
      'attempt',
      'stage:summarising',
      'answer',
    ]);
    const tokens = events
      .filter((e) => e.type === 'token')
      .map((e) => (e as { text: string }).text);
    expect(tokens.join('')).toBe(content);
    const answer = events.at(-1) as Extract<AskEvent, { type: 'answer' }>;
    expect(answer.answer).toMatchObject({
      sql: 'SELECT count(*) AS n FROM orders',
      rows: [[3000]],
      model: MODEL,
      attempts: 1,
    });
    expect(bed.ollama.chats.at(-1)!.stream).toBe(true);
  });

  it('NDJSON: one event per line; a repair shows as a second attempt', async () => {
    bed.ollama.reply(
      sqlAnswer('SELECT nope FROM orders'),
      sqlAnswer('SELECT count(*) FROM orders'),
    );
    const r = await bed.ask(
      key,
      { connection: 'demo', question: 'How many orders?' },
      { accept: 'application/x-ndjson' },
    );
    expect(r.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const events = r.payload
      .trim()
      .split('\n')
      .map((l) => AskEvent.parse(JSON.parse(l)));
    const attempts = events.filter((e) => e.type === 'attempt') as Extract<
      AskEvent,
      { type: 'attempt' }
    >[];
    expect(attempts.map((a) => a.result.error?.code ?? 'ok')).toEqual(['PERMISSION_DENIED', 'ok']);
    expect(events.some((e) => e.type === 'stage' && e.stage === 'repairing')).toBe(true);
    expect(events.at(-1)!.type).toBe('answer');
  });

  it('a refusal before the ask starts is an ordinary error response', async () => {
    const r = await bed.ask(
      key,
      { connection: 'nowhere', question: 'How many orders?' },
      { accept: 'text/event-stream' },
    );
    expect(r.statusCode).toBe(403);
    expect(r.headers['content-type']).toMatch(/application\/json/);
    expect(r.json()).toMatchObject({
      error: { code: 'PERMISSION_DENIED' },
      auditId: expect.any(Number),
    });
  });

  it('a failure mid-stream ends the stream with an error event carrying the audit id', async () => {
    const settings = bed.t.core.settings.get();
    bed.t.core.settings.put({ ...settings, ollama: { url: await deadOllamaUrl(), model: MODEL } });
    try {
      const r = await bed.ask(
        key,
        { connection: 'demo', question: 'How many orders?' },
        { accept: 'text/event-stream' },
      );
      expect(r.statusCode).toBe(200);
      const last = sseEvents(r.payload).at(-1) as Extract<AskEvent, { type: 'error' }>;
      expect(last).toMatchObject({
        type: 'error',
        error: { code: 'OLLAMA_UNAVAILABLE', guidance: expect.any(Array) },
        auditId: expect.any(Number),
      });
    } finally {
      bed.t.core.settings.put(settings);
    }
  });

  it('a client that disconnects stops the model call, and the ask is audited as cancelled', async () => {
    let port = 0;
    const app = await buildServer({
      core: bed.t.core,
      adminToken: 'unused-admin-token',
      port: () => port,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
    try {
      bed.ollama.reply({ hang: true });
      const abandonedBefore = bed.ollama.abandoned;
      const ctrl = new AbortController();
      const res = await fetch(`http://127.0.0.1:${port}/v1/ask`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          accept: 'text/event-stream',
        },
        body: JSON.stringify({ connection: 'demo', question: 'How many orders?' }),
        signal: ctrl.signal,
      });
      const reader = res.body!.getReader();
      let seen = '';
      while (!seen.includes('"stage":"generating"')) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`the stream ended early (${res.status}): ${seen}`);
        seen += new TextDecoder().decode(chunk.value);
      }
      ctrl.abort();
      await expect.poll(() => bed.ollama.abandoned, { timeout: 5_000 }).toBe(abandonedBefore + 1);
      await expect
        .poll(() => bed.t.core.audit.list({ limit: 1, offset: 0 }).entries[0], { timeout: 5_000 })
        .toMatchObject({
          action: 'ask',
          status: 'error',
          details: expect.objectContaining({ code: 'CANCELLED' }),
        });
    } finally {
      // fetch's connection pool may hold a socket that never sent a request; close() would wait for it.
      app.server.closeAllConnections();
      await app.close();
    }
  });
});
