/**
 * MCP tools, generated from the agent operations table (agent-ops/agent-ops.ts) the way the
 * REST routes are (api/routes/agent-routes.ts): each tool names the operation it calls, its
 * title and annotations, and what the contract's tool shape (API.md, "MCP for agents") changes
 * around it. A call goes through `callAgentOp`, so it leaves exactly the audit entry the same
 * REST request leaves, plus `transport: 'mcp'` and the tool's name in its details (carried by
 * the principal, so every layer that records the call adds them: the pipeline, the ask path,
 * the listings). A call of a tool the agent is not shown is refused with one entry too. A write
 * that needs a person's approval answers the approval, or sends the person to it
 * (mcp-approvals.ts).
 */
import {
  ProtocolError,
  ProtocolErrorCode,
  type InputRequiredResult,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import * as C from '../../shared/contract/api';
import { ApprovalPending } from '../../shared/contract/approvals';
import { AskAnswer, AskRequest } from '../../shared/contract/nl';
import { AirlockError, isAirlockError } from '../../shared/errors';
import {
  agentOps,
  callAgentOp,
  DescribedTables,
  TablesInput,
  type AgentOp,
  type AgentOpName,
  type AgentOps,
} from '../agent-ops/agent-ops';
import type { Core } from '../core';
import { readingOnly, type Principal, type ReadOnlyRule } from '../query/principal';
import { approvalStates, invalidState, type ApprovalRound } from './mcp-approvals';

type InputOf<N extends AgentOpName> = Parameters<AgentOps[N]['handler']>[1];

/** The `query` tool reads only: a write sent to it is refused by the pipeline under this rule. */
const QUERY_TOOL_READS_ONLY: ReadOnlyRule = {
  rule: 'mcp:query-reads-only',
  reason: (kind) =>
    `the query tool only reads; a ${kind.toUpperCase()} statement was refused (use the execute tool)`,
};

interface ToolBinding<N extends AgentOpName> {
  op: N;
  title: string;
  description: string;
  /** A tool that only reads (`readOnlyHint`), or one that may change data (`destructiveHint`). */
  readOnly: boolean;
  input: z.ZodType;
  /** The tool's structured content: the operation's output cut to these fields. */
  output: z.ZodType;
  /** Whether the tool is listed (and callable) for this principal; always when absent. */
  listedFor?: (p: Principal) => boolean;
  /** The principal the operation runs as (the `query` tool narrows it to reads). */
  as?: (p: Principal) => Principal;
}

const holdsWriteGrant = (p: Principal) =>
  p.grants.some((g) => (g.effect ?? 'allow') === 'allow' && g.actions.includes('write'));

const bind = <N extends AgentOpName>(b: ToolBinding<N>) => b;

/** In the order tools/list answers them. */
const TOOLS = {
  list_connections: bind({
    op: 'listConnections',
    title: 'List connections',
    description: 'The database connections this agent may use.',
    readOnly: true,
    input: z.object({}),
    output: C.AgentConnectionList,
  }),
  describe_tables: bind({
    op: 'listTables',
    title: 'Describe tables',
    description:
      'Tables and columns of a connection this agent may use (all, or the ones named), with their descriptions.',
    readOnly: true,
    input: TablesInput,
    output: DescribedTables,
  }),
  query: bind({
    op: 'query',
    title: 'Run a read-only SQL query',
    description:
      'Run one SQL read through the guard, the grants and the audit. Use ? or :name placeholders with params.',
    readOnly: true,
    input: C.QueryRequest.omit({ approvalId: true }),
    output: C.ReadResult,
    as: (p) => readingOnly(p, QUERY_TOOL_READS_ONLY),
  }),
  execute: bind({
    op: 'query',
    title: 'Run a SQL write',
    description:
      "Run one SQL write (INSERT, UPDATE, DELETE) through the guard, the grants and the audit. A write that needs a person's approval is not run: it answers { approval }; once approved, send the same call again with its approvalId.",
    readOnly: false,
    input: C.QueryRequest.omit({ maxRows: true }),
    output: C.WriteResult.or(ApprovalPending),
    listedFor: holdsWriteGrant,
  }),
  ask: bind({
    op: 'ask',
    title: 'Ask a question',
    description:
      'Answer a question in plain language: a local model writes the SQL, which runs read-only through the guard.',
    readOnly: true,
    input: AskRequest.pick({ connection: true, question: true }),
    output: AskAnswer.pick({
      sql: true,
      explanation: true,
      summary: true,
      columns: true,
      rows: true,
      rowCount: true,
      truncated: true,
      auditId: true,
    }),
  }),
} satisfies Record<string, ToolBinding<AgentOpName>>;

export type ToolName = keyof typeof TOOLS;

export interface ToolDescription {
  name: string;
  title: string;
  description: string;
  inputSchema: ObjectSchema;
  outputSchema: ObjectSchema;
  annotations: {
    title: string;
    readOnlyHint: boolean;
    destructiveHint: boolean;
    idempotentHint: boolean;
    openWorldHint: boolean;
  };
}

export interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent: Record<string, unknown>;
  isError?: boolean;
}

