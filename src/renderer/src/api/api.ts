/**
 * The one API instance the renderer uses. The client picks the transport (IPC in the desktop
 * window, HTTP in a browser); nothing below this line knows which.
 */
import type { ErrorCode } from '../../../shared/errors';
import { createClient, ApiError } from './client';

export const api = createClient();
export { ApiError };

/** What a person needs from any failure: a code to search for, a sentence, and the audit entry. */
export interface Problem {
  code: ErrorCode;
  message: string;
  auditId?: number | null;
}

export function toProblem(error: unknown): Problem {
  if (error instanceof ApiError)
    return { code: error.code, message: error.message, auditId: error.auditId ?? null };
  if (error instanceof TypeError) {
    return {
      code: 'UNREACHABLE',
      message: 'Airlock is not answering. Is `airlock serve` (or the desktop app) still running?',
    };
  }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
