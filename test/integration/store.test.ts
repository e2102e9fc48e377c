/**
 * The encrypted store: creation, key handling, refusal paths (never a silent new database),
 * migrations with checksums, real encryption on disk, sealed connection configs.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../../src/main/core';
import { envKeyProvider, fileKeyProvider } from '../../src/main/store/key-file';
import { MIGRATIONS, checksum, migrate, type Migration } from '../../src/main/store/migrations';
import { STORE_FILE, openEncryptedDatabase, openStore } from '../../src/main/store/open-store';
import { SecretBox } from '../../src/main/store/secret-box';
import { StoreError } from '../../src/main/store/store-error';
import { tempDir } from '../helpers/harness';

const dirs: string[] = [];
const toClose: { close(): unknown; open?: boolean }[] = [];
function dir(): string {
  const d = tempDir('airlock-store-');
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const c of toClose.splice(0)) if (c.open !== false) c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const mode = (p: string) => statSync(p).mode & 0o777;
const fingerprint = (p: string) => ({
  sha: createHash('sha256').update(readFileSync(p)).digest('hex'),
  mtimeMs: statSync(p).mtimeMs,
  size: statSync(p).size,
});

/** Creates a store with one row of our own in it, closes it, and returns where it is. */
async function storeWithData(keys = (d: string) => fileKeyProvider(d)) {
  const d = dir();
  const s = await openStore(d, keys(d));
  s.db.prepare("INSERT INTO settings (key, value) VALUES ('probe', 'kept')").run();
  s.db.close();
  return d;
}

