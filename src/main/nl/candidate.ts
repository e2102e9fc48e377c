/**
 * One SQL statement from the model, judged and run exactly like an agent's, through the one
 * pipeline. Its first steps (identify, guard, the asker's read-only capability) run before
 * any audit entry: a statement refused there (a write, DDL, unparseable SQL) is recorded in
 * the question's own entry, never as a statement of its own. The outcome says whether a
 * repair may be tried (the statement was malformed or the engine rejected it) or the ask must
 * stop (a policy denial is an answer, not something to work around).
 */
import type { ReadData } from '../connectors/types';
import { AirlockError, isAirlockError } from '../../shared/errors';
import type { Pipeline } from '../query/pipeline';
import { NL_READ_ONLY, type AccessView } from './access';

export type CandidateOutcome =
  | { kind: 'ok'; data: ReadData; auditId: number }
  | { kind: 'retry'; error: { code: string; message: string } }
  | { kind: 'stop'; error: AirlockError; denied: boolean };

const REPAIRABLE = new Set([
  'INVALID_SQL',
  'STATEMENT_NOT_ALLOWED',
  'QUERY_FAILED',
  'QUERY_TIMEOUT',
  'PERMISSION_DENIED',
]);

/** The refusal of a statement that is not a read (a write, DDL, PRAGMA, ATTACH, …). */
export function readOnlyRefusal(kind: string): AirlockError {
  return new AirlockError('STATEMENT_NOT_ALLOWED', NL_READ_ONLY.reason(kind), {
    rule: NL_READ_ONLY.rule,
  });
}

/**
 * Names of tables and columns the asker may not read, removed from error text before it is fed
 * back to the model (an engine message could name a hidden column, e.g. in an ambiguity).
 */
export function hiddenNameScrubber(v: AccessView): (message: string) => string {
  const visible = new Set<string>();
  for (const [t, cols] of v.readable) {
    visible.add(t);
    visible.add(t.slice(t.lastIndexOf('.') + 1));
    for (const c of cols) visible.add(c.toLowerCase());
  }
  const hidden = new Set<string>();
  for (const t of v.tables) {
    const name = t.name.toLowerCase();
    if (!visible.has(name)) {
      // `hr.payroll` shows in messages as `payroll` as often as whole.
      for (const part of [name, name.slice(name.lastIndexOf('.') + 1)])
        if (!visible.has(part)) hidden.add(part);
    }
    for (const c of t.columns)
      if (!visible.has(c.name.toLowerCase())) hidden.add(c.name.toLowerCase());
  }
  return (message) =>
    message.replace(/[\p{L}\p{N}_$]+/gu, (tok) =>
      hidden.has(tok.toLowerCase()) ? '<hidden>' : tok,
    );
}

export async function runCandidate(
  sql: string,
  v: AccessView,
  pipeline: Pipeline,
  scrub: (m: string) => string,
): Promise<CandidateOutcome> {
  const request = { connection: v.connection, sql };
  try {
    await pipeline.judge(v.asker, request);
  } catch (e) {
    if (!isAirlockError(e)) throw e;
    if (e.details.rule === NL_READ_ONLY.rule) return { kind: 'stop', error: e, denied: true };
    // DDL, PRAGMA, ATTACH and other statement types: refused like writes, not repaired.
    if (e.details.statementType)
      return {
        kind: 'stop',
        error: readOnlyRefusal(String(e.details.statementType)),
        denied: true,
      };
    return { kind: 'retry', error: { code: e.code, message: scrub(e.message) } };
  }
  try {
    const out = await pipeline.run(v.asker, request);
    if (out.kind !== 'read')
      throw new AirlockError('INTERNAL', 'a statement judged read-only was run as a write');
    const { kind: _k, auditId, ...data } = out;
    return { kind: 'ok', data, auditId };
  } catch (e) {
    if (!isAirlockError(e)) throw e;
    const layer = String(e.details.layer ?? '');
    const policyDenial = e.code === 'PERMISSION_DENIED' && layer !== 'ast';
    if (policyDenial || layer === 'engine-truth' || layer === 'backstop')
      return { kind: 'stop', error: e, denied: true };
    if (REPAIRABLE.has(e.code))
      return { kind: 'retry', error: { code: e.code, message: scrub(e.message) } };
    return { kind: 'stop', error: e, denied: false };
  }
}
