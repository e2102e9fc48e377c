/** The agent page's limits: read them, and set the agent's own (on the record). */
import { requireAgent } from '../admin/admin-actions';
import type { Core } from '../core';
import type { SomeOps } from './ops-types';

export function agentLimitOps(core: Core): SomeOps<'getAgentLimits' | 'putAgentLimits'> {
  return {
    getAgentLimits: async ({ id }) => core.rateLimiter.view(requireAgent(core, id).id),
    async putAgentLimits({ id, limits }) {
      const agent = requireAgent(core, id);
      const before = core.rateLimiter.view(agent.id).own;
      // Recorded before it takes effect: a change the audit could not hold is not made.
      await core.auditAdmin('admin.agent.limits', {
        agentId: agent.id,
        agent: agent.name,
        before,
        after: limits,
      });
      return core.rateLimiter.put(agent.id, limits);
    },
  };
}
