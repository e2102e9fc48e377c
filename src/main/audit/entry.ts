/**
 * The one builder of request audit entries (agent queries, MongoDB queries, NL questions,
 * listings, failures at the HTTP edge, the workbench, administrative events): every field
 * named, defaults for the rest, the failure rule from classify.ts. Entries are appended
 * through AuditLog.append; how they are hashed and stored is the log's business.
 */
import type { AuditRecord, Decision } from '../../shared/domain';
import type { Clock } from '../ports';
import type { ErrorCode } from '../../shared/errors';
import { classifyFailure, type FailureVerdict } from './classify';

export type EntryFields = Pick<AuditRecord, 'actor' | 'action'> & Partial<AuditRecord>;

/** Milliseconds since `started` (a monotonic reading), to the microsecond. */
export function elapsedMs(clock: Clock, started: number): number {
  return Math.round((clock.monotonicMs() - started) * 1000) / 1000;
}

/** An entry stamped now; fields not given are empty, and the status is `allowed`. */
export function auditEntry(clock: Clock, fields: EntryFields): AuditRecord {
  return {
    time: clock.now().toISOString(),
    connection: null,
    statement: null,
    paramsHash: null,
    decision: null,
    rule: null,
    reason: null,
    status: 'allowed',
    rowCount: null,
    latencyMs: null,
    details: null,
    ...fields,
  };
}

/** The decision fields of an entry, from a decision value (or none yet). */
export function decisionFields(
  d: Decision | null,
): Pick<AuditRecord, 'decision' | 'rule' | 'reason'> {
  return { decision: d?.effect ?? null, rule: d?.rule ?? null, reason: d?.reason ?? null };
}

/** The status and decision fields of a failed request's entry, from its verdict. */
export function failureFields(
  v: FailureVerdict,
): Pick<AuditRecord, 'status' | 'decision' | 'rule' | 'reason'> {
  return { status: v.status, decision: v.decision, rule: v.rule, reason: v.reason };
}

/**
 * The entry of a request that failed before any layer recorded it (an invalid body, a refused
 * listing): classified by the one rule, the error's code in the details. `fallbackRule` names
 * the door's rule for a refusal that names none.
 */
export function failedRequestEntry(
  clock: Clock,
  fields: EntryFields,
  e: unknown,
  fallbackRule: (code: ErrorCode) => string,
): { entry: AuditRecord; verdict: FailureVerdict } {
  const verdict = classifyFailure(e, { fallbackRule });
  return {
    verdict,
    entry: auditEntry(clock, {
      ...fields,
      ...failureFields(verdict),
      details: { ...fields.details, code: verdict.error.code },
    }),
  };
}
