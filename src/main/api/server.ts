import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as C from '../../shared/contract/api';
import { AirlockError } from '../../shared/errors';
import type { Core } from '../core';
import { silentLogger, type Logger } from '../ports';
import { requireAdmin, requireAgent } from './auth';
import { errorHandler, parseWith, sendError } from './http-errors';
import { loopbackGuard } from './loopback-guard';
import { openApiDocument } from './openapi';
import type { RouteSpec } from './route-table';
import { adminRoutes } from './routes/admin-routes';
import { agentRoutes } from './routes/agent-routes';
import { nlRoutes } from './routes/nl-routes';
import type { Handler } from './routes/handler';

export const VERSION = '0.1.0';

export interface ServerDeps {
  core: Core;
  adminToken: string;
  /** The port clients must address in Host; a function when it is known only after listen. */
  port: number | (() => number);
  rendererDir?: string;
  logger?: Logger;
  /** Largest accepted body (bytes); default 1 MiB. */
  bodyLimit?: number;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
};

/** Builds the loopback API (STYLE.md §5): tests call inject(); only the shells listen. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { core } = deps;
  const logger = deps.logger ?? silentLogger;
  const port = typeof deps.port === 'function' ? deps.port : () => deps.port as number;
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimit ?? 1024 * 1024, trustProxy: false, return503OnClosing: true });

  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', loopbackGuard(port));
  app.addHook('onSend', async (request, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store');
    return payload;
  });
  // Every agent request leaves one audit entry: failures no layer recorded are recorded here.
  const auditAgentFailure = async (request: FastifyRequest, err: AirlockError) => {
    const agent = request.agent;
    if (!agent) return undefined;
    const refused = err.status < 500;
    const connection = (request.params as { name?: unknown } | undefined)?.name;
    return core.audit.append({
      time: core.clock.now().toISOString(),
      actor: `agent:${agent.name}`,
      action: (request.routeOptions.config as { action?: string }).action ?? 'request',
      connection: typeof connection === 'string' ? connection : null,
      statement: null,
      paramsHash: null,
      decision: refused ? 'deny' : null,
      rule: refused ? String(err.details.rule ?? `request:${err.code}`) : null,
      reason: err.message,
      status: refused ? 'denied' : 'error',
      rowCount: null,
      latencyMs: null,
      details: { agentId: agent.id, route: `${request.method} ${request.routeOptions.url}`, code: err.code },
    });
  };
  app.setErrorHandler(errorHandler((msg, fields) => logger.error(msg, fields), auditAgentFailure));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new AirlockError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );

  const health: [RouteSpec, Handler] = [
    { method: 'GET', url: '/v1/health', auth: 'none', summary: 'Liveness', responses: { 200: C.Health } },
    async () => ({ body: { status: 'ok', version: VERSION } }),
  ];
  const routes = [health, ...adminRoutes(core), ...agentRoutes(core), ...nlRoutes(core)];
  const admin = requireAdmin(deps.adminToken);
  const agent = requireAgent(core);

  for (const [spec, handler] of routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      config: { action: spec.action },
      // Identity and the rate limit run before the body is read (ARCHITECTURE.md: identity →
      // rate limit → validation), so no one's body is parsed before we know who sent it.
      onRequest: spec.auth === 'admin' ? admin : spec.auth === 'agent' ? agent : undefined,
      handler: async (request, reply) => {
        const input = {
          request,
          params: spec.params ? parseWith(spec.params, request.params, 'path') : request.params,
          query: spec.query ? parseWith(spec.query, request.query, 'query string') : request.query,
          body: spec.body ? parseWith(spec.body, request.body, 'request body') : undefined,
        };
        const out = await handler(input);
        return reply.code(out.status ?? 200).headers(out.headers ?? {}).send(out.body);
      },
    });
  }
  const doc = openApiDocument(routes.map(([s]) => s), VERSION);
  app.get('/v1/openapi.json', async () => doc);

  if (deps.rendererDir && existsSync(join(deps.rendererDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: deps.rendererDir, prefix: '/', index: 'index.html', wildcard: false });
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send('<!doctype html><title>Airlock</title><p>Airlock is running. The UI has not been built: run <code>npm run build</code>, then start again. The API is at <code>/v1/</code>.</p>'),
    );
  }
  return app;
}
