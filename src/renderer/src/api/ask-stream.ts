/**
 * The browser's ask, streamed: `POST /v1/ui/ask/stream` answers NDJSON events (stages, the
 * model's tokens, attempts, then the answer or an error). The desktop window asks over IPC,
 * which cannot stream, and gets the same outcome in one piece.
 */
import type { z } from 'zod';
import { AskEvent, type AskOutcome } from '../../../shared/contract/nl';
import type { OpInput } from '../../../shared/contract/ops';
import { outcomeOf } from '../lib/ask-events';
import { ndjsonLines } from '../lib/ndjson';
import { ApiError, errorFromHttp } from './client';

export type AskStreamEvent = z.infer<typeof AskEvent>;

export async function askStreaming(
  input: OpInput<'ask'>,
  onEvent: (e: AskStreamEvent) => void,
  signal: AbortSignal,
): Promise<z.infer<typeof AskOutcome>> {
  const res = await fetch('/v1/ui/ask/stream', {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'content-type': 'application/json',
      'x-airlock-ui': '1',
      accept: 'application/x-ndjson',
    },
    body: JSON.stringify(input),
    signal,
  });
  if (!res.ok || !res.body) {
    throw errorFromHttp(res, await res.json().catch(() => null));
  }
  const lines = ndjsonLines();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let outcome: z.infer<typeof AskOutcome> | null = null;
  const take = (line: string) => {
    const parsed = AskEvent.safeParse(JSON.parse(line));
    if (!parsed.success) return;
    onEvent(parsed.data);
    outcome = outcomeOf(parsed.data) ?? outcome;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    lines.push(value).forEach(take);
  }
  lines.end().forEach(take);
  if (!outcome)
    throw new ApiError('INTERNAL', 'the answer stream ended before an answer arrived', 500);
  return outcome;
}
