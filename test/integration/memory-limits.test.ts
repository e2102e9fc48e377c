/**
 * Memory bounded by the caps, limits no agent can lift, and requests that go away cancelled
 * (issue 8, classes 8 and 9), over real HTTP against real PostgreSQL and MariaDB, with a
 * superuser/root connection. A table of 6 MB values (and one of 14 MB) is read under a byte
 * cap: the server's resident memory must stay within a generous bound while it happens (the
 * old 500/5,000-row batches held hundreds of MB before the cap saw a row). Exports need an
 * `export` grant and run under its limits; a streamed read is audited before its first row;
 * a client that disconnects cancels its statement on the server; one agent cannot take more
 * than its share of the pool.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import type { FastifyInstance } from 'fastify';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/main/api/server';
import { createCore } from '../../src/main/core';
import { envKeyProvider } from '../../src/main/store/key-file';
import type { Grant } from '../../src/shared/domain';
import { DEMO_DB, demoDbName, dropDemo, seedDemo } from '../helpers/demo-seed';
import { startTestAirlock, tempDir, type TestAirlock } from '../helpers/harness';
import {
  SERVICE_URL,
  describeWithService,
  serviceUrl,
  type ServiceKind,
} from '../helpers/services';

const MB = 1024 * 1024;
const ROWS = 40;
const VALUE = 6 * MB;
const HUGE = 14 * MB;
const BYTE_CAP = 10 * MB;
const ROW_CAP = 100;
/** Growth of the server's resident memory a read may cause: far above the caps, far below the old behaviour. */
const RSS_BOUND = 300 * MB;

async function adminSql(kind: ServiceKind, db: string, statements: string[]) {
  if (kind === 'postgres') {
    const c = new pg.Client({ connectionString: serviceUrl('postgres', db) });
    await c.connect();
    try {
      for (const s of statements) await c.query(s);
    } finally {
      await c.end();
    }
  } else {
    const c = await mysql.createConnection({ uri: serviceUrl('mysql', db) });
    try {
      for (const s of statements) await c.query(s);
    } finally {
      await c.end();
    }
  }
}

/** Statements still running on the server whose text carries `tag`. */
async function running(kind: ServiceKind, tag: string): Promise<number> {
  if (kind === 'postgres') {
    const c = new pg.Client({ connectionString: serviceUrl('postgres', 'postgres') });
    await c.connect();
    try {
      const r = await c.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE $1 AND state = 'active' AND pid <> pg_backend_pid()",
        [`%${tag}%`],
      );
      return r.rows[0].n as number;
    } finally {
      await c.end();
    }
  }
  const c = await mysql.createConnection({ uri: SERVICE_URL.mysql });
  try {
    const [rows] = await c.query(
      "SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID() AND COMMAND <> 'Sleep'",
      [`%${tag}%`],
    );
    return Number((rows as { n: number }[])[0]!.n);
  } finally {
    await c.end();
  }
}

/** Runs `fn` while sampling this process's RSS (the server runs in it); returns the peak growth. */
async function peakRssGrowth<T>(fn: () => Promise<T>): Promise<{ value: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, growth: peak - before };
  } finally {
    clearInterval(timer);
  }
}

/** Reads a response body without keeping it: its size, line count, first line and last line. */
async function drain(
  res: Response,
): Promise<{ bytes: number; lines: number; first: string; last: string }> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let bytes = 0;
  let lines = 0;
  let first = '';
  let tail = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    const text = dec.decode(value, { stream: true });
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    if (lines === 0 || first === '') first = (first + text).slice(0, 4096);
    tail = (tail + text).slice(-4096);
  }
  const parts = tail.split('\n').filter((l) => l.length > 0);
  return { bytes, lines, first: first.split('\n')[0]!, last: parts.at(-1) ?? '' };
}

type Kind = ServiceKind | 'sqlite';

/** A copy of the demo database with the large-value table added. */
function seedSqlite(dir: string): string {
  const path = join(dir, 'mem.db');
  copyFileSync(DEMO_DB, path);
  const db = new Database(path);
  try {
    db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT, note TEXT)');
    const insert = db.prepare('INSERT INTO blobs VALUES (?, ?, ?)');
    for (let i = 1; i <= ROWS; i++) insert.run(i, `${i}`.padEnd(VALUE, 'x'), `note ${i}`);
    insert.run(100, '100'.padEnd(HUGE, 'y'), 'note 100');
  } finally {
    db.close();
  }
  return path;
}

