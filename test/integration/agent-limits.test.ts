/**
 * Per-agent limits (issue 10, findings 6 and 15), over real HTTP on loopback: an agent's own
 * requests-per-minute, rows-per-day and bytes-per-day limits, set from the agent's page (the UI
 * operations), refuse with 429, `Retry-After` and an error naming the limit hit; other agents
 * keep the global settings; and the counts survive a restart of the whole core on the same
 * store, so a restart hands out no fresh allowance.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/main/api/server';
import { createCore, type Core } from '../../src/main/core';
import { envKeyProvider } from '../../src/main/store/key-file';

const dataDir = mkdtempSync(join(tmpdir(), 'airlock-agent-limits-'));
const keyHex = randomBytes(32).toString('hex');
const adminToken = `adm_${randomBytes(24).toString('base64url')}`;

interface Running {
  core: Core;
  app: FastifyInstance;
  url: string;
  cookie: string;
}
let run: Running;

async function start(): Promise<Running> {
  const core = await createCore({ dataDir, keyProvider: envKeyProvider(keyHex) });
  let port = 0;
  const app = await buildServer({ core, adminToken, port: () => port });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const link = await fetch(`${url}/v1/admin/login-links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const login = new URL(((await link.json()) as { url: string }).url);
  const opened = await fetch(`${url}${login.pathname}${login.search}`, { redirect: 'manual' });
  const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
  return { core, app, url, cookie };
}

async function stop(r: Running) {
  await r.app.close();
  await r.core.close();
}

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${run.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
const ui = async (op: string, input: unknown) => {
  const r = await fetch(`${run.url}/v1/ui/${op}`, {
    method: 'POST',
    headers: { cookie: run.cookie, 'x-airlock-ui': '1', 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};
const query = async (key: string, sql: string) => {
  const r = await fetch(`${run.url}/v1/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ connection: 'demo', sql }),
  });
  return {
    status: r.status,
    retryAfter: r.headers.get('retry-after'),
    body: (await r.json()) as {
      error: { code: string; message: string; limit?: string } & Record<string, unknown>;
      auditId?: number;
    },
  };
};

async function agent(name: string): Promise<{ id: string; key: string }> {
  const c = await admin('POST', '/v1/admin/agents', { name });
  expect(c.status).toBe(201);
  const { id, apiKey } = (await c.json()) as { id: string; apiKey: string };
  const g = await admin('PUT', `/v1/admin/agents/${id}/grants`, {
    grants: [{ connection: 'demo', table: 'products', actions: ['read'] }],
  });
  expect(g.status).toBe(200);
  return { id, key: apiKey };
}

beforeAll(async () => {
  run = await start();
}, 60_000);
afterAll(async () => {
  if (run) await stop(run).catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('per-agent limits', { timeout: 120_000 }, () => {
  it('an agent without limits of its own follows the global settings', async () => {
    const a = await agent('plain');
    const v = await ui('getAgentLimits', { id: a.id });
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({
      agentId: a.id,
      own: {},
      effective: {
        ratePerMinute: 600,
        ratePerHour: 10_000,
        ratePerDay: 100_000,
        rowsPerDay: null,
        bytesPerDay: null,
      },
    });
  });

  it("an agent's own requests per minute: 429 with Retry-After naming the limit; others unaffected; kept across a restart", async () => {
    const slow = await agent('slow');
    const other = await agent('other');
    const put = await ui('putAgentLimits', { id: slow.id, limits: { ratePerMinute: 3 } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      own: { ratePerMinute: 3 },
      effective: { ratePerMinute: 3, ratePerHour: 10_000 },
    });

    for (let i = 0; i < 3; i++) expect((await query(slow.key, 'SELECT 1 AS one')).status).toBe(200);
    const refused = await query(slow.key, 'SELECT 1 AS one');
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refused.body.error).toMatchObject({
      code: 'RATE_LIMITED',
      limit: 'ratePerMinute',
      retryAfterSec: Number(refused.retryAfter),
    });
    expect(refused.body.error.message).toBe(
      `agent 'slow' exceeded the agent's own limit of 3 requests per minute (ratePerMinute); retry in ${refused.retryAfter} s`,
    );
    expect(typeof refused.body.auditId).toBe('number');
    expect((await query(other.key, 'SELECT 1 AS one')).status).toBe(200);

    // The change is on the record.
    const entry = run.core.db
      .prepare<[], { details: string }>(
        "SELECT details FROM audit_log WHERE action = 'admin.agent.limits' ORDER BY id DESC LIMIT 1",
      )
      .get();
    expect(JSON.parse(entry!.details)).toMatchObject({
      agentId: slow.id,
      agent: 'slow',
      before: {},
      after: { ratePerMinute: 3 },
    });

    // A restart of the whole core on the same store: the limit and the minute's count are kept.
    await stop(run);
    run = await start();
    const again = await query(slow.key, 'SELECT 1 AS one');
    expect(again.status).toBe(429);
    expect(again.body.error.limit).toBe('ratePerMinute');
    expect((await ui('getAgentLimits', { id: slow.id })).body).toMatchObject({
      own: { ratePerMinute: 3 },
    });

    // `{}` returns the agent to the global settings.
    const cleared = await ui('putAgentLimits', { id: slow.id, limits: {} });
    expect(cleared.body).toMatchObject({ own: {}, effective: { ratePerMinute: 600 } });
    expect((await query(slow.key, 'SELECT 1 AS one')).status).toBe(200);
  });

  it('rows per day: the request that crosses the limit is answered, the next is refused until the day ends', async () => {
    const a = await agent('rows');
    await ui('putAgentLimits', { id: a.id, limits: { rowsPerDay: 5 } });
    expect((await query(a.key, 'SELECT id FROM products ORDER BY id LIMIT 3')).status).toBe(200);
    expect((await query(a.key, 'SELECT id FROM products ORDER BY id LIMIT 3')).status).toBe(200);
    const refused = await query(a.key, 'SELECT id FROM products ORDER BY id LIMIT 1');
    expect(refused.status).toBe(429);
    expect(refused.body.error.limit).toBe('rowsPerDay');
    expect(refused.body.error.message).toMatch(
      /exceeded the agent's own limit of 5 rows per day \(rowsPerDay; 6 so far today, UTC\)/,
    );
    const secondsToMidnight = Math.ceil((86_400_000 - (Date.now() % 86_400_000)) / 1000);
    expect(Number(refused.retryAfter)).toBeGreaterThan(secondsToMidnight - 30);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(secondsToMidnight + 1);
    expect((await ui('getAgentLimits', { id: a.id })).body).toMatchObject({ usage: { rows: 6 } });
  });

  it('bytes per day count the answers sent to the agent', async () => {
    const a = await agent('bytes');
    await ui('putAgentLimits', { id: a.id, limits: { bytesPerDay: 3000 } });
    let answered = 0;
    let refused: Awaited<ReturnType<typeof query>> | null = null;
    for (let i = 0; i < 20 && !refused; i++) {
      const r = await query(a.key, 'SELECT id, name, unit_price FROM products ORDER BY id LIMIT 5');
      if (r.status === 429) refused = r;
      else answered++;
    }
    expect(answered).toBeGreaterThan(0);
    expect(refused?.body.error).toMatchObject({ code: 'RATE_LIMITED', limit: 'bytesPerDay' });
    const view = (await ui('getAgentLimits', { id: a.id })).body as { usage: { bytes: number } };
    expect(view.usage.bytes).toBeGreaterThanOrEqual(3000);
  });

  it('refuses limits out of range and unknown agents', async () => {
    const a = await agent('strict');
    expect((await ui('putAgentLimits', { id: a.id, limits: { ratePerMinute: 0 } })).status).toBe(
      400,
    );
    expect((await ui('putAgentLimits', { id: a.id, limits: { perFortnight: 1 } })).status).toBe(
      400,
    );
    expect((await ui('getAgentLimits', { id: 'nope' })).status).toBe(404);
  });
});