async function expectStoreError(p: Promise<unknown>, pattern: RegExp): Promise<StoreError> {
  const e = await p.then(
    () => {
      throw new Error('expected a StoreError');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StoreError);
  expect((e as Error).message).toMatch(pattern);
  return e as StoreError;
}

describe('opening the store', () => {
  it('first open creates airlock.db and store.key, both mode 0600', async () => {
    const d = dir();
    const s = await openStore(d, fileKeyProvider(d));
    toClose.push(s.db);
    expect(s.created).toBe(true);
    expect(s.path).toBe(join(d, STORE_FILE));
    expect(existsSync(join(d, STORE_FILE))).toBe(true);
    expect(mode(join(d, 'store.key'))).toBe(0o600);
    expect(mode(join(d, STORE_FILE))).toBe(0o600);
    expect(readFileSync(join(d, 'store.key'), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(join(d, 'store.key'), 'utf8').trim()).toBe(s.key.toString('hex'));
    // The WAL side files, once they exist, are not readable by others either.
    s.db.prepare("INSERT INTO settings (key, value) VALUES ('x', 'y')").run();
    for (const f of readdirSync(d).filter((f) => f.startsWith(STORE_FILE))) {
      expect(mode(join(d, f)) & 0o077, f).toBe(0);
    }
  });

  it('a new data dir is created 0700', async () => {
    const d = join(dir(), 'nested', 'home');
    const s = await openStore(d, fileKeyProvider(d));
    toClose.push(s.db);
    expect(mode(d)).toBe(0o700);
  });

  it('reopening with the same key works and keeps the data', async () => {
    const d = await storeWithData();
    const s = await openStore(d, fileKeyProvider(d));
    toClose.push(s.db);
    expect(s.created).toBe(false);
    expect(s.db.prepare("SELECT value FROM settings WHERE key = 'probe'").get()).toEqual({
      value: 'kept',
    });
  });

  it('the environment key works the same way and writes no key file', async () => {
    const hex = randomBytes(32).toString('hex');
    const d = await storeWithData(() => envKeyProvider(hex));
    expect(existsSync(join(d, 'store.key'))).toBe(false);
    const s = await openStore(d, envKeyProvider(hex.toUpperCase()));
    toClose.push(s.db);
    expect(s.db.prepare("SELECT value FROM settings WHERE key = 'probe'").get()).toEqual({
      value: 'kept',
    });
  });

  it('a wrong key is a StoreError naming the key source, and the file is left exactly as it was', async () => {
    const d = await storeWithData();
    const db = join(d, STORE_FILE);
    const before = fingerprint(db);
    const filesBefore = readdirSync(d).sort();
    const e = await expectStoreError(
      openStore(d, envKeyProvider(randomBytes(32).toString('hex'))),
      /key/i,
    );
    expect(e.message).toContain('AIRLOCK_STORE_KEY');
    expect(e.message).toMatch(/not changed/);
    expect(fingerprint(db)).toEqual(before);
    expect(readdirSync(d).sort()).toEqual(filesBefore);
    // And the right key still opens it.
    const s = await openStore(d, fileKeyProvider(d));
    toClose.push(s.db);
    expect(s.db.prepare("SELECT value FROM settings WHERE key = 'probe'").get()).toEqual({
      value: 'kept',
    });
  });

  it('a malformed key is a StoreError', async () => {
    const d = await storeWithData();
    await expectStoreError(openStore(d, envKeyProvider('not-hex')), /64 hexadecimal/);
    writeFileSync(join(d, 'store.key'), 'abc\n', { mode: 0o600 });
    await expectStoreError(openStore(d, fileKeyProvider(d)), /64 hexadecimal/);
  });

  it('a store whose key file is missing is a StoreError; no key and no new store are created', async () => {
    const d = await storeWithData();
    const db = join(d, STORE_FILE);
    rmSync(join(d, 'store.key'));
    const before = fingerprint(db);
    await expectStoreError(openStore(d, fileKeyProvider(d)), /key is missing/);
    expect(existsSync(join(d, 'store.key'))).toBe(false);
    expect(fingerprint(db)).toEqual(before);
  });

  it('a corrupt file (random bytes) is a StoreError, and it is not replaced', async () => {
    const d = dir();
    const key = randomBytes(32).toString('hex');
    const junk = randomBytes(16 * 1024);
    writeFileSync(join(d, STORE_FILE), junk);
    await expectStoreError(openStore(d, envKeyProvider(key)), /wrong or the file is damaged/);
    expect(readFileSync(join(d, STORE_FILE)).equals(junk)).toBe(true);
  });

  it.each([0o640, 0o604, 0o644, 0o660])('a store.key with mode %o is refused', async (m) => {
    const d = await storeWithData();
    chmodSync(join(d, 'store.key'), m);
    await expectStoreError(openStore(d, fileKeyProvider(d)), /readable by other users.*chmod 600/);
  });

  it('createCore turns the same refusals into StoreErrors and creates nothing', async () => {
    const d = await storeWithData();
    const before = fingerprint(join(d, STORE_FILE));
    await expect(
      createCore({ dataDir: d, keyProvider: envKeyProvider(randomBytes(32).toString('hex')) }),
    ).rejects.toBeInstanceOf(StoreError);
    expect(fingerprint(join(d, STORE_FILE))).toEqual(before);
    expect(existsSync(join(d, 'demo.db'))).toBe(false);
  });
});

describe('encryption on disk', () => {
  it('the file does not start with the SQLite header and holds no plaintext', async () => {
    const d = await storeWithData();
    const bytes = readFileSync(join(d, STORE_FILE));
    expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    expect(bytes.includes(Buffer.from('SQLite format 3'))).toBe(false);
    expect(bytes.includes(Buffer.from('schema_migrations'))).toBe(false);
    expect(bytes.includes(Buffer.from('audit_log'))).toBe(false);
    expect(bytes.includes(Buffer.from('kept'))).toBe(false);
  });

  it('a plain open without the key cannot read it', async () => {
    const d = await storeWithData();
    const db = new Database(join(d, STORE_FILE), { readonly: true });
    toClose.push(db);
    expect(() => db.prepare('SELECT count(*) FROM sqlite_schema').get()).toThrow(
      /not a database|encrypted/i,
    );
  });

  it('standard SQLCipher 4 settings with the raw key open it (forensics)', async () => {
    const d = await storeWithData();
    const hex = readFileSync(join(d, 'store.key'), 'utf8').trim();
    const db = new Database(join(d, STORE_FILE), { readonly: true });
    toClose.push(db);
    db.pragma("cipher='sqlcipher'");
    db.pragma('legacy=4');
    db.pragma(`key="x'${hex}'"`);
    expect(db.prepare("SELECT value FROM settings WHERE key = 'probe'").get()).toEqual({
      value: 'kept',
    });
  });
});

describe('migrations', () => {
  async function fresh() {
    const d = dir();
    const s = await openStore(d, fileKeyProvider(d));
    toClose.push(s.db);
    return s;
  }

  it('records each applied migration with its checksum', async () => {
    const { db } = await fresh();
    const rows = db
      .prepare('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version')
      .all() as {
      version: number;
      name: string;
      checksum: string;
      applied_at: string;
    }[];
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    for (const [i, r] of rows.entries()) {
      expect(r.name).toBe(MIGRATIONS[i]!.name);
      expect(r.checksum).toBe(checksum(MIGRATIONS[i]!));
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isNaN(Date.parse(r.applied_at))).toBe(false);
    }
  });

  it('running again applies nothing', async () => {
    const { db } = await fresh();
    expect(migrate(db)).toEqual([]);
  });

  it('refuses an applied migration whose text was edited', async () => {
    const { db } = await fresh();
    const edited: Migration = {
      ...MIGRATIONS[0]!,
      sql: MIGRATIONS[0]!.sql.replace('STRICT', 'STRICT '),
    };
    expect(() => migrate(db, [edited, ...MIGRATIONS.slice(1)])).toThrow(StoreError);
    expect(() => migrate(db, [edited, ...MIGRATIONS.slice(1)])).toThrow(
      /Migration 1 "initial" differs/,
    );
    const renamed: Migration = { ...MIGRATIONS[0]!, name: 'renamed' };
    expect(() => migrate(db, [renamed, ...MIGRATIONS.slice(1)])).toThrow(StoreError);
  });

  it('refuses a store written by a newer version (unknown applied migration)', async () => {
    const { db } = await fresh();
    expect(() => migrate(db, [])).toThrow(/newer Airlock/);
  });

  it('applies a new migration once, in a transaction, and records it', async () => {
    const { db } = await fresh();
    const next: Migration = {
      version: 999,
      name: 'probe',
      sql: 'CREATE TABLE probe (x INTEGER) STRICT;',
    };
    expect(migrate(db, [...MIGRATIONS, next])).toEqual([999]);
    expect(migrate(db, [...MIGRATIONS, next])).toEqual([]);
    expect(db.prepare('SELECT checksum FROM schema_migrations WHERE version = 999').get()).toEqual({
      checksum: checksum(next),
    });
    // A failing migration leaves no trace.
    const broken: Migration = {
      version: 1000,
      name: 'broken',
      sql: 'CREATE TABLE half (x); CREATE TABLE nope (',
    };
    expect(() => migrate(db, [...MIGRATIONS, next, broken])).toThrow();
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'half'").get()).toEqual(
      { n: 0 },
    );
    expect(
      db.prepare('SELECT count(*) AS n FROM schema_migrations WHERE version = 1000').get(),
    ).toEqual({ n: 0 });
  });

  it('openStore refuses to open a store with an edited migration recorded', async () => {
    const d = await storeWithData();
    const key = readFileSync(join(d, 'store.key'), 'utf8').trim();
    const db = openEncryptedDatabase(join(d, STORE_FILE), Buffer.from(key, 'hex'), 'test');
    db.prepare("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1").run();
    db.close();
    await expectStoreError(openStore(d, fileKeyProvider(d)), /differs from the one applied/);
  });
});

