import type { MongoQueryRequest } from '../../shared/contract/api';
import type { AuditRecord, Decision, Grant } from '../../shared/domain';
import { AirlockError, isAirlockError } from '../../shared/errors';
import type { AuditLog } from '../audit/audit-log';
import { canonicalJson } from '../audit/canonical-json';
import type { Connections } from '../connections/connections';
import { isDocumentConnector } from '../connectors/mongodb/document-connector';
import type { QueryLimits, ReadData } from '../connectors/types';
import { guardMongo } from '../guard/mongo/mongo-guard';
import { decideMongo } from '../guard/mongo/mongo-policy';
import type { Agent } from '../identity/agents';
import type { Clock } from '../ports';

/** Refusals by a guard layer or the policy: audited as `denied`, not as errors. */
const DENIED_CODES = new Set(['PERMISSION_DENIED', 'STATEMENT_NOT_ALLOWED', 'VALIDATION_FAILED']);

/**
 * The agent path for MongoDB structured queries, shaped like QueryService: grants on the
 * connection → MongoDB guard → policy → execution with engine truth, maxTimeMS and caps →
 * audit. Every outcome becomes one audit entry (statement = canonical JSON of the query),
 * and the caller hears back only after that entry is durable.
 */
export class MongoQueryService {
  constructor(
    private readonly deps: {
      connections: Connections;
      audit: AuditLog;
      grantsOf: (agentId: string) => Grant[];
      limits: () => QueryLimits;
      clock: Clock;
    },
  ) {}

  async query(agent: Agent, req: MongoQueryRequest): Promise<ReadData & { auditId: number }> {
    const started = this.deps.clock.monotonicMs();
    const grants = this.deps.grantsOf(agent.id);
    let decision: Decision | null = null;
    let action = 'query';
    const base = { agentId: agent.id, op: req.mongo.op };
    const entry = (over: Partial<AuditRecord>): AuditRecord => ({
      time: this.deps.clock.now().toISOString(),
      actor: `agent:${agent.name}`,
      action,
      connection: req.connection,
      statement: canonicalJson(req.mongo),
      paramsHash: null,
      decision: decision?.effect ?? null,
      rule: decision?.rule ?? null,
      reason: decision?.reason ?? null,
      status: 'allowed',
      rowCount: null,
      latencyMs: Math.round((this.deps.clock.monotonicMs() - started) * 1000) / 1000,
      details: base,
      ...over,
    });

    try {
      // An agent learns nothing about connections it holds no grant on, not even their kind.
      if (!grants.some((g) => (g.effect ?? 'allow') === 'allow' && g.connection.toLowerCase() === req.connection.toLowerCase())) {
        decision = { effect: 'deny', rule: 'default-deny', reason: `agent '${agent.name}' has no grant on connection '${req.connection}'` };
        throw new AirlockError('PERMISSION_DENIED', decision.reason);
      }
      const record = this.deps.connections.get(req.connection);
      if (!record) throw new AirlockError('NOT_FOUND', `no connection named '${req.connection}'`);
      const connector = this.deps.connections.connector(record.name);
      if (record.kind !== 'mongodb' || !isDocumentConnector(connector)) {
        throw new AirlockError(
          'STATEMENT_NOT_ALLOWED',
          `'${record.name}' is a SQL connection: send { "connection", "sql" } to it; "mongo" queries go to MongoDB connections`,
          { layer: 'request' },
        );
      }
      // Introspection also tells the connector which collections each view reads (engine truth).
      await this.deps.connections.schema(record.name);
      const guarded = guardMongo(req.mongo);
      action = 'query.read';
      decision = decideMongo(agent.name, record.name, guarded, grants);
      if (decision.effect !== 'allow') {
        throw new AirlockError('PERMISSION_DENIED', decision.reason, {
          rule: decision.rule,
          hint: `GET /v1/connections/${record.name}/tables lists what this agent may use`,
        });
      }
      const { engineTruth, ...data } = await connector.readDocuments(guarded.query, this.deps.limits());
      const auditId = await this.deps.audit.append(
        entry({ rowCount: data.rowCount, details: { ...base, truncated: data.truncated, engineTruth, collections: guarded.query.collections } }),
      );
      return { ...data, auditId };
    } catch (e) {
      const err = isAirlockError(e) ? e : new AirlockError('INTERNAL', 'the query failed inside Airlock');
      const denied = DENIED_CODES.has(err.code);
      if (denied && (!decision || decision.effect === 'allow')) {
        decision = { effect: 'deny', rule: `guard:${String(err.details.layer ?? 'request')}`, reason: err.message };
      }
      err.auditId = await this.deps.audit.append(
        entry({
          status: denied ? 'denied' : 'error',
          details: { ...base, code: err.code, ...err.details, ...(isAirlockError(e) ? {} : { internal: (e as Error).message }) },
        }),
      );
      throw err;
    }
  }
}
