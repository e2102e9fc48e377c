import * as C from '../../../shared/contract/api';
import { AirlockError } from '../../../shared/errors';
import type { Core } from '../../core';
import type { Agent } from '../../identity/agents';
import { exactlyGranted } from '../../policy/mongo-policy';
import { permittedColumns } from '../../policy/policy';
import { MongoQueryService } from '../../query/mongo-query-service';
import type { RouteSpec } from '../route-table';
import type { Handler } from './handler';
import { clientGoneSignal, streamedQuery, wantsNdjson } from './query-stream';

export function agentRoutes(core: Core): [RouteSpec, Handler][] {
  const mongoQueries = new MongoQueryService({
    connections: core.connections,
    audit: core.audit,
    grantsOf: (id) => core.grants.list(id),
    limits: () => core.queryLimits(),
    clock: core.clock,
  });
  const grantedConnections = (agentId: string) => {
    const names = new Set(
      core.grants
        .list(agentId)
        .filter((g) => (g.effect ?? 'allow') === 'allow')
        .map((g) => g.connection.toLowerCase()),
    );
    return core.connections.list().filter((c) => names.has(c.name.toLowerCase()));
  };

  /** Listings are agent requests too: each one is audited (API.md), and answers its entry's id. */
  const auditListing = (
    agent: Agent,
    action: string,
    connection: string | null,
    reason: string,
    rowCount: number,
  ) =>
    core.audit.append({
      time: core.clock.now().toISOString(),
      actor: `agent:${agent.name}`,
      action,
      connection,
      statement: null,
      paramsHash: null,
      decision: 'allow',
      rule: 'grants',
      reason,
      status: 'allowed',
      rowCount,
      latencyMs: null,
      details: { agentId: agent.id },
    });

  return [
    [
      {
        method: 'GET',
        url: '/v1/connections',
        auth: 'agent',
        action: 'connections.list',
        summary: 'The connections this agent holds a grant on',
        responses: { 200: C.AgentConnectionList },
      },
      async ({ request }) => {
        const agent = request.agent!;
        const connections = grantedConnections(agent.id).map((c) => ({
          name: c.name,
          kind: c.kind,
        }));
        const auditId = await auditListing(
          agent,
          'connections.list',
          null,
          `listed the ${connections.length} connection(s) agent '${agent.name}' holds grants on`,
          connections.length,
        );
        return { body: { connections, auditId } };
      },
    ],
    [
      {
        method: 'GET',
        url: '/v1/connections/:name/tables',
        auth: 'agent',
        action: 'connections.tables',
        summary: 'The tables and columns this agent may use',
        params: C.ConnectionNameParams,
        responses: { 200: C.AgentTables },
      },
      async ({ request, params }) => {
        const agent = request.agent!;
        const { name } = params as { name: string };
        const conn = grantedConnections(agent.id).find(
          (c) => c.name.toLowerCase() === name.toLowerCase(),
        );
        if (!conn)
          throw new AirlockError(
            'PERMISSION_DENIED',
            `agent '${agent.name}' has no grant on connection '${name}'`,
            { rule: 'default-deny' },
          );
        const grants = core.grants.list(agent.id);
        const connector = core.connections.connector(conn.name);
        const { tables } = await core.connections.schema(conn.name);
        const out = [];
        for (const t of tables) {
          const names = t.columns.map((c) => c.name);
          // MongoDB names are case-sensitive: list only what grants name exactly.
          const exact = (cols: string[], action: 'read' | 'write') =>
            conn.kind === 'mongodb'
              ? exactlyGranted(grants, conn.name, t.name, cols, action)
              : cols;
          const readable = exact(
            permittedColumns(grants, conn.name, t.name, names, 'read', connector.defaultSchema),
            'read',
          );
          const writable = exact(
            permittedColumns(grants, conn.name, t.name, names, 'write', connector.defaultSchema),
            'write',
          );
          if (readable.length === 0 && writable.length === 0) continue;
          const visible = new Set([...readable, ...writable]);
          out.push({
            name: t.name,
            actions: [
              ...(readable.length ? ['read' as const] : []),
              ...(writable.length ? ['write' as const] : []),
            ],
            columns: t.columns.filter((c) => visible.has(c.name)),
          });
        }
        const auditId = await auditListing(
          agent,
          'connections.tables',
          conn.name,
          `listed the ${out.length} table(s) agent '${agent.name}' may use`,
          out.length,
        );
        return { body: { tables: out, auditId } };
      },
    ],
    [
      {
        method: 'POST',
        url: '/v1/query',
        auth: 'agent',
        action: 'query',
        summary:
          'Run one SQL statement or one MongoDB structured query through the guard, the policy and the audit',
        body: C.AgentQueryRequest,
        responses: { 200: C.ReadResult.or(C.WriteResult) },
      },
      async ({ request, body }) => {
        const req = body as C.AgentQueryRequest;
        if ('mongo' in req) return { body: await mongoQueries.query(request.agent!, req) };
        const sqlReq = body as C.QueryRequest;
        // Exports and NDJSON stream from the cursor (query-stream.ts); the rest is answered whole.
        const ndjson = wantsNdjson(request.headers.accept);
        // A client that goes away cancels its statement on the server, before or during the rows.
        const gone = clientGoneSignal(request.raw.socket);
        if (ndjson || core.queries.isExport(sqlReq)) {
          return streamedQuery(
            core.queries,
            request.agent!,
            sqlReq,
            ndjson ? 'ndjson' : 'json',
            gone,
          );
        }
        let outcome;
        try {
          outcome = await core.queries.query(request.agent!, sqlReq, gone.signal);
        } finally {
          gone.done();
        }
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
