/**
 * A Merkle tree over the audit entries, as RFC 6962 (Certificate Transparency) defines it:
 * leaf node = SHA-256(0x00 ‖ entry's leaf hash), interior node = SHA-256(0x01 ‖ left ‖ right),
 * and a tree of n leaves splits at the largest power of two below n. The domain bytes keep a
 * leaf from ever passing for an interior node. Pure: no store, so an offline verifier uses it
 * as the core does.
 */
import { createHash } from 'node:crypto';

type Hash = Buffer;

export function leafNode(leafHashHex: string): Hash {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(Buffer.from(leafHashHex, 'hex'))
    .digest();
}

export function interiorNode(left: Hash, right: Hash): Hash {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
}

/** The largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The tree's root over leaf nodes (already hashed with leafNode). The empty tree is SHA-256(""). */
export function rootOf(leaves: readonly Hash[]): Hash {
  if (leaves.length === 0) return createHash('sha256').digest();
  return subtree(leaves, 0, leaves.length);
}

function subtree(leaves: readonly Hash[], lo: number, hi: number): Hash {
  if (hi - lo === 1) return leaves[lo]!;
  const k = split(hi - lo);
  return interiorNode(subtree(leaves, lo, lo + k), subtree(leaves, lo + k, hi));
}

/**
 * A proof that the leaves at `indices` (0-based, ascending, distinct) belong to the tree over
 * `leaves`: the hashes of the largest subtrees holding none of them, left to right. A
 * contiguous range needs at most about 2·log2(n) of them; a scattered set (a filtered report)
 * a few more per entry. The verifier walks the same shape, so no positions are carried.
 */
export function multiProof(leaves: readonly Hash[], indices: readonly number[]): Hash[] {
  return proofOver(leaves.length, (lo, hi) => subtree(leaves, lo, hi), indices);
}

/**
 * The same proof when the first `prefix.size` leaves are gone (purged) and only the tree's
 * right edge there is kept: `later` are the leaves after it. Every subtree the proof needs
 * that lies wholly in the purged part is one of the edge's peaks (it is the left sibling of a
 * node on the path to the first kept leaf), so nothing purged is needed.
 */
export function multiProofAfter(
  prefix: { size: number; peaks: string[] },
  later: readonly Hash[],
  indices: readonly number[],
): Hash[] {
  const cut = prefix.size;
  const peaks = new Map<string, Hash>();
  let start = 0;
  let i = 0;
  for (let bit = 2 ** Math.floor(Math.log2(Math.max(cut, 1))); bit >= 1; bit /= 2) {
    if (Math.floor(cut / bit) % 2 === 1) {
      peaks.set(`${start}-${start + bit}`, Buffer.from(prefix.peaks[i++]!, 'hex'));
      start += bit;
    }
  }
  const node = (lo: number, hi: number): Hash => {
    if (lo >= cut) return subtree(later, lo - cut, hi - cut);
    if (hi <= cut) {
      const p = peaks.get(`${lo}-${hi}`);
      if (!p) throw new Error(`entries ${lo + 1}–${hi} were purged and are no subtree kept`);
      return p;
    }
    const k = split(hi - lo);
    return interiorNode(node(lo, lo + k), node(lo + k, hi));
  };
  if (indices.some((x) => x < cut)) throw new Error('a purged entry cannot be proven');
  return proofOver(cut + later.length, node, indices);
}

function proofOver(
  size: number,
  node: (lo: number, hi: number) => Hash,
  indices: readonly number[],
): Hash[] {
  const proof: Hash[] = [];
  const walk = (lo: number, hi: number, from: number, to: number): void => {
    // indices[from..to) are the ones inside [lo, hi)
    if (from === to) {
      proof.push(node(lo, hi));
      return;
    }
    if (hi - lo === 1) return;
    const mid = lo + split(hi - lo);
    let m = from;
    while (m < to && indices[m]! < mid) m += 1;
    walk(lo, mid, from, m);
    walk(mid, hi, m, to);
  };
  if (size > 0) walk(0, size, 0, indices.length);
  return proof;
}

/**
 * The root a multi-proof leads to, or null when its shape does not fit (too few or too many
 * hashes, indices out of order or out of the tree). Comparing the result with a signed root
 * proves every leaf at once.
 */
export function rootFromMultiProof(
  size: number,
  indices: readonly number[],
  leafNodes: readonly Hash[],
  proof: readonly Hash[],
): Hash | null {
  if (size < 1 || indices.length !== leafNodes.length) return null;
  for (let i = 0; i < indices.length; i++) {
    const x = indices[i]!;
    if (!Number.isInteger(x) || x < 0 || x >= size || (i > 0 && x <= indices[i - 1]!)) return null;
  }
  let used = 0;
  const walk = (lo: number, hi: number, from: number, to: number): Hash | null => {
    if (from === to) return used < proof.length ? proof[used++]! : null;
    if (hi - lo === 1) return leafNodes[from]!;
    const mid = lo + split(hi - lo);
    let m = from;
    while (m < to && indices[m]! < mid) m += 1;
    const left = walk(lo, mid, from, m);
    if (!left) return null;
    const right = walk(mid, hi, m, to);
    return right ? interiorNode(left, right) : null;
  };
  const root = walk(0, size, 0, indices.length);
  return root && used === proof.length ? root : null;
}

/**
 * The tree's right edge, kept as entries arrive: one perfect-subtree root per set bit of the
 * size, largest first. The root of the whole tree folds them right to left, which equals the
 * recursive definition; so a checkpoint costs O(log n), not a pass over the log.
 */
export class MerkleFrontier {
  private constructor(
    private size_: number,
    private readonly peaks: Hash[],
  ) {}

  static empty(): MerkleFrontier {
    return new MerkleFrontier(0, []);
  }

  /** Throws when the state cannot be a tree's right edge (one peak per set bit of size). */
  static restore(state: { size: number; peaks: string[] }): MerkleFrontier {
    const bits =
      Number.isSafeInteger(state.size) && state.size >= 0
        ? [...state.size.toString(2)].filter((b) => b === '1').length
        : -1;
    if (
      !Array.isArray(state.peaks) ||
      state.peaks.length !== bits ||
      !state.peaks.every((p) => typeof p === 'string' && /^[0-9a-f]{64}$/.test(p))
    )
      throw new TypeError('not a Merkle frontier');
    return new MerkleFrontier(
      state.size,
      state.peaks.map((p) => Buffer.from(p, 'hex')),
    );
  }

  get size(): number {
    return this.size_;
  }

  push(leaf: Hash): void {
    let node = leaf;
    let n = this.size_;
    // Each trailing 1-bit of the old size is a peak of equal height to merge with.
    while (n % 2 === 1) {
      node = interiorNode(this.peaks.pop()!, node);
      n = (n - 1) / 2;
    }
    this.peaks.push(node);
    this.size_ += 1;
  }

  root(): Hash {
    if (this.peaks.length === 0) return createHash('sha256').digest();
    let acc = this.peaks[this.peaks.length - 1]!;
    for (let i = this.peaks.length - 2; i >= 0; i--) acc = interiorNode(this.peaks[i]!, acc);
    return acc;
  }

  save(): { size: number; peaks: string[] } {
    return { size: this.size_, peaks: this.peaks.map((p) => p.toString('hex')) };
  }
}
