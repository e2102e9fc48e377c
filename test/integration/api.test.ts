/**
 * Every route of API.md, through the real Fastify server (inject) on a real core and store.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '../../src/shared/contract/api';
import type { Grant } from '../../src/shared/domain';
import type { Clock } from '../../src/main/ports';
import { HOST, TEST_PORT, startTestAirlock, tempDir, type TestAirlock } from '../helpers/harness';

const DEMO_DB = fileURLToPath(new URL('../../resources/demo.db', import.meta.url));

/** A clock the test moves by hand. */
function manualClock(start = Date.now()) {
  let t = start;
  const clock: Clock & { set(ms: number): void; advance(ms: number): void } = {
    now: () => new Date(t),
    monotonicMs: () => performance.now(),
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
  return clock;
}

function expectError(r: LightMyRequestResponse, status: number, code: string) {
  expect(r.statusCode, r.body).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  const body = r.json() as {
    error: { code: string; message: string; [k: string]: unknown };
    auditId?: number;
  };
  expect(ErrorBody.safeParse(body).success, r.body).toBe(true);
  expect(Object.keys(body).every((k) => k === 'error' || k === 'auditId')).toBe(true);
  expect(body.error.code).toBe(code);
  expect(body.error.message.trim().length).toBeGreaterThan(0);
  return body;
}

function expectSecurityHeaders(r: LightMyRequestResponse) {
  expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
  expect(r.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
  expect(r.headers['x-content-type-options']).toBe('nosniff');
  expect(r.headers['x-frame-options']).toBe('DENY');
  expect(r.headers['referrer-policy']).toBe('no-referrer');
}

/** A key of the right shape that was never issued. */
const fakeKey = () =>
  `alk_${randomBytes(6)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 8)}_${randomBytes(32).toString('base64url')}`;

const ordersRead: Grant[] = [{ connection: 'demo', table: 'orders', actions: ['read'] }];

let t: TestAirlock;
let clock: ReturnType<typeof manualClock>;
/** Every agent key and secret the tests saw, to prove none of them reaches the audit. */
const secrets: string[] = [];

async function agent(name: string, grants: Grant[] = ordersRead) {
  const a = await t.createAgent(name, grants);
  secrets.push(a.apiKey);
  return a;
}

async function auditTotal(on: TestAirlock = t): Promise<number> {
  const r = await on.admin('GET', '/v1/admin/audit?limit=1');
  expect(r.statusCode).toBe(200);
  return (r.json() as { total: number }).total;
}

async function newestEntry(on: TestAirlock = t) {
  const r = await on.admin('GET', '/v1/admin/audit?limit=1');
  return (r.json() as { entries: Record<string, unknown>[] }).entries[0]!;
}

beforeAll(async () => {
  clock = manualClock();
  t = await startTestAirlock({ clock });
  secrets.push(t.adminToken);
});
afterAll(() => t?.close());

describe('GET /v1/health', () => {
  it('answers without auth', async () => {
    const r = await t.request({ method: 'GET', url: '/v1/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok', version: '0.1.0' });
    expectSecurityHeaders(r);
    expect(r.headers['cache-control']).toBe('no-store');
  });
});

describe('loopback guard (before anything else)', () => {
  it.each([
    `127.0.0.1:${TEST_PORT}`,
    `localhost:${TEST_PORT}`,
    `[::1]:${TEST_PORT}`,
    `LOCALHOST:${TEST_PORT}`,
  ])('accepts Host %s', async (host) => {
    const r = await t.request({ method: 'GET', url: '/v1/health', headers: { host } });
    expect(r.statusCode).toBe(200);
  });

  const badHosts = [
    'evil.com',
    `127.0.0.1:9999`,
    '127.0.0.1',
    'localhost',
    `evil.com:${TEST_PORT}`,
    `127.0.0.1:${TEST_PORT}.evil.com`,
    `0.0.0.0:${TEST_PORT}`,
    `127.0.0.2:${TEST_PORT}`,
  ];

  it.each(badHosts)('refuses Host %s with 403 on /v1/health', async (host) => {
    const r = await t.request({ method: 'GET', url: '/v1/health', headers: { host } });
    const body = expectError(r, 403, 'FORBIDDEN_ORIGIN');
    expect(body.auditId).toBeUndefined();
    expectSecurityHeaders(r);
  });

  it('refuses a foreign Host before auth: 403, not 401, on admin and agent routes, and audits nothing', async () => {
    const before = await auditTotal();
    for (const [method, url] of [
      ['GET', '/v1/admin/agents'],
      ['POST', '/v1/admin/agents'],
      ['GET', '/v1/connections'],
      ['POST', '/v1/query'],
      ['GET', '/v1/no-such-route'],
    ] as const) {
      const noAuth = await t.request({ method, url, headers: { host: 'evil.com' } });
      expectError(noAuth, 403, 'FORBIDDEN_ORIGIN');
      const withAdmin = await t.request({
        method,
        url,
        token: t.adminToken,
        headers: { host: `127.0.0.1:${TEST_PORT + 1}` },
      });
      expectError(withAdmin, 403, 'FORBIDDEN_ORIGIN');
    }
    expect(await auditTotal()).toBe(before);
  });

  it.each([
    'http://evil.com',
    'null',
    `http://127.0.0.1:9999`,
    `https://127.0.0.1:${TEST_PORT}`,
    `http://127.0.0.1:${TEST_PORT}.evil.com`,
    `http://evil.com:${TEST_PORT}`,
  ])('refuses Origin %s with 403, even on /v1/health', async (origin) => {
    const r = await t.request({ method: 'GET', url: '/v1/health', headers: { origin } });
    expectError(r, 403, 'FORBIDDEN_ORIGIN');
  });

  it('a cross-origin request with a valid admin token changes nothing (CSRF)', async () => {
    const r = await t.request({
      method: 'POST',
      url: '/v1/admin/agents',
      token: t.adminToken,
      payload: { name: 'csrf-victim' },
      headers: { origin: 'http://evil.com' },
    });
    expectError(r, 403, 'FORBIDDEN_ORIGIN');
    const list = await t.admin('GET', '/v1/admin/agents');
    expect((list.json() as { agents: { name: string }[] }).agents.map((a) => a.name)).not.toContain(
      'csrf-victim',
    );
  });

  it.each([
    `http://127.0.0.1:${TEST_PORT}`,
    `http://localhost:${TEST_PORT}`,
    `http://[::1]:${TEST_PORT}`,
  ])('accepts its own Origin %s', async (origin) => {
    const r = await t.request({
      method: 'GET',
      url: '/v1/admin/agents',
      token: t.adminToken,
      headers: { origin },
    });
    expect(r.statusCode).toBe(200);
  });
});

describe('admin auth', () => {
  const adminRoutes = [
    ['POST', '/v1/admin/connections', { name: 'x', kind: 'sqlite', path: '/nonexistent.db' }],
    ['GET', '/v1/admin/connections', undefined],
    ['POST', '/v1/admin/agents', { name: 'nobody' }],
    ['GET', '/v1/admin/agents', undefined],
    ['DELETE', '/v1/admin/agents/some-id', undefined],
    ['GET', '/v1/admin/agents/some-id/grants', undefined],
    ['PUT', '/v1/admin/agents/some-id/grants', { grants: [] }],
    ['GET', '/v1/admin/audit', undefined],
  ] as const;

  it.each(adminRoutes)(
    '%s %s without a token, with a wrong token, with an agent key or another scheme → 401',
    async (method, url, body) => {
      const a = await agent(`authprobe-${randomBytes(4).toString('hex')}`);
      const payload = body === undefined ? {} : { payload: body as object };
      for (const auth of [
        undefined,
        'Bearer wrong',
        `Bearer ${t.adminToken}x`,
        `Bearer ${a.apiKey}`,
        `Basic ${Buffer.from(`admin:${t.adminToken}`).toString('base64')}`,
        t.adminToken,
        'Bearer',
      ]) {
        const r = await t.request({
          method,
          url,
          ...payload,
          headers: auth === undefined ? {} : { authorization: auth },
        });
        const e = expectError(r, 401, 'UNAUTHENTICATED');
        expect(e.error.message).toMatch(/admin token/);
        expectSecurityHeaders(r);
      }
      const ok = await t.request({
        method: 'GET',
        url: '/v1/admin/agents',
        headers: { authorization: `bearer   ${t.adminToken}` },
      });
      expect(ok.statusCode).toBe(200);
    },
  );
});

describe('agents', () => {
  it('create answers 201 with the key, once; the list never shows keys or hashes', async () => {
    const r = await t.admin('POST', '/v1/admin/agents', { name: 'keyholder' });
    expect(r.statusCode).toBe(201);
    const created = r.json() as Record<string, string | null>;
    const apiKey = created.apiKey!;
    secrets.push(apiKey);
    expect(apiKey).toMatch(/^alk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({
      name: 'keyholder',
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(typeof created.id).toBe('string');
    expect(apiKey.startsWith(`${created.keyPrefix!}_`)).toBe(true);
    expect(Object.keys(created).filter((k) => /hash/i.test(k))).toEqual([]);

    const list = await t.admin('GET', '/v1/admin/agents');
    expect(list.statusCode).toBe(200);
    const text = list.body;
    const secretPart = apiKey.split('_').slice(2).join('_');
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain(secretPart);
    expect(text.toLowerCase()).not.toContain('hash');
    expect(text).not.toContain('apiKey');
    const mine = (list.json() as { agents: Record<string, unknown>[] }).agents.find(
      (a) => a.id === created.id,
    );
    expect(mine).toEqual({
      id: created.id,
      name: 'keyholder',
      keyPrefix: created.keyPrefix,
      createdAt: created.createdAt,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });

    const grants = await t.admin('GET', `/v1/admin/agents/${created.id}/grants`);
    expect(grants.statusCode).toBe(200);
    expect(grants.json()).toEqual({ grants: [] });
    expect(grants.body).not.toContain(secretPart);
  });

  it('refuses a taken name (any case) with 409', async () => {
    await agent('twin');
    expectError(await t.admin('POST', '/v1/admin/agents', { name: 'twin' }), 409, 'CONFLICT');
    expectError(await t.admin('POST', '/v1/admin/agents', { name: 'TWIN' }), 409, 'CONFLICT');
  });

  it.each([
    ['empty name', { name: '' }],
    ['bad characters', { name: 'a b;c' }],
    ['too long', { name: 'x'.repeat(65) }],
    ['extra field', { name: 'ok-name', admin: true }],
    ['no name', {}],
    ['expiry not a date', { name: 'ok-name', expiresAt: 'tomorrow' }],
    ['expiry in the past', { name: 'ok-name', expiresAt: '2001-01-01T00:00:00Z' }],
  ])('validates the body: %s → 400', async (_n, body) => {
    const e = expectError(
      await t.admin('POST', '/v1/admin/agents', body),
      400,
      'VALIDATION_FAILED',
    );
    expect(e.error.message.length).toBeGreaterThan(5);
  });

  it('lists validation issues with their paths', async () => {
    const e = expectError(
      await t.admin('POST', '/v1/admin/agents', { name: '', extra: 1 }),
      400,
      'VALIDATION_FAILED',
    );
    const issues = e.error.issues as { path: string; message: string }[];
    expect(Array.isArray(issues)).toBe(true);
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['name']));
    expect(JSON.stringify(issues)).toContain('extra');
  });

  it('revoke: the key gets 401 on the very next request', async () => {
    const a = await agent('revokee');
    expect((await t.query(a.apiKey, 'SELECT id FROM orders WHERE id = 1')).statusCode).toBe(200);
    const r = await t.admin('DELETE', `/v1/admin/agents/${a.id}`);
    expect(r.statusCode).toBe(200);
    expect((r.json() as { revokedAt: string | null }).revokedAt).not.toBeNull();
    const after = await t.query(a.apiKey, 'SELECT id FROM orders WHERE id = 1');
    const e = expectError(after, 401, 'UNAUTHENTICATED');
    expect(e.error.message).toMatch(/revoked/);
    expect(e.auditId).toBeGreaterThan(0);
    expectError(
      await t.request({ method: 'GET', url: '/v1/connections', token: a.apiKey }),
      401,
      'UNAUTHENTICATED',
    );
    // Revoking twice keeps the first time.
    const again = await t.admin('DELETE', `/v1/admin/agents/${a.id}`);
    expect(again.statusCode).toBe(200);
    expect((again.json() as { revokedAt: string }).revokedAt).toBe(
      (r.json() as { revokedAt: string }).revokedAt,
    );
  });

  it('revoking an unknown agent is 404', async () => {
    expectError(await t.admin('DELETE', '/v1/admin/agents/no-such-agent'), 404, 'NOT_FOUND');
  });

  it('an expired key is refused with 401', async () => {
    const expiresAt = new Date(clock.now().getTime() + 60_000).toISOString();
    const created = await t.admin('POST', '/v1/admin/agents', { name: 'shortlived', expiresAt });
    expect(created.statusCode).toBe(201);
    const { id, apiKey } = created.json() as { id: string; apiKey: string };
    secrets.push(apiKey);
    expect((created.json() as { expiresAt: string }).expiresAt).toBe(expiresAt);
    expect(
      (await t.admin('PUT', `/v1/admin/agents/${id}/grants`, { grants: ordersRead })).statusCode,
    ).toBe(200);
    expect((await t.query(apiKey, 'SELECT id FROM orders WHERE id = 1')).statusCode).toBe(200);
    clock.advance(61_000);
    const e = expectError(
      await t.query(apiKey, 'SELECT id FROM orders WHERE id = 1'),
      401,
      'UNAUTHENTICATED',
    );
    expect(e.error.message).toMatch(/expired/);
    expect(e.auditId).toBeGreaterThan(0);
  });

  it('lastUsedAt is set by use', async () => {
    const a = await agent('user-of-key');
    await t.query(a.apiKey, 'SELECT id FROM orders WHERE id = 1');
    const list = (await t.admin('GET', '/v1/admin/agents')).json() as {
      agents: { id: string; lastUsedAt: string | null }[];
    };
    expect(list.agents.find((x) => x.id === a.id)!.lastUsedAt).not.toBeNull();
  });
});

describe('grants', () => {
  let id: string;
  beforeAll(async () => {
    ({ id } = await agent('granted'));
  });

  it.each([
    [
      'unknown connection',
      { grants: [{ connection: 'nope', table: 'orders', actions: ['read'] }] },
      'grants.0.connection',
    ],
    [
      'bad action',
      { grants: [{ connection: 'demo', table: 'orders', actions: ['delete'] }] },
      'grants.0.actions.0',
    ],
    [
      'no actions',
      { grants: [{ connection: 'demo', table: 'orders', actions: [] }] },
      'grants.0.actions',
    ],
    [
      'repeated action',
      { grants: [{ connection: 'demo', table: 'orders', actions: ['read', 'read'] }] },
      'grants.0.actions',
    ],
    [
      'extra field in a grant',
      { grants: [{ connection: 'demo', table: 'orders', actions: ['read'], owner: 'me' }] },
      'grants.0',
    ],
    ['extra top-level field', { grants: [], replace: false }, '(root)'],
    [
      'empty columns',
      { grants: [{ connection: 'demo', table: 'orders', actions: ['read'], columns: [] }] },
      'grants.0.columns',
    ],
    [
      'bad effect',
      { grants: [{ connection: 'demo', table: 'orders', actions: ['read'], effect: 'maybe' }] },
      'grants.0.effect',
    ],
    ['missing table', { grants: [{ connection: 'demo', actions: ['read'] }] }, 'grants.0.table'],
    ['no grants key', {}, 'grants'],
    ['grants not an array', { grants: 'all' }, 'grants'],
  ])('PUT refuses %s with 400 VALIDATION_FAILED and issues', async (_n, body, path) => {
    const before = (await t.admin('GET', `/v1/admin/agents/${id}/grants`)).json();
    const e = expectError(
      await t.admin('PUT', `/v1/admin/agents/${id}/grants`, body),
      400,
      'VALIDATION_FAILED',
    );
    const issues = e.error.issues as { path: string; message: string }[];
    expect(Array.isArray(issues), JSON.stringify(e)).toBe(true);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.map((i) => i.path)).toContain(path);
    // Nothing changed.
    expect((await t.admin('GET', `/v1/admin/agents/${id}/grants`)).json()).toEqual(before);
  });

  it('PUT on an unknown agent is 404', async () => {
    expectError(
      await t.admin('PUT', '/v1/admin/agents/nope/grants', { grants: [] }),
      404,
      'NOT_FOUND',
    );
    expectError(await t.admin('GET', '/v1/admin/agents/nope/grants'), 404, 'NOT_FOUND');
  });

  it('PUT replaces the whole set, and access follows at once', async () => {
    const a = await agent('replaced', [
      { connection: 'demo', table: 'orders', actions: ['read'] },
      { connection: 'demo', table: 'customers', actions: ['read'], columns: ['id', 'city'] },
    ]);
    expect((await t.query(a.apiKey, 'SELECT id FROM orders WHERE id = 1')).statusCode).toBe(200);

    const second: Grant[] = [
      {
        connection: 'demo',
        table: 'products',
        actions: ['read', 'write'],
        approval: 'none',
        columns: ['id', 'name'],
      },
      {
        connection: 'DEMO',
        table: 'products',
        actions: ['read'],
        columns: ['name'],
        effect: 'deny',
      },
    ];
    const r = await t.admin('PUT', `/v1/admin/agents/${a.id}/grants`, { grants: second });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ grants: second });
    expect((await t.admin('GET', `/v1/admin/agents/${a.id}/grants`)).json()).toEqual({
      grants: second,
    });

    expectError(
      await t.query(a.apiKey, 'SELECT id FROM orders WHERE id = 1'),
      403,
      'PERMISSION_DENIED',
    );
    expect((await t.query(a.apiKey, 'SELECT id FROM products WHERE id = 1')).statusCode).toBe(200);
    expectError(
      await t.query(a.apiKey, 'SELECT name FROM products WHERE id = 1'),
      403,
      'PERMISSION_DENIED',
    );

    const empty = await t.admin('PUT', `/v1/admin/agents/${a.id}/grants`, { grants: [] });
    expect(empty.json()).toEqual({ grants: [] });
    expectError(
      await t.query(a.apiKey, 'SELECT id FROM products WHERE id = 1'),
      403,
      'PERMISSION_DENIED',
    );
  });
});

