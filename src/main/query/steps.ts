/**
 * The steps of the request pipeline (pipeline.ts), each a named function that can be tested
 * alone: identify → limit → validate → guard → decide → approve → execute → shape → audit.
 * A step either returns what the next one needs or throws the AirlockError the request fails
 * with; what the audit must know of the request so far (the decision, the action, export caps)
 * is kept in the request's `Trail`, which the audit step turns into the one entry.
 */
import { createHash } from 'node:crypto';
import type { MongoQuery } from '../../shared/contract/api';
import type { AuditRecord, Decision, ExportLimits } from '../../shared/domain';
import { AirlockError, isAirlockError } from '../../shared/errors';
import type { ApprovalRequest, Approvals } from '../approvals/approvals';
import { canonicalJson } from '../audit/canonical-json';
import { classifyFailure } from '../audit/classify';
import { auditEntry, decisionFields, elapsedMs, failureFields } from '../audit/entry';
import type { ConnectionRecord, Connections } from '../connections/connections';
import { isDocumentConnector } from '../connectors/mongodb/document-connector';
import type {
  AgentContext,
  Connector,
  QueryLimits,
  SqlConnector,
  WritePreview,
} from '../connectors/types';
import { guardSql, type GuardedSql } from '../guard/guard';
import { guardMongo } from '../guard/mongo/mongo-guard';
import { decideMongo } from '../policy/mongo-policy';
import { decide as decideSql, exportAllowance, permittedColumns } from '../policy/policy';
import type { Clock } from '../ports';
import { EXPORT_DEFAULTS, limitsFor } from './query-service';
import { agentLimit, type AgentSlots } from './agent-slots';
import { holdsGrantOn, principalDetails, type Principal } from './principal';

/** What the audit entry of one request records, filled in as the steps run. */
export interface Trail {
  started: number;
  action: string;
  connection: string;
  statement: string | null;
  paramsHash: string | null;
  decision: Decision | null;
  /** Details beyond the principal's: the MongoDB op, export caps, `streamed`, … */
  extra: Record<string, unknown>;
}

export function newTrail(
  clock: Clock,
  connection: string,
  statement: string | null,
  paramsHash: string | null,
  extra: Record<string, unknown> = {},
): Trail {
  return {
    started: clock.monotonicMs(),
    action: 'query',
    connection,
    statement,
    paramsHash,
    decision: null,
    extra,
  };
}

export function paramsHash(params: unknown): string | null {
  if (params === undefined) return null;
  return createHash('sha256').update(canonicalJson(params)).digest('hex');
}

/** The statement a MongoDB query is audited as: its canonical JSON. */
export const mongoStatement = (q: MongoQuery): string => canonicalJson(q);

// ── identify ────────────────────────────────────────────────────────────────────────────

/**
 * The connection the request names, for this principal. A principal learns nothing about a
 * connection it holds no grant on, not even that it exists (default deny).
 */
export function identify(
  principal: Principal,
  connection: string,
  connections: Connections,
  trail: Trail,
): { record: ConnectionRecord; connector: Connector } {
  if (!holdsGrantOn(principal, connection)) {
    trail.decision = {
      effect: 'deny',
      rule: 'default-deny',
      reason: `agent '${principal.subject.name}' has no grant on connection '${connection}'`,
    };
    throw new AirlockError('PERMISSION_DENIED', trail.decision.reason);
  }
  const record = connections.get(connection);
  if (!record) throw new AirlockError('NOT_FOUND', `no connection named '${connection}'`);
  return { record, connector: connections.connector(record.name) };
}

// ── guard ───────────────────────────────────────────────────────────────────────────────

/** The guard's layers before execution (pre-lex, AST); the action it finds names the entry. */
export async function guardStatement(
  principal: Principal,
  sql: string,
  connector: SqlConnector,
  connections: Connections,
  record: ConnectionRecord,
  trail: Trail,
): Promise<GuardedSql> {
  const { index } = await connections.schema(record.name);
  const guarded = await guardSql(sql, connector.dialect, index, principal.subject.id);
  trail.action = `query.${guarded.analysis.action}`;
  return guarded;
}

