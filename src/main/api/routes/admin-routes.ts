import { z } from 'zod';
import * as C from '../../../shared/contract/api';
import type { Grant } from '../../../shared/domain';
import { AirlockError } from '../../../shared/errors';
import type { Core } from '../../core';
import type { Agent } from '../../identity/agents';
import type { RouteSpec } from '../route-table';
import type { Handler } from './handler';

const agentView = (a: Agent) => a;

export function adminRoutes(core: Core): [RouteSpec, Handler][] {
  return [
    [
      { method: 'POST', url: '/v1/admin/connections', auth: 'admin', summary: 'Add a connection (tested before it is saved)', body: C.CreateConnection, responses: { 201: C.ConnectionView } },
      async ({ body }) => {
        const input = body as C.CreateConnection;
        const rec = await core.connections.create(input, core.dataDir);
        await core.auditAdmin('connection.create', { name: rec.name, kind: rec.kind, target: rec.target }, { connection: rec.name });
        return { status: 201, body: rec };
      },
    ],
    [
      { method: 'GET', url: '/v1/admin/connections', auth: 'admin', summary: 'List connections', responses: { 200: C.ConnectionList } },
      async () => ({ body: { connections: core.connections.list() } }),
    ],
    [
      { method: 'POST', url: '/v1/admin/agents', auth: 'admin', summary: 'Create an agent; its API key is shown only in this answer', body: C.CreateAgent, responses: { 201: C.CreatedAgent } },
      async ({ body }) => {
        const input = body as z.infer<typeof C.CreateAgent>;
        const { agent, apiKey } = core.agents.create(input.name, input.expiresAt);
        await core.auditAdmin('agent.create', { agentId: agent.id, name: agent.name, keyPrefix: agent.keyPrefix, expiresAt: agent.expiresAt });
        return { status: 201, body: { ...agentView(agent), apiKey } };
      },
    ],
    [
      { method: 'GET', url: '/v1/admin/agents', auth: 'admin', summary: 'List agents (never their keys)', responses: { 200: C.AgentList } },
      async () => ({ body: { agents: core.agents.list().map(agentView) } }),
    ],
    [
      { method: 'DELETE', url: '/v1/admin/agents/:id', auth: 'admin', summary: 'Revoke an agent: its key stops working at once', params: C.AgentIdParams, responses: { 200: C.AgentView } },
      async ({ params }) => {
        const { id } = params as { id: string };
        const agent = core.agents.revoke(id);
        await core.auditAdmin('agent.revoke', { agentId: agent.id, name: agent.name });
        return { body: agentView(agent) };
      },
    ],
    [
      { method: 'GET', url: '/v1/admin/agents/:id/grants', auth: 'admin', summary: "An agent's grants", params: C.AgentIdParams, responses: { 200: C.GrantList } },
      async ({ params }) => {
        const { id } = params as { id: string };
        if (!core.agents.get(id)) throw new AirlockError('NOT_FOUND', `no agent with id '${id}'`);
        return { body: { grants: core.grants.list(id) } };
      },
    ],
    [
      { method: 'PUT', url: '/v1/admin/agents/:id/grants', auth: 'admin', summary: "Replace an agent's grants", params: C.AgentIdParams, body: C.PutGrants, responses: { 200: C.GrantList } },
      async ({ params, body }) => {
        const { id } = params as { id: string };
        const agent = core.agents.get(id);
        if (!agent) throw new AirlockError('NOT_FOUND', `no agent with id '${id}'`);
        const grants = (body as { grants: Grant[] }).grants;
        const known = new Set(core.connections.list().map((c) => c.name.toLowerCase()));
        const unknown = grants.findIndex((g) => !known.has(g.connection.toLowerCase()));
        if (unknown >= 0) {
          const message = `grant names connection '${grants[unknown]!.connection}', which does not exist`;
          throw new AirlockError('VALIDATION_FAILED', message, {
            connection: grants[unknown]!.connection,
            issues: [{ path: `grants.${unknown}.connection`, message }],
          });
        }
        core.grants.replace(id, grants);
        await core.auditAdmin('grants.replace', { agentId: id, name: agent.name, grants });
        return { body: { grants: core.grants.list(id) } };
      },
    ],
    [
      { method: 'GET', url: '/v1/admin/audit', auth: 'admin', summary: 'The audit log, newest first, filtered', query: C.AuditQuery, responses: { 200: C.AuditPage } },
      async ({ query }) => {
        const q = query as z.infer<typeof C.AuditQuery>;
        const page = core.audit.list(q);
        return { body: { entries: page.entries.map(({ leafHash: _l, ...e }) => e), total: page.total } };
      },
    ],
  ];
}
