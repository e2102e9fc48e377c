import Database from 'better-sqlite3-multiple-ciphers';
import type { Database as Db } from 'better-sqlite3-multiple-ciphers';
import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyProvider } from '../ports';
import { migrate } from './migrations';
import { StoreError, exists, fsProblem, onDisk } from './store-error';
import { ensureDataDir } from './data-dir-lock';

export const STORE_FILE = 'airlock.db';

/** SQLCipher 4 settings, so standard SQLCipher tools open the file with the same raw key. */
function applyKey(db: Db, key: Buffer): void {
  db.pragma(`cipher='sqlcipher'`);
  db.pragma('legacy=4');
  db.pragma(`key="x'${key.toString('hex')}'"`);
}

export function openEncryptedDatabase(path: string, key: Buffer, keySource: string): Db {
  let db: Db;
  try {
    db = new Database(path);
  } catch (e) {
    const problem = fsProblem(e, path, 'the store');
    if (problem instanceof StoreError) throw problem;
    throw new StoreError(`Cannot open the store file ${path}: ${(e as Error).message}`);
  }
  try {
    applyKey(db, key);
    // The first read proves the key: a wrong key or a damaged file both fail here.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch {
    db.close();
    throw new StoreError(
      `The store ${path} cannot be opened with the key from ${keySource}: the key is wrong or the file is damaged. ` +
        'Check AIRLOCK_STORE_KEY / store.key; the store was not changed.',
    );
  }
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before we answer, which the audit trail relies on.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

export interface OpenedStore {
  db: Db;
  key: Buffer;
  created: boolean;
  path: string;
}

/**
 * Whether `<dataDir>/airlock.db` holds a store (an empty file is none: opening it would make a
 * new one). A directory or file this user may not read is a StoreError saying so, never "no store".
 */
export function storePresent(dataDir: string): boolean {
  const path = join(dataDir, STORE_FILE);
  if (!exists(path, 'the store')) return false;
  return onDisk(path, 'the store', () => {
    accessSync(path, constants.R_OK | constants.W_OK);
    return statSync(path).size > 0;
  });
}

/**
 * Opens `<dataDir>/airlock.db`, creating it (and its key) only when no store exists.
 * An existing store with no key, a wrong key or a damaged file is an error, never a new store.
 */
export async function openStore(dataDir: string, keys: KeyProvider): Promise<OpenedStore> {
  ensureDataDir(dataDir);
  const path = join(dataDir, STORE_FILE);
  const present = storePresent(dataDir);
  let key = await keys.load();
  if (present && !key) {
    throw new StoreError(
      `The store ${path} exists but its key is missing (looked in ${keys.source}). ` +
        'Restore store.key or set AIRLOCK_STORE_KEY; Airlock will not create a new store over an existing one.',
    );
  }
  const created = !present;
  if (!key) key = await keys.create();
  const db = openEncryptedDatabase(path, key, keys.source);
  // Encrypted or not, the store is nobody else's business; SQLite gives -wal/-shm the same mode.
  if (created && process.platform !== 'win32') chmodSync(path, 0o600);
  try {
    migrate(db);
  } catch (e) {
    db.close();
    throw e;
  }
  return { db, key, created, path };
}
