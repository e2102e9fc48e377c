import { createHash } from 'node:crypto';
import type { QueryRequest } from '../../shared/contract/api';
import type { AuditRecord, Decision, Grant } from '../../shared/domain';
import { AirlockError, isAirlockError } from '../../shared/errors';
import type { AuditLog } from '../audit/audit-log';
import { canonicalJson } from '../audit/canonical-json';
import type { Connections } from '../connections/connections';
import type { CheckedStatement, Connector, QueryLimits, ReadData, RowSink, StreamSummary, WriteData } from '../connectors/types';
import { guardSql } from '../guard/guard';
import type { Agent } from '../identity/agents';
import { decide } from '../policy/policy';
import type { Clock } from '../ports';

export type QueryOutcome =
  | ({ kind: 'read' } & ReadData & { auditId: number })
  | ({ kind: 'write' } & WriteData & { auditId: number });

/** A streamed read's outcome: the rows went to the sink; this is what the trailer says. */
export type StreamOutcome =
  | ({ kind: 'read' } & StreamSummary & { auditId: number })
  | ({ kind: 'write' } & WriteData & { auditId: number });

/** Export caps when the configuration names none (README.md, "Large results"). */
export const EXPORT_DEFAULTS = { maxRows: 1_000_000, maxBytes: 1024 * 1024 * 1024, timeoutMs: 10 * 60_000 };

export function paramsHash(params: unknown): string | null {
  if (params === undefined) return null;
  return createHash('sha256').update(canonicalJson(params)).digest('hex');
}

/** Splits error details into what the agent may see and what only the audit keeps. */
export function publicDetails(e: AirlockError): Record<string, unknown> {
  const { auditOnly: _hidden, ...rest } = e.details;
  return rest;
}

/**
 * The limits for one request: the configured ones, a lower row cap if the request asks for
 * one, or — an export — a higher row cap up to the export cap, with the export's byte cap
 * and time limit.
 */
export function limitsFor(base: QueryLimits, maxRows: number | undefined): { limits: QueryLimits; exporting: boolean } {
  if (maxRows === undefined) return { limits: base, exporting: false };
  if (maxRows <= base.maxRows) return { limits: { ...base, maxRows }, exporting: false };
  const cap = base.exportMaxRows ?? EXPORT_DEFAULTS.maxRows;
  if (maxRows > cap) {
    throw new AirlockError('VALIDATION_FAILED', `maxRows ${maxRows} is above the export cap of ${cap} rows`, {
      issues: [{ path: 'maxRows', message: `at most ${cap}` }],
    });
  }
  return {
    limits: {
      ...base,
      maxRows,
      maxBytes: Math.max(base.maxBytes, base.exportMaxBytes ?? EXPORT_DEFAULTS.maxBytes),
      timeoutMs: Math.max(base.timeoutMs, base.exportTimeoutMs ?? EXPORT_DEFAULTS.timeoutMs),
    },
    exporting: true,
  };
}

interface Streaming {
  sink: RowSink;
  signal?: AbortSignal;
}

/**
 * The agent query path after identity and rate limiting: guard → policy → execution with
 * engine truth and backstops → audit. Every outcome, allowed or not, becomes one audit entry,
 * and the caller hears back only after that entry is durable — for a streamed read, the
 * entry is written when the stream ends and its id closes the response.
 */
export class QueryService {
  constructor(
    private readonly deps: {
      connections: Connections;
      audit: AuditLog;
      grantsOf: (agentId: string) => Grant[];
      limits: () => QueryLimits;
      clock: Clock;
    },
  ) {}

  /** Runs a request and answers with the whole result. */
  async query(agent: Agent, req: QueryRequest): Promise<QueryOutcome> {
    return (await this.run(agent, req, null)) as QueryOutcome;
  }

  /** Runs a request; a read's rows go to `sink` batch by batch as the cursor yields them. */
  async stream(agent: Agent, req: QueryRequest, sink: RowSink, signal?: AbortSignal): Promise<StreamOutcome> {
    return (await this.run(agent, req, { sink, signal })) as StreamOutcome;
  }

  /**
   * An agent's grants changed: connections that mirror grants in the database (PostgreSQL
   * with agent_roles=true) update the agent's role now rather than before its next statement.
   */
  async grantsChanged(agent: Pick<Agent, 'id' | 'name'>): Promise<void> {
    const grants = this.deps.grantsOf(agent.id);
    for (const record of this.deps.connections.list()) {
      if (record.kind !== 'postgres') continue;
      const connector = this.deps.connections.connector(record.name);
      try {
        await connector.agentGrantsChanged?.({
          id: agent.id,
          name: agent.name,
          connection: record.name,
          grants: grants.filter((g) => g.connection.toLowerCase() === record.name.toLowerCase()),
        });
      } catch {
        // The server is unreachable now: the role is brought in line before the agent's next
        // statement there, which refuses to run until it is.
      }
    }
  }

  /** Whether a request is an export (more rows than the configured cap). */
  isExport(req: QueryRequest): boolean {
    return req.maxRows !== undefined && req.maxRows > this.deps.limits().maxRows;
  }

