import { createHash } from 'node:crypto';
import type { QueryRequest } from '../../shared/contract/api';
import type { AuditRecord, Decision, ExportLimits, Grant } from '../../shared/domain';
import { AirlockError, isAirlockError } from '../../shared/errors';
import type { AuditLog } from '../audit/audit-log';
import { canonicalJson } from '../audit/canonical-json';
import type { Connections } from '../connections/connections';
import type {
  CheckedStatement,
  Connector,
  QueryLimits,
  ReadData,
  RowSink,
  StreamSummary,
  WriteData,
} from '../connectors/types';
import { guardSql } from '../guard/guard';
import type { Agent } from '../identity/agents';
import { collectingSink, rowSize } from '../connectors/row-budget';
import { decide, exportAllowance } from '../policy/policy';
import { AgentSlots, agentLimit } from './agent-slots';
import type { Clock } from '../ports';

export type QueryOutcome =
  | ({ kind: 'read' } & ReadData & { auditId: number })
  | ({ kind: 'write' } & WriteData & { auditId: number });

/** A streamed read's outcome: the rows went to the sink; this is what the trailer says. */
export type StreamOutcome =
  | ({ kind: 'read' } & StreamSummary & { auditId: number })
  | ({ kind: 'write' } & WriteData & { auditId: number });

/** Export caps when the configuration names none (README.md, "Large results"). */
export const EXPORT_DEFAULTS = {
  maxRows: 1_000_000,
  maxBytes: 1024 * 1024 * 1024,
  timeoutMs: 10 * 60_000,
};

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
 * The limits for one request: the configured ones, or a lower row cap if the request asks
 * for one. More rows than the configured cap is an export, which only an `export` grant
 * allows (`exportGrant`: the caps policy.exportAllowance found, or null without one); the
 * export then runs under the grant's caps, never above the configured export caps.
 */
export function limitsFor(
  base: QueryLimits,
  maxRows: number | undefined,
  exportGrant: Required<ExportLimits> | null = null,
): { limits: QueryLimits; exporting: boolean } {
  if (maxRows === undefined) return { limits: base, exporting: false };
  if (maxRows <= base.maxRows) return { limits: { ...base, maxRows }, exporting: false };
  if (!exportGrant) {
    throw new AirlockError(
      'PERMISSION_DENIED',
      `maxRows ${maxRows} is above the row cap of ${base.maxRows} rows; more rows than that is an export, which needs the 'export' action on the grant of every table read`,
      { maxRows, rowCap: base.maxRows, needs: 'export' },
    );
  }
  const cap = Math.min(exportGrant.maxRows, base.exportMaxRows ?? EXPORT_DEFAULTS.maxRows);
  if (maxRows > cap) {
    throw new AirlockError(
      'VALIDATION_FAILED',
      `maxRows ${maxRows} is above the export cap of ${cap} rows`,
      {
        issues: [{ path: 'maxRows', message: `at most ${cap}` }],
      },
    );
  }
  return {
    limits: {
      ...base,
      maxRows,
      maxBytes: Math.max(
        base.maxBytes,
        Math.min(exportGrant.maxBytes, base.exportMaxBytes ?? EXPORT_DEFAULTS.maxBytes),
      ),
      timeoutMs: Math.max(
        base.timeoutMs,
        Math.min(exportGrant.timeoutMs, base.exportTimeoutMs ?? EXPORT_DEFAULTS.timeoutMs),
      ),
    },
    exporting: true,
  };
}

