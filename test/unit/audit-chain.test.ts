/**
 * Canonical JSON, the leaf/chain hashes, and the audit log's group commit against a real
 * encrypted store (durability is checked through a second connection to the same file).
 */
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/main/audit/audit-log';
import { canonicalJson } from '../../src/main/audit/canonical-json';
import { GENESIS, chainHash, leafHash } from '../../src/main/audit/chain';
import { verifyAuditChain } from '../../src/main/audit/verify';
import { envKeyProvider } from '../../src/main/store/key-file';
import { STORE_FILE, openEncryptedDatabase, openStore } from '../../src/main/store/open-store';
import type { AuditRecord } from '../../src/shared/domain';
import { tempDir } from '../helpers/harness';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

function record(over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    time: '2030-01-02T03:04:05.678Z',
    actor: 'agent:bot',
    action: 'query.read',
    connection: 'demo',
    statement: 'SELECT id FROM orders WHERE id = ?',
    paramsHash: sha('[1]'),
    decision: 'allow',
    rule: 'grant:demo.orders:read',
    reason: "access to orders is covered by agent 'bot''s grants",
    status: 'allowed',
    rowCount: 1,
    latencyMs: 1.25,
    details: { agentId: 'a-1', truncated: false },
    ...over,
  };
}

describe('canonicalJson', () => {
  it('sorts object keys by code unit, at every depth', () => {
    expect(canonicalJson({ b: 1, a: 2, c: { z: 1, y: [{ k: 1, j: 2 }] } })).toBe(
      '{"a":2,"b":1,"c":{"y":[{"j":2,"k":1}],"z":1}}',
    );
    // Code-unit order: upper case before lower case, "a" before "aa", "é" after "z".
    expect(canonicalJson({ aa: 1, a: 2, B: 3, é: 4, z: 5 })).toBe(
      '{"B":3,"a":2,"aa":1,"z":5,"é":4}',
    );
  });

  it('gives the same text whatever the insertion order', () => {
    const a = { x: 1, y: { p: [1, 2, 3], q: null }, z: 'z' };
    const b = { z: 'z', y: { q: null, p: [1, 2, 3] }, x: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it('keeps array order', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson([3, 1, 2])).not.toBe(canonicalJson([1, 2, 3]));
  });

  it('has no whitespace outside strings', () => {
    const text = canonicalJson({ a: [1, { b: 'two words' }], c: true, d: null, e: -1.5e-7 });
    expect(text).toBe('{"a":[1,{"b":"two words"}],"c":true,"d":null,"e":-1.5e-7}');
    expect(text.replace(/"[^"]*"/g, '')).not.toMatch(/\s/);
  });

  it('encodes unicode stably (the same bytes for the same string) and round-trips it', () => {
    const value = { name: 'Zoë 日本 🚀', ключ: 'значение', ctl: 'tab\tnl\n"q"\\' };
    const text = canonicalJson(value);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).toBe('{"ctl":"tab\\tnl\\n\\"q\\"\\\\","name":"Zoë 日本 🚀","ключ":"значение"}');
    // Different normalisation forms are different strings, and hash differently.
    expect(canonicalJson('é')).not.toBe(canonicalJson('e\u0301'));
  });

  it('drops undefined object members, encodes bigint as a string', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson({ n: 12345678901234567890n })).toBe('{"n":"12345678901234567890"}');
  });

  it.each([NaN, Infinity, -Infinity])('rejects the non-finite number %s (at any depth)', (n) => {
    expect(() => canonicalJson(n)).toThrow(TypeError);
    expect(() => canonicalJson({ a: [1, { b: n }] })).toThrow(/non-finite/);
  });

  it('rejects values JSON cannot carry', () => {
    expect(() => canonicalJson(() => 1)).toThrow(TypeError);
    expect(() => canonicalJson(Symbol('s'))).toThrow(TypeError);
  });
});

