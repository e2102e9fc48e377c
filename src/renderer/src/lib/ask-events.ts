/**
 * The outcome of a streamed ask, from its events: the `answer` event is the success, an
 * `error` event the failure (with its guidance and history, as the plain operation gives them).
 */
import type { z } from 'zod';
import type { AskEvent, AskOutcome } from '../../../shared/contract/nl';

type Event = z.infer<typeof AskEvent>;
type Outcome = z.infer<typeof AskOutcome>;

export function outcomeOf(e: Event): Outcome | null {
  if (e.type === 'answer') return { ok: true, ...e.answer };
  if (e.type !== 'error') return null;
  const { code, message, guidance, history } = e.error as {
    code: string;
    message: string;
    guidance?: unknown;
    history?: unknown;
  };
  return {
    ok: false,
    code,
    message,
    auditId: e.auditId ?? null,
    ...(Array.isArray(guidance) ? { guidance: guidance as string[] } : {}),
    ...(Array.isArray(history)
      ? { history: history as Extract<Outcome, { ok: false }>['history'] & object }
      : {}),
  };
}