/** Concurrent statements one agent may run on one connection when the settings name no other number. */
export const AGENT_CONCURRENCY_DEFAULT = 2;

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

  private readonly slots = new AgentSlots();

  /** Runs a request and answers with the whole result; `signal` (the client went away) cancels a read. */
  async query(agent: Agent, req: QueryRequest, signal?: AbortSignal): Promise<QueryOutcome> {
    return (await this.run(agent, req, null, signal)) as QueryOutcome;
  }

  /** Runs a request; a read's rows go to `sink` batch by batch as the cursor yields them. */
  async stream(
    agent: Agent,
    req: QueryRequest,
    sink: RowSink,
    signal?: AbortSignal,
  ): Promise<StreamOutcome> {
    return (await this.run(agent, req, { sink, signal })) as StreamOutcome;
  }

  /**
   * An agent's grants changed: connections that mirror grants in the database (per-agent
   * PostgreSQL roles, MySQL/MariaDB users) update them now rather than before its next statement.
   */
  async grantsChanged(agent: Pick<Agent, 'id' | 'name'>): Promise<void> {
    const grants = this.deps.grantsOf(agent.id);
    for (const record of this.deps.connections.list()) {
      if (record.kind !== 'postgres' && record.kind !== 'mysql') continue;
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

  private async run(
    agent: Agent,
    req: QueryRequest,
    streaming: Streaming | null,
    signal?: AbortSignal,
  ): Promise<QueryOutcome | StreamOutcome> {
    const started = this.deps.clock.monotonicMs();
    const grants = this.deps.grantsOf(agent.id);
    let decision: Decision | null = null;
    let action = 'query';
    /** Rows (and their bytes) already handed to the sink when a streamed read fails half-way. */
    let delivered = 0;
    let deliveredBytes = 0;
    /** The entry that recorded a streamed read's start; its end names it. */
    let startAuditId: number | null = null;
    let releaseSlot: (() => void) | null = null;
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
    /**
     * A streamed read's entries: one when it starts (durable before the first row, so a crash
     * mid-stream leaves it), one when it ends with what went out and how it ended.
     */
    const streamEntry = (
      stage: 'started' | 'ended',
      over: Partial<AuditRecord> = {},
      more: Record<string, unknown> = {},
    ): AuditRecord =>
      entry({
        ...over,
        details: {
          agentId: agent.id,
          ...extra,
          stage,
          ...(stage === 'ended' ? { startAuditId, bytes: deliveredBytes } : {}),
          ...more,
        },
      });

    try {
      // An agent learns nothing about connections it holds no grant on, not even that they exist.
      if (
        !grants.some(
          (g) =>
            (g.effect ?? 'allow') === 'allow' &&
            g.connection.toLowerCase() === req.connection.toLowerCase(),
        )
      ) {
        decision = {
          effect: 'deny',
          rule: 'default-deny',
          reason: `agent '${agent.name}' has no grant on connection '${req.connection}'`,
        };
        throw new AirlockError('PERMISSION_DENIED', decision.reason);
      }
      const record = this.deps.connections.get(req.connection);
      if (!record) throw new AirlockError('NOT_FOUND', `no connection named '${req.connection}'`);
      const base = this.deps.limits();
      if (streaming) extra.streamed = true;
      const connector = this.deps.connections.connector(record.name);
      const { index } = await this.deps.connections.schema(record.name);
      const guarded = await guardSql(req.sql, connector.dialect, index, agent.id);
      action = `query.${guarded.analysis.action}`;
      const given = req.params?.length ?? 0;
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
      const access = {
        agent: agent.name,
        connection: record.name,
        tables: guarded.analysis.tables,
        defaultSchema: connector.defaultSchema,
      };
      decision = decide(access, grants);
      if (decision.effect !== 'allow') {
        throw new AirlockError('PERMISSION_DENIED', decision.reason, {
          rule: decision.rule,
          hint: `GET /v1/connections/${record.name}/tables lists what this agent may use`,
        });
      }
      // More rows than the cap is an export: only an export grant lifts the cap, to its own caps.
      const wantsExport = req.maxRows !== undefined && req.maxRows > base.maxRows;
      const allowance = wantsExport ? exportAllowance(access, grants, exportDefaults(base)) : null;
      if (allowance && !allowance.allowed) {
        decision = { effect: 'deny', rule: 'export:default-deny', reason: allowance.reason };
        throw new AirlockError(
          'PERMISSION_DENIED',
          `maxRows ${req.maxRows} is above the row cap of ${base.maxRows} rows, which makes this an export; ${allowance.reason} (an export needs the 'export' action on the grant of every table read)`,
          {
            rule: decision.rule,
            maxRows: req.maxRows,
            rowCap: base.maxRows,
            needs: 'export',
            table: allowance.table,
          },
        );
      }
      const { limits, exporting } = limitsFor(
        base,
        req.maxRows,
        allowance?.allowed ? allowance.limits : null,
      );
      if (exporting && allowance?.allowed) {
        extra.export = {
          maxRows: limits.maxRows,
          maxBytes: limits.maxBytes,
          timeoutMs: limits.timeoutMs,
          rule: allowance.rule,
        };
      }
      // The client left while the statement was being judged: it never reaches the database.
      if (signal?.aborted || streaming?.signal?.aborted) {
        throw new AirlockError(
          'CANCELLED',
          'the request was abandoned by the client before the statement ran',
        );
      }
      releaseSlot = this.slots.take(
        agent,
        record.name,
        agentLimit(base.agentConcurrency ?? AGENT_CONCURRENCY_DEFAULT, connector.poolSize),
      );
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
              for (const r of batch) deliveredBytes += rowSize(r);
              return streaming.sink.rows(batch);
            },
          };
          startAuditId = await this.deps.audit.append(streamEntry('started'));
          const summary = await streamRead(connector, stmt, limits, counting, streaming.signal);
          const auditId = await this.deps.audit.append(
            streamEntry(
              'ended',
              { rowCount: summary.rowCount },
              {
                truncated: summary.truncated,
                outcome: summary.truncated ? 'truncated' : 'completed',
              },
            ),
          );
          return { kind: 'read', ...summary, auditId };
        }
        // With a signal (the client may go away), the read goes through the cancellable path.
        const data =
          signal && connector.stream
            ? await collected(connector, stmt, limits, signal)
            : await connector.read(stmt, limits);
        const auditId = await this.deps.audit.append(
          entry({
            rowCount: data.rowCount,
            details: { agentId: agent.id, ...extra, truncated: data.truncated },
          }),
        );
        return { kind: 'read', ...data, auditId };
      }
      const data = await connector.write(stmt, limits);
      const auditId = await this.deps.audit.append(entry({ rowCount: data.rowCount }));
      return { kind: 'write', ...data, auditId };
    } catch (e) {
      const err = isAirlockError(e)
        ? e
        : new AirlockError('INTERNAL', 'the query failed inside Airlock');
      const denied = ['PERMISSION_DENIED', 'STATEMENT_NOT_ALLOWED', 'INVALID_SQL'].includes(
        err.code,
      );
      if (denied && (!decision || decision.effect === 'allow')) {
        decision = {
          effect: 'deny',
          rule: `guard:${String(err.details.layer ?? 'request')}`,
          reason: err.message,
        };
      }
      const over: Partial<AuditRecord> = {
        status: denied ? 'denied' : 'error',
        rowCount: delivered > 0 ? delivered : null,
      };
      const why = {
        code: err.code,
        ...err.details,
        ...(isAirlockError(e) ? {} : { internal: (e as Error).message }),
      };
      err.auditId = await this.deps.audit.append(
        startAuditId !== null
          ? streamEntry('ended', over, {
              ...why,
              truncated: delivered > 0,
              outcome: signal?.aborted || streaming?.signal?.aborted ? 'cancelled' : 'failed',
            })
          : entry({ ...over, details: { agentId: agent.id, ...extra, ...why } }),
      );
      throw err;
    } finally {
      releaseSlot?.();
    }
  }
}

