/**
 * One request pipeline, `run(principal, request)`, for every principal (an agent, a person,
 * a person acting as an agent) and every door (the agent API, the workbench, NL questions):
 *
 *   identify → limit → validate → guard → decide → approve → execute → shape → audit
 *
 * Each step is a named function in steps.ts. Every outcome, allowed or not, becomes one
 * audit entry, and the caller hears back only after that entry is durable; a streamed read
 * is recorded when it starts (durable before its first row) and when it ends, and the ending
 * entry's id closes the response.
 */
import type { MongoQueryRequest, QueryRequest } from '../../shared/contract/api';
import type { AuditRecord, Grant } from '../../shared/domain';
import type { AuditLog } from '../audit/audit-log';
import type { Connections } from '../connections/connections';
import { collectingSink, rowSize } from '../connectors/row-budget';
import {
  sqlConnector,
  type CheckedStatement,
  type QueryLimits,
  type ReadData,
  type RowSink,
  type SqlConnector,
  type StreamSummary,
  type WriteData,
  type WriteResult,
} from '../connectors/types';
import { APPROVAL_CAPTURE_CAP, type Approvals } from '../approvals/approvals';
import { AirlockError } from '../../shared/errors';
import type { Clock } from '../ports';
import { AgentSlots } from './agent-slots';
import { agentPrincipal, readingOnly, type Principal, type ReadOnlyRule } from './principal';
import { AGENT_CONCURRENCY_DEFAULT } from './query-service';
import * as step from './steps';
import type { GuardedSql } from '../guard/guard';

/** A write held for a person's approval: what the agent is told (HTTP 202). */
export interface ApprovalOutcome {
  kind: 'approval';
  approval: {
    id: string;
    status: 'pending';
    expiresAt: string;
    preview: ReturnType<typeof step.agentPreview>;
  };
  auditId: number;
}

export type QueryOutcome =
  | ({ kind: 'read' } & ReadData & { auditId: number })
  | ({ kind: 'write' } & WriteData & { auditId: number })
  | ApprovalOutcome;

/** A streamed read's outcome: the rows went to the sink; this is what the trailer says. */
export type StreamOutcome =
  | ({ kind: 'read' } & StreamSummary & { auditId: number })
  | ({ kind: 'write' } & WriteData & { auditId: number })
  | ApprovalOutcome;

export type MongoOutcome = ReadData & { auditId: number };

const INTERNAL_READ_ONLY: ReadOnlyRule = {
  rule: 'internal:read-only',
  reason: (kind) => `an internal read may only read; a ${kind.toUpperCase()} statement was refused`,
};

interface Streaming {
  sink: RowSink;
  signal?: AbortSignal;
}

export interface PipelineDeps {
  connections: Connections;
  audit: AuditLog;
  grantsOf: (agentId: string) => Grant[];
  limits: () => QueryLimits;
  clock: Clock;
  /** Writes held for a person's approval (approvals/approvals.ts). */
  approvals: Approvals;
}

export class Pipeline {
  private readonly slots = new AgentSlots();

  constructor(private readonly deps: PipelineDeps) {}

  /**
   * Identify: an authenticated agent as a principal, with its grants and its concurrency
   * limit as they are now (the settings, or the default).
   */
  agent(agent: { id: string; name: string }): Principal {
    return agentPrincipal(
      agent,
      this.deps.grantsOf(agent.id),
      this.deps.limits().agentConcurrency ?? AGENT_CONCURRENCY_DEFAULT,
    );
  }

  /** Runs a SQL request and answers with the whole result; `signal` (the client went away) cancels a read. */
  run(principal: Principal, req: QueryRequest, signal?: AbortSignal): Promise<QueryOutcome>;
  /** Runs a MongoDB structured query. */
  run(principal: Principal, req: MongoQueryRequest): Promise<MongoOutcome>;
  run(
    principal: Principal,
    req: QueryRequest | MongoQueryRequest,
    signal?: AbortSignal,
  ): Promise<QueryOutcome | MongoOutcome> {
    if ('mongo' in req) return this.runDocuments(principal, req);
    return this.runSql(principal, req, null, signal) as Promise<QueryOutcome>;
  }

  /**
   * A read another request needs (an NL question's value samples): the same steps, with no
   * entry of its own — the request it serves records it in its one entry. Anything but a
   * read is refused.
   */
  async readFor(principal: Principal, req: QueryRequest): Promise<ReadData> {
    // Read-only whatever the principal may do: a write is refused before it reaches a connector.
    const reader = readingOnly(principal, INTERNAL_READ_ONLY);
    const out = await this.runSql(reader, req, null, undefined, false);
    if (out.kind !== 'read') throw new AirlockError('INTERNAL', 'an internal read was not a read');
    const { kind: _k, auditId: _a, ...data } = out;
    return data as ReadData;
  }

