/**
 * Natural-language routes: how an ask is answered over HTTP (JSON, or a stream of stages and
 * tokens as Server-Sent Events or NDJSON; `POST /v1/ask` itself is generated from the agent
 * operations in agent-routes.ts), the UI's streamed ask, the semantic layer for administrators (get, put, YAML import and export, verified examples), and
 * Ollama's status.
 */
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import * as C from '../../../shared/contract/api';
import { AskEvent, OllamaStatus, SemanticLayer } from '../../../shared/contract/nl';
import { AirlockError, isAirlockError, publicDetails } from '../../../shared/errors';
import type { Core } from '../../core';
import { uiAsker } from '../../nl/nl-ops';
import { OPS, type OpInput } from '../../../shared/contract/ops';
import type { RouteSpec } from '../route-table';
import type { Handler } from './handler';

const StoredLayer = z.object({ layer: SemanticLayer, revision: z.number().int() });
const ImportYaml = z.strictObject({ yaml: z.string().min(1).max(5_000_000) });
const AddExample = z.strictObject({
  question: z.string().trim().min(1).max(2000),
  sql: z.string().trim().min(1).max(20_000),
});

type StreamMode = 'sse' | 'ndjson';

function streamMode(accept: string | undefined): StreamMode | null {
  if (!accept) return null;
  if (accept.includes('text/event-stream')) return 'sse';
  if (accept.includes('application/x-ndjson')) return 'ndjson';
  return null;
}

const CONTENT_TYPE: Record<StreamMode, string> = {
  sse: 'text/event-stream; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

function encode(mode: StreamMode, e: AskEvent): string {
  return mode === 'sse'
    ? `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`
    : `${JSON.stringify(e)}\n`;
}

export function errorEvent(e: unknown): AskEvent {
  const err = isAirlockError(e)
    ? e
    : new AirlockError('INTERNAL', 'the question failed inside Airlock');
  return {
    type: 'error',
    error: { code: err.code, message: err.message, ...publicDetails(err) },
    ...(err.auditId !== undefined ? { auditId: err.auditId } : {}),
  };
}

type Run = (opts: { onEvent?: (e: AskEvent) => void; signal?: AbortSignal }) => Promise<unknown>;

/**
 * An ask's HTTP answer: JSON, or a stream of events when `accept` asks for Server-Sent Events
 * or NDJSON. The stream starts once the ask is under way, so failures before its first event
 * (no grant, no such connection) still answer with their own status code. A client that goes
 * away cancels the model call. Exported for the UI's session routes.
 */
export async function askReply(
  run: Run,
  accept: string | undefined,
): Promise<{ body: unknown; headers?: Record<string, string> }> {
  const mode = streamMode(accept);
  if (!mode) return { body: await run({}) };
  const out = new PassThrough();
  const ctrl = new AbortController();
  let finished = false;
  // Fastify destroys the stream when the client goes away: stop the model too.
  out.on('close', () => finished || ctrl.abort());
  let started!: () => void;
  const firstEvent = new Promise<void>((resolve) => (started = resolve));
  const write = (e: AskEvent) => {
    started();
    if (!out.destroyed) out.write(encode(mode, e));
  };
  const asking = run({ signal: ctrl.signal, onEvent: write });
  await Promise.race([firstEvent, asking]);
  asking
    .catch((e: unknown) => write(errorEvent(e)))
    .finally(() => {
      finished = true;
      out.end();
    });
  return { body: out, headers: { 'content-type': CONTENT_TYPE[mode], 'x-accel-buffering': 'no' } };
}

export function nlRoutes(core: Core): [RouteSpec, Handler][] {
  return [
    [
      {
        method: 'POST',
        url: '/v1/ui/ask/stream',
        auth: 'session',
        summary:
          "The UI's ask, streamed as NDJSON (stages, the model's tokens, each attempt, then the answer or an error), as the analyst or as an agent; the operation `ask` is the same without streaming.",
        body: OPS.ask.input,
        responses: { 200: AskEvent },
      },
      async ({ body }) => {
        const { asAgent, ...req } = body as OpInput<'ask'>;
        const asker = uiAsker(core, req.connection, asAgent);
        return askReply((opts) => core.nl.asks.ask(asker, req, opts), 'application/x-ndjson');
      },
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/connections/:name/semantic',
        auth: 'admin',
        summary: "A connection's semantic layer",
        params: C.ConnectionNameParams,
        responses: { 200: StoredLayer },
      },
      async ({ params }) => ({ body: core.nl.semantic.get((params as { name: string }).name) }),
    ],
    [
      {
        method: 'PUT',
        url: '/v1/admin/connections/:name/semantic',
        auth: 'admin',
        summary: "Replace a connection's semantic layer (checked against the schema)",
        params: C.ConnectionNameParams,
        body: SemanticLayer,
        responses: { 200: StoredLayer },
      },
      async ({ params, body }) => ({
        body: await core.nl.semantic.put((params as { name: string }).name, body),
      }),
    ],
    [
      {
        method: 'POST',
        url: '/v1/admin/connections/:name/semantic/import',
        auth: 'admin',
        summary: 'Replace the semantic layer from YAML: `{ "yaml": "…" }`',
        params: C.ConnectionNameParams,
        body: ImportYaml,
        responses: { 200: StoredLayer },
      },
      async ({ params, body }) => ({
        body: await core.nl.semantic.importYaml(
          (params as { name: string }).name,
          (body as { yaml: string }).yaml,
        ),
      }),
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/connections/:name/semantic/export',
        auth: 'admin',
        summary: 'The semantic layer as YAML: `{ "yaml": "…" }`',
        params: C.ConnectionNameParams,
        responses: { 200: z.object({ yaml: z.string() }) },
      },
      async ({ params }) => ({
        body: { yaml: core.nl.semantic.exportYaml((params as { name: string }).name) },
      }),
    ],
    [
      {
        method: 'POST',
        url: '/v1/admin/connections/:name/semantic/examples',
        auth: 'admin',
        summary: 'Add a verified question → SQL example (replaces one with the same question)',
        params: C.ConnectionNameParams,
        body: AddExample,
        responses: { 200: StoredLayer },
      },
      async ({ params, body }) => {
        const b = body as z.infer<typeof AddExample>;
        return {
          body: await core.nl.semantic.addExample(
            (params as { name: string }).name,
            b.question,
            b.sql,
            'admin',
          ),
        };
      },
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/ollama',
        auth: 'admin',
        summary: "Ollama's health, installed models, and what to do if asking cannot work",
        responses: { 200: OllamaStatus },
      },
      async () => ({ body: await core.nl.ollama.status() }),
    ],
  ];
}
