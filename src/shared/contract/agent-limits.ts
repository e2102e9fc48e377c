/**
 * Per-agent limits (docs/api.md, "Limits"): requests per minute, hour and day, and rows and
 * bytes per day, each either the agent's own or, when absent, the global setting. The agent's
 * page edits them; `429 RATE_LIMITED` names the one an agent hit.
 */
import { z } from 'zod';

const count = (max: number) => z.number().int().min(1).max(max);

/** An agent's own maxima; a field absent (or null when saving) follows the global setting. */
export const AgentLimitValues = z.strictObject({
  ratePerMinute: count(1_000_000).optional(),
  ratePerHour: count(10_000_000).optional(),
  ratePerDay: count(100_000_000).optional(),
  /** Rows answered per day (UTC), summed over the agent's queries. */
  rowsPerDay: count(1_000_000_000).optional(),
  /** Bytes answered per day (UTC), as sent over HTTP. */
  bytesPerDay: count(1_000_000_000_000).optional(),
});
export type AgentLimitValues = z.infer<typeof AgentLimitValues>;

export const AGENT_LIMIT_FIELDS = [
  'ratePerMinute',
  'ratePerHour',
  'ratePerDay',
  'rowsPerDay',
  'bytesPerDay',
] as const;
export type AgentLimitField = (typeof AGENT_LIMIT_FIELDS)[number];

/** What the agent's page shows: its own limits, those in force, and today's use. */
export const AgentLimitsView = z.object({
  agentId: z.string(),
  own: AgentLimitValues,
  /** In force: the agent's own, else the global setting; null: no limit of that kind. */
  effective: z.object({
    ratePerMinute: z.number().int(),
    ratePerHour: z.number().int(),
    ratePerDay: z.number().int(),
    rowsPerDay: z.number().int().nullable(),
    bytesPerDay: z.number().int().nullable(),
  }),
  /** Today (UTC) so far. */
  usage: z.object({ day: z.string(), rows: z.number().int(), bytes: z.number().int() }),
});
export type AgentLimitsView = z.infer<typeof AgentLimitsView>;

export const AGENT_LIMIT_OPS = {
  getAgentLimits: { input: z.strictObject({ id: z.string().max(64) }), output: AgentLimitsView },
  /** Replaces the agent's own limits; `{}` returns it to the global settings. */
  putAgentLimits: {
    input: z.strictObject({ id: z.string().max(64), limits: AgentLimitValues }),
    output: AgentLimitsView,
  },
};
