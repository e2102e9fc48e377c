import type { Database } from 'better-sqlite3-multiple-ciphers';
import { GENESIS, chainHash, leafHash } from './chain';
import { rowToRecord, type AuditRow } from './audit-rows';
import { AUDIT_HEAD_KEY } from './audit-log';

export interface VerifyResult {
  ok: boolean;
  entries: number;
  firstBroken: number | null;
  problem: string | null;
}

/**
 * Recomputes the chain from the first entry. Catches a changed field (leaf mismatch),
 * a deleted row (gap in the ids, or a chain that no longer links), and reordered rows
 * (the id is part of every leaf, and every chain value depends on the one before).
 */
export function verifyAuditChain(db: Database, onProgress?: (done: number) => void, progressEvery = 10_000): VerifyResult {
  // One read transaction: the rows and the head come from the same snapshot, even while a
  // running Airlock keeps appending (otherwise a newer head looks like a cut tail).
  return db.transaction(() => verifySnapshot(db, onProgress, progressEvery))();
}

function verifySnapshot(db: Database, onProgress: ((done: number) => void) | undefined, progressEvery: number): VerifyResult {
  let expectedId = 1;
  let prev = GENESIS;
  let count = 0;
  const rows = db.prepare('SELECT * FROM audit_log ORDER BY id').iterate() as IterableIterator<AuditRow>;
  for (const row of rows) {
    const broken = (problem: string, at = row.id): VerifyResult => {
      rows.return?.();
      return { ok: false, entries: count, firstBroken: at, problem };
    };
    if (row.id !== expectedId) {
      // A gap: the first broken entry is the first one missing, as for a cut tail.
      return row.id > expectedId
        ? broken(`entries ${expectedId}${row.id - 1 > expectedId ? `–${row.id - 1}` : ''} are missing before entry ${row.id}`, expectedId)
        : broken(`entry ${row.id} is out of sequence`);
    }
    let record;
    try {
      record = rowToRecord(row);
    } catch {
      return broken(`entry ${row.id} has unreadable details`);
    }
    const leaf = leafHash(row.id, record);
    if (leaf !== row.leaf_hash) return broken(`entry ${row.id} was changed after it was written`);
    const chain = chainHash(prev, leaf);
    if (chain !== row.chain_hash) {
      return broken(`entry ${row.id} does not link to the entry before it`);
    }
    prev = chain;
    expectedId += 1;
    count += 1;
    if (onProgress && count % progressEvery === 0) onProgress(count);
  }
  const head = readHead(db);
  if (head && head.id > count) {
    return {
      ok: false,
      entries: count,
      firstBroken: count + 1,
      problem: `entries ${count + 1}${head.id > count + 1 ? `–${head.id}` : ''} are missing at the end of the log (its head says ${head.id})`,
    };
  }
  if (head && head.id < count) {
    // The head is written in the same transaction as every batch: rows past it were not written by Airlock.
    return {
      ok: false,
      entries: head.id,
      firstBroken: head.id + 1,
      problem: `entries ${head.id + 1}${count > head.id + 1 ? `–${count}` : ''} come after the log's head (entry ${head.id}); they were not written by Airlock`,
    };
  }
  if (head && head.id === count && count > 0 && head.chain !== prev) {
    return { ok: false, entries: count, firstBroken: count, problem: `entry ${count} does not match the log's head` };
  }
  if (!head && count > 0) {
    return { ok: false, entries: count, firstBroken: 1, problem: "the log's head record is missing" };
  }
  return { ok: true, entries: count, firstBroken: null, problem: null };
}

function readHead(db: Database): { id: number; chain: string } | null {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(AUDIT_HEAD_KEY) as
    | { value: string }
    | undefined;
  if (!row) return null;
  try {
    const v = JSON.parse(row.value) as { id: unknown; chain: unknown };
    if (typeof v.id === 'number' && typeof v.chain === 'string') return { id: v.id, chain: v.chain };
  } catch {
    // fall through: an unreadable head is reported as missing
  }
  return null;
}
