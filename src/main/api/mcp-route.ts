/**
 * `/mcp` on the loopback server (API.md, "MCP for agents"): the Host and Origin rules of every
 * route run first (server.ts), then the agent key and the rate limit (auth.ts), then the MCP
 * handler (mcp/mcp-server.ts) answers. A refusal before the handler (key, limit, body) is
 * recorded as for REST and answered as a JSON-RPC error with the HTTP status REST gives it.
 * Stateless: no session, so GET and DELETE answer 405.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Core } from '../core';
import { authFor, mcpHandler } from '../mcp/mcp-server';
import type { Logger } from '../ports';
import { requireAgent } from './auth';

/** JSON-RPC's implementation-defined server error range; -32001: the request was refused. */
const REFUSED = -32001;
const PARSE_ERROR = -32700;

export function registerMcpRoute(app: FastifyInstance, core: Core, logger: Logger): void {
  const handler = mcpHandler(core, (e) =>
    logger.error('mcp request failed', { error: (e as Error).message }),
  );
  app.addHook('onClose', () => handler.close());
  const gate = requireAgent(core);

  /**
   * A refusal answered in the one error shape before the MCP handler ran (the key, the limit, a
   * body that is not JSON) is sent as a JSON-RPC error instead, with the same HTTP status, and
   * the error's code and audit id as its data.
   */
  const asJsonRpc = async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (reply.statusCode < 400 || typeof payload !== 'string') return payload;
    let body: { error?: { code?: unknown; message?: unknown }; auditId?: unknown };
    try {
      body = JSON.parse(payload) as typeof body;
    } catch {
      return payload;
    }
    const code = body.error?.code;
    if (typeof code !== 'string') return payload;
    return JSON.stringify({
      jsonrpc: '2.0',
      id: null,
      error: {
        // Before the handler, the only invalid requests are bodies that are not JSON objects.
        code: code === 'VALIDATION_FAILED' ? PARSE_ERROR : REFUSED,
        message: body.error?.message,
        data: { code, ...(body.auditId !== undefined ? { auditId: body.auditId } : {}) },
      },
    });
  };

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = core.queries.agent(request.agent!);
    const headers = new Headers();
    for (const [k, v] of Object.entries(request.headers)) {
      if (v === undefined || k === 'content-length' || k === 'host') continue;
      headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    const webRequest = new Request(`http://${request.headers.host}${request.url}`, {
      method: request.method,
      headers,
    });
    const response = await handler.fetch(webRequest, {
      // The Host passed the loopback rules before this ran (server.ts).
      authInfo: authFor(principal, `http://${request.headers.host}`),
      ...(request.body !== undefined ? { parsedBody: request.body } : {}),
    });
    reply.code(response.status);
    response.headers.forEach((value, key) => reply.header(key, value));
    reply.header('cache-control', 'no-store');
    if (!response.body) return reply.send();
    if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream'))
      return reply.send(Readable.fromWeb(response.body as NodeReadableStream));
    return reply.send(await response.text());
  };

  for (const method of ['POST', 'GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      config: { action: 'mcp' },
      onRequest: gate,
      onSend: asJsonRpc,
      handler: serve,
    });
  }
}
