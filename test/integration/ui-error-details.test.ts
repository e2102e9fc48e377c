/**
 * A failure's details reach the renderer's client whole, over both transports of the UI, on
 * a real core and store: the HTTP route (/v1/ui/<op> with a session cookie) and the Electron
 * IPC wrapper (registered on a fake ipcMain, called the way the preload calls it). The
 * semantic-layer editor's validation issues are the case that needs them.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerOpsIpc, type IpcSenderEvent } from '../../src/main/electron/ipc-ops';
import { createUiBackend, type UiBackend } from '../../src/main/ui/ops-handlers';
import { ApiError, createClient } from '../../src/renderer/src/api/client';
import { layerIssues } from '../../src/renderer/src/lib/semantic-layer-model';
import {
  IPC_PREFIX,
  OP_NAMES,
  type AirlockApi,
  type AirlockBridge,
} from '../../src/shared/contract/ops';
import { HOST, startTestAirlock, type TestAirlock } from '../helpers/harness';
import { signIn } from '../helpers/ui-session';

const APP = `http://${HOST}`;
let t: TestAirlock;
let backend: UiBackend;
let overHttp: AirlockApi;
let overIpc: AirlockApi;

beforeAll(async () => {
  t = await startTestAirlock();
  const { cookie } = await signIn(t);
  // The page's fetch, answered by the real server (inject: no port, the same routes and hooks).
  const fetchImpl = async (url: string | URL | Request, init?: RequestInit) => {
    const r = await t.request({
      method: (init?.method ?? 'GET') as InjectOptions['method'],
      url: String(url),
      headers: { ...(init?.headers as Record<string, string>), cookie },
      payload: String(init?.body ?? ''),
    });
    return new Response(r.body, {
      status: r.statusCode,
      statusText: r.statusMessage,
      headers: { 'content-type': String(r.headers['content-type']) },
    });
  };
  overHttp = createClient({ bridge: null, fetch: fetchImpl as typeof fetch });

  backend = createUiBackend(t.core, { url: () => APP });
  const listeners = new Map<string, (event: IpcSenderEvent, ...args: unknown[]) => unknown>();
  registerOpsIpc(
    { handle: (channel, listener) => void listeners.set(channel, listener) },
    backend.handlers('desktop'),
    APP,
  );
  // What the preload exposes: one method per operation, on its own channel, from the app's page.
  const bridge = Object.fromEntries(
    OP_NAMES.map((name) => [
      name,
      async (input: unknown) =>
        listeners.get(IPC_PREFIX + name)!({ senderFrame: { url: `${APP}/#/semantic` } }, input),
    ]),
  ) as unknown as AirlockBridge;
  overIpc = createClient({ bridge });
});
afterAll(async () => {
  await backend?.close();
  await t?.close();
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('expected a failure'),
    (e: unknown) => e as ApiError,
  );
const transports = () =>
  [
    ['HTTP', overHttp],
    ['IPC', overIpc],
  ] as const;

describe('the semantic layer editor reads validation issues from the details', () => {
  // Messages with "; " and ": " in them: the old way, splitting the message text, got these wrong.
  const layer = {
    version: 1 as const,
    tables: [{ name: 'orders', columns: [{ name: 'totl' }] }, { name: 'orderz' }],
    relationships: [{ from: 'orders.customer_id', to: 'clients.id' }],
    metrics: [],
    examples: [{ question: 'Wipe it?', sql: 'DELETE FROM orders' }],
  };

  it.each(['HTTP', 'IPC'])(
    'over %s: VALIDATION_FAILED with every issue, path by path',
    async (name) => {
      const api = transports().find(([n]) => n === name)![1];
      const e = await failure(api.putSemanticLayer({ connection: 'demo', layer }));
      expect(e).toBeInstanceOf(ApiError);
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(e.status).toBe(400);
      expect(layerIssues(e)).toEqual([
        { path: 'tables.0.columns.0.name', message: "table 'orders' has no column 'totl'" },
        { path: 'tables.1.name', message: "the connection has no table 'orderz'" },
        { path: 'relationships.0.to', message: "the connection has no table 'clients'" },
        { path: 'examples.0.sql', message: 'must be a read-only statement (SELECT)' },
      ]);
    },
  );

  it('both transports give the same error: code, message, details and status', async () => {
    const [http, ipc] = await Promise.all(
      transports().map(([, api]) => failure(api.putSemanticLayer({ connection: 'demo', layer }))),
    );
    expect({
      code: ipc!.code,
      message: ipc!.message,
      status: ipc!.status,
      details: ipc!.details,
    }).toEqual({
      code: http!.code,
      message: http!.message,
      status: http!.status,
      details: http!.details,
    });
    // The layer was not stored.
    expect((await overIpc.getSemanticLayer({ connection: 'demo' })).revision).toBe(0);
  });

  it('an import whose YAML does not parse names the line, over both transports', async () => {
    for (const [, api] of transports()) {
      const e = await failure(
        api.importSemanticLayer({ connection: 'demo', yaml: 'tables:\n  - name: [unclosed\n' }),
      );
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(layerIssues(e).length).toBeGreaterThan(0);
      expect(layerIssues(e)[0]!.path).toMatch(/line \d+/);
    }
  });
});

describe('an input the contract refuses', () => {
  it.each(['HTTP', 'IPC'])('over %s: the issues name the fields', async (name) => {
    const api = transports().find(([n]) => n === name)![1];
    const e = await failure(api.getGrants({ id: 42 } as unknown as { id: string }));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.details.issues).toEqual([{ path: 'id', message: expect.any(String) }]);
  });
});

describe('the details of another code', () => {
  it.each(['HTTP', 'IPC'])('over %s: NOT_FOUND names what was not found', async (name) => {
    const api = transports().find(([n]) => n === name)![1];
    const e = await failure(api.getSemanticLayer({ connection: 'nowhere' }));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.details).toEqual({ connection: 'nowhere' });
  });
});
