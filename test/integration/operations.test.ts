/**
 * What an operator watches (issue: "health and metrics"): liveness and readiness probes,
 * Prometheus metrics behind the admin token (requests and refusals by code, query latency,
 * audit commits and backlog, SQLite runner use), and JSON request logs with request ids that
 * never hold a key, a token, a cookie or a statement's parameters.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type StartedAirlock } from '../../src/main/app';
import { envKeyProvider } from '../../src/main/store/key-file';
import { tempDir } from '../helpers/harness';
import { randomBytes } from 'node:crypto';

let a: StartedAirlock;
let dataDir: string;
let adminToken: string;
let agentKey: string;

const call = (path: string, init: RequestInit & { token?: string } = {}) => {
  const { token, headers, ...rest } = init;
  return fetch(`${a.url}${path}`, {
    ...rest,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(headers as object) },
  });
};
const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

beforeAll(async () => {
  dataDir = tempDir('airlock-ops-');
  a = await startAirlock({
    dataDir,
    port: 0,
    keyProvider: envKeyProvider(randomBytes(32).toString('hex')),
  });
  adminToken = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  const created = (await (
    await call('/v1/admin/agents', { ...json({ name: 'ops-agent' }), token: adminToken })
  ).json()) as { id: string; apiKey: string };
  agentKey = created.apiKey;
  const grants = [{ connection: 'demo', table: 'orders', actions: ['read'] }];
  await call(`/v1/admin/agents/${created.id}/grants`, {
    ...json({ grants }),
    method: 'PUT',
    token: adminToken,
  });
}, 60_000);
let closed = false;
afterAll(async () => {
  if (!closed) await a?.close();
});

describe('health probes', () => {
  it('live and ready answer 200 in the health shape, with a request id', async () => {
    for (const path of ['/v1/health/live', '/v1/health/ready']) {
      const r = await call(path);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ status: 'ok', version: expect.any(String) });
      expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('GET /metrics', () => {
  it('needs the admin token, and is not the UI page', async () => {
    const r = await call('/metrics');
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    expect((await call('/metrics', { token: agentKey })).status).toBe(401);
  });

  it('counts requests and refusals by code, times queries, and reports the audit and the runners', async () => {
    const secretParam = 'PARAM-SECRET-4242';
    for (let i = 0; i < 3; i++) {
      expect(
        (
          await call('/v1/query', {
            ...json({
              connection: 'demo',
              sql: 'SELECT count(*) FROM orders WHERE status <> ?',
              params: [secretParam],
            }),
            token: agentKey,
          })
        ).status,
      ).toBe(200);
    }
    expect(
      (
        await call('/v1/query', {
          ...json({ connection: 'demo', sql: 'SELECT salary FROM employees' }),
          token: agentKey,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call('/v1/query', {
          ...json({ connection: 'demo', sql: 'SELECT 1' }),
          token: 'alk_nope_nope',
        })
      ).status,
    ).toBe(401);
    const r = await call('/metrics', { token: adminToken });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await r.text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
    expect(
      value(/airlock_http_requests_total\{method="POST",route="\/v1\/query",status="200"\} (\d+)/),
    ).toBeGreaterThanOrEqual(3);
    expect(
      value(/airlock_refusals_total\{code="PERMISSION_DENIED"\} (\d+)/),
    ).toBeGreaterThanOrEqual(1);
    expect(value(/airlock_refusals_total\{code="UNAUTHENTICATED"\} (\d+)/)).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      value(/airlock_query_duration_seconds_count\{route="\/v1\/query",outcome="ok"\} (\d+)/),
    ).toBeGreaterThanOrEqual(3);
    expect(
      value(
        /airlock_query_duration_seconds_count\{route="\/v1\/query",outcome="PERMISSION_DENIED"\} (\d+)/,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(value(/airlock_audit_commit_entries_count (\d+)/)).toBeGreaterThan(0);
    expect(value(/airlock_audit_commit_duration_seconds_count (\d+)/)).toBeGreaterThan(0);
    expect(text).toMatch(/airlock_audit_pending_entries \d+/);
    expect(text).toMatch(/airlock_runner_jobs\{connection="demo",state="running"\} \d+/);
    expect(text).toMatch(/airlock_process_resident_memory_bytes \d+/);
    expect(text).not.toContain(secretParam);
    expect(text).not.toContain(agentKey);
  });
});

describe('request logs', () => {
  it('one JSON line per request with its id, and no key, token, cookie or parameter', async () => {
    const link = a.loginLink();
    const token = new URL(link).searchParams.get('token')!;
    const opened = await fetch(link, { redirect: 'manual' });
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
    await call('/v1/ui/getSettings', {
      ...json({}),
      headers: { 'content-type': 'application/json', cookie, 'x-airlock-ui': '1' },
    });
    const secretParam = 'LOG-SECRET-777';
    const r = await call('/v1/query', {
      ...json({
        connection: 'demo',
        sql: 'SELECT count(*) FROM orders WHERE status = ?',
        params: [secretParam],
      }),
      token: agentKey,
    });
    const reqId = r.headers.get('x-request-id');
    await a.close();
    closed = true;
    const text = readFileSync(join(dataDir, 'logs', 'airlock.log'), 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l.reqId === reqId)!;
    expect(line).toMatchObject({
      msg: 'request',
      method: 'POST',
      route: '/v1/query',
      status: 200,
      agent: 'ops-agent',
    });
    expect(lines.some((l) => l.route === '/login' && l.status === 303)).toBe(true);
    for (const secret of [token, agentKey, adminToken, secretParam, cookie.split('=')[1]!])
      expect(text).not.toContain(secret);
  });
});
