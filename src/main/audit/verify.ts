import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { KeyObject } from 'node:crypto';
import { GENESIS, chainHash } from './chain';
import { recomputeLeaf, rowLeafFields, type AuditRow } from './audit-rows';
import { AUDIT_HEAD_KEY } from './audit-log';
import { listCheckpoints } from './checkpoints';
import { checkpointProblem, type Checkpoint } from './report/checkpoint';
import { MerkleFrontier, leafNode } from './report/merkle';
import { anchorProblem, anchorSummary, listAnchors, type Anchor } from './retention-anchor';
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
  /** Entries removed by retention: all those up to the anchor. */
  purged: number;
  /** The signed anchor the log now starts after; absent when nothing was purged. */
  anchor?: ReturnType<typeof anchorSummary>;
  /** Fields replaced by their commitment (anonymized); absent when none. */
  redacted?: number;
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
  return verifyChain(db, onProgress, progressEvery);
}

/**
 * From the latest purge anchor (or the genesis value) to the head. Checkpoints under the
 * anchor keep their signatures checked; one at the anchor must agree with it.
 */
function verifyChain(
  db: Database,
  onProgress: ((done: number) => void) | undefined,
  progressEvery: number,
): VerifyResult {
  const checkpoints = listCheckpoints(db);
  const anchors = listAnchors(db);
  const anchor: Anchor | null = anchors[anchors.length - 1] ?? null;
  const signer = loadSigningKey(db);
  const base = anchor?.seq ?? 0;
  let lastId = base;
  let prev = anchor?.headHash ?? GENESIS;
  let count = 0;
  let redacted = 0;
  let tree = MerkleFrontier.empty();
  let nextCheckpoint = 0;
  let checked = 0;
  const result = (
    ok: boolean,
    firstBroken: number | null,
    problem: string | null,
  ): VerifyResult => ({
    ok,
    entries: count,
    firstBroken,
    problem,
    headSeq: lastId,
    headHash: prev,
    checkpoints: checked,
    purged: base,
    ...(anchor ? { anchor: anchorSummary(anchor) } : {}),
    ...(redacted > 0 ? { redacted } : {}),
  });
  if ((checkpoints.length > 0 || anchor) && !signer)
    return result(
      false,
      checkpoints[0]?.seq ?? anchor!.seq,
      'the audit signing key is missing, so no checkpoint or purge anchor can be checked',
    );
  for (const a of anchors) {
    const bad = anchorProblem(signer!.publicKey, a);
    if (bad) {
      // Nothing after a forged anchor is trusted: the verified head is where the log began.
      lastId = 0;
      prev = GENESIS;
      return result(false, a.seq, bad);
    }
  }
  if (anchor) tree = MerkleFrontier.restore(anchor.frontier);
  // Checkpoints the purge cut under: their signatures still hold, and one at the cut agrees.
  while (checkpoints[nextCheckpoint] && checkpoints[nextCheckpoint]!.seq <= base) {
    const cp = checkpoints[nextCheckpoint]!;
    const bad = checkpointProblem(signer!.publicKey, cp);
    if (bad)
      return result(false, cp.seq, `${bad} (the checkpoint was altered or signed by another key)`);
    if (cp.seq === base && (cp.headHash !== anchor!.headHash || cp.treeRoot !== anchor!.treeRoot))
      return result(
        false,
        cp.seq,
        `the purge anchor at entry ${cp.seq} does not match the signed checkpoint there: the log was rewritten`,
      );
    nextCheckpoint += 1;
    checked += 1;
  }
  const rows = db
    .prepare('SELECT * FROM audit_log WHERE id > ? ORDER BY id')
    .iterate(base) as IterableIterator<AuditRow>;
  for (const row of rows) {
    const expectedId = lastId + 1;
    const broken = (problem: string, at = row.id) => {
      rows.return?.();
      return result(false, at, problem);
    };
    if (row.id !== expectedId) {
      // A gap: the first broken entry is the first one missing, as for a cut tail.
      return broken(
        `entries ${expectedId}${row.id - 1 > expectedId ? `–${row.id - 1}` : ''} are missing before entry ${row.id}`,
        expectedId,
      );
    }
    let leaf: string;
    try {
      leaf = recomputeLeaf(row);
      redacted += Object.keys(rowLeafFields(row)?.redacted ?? {}).length;
    } catch {
      return broken(`entry ${row.id} has unreadable details or field commitments`);
    }
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
      checked += 1;
    }
    prev = chain;
    lastId = row.id;
    count += 1;
    if (onProgress && count % progressEvery === 0) onProgress(count);
  }
  const head = readHead(db);
  if (head && head.id > lastId) {
    return result(
      false,
      lastId + 1,
      `entries ${lastId + 1}${head.id > lastId + 1 ? `–${head.id}` : ''} are missing at the end of the log (its head says ${head.id})`,
    );
  }
  if (head && head.id < lastId) {
    // The head is written in the same transaction as every batch: rows past it were not written by Airlock.
    count -= lastId - head.id;
    return result(
      false,
      head.id + 1,
      `entries ${head.id + 1}${lastId > head.id + 1 ? `–${lastId}` : ''} come after the log's head (entry ${head.id}); they were not written by Airlock`,
    );
  }
  if (head && head.id === lastId && lastId > base && head.chain !== prev) {
    return result(false, lastId, `entry ${lastId} does not match the log's head`);
  }
  if (!head && count > 0) {
    return result(false, base + 1, "the log's head record is missing");
  }
  const beyond = checkpoints[nextCheckpoint];
  if (beyond) {
    // A signed checkpoint past the end: entries it covered were cut, and the head was rewritten to hide it.
    return result(
      false,
      lastId + 1,
      `entries ${lastId + 1}–${beyond.seq} are missing: a signed checkpoint covers them (the log's head was moved back)`,
    );
  }
  return result(true, null, null);
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
