/**
 * Runs one operation from untrusted input: parse with the contract's schema, then call the
 * handler. Both transports (HTTP and Electron IPC) go through here, so it imports neither.
 */
import { OPS, type OpName } from '../../shared/contract/ops';
import { AirlockError } from '../../shared/errors';
import { parseWith } from '../../shared/parse-with';
import type { OpsHandlers } from './ops-types';

export function isOpName(name: string): name is OpName {
  return Object.prototype.hasOwnProperty.call(OPS, name);
}

/** An absent input means "no input": the operations that take none accept `{}`. */
export async function dispatch(
  handlers: OpsHandlers,
  name: OpName,
  raw: unknown,
): Promise<unknown> {
  if (!isOpName(name)) throw new AirlockError('NOT_FOUND', `no UI operation '${String(name)}'`);
  const input = parseWith(OPS[name].input, raw === undefined ? {} : raw, `input of ${name}`);
  const handler = handlers[name] as (input: unknown) => Promise<unknown>;
  return handler(input);
}
