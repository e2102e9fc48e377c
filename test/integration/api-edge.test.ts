/**
 * The HTTP edge under bad input (issue: "Nothing breaks under bad input"): strings that are
 * not well-formed Unicode never reach the audit chain, bodies that are JSON but not objects
 * get a 400, malformed and over-long URLs answer in the one error shape, validation errors
 * stay small however many issues a body has, and paths that are neither API nor UI pages
 * answer 404 instead of the UI page.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/main/audit/verify';
import { startTestAirlock, tempDir, type TestAirlock } from '../helpers/harness';
import { buildServer } from '../../src/main/api/server';
import { curlFirstCall } from '../../src/renderer/src/lib/curl-example';

let t: TestAirlock;
let key: string;

const errorShape = (body: unknown) => {
  expect(body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
};

beforeAll(async () => {
  t = await startTestAirlock();
  ({ apiKey: key } = await t.createAgent('edge-agent', [
    { connection: 'demo', table: 'products', actions: ['read'] },
  ]));
});
afterAll(async () => t?.close());

describe('strings that are not well-formed Unicode', () => {
  const LONE = ['\ud800', 'a\udfffb', 'x\ud83d', '\udc00\ud800'];

  it.each(LONE)(
    'a lone surrogate in a statement is refused at validation, and the chain stays intact (%j)',
    async (bad) => {
      const res = await t.request({
        method: 'POST',
        url: '/v1/query',
        token: key,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({
          connection: 'demo',
          sql: `SELECT name FROM products WHERE name = '${bad}'`,
        }),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(res.json().error.message).toMatch(/well-formed|surrogate/i);
      expect(verifyAuditChain(t.core.db).ok).toBe(true);
    },
  );

  it('a lone surrogate in an object key is refused too', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/query',
      token: key,
      headers: { 'content-type': 'application/json' },
      payload: `{"connection":"demo","sql":"SELECT 1","\\ud800":1}`,
    });
    expect(res.statusCode).toBe(400);
    expect(verifyAuditChain(t.core.db).ok).toBe(true);
  });

  it('an audit record carrying a lone surrogate (from any door) still verifies', async () => {
    await t.core.auditAdmin(
      'edge.test',
      { note: 'bad \ud800 text', ['k\udc00']: 'v' },
      { statement: 'SELECT \udfff' },
    );
    expect(verifyAuditChain(t.core.db).ok).toBe(true);
  });

  it('well-formed text outside the BMP is accepted', async () => {
    const res = await t.query(key, "SELECT name FROM products WHERE name = '🙂'");
    expect(res.statusCode).toBe(200);
    expect(verifyAuditChain(t.core.db).ok).toBe(true);
  });
});

describe('bodies that are JSON but not objects', () => {
  it.each(['"str"', '1', 'true', 'null', '[]', '[1,2]'])(
    'POST /v1/query with %s answers 400 in the error shape',
    async (payload) => {
      const res = await t.request({
        method: 'POST',
        url: '/v1/query',
        token: key,
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(400);
      errorShape(res.json());
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(typeof res.json().auditId).toBe('number');
    },
  );

  it.each(['"str"', '1', 'false'])('an admin route with %s answers 400', async (payload) => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/admin/agents',
      token: t.adminToken,
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode).toBe(400);
    errorShape(res.json());
  });
});

describe('malformed and over-long URLs', () => {
  it('a bad percent-encoding answers 400 in the error shape, audited for an agent', async () => {
    const res = await t.request({ method: 'GET', url: '/v1/connections/%zz/tables', token: key });
    expect(res.statusCode).toBe(400);
    errorShape(res.json());
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.json())).not.toMatch(/FST_ERR/);
    expect(typeof res.json().auditId).toBe('number');
  });

  it('an over-long path parameter answers in the error shape', async () => {
    const res = await t.request({
      method: 'GET',
      url: `/v1/connections/${'a'.repeat(5000)}/tables`,
      token: key,
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    errorShape(res.json());
    expect(JSON.stringify(res.json())).not.toMatch(/FST_ERR/);
    expect(typeof res.json().auditId).toBe('number');
  });
});

describe('answer and audit size stay bounded', () => {
  it('60,000 unknown keys give a small error and a small audit entry', async () => {
    const body: Record<string, number> = {
      connection: 'demo' as unknown as number,
      sql: 'SELECT 1' as unknown as number,
    };
    for (let i = 0; i < 60_000; i++) body[`k${i}`] = i;
    const payload = JSON.stringify(body);
    expect(payload.length).toBeLessThan(1024 * 1024);
    const res = await t.request({
      method: 'POST',
      url: '/v1/query',
      token: key,
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.length).toBeLessThan(8 * 1024);
    const { auditId } = res.json() as { auditId: number };
    const row = t.core.db.prepare('SELECT * FROM audit_log WHERE id = ?').get(auditId) as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(row).length).toBeLessThan(8 * 1024);
  });

  it('a 40 KB body of wrong types gives a small error', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/query',
      token: key,
      payload: {
        connection: 'demo',
        sql: 'SELECT 1',
        params: Array.from({ length: 8000 }, () => ({ a: [1] })),
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body.length).toBeLessThan(8 * 1024);
    expect(res.json().error.issues.length).toBeLessThanOrEqual(20);
  });
});

describe('paths that are neither the API nor a UI page', () => {
  let withUi: Awaited<ReturnType<typeof buildServer>>;
  beforeAll(async () => {
    const dir = tempDir('airlock-renderer-');
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Airlock UI</title>');
    withUi = await buildServer({
      core: t.core,
      adminToken: t.adminToken,
      port: 7717,
      rendererDir: dir,
    });
  });
  afterAll(async () => withUi?.close());
  const get = (url: string) =>
    withUi.inject({ method: 'GET', url, headers: { host: '127.0.0.1:7717', accept: 'text/html' } });

  it('/metrics without the admin token is a 401 in the error shape, never the UI page', async () => {
    const res = await get('/metrics');
    expect(res.statusCode).toBe(401);
    errorShape(res.json());
  });

  it.each(['/healthz', '/admin', '/.env', '/wp-login', '/agentsx', '/v1', '/mcpx'])(
    '%s answers 404 in the error shape',
    async (url) => {
      const res = await get(url);
      expect(res.statusCode).toBe(404);
      errorShape(res.json());
    },
  );

  it.each([
    '/',
    '/agents',
    '/agents/abc',
    '/audit',
    '/workbench',
    '/ask',
    '/settings',
    '/setup',
    '/connections/demo',
    '/semantic/demo',
    '/agents/abc/grants',
  ])('%s is a UI page', async (url) => {
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Airlock UI');
  });
});

describe("the new agent's first request (setup wizard, key reveal)", () => {
  it('answers 200 for an agent with no grants yet, as the page promises', async () => {
    const { apiKey } = await t.createAgent('fresh-agent', []);
    const text = curlFirstCall('http://127.0.0.1:7717', apiKey);
    const url = /curl (\S+)/.exec(text)![1]!;
    const auth = /-H 'Authorization: ([^']+)'/.exec(text)![1]!;
    const res = await t.request({
      method: 'GET',
      url: new URL(url).pathname,
      headers: { authorization: auth },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ connections: [] });
  });
});
