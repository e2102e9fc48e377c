/**
 * Signed audit reports, end to end: a real store, `airlock audit export` in JSON, CSV and
 * PDF, then `airlock audit verify-report` run as a child process in a place with no store and
 * no store key. Every class of tampering is caught and named (changed field, deleted entry,
 * reordered entries, changed signature, another key), and a whole-chain rewrite by someone who
 * holds the store key is caught against a report kept elsewhere.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import type { Database as Db } from 'better-sqlite3-multiple-ciphers';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recomputeLeaf, type AuditRow } from '../../src/main/audit/audit-rows';
import { chainHash } from '../../src/main/audit/chain';
import { signCheckpoint } from '../../src/main/audit/report/checkpoint';
import { MerkleFrontier, leafNode } from '../../src/main/audit/report/merkle';
import { signedPart, type AuditReport } from '../../src/main/audit/report/report-format';
import { fingerprintOf, signJson } from '../../src/main/audit/report/signature';
import { ROOT, runAirlock, type CliRun } from '../helpers/cli';
import { startTestAirlock, tempDir } from '../helpers/harness';

// Each step runs bin/airlock as a child process; on a loaded machine that takes a while.
vi.setConfig({ testTimeout: 300_000 });

type Run = CliRun;

/** Runs bin/airlock with no store key in the environment and an empty AIRLOCK_HOME. */
const airlock = (args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT) =>
  runAirlock(args, { AIRLOCK_STORE_KEY: undefined, AIRLOCK_HOME: nowhere, ...env }, cwd);

let source: string;
let keyHex: string;
let nowhere: string;
let out: string;
let entryCount: number;
let publicPem: string;
let fingerprint: string;
const work: string[] = [];

beforeAll(async () => {
  nowhere = tempDir('airlock-nostore-');
  out = tempDir('airlock-reports-');
  source = tempDir('airlock-report-src-');
  work.push(nowhere, out, source);
  const t = await startTestAirlock({ dataDir: source });
  keyHex = t.storeKeyHex;
  try {
    const reader = await t.createAgent('reader', [
      { connection: 'demo', table: 'orders', actions: ['read'] },
    ]);
    for (let i = 1; i <= 6; i++) {
      const res = await t.query(reader.apiKey, 'SELECT id, total FROM orders WHERE id = ?', [i]);
      expect(res.statusCode, res.body).toBe(200);
    }
    expect((await t.query(reader.apiKey, 'SELECT salary FROM employees')).statusCode).toBe(403);
    expect((await t.query(reader.apiKey, 'DELETE FROM orders')).statusCode).toBe(403);
    expect(
      (await t.query(reader.apiKey, 'SELECT \'a,"b"\nc\' AS x, id FROM orders WHERE id = 1'))
        .statusCode,
    ).toBe(200);
    entryCount = (t.core.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number })
      .n;
    publicPem = t.core.signer.publicKeyPem;
    fingerprint = t.core.signer.fingerprint;
  } finally {
    await t.close();
  }
  expect(entryCount).toBeGreaterThanOrEqual(12);
  writeFileSync(join(out, 'airlock.pem'), publicPem);
}, 180_000);

afterAll(() => {
  for (const d of work) rmSync(d, { recursive: true, force: true });
});

const withStore = { AIRLOCK_STORE_KEY: undefined as string | undefined };
const exportReport = (name: string, extra: string[] = []) =>
  airlock(['audit', 'export', '--data-dir', source, '--out', join(out, name), ...extra], {
    ...withStore,
    AIRLOCK_STORE_KEY: keyHex,
  });
const verifyReport = (file: string, extra: string[] = ['--public-key', join(out, 'airlock.pem')]) =>
  airlock(['audit', 'verify-report', file, ...extra], {}, nowhere);

function readReport(name: string): AuditReport {
  return JSON.parse(readFileSync(join(out, name), 'utf8')) as AuditReport;
}
function writeReport(name: string, r: unknown): string {
  const p = join(out, name);
  writeFileSync(p, JSON.stringify(r, null, 2));
  return p;
}
const noStackTrace = (r: Run) => expect(`${r.stdout}${r.stderr}`).not.toMatch(/^\s{4}at /m);

