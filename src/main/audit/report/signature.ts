/**
 * Ed25519 signatures over canonical JSON, and the key fingerprint everyone compares: the
 * SHA-256 (hex) of the public key's SPKI DER. No store here: the offline verifier uses it.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../canonical-json';

export function fingerprintOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** Base64 Ed25519 signature over the canonical JSON of `value`. */
export function signJson(privateKey: KeyObject, value: unknown): string {
  return sign(null, Buffer.from(canonicalJson(value)), privateKey).toString('base64');
}

export function verifyJson(publicKey: KeyObject, value: unknown, signature: string): boolean {
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return verify(
      null,
      Buffer.from(canonicalJson(value)),
      publicKey,
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/** An Ed25519 public key from PEM, or null when it is not one. */
export function parsePublicKey(pem: string): KeyObject | null {
  try {
    const k = createPublicKey(pem);
    return k.asymmetricKeyType === 'ed25519' ? k : null;
  } catch {
    return null;
  }
}
