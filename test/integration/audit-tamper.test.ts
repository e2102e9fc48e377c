/**
 * Tampering with the audit log of a real store, then `bin/airlock audit verify` run as a
 * child process: every kind of edit is found, and the first broken entry is named exactly.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import type { Database as Db } from 'better-sqlite3-multiple-ciphers';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeLeaf, rowToRecord, type AuditRow } from '../../src/main/audit/audit-rows';
import { chainHash, leafHash } from '../../src/main/audit/chain';
import { AuditVerifyResult } from '../../src/shared/contract/api';
import { startTestAirlock, tempDir } from '../helpers/harness';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AIRLOCK = join(ROOT, 'bin/airlock');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function airlock(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    AIRLOCK_STORE_KEY: undefined,
    AIRLOCK_HOME: undefined,
    ...env,
  };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  return new Promise((resolve) => {
    execFile(
      AIRLOCK,
      args,
      { cwd: ROOT, env: childEnv as NodeJS.ProcessEnv, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const noStackTrace = (r: Run) => {
  expect(r.stderr).not.toMatch(/^\s{4}at /m);
  expect(r.stdout).not.toMatch(/^\s{4}at /m);
};

let source: string;
let keyHex: string;
let entryCount: number;
const work: string[] = [];

beforeAll(async () => {
  source = tempDir('airlock-tamper-src-');
  const t = await startTestAirlock({ dataDir: source });
  keyHex = t.storeKeyHex;
  try {
    const reader = await t.createAgent('reader', [
      { connection: 'demo', table: 'orders', actions: ['read'] },
    ]);
    const writer = await t.createAgent('writer', [
      { connection: 'demo', table: 'orders', actions: ['read', 'write'], approval: 'none' },
    ]);
    expect(
      (await t.query(reader.apiKey, 'SELECT id, total FROM orders WHERE id = ?', [1])).statusCode,
    ).toBe(200);
    expect((await t.query(reader.apiKey, 'SELECT salary FROM employees')).statusCode).toBe(403);
    expect(
      (await t.query(reader.apiKey, 'SELECT status FROM orders WHERE id = 3')).statusCode,
    ).toBe(200);
    expect(
      (await t.query(writer.apiKey, "UPDATE orders SET status = 'paid' WHERE id = ?", [2]))
        .statusCode,
    ).toBe(200);
    expect((await t.query(reader.apiKey, 'DELETE FROM orders')).statusCode).toBe(403);
    expect((await t.admin('DELETE', `/v1/admin/agents/${reader.id}`)).statusCode).toBe(200);
    expect((await t.query(reader.apiKey, 'SELECT id FROM orders')).statusCode).toBe(401);
    entryCount = (t.core.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number })
      .n;
  } finally {
    await t.close();
  }
  expect(entryCount).toBeGreaterThanOrEqual(12);
  // The store was closed cleanly: everything is in the main file.
  expect(readdirSync(source).filter((f) => f.startsWith('airlock.db-'))).toEqual([]);
});

afterAll(() => {
  for (const d of [source, ...work]) if (d) rmSync(d, { recursive: true, force: true });
});

/** A copy of the store in a fresh data dir. */
function copyStore(): string {
  const d = tempDir('airlock-tamper-');
  work.push(d);
  copyFileSync(join(source, 'airlock.db'), join(d, 'airlock.db'));
  return d;
}

function openRaw(dir: string, hex = keyHex): Db {
  const db = new Database(join(dir, 'airlock.db'));
  db.pragma("cipher='sqlcipher'");
  db.pragma('legacy=4');
  db.pragma(`key="x'${hex}'"`);
  return db;
}

const COLUMNS = [
  'time',
  'actor',
  'action',
  'connection',
  'statement',
  'params_hash',
  'decision',
  'rule',
  'reason',
  'status',
  'row_count',
  'latency_ms',
  'details',
  'leaf_hash',
  'chain_hash',
] as const;

function row(db: Db, id: number): AuditRow {
  const r = db.prepare('SELECT * FROM audit_log WHERE id = ?').get(id) as AuditRow | undefined;
  if (!r) throw new Error(`no entry ${id}`);
  return r;
}

function writeRow(db: Db, id: number, r: AuditRow): void {
  db.prepare(
    `UPDATE audit_log SET ${COLUMNS.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`,
  ).run({ ...r, id });
}

/** Copies the store, drops the append-only triggers (after proving they work), applies `edit`. */
function tampered(edit: (db: Db) => void): string {
  const d = copyStore();
  const db = openRaw(d);
  try {
    expect(() => db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE id = 2").run()).toThrow(
      /append-only/,
    );
    expect(() => db.prepare('DELETE FROM audit_log WHERE id = 2').run()).toThrow(/append-only/);
    db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
    edit(db);
  } finally {
    db.close();
  }
  return d;
}

const verify = (dir: string, extra: string[] = []) =>
  airlock(['audit', 'verify', '--data-dir', dir, ...extra], { AIRLOCK_STORE_KEY: keyHex });

