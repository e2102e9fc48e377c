/**
 * POST /v1/query on every SQL driver, through the real API: connections added by URL,
 * typed values, the per-request row cap, exports that stream (JSON and NDJSON), a failure
 * half-way through a stream, and the audit entry written when the stream ends — its id closes
 * the response. SQLite runs the same path (its runner streams in batches).
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryLimits } from '../../src/main/connectors/types';
import { demoDbName, dropDemo, seedDemo } from '../helpers/demo-seed';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';
import { describeWithService, serviceUrl, type ServiceKind } from '../helpers/services';

const LIMITS: Partial<QueryLimits> = { maxRows: 100, exportMaxRows: 10_000 };
type Kind = 'sqlite' | ServiceKind;

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

const ndjsonLines = (body: string) =>
  body
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as unknown);

function streamingSuite(kind: Kind) {
  const db = demoDbName(`stream_${kind}`);
  const connection = kind === 'sqlite' ? 'demo' : `${kind}db`;
  let t: TestAirlock;
  let key: string;
  let url = '';
  const q = (
    sql: string,
    more: { maxRows?: number; params?: unknown; accept?: string; who?: string } = {},
  ) =>
    t.request({
      method: 'POST',
      url: '/v1/query',
      token: more.who ?? key,
      headers: more.accept ? { accept: more.accept } : {},
      payload: {
        connection,
        sql,
        ...(more.params ? { params: more.params } : {}),
        ...(more.maxRows ? { maxRows: more.maxRows } : {}),
      },
    });
  const auditEntry = async (id: number) => {
    const r = await t.admin('GET', '/v1/admin/audit?agent=streamer&limit=1000');
    return (
      r.json() as {
        entries: {
          id: number;
          rowCount: number | null;
          status: string;
          details: Record<string, unknown>;
        }[];
      }
    ).entries.find((e) => e.id === id)!;
  };

  beforeAll(async () => {
    t = await startTestAirlock({ queryLimits: LIMITS });
    if (kind !== 'sqlite') {
      url = await seedDemo(kind, db);
      const r = await t.admin('POST', '/v1/admin/connections', {
        name: connection,
        kind,
        url: url.replace('://', '://'),
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    key = (
      await t.createAgent('streamer', [{ connection, table: '*', actions: ['read', 'export'] }])
    ).apiKey;
  });
  afterAll(async () => {
    await t?.close();
    if (kind !== 'sqlite') await dropDemo(kind, db);
  });

  if (kind !== 'sqlite') {
    it('lists the connection and its tables, named as the engine names them', async () => {
      const list = await t.admin('GET', '/v1/admin/connections');
      expect(
        list.json().connections.find((c: { name: string }) => c.name === connection),
      ).toMatchObject({ kind });
      const r = await t.request({
        method: 'GET',
        url: `/v1/connections/${connection}/tables`,
        token: key,
      });
      const names = (r.json() as { tables: { name: string }[] }).tables.map((x) => x.name);
      expect(names).toContain(kind === 'postgres' ? 'public.orders' : 'orders');
    });

    it('refuses a second connection whose server cannot be reached, saving nothing', async () => {
      const bad = url.replace(/@[^/]+\//, '@127.0.0.1:1/');
      const r = await t.admin('POST', '/v1/admin/connections', {
        name: `${connection}-down`,
        kind,
        url: bad,
      });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe('CONNECTION_FAILED');
      expect(r.json().error.message).toMatch(/cannot reach 127\.0\.0\.1:1/);
    });
  }

  it('answers whole under the configured row cap', async () => {
    const r = await q('SELECT id FROM orders ORDER BY id');
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.rows).toHaveLength(100);
    expect(body.truncated).toBe(true);
  });

  it('honours a lower maxRows from the request', async () => {
    const body = (await q('SELECT id FROM orders ORDER BY id', { maxRows: 5 })).json();
    expect(body.rows).toEqual([[1], [2], [3], [4], [5]]);
    expect(body.truncated).toBe(true);
  });

  it('streams an export as one JSON document, audited when the stream ends', async () => {
    const r = await q('SELECT id, status, total FROM orders ORDER BY id', { maxRows: 5000 });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const body = r.json() as {
      columns: { name: string }[];
      rows: unknown[][];
      rowCount: number;
      truncated: boolean;
      auditId: number;
    };
    expect(body.columns.map((c) => c.name)).toEqual(['id', 'status', 'total']);
    expect(body.rows).toHaveLength(3000);
    expect(body.rowCount).toBe(3000);
    expect(body.truncated).toBe(false);
    expect(body.rows[2999]![0]).toBe(3000);
    const entry = await auditEntry(body.auditId);
    expect(entry.status).toBe('allowed');
    expect(entry.rowCount).toBe(3000);
    expect(entry.details).toMatchObject({
      streamed: true,
      export: { maxRows: 5000 },
      truncated: false,
    });
  });

  it('caps an export at its own maxRows and says truncated', async () => {
    const body = (await q('SELECT id FROM order_items ORDER BY id', { maxRows: 4321 })).json();
    expect(body.rows).toHaveLength(4321);
    expect(body.truncated).toBe(true);
  });

  it('refuses maxRows above the export cap', async () => {
    const r = await q('SELECT id FROM orders', { maxRows: 10_001 });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('VALIDATION_FAILED');
    expect(r.json().error.message).toMatch(/export cap of 10000/);
    expect(r.json().auditId).toBeGreaterThan(0);
  });

  it('streams NDJSON when asked: columns, one row per line, then the closing line with the audit id', async () => {
    const r = await q('SELECT id, ship_city FROM orders WHERE id <= 250 ORDER BY id', {
      accept: 'application/x-ndjson',
      maxRows: 300,
    });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = ndjsonLines(r.body);
    expect(lines[0]).toEqual({
      columns: [
        expect.objectContaining({ name: 'id' }),
        expect.objectContaining({ name: 'ship_city' }),
      ],
    });
    expect(lines).toHaveLength(252);
    expect(lines[1]).toEqual([1, 'New York']);
    const last = lines[251] as { rowCount: number; truncated: boolean; auditId: number };
    expect(last).toMatchObject({ rowCount: 250, truncated: false });
    expect((await auditEntry(last.auditId)).rowCount).toBe(250);
  });

  it('NDJSON of an empty result is the columns line and the closing line', async () => {
    const r = await q('SELECT id FROM orders WHERE id < 0', { accept: 'application/x-ndjson' });
    const lines = ndjsonLines(r.body);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ rowCount: 0, truncated: false, auditId: expect.any(Number) });
  });

  it('a refusal before the first row is an ordinary error response, also for NDJSON', async () => {
    const r = await q('SELECT id FROM orders; DROP TABLE orders', {
      accept: 'application/x-ndjson',
    });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.json().error.code).toBe('INVALID_SQL');
  });

  it('a failure half-way through a stream closes it with the error and its audit id', async () => {
    // The time limit must leave room for the first batch on a loaded CI machine (at 1.5 s a
    // PostgreSQL stream sometimes timed out before its first row, while other files ran).
    const slow = await startTestAirlock({
      queryLimits: {
        maxRows: 100,
        timeoutMs: 3000,
        exportMaxRows: 100_000_000,
        exportTimeoutMs: 3000,
      },
    });
    try {
      if (kind !== 'sqlite')
        await slow.admin('POST', '/v1/admin/connections', { name: connection, kind, url });
      const k = (
        await slow.createAgent('streamer', [
          { connection, table: '*', actions: ['read', 'export'] },
        ])
      ).apiKey;
      // The agent's first statement on the connection reads the schema and sets up its database
      // role or user; done here, so the time limit below is the cross join's alone.
      const warm = await slow.request({
        method: 'POST',
        url: '/v1/query',
        token: k,
        payload: { connection, sql: 'SELECT id FROM order_items WHERE id = 1' },
      });
      expect(warm.statusCode).toBe(200);
      const r = await slow.request({
        method: 'POST',
        url: '/v1/query',
        token: k,
        headers: { accept: 'application/x-ndjson' },
        payload: {
          connection,
          sql: 'SELECT a.id FROM order_items a, order_items b',
          maxRows: 100_000_000,
        },
      });
      expect(r.statusCode).toBe(200);
      // Millions of lines: count them, parse only the first and the last.
      const body = r.body;
      let lineCount = 0;
      for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) lineCount++;
      expect(JSON.parse(body.slice(0, body.indexOf('\n')))).toMatchObject({
        columns: [{ name: 'id' }],
      });
      const last = JSON.parse(body.slice(body.lastIndexOf('\n', body.length - 2) + 1)) as {
        error?: { code: string };
        rowCount: number;
        auditId: number;
      };
      expect(last.error?.code).toBe('QUERY_TIMEOUT');
      expect(last.rowCount).toBe(lineCount - 2);
      expect(last.rowCount).toBeGreaterThan(0);
      const audit = await slow.admin('GET', '/v1/admin/audit?agent=streamer&status=error');
      const entry = (audit.json() as { entries: { id: number; rowCount: number }[] }).entries.find(
        (e) => e.id === last.auditId,
      )!;
      expect(entry.rowCount).toBe(last.rowCount);
    } finally {
      await slow.close();
    }
  });

  if (kind !== 'sqlite') {
    it('returns typed values that round-trip', async () => {
      if (kind === 'postgres') {
        await adminSql('postgres', db, [
          `CREATE TABLE type_samples (id integer PRIMARY KEY, big bigint, small_big bigint, amount numeric(20,4), ratio double precision,
             flag boolean, day date, at timestamp, at_tz timestamptz, bin bytea, doc jsonb, tags text[], nums integer[], uid uuid, span interval)`,
          `INSERT INTO type_samples VALUES (1, 9007199254740993, 42, 12345678.1234, 0.25, true, '2024-02-29', '2024-01-02 03:04:05.123456',
             '2024-01-02 03:04:05+02', '\\x0102ff', '{"a": [1, 2], "b": null}', ARRAY['x', 'y z', 'q"uote'], ARRAY[1, NULL, 3],
             'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 day 2 hours')`,
        ]);
      } else {
        await adminSql('mysql', db, [
          `CREATE TABLE type_samples (id INT PRIMARY KEY, big BIGINT, small_big BIGINT, amount DECIMAL(20,4), ratio DOUBLE, flag TINYINT(1),
             day DATE, at DATETIME(6), at_tz TIMESTAMP NULL, bin BLOB, doc JSON, label VARCHAR(20))`,
          "SET time_zone = '+00:00'",
          `INSERT INTO type_samples VALUES (1, 9007199254740993, 42, 12345678.1234, 0.25, 1, '2024-02-29', '2024-01-02 03:04:05.123456',
             '2024-01-02 01:04:05', x'0102ff', '{"a": [1, 2], "b": null}', 'x')`,
        ]);
      }
      const r = await t.admin('POST', `/v1/admin/connections/${connection}/refresh`);
      if (r.statusCode === 404) t.core.connections.refreshSchema(connection);
      const body = (await q('SELECT * FROM type_samples')).json() as {
        columns: { name: string; type: string }[];
        rows: unknown[][];
      };
      const got = Object.fromEntries(
        body.columns.map((c, i) => [c.name, { type: c.type, value: body.rows[0]![i] }]),
      );
      expect(got.big).toEqual({ type: 'bigint', value: '9007199254740993' });
      expect(got.small_big).toEqual({ type: 'bigint', value: 42 });
      expect(got.amount).toEqual({ type: 'decimal', value: '12345678.1234' });
      expect(got.ratio).toEqual({ type: 'real', value: 0.25 });
      expect(got.day).toEqual({ type: 'date', value: '2024-02-29' });
      expect(got.at).toEqual({ type: 'timestamp', value: '2024-01-02T03:04:05.123456' });
      expect(got.at_tz).toEqual({ type: 'timestamp', value: '2024-01-02T01:04:05Z' });
      expect(got.bin).toEqual({
        type: 'binary',
        value: Buffer.from([1, 2, 255]).toString('base64'),
      });
      expect(got.doc).toEqual({ type: 'json', value: { a: [1, 2], b: null } });
      if (kind === 'postgres') {
        expect(got.flag).toEqual({ type: 'boolean', value: true });
        expect(got.tags).toEqual({ type: 'text[]', value: ['x', 'y z', 'q"uote'] });
        expect(got.nums).toEqual({ type: 'integer[]', value: [1, null, 3] });
        expect(got.uid).toEqual({ type: 'uuid', value: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' });
        expect(got.span).toEqual({ type: 'interval', value: 'P1DT2H' });
      } else {
        expect(got.flag).toEqual({ type: 'integer', value: 1 });
        expect(got.label).toEqual({ type: 'text', value: 'x' });
      }
    });
  }
}

describe('/v1/query streaming: SQLite', () => streamingSuite('sqlite'));
await describeWithService('postgres', '/v1/query streaming: PostgreSQL', () =>
  streamingSuite('postgres'),
);
await describeWithService('mysql', '/v1/query streaming: MariaDB', () => streamingSuite('mysql'));
