/**
 * One admin surface (issue 9): the `/v1/admin/*` routes and the UI operations answer through
 * the same handlers, so the same input gives the same answer and the same audit entry at
 * either door; one keyset audit search serves both; and the settings document is read and
 * patched over the admin API, every change (and every refused one) on the record under
 * `admin.settings.update`, never with a secret.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '../../src/shared/contract/api';
import { OPS } from '../../src/shared/contract/ops';
import { entriesNamed, type StoredEntry } from '../helpers/audit-entries';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';
import { signIn, type UiClient } from '../helpers/ui-session';

let t: TestAirlock;
let ui: UiClient;

const entries = (action: string) => entriesNamed(t.core, action);
const lastId = () =>
  (t.core.db.prepare('SELECT max(id) AS n FROM audit_log').get() as { n: number }).n;
const entriesSince = (id: number) =>
  t.core.db.prepare('SELECT * FROM audit_log WHERE id > ? ORDER BY id').all(id) as (StoredEntry & {
    connection: string | null;
  })[];

function errorOf(r: LightMyRequestResponse, status: number, code: string) {
  expect(r.statusCode, r.body).toBe(status);
  const body = r.json() as { error: { code: string; message: string; issues?: unknown[] } };
  expect(ErrorBody.safeParse(body).success, r.body).toBe(true);
  expect(body.error.code).toBe(code);
  return body.error;
}

const ok = (r: LightMyRequestResponse, status = 200) => {
  expect(r.statusCode, r.body).toBe(status);
  return r.json() as Record<string, unknown>;
};

beforeAll(async () => {
  t = await startTestAirlock();
  ui = await signIn(t);
  const a = await t.createAgent('reader', [
    { connection: 'demo', table: 'orders', actions: ['read'] },
  ]);
  // Some traffic to search: allowed reads and denials.
  for (let i = 1; i <= 12; i++) {
    const sql =
      i % 4 === 0 ? 'SELECT salary FROM employees' : `SELECT id FROM orders WHERE id = ${i}`;
    await t.query(a.apiKey, sql);
  }
});
afterAll(async () => {
  await t?.close();
});

describe('the admin routes and the UI operations are one surface', () => {
  it('reads answer the same for the same input, in the operation’s own contract', async () => {
    const id = t.core.agents.list().find((a) => a.name === 'reader')!.id;
    const pairs: [string, unknown, keyof typeof OPS, unknown][] = [
      ['/v1/admin/connections', undefined, 'listConnections', {}],
      ['/v1/admin/agents', undefined, 'listAgents', {}],
      [`/v1/admin/agents/${id}/grants`, undefined, 'getGrants', { id }],
      ['/v1/admin/settings', undefined, 'getSettings', {}],
    ];
    for (const [url, , op, input] of pairs) {
      const viaRoute = ok(await t.admin('GET', url));
      const viaUi = await ui.call(op, input as never);
      expect(viaRoute, url).toEqual(viaUi);
      expect(OPS[op].output.safeParse(viaRoute).success, url).toBe(true);
    }
    // The agent view picks its fields: nothing the store keeps beyond the contract leaves.
    const agents = ok(await t.admin('GET', '/v1/admin/agents')).agents as Record<string, unknown>[];
    expect(Object.keys(agents[0]!).sort()).toEqual(
      ['createdAt', 'expiresAt', 'id', 'keyPrefix', 'lastUsedAt', 'name', 'revokedAt'].sort(),
    );
  });

  it('a change made at either door has the same answer and the same audit entry', async () => {
    const before = lastId();
    const viaRoute = ok(await t.admin('POST', '/v1/admin/agents', { name: 'twin-a' }), 201);
    const viaUi = await ui.call('createAgent', { name: 'twin-b' });
    expect(Object.keys(viaRoute).sort()).toEqual(Object.keys(viaUi).sort());
    const made = entriesSince(before).filter((e) => e.action === 'admin.agent.create');
    expect(made.map((e) => [e.actor, e.status, JSON.parse(e.details!).name])).toEqual([
      ['admin', 'allowed', 'twin-a'],
      ['admin', 'allowed', 'twin-b'],
    ]);
    const keys = made.map((e) => Object.keys(JSON.parse(e.details!)).sort());
    expect(keys[0]).toEqual(keys[1]);
    expect(JSON.stringify(made)).not.toContain(String(viaRoute.apiKey));
    expect(JSON.stringify(made)).not.toContain(viaUi.apiKey);

    // A refusal: the same code at both doors, each on the record under the same action.
    const mark = lastId();
    const r1 = errorOf(await t.admin('DELETE', '/v1/admin/agents/no-such-agent'), 404, 'NOT_FOUND');
    const r2 = ui.raw('revokeAgent', { id: 'no-such-agent' });
    const e2 = errorOf(await r2, 404, 'NOT_FOUND');
    expect(e2.message).toBe(r1.message);
    const failed = entriesSince(mark).filter((e) => e.action === 'admin.agent.revoke');
    expect(failed.map((e) => e.status)).toEqual(['error', 'error']);
    expect(failed[0]!.details).toBe(failed[1]!.details);
  });

  it('admin changes are named admin.<what>, success and failure alike', async () => {
    const before = lastId();
    const a = ok(await t.admin('POST', '/v1/admin/agents', { name: 'named' }), 201);
    ok(
      await t.admin('PUT', `/v1/admin/agents/${String(a.id)}/grants`, {
        grants: [{ connection: 'demo', table: 'orders', actions: ['read'] }],
      }),
    );
    errorOf(
      await t.admin('PUT', `/v1/admin/agents/${String(a.id)}/grants`, {
        grants: [{ connection: 'ghost', table: 'orders', actions: ['read'] }],
      }),
      400,
      'VALIDATION_FAILED',
    );
    ok(await t.admin('DELETE', `/v1/admin/agents/${String(a.id)}`));
    errorOf(await t.admin('DELETE', '/v1/admin/connections/ghost'), 404, 'NOT_FOUND');
    const got = entriesSince(before).map((e) => `${e.action}:${e.status}`);
    expect(got).toEqual([
      'admin.agent.create:allowed',
      'admin.grants.replace:allowed',
      'admin.grants.replace:error',
      'admin.agent.revoke:allowed',
      'admin.connection.remove:error',
    ]);
    // The bundled demo connection made at first start is an added connection too.
    expect(entries('admin.connection.add')[0]).toMatchObject({ actor: 'admin', status: 'allowed' });
    expect(entries('connection.create')).toEqual([]);
  });
});

describe('one audit search, keyset-paged, behind both', () => {
  type Page = {
    entries: { id: number; status: string; actor: string }[];
    total: number;
    totalCapped: boolean;
    nextBeforeId: number | null;
  };
  const adminPage = async (qs: string): Promise<Page> =>
    ok(await t.admin('GET', `/v1/admin/audit?${qs}`)) as unknown as Page;

  it('the same filter and cursor give the same pages at both doors, and the pages tile the log', async () => {
    const filters = [{}, { status: 'allowed' as const }, { agent: 'reader' }, { text: 'orders' }];
    for (const f of filters) {
      const qs = new URLSearchParams(f as Record<string, string>);
      const all = await adminPage(`${qs}&limit=1000`);
      expect(all.total).toBe(all.entries.length);
      expect(all.totalCapped).toBe(false);
      const seen: number[] = [];
      let cursor: number | null = null;
      do {
        const q = new URLSearchParams({
          ...(f as Record<string, string>),
          limit: '3',
          ...(cursor ? { beforeId: String(cursor) } : {}),
        });
        const viaRoute = await adminPage(q.toString());
        const viaUi = await ui.call('searchAudit', {
          ...f,
          limit: 3,
          ...(cursor ? { beforeId: cursor } : {}),
        });
        expect(viaRoute, JSON.stringify(f)).toEqual(viaUi);
        expect(viaRoute.total).toBe(all.total);
        seen.push(...viaRoute.entries.map((e) => e.id));
        cursor = viaRoute.nextBeforeId;
      } while (cursor !== null);
      expect(seen, JSON.stringify(f)).toEqual(all.entries.map((e) => e.id));
    }
  });

  it('filters hold on every page (status, agent, text) and the documented offset still pages', async () => {
    const denied = await adminPage('status=denied&agent=reader&limit=1000');
    expect(denied.entries.length).toBe(3);
    expect(denied.entries.every((e) => e.status === 'denied' && e.actor === 'agent:reader')).toBe(
      true,
    );
    const all = await adminPage('limit=1000');
    const byOffset = await adminPage('limit=4&offset=4');
    expect(byOffset.entries.map((e) => e.id)).toEqual(all.entries.slice(4, 8).map((e) => e.id));
    // The cursor and an offset together: the offset counts from the cursor.
    const first = await adminPage('limit=2');
    const after = await adminPage(`limit=2&offset=2&beforeId=${first.nextBeforeId}`);
    expect(after.entries.map((e) => e.id)).toEqual(all.entries.slice(4, 6).map((e) => e.id));
  });

  it('a cursor that names no entry, or a bad parameter, is refused alike', async () => {
    errorOf(await t.admin('GET', '/v1/admin/audit?beforeId=99999999'), 400, 'VALIDATION_FAILED');
    errorOf(await ui.raw('searchAudit', { beforeId: 99_999_999 }), 400, 'VALIDATION_FAILED');
    errorOf(await t.admin('GET', '/v1/admin/audit?beforeId=abc'), 400, 'VALIDATION_FAILED');
    errorOf(await t.admin('GET', '/v1/admin/audit?limit=1001'), 400, 'VALIDATION_FAILED');
  });
});

describe('settings over the admin API', () => {
  it('GET is the UI’s document; PATCH changes only what it names, and the UI sees it', async () => {
    const before = ok(await t.admin('GET', '/v1/admin/settings'));
    const mark = lastId();
    const patched = ok(
      await t.admin('PATCH', '/v1/admin/settings', { limits: { maxRows: 1234 } }),
    ) as { limits: Record<string, number> };
    expect(patched.limits.maxRows).toBe(1234);
    const expected = structuredClone(before) as { limits: Record<string, number> };
    expected.limits.maxRows = 1234;
    expect(patched).toEqual(expected);
    expect(await ui.call('getSettings', {})).toEqual(patched);
    expect(t.core.queryLimits().maxRows).toBe(1234);

    const made = entriesSince(mark);
    expect(made.map((e) => `${e.actor}:${e.action}:${e.status}`)).toEqual([
      'admin:admin.settings.update:allowed',
    ]);
    expect(JSON.parse(made[0]!.details!)).toMatchObject({ changed: ['limits.maxRows'] });

    // The UI's whole-document save is the same change under the same name.
    const mark2 = lastId();
    await ui.call('putSettings', before as never);
    const back = entriesSince(mark2);
    expect(back.map((e) => `${e.action}:${e.status}`)).toEqual(['admin.settings.update:allowed']);
    expect(JSON.parse(back[0]!.details!)).toMatchObject({ changed: ['limits.maxRows'] });
    expect(ok(await t.admin('GET', '/v1/admin/settings'))).toEqual(before);
  });

  it('refuses a value out of range, an unknown setting, a body that is no object: 400, nothing saved, the patches on the record', async () => {
    const before = ok(await t.admin('GET', '/v1/admin/settings'));
    const mark = lastId();
    const range = errorOf(
      await t.admin('PATCH', '/v1/admin/settings', { limits: { maxRows: 0 } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(range.issues).toEqual([expect.objectContaining({ path: 'limits.maxRows' })]);
    const unknown = errorOf(
      await t.admin('PATCH', '/v1/admin/settings', { limits: { maxRowz: 5 } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(JSON.stringify(unknown)).toMatch(/maxRowz/);
    errorOf(
      await t.admin('PATCH', '/v1/admin/settings', { ollama: { url: 'not a url' } }),
      400,
      'VALIDATION_FAILED',
    );
    errorOf(await t.admin('PATCH', '/v1/admin/settings', [1, 2]), 400, 'VALIDATION_FAILED');
    expect(ok(await t.admin('GET', '/v1/admin/settings'))).toEqual(before);
    const made = entriesSince(mark);
    // The array never reaches the handler (the route takes JSON objects only): three refusals.
    expect(made.map((e) => `${e.action}:${e.status}`)).toEqual([
      'admin.settings.update:error',
      'admin.settings.update:error',
      'admin.settings.update:error',
    ]);
    expect(made.map((e) => JSON.parse(e.details!))).toEqual([
      { changed: ['limits.maxRows'], failed: true, code: 'VALIDATION_FAILED' },
      { changed: ['limits.maxRowz'], failed: true, code: 'VALIDATION_FAILED' },
      { changed: ['ollama.url'], failed: true, code: 'VALIDATION_FAILED' },
    ]);
  });

  it('the air gap refuses a public Ollama address, on the record; no password reaches the log', async () => {
    const mark = lastId();
    const refused = errorOf(
      await t.admin('PATCH', '/v1/admin/settings', {
        ollama: { url: 'http://ollama:pw-0f-refused@8.8.8.8:11434' },
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(refused.message).toMatch(/8\.8\.8\.8 is refused/);
    const saved = ok(
      await t.admin('PATCH', '/v1/admin/settings', {
        ollama: { url: 'http://ollama:pw-0f-saved@127.0.0.1:11434' },
      }),
    ) as { ollama: { url: string } };
    expect(saved.ollama.url).toContain('pw-0f-saved');
    const made = entriesSince(mark);
    expect(made.map((e) => `${e.action}:${e.status}`)).toEqual([
      'admin.settings.update:error',
      'admin.settings.update:allowed',
    ]);
    const everything = JSON.stringify(t.core.db.prepare('SELECT * FROM audit_log').all());
    expect(everything).not.toContain('pw-0f-refused');
    expect(everything).not.toContain('pw-0f-saved');
    expect(JSON.parse(made[1]!.details!)).toMatchObject({
      changed: ['ollama.url'],
      settings: { ollama: { url: 'http://ollama:***@127.0.0.1:11434' } },
    });
  });

  it('null removes a setting the document may go without (JSON Merge Patch)', async () => {
    const mark = lastId();
    const set = ok(
      await t.admin('PATCH', '/v1/admin/settings', { audit: { retentionDays: 3650 } }),
    ) as { audit?: Record<string, unknown> };
    expect(set.audit?.retentionDays).toBe(3650);
    const removed = ok(
      await t.admin('PATCH', '/v1/admin/settings', { audit: { retentionDays: null } }),
    ) as { audit?: Record<string, unknown> };
    expect(removed.audit ?? {}).not.toHaveProperty('retentionDays');
    expect(await ui.call('getSettings', {})).toEqual(removed);
    // A setting the document cannot go without cannot be removed.
    errorOf(
      await t.admin('PATCH', '/v1/admin/settings', { ollama: { url: null } }),
      400,
      'VALIDATION_FAILED',
    );
    const made = entriesSince(mark).filter((e) => e.action === 'admin.settings.update');
    expect(made.map((e) => [e.status, JSON.parse(e.details!).changed])).toEqual([
      ['allowed', ['audit.retentionDays']],
      ['allowed', ['audit.retentionDays']],
      ['error', ['ollama.url']],
    ]);
  });

  it('needs the admin token, and is in the OpenAPI document', async () => {
    const anon = await t.request({ method: 'PATCH', url: '/v1/admin/settings', payload: {} });
    expect(anon.statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/v1/admin/settings' })).statusCode).toBe(401);
    const doc = ok(await t.request({ method: 'GET', url: '/v1/openapi.json' })) as {
      paths: Record<string, Record<string, { security: unknown }>>;
    };
    expect(Object.keys(doc.paths['/v1/admin/settings']!).sort()).toEqual(['get', 'patch']);
    expect(doc.paths['/v1/admin/settings']!.patch!.security).toEqual([{ adminToken: [] }]);
  });
});