describe('connections (admin)', () => {
  let copy: string;
  beforeAll(() => {
    const d = tempDir('airlock-conn-');
    copy = join(d, 'copy.db');
    copyFileSync(DEMO_DB, copy);
  });

  it('lists the demo connection', async () => {
    const r = await t.admin('GET', '/v1/admin/connections');
    expect(r.statusCode).toBe(200);
    const demo = (r.json() as { connections: Record<string, unknown>[] }).connections.find(
      (c) => c.name === 'demo',
    );
    expect(demo).toMatchObject({ name: 'demo', kind: 'sqlite' });
  });

  it('adds a SQLite connection: 201, no secrets, and it is listed', async () => {
    const r = await t.admin('POST', '/v1/admin/connections', {
      name: 'demo2',
      kind: 'sqlite',
      path: copy,
    });
    expect(r.statusCode, r.body).toBe(201);
    const body = r.json() as Record<string, unknown>;
    expect(body).toMatchObject({ name: 'demo2', kind: 'sqlite', target: copy });
    expect(Object.keys(body).sort()).toEqual(['createdAt', 'kind', 'name', 'target']);
    const list = (await t.admin('GET', '/v1/admin/connections')).json() as {
      connections: { name: string }[];
    };
    expect(list.connections.map((c) => c.name)).toContain('demo2');
  });

  it('refuses a taken name (any case) with 409', async () => {
    expectError(
      await t.admin('POST', '/v1/admin/connections', { name: 'demo', kind: 'sqlite', path: copy }),
      409,
      'CONFLICT',
    );
    expectError(
      await t.admin('POST', '/v1/admin/connections', { name: 'DEMO', kind: 'sqlite', path: copy }),
      409,
      'CONFLICT',
    );
  });

  it('a file that does not exist is 400 CONNECTION_FAILED, and nothing is saved', async () => {
    const e = expectError(
      await t.admin('POST', '/v1/admin/connections', {
        name: 'ghost',
        kind: 'sqlite',
        path: '/nonexistent/dir/x.db',
      }),
      400,
      'CONNECTION_FAILED',
    );
    expect(e.error.message).toMatch(/no SQLite database/);
    const list = (await t.admin('GET', '/v1/admin/connections')).json() as {
      connections: { name: string }[];
    };
    expect(list.connections.map((c) => c.name)).not.toContain('ghost');
  });

  it('a file that is not a database is 400 CONNECTION_FAILED', async () => {
    const junk = join(tempDir('airlock-junk-'), 'junk.db');
    writeFileSync(junk, randomBytes(4096));
    expectError(
      await t.admin('POST', '/v1/admin/connections', { name: 'junk', kind: 'sqlite', path: junk }),
      400,
      'CONNECTION_FAILED',
    );
  });

  it('a PostgreSQL URL is 400 with a clear message and never echoes the password', async () => {
    const before = await auditTotal();
    const url = 'postgres://app:Sup3rS3cret@127.0.0.1:5432/prod';
    const r = await t.admin('POST', '/v1/admin/connections', { name: 'pg', kind: 'postgres', url });
    const e = expectError(r, 400, 'CONNECTION_FAILED');
    expect(e.error.message).toMatch(/PostgreSQL/);
    expect(r.body).not.toContain('Sup3rS3cret');
    const list = await t.admin('GET', '/v1/admin/connections');
    expect(list.body).not.toContain('pg');
    expect(list.body).not.toContain('Sup3rS3cret');
    // A failed admin change is audited too (issue 13), and its entry holds no password either.
    expect(await auditTotal()).toBe(before + 1);
    const latest = await t.admin('GET', '/v1/admin/audit?limit=1');
    expect(latest.json().entries[0]).toMatchObject({ actor: 'admin', status: 'error' });
    expect(latest.body).not.toContain('Sup3rS3cret');
  });

  it.each([
    ['unknown kind', { name: 'x1', kind: 'oracle', url: 'oracle://h' }],
    ['sqlite with a url', { name: 'x2', kind: 'sqlite', url: 'file:x.db' }],
    ['postgres with a path', { name: 'x3', kind: 'postgres', path: '/tmp/x' }],
    ['bad name', { name: 'has space', kind: 'sqlite', path: '/tmp/x.db' }],
    ['extra field', { name: 'x4', kind: 'sqlite', path: '/tmp/x.db', password: 'p' }],
  ])('validates the body: %s → 400 VALIDATION_FAILED', async (_n, body) => {
    expectError(await t.admin('POST', '/v1/admin/connections', body), 400, 'VALIDATION_FAILED');
  });
});

