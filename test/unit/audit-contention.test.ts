/**
 * The audit writer under a busy main connection (issue: "database is locked" under
 * concurrency). The writer used a deferred transaction: it read the log's head, then upgraded
 * to a write, and failed at once with SQLITE_BUSY_SNAPSHOT whenever the main connection had
 * committed in between (an agent's last-used time, a setting). Every append must succeed.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { AuditLog } from '../../src/main/audit/audit-log';
import { verifyAuditChain } from '../../src/main/audit/verify';
import { envKeyProvider } from '../../src/main/store/key-file';
import { openStore } from '../../src/main/store/open-store';
import type { AuditRecord } from '../../src/shared/domain';
import { tempDir } from '../helpers/harness';

const record = (i: number): AuditRecord => ({
  time: new Date().toISOString(),
  actor: 'agent:bot',
  action: 'query.read',
  connection: 'demo',
  statement: `SELECT ${i}`,
  paramsHash: null,
  decision: 'allow',
  rule: 'grant:demo.orders:read',
  reason: 'covered',
  status: 'allowed',
  rowCount: 1,
  latencyMs: 1,
  details: null,
});

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

it('appends never fail while the main connection keeps committing', async () => {
  const dir = tempDir('airlock-contention-');
  const store = await openStore(dir, envKeyProvider(randomBytes(32).toString('hex')));
  const log = await AuditLog.withWriter(store.db, store.path, store.key);
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanup.push(() => void store.db.close());
  cleanup.push(() => log.close());

  const touch = store.db.prepare(`INSERT INTO settings (key, value) VALUES ('contention.test', ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  let stop = false;
  // The main connection commits a small write every millisecond or so, as agents' last-used
  // updates do under load.
  const writer = (async () => {
    let n = 0;
    while (!stop) {
      touch.run(String(n++));
      await sleep(1);
    }
    return n;
  })();

  const failures: string[] = [];
  const ids: number[] = [];
  for (let round = 0; round < 300; round++) {
    const batch = Array.from({ length: 1 + (round % 7) }, (_, i) =>
      log.append(record(round * 10 + i)),
    );
    for (const r of await Promise.allSettled(batch)) {
      if (r.status === 'fulfilled') ids.push(r.value);
      else failures.push((r.reason as Error).message);
    }
  }
  stop = true;
  const mainCommits = await writer;

  expect(failures).toEqual([]);
  expect(mainCommits).toBeGreaterThan(100);
  expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
  expect(verifyAuditChain(store.db).ok).toBe(true);
}, 120_000);
