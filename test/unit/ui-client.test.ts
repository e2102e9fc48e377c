/**
 * The renderer's client over both transports, with a fake bridge and a fake fetch: the same
 * calls, the same ApiError, whichever way the answer came.
 */
import { describe, expect, it, vi } from 'vitest';
import { ApiError, createClient } from '../../src/renderer/src/api/client';
import { OP_NAMES, type AirlockBridge } from '../../src/shared/contract/ops';

function bridgeAnswering(answer: (op: string, input: unknown) => unknown) {
  const calls: [string, unknown][] = [];
  const bridge = Object.fromEntries(
    [...OP_NAMES, 'getInfo'].map((op) => [
      op,
      async (input: unknown) => {
        calls.push([op, input]);
        return answer(op, input);
      },
    ]),
  ) as unknown as AirlockBridge;
  return { bridge, calls };
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

describe('createClient over IPC', () => {
  it('has one method per operation and unwraps answers', async () => {
    const { bridge, calls } = bridgeAnswering(() => ({ ok: true, value: { agents: [] } }));
    const api = createClient({ bridge });
    expect(Object.keys(api).sort()).toEqual([...OP_NAMES].sort());
    expect(await api.listAgents({})).toEqual({ agents: [] });
    expect(calls).toEqual([['listAgents', {}]]);
  });

  it('throws ApiError with the code, the HTTP status the code stands for, and the audit id', async () => {
    const { bridge } = bridgeAnswering(() => ({
      ok: false,
      error: { code: 'PERMISSION_DENIED', message: 'no', auditId: 9 },
    }));
    const err = await createClient({ bridge })
      .getSettings({})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: 'no',
      status: 403,
      auditId: 9,
    });
    const { bridge: b2 } = bridgeAnswering(() => ({
      ok: false,
      error: { code: 'SOMETHING_NEW', message: 'x' },
    }));
    expect(
      await createClient({ bridge: b2 })
        .listAgents({})
        .catch((e: unknown) => e),
    ).toMatchObject({ status: 500 });
  });
});

describe('createClient over HTTP', () => {
  it('posts JSON to /v1/ui/<op> with the cookie and the x-airlock-ui header', async () => {
    const fetchImpl = vi.fn(async (..._a: Parameters<typeof fetch>) =>
      jsonResponse(200, { grants: [] }),
    );
    const api = createClient({ bridge: null, fetch: fetchImpl as unknown as typeof fetch });
    expect(await api.getGrants({ id: 'a1' })).toEqual({ grants: [] });
    const [url, init] = fetchImpl.mock.calls[0]!;
    expect(url).toBe('/v1/ui/getGrants');
    expect(init).toMatchObject({ method: 'POST', credentials: 'same-origin', body: '{"id":"a1"}' });
    expect(init!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-airlock-ui': '1',
    });
  });

  it('parses the error shape into ApiError', async () => {
    const fetchImpl = async () =>
      jsonResponse(401, { error: { code: 'UNAUTHENTICATED', message: 'open the login link' } });
    const err = await createClient({ bridge: null, fetch: fetchImpl as unknown as typeof fetch })
      .listAgents({})
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'ApiError',
      code: 'UNAUTHENTICATED',
      status: 401,
      message: 'open the login link',
    });
    const withAudit = async () =>
      jsonResponse(403, { error: { code: 'PERMISSION_DENIED', message: 'm' }, auditId: 12 });
    expect(
      await createClient({ bridge: null, fetch: withAudit as unknown as typeof fetch })
        .listAgents({})
        .catch((e: unknown) => e),
    ).toMatchObject({ auditId: 12 });
    const notJson = async () => new Response('<html>', { status: 502, statusText: 'Bad Gateway' });
    expect(
      await createClient({ bridge: null, fetch: notJson as unknown as typeof fetch })
        .listAgents({})
        .catch((e: unknown) => e),
    ).toMatchObject({
      code: 'INTERNAL',
      status: 502,
      message: expect.stringMatching(/502/),
    });
  });

  it('with validate, reports an answer that breaks the contract without failing the call', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const fetchImpl = async () => jsonResponse(200, { agents: 'not a list' });
    const out = await createClient({
      bridge: null,
      fetch: fetchImpl as unknown as typeof fetch,
      validate: true,
    }).listAgents({});
    expect(out).toEqual({ agents: 'not a list' });
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/listAgents/), expect.anything());
    error.mockRestore();
  });
});

describe('errors carry their details over both transports', () => {
  const issues = [
    { path: 'tables.0.name', message: "the connection has no table 'orderz'" },
    {
      path: 'examples.1.sql',
      message: 'must be a read-only statement (SELECT); it writes: orders',
    },
  ];
  const message = "the semantic layer for 'demo' is not valid: …";

  it('gives the same ApiError (code, message, details, status, audit id) over IPC and HTTP', async () => {
    const { bridge } = bridgeAnswering(() => ({
      ok: false,
      error: { code: 'VALIDATION_FAILED', message, details: { issues, issueCount: 2 }, auditId: 3 },
    }));
    const overIpc = await createClient({ bridge })
      .putSemanticLayer({ connection: 'demo', layer: {} })
      .catch((e: unknown) => e);
    const fetchImpl = async () =>
      jsonResponse(400, {
        error: { code: 'VALIDATION_FAILED', message, issues, issueCount: 2 },
        auditId: 3,
      });
    const overHttp = await createClient({
      bridge: null,
      fetch: fetchImpl as unknown as typeof fetch,
    })
      .putSemanticLayer({ connection: 'demo', layer: {} })
      .catch((e: unknown) => e);
    for (const err of [overIpc, overHttp]) {
      expect(err).toBeInstanceOf(ApiError);
      expect({ ...(err as ApiError), message: (err as ApiError).message }).toEqual({
        name: 'ApiError',
        code: 'VALIDATION_FAILED',
        message,
        status: 400,
        auditId: 3,
        details: { issues, issueCount: 2 },
      });
    }
  });

  it('an error without details has empty details, whichever the transport', async () => {
    const { bridge } = bridgeAnswering(() => ({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'gone' },
    }));
    expect(
      await createClient({ bridge })
        .listAgents({})
        .catch((e: unknown) => e),
    ).toMatchObject({ code: 'NOT_FOUND', details: {} });
    const fetchImpl = async () =>
      jsonResponse(404, { error: { code: 'NOT_FOUND', message: 'gone' } });
    const overHttp = await createClient({
      bridge: null,
      fetch: fetchImpl as unknown as typeof fetch,
    })
      .listAgents({})
      .catch((e: unknown) => e);
    expect((overHttp as ApiError).details).toEqual({});
  });

  it('a code outside the code table becomes INTERNAL, keeping the code it came with', async () => {
    const { bridge } = bridgeAnswering(() => ({
      ok: false,
      error: { code: 'SOMETHING_NEW', message: 'x', details: { n: 1 } },
    }));
    expect(
      await createClient({ bridge })
        .listAgents({})
        .catch((e: unknown) => e),
    ).toMatchObject({
      code: 'INTERNAL',
      status: 500,
      details: { n: 1, unknownCode: 'SOMETHING_NEW' },
    });
    const fetchImpl = async () =>
      jsonResponse(418, { error: { code: 'TEAPOT', message: 'short and stout' } });
    expect(
      await createClient({ bridge: null, fetch: fetchImpl as unknown as typeof fetch })
        .listAgents({})
        .catch((e: unknown) => e),
    ).toMatchObject({
      code: 'INTERNAL',
      status: 418,
      message: 'short and stout',
      details: { unknownCode: 'TEAPOT' },
    });
  });
});
