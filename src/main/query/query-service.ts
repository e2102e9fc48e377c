import { createHash } from 'node:crypto';
import type { QueryRequest } from '../../shared/contract/api';
import type { AuditRecord, Decision, Grant } from '../../shared/domain';
import { AirlockError, isAirlockError } from '../../shared/errors';
import type { AuditLog } from '../audit/audit-log';
import { canonicalJson } from '../audit/canonical-json';
import type { Connections } from '../connections/connections';
import type { QueryLimits, ReadData, WriteData } from '../connectors/types';
import { guardSql } from '../guard/guard';
import type { Agent } from '../identity/agents';
import { decide } from '../policy/policy';
import type { Clock } from '../ports';

export type QueryOutcome =
  | ({ kind: 'read' } & ReadData & { auditId: number })
  | ({ kind: 'write' } & WriteData & { auditId: number });

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
 * The agent query path after identity and rate limiting: guard → policy → execution with
 * engine truth and backstops → audit. Every outcome, allowed or not, becomes one audit entry,
 * and the caller hears back only after that entry is durable.
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

  /**
   * Runs one statement for an agent. `as` lets a person use the same path: the analyst's
   * workbench (its own grants and actor name) or "run as agent X" previews.
   */
  async query(agent: Pick<Agent, 'id' | 'name'>, req: QueryRequest, as?: { actor: string; grants: Grant[] }): Promise<QueryOutcome> {
    const started = this.deps.clock.monotonicMs();
    const grants = as?.grants ?? this.deps.grantsOf(agent.id);
    let decision: Decision | null = null;
    let action = 'query';
    const entry = (over: Partial<AuditRecord>): AuditRecord => ({
      time: this.deps.clock.now().toISOString(),
      actor: as?.actor ?? `agent:${agent.name}`,
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
      details: { agentId: agent.id },
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
      const stmt = { sql: guarded.sql, params: req.params, analysis: guarded.analysis };
      const limits = this.deps.limits();
      if (guarded.analysis.action === 'read') {
        const data = await connector.read(stmt, limits);
        const auditId = await this.deps.audit.append(entry({ rowCount: data.rowCount, details: { agentId: agent.id, truncated: data.truncated } }));
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
          details: { agentId: agent.id, code: err.code, ...err.details, ...(isAirlockError(e) ? {} : { internal: (e as Error).message }) },
        }),
      );
      throw err;
    }
  }
}
