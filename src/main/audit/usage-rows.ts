/**
 * Per-agent usage counts (ratelimit/agent-limiter.ts) written by whoever commits an audit batch
 * (the writer thread, or the in-thread committer), in the batch's own transaction.
 */
import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { UsageRow } from './writer-protocol';

/** Where a batch's usage counts go (the agent_usage table of ratelimit/agent-limiter.ts). */
export const USAGE_UPSERT =
  'INSERT INTO agent_usage (agent_id, state) VALUES (?, ?) ON CONFLICT (agent_id) DO UPDATE SET state = excluded.state';

/** Writes a batch's usage counts inside its transaction; an agent no longer in the store is skipped. */
export function writeUsage(upsert: Statement, usage: UsageRow[] | undefined): void {
  for (const u of usage ?? []) {
    try {
      upsert.run(u.agentId, u.state);
    } catch {
      // Its counts lived in memory only; the entries of the batch must not fail for them.
    }
  }
}
