/**
 * Retention and anonymization on an in-memory store: per-field commitments (leaf format 2),
 * anonymization that keeps the chain, the tree and the checkpoints verifying, purges under a
 * signed anchor, reports after a purge verified offline, and old-format (format 1) entries.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuditLog, AUDIT_HEAD_KEY } from '../../src/main/audit/audit-log';
import { rowLeafFields, type AuditRow } from '../../src/main/audit/audit-rows';
import {
  GENESIS,
  chainHash,
  fieldCommitment,
  leafHash,
  leafHashV2,
  newLeafFields,
} from '../../src/main/audit/chain';
import { verifyAgainst } from '../../src/main/audit/against';
import { Checkpointer, listCheckpoints } from '../../src/main/audit/checkpoints';
import { buildReport } from '../../src/main/audit/report/build-report';
import { signedPart, type AuditReport } from '../../src/main/audit/report/report-format';
import { signJson } from '../../src/main/audit/report/signature';
import { verifyReport } from '../../src/main/audit/report/verify-report';
import {
  anonymizeBefore,
  applyRetention,
  purgeThrough,
  PurgeRefused,
  pseudonymizer,
} from '../../src/main/audit/retention';
import { latestAnchor, signAnchor } from '../../src/main/audit/retention-anchor';
import { retentionPolicyOf } from '../../src/main/audit/retention-settings';
import { ensureSigningKey, type AuditSigner } from '../../src/main/audit/signing-key';
import { verifyAuditChain } from '../../src/main/audit/verify';
import { migrate } from '../../src/main/store/migrations';
import type { AuditRecord } from '../../src/shared/domain';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const clock = { now: () => new Date(T0 + 400 * DAY), monotonicMs: () => performance.now() };

/** Entry i is written on day i (so "older than N days" is a clean cut). */
function record(i: number): AuditRecord {
  const agent = i % 3 === 0 ? 'alice-bot' : 'bob-bot';
  return {
    time: new Date(T0 + i * DAY).toISOString(),
    actor: `agent:${agent}`,
    action: i % 4 === 0 ? 'ask' : 'query',
    connection: 'demo',
    statement: `SELECT name FROM patients WHERE email = 'p${i}@example.org' AND age > ${40 + i}`,
    paramsHash: i % 2 ? 'ab'.repeat(32) : null,
    decision: i % 5 === 0 ? 'deny' : 'allow',
    rule: 'grant 1',
    reason: i % 5 === 0 ? `agent '${agent}' may not read patients.ssn` : null,
    status: i % 5 === 0 ? 'denied' : 'allowed',
    rowCount: i,
    latencyMs: 1.5,
    details:
      i % 4 === 0
        ? {
            agentId: `a-${i % 3 === 0 ? 1 : 2}`,
            question: `what is the diagnosis of patient ${i}?`,
            approvalId: `ap-${i}`,
          }
        : { agentId: `a-${i % 3 === 0 ? 1 : 2}` },
  };
}

async function store(n: number, from = 1) {
  const db = new Database(':memory:');
  migrate(db);
  const signer = ensureSigningKey(db, clock.now);
  await append(db, signer, n, from);
  return { db, signer };
}

async function append(
  db: Database.Database,
  signer: AuditSigner,
  n: number,
  from = 1,
  cleanStop = true,
) {
  const log = new AuditLog(db);
  const checkpoints = new Checkpointer(db, signer, clock);
  log.onDurable((e) => checkpoints.observe(e));
  for (let i = from; i < from + n; i++) void log.append(record(i));
  await log.close();
  if (cleanStop) checkpoints.close();
  return log;
}

const rows = (db: Database.Database) =>
  db.prepare('SELECT * FROM audit_log ORDER BY id').all() as AuditRow[];
const row = (db: Database.Database, id: number) =>
  db.prepare('SELECT * FROM audit_log WHERE id = ?').get(id) as AuditRow;
const deps = (db: Database.Database, signer: AuditSigner) => {
  const log = new AuditLog(db);
  return { log, deps: { db, signer, append: (r: AuditRecord) => log.append(r), clock } };
};

