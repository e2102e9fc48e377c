import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Logger as PinoLogger } from 'pino';
import { join } from 'node:path';
import * as C from '../../shared/contract/api';
import { AirlockError } from '../../shared/errors';
import { failedRequestEntry } from '../audit/entry';
import { AGENT_REQUEST_RULE } from '../agent-ops/agent-ops';
import type { Core } from '../core';
import { silentLogger, type Logger } from '../ports';
import { createUiBackend, type UiBackend } from '../ui/ops-handlers';
import { VERSION } from '../version';
import { bearer, requireAdmin, requireAgent } from './auth';
import { parseWith } from '../../shared/parse-with';
import { errorHandler, illFormedTextAt, sendError } from './http-errors';
import { answerClientError } from './client-errors';
import { loopbackGuard } from './loopback-guard';
import { registerMcpRoute } from './mcp-route';
import { Metrics } from '../ops/metrics';
import { openApiDocument } from './openapi';
import type { RouteSpec } from './route-table';
import { adminRoutes } from './routes/admin-routes';
import { agentRoutes } from './routes/agent-routes';
import { nlRoutes } from './routes/nl-routes';
import type { Handler } from './routes/handler';
import { uiRoutes } from './routes/ui-routes';
import {
  SESSION_COOKIE,
  UiSessions,
  auditSessionEvents,
  cookieValue,
  requireSession,
  sessionCookie,
} from './ui-sessions';

export { VERSION };

export interface ServerDeps {
  core: Core;
  adminToken: string;
  /** The port clients must address in Host; a function when it is known only after listen. */
  port: number | (() => number);
  rendererDir?: string;
  logger?: Logger;
  /** Largest accepted body (bytes); default 1 MiB. */
  bodyLimit?: number;
  /** Browser sessions of the UI; the shell keeps them to print the first login link. */
  sessions?: UiSessions;
  /** The UI's handlers; the desktop shell shares them with its IPC transport. */
  ui?: UiBackend;
  /** Structured request log (one JSON line per request); none when absent. */
  requestLog?: PinoLogger;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
};

