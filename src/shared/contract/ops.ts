/**
 * Every operation the management UI performs, declared once (STYLE.md §3). The HTTP
 * transport (`POST /v1/ui/<name>` with the session cookie), the Electron IPC transport
 * (`window.airlock.<method>` through the preload) and the renderer's client are all derived
 * from this table; no type is written twice.
 */
import { z } from 'zod';
import {
  AgentView,
  AuditEntryView,
  AuditVerifyResult,
  ConnectionView,
  CreateAgent,
  CreateConnection,
  CreatedAgent,
  GrantSchema,
} from './api';

const Void = z.object({});
const ColumnOut = z.object({ name: z.string(), type: z.string() });

export const TableSchemaView = z.object({
  name: z.string(),
  columns: z.array(ColumnOut),
});

export const Limits = z.object({
  maxRows: z.number().int().min(1).max(10_000_000),
  maxBytes: z.number().int().min(1024).max(2 * 1024 * 1024 * 1024),
  timeoutMs: z.number().int().min(100).max(3_600_000),
  ratePerMinute: z.number().int().min(1).max(1_000_000),
  ratePerHour: z.number().int().min(1).max(10_000_000),
  ratePerDay: z.number().int().min(1).max(100_000_000),
});

export const Settings = z.object({
  limits: Limits,
  ollama: z.object({ url: z.url(), model: z.string().max(200) }),
});

export const ColumnAccess = z.object({
  name: z.string(),
  type: z.string(),
  read: z.boolean(),
  write: z.boolean(),
});
export const AccessPreview = z.object({
  connections: z.array(
    z.object({
      name: z.string(),
      tables: z.array(z.object({ name: z.string(), read: z.boolean(), write: z.boolean(), columns: z.array(ColumnAccess) })),
    }),
  ),
});

export const RunQuery = z.strictObject({
  connection: z.string().min(1),
  sql: z.string().min(1).max(100_000),
  params: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).max(1000).optional(),
  /** Run with this agent's grants, to preview what it would get or why it would be denied. */
  asAgent: z.string().optional(),
  maxRows: z.number().int().min(1).max(1_000_000).optional(),
});
export const QueryOutcome = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    columns: z.array(ColumnOut),
    rows: z.array(z.array(z.unknown())),
    rowCount: z.number().int(),
    truncated: z.boolean(),
    auditId: z.number().int(),
    elapsedMs: z.number(),
  }),
  z.object({
    ok: z.literal(false),
    code: z.string(),
    message: z.string(),
    auditId: z.number().int().nullable(),
  }),
]);

export const AuditSearch = z.strictObject({
  agent: z.string().max(64).optional(),
  connection: z.string().max(64).optional(),
  status: z.enum(['allowed', 'denied', 'error']).optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  text: z.string().max(200).optional(),
  /** Keyset pagination: entries with id below this, newest first. */
  beforeId: z.number().int().optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

export const VerifyJob = z.object({
  id: z.string(),
  state: z.enum(['running', 'done']),
  verified: z.number().int(),
  total: z.number().int(),
  result: AuditVerifyResult.nullable(),
});

export const DashboardSummary = z.object({
  agents: z.number().int(),
  activeAgents: z.number().int(),
  connections: z.number().int(),
  requests24h: z.number().int(),
  denials24h: z.number().int(),
  /** Hourly buckets over the last 24 hours, oldest first. */
  series: z.array(z.object({ hour: z.string(), allowed: z.number().int(), denied: z.number().int(), error: z.number().int() })),
  latestDenials: z.array(AuditEntryView),
});

export const ConnectionTestResult = z.object({ ok: z.boolean(), message: z.string(), tables: z.number().int().optional() });

/** name → { input, output }. Method names on window.airlock are the keys. */
export const OPS = {
  systemInfo: { input: Void, output: z.object({ version: z.string(), dataDir: z.string(), url: z.string(), shell: z.enum(['desktop', 'browser']) }) },
  dashboard: { input: Void, output: DashboardSummary },

  listConnections: { input: Void, output: z.object({ connections: z.array(ConnectionView) }) },
  testConnection: { input: CreateConnection, output: ConnectionTestResult },
  createConnection: { input: CreateConnection, output: ConnectionView },
  removeConnection: { input: z.strictObject({ name: z.string() }), output: Void },
  connectionSchema: { input: z.strictObject({ name: z.string(), refresh: z.boolean().optional() }), output: z.object({ tables: z.array(TableSchemaView) }) },

  listAgents: { input: Void, output: z.object({ agents: z.array(AgentView) }) },
  createAgent: { input: CreateAgent, output: CreatedAgent },
  revokeAgent: { input: z.strictObject({ id: z.string() }), output: AgentView },
  getGrants: { input: z.strictObject({ id: z.string() }), output: z.object({ grants: z.array(GrantSchema) }) },
  putGrants: { input: z.strictObject({ id: z.string(), grants: z.array(GrantSchema).max(10_000) }), output: z.object({ grants: z.array(GrantSchema) }) },
  accessPreview: { input: z.strictObject({ id: z.string() }), output: AccessPreview },

  runQuery: { input: RunQuery, output: QueryOutcome },

  searchAudit: { input: AuditSearch, output: z.object({ entries: z.array(AuditEntryView), total: z.number().int(), nextBeforeId: z.number().int().nullable() }) },
  auditEntry: { input: z.strictObject({ id: z.number().int() }), output: AuditEntryView },
  startVerify: { input: Void, output: VerifyJob },
  verifyStatus: { input: z.strictObject({ id: z.string() }), output: VerifyJob },

  getSettings: { input: Void, output: Settings },
  putSettings: { input: Settings, output: Settings },
} as const;

export type OpName = keyof typeof OPS;
export type OpInput<N extends OpName> = z.input<(typeof OPS)[N]['input']>;
export type OpOutput<N extends OpName> = z.infer<(typeof OPS)[N]['output']>;

/** The renderer's view of the API: one async method per operation, whatever the transport. */
export type AirlockApi = { [N in OpName]: (input: OpInput<N>) => Promise<OpOutput<N>> };

export const IPC_PREFIX = 'airlock:op:';