describe('leaf format 2: per-field commitments', () => {
  it('each salted field has its own random salt; the leaf changes with any field, the id or a salt', () => {
    const r = record(4);
    const lf = newLeafFields(r);
    // Salted: the fields anonymization may redact, null or not, and every key of details.
    expect(Object.keys(lf.salt).sort()).toEqual([
      'actor',
      'details.agentId',
      'details.approvalId',
      'details.question',
      'paramsHash',
      'reason',
      'statement',
    ]);
    expect(new Set(Object.values(lf.salt)).size).toBe(Object.keys(lf.salt).length);
    const base = leafHashV2(7, r, lf);
    expect(leafHashV2(8, r, lf)).not.toBe(base);
    for (const over of [
      { actor: 'agent:mallory' },
      { status: 'denied' as const },
      { rowCount: 5 },
      { details: { ...r.details, question: 'other' } },
    ])
      expect(leafHashV2(7, { ...r, ...over }, lf)).not.toBe(base);
    // A details key added afterwards has no salt: the entry no longer fits its commitments.
    expect(() => leafHashV2(7, { ...r, details: { ...r.details, extra: 1 } }, lf)).toThrow(
      /details.extra lost its salt/,
    );
    const other = { ...lf, salt: { ...lf.salt, actor: newLeafFields(r).salt.actor! } };
    expect(leafHashV2(7, r, other)).not.toBe(base);
    // Format 1 is a different leaf for the same record.
    expect(leafHash(7, r)).not.toBe(base);
  });

  it('a redacted field verifies by its commitment alone; a salt dropped without its commitment does not', () => {
    const r = record(4);
    const lf = newLeafFields(r);
    const leaf = leafHashV2(3, r, lf);
    const { question: _q, ...kept } = lf.salt;
    const redacted = {
      v: 2 as const,
      salt: kept,
      redacted: {
        'details.question': fieldCommitment(
          'details.question',
          lf.salt['details.question']!,
          r.details!.question,
        ),
      },
    };
    const anon = { ...r, details: { ...r.details, question: 'anon-1' } };
    delete (redacted.salt as Record<string, string>)['details.question'];
    expect(leafHashV2(3, anon, redacted)).toBe(leaf);
    expect(() => leafHashV2(3, anon, { v: 2, salt: redacted.salt })).toThrow(/lost its salt/);
    expect(() =>
      leafHashV2(3, anon, {
        ...redacted,
        redacted: { ...redacted.redacted, 'details.nothing': 'a'.repeat(64) },
      }),
    ).toThrow(/lacks/);
  });

  it('new entries are written in format 2 and verify', async () => {
    const { db } = await store(30);
    expect(rows(db).every((r) => rowLeafFields(r)?.v === 2)).toBe(true);
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, entries: 30, purged: 0 });
    expect(verifyAuditChain(db).redacted).toBeUndefined();
  });
});

