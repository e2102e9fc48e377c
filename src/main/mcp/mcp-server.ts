/**
 * Airlock's MCP server (API.md, "MCP for agents"): one stateless handler that serves both
 * protocol eras — 2025-06-18 / 2025-11-25 clients (`initialize` first, answered by a fresh
 * server per request) and 2026-07-28 clients (`server/discover`, per-request envelope) — from
 * the official SDK's `createMcpHandler`. The transport in front of it (api/mcp-route.ts)
 * checks Host, Origin, the agent key and the rate limit, and hands the agent's principal in.
 */
import {
  createMcpHandler,
  Server,
  type AuthInfo,
  type McpHttpHandler,
} from '@modelcontextprotocol/server';
import type { Core } from '../core';
import type { Principal } from '../query/principal';
import { VERSION } from '../version';
import { approvalRound } from './mcp-approvals';
import { mcpTools } from './mcp-tools';

const INSTRUCTIONS =
  'Airlock gives this agent least-privilege, audited access to databases. Start with list_connections, then describe_tables; every call is audited and answers its auditId.';

/**
 * What the route passes through the SDK to the server it builds for a request: the agent, and
 * Airlock's address as the request reached it (`http://` and its checked Host), for the pages
 * a result may point at.
 */
export const authFor = (principal: Principal, origin: string): AuthInfo => ({
  // The key itself never travels further than the route that checked it.
  token: '',
  clientId: principal.subject.id,
  scopes: [],
  extra: { principal, origin },
});

export function mcpHandler(core: Core, onError: (e: unknown) => void): McpHttpHandler {
  const tools = mcpTools(core, onError);
  return createMcpHandler(
    ({ authInfo }) => {
      const principal = authInfo?.extra?.principal as Principal | undefined;
      const origin = String(authInfo?.extra?.origin ?? '');
      // The route always authenticates first; a request without a principal is refused.
      if (!principal) throw new Error('MCP request without an authenticated agent');
      const server = new Server(
        { name: 'airlock', title: 'Airlock', version: VERSION },
        { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
      );
      server.setRequestHandler('tools/list', async () => ({ tools: tools.list(principal) }));
      server.setRequestHandler('tools/call', (request, ctx) =>
        tools.call(
          principal,
          request.params.name,
          request.params.arguments,
          approvalRound(ctx, origin),
        ),
      );
      return server;
    },
    {
      legacy: 'stateless',
      onerror: onError,
    },
  );
}
