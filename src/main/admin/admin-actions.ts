/**
 * Administrative changes, each with its audit entry: the UI operations (ui/admin-ops.ts) call
 * these, and the admin HTTP routes (admin token) call those same operations, so a change is
 * validated and recorded the same way whichever door it came through.
 *
 * Entries are named `admin.<what>` (docs/api.md, "Audited admin events"): a success and a
 * failure of the same change share the name and differ in status.
 */
import type { CreateConnection } from '../../shared/contract/api';
import type { Grant } from '../../shared/domain';
import { clip } from '../../shared/parse-with';
import { AirlockError } from '../../shared/errors';
import type { ConnectionRecord } from '../connections/connections';
import type { Core } from '../core';
import type { Agent } from '../identity/agents';
import { hasPrincipals } from '../connectors/agent-principals';
import { checkOutboundSetting } from '../net/outbound';
import { checkForwardTargets } from '../audit/forward/test-message';
import { SettingsPatch, changedSettings, mergeSettings, type Settings } from '../settings/settings';
import { Settings as SettingsSchema } from '../../shared/contract/ops';
import { parseWith } from '../../shared/parse-with';

/** The audit actions of administrative changes. */
export const ADMIN_ACTIONS = {
  connectionAdd: 'admin.connection.add',
  connectionUpdate: 'admin.connection.update',
  connectionRemove: 'admin.connection.remove',
  agentCreate: 'admin.agent.create',
  agentRevoke: 'admin.agent.revoke',
  grantsReplace: 'admin.grants.replace',
  settingsUpdate: 'admin.settings.update',
  /** A verification of the chain started from the UI, with its verdict. */
  auditVerify: 'admin.audit.verify',
  /** Approvals for agent writes: a decision, and the revert of an executed write. */
  approvalApprove: 'admin.approval.approve',
  approvalDeny: 'admin.approval.deny',
  approvalRevert: 'admin.approval.revert',
} as const;

/** A password in a URL (`scheme://user:password@host`) as `***`: the form entries hold. */
export const withoutUrlPasswords = (text: string): string =>
  text.replace(/(\w[\w+.-]*:\/\/[^:/\s@]+:)[^@\s]+@/g, '$1***@');

/** Every string in a value with its URL passwords masked (settings as they go on the record). */
function scrubbed(value: unknown): unknown {
  if (typeof value === 'string') return withoutUrlPasswords(value);
  if (Array.isArray(value)) return value.map(scrubbed);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubbed(v)]));
  return value;
}

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
export async function recorded<T>(
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
    const message = withoutUrlPasswords((e as Error).message);
    // The details quote the input (a name the connection or agent does not have): each text is
    // shortened, so no input can grow the log.
    const quoted = Object.fromEntries(
      Object.entries(details).map(([k, v]) => [k, typeof v === 'string' ? clip(v, 200) : v]),
    );
    await core
      .auditAdmin(action, { ...quoted, failed: true, code }, { status: 'error', reason: message })
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
  const action = ADMIN_ACTIONS.connectionAdd;
  return recorded(core, action, { name: input.name, kind: input.kind }, async () => {
    const rec = await core.connections.create(input, core.dataDir);
    await core.auditAdmin(
      action,
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
  const action = ADMIN_ACTIONS.connectionUpdate;
  return recorded(core, action, { name, newName: input.name, kind: input.kind }, async () => {
    const before = core.connections.get(name);
    const rec = await core.connections.update(name, input, core.dataDir, (from, to) => {
      if (from !== to) core.grants.renameConnection(from, to);
    });
    await core.auditAdmin(
      action,
      {
        name: rec.name,
        kind: rec.kind,
        target: rec.target,
        ...(before && before.name !== rec.name ? { renamedFrom: before.name } : {}),
      },
      { connection: rec.name },
    );
    return rec;
  });
}

export async function removeConnection(core: Core, name: string): Promise<void> {
  const action = ADMIN_ACTIONS.connectionRemove;
  return recorded(core, action, { name }, async () => {
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
      action,
      { name: rec.name, kind: rec.kind, target: rec.target, grantsRemoved },
      { connection: rec.name },
    );
  });
}

export async function createAgent(
  core: Core,
  input: { name: string; expiresAt?: string | undefined },
): Promise<{ agent: Agent; apiKey: string }> {
  const action = ADMIN_ACTIONS.agentCreate;
  return recorded(core, action, { name: input.name }, async () => {
    const { agent, apiKey } = core.agents.create(input.name, input.expiresAt);
    await core.auditAdmin(action, {
      agentId: agent.id,
      name: agent.name,
      keyPrefix: agent.keyPrefix,
      expiresAt: agent.expiresAt,
    });
    return { agent, apiKey };
  });
}

export async function revokeAgent(core: Core, id: string): Promise<Agent> {
  const action = ADMIN_ACTIONS.agentRevoke;
  return recorded(core, action, { agentId: id }, async () => {
    const agent = core.agents.revoke(id);
    await core.auditAdmin(action, { agentId: agent.id, name: agent.name });
    await dropPrincipals(core, [agent.id]);
    return agent;
  });
}

/** Replaces an agent's grants; every grant must name an existing connection. */
export async function replaceGrants(core: Core, id: string, grants: Grant[]): Promise<Grant[]> {
  const action = ADMIN_ACTIONS.grantsReplace;
  return recorded(core, action, { agentId: id, grants }, async () => {
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
    await core.auditAdmin(action, { agentId: id, name: agent.name, grants });
    // Per-agent database roles/users mirror the grants (PostgreSQL, MySQL/MariaDB).
    await core.queries.grantsChanged(agent);
    return core.grants.list(id);
  });
}

/**
 * Saves a whole settings document (the UI's Settings page). The air gap is checked first: an
 * Ollama address it refuses is never saved. The entry names the fields that changed and holds
 * the document with any URL password masked.
 */
export async function updateSettings(core: Core, next: Settings): Promise<Settings> {
  const before = core.settings.get();
  const changed = changedSettings(before, next);
  return recorded(core, ADMIN_ACTIONS.settingsUpdate, { changed }, async () => {
    // The air gap: refused here, with the reason, before anything is saved.
    await checkOutboundSetting('Ollama', next.ollama.url, next.ollama.lanConfirmed === true);
    await checkForwardTargets(next.audit?.forward);
    const saved = core.settings.put(next);
    await core.auditAdmin(ADMIN_ACTIONS.settingsUpdate, {
      changed: changedSettings(before, saved),
      settings: scrubbed(saved),
    });
    return saved;
  });
}

/**
 * Lays a partial document over the current settings and saves the result through
 * `save` (the UI's own settings operation). A patch that is not valid, or whose result is not,
 * is refused and on the record like any failed change.
 */
export async function patchSettings(
  core: Core,
  patch: unknown,
  save: (next: Settings) => Promise<Settings>,
): Promise<Settings> {
  const fields = changedSettings({}, patch)
    .slice(0, 50)
    .map((f) => f.slice(0, 100));
  const next = await recorded(core, ADMIN_ACTIONS.settingsUpdate, { changed: fields }, async () =>
    parseWith(
      SettingsSchema,
      mergeSettings(core.settings.get(), parseWith(SettingsPatch, patch, 'settings patch')),
      'settings',
    ),
  );
  return save(next);
}
