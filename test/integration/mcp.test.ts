/**
 * MCP for agents (issue 14), over real HTTP on loopback with the official SDK client: the
 * tools an agent is shown follow its grants, a query answers structured content mirrored as
 * text, a refusal is a tool error naming its audit entry, each call is one audit entry (the
 * one REST makes, plus the transport), and the key, Host and Origin rules hold at /mcp.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/main/api/server';
import type { AuditEntry } from '../../src/shared/domain';
import { httpCall } from '../helpers/http-call';
import { sqlAnswer } from '../doubles/ollama-double';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';
import { startNlTestbed, type NlTestbed } from '../helpers/nl';

let bed: NlTestbed;
let t: TestAirlock;
let app: FastifyInstance;
let port = 0;
let reader: { id: string; apiKey: string };
let writer: { id: string; apiKey: string };

beforeAll(async () => {
  bed = await startNlTestbed();
  t = bed.t;
  // The harness's core behind a second server that listens: the MCP client speaks real HTTP.
  app = await buildServer({ core: t.core, adminToken: t.adminToken, port: () => port });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
  reader = await t.createAgent('mcp-reader', [
    { connection: 'demo', table: 'customers', actions: ['read'], columns: ['id', 'first_name'] },
  ]);
  writer = await t.createAgent('mcp-writer', [
    { connection: 'demo', table: 'customers', actions: ['read', 'write'], approval: 'none' },
  ]);
});
afterAll(async () => {
  await app.close();
  await bed.close();
});

const url = () => new URL(`http://127.0.0.1:${port}/mcp`);

async function connect(key: string, era: 'legacy' | 'modern' = 'legacy'): Promise<Client> {
  const client = new Client(
    { name: 'airlock-test', version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  await client.connect(
    new StreamableHTTPClientTransport(url(), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

/** The audit log, oldest first. */
/** Runs `use` with a connected client, closing it after. */
async function withClient(
  key: string,
  use: (client: Client) => Promise<void>,
  era: 'legacy' | 'modern' = 'legacy',
): Promise<void> {
  const client = await connect(key, era);
  try {
    await use(client);
  } finally {
    await client.close();
  }
}

const entries = (): AuditEntry[] =>
  (t.core.audit.list({ limit: 10_000, offset: 0 }).entries as AuditEntry[]).sort(
    (a, b) => a.id - b.id,
  );

type Structured = Record<string, unknown> & { auditId: number };
type Refusal = { error: { code: string; message: string }; auditId: number };

