/**
 * Who is asking and what they may read. Everything the model is shown (schema, descriptions,
 * value hints, metrics, examples) is cut down to this view first, with the same policy
 * function that decides queries.
 */
import { isAirlockError } from '../../shared/errors';
import type { Connections } from '../connections/connections';
import { sqlConnector, type ConnectorTable } from '../connectors/types';
import type { Dialect } from '../guard/dialect';
import { guardSql } from '../guard/guard';
import type { SchemaIndex } from '../guard/schema-index';
import { decide, permittedColumns } from '../policy/policy';
import {
  agentPrincipal,
  personPrincipal,
  personAsAgentPrincipal,
  type Principal,
  type ReadOnlyRule,
} from '../query/principal';

/** Who is asking: a principal of the query pipeline (see query/principal.ts). */
export type Asker = Principal;

/**
 * Questions are answered with reads only, whatever the asker's grants: a write or DDL
 * statement from the model is refused and never reaches a connector.
 */
export const NL_READ_ONLY: ReadOnlyRule = {
  rule: 'nl:read-only',
  reason: (kind) =>
    `questions are answered with reads only: the model wrote a ${kind.toUpperCase()} statement, which was refused and not run`,
};

/** A person (in the UI, or the eval command) reading everything on the connection. */
export const analystAsker = (connection: string, actor = 'user:analyst'): Asker =>
  personPrincipal([connection], NL_READ_ONLY, actor);
/** An agent asking through the API, under its own grants and concurrency limit. */
export const agentAsker = agentPrincipal;
/** A person in the UI asking as agent X (X's read grants). */
export const asAgentAsker = (agent: { id: string; name: string }, grants: Principal['grants']) =>
  personAsAgentPrincipal(agent, grants, NL_READ_ONLY);

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

export async function accessView(
  connections: Connections,
  connection: string,
  asker: Asker,
): Promise<AccessView> {
  const connector = connections.connector(connection);
  const { tables, index } = await connections.schema(connection);
  const readable = new Map<string, Set<string>>();
  for (const t of tables) {
    const cols = permittedColumns(
      asker.grants,
      connection,
      t.name,
      t.columns.map((c) => c.name),
      'read',
      connector.defaultSchema,
    );
    if (cols.length) readable.set(t.name.toLowerCase(), new Set(cols));
  }
  return {
    connection,
    dialect: sqlConnector(connector).dialect,
    defaultSchema: connector.defaultSchema,
    index,
    tables,
    readable,
    asker,
  };
}

export const canReadColumn = (v: AccessView, table: string, column: string): boolean =>
  v.readable.get(table.toLowerCase())?.has(column) ?? false;

/**
 * Would this statement be an allowed read for the asker? Guard and policy only; nothing runs.
 * Used to decide which metrics and examples the asker (and so the model) may see.
 */
export async function allowsRead(v: AccessView, sql: string): Promise<boolean> {
  try {
    const g = await guardSql(sql, v.dialect, v.index, v.asker.subject.id);
    if (g.analysis.action !== 'read') return false;
    return (
      decide(
        {
          agent: v.asker.subject.name,
          connection: v.connection,
          tables: g.analysis.tables,
          defaultSchema: v.defaultSchema,
        },
        v.asker.grants,
      ).effect === 'allow'
    );
  } catch (e) {
    if (isAirlockError(e)) return false;
    throw e;
  }
}

/** The statement that computes a metric, so it can be guarded like any other. */
export function metricSql(m: { sql: string; from: string; filter?: string | undefined }): string {
  return `SELECT ${m.sql} AS value FROM ${m.from}${m.filter ? ` WHERE ${m.filter}` : ''}`;
}
