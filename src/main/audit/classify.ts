/**
 * One rule for how a failed request is recorded, whatever door it came through (the SQL and
 * MongoDB paths, the NL path, the HTTP edge): a refusal by Airlock's own rules — identity,
 * limits, validation, the guard, the policy — is `denied`; anything that failed while doing
 * what was allowed (the engine, the model, a timeout, a cancellation, Airlock itself) is `error`.
 */
import type { AuditStatus, Decision, Effect } from '../../shared/domain';
import { AirlockError, isAirlockError, type ErrorCode } from '../../shared/errors';

/** Codes that mean "Airlock's rules said no": recorded as `denied`. Every other code is an `error`. */
export const REFUSAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'FORBIDDEN_ORIGIN',
  'APPROVAL_REQUIRED',
  // An approval the agent names that may not run this request (yet, or any more).
  'APPROVAL_PENDING',
  'APPROVAL_DENIED',
  'APPROVAL_EXPIRED',
  'APPROVAL_MISMATCH',
  'APPROVAL_USED',
  'STATEMENT_NOT_ALLOWED',
  'INVALID_SQL',
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'NOT_FOUND',
  'CONFLICT',
]);

export const isRefusal = (code: ErrorCode): boolean => REFUSAL_CODES.has(code);

/** What an audit entry says about a failure: its status, the decision, and why. */
export interface FailureVerdict {
  /** The error the caller answers with: the one thrown, or INTERNAL for anything else. */
  error: AirlockError;
  status: Extract<AuditStatus, 'denied' | 'error'>;
  decision: Effect | null;
  rule: string | null;
  reason: string | null;
  /** The failure for the entry's details: its code, and what an unexpected error said. */
  why: { code: ErrorCode; internal?: string };
}

export interface ClassifyOptions {
  /** The decision the request had reached when it failed (a policy deny, or an allow before an engine error). */
  decision?: Decision | null;
  /** The rule a refusal is recorded under when neither the decision nor the error names one. */
  fallbackRule: (code: ErrorCode) => string;
  /** The message of the INTERNAL error that stands in for an unexpected one. */
  internalMessage?: string;
}

/**
 * Classifies a failure. A refusal carries a `deny` decision: the one already reached, else
 * the guard layer that refused (`guard:<layer>`), else the rule the error names, else the
 * door's fallback. An error keeps the decision reached before it (an allow), if any.
 */
export function classifyFailure(e: unknown, opts: ClassifyOptions): FailureVerdict {
  const error = isAirlockError(e)
    ? e
    : new AirlockError('INTERNAL', opts.internalMessage ?? 'the request failed inside Airlock');
  const why = {
    code: error.code,
    ...(isAirlockError(e) ? {} : { internal: e instanceof Error ? e.message : String(e) }),
  };
  const prior = opts.decision ?? null;
  if (isRefusal(error.code)) {
    if (prior && prior.effect !== 'allow') {
      return {
        error,
        status: 'denied',
        decision: prior.effect,
        rule: prior.rule,
        reason: prior.reason,
        why,
      };
    }
    return {
      error,
      status: 'denied',
      decision: 'deny',
      rule: refusalRule(error, opts.fallbackRule),
      reason: error.message,
      why,
    };
  }
  if (prior) {
    return {
      error,
      status: 'error',
      decision: prior.effect,
      rule: prior.rule,
      reason: prior.reason,
      why,
    };
  }
  return { error, status: 'error', decision: null, rule: null, reason: error.message, why };
}

function refusalRule(e: AirlockError, fallback: (code: ErrorCode) => string): string {
  if (e.details.layer !== undefined) return `guard:${String(e.details.layer)}`;
  if (typeof e.details.rule === 'string') return e.details.rule;
  return fallback(e.code);
}