/** The export caps a grant's unset limits fall back to: the configured ones, or the defaults. */
function exportDefaults(base: QueryLimits): Required<ExportLimits> {
  return {
    maxRows: base.exportMaxRows ?? EXPORT_DEFAULTS.maxRows,
    maxBytes: base.exportMaxBytes ?? EXPORT_DEFAULTS.maxBytes,
    timeoutMs: base.exportTimeoutMs ?? EXPORT_DEFAULTS.timeoutMs,
  };
}

/** A whole read through the connector's stream, so that `signal` can cancel it. */
async function collected(
  connector: Connector,
  stmt: CheckedStatement,
  limits: QueryLimits,
  signal: AbortSignal,
): Promise<ReadData> {
  const sink = collectingSink();
  return sink.result(await connector.stream!(stmt, limits, sink, signal));
}

/** A connector's streamed read, or its whole read handed over in one batch. */
async function streamRead(
  connector: Connector,
  stmt: CheckedStatement,
  limits: QueryLimits,
  sink: RowSink,
  signal?: AbortSignal,
): Promise<StreamSummary> {
  if (connector.stream) return connector.stream(stmt, limits, sink, signal);
  const data = await connector.read(stmt, limits);
  await sink.columns(data.columns);
  if (data.rows.length) await sink.rows(data.rows);
  return { rowCount: data.rowCount, truncated: data.truncated };
}
