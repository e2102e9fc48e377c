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
import { AirlockError } from '../../shared/errors';
import { canonicalJson } from '../audit/canonical-json';
import { classifyFailure } from '../audit/classify';
import { auditEntry, decisionFields, elapsedMs, failureFields } from '../audit/entry';
import type { ConnectionRecord, Connections } from '../connections/connections';
import { isDocumentConnector } from '../connectors/mongodb/document-connector';
import type { AgentContext, Connector, QueryLimits, SqlConnector } from '../connectors/types';
import { guardSql, type GuardedSql } from '../guard/guard';
import { guardMongo } from '../guard/mongo/mongo-guard';
import { decideMongo } from '../policy/mongo-policy';
import { decide as decideSql, exportAllowance } from '../policy/policy';
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
  refuseUnlessAllowed(trail.decision, record.name);
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

/**
 * Whether a person must approve the statement first. Nothing needs approval yet: the
 * approvals feature will refuse here with APPROVAL_REQUIRED until a person approves.
 */
export function approve(
  _principal: Principal,
  _statement: { sql: string; params?: unknown },
): void {
  // Pass-through until approvals exist.
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
