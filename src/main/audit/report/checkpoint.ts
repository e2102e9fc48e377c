/**
 * A signed checkpoint: `{ seq, headHash, time, signature }` (the contract's shape, signed over
 * the canonical JSON of the other three) plus `treeRoot` and `treeSignature`, a second
 * signature over all four, so a report can prove its entries with a Merkle proof to a root
 * the key vouched for. Pure: used by the store's verifier and the offline one alike.
 */
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { signJson, verifyJson } from './signature';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
export const Checkpoint = z.object({
  seq: z.number().int().min(0),
  headHash: hex64,
  time: z.string(),
  signature: z.string(),
  treeRoot: hex64,
  treeSignature: z.string(),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

export const headPart = (c: Pick<Checkpoint, 'seq' | 'headHash' | 'time'>) => ({
  seq: c.seq,
  headHash: c.headHash,
  time: c.time,
});
export const treePart = (c: Pick<Checkpoint, 'seq' | 'headHash' | 'time' | 'treeRoot'>) => ({
  ...headPart(c),
  treeRoot: c.treeRoot,
});

export function signCheckpoint(
  key: KeyObject,
  c: Omit<Checkpoint, 'signature' | 'treeSignature'>,
): Checkpoint {
  return { ...c, signature: signJson(key, headPart(c)), treeSignature: signJson(key, treePart(c)) };
}

/** Null when both signatures hold; otherwise what is wrong, in words. */
export function checkpointProblem(key: KeyObject, c: Checkpoint): string | null {
  if (!verifyJson(key, headPart(c), c.signature))
    return `the signature of the checkpoint at entry ${c.seq} does not verify`;
  if (!verifyJson(key, treePart(c), c.treeSignature))
    return `the tree signature of the checkpoint at entry ${c.seq} does not verify`;
  return null;
}