  private async run(agent: Agent, req: QueryRequest, streaming: Streaming | null): Promise<QueryOutcome | StreamOutcome> {
    const started = this.deps.clock.monotonicMs();
    const grants = this.deps.grantsOf(agent.id);
    let decision: Decision | null = null;
    let action = 'query';
    /** Rows already handed to the sink when a streamed read fails half-way. */
    let delivered = 0;
    const extra: Record<string, unknown> = {};
    const entry = (over: Partial<AuditRecord>): AuditRecord => ({
      time: this.deps.clock.now().toISOString(),
      actor: `agent:${agent.name}`,
      action,
      connection: req.connection,
      statement: req.sql,
      paramsHash: paramsHash(req.params),
      decision: decision?.effect ?? null,
      rule: decision?.rule ?? null,
      reason: decision?.reason ?? null,
      status: 'allowed',
      rowCount: null,
      latencyMs: Math.round((this.deps.clock.monotonicMs() - started) * 1000) / 1000,
      details: { agentId: agent.id, ...extra },
      ...over,
    });

    try {
      // An agent learns nothing about connections it holds no grant on, not even that they exist.
      if (!grants.some((g) => (g.effect ?? 'allow') === 'allow' && g.connection.toLowerCase() === req.connection.toLowerCase())) {
        decision = { effect: 'deny', rule: 'default-deny', reason: `agent '${agent.name}' has no grant on connection '${req.connection}'` };
        throw new AirlockError('PERMISSION_DENIED', decision.reason);
      }
      const record = this.deps.connections.get(req.connection);
      if (!record) throw new AirlockError('NOT_FOUND', `no connection named '${req.connection}'`);
      const { limits, exporting } = limitsFor(this.deps.limits(), req.maxRows);
      if (exporting) extra.export = { maxRows: limits.maxRows };
      if (streaming) extra.streamed = true;
      const connector = this.deps.connections.connector(record.name);
      const { index } = await this.deps.connections.schema(record.name);
      const guarded = guardSql(req.sql, connector.dialect, index);
      action = `query.${guarded.analysis.action}`;
      decision = decide(
        { agent: agent.name, connection: record.name, tables: guarded.analysis.tables, defaultSchema: connector.defaultSchema },
        grants,
      );
      if (decision.effect !== 'allow') {
        throw new AirlockError('PERMISSION_DENIED', decision.reason, {
          rule: decision.rule,
          hint: `GET /v1/connections/${record.name}/tables lists what this agent may use`,
        });
      }
      const stmt: CheckedStatement = {
        sql: guarded.sql,
        params: req.params,
        analysis: guarded.analysis,
        agent: {
          id: agent.id,
          name: agent.name,
          connection: record.name,
          grants: grants.filter((g) => g.connection.toLowerCase() === record.name.toLowerCase()),
        },
      };
      if (guarded.analysis.action === 'read') {
        if (streaming) {
          const counting: RowSink = {
            columns: (c) => streaming.sink.columns(c),
            rows: (batch) => {
              delivered += batch.length;
              return streaming.sink.rows(batch);
            },
          };
          const summary = await streamRead(connector, stmt, limits, counting, streaming.signal);
          const auditId = await this.deps.audit.append(entry({ rowCount: summary.rowCount, details: { agentId: agent.id, ...extra, truncated: summary.truncated } }));
          return { kind: 'read', ...summary, auditId };
        }
        const data = await connector.read(stmt, limits);
        const auditId = await this.deps.audit.append(entry({ rowCount: data.rowCount, details: { agentId: agent.id, ...extra, truncated: data.truncated } }));
        return { kind: 'read', ...data, auditId };
      }
      const data = await connector.write(stmt, limits);
      const auditId = await this.deps.audit.append(entry({ rowCount: data.rowCount }));
      return { kind: 'write', ...data, auditId };
    } catch (e) {
      const err = isAirlockError(e) ? e : new AirlockError('INTERNAL', 'the query failed inside Airlock');
      const denied = ['PERMISSION_DENIED', 'STATEMENT_NOT_ALLOWED', 'INVALID_SQL'].includes(err.code);
      if (denied && (!decision || decision.effect === 'allow')) {
        decision = { effect: 'deny', rule: `guard:${String(err.details.layer ?? 'request')}`, reason: err.message };
      }
      err.auditId = await this.deps.audit.append(
        entry({
          status: denied ? 'denied' : 'error',
          rowCount: delivered > 0 ? delivered : null,
          details: { agentId: agent.id, ...extra, code: err.code, ...err.details, ...(isAirlockError(e) ? {} : { internal: (e as Error).message }) },
        }),
      );
      throw err;
    }
  }
}

/** A connector's streamed read, or its whole read handed over in one batch. */
async function streamRead(connector: Connector, stmt: CheckedStatement, limits: QueryLimits, sink: RowSink, signal?: AbortSignal): Promise<StreamSummary> {
  if (connector.stream) return connector.stream(stmt, limits, sink, signal);
  const data = await connector.read(stmt, limits);
  await sink.columns(data.columns);
  if (data.rows.length) await sink.rows(data.rows);
  return { rowCount: data.rowCount, truncated: data.truncated };
}
