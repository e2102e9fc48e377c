/**
 * Who a request runs for. An agent runs under its own grants; a person (the analyst in the
 * UI, the eval command) reads every table of the connections it is given and writes none; a
 * person acting as an agent gets that agent's read grants and is named as the person in the
 * audit. Every door (the agent API, the workbench, NL questions) builds one of these and
 * hands it to the same pipeline.
 */
import type { Grant } from '../../shared/domain';
import { AirlockError } from '../../shared/errors';

export interface ReadOnlyRule {
  rule: string;
  reason: (statementKind: string) => string;
}

export type PrincipalKind = 'agent' | 'person' | 'person-as-agent';
export type Capability = 'read' | 'write' | 'export';

export interface Principal {
  kind: PrincipalKind;
  /**
   * Whose grants apply, and under which identity the database sees the statement (per-agent
   * roles and users) and the guard caches its verdicts: the agent, or the person.
   */
  subject: { id: string; name: string };
  grants: Grant[];
  /** How the audit names whoever ran it: `agent:<name>`, `user:analyst`, `user:analyst as agent:<name>`. */
  actor: string;
  /** What it may do at all, whatever its grants say. */
  may: ReadonlySet<Capability>;
  /** How a write is refused when `may` has no `write`: the rule, and the reason for a statement kind. */
  readOnly: ReadOnlyRule | null;
  /** Statements it may run at once on one connection; null: no per-principal limit. */
  concurrency: number | null;
  /**
   * What the door it came through adds to every audit entry its requests leave (MCP: the
   * transport and the tool), so an entry says how it came whichever layer records it.
   */
  via?: Readonly<Record<string, string>>;
}

/** The subject id of a person (no key, no row in the agents table). */
export const PERSON_ID = 'user:analyst';

const ALL: ReadonlySet<Capability> = new Set(['read', 'write', 'export']);
const READS: ReadonlySet<Capability> = new Set(['read', 'export']);

/** Grants with write taken out (deny grants kept): what a person may use of an agent's grants. */
export function readOnlyGrants(grants: Grant[]): Grant[] {
  return grants.flatMap((g): Grant[] => {
    if ((g.effect ?? 'allow') === 'deny') return [g];
    return g.actions.includes('read')
      ? [{ ...g, actions: g.actions.includes('export') ? ['read', 'export'] : ['read'] }]
      : [];
  });
}

/** An agent through the API, under its own grants and its own concurrency limit. */
export function agentPrincipal(
  agent: { id: string; name: string },
  grants: Grant[],
  concurrency: number | null = null,
): Principal {
  return {
    kind: 'agent',
    subject: { id: agent.id, name: agent.name },
    grants,
    actor: `agent:${agent.name}`,
    may: ALL,
    readOnly: null,
    concurrency,
  };
}

/** A person reading every table of these connections; `readOnly` says how a write is refused. */
export function personPrincipal(
  connections: string[],
  readOnly: ReadOnlyRule,
  actor = 'user:analyst',
): Principal {
  return {
    kind: 'person',
    subject: { id: PERSON_ID, name: 'analyst' },
    grants: connections.map((connection) => ({
      connection,
      table: '*',
      actions: ['read', 'export'],
    })),
    actor,
    may: READS,
    readOnly,
    concurrency: null,
  };
}

/** A person acting as agent X: X's read grants, the person named in the audit. */
export function personAsAgentPrincipal(
  agent: { id: string; name: string },
  grants: Grant[],
  readOnly: ReadOnlyRule,
): Principal {
  return {
    kind: 'person-as-agent',
    subject: { id: agent.id, name: agent.name },
    grants: readOnlyGrants(grants),
    actor: `user:analyst as agent:${agent.name}`,
    may: READS,
    readOnly,
    concurrency: null,
  };
}

/** The same principal, reading only: a door that answers with reads (NL questions) narrows it. */
export function readingOnly(p: Principal, readOnly: ReadOnlyRule): Principal {
  return { ...p, may: READS, readOnly };
}

/**
 * What an audit entry's details say about the principal: the agent's id for an agent, the
 * previewed agent's for a person acting as one (so filtering the audit by agent never shows a
 * preview as the agent's own request), nothing for a person; and the door's `via`.
 */
export function principalDetails(p: Principal): Record<string, string> {
  const via = p.via ?? {};
  if (p.kind === 'agent') return { agentId: p.subject.id, ...via };
  if (p.kind === 'person-as-agent') return { asAgentId: p.subject.id, ...via };
  return { ...via };
}

/** Whether the principal holds any allowing grant on the connection. */
export function holdsGrantOn(p: Principal, connection: string): boolean {
  return p.grants.some(
    (g) =>
      (g.effect ?? 'allow') === 'allow' && g.connection.toLowerCase() === connection.toLowerCase(),
  );
}

/**
 * The agent a person acts as, by id or by name (any case); NOT_FOUND without one, and a
 * revoked agent gets nothing, not even a preview.
 */
export function actingAgent<A extends { id: string; name: string; revokedAt: string | null }>(
  agents: { get(id: string): A | null | undefined; list(): A[] },
  asAgent: string,
): A {
  const agent =
    agents.get(asAgent) ??
    agents.list().find((a) => a.name.toLowerCase() === asAgent.toLowerCase());
  if (!agent) throw new AirlockError('NOT_FOUND', `no agent '${asAgent}'`);
  if (agent.revokedAt)
    throw new AirlockError(
      'UNAUTHENTICATED',
      `agent '${agent.name}' was revoked; its key gets nothing`,
    );
  return agent;
}