describe('tools/list', () => {
  it('shows a reader the read tools, in a fixed order, with titles, hints and schemas', async () => {
    await withClient(reader.apiKey, async (client) => {
      const { tools } = await client.listTools();
      expect(tools.map((x) => x.name)).toEqual([
        'list_connections',
        'describe_tables',
        'query',
        'ask',
      ]);
      for (const tool of tools) {
        expect(tool.title).toBeTruthy();
        expect(tool.annotations?.readOnlyHint).toBe(true);
        expect(tool.annotations?.destructiveHint).toBe(false);
        expect(tool.inputSchema.type).toBe('object');
        expect(tool.outputSchema?.type).toBe('object');
      }
    });
  });

  it('adds execute, destructive, for an agent holding a write grant; the list stays under 6,000 characters', async () => {
    await withClient(writer.apiKey, async (client) => {
      const list = await client.listTools();
      expect(list.tools.map((x) => x.name)).toEqual([
        'list_connections',
        'describe_tables',
        'query',
        'execute',
        'ask',
      ]);
      const execute = list.tools.find((x) => x.name === 'execute')!;
      expect(execute.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
      expect(JSON.stringify(list).length).toBeLessThan(6000);
    });
  });

  it('is served to a 2026-07-28 client too (server/discover, no initialize)', async () => {
    await withClient(
      reader.apiKey,
      async (client) => {
        expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
        const { tools } = await client.listTools();
        expect(tools.map((x) => x.name)).toEqual([
          'list_connections',
          'describe_tables',
          'query',
          'ask',
        ]);
      },
      'modern',
    );
  });
});

describe('tools/call', () => {
  it('runs a query: structured content mirrored as text, one audit entry like REST plus the transport', async () => {
    await withClient(reader.apiKey, async (client) => {
      const before = entries().length;
      const result = await client.callTool({
        name: 'query',
        arguments: {
          connection: 'demo',
          sql: 'SELECT id, first_name FROM customers ORDER BY id LIMIT 2',
        },
      });
      expect(result.isError).toBeFalsy();
      const s = result.structuredContent as Structured;
      expect(s.columns).toEqual([
        expect.objectContaining({ name: 'id' }),
        expect.objectContaining({ name: 'first_name' }),
      ]);
      expect(s.rowCount).toBe(2);
      expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toEqual(s);
      const added = entries().slice(before);
      expect(added).toHaveLength(1);
      expect(added[0]).toMatchObject({
        id: s.auditId,
        actor: 'agent:mcp-reader',
        action: 'query.read',
        status: 'allowed',
        details: { agentId: reader.id, transport: 'mcp', tool: 'query' },
      });
      // The same statement over REST leaves the same entry.
      const rest = await t.query(
        reader.apiKey,
        'SELECT id, first_name FROM customers ORDER BY id LIMIT 2',
      );
      const restEntry = entries().find((e) => e.id === rest.json().auditId)!;
      const same = (e: AuditEntry) => ({
        actor: e.actor,
        action: e.action,
        connection: e.connection,
        status: e.status,
        decision: e.decision,
        rule: e.rule,
        rowCount: e.rowCount,
        agentId: (e.details as { agentId?: string }).agentId,
      });
      expect(same(added[0]!)).toEqual(same(restEntry));
      // What MCP adds to the entry REST makes: the transport and the tool, nothing else.
      const extra = (e: AuditEntry, other: AuditEntry) =>
        Object.keys(e.details ?? {}).filter((k) => !(k in (other.details ?? {})));
      expect(extra(added[0]!, restEntry)).toEqual(['transport', 'tool']);
      expect(extra(restEntry, added[0]!)).toEqual([]);
    });
  });

  it('refuses a hidden column as a tool error with the audit id of its one entry, recording the transport', async () => {
    await withClient(reader.apiKey, async (client) => {
      const before = entries().length;
      const result = await client.callTool({
        name: 'query',
        arguments: { connection: 'demo', sql: 'SELECT email FROM customers' },
      });
      expect(result.isError).toBe(true);
      const s = result.structuredContent as Refusal;
      expect(s.error.code).toBe('PERMISSION_DENIED');
      expect(typeof s.auditId).toBe('number');
      const added = entries().slice(before);
      expect(added.map((e) => e.id)).toEqual([s.auditId]);
      expect(added[0]).toMatchObject({ status: 'denied', decision: 'deny' });
    });
  });

  it('refuses a write sent to query, and an unknown connection in a listing, each as one entry', async () => {
    await withClient(writer.apiKey, async (client) => {
      const before = entries().length;
      const write = await client.callTool({
        name: 'query',
        arguments: {
          connection: 'demo',
          sql: "UPDATE customers SET first_name = 'x' WHERE id = 1",
        },
      });
      expect(write.isError).toBe(true);
      const tables = await client.callTool({
        name: 'describe_tables',
        arguments: { connection: 'nowhere' },
      });
      expect(tables.isError).toBe(true);
      const refused = [write, tables].map((r) => r.structuredContent as Refusal);
      expect(refused.map((r) => r.error.code)).toEqual([
        'STATEMENT_NOT_ALLOWED',
        'PERMISSION_DENIED',
      ]);
      const added = entries().slice(before);
      expect(added.map((e) => e.id)).toEqual(refused.map((r) => r.auditId));
      expect(added[0]).toMatchObject({ status: 'denied', rule: 'mcp:query-reads-only' });
      expect(added[1]!.details).toMatchObject({
        transport: 'mcp',
        tool: 'describe_tables',
        agentId: writer.id,
      });
    });
  });

  it('lists connections and describes only the granted columns', async () => {
    await withClient(reader.apiKey, async (client) => {
      const conns = await client.callTool({ name: 'list_connections', arguments: {} });
      expect(
        entries().find((e) => e.id === (conns.structuredContent as Structured).auditId),
      ).toMatchObject({
        action: 'connections.list',
        status: 'allowed',
        details: { agentId: reader.id, transport: 'mcp', tool: 'list_connections' },
      });
      expect((conns.structuredContent as { connections: { name: string }[] }).connections).toEqual([
        expect.objectContaining({ name: 'demo' }),
      ]);
      const described = await client.callTool({
        name: 'describe_tables',
        arguments: { connection: 'demo', tables: ['customers', 'orders'] },
      });
      const tables = (
        described.structuredContent as { tables: { name: string; columns: { name: string }[] }[] }
      ).tables;
      expect(tables.map((x) => x.name)).toEqual(['customers']);
      expect(tables[0]!.columns.map((c) => c.name).sort()).toEqual(['first_name', 'id']);
      const auditId = (described.structuredContent as Structured).auditId;
      expect(entries().find((e) => e.id === auditId)).toMatchObject({
        action: 'connections.tables',
        status: 'allowed',
        details: { agentId: reader.id, transport: 'mcp', tool: 'describe_tables' },
      });
    });
  });

  it('refuses execute to a reader (it is not listed for it) as a protocol error, recorded once', async () => {
    await withClient(reader.apiKey, async (client) => {
      const before = entries().length;
      const error = (await client
        .callTool({
          name: 'execute',
          arguments: {
            connection: 'demo',
            sql: "UPDATE customers SET first_name = 'x' WHERE id = 1",
          },
        })
        .then(
          () => null,
          (e: unknown) => e,
        )) as { code: number; message: string; data: { code: string; auditId: number } } | null;
      expect(error?.code).toBe(-32602);
      expect(error?.message).toMatch(/tool 'execute' is not listed for this agent/);
      expect(error?.data.code).toBe('PERMISSION_DENIED');
      const added = entries().slice(before);
      expect(added.map((e) => e.id)).toEqual([error?.data.auditId]);
      expect(added[0]).toMatchObject({
        actor: 'agent:mcp-reader',
        action: 'query',
        connection: 'demo',
        status: 'denied',
        decision: 'deny',
        rule: 'mcp:tool-not-listed',
        details: {
          agentId: reader.id,
          transport: 'mcp',
          tool: 'execute',
          code: 'PERMISSION_DENIED',
        },
      });
      // Refused before any statement ran: the row is as it was.
      const row = await t.query(reader.apiKey, 'SELECT first_name FROM customers WHERE id = 1');
      expect(row.json().rows[0][0]).not.toBe('x');
    });
  });

  it('refuses a tool Airlock does not have as a protocol error, recorded once', async () => {
    await withClient(writer.apiKey, async (client) => {
      const before = entries().length;
      const error = (await client.callTool({ name: 'drop_everything', arguments: {} }).then(
        () => null,
        (e: unknown) => e,
      )) as { code: number; message: string; data: { code: string; auditId: number } } | null;
      expect(error?.code).toBe(-32602);
      expect(error?.message).toMatch(/unknown tool 'drop_everything'/);
      const added = entries().slice(before);
      expect(added.map((e) => e.id)).toEqual([error?.data.auditId]);
      expect(added[0]).toMatchObject({
        actor: 'agent:mcp-writer',
        action: 'mcp',
        connection: null,
        status: 'denied',
        details: {
          agentId: writer.id,
          transport: 'mcp',
          tool: 'drop_everything',
          code: 'NOT_FOUND',
        },
      });
    });
  });

  it('runs execute for a writer and answers rowCount and auditId only', async () => {
    await withClient(writer.apiKey, async (client) => {
      const result = await client.callTool({
        name: 'execute',
        arguments: {
          connection: 'demo',
          sql: 'UPDATE customers SET first_name = first_name WHERE id = ?',
          params: [1],
        },
      });
      expect(result.isError, JSON.stringify(result)).toBeFalsy();
      const s = result.structuredContent as Structured;
      expect(Object.keys(s).sort()).toEqual(['auditId', 'rowCount']);
      expect(s.rowCount).toBe(1);
      expect(entries().find((e) => e.id === s.auditId)).toMatchObject({
        action: 'query.write',
        status: 'allowed',
        details: { agentId: writer.id, transport: 'mcp', tool: 'execute' },
      });
    });
  });
});

describe('more tool calls', () => {
  it('refuses invalid arguments as a tool error, recorded once with the transport', async () => {
    await withClient(reader.apiKey, async (client) => {
      const before = entries().length;
      const result = await client.callTool({
        name: 'query',
        arguments: { connection: 'demo', sql: '' },
      });
      expect(result.isError).toBe(true);
      const s = result.structuredContent as Refusal;
      expect(s.error.code).toBe('VALIDATION_FAILED');
      const added = entries().slice(before);
      expect(added.map((e) => e.id)).toEqual([s.auditId]);
      expect(added[0]!.details).toMatchObject({ transport: 'mcp', tool: 'query' });
    });
  });

  it('answers a question with the contract fields, leaving the entries the same REST ask leaves', async () => {
    const sql = 'SELECT count(*) AS n FROM customers';
    await withClient(reader.apiKey, async (client) => {
      bed.ollama.reply(sqlAnswer(sql, 'Counts customers.'));
      const before = entries().length;
      const result = await client.callTool({
        name: 'ask',
        arguments: { connection: 'demo', question: 'How many customers?' },
      });
      expect(result.isError, JSON.stringify(result)).toBeFalsy();
      const s = result.structuredContent as Structured;
      expect(Object.keys(s).sort()).toEqual([
        'auditId',
        'columns',
        'explanation',
        'rowCount',
        'rows',
        'sql',
        'summary',
        'truncated',
      ]);
      expect(s.sql).toContain('count(*)');
      const viaMcp = entries().slice(before);
      bed.ollama.reply(sqlAnswer(sql, 'Counts customers.'));
      const rest = await bed.ask(reader.apiKey, {
        connection: 'demo',
        question: 'How many customers?',
      });
      expect(rest.statusCode, rest.body).toBe(200);
      const viaRest = entries().slice(before + viaMcp.length);
      expect(viaMcp.map((e) => e.action)).toEqual(viaRest.map((e) => e.action));
      expect(viaMcp.map((e) => e.id)).toContain(s.auditId);
      for (const e of viaMcp) expect(e.details).toMatchObject({ transport: 'mcp', tool: 'ask' });
      for (const e of viaRest) expect(e.details).not.toHaveProperty('transport');
    });
  });
});

describe('the door', () => {
  const accept = 'application/json, text/event-stream';
  const init = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'raw', version: '1' },
    },
  };

  it('answers 401 with a JSON-RPC error without a key or with a wrong one', async () => {
    for (const key of [null, 'alk_not-a-real-key']) {
      const r = await httpCall(port, 'POST', '/mcp', key, init);
      expect(r.status).toBe(401);
      const body = JSON.parse(r.body) as { jsonrpc: string; id: null; error: { code: number } };
      expect(body.jsonrpc).toBe('2.0');
      expect(body.id).toBeNull();
      expect(body.error.code).toBe(-32001);
    }
  });

  it('answers 403 for a foreign or null Origin and a foreign Host, even with a good key', async () => {
    for (const origin of ['http://evil.example', 'null']) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/mcp',
        headers: {
          host: `127.0.0.1:7717`,
          origin,
          authorization: `Bearer ${reader.apiKey}`,
          'content-type': 'application/json',
        },
        payload: init,
      });
      expect(r.statusCode).toBe(403);
    }
    const r = await t.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: {
        host: 'evil.example:7717',
        authorization: `Bearer ${reader.apiKey}`,
        'content-type': 'application/json',
      },
      payload: init,
    });
    expect(r.statusCode).toBe(403);
  });

  it('answers 401 once the key is revoked', async () => {
    const gone = await t.createAgent('mcp-revoked', [
      { connection: 'demo', table: 'customers', actions: ['read'] },
    ]);
    const post = () =>
      app.inject({
        method: 'POST',
        url: '/mcp',
        headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${gone.apiKey}`, accept },
        payload: init,
      });
    expect((await post()).statusCode).toBe(200);
    expect((await t.admin('DELETE', `/v1/admin/agents/${gone.id}`)).statusCode).toBe(200);
    const r = await post();
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe(-32001);
  });

  it('applies the agent rate limits: 429 as a JSON-RPC error with Retry-After and the audit id', async () => {
    const limited = await startTestAirlock({
      rateLimits: [{ windowMs: 60_000, max: 1, label: 'minute' }],
    });
    try {
      const agent = await limited.createAgent('mcp-limited', [
        { connection: 'demo', table: 'customers', actions: ['read'] },
      ]);
      const post = () =>
        limited.request({
          method: 'POST',
          url: '/mcp',
          token: agent.apiKey,
          headers: { accept },
          payload: init,
        });
      expect((await post()).statusCode).toBe(200);
      const r = await post();
      expect(r.statusCode).toBe(429);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      const body = r.json() as { error: { code: number; data: { code: string; auditId: number } } };
      expect(body.error.code).toBe(-32001);
      expect(body.error.data.code).toBe('RATE_LIMITED');
      expect(typeof body.error.data.auditId).toBe('number');
    } finally {
      await limited.close();
    }
  });

  it('answers a body that is not JSON with a JSON-RPC parse error, audited as an agent request', async () => {
    const r = await httpCall(port, 'POST', '/mcp', reader.apiKey, '{"jsonrpc": "2.0", ');
    expect(r.status).toBe(400);
    const body = JSON.parse(r.body) as {
      jsonrpc: string;
      error: { code: number; data: { code: string; auditId: number } };
    };
    expect(body.jsonrpc).toBe('2.0');
    expect(body.error.code).toBe(-32700);
    expect(body.error.data.code).toBe('VALIDATION_FAILED');
    expect(entries().find((e) => e.id === body.error.data.auditId)).toMatchObject({
      actor: 'agent:mcp-reader',
      status: 'denied',
    });
  });

  it('answers GET /mcp with 405: there is no session stream', async () => {
    const r = await httpCall(port, 'GET', '/mcp', reader.apiKey);
    expect(r.status).toBe(405);
  });
});
