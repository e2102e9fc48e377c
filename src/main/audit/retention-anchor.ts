/**
 * A purge's signed anchor: where the log was cut (seq), the chain head and the Merkle root
 * there, signed with the store's Ed25519 audit key. The tree's right edge at the cut
 * (frontier) is kept beside it, unsigned: it must fold to the signed root, so it cannot be
 * altered either. With it the chain and the tree go on from the cut exactly as if the purged
 * entries were still there.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { KeyObject } from 'node:crypto';
import { MerkleFrontier } from './report/merkle';
import { signJson, verifyJson } from './report/signature';

export const ANCHOR_KIND = 'airlock-audit-anchor/1';

export interface Anchor {
  seq: number;
  headHash: string;
  treeRoot: string;
  time: string;
  signature: string;
  frontier: { size: number; peaks: string[] };
}

interface AnchorRow {
  seq: number;
  head_hash: string;
  tree_root: string;
  time: string;
  frontier: string;
  signature: string;
}

/** What an anchor's signature covers. */
const signedPart = (a: Pick<Anchor, 'seq' | 'headHash' | 'treeRoot' | 'time'>) => ({
  kind: ANCHOR_KIND,
  seq: a.seq,
  headHash: a.headHash,
  treeRoot: a.treeRoot,
  time: a.time,
});

export function signAnchor(key: KeyObject, a: Omit<Anchor, 'signature'>): Anchor {
  return { ...a, signature: signJson(key, signedPart(a)) };
}

/** Null when the anchor holds: its signature, and a frontier that folds to its root at its seq. */
export function anchorProblem(key: KeyObject, a: Anchor): string | null {
  if (!verifyJson(key, signedPart(a), a.signature))
    return `the signature of the purge anchor at entry ${a.seq} does not verify (the anchor was forged or altered)`;
  let root: string;
  try {
    const f = MerkleFrontier.restore(a.frontier);
    root = f.size === a.seq ? f.root().toString('hex') : '';
  } catch {
    root = '';
  }
  if (root !== a.treeRoot)
    return `the tree kept with the purge anchor at entry ${a.seq} does not fold to its signed Merkle root`;
  return null;
}

const toAnchor = (r: AnchorRow): Anchor => ({
  seq: r.seq,
  headHash: r.head_hash,
  treeRoot: r.tree_root,
  time: r.time,
  signature: r.signature,
  frontier: JSON.parse(r.frontier) as Anchor['frontier'],
});

export function listAnchors(db: Database): Anchor[] {
  return db.prepare<[], AnchorRow>('SELECT * FROM audit_anchors ORDER BY seq').all().map(toAnchor);
}

/** The latest anchor: the log starts after it. Null when nothing was ever purged. */
export function latestAnchor(db: Database): Anchor | null {
  const r = db
    .prepare<[], AnchorRow>('SELECT * FROM audit_anchors ORDER BY seq DESC LIMIT 1')
    .get();
  return r ? toAnchor(r) : null;
}

export function insertAnchor(db: Database, a: Anchor): void {
  db.prepare(
    `INSERT INTO audit_anchors (seq, head_hash, tree_root, time, frontier, signature)
     VALUES (@seq, @headHash, @treeRoot, @time, @frontier, @signature)`,
  ).run({ ...a, frontier: JSON.stringify(a.frontier) });
}

/** The anchor as `audit verify` and the purge's own audit entry show it (no frontier). */
export const anchorSummary = (a: Anchor) => ({
  seq: a.seq,
  headHash: a.headHash,
  treeRoot: a.treeRoot,
  time: a.time,
  signature: a.signature,
});
