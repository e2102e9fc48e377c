/**
 * The Ollama client over the real wire protocol, against the Ollama test double: health,
 * models, structured output, streaming, timeouts, cancellation, Ollama down, model absent.
 */
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OllamaClient } from '../../src/main/nl/ollama-client';
import type { AirlockError } from '../../src/shared/errors';
import {
  deadOllamaUrl,
  sqlAnswer,
  startOllamaDouble,
  type OllamaDouble,
} from '../doubles/ollama-double';

const MODEL = 'qwen2.5-coder:7b';
let double: OllamaDouble;

beforeAll(async () => {
  double = await startOllamaDouble({ models: [MODEL, 'llama3.2:3b'] });
});
afterAll(() => double.close());

const client = (url = double.url, model = MODEL, requestMs = 5_000) =>
  new OllamaClient(() => ({ url, model }), { requestMs, healthMs: 2_000 });

async function failure(p: Promise<unknown>): Promise<AirlockError> {
  try {
    await p;
  } catch (e) {
    return e as AirlockError;
  }
  throw new Error('expected a failure');
}

describe('Ollama client against the test double', () => {
  it('reports health, the installed models and that the configured one is present', async () => {
    const s = await client().status();
    expect(s).toMatchObject({
      reachable: true,
      version: '0.6.2',
      modelPresent: true,
      problem: null,
    });
    expect(s.models.map((m) => m.name)).toEqual([MODEL, 'llama3.2:3b']);
    expect(s.models[0]).toMatchObject({ parameterSize: '7.6B', quantization: 'Q4_K_M' });
    expect(double.requests.some((r) => r.path === '/api/version')).toBe(true);
    expect(double.requests.some((r) => r.path === '/api/tags')).toBe(true);
  });

  it('sends a non-streaming structured-output request at temperature 0', async () => {
    double.reply(sqlAnswer('SELECT 1'));
    const format = { type: 'object', properties: { sql: { type: 'string' } }, required: ['sql'] };
    const r = await client().chat({ messages: [{ role: 'user', content: 'hi' }], format });
    expect(JSON.parse(r.content)).toEqual({
      sql: 'SELECT 1',
      explanation: 'Answers the question.',
    });
    const sent = double.chats.at(-1)!;
    expect(sent).toMatchObject({
      model: MODEL,
      stream: false,
      format,
      options: { temperature: 0 },
    });
  });

  it('streams tokens as NDJSON arrives', async () => {
    double.reply({
      content: '{"sql":"SELECT 2","explanation":"x"}',
      chunks: ['{"sql":', '"SELECT 2",', '"explanation":"x"}'],
    });
    const tokens: string[] = [];
    const r = await client().chat({
      messages: [{ role: 'user', content: 'hi' }],
      onToken: (t) => tokens.push(t),
    });
    expect(tokens).toEqual(['{"sql":', '"SELECT 2",', '"explanation":"x"}']);
    expect(r.content).toBe('{"sql":"SELECT 2","explanation":"x"}');
    expect(double.chats.at(-1)!.stream).toBe(true);
  });

  it('times out a model that never answers, streaming or not', async () => {
    double.reply({ hang: true }, { hang: true });
    const slow = client(double.url, MODEL, 300);
    const e1 = await failure(slow.chat({ messages: [{ role: 'user', content: 'x' }] }));
    expect(e1.code).toBe('OLLAMA_TIMEOUT');
    const e2 = await failure(
      slow.chat({ messages: [{ role: 'user', content: 'x' }], onToken: () => {} }),
    );
    expect(e2.code).toBe('OLLAMA_TIMEOUT');
    expect(e2.status).toBe(504);
  });

  it('stops when the caller cancels', async () => {
    double.reply({ hang: true });
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 100);
    const e = await failure(
      client().chat({ messages: [{ role: 'user', content: 'x' }], signal: ctrl.signal }),
    );
    expect(e.code).toBe('CANCELLED');
  });

  it('says clearly when Ollama is not running, with how to start or install it', async () => {
    const dead = client(await deadOllamaUrl());
    const e = await failure(dead.chat({ messages: [{ role: 'user', content: 'x' }] }));
    expect(e.code).toBe('OLLAMA_UNAVAILABLE');
    expect(e.status).toBe(503);
    expect(e.message).toMatch(/not reachable.*connection refused/);
    expect((e.details.guidance as string[]).join(' ')).toMatch(/ollama serve/);
    const s = await dead.status();
    expect(s).toMatchObject({
      reachable: false,
      modelPresent: false,
      problem: { code: 'OLLAMA_UNAVAILABLE' },
    });
  });

  it('says clearly when the model is absent, with how to import one air-gapped', async () => {
    const e = await failure(
      client(double.url, 'sqlcoder:15b').chat({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(e.code).toBe('OLLAMA_MODEL_MISSING');
    const s = await client(double.url, 'sqlcoder:15b').status();
    expect(s.modelPresent).toBe(false);
    expect(s.problem?.code).toBe('OLLAMA_MODEL_MISSING');
    expect(s.guidance.join(' ')).toMatch(
      /Modelfile.*FROM \.\/model\.gguf.*ollama create sqlcoder:15b -f Modelfile/,
    );
    expect(s.guidance.join(' ')).toMatch(/llama3\.2:3b/);
  });

  it('passes Ollama errors through as OLLAMA_FAILED', async () => {
    double.reply({ status: 500, error: 'llama runner process has terminated' });
    const e = await failure(client().chat({ messages: [{ role: 'user', content: 'x' }] }));
    expect(e.code).toBe('OLLAMA_FAILED');
    expect(e.message).toMatch(/llama runner process has terminated/);
  });

  it('the double answers /api/embed like Ollama', async () => {
    const r = await new Ollama({ host: double.url }).embed({
      model: MODEL,
      input: ['orders', 'customers'],
    });
    expect(r.embeddings).toHaveLength(2);
    expect(r.embeddings[0]!.length).toBeGreaterThan(0);
  });
});
