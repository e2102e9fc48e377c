/**
 * Every operation the management UI performs, declared once (STYLE.md §3). The HTTP
 * transport (`POST /v1/ui/<name>` with the session cookie), the Electron IPC transport
 * (`window.airlock.<method>` through the preload) and the renderer's client are all derived
 * from this table; no type is written twice.
 *
 * Changelog (for the renderer; names, once published, stay):
 * - 8: `systemInfo` gains `cliCommand` { command, args }: how another program starts this
 *      Airlock's command line (absent where none ships), for Claude Desktop's MCP configuration.
 * - 7: + the Approvals page (approvals.ts): `listApprovals` { status? } → { approvals: ApprovalView[] }
 *      (newest first), `approveApproval` { id, note? }, `denyApproval` { id, reason },
 *      `revertApproval` { id } → { approval: ApprovalView }. Settings gain `approvals.ttlSeconds`
 *      (at least 30; default 3600).
 * - 6: settings gain `audit.forward` (syslog / JSONL destinations); + `forwardingStatus` → where
 *      each destination stands (last seq sent, lag, state); + `testForwarding` { target } → sends
 *      one test message to a destination, saved or not (forwarding.ts).
 * - 5: + `auditSigner` → { publicKey, fingerprint } (Settings shows the fingerprint);
 *      + `startReport` { from?, to?, format, agent?, status?, connection?, action? } → ReportJob,
 *      + `reportStatus` { id } → ReportJob: a signed audit report built with progress; once
 *      `done`, `files` holds the file (and a CSV's or PDF's FILE.sig.json) as base64.
 * - 4: `testConnection` / `checkConnection` answer `agentPrincipals` { kind: 'role' | 'user',
 *      active, message } for PostgreSQL and MySQL/MariaDB: whether agents run as their own
 *      database principals there, or why the guard alone enforces grants.
 * - 3: + `ask` { connection, question, candidates?, asAgent? } → `{ ok: true, sql, explanation,
 *      summary, columns, rows, attempts, history, auditId, … }` or `{ ok: false, code, message,
 *      auditId, guidance?, history? }`; + `ollamaStatus`; + the semantic layer editor:
 *      `getSemanticLayer`, `putSemanticLayer`, `importSemanticLayer` / `exportSemanticLayer`
 *      (YAML), `addVerifiedExample` ("save as verified example"). Schemas in nl.ts; a streamed
 *      ask (stages and tokens) is `uiAsk(core, input, onEvent)` / `askReply` in the main process.
 * - 2: + `updateConnection` { name, connection } (rename / new path or URL, tested before it is
 *      saved; a URL whose password is `***` keeps the stored password), + `checkConnection`
 *      { name } (tests a saved connection). `connectionSchema` { refresh: true } re-reads the
 *      schema. `accessPreview` connections carry `kind` and `error` (schema unreadable).
 *      `searchAudit`: `from`/`to` must be ISO-8601 datetimes; answers `totalCapped` (more
 *      than `total` match: counting stops at 10,000, at 1,000 with text; show "10,000+");
 *      `text` matches word beginnings in the actor, action, statement, reason, rule and
 *      details. Operations without input refuse anything but `{}`. `VerifyJob` gains state
 *      `failed`, `error`, `startedAt`, `finishedAt`. `runQuery.asAgent` is an agent id (a
 *      name works too); `maxRows` is the query path's row cap for the run (lower than the
 *      settings', or higher for an export, up to the export cap). The names and the IPC
 *      channel prefix live in op-names.ts (re-exported here); `IpcResult` / `AirlockBridge`
 *      type the preload.
 * - 1: first table.
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
import type { ErrorCode, ErrorDetails } from '../errors';
import { NL_OPS } from './nl';
import { AGENT_LIMIT_OPS } from './agent-limits';
import { FORWARDING_OPS, ForwardList } from './forwarding';
import { APPROVAL_OPS } from './approvals';
import { IPC_GET_INFO, IPC_PREFIX, OP_NAMES, type OpName } from './op-names';

export { IPC_GET_INFO, IPC_PREFIX, OP_NAMES, type OpName };

/** No input: `{}` and nothing else. */
const NoInput = z.strictObject({});
const Void = z.object({});
const ColumnOut = z.object({ name: z.string(), type: z.string() });

