/**
 * The per-agent limiter on a real store, driven by an injected clock: an agent's own maxima
 * over the global ones, the UTC day's rows, global changes, and counts that a new limiter on
 * the same store (a restart) picks up.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/main/audit/audit-log';
import { AgentLimiter, SAVE_EVERY_MS } from '../../src/main/ratelimit/agent-limiter';
import type { RateLimit } from '../../src/main/ratelimit/sliding-window';
import { envKeyProvider } from '../../src/main/store/key-file';
import { openStore } from '../../src/main/store/open-store';

const DAY = 86_400_000;
/** 10:00 UTC on some day: a minute, an hour and a day boundary are easy to reason about. */
const T0 = 20_000 * DAY + 10 * 3_600_000;
const GLOBAL: RateLimit[] = [
  { windowMs: 60_000, max: 5, label: 'minute' },
  { windowMs: 3_600_000, max: 100, label: 'hour' },
  { windowMs: DAY, max: 1000, label: 'day' },
];

let db: Database;
const dir = mkdtempSync(join(tmpdir(), 'airlock-limiter-'));
let t = T0;
const now = () => t;

const keyHex = randomBytes(32).toString('hex');

beforeAll(async () => {
  ({ db } = await openStore(dir, envKeyProvider(keyHex)));
  const add = db.prepare(
    "INSERT INTO agents (id, name, key_prefix, key_hash, created_at) VALUES (?, ?, ?, x'00', '2026-01-01')",
  );
  for (const id of ['a', 'b', 'c']) add.run(id, `agent-${id}`, `p${id}`);
});
afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const refusal = (l: AgentLimiter, id: string) => {
  const d = l.take(id);
  if (d.ok) throw new Error('expected a refusal');
  return d;
};

describe('AgentLimiter', () => {
  it("an agent's own maxima win over the global ones; the other agent keeps the global", () => {
    const l = new AgentLimiter(db, { rate: GLOBAL }, now);
    l.put('a', { ratePerMinute: 2 });
    expect(l.take('a').ok).toBe(true);
    expect(l.take('a').ok).toBe(true);
    const d = refusal(l, 'a');
    expect(d.setting).toBe('ratePerMinute');
    expect(d.message).toMatch(
      /^exceeded the agent's own limit of 2 requests per minute \(ratePerMinute\); retry in \d+ s$/,
    );
    for (let i = 0; i < 5; i++) expect(l.take('b').ok).toBe(true);
    expect(refusal(l, 'b').message).toMatch(/the global limit of 5 requests per minute/);
    expect(l.view('a').effective).toEqual({
      ratePerMinute: 2,
      ratePerHour: 100,
      ratePerDay: 1000,
      rowsPerDay: null,
      bytesPerDay: null,
    });
    l.flush(); // what a clean stop does
  });

  it('a new limiter on the same store (a restart) keeps the limits and the counts', () => {
    const again = new AgentLimiter(db, { rate: GLOBAL }, now);
    expect(again.view('a').own).toEqual({ ratePerMinute: 2 });
    expect(refusal(again, 'a').setting).toBe('ratePerMinute');
    expect(refusal(again, 'b').setting).toBe('ratePerMinute');
    // Two minutes on, both windows have room again.
    t += 120_000;
    expect(again.take('a').ok).toBe(true);
    expect(again.take('b').ok).toBe(true);
  });

  it('without a clean stop (a crash) the counts reach the store within a quarter second', async () => {
    const l = new AgentLimiter(db, { rate: GLOBAL }, now);
    l.put('c', { ratePerMinute: 1 });
    expect(l.take('c').ok).toBe(true);
    const stored = () =>
      db.prepare('SELECT count(*) AS n FROM agent_usage WHERE agent_id = ?').get('c') as {
        n: number;
      };
    expect(stored().n).toBe(0); // not one commit per request
    await new Promise((r) => setTimeout(r, SAVE_EVERY_MS + 200));
    expect(stored().n).toBe(1);
    expect(refusal(new AgentLimiter(db, { rate: GLOBAL }, now), 'c').setting).toBe('ratePerMinute');
  });

  it('with the audit writer: the counts ride with its next commit, made by the writer thread, within a quarter second', async () => {
    const second = await openStore(dir, envKeyProvider(keyHex));
    const { path, key } = second;
    second.db.close();
    const audit = await AuditLog.withWriter(db, path, key);
    try {
      const l = new AgentLimiter(db, { rate: GLOBAL }, now, (rows) => audit.saveUsage(rows));
      const before = (
        db.prepare('SELECT state FROM agent_usage WHERE agent_id = ?').get('a') as
          { state: string } | undefined
      )?.state;
      expect(l.take('a').ok).toBe(true);
      await new Promise((r) => setTimeout(r, SAVE_EVERY_MS + 300));
      const after = (
        db.prepare('SELECT state FROM agent_usage WHERE agent_id = ?').get('a') as {
          state: string;
        }
      ).state;
      expect(after).not.toBe(before);
      // A usage-only commit is not an audit commit: no entry, no commit counted.
      expect(audit.stats).toEqual({ commits: 0, entries: 0 });
      // A new limiter on the same store (a restart) sees the count.
      const again = new AgentLimiter(db, { rate: GLOBAL }, now);
      const used = JSON.parse(after) as { windows: { current: number }[] };
      expect(used.windows[0]!.current).toBeGreaterThan(0);
      expect(again.view('a').usage.day).toBe(new Date(t).toISOString().slice(0, 10));
    } finally {
      await audit.close();
    }
  });

  it("rows per day: counted from the agent's audit entries, refused after the crossing, reset at 00:00 UTC", () => {
    const l = new AgentLimiter(db, { rate: GLOBAL, rowsPerDay: 10 }, now);
    t += 120_000;
    l.observe({ rowCount: 8, details: { agentId: 'b' } });
    l.observe({ rowCount: 3, details: { agentId: 'b' } });
    l.observe({ rowCount: 50, details: { note: 'no agent' } });
    const d = refusal(l, 'b');
    expect(d).toMatchObject({ setting: 'rowsPerDay', limit: { max: 10, label: 'day' } });
    expect(d.message).toBe(
      `exceeded the global limit of 10 rows per day (rowsPerDay; 11 so far today, UTC); retry in ${d.retryAfterSec} s`,
    );
    expect(d.retryAfterSec).toBe((DAY - (t % DAY)) / 1000);
    expect(l.take('a').ok).toBe(true);
    t = T0 + DAY - (T0 % DAY) + 1000; // one second into the next UTC day
    expect(l.take('b').ok).toBe(true);
    expect(l.view('b').usage).toMatchObject({ rows: 0 });
  });

  it('a global change applies at once to agents without limits of their own', () => {
    const l = new AgentLimiter(db, { rate: GLOBAL }, now);
    t += 3_600_000;
    l.put('a', {});
    l.setLimits(
      GLOBAL.map((g) => (g.label === 'minute' ? { ...g, max: 1 } : g)),
      { bytesPerDay: 50 },
    );
    expect(l.take('a').ok).toBe(true);
    expect(refusal(l, 'a').message).toMatch(/the global limit of 1 requests per minute/);
    expect(l.view('a').effective).toMatchObject({
      ratePerMinute: 1,
      bytesPerDay: 50,
      rowsPerDay: null,
    });
  });
});
