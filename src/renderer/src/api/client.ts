/**
 * The renderer's one client for every UI operation. In the desktop window it calls
 * `window.airlock.<op>` (IPC through the preload); in a browser it posts to `/v1/ui/<op>`
 * with the session cookie. Either way a failure becomes an ApiError with a code from the code
 * table and the error's details, and pages never learn which transport they run on.
 */
import {
  ERROR_STATUS,
  isErrorCode,
  type ErrorCode,
  type ErrorDetails,
} from '../../../shared/errors';
import {
  OPS,
  OP_NAMES,
  type AirlockApi,
  type AirlockBridge,
  type IpcResult,
  type OpName,
  type WireError,
} from '../../../shared/contract/ops';

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The HTTP status, or for IPC the status the same error would have over HTTP. */
    readonly status: number,
    /** The audit entry that recorded the failed request, when there is one. */
    readonly auditId?: number,
    /** The error's public details (validation issues, limits, …): typed by its code in errors.ts. */
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A code as the other side sent it: one of the code table's, or INTERNAL for one this build
 * does not know (a newer core), which stays readable in `details.unknownCode`.
 */
function typed(code: unknown, details: ErrorDetails): { code: ErrorCode; details: ErrorDetails } {
  if (isErrorCode(code)) return { code, details };
  return {
    code: 'INTERNAL',
    details: code === undefined ? details : { ...details, unknownCode: code },
  };
}

/** A failure that came over IPC as data (WireError) as an ApiError. */
export function errorFromWire(e: WireError): ApiError {
  const { code, details } = typed(e.code, isObject(e.details) ? e.details : {});
  return new ApiError(code, e.message, ERROR_STATUS[code], e.auditId, details);
}

/**
 * The HTTP error shape `{ error: { code, message, …details }, auditId }` as an ApiError; a
 * body of another shape (a proxy's page, nothing) keeps the status and says what came.
 */
export function errorFromHttp(
  res: { status: number; statusText: string },
  body: unknown,
): ApiError {
  const error = isObject(body) && isObject(body.error) ? body.error : {};
  const { code: rawCode, message, ...rest } = error;
  const { code, details } = typed(rawCode, rest);
  const auditId = isObject(body) && typeof body.auditId === 'number' ? body.auditId : undefined;
  const text =
    typeof message === 'string' ? message : `Airlock answered ${res.status} ${res.statusText}`;
  return new ApiError(code, text, res.status, auditId, details);
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

type Call = (op: OpName, input: unknown) => Promise<unknown>;

function viaIpc(bridge: AirlockBridge): Call {
  return async (op, input) => {
    const method = bridge[op] as (input: unknown) => Promise<IpcResult<unknown>>;
    const result = await method(input ?? {});
    if (result.ok) return result.value;
    throw errorFromWire(result.error);
  };
}

function viaHttp(fetchImpl: typeof fetch): Call {
  return async (op, input) => {
    const res = await fetchImpl(`/v1/ui/${op}`, {
      method: 'POST',
      credentials: 'same-origin',
      // The custom header is the server's proof that this page, not a cross-site form, is asking.
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-airlock-ui': '1',
      },
      body: JSON.stringify(input ?? {}),
    });
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) throw errorFromHttp(res, body);
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
        if (!check.success)
          console.error(
            `Airlock: the answer of ${op} does not match the contract`,
            check.error.issues,
          );
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