function expectBrokenAt(r: Run, id: number) {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toMatch(new RegExp(`BROKEN at entry ${id}(?!\\d)`));
  noStackTrace(r);
}

describe('audit verify on an intact store', () => {
  it('exits 0 and reports the number of entries', async () => {
    const r = await verify(copyStore());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`audit chain intact: ${entryCount} entries verified`);
  });

  it('--json prints exactly { ok, entries, firstBroken, problem, headSeq, headHash, checkpoints, purged }', async () => {
    const d = copyStore();
    const r = await verify(d, ['--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as unknown;
    const db = openRaw(d);
    const headHash = row(db, entryCount).chain_hash;
    db.close();
    // The clean stop signed a checkpoint at the head.
    expect(AuditVerifyResult.strict().parse(out)).toEqual({
      ok: true,
      entries: entryCount,
      firstBroken: null,
      problem: null,
      headSeq: entryCount,
      headHash,
      checkpoints: 1,
      purged: 0,
    });
  });

  it('does not change the store', async () => {
    const d = copyStore();
    await verify(d);
    const db = openRaw(d);
    try {
      expect((db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n).toBe(
        entryCount,
      );
    } finally {
      db.close();
    }
  });
});

describe('audit verify finds each kind of tampering and names the first broken entry', () => {
  const middle = () => Math.floor(entryCount / 2);

  it('one field of a middle entry changed', async () => {
    const k = middle();
    const d = tampered((db) =>
      db
        .prepare("UPDATE audit_log SET status = 'allowed', reason = 'nothing to see' WHERE id = ?")
        .run(k),
    );
    expectBrokenAt(await verify(d), k);
    const j = AuditVerifyResult.strict().parse(JSON.parse((await verify(d, ['--json'])).stdout));
    expect(j).toMatchObject({ ok: false, firstBroken: k, entries: k - 1 });
    expect(j.problem).toContain(String(k));
  });

  it('a row count changed by one (numeric field)', async () => {
    const d = tampered((db) =>
      db.prepare('UPDATE audit_log SET row_count = coalesce(row_count, 0) + 1 WHERE id = 3').run(),
    );
    expectBrokenAt(await verify(d), 3);
  });

  it('details JSON re-serialised with the same meaning but other key order still verifies (canonical)', async () => {
    const k = 2;
    const d = tampered((db) => {
      const r = row(db, k);
      if (r.details === null) throw new Error('entry 2 has no details');
      const parsed = JSON.parse(r.details) as Record<string, unknown>;
      const reordered = JSON.stringify(
        Object.fromEntries(Object.entries(parsed).reverse()),
        null,
        2,
      );
      db.prepare('UPDATE audit_log SET details = ? WHERE id = ?').run(reordered, k);
    });
    const r = await verify(d);
    expect(r.code, r.stdout).toBe(0);
  });

  it('a middle entry deleted', async () => {
    const k = middle();
    const d = tampered((db) => db.prepare('DELETE FROM audit_log WHERE id = ?').run(k));
    const r = await verify(d);
    expectBrokenAt(r, k);
    expect(r.stdout).toContain('missing');
    const j = JSON.parse((await verify(d, ['--json'])).stdout) as { firstBroken: number };
    expect(j.firstBroken).toBe(k);
  });

  it('two entries swapped (reordered), hashes and all', async () => {
    const a = 4;
    const b = entryCount - 2;
    const d = tampered((db) => {
      const ra = row(db, a);
      const rb = row(db, b);
      writeRow(db, a, rb);
      writeRow(db, b, ra);
    });
    expectBrokenAt(await verify(d), a);
  });

  it('two adjacent entries swapped', async () => {
    const a = middle();
    const d = tampered((db) => {
      const ra = row(db, a);
      const rb = row(db, a + 1);
      writeRow(db, a, rb);
      writeRow(db, a + 1, ra);
    });
    expectBrokenAt(await verify(d), a);
  });

  it('the last entry deleted (tail truncation)', async () => {
    const d = tampered((db) => db.prepare('DELETE FROM audit_log WHERE id = ?').run(entryCount));
    const r = await verify(d);
    expectBrokenAt(r, entryCount);
    expect(r.stdout).toMatch(/missing at the end/);
  });

  it('the last three entries deleted', async () => {
    const d = tampered((db) =>
      db.prepare('DELETE FROM audit_log WHERE id > ?').run(entryCount - 3),
    );
    expectBrokenAt(await verify(d), entryCount - 2);
  });

  it('a field changed and that row’s leaf hash recomputed', async () => {
    const k = middle();
    const d = tampered((db) => {
      const r = { ...row(db, k), actor: 'admin', reason: 'rewritten' };
      // Recomputed as the writer would, in the entry's own leaf format.
      r.leaf_hash = recomputeLeaf(r);
      writeRow(db, k, r);
    });
    expectBrokenAt(await verify(d), k);
  });

  it('a field changed and the whole chain recomputed from there (only the head record betrays it)', async () => {
    const k = middle();
    const d = tampered((db) => {
      let prev = row(db, k - 1).chain_hash;
      for (let id = k; id <= entryCount; id++) {
        const r = row(db, id);
        if (id === k) r.reason = 'rewritten';
        r.leaf_hash = recomputeLeaf(r);
        r.chain_hash = chainHash(prev, r.leaf_hash);
        prev = r.chain_hash;
        writeRow(db, id, r);
      }
    });
    const r = await verify(d);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/head/);
  });

  it('an entry appended by hand without the head being moved', async () => {
    const d = tampered((db) => {
      const last = row(db, entryCount);
      const forged = { ...last, reason: 'forged' };
      forged.leaf_hash = leafHash(entryCount + 1, rowToRecord(forged));
      forged.chain_hash = chainHash(last.chain_hash, forged.leaf_hash);
      db.prepare(
        `INSERT INTO audit_log (id, ${COLUMNS.join(', ')}) VALUES (@id, ${COLUMNS.map((c) => `@${c}`).join(', ')})`,
      ).run({ ...forged, id: entryCount + 1 });
    });
    // The forged entry links to the chain, but the head (written with every batch) does not know it.
    const r = await verify(d);
    expectBrokenAt(r, entryCount + 1);
    expect(r.stdout).toMatch(/head/);
  });

  it('the head record removed', async () => {
    const d = tampered((db) => db.prepare("DELETE FROM settings WHERE key = 'audit.head'").run());
    const r = await verify(d);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/head/);
  });
});

