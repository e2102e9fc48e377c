/**
 * The UI's streamed ask (`POST /v1/ui/ask/stream`): the analyst's question answered as NDJSON
 * events — stages, the model's tokens as Ollama streams them, the attempt, the answer —
 * behind the same session cookie and CSRF header as every UI call.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AskEvent } from '../../src/shared/contract/nl';
import { startNlTestbed, MODEL, type NlTestbed } from '../helpers/nl';
import { loginLink, openLink } from '../helpers/ui-session';

let bed: NlTestbed;
let cookie: string;

beforeAll(async () => {
  bed = await startNlTestbed();
  cookie = (await openLink(bed.t, await loginLink(bed.t))).cookie!;
});
afterAll(() => bed.close());
beforeEach(() => bed.ollama.reset());

const stream = (body: object, headers: Record<string, string> = { cookie, 'x-airlock-ui': '1' }) =>
  bed.t.request({ method: 'POST', url: '/v1/ui/ask/stream', headers, payload: body });

describe('the UI streamed ask', () => {
  it('streams stages and tokens, then the answer, as NDJSON', async () => {
    const content = JSON.stringify({
      sql: 'SELECT status, count(*) AS n FROM orders GROUP BY status',
      explanation: 'Orders per status.',
    });
    bed.ollama.reply({
      content,
      chunks: [content.slice(0, 12), content.slice(12, 40), content.slice(40)],
    });
    const r = await stream({ connection: 'demo', question: 'How many orders per status?' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const events = r.payload
      .trim()
      .split('\n')
      .map((l) => AskEvent.parse(JSON.parse(l)));
    expect(
      events
        .filter((e) => e.type === 'token')
        .map((e) => (e as { text: string }).text)
        .join(''),
    ).toBe(content);
    expect(events.some((e) => e.type === 'stage' && e.stage === 'generating')).toBe(true);
    const last = events.at(-1)!;
    expect(last.type).toBe('answer');
    expect((last as Extract<AskEvent, { type: 'answer' }>).answer).toMatchObject({
      model: MODEL,
      rowCount: 6,
    });
    // The ask is recorded for the person, not for an agent.
    const ask = bed
      .auditSince(0)
      .filter((e) => e.action === 'ask')
      .at(-1)!;
    expect(ask.actor).toBe('user:analyst');
  });

  it('ends with an error event when the model keeps writing what the guard refuses', async () => {
    const bad = JSON.stringify({ sql: 'DELETE FROM orders', explanation: 'x' });
    bed.ollama.reply({ content: bad }, { content: bad }, { content: bad });
    const r = await stream({ connection: 'demo', question: 'Remove the orders' });
    const last = AskEvent.parse(JSON.parse(r.payload.trim().split('\n').at(-1)!));
    expect(last.type).toBe('error');
  });

  it('needs the session and the UI header, like every UI call', async () => {
    expect(
      (await stream({ connection: 'demo', question: 'q' }, { 'x-airlock-ui': '1' })).statusCode,
    ).toBe(401);
    expect((await stream({ connection: 'demo', question: 'q' }, { cookie })).statusCode).toBe(403);
  });

  it('refuses an unknown agent before streaming, with an ordinary error response', async () => {
    const r = await stream({ connection: 'demo', question: 'q', asAgent: 'nobody' });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('NOT_FOUND');
  });
});