/** The MongoDB guard; introspection first also tells the connector which collections each view reads. */
export async function guardDocuments(
  query: MongoQuery,
  connections: Connections,
  record: ConnectionRecord,
  trail: Trail,
) {
  await connections.schema(record.name);
  const guarded = guardMongo(query);
  trail.action = 'query.read';
  return guarded;
}

// ── validate ────────────────────────────────────────────────────────────────────────────

/** The parameters match the statement's placeholders. */
export function validateParams(guarded: GuardedSql, params: unknown[] | object | undefined): void {
  const given = Array.isArray(params) ? params.length : 0;
  if (guarded.placeholders !== undefined && given !== guarded.placeholders) {
    throw new AirlockError(
      'VALIDATION_FAILED',
      `the number of parameters does not match the placeholders (?) in the statement: ${guarded.placeholders} placeholders, ${given} parameters`,
      {
        issues: [
          {
            path: 'params',
            message: `give ${guarded.placeholders} values, one per ? placeholder`,
          },
        ],
      },
    );
  }
}

/** A principal that may not write (a person) is refused a write before the policy is asked. */
export function validateCapability(principal: Principal, guarded: GuardedSql, trail: Trail): void {
  if (guarded.analysis.action !== 'write' || principal.may.has('write')) return;
  const rule = principal.readOnly?.rule ?? 'principal:read-only';
  const reason =
    principal.readOnly?.reason(guarded.analysis.kind) ?? `'${principal.actor}' may not write`;
  trail.decision = { effect: 'deny', rule, reason };
  throw new AirlockError('STATEMENT_NOT_ALLOWED', reason, { rule });
}

// ── decide ──────────────────────────────────────────────────────────────────────────────

const listHint = (connection: string) =>
  `GET /v1/connections/${connection}/tables lists what this agent may use`;

/** The policy's decision on the tables and columns the guard found; anything but allow refuses. */
export function decideStatement(
  principal: Principal,
  guarded: GuardedSql,
  connector: Connector,
  record: ConnectionRecord,
  trail: Trail,
) {
  const access = {
    agent: principal.subject.name,
    connection: record.name,
    tables: guarded.analysis.tables,
    defaultSchema: connector.defaultSchema,
  };
  trail.decision = decideSql(access, principal.grants);
  // A write held for a person's approval goes on to the approve step.
  if (trail.decision.effect !== 'needs_approval') refuseUnlessAllowed(trail.decision, record.name);
  return access;
}

export function decideDocuments(
  principal: Principal,
  guarded: ReturnType<typeof guardMongo>,
  record: ConnectionRecord,
  trail: Trail,
): void {
  trail.decision = decideMongo(principal.subject.name, record.name, guarded, principal.grants);
  refuseUnlessAllowed(trail.decision, record.name);
}

function refuseUnlessAllowed(d: Decision, connection: string): void {
  if (d.effect !== 'allow') {
    throw new AirlockError('PERMISSION_DENIED', d.reason, {
      rule: d.rule,
      hint: listHint(connection),
    });
  }
}

// ── limit ───────────────────────────────────────────────────────────────────────────────

/** The export caps a grant's unset limits fall back to: the configured ones, or the defaults. */
function exportDefaults(base: QueryLimits): Required<ExportLimits> {
  return {
    maxRows: base.exportMaxRows ?? EXPORT_DEFAULTS.maxRows,
    maxBytes: base.exportMaxBytes ?? EXPORT_DEFAULTS.maxBytes,
    timeoutMs: base.exportTimeoutMs ?? EXPORT_DEFAULTS.timeoutMs,
  };
}

/**
 * The caps this statement runs under. More rows than the configured cap is an export: only
 * an export grant on every table read lifts the cap, to the grant's own caps.
 */
