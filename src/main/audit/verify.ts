import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { KeyObject } from 'node:crypto';
import { GENESIS, chainHash, leafHash } from './chain';
import { rowToRecord, type AuditRow } from './audit-rows';
import { AUDIT_HEAD_KEY } from './audit-log';
import { listCheckpoints } from './checkpoints';
import { checkpointProblem, type Checkpoint } from './report/checkpoint';
import { MerkleFrontier, leafNode } from './report/merkle';
import { loadSigningKey } from './signing-key';

export interface VerifyResult {
  ok: boolean;
  entries: number;
  firstBroken: number | null;
  problem: string | null;
  /** The last entry that verified, and its chain hash: keep them elsewhere to catch a rewrite. */
  headSeq: number;
  headHash: string;
  /** Signed checkpoints checked (signature, chain head and Merkle root). */
  checkpoints: number;
  /** Entries removed by retention (none yet: nothing is purged). */
  purged: number;
}

/**
 * Recomputes the chain from the first entry. Catches a changed field (leaf mismatch),
 * a deleted row (gap in the ids, or a chain that no longer links), and reordered rows
 * (the id is part of every leaf, and every chain value depends on the one before).
 */
export function verifyAuditChain(
  db: Database,
  onProgress?: (done: number) => void,
  progressEvery = 10_000,
): VerifyResult {
  // One read transaction: the rows and the head come from the same snapshot, even while a
  // running Airlock keeps appending (otherwise a newer head looks like a cut tail).
  return db.transaction(() => verifySnapshot(db, onProgress, progressEvery))();
}

function verifySnapshot(
  db: Database,
  onProgress: ((done: number) => void) | undefined,
  progressEvery: number,
): VerifyResult {
  const base = verifyChain(db, onProgress, progressEvery);
  return { ...base, purged: 0 };
}

function verifyChain(
  db: Database,
  onProgress: ((done: number) => void) | undefined,
  progressEvery: number,
): Omit<VerifyResult, 'purged'> {
  let expectedId = 1;
  let prev = GENESIS;
  let count = 0;
  const checkpoints = listCheckpoints(db);
  const signer = loadSigningKey(db);
  const tree = MerkleFrontier.empty();
  let nextCheckpoint = 0;
  const result = (
    ok: boolean,
    entries: number,
    firstBroken: number | null,
    problem: string | null,
  ) => ({
    ok,
    entries,
    firstBroken,
    problem,
    headSeq: count,
    headHash: prev,
    checkpoints: nextCheckpoint,
  });
  if (checkpoints.length > 0 && !signer)
    return result(
      false,
      0,
      checkpoints[0]!.seq,
      'the audit signing key is missing, so no checkpoint can be checked',
    );
  const rows = db
    .prepare('SELECT * FROM audit_log ORDER BY id')
    .iterate() as IterableIterator<AuditRow>;
  for (const row of rows) {
    const broken = (problem: string, at = row.id) => {
      rows.return?.();
      return result(false, count, at, problem);
    };
    if (row.id !== expectedId) {
      // A gap: the first broken entry is the first one missing, as for a cut tail.
      return row.id > expectedId
        ? broken(
            `entries ${expectedId}${row.id - 1 > expectedId ? `–${row.id - 1}` : ''} are missing before entry ${row.id}`,
            expectedId,
          )
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
    tree.push(leafNode(leaf));
    const cp = checkpoints[nextCheckpoint];
    if (cp && cp.seq === row.id) {
      const wrong = checkpointMismatch(cp, chain, tree.root().toString('hex'), signer!.publicKey);
      if (wrong) return broken(wrong);
      nextCheckpoint += 1;
    }
    prev = chain;
    expectedId += 1;
    count += 1;
    if (onProgress && count % progressEvery === 0) onProgress(count);
  }
  const head = readHead(db);
  if (head && head.id > count) {
    return result(
      false,
      count,
      count + 1,
      `entries ${count + 1}${head.id > count + 1 ? `–${head.id}` : ''} are missing at the end of the log (its head says ${head.id})`,
    );
  }
  if (head && head.id < count) {
    // The head is written in the same transaction as every batch: rows past it were not written by Airlock.
    return result(
      false,
      head.id,
      head.id + 1,
      `entries ${head.id + 1}${count > head.id + 1 ? `–${count}` : ''} come after the log's head (entry ${head.id}); they were not written by Airlock`,
    );
  }
  if (head && head.id === count && count > 0 && head.chain !== prev) {
    return result(false, count, count, `entry ${count} does not match the log's head`);
  }
  if (!head && count > 0) {
    return result(false, count, 1, "the log's head record is missing");
  }
  const beyond = checkpoints[nextCheckpoint];
  if (beyond) {
    // A signed checkpoint past the end: entries it covered were cut, and the head was rewritten to hide it.
    return result(
      false,
      count,
      count + 1,
      `entries ${count + 1}–${beyond.seq} are missing: a signed checkpoint covers them (the log's head was moved back)`,
    );
  }
  return result(true, count, null, null);
}

function checkpointMismatch(
  cp: Checkpoint,
  chain: string,
  root: string,
  key: KeyObject,
): string | null {
  const bad = checkpointProblem(key, cp);
  if (bad) return `${bad} (the checkpoint was altered or signed by another key)`;
  if (cp.headHash !== chain)
    return `entry ${cp.seq} does not match the chain head in the signed checkpoint at entry ${cp.seq}: the log was rewritten`;
  if (cp.treeRoot !== root)
    return `the entries up to ${cp.seq} do not match the Merkle root in the signed checkpoint at entry ${cp.seq}: the log was rewritten`;
  return null;
}

function readHead(db: Database): { id: number; chain: string } | null {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(AUDIT_HEAD_KEY) as
    { value: string } | undefined;
  if (!row) return null;
  try {
    const v = JSON.parse(row.value) as { id: unknown; chain: unknown };
    if (typeof v.id === 'number' && typeof v.chain === 'string')
      return { id: v.id, chain: v.chain };
  } catch {
    // fall through: an unreadable head is reported as missing
  }
  return null;
}
