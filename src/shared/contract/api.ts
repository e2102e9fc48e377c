/**
 * The HTTP contract (API.md), declared once. The server validates with these schemas,
 * the OpenAPI document is generated from them, and clients infer their types from them.
 */
import { z } from 'zod';

const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "-" and "." only');

export const ErrorBody = z.object({
  error: z.looseObject({ code: z.string(), message: z.string() }),
  auditId: z.number().int().optional(),
});

export const Health = z.object({ status: z.literal('ok'), version: z.string() });

// ── connections ────────────────────────────────────────────────────────────
export const CreateConnection = z.discriminatedUnion('kind', [
  z.strictObject({ name, kind: z.literal('sqlite'), path: z.string().min(1).max(4096) }),
  z.strictObject({
    name,
    kind: z.enum(['postgres', 'mysql', 'mongodb']),
    url: z.string().min(1).max(4096),
  }),
]);
export type CreateConnection = z.infer<typeof CreateConnection>;

export const ConnectionView = z.object({
  name: z.string(),
  kind: z.enum(['sqlite', 'postgres', 'mysql', 'mongodb']),
  /** Where it points, with any password removed. */
  target: z.string(),
  readOnlySource: z.boolean().optional(),
  createdAt: z.string(),
});
export const ConnectionList = z.object({ connections: z.array(ConnectionView) });

// ── agents and grants ──────────────────────────────────────────────────────
export const CreateAgent = z.strictObject({
  name,
  /** Optional expiry (ISO-8601); after it the key stops working. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export const AgentView = z.object({
  id: z.string(),
  name: z.string(),
  keyPrefix: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const CreatedAgent = AgentView.extend({ apiKey: z.string() });
export const AgentList = z.object({ agents: z.array(AgentView) });
export const AgentIdParams = z.object({ id: z.string().min(1).max(64) });

export const GrantSchema = z.strictObject({
  connection: name,
  table: z.string().min(1).max(256),
  actions: z
    .array(z.enum(['read', 'write', 'export']))
    .min(1)
    .refine((a) => new Set(a).size === a.length, 'actions must not repeat'),
  columns: z.array(z.string().min(1).max(256)).min(1).optional(),
  effect: z.enum(['allow', 'deny']).optional(),
  /** The caps of one export under this grant (with the `export` action); defaults when absent. */
  exportLimits: z
    .strictObject({
      maxRows: z.number().int().min(1).max(10_000_000).optional(),
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .max(2 * 1024 * 1024 * 1024)
        .optional(),
      timeoutMs: z
        .number()
        .int()
        .min(100)
        .max(24 * 3_600_000)
        .optional(),
    })
    .optional(),
  /**
   * With `write`: `required` (the default) holds each write for a person's approval
   * (docs/api.md, "Approvals for agent writes"); `none` runs writes at once.
   */
  approval: z.enum(['required', 'none']).optional(),
});
export const PutGrants = z.strictObject({ grants: z.array(GrantSchema).max(10_000) });
export const GrantList = z.object({ grants: z.array(GrantSchema) });

// ── audit ──────────────────────────────────────────────────────────────────
export const AuditEntryView = z.object({
  id: z.number().int(),
  time: z.string(),
  actor: z.string(),
  action: z.string(),
  connection: z.string().nullable(),
  statement: z.string().nullable(),
  paramsHash: z.string().nullable(),
  decision: z.enum(['allow', 'deny', 'needs_approval']).nullable(),
  rule: z.string().nullable(),
  reason: z.string().nullable(),
  status: z.enum(['allowed', 'denied', 'error']),
  rowCount: z.number().int().nullable(),
  latencyMs: z.number().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  chainHash: z.string(),
});
export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  entries: z.number().int(),
  firstBroken: z.number().int().nullable(),
  problem: z.string().nullable(),
  /** The last entry that verified and its chain hash: kept elsewhere, they catch a rewrite. */
  headSeq: z.number().int(),
  headHash: z.string(),
  /** Signed checkpoints checked: signature, chain head and Merkle root. */
  checkpoints: z.number().int(),
  /** Entries removed by retention. */
  purged: z.number().int(),
  /** The signed anchor a purge left: the log starts after it (absent when nothing was purged). */
  anchor: z
    .object({
      seq: z.number().int(),
      headHash: z.string(),
      treeRoot: z.string(),
      time: z.string(),
      signature: z.string(),
    })
    .optional(),
  /** Fields anonymization replaced by their commitment (absent when none). */
  redacted: z.number().int().optional(),
});

