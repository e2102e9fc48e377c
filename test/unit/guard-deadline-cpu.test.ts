/**
 * The guard's deadline counts the CPU time a statement's judge uses, not the wall clock: a
 * statement whose worker thread is kept off the CPU (a busy machine) is still judged, while one
 * that burns CPU past the deadline is refused. The workers here are test doubles that speak the
 * pool's protocol (guard-protocol.ts): `wait:N` blocks the thread N ms without using CPU, as a
 * descheduled thread would; `spin:N` uses N ms of CPU (by its own clock, however busy the
 * machine is).
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { GuardPool } from '../../src/main/guard/guard-pool';
import type { SchemaIndex } from '../../src/main/guard/schema-index';
import { ownThreadClock, threadCpuMs } from '../../src/main/guard/thread-cpu';

const FAKE_WORKER = `
const { parentPort } = require('node:worker_threads');
const { readFileSync, readlinkSync } = require('node:fs');
const [pid, , tid] = readlinkSync('/proc/thread-self').split('/');
const stat = '/proc/' + pid + '/task/' + tid + '/stat';
const cpuMs = () => {
  const t = readFileSync(stat, 'latin1');
  const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
parentPort.on('message', (m) => {
  if (m.type !== 'judge') return;
  const [how, ms] = m.sql.split(':');
  if (how === 'wait') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(ms));
  else { const end = cpuMs() + Number(ms); while (cpuMs() < end); }
  parentPort.postMessage({ type: 'verdict', job: m.job, verdict: { ok: true, sql: m.sql }, cpuMs: cpuMs() });
});
parentPort.postMessage({ type: 'ready', thread: { stat } });
`;

const schema = { tables: new Map() } as unknown as SchemaIndex;
const onLinux = ownThreadClock() !== undefined;

describe.runIf(onLinux)('the guard deadline counts CPU time', () => {
  it('reads this thread’s CPU clock, which moves with work and not with waiting', () => {
    const clock = ownThreadClock()!;
    const before = threadCpuMs(clock)!;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    const afterWait = threadCpuMs(clock)!;
    // Spin for 300 ms of CPU time by the process's own clock (which counts every thread, so
    // it is at least this thread's share): this thread's clock must show most of it.
    const start = process.cpuUsage();
    const spent = () => {
      const d = process.cpuUsage(start);
      return (d.user + d.system) / 1000;
    };
    while (spent() < 300);
    const afterSpin = threadCpuMs(clock)!;
    expect(afterWait - before).toBeLessThan(100);
    expect(afterSpin - afterWait).toBeGreaterThanOrEqual(200);
  });

  it('judges a statement whose worker waited past the deadline, and refuses one that used the CPU past it', async () => {
    const pool = new GuardPool(
      { workers: 1, deadlineMs: 200, maxQueuedPerOwner: 4, maxHeapMb: 64 },
      () => new Worker(FAKE_WORKER, { eval: true }),
    );
    try {
      const waited = await pool.judge('wait:700', 'sqlite', schema, 'a');
      expect(waited).toEqual({ ok: true, sql: 'wait:700' });
      expect(pool.stats().restarts).toBe(0);

      const started = performance.now();
      const spun = await pool.judge('spin:5000', 'sqlite', schema, 'b');
      expect(spun.ok).toBe(false);
      expect(!spun.ok && spun.error.details).toMatchObject({ limit: 'deadline', max: 200 });
      expect(performance.now() - started).toBeLessThan(4500);
      expect(pool.stats().restarts).toBe(1);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('refuses a statement starved of CPU for ten deadlines on the wall clock', async () => {
    const pool = new GuardPool(
      { workers: 1, deadlineMs: 100, maxQueuedPerOwner: 4, maxHeapMb: 64 },
      () => new Worker(FAKE_WORKER, { eval: true }),
    );
    try {
      const started = performance.now();
      const starved = await pool.judge('wait:5000', 'sqlite', schema, 'a');
      expect(!starved.ok && starved.error.details).toMatchObject({ limit: 'deadline' });
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(1000);
      expect(took).toBeLessThan(4500);
    } finally {
      await pool.close();
    }
  }, 30_000);
});