describe('anonymization', () => {
  it('replaces personal fields by stable pseudonyms, keeps every hash, and verify still passes and counts them', async () => {
    const { db, signer } = await store(40);
    const before = rows(db);
    const r = anonymizeBefore(db, signer, new Date(T0 + 21 * DAY));
    expect(r.entries).toBe(20);
    const after = rows(db);
    for (const [i, a] of after.entries()) {
      expect(a.leaf_hash).toBe(before[i]!.leaf_hash);
      expect(a.chain_hash).toBe(before[i]!.chain_hash);
    }
    const text = JSON.stringify(after.slice(0, 20));
    expect(text).not.toMatch(/alice-bot|bob-bot|example\.org|diagnosis|\b4[1-9]\b/);
    // Not personal: kept as they were.
    expect(after[3]!.details).toContain('"approvalId":"ap-4"');
    expect(after[3]!.details).toContain('"agentId":"a-2"');
    // Stable: the same agent reads the same in every entry, and the SQL's shape stays.
    expect(after[2]!.actor).toBe(after[5]!.actor);
    expect(after[2]!.actor).not.toBe(after[0]!.actor);
    expect(after[2]!.actor).toMatch(/^agent:anon-[0-9a-f]{12}$/);
    expect(after[0]!.statement).toMatch(
      /^SELECT name FROM patients WHERE email = 'anon-[0-9a-f]{12}' AND age > anon-[0-9a-f]{12}$/,
    );
    expect(after[4]!.reason).toMatch(/^agent 'anon-[0-9a-f]{12}' may not read patients\.ssn$/);
    // The dropped salts are gone: nothing left to test a guess against.
    const lf = rowLeafFields(after[3]!)!;
    expect(lf.salt.actor).toBeUndefined();
    expect(Object.keys(lf.redacted!).sort()).toEqual(['actor', 'details.question', 'statement']);
    // Entries after the cutoff are untouched.
    expect(after[30]!.actor).toBe(before[30]!.actor);
    const v = verifyAuditChain(db);
    expect(v).toMatchObject({ ok: true, entries: 40, checkpoints: 1 });
    const fields = after.reduce(
      (n, a) => n + Object.keys(rowLeafFields(a)!.redacted ?? {}).length,
      0,
    );
    expect(v.redacted).toBe(fields);
    expect(fields).toBe(r.fields);
    // Idempotent: a second run has nothing to do.
    expect(anonymizeBefore(db, signer, new Date(T0 + 21 * DAY)).entries).toBe(0);
    // The search index no longer finds the names either.
    const hits = db
      .prepare("SELECT count(*) AS n FROM audit_search WHERE audit_search MATCH 'diagnosis'")
      .get() as { n: number };
    // Questions were asked in entries 4, 8, … 40; those of 4–20 were anonymized.
    expect(hits.n).toBe(5);
  });

  it('a changed redacted commitment fails and names the entry', async () => {
    const { db, signer } = await store(12);
    anonymizeBefore(db, signer, new Date(T0 + 13 * DAY));
    const r = row(db, 8);
    const lf = rowLeafFields(r)!;
    lf.redacted!['details.question'] = 'f'.repeat(64);
    // The engine lets leaf_fields change (that is how anonymization writes): the chain catches it.
    db.prepare('UPDATE audit_log SET leaf_fields = ? WHERE id = 8').run(JSON.stringify(lf));
    expect(verifyAuditChain(db)).toMatchObject({
      ok: false,
      firstBroken: 8,
      problem: 'entry 8 was changed after it was written',
    });
  });

  it('an anonymized entry with a kept field changed, or a salt put back beside its commitment, fails', async () => {
    const { db, signer } = await store(12);
    anonymizeBefore(db, signer, new Date(T0 + 13 * DAY));
    const lf = rowLeafFields(row(db, 6))!;
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare('UPDATE audit_log SET row_count = 7 WHERE id = 6').run();
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, firstBroken: 6 });
    db.prepare('UPDATE audit_log SET row_count = 6 WHERE id = 6').run();
    expect(verifyAuditChain(db).ok).toBe(true);
    const forged = { ...lf, salt: { ...lf.salt, actor: 'AAAAAAAAAAAAAAAAAAAAAA' } };
    db.prepare('UPDATE audit_log SET leaf_fields = ? WHERE id = 6').run(JSON.stringify(forged));
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, firstBroken: 6 });
  });

  it('the engine still refuses a plain edit or delete of an entry', async () => {
    const { db } = await store(3);
    expect(() => db.prepare("UPDATE audit_log SET actor = 'x' WHERE id = 1").run()).toThrow(
      /append-only/,
    );
    expect(() =>
      db
        .prepare("UPDATE audit_log SET actor = 'x', leaf_fields = '{}', row_count = 9 WHERE id = 1")
        .run(),
    ).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE id = 1').run()).toThrow(/append-only/);
  });

  it('pseudonyms are keyed by the store: another store names the same agent differently', () => {
    const signerOf = () => {
      const d = new Database(':memory:');
      migrate(d);
      return ensureSigningKey(d);
    };
    const [a, b] = [signerOf(), signerOf()];
    expect(pseudonymizer(a)('alice-bot')).toBe(pseudonymizer(a)('alice-bot'));
    expect(pseudonymizer(a)('alice-bot')).not.toBe(pseudonymizer(b)('alice-bot'));
  });
});

