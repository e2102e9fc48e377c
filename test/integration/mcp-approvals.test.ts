/**
 * Approvals over MCP, with the official SDK clients over real HTTP on loopback: a write that
 * needs a person's approval answers `{ approval }` (not an error) and runs once with its
 * `approvalId` after a person approved it; a 2026-07-28 client that declares URL elicitation
 * is sent to Airlock's own Approvals page with a sealed, single-use `requestState`, and its
 * retry runs the write only when a person approved it: nothing the client or the model says
 * can approve it.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/main/api/server';
import type { AuditEntry } from '../../src/shared/domain';
import { startTestAirlock, type TestAirlock } from '../helpers/harness';

let t: TestAirlock;
let app: FastifyInstance;
let port = 0;
let writer: { id: string; apiKey: string };
let other: { id: string; apiKey: string };

beforeAll(async () => {
  t = await startTestAirlock();
  app = await buildServer({ core: t.core, adminToken: t.adminToken, port: () => port });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
  // Writes need approval: the grant does not say "approval": "none".
  const grant = { connection: 'demo', table: 'customers', actions: ['read', 'write'] };
  writer = await t.createAgent('mcp-approver', [grant as never]);
  other = await t.createAgent('mcp-other', [grant as never]);
});
afterAll(async () => {
  await app.close();
  await t.close();
});

type Era = 'legacy' | 'modern';
interface Elicited {
  mode?: string;
  url?: string;
  message?: string;
}

/**
 * A client of one era; `elicit` (modern only) declares URL elicitation and answers each
 * request to open a page.
 */
