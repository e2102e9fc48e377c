/**
 * The air gap as a guarantee (issue: "The air gap has a door"): Settings refuse an Ollama
 * address off this machine (a public one always, a local-network one until the officer
 * confirms), and a whole session — agents, queries, a refused query, a question answered by
 * the Ollama test double, the officer's settings and audit — opens no connection anywhere
 * but this machine. Every TCP connection the process starts is traced at net.Socket.connect.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/main/api/server';
import { startOllamaDouble, sqlAnswer, type OllamaDouble } from '../doubles/ollama-double';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';
import { probe, serviceUrl, servicesRequired } from '../helpers/services';
import { loginLink, openLink, uiClient, type UiClient } from '../helpers/ui-session';

interface Target {
  host: string;
  port: number | null;
  path: string | null;
}
const targets: Target[] = [];
const originalConnect = net.Socket.prototype.connect;

/** Where a socket was asked to connect, from any of connect()'s call shapes. */
function targetOf(args: unknown[]): Target {
  let a = args[0];
  if (Array.isArray(a)) a = a[0]; // the normalized [options, callback] form
  if (typeof a === 'object' && a !== null) {
    const o = a as { host?: string; port?: number | string; path?: string };
    if (o.path) return { host: '', port: null, path: o.path };
    return {
      host: o.host ?? 'localhost',
      port: o.port === undefined ? null : Number(o.port),
      path: null,
    };
  }
  if (typeof a === 'string' && !/^\d+$/.test(a)) return { host: '', port: null, path: a };
  return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(a), path: null };
}

const isThisMachine = (t: Target) =>
  t.path !== null ||
  t.host === 'localhost' ||
  /^127\./.test(t.host) ||
  t.host === '::1' ||
  t.host === '::ffff:127.0.0.1';

let t: TestAirlock;
let ollama: OllamaDouble;
let ui: UiClient;
let base: string;
let app: Awaited<ReturnType<typeof buildServer>>;

beforeAll(async () => {
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    targets.push(targetOf(args));
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
  ollama = await startOllamaDouble({ models: ['qwen2.5-coder:7b'] });
  t = await startTestAirlock();
  ui = uiClient(t, (await openLink(t, await loginLink(t))).cookie!);
  let port = 0;
  app = await buildServer({ core: t.core, adminToken: t.adminToken, port: () => port });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as net.AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  net.Socket.prototype.connect = originalConnect;
  await app?.close();
  await t?.close();
  await ollama?.close();
});

describe('Settings keep Ollama on this machine', () => {
  const put = (url: string, lanConfirmed?: boolean) => {
    const s = t.core.settings.get();
    return ui.raw('putSettings', {
      ...s,
      ollama: {
        url,
        model: 'qwen2.5-coder:7b',
        ...(lanConfirmed === undefined ? {} : { lanConfirmed }),
      },
    });
  };

  it.each(['https://api.openai.com/v1', 'http://8.8.8.8:11434', 'http://[2001:db8::1]:11434'])(
    '%s is refused, confirmed or not',
    async (url) => {
      for (const confirmed of [false, true]) {
        const r = await put(url, confirmed);
        expect(r.statusCode, r.body).toBe(400);
        expect(r.json().error.message).toMatch(/only connects to this machine|does not resolve/);
      }
      expect(t.core.settings.get().ollama.url).not.toBe(url);
    },
  );

  it('a local-network address needs the officer to confirm it', async () => {
    const r = await put('http://192.168.1.20:11434');
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toMatch(/local network/);
    const ok = await put('http://192.168.1.20:11434', true);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(t.core.settings.get().ollama).toMatchObject({
      url: 'http://192.168.1.20:11434',
      lanConfirmed: true,
    });
  });

  it('an address on this machine is saved as it is', async () => {
    const r = await put(ollama.url);
    expect(r.statusCode, r.body).toBe(200);
    expect(t.core.settings.get().ollama.url).toBe(ollama.url);
  });
});

describe('a whole session connects only to this machine', () => {
  it('agents, queries, a refusal, a question, settings and the audit: every connection is local', async () => {
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${t.adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const servers: { name: string; url: string }[] = [];
    for (const kind of ['postgres', 'mysql'] as const) {
      if (servicesRequired() || (await probe(kind)) === null)
        servers.push({ name: `air-${kind}`, url: serviceUrl(kind, 'test') });
    }
    for (const s of servers) {
      const kind = s.name.endsWith('postgres') ? 'postgres' : 'mysql';
      const r = await admin('POST', '/v1/admin/connections', { name: s.name, kind, url: s.url });
      expect(r.status, await r.clone().text()).toBe(201);
    }
    const created = (await (
      await admin('POST', '/v1/admin/agents', { name: 'air-agent' })
    ).json()) as { id: string; apiKey: string };
    const grants = [{ connection: 'demo', table: 'orders', actions: ['read'] }];
    expect((await admin('PUT', `/v1/admin/agents/${created.id}/grants`, { grants })).status).toBe(
      200,
    );
    const agent = (path: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${created.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    expect((await agent('/v1/connections')).status).toBe(200);
    expect((await agent('/v1/connections/demo/tables')).status).toBe(200);
    expect(
      (await agent('/v1/query', { connection: 'demo', sql: 'SELECT count(*) FROM orders' })).status,
    ).toBe(200);
    expect(
      (await agent('/v1/query', { connection: 'demo', sql: 'SELECT salary FROM employees' }))
        .status,
    ).toBe(403);
    ollama.reply(sqlAnswer('SELECT count(*) AS n FROM orders'));
    const asked = await agent('/v1/ask', {
      connection: 'demo',
      question: 'How many orders are there?',
    });
    expect(asked.status, await asked.clone().text()).toBe(200);
    expect(ollama.chats.length).toBeGreaterThan(0);
    await ui.call('ollamaStatus', {});
    for (const s of servers) await ui.call('checkConnection', { name: s.name });
    expect((await admin('GET', '/v1/admin/audit')).status).toBe(200);

    expect(targets.length).toBeGreaterThan(3);
    expect(targets.filter((x) => !isThisMachine(x))).toEqual([]);
  });
});
