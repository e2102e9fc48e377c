/**
 * The audit log committing on its writer thread (as the running app does): real group commit
 * even when entries arrive one per event-loop turn, durability at resolve, and recovery.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/main/audit/audit-log';
import { verifyAuditChain } from '../../src/main/audit/verify';
import { envKeyProvider } from '../../src/main/store/key-file';
import { STORE_FILE, openEncryptedDatabase, openStore } from '../../src/main/store/open-store';
import type { AuditRecord } from '../../src/shared/domain';
import { tempDir } from '../helpers/harness';

const record = (over: Partial<AuditRecord> = {}): AuditRecord => ({
  time: new Date().toISOString(),
  actor: 'agent:bot',
  action: 'query.read',
  connection: 'demo',
  statement: 'SELECT 1',
  paramsHash: null,
  decision: 'allow',
  rule: 'grant:demo.orders:read',
  reason: 'covered',
  status: 'allowed',
  rowCount: 1,
  latencyMs: 1,
  details: null,
  ...over,
});

describe('audit log on the writer thread', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function open() {
    const dir = tempDir('airlock-writer-');
    const keyHex = randomBytes(32).toString('hex');
    const store = await openStore(dir, envKeyProvider(keyHex));
    const log = await AuditLog.withWriter(store.db, store.path, store.key);
    const second = openEncryptedDatabase(join(dir, STORE_FILE), Buffer.from(keyHex, 'hex'), 'test');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanup.push(() => void store.db.close());
    cleanup.push(() => void second.close());
    cleanup.push(() => log.close());
    return { log, second };
  }

  it('groups entries that arrive one per event-loop turn while a commit is in flight', async () => {
    const { log, second } = await open();
    const readBack = second.prepare('SELECT actor FROM audit_log WHERE id = ?');
    const pending: Promise<boolean>[] = [];
    for (let i = 0; i < 300; i++) {
      pending.push(
        log.append(record({ actor: `agent:bot-${i}` })).then((id) => {
          expect(id).toBe(i + 1);
          return (readBack.get(id) as { actor: string } | undefined)?.actor === `agent:bot-${i}`;
        }),
      );
      await nextTurn(); // like responses from a runner: one per turn
    }
    const durable = await Promise.all(pending);
    expect(durable.every(Boolean)).toBe(true);
    expect(log.stats.entries).toBe(300);
    // One commit per entry would be 300; fsyncs overlap the arrivals instead.
    expect(log.stats.commits).toBeLessThan(150);
    expect(verifyAuditChain(second)).toMatchObject({ ok: true, entries: 300 });
  });

  it('a failed batch rejects its callers and the chain continues without a gap', async () => {
    const { log, second } = await open();
    expect(await log.append(record())).toBe(1);
    const bad = log.append(record({ status: null as unknown as AuditRecord['status'] }));
    const sameBatch = log.append(record());
    await expect(bad).rejects.toThrow(/audit write failed/);
    await expect(sameBatch).rejects.toThrow(/audit write failed/);
    expect(await log.append(record({ rowCount: 7 }))).toBe(2);
    expect(verifyAuditChain(second)).toMatchObject({ ok: true, entries: 2 });
  });

  it('close writes everything queued, then refuses appends', async () => {
    const { log, second } = await open();
    const ids = Array.from({ length: 25 }, () => log.append(record()));
    await log.close();
    expect(await Promise.all(ids)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    await expect(log.append(record())).rejects.toThrow(/closed/);
    expect(verifyAuditChain(second)).toMatchObject({ ok: true, entries: 25 });
  });
});
