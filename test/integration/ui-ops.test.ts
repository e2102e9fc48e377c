/**
 * The UI's HTTP transport on a real core and store: sign-in by one-time link, the session
 * cookie and its CSRF defences, and every operation of the contract with its answer checked
 * against the contract's output schema.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '../../src/shared/contract/api';
import { OP_NAMES } from '../../src/shared/contract/ops';
import { DEMO_DB } from '../helpers/demo-seed';
import { HOST, startTestAirlock, type TestAirlock } from '../helpers/harness';
import { loginLink, manualClock, openLink, signIn, type UiClient } from '../helpers/ui-session';

let t: TestAirlock;
let ui: UiClient;
const clock = manualClock();

function expectError(r: LightMyRequestResponse, status: number, code: string) {
  expect(r.statusCode, r.body).toBe(status);
  const body = r.json() as { error: { code: string; message: string }; auditId?: number };
  expect(ErrorBody.safeParse(body).success, r.body).toBe(true);
  expect(body.error.code).toBe(code);
  return body;
}

beforeAll(async () => {
  t = await startTestAirlock({ clock });
  ui = await signIn(t);
});
afterAll(() => t?.close());

describe('sign-in with a one-time link', () => {
  it('the link sets an HttpOnly, SameSite=Strict session cookie and sends the browser to the app', async () => {
    const url = await loginLink(t);
    expect(url).toMatch(
      new RegExp(`^http://${HOST.replace(/\./g, '\\.')}/login\\?token=[A-Za-z0-9_-]{43}$`),
    );
    const { response } = await openLink(t, url);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/');
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(
      /^airlock_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/,
    );
    expect(cookie).not.toMatch(/Secure/);
  });

  it('a link works once', async () => {
    const url = await loginLink(t);
    const first = await openLink(t, url);
    expect(first.response.statusCode).toBe(303);
    const again = await openLink(t, url);
    expect(again.response.statusCode).toBe(401);
    expect(again.cookie).toBeNull();
    expect(again.response.body).toMatch(/airlock login-link/);
    expect(again.response.headers['cache-control']).toBe('no-store');
    // The browser that used it is signed in already, and is simply sent on to the app.
    const u = new URL(url);
    const signedIn = await t.request({
      method: 'GET',
      url: `${u.pathname}${u.search}`,
      headers: { cookie: first.cookie! },
    });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers['set-cookie']).toBeUndefined();
  });

  it('a link expires after 10 minutes', async () => {
    const fresh = await loginLink(t);
    const stale = await loginLink(t);
    clock.advance(10 * 60_000 - 1000);
    expect((await openLink(t, fresh)).response.statusCode).toBe(303);
    clock.advance(2000);
    expect((await openLink(t, stale)).response.statusCode).toBe(401);
  });

  it('a made-up or missing token gets no session', async () => {
    for (const url of ['/login', '/login?token=', `/login?token=${'A'.repeat(43)}`]) {
      const r = await t.request({ method: 'GET', url });
      expect(r.statusCode).toBe(401);
      expect(r.headers['set-cookie']).toBeUndefined();
    }
  });

  it('issuing a link needs the admin token', async () => {
    const a = await t.createAgent('link-prober', []);
    for (const headers of [
      {},
      { authorization: `Bearer ${a.apiKey}` },
      { cookie: ui.cookie, 'x-airlock-ui': '1' },
    ]) {
      expectError(
        await t.request({ method: 'POST', url: '/v1/admin/login-links', headers }),
        401,
        'UNAUTHENTICATED',
      );
    }
  });

  it('the session cookie is no admin token', async () => {
    const r = await t.request({
      method: 'GET',
      url: '/v1/admin/agents',
      headers: { cookie: ui.cookie },
    });
    expectError(r, 401, 'UNAUTHENTICATED');
  });
});

describe('the session', () => {
  it('every operation answers 401 UNAUTHENTICATED without one, pointing at the login link', async () => {
    for (const op of OP_NAMES) {
      const r = await t.request({
        method: 'POST',
        url: `/v1/ui/${op}`,
        headers: { 'x-airlock-ui': '1' },
        payload: {},
      });
      const body = expectError(r, 401, 'UNAUTHENTICATED');
      expect(body.error.message).toMatch(/login link/);
      const forged = await t.request({
        method: 'POST',
        url: `/v1/ui/${op}`,
        headers: { 'x-airlock-ui': '1', cookie: `airlock_session=${'x'.repeat(43)}` },
        payload: {},
      });
      expectError(forged, 401, 'UNAUTHENTICATED');
    }
  });

  it('ends after 12 hours without use; use keeps it alive', async () => {
    const s = await signIn(t);
    clock.advance(11 * 3_600_000);
    await s.call('systemInfo', {});
    clock.advance(11 * 3_600_000);
    await s.call('systemInfo', {});
    clock.advance(12 * 3_600_000);
    expectError(await s.raw('systemInfo'), 401, 'UNAUTHENTICATED');
    ui = await signIn(t);
  });

  it('sign-out ends it at once and clears the cookie', async () => {
    const s = await signIn(t);
    const out = await s.raw('logout');
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(
      /^airlock_session=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0$/,
    );
    expectError(await s.raw('listAgents'), 401, 'UNAUTHENTICATED');
  });
});

describe('CSRF defences', () => {
  it('a call without the x-airlock-ui header is refused with 403, even with a valid session', async () => {
    for (const headers of [{ 'x-airlock-ui': '' }, { 'x-airlock-ui': '0' }]) {
      expectError(
        await ui.raw('createAgent', { name: 'csrf-a' }, headers),
        403,
        'FORBIDDEN_ORIGIN',
      );
    }
    const bare = await t.request({
      method: 'POST',
      url: '/v1/ui/createAgent',
      headers: { cookie: ui.cookie },
      payload: { name: 'csrf-b' },
    });
    expectError(bare, 403, 'FORBIDDEN_ORIGIN');
    const names = (await ui.call('listAgents', {})).agents.map((a) => a.name);
    expect(names).not.toContain('csrf-a');
    expect(names).not.toContain('csrf-b');
  });

  it('a foreign Origin is refused with 403, even with the session and the header', async () => {
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:9']) {
      expectError(
        await ui.raw('createAgent', { name: 'csrf-c' }, { origin }),
        403,
        'FORBIDDEN_ORIGIN',
      );
    }
    expect((await ui.raw('listAgents', {}, { origin: `http://${HOST}` })).statusCode).toBe(200);
  });

  it('a form-encoded or text body is refused: JSON only', async () => {
    for (const type of [
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await t.request({
        method: 'POST',
        url: '/v1/ui/createAgent',
        headers: { cookie: ui.cookie, 'x-airlock-ui': '1', 'content-type': type },
        payload: 'name=csrf-d',
      });
      expectError(r, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('invalid input is a 400 naming the field', async () => {
    const body = expectError(
      await ui.raw('createAgent', { name: 'bad name!' }),
      400,
      'VALIDATION_FAILED',
    );
    expect(body.error.message).toMatch(/name/);
    expectError(await ui.raw('auditEntry', { id: 'one' }), 400, 'VALIDATION_FAILED');
    expectError(await ui.raw('listAgents', { extra: 1 }), 400, 'VALIDATION_FAILED');
  });

  it('a call without a body is a call without input', async () => {
    const r = await t.request({
      method: 'POST',
      url: '/v1/ui/systemInfo',
      headers: { cookie: ui.cookie, 'x-airlock-ui': '1' },
    });
    expect(r.statusCode, r.body).toBe(200);
  });
});

describe('operations', () => {
  it('systemInfo names the browser shell, the data directory and how to start the command line', async () => {
    const info = await ui.call('systemInfo', {});
    expect(info).toEqual({
      version: '0.1.0',
      dataDir: t.dataDir,
      url: `http://${HOST}`,
      shell: 'browser',
      // From a checkout, under Node: this node binary runs this checkout's bin/airlock.
      cliCommand: {
        command: process.execPath,
        args: [fileURLToPath(new URL('../../bin/airlock', import.meta.url))],
      },
    });
  });

  it('connections: test, create, check, schema, update (rename keeps grants), remove (drops grants)', async () => {
    expect((await ui.call('listConnections', {})).connections.map((c) => c.name)).toEqual(['demo']);
    const path = join(t.dataDir, 'shop.db');
    copyFileSync(DEMO_DB, path);

    const missing = await ui.call('testConnection', {
      name: 'nowhere',
      kind: 'sqlite',
      path: join(t.dataDir, 'missing.db'),
    });
    expect(missing.ok).toBe(false);
    expect(missing.message).toMatch(/no SQLite database/);
    const probe = await ui.call('testConnection', { name: 'shop', kind: 'sqlite', path });
    expect(probe).toEqual({
      ok: true,
      message: expect.stringMatching(/connected; \d+ tables found/),
      tables: 8,
    });
    expect((await ui.call('listConnections', {})).connections).toHaveLength(1);

    const created = await ui.call('createConnection', {
      name: 'shop',
      kind: 'sqlite',
      path: 'shop.db',
    });
    expect(created).toMatchObject({ name: 'shop', kind: 'sqlite', target: path });
    expectError(
      await ui.raw('createConnection', { name: 'SHOP', kind: 'sqlite', path }),
      409,
      'CONFLICT',
    );
    expect(await ui.call('checkConnection', { name: 'shop' })).toMatchObject({
      ok: true,
      tables: 8,
    });

    const schema = await ui.call('connectionSchema', { name: 'shop' });
    const employees = schema.tables.find((x) => x.name === 'employees')!;
    expect(employees.columns.map((c) => c.name)).toContain('salary');
    expect(await ui.call('connectionSchema', { name: 'shop', refresh: true })).toEqual(schema);
    expectError(await ui.raw('connectionSchema', { name: 'nope' }), 404, 'NOT_FOUND');

    const a = await ui.call('createAgent', { name: 'shopper' });
    await ui.call('putGrants', {
      id: a.id,
      grants: [{ connection: 'shop', table: 'orders', actions: ['read'] }],
    });
    // Rows elsewhere that name the connection (its semantic layer) follow a rename and go with a removal.
    t.core.db
      .prepare(
        "INSERT INTO semantic_layers (connection, document, revision, updated_at) VALUES ('shop', '{}', 1, '2026-01-01')",
      )
      .run();
    const layers = () => t.core.db.prepare('SELECT connection FROM semantic_layers').all();
    const renamed = await ui.call('updateConnection', {
      name: 'shop',
      connection: { name: 'store', kind: 'sqlite', path },
    });
    expect(renamed.name).toBe('store');
    expect((await ui.call('getGrants', { id: a.id })).grants).toEqual([
      { connection: 'store', table: 'orders', actions: ['read'] },
    ]);
    expect(layers()).toEqual([{ connection: 'store' }]);
    const bad = expectError(
      await ui.raw('updateConnection', {
        name: 'store',
        connection: { name: 'store', kind: 'sqlite', path: join(t.dataDir, 'gone.db') },
      }),
      400,
      'CONNECTION_FAILED',
    );
    expect(bad.error.message).toMatch(/no SQLite database/);
    expect((await ui.call('checkConnection', { name: 'store' })).ok).toBe(true);
    expectError(
      await ui.raw('updateConnection', {
        name: 'store',
        connection: { name: 'demo', kind: 'sqlite', path },
      }),
      409,
      'CONFLICT',
    );

    expect(await ui.call('removeConnection', { name: 'store' })).toEqual({});
    expect(layers()).toEqual([]);
    expect((await ui.call('listConnections', {})).connections.map((c) => c.name)).toEqual(['demo']);
    expect((await ui.call('getGrants', { id: a.id })).grants).toEqual([]);
    expectError(await ui.raw('removeConnection', { name: 'store' }), 404, 'NOT_FOUND');

    const audit = await ui.call('searchAudit', { text: 'connection', limit: 20 });
    const actions = (await ui.call('searchAudit', { limit: 50 })).entries
      .filter((e) => e.actor === 'admin')
      .map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'admin.connection.add',
        'admin.connection.update',
        'admin.connection.remove',
        'admin.grants.replace',
        'admin.agent.create',
      ]),
    );
    expect(audit.entries.length).toBeGreaterThan(0);
  });

  it('agents and grants: create (key once), grants validated, access preview, revoke', async () => {
    const created = await ui.call('createAgent', { name: 'report-bot' });
    expect(created.apiKey).toMatch(/^alk_/);
    const list = await ui.call('listAgents', {});
    expect(JSON.stringify(list)).not.toContain(created.apiKey);
    expect(list.agents.find((a) => a.id === created.id)).toMatchObject({
      name: 'report-bot',
      revokedAt: null,
    });

    const unknown = expectError(
      await ui.raw('putGrants', {
        id: created.id,
        grants: [{ connection: 'nope', table: 'orders', actions: ['read'] }],
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(unknown.error.message).toMatch(/connection 'nope'/);
    expectError(await ui.raw('putGrants', { id: 'no-such-agent', grants: [] }), 404, 'NOT_FOUND');
    expectError(await ui.raw('getGrants', { id: 'no-such-agent' }), 404, 'NOT_FOUND');

    const grants = [
      { connection: 'demo', table: 'orders', actions: ['read', 'write'] as ('read' | 'write')[] },
      {
        connection: 'demo',
        table: 'employees',
        actions: ['read'] as ('read' | 'write')[],
        columns: ['id', 'first_name', 'title'],
      },
    ];
    expect((await ui.call('putGrants', { id: created.id, grants })).grants).toEqual(grants);
    expect((await ui.call('getGrants', { id: created.id })).grants).toEqual(grants);

    const preview = await ui.call('accessPreview', { id: created.id });
    expect(preview.connections).toHaveLength(1);
    const demo = preview.connections[0]!;
    expect(demo).toMatchObject({ name: 'demo', kind: 'sqlite', error: null });
    const byName = new Map(demo.tables.map((x) => [x.name, x]));
    expect(byName.get('orders')).toMatchObject({ read: true, write: true });
    expect(byName.get('orders')!.columns.every((c) => c.read && c.write)).toBe(true);
    const emp = byName.get('employees')!;
    expect(emp).toMatchObject({ read: true, write: false });
    expect(
      emp.columns
        .filter((c) => c.read)
        .map((c) => c.name)
        .sort(),
    ).toEqual(['first_name', 'id', 'title']);
    expect(emp.columns.find((c) => c.name === 'salary')).toMatchObject({
      read: false,
      write: false,
    });
    expect(byName.get('customers')).toMatchObject({ read: false, write: false });

    const revoked = await ui.call('revokeAgent', { id: created.id });
    expect(revoked.revokedAt).not.toBeNull();
    const r = await t.query(created.apiKey, 'SELECT id FROM orders LIMIT 1');
    expectError(r, 401, 'UNAUTHENTICATED');
  });

  it('runQuery as the analyst reads any table and records user:analyst', async () => {
    const out = await ui.call('runQuery', {
      connection: 'demo',
      sql: 'SELECT id, first_name, salary FROM employees ORDER BY id LIMIT 3',
    });
    if (!out.ok) throw new Error(out.message);
    expect(out.columns.map((c) => c.name)).toEqual(['id', 'first_name', 'salary']);
    expect(out.rows).toHaveLength(3);
    const entry = await ui.call('auditEntry', { id: out.auditId });
    expect(entry).toMatchObject({
      actor: 'user:analyst',
      action: 'query.read',
      connection: 'demo',
      status: 'allowed',
      rowCount: 3,
    });
    expect(entry.details).not.toHaveProperty('agentId');

    const cut = await ui.call('runQuery', {
      connection: 'demo',
      sql: 'SELECT id FROM orders',
      maxRows: 5,
    });
    expect(cut).toMatchObject({ ok: true, rowCount: 5, truncated: true });
    if (cut.ok) expect(cut.rows).toHaveLength(5);
  });

  it('runQuery as an agent: a hidden column is denied with the reason and an audit entry', async () => {
    const a = await ui.call('createAgent', { name: 'hr-bot' });
    await ui.call('putGrants', {
      id: a.id,
      grants: [
        {
          connection: 'demo',
          table: 'employees',
          actions: ['read', 'write'],
          columns: ['id', 'first_name'],
        },
      ],
    });
    const allowed = await ui.call('runQuery', {
      connection: 'demo',
      sql: 'SELECT id, first_name FROM employees LIMIT 2',
      asAgent: a.id,
    });
    expect(allowed).toMatchObject({ ok: true, rowCount: 2 });

    const denied = await ui.call('runQuery', {
      connection: 'demo',
      sql: 'SELECT first_name, salary FROM employees',
      asAgent: 'HR-BOT',
    });
    if (denied.ok) throw new Error('salary should be denied');
    expect(denied.code).toBe('PERMISSION_DENIED');
    expect(denied.message).toMatch(/salary/);
    expect(denied.auditId).toEqual(expect.any(Number));
    const entry = await ui.call('auditEntry', { id: denied.auditId! });
    expect(entry).toMatchObject({
      actor: 'user:analyst as agent:hr-bot',
      status: 'denied',
      decision: 'deny',
      statement: 'SELECT first_name, salary FROM employees',
    });
    expect(entry.details).toMatchObject({ asAgentId: a.id });
    // Filtering the audit by the agent shows the agent's own requests, not previews of it.
    expect((await ui.call('searchAudit', { agent: 'hr-bot' })).entries).toEqual([]);

    // The agent may write employees; the workbench still does not.
    const write = await ui.call('runQuery', {
      connection: 'demo',
      sql: "UPDATE employees SET first_name = 'X' WHERE id = 1",
      asAgent: a.id,
    });
    expect(write).toMatchObject({
      ok: false,
      code: 'STATEMENT_NOT_ALLOWED',
      auditId: expect.any(Number),
    });
    const check = await ui.call('runQuery', {
      connection: 'demo',
      sql: 'SELECT first_name FROM employees WHERE id = 1',
    });
    expect(check.ok && check.rows[0]![0]).not.toBe('X');
    const writeEntry = await ui.call('auditEntry', { id: (write as { auditId: number }).auditId });
    expect(writeEntry).toMatchObject({
      rule: 'workbench:read-only',
      status: 'denied',
      action: 'query.write',
    });

    expect(
      await ui.call('runQuery', { connection: 'demo', sql: 'SELECT 1', asAgent: 'nobody' }),
    ).toMatchObject({ ok: false, code: 'NOT_FOUND', auditId: null });
    const invalid = await ui.call('runQuery', { connection: 'demo', sql: 'SELEC nonsense' });
    expect(invalid).toMatchObject({ ok: false, code: 'INVALID_SQL', auditId: expect.any(Number) });
    const nowhere = await ui.call('runQuery', { connection: 'nowhere', sql: 'SELECT 1' });
    expect(nowhere).toMatchObject({ ok: false });
  });

  it('audit entry and search answer the contract; an unknown entry is 404', async () => {
    const page = await ui.call('searchAudit', { limit: 5 });
    expect(page.entries).toHaveLength(5);
    expect(page.nextBeforeId).toBe(page.entries[4]!.id);
    expect(page.entries[0]).not.toHaveProperty('leafHash');
    expect(await ui.call('auditEntry', { id: page.entries[0]!.id })).toEqual(page.entries[0]);
    expectError(await ui.raw('auditEntry', { id: 99_999_999 }), 404, 'NOT_FOUND');
    expectError(await ui.raw('searchAudit', { beforeId: 99_999_999 }), 400, 'VALIDATION_FAILED');
    expectError(await ui.raw('searchAudit', { from: 'yesterday' }), 400, 'VALIDATION_FAILED');
  });

  it('settings: read, change (audited), refuse nonsense', async () => {
    const s = await ui.call('getSettings', {});
    const next = {
      ...s,
      limits: { ...s.limits, maxRows: 500 },
      ollama: { url: 'http://127.0.0.1:11435', model: 'llama3' },
    };
    expect(await ui.call('putSettings', next)).toEqual(next);
    expect(await ui.call('getSettings', {})).toEqual(next);
    expect(t.core.queryLimits().maxRows).toBe(500);
    expectError(
      await ui.raw('putSettings', { ...next, limits: { ...next.limits, maxRows: 0 } }),
      400,
      'VALIDATION_FAILED',
    );
    const entry = (await ui.call('searchAudit', { text: 'settings', limit: 1 })).entries[0]!;
    expect(entry).toMatchObject({ actor: 'admin', action: 'admin.settings.update' });
    await ui.call('putSettings', s);
  });

  it('verify: a job that finishes with the verdict', async () => {
    const started = await ui.call('startVerify', {});
    expect(started.state).toBe('running');
    let job = started;
    for (let i = 0; i < 400 && job.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      job = await ui.call('verifyStatus', { id: started.id });
    }
    expect(job).toMatchObject({
      state: 'done',
      error: null,
      result: { ok: true, firstBroken: null },
    });
    expect(job.verified).toBe(job.result!.entries);
    expectError(await ui.raw('verifyStatus', { id: 'nope' }), 404, 'NOT_FOUND');
  });

  it('dashboard answers the contract', async () => {
    const d = await ui.call('dashboard', {});
    expect(d.series).toHaveLength(24);
    expect(d.connections).toBe(1);
  });
});
