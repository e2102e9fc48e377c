/**
 * Test harness: a real core (encrypted store in a temp dir, the demo database copied in)
 * behind the real Fastify server, driven with inject(). No mocks.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildServer } from '../../src/main/api/server';
import { createCore, type Core, type CoreOptions } from '../../src/main/core';
import { envKeyProvider } from '../../src/main/store/key-file';
import type { Grant } from '../../src/shared/domain';

export const TEST_PORT = 7717;
export const HOST = `127.0.0.1:${TEST_PORT}`;

export interface TestAirlock {
  core: Core;
  app: FastifyInstance;
  dataDir: string;
  storeKeyHex: string;
  adminToken: string;
  /** inject() with a loopback Host and JSON body. */
  request(opts: InjectOptions & { token?: string }): Promise<LightMyRequestResponse>;
  admin(
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
  ): Promise<LightMyRequestResponse>;
  /** POST /v1/query as the agent holding `apiKey`. */
  query(
    apiKey: string,
    sql: string,
    params?: unknown,
    connection?: string,
  ): Promise<LightMyRequestResponse>;
  /** Creates an agent with these grants and returns its id and key. */
  createAgent(name: string, grants: Grant[]): Promise<{ id: string; apiKey: string }>;
  close(): Promise<void>;
}

export function tempDir(prefix = 'airlock-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestAirlock(
  opts: Partial<Pick<CoreOptions, 'queryLimits' | 'rateLimits' | 'clock' | 'nl'>> & {
    bodyLimit?: number;
    dataDir?: string;
  } = {},
): Promise<TestAirlock> {
  const dataDir = opts.dataDir ?? tempDir();
  const storeKeyHex = randomBytes(32).toString('hex');
  const core = await createCore({
    dataDir,
    keyProvider: envKeyProvider(storeKeyHex),
    ...(opts.queryLimits ? { queryLimits: opts.queryLimits } : {}),
    ...(opts.rateLimits ? { rateLimits: opts.rateLimits } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.nl ? { nl: opts.nl } : {}),
  });
  const adminToken = `adm_${randomBytes(24).toString('base64url')}`;
  const app = await buildServer({
    core,
    adminToken,
    port: TEST_PORT,
    ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
  });

  const request: TestAirlock['request'] = (o) => {
    const { token, headers, ...rest } = o;
    return app.inject({
      ...rest,
      headers: {
        host: HOST,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(headers ?? {}),
      },
    });
  };
  const t: TestAirlock = {
    core,
    app,
    dataDir,
    storeKeyHex,
    adminToken,
    request,
    admin: (method, url, body) =>
      request({
        method,
        url,
        token: adminToken,
        ...(body === undefined ? {} : { payload: body as object }),
      }),
    query: (apiKey, sql, params, connection = 'demo') =>
      request({
        method: 'POST',
        url: '/v1/query',
        token: apiKey,
        payload: { connection, sql, ...(params === undefined ? {} : { params }) },
      }),
    async createAgent(name, grants) {
      const created = await t.admin('POST', '/v1/admin/agents', { name });
      if (created.statusCode !== 201)
        throw new Error(`createAgent: ${created.statusCode} ${created.body}`);
      const { id, apiKey } = created.json() as { id: string; apiKey: string };
      const put = await t.admin('PUT', `/v1/admin/agents/${id}/grants`, { grants });
      if (put.statusCode !== 200) throw new Error(`grants: ${put.statusCode} ${put.body}`);
      return { id, apiKey };
    },
    async close() {
      await app.close();
      await core.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
