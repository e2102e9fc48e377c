/**
 * Audit search benchmark (`npm run bench:audit`). Not part of `npm test`: it asserts nothing,
 * it measures and prints. It fills a fresh encrypted store (the real migrations, so the real
 * indexes and full-text trigger) with BENCH_AUDIT_ENTRIES synthetic entries (default
 * 1,000,000; 60 days, 20 agents, 90 % allowed / 8 % denied / 2 % error, a rare word in one
 * entry of 100,000), then times the UI's searches: the first page, a page 100 pages deep
 * (following the cursor), and the count, for each kind of filter; and the dashboard.
 *
 * The synthetic rows carry placeholder hashes: verification is not what is measured here.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/main/store/open-store';
import { envKeyProvider } from '../../src/main/store/key-file';
import { AuditSearch, type AuditPage } from '../../src/main/ui/audit-search';
import { Dashboard } from '../../src/main/ui/dashboard';
import type { AuditSearch as AuditSearchInput } from '../../src/shared/contract/ops';
import type { z } from 'zod';

const N = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000);
const DAYS = 60;
const end = Date.now();
const start = end - DAYS * 86_400_000;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-audit-'));
  try {
    const { db, path } = await openStore(dir, envKeyProvider(randomBytes(32).toString('hex')));
    const insert =
      db.prepare(`INSERT INTO audit_log (id, time, actor, action, connection, statement, params_hash,
      decision, rule, reason, status, row_count, latency_ms, details, leaf_hash, chain_hash)
      VALUES (@id, @time, @actor, 'query.read', @connection, @statement, NULL, @decision, @rule, @reason, @status, 5, 1.5, @details, @hash, @hash)`);
    const tables = [
      'orders',
      'customers',
      'employees',
      'products',
      'invoices',
      'shipments',
      'payments',
      'suppliers',
    ];
    const hash = 'f'.repeat(64);
    let t0 = performance.now();
    const chunk = 50_000;
    for (let from = 1; from <= N; from += chunk) {
      db.transaction(() => {
        for (let i = from; i < Math.min(from + chunk, N + 1); i++) {
          const r = (i * 7919) % 100;
          const status = r < 90 ? 'allowed' : r < 98 ? 'denied' : 'error';
          const table = tables[i % tables.length]!;
          insert.run({
            id: i,
            time: new Date(start + ((end - start) * i) / N).toISOString(),
            actor: `agent:bot-${i % 20}`,
            connection: i % 3 ? 'demo' : 'warehouse',
            statement: `SELECT id, name, total FROM ${table} WHERE customer_id = ? ORDER BY id LIMIT 100${i % 100_000 === 7 ? ' -- zebrafish' : ''}`,
            decision: status === 'denied' ? 'deny' : 'allow',
            rule: status === 'denied' ? 'default-deny' : `grant:demo.${table}:read`,
            reason:
              status === 'denied'
                ? `agent 'bot-${i % 20}' may not read ${table}.secret: no grant covers that column`
                : null,
            status,
            details: `{"agentId":"id-${i % 20}"}`,
            hash,
          });
        }
      })();
    }
    console.log(
      `filled ${N.toLocaleString()} entries in ${((performance.now() - t0) / 1000).toFixed(1)} s; store ${(statSync(path).size / 1e6).toFixed(0)} MB`,
    );

    const search = new AuditSearch(db);
    type Filter = z.output<typeof AuditSearchInput>;
    const day = (d: number) => new Date(start + d * 86_400_000).toISOString();
    const cases: [string, Omit<Filter, 'limit'>][] = [
      ['no filter', {}],
      ['agent', { agent: 'bot-3' }],
      ['status=error', { status: 'error' }],
      ['connection', { connection: 'warehouse' }],
      ['last 24 h', { from: day(DAYS - 1) }],
      ['one day, 30 days ago', { from: day(30), to: day(31) }],
      ['agent+denied+week', { agent: 'bot-3', status: 'denied', from: day(20), to: day(27) }],
      ['text, common', { text: 'employees' }],
      ['text, rare', { text: 'zebrafish' }],
      ['text + status', { text: 'employees.secret', status: 'denied' }],
      ['text + agent + day', { text: 'orders', agent: 'bot-4', from: day(10), to: day(11) }],
    ];
    const ms = (f: () => unknown) => {
      const s = performance.now();
      f();
      return performance.now() - s;
    };
    console.log('\nsearch (ms)               first page   page 100   total');
    for (const [name, f] of cases) {
      const filter: Filter = { ...f, limit: 50 };
      search.search(filter); // prepare the statements
      const first = ms(() => search.search(filter));
      let beforeId: number | null = null;
      let deep = 0;
      for (let p = 0; p < 100; p++) {
        const page: AuditPage =
          beforeId === null ? search.search(filter) : search.search({ ...filter, beforeId });
        if (page.nextBeforeId === null) break;
        beforeId = page.nextBeforeId;
      }
      if (beforeId !== null) deep = ms(() => search.search({ ...filter, beforeId: beforeId! }));
      const counted = search.search(filter);
      console.log(
        `  ${name.padEnd(24)} ${first.toFixed(1).padStart(9)} ${beforeId === null ? '        –' : deep.toFixed(1).padStart(10)}   ${counted.total.toLocaleString()}${counted.totalCapped ? '+' : ''}`,
      );
    }
    const dashboard = new Dashboard(db, {
      clock: { now: () => new Date(end), monotonicMs: () => performance.now() },
      agents: { list: () => [] } as never,
      connections: { list: () => [] } as never,
    });
    dashboard.summary();
    t0 = performance.now();
    const d = dashboard.summary();
    console.log(
      `\ndashboard: ${(performance.now() - t0).toFixed(1)} ms (${d.requests24h.toLocaleString()} requests in 24 h)`,
    );
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
