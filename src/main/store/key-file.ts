import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyProvider } from '../ports';
import { StoreError, exists, onDisk } from './store-error';

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

function parseHexKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  if (!HEX_KEY.test(trimmed)) {
    throw new StoreError(`${source} must hold exactly 64 hexadecimal characters (a 32-byte key).`);
  }
  return Buffer.from(trimmed, 'hex');
}

/** The key from the AIRLOCK_STORE_KEY environment variable (64 hex characters). */
export function envKeyProvider(value: string): KeyProvider {
  return {
    source: 'AIRLOCK_STORE_KEY',
    load: async () => parseHexKey(value, 'AIRLOCK_STORE_KEY'),
    create: async () => parseHexKey(value, 'AIRLOCK_STORE_KEY'),
  };
}

/** The key in `<dataDir>/store.key`, created with mode 0600 on first start. */
export function fileKeyProvider(dataDir: string): KeyProvider {
  const path = join(dataDir, 'store.key');
  return {
    source: path,
    async load() {
      if (!exists(path, 'the store key')) return null;
      const mode = onDisk(path, 'the store key', () => statSync(path).mode);
      if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
        throw new StoreError(
          `${path} is readable by other users; run \`chmod 600 ${path}\` and start again.`,
        );
      }
      return parseHexKey(
        onDisk(path, 'the store key', () => readFileSync(path, 'utf8')),
        path,
      );
    },
    async create() {
      const key = randomBytes(32);
      onDisk(path, 'the store key', () =>
        writeFileSync(path, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' }),
      );
      chmodSync(path, 0o600);
      return key;
    },
  };
}

/** Headless choice: the environment variable wins over the key file. */
export function headlessKeyProvider(dataDir: string, env = process.env): KeyProvider {
  const fromEnv = env.AIRLOCK_STORE_KEY;
  return fromEnv ? envKeyProvider(fromEnv) : fileKeyProvider(dataDir);
}
