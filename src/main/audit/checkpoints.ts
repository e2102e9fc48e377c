import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import type { Clock } from '../ports';
import { GENESIS } from './chain';
import { signCheckpoint, type Checkpoint } from './report/checkpoint';
import { MerkleFrontier, leafNode } from './report/merkle';
import { latestAnchor } from './retention-anchor';
import type { AuditSigner } from './signing-key';

export const CHECKPOINT_EVERY = 1000;
export const CHECKPOINT_MAX_AGE_MS = 3_600_000;

interface CheckpointRow {
  seq: number;
  head_hash: string;
  time: string;
  signature: string;
  tree_root: string;
  tree_signature: string;
  frontier: string;
}

const toCheckpoint = (r: CheckpointRow): Checkpoint => ({
  seq: r.seq,
  headHash: r.head_hash,
  time: r.time,
  signature: r.signature,
  treeRoot: r.tree_root,
  treeSignature: r.tree_signature,
});

export function listCheckpoints(db: Database): Checkpoint[] {
  return db
    .prepare<[], CheckpointRow>('SELECT * FROM audit_checkpoints ORDER BY seq')
    .all()
    .map(toCheckpoint);
}

/**
 * Signs checkpoints as the log grows: at every multiple of 1,000 entries, at least hourly
 * while entries arrive, on demand (a report) and at a clean stop. It follows the durable
 * entries with the Merkle tree's right edge, so a checkpoint costs a few hashes.
 */
export class Checkpointer {
  private frontier: MerkleFrontier;
  private head: { seq: number; hash: string };
  private last: Checkpoint | null;
  private timer: NodeJS.Timeout | null = null;
  private readonly insert: Statement;
  private readonly byseq: Statement<[number], CheckpointRow>;

  constructor(
    private readonly db: Database,
    private readonly signer: AuditSigner,
    private readonly clock: Clock,
  ) {
    this.insert = db.prepare(`INSERT OR IGNORE INTO audit_checkpoints
      (seq, head_hash, time, signature, tree_root, tree_signature, frontier)
      VALUES (@seq, @headHash, @time, @signature, @treeRoot, @treeSignature, @frontier)`);
    this.byseq = db.prepare('SELECT * FROM audit_checkpoints WHERE seq = ?');
    const lastRow = db
      .prepare<[], CheckpointRow>('SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1')
      .get();
    this.last = lastRow ? toCheckpoint(lastRow) : null;
    this.frontier = lastRow
      ? MerkleFrontier.restore(JSON.parse(lastRow.frontier) as { size: number; peaks: string[] })
      : MerkleFrontier.empty();
    this.head = { seq: this.last?.seq ?? 0, hash: this.last?.headHash ?? GENESIS };
    // After a purge past the last checkpoint, the tree goes on from the anchor's edge.
    const anchor = latestAnchor(db);
    if (anchor && anchor.seq > this.head.seq) {
      this.frontier = MerkleFrontier.restore(anchor.frontier);
      this.head = { seq: anchor.seq, hash: anchor.headHash };
    }
    this.catchUp();
  }

  /** Brings the tree up to what is on disk (entries written since the last checkpoint). */
  private catchUp(): void {
    const rows = this.db
      .prepare<[number], { id: number; leaf_hash: string; chain_hash: string }>(
        'SELECT id, leaf_hash, chain_hash FROM audit_log WHERE id > ? ORDER BY id',
      )
      .iterate(this.frontier.size);
    for (const r of rows) this.advance(r.id, r.leaf_hash, r.chain_hash);
  }

  private advance(id: number, leaf: string, chain: string): void {
    this.frontier.push(leafNode(leaf));
    this.head = { seq: id, hash: chain };
  }

  /** Called with each entry once it is durable, in order. */
  observe(e: { id: number; leafHash: string; chainHash: string }): void {
    if (e.id <= this.frontier.size) return;
    if (e.id !== this.frontier.size + 1) this.catchUp();
    else this.advance(e.id, e.leafHash, e.chainHash);
    // Signed here, before catching up further, so it lands exactly on the multiple even when
    // one group commit carried the log past it.
    if (this.head.seq % CHECKPOINT_EVERY === 0) this.sign();
  }

  /** A signed checkpoint at the current head (the existing one when nothing was added since). */
  checkpointNow(): Checkpoint | null {
    this.catchUp();
    return this.sign();
  }

  private sign(): Checkpoint | null {
    if (this.head.seq === 0) return null;
    if (this.last && this.last.seq === this.head.seq) return this.last;
    const c = signCheckpoint(this.signer.privateKey, {
      seq: this.head.seq,
      headHash: this.head.hash,
      time: this.clock.now().toISOString(),
      treeRoot: this.frontier.root().toString('hex'),
    });
    this.insert.run({ ...c, frontier: JSON.stringify(this.frontier.save()) });
    // Another process (the CLI beside a running server) may have signed this seq first.
    this.last = toCheckpoint(this.byseq.get(c.seq)!);
    return this.last;
  }

  latest(): Checkpoint | null {
    return this.last;
  }

  /** Hourly: a checkpoint whenever entries arrived since the last one. */
  start(intervalMs = CHECKPOINT_MAX_AGE_MS): void {
    this.timer = setInterval(() => {
      try {
        this.checkpointNow();
      } catch {
        // A failed checkpoint is retried at the next tick; the log itself is unaffected.
      }
    }, intervalMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.checkpointNow();
  }
}
