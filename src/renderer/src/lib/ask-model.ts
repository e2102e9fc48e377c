/**
 * Pure helpers of the Ask page: what the Ollama banner says, how an answer becomes the grid's
 * outcome, how the attempts read in one line, and the elapsed-time label while waiting.
 */
import type { OpOutput } from '../../../shared/contract/ops';

export type AskOutcome = OpOutput<'ask'>;
export type AskSuccess = Extract<AskOutcome, { ok: true }>;
export type OllamaStatus = OpOutput<'ollamaStatus'>;
export type QueryOutcome = OpOutput<'runQuery'>;
export type Attempt = AskSuccess['history'][number];

export type BannerKind = 'ready' | 'down' | 'no-model' | 'problem';

/** Which banner the page shows for Ollama's status, and its headline. */
export function ollamaBanner(s: OllamaStatus): { kind: BannerKind; title: string } {
  if (!s.reachable) return { kind: 'down', title: `Ollama is not answering at ${s.url}` };
  if (!s.modelPresent)
    return {
      kind: 'no-model',
      title: `The model ${s.model || '(none set)'} is not installed in Ollama`,
    };
  if (s.problem) return { kind: 'problem', title: s.problem.message };
  return {
    kind: 'ready',
    title: `Ready: ${s.model} via Ollama${s.version ? ` ${s.version}` : ''}`,
  };
}

/** The answer's rows as the workbench's result grid takes them (the executed statement's audit id). */
export function answerOutcome(a: AskSuccess): QueryOutcome {
  return {
    ok: true,
    columns: a.columns,
    rows: a.rows,
    rowCount: a.rowCount,
    truncated: a.truncated,
    auditId: a.queryAuditId,
    elapsedMs: a.elapsedMs,
  };
}

/** "1 model call", "3 model calls · 2 repairs", "6 model calls · 3 candidates · 1 repair". */
export function attemptsLine(attempts: number, history: readonly Attempt[]): string {
  const candidates = new Set(history.map((h) => h.candidate)).size;
  const repairs = Math.max(0, history.length - Math.max(candidates, 1));
  const parts = [`${attempts} model call${attempts === 1 ? '' : 's'}`];
  if (candidates > 1) parts.push(`${candidates} candidates`);
  if (repairs > 0) parts.push(`${repairs} repair${repairs === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** "0 s", "12 s", "1 min 05 s": the wait so far, whole seconds. */
export function elapsedLabel(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** The question box submits on Enter; Shift+Enter (and IME composition) keeps typing. */
export function submitsOnKey(e: {
  key: string;
  shiftKey: boolean;
  isComposing?: boolean;
}): boolean {
  return e.key === 'Enter' && !e.shiftKey && !e.isComposing;
}

/** A question worth sending: at least three characters after trimming, as the contract's text(). */
export function askable(question: string): boolean {
  return question.trim().length >= 3;
}
