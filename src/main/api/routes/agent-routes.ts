import * as C from '../../../shared/contract/api';
import { AirlockError } from '../../../shared/errors';
import type { Core } from '../../core';
import { permittedColumns } from '../../policy/policy';
import type { RouteSpec } from '../route-table';
import type { Handler } from './handler';

export function agentRoutes(core: Core): [RouteSpec, Handler][] {
  const grantedConnections = (agentId: string) => {
    const names = new Set(
      core.grants
        .list(agentId)
        .filter((g) => (g.effect ?? 'allow') === 'allow')
        .map((g) => g.connection.toLowerCase()),
    );
    return core.connections.list().filter((c) => names.has(c.name.toLowerCase()));
  };

  return [
    [
      { method: 'GET', url: '/v1/connections', auth: 'agent', summary: 'The connections this agent holds a grant on', responses: { 200: C.AgentConnectionList } },
      async ({ request }) => ({
        body: { connections: grantedConnections(request.agent!.id).map((c) => ({ name: c.name, kind: c.kind })) },
      }),
    ],
    [
      { method: 'GET', url: '/v1/connections/:name/tables', auth: 'agent', summary: 'The tables and columns this agent may use', params: C.ConnectionNameParams, responses: { 200: C.AgentTables } },
      async ({ request, params }) => {
        const agent = request.agent!;
        const { name } = params as { name: string };
        const conn = grantedConnections(agent.id).find((c) => c.name.toLowerCase() === name.toLowerCase());
        if (!conn) throw new AirlockError('PERMISSION_DENIED', `agent '${agent.name}' has no grant on connection '${name}'`);
        const grants = core.grants.list(agent.id);
        const connector = core.connections.connector(conn.name);
        const { tables } = await core.connections.schema(conn.name);
        const out = [];
        for (const t of tables) {
          const names = t.columns.map((c) => c.name);
          const readable = permittedColumns(grants, conn.name, t.name, names, 'read', connector.defaultSchema);
          const writable = permittedColumns(grants, conn.name, t.name, names, 'write', connector.defaultSchema);
          if (readable.length === 0 && writable.length === 0) continue;
          const visible = new Set([...readable, ...writable]);
          out.push({
            name: t.name,
            actions: [...(readable.length ? ['read' as const] : []), ...(writable.length ? ['write' as const] : [])],
            columns: t.columns.filter((c) => visible.has(c.name)),
          });
        }
        return { body: { tables: out } };
      },
    ],
    [
      { method: 'POST', url: '/v1/query', auth: 'agent', summary: 'Run one SQL statement through the guard, the policy and the audit', body: C.QueryRequest, responses: { 200: C.ReadResult.or(C.WriteResult) } },
      async ({ request, body }) => {
        const outcome = await core.queries.query(request.agent!, body as C.QueryRequest);
        if (outcome.kind === 'read') {
          const { kind: _k, ...rest } = outcome;
          return { body: rest };
        }
        const { kind: _k, ...rest } = outcome;
        return { body: rest };
      },
    ],
  ];
}