  /** Runs a SQL request; a read's rows go to `sink` batch by batch as the cursor yields them. */
  async stream(
    principal: Principal,
    req: QueryRequest,
    sink: RowSink,
    signal?: AbortSignal,
  ): Promise<StreamOutcome> {
    return (await this.runSql(principal, req, { sink, signal })) as StreamOutcome;
  }

  /**
   * The steps before the policy — identify, guard, and the principal's capability — with no
   * audit entry: for a door that records the refusal in its own entry (an NL question's
   * attempts). Throws what `run` would refuse with.
   */
  async judge(principal: Principal, req: { connection: string; sql: string }): Promise<void> {
    await this.admit(principal, req, step.newTrail(this.deps.clock, req.connection, req.sql, null));
  }

  /** identify → guard → the principal's capability: the steps every SQL request starts with. */
  private async admit(
    principal: Principal,
    req: { connection: string; sql: string },
    trail: step.Trail,
  ) {
    const { connections } = this.deps;
    const identified = step.identify(principal, req.connection, connections, trail);
    const { record } = identified;
    const connector = sqlConnector(identified.connector);
    const guarded = await step.guardStatement(
      principal,
      req.sql,
      connector,
      connections,
      record,
      trail,
    );
    step.validateCapability(principal, guarded, trail);
    return { record, connector, guarded };
  }

  /**
   * An agent's grants changed: connections that mirror grants in the database (per-agent
   * PostgreSQL roles, MySQL/MariaDB users) update them now rather than before its next statement.
   */
  async grantsChanged(agent: { id: string; name: string }): Promise<void> {
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

  private async runSql(
    principal: Principal,
    req: QueryRequest,
    streaming: Streaming | null,
    signal?: AbortSignal,
    recorded = true,
  ): Promise<QueryOutcome | StreamOutcome> {
    const { clock } = this.deps;
    // A request's own entry; an internal read (recorded: false) is in its caller's entry instead.
    const audit = { append: async (e: AuditRecord) => (recorded ? this.deps.audit.append(e) : 0) };
    /** The entry of what went through (a streamed read's start and end, a read, a write). */
    const recordSuccess = (
      over: Partial<AuditRecord> = {},
      details: Record<string, unknown> = {},
    ) => audit.append(step.successEntry(clock, principal, trail, over, details));
    const trail = step.newTrail(clock, req.connection, req.sql, step.paramsHash(req.params));
    /** Rows (and their bytes) already handed to the sink when a streamed read fails half-way. */
    let delivered = 0;
    let deliveredBytes = 0;
    /** The entry that recorded a streamed read's start; its end names it. */
    let startAuditId: number | null = null;
    let releaseSlot: (() => void) | null = null;
    const streamDetails = (stage: 'started' | 'ended') => ({
      stage,
      ...(stage === 'ended' ? { startAuditId, bytes: deliveredBytes } : {}),
    });

    try {
      if (streaming) trail.extra.streamed = true;
      const { record, connector, guarded } = await this.admit(principal, req, trail);
      const base = this.deps.limits();
      step.validateParams(guarded, req.params);
      const access = step.decideStatement(principal, guarded, connector, record, trail);
      const limits = step.limitRows(principal, access, base, req.maxRows, trail);
      step.refuseIfAbandoned(signal, streaming?.signal);
      releaseSlot = step.limitConcurrency(this.slots, principal, record.name, connector.poolSize);
      const gate = step.approve(
        this.deps.approvals,
        principal,
        {
          connection: record.name,
          sql: guarded.sql,
          params: req.params,
          approvalId: req.approvalId,
        },
        trail,
      );
      const stmt: CheckedStatement = {
        sql: guarded.sql,
        params: req.params,
        analysis: guarded.analysis,
        agent: step.agentContext(principal, record.name),
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
          startAuditId = await recordSuccess({}, streamDetails('started'));
          const summary = await streamRead(connector, stmt, limits, counting, streaming.signal);
          const auditId = await recordSuccess(
            { rowCount: summary.rowCount },
            {
              ...streamDetails('ended'),
              truncated: summary.truncated,
              outcome: summary.truncated ? 'truncated' : 'completed',
            },
          );
          return { kind: 'read', ...summary, auditId };
        }
        // With a signal (the client may go away), the read goes through the cancellable path.
        const data =
          signal && connector.stream
            ? await collected(connector, stmt, limits, signal)
            : await connector.read(stmt, limits);
        const auditId = await recordSuccess(
          { rowCount: data.rowCount },
          { truncated: data.truncated },
        );
        return { kind: 'read', ...data, auditId };
      }
      return await this.write(
        { gate, principal, guarded, connector, record, stmt, limits, trail },
        recordSuccess,
      );
    } catch (e) {
      const over: Partial<AuditRecord> = { rowCount: delivered > 0 ? delivered : null };
      const more =
        startAuditId !== null
          ? {
              ...streamDetails('ended'),
              truncated: delivered > 0,
              outcome: signal?.aborted || streaming?.signal?.aborted ? 'cancelled' : 'failed',
            }
          : {};
      const { entry, error } = step.failureEntry(clock, principal, trail, e, over, more);
      if (recorded) error.auditId = await audit.append(entry);
      throw error;
    } finally {
      releaseSlot?.();
    }
  }