export function limitRows(
  principal: Principal,
  access: Parameters<typeof exportAllowance>[0],
  base: QueryLimits,
  maxRows: number | undefined,
  trail: Trail,
): QueryLimits {
  const wantsExport = maxRows !== undefined && maxRows > base.maxRows;
  const allowance =
    wantsExport && principal.may.has('export')
      ? exportAllowance(access, principal.grants, exportDefaults(base))
      : null;
  if (allowance && !allowance.allowed) {
    trail.decision = { effect: 'deny', rule: 'export:default-deny', reason: allowance.reason };
    throw new AirlockError(
      'PERMISSION_DENIED',
      `maxRows ${maxRows} is above the row cap of ${base.maxRows} rows, which makes this an export; ${allowance.reason} (an export needs the 'export' action on the grant of every table read)`,
      {
        rule: trail.decision.rule,
        maxRows,
        rowCap: base.maxRows,
        needs: 'export',
        table: allowance.table,
      },
    );
  }
  const { limits, exporting } = limitsFor(
    base,
    maxRows,
    allowance?.allowed ? allowance.limits : null,
  );
  if (exporting && allowance?.allowed) {
    trail.extra.export = {
      maxRows: limits.maxRows,
      maxBytes: limits.maxBytes,
      timeoutMs: limits.timeoutMs,
      rule: allowance.rule,
    };
  }
  return limits;
}

/**
 * A slot among the principal's statements running on this connection, or RATE_LIMITED; the
 * returned function gives it back. A principal without a concurrency limit takes none.
 */
export function limitConcurrency(
  slots: AgentSlots,
  principal: Principal,
  connection: string,
  poolSize: number | undefined,
): () => void {
  if (principal.concurrency === null) return () => undefined;
  return slots.take(principal.subject, connection, agentLimit(principal.concurrency, poolSize));
}

// ── approve ─────────────────────────────────────────────────────────────────────────────

/** What the approve step leaves the execute step to do. */
export type ApprovalGate =
  /** No approval needed: run. */
  | { kind: 'run' }
  /** Needs one and names none: a dry run for the preview, then a pending approval (202). */
  | { kind: 'request'; request: ApprovalRequest }
  /** The named approval was claimed for this one execution. */
  | { kind: 'approved'; approvalId: string };

/**
 * Whether a person must approve the statement first (the policy said `needs_approval`), and
 * if the request names an approval, whether it may run under it: the agent's own, approved,
 * in time, never used, for exactly this connection, statement and parameters. The guard and
 * the policy ran again before this step, so a grant revoked since the approval refuses.
 */
export function approve(
  approvals: Approvals,
  principal: Principal,
  req: { connection: string; sql: string; params?: unknown; approvalId?: string | undefined },
  trail: Trail,
): ApprovalGate {
  const decision = trail.decision;
  if (decision?.effect !== 'needs_approval') return { kind: 'run' };
  if (principal.kind !== 'agent') {
    // Only agents write; a person's write was refused earlier. Fail closed all the same.
    trail.decision = { effect: 'deny', rule: 'principal:read-only', reason: decision.reason };
    throw new AirlockError('STATEMENT_NOT_ALLOWED', `'${principal.actor}' may not write`);
  }
  const request: ApprovalRequest = {
    agent: principal.subject,
    connection: req.connection,
    statement: req.sql,
    params: req.params,
  };
  if (req.approvalId === undefined) return { kind: 'request', request };
  trail.extra.approvalId = req.approvalId;
  try {
    const approval = approvals.claim(request, req.approvalId);
    trail.decision = {
      effect: 'allow',
      rule: decision.rule,
      reason: `approved by ${approval.decidedBy ?? 'an officer'} (approval ${approval.id}); ${decision.reason}`,
    };
    return { kind: 'approved', approvalId: approval.id };
  } catch (e) {
    if (isAirlockError(e)) {
      trail.decision = {
        effect: 'deny',
        rule: `approval:${e.code.toLowerCase()}`,
        reason: e.message,
      };
    }
    throw e;
  }
}

/**
 * The preview an agent is shown: the rows affected, and the before-images cut to the columns
 * it may read of the one table written (none when it may read none, or several were written).
 */
