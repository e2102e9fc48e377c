/**
 * `audit verify --against FILE`: the store checked against something kept elsewhere: a signed
 * report, a checkpoint, or an earlier `audit verify --json` (its headSeq and headHash). Someone
 * holding the store key can rewrite the whole chain and re-sign its checkpoints; only a copy
 * that left the machine before catches that.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { z } from 'zod';
import { Checkpoint } from './report/checkpoint';
import { MerkleFrontier, leafNode, rootOf } from './report/merkle';
import { latestAnchor, type Anchor } from './retention-anchor';
import { AuditReport } from './report/report-format';
import { verifyReport } from './report/verify-report';

export type AgainstResult =
  | { ok: true; kind: string; through: number }
  | { ok: false; firstBroken: number | null; problem: string };

const VerifyOutput = z.object({ headSeq: z.number().int().min(0), headHash: z.string() });

export function verifyAgainst(db: Database, kept: unknown): AgainstResult {
  const chainAt = db.prepare<[number], { leaf_hash: string; chain_hash: string }>(
    'SELECT leaf_hash, chain_hash FROM audit_log WHERE id = ?',
  );
  // Entries purged since were deleted under a signed anchor (checked by verify): the copy
  // kept elsewhere can only be compared from the anchor on, and at the anchor itself.
  const anchor = latestAnchor(db);
  const purgedTo = anchor?.seq ?? 0;
  const headAt = (seq: number, hash: string, what: string): AgainstResult | null => {
    if (seq === 0) return null;
    if (seq < purgedTo) return null;
    if (seq === purgedTo)
      return anchor!.headHash === hash
        ? null
        : {
            ok: false,
            firstBroken: seq,
            problem: `the purge anchor at entry ${seq} differs from the chain head in ${what}: the log was rewritten`,
          };
    const row = chainAt.get(seq);
    if (!row)
      return {
        ok: false,
        firstBroken: seq,
        problem: `entry ${seq}, which ${what} vouches for, is no longer in the log`,
      };
    if (row.chain_hash !== hash)
      return {
        ok: false,
        firstBroken: seq,
        problem: `the chain head at entry ${seq} differs from the one in ${what}: the log was rewritten since`,
      };
    return null;
  };

  if (AuditReport.safeParse(kept).success) {
    const verdict = verifyReport({ report: kept });
    const r = kept as AuditReport;
    // A sidecar's own file is not at hand here; its entries and proof are still checked.
    if (!verdict.ok && !(r.file && /verify that file/.test(verdict.problem)))
      return {
        ok: false,
        firstBroken: null,
        problem: `the report kept elsewhere does not verify itself: ${verdict.problem}`,
      };
    for (const e of r.entries) {
      if (e.seq <= purgedTo) continue;
      const row = chainAt.get(e.seq);
      if (!row)
        return {
          ok: false,
          firstBroken: e.seq,
          problem: `entry ${e.seq}, in the report kept elsewhere, is no longer in the log`,
        };
      if (row.leaf_hash !== e.leafHash || row.chain_hash !== e.chainHash) {
        return {
          ok: false,
          firstBroken: e.seq,
          problem: `entry ${e.seq} differs from the report kept elsewhere: the log was rewritten since`,
        };
      }
    }
    return (
      checkpointAgainst(db, r.checkpoint, 'the report kept elsewhere', headAt, anchor) ?? {
        ok: true,
        kind: 'report',
        through: r.checkpoint.seq,
      }
    );
  }
  const cp = Checkpoint.safeParse(kept);
  if (cp.success)
    return (
      checkpointAgainst(db, cp.data, 'the checkpoint kept elsewhere', headAt, anchor) ?? {
        ok: true,
        kind: 'checkpoint',
        through: cp.data.seq,
      }
    );
  const out = VerifyOutput.safeParse(kept);
  if (out.success)
    return (
      headAt(out.data.headSeq, out.data.headHash, 'the verify output kept elsewhere') ?? {
        ok: true,
        kind: 'verify output',
        through: out.data.headSeq,
      }
    );
  throw new TypeError(
    'the file is neither an audit report, a checkpoint, nor the output of `airlock audit verify --json`',
  );
}

function checkpointAgainst(
  db: Database,
  cp: Checkpoint,
  what: string,
  headAt: (seq: number, hash: string, what: string) => AgainstResult | null,
  anchor: Anchor | null,
): AgainstResult | null {
  const head = headAt(cp.seq, cp.headHash, what);
  if (head) return head;
  const base = anchor?.seq ?? 0;
  // Under the anchor nothing is left to compare; at or past it, the anchor's tree edge
  // stands for the purged leaves.
  if (cp.seq < base) return null;
  const leaves = db
    .prepare<[number, number], { leaf_hash: string }>(
      'SELECT leaf_hash FROM audit_log WHERE id > ? AND id <= ? ORDER BY id',
    )
    .all(base, cp.seq)
    .map((r) => leafNode(r.leaf_hash));
  let root: string;
  if (anchor) {
    const tree = MerkleFrontier.restore(anchor.frontier);
    for (const l of leaves) tree.push(l);
    root = tree.root().toString('hex');
  } else root = rootOf(leaves).toString('hex');
  if (base + leaves.length !== cp.seq || root !== cp.treeRoot) {
    return {
      ok: false,
      firstBroken: null,
      problem: `the entries up to ${cp.seq} no longer have the Merkle root in ${what}: the log was rewritten since`,
    };
  }
  return null;
}