describe('sealed connection configs', () => {
  it('the connections.config blob of the demo connection does not contain its path', async () => {
    const d = dir();
    const hex = randomBytes(32).toString('hex');
    const core = await createCore({ dataDir: d, keyProvider: envKeyProvider(hex) });
    try {
      const row = core.db
        .prepare("SELECT target, config FROM connections WHERE name = 'demo'")
        .get() as { target: string; config: Buffer };
      expect(row.target).toBe(join(d, 'demo.db'));
      expect(Buffer.isBuffer(row.config)).toBe(true);
      expect(row.config.includes(Buffer.from(join(d, 'demo.db')))).toBe(false);
      expect(row.config.includes(Buffer.from('demo.db'))).toBe(false);
      expect(row.config.includes(Buffer.from('"path"'))).toBe(false);
      const opened = JSON.parse(new SecretBox(Buffer.from(hex, 'hex')).open(row.config)) as {
        path: string;
      };
      expect(opened).toEqual({ path: join(d, 'demo.db') });
    } finally {
      await core.close();
    }
  });

  describe('SecretBox', () => {
    const key = randomBytes(32);
    const secret = 'postgres://app:s3cr3t-Pässwörd@db.internal:5432/prod';

    it('round-trips, with a fresh IV every time', () => {
      const box = new SecretBox(key);
      const a = box.seal(secret);
      const b = box.seal(secret);
      expect(box.open(a)).toBe(secret);
      expect(box.open(b)).toBe(secret);
      expect(a.equals(b)).toBe(false);
      expect(a.includes(Buffer.from('s3cr3t'))).toBe(false);
      expect(a.includes(Buffer.from('db.internal'))).toBe(false);
      expect(box.open(box.seal(''))).toBe('');
    });

    it('detects tampering in any part of the sealed value', () => {
      const box = new SecretBox(key);
      const sealed = box.seal(secret);
      for (const at of [1, 12, 13, 28, 29, sealed.length - 1]) {
        const t = Buffer.from(sealed);
        t[at]! ^= 0x01;
        expect(() => box.open(t), `byte ${at}`).toThrow();
      }
      expect(() => box.open(sealed.subarray(0, sealed.length - 1))).toThrow();
      const wrongVersion = Buffer.from(sealed);
      wrongVersion[0] = 2;
      expect(() => box.open(wrongVersion)).toThrow(/unknown secret format/);
    });

    it('another store key cannot open it', () => {
      const sealed = new SecretBox(key).seal(secret);
      expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
      // The sealing key is derived, not the store key itself.
      expect(() => new SecretBox(Buffer.from(key)).open(sealed)).not.toThrow();
    });
  });
});
