/**
 * A new approval request is heard where an officer looks, headless too: one log line naming
 * the approval, the agent and the connection, and the started Airlock's onApprovalRequested
 * (the desktop notification's source). Neither carries the statement's parameters.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type StartedAirlock } from '../../src/main/app';
import type { Logger } from '../../src/main/ports';
import { envKeyProvider } from '../../src/main/store/key-file';
import { tempDir } from '../helpers/harness';

const CANARY = `canary-${randomBytes(6).toString('hex')}`;
const lines: { msg: string; fields: Record<string, unknown> }[] = [];
const logger: Logger = {
  info: (msg, fields = {}) => lines.push({ msg, fields }),
  warn: (msg, fields = {}) => lines.push({ msg, fields }),
  error: (msg, fields = {}) => lines.push({ msg, fields }),
};

let a: StartedAirlock;
let dataDir: string;
let agentKey: string;
const heard: { id: string; agent: string }[] = [];

const call = (path: string, token: string, body?: unknown, method = 'POST') =>
  fetch(`${a.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  dataDir = tempDir('airlock-approvals-log-');
  a = await startAirlock({
    dataDir,
    port: 0,
    keyProvider: envKeyProvider(randomBytes(32).toString('hex')),
    logger,
  });
  a.onApprovalRequested((v) => heard.push({ id: v.id, agent: v.agent.name }));
  const admin = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  const created = (await (
    await call('/v1/admin/agents', admin, { name: 'log-writer' })
  ).json()) as {
    id: string;
    apiKey: string;
  };
  agentKey = created.apiKey;
  const put = await call(
    `/v1/admin/agents/${created.id}/grants`,
    admin,
    { grants: [{ connection: 'demo', table: 'orders', actions: ['read', 'write'] }] },
    'PUT',
  );
  expect(put.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await a?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('approval requested', () => {
  it('is one log line and one event, without the parameters', async () => {
    const r = await call('/v1/query', agentKey, {
      connection: 'demo',
      sql: 'UPDATE orders SET ship_city = ? WHERE id = ?',
      params: [CANARY, 1],
    });
    expect(r.status).toBe(202);
    const { approval } = (await r.json()) as { approval: { id: string } };
    const said = lines.filter((l) => l.msg.startsWith('approval requested'));
    expect(said).toHaveLength(1);
    expect(said[0]!.msg).toContain("agent 'log-writer'");
    expect(said[0]!.fields).toMatchObject({ approvalId: approval.id, connection: 'demo' });
    expect(heard).toEqual([{ id: approval.id, agent: 'log-writer' }]);
    expect(JSON.stringify(lines)).not.toContain(CANARY);
    // Nor in the request log the server writes to the data directory.
    for (const f of readdirSync(dataDir, { recursive: true, encoding: 'utf8' })) {
      if (f.endsWith('.log')) expect(readFileSync(join(dataDir, f), 'utf8')).not.toContain(CANARY);
    }
  });
});
