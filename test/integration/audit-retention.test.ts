/**
 * Retention from the command line on a real store written by a running Airlock:
 * `airlock audit purge` leaves a signed anchor and `audit verify` still exits 0 naming it; a
 * forged anchor fails; reports made after a purge verify offline with no store; a log that
 * does not verify is never purged; usage errors and a store in use exit 2.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyAuditChain } from '../../src/main/audit/verify';
import { AuditVerifyResult } from '../../src/shared/contract/api';
import { openRawStore, runAirlock, type CliRun } from '../helpers/cli';
import { startTestAirlock, tempDir } from '../helpers/harness';

vi.setConfig({ testTimeout: 300_000 });

let source: string;
let keyHex: string;
let nowhere: string;
let entryCount: number;
let publicPem: string;
const work: string[] = [];

beforeAll(async () => {
  nowhere = tempDir('airlock-nostore-');
  source = tempDir('airlock-retention-src-');
  work.push(nowhere, source);
  const t = await startTestAirlock({ dataDir: source });
  keyHex = t.storeKeyHex;
  try {
    const reader = await t.createAgent('reader', [
      { connection: 'demo', table: 'orders', actions: ['read'] },
    ]);
    for (let i = 1; i <= 6; i++) {
      const res = await t.query(reader.apiKey, `SELECT id, total FROM orders WHERE id = ${i}`);
      expect(res.statusCode, res.body).toBe(200);
    }
    expect((await t.query(reader.apiKey, 'SELECT salary FROM employees')).statusCode).toBe(403);
    entryCount = (t.core.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number })
      .n;
    publicPem = t.core.signer.publicKeyPem;
  } finally {
    await t.close();
  }
  expect(entryCount).toBeGreaterThanOrEqual(9);
  writeFileSync(join(nowhere, 'airlock.pem'), publicPem);
}, 180_000);

afterAll(() => {
  for (const d of work) rmSync(d, { recursive: true, force: true });
});

function copyStore(): string {
  const d = tempDir('airlock-retention-');
  work.push(d);
  copyFileSync(join(source, 'airlock.db'), join(d, 'airlock.db'));
  return d;
}

const openRaw = (dir: string) => openRawStore(dir, keyHex);

const audit = (dir: string, args: string[]) =>
  runAirlock(['audit', ...args, '--data-dir', dir], {
    AIRLOCK_STORE_KEY: keyHex,
    AIRLOCK_HOME: undefined,
  });
const verifyJson = async (dir: string) => {
  const r = await audit(dir, ['verify', '--json']);
  return { run: r, out: AuditVerifyResult.strict().parse(JSON.parse(r.stdout)) };
};
const noStackTrace = (r: CliRun) => expect(`${r.stdout}${r.stderr}`).not.toMatch(/^\s{4}at /m);

describe('airlock audit purge', () => {
  it('--before SEQ purges the entries below it under a signed anchor; verify exits 0 and names the anchor', async () => {
    const d = copyStore();
    const p = await audit(d, ['purge', '--before', '5']);
    expect(p.code, p.stdout + p.stderr).toBe(0);
    expect(p.stdout).toMatch(/purged 4 entries before entry 5 under the signed anchor at entry 4/);
    const v = await audit(d, ['verify']);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/4 entries purged under anchor at entry 4 \(head [0-9a-f]{64}/);
    const { out } = await verifyJson(d);
    // The entries left, and the purge's own entry on the record.
    expect(out).toMatchObject({ ok: true, purged: 4, entries: entryCount - 4 + 1 });
    expect(out.anchor).toMatchObject({ seq: 4 });
    const db = openRaw(d);
    try {
      const last = db
        .prepare('SELECT action, details FROM audit_log ORDER BY id DESC LIMIT 1')
        .get() as { action: string; details: string };
      expect(last.action).toBe('admin.audit.purge');
      expect(JSON.parse(last.details)).toMatchObject({
        by: 'cli',
        purged: 4,
        anchor: { seq: 4, headHash: out.anchor!.headHash, treeRoot: out.anchor!.treeRoot },
      });
      expect((db.prepare('SELECT min(id) AS m FROM audit_log').get() as { m: number }).m).toBe(5);
    } finally {
      db.close();
    }
  });

  it('--before DATE purges what was written before it (the newest entry stays); --json', async () => {
    const d = copyStore();
    const p = await audit(d, ['purge', '--before', '2999-01-01T00:00:00Z', '--json']);
    expect(p.code, p.stdout + p.stderr).toBe(0);
    const run = JSON.parse(p.stdout) as {
      ok: boolean;
      purge: { purged: number; anchor: { seq: number } };
    };
    expect(run).toMatchObject({
      ok: true,
      purge: { purged: entryCount - 1, anchor: { seq: entryCount - 1 } },
    });
    const { out } = await verifyJson(d);
    expect(out).toMatchObject({
      ok: true,
      purged: entryCount - 1,
      entries: 2,
      headSeq: entryCount + 1,
    });
    // Nothing left before the anchor to purge: a second run changes nothing and says so.
    const again = await audit(d, ['purge', '--before', '1']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/nothing to purge before entry 1/);
  });

  it('a forged anchor (bad signature) fails verify, naming the anchor', async () => {
    const d = copyStore();
    expect((await audit(d, ['purge', '--before', '6'])).code).toBe(0);
    const db = openRaw(d);
    try {
      db.exec('DROP TRIGGER audit_anchors_no_update');
      const { signature } = db.prepare('SELECT signature FROM audit_anchors').get() as {
        signature: string;
      };
      const bad = Buffer.from(signature, 'base64');
      bad[0]! ^= 0x40;
      db.prepare('UPDATE audit_anchors SET signature = ?').run(bad.toString('base64'));
    } finally {
      db.close();
    }
    const v = await audit(d, ['verify']);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(
      /BROKEN at entry 5: the signature of the purge anchor at entry 5 does not verify/,
    );
    noStackTrace(v);
  });

  it('reports made after a purge verify offline, with no store and no key', async () => {
    const d = copyStore();
    expect((await audit(d, ['purge', '--before', '4'])).code).toBe(0);
    for (const [name, extra] of [
      ['after-purge.json', []],
      ['after-purge.csv', ['--format', 'csv']],
      ['denials.json', ['--status', 'denied']],
    ] as const) {
      const file = join(nowhere, name);
      const e = await audit(d, ['export', '--out', file, ...extra]);
      expect(e.code, e.stdout + e.stderr).toBe(0);
      const r = await runAirlock(
        ['audit', 'verify-report', file, '--public-key', join(nowhere, 'airlock.pem')],
        { AIRLOCK_STORE_KEY: undefined, AIRLOCK_HOME: nowhere },
        nowhere,
      );
      expect(r.code, `${name}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/report valid/);
    }
    const report = JSON.parse(readFileSync(join(nowhere, 'after-purge.json'), 'utf8')) as {
      range: { firstSeq: number };
    };
    expect(report.range.firstSeq).toBe(4);
  });

  it('refuses (exit 1) to purge entries that do not verify, and purges nothing', async () => {
    const d = copyStore();
    const db = openRaw(d);
    try {
      db.exec('DROP TRIGGER audit_log_no_update');
      db.prepare('UPDATE audit_log SET row_count = 77 WHERE id = 3').run();
    } finally {
      db.close();
    }
    const p = await audit(d, ['purge', '--before', '6']);
    expect(p.code).toBe(1);
    expect(p.stdout).toMatch(
      /purge REFUSED: the entries to purge do not verify \(entry 3 was changed\)/,
    );
    noStackTrace(p);
    const check = openRaw(d);
    try {
      expect((check.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n).toBe(
        entryCount,
      );
      expect(
        (check.prepare('SELECT count(*) AS n FROM audit_anchors').get() as { n: number }).n,
      ).toBe(0);
    } finally {
      check.close();
    }
  });

  it('usage errors and a store in use by a running Airlock exit 2', async () => {
    const d = copyStore();
    for (const args of [
      ['purge', '--before', 'yesterday-ish'],
      ['purge', '--before', '0'],
      ['purge', '--before'],
      ['purge', '--bogus'],
    ]) {
      const r = await audit(d, args);
      expect(r.code, args.join(' ')).toBe(2);
      noStackTrace(r);
    }
    // This test process stands for a running Airlock holding the data directory.
    writeFileSync(
      join(d, 'airlock.lock'),
      JSON.stringify({ pid: process.pid, what: 'serve', since: new Date().toISOString() }),
    );
    const busy = await audit(d, ['purge', '--before', '3']);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/in use by another Airlock process/);
    const { out } = await verifyJson(d);
    expect(out).toMatchObject({ ok: true, purged: 0, entries: entryCount });
  });
});

describe('POST /v1/admin/audit/purge (the settings applied at once, inside a running Airlock)', () => {
  it('anonymizes and purges per the settings; the trail verifies, names the anchor and counts the redacted fields', async () => {
    let now = Date.UTC(2026, 0, 1);
    const clock = { now: () => new Date(now), monotonicMs: () => performance.now() };
    const dir = tempDir('airlock-retention-api-');
    work.push(dir);
    const t = await startTestAirlock({ dataDir: dir, clock });
    const storeKey = t.storeKeyHex;
    try {
      const reader = await t.createAgent('patient-reader', [
        { connection: 'demo', table: 'orders', actions: ['read'] },
      ]);
      for (let i = 1; i <= 4; i++)
        expect(
          (
            await t.query(
              reader.apiKey,
              `SELECT id FROM orders WHERE status = 'paid' AND id = ${i}`,
            )
          ).statusCode,
        ).toBe(200);
      now += 10 * 86_400_000;
      // Written on day 10: kept whole by both settings.
      expect((await t.query(reader.apiKey, 'SELECT id FROM orders WHERE id = 5')).statusCode).toBe(
        200,
      );
      now += 86_400_000 / 2;
      t.core.settings.put({
        ...t.core.settings.get(),
        audit: { retentionDays: 5, anonymizeAfterDays: 0 },
      });
      const before = (
        t.core.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }
      ).n;
      const res = await t.admin('POST', '/v1/admin/audit/purge');
      expect(res.statusCode, res.body).toBe(200);
      const run = JSON.parse(res.body) as {
        anonymized: { entries: number; fields: number };
        purge: { purged: number; anchor: { seq: number } };
      };
      // Everything older than now is anonymized; what was written on day 0 is purged.
      expect(run.anonymized.entries).toBe(before);
      expect(run.purge.purged).toBe(before - 1);
      expect(run.purge.anchor.seq).toBe(before - 1);
      const v = verifyAuditChain(t.core.db);
      expect(v).toMatchObject({ ok: true, purged: before - 1, anchor: { seq: before - 1 } });
      // Counted over the entries left: the one query kept from day 10.
      const kept = t.core.db
        .prepare('SELECT leaf_fields FROM audit_log ORDER BY id LIMIT 1')
        .get() as { leaf_fields: string };
      const redactedLeft = Object.keys(
        (JSON.parse(kept.leaf_fields) as { redacted: object }).redacted,
      );
      expect(redactedLeft).toEqual(expect.arrayContaining(['actor', 'statement']));
      expect(v.redacted).toBe(redactedLeft.length);
      expect(run.anonymized.fields).toBeGreaterThan(redactedLeft.length);
      const left = t.core.db
        .prepare('SELECT actor, action, statement FROM audit_log ORDER BY id')
        .all() as { actor: string; action: string; statement: string | null }[];
      expect(left.map((e) => e.action)).toEqual([
        left[0]!.action,
        'admin.audit.anonymize',
        'admin.audit.purge',
      ]);
      expect(left[0]!.statement).toMatch(/^SELECT id FROM orders WHERE id = anon-[0-9a-f]{12}$/);
      expect(JSON.stringify(left)).not.toMatch(/patient-reader|= 5/);
      expect(left[0]!.actor).toMatch(/^agent:anon-[0-9a-f]{12}$/);
      // Nothing more to do: a second call changes nothing.
      const again = await t.admin('POST', '/v1/admin/audit/purge');
      expect(JSON.parse(again.body)).toMatchObject({
        anonymized: { entries: 0 },
        purge: { purged: 0, anchor: null },
      });
    } finally {
      await t.close();
    }
    // After a clean stop, the command line agrees.
    const r = await runAirlock(['audit', 'verify', '--data-dir', dir], {
      AIRLOCK_STORE_KEY: storeKey,
      AIRLOCK_HOME: undefined,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/entries purged under anchor at entry \d+/);
    expect(r.stdout).toMatch(/fields redacted by anonymization/);
  });
});
