/**
 * The desktop KeyProvider: a 32-byte random store key, wrapped by the OS keychain through
 * Electron's safeStorage and kept as `<userData>/store.key.enc` (0600). The wrapped file alone
 * does not open the store; the keychain entry is needed too.
 *
 * safeStorage is passed in (index.ts hands over Electron's) so this file runs without Electron.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyProvider } from '../ports';

const KEY_BYTES = 32;
export const WRAPPED_KEY_FILE = 'store.key.enc';

/** The part of Electron's `safeStorage` this provider uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only; Electron's signature. */
  getSelectedStorageBackend(): string;
}

export interface SafeStorageKeyProviderOptions {
  /** Electron's `app.getPath('userData')`. */
  userDataDir: string;
  safeStorage: SafeStorageLike;
  /** Defaults to `process.platform`; a parameter so the Linux check is testable anywhere. */
  platform?: NodeJS.Platform;
}

const HEADLESS_WAY_OUT =
  'run Airlock headless instead (`bin/airlock serve`) with the store key in the ' +
  'AIRLOCK_STORE_KEY environment variable, supplied by a secret manager you trust.';

export function createSafeStorageKeyProvider(options: SafeStorageKeyProviderOptions): KeyProvider {
  const file = join(options.userDataDir, WRAPPED_KEY_FILE);
  const platform = options.platform ?? process.platform;
  const { safeStorage } = options;

  function assertKeychainUsable(): void {
    // On Linux without a keyring (no GNOME Keyring / KWallet), Electron falls back to
    // 'basic_text': it "encrypts" with a password hard-coded in Chromium, so the wrapped key
    // is as good as plain text beside the data it protects.
    if (platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
      throw new Error(
        'No OS keychain is available (Electron safeStorage backend is "basic_text"), so the ' +
          'store key could only be kept in a form anyone who can read your files can unwrap. ' +
          'Airlock refuses to do that. Either unlock a Secret Service keyring (GNOME Keyring or ' +
          'KWallet) in this desktop session and start Airlock again, or ' +
          HEADLESS_WAY_OUT,
      );
    }
    if (!safeStorage.isEncryptionAvailable()) {
      throw new Error(
        'The OS keychain is not available (Electron safeStorage reports no encryption), so the ' +
          'store key cannot be protected. Unlock the keychain and start Airlock again, or ' +
          HEADLESS_WAY_OUT,
      );
    }
  }

  return {
    source: `${file} (wrapped by the OS keychain)`,

    async load() {
      let wrapped: Buffer;
      try {
        wrapped = await readFile(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      assertKeychainUsable();
      let key: Buffer;
      try {
        key = Buffer.from(safeStorage.decryptString(wrapped), 'base64');
      } catch (err) {
        throw new Error(
          `Cannot unwrap the store key in ${file} with this user's OS keychain ` +
            `(${(err as Error).message}). It was written by another user, another machine or ` +
            'a keychain that has since been reset; the store cannot be opened without it.',
        );
      }
      if (key.length !== KEY_BYTES) {
        throw new Error(`The store key in ${file} is ${key.length} bytes, expected ${KEY_BYTES}.`);
      }
      return key;
    },

    async create() {
      assertKeychainUsable();
      const key = randomBytes(KEY_BYTES);
      const wrapped = safeStorage.encryptString(key.toString('base64'));
      await mkdir(options.userDataDir, { recursive: true, mode: 0o700 });
      // 'wx': never overwrite an existing wrapped key, which would orphan the store it opens.
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.writeFile(wrapped);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return key;
    },
  };
}
