/**
 * How many statements each agent has running on each connection. An agent past its limit is
 * refused at once (RATE_LIMITED) rather than queued, so one agent — abandoned requests
 * included — cannot take every connection of a pool and lock the other agents out.
 */
import { AirlockError } from '../../shared/errors';

export class AgentSlots {
  private readonly running = new Map<string, number>();

  /**
   * Takes a slot for `agent` on `connection` or throws RATE_LIMITED naming the limit; the
   * returned function gives it back (once).
   */
  take(agent: { id: string; name: string }, connection: string, limit: number): () => void {
    const key = `${agent.id}\u0000${connection.toLowerCase()}`;
    const n = this.running.get(key) ?? 0;
    if (n >= limit) {
      throw new AirlockError(
        'RATE_LIMITED',
        `agent '${agent.name}' already has ${n} statement(s) running on connection '${connection}'; the limit is ${limit} at a time per agent and connection — wait for one to finish`,
        { limit, running: n, retryAfterSec: 1 },
      );
    }
    this.running.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(key) ?? 1) - 1;
      if (left <= 0) this.running.delete(key);
      else this.running.set(key, left);
    };
  }
}

/**
 * The per-agent limit on one connection: the configured number, and never more than half the
 * connection's pool (at least one), so other agents always find a free connection.
 */
export function agentLimit(configured: number, poolSize: number | undefined): number {
  if (poolSize === undefined) return configured;
  return Math.max(1, Math.min(configured, Math.floor(poolSize / 2)));
}
