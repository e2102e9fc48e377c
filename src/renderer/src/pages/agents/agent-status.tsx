import { Badge } from '@mantine/core';
import type { Agent } from '../../api/queries';

export type AgentStatus = 'active' | 'revoked' | 'expired';

export function agentStatus(a: Agent, now = Date.now()): AgentStatus {
  if (a.revokedAt) return 'revoked';
  if (a.expiresAt && Date.parse(a.expiresAt) <= now) return 'expired';
  return 'active';
}

const COLOR: Record<AgentStatus, string> = { active: 'teal', revoked: 'red', expired: 'gray' };

export function AgentStatusBadge({ agent }: { agent: Agent }) {
  const s = agentStatus(agent);
  return (
    <Badge color={COLOR[s]} variant={s === 'active' ? 'light' : 'outline'} size="sm">
      {s}
    </Badge>
  );
}
