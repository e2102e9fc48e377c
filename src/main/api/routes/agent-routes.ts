/**
 * The agent REST routes, generated from the transport-neutral table of agent operations
 * (agent-ops/agent-ops.ts): each operation's method and address here, its schemas, audit
 * action and handler there. A path parameter `:name` is the operation's `connection`, `:id` its
 * `id`; a body is its whole input. A write held for approval answers 202. Two operations answer in ways only HTTP has: a query streams large
 * results and NDJSON from the cursor (query-stream.ts), a question streams its stages as
 * Server-Sent Events or NDJSON (nl-routes.ts).
 */
import type { FastifyRequest } from 'fastify';
import * as C from '../../../shared/contract/api';
import { ApprovalIdInput, ApprovalPending } from '../../../shared/contract/approvals';
import {
  agentOps,
  callAgentOp,
  type AgentOp,
  type AgentOpContext,
  type AgentOpName,
  type AgentOps,
} from '../../agent-ops/agent-ops';
import type { Core } from '../../core';
import type { Principal } from '../../query/principal';
import type { RouteSpec } from '../route-table';
import type { Handler } from './handler';
import { askReply } from './nl-routes';
import { clientGoneSignal, streamedQuery, wantsNdjson } from './query-stream';

type Reply = Awaited<ReturnType<Handler>>;
type InputOf<N extends AgentOpName> = Parameters<AgentOps[N]['handler']>[1];
type OutputOf<N extends AgentOpName> = Awaited<ReturnType<AgentOps[N]['handler']>>;

interface RestBinding<N extends AgentOpName> {
  method: 'GET' | 'POST';
  url: string;
  /** What the OpenAPI summary adds to the operation's description for this transport. */
  note?: string;
  /** An answer only HTTP can give (a stream); otherwise the handler's output is the body. */
  reply?: (args: {
    request: FastifyRequest;
    principal: Principal;
    input: InputOf<N>;
    /** Calls the operation (callAgentOp: a failure it did not record is recorded). */
    call: (input: InputOf<N>, ctx?: AgentOpContext) => Promise<OutputOf<N>>;
  }) => Promise<Reply>;
}

type Bindings = { [N in AgentOpName]: RestBinding<N> };

function bindings(core: Core): Bindings {
  return {
    listConnections: { method: 'GET', url: '/v1/connections' },
    listTables: { method: 'GET', url: '/v1/connections/:name/tables' },
    query: {
      method: 'POST',
      url: '/v1/query',
      reply: async ({ request, principal, input, call }) => {
        if ('mongo' in input) return { body: await call(input) };
        // Exports and NDJSON stream from the cursor (query-stream.ts); the rest is answered whole.
        const ndjson = wantsNdjson(request.headers.accept);
        // A client that goes away cancels its statement on the server, before or during the rows.
        const gone = clientGoneSignal(request.raw.socket);
        if (ndjson || core.queries.isExport(input)) {
          return streamedQuery(core.queries, principal, input, ndjson ? 'ndjson' : 'json', gone);
        }
        try {
          const body = await call(input, { signal: gone.signal });
          // A write held for a person's approval was accepted, not run.
          return 'approval' in body ? { status: 202, body } : { body };
        } finally {
          gone.done();
        }
      },
    },
    ask: {
      method: 'POST',
      url: '/v1/ask',
      note: 'Send `Accept: text/event-stream` (or application/x-ndjson) to stream stages and tokens.',
      reply: ({ request, input, call }) =>
        askReply((opts) => call(input, opts), request.headers.accept),
    },
    readSemanticLayer: { method: 'GET', url: '/v1/connections/:name/semantic' },
    getApproval: { method: 'GET', url: '/v1/approvals/:id' },
  };
}

export function agentRoutes(core: Core): [RouteSpec, Handler][] {
  const ops = agentOps(core);
  const rest = bindings(core);
  return (Object.keys(ops) as AgentOpName[]).map((name) => route(core, ops[name], rest[name]));
}

function route<N extends AgentOpName>(
  core: Core,
  op: AgentOps[N],
  rest: RestBinding<N>,
): [RouteSpec, Handler] {
  type Input = InputOf<N>;
  const byName = rest.url.includes(':name');
  const byId = rest.url.includes(':id');
  const spec: RouteSpec = {
    method: rest.method,
    url: rest.url,
    auth: 'agent',
    action: op.action,
    summary: rest.note ? `${op.description} ${rest.note}` : op.description,
    ...(byName ? { params: C.ConnectionNameParams } : {}),
    ...(byId ? { params: ApprovalIdInput } : {}),
    ...(rest.method === 'POST' ? { body: op.input } : {}),
    responses: op.name === 'query' ? { 200: op.output, 202: ApprovalPending } : { 200: op.output },
  };
  const handler: Handler = async ({ request, params, body }) => {
    const principal = core.queries.agent(request.agent!);
    const input = (
      byName
        ? { connection: (params as { name: string }).name }
        : byId
          ? { id: (params as { id: string }).id }
          : (body ?? {})
    ) as Input;
    const route = { route: `${request.method} ${request.routeOptions.url}` };
    const call = (i: Input, ctx: AgentOpContext = {}) =>
      callAgentOp(core, op as unknown as AgentOp, principal, i, ctx, route) as Promise<OutputOf<N>>;
    if (rest.reply) return rest.reply({ request, principal, input, call });
    return { body: await call(input) };
  };
  return [spec, handler];
}
