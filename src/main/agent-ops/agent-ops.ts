/**
 * What an agent can do, once, independent of the transport: each operation has a name, a
 * description, input and output schemas, the audit action it is recorded under, and a
 * handler `(principal, input, context)`. The agent REST routes (api/routes/agent-routes.ts,
 * nl-routes.ts) and so the agent part of the OpenAPI document are generated from this table;
 * MCP tools are to be generated from it the same way.
 *
 * Listings are agent requests too: each is audited (API.md) and answers its entry's id.
 * Queries and questions are audited by the pipeline and the ask path.
 */
import { z } from 'zod';
import * as C from '../../shared/contract/api';
import {
  AgentApprovalView,
  ApprovalIdInput,
  ApprovalPending,
} from '../../shared/contract/approvals';
import { AskAnswer, AskRequest, type AskEvent, SemanticLayer } from '../../shared/contract/nl';
import { AirlockError, isAirlockError, type ErrorCode } from '../../shared/errors';
import { auditEntry, failedRequestEntry } from '../audit/entry';
import type { Core } from '../core';
import { exactlyGranted } from '../policy/mongo-policy';
import { permittedColumns } from '../policy/policy';
import { holdsGrantOn, principalDetails, type Principal } from '../query/principal';

/** What a transport hands a handler besides the input. */
export interface AgentOpContext {
  /** Aborts the work when the client goes away. */
  signal?: AbortSignal;
  /** Progress as it happens (an ask's stages and tokens), where the transport can stream it. */
  onEvent?: (e: AskEvent) => void;
  /** What the transport adds to the details of the entries a listing records (MCP: the tool). */
  details?: Record<string, unknown>;
}

export interface AgentOp<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** The audit action of the request (failures the handler does not record are recorded under it). */
  action: string;
  input: I;
  output: O;
  handler: (principal: Principal, input: z.output<I>, ctx: AgentOpContext) => Promise<z.infer<O>>;
}

const op = <I extends z.ZodType, O extends z.ZodType>(o: AgentOp<I, O>): AgentOp<I, O> => o;

/** The semantic layer an agent reads, cut to what it may read, with the read's audit id. */
export const AgentLayer = z.object({ layer: SemanticLayer, auditId: z.number().int() });
const ConnectionInput = z.object({ connection: C.ConnectionNameParams.shape.name });
/** The tables an agent may use, with the semantic layer's descriptions where it has them. */
export const DescribedTables = z.object({
  tables: z.array(
    z.object({
      name: z.string(),
      description: z.string().optional(),
      actions: z.array(z.enum(['read', 'write'])),
      columns: z.array(
        z.object({ name: z.string(), type: z.string(), description: z.string().optional() }),
      ),
    }),
  ),
  auditId: z.number().int(),
});
export const TablesInput = ConnectionInput.extend({
  /** Only these tables (MCP's describe_tables); all the agent may use when absent. */
  tables: z.array(z.string().min(1).max(256)).max(1000).optional(),
});

