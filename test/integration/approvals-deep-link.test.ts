/**
 * The approval page link MCP clients are sent to (`<origin>/approvals?id=<id>`,
 * src/main/mcp/mcp-approvals.ts), over real HTTP on loopback: the UI routes by hash, so the
 * server answers the link with a redirect to `#/approvals?id=<id>` on its own origin, keeping
 * an approval id and nothing else, and the page it lands on is the UI.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/main/api/server';
import { startTestAirlock, tempDir, type TestAirlock } from '../helpers/harness';

let t: TestAirlock;
let app: FastifyInstance;
let port = 0;
let base = '';
let approvalId = '';

beforeAll(async () => {
  t = await startTestAirlock();
  const renderer = tempDir('airlock-renderer-');
  mkdirSync(join(renderer, 'assets'));
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Airlock UI</title>');
  app = await buildServer({
    core: t.core,
    adminToken: t.adminToken,
    port: () => port,
    rendererDir: renderer,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  // A real approval: an agent's write held for a person.
  const agent = await t.createAgent('link-writer', [
    { connection: 'demo', table: 'products', actions: ['read', 'write'] },
  ]);
  const held = await fetch(`${base}/v1/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agent.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      connection: 'demo',
      sql: 'UPDATE products SET units_in_stock = units_in_stock + 1 WHERE id = ?',
      params: [1],
    }),
  });
  expect(held.status).toBe(202);
  approvalId = ((await held.json()) as { approval: { id: string } }).approval.id;
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const get = (path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { redirect: 'manual', ...init });

describe('the approval link an MCP client opens', () => {
  it('redirects to the Approvals page of the UI, keeping the approval id', async () => {
    const res = await get(`/approvals?id=${encodeURIComponent(approvalId)}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/#/approvals?id=${approvalId}`);

    // Followed as a browser does: the fragment stays in the browser, the server serves the UI.
    const landed = await fetch(new URL(res.headers.get('location')!, base), {
      redirect: 'manual',
    });
    expect(landed.status).toBe(200);
    expect(await landed.text()).toContain('Airlock UI');
  });

  it('answers HEAD the same way', async () => {
    const res = await get(`/approvals?id=${approvalId}`, { method: 'HEAD' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/#/approvals?id=${approvalId}`);
  });

  it.each([
    ['no id', '/approvals'],
    ['an empty id', '/approvals?id='],
    ['markup', `/approvals?id=${encodeURIComponent('<script>alert(1)</script>')}`],
    ['a path', `/approvals?id=${encodeURIComponent('../../v1/admin/settings')}`],
    ['another origin', `/approvals?id=${encodeURIComponent('//evil.example/x')}`],
    ['a header break', '/approvals?id=a%0d%0aSet-Cookie:%20x=1'],
    ['an over-long id', `/approvals?id=${'a'.repeat(65)}`],
    ['two ids', `/approvals?id=${approvalId}&id=other`],
  ])('with %s, goes to the page without carrying it', async (_what, path) => {
    const res = await get(path);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/#/approvals');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('is a page only: other methods and deeper paths answer 404 in the error shape', async () => {
    const post = await get(`/approvals?id=${approvalId}`, { method: 'POST' });
    expect(post.status).toBe(404);
    expect(await post.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const deeper = await get(`/approvals/${approvalId}`);
    expect(deeper.status).toBe(404);
    expect(await deeper.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('is behind the same Host guard as every other address', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: `/approvals?id=${approvalId}`,
          headers: { host: `attacker.example:${port}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});
