import type { AuditEntry, AuditRecord } from '../../shared/domain';

/** The audit_log row as stored. */
export interface AuditRow {
  id: number;
  time: string;
  actor: string;
  action: string;
  connection: string | null;
  statement: string | null;
  params_hash: string | null;
  decision: string | null;
  rule: string | null;
  reason: string | null;
  status: string;
  row_count: number | null;
  latency_ms: number | null;
  details: string | null;
  leaf_hash: string;
  chain_hash: string;
}

export function rowToRecord(r: AuditRow): AuditRecord {
  return {
    time: r.time,
    actor: r.actor,
    action: r.action,
    connection: r.connection,
    statement: r.statement,
    paramsHash: r.params_hash,
    decision: r.decision as AuditRecord['decision'],
    rule: r.rule,
    reason: r.reason,
    status: r.status as AuditRecord['status'],
    rowCount: r.row_count,
    latencyMs: r.latency_ms,
    details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
  };
}

export function rowToEntry(r: AuditRow): AuditEntry {
  return { id: r.id, ...rowToRecord(r), leafHash: r.leaf_hash, chainHash: r.chain_hash };
}