/** The demo database on a server with the large-value table added; returns its URL. */
async function seedServer(kind: ServiceKind, db: string): Promise<string> {
  const url = await seedDemo(kind, db);
  const text = kind === 'postgres' ? 'text' : 'LONGTEXT';
  const fill = (n: number, bytes: number) =>
    kind === 'postgres'
      ? `INSERT INTO blobs VALUES (${n}, repeat(md5('${n}'), ${bytes / 32}), 'note ${n}')`
      : `INSERT INTO blobs VALUES (${n}, REPEAT(MD5('${n}'), ${bytes / 32}), 'note ${n}')`;
  await adminSql(kind, db, [
    `CREATE TABLE blobs (id integer PRIMARY KEY, body ${text}, note varchar(40))`,
    ...Array.from({ length: ROWS }, (_, i) => fill(i + 1, VALUE)),
    fill(100, HUGE),
  ]);
  return url;
}

function memorySuite(kind: Kind) {
  const db = demoDbName(`mem_${kind}`);
  const connection = `mem${kind}`;
  let t: TestAirlock;
  let app: FastifyInstance;
  let base = '';
  const keys: Record<string, string> = {};
  const readAll: Grant[] = [{ connection, table: '*', actions: ['read'] }];

  const post = (
    who: string,
    body: Record<string, unknown>,
    opts: { accept?: string; signal?: AbortSignal } = {},
  ) =>
    fetch(`${base}/v1/query`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${keys[who]}`,
        'content-type': 'application/json',
        ...(opts.accept ? { accept: opts.accept } : {}),
      },
      body: JSON.stringify({ connection, ...body }),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  const entries = (agent: string) => t.core.audit.list({ agent, limit: 1000, offset: 0 }).entries;

  const dir = tempDir('airlock-mem-');

  beforeAll(async () => {
    const target =
      kind === 'sqlite' ? { path: seedSqlite(dir) } : { url: await seedServer(kind, db) };
    t = await startTestAirlock({
      queryLimits: {
        maxRows: ROW_CAP,
        maxBytes: BYTE_CAP,
        timeoutMs: 60_000,
        exportMaxRows: 100_000,
      },
    });
    const r = await t.admin('POST', '/v1/admin/connections', { name: connection, kind, ...target });
    expect(r.statusCode, r.body).toBe(201);
    keys.reader = (await t.createAgent(`reader-${kind}`, readAll)).apiKey;
    keys.other = (await t.createAgent(`other-${kind}`, readAll)).apiKey;
    keys.exporter = (
      await t.createAgent(`exporter-${kind}`, [
        {
          connection,
          table: '*',
          actions: ['read', 'export'],
          exportLimits: { maxRows: 1000, maxBytes: 64 * MB, timeoutMs: 60_000 },
        },
      ])
    ).apiKey;
    keys.limited = (
      await t.createAgent(`limited-${kind}`, [
        { connection, table: '*', actions: ['read', 'export'], exportLimits: { maxRows: 150 } },
      ])
    ).apiKey;
    let port = 0;
    app = await buildServer({ core: t.core, adminToken: t.adminToken, port: () => port });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  }, 240_000);

  afterAll(async () => {
    app?.server.closeAllConnections();
    await app?.close();
    await t?.close();
    if (kind !== 'sqlite') await dropDemo(kind, db);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('a value larger than the byte cap', () => {
    for (const [label, sql] of [
      ['alone', 'SELECT id, body FROM blobs WHERE id = 100'],
      ['after rows that fit', 'SELECT id, note, body FROM blobs WHERE id >= 40 ORDER BY id'],
      [
        'inside an expression',
        kind === 'sqlite'
          ? 'SELECT id, body || body AS twice FROM blobs WHERE id = 1'
          : 'SELECT id, concat(body, body) AS twice FROM blobs WHERE id = 1',
      ],
    ] as const) {
      it(`is refused cleanly with RESULT_TOO_LARGE (${label}), memory bounded`, async () => {
        const { value: res, growth } = await peakRssGrowth(async () => {
          const r = await post('reader', { sql });
          return {
            status: r.status,
            body: (await r.json()) as { error: { code: string; message: string }; auditId: number },
          };
        });
        expect(res.status).toBe(413);
        expect(res.body.error.code).toBe('RESULT_TOO_LARGE');
        expect(res.body.error.message).toMatch(/byte cap of 10485760 bytes/);
        const entry = entries(`reader-${kind}`).find((e) => e.id === res.body.auditId)!;
        expect(entry.status).toBe('error');
        expect(entry.details).toMatchObject({ code: 'RESULT_TOO_LARGE' });
        expect(growth).toBeLessThan(RSS_BOUND);
      });
    }

    it('is refused in a streamed (NDJSON) read too', async () => {
      const r = await post(
        'reader',
        { sql: 'SELECT id, body FROM blobs WHERE id = 100' },
        { accept: 'application/x-ndjson' },
      );
      expect(r.status).toBe(413);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('RESULT_TOO_LARGE');
    });
  });

  if (kind !== 'mysql') {
    // MariaDB has no UPDATE … RETURNING; PostgreSQL and SQLite hand the rows back.
    it('a write whose RETURNING row is larger than the byte cap is refused and rolled back', async () => {
      keys.writer ??= (
        await t.createAgent(`writer-${kind}`, [
          { connection, table: 'blobs', actions: ['read', 'write'], approval: 'none' },
        ])
      ).apiKey;
      const { value: r, growth } = await peakRssGrowth(async () => {
        const res = await post('writer', {
          sql: "UPDATE blobs SET note = 'changed' WHERE id = 100 RETURNING id, body",
        });
        return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
      });
      expect(r.status).toBe(413);
      expect(r.body.error?.code).toBe('RESULT_TOO_LARGE');
      expect(growth).toBeLessThan(RSS_BOUND);
      const after = (await (
        await post('writer', { sql: 'SELECT note FROM blobs WHERE id = 100' })
      ).json()) as { rows: unknown[][] };
      expect(after.rows).toEqual([['note 100']]);
      // Under the cap the same write goes through and returns its rows.
      const ok = await post('writer', {
        sql: "UPDATE blobs SET note = 'seen' WHERE id IN (1, 2) RETURNING id, note",
      });
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as { rowCount: number; rows: unknown[][] };
      expect(body.rowCount).toBe(2);
      expect(body.rows).toHaveLength(2);
    });
  }

  describe('large values under the byte cap', () => {
    for (const [label, sql, expected] of [
      ['whole table', 'SELECT id, body FROM blobs ORDER BY id', 1],
      ['half-size values', 'SELECT id, substr(body, 1, 3000000) AS part FROM blobs ORDER BY id', 3],
      [
        'two values per row',
        'SELECT a.id, substr(a.body, 1, 2000000) AS x, substr(b.body, 1, 2000000) AS y FROM blobs a JOIN blobs b ON b.id = a.id ORDER BY a.id',
        2,
      ],
    ] as const) {
      it(`are cut at the cap, never buffered past it (${label})`, async () => {
        const { value: body, growth } = await peakRssGrowth(
          async () =>
            (await (await post('reader', { sql })).json()) as {
              rows: unknown[][];
              truncated: boolean;
              rowCount: number;
            },
        );
        expect(body.truncated).toBe(true);
        expect(body.rows).toHaveLength(expected);
        expect(growth).toBeLessThan(RSS_BOUND);
      });
    }

    it('a streamed read of them stays bounded as well', async () => {
      const { value: got, growth } = await peakRssGrowth(async () =>
        drain(
          await post(
            'reader',
            { sql: 'SELECT id, substr(body, 1, 1000000) AS part FROM blobs ORDER BY id' },
            { accept: 'application/x-ndjson' },
          ),
        ),
      );
      expect(JSON.parse(got.last)).toMatchObject({ rowCount: 10, truncated: true });
      expect(growth).toBeLessThan(RSS_BOUND);
    });
  });

  describe('exports', () => {
    it('without an export grant, maxRows above the cap is refused naming the cap and the grant', async () => {
      for (const maxRows of [ROW_CAP + 1, 5000, 100_000]) {
        const r = await post('reader', { sql: 'SELECT id FROM orders', maxRows });
        expect(r.status).toBe(403);
        const body = (await r.json()) as {
          error: { code: string; message: string };
          auditId: number;
        };
        expect(body.error.code).toBe('PERMISSION_DENIED');
        expect(body.error.message).toMatch(new RegExp(`row cap of ${ROW_CAP} rows`));
        expect(body.error.message).toMatch(/'export' action/);
        const entry = entries(`reader-${kind}`).find((e) => e.id === body.auditId)!;
        expect(entry).toMatchObject({
          status: 'denied',
          decision: 'deny',
          rule: 'export:default-deny',
        });
      }
      // At or under the cap nothing changes.
      const ok = await post('reader', {
        sql: 'SELECT id FROM orders ORDER BY id',
        maxRows: ROW_CAP,
      });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { rows: unknown[] }).rows).toHaveLength(ROW_CAP);
    });

    it('an export grant on one table does not cover a statement that also reads another', async () => {
      const key = (
        await t.createAgent(`half-${kind}`, [
          ...readAll,
          { connection, table: 'orders', actions: ['export'] },
        ])
      ).apiKey;
      keys.half = key;
      const one = await post('half', { sql: 'SELECT id FROM orders ORDER BY id', maxRows: 500 });
      expect(one.status).toBe(200);
      expect(((await one.json()) as { rows: unknown[] }).rows).toHaveLength(500);
      const both = await post('half', {
        sql: 'SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id',
        maxRows: 500,
      });
      expect(both.status).toBe(403);
      expect(((await both.json()) as { error: { message: string } }).error.message).toMatch(
        /no export grant on table .*customers/,
      );
    });

    it('a deny export grant overrides an allow', async () => {
      keys.denied = (
        await t.createAgent(`denied-${kind}`, [
          { connection, table: '*', actions: ['read', 'export'] },
          { connection, table: 'orders', actions: ['export'], effect: 'deny' },
        ])
      ).apiKey;
      const r = await post('denied', { sql: 'SELECT id FROM orders', maxRows: 500 });
      expect(r.status).toBe(403);
      expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(
        /explicitly denied export/,
      );
    });

    it("with the grant, the export streams under the grant's caps (rows)", async () => {
      const r = await post('limited', {
        sql: 'SELECT id FROM order_items ORDER BY id',
        maxRows: 150,
      });
      expect(r.status).toBe(200);
      const body = (await r.json()) as { rows: unknown[]; truncated: boolean; auditId: number };
      expect(body.rows).toHaveLength(150);
      const over = await post('limited', { sql: 'SELECT id FROM order_items', maxRows: 151 });
      expect(over.status).toBe(400);
      expect(
        ((await over.json()) as { error: { code: string; message: string } }).error.message,
      ).toMatch(/export cap of 150 rows/);
    });

    it("with the grant, the export streams under the grant's caps (bytes), memory bounded", async () => {
      const { value: got, growth } = await peakRssGrowth(async () => {
        const r = await post(
          'exporter',
          { sql: 'SELECT id, body FROM blobs ORDER BY id', maxRows: 1000 },
          { accept: 'application/x-ndjson' },
        );
        expect(r.status).toBe(200);
        return drain(r);
      });
      const tail = JSON.parse(got.last) as {
        rowCount: number;
        truncated: boolean;
        auditId: number;
      };
      // 64 MB of 6 MB values: ten rows, then the cap.
      expect(tail).toMatchObject({ rowCount: 10, truncated: true });
      expect(got.lines).toBe(12);
      expect(got.bytes).toBeLessThan(64 * MB + 4096);
      expect(growth).toBeLessThan(RSS_BOUND);
      const ended = entries(`exporter-${kind}`).find((e) => e.id === tail.auditId)!;
      expect(ended.details).toMatchObject({
        stage: 'ended',
        outcome: 'truncated',
        export: { maxRows: 1000, maxBytes: 64 * MB },
      });
      expect(ended.rowCount).toBe(10);
      expect(ended.details!.bytes).toBeGreaterThan(60 * MB);
    });
  });

  describe('a streamed read is audited when it starts', () => {
    it('the start entry is durable before the first row, and an abandoned stream ends as cancelled', async () => {
      const ctrl = new AbortController();
      const sql = 'SELECT id, body FROM blobs ORDER BY id';
      const res = await post(
        'exporter',
        { sql, maxRows: 1000 },
        { accept: 'application/x-ndjson', signal: ctrl.signal },
      );
      const reader = res.body!.getReader();
      const firstChunk = await reader.read();
      expect(firstChunk.done).toBe(false);
      // The first bytes are here: a crash now would leave exactly this record of the read.
      const mine = () => entries(`exporter-${kind}`).filter((e) => e.statement === sql);
      const started = mine().filter((e) => (e.details as { stage?: string }).stage === 'started');
      expect(started.length).toBeGreaterThanOrEqual(1);
      const start = started[0]!;
      expect(start).toMatchObject({ status: 'allowed', action: 'query.read', rowCount: null });
      expect(
        mine().some((e) => (e.details as { startAuditId?: number }).startAuditId === start.id),
      ).toBe(false);
      ctrl.abort();
      await expect
        .poll(
          () =>
            mine().find((e) => (e.details as { startAuditId?: number }).startAuditId === start.id),
          { timeout: 15_000 },
        )
        .toMatchObject({
          status: 'error',
          details: expect.objectContaining({ stage: 'ended', outcome: 'cancelled' }),
        });
    });
  });

  // Server statements are observable in pg_stat_activity / the processlist; SQLite's runner is
  // killed the same way (runner-process.ts) but leaves nothing to observe from outside.
  if (kind === 'sqlite') return;

  describe('a client that goes away', () => {
    const slow = (tag: string) =>
      `/* ${tag} */ SELECT count(*) FROM order_items a, order_items b, order_items c`;

    for (const accept of ['application/json', 'application/x-ndjson']) {
      it(`cancels its statement on the server before the first row (${accept})`, async () => {
        const tag = `mem-cancel-${kind}-${accept.length}`;
        const ctrl = new AbortController();
        // An answer before the abort would mean the statement never ran: the poll shows it.
        let answered: string | null = null;
        const pending = post('reader', { sql: slow(tag) }, { accept, signal: ctrl.signal }).then(
          async (r) => void (answered = `${r.status} ${await r.text()}`),
          () => undefined,
        );
        await expect
          .poll(async () => answered ?? (await running(kind, tag)), { timeout: 30_000 })
          .toBe(1);
        ctrl.abort();
        await pending;
        await expect.poll(() => running(kind, tag), { timeout: 15_000 }).toBe(0);
      });
    }

    it('cancels its statement during an export stream', async () => {
      const tag = `mem-cancel-export-${kind}`;
      const ctrl = new AbortController();
      const sql = `/* ${tag} */ SELECT a.id FROM order_items a, order_items b`;
      const res = await post(
        'exporter',
        { sql, maxRows: 1000 },
        { accept: 'application/x-ndjson', signal: ctrl.signal },
      );
      // A slow reader: let the first chunk come, then leave.
      const reader = res.body!.getReader();
      await reader.read();
      ctrl.abort();
      await expect.poll(() => running(kind, tag), { timeout: 15_000 }).toBe(0);
    });
  });

  describe('per-agent concurrency', () => {
    it('the third concurrent statement of one agent is refused with 429; other agents keep being served, and abandoned requests free their slots', async () => {
      const tag = `mem-slots-${kind}`;
      const ctrls = Array.from({ length: 5 }, () => new AbortController());
      const sent = ctrls.map((c) =>
        post(
          'reader',
          { sql: `/* ${tag} */ SELECT count(*) FROM order_items a, order_items b, order_items c` },
          { signal: c.signal },
        ).then(
          async (r) => ({
            status: r.status,
            body: (await r.json()) as { error?: { code: string; message: string } },
          }),
          () => null,
        ),
      );
      await expect.poll(() => running(kind, tag), { timeout: 15_000 }).toBe(2);
      // Three of the five were refused at once, naming the limit.
      const settled = await Promise.all(
        sent.map((p) =>
          Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 2000))]),
        ),
      );
      const refused = settled.filter((s) => s !== 'pending' && s !== null && s.status === 429);
      expect(refused).toHaveLength(3);
      for (const r of refused) {
        if (r === 'pending' || r === null) continue;
        expect(r.body.error?.code).toBe('RATE_LIMITED');
        expect(r.body.error?.message).toMatch(/the limit is 2 at a time/);
      }
      // Another agent is served while the first holds its share.
      const other = await post('other', { sql: 'SELECT id FROM orders ORDER BY id LIMIT 3' });
      expect(other.status).toBe(200);
      expect(((await other.json()) as { rows: unknown[] }).rows).toEqual([[1], [2], [3]]);
      // The first agent walks away: its statements stop on the server and its slots come back.
      for (const c of ctrls) c.abort();
      await expect.poll(() => running(kind, tag), { timeout: 15_000 }).toBe(0);
      await expect
        .poll(
          async () =>
            (await post('reader', { sql: 'SELECT id FROM orders ORDER BY id LIMIT 1' })).status,
          { timeout: 10_000 },
        )
        .toBe(200);
    });
  });
}

describe('memory and request limits: SQLite', () => memorySuite('sqlite'));
await describeWithService('postgres', 'memory and request limits: PostgreSQL', () =>
  memorySuite('postgres'),
);
await describeWithService('mysql', 'memory and request limits: MariaDB', () =>
  memorySuite('mysql'),
);

/**
 * A real crash: `bin/airlock serve` in a child process is killed (SIGKILL) while it streams an
 * export. The store, opened afterwards, holds the entry that recorded the read's start.
 */
function crashSuite(kind: ServiceKind) {
  const db = demoDbName(`crash_${kind}`);
  const dataDir = tempDir('airlock-crash-');
  const storeKey = randomBytes(32).toString('hex');
  afterAll(async () => {
    await dropDemo(kind, db);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a server killed mid-stream leaves the start entry of the read in the audit', async () => {
    const url = await seedDemo(kind, db);
    const env: NodeJS.ProcessEnv = { ...process.env, AIRLOCK_STORE_KEY: storeKey };
    delete env.AIRLOCK_HOME;
    const bin = fileURLToPath(new URL('../../bin/airlock', import.meta.url));
    const child = spawn(bin, ['serve', '--data-dir', dataDir, '--port', '0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr!.resume();
      await expect
        .poll(() => /UI and API:\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1], {
          timeout: 60_000,
        })
        .toBeTruthy();
      const base = /UI and API:\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)![1]!;
      const admin = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
      const call = (
        path: string,
        method: string,
        token: string,
        body: unknown,
        accept = 'application/json',
      ) =>
        fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept },
          body: JSON.stringify(body),
        });
      expect(
        (await call('/v1/admin/connections', 'POST', admin, { name: 'crashdb', kind, url })).status,
      ).toBe(201);
      const agent = (await (
        await call('/v1/admin/agents', 'POST', admin, { name: 'crasher' })
      ).json()) as { id: string; apiKey: string };
      const grants = [{ connection: 'crashdb', table: '*', actions: ['read', 'export'] }];
      expect(
        (await call(`/v1/admin/agents/${agent.id}/grants`, 'PUT', admin, { grants })).status,
      ).toBe(200);
      const sql = 'SELECT a.id, b.id FROM order_items a, order_items b';
      const res = await call(
        '/v1/query',
        'POST',
        agent.apiKey,
        { connection: 'crashdb', sql, maxRows: 100_000 },
        'application/x-ndjson',
      );
      expect(res.status).toBe(200);
      const first = await res.body!.getReader().read();
      expect(first.done).toBe(false);
      child.kill('SIGKILL');
      await exited;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
    const core = await createCore({ dataDir, keyProvider: envKeyProvider(storeKey) });
    try {
      const entries = core.audit.list({ agent: 'crasher', limit: 100, offset: 0 }).entries;
      const started = entries.filter(
        (e) => (e.details as { stage?: string } | null)?.stage === 'started',
      );
      expect(started).toHaveLength(1);
      expect(started[0]).toMatchObject({
        action: 'query.read',
        status: 'allowed',
        connection: 'crashdb',
        statement: expect.stringContaining('order_items a'),
      });
      expect(started[0]!.details).toMatchObject({ streamed: true, export: { maxRows: 100_000 } });
      // The crash came before the read ended: nothing claims it completed.
      expect(entries.some((e) => (e.details as { stage?: string } | null)?.stage === 'ended')).toBe(
        false,
      );
    } finally {
      await core.close();
    }
  }, 120_000);
}

await describeWithService('postgres', 'a crash mid-stream: PostgreSQL', () =>
  crashSuite('postgres'),
);
await describeWithService('mysql', 'a crash mid-stream: MariaDB', () => crashSuite('mysql'));
