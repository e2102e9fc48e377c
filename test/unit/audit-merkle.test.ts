/**
 * The Merkle tree against RFC 6962's own definition (computed naively here), multi-proofs for
 * every subset shape of small trees, and proofs that must fail: a changed leaf, a missing or
 * extra proof hash, indices out of order or outside the tree.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MerkleFrontier,
  leafNode,
  multiProof,
  rootFromMultiProof,
  rootOf,
} from '../../src/main/audit/report/merkle';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
/** RFC 6962 §2.1, word for word. */
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Buffer.from([0]), d[0]!);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}

const leafHashes = (n: number) => Array.from({ length: n }, () => randomBytes(32).toString('hex'));

describe('Merkle tree (RFC 6962)', () => {
  it('root and frontier equal the RFC definition for every size up to 70', () => {
    for (let n = 0; n <= 70; n++) {
      const hs = leafHashes(n);
      const expected = mth(hs.map((h) => Buffer.from(h, 'hex')));
      expect(rootOf(hs.map(leafNode)).equals(expected), `size ${n}`).toBe(true);
      const f = MerkleFrontier.empty();
      for (const h of hs) f.push(leafNode(h));
      expect(f.root().equals(expected), `frontier size ${n}`).toBe(true);
      const again = MerkleFrontier.restore(f.save());
      expect(again.root().equals(expected)).toBe(true);
    }
  });

  it('a leaf and an interior node never collide (domain separation)', () => {
    const a = randomBytes(32).toString('hex');
    const b = randomBytes(32).toString('hex');
    const two = rootOf([leafNode(a), leafNode(b)]);
    expect(leafNode(two.toString('hex')).equals(two)).toBe(false);
  });

  it('multi-proofs verify for contiguous ranges and scattered subsets of every small tree', () => {
    for (let n = 1; n <= 11; n++) {
      const leaves = leafHashes(n).map(leafNode);
      const root = rootOf(leaves);
      for (let mask = 1; mask < 1 << n; mask++) {
        const idx = [...Array(n).keys()].filter((i) => mask & (1 << i));
        const proof = multiProof(leaves, idx);
        const got = rootFromMultiProof(
          n,
          idx,
          idx.map((i) => leaves[i]!),
          proof,
        );
        expect(got?.equals(root), `n=${n} mask=${mask}`).toBe(true);
      }
    }
  });

  it('a contiguous range of a big tree needs only about 2·log2(n) proof hashes', () => {
    const n = 5000;
    const leaves = leafHashes(n).map(leafNode);
    const idx = Array.from({ length: 100 }, (_, i) => 1234 + i);
    const proof = multiProof(leaves, idx);
    expect(proof.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)));
    expect(
      rootFromMultiProof(
        n,
        idx,
        idx.map((i) => leaves[i]!),
        proof,
      )?.equals(rootOf(leaves)),
    ).toBe(true);
  });

  describe('fails when anything is off', () => {
    const n = 37;
    const leaves = leafHashes(n).map(leafNode);
    const root = rootOf(leaves);
    const idx = [3, 4, 5, 20, 36];
    const proof = multiProof(leaves, idx);
    const own = idx.map((i) => leaves[i]!);
    const ok = (i: number[], l: Buffer[], p: Buffer[], size = n) =>
      rootFromMultiProof(size, i, l, p)?.equals(root) ?? false;

    it('the honest proof holds', () => expect(ok(idx, own, proof)).toBe(true));
    it('any one leaf changed', () => {
      for (let k = 0; k < own.length; k++)
        expect(
          ok(
            idx,
            own.map((l, j) => (j === k ? leafNode(randomBytes(32).toString('hex')) : l)),
            proof,
          ),
        ).toBe(false);
    });
    it('two leaves swapped', () =>
      expect(ok(idx, [own[1]!, own[0]!, ...own.slice(2)], proof)).toBe(false));
    it('a leaf left out', () => {
      for (let k = 0; k < own.length; k++)
        expect(
          ok(
            idx.filter((_, j) => j !== k),
            own.filter((_, j) => j !== k),
            proof,
          ),
        ).toBe(false);
    });
    it('a proof hash changed, dropped or added', () => {
      for (let k = 0; k < proof.length; k++) {
        expect(
          ok(
            idx,
            own,
            proof.map((p, j) => (j === k ? randomBytes(32) : p)),
          ),
        ).toBe(false);
        expect(
          ok(
            idx,
            own,
            proof.filter((_, j) => j !== k),
          ),
        ).toBe(false);
      }
      expect(ok(idx, own, [...proof, randomBytes(32)])).toBe(false);
    });
    it('indices shifted, out of order, repeated or outside the tree', () => {
      expect(ok(idx.map((i) => i + 1).slice(0, 4), own.slice(0, 4), proof)).toBe(false);
      expect(rootFromMultiProof(n, [4, 3, 5, 20, 36], own, proof)).toBeNull();
      expect(rootFromMultiProof(n, [3, 3, 5, 20, 36], own, proof)).toBeNull();
      expect(rootFromMultiProof(n, [3, 4, 5, 20, 37], own, proof)).toBeNull();
      expect(rootFromMultiProof(n, [-1, 4, 5, 20, 36], own, proof)).toBeNull();
    });
    it('a different tree size', () => {
      expect(ok(idx, own, proof, n + 1)).toBe(false);
      expect(ok(idx, own, proof, n - 1)).toBe(false);
    });
  });
});