// ── agent routes ───────────────────────────────────────────────────────────
export const ConnectionNameParams = z.object({ name });
export const AgentConnectionList = z.object({
  connections: z.array(z.object({ name: z.string(), kind: z.string() })),
  auditId: z.number().int(),
});
export const AgentTables = z.object({
  tables: z.array(
    z.object({
      name: z.string(),
      actions: z.array(z.enum(['read', 'write'])),
      columns: z.array(z.object({ name: z.string(), type: z.string() })),
    }),
  ),
  auditId: z.number().int(),
});

/** Parameters are positional (`?`) or named (`:name`, `@name`, `$name`). */
const SqlParam = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const QueryRequest = z.strictObject({
  connection: name,
  sql: z.string().min(1).max(100_000),
  params: z.union([z.array(SqlParam).max(1000), z.record(z.string(), SqlParam)]).optional(),
  /**
   * Row cap for this request: lower than the configured cap, or higher for an export (up to
   * the export cap; the response then streams). README.md, "Large results".
   */
  maxRows: z.number().int().min(1).max(100_000_000).optional(),
  /**
   * A write that needed approval, sent again once a person approved it: runs once, and only
   * if connection, statement and parameters are exactly the approved ones.
   */
  approvalId: z.string().min(1).max(64).optional(),
});
export type QueryRequest = z.infer<typeof QueryRequest>;

/**
 * A MongoDB structured query (API.md, "MongoDB"). Values may use Extended JSON for types
 * that JSON lacks: {"$oid": "…"}, {"$date": "…"}, {"$numberDecimal": "…"}.
 */
const MongoDocument = z.record(z.string(), z.unknown());
export const MongoQuery = z.strictObject({
  collection: z.string().min(1).max(255),
  op: z.enum(['find', 'aggregate', 'count', 'distinct']),
  filter: MongoDocument.optional(),
  projection: MongoDocument.optional(),
  sort: MongoDocument.optional(),
  limit: z.number().int().min(0).optional(),
  skip: z.number().int().min(0).optional(),
  pipeline: z.array(MongoDocument).max(100).optional(),
  field: z.string().min(1).max(1024).optional(),
});
export type MongoQuery = z.infer<typeof MongoQuery>;

export const MongoQueryRequest = z.strictObject({ connection: name, mongo: MongoQuery });
export type MongoQueryRequest = z.infer<typeof MongoQueryRequest>;

type Issue = { path: PropertyKey[]; message: string };
/** At most five issues, each cut short: an answer's size never grows with the body's. */
const describeIssues = (issues: Issue[]) =>
  issues
    .slice(0, 5)
    .map(
      (i) =>
        `${i.path.map(String).join('.').slice(0, 100) || '(root)'}: ${i.message.slice(0, 200)}`,
    )
    .join('; ') + (issues.length > 5 ? `; and ${issues.length - 5} more` : '');

/**
 * What `POST /v1/query` accepts: SQL (`sql`, `params`) or a MongoDB query (`mongo`), exactly
 * one. When neither form fits, the message names the problems of the form the body meant.
 */
export const AgentQueryRequest = z.union([QueryRequest, MongoQueryRequest], {
  error: (iss) => {
    const input = iss.input;
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      return 'the body must be a JSON object';
    const body = input as Record<string, unknown>;
    if ('sql' in body && 'mongo' in body)
      return 'give exactly one of "sql" (SQL connections) or "mongo" (MongoDB connections)';
    const branches = (iss as { errors?: Issue[][] }).errors ?? [];
    const meant = 'mongo' in body ? branches[1] : branches[0];
    return meant?.length
      ? describeIssues(meant)
      : 'give "sql" (SQL connections) or "mongo" (MongoDB connections)';
  },
});
export type AgentQueryRequest = z.infer<typeof AgentQueryRequest>;

export const ReadResult = z.object({
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  rows: z.array(z.array(z.unknown())),
  rowCount: z.number().int(),
  truncated: z.boolean(),
  auditId: z.number().int(),
});
export const WriteResult = z.object({ rowCount: z.number().int(), auditId: z.number().int() });
