/**
 * Sealing a batch of audit rows: each row gets its leaf format 2 salts, its leaf hash and its
 * link in the chain. It runs where the batch is committed (the audit writer thread), so the
 * hashing of every entry stays off the thread that serves requests; the leaf is computed from
 * the row exactly as stored, the way `audit verify` recomputes it.
 */
import type { AuditRecord } from '../../shared/domain';
import { rowToRecord } from './audit-rows';
import { chainHash, leafHashV2, newLeafFields } from './chain';
import type { Sealed, UnsealedRow, WriterRow } from './writer-protocol';

function recordOf(r: UnsealedRow): AuditRecord {
  return rowToRecord({
    id: r.id,
    time: r.time,
    actor: r.actor,
    action: r.action,
    connection: r.connection,
    statement: r.statement,
    params_hash: r.paramsHash,
    decision: r.decision,
    rule: r.rule,
    reason: r.reason,
    status: r.status,
    row_count: r.rowCount,
    latency_ms: r.latencyMs,
    details: r.details,
    leaf_hash: '',
    chain_hash: '',
  });
}

/** The rows with their salts, leaves and chain links, chained onto `prevChain`. */
export function sealRows(rows: UnsealedRow[], prevChain: string): WriterRow[] {
  let prev = prevChain;
  return rows.map((r) => {
    const record = recordOf(r);
    const fields = newLeafFields(record);
    const leaf = leafHashV2(r.id, record, fields);
    const chain = chainHash(prev, leaf);
    prev = chain;
    return { ...r, leaf, chain, leafFields: JSON.stringify(fields) };
  });
}

/** What the committing side tells the appending side of each row it sealed. */
export const sealsOf = (rows: WriterRow[]): Sealed[] =>
  rows.map((r) => ({ leaf: r.leaf, chain: r.chain }));