/** A JSON Schema of an object, as MCP wants a tool's schemas. */
type ObjectSchema = { [key: string]: unknown; type: 'object' };

/**
 * The JSON Schema of an object schema, without what says nothing to a client (tools/list stays
 * small): the `$schema` line, and the safe-integer bounds zod puts on every integer.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): ObjectSchema {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: ({ jsonSchema: js }) => {
      if (js.minimum === Number.MIN_SAFE_INTEGER) delete js.minimum;
      if (js.maximum === Number.MAX_SAFE_INTEGER) delete js.maximum;
    },
  });
  return { ...rest, type: 'object' };
}

const describeTool = (name: string, b: ToolBinding<AgentOpName>): ToolDescription => ({
  name,
  title: b.title,
  description: b.description,
  inputSchema: jsonSchema(b.input, 'input'),
  outputSchema: jsonSchema(b.output, 'input'),
  annotations: {
    title: b.title,
    readOnlyHint: b.readOnly,
    destructiveHint: !b.readOnly,
    idempotentHint: b.readOnly,
    // The databases are the agent's world as granted, not the open internet.
    openWorldHint: false,
  },
});

const mirrored = (structuredContent: Record<string, unknown>, isError = false): ToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(structuredContent) }],
  structuredContent,
  ...(isError ? { isError: true } : {}),
});

/** What a call answers: a tool result, or (approvals, 2026-07-28) a request for the client's input. */
export type CallAnswer = ToolResult | InputRequiredResult;

const refusal = (e: AirlockError): ToolResult =>
  mirrored(
    {
      error: { code: e.code, message: e.message },
      ...(e.auditId !== undefined ? { auditId: e.auditId } : {}),
    },
    true,
  );

