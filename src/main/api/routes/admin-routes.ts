/**
 * `/v1/admin/*`: the admin token's door to the same operations the UI performs. Each route
 * declares its shape from the operation's own schemas (src/shared/contract/ops.ts) and calls
 * the operation's handler (ui/ops-handlers.ts `adminHandlers`): nothing here validates,
 * records or shapes an answer on its own.
 */
import { z } from 'zod';
import * as C from '../../../shared/contract/api';
import type { Grant } from '../../../shared/domain';
import { AuditSearch, OPS } from '../../../shared/contract/ops';
import { ApprovalIdInput } from '../../../shared/contract/approvals';
import { patchSettings } from '../../admin/admin-actions';
import type { Core } from '../../core';
import { adminHandlers } from '../../ui/ops-handlers';
import type { RouteSpec } from '../route-table';
import type { Handler } from './handler';
import { auditReportRoutes } from './audit-report-routes';

/**
 * `GET /v1/admin/audit`'s query: the Audit page's search (filters, `text`, the `beforeId`
 * cursor) read from a query string, with the documented `limit` (up to 1,000, default 100)
 * and `offset`.
 */
export const AdminAuditQuery = AuditSearch.extend({
  beforeId: z.coerce.number().int().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** A partial settings document: validated (and a refusal audited) by the handler. */
const SettingsPatchBody = z
  .record(z.string(), z.unknown())
  .describe(
    'A partial settings document (the shape of GET /v1/admin/settings, every field optional); objects merge field by field, lists replace',
  );

export function adminRoutes(core: Core): [RouteSpec, Handler][] {
  const ops = adminHandlers(core);
  const name = (params: unknown) => (params as { name: string }).name;
  const id = (params: unknown) => (params as { id: string }).id;
  return [
    [
      {
        method: 'POST',
        url: '/v1/admin/connections',
        auth: 'admin',
        summary: 'Add a connection (tested before it is saved)',
        body: OPS.createConnection.input,
        responses: { 201: OPS.createConnection.output },
      },
      async ({ body }) => ({
        status: 201,
        body: await ops.createConnection(body as C.CreateConnection),
      }),
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/connections',
        auth: 'admin',
        summary: 'List connections',
        responses: { 200: OPS.listConnections.output },
      },
      async () => ({ body: await ops.listConnections({}) }),
    ],
    [
      {
        method: 'PUT',
        url: '/v1/admin/connections/:name',
        auth: 'admin',
        summary:
          'Re-point or rename a connection (tested before it is saved; a `***` password keeps the stored one)',
        params: C.ConnectionNameParams,
        body: OPS.updateConnection.input.shape.connection,
        responses: { 200: OPS.updateConnection.output },
      },
      async ({ params, body }) => ({
        body: await ops.updateConnection({
          name: name(params),
          connection: body as C.CreateConnection,
        }),
      }),
    ],
    [
      {
        method: 'DELETE',
        url: '/v1/admin/connections/:name',
        auth: 'admin',
        summary: 'Remove a connection and the grants that name it',
        params: C.ConnectionNameParams,
        responses: { 200: OPS.removeConnection.output },
      },
      async ({ params }) => ({ body: await ops.removeConnection({ name: name(params) }) }),
    ],
    [
      {
        method: 'POST',
        url: '/v1/admin/agents',
        auth: 'admin',
        summary: 'Create an agent; its API key is shown only in this answer',
        body: OPS.createAgent.input,
        responses: { 201: OPS.createAgent.output },
      },
      async ({ body }) => ({
        status: 201,
        body: await ops.createAgent(body as z.output<typeof OPS.createAgent.input>),
      }),
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/agents',
        auth: 'admin',
        summary: 'List agents (never their keys)',
        responses: { 200: OPS.listAgents.output },
      },
      async () => ({ body: await ops.listAgents({}) }),
    ],
    [
      {
        method: 'DELETE',
        url: '/v1/admin/agents/:id',
        auth: 'admin',
        summary: 'Revoke an agent: its key stops working at once',
        params: C.AgentIdParams,
        responses: { 200: OPS.revokeAgent.output },
      },
      async ({ params }) => ({ body: await ops.revokeAgent({ id: id(params) }) }),
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/agents/:id/grants',
        auth: 'admin',
        summary: "An agent's grants",
        params: C.AgentIdParams,
        responses: { 200: OPS.getGrants.output },
      },
      async ({ params }) => ({ body: await ops.getGrants({ id: id(params) }) }),
    ],
    [
      {
        method: 'PUT',
        url: '/v1/admin/agents/:id/grants',
        auth: 'admin',
        summary: "Replace an agent's grants",
        params: C.AgentIdParams,
        body: OPS.putGrants.input.omit({ id: true }),
        responses: { 200: OPS.putGrants.output },
      },
      async ({ params, body }) => ({
        body: await ops.putGrants({ id: id(params), grants: (body as { grants: Grant[] }).grants }),
      }),
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/audit',
        auth: 'admin',
        summary:
          "The audit log, newest first, filtered; page with `beforeId` (the last answer's `nextBeforeId`) or `offset`",
        query: AdminAuditQuery,
        responses: { 200: OPS.searchAudit.output },
      },
      async ({ query }) => ({
        body: await ops.searchAudit(query as z.output<typeof AdminAuditQuery>),
      }),
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/settings',
        auth: 'admin',
        summary: 'The settings document (the one the UI’s Settings page edits)',
        responses: { 200: OPS.getSettings.output },
      },
      async () => ({ body: await ops.getSettings({}) }),
    ],
    [
      {
        method: 'PATCH',
        url: '/v1/admin/settings',
        auth: 'admin',
        summary:
          'Change some settings: the partial document is laid over the current one, validated, saved and audited (`admin.settings.update`)',
        body: SettingsPatchBody,
        responses: { 200: OPS.putSettings.output },
      },
      async ({ body }) => ({ body: await patchSettings(core, body, ops.putSettings) }),
    ],
    [
      {
        method: 'GET',
        url: '/v1/admin/approvals',
        auth: 'admin',
        summary: 'Approvals for agent writes, newest first; all statuses when `status` is absent',
        query: OPS.listApprovals.input,
        responses: { 200: OPS.listApprovals.output },
      },
      async ({ query }) => ({
        body: await ops.listApprovals(query as z.output<typeof OPS.listApprovals.input>),
      }),
    ],
    [
      {
        method: 'POST',
        url: '/v1/admin/approvals/:id/approve',
        auth: 'admin',
        summary: 'Approve a pending approval: the agent may then run that exact request once',
        params: ApprovalIdInput,
        body: OPS.approveApproval.input.omit({ id: true }).optional(),
        responses: { 200: OPS.approveApproval.output },
      },
      async ({ params, body }) => ({
        body: await ops.approveApproval({
          id: id(params),
          ...((body ?? {}) as { note?: string }),
        }),
      }),
    ],
    [
      {
        method: 'POST',
        url: '/v1/admin/approvals/:id/deny',
        auth: 'admin',
        summary: 'Deny a pending approval, with the reason the agent is told',
        params: ApprovalIdInput,
        body: OPS.denyApproval.input.omit({ id: true }),
        responses: { 200: OPS.denyApproval.output },
      },
      async ({ params, body }) => ({
        body: await ops.denyApproval({ id: id(params), ...(body as { reason: string }) }),
      }),
    ],
    [
      {
        method: 'POST',
        url: '/v1/admin/approvals/:id/revert',
        auth: 'admin',
        summary:
          'Undo an executed approved write from the before-images it kept; 409 REVERT_CONFLICT when the rows changed since',
        params: ApprovalIdInput,
        responses: { 200: OPS.revertApproval.output },
      },
      async ({ params }) => ({ body: await ops.revertApproval({ id: id(params) }) }),
    ],
    ...auditReportRoutes(core),
  ];
}
