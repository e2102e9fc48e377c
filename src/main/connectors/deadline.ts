/**
 * The client-side deadline of one statement on a database server. The server's own timeout
 * (statement_timeout, max_statement_time) should fire first; this one is the backstop for a
 * server that ignores it. When it fires it asks the server to stop the statement (from
 * another connection), and if the statement still has not ended after a grace period it
 * destroys the connection. An abort signal (the HTTP client went away) does the same.
 */
import { AirlockError } from '../../shared/errors';

/** How long after the limit the client acts, so that the server's own timeout fires first. */
export const CLIENT_GRACE_MS = 1000;
/** How long a cancelled statement may take to end before its connection is destroyed. */
export const DESTROY_AFTER_MS = 3000;

export class Deadline {
  timedOut = false;
  aborted = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly onAbort = () => this.fire('abort');

  constructor(
    readonly timeoutMs: number,
    private readonly stop: () => Promise<void>,
    private readonly destroy: () => void,
    private readonly signal?: AbortSignal,
  ) {
    this.timers.push(setTimeout(() => this.fire('timeout'), timeoutMs + CLIENT_GRACE_MS));
    if (signal?.aborted) queueMicrotask(this.onAbort);
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private fire(kind: 'timeout' | 'abort') {
    if (this.timedOut || this.aborted) return;
    if (kind === 'timeout') this.timedOut = true;
    else this.aborted = true;
    this.stop().catch(() => undefined);
    this.timers.push(setTimeout(() => this.destroy(), DESTROY_AFTER_MS));
  }

  get fired(): boolean {
    return this.timedOut || this.aborted;
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  /** The error to report when the deadline (or the abort) ended the statement. */
  error(): AirlockError | null {
    if (this.timedOut) return timeoutError(this.timeoutMs);
    if (this.aborted)
      return new AirlockError(
        'QUERY_FAILED',
        'the request was abandoned by the client; the statement was cancelled',
      );
    return null;
  }
}

export const timeoutError = (ms: number) =>
  new AirlockError(
    'QUERY_TIMEOUT',
    `the statement ran longer than ${ms} ms and was stopped on the server`,
    { timeoutMs: ms },
  );