describe('purge under a signed anchor', () => {
  it('deletes the entries, leaves an anchor, and verify passes naming it; the log goes on from it', async () => {
    const { db, signer } = await store(2500);
    const headBefore = verifyAuditChain(db);
    const at1700 = row(db, 1700).chain_hash;
    const { purged, anchor } = purgeThrough(db, signer, 1700, clock.now());
    expect(purged).toBe(1700);
    expect(anchor).toMatchObject({ seq: 1700, headHash: at1700 });
    expect(
      db.prepare('SELECT min(id) AS m, count(*) AS n FROM audit_log').get() as {
        m: number;
        n: number;
      },
    ).toEqual({ m: 1701, n: 800 });
    const v = verifyAuditChain(db);
    expect(v).toMatchObject({
      ok: true,
      entries: 800,
      purged: 1700,
      headSeq: 2500,
      headHash: headBefore.headHash,
      anchor: { seq: 1700, headHash: anchor!.headHash, treeRoot: anchor!.treeRoot },
    });
    // Checkpoints at 1000 (under the anchor: signature checked), 2000 and the head.
    expect(v.checkpoints).toBe(3);
    // More entries, a restart of the checkpointer (it resumes from its last checkpoint), another purge.
    await append(db, signer, 600, 2501);
    expect(verifyAuditChain(db)).toMatchObject({
      ok: true,
      entries: 1400,
      purged: 1700,
      headSeq: 3100,
    });
    expect(purgeThrough(db, signer, 2999, clock.now()).purged).toBe(1299);
    expect(verifyAuditChain(db)).toMatchObject({
      ok: true,
      entries: 101,
      purged: 2999,
      headSeq: 3100,
    });
  });

  it('the checkpointer goes on from an anchor past its last checkpoint', async () => {
    const db = new Database(':memory:');
    migrate(db);
    const signer = ensureSigningKey(db, clock.now);
    await append(db, signer, 1800, 1, false);
    expect(listCheckpoints(db).map((c) => c.seq)).toEqual([1000]);
    purgeThrough(db, signer, 1500, clock.now());
    await append(db, signer, 700, 1801);
    expect(listCheckpoints(db).map((c) => c.seq)).toEqual([1000, 2000, 2500]);
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, entries: 1000, checkpoints: 3 });
  });

  it('keeps the newest entry: the chain goes on from it', async () => {
    const { db, signer } = await store(5);
    expect(purgeThrough(db, signer, 99, clock.now())).toMatchObject({ purged: 4 });
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, entries: 1, purged: 4, headSeq: 5 });
    expect(purgeThrough(db, signer, 99, clock.now())).toEqual({ purged: 0, anchor: null });
  });

  it('a forged anchor (bad signature) fails verify', async () => {
    const { db, signer } = await store(20);
    const { anchor } = purgeThrough(db, signer, 10, clock.now());
    db.exec('DROP TRIGGER audit_anchors_no_update');
    const sig = Buffer.from(anchor!.signature, 'base64');
    sig[5]! ^= 1;
    db.prepare('UPDATE audit_anchors SET signature = ?').run(sig.toString('base64'));
    expect(verifyAuditChain(db)).toMatchObject({
      ok: false,
      firstBroken: 10,
      problem: expect.stringMatching(/signature of the purge anchor at entry 10 does not verify/),
    });
  });

  it('an anchor signed by another key, or moved to hide more entries, fails verify', async () => {
    const { db, signer } = await store(20);
    const { anchor } = purgeThrough(db, signer, 10, clock.now());
    const other = generateKeyPairSync('ed25519').privateKey;
    db.exec('DROP TRIGGER audit_anchors_no_update; DROP TRIGGER audit_anchors_no_delete');
    db.prepare('UPDATE audit_anchors SET signature = ?').run(signAnchor(other, anchor!).signature);
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, firstBroken: 10 });
    // Re-signed properly but claiming a later cut: the chain no longer links after it.
    db.prepare('DELETE FROM audit_anchors').run();
    const moved = signAnchor(signer.privateKey, { ...anchor!, seq: 12 });
    db.prepare(
      'INSERT INTO audit_anchors (seq, head_hash, tree_root, time, frontier, signature) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(
      moved.seq,
      moved.headHash,
      moved.treeRoot,
      moved.time,
      JSON.stringify(moved.frontier),
      moved.signature,
    );
    expect(verifyAuditChain(db).ok).toBe(false);
  });

  it('entries deleted without an anchor are caught as missing', async () => {
    const { db } = await store(20);
    db.exec('DROP TRIGGER audit_log_no_delete');
    db.prepare('DELETE FROM audit_log WHERE id <= 5').run();
    expect(verifyAuditChain(db)).toMatchObject({ ok: false, firstBroken: 1 });
  });

  it('refuses to purge entries that do not verify, and purges nothing', async () => {
    const { db, signer } = await store(20);
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare('UPDATE audit_log SET row_count = 99 WHERE id = 7').run();
    expect(() => purgeThrough(db, signer, 15, clock.now())).toThrow(PurgeRefused);
    expect(latestAnchor(db)).toBeNull();
    expect((db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n).toBe(20);
  });

  it('anonymized, then purged: verify passes with both', async () => {
    const { db, signer } = await store(50);
    anonymizeBefore(db, signer, new Date(T0 + 40 * DAY));
    purgeThrough(db, signer, 20, clock.now());
    const v = verifyAuditChain(db);
    expect(v).toMatchObject({ ok: true, entries: 30, purged: 20 });
    expect(v.redacted).toBeGreaterThan(0);
  });
});

