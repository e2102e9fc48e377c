/**
 * TEST DOUBLE — not Ollama and not a model. An HTTP server on 127.0.0.1 that speaks Ollama's
 * real API (`/api/version`, `/api/tags`, `/api/chat` streaming NDJSON and non-streaming, with
 * or without `format`, `/api/embed`), answers what each test scripts, and records every
 * request, so the real client code in src/main/nl is exercised over the real wire protocol.
 * ARCHITECTURE.md allows this where the real component cannot run (no Ollama server here).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
  format?: unknown;
  options?: Record<string, unknown>;
}

export type ChatReply =
  /** The assistant's text; streamed in `chunks` (default: ~8-character pieces) when asked to stream. */
  | {
      content: string;
      chunks?: string[];
      delayMs?: number;
      /** Pause between streamed chunks, as a slow model would. */ chunkDelayMs?: number;
    }
  /** An error answer the way Ollama sends them: `{ "error": "…" }` with this status. */
  | { status: number; error: string }
  /** Never answers (until the client gives up): for timeouts and cancellation. */
  | { hang: true };

export type ChatScript =
  ChatReply | ((body: ChatBody, index: number) => ChatReply | Promise<ChatReply>);

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface OllamaDouble {
  url: string;
  port: number;
  /** Every request, in arrival order. */
  requests: RecordedRequest[];
  /** The bodies of `/api/chat` requests. */
  chats: ChatBody[];
  /** Chat requests the client gave up on while the double was hanging (timeouts, cancellation). */
  abandoned: number;
  /** Installed models, as `/api/tags` lists them; chat with any other model is a 404. */
  models: string[];
  version: string;
  /** Queues answers for the next chat requests, in order. */
  reply(...scripts: ChatScript[]): void;
  /** Drops queued answers (between tests). */
  reset(): void;
  /** The answer when the queue is empty (default: a 500 saying the test scripted nothing). */
  otherwise(script: ChatScript): void;
  /** Everything the double received, as one string: for "never appears in any request" checks. */
  allText(): string;
  close(): Promise<void>;
}

/** The JSON a structured-output model returns for our `{ sql, explanation }` schema. */
export const sqlAnswer = (sql: string, explanation = 'Answers the question.'): ChatReply => ({
  content: JSON.stringify({ sql, explanation }),
});

const now = () => new Date().toISOString();

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function chunk(content: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < content.length; i += 8) out.push(content.slice(i, i + 8));
  return out.length ? out : [''];
}

/** A deterministic stand-in for an embedding: letter frequencies, normalised. */
function embedText(s: string): number[] {
  const v = new Array<number>(26).fill(0);
  for (const ch of s.toLowerCase()) {
    const i = ch.charCodeAt(0) - 97;
    if (i >= 0 && i < 26) v[i]! += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export async function startOllamaDouble(
  opts: { models?: string[]; version?: string } = {},
): Promise<OllamaDouble> {
  const queue: ChatScript[] = [];
  let fallback: ChatScript = {
    status: 500,
    error: 'the test double has no scripted answer for this request',
  };
  let chatIndex = 0;
  const hanging = new Set<ServerResponse>();

  const stats = (body: ChatBody) => ({
    total_duration: 1_000_000,
    load_duration: 100_000,
    prompt_eval_count: Math.ceil(JSON.stringify(body.messages).length / 4),
    prompt_eval_duration: 500_000,
    eval_count: 10,
    eval_duration: 400_000,
  });

  async function chat(res: ServerResponse, body: ChatBody): Promise<void> {
    if (!double.models.includes(body.model)) {
      sendJson(res, 404, { error: `model "${body.model}" not found, try pulling it first` });
      return;
    }
    const script = queue.shift() ?? fallback;
    const reply =
      typeof script === 'function' ? await script(body, chatIndex++) : (chatIndex++, script);
    if ('hang' in reply) {
      hanging.add(res);
      res.on('close', () => {
        if (hanging.delete(res)) double.abandoned++;
      });
      return;
    }
    if ('error' in reply) {
      sendJson(res, reply.status, { error: reply.error });
      return;
    }
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    // Ollama streams unless told not to.
    if (body.stream === false) {
      sendJson(res, 200, {
        model: body.model,
        created_at: now(),
        message: { role: 'assistant', content: reply.content },
        done_reason: 'stop',
        done: true,
        ...stats(body),
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const piece of reply.chunks ?? chunk(reply.content)) {
      if (res.destroyed) return;
      res.write(
        `${JSON.stringify({ model: body.model, created_at: now(), message: { role: 'assistant', content: piece }, done: false })}\n`,
      );
      if (reply.chunkDelayMs) await new Promise((r) => setTimeout(r, reply.chunkDelayMs));
    }
    res.end(
      `${JSON.stringify({ model: body.model, created_at: now(), message: { role: 'assistant', content: '' }, done_reason: 'stop', done: true, ...stats(body) })}\n`,
    );
  }

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      let body: unknown = null;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          sendJson(res, 400, { error: 'invalid character in request body' });
          return;
        }
      }
      const path = (req.url ?? '/').split('?')[0]!;
      double.requests.push({ method: req.method ?? 'GET', path, body });
      if (req.method === 'GET' && path === '/api/version')
        return sendJson(res, 200, { version: double.version });
      if (req.method === 'GET' && path === '/api/tags') {
        return sendJson(res, 200, {
          models: double.models.map((name) => ({
            name,
            model: name,
            modified_at: now(),
            size: 4_683_087_332,
            digest: 'd'.repeat(64),
            details: {
              parent_model: '',
              format: 'gguf',
              family: 'qwen2',
              families: ['qwen2'],
              parameter_size: '7.6B',
              quantization_level: 'Q4_K_M',
            },
          })),
        });
      }
      if (req.method === 'POST' && path === '/api/chat') {
        const b = body as ChatBody;
        double.chats.push(b);
        return chat(res, b);
      }
      if (req.method === 'POST' && path === '/api/embed') {
        const b = body as { model: string; input: string | string[] };
        if (!double.models.includes(b.model))
          return sendJson(res, 404, {
            error: `model "${b.model}" not found, try pulling it first`,
          });
        const inputs = Array.isArray(b.input) ? b.input : [b.input];
        return sendJson(res, 200, {
          model: b.model,
          embeddings: inputs.map(embedText),
          total_duration: 1000,
          load_duration: 100,
          prompt_eval_count: inputs.length,
        });
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found');
    })().catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(e) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const double: OllamaDouble = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: [],
    chats: [],
    abandoned: 0,
    models: opts.models ?? ['qwen2.5-coder:7b'],
    version: opts.version ?? '0.6.2',
    reply: (...scripts) => queue.push(...scripts),
    reset: () => void queue.splice(0),
    otherwise: (script) => (fallback = script),
    allText: () => double.requests.map((r) => JSON.stringify(r.body)).join('\n'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of [...hanging]) {
          hanging.delete(res);
          res.destroy();
        }
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return double;
}

/** A port on 127.0.0.1 where nothing listens: "Ollama is not running". */
export async function deadOllamaUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
