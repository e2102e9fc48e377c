import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Agent keys look like `alk_<prefix>_<secret>`: the prefix (8 chars) is public and names the
 * key in lists and logs; the secret is 32 random bytes. Only SHA-256(key) is stored.
 */
const KEY_SHAPE = /^alk_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

export interface NewKey {
  key: string;
  prefix: string;
  hash: Buffer;
}

export function generateApiKey(): NewKey {
  const prefix = randomBytes(12)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 8)
    .padEnd(8, '0');
  const secret = randomBytes(32).toString('base64url');
  const key = `alk_${prefix}_${secret}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The public prefix of a well-formed key, or null. */
export function keyPrefix(key: string): string | null {
  return KEY_SHAPE.exec(key)?.[1] ?? null;
}

export function looksLikeApiKey(token: string): boolean {
  return KEY_SHAPE.test(token);
}

/** Compares the presented key's hash with the stored one in constant time. */
export function keyMatches(presented: string, storedHash: Buffer): boolean {
  const h = hashApiKey(presented);
  return h.length === storedHash.length && timingSafeEqual(h, storedHash);
}
