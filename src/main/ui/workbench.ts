/**
 * The query workbench: a person's statement through the one pipeline (guard, policy, engine
 * backstops, audit), as the analyst (read on every table of every connection) or, for "run
 * as agent X", with that agent's read grants. The workbench only reads: its principals may
 * not write, so the pipeline refuses and records a write before it reaches the database, even
 * when the agent it runs as may write.
 */
import type { z } from 'zod';
import type { QueryOutcome, RunQuery } from '../../shared/contract/ops';
import { AirlockError, isAirlockError } from '../../shared/errors';
import type { Core } from '../core';
import {
  actingAgent,
  personAsAgentPrincipal,
  personPrincipal,
  type Principal,
  type ReadOnlyRule,
} from '../query/principal';

type Outcome = z.infer<typeof QueryOutcome>;
type Input = z.output<typeof RunQuery>;

const WORKBENCH_READ_ONLY: ReadOnlyRule = {
  rule: 'workbench:read-only',
  reason: () =>
    'the workbench runs reads only; writes go through an agent that holds a write grant',
};

function runnerFor(core: Core, asAgent: string | undefined): Principal {
  if (asAgent === undefined) {
    return personPrincipal(
      core.connections.list().map((c) => c.name),
      WORKBENCH_READ_ONLY,
    );
  }
  const agent = actingAgent(core.agents, asAgent);
  return personAsAgentPrincipal(agent, core.grants.list(agent.id), WORKBENCH_READ_ONLY);
}

export async function runQuery(core: Core, input: Input): Promise<Outcome> {
  const started = core.clock.monotonicMs();
  try {
    const who = runnerFor(core, input.asAgent);
    const outcome = await core.queries.run(who, {
      connection: input.connection,
      sql: input.sql,
      ...(input.params ? { params: input.params } : {}),
      ...(input.maxRows !== undefined ? { maxRows: input.maxRows } : {}),
    });
    if (outcome.kind !== 'read') {
      // Unreachable for a principal that may not write; refusing here keeps it so.
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
    if (isAirlockError(e))
      return { ok: false, code: e.code, message: e.message, auditId: e.auditId ?? null };
    throw e;
  }
}
