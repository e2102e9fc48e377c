/**
 * Signed checkpoints and offline report verification, in process on an in-memory store:
 * checkpoints every 1,000 entries and on demand, `verifyAuditChain` checking each one, and
 * `verifyReport` catching each class of tampering in many variants (every field of an entry,
 * deletions anywhere, reorders, signatures, keys, proofs, checkpoints, CSV rows and bytes).
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { generateKeyPairSync, verify as cryptoVerify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/main/audit/audit-log';
import { Checkpointer, listCheckpoints } from '../../src/main/audit/checkpoints';
import { buildReport } from '../../src/main/audit/report/build-report';
import { signCheckpoint } from '../../src/main/audit/report/checkpoint';
import { recordOf, signedPart, type AuditReport } from '../../src/main/audit/report/report-format';
import { leafHash } from '../../src/main/audit/chain';
import { fingerprintOf, signJson } from '../../src/main/audit/report/signature';
import { verifyReport } from '../../src/main/audit/report/verify-report';
import { reportFiles } from '../../src/main/audit/report/write-report';
import { ensureSigningKey, type AuditSigner } from '../../src/main/audit/signing-key';
import { verifyAuditChain } from '../../src/main/audit/verify';
import { migrate } from '../../src/main/store/migrations';
import type { AuditRecord } from '../../src/shared/domain';

const clock = {
  now: () => new Date('2026-03-01T12:00:00.000Z'),
  monotonicMs: () => performance.now(),
};

function record(i: number): AuditRecord {
  return {
    time: new Date(Date.UTC(2026, 2, 1, 0, 0, i)).toISOString(),
    actor: `agent:${i % 3 === 0 ? 'reader' : 'writer'}`,
    action: 'query',
    connection: i % 2 ? 'demo' : 'sales',
    statement: `SELECT ${i} FROM t WHERE note = 'x,"y"'`,
    paramsHash: null,
    decision: i % 5 === 0 ? 'deny' : 'allow',
    rule: i % 5 === 0 ? 'no grant' : 'grant 1',
    reason: i % 5 === 0 ? 'may not read t.secret' : null,
    status: i % 5 === 0 ? 'denied' : 'allowed',
    rowCount: i % 5 === 0 ? null : i,
    latencyMs: i / 10,
    details: { i, nested: { k: [1, 2, i] } },
  };
}

async function store(n: number) {
  const db = new Database(':memory:');
  migrate(db);
  const signer = ensureSigningKey(db, clock.now);
  const log = new AuditLog(db);
  const checkpoints = new Checkpointer(db, signer, clock);
  log.onDurable((e) => checkpoints.observe(e));
  for (let i = 1; i <= n; i++) void log.append(record(i));
  await log.close();
  return { db, signer, checkpoints };
}

describe('signed checkpoints', () => {
  it('one at every multiple of 1,000, each checked by verify; a clean stop adds one at the head', async () => {
    const { db, checkpoints } = await store(2500);
    expect(listCheckpoints(db).map((c) => c.seq)).toEqual([1000, 2000]);
    checkpoints.close();
    expect(listCheckpoints(db).map((c) => c.seq)).toEqual([1000, 2000, 2500]);
    const v = verifyAuditChain(db);
    expect(v).toMatchObject({ ok: true, entries: 2500, headSeq: 2500, checkpoints: 3, purged: 0 });
    expect(v.headHash).toBe(
      (
        db.prepare('SELECT chain_hash FROM audit_log WHERE id = 2500').get() as {
          chain_hash: string;
        }
      ).chain_hash,
    );
  });

  it('the signature is Ed25519 over the canonical JSON of exactly { seq, headHash, time } (the contract)', async () => {
    const { db, signer } = await store(1000);
    const [c] = listCheckpoints(db);
    expect(Object.keys(c!).sort()).toEqual([
      'headHash',
      'seq',
      'signature',
      'time',
      'treeRoot',
      'treeSignature',
    ]);
    const msg = Buffer.from(
      `{"headHash":${JSON.stringify(c!.headHash)},"seq":${c!.seq},"time":${JSON.stringify(c!.time)}}`,
    );
    expect(cryptoVerify(null, msg, signer.publicKey, Buffer.from(c!.signature, 'base64'))).toBe(
      true,
    );
    const tree = Buffer.from(
      `{"headHash":${JSON.stringify(c!.headHash)},"seq":${c!.seq},"time":${JSON.stringify(c!.time)},"treeRoot":${JSON.stringify(c!.treeRoot)}}`,
    );
    expect(
      cryptoVerify(null, tree, signer.publicKey, Buffer.from(c!.treeSignature, 'base64')),
    ).toBe(true);
  });

  it('the checkpointer resumes from its saved tree edge after a restart', async () => {
    const { db, signer } = await store(1500);
    const again = new Checkpointer(db, signer, clock);
    const cp = again.checkpointNow()!;
    expect(cp.seq).toBe(1500);
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, checkpoints: 2 });
  });

  describe('verify refuses a checkpoint that does not hold', () => {
    const forge = async (
      edit: (db: InstanceType<typeof Database>, signer: AuditSigner) => void,
    ) => {
      const { db, signer } = await store(1200);
      db.exec('DROP TRIGGER audit_checkpoints_no_update');
      edit(db, signer);
      return verifyAuditChain(db);
    };
    it('a changed signature', async () => {
      const v = await forge((db) =>
        db.prepare("UPDATE audit_checkpoints SET signature = 'AAAA' || substr(signature, 5)").run(),
      );
      expect(v).toMatchObject({ ok: false, firstBroken: 1000 });
      expect(v.problem).toMatch(/signature/);
    });
    it('a changed head hash', async () => {
      const v = await forge((db) =>
        db.prepare("UPDATE audit_checkpoints SET head_hash = '" + 'ab'.repeat(32) + "'").run(),
      );
      expect(v.ok).toBe(false);
    });
    it('a changed tree root, re-signed by another key', async () => {
      const v = await forge((db) => {
        const other = generateKeyPairSync('ed25519');
        const c = listCheckpoints(db)[0]!;
        const f = signCheckpoint(other.privateKey, { ...c, treeRoot: 'cd'.repeat(32) });
        db.prepare(
          'UPDATE audit_checkpoints SET tree_root = ?, signature = ?, tree_signature = ? WHERE seq = ?',
        ).run(f.treeRoot, f.signature, f.treeSignature, c.seq);
      });
      expect(v).toMatchObject({ ok: false, firstBroken: 1000 });
    });
    it('a checkpoint past the end of the log (tail cut, head moved back)', async () => {
      const v = await forge((db) => {
        db.exec('DROP TRIGGER audit_log_no_delete');
        db.prepare('DELETE FROM audit_log WHERE id > 900').run();
        const last = db.prepare('SELECT chain_hash FROM audit_log WHERE id = 900').get() as {
          chain_hash: string;
        };
        db.prepare("UPDATE settings SET value = ? WHERE key = 'audit.head'").run(
          JSON.stringify({ id: 900, chain: last.chain_hash }),
        );
      });
      expect(v).toMatchObject({ ok: false, firstBroken: 901 });
      expect(v.problem).toMatch(/checkpoint/);
    });
  });
});

describe('verifyReport: every class of tampering, many variants', () => {
  let signer: AuditSigner;
  let full: AuditReport;
  let filtered: AuditReport;
  let middle: AuditReport;
  const N = 60;

  beforeAll(async () => {
    const s = await store(N);
    signer = s.signer;
    const src = { db: s.db, signer, checkpoints: s.checkpoints, now: clock.now };
    full = await buildReport(src, {});
    filtered = await buildReport(src, { filters: { status: 'denied' } });
    middle = await buildReport(src, { from: record(20).time, to: record(40).time });
  });

  const resign = (r: AuditReport): AuditReport =>
    ({ ...signedPart(r), signature: signJson(signer.privateKey, signedPart(r)) }) as AuditReport;
  const check = (r: unknown, expectedKey = signer.publicKey) =>
    verifyReport({ report: r, expectedKey });

  it('honest reports verify, full and filtered', () => {
    expect(check(full)).toMatchObject({ ok: true, entries: N, fingerprint: signer.fingerprint });
    expect(check(filtered)).toMatchObject({ ok: true, entries: 12 });
    expect(filtered.entries.every((e) => e.status === 'denied')).toBe(true);
    expect(check(middle)).toMatchObject({ ok: true, entries: 21 });
    expect(middle.entries.map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 20));
  });

  const FIELDS: [string, unknown][] = [
    ['time', '2030-01-01T00:00:00.000Z'],
    ['actor', 'agent:mallory'],
    ['action', 'write'],
    ['connection', 'other'],
    ['statement', 'SELECT 1'],
    ['paramsHash', 'ab'],
    ['decision', 'needs_approval'],
    ['rule', 'rule 9'],
    ['reason', 'fine'],
    ['status', 'error'],
    ['rowCount', 99999],
    ['latencyMs', 1.5],
    ['details', { i: -1 }],
  ];

  it('any field of any entry changed: named, even with the report re-signed by its own key', () => {
    for (const at of [0, 1, 17, N - 1]) {
      for (const [field, value] of FIELDS) {
        const r = structuredClone(full);
        (r.entries[at] as unknown as Record<string, unknown>)[field] = value;
        const v = check(r);
        expect(v, `${field} of entry ${at + 1}`).toMatchObject({ ok: false, badEntry: at + 1 });
        const v2 = check(resign(r));
        expect(v2, `${field} of entry ${at + 1}, re-signed`).toMatchObject({
          ok: false,
          badEntry: at + 1,
        });
      }
    }
  });

  it('a field changed with its leaf hash recomputed (and re-signed): the chain or the Merkle proof fails', () => {
    for (const base of [full, filtered, middle]) {
      for (const at of [0, 5, base.entries.length - 1]) {
        const r = structuredClone(base);
        const e = r.entries[at]!;
        e.reason = 'rewritten';
        e.leafHash = leafHash(e.seq, recordOf(e));
        const v = check(resign(r));
        expect(v.ok, `entry ${e.seq}`).toBe(false);
      }
    }
  });

  it('an entry deleted at the start, middle or end: the first missing one is named', () => {
    for (const at of [0, 1, 29, N - 2, N - 1]) {
      const r = structuredClone(full);
      r.entries.splice(at, 1);
      const v = check(r);
      expect(v.ok, `deleted ${at + 1}`).toBe(false);
      if (at > 0 && at < N - 1) expect(v).toMatchObject({ badEntry: at + 1 });
      const v2 = check(resign(r));
      expect(v2.ok, `deleted ${at + 1}, re-signed`).toBe(false);
    }
  });

  it('an entry deleted from a filtered report is caught by the proof', () => {
    for (const at of [0, 5, 11]) {
      const r = structuredClone(filtered);
      r.entries.splice(at, 1);
      expect(check(resign(r)).ok).toBe(false);
    }
  });

  it('entries reordered: swapped neighbours, swapped far apart, reversed, rotated', () => {
    const variants: ((e: AuditReport['entries']) => void)[] = [
      (e) => ([e[3], e[4]] = [e[4]!, e[3]!]),
      (e) => ([e[1], e[50]] = [e[50]!, e[1]!]),
      (e) => e.reverse(),
      (e) => e.push(e.shift()!),
    ];
    for (const [k, f] of variants.entries()) {
      const r = structuredClone(full);
      f(r.entries);
      const v = check(resign(r));
      expect(v.ok, `variant ${k}`).toBe(false);
      expect((v as { problem: string }).problem, `variant ${k}`).toMatch(/out of order/);
    }
  });

  it('an entry duplicated or inserted', () => {
    const r = structuredClone(full);
    r.entries.splice(10, 0, structuredClone(r.entries[10]!));
    expect(check(resign(r)).ok).toBe(false);
    const r2 = structuredClone(filtered);
    r2.entries.splice(1, 0, structuredClone(full.entries[1]!));
    expect(check(resign(r2)).ok).toBe(false);
  });

  it('the signature changed, dropped, swapped for another report’s, or not base64', () => {
    const flip = Buffer.from(full.signature, 'base64');
    flip[0] = flip[0]! ^ 0x80;
    for (const sig of [
      flip.toString('base64'),
      '',
      filtered.signature,
      '!!notbase64!!',
      full.signature.slice(0, -4),
    ]) {
      const v = check({ ...full, signature: sig });
      expect(v.ok).toBe(false);
    }
    const v = check({ ...full, signature: flip.toString('base64') });
    expect((v as { problem: string }).problem).toMatch(/signature does not verify/);
  });

  it('anything else altered under the signature: range, filters, generatedAt, an added field', () => {
    for (const edit of [
      (r: AuditReport) => void (r.generatedAt = '2020-01-01T00:00:00.000Z'),
      (r: AuditReport) => void (r.range.from = '2026-01-01T00:00:00.000Z'),
      (r: AuditReport) => void ((r as unknown as Record<string, unknown>).note = 'added'),
      (r: AuditReport) => void (r.signer.publicKey = r.signer.publicKey.replace('\n', '\r\n')),
    ]) {
      const r = structuredClone(full);
      edit(r);
      expect(check(r).ok).toBe(false);
    }
  });

  it('signed by another key: re-signed wholesale, or only the checkpoint, or the fingerprint swapped', () => {
    const other = generateKeyPairSync('ed25519');
    const otherPem = other.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const wholesale = {
      ...signedPart(full),
      checkpoint: signCheckpoint(other.privateKey, full.checkpoint),
      signer: { publicKey: otherPem, fingerprint: fingerprintOf(other.publicKey) },
    };
    const forged = { ...wholesale, signature: signJson(other.privateKey, wholesale) };
    const v = check(forged);
    expect(v.ok).toBe(false);
    expect((v as { problem: string }).problem).toMatch(/signed by another key/);
    // Without the expected key it is "valid", but under the forger's fingerprint, which is what is shown.
    expect(verifyReport({ report: forged })).toMatchObject({
      ok: true,
      fingerprint: fingerprintOf(other.publicKey),
    });
    const cpOnly = resign({
      ...full,
      checkpoint: signCheckpoint(other.privateKey, full.checkpoint),
    });
    expect((check(cpOnly) as { problem: string }).problem).toMatch(/checkpoint/);
    expect(
      check({ ...full, signer: { ...full.signer, fingerprint: fingerprintOf(other.publicKey) } })
        .ok,
    ).toBe(false);
  });

  it('the proof or the checkpoint altered', () => {
    const edits = [
      (r: AuditReport) => void (r.proof.hashes[0] = 'ef'.repeat(32)),
      (r: AuditReport) => void r.proof.hashes.pop(),
      (r: AuditReport) => void r.proof.hashes.push('ef'.repeat(32)),
      (r: AuditReport) => void (r.proof.treeSize += 1),
      (r: AuditReport) => void (r.checkpoint.treeRoot = 'ef'.repeat(32)),
      (r: AuditReport) => void (r.checkpoint.seq += 1),
      (r: AuditReport) => void (r.checkpoint.headHash = 'ef'.repeat(32)),
    ];
    for (const [k, edit] of edits.entries()) {
      for (const base of [middle, filtered]) {
        const r = structuredClone(base);
        edit(r);
        expect(check(resign(r)).ok, `edit ${k}`).toBe(false);
      }
    }
  });

  it('not a report at all', () => {
    for (const junk of [
      null,
      42,
      'x',
      {},
      { ...full, format: 'other/1' },
      { ...full, entries: 'no' },
    ])
      expect(check(junk).ok).toBe(false);
  });

  it('CSV and PDF: any byte of the file, a row changed, removed, reordered or added', async () => {
    const [csv, side] = await reportFiles(signer, full, 'csv', 'r.csv');
    const sidecar = JSON.parse(side!.content.toString()) as unknown;
    expect(
      verifyReport({ report: sidecar, file: csv!.content, expectedKey: signer.publicKey }),
    ).toMatchObject({ ok: true, file: 'r.csv' });
    const lines = csv!.content.toString().split('\r\n');
    const variants: [string, string[]][] = [
      ['changed', lines.map((l, i) => (i === 8 ? l.replace('agent:', 'agent:x') : l))],
      ['removed', lines.filter((_, i) => i !== 8)],
      ['reordered', lines.map((l, i) => (i === 8 ? lines[9]! : i === 9 ? lines[8]! : l))],
      ['added', [...lines.slice(0, 9), lines[8]!, ...lines.slice(9)]],
    ];
    for (const [name, v] of variants) {
      const r = verifyReport({
        report: sidecar,
        file: Buffer.from(v.join('\r\n')),
        expectedKey: signer.publicKey,
      });
      expect(r.ok, name).toBe(false);
      if (name !== 'added') expect((r as { badEntry: number | null }).badEntry, name).toBe(8);
    }
    const [pdf, pside] = await reportFiles(signer, full, 'pdf', 'r.pdf');
    const psidecar = JSON.parse(pside!.content.toString()) as unknown;
    expect(
      verifyReport({ report: psidecar, file: pdf!.content, expectedKey: signer.publicKey }).ok,
    ).toBe(true);
    for (const at of [0, 100, pdf!.content.length - 1]) {
      const b = Buffer.from(pdf!.content);
      b[at] = b[at]! ^ 1;
      expect(verifyReport({ report: psidecar, file: b, expectedKey: signer.publicKey }).ok).toBe(
        false,
      );
    }
    expect(
      verifyReport({
        report: psidecar,
        file: Buffer.concat([pdf!.content, Buffer.from('\n')]),
        expectedKey: signer.publicKey,
      }).ok,
    ).toBe(false);
    // The sidecar of one file does not vouch for another.
    expect(
      verifyReport({ report: psidecar, file: csv!.content, expectedKey: signer.publicKey }).ok,
    ).toBe(false);
  });
});
