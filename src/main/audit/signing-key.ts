import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { fingerprintOf } from './report/signature';

export interface AuditSigner {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  fingerprint: string;
}

interface KeyRow {
  private_key: string;
  public_key: string;
}

/**
 * The audit's Ed25519 key pair: made once, at first start, and kept only in the encrypted
 * store (never in a file beside it), so whoever reads a report needs just the public key.
 */
export function loadSigningKey(db: Database): AuditSigner | null {
  const row = db
    .prepare<[], KeyRow>('SELECT private_key, public_key FROM audit_signing_key WHERE id = 1')
    .get();
  if (!row) return null;
  const privateKey = createPrivateKey(row.private_key);
  const publicKey = createPublicKey(row.public_key);
  return {
    privateKey,
    publicKey,
    publicKeyPem: row.public_key,
    fingerprint: fingerprintOf(publicKey),
  };
}

export function ensureSigningKey(db: Database, now: () => Date = () => new Date()): AuditSigner {
  const existing = loadSigningKey(db);
  if (existing) return existing;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  // INSERT OR IGNORE: two processes opening a new store at once keep whichever key came first.
  db.prepare(
    `INSERT OR IGNORE INTO audit_signing_key (id, private_key, public_key, fingerprint, created_at)
     VALUES (1, @priv, @pub, @fp, @at)`,
  ).run({
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    pub: publicPem,
    fp: fingerprintOf(publicKey),
    at: now().toISOString(),
  });
  return loadSigningKey(db)!;
}