export const TableSchemaView = z.object({
  name: z.string(),
  columns: z.array(ColumnOut),
});

export const Limits = z.object({
  maxRows: z.number().int().min(1).max(10_000_000),
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .max(2 * 1024 * 1024 * 1024),
  timeoutMs: z.number().int().min(100).max(3_600_000),
  ratePerMinute: z.number().int().min(1).max(1_000_000),
  ratePerHour: z.number().int().min(1).max(10_000_000),
  ratePerDay: z.number().int().min(1).max(100_000_000),
  /** Rows and bytes answered to one agent per day (UTC); absent: no such limit. An agent's own limits win (agent-limits.ts). */
  rowsPerDay: z.number().int().min(1).max(1_000_000_000).optional(),
  bytesPerDay: z.number().int().min(1).max(1_000_000_000_000).optional(),
  /** Statements one agent may run at once on one connection (default 2, never more than half its pool). */
  agentConcurrency: z.number().int().min(1).max(100).optional(),
});

export const Settings = z.object({
  limits: Limits,
  ollama: z.object({
    url: z.url(),
    model: z.string().max(200),
    /**
     * The officer confirmed that `url` may name a host on the local network. Without it only
     * this machine is allowed; a public address is refused either way (docs/api.md, "Air gap").
     */
    lanConfirmed: z.boolean().optional(),
  }),
  /** Approvals for agent writes; absent in documents written before they existed. */
  approvals: z
    .object({
      /** How long an approval waits for a decision, and an approved one for its use (default 3600). */
      ttlSeconds: z.number().int().min(30).max(31_536_000).optional(),
    })
    .optional(),
  /** The audit trail's settings; absent in documents written before they existed. */
  audit: z
    .object({
      /** Where the trail is forwarded (syslog, JSONL file): forwarding.ts. */
      forward: ForwardList.optional(),
      /** Entries older than this many days are purged under a signed anchor (audit/retention.ts). */
      retentionDays: z.number().int().min(1).max(36_500).optional(),
      /** Entries older than this many days have their personal fields replaced by pseudonyms. */
      anonymizeAfterDays: z.number().int().min(0).max(36_500).optional(),
    })
    .optional(),
});

export const ColumnAccess = z.object({
  name: z.string(),
  type: z.string(),
  read: z.boolean(),
  write: z.boolean(),
});
export const AccessPreview = z.object({
  /** The connections the agent holds any grant on, every table of each, readable or not. */
  connections: z.array(
    z.object({
      name: z.string(),
      kind: ConnectionView.shape.kind,
      /** Why the schema could not be read (the database is down, say); tables is then empty. */
      error: z.string().nullable(),
      tables: z.array(
        z.object({
          name: z.string(),
          read: z.boolean(),
          write: z.boolean(),
          columns: z.array(ColumnAccess),
        }),
      ),
    }),
  ),
});