/** Builds the loopback API (STYLE.md §5): tests call inject(); only the shells listen. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { core } = deps;
  const logger = deps.logger ?? silentLogger;
  const port = typeof deps.port === 'function' ? deps.port : () => deps.port as number;
  // Malformed addresses (bad percent-encoding, over-long parameters) are refused by the router
  // before any route or hook runs; they are answered here in the one error shape.
  let onFrameworkError: (
    e: FastifyError,
    request: FastifyRequest,
    reply: FastifyReply,
  ) => unknown = () => undefined;
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    trustProxy: false,
    return503OnClosing: true,
    frameworkErrors: (e, request, reply) => onFrameworkError(e, request, reply),
    // Requests Node's HTTP parser refuses (bad framing, oversized headers) get the error shape too.
    clientErrorHandler: answerClientError,
    // A request id per request, in the log line and the answer's x-request-id header.
    genReqId: () => randomUUID(),
  });
  const sessions =
    deps.sessions ?? new UiSessions(core.clock, { onEvent: auditSessionEvents(core) });
  const baseUrl = () => `http://127.0.0.1:${port()}`;
  const ui = deps.ui ?? createUiBackend(core, { url: baseUrl });
  // A backend this server made is this server's to stop (running verification jobs).
  if (!deps.ui) app.addHook('onClose', () => ui.close());

  app.removeContentTypeParser('text/plain');
  // JSON bodies, with one more rule at the edge: text that is not well-formed Unicode (a lone
  // UTF-16 surrogate) is refused, so no field can reach the audit log in a form the store
  // would not keep byte for byte.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, typeof body === 'string' ? body : body.toString('utf8'), (err, value) => {
      if (err) return done(err, undefined);
      const at = illFormedTextAt(value);
      if (at) {
        return done(
          new AirlockError(
            'VALIDATION_FAILED',
            `the body holds text that is not well-formed Unicode (a lone surrogate) at ${at}`,
            {
              issues: [{ path: at, message: 'not well-formed Unicode' }],
            },
          ),
          undefined,
        );
      }
      done(null, value);
    });
  });
  const guardHost = loopbackGuard(port);
  app.addHook('onRequest', guardHost);
  const metrics = new Metrics({
    audit: core.audit,
    connections: core.connections,
    forwarding: core.forwarding,
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const code = reply.airlockCode ?? null;
    metrics.observe({
      method: request.method,
      route,
      status: reply.statusCode,
      code,
      seconds: reply.elapsedTime / 1000,
    });
    // Chosen fields only: the route pattern, never the address (sign-in links carry tokens in
    // their query), the headers, the body or a statement's parameters.
    deps.requestLog?.info(
      {
        reqId: request.id,
        method: request.method,
        route,
        status: reply.statusCode,
        ...(code ? { code } : {}),
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ...(request.agent ? { agent: request.agent.name } : {}),
      },
      'request',
    );
  });
  app.addHook('onSend', async (request, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    reply.header('x-request-id', request.id);
    if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store');
    return payload;
  });
  // Every agent request leaves one audit entry: failures no layer recorded are recorded here.
  const auditAgentFailure = async (request: FastifyRequest, err: AirlockError) => {
    const agent = request.agent;
    if (!agent) return undefined;
    const connection = (request.params as { name?: unknown } | undefined)?.name;
    const { entry } = failedRequestEntry(
      core.clock,
      {
        actor: `agent:${agent.name}`,
        action: (request.routeOptions.config as { action?: string }).action ?? 'request',
        connection: typeof connection === 'string' ? connection : null,
        details: { agentId: agent.id, route: `${request.method} ${routeOf(request)}` },
      },
      err,
      AGENT_REQUEST_RULE,
    );
    return core.audit.append(entry);
  };
  const handleError = errorHandler((msg, fields) => logger.error(msg, fields), auditAgentFailure);
  app.setErrorHandler(handleError);
  const agentGate = requireAgent(core);
  onFrameworkError = async (e, request, reply) => {
    // A refusing guard returns the reply it answered with; `reply.sent` is still false while
    // that answer's onSend hooks run, and a second answer would follow it on the wire.
    if ((await guardHost(request, reply)) || reply.sent) return reply;
    // An agent's malformed request is still an agent request: identified, limited and audited.
    if (bearer(request)?.startsWith('alk_')) {
      try {
        await agentGate(request);
      } catch (authErr) {
        return handleError(authErr as Error, request, reply);
      }
    }
    return handleError(e, request, reply);
  };
  const hasRenderer =
    deps.rendererDir !== undefined && existsSync(join(deps.rendererDir, 'index.html'));
  app.setNotFoundHandler((request, reply) => {
    // The UI routes on the client (/agents/…, /audit): a reload or a bookmark gets the app.
    if (hasRenderer && isClientRoute(request)) return sendIndex(reply);
    return sendError(
      reply,
      new AirlockError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
    );
  });

  const health: [RouteSpec, Handler][] = [
    [
      {
        method: 'GET',
        url: '/v1/health',
        auth: 'none',
        summary: 'Liveness',
        responses: { 200: C.Health },
      },
      async () => ({ body: { status: 'ok', version: VERSION } }),
    ],
    [
      {
        method: 'GET',
        url: '/v1/health/live',
        auth: 'none',
        summary: 'Liveness: the process answers',
        responses: { 200: C.Health },
      },
      async () => ({ body: { status: 'ok', version: VERSION } }),
    ],
    [
      {
        method: 'GET',
        url: '/v1/health/ready',
        auth: 'none',
        summary: 'Readiness: the store answers and the audit log is keeping up (503 otherwise)',
        responses: { 200: C.Health },
      },
      async () => {
        const problem = readiness(core);
        if (problem) throw new AirlockError('AUDIT_UNAVAILABLE', `not ready: ${problem}`);
        return { body: { status: 'ok', version: VERSION } };
      },
    ],
  ];
  const routes = [...health, ...adminRoutes(core), ...agentRoutes(core), ...nlRoutes(core)];
  routes.push(
    ...uiRoutes(ui.handlers('browser'), sessions, (token) => `${baseUrl()}/login?token=${token}`),
  );
  const admin = requireAdmin(deps.adminToken);
  const agent = requireAgent(core);
  const session = requireSession(sessions);
  const gate = { none: undefined, admin, agent, session } as const;

  for (const [spec, handler] of routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      config: { action: spec.action },
      // Identity and the rate limit run before the body is read (ARCHITECTURE.md: identity →
      // rate limit → validation), so no one's body is parsed before we know who sent it.
      onRequest: gate[spec.auth],
      handler: async (request, reply) => {
        const input = {
          request,
          params: spec.params ? parseWith(spec.params, request.params, 'path') : request.params,
          query: spec.query ? parseWith(spec.query, request.query, 'query string') : request.query,
          // A UI call without a body is a call without input (`{}`).
          body: spec.body
            ? parseWith(
                spec.body,
                request.body ?? (spec.auth === 'session' ? {} : undefined),
                'request body',
              )
            : undefined,
        };
        const out = await handler(input);
        return reply
          .code(out.status ?? 200)
          .headers(out.headers ?? {})
          .send(out.body);
      },
    });
  }
  // MCP for agents: the same guard, key and limits, answered by the MCP handler.
  registerMcpRoute(app, core, logger);
  const doc = openApiDocument(
    routes.map(([s]) => s),
    VERSION,
  );
  app.get('/v1/openapi.json', async () => doc);
  // Prometheus text format, for the operator's scraper: behind the admin token.
  app.get('/metrics', { onRequest: admin }, async (_request, reply) => {
    const { contentType, body } = await metrics.text();
    return reply.type(contentType).send(body);
  });

  app.get('/login', async (request, reply) => {
    // The answer carries a credential (or says one is spent): never from a cache.
    reply.header('cache-control', 'no-store');
    const token = (request.query as { token?: unknown }).token;
    const id = typeof token === 'string' && token.length > 0 ? sessions.redeem(token) : null;
    await sessions.recorded();
    if (!id) {
      // A browser that is signed in already (the printed link opened twice) just goes on.
      const existing = cookieValue(request.headers.cookie, SESSION_COOKIE);
      if (existing && sessions.touch(existing))
        return reply.code(303).header('location', '/').send();
      return reply.code(401).type('text/html; charset=utf-8').send(loginFailedPage);
    }
    // 303: the next request is a GET of the app, and the token leaves the address bar.
    return reply.code(303).header('set-cookie', sessionCookie(id)).header('location', '/').send();
  });

  // MCP clients send a person to /approvals?id=… (mcp/mcp-approvals.ts); the app routes by hash.
  app.get('/approvals', async (request, reply) => {
    const id = (request.query as { id?: unknown }).id;
    const keep = typeof id === 'string' && APPROVAL_ID.test(id) ? `?id=${id}` : '';
    return reply.code(302).header('location', `/#/approvals${keep}`).send();
  });

  if (hasRenderer) {
    await app.register(fastifyStatic, {
      root: deps.rendererDir!,
      prefix: '/',
      index: 'index.html',
      wildcard: false,
    });
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><title>Airlock</title><p>Airlock is running. The UI has not been built: run <code>npm run build</code>, then start again. The API is at <code>/v1/</code>.</p>',
        ),
    );
  }
  return app;
}

/** Why the server should not take traffic now, or null when it should. */
function readiness(core: Core): string | null {
  try {
    core.db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (e) {
    return `the store does not answer (${(e as Error).message})`;
  }
  if (core.audit.failing) return 'the audit writer could not commit the last batch';
  // A backlog this deep means the audit writer is not keeping up: answers would wait for it.
  if (core.audit.pending > 10_000)
    return `${core.audit.pending} audit entries are waiting to be made durable`;
  return null;
}

/** The route of a request for logs and audit details: its pattern, or its clipped path when no route matched. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? request.url.split('?')[0]!.slice(0, 200);
}

/** What an approval id can look like (a UUID); anything else is not carried into the page. */
const APPROVAL_ID = /^[A-Za-z0-9-]{1,64}$/;

/** The UI's page sections (src/renderer/src/app.tsx); any other path is not a page. */
const PAGE_SECTIONS = new Set([
  'setup',
  'workbench',
  'ask',
  'semantic',
  'connections',
  'agents',
  'audit',
  'settings',
]);

/**
 * A page address a browser asks for as a document: the UI's own sections only, so a probe of
 * /metrics or /.env is told 404 instead of being shown the app with a 200.
 */
function isClientRoute(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0]!;
  const first = path.split('/')[1] ?? '';
  return PAGE_SECTIONS.has(first) && !/\.[A-Za-z0-9]+$/.test(path);
}

function sendIndex(reply: FastifyReply) {
  // no-cache: a new build's index.html (naming new asset hashes) is picked up at once.
  return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
}

const loginFailedPage = `<!doctype html><meta charset="utf-8"><title>Airlock — sign-in link not valid</title>
<p>This sign-in link is not valid: each link works once and for 10 minutes.</p>
<p>Get a new one in a terminal on this machine: <code>bin/airlock login-link</code>
(add <code>--data-dir DIR --port N</code> if Airlock runs with them), then open the address it prints.</p>`;