  /**
   * Execute, for a write: at once; or, held for approval, a dry run rolled back inside the
   * database and a pending approval (202); or, under a claimed approval, the write itself once,
   * keeping the images an officer's revert needs (never shown to the agent).
   */
  private async write(
    w: {
      gate: step.ApprovalGate;
      principal: Principal;
      guarded: GuardedSql;
      connector: SqlConnector;
      record: { name: string };
      stmt: CheckedStatement;
      limits: QueryLimits;
      trail: step.Trail;
    },
    recordSuccess: (
      over?: Partial<AuditRecord>,
      details?: Record<string, unknown>,
    ) => Promise<number>,
  ): Promise<QueryOutcome> {
    const { gate, connector, stmt, limits } = w;
    const { approvals } = this.deps;
    if (gate.kind === 'request') {
      const dry = await connector.write(stmt, limits, {
        dryRun: true,
        captureCap: APPROVAL_CAPTURE_CAP,
      });
      if (!dry.preview) throw new AirlockError('INTERNAL', 'the dry run gave no preview');
      const approval = approvals.create(gate.request, dry.preview);
      w.trail.extra.approvalId = approval.id;
      let auditId: number;
      try {
        auditId = await recordSuccess(
          {},
          { approval: 'requested', rowsAffected: dry.preview.rowsAffected },
        );
      } catch (e) {
        // Not on the record, so not to be approved.
        approvals.discard(approval.id);
        throw e;
      }
      approvals.requestedIn(approval.id, auditId);
      const { principal, guarded, record } = w;
      return {
        kind: 'approval',
        approval: {
          id: approval.id,
          status: 'pending',
          expiresAt: approval.expiresAt,
          preview: step.agentPreview(principal, guarded, connector, record.name, dry.preview),
        },
        auditId,
      };
    }
    if (gate.kind === 'approved') {
      let done: WriteResult;
      try {
        done = await connector.write(stmt, limits, { captureCap: APPROVAL_CAPTURE_CAP });
      } catch (e) {
        // Nothing was written: the approval may be used again.
        approvals.release(gate.approvalId);
        throw e;
      }
      approvals.executed(gate.approvalId, done.preview?.images, null);
      const auditId = await recordSuccess({ rowCount: done.rowCount }, { approval: 'executed' });
      approvals.executed(gate.approvalId, done.preview?.images, auditId);
      return { kind: 'write', ...writeData(done), auditId };
    }
    const data = await connector.write(stmt, limits);
    const auditId = await recordSuccess({ rowCount: data.rowCount });
    return { kind: 'write', ...writeData(data), auditId };
  }

  /** The same steps for a MongoDB structured query (statement: the query's canonical JSON). */
  private async runDocuments(principal: Principal, req: MongoQueryRequest): Promise<MongoOutcome> {
    const { clock, audit, connections } = this.deps;
    const trail = step.newTrail(clock, req.connection, step.mongoStatement(req.mongo), null, {
      op: req.mongo.op,
    });
    try {
      const { record, connector } = step.identify(principal, req.connection, connections, trail);
      const documents = step.documentConnector(record, connector);
      const guarded = await step.guardDocuments(req.mongo, connections, record, trail);
      step.decideDocuments(principal, guarded, record, trail);
      // Approve: a MongoDB query only reads, so the policy allowed or refused it; nothing waits.
      const { engineTruth, ...data } = await documents.readDocuments(
        guarded.query,
        this.deps.limits(),
      );
      const auditId = await audit.append(
        step.successEntry(
          clock,
          principal,
          trail,
          { rowCount: data.rowCount },
          { truncated: data.truncated, engineTruth, collections: guarded.query.collections },
        ),
      );
      return { ...data, auditId };
    } catch (e) {
      const { entry, error } = step.failureEntry(clock, principal, trail, e);
      error.auditId = await audit.append(entry);
      throw error;
    }
  }
}

/** What of a write goes back to the caller: never a preview or its images. */
function writeData(r: WriteResult): WriteData {
  return {
    rowCount: r.rowCount,
    ...(r.columns ? { columns: r.columns } : {}),
    ...(r.rows ? { rows: r.rows } : {}),
  };
}

/** A whole read through the connector's stream, so that `signal` can cancel it. */
async function collected(
  connector: SqlConnector,
  stmt: CheckedStatement,
  limits: QueryLimits,
  signal: AbortSignal,
): Promise<ReadData> {
  const sink = collectingSink();
  return sink.result(await connector.stream!(stmt, limits, sink, signal));
}

/** A connector's streamed read, or its whole read handed over in one batch. */
async function streamRead(
  connector: SqlConnector,
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
