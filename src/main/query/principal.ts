/**
 * Whom a statement runs for. An agent runs under its own grants; a person in the UI (or the
 * eval command) runs as the analyst — read on everything, write on nothing — or previews an
 * agent: that agent's read grants, with the person named in the audit. The workbench and the
 * NL path both take their principals from here.
 */
import type { AuditRecord, Grant } from '../../shared/domain';
import type { AuditLog } from '../audit/audit-log';
import type { Agent } from '../identity/agents';

export interface Principal {
  /** The agent whose grants apply: a real agent, or the analyst stand-in. */
  agent: Agent;
  grants: Grant[];
  /** How the audit names whoever ran it: `agent:<name>`, `user:analyst`, `user:analyst as agent:<name>`. */
  actor: string;
}

/** The id of the stand-in agent for a person (no key, no row in the agents table). */
export const ANALYST_ID = 'user:analyst';

export const ANALYST_AGENT: Agent = {
  id: ANALYST_ID,
  name: 'analyst',
  keyPrefix: '',
  createdAt: '1970-01-01T00:00:00.000Z',
  expiresAt: null,
  lastUsedAt: null,
  revokedAt: null,
};

/** Grants with write taken out (deny grants kept): what a person may use of an agent's grants. */
export function readOnlyGrants(grants: Grant[]): Grant[] {
  return grants.flatMap((g): Grant[] => {
    if ((g.effect ?? 'allow') === 'deny') return [g];
    return g.actions.includes('read')
      ? [{ ...g, actions: g.actions.includes('export') ? ['read', 'export'] : ['read'] }]
      : [];
  });
}

/** A person reading every table of these connections. */
export function analystPrincipal(connections: string[], actor = 'user:analyst'): Principal {
  return {
    agent: ANALYST_AGENT,
    grants: connections.map((connection) => ({
      connection,
      table: '*',
      actions: ['read', 'export'],
    })),
    actor,
  };
}

/** An agent through the API, under its own grants. */
export function agentPrincipal(agent: Agent, grants: Grant[]): Principal {
  return { agent, grants, actor: `agent:${agent.name}` };
}

/** A person previewing agent X: X's read grants, the person named in the audit. */
export function asAgentPrincipal(agent: Agent, grants: Grant[]): Principal {
  return { agent, grants: readOnlyGrants(grants), actor: `user:analyst as agent:${agent.name}` };
}

/** True when the principal is the agent itself (not a person previewing it). */
export const isAgentItself = (p: Principal) =>
  p.agent.id !== ANALYST_ID && p.actor === `agent:${p.agent.name}`;

/**
 * The audit log as the query path sees it for a person: entries name the person, so filtering
 * the audit by agent never shows a preview as the agent's own request; a previewed agent is
 * kept as `asAgentId`.
 */
export function auditAs(audit: AuditLog, actor: string): AuditLog {
  const view = Object.create(audit) as AuditLog;
  Object.defineProperty(view, 'append', {
    value: (r: AuditRecord) => {
      const { agentId, ...details } = r.details ?? {};
      const as = agentId && agentId !== ANALYST_ID ? { asAgentId: agentId } : {};
      return audit.append({ ...r, actor, details: { ...details, ...as } });
    },
  });
  return view;
}
