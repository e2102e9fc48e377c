/**
 * The operations on connections, agents, grants and settings, for the UI and for the admin
 * HTTP routes alike (api/routes/admin-routes.ts calls these same handlers). Changes go through
 * the admin actions, so they are validated and audited identically whatever the door.
 */
import * as admin from '../admin/admin-actions';
import type { Core } from '../core';
import { hasPrincipals } from '../connectors/agent-principals';
import { accessPreview } from './access-preview';
import type { SomeOps } from './ops-types';
import { agentView } from './views';
import { AirlockError, isAirlockError } from '../../shared/errors';

type ConnectionOps =
  | 'listConnections'
  | 'testConnection'
  | 'checkConnection'
  | 'createConnection'
  | 'updateConnection'
  | 'removeConnection'
  | 'connectionSchema';

const tablesMessage = (n: number) => `connected; ${n} table${n === 1 ? '' : 's'} found`;

export function connectionOps(core: Core): SomeOps<ConnectionOps> {
  return {
    listConnections: async () => ({ connections: core.connections.list() }),
    async testConnection(input) {
      try {
        const { tables, agentPrincipals } = await core.connections.probe(input, core.dataDir);
        return {
          ok: true,
          message: tablesMessage(tables),
          tables,
          ...(agentPrincipals ? { agentPrincipals } : {}),
        };
      } catch (e) {
        if (isAirlockError(e)) return { ok: false, message: e.message };
        throw e;
      }
    },
    async checkConnection({ name }) {
      const connector = core.connections.connector(name);
      try {
        await connector.test();
        const tables = (await connector.introspect()).length;
        const agentPrincipals = hasPrincipals(connector)
          ? await connector.principalStatus()
          : undefined;
        return {
          ok: true,
          message: tablesMessage(tables),
          tables,
          ...(agentPrincipals ? { agentPrincipals } : {}),
        };
      } catch (e) {
        if (isAirlockError(e))
          return { ok: false, message: `cannot connect to '${name}': ${e.message}` };
        throw e;
      }
    },
    createConnection: (input) => admin.createConnection(core, input),
    updateConnection: ({ name, connection }) => admin.updateConnection(core, name, connection),
    async removeConnection({ name }) {
      await admin.removeConnection(core, name);
      return {};
    },
    async connectionSchema({ name, refresh }) {
      const record = core.connections.get(name);
      if (!record) throw new AirlockError('NOT_FOUND', `no connection named '${name}'`);
      if (refresh) core.connections.refreshSchema(record.name);
      const { tables } = await core.connections.schema(record.name);
      return {
        tables: tables.map((t) => ({
          name: t.name,
          columns: t.columns.map((c) => ({ name: c.name, type: c.type })),
        })),
      };
    },
  };
}

type AgentOps =
  'listAgents' | 'createAgent' | 'revokeAgent' | 'getGrants' | 'putGrants' | 'accessPreview';

export function agentOps(core: Core): SomeOps<AgentOps> {
  return {
    listAgents: async () => ({ agents: core.agents.list().map(agentView) }),
    async createAgent(input) {
      const { agent, apiKey } = await admin.createAgent(core, input);
      return { ...agentView(agent), apiKey };
    },
    revokeAgent: async ({ id }) => agentView(await admin.revokeAgent(core, id)),
    async getGrants({ id }) {
      admin.requireAgent(core, id);
      return { grants: core.grants.list(id) };
    },
    putGrants: async ({ id, grants }) => ({ grants: await admin.replaceGrants(core, id, grants) }),
    async accessPreview({ id }) {
      admin.requireAgent(core, id);
      return accessPreview(core, id);
    },
  };
}

export function settingsOps(core: Core): SomeOps<'getSettings' | 'putSettings'> {
  return {
    getSettings: async () => core.settings.get(),
    putSettings: (next) => admin.updateSettings(core, next),
  };
}
