/**
 * MCP tools, generated from the agent operations table (agent-ops/agent-ops.ts) the way the
 * REST routes are (api/routes/agent-routes.ts): each tool names the operation it calls, its
 * title and annotations, and what the contract's tool shape (API.md, "MCP for agents") changes
 * around it. A call goes through `callAgentOp`, so it leaves exactly the audit entry the same
 * REST request leaves, plus `transport: 'mcp'` and the tool's name in its details (carried by
 * the principal, so every layer that records the call adds them: the pipeline, the ask path,
 * the listings). A call of a tool the agent is not shown is refused with one entry too.
 */
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { z } from 'zod';
import * as C from '../../shared/contract/api';
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
  output: z.ZodObject;
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
    input: C.QueryRequest,
    output: C.ReadResult,
    as: (p) => readingOnly(p, QUERY_TOOL_READS_ONLY),
  }),
  execute: bind({
    op: 'query',
    title: 'Run a SQL write',
    description:
      'Run one SQL write (INSERT, UPDATE, DELETE) through the guard, the grants and the audit.',
    readOnly: false,
    input: C.QueryRequest.omit({ maxRows: true }),
    output: C.WriteResult,
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

/** The JSON Schema of an object schema, without the `$schema` line (tools/list stays small). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): ObjectSchema {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
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

/** The tools, for one server: what a principal is shown, and a call as that principal. */
export function mcpTools(core: Core, onInternalError: (e: unknown) => void = () => undefined) {
  const ops = agentOps(core);
  const entries = Object.entries(TOOLS) as [ToolName, ToolBinding<AgentOpName>][];
  const described = new Map(entries.map(([name, b]) => [name, describeTool(name, b)]));

  const visible = (p: Principal) => entries.filter(([, b]) => b.listedFor?.(p) ?? true);

  return {
    list(p: Principal): ToolDescription[] {
      return visible(p).map(([name]) => described.get(name)!);
    },

    async call(p: Principal, name: string, args: unknown): Promise<ToolResult> {
      // The door's mark on every entry the call leaves, whichever layer records it.
      const marked: Principal = { ...p, via: { transport: 'mcp', tool: name.slice(0, 100) } };
      const connection = (args as { connection?: unknown } | null)?.connection;
      const binding = visible(p).find(([n]) => n === name)?.[1];
      const op = binding ? (ops[binding.op] as unknown as AgentOp) : undefined;
      // A tool this agent is not shown is a protocol error, recorded before any operation runs.
      if (!binding || !op) {
        const known = Object.hasOwn(TOOLS, name) ? TOOLS[name as ToolName] : undefined;
        return refuseTool(core, marked, name, known && ops[known.op].action, connection);
      }
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
      try {
        const out = await callAgentOp(core, checked, binding.as ? binding.as(marked) : marked, {
          connection,
        } as never);
        return mirrored(binding.output.parse(out));
      } catch (e) {
        if (!isAirlockError(e)) throw e;
        return mirrored(
          {
            error: { code: e.code, message: e.message },
            ...(e.auditId !== undefined ? { auditId: e.auditId } : {}),
          },
          true,
        );
      }
    },
  };
}

/**
 * A call of a tool this principal is not shown: one refused entry (under the operation's action
 * for a tool it lacks the grants for, under `mcp` for a name Airlock has no tool for), answered
 * as JSON-RPC "invalid params" with the error's code and the entry's id as its data.
 */
async function refuseTool(
  core: Core,
  p: Principal,
  name: string,
  /** The action of the operation behind the tool, when Airlock has a tool of that name. */
  action: string | undefined,
  connection: unknown,
): Promise<never> {
  const quoted = `'${name.slice(0, 100)}'`;
  const refusal = action
    ? new AirlockError(
        'PERMISSION_DENIED',
        `tool ${quoted} is not listed for this agent: it holds no grant that allows it`,
        { rule: 'mcp:tool-not-listed' },
      )
    : new AirlockError('NOT_FOUND', `unknown tool ${quoted}`);
  const refused: AgentOp = {
    name,
    description: '',
    action: action ?? 'mcp',
    input: z.unknown(),
    output: z.unknown(),
    handler: () => Promise.reject(refusal),
  };
  try {
    await callAgentOp(core, refused, p, { connection } as never);
  } catch (e) {
    if (!isAirlockError(e)) throw e;
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, e.message, {
      code: e.code,
      ...(e.auditId !== undefined ? { auditId: e.auditId } : {}),
    });
  }
  throw new Error('unreachable: a refused tool call answered');
}