describe('connections (agent view)', () => {
  let key: string;
  beforeAll(async () => {
    // demo2 exists from the admin tests; make sure of it.
    const list = (await t.admin('GET', '/v1/admin/connections')).json() as {
      connections: { name: string }[];
    };
    if (!list.connections.some((c) => c.name === 'demo2')) {
      const copy = join(tempDir('airlock-conn-'), 'copy.db');
      copyFileSync(DEMO_DB, copy);
      expect(
        (
          await t.admin('POST', '/v1/admin/connections', {
            name: 'demo2',
            kind: 'sqlite',
            path: copy,
          })
        ).statusCode,
      ).toBe(201);
    }
    ({ apiKey: key } = await agent('viewer', [
      { connection: 'demo', table: 'orders', actions: ['read'], columns: ['id', 'total'] },
      { connection: 'demo', table: 'customers', actions: ['read'] },
      {
        connection: 'demo',
        table: 'customers',
        actions: ['read'],
        columns: ['email', 'phone'],
        effect: 'deny',
      },
      {
        connection: 'demo',
        table: 'products',
        actions: ['read', 'write'],
        approval: 'none',
        columns: ['units_in_stock'],
      },
      { connection: 'demo', table: 'employees', actions: ['read'], effect: 'deny' },
      { connection: 'demo2', table: '*', actions: ['read'], effect: 'deny' },
    ]));
  });

  it('GET /v1/connections lists only the connections the agent holds an allow grant on', async () => {
    const r = await t.request({ method: 'GET', url: '/v1/connections', token: key });
    expect(r.statusCode).toBe(200);
    const body = r.json() as { connections: unknown[]; auditId: number };
    expect(body.connections).toEqual([{ name: 'demo', kind: 'sqlite' }]);
    expect(Object.keys(body).sort()).toEqual(['auditId', 'connections']);
    expect(body.auditId).toBeGreaterThan(0);
  });

  it('GET /v1/connections/demo/tables shows only granted tables and columns', async () => {
    const r = await t.request({ method: 'GET', url: '/v1/connections/demo/tables', token: key });
    expect(r.statusCode).toBe(200);
    const tables = (
      r.json() as {
        tables: { name: string; actions: string[]; columns: { name: string; type: string }[] }[];
      }
    ).tables;
    const byName = Object.fromEntries(tables.map((x) => [x.name, x]));
    expect(Object.keys(byName).sort()).toEqual(['customers', 'orders', 'products']);
    expect(byName.orders!.actions).toEqual(['read']);
    expect(byName.orders!.columns.map((c) => c.name)).toEqual(['id', 'total']);
    expect(byName.orders!.columns.every((c) => typeof c.type === 'string')).toBe(true);
    expect(byName.customers!.columns.map((c) => c.name)).not.toContain('email');
    expect(byName.customers!.columns.map((c) => c.name)).not.toContain('phone');
    expect(byName.customers!.columns.map((c) => c.name)).toContain('city');
    expect(byName.products!.actions).toEqual(['read', 'write']);
    expect(byName.products!.columns.map((c) => c.name)).toEqual(['units_in_stock']);
    expect(r.body).not.toContain('salary');
    expect(r.body).not.toContain('employees');
  });

  it('the name is matched without regard to case', async () => {
    const r = await t.request({ method: 'GET', url: '/v1/connections/DEMO/tables', token: key });
    expect(r.statusCode).toBe(200);
  });

  it.each(['demo2', 'nonexistent'])(
    'tables of %s (no allow grant / does not exist) → the same 403',
    async (name) => {
      const e = expectError(
        await t.request({ method: 'GET', url: `/v1/connections/${name}/tables`, token: key }),
        403,
        'PERMISSION_DENIED',
      );
      expect(e.error.message).toContain(name);
    },
  );

  it('agent routes need an agent key (the admin token is not one)', async () => {
    expectError(
      await t.request({ method: 'GET', url: '/v1/connections', token: t.adminToken }),
      401,
      'UNAUTHENTICATED',
    );
    expectError(await t.request({ method: 'GET', url: '/v1/connections' }), 401, 'UNAUTHENTICATED');
  });
});

