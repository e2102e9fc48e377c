/**
 * The desktop shell's IPC, without an Electron binary: the main-side wrapper (registered on a
 * fake IpcMainLike) and the preload (loaded with a fake `electron` module).
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerOpsIpc, type IpcSenderEvent } from '../../src/main/electron/ipc-ops';
import type { OpsHandlers } from '../../src/main/ui/ops-types';
import { IPC_GET_INFO, IPC_PREFIX, OP_NAMES, OPS } from '../../src/shared/contract/ops';
import { IPC_COPY_TEXT, IPC_PICK_SQLITE_FILE } from '../../src/shared/contract/op-names';
import { AirlockError } from '../../src/shared/errors';

const APP = 'http://127.0.0.1:7717';
type Listener = (event: IpcSenderEvent, ...args: unknown[]) => Promise<unknown> | unknown;

/** Handlers that record their calls and answer a marker; a few are scripted per test. */
function fakeHandlers() {
  const calls: [string, unknown][] = [];
  const handlers = Object.fromEntries(
    OP_NAMES.map((name) => [
      name,
      async (input: unknown) => {
        calls.push([name, input]);
        return { op: name };
      },
    ]),
  ) as unknown as OpsHandlers;
  return { handlers, calls };
}

function register(handlers: OpsHandlers) {
  const registered = new Map<string, Listener>();
  const channels = registerOpsIpc(
    { handle: (channel, listener) => void registered.set(channel, listener) },
    handlers,
    APP,
  );
  return { registered, channels };
}

const from = (url: string | null): IpcSenderEvent => ({
  senderFrame: url === null ? null : { url },
});

describe('registerOpsIpc', () => {
  it('registers one fixed channel per operation and nothing else', () => {
    const { registered, channels } = register(fakeHandlers().handlers);
    expect([...registered.keys()].sort()).toEqual(OP_NAMES.map((n) => `${IPC_PREFIX}${n}`).sort());
    expect(channels).toHaveLength(Object.keys(OPS).length);
  });

  it('runs a trusted call and wraps the answer', async () => {
    const { handlers, calls } = fakeHandlers();
    const { registered } = register(handlers);
    const out = await registered.get(`${IPC_PREFIX}getGrants`)!(from(`${APP}/#/agents/a1`), {
      id: 'a1',
    });
    expect(out).toEqual({ ok: true, value: { op: 'getGrants' } });
    expect(calls).toEqual([['getGrants', { id: 'a1' }]]);
  });

  it('applies the schema defaults and treats no argument as {}', async () => {
    const { handlers, calls } = fakeHandlers();
    const { registered } = register(handlers);
    await registered.get(`${IPC_PREFIX}searchAudit`)!(from(APP), { status: 'denied' });
    await registered.get(`${IPC_PREFIX}listAgents`)!(from(APP));
    expect(calls).toEqual([
      ['searchAudit', { status: 'denied', limit: 50 }],
      ['listAgents', {}],
    ]);
  });

  it.each([
    ['another origin', 'https://evil.example/'],
    ['another port', 'http://127.0.0.1:7718/'],
    ['a file: page', 'file:///tmp/x.html'],
    ['a data: page', 'data:text/html,hi'],
    ['a frame that is gone', null],
  ])('refuses %s before parsing or running anything', async (_why, url) => {
    const { handlers, calls } = fakeHandlers();
    const { registered } = register(handlers);
    for (const name of OP_NAMES) {
      const out = await registered.get(`${IPC_PREFIX}${name}`)!(from(url), {});
      expect(out).toEqual({
        ok: false,
        error: { code: 'FORBIDDEN_ORIGIN', message: expect.stringMatching(/not the Airlock page/) },
      });
    }
    const noFrame = await registered.get(`${IPC_PREFIX}listAgents`)!({}, {});
    expect(noFrame).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_ORIGIN' } });
    const throwing = await registered.get(`${IPC_PREFIX}listAgents`)!(
      Object.defineProperty({}, 'senderFrame', {
        get() {
          throw new Error('Render frame was disposed');
        },
      }),
      {},
    );
    expect(throwing).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_ORIGIN' } });
    expect(calls).toEqual([]);
  });

  it.each([
    ['a wrong type', 'getGrants', [{ id: 42 }]],
    ['a missing field', 'createAgent', [{}]],
    ['an unknown field', 'listAgents', [{ channel: 'airlock:op:putGrants' }]],
    ['a non-object', 'runQuery', ['SELECT 1']],
    ['two arguments', 'revokeAgent', [{ id: 'a' }, { id: 'b' }]],
    ['an out-of-range number', 'searchAudit', [{ limit: 100_000 }]],
  ])('refuses %s without running the handler', async (_why, op, args) => {
    const { handlers, calls } = fakeHandlers();
    const { registered } = register(handlers);
    const out = (await registered.get(`${IPC_PREFIX}${op}`)!(from(APP), ...args)) as {
      ok: boolean;
      error: { code: string };
    };
    expect(out).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(calls).toEqual([]);
  });

  it('turns a typed error into data (code, message, audit id) and hides internal ones', async () => {
    const { handlers } = fakeHandlers();
    handlers.revokeAgent = async () => {
      throw new AirlockError('NOT_FOUND', "no agent with id 'x'");
    };
    handlers.getSettings = async () => {
      const e = new AirlockError('PERMISSION_DENIED', 'no');
      e.auditId = 77;
      throw e;
    };
    handlers.listAgents = async () => {
      throw new Error('SQLITE_CORRUPT: /home/secret/path');
    };
    const { registered } = register(handlers);
    expect(await registered.get(`${IPC_PREFIX}revokeAgent`)!(from(APP), { id: 'x' })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: "no agent with id 'x'" },
    });
    expect(await registered.get(`${IPC_PREFIX}getSettings`)!(from(APP), {})).toEqual({
      ok: false,
      error: { code: 'PERMISSION_DENIED', message: 'no', auditId: 77 },
    });
    const internal = (await registered.get(`${IPC_PREFIX}listAgents`)!(from(APP), {})) as {
      error: { code: string; message: string };
    };
    expect(internal.error.code).toBe('INTERNAL');
    expect(internal.error.message).not.toMatch(/secret/);
  });
});