describe('the signing key', () => {
  it('public-key prints the PEM and the SHA-256 fingerprint of its SPKI DER', async () => {
    const r = await airlock(['audit', 'public-key', '--data-dir', source], {
      AIRLOCK_STORE_KEY: keyHex,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('-----BEGIN PUBLIC KEY-----');
    const key = createPublicKey(r.stdout);
    expect(key.asymmetricKeyType).toBe('ed25519');
    const fp = createHash('sha256')
      .update(key.export({ type: 'spki', format: 'der' }))
      .digest('hex');
    expect(fp).toBe(fingerprint);
    expect(r.stdout).toContain(fp);
  });

  it('the private key is in the encrypted store and nowhere in the data dir in the clear', async () => {
    const db = openRaw(source);
    try {
      const row = db.prepare('SELECT private_key FROM audit_signing_key').get() as {
        private_key: string;
      };
      expect(createPrivateKey(row.private_key).asymmetricKeyType).toBe('ed25519');
      const der = createPrivateKey(row.private_key).export({ type: 'pkcs8', format: 'der' });
      const raw = readFileSync(join(source, 'airlock.db'));
      expect(raw.includes(der.subarray(-32))).toBe(false);
      expect(raw.includes(Buffer.from('PRIVATE KEY'))).toBe(false);
    } finally {
      db.close();
    }
  });
});

describe('export and offline verification', () => {
  it('a JSON report of the whole log verifies with no store, printing signer, range and count', async () => {
    const e = await exportReport('all.json');
    expect(e.code, e.stderr + e.stdout).toBe(0);
    const report = readReport('all.json');
    expect(report.format).toBe('airlock-audit-report/1');
    expect(report.entries.map((x) => x.seq)).toEqual(
      Array.from({ length: entryCount }, (_, i) => i + 1),
    );
    expect(report.signer.fingerprint).toBe(fingerprint);
    const v = await verifyReport(join(out, 'all.json'));
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain(fingerprint);
    expect(v.stdout).toContain(`${entryCount} entries`);
    expect(v.stdout).toContain(`1–${entryCount}`);
  });

  it('a filtered report (denials of one agent) proves its scattered entries and verifies', async () => {
    const e = await exportReport('denied.json', ['--status', 'denied', '--agent', 'reader']);
    expect(e.code, e.stderr + e.stdout).toBe(0);
    const report = readReport('denied.json');
    expect(report.entries.length).toBe(2);
    expect(report.entries.every((x) => x.status === 'denied' && x.actor === 'agent:reader')).toBe(
      true,
    );
    const v = await verifyReport(join(out, 'denied.json'));
    expect(v.code, v.stdout).toBe(0);
  });

  it('a time range holds the entries of that range', async () => {
    const all = readReport('all.json');
    const from = all.entries[3]!.time;
    const to = all.entries[8]!.time;
    const e = await exportReport('range.json', ['--from', from, '--to', to]);
    expect(e.code, e.stderr + e.stdout).toBe(0);
    const r = readReport('range.json');
    expect(r.entries.length).toBeGreaterThan(0);
    expect(r.entries.every((x) => x.time >= from && x.time <= to)).toBe(true);
    expect((await verifyReport(join(out, 'range.json'))).code).toBe(0);
  });

  it('a CSV report comes with FILE.sig.json and verifies', async () => {
    const e = await exportReport('all.csv', ['--format', 'csv']);
    expect(e.code, e.stderr + e.stdout).toBe(0);
    const csv = readFileSync(join(out, 'all.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^seq,time,actor,action/);
    const side = readReport('all.csv.sig.json');
    expect(side.file).toEqual({
      name: 'all.csv',
      format: 'csv',
      sha256: createHash('sha256')
        .update(readFileSync(join(out, 'all.csv')))
        .digest('hex'),
    });
    const v = await verifyReport(join(out, 'all.csv'));
    expect(v.code, v.stdout).toBe(0);
  });

  it('a PDF report comes with FILE.sig.json and verifies', async () => {
    const e = await exportReport('all.pdf', ['--format', 'pdf']);
    expect(e.code, e.stderr + e.stdout).toBe(0);
    const pdf = readFileSync(join(out, 'all.pdf'));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const v = await verifyReport(join(out, 'all.pdf'));
    expect(v.code, v.stdout).toBe(0);
  });

  it('usage errors exit 2: no file, a missing file, a bad public key, no --out', async () => {
    for (const r of [
      await airlock(['audit', 'verify-report'], {}, nowhere),
      await airlock(['audit', 'verify-report', join(out, 'nope.json')], {}, nowhere),
      await airlock(
        ['audit', 'verify-report', join(out, 'all.json'), '--public-key', join(out, 'all.csv')],
        {},
        nowhere,
      ),
      await airlock(['audit', 'export', '--data-dir', source], { AIRLOCK_STORE_KEY: keyHex }),
    ]) {
      expect(r.code, r.stdout + r.stderr).toBe(2);
      noStackTrace(r);
    }
  });
});

describe('verify-report catches every tampering offline and names it (exit 1)', () => {
  const tamper = async (
    name: string,
    edit: (r: AuditReport) => unknown,
    match: RegExp,
    keyArgs?: string[],
  ) => {
    const r = structuredClone(readReport('all.json'));
    const p = writeReport(name, edit(r) ?? r);
    const v = await verifyReport(p, keyArgs);
    expect(v.code, v.stdout + v.stderr).toBe(1);
    expect(v.stdout).toMatch(match);
    noStackTrace(v);
  };

  it('a changed field names the entry', () =>
    tamper(
      't-field.json',
      (r) => void (r.entries[4]!.reason = 'nothing to see here'),
      /TAMPERED at entry 5\b.*changed/,
    ));
  it('a deleted entry names the first missing one', () =>
    tamper('t-delete.json', (r) => void r.entries.splice(6, 1), /TAMPERED at entry 7\b.*missing/));
  it('reordered entries name the first out of order', () =>
    tamper(
      't-reorder.json',
      (r) => {
        const [a, b] = [r.entries[2]!, r.entries[3]!];
        r.entries[2] = b;
        r.entries[3] = a;
      },
      /TAMPERED at entry 3\b.*out of order/,
    ));
  it('a changed signature', () =>
    tamper(
      't-sig.json',
      (r) => {
        const sig = Buffer.from(r.signature, 'base64');
        sig[10] = sig[10]! ^ 1;
        r.signature = sig.toString('base64');
      },
      /signature does not verify/,
    ));
  it('a report signed by another key (checked with the officer’s public key)', () =>
    tamper(
      't-otherkey.json',
      (r) => {
        const other = generateKeyPairSync('ed25519');
        const pub = other.publicKey.export({ type: 'spki', format: 'pem' }).toString();
        const forged = {
          ...signedPart(r),
          checkpoint: signCheckpoint(other.privateKey, r.checkpoint),
          signer: { publicKey: pub, fingerprint: fingerprintOf(other.publicKey) },
        };
        return { ...forged, signature: signJson(other.privateKey, forged) };
      },
      /signed by another key/,
    ));
  it('a CSV row changed names the entry; a CSV row deleted names it', async () => {
    const csv = readFileSync(join(out, 'all.csv'), 'utf8');
    const side = readFileSync(join(out, 'all.csv.sig.json'));
    writeFileSync(join(out, 't.csv'), csv.replace(/agent:reader/, 'agent:nobody'));
    writeFileSync(join(out, 't.csv.sig.json'), side);
    const v = await verifyReport(join(out, 't.csv'));
    expect(v.code, v.stdout).toBe(1);
    expect(v.stdout).toMatch(/TAMPERED at entry \d+.*changed/);
    const lines = csv.split('\r\n');
    writeFileSync(join(out, 't2.csv'), [...lines.slice(0, 3), ...lines.slice(4)].join('\r\n'));
    writeFileSync(join(out, 't2.csv.sig.json'), side);
    const v2 = await verifyReport(join(out, 't2.csv'));
    expect(v2.code, v2.stdout).toBe(1);
    expect(v2.stdout).toMatch(/missing|changed|not in the signed/);
  });
  it('a PDF changed by one byte', async () => {
    const pdf = readFileSync(join(out, 'all.pdf'));
    pdf[pdf.length - 20] = pdf[pdf.length - 20]! ^ 1;
    writeFileSync(join(out, 't.pdf'), pdf);
    copyFileSync(join(out, 'all.pdf.sig.json'), join(out, 't.pdf.sig.json'));
    const v = await verifyReport(join(out, 't.pdf'));
    expect(v.code, v.stdout).toBe(1);
    expect(v.stdout).toMatch(/TAMPERED: .*was changed: its SHA-256/);
  });
});

function openRaw(dir: string): Db {
  const db = new Database(join(dir, 'airlock.db'));
  db.pragma("cipher='sqlcipher'");
  db.pragma('legacy=4');
  db.pragma(`key="x'${keyHex}'"`);
  return db;
}

describe('a rewrite by someone holding the store key', () => {
  it('passes the store’s own verify (they re-signed everything) but not --against a report kept elsewhere', async () => {
    const d = tempDir('airlock-rewrite-');
    work.push(d);
    copyFileSync(join(source, 'airlock.db'), join(d, 'airlock.db'));
    // Kept elsewhere before the rewrite: a signed report and the verify output's head.
    const head = await airlock(['audit', 'verify', '--data-dir', d, '--json'], {
      AIRLOCK_STORE_KEY: keyHex,
    });
    expect(head.code, head.stderr).toBe(0);
    writeFileSync(join(out, 'head.json'), head.stdout);

    const db = openRaw(d);
    try {
      db.exec(
        'DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_checkpoints_no_update; DELETE FROM audit_checkpoints;',
      );
      const rows = db.prepare('SELECT * FROM audit_log ORDER BY id').all() as AuditRow[];
      const key = createPrivateKey(
        (db.prepare('SELECT private_key FROM audit_signing_key').get() as { private_key: string })
          .private_key,
      );
      let prev = '0'.repeat(64);
      const tree = MerkleFrontier.empty();
      for (const r of rows) {
        if (r.status === 'denied') r.reason = 'nothing to see here';
        // In the entry's own leaf format, as the writer computes it.
        r.leaf_hash = recomputeLeaf(r);
        r.chain_hash = chainHash(prev, r.leaf_hash);
        prev = r.chain_hash;
        tree.push(leafNode(r.leaf_hash));
        db.prepare(
          'UPDATE audit_log SET reason = ?, leaf_hash = ?, chain_hash = ? WHERE id = ?',
        ).run(r.reason, r.leaf_hash, r.chain_hash, r.id);
      }
      const last = rows[rows.length - 1]!;
      db.prepare("UPDATE settings SET value = ? WHERE key = 'audit.head'").run(
        JSON.stringify({ id: last.id, chain: prev }),
      );
      const cp = signCheckpoint(key, {
        seq: last.id,
        headHash: prev,
        time: new Date().toISOString(),
        treeRoot: tree.root().toString('hex'),
      });
      db.prepare(
        'INSERT INTO audit_checkpoints (seq, head_hash, time, signature, tree_root, tree_signature, frontier) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(
        cp.seq,
        cp.headHash,
        cp.time,
        cp.signature,
        cp.treeRoot,
        cp.treeSignature,
        JSON.stringify(tree.save()),
      );
    } finally {
      db.close();
    }
    const own = await airlock(['audit', 'verify', '--data-dir', d], { AIRLOCK_STORE_KEY: keyHex });
    expect(own.code, own.stdout).toBe(0);

    const denied = readReport('all.json').entries.find((x) => x.status === 'denied')!.seq;
    const vsReport = await airlock(
      ['audit', 'verify', '--data-dir', d, '--against', join(out, 'all.json')],
      { AIRLOCK_STORE_KEY: keyHex },
    );
    expect(vsReport.code, vsReport.stdout + vsReport.stderr).toBe(1);
    expect(vsReport.stdout).toMatch(new RegExp(`BROKEN at entry ${denied}\\b.*rewritten`));
    const vsHead = await airlock(
      ['audit', 'verify', '--data-dir', d, '--against', join(out, 'head.json'), '--json'],
      { AIRLOCK_STORE_KEY: keyHex },
    );
    expect(vsHead.code, vsHead.stdout + vsHead.stderr).toBe(1);
    expect(JSON.parse(vsHead.stdout)).toMatchObject({ ok: false, firstBroken: entryCount });
    // The untouched store matches the same report.
    const fine = await airlock(
      ['audit', 'verify', '--data-dir', source, '--against', join(out, 'all.json')],
      { AIRLOCK_STORE_KEY: keyHex },
    );
    expect(fine.code, fine.stdout + fine.stderr).toBe(0);
    expect(fine.stdout).toMatch(/matches the report kept elsewhere/);
  });
});
