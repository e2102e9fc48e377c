/**
 * Who is asking and what they may read. Everything the model is shown (schema, descriptions,
 * value hints, metrics, examples) is cut down to this view first, with the same policy
 * function that decides queries.
 */
import type { Grant } from '../../shared/domain';
import { isAirlockError } from '../../shared/errors';
import type { Connections } from '../connections/connections';
import type { ConnectorTable } from '../connectors/types';
import type { Dialect } from '../guard/dialect';
import { guardSql } from '../guard/guard';
import type { SchemaIndex } from '../guard/schema-index';
import type { Agent } from '../identity/agents';
import { decide, permittedColumns } from '../policy/policy';

export interface Asker {
  /** The agent whose grants apply: a real agent, or a stand-in for an analyst. */
  agent: Agent;
  grants: Grant[];
  /** How the audit names whoever asked: `agent:<name>`, `analyst`, `analyst as agent:<name>`. */
  actor: string;
}

/** The id of the stand-in agent for a person (no key, no row in the agents table). */
export const ANALYST_ID = 'user:analyst';

/**
 * A person in the UI (or the eval command) reads everything on the connection and writes
 * nothing; the audit names them `user:analyst`, as the query workbench does.
 */
export function analystAsker(connection: string, actor = 'user:analyst'): Asker {
  return {
    agent: { id: ANALYST_ID, name: 'analyst', keyPrefix: '', createdAt: '1970-01-01T00:00:00.000Z', expiresAt: null, lastUsedAt: null, revokedAt: null },
    grants: [{ connection, table: '*', actions: ['read'] }],
    actor,
  };
}

/** An agent asking through the API, under its own grants. */
export function agentAsker(agent: Agent, grants: Grant[]): Asker {
  return { agent, grants, actor: `agent:${agent.name}` };
}

/** A person asking "as agent X" in the UI: X's read grants, the person named in the audit. */
export function asAgentAsker(agent: Agent, grants: Grant[]): Asker {
  const reads = grants.flatMap((g): Grant[] => {
    if ((g.effect ?? 'allow') === 'deny') return [g];
    return g.actions.includes('read') ? [{ ...g, actions: ['read'] }] : [];
  });
  return { agent, grants: reads, actor: `user:analyst as agent:${agent.name}` };
}

export interface AccessView {
  connection: string;
  dialect: Dialect;
  defaultSchema: string | null;
  index: SchemaIndex;
  /** Every table of the connection (for linking caches); only `readable` ones reach the model. */
  tables: ConnectorTable[];
  /** Folded table name → the columns the asker may read; tables with none are absent. */
  readable: Map<string, Set<string>>;
  asker: Asker;
}

export async function accessView(connections: Connections, connection: string, asker: Asker): Promise<AccessView> {
  const connector = connections.connector(connection);
  const { tables, index } = await connections.schema(connection);
  const readable = new Map<string, Set<string>>();
  for (const t of tables) {
    const cols = permittedColumns(asker.grants, connection, t.name, t.columns.map((c) => c.name), 'read', connector.defaultSchema);
    if (cols.length) readable.set(t.name.toLowerCase(), new Set(cols));
  }
  return { connection, dialect: connector.dialect, defaultSchema: connector.defaultSchema, index, tables, readable, asker };
}

export const canReadColumn = (v: AccessView, table: string, column: string): boolean =>
  v.readable.get(table.toLowerCase())?.has(column) ?? false;

/**
 * Would this statement be an allowed read for the asker? Guard and policy only; nothing runs.
 * Used to decide which metrics and examples the asker (and so the model) may see.
 */
export function allowsRead(v: AccessView, sql: string): boolean {
  try {
    const g = guardSql(sql, v.dialect, v.index);
    if (g.analysis.action !== 'read') return false;
    return decide({ agent: v.asker.agent.name, connection: v.connection, tables: g.analysis.tables, defaultSchema: v.defaultSchema }, v.asker.grants).effect === 'allow';
  } catch (e) {
    if (isAirlockError(e)) return false;
    throw e;
  }
}

/** The statement that computes a metric, so it can be guarded like any other. */
export function metricSql(m: { sql: string; from: string; filter?: string | undefined }): string {
  return `SELECT ${m.sql} AS value FROM ${m.from}${m.filter ? ` WHERE ${m.filter}` : ''}`;
}