export function agentPreview(
  principal: Principal,
  guarded: GuardedSql,
  connector: Connector,
  connection: string,
  preview: WritePreview,
): {
  rowsAffected: number;
  before?: { columns: string[]; rows: unknown[][] };
  beforeTruncated?: boolean;
} {
  const out = {
    rowsAffected: preview.rowsAffected,
    ...(preview.beforeTruncated ? { beforeTruncated: true } : {}),
  };
  const written = guarded.analysis.tables.filter((t) => t.write.length > 0 || t.wholeRowWrite);
  if (!preview.before || written.length !== 1) return out;
  const { columns, rows } = preview.before;
  const readable = new Set(
    permittedColumns(
      principal.grants,
      connection,
      written[0]!.table,
      columns,
      'read',
      connector.defaultSchema,
    ),
  );
  const keep = columns.flatMap((c, i) => (readable.has(c) ? [i] : []));
  if (keep.length === 0) return out;
  return {
    ...out,
    before: { columns: keep.map((i) => columns[i]!), rows: rows.map((r) => keep.map((i) => r[i])) },
  };
}

// ── execute ─────────────────────────────────────────────────────────────────────────────

/** The client left while the statement was being judged: it never reaches the database. */
export function refuseIfAbandoned(...signals: (AbortSignal | undefined)[]): void {
  if (signals.some((s) => s?.aborted)) {
    throw new AirlockError(
      'CANCELLED',
      'the request was abandoned by the client before the statement ran',
    );
  }
}

/** Who runs the statement, for connectors that mirror grants in the database (agent roles). */
export function agentContext(principal: Principal, connection: string): AgentContext {
  return {
    id: principal.subject.id,
    name: principal.subject.name,
    connection,
    grants: principal.grants.filter((g) => g.connection.toLowerCase() === connection.toLowerCase()),
  };
}

/** The document family's connector, or the refusal a SQL connection gives a MongoDB query. */
export function documentConnector(record: ConnectionRecord, connector: Connector) {
  if (record.kind !== 'mongodb' || !isDocumentConnector(connector)) {
    throw new AirlockError(
      'STATEMENT_NOT_ALLOWED',
      `'${record.name}' is a SQL connection: send { "connection", "sql" } to it; "mongo" queries go to MongoDB connections`,
      { layer: 'request' },
    );
  }
  return connector;
}

// ── audit ───────────────────────────────────────────────────────────────────────────────

/** The entry of a request that went through: the trail, its decision, and what came of it. */
export function successEntry(
  clock: Clock,
  principal: Principal,
  trail: Trail,
  over: Partial<AuditRecord> = {},
  details: Record<string, unknown> = {},
): AuditRecord {
  return auditEntry(clock, {
    actor: principal.actor,
    action: trail.action,
    connection: trail.connection,
    statement: trail.statement,
    paramsHash: trail.paramsHash,
    ...decisionFields(trail.decision),
    latencyMs: elapsedMs(clock, trail.started),
    details: { ...principalDetails(principal), ...trail.extra, ...details },
    ...over,
  });
}

/**
 * The entry of a request that failed, classified by the one rule (audit/classify.ts); the
 * error's details (less nothing: the audit keeps what the caller is not shown) go with it.
 */
export function failureEntry(
  clock: Clock,
  principal: Principal,
  trail: Trail,
  e: unknown,
  over: Partial<AuditRecord> = {},
  details: Record<string, unknown> = {},
): { entry: AuditRecord; error: AirlockError } {
  const verdict = classifyFailure(e, {
    decision: trail.decision,
    fallbackRule: () => 'guard:request',
    internalMessage: 'the query failed inside Airlock',
  });
  return {
    error: verdict.error,
    entry: successEntry(
      clock,
      principal,
      trail,
      { ...failureFields(verdict), ...over },
      { code: verdict.why.code, ...verdict.error.details, ...details, ...internalOf(verdict) },
    ),
  };
}

const internalOf = (v: { why: { internal?: string } }) =>
  v.why.internal !== undefined ? { internal: v.why.internal } : {};