describe('errors over IPC carry their details', () => {
  it('sends the public details of a typed error, never the audit-only ones', async () => {
    const { handlers } = fakeHandlers();
    handlers.putSemanticLayer = async () => {
      const e = new AirlockError(
        'VALIDATION_FAILED',
        "the semantic layer for 'demo' is not valid: …",
        {
          issues: [
            { path: 'tables.0.name', message: "the connection has no table 'x'; nor 'y': see" },
          ],
          auditOnly: { engineDetail: 'near "secret": syntax error' },
        },
      );
      e.auditId = 5;
      throw e;
    };
    const { registered } = register(handlers);
    const out = await registered.get(`${IPC_PREFIX}putSemanticLayer`)!(from(APP), {
      connection: 'demo',
      layer: {},
    });
    expect(out).toEqual({
      ok: false,
      error: {
        code: 'VALIDATION_FAILED',
        message: "the semantic layer for 'demo' is not valid: …",
        details: {
          issues: [
            { path: 'tables.0.name', message: "the connection has no table 'x'; nor 'y': see" },
          ],
        },
        auditId: 5,
      },
    });
    expect(JSON.stringify(out)).not.toMatch(/secret|auditOnly/);
  });

  it("sends an input that fails the contract's schema with the issues, path by path", async () => {
    const { handlers } = fakeHandlers();
    const { registered } = register(handlers);
    const out = (await registered.get(`${IPC_PREFIX}getGrants`)!(from(APP), { id: 42 })) as {
      error: { details: { issues: { path: string; message: string }[] } };
    };
    expect(out.error.details.issues).toEqual([{ path: 'id', message: expect.any(String) }]);
  });
});

describe('the preload', () => {
  afterEach(() => {
    vi.resetModules();
    vi.doUnmock('electron');
  });

  async function loadPreload() {
    const exposed: Record<string, unknown> = {};
    const invoke = vi.fn(async (..._args: unknown[]) => ({ ok: true, value: null }));
    vi.doMock('electron', () => ({
      contextBridge: {
        exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api),
      },
      ipcRenderer: { invoke, send: vi.fn(), on: vi.fn(), sendSync: vi.fn() },
    }));
    await import('../../src/preload/index');
    return { exposed, invoke };
  }

  it("exposes window.airlock only, with exactly one method per operation plus the shell's own (getInfo, pickSqliteFile, copyText)", async () => {
    const { exposed } = await loadPreload();
    expect(Object.keys(exposed)).toEqual(['airlock']);
    const api = exposed.airlock as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(
      [...OP_NAMES, 'getInfo', 'pickSqliteFile', 'copyText'].sort(),
    );
    for (const v of Object.values(api)) expect(typeof v).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
    expect(api).not.toHaveProperty('invoke');
    expect(api).not.toHaveProperty('send');
  });

  it('binds each method to its own fixed channel and passes exactly one argument', async () => {
    const { exposed, invoke } = await loadPreload();
    const api = exposed.airlock as Record<string, (...a: unknown[]) => Promise<unknown>>;
    for (const name of OP_NAMES) {
      invoke.mockClear();
      await api[name]!({ probe: name }, 'extra', `${IPC_PREFIX}putGrants`);
      expect(invoke).toHaveBeenCalledTimes(1);
      expect(invoke.mock.calls[0]).toEqual([`${IPC_PREFIX}${name}`, { probe: name }]);
    }
    invoke.mockClear();
    await api.getInfo!('ignored');
    expect(invoke.mock.calls).toEqual([[IPC_GET_INFO]]);
    invoke.mockClear();
    await api.pickSqliteFile!('ignored', 'also ignored');
    await api.copyText!({ not: 'a string' }, 'extra');
    expect(invoke.mock.calls).toEqual([[IPC_PICK_SQLITE_FILE], [IPC_COPY_TEXT, '[object Object]']]);
  });

  it('bundles to code that loads nothing but electron: a sandboxed preload cannot load packages', async () => {
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [fileURLToPath(new URL('../../src/preload/index.ts', import.meta.url))],
      bundle: true,
      format: 'cjs',
      platform: 'node',
      external: ['electron'],
      write: false,
    });
    const requires = [...out.outputFiles[0]!.text.matchAll(/require\(([^)]*)\)/g)].map((m) => m[1]);
    expect(requires).toEqual(['"electron"']);
  });
});