describe('reports after a purge and an anonymization verify offline', () => {
  async function reportOf(db: Database.Database, signer: AuditSigner, req = {}) {
    return buildReport(
      { db, signer, checkpoints: new Checkpointer(db, signer, clock), now: clock.now },
      req,
    );
  }

  it('the whole remaining log, a later range and a filtered report', async () => {
    const { db, signer } = await store(1300);
    anonymizeBefore(db, signer, new Date(T0 + 1100 * DAY));
    purgeThrough(db, signer, 777, clock.now());
    for (const req of [
      {},
      {
        from: new Date(T0 + 1000 * DAY).toISOString(),
        to: new Date(T0 + 1200 * DAY).toISOString(),
      },
      { filters: { status: 'denied' as const } },
      { from: new Date(T0 + 1290 * DAY).toISOString() },
    ]) {
      const r = await reportOf(db, signer, req);
      expect(r.entries[0]!.seq).toBeGreaterThan(777);
      const v = verifyReport({
        report: JSON.parse(JSON.stringify(r)),
        expectedKey: signer.publicKey,
      });
      expect(v, JSON.stringify(req)).toMatchObject({ ok: true });
    }
    const all = await reportOf(db, signer);
    expect(all.entries).toHaveLength(1300 - 777);
    expect(all.range.firstSeq).toBe(778);
    expect(all.entries.find((e) => e.seq === 800)!.leafFields!.redacted).toBeDefined();
  });

  it('a changed redacted commitment in a report names the entry, even re-signed', async () => {
    const { db, signer } = await store(30);
    anonymizeBefore(db, signer, new Date(T0 + 25 * DAY));
    purgeThrough(db, signer, 5, clock.now());
    const r = JSON.parse(JSON.stringify(await reportOf(db, signer))) as AuditReport;
    const e = r.entries.find((x) => x.seq === 8)!;
    e.leafFields!.redacted!['details.question'] = '0'.repeat(64);
    const resigned = { ...r, signature: signJson(signer.privateKey, signedPart(r)) };
    expect(verifyReport({ report: resigned })).toMatchObject({ ok: false, badEntry: 8 });
    // A pseudonym put back to a guessed value with a made-up salt: also caught.
    const r2 = JSON.parse(JSON.stringify(await reportOf(db, signer))) as AuditReport;
    const e2 = r2.entries.find((x) => x.seq === 9)!;
    delete e2.leafFields!.redacted!.actor;
    e2.leafFields!.salt.actor = 'AAAAAAAAAAAAAAAAAAAAAA';
    e2.actor = 'agent:bob-bot';
    expect(
      verifyReport({ report: { ...r2, signature: signJson(signer.privateKey, signedPart(r2)) } }),
    ).toMatchObject({ ok: false, badEntry: 9 });
  });
});

