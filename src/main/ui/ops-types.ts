/**
 * The shape of the UI's operation handlers, derived from the contract: each takes the parsed
 * input (defaults applied) and answers the operation's output.
 */
import type { z } from 'zod';
import type { OPS, OpName, OpOutput } from '../../shared/contract/ops';

/** The input after `OPS[name].input.parse`: what a handler receives. */
export type OpParsed<N extends OpName> = z.output<(typeof OPS)[N]['input']>;

export type OpsHandlers = { [N in OpName]: (input: OpParsed<N>) => Promise<OpOutput<N>> };

/** Handlers for some of the operations: each file by concern contributes one of these. */
export type SomeOps<K extends OpName> = Pick<OpsHandlers, K>;