describe('POST /v1/query', () => {
  it('answers reads and writes in the documented shapes', async () => {
    const a = await agent('querier', [
      { connection: 'demo', table: 'orders', actions: ['read', 'write'], approval: 'none' },
    ]);
    const read = await t.query(a.apiKey, 'SELECT id, status FROM orders WHERE id = ?', [1]);
    expect(read.statusCode).toBe(200);
    const rb = read.json() as Record<string, unknown>;
    expect(Object.keys(rb).sort()).toEqual(['auditId', 'columns', 'rowCount', 'rows', 'truncated']);
    expect(rb.rowCount).toBe(1);
    const write = await t.query(a.apiKey, "UPDATE orders SET status = 'paid' WHERE id = ?", [1]);
    expect(write.statusCode).toBe(200);
    const wb = write.json() as Record<string, unknown>;
    expect(wb.rowCount).toBe(1);
    expect(typeof wb.auditId).toBe('number');
  });

  it.each([
    ['no sql', { connection: 'demo' }],
    ['empty sql', { connection: 'demo', sql: '' }],
    ['extra field', { connection: 'demo', sql: 'SELECT 1', limit: 5 }],
    [
      'params of the wrong type',
      { connection: 'demo', sql: 'SELECT id FROM orders WHERE id = ?', params: [{ a: 1 }] },
    ],
  ])('validates the body: %s → 400 VALIDATION_FAILED with an audit entry', async (_n, body) => {
    const a = await agent(`validator-${randomBytes(3).toString('hex')}`);
    const before = await auditTotal();
    const r = await t.request({ method: 'POST', url: '/v1/query', token: a.apiKey, payload: body });
    const e = expectError(r, 400, 'VALIDATION_FAILED');
    expect(await auditTotal()).toBe(before + 1);
    expect(e.auditId).toBe((await newestEntry()).id);
  });
});