describe('old-format (leaf format 1) stores', () => {
  /** Entries written as Airlock did before format 2: leaf over the whole record, no leaf_fields. */
  function writeFormat1(db: Database.Database, n: number) {
    let prev = GENESIS;
    const insert =
      db.prepare(`INSERT INTO audit_log (id, time, actor, action, connection, statement,
      params_hash, decision, rule, reason, status, row_count, latency_ms, details, leaf_hash, chain_hash)
      VALUES (@id, @time, @actor, @action, @connection, @statement, @paramsHash, @decision, @rule,
      @reason, @status, @rowCount, @latencyMs, @details, @leaf, @chain)`);
    for (let id = 1; id <= n; id++) {
      const r = record(id);
      const leaf = leafHash(id, r);
      prev = chainHash(prev, leaf);
      insert.run({ id, ...r, details: JSON.stringify(r.details), leaf, chain: prev });
    }
    db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(
      AUDIT_HEAD_KEY,
      JSON.stringify({ id: n, chain: prev }),
    );
  }

  it('still verifies, alone and continued in format 2; anonymization leaves it be; a purge covers it', async () => {
    const db = new Database(':memory:');
    migrate(db);
    const signer = ensureSigningKey(db, clock.now);
    writeFormat1(db, 1200);
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, entries: 1200 });
    await append(db, signer, 100, 1201);
    expect(rowLeafFields(row(db, 1200))).toBeNull();
    expect(rowLeafFields(row(db, 1201))?.v).toBe(2);
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, entries: 1300 });
    const anon = anonymizeBefore(db, signer, new Date(T0 + 1250 * DAY));
    expect(anon.entries).toBe(49); // 1201–1249: the format 1 entries have no commitments to keep
    expect(row(db, 5).actor).toBe(record(5).actor);
    purgeThrough(db, signer, 1100, clock.now());
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, entries: 200, purged: 1100 });
    const report = await buildReport(
      { db, signer, checkpoints: new Checkpointer(db, signer, clock), now: clock.now },
      {},
    );
    expect(report.entries[0]).not.toHaveProperty('leafFields');
    expect(verifyReport({ report: JSON.parse(JSON.stringify(report)) })).toMatchObject({
      ok: true,
      entries: 200,
    });
  });
});

describe('retention settings applied', () => {
  it('anonymizes and purges per the settings and records both in the audit', async () => {
    const { db, signer } = await store(100);
    const { log, deps: d } = deps(db, signer);
    // clock.now is day 400: entries 1–100 were written on days 1–100.
    const run = await applyRetention(
      d,
      retentionPolicyOf({ audit: { retentionDays: 340, anonymizeAfterDays: 330 } }),
    );
    await log.close();
    expect(run.anonymized).toMatchObject({ entries: 69 });
    expect(run.purge).toMatchObject({ purged: 59, anchor: { seq: 59 } });
    const entries = db
      .prepare(
        "SELECT action, details FROM audit_log WHERE action LIKE 'admin.audit.%' ORDER BY id",
      )
      .all() as { action: string; details: string }[];
    expect(entries.map((e) => e.action)).toEqual(['admin.audit.anonymize', 'admin.audit.purge']);
    expect(JSON.parse(entries[1]!.details)).toMatchObject({ purged: 59, anchor: { seq: 59 } });
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, purged: 59, entries: 43 });
  });

  it('neither setting: nothing changes', async () => {
    const { db, signer } = await store(10);
    const { log, deps: d } = deps(db, signer);
    expect(await applyRetention(d, retentionPolicyOf({}))).toEqual({
      anonymized: null,
      purge: null,
    });
    await log.close();
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, entries: 10, purged: 0 });
  });
});

describe('verify --against a copy kept from before', () => {
  it('a report and a checkpoint kept before anonymization and a purge still match; a rewrite after them does not', async () => {
    const { db, signer } = await store(1200);
    const kept = JSON.parse(
      JSON.stringify(
        await buildReport(
          { db, signer, checkpoints: new Checkpointer(db, signer, clock), now: clock.now },
          {},
        ),
      ),
    ) as AuditReport;
    anonymizeBefore(db, signer, new Date(T0 + 1100 * DAY));
    purgeThrough(db, signer, 900, clock.now());
    expect(verifyAgainst(db, kept)).toMatchObject({ ok: true, kind: 'report', through: 1200 });
    for (const cp of listCheckpoints(db))
      expect(verifyAgainst(db, cp), `checkpoint ${cp.seq}`).toMatchObject({ ok: true });
    // Entry 1000 rewritten (hashes and all) after the copy was kept: caught.
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare('UPDATE audit_log SET chain_hash = ? WHERE id = 1000').run('0'.repeat(64));
    expect(verifyAgainst(db, kept)).toMatchObject({ ok: false, firstBroken: 1000 });
  });
});
