/**
 * The UI's natural-language operations (NL_OPS in src/shared/contract/nl.ts): an analyst asks
 * with read access to every table of the connection, or "as agent X" with that agent's read
 * grants; the semantic layer is read and edited as an administrator. A failed ask is an
 * answer (`ok: false` with the code, the audit entry and any guidance), as runQuery's is.
 */
import type { z } from 'zod';
import { NL_OPS, type AskAttempt, type AskEvent } from '../../shared/contract/nl';
import { isAirlockError } from '../../shared/errors';
import type { Agents } from '../identity/agents';
import type { GrantsRepo } from '../policy/grants-repo';
import type { NlCore } from './nl-core';
import { actingAgent } from '../query/principal';
import { analystAsker, asAgentAsker, type Asker } from './access';

type NlOpName = keyof typeof NL_OPS;
type Input<N extends NlOpName> = z.output<(typeof NL_OPS)[N]['input']>;
type Output<N extends NlOpName> = z.infer<(typeof NL_OPS)[N]['output']>;
/** What the NL operations use of the core: the NL capability, and the agents a person may act as. */
export interface NlOpsDeps {
  nl: NlCore;
  agents: Pick<Agents, 'get' | 'list'>;
  grants: Pick<GrantsRepo, 'list'>;
}

export type NlOpsHandlers = { [N in NlOpName]: (input: Input<N>) => Promise<Output<N>> };

/** The asker a person in the UI is: the analyst, or the analyst "as agent X" (reads only). */
export function uiAsker(core: NlOpsDeps, connection: string, asAgent: string | undefined): Asker {
  if (asAgent === undefined) return analystAsker(connection);
  const agent = actingAgent(core.agents, asAgent);
  return asAgentAsker(agent, core.grants.list(agent.id));
}

/**
 * One ask for the UI, with stages and tokens delivered to `onEvent` as they happen (the HTTP
 * transport can send them as Server-Sent Events, the desktop shell as IPC messages).
 */
export async function uiAsk(
  core: NlOpsDeps,
  input: Input<'ask'>,
  onEvent?: (e: AskEvent) => void,
  signal?: AbortSignal,
): Promise<Output<'ask'>> {
  try {
    const asker = uiAsker(core, input.connection, input.asAgent);
    const { asAgent: _a, ...req } = input;
    const answer = await core.nl.asks.ask(asker, req, {
      ...(onEvent ? { onEvent } : {}),
      ...(signal ? { signal } : {}),
    });
    return { ok: true, ...answer };
  } catch (e) {
    if (!isAirlockError(e)) throw e;
    return {
      ok: false,
      code: e.code,
      message: e.message,
      auditId: e.auditId ?? null,
      ...(Array.isArray(e.details.guidance) ? { guidance: e.details.guidance as string[] } : {}),
      ...(Array.isArray(e.details.history) ? { history: e.details.history as AskAttempt[] } : {}),
    };
  }
}

export function nlOps(core: NlOpsDeps): NlOpsHandlers {
  const actor = 'user:analyst';
  return {
    ask: (input) => uiAsk(core, input),
    ollamaStatus: () => core.nl.ollama.status(),
    getSemanticLayer: async ({ connection }) => core.nl.semantic.get(connection),
    putSemanticLayer: ({ connection, layer }) => core.nl.semantic.put(connection, layer, actor),
    importSemanticLayer: ({ connection, yaml }) =>
      core.nl.semantic.importYaml(connection, yaml, actor),
    exportSemanticLayer: async ({ connection }) => ({
      yaml: core.nl.semantic.exportYaml(connection),
    }),
    addVerifiedExample: ({ connection, question, sql }) =>
      core.nl.semantic.addExample(connection, question, sql, actor),
  };
}
