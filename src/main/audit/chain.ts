import { createHash } from 'node:crypto';
import type { AuditRecord } from '../../shared/domain';
import { canonicalJson } from './canonical-json';

export const GENESIS = '0'.repeat(64);

/** leaf = SHA-256(canonical JSON of the entry, its id included, so rows cannot be reordered). */
export function leafHash(id: number, record: AuditRecord): string {
  return createHash('sha256')
    .update(canonicalJson({ id, ...record }))
    .digest('hex');
}

/** chain = SHA-256(prev ‖ leaf), over the raw 32-byte digests. */
export function chainHash(prev: string, leaf: string): string {
  return createHash('sha256')
    .update(Buffer.from(prev, 'hex'))
    .update(Buffer.from(leaf, 'hex'))
    .digest('hex');
}