describe('leaf and chain hashes', () => {
  it('leaf = SHA-256 of the canonical JSON of the entry with its id', () => {
    const r = record();
    expect(leafHash(7, r)).toBe(sha(canonicalJson({ id: 7, ...r })));
    expect(leafHash(7, r)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is deterministic and independent of key order', () => {
    const r = record();
    const shuffled = Object.fromEntries(Object.entries(r).reverse()) as unknown as AuditRecord;
    expect(leafHash(3, r)).toBe(leafHash(3, record()));
    expect(leafHash(3, shuffled)).toBe(leafHash(3, r));
  });

  it('changes with the id and with any field', () => {
    const r = record();
    const base = leafHash(3, r);
    expect(leafHash(4, r)).not.toBe(base);
    for (const [k, v] of [
      ['actor', 'agent:other'],
      ['status', 'denied'],
      ['rowCount', 2],
      ['statement', 'SELECT id FROM orders WHERE id = ? '],
      ['details', { agentId: 'a-1', truncated: true }],
      ['connection', null],
    ] as const) {
      expect(leafHash(3, { ...r, [k]: v }), k).not.toBe(base);
    }
  });

  it('chain = SHA-256(prev ‖ leaf) over the raw 32-byte digests, starting from the genesis value', () => {
    expect(GENESIS).toBe('0'.repeat(64));
    const leaf = leafHash(1, record());
    const expected = sha(Buffer.concat([Buffer.from(GENESIS, 'hex'), Buffer.from(leaf, 'hex')]));
    expect(chainHash(GENESIS, leaf)).toBe(expected);
    expect(chainHash(GENESIS, leaf)).toBe(chainHash(GENESIS, leaf));
    // Order matters.
    const other = leafHash(2, record());
    expect(chainHash(leaf, other)).not.toBe(chainHash(other, leaf));
  });
});

describe('AuditLog group commit (real encrypted store)', () => {
  const dirs: string[] = [];
  const dbs: Database[] = [];
  afterEach(() => {
    for (const d of dbs.splice(0)) if (d.open) d.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function open() {
    const dir = tempDir('airlock-audit-');
    dirs.push(dir);
    const keyHex = randomBytes(32).toString('hex');
    const store = await openStore(dir, envKeyProvider(keyHex));
    dbs.push(store.db);
    const second = openEncryptedDatabase(join(dir, STORE_FILE), Buffer.from(keyHex, 'hex'), 'test');
    dbs.push(second);
    return { db: store.db, second, dir, keyHex };
  }

  it('writes with synchronous=FULL in WAL mode', async () => {
    const { db } = await open();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('200 appends in one tick: ids 1..200 without gaps, few commits, each durable before it resolves', async () => {
    const { db, second } = await open();
    const log = new AuditLog(db);
    const readBack = second.prepare(
      'SELECT id, actor, leaf_hash, chain_hash FROM audit_log WHERE id = ?',
    );
    const durableAtResolve: boolean[] = [];

    const promises = Array.from({ length: 200 }, (_, i) =>
      log.append(record({ actor: `agent:bot-${i}`, rowCount: i })).then((id) => {
        // At the moment the caller hears back, another connection already sees the row.
        const row = readBack.get(id) as { id: number; actor: string } | undefined;
        durableAtResolve[i] = row?.actor === `agent:bot-${i}`;
        return id;
      }),
    );
    // Nothing is written before the tick ends.
    expect((second.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n).toBe(
      0,
    );

    const ids = await Promise.all(promises);
    expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(durableAtResolve).toHaveLength(200);
    expect(durableAtResolve.every(Boolean)).toBe(true);
    expect(log.stats.entries).toBe(200);
    expect(log.stats.commits).toBeGreaterThanOrEqual(1);
    expect(log.stats.commits).toBeLessThanOrEqual(5);

    const rows = second.prepare('SELECT id FROM audit_log ORDER BY id').all() as { id: number }[];
    expect(rows.map((r) => r.id)).toEqual(ids);
    const head200 = (
      second.prepare('SELECT chain_hash FROM audit_log WHERE id = 200').get() as {
        chain_hash: string;
      }
    ).chain_hash;
    expect(verifyAuditChain(second)).toEqual({
      ok: true,
      entries: 200,
      firstBroken: null,
      problem: null,
      headSeq: 200,
      headHash: head200,
      checkpoints: 0,
      purged: 0,
    });
  });

  it('keeps numbering and chaining across batches and across a reopen', async () => {
    const { db, dir, keyHex, second } = await open();
    const log = new AuditLog(db);
    const first = await Promise.all([1, 2, 3].map((i) => log.append(record({ rowCount: i }))));
    const next = await log.append(record({ rowCount: 4 }));
    expect([...first, next]).toEqual([1, 2, 3, 4]);
    expect(log.stats.commits).toBe(2);
    log.close();
    await expect(log.append(record())).rejects.toThrow(/closed/);
    db.close();

    const again = await openStore(dir, envKeyProvider(keyHex));
    dbs.push(again.db);
    const log2 = new AuditLog(again.db);
    expect(await log2.append(record({ rowCount: 5 }))).toBe(5);
    expect(verifyAuditChain(second)).toMatchObject({ ok: true, entries: 5 });
  });

  it('the engine refuses to change or delete a written entry', async () => {
    const { db } = await open();
    const log = new AuditLog(db);
    await log.append(record());
    expect(() => db.prepare("UPDATE audit_log SET actor = 'x' WHERE id = 1").run()).toThrow(
      /append-only/,
    );
    expect(() => db.prepare('DELETE FROM audit_log WHERE id = 1').run()).toThrow(/append-only/);
  });

  it('verify sees one consistent snapshot while another connection keeps appending', async () => {
    const { db, second } = await open();
    const writer = new AuditLog(db);
    await Promise.all(
      Array.from({ length: 10_050 }, (_, i) => writer.append(record({ rowCount: i }))),
    );
    let appended = false;
    const result = verifyAuditChain(second, () => {
      if (appended) return;
      appended = true;
      // Airlock is still running and answers another request mid-verification.
      void writer.append(record({ actor: 'agent:late' }));
      writer.flush();
    });
    expect(appended).toBe(true);
    // The snapshot's head is entry 10,050, not the one appended during the run.
    const head = (
      second.prepare('SELECT chain_hash FROM audit_log WHERE id = 10050').get() as {
        chain_hash: string;
      }
    ).chain_hash;
    expect(result).toEqual({
      ok: true,
      entries: 10_050,
      firstBroken: null,
      problem: null,
      headSeq: 10_050,
      headHash: head,
      checkpoints: 0,
      purged: 0,
    });
    expect(verifyAuditChain(second)).toMatchObject({ ok: true, entries: 10_051 });
  });

  it('a failed batch rejects its callers and the next append continues the chain without a gap', async () => {
    const { db, second } = await open();
    const log = new AuditLog(db);
    await log.append(record());
    // A record the schema refuses (status is NOT NULL) makes the whole batch fail.
    const bad = log.append(record({ status: null as unknown as AuditRecord['status'] }));
    const goodInSameBatch = log.append(record({ rowCount: 9 }));
    await expect(bad).rejects.toThrow(/audit write failed/);
    await expect(goodInSameBatch).rejects.toThrow(/audit write failed/);
    expect(await log.append(record({ rowCount: 10 }))).toBe(2);
    expect(verifyAuditChain(second)).toMatchObject({ ok: true, entries: 2 });
  });
});