describe('audit verify usage and store errors (exit 2, a clear message, no stack trace)', () => {
  it('an unknown option', async () => {
    const r = await airlock(['audit', 'verify', '--data-dir', copyStore(), '--bogus'], {
      AIRLOCK_STORE_KEY: keyHex,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
    noStackTrace(r);
  });

  it('--data-dir without a value', async () => {
    const r = await airlock(['audit', 'verify', '--data-dir']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--data-dir needs a value/);
    noStackTrace(r);
  });

  it('an unknown audit subcommand', async () => {
    const r = await airlock(['audit', 'rewrite']);
    expect(r.code).toBe(2);
    noStackTrace(r);
  });

  it('a directory with no store', async () => {
    const d = tempDir('airlock-empty-');
    work.push(d);
    const r = await airlock(['audit', 'verify', '--data-dir', d], { AIRLOCK_STORE_KEY: keyHex });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no Airlock store/);
    expect(readdirSync(d)).toEqual([]);
    noStackTrace(r);
  });

  it('a directory that does not exist is not created', async () => {
    const d = join(tempDir('airlock-parent-'), 'nope');
    work.push(d);
    const r = await airlock(['audit', 'verify', '--data-dir', d]);
    expect(r.code).toBe(2);
    expect(existsSync(d)).toBe(false);
    noStackTrace(r);
  });

  it('an empty store file is not taken for a new, intact store', async () => {
    const d = tempDir('airlock-emptyfile-');
    work.push(d);
    writeFileSync(join(d, 'airlock.db'), '');
    const r = await airlock(['audit', 'verify', '--data-dir', d]);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toMatch(/intact/);
    // Nothing was created: no key, no schema.
    expect(existsSync(join(d, 'store.key'))).toBe(false);
    noStackTrace(r);
  });

  it('the wrong key', async () => {
    const r = await airlock(['audit', 'verify', '--data-dir', copyStore()], {
      AIRLOCK_STORE_KEY: randomBytes(32).toString('hex'),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot be opened with the key from AIRLOCK_STORE_KEY/);
    expect(r.stdout).toBe('');
    noStackTrace(r);
  });

  it('a malformed key', async () => {
    const r = await airlock(['audit', 'verify', '--data-dir', copyStore()], {
      AIRLOCK_STORE_KEY: 'xyz',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/64 hexadecimal/);
    noStackTrace(r);
  });

  it('no key at all (no env, no store.key): refused, and no key file is made up', async () => {
    const d = copyStore();
    const r = await airlock(['audit', 'verify', '--data-dir', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/key is missing/);
    expect(existsSync(join(d, 'store.key'))).toBe(false);
    noStackTrace(r);
  });

  it('the key from store.key when no env is set', async () => {
    const d = copyStore();
    writeFileSync(join(d, 'store.key'), `${keyHex}\n`, { mode: 0o600 });
    const r = await airlock(['audit', 'verify', '--data-dir', d]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('AIRLOCK_HOME is the default data dir', async () => {
    const d = copyStore();
    const r = await airlock(['audit', 'verify'], { AIRLOCK_HOME: d, AIRLOCK_STORE_KEY: keyHex });
    expect(r.code, r.stderr).toBe(0);
  });

  it('a damaged store file', async () => {
    const d = tempDir('airlock-junk-');
    work.push(d);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'airlock.db'), randomBytes(8192));
    const r = await airlock(['audit', 'verify', '--data-dir', d], { AIRLOCK_STORE_KEY: keyHex });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/wrong or the file is damaged/);
    noStackTrace(r);
  });
});
