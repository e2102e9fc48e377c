import { z } from 'zod';
import * as C from '../../../shared/contract/api';
import type { Grant } from '../../../shared/domain';
import * as admin from '../../admin/admin-actions';
import type { Core } from '../../core';
import type { Agent } from '../../identity/agents';
import type { RouteSpec } from '../route-table';
import type { Handler } from './handler';
import { auditReportRoutes } from './audit-report-routes';

const agentView = (a: Agent) => a;

export function adminRoutes(core: Core): [RouteSpec, Handler][] {
  return [
    [
      {
        method: 'POST',
        url: '/v1/admin/connections',
        auth: 'admin',
        summary: 'Add a connection (tested before it is saved)',
        body: C.CreateConnection,
        responses: { 201: C.ConnectionView },
      },
      async ({ body }) => {
        return {
          status: 201,
          body: await admin.createConnection(core, body as C.CreateConnection),
        };
      },
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/connections',
        auth: 'admin',
        summary: 'List connections',
        responses: { 200: C.ConnectionList },
      },
      async () => ({ body: { connections: core.connections.list() } }),
    ],
    [
      {
        method: 'PUT',
        url: '/v1/admin/connections/:name',
        auth: 'admin',
        summary:
          'Re-point or rename a connection (tested before it is saved; a `***` password keeps the stored one)',
        params: C.ConnectionNameParams,
        body: C.CreateConnection,
        responses: { 200: C.ConnectionView },
      },
      async ({ params, body }) => ({
        body: await admin.updateConnection(
          core,
          (params as { name: string }).name,
          body as C.CreateConnection,
        ),
      }),
    ],
    [
      {
        method: 'DELETE',
        url: '/v1/admin/connections/:name',
        auth: 'admin',
        summary: 'Remove a connection and the grants that name it',
        params: C.ConnectionNameParams,
        responses: { 200: z.object({}) },
      },
      async ({ params }) => {
        await admin.removeConnection(core, (params as { name: string }).name);
        return { body: {} };
      },
    ],
    [
      {
        method: 'POST',
        url: '/v1/admin/agents',
        auth: 'admin',
        summary: 'Create an agent; its API key is shown only in this answer',
        body: C.CreateAgent,
        responses: { 201: C.CreatedAgent },
      },
      async ({ body }) => {
        const { agent, apiKey } = await admin.createAgent(
          core,
          body as z.infer<typeof C.CreateAgent>,
        );
        return { status: 201, body: { ...agentView(agent), apiKey } };
      },
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/agents',
        auth: 'admin',
        summary: 'List agents (never their keys)',
        responses: { 200: C.AgentList },
      },
      async () => ({ body: { agents: core.agents.list().map(agentView) } }),
    ],
    [
      {
        method: 'DELETE',
        url: '/v1/admin/agents/:id',
        auth: 'admin',
        summary: 'Revoke an agent: its key stops working at once',
        params: C.AgentIdParams,
        responses: { 200: C.AgentView },
      },
      async ({ params }) => {
        const { id } = params as { id: string };
        return { body: agentView(await admin.revokeAgent(core, id)) };
      },
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/agents/:id/grants',
        auth: 'admin',
        summary: "An agent's grants",
        params: C.AgentIdParams,
        responses: { 200: C.GrantList },
      },
      async ({ params }) => {
        const { id } = params as { id: string };
        admin.requireAgent(core, id);
        return { body: { grants: core.grants.list(id) } };
      },
    ],
    [
      {
        method: 'PUT',
        url: '/v1/admin/agents/:id/grants',
        auth: 'admin',
        summary: "Replace an agent's grants",
        params: C.AgentIdParams,
        body: C.PutGrants,
        responses: { 200: C.GrantList },
      },
      async ({ params, body }) => {
        const { id } = params as { id: string };
        return {
          body: {
            grants: await admin.replaceGrants(core, id, (body as { grants: Grant[] }).grants),
          },
        };
      },
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/audit',
        auth: 'admin',
        summary: 'The audit log, newest first, filtered',
        query: C.AuditQuery,
        responses: { 200: C.AuditPage },
      },
      async ({ query }) => {
        const q = query as z.infer<typeof C.AuditQuery>;
        const page = core.audit.list(q);
        return {
          body: { entries: page.entries.map(({ leafHash: _l, ...e }) => e), total: page.total },
        };
      },
    ],
    ...auditReportRoutes(core),
  ];
}