/** The tools, for one server: what a principal is shown, and a call as that principal. */
export function mcpTools(core: Core, onInternalError: (e: unknown) => void = () => undefined) {
  const ops = agentOps(core);
  const states = approvalStates();
  const entries = Object.entries(TOOLS) as [ToolName, ToolBinding<AgentOpName>][];
  const described = new Map(entries.map(([name, b]) => [name, describeTool(name, b)]));

  const visible = (p: Principal) => entries.filter(([, b]) => b.listedFor?.(p) ?? true);

  /** Records a refusal decided here, before any operation ran: one entry, as callAgentOp writes it. */
  async function refused(
    p: Principal,
    action: string,
    connection: unknown,
    e: AirlockError,
  ): Promise<AirlockError> {
    const op: AgentOp = {
      name: action,
      description: '',
      action,
      input: z.unknown(),
      output: z.unknown(),
      handler: () => Promise.reject(e),
    };
    try {
      await callAgentOp(core, op, p, { connection } as never);
    } catch (recorded) {
      if (isAirlockError(recorded)) return recorded;
      throw recorded;
    }
    throw new Error('unreachable: a refusal answered');
  }

  /** Runs the tool's operation on these arguments: its output, or the refusal it recorded. */
  async function run(
    binding: ToolBinding<AgentOpName>,
    op: AgentOp,
    p: Principal,
    args: unknown,
  ): Promise<{ out: Record<string, unknown> } | { error: AirlockError }> {
    // Input validation and unexpected failures are inside the call, so they are audited too.
    const checked: AgentOp = {
      ...op,
      handler: async (principal, _input, ctx) => {
        const parsed = binding.input.safeParse(args ?? {});
        if (!parsed.success) {
          throw new AirlockError('VALIDATION_FAILED', z.prettifyError(parsed.error));
        }
        try {
          return await op.handler(principal, parsed.data as InputOf<AgentOpName>, ctx);
        } catch (e) {
          if (isAirlockError(e)) throw e;
          onInternalError(e);
          throw new AirlockError(
            'INTERNAL',
            'Airlock hit an internal error; the request was not completed',
          );
        }
      },
    };
    const connection = (args as { connection?: unknown } | null)?.connection;
    try {
      const out = await callAgentOp(core, checked, binding.as ? binding.as(p) : p, {
        connection,
      } as never);
      return { out: binding.output.parse(out) as Record<string, unknown> };
    } catch (e) {
      if (!isAirlockError(e)) throw e;
      return { error: e };
    }
  }

  /**
   * `execute` for a write that needs approval: `{ approval }` to any client; for one that can
   * be sent to a URL, `input_required` pointing at the Approvals page, and on its retry (the
   * sealed state names the approval) the write, if a person approved it.
   */
  async function execute(
    binding: ToolBinding<AgentOpName>,
    op: AgentOp,
    p: Principal,
    args: unknown,
    round: ApprovalRound | undefined,
  ): Promise<CallAnswer> {
    const connection = (args as { connection?: unknown } | null)?.connection;
    let input = args;
    if (round?.requestState !== undefined) {
      let approvalId: string;
      try {
        approvalId = await states.redeem(round, p.subject.id);
        const sent = (args as { approvalId?: unknown } | null)?.approvalId;
        if (sent !== undefined && sent !== approvalId) throw invalidState();
      } catch (e) {
        if (!isAirlockError(e)) throw e;
        const recorded = await refused(p, op.action, connection, e);
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          'Invalid or expired requestState',
          {
            reason: 'invalid_request_state',
            code: recorded.code,
            ...(recorded.auditId !== undefined ? { auditId: recorded.auditId } : {}),
          },
        );
      }
      if (round.answer === 'decline' || round.answer === 'cancel') {
        const e = new AirlockError(
          'APPROVAL_REQUIRED',
          `not run: the client ${round.answer === 'decline' ? 'declined' : 'cancelled'} the approval page; once a person approved approval '${approvalId}', send execute again with it as approvalId`,
          { approvalId },
        );
        return refusal(await refused(p, op.action, connection, e));
      }
      input = { ...(args as object), approvalId };
    }
    const done = await run(binding, op, p, input);
    if ('out' in done) {
      const pending = (done.out as { approval?: { id: string; preview: { rowsAffected: number } } })
        .approval;
      if (pending && round?.urlElicitation) return states.ask(round, pending, p.subject.id);
      return mirrored(done.out);
    }
    // Still waiting for the person after the client said it was done: ask again, freshly sealed.
    const waiting = done.error.code === 'APPROVAL_PENDING' && round?.requestState !== undefined;
    if (waiting && round.urlElicitation && round.answer !== 'decline') {
      const id = String(done.error.details.approvalId);
      return states.ask(round, { id, preview: core.approvals.get(id).preview }, p.subject.id);
    }
    return refusal(done.error);
  }

  return {
    list(p: Principal): ToolDescription[] {
      return visible(p).map(([name]) => described.get(name)!);
    },

    async call(
      p: Principal,
      name: string,
      args: unknown,
      round?: ApprovalRound,
    ): Promise<CallAnswer> {
      // The door's mark on every entry the call leaves, whichever layer records it.
      const marked: Principal = { ...p, via: { transport: 'mcp', tool: name.slice(0, 100) } };
      const connection = (args as { connection?: unknown } | null)?.connection;
      const binding = visible(p).find(([n]) => n === name)?.[1];
      const op = binding ? (ops[binding.op] as unknown as AgentOp) : undefined;
      // A tool this agent is not shown is a protocol error, recorded before any operation runs.
      if (!binding || !op) {
        const known = Object.hasOwn(TOOLS, name) ? TOOLS[name as ToolName] : undefined;
        const quoted = `'${name.slice(0, 100)}'`;
        const e = known
          ? new AirlockError(
              'PERMISSION_DENIED',
              `tool ${quoted} is not listed for this agent: it holds no grant that allows it`,
              { rule: 'mcp:tool-not-listed' },
            )
          : new AirlockError('NOT_FOUND', `unknown tool ${quoted}`);
        const recorded = await refused(marked, known ? ops[known.op].action : 'mcp', connection, e);
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, recorded.message, {
          code: recorded.code,
          ...(recorded.auditId !== undefined ? { auditId: recorded.auditId } : {}),
        });
      }
      if (name === 'execute') return execute(binding, op, marked, args, round);
      const done = await run(binding, op, marked, args);
      return 'out' in done ? mirrored(done.out) : refusal(done.error);
    },
  };
}
