/** Alerts raised by the running core: through the real API, the guard and the durable audit. */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/main/api/server';
import { createCore, type Core } from '../../src/main/core';
import { envKeyProvider } from '../../src/main/store/key-file';
import { tempDir, HOST } from '../helpers/harness';
import type { FastifyInstance } from 'fastify';

describe('security alerts', () => {
  const alerts: string[] = [];
  let core: Core;
  let app: FastifyInstance;
  let dir: string;
  let key: string;
  const adminToken = `adm_${randomBytes(24).toString('base64url')}`;
  const inject = (method: 'GET' | 'POST' | 'PUT', url: string, token: string, payload?: object) =>
    app.inject({
      method,
      url,
      headers: { host: HOST, authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });
  const settle = () => new Promise((r) => setTimeout(r, 300));

  beforeAll(async () => {
    dir = tempDir('airlock-alerts-');
    core = await createCore({
      dataDir: dir,
      keyProvider: envKeyProvider(randomBytes(32).toString('hex')),
      notifier: { alert: (t, b) => alerts.push(`${t}: ${b}`) },
    });
    app = await buildServer({ core, adminToken, port: 7717 });
    const created = (
      await inject('POST', '/v1/admin/agents', adminToken, { name: 'prober' })
    ).json() as { id: string; apiKey: string };
    key = created.apiKey;
    await inject('PUT', `/v1/admin/agents/${created.id}/grants`, adminToken, {
      grants: [{ connection: 'demo', table: 'orders', actions: ['read'] }],
    });
  });
  afterAll(async () => {
    await app.close();
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a burst of denied queries from one agent raises one alert naming it', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await inject('POST', '/v1/query', key, {
        connection: 'demo',
        sql: 'SELECT salary FROM employees',
      });
      expect(r.statusCode).toBe(403);
    }
    await settle();
    expect(alerts.filter((a) => a.startsWith('Repeated denials for agent:prober'))).toHaveLength(1);
  });

  it('failed authentications raise an alert', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await inject('GET', '/v1/connections', `alk_AAAAAAA${i}_${'x'.repeat(43)}`);
      expect(r.statusCode).toBe(401);
    }
    await settle();
    expect(alerts.some((a) => a.startsWith('Repeated failed sign-ins'))).toBe(true);
  });
});
