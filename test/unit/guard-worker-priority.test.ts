/**
 * The guard's worker threads yield the CPU to the server's event loop: on Linux each runs at
 * nice GUARD_WORKER_NICE (a per-thread value there), while the main thread keeps its own.
 * Read from /proc, for every thread of this process, after the pool has judged a statement.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { guardPool, guardSql, shutdownGuard } from '../../src/main/guard/guard';
import { GUARD_WORKER_NICE } from '../../src/main/guard/guard-worker-priority';
import { buildSchemaIndex } from '../../src/main/guard/schema-index';

afterAll(shutdownGuard);

/** nice of each thread of this process: field 19 of /proc/self/task/<tid>/stat. */
function niceByThread(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), Number(fields[16]));
  }
  return out;
}

describe.runIf(process.platform === 'linux')('guard worker priority (Linux)', () => {
  it('runs the guard workers at a lower priority than the main thread', async () => {
    const before = niceByThread();
    const schema = buildSchemaIndex([{ name: 't', columns: [{ name: 'a', type: 'text' }] }]);
    await guardSql('SELECT a FROM t', 'sqlite', schema);
    expect(guardPool().stats().ready).toBeGreaterThanOrEqual(1);
    const after = niceByThread();
    expect(after.get(process.pid)).toBe(before.get(process.pid));
    expect(before.get(process.pid)).toBeLessThan(GUARD_WORKER_NICE);
    const added = [...after].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
    expect(added).toContain(GUARD_WORKER_NICE);
    // Only the workers: no thread that was there before changed.
    for (const [tid, nice] of before) if (after.has(tid)) expect(after.get(tid)).toBe(nice);
  });
});
