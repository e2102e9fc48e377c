/**
 * Signs a test in to the UI the way a person does: a login link from the admin route, opened
 * (GET /login?token=…) for the session cookie; then calls `POST /v1/ui/<op>` with it.
 */
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { OPS, type OpInput, type OpName, type OpOutput } from '../../src/shared/contract/ops';
import type { TestAirlock } from './harness';

export interface UiClient {
  cookie: string;
  raw(
    op: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** Calls an operation, expects 200, and checks the answer against the contract. */
  call<N extends OpName>(op: N, input: OpInput<N>): Promise<OpOutput<N>>;
}

export async function loginLink(t: TestAirlock): Promise<string> {
  const r = await t.admin('POST', '/v1/admin/login-links');
  expect(r.statusCode, r.body).toBe(201);
  return (r.json() as { url: string }).url;
}

/** Opens a login link; answers the session cookie (`airlock_session=…`) or the failed response. */
export async function openLink(
  t: TestAirlock,
  url: string,
): Promise<{ cookie: string | null; response: LightMyRequestResponse }> {
  const u = new URL(url);
  const response = await t.request({ method: 'GET', url: `${u.pathname}${u.search}` });
  const set = response.headers['set-cookie'];
  const first = Array.isArray(set) ? set[0] : set;
  return { cookie: first ? first.split(';')[0]! : null, response };
}

export function uiClient(t: TestAirlock, cookie: string): UiClient {
  const raw: UiClient['raw'] = (op, body = {}, headers = {}) =>
    t.request({
      method: 'POST',
      url: `/v1/ui/${op}`,
      headers: { cookie, 'x-airlock-ui': '1', ...headers },
      payload: body as object,
    });
  return {
    cookie,
    raw,
    async call(op, input) {
      const r = await raw(op, input);
      expect(r.statusCode, `${op}: ${r.body}`).toBe(200);
      const body = r.json() as unknown;
      const parsed = OPS[op].output.safeParse(body);
      expect(
        parsed.success,
        `${op} answer vs contract: ${JSON.stringify(parsed.error?.issues)}`,
      ).toBe(true);
      return body as OpOutput<typeof op>;
    },
  };
}

export async function signIn(t: TestAirlock): Promise<UiClient> {
  const { cookie } = await openLink(t, await loginLink(t));
  expect(cookie).toMatch(/^airlock_session=[A-Za-z0-9_-]{43}$/);
  return uiClient(t, cookie!);
}

/** A clock the test moves by hand (login links and sessions expire by it). */
export function manualClock(start = Date.now()) {
  let t = start;
  return {
    now: () => new Date(t),
    monotonicMs: () => performance.now(),
    set(ms: number) {
      t = ms;
    },
    advance(ms: number) {
      t += ms;
    },
  };
}
