/**
 * The query workbench: a person's statement through the agents' own path (guard, policy,
 * engine backstops, audit), with the analyst's grants (read on every table of every
 * connection) or, for "run as agent X", that agent's grants. The workbench only reads: a
 * write is refused and recorded before it reaches the database, even when the agent it runs
 * as may write.
 */
import type { z } from 'zod';
import type { QueryOutcome, RunQuery } from '../../shared/contract/ops';
import { AirlockError, isAirlockError } from '../../shared/errors';
import type { Core } from '../core';
import { guardSql } from '../guard/guard';
import { QueryService, paramsHash } from '../query/query-service';
import {
  ANALYST_ID,
  analystPrincipal,
  asAgentPrincipal,
  auditAs,
  type Principal,
} from '../query/principal';

type Outcome = z.infer<typeof QueryOutcome>;
type Input = z.output<typeof RunQuery>;

/** The agents' own query path, with the runner's grants and name. */
function queriesFor(core: Core, who: Principal): QueryService {
  return new QueryService({
    connections: core.connections,
    audit: auditAs(core.audit, who.actor),
    grantsOf: () => who.grants,
    limits: () => core.queryLimits(),
    clock: core.clock,
  });
}

function runnerFor(core: Core, asAgent: string | undefined): Principal {
  if (asAgent === undefined) return analystPrincipal(core.connections.list().map((c) => c.name));
  const agent =
    core.agents.get(asAgent) ??
    core.agents.list().find((a) => a.name.toLowerCase() === asAgent.toLowerCase());
  if (!agent) throw new AirlockError('NOT_FOUND', `no agent '${asAgent}'`);
  if (agent.revokedAt)
    throw new AirlockError(
      'UNAUTHENTICATED',
      `agent '${agent.name}' was revoked; its key gets nothing`,
    );
  return asAgentPrincipal(agent, core.grants.list(agent.id));
}

/**
 * What the statement would do, by the guard's own analysis, or null when the guard refuses it
 * (the query path then refuses and records it with the guard's reason).
 */
async function statementAction(
  core: Core,
  connection: string,
  sql: string,
): Promise<'read' | 'write' | null> {
  const record = core.connections.get(connection);
  if (!record) return null;
  try {
    const connector = core.connections.connector(record.name);
    const { index } = await core.connections.schema(record.name);
    return (await guardSql(sql, connector.dialect, index)).analysis.action;
  } catch {
    return null;
  }
}

export async function runQuery(core: Core, input: Input): Promise<Outcome> {
  const started = core.clock.monotonicMs();
  const fail = (e: AirlockError): Outcome => ({
    ok: false,
    code: e.code,
    message: e.message,
    auditId: e.auditId ?? null,
  });
  try {
    const who = runnerFor(core, input.asAgent);
    if ((await statementAction(core, input.connection, input.sql)) === 'write') {
      const reason =
        'the workbench runs reads only; writes go through an agent that holds a write grant';
      const err = new AirlockError('STATEMENT_NOT_ALLOWED', reason);
      err.auditId = await core.audit.append({
        time: core.clock.now().toISOString(),
        actor: who.actor,
        action: 'query.write',
        connection: input.connection,
        statement: input.sql,
        paramsHash: paramsHash(input.params),
        decision: 'deny',
        rule: 'workbench:read-only',
        reason,
        status: 'denied',
        rowCount: null,
        latencyMs: Math.round((core.clock.monotonicMs() - started) * 1000) / 1000,
        details: who.agent.id === ANALYST_ID ? {} : { asAgentId: who.agent.id },
      });
      return fail(err);
    }
    const request = {
      connection: input.connection,
      sql: input.sql,
      ...(input.params ? { params: input.params } : {}),
      ...(input.maxRows !== undefined ? { maxRows: input.maxRows } : {}),
    };
    const outcome = await queriesFor(core, who).query(who.agent, request);
    if (outcome.kind !== 'read') {
      // Unreachable with read-only grants; refusing here keeps it so if that ever changes.
      throw new AirlockError('INTERNAL', 'the workbench received a write result');
    }
    // The query path caps at maxRows itself; cutting again keeps the promise whatever it does.
    const cut = input.maxRows !== undefined && outcome.rows.length > input.maxRows;
    return {
      ok: true,
      columns: outcome.columns,
      rows: cut ? outcome.rows.slice(0, input.maxRows) : outcome.rows,
      rowCount: cut ? input.maxRows! : outcome.rowCount,
      truncated: outcome.truncated || cut,
      auditId: outcome.auditId,
      elapsedMs: Math.round((core.clock.monotonicMs() - started) * 10) / 10,
    };
  } catch (e) {
    if (isAirlockError(e)) return fail(e);
    throw e;
  }
}
