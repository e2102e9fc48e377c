/**
 * The renderer's one client for every UI operation. In the desktop window it calls
 * `window.airlock.<op>` (IPC through the preload); in a browser it posts to `/v1/ui/<op>`
 * with the session cookie. Either way a failure becomes an ApiError with a code to branch on,
 * and pages never learn which transport they run on.
 */
import { ERROR_STATUS } from '../../../shared/errors';
import { OPS, OP_NAMES, type AirlockApi, type AirlockBridge, type IpcResult, type OpName } from '../../../shared/contract/ops';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The HTTP status, or for IPC the status the same error would have over HTTP. */
    readonly status: number,
    /** The audit entry that recorded the failed request, when there is one. */
    readonly auditId?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ClientOptions {
  /**
   * Check every answer against the contract's output schema (development builds): a mismatch
   * is logged, not thrown, so a page still shows what it got.
   */
  validate?: boolean;
  /** For tests: the bridge and fetch to use instead of the window's. */
  bridge?: AirlockBridge | null;
  fetch?: typeof fetch;
}

/**
 * The preload's bridge, when this page runs in the desktop window. Read through globalThis so
 * this file needs no DOM typings (the unit tests compile it with Node's).
 */
function windowBridge(): AirlockBridge | null {
  return (globalThis as { airlock?: AirlockBridge }).airlock ?? null;
}

const statusOf = (code: string) => (ERROR_STATUS as Record<string, number>)[code] ?? 500;

type Call = (op: OpName, input: unknown) => Promise<unknown>;

function viaIpc(bridge: AirlockBridge): Call {
  return async (op, input) => {
    const method = bridge[op] as (input: unknown) => Promise<IpcResult<unknown>>;
    const result = await method(input ?? {});
    if (result.ok) return result.value;
    throw new ApiError(result.error.code, result.error.message, statusOf(result.error.code), result.error.auditId);
  };
}

function viaHttp(fetchImpl: typeof fetch): Call {
  return async (op, input) => {
    const res = await fetchImpl(`/v1/ui/${op}`, {
      method: 'POST',
      credentials: 'same-origin',
      // The custom header is the server's proof that this page, not a cross-site form, is asking.
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-airlock-ui': '1' },
      body: JSON.stringify(input ?? {}),
    });
    const body = (await res.json().catch(() => null)) as
      | { error?: { code?: string; message?: string }; auditId?: number }
      | null;
    if (!res.ok) {
      throw new ApiError(
        body?.error?.code ?? 'INTERNAL',
        body?.error?.message ?? `Airlock answered ${res.status} ${res.statusText}`,
        res.status,
        body?.auditId,
      );
    }
    return body;
  };
}

/** Whether the page runs in the desktop window (IPC) rather than a browser (HTTP). */
export function isDesktop(): boolean {
  return windowBridge() !== null;
}

export function createClient(options: ClientOptions = {}): AirlockApi {
  const bridge = options.bridge !== undefined ? options.bridge : windowBridge();
  const call = bridge ? viaIpc(bridge) : viaHttp(options.fetch ?? ((...a) => fetch(...a)));
  const api: Partial<Record<OpName, (input: unknown) => Promise<unknown>>> = {};
  for (const op of OP_NAMES) {
    api[op] = async (input) => {
      const out = await call(op, input);
      if (options.validate) {
        const check = OPS[op].output.safeParse(out);
        if (!check.success) console.error(`Airlock: the answer of ${op} does not match the contract`, check.error.issues);
      }
      return out;
    };
  }
  return api as AirlockApi;
}

/** Ends the browser session (the desktop window has none). */
export async function logout(fetchImpl: typeof fetch = (...a) => fetch(...a)): Promise<void> {
  if (isDesktop()) return;
  await fetchImpl('/v1/ui/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-airlock-ui': '1' },
    body: '{}',
  });
}