export function agentOps(core: Core) {
  const grantedConnections = (p: Principal) =>
    core.connections.list().filter((c) => holdsGrantOn(p, c.name));

  const noGrant = (p: Principal, name: string) =>
    new AirlockError(
      'PERMISSION_DENIED',
      `agent '${p.subject.name}' has no grant on connection '${name}'`,
      { rule: 'default-deny' },
    );

  /** The granted connection by name, or the refusal that says nothing of connections not granted. */
  const grantedConnection = (p: Principal, name: string) => {
    const conn = grantedConnections(p).find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (!conn) throw noGrant(p, name);
    return conn;
  };

  const auditAllowed = (
    p: Principal,
    action: string,
    connection: string | null,
    reason: string,
    rowCount: number,
    details: Record<string, unknown> = {},
    transport: AgentOpContext = {},
  ) =>
    core.audit.append(
      auditEntry(core.clock, {
        actor: p.actor,
        action,
        connection,
        decision: 'allow',
        rule: 'grants',
        reason,
        rowCount,
        details: { ...principalDetails(p), ...transport.details, ...details },
      }),
    );

  return {
    listConnections: op({
      name: 'listConnections',
      description: 'The connections this agent holds a grant on',
      action: 'connections.list',
      input: z.object({}),
      output: C.AgentConnectionList,
      handler: async (p, _input, ctx) => {
        const connections = grantedConnections(p).map((c) => ({ name: c.name, kind: c.kind }));
        const auditId = await auditAllowed(
          p,
          'connections.list',
          null,
          `listed the ${connections.length} connection(s) agent '${p.subject.name}' holds grants on`,
          connections.length,
          {},
          ctx,
        );
        return { connections, auditId };
      },
    }),

    listTables: op({
      name: 'listTables',
      description: 'The tables and columns this agent may use, with their descriptions',
      action: 'connections.tables',
      input: TablesInput,
      output: DescribedTables,
      handler: async (p, { connection, tables: only }, ctx) => {
        const conn = grantedConnection(p, connection);
        const connector = core.connections.connector(conn.name);
        const { tables } = await core.connections.schema(conn.name);
        const wanted = only && new Set(only.map((n) => n.toLowerCase()));
        // Descriptions from the semantic layer, itself cut to what this agent may read. The
        // semantic layer describes SQL connections: a MongoDB one has none.
        const layer =
          conn.kind === 'mongodb' ? null : await core.nl.semantic.forAsker(conn.name, p);
        const described = new Map((layer?.tables ?? []).map((t) => [t.name.toLowerCase(), t]));
        const out = [];
        for (const t of tables) {
          if (wanted && !wanted.has(t.name.toLowerCase())) continue;
          const names = t.columns.map((c) => c.name);
          // MongoDB names are case-sensitive: list only what grants name exactly.
          const usable = (action: 'read' | 'write') => {
            const cols = permittedColumns(
              p.grants,
              conn.name,
              t.name,
              names,
              action,
              connector.defaultSchema,
            );
            return conn.kind === 'mongodb'
              ? exactlyGranted(p.grants, conn.name, t.name, cols, action)
              : cols;
          };
          const readable = usable('read');
          const writable = usable('write');
          if (readable.length === 0 && writable.length === 0) continue;
          const visible = new Set([...readable, ...writable]);
          const about = described.get(t.name.toLowerCase());
          const columnText = new Map(
            (about?.columns ?? []).map((c) => [c.name.toLowerCase(), c.description]),
          );
          out.push({
            name: t.name,
            ...(about?.description ? { description: about.description } : {}),
            actions: [
              ...(readable.length ? ['read' as const] : []),
              ...(writable.length ? ['write' as const] : []),
            ],
            columns: t.columns
              .filter((c) => visible.has(c.name))
              .map((c) => {
                const description = columnText.get(c.name.toLowerCase());
                return description ? { ...c, description } : c;
              }),
          });
        }
        const auditId = await auditAllowed(
          p,
          'connections.tables',
          conn.name,
          `listed the ${out.length} table(s) agent '${p.subject.name}' may use`,
          out.length,
          {},
          ctx,
        );
        return { tables: out, auditId };
      },
    }),

    query: op({
      name: 'query',
      description:
        'Run one SQL statement or one MongoDB structured query through the guard, the policy and the audit',
      action: 'query',
      input: C.AgentQueryRequest,
      output: C.ReadResult.or(C.WriteResult).or(ApprovalPending),
      handler: async (p, req, { signal }) => {
        if ('mongo' in req) return core.queries.run(p, req);
        const { kind: _k, ...rest } = await core.queries.run(p, req, signal);
        return rest;
      },
    }),

    getApproval: op({
      name: 'getApproval',
      description:
        "One of this agent's own approvals: its status (pending, approved, denied, expired, executed, reverted), expiry, and a denial's reason",
      action: 'approvals.get',
      input: ApprovalIdInput,
      output: z.object({ approval: AgentApprovalView, auditId: z.number().int() }),
      handler: async (p, { id }, ctx) => {
        // Another agent's approval is NOT_FOUND, as one that does not exist.
        const approval = core.approvals.forAgent(p.subject.id, id);
        const auditId = await auditAllowed(
          p,
          'approvals.get',
          null,
          `read approval '${approval.id}' of agent '${p.subject.name}'`,
          1,
          { approvalId: approval.id, status: approval.status },
          ctx,
        );
        return { approval, auditId };
      },
    }),

    ask: op({
      name: 'ask',
      description:
        'Answer a question in plain language (local model via Ollama); the SQL goes through the same guard, policy and audit as a query.',
      action: 'ask',
      input: AskRequest,
      output: AskAnswer,
      handler: (p, req, ctx) => core.nl.asks.ask(p, req, ctx),
    }),

    readSemanticLayer: op({
      name: 'readSemanticLayer',
      description: 'The semantic layer, cut to what this agent may read',
      action: 'semantic.read',
      input: ConnectionInput,
      output: AgentLayer,
      handler: async (p, { connection }) => {
        if (!holdsGrantOn(p, connection)) throw noGrant(p, connection);
        const layer = await core.nl.semantic.forAsker(connection, p);
        const auditId = await auditAllowed(
          p,
          'semantic.read',
          connection,
          `read the semantic layer of '${connection}', filtered to agent '${p.subject.name}''s grants`,
          layer.tables.length,
          { examples: layer.examples.length, metrics: layer.metrics.length },
        );
        return { layer, auditId };
      },
    }),
  };
}

export type AgentOps = ReturnType<typeof agentOps>;
export type AgentOpName = keyof AgentOps;

/** The rule an agent request's refusal is recorded under when nothing more specific names one. */
export const AGENT_REQUEST_RULE = (code: ErrorCode) => `request:${code}`;

/**
 * Calls an operation for a principal, as every transport does: a failure the handler did not
 * record itself (a listing refused, a schema that could not be read) is recorded here, under
 * the operation's action, so each request leaves exactly one entry whatever the door.
 * `details` are what the transport adds to such an entry (the HTTP route).
 */
export async function callAgentOp<I extends z.ZodType, O extends z.ZodType>(
  core: Core,
  op: AgentOp<I, O>,
  principal: Principal,
  input: z.output<I>,
  ctx: AgentOpContext = {},
  details: Record<string, unknown> = {},
): Promise<z.infer<O>> {
  try {
    return await op.handler(principal, input, ctx);
  } catch (e) {
    if (!isAirlockError(e) || e.auditId !== undefined) throw e;
    const connection = (input as { connection?: unknown }).connection;
    const { entry } = failedRequestEntry(
      core.clock,
      {
        actor: principal.actor,
        action: op.action,
        connection: typeof connection === 'string' ? connection : null,
        details: { ...principalDetails(principal), ...details },
      },
      e,
      AGENT_REQUEST_RULE,
    );
    try {
      e.auditId = await core.audit.append(entry);
    } catch {
      throw new AirlockError(
        'AUDIT_UNAVAILABLE',
        'the audit log could not record this request, so it was refused',
      );
    }
    throw e;
  }
}