describe('request bodies', () => {
  it('text/plain is 415 (admin and agent routes)', async () => {
    const a = await agent('plain-texter');
    for (const token of [t.adminToken, a.apiKey]) {
      const url = token === t.adminToken ? '/v1/admin/agents' : '/v1/query';
      const r = await t.request({
        method: 'POST',
        url,
        token,
        payload: '{"name":"x","connection":"demo","sql":"SELECT 1"}',
        headers: { 'content-type': 'text/plain' },
      });
      expectError(r, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it.each(['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    '%s (a CSRF-able simple request) is 415',
    async (ct) => {
      const r = await t.request({
        method: 'POST',
        url: '/v1/admin/agents',
        token: t.adminToken,
        payload: 'name=x',
        headers: { 'content-type': ct },
      });
      expectError(r, 415, 'UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it('invalid JSON is 400', async () => {
    const r = await t.request({
      method: 'POST',
      url: '/v1/admin/agents',
      token: t.adminToken,
      payload: '{"name": "x",',
      headers: { 'content-type': 'application/json' },
    });
    const e = expectError(r, 400, 'VALIDATION_FAILED');
    expect(e.error.message).toMatch(/JSON/);
  });

  it('an empty JSON body is 400', async () => {
    const r = await t.request({
      method: 'POST',
      url: '/v1/admin/agents',
      token: t.adminToken,
      payload: '',
      headers: { 'content-type': 'application/json' },
    });
    expectError(r, 400, 'VALIDATION_FAILED');
  });

  it('a body over the limit is 413 (admin and agent routes)', async () => {
    const small = await startTestAirlock({ bodyLimit: 1024 });
    try {
      const a = await small.createAgent('big-talker', ordersRead);
      secrets.push(a.apiKey);
      const r = await small.query(
        a.apiKey,
        `SELECT id FROM orders WHERE status = '${'x'.repeat(4000)}'`,
      );
      const e = expectError(r, 413, 'PAYLOAD_TOO_LARGE');
      expectSecurityHeaders(r);
      expect(e.auditId).toBeGreaterThan(0);
      const admin = await small.admin('POST', '/v1/admin/agents', {
        name: 'n',
        pad: 'y'.repeat(4000),
      });
      expectError(admin, 413, 'PAYLOAD_TOO_LARGE');
      // Just under the limit is fine.
      expect((await small.query(a.apiKey, 'SELECT id FROM orders WHERE id = 1')).statusCode).toBe(
        200,
      );
    } finally {
      await small.close();
    }
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/v1/nope'],
    ['GET', '/v2/health'],
    ['POST', '/v1/health'],
    ['DELETE', '/v1/admin/agents'],
    ['GET', '/v1/admin/agents/x/y/z'],
  ] as const)('%s %s → 404 in the error shape', async (method, url) => {
    const r = await t.request({ method, url, token: t.adminToken });
    const e = expectError(r, 404, 'NOT_FOUND');
    expect(e.error.message).toContain(url);
    expectSecurityHeaders(r);
  });
});

describe('rate limit', () => {
  it('the 4th request in a minute is 429 RATE_LIMITED with Retry-After and an audit id', async () => {
    const limited = await startTestAirlock({
      rateLimits: [{ windowMs: 60_000, max: 3, label: 'minute' }],
    });
    try {
      const a = await limited.createAgent('hasty', ordersRead);
      const b = await limited.createAgent('patient', ordersRead);
      secrets.push(a.apiKey, b.apiKey);
      const urls = ['/v1/connections', '/v1/connections/demo/tables'];
      expect((await limited.query(a.apiKey, 'SELECT id FROM orders WHERE id = 1')).statusCode).toBe(
        200,
      );
      for (const url of urls)
        expect((await limited.request({ method: 'GET', url, token: a.apiKey })).statusCode).toBe(
          200,
        );
      const before = await auditTotal(limited);
      const r = await limited.query(a.apiKey, 'SELECT id FROM orders WHERE id = 1');
      const e = expectError(r, 429, 'RATE_LIMITED');
      const retry = Number(r.headers['retry-after']);
      expect(Number.isInteger(retry)).toBe(true);
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(120);
      expect(e.error.retryAfterSec).toBe(retry);
      expect(e.error.message).toMatch(/3 requests per minute/);
      expect(e.auditId).toBeGreaterThan(0);
      expect(await auditTotal(limited)).toBe(before + 1);
      const entry = await newestEntry(limited);
      expect(entry).toMatchObject({
        id: e.auditId,
        actor: 'agent:hasty',
        status: 'denied',
        rule: 'rate-limit:minute',
      });
      // Other agents have their own budget; admin routes are not limited.
      expect((await limited.query(b.apiKey, 'SELECT id FROM orders WHERE id = 1')).statusCode).toBe(
        200,
      );
      for (let i = 0; i < 5; i++)
        expect((await limited.admin('GET', '/v1/admin/agents')).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('GET /v1/openapi.json', () => {
  it('is OpenAPI 3.1 and lists every route, with request schemas for bodies', async () => {
    const r = await t.request({ method: 'GET', url: '/v1/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json() as {
      openapi: string;
      info: { version: string };
      paths: Record<
        string,
        Record<
          string,
          {
            security?: unknown[];
            requestBody?: {
              content: Record<
                string,
                {
                  schema: {
                    type?: string;
                    properties?: Record<string, unknown>;
                    anyOf?: unknown[];
                    oneOf?: unknown[];
                  };
                }
              >;
            };
            parameters?: { name: string; in: string }[];
            responses: Record<string, unknown>;
          }
        >
      >;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('0.1.0');
    const routes: [string, string, boolean][] = [
      ['get', '/v1/health', false],
      ['post', '/v1/admin/connections', true],
      ['get', '/v1/admin/connections', false],
      ['post', '/v1/admin/agents', true],
      ['get', '/v1/admin/agents', false],
      ['delete', '/v1/admin/agents/{id}', false],
      ['put', '/v1/admin/agents/{id}/grants', true],
      ['get', '/v1/admin/agents/{id}/grants', false],
      ['get', '/v1/admin/audit', false],
      ['get', '/v1/connections', false],
      ['get', '/v1/connections/{name}/tables', false],
      ['post', '/v1/query', true],
    ];
    for (const [method, path, hasBody] of routes) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(Object.keys(op!.responses).length).toBeGreaterThan(0);
      if (hasBody) {
        const schema = op!.requestBody?.content['application/json']?.schema;
        expect(schema, `${method} ${path} request schema`).toBeDefined();
        expect(JSON.stringify(schema).length).toBeGreaterThan(20);
      }
      if (path.includes('{')) {
        const p = path.match(/\{(\w+)\}/)![1]!;
        expect(
          op!.parameters?.some((x) => x.name === p && x.in === 'path'),
          `${path} declares ${p}`,
        ).toBe(true);
      }
    }
    // POST /v1/query takes one of two forms: SQL, or a MongoDB structured query.
    type Form = { properties: Record<string, unknown>; required: string[] };
    const forms = (
      doc.paths['/v1/query']!.post!.requestBody!.content['application/json']!.schema as {
        anyOf: Form[];
      }
    ).anyOf;
    const query = forms.find((f) => 'sql' in f.properties)!;
    expect(Object.keys(query.properties)).toEqual(
      expect.arrayContaining(['connection', 'sql', 'params']),
    );
    expect(query.required).toEqual(expect.arrayContaining(['connection', 'sql']));
    const mongo = forms.find((f) => 'mongo' in f.properties)!;
    expect(mongo.required).toEqual(expect.arrayContaining(['connection', 'mongo']));
    const auditParams = doc.paths['/v1/admin/audit']!.get!.parameters!.map((p) => p.name);
    expect(auditParams).toEqual(
      expect.arrayContaining(['agent', 'status', 'from', 'to', 'limit', 'offset']),
    );
    expect(doc.paths['/v1/health']!.get!.security).toEqual([]);
    expect(doc.paths['/v1/query']!.post!.security).toEqual([{ agentKey: [] }]);
    expect(doc.paths['/v1/admin/agents']!.post!.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/v1/ui/listAgents']!.post!.security).toEqual([{ uiSession: [] }]);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      'adminToken',
      'agentKey',
      'uiSession',
    ]);
  });
});

describe('audit', () => {
  let alpha: { id: string; apiKey: string };
  let beta: { id: string; apiKey: string };
  const T1 = Date.parse('2031-03-01T10:00:00.000Z');
  const T2 = Date.parse('2031-03-02T10:00:00.000Z');

  beforeAll(async () => {
    alpha = await agent('alpha');
    beta = await agent('beta');
    clock.set(T1);
    expect((await t.query(alpha.apiKey, 'SELECT id FROM orders WHERE id = 1')).statusCode).toBe(
      200,
    );
    expect(
      (await t.query(alpha.apiKey, 'SELECT id, total FROM orders WHERE id = 2')).statusCode,
    ).toBe(200);
    expect((await t.query(alpha.apiKey, 'SELECT salary FROM employees')).statusCode).toBe(403);
    clock.set(T2);
    expect((await t.query(beta.apiKey, 'SELECT id FROM orders WHERE id = 3')).statusCode).toBe(200);
    expect((await t.query(beta.apiKey, 'SELECT email FROM customers')).statusCode).toBe(403);
    clock.set(T2 + 60_000);
  });

  type Page = {
    entries: { id: number; actor: string; status: string; time: string; [k: string]: unknown }[];
    total: number;
  };
  const page = async (qs: string): Promise<Page> => {
    const r = await t.admin('GET', `/v1/admin/audit${qs}`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as Page;
  };

  it('entries have the documented fields, newest first, and no leaf hash', async () => {
    const p = await page('?limit=50');
    expect(p.entries.length).toBeGreaterThan(5);
    const ids = p.entries.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    for (const e of p.entries) {
      expect(Object.keys(e).sort()).toEqual(
        [
          'action',
          'actor',
          'chainHash',
          'connection',
          'decision',
          'details',
          'id',
          'latencyMs',
          'paramsHash',
          'reason',
          'rowCount',
          'rule',
          'statement',
          'status',
          'time',
        ].sort(),
      );
    }
  });

  it('filters by agent', async () => {
    const p = await page('?agent=alpha');
    expect(p.total).toBe(3);
    expect(p.entries).toHaveLength(3);
    expect(p.entries.every((e) => e.actor === 'agent:alpha')).toBe(true);
  });

  it('filters by status, alone and with an agent', async () => {
    const denied = await page('?status=denied&limit=1000');
    expect(denied.entries.length).toBe(denied.total);
    expect(denied.entries.every((e) => e.status === 'denied')).toBe(true);
    const alphaDenied = await page('?agent=alpha&status=denied');
    expect(alphaDenied.total).toBe(1);
    expect(alphaDenied.entries[0]).toMatchObject({
      actor: 'agent:alpha',
      status: 'denied',
      statement: 'SELECT salary FROM employees',
      decision: 'deny',
    });
    const alphaAllowed = await page('?agent=alpha&status=allowed');
    expect(alphaAllowed.total).toBe(2);
  });

  it('filters by time range (from/to inclusive, any offset)', async () => {
    const fromT2 = await page(`?from=${new Date(T2).toISOString()}&limit=1000`);
    expect(fromT2.entries.every((e) => Date.parse(e.time) >= T2)).toBe(true);
    expect(fromT2.entries.filter((e) => e.actor === 'agent:beta')).toHaveLength(2);
    expect(fromT2.entries.some((e) => e.actor === 'agent:alpha')).toBe(false);

    const window = await page(
      `?from=${encodeURIComponent('2031-03-01T11:00:00+01:00')}&to=${encodeURIComponent('2031-03-01T10:00:00Z')}`,
    );
    expect(window.total).toBe(3);
    expect(window.entries.every((e) => e.actor === 'agent:alpha')).toBe(true);

    const before = await page(`?to=${new Date(T1 - 1).toISOString()}&agent=alpha`);
    expect(before.total).toBe(0);
    expect(before.entries).toEqual([]);
  });

  it('pages with limit/offset; total counts every match', async () => {
    const all = await page('?limit=1000');
    const p1 = await page('?limit=2&offset=0');
    const p2 = await page('?limit=2&offset=2');
    expect(p1.total).toBe(all.total);
    expect(p2.total).toBe(all.total);
    expect(p1.entries.map((e) => e.id)).toEqual(all.entries.slice(0, 2).map((e) => e.id));
    expect(p2.entries.map((e) => e.id)).toEqual(all.entries.slice(2, 4).map((e) => e.id));
    const past = await page(`?offset=${all.total}`);
    expect(past.entries).toEqual([]);
    expect(past.total).toBe(all.total);
    expect((await page('')).entries.length).toBe(Math.min(100, all.total));
  });

  it.each([
    '?status=maybe',
    '?limit=0',
    '?limit=1001',
    '?limit=abc',
    '?offset=-1',
    '?from=yesterday',
    '?to=2031-13-01T00:00:00Z',
    '?actor=alpha',
  ])('refuses %s with 400', async (qs) => {
    expectError(await t.admin('GET', `/v1/admin/audit${qs}`), 400, 'VALIDATION_FAILED');
  });

  it('every agent request produces exactly one entry, whose id the answer carries', async () => {
    const probe = await agent('probe', [
      { connection: 'demo', table: 'orders', actions: ['read'] },
      { connection: 'demo', table: 'customers', actions: ['read'], effect: 'deny' },
    ]);
    const revoked = await agent('probe-revoked');
    await t.admin('DELETE', `/v1/admin/agents/${revoked.id}`);
    const fake = fakeKey();
    secrets.push(fake);

    const requests: [string, () => Promise<LightMyRequestResponse>, number][] = [
      [
        'allowed query',
        () => t.query(probe.apiKey, 'SELECT id FROM orders WHERE id = ?', [1]),
        200,
      ],
      ['denied query (policy)', () => t.query(probe.apiKey, 'SELECT id FROM customers'), 403],
      [
        'denied query (no grant on the connection)',
        () => t.query(probe.apiKey, 'SELECT 1', undefined, 'demo2'),
        403,
      ],
      ['refused statement (guard)', () => t.query(probe.apiKey, 'DROP TABLE orders'), 400],
      ['invalid SQL', () => t.query(probe.apiKey, 'SELEC id FRM orders'), 400],
      ['unknown connection', () => t.query(probe.apiKey, 'SELECT 1', undefined, 'nowhere'), 403],
      [
        'invalid body',
        () =>
          t.request({
            method: 'POST',
            url: '/v1/query',
            token: probe.apiKey,
            payload: { connection: 'demo' },
          }),
        400,
      ],
      [
        'invalid JSON',
        () =>
          t.request({
            method: 'POST',
            url: '/v1/query',
            token: probe.apiKey,
            payload: '{',
            headers: { 'content-type': 'application/json' },
          }),
        400,
      ],
      [
        'text/plain body',
        () =>
          t.request({
            method: 'POST',
            url: '/v1/query',
            token: probe.apiKey,
            payload: 'SELECT 1',
            headers: { 'content-type': 'text/plain' },
          }),
        415,
      ],
      [
        'list connections',
        () => t.request({ method: 'GET', url: '/v1/connections', token: probe.apiKey }),
        200,
      ],
      [
        'list tables',
        () => t.request({ method: 'GET', url: '/v1/connections/demo/tables', token: probe.apiKey }),
        200,
      ],
      [
        'list tables, denied',
        () =>
          t.request({ method: 'GET', url: '/v1/connections/demo2/tables', token: probe.apiKey }),
        403,
      ],
      ['401 with a real-looking key', () => t.query(fake, 'SELECT id FROM orders'), 401],
      ['401 with a revoked key', () => t.query(revoked.apiKey, 'SELECT id FROM orders'), 401],
      ['401 with garbage', () => t.query('garbage-token', 'SELECT id FROM orders'), 401],
      ['401 with no token', () => t.request({ method: 'GET', url: '/v1/connections' }), 401],
    ];
    for (const [what, send, status] of requests) {
      const before = await auditTotal();
      const r = await send();
      expect(r.statusCode, `${what}: ${r.body}`).toBe(status);
      expect(await auditTotal(), what).toBe(before + 1);
      const body = r.json() as { auditId?: number };
      const newest = await newestEntry();
      expect(body.auditId, `${what} carries its audit id`).toBe(newest.id);
      if (status === 200 || status === 403 || status === 400 || status === 415) {
        if (!what.startsWith('401')) expect(newest.actor, what).toBe('agent:probe');
      }
      expect(newest.status, what).toBe(status === 200 ? 'allowed' : 'denied');
    }
    const fakeEntry = (await page('?status=denied&limit=1000')).entries.find((e) =>
      JSON.stringify(e.details ?? {}).includes(fake.slice(0, 12)),
    );
    expect(fakeEntry, 'the fake key is recorded by its public prefix').toBeDefined();
    expect(fakeEntry!.actor).toBe('unknown');
  });

  it('the audit never contains an API key, a key secret or the admin token', async () => {
    const all = await page('?limit=1000');
    expect(all.total).toBeLessThanOrEqual(1000);
    const text = JSON.stringify(all.entries);
    expect(secrets.length).toBeGreaterThan(10);
    for (const s of secrets) {
      expect(text).not.toContain(s);
      const secretPart = s.startsWith('alk_') ? s.slice(13) : s.slice(4);
      expect(text).not.toContain(secretPart);
    }
    // Nor does any table of the store.
    const db = t.core.db;
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as {
      name: string;
    }[];
    const dump = tables
      .map(({ name }) =>
        JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all(), (_k, v: unknown) =>
          Buffer.isBuffer(v) ? v.toString('base64') : v,
        ),
      )
      .join('\n');
    for (const s of secrets) expect(dump).not.toContain(s);
  });
});

describe('security headers', () => {
  it('are on every kind of answer', async () => {
    const a = await agent('headers');
    const answers = [
      await t.request({ method: 'GET', url: '/v1/health' }),
      await t.admin('GET', '/v1/admin/agents'),
      await t.query(a.apiKey, 'SELECT id FROM orders WHERE id = 1'),
      await t.query(a.apiKey, 'SELECT salary FROM employees'),
      await t.request({ method: 'GET', url: '/v1/admin/agents' }),
      await t.request({ method: 'GET', url: '/v1/health', headers: { host: 'evil.com' } }),
      await t.request({ method: 'GET', url: '/nope' }),
      await t.request({ method: 'GET', url: '/' }),
    ];
    for (const r of answers) expectSecurityHeaders(r);
  });

  it('the API answers are not cached', async () => {
    expect((await t.admin('GET', '/v1/admin/agents')).headers['cache-control']).toBe('no-store');
  });
});

it('HOST in the harness matches the port the guard expects', () => {
  expect(HOST).toBe(`127.0.0.1:${TEST_PORT}`);
});