export const RunQuery = z.strictObject({
  connection: z.string().min(1),
  sql: z.string().min(1).max(100_000),
  params: z
    .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .max(1000)
    .optional(),
  /**
   * Run with this agent's grants (its id; its name works too), to preview what it would get or
   * why it would be denied. Reads only, as for the analyst: the workbench never writes.
   */
  asAgent: z.string().min(1).max(64).optional(),
  /** Row cap for this run: lower than the settings' cap, or higher (up to the export cap) for an export. */
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
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  /** Words (or word beginnings) to find in the actor, action, statement, reason, rule or details; all must occur. */
  text: z.string().max(200).optional(),
  /** Keyset pagination: the page after the entry with this id (pass the last answer's nextBeforeId). */
  beforeId: z.number().int().optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

export const VerifyJob = z.object({
  id: z.string(),
  /** `done`: `result` holds the verdict (intact or not); `failed`: the check itself could not run. */
  state: z.enum(['running', 'done', 'failed']),
  verified: z.number().int(),
  /** Entries in the log when the job started (more may be verified if it grew meanwhile). */
  total: z.number().int(),
  result: AuditVerifyResult.nullable(),
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});

export const ReportJobInput = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  format: z.enum(['json', 'csv', 'pdf']),
  agent: z.string().max(64).optional(),
  status: z.enum(['allowed', 'denied', 'error']).optional(),
  connection: z.string().max(64).optional(),
  action: z.string().max(200).optional(),
});
export const ReportJobView = z.object({
  id: z.string(),
  state: z.enum(['running', 'done', 'failed']),
  format: z.enum(['json', 'csv', 'pdf']),
  /** Entries read so far, of `total`. */
  done: z.number().int(),
  total: z.number().int(),
  entries: z.number().int().nullable(),
  files: z
    .array(z.object({ name: z.string(), mime: z.string(), contentBase64: z.string() }))
    .nullable(),
  error: z.string().nullable(),
});

export const DashboardSummary = z.object({
  /** Every agent ever created, revoked ones included. */
  agents: z.number().int(),
  /** Agents whose key works: neither revoked nor expired. */
  activeAgents: z.number().int(),
  connections: z.number().int(),
  /** Audit entries other than administrative changes (agent and workbench requests, failed logins), over `series`. */
  requests24h: z.number().int(),
  denials24h: z.number().int(),
  /** 24 hourly buckets (UTC, `YYYY-MM-DDTHH:00:00.000Z`), oldest first, the last one the current hour. */
  series: z.array(
    z.object({
      hour: z.string(),
      allowed: z.number().int(),
      denied: z.number().int(),
      error: z.number().int(),
    }),
  ),
  latestDenials: z.array(AuditEntryView),
});

/**
 * Whether the database checks each agent's grants a second time as its own principal (a
 * PostgreSQL role, a MySQL/MariaDB user) and if not, why (the account lacks CREATEROLE / CREATE
 * USER + GRANT OPTION, or the URL turned it off). Absent for SQLite and MongoDB.
 */
export const AgentPrincipals = z.object({
  kind: z.enum(['role', 'user']),
  active: z.boolean(),
  message: z.string(),
});
export const ConnectionTestResult = z.object({
  ok: z.boolean(),
  message: z.string(),
  tables: z.number().int().optional(),
  agentPrincipals: AgentPrincipals.optional(),
});

