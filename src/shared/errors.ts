/**
 * Typed error codes: clients branch on `code`, people read `message`.
 * Pure module — shared by the core, the API and the renderer.
 */
export const ERROR_STATUS = {
  INVALID_SQL: 400,
  STATEMENT_NOT_ALLOWED: 400,
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  FORBIDDEN_ORIGIN: 403,
  NOT_FOUND: 404,
  QUERY_TIMEOUT: 408,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** A result (or one row of it) larger than the byte cap: refused rather than held in memory. */
  RESULT_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The request line and headers are over Node's limit (16 KB): refused by the HTTP parser. */
  HEADERS_TOO_LARGE: 431,
  /** The request did not arrive in time (Node's request timeout). */
  REQUEST_TIMEOUT: 408,
  RATE_LIMITED: 429,
  CONNECTION_FAILED: 400,
  APPROVAL_REQUIRED: 403,
  // Approvals for agent writes (docs/api.md): the approval the agent names, and revert.
  APPROVAL_PENDING: 409,
  APPROVAL_DENIED: 403,
  APPROVAL_EXPIRED: 410,
  APPROVAL_MISMATCH: 409,
  APPROVAL_USED: 409,
  /** Revert refused: the rows changed since the write it would undo. */
  REVERT_CONFLICT: 409,
  QUERY_FAILED: 400,
  INTERNAL: 500,
  AUDIT_UNAVAILABLE: 503,
  /** Airlock is stopping: nothing new is started. */
  SHUTTING_DOWN: 503,
  // Natural-language questions (src/main/nl): the local model and what it produced.
  OLLAMA_UNAVAILABLE: 503,
  OLLAMA_MODEL_MISSING: 503,
  OLLAMA_TIMEOUT: 504,
  OLLAMA_FAILED: 502,
  NL_UNANSWERED: 422,
  /** The model's answer was not the JSON asked for (one attempt's error; the loop repairs it). */
  INVALID_OUTPUT: 502,
  /** The client went away or cancelled; nginx's code for it. */
  CANCELLED: 499,
  /** The renderer's own code: Airlock did not answer at all (never sent by the core). */
  UNREACHABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export type ErrorDetails = Record<string, unknown>;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_STATUS, code);
}

/** One field that failed validation: a dotted path into the input and what is wrong there. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/**
 * The details a code promises, where it promises some; every other code carries plain
 * ErrorDetails. Details cross IPC and HTTP as data, so readers check them (issuesOf).
 */
export interface KnownDetails {
  VALIDATION_FAILED: { issues?: ValidationIssue[]; issueCount?: number };
  RATE_LIMITED: { retryAfterSec?: number };
}

/** The well-formed validation issues among an error's details (none when it has none). */
export function issuesOf(details: ErrorDetails): ValidationIssue[] {
  const issues = details.issues;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((i: unknown) => {
    if (typeof i !== 'object' || i === null) return [];
    const { path, message } = i as Record<string, unknown>;
    return typeof path === 'string' && typeof message === 'string' ? [{ path, message }] : [];
  });
}

/** The longest message, and the longest text detail, an error carries. */
const MAX_MESSAGE = 2000;
const MAX_DETAIL = 1000;
const clipText = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
/** Object keys and array items an error detail keeps, at any depth. */
const MAX_ITEMS = 50;

/** A detail with every text in it clipped (keys too: a path may name an input's key). */
function clipDetail(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return clipText(v, MAX_DETAIL);
  if (v === null || typeof v !== 'object' || depth > 6) return v;
  if (Array.isArray(v)) return v.slice(0, MAX_ITEMS).map((x) => clipDetail(x, depth + 1));
  return Object.fromEntries(
    Object.entries(v)
      .slice(0, MAX_ITEMS)
      .map(([k, x]) => [clipText(k, MAX_DETAIL), clipDetail(x, depth + 1)]),
  );
}

export class AirlockError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
  /** The audit entry that recorded the failed request, when there is one. */
  auditId?: number;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    // Messages and text details often quote the input (a name, an id): clipped here, once, so
    // no input can make an error answer, or the audit entry that records it, grow with it.
    super(clipText(message, MAX_MESSAGE));
    this.name = 'AirlockError';
    this.code = code;
    this.details = clipDetail(details) as ErrorDetails;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/**
 * The details a caller may see, over any transport: all but `auditOnly`, which only the audit
 * entry keeps (an engine's own error text, say).
 */
export function publicDetails(e: AirlockError): ErrorDetails {
  const { auditOnly: _hidden, ...rest } = e.details;
  return rest;
}

export function isAirlockError(e: unknown): e is AirlockError {
  return e instanceof AirlockError;
}
