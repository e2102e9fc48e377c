/**
 * The one failure classifier (src/main/audit/classify.ts): a refusal by Airlock's own rules
 * is `denied`, anything that failed while doing what was allowed is an `error`, whatever the
 * door; and the rule a refusal is recorded under.
 */
import { describe, expect, it } from 'vitest';
import { classifyFailure, isRefusal, REFUSAL_CODES } from '../../src/main/audit/classify';
import { AirlockError, ERROR_STATUS, type ErrorCode } from '../../src/shared/errors';

const doors = {
  query: () => 'guard:request',
  ask: (code: ErrorCode) => `nl:${code.toLowerCase()}`,
  http: (code: ErrorCode) => `request:${code}`,
};

describe('classifyFailure', () => {
  const denied: ErrorCode[] = [
    'UNAUTHENTICATED',
    'PERMISSION_DENIED',
    'STATEMENT_NOT_ALLOWED',
    'INVALID_SQL',
    'VALIDATION_FAILED',
    'PAYLOAD_TOO_LARGE',
    'UNSUPPORTED_MEDIA_TYPE',
    'RATE_LIMITED',
    'NOT_FOUND',
  ];
  const errors: ErrorCode[] = [
    'QUERY_FAILED',
    'QUERY_TIMEOUT',
    'RESULT_TOO_LARGE',
    'CONNECTION_FAILED',
    'CANCELLED',
    'NL_UNANSWERED',
    'OLLAMA_TIMEOUT',
    'INTERNAL',
    'AUDIT_UNAVAILABLE',
  ];

  it.each(denied)('%s is a refusal: denied, with a deny decision', (code) => {
    const v = classifyFailure(new AirlockError(code, 'no'), { fallbackRule: doors.http });
    expect(v).toMatchObject({ status: 'denied', decision: 'deny', reason: 'no', why: { code } });
  });

  it.each(errors)('%s is an error, not a decision', (code) => {
    const v = classifyFailure(new AirlockError(code, 'broke'), { fallbackRule: doors.http });
    expect(v).toMatchObject({ status: 'error', decision: null, rule: null, reason: 'broke' });
  });

  it('every code in the table is classified, and none by its HTTP status alone', () => {
    for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) {
      expect(typeof isRefusal(code)).toBe('boolean');
    }
    // A 4xx is not a refusal by itself: a result over the byte cap is a failure of the read.
    expect(ERROR_STATUS.RESULT_TOO_LARGE).toBeLessThan(500);
    expect(REFUSAL_CODES.has('RESULT_TOO_LARGE')).toBe(false);
  });

  it('the same refusal through every door is the same verdict', () => {
    const refusal = () =>
      new AirlockError('PERMISSION_DENIED', "agent 'bot' has no grant on connection 'hr'", {
        rule: 'default-deny',
      });
    const verdicts = Object.values(doors).map((fallbackRule) => {
      const { error: _e, ...v } = classifyFailure(refusal(), { fallbackRule });
      return v;
    });
    expect(verdicts[0]).toEqual({
      status: 'denied',
      decision: 'deny',
      rule: 'default-deny',
      reason: "agent 'bot' has no grant on connection 'hr'",
      why: { code: 'PERMISSION_DENIED' },
    });
    expect(verdicts[1]).toEqual(verdicts[0]);
    expect(verdicts[2]).toEqual(verdicts[0]);
  });

  it("a refusal's rule: the decision reached, else the guard layer, else the error's rule, else the door's", () => {
    const deny = { effect: 'deny' as const, rule: 'grant:x', reason: 'not granted' };
    expect(
      classifyFailure(new AirlockError('PERMISSION_DENIED', 'msg'), {
        decision: deny,
        fallbackRule: doors.query,
      }),
    ).toMatchObject({ rule: 'grant:x', reason: 'not granted' });
    const layered = new AirlockError('INVALID_SQL', 'two statements', {
      layer: 'prelex',
      rule: 'multiple-statements',
    });
    expect(classifyFailure(layered, { fallbackRule: doors.query }).rule).toBe('guard:prelex');
    // An engine-truth refusal after the policy allowed: the refusal wins over the allow.
    const allow = { effect: 'allow' as const, rule: 'grant:y', reason: 'granted' };
    expect(
      classifyFailure(new AirlockError('PERMISSION_DENIED', 'hidden', { layer: 'engine-truth' }), {
        decision: allow,
        fallbackRule: doors.query,
      }),
    ).toMatchObject({ status: 'denied', decision: 'deny', rule: 'guard:engine-truth' });
    expect(
      classifyFailure(new AirlockError('STATEMENT_NOT_ALLOWED', 'x', { rule: 'nl:read-only' }), {
        fallbackRule: doors.ask,
      }).rule,
    ).toBe('nl:read-only');
    expect(
      classifyFailure(new AirlockError('VALIDATION_FAILED', 'bad body'), {
        fallbackRule: doors.http,
      }).rule,
    ).toBe('request:VALIDATION_FAILED');
  });

  it('an error after an allow keeps the decision; an unexpected error is INTERNAL with its message kept for the audit', () => {
    const allow = { effect: 'allow' as const, rule: 'grant:y', reason: 'granted' };
    expect(
      classifyFailure(new AirlockError('QUERY_TIMEOUT', 'slow'), {
        decision: allow,
        fallbackRule: doors.query,
      }),
    ).toMatchObject({ status: 'error', decision: 'allow', rule: 'grant:y', reason: 'granted' });
    const v = classifyFailure(new TypeError('undefined is not a function'), {
      fallbackRule: doors.query,
      internalMessage: 'the query failed inside Airlock',
    });
    expect(v.error).toMatchObject({ code: 'INTERNAL', message: 'the query failed inside Airlock' });
    expect(v).toMatchObject({
      status: 'error',
      why: { code: 'INTERNAL', internal: 'undefined is not a function' },
    });
  });
});