/** name → { input, output }. Method names on window.airlock are the keys. */
export const OPS = {
  systemInfo: {
    input: NoInput,
    output: z.object({
      version: z.string(),
      dataDir: z.string(),
      url: z.string(),
      shell: z.enum(['desktop', 'browser']),
      /**
       * How another program starts this Airlock's command line, with absolute paths (the UI's
       * Claude Desktop configuration runs `<command> <args…> mcp`). Absent where no
       * `bin/airlock` ships beside the app (a packaged desktop app).
       */
      cliCommand: z.object({ command: z.string(), args: z.array(z.string()) }).optional(),
    }),
  },
  dashboard: { input: NoInput, output: DashboardSummary },

  listConnections: { input: NoInput, output: z.object({ connections: z.array(ConnectionView) }) },
  /** Tests a connection before it is saved; nothing is stored. */
  testConnection: { input: CreateConnection, output: ConnectionTestResult },
  /** Tests a saved connection. */
  checkConnection: { input: z.strictObject({ name: z.string() }), output: ConnectionTestResult },
  createConnection: { input: CreateConnection, output: ConnectionView },
  updateConnection: {
    input: z.strictObject({ name: z.string(), connection: CreateConnection }),
    output: ConnectionView,
  },
  /** Also removes the grants that name the connection, so a later one of the same name starts with none. */
  removeConnection: { input: z.strictObject({ name: z.string() }), output: Void },
  connectionSchema: {
    input: z.strictObject({ name: z.string(), refresh: z.boolean().optional() }),
    output: z.object({ tables: z.array(TableSchemaView) }),
  },

  listAgents: { input: NoInput, output: z.object({ agents: z.array(AgentView) }) },
  createAgent: { input: CreateAgent, output: CreatedAgent },
  revokeAgent: { input: z.strictObject({ id: z.string() }), output: AgentView },
  getGrants: {
    input: z.strictObject({ id: z.string() }),
    output: z.object({ grants: z.array(GrantSchema) }),
  },
  putGrants: {
    input: z.strictObject({ id: z.string(), grants: z.array(GrantSchema).max(10_000) }),
    output: z.object({ grants: z.array(GrantSchema) }),
  },
  accessPreview: { input: z.strictObject({ id: z.string() }), output: AccessPreview },

  runQuery: { input: RunQuery, output: QueryOutcome },

  searchAudit: {
    input: AuditSearch,
    output: z.object({
      entries: z.array(AuditEntryView),
      total: z.number().int(),
      /** True when more than `total` entries match (counting stops at 10,000, or 1,000 with text, to stay fast). */
      totalCapped: z.boolean(),
      nextBeforeId: z.number().int().nullable(),
    }),
  },
  auditEntry: { input: z.strictObject({ id: z.number().int() }), output: AuditEntryView },
  startVerify: { input: NoInput, output: VerifyJob },
  verifyStatus: { input: z.strictObject({ id: z.string() }), output: VerifyJob },
  auditSigner: {
    input: NoInput,
    output: z.object({ publicKey: z.string(), fingerprint: z.string() }),
  },
  startReport: { input: ReportJobInput, output: ReportJobView },
  reportStatus: { input: z.strictObject({ id: z.string() }), output: ReportJobView },

  getSettings: { input: NoInput, output: Settings },
  putSettings: { input: Settings, output: Settings },
  // Audit forwarding to the site's SIEM: where each destination stands, a test message.
  ...FORWARDING_OPS,

  // Questions in plain language and the semantic layer (contract in nl.ts).
  ...NL_OPS,
  // Per-agent limits, on the agent's page (agent-limits.ts).
  ...AGENT_LIMIT_OPS,
  // Approvals for agent writes, on the Approvals page (approvals.ts).
  ...APPROVAL_OPS,
  // `satisfies` refuses a missing or an extra key: op-names.ts (the preload's list) and this
  // table cannot drift apart.
} as const satisfies Record<OpName, { input: z.ZodType; output: z.ZodType }>;

export type OpInput<N extends OpName> = z.input<(typeof OPS)[N]['input']>;
export type OpOutput<N extends OpName> = z.infer<(typeof OPS)[N]['output']>;

/** The renderer's view of the API: one async method per operation, whatever the transport. */
export type AirlockApi = { [N in OpName]: (input: OpInput<N>) => Promise<OpOutput<N>> };

/**
 * A failure as it crosses IPC: Error objects lose their fields there, so errors travel as
 * data. `details` are the error's public details (absent when it has none), the same fields
 * the HTTP error shape spreads beside code and message.
 */
export interface WireError {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
  auditId?: number;
}

/** What every IPC handler answers; the renderer's client unwraps it (throws ApiError on failure). */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: WireError };

export interface AirlockInfo {
  version: string;
  /** The core's loopback URL, e.g. `http://127.0.0.1:7717`. */
  url: string;
}

/** `window.airlock` in the desktop window: one method per operation, each on its own channel. */
export type AirlockBridge = {
  [N in OpName]: (input: OpInput<N>) => Promise<IpcResult<OpOutput<N>>>;
} & {
  getInfo(): Promise<AirlockInfo>;
  /** Desktop only: the native open-file dialog for a SQLite database; null when cancelled. */
  pickSqliteFile(): Promise<string | null>;
  /** Desktop only: puts text on the system clipboard. */
  copyText(text: string): Promise<boolean>;
};
