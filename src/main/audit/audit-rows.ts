import type { AuditEntry, AuditRecord } from '../../shared/domain';
import { entryLeafHash, parseLeafFields, type LeafFields } from './chain';

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
  /** Leaf format 2's salts and redacted commitments (JSON); null for format 1 entries. */
  leaf_fields?: string | null;
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

/** The row's salts and redacted commitments; null for an entry in leaf format 1. */
export function rowLeafFields(r: AuditRow): LeafFields | null {
  return parseLeafFields(r.leaf_fields ?? null);
}

/** The leaf hash recomputed from the row's fields, in the row's own leaf format. */
export function recomputeLeaf(r: AuditRow): string {
  return entryLeafHash(r.id, rowToRecord(r), rowLeafFields(r));
}
