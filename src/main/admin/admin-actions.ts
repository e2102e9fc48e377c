/**
 * Administrative changes, each with its audit entry: the admin HTTP routes (admin token) and
 * the UI operations (session or desktop IPC) both call these, so a change is validated and
 * recorded the same way whichever door it came through.
 */
import type { CreateConnection } from '../../shared/contract/api';
import type { Grant } from '../../shared/domain';
import { AirlockError } from '../../shared/errors';
import type { ConnectionRecord } from '../connections/connections';
import type { Core } from '../core';
import type { Agent } from '../identity/agents';
import { hasPrincipals } from '../connectors/agent-principals';

/**
 * Drops the per-agent database principals (PostgreSQL roles, MySQL/MariaDB users) of `agentIds`
 * on the server connections (all, or the one named). A server that cannot be reached keeps them
 * for now: they hold no more than the grants had, and cannot log in (roles) or have a password
 * nobody knows (users).
 */
async function dropPrincipals(core: Core, agentIds: string[], only?: string): Promise<void> {
  for (const record of core.connections.list()) {
    if (
      (record.kind !== 'postgres' && record.kind !== 'mysql') ||
      (only && record.name.toLowerCase() !== only.toLowerCase())
    )
      continue;
    const connector = core.connections.connector(record.name);
    if (!hasPrincipals(connector)) continue;
    for (const id of agentIds) await connector.agentRemoved(id).catch(() => undefined);
  }
}

/**
 * A change that fails is on the record too (who tried what, and why it did not happen), under
 * the action its success would have had, with status `error`. Details never hold a secret.
 */
async function recorded<T>(
  core: Core,
  action: string,
  details: Record<string, unknown>,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const code = e instanceof AirlockError ? e.code : 'INTERNAL';
    // A driver's reason may quote the URL it was given: no password reaches the log.
    const message = (e as Error).message.replace(/(\w+:\/\/[^:/\s@]+:)[^@\s]+@/g, '$1***@');
    await core
      .auditAdmin(action, { ...details, failed: true, code }, { status: 'error', reason: message })
      .catch(() => undefined);
    throw e;
  }
}

export function requireAgent(core: Core, id: string): Agent {
  const agent = core.agents.get(id);
  if (!agent) throw new AirlockError('NOT_FOUND', `no agent with id '${id}'`);
  return agent;
}

export async function createConnection(
  core: Core,
  input: CreateConnection,
): Promise<ConnectionRecord> {
  return recorded(core, 'connection.create', { name: input.name, kind: input.kind }, async () => {
    const rec = await core.connections.create(input, core.dataDir);
    await core.auditAdmin(
      'connection.create',
      { name: rec.name, kind: rec.kind, target: rec.target },
      { connection: rec.name },
    );
    return rec;
  });
}

/** Re-points and/or renames a connection; grants follow a rename. */
export async function updateConnection(
  core: Core,
  name: string,
  input: CreateConnection,
): Promise<ConnectionRecord> {
  return recorded(
    core,
    'connection.update',
    { name, newName: input.name, kind: input.kind },
    async () => {
      const before = core.connections.get(name);
      const rec = await core.connections.update(name, input, core.dataDir, (from, to) => {
        if (from !== to) core.grants.renameConnection(from, to);
      });
      await core.auditAdmin(
        'connection.update',
        {
          name: rec.name,
          kind: rec.kind,
          target: rec.target,
          ...(before && before.name !== rec.name ? { renamedFrom: before.name } : {}),
        },
        { connection: rec.name },
      );
      return rec;
    },
  );
}

export async function removeConnection(core: Core, name: string): Promise<void> {
  return recorded(core, 'connection.remove', { name }, async () => {
    // The connection's per-agent roles/users go first, while its connector can still reach the server.
    if (core.connections.get(name))
      await dropPrincipals(
        core,
        core.agents.list().map((a) => a.id),
        name,
      );
    let grantsRemoved = 0;
    const rec = await core.connections.remove(name, (n) => {
      grantsRemoved = core.grants.removeConnection(n);
    });
    await core.auditAdmin(
      'connection.remove',
      { name: rec.name, kind: rec.kind, target: rec.target, grantsRemoved },
      { connection: rec.name },
    );
  });
}

export async function createAgent(
  core: Core,
  input: { name: string; expiresAt?: string | undefined },
): Promise<{ agent: Agent; apiKey: string }> {
  return recorded(core, 'agent.create', { name: input.name }, async () => {
    const { agent, apiKey } = core.agents.create(input.name, input.expiresAt);
    await core.auditAdmin('agent.create', {
      agentId: agent.id,
      name: agent.name,
      keyPrefix: agent.keyPrefix,
      expiresAt: agent.expiresAt,
    });
    return { agent, apiKey };
  });
}

export async function revokeAgent(core: Core, id: string): Promise<Agent> {
  return recorded(core, 'agent.revoke', { agentId: id }, async () => {
    const agent = core.agents.revoke(id);
    await core.auditAdmin('agent.revoke', { agentId: agent.id, name: agent.name });
    await dropPrincipals(core, [agent.id]);
    return agent;
  });
}

/** Replaces an agent's grants; every grant must name an existing connection. */
export async function replaceGrants(core: Core, id: string, grants: Grant[]): Promise<Grant[]> {
  return recorded(core, 'grants.replace', { agentId: id, grants }, async () => {
    const agent = requireAgent(core, id);
    const known = new Set(core.connections.list().map((c) => c.name.toLowerCase()));
    const unknown = grants.findIndex((g) => !known.has(g.connection.toLowerCase()));
    if (unknown >= 0) {
      const message = `grant names connection '${grants[unknown]!.connection}', which does not exist`;
      throw new AirlockError('VALIDATION_FAILED', message, {
        connection: grants[unknown]!.connection,
        issues: [{ path: `grants.${unknown}.connection`, message }],
      });
    }
    core.grants.replace(id, grants);
    await core.auditAdmin('grants.replace', { agentId: id, name: agent.name, grants });
    // Per-agent database roles/users mirror the grants (PostgreSQL, MySQL/MariaDB).
    await core.queries.grantsChanged(agent);
    return core.grants.list(id);
  });
}
