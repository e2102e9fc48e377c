import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Connection credentials are sealed with AES-256-GCM under a key derived from the store key,
 * so a row copied out of a decrypted store still does not reveal a password.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(storeKey: Buffer) {
    this.key = Buffer.from(
      hkdfSync('sha256', storeKey, Buffer.alloc(0), 'airlock/connection-secrets/v1', 32),
    );
  }

  seal(plaintext: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer): string {
    if (sealed[0] !== 1) throw new Error('unknown secret format');
    const iv = sealed.subarray(1, 13);
    const tag = sealed.subarray(13, 29);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
  }
}