async function connect(
  key: string,
  era: Era,
  opts: {
    elicit?: (req: Elicited) => Promise<'accept' | 'decline' | 'cancel'>;
    autoFulfill?: boolean;
    maxRounds?: number;
  } = {},
): Promise<Client> {
  const client = new Client(
    { name: 'airlock-test', version: '1.0.0' },
    {
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      ...(opts.elicit ? { capabilities: { elicitation: { url: {} } } } : {}),
      inputRequired: { autoFulfill: opts.autoFulfill ?? true, maxRounds: opts.maxRounds ?? 10 },
    },
  );
  if (opts.elicit) {
    const elicit = opts.elicit;
    client.setRequestHandler('elicitation/create', async (request) => ({
      action: await elicit(request.params as Elicited),
    }));
  }
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

const entries = (): AuditEntry[] =>
  (t.core.audit.list({ limit: 10_000, offset: 0 }).entries as AuditEntry[]).sort(
    (a, b) => a.id - b.id,
  );
const firstName = async (id: number): Promise<string> =>
  (await t.query(writer.apiKey, `SELECT first_name FROM customers WHERE id = ${id}`)).json()
    .rows[0][0] as string;
const approve = async (id: string) =>
  expect((await t.admin('POST', `/v1/admin/approvals/${id}/approve`, {})).statusCode).toBe(200);
const write = (id: number, name: string) => ({
  connection: 'demo',
  sql: 'UPDATE customers SET first_name = ? WHERE id = ?',
  params: [name, id],
});

type Pending = {
  approval: { id: string; status: string; expiresAt: string; preview: { rowsAffected: number } };
  auditId: number;
};
type Refusal = { error: { code: string; message: string }; auditId: number };

describe('execute with a write that needs approval', () => {
  for (const era of ['legacy', 'modern'] as const) {
    it(`answers the approval to a ${era} client, then runs once with approvalId after a person approved`, async () => {
      const client = await connect(writer.apiKey, era);
      try {
        const id = era === 'legacy' ? 1 : 2;
        const before = await firstName(id);
        const asked = await client.callTool({ name: 'execute', arguments: write(id, `${era}-1`) });
        expect(asked.isError, JSON.stringify(asked)).toBeFalsy();
        const p = asked.structuredContent as Pending;
        expect(p.approval).toMatchObject({ status: 'pending', preview: { rowsAffected: 1 } });
        expect(JSON.parse((asked.content as { text: string }[])[0]!.text)).toEqual(p);
        expect(await firstName(id)).toBe(before);
        expect(entries().find((e) => e.id === p.auditId)).toMatchObject({
          action: 'query.write',
          decision: 'needs_approval',
          details: {
            agentId: writer.id,
            approvalId: p.approval.id,
            transport: 'mcp',
            tool: 'execute',
          },
        });

        const call = () =>
          client.callTool({
            name: 'execute',
            arguments: { ...write(id, `${era}-1`), approvalId: p.approval.id },
          });
        const early = await call();
        expect(early.isError).toBe(true);
        expect((early.structuredContent as Refusal).error.code).toBe('APPROVAL_PENDING');
        expect(await firstName(id)).toBe(before);

        await approve(p.approval.id);
        const ran = await call();
        expect(ran.isError, JSON.stringify(ran)).toBeFalsy();
        const done = ran.structuredContent as { rowCount: number; auditId: number };
        expect(done.rowCount).toBe(1);
        expect(await firstName(id)).toBe(`${era}-1`);
        expect(entries().find((e) => e.id === done.auditId)).toMatchObject({
          action: 'query.write',
          status: 'allowed',
          details: { approvalId: p.approval.id, transport: 'mcp', tool: 'execute' },
        });

        const again = await call();
        expect((again.structuredContent as Refusal).error.code).toBe('APPROVAL_USED');
      } finally {
        await client.close();
      }
    });
  }

  it('has no flag a model could set to approve its own write', async () => {
    const client = await connect(writer.apiKey, 'legacy');
    try {
      const { tools } = await client.listTools();
      const execute = tools.find((x) => x.name === 'execute')!;
      expect(Object.keys(execute.inputSchema.properties ?? {}).sort()).toEqual([
        'approvalId',
        'connection',
        'params',
        'sql',
      ]);
      expect(JSON.stringify({ tools }).length).toBeLessThan(6000);
      for (const flag of [{ approved: true }, { confirm: true }, { approval: 'none' }]) {
        const r = await client.callTool({
          name: 'execute',
          arguments: { ...write(3, 'flagged'), ...flag },
        });
        expect((r.structuredContent as Refusal).error.code).toBe('VALIDATION_FAILED');
      }
      // An approval id the agent made up, or another agent's, is nothing.
      const made = await client.callTool({
        name: 'execute',
        arguments: { ...write(3, 'flagged'), approvalId: 'made-up' },
      });
      expect((made.structuredContent as Refusal).error.code).toBe('NOT_FOUND');
      expect(await firstName(3)).not.toBe('flagged');
    } finally {
      await client.close();
    }
  });
});

describe('a 2026-07-28 client that declares URL elicitation', () => {
  it("is sent to Airlock's Approvals page, and its retry runs the write once a person approved it", async () => {
    const seen: Elicited[] = [];
    const before = entries().length;
    const client = await connect(writer.apiKey, 'modern', {
      elicit: async (req) => {
        seen.push(req);
        // The person, on the page the URL names, approves the one pending approval.
        const id = new URL(req.url!).searchParams.get('id')!;
        await approve(id);
        return 'accept';
      },
    });
    try {
      const r = await client.callTool({ name: 'execute', arguments: write(4, 'approved-4') });
      expect(r.isError, JSON.stringify(r)).toBeFalsy();
      expect((r.structuredContent as { rowCount: number }).rowCount).toBe(1);
      expect(await firstName(4)).toBe('approved-4');
      expect(seen).toHaveLength(1);
      const url = new URL(seen[0]!.url!);
      expect(`${url.origin}${url.pathname}`).toBe(`http://127.0.0.1:${port}/approvals`);
      expect(seen[0]!.mode).toBe('url');
      expect(seen[0]!.message).toMatch(/approval/);
      // Two calls on the wire (the ask, the retry), one entry each: requested, then executed.
      const added = entries()
        .slice(before)
        .filter((e) => e.action === 'query.write');
      expect(added.map((e) => e.decision)).toEqual(['needs_approval', 'allow']);
      const approvalId = url.searchParams.get('id');
      for (const e of added)
        expect(e.details).toMatchObject({ approvalId, transport: 'mcp', tool: 'execute' });
    } finally {
      await client.close();
    }
  });

  it('is asked again while no person approved, however often it says accept; the write never runs', async () => {
    const client = await connect(writer.apiKey, 'modern', {
      elicit: async () => 'accept',
      maxRounds: 3,
    });
    try {
      await expect(
        client.callTool({ name: 'execute', arguments: write(5, 'self-approved') }),
      ).rejects.toThrow(/round/i);
      expect(await firstName(5)).not.toBe('self-approved');
    } finally {
      await client.close();
    }
  });

  it('gets a refusal, and nothing runs, when the client declines the page', async () => {
    let id = '';
    const client = await connect(writer.apiKey, 'modern', {
      elicit: async (req) => {
        id = new URL(req.url!).searchParams.get('id')!;
        // Even approved meanwhile: the person declined in the client, so it does not run here.
        await approve(id);
        return 'decline';
      },
    });
    try {
      const r = await client.callTool({ name: 'execute', arguments: write(6, 'declined-6') });
      expect(r.isError).toBe(true);
      const s = r.structuredContent as Refusal;
      expect(s.error.code).toBe('APPROVAL_REQUIRED');
      expect(s.error.message).toContain(id);
      expect(entries().find((e) => e.id === s.auditId)).toMatchObject({
        status: 'denied',
        details: { transport: 'mcp', tool: 'execute' },
      });
      expect(await firstName(6)).not.toBe('declined-6');
    } finally {
      await client.close();
    }
  });
});

describe('the requestState', () => {
  /** The first answer, by hand: the input_required result with its state. */
  async function ask(client: Client, args: Record<string, unknown>) {
    const r = (await client.callTool({ name: 'execute', arguments: args }, {
      allowInputRequired: true,
    } as never)) as unknown as {
      resultType?: string;
      requestState?: string;
      inputRequests?: Record<string, { method: string; params: Elicited }>;
    };
    expect(r.resultType).toBe('input_required');
    expect(typeof r.requestState).toBe('string');
    const page = new URL(r.inputRequests!.approval!.params.url!);
    return { requestState: r.requestState!, approvalId: page.searchParams.get('id')! };
  }
  const retry = (
    client: Client,
    args: Record<string, unknown>,
    requestState: string,
    action = 'accept',
  ) =>
    client.callTool(
      {
        name: 'execute',
        arguments: args,
        requestState,
        inputResponses: { approval: { action } },
      } as never,
      { allowInputRequired: true } as never,
    );
  const manual = (key: string) =>
    connect(key, 'modern', { elicit: async () => 'accept', autoFulfill: false });

  it('is refused when tampered with, replayed, or sent by another agent; each refusal is one entry', async () => {
    const client = await manual(writer.apiKey);
    const intruder = await manual(other.apiKey);
    try {
      const args = write(7, 'state-7');
      const { requestState, approvalId } = await ask(client, args);
      await approve(approvalId);

      const refusedWith = async (p: Promise<unknown>) => {
        const before = entries().length;
        const e = (await p.then(
          () => null,
          (err: unknown) => err,
        )) as { code: number; message: string; data: { auditId: number; code: string } } | null;
        expect(e?.code).toBe(-32602);
        expect(e?.message).toBe('Invalid or expired requestState');
        const added = entries().slice(before);
        expect(added.map((x) => x.id)).toEqual([e?.data.auditId]);
        expect(added[0]).toMatchObject({ status: 'denied', rule: 'mcp:request-state' });
      };
      // One character changed in the sealed payload.
      const i = requestState.indexOf('.') + 5;
      const tampered = `${requestState.slice(0, i)}${requestState[i] === 'A' ? 'B' : 'A'}${requestState.slice(i + 1)}`;
      await refusedWith(retry(client, args, tampered));
      // Another agent's key with this agent's state (its own approval is not its to run).
      await refusedWith(retry(intruder, args, requestState));
      expect(await firstName(7)).not.toBe('state-7');

      const ran = await retry(client, args, requestState);
      expect((ran as { structuredContent: { rowCount: number } }).structuredContent.rowCount).toBe(
        1,
      );
      expect(await firstName(7)).toBe('state-7');
      // Single use: the same state again is refused before anything runs.
      await refusedWith(retry(client, args, requestState));
    } finally {
      await client.close();
      await intruder.close();
    }
  });

  it('carries its approval only for the request approved: another statement is a mismatch', async () => {
    const client = await manual(writer.apiKey);
    try {
      const { requestState, approvalId } = await ask(client, write(8, 'bound-8'));
      await approve(approvalId);
      const r = (await retry(client, write(8, 'swapped-8'), requestState)) as {
        isError?: boolean;
        structuredContent: Refusal;
      };
      expect(r.isError).toBe(true);
      expect(r.structuredContent.error.code).toBe('APPROVAL_MISMATCH');
      expect(await firstName(8)).not.toBe('swapped-8');
    } finally {
      await client.close();
    }
  });
});
